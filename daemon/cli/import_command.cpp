// verdict import: archived applications (cases with the provider results they had) decided by a
// policy and stored as decisions — the data migration from an earlier acceptance system, or a demo
// store with history behind it. Every stored decision goes through the DecisionStore, so the chart
// aggregates and the review queue follow as they do for live decisions.
//
// Deterministic, so importing a file twice stores it once: the decision id is derived from the
// application id (crypto::uuid_from_name), and the store ignores decisions it already has.
// The instant a decision is recorded as received is the application's date, at a time of day between
// 08:00 and 22:00 UTC taken from the same hash (an archive keeps the day, rarely the second).
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"
#include "crypto/hashing.hpp"
#include "domain/codec.hpp"
#include "files/policy_files.hpp"
#include "store/compliance_store.hpp"
#include "store/decision_store.hpp"
#include "store/record_codec.hpp"

namespace verdict::cli {

namespace {

constexpr std::int64_t day_ms = 86'400'000;

}  // namespace

int import_history(const ImportArgs& args, std::ostream& out, std::ostream& err) {
  auto policy = files::load_policy(args.policy);
  if (!policy) {
    for (const auto& d : policy.error()) err << d.to_string() << "\n";
    return exit_input_error;
  }
  std::ifstream in(args.history, std::ios::binary);
  if (!in) {
    err << "verdict import: cannot read " << args.history << "\n";
    return exit_input_error;
  }
  auto store = args.postgres.empty() ? store::open_sqlite(args.sqlite) : store::open_postgres(args.postgres);
  if (!store) {
    err << "verdict import: " << store.error().message << "\n";
    return exit_input_error;
  }

  std::vector<store::DecisionRecord> batch;
  std::size_t line_number = 0, imported = 0;
  std::array<std::size_t, 4> outcomes{};
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    if (auto written = (*store)->write(batch); !written) {
      err << "verdict import: " << written.error().message << "\n";
      return false;
    }
    batch.clear();
    return true;
  };
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto json = nlohmann::json::parse(line, nullptr, false);
    auto c = json.is_discarded() ? expected<Case, InputErrors>(unexpected(InputErrors{})) : decode_case(json);
    if (!c) {
      err << args.history << ":" << line_number << ": not a case";
      err << (json.is_discarded() ? std::string(" (not JSON)") : " (" + c.error().summary() + ")");
      err << "; nothing after it was imported\n";
      flush();
      return exit_input_error;
    }
    const Decision decision = (*policy)->explain(*c);
    const std::string digest = crypto::hmac_sha256_hex("verdict import", c->application.id);
    const std::int64_t seconds_in_day = static_cast<std::int64_t>(std::stoull(digest.substr(32, 8), nullptr, 16) % (14 * 3600));
    const std::string decision_id = crypto::uuid_from_name("verdict import", c->application.id);
    // The providers are asked concurrently: the slowest bounds the decision.
    int slowest = 0;
    for (ProviderId id : all_providers())
      if (c->providers.call(id).status != ProviderStatus::NotCalled) slowest = std::max(slowest, c->providers.call(id).latency_ms);
    const std::int64_t received_at_ms =
        static_cast<std::int64_t>(c->application.date.days) * day_ms + (8 * 3600 + seconds_in_day) * 1000;
    const DecisionStamp stamp{decision_id, store::iso_utc_ms(received_at_ms), slowest};
    const auto& a = c->application.applicant;
    const std::string born = format_iso_date(a.date_of_birth);
    store::DecisionRecord r = store::record_of(
        *c, decision, stamp, received_at_ms,
        crypto::customer_key(args.identifier_key, {a.last_name, born, a.address.postcode, a.address.house_number}));
    ++outcomes[static_cast<std::size_t>(decision.outcome)];
    batch.push_back(std::move(r));
    ++imported;
    if (batch.size() == 1'000 && !flush()) return exit_input_error;
  }
  if (!flush()) return exit_input_error;
  out << "imported " << imported << " decisions of " << (*policy)->document().name << " v" << (*policy)->document().version
      << ":";
  for (Outcome o : {Outcome::Accept, Outcome::AcceptSimOnly, Outcome::Refer, Outcome::Reject})
    out << " " << to_string(o) << " " << outcomes[static_cast<std::size_t>(o)];
  out << " (decisions already in the store are kept as they were)\n";
  return exit_ok;
}

}  // namespace verdict::cli
