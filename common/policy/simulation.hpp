#pragma once
// Simulation: run a draft policy (and optionally the live one as baseline) over a stored history,
// on every core, and count what would change. Used by `verdict simulate` and the studio.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "history/history.hpp"
#include "policy/engine.hpp"

namespace verdict {

struct SimulationOptions {
  unsigned threads = 0;              // 0: one per core
  std::size_t flipped_limit = 1000;  // ids of flipped applications to keep
  const std::atomic<bool>* cancel = nullptr;
  /// Called now and then from worker threads with (done, total); must be thread-safe.
  std::function<void(std::size_t, std::size_t)> progress;
};

struct RuleHits {
  std::string rule_id;
  std::uint64_t fired = 0;     // condition true
  std::uint64_t unknown = 0;   // condition unknown
  std::uint64_t baseline_fired = 0;
  std::uint64_t baseline_unknown = 0;
  bool in_baseline = false;
};

struct Flip {
  std::size_t index;  // into the history
  Outcome baseline;
  Outcome draft;
};

struct SimulationResult {
  std::size_t applications = 0;
  bool cancelled = false;
  bool has_baseline = false;
  std::array<std::uint64_t, 4> outcomes{};           // draft, by Outcome value
  std::array<std::uint64_t, 4> baseline_outcomes{};
  std::array<std::array<std::uint64_t, 4>, 4> flips{};  // [baseline][draft]
  std::vector<RuleHits> rules;                        // draft rules, then baseline-only rules
  std::vector<Flip> flipped;                          // up to flipped_limit, in history order
  double seconds = 0;
  unsigned threads = 1;

  std::uint64_t flipped_count() const;
  double acceptance_rate(bool baseline) const;  // ACCEPT + ACCEPT_SIM_ONLY over all
};

SimulationResult simulate(const history::HistoryView& history, const CompiledPolicy& draft,
                          const CompiledPolicy* baseline, const SimulationOptions& options = {});

/// The summary as `verdict simulate` prints it.
nlohmann::json to_json(const SimulationResult& result, const history::HistoryView& history,
                       const CompiledPolicy& draft, const CompiledPolicy* baseline);

}  // namespace verdict
