#include "provider_gateway.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "crypto/hashing.hpp"
#include "domain/codec.hpp"

namespace verdict::daemon {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

void CircuitBreaker::configure(BreakerSettings s) {
  std::lock_guard lock(mutex_);
  settings_ = s;
}

bool CircuitBreaker::allow() {
  std::lock_guard lock(mutex_);
  if (!open_) return true;
  if (Clock::now() < open_until_ || probing_) return false;
  probing_ = true;  // half-open: let exactly one call through
  return true;
}

void CircuitBreaker::success() {
  std::lock_guard lock(mutex_);
  failures_ = 0;
  open_ = false;
  probing_ = false;
}

void CircuitBreaker::failure() {
  std::lock_guard lock(mutex_);
  ++failures_;
  if (probing_ || failures_ >= settings_.failure_threshold) {
    open_ = true;
    probing_ = false;
    open_until_ = Clock::now() + settings_.open_for;
  }
}

std::string CircuitBreaker::state() const {
  std::lock_guard lock(mutex_);
  if (!open_) return "closed";
  return Clock::now() < open_until_ ? "open" : "half-open";
}

ProviderGateway::ProviderGateway(GatewaySettings settings, ProviderCache& cache, Metrics& metrics)
    : settings_(std::move(settings)), cache_(cache), metrics_(metrics) {
  for (auto& b : breakers_) b.configure(settings_.breaker);
}

namespace {
/// What identifies the subject for a provider; a new IBAN or address is a new question. Four
/// providers ask about the person, so their subjects (and hashes) are the same.
std::string cache_subject(ProviderId provider, const Application& a) {
  const auto& ap = a.applicant;
  switch (provider) {
    case ProviderId::IdCheck: return ap.id_document.type + "|" + ap.id_document.number;
    case ProviderId::IbanCheck: return ap.iban + "|" + ap.last_name + "|" + ap.first_name;
    case ProviderId::Address: return ap.address.postcode + "|" + ap.address.house_number;
    default:
      return ap.last_name + "|" + ap.first_name + "|" + format_iso_date(ap.date_of_birth) + "|" + ap.address.postcode +
             "|" + ap.address.house_number;
  }
}

std::string cache_key_for(ProviderId provider, std::string_view subject_hash) {
  std::string key = "verdict:provider:";
  key += to_string(provider);
  key += ':';
  key += subject_hash;
  return key;
}
}  // namespace

std::string ProviderGateway::cache_key(ProviderId provider, const Application& a) const {
  return cache_key_for(provider, crypto::hmac_sha256_hex(settings_.identifier_key, cache_subject(provider, a)));
}

bool ProviderGateway::from_cache(const ProviderPlanEntry& entry, const std::string& key, ProviderResults& into) {
  if (key.empty() || !cache_.get(key, entry.provider, into)) return false;
  ProviderCall& call = into.call(entry.provider);
  call.cached = true;
  call.latency_ms = 0;
  metrics_.provider_call(std::string(to_string(entry.provider)), std::string(to_string(call.status)), 0.0, true);
  return true;
}

asio::awaitable<void> ProviderGateway::call_one(ProviderPlanEntry entry, std::string key, std::string body,
                                                Clock::time_point deadline, ProviderResults& into) {
  const std::string name(to_string(entry.provider));
  ProviderCall& call = into.call(entry.provider);
  const auto started = Clock::now();
  auto elapsed_ms = [&] {
    return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
  };
  auto unavailable = [&](std::string reason) {
    call.status = ProviderStatus::Unavailable;
    call.error = std::move(reason);
    call.latency_ms = elapsed_ms();
    metrics_.provider_call(name, "unavailable", static_cast<double>(call.latency_ms) / 1000.0, false);
  };


  CircuitBreaker& breaker = breakers_[static_cast<std::size_t>(entry.provider)];
  if (!breaker.allow()) {
    unavailable("circuit open");
    co_return;
  }
  const auto provider_deadline = std::min(deadline, started + std::chrono::milliseconds(entry.deadline_ms));
  std::string last_error = "deadline";
  for (int attempt = 0; attempt <= entry.retries; ++attempt) {
    const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(provider_deadline - Clock::now());
    if (remaining.count() <= 0) break;
    std::string target = "/v1/providers/" + name;  // named: GCC 12 mishandles temporaries in co_await
    auto response = co_await http::post_json(settings_.endpoint, std::move(target), body, remaining);
    if (response && response->status == 200) {
      const auto json = nlohmann::json::parse(response->body, nullptr, false);
      ProviderResults decoded;
      if (!json.is_discarded() && decode_provider(entry.provider, json, decoded) &&
          answered(decoded.call(entry.provider).status)) {
        // Copy the provider's part only; the latency is ours, measured here.
        apply_answer(answer_of(entry.provider, decoded), into);
        into.call(entry.provider).error.clear();
        call.latency_ms = elapsed_ms();
        call.cached = false;
        breaker.success();
        metrics_.provider_call(name, std::string(to_string(call.status)), static_cast<double>(call.latency_ms) / 1000.0,
                               false);
        if (!key.empty()) cache_.put(key, entry.provider, into, std::chrono::seconds(entry.cache_ttl_s));
        co_return;
      }
      last_error = "invalid answer";
    } else {
      last_error = response ? "http " + std::to_string(response->status) : response.error();
      // A client error will not get better by asking again.
      if (response && response->status >= 400 && response->status < 500) break;
    }
    if (attempt < entry.retries && Clock::now() + settings_.retry_backoff < provider_deadline) {
      asio::steady_timer pause(co_await asio::this_coro::executor, settings_.retry_backoff);
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    }
  }
  breaker.failure();
  unavailable(last_error);
}

asio::awaitable<ProviderResults> ProviderGateway::collect(const Application& application,
                                                          const std::vector<ProviderPlanEntry>& plan,
                                                          Clock::time_point deadline) {
  // Shared with the calls, which may outlive this frame only if something goes badly wrong; the
  // calls themselves hold copies of what they need (entry, key, body), never this frame's data.
  struct Shared {
    ProviderResults results;
    std::size_t remaining = 0;
    asio::steady_timer done;
    explicit Shared(asio::any_io_executor ex) : done(ex) {}
  };
  auto executor = co_await asio::this_coro::executor;
  auto shared = std::make_shared<Shared>(executor);
  // Cached answers first, here and now: only the misses go over the network.
  // The key is a keyed hash of the applicant: computed once, for the lookup and, on a miss, the store.
  std::vector<std::pair<ProviderPlanEntry, std::string>> misses;
  std::string last_subject, last_hash;  // consecutive providers often share the subject (and its hash)
  for (const auto& entry : plan) {
    std::string key;
    if (entry.cache_ttl_s > 0) {
      std::string subject = cache_subject(entry.provider, application);
      if (last_hash.empty() || subject != last_subject) {
        last_hash = crypto::hmac_sha256_hex(settings_.identifier_key, subject);
        last_subject = std::move(subject);
      }
      key = cache_key_for(entry.provider, last_hash);
    }
    if (from_cache(entry, key, shared->results)) continue;
    shared->results.call(entry.provider).status = ProviderStatus::Unavailable;  // until it answers
    shared->results.call(entry.provider).error = "deadline";
    misses.emplace_back(entry, std::move(key));
  }
  shared->remaining = misses.size();
  if (misses.empty()) co_return shared->results;
  const std::string body = "{\"application\":" + encode_text(application) + "}";
  if (settings_.sequential) {
    for (const auto& [entry, key] : misses) co_await call_one(entry, key, body, deadline, shared->results);
    co_return shared->results;
  }
  for (const auto& miss : misses) {
    // Each call runs on this coroutine's executor (the session's strand): they interleave on I/O,
    // and `remaining` and the timer need no further locking.
    asio::co_spawn(
        executor,
        [this, entry = miss.first, key = miss.second, body, deadline, shared]() -> asio::awaitable<void> {
          co_await call_one(entry, key, body, deadline, shared->results);
          if (--shared->remaining == 0) shared->done.cancel();
        },
        asio::detached);
  }
  if (shared->remaining > 0) {
    shared->done.expires_at(deadline + std::chrono::milliseconds(20));
    co_await shared->done.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return shared->results;
}

}  // namespace verdict::daemon
