#pragma once
// The decision store: where every decision is kept, with what it was decided on, so it can be looked
// up and replayed. PostgreSQL in production, an SQLite file as the embedded default; the schema of
// both is in sql/. The request path never calls write() itself: it hands records to a DecisionSink
// (decision_sink.hpp), which batches them into the store off the request path.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/expected.hpp"

namespace verdict::store {

struct StoreError {
  std::string message;
  /// The store could not be reached (connection lost, server down, database busy or full): the same
  /// call may succeed later. Otherwise the request itself was refused and retrying will not help.
  bool transient = false;
};

struct DecisionRecord {
  std::string decision_id;      // UUID text, primary key (PostgreSQL returns it in lower case)
  std::string idempotency_key;  // empty when the client sent none; unique when not empty
  std::string application_id;
  std::int64_t received_at_ms = 0;  // Unix epoch milliseconds, UTC (partition key)
  std::string channel, shop_id, outcome, policy_name, policy_hash;
  int policy_version = 0;
  int elapsed_ms = 0;
  std::string customer_key;   // keyed hash of the applicant's identifiers, never the identifiers
  std::string case_json;      // {"application":...,"providers":...,"velocity":...} — what was decided on
  std::string decision_json;  // the decision as returned to the shop
  struct ProviderCall {
    std::string provider, status;
    int latency_ms = 0;
    bool cached = false;
    std::string error;  // empty when the call succeeded
  };
  std::vector<ProviderCall> provider_calls;
  /// What the chart aggregates count the decision under: the order's product and the distinct
  /// reason codes of its reasons, in first-seen order. The daemon fills it in from the Case and the
  /// Decision it has in hand, so a store does not parse case_json and decision_json again for them;
  /// when it is absent (a record made without it) the store reads them from the JSON
  /// (aggregates::counted_of).
  struct Counted {
    std::string product;
    std::vector<std::string> reason_codes;
    bool operator==(const Counted&) const = default;
  };
  std::optional<Counted> counted;
};

/// Implementations are safe to call from several threads; calls on one store are serialised on its
/// single connection, so a request path that looks decisions up should open a store of its own
/// rather than share the sink's.
class DecisionStore {
 public:
  virtual ~DecisionStore() = default;
  /// Writes a batch in one transaction. Idempotent on decision_id: a record already stored is skipped,
  /// never duplicated. An idempotency key already taken by another decision stays with that decision.
  virtual expected<void, StoreError> write(std::span<const DecisionRecord> batch) = 0;
  /// The record as stored. case_json and decision_json come back byte for byte (PostgreSQL keeps them
  /// as json since 0005, SQLite as text).
  virtual expected<std::optional<DecisionRecord>, StoreError> find(std::string_view decision_id) = 0;
  /// The decision that took `key` first.
  virtual expected<std::optional<std::string>, StoreError> find_by_idempotency_key(std::string_view key) = 0;
  virtual expected<std::uint64_t, StoreError> count_decisions() = 0;
};

/// Connects to a migrated database (see migrations.hpp), e.g.
/// "postgresql://postgres@127.0.0.1:5432/verdict". A lost connection is re-established on the next
/// call. Fails when the server cannot be reached or the schema is missing.
expected<std::unique_ptr<DecisionStore>, StoreError> open_postgres(const std::string& url);

/// Opens (creating if needed) an SQLite file and brings its schema up to date — the embedded default
/// needs no set-up. The migrations come from `sql_dir` (files NNNN_*.sql) when given, otherwise from
/// the copy of sql/sqlite compiled into the program.
expected<std::unique_ptr<DecisionStore>, StoreError> open_sqlite(const std::filesystem::path& file,
                                                                 const std::filesystem::path& sql_dir = {});

}  // namespace verdict::store
