#pragma once
// The Kafka adapter's clients, on librdkafka 2.0 (its C API, wrapped here so nothing else includes
// it): topic creation, an idempotent producer that waits for acknowledgements, a group consumer with
// explicit commits (verdict-worker), and a reader that replays one topic from the beginning without
// a group (the policy follower, `verdict fleet`).
//
// Errors are values: KafkaError says what failed and whether trying again may help. Brokers that are
// down are transient — librdkafka keeps reconnecting by itself; a call that needs an answer gives up
// at its timeout.
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "util/expected.hpp"

namespace verdict::kafka {

struct KafkaError {
  std::string message;
  bool transient = true;  // false: bad configuration or a refused request; the same call will fail again
};

struct ClientSettings {
  std::string brokers = "127.0.0.1:9092";  // bootstrap servers, "host:port,host:port"
  std::string client_id = "verdict";
  /// Further librdkafka properties (e.g. security.protocol, sasl.*), applied last.
  std::vector<std::pair<std::string, std::string>> properties;
};

/// Where the brokers are when nothing says otherwise: $VERDICT_KAFKA_BROKERS, else 127.0.0.1:9092.
std::string default_brokers();

struct TopicSpec {
  std::string name;
  int partitions = 3;
  bool compacted = false;       // cleanup.policy=compact: the latest message per key is kept forever
  int replication_factor = -1;  // -1: the brokers' default.replication.factor
};

/// Creates the topics that do not exist yet (the brokers run with auto.create.topics.enable=false).
/// A topic that exists is left as it is.
expected<void, KafkaError> ensure_topics(const ClientSettings& settings, std::span<const TopicSpec> topics,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(15));

/// The names of the topics the brokers have that start with `prefix` (all of them for ""), sorted;
/// Kafka's internal topics (__consumer_offsets, ...) are left out.
expected<std::vector<std::string>, KafkaError> list_topics(const ClientSettings& settings, const std::string& prefix = "",
                                                           std::chrono::milliseconds timeout = std::chrono::seconds(15));

/// Deletes `names` and their messages for good; one that does not exist counts as deleted. For tests
/// and benchmarks cleaning up their own topics: nothing in the running system deletes a topic.
expected<void, KafkaError> delete_topics(const ClientSettings& settings, std::span<const std::string> names,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(15));

struct OutgoingMessage {
  std::string topic, key, value;
};

struct IncomingMessage {
  std::string topic;
  int partition = 0;
  std::int64_t offset = 0;
  std::string key, value;
  std::int64_t timestamp_ms = 0;
};

/// A producer with acks=all, idempotent by default (enable.idempotence: no duplicates or reordering
/// from its own retries). send() calls are serialised.
class Producer {
 public:
  enum class Delivery {
    Idempotent,  // decision events: a retry never writes a message twice
    /// Plain acks=all, no producer id to obtain first (which can cost a second on a fresh client):
    /// for compacted topics where a duplicate of the latest message per key changes nothing.
    AtLeastOnce,
  };
  /// `delivery_timeout` bounds how long a message may wait for the brokers (message.timeout.ms).
  static expected<std::unique_ptr<Producer>, KafkaError> create(const ClientSettings& settings,
                                                                std::chrono::milliseconds delivery_timeout,
                                                                Delivery delivery = Delivery::Idempotent);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  /// Produces every message and returns once the brokers acknowledged all of them. When any is not
  /// acknowledged within the delivery timeout the call fails (transient); some of the messages may
  /// still have been written, so whoever consumes them must be idempotent.
  expected<void, KafkaError> send(std::span<const OutgoingMessage> messages);
  /// ensure_topics() on this producer's own connections rather than a client of its own: a metadata
  /// request per topic, and CreateTopics only for those the brokers do not know. What a short-lived
  /// publisher (`verdict publish`) does on every run, so each run costs the brokers one client's
  /// connections instead of two.
  expected<void, KafkaError> ensure_topics(std::span<const TopicSpec> topics,
                                           std::chrono::milliseconds timeout = std::chrono::seconds(15));

  class Impl;

 private:
  explicit Producer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct GroupSettings {
  std::string group_id;
  std::vector<std::string> topics;
  /// How long the group waits for a silent member before giving its partitions to the others
  /// (session.timeout.ms; the brokers' minimum is 6 s).
  std::chrono::milliseconds session_timeout{10'000};
  /// Static membership (group.instance.id): a restarted member with the same id gets its
  /// partitions back at once, without a rebalance. Empty: dynamic membership.
  std::string instance_id;
};

/// A member of a consumer group. Offsets are committed only by commit(), never automatically: the
/// caller commits what it has made durable.
class GroupConsumer {
 public:
  static expected<std::unique_ptr<GroupConsumer>, KafkaError> create(const ClientSettings& settings,
                                                                     const GroupSettings& group);
  ~GroupConsumer();  // leaves the group
  GroupConsumer(const GroupConsumer&) = delete;
  GroupConsumer& operator=(const GroupConsumer&) = delete;

  /// Up to `max` messages: waits up to `wait` for the first, then takes what has arrived. Empty when
  /// nothing came. Broker outages are not errors here (the client reconnects); a fatal client error is.
  expected<std::vector<IncomingMessage>, KafkaError> poll(std::size_t max, std::chrono::milliseconds wait);
  /// Commits, synchronously, the offsets after the messages given (the highest per partition).
  expected<void, KafkaError> commit(std::span<const IncomingMessage> processed);

  class Impl;

 private:
  explicit GroupConsumer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Reads every partition of one topic from its beginning, outside any group, so every reader sees
/// every message — how each daemon learns the latest version per policy from the compacted topic.
class TopicReader {
 public:
  static expected<std::unique_ptr<TopicReader>, KafkaError> create(const ClientSettings& settings,
                                                                   const std::string& topic,
                                                                   std::chrono::milliseconds timeout);
  ~TopicReader();
  TopicReader(const TopicReader&) = delete;
  TopicReader& operator=(const TopicReader&) = delete;

  /// Every message up to the end of every partition (as found while reading). Fails (transient)
  /// when the end is not reached within `timeout`.
  expected<std::vector<IncomingMessage>, KafkaError> read_to_end(std::chrono::milliseconds timeout);
  /// What arrived since: waits up to `wait` for the first message, then takes what is there.
  expected<std::vector<IncomingMessage>, KafkaError> poll(std::size_t max, std::chrono::milliseconds wait);

  class Impl;

 private:
  explicit TopicReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace verdict::kafka
