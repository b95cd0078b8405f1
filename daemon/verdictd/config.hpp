#pragma once
// verdictd's configuration: one JSON file plus VERDICT_* environment overrides. With neither, the
// embedded defaults: the bundled sample policy, an SQLite file, an in-process cache and
// verdict-sim started in-process, on 127.0.0.1:8080.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "router.hpp"
#include "server.hpp"
#include "util/expected.hpp"

namespace verdict::daemon {

struct TokenConfig {
  std::string token;
  std::string name;
  std::vector<http::Scope> scopes;
};

struct Config {
  std::string listen_address = "127.0.0.1";
  unsigned short port = 8080;
  unsigned threads = 0;  // 0: one per core
  http::ServerLimits limits;
  std::chrono::milliseconds shutdown_grace{10'000};

  std::filesystem::path policy_path;  // empty: the bundled sample policy
  std::chrono::milliseconds decision_deadline{3'000};

  std::string providers_url;   // "http://host:port"; empty: start verdict-sim in-process
  std::string redis_url;       // "redis://host:port"; empty: in-process LRU
  std::size_t cache_entries = 100'000;
  std::string velocity_key_prefix = "verdict:velocity:";  // Redis keys of the velocity counters (with redis_url)
  int breaker_failures = 5;
  std::chrono::milliseconds breaker_open{5'000};

  std::string postgres_url;              // set: PostgreSQL; empty: SQLite
  std::filesystem::path data_dir = "verdict-data";  // SQLite file and spool live here
  bool migrate_on_start = true;

  // Kafka: set kafka_brokers and decisions go to the decisions topic (verdict-worker stores them;
  // lookups read postgres_url), and the policy follows the policy topic, with a heartbeat on the fleet
  // topic. Empty: the embedded default, no Kafka.
  std::string kafka_brokers;  // "host:port,host:port"
  std::string kafka_decisions_topic = "verdict.decisions";
  std::string kafka_policy_topic = "verdict.policies";
  std::string kafka_fleet_topic = "verdict.fleet";
  std::string daemon_id;  // in heartbeats; empty: <hostname>-<pid>
  std::chrono::milliseconds heartbeat_interval{5'000};
  std::chrono::milliseconds policy_catch_up{10'000};  // longest wait at start for the policy topic

  std::string identifier_key;  // HMAC key for hashed identifiers; empty: a development key, with a warning
  std::vector<TokenConfig> tokens;  // empty: one development token with every scope, printed at start

  bool sequential_providers = false;  // benchmark only: no concurrency between provider calls

  bool development_identifier_key = false;
  bool development_token = false;
};

/// Reads `file` (if given) then applies the environment; every problem names the setting.
expected<Config, std::string> load_config(const std::optional<std::filesystem::path>& file);

/// Where the bundled sample policy is: next to the installed binary, or in the source tree.
std::filesystem::path default_policy_path();

}  // namespace verdict::daemon
