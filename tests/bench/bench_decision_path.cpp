// Where a decision's CPU goes, stage by stage, in one thread of this process: the work verdictd does
// per POST /v1/decisions besides HTTP and the provider calls themselves. It explains the daemon
// benchmark's cached-path figure (bench_daemon), whose decisions/s is bound by this sum on a shared
// machine. Each stage runs on generated applications with provider answers and is timed over many
// repetitions; the figures are microseconds of this thread's CPU time per decision. Deterministic work, so
// `valgrind --tool=callgrind bench_decision_path --rounds 200` gives the same split in instructions.
//
//   bench_decision_path [--rounds N] [--sql-dir DIR]   (DIR: SQLite migrations to compare, e.g. sql/sqlite)
#include <chrono>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crypto/hashing.hpp"
#include "domain/codec.hpp"
#include "files/policy_files.hpp"
#include "history/generator.hpp"
#include "store/aggregates.hpp"
#include "store/decision_store.hpp"

using namespace verdict;
using nlohmann::json;

namespace {

/// CPU time of this thread, not wall time: what bounds decisions/s, and far less disturbed by
/// other processes on a shared machine (or by fsync waits, which cost no CPU).
double thread_cpu_micros() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_nsec) / 1e3;
}

template <typename F>
double micros_per(std::size_t n, F&& f) {
  const double start = thread_cpu_micros();
  for (std::size_t i = 0; i < n; ++i) f(i);
  return (thread_cpu_micros() - start) / static_cast<double>(n);
}

volatile std::size_t sink_bytes = 0;  // keeps results alive

}  // namespace

