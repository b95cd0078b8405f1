#pragma once
// Schema migrations: the numbered files of sql/postgres and sql/sqlite (NNNN_description.sql),
// applied in order, each in its own transaction together with its row in `schema_migrations`
// (version, name, SHA-256, when). A second run applies nothing; a file changed after it was applied
// is an error rather than silently ignored, since the database no longer matches the file.
#include <filesystem>
#include <string>
#include <vector>

#include "store/decision_store.hpp"
#include "util/expected.hpp"

struct sqlite3;

namespace verdict::store {

struct Migration {
  int version = 0;   // NNNN
  std::string name;  // the file name, e.g. "0001_initial.sql"
  std::string sql;
};

/// The compiled-in copies of sql/postgres and sql/sqlite, in order: what an installed daemon uses
/// when no source tree is around.
const std::vector<Migration>& embedded_postgres_migrations();
const std::vector<Migration>& embedded_sqlite_migrations();

/// The NNNN_*.sql files of `dir`, in order. Other files are ignored; two files with one number are an
/// error.
expected<std::vector<Migration>, StoreError> read_migrations(const std::filesystem::path& dir);

/// Applies the migrations of `sql_dir` (the compiled-in ones when empty) not yet applied; returns how
/// many it applied. Concurrent runs against one database are serialised (an advisory lock on
/// PostgreSQL, a write transaction on SQLite), so two daemons starting together are safe.
expected<int, StoreError> migrate_postgres(const std::string& url, const std::filesystem::path& sql_dir = {});
expected<int, StoreError> migrate_sqlite(const std::filesystem::path& file, const std::filesystem::path& sql_dir = {});

/// migrate_sqlite on a connection the caller holds (the SQLite store migrates the file it opens).
expected<int, StoreError> apply_sqlite_migrations(sqlite3* db, const std::vector<Migration>& migrations);

}  // namespace verdict::store
