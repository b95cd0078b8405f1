#include "velocity_step.hpp"

#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace verdict::daemon {

namespace {
// Two threads: a blocking round trip each, while the I/O threads go on serving; at 500 decisions/s a
// 0.2 ms round trip keeps one of them a tenth busy.
constexpr std::size_t counting_threads = 2;
using Channel = boost::asio::experimental::concurrent_channel<void(boost::system::error_code, VelocitySignals)>;
}  // namespace

class VelocityStep::Pending {
 public:
  explicit Pending(const boost::asio::any_io_executor& executor) : channel(executor, 1) {}
  Channel channel;  // one slot: the result is sent once, whether or not anyone waits yet
  std::optional<VelocitySignals> ready;  // counted inline (in-process counters)
};

VelocityStep::VelocityStep(std::unique_ptr<velocity::VelocityCounter> counter, std::string identifier_key, bool remote)
    : counter_(std::move(counter)), identifier_key_(std::move(identifier_key)) {
  if (remote) pool_.emplace(counting_threads);
}

VelocityStep::~VelocityStep() {
  if (pool_) pool_->join();  // counting under way finishes (each round trip has a short timeout)
}

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

std::shared_ptr<VelocityStep::Pending> VelocityStep::start(const boost::asio::any_io_executor& executor,
                                                           const Application& application,
                                                           const VelocityDeclaration& declared,
                                                           std::chrono::system_clock::time_point received_at) {
  auto pending = std::make_shared<Pending>(executor);
  if (!pool_ || declared.empty()) {
    pending->ready = count(application, declared, received_at);
    return pending;
  }
  boost::asio::post(*pool_, [this, pending, application, declared, received_at] {
    pending->channel.try_send(boost::system::error_code{}, count(application, declared, received_at));
  });
  return pending;
}

boost::asio::awaitable<VelocitySignals> VelocityStep::finish(std::shared_ptr<Pending> pending) {
  if (pending->ready) co_return std::move(*pending->ready);
  VelocitySignals signals = co_await pending->channel.async_receive(boost::asio::use_awaitable);
  co_return signals;
}

}  // namespace verdict::daemon
