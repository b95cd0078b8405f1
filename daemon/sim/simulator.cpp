#include "simulator.hpp"

#include "util/hash.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <optional>
#include <string>

namespace verdict::sim {

namespace asio = boost::asio;
using nlohmann::json;

// ---- markers ----

namespace {
constexpr std::array<std::string_view, marker_count> marker_names{
    "clean",   "bkr-a", "bkr-ah",   "bkr-2",       "bkr-3",        "bkr-4",      "bkr-sr",         "bkr-devicecredits",
    "preventel", "lost", "stolen",  "expired",     "notfound",     "ibanmismatch", "ibanclosed",   "business",
    "noaddress", "nonresidential", "arrears", "writeoff", "subs6", "lowscore"};

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}
}  // namespace

std::string_view to_string(Marker m) { return marker_names[static_cast<std::size_t>(m)]; }

const std::array<Marker, marker_count>& all_markers() {
  static const auto markers = [] {
    std::array<Marker, marker_count> out{};
    for (std::size_t i = 0; i < marker_count; ++i) out[i] = static_cast<Marker>(i);
    return out;
  }();
  return markers;
}

Markers parse_markers(std::string_view email) {
  Markers out;
  const auto at = email.rfind('@');
  std::string_view local = email.substr(0, at);
  const auto plus = local.find('+');
  if (plus == std::string_view::npos) return out;
  std::string_view rest = local.substr(plus + 1);
  while (true) {
    const auto next = rest.find('+');
    const std::string tag = lower_ascii(rest.substr(0, next));
    for (Marker m : all_markers())
      if (to_string(m) == tag) out.set(m);
    if (next == std::string_view::npos) break;
    rest = rest.substr(next + 1);
  }
  return out;
}

// ---- answers ----

namespace {


/// FNV-1a with a terminator after each field, so ("ab", "c") and ("a", "bc") differ.
std::uint64_t mix_field(std::uint64_t h, std::string_view field) {
  constexpr std::uint64_t prime = 0x100000001B3ULL;
  for (char c : field) {
    h ^= static_cast<unsigned char>(c);
    h *= prime;
  }
  h ^= 0xFF;
  return h * prime;
}

/// The stable part of an applicant: what stays the same from one application to the next. The
/// e-mail is left out on purpose, so adding a marker changes only the marked finding.
std::uint64_t applicant_key(const Application& a, ProviderId id, std::uint64_t seed) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  h = mix_field(h, format_iso_date(a.applicant.date_of_birth));
  h = mix_field(h, lower_ascii(a.applicant.last_name));
  h = mix_field(h, a.applicant.address.postcode);
  h = mix_field(h, lower_ascii(a.applicant.address.house_number));
  h = mix_field(h, a.applicant.iban);
  h = mix_field(h, to_string(id));
  return splitmix64(h ^ splitmix64(seed));
}

