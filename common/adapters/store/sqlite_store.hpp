#pragma once
// Internal to the store (needs libsqlite3): the handles, statement helpers and error mapping that
// the SQLite stores (decisions, approvals, compliance, charts) and migrations.cpp share.
#include <sqlite3.h>

#include <climits>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
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

/// open_database, then the migrations of `sql_dir` (NNNN_*.sql; the compiled-in ones when empty)
/// not yet applied: every SQLite store brings the file it opens up to date itself.
expected<Database, StoreError> open_migrated(const std::filesystem::path& file, const std::filesystem::path& sql_dir);

/// The last error on `db` as a StoreError; transient when the database was busy, locked, out of disk
/// or failing I/O.
StoreError error(sqlite3* db, std::string_view doing);

expected<void, StoreError> exec(sqlite3* db, const char* sql, std::string_view doing);

/// Binds by position; texts are bound without a copy (nullptr destructor = SQLITE_STATIC, spelled
/// without the macro's C cast), so the strings must outlive the step, which they do: every statement
/// is stepped and reset inside the call that bound it.
class Binder {
 public:
  explicit Binder(sqlite3_stmt* statement) : statement_(statement) {}
  Binder& text(std::string_view value) {
    ok_ = ok_ && value.size() <= INT_MAX &&
          sqlite3_bind_text(statement_, ++index_, value.data(), static_cast<int>(value.size()), nullptr) == SQLITE_OK;
    return *this;
  }
  /// NULL for the empty string: an absent idempotency key or provider error.
  Binder& text_or_null(std::string_view value) {
    if (!value.empty()) return text(value);
    ok_ = ok_ && sqlite3_bind_null(statement_, ++index_) == SQLITE_OK;
    return *this;
  }
  Binder& integer(std::int64_t value) {
    ok_ = ok_ && sqlite3_bind_int64(statement_, ++index_, value) == SQLITE_OK;
    return *this;
  }
  bool ok() const { return ok_; }

 private:
  sqlite3_stmt* statement_;
  int index_ = 0;
  bool ok_ = true;
};

/// Resets a statement when the call that used it ends, however it ends.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* statement) : statement_(statement) {}
  ~ResetOnExit() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite3_stmt* statement_;
};

inline std::string column_text(sqlite3_stmt* statement, int column) {
  const auto* text = sqlite3_column_text(statement, column);
  if (!text) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(statement, column)));
}

inline int column_int(sqlite3_stmt* statement, int column) { return sqlite3_column_int(statement, column); }

expected<Statement, StoreError> prepare(sqlite3* db, std::string_view sql);


}  // namespace verdict::store::sqlite
