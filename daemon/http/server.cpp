#include "server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <map>
#include <optional>

namespace verdict::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

HttpRequest to_request(bhttp::request<bhttp::string_body>& r, const std::string& remote) {
  HttpRequest out;
  out.method = std::string(r.method_string());
  out.target = std::string(r.target());
  const auto q = out.target.find('?');
  out.path = out.target.substr(0, q);
  if (q != std::string::npos) {
    std::string_view rest = std::string_view(out.target).substr(q + 1);
    while (!rest.empty()) {
      const auto amp = rest.find('&');
      const auto pair = rest.substr(0, amp);
      const auto eq = pair.find('=');
      out.query[std::string(pair.substr(0, eq))] = eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
      rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    }
  }
  for (const auto& field : r) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(field.value());
  }
  out.body = std::move(r.body());  // the request's only reader from here on
  out.remote_address = remote;
  return out;
}

bhttp::response<bhttp::string_body> to_beast(const HttpResponse& r, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
  res.set(bhttp::field::server, "verdict");
  res.set(bhttp::field::content_type, r.content_type);
  for (const auto& [k, v] : r.headers) res.set(k, v);
  res.body() = r.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace

struct Server::Impl {
  Server& owner;
  asio::io_context& io;                      // the acceptor's
  std::function<asio::any_io_executor()> place;  // where an accepted connection runs
  const Router& router;
  ServerLimits limits;
  RequestObserver observer;
  tcp::acceptor acceptor;
  std::mutex sessions_mutex;
  struct SessionHandle {
    beast::tcp_stream* stream;
    bool busy;
  };
  std::map<std::uint64_t, SessionHandle*> sessions;  // by id: an id is never reused, a pointer could be
  std::uint64_t next_session_id = 0;

  asio::steady_timer idle_close;  // at shutdown: when idle keep-alive connections are closed

  Impl(Server& s, asio::io_context& ctx, std::function<asio::any_io_executor()> placement, const Router& r, ServerLimits l,
       RequestObserver o)
      : owner(s),
        io(ctx),
        place(std::move(placement)),
        router(r),
        limits(l),
        observer(std::move(o)),
        acceptor(asio::make_strand(ctx)),
        idle_close(acceptor.get_executor()) {}

  /// Closes every connection that is waiting for a request; busy ones close after their response.
  void close_idle_sessions() {
    std::lock_guard lock(sessions_mutex);
    for (const auto& [id, handle] : sessions) {
      // The cancel runs on the session's strand and looks the session up again there, so a
      // session that ended in between is not touched.
      asio::post(handle->stream->get_executor(), [this, session_id = id] {
        std::lock_guard inner(sessions_mutex);
        const auto it = sessions.find(session_id);
        if (it != sessions.end() && !it->second->busy) it->second->stream->cancel();
      });
    }
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(place(), use_tuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        continue;  // e.g. too many open files: keep serving the connections we have
      }
      if (owner.draining_) co_return;
      auto executor = socket.get_executor();
      asio::co_spawn(executor, session(beast::tcp_stream(std::move(socket))), asio::detached);
    }
  }

  /// Writes a response for a request that could not be read, then the connection closes.
  asio::awaitable<void> reject(beast::tcp_stream& stream, unsigned version, ApiError error, std::string route) {
    const HttpResponse r = problem_response(error, "");
    auto res = to_beast(r, version, false);
    stream.expires_after(limits.read_timeout);
    co_await bhttp::async_write(stream, res, use_tuple);
    if (observer) observer(HttpRequest{}, route, error.status, 0.0);
  }

  asio::awaitable<void> session(beast::tcp_stream stream) {
    ++owner.connections_;
    SessionHandle handle{&stream, false};
    std::uint64_t id = 0;
    {
      std::lock_guard lock(sessions_mutex);
      id = next_session_id++;
      sessions.emplace(id, &handle);
    }
    std::string remote;
    {
      boost::system::error_code ec;
      const auto endpoint = stream.socket().remote_endpoint(ec);
      if (!ec) remote = endpoint.address().to_string();
    }
    beast::flat_buffer buffer;
    // Beast reads as much as the buffer has room for, at least 512 bytes: with room for a whole
    // request (an application is 1-2 KB), one read instead of three or four.
    buffer.reserve(4096);
    try {
      for (;;) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.body_limit(limits.body_limit);
        parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));

        stream.expires_after(limits.idle_timeout);
        auto [header_ec, header_bytes] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
        if (header_ec) {
          // Named, not a temporary in the co_await: GCC 12 destroys such temporaries twice.
          std::optional<ApiError> problem;
          if (header_ec == bhttp::error::body_limit)  // Content-Length already says it is too large
            problem = ApiError{413, "Content too large", "the body exceeds " + std::to_string(limits.body_limit) + " bytes", {}, {}};
          else if (header_ec == bhttp::error::header_limit)
            problem = ApiError{431, "Request header fields too large",
                               "headers exceed " + std::to_string(limits.header_limit) + " bytes", {}, {}};
          else if (header_ec != bhttp::error::end_of_stream && header_ec != beast::error::timeout &&
                   header_ec != asio::error::operation_aborted && header_ec != asio::error::connection_reset &&
                   header_ec != asio::error::eof)
            problem = ApiError::bad_request("malformed HTTP request: " + header_ec.message());
          if (problem) co_await reject(stream, 11, *problem, "unmatched");
          break;
        }
        {
          std::lock_guard lock(sessions_mutex);
          handle.busy = true;
        }
        ++owner.in_flight_;
        const auto start = std::chrono::steady_clock::now();
        stream.expires_after(limits.read_timeout);
        auto [body_ec, body_bytes] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
        if (body_ec) {
          --owner.in_flight_;
          std::optional<ApiError> problem;
          if (body_ec == bhttp::error::body_limit)
            problem = ApiError{413, "Content too large", "the body exceeds " + std::to_string(limits.body_limit) + " bytes", {}, {}};
          else if (body_ec != beast::error::timeout && body_ec != asio::error::operation_aborted &&
                   body_ec != bhttp::error::end_of_stream && body_ec != asio::error::eof)
            problem = ApiError::bad_request("malformed HTTP request: " + body_ec.message());
          const unsigned version = parser.get().version();
          if (problem) co_await reject(stream, version, *problem, "unmatched");
          break;
        }
        auto& beast_request = parser.get();
        const HttpRequest request = to_request(beast_request, remote);
        std::string route = "unmatched";
        HttpResponse response;
        try {
          response = co_await router.dispatch(request, route);
        } catch (const std::exception&) {
          // A bug in a handler aborts this request only; the client learns nothing internal.
          response = problem_response({500, "Internal server error", "the request could not be completed", {}, {}}, request.path);
        }
        if (response.abort_connection) {
          --owner.in_flight_;
          boost::system::error_code ignored;
          stream.socket().set_option(asio::socket_base::linger(true, 0), ignored);  // RST, not FIN
          break;
        }
        const bool keep_alive = beast_request.keep_alive() && !owner.draining_;
        auto res = to_beast(response, beast_request.version(), keep_alive);
        stream.expires_after(limits.read_timeout);
        auto [write_ec, written] = co_await bhttp::async_write(stream, res, use_tuple);
        --owner.in_flight_;
        if (observer)
          observer(request, route, response.status,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        {
          std::lock_guard lock(sessions_mutex);
          handle.busy = false;
        }
        if (write_ec || !keep_alive) break;
      }
    } catch (const std::exception&) {
      // A failure on this connection ends it and nothing else.
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.close();
    {
      std::lock_guard lock(sessions_mutex);
      sessions.erase(id);
    }
    --owner.connections_;
  }
};

