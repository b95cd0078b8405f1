#include "publish/local_file_publisher.hpp"

#include <QDir>
#include <QFile>
#include <QUuid>
#include <algorithm>
#include <nlohmann/json.hpp>

#include "document/atomic_file.hpp"
#include "files/policy_files.hpp"

namespace verdict::studio {

using nlohmann::json;

QString toString(ApprovalState state) {
  switch (state) {
    case ApprovalState::AwaitingApproval: return QObject::tr("awaiting approval");
    case ApprovalState::Approved: return QObject::tr("approved");
    case ApprovalState::Rejected: return QObject::tr("rejected");
    case ApprovalState::Published: return QObject::tr("published");
  }
  return {};
}

namespace {

const char* stateKey(ApprovalState s) {
  switch (s) {
    case ApprovalState::AwaitingApproval: return "awaiting_approval";
    case ApprovalState::Approved: return "approved";
    case ApprovalState::Rejected: return "rejected";
    case ApprovalState::Published: return "published";
  }
  return "awaiting_approval";
}
ApprovalState stateFrom(const std::string& s) {
  if (s == "approved") return ApprovalState::Approved;
  if (s == "rejected") return ApprovalState::Rejected;
  if (s == "published") return ApprovalState::Published;
  return ApprovalState::AwaitingApproval;
}
std::string iso(const QDateTime& t) { return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs).toStdString() : ""; }
QDateTime fromIso(const json& j, const char* key) {
  const auto s = j.value(key, std::string());
  return s.empty() ? QDateTime() : QDateTime::fromString(QString::fromStdString(s), Qt::ISODateWithMs);
}
QString str(const json& j, const char* key) { return QString::fromStdString(j.value(key, std::string())); }

json encodeInfo(const PolicyVersionInfo& i) {
  return {{"name", i.name.toStdString()},
          {"version", i.version},
          {"content_hash", i.contentHash.toStdString()},
          {"author", i.author.toStdString()},
          {"approver", i.approver.toStdString()},
          {"comment", i.comment.toStdString()},
          {"review_comment", i.reviewComment.toStdString()},
          {"requested_at", iso(i.requestedAt)},
          {"reviewed_at", iso(i.reviewedAt)},
          {"published_at", iso(i.publishedAt)},
          {"state", stateKey(i.state)},
          {"fast_track", i.fastTrack}};
}
PolicyVersionInfo decodeInfo(const json& j) {
  PolicyVersionInfo i;
  i.name = str(j, "name");
  i.version = j.value("version", 0);
  i.contentHash = str(j, "content_hash");
  i.author = str(j, "author");
  i.approver = str(j, "approver");
  i.comment = str(j, "comment");
  i.reviewComment = str(j, "review_comment");
  i.requestedAt = fromIso(j, "requested_at");
  i.reviewedAt = fromIso(j, "reviewed_at");
  i.publishedAt = fromIso(j, "published_at");
  i.state = stateFrom(j.value("state", std::string()));
  i.fastTrack = j.value("fast_track", false);
  return i;
}

expected<void, QString> writeFile(const QString& path, const std::string& text) {
  QString error;
  if (!writeFileAtomically(path, QByteArray::fromStdString(text), &error)) return unexpected(error);
  return {};
}

expected<json, QString> readJson(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return unexpected(QObject::tr("%1: %2").arg(path, file.errorString()));
  const QByteArray bytes = file.readAll();
  json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded()) return unexpected(QObject::tr("%1: not valid JSON").arg(path));
  return j;
}

expected<verdict::PolicyDocument, QString> decodeDocument(const json& j, const QString& where) {
  auto document = decode_policy(j);
  if (!document) return unexpected(QObject::tr("%1: %2").arg(where, QString::fromStdString(document.error().summary())));
  return std::move(*document);
}

}  // namespace

LocalFilePublisher::LocalFilePublisher(QString folder, QString user) : folder_(std::move(folder)), user_(std::move(user)) {}

QString LocalFilePublisher::describe() const { return QObject::tr("local policy files in %1").arg(folder_); }

expected<std::optional<LiveVersion>, QString> LocalFilePublisher::live() {
  const QString path = QDir(folder_).filePath(QStringLiteral("live.json"));
  if (!QFile::exists(path)) return std::optional<LiveVersion>();
  auto j = readJson(path);
  if (!j) return unexpected(j.error());
  auto document = decodeDocument(*j, path);
  if (!document) return unexpected(document.error());
  // live.json is the plain policy, as a daemon loads it; who wrote and approved it is in versions/.
  PolicyVersionInfo info;
  const QString versionPath = QDir(folder_).filePath(
      QStringLiteral("versions/%1-v%2.json").arg(QString::fromStdString(document->name)).arg(document->version));
  if (auto version = readJson(versionPath)) info = decodeInfo((*version)["info"]);
  else return unexpected(version.error());
  return std::optional<LiveVersion>(LiveVersion{std::move(info), std::move(*document)});
}

