#include "metrics.hpp"

#include <cstdio>

namespace verdict::daemon {

namespace {
std::string escape_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.6g", v);
  return buffer;
}
}  // namespace

const std::vector<double>& Metrics::latency_buckets() {
  static const std::vector<double> buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
  return buckets;
}

void Metrics::observe(Histogram& h, double value) {
  const auto& bounds = latency_buckets();
  if (h.buckets.empty()) h.buckets.assign(bounds.size(), 0);
  for (std::size_t i = 0; i < bounds.size(); ++i)
    if (value <= bounds[i]) {
      ++h.buckets[i];
      break;
    }
  h.sum += value;
  ++h.count;
}

void Metrics::http_request(const std::string& route, unsigned status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  observe(request_seconds_[{route, status}], seconds);
}

void Metrics::decision(const std::string& outcome, const std::string& channel) {
  std::lock_guard lock(mutex_);
  ++decisions_[{outcome, channel}];
}

void Metrics::provider_call(const std::string& provider, const std::string& status, double seconds, bool cached) {
  std::lock_guard lock(mutex_);
  ++provider_calls_[{provider, status}];
  if (cached) ++cache_hits_[provider];
  else observe(provider_seconds_[provider], seconds);
}

void Metrics::set_policy(const std::string& name, int version, const std::string& hash) {
  std::lock_guard lock(mutex_);
  policy_name_ = name;
  policy_version_ = version;
  policy_hash_ = hash;
}

void Metrics::policy_rollout(bool applied, int version) {
  std::lock_guard lock(mutex_);
  if (applied) {
    ++policy_applied_;
  } else {
    ++policy_refused_;
    policy_last_refused_version_ = version;
  }
}

void Metrics::set_gauge(const std::string& name, const std::string& help, double value) {
  std::lock_guard lock(mutex_);
  gauges_[name] = {help, value};
}

std::string Metrics::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  // `labels` is the rendered label set, e.g. route="/healthz",status="200".
  auto histogram = [&](const std::string& name, const std::string& labels, const Histogram& h) {
    std::uint64_t cumulative = 0;
    const auto& bounds = latency_buckets();
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      cumulative += h.buckets.empty() ? 0 : h.buckets[i];
      out += name + "_bucket{" + labels + ",le=\"" + number(bounds[i]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += name + "_bucket{" + labels + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    out += name + "_sum{" + labels + "} " + number(h.sum) + "\n";
    out += name + "_count{" + labels + "} " + std::to_string(h.count) + "\n";
  };

  out += "# HELP verdict_http_requests_total HTTP requests by route pattern and status.\n";
  out += "# TYPE verdict_http_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out += "verdict_http_requests_total{route=\"" + escape_label(key.first) + "\",status=\"" + std::to_string(key.second) +
           "\"} " + std::to_string(n) + "\n";
  out += "# HELP verdict_http_request_duration_seconds Time from request read to response written.\n";
  out += "# TYPE verdict_http_request_duration_seconds histogram\n";
  for (const auto& [key, h] : request_seconds_)
    histogram("verdict_http_request_duration_seconds",
              "route=\"" + escape_label(key.first) + "\",status=\"" + std::to_string(key.second) + "\"", h);

  out += "# HELP verdict_decisions_total Decisions by outcome and channel.\n";
  out += "# TYPE verdict_decisions_total counter\n";
  for (const auto& [key, n] : decisions_)
    out += "verdict_decisions_total{outcome=\"" + escape_label(key.first) + "\",channel=\"" + escape_label(key.second) +
           "\"} " + std::to_string(n) + "\n";

  out += "# HELP verdict_provider_calls_total Provider results by provider and status (cached answers included).\n";
  out += "# TYPE verdict_provider_calls_total counter\n";
  for (const auto& [key, n] : provider_calls_)
    out += "verdict_provider_calls_total{provider=\"" + escape_label(key.first) + "\",status=\"" + escape_label(key.second) +
           "\"} " + std::to_string(n) + "\n";
  out += "# HELP verdict_provider_cache_hits_total Provider answers served from the cache.\n";
  out += "# TYPE verdict_provider_cache_hits_total counter\n";
  for (const auto& [provider, n] : cache_hits_)
    out += "verdict_provider_cache_hits_total{provider=\"" + escape_label(provider) + "\"} " + std::to_string(n) + "\n";
  out += "# HELP verdict_provider_latency_seconds Latency of provider calls that went over the network.\n";
  out += "# TYPE verdict_provider_latency_seconds histogram\n";
  for (const auto& [provider, h] : provider_seconds_)
    histogram("verdict_provider_latency_seconds", "provider=\"" + escape_label(provider) + "\"", h);

  out += "# HELP verdict_policy_info The active policy (value 1).\n";
  out += "# TYPE verdict_policy_info gauge\n";
  if (!policy_name_.empty())
    out += "verdict_policy_info{name=\"" + escape_label(policy_name_) + "\",version=\"" + std::to_string(policy_version_) +
           "\",hash=\"" + escape_label(policy_hash_) + "\"} 1\n";
  out += "# HELP verdict_policy_version Version of the active policy.\n# TYPE verdict_policy_version gauge\n";
  out += "verdict_policy_version " + std::to_string(policy_version_) + "\n";
  out += "# HELP verdict_policy_rollouts_total Versions from the policy topic, applied or refused.\n";
  out += "# TYPE verdict_policy_rollouts_total counter\n";
  out += "verdict_policy_rollouts_total{result=\"applied\"} " + std::to_string(policy_applied_) + "\n";
  out += "verdict_policy_rollouts_total{result=\"refused\"} " + std::to_string(policy_refused_) + "\n";
  out += "# HELP verdict_policy_last_refused_version The last version refused (0: none).\n";
  out += "# TYPE verdict_policy_last_refused_version gauge\n";
  out += "verdict_policy_last_refused_version " + std::to_string(policy_last_refused_version_) + "\n";
  for (const auto& [name, entry] : gauges_)
    out += "# HELP " + name + " " + entry.first + "\n# TYPE " + name + " gauge\n" + name + " " + number(entry.second) + "\n";
  return out;
}

}  // namespace verdict::daemon