Server::Server(IoPool& pool, const Router& router, ServerLimits limits, RequestObserver observer)
    // A pool's context has one thread: its bare executor serialises a connection's handlers already.
    : impl_(std::make_unique<Impl>(
          *this, pool.at(0), [&pool]() -> asio::any_io_executor { return pool.next().get_executor(); }, router, limits,
          std::move(observer))) {}

Server::Server(asio::io_context& io, const Router& router, ServerLimits limits, RequestObserver observer)
    // Several threads may run `io`: each connection on a strand of it.
    : impl_(std::make_unique<Impl>(
          *this, io, [&io]() -> asio::any_io_executor { return asio::make_strand(io); }, router, limits,
          std::move(observer))) {}

Server::~Server() = default;

expected<unsigned short, std::string> Server::listen(const std::string& address, unsigned short port) {
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) return unexpected("invalid listen address '" + address + "'");
  const tcp::endpoint endpoint(ip, port);
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return unexpected("cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message());
  const auto bound = acceptor.local_endpoint().port();
  asio::co_spawn(acceptor.get_executor(), impl_->accept_loop(), asio::detached);
  return bound;
}

void Server::begin_shutdown() {
  if (draining_.exchange(true)) return;
  // Stop accepting now. Keep-alive connections get a short grace: a request a client sent just as
  // the drain began is still answered (with Connection: close); after it, idle connections close.
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
    impl->idle_close.expires_after(std::chrono::milliseconds(250));
    impl->idle_close.async_wait([impl](const boost::system::error_code& ec) {
      if (!ec) impl->close_idle_sessions();
    });
  });
}

}  // namespace verdict::http
