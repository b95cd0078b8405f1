// Velocity: the policy's declaration (codec, checker), the signals' codec and facts, the in-process
// counter (windows with an injected clock, distinct applicants, retries), the hashed observation and
// the generator's fraud rings.
#include <QtTest/QtTest>

#include <map>

#include "domain/velocity_codec.hpp"
#include "history/generator.hpp"
#include "policy/diff.hpp"
#include "test_support.hpp"
#include "velocity/velocity_counter.hpp"

using namespace verdict;
using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

json policy_with(const json& velocity, const std::string& condition, const std::string& message = "m") {
  json doc = {{"name", "t"},
              {"version", 1},
              {"rules", {{{"id", "v"},
                          {"condition", condition},
                          {"outcome", "REFER"},
                          {"reason_code", "V"},
                          {"message", message}}}}};
  if (!velocity.is_null()) doc["velocity"] = velocity;
  return doc;
}

std::vector<PolicyDiagnostic> compile_problems(const json& doc) {
  auto decoded = decode_policy(doc);
  if (!decoded) qFatal("decode: %s", decoded.error().summary().c_str());
  auto compiled = CompiledPolicy::compile(std::move(*decoded), "h");
  if (compiled) return {};
  return compiled.error();
}

velocity::Observation person(const std::string& applicant, const std::string& application, const std::string& iban,
                             std::int64_t at_ms) {
  velocity::Observation o;
  o.at_ms = at_ms;
  o.applicant = applicant;
  o.application = application;
  o.identifiers[static_cast<std::size_t>(VelocityIdentifier::Iban)] = iban;
  o.identifiers[static_cast<std::size_t>(VelocityIdentifier::Email)] = "mail-" + applicant;
  return o;
}

VelocityDeclaration iban_windows() {
  VelocityDeclaration d;
  d.declare(VelocityIdentifier::Iban, VelocityWindow::Hour1);
  d.declare(VelocityIdentifier::Iban, VelocityWindow::Hours24);
  return d;
}

int count(const VelocitySignals& s, VelocityWindow w, VelocityMeasure m) {
  return s.get(VelocityIdentifier::Iban, w, m).value_or(-1);
}

constexpr std::int64_t t0 = 1'780'000'000'000;  // ms since the epoch
constexpr std::int64_t ms(auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

}  // namespace

class VelocityTest : public QObject {
  Q_OBJECT
 private slots:
  void field_paths_match_the_catalogue() {
    for (std::size_t id = 0; id < velocity_identifier_count; ++id)
      for (std::size_t w = 0; w < velocity_window_count; ++w)
        for (std::size_t m = 0; m < velocity_measure_count; ++m) {
          const auto i = static_cast<VelocityIdentifier>(id);
          const auto window = static_cast<VelocityWindow>(w);
          const auto measure = static_cast<VelocityMeasure>(m);
          const auto path = velocity_field_path(i, window, measure);
          const auto field = facts::find_field(path);
          QVERIFY2(field.has_value(), path.c_str());
          QCOMPARE(*field, facts::velocity_field(velocity_counter_index(i, window, measure)));
        }
    QCOMPARE(velocity_field_path(VelocityIdentifier::Iban, VelocityWindow::Hours24, VelocityMeasure::DistinctApplicants),
             std::string("velocity.iban.distinct_applicants_24h"));
  }

