#pragma once
// Fast reads of the JSON on the write path (simdjson's on-demand parser): a decision event into a
// DecisionRecord, and the two facts the chart aggregates need from a record's documents. verdict-worker
// reads tens of thousands of events a second; a DOM parse of each (nlohmann) cost more than writing
// it. Same meaning as the nlohmann-based record_codec.hpp, which stays for encoding and the spool.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/decision_store.hpp"

namespace verdict::store {

/// A decision record from its JSON text (record_codec.hpp's encode()). nullopt when the text is not
/// JSON, or a field is missing or has the wrong type (integers must be integers). Unknown fields are
/// ignored.
std::optional<DecisionRecord> parse_record(std::string_view json_text);

/// The provider calls from their JSON array (record_codec.hpp's provider_calls_json()); nullopt when
/// the text is not such an array.
std::optional<std::vector<DecisionRecord::ProviderCall>> parse_provider_calls(std::string_view json_text);

/// The product a case is charted under: application.order.product when it is a string (a number or
/// boolean counts as its JSON text), else "unknown" — as 0002_aggregates.sql defines it.
std::string case_product(std::string_view case_json);

/// The distinct reason codes of a decision (its "reasons" array's "reason_code" strings), in the
/// order first seen. Empty when there are none or the document is not a decision.
std::vector<std::string> reason_codes(std::string_view decision_json);

}  // namespace verdict::store
