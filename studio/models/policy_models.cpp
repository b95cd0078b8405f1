#include "models/policy_models.hpp"

#include <QBrush>
#include <QColor>
#include <QIcon>
#include <algorithm>
#include <cmath>
#include <set>

#include "document/commands.hpp"

namespace verdict::studio {

namespace {
QString qs(const std::string& s) { return QString::fromStdString(s); }
std::string ss(const QVariant& v) { return v.toString().trimmed().toStdString(); }
QString outcomeName(Outcome o) { return qs(std::string(to_string(o))); }

QStringList tagList(const std::vector<std::string>& tags) {
  QStringList out;
  for (const auto& t : tags) out << qs(t);
  return out;
}
std::vector<std::string> splitTags(const QString& text) {
  std::vector<std::string> out;
  for (const QString& t : text.split(',', Qt::SkipEmptyParts))
    if (!t.trimmed().isEmpty()) out.push_back(t.trimmed().toStdString());
  return out;
}
bool containsLower(const std::string& haystack, const std::string& needleLower) {
  const auto it = std::search(haystack.begin(), haystack.end(), needleLower.begin(), needleLower.end(),
                              [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != haystack.end();
}
}  // namespace

QString formatMoney(Cents cents) { return qs(format_cents(cents)); }

bool parseMoney(const QString& input, Cents& cents) {
  QString text = input.trimmed();
  text.remove(QStringLiteral("EUR"), Qt::CaseInsensitive).remove(QChar(0x20AC)).remove(' ');
  // Dutch "1.234,50": the comma is the decimal separator when it comes last.
  if (text.contains(',') && (!text.contains('.') || text.lastIndexOf(',') > text.lastIndexOf('.'))) {
    text.remove('.');
    text.replace(',', '.');
  } else {
    text.remove(',');
  }
  bool ok = false;
  const double euros = text.toDouble(&ok);
  if (!ok || !std::isfinite(euros) || std::fabs(euros) > 1e13) return false;
  cents = static_cast<Cents>(std::llround(euros * 100.0));
  return true;
}

// --- SectionModel -----------------------------------------------------------------------------

SectionModel::SectionModel(PolicyDocument* document, Section section, QObject* parent)
    : QAbstractTableModel(parent), document_(document) {
  connect(document, &PolicyDocument::rowsAboutToBeInserted, this, [this, section](Section s, int first, int last) {
    if (s == section) beginInsertRows({}, first, last);
  });
  connect(document, &PolicyDocument::rowsInserted, this, [this, section](Section s) {
    if (s == section) endInsertRows();
  });
  connect(document, &PolicyDocument::rowsAboutToBeRemoved, this, [this, section](Section s, int first, int last) {
    if (s == section) beginRemoveRows({}, first, last);
  });
  connect(document, &PolicyDocument::rowsRemoved, this, [this, section](Section s) {
    if (s == section) endRemoveRows();
  });
  connect(document, &PolicyDocument::rowAboutToBeMoved, this, [this, section](Section s, int from, int to) {
    if (s == section) beginMoveRows({}, from, from, {}, to > from ? to + 1 : to);
  });
  connect(document, &PolicyDocument::rowMoved, this, [this, section](Section s) {
    if (s == section) endMoveRows();
  });
  connect(document, &PolicyDocument::rowChanged, this, [this, section](Section s, int row) {
    if (s == section) emit dataChanged(index(row, 0), index(row, columnCount() - 1));
  });
  connect(document, &PolicyDocument::aboutToReset, this, [this] { beginResetModel(); });
  connect(document, &PolicyDocument::documentReset, this, [this] { endResetModel(); });
}

int SectionModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : sectionRows(); }

// --- RulesModel ---------------------------------------------------------------------------------

RulesModel::RulesModel(PolicyDocument* document, QObject* parent) : SectionModel(document, Section::Rules, parent) {}

int RulesModel::sectionRows() const { return document_->rowCount<Rule>(); }
int RulesModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant RulesModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  const Rule& rule = document_->rows<Rule>()[static_cast<std::size_t>(index.row())];
  if (role == TagsRole) return tagList(rule.tags);
  if (role == ProblemRole) return problems_.value(index.row());
  if (role == Qt::CheckStateRole && index.column() == Enabled) return rule.enabled ? Qt::Checked : Qt::Unchecked;
  if (role == Qt::ForegroundRole && !rule.enabled) return QBrush(QColor(140, 140, 140));
  if (role == Qt::DecorationRole && index.column() == Id && problems_.contains(index.row()))
    return QIcon::fromTheme(QStringLiteral("dialog-error"));
  if (role == Qt::BackgroundRole && problems_.contains(index.row())) return QBrush(QColor(255, 228, 225));
  if (role == Qt::ToolTipRole) {
    if (problems_.contains(index.row())) return problems_.value(index.row());
    if (index.column() == Condition || index.column() == Description)
      return qs(index.column() == Condition ? rule.condition : rule.description);
  }
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  switch (index.column()) {
    case Enabled: return role == Qt::EditRole ? QVariant(rule.enabled) : QVariant();
    case Id: return qs(rule.id);
    case Outcome: return outcomeName(rule.outcome);
    case ReasonCode: return qs(rule.reason_code);
    case Tags: return tagList(rule.tags).join(QStringLiteral(", "));
    case Description: return qs(rule.description);
    case Condition: {
      QString text = qs(rule.condition);
      if (role == Qt::DisplayRole) text.replace('\n', ' ');
      return text;
    }
    default: return {};
  }
}

bool RulesModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return false;
  const int row = index.row();
  const QString id = qs(document_->rows<Rule>()[static_cast<std::size_t>(row)].id);
  if (index.column() == Enabled && role == Qt::CheckStateRole) {
    const bool enabled = value.toInt() == Qt::Checked;
    return pushRowEdit<Rule>(document_, row, [&](Rule& r) { r.enabled = enabled; },
                             (enabled ? tr("Enable rule %1") : tr("Disable rule %1")).arg(id));
  }
  if (role != Qt::EditRole) return false;
  switch (index.column()) {
    case Id: {
      const std::string newId = ss(value);
      if (newId.empty() || (document_->indexOfRule(newId) >= 0 && document_->indexOfRule(newId) != row)) return false;
      return pushRowEdit<Rule>(document_, row, [&](Rule& r) { r.id = newId; }, tr("Rename rule %1").arg(id));
    }
    case Outcome: {
      const auto outcome = outcome_from_string(ss(value));
      if (!outcome) return false;
      return pushRowEdit<Rule>(document_, row, [&](Rule& r) { r.outcome = *outcome; },
                               tr("Outcome of rule %1").arg(id));
    }
    case ReasonCode:
      return pushRowEdit<Rule>(document_, row, [&](Rule& r) { r.reason_code = ss(value); },
                               tr("Reason code of rule %1").arg(id));
    case Tags:
      return pushRowEdit<Rule>(document_, row, [&](Rule& r) { r.tags = splitTags(value.toString()); },
                               tr("Tags of rule %1").arg(id));
    case Description:
      return pushRowEdit<Rule>(document_, row, [&](Rule& r) { r.description = ss(value); },
                               tr("Description of rule %1").arg(id), MergeKey::RuleText);
    case Condition:
      return pushRowEdit<Rule>(document_, row, [&](Rule& r) { r.condition = value.toString().toStdString(); },
                               tr("Condition of rule %1").arg(id), MergeKey::RuleCondition);
    default: return false;
  }
}

