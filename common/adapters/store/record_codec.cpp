#include "store/record_codec.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/aggregates.hpp"

namespace verdict::store {

namespace {

/// A JSON string literal. Plain ASCII is written as it is; anything else is left to nlohmann_json
/// (escapes, and invalid UTF-8 replaced as the rest of the record's JSON is).
void append_json_string(std::string& out, std::string_view s) {
  const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
  });
  if (plain) {
    out += '"';
    out.append(s);
    out += '"';
  } else {
    out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

}  // namespace

std::string provider_calls_json(const std::vector<DecisionRecord::ProviderCall>& calls) {
  std::string out = "[";
  for (const auto& c : calls) {
    if (out.size() > 1) out += ',';
    out += "{\"provider\":";
    append_json_string(out, c.provider);
    out += ",\"status\":";
    append_json_string(out, c.status);
    out += ",\"latency_ms\":" + std::to_string(c.latency_ms);
    out += c.cached ? ",\"cached\":true" : ",\"cached\":false";
    out += ",\"error\":";
    append_json_string(out, c.error);
    out += '}';
  }
  return out + ']';
}


nlohmann::json encode(const DecisionRecord& r) {
  auto calls = nlohmann::json::array();
  for (const auto& c : r.provider_calls)
    calls.push_back(
        {{"provider", c.provider}, {"status", c.status}, {"latency_ms", c.latency_ms}, {"cached", c.cached}, {"error", c.error}});
  nlohmann::json j = {{"decision_id", r.decision_id},
          {"idempotency_key", r.idempotency_key},
          {"application_id", r.application_id},
          {"received_at_ms", r.received_at_ms},
          {"channel", r.channel},
          {"shop_id", r.shop_id},
          {"outcome", r.outcome},
          {"policy_name", r.policy_name},
          {"policy_version", r.policy_version},
          {"policy_hash", r.policy_hash},
          {"elapsed_ms", r.elapsed_ms},
          {"customer_key", r.customer_key},
          {"case_json", r.case_json},
          {"decision_json", r.decision_json},
          {"provider_calls", std::move(calls)}};
  if (r.counted) {  // optional: a reader without it takes both from the JSON (aggregates::counted_of)
    j["product"] = r.counted->product;
    j["reason_codes"] = r.counted->reason_codes;
  }
  return j;
}

std::optional<DecisionRecord> decode_record(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  try {
    DecisionRecord r;
    j.at("decision_id").get_to(r.decision_id);
    j.at("idempotency_key").get_to(r.idempotency_key);
    j.at("application_id").get_to(r.application_id);
    j.at("received_at_ms").get_to(r.received_at_ms);
    j.at("channel").get_to(r.channel);
    j.at("shop_id").get_to(r.shop_id);
    j.at("outcome").get_to(r.outcome);
    j.at("policy_name").get_to(r.policy_name);
    j.at("policy_version").get_to(r.policy_version);
    j.at("policy_hash").get_to(r.policy_hash);
    j.at("elapsed_ms").get_to(r.elapsed_ms);
    j.at("customer_key").get_to(r.customer_key);
    j.at("case_json").get_to(r.case_json);
    j.at("decision_json").get_to(r.decision_json);
    for (const auto& c : j.at("provider_calls")) {
      DecisionRecord::ProviderCall call;
      c.at("provider").get_to(call.provider);
      c.at("status").get_to(call.status);
      c.at("latency_ms").get_to(call.latency_ms);
      c.at("cached").get_to(call.cached);
      c.at("error").get_to(call.error);
      r.provider_calls.push_back(std::move(call));
    }
    if (const auto product = j.find("product"); product != j.end()) {
      DecisionRecord::Counted counted;
      product->get_to(counted.product);
      j.at("reason_codes").get_to(counted.reason_codes);
      r.counted = std::move(counted);
    }
    return r;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // the library reports a missing or mistyped field by throwing; we answer with a value
  }
}

DecisionRecord record_of(const Case& c, const Decision& decision, const DecisionStamp& stamp, std::int64_t received_at_ms,
                         std::string customer_key) {
  return record_of(c, decision, stamp, received_at_ms, std::move(customer_key), encode_text(c),
                   encode_text(decision, &stamp));
}

DecisionRecord record_of(const Case& c, const Decision& decision, const DecisionStamp& stamp, std::int64_t received_at_ms,
                         std::string customer_key, std::string case_json, std::string decision_json) {
  DecisionRecord r;
  r.decision_id = stamp.decision_id;
  r.application_id = c.application.id;
  r.received_at_ms = received_at_ms;
  r.channel = std::string(to_string(c.application.channel));
  r.shop_id = c.application.shop_id;
  r.outcome = std::string(to_string(decision.outcome));
  r.policy_name = decision.policy_name;
  r.policy_version = decision.policy_version;
  r.policy_hash = decision.policy_hash;
  r.elapsed_ms = stamp.elapsed_ms;
  r.customer_key = std::move(customer_key);
  r.case_json = std::move(case_json);
  r.decision_json = std::move(decision_json);
  r.counted = aggregates::counted(to_string(c.application.order.product), decision);
  for (ProviderId id : all_providers()) {
    const ProviderCall& call = c.providers.call(id);
    if (call.status == ProviderStatus::NotCalled) continue;
    r.provider_calls.push_back(
        {std::string(to_string(id)), std::string(to_string(call.status)), call.latency_ms, call.cached, call.error});
  }
  return r;
}

}  // namespace verdict::store
