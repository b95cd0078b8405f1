#include "policy/simulation.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

namespace verdict {

std::uint64_t SimulationResult::flipped_count() const {
  std::uint64_t n = 0;
  for (std::size_t b = 0; b < 4; ++b)
    for (std::size_t d = 0; d < 4; ++d)
      if (b != d) n += flips[b][d];
  return n;
}

double SimulationResult::acceptance_rate(bool baseline) const {
  const auto& o = baseline ? baseline_outcomes : outcomes;
  const std::uint64_t total = o[0] + o[1] + o[2] + o[3];
  if (total == 0) return 0;
  return static_cast<double>(o[static_cast<std::size_t>(Outcome::Accept)] + o[static_cast<std::size_t>(Outcome::AcceptSimOnly)]) /
         static_cast<double>(total);
}

namespace {

struct Partial {
  std::array<std::uint64_t, 4> outcomes{};
  std::array<std::uint64_t, 4> baseline_outcomes{};
  std::array<std::array<std::uint64_t, 4>, 4> flips{};
  std::vector<std::uint64_t> fired, unknown, baseline_fired, baseline_unknown;
  std::vector<Flip> flipped;
  std::size_t done = 0;
};

void run_range(const history::HistoryView& h, std::size_t begin, std::size_t end, const CompiledPolicy& draft,
               const CompiledPolicy* baseline, const SimulationOptions& options, Partial& out) {
  EvalScratch ds = draft.make_scratch();
  EvalScratch bs = baseline ? baseline->make_scratch() : EvalScratch{};
  out.fired.assign(draft.rule_count(), 0);
  out.unknown.assign(draft.rule_count(), 0);
  if (baseline) {
    out.baseline_fired.assign(baseline->rule_count(), 0);
    out.baseline_unknown.assign(baseline->rule_count(), 0);
  }
  constexpr std::size_t chunk = 16384;
  for (std::size_t i = begin; i < end; ++i) {
    if ((i - begin) % chunk == 0 && i != begin) {
      if (options.cancel && options.cancel->load(std::memory_order_relaxed)) return;
      if (options.progress) options.progress(chunk, h.size());
    }
    const facts::FactView facts = h.at(i);
    const Outcome d = draft.evaluate(facts, ds);
    ++out.outcomes[static_cast<std::size_t>(d)];
    for (std::size_t r = 0; r < ds.results.size(); ++r) {
      out.fired[r] += ds.results[r] == lang::Tri::True;
      out.unknown[r] += ds.results[r] == lang::Tri::Unknown;
    }
    if (baseline) {
      const Outcome b = baseline->evaluate(facts, bs);
      ++out.baseline_outcomes[static_cast<std::size_t>(b)];
      ++out.flips[static_cast<std::size_t>(b)][static_cast<std::size_t>(d)];
      for (std::size_t r = 0; r < bs.results.size(); ++r) {
        out.baseline_fired[r] += bs.results[r] == lang::Tri::True;
        out.baseline_unknown[r] += bs.results[r] == lang::Tri::Unknown;
      }
      if (b != d && out.flipped.size() < options.flipped_limit) out.flipped.push_back({i, b, d});
    }
    ++out.done;
  }
}

}  // namespace

SimulationResult simulate(const history::HistoryView& history, const CompiledPolicy& draft,
                          const CompiledPolicy* baseline, const SimulationOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  SimulationResult result;
  result.applications = history.size();
  result.has_baseline = baseline != nullptr;
  unsigned threads = options.threads ? options.threads : std::max(1U, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(1, history.size() / 1024)));
  if (threads == 0) threads = 1;
  result.threads = threads;

  std::vector<Partial> partials(threads);
  std::vector<std::thread> workers;
  const std::size_t per = (history.size() + threads - 1) / threads;
  for (unsigned t = 0; t < threads; ++t) {
    const std::size_t begin = std::min(history.size(), t * per);
    const std::size_t end = std::min(history.size(), begin + per);
    if (t + 1 == threads) run_range(history, begin, end, draft, baseline, options, partials[t]);
    else
      workers.emplace_back([&, t, begin, end] { run_range(history, begin, end, draft, baseline, options, partials[t]); });
  }
  for (auto& w : workers) w.join();

  // Merge in thread order, which is history order.
  std::size_t done = 0;
  std::vector<std::uint64_t> fired(draft.rule_count()), unknown(draft.rule_count());
  std::vector<std::uint64_t> bfired(baseline ? baseline->rule_count() : 0), bunknown(bfired.size());
  for (const auto& p : partials) {
    done += p.done;
    for (std::size_t o = 0; o < 4; ++o) {
      result.outcomes[o] += p.outcomes[o];
      result.baseline_outcomes[o] += p.baseline_outcomes[o];
      for (std::size_t k = 0; k < 4; ++k) result.flips[o][k] += p.flips[o][k];
    }
    for (std::size_t r = 0; r < p.fired.size(); ++r) {
      fired[r] += p.fired[r];
      unknown[r] += p.unknown[r];
    }
    for (std::size_t r = 0; r < p.baseline_fired.size(); ++r) {
      bfired[r] += p.baseline_fired[r];
      bunknown[r] += p.baseline_unknown[r];
    }
    for (const auto& f : p.flipped)
      if (result.flipped.size() < options.flipped_limit) result.flipped.push_back(f);
  }
  result.cancelled = done < history.size();

