#include "studio_commands.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli.hpp"
#include "commands.hpp"
#include "compliance/replay.hpp"
#include "crypto/hashing.hpp"
#include "domain/date.hpp"
#include "files/policy_files.hpp"
#include "policy/diff.hpp"
#include "store/approval_store.hpp"
#include "store/chart_store.hpp"
#include "store/compliance_store.hpp"
#include "store/policy_versions.hpp"

namespace verdict::cli {

using nlohmann::json;

/// Where the store is and who acts: the production database (the login in the URL) or the embedded
/// file as a named user.
struct Connection {
  std::string postgres;
  std::string sqlite;
  std::string user;

  void add_to(CLI::App* command, bool needs_user) {
    auto* pg = command->add_option("--postgres", postgres,
                                   "PostgreSQL URL; its login is who acts, e.g. postgresql://alice@db:5432/verdict");
    auto* file = command->add_option("--sqlite", sqlite, "embedded SQLite file (the daemon's verdict-data/verdict.db)")
                     ->check(CLI::ExistingFile);  // a mistyped path must not become a new, empty store
    pg->excludes(file);
    if (needs_user) command->add_option("--user", user, "who acts, with --sqlite (default: $USER)");
  }

  /// A usage problem, or "" when the options make sense.
  std::string problem(const std::string& command, bool needs_user) {
    if (postgres.empty() && sqlite.empty()) return "verdict " + command + ": give --postgres URL or --sqlite FILE";
    if (needs_user && !sqlite.empty() && user.empty()) {
      if (const char* login = std::getenv("USER")) user = login;
      if (user.empty()) return "verdict " + command + ": give --user NAME with --sqlite";
    }
    return {};
  }

  expected<std::unique_ptr<store::ApprovalStore>, store::StoreError> approvals() const {
    if (!postgres.empty()) return store::open_postgres_approvals(postgres);
    return store::open_sqlite_approvals(sqlite, user);
  }
  expected<std::unique_ptr<store::ComplianceStore>, store::StoreError> compliance() const {
    if (!postgres.empty()) return store::open_postgres_compliance(postgres);
    return store::open_sqlite_compliance(sqlite);
  }
  expected<std::unique_ptr<store::ChartStore>, store::StoreError> charts() const {
    if (!postgres.empty()) return store::open_postgres_charts(postgres);
    return store::open_sqlite_charts(sqlite);
  }
};

struct StudioCommands::Args {
  CLI::App* request_cmd = nullptr;
  CLI::App* approve_cmd = nullptr;
  CLI::App* reject_cmd = nullptr;
  CLI::App* approvals_cmd = nullptr;
  CLI::App* grant_cmd = nullptr;
  CLI::App* history_cmd = nullptr;
  CLI::App* lookup_cmd = nullptr;
  CLI::App* replay_cmd = nullptr;
  CLI::App* export_cmd = nullptr;
  CLI::App* publish_cmd = nullptr;

  Connection publish_conn;
  std::string brokers, policy_topic = "verdict.policies", fleet_topic = "verdict.fleet";
  Connection request_conn, decide_conn, approvals_conn, history_conn, lookup_conn, replay_conn, export_conn;

  std::string policy_file, comment;
  int base_version = -1;  // -1: the latest published version of the policy
  bool fast_track = false;

  std::int64_t request_id = 0;
  std::string decision_comment;

  std::string status_filter, policy_filter;
  bool pending_after_the_fact = false;

  std::string grant_file, grant_user, grant_role, granted_by;

  std::string history_policy;
  std::vector<int> diff_versions;
  bool json_output = false;

  std::string decision_id;
  std::string last_name, date_of_birth, postcode, house_number, identifier_key, customer_key;

  std::string replay_policy_file, replay_draft_file;