QVariant RulesModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation == Qt::Vertical) return role == Qt::DisplayRole ? QVariant(section + 1) : QVariant();
  if (role != Qt::DisplayRole) return {};
  static const char* const names[] = {"On", "Id", "Outcome", "Reason code", "Tags", "Description", "Condition"};
  return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

Qt::ItemFlags RulesModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
  if (index.column() == Enabled) return f | Qt::ItemIsUserCheckable;
  return f | Qt::ItemIsEditable;
}

QStringList RulesModel::allTags() const {
  std::set<std::string> tags;
  for (const auto& r : document_->rows<Rule>()) tags.insert(r.tags.begin(), r.tags.end());
  QStringList out;
  for (const auto& t : tags) out << qs(t);
  return out;
}

void RulesModel::setProblems(QHash<int, QString> problems) {
  auto old = std::move(problems_);
  problems_ = std::move(problems);
  for (auto it = old.cbegin(); it != old.cend(); ++it)
    if (it.key() < rowCount()) emit dataChanged(index(it.key(), 0), index(it.key(), ColumnCount - 1));
  for (auto it = problems_.cbegin(); it != problems_.cend(); ++it)
    if (it.key() < rowCount()) emit dataChanged(index(it.key(), 0), index(it.key(), ColumnCount - 1));
}

