#pragma once
// The embedded publisher: four-eyes approval over a local folder, no server needed.
//   <folder>/requests/<id>.json   a request: its state, author, comments and the policy document
//   <folder>/versions/<name>-v<N>.json   every published version (immutable)
//   <folder>/live.json            the published version daemons in embedded mode load
// Files are written atomically (QSaveFile), so a crash never leaves half a policy.
#include <QString>

#include "publish/policy_publisher.hpp"

namespace verdict::studio {

class LocalFilePublisher : public PolicyPublisher {
 public:
  LocalFilePublisher(QString folder, QString user);

  QString describe() const override;
  QString currentUser() const override { return user_; }
  expected<std::optional<LiveVersion>, QString> live() override;
  expected<QString, QString> requestApproval(const verdict::PolicyDocument& draft, const QString& comment) override;
  expected<std::vector<ApprovalRequest>, QString> requests() override;
  expected<void, QString> approve(const QString& requestId, const QString& comment) override;
  expected<void, QString> reject(const QString& requestId, const QString& comment) override;
  expected<PolicyVersionInfo, QString> publish(const QString& requestId) override;
  expected<std::vector<PolicyVersionInfo>, QString> history() override;

  /// Acts as another user from now on (the second analyst of a four-eyes test on one machine).
  void setUser(QString user) { user_ = std::move(user); }

 private:
  expected<ApprovalRequest, QString> load(const QString& requestId) const;
  expected<void, QString> store(const ApprovalRequest& request) const;
  expected<void, QString> review(const QString& requestId, const QString& comment, bool approve);

  QString folder_;
  QString user_;
};

}  // namespace verdict::studio
