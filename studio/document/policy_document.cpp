#include "document/policy_document.hpp"

#include <QFile>
#include <algorithm>
#include <nlohmann/json.hpp>

#include "document/atomic_file.hpp"
#include "files/policy_files.hpp"

namespace verdict::studio {

PolicyDocument::PolicyDocument(QObject* parent) : QObject(parent) {
  connect(&undo_, &QUndoStack::indexChanged, this, [this] { emit contentChanged(); });
}

void PolicyDocument::load(verdict::PolicyDocument document, const QString& filePath) {
  emit aboutToReset();
  document_ = std::move(document);
  filePath_ = filePath;
  undo_.clear();
  emit documentReset();
  emit metaChanged();
  emit contentChanged();
}

bool PolicyDocument::open(const QString& path, QString* error) {
  auto document = files::read_policy_document(path.toStdString());
  if (!document) {
    QStringList lines;
    for (const auto& d : document.error()) lines << QString::fromStdString(d.to_string());
    if (error) *error = lines.join('\n');
    return false;
  }
  load(std::move(*document), path);
  return true;
}

bool PolicyDocument::save(const QString& path, QString* error) {
  if (!writeFileAtomically(path, QByteArray::fromStdString(encode(document_).dump(2) + "\n"), error)) return false;
  filePath_ = path;
  undo_.setClean();
  return true;
}

template <>
const std::vector<Rule>& PolicyDocument::rows<Rule>() const {
  return document_.rules;
}
template <>
const std::vector<Parameter>& PolicyDocument::rows<Parameter>() const {
  return document_.parameters;
}
template <>
const std::vector<NamedList>& PolicyDocument::rows<NamedList>() const {
  return document_.lists;
}
template <>
const std::vector<NormTable>& PolicyDocument::rows<NormTable>() const {
  return document_.norm_tables;
}
template <>
const std::vector<ProviderPlanEntry>& PolicyDocument::rows<ProviderPlanEntry>() const {
  return document_.provider_plan;
}

template <class Row>
std::vector<Row>& PolicyDocument::mutableRows() {
  return const_cast<std::vector<Row>&>(rows<Row>());
}

namespace {
template <class Row, class Key>
int index_by(const std::vector<Row>& rows, Key Row::*key, const std::string& value) {
  const auto it = std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return r.*key == value; });
  return it == rows.end() ? -1 : static_cast<int>(it - rows.begin());
}
}  // namespace

int PolicyDocument::indexOfRule(const std::string& id) const { return index_by(document_.rules, &Rule::id, id); }
int PolicyDocument::indexOfList(const std::string& name) const {
  return index_by(document_.lists, &NamedList::name, name);
}
int PolicyDocument::indexOfParameter(const std::string& name) const {
  return index_by(document_.parameters, &Parameter::name, name);
}

template <class Row>
void PolicyDocument::insertRow(int index, Row row) {
  auto& v = mutableRows<Row>();
  index = std::clamp(index, 0, static_cast<int>(v.size()));
  emit rowsAboutToBeInserted(SectionOf<Row>::value, index, index);
  v.insert(v.begin() + index, std::move(row));
  emit rowsInserted(SectionOf<Row>::value, index, index);
}

template <class Row>
Row PolicyDocument::takeRow(int index) {
  auto& v = mutableRows<Row>();
  emit rowsAboutToBeRemoved(SectionOf<Row>::value, index, index);
  Row row = std::move(v[static_cast<std::size_t>(index)]);
  v.erase(v.begin() + index);
  emit rowsRemoved(SectionOf<Row>::value, index, index);
  return row;
}

template <class Row>
void PolicyDocument::moveRow(int from, int to) {
  if (from == to) return;
  auto& v = mutableRows<Row>();
  emit rowAboutToBeMoved(SectionOf<Row>::value, from, to);
  Row row = std::move(v[static_cast<std::size_t>(from)]);
  v.erase(v.begin() + from);
  v.insert(v.begin() + to, std::move(row));
  emit rowMoved(SectionOf<Row>::value, from, to);
}

template <class Row>
void PolicyDocument::replaceRow(int index, Row row) {
  mutableRows<Row>()[static_cast<std::size_t>(index)] = std::move(row);
  emit rowChanged(SectionOf<Row>::value, index);
}

void PolicyDocument::replaceListItems(int list, std::vector<std::string> items) {
  emit listItemsAboutToChange(list);
  document_.lists[static_cast<std::size_t>(list)].items = std::move(items);
  emit listItemsChanged(list);
  emit rowChanged(Section::Lists, list);
}

void PolicyDocument::insertListItems(int list, int at, const std::vector<std::string>& items) {
  emit listItemsAboutToChange(list);
  auto& v = document_.lists[static_cast<std::size_t>(list)].items;
  v.insert(v.begin() + at, items.begin(), items.end());
  emit listItemsChanged(list);
  emit rowChanged(Section::Lists, list);
}

void PolicyDocument::removeListItems(int list, int at, int count) {
  emit listItemsAboutToChange(list);
  auto& v = document_.lists[static_cast<std::size_t>(list)].items;
  v.erase(v.begin() + at, v.begin() + at + count);
  emit listItemsChanged(list);
  emit rowChanged(Section::Lists, list);
}

void PolicyDocument::setMeta(const std::string& name, const std::string& description) {
  document_.name = name;
  document_.description = description;
  emit metaChanged();
}

#define VERDICT_STUDIO_ROW_TYPE(Row)                              \
  template void PolicyDocument::insertRow<Row>(int, Row);         \
  template Row PolicyDocument::takeRow<Row>(int);                 \
  template void PolicyDocument::moveRow<Row>(int, int);           \
  template void PolicyDocument::replaceRow<Row>(int, Row);
VERDICT_STUDIO_ROW_TYPE(Rule)
VERDICT_STUDIO_ROW_TYPE(Parameter)
VERDICT_STUDIO_ROW_TYPE(NamedList)
VERDICT_STUDIO_ROW_TYPE(NormTable)
VERDICT_STUDIO_ROW_TYPE(ProviderPlanEntry)
#undef VERDICT_STUDIO_ROW_TYPE

}  // namespace verdict::studio
