// History: the binary form round-trips and refuses damaged files; the generator is deterministic
// and realistic; simulation agrees with one-by-one evaluation.
#include <QtTest/QtTest>

#include <cstring>
#include <filesystem>

#include "files/history_files.hpp"
#include "history/generator.hpp"
#include "policy/simulation.hpp"
#include "test_support.hpp"

using namespace verdict;

namespace {

history::HistoryTable generated(std::uint64_t count, std::uint64_t seed = 3) {
  history::HistoryTable table;
  history::GeneratorOptions options;
  options.seed = seed;
  for (std::uint64_t i = 0; i < count; ++i) table.add(history::generate_case(options, i));
  return table;
}

std::vector<std::uint64_t> serialise(const history::HistoryTable& table) {
  std::string bytes;
  history::write_binary(table, [&](const void* p, std::size_t n) { bytes.append(static_cast<const char*>(p), n); });
  std::vector<std::uint64_t> aligned((bytes.size() + 7) / 8);
  std::memcpy(aligned.data(), bytes.data(), bytes.size());
  aligned.resize(aligned.size());
  return aligned;
}

std::span<const std::byte> as_bytes(const std::vector<std::uint64_t>& words, std::size_t size) {
  return {reinterpret_cast<const std::byte*>(words.data()), size};
}

std::size_t byte_size(const history::HistoryTable& t) {
  return history::header_size + t.records.size() * sizeof(facts::FactRecord) + t.pools.items.size() * 8 +
         t.pools.chars.size();
}

}  // namespace

class HistoryTest : public QObject {
  Q_OBJECT
 private slots:
  void binary_round_trip_evaluates_identically() {
    const auto table = generated(2000);
    const auto words = serialise(table);
    auto view = history::parse_binary(as_bytes(words, byte_size(table)));
    QVERIFY2(view, view ? "" : view.error().c_str());
    QCOMPARE(view->size(), std::size_t(2000));
    auto policy = test::sample_policy();
    EvalScratch a = policy->make_scratch(), b = policy->make_scratch();
    const auto original = history::view_of(table);
    for (std::size_t i = 0; i < view->size(); ++i) {
      QCOMPARE(policy->evaluate(view->at(i), a), policy->evaluate(original.at(i), b));
      QCOMPARE(a.results, b.results);
    }
    QCOMPARE(view->application_id(7), std::string_view("APP-3-7"));
  }

  void damaged_files_are_refused() {
    const auto table = generated(10);
    const std::size_t size = byte_size(table);
    auto words = serialise(table);
    QVERIFY(!history::parse_binary(as_bytes(words, size - 1)));  // truncated
    QVERIFY(QString::fromStdString(history::parse_binary(as_bytes(words, 10)).error()).contains("too short"));

    auto bad_magic = words;
    reinterpret_cast<char*>(bad_magic.data())[0] = 'X';
    QVERIFY(QString::fromStdString(history::parse_binary(as_bytes(bad_magic, size)).error()).contains("not a Verdict"));

    auto other_catalogue = words;
    reinterpret_cast<std::uint64_t*>(other_catalogue.data())[2] ^= 1;  // fingerprint
    QVERIFY(QString::fromStdString(history::parse_binary(as_bytes(other_catalogue, size)).error()).contains("another field catalogue"));

    auto out_of_bounds = words;
    auto* records = reinterpret_cast<facts::FactRecord*>(reinterpret_cast<char*>(out_of_bounds.data()) + history::header_size);
    records[3].values[facts::field_id("applicant.email")].str.length = 1u << 30;
    const auto error = history::parse_binary(as_bytes(out_of_bounds, size)).error();
    QVERIFY2(QString::fromStdString(error).contains("record 3 field applicant.email"), error.c_str());
  }

