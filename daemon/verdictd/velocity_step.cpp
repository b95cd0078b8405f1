#include "velocity_step.hpp"

namespace verdict::daemon {

VelocitySignals VelocityStep::count(const Application& application, const VelocityDeclaration& declared,
                                    std::chrono::system_clock::time_point received_at) {
  if (declared.empty()) return {};
  const auto at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(received_at.time_since_epoch()).count();
  auto counted = counter_->record(velocity::observe(application, identifier_key_, at_ms, &declared), declared);
  if (counted) return std::move(*counted);
  failures_.fetch_add(1, std::memory_order_relaxed);
  VelocitySignals unknown;
  unknown.error = std::move(counted.error());
  return unknown;
}

}  // namespace verdict::daemon
