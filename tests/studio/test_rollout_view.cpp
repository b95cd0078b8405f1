// The roll-out view against the real Kafka broker (127.0.0.1:9092, or $VERDICT_KAFKA_BROKERS):
// heartbeats produced on a fleet topic of this run's own show as daemons on or behind the live
// version; an unreachable broker is reported as such.
#include <QSignalSpy>
#include <QLabel>
#include <QTableWidget>
#include <QtTest/QtTest>

#include "kafka/policy_rollout.hpp"
#include "studio_support.hpp"
#include "views/rollout_view.hpp"

using namespace verdict;
using namespace verdict::studio;

class TestRollout : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  kafka::ClientSettings client_;
  kafka::RolloutTopics topics_;

  static FleetStatus heartbeat(const std::string& id, int version, std::int64_t atMs) {
    FleetStatus s;
    s.daemon_id = id;
    s.host = "host-" + id;
    s.policy_name = "consumer-nl";
    s.policy_version = version;
    s.policy_hash = "sha256:" + std::string(64, static_cast<char>('0' + version));
    s.at_ms = atMs;
    return s;
  }

 private slots:
  void initTestCase() {
    client_.brokers = kafka::default_brokers();
    client_.client_id = "test-studio-rollout";
    const std::string run = std::to_string(QCoreApplication::applicationPid()) + "-" +
                            std::to_string(QDateTime::currentMSecsSinceEpoch());
    topics_.policy = "test-studio-policies-" + run;
    topics_.fleet = "test-studio-fleet-" + run;
    auto created = kafka::ensure_rollout_topics(client_, topics_);
    QVERIFY2(created, created ? "" : created.error().message.c_str());
    auto producer = kafka::Producer::create(client_, std::chrono::seconds(15));
    QVERIFY2(producer, producer ? "" : producer.error().message.c_str());
    const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
    FleetStatus refusing = heartbeat("d3", 1, now);
    refusing.refused_version = 2;
    refusing.refused_reason = "does not compile";
    std::vector<kafka::OutgoingMessage> messages;
    for (const FleetStatus& s : {heartbeat("d1", 1, now), heartbeat("d2", 0, now - 120'000), refusing})
      messages.push_back({topics_.fleet, s.daemon_id, encode_fleet_status(s)});
    auto sent = (*producer)->send(messages);
    QVERIFY2(sent, sent ? "" : sent.error().message.c_str());
  }

  void monitorReadsEveryDaemonsLatestHeartbeat() {
    RolloutMonitor monitor;
    monitor.setBrokers(QString::fromStdString(client_.brokers), QString::fromStdString(topics_.fleet));
    QSignalSpy updated(&monitor, &RolloutMonitor::updated);
    monitor.refresh();
    QVERIFY(updated.wait(30'000));
    QCOMPARE(monitor.daemons().size(), std::size_t{3});
    QCOMPARE(monitor.daemons()[0].daemon_id, std::string("d1"));
    QCOMPARE(monitor.daemons()[2].refused_reason, std::string("does not compile"));
  }

  void viewComparesWithTheLiveVersion() {
    ConnectionSettings settings = ConnectionSettings::defaults();
    settings.policyDirectory = dir_.filePath("policies");
    settings.kafkaBrokers = QString::fromStdString(client_.brokers);
    StudioContext context(settings);  // nothing published: the sample policy v1 is live
    RolloutView view(context);
    view.monitor().setBrokers(settings.kafkaBrokers, QString::fromStdString(topics_.fleet));
    QSignalSpy updated(&view.monitor(), &RolloutMonitor::updated);
    view.monitor().refresh();
    QVERIFY(updated.wait(30'000));
    QCOMPARE(view.table()->rowCount(), 3);
    QCOMPARE(view.table()->item(0, 3)->text(), QString("v1"));
    QVERIFY(view.table()->item(2, 6)->text().contains("does not compile"));
    const QString status = view.findChild<QLabel*>()->text();
    QVERIFY2(status.contains("<b>2</b> run the live consumer-nl v1") && status.contains("1 silent"), qPrintable(status));
  }

  void anUnreachableBrokerIsReported() {
    RolloutMonitor monitor;
    monitor.setBrokers("127.0.0.1:1", "verdict.fleet");
    QSignalSpy failed(&monitor, &RolloutMonitor::failed);
    monitor.refresh();
    QVERIFY(failed.wait(30'000));
    QVERIFY2(failed.front().front().toString().contains("Kafka 127.0.0.1:1"), qPrintable(failed.front().front().toString()));
  }
};

QTEST_MAIN(TestRollout)
#include "test_rollout_view.moc"
