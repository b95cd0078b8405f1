#include "kafka/kafka_client.hpp"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <algorithm>
#include <map>
#include <optional>
#include <mutex>
#include <set>
#include <thread>

namespace verdict::kafka {

namespace {

using Clock = std::chrono::steady_clock;

struct DestroyHandle {
  void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, DestroyHandle>;

struct DestroyConf {
  void operator()(rd_kafka_conf_t* conf) const noexcept { rd_kafka_conf_destroy(conf); }
};
using Conf = std::unique_ptr<rd_kafka_conf_t, DestroyConf>;

struct DestroyPartitions {
  void operator()(rd_kafka_topic_partition_list_t* list) const noexcept { rd_kafka_topic_partition_list_destroy(list); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, DestroyPartitions>;

int to_ms(std::chrono::milliseconds d) {
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(d.count(), 0, 24 * 3600 * 1000));
}

/// Whether an error may pass. A missing topic or a refused authorisation is fixed by an operator
/// while the records wait (the sink spools them); only a request that can never succeed is final.
bool transient(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
      return false;
    default:
      return true;
  }
}

KafkaError error_of(std::string_view doing, rd_kafka_resp_err_t err) {
  return {std::string(doing) + ": " + rd_kafka_err2str(err), transient(err)};
}

/// A configuration with our defaults, then the caller's properties; an unknown or invalid property
/// is an error naming it.
expected<Conf, KafkaError> make_conf(const ClientSettings& settings,
                                     std::initializer_list<std::pair<const char*, std::string>> defaults) {
  Conf conf(rd_kafka_conf_new());
  char errstr[512];
  auto set = [&](const std::string& key, const std::string& value) -> expected<void, KafkaError> {
    if (rd_kafka_conf_set(conf.get(), key.c_str(), value.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
      return unexpected(KafkaError{"Kafka setting " + key + ": " + errstr, false});
    return {};
  };
  if (settings.brokers.empty()) return unexpected(KafkaError{"no Kafka brokers configured", false});
  if (auto ok = set("bootstrap.servers", settings.brokers); !ok) return unexpected(ok.error());
  if (auto ok = set("client.id", settings.client_id); !ok) return unexpected(ok.error());
  // Notice a broker that went away within seconds, and come back quickly once it is there again.
  for (const auto& [key, value] : std::initializer_list<std::pair<const char*, std::string>>{
           {"socket.keepalive.enable", "true"}, {"reconnect.backoff.ms", "100"}, {"reconnect.backoff.max.ms", "2000"},
           {"log_level", "2"}})
    if (auto ok = set(key, value); !ok) return unexpected(ok.error());
  for (const auto& [key, value] : defaults)
    if (auto ok = set(key, value); !ok) return unexpected(ok.error());
  for (const auto& [key, value] : settings.properties)
    if (auto ok = set(key, value); !ok) return unexpected(ok.error());
  // Brokers going away are reported by the calls that need them (as KafkaError values); without
  // this librdkafka would also print each of its own retries to stderr.
  rd_kafka_conf_set_error_cb(conf.get(), [](rd_kafka_t*, int, const char*, void*) {});
  return conf;
}

expected<Handle, KafkaError> make_handle(rd_kafka_type_t type, Conf conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (!rk) return unexpected(KafkaError{std::string("creating a Kafka client: ") + errstr, false});
  conf.release();  // rd_kafka_new owns it now
  return Handle(rk);
}

IncomingMessage incoming(const rd_kafka_message_t* m) {
  IncomingMessage out;
  out.topic = rd_kafka_topic_name(m->rkt);
  out.partition = m->partition;
  out.offset = m->offset;
  if (m->key) out.key.assign(static_cast<const char*>(m->key), m->key_len);
  if (m->payload) out.value.assign(static_cast<const char*>(m->payload), m->len);
  rd_kafka_timestamp_type_t type{};
  out.timestamp_ms = rd_kafka_message_timestamp(m, &type);
  return out;
}

struct DestroyMessage {
  void operator()(rd_kafka_message_t* m) const noexcept { rd_kafka_message_destroy(m); }
};
using Message = std::unique_ptr<rd_kafka_message_t, DestroyMessage>;

/// Consumer errors that are events rather than failures: the client goes on by itself.
bool ignorable_consumer_error(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__PARTITION_EOF || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
         err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
         err == RD_KAFKA_RESP_ERR__RESOLVE || err == RD_KAFKA_RESP_ERR__MAX_POLL_EXCEEDED;
}

std::optional<KafkaError> fatal_error(rd_kafka_t* rk) {
  char errstr[512];
  if (const auto err = rd_kafka_fatal_error(rk, errstr, sizeof errstr); err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return KafkaError{std::string("fatal Kafka client error: ") + errstr, true};
  return std::nullopt;
}

/// Polls a consumer: up to `max` messages, waiting up to `wait` for the first and briefly for more.
/// `on_message` sees every message as it comes; `on_eof` is told of every partition end reached
/// (partition, next offset) and answers whether to stop polling now.
template <class OnMessage, class OnEof>
expected<std::vector<IncomingMessage>, KafkaError> consume(rd_kafka_t* rk, std::size_t max,
                                                           std::chrono::milliseconds wait, OnMessage&& on_message,
                                                           OnEof&& on_eof) {
  std::vector<IncomingMessage> out;
  const auto deadline = Clock::now() + wait;
  while (out.size() < max) {
    // Rounded up: truncated, the last fraction of a millisecond would be polled with timeout 0 over
    // and over, a busy loop at the end of every wait (the policy follower waits 100 ms at a time).
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    // After the first message, take only what is already there.
    Message m(rd_kafka_consumer_poll(rk, out.empty() ? std::max(0, to_ms(left)) : 0));
    if (!m) {
      if (!out.empty() || Clock::now() >= deadline) break;
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (on_eof(m->partition, m->offset)) break;
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (auto fatal = fatal_error(rk)) return unexpected(*fatal);
      if (ignorable_consumer_error(m->err)) continue;
      return unexpected(error_of("consuming", m->err));
    }
    out.push_back(incoming(m.get()));
    on_message(out.back());
  }
  return out;
}

auto ignore_message = [](const IncomingMessage&) {};
auto ignore_eof = [](int, std::int64_t) { return false; };

}  // namespace

std::string default_brokers() {
  const char* env = std::getenv("VERDICT_KAFKA_BROKERS");
  return env && *env ? env : "127.0.0.1:9092";
}

// ---- topics ------------------------------------------------------------------------------------

namespace {

/// A client for one admin request or metadata look-up. It never creates a topic by asking about it.
expected<Handle, KafkaError> admin_client(const ClientSettings& settings) {
  auto conf = make_conf(settings, {{"allow.auto.create.topics", "false"}});
  if (!conf) return unexpected(conf.error());
  return make_handle(RD_KAFKA_PRODUCER, std::move(*conf));
}

/// One admin request about topics on `rk`: `submit` sends it with the options and the queue to answer
/// on, `results_of` picks the per-topic results out of the answer. A topic whose error is
/// `harmless` (it exists already, it is gone already) counts as done. `doing` names the request in
/// errors: "creating topic X: ...".
expected<void, KafkaError> admin_request(
    rd_kafka_t* rk, rd_kafka_admin_op_t operation, std::chrono::milliseconds timeout, const std::string& doing,
    const std::string& brokers, rd_kafka_resp_err_t harmless,
    const std::function<void(rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>& submit,
    const std::function<const rd_kafka_topic_result_t**(rd_kafka_event_t*, std::size_t*)>& results_of) {
  char errstr[512];
  rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, operation);
  rd_kafka_AdminOptions_set_operation_timeout(options, to_ms(timeout), errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_request_timeout(options, to_ms(timeout), errstr, sizeof errstr);
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  submit(options, queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, to_ms(timeout) + 1000);
  rd_kafka_AdminOptions_destroy(options);
  expected<void, KafkaError> result;
  if (!event) {
    result = unexpected(KafkaError{doing + " topics: no answer from the brokers at " + brokers, true});
  } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    result = unexpected(KafkaError{doing + " topics: " + rd_kafka_event_error_string(event),
                                   transient(rd_kafka_event_error(event))});
  } else {
    std::size_t count = 0;
    const rd_kafka_topic_result_t** results = results_of(event, &count);
    for (std::size_t i = 0; i < count; ++i) {
      const auto err = rd_kafka_topic_result_error(results[i]);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == harmless) continue;
      const char* message = rd_kafka_topic_result_error_string(results[i]);
      result = unexpected(KafkaError{doing + " topic " + rd_kafka_topic_result_name(results[i]) + ": " +
                                         (message ? message : rd_kafka_err2str(err)),
                                     transient(err)});
      break;
    }
  }
  if (event) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  return result;
}

/// CreateTopics for `topics` through client `rk`; those that exist already count as created.
expected<void, KafkaError> create_topics(rd_kafka_t* rk, std::span<const TopicSpec> topics,
                                         std::chrono::milliseconds timeout, const std::string& brokers) {
  std::vector<rd_kafka_NewTopic_t*> new_topics;
  struct FreeTopics {
    std::vector<rd_kafka_NewTopic_t*>& topics;
    ~FreeTopics() { rd_kafka_NewTopic_destroy_array(topics.data(), topics.size()); }
  } free_topics{new_topics};
  char errstr[512];
  for (const auto& spec : topics) {
    rd_kafka_NewTopic_t* t =
        rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, spec.replication_factor, errstr, sizeof errstr);
    if (!t) return unexpected(KafkaError{"topic " + spec.name + ": " + errstr, false});
    new_topics.push_back(t);
    if (spec.compacted && rd_kafka_NewTopic_set_config(t, "cleanup.policy", "compact") != RD_KAFKA_RESP_ERR_NO_ERROR)
      return unexpected(KafkaError{"topic " + spec.name + ": cannot set cleanup.policy", false});
  }
  return admin_request(
      rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout, "creating", brokers, RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS,
      [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
        rd_kafka_CreateTopics(rk, new_topics.data(), new_topics.size(), options, queue);
      },
      [](rd_kafka_event_t* event, std::size_t* count) {
        return rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), count);
      });
}

}  // namespace

expected<void, KafkaError> ensure_topics(const ClientSettings& settings, std::span<const TopicSpec> topics,
                                         std::chrono::milliseconds timeout) {
  if (topics.empty()) return {};
  auto rk = admin_client(settings);
  if (!rk) return unexpected(rk.error());
  return create_topics(rk->get(), topics, timeout, settings.brokers);
}

expected<std::vector<std::string>, KafkaError> list_topics(const ClientSettings& settings, const std::string& prefix,
                                                           std::chrono::milliseconds timeout) {
  auto rk = admin_client(settings);
  if (!rk) return unexpected(rk.error());
  const rd_kafka_metadata_t* metadata = nullptr;
  if (const auto err = rd_kafka_metadata(rk->get(), 1, nullptr, &metadata, to_ms(timeout)); err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return unexpected(KafkaError{"listing topics at " + settings.brokers + ": " + rd_kafka_err2str(err), transient(err)});
  std::vector<std::string> names;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    const std::string name = metadata->topics[i].topic;
    if (name.starts_with(prefix) && !name.starts_with("__")) names.push_back(name);
  }
  rd_kafka_metadata_destroy(metadata);
  std::sort(names.begin(), names.end());
  return names;
}

expected<void, KafkaError> delete_topics(const ClientSettings& settings, std::span<const std::string> names,
                                         std::chrono::milliseconds timeout) {
  if (names.empty()) return {};
  auto rk = admin_client(settings);
  if (!rk) return unexpected(rk.error());
  std::vector<rd_kafka_DeleteTopic_t*> doomed;
  struct FreeTopics {
    std::vector<rd_kafka_DeleteTopic_t*>& topics;
    ~FreeTopics() { rd_kafka_DeleteTopic_destroy_array(topics.data(), topics.size()); }
  } free_topics{doomed};
  for (const auto& name : names) doomed.push_back(rd_kafka_DeleteTopic_new(name.c_str()));
  return admin_request(
      rk->get(), RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout, "deleting", settings.brokers,
      RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
      [&](rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
        rd_kafka_DeleteTopics(rk->get(), doomed.data(), doomed.size(), options, queue);
      },
      [](rd_kafka_event_t* event, std::size_t* count) {
        return rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), count);
      });
}