// --- RuleFilterProxy ----------------------------------------------------------------------------

RuleFilterProxy::RuleFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {}

void RuleFilterProxy::setTag(const QString& tag) {
  tag_ = tag;
  tagStd_ = tag.toStdString();
  invalidateFilter();
}

void RuleFilterProxy::setText(const QString& text) {
  text_ = text;
  textLower_ = text.trimmed().toLower().toStdString();
  invalidateFilter();
}

bool RuleFilterProxy::filterAcceptsRow(int row, const QModelIndex& parent) const {
  if (parent.isValid()) return false;
  const auto* rules = qobject_cast<const RulesModel*>(sourceModel());
  if (!rules) return true;
  const Rule& rule = rules->document()->rows<Rule>()[static_cast<std::size_t>(row)];
  if (!tagStd_.empty() && std::find(rule.tags.begin(), rule.tags.end(), tagStd_) == rule.tags.end()) return false;
  if (textLower_.empty()) return true;
  return containsLower(rule.id, textLower_) || containsLower(rule.description, textLower_) ||
         containsLower(rule.condition, textLower_) || containsLower(rule.reason_code, textLower_) ||
         containsLower(rule.message, textLower_);
}

// --- ParametersModel ----------------------------------------------------------------------------

ParametersModel::ParametersModel(PolicyDocument* document, QObject* parent)
    : SectionModel(document, Section::Parameters, parent) {}

int ParametersModel::sectionRows() const { return document_->rowCount<Parameter>(); }
int ParametersModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QString ParametersModel::formatValue(const lang::Constant& c) {
  switch (c.type) {
    case lang::ValueType::Bool: return c.boolean ? QStringLiteral("true") : QStringLiteral("false");
    case lang::ValueType::Number: return QString::number(c.number, 'g', 12);
    case lang::ValueType::Money: return formatMoney(c.integer);
    case lang::ValueType::String: return qs(c.text);
    case lang::ValueType::Date: return qs(format_iso_date(Date{static_cast<std::int32_t>(c.integer)}));
    default: {
      QStringList items;
      for (const auto& i : c.items) items << qs(i);
      return items.join(QStringLiteral(", "));
    }
  }
}

bool ParametersModel::parseValue(const QString& input, lang::Constant& c, QString* error) {
  const QString text = input.trimmed();
  auto fail = [&](const QString& message) {
    if (error) *error = message;
    return false;
  };
  switch (c.type) {
    case lang::ValueType::Bool:
      if (text != QLatin1String("true") && text != QLatin1String("false")) return fail(tr("must be true or false"));
      c.boolean = text == QLatin1String("true");
      return true;
    case lang::ValueType::Number: {
      bool ok = false;
      const double n = text.toDouble(&ok);
      if (!ok || !std::isfinite(n)) return fail(tr("must be a number"));
      c.number = n;
      return true;
    }
    case lang::ValueType::Money:
      if (!parseMoney(text, c.integer)) return fail(tr("must be an amount in euros, e.g. 250.00"));
      return true;
    case lang::ValueType::String: c.text = text.toStdString(); return true;
    case lang::ValueType::Date: {
      const auto d = parse_iso_date(text.toStdString());
      if (!d) return fail(tr("must be a date YYYY-MM-DD"));
      c.integer = d->days;
      return true;
    }
    default:
      c.items.clear();
      for (const QString& item : text.split(',', Qt::SkipEmptyParts))
        if (!item.trimmed().isEmpty()) c.items.push_back(item.trimmed().toStdString());
      return true;
  }
}

QVariant ParametersModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  const Parameter& p = document_->rows<Parameter>()[static_cast<std::size_t>(index.row())];
  if (role == Qt::ToolTipRole) return qs(p.description);
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  switch (index.column()) {
    case Name: return qs(p.name);
    case Type: return p.value.type == lang::ValueType::Set ? QStringLiteral("list") : qs(std::string(to_string(p.value.type)));
    case Value: return formatValue(p.value);
    case Description: return qs(p.description);
    default: return {};
  }
}

