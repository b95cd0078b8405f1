#include "policy/engine.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "lang/compiler/compiler.hpp"

namespace verdict {

namespace {

std::string format_number(double n) {
  if (std::floor(n) == n && std::fabs(n) < 1e15) return std::to_string(static_cast<long long>(n));
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", n);
  return buffer;
}

std::string format_date_nl(Date d) {
  int y = 0;
  unsigned m = 0, day = 0;
  civil_from_date(d, y, m, day);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02u-%02u-%04d", day, m, y);
  return buffer;
}

/// A parameter as a reason value: money in the same "123.45 EUR" form as money fields.
std::string constant_json(const lang::Constant& c) {
  if (c.type == lang::ValueType::Money) return "\"" + format_cents(c.integer) + " EUR\"";
  if (c.type == lang::ValueType::Number && std::floor(c.number) == c.number && std::fabs(c.number) < 1e15)
    return std::to_string(static_cast<long long>(c.number));
  return encode_constant(c).dump();
}

constexpr const char* missing_data_message =
    "Wij konden niet alle gegevens controleren die nodig zijn voor uw aanvraag. Een medewerker beoordeelt uw "
    "aanvraag en neemt contact met u op.";

}  // namespace

expected<std::shared_ptr<const CompiledPolicy>, std::vector<PolicyDiagnostic>> CompiledPolicy::compile(
    PolicyDocument document, std::string content_hash) {
  std::shared_ptr<CompiledPolicy> policy(new CompiledPolicy());
  policy->document_ = std::move(document);
  policy->content_hash_ = std::move(content_hash);
  const PolicyDocument& doc = policy->document_;
  std::vector<PolicyDiagnostic> problems;

  for (const auto& p : doc.parameters) policy->symbols_.parameters.emplace(p.name, p.value);
  for (const auto& l : doc.lists) policy->symbols_.lists.emplace(l.name, &l.items);
  policy->symbols_.velocity = &doc.velocity;

  lang::Compiler compiler(policy->program_, policy->symbols_);
  auto compile_expr = [&](const std::string& source, lang::ValueType type,
                          const std::string& pointer) -> std::optional<lang::Expr> {
    lang::Diagnostics diagnostics;
    auto expr = compiler.compile(source, type, diagnostics);
    for (auto& d : diagnostics) problems.push_back({pointer, d.pos.line, d.pos.column, std::move(d.message)});
    return expr;
  };

  auto check_template = [&](const std::string& message, const std::string& pointer) {
    std::size_t at = 0;
    while ((at = message.find('{', at)) != std::string::npos) {
      const auto close = message.find('}', at);
      if (close == std::string::npos) {
        problems.push_back({pointer, 0, 0, "a '{' in the message is not closed"});
        return;
      }
      const std::string name = message.substr(at + 1, close - at - 1);
      const bool is_param = name.starts_with("params.") && policy->symbols_.parameters.contains(name.substr(7));
      if (!is_param && !facts::find_field(name))
        problems.push_back({pointer, 0, 0, "the message names '{" + name + "}', which is no field or parameter"});
      else if (auto problem = lang::undeclared_field_problem(name, policy->symbols_); !is_param && !problem.empty())
        problems.push_back({pointer, 0, 0, "the message names " + problem});
      at = close + 1;
    }
  };

  for (std::size_t i = 0; i < doc.rules.size(); ++i) {
    const Rule& rule = doc.rules[i];
    const std::string base = "/rules/" + std::to_string(i);
    CompiledRule compiled;
    compiled.enabled = rule.enabled;
    compiled.outcome = rule.outcome;
    compiled.on_unknown = rule.on_unknown;
    if (auto expr = compile_expr(rule.condition, lang::ValueType::Bool, base + "/condition"))
      compiled.condition = std::move(*expr);
    check_template(rule.message, base + "/message");
    if (!rule.counter_offers.empty() && rule.outcome != Outcome::AcceptSimOnly)
      problems.push_back({base + "/counter_offers", 0, 0, "only an ACCEPT_SIM_ONLY rule can make counter-offers"});
    policy->rules_.push_back(std::move(compiled));
  }
  for (std::size_t i = 0; i < doc.counter_offers.size(); ++i) {
    CompiledOffer offer;
    if (!doc.counter_offers[i].target_credit.empty())
      offer.target_credit = compile_expr(doc.counter_offers[i].target_credit, lang::ValueType::Money,
                                         "/counter_offers/" + std::to_string(i) + "/target_credit");
    policy->offers_.push_back(std::move(offer));
  }
  for (std::size_t i = 0; i < doc.provider_plan.size(); ++i) {
    CompiledPlanEntry entry;
    if (auto expr = compile_expr(doc.provider_plan[i].when, lang::ValueType::Bool,
                                 "/provider_plan/" + std::to_string(i) + "/when"))
      entry.when = std::move(*expr);
    policy->plan_.push_back(std::move(entry));
  }
  for (std::size_t i = 0; i < doc.provider_plan.size(); ++i) {
    if (!doc.provider_plan[i].required) continue;
    const auto status_field = facts::find_field(std::string(to_string(doc.provider_plan[i].provider)) + ".status");
    policy->required_.push_back({i, *status_field});
  }
  for (const auto& t : doc.norm_tables) policy->norm_tables_by_date_.push_back(&t);
  std::sort(policy->norm_tables_by_date_.begin(), policy->norm_tables_by_date_.end(),
            [](const NormTable* a, const NormTable* b) { return a->valid_from > b->valid_from; });
  for (std::size_t i = 1; i < policy->norm_tables_by_date_.size(); ++i)
    if (policy->norm_tables_by_date_[i]->valid_from == policy->norm_tables_by_date_[i - 1]->valid_from)
      problems.push_back({"/norm_tables", 0, 0, "two norm tables are valid from the same date"});

  if (!problems.empty()) return unexpected(std::move(problems));
  return std::shared_ptr<const CompiledPolicy>(std::move(policy));
}

EvalScratch CompiledPolicy::make_scratch() const {
  EvalScratch s;
  s.results.assign(rules_.size(), lang::Tri::False);
  return s;
}

lang::EvalContext CompiledPolicy::context(const facts::FactView& facts, const EvalScratch& scratch) const {
  return lang::EvalContext{facts, scratch.derived.data(), scratch.derived_known};
}

void CompiledPolicy::derive(const facts::FactView& facts, EvalScratch& s) const {
  constexpr auto f_date = facts::field_id("application.date");
  constexpr auto f_type = facts::field_id("household.type");
  constexpr auto f_income = facts::field_id("household.net_income");
  constexpr auto f_housing = facts::field_id("household.housing_costs");
  constexpr auto f_other = facts::field_id("household.other_obligations");
  constexpr auto f_instalment = facts::field_id("order.monthly_instalment");
  constexpr auto f_months = facts::field_id("order.credit_months");

  const auto& values = facts.record->values;
  s.derived_known = 0;
  s.norm_table = nullptr;
  const Date date{static_cast<std::int32_t>(values[f_date].integer)};
  for (const NormTable* t : norm_tables_by_date_)
    if (t->valid_from <= date) {
      s.norm_table = t;
      break;
    }
  if (!s.norm_table) return;  // no norm valid on that date: affordability stays unknown

  // Household type is stored as its name; map it back without allocating.
  const lang::StrRef type_ref = values[f_type].str;
  const std::string_view type_name(facts.chars + type_ref.offset, type_ref.length);
  const auto& names = household_type_names();
  const auto it = std::find(names.begin(), names.end(), type_name);
  if (it == names.end()) return;
  const NormRow& row = s.norm_table->rows[static_cast<std::size_t>(it - names.begin())];

  const Cents income = values[f_income].integer;
  const Cents loan_norm = row.base_norm + mul_div_round(std::max<Cents>(0, income - row.base_norm), row.markup_basis_points, 10'000);
  const Cents capacity = income - loan_norm - values[f_housing].integer - values[f_other].integer;
  const Cents instalment = values[f_instalment].integer;
  const auto months = static_cast<std::int64_t>(values[f_months].number);

  using D = facts::Derived;
  s.derived[static_cast<std::size_t>(D::BaseNorm)].integer = row.base_norm;
  s.derived[static_cast<std::size_t>(D::LoanNorm)].integer = loan_norm;
  s.derived[static_cast<std::size_t>(D::Capacity)].integer = capacity;
  s.derived[static_cast<std::size_t>(D::Shortfall)].integer = std::max<Cents>(0, instalment - std::max<Cents>(0, capacity));
  s.derived[static_cast<std::size_t>(D::MaxAffordableCredit)].integer = std::max<Cents>(0, capacity) * months;
  s.derived_known = (1U << facts::derived_field_count) - 1;
}

Outcome CompiledPolicy::evaluate(const facts::FactView& facts, EvalScratch& scratch) const {
  derive(facts, scratch);
  const lang::EvalContext ctx = context(facts, scratch);
  Outcome outcome = Outcome::Accept;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const CompiledRule& rule = rules_[i];
    if (!rule.enabled) {
      scratch.results[i] = lang::Tri::False;
      continue;
    }
    const lang::Tri t = lang::run_condition(program_, rule.condition, ctx, nullptr);
    scratch.results[i] = t;
    if (t == lang::Tri::True) outcome = stronger(outcome, rule.outcome);
    else if (t == lang::Tri::Unknown && rule.on_unknown) outcome = stronger(outcome, *rule.on_unknown);
  }
  // A required provider that should have answered and did not: never accept without it.
  scratch.required_provider_missing = false;
  for (const RequiredProvider& required : required_) {
    const lang::StrRef status = facts.record->values[required.status_field].str;
    const std::string_view text(facts.chars + status.offset, status.length);
    if (text == "ok" || text == "hit" || text == "no_hit") continue;
    if (lang::run_condition(program_, plan_[required.plan_index].when, ctx, nullptr) != lang::Tri::False) {
      scratch.required_provider_missing = true;
      outcome = stronger(outcome, Outcome::Refer);
    }
  }
  return outcome;
}

std::string CompiledPolicy::render_value(std::uint16_t field, const facts::FactView& facts, const EvalScratch& scratch,
                                         bool for_customer) const {
  const lang::Value v = lang::load_field(field, context(facts, scratch));
  const auto type = facts::catalog()[field].type;
  if (!v.known) return for_customer ? "onbekend" : "null";
  switch (type) {
    case lang::ValueType::Bool: return v.integer ? "true" : "false";
    case lang::ValueType::Number: return format_number(v.number);
    case lang::ValueType::Money: return for_customer ? format_euro_nl(v.integer) : "\"" + format_cents(v.integer) + " EUR\"";
    case lang::ValueType::Date: {
      const Date d{static_cast<std::int32_t>(v.integer)};
      return for_customer ? format_date_nl(d) : "\"" + format_iso_date(d) + "\"";
    }
    case lang::ValueType::String:
      return for_customer ? std::string(v.string_view()) : nlohmann::json(std::string(v.string_view())).dump();
    default: {
      nlohmann::json items = nlohmann::json::array();
      for (std::uint32_t k = 0; k < v.list.count; ++k) {
        const lang::StrRef item = facts.items[v.list.offset + k];
        items.push_back(std::string(facts.chars + item.offset, item.length));
      }
      if (!for_customer) return items.dump();
      std::string joined;
      for (const auto& i : items) joined += (joined.empty() ? "" : ", ") + i.get<std::string>();
      return joined;
    }
  }
}

std::string CompiledPolicy::fill_template(const std::string& message, const facts::FactView& facts,
                                          const EvalScratch& scratch) const {
  std::string out;
  std::size_t at = 0;
  while (at < message.size()) {
    const auto open = message.find('{', at);
    if (open == std::string::npos) break;
    const auto close = message.find('}', open);
    if (close == std::string::npos) break;
    out.append(message, at, open - at);
    const std::string name = message.substr(open + 1, close - open - 1);
    if (name.starts_with("params.")) {
      const lang::Constant& c = symbols_.parameters.at(name.substr(7));
      if (c.type == lang::ValueType::Money) out += format_euro_nl(c.integer);
      else if (c.type == lang::ValueType::Number) out += format_number(c.number);
      else if (c.type == lang::ValueType::String) out += c.text;
      else out += constant_json(c);
    } else {
      out += render_value(*facts::find_field(name), facts, scratch, true);
    }
    at = close + 1;
  }
  out.append(message, at);
  return out;
}

Reason CompiledPolicy::make_reason(std::size_t i, const facts::FactView& facts, const EvalScratch& scratch,
                                   bool by_unknown) const {
  const Rule& rule = document_.rules[i];
  const CompiledRule& compiled = rules_[i];
  Reason r;
  r.rule_id = rule.id;
  r.reason_code = rule.reason_code;
  r.outcome = by_unknown ? compiled.on_unknown.value_or(Outcome::Accept) : compiled.outcome;
  // A rule decided by missing data must not tell the customer its condition was met.
  r.message = by_unknown ? missing_data_message : fill_template(rule.message, facts, scratch);
  for (auto field : compiled.condition.fields)
    r.values.emplace_back(std::string(facts::catalog()[field].path), render_value(field, facts, scratch, false));
  for (const auto& name : compiled.condition.parameters)
    r.values.emplace_back("params." + name, constant_json(symbols_.parameters.at(name)));
  if (by_unknown) {
    lang::MissingMask missing;
    lang::run(program_, compiled.condition, context(facts, scratch), &missing);
    for (auto field : compiled.condition.fields)
      if (missing.test(field)) r.missing.emplace_back(facts::catalog()[field].path);
  }
  return r;
}

Decision CompiledPolicy::explain(const Case& c) const {
  facts::OwnedFacts owned(c);
  EvalScratch scratch = make_scratch();
  const Outcome outcome = evaluate(owned.view(), scratch);
  return explain(c, owned.view(), scratch, outcome);
}

Decision CompiledPolicy::explain(const Case& c, const facts::FactView& facts, EvalScratch& scratch,
                                 Outcome outcome) const {
  Decision d;
  d.application_id = c.application.id;
  d.outcome = outcome;
  d.policy_name = document_.name;
  d.policy_version = document_.version;
  d.policy_hash = content_hash_;

  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const lang::Tri t = scratch.results[i];
    if (t == lang::Tri::True) d.reasons.push_back(make_reason(i, facts, scratch, false));
    else if (t == lang::Tri::Unknown) {
      if (rules_[i].on_unknown) d.reasons.push_back(make_reason(i, facts, scratch, true));
      else d.ignored_unknown.push_back(make_reason(i, facts, scratch, true));
    }
  }
  if (scratch.required_provider_missing) {
    for (std::size_t i = 0; i < plan_.size(); ++i) {
      const ProviderPlanEntry& entry = document_.provider_plan[i];
      if (!entry.required || answered(c.providers.call(entry.provider).status)) continue;
      if (lang::run_condition(program_, plan_[i].when, context(facts, scratch), nullptr) == lang::Tri::False) continue;
      Reason r;
      r.rule_id = "plan." + std::string(to_string(entry.provider));
      r.reason_code = "REQUIRED_PROVIDER_UNAVAILABLE";
      r.outcome = Outcome::Refer;
      r.message = "Wij kunnen uw aanvraag nu niet automatisch beoordelen; een medewerker neemt contact met u op.";
      r.values.emplace_back(std::string(to_string(entry.provider)) + ".status",
                            nlohmann::json(std::string(to_string(c.providers.call(entry.provider).status))).dump());
      r.missing.push_back(std::string(to_string(entry.provider)));
      d.reasons.push_back(std::move(r));
    }
  }