int main(int argc, char** argv) {
  std::size_t rounds = 4000;
  std::filesystem::path sql_dir;  // the SQLite migrations to measure; default: the built-in ones
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--rounds") rounds = std::stoull(argv[i + 1]);
    else if (std::string(argv[i]) == "--sql-dir") sql_dir = argv[i + 1];
  }

  auto policy = files::load_policy(std::string(VERDICT_SOURCE_DIR) + "/resources/policy/sample-policy.json");
  if (!policy) {
    std::fprintf(stderr, "%s\n", policy.error()[0].to_string().c_str());
    return 1;
  }
  const CompiledPolicy& engine = **policy;

  constexpr std::size_t distinct = 256;
  history::GeneratorOptions options;
  std::vector<Case> cases;
  std::vector<std::string> bodies, provider_answers;  // request bodies; 7 cached answers per case
  for (std::size_t i = 0; i < distinct; ++i) {
    Case c = history::generate_case(options, i);
    for (ProviderId id : all_providers()) {
      ProviderCall& call = c.providers.call(id);
      if (call.status == ProviderStatus::NotCalled || !answered(call.status)) call.status = ProviderStatus::Ok;
      provider_answers.push_back(encode_provider(id, c.providers).dump());
    }
    bodies.push_back(encode(c.application).dump());
    cases.push_back(std::move(c));
  }
  std::vector<Decision> decisions;
  for (const auto& c : cases) decisions.push_back(engine.explain(c));

  std::size_t case_bytes = 0, decision_bytes = 0;
  for (std::size_t i = 0; i < distinct; ++i) {
    case_bytes += encode_text(cases[i]).size();
    decision_bytes += encode_text(decisions[i]).size();
  }
  std::printf("Decision path, CPU time per decision in one thread (%zu rounds over %zu generated applications;\n"
              "stored case %zu bytes, decision %zu bytes on average)\n\n",
              rounds, distinct, case_bytes / distinct, decision_bytes / distinct);
  std::printf("%-58s %10s\n", "stage", "us/decision");
  double total = 0;
  auto row = [&](const char* name, double us) {
    total += us;
    std::printf("%-58s %10.2f\n", name, us);
  };

  row("parse + decode the application (nlohmann DOM)", micros_per(rounds, [&](std::size_t i) {
        const json body = json::parse(bodies[i % distinct]);
        auto a = decode_application(body);
        sink_bytes = sink_bytes + a->id.size();
      }));
  row("7 cached answers: copy out of the in-process cache", micros_per(rounds, [&](std::size_t i) {
        ProviderResults into;
        const Case& c = cases[i % distinct];
        for (ProviderId id : all_providers()) apply_answer(answer_of(id, c.providers), into);
        sink_bytes = sink_bytes + into.bkr.codes.size();
      }));
  const double redis_decode = micros_per(rounds, [&](std::size_t i) {
        ProviderResults into;
        std::size_t k = 0;
        for (ProviderId id : all_providers()) {
          const json j = json::parse(provider_answers[(i % distinct) * 7 + k++]);
          (void)decode_provider(id, j, into);
        }
        sink_bytes = sink_bytes + into.bkr.codes.size();
      });
  row("5 identifier HMACs (4 distinct cache subjects, customer key)", micros_per(rounds, [&](std::size_t i) {
        const auto& ap = cases[i % distinct].application.applicant;
        std::size_t n = 0;
        for (int k = 0; k < 5; ++k)
          n += crypto::hmac_sha256_hex("bench-key", ap.last_name + "|" + ap.first_name + "|" + ap.address.postcode).size();
        sink_bytes = sink_bytes + n;
      }));
  row("plan + evaluate with explanation", micros_per(rounds, [&](std::size_t i) {
        const Case& c = cases[i % distinct];
        const auto plan = engine.plan(c.application);
        const Decision d = engine.explain(c);
        sink_bytes = sink_bytes + plan.size() + d.reasons.size();
      }));
  const DecisionStamp stamp{"0b7a3c1e-5f2d-4a6b-9c8d-1e2f3a4b5c6d", "2026-12-03T21:00:00.123Z", 12};
  row("write the decision as JSON text (response body)", micros_per(rounds, [&](std::size_t i) {
        sink_bytes = sink_bytes + encode_text(decisions[i % distinct], &stamp).size();
      }));
  row("write the case as JSON text (store record)", micros_per(rounds, [&](std::size_t i) {
        sink_bytes = sink_bytes + encode_text(cases[i % distinct]).size();
      }));
  const double dom_decision = micros_per(rounds, [&](std::size_t i) {
    sink_bytes = sink_bytes + encode(decisions[i % distinct]).dump().size();
  });
  const double dom_case = micros_per(rounds, [&](std::size_t i) {
    sink_bytes = sink_bytes + encode(cases[i % distinct]).dump().size();
  });

  // The store write, as the sink does it: batches of 500 in one transaction, fsync'd.
  const auto dir = std::filesystem::temp_directory_path() / ("verdict-bench-path-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto store = store::open_sqlite(dir / "verdict.db", sql_dir);
  if (!store) {
    std::fprintf(stderr, "sqlite: %s\n", store.error().message.c_str());
    return 1;
  }
  std::vector<store::DecisionRecord> batch;
  std::size_t serial = 0;
  const std::size_t batches = std::max<std::size_t>(1, rounds / 500);
  const double store_us = micros_per(batches, [&](std::size_t) {
                            batch.clear();
                            for (std::size_t k = 0; k < 500; ++k, ++serial) {
                              const Case& c = cases[serial % distinct];
                              store::DecisionRecord r;
                              r.received_at_ms = 1'764'460'800'000 + static_cast<std::int64_t>(serial);
                              r.decision_id = crypto::uuid_v7(r.received_at_ms);  // as verdictd makes them
                              r.application_id = c.application.id;
                              r.channel = "shop";
                              r.shop_id = c.application.shop_id;
                              r.outcome = std::string(to_string(decisions[serial % distinct].outcome));
                              r.policy_name = "sample";
                              r.policy_version = 1;
                              r.policy_hash = engine.content_hash();
                              r.customer_key = std::string(64, 'a');
                              r.case_json = encode_text(c);
                              r.decision_json = encode_text(decisions[serial % distinct]);
                              r.counted = store::aggregates::counted(to_string(c.application.order.product),
                                                                     decisions[serial % distinct]);
                              for (ProviderId pid : all_providers())
                                r.provider_calls.push_back({std::string(to_string(pid)), "ok", 0, true, {}});
                              batch.push_back(std::move(r));
                            }
                            if (auto written = (*store)->write(batch); !written) {
                              std::fprintf(stderr, "sqlite write: %s\n", written.error().message.c_str());
                              std::exit(1);
                            }
                          }) /
                          500.0;
  // The batch building above re-encodes the case and decision (counted in the rows before); take it out.
  const double build_us = micros_per(rounds / 4, [&](std::size_t i) {
    store::DecisionRecord r;
    r.case_json = encode_text(cases[i % distinct]);
    r.decision_json = encode_text(decisions[i % distinct]);
    sink_bytes = sink_bytes + r.case_json.size();
  });
  row("SQLite store write (batches of 500, one transaction each)", std::max(0.0, store_us - build_us));
  std::filesystem::remove_all(dir);

  std::printf("%-58s %10.2f\n", "total", total);
  std::printf("\nfor comparison (not in the total):\n");
  std::printf("%-58s %10.2f\n", "  with Redis: 7 cached answers parsed + decoded", redis_decode);
  std::printf("%-58s %10.2f\n", "  decision through the nlohmann DOM (encode + dump)", dom_decision);
  std::printf("%-58s %10.2f\n", "  case through the nlohmann DOM (encode + dump)", dom_case);
  return 0;
}
