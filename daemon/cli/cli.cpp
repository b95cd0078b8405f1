#include "cli.hpp"

#include <CLI/CLI.hpp>
#include <ostream>

#include "commands.hpp"
#include "studio_commands.hpp"

namespace verdict::cli {

int run(int argc, char** argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"verdict — validate, evaluate, simulate and compare Verdict acceptance policies"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "verdict 0.1.0");

  std::vector<std::string> validate_paths;
  bool quiet = false;
  auto* validate_cmd = app.add_subcommand("validate", "Check and compile policies; errors as file:line:col: message");
  validate_cmd->add_option("POLICY", validate_paths, "policy JSON files")->required()->check(CLI::ExistingFile);
  validate_cmd->add_flag("-q,--quiet", quiet, "print only errors");

  std::string policy, application;
  std::string format = "json";
  auto* evaluate_cmd = app.add_subcommand("evaluate", "Decide one application and explain the decision");
  evaluate_cmd->add_option("--policy,-p", policy, "policy JSON file")->required()->check(CLI::ExistingFile);
  evaluate_cmd->add_option("--application,-a", application,
                           "application JSON, or a case {application, providers, velocity}")
      ->required()
      ->check(CLI::ExistingFile);
  evaluate_cmd->add_option("--format", format, "json (default) or text")->check(CLI::IsMember({"json", "text"}));

  SimulateArgs sim;
  auto* simulate_cmd = app.add_subcommand("simulate", "Run a policy over stored history, optionally against a baseline");
  simulate_cmd->add_option("--policy,-p", sim.policy, "draft policy")->required()->check(CLI::ExistingFile);
  simulate_cmd->add_option("--history,-H", sim.history, "history: .jsonl or binary .vhist")->required()->check(CLI::ExistingFile);
  simulate_cmd->add_option("--baseline,-b", sim.baseline, "live policy to compare with")->check(CLI::ExistingFile);
  simulate_cmd->add_option("--threads,-j", sim.threads, "worker threads (default: one per core)");
  simulate_cmd->add_option("--flipped-limit", sim.flipped_limit, "flipped application ids to list (default 100)");

  std::string before, after;
  bool diff_json = false;
  auto* diff_cmd = app.add_subcommand("diff", "Show what changed between two policies, rule by rule");
  diff_cmd->add_option("BEFORE", before, "the older policy")->required()->check(CLI::ExistingFile);
  diff_cmd->add_option("AFTER", after, "the newer policy")->required()->check(CLI::ExistingFile);
  diff_cmd->add_flag("--json", diff_json, "print the diff as JSON");

  GenerateArgs gen;
  auto* generate_cmd = app.add_subcommand("generate", "Write synthetic historical applications with provider results");
  generate_cmd->add_option("--count,-n", gen.count, "applications")->required()->check(CLI::Range(1ULL, 100'000'000ULL));
  generate_cmd->add_option("--seed,-s", gen.seed, "random seed (same seed, same history)");
  generate_cmd->add_option("--jsonl", gen.jsonl, "write JSON Lines here");
  generate_cmd->add_option("--binary", gen.binary, "write the binary .vhist form here");
  generate_cmd->add_option("--last-day", gen.last_day, "applications fall in the days up to this one (YYYY-MM-DD; default 2026-11-30)");
  generate_cmd->add_option("--days", gen.days, "over how many days (default 365)")->check(CLI::Range(1, 3650));

  ImportArgs imp;
  auto* import_cmd = app.add_subcommand(
      "import", "Decide archived applications (JSON Lines of cases) with a policy and store them as decisions, "
                "received on their application date");
  import_cmd->add_option("--history", imp.history, "JSON Lines of cases")->required()->check(CLI::ExistingFile);
  import_cmd->add_option("--policy", imp.policy, "the policy that decides them")->required()->check(CLI::ExistingFile);
  auto* import_sqlite = import_cmd->add_option("--sqlite", imp.sqlite, "the embedded store (created when missing)");
  auto* import_postgres = import_cmd->add_option("--postgres", imp.postgres, "PostgreSQL URL (migrated)");
  import_sqlite->excludes(import_postgres);
  import_cmd->add_option("--identifier-key", imp.identifier_key, "the daemons' identifier_key (default: $VERDICT_IDENTIFIER_KEY)");

