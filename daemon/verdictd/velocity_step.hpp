#pragma once
// The velocity step of a decision: hash the application's identifiers, record it in the counter
// store and read the counters the active policy declares, in one call. A store that fails makes
// the counters unknown (the rules' on_unknown applies); the decision never fails because of it.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "domain/application.hpp"
#include "domain/velocity.hpp"
#include "velocity/velocity_counter.hpp"

namespace verdict::daemon {

class VelocityStep {
 public:
  VelocityStep(std::unique_ptr<velocity::VelocityCounter> counter, std::string identifier_key)
      : counter_(std::move(counter)), identifier_key_(std::move(identifier_key)) {}

  VelocitySignals count(const Application& application, const VelocityDeclaration& declared,
                        std::chrono::system_clock::time_point received_at);
  /// Decisions whose counters could not be read.
  std::uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }
  std::string describe() const { return counter_->describe(); }

 private:
  std::unique_ptr<velocity::VelocityCounter> counter_;
  std::string identifier_key_;
  std::atomic<std::uint64_t> failures_{0};
};

}  // namespace verdict::daemon