/// A small generator with its own distributions: the standard distributions differ between
/// library implementations, and an applicant's answers must not.
class Dice {
 public:
  explicit Dice(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ULL;
    return splitmix64(state_);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  bool chance(double p) { return uniform() < p; }
  int between(int lo, int hi) {
    const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<int>(next() % span);
  }
  double normal(double mean, double sd) {
    const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
    const double u2 = uniform();
    return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::uint64_t state_;
};

Date days_before(Date d, int days) { return Date{d.days - days}; }

void answer_bkr(BkrResult& out, const Application& a, const Markers& m, Dice& d) {
  if (!m.has(Marker::Clean)) {
    // About half of adults have a registered credit; a few carry codes (generator.cpp's mix).
    const int contracts = d.chance(0.55) ? 0 : d.between(1, 4);
    static constexpr std::array<std::string_view, 5> types{"AK", "RK", "RK", "PL", "OA"};
    for (int i = 0; i < contracts; ++i)
      out.contracts.push_back({std::string(types[static_cast<std::size_t>(d.between(0, 4))]),
                               static_cast<Cents>(d.between(5, 250)) * 10000, days_before(a.date, d.between(40, 3000)),
                               false});
    if (d.chance(0.03))
      out.contracts.push_back({"OA", static_cast<Cents>(d.between(40, 140)) * 1000, days_before(a.date, d.between(1, 29)), true});
    const double code_roll = d.uniform();
    if (code_roll < 0.035) out.codes = {"A"};
    else if (code_roll < 0.06) out.codes = {"A", "H"};
    else if (code_roll < 0.075) out.codes = {std::string(1, static_cast<char>('2' + d.between(0, 2)))};
    else if (code_roll < 0.082) out.codes = {"1"};
    if (d.chance(0.006)) out.contracts.push_back({"SR", 750000, days_before(a.date, d.between(100, 2000)), false});
  }

  // Code markers replace the drawn codes, so "bkr-a" means exactly A; several markers add up.
  std::vector<std::string> codes;
  if (m.has(Marker::BkrA) || m.has(Marker::BkrAH)) codes.push_back("A");
  if (m.has(Marker::BkrAH)) codes.push_back("H");
  if (m.has(Marker::Bkr2)) codes.push_back("2");
  if (m.has(Marker::Bkr3)) codes.push_back("3");
  if (m.has(Marker::Bkr4)) codes.push_back("4");
  if (!codes.empty()) out.codes = std::move(codes);
  if (m.has(Marker::BkrSR)) out.contracts.push_back({"SR", 850000, days_before(a.date, 400), false});
  if (m.has(Marker::BkrDeviceCredits)) {
    out.contracts.push_back({"OA", 79900, days_before(a.date, 3), true});
    out.contracts.push_back({"OA", 109900, days_before(a.date, 11), true});
    out.contracts.push_back({"OA", 49900, days_before(a.date, 24), true});
  }
  out.status = out.contracts.empty() && out.codes.empty() ? ProviderStatus::NoHit : ProviderStatus::Hit;
}

void answer_preventel(PreventelResult& out, const Markers& m, Dice& d) {
  out.status = ProviderStatus::NoHit;
  if (!m.has(Marker::Clean) && d.chance(0.018)) {
    out.status = ProviderStatus::Hit;
    out.registrations = d.between(1, 3);
    out.outstanding = static_cast<Cents>(d.between(50, 1500)) * 100;
  }
  if (m.has(Marker::Preventel)) {
    out.status = ProviderStatus::Hit;
    out.registrations = std::max(out.registrations, 1);
    out.outstanding = std::max<Cents>(out.outstanding, 42000);
  }
}

void answer_bureau(BureauResult& out, const Markers& m, Dice& d) {
  out.status = ProviderStatus::Ok;
  out.bureau = "focum";
  out.score = m.has(Marker::Clean) ? 780 : std::clamp(static_cast<int>(d.normal(690, 110)), 150, 999);
  if (m.has(Marker::LowScore)) out.score = 300;
  out.payment_behaviour = out.score > 650 ? "good" : out.score > 450 ? "average" : "poor";
}

void answer_operator(OperatorResult& out, const Markers& m, Dice& d) {
  out.status = ProviderStatus::Ok;
  if (!m.has(Marker::Clean) && d.chance(0.32)) {  // an existing customer
    out.customer_months = d.between(1, 180);
    out.active_subscriptions = d.chance(0.985) ? d.between(1, 3) : d.between(5, 8);
    out.open_device_credit = d.chance(0.4) ? static_cast<Cents>(d.between(100, 2400)) * 100 : 0;
    if (d.chance(0.06)) {
      out.arrears = static_cast<Cents>(d.between(20, 400)) * 100;
      out.arrears_days = d.between(5, 120);
    }
    if (d.chance(0.01)) out.write_offs = 1;
  }
  // The operator markers describe an existing customer, so make them one.
  const bool marked_customer = m.has(Marker::Arrears) || m.has(Marker::WriteOff) || m.has(Marker::Subs6);
  if (marked_customer) {
    if (out.customer_months == 0) out.customer_months = 26;
    out.active_subscriptions = std::max(out.active_subscriptions, 1);
  }
  if (m.has(Marker::Arrears)) {
    out.arrears = 15000;
    out.arrears_days = 60;
  }
  if (m.has(Marker::WriteOff)) out.write_offs = std::max(out.write_offs, 1);
  if (m.has(Marker::Subs6)) out.active_subscriptions = 6;
}

void answer_id_check(IdCheckResult& out, const Application& a, const Markers& m, Dice& d) {
  out.status = ProviderStatus::Ok;
  out.document_status = "valid";
  if (!m.has(Marker::Clean)) {
    const double roll = d.uniform();
    // The register knows when a document expired: that follows from the application itself.
    if (a.applicant.id_document.expiry_date < a.date) out.document_status = "expired";
    else if (roll < 0.002) out.document_status = "stolen";
    else if (roll < 0.004) out.document_status = "lost";
    else if (roll < 0.005) out.document_status = "not_found";
  }
  // One status only; the most serious marker wins.
  if (m.has(Marker::NotFound)) out.document_status = "not_found";
  else if (m.has(Marker::Stolen)) out.document_status = "stolen";
  else if (m.has(Marker::Lost)) out.document_status = "lost";
  else if (m.has(Marker::Expired)) out.document_status = "expired";
}

void answer_iban_check(IbanCheckResult& out, const Markers& m, Dice& d) {
  out.status = ProviderStatus::Ok;
  out.name_match = "match";
  if (!m.has(Marker::Clean)) {
    const double roll = d.uniform();
    out.name_match = roll < 0.95 ? "match" : roll < 0.988 ? "close_match" : "no_match";
    out.account_closed = d.chance(0.002);
    out.business_account = d.chance(0.005);
  }
  if (m.has(Marker::IbanMismatch)) out.name_match = "no_match";
  if (m.has(Marker::IbanClosed)) out.account_closed = true;
  if (m.has(Marker::Business)) out.business_account = true;
}

void answer_address(AddressResult& out, const Markers& m, Dice& d) {
  out.status = ProviderStatus::Ok;
  out.exists = m.has(Marker::Clean) || d.chance(0.996);
  out.residential = out.exists && (m.has(Marker::Clean) || d.chance(0.993));
  if (m.has(Marker::NonResidential)) {
    out.exists = true;
    out.residential = false;
  }
  if (m.has(Marker::NoAddress)) {
    out.exists = false;
    out.residential = false;
  }
}

}  // namespace

ProviderResults answer(ProviderId id, const Application& a, std::uint64_t seed) {
  const Markers markers = parse_markers(a.applicant.email);
  Dice dice(applicant_key(a, id, seed));
  ProviderResults out;
  switch (id) {
    case ProviderId::Bkr: answer_bkr(out.bkr, a, markers, dice); break;
    case ProviderId::Preventel: answer_preventel(out.preventel, markers, dice); break;
    case ProviderId::Bureau: answer_bureau(out.bureau, markers, dice); break;
    case ProviderId::Operator: answer_operator(out.operator_history, markers, dice); break;
    case ProviderId::IdCheck: answer_id_check(out.id_check, a, markers, dice); break;
    case ProviderId::IbanCheck: answer_iban_check(out.iban_check, markers, dice); break;
    case ProviderId::Address: answer_address(out.address, markers, dice); break;
  }
  return out;
}

// ---- configuration ----

Config default_config() {
  Config c;
  auto set = [&](ProviderId id, double median, double p95) {
    c.provider(id).median_ms = median;
    c.provider(id).p95_ms = p95;
  };
  set(ProviderId::Bkr, 180, 450);
  set(ProviderId::Preventel, 90, 220);
  set(ProviderId::Bureau, 150, 380);
  set(ProviderId::Operator, 20, 60);
  set(ProviderId::IdCheck, 80, 180);
  set(ProviderId::IbanCheck, 120, 300);
  set(ProviderId::Address, 40, 120);
  return c;
}

json encode_config(const Config& c) {
  json providers = json::object();
  for (ProviderId id : all_providers()) {
    const ProviderConfig& p = c.provider(id);
    providers[std::string(to_string(id))] = {
        {"median_ms", p.median_ms},   {"p95_ms", p.p95_ms},         {"error_rate", p.error_rate},
        {"timeout_rate", p.timeout_rate}, {"slow_rate", p.slow_rate}, {"reset_rate", p.reset_rate},
        {"slow_factor", p.slow_factor}, {"timeout_ms", p.timeout_ms}};
  }
  return {{"seed", c.seed}, {"latency_scale", c.latency_scale}, {"providers", std::move(providers)}};
}

namespace {

std::string child(const std::string& pointer, std::string_view key) {
  std::string out = pointer + "/";
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out.push_back(c);
  }
  return out;
}

/// "1", not "1.0", in messages: whole numbers read as people write them.
std::string format_number(double v) {
  if (std::floor(v) == v && std::abs(v) < 1e15) return std::to_string(static_cast<std::int64_t>(v));
  return json(v).dump();
}

/// A number in [min, max], or nullopt with the error recorded.
std::optional<double> read_number(const json& v, const std::string& pointer, double min, double max, InputErrors& errors) {
  if (!v.is_number()) {
    errors.errors.push_back({pointer, "must be a number"});
    return std::nullopt;
  }
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < min || x > max) {
    errors.errors.push_back({pointer, "must be between " + format_number(min) + " and " + format_number(max)});
    return std::nullopt;
  }
  return x;
}

