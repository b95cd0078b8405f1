#pragma once
// verdict-sim as a program: the route table over a Simulator, a server that runs it on threads of
// its own (what main and the integration tests start), and the command line.
// Exit codes: 0 ok, 1 configuration error or cannot listen, 2 usage error.
#include <iosfwd>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "router.hpp"
#include "server.hpp"
#include "simulator.hpp"

namespace verdict::sim {

inline constexpr int exit_ok = 0;
inline constexpr int exit_error = 1;
inline constexpr int exit_usage = 2;
inline constexpr unsigned short default_port = 8090;

/// POST /v1/providers/{provider}; GET and PUT /admin/config, POST /admin/reset, GET /admin/stats;
/// GET /healthz. All open: the simulator is a test double on a private address.
void add_routes(http::Router& router, Simulator& simulator);

/// A running verdict-sim: simulator, routes and server on threads of its own (an http::IoPool).
class SimServer {
 public:
  explicit SimServer(Config config, http::ServerLimits limits = {});
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  /// Binds (port 0: any free port) and starts `threads` threads; returns the bound port.
  expected<unsigned short, std::string> start(const std::string& address, unsigned short port, unsigned threads);
  /// Graceful: stop accepting, wake the calls that are waiting, let responses in flight finish,
  /// join the threads. Idempotent; the destructor calls it.
  void stop();

  Simulator& simulator() { return simulator_; }

 private:
  Simulator simulator_;
  http::Authenticator auth_;
  http::Router router_;
  http::ServerLimits limits_;
  std::unique_ptr<http::IoPool> io_;       // made by start(), a context per thread
  std::unique_ptr<http::Server> server_;   // declared after io_: destroyed before it
};

/// Merges a configuration file (the JSON GET /admin/config answers, or any part of it) onto
/// `base`; errors as "file:line:col: message".
expected<Config, std::string> load_config_file(const std::string& path, const Config& base);

int run(int argc, char** argv, std::ostream& out, std::ostream& err);

}  // namespace verdict::sim
