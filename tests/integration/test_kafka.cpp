// Kafka end to end, with a real broker ($VERDICT_KAFKA_BROKERS, default 127.0.0.1:9092; started by
// installer/run-tests.sh), a real PostgreSQL (a scratch database per run) and real daemons:
//   - `verdict publish` -> three running daemons all apply the version; `verdict fleet` sees them;
//   - a broken version is refused by all three, the previous keeps serving, the refusal is reported;
//   - decisions -> decisions topic -> verdict-worker -> PostgreSQL, looked up through the daemon;
//   - poison messages -> dead-letter topic, never blocking the partition;
//   - a private broker restarted under load: no decision lost, none stored twice (rows counted
//     against the 200 responses, aggregates against the rows);
//   - verdict-worker (a separate process) killed mid-batch: the restarted one completes the work,
//     nothing lost, nothing stored or counted twice.
// Every run uses topic names and a consumer group of its own; the shared broker is never restarted.
#include <QtTest/QtTest>

#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "cli.hpp"
#include "daemon_harness.hpp"
#include "files/policy_files.hpp"
#include "kafka/decision_events.hpp"
#include "kafka/kafka_client.hpp"
#include "kafka/policy_rollout.hpp"
#include "processes.hpp"
#include "store/migrations.hpp"
#include "store/policy_versions.hpp"
#include "worker.hpp"

using namespace verdict;
using namespace verdict::test;
using nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string pid = std::to_string(::getpid());
const std::string database = "verdict_kafka_test_" + pid;
const std::string server = "postgresql://postgres@127.0.0.1:5432/";
const std::string database_url = server + database;

std::string unique(const std::string& what) {
  static std::atomic<int> n{0};
  return "it." + what + "." + pid + "." + std::to_string(++n);
}

kafka::ClientSettings client(const std::string& brokers = kafka::default_brokers()) {
  kafka::ClientSettings c;
  c.brokers = brokers;
  c.client_id = "test-kafka";
  return c;
}

/// The topics unique() named in this process that the default broker has.
auto topics_of_this_run() {
  auto all = kafka::list_topics(client(), "it.");
  if (all) std::erase_if(*all, [](const std::string& name) { return name.find("." + pid + ".") == std::string::npos; });
  return all;
}

std::int64_t sql_number(const std::string& query, const std::string& url = database_url) {
  pqxx::connection conn(url);
  pqxx::nontransaction t(conn);
  return t.exec1(query)[0].as<std::int64_t>();
}

void sql(const std::string& statement, const std::string& url) {
  pqxx::connection conn(url);
  pqxx::nontransaction t(conn);
  t.exec(statement);
}

/// The sample policy with another version (and description), written where a publisher reads it.
fs::path policy_file(const fs::path& dir, int version, const std::function<void(json&)>& change = {}) {
  std::ifstream in(std::string(VERDICT_SOURCE_DIR) + "/resources/policy/sample-policy.json");
  json policy = json::parse(in);
  policy["version"] = version;
  policy["description"] = "version " + std::to_string(version) + " of the test";
  if (change) change(policy);
  const fs::path file = dir / ("policy-v" + std::to_string(version) + ".json");
  std::ofstream(file) << policy.dump(2);
  return file;
}

int verdict_cli(std::vector<std::string> args, std::string* output = nullptr) {
  args.insert(args.begin(), "verdict");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  const int rc = verdict::cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
  if (output) *output = out.str() + err.str();
  if (rc != 0) qInfo("verdict %s: %s%s", args[1].c_str(), out.str().c_str(), err.str().c_str());
  return rc;
}

/// The topics of one scenario.
struct Topics {
  std::string decisions = unique("decisions");
  std::string policies = unique("policies");
  std::string fleet = unique("fleet");
  std::string dead_letters = unique("dead-letters");
};

