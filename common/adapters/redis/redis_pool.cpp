#include "redis/redis_pool.hpp"

#include <hiredis/hiredis.h>

namespace verdict::redis {

RedisPool::Connection::~Connection() {
  if (context) redisFree(context);
}

RedisPool::RedisPool(std::string host, int port, std::chrono::milliseconds timeout,
                     std::function<bool(redisContext*)> on_connect)
    : host_(std::move(host)), port_(port), timeout_(timeout), on_connect_(std::move(on_connect)) {}

std::unique_ptr<RedisPool::Connection> RedisPool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    if (std::chrono::steady_clock::now() < retry_after_) return nullptr;
  }
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(timeout_.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((timeout_.count() % 1000) * 1000);
  auto c = std::make_unique<Connection>();
  c->context = redisConnectWithTimeout(host_.c_str(), port_, tv);
  if (!c->context || c->context->err || (on_connect_ && !(redisSetTimeout(c->context, tv), on_connect_(c->context)))) {
    back_off();
    return nullptr;
  }
  redisSetTimeout(c->context, tv);
  return c;
}

void RedisPool::release(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < 64) idle_.push_back(std::move(connection));
}

void RedisPool::back_off() {
  std::lock_guard lock(mutex_);
  retry_after_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
}

bool RedisPool::connected() const {
  std::lock_guard lock(mutex_);
  return !idle_.empty() || std::chrono::steady_clock::now() >= retry_after_;
}

std::optional<std::pair<std::string, int>> parse_redis_url(const std::string& url) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) return std::nullopt;
  const std::string rest = url.substr(scheme.size());
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) return std::make_pair(rest, 6379);
  try {
    const int port = std::stoi(rest.substr(colon + 1));
    if (port <= 0 || port > 65535) return std::nullopt;
    return std::make_pair(rest.substr(0, colon), port);
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace verdict::redis