// ---- producer ----------------------------------------------------------------------------------

/// What one send() waits for. Shared with the delivery reports through a heap pointer per message,
/// because a report can come after send() gave up (the message was still queued then).
struct Pending {
  std::atomic<std::size_t> remaining{0};
  std::atomic<std::size_t> failed{0};
  std::mutex mutex;
  std::string first_error;
};

class Producer::Impl {
 public:
  Impl(ClientSettings settings, std::chrono::milliseconds delivery_timeout, Delivery delivery)
      : settings_(std::move(settings)), delivery_timeout_(delivery_timeout), delivery_(delivery) {}

  expected<void, KafkaError> open() {
    const bool idempotent = delivery_ == Delivery::Idempotent;
    // No topic is created as a side effect of asking for its metadata (learn_topic), even where the
    // brokers allow it: it would get the brokers' defaults — a policy topic that is not compacted.
    auto conf = make_conf(settings_, {{"enable.idempotence", idempotent ? "true" : "false"},
                                      {"allow.auto.create.topics", "false"},
                                      {"acks", "all"},
                                      {"linger.ms", "2"},
                                      {"message.timeout.ms", std::to_string(to_ms(delivery_timeout_))},
                                      {"socket.timeout.ms", std::to_string(std::max(to_ms(delivery_timeout_), 10))}});
    if (!conf) return unexpected(conf.error());
    rd_kafka_conf_set_dr_msg_cb(conf->get(), &Impl::delivered);
    auto rk = make_handle(RD_KAFKA_PRODUCER, std::move(*conf));
    if (!rk) return unexpected(rk.error());
    rk_ = std::move(*rk);
    return {};
  }

