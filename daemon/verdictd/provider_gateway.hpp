#pragma once
// Calls the providers an application needs, concurrently, each with its deadline, retry budget,
// circuit breaker and cache. Every planned provider comes back with a result: ok / hit / no_hit,
// or `unavailable` with the reason. Nothing is ever missing, and nothing outlives the decision
// deadline.
#include <array>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "client.hpp"
#include "domain/case.hpp"
#include "metrics.hpp"
#include "policy/policy.hpp"
#include "provider_cache.hpp"

namespace verdict::daemon {

struct BreakerSettings {
  int failure_threshold = 5;
  std::chrono::milliseconds open_for{5000};
};

/// Per provider: after `failure_threshold` consecutive failures the circuit opens for
/// `open_for`; then one call probes it (half-open) and closes it on success.
class CircuitBreaker {
 public:
  void configure(BreakerSettings s);
  bool allow();
  void success();
  void failure();
  std::string state() const;

 private:
  BreakerSettings settings_;
  mutable std::mutex mutex_;
  int failures_ = 0;
  bool open_ = false;
  bool probing_ = false;
  std::chrono::steady_clock::time_point open_until_{};
};

struct GatewaySettings {
  http::Endpoint endpoint;                 // where the providers (or verdict-sim) answer
  std::string identifier_key;              // HMAC key for cache keys
  BreakerSettings breaker;
  std::chrono::milliseconds retry_backoff{20};
  /// Call the providers one after another: only for measuring what concurrency buys (bench_daemon).
  bool sequential = false;
};

class ProviderGateway {
 public:
  ProviderGateway(GatewaySettings settings, ProviderCache& cache, Metrics& metrics);

  boost::asio::awaitable<ProviderResults> collect(const Application& application,
                                                  const std::vector<ProviderPlanEntry>& plan,
                                                  std::chrono::steady_clock::time_point deadline);

  /// The cache key for a provider and applicant: a keyed hash, no personal data.
  std::string cache_key(ProviderId provider, const Application& application) const;
  CircuitBreaker& breaker(ProviderId id) { return breakers_[static_cast<std::size_t>(id)]; }

 private:
  /// Fills `into` from the cache when the answer is there; no network, no suspension.
  bool from_cache(const ProviderPlanEntry& entry, const std::string& key, ProviderResults& into);
  boost::asio::awaitable<void> call_one(ProviderPlanEntry entry, std::string key, std::string body,
                                        std::chrono::steady_clock::time_point deadline, ProviderResults& into);

  GatewaySettings settings_;
  ProviderCache& cache_;
  Metrics& metrics_;
  std::array<CircuitBreaker, provider_count> breakers_;
};

}  // namespace verdict::daemon
