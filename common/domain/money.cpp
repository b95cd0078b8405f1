#include "domain/money.hpp"

#include <cstdlib>

namespace verdict {

namespace {
std::string group_thousands(std::int64_t whole, char sep) {
  std::string digits = std::to_string(whole);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  const std::size_t lead = digits.size() % 3;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (i % 3) == lead % 3 && sep != '\0') out.push_back(sep);
    out.push_back(digits[i]);
  }
  return out;
}

std::string two_digits(std::int64_t v) {
  return std::string{static_cast<char>('0' + v / 10), static_cast<char>('0' + v % 10)};
}
}  // namespace

std::string format_cents(Cents cents) {
  const bool negative = cents < 0;
  const std::int64_t magnitude = negative ? -cents : cents;
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "." + two_digits(magnitude % 100);
}

std::string format_euro_nl(Cents cents) {
  const bool negative = cents < 0;
  const std::int64_t magnitude = negative ? -cents : cents;
  return std::string(negative ? "-€ " : "€ ") + group_thousands(magnitude / 100, '.') + "," +
         two_digits(magnitude % 100);
}

// 128-bit intermediate so a * numerator cannot overflow; a GCC/Clang extension.
__extension__ using Wide = __int128;

Cents mul_div_round(Cents a, std::int64_t numerator, std::int64_t denominator) {
  const Wide product = static_cast<Wide>(a) * numerator;
  const Wide half = denominator / 2;
  const Wide rounded = product >= 0 ? (product + half) / denominator : (product - half) / denominator;
  return static_cast<Cents>(rounded);
}

}  // namespace verdict
