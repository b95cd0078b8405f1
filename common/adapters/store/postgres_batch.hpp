#pragma once
// Internal to the PostgreSQL store: the idempotent batch write (decision rows with their provider
// calls, idempotency keys, referrals to the review queue, the per-minute chart aggregates), used by
// PostgresStore::write for verdict-worker and the daemon's sink alike.
#include <pqxx/pqxx>
#include <pqxx/tablewriter>
#include <span>

#include "store/decision_store.hpp"

namespace verdict::store::postgres {

/// Prepares the statements write_batch() uses; call on every new connection.
void prepare_batch_statements(pqxx::connection& conn);

/// Writes the records in `t`, which the caller commits. The records' decision ids are UUID text
/// (checked by the caller) and their month partitions exist. Throws what libpqxx throws.
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
void write_batch(pqxx::work& t, std::span<const DecisionRecord> batch);

}  // namespace verdict::store::postgres
