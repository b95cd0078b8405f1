#pragma once
// Velocity signals: how often an identifier of this application (IBAN, address, device, e-mail,
// phone) was seen across all applications in a sliding window, counted as applications and as
// distinct applicants. They are computed by Verdict itself (a counter store shared by every
// daemon), not by a provider. A counter that was not read — not declared by the policy, or the
// store could not be reached — is unknown to the policy, never zero.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace verdict {

enum class VelocityIdentifier : std::uint8_t { Iban, Address, Device, Email, Phone };
inline constexpr std::size_t velocity_identifier_count = 5;

enum class VelocityWindow : std::uint8_t { Hour1, Hours24, Days7, Days30 };
inline constexpr std::size_t velocity_window_count = 4;

enum class VelocityMeasure : std::uint8_t { Applications, DistinctApplicants };
inline constexpr std::size_t velocity_measure_count = 2;

inline constexpr std::size_t velocity_counter_count =
    velocity_identifier_count * velocity_window_count * velocity_measure_count;

/// "iban", "address" (postcode + house number), "device", "email", "phone".
std::string_view to_string(VelocityIdentifier);
/// "1h", "24h", "7d", "30d".
std::string_view to_string(VelocityWindow);
/// "applications", "distinct_applicants".
std::string_view to_string(VelocityMeasure);
std::optional<VelocityIdentifier> velocity_identifier_from_string(std::string_view);
std::optional<VelocityWindow> velocity_window_from_string(std::string_view);
std::chrono::milliseconds duration_of(VelocityWindow);
/// The longest window: how long a counter store keeps what it saw.
inline constexpr std::chrono::milliseconds velocity_retention = std::chrono::hours(24 * 30);

/// Index of one counter, identifier-major then window then measure; the field catalogue lays out
/// the `velocity.*` fields in this order.
constexpr std::size_t velocity_counter_index(VelocityIdentifier id, VelocityWindow w, VelocityMeasure m) {
  return (static_cast<std::size_t>(id) * velocity_window_count + static_cast<std::size_t>(w)) *
             velocity_measure_count +
         static_cast<std::size_t>(m);
}
/// "velocity.iban.distinct_applicants_24h".
std::string velocity_field_path(VelocityIdentifier, VelocityWindow, VelocityMeasure);

/// The counters a policy reads: per identifier, a bit per window. Only declared counters are kept
/// up to date and read, and the checker refuses a rule that reads one that is not declared.
struct VelocityDeclaration {
  std::array<std::uint8_t, velocity_identifier_count> windows{};  // bit w: VelocityWindow w

  bool declares(VelocityIdentifier id, VelocityWindow w) const {
    return (windows[static_cast<std::size_t>(id)] >> static_cast<unsigned>(w)) & 1U;
  }
  bool declares(VelocityIdentifier id) const { return windows[static_cast<std::size_t>(id)] != 0; }
  void declare(VelocityIdentifier id, VelocityWindow w) {
    windows[static_cast<std::size_t>(id)] =
        static_cast<std::uint8_t>(windows[static_cast<std::size_t>(id)] | (1U << static_cast<unsigned>(w)));
  }
  bool empty() const {
    for (auto w : windows)
      if (w) return false;
    return true;
  }
  bool operator==(const VelocityDeclaration&) const = default;
};

/// The counters read for one application. A counter without its known bit is unknown.
struct VelocitySignals {
  std::array<std::int32_t, velocity_counter_count> values{};
  std::uint64_t known = 0;
  /// Why nothing could be read (e.g. "counter store unreachable"); empty otherwise. Never personal data.
  std::string error;

  void set(VelocityIdentifier id, VelocityWindow w, VelocityMeasure m, std::int32_t value) {
    const auto i = velocity_counter_index(id, w, m);
    values[i] = value;
    known |= std::uint64_t{1} << i;
  }
  std::optional<std::int32_t> get(VelocityIdentifier id, VelocityWindow w, VelocityMeasure m) const {
    const auto i = velocity_counter_index(id, w, m);
    if (!((known >> i) & 1U)) return std::nullopt;
    return values[i];
  }
  bool is_known(std::size_t index) const { return (known >> index) & 1U; }
  bool operator==(const VelocitySignals&) const = default;
};
static_assert(velocity_counter_count <= 64);

}  // namespace verdict
