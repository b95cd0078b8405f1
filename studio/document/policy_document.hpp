#pragma once
// The draft being edited: the core policy document (common/policy/policy.hpp) plus the undo stack
// that every edit goes through. Views never change the data directly; they push the commands of
// commands.hpp, which call the row-level mutators below. Each mutator announces itself before and
// after through the signals, so the item models over the document stay thin.
#include <QObject>
#include <QString>
#include <QUndoStack>
#include <string>
#include <vector>

#include "policy/policy.hpp"

namespace verdict::studio {

/// The parts of a policy that are lists of rows.
enum class Section { Rules, Parameters, Lists, Norms, Plan };

template <class Row>
struct SectionOf;
template <>
struct SectionOf<Rule> {
  static constexpr Section value = Section::Rules;
};
template <>
struct SectionOf<Parameter> {
  static constexpr Section value = Section::Parameters;
};
template <>
struct SectionOf<NamedList> {
  static constexpr Section value = Section::Lists;
};
template <>
struct SectionOf<NormTable> {
  static constexpr Section value = Section::Norms;
};
template <>
struct SectionOf<ProviderPlanEntry> {
  static constexpr Section value = Section::Plan;
};

class PolicyDocument : public QObject {
  Q_OBJECT
 public:
  explicit PolicyDocument(QObject* parent = nullptr);

  const verdict::PolicyDocument& data() const { return document_; }
  QUndoStack* undoStack() { return &undo_; }

  /// Replaces the whole document (a file was opened, a version fetched); the undo history is cleared.
  void load(verdict::PolicyDocument document, const QString& filePath = {});
  /// Reads a policy file with the core codec; on failure the document is unchanged and the error
  /// names the file, line and column of each problem.
  bool open(const QString& path, QString* error);
  /// Writes the draft as JSON (the core codec) and marks the undo stack clean.
  bool save(const QString& path, QString* error);
  QString filePath() const { return filePath_; }
  bool isModified() const { return !undo_.isClean(); }

  template <class Row>
  const std::vector<Row>& rows() const;
  template <class Row>
  int rowCount() const {
    return static_cast<int>(rows<Row>().size());
  }
  int indexOfRule(const std::string& id) const;
  int indexOfList(const std::string& name) const;
  int indexOfParameter(const std::string& name) const;

  // Row-level mutators, for the undo commands only (they are what makes an edit undoable).
  template <class Row>
  void insertRow(int index, Row row);
  template <class Row>
  Row takeRow(int index);
  template <class Row>
  void moveRow(int from, int to);
  template <class Row>
  void replaceRow(int index, Row row);
  void replaceListItems(int list, std::vector<std::string> items);
  void insertListItems(int list, int at, const std::vector<std::string>& items);
  void removeListItems(int list, int at, int count);
  void setMeta(const std::string& name, const std::string& description);

 signals:
  void rowsAboutToBeInserted(verdict::studio::Section section, int first, int last);
  void rowsInserted(verdict::studio::Section section, int first, int last);
  void rowsAboutToBeRemoved(verdict::studio::Section section, int first, int last);
  void rowsRemoved(verdict::studio::Section section, int first, int last);
  void rowAboutToBeMoved(verdict::studio::Section section, int from, int to);
  void rowMoved(verdict::studio::Section section, int from, int to);
  void rowChanged(verdict::studio::Section section, int row);
  void listItemsAboutToChange(int list);
  void listItemsChanged(int list);
  void aboutToReset();
  void documentReset();
  void metaChanged();
  /// After any change at all: for debounced work (recompile, diff) that looks at the whole draft.
  void contentChanged();

 private:
  template <class Row>
  std::vector<Row>& mutableRows();

  verdict::PolicyDocument document_;
  QUndoStack undo_;
  QString filePath_;
};

template <>
const std::vector<Rule>& PolicyDocument::rows<Rule>() const;
template <>
const std::vector<Parameter>& PolicyDocument::rows<Parameter>() const;
template <>
const std::vector<NamedList>& PolicyDocument::rows<NamedList>() const;
template <>
const std::vector<NormTable>& PolicyDocument::rows<NormTable>() const;
template <>
const std::vector<ProviderPlanEntry>& PolicyDocument::rows<ProviderPlanEntry>() const;

}  // namespace verdict::studio
