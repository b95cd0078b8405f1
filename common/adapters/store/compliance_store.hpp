#pragma once
// What compliance and auditors read: the policy history (every published version with who wrote,
// who approved and why, joined with its approval request), the documents of old versions, and the
// stored decisions — by id, by hashed customer identifier (crypto::customer_key), or over a
// timeframe for export. Read-only; PostgreSQL or the embedded SQLite file.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/decision_store.hpp"
#include "util/expected.hpp"

namespace verdict::store {

struct HistoryEntry {
  std::string name;
  int version = 0;
  std::string content_hash;
  std::string author, approver, comment;  // as recorded in policy_versions
  std::int64_t published_at_ms = 0;
  // From the approval request it was published from, when there was one (0 / empty otherwise).
  std::int64_t request_id = 0;
  std::int64_t submitted_at_ms = 0;
  std::int64_t approved_at_ms = 0;  // 0 while a fast-track version still awaits approval after the fact
  std::string approval_comment;
  std::string kind;    // "standard" or "fast_track"
  std::string status;  // ApprovalRequest::status_text(), e.g. "published — approval pending after the fact"
};

/// A decision without the case it was decided on: one row of a list or an export.
struct DecisionSummary {
  std::string decision_id;
  std::int64_t received_at_ms = 0;
  std::string application_id, channel, shop_id, outcome, policy_name;
  int policy_version = 0;
  std::string policy_hash;
  int elapsed_ms = 0;
};

struct DecisionQuery {
  std::int64_t from_ms = 0;  // inclusive
  std::int64_t to_ms = 0;    // exclusive
  std::string channel;       // empty: all
  std::string outcome;       // empty: all
  std::size_t limit = 1'000'000;
  std::string shop_id = {};  // empty: all (cases() only)
};

/// Called once per stored case, oldest first: the decision's id and the case it was decided on
/// (JSON text: {"application", "providers", "velocity"}). Return false to stop early.
using CaseVisitor = std::function<bool(std::string_view decision_id, std::string_view case_json)>;

class ComplianceStore {
 public:
  virtual ~ComplianceStore() = default;
  /// Every published version of `policy_name`, newest first.
  virtual expected<std::vector<HistoryEntry>, StoreError> history(std::string_view policy_name) = 0;
  /// The document of one published version (JSON text); nullopt when it was never published.
  virtual expected<std::optional<std::string>, StoreError> version_document(std::string_view policy_name,
                                                                            int version) = 0;
  virtual expected<std::optional<DecisionRecord>, StoreError> decision(std::string_view decision_id) = 0;
  /// The decisions made for one applicant, newest first.
  virtual expected<std::vector<DecisionSummary>, StoreError> decisions_by_customer(std::string_view customer_key) = 0;
  /// Decisions received in [from, to), oldest first.
  virtual expected<std::vector<DecisionSummary>, StoreError> decisions(const DecisionQuery& query) = 0;
  /// The cases of the decisions received in [from, to) (channel, outcome and shop filters apply, at
  /// most `limit`), streamed to `visit` without holding them all: what the studio simulates a draft
  /// against. Returns how many were visited.
  virtual expected<std::size_t, StoreError> cases(const DecisionQuery& query, const CaseVisitor& visit) = 0;
};

expected<std::unique_ptr<ComplianceStore>, StoreError> open_postgres_compliance(const std::string& url);
expected<std::unique_ptr<ComplianceStore>, StoreError> open_sqlite_compliance(const std::filesystem::path& file);

/// The CSV of an export: a header row, then one row per decision; instants as ISO 8601 UTC.
void write_csv(std::ostream& out, const std::vector<DecisionSummary>& decisions);

/// "2026-12-03T21:12:33.000Z".
std::string iso_utc_ms(std::int64_t epoch_ms);

}  // namespace verdict::store
