#pragma once
// What every view shares: the draft being edited, its compilation, the live (baseline) version it is
// compared with, the connection settings and the publisher behind them.
#include <QObject>
#include <memory>
#include <optional>

#include "app/connection_settings.hpp"
#include "document/draft_compiler.hpp"
#include "document/policy_document.hpp"
#include "publish/policy_publisher.hpp"

namespace verdict::studio {

class StudioContext : public QObject {
  Q_OBJECT
 public:
  explicit StudioContext(ConnectionSettings settings, QObject* parent = nullptr);
  ~StudioContext() override;

  PolicyDocument& draft() { return draft_; }
  DraftCompiler& compiler() { return compiler_; }
  const ConnectionSettings& settings() const { return settings_; }
  /// Reconnects with new settings; the draft stays as it is. Production connects to the store's
  /// approvals and versions on PostgreSQL; when that fails the local folder is used and
  /// connectionError() says why.
  void setSettings(ConnectionSettings settings);
  QString connectionError() const { return connectionError_; }

  /// The version the daemons run (or the bundled sample policy when nothing was published yet).
  const verdict::PolicyDocument& baseline() const { return baseline_; }
  QString baselineLabel() const { return baselineLabel_; }
  void setBaseline(verdict::PolicyDocument document, const QString& label);
  /// Fetches the live version from the publisher; returns false with the error when it cannot.
  bool reloadBaseline(QString* error);

  PolicyPublisher* publisher() { return publisher_.get(); }
  /// The draft as it goes for approval: numbered after the live version (the bundled policy's when
  /// nothing was published yet), unless the analyst numbered it higher.
  verdict::PolicyDocument proposal() const;
  /// Replaces the publisher (tests; a production back end when the store provides one).
  void setPublisher(std::unique_ptr<PolicyPublisher> publisher);

  /// The sample policy compiled into the studio (resources/policy/sample-policy.json).
  static verdict::PolicyDocument samplePolicy();

 signals:
  void baselineChanged();
  void settingsChanged();
  void publisherChanged();

 private:
  ConnectionSettings settings_;
  PolicyDocument draft_;
  DraftCompiler compiler_;
  verdict::PolicyDocument baseline_;
  QString baselineLabel_;
  std::unique_ptr<PolicyPublisher> publisher_;
  QString connectionError_;
};

}  // namespace verdict::studio
