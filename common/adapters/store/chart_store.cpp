// ChartStore: one set of queries for both databases. The SQL differs only in how the minute is read
// as epoch milliseconds and how a timeframe is matched (PostgreSQL keeps a timestamptz, SQLite
// minute_ms); both accept $1…$n parameters (SQLite numbers named parameters in order of appearance).
// Periods are computed in SQL with integer arithmetic on epoch milliseconds, so hour, day and ISO week
// mean the same (UTC) on both. Percentiles are computed here from the summed buckets.
#include "store/chart_store.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <mutex>
#include <ostream>
#include <variant>

#include "store/aggregates.hpp"
#include "store/compliance_store.hpp"
#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"
#include "util/csv.hpp"

namespace verdict::store {

std::string_view to_string(Granularity g) {
  switch (g) {
    case Granularity::Hour: return "hour";
    case Granularity::Day: return "day";
    case Granularity::Week: return "week";
  }
  return "?";
}

std::optional<Granularity> granularity_from_string(std::string_view text) {
  for (Granularity g : {Granularity::Hour, Granularity::Day, Granularity::Week})
    if (to_string(g) == text) return g;
  return std::nullopt;
}

namespace {

// Empty buckets have no row, so a bucket's lower bound comes from the fixed list, not the previous row.
constexpr const auto& bucket_bounds_ms = aggregates::latency_bucket_bounds_ms;
constexpr int unbounded_bucket_ms = aggregates::latency_unbounded_ms;

/// The bound below `bound` (0 for the first bucket).
int lower_bound_of(int bound) {
  const auto at = std::lower_bound(bucket_bounds_ms.begin(), bucket_bounds_ms.end(), bound);
  return at == bucket_bounds_ms.begin() ? 0 : *(at - 1);
}

constexpr std::int64_t hour_ms = 3'600'000;
constexpr std::int64_t day_ms = 86'400'000;

/// Floor division, so instants before 1970 fall in the right period too.
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

std::int64_t period_start(std::int64_t epoch_ms, Granularity g) {
  switch (g) {
    case Granularity::Hour: return floor_div(epoch_ms, hour_ms) * hour_ms;
    case Granularity::Day: return floor_div(epoch_ms, day_ms) * day_ms;
    case Granularity::Week: {
      // 1970-01-01 was a Thursday: day d is (d + 3) mod 7 days after a Monday.
      const std::int64_t day = floor_div(epoch_ms, day_ms);
      return (floor_div(day + 3, 7) * 7 - 3) * day_ms;
    }
  }
  return epoch_ms;
}

Percentile histogram_percentile(const std::vector<std::pair<int, std::int64_t>>& buckets, double p) {
  std::int64_t total = 0;
  for (const auto& [bound, calls] : buckets) total += calls;
  if (total == 0) return {};
  const double rank = p * static_cast<double>(total);
  std::int64_t below = 0;
  for (const auto& [bound, calls] : buckets) {
    if (calls > 0 && static_cast<double>(below + calls) >= rank) {
      const int lower = lower_bound_of(bound);
      // Nothing is known above the last finite bound: report that bound rather than invent a value.
      if (bound == unbounded_bucket_ms) return {static_cast<double>(lower), bound};
      const double inside = (rank - static_cast<double>(below)) / static_cast<double>(calls);
      return {lower + (bound - lower) * inside, bound};
    }
    below += calls;
  }
  return {static_cast<double>(lower_bound_of(buckets.back().first)), buckets.back().first};
}

namespace {

using Param = std::variant<std::int64_t, std::string>;
using Row = std::vector<std::string>;

/// Runs one query on either database; every value comes back as text.
class Queries {
 public:
  virtual ~Queries() = default;
  virtual expected<std::vector<Row>, StoreError> rows(std::string sql, const std::vector<Param>& params,
                                                      std::string_view doing) = 0;
  /// The minute as epoch milliseconds, and "the minute lies in [$1, $2)".
  virtual std::string_view minute_ms() const = 0;
  virtual std::string_view in_range() const = 0;
  /// review_items' entered and decided instants as epoch milliseconds (decided NULL while open).
  virtual std::string_view review_created_ms() const = 0;
  virtual std::string_view review_decided_ms() const = 0;
};

std::int64_t number(const std::string& text) { return text.empty() ? 0 : std::stoll(text); }

void replace_all(std::string& sql, std::string_view token, std::string_view by) {
  for (auto at = sql.find(token); at != std::string::npos; at = sql.find(token, at + by.size())) sql.replace(at, token.size(), by);
}

class PostgresQueries final : public Queries {
 public:
  explicit PostgresQueries(const std::string& url) : session_(url) {}
  expected<std::vector<Row>, StoreError> rows(std::string sql, const std::vector<Param>& params,
                                              std::string_view doing) override {
    std::vector<std::string> values;
    for (const auto& p : params)
      values.push_back(std::holds_alternative<std::int64_t>(p) ? std::to_string(std::get<std::int64_t>(p))
                                                               : std::get<std::string>(p));
    return session_.run(doing, [&](pqxx::connection& conn) {
      pqxx::read_transaction t(conn);
      std::vector<Row> out;
      for (const auto& row : t.exec_params(sql, pqxx::prepare::make_dynamic_params(values))) {
        Row r;
        for (const auto& field : row) r.push_back(field.is_null() ? "" : field.c_str());
        out.push_back(std::move(r));
      }
      return out;
    });
  }
  std::string_view minute_ms() const override { return "(extract(epoch FROM minute) * 1000)::bigint"; }
  std::string_view in_range() const override {
    return "minute >= timestamptz 'epoch' + $1 * interval '1 millisecond' AND "
           "minute < timestamptz 'epoch' + $2 * interval '1 millisecond'";
  }
  std::string_view review_created_ms() const override { return "(extract(epoch FROM created_at) * 1000)::bigint"; }
  std::string_view review_decided_ms() const override { return "(extract(epoch FROM decided_at) * 1000)::bigint"; }

