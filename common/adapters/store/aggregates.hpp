#pragma once
// The per-minute aggregates the studio charts read (sql/*/0002_aggregates.sql, queried as described in
// sql/README.md): how a decision record is folded into them. Both stores use these definitions, so
// PostgreSQL (written by verdict-worker) and the embedded SQLite file count the same way. A store
// folds a record in only when the record was new to it, in the transaction that writes the record.
#include <array>
#include <cstdint>
#include <string_view>

#include "domain/decision.hpp"
#include "store/decision_store.hpp"

namespace verdict::store::aggregates {

/// Upper bounds (inclusive) of the provider latency histogram's buckets, in milliseconds. The last
/// one stands for +inf.
inline constexpr int latency_unbounded_ms = 2'147'483'647;
inline constexpr std::array<int, 17> latency_bucket_bounds_ms{
    5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, latency_unbounded_ms};

/// The bucket a latency falls in: the first bound it does not exceed (negative latencies count as 0).
int latency_bucket_ms(int latency_ms);

/// The status a provider call is charted under: "ok" (answered: ok, hit, no_hit), "cached"
/// (answered from the cache), "timeout" (no answer within the provider's or the decision's deadline),
/// "circuit_open" (not attempted, breaker open) or "error" (any other unavailability).
std::string_view call_status(const DecisionRecord::ProviderCall& call);

/// The start of the UTC minute holding `epoch_ms`, in epoch milliseconds (floor, also before 1970).
std::int64_t minute_of(std::int64_t epoch_ms);

/// What a decision is counted under, from what the daemon has in hand: the product's name and the
/// distinct reason codes of `decision.reasons` (not the ignored unknowns), in first-seen order.
DecisionRecord::Counted counted(std::string_view product, const Decision& decision);

/// The record's `counted`, or, when it has none, the same read from its JSON: the product is
/// case_json's application.order.product when that is a string, else "unknown"; the reason codes
/// are the distinct string reason_code members of decision_json's reasons array.
DecisionRecord::Counted counted_of(const DecisionRecord& record);

}  // namespace verdict::store::aggregates
