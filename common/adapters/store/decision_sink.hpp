#pragma once
// The DecisionSink keeps the request path off the database. submit() queues a record and returns; a
// background thread writes the queue to the DecisionStore in batches. When the store is down, batches
// go to a spool file (JSON Lines, fsync'd) instead, and once the store answers again the spool is
// replayed in order and then emptied. Store writes are idempotent on decision_id, so replaying a spool
// that was partly written before a crash stores nothing twice. Nothing is dropped: a full queue makes
// submit() spool the record itself.
//
// Files in the spool directory (created 0700; the records hold applications, so the files are 0600):
//   decisions.spool.jsonl     records waiting for the store; replayed by the next sink if we stop first
//   decisions.rejected.jsonl  records the store refused for good (a bad value, not an outage), kept
//                             for a person to look at instead of blocking the records behind them
// One sink per directory: a second one (in this or another process) is refused.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "store/decision_store.hpp"
#include "util/expected.hpp"

namespace verdict::store {

struct SinkOptions {
  std::filesystem::path spool_dir;
  std::size_t queue_capacity = 10'000;
  std::size_t batch_size = 500;                           // records per store transaction
  std::chrono::milliseconds batch_delay{50};              // longest wait for a batch to fill
  std::chrono::milliseconds retry_initial{200};           // first retry of a store that is down...
  std::chrono::milliseconds retry_max{5'000};             // ...doubling up to this
  /// Where the sink says what it does (store down, back up, records rejected). Decision ids and
  /// counts only, never record contents. Called from the sink's thread or from submit().
  std::function<void(const std::string&)> log;
};

/// A snapshot for /metrics.
struct SinkCounters {
  std::uint64_t submitted = 0;  // records given to submit()
  std::uint64_t written = 0;    // records the store accepted (directly or from the spool)
  std::uint64_t spooled = 0;    // records appended to the spool file
  std::uint64_t replayed = 0;   // records written to the store from the spool (part of `written`)
  std::uint64_t rejected = 0;   // records the store refused for good (see decisions.rejected.jsonl)
  std::size_t queue_depth = 0;
  bool store_up = true;         // false from a failed write until the next successful one
  bool spool_pending = false;   // the spool holds records not yet in the store
};

class DecisionSink {
 public:
  /// Opens the spool directory (replaying what a previous run left there) and starts the writer
  /// thread. Fails when the directory cannot be created or is in use by another sink.
  static expected<std::unique_ptr<DecisionSink>, std::string> start(std::shared_ptr<DecisionStore> store,
                                                                    SinkOptions options);
  /// stop() with a deadline of a few seconds, if not called before.
  ~DecisionSink();
  DecisionSink(const DecisionSink&) = delete;
  DecisionSink& operator=(const DecisionSink&) = delete;

  /// Takes the record for storage. Never waits on the database: the record is queued, or, when the
  /// queue is full or the sink is stopped, appended to the spool file right here.
  void submit(DecisionRecord record);

  /// Drains the queue — to the store while it answers and the deadline allows, to the spool
  /// otherwise — and stops the thread. True when every record submitted is in the store or the spool.
  /// A store write already under way is not interrupted: its own timeouts bound it.
  bool stop(std::chrono::steady_clock::time_point deadline);

  SinkCounters counters() const;

  class Impl;

 private:
  explicit DecisionSink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace verdict::store
