#include "document/list_csv.hpp"

#include <QByteArray>
#include <QList>
#include <unordered_set>

namespace verdict::studio {

namespace {
/// The first field of one CSV line.
std::string firstField(const QByteArray& line) {
  std::string out;
  if (line.startsWith('"')) {
    for (qsizetype i = 1; i < line.size(); ++i) {
      if (line[i] == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          out.push_back('"');
          ++i;
        } else {
          break;
        }
      } else {
        out.push_back(line[i]);
      }
    }
    return out;
  }
  const qsizetype comma = line.indexOf(',');
  return (comma < 0 ? line : line.left(comma)).trimmed().toStdString();
}
}  // namespace

ListCsv parseListCsv(const QByteArray& text) {
  ListCsv out;
  std::unordered_set<std::string> seen;
  bool first = true;
  for (const QByteArray& raw : text.split('\n')) {
    const QByteArray line = raw.trimmed();
    if (line.isEmpty()) continue;
    std::string entry = firstField(line);
    if (first && (entry == "value" || entry == "entry")) {
      first = false;
      continue;
    }
    first = false;
    if (entry.empty()) continue;
    if (!seen.insert(entry).second) {
      ++out.duplicates;
      continue;
    }
    out.entries.push_back(std::move(entry));
  }
  return out;
}

QByteArray listToCsv(const std::vector<std::string>& entries) {
  QByteArray out = "value\n";
  for (const auto& e : entries) {
    const QByteArray field = QByteArray::fromStdString(e);
    if (field.contains(',') || field.contains('"')) {
      QByteArray quoted = field;
      quoted.replace("\"", "\"\"");
      out += '"' + quoted + "\"\n";
    } else {
      out += field + '\n';
    }
  }
  return out;
}

}  // namespace verdict::studio