std::optional<std::int64_t> read_integer(const json& v, const std::string& pointer, std::int64_t min, std::int64_t max,
                                         InputErrors& errors) {
  const bool in_range = v.is_number_integer() &&
                        !(v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) &&
                        v.get<std::int64_t>() >= min && v.get<std::int64_t>() <= max;
  if (!in_range) {
    errors.errors.push_back({pointer, "must be an integer between " + std::to_string(min) + " and " + std::to_string(max)});
    return std::nullopt;
  }
  return v.get<std::int64_t>();
}

/// Applies one provider object onto `target`.
void merge_provider(const json& patch, const std::string& pointer, ProviderConfig& target, InputErrors& errors) {
  if (!patch.is_object()) {
    errors.errors.push_back({pointer, "must be an object"});
    return;
  }
  constexpr double max_ms = static_cast<double>(max_delay.count());
  for (const auto& [key, value] : patch.items()) {
    const std::string at = child(pointer, key);
    auto number = [&](double& field, double min, double max) {
      if (auto x = read_number(value, at, min, max, errors)) field = *x;
    };
    if (key == "median_ms") number(target.median_ms, 0, max_ms);
    else if (key == "p95_ms") number(target.p95_ms, 0, max_ms);
    else if (key == "error_rate") number(target.error_rate, 0, 1);
    else if (key == "timeout_rate") number(target.timeout_rate, 0, 1);
    else if (key == "slow_rate") number(target.slow_rate, 0, 1);
    else if (key == "reset_rate") number(target.reset_rate, 0, 1);
    else if (key == "slow_factor") number(target.slow_factor, 1, 1000);
    else if (key == "timeout_ms") {
      if (auto x = read_integer(value, at, 0, max_delay.count(), errors)) target.timeout_ms = *x;
    } else {
      errors.errors.push_back({at, "is not a known field (median_ms, p95_ms, error_rate, timeout_rate, slow_rate, "
                                   "reset_rate, slow_factor, timeout_ms)"});
    }
  }
}

}  // namespace

