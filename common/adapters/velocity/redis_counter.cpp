#include <hiredis/hiredis.h>

#include <mutex>
#include <vector>

#include "redis/redis_pool.hpp"
#include "velocity/velocity_counter.hpp"

namespace verdict::velocity {

namespace {

// KEYS: per counted identifier, its application set and its applicant set.
// ARGV: now_ms, retention_ms, application hash, applicant hash, then per identifier the number of
// windows followed by their lengths in ms. Returns, per identifier and window, applications and
// distinct applicants. Scores are the latest time seen (GT adds new members and only ever raises a
// score), so a retried application counts once.
constexpr const char* script = R"lua(
local now = tonumber(ARGV[1])
local keep = tonumber(ARGV[2])
local out = {}
local a = 5
for i = 1, #KEYS, 2 do
  local apps, people = KEYS[i], KEYS[i + 1]
  redis.call('ZADD', apps, 'GT', now, ARGV[3])
  redis.call('ZADD', people, 'GT', now, ARGV[4])
  redis.call('ZREMRANGEBYSCORE', apps, '-inf', now - keep)
  redis.call('ZREMRANGEBYSCORE', people, '-inf', now - keep)
  redis.call('PEXPIRE', apps, keep)
  redis.call('PEXPIRE', people, keep)
  local n = tonumber(ARGV[a])
  a = a + 1
  for w = 1, n do
    local from = '(' .. (now - tonumber(ARGV[a]))
    a = a + 1
    out[#out + 1] = redis.call('ZCOUNT', apps, from, '+inf')
    out[#out + 1] = redis.call('ZCOUNT', people, from, '+inf')
  end
end
return out
)lua";

struct Reply {
  redisReply* reply = nullptr;
  explicit Reply(redisReply* r) : reply(r) {}
  Reply(const Reply&) = delete;
  Reply& operator=(Reply&& other) noexcept {
    std::swap(reply, other.reply);
    return *this;
  }
  ~Reply() {
    if (reply) freeReplyObject(reply);
  }
};

}  // namespace

struct RedisCounter::Impl {
  Impl(std::string host, int port, std::string prefix, std::chrono::milliseconds timeout)
      : key_prefix(std::move(prefix)),
        pool(std::move(host), port, timeout, [this](redisContext* c) { return load_script(c); }) {}

  bool load_script(redisContext* c) {
    Reply r{static_cast<redisReply*>(redisCommand(c, "SCRIPT LOAD %s", script))};
    if (!r.reply || r.reply->type != REDIS_REPLY_STRING) return false;
    std::lock_guard lock(mutex);
    sha.assign(r.reply->str, r.reply->len);
    return true;
  }

  std::string key_prefix;
  std::mutex mutex;
  std::string sha;
  redis::RedisPool pool;
};

RedisCounter::RedisCounter(std::string host, int port, std::string key_prefix, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>(std::move(host), port, std::move(key_prefix), timeout)) {}

RedisCounter::~RedisCounter() = default;

std::string RedisCounter::describe() const {
  return "Redis velocity counters at " + impl_->pool.host() + ":" + std::to_string(impl_->pool.port());
}

expected<VelocitySignals, std::string> RedisCounter::record(const Observation& o, const VelocityDeclaration& declared) {
  std::vector<std::string> keys;
  std::vector<std::string> args{std::to_string(o.at_ms), std::to_string(velocity_retention.count()), o.application,
                                o.applicant};
  struct Read {
    VelocityIdentifier id;
    VelocityWindow window;
  };
  std::vector<Read> reads;
  for (std::size_t i = 0; i < velocity_identifier_count; ++i) {
    const auto id = static_cast<VelocityIdentifier>(i);
    if (!declared.declares(id) || o.identifiers[i].empty()) continue;
    const std::string base = impl_->key_prefix + std::string(to_string(id)) + ":" + o.identifiers[i];
    keys.push_back(base + ":a");
    keys.push_back(base + ":p");
    std::size_t count_at = args.size();
    args.emplace_back();
    int windows = 0;
    for (std::size_t w = 0; w < velocity_window_count; ++w) {
      const auto window = static_cast<VelocityWindow>(w);
      if (!declared.declares(id, window)) continue;
      args.push_back(std::to_string(duration_of(window).count()));
      reads.push_back({id, window});
      ++windows;
    }
    args[count_at] = std::to_string(windows);
  }
  VelocitySignals out;
  if (keys.empty()) return out;

  auto connection = impl_->pool.acquire();
  if (!connection) return unexpected(std::string("velocity counter store unreachable"));
  std::string sha;
  {
    std::lock_guard lock(impl_->mutex);
    sha = impl_->sha;
  }
  auto run = [&](const char* command, const std::string& body) {
    std::vector<const char*> argv{command, body.c_str()};
    std::vector<std::size_t> lengths{std::char_traits<char>::length(command), body.size()};
    const std::string key_count = std::to_string(keys.size());
    argv.push_back(key_count.c_str());
    lengths.push_back(key_count.size());
    for (const auto* list : {&keys, &args})
      for (const auto& s : *list) {
        argv.push_back(s.data());
        lengths.push_back(s.size());
      }
    return Reply{static_cast<redisReply*>(
        redisCommandArgv(connection->context, static_cast<int>(argv.size()), argv.data(), lengths.data()))};
  };
  Reply reply = run("EVALSHA", sha);
  // Redis restarted and lost its script cache: send the script itself (and it is cached again).
  if (reply.reply && reply.reply->type == REDIS_REPLY_ERROR && std::string_view(reply.reply->str).starts_with("NOSCRIPT"))
    reply = run("EVAL", script);
  if (!reply.reply) {
    impl_->pool.back_off();
    return unexpected(std::string("velocity counter store unreachable"));
  }
  if (reply.reply->type != REDIS_REPLY_ARRAY || reply.reply->elements != reads.size() * 2) {
    const std::string why = reply.reply->type == REDIS_REPLY_ERROR ? std::string(reply.reply->str, reply.reply->len)
                                                                   : std::string("unexpected reply");
    impl_->pool.release(std::move(connection));
    return unexpected("velocity counter store: " + why);
  }
  for (std::size_t i = 0; i < reads.size(); ++i) {
    const auto* apps = reply.reply->element[2 * i];
    const auto* people = reply.reply->element[2 * i + 1];
    out.set(reads[i].id, reads[i].window, VelocityMeasure::Applications, static_cast<std::int32_t>(apps->integer));
    out.set(reads[i].id, reads[i].window, VelocityMeasure::DistinctApplicants,
            static_cast<std::int32_t>(people->integer));
  }
  impl_->pool.release(std::move(connection));
  return out;
}

}  // namespace verdict::velocity
