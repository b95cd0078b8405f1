// The decision store against a real PostgreSQL (127.0.0.1:5432, user postgres, a scratch database per
// run) and a real SQLite file: migrations, the schema's guarantees (append-only audit log, four-eyes
// policy versions, monthly partitions), round trips, idempotency, and the DecisionSink keeping every
// record through a store outage, a full queue and a crash.
#include <QtTest/QtTest>

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "store/decision_sink.hpp"
#include "store/decision_store.hpp"
#include "store/migrations.hpp"
#include "store/policy_versions.hpp"

using namespace verdict::store;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string server = "postgresql://postgres@127.0.0.1:5432/";
const std::string pid = std::to_string(::getpid());
const std::string main_db = "verdict_test_" + pid;
const std::string outage_db = "verdict_test_" + pid + "_outage";
const fs::path postgres_sql = fs::path(VERDICT_SOURCE_DIR) / "sql" / "postgres";
const fs::path sqlite_sql = fs::path(VERDICT_SOURCE_DIR) / "sql" / "sqlite";

// UTC instants on both sides of a month boundary, and two more months.
constexpr std::int64_t nov_15 = 1794738600123;       // 2026-11-15T10:30:00.123Z
constexpr std::int64_t nov_30_last = 1796083199999;  // 2026-11-30T23:59:59.999Z
constexpr std::int64_t dec_1_first = 1796083200000;  // 2026-12-01T00:00:00.000Z
constexpr std::int64_t jan_10 = 1799568000000;       // 2027-01-10T08:00:00.000Z

std::string url(const std::string& database) { return server + database; }

/// Statements the store has no API for (it has no reason to): run as the test's own client.
void sql(const std::string& database, const std::string& statement) {
  pqxx::connection conn(url(database));
  pqxx::nontransaction t(conn);
  t.exec(statement);
}

std::int64_t sql_number(const std::string& database, const std::string& query) {
  pqxx::connection conn(url(database));
  pqxx::nontransaction t(conn);
  return t.exec1(query)[0].as<std::int64_t>();
}

/// The SQLSTATE a statement fails with, or "" when it succeeds.
std::string sql_failure(const std::string& database, const std::string& statement) {
  try {
    sql(database, statement);
    return "";
  } catch (const pqxx::sql_error& e) {
    return e.sqlstate().empty() ? "?" : e.sqlstate();
  }
}

/// An id per (series, n): every test writes its own ids, so counts can be compared as differences.
std::string uuid(unsigned series, unsigned n) {
  char text[40];
  std::snprintf(text, sizeof text, "%08x-0000-4000-8000-%012x", series, n);
  return text;
}

DecisionRecord record(const std::string& id, std::int64_t at_ms, unsigned n = 0) {
  DecisionRecord r;
  r.decision_id = id;
  r.application_id = "APP-" + std::to_string(n);
  r.received_at_ms = at_ms;
  r.channel = n % 2 ? "web" : "shop";
  r.shop_id = "shop-0" + std::to_string(n % 7);
  r.outcome = n % 3 ? "ACCEPT" : "REFER";
  r.policy_name = "consumer-nl";
  r.policy_version = 7;
  r.policy_hash = "sha256:0f3a";
  r.elapsed_ms = static_cast<int>(40 + n % 100);
  r.customer_key = "ck-" + std::to_string(n);
  // Keys out of alphabetical order on purpose: PostgreSQL's jsonb reorders them, SQLite keeps the
  // text. (Built with ordered_json rather than raw string literals, which moc does not read.)
  using ordered = nlohmann::ordered_json;
  r.case_json = ordered{{"velocity", {{"iban_30d", 1}}},
                        {"application", {{"id", r.application_id}, {"amount", 12.5}}},
                        {"providers", {{"bkr", {{"status", "ok"}, {"codes", {"A"}}}}}}}
                    .dump();
  r.decision_json =
      ordered{{"outcome", r.outcome}, {"reasons", {{{"rule_id", "r1"}, {"values", {{"x", "é ü \"q\""}}}}}}}.dump();
  r.provider_calls = {{"bkr", "ok", 120, false, ""}, {"iban_check", "unavailable", 800, false, "timeout after 800 ms"},
                      {"address", "ok", 3, true, ""}};
  return r;
}

std::vector<DecisionRecord> records(unsigned series, unsigned count, std::int64_t at_ms) {
  std::vector<DecisionRecord> out;
  for (unsigned i = 0; i < count; ++i) out.push_back(record(uuid(series, i), at_ms + i, i));
  return out;
}

bool same_json(const std::string& a, const std::string& b) {
  return nlohmann::json::parse(a, nullptr, false) == nlohmann::json::parse(b, nullptr, false) &&
         !nlohmann::json::parse(a, nullptr, false).is_discarded();
}

void compare(const DecisionRecord& got, const DecisionRecord& want, bool byte_exact_json) {
  QCOMPARE(got.decision_id, want.decision_id);
  QCOMPARE(got.idempotency_key, want.idempotency_key);
  QCOMPARE(got.application_id, want.application_id);
  QCOMPARE(got.received_at_ms, want.received_at_ms);
  QCOMPARE(got.channel, want.channel);
  QCOMPARE(got.shop_id, want.shop_id);
  QCOMPARE(got.outcome, want.outcome);
  QCOMPARE(got.policy_name, want.policy_name);
  QCOMPARE(got.policy_hash, want.policy_hash);
  QCOMPARE(got.policy_version, want.policy_version);
  QCOMPARE(got.elapsed_ms, want.elapsed_ms);
  QCOMPARE(got.customer_key, want.customer_key);
  if (byte_exact_json) {
    QCOMPARE(got.case_json, want.case_json);
    QCOMPARE(got.decision_json, want.decision_json);
  } else {
    QVERIFY2(same_json(got.case_json, want.case_json), got.case_json.c_str());
    QVERIFY2(same_json(got.decision_json, want.decision_json), got.decision_json.c_str());
  }
  QCOMPARE(got.provider_calls.size(), want.provider_calls.size());
  for (std::size_t i = 0; i < want.provider_calls.size(); ++i) {
    QCOMPARE(got.provider_calls[i].provider, want.provider_calls[i].provider);
    QCOMPARE(got.provider_calls[i].status, want.provider_calls[i].status);
    QCOMPARE(got.provider_calls[i].latency_ms, want.provider_calls[i].latency_ms);
    QCOMPARE(got.provider_calls[i].cached, want.provider_calls[i].cached);
    QCOMPARE(got.provider_calls[i].error, want.provider_calls[i].error);
  }
}

std::uint64_t count(DecisionStore& store) {
  auto n = store.count_decisions();
  if (!n) qFatal("count_decisions failed: %s", n.error().message.c_str());
  return *n;
}

/// Polls until `done` (bounded; the bound is generous, the tests do not measure time).
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = 60s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

std::size_t lines_in(const fs::path& file) {
  std::ifstream in(file);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) ++n;
  return n;
}

/// A real store that fails on demand: "down" (transient, like a lost server), refusing one id for
/// good (like a value the schema rejects), or holding writes until released (a slow database).
class ControlledStore final : public DecisionStore {
 public:
  explicit ControlledStore(std::shared_ptr<DecisionStore> inner) : inner_(std::move(inner)) {}

  std::atomic<bool> down{false};
  std::atomic<int> failed_writes{0};
  std::string refused_id;  // set before the sink starts

