#include "store/policy_versions.hpp"

#include <mutex>
#include <nlohmann/json.hpp>

#include "policy/rollout.hpp"
#include "store/migrations.hpp"
#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"

namespace verdict::store {

namespace {

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

/// What the schema's CHECKs would refuse, said in words before the database has to.
std::optional<StoreError> invalid(const PolicyVersion& v) {
  auto refused = [](std::string message) { return StoreError{std::move(message), false}; };
  if (blank(v.name)) return refused("the policy has no name");
  if (v.version <= 0) return refused("version must be greater than 0");
  if (blank(v.content_hash)) return refused("the content hash is missing");
  if (blank(v.author)) return refused("author must not be blank");
  if (blank(v.approver)) return refused("approver must not be blank");
  if (blank(v.comment)) return refused("comment must not be blank");
  if (same_person(v.author, v.approver))
    return refused("approver must be a second analyst, not the author (four-eyes)");
  if (nlohmann::json::parse(v.document, nullptr, false).is_discarded()) return refused("the document is not JSON");
  return std::nullopt;
}

std::string subject(const PolicyVersion& v) { return v.name + "@" + std::to_string(v.version); }

std::string audit_details(const PolicyVersion& v) {
  return nlohmann::json{{"approver", v.approver}, {"content_hash", v.content_hash}, {"comment", v.comment}}.dump();
}

StoreError already_with_other_hash(const PolicyVersion& v, const std::string& stored_hash) {
  return {subject(v) + " is already published with hash " + stored_hash + "; publish a new version instead", false};
}

StoreError not_newer(const PolicyVersion& v, int latest) {
  return {subject(v) + " is not newer than the latest published version " + std::to_string(latest) +
              "; give the document a higher version",
          false};
}

// ---- PostgreSQL ------------------------------------------------------------------------------

class PostgresPolicyVersions final : public PolicyVersionStore {
 public:
  explicit PostgresPolicyVersions(std::string url) : session_(std::move(url)) {}

  expected<void, StoreError> check() {
    return session_.run("opening policy_versions", [](pqxx::connection& conn) -> expected<void, StoreError> {
      pqxx::read_transaction t(conn);
      if (t.exec1("SELECT to_regclass('policy_versions') IS NOT NULL")[0].as<bool>()) return {};
      return unexpected(StoreError{"the database has no policy_versions table; run `verdict migrate --postgres URL`", false});
    });
  }

  expected<Recorded, StoreError> record(const PolicyVersion& v) override {
    if (auto error = invalid(v)) return unexpected(*error);
    return session_.run("recording " + subject(v), [&](pqxx::connection& conn) -> expected<Recorded, StoreError> {
      pqxx::work t(conn);
      // One publisher per policy name at a time, so "newer than the latest" holds under races.
      t.exec_params("SELECT pg_advisory_xact_lock(hashtext('verdict.policy_versions'), hashtext($1))", v.name);
      const auto existing =
          t.exec_params("SELECT content_hash FROM policy_versions WHERE name = $1 AND version = $2", v.name, v.version);
      if (!existing.empty()) {
        const auto stored = existing[0][0].as<std::string>();
        if (stored == v.content_hash) return Recorded::AlreadyStored;
        return unexpected(already_with_other_hash(v, stored));
      }
      const auto latest = t.exec_params1("SELECT coalesce(max(version), 0) FROM policy_versions WHERE name = $1", v.name);
      if (const int newest = latest[0].as<int>(); v.version < newest) return unexpected(not_newer(v, newest));
      t.exec_params0(
          "INSERT INTO policy_versions (name, version, content_hash, document, author, approver, comment, published_at) "
          "VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, timestamptz 'epoch' + $8 * interval '1 millisecond')",
          v.name, v.version, v.content_hash, v.document, v.author, v.approver, v.comment, v.published_at_ms);
      // The audit entry comes from the policy_versions_audit trigger (0006): analysts may not write
      // audit_log themselves.
      t.commit();
      return Recorded::New;
    });
  }

  expected<std::vector<PolicyVersion>, StoreError> history(std::string_view name) override {
    const std::string n(name);
    return session_.run("listing policy versions", [&](pqxx::connection& conn) {
      pqxx::read_transaction t(conn);
      std::vector<PolicyVersion> out;
      for (const auto& row : t.exec_params(std::string(select_columns(false)) +
                                               " FROM policy_versions WHERE name = $1 ORDER BY version DESC",
                                           n))
        out.push_back(from_row(row, false));
      return out;
    });
  }