bool ParametersModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid) || role != Qt::EditRole) return false;
  const int row = index.row();
  const Parameter& current = document_->rows<Parameter>()[static_cast<std::size_t>(row)];
  const QString name = qs(current.name);
  switch (index.column()) {
    case Value: {
      lang::Constant c = current.value;
      if (!parseValue(value.toString(), c)) return false;
      return pushRowEdit<Parameter>(document_, row, [&](Parameter& p) { p.value = c; },
                                    tr("Set %1 to %2").arg(name, formatValue(c)));
    }
    case Description:
      return pushRowEdit<Parameter>(document_, row, [&](Parameter& p) { p.description = ss(value); },
                                    tr("Description of %1").arg(name));
    case Name: {
      const std::string newName = ss(value);
      if (newName.empty() || document_->indexOfParameter(newName) >= 0) return false;
      return pushRowEdit<Parameter>(document_, row, [&](Parameter& p) { p.name = newName; },
                                    tr("Rename parameter %1").arg(name));
    }
    default: return false;
  }
}

QVariant ParametersModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* const names[] = {"Name", "Type", "Value", "Description"};
  return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

Qt::ItemFlags ParametersModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
  return index.column() == Type ? f : f | Qt::ItemIsEditable;
}

// --- ListsModel ---------------------------------------------------------------------------------

ListsModel::ListsModel(PolicyDocument* document, QObject* parent) : SectionModel(document, Section::Lists, parent) {}

int ListsModel::sectionRows() const { return document_->rowCount<NamedList>(); }
int ListsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ListsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  const NamedList& l = document_->rows<NamedList>()[static_cast<std::size_t>(index.row())];
  if (role == Qt::ToolTipRole) return qs(l.description);
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  switch (index.column()) {
    case Name: return qs(l.name);
    case Entries: return static_cast<qulonglong>(l.items.size());
    case Description: return qs(l.description);
    default: return {};
  }
}

bool ListsModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid) || role != Qt::EditRole) return false;
  const int row = index.row();
  const QString name = qs(document_->rows<NamedList>()[static_cast<std::size_t>(row)].name);
  if (index.column() == Description)
    return pushRowEdit<NamedList>(document_, row, [&](NamedList& l) { l.description = ss(value); },
                                  tr("Description of list %1").arg(name));
  if (index.column() == Name) {
    const std::string newName = ss(value);
    if (newName.empty() || document_->indexOfList(newName) >= 0) return false;
    return pushRowEdit<NamedList>(document_, row, [&](NamedList& l) { l.name = newName; },
                                  tr("Rename list %1").arg(name));
  }
  return false;
}

QVariant ListsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* const names[] = {"Name", "Entries", "Description"};
  return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

Qt::ItemFlags ListsModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
  return index.column() == Entries ? f : f | Qt::ItemIsEditable;
}

// --- ListItemsModel -----------------------------------------------------------------------------

ListItemsModel::ListItemsModel(PolicyDocument* document, QObject* parent)
    : QAbstractListModel(parent), document_(document) {
  connect(document, &PolicyDocument::listItemsAboutToChange, this, [this](int list) {
    if (list == list_) beginResetModel();
  });
  connect(document, &PolicyDocument::listItemsChanged, this, [this](int list) {
    if (list == list_) endResetModel();
  });
  // Any change to the set of lists may move the one shown: show none rather than the wrong one.
  auto drop = [this](Section s) {
    if (s == Section::Lists) setList(-1);
  };
  connect(document, &PolicyDocument::rowsAboutToBeInserted, this, drop);
  connect(document, &PolicyDocument::rowsAboutToBeRemoved, this, drop);
  connect(document, &PolicyDocument::rowAboutToBeMoved, this, drop);
  connect(document, &PolicyDocument::aboutToReset, this, [this] { setList(-1); });
}

void ListItemsModel::setList(int list) {
  if (list == list_) return;
  beginResetModel();
  list_ = list;
  endResetModel();
}

int ListItemsModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid() || list_ < 0) return 0;
  return static_cast<int>(document_->data().lists[static_cast<std::size_t>(list_)].items.size());
}

QVariant ListItemsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  return qs(document_->data().lists[static_cast<std::size_t>(list_)].items[static_cast<std::size_t>(index.row())]);
}

bool ListItemsModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid) || role != Qt::EditRole) return false;
  const std::string text = ss(value);
  const auto& list = document_->data().lists[static_cast<std::size_t>(list_)];
  if (text.empty() || text == list.items[static_cast<std::size_t>(index.row())]) return false;
  document_->undoStack()->push(new SetListItemCommand(document_, list_, index.row(), text,
                                                      tr("Edit entry of list %1").arg(qs(list.name))));
  return true;
}

Qt::ItemFlags ListItemsModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable;
}

// --- NormsModel ---------------------------------------------------------------------------------

NormsModel::NormsModel(PolicyDocument* document, QObject* parent) : QAbstractTableModel(parent), document_(document) {
  // Norm tables are few: structural changes reset the model.
  auto begin = [this](Section s) {
    if (s == Section::Norms) beginResetModel();
  };
  auto end = [this](Section s) {
    if (s == Section::Norms) endResetModel();
  };
  connect(document, &PolicyDocument::rowsAboutToBeInserted, this, begin);
  connect(document, &PolicyDocument::rowsInserted, this, end);
  connect(document, &PolicyDocument::rowsAboutToBeRemoved, this, begin);
  connect(document, &PolicyDocument::rowsRemoved, this, end);
  connect(document, &PolicyDocument::rowAboutToBeMoved, this, begin);
  connect(document, &PolicyDocument::rowMoved, this, end);
  connect(document, &PolicyDocument::rowChanged, this, [this](Section s, int table) {
    if (s != Section::Norms) return;
    const int first = table * static_cast<int>(household_type_count);
    emit dataChanged(index(first, 0), index(first + static_cast<int>(household_type_count) - 1, ColumnCount - 1));
  });
  connect(document, &PolicyDocument::aboutToReset, this, [this] { beginResetModel(); });
  connect(document, &PolicyDocument::documentReset, this, [this] { endResetModel(); });
}

int NormsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : document_->rowCount<NormTable>() * static_cast<int>(household_type_count);
}
int NormsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant NormsModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  const auto table = static_cast<std::size_t>(index.row()) / household_type_count;
  const auto household = static_cast<std::size_t>(index.row()) % household_type_count;
  const NormTable& t = document_->rows<NormTable>()[table];
  switch (index.column()) {
    case Table: return qs(t.id);
    case ValidFrom: return qs(format_iso_date(t.valid_from));
    case Household: return qs(std::string(household_type_names()[household]));
    case BaseNorm: return formatMoney(t.rows[household].base_norm);
    case Markup: return QString::number(t.rows[household].markup_basis_points / 100.0, 'f', 2);
    default: return {};
  }
}

bool NormsModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid) || role != Qt::EditRole) return false;
  const int table = index.row() / static_cast<int>(household_type_count);
  const auto household = static_cast<std::size_t>(index.row()) % household_type_count;
  const QString id = qs(document_->rows<NormTable>()[static_cast<std::size_t>(table)].id);
  const QString householdName = qs(std::string(household_type_names()[household]));
  switch (index.column()) {
    case Table: {
      const std::string newId = ss(value);
      if (newId.empty()) return false;
      return pushRowEdit<NormTable>(document_, table, [&](NormTable& t) { t.id = newId; },
                                    tr("Rename norm table %1").arg(id));
    }
    case ValidFrom: {
      const auto d = parse_iso_date(ss(value));
      if (!d) return false;
      return pushRowEdit<NormTable>(document_, table, [&](NormTable& t) { t.valid_from = *d; },
                                    tr("Validity of norm table %1").arg(id));
    }
    case BaseNorm: {
      Cents cents = 0;
      if (!parseMoney(value.toString(), cents) || cents < 0) return false;
      return pushRowEdit<NormTable>(document_, table, [&](NormTable& t) { t.rows[household].base_norm = cents; },
                                    tr("Base norm %1 in %2").arg(householdName, id));
    }
    case Markup: {
      bool ok = false;
      const double percent = value.toString().trimmed().remove('%').toDouble(&ok);
      if (!ok || percent < 0 || percent > 100) return false;
      const int bp = static_cast<int>(std::lround(percent * 100));
      return pushRowEdit<NormTable>(document_, table, [&](NormTable& t) { t.rows[household].markup_basis_points = bp; },
                                    tr("Mark-up %1 in %2").arg(householdName, id));
    }
    default: return false;
  }
}

