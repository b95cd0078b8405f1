// JSON text for the request path, written straight into a string. The same bytes as
// encode(...).dump() — keys in the sorted order nlohmann's std::map gives, the same escaping — but
// without building a DOM, which cost the daemon more per decision than evaluating the policy.
// tests/unit/test_codec.cpp compares the two over generated cases, so the DOM encoders stay the
// definition and these must follow them.
#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include "domain/codec.hpp"

namespace verdict {

namespace {

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  /// `"key":` (with the comma before it when the object already has a member).
  Writer& key(std::string_view k) {
    comma();
    out_ += '"';
    out_ += k;  // our keys are plain ASCII: nothing to escape
    out_ += "\":";
    fresh_ = true;
    return *this;
  }
  Writer& begin_object() {
    value_start();
    out_ += '{';
    fresh_ = true;
    return *this;
  }
  Writer& end_object() {
    out_ += '}';
    fresh_ = false;
    return *this;
  }
  Writer& begin_array() {
    value_start();
    out_ += '[';
    fresh_ = true;
    return *this;
  }
  Writer& end_array() {
    out_ += ']';
    fresh_ = false;
    return *this;
  }
  Writer& string(std::string_view s) {
    value_start();
    escaped(s);
    return *this;
  }
  Writer& integer(long long v) {
    value_start();
    char buffer[24];
    const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
    out_.append(buffer, static_cast<std::size_t>(end - buffer));
    return *this;
  }
  Writer& boolean(bool v) {
    value_start();
    out_ += v ? "true" : "false";
    return *this;
  }
  /// A value that is already JSON text.
  Writer& raw(std::string_view json) {
    value_start();
    out_ += json;
    return *this;
  }

  Writer& member(std::string_view k, std::string_view v) { return key(k).string(v); }
  Writer& member(std::string_view k, long long v) { return key(k).integer(v); }
  Writer& member(std::string_view k, int v) { return key(k).integer(v); }
  Writer& member_bool(std::string_view k, bool v) { return key(k).boolean(v); }

