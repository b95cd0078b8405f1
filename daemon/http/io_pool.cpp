#include "io_pool.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <string>

namespace verdict::http {

namespace {

/// Asks the scheduler for a short time slice (Linux 6.12+: sched_attr.sched_runtime of a normal,
/// SCHED_OTHER thread is its slice, 0.1-100 ms). A request thread runs for tens of microseconds
/// per event; with the default slice (0.75 ms x (1 + log2 cores)) a thread woken by a provider's
/// answer could wait behind a thread in the middle of a long slice — a store writer's batch, another
/// process — and that wait was the p99 of a decision's overhead on a busy 2-core machine. A short
/// slice gives it an earlier deadline, so it runs first; it changes no share of the CPU. Older
/// kernels refuse or ignore it; nothing else depends on it.
void request_short_slice() {
  struct SchedAttr {  // the kernel's struct sched_attr (linux/sched/types.h clashes with <sched.h>)
    std::uint32_t size, policy;
    std::uint64_t flags;
    std::int32_t nice;
    std::uint32_t priority;
    std::uint64_t runtime, deadline, period;
  } attr{};
  attr.size = sizeof attr;
  attr.policy = SCHED_OTHER;
  attr.runtime = 100'000;  // ns: the shortest the kernel takes
  ::syscall(SYS_sched_setattr, 0, &attr, 0);
}

}  // namespace

IoPool::IoPool(unsigned threads) {
  for (unsigned i = 0; i < std::max(threads, 1U); ++i)
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));  // hint: one thread runs it
}

IoPool::~IoPool() {
  stop();
  join();
}

void IoPool::start() {
  if (!threads_.empty()) return;
  for (auto& context : contexts_) {
    guards_.push_back(boost::asio::make_work_guard(*context));
    threads_.emplace_back([&io = *context, n = threads_.size()] {
      pthread_setname_np(pthread_self(), ("io-" + std::to_string(n)).c_str());  // top -H, perf, /proc
      request_short_slice();
      io.run();
    });
  }
}

void IoPool::finish() {
  for (auto& guard : guards_) guard.reset();
}

void IoPool::stop() {
  finish();
  for (auto& context : contexts_) context->stop();
}

void IoPool::join() {
  for (auto& t : threads_)
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
}

}  // namespace verdict::http
