#pragma once
// DecisionRecord as a JSON object: one line of the sink's spool, one element of the PostgreSQL batch
// parameter. case_json and decision_json travel as strings, untouched.
#include <nlohmann/json_fwd.hpp>
#include <optional>

#include "store/decision_store.hpp"

namespace verdict::store {

nlohmann::json encode(const DecisionRecord& record);

/// nullopt when a field is missing or has the wrong type.
std::optional<DecisionRecord> decode_record(const nlohmann::json& json);

}  // namespace verdict::store