  expected<std::optional<PolicyVersion>, StoreError> fetch(std::string_view name, int version) override {
    const std::string n(name);
    return session_.run("fetching a policy version", [&](pqxx::connection& conn) -> std::optional<PolicyVersion> {
      pqxx::read_transaction t(conn);
      const auto rows = t.exec_params(std::string(select_columns(true)) +
                                          " FROM policy_versions WHERE name = $1 AND version = $2",
                                      n, version);
      if (rows.empty()) return std::nullopt;
      return from_row(rows[0], true);
    });
  }

  expected<std::optional<PolicyVersion>, StoreError> latest(std::string_view name) override {
    const std::string n(name);
    return session_.run("fetching the latest policy version", [&](pqxx::connection& conn) -> std::optional<PolicyVersion> {
      pqxx::read_transaction t(conn);
      const auto rows = t.exec_params(std::string(select_columns(true)) +
                                          " FROM policy_versions WHERE name = $1 ORDER BY version DESC LIMIT 1",
                                      n);
      if (rows.empty()) return std::nullopt;
      return from_row(rows[0], true);
    });
  }

 private:
  static const char* select_columns(bool with_document) {
    return with_document
               ? "SELECT name, version, content_hash, author, approver, comment, "
                 "(extract(epoch FROM published_at) * 1000)::bigint, document::text"
               : "SELECT name, version, content_hash, author, approver, comment, "
                 "(extract(epoch FROM published_at) * 1000)::bigint, ''";
  }
  static PolicyVersion from_row(const pqxx::row& row, bool with_document) {
    PolicyVersion v;
    v.name = row[0].as<std::string>();
    v.version = row[1].as<int>();
    v.content_hash = row[2].as<std::string>();
    v.author = row[3].as<std::string>();
    v.approver = row[4].as<std::string>();
    v.comment = row[5].as<std::string>();
    v.published_at_ms = row[6].as<std::int64_t>();
    if (with_document) v.document = row[7].as<std::string>();
    return v;
  }

  postgres::Session session_;
};

// ---- SQLite ----------------------------------------------------------------------------------

class SqlitePolicyVersions final : public PolicyVersionStore {
 public:
  explicit SqlitePolicyVersions(sqlite::Database db) : db_(std::move(db)) {}

  expected<Recorded, StoreError> record(const PolicyVersion& v) override {
    if (auto error = invalid(v)) return unexpected(*error);
    std::lock_guard lock(mutex_);
    sqlite3* db = db_.get();
    if (auto begun = sqlite::exec(db, "BEGIN IMMEDIATE", "starting a write"); !begun) return unexpected(begun.error());
    auto result = record_locked(v);
    if (result && *result == Recorded::New) {
      if (auto committed = sqlite::exec(db, "COMMIT", "committing " + subject(v)); !committed) {
        sqlite::exec(db, "ROLLBACK", "rolling back");
        return unexpected(committed.error());
      }
    } else {
      sqlite::exec(db, "ROLLBACK", "rolling back");
    }
    return result;
  }

  expected<std::vector<PolicyVersion>, StoreError> history(std::string_view name) override {
    std::lock_guard lock(mutex_);
    auto rows = query(std::string(select_columns(false)) + " WHERE name = ?1 ORDER BY version DESC", name, 0, false);
    return rows;
  }

  expected<std::optional<PolicyVersion>, StoreError> fetch(std::string_view name, int version) override {
    std::lock_guard lock(mutex_);
    auto rows = query(std::string(select_columns(true)) + " WHERE name = ?1 AND version = ?2", name, version, true);
    if (!rows) return unexpected(rows.error());
    if (rows->empty()) return std::optional<PolicyVersion>{};
    return std::optional<PolicyVersion>{std::move(rows->front())};
  }

  expected<std::optional<PolicyVersion>, StoreError> latest(std::string_view name) override {
    std::lock_guard lock(mutex_);
    auto rows =
        query(std::string(select_columns(true)) + " WHERE name = ?1 ORDER BY version DESC LIMIT 1", name, 0, true);
    if (!rows) return unexpected(rows.error());
    if (rows->empty()) return std::optional<PolicyVersion>{};
    return std::optional<PolicyVersion>{std::move(rows->front())};
  }

 private:
  static const char* select_columns(bool with_document) {
    return with_document ? "SELECT name, version, content_hash, author, approver, comment, published_at_ms, document "
                           "FROM policy_versions"
                         : "SELECT name, version, content_hash, author, approver, comment, published_at_ms, '' "
                           "FROM policy_versions";
  }

