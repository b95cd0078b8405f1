#include "app/studio_context.hpp"

#include <algorithm>
#include <QFile>
#include <nlohmann/json.hpp>

#include "publish/local_file_publisher.hpp"
#include "publish/store_publisher.hpp"

// Resources in a static library are registered by hand, outside any namespace.
static void initStudioResources() { Q_INIT_RESOURCE(studio); }

namespace verdict::studio {

StudioContext::StudioContext(ConnectionSettings settings, QObject* parent)
    : QObject(parent), settings_(std::move(settings)), compiler_(&draft_) {
  setSettings(settings_);
}

StudioContext::~StudioContext() = default;

verdict::PolicyDocument StudioContext::samplePolicy() {
  initStudioResources();
  QFile file(QStringLiteral(":/verdict/sample-policy.json"));
  if (!file.open(QIODevice::ReadOnly)) qFatal("the sample policy is not compiled into the studio");
  const QByteArray bytes = file.readAll();
  auto document = decode_policy(nlohmann::json::parse(bytes.begin(), bytes.end()));
  if (!document) qFatal("the bundled sample policy does not decode: %s", document.error().summary().c_str());
  return std::move(*document);
}

void StudioContext::setSettings(ConnectionSettings settings) {
  settings_ = std::move(settings);
  connectionError_.clear();
  if (settings_.mode == ConnectionSettings::Mode::Production) {
    const std::string policy = draft_.data().name.empty() ? samplePolicy().name : draft_.data().name;
    auto production = StorePublisher::openProduction(settings_.postgresUrlWithTimeout(), settings_.kafkaBrokers, policy,
                                                     {settings_.policyTopic.toStdString(), settings_.fleetTopic.toStdString()});
    if (production) {
      setPublisher(std::move(*production));
      emit settingsChanged();
      return;
    }
    // Offline-safe: drafts, simulation and the local folder keep working; the status bar says why.
    connectionError_ = production.error();
  } else {
    // Embedded: the same four-eyes store the approvals, history and decision views read.
    const std::string policy = draft_.data().name.empty() ? samplePolicy().name : draft_.data().name;
    auto embedded = StorePublisher::openEmbedded(settings_.sqlitePath, settings_.userName, policy, settings_.policyDirectory);
    if (embedded) {
      setPublisher(std::move(*embedded));
      emit settingsChanged();
      return;
    }
    connectionError_ = embedded.error();
  }
  setPublisher(std::make_unique<LocalFilePublisher>(settings_.policyDirectory, settings_.userName));
  emit settingsChanged();
}

verdict::PolicyDocument StudioContext::proposal() const {
  verdict::PolicyDocument proposed = draft_.data();
  proposed.version = std::max(proposed.version, baseline_.version + 1);
  return proposed;
}

void StudioContext::setPublisher(std::unique_ptr<PolicyPublisher> publisher) {
  publisher_ = std::move(publisher);
  QString error;
  if (!reloadBaseline(&error)) setBaseline(samplePolicy(), tr("sample policy (live version unavailable: %1)").arg(error));
  emit publisherChanged();
}

void StudioContext::setBaseline(verdict::PolicyDocument document, const QString& label) {
  baseline_ = std::move(document);
  baselineLabel_ = label;
  emit baselineChanged();
}

bool StudioContext::reloadBaseline(QString* error) {
  auto live = publisher_->live();
  if (!live) {
    if (error) *error = live.error();
    return false;
  }
  if (*live) {
    const auto& info = (*live)->info;
    setBaseline((*live)->document, tr("live %1 v%2").arg(info.name).arg(info.version));
  } else {
    setBaseline(samplePolicy(), tr("sample policy (nothing published yet)"));
  }
  return true;
}

}  // namespace verdict::studio
