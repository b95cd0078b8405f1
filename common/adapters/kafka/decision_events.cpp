#include "kafka/decision_events.hpp"

#include <nlohmann/json.hpp>

#include "crypto/hashing.hpp"
#include "store/record_codec.hpp"

namespace verdict::kafka {

namespace {

class DecisionEvents final : public store::DecisionStore {
 public:
  DecisionEvents(DecisionEventSettings settings, std::unique_ptr<Producer> producer)
      : settings_(std::move(settings)), producer_(std::move(producer)) {}

  expected<void, store::StoreError> write(std::span<const store::DecisionRecord> batch) override {
    std::vector<OutgoingMessage> messages;
    messages.reserve(batch.size());
    for (const auto& r : batch)
      messages.push_back({settings_.topic, decision_event_key(settings_.identifier_key, r.decision_id),
                          store::encode(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
    if (auto sent = producer_->send(messages); !sent)
      return unexpected(store::StoreError{"producing decision events: " + sent.error().message, sent.error().transient});
    return {};
  }

  expected<std::optional<store::DecisionRecord>, store::StoreError> find(std::string_view) override {
    return unexpected(not_here());
  }
  expected<std::optional<std::string>, store::StoreError> find_by_idempotency_key(std::string_view) override {
    return unexpected(not_here());
  }
  expected<std::uint64_t, store::StoreError> count_decisions() override { return unexpected(not_here()); }

 private:
  static store::StoreError not_here() {
    return {"decision events on Kafka cannot be read back; look decisions up in PostgreSQL", false};
  }

  DecisionEventSettings settings_;
  std::unique_ptr<Producer> producer_;
};

}  // namespace

std::string decision_event_key(const std::string& identifier_key, const std::string& decision_id) {
  return crypto::hmac_sha256_hex(identifier_key, "decision|" + decision_id);
}

expected<std::unique_ptr<store::DecisionStore>, KafkaError> open_decision_events(const DecisionEventSettings& settings) {
  if (settings.identifier_key.empty()) return unexpected(KafkaError{"decision events need an identifier key", false});
  auto producer = Producer::create(settings.client, settings.delivery_timeout);
  if (!producer) return unexpected(producer.error());
  return std::unique_ptr<store::DecisionStore>(std::make_unique<DecisionEvents>(settings, std::move(*producer)));
}

}  // namespace verdict::kafka