 private:
  void comma() {
    if (!fresh_) out_ += ',';
  }
  /// Array elements are separated by commas; an object member's value follows its key directly.
  void value_start() {
    if (!fresh_) out_ += ',';
    fresh_ = false;
  }
  /// As nlohmann::json::dump() with ensure_ascii false: ", \, and control characters escaped, the
  /// rest (valid UTF-8, checked at the API edge) copied.
  void escaped(std::string_view s) {
    out_ += '"';
    std::size_t run = 0;  // start of the characters that need no escape, copied in one go
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(s.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\b': out_ += "\\b"; break;
        case '\f': out_ += "\\f"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default: {
          static constexpr char hex[] = "0123456789abcdef";
          const char u[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
          out_.append(u, sizeof u);
        }
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_ += '"';
  }

  std::string& out_;
  bool fresh_ = true;
};

void write_application(Writer& w, const Application& a) {
  const auto& ap = a.applicant;
  w.begin_object();
  if (!a.agent.empty()) w.member("agent", a.agent);
  w.key("applicant").begin_object();
  w.key("address")
      .begin_object()
      .member("city", ap.address.city)
      .member("house_number", ap.address.house_number)
      .member("postcode", ap.address.postcode)
      .member("street", ap.address.street)
      .end_object();
  w.member("date_of_birth", format_iso_date(ap.date_of_birth));
  if (ap.device_id) w.member("device_id", *ap.device_id);
  w.member("email", ap.email).member("first_name", ap.first_name).member("iban", ap.iban);
  w.key("id_document")
      .begin_object()
      .member("expiry_date", format_iso_date(ap.id_document.expiry_date))
      .member("number", ap.id_document.number)
      .member("type", ap.id_document.type)
      .end_object();
  w.member("last_name", ap.last_name).member("phone", ap.phone);
  w.end_object();
  w.member("channel", to_string(a.channel)).member("date", format_iso_date(a.date));
  const auto& h = a.household;
  w.key("household")
      .begin_object()
      .member("children", h.children)
      .member("housing_costs_cents", static_cast<long long>(h.housing_costs))
      .member_bool("income_documented", h.income_documented)
      .member("net_income_cents", static_cast<long long>(h.net_income))
      .member("other_obligations_cents", static_cast<long long>(h.other_obligations))
      .member("type", to_string(h.type))
      .end_object();
  w.member("id", a.id);
  const auto& o = a.order;
  w.key("order")
      .begin_object()
      .member("contract_months", o.contract_months)
      .member("credit_amount_cents", static_cast<long long>(o.credit_amount))
      .member("credit_months", o.credit_months)
      .member("device_price_cents", static_cast<long long>(o.device_price))
      .member("down_payment_cents", static_cast<long long>(o.down_payment))
      .member("monthly_fee_cents", static_cast<long long>(o.monthly_fee))
      .member("plan", o.plan)
      .member("product", to_string(o.product))
      .end_object();
  if (!a.shop_id.empty()) w.member("shop_id", a.shop_id);
  w.end_object();
}

/// One provider's object: the call's members (cached, error, latency_ms, status) merged in sorted
/// order with the provider's own fields. `fields` writes the members that sort before "latency_ms"
/// in `before`, after "status" in `after`, and between them in `middle`.
template <typename Before, typename Middle, typename After>
void write_call(Writer& w, const ProviderCall& call, Before before, Middle middle, After after) {
  const bool fields = answered(call.status);
  w.begin_object();
  // Members are interleaved by name: each provider's writer says where its fields go.
  if (fields) before(0);  // sorts before "cached"
  if (call.cached) w.member_bool("cached", true);
  if (fields) before(1);  // between "cached" and "error"
  if (!call.error.empty()) w.member("error", call.error);
  if (fields) before(2);  // between "error" and "latency_ms"
  w.member("latency_ms", call.latency_ms);
  if (fields) middle();  // between "latency_ms" and "status"
  w.member("status", to_string(call.status));
  if (fields) after();  // after "status"
  w.end_object();
}

void write_provider(Writer& w, ProviderId id, const ProviderResults& p) {
  auto none = [] {};
  switch (id) {
    case ProviderId::Bkr:
      write_call(
          w, p.bkr,
          [&](int slot) {
            if (slot == 1) {  // codes, contracts: after "cached", before "error"
              w.key("codes").begin_array();
              for (const auto& code : p.bkr.codes) w.string(code);
              w.end_array();
              w.key("contracts").begin_array();
              for (const auto& c : p.bkr.contracts)
                w.begin_object()
                    .member("amount_cents", static_cast<long long>(c.amount))
                    .member_bool("device", c.device)
                    .member("opened", format_iso_date(c.opened))
                    .member("type", c.type)
                    .end_object();
              w.end_array();
            }
          },
          none, none);
      break;
    case ProviderId::Preventel:
      write_call(
          w, p.preventel, [](int) {},
          [&] {
            w.member("outstanding_cents", static_cast<long long>(p.preventel.outstanding))
                .member("registrations", p.preventel.registrations);
          },
          none);
      break;
    case ProviderId::Bureau:
      write_call(
          w, p.bureau,
          [&](int slot) {
            if (slot == 0) w.member("bureau", p.bureau.bureau);
          },
          [&] { w.member("payment_behaviour", p.bureau.payment_behaviour).member("score", p.bureau.score); }, none);
      break;
    case ProviderId::Operator: {
      const auto& o = p.operator_history;
      write_call(
          w, o,
          [&](int slot) {
            if (slot == 0)
              w.member("active_subscriptions", o.active_subscriptions)
                  .member("arrears_cents", static_cast<long long>(o.arrears))
                  .member("arrears_days", o.arrears_days);
            if (slot == 1) w.member("customer_months", o.customer_months);
          },
          [&] { w.member("open_device_credit_cents", static_cast<long long>(o.open_device_credit)); },
          [&] { w.member("write_offs", o.write_offs); });
      break;
    }
    case ProviderId::IdCheck:
      write_call(
          w, p.id_check,
          [&](int slot) {
            if (slot == 1) w.member("document_status", p.id_check.document_status);
          },
          none, none);
      break;
    case ProviderId::IbanCheck:
      write_call(
          w, p.iban_check,
          [&](int slot) {
            if (slot == 0)
              w.member_bool("account_closed", p.iban_check.account_closed)
                  .member_bool("business_account", p.iban_check.business_account);
          },
          [&] { w.member("name_match", p.iban_check.name_match); }, none);
      break;
    case ProviderId::Address:
      write_call(
          w, p.address,
          [&](int slot) {
            if (slot == 2) w.member_bool("exists", p.address.exists);
          },
          [&] { w.member_bool("residential", p.address.residential); }, none);
      break;
  }
}

/// Provider names in the order a JSON object keeps them.
constexpr ProviderId providers_by_name[] = {ProviderId::Address,   ProviderId::Bkr,      ProviderId::Bureau,
                                            ProviderId::IbanCheck, ProviderId::IdCheck,  ProviderId::Operator,
                                            ProviderId::Preventel};

void write_reason(Writer& w, const Reason& r, bool effective) {
  w.begin_object();
  if (effective) w.member("message", r.message);
  if (!r.missing.empty()) {
    w.key("missing").begin_array();
    for (const auto& m : r.missing) w.string(m);
    w.end_array();
  }
  if (effective) w.member("outcome", to_string(r.outcome));
  w.member("reason_code", r.reason_code).member("rule_id", r.rule_id);
  // The values are JSON texts rendered by the engine (already in dump() form); an object keeps one
  // per path, the last given, in sorted order.
  w.key("values").begin_object();
  std::vector<const std::pair<std::string, std::string>*> sorted;
  sorted.reserve(r.values.size());
  for (const auto& v : r.values) sorted.push_back(&v);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i + 1 < sorted.size() && sorted[i + 1]->first == sorted[i]->first) continue;
    w.key(sorted[i]->first).raw(sorted[i]->second);
  }
  w.end_object();
  w.end_object();
}

/// encode_velocity(v).dump(): per identifier (by name) the known counters (by name), and the error.
void write_velocity(Writer& w, const VelocitySignals& v) {
  struct Member {
    std::string name;
    std::int32_t value;
  };
  struct Group {
    std::string_view name;
    std::vector<Member> counters;
  };
  std::vector<Group> groups;
  for (std::size_t id = 0; id < velocity_identifier_count; ++id) {
    Group g{to_string(static_cast<VelocityIdentifier>(id)), {}};
    for (std::size_t win = 0; win < velocity_window_count; ++win)
      for (std::size_t m = 0; m < velocity_measure_count; ++m) {
        const auto i = velocity_counter_index(static_cast<VelocityIdentifier>(id), static_cast<VelocityWindow>(win),
                                              static_cast<VelocityMeasure>(m));
        if (!v.is_known(i)) continue;
        std::string name(to_string(static_cast<VelocityMeasure>(m)));
        name += '_';
        name += to_string(static_cast<VelocityWindow>(win));
        g.counters.push_back({std::move(name), v.values[i]});
      }
    if (!g.counters.empty()) groups.push_back(std::move(g));
  }
  std::sort(groups.begin(), groups.end(), [](const Group& a, const Group& b) { return a.name < b.name; });
  w.begin_object();
  bool error_written = v.error.empty();
  for (auto& g : groups) {
    if (!error_written && std::string_view("error") < g.name) {
      w.member("error", v.error);
      error_written = true;
    }
    std::sort(g.counters.begin(), g.counters.end(), [](const Member& a, const Member& b) { return a.name < b.name; });
    w.key(g.name).begin_object();
    for (const auto& c : g.counters) w.member(c.name, static_cast<long long>(c.value));
    w.end_object();
  }
  if (!error_written) w.member("error", v.error);
  w.end_object();
}

}  // namespace

