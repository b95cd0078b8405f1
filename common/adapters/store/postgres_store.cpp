#include "store/postgres_store.hpp"

#include <chrono>
#include <cstdio>
#include <mutex>
#include <set>
#include <type_traits>

#include "store/json_scan.hpp"
#include "store/postgres_batch.hpp"

namespace verdict::store {

namespace postgres {

std::string connection_string(const std::string& url) {
  const bool is_url = url.starts_with("postgresql://") || url.starts_with("postgres://");
  std::string out = url;
  auto add = [&](std::string_view key, std::string_view value) {
    if (out.find(std::string(key) + "=") != std::string::npos) return;
    if (is_url) out += out.find('?') == std::string::npos ? '?' : '&';
    else out += ' ';
    out.append(key).append("=").append(value);
  };
  add("connect_timeout", "5");
  add("application_name", "verdict");
  return out;
}

std::unique_ptr<pqxx::connection> connect(const std::string& url) {
  auto conn = std::make_unique<pqxx::connection>(connection_string(url));
  // set_variable rather than a SET of our own: libpqxx restores these if it ever reconnects by itself.
  conn->set_variable("client_min_messages", "warning");  // "relation already exists, skipping" is not news
  // Bounds a write that hangs on a lock or a stuck server, so the sink can spool instead of waiting.
  conn->set_variable("statement_timeout", "60000");
  return conn;
}

bool transient_sqlstate(std::string_view sqlstate) {
  return sqlstate.starts_with("08") ||    // connection exception
         sqlstate.starts_with("40") ||    // serialization failure, deadlock
         sqlstate.starts_with("53") ||    // insufficient resources: disk full, out of memory, too many connections
         sqlstate.starts_with("57P") ||   // admin shutdown, crash shutdown, cannot connect now
         sqlstate.starts_with("58") ||    // system error (I/O)
         sqlstate == "57014" ||           // statement timeout
         sqlstate == "55P03";             // lock not available
}

namespace {
std::string first_line(const char* text) {
  std::string s(text);
  if (const auto end = s.find('\n'); end != std::string::npos) s.resize(end);
  return s;
}
}  // namespace

StoreError current_error(std::string_view doing) {
  const std::string prefix = std::string(doing) + ": ";
  try {
    throw;
  } catch (const pqxx::broken_connection& e) {
    return {prefix + "connection failed: " + first_line(e.what()), true};
  } catch (const pqxx::in_doubt_error& e) {
    // The commit may or may not have happened. Writes are idempotent, so trying again is the answer.
    return {prefix + "outcome of commit unknown: " + first_line(e.what()), true};
  } catch (const pqxx::transaction_rollback& e) {
    return {prefix + first_line(e.what()), true};
  } catch (const pqxx::sql_error& e) {
    return {prefix + first_line(e.what()) + " (SQLSTATE " + e.sqlstate() + ")", transient_sqlstate(e.sqlstate())};
  } catch (const std::exception& e) {
    return {prefix + first_line(e.what()), false};
  } catch (...) {
    return {prefix + "unknown error", false};
  }
}

}  // namespace postgres

namespace {

/// The canonical text form, which is what the daemon writes. Anything else cannot be a stored id, and
/// PostgreSQL would answer a malformed one with an error rather than "not found".
bool is_uuid_text(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

/// A UTC calendar month, the unit of partitioning.
struct Month {
  int year = 0;
  unsigned month = 0;  // 1..12
  int index() const { return year * 12 + static_cast<int>(month) - 1; }
  Month next() const { return month == 12 ? Month{year + 1, 1} : Month{year, month + 1}; }
};

Month month_of(std::int64_t epoch_ms) {
  using namespace std::chrono;
  const year_month_day day{floor<days>(sys_time<milliseconds>(milliseconds(epoch_ms)))};
  return {static_cast<int>(day.year()), static_cast<unsigned>(day.month())};
}

std::string partition_name(Month m) {
  char name[32];
  std::snprintf(name, sizeof name, "decisions_%04d_%02u", m.year, m.month);
  return name;
}

std::string month_start_literal(Month m) {
  char literal[40];
  std::snprintf(literal, sizeof literal, "'%04d-%02u-01 00:00:00+00'", m.year, m.month);
  return literal;
}

// Serialises partition creation among all writers of a database (any fixed number; not the
// migrations' key, so a daemon can write while another migrates).
constexpr std::int64_t partition_lock_key = 0x7665'7264'6963'7402;  // "verdict\x02"

// decision_ids gives the instant, so only the partition of that month is read.
constexpr const char* find_sql = R"sql(
SELECT d.decision_id::text, coalesce(d.idempotency_key, ''), d.application_id,
       (extract(epoch FROM d.received_at) * 1000)::bigint, d.channel, d.shop_id, d.outcome, d.policy_name,
       d.policy_hash, d.policy_version, d.elapsed_ms, d.customer_key, d.case_json::text, d.decision_json::text,
       d.provider_calls::text
FROM decision_ids i JOIN decisions d ON d.decision_id = i.decision_id AND d.received_at = i.received_at
WHERE i.decision_id = $1
)sql";

class PostgresStore final : public DecisionStore {
 public:
  explicit PostgresStore(std::string url)
      : session_(url), writer_(url) {}