  std::map<std::string, std::size_t> baseline_index;
  if (baseline)
    for (std::size_t r = 0; r < baseline->rule_count(); ++r) baseline_index[baseline->document().rules[r].id] = r;
  for (std::size_t r = 0; r < draft.rule_count(); ++r) {
    RuleHits h;
    h.rule_id = draft.document().rules[r].id;
    h.fired = fired[r];
    h.unknown = unknown[r];
    if (auto it = baseline_index.find(h.rule_id); it != baseline_index.end()) {
      h.in_baseline = true;
      h.baseline_fired = bfired[it->second];
      h.baseline_unknown = bunknown[it->second];
      baseline_index.erase(it);
    }
    result.rules.push_back(std::move(h));
  }
  if (baseline)
    for (std::size_t r = 0; r < baseline->rule_count(); ++r) {
      const auto& id = baseline->document().rules[r].id;
      if (!baseline_index.contains(id)) continue;
      RuleHits h;
      h.rule_id = id;
      h.in_baseline = true;
      h.baseline_fired = bfired[r];
      h.baseline_unknown = bunknown[r];
      result.rules.push_back(std::move(h));
    }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

nlohmann::json to_json(const SimulationResult& r, const history::HistoryView& history, const CompiledPolicy& draft,
                       const CompiledPolicy* baseline) {
  using nlohmann::json;
  auto counts = [&](const std::array<std::uint64_t, 4>& o) {
    json j = json::object();
    const double total = static_cast<double>(std::max<std::size_t>(1, r.applications));
    for (std::size_t k = 0; k < 4; ++k)
      j[std::string(to_string(static_cast<Outcome>(k)))] = {{"count", o[k]}, {"rate", static_cast<double>(o[k]) / total}};
    return j;
  };
  json out;
  out["applications"] = r.applications;
  out["cancelled"] = r.cancelled;
  out["draft"] = {{"policy", draft.document().name},
                  {"version", draft.document().version},
                  {"hash", draft.content_hash()},
                  {"outcomes", counts(r.outcomes)},
                  {"acceptance_rate", r.acceptance_rate(false)}};
  if (baseline) {
    out["baseline"] = {{"policy", baseline->document().name},
                       {"version", baseline->document().version},
                       {"hash", baseline->content_hash()},
                       {"outcomes", counts(r.baseline_outcomes)},
                       {"acceptance_rate", r.acceptance_rate(true)}};
    json matrix = json::object();
    for (std::size_t b = 0; b < 4; ++b) {
      json row = json::object();
      for (std::size_t d = 0; d < 4; ++d) row[std::string(to_string(static_cast<Outcome>(d)))] = r.flips[b][d];
      matrix[std::string(to_string(static_cast<Outcome>(b)))] = std::move(row);
    }
    out["flip_matrix"] = {{"rows", "baseline"}, {"columns", "draft"}, {"counts", std::move(matrix)}};
    out["flipped_count"] = r.flipped_count();
    json flipped = json::array();
    for (const auto& f : r.flipped)
      flipped.push_back({{"application_id", std::string(history.application_id(f.index))},
                         {"baseline", to_string(f.baseline)},
                         {"draft", to_string(f.draft)}});
    out["flipped"] = std::move(flipped);
  }
  json rules = json::array();
  for (const auto& h : r.rules) {
    json j = {{"rule_id", h.rule_id}, {"fired", h.fired}, {"unknown", h.unknown}};
    if (baseline) {
      j["baseline_fired"] = h.in_baseline ? json(h.baseline_fired) : json();
      j["baseline_unknown"] = h.in_baseline ? json(h.baseline_unknown) : json();
      j["change"] = static_cast<std::int64_t>(h.fired) - static_cast<std::int64_t>(h.baseline_fired);
    }
    rules.push_back(std::move(j));
  }
  out["rules"] = std::move(rules);
  const double evaluations = static_cast<double>(r.applications) * (baseline ? 2.0 : 1.0);
  out["performance"] = {{"seconds", r.seconds},
                        {"threads", r.threads},
                        {"evaluations", static_cast<std::uint64_t>(evaluations)},
                        {"evaluations_per_second", r.seconds > 0 ? evaluations / r.seconds : 0.0}};
  return out;
}

}  // namespace verdict