  if (scratch.derived_known != 0 && scratch.norm_table) {
    using D = facts::Derived;
    auto get = [&](D field) { return scratch.derived[static_cast<std::size_t>(field)].integer; };
    d.affordability.computed = true;
    d.affordability.norm_table = scratch.norm_table->id;
    d.affordability.base_norm = get(D::BaseNorm);
    d.affordability.loan_norm = get(D::LoanNorm);
    d.affordability.capacity = get(D::Capacity);
    d.affordability.shortfall = get(D::Shortfall);
    d.affordability.max_affordable_credit = get(D::MaxAffordableCredit);
    d.affordability.monthly_instalment =
        c.application.order.credit_months > 0
            ? mul_div_round(c.application.order.credit_amount, 1, c.application.order.credit_months)
            : 0;
  }

  if (outcome == Outcome::AcceptSimOnly) {
    // Each fired SIM-only rule names the offers that answer its concern; only an offer that every
    // one of them allows is made (income below the norm allows SIM-only and nothing else).
    std::vector<std::string> offered;
    bool first = true;
    for (std::size_t i = 0; i < rules_.size(); ++i) {
      if (rules_[i].outcome != Outcome::AcceptSimOnly || scratch.results[i] != lang::Tri::True) continue;
      const auto& allowed = document_.rules[i].counter_offers;
      if (first) offered = allowed;
      else
        std::erase_if(offered, [&](const std::string& id) {
          return std::find(allowed.begin(), allowed.end(), id) == allowed.end();
        });
      first = false;
    }
    const Order& order = c.application.order;
    for (const auto& id : offered) {
      const auto it = std::find_if(document_.counter_offers.begin(), document_.counter_offers.end(),
                                   [&](const CounterOfferDef& o) { return o.id == id; });
      const CounterOfferDef& def = *it;
      const CompiledOffer& compiled = offers_[static_cast<std::size_t>(it - document_.counter_offers.begin())];
      CounterOffer offer{def.id, def.type, def.description, std::nullopt, std::nullopt, std::nullopt};
      if (compiled.target_credit) {
        const lang::Value target = lang::run(program_, *compiled.target_credit, context(facts, scratch), nullptr);
        if (!target.known) continue;
        const Cents credit = std::max<Cents>(0, std::min(target.integer, order.credit_amount));
        if (credit >= order.credit_amount) continue;  // nothing to offer: the order already fits
        if (def.type == "lower_device_price" && credit == 0 && order.down_payment == 0) continue;  // no device fits
        if (def.type == "down_payment") {
          offer.down_payment = order.down_payment + (order.credit_amount - credit);
          offer.credit_amount = credit;
        } else {
          offer.max_device_price = order.down_payment + credit;
          offer.credit_amount = credit;
        }
      }
      d.counter_offers.push_back(std::move(offer));
    }
  }

  for (ProviderId id : all_providers()) {
    const ProviderCall& call = c.providers.call(id);
    d.providers.push_back({id, call.status, call.latency_ms, call.cached});
  }
  return d;
}

std::vector<ProviderPlanEntry> CompiledPolicy::plan(const Application& application) const {
  Case c;
  c.application = application;
  facts::OwnedFacts owned(c);
  EvalScratch scratch = make_scratch();
  derive(owned.view(), scratch);
  std::vector<ProviderPlanEntry> out;
  for (std::size_t i = 0; i < plan_.size(); ++i)
    if (lang::run_condition(program_, plan_[i].when, context(owned.view(), scratch), nullptr) != lang::Tri::False)
      out.push_back(document_.provider_plan[i]);
  return out;
}

}  // namespace verdict
