#pragma once
// Velocity counters behind one small interface: record an application and read, in the same step,
// the counters the policy declares. Two implementations: Redis (shared by every daemon; one Lua
// script per decision, so the update and the read are atomic) and in-process (the embedded
// default, and the history generator's twin). Keys are HMACs of the identifiers — no personal
// data is stored or sent.
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "domain/application.hpp"
#include "domain/velocity.hpp"
#include "util/expected.hpp"

namespace verdict::velocity {

/// One application as the counters see it: keyed hashes only.
struct Observation {
  std::int64_t at_ms = 0;           // when it was received (ms since the epoch); the caller's clock
  std::string application;          // HMAC of channel, shop and application id: a retried application counts once
  std::string applicant;            // HMAC of the person (names, date of birth): what "distinct" counts
  std::array<std::string, velocity_identifier_count> identifiers;  // HMAC per identifier; empty = absent
};

/// Hashes what the counters need from `application` under `identifier_key`. Identifiers are
/// normalised first (IBAN upper case without spaces, e-mail lower case, phone digits only,
/// address = postcode + house number). With `only`, the identifiers it does not declare are left
/// empty (the counters skip those anyway): an HMAC each saved per decision.
Observation observe(const Application& application, std::string_view identifier_key, std::int64_t at_ms,
                    const VelocityDeclaration* only = nullptr);

class VelocityCounter {
 public:
  virtual ~VelocityCounter() = default;
  /// Counts `observation` for every identifier `declared` names that it carries, and returns
  /// those counters over the declared windows (this application included). An error (the store
  /// cannot be reached) leaves every counter unknown; the caller goes on without them.
  virtual expected<VelocitySignals, std::string> record(const Observation& observation,
                                                        const VelocityDeclaration& declared) = 0;
  virtual std::string describe() const = 0;
};

/// Thread-safe, in this process only. Entries older than the longest window are dropped as keys
/// are touched, and all keys are swept now and then.
class InProcessCounter final : public VelocityCounter {
 public:
  expected<VelocitySignals, std::string> record(const Observation& observation,
                                                const VelocityDeclaration& declared) override;
  std::string describe() const override { return "in-process velocity counters"; }
  std::size_t key_count() const;

 private:
  /// Members (hashes), each with the latest time it was seen, also kept in order of that time. A
  /// busy key (one device behind thousands of applications) costs O(log n) to count a window and to
  /// touch its newest member — the usual case — instead of a pass over every member.
  class RecentMembers {
   public:
    void touch(const std::string& member, std::int64_t at_ms);
    /// Members last seen strictly after `after_ms`.
    std::int32_t count_after(std::int64_t after_ms) const;
    /// Forgets the members last seen at or before `oldest_ms`.
    void forget_until(std::int64_t oldest_ms);
    bool empty() const { return latest_.empty(); }

   private:
    std::unordered_map<std::string, std::int64_t> latest_;
    // (latest time, the member's key in latest_): sorted by time; node keys do not move on rehash.
    std::vector<std::pair<std::int64_t, const std::string*>> by_time_;
  };
  struct Entries {
    RecentMembers applications;  // application hashes
    RecentMembers applicants;    // applicant hashes
  };
  void sweep(std::int64_t now_ms);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entries> keys_;  // "<identifier>:<hash>"
  std::uint64_t records_ = 0;
};

/// Redis sorted sets: per identifier hash, one set of applications and one of applicants, scored
/// by time. The script adds, trims what is older than the longest window, sets the keys' TTL to
/// that window and counts each declared window. Redis down or slow (timeout): an error, at once.
class RedisCounter final : public VelocityCounter {
 public:
  RedisCounter(std::string host, int port, std::string key_prefix,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(50));
  ~RedisCounter() override;
  expected<VelocitySignals, std::string> record(const Observation& observation,
                                                const VelocityDeclaration& declared) override;
  std::string describe() const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace verdict::velocity