QVariant NormsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* const names[] = {"Table", "Valid from", "Household type", "Base norm (EUR/month)", "Mark-up (%)"};
  return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

Qt::ItemFlags NormsModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
  return index.column() == Household ? f : f | Qt::ItemIsEditable;
}

// --- PlanModel ----------------------------------------------------------------------------------

PlanModel::PlanModel(PolicyDocument* document, QObject* parent) : SectionModel(document, Section::Plan, parent) {}

int PlanModel::sectionRows() const { return document_->rowCount<ProviderPlanEntry>(); }
int PlanModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant PlanModel::data(const QModelIndex& index, int role) const {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return {};
  const ProviderPlanEntry& e = document_->rows<ProviderPlanEntry>()[static_cast<std::size_t>(index.row())];
  if (role == Qt::CheckStateRole && index.column() == Required) return e.required ? Qt::Checked : Qt::Unchecked;
  if (role != Qt::DisplayRole && role != Qt::EditRole) return {};
  switch (index.column()) {
    case Provider: return qs(std::string(to_string(e.provider)));
    case When: return qs(e.when);
    case DeadlineMs: return e.deadline_ms;
    case Retries: return e.retries;
    case CacheTtl: return e.cache_ttl_s;
    case Required: return role == Qt::EditRole ? QVariant(e.required) : QVariant();
    default: return {};
  }
}

bool PlanModel::setData(const QModelIndex& index, const QVariant& value, int role) {
  if (!checkIndex(index, CheckIndexOption::IndexIsValid)) return false;
  const int row = index.row();
  const QString provider = qs(std::string(to_string(document_->rows<ProviderPlanEntry>()[static_cast<std::size_t>(row)].provider)));
  if (index.column() == Required && role == Qt::CheckStateRole) {
    const bool required = value.toInt() == Qt::Checked;
    return pushRowEdit<ProviderPlanEntry>(document_, row, [&](ProviderPlanEntry& e) { e.required = required; },
                                          tr("%1 required: %2").arg(provider, required ? tr("yes") : tr("no")));
  }
  if (role != Qt::EditRole) return false;
  bool ok = true;
  const int number = value.toInt(&ok);
  auto bounded = [&](int low, int high) { return ok && number >= low && number <= high; };
  switch (index.column()) {
    case When:
      return pushRowEdit<ProviderPlanEntry>(document_, row, [&](ProviderPlanEntry& e) { e.when = ss(value); },
                                            tr("When to call %1").arg(provider));
    case DeadlineMs:
      if (!bounded(10, 30'000)) return false;
      return pushRowEdit<ProviderPlanEntry>(document_, row, [&](ProviderPlanEntry& e) { e.deadline_ms = number; },
                                            tr("Deadline of %1").arg(provider));
    case Retries:
      if (!bounded(0, 5)) return false;
      return pushRowEdit<ProviderPlanEntry>(document_, row, [&](ProviderPlanEntry& e) { e.retries = number; },
                                            tr("Retries of %1").arg(provider));
    case CacheTtl:
      if (!bounded(0, 30 * 86'400)) return false;
      return pushRowEdit<ProviderPlanEntry>(document_, row, [&](ProviderPlanEntry& e) { e.cache_ttl_s = number; },
                                            tr("Cache TTL of %1").arg(provider));
    default: return false;
  }
}

QVariant PlanModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* const names[] = {"Provider", "Call when", "Deadline (ms)", "Retries", "Cache TTL (s)", "Required"};
  return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

Qt::ItemFlags PlanModel::flags(const QModelIndex& index) const {
  if (!index.isValid()) return Qt::NoItemFlags;
  Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
  if (index.column() == Required) return f | Qt::ItemIsUserCheckable;
  return index.column() == Provider ? f : f | Qt::ItemIsEditable;
}

}  // namespace verdict::studio