  void declaration_round_trips_and_names_bad_entries() {
    InputErrors errors;
    VelocityDeclaration d;
    decode_velocity_declaration(json{{"iban", {"24h", "1h"}}, {"address", {"7d"}}}, "/velocity", d, errors);
    QVERIFY(errors.errors.empty());
    QVERIFY(d.declares(VelocityIdentifier::Iban, VelocityWindow::Hour1));
    QVERIFY(!d.declares(VelocityIdentifier::Iban, VelocityWindow::Days7));
    QCOMPARE(encode(d), (json{{"address", {"7d"}}, {"iban", {"1h", "24h"}}}));

    VelocityDeclaration bad;
    decode_velocity_declaration(json{{"bsn", {"24h"}}, {"iban", {"2h", "24h", "24h"}}, {"device", json::array()}},
                                "/velocity", bad, errors);
    std::map<std::string, std::string> by_pointer;
    for (const auto& e : errors.errors) by_pointer[e.pointer] = e.message;
    QVERIFY(by_pointer["/velocity/bsn"].find("not a velocity identifier") != std::string::npos);
    QVERIFY(by_pointer["/velocity/iban/0"].find("1h, 24h, 7d, 30d") != std::string::npos);
    QVERIFY(by_pointer["/velocity/iban/2"].find("twice") != std::string::npos);
    QVERIFY(by_pointer["/velocity/device"].find("non-empty") != std::string::npos);
  }

  void a_rule_reads_only_declared_counters() {
    QVERIFY(compile_problems(policy_with({{"iban", {"24h"}}}, "velocity.iban.distinct_applicants_24h > 2")).empty());
    const auto undeclared_window = compile_problems(policy_with({{"iban", {"24h"}}}, "velocity.iban.applications_1h > 2"));
    QCOMPARE(undeclared_window.size(), std::size_t(1));
    QCOMPARE(undeclared_window[0].pointer, std::string("/rules/0/condition"));
    QCOMPARE(undeclared_window[0].column, 1u);
    QVERIFY2(undeclared_window[0].message.find("does not declare") != std::string::npos &&
                 undeclared_window[0].message.find("add \"1h\"") != std::string::npos,
             undeclared_window[0].message.c_str());
    // No declaration at all: no counter can be read.
    QCOMPARE(compile_problems(policy_with(nullptr, "velocity.device.applications_24h > 3")).size(), std::size_t(1));
    // A message naming an undeclared counter is refused too.
    const auto in_message = compile_problems(policy_with({{"iban", {"24h"}}}, "velocity.iban.applications_24h > 2",
                                                         "{velocity.email.applications_24h} keer"));
    QCOMPARE(in_message.size(), std::size_t(1));
    QCOMPARE(in_message[0].pointer, std::string("/rules/0/message"));
    // The old flat names are gone, with a pointer to the new ones.
    const auto old_name = compile_problems(policy_with({{"iban", {"24h"}}}, "velocity.iban_distinct_applicants_24h > 2"));
    QCOMPARE(old_name.size(), std::size_t(1));
    QVERIFY2(old_name[0].message.find("did you mean 'velocity.iban.distinct_applicants_24h'") != std::string::npos,
             old_name[0].message.c_str());
  }

  void declaration_survives_the_policy_codec() {
    auto decoded = decode_policy(policy_with({{"device", {"1h", "30d"}}}, "velocity.device.applications_30d > 3"));
    QVERIFY(decoded.has_value());
    QCOMPARE(encode(*decoded)["velocity"], (json{{"device", {"1h", "30d"}}}));
    const auto p = test::sample_policy();
    QVERIFY(p->document().velocity.declares(VelocityIdentifier::Iban, VelocityWindow::Hours24));
    QVERIFY(p->document().velocity.declares(VelocityIdentifier::Address, VelocityWindow::Days7));
    QVERIFY(p->document().velocity.declares(VelocityIdentifier::Device, VelocityWindow::Hours24));
  }

  void a_changed_declaration_shows_in_the_policy_diff() {
    const PolicyDocument before = test::sample_policy()->document();
    PolicyDocument after = before;
    after.velocity.declare(VelocityIdentifier::Email, VelocityWindow::Days7);
    const auto d = diff_policies(before, after);
    QCOMPARE(d["identical"], json(false));
    QCOMPARE(d["document"]["velocity"]["to"]["email"], (json{"7d"}));
    QVERIFY2(render_diff(d).find("~ velocity:") != std::string::npos, render_diff(d).c_str());
    QCOMPARE(diff_policies(before, before)["identical"], json(true));
  }