expected<QString, QString> LocalFilePublisher::requestApproval(const verdict::PolicyDocument& draft,
                                                               const QString& comment) {
  if (comment.trimmed().isEmpty()) return unexpected(QObject::tr("a comment saying why is required"));
  if (auto compiled = CompiledPolicy::compile(draft, {}); !compiled)
    return unexpected(QObject::tr("the draft does not compile (%1 problems); fix it first").arg(compiled.error().size()));
  ApprovalRequest request;
  request.id = QUuid::createUuid().toString(QUuid::WithoutBraces);
  request.document = draft;
  request.info.name = QString::fromStdString(draft.name);
  request.info.version = draft.version;
  request.info.contentHash = QString::fromStdString(files::policy_content_hash(draft));
  request.info.author = user_;
  request.info.comment = comment.trimmed();
  request.info.requestedAt = QDateTime::currentDateTimeUtc();
  if (auto stored = store(request); !stored) return unexpected(stored.error());
  return request.id;
}

expected<std::vector<ApprovalRequest>, QString> LocalFilePublisher::requests() {
  std::vector<ApprovalRequest> out;
  const QDir dir(QDir(folder_).filePath(QStringLiteral("requests")));
  for (const QString& name : dir.entryList({QStringLiteral("*.json")}, QDir::Files)) {
    auto request = load(QFileInfo(name).completeBaseName());
    if (!request) return unexpected(request.error());
    out.push_back(std::move(*request));
  }
  std::sort(out.begin(), out.end(),
            [](const ApprovalRequest& a, const ApprovalRequest& b) { return a.info.requestedAt > b.info.requestedAt; });
  return out;
}

expected<void, QString> LocalFilePublisher::review(const QString& requestId, const QString& comment, bool approve) {
  auto request = load(requestId);
  if (!request) return unexpected(request.error());
  if (request->info.state != ApprovalState::AwaitingApproval)
    return unexpected(QObject::tr("request %1 is %2, not awaiting approval").arg(requestId, toString(request->info.state)));
  if (request->info.author == user_)
    return unexpected(QObject::tr("%1 wrote this change and cannot also approve or reject it (four eyes)").arg(user_));
  if (comment.trimmed().isEmpty()) return unexpected(QObject::tr("a comment is required"));
  request->info.state = approve ? ApprovalState::Approved : ApprovalState::Rejected;
  request->info.approver = user_;
  request->info.reviewComment = comment.trimmed();
  request->info.reviewedAt = QDateTime::currentDateTimeUtc();
  return store(*request);
}

expected<void, QString> LocalFilePublisher::approve(const QString& requestId, const QString& comment) {
  return review(requestId, comment, true);
}
expected<void, QString> LocalFilePublisher::reject(const QString& requestId, const QString& comment) {
  return review(requestId, comment, false);
}

expected<PolicyVersionInfo, QString> LocalFilePublisher::publish(const QString& requestId) {
  auto request = load(requestId);
  if (!request) return unexpected(request.error());
  if (request->info.state != ApprovalState::Approved)
    return unexpected(QObject::tr("request %1 is %2; only an approved change can be published")
                          .arg(requestId, toString(request->info.state)));
  auto current = live();
  if (!current) return unexpected(current.error());
  // The draft was edited from some version (its own number); what is published comes after both it
  // and whatever is live now.
  int next = request->document.version + 1;
  if (*current) next = std::max(next, (*current)->info.version + 1);
  request->document.version = next;
  request->info.version = next;
  request->info.contentHash = QString::fromStdString(files::policy_content_hash(request->document));
  request->info.state = ApprovalState::Published;
  request->info.publishedAt = QDateTime::currentDateTimeUtc();

  const json version = {{"info", encodeInfo(request->info)}, {"policy", encode(request->document)}};
  const QString versionPath =
      QDir(folder_).filePath(QStringLiteral("versions/%1-v%2.json").arg(request->info.name).arg(next));
  if (QFile::exists(versionPath)) return unexpected(QObject::tr("%1 exists already: versions are immutable").arg(versionPath));
  if (auto w = writeFile(versionPath, version.dump(2) + "\n"); !w) return unexpected(w.error());
  if (auto w = writeFile(QDir(folder_).filePath(QStringLiteral("live.json")), encode(request->document).dump(2) + "\n"); !w)
    return unexpected(w.error());
  if (auto w = store(*request); !w) return unexpected(w.error());
  return request->info;
}

expected<std::vector<PolicyVersionInfo>, QString> LocalFilePublisher::history() {
  std::vector<PolicyVersionInfo> out;
  const QDir dir(QDir(folder_).filePath(QStringLiteral("versions")));
  for (const QString& name : dir.entryList({QStringLiteral("*.json")}, QDir::Files)) {
    auto j = readJson(dir.filePath(name));
    if (!j) return unexpected(j.error());
    out.push_back(decodeInfo((*j)["info"]));
  }
  std::sort(out.begin(), out.end(), [](const PolicyVersionInfo& a, const PolicyVersionInfo& b) {
    return a.publishedAt > b.publishedAt;
  });
  return out;
}

expected<ApprovalRequest, QString> LocalFilePublisher::load(const QString& requestId) const {
  const QString path = QDir(folder_).filePath(QStringLiteral("requests/%1.json").arg(requestId));
  auto j = readJson(path);
  if (!j) return unexpected(j.error());
  auto document = decodeDocument((*j)["policy"], path);
  if (!document) return unexpected(document.error());
  return ApprovalRequest{requestId, decodeInfo((*j)["info"]), std::move(*document)};
}

expected<void, QString> LocalFilePublisher::store(const ApprovalRequest& request) const {
  const json j = {{"info", encodeInfo(request.info)}, {"policy", encode(request.document)}};
  return writeFile(QDir(folder_).filePath(QStringLiteral("requests/%1.json").arg(request.id)), j.dump(2) + "\n");
}

}  // namespace verdict::studio
