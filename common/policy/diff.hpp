#pragma once
// What changed between two policy documents: name, description, velocity declaration,
// parameters, lists, norm tables, provider plan,
// rules (rule by rule, field by field) and counter-offers. The studio's publish view and
// `verdict diff` both show this.
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "policy/policy.hpp"

namespace verdict {

/// A JSON description of the changes from `before` to `after`; "identical" is true when none.
nlohmann::json diff_policies(const PolicyDocument& before, const PolicyDocument& after);

/// A human-readable rendering of diff_policies' result, one change per line.
std::string render_diff(const nlohmann::json& diff);

}  // namespace verdict
