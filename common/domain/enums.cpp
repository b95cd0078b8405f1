// String forms of the domain enums: the spelling used in JSON, the policy language and logs.
#include <algorithm>
#include <type_traits>
#include <variant>

#include "domain/application.hpp"
#include "domain/decision.hpp"
#include "domain/providers.hpp"

namespace verdict {

namespace {
template <class Enum, std::size_t N>
std::optional<Enum> lookup(const std::array<std::string_view, N>& names, std::string_view text) {
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == text) return static_cast<Enum>(i);
  return std::nullopt;
}

constexpr std::array<std::string_view, 2> channel_names{"shop", "web"};
constexpr std::array<std::string_view, household_type_count> household_names{
    "single_rent",  "single_own",  "single_children_rent", "single_children_own",
    "couple_rent",  "couple_own",  "couple_children_rent", "couple_children_own"};
constexpr std::array<std::string_view, 2> product_names{"sim_only", "device"};
constexpr std::array<std::string_view, provider_count> provider_names{
    "bkr", "preventel", "bureau", "operator", "id_check", "iban_check", "address"};
constexpr std::array<std::string_view, 5> status_names{"not_called", "ok", "hit", "no_hit", "unavailable"};
constexpr std::array<std::string_view, 4> outcome_names{"ACCEPT", "REFER", "ACCEPT_SIM_ONLY", "REJECT"};
}  // namespace

std::string_view to_string(Channel v) { return channel_names[static_cast<std::size_t>(v)]; }
std::string_view to_string(HouseholdType v) { return household_names[static_cast<std::size_t>(v)]; }
std::string_view to_string(Product v) { return product_names[static_cast<std::size_t>(v)]; }
std::string_view to_string(ProviderId v) { return provider_names[static_cast<std::size_t>(v)]; }
std::string_view to_string(ProviderStatus v) { return status_names[static_cast<std::size_t>(v)]; }
std::string_view to_string(Outcome v) { return outcome_names[static_cast<std::size_t>(v)]; }

std::optional<Channel> channel_from_string(std::string_view s) { return lookup<Channel>(channel_names, s); }
std::optional<HouseholdType> household_type_from_string(std::string_view s) {
  return lookup<HouseholdType>(household_names, s);
}
std::optional<Product> product_from_string(std::string_view s) { return lookup<Product>(product_names, s); }
std::optional<ProviderId> provider_from_string(std::string_view s) { return lookup<ProviderId>(provider_names, s); }
std::optional<ProviderStatus> provider_status_from_string(std::string_view s) {
  return lookup<ProviderStatus>(status_names, s);
}
std::optional<Outcome> outcome_from_string(std::string_view s) { return lookup<Outcome>(outcome_names, s); }
const std::array<std::string_view, household_type_count>& household_type_names() { return household_names; }

const std::array<ProviderId, provider_count>& all_providers() {
  static constexpr std::array<ProviderId, provider_count> ids{
      ProviderId::Bkr,     ProviderId::Preventel, ProviderId::Bureau,  ProviderId::Operator,
      ProviderId::IdCheck, ProviderId::IbanCheck, ProviderId::Address};
  return ids;
}

const ProviderCall& ProviderResults::call(ProviderId id) const {
  switch (id) {
    case ProviderId::Bkr: return bkr;
    case ProviderId::Preventel: return preventel;
    case ProviderId::Bureau: return bureau;
    case ProviderId::Operator: return operator_history;
    case ProviderId::IdCheck: return id_check;
    case ProviderId::IbanCheck: return iban_check;
    case ProviderId::Address: return address;
  }
  return bkr;
}

ProviderCall& ProviderResults::call(ProviderId id) {
  return const_cast<ProviderCall&>(static_cast<const ProviderResults&>(*this).call(id));
}

ProviderAnswer answer_of(ProviderId provider, const ProviderResults& r) {
  switch (provider) {
    case ProviderId::Bkr: return r.bkr;
    case ProviderId::Preventel: return r.preventel;
    case ProviderId::Bureau: return r.bureau;
    case ProviderId::Operator: return r.operator_history;
    case ProviderId::IdCheck: return r.id_check;
    case ProviderId::IbanCheck: return r.iban_check;
    case ProviderId::Address: return r.address;
  }
  return r.bkr;
}

void apply_answer(ProviderAnswer answer, ProviderResults& into) {
  std::visit(
      [&into](auto&& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, BkrResult>) into.bkr = std::move(a);
        else if constexpr (std::is_same_v<T, PreventelResult>) into.preventel = std::move(a);
        else if constexpr (std::is_same_v<T, BureauResult>) into.bureau = std::move(a);
        else if constexpr (std::is_same_v<T, OperatorResult>) into.operator_history = std::move(a);
        else if constexpr (std::is_same_v<T, IdCheckResult>) into.id_check = std::move(a);
        else if constexpr (std::is_same_v<T, IbanCheckResult>) into.iban_check = std::move(a);
        else into.address = std::move(a);
      },
      std::move(answer));
}

bool iban_checksum_valid(std::string_view iban) {
  if (iban.size() < 15 || iban.size() > 34) return false;
  if (!std::all_of(iban.begin(), iban.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'); }))
    return false;
  if (iban[0] < 'A' || iban[1] < 'A' || iban[2] > '9' || iban[3] > '9') return false;
  // Move the first four characters to the end, letters become 10..35, then mod 97 == 1.
  unsigned remainder = 0;
  auto feed = [&](char c) {
    if (c >= 'A') {
      const unsigned v = static_cast<unsigned>(c - 'A' + 10);
      remainder = (remainder * 100 + v) % 97;
    } else {
      remainder = (remainder * 10 + static_cast<unsigned>(c - '0')) % 97;
    }
  };
  for (std::size_t i = 4; i < iban.size(); ++i) feed(iban[i]);
  for (std::size_t i = 0; i < 4; ++i) feed(iban[i]);
  return remainder == 1;
}

}  // namespace verdict
