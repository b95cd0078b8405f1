#include "store/sqlite_store.hpp"

#include <fcntl.h>
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <map>
#include <mutex>
#include <tuple>

#include "store/aggregates.hpp"
#include "store/json_scan.hpp"
#include "store/migrations.hpp"
#include "store/record_codec.hpp"

namespace verdict::store {

namespace sqlite {

StoreError error(sqlite3* db, std::string_view doing) {
  const int code = sqlite3_extended_errcode(db);
  const int primary = code & 0xff;
  const bool transient = primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_FULL ||
                         primary == SQLITE_IOERR || primary == SQLITE_NOMEM;
  return {std::string(doing) + ": " + sqlite3_errmsg(db), transient};
}

expected<void, StoreError> exec(sqlite3* db, const char* sql, std::string_view doing) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return unexpected(error(db, doing));
  return {};
}

expected<Statement, StoreError> prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw, nullptr) !=
      SQLITE_OK)
    return unexpected(error(db, "preparing a statement"));
  return Statement(raw);
}

expected<Database, StoreError> open_database(const std::filesystem::path& file) {
  // The file holds applications: a new one is readable by the service's user only (SQLite would
  // create it 0644), and SQLite gives its -wal and -shm files the same mode. An empty file is a valid
  // new database.
  if (const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600); fd >= 0) ::close(fd);
  sqlite3* raw = nullptr;
  // NOMUTEX: each store serialises its own calls, SQLite's per-connection mutex would only add cost.
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  Database db(raw);  // closes the handle even when opening failed, as SQLite requires
  if (rc != SQLITE_OK) {
    if (!db) return unexpected(StoreError{"opening " + file.string() + ": out of memory", true});
    return unexpected(error(db.get(), "opening " + file.string()));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), 5'000);
  if (auto ok = exec(db.get(),
                     "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                     "configuring " + file.string());
      !ok)
    return unexpected(ok.error());
  return db;
}

expected<Database, StoreError> open_migrated(const std::filesystem::path& file, const std::filesystem::path& sql_dir) {
  auto db = open_database(file);
  if (!db) return unexpected(db.error());
  if (sql_dir.empty()) {
    if (auto applied = apply_sqlite_migrations(db->get(), embedded_sqlite_migrations()); !applied)
      return unexpected(applied.error());
  } else {
    auto migrations = read_migrations(sql_dir);
    if (!migrations) return unexpected(migrations.error());
    if (auto applied = apply_sqlite_migrations(db->get(), *migrations); !applied) return unexpected(applied.error());
  }
  return db;
}

}  // namespace sqlite

namespace {

using sqlite::Statement;

using sqlite::Binder;
using sqlite::column_int;
using sqlite::column_text;
using sqlite::ResetOnExit;

/// A batch's new records folded into the aggregates' keys (store/aggregates.hpp), so each key is
/// upserted once per batch instead of once per decision.
struct Tally {
  using Key = std::tuple<std::int64_t, std::string, std::string, std::string>;
  std::map<Key, std::int64_t> decisions;  // (minute, outcome, channel, product)
  std::map<Key, std::int64_t> reasons;    // (minute, reason code, channel, product)
  std::map<std::tuple<std::int64_t, std::string, std::string, int>, std::pair<std::int64_t, std::int64_t>>
      calls;  // (minute, provider, status, le_ms) -> (calls, latency total)

  void add(const DecisionRecord& r) {
    const std::int64_t minute = aggregates::minute_of(r.received_at_ms);
    const DecisionRecord::Counted counted = aggregates::counted_of(r);
    ++decisions[{minute, r.outcome, r.channel, counted.product}];
    for (const auto& code : counted.reason_codes) ++reasons[{minute, code, r.channel, counted.product}];
    for (const auto& call : r.provider_calls) {
      auto& sums = calls[{minute, call.provider, std::string(aggregates::call_status(call)),
                          aggregates::latency_bucket_ms(call.latency_ms)}];
      ++sums.first;
      sums.second += std::max(call.latency_ms, 0);
    }
  }
};

class SqliteStore final : public DecisionStore {
 public:
  static expected<std::unique_ptr<DecisionStore>, StoreError> open(const std::filesystem::path& file,
                                                                   const std::filesystem::path& sql_dir) {
    auto db = sqlite::open_migrated(file, sql_dir);
    if (!db) return unexpected(db.error());
    // A batch of 500 decisions dirties ~2 MB of pages, SQLite's default cache: past it, pages spill
    // to the WAL in the middle of the transaction and are read back. 32 MiB holds a batch and the
    // indexes' hot pages; it is allocated as pages are used.
    if (auto sized = sqlite::exec(db->get(), "PRAGMA cache_size = -32768", "sizing the page cache"); !sized)
      return unexpected(sized.error());
    auto store = std::unique_ptr<SqliteStore>(new SqliteStore(std::move(*db)));
    if (auto prepared = store->prepare_statements(); !prepared) return unexpected(prepared.error());
    return std::unique_ptr<DecisionStore>(std::move(store));
  }