  void hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    released_.notify_all();
  }
  bool holding_a_write() {
    std::lock_guard lock(mutex_);
    return waiting_ > 0;
  }

  verdict::expected<void, StoreError> write(std::span<const DecisionRecord> batch) override {
    {
      std::unique_lock lock(mutex_);
      ++waiting_;
      released_.wait(lock, [&] { return !held_; });
      --waiting_;
    }
    if (down) {
      ++failed_writes;
      return verdict::unexpected(StoreError{"test: store down", true});
    }
    for (const auto& r : batch)
      if (r.decision_id == refused_id) return verdict::unexpected(StoreError{"test: refused", false});
    return inner_->write(batch);
  }
  verdict::expected<std::optional<DecisionRecord>, StoreError> find(std::string_view id) override {
    return inner_->find(id);
  }
  verdict::expected<std::optional<std::string>, StoreError> find_by_idempotency_key(std::string_view key) override {
    return inner_->find_by_idempotency_key(key);
  }
  verdict::expected<std::uint64_t, StoreError> count_decisions() override { return inner_->count_decisions(); }

 private:
  std::shared_ptr<DecisionStore> inner_;
  std::mutex mutex_;
  std::condition_variable released_;
  bool held_ = false;
  int waiting_ = 0;
};

std::int64_t sqlite_number(const fs::path& file, const std::string& query) {
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  sqlite3_stmt* statement = nullptr;
  std::int64_t value = -1;
  if (sqlite3_prepare_v2(db, query.c_str(), -1, &statement, nullptr) == SQLITE_OK && sqlite3_step(statement) == SQLITE_ROW)
    value = sqlite3_column_int64(statement, 0);
  else
    qWarning("sqlite: %s: %s", query.c_str(), sqlite3_errmsg(db));
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

/// Runs `statement` on its own connection (foreign keys on, as the stores have them); SQLite's code.
int sqlite_exec(const fs::path& file, const std::string& statement) {
  sqlite3* db = nullptr;
  sqlite3_open(file.c_str(), &db);
  sqlite3_exec(db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &error);
  if (error) qInfo("sqlite: %s", error);
  sqlite3_free(error);
  sqlite3_close(db);
  return rc;
}

constexpr std::int64_t mar_1_noon = 1803902400000;  // 2027-03-01T12:00:00.000Z

/// A decision whose aggregate rows are known: product `product`, reasons with codes BKR_A twice (two
/// rules, one code) and FRAUD_1 once, and one provider call of every charted status.
DecisionRecord aggregated_record(const std::string& id, std::int64_t at_ms, const std::string& product) {
  DecisionRecord r = record(id, at_ms, 1);  // channel web, outcome ACCEPT
  using ordered = nlohmann::ordered_json;
  r.case_json = ordered{{"application", {{"id", r.application_id}, {"order", {{"product", product}}}}},
                        {"providers", ordered::object()}}
                    .dump();
  r.decision_json = ordered{{"outcome", r.outcome},
                            {"reasons",
                             {{{"rule_id", "r1"}, {"reason_code", "BKR_A"}},
                              {{"rule_id", "r2"}, {"reason_code", "BKR_A"}},
                              {{"rule_id", "r3"}, {"reason_code", "FRAUD_1"}}}}}
                        .dump();
  r.provider_calls = {{"bkr", "ok", 120, false, ""},            // ok, bucket 150
                      {"preventel", "no_hit", 150, false, ""},  // ok, bucket 150 (bounds are inclusive)
                      {"address", "ok", 0, true, ""},           // cached, bucket 5
                      {"iban_check", "unavailable", 800, false, "deadline"},      // timeout, bucket 1000
                      {"bureau", "unavailable", 0, false, "circuit open"},        // circuit_open, bucket 5
                      {"id_check", "unavailable", 40, false, "http 503"},         // error, bucket 50
                      {"operator", "unavailable", 6000, false, "timeout"}};       // timeout, +inf
  return r;
}

SinkOptions sink_options(const fs::path& dir) {
  SinkOptions o;
  o.spool_dir = dir;
  o.batch_size = 100;
  o.batch_delay = 5ms;
  o.retry_initial = 20ms;
  o.retry_max = 100ms;
  o.log = [](const std::string& line) { qInfo("sink: %s", line.c_str()); };
  return o;
}

}  // namespace

class StoreTest : public QObject {
  Q_OBJECT
  fs::path temp;

  std::shared_ptr<DecisionStore> postgres_store(const std::string& database = main_db) {
    auto migrated = migrate_postgres(url(database), postgres_sql);
    if (!migrated) qFatal("migrate_postgres: %s", migrated.error().message.c_str());
    auto store = open_postgres(url(database));
    if (!store) qFatal("open_postgres: %s", store.error().message.c_str());
    return std::move(*store);
  }

  std::shared_ptr<DecisionStore> sqlite_store(const std::string& name) {
    auto store = open_sqlite(temp / name);
    if (!store) qFatal("open_sqlite: %s", store.error().message.c_str());
    return std::move(*store);
  }

  std::unique_ptr<DecisionSink> start_sink(std::shared_ptr<DecisionStore> store, const SinkOptions& options) {
    auto sink = DecisionSink::start(std::move(store), options);
    if (!sink) qFatal("DecisionSink::start: %s", sink.error().c_str());
    return std::move(*sink);
  }

 private slots:
  void initTestCase() {
    try {
      sql("postgres", "DROP DATABASE IF EXISTS " + main_db + " WITH (FORCE)");
      sql("postgres", "DROP DATABASE IF EXISTS " + outage_db + " WITH (FORCE)");
      sql("postgres", "CREATE DATABASE " + main_db);
      sql("postgres", "CREATE DATABASE " + outage_db);
    } catch (const std::exception& e) {
      QFAIL(qPrintable(QString("PostgreSQL at 127.0.0.1:5432 is needed (installer/start-services.sh): ") + e.what()));
    }
    temp = fs::temp_directory_path() / ("verdict-store-test-" + pid);
    fs::remove_all(temp);
    fs::create_directories(temp);
  }

  void cleanupTestCase() {
    try {
      sql("postgres", "DROP DATABASE IF EXISTS " + main_db + " WITH (FORCE)");
      sql("postgres", "DROP DATABASE IF EXISTS " + outage_db + " WITH (FORCE)");
    } catch (const std::exception& e) {
      qWarning("dropping the scratch databases: %s", e.what());
    }
    std::error_code ec;
    fs::remove_all(temp, ec);
  }

  // ---- migrations ----------------------------------------------------------------------------

  void postgres_migrations_apply_once() {
    const auto files = read_migrations(postgres_sql);
    QVERIFY(files);
    QVERIFY(!files->empty());
    auto first = migrate_postgres(url(main_db), postgres_sql);
    QVERIFY2(first, first ? "" : first.error().message.c_str());
    QCOMPARE(*first, static_cast<int>(files->size()));
    auto second = migrate_postgres(url(main_db), postgres_sql);
    QVERIFY(second);
    QCOMPARE(*second, 0);
    // The compiled-in copy is the same SQL: same checksums, so nothing to apply.
    auto embedded = migrate_postgres(url(main_db));
    QVERIFY2(embedded, embedded ? "" : embedded.error().message.c_str());
    QCOMPARE(*embedded, 0);
    QCOMPARE(sql_number(main_db, "SELECT count(*) FROM schema_migrations"), static_cast<std::int64_t>(files->size()));

    for (const char* table : {"decision_ids", "decisions", "decisions_default", "idempotency_keys", "provider_calls",
                              "policy_versions", "audit_log", "schema_migrations"})
      QVERIFY2(sql_number(main_db, std::string("SELECT (to_regclass('public.") + table + "') IS NOT NULL)::int") == 1,
               table);
  }

