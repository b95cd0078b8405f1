// ComplianceStore on PostgreSQL and SQLite: the same queries in each dialect.
#include "store/compliance_store.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <ostream>

#include "store/approval_store.hpp"
#include "store/policy_versions.hpp"
#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"
#include "util/csv.hpp"

namespace verdict::store {

namespace {

/// The approval status a history row shows: from its request when there is one.
std::string status_of(std::int64_t request_id, const std::string& status, const std::string& decision) {
  if (request_id == 0) return "published (no approval request on record)";
  ApprovalRequest r;
  r.status = status_from_string(status).value_or(RequestStatus::Published);
  if (!decision.empty()) r.decision = ApprovalDecision{decision == "approved", {}, 0, {}};
  return r.status_text();
}

/// The approver a history row shows: the request's decider when there is one (a fast-track version
/// is recorded before anyone approved it), otherwise what policy_versions holds.
void fill_from_request(HistoryEntry& e, const std::string& decided_by, const std::string& status,
                       const std::string& decision) {
  e.status = status_of(e.request_id, status, decision);
  if (decision == "approved" && !decided_by.empty()) e.approver = decided_by;
  if (decision != "approved") e.approved_at_ms = 0;
}

expected<std::optional<std::string>, StoreError> document_of(PolicyVersionStore& versions, std::string_view name,
                                                             int version) {
  auto found = versions.fetch(name, version);
  if (!found) return unexpected(found.error());
  if (!*found) return std::optional<std::string>{};
  return std::optional<std::string>{std::move((*found)->document)};
}

// ---- PostgreSQL ------------------------------------------------------------------------------

constexpr const char* pg_history_sql = R"sql(
SELECT v.name, v.version, v.content_hash, v.author, v.approver, v.comment,
       (extract(epoch FROM v.published_at) * 1000)::bigint,
       coalesce(r.id, 0), coalesce((extract(epoch FROM r.submitted_at) * 1000)::bigint, 0),
       coalesce((extract(epoch FROM r.decided_at) * 1000)::bigint, 0), coalesce(r.decision_comment, ''),
       coalesce(r.kind, ''), coalesce(r.status, ''), coalesce(r.decision, ''), coalesce(r.decided_by, '')
FROM policy_versions v
LEFT JOIN LATERAL (SELECT * FROM approval_requests a
                   WHERE a.policy_name = v.name AND a.published_version = v.version
                   ORDER BY a.id DESC LIMIT 1) r ON true
WHERE v.name = $1
ORDER BY v.version DESC
)sql";

constexpr const char* pg_summary_columns =
    "decision_id::text, (extract(epoch FROM received_at) * 1000)::bigint, application_id, channel, shop_id, outcome, "
    "policy_name, policy_version, policy_hash, elapsed_ms";

DecisionSummary summary_from(const pqxx::row& row) {
  return {row[0].as<std::string>(), row[1].as<std::int64_t>(), row[2].as<std::string>(), row[3].as<std::string>(),
          row[4].as<std::string>(),  row[5].as<std::string>(),  row[6].as<std::string>(), row[7].as<int>(),
          row[8].as<std::string>(),  row[9].as<int>()};
}

class PostgresComplianceStore final : public ComplianceStore {
 public:
  PostgresComplianceStore(const std::string& url, std::unique_ptr<DecisionStore> decisions,
                          std::unique_ptr<PolicyVersionStore> versions)
      : session_(url), decisions_(std::move(decisions)), versions_(std::move(versions)) {}

  expected<std::vector<HistoryEntry>, StoreError> history(std::string_view policy_name) override {
    const std::string name(policy_name);
    return session_.run("reading the policy history", [&](pqxx::connection& conn) {
      pqxx::read_transaction t(conn);
      std::vector<HistoryEntry> out;
      for (const auto& row : t.exec_params(pg_history_sql, name)) {
        HistoryEntry e;
        e.name = row[0].as<std::string>();
        e.version = row[1].as<int>();
        e.content_hash = row[2].as<std::string>();
        e.author = row[3].as<std::string>();
        e.approver = row[4].as<std::string>();
        e.comment = row[5].as<std::string>();
        e.published_at_ms = row[6].as<std::int64_t>();
        e.request_id = row[7].as<std::int64_t>();
        e.submitted_at_ms = row[8].as<std::int64_t>();
        e.approved_at_ms = row[9].as<std::int64_t>();
        e.approval_comment = row[10].as<std::string>();
        e.kind = row[11].as<std::string>();
        fill_from_request(e, row[14].as<std::string>(), row[12].as<std::string>(), row[13].as<std::string>());
        out.push_back(std::move(e));
      }
      return out;
    });
  }

