#include "publish/store_publisher.hpp"

#include <QDir>
#include <QFileInfo>

#include <nlohmann/json.hpp>

#include "document/atomic_file.hpp"
#include "files/policy_files.hpp"
#include "kafka/policy_rollout.hpp"

namespace verdict::studio {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }
QString error(const store::StoreError& e) { return qs(e.message); }
QDateTime fromMs(std::int64_t ms) { return ms > 0 ? QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC) : QDateTime(); }

expected<std::int64_t, QString> parseId(const QString& id) {
  bool ok = false;
  const qlonglong n = id.toLongLong(&ok);
  if (!ok || n <= 0) return unexpected(QObject::tr("'%1' is no approval request id").arg(id));
  return static_cast<std::int64_t>(n);
}

ApprovalState stateOf(store::RequestStatus s) {
  switch (s) {
    case store::RequestStatus::AwaitingApproval: return ApprovalState::AwaitingApproval;
    case store::RequestStatus::Approved: return ApprovalState::Approved;
    case store::RequestStatus::Rejected: return ApprovalState::Rejected;
    case store::RequestStatus::Published: return ApprovalState::Published;
  }
  return ApprovalState::AwaitingApproval;
}

PolicyVersionInfo infoOf(const store::ApprovalRequest& r) {
  PolicyVersionInfo i;
  i.name = qs(r.policy_name);
  i.version = r.published_version;
  i.contentHash = qs(r.content_hash);
  i.author = qs(r.author);
  i.comment = qs(r.comment);
  i.requestedAt = fromMs(r.submitted_at_ms);
  i.publishedAt = fromMs(r.published_at_ms);
  i.state = stateOf(r.status);
  i.fastTrack = r.kind == store::RequestKind::FastTrack;
  if (r.decision) {
    i.approver = qs(r.decision->by);
    i.reviewComment = qs(r.decision->comment);
    i.reviewedAt = fromMs(r.decision->at_ms);
  }
  return i;
}

PolicyVersionInfo infoOf(const store::PolicyVersion& v) {
  PolicyVersionInfo i;
  i.name = qs(v.name);
  i.version = v.version;
  i.contentHash = qs(v.content_hash);
  i.author = qs(v.author);
  i.approver = qs(v.approver);
  i.comment = qs(v.comment);
  i.publishedAt = fromMs(v.published_at_ms);
  i.state = ApprovalState::Published;
  return i;
}

expected<verdict::PolicyDocument, QString> decodeDocument(const std::string& text, const QString& where) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded()) return unexpected(QObject::tr("%1: not valid JSON").arg(where));
  auto document = decode_policy(json);
  if (!document) return unexpected(QObject::tr("%1: %2").arg(where, qs(document.error().summary())));
  return std::move(*document);
}

/// Records the version (policy_versions), then produces the release so every verdictd picks it up.
class ReleasePublisher final : public store::PolicyPublisher {
 public:
  ReleasePublisher(store::PolicyVersionStore& versions, const std::optional<kafka::ClientSettings>& kafka,
                   const kafka::RolloutTopics& topics)
      : record_(versions), versions_(versions), kafka_(kafka), topics_(topics) {}

  expected<int, store::StoreError> publish(const store::ApprovalRequest& request) override {
    auto version = record_.publish(request);
    if (!version || !kafka_) return version;
    auto stored = versions_.fetch(request.policy_name, *version);
    if (!stored) return unexpected(stored.error());
    if (!*stored) return unexpected(store::StoreError{"the recorded version is not in policy_versions", false});
    const store::PolicyVersion& v = **stored;
    const PolicyRelease release{v.name, v.version, v.content_hash, v.document, v.author, v.approver, v.comment,
                                v.published_at_ms};
    const std::string label = v.name + "@" + std::to_string(v.version);
    auto producer = kafka::Producer::create(*kafka_, std::chrono::seconds(15));
    if (!producer) return unexpected(store::StoreError{producer.error().message, true});
    if (auto topics = kafka::ensure_rollout_topics(**producer, topics_); !topics)
      return unexpected(store::StoreError{topics.error().message + "; " + label + " is recorded but not rolled out", true});
    if (auto sent = kafka::publish_release(**producer, topics_.policy, release); !sent)
      return unexpected(store::StoreError{sent.error().message + "; " + label + " is recorded but not rolled out", true});
    return version;
  }

