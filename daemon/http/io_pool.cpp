#include "io_pool.hpp"

#include <algorithm>

namespace verdict::http {

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
    threads_.emplace_back([&io = *context] { io.run(); });
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