expected<Config, InputErrors> merge_config(const Config& base, const json& patch) {
  InputErrors errors;
  Config out = base;
  if (!patch.is_object()) {
    errors.errors.push_back({"", "must be an object"});
    return unexpected(std::move(errors));
  }
  // Where each provider was last changed from, so a check across its fields names that place.
  std::array<std::string, provider_count> changed_at;
  for (const auto& [key, value] : patch.items()) {
    const std::string at = child("", key);
    if (key == "seed") {
      if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<std::int64_t>() >= 0))
        errors.errors.push_back({at, "must be a non-negative integer"});
      else
        out.seed = value.get<std::uint64_t>();
    } else if (key == "latency_scale") {
      if (auto x = read_number(value, at, 0, 100, errors)) out.latency_scale = *x;
    } else if (key == "providers") {
      if (!value.is_object()) {
        errors.errors.push_back({at, "must be an object"});
        continue;
      }
      // "all" first, whatever the key order, so a named provider refines it.
      if (const auto all = value.find("all"); all != value.end()) {
        const std::string all_at = child(at, "all");
        // Checked once on a scratch provider, so a bad field is reported once, not seven times.
        ProviderConfig probe;
        const std::size_t errors_before = errors.errors.size();
        merge_provider(*all, all_at, probe, errors);
        if (errors.errors.size() == errors_before)
          for (ProviderId id : all_providers()) {
            merge_provider(*all, all_at, out.provider(id), errors);
            changed_at[static_cast<std::size_t>(id)] = all_at;
          }
      }
      for (const auto& [name, provider] : value.items()) {
        if (name == "all") continue;
        const auto id = provider_from_string(name);
        if (!id) {
          errors.errors.push_back({child(at, name), "is not a known provider (bkr, preventel, bureau, operator, "
                                                    "id_check, iban_check, address, or all)"});
          continue;
        }
        merge_provider(provider, child(at, name), out.provider(*id), errors);
        changed_at[static_cast<std::size_t>(*id)] = child(at, name);
      }
    } else {
      errors.errors.push_back({at, "is not a known field (seed, latency_scale, providers)"});
    }
  }
  if (errors.errors.empty()) {
    for (ProviderId id : all_providers()) {
      const std::string& at = changed_at[static_cast<std::size_t>(id)];
      if (at.empty()) continue;
      const ProviderConfig& p = out.provider(id);
      if (p.p95_ms < p.median_ms)
        errors.errors.push_back({at + "/p95_ms", "must be at least median_ms (" + format_number(p.median_ms) + ")"});
      const double faults = p.error_rate + p.timeout_rate + p.slow_rate + p.reset_rate;
      if (faults > 1.0 + 1e-9)
        errors.errors.push_back({at, "error_rate + timeout_rate + slow_rate + reset_rate is " + format_number(faults) +
                                         "; together they may be at most 1"});
    }
  }
  if (!errors.errors.empty()) return unexpected(std::move(errors));
  return out;
}