  void signals_codec_absent_is_unknown() {
    VelocitySignals s;
    s.set(VelocityIdentifier::Iban, VelocityWindow::Hours24, VelocityMeasure::DistinctApplicants, 3);
    s.set(VelocityIdentifier::Iban, VelocityWindow::Hours24, VelocityMeasure::Applications, 4);
    const json j = encode_velocity(s);
    QCOMPARE(j, (json{{"iban", {{"applications_24h", 4}, {"distinct_applicants_24h", 3}}}}));
    VelocitySignals back;
    InputErrors errors;
    decode_velocity(j, "/velocity", back, errors);
    QVERIFY(errors.errors.empty());
    QCOMPARE(back, s);
    QVERIFY(!back.get(VelocityIdentifier::Iban, VelocityWindow::Hour1, VelocityMeasure::Applications));

    // An outage is recorded with its reason; a record written before counters existed still decodes.
    VelocitySignals down;
    down.error = "velocity counter store unreachable";
    QCOMPARE(encode_velocity(down), (json{{"error", "velocity counter store unreachable"}}));
    VelocitySignals legacy;
    decode_velocity(json{{"available", false}}, "/velocity", legacy, errors);
    QVERIFY(errors.errors.empty());
    QCOMPARE(legacy.known, std::uint64_t{0});

    decode_velocity(json{{"iban", {{"applications_2h", 1}, {"distinct_applicants_24h", -1}}}}, "/velocity", legacy, errors);
    QCOMPARE(errors.errors.size(), std::size_t(2));
    QCOMPARE(errors.errors[0].pointer, std::string("/velocity/iban/applications_2h"));
  }

  void facts_know_only_read_counters() {
    Case c = test::sample_case();
    c.providers.velocity = {};
    c.providers.velocity.set(VelocityIdentifier::Address, VelocityWindow::Days7, VelocityMeasure::DistinctApplicants, 5);
    facts::OwnedFacts f(c);
    const auto read = *facts::find_field("velocity.address.distinct_applicants_7d");
    QVERIFY(f.record.is_known(read));
    QCOMPARE(f.record.values[read].number, 5.0);
    QVERIFY(!f.record.is_known(*facts::find_field("velocity.address.applications_7d")));
    QVERIFY(!f.record.is_known(*facts::find_field("velocity.iban.distinct_applicants_24h")));
  }

  void in_process_counts_applications_and_distinct_applicants() {
    velocity::InProcessCounter counter;
    const auto d = iban_windows();
    auto s = counter.record(person("p1", "a1", "IBAN-X", t0), d);
    QVERIFY(s.has_value());
    QCOMPARE(count(*s, VelocityWindow::Hours24, VelocityMeasure::Applications), 1);
    QCOMPARE(count(*s, VelocityWindow::Hours24, VelocityMeasure::DistinctApplicants), 1);
    // The same person applies again, then a retry of that application arrives: 2 applications, 1 person.
    counter.record(person("p1", "a2", "IBAN-X", t0 + ms(minutes(5))), d);
    s = counter.record(person("p1", "a2", "IBAN-X", t0 + ms(minutes(6))), d);
    QCOMPARE(count(*s, VelocityWindow::Hours24, VelocityMeasure::Applications), 2);
    QCOMPARE(count(*s, VelocityWindow::Hours24, VelocityMeasure::DistinctApplicants), 1);
    s = counter.record(person("p2", "a3", "IBAN-X", t0 + ms(minutes(10))), d);
    QCOMPARE(count(*s, VelocityWindow::Hours24, VelocityMeasure::Applications), 3);
    QCOMPARE(count(*s, VelocityWindow::Hours24, VelocityMeasure::DistinctApplicants), 2);
    // Another IBAN is another counter.
    s = counter.record(person("p3", "a4", "IBAN-Y", t0 + ms(minutes(11))), d);
    QCOMPARE(count(*s, VelocityWindow::Hours24, VelocityMeasure::DistinctApplicants), 1);
    // Only declared identifiers and windows are read; e-mail is not declared.
    QVERIFY(!s->get(VelocityIdentifier::Email, VelocityWindow::Hours24, VelocityMeasure::Applications));
    QVERIFY(!s->get(VelocityIdentifier::Iban, VelocityWindow::Days7, VelocityMeasure::Applications));
  }

