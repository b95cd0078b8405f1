#include "domain/date.hpp"

#include <cstdio>

namespace verdict {

// Howard Hinnant's days_from_civil / civil_from_days algorithms (public domain description).
Date date_from_civil(int year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned shifted_month = month > 2 ? month - 3 : month + 9;  // March = 0
  const unsigned doy = (153 * shifted_month + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return Date{static_cast<std::int32_t>(era * 146097 + static_cast<int>(doe) - 719468)};
}

void civil_from_date(Date date, int& year, unsigned& month, unsigned& day) {
  const int z = date.days + 719468;
  const int era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = doy - (153 * mp + 2) / 5 + 1;
  month = mp < 10 ? mp + 3 : mp - 9;
  year = static_cast<int>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
}

std::optional<Date> parse_iso_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto number = [&](std::size_t from, std::size_t len, int& out) {
    out = 0;
    for (std::size_t i = from; i < from + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + (text[i] - '0');
    }
    return true;
  };
  int y = 0, m = 0, d = 0;
  if (!number(0, 4, y) || !number(5, 2, m) || !number(8, 2, d)) return std::nullopt;
  if (m < 1 || m > 12 || d < 1) return std::nullopt;
  static constexpr int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  const int max_day = month_days[m - 1] + (m == 2 && leap ? 1 : 0);
  if (d > max_day) return std::nullopt;
  return date_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

std::string format_iso_date(Date date) {
  int y = 0;
  unsigned m = 0, d = 0;
  civil_from_date(date, y, m, d);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", y, m, d);
  return buffer;
}

int age_in_years(Date birth, Date on) {
  int by = 0, oy = 0;
  unsigned bm = 0, bd = 0, om = 0, od = 0;
  civil_from_date(birth, by, bm, bd);
  civil_from_date(on, oy, om, od);
  int age = oy - by;
  if (om < bm || (om == bm && od < bd)) --age;
  return age;
}

}  // namespace verdict