  expected<std::optional<std::string>, StoreError> version_document(std::string_view policy_name, int version) override {
    return document_of(*versions_, policy_name, version);
  }

  expected<std::optional<DecisionRecord>, StoreError> decision(std::string_view decision_id) override {
    return decisions_->find(decision_id);
  }

  expected<std::vector<DecisionSummary>, StoreError> decisions_by_customer(std::string_view customer_key) override {
    const std::string key(customer_key);
    return session_.run("finding a customer's decisions", [&](pqxx::connection& conn) {
      pqxx::read_transaction t(conn);
      std::vector<DecisionSummary> out;
      for (const auto& row : t.exec_params(std::string("SELECT ") + pg_summary_columns +
                                               " FROM decisions WHERE customer_key = $1 ORDER BY received_at DESC",
                                           key))
        out.push_back(summary_from(row));
      return out;
    });
  }

  expected<std::vector<DecisionSummary>, StoreError> decisions(const DecisionQuery& q) override {
    return session_.run("listing decisions", [&](pqxx::connection& conn) {
      pqxx::read_transaction t(conn);
      std::vector<DecisionSummary> out;
      for (const auto& row : t.exec_params(
               std::string("SELECT ") + pg_summary_columns +
                   " FROM decisions WHERE received_at >= timestamptz 'epoch' + $1 * interval '1 millisecond' "
                   "AND received_at < timestamptz 'epoch' + $2 * interval '1 millisecond' "
                   "AND ($3 = '' OR channel = $3) AND ($4 = '' OR outcome = $4) "
                   "ORDER BY received_at, decision_id LIMIT $5",
               q.from_ms, q.to_ms, q.channel, q.outcome, static_cast<std::int64_t>(q.limit)))
        out.push_back(summary_from(row));
      return out;
    });
  }

  expected<std::size_t, StoreError> cases(const DecisionQuery& q, const CaseVisitor& visit) override {
    // In pages on (received_at, decision_id): a month of cases is never held in memory at once.
    constexpr std::size_t page = 5'000;
    std::size_t visited = 0;
    std::string after_at = "-infinity", after_id = "00000000-0000-0000-0000-000000000000";
    for (bool more = true; more && visited < q.limit;) {
      auto read = session_.run("reading stored cases", [&](pqxx::connection& conn) -> std::size_t {
        pqxx::read_transaction t(conn);
        const auto rows = t.exec_params(
            "SELECT decision_id::text, received_at::text, case_json::text FROM decisions "
            "WHERE received_at >= timestamptz 'epoch' + $1 * interval '1 millisecond' "
            "AND received_at < timestamptz 'epoch' + $2 * interval '1 millisecond' "
            "AND ($3 = '' OR channel = $3) AND ($4 = '' OR outcome = $4) AND ($5 = '' OR shop_id = $5) "
            "AND (received_at, decision_id) > ($6::timestamptz, $7::uuid) "
            "ORDER BY received_at, decision_id LIMIT $8",
            q.from_ms, q.to_ms, q.channel, q.outcome, q.shop_id, after_at, after_id,
            static_cast<std::int64_t>(std::min(page, q.limit - visited)));
        for (const auto& row : rows) {
          ++visited;
          if (!visit(row[0].c_str(), std::string_view(row[2].c_str(), row[2].size()))) {
            more = false;
            return rows.size();
          }
        }
        if (!rows.empty()) {
          after_id = rows.back()[0].c_str();
          after_at = rows.back()[1].c_str();
        }
        return rows.size();
      });
      if (!read) return unexpected(read.error());
      if (*read < page) more = false;
    }
    return visited;
  }

