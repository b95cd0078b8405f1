#pragma once
// Four-eyes approval of policy changes (sql/*/0004_approvals.sql). A draft is submitted with a
// mandatory comment and waits for approval; a second person with the approver role approves or
// rejects it with a comment — never its author, which the store refuses; an approved request is then
// published (handed to a PolicyPublisher) and marked published with the version it became. Fraud quick
// actions are submitted as fast-track requests, which may be published first and approved after the
// fact when the approval settings allow it. Every action is appended to the audit log by the schema
// itself, in the same transaction.
//
// Who acts: on PostgreSQL the database login of the connection (each analyst has their own), whose
// group roles (verdict_analyst, verdict_approver, verdict_fraud, verdict_compliance) say what they may
// do; the database enforces both, whatever the client. On SQLite (embedded, one desk) the user named
// when opening the store, with roles from the file's user_roles table.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/audit.hpp"
#include "store/decision_store.hpp"
#include "util/expected.hpp"

namespace verdict::store {

enum class Role { Analyst, Approver, Fraud, Compliance };
std::string_view to_string(Role role);  // "analyst", "approver", "fraud", "compliance"
std::optional<Role> role_from_string(std::string_view text);

enum class RequestKind { Standard, FastTrack };
std::string_view to_string(RequestKind kind);  // "standard", "fast_track"

enum class RequestStatus { AwaitingApproval, Approved, Rejected, Published };
std::string_view to_string(RequestStatus status);  // "awaiting_approval", "approved", "rejected", "published"
std::optional<RequestStatus> status_from_string(std::string_view text);

struct ApprovalDecision {
  bool approved = false;
  std::string by;
  std::int64_t at_ms = 0;  // Unix epoch milliseconds, UTC
  std::string comment;
};

struct ApprovalRequest {
  std::int64_t id = 0;
  std::string policy_name;
  int base_version = 0;  // the live version the draft changes; 0 when none was published yet
  std::string document;  // the proposed policy document (JSON)
  std::string content_hash;
  RequestKind kind = RequestKind::Standard;
  std::string author;
  std::string comment;
  std::int64_t submitted_at_ms = 0;
  RequestStatus status = RequestStatus::AwaitingApproval;
  std::optional<ApprovalDecision> decision;
  std::string published_by;  // empty until published
  std::int64_t published_at_ms = 0;
  int published_version = 0;

  /// A fast-track change that is live but nobody has approved yet.
  bool approval_pending_after_the_fact() const { return status == RequestStatus::Published && !decision; }
  /// What a person is shown: "awaiting approval", "approved", "rejected", "published",
  /// "published — approval pending after the fact", "published — rejected after the fact".
  std::string status_text() const;
};

/// What an analyst submits. The author and the time come from the store.
struct NewApprovalRequest {
  std::string policy_name;
  int base_version = 0;
  std::string document;
  std::string content_hash;  // "sha256:…" over the canonical document (files::policy_content_hash)
  std::string comment;       // mandatory
  RequestKind kind = RequestKind::Standard;
};

struct RequestFilter {
  std::optional<RequestStatus> status;
  std::string policy_name;  // empty: every policy
  /// Only fast-track requests published before anyone approved them.
  bool pending_after_the_fact = false;
};

/// Refusals (no role, four eyes, wrong status, missing comment) are StoreErrors with transient false
/// and a message that names the people and the request.
class ApprovalStore {
 public:
  virtual ~ApprovalStore() = default;
  /// Who this store acts as: the database login, or the configured user.
  virtual const std::string& identity() const = 0;
  virtual expected<std::vector<Role>, StoreError> roles() = 0;

  /// Submits a draft; returns the new request's id. Needs the analyst role (fraud for fast-track).
  virtual expected<std::int64_t, StoreError> submit(const NewApprovalRequest& request) = 0;
  /// Needs the approver role; refused for the request's own author. A fast-track request already
  /// published can be approved or rejected after the fact.
  virtual expected<void, StoreError> approve(std::int64_t id, std::string_view comment) = 0;
  virtual expected<void, StoreError> reject(std::int64_t id, std::string_view comment) = 0;
  /// Records that the request went live as `version`. Needs an approved request (analyst role), or a
  /// fast-track one while fast_track_after_the_fact() is on (fraud role).
  virtual expected<void, StoreError> mark_published(std::int64_t id, int version) = 0;

