#pragma once
// Named-list entries as CSV: one entry per line, first column; an optional header line "value";
// fields may be quoted ("a,b" and "" inside quotes). Export writes the same form back.
#include <QString>
#include <string>
#include <vector>

namespace verdict::studio {

struct ListCsv {
  std::vector<std::string> entries;  // in file order, trimmed, without empty lines and duplicates
  int duplicates = 0;                // lines dropped because the entry came before
};

ListCsv parseListCsv(const QByteArray& text);
QByteArray listToCsv(const std::vector<std::string>& entries);

}  // namespace verdict::studio
