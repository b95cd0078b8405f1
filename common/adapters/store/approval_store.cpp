#include "store/approval_store.hpp"

#include "policy/diff.hpp"
#include "policy/policy.hpp"
#include "store/policy_versions.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <nlohmann/json.hpp>
#include <utility>

namespace verdict::store {

namespace {
constexpr std::array<std::pair<Role, std::string_view>, 4> role_names{{{Role::Analyst, "analyst"},
                                                                       {Role::Approver, "approver"},
                                                                       {Role::Fraud, "fraud"},
                                                                       {Role::Compliance, "compliance"}}};
constexpr std::array<std::pair<RequestStatus, std::string_view>, 4> status_names{
    {{RequestStatus::AwaitingApproval, "awaiting_approval"},
     {RequestStatus::Approved, "approved"},
     {RequestStatus::Rejected, "rejected"},
     {RequestStatus::Published, "published"}}};
}  // namespace

std::string_view to_string(Role role) {
  for (const auto& [r, name] : role_names)
    if (r == role) return name;
  return "?";
}

std::optional<Role> role_from_string(std::string_view text) {
  for (const auto& [r, name] : role_names)
    if (name == text) return r;
  return std::nullopt;
}

std::string_view to_string(RequestKind kind) { return kind == RequestKind::FastTrack ? "fast_track" : "standard"; }

std::string_view to_string(RequestStatus status) {
  for (const auto& [s, name] : status_names)
    if (s == status) return name;
  return "?";
}

std::optional<RequestStatus> status_from_string(std::string_view text) {
  for (const auto& [s, name] : status_names)
    if (name == text) return s;
  return std::nullopt;
}

std::string ApprovalRequest::status_text() const {
  switch (status) {
    case RequestStatus::AwaitingApproval: return "awaiting approval";
    case RequestStatus::Approved: return "approved";
    case RequestStatus::Rejected: return "rejected";
    case RequestStatus::Published:
      if (!decision) return "published — approval pending after the fact";
      if (!decision->approved) return "published — rejected after the fact";
      return "published";
  }
  return "?";
}

StoreError missing_role(std::string_view who, Role role, std::string_view doing) {
  return {std::string(who) + " may not " + std::string(doing) + ": that needs the role " + std::string(to_string(role)),
          false};
}

std::optional<std::string> fast_track_problem(std::string_view base_document, std::string_view proposed_document) {
  const auto base_json = nlohmann::json::parse(base_document, nullptr, false);
  const auto proposed_json = nlohmann::json::parse(proposed_document, nullptr, false);
  auto base = decode_policy(base_json);
  auto proposed = decode_policy(proposed_json);
  if (!base) return "the published base version does not decode: " + base.error().summary();
  if (!proposed) return "the proposed document does not decode: " + proposed.error().summary();
  const nlohmann::json diff = diff_policies(*base, *proposed);
  std::vector<std::string> problems;
  auto names = [](const nlohmann::json& items, const char* key) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item.at(key).get<std::string>();
    return out;
  };
  for (const char* section : {"rules", "norm_tables", "provider_plan", "counter_offers"}) {
    const auto& d = diff[section];
    if (!d["added"].empty() || !d["removed"].empty() || !d["changed"].empty() || d["reordered"].get<bool>())
      problems.push_back("it changes " + std::string(section));
  }
  if (!diff["document"].empty()) problems.push_back("it changes the policy's name or description");
  const auto& lists = diff["lists"];
  if (!lists["added"].empty()) problems.push_back("it adds lists (" + names(lists["added"], "name") + ")");
  if (!lists["removed"].empty()) problems.push_back("it removes lists (" + names(lists["removed"], "name") + ")");
  for (const auto& change : lists["changed"]) {
    const std::string name = change.at("name").get<std::string>();
    for (const auto& [field, what] : change.at("fields").items()) {
      if (field != "items") problems.push_back("it changes the " + field + " of list " + name);
      else if (!what.at("removed").empty())
        problems.push_back("it removes " + std::to_string(what.at("removed").size()) + " entries from list " + name);
    }
  }
  const auto& parameters = diff["parameters"];
  if (!parameters["added"].empty() || !parameters["removed"].empty())
    problems.push_back("it adds or removes parameters");
  for (const auto& change : parameters["changed"])
    for (const auto& [field, what] : change.at("fields").items())
      if (field != "value") problems.push_back("it changes the " + field + " of parameter " + change.at("name").get<std::string>());
  if (parameters["changed"].size() > max_fast_track_parameters)
    problems.push_back("it changes " + std::to_string(parameters["changed"].size()) + " parameters (at most " +
                       std::to_string(max_fast_track_parameters) + ")");
  if (problems.empty()) return std::nullopt;
  std::string text = "not a quick action: a fast-track change may only add list entries and change up to " +
                     std::to_string(max_fast_track_parameters) + " parameter values, and ";
  for (std::size_t i = 0; i < problems.size(); ++i) text += (i ? "; " : "") + problems[i];
  return text + " — submit it as a standard request";
}

