#include "publish/rollout_monitor.hpp"

#include <QtConcurrent/QtConcurrent>

#include "kafka/policy_rollout.hpp"

namespace verdict::studio {

RolloutMonitor::RolloutMonitor(QObject* parent) : QObject(parent) {
  connect(&timer_, &QTimer::timeout, this, &RolloutMonitor::refresh);
  connect(&watcher_, &QFutureWatcher<Fleet>::finished, this, [this] {
    Fleet fleet = watcher_.result();
    if (!fleet) {
      emit failed(fleet.error());
      return;
    }
    daemons_ = std::move(*fleet);
    emit updated();
  });
}

RolloutMonitor::~RolloutMonitor() { watcher_.waitForFinished(); }

void RolloutMonitor::setBrokers(const QString& brokers, const QString& fleetTopic) {
  brokers_ = brokers;
  fleetTopic_ = fleetTopic;
}

void RolloutMonitor::setInterval(int ms) {
  if (ms <= 0) timer_.stop();
  else timer_.start(ms);
}

void RolloutMonitor::refresh() {
  if (watcher_.isRunning()) return;
  if (brokers_.trimmed().isEmpty()) {
    emit failed(tr("no Kafka brokers configured (File > Connection)"));
    return;
  }
  kafka::ClientSettings client;
  client.brokers = brokers_.toStdString();
  client.client_id = "verdict-studio";
  const std::string topic = fleetTopic_.toStdString();
  const QString brokers = brokers_;
  watcher_.setFuture(QtConcurrent::run([client, topic, brokers]() -> Fleet {
    auto fleet = kafka::read_fleet(client, topic, std::chrono::seconds(5));
    if (!fleet) return unexpected(tr("Kafka %1: %2").arg(brokers, QString::fromStdString(fleet.error().message)));
    return std::move(*fleet);
  }));
}

}  // namespace verdict::studio
