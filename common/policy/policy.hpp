#pragma once
// The policy document as analysts edit it: parameters, named lists, VFN norm tables, the provider
// plan, rules and counter-offers. Plain data; `compile_policy` turns it into something that runs.
#include <array>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/application.hpp"
#include "domain/codec.hpp"
#include "domain/decision.hpp"
#include "lang/checker/checker.hpp"

namespace verdict {

struct Parameter {
  std::string name;
  lang::Constant value;
  std::string description;
};

struct NamedList {
  std::string name;
  std::string description;
  std::vector<std::string> items;
};

struct NormRow {
  Cents base_norm = 0;            // monthly
  int markup_basis_points = 0;    // 1900 = 19 %
};

/// VFN loan norms for the eight household types, valid from a date until the next table.
struct NormTable {
  std::string id;
  Date valid_from;
  std::array<NormRow, household_type_count> rows{};
};

struct ProviderPlanEntry {
  ProviderId provider{};
  std::string when = "true";  // expression over the application: call the provider when true or unknown
  int deadline_ms = 1000;
  int retries = 1;
  int cache_ttl_s = 0;
  bool required = false;      // if it should have been called and did not answer, never ACCEPT
};

struct Rule {
  std::string id;
  std::string description;
  std::string condition;
  Outcome outcome = Outcome::Refer;
  std::string reason_code;
  std::string message;  // Dutch customer message; {field.path} and {params.x} are filled in
  /// What an unknown condition means; nullopt = ignore (recorded, but no effect).
  std::optional<Outcome> on_unknown = Outcome::Refer;
  bool enabled = true;
  std::vector<std::string> tags;
  std::vector<std::string> counter_offers;  // ids, offered when this rule decides ACCEPT_SIM_ONLY
};

struct CounterOfferDef {
  std::string id;
  std::string type;  // sim_only, down_payment, lower_device_price
  std::string description;
  std::string target_credit;  // money expression: the credit the offer brings the order to
};

struct PolicyDocument {
  std::string name;
  int version = 1;
  std::string description;
  std::vector<Parameter> parameters;
  std::vector<NamedList> lists;
  std::vector<NormTable> norm_tables;
  std::vector<ProviderPlanEntry> provider_plan;
  /// The velocity counters the rules may read (and the daemon keeps): {"iban": ["24h"], ...}.
  VelocityDeclaration velocity;
  std::vector<Rule> rules;
  std::vector<CounterOfferDef> counter_offers;
};


expected<PolicyDocument, InputErrors> decode_policy(const nlohmann::json& json);
nlohmann::json encode(const PolicyDocument& policy);
/// The JSON of a parameter value, as it appears in the document.
nlohmann::json encode_constant(const lang::Constant& value);

}  // namespace verdict