 private:
  postgres::Session session_;
};

class SqliteQueries final : public Queries {
 public:
  explicit SqliteQueries(sqlite::Database db) : db_(std::move(db)) {}
  expected<std::vector<Row>, StoreError> rows(std::string sql, const std::vector<Param>& params,
                                              std::string_view doing) override {
    std::lock_guard lock(mutex_);
    auto statement = sqlite::prepare(db_.get(), sql);
    if (!statement) return unexpected(statement.error());
    sqlite3_stmt* s = statement->get();
    sqlite::Binder binder(s);
    for (const auto& p : params) {
      if (std::holds_alternative<std::int64_t>(p)) binder.integer(std::get<std::int64_t>(p));
      else binder.text(std::get<std::string>(p));
    }
    if (!binder.ok()) return unexpected(sqlite::error(db_.get(), doing));
    std::vector<Row> out;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      Row r;
      for (int i = 0; i < sqlite3_column_count(s); ++i) r.push_back(sqlite::column_text(s, i));
      out.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return unexpected(sqlite::error(db_.get(), doing));
    return out;
  }
  std::string_view minute_ms() const override { return "minute_ms"; }
  std::string_view in_range() const override { return "minute_ms >= $1 AND minute_ms < $2"; }
  std::string_view review_created_ms() const override { return "created_at_ms"; }
  std::string_view review_decided_ms() const override { return "decided_at_ms"; }

 private:
  std::mutex mutex_;
  sqlite::Database db_;
};

/// The period a minute falls in, as SQL over `minute`: the same arithmetic as period_start().
std::string period_sql(std::string_view minute, Granularity g) {
  const std::string m(minute);
  switch (g) {
    case Granularity::Hour: return "(" + m + " / 3600000) * 3600000";
    case Granularity::Day: return "(" + m + " / 86400000) * 86400000";
    case Granularity::Week: return "((((" + m + " / 86400000) + 3) / 7) * 7 - 3) * 86400000";
  }
  return m;
}

constexpr const char* decision_filters =
    " AND (CAST($3 AS TEXT) = '' OR channel = $3) AND (CAST($4 AS TEXT) = '' OR product = $4)";

class SqlChartStore final : public ChartStore {
 public:
  explicit SqlChartStore(std::unique_ptr<Queries> queries) : q_(std::move(queries)) {}

