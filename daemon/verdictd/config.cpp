#include "config.hpp"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#ifndef VERDICT_SOURCE_DIR
#define VERDICT_SOURCE_DIR "."
#endif
#ifndef VERDICT_DATA_DIR
#define VERDICT_DATA_DIR "/usr/share/verdict"
#endif

namespace verdict::daemon {

using nlohmann::json;

namespace {

std::optional<http::Scope> scope_from(std::string_view s) {
  if (s == "decide") return http::Scope::Decide;
  if (s == "read") return http::Scope::Read;
  if (s == "admin") return http::Scope::Admin;
  return std::nullopt;
}

template <class T>
expected<void, std::string> read_number(const json& j, const char* key, T& out, T min, T max) {
  if (!j.contains(key)) return {};
  if (!j[key].is_number_integer()) return unexpected(std::string(key) + " must be an integer");
  const auto v = j[key].get<long long>();
  if (v < static_cast<long long>(min) || v > static_cast<long long>(max))
    return unexpected(std::string(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
  out = static_cast<T>(v);
  return {};
}

expected<void, std::string> read_string(const json& j, const char* key, std::string& out) {
  if (!j.contains(key)) return {};
  if (!j[key].is_string()) return unexpected(std::string(key) + " must be a string");
  out = j[key].get<std::string>();
  return {};
}

expected<void, std::string> apply_json(const json& j, Config& c) {
  if (!j.is_object()) return unexpected(std::string("the configuration must be a JSON object"));
  static const std::vector<std::string> known{
      "listen_address", "port",           "threads",         "body_limit",       "read_timeout_ms", "idle_timeout_ms",
      "shutdown_grace_ms", "policy",      "decision_deadline_ms", "providers_url", "redis_url",     "cache_entries",
      "breaker_failures", "breaker_open_ms", "postgres_url",  "data_dir",         "migrate_on_start", "identifier_key",
      "tokens", "sequential_providers", "kafka_brokers", "kafka_decisions_topic", "kafka_policy_topic",
      "kafka_fleet_topic", "daemon_id", "heartbeat_interval_ms", "policy_catch_up_ms", "velocity_key_prefix"};
  for (const auto& [key, _] : j.items())
    if (std::find(known.begin(), known.end(), key) == known.end()) return unexpected("unknown setting '" + key + "'");
  if (auto r = read_string(j, "listen_address", c.listen_address); !r) return r;
  if (auto r = read_number<unsigned short>(j, "port", c.port, 0, 65535); !r) return r;
  if (auto r = read_number<unsigned>(j, "threads", c.threads, 0, 256); !r) return r;
  if (auto r = read_number<std::size_t>(j, "body_limit", c.limits.body_limit, 1024, 16 * 1024 * 1024); !r) return r;
  long long ms = 0;
  auto duration = [&](const char* key, std::chrono::milliseconds& out, long long min, long long max) -> expected<void, std::string> {
    ms = out.count();
    if (auto r = read_number<long long>(j, key, ms, min, max); !r) return r;
    out = std::chrono::milliseconds(ms);
    return {};
  };
  if (auto r = duration("read_timeout_ms", c.limits.read_timeout, 100, 600'000); !r) return r;
  if (auto r = duration("idle_timeout_ms", c.limits.idle_timeout, 100, 3'600'000); !r) return r;
  if (auto r = duration("shutdown_grace_ms", c.shutdown_grace, 0, 600'000); !r) return r;
  if (auto r = duration("decision_deadline_ms", c.decision_deadline, 50, 60'000); !r) return r;
  if (auto r = duration("breaker_open_ms", c.breaker_open, 10, 600'000); !r) return r;
  std::string policy;
  if (auto r = read_string(j, "policy", policy); !r) return r;
  if (!policy.empty()) c.policy_path = policy;
  if (auto r = read_string(j, "providers_url", c.providers_url); !r) return r;
  if (auto r = read_string(j, "redis_url", c.redis_url); !r) return r;
  if (auto r = read_string(j, "velocity_key_prefix", c.velocity_key_prefix); !r) return r;
  if (auto r = read_number<std::size_t>(j, "cache_entries", c.cache_entries, 0, 100'000'000); !r) return r;
  if (auto r = read_number<int>(j, "breaker_failures", c.breaker_failures, 1, 1000); !r) return r;
  if (auto r = read_string(j, "postgres_url", c.postgres_url); !r) return r;
  std::string data_dir;
  if (auto r = read_string(j, "data_dir", data_dir); !r) return r;
  if (!data_dir.empty()) c.data_dir = data_dir;
  if (j.contains("migrate_on_start")) {
    if (!j["migrate_on_start"].is_boolean()) return unexpected(std::string("migrate_on_start must be true or false"));
    c.migrate_on_start = j["migrate_on_start"].get<bool>();
  }
  if (auto r = read_string(j, "identifier_key", c.identifier_key); !r) return r;
  if (auto r = read_string(j, "kafka_brokers", c.kafka_brokers); !r) return r;
  for (auto [key, topic] : {std::pair{"kafka_decisions_topic", &c.kafka_decisions_topic},
                            std::pair{"kafka_policy_topic", &c.kafka_policy_topic},
                            std::pair{"kafka_fleet_topic", &c.kafka_fleet_topic}}) {
    if (auto r = read_string(j, key, *topic); !r) return r;
    if (topic->empty()) return unexpected(std::string(key) + " must not be empty");
  }
  if (auto r = read_string(j, "daemon_id", c.daemon_id); !r) return r;
  if (auto r = duration("heartbeat_interval_ms", c.heartbeat_interval, 100, 600'000); !r) return r;
  if (auto r = duration("policy_catch_up_ms", c.policy_catch_up, 0, 600'000); !r) return r;
  if (j.contains("sequential_providers")) {
    if (!j["sequential_providers"].is_boolean()) return unexpected(std::string("sequential_providers must be true or false"));
    c.sequential_providers = j["sequential_providers"].get<bool>();
  }
  if (j.contains("tokens")) {
    if (!j["tokens"].is_array()) return unexpected(std::string("tokens must be an array"));
    c.tokens.clear();
    for (std::size_t i = 0; i < j["tokens"].size(); ++i) {
      const json& t = j["tokens"][i];
      const std::string where = "tokens/" + std::to_string(i);
      if (!t.is_object() || !t.contains("token") || !t["token"].is_string() || t["token"].get<std::string>().size() < 16)
        return unexpected(where + "/token must be a string of at least 16 characters");
      TokenConfig tc;
      tc.token = t["token"].get<std::string>();
      tc.name = t.value("name", "token-" + std::to_string(i));
      if (!t.contains("scopes") || !t["scopes"].is_array()) return unexpected(where + "/scopes must be an array");
      for (const auto& s : t["scopes"]) {
        const auto scope = s.is_string() ? scope_from(s.get<std::string>()) : std::nullopt;
        if (!scope) return unexpected(where + "/scopes: each must be decide, read or admin");
        tc.scopes.push_back(*scope);
      }
      c.tokens.push_back(std::move(tc));
    }
  }
  return {};
}

}  // namespace

std::filesystem::path default_policy_path() {
  const std::filesystem::path installed = std::filesystem::path(VERDICT_DATA_DIR) / "policy/sample-policy.json";
  if (std::filesystem::exists(installed)) return installed;
  return std::filesystem::path(VERDICT_SOURCE_DIR) / "resources/policy/sample-policy.json";
}

expected<Config, std::string> load_config(const std::optional<std::filesystem::path>& file) {
  Config c;
  json j = json::object();
  if (file) {
    std::ifstream in(*file);
    if (!in) return unexpected("cannot read configuration " + file->string());
    j = json::parse(in, nullptr, false);
    if (j.is_discarded()) return unexpected("configuration " + file->string() + " is not valid JSON");
  }
  // Environment overrides, VERDICT_<SETTING>, e.g. VERDICT_PORT=9000, VERDICT_POSTGRES_URL=...
  static const std::vector<std::pair<const char*, const char*>> env{
      {"VERDICT_LISTEN_ADDRESS", "listen_address"}, {"VERDICT_PORT", "port"}, {"VERDICT_THREADS", "threads"},
      {"VERDICT_POLICY", "policy"}, {"VERDICT_PROVIDERS_URL", "providers_url"}, {"VERDICT_REDIS_URL", "redis_url"},
      {"VERDICT_POSTGRES_URL", "postgres_url"}, {"VERDICT_DATA_DIR", "data_dir"},
      {"VERDICT_IDENTIFIER_KEY", "identifier_key"}, {"VERDICT_DECISION_DEADLINE_MS", "decision_deadline_ms"},
      {"VERDICT_KAFKA_BROKERS", "kafka_brokers"}, {"VERDICT_DAEMON_ID", "daemon_id"}};
  for (const auto& [variable, key] : env) {
    const char* value = std::getenv(variable);
    if (!value) continue;
    const std::string text = value;
    const bool numeric = !text.empty() && std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    const bool number_setting = std::string_view(key) == "port" || std::string_view(key) == "threads" ||
                                std::string_view(key).ends_with("_ms");
    if (number_setting && !numeric) return unexpected(std::string(variable) + " must be a whole number");
    j[key] = number_setting ? json(std::stoll(text)) : json(text);
  }
  if (auto applied = apply_json(j, c); !applied)
    return unexpected((file ? file->string() + ": " : std::string()) + applied.error());
  if (c.policy_path.empty()) c.policy_path = default_policy_path();
  if (c.identifier_key.empty()) {
    c.identifier_key = "verdict-development-key-not-for-production";
    c.development_identifier_key = true;
  }
  if (c.tokens.empty()) {
    c.tokens.push_back({"dev-token-change-me", "development", {http::Scope::Admin}});
    c.development_token = true;
  }
  return c;
}

}  // namespace verdict::daemon