StoreError fast_track_without_base(const NewApprovalRequest& request) {
  return {"a fast-track change must change a published version, and " + request.policy_name + " v" +
              std::to_string(request.base_version) + " was never published",
          false};
}

expected<int, StoreError> document_version(const ApprovalRequest& request) {
  const auto document = nlohmann::json::parse(request.document, nullptr, false);
  if (!document.is_object() || !document.contains("version") || !document["version"].is_number_integer())
    return unexpected(StoreError{"approval request " + std::to_string(request.id) + ": the document has no version number", false});
  return document["version"].get<int>();
}

std::string recorded_approver(const ApprovalRequest& request) {
  if (request.decision && request.decision->approved) return request.decision->by;
  return "pending after the fact (request " + std::to_string(request.id) + ")";
}

expected<int, StoreError> VersionStorePublisher::publish(const ApprovalRequest& request) {
  auto version = document_version(request);
  if (!version) return unexpected(version.error());
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  PolicyVersion record{request.policy_name, *version,         request.content_hash, request.document,
                       request.author,      recorded_approver(request), request.comment, now};
  if (auto recorded = versions_.record(record); !recorded) return unexpected(recorded.error());
  return *version;
}

expected<ApprovalRequest, StoreError> publish_request(ApprovalStore& store, PolicyPublisher& publisher,
                                                      std::int64_t id) {
  auto found = store.find(id);
  if (!found) return unexpected(found.error());
  if (!*found) return unexpected(StoreError{"no approval request " + std::to_string(id), false});
  const ApprovalRequest& request = **found;
  const std::string name = "approval request " + std::to_string(id);
  switch (request.status) {
    case RequestStatus::Approved: break;
    case RequestStatus::AwaitingApproval: {
      if (request.kind != RequestKind::FastTrack)
        return unexpected(StoreError{name + " is awaiting approval: it can be published once approved", false});
      auto allowed = store.fast_track_after_the_fact();
      if (!allowed) return unexpected(allowed.error());
      if (!*allowed)
        return unexpected(StoreError{
            name + " is a fast-track change awaiting approval, and publishing before approval is switched off", false});
      break;
    }
    case RequestStatus::Rejected:
      return unexpected(StoreError{name + " was rejected by " + request.decision->by + ": it cannot be published", false});
    case RequestStatus::Published:
      return unexpected(StoreError{name + " is already published as version " +
                                       std::to_string(request.published_version),
                                   false});
  }
  // The store would refuse to mark it published; find out before it goes live rather than after.
  const Role needed = request.status == RequestStatus::Approved ? Role::Analyst : Role::Fraud;
  auto roles = store.roles();
  if (!roles) return unexpected(roles.error());
  if (std::find(roles->begin(), roles->end(), needed) == roles->end())
    return unexpected(missing_role(store.identity(), needed, "publish " + name));
  auto version = publisher.publish(request);
  if (!version) return unexpected(version.error());
  if (auto marked = store.mark_published(id, *version); !marked) return unexpected(marked.error());
  auto after = store.find(id);
  if (!after) return unexpected(after.error());
  return std::move(**after);
}

}  // namespace verdict::store