  expected<std::vector<AcceptancePoint>, StoreError> acceptance(const ChartQuery& q) override {
    auto rows = run(q,
                    "SELECT {period}, channel, product, sum(decisions), "
                    "sum(CASE WHEN outcome = 'ACCEPT' THEN decisions ELSE 0 END), "
                    "sum(CASE WHEN outcome = 'ACCEPT_SIM_ONLY' THEN decisions ELSE 0 END), "
                    "sum(CASE WHEN outcome = 'REFER' THEN decisions ELSE 0 END), "
                    "sum(CASE WHEN outcome = 'REJECT' THEN decisions ELSE 0 END) "
                    "FROM agg_decisions_minute WHERE {range}" +
                        std::string(decision_filters) + " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                    filters(q), "charting acceptance");
    if (!rows) return unexpected(rows.error());
    std::vector<AcceptancePoint> out;
    for (const auto& r : *rows)
      out.push_back({number(r[0]), r[1], r[2], number(r[3]), number(r[4]), number(r[5]), number(r[6]), number(r[7])});
    return out;
  }

  expected<std::vector<VolumePoint>, StoreError> volume(const ChartQuery& q) override {
    auto rows = run(q,
                    "SELECT {period}, outcome, sum(decisions) FROM agg_decisions_minute WHERE {range}" +
                        std::string(decision_filters) + " GROUP BY 1, 2 ORDER BY 1, 2",
                    filters(q), "charting decision volume");
    if (!rows) return unexpected(rows.error());
    std::vector<VolumePoint> out;
    for (const auto& r : *rows) out.push_back({number(r[0]), r[1], number(r[2])});
    return out;
  }

  expected<std::vector<ReasonCount>, StoreError> top_reasons(const ChartQuery& q, std::size_t limit) override {
    auto total = run(q, "SELECT coalesce(sum(decisions), 0) FROM agg_decisions_minute WHERE {range}" +
                            std::string(decision_filters),
                     filters(q), "counting decisions");
    if (!total) return unexpected(total.error());
    const std::int64_t decisions = total->empty() ? 0 : number(total->front()[0]);
    auto params = filters(q);
    params.emplace_back(static_cast<std::int64_t>(limit));
    auto rows = run(q,
                    "SELECT reason_code, sum(hits) FROM agg_reasons_minute WHERE {range}" + std::string(decision_filters) +
                        " GROUP BY reason_code ORDER BY 2 DESC, 1 LIMIT $5",
                    params, "charting reason codes");
    if (!rows) return unexpected(rows.error());
    std::vector<ReasonCount> out;
    for (const auto& r : *rows) {
      const std::int64_t hits = number(r[1]);
      out.push_back({r[0], hits, decisions ? static_cast<double>(hits) / static_cast<double>(decisions) : 0});
    }
    return out;
  }

  expected<std::vector<LatencyPoint>, StoreError> provider_latency(const ChartQuery& q) override {
    auto rows = run(q,
                    "SELECT {period}, provider, le_ms, sum(calls) FROM agg_provider_calls_minute "
                    "WHERE {range} AND status = 'ok' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                    range(q), "charting provider latency");
    if (!rows) return unexpected(rows.error());
    // Rows come ordered by period, provider and bound: one histogram per run of (period, provider).
    std::vector<LatencyPoint> out;
    std::vector<std::pair<int, std::int64_t>> buckets;
    auto finish = [&] {
      if (buckets.empty()) return;
      LatencyPoint& point = out.back();
      for (const auto& [bound, calls] : buckets) point.calls += calls;
      const auto p50 = histogram_percentile(buckets, 0.50);
      const auto p95 = histogram_percentile(buckets, 0.95);
      const auto p99 = histogram_percentile(buckets, 0.99);
      point.p50_ms = p50.interpolated_ms;
      point.p95_ms = p95.interpolated_ms;
      point.p99_ms = p99.interpolated_ms;
      point.p50_bucket_ms = p50.bucket_ms;
      point.p95_bucket_ms = p95.bucket_ms;
      point.p99_bucket_ms = p99.bucket_ms;
      buckets.clear();
    };
    for (const auto& r : *rows) {
      const std::int64_t period = number(r[0]);
      if (out.empty() || out.back().period_start_ms != period || out.back().provider != r[1]) {
        finish();
        out.push_back({period, r[1]});
      }
      buckets.emplace_back(static_cast<int>(number(r[2])), number(r[3]));
    }
    finish();
    return out;
  }

  expected<std::vector<ProviderHealthPoint>, StoreError> provider_health(const ChartQuery& q) override {
    auto rows = run(q,
                    "SELECT {period}, provider, status, sum(calls) FROM agg_provider_calls_minute WHERE {range} "
                    "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                    range(q), "charting provider errors");
    if (!rows) return unexpected(rows.error());
    std::vector<ProviderHealthPoint> out;
    for (const auto& r : *rows) {
      const std::int64_t period = number(r[0]);
      if (out.empty() || out.back().period_start_ms != period || out.back().provider != r[1])
        out.push_back({period, r[1]});
      ProviderHealthPoint& point = out.back();
      const std::int64_t calls = number(r[3]);
      if (r[2] == "ok") point.ok += calls;
      else if (r[2] == "cached") point.cached += calls;
      else if (r[2] == "timeout") point.timeout += calls;
      else if (r[2] == "circuit_open") point.circuit_open += calls;
      else point.error += calls;
    }
    return out;
  }

  expected<std::vector<ReviewPoint>, StoreError> reviews(const ChartQuery& q) override {
    std::string sql =
        "SELECT kind, {created}, coalesce({decided}, -1), coalesce(final_outcome, '') FROM review_items "
        "WHERE (({created} >= $1 AND {created} < $2) OR ({decided} >= $1 AND {decided} < $2)) "
        "AND (CAST($3 AS TEXT) = '' OR channel = $3)";
    replace_all(sql, "{created}", q_->review_created_ms());
    replace_all(sql, "{decided}", q_->review_decided_ms());
    auto rows = run(q, std::move(sql), {q.from_ms, q.to_ms, q.channel}, "charting the review queue");
    if (!rows) return unexpected(rows.error());
    std::map<std::int64_t, ReviewPoint> periods;
    std::map<std::int64_t, std::vector<double>> waited;  // minutes, per period decided in
    auto in_range = [&](std::int64_t at) { return at >= q.from_ms && at < q.to_ms; };
    auto point = [&](std::int64_t at) -> ReviewPoint& {
      const std::int64_t period = period_start(at, q.granularity);
      auto& p = periods[period];
      p.period_start_ms = period;
      return p;
    };
    for (const auto& r : *rows) {
      const bool override_kind = r[0] == "override";
      const std::int64_t created = number(r[1]), decided = number(r[2]);
      if (override_kind) {
        // An override is decided when it is made: it counts once, when it was made.
        if (in_range(created)) ++point(created).overridden;
        continue;
      }
      if (in_range(created)) ++point(created).referred;
      if (decided >= 0 && in_range(decided)) {
        ReviewPoint& p = point(decided);
        ++p.decided;
        if (r[3] == "ACCEPT") ++p.decided_accept;
        else if (r[3] == "ACCEPT_SIM_ONLY") ++p.decided_accept_sim_only;
        else if (r[3] == "REJECT") ++p.decided_reject;
        waited[p.period_start_ms].push_back(static_cast<double>(decided - created) / 60'000.0);
      }
    }
    std::vector<ReviewPoint> out;
    for (auto& [period, p] : periods) {
      if (auto w = waited.find(period); w != waited.end()) {
        auto& minutes = w->second;
        std::sort(minutes.begin(), minutes.end());
        auto rank = [&](double f) {
          const auto n = static_cast<double>(minutes.size());
          const auto at = static_cast<std::size_t>(std::max(1.0, std::ceil(f * n))) - 1;
          return minutes[std::min(at, minutes.size() - 1)];
        };
        p.p50_minutes = rank(0.50);
        p.p90_minutes = rank(0.90);
        p.max_minutes = minutes.back();
      }
      out.push_back(p);
    }
    return out;
  }

 private:
  static std::vector<Param> range(const ChartQuery& q) { return {q.from_ms, q.to_ms}; }
  static std::vector<Param> filters(const ChartQuery& q) { return {q.from_ms, q.to_ms, q.channel, q.product}; }

  expected<std::vector<Row>, StoreError> run(const ChartQuery& q, std::string sql, const std::vector<Param>& params,
                                             std::string_view doing) {
    if (q.to_ms <= q.from_ms) return unexpected(StoreError{"the timeframe ends before it starts", false});
    replace_all(sql, "{period}", period_sql(q_->minute_ms(), q.granularity));
    replace_all(sql, "{range}", q_->in_range());
    return q_->rows(std::move(sql), params, doing);
  }

  std::unique_ptr<Queries> q_;
};

std::string rate(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6f", value);
  return text;
}

std::string ms(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

}  // namespace

expected<std::unique_ptr<ChartStore>, StoreError> open_postgres_charts(const std::string& url) {
  auto queries = std::make_unique<PostgresQueries>(url);
  auto ready = queries->rows("SELECT to_regclass('agg_decisions_minute') IS NOT NULL", {}, "opening the chart store");
  if (!ready) return unexpected(ready.error());
  if (ready->empty() || ready->front()[0] != "t")
    return unexpected(StoreError{"the database has no aggregates (migration 0002); run `verdict migrate --postgres URL`", false});
  return std::unique_ptr<ChartStore>(std::make_unique<SqlChartStore>(std::move(queries)));
}

expected<std::unique_ptr<ChartStore>, StoreError> open_sqlite_charts(const std::filesystem::path& file) {
  auto db = sqlite::open_migrated(file, {});
  if (!db) return unexpected(db.error());
  return std::unique_ptr<ChartStore>(std::make_unique<SqlChartStore>(std::make_unique<SqliteQueries>(std::move(*db))));
}

void write_csv(std::ostream& out, const std::vector<AcceptancePoint>& points) {
  csv::row(out, {"period_start", "channel", "product", "decisions", "accept", "accept_sim_only", "refer", "reject",
                 "acceptance_rate", "acceptance_rate_with_sim_only"});
  for (const auto& p : points)
    csv::row(out, {iso_utc_ms(p.period_start_ms), p.channel, p.product, std::to_string(p.decisions),
                   std::to_string(p.accept), std::to_string(p.accept_sim_only), std::to_string(p.refer),
                   std::to_string(p.reject), rate(p.acceptance_rate()), rate(p.acceptance_rate_with_sim_only())});
}

void write_csv(std::ostream& out, const std::vector<VolumePoint>& points) {
  csv::row(out, {"period_start", "outcome", "decisions"});
  for (const auto& p : points) csv::row(out, {iso_utc_ms(p.period_start_ms), p.outcome, std::to_string(p.decisions)});
}

void write_csv(std::ostream& out, const std::vector<ReasonCount>& reasons) {
  csv::row(out, {"reason_code", "hits", "share_of_decisions"});
  for (const auto& r : reasons) csv::row(out, {r.reason_code, std::to_string(r.hits), rate(r.share)});
}

void write_csv(std::ostream& out, const std::vector<LatencyPoint>& points) {
  csv::row(out, {"period_start", "provider", "calls", "p50_ms", "p95_ms", "p99_ms", "p50_bucket_ms", "p95_bucket_ms",
                 "p99_bucket_ms"});
  for (const auto& p : points)
    csv::row(out, {iso_utc_ms(p.period_start_ms), p.provider, std::to_string(p.calls), ms(p.p50_ms), ms(p.p95_ms),
                   ms(p.p99_ms), std::to_string(p.p50_bucket_ms), std::to_string(p.p95_bucket_ms),
                   std::to_string(p.p99_bucket_ms)});
}

void write_csv(std::ostream& out, const std::vector<ProviderHealthPoint>& points) {
  csv::row(out, {"period_start", "provider", "ok", "cached", "timeout", "error", "circuit_open", "error_rate",
                 "timeout_rate"});
  for (const auto& p : points)
    csv::row(out, {iso_utc_ms(p.period_start_ms), p.provider, std::to_string(p.ok), std::to_string(p.cached),
                   std::to_string(p.timeout), std::to_string(p.error), std::to_string(p.circuit_open),
                   rate(p.error_rate()), rate(p.timeout_rate())});
}

void write_csv(std::ostream& out, const std::vector<ReviewPoint>& points) {
  csv::row(out, {"period_start", "referred", "decided", "decided_accept", "decided_accept_sim_only", "decided_reject",
                 "overridden", "p50_minutes", "p90_minutes", "max_minutes"});
  for (const auto& p : points)
    csv::row(out, {iso_utc_ms(p.period_start_ms), std::to_string(p.referred), std::to_string(p.decided),
                   std::to_string(p.decided_accept), std::to_string(p.decided_accept_sim_only),
                   std::to_string(p.decided_reject), std::to_string(p.overridden), ms(p.p50_minutes),
                   ms(p.p90_minutes), ms(p.max_minutes)});
}

}  // namespace verdict::store
