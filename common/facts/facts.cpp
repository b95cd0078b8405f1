#include "facts/facts.hpp"

#include <algorithm>
#include <cstring>

namespace verdict::facts {

namespace {

class Builder {
 public:
  Builder(FactRecord& out, FactPools& pools) : out_(out), pools_(pools) {
    std::memset(&out_, 0, sizeof out_);
  }

  lang::StrRef intern(std::string_view s) {
    lang::StrRef ref{static_cast<std::uint32_t>(pools_.chars.size()), static_cast<std::uint32_t>(s.size())};
    pools_.chars.append(s);
    return ref;
  }

  void string(std::uint16_t i, std::string_view value, bool known = true) {
    out_.values[i].str = intern(value);
    if (known) out_.set_known(i);
  }
  void integer(std::uint16_t i, std::int64_t value, bool known = true) {
    out_.values[i].integer = value;
    if (known) out_.set_known(i);
  }
  void number(std::uint16_t i, double value, bool known = true) {
    out_.values[i].number = value;
    if (known) out_.set_known(i);
  }
  void list(std::uint16_t i, const std::vector<std::string>& values, bool known) {
    out_.values[i].list.offset = static_cast<std::uint32_t>(pools_.items.size());
    out_.values[i].list.count = static_cast<std::uint32_t>(values.size());
    for (const auto& v : values) pools_.items.push_back(intern(v));
    if (known) out_.set_known(i);
  }