/// verdictd in Kafka mode (decisions to the topic, policy from the topic, heartbeats), in-process.
std::unique_ptr<Stack> kafka_daemon(const std::string& name, const Topics& topics,
                                    const std::string& brokers = kafka::default_brokers(),
                                    const std::string& postgres = database_url) {
  return std::make_unique<Stack>(name, [&](daemon::Config& c) {
    c.kafka_brokers = brokers;
    c.kafka_decisions_topic = topics.decisions;
    c.kafka_policy_topic = topics.policies;
    c.kafka_fleet_topic = topics.fleet;
    c.daemon_id = name + "-" + pid;
    c.heartbeat_interval = 300ms;
    c.postgres_url = postgres;
  });
}

json active_policy(Stack& s) { return http_call(s.port, "GET", "/v1/policy", {}, bearer(read_token)).json; }

std::string metrics(Stack& s) { return http_call(s.port, "GET", "/metrics").body; }

worker::WorkerSettings worker_settings(const Topics& topics, const std::string& group,
                                       const std::string& brokers = kafka::default_brokers(),
                                       const std::string& postgres = database_url) {
  worker::WorkerSettings w;
  w.client = client(brokers);
  w.group_id = group;
  w.decisions_topic = topics.decisions;
  w.dead_letter_topic = topics.dead_letters;
  w.postgres_url = postgres;
  w.batch_size = 500;
  w.session_timeout = 6s;
  w.log = [](const std::string& line) { qInfo("worker: %s", line.c_str()); };
  return w;
}

/// Decision records as a daemon would produce them (the worker test needs many, fast).
std::vector<store::DecisionRecord> records(unsigned series, unsigned count) {
  std::vector<store::DecisionRecord> out;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  for (unsigned i = 0; i < count; ++i) {
    store::DecisionRecord r;
    char id[40];
    std::snprintf(id, sizeof id, "%08x-0000-4000-8000-%012x", series, i);
    r.decision_id = id;
    r.application_id = "APP-" + std::to_string(i);
    r.received_at_ms = now + i;
    r.channel = i % 2 ? "web" : "shop";
    r.shop_id = "shop-" + std::to_string(i % 7);
    r.outcome = i % 3 ? "ACCEPT" : "REFER";
    r.policy_name = "consumer-nl";
    r.policy_version = 1;
    r.policy_hash = "sha256:00";
    r.elapsed_ms = 40;
    r.customer_key = "ck-" + std::to_string(i);
    r.case_json = json{{"application", {{"order", {{"product", i % 2 ? "device" : "sim_only"}}}}}}.dump();
    json reason = json::object();
    reason["reason_code"] = "R" + std::to_string(i % 5);
    json decision = json::object();
    decision["outcome"] = r.outcome;
    decision["reasons"] = json::array({reason});
    r.decision_json = decision.dump();
    r.provider_calls = {{"bkr", "ok", static_cast<int>(i % 400), false, ""}, {"address", "ok", 0, true, ""}};
    out.push_back(std::move(r));
  }
  return out;
}

/// Produces records to the decisions topic the way verdictd does (the same DecisionStore adapter).
void produce_records(const std::string& brokers, const std::string& topic, const std::vector<store::DecisionRecord>& all) {
  kafka::DecisionEventSettings settings;
  settings.client = client(brokers);
  settings.topic = topic;
  settings.identifier_key = "integration-test-key";
  auto events = kafka::open_decision_events(settings);
  if (!events) qFatal("decision events: %s", events.error().message.c_str());
  for (std::size_t at = 0; at < all.size(); at += 1000) {
    const auto n = std::min<std::size_t>(1000, all.size() - at);
    auto written = (*events)->write(std::span(all).subspan(at, n));
    if (!written) qFatal("producing: %s", written.error().message.c_str());
  }
}

/// Rows, distinct ids and aggregate counts of the decisions whose ids are in `series`.
struct Stored {
  std::int64_t rows = 0, distinct = 0;
};
Stored stored_with_prefix(const std::string& prefix, const std::string& url = database_url) {
  pqxx::connection conn(url);
  pqxx::nontransaction t(conn);
  const auto row = t.exec_params1(
      "SELECT count(*), count(DISTINCT decision_id) FROM decisions WHERE decision_id::text LIKE $1", prefix + "%");
  return {row[0].as<std::int64_t>(), row[1].as<std::int64_t>()};
}

