// The studio end to end, against real servers: PostgreSQL (a scratch database; alice and bob are
// database logins with the analyst and approver roles), the real Kafka broker ($VERDICT_KAFKA_BROKERS,
// default 127.0.0.1:9092; topics of this run's own) and a running verdictd process in Kafka mode.
// Alice edits a rule in the rules model (an undoable command), simulates the draft against the live
// version on generated history, and sends it for approval; she cannot approve it herself; bob
// approves it in his own studio and publishes it; the daemon applies the new version (GET
// /v1/policy, and a decision made on it), reports it on the fleet topic, and the roll-out view shows
// it; PostgreSQL holds the version with its author and approver.
#include <QSignalSpy>
#include <QTableWidget>
#include <QtTest/QtTest>

#include <pqxx/pqxx>

#include "app/studio_context.hpp"
#include "http_helpers.hpp"
#include "kafka/policy_rollout.hpp"
#include "models/policy_models.hpp"
#include "processes.hpp"
#include "simulation/simulation_controller.hpp"
#include "store/migrations.hpp"
#include "studio_support.hpp"
#include "views/publish_view.hpp"
#include "views/rollout_view.hpp"

using namespace verdict;
using namespace verdict::studio;
using namespace std::chrono_literals;
using nlohmann::json;
namespace it = verdict::test;  // the integration helpers (servers, HTTP), beside the studio test helpers

namespace {

const std::string server = "postgresql://postgres@127.0.0.1:5432/";
const std::string run = std::to_string(::getpid()) + "_" + std::to_string(QDateTime::currentMSecsSinceEpoch() % 1'000'000);
const std::string database = "verdict_studio_e2e_" + run;
const std::string alice = "e2e_alice_" + run, bob = "e2e_bob_" + run;

void superuser(const std::string& db, const std::string& statement) {
  pqxx::connection conn(server + db);
  pqxx::nontransaction t(conn);
  t.exec(statement);
}

std::int64_t number(const std::string& query) {
  pqxx::connection conn(server + database);
  pqxx::nontransaction t(conn);
  return t.exec1(query)[0].as<std::int64_t>();
}

constexpr const char* changed_rule = "bureau.low_score";
constexpr const char* stricter = "bureau.score < params.min_bureau_score + 150";

}  // namespace

