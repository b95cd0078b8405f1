#pragma once
// The studio's PolicyPublisher over the store's four-eyes back end (common/adapters/store:
// ApprovalStore, PolicyVersionStore): requests, approvals and refusals are the store's — on
// PostgreSQL the database login is the user and its roles decide, the schema refuses author =
// approver and audits every step. Publishing records the version (VersionStorePublisher) and, when
// brokers are given, produces the release to the compacted policy topic for every verdictd.
#include <memory>
#include <optional>
#include <string>

#include "kafka/kafka_client.hpp"
#include "kafka/policy_rollout.hpp"
#include "publish/policy_publisher.hpp"
#include "store/approval_store.hpp"
#include "store/policy_versions.hpp"

namespace verdict::studio {

class StorePublisher : public PolicyPublisher {
 public:
  /// `policyName`: the policy whose live version live() returns. No `kafka`: record only (embedded).
  StorePublisher(std::unique_ptr<store::ApprovalStore> approvals, std::unique_ptr<store::PolicyVersionStore> versions,
                 std::string policyName, std::optional<kafka::ClientSettings> kafka, QString description,
                 kafka::RolloutTopics topics = {});

  /// Production: both stores on PostgreSQL as the URL's login, releases to the brokers.
  /// Embedded: the approvals and versions of the embedded SQLite file as `user` (its user_roles say what
  /// they may), and each published version also written to `policyDirectory`/live.json, the plain
  /// policy a local verdictd is started with.
  static expected<std::unique_ptr<StorePublisher>, QString> openEmbedded(const QString& sqlitePath, const QString& user,
                                                                         const std::string& policyName,
                                                                         const QString& policyDirectory);
  static expected<std::unique_ptr<StorePublisher>, QString> openProduction(const QString& postgresUrl,
                                                                           const QString& brokers,
                                                                           const std::string& policyName,
                                                                           kafka::RolloutTopics topics = {});

  QString describe() const override { return description_; }
  QString currentUser() const override;
  expected<std::optional<LiveVersion>, QString> live() override;
  expected<QString, QString> requestApproval(const verdict::PolicyDocument& draft, const QString& comment) override;
  expected<std::vector<ApprovalRequest>, QString> requests() override;
  expected<void, QString> approve(const QString& requestId, const QString& comment) override;
  expected<void, QString> reject(const QString& requestId, const QString& comment) override;
  expected<PolicyVersionInfo, QString> publish(const QString& requestId) override;
  expected<std::vector<PolicyVersionInfo>, QString> history() override;

 private:
  expected<int, QString> latestVersion();
  std::unique_ptr<store::ApprovalStore> approvals_;
  std::unique_ptr<store::PolicyVersionStore> versions_;
  std::string policyName_;
  std::optional<kafka::ClientSettings> kafka_;
  kafka::RolloutTopics topics_;
  QString description_;
  QString liveFile_;  // embedded: where a published version is written as the plain policy
};

}  // namespace verdict::studio
