#pragma once
// Replaying a stored decision: the case it was decided on (decisions.case_json, with the provider
// results the daemon saw) evaluated again by the shared engine under a policy document, and the
// result compared with the decision the daemon answered (decisions.decision_json). Under the version
// the decision names, the replay must reproduce it exactly; under a draft, the differences are what
// the draft would have changed for this applicant.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "policy/policy.hpp"
#include "store/decision_store.hpp"
#include "util/expected.hpp"

namespace verdict::compliance {

struct ReplayResult {
  std::string policy_name;
  int policy_version = 0;
  std::string policy_hash;     // of the document replayed under
  bool same_policy = false;    // name, version and content hash equal the stored decision's
  bool reproduced = false;     // the replayed decision equals the stored one in every field
  /// One line per difference, "/reasons/0/values/age: stored 17, replayed 18"; empty when reproduced.
  std::vector<std::string> differences;
  nlohmann::json stored;    // the decision as answered, without its per-request fields (id, times)
  nlohmann::json replayed;  // the same fields, from the replay
  /// "reproduced exactly under consumer-nl v7 (sha256:…)" or "differs from the stored decision in 2 places: …"
  std::string summary() const;
};

/// Replays `record` under `policy` (compiled here). Fails when the stored case or decision does not
/// decode, or the policy does not compile — never silently.
expected<ReplayResult, std::string> replay(const store::DecisionRecord& record, const PolicyDocument& policy);

/// Parses and replays under a policy given as JSON text (a policy_versions document or a file).
expected<ReplayResult, std::string> replay(const store::DecisionRecord& record, const std::string& policy_json);

/// The differences between two JSON values, one line per changed, added or removed path.
std::vector<std::string> json_differences(const nlohmann::json& stored, const nlohmann::json& replayed);

}  // namespace verdict::compliance