 private:
  FactRecord& out_;
  FactPools& pools_;
};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

void build_facts(const Case& c, FactRecord& out, FactPools& pools) {
  Builder b(out, pools);
  const Application& a = c.application;
  const ProviderResults& p = c.providers;

  b.string(field_id("application.id"), a.id);
  b.string(field_id("application.channel"), to_string(a.channel));
  b.string(field_id("application.shop_id"), a.shop_id, !a.shop_id.empty());
  b.integer(field_id("application.date"), a.date.days);
  b.number(field_id("applicant.age"), age_in_years(a.applicant.date_of_birth, a.date));
  b.integer(field_id("applicant.date_of_birth"), a.applicant.date_of_birth.days);
  b.string(field_id("applicant.email"), a.applicant.email);
  const auto at = a.applicant.email.find('@');
  b.string(field_id("applicant.email_domain"), at == std::string::npos ? "" : lower(a.applicant.email.substr(at + 1)),
           at != std::string::npos);
  b.string(field_id("applicant.phone"), a.applicant.phone);
  b.string(field_id("applicant.iban"), a.applicant.iban);
  b.string(field_id("applicant.iban_country"), std::string_view(a.applicant.iban).substr(0, std::min<std::size_t>(2, a.applicant.iban.size())));
  b.string(field_id("applicant.postcode"), a.applicant.address.postcode);
  b.string(field_id("applicant.postcode_area"),
           std::string_view(a.applicant.address.postcode).substr(0, std::min<std::size_t>(4, a.applicant.address.postcode.size())));
  b.string(field_id("applicant.house_number"), a.applicant.address.house_number);
  b.string(field_id("applicant.device_id"), a.applicant.device_id.value_or(""), a.applicant.device_id.has_value());
  b.string(field_id("applicant.id_document.type"), a.applicant.id_document.type);
  b.integer(field_id("applicant.id_document.expiry_date"), a.applicant.id_document.expiry_date.days);

  b.string(field_id("household.type"), to_string(a.household.type));
  b.number(field_id("household.children"), a.household.children);
  b.integer(field_id("household.net_income"), a.household.net_income);
  b.integer(field_id("household.housing_costs"), a.household.housing_costs);
  b.integer(field_id("household.other_obligations"), a.household.other_obligations);
  b.integer(field_id("household.income_documented"), a.household.income_documented ? 1 : 0);

  b.string(field_id("order.plan"), a.order.plan);
  b.string(field_id("order.product"), to_string(a.order.product));
  b.number(field_id("order.contract_months"), a.order.contract_months);
  b.integer(field_id("order.monthly_fee"), a.order.monthly_fee);
  b.integer(field_id("order.device_price"), a.order.device_price);
  b.integer(field_id("order.down_payment"), a.order.down_payment);
  b.integer(field_id("order.credit_amount"), a.order.credit_amount);
  b.number(field_id("order.credit_months"), a.order.credit_months);
  b.integer(field_id("order.monthly_instalment"),
            a.order.credit_months > 0 ? mul_div_round(a.order.credit_amount, 1, a.order.credit_months) : 0);

  // Status fields are always known: a policy must be able to ask whether a provider answered.
  b.string(field_id("bkr.status"), to_string(p.bkr.status));
  b.string(field_id("preventel.status"), to_string(p.preventel.status));
  b.string(field_id("bureau.status"), to_string(p.bureau.status));
  b.string(field_id("operator.status"), to_string(p.operator_history.status));
  b.string(field_id("id_check.status"), to_string(p.id_check.status));
  b.string(field_id("iban_check.status"), to_string(p.iban_check.status));
  b.string(field_id("address.status"), to_string(p.address.status));

  {
    const bool k = answered(p.bkr.status);
    std::vector<std::string> types;
    Cents open = 0;
    int last30 = 0, device30 = 0;
    for (const auto& contract : p.bkr.contracts) {
      if (std::find(types.begin(), types.end(), contract.type) == types.end()) types.push_back(contract.type);
      open += contract.amount;
      const int age_days = a.date.days - contract.opened.days;
      if (age_days >= 0 && age_days <= 30) {
        ++last30;
        if (contract.device) ++device30;
      }
    }
    b.list(field_id("bkr.codes"), p.bkr.codes, k);
    b.list(field_id("bkr.contract_types"), types, k);
    b.number(field_id("bkr.contract_count"), static_cast<double>(p.bkr.contracts.size()), k);
    b.integer(field_id("bkr.open_credit"), open, k);
    b.number(field_id("bkr.contracts_last_30d"), last30, k);
    b.number(field_id("bkr.device_credits_last_30d"), device30, k);
  }
  {
    const bool k = answered(p.preventel.status);
    b.integer(field_id("preventel.hit"), p.preventel.status == ProviderStatus::Hit || p.preventel.registrations > 0 ? 1 : 0, k);
    b.number(field_id("preventel.registrations"), p.preventel.registrations, k);
    b.integer(field_id("preventel.outstanding"), p.preventel.outstanding, k);
  }
  {
    const bool k = answered(p.bureau.status);
    b.string(field_id("bureau.name"), p.bureau.bureau, k);
    b.number(field_id("bureau.score"), p.bureau.score, k);
    b.string(field_id("bureau.payment_behaviour"), p.bureau.payment_behaviour, k);
  }
  {
    const auto& o = p.operator_history;
    const bool k = answered(o.status);
    b.number(field_id("operator.active_subscriptions"), o.active_subscriptions, k);
    b.integer(field_id("operator.open_device_credit"), o.open_device_credit, k);
    b.integer(field_id("operator.arrears"), o.arrears, k);
    b.number(field_id("operator.arrears_days"), o.arrears_days, k);
    b.number(field_id("operator.write_offs"), o.write_offs, k);
    b.number(field_id("operator.customer_months"), o.customer_months, k);
  }
  b.string(field_id("id_check.document_status"), p.id_check.document_status, answered(p.id_check.status));
  {
    const bool k = answered(p.iban_check.status);
    b.string(field_id("iban_check.name_match"), p.iban_check.name_match, k);
    b.integer(field_id("iban_check.account_closed"), p.iban_check.account_closed ? 1 : 0, k);
    b.integer(field_id("iban_check.business_account"), p.iban_check.business_account ? 1 : 0, k);
  }
  {
    const bool k = answered(p.address.status);
    b.integer(field_id("address.exists"), p.address.exists ? 1 : 0, k);
    b.integer(field_id("address.residential"), p.address.residential ? 1 : 0, k);
  }
  for (std::size_t i = 0; i < velocity_counter_count; ++i)
    b.number(velocity_field(i), p.velocity.values[i], p.velocity.is_known(i));
}

}  // namespace verdict::facts
