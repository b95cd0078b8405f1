#include "worker.hpp"

#include <CLI/CLI.hpp>
#include <csignal>
#include <future>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "store/decision_store.hpp"
#include "store/migrations.hpp"
#include "store/json_scan.hpp"

namespace verdict::worker {

namespace {

using Clock = std::chrono::steady_clock;

struct Decoded {
  std::vector<store::DecisionRecord> records;
  std::vector<const kafka::IncomingMessage*> sources;  // the message of each record
  std::vector<kafka::OutgoingMessage> dead;
};

std::string dead_letter_value(const kafka::IncomingMessage& m, const std::string& reason) {
  return nlohmann::json{{"topic", m.topic},
                        {"partition", m.partition},
                        {"offset", m.offset},
                        {"reason", reason},
                        {"value", m.value}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

class Worker::Impl {
 public:
  explicit Impl(WorkerSettings settings) : settings_(std::move(settings)) {
    if (!settings_.log) settings_.log = [](const std::string&) {};
  }

  expected<void, std::string> open() {
    if (settings_.postgres_url.empty()) return unexpected(std::string("verdict-worker needs a PostgreSQL URL"));
    if (settings_.migrate) {
      if (auto migrated = store::migrate_postgres(settings_.postgres_url); !migrated)
        return unexpected("migrating PostgreSQL failed: " + migrated.error().message);
    }
    for (unsigned i = 0; i < std::max(1U, settings_.writers); ++i) {
      auto opened = store::open_postgres(settings_.postgres_url);
      if (!opened) return unexpected("PostgreSQL cannot be opened: " + opened.error().message);
      stores_.push_back(std::move(*opened));
    }
    const kafka::TopicSpec topics[] = {{settings_.decisions_topic, 6, false, -1},
                                       {settings_.dead_letter_topic, 1, false, -1}};
    if (auto created = kafka::ensure_topics(settings_.client, topics); !created)
      return unexpected("Kafka topics: " + created.error().message);
    auto producer = kafka::Producer::create(settings_.client, std::chrono::seconds(10));
    if (!producer) return unexpected("dead-letter producer: " + producer.error().message);
    dead_letters_ = std::move(*producer);
    kafka::GroupSettings group;
    group.group_id = settings_.group_id;
    group.topics = {settings_.decisions_topic};
    group.session_timeout = settings_.session_timeout;
    group.instance_id = settings_.instance_id;
    auto consumer = kafka::GroupConsumer::create(settings_.client, group);
    if (!consumer) return unexpected("consumer: " + consumer.error().message);
    consumer_ = std::move(*consumer);
    thread_ = std::thread([this] { loop(); });
    return {};
  }

  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    consumer_.reset();  // leaves the group, so the others take the partitions at once
  }

  WorkerCounters counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
  }

 private:
  /// One batch from poll to commit: its messages (which the decoded records point into) and the
  /// write in progress.
  struct InFlight {
    std::vector<kafka::IncomingMessage> messages;
    Decoded batch;
    std::future<bool> persisted;  // false: stopping before the batch was durable
  };

  /// Two batches in hand at most: while one is written to PostgreSQL (on its own thread), the next
  /// is polled and decoded here. A batch's offsets are committed once it is durable and before the
  /// next one is written, so commits stay in order and nothing is committed ahead of its rows.
  void loop() {
    std::unique_ptr<InFlight> in_flight;
    while (!stopping_) {
      auto messages = consumer_->poll(settings_.batch_size, settings_.batch_wait);
      if (!messages) {
        settings_.log("consuming: " + messages.error().message);
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        continue;
      }
      std::unique_ptr<InFlight> next;
      if (!messages->empty()) {
        {
          std::lock_guard lock(mutex_);
          counters_.consumed += messages->size();
        }
        next = std::make_unique<InFlight>();
        next->messages = std::move(*messages);
        next->batch = decode(next->messages);
      }
      if (in_flight && !finish(*in_flight)) return;  // stopping with PostgreSQL down: left uncommitted
      in_flight = std::move(next);
      if (in_flight)
        in_flight->persisted = std::async(std::launch::async, [this, b = in_flight.get()] { return persist(b->batch); });
    }
    if (in_flight) finish(*in_flight);
  }

  /// Waits for the batch to be durable, then commits its offsets. False when it was not made durable.
  bool finish(InFlight& done) {
    if (!done.persisted.get()) return false;
    if (auto committed = consumer_->commit(done.messages); !committed) {
      // The partitions moved to another member (rebalance): it gets the batch again and stores
      // nothing twice.
      settings_.log("committing offsets: " + committed.error().message + " (the batch will be re-delivered)");
      return true;
    }
    std::lock_guard lock(mutex_);
    ++counters_.batches;
    return true;
  }

  /// The records of a batch, and dead letters for the messages that are not decision records.
  Decoded decode(const std::vector<kafka::IncomingMessage>& messages) const {
    Decoded batch;
    batch.records.reserve(messages.size());
    for (const auto& m : messages) {
      auto record = store::parse_record(m.value);
      if (!record) {
        const bool json = nlohmann::json::accept(m.value);  // only for the dead letter's reason
        batch.dead.push_back(
            {settings_.dead_letter_topic, m.key, dead_letter_value(m, json ? "not a decision record" : "not JSON")});
        continue;
      }
      batch.records.push_back(std::move(*record));
      batch.sources.push_back(&m);
    }
    return batch;
  }

  /// Writes and dead-letters one batch. False only when the worker stops before the batch is durable.
  bool persist(Decoded& batch) {
    if (!write(batch)) return false;
    if (!batch.dead.empty()) {
      if (!send_dead_letters(batch.dead)) return false;
      settings_.log("dead-lettered " + std::to_string(batch.dead.size()) + " message(s) to " + settings_.dead_letter_topic);
    }
    std::lock_guard lock(mutex_);
    counters_.written += batch.records.size();
    counters_.dead_lettered += batch.dead.size();
    return true;
  }

  /// Writes the records, retrying while PostgreSQL is unavailable: in shares, one per writer
  /// connection, in parallel. A share refused for good is written record by record, and the records
  /// refused on their own join the dead letters.
  bool write(Decoded& batch) {
    if (batch.records.empty()) return true;
    const std::size_t shares = std::min<std::size_t>(stores_.size(), (batch.records.size() + 499) / 500);
    std::vector<std::optional<std::optional<std::string>>> results(shares);
    {
      std::vector<std::thread> threads;
      const std::size_t per_share = (batch.records.size() + shares - 1) / shares;
      for (std::size_t s = 0; s < shares; ++s) {
        const std::size_t from = s * per_share, count = std::min(per_share, batch.records.size() - from);
        auto work = [this, &batch, &results, s, from, count] {
          results[s] = write_retrying(*stores_[s], std::span(batch.records).subspan(from, count));
        };
        if (s + 1 == shares) work();  // the last share on this thread
        else threads.emplace_back(work);
      }
      for (auto& t : threads) t.join();
    }
    std::optional<std::string> refused;
    for (const auto& r : results) {
      if (!r) return false;  // stopping while PostgreSQL is down
      if (r->has_value() && !refused) refused = r->value();
    }
    // Shares already written are written again below, which stores nothing twice.
    if (refused) {
      settings_.log("a batch was refused (" + *refused + "); writing its records one by one");
      std::vector<store::DecisionRecord> kept;
      for (std::size_t i = 0; i < batch.records.size(); ++i) {
        auto one = write_retrying(*stores_[0], std::span(&batch.records[i], 1));
        if (!one) return false;
        if (one->has_value()) {
          settings_.log("decision " + batch.records[i].decision_id + " refused: " + one->value());
          batch.dead.push_back({settings_.dead_letter_topic, batch.sources[i]->key,
                                dead_letter_value(*batch.sources[i], "refused by PostgreSQL: " + one->value())});
        } else {
          kept.push_back(std::move(batch.records[i]));
        }
      }
      batch.records = std::move(kept);
    }
    return true;
  }

  /// nullopt: stopping while PostgreSQL is down. Otherwise the refusal (empty optional: written).
  std::optional<std::optional<std::string>> write_retrying(store::DecisionStore& store,
                                                           std::span<const store::DecisionRecord> records) {
    auto delay = std::chrono::milliseconds(100);
    for (;;) {
      auto written = store.write(records);
      if (written) return std::optional<std::string>{};
      if (!written.error().transient) return std::optional<std::string>{written.error().message};
      {
        std::lock_guard lock(mutex_);
        ++counters_.store_retries;
      }
      settings_.log("PostgreSQL unavailable (" + written.error().message + "); retrying in " +
                    std::to_string(delay.count()) + " ms");
      if (!sleep(delay)) return std::nullopt;
      delay = std::min(delay * 2, settings_.retry_max);
    }
  }

  bool send_dead_letters(const std::vector<kafka::OutgoingMessage>& dead) {
    auto delay = std::chrono::milliseconds(100);
    for (;;) {
      auto sent = dead_letters_->send(dead);
      if (sent) return true;
      settings_.log("dead-letter topic: " + sent.error().message);
      if (!sleep(delay)) return false;
      delay = std::min(delay * 2, settings_.retry_max);
    }
  }

  /// False when the worker is stopping (so the caller gives up the batch instead of waiting).
  bool sleep(std::chrono::milliseconds delay) {
    const auto until = Clock::now() + delay;
    while (Clock::now() < until) {
      if (stopping_) return false;
      std::this_thread::sleep_for(std::min(delay, std::chrono::milliseconds(50)));
    }
    return !stopping_;
  }

  WorkerSettings settings_;
  std::vector<std::unique_ptr<store::DecisionStore>> stores_;  // one connection per writer
  std::unique_ptr<kafka::Producer> dead_letters_;
  std::unique_ptr<kafka::GroupConsumer> consumer_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  WorkerCounters counters_;
};

Worker::Worker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Worker::~Worker() { stop(); }
void Worker::stop() { impl_->stop(); }
WorkerCounters Worker::counters() const { return impl_->counters(); }

expected<std::unique_ptr<Worker>, std::string> Worker::start(WorkerSettings settings) {
  auto impl = std::make_unique<Impl>(std::move(settings));
  if (auto opened = impl->open(); !opened) return unexpected(opened.error());
  return std::unique_ptr<Worker>(new Worker(std::move(impl)));
}

int run(int argc, char** argv) {
  CLI::App app{"verdict-worker — decision events from Kafka to PostgreSQL, with the chart aggregates"};
  WorkerSettings settings;
  settings.client.brokers = kafka::default_brokers();
  settings.client.client_id = "verdict-worker";
  if (const char* env = std::getenv("VERDICT_POSTGRES_URL")) settings.postgres_url = env;
  if (const char* env = std::getenv("VERDICT_WORKER_INSTANCE_ID")) settings.instance_id = env;
  bool no_migrate = false;
  long long session_timeout_ms = settings.session_timeout.count();
  app.add_option("--brokers", settings.client.brokers, "Kafka brokers (default $VERDICT_KAFKA_BROKERS or 127.0.0.1:9092)");
  app.add_option("--postgres", settings.postgres_url, "PostgreSQL URL (default $VERDICT_POSTGRES_URL)");
  app.add_option("--group", settings.group_id, "consumer group (default verdict-worker)");
  app.add_option("--topic", settings.decisions_topic, "decisions topic (default verdict.decisions)");
  app.add_option("--dead-letter-topic", settings.dead_letter_topic,
                 "where unreadable or refused events go (default verdict.decisions.dead-letter)");
  app.add_option("--batch-size", settings.batch_size, "events per PostgreSQL transaction (default 5000)")
      ->check(CLI::Range(1, 100'000));
  app.add_option("--writers", settings.writers, "PostgreSQL connections writing each batch in parallel (default 2)")
      ->check(CLI::Range(1, 16));
  app.add_option("--instance-id", settings.instance_id,
                 "static group membership id, e.g. the pod name (default $VERDICT_WORKER_INSTANCE_ID)");
  app.add_option("--session-timeout-ms", session_timeout_ms, "consumer group session timeout (default 10000)")
      ->check(CLI::Range(6'000, 300'000));
  app.add_flag("--no-migrate", no_migrate, "do not bring the schema up to date at start");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  settings.migrate = !no_migrate;
  settings.session_timeout = std::chrono::milliseconds(session_timeout_ms);
  if (settings.postgres_url.empty()) {
    std::cerr << "verdict-worker: give --postgres URL (or VERDICT_POSTGRES_URL)\n";
    return 2;
  }
  static std::mutex log_mutex;
  settings.log = [](const std::string& line) {
    std::lock_guard lock(log_mutex);
    std::cerr << "verdict-worker: " << line << std::endl;
  };

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto worker = Worker::start(settings);
  if (!worker) {
    std::cerr << "verdict-worker: " << worker.error() << "\n";
    return 1;
  }
  std::cout << "verdict-worker: group " << settings.group_id << " on " << settings.decisions_topic << " ("
            << settings.client.brokers << ") -> PostgreSQL, dead letters to " << settings.dead_letter_topic << "\n"
            << std::flush;
  int received = 0;
  sigwait(&signals, &received);
  (*worker)->stop();
  const auto c = (*worker)->counters();
  std::cout << "verdict-worker: stopped; " << c.written << " event(s) written, " << c.dead_lettered
            << " dead-lettered, " << c.batches << " batch(es)\n"
            << std::flush;
  return 0;
}

}  // namespace verdict::worker