 private:
  postgres::Session session_;
  std::unique_ptr<DecisionStore> decisions_;
  std::unique_ptr<PolicyVersionStore> versions_;
};

// ---- SQLite ----------------------------------------------------------------------------------

using sqlite::Binder;
using sqlite::column_text;

constexpr const char* sqlite_history_sql = R"sql(
SELECT v.name, v.version, v.content_hash, v.author, v.approver, v.comment, v.published_at_ms,
       coalesce(r.id, 0), coalesce(r.submitted_at_ms, 0), coalesce(r.decided_at_ms, 0),
       coalesce(r.decision_comment, ''), coalesce(r.kind, ''), coalesce(r.status, ''), coalesce(r.decision, ''),
       coalesce(r.decided_by, '')
FROM policy_versions v
LEFT JOIN approval_requests r
  ON r.id = (SELECT max(a.id) FROM approval_requests a WHERE a.policy_name = v.name AND a.published_version = v.version)
WHERE v.name = ?1
ORDER BY v.version DESC
)sql";

constexpr const char* sqlite_summary_columns =
    "decision_id, received_at_ms, application_id, channel, shop_id, outcome, policy_name, policy_version, "
    "policy_hash, elapsed_ms";

DecisionSummary summary_from(sqlite3_stmt* s) {
  return {column_text(s, 0), sqlite3_column_int64(s, 1), column_text(s, 2), column_text(s, 3), column_text(s, 4),
          column_text(s, 5), column_text(s, 6),          sqlite3_column_int(s, 7), column_text(s, 8),
          sqlite3_column_int(s, 9)};
}

class SqliteComplianceStore final : public ComplianceStore {
 public:
  SqliteComplianceStore(sqlite::Database db, std::unique_ptr<DecisionStore> decisions,
                        std::unique_ptr<PolicyVersionStore> versions)
      : db_(std::move(db)), decisions_(std::move(decisions)), versions_(std::move(versions)) {}

  expected<std::vector<HistoryEntry>, StoreError> history(std::string_view policy_name) override {
    std::lock_guard lock(mutex_);
    return rows<HistoryEntry>(
        sqlite_history_sql, "reading the policy history", [&](Binder& b) { b.text(policy_name); },
        [](sqlite3_stmt* s) {
          HistoryEntry e;
          e.name = column_text(s, 0);
          e.version = sqlite3_column_int(s, 1);
          e.content_hash = column_text(s, 2);
          e.author = column_text(s, 3);
          e.approver = column_text(s, 4);
          e.comment = column_text(s, 5);
          e.published_at_ms = sqlite3_column_int64(s, 6);
          e.request_id = sqlite3_column_int64(s, 7);
          e.submitted_at_ms = sqlite3_column_int64(s, 8);
          e.approved_at_ms = sqlite3_column_int64(s, 9);
          e.approval_comment = column_text(s, 10);
          e.kind = column_text(s, 11);
          fill_from_request(e, column_text(s, 14), column_text(s, 12), column_text(s, 13));
          return e;
        });
  }

  expected<std::optional<std::string>, StoreError> version_document(std::string_view policy_name, int version) override {
    return document_of(*versions_, policy_name, version);
  }

  expected<std::optional<DecisionRecord>, StoreError> decision(std::string_view decision_id) override {
    return decisions_->find(decision_id);
  }

  expected<std::vector<DecisionSummary>, StoreError> decisions_by_customer(std::string_view customer_key) override {
    std::lock_guard lock(mutex_);
    return rows<DecisionSummary>(
        std::string("SELECT ") + sqlite_summary_columns +
            " FROM decisions WHERE customer_key = ?1 ORDER BY received_at_ms DESC",
        "finding a customer's decisions", [&](Binder& b) { b.text(customer_key); },
        [](sqlite3_stmt* s) { return summary_from(s); });
  }

  expected<std::vector<DecisionSummary>, StoreError> decisions(const DecisionQuery& q) override {
    std::lock_guard lock(mutex_);
    return rows<DecisionSummary>(
        std::string("SELECT ") + sqlite_summary_columns +
            " FROM decisions WHERE received_at_ms >= ?1 AND received_at_ms < ?2 AND (?3 = '' OR channel = ?3) "
            "AND (?4 = '' OR outcome = ?4) ORDER BY received_at_ms, decision_id LIMIT ?5",
        "listing decisions",
        [&](Binder& b) {
          b.integer(q.from_ms).integer(q.to_ms).text(q.channel).text(q.outcome).integer(static_cast<std::int64_t>(q.limit));
        },
        [](sqlite3_stmt* s) { return summary_from(s); });
  }