 private:
  store::VersionStorePublisher record_;
  store::PolicyVersionStore& versions_;
  const std::optional<kafka::ClientSettings>& kafka_;
  const kafka::RolloutTopics& topics_;
};

}  // namespace

StorePublisher::StorePublisher(std::unique_ptr<store::ApprovalStore> approvals,
                               std::unique_ptr<store::PolicyVersionStore> versions, std::string policyName,
                               std::optional<kafka::ClientSettings> kafka, QString description,
                               kafka::RolloutTopics topics)
    : approvals_(std::move(approvals)),
      versions_(std::move(versions)),
      policyName_(std::move(policyName)),
      kafka_(std::move(kafka)),
      topics_(std::move(topics)),
      description_(std::move(description)) {}

expected<std::unique_ptr<StorePublisher>, QString> StorePublisher::openProduction(const QString& postgresUrl,
                                                                                  const QString& brokers,
                                                                                  const std::string& policyName,
                                                                                  kafka::RolloutTopics topics) {
  auto approvals = store::open_postgres_approvals(postgresUrl.toStdString());
  if (!approvals) return unexpected(QObject::tr("PostgreSQL: %1").arg(error(approvals.error())));
  auto versions = store::open_postgres_policy_versions(postgresUrl.toStdString());
  if (!versions) return unexpected(QObject::tr("PostgreSQL: %1").arg(error(versions.error())));
  kafka::ClientSettings client;
  client.brokers = brokers.toStdString();
  client.client_id = "verdict-studio";
  const QString description =
      QObject::tr("PostgreSQL approvals and versions, releases to Kafka %1 (%2)").arg(brokers, QString::fromStdString(topics.policy));
  return std::make_unique<StorePublisher>(std::move(*approvals), std::move(*versions), policyName, client, description,
                                          std::move(topics));
}

expected<std::unique_ptr<StorePublisher>, QString> StorePublisher::openEmbedded(const QString& sqlitePath,
                                                                                const QString& user,
                                                                                const std::string& policyName,
                                                                                const QString& policyDirectory) {
  if (!QDir().mkpath(QFileInfo(sqlitePath).absolutePath()))
    return unexpected(QObject::tr("cannot create the folder of %1").arg(sqlitePath));
  auto approvals = store::open_sqlite_approvals(sqlitePath.toStdString(), user.toStdString());
  if (!approvals) return unexpected(QObject::tr("SQLite %1: %2").arg(sqlitePath, error(approvals.error())));
  auto versions = store::open_sqlite_policy_versions(sqlitePath.toStdString());
  if (!versions) return unexpected(QObject::tr("SQLite %1: %2").arg(sqlitePath, error(versions.error())));
  auto publisher = std::make_unique<StorePublisher>(
      std::move(*approvals), std::move(*versions), policyName, std::nullopt,
      QObject::tr("embedded store %1 as %2; live version in %3").arg(sqlitePath, user, policyDirectory));
  publisher->liveFile_ = QDir(policyDirectory).filePath(QStringLiteral("live.json"));
  return publisher;
}

QString StorePublisher::currentUser() const { return qs(approvals_->identity()); }

expected<int, QString> StorePublisher::latestVersion() {
  auto latest = versions_->latest(policyName_);
  if (!latest) return unexpected(error(latest.error()));
  return *latest ? (*latest)->version : 0;
}

