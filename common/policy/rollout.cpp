#include "policy/rollout.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "domain/json_reader.hpp"

namespace verdict {

using nlohmann::json;
using detail::ObjectReader;

namespace {

constexpr std::size_t max_text = 2'000;
constexpr std::int64_t max_epoch_ms = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

std::string trimmed_lower(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  std::string out(s.substr(first, last - first + 1));
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

InputErrors not_json(std::string_view what) {
  InputErrors errors;
  errors.errors.push_back({"", std::string(what) + " is not valid JSON"});
  return errors;
}

}  // namespace

bool same_person(std::string_view a, std::string_view b) { return trimmed_lower(a) == trimmed_lower(b); }

std::string encode_release(const PolicyRelease& r) {
  json document = json::parse(r.document, nullptr, false);
  if (document.is_discarded()) document = r.document;  // kept as text, so the receiver can say what is wrong
  return json{{"name", r.name},
              {"version", r.version},
              {"content_hash", r.content_hash},
              {"document", std::move(document)},
              {"author", r.author},
              {"approver", r.approver},
              {"comment", r.comment},
              {"published_at_ms", r.published_at_ms}}
      .dump();
}

expected<PolicyRelease, InputErrors> decode_release(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return unexpected(not_json("the policy release"));
  InputErrors errors;
  ObjectReader r(j, "", errors);
  r.reject_unknown({"name", "version", "content_hash", "document", "author", "approver", "comment", "published_at_ms"});
  PolicyRelease out;
  out.name = r.string("name", true, 200);
  out.version = static_cast<int>(r.integer("version", true, 1, 2'147'483'647));
  out.content_hash = r.string("content_hash", true, 200);
  out.author = r.string("author", true, 200);
  out.approver = r.string("approver", true, 200);
  out.comment = r.string("comment", true, max_text);
  out.published_at_ms = r.integer("published_at_ms", true, 0, max_epoch_ms);
  if (const json* document = r.find("document", true)) {
    if (document->is_object()) out.document = document->dump();
    else r.fail("/document", "must be an object (the policy document)");
  }
  if (r.ok()) {
    if (!out.name.empty() && trimmed_lower(out.name).empty()) r.fail("/name", "must not be blank");
    if (j.contains("author") && trimmed_lower(out.author).empty()) r.fail("/author", "must not be blank");
    if (j.contains("approver") && trimmed_lower(out.approver).empty()) r.fail("/approver", "must not be blank");
    if (j.contains("comment") && trimmed_lower(out.comment).empty()) r.fail("/comment", "must not be blank");
    if (!trimmed_lower(out.author).empty() && same_person(out.author, out.approver))
      r.fail("/approver", "must be a second analyst, not the author (four-eyes)");
    if (!out.content_hash.empty() && !out.content_hash.starts_with("sha256:"))
      r.fail("/content_hash", "must be \"sha256:\" followed by the hash");
  }
  if (!errors.errors.empty()) return unexpected(std::move(errors));
  return out;
}

std::string encode_fleet_status(const FleetStatus& s) {
  json out = {{"daemon_id", s.daemon_id},
              {"host", s.host},
              {"policy", {{"name", s.policy_name}, {"version", s.policy_version}, {"hash", s.policy_hash}}},
              {"at_ms", s.at_ms}};
  if (!s.refused_reason.empty())
    out["last_refusal"] = {{"version", s.refused_version},
                           {"hash", s.refused_hash},
                           {"reason", s.refused_reason},
                           {"at_ms", s.refused_at_ms}};
  return out.dump();
}

expected<FleetStatus, InputErrors> decode_fleet_status(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) return unexpected(not_json("the fleet status"));
  InputErrors errors;
  ObjectReader r(j, "", errors);
  r.reject_unknown({"daemon_id", "host", "policy", "at_ms", "last_refusal"});
  FleetStatus out;
  out.daemon_id = r.string("daemon_id", true, 200);
  out.host = r.string("host", true, 255);
  out.at_ms = r.integer("at_ms", true, 0, max_epoch_ms);
  if (const json* policy = r.find("policy", true)) {
    ObjectReader p(*policy, "/policy", errors);
    p.reject_unknown({"name", "version", "hash"});
    out.policy_name = p.string("name", true, 200);
    out.policy_version = static_cast<int>(p.integer("version", true, 0, 2'147'483'647));
    out.policy_hash = p.string("hash", true, 200);
  }
  if (const json* refusal = r.find("last_refusal", false)) {
    ObjectReader f(*refusal, "/last_refusal", errors);
    f.reject_unknown({"version", "hash", "reason", "at_ms"});
    out.refused_version = static_cast<int>(f.integer("version", true, 0, 2'147'483'647));
    out.refused_hash = f.string("hash", false, 200);
    out.refused_reason = f.string("reason", true, max_text);
    out.refused_at_ms = f.integer("at_ms", true, 0, max_epoch_ms);
  }
  if (!errors.errors.empty()) return unexpected(std::move(errors));
  return out;
}

}  // namespace verdict
