#include "commands.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>

#include "cli.hpp"
#include "domain/codec.hpp"
#include "files/history_files.hpp"
#include "files/policy_files.hpp"
#include "history/generator.hpp"
#include "policy/diff.hpp"
#include "policy/simulation.hpp"
#include "store/migrations.hpp"

namespace verdict::cli {

namespace {

void print(const files::FileDiagnostics& diagnostics, std::ostream& err) {
  for (const auto& d : diagnostics) err << d.to_string() << "\n";
}

std::string outcome_label(Outcome o) { return std::string(to_string(o)); }

void print_text_decision(const Decision& d, std::ostream& out) {
  out << "Decision for " << d.application_id << ": " << outcome_label(d.outcome) << "\n";
  out << "Policy " << d.policy_name << " v" << d.policy_version << " (" << d.policy_hash.substr(0, 19) << "…)\n";
  if (d.affordability.computed) {
    const auto& a = d.affordability;
    out << "Affordability (" << a.norm_table << "): loan norm " << format_euro_nl(a.loan_norm) << ", capacity "
        << format_euro_nl(a.capacity) << "/month, instalment " << format_euro_nl(a.monthly_instalment) << "/month";
    if (a.shortfall > 0) out << ", shortfall " << format_euro_nl(a.shortfall);
    out << "\n";
  }
  if (d.reasons.empty()) out << "No rule fired.\n";
  for (const auto& r : d.reasons) {
    out << "  - [" << outcome_label(r.outcome) << "] " << r.rule_id << " (" << r.reason_code << ")";
    if (!r.missing.empty()) {
      out << " — data missing:";
      for (const auto& m : r.missing) out << " " << m;
    }
    out << "\n";
    for (const auto& [path, value] : r.values) out << "      " << path << " = " << value << "\n";
    if (!r.message.empty()) out << "      klant: " << r.message << "\n";
  }
  for (const auto& r : d.ignored_unknown) out << "  (ignored, data missing) " << r.rule_id << "\n";
  for (const auto& o : d.counter_offers) {
    out << "  Counter-offer " << o.id << " (" << o.type << ")";
    if (o.down_payment) out << ": down payment " << format_euro_nl(*o.down_payment);
    if (o.max_device_price) out << ": device up to " << format_euro_nl(*o.max_device_price);
    if (o.credit_amount) out << ", credit " << format_euro_nl(*o.credit_amount);
    out << "\n";
  }
  out << "Providers:";
  for (const auto& p : d.providers) out << " " << to_string(p.provider) << "=" << to_string(p.status);
  out << "\n";
}

}  // namespace

int validate(const std::vector<std::string>& policies, bool quiet, std::ostream& out, std::ostream& err) {
  int rc = exit_ok;
  for (const auto& path : policies) {
    auto policy = files::load_policy(path);
    if (!policy) {
      print(policy.error(), err);
      err << path << ": " << policy.error().size() << " error" << (policy.error().size() == 1 ? "" : "s") << "\n";
      rc = exit_input_error;
      continue;
    }
    if (!quiet) {
      const auto& doc = (*policy)->document();
      const auto enabled = std::count_if(doc.rules.begin(), doc.rules.end(), [](const Rule& r) { return r.enabled; });
      out << path << ": ok — " << doc.name << " v" << doc.version << ", " << doc.rules.size() << " rules (" << enabled
          << " enabled), " << doc.parameters.size() << " parameters, " << doc.lists.size() << " lists, "
          << doc.norm_tables.size() << " norm tables, " << (*policy)->content_hash() << "\n";
    }
  }
  return rc;
}

int evaluate(const std::string& policy_path, const std::string& application_path, Format format, std::ostream& out,
             std::ostream& err) {
  auto policy = files::load_policy(policy_path);
  if (!policy) {
    print(policy.error(), err);
    return exit_input_error;
  }
  auto c = files::read_case(application_path);
  if (!c) {
    print(c.error(), err);
    return exit_input_error;
  }
  const Decision decision = (*policy)->explain(*c);
  if (format == Format::Text) print_text_decision(decision, out);
  else out << encode(decision).dump(2) << "\n";
  return exit_ok;
}

int simulate(const SimulateArgs& args, std::ostream& out, std::ostream& err) {
  auto draft = files::load_policy(args.policy);
  if (!draft) {
    print(draft.error(), err);
    return exit_input_error;
  }
  std::shared_ptr<const CompiledPolicy> baseline;
  if (!args.baseline.empty()) {
    auto b = files::load_policy(args.baseline);
    if (!b) {
      print(b.error(), err);
      return exit_input_error;
    }
    baseline = *b;
  }
  const auto load_start = std::chrono::steady_clock::now();
  auto history = files::load_history(args.history);
  if (!history) {
    err << history.error() << "\n";
    return exit_input_error;
  }
  const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  SimulationOptions options;
  options.threads = args.threads;
  options.flipped_limit = args.flipped_limit;
  const auto view = (*history)->view();
  const SimulationResult result = verdict::simulate(view, **draft, baseline.get(), options);
  auto json = to_json(result, view, **draft, baseline.get());
  json["performance"]["load_seconds"] = load_seconds;
  out << json.dump(2) << "\n";
  return exit_ok;
}

int diff(const std::string& before, const std::string& after, bool as_json, std::ostream& out, std::ostream& err) {
  auto a = files::read_policy_document(before);
  auto b = files::read_policy_document(after);
  if (!a || !b) {
    if (!a) print(a.error(), err);
    if (!b) print(b.error(), err);
    return exit_input_error;
  }
  const auto d = diff_policies(*a, *b);
  if (as_json) out << d.dump(2) << "\n";
  else out << render_diff(d);
  return exit_ok;
}

int generate(const GenerateArgs& args, std::ostream& out, std::ostream& err) {
  history::GeneratorOptions options;
  options.seed = args.seed;
  options.days = args.days;
  if (!args.last_day.empty()) {
    const auto last = parse_iso_date(args.last_day);
    if (!last) {
      err << "verdict generate: --last-day " << args.last_day << " is not a date (YYYY-MM-DD)\n";
      return exit_usage;
    }
    options.last_day = *last;
  }
  std::ofstream jsonl;
  if (!args.jsonl.empty()) {
    jsonl.open(args.jsonl, std::ios::binary | std::ios::trunc);
    if (!jsonl) {
      err << "cannot write " << args.jsonl << "\n";
      return exit_input_error;
    }
  }
  history::HistoryTable table;
  if (!args.binary.empty()) table.records.reserve(args.count);
  for (std::uint64_t i = 0; i < args.count; ++i) {
    const Case c = history::generate_case(options, i);
    if (jsonl.is_open()) jsonl << encode(c).dump() << '\n';
    if (!args.binary.empty()) table.add(c);
  }
  if (jsonl.is_open()) {
    jsonl.close();
    if (!jsonl) {
      err << "writing " << args.jsonl << " failed\n";
      return exit_input_error;
    }
    out << "wrote " << args.count << " applications to " << args.jsonl << "\n";
  }
  if (!args.binary.empty()) {
    if (auto written = files::write_history_binary(table, args.binary); !written) {
      err << written.error() << "\n";
      return exit_input_error;
    }
    out << "wrote " << args.count << " applications to " << args.binary << "\n";
  }
  return exit_ok;
}

int build_history(const std::string& jsonl, const std::string& binary, std::ostream& out, std::ostream& err) {
  auto table = files::read_history_jsonl(jsonl);
  if (!table) {
    err << table.error() << "\n";
    return exit_input_error;
  }
  if (auto written = files::write_history_binary(*table, binary); !written) {
    err << written.error() << "\n";
    return exit_input_error;
  }
  out << "wrote " << table->size() << " applications to " << binary << "\n";
  return exit_ok;
}

int migrate(const MigrateArgs& args, std::ostream& out, std::ostream& err) {
  const bool postgres = !args.postgres.empty();
  const char* backend = postgres ? "postgres" : "sqlite";
  // --sql-dir may name the sql/ folder of a source tree or the backend's own folder inside it.
  std::filesystem::path dir = args.sql_dir;
  if (!dir.empty() && std::filesystem::is_directory(dir / backend)) dir /= backend;
  auto applied = postgres ? store::migrate_postgres(args.postgres, dir) : store::migrate_sqlite(args.sqlite, dir);
  if (!applied) {
    err << "verdict migrate: " << applied.error().message << "\n";
    return exit_input_error;
  }
  // The URL is not echoed: it may carry a password.
  const std::string target = postgres ? "PostgreSQL" : args.sqlite;
  if (*applied == 0) out << target << ": schema up to date, no migration applied\n";
  else out << target << ": applied " << *applied << " migration" << (*applied == 1 ? "" : "s") << "\n";
  return exit_ok;
}

}  // namespace verdict::cli