  void windows_expire_on_the_injected_clock() {
    velocity::InProcessCounter counter;
    const auto d = iban_windows();
    counter.record(person("p1", "a1", "IBAN-X", t0), d);
    auto s = counter.record(person("p2", "a2", "IBAN-X", t0 + ms(minutes(59))), d);
    QCOMPARE(count(*s, VelocityWindow::Hour1, VelocityMeasure::DistinctApplicants), 2);
    s = counter.record(person("p3", "a3", "IBAN-X", t0 + ms(minutes(61))), d);
    QCOMPARE(count(*s, VelocityWindow::Hour1, VelocityMeasure::DistinctApplicants), 2);  // p2 and p3
    QCOMPARE(count(*s, VelocityWindow::Hours24, VelocityMeasure::DistinctApplicants), 3);
    s = counter.record(person("p4", "a4", "IBAN-X", t0 + ms(hours(25))), d);
    QCOMPARE(count(*s, VelocityWindow::Hour1, VelocityMeasure::DistinctApplicants), 1);
    // 25 h on: p1 (25 h ago) and p2 (24 h 1 min ago) have left the 24 h window; p3 (23 h 59 min) has not.
    QCOMPARE(count(*s, VelocityWindow::Hours24, VelocityMeasure::DistinctApplicants), 2);
  }

