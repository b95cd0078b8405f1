#include "domain/codec.hpp"

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>

#include "domain/json_reader.hpp"
#include "domain/velocity_codec.hpp"

namespace verdict {

using nlohmann::json;

std::string InputErrors::summary() const {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += "; ";
    out += (e.pointer.empty() ? "/" : e.pointer) + ": " + e.message;
  }
  return out;
}

namespace {

using detail::ObjectReader;

std::string normalise_compact_upper(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

bool looks_like_email(std::string_view e) {
  const auto at = e.find('@');
  return at != std::string_view::npos && at > 0 && e.find('.', at) != std::string_view::npos && e.back() != '.';
}

bool dutch_postcode(std::string_view p) {
  return p.size() == 6 && p[0] >= '1' && p[0] <= '9' &&
         std::all_of(p.begin() + 1, p.begin() + 4, [](char c) { return c >= '0' && c <= '9'; }) &&
         std::all_of(p.begin() + 4, p.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

void decode_applicant(const json& node, const std::string& pointer, Applicant& a, Date application_date,
                      InputErrors& errors) {
  ObjectReader r(node, pointer, errors);
  if (!r.ok()) return;
  r.reject_unknown({"first_name", "last_name", "date_of_birth", "email", "phone", "id_document", "address", "iban",
                    "device_id"});
  a.first_name = r.string("first_name", true);
  a.last_name = r.string("last_name", true);
  a.date_of_birth = r.date("date_of_birth", true);
  if (r.find("date_of_birth", false) && a.date_of_birth.days != 0) {
    if (a.date_of_birth > application_date)
      r.fail(r.child("date_of_birth"), "lies after the application date");
    else if (age_in_years(a.date_of_birth, application_date) > 120)
      r.fail(r.child("date_of_birth"), "gives an age above 120");
  }
  a.email = r.string("email", true, 254);
  if (!a.email.empty() && !looks_like_email(a.email)) r.fail(r.child("email"), "is not an e-mail address");
  a.phone = r.string("phone", true, 20);
  if (!a.phone.empty() &&
      !std::all_of(a.phone.begin(), a.phone.end(), [](char c) { return (c >= '0' && c <= '9') || c == '+' || c == ' '; }))
    r.fail(r.child("phone"), "may hold only digits, spaces and a leading +");

  if (const json* doc = r.find("id_document", true)) {
    ObjectReader d(*doc, r.child("id_document"), errors);
    if (d.ok()) {
      d.reject_unknown({"type", "number", "expiry_date"});
      a.id_document.type = d.string("type", true, 32);
      static constexpr std::string_view types[] = {"passport", "id_card", "driving_licence", "residence_permit"};
      if (!a.id_document.type.empty() && std::find(std::begin(types), std::end(types), a.id_document.type) == std::end(types))
        d.fail(d.child("type"), "must be one of passport, id_card, driving_licence, residence_permit");
      a.id_document.number = d.string("number", true, 32);
      a.id_document.expiry_date = d.date("expiry_date", true);
    }
  }
  if (const json* addr = r.find("address", true)) {
    ObjectReader d(*addr, r.child("address"), errors);
    if (d.ok()) {
      d.reject_unknown({"postcode", "house_number", "street", "city"});
      a.address.postcode = normalise_compact_upper(d.string("postcode", true, 8));
      if (!a.address.postcode.empty() && !dutch_postcode(a.address.postcode))
        d.fail(d.child("postcode"), "must be a Dutch postcode such as 1234AB");
      a.address.house_number = d.string("house_number", true, 10);
      a.address.street = d.string("street", false, 100);
      a.address.city = d.string("city", false, 100);
    }
  }
  a.iban = normalise_compact_upper(r.string("iban", true, 42));
  if (!a.iban.empty() && !iban_checksum_valid(a.iban))
    r.fail(r.child("iban"), "is not a valid IBAN (checksum or format)");
  if (r.find("device_id", false)) a.device_id = r.string("device_id", false, 128);
}

void decode_household(const json& node, const std::string& pointer, Household& h, InputErrors& errors) {
  ObjectReader r(node, pointer, errors);
  if (!r.ok()) return;
  r.reject_unknown({"type", "children", "net_income_cents", "housing_costs_cents", "other_obligations_cents",
                    "income_documented"});
  h.type = r.enumeration<HouseholdType>(
      "type", true, household_type_from_string,
      "single_rent, single_own, single_children_rent, single_children_own, couple_rent, couple_own, "
      "couple_children_rent, couple_children_own",
      HouseholdType::SingleRent);
  h.children = r.small_int("children", false, 0, 20);
  const bool with_children = h.type == HouseholdType::SingleChildrenRent || h.type == HouseholdType::SingleChildrenOwn ||
                             h.type == HouseholdType::CoupleChildrenRent || h.type == HouseholdType::CoupleChildrenOwn;
  if (r.find("type", false) && r.find("children", false) && with_children != (h.children > 0))
    r.fail(r.child("children"), with_children ? "must be at least 1 for a household type with children"
                                              : "must be 0 for a household type without children");
  h.net_income = r.money("net_income_cents", true);
  h.housing_costs = r.money("housing_costs_cents", true);
  h.other_obligations = r.money("other_obligations_cents", false);
  h.income_documented = r.boolean("income_documented", false);
}

void decode_order(const json& node, const std::string& pointer, Order& o, InputErrors& errors) {
  ObjectReader r(node, pointer, errors);
  if (!r.ok()) return;
  r.reject_unknown({"plan", "product", "contract_months", "monthly_fee_cents", "device_price_cents",
                    "down_payment_cents", "credit_amount_cents", "credit_months"});
  o.plan = r.string("plan", true, 100);
  o.product = r.enumeration<Product>("product", true, product_from_string, "sim_only, device", Product::SimOnly);
  o.contract_months = r.small_int("contract_months", true, 1, 36, 24);
  o.monthly_fee = r.money("monthly_fee_cents", true);
  o.device_price = r.money("device_price_cents", false);
  o.down_payment = r.money("down_payment_cents", false);
  const bool credit_given = r.find("credit_amount_cents", false) != nullptr;
  o.credit_amount = credit_given ? r.money("credit_amount_cents", false) : std::max<Cents>(0, o.device_price - o.down_payment);
  o.credit_months = r.small_int("credit_months", false, 0, 36);
  if (o.product == Product::SimOnly && o.device_price != 0)
    r.fail(r.child("device_price_cents"), "must be 0 for a sim_only order");
  if (o.down_payment > o.device_price) r.fail(r.child("down_payment_cents"), "exceeds the device price");
  else if (credit_given && o.credit_amount != o.device_price - o.down_payment)
    r.fail(r.child("credit_amount_cents"), "must equal device_price_cents - down_payment_cents");
  if (o.credit_amount > 0 && o.credit_months == 0)
    r.fail(r.child("credit_months"), "must be between 1 and 36 when there is credit");
}

void decode_call(ObjectReader& r, ProviderCall& call) {
  call.status = r.enumeration<ProviderStatus>("status", true, provider_status_from_string,
                                              "not_called, ok, hit, no_hit, unavailable", ProviderStatus::Unavailable);
  call.latency_ms = r.small_int("latency_ms", false, 0, 600'000);
  call.cached = r.boolean("cached", false);
  call.error = r.string("error", false, 200);
}

void decode_one_provider(ProviderId id, const json& node, const std::string& pointer, ProviderResults& out,
                         InputErrors& errors) {
  ObjectReader r(node, pointer, errors);
  if (!r.ok()) return;
  switch (id) {
    case ProviderId::Bkr: {
      r.reject_unknown({"status", "latency_ms", "cached", "error", "contracts", "codes"});
      decode_call(r, out.bkr);
      if (const json* contracts = r.find("contracts", false)) {
        if (!contracts->is_array()) r.fail(r.child("contracts"), "must be an array");
        else
          for (std::size_t i = 0; i < contracts->size(); ++i) {
            ObjectReader c((*contracts)[i], r.child("contracts") + "/" + std::to_string(i), errors);
            if (!c.ok()) continue;
            c.reject_unknown({"type", "amount_cents", "opened", "device"});
            BkrContract contract;
            contract.type = c.string("type", true, 4);
            contract.amount = c.money("amount_cents", true);
            contract.opened = c.date("opened", true);
            contract.device = c.boolean("device", false);
            out.bkr.contracts.push_back(std::move(contract));
          }
      }
      if (const json* codes = r.find("codes", false)) {
        if (!codes->is_array()) r.fail(r.child("codes"), "must be an array");
        else
          for (std::size_t i = 0; i < codes->size(); ++i) {
            const json& code = (*codes)[i];
            static constexpr std::string_view known[] = {"A", "H", "1", "2", "3", "4", "5"};
            if (!code.is_string() ||
                std::find(std::begin(known), std::end(known), code.get_ref<const std::string&>()) == std::end(known))
              r.fail(r.child("codes") + "/" + std::to_string(i), "must be one of A, H, 1, 2, 3, 4, 5");
            else
              out.bkr.codes.push_back(code.get<std::string>());
          }
      }
      break;
    }
    case ProviderId::Preventel:
      r.reject_unknown({"status", "latency_ms", "cached", "error", "registrations", "outstanding_cents"});
      decode_call(r, out.preventel);
      out.preventel.registrations = r.small_int("registrations", false, 0, 1000);
      out.preventel.outstanding = r.money("outstanding_cents", false);
      break;
    case ProviderId::Bureau:
      r.reject_unknown({"status", "latency_ms", "cached", "error", "bureau", "score", "payment_behaviour"});
      decode_call(r, out.bureau);
      out.bureau.bureau = r.string("bureau", false, 32);
      out.bureau.score = r.small_int("score", false, 0, 1000);
      out.bureau.payment_behaviour = r.string("payment_behaviour", false, 16);
      break;
    case ProviderId::Operator:
      r.reject_unknown({"status", "latency_ms", "cached", "error", "active_subscriptions", "open_device_credit_cents",
                        "arrears_cents", "arrears_days", "write_offs", "customer_months"});
      decode_call(r, out.operator_history);
      out.operator_history.active_subscriptions = r.small_int("active_subscriptions", false, 0, 1000);
      out.operator_history.open_device_credit = r.money("open_device_credit_cents", false);
      out.operator_history.arrears = r.money("arrears_cents", false);
      out.operator_history.arrears_days = r.small_int("arrears_days", false, 0, 100'000);
      out.operator_history.write_offs = r.small_int("write_offs", false, 0, 1000);
      out.operator_history.customer_months = r.small_int("customer_months", false, 0, 2000);
      break;
    case ProviderId::IdCheck:
      r.reject_unknown({"status", "latency_ms", "cached", "error", "document_status"});
      decode_call(r, out.id_check);
      out.id_check.document_status = r.string("document_status", false, 16);
      break;
    case ProviderId::IbanCheck:
      r.reject_unknown({"status", "latency_ms", "cached", "error", "name_match", "account_closed", "business_account"});
      decode_call(r, out.iban_check);
      out.iban_check.name_match = r.string("name_match", false, 16);
      out.iban_check.account_closed = r.boolean("account_closed", false);
      out.iban_check.business_account = r.boolean("business_account", false);
      break;
    case ProviderId::Address:
      r.reject_unknown({"status", "latency_ms", "cached", "error", "exists", "residential"});
      decode_call(r, out.address);
      out.address.exists = r.boolean("exists", false);
      out.address.residential = r.boolean("residential", false);
      break;
  }
}

void decode_providers_into(const json* providers, const json* velocity, const std::string& providers_pointer,
                           const std::string& velocity_pointer, ProviderResults& out, InputErrors& errors) {
  if (providers) {
    ObjectReader r(*providers, providers_pointer, errors);
    if (r.ok()) {
      for (const auto& [key, value] : providers->items()) {
        if (auto id = provider_from_string(key)) decode_one_provider(*id, value, r.child(key), out, errors);
        else r.fail(r.child(key), "is not a known provider");
      }
    }
  }
  if (velocity) decode_velocity(*velocity, velocity_pointer, out.velocity, errors);
}

}  // namespace

expected<Application, InputErrors> decode_application(const json& node) {
  InputErrors errors;
  Application app;
  ObjectReader r(node, "", errors);
  if (r.ok()) {
    r.reject_unknown({"id", "channel", "shop_id", "agent", "date", "applicant", "household", "order"});
    app.id = r.string("id", true, 64);
    app.channel = r.enumeration<Channel>("channel", true, channel_from_string, "shop, web", Channel::Shop);
    app.shop_id = r.string("shop_id", app.channel == Channel::Shop, 32);
    app.agent = r.string("agent", false, 64);
    app.date = r.date("date", true);
    if (const json* a = r.find("applicant", true)) decode_applicant(*a, "/applicant", app.applicant, app.date, errors);
    if (const json* h = r.find("household", true)) decode_household(*h, "/household", app.household, errors);
    if (const json* o = r.find("order", true)) decode_order(*o, "/order", app.order, errors);
  }
  if (!errors.errors.empty()) return unexpected(std::move(errors));
  return app;
}

expected<ProviderResults, InputErrors> decode_provider_results(const json& providers, const json* velocity) {
  InputErrors errors;
  ProviderResults out;
  decode_providers_into(&providers, velocity, "/providers", "/velocity", out, errors);
  if (!errors.errors.empty()) return unexpected(std::move(errors));
  return out;
}

expected<Case, InputErrors> decode_case(const json& node) {
  InputErrors errors;
  Case c;
  ObjectReader r(node, "", errors);
  if (r.ok()) {
    r.reject_unknown({"application", "providers", "velocity"});
    if (const json* a = r.find("application", true)) {
      auto app = decode_application(*a);
      if (app) c.application = std::move(*app);
      else
        for (auto& e : app.error().errors) errors.errors.push_back({"/application" + e.pointer, std::move(e.message)});
    }
    decode_providers_into(r.find("providers", false), r.find("velocity", false), "/providers", "/velocity",
                          c.providers, errors);
  }
  if (!errors.errors.empty()) return unexpected(std::move(errors));
  return c;
}

// ---- encoding ----

json encode(const Application& a) {
  json applicant = {
      {"first_name", a.applicant.first_name},
      {"last_name", a.applicant.last_name},
      {"date_of_birth", format_iso_date(a.applicant.date_of_birth)},
      {"email", a.applicant.email},
      {"phone", a.applicant.phone},
      {"id_document",
       {{"type", a.applicant.id_document.type},
        {"number", a.applicant.id_document.number},
        {"expiry_date", format_iso_date(a.applicant.id_document.expiry_date)}}},
      {"address",
       {{"postcode", a.applicant.address.postcode},
        {"house_number", a.applicant.address.house_number},
        {"street", a.applicant.address.street},
        {"city", a.applicant.address.city}}},
      {"iban", a.applicant.iban},
  };
  if (a.applicant.device_id) applicant["device_id"] = *a.applicant.device_id;
  json out = {
      {"id", a.id},
      {"channel", to_string(a.channel)},
      {"date", format_iso_date(a.date)},
      {"applicant", std::move(applicant)},
      {"household",
       {{"type", to_string(a.household.type)},
        {"children", a.household.children},
        {"net_income_cents", a.household.net_income},
        {"housing_costs_cents", a.household.housing_costs},
        {"other_obligations_cents", a.household.other_obligations},
        {"income_documented", a.household.income_documented}}},
      {"order",
       {{"plan", a.order.plan},
        {"product", to_string(a.order.product)},
        {"contract_months", a.order.contract_months},
        {"monthly_fee_cents", a.order.monthly_fee},
        {"device_price_cents", a.order.device_price},
        {"down_payment_cents", a.order.down_payment},
        {"credit_amount_cents", a.order.credit_amount},
        {"credit_months", a.order.credit_months}}},
  };
  if (!a.shop_id.empty()) out["shop_id"] = a.shop_id;
  if (!a.agent.empty()) out["agent"] = a.agent;
  return out;
}

namespace {
json encode_call(const ProviderCall& c) {
  json out = {{"status", to_string(c.status)}, {"latency_ms", c.latency_ms}};
  if (c.cached) out["cached"] = true;
  if (!c.error.empty()) out["error"] = c.error;
  return out;
}
}  // namespace

json encode_provider(ProviderId id, const ProviderResults& p) {
  const ProviderCall& call = p.call(id);
  json j = encode_call(call);
  if (!answered(call.status)) return j;
  switch (id) {
    case ProviderId::Bkr: {
      json contracts = json::array();
      for (const auto& c : p.bkr.contracts)
        contracts.push_back({{"type", c.type}, {"amount_cents", c.amount}, {"opened", format_iso_date(c.opened)},
                             {"device", c.device}});
      j["contracts"] = std::move(contracts);
      j["codes"] = p.bkr.codes;
      break;
    }
    case ProviderId::Preventel:
      j["registrations"] = p.preventel.registrations;
      j["outstanding_cents"] = p.preventel.outstanding;
      break;
    case ProviderId::Bureau:
      j["bureau"] = p.bureau.bureau;
      j["score"] = p.bureau.score;
      j["payment_behaviour"] = p.bureau.payment_behaviour;
      break;
    case ProviderId::Operator:
      j["active_subscriptions"] = p.operator_history.active_subscriptions;
      j["open_device_credit_cents"] = p.operator_history.open_device_credit;
      j["arrears_cents"] = p.operator_history.arrears;
      j["arrears_days"] = p.operator_history.arrears_days;
      j["write_offs"] = p.operator_history.write_offs;
      j["customer_months"] = p.operator_history.customer_months;
      break;
    case ProviderId::IdCheck: j["document_status"] = p.id_check.document_status; break;
    case ProviderId::IbanCheck:
      j["name_match"] = p.iban_check.name_match;
      j["account_closed"] = p.iban_check.account_closed;
      j["business_account"] = p.iban_check.business_account;
      break;
    case ProviderId::Address:
      j["exists"] = p.address.exists;
      j["residential"] = p.address.residential;
      break;
  }
  return j;
}

expected<void, InputErrors> decode_provider(ProviderId id, const json& node, ProviderResults& into) {
  InputErrors errors;
  decode_one_provider(id, node, "", into, errors);
  if (!errors.errors.empty()) return unexpected(std::move(errors));
  return {};
}

json encode(const ProviderResults& p) {
  json out = json::object();
  for (ProviderId id : all_providers())
    if (p.call(id).status != ProviderStatus::NotCalled) out[std::string(to_string(id))] = encode_provider(id, p);
  return out;
}

json encode(const Case& c) {
  return {{"application", encode(c.application)}, {"providers", encode(c.providers)},
          {"velocity", encode_velocity(c.providers.velocity)}};
}

namespace {
/// `effective` false for rules whose unknown condition was ignored: they decided nothing, so they
/// carry no outcome and no customer message.
json encode_reason(const Reason& r, bool effective) {
  json values = json::object();
  for (const auto& [path, text] : r.values) values[path] = json::parse(text, nullptr, false);
  json out = {{"rule_id", r.rule_id}, {"reason_code", r.reason_code}, {"values", std::move(values)}};
  if (effective) {
    out["outcome"] = to_string(r.outcome);
    out["message"] = r.message;
  }
  if (!r.missing.empty()) out["missing"] = r.missing;
  return out;
}
}  // namespace

json encode(const Decision& d) {
  json reasons = json::array();
  for (const auto& r : d.reasons) reasons.push_back(encode_reason(r, true));
  json out = {{"application_id", d.application_id},
              {"outcome", to_string(d.outcome)},
              {"reasons", std::move(reasons)},
              {"policy", {{"name", d.policy_name}, {"version", d.policy_version}, {"hash", d.policy_hash}}}};
  if (!d.ignored_unknown.empty()) {
    json ignored = json::array();
    for (const auto& r : d.ignored_unknown) ignored.push_back(encode_reason(r, false));
    out["ignored_unknown"] = std::move(ignored);
  }
  json offers = json::array();
  for (const auto& o : d.counter_offers) {
    json j = {{"id", o.id}, {"type", o.type}, {"description", o.description}};
    if (o.down_payment) j["down_payment_cents"] = *o.down_payment;
    if (o.max_device_price) j["max_device_price_cents"] = *o.max_device_price;
    if (o.credit_amount) j["credit_amount_cents"] = *o.credit_amount;
    offers.push_back(std::move(j));
  }
  out["counter_offers"] = std::move(offers);
  if (d.affordability.computed) {
    const auto& a = d.affordability;
    out["affordability"] = {{"norm_table", a.norm_table},
                            {"base_norm_cents", a.base_norm},
                            {"loan_norm_cents", a.loan_norm},
                            {"capacity_cents", a.capacity},
                            {"monthly_instalment_cents", a.monthly_instalment},
                            {"shortfall_cents", a.shortfall},
                            {"max_affordable_credit_cents", a.max_affordable_credit}};
  }
  json providers = json::object();
  for (const auto& p : d.providers) {
    json j = {{"status", to_string(p.status)}, {"latency_ms", p.latency_ms}};
    if (p.cached) j["cached"] = true;
    providers[std::string(to_string(p.provider))] = std::move(j);
  }
  out["providers"] = std::move(providers);
  return out;
}

}  // namespace verdict
