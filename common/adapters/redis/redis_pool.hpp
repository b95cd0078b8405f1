#pragma once
// A small pool of blocking hiredis connections with short timeouts, shared by the Redis adapters
// (provider cache, velocity counters). While Redis is down `acquire` returns null at once, and a
// reconnect is tried at most once a second, so a dead Redis costs no latency.
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

struct redisContext;

namespace verdict::redis {

class RedisPool {
 public:
  /// A connection; give it back with `release` when the last command on it succeeded, drop it
  /// (let it go out of scope) after an error.
  struct Connection {
    redisContext* context = nullptr;
    ~Connection();
  };

  /// `on_connect` runs on every new connection (e.g. to load a script); false drops it.
  RedisPool(std::string host, int port, std::chrono::milliseconds timeout,
            std::function<bool(redisContext*)> on_connect = {});
  std::unique_ptr<Connection> acquire();
  void release(std::unique_ptr<Connection> connection);
  /// After a broken connection: no new connection is tried for a second.
  void back_off();
  bool connected() const;
  const std::string& host() const { return host_; }
  int port() const { return port_; }

 private:
  std::string host_;
  int port_;
  std::chrono::milliseconds timeout_;
  std::function<bool(redisContext*)> on_connect_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::chrono::steady_clock::time_point retry_after_{};
};

/// "redis://host:port" -> host and port (6379 when omitted); nullopt if malformed.
std::optional<std::pair<std::string, int>> parse_redis_url(const std::string& url);

}  // namespace verdict::redis