  ~Impl() {
    if (rk_) rd_kafka_flush(rk_.get(), 2'000);
  }

  expected<void, KafkaError> ensure_topics(std::span<const TopicSpec> topics, std::chrono::milliseconds timeout) {
    std::lock_guard lock(mutex_);
    if (auto usable = reopen_if_fatal(); !usable) return usable;
    std::vector<TopicSpec> missing;
    for (const auto& spec : topics)
      if (!learn_topic(spec.name)) missing.push_back(spec);
    if (missing.empty()) return {};
    return create_topics(rk_.get(), missing, timeout, settings_.brokers);
  }

  expected<void, KafkaError> send(std::span<const OutgoingMessage> messages) {
    std::lock_guard lock(mutex_);
    if (messages.empty()) return {};
    if (auto usable = reopen_if_fatal(); !usable) return usable;
    for (const auto& m : messages) learn_topic(m.topic);
    auto pending = std::make_shared<Pending>();
    pending->remaining = messages.size();
    const auto deadline = Clock::now() + delivery_timeout_ + std::chrono::seconds(1);
    for (std::size_t i = 0; i < messages.size(); ++i) {
      const auto& m = messages[i];
      auto* ticket = new std::shared_ptr<Pending>(pending);
      rd_kafka_vu_t vus[5];
      vus[0].vtype = RD_KAFKA_VTYPE_TOPIC;
      vus[0].u.cstr = m.topic.c_str();
      vus[1].vtype = RD_KAFKA_VTYPE_KEY;
      vus[1].u.mem = {const_cast<char*>(m.key.data()), m.key.size()};
      vus[2].vtype = RD_KAFKA_VTYPE_VALUE;
      vus[2].u.mem = {const_cast<char*>(m.value.data()), m.value.size()};
      vus[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
      vus[3].u.i = RD_KAFKA_MSG_F_COPY;
      vus[4].vtype = RD_KAFKA_VTYPE_OPAQUE;
      vus[4].u.ptr = ticket;
      for (;;) {
        rd_kafka_error_t* error = rd_kafka_produceva(rk_.get(), vus, 5);
        if (!error) break;
        const auto code = rd_kafka_error_code(error);
        const std::string text = rd_kafka_error_string(error);
        rd_kafka_error_destroy(error);
        if (code == RD_KAFKA_RESP_ERR__QUEUE_FULL && Clock::now() < deadline) {
          rd_kafka_poll(rk_.get(), 10);
          continue;
        }
        delete ticket;
        // The messages not produced will never be reported: count them as failed now.
        pending->failed += messages.size() - i;
        pending->remaining -= messages.size() - i;
        record_error(*pending, "producing to " + m.topic + ": " + text);
        rd_kafka_flush(rk_.get(), to_ms(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())));
        return unexpected(KafkaError{pending->first_error, transient(code)});
      }
    }
    while (pending->remaining > 0 && Clock::now() < deadline)
      rd_kafka_flush(rk_.get(), std::max(1, to_ms(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()))));
    if (pending->remaining > 0)
      return unexpected(KafkaError{std::to_string(pending->remaining.load()) + " message(s) not acknowledged by " +
                                       settings_.brokers + " in time",
                                   true});
    if (pending->failed > 0) {
      std::lock_guard error_lock(pending->mutex);
      return unexpected(KafkaError{std::to_string(pending->failed.load()) + " message(s) not delivered: " +
                                       pending->first_error,
                                   true});
    }
    return {};
  }

