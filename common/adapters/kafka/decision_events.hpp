#pragma once
// Decision events on Kafka, behind the DecisionStore interface the DecisionSink already writes to:
// write() produces the batch to the decisions topic (idempotent producer, acks=all) and returns only
// once the brokers acknowledged every record. A broker that is down makes write() fail as
// transient, so the sink spools the batch to disk and replays it, in order, when the broker is back —
// the spool and the replay are the sink's, not a second copy here. verdict-worker writes the events
// to PostgreSQL (idempotent on decision id, so a batch produced twice is stored once).
//
// Message: key = HMAC-SHA256(identifier_key, "decision|" + decision_id) in hex — partitions spread
// evenly and the key says nothing; value = the record as JSON (store/record_codec.hpp, the spool's
// form).
#include <chrono>
#include <memory>
#include <string>

#include "kafka/kafka_client.hpp"
#include "store/decision_store.hpp"

namespace verdict::kafka {

struct DecisionEventSettings {
  ClientSettings client;
  std::string topic = "verdict.decisions";
  std::string identifier_key;  // the daemon's HMAC key
  /// How long a batch may wait for the brokers before write() fails and the sink spools it.
  std::chrono::milliseconds delivery_timeout{5'000};
};

/// The message key of a decision.
std::string decision_event_key(const std::string& identifier_key, const std::string& decision_id);

/// A DecisionStore that only writes: find(), find_by_idempotency_key() and count_decisions() answer
/// with an error (not transient) — look decisions up in PostgreSQL, where verdict-worker puts them.
/// Creation does not need a broker that answers; the first write() does.
expected<std::unique_ptr<store::DecisionStore>, KafkaError> open_decision_events(const DecisionEventSettings& settings);

}  // namespace verdict::kafka
