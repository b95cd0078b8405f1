#pragma once
// The catalogue of every field a policy can read: its path, type and where it comes from.
// The order is the slot layout of a fact record; changing it changes `catalog_fingerprint()`,
// and stored binary history must then be rebuilt from its JSON Lines form.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "domain/providers.hpp"
#include "lang/types.hpp"

namespace verdict::facts {

enum class Source : std::uint8_t {
  Application,
  Bkr,
  Preventel,
  Bureau,
  Operator,
  IdCheck,
  IbanCheck,
  Address,
  Velocity,
  Affordability,  // computed per policy from its norm tables; held outside the fact record
};

struct FieldDef {
  std::string_view path;
  lang::ValueType type;
  Source source;
  std::string_view description;
};

/// Fields stored in a fact record.
inline constexpr std::size_t stored_field_count = 103;
/// Affordability fields, computed per policy at evaluation time.
inline constexpr std::size_t derived_field_count = 5;
inline constexpr std::size_t field_count = stored_field_count + derived_field_count;

namespace detail {
using lang::ValueType;
using enum lang::ValueType;

inline constexpr std::array<FieldDef, field_count> fields{{
    // application (always known, except optional values that are absent)
    {"application.id", String, Source::Application, "application id"},
    {"application.channel", String, Source::Application, "shop or web"},
    {"application.shop_id", String, Source::Application, "shop identifier (unknown for web)"},
    {"application.date", Date, Source::Application, "date of the application"},
    {"applicant.age", Number, Source::Application, "age in whole years on the application date"},
    {"applicant.date_of_birth", Date, Source::Application, "date of birth"},
    {"applicant.email", String, Source::Application, "e-mail address"},
    {"applicant.email_domain", String, Source::Application, "part of the e-mail after @, lower case"},
    {"applicant.phone", String, Source::Application, "phone number"},
    {"applicant.iban", String, Source::Application, "IBAN, normalised"},
    {"applicant.iban_country", String, Source::Application, "first two letters of the IBAN"},
    {"applicant.postcode", String, Source::Application, "postcode, e.g. 1234AB"},
    {"applicant.postcode_area", String, Source::Application, "the four digits of the postcode"},
    {"applicant.house_number", String, Source::Application, "house number with addition"},
    {"applicant.device_id", String, Source::Application, "device fingerprint (unknown when not sent)"},
    {"applicant.id_document.type", String, Source::Application, "passport, id_card, driving_licence, residence_permit"},
    {"applicant.id_document.expiry_date", Date, Source::Application, "expiry date of the ID document"},
    {"household.type", String, Source::Application, "one of the eight VFN household types"},
    {"household.children", Number, Source::Application, "number of children"},
    {"household.net_income", Money, Source::Application, "net monthly income"},
    {"household.housing_costs", Money, Source::Application, "monthly housing costs"},
    {"household.other_obligations", Money, Source::Application, "other monthly obligations"},
    {"household.income_documented", Bool, Source::Application, "proof of income was seen"},
    {"order.plan", String, Source::Application, "subscription plan"},
    {"order.product", String, Source::Application, "sim_only or device"},
    {"order.contract_months", Number, Source::Application, "contract duration in months"},
    {"order.monthly_fee", Money, Source::Application, "monthly subscription fee"},
    {"order.device_price", Money, Source::Application, "device price"},
    {"order.down_payment", Money, Source::Application, "down payment"},
    {"order.credit_amount", Money, Source::Application, "device credit (price minus down payment)"},
    {"order.credit_months", Number, Source::Application, "device credit duration in months"},
    {"order.monthly_instalment", Money, Source::Application, "credit amount / credit months"},
    // BKR
    {"bkr.status", String, Source::Application, "ok, hit, no_hit, unavailable or not_called (always known)"},
    {"bkr.codes", List, Source::Bkr, "BKR codes: A, H, 1..5"},
    {"bkr.contract_types", List, Source::Bkr, "types of registered contracts: AK, RK, SR, ..."},
    {"bkr.contract_count", Number, Source::Bkr, "number of registered contracts"},
    {"bkr.open_credit", Money, Source::Bkr, "total registered credit"},
    {"bkr.contracts_last_30d", Number, Source::Bkr, "contracts opened in the 30 days before the application"},
    {"bkr.device_credits_last_30d", Number, Source::Bkr, "telecom device credits opened in the last 30 days"},
    // Preventel
    {"preventel.status", String, Source::Application, "provider status (always known)"},
    {"preventel.hit", Bool, Source::Preventel, "registered for telecom non-payment"},
    {"preventel.registrations", Number, Source::Preventel, "number of registrations"},
    {"preventel.outstanding", Money, Source::Preventel, "outstanding registered debt"},
    // credit bureau
    {"bureau.status", String, Source::Application, "provider status (always known)"},
    {"bureau.name", String, Source::Bureau, "which bureau answered"},
    {"bureau.score", Number, Source::Bureau, "score 0..1000, higher is better"},
    {"bureau.payment_behaviour", String, Source::Bureau, "good, average or poor"},
    // operator history
    {"operator.status", String, Source::Application, "provider status (always known)"},
    {"operator.active_subscriptions", Number, Source::Operator, "active subscriptions with us"},
    {"operator.open_device_credit", Money, Source::Operator, "open device credit with us"},
    {"operator.arrears", Money, Source::Operator, "amount in arrears"},
    {"operator.arrears_days", Number, Source::Operator, "days the oldest arrear is overdue"},
    {"operator.write_offs", Number, Source::Operator, "written-off debts"},
    {"operator.customer_months", Number, Source::Operator, "months as a customer"},
    // ID document check
    {"id_check.status", String, Source::Application, "provider status (always known)"},
    {"id_check.document_status", String, Source::IdCheck, "valid, lost, stolen, expired or not_found"},
    // IBAN-name check
    {"iban_check.status", String, Source::Application, "provider status (always known)"},
    {"iban_check.name_match", String, Source::IbanCheck, "match, close_match or no_match"},
    {"iban_check.account_closed", Bool, Source::IbanCheck, "the account is closed"},
    {"iban_check.business_account", Bool, Source::IbanCheck, "the account is a business account"},
    // address check
    {"address.status", String, Source::Application, "provider status (always known)"},
    {"address.exists", Bool, Source::Address, "the address exists in the BAG"},
    {"address.residential", Bool, Source::Address, "the address has a residential purpose"},
    // velocity: identifier-major, then window, then measure (velocity_counter_index); declared by the policy
    {"velocity.iban.applications_1h", Number, Source::Velocity, "applications with this IBAN, 1 h"},
    {"velocity.iban.distinct_applicants_1h", Number, Source::Velocity, "different applicants with this IBAN, 1 h"},
    {"velocity.iban.applications_24h", Number, Source::Velocity, "applications with this IBAN, 24 h"},
    {"velocity.iban.distinct_applicants_24h", Number, Source::Velocity, "different applicants with this IBAN, 24 h"},
    {"velocity.iban.applications_7d", Number, Source::Velocity, "applications with this IBAN, 7 days"},
    {"velocity.iban.distinct_applicants_7d", Number, Source::Velocity, "different applicants with this IBAN, 7 days"},
    {"velocity.iban.applications_30d", Number, Source::Velocity, "applications with this IBAN, 30 days"},
    {"velocity.iban.distinct_applicants_30d", Number, Source::Velocity, "different applicants with this IBAN, 30 days"},
    {"velocity.address.applications_1h", Number, Source::Velocity, "applications at this address (postcode + house number), 1 h"},
    {"velocity.address.distinct_applicants_1h", Number, Source::Velocity, "different applicants at this address (postcode + house number), 1 h"},
    {"velocity.address.applications_24h", Number, Source::Velocity, "applications at this address (postcode + house number), 24 h"},
    {"velocity.address.distinct_applicants_24h", Number, Source::Velocity, "different applicants at this address (postcode + house number), 24 h"},
    {"velocity.address.applications_7d", Number, Source::Velocity, "applications at this address (postcode + house number), 7 days"},
    {"velocity.address.distinct_applicants_7d", Number, Source::Velocity, "different applicants at this address (postcode + house number), 7 days"},
    {"velocity.address.applications_30d", Number, Source::Velocity, "applications at this address (postcode + house number), 30 days"},
    {"velocity.address.distinct_applicants_30d", Number, Source::Velocity, "different applicants at this address (postcode + house number), 30 days"},
    {"velocity.device.applications_1h", Number, Source::Velocity, "applications from this device, 1 h"},
    {"velocity.device.distinct_applicants_1h", Number, Source::Velocity, "different applicants from this device, 1 h"},
    {"velocity.device.applications_24h", Number, Source::Velocity, "applications from this device, 24 h"},
    {"velocity.device.distinct_applicants_24h", Number, Source::Velocity, "different applicants from this device, 24 h"},
    {"velocity.device.applications_7d", Number, Source::Velocity, "applications from this device, 7 days"},
    {"velocity.device.distinct_applicants_7d", Number, Source::Velocity, "different applicants from this device, 7 days"},
    {"velocity.device.applications_30d", Number, Source::Velocity, "applications from this device, 30 days"},
    {"velocity.device.distinct_applicants_30d", Number, Source::Velocity, "different applicants from this device, 30 days"},
    {"velocity.email.applications_1h", Number, Source::Velocity, "applications with this e-mail address, 1 h"},
    {"velocity.email.distinct_applicants_1h", Number, Source::Velocity, "different applicants with this e-mail address, 1 h"},
    {"velocity.email.applications_24h", Number, Source::Velocity, "applications with this e-mail address, 24 h"},
    {"velocity.email.distinct_applicants_24h", Number, Source::Velocity, "different applicants with this e-mail address, 24 h"},
    {"velocity.email.applications_7d", Number, Source::Velocity, "applications with this e-mail address, 7 days"},
    {"velocity.email.distinct_applicants_7d", Number, Source::Velocity, "different applicants with this e-mail address, 7 days"},
    {"velocity.email.applications_30d", Number, Source::Velocity, "applications with this e-mail address, 30 days"},
    {"velocity.email.distinct_applicants_30d", Number, Source::Velocity, "different applicants with this e-mail address, 30 days"},
    {"velocity.phone.applications_1h", Number, Source::Velocity, "applications with this phone number, 1 h"},
    {"velocity.phone.distinct_applicants_1h", Number, Source::Velocity, "different applicants with this phone number, 1 h"},
    {"velocity.phone.applications_24h", Number, Source::Velocity, "applications with this phone number, 24 h"},
    {"velocity.phone.distinct_applicants_24h", Number, Source::Velocity, "different applicants with this phone number, 24 h"},
    {"velocity.phone.applications_7d", Number, Source::Velocity, "applications with this phone number, 7 days"},
    {"velocity.phone.distinct_applicants_7d", Number, Source::Velocity, "different applicants with this phone number, 7 days"},
    {"velocity.phone.applications_30d", Number, Source::Velocity, "applications with this phone number, 30 days"},
    {"velocity.phone.distinct_applicants_30d", Number, Source::Velocity, "different applicants with this phone number, 30 days"},
    // affordability (derived per policy)
    {"affordability.base_norm", Money, Source::Affordability, "VFN base norm for the household type"},
    {"affordability.loan_norm", Money, Source::Affordability, "base norm + mark-up x (income - base norm)"},
    {"affordability.capacity", Money, Source::Affordability, "income - loan norm - housing - obligations"},
    {"affordability.shortfall", Money, Source::Affordability, "monthly instalment above capacity (0 if none)"},
    {"affordability.max_affordable_credit", Money, Source::Affordability, "capacity x credit months (0 if none)"},
}};
}  // namespace detail

std::span<const FieldDef> catalog();

/// The id of a catalogue path, resolved at compile time: a misspelt path does not compile.
consteval std::uint16_t field_id(std::string_view path) {
  for (std::size_t i = 0; i < detail::fields.size(); ++i)
    if (detail::fields[i].path == path) return static_cast<std::uint16_t>(i);
  throw "no such field in the catalogue";
}
std::optional<std::uint16_t> find_field(std::string_view path);

/// The field of one velocity counter.
inline constexpr std::uint16_t first_velocity_field = field_id("velocity.iban.applications_1h");
constexpr std::uint16_t velocity_field(std::size_t counter_index) {
  return static_cast<std::uint16_t>(first_velocity_field + counter_index);
}
static_assert(velocity_field(velocity_counter_index(VelocityIdentifier::Phone, VelocityWindow::Days30,
                                                    VelocityMeasure::DistinctApplicants)) ==
              field_id("velocity.phone.distinct_applicants_30d"));
static_assert(velocity_field(velocity_counter_index(VelocityIdentifier::Address, VelocityWindow::Days7,
                                                    VelocityMeasure::Applications)) ==
              field_id("velocity.address.applications_7d"));
/// Hash of the paths and types in order; binary history records it.
std::uint64_t catalog_fingerprint();
std::optional<ProviderId> provider_of(Source);

/// Indices of the derived (affordability) fields, relative to stored_field_count.
enum class Derived : std::uint8_t { BaseNorm, LoanNorm, Capacity, Shortfall, MaxAffordableCredit };

}  // namespace verdict::facts
