#pragma once
// DecisionRecord as a JSON object: one line of the sink's spool, one element of the PostgreSQL batch
// parameter. case_json and decision_json travel as strings, untouched.
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "domain/case.hpp"
#include "domain/codec.hpp"
#include "domain/decision.hpp"
#include "store/decision_store.hpp"

namespace verdict::store {

nlohmann::json encode(const DecisionRecord& record);

/// The provider calls as one JSON array of {provider, status, latency_ms, cached, error} — the column
/// both stores keep in the decision row (postgres/0005, sqlite/0006); error "" when there was none.
std::string provider_calls_json(const std::vector<DecisionRecord::ProviderCall>& calls);

/// nullopt when a field is missing or has the wrong type.
std::optional<DecisionRecord> decode_record(const nlohmann::json& json);

/// The record of `decision`, made on `decided_on`: ids, instant, channel, shop, outcome, policy, the
/// provider calls that were made, the case and the decision as JSON text (with its stamp). What is
/// not in the case — the ids, the instant, the elapsed time and the customer key — is given.
DecisionRecord record_of(const Case& decided_on, const Decision& decision, const DecisionStamp& stamp,
                         std::int64_t received_at_ms, std::string customer_key);
/// The same, with the case and the decision (stamped) already written as JSON text — the daemon has
/// them for its response — so that nothing is encoded twice.
DecisionRecord record_of(const Case& decided_on, const Decision& decision, const DecisionStamp& stamp,
                         std::int64_t received_at_ms, std::string customer_key, std::string case_json,
                         std::string decision_json);

}  // namespace verdict::store