  void a_busy_key_counts_each_applicant_once_at_their_latest_time() {
    // One IBAN behind a thousand applicants, one every 10 s: the counters are exact however many.
    velocity::InProcessCounter counter;
    const auto d = iban_windows();
    std::optional<VelocitySignals> s;
    for (int i = 0; i < 1000; ++i)
      s = *counter.record(person("p" + std::to_string(i), "a" + std::to_string(i), "IBAN-BUSY", t0 + ms(seconds(10 * i))), d);
    // The last one is at 9,990 s; the hour before it holds applicants 640..999.
    QCOMPARE(count(*s, VelocityWindow::Hour1, VelocityMeasure::DistinctApplicants), 360);
    QCOMPARE(count(*s, VelocityWindow::Hour1, VelocityMeasure::Applications), 360);
    QCOMPARE(count(*s, VelocityWindow::Hours24, VelocityMeasure::DistinctApplicants), 1000);
    // p5, first seen long ago, applies again: they move into the last hour (not counted twice), and
    // applicant 640 leaves it.
    s = *counter.record(person("p5", "b5", "IBAN-BUSY", t0 + ms(seconds(10'000))), d);
    QCOMPARE(count(*s, VelocityWindow::Hour1, VelocityMeasure::DistinctApplicants), 360);
    QCOMPARE(count(*s, VelocityWindow::Hour1, VelocityMeasure::Applications), 360);
    QCOMPARE(count(*s, VelocityWindow::Hours24, VelocityMeasure::DistinctApplicants), 1000);
    QCOMPARE(count(*s, VelocityWindow::Hours24, VelocityMeasure::Applications), 1001);
  }

  void retention_drops_keys_after_thirty_days() {
    velocity::InProcessCounter counter;
    VelocityDeclaration d;
    d.declare(VelocityIdentifier::Iban, VelocityWindow::Days30);
    for (int i = 0; i < 10; ++i)
      counter.record(person("p" + std::to_string(i), "a" + std::to_string(i), "IBAN-" + std::to_string(i), t0), d);
    QCOMPARE(counter.key_count(), std::size_t(10));
    // 4096 records later (the sweep interval), 31 days on, the old keys are gone.
    for (int i = 0; i < 4096; ++i)
      counter.record(person("q", "b" + std::to_string(i), "IBAN-NEW", t0 + ms(hours(24 * 31))), d);
    QCOMPARE(counter.key_count(), std::size_t(1));
  }

  void observation_hashes_normalised_identifiers() {
    Case c = test::sample_case();
    Application a = c.application;
    const auto o = velocity::observe(a, "key-1", t0);
    Application spaced = a;
    spaced.applicant.email = " " + std::string(1, static_cast<char>(std::toupper(a.applicant.email[0]))) +
                             a.applicant.email.substr(1);
    spaced.applicant.phone = "+31 6 " + a.applicant.phone.substr(4);
    const auto o2 = velocity::observe(spaced, "key-1", t0);
    QCOMPARE(o2.identifiers, o.identifiers);
    QCOMPARE(o.applicant, o2.applicant);
    // Another key, other hashes; no identifier in the clear; no device id, no device hash.
    const auto other = velocity::observe(a, "key-2", t0);
    QVERIFY(other.identifiers[0] != o.identifiers[0]);
    for (const auto& h : o.identifiers) {
      QVERIFY(h.find(a.applicant.iban) == std::string::npos);
      QVERIFY(h.find(a.applicant.address.postcode) == std::string::npos);
    }
    QVERIFY(o.identifiers[static_cast<std::size_t>(VelocityIdentifier::Device)].empty());
    QCOMPARE(o.identifiers[static_cast<std::size_t>(VelocityIdentifier::Iban)].size(), std::size_t(64));

    // Only what a policy declares is hashed, the same hash as without the restriction.
    VelocityDeclaration iban_only;
    iban_only.declare(VelocityIdentifier::Iban, VelocityWindow::Hours24);
    const auto declared = velocity::observe(a, "key-1", t0, &iban_only);
    QCOMPARE(declared.identifiers[static_cast<std::size_t>(VelocityIdentifier::Iban)],
             o.identifiers[static_cast<std::size_t>(VelocityIdentifier::Iban)]);
    for (auto id : {VelocityIdentifier::Address, VelocityIdentifier::Email, VelocityIdentifier::Phone})
      QVERIFY(declared.identifiers[static_cast<std::size_t>(id)].empty());
    QCOMPARE(declared.applicant, o.applicant);
    QCOMPARE(declared.application, o.application);
  }

  void generator_draws_fraud_rings_with_their_counts() {
    history::GeneratorOptions options;
    options.seed = 11;
    std::map<std::string, std::vector<int>> iban_counts;  // shared IBAN -> counts its members saw
    int above_limit = 0;
    const int n = 20'000;
    for (int i = 0; i < n; ++i) {
      const Case c = history::generate_case(options, static_cast<std::uint64_t>(i));
      const auto seen =
          c.providers.velocity.get(VelocityIdentifier::Iban, VelocityWindow::Hours24, VelocityMeasure::DistinctApplicants);
      if (seen && *seen > 1) iban_counts[c.application.applicant.iban].push_back(*seen);
      if (seen && *seen > 2) ++above_limit;
    }
    QVERIFY2(!iban_counts.empty(), "no IBAN ring in 20,000 applications");
    // Each ring's members saw 2, 3, ... in the order they applied: the counts are the ring's own.
    for (const auto& [iban, counts] : iban_counts) {
      QVERIFY(counts.size() + 1 >= static_cast<std::size_t>(*std::max_element(counts.begin(), counts.end())));
      QVERIFY(std::find(counts.begin(), counts.end(), 2) != counts.end());
    }
    // Rings are a small minority, as in real traffic.
    QVERIFY2(above_limit > n / 2000 && above_limit < n / 50, std::to_string(above_limit).c_str());
  }
};

QTEST_APPLESS_MAIN(VelocityTest)
#include "test_velocity.moc"