  expected<void, StoreError> write(std::span<const DecisionRecord> batch) override {
    if (batch.empty()) return {};
    std::lock_guard lock(mutex_);
    // The schema keeps JSON as TEXT; that it is JSON is checked here, before anything is written
    // (sql/sqlite/0005: SQLite's own json_valid() CHECKs cost several times as much).
    for (const auto& record : batch)
      for (const std::string* text : {&record.case_json, &record.decision_json})
        if (json_parser_.parse(text->data(), text->size()).error() != simdjson::SUCCESS)
          return unexpected(StoreError{"writing decision " + record.decision_id + ": " +
                                           (text == &record.case_json ? "case_json" : "decision_json") + " is not JSON",
                                       false});
    if (auto begun = sqlite::exec(db_.get(), "BEGIN IMMEDIATE", "starting a write"); !begun)
      return unexpected(begun.error());
    Tally tally;
    auto rows = [&]() -> expected<void, StoreError> {
      for (const auto& record : batch) {
        auto written = insert(record);
        if (!written) return unexpected(written.error());
        if (*written) tally.add(record);
      }
      return count(tally);
    }();
    if (!rows) {
      sqlite::exec(db_.get(), "ROLLBACK", "rolling back");  // may fail if SQLite already rolled back
      return unexpected(rows.error());
    }
    if (auto committed = sqlite::exec(db_.get(), "COMMIT", "committing a write"); !committed) {
      sqlite::exec(db_.get(), "ROLLBACK", "rolling back");
      return unexpected(committed.error());
    }
    return {};
  }

  expected<std::optional<DecisionRecord>, StoreError> find(std::string_view decision_id) override {
    std::lock_guard lock(mutex_);
    return find_locked(decision_id);  // one row, its calls in it: one statement, one state of the file
  }

  expected<std::optional<std::string>, StoreError> find_by_idempotency_key(std::string_view key) override {
    if (key.empty()) return std::optional<std::string>{};
    std::lock_guard lock(mutex_);
    sqlite3_stmt* statement = find_key_.get();
    ResetOnExit reset(statement);
    if (!Binder(statement).text(key).ok()) return unexpected(sqlite::error(db_.get(), "looking up a key"));
    const int rc = sqlite3_step(statement);
    if (rc == SQLITE_DONE) return std::optional<std::string>{};
    if (rc != SQLITE_ROW) return unexpected(sqlite::error(db_.get(), "looking up a key"));
    return std::optional<std::string>{column_text(statement, 0)};
  }

  expected<std::uint64_t, StoreError> count_decisions() override {
    std::lock_guard lock(mutex_);
    sqlite3_stmt* statement = count_.get();
    ResetOnExit reset(statement);
    if (sqlite3_step(statement) != SQLITE_ROW) return unexpected(sqlite::error(db_.get(), "counting decisions"));
    return static_cast<std::uint64_t>(sqlite3_column_int64(statement, 0));
  }

 private:
  explicit SqliteStore(sqlite::Database db) : db_(std::move(db)) {}