  /// 0005 moves the provider calls of decisions stored before it into their rows: they read back the
  /// same, through find() and through the provider_calls view.
  void postgres_0005_keeps_earlier_provider_calls() {
    const std::string db = "verdict_test_" + pid + "_0005";
    sql("postgres", "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    sql("postgres", "CREATE DATABASE " + db);
    const fs::path before = temp / "before-0005";
    fs::create_directories(before);
    for (const auto& entry : fs::directory_iterator(postgres_sql))
      if (entry.path().filename().string() < "0005") fs::copy_file(entry.path(), before / entry.path().filename());
    auto early = migrate_postgres(url(db), before);
    QVERIFY2(early, early ? "" : early.error().message.c_str());
    const std::string id = uuid(0x500, 1);
    sql(db, "INSERT INTO decision_ids VALUES ('" + id + "', '2026-11-02 10:00:00+00')");
    sql(db, "INSERT INTO decisions (decision_id, received_at, application_id, channel, shop_id, outcome, policy_name, "
            "policy_version, policy_hash, elapsed_ms, customer_key, case_json, decision_json) VALUES ('" + id +
            "', '2026-11-02 10:00:00+00', 'APP-1', 'web', 'shop-1', 'REFER', 'consumer-nl', 3, 'sha256:ab', 900, "
            "'ck', '{\"application\": {\"order\": {\"product\": \"device\"}}}', '{\"outcome\": \"REFER\"}')");
    sql(db, "INSERT INTO provider_calls VALUES ('" + id + "', 2, 'iban_check', 'unavailable', 800, false, "
            "'timeout after 800 ms'), ('" + id + "', 1, 'bkr', 'ok', 120, true, NULL)");

    auto rest = migrate_postgres(url(db), postgres_sql);
    QVERIFY2(rest, rest ? "" : rest.error().message.c_str());
    QVERIFY(*rest >= 1);
    auto store = open_postgres(url(db));
    QVERIFY2(store, store ? "" : store.error().message.c_str());
    auto got = (*store)->find(id);
    QVERIFY(got && got->has_value());
    const auto& calls = (**got).provider_calls;
    QCOMPARE(calls.size(), std::size_t{2});
    QCOMPARE(calls[0].provider, std::string("bkr"));  // in seq order
    QVERIFY(calls[0].cached);
    QCOMPARE(calls[0].error, std::string());
    QCOMPARE(calls[1].provider, std::string("iban_check"));
    QCOMPARE(calls[1].latency_ms, 800);
    QCOMPARE(calls[1].error, std::string("timeout after 800 ms"));
    QVERIFY(same_json((**got).case_json, R"({"application": {"order": {"product": "device"}}})"));
    QCOMPARE(sql_number(db, "SELECT count(*) FROM provider_calls WHERE decision_id = '" + id +
                                "' AND seq = 2 AND status = 'unavailable' AND NOT cached AND error IS NOT NULL"),
             std::int64_t{1});
    QCOMPARE(sql_number(db, "SELECT count(*) FROM provider_calls WHERE decision_id = '" + id + "' AND error IS NULL"),
             std::int64_t{1});
    store->reset();
    sql("postgres", "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
  }

  void postgres_migration_changed_after_apply_is_refused() {
    const fs::path dir = temp / "changed-postgres";
    fs::create_directories(dir);
    fs::copy_file(postgres_sql / "0001_initial.sql", dir / "0001_initial.sql");
    std::ofstream(dir / "0001_initial.sql", std::ios::app) << "\n-- edited after the fact\n";
    auto result = migrate_postgres(url(main_db), dir);
    QVERIFY(!result);
    QVERIFY(!result.error().transient);
    QVERIFY2(result.error().message.find("0001_initial.sql was changed") != std::string::npos,
             result.error().message.c_str());

    std::ofstream(dir / "0001_again.sql") << "SELECT 1;\n";
    auto duplicate = read_migrations(dir);
    QVERIFY(!duplicate);
    QVERIFY2(duplicate.error().message.find("two migrations numbered 0001") != std::string::npos,
             duplicate.error().message.c_str());
  }

  void postgres_unreachable_or_unmigrated_is_an_error() {
    auto unreachable = open_postgres("postgresql://postgres@127.0.0.1:1/verdict");
    QVERIFY(!unreachable);
    QVERIFY(unreachable.error().transient);
    auto unmigrated = open_postgres(url("postgres"));
    QVERIFY(!unmigrated);
    QVERIFY(!unmigrated.error().transient);
    QVERIFY2(unmigrated.error().message.find("verdict migrate") != std::string::npos,
             unmigrated.error().message.c_str());
  }

  void postgres_audit_log_is_append_only() {
    postgres_store();
    sql(main_db, "INSERT INTO audit_log (actor, action, subject, details) VALUES ('ann', 'publish', 'consumer-nl@7', "
                 "'{\"comment\": \"tighten BKR\"}')");
    QVERIFY(!sql_failure(main_db, "UPDATE audit_log SET actor = 'mallory'").empty());
    QVERIFY(!sql_failure(main_db, "DELETE FROM audit_log").empty());
    QVERIFY(!sql_failure(main_db, "TRUNCATE audit_log").empty());
    QCOMPARE(sql_number(main_db, "SELECT count(*) FROM audit_log WHERE actor = 'ann'"), std::int64_t{1});
    QCOMPARE(sql_number(main_db, "SELECT count(*) FROM audit_log WHERE actor = 'mallory'"), std::int64_t{0});
  }

  void postgres_policy_versions_need_a_second_analyst() {
    postgres_store();
    const std::string insert =
        "INSERT INTO policy_versions (name, version, content_hash, document, author, approver, comment) VALUES ";
    QCOMPARE(sql_failure(main_db, insert + "('consumer-nl', 1, 'sha256:aa', '{}', 'ann', 'ann', 'first')"),
             std::string("23514"));  // check_violation
    QCOMPARE(sql_failure(main_db, insert + "('consumer-nl', 1, 'sha256:aa', '{}', 'Ann', ' ann ', 'first')"),
             std::string("23514"));
    QCOMPARE(sql_failure(main_db, insert + "('consumer-nl', 1, 'sha256:aa', '{}', 'ann', 'bob', 'first')"), std::string());
    QCOMPARE(sql_failure(main_db, insert + "('consumer-nl', 1, 'sha256:bb', '{}', 'ann', 'bob', 'again')"),
             std::string("23505"));  // unique (name, version)
    QVERIFY(!sql_failure(main_db, "UPDATE policy_versions SET comment = 'rewritten'").empty());
    QVERIFY(!sql_failure(main_db, "DELETE FROM policy_versions").empty());
  }

  // ---- PostgreSQL store ----------------------------------------------------------------------

  void postgres_round_trip_and_idempotency() {
    auto store = postgres_store();
    const auto before = count(*store);
    auto batch = records(0x100, 3, nov_15);
    batch[0].idempotency_key = "shop-01:order-17";
    batch[2].provider_calls.clear();
    QVERIFY(store->write(batch));
    QCOMPARE(count(*store), before + 3);

    for (const auto& want : batch) {
      auto got = store->find(want.decision_id);
      QVERIFY2(got, got ? "" : got.error().message.c_str());
      QVERIFY(got->has_value());
      compare(**got, want, /*byte_exact_json=*/true);  // json columns keep the text (0005)
      if (QTest::currentTestFailed()) return;
    }
    QCOMPARE(sql_number(main_db, "SELECT count(*) FROM provider_calls WHERE decision_id = '" + uuid(0x100, 0) + "'"),
             std::int64_t{3});
    QCOMPARE(sql_number(main_db, "SELECT count(*) FROM provider_calls WHERE provider = 'iban_check' AND error = "
                                 "'timeout after 800 ms' AND decision_id = '" + uuid(0x100, 1) + "'"),
             std::int64_t{1});
    // Upper-case ids are the same UUID; ids that are no UUID are simply not there.
    auto upper = store->find(QString::fromStdString(uuid(0x100, 1)).toUpper().toStdString());
    QVERIFY(upper && upper->has_value());
    auto junk = store->find("not-a-uuid");
    QVERIFY(junk && !junk->has_value());
    auto missing = store->find(uuid(0x100, 99));
    QVERIFY(missing && !missing->has_value());

    auto by_key = store->find_by_idempotency_key("shop-01:order-17");
    QVERIFY(by_key && by_key->has_value());
    QCOMPARE(**by_key, uuid(0x100, 0));
    auto no_key = store->find_by_idempotency_key("shop-01:order-18");
    QVERIFY(no_key && !no_key->has_value());
    auto empty_key = store->find_by_idempotency_key("");
    QVERIFY(empty_key && !empty_key->has_value());

    // Rewriting the batch (a retry, a replayed spool) stores nothing twice; so does a batch holding
    // one record twice.
    QVERIFY(store->write(batch));
    std::vector<DecisionRecord> doubled{batch[1], batch[1]};
    QVERIFY(store->write(doubled));
    QCOMPARE(count(*store), before + 3);
    QCOMPARE(sql_number(main_db, "SELECT count(*) FROM provider_calls WHERE decision_id = '" + uuid(0x100, 0) + "'"),
             std::int64_t{3});

    // A second decision with a key already taken is stored, and the key stays with the first.
    auto racer = record(uuid(0x100, 50), nov_15, 50);
    racer.idempotency_key = "shop-01:order-17";
    QVERIFY(store->write(std::span(&racer, 1)));
    QCOMPARE(count(*store), before + 4);
    QCOMPARE(**store->find_by_idempotency_key("shop-01:order-17"), uuid(0x100, 0));

    // A value the schema refuses fails the batch for good, and the whole batch is rolled back.
    auto bad = records(0x101, 2, nov_15);
    bad[1].outcome = "MAYBE";
    auto refused = store->write(bad);
    QVERIFY(!refused);
    QVERIFY(!refused.error().transient);
    QCOMPARE(count(*store), before + 4);
    QVERIFY(!store->find(uuid(0x101, 0))->has_value());
  }

  void postgres_months_land_in_their_partitions() {
    auto store = postgres_store();
    std::vector<DecisionRecord> batch{record(uuid(0x200, 0), nov_30_last, 0), record(uuid(0x200, 1), dec_1_first, 1),
                                      record(uuid(0x200, 2), jan_10, 2)};
    QVERIFY(store->write(batch));
    pqxx::connection conn(url(main_db));
    pqxx::nontransaction t(conn);
    auto partition_of = [&](unsigned n) {
      return t.exec_params1("SELECT tableoid::regclass::text FROM decisions WHERE decision_id = $1", uuid(0x200, n))[0]
          .as<std::string>();
    };
    QCOMPARE(partition_of(0), std::string("decisions_2026_11"));
    QCOMPARE(partition_of(1), std::string("decisions_2026_12"));
    QCOMPARE(partition_of(2), std::string("decisions_2027_01"));
    QCOMPARE(t.exec1("SELECT count(*) FROM decisions_default")[0].as<int>(), 0);
    // The last millisecond of November is still November.
    QCOMPARE(store->find(uuid(0x200, 0))->value().received_at_ms, nov_30_last);
  }

  // ---- SQLite store --------------------------------------------------------------------------

  void sqlite_migrations_apply_once() {
    const fs::path file = temp / "migrated.db";
    const auto files = read_migrations(sqlite_sql);
    QVERIFY(files);
    auto first = migrate_sqlite(file, sqlite_sql);
    QVERIFY2(first, first ? "" : first.error().message.c_str());
    QCOMPARE(*first, static_cast<int>(files->size()));
    auto second = migrate_sqlite(file, sqlite_sql);
    QVERIFY(second);
    QCOMPARE(*second, 0);
    QCOMPARE(*migrate_sqlite(file), 0);  // the compiled-in copy matches the files
    QVERIFY(open_sqlite(file));           // and opening migrates nothing either

    const fs::path dir = temp / "changed-sqlite";
    fs::create_directories(dir);
    fs::copy_file(sqlite_sql / "0001_initial.sql", dir / "0001_initial.sql");
    std::ofstream(dir / "0001_initial.sql", std::ios::app) << "\n-- edited after the fact\n";
    auto changed = migrate_sqlite(file, dir);
    QVERIFY(!changed);
    QVERIFY(changed.error().message.find("was changed") != std::string::npos);
  }

  /// 0005 rebuilds `decisions` (to drop its json_valid CHECKs): with foreign keys off around it, so the
  /// provider calls, idempotency keys and review items that reference it stay, and on again after.
  void sqlite_0005_rebuild_keeps_every_row() {
    const fs::path dir = temp / "sqlite-0004";
    fs::create_directories(dir);
    for (const char* name : {"0001_initial.sql", "0002_aggregates.sql", "0003_review_queue.sql", "0004_approvals.sql"})
      fs::copy_file(sqlite_sql / name, dir / name);
    const fs::path file = temp / "before-0005.db";
    QCOMPARE(*migrate_sqlite(file, dir), 4);

    sqlite3* raw = nullptr;
    QCOMPARE(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
    auto run = [&](const std::string& statement) {
      char* error = nullptr;
      const int rc = sqlite3_exec(db.get(), statement.c_str(), nullptr, nullptr, &error);
      if (error) qInfo("sqlite: %s", error);
      sqlite3_free(error);
      return rc;
    };
    auto number = [&](const std::string& query) {
      sqlite3_stmt* statement = nullptr;
      if (sqlite3_prepare_v2(db.get(), query.c_str(), -1, &statement, nullptr) != SQLITE_OK) return std::int64_t{-1};
      const std::int64_t n = sqlite3_step(statement) == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : -1;
      sqlite3_finalize(statement);
      return n;
    };
    QCOMPARE(run("PRAGMA foreign_keys = ON"), SQLITE_OK);
    for (int i = 0; i < 3; ++i) {
      const std::string id = "'" + uuid(0x500, static_cast<unsigned>(i)) + "'";
      QCOMPARE(run("INSERT INTO decisions VALUES (" + id + ", 1, 'key-" + std::to_string(i) +
                   "', 'APP', 'web', 'shop-1', 'REFER', 'p', 1, 'sha256:00', 3, 'ck', '{\"a\":1}', '{\"b\":[2]}')"),
               SQLITE_OK);
      QCOMPARE(run("INSERT INTO provider_calls VALUES (" + id + ", 1, 'bkr', 'ok', 10, 0, NULL), (" + id +
                   ", 2, 'address', 'ok', 0, 1, NULL)"),
               SQLITE_OK);
      QCOMPARE(run("INSERT INTO idempotency_keys VALUES ('key-" + std::to_string(i) + "', " + id + ")"), SQLITE_OK);
      QCOMPARE(run("INSERT INTO review_items (decision_id, kind, created_at_ms, automated_outcome, channel, shop_id) "
                   "VALUES (" + id + ", 'referral', 1, 'REFER', 'web', 'shop-1')"),
               SQLITE_OK);
    }
    QCOMPARE(run("INSERT INTO decisions VALUES ('x', 1, NULL, 'APP', 'web', 's', 'ACCEPT', 'p', 1, 'h', 3, 'ck', "
                 "'{not json', '{}')"),
             SQLITE_CONSTRAINT);  // 0001's CHECK, still there

    // The migration on this connection, foreign keys on as every store opens them.
    fs::copy_file(sqlite_sql / "0005_decisions_json_unchecked.sql", dir / "0005_decisions_json_unchecked.sql");
    auto applied = apply_sqlite_migrations(db.get(), *read_migrations(dir));
    QVERIFY2(applied, applied ? "" : applied.error().message.c_str());
    QCOMPARE(*applied, 1);
    QCOMPARE(number("PRAGMA foreign_keys"), std::int64_t{1});  // back on
    QCOMPARE(number("SELECT count(*) FROM decisions"), std::int64_t{3});
    QCOMPARE(number("SELECT count(*) FROM provider_calls"), std::int64_t{6});
    QCOMPARE(number("SELECT count(*) FROM idempotency_keys"), std::int64_t{3});
    QCOMPARE(number("SELECT count(*) FROM review_items"), std::int64_t{3});
    QCOMPARE(number("SELECT count(*) FROM pragma_index_list('decisions')"), std::int64_t{5});  // 4 + the key's
    QCOMPARE(number("SELECT count(*) FROM sqlite_schema WHERE sql LIKE '%json_valid(case_json)%'"), std::int64_t{0});
    // The references hold against the new table, both ways.
    QCOMPARE(run("INSERT INTO provider_calls VALUES ('no-such-decision', 1, 'bkr', 'ok', 1, 0, NULL)"), SQLITE_CONSTRAINT);
    QCOMPARE(run("DELETE FROM decisions WHERE decision_id = '" + uuid(0x500, 0) + "'"), SQLITE_CONSTRAINT);  // its key
    QCOMPARE(run("DELETE FROM idempotency_keys WHERE decision_id = '" + uuid(0x500, 0) + "'"), SQLITE_OK);
    QCOMPARE(run("DELETE FROM decisions WHERE decision_id = '" + uuid(0x500, 0) + "'"), SQLITE_OK);
    QCOMPARE(number("SELECT count(*) FROM provider_calls"), std::int64_t{4});  // ON DELETE CASCADE
    QCOMPARE(number("SELECT count(*) FROM review_items"), std::int64_t{2});
    db.reset();

    // A migration marked so whose rows break a reference is refused, and rolls back whole.
    const fs::path broken = temp / "sqlite-broken";
    fs::create_directories(broken);
    for (const auto& entry : fs::directory_iterator(sqlite_sql))
      if (entry.path().extension() == ".sql") fs::copy_file(entry.path(), broken / entry.path().filename());
    std::ofstream(broken / "0099_breaks_a_reference.sql")
        << "-- verdict: foreign_keys off\nINSERT INTO idempotency_keys VALUES ('gone-key', 'gone');\n";
    auto refused = migrate_sqlite(file, broken);
    QVERIFY(!refused);
    QVERIFY2(refused.error().message.find("idempotency_keys") != std::string::npos, refused.error().message.c_str());
    QCOMPARE(sqlite_number(file, "SELECT count(*) FROM idempotency_keys WHERE decision_id = 'gone'"), std::int64_t{0});
    QCOMPARE(sqlite_number(file, "SELECT count(*) FROM schema_migrations WHERE version = 99"), std::int64_t{0});
  }

  /// 0006 moves each decision's provider calls into its row: every call kept, in order, readable
  /// through the store and through the `provider_calls` view with the old columns.
  void sqlite_0006_keeps_every_provider_call() {
    const fs::path dir = temp / "sqlite-0005";
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(sqlite_sql))
      if (entry.path().filename().string() < "0006") fs::copy_file(entry.path(), dir / entry.path().filename());
    const fs::path file = temp / "before-0006.db";
    QCOMPARE(*migrate_sqlite(file, dir), 5);
    const std::string with_calls = uuid(0x600, 1), without_calls = uuid(0x600, 2);
    for (const auto& id : {with_calls, without_calls})
      QCOMPARE(sqlite_exec(file, "INSERT INTO decisions VALUES ('" + id + "', 1, NULL, 'APP', 'web', 'shop-1', "
                                 "'ACCEPT', 'p', 1, 'sha256:00', 3, 'ck', '{\"a\":1}', '{\"b\":[2]}')"),
               SQLITE_OK);
    // Inserted out of order, with an error text and a cached answer: they come back by seq.
    QCOMPARE(sqlite_exec(file, "INSERT INTO provider_calls VALUES ('" + with_calls + "', 2, 'iban_check', 'unavailable', "
                               "800, 0, 'timeout \"after\" 800 ms'), ('" + with_calls + "', 1, 'bkr', 'ok', 120, 1, NULL)"),
             SQLITE_OK);

    auto applied = migrate_sqlite(file, sqlite_sql);
    QVERIFY2(applied, applied ? "" : applied.error().message.c_str());
    QCOMPARE(sqlite_number(file, "SELECT count(*) FROM provider_calls"), std::int64_t{2});
    QCOMPARE(sqlite_number(file, "SELECT count(*) FROM provider_calls WHERE seq = 1 AND provider = 'bkr' AND cached = 1 "
                                 "AND latency_ms = 120 AND error IS NULL"),
             std::int64_t{1});
    QCOMPARE(sqlite_number(file, "SELECT count(*) FROM provider_calls WHERE seq = 2 AND status = 'unavailable' AND "
                                 "cached = 0 AND error = 'timeout \"after\" 800 ms'"),
             std::int64_t{1});
    QCOMPARE(sqlite_number(file, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'provider_calls'"),
             std::int64_t{0});

    auto store = open_sqlite(file);
    QVERIFY2(store, store ? "" : store.error().message.c_str());
    auto got = (*store)->find(with_calls);
    QVERIFY2(got && got->has_value(), got ? "not found" : got.error().message.c_str());
    const auto& calls = (**got).provider_calls;
    QCOMPARE(calls.size(), std::size_t{2});
    QCOMPARE(calls[0].provider, std::string("bkr"));
    QVERIFY(calls[0].cached);
    QCOMPARE(calls[0].error, std::string());
    QCOMPARE(calls[1].provider, std::string("iban_check"));
    QCOMPARE(calls[1].latency_ms, 800);
    QCOMPARE(calls[1].error, std::string("timeout \"after\" 800 ms"));
    got = (*store)->find(without_calls);
    QVERIFY(got && got->has_value());
    QVERIFY((**got).provider_calls.empty());
  }

  void sqlite_schema_guarantees() {
    sqlite_store("guarantees.db");  // a new file: the store creates the schema itself
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open((temp / "guarantees.db").c_str(), &db), SQLITE_OK);
    auto run = [&](const std::string& statement) { return sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr); };
    for (const char* table : {"decisions", "idempotency_keys", "provider_calls", "policy_versions", "audit_log",
                              "schema_migrations"})
      QVERIFY2(run(std::string("SELECT 1 FROM ") + table + " LIMIT 1") == SQLITE_OK, table);

    QCOMPARE(run("INSERT INTO audit_log (actor, action, subject) VALUES ('ann', 'publish', 'consumer-nl@7')"), SQLITE_OK);
    QCOMPARE(run("UPDATE audit_log SET actor = 'mallory'"), SQLITE_CONSTRAINT);
    QCOMPARE(run("DELETE FROM audit_log"), SQLITE_CONSTRAINT);

    const std::string insert =
        "INSERT INTO policy_versions (name, version, content_hash, document, author, approver, comment) VALUES ";
    QCOMPARE(run(insert + "('consumer-nl', 1, 'sha256:aa', '{}', 'ann', 'ANN', 'first')"), SQLITE_CONSTRAINT);
    QCOMPARE(run(insert + "('consumer-nl', 1, 'sha256:aa', '{}', 'ann', 'bob', 'first')"), SQLITE_OK);
    QCOMPARE(run(insert + "('consumer-nl', 1, 'sha256:bb', '{}', 'ann', 'bob', 'again')"), SQLITE_CONSTRAINT);
    QCOMPARE(run("UPDATE policy_versions SET comment = 'rewritten'"), SQLITE_CONSTRAINT);
    sqlite3_close(db);
  }

  void sqlite_round_trip_and_idempotency() {
    auto store = sqlite_store("round-trip.db");
    auto batch = records(0x300, 3, nov_15);
    batch[0].idempotency_key = "web:basket-9";
    batch[2].provider_calls.clear();
    // More calls than one INSERT takes (8): they come back all, in order.
    for (int i = 0; i < 7; ++i)
      batch[1].provider_calls.push_back({"extra-" + std::to_string(i), "ok", i, i % 2 == 0, i == 3 ? "http 503" : ""});
    QVERIFY(store->write(batch));
    QCOMPARE(count(*store), std::uint64_t{3});
    for (const auto& want : batch) {
      auto got = store->find(want.decision_id);
      QVERIFY2(got, got ? "" : got.error().message.c_str());
      QVERIFY(got->has_value());
      compare(**got, want, /*byte_exact_json=*/true);
      if (QTest::currentTestFailed()) return;
    }
    QVERIFY(!store->find(uuid(0x300, 99))->has_value());
    QCOMPARE(**store->find_by_idempotency_key("web:basket-9"), uuid(0x300, 0));
    QVERIFY(!store->find_by_idempotency_key("web:basket-10")->has_value());

    QVERIFY(store->write(batch));
    std::vector<DecisionRecord> doubled{batch[1], batch[1]};
    QVERIFY(store->write(doubled));
    QCOMPARE(count(*store), std::uint64_t{3});
    QCOMPARE(store->find(uuid(0x300, 0))->value().provider_calls.size(), std::size_t{3});

    auto racer = record(uuid(0x300, 50), nov_15, 50);
    racer.idempotency_key = "web:basket-9";
    QVERIFY(store->write(std::span(&racer, 1)));
    QCOMPARE(count(*store), std::uint64_t{4});
    QCOMPARE(**store->find_by_idempotency_key("web:basket-9"), uuid(0x300, 0));

    auto bad = records(0x301, 2, nov_15);
    bad[1].case_json = "{not json";
    auto refused = store->write(bad);
    QVERIFY(!refused);
    QVERIFY(!refused.error().transient);
    QCOMPARE(count(*store), std::uint64_t{4});

    // Reopening finds everything (and migrates nothing).
    store.reset();
    auto reopened = sqlite_store("round-trip.db");
    QCOMPARE(count(*reopened), std::uint64_t{4});
  }

  // ---- aggregates ----------------------------------------------------------------------------

  void aggregates_count_new_decisions_once_data() {
    QTest::addColumn<QString>("backend");
    QTest::newRow("postgres") << "postgres";
    QTest::newRow("sqlite") << "sqlite";
    // The record says what it is counted under (as the daemon's do): the same rows as from the JSON.
    QTest::newRow("sqlite-counted") << "sqlite-counted";
  }

  /// Three decisions in one minute and one in the next; rewritten, replayed one by one and doubled
  /// within a batch, they still count once each, in the same transaction as the decision rows.
  void aggregates_count_new_decisions_once() {
    QFETCH(QString, backend);
    const bool pg = backend == "postgres";
    const bool counted = backend == "sqlite-counted";
    const fs::path file = temp / (counted ? "aggregates-counted.db" : "aggregates.db");
    auto store = pg ? postgres_store() : sqlite_store(file.filename().string());
    const std::int64_t noon = mar_1_noon;
    std::vector<DecisionRecord> batch{aggregated_record(uuid(0xa00, 0), noon + 1'000, "device"),
                                      aggregated_record(uuid(0xa00, 1), noon + 59'999, "device"),
                                      aggregated_record(uuid(0xa00, 2), noon + 30'000, "sim_only"),
                                      aggregated_record(uuid(0xa00, 3), noon + 60'000, "device")};
    if (counted) {
      // What the JSON says, in the form the daemon gives it; the JSON itself no longer says it, so
      // the rows below can only come from `counted`.
      for (std::size_t i = 0; i < batch.size(); ++i) {
        batch[i].counted = DecisionRecord::Counted{i == 2 ? "sim_only" : "device", {"BKR_A", "FRAUD_1"}};
        batch[i].case_json = R"({"application":{}})";
        batch[i].decision_json = R"({"reasons":[]})";
      }
    }
    QVERIFY(store->write(batch));
    QVERIFY(store->write(batch));
    for (const auto& r : batch) QVERIFY(store->write(std::span(&r, 1)));
    std::vector<DecisionRecord> doubled{batch[0], batch[0]};
    QVERIFY(store->write(doubled));

    // A batch the schema refuses counts nothing either: the aggregates roll back with it.
    auto bad = std::vector<DecisionRecord>{aggregated_record(uuid(0xa01, 0), noon, "device"),
                                           aggregated_record(uuid(0xa01, 1), noon, "device")};
    bad[1].outcome = "MAYBE";
    QVERIFY(!store->write(bad));

    const std::string minute = pg ? "minute = timestamptz '2027-03-01 12:00:00+00'" : "minute_ms = 1803902400000";
    const std::string next = pg ? "minute = timestamptz '2027-03-01 12:01:00+00'" : "minute_ms = 1803902460000";
    auto number = [&](const std::string& query) {
      return static_cast<int>(pg ? sql_number(main_db, query) : sqlite_number(file, query));
    };
    auto decisions = [&](const std::string& where) {
      return number("SELECT coalesce(sum(decisions), 0) FROM agg_decisions_minute WHERE " + where);
    };
    QCOMPARE(decisions(minute + " AND outcome = 'ACCEPT' AND channel = 'web' AND product = 'device'"), 2);
    QCOMPARE(decisions(minute + " AND outcome = 'ACCEPT' AND channel = 'web' AND product = 'sim_only'"), 1);
    QCOMPARE(decisions(next + " AND product = 'device'"), 1);
    QCOMPARE(decisions(minute + " OR " + next), 4);

    auto hits = [&](const std::string& where) {
      return number("SELECT coalesce(sum(hits), 0) FROM agg_reasons_minute WHERE " + where);
    };
    QCOMPARE(hits(minute + " AND reason_code = 'BKR_A' AND product = 'device'"), 2);  // one per decision
    QCOMPARE(hits(minute + " AND reason_code = 'FRAUD_1'"), 3);
    QCOMPARE(hits(next), 2);

    auto calls = [&](const std::string& where) {
      return number("SELECT coalesce(sum(calls), 0) FROM agg_provider_calls_minute WHERE " + minute + " AND " + where);
    };
    QCOMPARE(calls("provider = 'bkr' AND status = 'ok' AND le_ms = 150"), 3);
    QCOMPARE(calls("provider = 'preventel' AND status = 'ok' AND le_ms = 150"), 3);
    QCOMPARE(calls("provider = 'address' AND status = 'cached' AND le_ms = 5"), 3);
    QCOMPARE(calls("provider = 'iban_check' AND status = 'timeout' AND le_ms = 1000"), 3);
    QCOMPARE(calls("provider = 'bureau' AND status = 'circuit_open' AND le_ms = 5"), 3);
    QCOMPARE(calls("provider = 'id_check' AND status = 'error' AND le_ms = 50"), 3);
    QCOMPARE(calls("provider = 'operator' AND status = 'timeout' AND le_ms = 2147483647"), 3);
    QCOMPARE(calls("true"), 21);
    QCOMPARE(number("SELECT sum(latency_ms_total) FROM agg_provider_calls_minute WHERE " + minute +
                    " AND provider = 'operator'"),
             18000);

    // The percentile query of sql/README.md: bkr's p50 and preventel's p99 are in the 150 ms
    // bucket, over both providers' ok calls; the 99th percentile of every call is in +inf.
    const std::string bounds = pg ? "minute >= timestamptz '2027-03-01 12:00:00+00'" : "minute_ms >= 1803902400000";
    auto percentile = [&](const std::string& where, const std::string& p) {
      return number("WITH h AS (SELECT le_ms, sum(calls) AS calls FROM agg_provider_calls_minute WHERE " + where +
                    " GROUP BY le_ms), c AS (SELECT le_ms, sum(calls) OVER (ORDER BY le_ms) AS cumulative, "
                    "sum(calls) OVER () AS total FROM h) SELECT min(le_ms) FROM c WHERE cumulative >= " + p +
                    " * total");
    };
    QCOMPARE(percentile(bounds + " AND status = 'ok'", "0.50"), 150);
    QCOMPARE(percentile(bounds, "0.50"), 150);
    QCOMPARE(percentile(bounds, "0.99"), 2147483647);
  }

  // ---- published policy versions -------------------------------------------------------------

  void policy_versions_data() {
    QTest::addColumn<QString>("backend");
    QTest::newRow("postgres") << "postgres";
    QTest::newRow("sqlite") << "sqlite";
  }

  /// Record, history, fetch, latest; four-eyes, immutability of a published version, versions only
  /// going up, and a retried publish answered as already stored; one audit_log row per version.
  void policy_versions() {
    QFETCH(QString, backend);
    const bool pg = backend == "postgres";
    if (pg) postgres_store();  // migrates the scratch database
    auto opened = pg ? open_postgres_policy_versions(url(main_db)) : open_sqlite_policy_versions(temp / "versions.db");
    QVERIFY2(opened, opened ? "" : opened.error().message.c_str());
    auto& versions = **opened;
    auto version = [](int n, const std::string& hash) {
      using ordered = nlohmann::ordered_json;
      return PolicyVersion{"pv-test", n, hash, ordered{{"version", n}, {"name", "pv-test"}}.dump(),
                           "ann", "bob", "version " + std::to_string(n), 1796083200000 + n};
    };
    auto v1 = versions.record(version(1, "sha256:01"));
    QVERIFY2(v1, v1 ? "" : v1.error().message.c_str());
    QCOMPARE(*v1, Recorded::New);
    QCOMPARE(*versions.record(version(1, "sha256:01")), Recorded::AlreadyStored);

    auto other_hash = versions.record(version(1, "sha256:99"));
    QVERIFY(!other_hash);
    QVERIFY(!other_hash.error().transient);
    QVERIFY2(other_hash.error().message.find("already published") != std::string::npos, other_hash.error().message.c_str());
    auto self_approved = version(2, "sha256:02");
    self_approved.approver = " ANN";
    auto four_eyes = versions.record(self_approved);
    QVERIFY(!four_eyes);
    QVERIFY2(four_eyes.error().message.find("four-eyes") != std::string::npos, four_eyes.error().message.c_str());
    auto no_comment = version(2, "sha256:02");
    no_comment.comment = " ";
    QVERIFY(!versions.record(no_comment));

    QCOMPARE(*versions.record(version(3, "sha256:03")), Recorded::New);
    auto older = versions.record(version(2, "sha256:02"));
    QVERIFY(!older);
    QVERIFY2(older.error().message.find("not newer") != std::string::npos, older.error().message.c_str());

    auto history = versions.history("pv-test");
    QVERIFY(history);
    QCOMPARE(history->size(), std::size_t{2});
    QCOMPARE((*history)[0].version, 3);
    QCOMPARE((*history)[1].version, 1);
    QVERIFY((*history)[0].document.empty());
    QCOMPARE((*history)[1].approver, std::string("bob"));
    QCOMPARE((*history)[1].published_at_ms, std::int64_t{1796083200001});

    auto fetched = versions.fetch("pv-test", 1);
    QVERIFY(fetched && fetched->has_value());
    QVERIFY(same_json((*fetched)->document, version(1, "").document));
    QCOMPARE((*fetched)->content_hash, std::string("sha256:01"));
    QVERIFY(!versions.fetch("pv-test", 2)->has_value());
    QVERIFY(!versions.fetch("no-such-policy", 1)->has_value());
    auto latest = versions.latest("pv-test");
    QVERIFY(latest && latest->has_value());
    QCOMPARE((*latest)->version, 3);
    QVERIFY(versions.history("no-such-policy")->empty());

    const std::string audit = "SELECT count(*) FROM audit_log WHERE action = 'publish' AND subject LIKE 'pv-test@%'";
    QCOMPARE(pg ? sql_number(main_db, audit) : sqlite_number(temp / "versions.db", audit), std::int64_t{2});
  }

  // ---- DecisionSink --------------------------------------------------------------------------

  void sink_writes_every_record_data() {
    QTest::addColumn<QString>("backend");
    QTest::newRow("postgres") << "postgres";
    QTest::newRow("sqlite") << "sqlite";
  }
  void sink_writes_every_record() {
    QFETCH(QString, backend);
    auto store = backend == "postgres" ? postgres_store() : sqlite_store("sink.db");
    const auto before = count(*store);
    auto sink = start_sink(store, sink_options(temp / ("spool-all-" + backend.toStdString())));
    for (const auto& r : records(backend == "postgres" ? 0x400 : 0x401, 2000, dec_1_first)) sink->submit(r);
    QVERIFY(sink->stop(std::chrono::steady_clock::now() + 60s));
    const auto c = sink->counters();
    QCOMPARE(c.submitted, std::uint64_t{2000});
    QCOMPARE(c.written, std::uint64_t{2000});
    QCOMPARE(c.spooled, std::uint64_t{0});
    QCOMPARE(c.queue_depth, std::size_t{0});
    QCOMPARE(count(*store), before + 2000);
  }

  void sink_spools_while_the_store_is_down_and_replays() {
    auto real = postgres_store();
    auto store = std::make_shared<ControlledStore>(real);
    const auto before = count(*real);
    const fs::path dir = temp / "spool-down";
    auto sink = start_sink(store, sink_options(dir));

    auto batch = records(0x500, 600, nov_15);
    for (unsigned i = 0; i < 200; ++i) sink->submit(batch[i]);
    QVERIFY(eventually([&] { return sink->counters().written == 200; }));

    store->down = true;
    for (unsigned i = 200; i < 500; ++i) sink->submit(batch[i]);
    QVERIFY(eventually([&] { return sink->counters().spooled == 300; }));
    QVERIFY(!sink->counters().store_up);
    QVERIFY(sink->counters().spool_pending);
    QCOMPARE(lines_in(dir / "decisions.spool.jsonl"), std::size_t{300});
    QCOMPARE(count(*real), before + 200);
    // It keeps retrying while down.
    const int failures = store->failed_writes;
    QVERIFY(eventually([&] { return store->failed_writes > failures + 2; }));

    store->down = false;
    for (unsigned i = 500; i < 600; ++i) sink->submit(batch[i]);
    QVERIFY(eventually([&] { return count(*real) == before + 600 && !sink->counters().spool_pending; }));
    QVERIFY(sink->stop(std::chrono::steady_clock::now() + 30s));
    const auto c = sink->counters();
    QVERIFY(c.store_up);
    QCOMPARE(c.submitted, std::uint64_t{600});
    QVERIFY(c.replayed >= 300);
    QCOMPARE(count(*real), before + 600);
    QCOMPARE(sql_number(main_db, "SELECT count(*) - count(DISTINCT decision_id) FROM decisions"), std::int64_t{0});
    QCOMPARE(fs::file_size(dir / "decisions.spool.jsonl"), std::uintmax_t{0});
  }

  void sink_stopping_while_down_leaves_a_spool_the_next_sink_replays() {
    auto real = postgres_store();
    auto store = std::make_shared<ControlledStore>(real);
    const auto before = count(*real);
    const fs::path dir = temp / "spool-restart";
    {
      store->down = true;
      auto sink = start_sink(store, sink_options(dir));
      for (const auto& r : records(0x600, 250, jan_10)) sink->submit(r);
      QVERIFY(sink->stop(std::chrono::steady_clock::now() + 30s));  // true: all of it is in the spool
      QCOMPARE(sink->counters().spooled, std::uint64_t{250});
    }
    QCOMPARE(lines_in(dir / "decisions.spool.jsonl"), std::size_t{250});
    QCOMPARE(count(*real), before);

    store->down = false;
    auto sink = start_sink(store, sink_options(dir));
    QVERIFY(eventually([&] { return !sink->counters().spool_pending; }));
    QCOMPARE(sink->counters().replayed, std::uint64_t{250});
    QCOMPARE(count(*real), before + 250);
  }

  void sink_replays_the_spool_of_a_crashed_sink() {
    // What a sink that died mid-replay leaves: a spool whose first half is already in the store, and
    // a last line cut off by the crash (an append that never completed, so never acknowledged).
    auto real = postgres_store();
    const auto before = count(*real);
    const fs::path dir = temp / "spool-crashed";
    fs::create_directories(dir);
    auto batch = records(0x700, 300, nov_30_last);
    {
      auto writer = std::make_shared<ControlledStore>(real);
      writer->down = true;
      const fs::path scratch = temp / "spool-crashed-writer";
      auto sink = start_sink(writer, sink_options(scratch));
      for (const auto& r : batch) sink->submit(r);
      QVERIFY(sink->stop(std::chrono::steady_clock::now() + 30s));
      fs::copy_file(scratch / "decisions.spool.jsonl", dir / "decisions.spool.jsonl");
    }
    std::ofstream(dir / "decisions.spool.jsonl", std::ios::app) << "{\"v\":1,\"decision_id\":\"00000700-0000-4000-80";
    QVERIFY(real->write(std::span(batch).first(150)));
    QCOMPARE(count(*real), before + 150);

    auto sink = start_sink(real, sink_options(dir));
    QVERIFY(eventually([&] { return !sink->counters().spool_pending; }));
    QVERIFY(sink->stop(std::chrono::steady_clock::now() + 30s));
    QCOMPARE(sink->counters().replayed, std::uint64_t{300});
    QCOMPARE(sink->counters().rejected, std::uint64_t{0});  // the torn line was dropped, not "rejected"
    QCOMPARE(count(*real), before + 300);
    QCOMPARE(sql_number(main_db, "SELECT count(*) - count(DISTINCT decision_id) FROM decisions"), std::int64_t{0});

    // One sink per spool directory.
    sink.reset();
    auto first = start_sink(real, sink_options(dir));
    auto second = DecisionSink::start(real, sink_options(dir));
    QVERIFY(!second);
  }

  void sink_spools_in_submit_when_the_queue_is_full() {
    auto real = sqlite_store("queue-full.db");
    auto store = std::make_shared<ControlledStore>(real);
    auto options = sink_options(temp / "spool-full");
    options.queue_capacity = 10;
    options.batch_size = 5;
    store->hold();  // the database is slow: the first write does not return
    auto sink = start_sink(store, options);
    auto batch = records(0x800, 100, nov_15);
    sink->submit(batch[0]);
    QVERIFY(eventually([&] { return store->holding_a_write(); }));
    for (unsigned i = 1; i < 100; ++i) sink->submit(batch[i]);  // returns although nothing is written
    const auto c = sink->counters();
    QCOMPARE(c.submitted, std::uint64_t{100});
    QCOMPARE(c.queue_depth, std::size_t{10});
    QCOMPARE(c.spooled, std::uint64_t{89});  // 1 being written, 10 queued, the rest spooled by submit()
    store->release();
    QVERIFY(eventually([&] { return count(*real) == 100 && !sink->counters().spool_pending; }));
    QVERIFY(sink->stop(std::chrono::steady_clock::now() + 30s));
    QCOMPARE(sink->counters().written, std::uint64_t{100});
  }

  void sink_keeps_records_the_store_refuses_aside() {
    auto real = sqlite_store("refused.db");
    auto store = std::make_shared<ControlledStore>(real);
    auto batch = records(0x900, 50, nov_15);
    store->refused_id = batch[17].decision_id;
    const fs::path dir = temp / "spool-refused";
    std::vector<std::string> log;
    std::mutex log_mutex;
    auto options = sink_options(dir);
    options.log = [&](const std::string& line) {
      std::lock_guard lock(log_mutex);
      log.push_back(line);
    };
    auto sink = start_sink(store, options);
    for (const auto& r : batch) sink->submit(r);
    QVERIFY(sink->stop(std::chrono::steady_clock::now() + 30s));
    QCOMPARE(count(*real), std::uint64_t{49});
    QCOMPARE(sink->counters().rejected, std::uint64_t{1});
    QCOMPARE(lines_in(dir / "decisions.rejected.jsonl"), std::size_t{1});
    std::ifstream in(dir / "decisions.rejected.jsonl");
    std::string line;
    std::getline(in, line);
    QCOMPARE(nlohmann::json::parse(line)["decision_id"].get<std::string>(), batch[17].decision_id);
    // The log names the decision, never what was in it.
    std::lock_guard lock(log_mutex);
    bool named = false;
    for (const auto& l : log) {
      named = named || l.find(batch[17].decision_id) != std::string::npos;
      QVERIFY2(l.find("ck-17") == std::string::npos && l.find("APP-17") == std::string::npos, l.c_str());
    }
    QVERIFY(named);
  }

  void sink_survives_a_real_postgres_outage() {
    auto store = postgres_store(outage_db);
    const fs::path dir = temp / "spool-outage";
    auto sink = start_sink(store, sink_options(dir));
    auto batch = records(0xA00, 900, dec_1_first);
    for (unsigned i = 0; i < 300; ++i) sink->submit(batch[i]);
    QVERIFY(eventually([&] { return sink->counters().written == 300; }));

    // The server goes away for this database: no new sessions, the sink's session killed.
    sql("postgres", "ALTER DATABASE " + outage_db + " ALLOW_CONNECTIONS false");
    sql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + outage_db + "'");
    for (unsigned i = 300; i < 600; ++i) sink->submit(batch[i]);
    QVERIFY(eventually([&] { return sink->counters().spooled == 300; }));
    QVERIFY(!sink->counters().store_up);
    QCOMPARE(sink->counters().written, std::uint64_t{300});

    sql("postgres", "ALTER DATABASE " + outage_db + " ALLOW_CONNECTIONS true");
    for (unsigned i = 600; i < 900; ++i) sink->submit(batch[i]);
    QVERIFY(eventually([&] { return sink->counters().written == 900 && !sink->counters().spool_pending; }));
    QVERIFY(sink->stop(std::chrono::steady_clock::now() + 30s));
    QVERIFY(sink->counters().store_up);
    QCOMPARE(sql_number(outage_db, "SELECT count(*) FROM decisions"), std::int64_t{900});
    QCOMPARE(sql_number(outage_db, "SELECT count(DISTINCT decision_id) FROM decisions"), std::int64_t{900});
    QCOMPARE(sql_number(outage_db, "SELECT count(*) FROM provider_calls"), std::int64_t{900 * 3});
  }
};

QTEST_APPLESS_MAIN(StoreTest)
#include "test_store.moc"
