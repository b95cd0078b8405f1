#pragma once
// Thin item models over a PolicyDocument, one per section. They read the document directly and
// turn setData() into undo commands; the document's signals keep them in step, so an undo in one
// view shows in every other.
#include <QAbstractTableModel>
#include <QHash>
#include <QSortFilterProxyModel>
#include <QStringList>

#include "document/policy_document.hpp"

namespace verdict::studio {

/// Rows follow one section of the document.
class SectionModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  SectionModel(PolicyDocument* document, Section section, QObject* parent);
  int rowCount(const QModelIndex& parent = {}) const override;
  PolicyDocument* document() const { return document_; }

 protected:
  virtual int sectionRows() const = 0;
  PolicyDocument* document_;
};

class RulesModel : public SectionModel {
  Q_OBJECT
 public:
  enum Column { Enabled, Id, Outcome, ReasonCode, Tags, Description, Condition, ColumnCount };
  enum Role { TagsRole = Qt::UserRole + 1, ProblemRole };

  explicit RulesModel(PolicyDocument* document, QObject* parent = nullptr);
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;

  /// Every tag used by some rule, sorted.
  QStringList allTags() const;
  /// Compile problems by rule index (from the last compile of the draft), shown on the rule's row.
  void setProblems(QHash<int, QString> problems);

 protected:
  int sectionRows() const override;

 private:
  QHash<int, QString> problems_;
};

/// Rules filtered by tag and by text (id, description, condition, reason code, message).
class RuleFilterProxy : public QSortFilterProxyModel {
  Q_OBJECT
 public:
  explicit RuleFilterProxy(QObject* parent = nullptr);
  void setTag(const QString& tag);    // empty: every tag
  void setText(const QString& text);  // empty: no text filter
  QString tag() const { return tag_; }
  QString text() const { return text_; }

 protected:
  bool filterAcceptsRow(int row, const QModelIndex& parent) const override;

 private:
  QString tag_, text_;
  std::string tagStd_, textLower_;
};

class ParametersModel : public SectionModel {
  Q_OBJECT
 public:
  enum Column { Name, Type, Value, Description, ColumnCount };
  explicit ParametersModel(PolicyDocument* document, QObject* parent = nullptr);
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;

  /// A parameter value as the studio shows and reads it (money in euros, dates ISO, lists with commas).
  static QString formatValue(const lang::Constant& value);
  static bool parseValue(const QString& text, lang::Constant& value, QString* error = nullptr);

 protected:
  int sectionRows() const override;
};

class ListsModel : public SectionModel {
  Q_OBJECT
 public:
  enum Column { Name, Entries, Description, ColumnCount };
  explicit ListsModel(PolicyDocument* document, QObject* parent = nullptr);
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;

 protected:
  int sectionRows() const override;
};

/// The entries of one named list (tens of thousands are fine: rows are read on demand).
class ListItemsModel : public QAbstractListModel {
  Q_OBJECT
 public:
  explicit ListItemsModel(PolicyDocument* document, QObject* parent = nullptr);
  void setList(int list);  // -1: none
  int list() const { return list_; }
  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;

 private:
  PolicyDocument* document_;
  int list_ = -1;
};

/// VFN norm tables, flattened: one row per (table, household type).
class NormsModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Table, ValidFrom, Household, BaseNorm, Markup, ColumnCount };
  explicit NormsModel(PolicyDocument* document, QObject* parent = nullptr);
  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;

 private:
  PolicyDocument* document_;
};

class PlanModel : public SectionModel {
  Q_OBJECT
 public:
  enum Column { Provider, When, DeadlineMs, Retries, CacheTtl, Required, ColumnCount };
  explicit PlanModel(PolicyDocument* document, QObject* parent = nullptr);
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role) override;
  QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;

 protected:
  int sectionRows() const override;
};

/// Money in the studio: euros with two decimals ("1234.50"); parsing accepts "1234", "1234.5", "1.234,50".
QString formatMoney(Cents cents);
bool parseMoney(const QString& text, Cents& cents);

}  // namespace verdict::studio
