#include "store/migrations.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "crypto/hashing.hpp"
#include "store/embedded_migrations.hpp"  // generated from sql/ at configure time
#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"

namespace verdict::store {

namespace {

std::vector<Migration> from_embedded(std::span<const EmbeddedMigration> embedded) {
  std::vector<Migration> out;
  for (const auto& m : embedded) out.push_back({m.version, std::string(m.name), std::string(m.sql)});
  return out;
}

/// "0001_initial.sql" -> 1; nullopt for any other name, so READMEs and editor files are skipped.
std::optional<int> version_of(const std::string& file_name) {
  if (file_name.size() < 10 || !file_name.ends_with(".sql") || file_name[4] != '_') return std::nullopt;
  int version = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (file_name[i] < '0' || file_name[i] > '9') return std::nullopt;
    version = version * 10 + (file_name[i] - '0');
  }
  return version;
}

std::string checksum(const Migration& m) { return "sha256:" + crypto::sha256_hex(m.sql); }

StoreError changed_after_applied(const Migration& m) {
  return {m.name + " was changed after it was applied to this database; add a new migration instead", false};
}

/// A SQLite migration whose first line is this runs with foreign keys off (see sql/README.md).
constexpr std::string_view foreign_keys_off_marker = "-- verdict: foreign_keys off";

bool without_foreign_keys(const Migration& m) {
  return m.sql.starts_with(foreign_keys_off_marker) &&
         (m.sql.size() == foreign_keys_off_marker.size() || m.sql[foreign_keys_off_marker.size()] == '\n' ||
          m.sql[foreign_keys_off_marker.size()] == '\r');
}

/// Switches a connection's foreign keys off (outside a transaction) and back to what they were when
/// it goes, however the migration ends. Does nothing for a null connection.
class ForeignKeysOff {
 public:
  explicit ForeignKeysOff(sqlite3* db) : db_(db) {
    if (!db_) return;
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_, "PRAGMA foreign_keys", -1, &raw, nullptr) != SQLITE_OK) return;
    sqlite::Statement query(raw);
    if (sqlite3_step(raw) != SQLITE_ROW) return;
    were_on_ = sqlite3_column_int(raw, 0) != 0;
    switched_ = sqlite::exec(db_, "PRAGMA foreign_keys = OFF", "switching foreign keys off").has_value();
  }
  ~ForeignKeysOff() {
    if (switched_ && were_on_) sqlite::exec(db_, "PRAGMA foreign_keys = ON", "switching foreign keys back on");
  }
  ForeignKeysOff(const ForeignKeysOff&) = delete;
  ForeignKeysOff& operator=(const ForeignKeysOff&) = delete;
  bool switched() const { return switched_; }

 private:
  sqlite3* db_;
  bool were_on_ = false;
  bool switched_ = false;
};

/// Inside the migration's transaction: no row references a row that is not there.
expected<void, StoreError> foreign_keys_hold(sqlite3* db, const Migration& m) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &raw, nullptr) != SQLITE_OK)
    return unexpected(sqlite::error(db, "checking foreign keys after " + m.name));
  sqlite::Statement check(raw);
  const int rc = sqlite3_step(raw);
  if (rc == SQLITE_DONE) return {};
  if (rc != SQLITE_ROW) return unexpected(sqlite::error(db, "checking foreign keys after " + m.name));
  const auto* table = sqlite3_column_text(raw, 0);
  const auto* parent = sqlite3_column_text(raw, 2);
  return unexpected(StoreError{m.name + " left rows of " + (table ? reinterpret_cast<const char*>(table) : "?") +
                                   " referencing missing rows of " + (parent ? reinterpret_cast<const char*>(parent) : "?"),
                               false});
}

// Any fixed number, the same in every process: it names the lock that serialises migrations.
constexpr std::int64_t migration_lock_key = 0x7665'7264'6963'7401;  // "verdict\x01"

}  // namespace

const std::vector<Migration>& embedded_postgres_migrations() {
  static const std::vector<Migration> migrations = from_embedded(embedded_postgres);
  return migrations;
}

const std::vector<Migration>& embedded_sqlite_migrations() {
  static const std::vector<Migration> migrations = from_embedded(embedded_sqlite);
  return migrations;
}

expected<std::vector<Migration>, StoreError> read_migrations(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return unexpected(StoreError{"cannot read migrations in " + dir.string() + ": " + ec.message(), false});
  std::map<int, Migration> by_version;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string name = it->path().filename().string();
    const auto version = version_of(name);
    if (!version) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) return unexpected(StoreError{"cannot read " + it->path().string(), false});
    auto [at, inserted] = by_version.emplace(*version, Migration{*version, name, text.str()});
    if (!inserted)
      return unexpected(StoreError{"two migrations numbered " + name.substr(0, 4) + " in " + dir.string() + ": " +
                                       at->second.name + " and " + name,
                                   false});
  }
  if (ec) return unexpected(StoreError{"cannot read migrations in " + dir.string() + ": " + ec.message(), false});
  if (by_version.empty()) return unexpected(StoreError{"no NNNN_*.sql migrations in " + dir.string(), false});
  std::vector<Migration> out;
  for (auto& [version, m] : by_version) out.push_back(std::move(m));
  return out;
}

