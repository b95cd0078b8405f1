#pragma once
// Live policy roll-out, the daemon's side. At start the follower reads the compacted policy topic
// from the beginning (the latest message per key is the version to run for that policy name), then
// follows it. Each version for the policy this daemon serves is validated and compiled on the
// follower's own thread, never on a request thread, and swapped in with DecisionService::set_policy
// (requests in flight finish on the version they started with). A version that does not decode,
// compile or match its hash is refused: the previous one keeps serving and the refusal goes to the
// log, /metrics (verdict_policy_rollouts_total{result="refused"}) and the fleet heartbeat.
//
// The heartbeat (policy/rollout.hpp FleetStatus) goes to the fleet-status topic, keyed by daemon id,
// every heartbeat interval and at once after each applied or refused version.
#include <chrono>
#include <condition_variable>
#include <future>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "decision_service.hpp"
#include "kafka/kafka_client.hpp"
#include "metrics.hpp"
#include "policy/rollout.hpp"

namespace verdict::daemon {

struct FollowerSettings {
  kafka::ClientSettings client;
  std::string policy_topic, fleet_topic;
  std::string daemon_id, host;
  std::chrono::milliseconds heartbeat_interval{5'000};
  std::chrono::milliseconds catch_up_timeout{10'000};
};

class PolicyFollower {
 public:
  /// Catches up with the policy topic (up to the catch-up timeout; if the brokers do not answer by
  /// then the daemon starts on the policy it has and the follower keeps trying), then follows it on
  /// its own thread. Fails only for a configuration error.
  static expected<std::unique_ptr<PolicyFollower>, std::string> start(FollowerSettings settings,
                                                                      DecisionService& service, Metrics& metrics,
                                                                      std::ostream& log);
  ~PolicyFollower();  // stop()
  PolicyFollower(const PolicyFollower&) = delete;
  PolicyFollower& operator=(const PolicyFollower&) = delete;

  /// Ends the thread, after a last heartbeat. Idempotent.
  void stop();
  /// What the next heartbeat will say.
  FleetStatus status() const;

 private:
  PolicyFollower(FollowerSettings settings, DecisionService& service, Metrics& metrics, std::ostream& log);
  /// A version ready to swap in (compiled is null when it is the one running already).
  struct Candidate {
    std::shared_ptr<const CompiledPolicy> compiled;
    std::string label, hash, author, approver;
    int version = 0;
  };
  struct Refusal {
    int version = 0;
    std::string hash, reason;
  };
  bool connect();  // reader, producer, catch-up; false when the brokers are away
  void release_retired();  // drops the versions swapped out that no request holds any more
  expected<Candidate, Refusal> check(const kafka::IncomingMessage& message) const;  // decode, compile, verify
  void apply(const Candidate& candidate);
  void refuse(const Refusal& refusal);
  void catch_up(const std::vector<kafka::IncomingMessage>& history);  // at (re)connection
  void consider(const kafka::IncomingMessage& message);               // one message while following
  void heartbeat();
  void run(std::promise<bool>& first_connection);

  FollowerSettings settings_;
  DecisionService& service_;
  Metrics& metrics_;
  std::ostream& log_;
  std::string policy_name_;  // the policy this daemon serves: the key it follows
  std::unique_ptr<kafka::TopicReader> reader_;
  std::unique_ptr<kafka::Producer> producer_;
  std::chrono::steady_clock::time_point next_heartbeat_{};
  /// Versions swapped out, kept until the last request that started on them has finished, so that
  /// freeing a program happens here rather than in whichever request thread let go of it last.
  std::vector<std::shared_ptr<const ActivePolicy>> retired_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  FleetStatus refusal_;  // only the refused_* fields are used
  std::thread thread_;
};

}  // namespace verdict::daemon