  std::string from, to, channel, outcome, out_file;
  std::string chart, granularity = "day", product;
  std::size_t limit = 20;
};

namespace {

int print_store_error(const std::string& command, const store::StoreError& e, std::ostream& err) {
  err << "verdict " << command << ": " << e.message << "\n";
  return exit_input_error;
}

/// "2026-12-01", "2026-12-01T10:00", "2026-12-01T10:00:00Z" (UTC) as epoch milliseconds.
std::optional<std::int64_t> parse_instant(const std::string& text) {
  if (text.size() < 10) return std::nullopt;
  const auto date = parse_iso_date(std::string_view(text).substr(0, 10));
  if (!date) return std::nullopt;
  std::int64_t seconds = static_cast<std::int64_t>(date->days) * 86'400;
  std::string_view rest = std::string_view(text).substr(10);
  if (!rest.empty()) {
    if (rest.front() != 'T' && rest.front() != ' ') return std::nullopt;
    rest.remove_prefix(1);
    if (rest.ends_with('Z')) rest.remove_suffix(1);
    int parts[3] = {0, 0, 0};
    int count = 0;
    while (!rest.empty() && count < 3) {
      if (rest.size() < 2 || !std::isdigit(static_cast<unsigned char>(rest[0])) ||
          !std::isdigit(static_cast<unsigned char>(rest[1])))
        return std::nullopt;
      parts[count++] = (rest[0] - '0') * 10 + (rest[1] - '0');
      rest.remove_prefix(2);
      if (!rest.empty()) {
        if (rest.front() != ':') return std::nullopt;
        rest.remove_prefix(1);
      }
    }
    if (!rest.empty() || count < 2 || parts[0] > 23 || parts[1] > 59 || parts[2] > 59) return std::nullopt;
    seconds += parts[0] * 3'600 + parts[1] * 60 + parts[2];
  }
  return seconds * 1000;
}

/// The stored decision as an analyst reads it: outcome, the rules that fired with their values.
void print_decision(const store::DecisionRecord& r, std::ostream& out) {
  out << "Decision " << r.decision_id << "\n"
      << "  received   " << store::iso_utc_ms(r.received_at_ms) << " in " << r.elapsed_ms << " ms\n"
      << "  application " << r.application_id << ", channel " << r.channel << ", shop " << r.shop_id << "\n"
      << "  policy     " << r.policy_name << " v" << r.policy_version << " (" << r.policy_hash << ")\n"
      << "  outcome    " << r.outcome << "\n";
  const json decision = json::parse(r.decision_json, nullptr, false);
  const json reasons = decision.is_object() ? decision.value("reasons", json::array()) : json::array();
  if (reasons.empty()) out << "  No rule fired.\n";
  for (const auto& reason : reasons) {
    out << "  - [" << reason.value("outcome", "") << "] " << reason.value("rule_id", "") << " ("
        << reason.value("reason_code", "") << ")\n";
    if (const auto values = reason.find("values"); values != reason.end()) {
      if (values->is_object())
        for (const auto& [path, value] : values->items()) out << "      " << path << " = " << value.dump() << "\n";
      else if (values->is_array())
        for (const auto& pair : *values) out << "      " << pair.dump() << "\n";
    }
    if (reason.contains("message") && !reason["message"].get<std::string>().empty())
      out << "      klant: " << reason["message"].get<std::string>() << "\n";
  }
  out << "  Provider calls:";
  if (r.provider_calls.empty()) out << " none";
  out << "\n";
  for (const auto& c : r.provider_calls) {
    out << "    " << c.provider << ": " << c.status << ", " << c.latency_ms << " ms" << (c.cached ? ", cached" : "");
    if (!c.error.empty()) out << " (" << c.error << ")";
    out << "\n";
  }
}

void print_replay(const std::string& heading, const compliance::ReplayResult& result, std::ostream& out) {
  out << heading << ": " << result.summary() << "\n";
  out << "  outcome stored " << result.stored.value("outcome", "?") << ", replayed " << result.replayed.value("outcome", "?")
      << "\n";
  for (const auto& d : result.differences) out << "  " << d << "\n";
}

/// The newest published version of `name`, 0 when there is none.
expected<int, store::StoreError> latest_version(store::ComplianceStore& compliance, const std::string& name) {
  auto history = compliance.history(name);
  if (!history) return unexpected(history.error());
  return history->empty() ? 0 : history->front().version;
}

/// Production publishing: `verdict publish` (record in policy_versions, produce the release to the
/// policy topic) on the request's document, with the request's author, approver and comment.
class RolloutPublisher final : public store::PolicyPublisher {
 public:
  RolloutPublisher(PublishArgs args, std::ostream& out) : args_(std::move(args)), out_(out) {}