 private:
  /// A fatal error (the idempotent producer's state is lost) ends a client: start a new one.
  expected<void, KafkaError> reopen_if_fatal() {
    if (rk_ && !fatal_error(rk_.get())) return {};
    rk_.reset();
    known_topics_.clear();
    return open();
  }

  /// Asks for a topic's metadata before its first message. Otherwise a fresh client only asks when
  /// its one-second topic scan notices the topic (measured: a first send then took ~1 s, 6 in 100).
  /// Answers whether the brokers know the topic; a failure here is not an error: the send (or the
  /// topic creation) finds out.
  bool learn_topic(const std::string& topic) {
    if (known_topics_.contains(topic)) return true;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr);
    const rd_kafka_metadata_t* metadata = nullptr;
    if (rd_kafka_metadata(rk_.get(), 0, rkt, &metadata, std::min(to_ms(delivery_timeout_), 5'000)) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (metadata->topic_cnt == 1 && metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
          metadata->topics[0].partition_cnt > 0)
        known_topics_.insert(topic);
      rd_kafka_metadata_destroy(metadata);
    }
    rd_kafka_topic_destroy(rkt);
    return known_topics_.contains(topic);
  }

  static void record_error(Pending& pending, std::string text) {
    std::lock_guard lock(pending.mutex);
    if (pending.first_error.empty()) pending.first_error = std::move(text);
  }

