#include "history/generator.hpp"

#include "util/hash.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <cmath>
#include <random>
#include <string_view>

namespace verdict::history {

namespace {


class Dice {
 public:
  explicit Dice(std::uint64_t seed) : rng_(seed) {}
  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }
  bool chance(double p) { return uniform() < p; }
  int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  double normal(double mean, double sd) { return std::normal_distribution<double>(mean, sd)(rng_); }
  template <class T, std::size_t N>
  const T& pick(const std::array<T, N>& items) {
    return items[static_cast<std::size_t>(between(0, static_cast<int>(N) - 1))];
  }

 private:
  std::mt19937_64 rng_;
};

constexpr std::array<std::string_view, 24> first_names{
    "Daan", "Sem",  "Lucas", "Milan", "Levi", "Noah",  "Liam", "Finn",  "Bram",  "Jesse", "Thijs", "Ruben",
    "Emma", "Julia", "Mila", "Tess",  "Sophie", "Zoë", "Sara", "Anna",  "Eva",   "Noor",  "Fleur", "Lotte"};
constexpr std::array<std::string_view, 24> last_names{
    "de Jong",  "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser",
    "Smit",     "Meijer", "de Boer",  "Mulder",       "de Groot", "Bos",    "Vos",     "Peters",
    "Hendriks", "van Leeuwen", "Dekker", "Brouwer",   "de Wit",   "Dijkstra", "Smits", "Yilmaz"};
constexpr std::array<std::string_view, 8> mail_domains{"gmail.com", "hotmail.com", "outlook.com", "ziggo.nl",
                                                       "kpnmail.nl", "live.nl",   "icloud.com",  "xs4all.nl"};
constexpr std::array<std::string_view, 3> disposable_domains{"mailinator.com", "yopmail.com", "10minutemail.com"};
constexpr std::array<std::string_view, 8> banks{"ABNA", "INGB", "RABO", "SNSB", "ASNB", "TRIO", "KNAB", "BUNQ"};
constexpr std::array<std::string_view, 10> cities{"Amsterdam", "Rotterdam", "Den Haag", "Utrecht", "Eindhoven",
                                                  "Groningen", "Tilburg",   "Almere",   "Breda",   "Nijmegen"};
constexpr std::array<std::string_view, 8> streets{"Kerkstraat", "Dorpsstraat", "Schoolstraat", "Molenweg",
                                                  "Stationsweg", "Julianalaan", "Beatrixlaan", "Parallelweg"};
constexpr std::array<std::string_view, 5> plans{"Unlimited 5G", "Basis 10 GB", "Sim Only 20 GB", "Unlimited Max",
                                                "Jongeren 15 GB"};
constexpr std::array<Cents, 8> device_prices{19900, 34900, 49900, 69900, 89900, 109900, 129900, 159900};

std::string digits(Dice& d, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + d.between(0, 9)));
  return s;
}

std::string make_iban(std::string_view bank, const std::string& account) {
  // Compute the ISO 13616 check digits for NL + bank + account.
  const std::string bban = std::string(bank) + account;
  std::string rearranged = bban + "NL00";
  unsigned remainder = 0;
  for (char c : rearranged) {
    if (c >= 'A' && c <= 'Z') remainder = (remainder * 100 + static_cast<unsigned>(c - 'A' + 10)) % 97;
    else remainder = (remainder * 10 + static_cast<unsigned>(c - '0')) % 97;
  }
  const unsigned check = 98 - remainder;
  std::string out = "NL";
  out.push_back(static_cast<char>('0' + check / 10));
  out.push_back(static_cast<char>('0' + check % 10));
  return out + bban;
}

std::string lower_ascii(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ') continue;
    if (c >= 'A' && c <= 'Z') out.push_back(static_cast<char>(c - 'A' + 'a'));
    else if (static_cast<unsigned char>(c) < 0x80) out.push_back(c);
  }
  return out;
}

/// A fraud ring: several different applicants sharing an IBAN, an address or a device (and with it
/// often a phone) within hours or days. Rings are drawn per block of the index stream, so every case
/// can still be generated on its own: the i-th case knows from (seed, i / ring_block) whether it is
/// a member, which one, when it applied and what it shares.
constexpr std::uint64_t ring_block = 256;
constexpr int minutes_per_day = 24 * 60;

enum class RingKind { Iban, Address, Device };

struct RingMembership {
  RingKind kind = RingKind::Iban;
  int member = 0;             // 0-based, in order of application
  int gap_minutes = 0;        // between consecutive members
  std::int64_t first_minute = 0;  // minutes since the epoch day 0 of the first member's application
  std::string iban, postcode, house_number, street, city, device_id, phone;
};

