#pragma once
// verdict-worker as a library (tests and the benchmark run the real loop in-process; main.cpp only
// calls run()). A member of a Kafka consumer group on the decisions topic: it takes batches of
// decision events, writes them to PostgreSQL with the store's idempotent batch write (decision rows,
// provider calls, idempotency keys and the per-minute aggregates in one transaction, new decisions
// only), and commits the offsets only after that transaction committed. A crash between the two
// re-delivers the batch, which stores nothing twice. Any number of replicas share the partitions.
// While a batch is written the next one is polled and decoded (two in hand at most); offsets are
// committed batch after batch, in order.
//
// A message that is not a decision record, or that PostgreSQL refuses for good, goes to the
// dead-letter topic (with where it came from and why) and is committed with the rest, so it never
// blocks its partition. While PostgreSQL is down the worker retries the same batch, committing
// nothing, and Kafka keeps the events.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "kafka/kafka_client.hpp"
#include "util/expected.hpp"

namespace verdict::worker {

struct WorkerSettings {
  kafka::ClientSettings client;
  std::string group_id = "verdict-worker";
  std::string decisions_topic = "verdict.decisions";
  std::string dead_letter_topic = "verdict.decisions.dead-letter";
  std::string postgres_url;
  bool migrate = true;                            // bring the schema up to date at start
  std::size_t batch_size = 5'000;                 // events per poll, at most
  /// PostgreSQL connections writing one batch in parallel, each a share of it in its own
  /// transaction; the offsets are committed once every share is durable.
  unsigned writers = 2;
  std::chrono::milliseconds batch_wait{100};      // longest wait for a batch to fill
  std::chrono::milliseconds session_timeout{10'000};
  std::string instance_id;                        // static group membership; empty: dynamic
  std::chrono::milliseconds retry_max{5'000};     // backoff ceiling while PostgreSQL is down
  /// Where the worker says what it does. Counts, offsets and decision ids only, never contents.
  std::function<void(const std::string&)> log;
};

struct WorkerCounters {
  std::uint64_t consumed = 0;       // messages taken from the decisions topic
  std::uint64_t written = 0;        // records in batches PostgreSQL committed (including ones it had)
  std::uint64_t dead_lettered = 0;  // messages sent to the dead-letter topic
  std::uint64_t batches = 0;        // batches committed to Kafka
  std::uint64_t store_retries = 0;  // batch writes retried because PostgreSQL was unavailable
};

class Worker {
 public:
  /// Connects to PostgreSQL (migrating when asked), creates the topics when missing, joins the group
  /// and starts the loop on its own thread.
  static expected<std::unique_ptr<Worker>, std::string> start(WorkerSettings settings);
  ~Worker();  // stop()
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// Finishes the batch in hand (written and committed, unless PostgreSQL is down: then it is left
  /// for re-delivery), leaves the group and ends the thread. Idempotent.
  void stop();
  WorkerCounters counters() const;

  class Impl;

 private:
  explicit Worker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The verdict-worker command line: options, start, stop on SIGINT/SIGTERM.
int run(int argc, char** argv);

}  // namespace verdict::worker
