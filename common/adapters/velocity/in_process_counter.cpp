#include "velocity/velocity_counter.hpp"

#include <algorithm>

#include "crypto/hashing.hpp"

namespace verdict::velocity {

namespace {

std::string lower_without_spaces(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ' ') out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

std::string upper_without_spaces(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ' ') out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

std::string digits_only(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c >= '0' && c <= '9') out.push_back(c);
  return out;
}

}  // namespace

Observation observe(const Application& a, std::string_view key, std::int64_t at_ms, const VelocityDeclaration* only) {
  Observation o;
  o.at_ms = at_ms;
  auto hash = [&](std::string_view kind, const std::string& value) {
    return value.empty() ? std::string() : crypto::hmac_sha256_hex(key, "velocity|" + std::string(kind) + "|" + value);
  };
  const Applicant& p = a.applicant;
  o.application = hash("application", std::string(to_string(a.channel)) + "|" + a.shop_id + "|" + a.id);
  o.applicant = hash("applicant", lower_without_spaces(p.first_name) + "|" + lower_without_spaces(p.last_name) + "|" +
                                      format_iso_date(p.date_of_birth));
  auto set = [&](VelocityIdentifier id, const std::string& value) {
    if (!only || only->declares(id)) o.identifiers[static_cast<std::size_t>(id)] = hash(to_string(id), value);
  };
  set(VelocityIdentifier::Iban, upper_without_spaces(p.iban));
  if (!p.address.postcode.empty() && !p.address.house_number.empty())
    set(VelocityIdentifier::Address, upper_without_spaces(p.address.postcode) + "|" +
                                         lower_without_spaces(p.address.house_number));
  if (p.device_id) set(VelocityIdentifier::Device, *p.device_id);
  set(VelocityIdentifier::Email, lower_without_spaces(p.email));
  set(VelocityIdentifier::Phone, digits_only(p.phone));
  return o;
}

expected<VelocitySignals, std::string> InProcessCounter::record(const Observation& o,
                                                                const VelocityDeclaration& declared) {
  const std::int64_t retention = velocity_retention.count();
  VelocitySignals out;
  std::lock_guard lock(mutex_);
  if (++records_ % 4096 == 0) sweep(o.at_ms);
  for (std::size_t i = 0; i < velocity_identifier_count; ++i) {
    const auto id = static_cast<VelocityIdentifier>(i);
    if (!declared.declares(id) || o.identifiers[i].empty()) continue;
    Entries& e = keys_[std::string(to_string(id)) + ":" + o.identifiers[i]];
    auto add = [&](std::unordered_map<std::string, std::int64_t>& set, const std::string& member) {
      auto& at = set[member];
      at = std::max(at, o.at_ms);
      std::erase_if(set, [&](const auto& entry) { return entry.second <= o.at_ms - retention; });
    };
    add(e.applications, o.application);
    add(e.applicants, o.applicant);
    for (std::size_t w = 0; w < velocity_window_count; ++w) {
      const auto window = static_cast<VelocityWindow>(w);
      if (!declared.declares(id, window)) continue;
      const std::int64_t from = o.at_ms - duration_of(window).count();
      auto count = [&](const std::unordered_map<std::string, std::int64_t>& set) {
        return static_cast<std::int32_t>(
            std::count_if(set.begin(), set.end(), [&](const auto& entry) { return entry.second > from; }));
      };
      out.set(id, window, VelocityMeasure::Applications, count(e.applications));
      out.set(id, window, VelocityMeasure::DistinctApplicants, count(e.applicants));
    }
  }
  return out;
}

void InProcessCounter::sweep(std::int64_t now_ms) {
  const std::int64_t oldest = now_ms - velocity_retention.count();
  for (auto it = keys_.begin(); it != keys_.end();) {
    Entries& e = it->second;
    std::erase_if(e.applications, [&](const auto& entry) { return entry.second <= oldest; });
    std::erase_if(e.applicants, [&](const auto& entry) { return entry.second <= oldest; });
    it = e.applications.empty() && e.applicants.empty() ? keys_.erase(it) : std::next(it);
  }
}

std::size_t InProcessCounter::key_count() const {
  std::lock_guard lock(mutex_);
  return keys_.size();
}

}  // namespace verdict::velocity
