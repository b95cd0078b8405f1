#include "provider_cache.hpp"

#include <hiredis/hiredis.h>

#include <nlohmann/json.hpp>

#include "domain/codec.hpp"

namespace verdict::daemon {

bool LruCache::get(const std::string& key, ProviderId provider, ProviderResults& into) {
  ProviderAnswer answer;
  {
    std::lock_guard lock(mutex_);
    const auto it = index_.find(key);
    if (it == index_.end()) return false;
    if (it->second->expires <= std::chrono::steady_clock::now()) {
      order_.erase(it->second);
      index_.erase(it);
      return false;
    }
    // A key names one provider's question; an entry of another provider would be a bug upstream.
    if (it->second->answer.index() != static_cast<std::size_t>(provider)) return false;
    order_.splice(order_.begin(), order_, it->second);
    answer = it->second->answer;
  }
  apply_answer(std::move(answer), into);
  return true;
}

void LruCache::put(const std::string& key, ProviderId provider, const ProviderResults& from, std::chrono::seconds ttl) {
  if (ttl.count() <= 0 || capacity_ == 0) return;
  ProviderAnswer answer = answer_of(provider, from);
  std::lock_guard lock(mutex_);
  const auto expires = std::chrono::steady_clock::now() + ttl;
  if (const auto it = index_.find(key); it != index_.end()) {
    it->second->answer = std::move(answer);
    it->second->expires = expires;
    order_.splice(order_.begin(), order_, it->second);
    return;
  }
  order_.push_front({key, std::move(answer), expires});
  index_[key] = order_.begin();
  if (order_.size() > capacity_) {
    index_.erase(order_.back().key);
    order_.pop_back();
  }
}

std::size_t LruCache::size() const {
  std::lock_guard lock(mutex_);
  return order_.size();
}

struct RedisCache::Connection {
  redisContext* context = nullptr;
  ~Connection() {
    if (context) redisFree(context);
  }
};

RedisCache::RedisCache(std::string host, int port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

RedisCache::~RedisCache() = default;

std::unique_ptr<RedisCache::Connection> RedisCache::acquire() {
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
  if (!c->context || c->context->err) {
    std::lock_guard lock(mutex_);
    retry_after_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    return nullptr;
  }
  redisSetTimeout(c->context, tv);
  return c;
}

void RedisCache::release(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < 64) idle_.push_back(std::move(connection));
}

bool RedisCache::connected() const {
  std::lock_guard lock(mutex_);
  return !idle_.empty() || std::chrono::steady_clock::now() >= retry_after_;
}

bool RedisCache::get(const std::string& key, ProviderId provider, ProviderResults& into) {
  const auto text = get_text(key);
  if (!text) return false;
  const auto json = nlohmann::json::parse(*text, nullptr, false);
  // Something else under our key (an older format, a hand edit) is a miss, never an answer.
  return !json.is_discarded() && decode_provider(provider, json, into).has_value();
}

void RedisCache::put(const std::string& key, ProviderId provider, const ProviderResults& from, std::chrono::seconds ttl) {
  if (ttl.count() <= 0) return;
  put_text(key, encode_provider(provider, from).dump(), ttl);
}

std::optional<std::string> RedisCache::get_text(const std::string& key) {
  auto c = acquire();
  if (!c) return std::nullopt;
  auto* reply = static_cast<redisReply*>(redisCommand(c->context, "GET %b", key.data(), key.size()));
  if (!reply) {  // connection broken: drop it, and back off before the next connect
    std::lock_guard lock(mutex_);
    retry_after_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    return std::nullopt;
  }
  std::optional<std::string> out;
  if (reply->type == REDIS_REPLY_STRING) out.emplace(reply->str, reply->len);
  freeReplyObject(reply);
  release(std::move(c));
  return out;
}

void RedisCache::put_text(const std::string& key, const std::string& value, std::chrono::seconds ttl) {
  auto c = acquire();
  if (!c) return;
  const std::string seconds = std::to_string(ttl.count());
  auto* reply = static_cast<redisReply*>(redisCommand(c->context, "SET %b %b EX %s", key.data(), key.size(), value.data(),
                                                      value.size(), seconds.c_str()));
  if (!reply) {
    std::lock_guard lock(mutex_);
    retry_after_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    return;
  }
  freeReplyObject(reply);
  release(std::move(c));
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

}  // namespace verdict::daemon
