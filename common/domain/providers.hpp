#pragma once
// One normalised result per data provider. A provider that was asked and did not answer is
// `Unavailable`, never absent; one the plan did not call is `NotCalled`. Either way its fields are
// unknown to the policy.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/date.hpp"
#include "domain/money.hpp"
#include "domain/velocity.hpp"

namespace verdict {

enum class ProviderId : std::uint8_t { Bkr, Preventel, Bureau, Operator, IdCheck, IbanCheck, Address };
inline constexpr std::size_t provider_count = 7;
std::string_view to_string(ProviderId);
std::optional<ProviderId> provider_from_string(std::string_view);
const std::array<ProviderId, provider_count>& all_providers();

enum class ProviderStatus : std::uint8_t { NotCalled, Ok, Hit, NoHit, Unavailable };
std::string_view to_string(ProviderStatus);
std::optional<ProviderStatus> provider_status_from_string(std::string_view);
/// True when the provider answered, so its fields are known.
constexpr bool answered(ProviderStatus s) {
  return s == ProviderStatus::Ok || s == ProviderStatus::Hit || s == ProviderStatus::NoHit;
}

struct ProviderCall {
  ProviderStatus status = ProviderStatus::NotCalled;
  int latency_ms = 0;
  bool cached = false;
  std::string error;  // why it is unavailable (timeout, 503, circuit open); never personal data
};

struct BkrContract {
  std::string type;  // AK, RK, SR, PL, ...
  Cents amount = 0;
  Date opened;
  bool device = false;  // a telecom device credit
};

struct BkrResult : ProviderCall {
  std::vector<BkrContract> contracts;
  std::vector<std::string> codes;  // A, H, 1..5
};

struct PreventelResult : ProviderCall {
  int registrations = 0;
  Cents outstanding = 0;
};

struct BureauResult : ProviderCall {
  std::string bureau;  // focum, edr, ...: the bureau is pluggable
  int score = 0;       // 0..1000, higher is better
  std::string payment_behaviour;  // good, average, poor
};

struct OperatorResult : ProviderCall {
  int active_subscriptions = 0;
  Cents open_device_credit = 0;
  Cents arrears = 0;
  int arrears_days = 0;
  int write_offs = 0;
  int customer_months = 0;
};

struct IdCheckResult : ProviderCall {
  std::string document_status;  // valid, lost, stolen, expired, not_found
};

struct IbanCheckResult : ProviderCall {
  std::string name_match;  // match, close_match, no_match
  bool account_closed = false;
  bool business_account = false;
};

struct AddressResult : ProviderCall {
  bool exists = false;
  bool residential = false;
};

struct ProviderResults {
  BkrResult bkr;
  PreventelResult preventel;
  BureauResult bureau;
  OperatorResult operator_history;
  IdCheckResult id_check;
  IbanCheckResult iban_check;
  AddressResult address;
  VelocitySignals velocity;  // not a provider: Verdict's own counters (domain/velocity.hpp)

  const ProviderCall& call(ProviderId id) const;
  ProviderCall& call(ProviderId id);
};

/// One provider's answer on its own, alternative index = ProviderId: what an in-process cache keeps,
/// so that a hit costs a copy rather than a parse.
using ProviderAnswer =
    std::variant<BkrResult, PreventelResult, BureauResult, OperatorResult, IdCheckResult, IbanCheckResult, AddressResult>;
/// The part of `results` that belongs to `provider` (its call and its fields).
ProviderAnswer answer_of(ProviderId provider, const ProviderResults& results);
/// Puts `answer` in its provider's place in `into`, leaving the other providers alone.
void apply_answer(ProviderAnswer answer, ProviderResults& into);

}  // namespace verdict
