#pragma once
// Internal to the PostgreSQL store: the idempotent batch write (decision rows with their provider
// calls, idempotency keys, referrals to the review queue, the per-minute chart aggregates), used by
// PostgresStore::write for verdict-worker and the daemon's sink alike.
//
// It runs on a libpq connection of its own rather than libpqxx's: the decision rows go by COPY in
// binary format, which libpqxx 6.4 cannot send, and which spares the server parsing and unescaping
// every byte of ~3 kB of text per decision (a fifth of its time in a batch write).
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "store/decision_store.hpp"
#include "util/expected.hpp"

namespace verdict::store::postgres {

class BatchWriter {
 public:
  explicit BatchWriter(std::string url);
  ~BatchWriter();
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  /// Writes the records in one transaction, connecting first when needed (and again after a lost
  /// connection). The records' decision ids are UUID text (checked by the caller) and their month
  /// partitions exist. Calls are serialised.
  ///
  /// Idempotent on decision id, in three steps:
  ///  1. the batch's ids go into decision_ids with ON CONFLICT DO NOTHING, which answers the ids that
  ///     were new — "claimed" by this transaction: a concurrent writer of the same id waits on the
  ///     unique index until this one ends, then finds it taken;
  ///  2. only the claimed records are written: the decision rows by COPY (no conflict is possible any
  ///     more), then idempotency keys and referrals (ON CONFLICT DO NOTHING: a key keeps its first
  ///     decision);
  ///  3. the aggregates are folded here, from the claimed records only, and upserted once per key in
  ///     key order — so two writers wait for each other instead of deadlocking, and a batch written
  ///     again counts nothing twice.
  expected<void, StoreError> write(std::span<const DecisionRecord> batch);

  class Connection;

 private:
  std::mutex mutex_;
  std::string url_;
  std::unique_ptr<Connection> conn_;
};

}  // namespace verdict::store::postgres
