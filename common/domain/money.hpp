#pragma once
#include <cstdint>
#include <string>

namespace verdict {

/// Money is always an integer number of euro cents; never a floating-point value.
using Cents = std::int64_t;

/// "1234.50" style, no currency sign, for JSON-adjacent output and logs.
std::string format_cents(Cents cents);
/// Dutch customer-facing form: "€ 1.234,50".
std::string format_euro_nl(Cents cents);

/// Rounds a * numerator / denominator half away from zero, without overflow for the
/// magnitudes money takes (|a| < 2^53).
Cents mul_div_round(Cents a, std::int64_t numerator, std::int64_t denominator);

}  // namespace verdict
