#pragma once
// One function per CLI command; cli.cpp parses arguments and calls these.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace verdict::cli {

int validate(const std::vector<std::string>& policies, bool quiet, std::ostream& out, std::ostream& err);

enum class Format { Json, Text };
int evaluate(const std::string& policy, const std::string& application, Format format, std::ostream& out,
             std::ostream& err);

struct SimulateArgs {
  std::string policy;
  std::string history;
  std::string baseline;
  unsigned threads = 0;
  std::size_t flipped_limit = 100;
};
int simulate(const SimulateArgs& args, std::ostream& out, std::ostream& err);

int diff(const std::string& before, const std::string& after, bool json, std::ostream& out, std::ostream& err);

struct GenerateArgs {
  std::uint64_t count = 1000;
  std::uint64_t seed = 1;
  std::string jsonl;
  std::string binary;
  std::string last_day;  // YYYY-MM-DD: applications fall in the `days` days up to it (default 2026-11-30)
  int days = 365;
};
int generate(const GenerateArgs& args, std::ostream& out, std::ostream& err);

/// verdict import: cases (JSON Lines) decided by a policy and stored as decisions.
struct ImportArgs {
  std::string history;         // JSON Lines of cases
  std::string policy;          // the policy that decides them
  std::string sqlite, postgres;  // one of the two
  std::string identifier_key;  // for the stored customer keys (the daemons' key)
};
int import_history(const ImportArgs& args, std::ostream& out, std::ostream& err);

int build_history(const std::string& jsonl, const std::string& binary, std::ostream& out, std::ostream& err);

struct MigrateArgs {
  std::string postgres;  // URL; exactly one of postgres and sqlite is set
  std::string sqlite;    // file
  std::string sql_dir;   // empty: the migrations compiled into the binary
};
int migrate(const MigrateArgs& args, std::ostream& out, std::ostream& err);

struct PublishArgs {
  std::string policy;  // the policy file
  std::string author, approver, comment;
  std::string brokers;   // empty: $VERDICT_KAFKA_BROKERS or 127.0.0.1:9092
  std::string postgres;  // empty: $VERDICT_POSTGRES_URL
  std::string policy_topic = "verdict.policies";
  std::string fleet_topic = "verdict.fleet";
};
/// Compiles, checks four-eyes, records in policy_versions, then produces to the policy topic.
int publish(const PublishArgs& args, std::ostream& out, std::ostream& err);

struct FleetArgs {
  std::string brokers;
  std::string fleet_topic = "verdict.fleet";
  bool json = false;
};
/// Every daemon's latest heartbeat: the version it runs, when it was last seen, its last refusal.
int fleet(const FleetArgs& args, std::ostream& out, std::ostream& err);
/// `verdict review list|claim|release|decide|override`: the review queue in the store, as the
/// daemon's review API offers it (store/review_store.hpp). Exit 1 when the store refuses.
struct ReviewArgs {
  std::string action;  // list, claim, release, decide, override
  std::string postgres, sqlite;
  std::string decision_id, reviewer, outcome, reason;
  std::string status, kind, shop_id, claimed_by;  // list filters
  std::size_t limit = 100;
  bool json = false;
};
int review(const ReviewArgs& args, std::ostream& out, std::ostream& err);

}  // namespace verdict::cli