  expected<std::size_t, StoreError> cases(const DecisionQuery& q, const CaseVisitor& visit) override {
    std::lock_guard lock(mutex_);
    const std::string doing = "reading stored cases";
    auto statement = sqlite::prepare(db_.get(),
                                     "SELECT decision_id, case_json FROM decisions WHERE received_at_ms >= ?1 AND "
                                     "received_at_ms < ?2 AND (?3 = '' OR channel = ?3) AND (?4 = '' OR outcome = ?4) "
                                     "AND (?5 = '' OR shop_id = ?5) ORDER BY received_at_ms, decision_id LIMIT ?6");
    if (!statement) return unexpected(statement.error());
    sqlite3_stmt* s = statement->get();
    Binder binder(s);
    binder.integer(q.from_ms).integer(q.to_ms).text(q.channel).text(q.outcome).text(q.shop_id).integer(
        static_cast<std::int64_t>(q.limit));
    if (!binder.ok()) return unexpected(sqlite::error(db_.get(), doing));
    std::size_t visited = 0;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      ++visited;
      const auto text = [s](int column) {
        return std::string_view(reinterpret_cast<const char*>(sqlite3_column_text(s, column)),
                                static_cast<std::size_t>(sqlite3_column_bytes(s, column)));
      };
      if (!visit(text(0), text(1))) return visited;
    }
    if (rc != SQLITE_DONE) return unexpected(sqlite::error(db_.get(), doing));
    return visited;
  }

 private:
  /// Prepares `sql`, binds with `bind`, and maps every row with `map`.
  template <class T, class Bind, class Map>
  expected<std::vector<T>, StoreError> rows(const std::string& sql, std::string_view doing, Bind&& bind, Map&& map) {
    auto statement = sqlite::prepare(db_.get(), sql);
    if (!statement) return unexpected(statement.error());
    sqlite3_stmt* s = statement->get();
    Binder binder(s);
    bind(binder);
    if (!binder.ok()) return unexpected(sqlite::error(db_.get(), doing));
    std::vector<T> out;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) out.push_back(map(s));
    if (rc != SQLITE_DONE) return unexpected(sqlite::error(db_.get(), doing));
    return out;
  }

  std::mutex mutex_;
  sqlite::Database db_;
  std::unique_ptr<DecisionStore> decisions_;
  std::unique_ptr<PolicyVersionStore> versions_;
};

}  // namespace

expected<std::unique_ptr<ComplianceStore>, StoreError> open_postgres_compliance(const std::string& url) {
  auto decisions = open_postgres(url);
  if (!decisions) return unexpected(decisions.error());
  auto versions = open_postgres_policy_versions(url);
  if (!versions) return unexpected(versions.error());
  return std::unique_ptr<ComplianceStore>(
      std::make_unique<PostgresComplianceStore>(url, std::move(*decisions), std::move(*versions)));
}

expected<std::unique_ptr<ComplianceStore>, StoreError> open_sqlite_compliance(const std::filesystem::path& file) {
  auto decisions = open_sqlite(file);
  if (!decisions) return unexpected(decisions.error());
  auto versions = open_sqlite_policy_versions(file);
  if (!versions) return unexpected(versions.error());
  auto db = sqlite::open_migrated(file, {});
  if (!db) return unexpected(db.error());
  return std::unique_ptr<ComplianceStore>(
      std::make_unique<SqliteComplianceStore>(std::move(*db), std::move(*decisions), std::move(*versions)));
}

std::string iso_utc_ms(std::int64_t epoch_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(epoch_ms)};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                static_cast<int>(hms.subseconds().count()));
  return text;
}

void write_csv(std::ostream& out, const std::vector<DecisionSummary>& decisions) {
  csv::row(out, {"decision_id", "received_at", "application_id", "channel", "shop_id", "outcome", "policy_name",
                 "policy_version", "policy_hash", "elapsed_ms"});
  for (const auto& d : decisions)
    csv::row(out, {d.decision_id, iso_utc_ms(d.received_at_ms), d.application_id, d.channel, d.shop_id, d.outcome,
                   d.policy_name, std::to_string(d.policy_version), d.policy_hash, std::to_string(d.elapsed_ms)});
}

}  // namespace verdict::store