  static void delivered(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    std::unique_ptr<std::shared_ptr<Pending>> ticket(static_cast<std::shared_ptr<Pending>*>(m->_private));
    Pending& pending = **ticket;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++pending.failed;
      record_error(pending, rd_kafka_err2str(m->err));
    }
    --pending.remaining;
  }

  std::mutex mutex_;
  ClientSettings settings_;
  std::chrono::milliseconds delivery_timeout_;
  Delivery delivery_;
  Handle rk_;
  std::set<std::string> known_topics_;  // topics whose metadata this client has
};

Producer::Producer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Producer::~Producer() = default;

expected<std::unique_ptr<Producer>, KafkaError> Producer::create(const ClientSettings& settings,
                                                                 std::chrono::milliseconds delivery_timeout,
                                                                 Delivery delivery) {
  auto impl = std::make_unique<Impl>(settings, delivery_timeout, delivery);
  if (auto opened = impl->open(); !opened) return unexpected(opened.error());
  return std::unique_ptr<Producer>(new Producer(std::move(impl)));
}

expected<void, KafkaError> Producer::send(std::span<const OutgoingMessage> messages) { return impl_->send(messages); }

expected<void, KafkaError> Producer::ensure_topics(std::span<const TopicSpec> topics, std::chrono::milliseconds timeout) {
  return impl_->ensure_topics(topics, timeout);
}