// ---- latency and faults ----

std::string_view to_string(Fault f) {
  switch (f) {
    case Fault::None: return "none";
    case Fault::Error: return "error";
    case Fault::Timeout: return "timeout";
    case Fault::Slow: return "slow";
    case Fault::Reset: return "reset";
  }
  return "?";
}

CallPlan plan_call(const ProviderConfig& p, double latency_scale, std::mt19937_64& rng) {
  CallPlan plan;
  // One roll over adjacent bands, so each rate is exactly the fraction of calls it names.
  const double roll = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  const double timeout_below = p.timeout_rate;
  const double reset_below = timeout_below + p.reset_rate;
  const double error_below = reset_below + p.error_rate;
  const double slow_below = error_below + p.slow_rate;
  if (roll < timeout_below) plan.fault = Fault::Timeout;
  else if (roll < reset_below) plan.fault = Fault::Reset;
  else if (roll < error_below) plan.fault = Fault::Error;
  else if (roll < slow_below) plan.fault = Fault::Slow;

  if (plan.fault == Fault::Timeout) {
    plan.delay = std::chrono::milliseconds(std::min(p.timeout_ms, max_delay.count()));
    return plan;
  }
  // Log-normal: ln(latency) ~ N(ln median, sigma) with the 95th percentile at z = 1.645.
  double latency = 0;
  if (p.median_ms > 0 && p.p95_ms > p.median_ms) {
    const double sigma = std::log(p.p95_ms / p.median_ms) / 1.6448536269514722;
    latency = std::exp(std::normal_distribution<double>(std::log(p.median_ms), sigma)(rng));
    latency = std::min(latency, 10.0 * p.p95_ms);  // the far tail of a log-normal is not a latency anyone sees
  } else {
    latency = p.median_ms;  // median = p95: a fixed latency
  }
  latency *= latency_scale;
  if (plan.fault == Fault::Slow) latency *= p.slow_factor;
  const double capped = std::min(std::round(latency), static_cast<double>(max_delay.count()));
  plan.delay = std::chrono::milliseconds(static_cast<std::int64_t>(capped));
  return plan;
}