/// A broker of the test's own, on free ports, that the test may stop and start: installer/kafka.sh
/// with VERDICT_KAFKA_PORT and VERDICT_KAFKA_DIR.
class PrivateKafka {
 public:
  PrivateKafka() : dir_(scratch_dir("kafka")) {
    // The controller listens on the port after the broker's: find two free ones in a row.
    for (int attempt = 0; attempt < 50; ++attempt) {
      port_ = free_port();
      if (port_ < 65535 && port_free(static_cast<unsigned short>(port_ + 1))) break;
    }
    ok_ = run(false);
  }
  ~PrivateKafka() {
    stop();
    fs::remove_all(dir_);
  }
  bool ok() const { return ok_; }
  std::string brokers() const { return "127.0.0.1:" + std::to_string(port_); }
  /// Starts again on the log directory it had: topics, messages and committed offsets kept.
  bool restart() { return run(true); }
  bool stop() { return command("stop", false); }

 private:
  static bool port_free(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
  }
  bool run(bool keep) { return command("start", keep); }
  bool command(const std::string& what, bool keep) {
    return run_command({"env", "VERDICT_KAFKA_PORT=" + std::to_string(port_), "VERDICT_KAFKA_DIR=" + (dir_ / "broker").string(),
                        std::string("VERDICT_KAFKA_KEEP_DATA=") + (keep ? "1" : "0"),
                        std::string(VERDICT_SOURCE_DIR) + "/installer/kafka.sh", what},
                       (dir_ / "kafka-sh.log").string());
  }
  fs::path dir_;
  unsigned short port_ = 0;
  bool ok_ = false;
};

/// Clients posting decisions until told to stop, remembering the id of every 200.
class Load {
 public:
  Load(Stack& stack, int clients) {
    for (int i = 0; i < clients; ++i)
      threads_.emplace_back([this, &stack] {
        while (!stop_) {
          const auto reply = stack.decide(application());
          std::lock_guard lock(mutex_);
          if (reply.status == 200) ids_.push_back(reply.json.value("decision_id", ""));
          else ++failed_;
        }
      });
  }
  ~Load() { finish(); }
  void finish() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  std::vector<std::string> ids() const {
    std::lock_guard lock(mutex_);
    return ids_;
  }
  std::size_t answered() const {
    std::lock_guard lock(mutex_);
    return ids_.size();
  }
  int failed() const {
    std::lock_guard lock(mutex_);
    return failed_;
  }

 private:
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> ids_;
  int failed_ = 0;
  std::vector<std::thread> threads_;
};

/// How many of `ids` PostgreSQL holds, and whether any is there twice.
Stored stored_ids(const std::vector<std::string>& ids, const std::string& url = database_url) {
  pqxx::connection conn(url);
  pqxx::work t(conn);
  std::string list = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) list += (i ? "," : "") + ids[i];
  list += "}";
  const auto row = t.exec_params1(
      "SELECT count(*), count(DISTINCT decision_id) FROM decisions WHERE decision_id = ANY($1::uuid[])", list);
  return {row[0].as<std::int64_t>(), row[1].as<std::int64_t>()};
}

}  // namespace

class KafkaTest : public QObject {
  Q_OBJECT
  fs::path temp;