  static std::string text(sqlite3_stmt* s, int column) {
    const auto* p = sqlite3_column_text(s, column);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(s, column)))
             : std::string();
  }

  /// Runs a SELECT of select_columns() with ?1 = name and, when the SQL has it, ?2 = version.
  expected<std::vector<PolicyVersion>, StoreError> query(const std::string& sql, std::string_view name, int version,
                                                         bool with_document) {
    auto statement = sqlite::prepare(db_.get(), sql);
    if (!statement) return unexpected(statement.error());
    sqlite3_stmt* s = statement->get();
    sqlite3_bind_text(s, 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
    if (sqlite3_bind_parameter_count(s) >= 2) sqlite3_bind_int(s, 2, version);
    std::vector<PolicyVersion> out;
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      PolicyVersion v;
      v.name = text(s, 0);
      v.version = sqlite3_column_int(s, 1);
      v.content_hash = text(s, 2);
      v.author = text(s, 3);
      v.approver = text(s, 4);
      v.comment = text(s, 5);
      v.published_at_ms = sqlite3_column_int64(s, 6);
      if (with_document) v.document = text(s, 7);
      out.push_back(std::move(v));
    }
    if (rc != SQLITE_DONE) return unexpected(sqlite::error(db_.get(), "reading policy_versions"));
    return out;
  }

  expected<Recorded, StoreError> record_locked(const PolicyVersion& v) {
    auto existing = query(std::string(select_columns(false)) + " WHERE name = ?1 AND version = ?2", v.name, v.version,
                          false);
    if (!existing) return unexpected(existing.error());
    if (!existing->empty()) {
      if (existing->front().content_hash == v.content_hash) return Recorded::AlreadyStored;
      return unexpected(already_with_other_hash(v, existing->front().content_hash));
    }
    auto newest = query(std::string(select_columns(false)) + " WHERE name = ?1 ORDER BY version DESC LIMIT 1", v.name,
                        0, false);
    if (!newest) return unexpected(newest.error());
    if (!newest->empty() && v.version < newest->front().version) return unexpected(not_newer(v, newest->front().version));

    auto insert = sqlite::prepare(db_.get(),
                                  "INSERT INTO policy_versions (name, version, content_hash, document, author, approver, "
                                  "comment, published_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (!insert) return unexpected(insert.error());
    sqlite3_stmt* s = insert->get();
    auto bind = [&](int i, const std::string& value) {
      sqlite3_bind_text(s, i, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    };
    bind(1, v.name);
    sqlite3_bind_int(s, 2, v.version);
    bind(3, v.content_hash);
    bind(4, v.document);
    bind(5, v.author);
    bind(6, v.approver);
    bind(7, v.comment);
    sqlite3_bind_int64(s, 8, v.published_at_ms);
    if (sqlite3_step(s) != SQLITE_DONE) return unexpected(sqlite::error(db_.get(), "recording " + subject(v)));

    auto audit = sqlite::prepare(db_.get(),
                                 "INSERT INTO audit_log (actor, action, subject, details) VALUES (?1, 'publish', ?2, ?3)");
    if (!audit) return unexpected(audit.error());
    s = audit->get();
    const std::string subject_text = subject(v), details = audit_details(v);
    bind(1, v.author);
    bind(2, subject_text);
    bind(3, details);
    if (sqlite3_step(s) != SQLITE_DONE) return unexpected(sqlite::error(db_.get(), "auditing " + subject(v)));
    return Recorded::New;
  }

  std::mutex mutex_;
  sqlite::Database db_;
};

}  // namespace

expected<std::unique_ptr<PolicyVersionStore>, StoreError> open_postgres_policy_versions(const std::string& url) {
  auto store = std::make_unique<PostgresPolicyVersions>(url);
  if (auto checked = store->check(); !checked) return unexpected(checked.error());
  return std::unique_ptr<PolicyVersionStore>(std::move(store));
}

expected<std::unique_ptr<PolicyVersionStore>, StoreError> open_sqlite_policy_versions(const std::filesystem::path& file) {
  auto db = sqlite::open_database(file);
  if (!db) return unexpected(db.error());
  if (auto applied = apply_sqlite_migrations(db->get(), embedded_sqlite_migrations()); !applied)
    return unexpected(applied.error());
  return std::unique_ptr<PolicyVersionStore>(std::make_unique<SqlitePolicyVersions>(std::move(*db)));
}

}  // namespace verdict::store
