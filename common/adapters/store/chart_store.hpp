#pragma once
// What the studio's charts show, read from the per-minute aggregates (sql/*/0002_aggregates.sql,
// kept by the decision store and verdict-worker): for a timeframe and a granularity (hour, day or ISO
// week, in UTC), acceptance by channel and product, decision volume by outcome, the top reason codes,
// provider latency percentiles from the histogram buckets, and provider error and timeout rates; and,
// from the review queue itself (human-scale, so read row by row), referrals and review times.
// Plain structs, with a CSV form of each for export. PostgreSQL or the embedded SQLite file.
#include <array>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/decision_store.hpp"
#include "util/expected.hpp"

namespace verdict::store {

enum class Granularity { Hour, Day, Week };
std::string_view to_string(Granularity g);  // "hour", "day", "week"
std::optional<Granularity> granularity_from_string(std::string_view text);

struct ChartQuery {
  std::int64_t from_ms = 0;  // inclusive, Unix epoch milliseconds UTC
  std::int64_t to_ms = 0;    // exclusive
  Granularity granularity = Granularity::Day;
  std::string channel;  // empty: every channel
  std::string product;  // empty: every product (sim_only, device)
};

/// Decisions of one period, channel and product, by outcome.
struct AcceptancePoint {
  std::int64_t period_start_ms = 0;
  std::string channel, product;
  std::int64_t decisions = 0, accept = 0, accept_sim_only = 0, refer = 0, reject = 0;
  /// ACCEPT / all decisions; 0 when there were none.
  double acceptance_rate() const { return decisions ? static_cast<double>(accept) / static_cast<double>(decisions) : 0; }
  /// ACCEPT or ACCEPT_SIM_ONLY / all decisions.
  double acceptance_rate_with_sim_only() const {
    return decisions ? static_cast<double>(accept + accept_sim_only) / static_cast<double>(decisions) : 0;
  }
};

/// Decisions of one period with one outcome.
struct VolumePoint {
  std::int64_t period_start_ms = 0;
  std::string outcome;
  std::int64_t decisions = 0;
};

struct ReasonCount {
  std::string reason_code;
  std::int64_t hits = 0;       // decisions with this reason among their reasons
  double share = 0;            // hits / decisions in the timeframe (with the same filters)
};

/// Latency of one provider's answered calls (status ok) in one period, from the histogram buckets:
/// each percentile interpolated linearly inside the bucket it falls in (between the bucket's lower
/// and upper bound), and that upper bound, which is what the histogram can guarantee. In the +inf
/// bucket the percentile is the last finite bound (5000 ms): the histogram knows no more.
struct LatencyPoint {
  std::int64_t period_start_ms = 0;
  std::string provider;
  std::int64_t calls = 0;
  double p50_ms = 0, p95_ms = 0, p99_ms = 0;
  int p50_bucket_ms = 0, p95_bucket_ms = 0, p99_bucket_ms = 0;
};

/// Provider calls of one period by how they ended.
struct ProviderHealthPoint {
  std::int64_t period_start_ms = 0;
  std::string provider;
  std::int64_t ok = 0, cached = 0, timeout = 0, error = 0, circuit_open = 0;
  /// Calls that reached the provider: ok + timeout + error.
  std::int64_t attempted() const { return ok + timeout + error; }
  double error_rate() const { return attempted() ? static_cast<double>(error) / static_cast<double>(attempted()) : 0; }
  double timeout_rate() const {
    return attempted() ? static_cast<double>(timeout) / static_cast<double>(attempted()) : 0;
  }
};

/// The human review queue in one period (its channel filter applies; product does not, since an item
/// has none): referrals that entered it, contested decisions overridden, referrals a person decided,
/// and how long those waited — from entering the queue to the human decision — as percentiles over
/// the referrals decided in the period (nearest rank), in minutes.
struct ReviewPoint {
  std::int64_t period_start_ms = 0;
  std::int64_t referred = 0, decided = 0, overridden = 0;
  std::int64_t decided_accept = 0, decided_accept_sim_only = 0, decided_reject = 0;
  double p50_minutes = 0, p90_minutes = 0, max_minutes = 0;
};

class ChartStore {
 public:
  virtual ~ChartStore() = default;
  /// Oldest period first; within a period by channel, then product.
  virtual expected<std::vector<AcceptancePoint>, StoreError> acceptance(const ChartQuery& q) = 0;
  /// Oldest period first; within a period by outcome.
  virtual expected<std::vector<VolumePoint>, StoreError> volume(const ChartQuery& q) = 0;
  /// Over the whole timeframe, most hits first (ties by code); at most `limit`.
  virtual expected<std::vector<ReasonCount>, StoreError> top_reasons(const ChartQuery& q, std::size_t limit) = 0;
  /// Oldest period first; within a period by provider. Channel and product filters do not apply.
  virtual expected<std::vector<LatencyPoint>, StoreError> provider_latency(const ChartQuery& q) = 0;
  virtual expected<std::vector<ProviderHealthPoint>, StoreError> provider_health(const ChartQuery& q) = 0;
  /// Oldest period first; a period appears when anything entered or left the queue in it.
  virtual expected<std::vector<ReviewPoint>, StoreError> reviews(const ChartQuery& q) = 0;
};

expected<std::unique_ptr<ChartStore>, StoreError> open_postgres_charts(const std::string& url);
expected<std::unique_ptr<ChartStore>, StoreError> open_sqlite_charts(const std::filesystem::path& file);

/// The start (UTC) of the period holding `epoch_ms`: the hour, the day, or the ISO week (Monday).
std::int64_t period_start(std::int64_t epoch_ms, Granularity g);

/// One latency histogram: (upper bound in ms, calls) per non-empty bucket, bounds ascending and taken
/// from the fixed bounds of 0002_aggregates.sql (5 … 5000, 2147483647 = +inf). The p-th percentile
/// (0 < p <= 1) as {interpolated, bound}.
struct Percentile {
  double interpolated_ms = 0;
  int bucket_ms = 0;
};
Percentile histogram_percentile(const std::vector<std::pair<int, std::int64_t>>& buckets, double p);

void write_csv(std::ostream& out, const std::vector<AcceptancePoint>& points);
void write_csv(std::ostream& out, const std::vector<VolumePoint>& points);
void write_csv(std::ostream& out, const std::vector<ReasonCount>& reasons);
void write_csv(std::ostream& out, const std::vector<LatencyPoint>& points);
void write_csv(std::ostream& out, const std::vector<ProviderHealthPoint>& points);
void write_csv(std::ostream& out, const std::vector<ReviewPoint>& points);

}  // namespace verdict::store
