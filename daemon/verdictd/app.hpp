#pragma once
// verdictd as a library: main.cpp only calls run(); tests start the same daemon in-process.
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "config.hpp"

namespace verdict::daemon {

/// A running daemon: everything verdictd wires together, started on its own threads.
class Daemon {
 public:
  /// Loads the policy, opens cache, store and providers, and starts listening. Start-up problems
  /// (unreadable policy, store unreachable, port taken) are returned, not thrown.
  static expected<std::unique_ptr<Daemon>, std::string> start(Config config, std::ostream& log);
  ~Daemon();

  unsigned short port() const;
  const Config& config() const;
  /// The content hash of the policy new requests are decided on (what GET /v1/policy shows), read
  /// in-process: a caller waiting for a roll-out learns of the swap without sending requests.
  std::string policy_hash() const;
  /// Graceful stop: refuse new connections, finish requests in flight (up to the grace period),
  /// flush the decision store, stop the threads. Idempotent.
  void stop();
  /// Blocks until stop() has completed (from a signal or another thread).
  void wait();

  struct Impl;

 private:
  explicit Daemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The verdictd command line: parses arguments, starts the daemon, stops it on SIGINT/SIGTERM.
int run(int argc, char** argv);

}  // namespace verdict::daemon
