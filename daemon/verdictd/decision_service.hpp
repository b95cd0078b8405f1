#pragma once
// The decision flow behind the API: validate -> plan providers from the active policy ->
// concurrent provider calls (cache first) -> evaluate -> respond -> hand the record to the store.
// Also the routes of the API, declared in one table (routes()).
#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "config.hpp"
#include "metrics.hpp"
#include "policy/engine.hpp"
#include "provider_gateway.hpp"
#include "router.hpp"
#include "store/decision_sink.hpp"
#include "store/review_store.hpp"
#include "velocity_step.hpp"

namespace verdict::daemon {

/// The active policy, swapped atomically; requests keep the version they started with.
struct ActivePolicy {
  std::shared_ptr<const CompiledPolicy> policy;
  std::string loaded_at;  // ISO 8601 UTC
};

class DecisionService {
 public:
  DecisionService(const Config& config, Metrics& metrics, ProviderGateway& gateway,
                  std::shared_ptr<store::DecisionStore> lookup_store, store::DecisionSink* sink);

  /// Swaps the policy in; answers the one it replaces (null at the first), which requests that
  /// started on it may still hold.
  std::shared_ptr<const ActivePolicy> set_policy(std::shared_ptr<const CompiledPolicy> policy);
  std::shared_ptr<const ActivePolicy> active() const { return active_.load(); }
  void set_draining(bool draining) { draining_ = draining; }
  /// Velocity counters for the policy's velocity rules; without, every counter is unknown.
  void set_velocity(VelocityStep* velocity) { velocity_ = velocity; }
  /// The review queue, for the status (pending_review / decided) and final outcome GET shows.
  void set_reviews(store::ReviewStore* reviews) { reviews_ = reviews; }

  /// Adds every route of the API to `router`.
  void routes(http::Router& router);

  boost::asio::awaitable<http::HandlerResult> decide(http::RequestContext& context);
  boost::asio::awaitable<http::HandlerResult> get_decision(http::RequestContext& context);
  boost::asio::awaitable<http::HandlerResult> get_policy(http::RequestContext& context);
  boost::asio::awaitable<http::HandlerResult> health(http::RequestContext& context);
  boost::asio::awaitable<http::HandlerResult> ready(http::RequestContext& context);
  boost::asio::awaitable<http::HandlerResult> metrics(http::RequestContext& context);

 private:
  struct Remembered {
    std::string response;   // the POST response body
    std::string case_json;  // what it was decided on, for GET
    std::string idempotency_key;
  };
  void remember(const std::string& decision_id, Remembered r);
  std::optional<Remembered> recall(const std::string& decision_id) const;
  std::string customer_key(const Application& a) const;

  const Config& config_;
  Metrics& metrics_;
  ProviderGateway& gateway_;
  std::shared_ptr<store::DecisionStore> lookup_store_;
  store::DecisionSink* sink_;
  VelocityStep* velocity_ = nullptr;
  store::ReviewStore* reviews_ = nullptr;
  std::atomic<std::shared_ptr<const ActivePolicy>> active_;
  std::atomic<bool> draining_{false};

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Remembered> recent_;  // decision id -> bodies, bounded
  std::deque<std::string> recent_order_;
  std::unordered_map<std::string, std::string> idempotency_;  // scoped key -> decision id
  std::set<std::string> in_progress_;                         // scoped keys being decided now
};

/// Deepest nesting of arrays and objects in a JSON text (strings skipped), stopping at `limit` + 1.
std::size_t json_depth(std::string_view text, std::size_t limit);

}  // namespace verdict::daemon
