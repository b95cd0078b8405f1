// Chart queries (store/chart_store.hpp) over known per-minute aggregates, on a real PostgreSQL scratch
// database and a real SQLite file: every figure below was worked out by hand from the rows inserted,
// including the latency percentiles from the histogram buckets.
#include <QtTest/QtTest>

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "cli_runner.hpp"
#include "store/aggregates.hpp"
#include "store/chart_store.hpp"
#include "store/migrations.hpp"
#include "store_support.hpp"

using namespace verdict::store;
namespace fs = std::filesystem;

namespace {

using verdict::test::ok;
const auto& sql = verdict::test::superuser_sql;

const std::string pid = std::to_string(::getpid());
const std::string database = "verdict_test_charts_" + pid;

constexpr std::int64_t minute = 60'000, hour = 3'600'000, day = 86'400'000;
constexpr std::int64_t monday = 1795996800000;  // 2026-11-30T00:00:00Z, a Monday
constexpr int inf = verdict::store::aggregates::latency_unbounded_ms;

struct DecisionRow {
  std::int64_t at;
  const char *outcome, *channel, *product;
  int decisions;
};
struct ReasonRow {
  std::int64_t at;
  const char *code, *channel, *product;
  int hits;
};
struct CallRow {
  std::int64_t at;
  const char *provider, *status;
  int le_ms, calls, latency_total;
};

const DecisionRow decision_rows[] = {
    {monday - day, "ACCEPT", "web", "device", 100},  // before the timeframe
    {monday + 10 * hour + 5 * minute, "ACCEPT", "web", "device", 6},
    {monday + 10 * hour + 5 * minute, "REFER", "web", "device", 2},
    {monday + 10 * hour + 5 * minute, "REJECT", "web", "device", 2},
    {monday + 10 * hour + 30 * minute, "ACCEPT", "web", "device", 2},
    {monday + 10 * hour + 30 * minute, "ACCEPT", "shop", "sim_only", 3},
    {monday + 10 * hour + 30 * minute, "ACCEPT_SIM_ONLY", "shop", "sim_only", 1},
    {monday + 11 * hour, "ACCEPT", "web", "device", 1},
    {monday + 11 * hour, "REJECT", "web", "device", 1},
    {monday + day + 9 * hour, "ACCEPT", "shop", "device", 5},
    {monday + 7 * day + 8 * hour, "REFER", "web", "device", 4},  // the next week
};
const ReasonRow reason_rows[] = {
    {monday + 10 * hour + 5 * minute, "BKR_A", "web", "device", 2},
    {monday + 10 * hour + 5 * minute, "AGE", "web", "device", 1},
    {monday + 10 * hour + 30 * minute, "BKR_A", "shop", "sim_only", 1},
    {monday + 10 * hour + 30 * minute, "AFFORD", "shop", "sim_only", 3},
    {monday + day + 9 * hour, "AFFORD", "shop", "device", 1},
    {monday + day + 9 * hour, "BKR_H", "shop", "device", 3},
};
// bkr's answered calls in the 10:00 hour, over two minutes: 10 <= 50 ms, 60 <= 100, 20 <= 200,
// 7 <= 300, 1 <= 500, 2 above 5000 (+inf): 100 calls.
const CallRow call_rows[] = {
    {monday + 10 * hour + 5 * minute, "bkr", "ok", 50, 4, 160},
    {monday + 10 * hour + 5 * minute, "bkr", "ok", 100, 30, 2400},
    {monday + 10 * hour + 5 * minute, "bkr", "ok", 200, 20, 3000},
    {monday + 10 * hour + 40 * minute, "bkr", "ok", 50, 6, 240},
    {monday + 10 * hour + 40 * minute, "bkr", "ok", 100, 30, 2400},
    {monday + 10 * hour + 40 * minute, "bkr", "ok", 300, 7, 1750},
    {monday + 10 * hour + 40 * minute, "bkr", "ok", 500, 1, 420},
    {monday + 10 * hour + 40 * minute, "bkr", "ok", inf, 2, 16000},
    {monday + 10 * hour + 40 * minute, "bkr", "cached", 5, 50, 0},
    {monday + 10 * hour + 40 * minute, "bkr", "timeout", inf, 3, 9000},
    {monday + 10 * hour + 40 * minute, "bkr", "error", 5, 2, 4},
    {monday + 10 * hour + 40 * minute, "bkr", "circuit_open", 5, 1, 0},
    {monday + 10 * hour + 5 * minute, "iban_check", "ok", 25, 1, 17},
};

// The review queue: five referrals and one override, worked out below per hour and per day.
struct ReviewRow {
  const char* id;
  const char* kind;
  std::int64_t created;
  std::int64_t decided;  // 0: still pending
  const char *channel, *final_outcome;
};
const ReviewRow review_rows[] = {
    {"00000000-0000-4000-8000-00000000000a", "referral", monday + 9 * hour, monday + 9 * hour + 30 * minute, "web", "ACCEPT"},
    {"00000000-0000-4000-8000-00000000000b", "referral", monday + 9 * hour + 10 * minute, monday + 10 * hour + 10 * minute, "web", "REJECT"},
    {"00000000-0000-4000-8000-00000000000c", "referral", monday + 10 * hour, monday + day + 10 * hour, "shop", "ACCEPT_SIM_ONLY"},
    {"00000000-0000-4000-8000-00000000000d", "referral", monday + 10 * hour + 20 * minute, 0, "shop", ""},
    {"00000000-0000-4000-8000-00000000000e", "override", monday + 11 * hour, monday + 11 * hour, "web", "REJECT"},
    {"00000000-0000-4000-8000-00000000000f", "referral", monday - day, monday + 8 * hour, "web", "ACCEPT"},  // entered before
};

/// The review items; `suffix` is how the database names its instant columns ("" or "_ms").
std::string review_inserts(const std::function<std::string(std::int64_t)>& instant, const std::string& suffix) {
  std::string text;
  auto q = [](const char* s) { return std::string("'") + s + "'"; };
  for (const auto& r : review_rows) {
    const bool decided = r.decided != 0;
    const std::string automated = std::string(r.kind) == "override" ? "'ACCEPT'" : "'REFER'";
    text += "INSERT INTO review_items (decision_id, kind, status, created_at" + suffix +
            ", automated_outcome, channel, shop_id, claimed_by, claimed_at" + suffix + ", final_outcome, decided_by, decided_at" +
            suffix + ", reason) VALUES (" + q(r.id) + ", " + q(r.kind) + ", " + (decided ? "'decided'" : "'pending'") + ", " +
            instant(r.created) + ", " + automated + ", " + q(r.channel) + ", 'SHOP-1', " +
            (decided ? "'fay', " + instant(r.created) + ", " + q(r.final_outcome) + ", 'fay', " + instant(r.decided) + ", 'checked'"
                     : std::string("NULL, NULL, NULL, NULL, NULL, NULL")) +
            ");";
  }
  return text;
}

/// The inserts, with `instant` spelling an epoch-millisecond instant the way the database stores it.
std::string inserts(const std::function<std::string(std::int64_t)>& instant) {
  std::string text;
  auto q = [](const char* s) { return std::string("'") + s + "'"; };
  for (const auto& r : decision_rows)
    text += "INSERT INTO agg_decisions_minute VALUES (" + instant(r.at) + ", " + q(r.outcome) + ", " + q(r.channel) +
            ", " + q(r.product) + ", " + std::to_string(r.decisions) + ");";
  for (const auto& r : reason_rows)
    text += "INSERT INTO agg_reasons_minute VALUES (" + instant(r.at) + ", " + q(r.code) + ", " + q(r.channel) + ", " +
            q(r.product) + ", " + std::to_string(r.hits) + ");";
  for (const auto& r : call_rows)
    text += "INSERT INTO agg_provider_calls_minute VALUES (" + instant(r.at) + ", " + q(r.provider) + ", " +
            q(r.status) + ", " + std::to_string(r.le_ms) + ", " + std::to_string(r.calls) + ", " +
            std::to_string(r.latency_total) + ");";
  return text;
}

ChartQuery query(std::int64_t from, std::int64_t to, Granularity g, std::string channel = "", std::string product = "") {
  return {from, to, g, std::move(channel), std::move(product)};
}

}  // namespace

