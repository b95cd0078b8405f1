#pragma once
// Four-eyes publishing, as the studio sees it. A draft goes to "awaiting approval" with a mandatory
// comment; a different user approves or rejects it with a comment (the back end refuses
// author == approver); an approved version is published (embedded: the local policy folder;
// production: PostgreSQL and the compacted Kafka topic). The embedded implementation is
// LocalFilePublisher; the production one lives with the store (common/adapters/store) and is
// adapted to this interface when it lands.
#include <QDateTime>
#include <QString>
#include <optional>
#include <vector>

#include "policy/policy.hpp"
#include "util/expected.hpp"

namespace verdict::studio {

enum class ApprovalState { AwaitingApproval, Approved, Rejected, Published };
QString toString(ApprovalState state);

struct PolicyVersionInfo {
  QString name;
  int version = 0;
  QString contentHash;
  QString author;
  QString approver;  // empty until approved
  QString comment;   // the author's
  QString reviewComment;  // the approver's
  QDateTime requestedAt, reviewedAt, publishedAt;
  ApprovalState state = ApprovalState::AwaitingApproval;
  bool fastTrack = false;  // a fraud quick action, published first and approved after the fact
};

struct ApprovalRequest {
  QString id;
  PolicyVersionInfo info;
  verdict::PolicyDocument document;
};

struct LiveVersion {
  PolicyVersionInfo info;
  verdict::PolicyDocument document;
};

class PolicyPublisher {
 public:
  virtual ~PolicyPublisher() = default;
  /// "local files in /path" or "PostgreSQL ... / Kafka ..." for the status bar.
  virtual QString describe() const = 0;
  /// Who the back end says is acting (embedded: the configured name; production: the database login).
  virtual QString currentUser() const = 0;

  /// The version the daemons run; nullopt when nothing was published yet.
  virtual expected<std::optional<LiveVersion>, QString> live() = 0;
  /// Sends a draft for approval. The comment is mandatory. Returns the request id.
  virtual expected<QString, QString> requestApproval(const verdict::PolicyDocument& draft, const QString& comment) = 0;
  virtual expected<std::vector<ApprovalRequest>, QString> requests() = 0;
  /// Refused when the current user wrote the request, or it is not awaiting approval.
  virtual expected<void, QString> approve(const QString& requestId, const QString& comment) = 0;
  virtual expected<void, QString> reject(const QString& requestId, const QString& comment) = 0;
  /// Publishes an approved request as the next live version; returns what was published.
  virtual expected<PolicyVersionInfo, QString> publish(const QString& requestId) = 0;
  /// Every published version, newest first.
  virtual expected<std::vector<PolicyVersionInfo>, QString> history() = 0;
};

}  // namespace verdict::studio