 private slots:
  void initTestCase() {
    try {
      sql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)", server + "postgres");
      sql("CREATE DATABASE " + database, server + "postgres");
    } catch (const std::exception& e) {
      QFAIL(qPrintable(QString("PostgreSQL at 127.0.0.1:5432 is needed (installer/start-services.sh): ") + e.what()));
    }
    auto migrated = store::migrate_postgres(database_url);
    QVERIFY2(migrated, migrated ? "" : migrated.error().message.c_str());
    // The broker must answer: a topic created and described.
    const kafka::TopicSpec probe{unique("probe"), 1, false, -1};
    auto created = kafka::ensure_topics(client(), std::span(&probe, 1), 10s);
    QVERIFY2(created, qPrintable(QString::fromStdString("a Kafka broker at " + kafka::default_brokers() +
                                                        " is needed (installer/kafka.sh start): " +
                                                        (created ? "" : created.error().message))));
    temp = scratch_dir("kafka-test");
  }

  void cleanupTestCase() {
    try {
      sql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)", server + "postgres");
    } catch (const std::exception& e) {
      qWarning("dropping %s: %s", database.c_str(), e.what());
    }
    fs::remove_all(temp);
    // This run's topics (unique() names them), so that a development broker does not collect them.
    if (auto ours = topics_of_this_run(); !ours) qWarning("listing topics: %s", ours.error().message.c_str());
    else if (auto deleted = kafka::delete_topics(client(), *ours); !deleted)
      qWarning("deleting this run's topics: %s", deleted.error().message.c_str());
  }

  /// A topic deleted is gone from the brokers' list, and deleting one that does not exist is no error.
  void a_deleted_topic_is_gone() {
    const kafka::TopicSpec doomed{unique("doomed"), 2, false, -1};
    QVERIFY(kafka::ensure_topics(client(), std::span(&doomed, 1)));
    // Listed by name once the brokers' metadata has it (that can lag the creation a little).
    // False when the brokers could not be asked; else `listed` says whether the topic is there.
    auto ask = [&](bool& listed) -> bool {
      auto names = kafka::list_topics(client(), doomed.name);
      if (!names) {
        qWarning("listing topics: %s", names.error().message.c_str());
        return false;
      }
      listed = std::ranges::find(*names, doomed.name) != names->end();
      return true;
    };
    bool listed = false;
    for (int i = 0; i < 100 && !listed; ++i) {
      QVERIFY(ask(listed));
      if (!listed) std::this_thread::sleep_for(100ms);
    }
    QVERIFY2(listed, (doomed.name + " is not listed 10 s after it was created").c_str());
    const std::string names[] = {doomed.name, unique("never-created")};
    auto deleted = kafka::delete_topics(client(), names);
    QVERIFY2(deleted, deleted ? "" : deleted.error().message.c_str());
    // Deletion is complete once the controller has removed the topic; the list follows it.
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
      QVERIFY(ask(listed));
      gone = !listed;
      if (!gone) std::this_thread::sleep_for(100ms);
    }
    QVERIFY2(gone, (doomed.name + " is still listed 10 s after it was deleted").c_str());
  }

  // ---- policy roll-out -----------------------------------------------------------------------

  /// Three daemons; a version published with `verdict publish` is running on all three, the record
  /// is in policy_versions, and `verdict fleet` lists the three with it. Then a broken version
  /// (straight onto the topic, as a faulty publisher would) is refused by all three while the
  /// previous one keeps deciding, and the refusal shows in /metrics and in the fleet.
  void publish_rolls_out_to_every_daemon_and_a_broken_version_is_refused() {
    const Topics topics;
    std::vector<std::unique_ptr<Stack>> daemons;
    for (const char* name : {"alpha", "beta", "gamma"}) daemons.push_back(kafka_daemon(name, topics));
    for (auto& d : daemons) QCOMPARE(active_policy(*d)["version"].get<int>(), 1);

    const auto v2 = policy_file(temp, 2);
    QCOMPARE(verdict_cli({"publish", "--policy", v2.string(), "--author", "ann", "--approver", "bob", "--comment", "raise limits",
                  "--postgres", database_url, "--topic", topics.policies, "--fleet-topic", topics.fleet}),
             0);
    const auto want_hash = (*files::load_policy(v2))->content_hash();
    for (auto& d : daemons)
      QVERIFY2(eventually([&] { return active_policy(*d)["hash"] == want_hash; }, 15s), "a daemon did not apply v2");
    QCOMPARE(sql_number("SELECT count(*) FROM policy_versions WHERE name = 'consumer-nl' AND version = 2 AND "
                        "author = 'ann' AND approver = 'bob'"),
             std::int64_t{1});
    QCOMPARE(sql_number("SELECT count(*) FROM audit_log WHERE action = 'publish' AND subject = 'consumer-nl@2'"),
             std::int64_t{1});

    // Every heartbeat says v2.
    QVERIFY(eventually(
        [&] {
          auto fleet = kafka::read_fleet(client(), topics.fleet, 10s);
          if (!fleet) qInfo("fleet: %s", fleet.error().message.c_str());
          if (!fleet || fleet->size() != 3) return false;
          return std::all_of(fleet->begin(), fleet->end(), [](const FleetStatus& s) { return s.policy_version == 2; });
        },
        10s));
    std::string listing;
    QCOMPARE(verdict_cli({"fleet", "--topic", topics.fleet}, &listing), 0);
    for (const char* name : {"alpha", "beta", "gamma"}) QVERIFY2(listing.find(name) != std::string::npos, listing.c_str());
    QVERIFY2(listing.find("consumer-nl@2") != std::string::npos, listing.c_str());

    // The CLI refuses what does not compile and what has no second analyst, and puts nothing out.
    const auto broken = policy_file(temp, 3, [](json& p) { p["rules"][0]["condition"] = "applicant.shoe_size > 3"; });
    std::string refusal;
    QCOMPARE(verdict_cli({"publish", "--policy", broken.string(), "--author", "ann", "--approver", "bob", "--comment", "oops",
                  "--postgres", database_url, "--topic", topics.policies},
                 &refusal),
             1);
    QVERIFY2(refusal.find("shoe_size") != std::string::npos, refusal.c_str());
    QCOMPARE(verdict_cli({"publish", "--policy", v2.string(), "--author", "ann", "--approver", " Ann ", "--comment", "self",
                  "--postgres", database_url, "--topic", topics.policies},
                 &refusal),
             1);
    QVERIFY2(refusal.find("four-eyes") != std::string::npos, refusal.c_str());
    QCOMPARE(sql_number("SELECT count(*) FROM policy_versions WHERE version = 3"), std::int64_t{0});

    // A broken version reaches the topic anyway (a faulty publisher): every daemon refuses it.
    PolicyRelease bad;
    bad.name = "consumer-nl";
    bad.version = 3;
    {
      std::ifstream in(broken);
      bad.document = json::parse(in).dump();
    }
    bad.content_hash = "sha256:0000";
    bad.author = "mallory";
    bad.approver = "eve";
    bad.comment = "broken on purpose";
    bad.published_at_ms = 1;
    auto producer = kafka::Producer::create(client(), 10s);
    QVERIFY(producer);
    QVERIFY(kafka::publish_release(**producer, topics.policies, bad));
    for (auto& d : daemons) {
      QVERIFY2(eventually([&] { return metrics(*d).find("verdict_policy_last_refused_version 3") != std::string::npos; }, 15s),
               "a daemon did not refuse v3");
      QCOMPARE(active_policy(*d)["hash"], json(want_hash));
      QVERIFY(metrics(*d).find("verdict_policy_rollouts_total{result=\"refused\"} 1") != std::string::npos);
      QVERIFY2(d->log.str().find("refused consumer-nl@3") != std::string::npos, d->log.str().c_str());
      // The previous version keeps deciding.
      const auto reply = d->decide(application());
      QCOMPARE(reply.status, 200u);
      QCOMPARE(reply.json["policy"]["version"].get<int>(), 2);
    }
    QVERIFY(eventually(
        [&] {
          auto fleet = kafka::read_fleet(client(), topics.fleet, 10s);
          if (!fleet || fleet->size() != 3) return false;
          return std::all_of(fleet->begin(), fleet->end(), [](const FleetStatus& s) {
            return s.policy_version == 2 && s.refused_version == 3 && s.refused_reason.find("does not compile") == 0;
          });
        },
        10s));

    // A daemon started now catches up from the compacted topic: v2 runs, v3 is refused.
    auto late = kafka_daemon("delta", topics);
    QCOMPARE(active_policy(*late)["hash"], json(want_hash));
    QVERIFY(metrics(*late).find("verdict_policy_last_refused_version 3") != std::string::npos);
  }

  /// `verdict publish` before any daemon ran: the command creates the roll-out topics itself
  /// (through its producer), the release is on the policy topic, and a second run, on topics that
  /// now exist, puts it there again.
  void publish_creates_missing_rollout_topics() {
    const Topics topics;
    const auto version = policy_file(temp, 50);
    const std::vector<std::string> publish{"publish", "--policy", version.string(), "--author", "ann", "--approver",
                                           "bob", "--comment", "first of its kind", "--postgres", database_url,
                                           "--topic", topics.policies, "--fleet-topic", topics.fleet};
    QCOMPARE(verdict_cli(publish), 0);
    auto reader = kafka::TopicReader::create(client(), topics.policies, 10s);
    QVERIFY2(reader, reader ? "" : reader.error().message.c_str());
    auto first = (*reader)->read_to_end(10s);
    QVERIFY(first);
    QCOMPARE(first->size(), std::size_t{1});
    QCOMPARE(first->front().key, std::string("consumer-nl"));
    auto release = decode_release(first->front().value);
    QVERIFY(release);
    QCOMPARE(release->version, 50);
    QVERIFY2(kafka::TopicReader::create(client(), topics.fleet, 10s), "the fleet topic was not created");

    std::string said;
    QCOMPARE(verdict_cli(publish, &said), 0);
    QVERIFY2(said.find("already recorded") != std::string::npos, said.c_str());
    QVERIFY(eventually([&] {
      auto again = (*reader)->poll(10, 500ms);
      if (!again || again->size() != 1) return false;
      auto repeated = decode_release(again->front().value);
      return repeated && repeated->version == 50 && repeated->content_hash == release->content_hash;
    }));
  }

  // ---- decision events and the worker --------------------------------------------------------

  /// Decisions made in Kafka mode reach PostgreSQL through verdict-worker, with their aggregates,
  /// and the daemon finds them there once its memory of recent decisions no longer has them.
  void decisions_flow_to_postgres_through_the_worker() {
    const Topics topics;
    auto daemon = kafka_daemon("events", topics);
    std::vector<std::string> ids;
    for (int i = 0; i < 40; ++i) {
      const auto reply = daemon->decide(application());
      QCOMPARE(reply.status, 200u);
      ids.push_back(reply.json["decision_id"].get<std::string>());
    }
    auto worker = worker::Worker::start(worker_settings(topics, unique("group")));
    QVERIFY2(worker, worker ? "" : worker.error().c_str());
    QVERIFY(eventually([&] { return stored_ids(ids).rows == 40; }, 30s));
    QCOMPARE(stored_ids(ids).distinct, std::int64_t{40});
    // The aggregates count exactly these decisions once (this database holds no others for them).
    QVERIFY(sql_number("SELECT coalesce(sum(decisions), 0) FROM agg_decisions_minute") >= 40);
    // A separate daemon never saw them in memory: its lookup reads PostgreSQL.
    auto other = kafka_daemon("reader", topics);
    const auto found = http_call(other->port, "GET", "/v1/decisions/" + ids[7], {}, bearer(read_token));
    QCOMPARE(found.status, 200u);
    QCOMPARE(found.json["decision_id"].get<std::string>(), ids[7]);
    QCOMPARE((*worker)->counters().dead_lettered, std::uint64_t{0});
  }

  /// Unparsable messages, messages that are no decision record and a record PostgreSQL refuses go to
  /// the dead-letter topic with the reason; the good records around them are stored and the
  /// partition moves on (a second worker of the group finds nothing left to do).
  void poison_messages_go_to_the_dead_letter_topic() {
    const Topics topics;
    const kafka::TopicSpec decisions{topics.decisions, 1, false, -1};
    QVERIFY(kafka::ensure_topics(client(), std::span(&decisions, 1)));
    auto good = records(0xd1, 6);
    auto refused = records(0xd2, 1);
    refused[0].outcome = "MAYBE";  // the schema's CHECK refuses it, for good
    produce_records(kafka::default_brokers(), topics.decisions, {good[0], good[1]});
    auto producer = kafka::Producer::create(client(), 10s);
    QVERIFY(producer);
    const std::vector<kafka::OutgoingMessage> poison{{topics.decisions, "k1", "{not json"},
                                                     {topics.decisions, "k2", R"({"decision_id": 17})"}};
    QVERIFY((*producer)->send(poison));
    produce_records(kafka::default_brokers(), topics.decisions, {good[2], good[3], refused[0], good[4], good[5]});

    const std::string group = unique("group");
    {
      auto worker = worker::Worker::start(worker_settings(topics, group));
      QVERIFY2(worker, worker ? "" : worker.error().c_str());
      QVERIFY(eventually([&] { return stored_with_prefix("000000d1").rows == 6; }, 30s));
      QVERIFY(eventually([&] { return (*worker)->counters().dead_lettered == 3; }, 10s));
      QVERIFY(eventually([&] { return (*worker)->counters().batches >= 1; }, 10s));
      (*worker)->stop();
    }
    QCOMPARE(stored_with_prefix("000000d2").rows, std::int64_t{0});

    auto reader = kafka::TopicReader::create(client(), topics.dead_letters, 10s);
    QVERIFY(reader);
    auto dead = (*reader)->read_to_end(10s);
    QVERIFY(dead);
    QCOMPARE(dead->size(), std::size_t{3});
    std::set<std::string> reasons;
    for (const auto& m : *dead) {
      const auto j = json::parse(m.value);
      QCOMPARE(j["topic"].get<std::string>(), topics.decisions);
      reasons.insert(j["reason"].get<std::string>().substr(0, 12));
    }
    QVERIFY(reasons.count("not JSON"));
    QVERIFY(reasons.count("not a decisi"));
    QVERIFY(reasons.count("refused by P"));

    // The offsets moved past the poison: the group has nothing left.
    auto again = worker::Worker::start(worker_settings(topics, group));
    QVERIFY(again);
    std::this_thread::sleep_for(3s);
    QCOMPARE((*again)->counters().consumed, std::uint64_t{0});
  }

  /// A private broker stopped and started while clients keep deciding: the daemon answers
  /// throughout (the sink spools), and afterwards every decision answered 200 is in PostgreSQL
  /// exactly once, and counted once in the aggregates.
  void broker_restart_under_load_loses_and_duplicates_nothing() {
    PrivateKafka broker;
    QVERIFY2(broker.ok(), "the private Kafka broker did not start (see its kafka-sh.log)");
    const std::string db = database + "_restart";
    sql("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)", server + "postgres");
    sql("CREATE DATABASE " + db, server + "postgres");
    const std::string url = server + db;
    QVERIFY(store::migrate_postgres(url));

    const Topics topics;
    auto daemon = kafka_daemon("restart", topics, broker.brokers(), url);
    std::vector<std::string> ids;
    {
      Load load(*daemon, 4);
      QVERIFY(eventually([&] { return load.answered() >= 100; }, 30s));
      QVERIFY(broker.stop());
      const auto during_stop = load.answered();
      QVERIFY(eventually([&] { return load.answered() >= during_stop + 100; }, 30s));  // still deciding
      QVERIFY2(broker.restart(), "the private broker did not come back");
      const auto after_restart = load.answered();
      QVERIFY(eventually([&] { return load.answered() >= after_restart + 100; }, 30s));
      load.finish();
      QCOMPARE(load.failed(), 0);
      ids = load.ids();
    }
    // Everything answered is on the topic once the sink has caught up (its spool replayed).
    QVERIFY2(eventually([&] {
               const auto m = metrics(*daemon);
               return m.find("verdict_store_queue_depth 0\n") != std::string::npos &&
                      m.find("verdict_store_written " + std::to_string(ids.size()) + "\n") != std::string::npos;
             }, 60s),
             qPrintable(QString::fromStdString(metrics(*daemon) + daemon->log.str())));
    daemon.reset();
    qInfo("%zu decisions answered 200 across the broker restart", ids.size());

    auto worker = worker::Worker::start(worker_settings(topics, unique("group"), broker.brokers(), url));
    QVERIFY2(worker, worker ? "" : worker.error().c_str());
    const auto want = static_cast<std::int64_t>(ids.size());
    QVERIFY2(eventually([&] { return stored_ids(ids, url).rows >= want; }, 60s),
             qPrintable(QString("stored %1 of %2").arg(stored_ids(ids, url).rows).arg(want)));
    (*worker)->stop();
    const auto stored = stored_ids(ids, url);
    QCOMPARE(stored.rows, want);
    QCOMPARE(stored.distinct, want);
    QCOMPARE(sql_number("SELECT count(*) FROM decisions", url), want);
    QCOMPARE(sql_number("SELECT sum(decisions) FROM agg_decisions_minute", url), want);
    worker->reset();
    sql("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)", server + "postgres");
  }

  /// verdict-worker, as its own process, killed with SIGKILL in the middle of a backlog; a new one
  /// in the same group finishes it: every event stored once and counted once.
  void worker_killed_mid_batch_is_completed_by_its_successor() {
    const Topics topics;
    const std::string db = database + "_kill";
    sql("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)", server + "postgres");
    sql("CREATE DATABASE " + db, server + "postgres");
    const std::string url = server + db;
    QVERIFY(store::migrate_postgres(url));
    const kafka::TopicSpec decisions{topics.decisions, 6, false, -1};
    QVERIFY(kafka::ensure_topics(client(), std::span(&decisions, 1)));
    constexpr unsigned total = 30'000;
    produce_records(kafka::default_brokers(), topics.decisions, records(0xe1, total));

    const std::string group = unique("group");
    auto start_worker = [&](ChildProcess& p) {
      return p.start({VERDICT_WORKER_BINARY, "--brokers", kafka::default_brokers(), "--postgres", url, "--group", group,
                      "--topic", topics.decisions, "--dead-letter-topic", topics.dead_letters, "--batch-size", "500",
                      "--session-timeout-ms", "6000", "--instance-id", "worker-" + pid},
                     (temp / "worker.log").string());
    };
    ChildProcess first;
    QVERIFY(start_worker(first));
    QVERIFY2(eventually([&] { return stored_with_prefix("000000e1", url).rows >= 2'000; }, 60s), "the worker stored nothing");
    first.kill_now();  // SIGKILL: between batches or inside one, uncommitted either way
    const auto at_kill = stored_with_prefix("000000e1", url).rows;
    qInfo("killed the worker with %lld of %u events stored", static_cast<long long>(at_kill), total);
    QVERIFY2(at_kill < total, "the worker finished before it could be killed; raise the backlog");

    ChildProcess second;
    QVERIFY(start_worker(second));
    QVERIFY2(eventually([&] { return stored_with_prefix("000000e1", url).rows >= total; }, 120s),
             qPrintable(QString("stored %1 of %2").arg(stored_with_prefix("000000e1", url).rows).arg(total)));
    second.signal(SIGTERM);
    QCOMPARE(second.wait(30s), std::optional<int>(0));
    const auto stored = stored_with_prefix("000000e1", url);
    QCOMPARE(stored.rows, std::int64_t{total});
    QCOMPARE(stored.distinct, std::int64_t{total});
    QCOMPARE(sql_number("SELECT sum(decisions) FROM agg_decisions_minute", url), std::int64_t{total});
    QCOMPARE(sql_number("SELECT sum(calls) FROM agg_provider_calls_minute", url), std::int64_t{2 * total});
    sql("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)", server + "postgres");
  }
};

QTEST_GUILESS_MAIN(KafkaTest)
#include "test_kafka.moc"