class ChartsTest : public QObject {
  Q_OBJECT
  fs::path temp;
  fs::path sqlite_file;

  std::unique_ptr<ChartStore> charts(const QString& backend) {
    if (backend == "postgres") return ok(open_postgres_charts(verdict::test::postgres_server + database), "open");
    return ok(open_sqlite_charts(sqlite_file), "open");
  }
  static void backends() { verdict::test::backend_rows(); }

 private slots:
  void initTestCase() {
    if (const QString failed = verdict::test::create_scratch_database(database); !failed.isEmpty()) QFAIL(qPrintable(failed));
    ok(migrate_postgres(verdict::test::postgres_server + database), "migrate");
    const auto timestamptz = [](std::int64_t ms) {
      return "timestamptz 'epoch' + " + std::to_string(ms) + " * interval '1 millisecond'";
    };
    std::string reviewed;
    for (const auto& r : review_rows)
      reviewed += "INSERT INTO decision_ids VALUES ('" + std::string(r.id) + "', " + timestamptz(r.created) + ");";
    sql(database, inserts(timestamptz) + reviewed + review_inserts(timestamptz, ""));
    temp = fs::temp_directory_path() / ("verdict-charts-test-" + pid);
    fs::remove_all(temp);
    fs::create_directories(temp);
    sqlite_file = temp / "embedded.db";
    ok(migrate_sqlite(sqlite_file), "migrate sqlite");
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open(sqlite_file.c_str(), &db), SQLITE_OK);
    char* message = nullptr;
    // The review items reference decisions, which this file has none of: this connection does not
    // turn foreign keys on (SQLite's default), so the queue rows stand alone.
    const auto epoch_ms = [](std::int64_t ms) { return std::to_string(ms); };
    const std::string statements = inserts(epoch_ms) + review_inserts(epoch_ms, "_ms");
    const int rc = sqlite3_exec(db, statements.c_str(), nullptr, nullptr, &message);
    const std::string error = message ? message : "";
    sqlite3_free(message);
    sqlite3_close(db);
    QVERIFY2(rc == SQLITE_OK, error.c_str());
  }
  void cleanupTestCase() {
    try {
      sql("postgres", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    } catch (const std::exception& e) {
      qWarning("dropping the scratch database: %s", e.what());
    }
    std::error_code ec;
    fs::remove_all(temp, ec);
  }

  void periods_are_utc_hours_days_and_iso_weeks() {
    const std::int64_t thursday_15_42 = monday + 3 * day + 15 * hour + 42 * minute + 7;
    QCOMPARE(period_start(thursday_15_42, Granularity::Hour), monday + 3 * day + 15 * hour);
    QCOMPARE(period_start(thursday_15_42, Granularity::Day), monday + 3 * day);
    QCOMPARE(period_start(thursday_15_42, Granularity::Week), monday);
    QCOMPARE(period_start(monday, Granularity::Week), monday);
    QCOMPARE(period_start(monday - 1, Granularity::Week), monday - 7 * day);
    QCOMPARE(granularity_from_string("week"), std::optional<Granularity>(Granularity::Week));
    QVERIFY(!granularity_from_string("month"));
  }

  void percentiles_from_buckets() {
    // 10 <= 50, 60 <= 100, 20 <= 200, 7 <= 300, 1 <= 500, 2 beyond: 100 calls.
    const std::vector<std::pair<int, std::int64_t>> buckets{{50, 10}, {100, 60}, {200, 20}, {300, 7}, {500, 1}, {inf, 2}};
    // p50: the 50th call is the 40th of 60 in the bucket (75, 100] (the empty 75 bucket has no row,
    // but it is still the lower bound): 75 + 25 * 40/60.
    QCOMPARE(histogram_percentile(buckets, 0.50).bucket_ms, 100);
    QVERIFY(qFuzzyCompare(histogram_percentile(buckets, 0.50).interpolated_ms, 75 + 25 * 40.0 / 60));
    // p95: the 95th is the 5th of 7 in (200, 300]: 200 + 100 * 5/7.
    QCOMPARE(histogram_percentile(buckets, 0.95).bucket_ms, 300);
    QVERIFY(qFuzzyCompare(histogram_percentile(buckets, 0.95).interpolated_ms, 200 + 100 * 5.0 / 7));
    // p99: the 99th is in the +inf bucket: the last finite bound (5000), no invented value.
    QCOMPARE(histogram_percentile(buckets, 0.99).bucket_ms, inf);
    QCOMPARE(histogram_percentile(buckets, 0.99).interpolated_ms, 5000.0);
    // The first bucket starts at 0.
    QVERIFY(qFuzzyCompare(histogram_percentile({{5, 4}}, 0.5).interpolated_ms, 2.5));
    QCOMPARE(histogram_percentile({}, 0.5).bucket_ms, 0);
  }

  void acceptance_by_channel_and_product_data() { backends(); }
  void acceptance_by_channel_and_product() {
    QFETCH(QString, backend);
    auto store = charts(backend);
    const auto hourly = ok(store->acceptance(query(monday, monday + day, Granularity::Hour)), "hourly");
    QCOMPARE(hourly.size(), std::size_t{3});
    QCOMPARE(hourly[0].period_start_ms, monday + 10 * hour);
    QCOMPARE(hourly[0].channel, std::string("shop"));
    QCOMPARE(hourly[0].product, std::string("sim_only"));
    QCOMPARE(hourly[0].decisions, std::int64_t{4});
    QCOMPARE(hourly[0].accept, std::int64_t{3});
    QCOMPARE(hourly[0].accept_sim_only, std::int64_t{1});
    QCOMPARE(hourly[0].acceptance_rate(), 0.75);
    QCOMPARE(hourly[0].acceptance_rate_with_sim_only(), 1.0);
    QCOMPARE(hourly[1].channel, std::string("web"));
    QCOMPARE(hourly[1].decisions, std::int64_t{12});
    QCOMPARE(hourly[1].accept, std::int64_t{8});
    QCOMPARE(hourly[1].refer, std::int64_t{2});
    QCOMPARE(hourly[1].reject, std::int64_t{2});
    QCOMPARE(hourly[2].period_start_ms, monday + 11 * hour);
    QCOMPARE(hourly[2].decisions, std::int64_t{2});
    QCOMPARE(hourly[2].acceptance_rate(), 0.5);

    const auto daily = ok(store->acceptance(query(monday, monday + 2 * day, Granularity::Day)), "daily");
    QCOMPARE(daily.size(), std::size_t{3});
    QCOMPARE(daily[1].period_start_ms, monday);
    QCOMPARE(daily[1].decisions, std::int64_t{14});
    QCOMPARE(daily[1].accept, std::int64_t{9});
    QCOMPARE(daily[2].period_start_ms, monday + day);
    QCOMPARE(daily[2].channel, std::string("shop"));
    QCOMPARE(daily[2].product, std::string("device"));
    QCOMPARE(daily[2].acceptance_rate(), 1.0);

    const auto weekly = ok(store->acceptance(query(monday, monday + 14 * day, Granularity::Week)), "weekly");
    QCOMPARE(weekly.size(), std::size_t{4});
    QCOMPARE(weekly[3].period_start_ms, monday + 7 * day);
    QCOMPARE(weekly[3].refer, std::int64_t{4});
    QCOMPARE(weekly[3].acceptance_rate(), 0.0);

    const auto web = ok(store->acceptance(query(monday, monday + 2 * day, Granularity::Day, "web")), "web");
    QCOMPARE(web.size(), std::size_t{1});
    QCOMPARE(web[0].decisions, std::int64_t{14});
    const auto device = ok(store->acceptance(query(monday, monday + 2 * day, Granularity::Day, "", "device")), "device");
    QCOMPARE(device.size(), std::size_t{2});
    QVERIFY(!store->acceptance(query(monday, monday, Granularity::Day)).has_value());  // empty timeframe
  }

  void volume_and_top_reasons_data() { backends(); }
  void volume_and_top_reasons() {
    QFETCH(QString, backend);
    auto store = charts(backend);
    const auto volume = ok(store->volume(query(monday, monday + 2 * day, Granularity::Day)), "volume");
    // Monday: ACCEPT 6+2+3+1, ACCEPT_SIM_ONLY 1, REFER 2, REJECT 2+1; Tuesday: ACCEPT 5.
    QCOMPARE(volume.size(), std::size_t{5});
    QCOMPARE(volume[0].outcome, std::string("ACCEPT"));
    QCOMPARE(volume[0].decisions, std::int64_t{12});
    QCOMPARE(volume[1].outcome, std::string("ACCEPT_SIM_ONLY"));
    QCOMPARE(volume[1].decisions, std::int64_t{1});
    QCOMPARE(volume[2].decisions, std::int64_t{2});
    QCOMPARE(volume[3].outcome, std::string("REJECT"));
    QCOMPARE(volume[3].decisions, std::int64_t{3});
    QCOMPARE(volume[4].period_start_ms, monday + day);
    QCOMPARE(volume[4].decisions, std::int64_t{5});

    // AFFORD 3+1, BKR_A 2+1 and BKR_H 3 (tied: by code), AGE 1; out of 18 + 5 decisions.
    const auto top = ok(store->top_reasons(query(monday, monday + 2 * day, Granularity::Day), 3), "reasons");
    QCOMPARE(top.size(), std::size_t{3});
    QCOMPARE(top[0].reason_code, std::string("AFFORD"));
    QCOMPARE(top[0].hits, std::int64_t{4});
    QVERIFY(qFuzzyCompare(top[0].share, 4.0 / 23));
    QCOMPARE(top[1].reason_code, std::string("BKR_A"));
    QCOMPARE(top[2].reason_code, std::string("BKR_H"));
    QCOMPARE(top[2].hits, std::int64_t{3});
    const auto web = ok(store->top_reasons(query(monday, monday + 2 * day, Granularity::Day, "web"), 10), "web reasons");
    QCOMPARE(web.size(), std::size_t{2});
    QCOMPARE(web[0].reason_code, std::string("BKR_A"));
    QVERIFY(qFuzzyCompare(web[0].share, 2.0 / 14));
  }

  void provider_latency_and_health_data() { backends(); }
  void provider_latency_and_health() {
    QFETCH(QString, backend);
    auto store = charts(backend);
    const auto latency = ok(store->provider_latency(query(monday, monday + day, Granularity::Hour)), "latency");
    QCOMPARE(latency.size(), std::size_t{2});
    const auto& bkr = latency[0];
    QCOMPARE(bkr.provider, std::string("bkr"));
    QCOMPARE(bkr.period_start_ms, monday + 10 * hour);
    QCOMPARE(bkr.calls, std::int64_t{100});  // answered calls only: not the cached, timed-out or failed ones
    QVERIFY(qFuzzyCompare(bkr.p50_ms, 75 + 25 * 40.0 / 60));
    QCOMPARE(bkr.p50_bucket_ms, 100);
    QVERIFY(qFuzzyCompare(bkr.p95_ms, 200 + 100 * 5.0 / 7));
    QCOMPARE(bkr.p95_bucket_ms, 300);
    QCOMPARE(bkr.p99_ms, 5000.0);
    QCOMPARE(bkr.p99_bucket_ms, inf);
    // One call in (10, 25]: p50 half way, 10 + 15 * 0.5; p99 at 10 + 15 * 0.99.
    QCOMPARE(latency[1].provider, std::string("iban_check"));
    QVERIFY(qFuzzyCompare(latency[1].p50_ms, 17.5));
    QVERIFY(qFuzzyCompare(latency[1].p99_ms, 10 + 15 * 0.99));

    const auto health = ok(store->provider_health(query(monday, monday + day, Granularity::Day)), "health");
    QCOMPARE(health.size(), std::size_t{2});
    QCOMPARE(health[0].provider, std::string("bkr"));
    QCOMPARE(health[0].ok, std::int64_t{100});
    QCOMPARE(health[0].cached, std::int64_t{50});
    QCOMPARE(health[0].timeout, std::int64_t{3});
    QCOMPARE(health[0].error, std::int64_t{2});
    QCOMPARE(health[0].circuit_open, std::int64_t{1});
    QCOMPARE(health[0].attempted(), std::int64_t{105});
    QVERIFY(qFuzzyCompare(health[0].error_rate(), 2.0 / 105));
    QVERIFY(qFuzzyCompare(health[0].timeout_rate(), 3.0 / 105));
    QCOMPARE(health[1].error_rate(), 0.0);
  }

  void review_counts_and_times_data() { backends(); }
  void review_counts_and_times() {
    QFETCH(QString, backend);
    auto store = charts(backend);
    const auto daily = ok(store->reviews(query(monday, monday + 2 * day, Granularity::Day)), "daily");
    QCOMPARE(daily.size(), std::size_t{2});
    QCOMPARE(daily[0].period_start_ms, monday);
    QCOMPARE(daily[0].referred, std::int64_t{4});  // not the one that entered the day before
    QCOMPARE(daily[0].decided, std::int64_t{3});   // waits 30, 60 and 1920 minutes
    QCOMPARE(daily[0].decided_accept, std::int64_t{2});
    QCOMPARE(daily[0].decided_reject, std::int64_t{1});
    QCOMPARE(daily[0].overridden, std::int64_t{1});
    QCOMPARE(daily[0].p50_minutes, 60.0);
    QCOMPARE(daily[0].p90_minutes, 1920.0);
    QCOMPARE(daily[0].max_minutes, 1920.0);
    QCOMPARE(daily[1].period_start_ms, monday + day);
    QCOMPARE(daily[1].referred, std::int64_t{0});
    QCOMPARE(daily[1].decided, std::int64_t{1});
    QCOMPARE(daily[1].decided_accept_sim_only, std::int64_t{1});
    QCOMPARE(daily[1].p50_minutes, 1440.0);

    const auto hourly = ok(store->reviews(query(monday, monday + day, Granularity::Hour)), "hourly");
    QCOMPARE(hourly.size(), std::size_t{4});  // 08:00, 09:00, 10:00, 11:00
    QCOMPARE(hourly[0].period_start_ms, monday + 8 * hour);
    QCOMPARE(hourly[0].decided, std::int64_t{1});
    QCOMPARE(hourly[1].referred, std::int64_t{2});
    QCOMPARE(hourly[1].decided, std::int64_t{1});
    QCOMPARE(hourly[1].p50_minutes, 30.0);
    QCOMPARE(hourly[2].referred, std::int64_t{2});
    QCOMPARE(hourly[2].p50_minutes, 60.0);
    QCOMPARE(hourly[3].overridden, std::int64_t{1});
    QCOMPARE(hourly[3].decided, std::int64_t{0});

    const auto shop = ok(store->reviews(query(monday, monday + 2 * day, Granularity::Day, "shop")), "shop");
    QCOMPARE(shop.size(), std::size_t{2});
    QCOMPARE(shop[0].referred, std::int64_t{2});
    QCOMPARE(shop[0].decided, std::int64_t{0});
    QCOMPARE(shop[1].decided, std::int64_t{1});

    std::ostringstream csv;
    write_csv(csv, daily);
    QVERIFY(csv.str().starts_with("period_start,referred,decided,decided_accept,decided_accept_sim_only,decided_reject,"
                                  "overridden,p50_minutes,p90_minutes,max_minutes\r\n2026-11-30T00:00:00.000Z,4,3,2,0,1,1,60.0,"
                                  "1920.0,1920.0\r\n"));
  }

  void csv_exports_data() { backends(); }
  void csv_exports() {
    QFETCH(QString, backend);
    auto store = charts(backend);
    std::ostringstream acceptance, latency;
    write_csv(acceptance, ok(store->acceptance(query(monday, monday + day, Granularity::Hour)), "acceptance"));
    QCOMPARE(acceptance.str(),
             std::string("period_start,channel,product,decisions,accept,accept_sim_only,refer,reject,acceptance_rate,"
                         "acceptance_rate_with_sim_only\r\n"
                         "2026-11-30T10:00:00.000Z,shop,sim_only,4,3,1,0,0,0.750000,1.000000\r\n"
                         "2026-11-30T10:00:00.000Z,web,device,12,8,0,2,2,0.666667,0.666667\r\n"
                         "2026-11-30T11:00:00.000Z,web,device,2,1,0,0,1,0.500000,0.500000\r\n"));
    write_csv(latency, ok(store->provider_latency(query(monday, monday + day, Granularity::Hour)), "latency"));
    QVERIFY2(latency.str().find("2026-11-30T10:00:00.000Z,bkr,100,91.7,271.4,5000.0,100,300,2147483647\r\n") !=
                 std::string::npos,
             latency.str().c_str());
  }

  // `verdict export --chart …` writes the same CSV.
  void cli_exports_charts() {
    const auto r = verdict::test::run_cli({"export", "--sqlite", sqlite_file.string(), "--chart", "volume",
                                           "--granularity", "day", "--from", "2026-11-30", "--to", "2026-12-02"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.startsWith("period_start,outcome,decisions\r\n2026-11-30T00:00:00.000Z,ACCEPT,12\r\n"), qPrintable(r.out));
    const auto bad = verdict::test::run_cli({"export", "--sqlite", sqlite_file.string(), "--chart", "pie", "--from",
                                             "2026-11-30", "--to", "2026-12-02"});
    QCOMPARE(bad.code, 2);
  }
};

QTEST_GUILESS_MAIN(ChartsTest)
#include "test_charts.moc"
