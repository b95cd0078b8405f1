#pragma once
// The HTTP/1.1 server: an acceptor and one coroutine session per connection (buffer, timeouts,
// keep-alive, limits), each connection on one io_context of an IoPool (a thread per core), or all
// on one io_context the caller runs. Shutdown is
// graceful: stop accepting, let requests in flight finish (their responses say Connection: close),
// close idle connections, then report idle.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "io_pool.hpp"
#include "router.hpp"

namespace verdict::http {

struct ServerLimits {
  std::size_t body_limit = 64 * 1024;
  std::size_t header_limit = 8 * 1024;
  std::chrono::milliseconds read_timeout{10'000};  // a whole request, once its first byte arrived
  std::chrono::milliseconds idle_timeout{30'000};  // a keep-alive connection with nothing to do
};

/// Told about every response: route pattern (or "unmatched"), status, seconds spent.
using RequestObserver = std::function<void(const HttpRequest&, const std::string& route, unsigned status, double seconds)>;

class Server {
 public:
  /// Connections spread over the pool's contexts, round robin; the acceptor on the first.
  Server(IoPool& pool, const Router& router, ServerLimits limits, RequestObserver observer = {});
  /// Everything on `io`, however many threads run it.
  Server(boost::asio::io_context& io, const Router& router, ServerLimits limits, RequestObserver observer = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and starts accepting; returns the bound port (useful with port 0) or why it failed.
  expected<unsigned short, std::string> listen(const std::string& address, unsigned short port);

  /// Stops accepting and closes idle connections; requests in flight finish. Thread-safe.
  void begin_shutdown();
  bool draining() const { return draining_.load(); }
  std::size_t in_flight() const { return in_flight_.load(); }
  std::size_t connections() const { return connections_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> draining_{false};
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<std::size_t> connections_{0};
};

}  // namespace verdict::http
