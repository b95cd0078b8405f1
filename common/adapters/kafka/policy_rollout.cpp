#include "kafka/policy_rollout.hpp"

#include <array>
#include <map>

namespace verdict::kafka {

namespace {
std::array<TopicSpec, 2> rollout_specs(const RolloutTopics& topics) {
  return {TopicSpec{topics.policy, 1, true, -1}, TopicSpec{topics.fleet, 1, true, -1}};
}
}  // namespace

expected<void, KafkaError> ensure_rollout_topics(const ClientSettings& client, const RolloutTopics& topics) {
  return ensure_topics(client, rollout_specs(topics));
}

expected<void, KafkaError> ensure_rollout_topics(Producer& producer, const RolloutTopics& topics) {
  return producer.ensure_topics(rollout_specs(topics));
}

expected<void, KafkaError> publish_release(Producer& producer, const std::string& policy_topic,
                                           const PolicyRelease& release) {
  const OutgoingMessage message{policy_topic, release.name, encode_release(release)};
  return producer.send(std::span(&message, 1));
}

expected<std::vector<FleetStatus>, KafkaError> read_fleet(const ClientSettings& client, const std::string& fleet_topic,
                                                          std::chrono::milliseconds timeout, std::size_t* unreadable) {
  auto reader = TopicReader::create(client, fleet_topic, timeout);
  if (!reader) return unexpected(reader.error());
  auto messages = (*reader)->read_to_end(timeout);
  if (!messages) return unexpected(messages.error());
  std::map<std::string, FleetStatus> latest;
  std::size_t bad = 0;
  for (const auto& m : *messages) {
    auto status = decode_fleet_status(m.value);
    if (!status) {
      ++bad;
      continue;
    }
    latest[status->daemon_id] = std::move(*status);  // in topic order: the last one wins
  }
  if (unreadable) *unreadable = bad;
  std::vector<FleetStatus> out;
  for (auto& [_, status] : latest) out.push_back(std::move(status));
  return out;
}

}  // namespace verdict::kafka
