#pragma once
// JSON codecs for the domain. Decoding validates and reports every offending field by JSON
// pointer (RFC 6901), so an API can answer 400 naming them all at once.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "domain/case.hpp"
#include "domain/decision.hpp"
#include "util/expected.hpp"

namespace verdict {

struct FieldError {
  std::string pointer;  // e.g. "/applicant/date_of_birth"
  std::string message;  // e.g. "must be a date YYYY-MM-DD"
};

struct InputErrors {
  std::vector<FieldError> errors;
  /// "pointer: message; pointer: message" for one-line diagnostics.
  std::string summary() const;
};

/// The application as the API receives it.
expected<Application, InputErrors> decode_application(const nlohmann::json& json);
/// {"application": {...}, "providers": {...}, "velocity": {...}}. Providers absent from the
/// object are `not_called`.
expected<Case, InputErrors> decode_case(const nlohmann::json& json);
/// Provider results alone, with pointers under `base` (e.g. "/providers").
expected<ProviderResults, InputErrors> decode_provider_results(const nlohmann::json& providers,
                                                                const nlohmann::json* velocity);

/// One provider's answer on its own, as verdict-sim sends it and the daemon reads it: the object
/// that sits under "/providers/<name>" in a case.
nlohmann::json encode_provider(ProviderId id, const ProviderResults& results);
expected<void, InputErrors> decode_provider(ProviderId id, const nlohmann::json& json, ProviderResults& into);

nlohmann::json encode(const Application& application);
nlohmann::json encode(const ProviderResults& providers);
nlohmann::json encode_velocity(const VelocitySignals& velocity);
nlohmann::json encode(const Case& c);
nlohmann::json encode(const Decision& decision);

/// What the daemon adds to a decision when it answers.
struct DecisionStamp {
  std::string decision_id;
  std::string received_at;  // ISO 8601 UTC
  int elapsed_ms = 0;
};
/// The same JSON text as encode(c).dump(), written directly (no DOM): the request path's form.
std::string encode_text(const Case& c);
/// encode(a).dump(), written directly: what the providers are sent.
std::string encode_text(const Application& a);
/// encode(d).dump(), plus the stamp's members when given, written directly.
std::string encode_text(const Decision& d, const DecisionStamp* stamp = nullptr);

}  // namespace verdict