  /// Connects and checks that the schema is there, so a daemon pointed at an empty database says so
  /// at start instead of failing every write.
  expected<void, StoreError> check() {
    return session_.run("opening the decision store", [](pqxx::connection& conn) -> expected<void, StoreError> {
      pqxx::read_transaction t(conn);
      if (t.exec1("SELECT to_regclass('decisions') IS NOT NULL")[0].as<bool>()) return {};
      return unexpected(StoreError{"the database has no decisions table; run `verdict migrate --postgres URL`", false});
    });
  }

  expected<void, StoreError> write(std::span<const DecisionRecord> batch) override {
    if (batch.empty()) return {};
    for (const auto& r : batch)
      if (!is_uuid_text(r.decision_id))
        return unexpected(StoreError{"decision id is not a UUID: " + r.decision_id, false});
    auto partitions = session_.run("writing decisions", [&](pqxx::connection& conn) {
      for (const auto& r : batch) ensure_partition(conn, month_of(r.received_at_ms));
    });
    if (!partitions) return partitions;
    return writer_.write(batch);
  }

  expected<std::optional<DecisionRecord>, StoreError> find(std::string_view decision_id) override {
    if (!is_uuid_text(decision_id)) return std::optional<DecisionRecord>{};
    const std::string id(decision_id);
    return session_.run("finding a decision", [&](pqxx::connection& conn) -> std::optional<DecisionRecord> {
      pqxx::read_transaction t(conn);
      const auto rows = t.exec_params(find_sql, id);
      if (rows.empty()) return std::nullopt;
      const auto row = rows[0];
      DecisionRecord r;
      r.decision_id = row[0].as<std::string>();
      r.idempotency_key = row[1].as<std::string>();
      r.application_id = row[2].as<std::string>();
      r.received_at_ms = row[3].as<std::int64_t>();
      r.channel = row[4].as<std::string>();
      r.shop_id = row[5].as<std::string>();
      r.outcome = row[6].as<std::string>();
      r.policy_name = row[7].as<std::string>();
      r.policy_hash = row[8].as<std::string>();
      r.policy_version = row[9].as<int>();
      r.elapsed_ms = row[10].as<int>();
      r.customer_key = row[11].as<std::string>();
      r.case_json = row[12].as<std::string>();
      r.decision_json = row[13].as<std::string>();
      // The calls as postgres_batch.cpp wrote them (0005); the column is json, so kept as written.
      if (auto calls = parse_provider_calls(row[14].as<std::string>())) r.provider_calls = std::move(*calls);
      return r;
    });
  }

  expected<std::optional<std::string>, StoreError> find_by_idempotency_key(std::string_view key) override {
    if (key.empty()) return std::optional<std::string>{};
    const std::string k(key);
    return session_.run("looking up an idempotency key", [&](pqxx::connection& conn) -> std::optional<std::string> {
      pqxx::read_transaction t(conn);
      const auto rows =
          t.exec_params("SELECT decision_id::text FROM idempotency_keys WHERE idempotency_key = $1", k);
      if (rows.empty()) return std::nullopt;
      return rows[0][0].as<std::string>();
    });
  }

  expected<std::uint64_t, StoreError> count_decisions() override {
    return session_.run("counting decisions", [](pqxx::connection& conn) {
      pqxx::read_transaction t(conn);
      return t.exec1("SELECT count(*) FROM decisions")[0].as<std::uint64_t>();
    });
  }

 private:
  /// Makes sure the month has its partition before rows are written into it: rows without one would
  /// pile up in decisions_default, and once they are there the month's partition can no longer be
  /// created. Runs in its own transaction, serialised among writers by an advisory lock, and is
  /// remembered so that it costs one round trip per month per process.
  void ensure_partition(pqxx::connection& conn, Month month) {
    if (months_ready_.contains(month.index())) return;
    // Table names and bounds cannot be statement parameters. Both are formatted here from integers,
    // never from record values, so nothing outside this function shapes the SQL text.
    const std::string name = partition_name(month);
    if (month.year < 1 || month.year > 9998) {
      months_ready_.insert(month.index());  // absurd dates: leave them to the default partition
      return;
    }
    try {
      pqxx::work t(conn);
      t.exec_params("SELECT pg_advisory_xact_lock($1)", partition_lock_key);
      if (t.exec_params1("SELECT to_regclass($1) IS NULL", name)[0].as<bool>()) {
        t.exec0("CREATE TABLE " + name + " PARTITION OF decisions FOR VALUES FROM (" + month_start_literal(month) +
                ") TO (" + month_start_literal(month.next()) + ")");
      }
      t.commit();
    } catch (const pqxx::sql_error& e) {
      // The default partition already holds rows of this month, or the name is taken by something
      // else: the rows still have a home in decisions_default. Anything that may pass is not ours
      // to swallow.
      if (postgres::transient_sqlstate(e.sqlstate())) throw;
    }
    months_ready_.insert(month.index());
  }

  postgres::Session session_;           // reads, and partitions before a write
  postgres::BatchWriter writer_;        // the writes themselves (libpq: COPY in binary format)
  std::set<int> months_ready_;  // Month::index() of months known to have their partition
};

}  // namespace

expected<std::unique_ptr<DecisionStore>, StoreError> open_postgres(const std::string& url) {
  auto store = std::make_unique<PostgresStore>(url);
  if (auto checked = store->check(); !checked) return unexpected(checked.error());
  return std::unique_ptr<DecisionStore>(std::move(store));
}

}  // namespace verdict::store
