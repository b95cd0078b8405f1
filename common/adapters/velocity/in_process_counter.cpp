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

namespace {
// Orderings of a time against RecentMembers' (time, member) entries, for lower_bound / upper_bound.
constexpr auto entry_before = [](const auto& entry, std::int64_t t) { return entry.first < t; };
constexpr auto before_entry = [](std::int64_t t, const auto& entry) { return t < entry.first; };
}  // namespace

void InProcessCounter::RecentMembers::touch(const std::string& member, std::int64_t at_ms) {
  const auto [it, inserted] = latest_.try_emplace(member, at_ms);
  if (!inserted) {
    if (it->second >= at_ms) return;  // an older sighting: the latest time stays
    // Its entry is among those of its old time (nearly always the only one).
    auto old = std::lower_bound(by_time_.begin(), by_time_.end(), it->second, entry_before);
    while (old->second != &it->first) ++old;
    by_time_.erase(old);
    it->second = at_ms;
  }
  // After every entry of the same time or earlier: at the end, unless threads' clocks interleave.
  const auto at = std::upper_bound(by_time_.begin(), by_time_.end(), at_ms, before_entry);
  by_time_.insert(at, {at_ms, &it->first});
}

std::int32_t InProcessCounter::RecentMembers::count_after(std::int64_t after_ms) const {
  const auto first = std::upper_bound(by_time_.begin(), by_time_.end(), after_ms, before_entry);
  return static_cast<std::int32_t>(by_time_.end() - first);
}

void InProcessCounter::RecentMembers::forget_until(std::int64_t oldest_ms) {
  const auto keep = std::upper_bound(by_time_.begin(), by_time_.end(), oldest_ms, before_entry);
  for (auto gone = by_time_.begin(); gone != keep; ++gone) latest_.erase(latest_.find(*gone->second));
  by_time_.erase(by_time_.begin(), keep);
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
    for (auto* members : {&e.applications, &e.applicants}) members->forget_until(o.at_ms - retention);
    e.applications.touch(o.application, o.at_ms);
    e.applicants.touch(o.applicant, o.at_ms);
    for (std::size_t w = 0; w < velocity_window_count; ++w) {
      const auto window = static_cast<VelocityWindow>(w);
      if (!declared.declares(id, window)) continue;
      const std::int64_t from = o.at_ms - duration_of(window).count();
      out.set(id, window, VelocityMeasure::Applications, e.applications.count_after(from));
      out.set(id, window, VelocityMeasure::DistinctApplicants, e.applicants.count_after(from));
    }
  }
  return out;
}

void InProcessCounter::sweep(std::int64_t now_ms) {
  const std::int64_t oldest = now_ms - velocity_retention.count();
  for (auto it = keys_.begin(); it != keys_.end();) {
    Entries& e = it->second;
    e.applications.forget_until(oldest);
    e.applicants.forget_until(oldest);
    it = e.applications.empty() && e.applicants.empty() ? keys_.erase(it) : std::next(it);
  }
}

std::size_t InProcessCounter::key_count() const {
  std::lock_guard lock(mutex_);
  return keys_.size();
}

}  // namespace verdict::velocity
