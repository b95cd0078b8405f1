#pragma once
// Cache of provider answers, keyed by a keyed hash of the applicant's identifiers (never the
// identifiers themselves). In-process LRU by default, Redis in production. A cache that fails is a
// miss: decisions go on uncached.
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "domain/providers.hpp"
#include "redis/redis_pool.hpp"

namespace verdict::daemon {

class ProviderCache {
 public:
  virtual ~ProviderCache() = default;
  /// True when an unexpired answer of `provider` is cached under `key`: it is then put in its place in
  /// `into` (call status as the provider gave it; the caller marks it cached). False on a miss or a
  /// failing cache.
  virtual bool get(const std::string& key, ProviderId provider, ProviderResults& into) = 0;
  /// Keeps `from`'s answer of `provider` for `ttl` (nothing when ttl is not positive).
  virtual void put(const std::string& key, ProviderId provider, const ProviderResults& from, std::chrono::seconds ttl) = 0;
  virtual std::string describe() const = 0;
};

/// Bounded, thread-safe, least recently used, with per-entry expiry. Keeps answers decoded, so a hit
/// is a copy of one provider's fields: no JSON on the cached path.
class LruCache final : public ProviderCache {
 public:
  explicit LruCache(std::size_t capacity) : capacity_(capacity) {}
  bool get(const std::string& key, ProviderId provider, ProviderResults& into) override;
  void put(const std::string& key, ProviderId provider, const ProviderResults& from, std::chrono::seconds ttl) override;
  std::string describe() const override { return "in-process LRU (" + std::to_string(capacity_) + " entries)"; }
  std::size_t size() const;

 private:
  struct Entry {
    std::string key;
    ProviderAnswer answer;
    std::chrono::steady_clock::time_point expires;
  };
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> order_;  // front = most recent
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

/// Redis through hiredis, with short timeouts (redis/redis_pool.hpp): while Redis is down every
/// call is a miss, and costs no latency.
class RedisCache final : public ProviderCache {
 public:
  RedisCache(std::string host, int port, std::chrono::milliseconds timeout = std::chrono::milliseconds(50));
  /// Answers are kept as the provider wire JSON (encode_provider), shared by every replica.
  bool get(const std::string& key, ProviderId provider, ProviderResults& into) override;
  void put(const std::string& key, ProviderId provider, const ProviderResults& from, std::chrono::seconds ttl) override;
  std::string describe() const override { return "Redis at " + pool_.host() + ":" + std::to_string(pool_.port()); }
  bool connected() const { return pool_.connected(); }

 private:
  std::optional<std::string> get_text(const std::string& key);
  void put_text(const std::string& key, const std::string& value, std::chrono::seconds ttl);

  redis::RedisPool pool_;
};

using redis::parse_redis_url;

}  // namespace verdict::daemon
