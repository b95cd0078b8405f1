#include "facts/catalog.hpp"

namespace verdict::facts {

std::span<const FieldDef> catalog() { return detail::fields; }

std::optional<std::uint16_t> find_field(std::string_view path) {
  for (std::size_t i = 0; i < detail::fields.size(); ++i)
    if (detail::fields[i].path == path) return static_cast<std::uint16_t>(i);
  return std::nullopt;
}

std::uint64_t catalog_fingerprint() {
  std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a
  auto mix = [&](unsigned char c) {
    hash ^= c;
    hash *= 1099511628211ULL;
  };
  for (const auto& f : detail::fields) {
    for (char c : f.path) mix(static_cast<unsigned char>(c));
    mix(static_cast<unsigned char>(f.type));
    mix(0xff);
  }
  return hash;
}

std::optional<ProviderId> provider_of(Source s) {
  switch (s) {
    case Source::Bkr: return ProviderId::Bkr;
    case Source::Preventel: return ProviderId::Preventel;
    case Source::Bureau: return ProviderId::Bureau;
    case Source::Operator: return ProviderId::Operator;
    case Source::IdCheck: return ProviderId::IdCheck;
    case Source::IbanCheck: return ProviderId::IbanCheck;
    case Source::Address: return ProviderId::Address;
    default: return std::nullopt;
  }
}

}  // namespace verdict::facts