  void files_load_in_both_forms() {
    const auto dir = std::filesystem::temp_directory_path() / ("verdict-history-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto table = generated(300);
    QVERIFY(files::write_history_binary(table, dir / "h.vhist"));
    {
      std::ofstream out(dir / "h.jsonl");
      history::GeneratorOptions options;
      options.seed = 3;
      for (int i = 0; i < 300; ++i) out << encode(history::generate_case(options, static_cast<std::uint64_t>(i))).dump() << "\n";
    }
    auto binary = files::load_history(dir / "h.vhist");
    auto jsonl = files::load_history(dir / "h.jsonl");
    QVERIFY(binary && jsonl);
    auto policy = test::sample_policy();
    auto r1 = simulate((*binary)->view(), *policy, nullptr);
    auto r2 = simulate((*jsonl)->view(), *policy, nullptr);
    QCOMPARE(r1.outcomes, r2.outcomes);

    {
      std::ofstream bad(dir / "bad.jsonl");
      bad << encode(history::generate_case({}, 0)).dump() << "\n{\"application\": 5}\n";
    }
    auto broken = files::load_history(dir / "bad.jsonl");
    QVERIFY(!broken);
    QVERIFY2(QString::fromStdString(broken.error()).contains("bad.jsonl:2: /application: must be an object"), broken.error().c_str());
    std::filesystem::remove_all(dir);
  }

  void generator_is_deterministic() {
    history::GeneratorOptions options;
    options.seed = 42;
    QCOMPARE(encode(history::generate_case(options, 12345)), encode(history::generate_case(options, 12345)));
    QVERIFY(encode(history::generate_case(options, 1)) != encode(history::generate_case(options, 2)));
    // Every generated case is valid input: it survives encode -> decode.
    for (std::uint64_t i = 0; i < 500; ++i) {
      const auto encoded = encode(history::generate_case(options, i));
      auto decoded = decode_case(encoded);
      QVERIFY2(decoded, decoded ? "" : decoded.error().summary().c_str());
    }
  }

  void generated_mix_is_realistic() {
    const auto table = generated(20000, 11);
    auto policy = test::sample_policy();
    const auto r = simulate(history::view_of(table), *policy, nullptr);
    const double acceptance = r.acceptance_rate(false);
    QVERIFY2(acceptance >= 0.75 && acceptance <= 0.90, qPrintable(QString::number(acceptance)));
    // Every rule of the sample policy meets at least one application in a realistic mix,
    // except the blocklists, which only match the fraud team's own entries.
    for (const auto& rule : r.rules)
      if (!QString::fromStdString(rule.rule_id).startsWith("blocklist."))
        QVERIFY2(rule.fired > 0, rule.rule_id.c_str());
  }

  void simulation_matches_sequential_evaluation_and_compares_baselines() {
    const auto table = generated(5000);
    const auto view = history::view_of(table);
    auto live = test::sample_policy();
    auto doc = live->document();
    doc.parameters[0].value.number = 21;  // min_age 18 -> 21
    auto draft = *CompiledPolicy::compile(doc, "draft");

    SimulationOptions options;
    options.threads = 2;
    options.flipped_limit = 100000;
    const auto r = simulate(view, *draft, live.get(), options);
    QCOMPARE(r.applications, std::size_t(5000));
    QVERIFY(!r.cancelled);

    std::array<std::uint64_t, 4> draft_counts{}, live_counts{};
    std::size_t flips = 0;
    EvalScratch ds = draft->make_scratch(), ls = live->make_scratch();
    for (std::size_t i = 0; i < view.size(); ++i) {
      const Outcome d = draft->evaluate(view.at(i), ds);
      const Outcome l = live->evaluate(view.at(i), ls);
      ++draft_counts[static_cast<std::size_t>(d)];
      ++live_counts[static_cast<std::size_t>(l)];
      flips += d != l;
    }
    QCOMPARE(r.outcomes, draft_counts);
    QCOMPARE(r.baseline_outcomes, live_counts);
    QCOMPARE(r.flipped_count(), std::uint64_t(flips));
    QCOMPARE(r.flipped.size(), flips);
    QVERIFY(flips > 0);
    for (const auto& f : r.flipped) {
      QCOMPARE(f.draft, Outcome::Reject);  // raising the minimum age only rejects more
      QCOMPARE(f.baseline == Outcome::Reject, false);
    }
    QCOMPARE(r.rules[0].rule_id, std::string("identity.minor"));
    QVERIFY(r.rules[0].fired > r.rules[0].baseline_fired);
  }

  void simulation_can_be_cancelled() {
    const auto table = generated(40000);
    std::atomic<bool> cancel{true};
    SimulationOptions options;
    options.cancel = &cancel;
    options.threads = 1;
    const auto r = simulate(history::view_of(table), *test::sample_policy(), nullptr, options);
    QVERIFY(r.cancelled);
  }
};

QTEST_APPLESS_MAIN(HistoryTest)
#include "test_history.moc"
