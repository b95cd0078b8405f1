#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace verdict {

/// A calendar date as days since 1970-01-01 (proleptic Gregorian).
struct Date {
  std::int32_t days = 0;
  friend constexpr bool operator==(Date, Date) = default;
  friend constexpr auto operator<=>(Date, Date) = default;
};

Date date_from_civil(int year, unsigned month, unsigned day);
void civil_from_date(Date date, int& year, unsigned& month, unsigned& day);
/// Strict "YYYY-MM-DD"; nullopt for anything else, including 2025-02-30.
std::optional<Date> parse_iso_date(std::string_view text);
std::string format_iso_date(Date date);
/// Whole years between birth and on (the age a person has on that date).
int age_in_years(Date birth, Date on);

}  // namespace verdict