  std::string jsonl_in, binary_out;
  auto* build_cmd = app.add_subcommand("build-history", "Convert JSON Lines history to the binary .vhist form");
  build_cmd->add_option("JSONL", jsonl_in, "input")->required()->check(CLI::ExistingFile);
  build_cmd->add_option("VHIST", binary_out, "output")->required();

  MigrateArgs mig;
  auto* migrate_cmd = app.add_subcommand("migrate", "Create or update the decision store schema (PostgreSQL or SQLite)");
  auto* migrate_postgres = migrate_cmd->add_option("--postgres", mig.postgres,
                                                   "PostgreSQL URL, e.g. postgresql://verdict@db:5432/verdict");
  auto* migrate_sqlite = migrate_cmd->add_option("--sqlite", mig.sqlite, "SQLite file (created when missing)");
  migrate_postgres->excludes(migrate_sqlite);
  migrate_cmd->add_option("--sql-dir", mig.sql_dir,
                          "migrations: sql/ or its postgres/ or sqlite/ folder (default: the copy built in)")
      ->check(CLI::ExistingDirectory);

  PublishArgs pub;
  auto* publish_cmd = app.add_subcommand(
      "publish", "Publish a policy version live: compile, four-eyes, record in PostgreSQL, produce to Kafka");
  publish_cmd->add_option("--policy,-p", pub.policy, "policy JSON file")->required()->check(CLI::ExistingFile);
  publish_cmd->add_option("--author", pub.author, "who wrote this version")->required();
  publish_cmd->add_option("--approver", pub.approver, "the second analyst who approved it (not the author)")->required();
  publish_cmd->add_option("--comment", pub.comment, "why this version")->required();
  publish_cmd->add_option("--brokers", pub.brokers, "Kafka brokers (default $VERDICT_KAFKA_BROKERS or 127.0.0.1:9092)");
  publish_cmd->add_option("--postgres", pub.postgres, "PostgreSQL URL (default $VERDICT_POSTGRES_URL)");
  publish_cmd->add_option("--topic", pub.policy_topic, "policy topic (default verdict.policies)");
  publish_cmd->add_option("--fleet-topic", pub.fleet_topic, "fleet-status topic (default verdict.fleet)");

  FleetArgs fl;
  auto* fleet_cmd = app.add_subcommand("fleet", "List the daemons: the policy version each runs, last seen, last refusal");
  fleet_cmd->add_option("--brokers", fl.brokers, "Kafka brokers (default $VERDICT_KAFKA_BROKERS or 127.0.0.1:9092)");
  fleet_cmd->add_option("--topic", fl.fleet_topic, "fleet-status topic (default verdict.fleet)");
  fleet_cmd->add_flag("--json", fl.json, "print JSON");

