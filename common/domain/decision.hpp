#pragma once
// What Verdict answers, with everything needed to explain and replay it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/money.hpp"
#include "domain/providers.hpp"

namespace verdict {

/// Ordered by precedence: the highest outcome among fired rules wins.
enum class Outcome : std::uint8_t { Accept = 0, Refer = 1, AcceptSimOnly = 2, Reject = 3 };
std::string_view to_string(Outcome);
std::optional<Outcome> outcome_from_string(std::string_view);
constexpr Outcome stronger(Outcome a, Outcome b) { return a < b ? b : a; }

struct Reason {
  std::string rule_id;
  std::string reason_code;
  Outcome outcome = Outcome::Refer;
  std::string message;  // Dutch, customer-facing, template filled in
  /// The fields and parameters the condition read, as path and JSON text, in source order.
  std::vector<std::pair<std::string, std::string>> values;
  /// Set when the rule fired because its condition was unknown: the paths that were missing.
  std::vector<std::string> missing;
};

struct CounterOffer {
  std::string id;
  std::string type;  // sim_only, down_payment, lower_device_price
  std::string description;
  std::optional<Cents> down_payment;      // total down payment asked
  std::optional<Cents> max_device_price;  // highest device price that fits
  std::optional<Cents> credit_amount;     // credit that remains
};

struct Affordability {
  bool computed = false;
  std::string norm_table;  // id of the dated norm table used
  Cents base_norm = 0;
  Cents loan_norm = 0;
  Cents capacity = 0;
  Cents monthly_instalment = 0;
  Cents shortfall = 0;
  Cents max_affordable_credit = 0;
};

struct ProviderSummary {
  ProviderId provider{};
  ProviderStatus status{};
  int latency_ms = 0;
  bool cached = false;
};

struct Decision {
  std::string application_id;
  Outcome outcome = Outcome::Accept;
  std::vector<Reason> reasons;
  /// Rules whose condition was unknown and whose on_unknown is `ignore`, kept for audit.
  std::vector<Reason> ignored_unknown;
  std::vector<CounterOffer> counter_offers;
  std::string policy_name;
  int policy_version = 0;
  std::string policy_hash;
  Affordability affordability;
  std::vector<ProviderSummary> providers;
};

}  // namespace verdict
