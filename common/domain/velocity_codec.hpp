#pragma once
// JSON of velocity signals (the "velocity" object of a case) and of a policy's velocity
// declaration. Case form: {"iban": {"applications_24h": 3, "distinct_applicants_24h": 2}, ...}; a
// counter that is absent is unknown. Declaration form: {"iban": ["24h"], "address": ["7d", "30d"]}.
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "domain/codec.hpp"
#include "domain/velocity.hpp"

namespace verdict {

void decode_velocity(const nlohmann::json& node, const std::string& pointer, VelocitySignals& into,
                     InputErrors& errors);
nlohmann::json encode(const VelocityDeclaration& declaration);
void decode_velocity_declaration(const nlohmann::json& node, const std::string& pointer, VelocityDeclaration& into,
                                 InputErrors& errors);

}  // namespace verdict
