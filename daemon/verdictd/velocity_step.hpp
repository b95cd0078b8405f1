#pragma once
// The velocity step of a decision: hash the application's identifiers, record it in the counter
// store and read the counters the active policy declares, in one call. A store that fails makes
// the counters unknown (the rules' on_unknown applies); the decision never fails because of it.
//
// The counters do not depend on any provider's answer, so a decision counts while its providers are
// asked: `start` before the provider calls, `finish` after them. With a remote store (Redis) the
// blocking round trip runs on the step's own threads, never on an I/O thread, and a decision waits
// for it only when it takes longer than the decision's slowest provider.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "domain/application.hpp"
#include "domain/velocity.hpp"
#include "velocity/velocity_counter.hpp"

namespace verdict::daemon {

class VelocityStep {
 public:
  /// `remote`: the counter blocks on the network (Redis), so counting is moved off the caller's thread.
  VelocityStep(std::unique_ptr<velocity::VelocityCounter> counter, std::string identifier_key, bool remote = false);
  ~VelocityStep();

  VelocitySignals count(const Application& application, const VelocityDeclaration& declared,
                        std::chrono::system_clock::time_point received_at);

  /// Counting under way; awaited with `finish`.
  class Pending;
  std::shared_ptr<Pending> start(const boost::asio::any_io_executor& executor, const Application& application,
                                 const VelocityDeclaration& declared, std::chrono::system_clock::time_point received_at);
  static boost::asio::awaitable<VelocitySignals> finish(std::shared_ptr<Pending> pending);

  /// Decisions whose counters could not be read.
  std::uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }
  std::string describe() const { return counter_->describe(); }

 private:
  std::unique_ptr<velocity::VelocityCounter> counter_;
  std::string identifier_key_;
  std::atomic<std::uint64_t> failures_{0};
  std::optional<boost::asio::thread_pool> pool_;  // remote counters only
};

}  // namespace verdict::daemon
