#include "policy/diff.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace verdict {

using nlohmann::json;

namespace {

/// Diffs two arrays of JSON objects keyed by `key`: added, removed, and changed field by field.
json keyed_diff(const json& before, const json& after, const std::string& key) {
  std::map<std::string, json> a, b;
  std::vector<std::string> order_a, order_b;
  for (const auto& item : before) {
    a[item.at(key).get<std::string>()] = item;
    order_a.push_back(item.at(key).get<std::string>());
  }
  for (const auto& item : after) {
    b[item.at(key).get<std::string>()] = item;
    order_b.push_back(item.at(key).get<std::string>());
  }
  json out = {{"added", json::array()}, {"removed", json::array()}, {"changed", json::array()}};
  for (const auto& id : order_b)
    if (!a.contains(id)) out["added"].push_back(b[id]);
  for (const auto& id : order_a)
    if (!b.contains(id)) out["removed"].push_back(a[id]);
  for (const auto& id : order_b) {
    if (!a.contains(id)) continue;
    const json& x = a[id];
    const json& y = b[id];
    if (x == y) continue;
    json fields = json::object();
    std::set<std::string> keys;
    for (const auto& [k, _] : x.items()) keys.insert(k);
    for (const auto& [k, _] : y.items()) keys.insert(k);
    for (const auto& k : keys) {
      const json xv = x.contains(k) ? x[k] : json();
      const json yv = y.contains(k) ? y[k] : json();
      if (xv == yv) continue;
      if (xv.is_array() && yv.is_array() && k == "items") {
        std::set<std::string> xs, ys;
        for (const auto& i : xv) xs.insert(i.dump());
        for (const auto& i : yv) ys.insert(i.dump());
        json added = json::array(), removed = json::array();
        for (const auto& i : yv)
          if (!xs.contains(i.dump())) added.push_back(i);
        for (const auto& i : xv)
          if (!ys.contains(i.dump())) removed.push_back(i);
        fields[k] = {{"added", added}, {"removed", removed}};
      } else {
        fields[k] = {{"from", xv}, {"to", yv}};
      }
    }
    out["changed"].push_back({{key, id}, {"fields", std::move(fields)}});
  }
  // Order matters for rules only as presentation, but analysts want to see a move.
  std::vector<std::string> common_a, common_b;
  for (const auto& id : order_a)
    if (b.contains(id)) common_a.push_back(id);
  for (const auto& id : order_b)
    if (a.contains(id)) common_b.push_back(id);
  out["reordered"] = common_a != common_b;
  return out;
}

bool empty_section(const json& s) {
  return s["added"].empty() && s["removed"].empty() && s["changed"].empty() && !s["reordered"].get<bool>();
}

std::string short_value(const json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.size() > 120) s = s.substr(0, 117) + "...";
  return s;
}

}  // namespace

json diff_policies(const PolicyDocument& before, const PolicyDocument& after) {
  const json a = encode(before);
  const json b = encode(after);
  json out;
  out["from"] = {{"name", before.name}, {"version", before.version}};
  out["to"] = {{"name", after.name}, {"version", after.version}};
  json header = json::object();
  for (const char* k : {"name", "description", "velocity"})  // velocity: the counters the rules may read
    if (a.value(k, json()) != b.value(k, json())) header[k] = {{"from", a.value(k, json())}, {"to", b.value(k, json())}};
  out["document"] = header;
  out["parameters"] = keyed_diff(a["parameters"], b["parameters"], "name");
  out["lists"] = keyed_diff(a["lists"], b["lists"], "name");
  out["norm_tables"] = keyed_diff(a["norm_tables"], b["norm_tables"], "id");
  out["provider_plan"] = keyed_diff(a["provider_plan"], b["provider_plan"], "provider");
  out["rules"] = keyed_diff(a["rules"], b["rules"], "id");
  out["counter_offers"] = keyed_diff(a["counter_offers"], b["counter_offers"], "id");
  bool identical = header.empty();
  for (const char* s : {"parameters", "lists", "norm_tables", "provider_plan", "rules", "counter_offers"})
    identical = identical && empty_section(out[s]);
  out["identical"] = identical;
  return out;
}

std::string render_diff(const json& diff) {
  std::string out = "--- " + diff["from"]["name"].get<std::string>() + " v" + std::to_string(diff["from"]["version"].get<int>()) +
                    "\n+++ " + diff["to"]["name"].get<std::string>() + " v" + std::to_string(diff["to"]["version"].get<int>()) + "\n";
  if (diff["identical"].get<bool>()) return out + "no changes\n";
  for (const auto& [k, v] : diff["document"].items())
    out += "~ " + k + ": " + short_value(v["from"]) + " -> " + short_value(v["to"]) + "\n";
  const std::pair<const char*, const char*> sections[] = {{"parameters", "name"}, {"lists", "name"},
                                                          {"norm_tables", "id"},  {"provider_plan", "provider"},
                                                          {"rules", "id"},        {"counter_offers", "id"}};
  for (const auto& [section, key] : sections) {
    const json& s = diff[section];
    if (empty_section(s)) continue;
    out += "[" + std::string(section) + "]\n";
    for (const auto& item : s["added"]) out += "+ " + item[key].get<std::string>() + "\n";
    for (const auto& item : s["removed"]) out += "- " + item[key].get<std::string>() + "\n";
    for (const auto& item : s["changed"]) {
      out += "~ " + item[key].get<std::string>() + "\n";
      for (const auto& [field, change] : item["fields"].items()) {
        if (change.contains("added"))
          out += "    " + field + ": +" + std::to_string(change["added"].size()) + " / -" +
                 std::to_string(change["removed"].size()) + " entries\n";
        else
          out += "    " + field + ": " + short_value(change["from"]) + " -> " + short_value(change["to"]) + "\n";
      }
    }
    if (s["reordered"].get<bool>()) out += "  (order changed)\n";
  }
  return out;
}

}  // namespace verdict