  expected<void, StoreError> prepare_statements() {
    struct Wanted {
      Statement* into;
      std::string_view sql;
    };
    const Wanted wanted[] = {
        {&insert_decision_,
         "INSERT INTO decisions (decision_id, received_at_ms, idempotency_key, application_id, channel, shop_id, "
         "outcome, policy_name, policy_version, policy_hash, elapsed_ms, customer_key, case_json, decision_json, "
         "provider_calls) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) "
         "ON CONFLICT (decision_id) DO NOTHING"},
        {&insert_key_,
         "INSERT INTO idempotency_keys (idempotency_key, decision_id) VALUES (?1, ?2) "
         "ON CONFLICT (idempotency_key) DO NOTHING"},
        {&find_decision_,
         "SELECT decision_id, coalesce(idempotency_key, ''), application_id, received_at_ms, channel, shop_id, "
         "outcome, policy_name, policy_hash, policy_version, elapsed_ms, customer_key, case_json, decision_json, "
         "provider_calls FROM decisions WHERE decision_id = ?1"},
        {&find_key_, "SELECT decision_id FROM idempotency_keys WHERE idempotency_key = ?1"},
        {&insert_referral_,
         "INSERT INTO review_items (decision_id, kind, status, created_at_ms, automated_outcome, channel, shop_id) "
         "VALUES (?1, 'referral', 'pending', ?2, 'REFER', ?3, ?4) ON CONFLICT (decision_id) DO NOTHING"},
        {&count_, "SELECT count(*) FROM decisions"},
        // The aggregates (store/aggregates.hpp): counted in C++ over the batch's new records, then
        // one upsert per key with the batch's count.
        {&count_decision_,
         "INSERT INTO agg_decisions_minute (minute_ms, outcome, channel, product, decisions) "
         "VALUES (?1, ?2, ?3, ?4, ?5) "
         "ON CONFLICT (minute_ms, outcome, channel, product) DO UPDATE SET decisions = decisions + excluded.decisions"},
        {&count_reasons_,
         "INSERT INTO agg_reasons_minute (minute_ms, reason_code, channel, product, hits) "
         "VALUES (?1, ?2, ?3, ?4, ?5) "
         "ON CONFLICT (minute_ms, reason_code, channel, product) DO UPDATE SET hits = hits + excluded.hits"},
        {&count_call_,
         "INSERT INTO agg_provider_calls_minute (minute_ms, provider, status, le_ms, calls, latency_ms_total) "
         "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (minute_ms, provider, status, le_ms) "
         "DO UPDATE SET calls = calls + excluded.calls, latency_ms_total = latency_ms_total + excluded.latency_ms_total"},
    };
    for (const auto& w : wanted) {
      auto statement = sqlite::prepare(db_.get(), w.sql);
      if (!statement) return unexpected(statement.error());
      *w.into = std::move(*statement);
    }
    return {};
  }

  /// One record inside the caller's transaction (its calls in its row); its key and review item only
  /// when the decision is new.
  /// True when it was new (and is to be counted in the aggregates).
  expected<bool, StoreError> insert(const DecisionRecord& r) {
    {
      sqlite3_stmt* statement = insert_decision_.get();
      ResetOnExit reset(statement);
      const std::string calls = provider_calls_json(r.provider_calls);  // bound by reference: lives past the step
      const bool bound = Binder(statement)
                             .text(r.decision_id)
                             .integer(r.received_at_ms)
                             .text_or_null(r.idempotency_key)
                             .text(r.application_id)
                             .text(r.channel)
                             .text(r.shop_id)
                             .text(r.outcome)
                             .text(r.policy_name)
                             .integer(r.policy_version)
                             .text(r.policy_hash)
                             .integer(r.elapsed_ms)
                             .text(r.customer_key)
                             .text(r.case_json)
                             .text(r.decision_json)
                             .text(calls)
                             .ok();
      if (!bound || sqlite3_step(statement) != SQLITE_DONE)
        return unexpected(sqlite::error(db_.get(), "writing decision " + r.decision_id));
      if (sqlite3_changes(db_.get()) == 0) return false;  // stored before: skip, never duplicate
    }
    if (!r.idempotency_key.empty()) {
      sqlite3_stmt* statement = insert_key_.get();
      ResetOnExit reset(statement);
      if (!Binder(statement).text(r.idempotency_key).text(r.decision_id).ok() || sqlite3_step(statement) != SQLITE_DONE)
        return unexpected(sqlite::error(db_.get(), "writing the idempotency key of " + r.decision_id));
    }
    if (r.outcome == "REFER") {  // a REFER is work for a person: it enters the review queue with its decision
      sqlite3_stmt* statement = insert_referral_.get();
      ResetOnExit reset(statement);
      if (!Binder(statement).text(r.decision_id).integer(r.received_at_ms).text(r.channel).text(r.shop_id).ok() ||
          sqlite3_step(statement) != SQLITE_DONE)
        return unexpected(sqlite::error(db_.get(), "queueing decision " + r.decision_id + " for review"));
    }
    return true;
  }