std::optional<RingMembership> ring_of(const GeneratorOptions& options, std::uint64_t index) {
  const std::uint64_t block = index / ring_block;
  Dice d(splitmix64(options.seed * 0x9E3779B97F4A7C15ULL ^ splitmix64(block ^ 0x52494E47ULL)));
  if (!d.chance(0.6)) return std::nullopt;
  const int size = d.between(3, 8);
  const auto start = static_cast<std::uint64_t>(d.between(0, static_cast<int>(ring_block) - size));
  const std::uint64_t offset = index % ring_block;
  if (offset < start || offset >= start + static_cast<std::uint64_t>(size)) return std::nullopt;
  RingMembership r;
  const int kind = d.between(0, 2);
  r.kind = static_cast<RingKind>(kind);
  r.member = static_cast<int>(offset - start);
  // IBAN and device rings strike within hours; a drop address fills up over days.
  r.gap_minutes = r.kind == RingKind::Address ? d.between(120, 1800) : d.between(4, 120);
  const int span_days = (r.gap_minutes * (size - 1)) / minutes_per_day + 1;
  const int day = options.last_day.days - d.between(span_days, std::max(span_days, options.days - 1));
  r.first_minute = static_cast<std::int64_t>(day) * minutes_per_day + d.between(8 * 60, 20 * 60);
  r.iban = make_iban(d.pick(banks), digits(d, 10));
  r.postcode = std::to_string(d.between(1000, 9999)) + static_cast<char>('A' + d.between(0, 25)) +
               static_cast<char>('A' + d.between(0, 25));
  r.house_number = std::to_string(d.between(1, 240));
  r.street = std::string(d.pick(streets));
  r.city = std::string(d.pick(cities));
  r.device_id = "dev-" + digits(d, 12);
  r.phone = "+316" + digits(d, 8);
  return r;
}

/// The velocity an application sees: itself, plus the ring members before it within each window.
void fill_velocity(VelocitySignals& v, const Application& a, const std::optional<RingMembership>& ring,
                   Dice& d) {
  const bool shares_phone = ring && ring->kind == RingKind::Device;
  for (std::size_t i = 0; i < velocity_identifier_count; ++i) {
    const auto id = static_cast<VelocityIdentifier>(i);
    if (id == VelocityIdentifier::Device && !a.applicant.device_id) continue;
    const bool shared = ring && ((id == VelocityIdentifier::Iban && ring->kind == RingKind::Iban) ||
                                 (id == VelocityIdentifier::Address && ring->kind == RingKind::Address) ||
                                 (id == VelocityIdentifier::Device && ring->kind == RingKind::Device) ||
                                 (id == VelocityIdentifier::Phone && shares_phone));
    // Outside rings a partner at the same address sometimes applied in the same month.
    const bool partner = id == VelocityIdentifier::Address && !shared && d.chance(0.04);
    const int partner_days_ago = partner ? d.between(0, 29) : 0;
    for (std::size_t w = 0; w < velocity_window_count; ++w) {
      const auto window = static_cast<VelocityWindow>(w);
      const auto window_minutes = duration_of(window).count() / 60'000;
      int count = 1;
      if (shared)
        for (int earlier = 0; earlier < ring->member; ++earlier)
          if (static_cast<std::int64_t>(ring->member - earlier) * ring->gap_minutes < window_minutes) ++count;
      if (partner && static_cast<std::int64_t>(partner_days_ago) * minutes_per_day < window_minutes) ++count;
      v.set(id, window, VelocityMeasure::Applications, count);
      v.set(id, window, VelocityMeasure::DistinctApplicants, count);
    }
  }
}

}  // namespace