  virtual expected<std::optional<ApprovalRequest>, StoreError> find(std::int64_t id) = 0;
  /// Newest first.
  virtual expected<std::vector<ApprovalRequest>, StoreError> list(const RequestFilter& filter) = 0;
  /// The request published as `version` of `policy_name`, if one was.
  virtual expected<std::optional<ApprovalRequest>, StoreError> find_published(std::string_view policy_name,
                                                                              int version) = 0;

  virtual expected<bool, StoreError> fast_track_after_the_fact() = 0;
  /// Needs the compliance role.
  virtual expected<void, StoreError> set_fast_track_after_the_fact(bool allowed) = 0;

  /// The audit log, oldest first; `subject_prefix` e.g. "policy/consumer-nl/" (empty: all).
  virtual expected<std::vector<AuditEntry>, StoreError> audit_log(std::string_view subject_prefix) = 0;
};

/// Where an approved change goes live: the policy version store and the policy topic. Returns the
/// version number the document was published as.
class PolicyPublisher {
 public:
  virtual ~PolicyPublisher() = default;
  virtual expected<int, StoreError> publish(const ApprovalRequest& request) = 0;
};

class PolicyVersionStore;

/// Publishes into the policy version store (policy_versions): the request's document under the
/// version it carries, its author and comment, and its approver — for a fast-track change published
/// before approval, "pending after the fact (request N)", since policy_versions needs a second name;
/// the approval request says who approves it later. What the embedded store does; in production the
/// same record is followed by the release on the policy topic (`verdict publish-approved`).
class VersionStorePublisher final : public PolicyPublisher {
 public:
  explicit VersionStorePublisher(PolicyVersionStore& versions) : versions_(versions) {}
  expected<int, StoreError> publish(const ApprovalRequest& request) override;

 private:
  PolicyVersionStore& versions_;
};

/// The version number a request's document carries ("version"), or an error naming the request.
expected<int, StoreError> document_version(const ApprovalRequest& request);

/// Who policy_versions names as approver for `request`: its approver, or the after-the-fact marker.
std::string recorded_approver(const ApprovalRequest& request);

/// What makes a fast-track request too big to go live before approval, or nullopt when it is a quick
/// action: only entries added to existing named lists, and at most `max_fast_track_parameters`
/// parameter values changed; nothing else (rules, norms, provider plan, counter-offers, list removals).
/// `base_document` is the published version it changes (JSON), `proposed` the request's document.
inline constexpr std::size_t max_fast_track_parameters = 3;
std::optional<std::string> fast_track_problem(std::string_view base_document, std::string_view proposed_document);

/// The refusal of a fast-track request whose base version was never published.
StoreError fast_track_without_base(const NewApprovalRequest& request);

/// The refusal of an action for want of a role: "<who> may not <doing>: that needs the role <role>".
StoreError missing_role(std::string_view who, Role role, std::string_view doing);

/// Publishes request `id`: checks that it may be published (approved, or fast-track while that is
/// allowed), hands it to `publisher`, and marks it published with the version the publisher returns.
/// Returns the request as it is afterwards.
expected<ApprovalRequest, StoreError> publish_request(ApprovalStore& store, PolicyPublisher& publisher,
                                                      std::int64_t id);

/// Connects as the login in `url`; fails when the schema is older than 0004.
expected<std::unique_ptr<ApprovalStore>, StoreError> open_postgres_approvals(const std::string& url);

/// Opens (migrating) the embedded file, acting as `user`.
expected<std::unique_ptr<ApprovalStore>, StoreError> open_sqlite_approvals(const std::filesystem::path& file,
                                                                           std::string user,
                                                                           const std::filesystem::path& sql_dir = {});

/// Embedded mode only: gives `user` a role in the file's user_roles table, recorded as granted by
/// `granted_by` (and in the audit log). On PostgreSQL roles are granted by a DBA: GRANT verdict_approver TO bob.
expected<void, StoreError> grant_sqlite_role(const std::filesystem::path& file, std::string_view user, Role role,
                                             std::string_view granted_by);

}  // namespace verdict::store