std::string encode_text(const Case& c) {
  std::string out;
  out.reserve(2048);
  Writer w(out);
  w.begin_object();
  w.key("application");
  write_application(w, c.application);
  w.key("providers").begin_object();
  for (ProviderId id : providers_by_name) {
    if (c.providers.call(id).status == ProviderStatus::NotCalled) continue;
    w.key(to_string(id));
    write_provider(w, id, c.providers);
  }
  w.end_object();
  w.key("velocity");
  write_velocity(w, c.providers.velocity);
  w.end_object();
  return out;
}

std::string encode_text(const Application& a) {
  std::string out;
  out.reserve(1024);
  Writer w(out);
  write_application(w, a);
  return out;
}

std::string encode_text(const Decision& d, const DecisionStamp* stamp) {
  std::string out;
  out.reserve(1024);
  Writer w(out);
  w.begin_object();
  if (d.affordability.computed) {
    const auto& a = d.affordability;
    w.key("affordability")
        .begin_object()
        .member("base_norm_cents", static_cast<long long>(a.base_norm))
        .member("capacity_cents", static_cast<long long>(a.capacity))
        .member("loan_norm_cents", static_cast<long long>(a.loan_norm))
        .member("max_affordable_credit_cents", static_cast<long long>(a.max_affordable_credit))
        .member("monthly_instalment_cents", static_cast<long long>(a.monthly_instalment))
        .member("norm_table", a.norm_table)
        .member("shortfall_cents", static_cast<long long>(a.shortfall))
        .end_object();
  }
  w.member("application_id", d.application_id);
  w.key("counter_offers").begin_array();
  for (const auto& o : d.counter_offers) {
    w.begin_object();
    if (o.credit_amount) w.member("credit_amount_cents", static_cast<long long>(*o.credit_amount));
    w.member("description", o.description);
    if (o.down_payment) w.member("down_payment_cents", static_cast<long long>(*o.down_payment));
    w.member("id", o.id);
    if (o.max_device_price) w.member("max_device_price_cents", static_cast<long long>(*o.max_device_price));
    w.member("type", o.type);
    w.end_object();
  }
  w.end_array();
  if (stamp) w.member("decision_id", stamp->decision_id).member("elapsed_ms", stamp->elapsed_ms);
  if (!d.ignored_unknown.empty()) {
    w.key("ignored_unknown").begin_array();
    for (const auto& r : d.ignored_unknown) write_reason(w, r, false);
    w.end_array();
  }
  w.member("outcome", to_string(d.outcome));
  w.key("policy")
      .begin_object()
      .member("hash", d.policy_hash)
      .member("name", d.policy_name)
      .member("version", d.policy_version)
      .end_object();
  // One per provider, by name; a provider listed twice keeps its last summary, as an object would.
  w.key("providers").begin_object();
  for (ProviderId id : providers_by_name) {
    const ProviderSummary* last = nullptr;
    for (const auto& p : d.providers)
      if (p.provider == id) last = &p;
    if (!last) continue;
    w.key(to_string(id)).begin_object();
    if (last->cached) w.member_bool("cached", true);
    w.member("latency_ms", last->latency_ms).member("status", to_string(last->status)).end_object();
  }
  w.end_object();
  w.key("reasons").begin_array();
  for (const auto& r : d.reasons) write_reason(w, r, true);
  w.end_array();
  if (stamp) w.member("received_at", stamp->received_at);
  w.end_object();
  return out;
}

}  // namespace verdict
