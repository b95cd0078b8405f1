#pragma once
// The roll-out topics on Kafka: the compacted policy topic (key: policy name, value: PolicyRelease)
// and the fleet-status topic (key: daemon id, value: FleetStatus), both in policy/rollout.hpp's JSON.
// Publishers (`verdict publish`, the studio) produce releases; every verdictd follows the policy
// topic and heartbeats on the fleet topic; `verdict fleet` (and the studio) read the fleet.
#include <chrono>
#include <string>
#include <vector>

#include "kafka/kafka_client.hpp"
#include "policy/rollout.hpp"

namespace verdict::kafka {

struct RolloutTopics {
  std::string policy = "verdict.policies";
  std::string fleet = "verdict.fleet";
};

/// Creates both topics when missing: compacted (the latest per key is kept forever), one partition
/// each (a handful of small messages, in one order).
expected<void, KafkaError> ensure_rollout_topics(const ClientSettings& client, const RolloutTopics& topics);
/// The same through `producer`'s connections, for a publisher that produces right after.
expected<void, KafkaError> ensure_rollout_topics(Producer& producer, const RolloutTopics& topics);

/// Produces a release keyed by its policy name and waits for the brokers' acknowledgement.
expected<void, KafkaError> publish_release(Producer& producer, const std::string& policy_topic,
                                           const PolicyRelease& release);

/// The latest heartbeat of every daemon that ever sent one, ordered by daemon id. Heartbeats that do
/// not decode are skipped (counted in `unreadable` when given).
expected<std::vector<FleetStatus>, KafkaError> read_fleet(const ClientSettings& client, const std::string& fleet_topic,
                                                          std::chrono::milliseconds timeout,
                                                          std::size_t* unreadable = nullptr);

}  // namespace verdict::kafka
