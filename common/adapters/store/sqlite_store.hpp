#pragma once
// Internal to the store (needs libsqlite3): the handles and error mapping that sqlite_store.cpp and
// migrations.cpp share.
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <string_view>

#include "store/decision_store.hpp"
#include "util/expected.hpp"

namespace verdict::store::sqlite {

struct CloseDatabase {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using Database = std::unique_ptr<sqlite3, CloseDatabase>;

struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

/// Opens or creates the file for the store: WAL (readers do not block the writer), synchronous=FULL
/// (a committed batch survives a power cut, which is what lets the sink drop its spool), foreign keys
/// on, and a busy timeout so a second process briefly holding the write lock is waited for.
expected<Database, StoreError> open_database(const std::filesystem::path& file);

/// The last error on `db` as a StoreError; transient when the database was busy, locked, out of disk
/// or failing I/O.
StoreError error(sqlite3* db, std::string_view doing);

expected<void, StoreError> exec(sqlite3* db, const char* sql, std::string_view doing);
expected<Statement, StoreError> prepare(sqlite3* db, std::string_view sql);

}  // namespace verdict::store::sqlite
