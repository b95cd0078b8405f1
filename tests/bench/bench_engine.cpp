// Engine benchmark: evaluations per second per core of the sample policy over generated
// applications (one thread and all cores), heap allocations per evaluation, and the wall time of a
// draft-versus-baseline simulation of the whole history from a warm binary file.
//
//   bench_engine [--count N] [--dir DIR]
//
// Prints figures and their ratio to the targets of issue 2; exits 0 whatever the figures are.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "files/history_files.hpp"
#include "files/policy_files.hpp"
#include "history/generator.hpp"
#include "policy/simulation.hpp"

#include "counting_allocator.hpp"

using verdict::test::heap_allocations;

using namespace verdict;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

/// Evaluates records [begin, end) `rounds` times; returns the outcome checksum so nothing is optimised away.
std::uint64_t evaluate_range(const CompiledPolicy& policy, const history::HistoryView& view, std::size_t begin,
                             std::size_t end, int rounds) {
  EvalScratch scratch = policy.make_scratch();
  std::uint64_t checksum = 0;
  for (int r = 0; r < rounds; ++r)
    for (std::size_t i = begin; i < end; ++i) checksum += static_cast<std::uint64_t>(policy.evaluate(view.at(i), scratch));
  return checksum;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t count = 1'000'000;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "verdict-bench";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--count") count = std::stoull(argv[i + 1]);
    else if (flag == "--dir") dir = argv[i + 1];
  }
  std::filesystem::create_directories(dir);
  const unsigned cores = std::max(1U, std::thread::hardware_concurrency());

  auto live = files::load_policy(std::string(VERDICT_SOURCE_DIR) + "/resources/policy/sample-policy.json");
  if (!live) {
    std::fprintf(stderr, "%s\n", live.error()[0].to_string().c_str());
    return 1;
  }
  // The draft an analyst might try: minimum age 21 and a stricter IBAN velocity limit.
  PolicyDocument draft_doc = (*live)->document();
  draft_doc.version += 1;
  for (auto& p : draft_doc.parameters) {
    if (p.name == "min_age") p.value.number = 21;
    if (p.name == "max_iban_applicants_24h") p.value.number = 1;
  }
  auto draft = *CompiledPolicy::compile(draft_doc, files::policy_content_hash(draft_doc));

  std::printf("Verdict engine benchmark — %zu generated applications, %u cores, sample policy: %zu rules\n\n", count,
              cores, (*live)->rule_count());

  // History: generate once and write the binary form (not part of any figure).
  const auto history_path = dir / ("history-" + std::to_string(count) + ".vhist");
  {
    const auto start = Clock::now();
    history::HistoryTable table;
    table.records.reserve(count);
    history::GeneratorOptions options;
    options.seed = 2026;
    for (std::size_t i = 0; i < count; ++i) table.add(history::generate_case(options, i));
    if (auto w = files::write_history_binary(table, history_path); !w) {
      std::fprintf(stderr, "%s\n", w.error().c_str());
      return 1;
    }
    std::printf("generated and wrote %s in %.2f s (%.0f MB)\n", history_path.c_str(), seconds_since(start),
                static_cast<double>(std::filesystem::file_size(history_path)) / 1e6);
  }

  auto loaded = files::load_history(history_path);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.error().c_str());
    return 1;
  }
  const auto view = (*loaded)->view();
  evaluate_range(**live, view, 0, view.size(), 1);  // warm caches and pages

  // 1. One thread.
  constexpr int rounds = 3;
  double best_single = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto start = Clock::now();
    const auto checksum = evaluate_range(**live, view, 0, view.size(), rounds);
    const double eps = static_cast<double>(view.size()) * rounds / seconds_since(start);
    best_single = std::max(best_single, eps);
    if (checksum == 0) std::printf("(checksum 0)\n");
  }

  // 2. All cores, each thread over its share.
  double best_all = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    const std::size_t per = (view.size() + cores - 1) / cores;
    std::atomic<std::uint64_t> sink{0};
    for (unsigned t = 0; t < cores; ++t)
      threads.emplace_back([&, t] {
        const std::size_t b = std::min(view.size(), t * per), e = std::min(view.size(), b + per);
        sink += evaluate_range(**live, view, b, e, rounds);
      });
    for (auto& t : threads) t.join();
    best_all = std::max(best_all, static_cast<double>(view.size()) * rounds / seconds_since(start));
  }

  // 3. Heap allocations per evaluation.
  EvalScratch scratch = (*live)->make_scratch();
  const std::uint64_t before = heap_allocations.load();
  std::uint64_t checksum = 0;
  for (std::size_t i = 0; i < view.size(); ++i) checksum += static_cast<std::uint64_t>((*live)->evaluate(view.at(i), scratch));
  const double allocs_per_eval = static_cast<double>(heap_allocations.load() - before) / static_cast<double>(view.size());

  // 4. Draft vs baseline simulation from the warm file: load (map + validate) and simulate.
  double best_sim = 1e9, best_load = 0, best_run = 0;
  std::uint64_t flipped = 0;
  double acceptance_live = 0, acceptance_draft = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto start = Clock::now();
    auto history = files::load_history(history_path);
    const double load = seconds_since(start);
    const auto result = simulate((*history)->view(), *draft, live->get(), {});
    const double total = seconds_since(start);
    if (total < best_sim) {
      best_sim = total;
      best_load = load;
      best_run = result.seconds;
      flipped = result.flipped_count();
      acceptance_live = result.acceptance_rate(true);
      acceptance_draft = result.acceptance_rate(false);
    }
  }

  const double scale = static_cast<double>(count) / 1e6;
  std::printf("\n%-58s %14s %12s %8s\n", "figure", "measured", "target", "ratio");
  std::printf("%-58s %14.0f %12s %8.2f\n", "evaluations/s, 1 thread", best_single, ">= 2000000", best_single / 2e6);
  std::printf("%-58s %14.0f %12s %8.2f\n", ("evaluations/s, " + std::to_string(cores) + " threads").c_str(), best_all,
              "", 0.0 + best_all / best_single);
  std::printf("%-58s %14.0f %12s %8.2f\n", "evaluations/s per core, all cores", best_all / cores, ">= 2000000",
              best_all / cores / 2e6);
  std::printf("%-58s %14.3f %12s %8s\n", "heap allocations per evaluation", allocs_per_eval, "0",
              allocs_per_eval == 0 ? "met" : "MISSED");
  std::printf("%-58s %14.3f %12s %8.2f\n",
              ("simulate draft vs baseline, " + std::to_string(count) + " apps, warm file (s)").c_str(), best_sim,
              ("<= " + std::to_string(scale).substr(0, 4)).c_str(), best_sim / scale);
  std::printf("%-58s %14.3f\n", "   of which loading (map + bounds check) (s)", best_load);
  std::printf("%-58s %14.3f\n", "   of which evaluating both policies (s)", best_run);
  std::printf("\nsimulation: acceptance %.2f%% live -> %.2f%% draft, %llu applications flipped (checksum %llu)\n",
              acceptance_live * 100, acceptance_draft * 100, static_cast<unsigned long long>(flipped),
              static_cast<unsigned long long>(checksum));
  return 0;
}
