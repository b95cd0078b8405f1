#include "compliance/replay.hpp"

#include "domain/codec.hpp"
#include "files/policy_files.hpp"
#include "policy/engine.hpp"

namespace verdict::compliance {

using nlohmann::json;

namespace {

// What the daemon adds to the engine's decision for one request; not part of what a replay decides.
constexpr const char* per_request_fields[] = {"decision_id", "received_at", "elapsed_ms"};

std::string shown(const json& value) {
  std::string text = value.dump();
  if (text.size() > 200) text = text.substr(0, 197) + "...";
  return text;
}

}  // namespace

std::vector<std::string> json_differences(const json& stored, const json& replayed) {
  std::vector<std::string> out;
  for (const auto& op : json::diff(stored, replayed)) {
    const std::string path = op.at("path").get<std::string>();
    const std::string kind = op.at("op").get<std::string>();
    const json::json_pointer pointer(path);
    if (kind == "replace")
      out.push_back(path + ": stored " + shown(stored.at(pointer)) + ", replayed " + shown(op.at("value")));
    else if (kind == "add")
      out.push_back(path + ": not in the stored decision, replayed " + shown(op.at("value")));
    else if (kind == "remove")
      out.push_back(path + ": stored " + shown(stored.at(pointer)) + ", not in the replay");
    else
      out.push_back(path + ": " + kind);
  }
  return out;
}

std::string ReplayResult::summary() const {
  const std::string under = policy_name + " v" + std::to_string(policy_version) + " (" + policy_hash + ")";
  if (reproduced) return "reproduced exactly under " + under;
  std::string text = "differs from the stored decision under " + under + " in " + std::to_string(differences.size()) +
                     (differences.size() == 1 ? " place" : " places");
  if (!same_policy) text += " (not the policy version the decision was made with)";
  return text;
}

expected<ReplayResult, std::string> replay(const store::DecisionRecord& record, const PolicyDocument& policy) {
  const json case_json = json::parse(record.case_json, nullptr, false);
  if (case_json.is_discarded()) return unexpected("decision " + record.decision_id + ": the stored case is not JSON");
  auto decoded = decode_case(case_json);
  if (!decoded)
    return unexpected("decision " + record.decision_id + ": the stored case does not decode: " + decoded.error().summary());
  json stored = json::parse(record.decision_json, nullptr, false);
  if (!stored.is_object()) return unexpected("decision " + record.decision_id + ": the stored decision is not a JSON object");
  for (const char* field : per_request_fields) stored.erase(field);

  std::string hash = files::policy_content_hash(policy);
  auto compiled = CompiledPolicy::compile(policy, hash);
  if (!compiled) {
    std::string message = "policy " + policy.name + " v" + std::to_string(policy.version) + " does not compile";
    for (const auto& d : compiled.error()) message += "; " + d.pointer + ": " + d.message;
    return unexpected(message);
  }

  ReplayResult result;
  result.policy_name = policy.name;
  result.policy_version = policy.version;
  result.policy_hash = hash;
  result.same_policy = policy.name == record.policy_name && policy.version == record.policy_version &&
                       hash == record.policy_hash;
  result.replayed = encode((*compiled)->explain(*decoded));
  result.stored = std::move(stored);
  result.differences = json_differences(result.stored, result.replayed);
  result.reproduced = result.differences.empty();
  return result;
}

expected<ReplayResult, std::string> replay(const store::DecisionRecord& record, const std::string& policy_json) {
  const json parsed = json::parse(policy_json, nullptr, false);
  if (parsed.is_discarded()) return unexpected(std::string("the policy is not valid JSON"));
  auto document = decode_policy(parsed);
  if (!document) return unexpected("the policy does not decode: " + document.error().summary());
  return replay(record, *document);
}

}  // namespace verdict::compliance