expected<std::optional<LiveVersion>, QString> StorePublisher::live() {
  auto latest = versions_->latest(policyName_);
  if (!latest) return unexpected(error(latest.error()));
  if (!*latest) return std::optional<LiveVersion>();
  auto document = decodeDocument((*latest)->document, QObject::tr("%1 v%2").arg(qs(policyName_)).arg((*latest)->version));
  if (!document) return unexpected(document.error());
  return std::optional<LiveVersion>(LiveVersion{infoOf(**latest), std::move(*document)});
}

expected<QString, QString> StorePublisher::requestApproval(const verdict::PolicyDocument& draft, const QString& comment) {
  if (comment.trimmed().isEmpty()) return unexpected(QObject::tr("a comment saying why is required"));
  auto base = latestVersion();
  if (!base) return unexpected(base.error());
  // The request carries the version it will be published as: the one after the live version.
  verdict::PolicyDocument proposed = draft;
  proposed.version = std::max(draft.version, *base + 1);
  if (auto compiled = CompiledPolicy::compile(proposed, {}); !compiled)
    return unexpected(QObject::tr("the draft does not compile (%1 problems); fix it first").arg(compiled.error().size()));
  store::NewApprovalRequest request;
  request.policy_name = proposed.name;
  request.base_version = *base;
  request.document = encode(proposed).dump();
  request.content_hash = files::policy_content_hash(proposed);
  request.comment = comment.trimmed().toStdString();
  auto id = approvals_->submit(request);
  if (!id) return unexpected(error(id.error()));
  return QString::number(*id);
}

expected<std::vector<ApprovalRequest>, QString> StorePublisher::requests() {
  auto list = approvals_->list({});
  if (!list) return unexpected(error(list.error()));
  std::vector<ApprovalRequest> out;
  for (const store::ApprovalRequest& r : *list) {
    auto document = decodeDocument(r.document, QObject::tr("request %1").arg(r.id));
    if (!document) return unexpected(document.error());
    ApprovalRequest request{QString::number(r.id), infoOf(r), std::move(*document)};
    if (request.info.version == 0) request.info.version = request.document.version;
    out.push_back(std::move(request));
  }
  return out;
}

expected<void, QString> StorePublisher::approve(const QString& requestId, const QString& comment) {
  auto id = parseId(requestId);
  if (!id) return unexpected(id.error());
  if (auto done = approvals_->approve(*id, comment.trimmed().toStdString()); !done) return unexpected(error(done.error()));
  return {};
}

expected<void, QString> StorePublisher::reject(const QString& requestId, const QString& comment) {
  auto id = parseId(requestId);
  if (!id) return unexpected(id.error());
  if (auto done = approvals_->reject(*id, comment.trimmed().toStdString()); !done) return unexpected(error(done.error()));
  return {};
}

expected<PolicyVersionInfo, QString> StorePublisher::publish(const QString& requestId) {
  auto id = parseId(requestId);
  if (!id) return unexpected(id.error());
  ReleasePublisher publisher(*versions_, kafka_, topics_);
  auto published = store::publish_request(*approvals_, publisher, *id);
  if (!published) return unexpected(error(published.error()));
  auto stored = versions_->fetch(published->policy_name, published->published_version);
  if (!stored || !*stored) return infoOf(*published);
  if (!liveFile_.isEmpty()) {
    // The store holds the version from now on; the file is what a local daemon loads at start.
    QString written;
    QDir().mkpath(QFileInfo(liveFile_).absolutePath());
    if (!writeFileAtomically(liveFile_, QByteArray::fromStdString((**stored).document), &written))
      return unexpected(QObject::tr("%1@%2 is published in the store, but %3 could not be written: %4")
                            .arg(qs((**stored).name))
                            .arg((**stored).version)
                            .arg(liveFile_, written));
  }
  return infoOf(**stored);
}

expected<std::vector<PolicyVersionInfo>, QString> StorePublisher::history() {
  auto versions = versions_->history(policyName_);
  if (!versions) return unexpected(error(versions.error()));
  std::vector<PolicyVersionInfo> out;
  for (const auto& v : *versions) out.push_back(infoOf(v));
  return out;
}

}  // namespace verdict::studio
