#include "store/aggregates.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace verdict::store::aggregates {

int latency_bucket_ms(int latency_ms) {
  const auto it = std::lower_bound(latency_bucket_bounds_ms.begin(), latency_bucket_bounds_ms.end(), latency_ms);
  return it == latency_bucket_bounds_ms.end() ? latency_unbounded_ms : *it;
}

std::string_view call_status(const DecisionRecord::ProviderCall& call) {
  if (call.status == "ok" || call.status == "hit" || call.status == "no_hit") return call.cached ? "cached" : "ok";
  // The gateway records why a provider is unavailable: "deadline" when the decision's or the
  // provider's deadline ran out first, "timeout" from the HTTP client, "circuit open" when the
  // breaker refused the attempt; anything else (an HTTP status, a refused or reset connection, an
  // invalid answer) is an error.
  const std::string_view error = call.error;
  if (error == "deadline" || error.starts_with("timeout")) return "timeout";
  if (error == "circuit open") return "circuit_open";
  return "error";
}

std::int64_t minute_of(std::int64_t epoch_ms) {
  constexpr std::int64_t minute_ms = 60'000;
  std::int64_t minute = epoch_ms / minute_ms;
  if (epoch_ms % minute_ms < 0) --minute;
  return minute * minute_ms;
}

namespace {

void add_code(std::vector<std::string>& codes, std::string_view code) {
  // A decision has a handful of reasons: a linear look is cheaper than a set.
  if (std::find(codes.begin(), codes.end(), code) == codes.end()) codes.emplace_back(code);
}

}  // namespace

DecisionRecord::Counted counted(std::string_view product, const Decision& decision) {
  DecisionRecord::Counted c;
  c.product = product;
  for (const auto& reason : decision.reasons) add_code(c.reason_codes, reason.reason_code);
  return c;
}

DecisionRecord::Counted counted_of(const DecisionRecord& record) {
  if (record.counted) return *record.counted;
  using nlohmann::json;
  DecisionRecord::Counted c{"unknown", {}};
  const json case_doc = json::parse(record.case_json, nullptr, /*allow_exceptions=*/false);
  if (case_doc.is_object())
    if (const auto a = case_doc.find("application"); a != case_doc.end() && a->is_object())
      if (const auto o = a->find("order"); o != a->end() && o->is_object())
        if (const auto p = o->find("product"); p != o->end() && p->is_string()) c.product = p->get<std::string>();
  const json decision_doc = json::parse(record.decision_json, nullptr, /*allow_exceptions=*/false);
  if (decision_doc.is_object())
    if (const auto reasons = decision_doc.find("reasons"); reasons != decision_doc.end() && reasons->is_array())
      for (const auto& reason : *reasons)
        if (reason.is_object())
          if (const auto code = reason.find("reason_code"); code != reason.end() && code->is_string())
            add_code(c.reason_codes, code->get_ref<const std::string&>());
  return c;
}

}  // namespace verdict::store::aggregates
