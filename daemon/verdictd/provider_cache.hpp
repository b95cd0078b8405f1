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

#include "redis/redis_pool.hpp"

namespace verdict::daemon {

class ProviderCache {
 public:
  virtual ~ProviderCache() = default;
  virtual std::optional<std::string> get(const std::string& key) = 0;
  virtual void put(const std::string& key, const std::string& value, std::chrono::seconds ttl) = 0;
  virtual std::string describe() const = 0;
};

/// Bounded, thread-safe, least recently used, with per-entry expiry.
class LruCache final : public ProviderCache {
 public:
  explicit LruCache(std::size_t capacity) : capacity_(capacity) {}
  std::optional<std::string> get(const std::string& key) override;
  void put(const std::string& key, const std::string& value, std::chrono::seconds ttl) override;
  std::string describe() const override { return "in-process LRU (" + std::to_string(capacity_) + " entries)"; }
  std::size_t size() const;

 private:
  struct Entry {
    std::string key;
    std::string value;
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
  std::optional<std::string> get(const std::string& key) override;
  void put(const std::string& key, const std::string& value, std::chrono::seconds ttl) override;
  std::string describe() const override { return "Redis at " + pool_.host() + ":" + std::to_string(pool_.port()); }
  bool connected() const { return pool_.connected(); }

 private:
  redis::RedisPool pool_;
};

using redis::parse_redis_url;

}  // namespace verdict::daemon
