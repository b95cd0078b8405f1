#pragma once
// Prometheus metrics for verdictd, kept in one place: counters and histograms with labels, and
// the text exposition format (version 0.0.4). Thread-safe; updates take a short mutex.
#include <array>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace verdict::daemon {

class Metrics {
 public:
  void http_request(const std::string& route, unsigned status, double seconds);
  void decision(const std::string& outcome, const std::string& channel);
  void provider_call(const std::string& provider, const std::string& status, double seconds, bool cached);
  void set_policy(const std::string& name, int version, const std::string& hash);
  /// A version from the policy topic applied or refused (policy_follower.cpp).
  void policy_rollout(bool applied, int version);
  /// Extra gauge lines computed at scrape time (store queue, connections, ...).
  void set_gauge(const std::string& name, const std::string& help, double value);

  std::string render() const;

 private:
  struct Histogram {
    std::vector<std::uint64_t> buckets;  // cumulative counts are computed at render time
    double sum = 0;
    std::uint64_t count = 0;
  };
  static const std::vector<double>& latency_buckets();
  static void observe(Histogram& h, double value);

  mutable std::mutex mutex_;
  std::map<std::pair<std::string, unsigned>, std::uint64_t> requests_;
  std::map<std::pair<std::string, unsigned>, Histogram> request_seconds_;  // by route and status
  std::map<std::pair<std::string, std::string>, std::uint64_t> decisions_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> provider_calls_;
  std::map<std::string, Histogram> provider_seconds_;
  std::map<std::string, std::uint64_t> cache_hits_;
  std::string policy_name_, policy_hash_;
  int policy_version_ = 0;
  std::uint64_t policy_applied_ = 0, policy_refused_ = 0;
  int policy_last_refused_version_ = 0;
  std::map<std::string, std::pair<std::string, double>> gauges_;
};

}  // namespace verdict::daemon
