#include "store/json_scan.hpp"

#include <algorithm>
#include <climits>
#include <simdjson.h>

namespace verdict::store {

namespace {

namespace od = simdjson::ondemand;

/// One parser per thread: it keeps its buffers between documents.
od::parser& parser() {
  thread_local od::parser p;
  return p;
}

bool get_text(od::value& v, std::string& out) {
  std::string_view s;
  if (v.get_string().get(s)) return false;
  out.assign(s);
  return true;
}

bool get_int(od::value& v, int& out) {
  std::int64_t n = 0;
  if (v.get_int64().get(n) || n < INT_MIN || n > INT_MAX) return false;
  out = static_cast<int>(n);
  return true;
}

/// A scalar as text, the way PostgreSQL's ->> gives it: a string unescaped, a number or boolean as
/// written; nullopt for null, objects and arrays.
std::optional<std::string> scalar_text(od::value& v) {
  od::json_type type{};
  if (v.type().get(type)) return std::nullopt;
  if (type == od::json_type::string) {
    std::string out;
    return get_text(v, out) ? std::optional(out) : std::nullopt;
  }
  if (type != od::json_type::number && type != od::json_type::boolean) return std::nullopt;
  std::string_view token = v.raw_json_token();
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' || token.back() == '\t'))
    token.remove_suffix(1);
  return std::string(token);
}

bool parse_call(od::value& v, DecisionRecord::ProviderCall& call) {
  od::object object;
  if (v.get_object().get(object)) return false;
  unsigned seen = 0;
  for (auto result : object) {
    od::field field;
    std::string_view key;
    if (std::move(result).get(field) || field.unescaped_key().get(key)) return false;
    od::value& value = field.value();
    bool ok = true;
    if (key == "provider") ok = get_text(value, call.provider), seen |= 1U;
    else if (key == "status") ok = get_text(value, call.status), seen |= 2U;
    else if (key == "latency_ms") ok = get_int(value, call.latency_ms), seen |= 4U;
    else if (key == "cached") ok = !value.get_bool().get(call.cached), seen |= 8U;
    else if (key == "error") ok = get_text(value, call.error), seen |= 16U;
    if (!ok) return false;
  }
  return seen == 31U;
}

/// `v`: a value or a whole document holding the array.
template <typename Json>
bool parse_calls(Json& v, std::vector<DecisionRecord::ProviderCall>& calls) {
  calls.clear();
  od::array array;
  if (v.get_array().get(array)) return false;
  for (auto element : array) {
    od::value call_value;
    DecisionRecord::ProviderCall call;
    if (std::move(element).get(call_value) || !parse_call(call_value, call)) return false;
    calls.push_back(std::move(call));
  }
  return true;
}

}  // namespace

std::optional<std::vector<DecisionRecord::ProviderCall>> parse_provider_calls(std::string_view json_text) {
  const simdjson::padded_string padded(json_text);
  od::document doc;
  if (parser().iterate(padded).get(doc)) return std::nullopt;
  std::vector<DecisionRecord::ProviderCall> calls;
  if (!parse_calls(doc, calls)) return std::nullopt;
  const char* trailing = nullptr;
  if (doc.current_location().get(trailing) == simdjson::SUCCESS) return std::nullopt;
  return calls;
}

std::optional<DecisionRecord> parse_record(std::string_view json_text) {
  const simdjson::padded_string padded(json_text);
  od::document doc;
  if (parser().iterate(padded).get(doc)) return std::nullopt;
  od::object object;
  if (doc.get_object().get(object)) return std::nullopt;
  DecisionRecord r;
  std::uint32_t seen = 0;
  for (auto result : object) {
    od::field field;
    std::string_view key;
    if (std::move(result).get(field) || field.unescaped_key().get(key)) return std::nullopt;
    od::value& v = field.value();
    bool ok = true;
    std::uint32_t bit = 0;
    if (key == "decision_id") ok = get_text(v, r.decision_id), bit = 1U << 0;
    else if (key == "idempotency_key") ok = get_text(v, r.idempotency_key), bit = 1U << 1;
    else if (key == "application_id") ok = get_text(v, r.application_id), bit = 1U << 2;
    else if (key == "received_at_ms") ok = !v.get_int64().get(r.received_at_ms), bit = 1U << 3;
    else if (key == "channel") ok = get_text(v, r.channel), bit = 1U << 4;
    else if (key == "shop_id") ok = get_text(v, r.shop_id), bit = 1U << 5;
    else if (key == "outcome") ok = get_text(v, r.outcome), bit = 1U << 6;
    else if (key == "policy_name") ok = get_text(v, r.policy_name), bit = 1U << 7;
    else if (key == "policy_version") ok = get_int(v, r.policy_version), bit = 1U << 8;
    else if (key == "policy_hash") ok = get_text(v, r.policy_hash), bit = 1U << 9;
    else if (key == "elapsed_ms") ok = get_int(v, r.elapsed_ms), bit = 1U << 10;
    else if (key == "customer_key") ok = get_text(v, r.customer_key), bit = 1U << 11;
    else if (key == "case_json") ok = get_text(v, r.case_json), bit = 1U << 12;
    else if (key == "decision_json") ok = get_text(v, r.decision_json), bit = 1U << 13;
    else if (key == "provider_calls") {
      bit = 1U << 14;
      ok = parse_calls(v, r.provider_calls);
    } else {
      continue;  // a field of a later version: not ours to judge
    }
    if (!ok) return std::nullopt;
    seen |= bit;
  }
  // Anything after the object (the iterator is not at the end of the input) makes it not JSON.
  const char* trailing = nullptr;
  if (seen != (1U << 15) - 1 || doc.current_location().get(trailing) == simdjson::SUCCESS) return std::nullopt;
  return r;
}

std::string case_product(std::string_view case_json) {
  static const std::string unknown = "unknown";
  const simdjson::padded_string padded(case_json);
  od::document doc;
  if (parser().iterate(padded).get(doc)) return unknown;
  od::value product;
  if (doc.at_pointer("/application/order/product").get(product)) return unknown;
  return scalar_text(product).value_or(unknown);
}

std::vector<std::string> reason_codes(std::string_view decision_json) {
  std::vector<std::string> codes;
  const simdjson::padded_string padded(decision_json);
  od::document doc;
  od::object decision;
  od::array reasons;
  if (parser().iterate(padded).get(doc) || doc.get_object().get(decision) ||
      decision.find_field_unordered("reasons").get_array().get(reasons))
    return codes;
  for (auto element : reasons) {
    if (element.error()) break;  // malformed: PostgreSQL refuses the document anyway
    od::object reason;
    od::value code_value;
    if (element.get_object().get(reason) || reason.find_field_unordered("reason_code").get(code_value)) continue;
    auto code = scalar_text(code_value);
    if (code && std::find(codes.begin(), codes.end(), *code) == codes.end()) codes.push_back(std::move(*code));
  }
  return codes;
}

}  // namespace verdict::store
