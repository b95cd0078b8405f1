#include "client.hpp"

#include <unistd.h>

#include <map>
#include <mutex>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace verdict::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string reason(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return "timeout";
  if (ec == asio::error::connection_refused) return "connection refused";
  if (ec == asio::error::connection_reset || ec == bhttp::error::end_of_stream || ec == asio::error::eof)
    return "connection reset";
  return ec.message();
}
}  // namespace

std::string ClientResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

asio::awaitable<expected<ClientResponse, std::string>> post_json(Endpoint endpoint, std::string target, std::string body,
                                                                 std::chrono::milliseconds timeout) {
  ClientRequest request;
  request.method = "POST";
  request.target = std::move(target);
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body);
  co_return co_await send(std::move(endpoint), std::move(request), timeout);
}

namespace {

/// Idle keep-alive connections per endpoint, kept as bare file descriptors so that any coroutine,
/// on any executor, can adopt one: a new socket object on the caller's executor takes the fd.
class ConnectionPool {
 public:
  int take(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto& idle = idle_[key];
    if (idle.empty()) return -1;
    const int fd = idle.back();
    idle.pop_back();
    return fd;
  }
  void give(const std::string& key, int fd) {
    std::lock_guard lock(mutex_);
    auto& idle = idle_[key];
    if (idle.size() < max_idle_per_endpoint) {
      idle.push_back(fd);
      return;
    }
    ::close(fd);
  }

 private:
  // Enough for every call in flight at 500 decisions/s with the slowest provider at 180 ms (7 x 500 x
  // 0.18 = 630 on the one simulator endpoint): with 256, the rest were closed after each call and
  // opened again for the next (thousands of connections in TIME-WAIT during bench_daemon).
  static constexpr std::size_t max_idle_per_endpoint = 1024;
  std::mutex mutex_;
  std::map<std::string, std::vector<int>> idle_;
};

ConnectionPool& pool() {
  static ConnectionPool instance;
  return instance;
}

}  // namespace

asio::awaitable<expected<ClientResponse, std::string>> send(Endpoint endpoint, ClientRequest client_request,
                                                            std::chrono::milliseconds timeout) {
  auto executor = co_await asio::this_coro::executor;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(endpoint.host, ec);
  if (ec) co_return unexpected("invalid provider address " + endpoint.host);
  const std::string key = endpoint.host + ":" + std::to_string(endpoint.port);

  bhttp::request<bhttp::string_body> request;
  request.method_string(client_request.method);
  request.target(client_request.target);
  request.version(11);
  request.set(bhttp::field::host, endpoint.host);
  for (const auto& [k, v] : client_request.headers) request.set(k, v);
  request.keep_alive(true);
  request.body() = std::move(client_request.body);
  request.prepare_payload();

  // A pooled connection may have been closed by the server while idle; then, and only if nothing
  // came back, the request goes once more on a fresh connection.
  for (int attempt = 0;; ++attempt) {
    beast::tcp_stream stream(executor);
    bool reused = false;
    if (attempt == 0) {
      if (const int fd = pool().take(key); fd >= 0) {
        stream.socket().assign(tcp::v4(), fd, ec);
        reused = !ec;
      }
    }
    stream.expires_at(deadline);
    if (!reused) {
      auto [connect_ec] = co_await stream.async_connect(tcp::endpoint(address, endpoint.port), use_tuple);
      if (connect_ec) co_return unexpected(reason(connect_ec));
    }
    auto [write_ec, written] = co_await bhttp::async_write(stream, request, use_tuple);
    beast::flat_buffer buffer;
    buffer.reserve(4096);  // room for a whole answer: one read, not one per 512 bytes
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1024 * 1024);
    boost::system::error_code read_ec = write_ec;
    if (!write_ec) {
      auto [e, n] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
      read_ec = e;
    }
    if (read_ec) {
      const bool stale = reused && !parser.got_some() && read_ec != beast::error::timeout;
      if (stale) continue;
      co_return unexpected(reason(read_ec));
    }
    auto& response = parser.get();
    ClientResponse out;
    out.status = response.result_int();
    for (const auto& field : response) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    out.body = std::move(response.body());
    if (response.keep_alive()) {
      stream.expires_never();
      pool().give(key, stream.socket().release());
    } else {
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
    co_return out;
  }
}

}  // namespace verdict::http
