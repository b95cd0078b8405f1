#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "domain/json_reader.hpp"
#include "domain/velocity_codec.hpp"
#include "policy/policy.hpp"

namespace verdict {

using nlohmann::json;
using detail::ObjectReader;

namespace {

std::optional<lang::ValueType> parameter_type(std::string_view s) {
  using enum lang::ValueType;
  if (s == "bool") return Bool;
  if (s == "number") return Number;
  if (s == "money") return Money;
  if (s == "string") return String;
  if (s == "date") return Date;
  if (s == "list") return Set;
  return std::nullopt;
}

std::string_view parameter_type_name(lang::ValueType t) { return t == lang::ValueType::Set ? "list" : to_string(t); }

bool valid_identifier(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

template <class F>
void each(ObjectReader& r, std::string_view key, bool required, F&& f) {
  const json* arr = r.find(key, required);
  if (!arr) return;
  if (!arr->is_array()) {
    r.fail(r.child(key), "must be an array");
    return;
  }
  for (std::size_t i = 0; i < arr->size(); ++i) f((*arr)[i], r.child(key) + "/" + std::to_string(i));
}

std::vector<std::string> strings(ObjectReader& r, std::string_view key, InputErrors& errors) {
  std::vector<std::string> out;
  each(r, key, false, [&](const json& v, const std::string& pointer) {
    if (v.is_string()) out.push_back(v.get<std::string>());
    else errors.errors.push_back({pointer, "must be a string"});
  });
  return out;
}

std::optional<Outcome> decode_outcome(ObjectReader& r, std::string_view key, bool required, Outcome fallback) {
  return r.enumeration<Outcome>(key, required, outcome_from_string, "ACCEPT, REFER, ACCEPT_SIM_ONLY, REJECT", fallback);
}

}  // namespace

expected<PolicyDocument, InputErrors> decode_policy(const json& node) {
  InputErrors errors;
  PolicyDocument p;
  ObjectReader r(node, "", errors);
  if (!r.ok()) return unexpected(std::move(errors));
  r.reject_unknown({"name", "version", "description", "parameters", "lists", "norm_tables", "provider_plan", "velocity",
                    "rules", "counter_offers"});
  p.name = r.string("name", true, 100);
  p.version = r.small_int("version", true, 1, 1'000'000'000, 1);
  p.description = r.string("description", false, 2000);

  std::set<std::string> names;
  each(r, "parameters", false, [&](const json& v, const std::string& pointer) {
    ObjectReader o(v, pointer, errors);
    if (!o.ok()) return;
    o.reject_unknown({"name", "type", "value", "description"});
    Parameter param;
    param.name = o.string("name", true, 64);
    if (!param.name.empty() && !valid_identifier(param.name))
      o.fail(o.child("name"), "must be letters, digits and underscores");
    else if (!param.name.empty() && !names.insert(param.name).second)
      o.fail(o.child("name"), "parameter '" + param.name + "' is defined twice");
    param.description = o.string("description", false, 2000);
    const std::string type = o.string("type", true, 16);
    const auto t = parameter_type(type);
    if (!type.empty() && !t) o.fail(o.child("type"), "must be one of bool, number, money, string, date, list");
    const json* value = o.find("value", true);
    if (t && value) {
      param.value.type = *t;
      const std::string vp = o.child("value");
      switch (*t) {
        case lang::ValueType::Bool:
          if (value->is_boolean()) param.value.boolean = value->get<bool>();
          else o.fail(vp, "must be true or false");
          break;
        case lang::ValueType::Number:
          if (value->is_number()) param.value.number = value->get<double>();
          else o.fail(vp, "must be a number");
          break;
        case lang::ValueType::Money:
          if (value->is_number_integer()) param.value.integer = value->get<std::int64_t>();
          else o.fail(vp, "must be an integer number of cents");
          break;
        case lang::ValueType::String:
          if (value->is_string()) param.value.text = value->get<std::string>();
          else o.fail(vp, "must be a string");
          break;
        case lang::ValueType::Date:
          if (auto d = value->is_string() ? parse_iso_date(value->get_ref<const std::string&>()) : std::nullopt)
            param.value.integer = d->days;
          else o.fail(vp, "must be a date YYYY-MM-DD");
          break;
        default:
          if (!value->is_array()) o.fail(vp, "must be an array of strings");
          else
            for (std::size_t i = 0; i < value->size(); ++i) {
              if ((*value)[i].is_string()) param.value.items.push_back((*value)[i].get<std::string>());
              else o.fail(vp + "/" + std::to_string(i), "must be a string");
            }
      }
    }
    p.parameters.push_back(std::move(param));
  });

  std::set<std::string> list_names;
  each(r, "lists", false, [&](const json& v, const std::string& pointer) {
    ObjectReader o(v, pointer, errors);
    if (!o.ok()) return;
    o.reject_unknown({"name", "description", "items"});
    NamedList list;
    list.name = o.string("name", true, 64);
    if (!list.name.empty() && !valid_identifier(list.name))
      o.fail(o.child("name"), "must be letters, digits and underscores");
    else if (!list.name.empty() && !list_names.insert(list.name).second)
      o.fail(o.child("name"), "list '" + list.name + "' is defined twice");
    list.description = o.string("description", false, 2000);
    list.items = strings(o, "items", errors);
    p.lists.push_back(std::move(list));
  });

  each(r, "norm_tables", false, [&](const json& v, const std::string& pointer) {
    ObjectReader o(v, pointer, errors);
    if (!o.ok()) return;
    o.reject_unknown({"id", "valid_from", "rows"});
    NormTable table;
    table.id = o.string("id", true, 64);
    table.valid_from = o.date("valid_from", true);
    std::array<bool, household_type_count> seen{};
    each(o, "rows", true, [&](const json& rv, const std::string& rp) {
      ObjectReader row(rv, rp, errors);
      if (!row.ok()) return;
      row.reject_unknown({"household_type", "base_norm_cents", "markup_basis_points"});
      const auto type = row.enumeration<HouseholdType>("household_type", true, household_type_from_string,
                                                       "one of the eight VFN household types", HouseholdType::SingleRent);
      const auto index = static_cast<std::size_t>(type);
      if (row.find("household_type", false) && seen[index])
        row.fail(row.child("household_type"), "appears twice in this table");
      seen[index] = true;
      table.rows[index].base_norm = row.money("base_norm_cents", true);
      table.rows[index].markup_basis_points = row.small_int("markup_basis_points", true, 0, 10'000);
    });
    if (o.find("rows", false) && std::count(seen.begin(), seen.end(), true) != household_type_count)
      o.fail(o.child("rows"), "must have one row for each of the eight household types");
    p.norm_tables.push_back(std::move(table));
  });

  std::set<ProviderId> planned;
  if (const json* v = r.find("velocity", false)) decode_velocity_declaration(*v, "/velocity", p.velocity, errors);
  each(r, "provider_plan", false, [&](const json& v, const std::string& pointer) {
    ObjectReader o(v, pointer, errors);
    if (!o.ok()) return;
    o.reject_unknown({"provider", "when", "deadline_ms", "retries", "cache_ttl_s", "required"});
    ProviderPlanEntry e;
    e.provider = o.enumeration<ProviderId>("provider", true, provider_from_string,
                                           "bkr, preventel, bureau, operator, id_check, iban_check, address",
                                           ProviderId::Bkr);
    if (o.find("provider", false) && !planned.insert(e.provider).second)
      o.fail(o.child("provider"), "is planned twice");
    if (o.find("when", false)) e.when = o.string("when", true, 4000);
    e.deadline_ms = o.small_int("deadline_ms", false, 10, 30'000, 1000);
    e.retries = o.small_int("retries", false, 0, 5, 1);
    e.cache_ttl_s = o.small_int("cache_ttl_s", false, 0, 30 * 86'400);
    e.required = o.boolean("required", false);
    p.provider_plan.push_back(std::move(e));
  });

  std::set<std::string> rule_ids;
  each(r, "rules", true, [&](const json& v, const std::string& pointer) {
    ObjectReader o(v, pointer, errors);
    if (!o.ok()) return;
    o.reject_unknown({"id", "description", "condition", "outcome", "reason_code", "message", "on_unknown", "enabled",
                      "tags", "counter_offers"});
    Rule rule;
    rule.id = o.string("id", true, 64);
    if (!rule.id.empty() && !rule_ids.insert(rule.id).second) o.fail(o.child("id"), "rule id '" + rule.id + "' is used twice");
    rule.description = o.string("description", false, 2000);
    rule.condition = o.string("condition", true, 8000);
    rule.outcome = *decode_outcome(o, "outcome", true, Outcome::Refer);
    rule.reason_code = o.string("reason_code", true, 64);
    rule.message = o.string("message", false, 2000);
    if (const json* u = o.find("on_unknown", false)) {
      if (u->is_string() && u->get_ref<const std::string&>() == "ignore") rule.on_unknown = std::nullopt;
      else rule.on_unknown = decode_outcome(o, "on_unknown", false, Outcome::Refer);
    }
    rule.enabled = o.boolean("enabled", false, true);
    rule.tags = strings(o, "tags", errors);
    rule.counter_offers = strings(o, "counter_offers", errors);
    p.rules.push_back(std::move(rule));
  });

  std::set<std::string> offer_ids;
  each(r, "counter_offers", false, [&](const json& v, const std::string& pointer) {
    ObjectReader o(v, pointer, errors);
    if (!o.ok()) return;
    o.reject_unknown({"id", "type", "description", "target_credit"});
    CounterOfferDef def;
    def.id = o.string("id", true, 64);
    if (!def.id.empty() && !offer_ids.insert(def.id).second) o.fail(o.child("id"), "counter-offer id is used twice");
    def.type = o.string("type", true, 32);
    if (!def.type.empty() && def.type != "sim_only" && def.type != "down_payment" && def.type != "lower_device_price")
      o.fail(o.child("type"), "must be one of sim_only, down_payment, lower_device_price");
    def.description = o.string("description", false, 2000);
    def.target_credit = o.string("target_credit", def.type == "down_payment" || def.type == "lower_device_price", 4000);
    p.counter_offers.push_back(std::move(def));
  });

  // Cross references.
  for (std::size_t i = 0; i < p.rules.size(); ++i)
    for (std::size_t k = 0; k < p.rules[i].counter_offers.size(); ++k)
      if (!offer_ids.contains(p.rules[i].counter_offers[k]))
        errors.errors.push_back({"/rules/" + std::to_string(i) + "/counter_offers/" + std::to_string(k),
                                 "names no counter-offer of this policy"});

  if (!errors.errors.empty()) return unexpected(std::move(errors));
  return p;
}

json encode_constant(const lang::Constant& c) {
  switch (c.type) {
    case lang::ValueType::Bool: return c.boolean;
    case lang::ValueType::Number: return c.number;
    case lang::ValueType::Money: return c.integer;
    case lang::ValueType::String: return c.text;
    case lang::ValueType::Date: return format_iso_date(Date{static_cast<std::int32_t>(c.integer)});
    default: return c.items;
  }
}

json encode(const PolicyDocument& p) {
  json params = json::array();
  for (const auto& param : p.parameters) {
    json j = {{"name", param.name}, {"type", parameter_type_name(param.value.type)}, {"value", encode_constant(param.value)}};
    if (!param.description.empty()) j["description"] = param.description;
    params.push_back(std::move(j));
  }
  json lists = json::array();
  for (const auto& l : p.lists) {
    json j = {{"name", l.name}, {"items", l.items}};
    if (!l.description.empty()) j["description"] = l.description;
    lists.push_back(std::move(j));
  }
  json norms = json::array();
  for (const auto& t : p.norm_tables) {
    json rows = json::array();
    for (std::size_t i = 0; i < household_type_count; ++i)
      rows.push_back({{"household_type", household_type_names()[i]},
                      {"base_norm_cents", t.rows[i].base_norm},
                      {"markup_basis_points", t.rows[i].markup_basis_points}});
    norms.push_back({{"id", t.id}, {"valid_from", format_iso_date(t.valid_from)}, {"rows", std::move(rows)}});
  }
  json plan = json::array();
  for (const auto& e : p.provider_plan)
    plan.push_back({{"provider", to_string(e.provider)}, {"when", e.when}, {"deadline_ms", e.deadline_ms},
                    {"retries", e.retries}, {"cache_ttl_s", e.cache_ttl_s}, {"required", e.required}});
  json rules = json::array();
  for (const auto& rule : p.rules) {
    json j = {{"id", rule.id},           {"description", rule.description}, {"condition", rule.condition},
              {"outcome", to_string(rule.outcome)}, {"reason_code", rule.reason_code}, {"message", rule.message},
              {"on_unknown", rule.on_unknown ? json(to_string(*rule.on_unknown)) : json("ignore")},
              {"enabled", rule.enabled}, {"tags", rule.tags}};
    if (!rule.counter_offers.empty()) j["counter_offers"] = rule.counter_offers;
    rules.push_back(std::move(j));
  }
  json offers = json::array();
  for (const auto& o : p.counter_offers) {
    json j = {{"id", o.id}, {"type", o.type}, {"description", o.description}};
    if (!o.target_credit.empty()) j["target_credit"] = o.target_credit;
    offers.push_back(std::move(j));
  }
  json out = {{"name", p.name},           {"version", p.version},  {"parameters", std::move(params)},
              {"lists", std::move(lists)}, {"norm_tables", std::move(norms)}, {"provider_plan", std::move(plan)},
              {"rules", std::move(rules)}, {"counter_offers", std::move(offers)}};
  if (!p.description.empty()) out["description"] = p.description;
  if (!p.velocity.empty()) out["velocity"] = encode(p.velocity);
  return out;
}

}  // namespace verdict
