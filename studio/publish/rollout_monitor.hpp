#pragma once
// Which daemons run which policy version, live: reads the fleet-status topic (every verdictd's
// latest heartbeat; common/adapters/kafka/policy_rollout.hpp) on a worker thread, every few
// seconds while someone looks. A broker that cannot be reached is reported, never waited on by the UI.
#include <QFutureWatcher>
#include <QObject>
#include <QTimer>
#include <vector>

#include "policy/rollout.hpp"
#include "util/expected.hpp"

namespace verdict::studio {

class RolloutMonitor : public QObject {
  Q_OBJECT
 public:
  explicit RolloutMonitor(QObject* parent = nullptr);
  ~RolloutMonitor() override;

  void setBrokers(const QString& brokers, const QString& fleetTopic = QStringLiteral("verdict.fleet"));
  QString brokers() const { return brokers_; }
  /// Reads the fleet now (in the background); `updated` or `failed` follows.
  void refresh();
  /// Refreshes every `ms` milliseconds; 0 stops.
  void setInterval(int ms);
  const std::vector<FleetStatus>& daemons() const { return daemons_; }
  bool busy() const { return watcher_.isRunning(); }

 signals:
  void updated();
  void failed(const QString& message);

 private:
  using Fleet = expected<std::vector<FleetStatus>, QString>;
  QString brokers_, fleetTopic_;
  QTimer timer_;
  QFutureWatcher<Fleet> watcher_;
  std::vector<FleetStatus> daemons_;
};

}  // namespace verdict::studio