// ---- the simulator ----

/// The timers of calls that are waiting, so stop() can wake them. A timer is cancelled on its own
/// executor (the connection's strand) and looked up again there: the call may have ended since.
struct Simulator::Sleepers {
  struct Entry {
    asio::steady_timer* timer;
    asio::any_io_executor executor;
  };
  std::mutex mutex;
  std::map<std::uint64_t, Entry> entries;
  std::uint64_t next_id = 0;
  bool stopping = false;
};

Simulator::Simulator(Config start)
    : start_(start), config_(std::make_shared<const Config>(start)), sleepers_(std::make_unique<Sleepers>()) {}

Simulator::~Simulator() = default;

expected<std::shared_ptr<const Config>, InputErrors> Simulator::update(const json& patch) {
  std::lock_guard lock(update_mutex_);
  auto merged = merge_config(*config_.load(), patch);
  if (!merged) return unexpected(std::move(merged.error()));
  auto snapshot = std::make_shared<const Config>(std::move(*merged));
  config_.store(snapshot);
  return snapshot;
}

void Simulator::reset() {
  {
    std::lock_guard lock(update_mutex_);
    config_.store(std::make_shared<const Config>(start_));
  }
  for (auto& c : counters_)
    for (auto* field : {&c.calls, &c.answered, &c.errors, &c.timeouts, &c.slow, &c.resets, &c.bad_requests})
      field->store(0);
}

std::array<ProviderStats, provider_count> Simulator::stats() const {
  std::array<ProviderStats, provider_count> out;
  for (std::size_t i = 0; i < provider_count; ++i) {
    const Counters& c = counters_[i];
    out[i] = {c.calls.load(), c.answered.load(), c.errors.load(), c.timeouts.load(),
              c.slow.load(),  c.resets.load(),   c.bad_requests.load()};
  }
  return out;
}

json Simulator::stats_json() const {
  auto to_json = [](const ProviderStats& s) {
    return json{{"calls", s.calls},   {"answered", s.answered}, {"errors", s.errors},
                {"timeouts", s.timeouts}, {"slow", s.slow},     {"resets", s.resets},
                {"bad_requests", s.bad_requests}};
  };
  const auto all = stats();
  ProviderStats total;
  json providers = json::object();
  for (ProviderId id : all_providers()) {
    const ProviderStats& s = all[static_cast<std::size_t>(id)];
    providers[std::string(to_string(id))] = to_json(s);
    total.calls += s.calls;
    total.answered += s.answered;
    total.errors += s.errors;
    total.timeouts += s.timeouts;
    total.slow += s.slow;
    total.resets += s.resets;
    total.bad_requests += s.bad_requests;
  }
  return {{"providers", std::move(providers)}, {"total", to_json(total)}};
}