// ---- group consumer ----------------------------------------------------------------------------

class GroupConsumer::Impl {
 public:
  explicit Impl(Handle rk) : rk_(std::move(rk)) {}
  ~Impl() {
    rd_kafka_consumer_close(rk_.get());
  }
  rd_kafka_t* get() const { return rk_.get(); }

 private:
  Handle rk_;
};

GroupConsumer::GroupConsumer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GroupConsumer::~GroupConsumer() = default;

expected<std::unique_ptr<GroupConsumer>, KafkaError> GroupConsumer::create(const ClientSettings& settings,
                                                                           const GroupSettings& group) {
  if (group.group_id.empty()) return unexpected(KafkaError{"a consumer group needs a group id", false});
  std::initializer_list<std::pair<const char*, std::string>> defaults{
      {"group.id", group.group_id},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"session.timeout.ms", std::to_string(to_ms(group.session_timeout))},
      {"heartbeat.interval.ms", std::to_string(std::max(100, to_ms(group.session_timeout) / 4))},
      {"enable.partition.eof", "false"}};
  auto conf = make_conf(settings, defaults);
  if (!conf) return unexpected(conf.error());
  char errstr[512];
  if (!group.instance_id.empty() &&
      rd_kafka_conf_set(conf->get(), "group.instance.id", group.instance_id.c_str(), errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK)
    return unexpected(KafkaError{std::string("group.instance.id: ") + errstr, false});
  auto rk = make_handle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk) return unexpected(rk.error());
  rd_kafka_poll_set_consumer(rk->get());
  PartitionList topics(rd_kafka_topic_partition_list_new(static_cast<int>(group.topics.size())));
  for (const auto& topic : group.topics) rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  if (const auto err = rd_kafka_subscribe(rk->get(), topics.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return unexpected(error_of("subscribing", err));
  return std::unique_ptr<GroupConsumer>(new GroupConsumer(std::make_unique<Impl>(std::move(*rk))));
}

expected<std::vector<IncomingMessage>, KafkaError> GroupConsumer::poll(std::size_t max, std::chrono::milliseconds wait) {
  return consume(impl_->get(), max, wait, ignore_message, ignore_eof);
}

expected<void, KafkaError> GroupConsumer::commit(std::span<const IncomingMessage> processed) {
  if (processed.empty()) return {};
  std::map<std::pair<std::string, int>, std::int64_t> next;
  for (const auto& m : processed) {
    auto& offset = next[{m.topic, m.partition}];
    offset = std::max(offset, m.offset + 1);
  }
  PartitionList offsets(rd_kafka_topic_partition_list_new(static_cast<int>(next.size())));
  for (const auto& [where, offset] : next)
    rd_kafka_topic_partition_list_add(offsets.get(), where.first.c_str(), where.second)->offset = offset;
  if (const auto err = rd_kafka_commit(impl_->get(), offsets.get(), 0); err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return unexpected(error_of("committing offsets", err));
  return {};
}

// ---- topic reader ------------------------------------------------------------------------------

class TopicReader::Impl {
 public:
  Impl(Handle rk, std::string topic, int partitions) : rk_(std::move(rk)), topic_(std::move(topic)), partitions_(partitions) {}
  ~Impl() { rd_kafka_consumer_close(rk_.get()); }
  rd_kafka_t* get() const { return rk_.get(); }
  const std::string& topic() const { return topic_; }
  int partitions() const { return partitions_; }

 private:
  Handle rk_;
  std::string topic_;
  int partitions_;
};

TopicReader::TopicReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TopicReader::~TopicReader() = default;

expected<std::unique_ptr<TopicReader>, KafkaError> TopicReader::create(const ClientSettings& settings,
                                                                       const std::string& topic,
                                                                       std::chrono::milliseconds timeout) {
  // A group id is required by the consumer API, but the reader never joins it (assign, not
  // subscribe) and never commits, so every reader is independent.
  auto conf = make_conf(settings, {{"group.id", "verdict-reader"},
                                   {"enable.auto.commit", "false"},
                                   {"enable.auto.offset.store", "false"},
                                   {"enable.partition.eof", "true"}});
  if (!conf) return unexpected(conf.error());
  auto rk = make_handle(RD_KAFKA_CONSUMER, std::move(*conf));
  if (!rk) return unexpected(rk.error());
  rd_kafka_poll_set_consumer(rk->get());

  // How many partitions: from the brokers' metadata for this topic.
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk->get(), topic.c_str(), nullptr);
  const rd_kafka_metadata_t* metadata = nullptr;
  const auto err = rd_kafka_metadata(rk->get(), 0, rkt, &metadata, to_ms(timeout));
  rd_kafka_topic_destroy(rkt);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return unexpected(error_of("reading the metadata of " + topic, err));
  int partitions = 0;
  rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (metadata->topic_cnt == 1) {
    partitions = metadata->topics[0].partition_cnt;
    topic_err = metadata->topics[0].err;
  }
  rd_kafka_metadata_destroy(metadata);
  if (topic_err != RD_KAFKA_RESP_ERR_NO_ERROR) return unexpected(error_of("topic " + topic, topic_err));
  if (partitions <= 0) return unexpected(KafkaError{"topic " + topic + " has no partitions", true});

  PartitionList assignment(rd_kafka_topic_partition_list_new(partitions));
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  if (const auto assigned = rd_kafka_assign(rk->get(), assignment.get()); assigned != RD_KAFKA_RESP_ERR_NO_ERROR)
    return unexpected(error_of("assigning " + topic, assigned));
  return std::unique_ptr<TopicReader>(new TopicReader(std::make_unique<Impl>(std::move(*rk), topic, partitions)));
}

expected<std::vector<IncomingMessage>, KafkaError> TopicReader::read_to_end(std::chrono::milliseconds timeout) {
  // The end is the high watermark of each partition as of now: a topic that keeps receiving
  // messages (heartbeats) never shows an end-of-partition event, since every fetch brings more. An
  // end-of-partition event after a partition's last message also counts (compaction may have
  // removed the messages just below the watermark).
  const auto deadline = Clock::now() + timeout;
  std::map<int, std::int64_t> high, end_offset, next_offset;
  for (int p = 0; p < impl_->partitions(); ++p) {
    std::int64_t low = 0, hi = 0;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const std::string topic = impl_->topic();
    if (const auto err = rd_kafka_query_watermark_offsets(impl_->get(), topic.c_str(), p, &low, &hi, std::max(1, to_ms(left)));
        err != RD_KAFKA_RESP_ERR_NO_ERROR)
      return unexpected(error_of("reading the end of " + topic, err));
    high[p] = low == hi ? 0 : hi;  // an empty partition is at its end from the start
  }
  auto at_end = [&](int p) {
    const auto next = next_offset.contains(p) ? next_offset[p] : 0;
    if (next >= high[p]) return true;
    return end_offset.contains(p) && end_offset[p] >= next && next > 0;
  };
  auto all_at_end = [&] {
    for (int p = 0; p < impl_->partitions(); ++p)
      if (!at_end(p)) return false;
    return true;
  };
  std::vector<IncomingMessage> out;
  while (!all_at_end()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0)
      return unexpected(KafkaError{"the end of the topic was not reached in " + std::to_string(timeout.count()) + " ms", true});
    auto batch = consume(
        impl_->get(), 10'000, std::min(left, std::chrono::milliseconds(200)),
        [&](const IncomingMessage& m) { next_offset[m.partition] = m.offset + 1; },
        [&](int partition, std::int64_t offset) {
          end_offset[partition] = offset;
          return all_at_end();
        });
    if (!batch) return unexpected(batch.error());
    for (auto& m : *batch) out.push_back(std::move(m));
  }
  return out;
}

expected<std::vector<IncomingMessage>, KafkaError> TopicReader::poll(std::size_t max, std::chrono::milliseconds wait) {
  return consume(impl_->get(), max, wait, ignore_message, ignore_eof);
}

}  // namespace verdict::kafka
