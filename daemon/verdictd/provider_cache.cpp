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

RedisCache::RedisCache(std::string host, int port, std::chrono::milliseconds timeout)
    : pool_(std::move(host), port, timeout) {}

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
  auto c = pool_.acquire();
  if (!c) return std::nullopt;
  auto* reply = static_cast<redisReply*>(redisCommand(c->context, "GET %b", key.data(), key.size()));
  if (!reply) {  // connection broken: drop it, and back off before the next connect
    pool_.back_off();
    return std::nullopt;
  }
  std::optional<std::string> out;
  if (reply->type == REDIS_REPLY_STRING) out.emplace(reply->str, reply->len);
  freeReplyObject(reply);
  pool_.release(std::move(c));
  return out;
}

void RedisCache::put_text(const std::string& key, const std::string& value, std::chrono::seconds ttl) {
  auto c = pool_.acquire();
  if (!c) return;
  const std::string seconds = std::to_string(ttl.count());
  auto* reply = static_cast<redisReply*>(redisCommand(c->context, "SET %b %b EX %s", key.data(), key.size(), value.data(),
                                                      value.size(), seconds.c_str()));
  if (!reply) {
    pool_.back_off();
    return;
  }
  freeReplyObject(reply);
  pool_.release(std::move(c));
}

}  // namespace verdict::daemon
