#pragma once
// CSV as RFC 4180 writes it: fields separated by commas, rows by CRLF, a field quoted (with its
// quotes doubled) when it holds a comma, a quote or a line break. What the exports of the CLI and the
// studio write, so a spreadsheet opens them as they are.
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace verdict::csv {

inline std::string field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

inline void row(std::ostream& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out << ',';
    out << field(fields[i]);
  }
  out << "\r\n";
}

inline void row(std::ostream& out, std::initializer_list<std::string_view> fields) {
  bool first = true;
  for (auto f : fields) {
    if (!first) out << ',';
    first = false;
    out << field(f);
  }
  out << "\r\n";
}

}  // namespace verdict::csv
