// verdict publish and verdict fleet: the policy roll-out from the command line.
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli.hpp"
#include "commands.hpp"
#include "files/policy_files.hpp"
#include "kafka/policy_rollout.hpp"
#include "store/policy_versions.hpp"

namespace verdict::cli {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string or_env(const std::string& value, const char* variable) {
  if (!value.empty()) return value;
  const char* env = std::getenv(variable);
  return env ? env : "";
}

}  // namespace

int publish(const PublishArgs& args, std::ostream& out, std::ostream& err) {
  const std::string postgres = or_env(args.postgres, "VERDICT_POSTGRES_URL");
  if (postgres.empty()) {
    err << "verdict publish: give --postgres URL (or VERDICT_POSTGRES_URL): every published version is recorded there\n";
    return exit_usage;
  }
  auto text = files::read_text(args.policy);
  if (!text) {
    err << "verdict publish: " << text.error() << "\n";
    return exit_input_error;
  }
  auto compiled = files::compile_policy_text(*text, args.policy);
  if (!compiled) {
    for (const auto& d : compiled.error()) err << d.to_string() << "\n";
    err << "verdict publish: " << args.policy << " does not compile; nothing published\n";
    return exit_input_error;
  }
  for (const auto& [value, what] : {std::pair{&args.author, "--author"}, std::pair{&args.approver, "--approver"},
                                    std::pair{&args.comment, "--comment"}})
    if (value->find_first_not_of(" \t\r\n") == std::string::npos) {
      err << "verdict publish: " << what << " must not be blank\n";
      return exit_input_error;
    }
  if (same_person(args.author, args.approver)) {
    err << "verdict publish: the approver must be a second analyst, not the author (four-eyes); nothing published\n";
    return exit_input_error;
  }

  const auto& document = (*compiled)->document();
  PolicyRelease release;
  release.name = document.name;
  release.version = document.version;
  release.content_hash = (*compiled)->content_hash();
  release.document = nlohmann::json::parse(*text).dump();  // compiled above, so it parses
  release.author = args.author;
  release.approver = args.approver;
  release.comment = args.comment;
  release.published_at_ms = now_ms();
  const std::string label = release.name + "@" + std::to_string(release.version);

  // PostgreSQL first: a version is on the topic only once it is on record. A retry after a broker
  // failure finds it recorded (same hash) and produces it again.
  auto versions = store::open_postgres_policy_versions(postgres);
  if (!versions) {
    err << "verdict publish: " << versions.error().message << "\n";
    return exit_input_error;
  }
  store::PolicyVersion record{release.name,     release.version,  release.content_hash, release.document,
                              release.author,   release.approver, release.comment,      release.published_at_ms};
  auto recorded = (*versions)->record(record);
  if (!recorded) {
    err << "verdict publish: " << recorded.error().message << "; nothing published\n";
    return exit_input_error;
  }
  if (*recorded == store::Recorded::AlreadyStored) {
    // Keep the first publication's instant and people: the topic should say what the record says.
    auto stored = (*versions)->fetch(release.name, release.version);
    if (stored && *stored) {
      release.author = (*stored)->author;
      release.approver = (*stored)->approver;
      release.comment = (*stored)->comment;
      release.published_at_ms = (*stored)->published_at_ms;
    }
    out << label << " was already recorded with this content; publishing it again\n";
  }

  kafka::ClientSettings client;
  client.brokers = args.brokers.empty() ? kafka::default_brokers() : args.brokers;
  client.client_id = "verdict-publish";
  // A duplicate of the latest release per key changes nothing on the compacted topic.
  auto producer = kafka::Producer::create(client, std::chrono::seconds(15), kafka::Producer::Delivery::AtLeastOnce);
  if (!producer) {
    err << "verdict publish: " << producer.error().message << "\n";
    return exit_input_error;
  }
  // Through the producer: one client, one set of broker connections, for the whole command.
  if (auto topics = kafka::ensure_rollout_topics(**producer, {args.policy_topic, args.fleet_topic}); !topics) {
    err << "verdict publish: " << topics.error().message << "; " << label
        << " is recorded but not rolled out — run the same command again\n";
    return exit_input_error;
  }
  if (auto sent = kafka::publish_release(**producer, args.policy_topic, release); !sent) {
    err << "verdict publish: " << sent.error().message << "; " << label
        << " is recorded but not rolled out — run the same command again\n";
    return exit_input_error;
  }
  out << "published " << label << " (" << release.content_hash << ") to " << args.policy_topic << ", author "
      << release.author << ", approved by " << release.approver << "\n";
  return exit_ok;
}

int fleet(const FleetArgs& args, std::ostream& out, std::ostream& err) {
  kafka::ClientSettings client;
  client.brokers = args.brokers.empty() ? kafka::default_brokers() : args.brokers;
  client.client_id = "verdict-fleet";
  std::size_t unreadable = 0;
  auto daemons = kafka::read_fleet(client, args.fleet_topic, std::chrono::seconds(10), &unreadable);
  if (!daemons) {
    err << "verdict fleet: " << daemons.error().message << "\n";
    return exit_input_error;
  }
  const auto now = now_ms();
  if (args.json) {
    auto list = nlohmann::json::array();
    for (const auto& d : *daemons) {
      auto entry = nlohmann::json::parse(encode_fleet_status(d));
      entry["seen_ms_ago"] = now - d.at_ms;
      list.push_back(std::move(entry));
    }
    out << list.dump(2) << "\n";
    return exit_ok;
  }
  if (daemons->empty()) {
    out << "no daemon has reported on " << args.fleet_topic << "\n";
    return exit_ok;
  }
  out << std::left << std::setw(28) << "DAEMON" << std::setw(20) << "HOST" << std::setw(24) << "POLICY" << std::setw(22)
      << "HASH" << std::setw(12) << "LAST SEEN" << "LAST REFUSAL\n";
  for (const auto& d : *daemons) {
    const auto age_s = (now - d.at_ms) / 1000;
    std::string refusal = d.refused_reason.empty() ? "-" : "v" + std::to_string(d.refused_version) + ": " + d.refused_reason;
    if (refusal.size() > 80) refusal = refusal.substr(0, 77) + "...";
    out << std::left << std::setw(28) << d.daemon_id << std::setw(20) << d.host << std::setw(24)
        << (d.policy_name + "@" + std::to_string(d.policy_version)) << std::setw(22) << d.policy_hash.substr(0, 19)
        << std::setw(12) << (std::to_string(age_s) + " s ago") << refusal << "\n";
  }
  if (unreadable > 0) out << "(" << unreadable << " unreadable heartbeat(s) skipped)\n";
  return exit_ok;
}

}  // namespace verdict::cli