Case generate_case(const GeneratorOptions& options, std::uint64_t index) {
  Dice d(splitmix64(options.seed * 0x100000001B3ULL ^ splitmix64(index)));
  Case c;
  Application& a = c.application;
  ProviderResults& p = c.providers;

  a.id = "APP-" + std::to_string(options.seed) + "-" + std::to_string(index);
  a.date = Date{options.last_day.days - d.between(0, options.days - 1)};
  a.channel = d.chance(0.58) ? Channel::Shop : Channel::Web;
  const auto ring = ring_of(options, index);
  if (ring) {
    a.date = Date{static_cast<std::int32_t>((ring->first_minute + std::int64_t{ring->member} * ring->gap_minutes) /
                                            minutes_per_day)};
    if (ring->kind == RingKind::Device) a.channel = Channel::Web;
  }
  if (a.channel == Channel::Shop) {
    a.shop_id = "SHOP-" + std::to_string(d.between(1, 140));
    a.agent = "AG-" + std::to_string(d.between(1, 900));
  }

  // Age: a few minors trying, many young adults, most of working age.
  const double age_roll = d.uniform();
  int age = age_roll < 0.006 ? d.between(16, 17)
            : age_roll < 0.20 ? d.between(18, 24)
            : age_roll < 0.88 ? d.between(25, 64)
                              : d.between(65, 88);
  int by = 0;
  unsigned bm = 0, bd = 0;
  civil_from_date(a.date, by, bm, bd);
  a.applicant.date_of_birth = Date{date_from_civil(by - age, bm, std::min(bd, 28U)).days - d.between(1, 360)};
  if (a.applicant.date_of_birth > a.date) a.applicant.date_of_birth = Date{a.date.days - 365 * 18};
  age = age_in_years(a.applicant.date_of_birth, a.date);

  Applicant& ap = a.applicant;
  ap.first_name = std::string(d.pick(first_names));
  ap.last_name = std::string(d.pick(last_names));
  const bool disposable_mail = d.chance(0.004);
  ap.email = lower_ascii(ap.first_name) + "." + lower_ascii(ap.last_name) + std::to_string(d.between(1, 999)) + "@" +
             std::string(disposable_mail ? d.pick(disposable_domains) : d.pick(mail_domains));
  ap.phone = "+316" + digits(d, 8);
  const double doc_roll = d.uniform();
  ap.id_document.type = doc_roll < 0.55 ? "id_card" : doc_roll < 0.9 ? "passport" : doc_roll < 0.97 ? "driving_licence" : "residence_permit";
  ap.id_document.number = "NX" + digits(d, 7);
  const bool document_expired = d.chance(0.012);
  ap.id_document.expiry_date = Date{a.date.days + (document_expired ? -d.between(1, 400) : d.between(30, 3650))};
  ap.address.postcode = std::to_string(d.between(1000, 9999)) + static_cast<char>('A' + d.between(0, 25)) +
                        static_cast<char>('A' + d.between(0, 25));
  ap.address.house_number = std::to_string(d.between(1, 240));
  ap.address.street = std::string(d.pick(streets));
  ap.address.city = std::string(d.pick(cities));
  ap.iban = make_iban(d.pick(banks), digits(d, 10));
  if (a.channel == Channel::Web && d.chance(0.9)) ap.device_id = "dev-" + digits(d, 12);
  if (ring) {
    switch (ring->kind) {
      case RingKind::Iban: ap.iban = ring->iban; break;
      case RingKind::Address:
        ap.address = {ring->postcode, ring->house_number, ring->street, ring->city};
        break;
      case RingKind::Device:
        ap.device_id = ring->device_id;
        ap.phone = ring->phone;
        break;
    }
  }

  // Household: income log-normal around EUR 2,700 net per month.
  Household& h = a.household;
  const bool couple = d.chance(0.45);
  const bool children = d.chance(couple ? 0.5 : 0.15);
  const bool own = age >= 28 && d.chance(0.5);
  h.type = static_cast<HouseholdType>((couple ? 4 : 0) + (children ? 2 : 0) + (own ? 1 : 0));
  h.children = children ? d.between(1, 3) : 0;
  double income = std::exp(d.normal(std::log(couple ? 4400.0 : 2900.0), 0.33));
  if (age < 21) income *= 0.55;
  if (age >= 67) income *= 0.7;
  h.net_income = static_cast<Cents>(std::clamp(income, 600.0, 15000.0) * 100.0);
  h.housing_costs = static_cast<Cents>(static_cast<double>(h.net_income) * std::clamp(d.normal(0.27, 0.06), 0.08, 0.5));
  if (age < 21 && d.chance(0.5)) h.housing_costs = 0;  // living with parents
  h.other_obligations = d.chance(0.75) ? 0 : static_cast<Cents>(d.between(25, 300)) * 100;
  h.income_documented = d.chance(0.35);

  // Order.
  Order& o = a.order;
  o.plan = std::string(d.pick(plans));
  o.contract_months = d.chance(0.8) ? 24 : 12;
  o.monthly_fee = static_cast<Cents>(d.between(10, 55)) * 100 - 1;
  if (d.chance(0.62)) {
    o.product = Product::Device;
    o.device_price = d.pick(device_prices);
    o.down_payment = d.chance(0.25) ? std::min<Cents>(o.device_price, static_cast<Cents>(d.between(1, 20)) * 1000) : 0;
    o.credit_amount = o.device_price - o.down_payment;
    o.credit_months = o.credit_amount > 0 ? (d.chance(0.85) ? 24 : 36) : 0;
    // Shops ask for a payslip when the credit is large; most applicants bring one.
    if (o.credit_amount > 100000) h.income_documented = d.chance(0.85);
  } else {
    o.product = Product::SimOnly;
  }

  // Providers. Each is unavailable now and then; BKR only when there is credit above EUR 250.
  auto call = [&](ProviderCall& pc, int lo, int hi) {
    pc.latency_ms = d.between(lo, hi);
    if (d.chance(0.008)) {
      pc.status = ProviderStatus::Unavailable;
      pc.error = d.chance(0.5) ? "timeout" : "http 503";
      return false;
    }
    pc.status = ProviderStatus::Ok;
    return true;
  };

  const bool fraud_ring = ring.has_value();
  const bool creditboy = age < 25 && d.chance(0.06);

  if (o.credit_amount > 25000) {
    if (call(p.bkr, 80, 450)) {
      const int contracts = d.chance(0.55) ? 0 : d.between(1, 4);
      for (int i = 0; i < contracts; ++i) {
        static constexpr std::array<std::string_view, 5> types{"AK", "RK", "RK", "PL", "OA"};
        p.bkr.contracts.push_back({std::string(d.pick(types)), static_cast<Cents>(d.between(5, 250)) * 10000,
                                   Date{a.date.days - d.between(40, 3000)}, false});
      }
      if (creditboy) {
        for (int i = 0, n = d.between(2, 4); i < n; ++i)
          p.bkr.contracts.push_back({"OA", static_cast<Cents>(d.between(40, 140)) * 1000, Date{a.date.days - d.between(1, 29)}, true});
      } else if (d.chance(0.03)) {
        p.bkr.contracts.push_back({"OA", static_cast<Cents>(d.between(40, 140)) * 1000, Date{a.date.days - d.between(1, 29)}, true});
      }
      const double code_roll = d.uniform();
      if (code_roll < 0.035) p.bkr.codes = {"A"};
      else if (code_roll < 0.06) p.bkr.codes = {"A", "H"};
      else if (code_roll < 0.075) p.bkr.codes = {std::string(1, static_cast<char>('2' + d.between(0, 2)))};
      else if (code_roll < 0.082) p.bkr.codes = {"1"};
      if (d.chance(0.006)) p.bkr.contracts.push_back({"SR", 0, Date{a.date.days - d.between(100, 2000)}, false});
      p.bkr.status = p.bkr.contracts.empty() && p.bkr.codes.empty() ? ProviderStatus::NoHit : ProviderStatus::Hit;
    }
  }
  if (call(p.preventel, 40, 220)) {
    if (d.chance(0.018)) {
      p.preventel.status = ProviderStatus::Hit;
      p.preventel.registrations = d.between(1, 3);
      p.preventel.outstanding = static_cast<Cents>(d.between(50, 1500)) * 100;
    } else {
      p.preventel.status = ProviderStatus::NoHit;
    }
  }
  if (call(p.bureau, 60, 380)) {
    p.bureau.bureau = "focum";
    p.bureau.score = std::clamp(static_cast<int>(d.normal(690, 110)), 150, 999);
    p.bureau.payment_behaviour = p.bureau.score > 650 ? "good" : p.bureau.score > 450 ? "average" : "poor";
  }
  if (call(p.operator_history, 5, 60)) {
    const bool customer = d.chance(0.32);
    if (customer) {
      p.operator_history.customer_months = d.between(1, 180);
      p.operator_history.active_subscriptions = d.chance(0.985) ? d.between(1, 3) : d.between(5, 8);
      p.operator_history.open_device_credit = d.chance(0.4) ? static_cast<Cents>(d.between(100, 2400)) * 100 : 0;
      if (d.chance(0.06)) {
        p.operator_history.arrears = static_cast<Cents>(d.between(20, 400)) * 100;
        p.operator_history.arrears_days = d.between(5, 120);
      }
      if (d.chance(0.01)) p.operator_history.write_offs = 1;
    }
  }
  if (call(p.id_check, 30, 180)) {
    const double roll = d.uniform();
    p.id_check.document_status = document_expired ? "expired"
                                 : roll < 0.002 ? "stolen"
                                 : roll < 0.004 ? "lost"
                                 : roll < 0.005 ? "not_found"
                                                : "valid";
  }
  if (call(p.iban_check, 50, 300)) {
    const double roll = d.uniform();
    p.iban_check.name_match = roll < 0.95 ? "match" : roll < 0.988 ? "close_match" : "no_match";
    if (fraud_ring && d.chance(0.6)) p.iban_check.name_match = "no_match";
    p.iban_check.account_closed = d.chance(0.002);
    p.iban_check.business_account = d.chance(0.005);
  }
  if (call(p.address, 20, 120)) {
    p.address.exists = d.chance(0.996);
    p.address.residential = p.address.exists && d.chance(0.993);
  }

  // A few counter-store outages: velocity unknown.
  if (!d.chance(0.003)) fill_velocity(p.velocity, a, ring, d);
  return c;
}

}  // namespace verdict::history