class TestStudioEndToEnd : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  kafka::ClientSettings client_;
  kafka::RolloutTopics topics_;
  std::string daemonId_ = "e2e-verdictd-" + run;
  it::ChildProcess daemon_;
  unsigned short port_ = 0;

  ConnectionSettings as(const std::string& login) const {
    ConnectionSettings s = ConnectionSettings::defaults();
    s.mode = ConnectionSettings::Mode::Production;
    s.postgresUrl = QString::fromStdString("postgresql://" + login + "@127.0.0.1:5432/" + database);
    s.kafkaBrokers = QString::fromStdString(client_.brokers);
    s.policyTopic = QString::fromStdString(topics_.policy);
    s.fleetTopic = QString::fromStdString(topics_.fleet);
    s.policyDirectory = dir_.filePath(QStringLiteral("offline-%1").arg(QString::fromStdString(login)));
    return s;
  }
  json activePolicy() const { return it::http_call(port_, "GET", "/v1/policy", {}, it::bearer(it::read_token)).json; }
  QString daemonLog() const {
    QFile log(dir_.filePath(QStringLiteral("verdictd.log")));
    return log.open(QIODevice::ReadOnly) ? QString::fromUtf8(log.readAll()) : QString();
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    superuser("postgres", "DROP DATABASE IF EXISTS " + database);
    superuser("postgres", "CREATE DATABASE " + database);
    auto migrated = store::migrate_postgres(server + database);
    QVERIFY2(migrated, migrated ? "" : migrated.error().message.c_str());
    for (const auto& [login, roles] : {std::pair{alice, std::vector<const char*>{"analyst"}},
                                       std::pair{bob, std::vector<const char*>{"analyst", "approver"}}}) {
      superuser("postgres", "DROP ROLE IF EXISTS " + login);
      superuser("postgres", "CREATE ROLE " + login + " LOGIN");
      for (const char* role : roles) superuser("postgres", "GRANT verdict_" + std::string(role) + " TO " + login);
    }

    client_.brokers = kafka::default_brokers();
    client_.client_id = "test-studio-end-to-end";
    topics_.policy = "it.studio-e2e.policies." + run;
    topics_.fleet = "it.studio-e2e.fleet." + run;
    auto created = kafka::ensure_rollout_topics(client_, topics_);
    QVERIFY2(created, created ? "" : ("a Kafka broker at " + client_.brokers +
                                      " is needed (installer/kafka.sh start): " + created.error().message).c_str());

    // A real verdictd process in Kafka mode, on its embedded defaults otherwise (verdict-sim in-process).
    port_ = it::free_port();
    const json config = {{"port", port_},
                         {"data_dir", dir_.filePath(QStringLiteral("daemon")).toStdString()},
                         {"identifier_key", "studio-e2e-key"},
                         {"daemon_id", daemonId_},
                         {"heartbeat_interval_ms", 300},
                         {"kafka_brokers", client_.brokers},
                         {"postgres_url", server + database},
                         {"kafka_policy_topic", topics_.policy},
                         {"kafka_fleet_topic", topics_.fleet},
                         {"kafka_decisions_topic", "it.studio-e2e.decisions." + run},
                         {"tokens", json::array({{{"token", it::decide_token}, {"name", "shop-17"}, {"scopes", {"decide"}}},
                                                 {{"token", it::read_token}, {"name", "auditor"}, {"scopes", {"read"}}}})}};
    const QString configFile = dir_.filePath(QStringLiteral("verdictd.json"));
    {
      QFile file(configFile);
      QVERIFY(file.open(QIODevice::WriteOnly));
      file.write(QByteArray::fromStdString(config.dump(2)));
    }
    QVERIFY(daemon_.start({VERDICTD_BINARY, "--config", configFile.toStdString()},
                          dir_.filePath(QStringLiteral("verdictd.log")).toStdString()));
    QVERIFY2(it::eventually([&] { return it::http_call(port_, "GET", "/readyz", {}, {}, 2s).status == 200; }, 60s),
             qPrintable(daemonLog()));
  }

  void cleanupTestCase() {
    daemon_.signal(SIGTERM);
    daemon_.wait(20s);
    try {
      superuser("postgres", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      for (const auto& login : {alice, bob}) superuser("postgres", "DROP ROLE IF EXISTS " + login);
    } catch (const std::exception& e) {
      qWarning("cleaning up: %s", e.what());
    }
  }

  void editSimulateApprovePublishAndTheDaemonAppliesIt() {
    // Nothing published yet: the daemon runs the bundled sample policy, and so is the studio's live version.
    const json before = activePolicy();
    QCOMPARE(before["name"], json("consumer-nl"));
    StudioContext aliceStudio(as(alice));
    QVERIFY2(aliceStudio.connectionError().isEmpty(), qPrintable(aliceStudio.connectionError()));
    QCOMPARE(aliceStudio.publisher()->currentUser(), QString::fromStdString(alice));
    QCOMPARE(QString::fromStdString(files::policy_content_hash(aliceStudio.baseline())),
             QString::fromStdString(before["hash"].get<std::string>()));

    // 1. Edit: the rule's condition through the rules model, as the table's editor does it.
    aliceStudio.draft().load(aliceStudio.baseline());
    RulesModel rules(&aliceStudio.draft());
    const int row = aliceStudio.draft().indexOfRule(changed_rule);
    QVERIFY(row >= 0);
    QVERIFY(rules.setData(rules.index(row, RulesModel::Condition), QString::fromLatin1(stricter), Qt::EditRole));
    QCOMPARE(aliceStudio.draft().undoStack()->count(), 1);
    QCOMPARE(aliceStudio.draft().data().rules[static_cast<std::size_t>(row)].condition, std::string(stricter));

    // 2. Simulate the draft against the live version on generated history: more referrals, and
    //    every flip caused by the edited rule's wider reach.
    SimulationController simulation;
    simulation.setHistory(HistorySource::generate({}, 20'000));
    QString error;
    QVERIFY2(simulation.start(aliceStudio.draft().data(), &aliceStudio.baseline(), {}, 0, &error), qPrintable(error));
    simulation.waitForFinished();
    QVERIFY(simulation.result().has_value());
    const SimulationResult& result = *simulation.result();
    QCOMPARE(result.applications, std::size_t{20'000});
    QVERIFY(result.flipped_count() > 0);
    const auto refer = static_cast<std::size_t>(Outcome::Refer);
    QVERIFY2(result.outcomes[refer] > result.baseline_outcomes[refer],
             qPrintable(QStringLiteral("%1 vs %2").arg(result.outcomes[refer]).arg(result.baseline_outcomes[refer])));
    QVERIFY(result.acceptance_rate(false) < result.acceptance_rate(true));

    // 3. Four eyes: alice asks, cannot approve her own request; bob approves and publishes.
    PublishView alicePublish(aliceStudio);
    QVERIFY2(alicePublish.requestApproval(QStringLiteral("Refer below score 600: simulated on 20,000 applications")),
             qPrintable(alicePublish.lastMessage()));
    alicePublish.refresh();
    QVERIFY(!alicePublish.review(0, true, QStringLiteral("looks good to me")));
    QVERIFY(!alicePublish.lastMessage().isEmpty());

    StudioContext bobStudio(as(bob));
    QVERIFY2(bobStudio.connectionError().isEmpty(), qPrintable(bobStudio.connectionError()));
    PublishView bobPublish(bobStudio);
    bobPublish.refresh();
    QVERIFY2(bobPublish.review(0, true, QStringLiteral("Simulation checked: +referrals only in the 450-600 band")),
             qPrintable(bobPublish.lastMessage()));
    QVERIFY2(bobPublish.publish(0), qPrintable(bobPublish.lastMessage()));
    const std::string published_hash = files::policy_content_hash(bobStudio.baseline());
    const int published_version = bobStudio.baseline().version;
    QCOMPARE(bobStudio.baseline().rules[static_cast<std::size_t>(row)].condition, std::string(stricter));
    QVERIFY(published_hash != before["hash"].get<std::string>());
    QCOMPARE(number("SELECT count(*) FROM policy_versions WHERE name = 'consumer-nl' AND version = " +
                    std::to_string(published_version) + " AND author = '" + alice + "' AND approver = '" + bob + "'"),
             std::int64_t{1});

    // 4. The running daemon applies it: its active policy, and a decision made on it.
    QVERIFY2(it::eventually([&] { return activePolicy()["hash"] == json(published_hash); }, 30s), qPrintable(daemonLog()));
    QCOMPARE(activePolicy()["version"].get<int>(), published_version);
    const auto decided = it::http_call(port_, "POST", "/v1/decisions", it::application().dump(), it::bearer(it::decide_token));
    QCOMPARE(decided.status, 200u);
    QCOMPARE(decided.json["policy"]["hash"], json(published_hash));

    // 5. The roll-out view sees the daemon on the live version.
    RolloutView rollout(bobStudio);
    QSignalSpy updated(&rollout.monitor(), &RolloutMonitor::updated);
    QVERIFY(it::eventually(
        [&] {
          rollout.monitor().refresh();
          if (!updated.wait(15'000)) return false;
          for (const auto& d : rollout.monitor().daemons())
            if (d.daemon_id == daemonId_ && d.policy_hash == published_hash) return true;
          return false;
        },
        30s));
    bool shown = false;
    for (int r = 0; r < rollout.table()->rowCount(); ++r)
      shown = shown || rollout.table()->item(r, 0)->text() == QString::fromStdString(daemonId_);
    QVERIFY(shown);
  }
};

QTEST_MAIN(TestStudioEndToEnd)
#include "test_studio_end_to_end.moc"
