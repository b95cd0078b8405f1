#pragma once
// A thread per core, each running an io_context of its own. A connection is accepted onto one of
// them and stays there with its timers and its outgoing provider calls, so a request is read,
// decided and answered on one thread: no hand-offs between threads (each a futex wake-up, on a
// virtual machine often a ~0.1 ms wait for an idle vCPU) and no cross-thread locking in the
// scheduler. One io_context shared by all threads (Asio's other model) woke a second thread for
// nearly every completion.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>
#include <vector>

namespace verdict::http {

class IoPool {
 public:
  /// `threads` contexts (at least one), not yet running.
  explicit IoPool(unsigned threads);
  /// Stops the contexts and joins the threads.
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  std::size_t size() const { return contexts_.size(); }
  boost::asio::io_context& at(std::size_t i) { return *contexts_[i]; }
  /// Round robin: where the next connection goes.
  boost::asio::io_context& next() { return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()]; }

  /// One thread per context; each runs until stop(), or until finish() and its last work ends.
  void start();
  /// Lets each thread return once its context has no more work (graceful).
  void finish();
  /// Stops every context now; handlers not yet run are dropped.
  void stop();
  /// Waits for the threads (except the calling one, should a handler call it).
  void join();

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<Guard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace verdict::http
