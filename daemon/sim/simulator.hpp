#pragma once
// verdict-sim without the HTTP plumbing: what each simulated provider answers for an application
// (a pure function of the applicant data and a seed, steered by markers in the e-mail address),
// how long it takes, which faults it injects, and the configuration that governs latency and
// faults, swapped as an immutable snapshot so run-time changes never race a call in progress.
#include <array>
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <random>
#include <string_view>

#include "domain/codec.hpp"
#include "domain/providers.hpp"
#include "http_types.hpp"
#include "util/expected.hpp"

namespace verdict::sim {

// ---- answers ----

/// Findings a test asks for by tagging the applicant's e-mail address after '+':
/// "jan+bkr-a+preventel@example.com". `Clean` makes every provider answer clean (no random
/// findings); the others add their finding to whatever the applicant would otherwise get.
enum class Marker : std::uint8_t {
  Clean,
  BkrA,
  BkrAH,
  Bkr2,
  Bkr3,
  Bkr4,
  BkrSR,
  BkrDeviceCredits,
  Preventel,
  Lost,
  Stolen,
  Expired,
  NotFound,
  IbanMismatch,
  IbanClosed,
  Business,
  NoAddress,
  NonResidential,
  Arrears,
  WriteOff,
  Subs6,
  LowScore,
};
inline constexpr std::size_t marker_count = 22;

/// The spelling in e-mail addresses, e.g. "bkr-devicecredits".
std::string_view to_string(Marker);
const std::array<Marker, marker_count>& all_markers();

class Markers {
 public:
  void set(Marker m) { bits_ |= bit(m); }
  bool has(Marker m) const { return (bits_ & bit(m)) != 0; }
  bool empty() const { return bits_ == 0; }

 private:
  static std::uint32_t bit(Marker m) { return std::uint32_t{1} << static_cast<unsigned>(m); }
  std::uint32_t bits_ = 0;
};

/// The markers in the local part of `email` (case-insensitive). Other tags are ignored, as a mail
/// server ignores them: "jan+newsletter@example.com" is an ordinary applicant.
Markers parse_markers(std::string_view email);

/// What provider `id` answers for `application`: deterministic in the applicant's stable data
/// (date of birth, last name, postcode, house number, IBAN), the provider and `seed`, so the same
/// applicant gets the same findings on every application. Without markers the mix is realistic:
/// mostly clean, a few percent of findings. Only `id`'s result is filled; its latency_ms is 0.
ProviderResults answer(ProviderId id, const Application& application, std::uint64_t seed);

// ---- latency and faults ----

struct ProviderConfig {
  // Latency is log-normal, given by its median and 95th percentile.
  double median_ms = 100;
  double p95_ms = 250;
  // Fractions of calls, together at most 1.
  double error_rate = 0;    // 503 problem after the latency
  double timeout_rate = 0;  // no answer for timeout_ms, then the connection closes
  double slow_rate = 0;     // the answer comes after latency x slow_factor
  double reset_rate = 0;    // the connection is reset after the latency, nothing written
  double slow_factor = 5;
  std::int64_t timeout_ms = 30'000;  // not scaled by latency_scale: a hang is a hang
};

struct Config {
  std::uint64_t seed = 0;
  double latency_scale = 1.0;  // 0: every answer immediate (tests)
  std::array<ProviderConfig, provider_count> providers{};

  const ProviderConfig& provider(ProviderId id) const { return providers[static_cast<std::size_t>(id)]; }
  ProviderConfig& provider(ProviderId id) { return providers[static_cast<std::size_t>(id)]; }
};

/// Realistic defaults: tens to hundreds of milliseconds per provider, no faults.
Config default_config();

/// {"seed", "latency_scale", "providers": {"bkr": {"median_ms", ...}, ...}}: the form GET
/// /admin/config answers and a configuration file holds.
nlohmann::json encode_config(const Config& config);

/// `patch` merged onto `base`: fields present replace, fields absent stay. Under "providers", the
/// key "all" applies to every provider before the named ones. Every bad field is reported by
/// JSON pointer and nothing is applied then.
expected<Config, InputErrors> merge_config(const Config& base, const nlohmann::json& patch);

enum class Fault : std::uint8_t { None, Error, Timeout, Slow, Reset };
std::string_view to_string(Fault);

/// What one call will do: act (answer, fail, reset) after `delay`.
struct CallPlan {
  Fault fault = Fault::None;
  std::chrono::milliseconds delay{0};
};

/// The longest delay the simulator waits: the provider codec caps latency_ms at ten minutes.
inline constexpr std::chrono::milliseconds max_delay{600'000};

/// Rolls the fault and samples the latency for one call.
CallPlan plan_call(const ProviderConfig& provider, double latency_scale, std::mt19937_64& rng);

// ---- the simulator ----

/// Outcomes per provider since the start or the last reset. Once the calls in progress have
/// finished, calls = answered + errors + timeouts + resets + bad_requests (a reset while calls are
/// in progress skews that); slow calls are also answered. Faults count when they are decided.
struct ProviderStats {
  std::uint64_t calls = 0;
  std::uint64_t answered = 0;
  std::uint64_t errors = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t slow = 0;
  std::uint64_t resets = 0;
  std::uint64_t bad_requests = 0;
};

class Simulator {
 public:
  /// `start` is also what reset() returns to.
  explicit Simulator(Config start);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  /// The current snapshot; it stays valid and unchanged however the configuration changes after.
  std::shared_ptr<const Config> config() const { return config_.load(); }
  /// Merges `patch` onto the current configuration and swaps it in; on error nothing changes.
  expected<std::shared_ptr<const Config>, InputErrors> update(const nlohmann::json& patch);
  /// Back to the start configuration, counters to zero.
  void reset();

  std::array<ProviderStats, provider_count> stats() const;
  nlohmann::json stats_json() const;

  /// One provider call: `body` is {"application": {...}}. Waits the simulated latency on a
  /// coroutine timer, then answers, or injects the planned fault.
  boost::asio::awaitable<http::HandlerResult> call(ProviderId id, std::string_view body);

  /// Wakes every call that is waiting and makes later waits end at once, so a shutdown does not
  /// sit out simulated latencies and timeouts. Thread-safe.
  void stop();

 private:
  struct Counters {
    std::atomic<std::uint64_t> calls{0}, answered{0}, errors{0}, timeouts{0}, slow{0}, resets{0}, bad_requests{0};
  };
  struct Sleepers;

  /// Waits `delay` on a timer on the calling coroutine's executor; false when stop() cut it short.
  boost::asio::awaitable<bool> sleep(std::chrono::milliseconds delay);

  const Config start_;
  std::atomic<std::shared_ptr<const Config>> config_;
  std::mutex update_mutex_;  // serialises read-merge-swap, so concurrent updates are not lost
  std::array<Counters, provider_count> counters_;
  std::unique_ptr<Sleepers> sleepers_;
};

}  // namespace verdict::sim
