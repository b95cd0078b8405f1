#include "store/aggregates.hpp"

#include <algorithm>

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

}  // namespace verdict::store::aggregates
