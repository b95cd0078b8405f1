#include "domain/velocity.hpp"

#include <nlohmann/json.hpp>

#include "domain/json_reader.hpp"
#include "domain/velocity_codec.hpp"

namespace verdict {

namespace {
constexpr std::array<std::string_view, velocity_identifier_count> identifier_names{"iban", "address", "device",
                                                                                  "email", "phone"};
constexpr std::array<std::string_view, velocity_window_count> window_names{"1h", "24h", "7d", "30d"};
constexpr std::array<std::string_view, velocity_measure_count> measure_names{"applications", "distinct_applicants"};
constexpr std::string_view identifier_list = "iban, address, device, email, phone";
constexpr std::string_view window_list = "1h, 24h, 7d, 30d";
}  // namespace

std::string_view to_string(VelocityIdentifier id) { return identifier_names[static_cast<std::size_t>(id)]; }
std::string_view to_string(VelocityWindow w) { return window_names[static_cast<std::size_t>(w)]; }
std::string_view to_string(VelocityMeasure m) { return measure_names[static_cast<std::size_t>(m)]; }

std::optional<VelocityIdentifier> velocity_identifier_from_string(std::string_view s) {
  for (std::size_t i = 0; i < identifier_names.size(); ++i)
    if (identifier_names[i] == s) return static_cast<VelocityIdentifier>(i);
  return std::nullopt;
}

std::optional<VelocityWindow> velocity_window_from_string(std::string_view s) {
  for (std::size_t i = 0; i < window_names.size(); ++i)
    if (window_names[i] == s) return static_cast<VelocityWindow>(i);
  return std::nullopt;
}

std::chrono::milliseconds duration_of(VelocityWindow w) {
  switch (w) {
    case VelocityWindow::Hour1: return std::chrono::hours(1);
    case VelocityWindow::Hours24: return std::chrono::hours(24);
    case VelocityWindow::Days7: return std::chrono::hours(24 * 7);
    case VelocityWindow::Days30: return std::chrono::hours(24 * 30);
  }
  return std::chrono::hours(24);
}

std::string velocity_field_path(VelocityIdentifier id, VelocityWindow w, VelocityMeasure m) {
  return "velocity." + std::string(to_string(id)) + "." + std::string(to_string(m)) + "_" + std::string(to_string(w));
}

using nlohmann::json;
using detail::ObjectReader;

json encode_velocity(const VelocitySignals& v) {
  json out = json::object();
  for (std::size_t id = 0; id < velocity_identifier_count; ++id) {
    json counters = json::object();
    for (std::size_t w = 0; w < velocity_window_count; ++w)
      for (std::size_t m = 0; m < velocity_measure_count; ++m) {
        const auto i = velocity_counter_index(static_cast<VelocityIdentifier>(id), static_cast<VelocityWindow>(w),
                                              static_cast<VelocityMeasure>(m));
        if (v.is_known(i)) counters[std::string(measure_names[m]) + "_" + std::string(window_names[w])] = v.values[i];
      }
    if (!counters.empty()) out[std::string(identifier_names[id])] = std::move(counters);
  }
  if (!v.error.empty()) out["error"] = v.error;
  return out;
}

void decode_velocity(const json& node, const std::string& pointer, VelocitySignals& v, InputErrors& errors) {
  ObjectReader r(node, pointer, errors);
  if (!r.ok()) return;
  for (const auto& [key, value] : node.items()) {
    if (key == "available") {  // written by daemons before counters were kept: always false, nothing to read
      if (!value.is_boolean()) r.fail(r.child(key), "must be true or false");
      continue;
    }
    if (key == "error") {
      if (value.is_string()) v.error = value.get<std::string>();
      else r.fail(r.child(key), "must be a string");
      continue;
    }
    const auto id = velocity_identifier_from_string(key);
    if (!id) {
      r.fail(r.child(key), "is not a velocity identifier (" + std::string(identifier_list) + ")");
      continue;
    }
    ObjectReader counters(value, r.child(key), errors);
    if (!counters.ok()) continue;
    for (const auto& [name, count] : value.items()) {
      const auto underscore = name.rfind('_');
      std::optional<VelocityWindow> window;
      std::optional<std::size_t> measure;
      if (underscore != std::string::npos) {
        window = velocity_window_from_string(std::string_view(name).substr(underscore + 1));
        for (std::size_t m = 0; m < measure_names.size(); ++m)
          if (measure_names[m] == std::string_view(name).substr(0, underscore)) measure = m;
      }
      if (!window || !measure) {
        counters.fail(counters.child(name), "is not a counter (applications_W or distinct_applicants_W, W one of " +
                                                std::string(window_list) + ")");
        continue;
      }
      const int n = counters.small_int(name, false, 0, 100'000'000, -1);
      if (n >= 0) v.set(*id, *window, static_cast<VelocityMeasure>(*measure), n);
    }
  }
}

json encode(const VelocityDeclaration& d) {
  json out = json::object();
  for (std::size_t id = 0; id < velocity_identifier_count; ++id) {
    if (!d.windows[id]) continue;
    json windows = json::array();
    for (std::size_t w = 0; w < velocity_window_count; ++w)
      if (d.declares(static_cast<VelocityIdentifier>(id), static_cast<VelocityWindow>(w))) windows.push_back(window_names[w]);
    out[std::string(identifier_names[id])] = std::move(windows);
  }
  return out;
}

void decode_velocity_declaration(const json& node, const std::string& pointer, VelocityDeclaration& d,
                                 InputErrors& errors) {
  ObjectReader r(node, pointer, errors);
  if (!r.ok()) return;
  for (const auto& [key, value] : node.items()) {
    const auto id = velocity_identifier_from_string(key);
    if (!id) {
      r.fail(r.child(key), "is not a velocity identifier (" + std::string(identifier_list) + ")");
      continue;
    }
    if (!value.is_array() || value.empty()) {
      r.fail(r.child(key), "must be a non-empty list of windows (" + std::string(window_list) + ")");
      continue;
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      const auto at = r.child(key) + "/" + std::to_string(i);
      const auto window = value[i].is_string() ? velocity_window_from_string(value[i].get_ref<const std::string&>())
                                               : std::nullopt;
      if (!window) r.fail(at, "must be one of " + std::string(window_list));
      else if (d.declares(*id, *window)) r.fail(at, "is declared twice");
      else d.declare(*id, *window);
    }
  }
}

}  // namespace verdict