namespace {

/// The body of a provider call: {"application": <the application as verdict::encode writes it>}.
expected<Application, http::ApiError> read_call_body(std::string_view body) {
  const json document = json::parse(body, nullptr, false);
  if (document.is_discarded()) return unexpected(http::ApiError::bad_request("the body is not valid JSON"));
  if (!document.is_object())
    return unexpected(http::ApiError::bad_request("the body must be {\"application\": {...}}", {{"", "must be an object"}}));
  std::vector<FieldError> errors;
  for (const auto& [key, value] : document.items())
    if (key != "application") errors.push_back({child("", key), "is not a known field"});
  const auto it = document.find("application");
  if (it == document.end()) {
    errors.push_back({"/application", "is required"});
  } else {
    auto application = decode_application(*it);
    if (application && errors.empty()) return std::move(*application);
    if (!application)
      for (auto& e : application.error().errors) errors.push_back({"/application" + e.pointer, std::move(e.message)});
  }
  return unexpected(http::ApiError::bad_request("the application is not valid", std::move(errors)));
}

/// Per-thread, so rolling the dice for a call takes no lock; unseeded from run to run on purpose:
/// faults and latencies are random, only the answers are deterministic.
std::mt19937_64& call_rng() {
  thread_local std::mt19937_64 rng{(std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}()};
  return rng;
}

http::HttpResponse abort_connection() {
  http::HttpResponse r;
  r.abort_connection = true;
  return r;
}

}  // namespace

asio::awaitable<bool> Simulator::sleep(std::chrono::milliseconds delay) {
  if (delay <= std::chrono::milliseconds::zero()) co_return true;
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, delay);
  std::uint64_t id = 0;
  {
    std::lock_guard lock(sleepers_->mutex);
    if (sleepers_->stopping) co_return false;
    id = sleepers_->next_id++;
    sleepers_->entries.emplace(id, Sleepers::Entry{&timer, executor});
  }
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  {
    std::lock_guard lock(sleepers_->mutex);
    sleepers_->entries.erase(id);
  }
  co_return !ec;
}

void Simulator::stop() {
  std::lock_guard lock(sleepers_->mutex);
  sleepers_->stopping = true;
  for (const auto& [id, entry] : sleepers_->entries) {
    asio::post(entry.executor, [sleepers = sleepers_.get(), sleeper_id = id] {
      std::lock_guard inner(sleepers->mutex);
      const auto it = sleepers->entries.find(sleeper_id);
      if (it != sleepers->entries.end()) it->second.timer->cancel();
    });
  }
}

asio::awaitable<http::HandlerResult> Simulator::call(ProviderId id, std::string_view body) {
  Counters& counters = counters_[static_cast<std::size_t>(id)];
  ++counters.calls;
  auto application = read_call_body(body);
  if (!application) {
    ++counters.bad_requests;
    co_return unexpected(std::move(application.error()));
  }
  const std::shared_ptr<const Config> config = this->config();
  const CallPlan plan = plan_call(config->provider(id), config->latency_scale, call_rng());
  // Faults count when they are decided, so a 30 s timeout shows in the stats at once.
  switch (plan.fault) {
    case Fault::None: break;
    case Fault::Error: ++counters.errors; break;
    case Fault::Timeout: ++counters.timeouts; break;
    case Fault::Slow: ++counters.slow; break;
    case Fault::Reset: ++counters.resets; break;
  }
  ProviderResults results = answer(id, *application, config->seed);

  co_await sleep(plan.delay);  // cut short by stop(): then act at once

  switch (plan.fault) {
    case Fault::Timeout:  // the caller gave up long ago; close without a word
    case Fault::Reset: co_return abort_connection();
    case Fault::Error:
      co_return unexpected(http::ApiError::unavailable("simulated " + std::string(to_string(id)) + " outage"));
    case Fault::None:
    case Fault::Slow: break;
  }
  results.call(id).latency_ms = static_cast<int>(plan.delay.count());
  ++counters.answered;
  co_return http::HttpResponse::json(200, encode_provider(id, results).dump());
}

}  // namespace verdict::sim