  /// Writes the batch's counts into the per-minute aggregates.
  expected<void, StoreError> count(const Tally& tally) {
    auto step = [&](sqlite3_stmt* statement, const Binder& bound) -> expected<void, StoreError> {
      if (!bound.ok() || sqlite3_step(statement) != SQLITE_DONE)
        return unexpected(sqlite::error(db_.get(), "counting a batch of decisions in the aggregates"));
      return {};
    };
    for (const auto& [key, n] : tally.decisions) {
      sqlite3_stmt* statement = count_decision_.get();
      ResetOnExit reset(statement);
      const auto& [minute, outcome, channel, product] = key;
      if (auto ok = step(statement, Binder(statement).integer(minute).text(outcome).text(channel).text(product).integer(n)); !ok)
        return ok;
    }
    for (const auto& [key, n] : tally.reasons) {
      sqlite3_stmt* statement = count_reasons_.get();
      ResetOnExit reset(statement);
      const auto& [minute, code, channel, product] = key;
      if (auto ok = step(statement, Binder(statement).integer(minute).text(code).text(channel).text(product).integer(n)); !ok)
        return ok;
    }
    for (const auto& [key, sums] : tally.calls) {
      sqlite3_stmt* statement = count_call_.get();
      ResetOnExit reset(statement);
      const auto& [minute, provider, status, le_ms] = key;
      if (auto ok = step(statement, Binder(statement)
                                        .integer(minute)
                                        .text(provider)
                                        .text(status)
                                        .integer(le_ms)
                                        .integer(sums.first)
                                        .integer(sums.second));
          !ok)
        return ok;
    }
    return {};
  }

  expected<std::optional<DecisionRecord>, StoreError> find_locked(std::string_view decision_id) {
    DecisionRecord r;
    {
      sqlite3_stmt* statement = find_decision_.get();
      ResetOnExit reset(statement);
      if (!Binder(statement).text(decision_id).ok()) return unexpected(sqlite::error(db_.get(), "finding a decision"));
      const int rc = sqlite3_step(statement);
      if (rc == SQLITE_DONE) return std::optional<DecisionRecord>{};
      if (rc != SQLITE_ROW) return unexpected(sqlite::error(db_.get(), "finding a decision"));
      r.decision_id = column_text(statement, 0);
      r.idempotency_key = column_text(statement, 1);
      r.application_id = column_text(statement, 2);
      r.received_at_ms = sqlite3_column_int64(statement, 3);
      r.channel = column_text(statement, 4);
      r.shop_id = column_text(statement, 5);
      r.outcome = column_text(statement, 6);
      r.policy_name = column_text(statement, 7);
      r.policy_hash = column_text(statement, 8);
      r.policy_version = column_int(statement, 9);
      r.elapsed_ms = column_int(statement, 10);
      r.customer_key = column_text(statement, 11);
      r.case_json = column_text(statement, 12);
      r.decision_json = column_text(statement, 13);
      auto calls = parse_provider_calls(column_text(statement, 14));
      if (!calls) return unexpected(StoreError{"decision " + r.decision_id + ": its provider_calls are not a JSON array of calls", false});
      r.provider_calls = std::move(*calls);
    }
    return std::optional<DecisionRecord>{std::move(r)};
  }

  std::mutex mutex_;
  simdjson::dom::parser json_parser_;  // reused: it keeps its buffers between records
  sqlite::Database db_;  // declared before the statements: they are finalized first
  Statement insert_decision_, insert_key_, find_decision_, find_key_, count_,
      insert_referral_;
  Statement count_decision_, count_reasons_, count_call_;
};

}  // namespace

expected<std::unique_ptr<DecisionStore>, StoreError> open_sqlite(const std::filesystem::path& file,
                                                                 const std::filesystem::path& sql_dir) {
  return SqliteStore::open(file, sql_dir);
}

}  // namespace verdict::store