  expected<int, store::StoreError> publish(const store::ApprovalRequest& request) override {
    auto version = store::document_version(request);
    if (!version) return unexpected(version.error());
    // `verdict publish` reads a policy file; the request's document goes there, readable by us only.
    const auto file = std::filesystem::temp_directory_path() /
                      ("verdict-request-" + std::to_string(request.id) + "-" + std::to_string(::getpid()) + ".json");
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
      out << request.document;
      if (!out) return unexpected(store::StoreError{"cannot write " + file.string(), false});
    }
    PublishArgs args = args_;
    args.policy = file.string();
    args.author = request.author;
    args.approver = store::recorded_approver(request);
    args.comment = request.comment;
    std::ostringstream said, complained;
    const int code = cli::publish(args, said, complained);
    std::error_code ignored;
    std::filesystem::remove(file, ignored);
    out_ << said.str();
    if (code != exit_ok) {
      std::string message = complained.str();
      while (!message.empty() && message.back() == '\n') message.pop_back();
      return unexpected(store::StoreError{message, false});
    }
    return *version;
  }

 private:
  PublishArgs args_;
  std::ostream& out_;
};

}  // namespace

StudioCommands::StudioCommands(CLI::App& app) : args_(std::make_unique<Args>()) {
  Args& a = *args_;

  a.request_cmd = app.add_subcommand("request-approval", "Submit a draft policy for four-eyes approval");
  a.request_cmd->add_option("--policy,-p", a.policy_file, "the draft policy file")->required()->check(CLI::ExistingFile);
  a.request_cmd->add_option("--comment,-m", a.comment, "what the change does and why (mandatory)")->required();
  a.request_cmd->add_option("--base-version", a.base_version, "the live version it changes (default: the latest published)");
  a.request_cmd->add_flag("--fast-track", a.fast_track,
                          "a fraud quick action (blocklist or threshold), publishable before approval when allowed");
  a.request_conn.add_to(a.request_cmd, true);

  a.approve_cmd = app.add_subcommand("approve", "Approve someone else's approval request, with a comment");
  a.reject_cmd = app.add_subcommand("reject", "Reject an approval request, with a comment");
  for (CLI::App* command : {a.approve_cmd, a.reject_cmd}) {
    command->add_option("REQUEST", a.request_id, "the approval request's id")->required();
    command->add_option("--comment,-m", a.decision_comment, "why (mandatory)")->required();
    a.decide_conn.add_to(command, true);
  }

  a.publish_cmd = app.add_subcommand(
      "publish-approved",
      "Publish an approved request (or a fast-track one, when allowed): record the version, roll it out, mark it published");
  a.publish_cmd->add_option("REQUEST", a.request_id, "the approval request's id")->required();
  a.publish_cmd->add_option("--brokers", a.brokers, "Kafka brokers, with --postgres (default $VERDICT_KAFKA_BROKERS or 127.0.0.1:9092)");
  a.publish_cmd->add_option("--topic", a.policy_topic, "policy topic (default verdict.policies)");
  a.publish_cmd->add_option("--fleet-topic", a.fleet_topic, "fleet-status topic (default verdict.fleet)");
  a.publish_conn.add_to(a.publish_cmd, true);

  a.approvals_cmd = app.add_subcommand("approvals", "List approval requests, newest first");
  a.approvals_cmd->add_option("--status", a.status_filter, "awaiting_approval, approved, rejected or published")
      ->check(CLI::IsMember({"awaiting_approval", "approved", "rejected", "published"}));
  a.approvals_cmd->add_option("--policy-name", a.policy_filter, "only this policy");
  a.approvals_cmd->add_flag("--pending-after-the-fact", a.pending_after_the_fact,
                            "only fast-track changes published before anyone approved them");
  a.approvals_conn.add_to(a.approvals_cmd, true);

  a.grant_cmd = app.add_subcommand("grant-role",
                                   "Embedded store only: give a user a role (on PostgreSQL: GRANT verdict_<role> TO login)");
  a.grant_cmd->add_option("--sqlite", a.grant_file, "embedded SQLite file")->required();
  a.grant_cmd->add_option("--user", a.grant_user, "who gets the role")->required();
  a.grant_cmd->add_option("--role", a.grant_role, "analyst, approver, fraud or compliance")
      ->required()
      ->check(CLI::IsMember({"analyst", "approver", "fraud", "compliance"}));
  a.grant_cmd->add_option("--granted-by", a.granted_by, "who grants it (recorded in the audit log)")->required();

  a.history_cmd = app.add_subcommand("history", "Published versions of a policy: who wrote, who approved, why, when");
  a.history_cmd->add_option("--policy-name", a.history_policy, "e.g. consumer-nl")->required();
  a.history_cmd->add_option("--diff", a.diff_versions, "show what changed between two versions: --diff 3 5")
      ->expected(2);
  a.history_cmd->add_flag("--json", a.json_output, "print JSON");
  a.history_conn.add_to(a.history_cmd, false);

  a.lookup_cmd = app.add_subcommand(
      "lookup", "Find a stored decision by id, or an applicant's decisions by their (hashed) identifiers");
  auto* by_id = a.lookup_cmd->add_option("--decision", a.decision_id, "decision id");
  auto* by_key = a.lookup_cmd->add_option("--customer-key", a.customer_key, "the stored customer key (an HMAC)");
  auto* by_name = a.lookup_cmd->add_option("--last-name", a.last_name, "applicant identifiers, hashed here, never sent");
  a.lookup_cmd->add_option("--date-of-birth", a.date_of_birth, "YYYY-MM-DD");
  a.lookup_cmd->add_option("--postcode", a.postcode, "e.g. 3511AB");
  a.lookup_cmd->add_option("--house-number", a.house_number, "e.g. 12");
  a.lookup_cmd->add_option("--identifier-key", a.identifier_key, "the daemon's identifier_key (default: $VERDICT_IDENTIFIER_KEY)");
  by_id->excludes(by_key)->excludes(by_name);
  by_key->excludes(by_name);
  a.lookup_cmd->add_flag("--json", a.json_output, "print JSON");
  a.lookup_conn.add_to(a.lookup_cmd, false);

  a.replay_cmd = app.add_subcommand(
      "replay", "Replay a stored decision under the policy version it was made with (and optionally a draft)");
  a.replay_cmd->add_option("--decision", a.decision_id, "decision id")->required();
  a.replay_cmd->add_option("--policy", a.replay_policy_file,
                           "the policy file it was made with, when the store has no such version (embedded mode)")
      ->check(CLI::ExistingFile);
  a.replay_cmd->add_option("--draft", a.replay_draft_file, "also replay under this draft")->check(CLI::ExistingFile);
  a.replay_cmd->add_flag("--json", a.json_output, "print JSON");
  a.replay_conn.add_to(a.replay_cmd, false);

  a.export_cmd = app.add_subcommand("export", "Export decisions of a timeframe, or a chart's aggregates, as CSV");
  a.export_cmd->add_option("--from", a.from, "start, UTC: 2026-12-01 or 2026-12-01T10:00:00Z (inclusive)")->required();
  a.export_cmd->add_option("--to", a.to, "end, UTC (exclusive)")->required();
  a.export_cmd->add_option("--channel", a.channel, "only this channel");
  a.export_cmd->add_option("--outcome", a.outcome, "only this outcome")
      ->check(CLI::IsMember({"ACCEPT", "ACCEPT_SIM_ONLY", "REFER", "REJECT"}));
  a.export_cmd->add_option("--out,-o", a.out_file, "write here instead of standard output");
  a.export_cmd->add_option("--chart", a.chart, "a chart's data instead of decisions: acceptance, volume, reasons, latency, providers, reviews")
      ->check(CLI::IsMember({"acceptance", "volume", "reasons", "latency", "providers", "reviews"}));
  a.export_cmd->add_option("--granularity", a.granularity, "hour, day (default) or week, in UTC")
      ->check(CLI::IsMember({"hour", "day", "week"}));
  a.export_cmd->add_option("--product", a.product, "only this product (sim_only, device), for acceptance, volume, reasons");
  a.export_cmd->add_option("--limit", a.limit, "reason codes to list (default 20)");
  a.export_conn.add_to(a.export_cmd, false);
}