  StudioCommands studio(app);  // request-approval, approve, reject, history, lookup, replay, export, …
  ReviewArgs rev;
  auto* review_cmd = app.add_subcommand("review", "The human review queue: list, claim, release, decide, override");
  review_cmd->require_subcommand(1);
  auto store_options = [&rev](CLI::App* cmd) {
    auto* pg = cmd->add_option("--postgres", rev.postgres, "PostgreSQL URL of the decision store");
    auto* lite = cmd->add_option("--sqlite", rev.sqlite, "SQLite file of the decision store");
    pg->excludes(lite);
  };
  auto* review_list = review_cmd->add_subcommand("list", "Items oldest first");
  store_options(review_list);
  review_list->add_option("--status", rev.status, "pending, claimed or decided")
      ->check(CLI::IsMember({"pending", "claimed", "decided"}));
  review_list->add_option("--kind", rev.kind, "referral or override")->check(CLI::IsMember({"referral", "override"}));
  review_list->add_option("--shop", rev.shop_id, "only this shop");
  review_list->add_option("--claimed-by", rev.claimed_by, "only items this reviewer holds or held");
  review_list->add_option("--limit", rev.limit, "at most this many (default 100)")->check(CLI::Range(1, 10'000));
  review_list->add_flag("--json", rev.json, "one JSON object per line");
  std::vector<CLI::App*> review_actions;
  for (const char* action : {"claim", "release", "decide", "override"}) {
    auto* cmd = review_cmd->add_subcommand(action, std::string(action) == "override"
                                                       ? "Give a stored automated decision a new final outcome"
                                                       : std::string(action) + " a review item");
    store_options(cmd);
    cmd->add_option("DECISION_ID", rev.decision_id, "the decision")->required();
    cmd->add_option("--reviewer", rev.reviewer, "who acts (recorded in the audit log)")->required();
    if (std::string(action) == "decide" || std::string(action) == "override") {
      cmd->add_option("--outcome", rev.outcome, "ACCEPT, ACCEPT_SIM_ONLY or REJECT")->required();
      cmd->add_option("--reason", rev.reason, "why (mandatory, recorded in the audit log)")->required();
    }
    review_actions.push_back(cmd);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    // With a subcommand selected, App::help() prints that subcommand's help.
    out << app.help();
    return exit_ok;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help("", CLI::AppFormatMode::All);
    return exit_ok;
  } catch (const CLI::CallForVersion&) {
    out << "verdict 0.1.0\n";
    return exit_ok;
  } catch (const CLI::ParseError& e) {
    err << "verdict: " << e.what() << "\n";
    err << "Run 'verdict --help' for usage.\n";
    return exit_usage;
  }

  try {
    if (auto code = studio.run(out, err)) return *code;
    if (*validate_cmd) return cli::validate(validate_paths, quiet, out, err);
    if (*evaluate_cmd) return cli::evaluate(policy, application, format == "text" ? Format::Text : Format::Json, out, err);
    if (*simulate_cmd) return cli::simulate(sim, out, err);
    if (*diff_cmd) return cli::diff(before, after, diff_json, out, err);
    if (*generate_cmd) {
      if (gen.jsonl.empty() && gen.binary.empty()) {
        err << "verdict generate: give --jsonl PATH and/or --binary PATH\n";
        return exit_usage;
      }
      return cli::generate(gen, out, err);
    }
    if (*build_cmd) return cli::build_history(jsonl_in, binary_out, out, err);
    if (*import_cmd) {
      if (imp.sqlite.empty() == imp.postgres.empty()) {
        err << "verdict import: give --sqlite FILE or --postgres URL\n";
        return exit_usage;
      }
      if (imp.identifier_key.empty()) imp.identifier_key = std::getenv("VERDICT_IDENTIFIER_KEY") ? std::getenv("VERDICT_IDENTIFIER_KEY") : "";
      if (imp.identifier_key.empty()) {
        err << "verdict import: give --identifier-key or set VERDICT_IDENTIFIER_KEY (the stored customer keys use it)\n";
        return exit_usage;
      }
      return cli::import_history(imp, out, err);
    }
    if (*publish_cmd) return cli::publish(pub, out, err);
    if (*fleet_cmd) return cli::fleet(fl, out, err);
    if (*migrate_cmd) {
      if (mig.postgres.empty() && mig.sqlite.empty()) {
        err << "verdict migrate: give --postgres URL or --sqlite PATH\n";
        return exit_usage;
      }
      return cli::migrate(mig, out, err);
    }
    if (*review_cmd) {
      rev.action = *review_list ? "list" : "";
      for (auto* cmd : review_actions)
        if (*cmd) rev.action = cmd->get_name();
      return cli::review(rev, out, err);
    }
  } catch (const std::exception& e) {
    err << "verdict: " << e.what() << "\n";
    return exit_input_error;
  }
  return exit_usage;
}

}  // namespace verdict::cli
