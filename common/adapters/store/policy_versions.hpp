#pragma once
// Published policy versions (table policy_versions, sql/*/0001_initial.sql): the record of what was
// rolled out, by whom, approved by whom and why. `verdict publish` records a version here before it
// goes out on Kafka; the studio lists the history and fetches old versions to diff, simulate or
// roll back (by publishing it again under a new version number).
//
// Versions are immutable (the table refuses UPDATE and DELETE) and four-eyes: the approver is never
// the author (a CHECK constraint; record() says so before the database has to). Every record() also
// appends a "publish" row to audit_log in the same transaction.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/decision_store.hpp"
#include "util/expected.hpp"

namespace verdict::store {

struct PolicyVersion {
  std::string name;
  int version = 0;
  std::string content_hash;  // "sha256:…" over the canonical document
  std::string document;      // JSON text; equivalent JSON on PostgreSQL (jsonb), byte for byte on SQLite
  std::string author, approver, comment;
  std::int64_t published_at_ms = 0;  // Unix epoch milliseconds, UTC
};

enum class Recorded {
  New,            // this call stored it
  AlreadyStored,  // the same name, version and hash were stored before (a retried publish)
};

/// Safe to call from several threads (calls are serialised on one connection).
class PolicyVersionStore {
 public:
  virtual ~PolicyVersionStore() = default;
  /// Stores a published version, with its audit_log row. Refused (not transient) when the approver
  /// is the author, a field is blank, the version is already stored with another hash, or it is not
  /// newer than the latest stored version of that policy. Storing the same version with the same
  /// hash again changes nothing and answers AlreadyStored, so a publish can be retried.
  virtual expected<Recorded, StoreError> record(const PolicyVersion& version) = 0;
  /// Every version of `name`, newest first, without their documents (`document` left empty).
  virtual expected<std::vector<PolicyVersion>, StoreError> history(std::string_view name) = 0;
  /// One version, document included; nullopt when it was never published.
  virtual expected<std::optional<PolicyVersion>, StoreError> fetch(std::string_view name, int version) = 0;
  /// The newest version of `name`, document included.
  virtual expected<std::optional<PolicyVersion>, StoreError> latest(std::string_view name) = 0;
};

/// On a migrated PostgreSQL database (see migrations.hpp).
expected<std::unique_ptr<PolicyVersionStore>, StoreError> open_postgres_policy_versions(const std::string& url);
/// On an SQLite file, created and migrated if needed (the embedded default's verdict.db).
expected<std::unique_ptr<PolicyVersionStore>, StoreError> open_sqlite_policy_versions(const std::filesystem::path& file);

}  // namespace verdict::store