expected<int, StoreError> migrate_postgres(const std::string& url, const std::filesystem::path& sql_dir) {
  std::vector<Migration> from_dir;
  if (!sql_dir.empty()) {
    auto read = read_migrations(sql_dir);
    if (!read) return unexpected(read.error());
    from_dir = std::move(*read);
  }
  const auto& migrations = sql_dir.empty() ? embedded_postgres_migrations() : from_dir;
  try {
    auto conn = postgres::connect(url);
    {
      // A session lock, held until we disconnect: a second migrator waits here and then finds
      // everything applied.
      pqxx::nontransaction lock(*conn);
      lock.exec_params("SELECT pg_advisory_lock($1)", migration_lock_key);
      lock.exec0(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
          " applied_at timestamptz NOT NULL DEFAULT now())");
    }
    std::map<int, std::string> applied;
    {
      pqxx::read_transaction read(*conn);
      for (const auto& row : read.exec("SELECT version, checksum FROM schema_migrations"))
        applied.emplace(row[0].as<int>(), row[1].as<std::string>());
    }
    int count = 0;
    for (const auto& m : migrations) {
      const std::string sum = checksum(m);
      if (auto it = applied.find(m.version); it != applied.end()) {
        if (it->second != sum) return unexpected(changed_after_applied(m));
        continue;
      }
      pqxx::work apply(*conn);
      apply.exec(m.sql, m.name);
      apply.exec_params0("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", m.version,
                         m.name, sum);
      apply.commit();
      ++count;
    }
    return count;  // disconnecting releases the advisory lock
  } catch (...) {
    return unexpected(postgres::current_error("migrating"));
  }
}

expected<int, StoreError> apply_sqlite_migrations(sqlite3* db, const std::vector<Migration>& migrations) {
  if (auto created = sqlite::exec(db,
                                  "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                  " version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,"
                                  " applied_at_ms INTEGER NOT NULL"
                                  " DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))) STRICT",
                                  "creating schema_migrations");
      !created)
    return unexpected(created.error());
  auto lookup = sqlite::prepare(db, "SELECT checksum FROM schema_migrations WHERE version = ?1");
  if (!lookup) return unexpected(lookup.error());
  auto record = sqlite::prepare(db, "INSERT INTO schema_migrations (version, name, checksum) VALUES (?1, ?2, ?3)");
  if (!record) return unexpected(record.error());

  int count = 0;
  for (const auto& m : migrations) {
    const std::string sum = checksum(m);
    // A table rebuild drops a table others reference: with foreign keys on, that would delete (ON
    // DELETE CASCADE) or refuse the rows that reference it. The PRAGMA is a no-op inside a
    // transaction, so it is switched before BEGIN and back after the end; the rows are checked
    // instead (foreign_key_check) before the migration commits.
    const bool keys_off = without_foreign_keys(m);
    ForeignKeysOff restore(keys_off ? db : nullptr);
    if (keys_off && !restore.switched())
      return unexpected(sqlite::error(db, "switching foreign keys off for " + m.name));
    // The check and the change under one write lock: of two processes opening a new file together,
    // the second finds the migration applied.
    if (auto begun = sqlite::exec(db, "BEGIN IMMEDIATE", "migrating"); !begun) return unexpected(begun.error());
    auto fail = [&](StoreError e) -> expected<int, StoreError> {
      sqlite::exec(db, "ROLLBACK", "rolling back");
      return unexpected(std::move(e));
    };
    sqlite3_stmt* lookup_statement = lookup->get();
    sqlite3_bind_int(lookup_statement, 1, m.version);
    const int rc = sqlite3_step(lookup_statement);
    const std::string stored = rc == SQLITE_ROW ? std::string(reinterpret_cast<const char*>(sqlite3_column_text(lookup_statement, 0))) : "";
    sqlite3_reset(lookup_statement);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(sqlite::error(db, "reading schema_migrations"));
    if (rc == SQLITE_ROW) {
      sqlite::exec(db, "COMMIT", "migrating");
      if (stored != sum) return unexpected(changed_after_applied(m));
      continue;
    }
    if (auto applied = sqlite::exec(db, m.sql.c_str(), "applying " + m.name); !applied) return fail(applied.error());
    sqlite3_stmt* record_statement = record->get();
    sqlite3_bind_int(record_statement, 1, m.version);
    sqlite3_bind_text(record_statement, 2, m.name.c_str(), -1, nullptr);
    sqlite3_bind_text(record_statement, 3, sum.c_str(), -1, nullptr);
    const int recorded = sqlite3_step(record_statement);
    sqlite3_reset(record_statement);
    if (recorded != SQLITE_DONE) return fail(sqlite::error(db, "recording " + m.name));
    if (keys_off)
      if (auto checked = foreign_keys_hold(db, m); !checked) return fail(checked.error());
    if (auto committed = sqlite::exec(db, "COMMIT", "committing " + m.name); !committed)
      return fail(committed.error());
    ++count;
  }
  return count;
}

expected<int, StoreError> migrate_sqlite(const std::filesystem::path& file, const std::filesystem::path& sql_dir) {
  auto db = sqlite::open_database(file);
  if (!db) return unexpected(db.error());
  if (sql_dir.empty()) return apply_sqlite_migrations(db->get(), embedded_sqlite_migrations());
  auto migrations = read_migrations(sql_dir);
  if (!migrations) return unexpected(migrations.error());
  return apply_sqlite_migrations(db->get(), *migrations);
}

}  // namespace verdict::store