StudioCommands::~StudioCommands() = default;

std::optional<int> StudioCommands::run(std::ostream& out, std::ostream& err) {
  Args& a = *args_;
  auto usage = [&](const std::string& problem) {
    err << problem << "\n";
    return exit_usage;
  };
  auto fail = [&](const auto&... parts) {
    ((err << parts), ...);
    return exit_input_error;
  };

  if (*a.request_cmd) {
    if (auto p = a.request_conn.problem("request-approval", true); !p.empty()) return usage(p);
    auto policy = files::load_policy(a.policy_file);
    if (!policy) {
      for (const auto& d : policy.error()) err << d.to_string() << "\n";
      return exit_input_error;
    }
    const PolicyDocument& doc = (*policy)->document();
    auto approvals = a.request_conn.approvals();
    if (!approvals) return print_store_error("request-approval", approvals.error(), err);
    int base = a.base_version;
    if (base < 0) {
      auto compliance = a.request_conn.compliance();
      if (!compliance) return print_store_error("request-approval", compliance.error(), err);
      auto latest = latest_version(**compliance, doc.name);
      if (!latest) return print_store_error("request-approval", latest.error(), err);
      base = *latest;
    }
    store::NewApprovalRequest request{doc.name, base, encode(doc).dump(), (*policy)->content_hash(), a.comment,
                                      a.fast_track ? store::RequestKind::FastTrack : store::RequestKind::Standard};
    auto id = (*approvals)->submit(request);
    if (!id) return print_store_error("request-approval", id.error(), err);
    out << "approval request " << *id << ": " << doc.name << " (changes v" << base << ", " << request.content_hash
        << ") submitted by " << (*approvals)->identity() << ", awaiting approval\n";
    return exit_ok;
  }

  if (*a.approve_cmd || *a.reject_cmd) {
    const bool approve = a.approve_cmd->parsed();
    const std::string name = approve ? "approve" : "reject";
    if (auto p = a.decide_conn.problem(name, true); !p.empty()) return usage(p);
    auto approvals = a.decide_conn.approvals();
    if (!approvals) return print_store_error(name, approvals.error(), err);
    auto done = approve ? (*approvals)->approve(a.request_id, a.decision_comment)
                        : (*approvals)->reject(a.request_id, a.decision_comment);
    if (!done) return print_store_error(name, done.error(), err);
    auto request = (*approvals)->find(a.request_id);
    out << "approval request " << a.request_id << (approve ? " approved" : " rejected") << " by "
        << (*approvals)->identity();
    if (request && *request) out << ": " << (*request)->status_text();
    out << "\n";
    return exit_ok;
  }

  if (*a.publish_cmd) {
    if (auto p = a.publish_conn.problem("publish-approved", true); !p.empty()) return usage(p);
    auto approvals = a.publish_conn.approvals();
    if (!approvals) return print_store_error("publish-approved", approvals.error(), err);
    std::unique_ptr<store::PolicyPublisher> publisher;
    std::unique_ptr<store::PolicyVersionStore> versions;
    if (!a.publish_conn.postgres.empty()) {
      publisher = std::make_unique<RolloutPublisher>(
          PublishArgs{{}, {}, {}, {}, a.brokers, a.publish_conn.postgres, a.policy_topic, a.fleet_topic}, out);
    } else {
      auto opened = store::open_sqlite_policy_versions(a.publish_conn.sqlite);
      if (!opened) return print_store_error("publish-approved", opened.error(), err);
      versions = std::move(*opened);
      publisher = std::make_unique<store::VersionStorePublisher>(*versions);
    }
    auto published = store::publish_request(**approvals, *publisher, a.request_id);
    if (!published) return print_store_error("publish-approved", published.error(), err);
    out << "approval request " << a.request_id << ": " << published->policy_name << " v" << published->published_version
        << " " << published->status_text() << " by " << published->published_by << "\n";
    return exit_ok;
  }

  if (*a.approvals_cmd) {
    if (auto p = a.approvals_conn.problem("approvals", true); !p.empty()) return usage(p);
    auto approvals = a.approvals_conn.approvals();
    if (!approvals) return print_store_error("approvals", approvals.error(), err);
    store::RequestFilter filter{store::status_from_string(a.status_filter), a.policy_filter, a.pending_after_the_fact};
    auto list = (*approvals)->list(filter);
    if (!list) return print_store_error("approvals", list.error(), err);
    if (list->empty()) out << "no approval requests\n";
    for (const auto& r : *list) {
      out << "#" << r.id << "  " << r.policy_name << " (changes v" << r.base_version << ")  " << r.status_text()
          << "  by " << r.author << " at " << store::iso_utc_ms(r.submitted_at_ms) << "\n      " << r.comment << "\n";
      if (r.decision)
        out << "      " << (r.decision->approved ? "approved" : "rejected") << " by " << r.decision->by << ": "
            << r.decision->comment << "\n";
      if (r.status == store::RequestStatus::Published)
        out << "      published as v" << r.published_version << " by " << r.published_by << "\n";
    }
    return exit_ok;
  }

  if (*a.grant_cmd) {
    auto granted = store::grant_sqlite_role(a.grant_file, a.grant_user, *store::role_from_string(a.grant_role), a.granted_by);
    if (!granted) return print_store_error("grant-role", granted.error(), err);
    out << a.grant_user << " has the role " << a.grant_role << "\n";
    return exit_ok;
  }

  if (*a.history_cmd) {
    if (auto p = a.history_conn.problem("history", false); !p.empty()) return usage(p);
    auto compliance = a.history_conn.compliance();
    if (!compliance) return print_store_error("history", compliance.error(), err);
    if (a.diff_versions.size() == 2) {
      std::vector<PolicyDocument> documents;
      for (int version : a.diff_versions) {
        auto text = (*compliance)->version_document(a.history_policy, version);
        if (!text) return print_store_error("history", text.error(), err);
        if (!*text) {
          err << "verdict history: " << a.history_policy << " v" << version << " was never published\n";
          return exit_input_error;
        }
        auto doc = decode_policy(json::parse(**text));
        if (!doc) {
          err << "verdict history: stored " << a.history_policy << " v" << version
              << " does not decode: " << doc.error().summary() << "\n";
          return exit_input_error;
        }
        documents.push_back(std::move(*doc));
      }
      const json diff = diff_policies(documents[0], documents[1]);
      if (a.json_output) out << diff.dump(2) << "\n";
      else out << a.history_policy << " v" << a.diff_versions[0] << " -> v" << a.diff_versions[1] << ":\n" << render_diff(diff);
      return exit_ok;
    }
    auto history = (*compliance)->history(a.history_policy);
    if (!history) return print_store_error("history", history.error(), err);
    if (a.json_output) {
      json rows = json::array();
      for (const auto& e : *history)
        rows.push_back({{"version", e.version},           {"content_hash", e.content_hash},
                        {"author", e.author},             {"approver", e.approver},
                        {"comment", e.comment},           {"published_at", store::iso_utc_ms(e.published_at_ms)},
                        {"approval_request", e.request_id}, {"approval_comment", e.approval_comment},
                        {"kind", e.kind},                 {"status", e.status}});
      out << rows.dump(2) << "\n";
      return exit_ok;
    }
    if (history->empty()) out << "no published versions of " << a.history_policy << "\n";
    for (const auto& e : *history) {
      out << "v" << e.version << "  " << store::iso_utc_ms(e.published_at_ms) << "  by " << e.author << ", approved by "
          << e.approver << "  " << e.status << "\n      " << e.comment << "\n";
      if (!e.approval_comment.empty()) out << "      approval: " << e.approval_comment << "\n";
    }
    return exit_ok;
  }

  if (*a.lookup_cmd) {
    if (auto p = a.lookup_conn.problem("lookup", false); !p.empty()) return usage(p);
    auto compliance = a.lookup_conn.compliance();
    if (!compliance) return print_store_error("lookup", compliance.error(), err);
    if (!a.decision_id.empty()) {
      auto record = (*compliance)->decision(a.decision_id);
      if (!record) return print_store_error("lookup", record.error(), err);
      if (!*record) {
        err << "verdict lookup: no decision " << a.decision_id << "\n";
        return exit_input_error;
      }
      if (a.json_output)
        out << json{{"decision_id", (*record)->decision_id},
                    {"case", json::parse((*record)->case_json)},
                    {"decision", json::parse((*record)->decision_json)}}
                   .dump(2)
            << "\n";
      else print_decision(**record, out);
      return exit_ok;
    }
    std::string key = a.customer_key;
    if (key.empty()) {
      if (a.last_name.empty() || a.date_of_birth.empty() || a.postcode.empty() || a.house_number.empty())
        return usage("verdict lookup: give --decision ID, --customer-key KEY, or all of --last-name, --date-of-birth, "
                     "--postcode and --house-number");
      if (a.identifier_key.empty())
        if (const char* k = std::getenv("VERDICT_IDENTIFIER_KEY")) a.identifier_key = k;
      if (a.identifier_key.empty())
        return usage("verdict lookup: give --identifier-key (the daemon's identifier_key) or set VERDICT_IDENTIFIER_KEY");
      key = crypto::customer_key(a.identifier_key, {a.last_name, a.date_of_birth, a.postcode, a.house_number});
    }
    auto decisions = (*compliance)->decisions_by_customer(key);
    if (!decisions) return print_store_error("lookup", decisions.error(), err);
    if (decisions->empty()) out << "no decisions for customer key " << key << "\n";
    for (const auto& d : *decisions)
      out << d.decision_id << "  " << store::iso_utc_ms(d.received_at_ms) << "  " << d.outcome << "  " << d.channel << "  "
          << d.application_id << "  " << d.policy_name << " v" << d.policy_version << "\n";
    return exit_ok;
  }

  if (*a.replay_cmd) {
    if (auto p = a.replay_conn.problem("replay", false); !p.empty()) return usage(p);
    auto compliance = a.replay_conn.compliance();
    if (!compliance) return print_store_error("replay", compliance.error(), err);
    auto record = (*compliance)->decision(a.decision_id);
    if (!record) return print_store_error("replay", record.error(), err);
    if (!*record) {
      err << "verdict replay: no decision " << a.decision_id << "\n";
      return exit_input_error;
    }
    const store::DecisionRecord& r = **record;
    std::string policy_text;
    if (!a.replay_policy_file.empty()) {
      auto text = files::read_text(a.replay_policy_file);
      if (!text) return fail("verdict replay: ", text.error(), "\n");
      policy_text = std::move(*text);
    } else {
      auto stored = (*compliance)->version_document(r.policy_name, r.policy_version);
      if (!stored) return print_store_error("replay", stored.error(), err);
      if (!*stored) {
        err << "verdict replay: " << r.policy_name << " v" << r.policy_version
            << " is not in the store's policy history; give the policy file it was made with (--policy FILE)\n";
        return exit_input_error;
      }
      policy_text = std::move(**stored);
    }
    auto original = compliance::replay(r, policy_text);
    if (!original) return fail("verdict replay: ", original.error(), "\n");
    std::optional<compliance::ReplayResult> draft;
    if (!a.replay_draft_file.empty()) {
      auto text = files::read_text(a.replay_draft_file);
      if (!text) return fail("verdict replay: ", text.error(), "\n");
      auto replayed = compliance::replay(r, *text);
      if (!replayed) return fail("verdict replay: draft: ", replayed.error(), "\n");
      draft = std::move(*replayed);
    }
    if (a.json_output) {
      auto as_json = [](const compliance::ReplayResult& x) {
        return json{{"policy", x.policy_name},         {"version", x.policy_version}, {"hash", x.policy_hash},
                    {"same_policy", x.same_policy},    {"reproduced", x.reproduced},  {"summary", x.summary()},
                    {"differences", x.differences},    {"replayed_outcome", x.replayed.value("outcome", "")}};
      };
      json body = {{"decision_id", r.decision_id}, {"stored_outcome", r.outcome}, {"original", as_json(*original)}};
      if (draft) body["draft"] = as_json(*draft);
      out << body.dump(2) << "\n";
    } else {
      out << "Decision " << r.decision_id << " (" << r.outcome << ", " << r.policy_name << " v" << r.policy_version << ")\n";
      if (!original->same_policy)
        out << "  note: the policy given is " << original->policy_name << " v" << original->policy_version << " ("
            << original->policy_hash << "), the decision was made with " << r.policy_hash << "\n";
      print_replay("Under the version it was made with", *original, out);
      if (draft) print_replay("Under the draft", *draft, out);
    }
    return original->reproduced && original->same_policy ? exit_ok : exit_input_error;
  }

  if (*a.export_cmd) {
    if (auto p = a.export_conn.problem("export", false); !p.empty()) return usage(p);
    const auto from = parse_instant(a.from);
    const auto to = parse_instant(a.to);
    if (!from) return usage("verdict export: --from " + a.from + " is not a UTC date or time like 2026-12-01T10:00:00Z");
    if (!to) return usage("verdict export: --to " + a.to + " is not a UTC date or time like 2026-12-01T10:00:00Z");
    if (*to <= *from) return usage("verdict export: --to must be after --from");
    // Writes `rows` as CSV to the file or standard output.
    auto write = [&](const auto& rows, const char* what) {
      if (a.out_file.empty()) {
        store::write_csv(out, rows);
        return exit_ok;
      }
      std::ofstream file(a.out_file, std::ios::binary);
      store::write_csv(file, rows);
      if (!file) return fail("verdict export: cannot write ", a.out_file, "\n");
      out << rows.size() << " " << what << " written to " << a.out_file << "\n";
      return exit_ok;
    };
    if (!a.chart.empty()) {
      auto charts = a.export_conn.charts();
      if (!charts) return print_store_error("export", charts.error(), err);
      const store::ChartQuery query{*from, *to, *store::granularity_from_string(a.granularity), a.channel, a.product};
      auto export_chart = [&](auto result, const char* what) {
        if (!result) return print_store_error("export", result.error(), err);
        return write(*result, what);
      };
      if (a.chart == "acceptance") return export_chart((*charts)->acceptance(query), "rows");
      if (a.chart == "volume") return export_chart((*charts)->volume(query), "rows");
      if (a.chart == "reasons") return export_chart((*charts)->top_reasons(query, a.limit), "reason codes");
      if (a.chart == "latency") return export_chart((*charts)->provider_latency(query), "rows");
      if (a.chart == "reviews") return export_chart((*charts)->reviews(query), "rows");
      return export_chart((*charts)->provider_health(query), "rows");
    }
    auto compliance = a.export_conn.compliance();
    if (!compliance) return print_store_error("export", compliance.error(), err);
    store::DecisionQuery query{*from, *to, a.channel, a.outcome};
    auto decisions = (*compliance)->decisions(query);
    if (!decisions) return print_store_error("export", decisions.error(), err);
    return write(*decisions, "decisions");
  }
  return std::nullopt;
}

}  // namespace verdict::cli
