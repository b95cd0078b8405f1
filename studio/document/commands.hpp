#pragma once
// The undoable edits of a draft. Every change a view makes is one of these, pushed on the
// document's QUndoStack; redo() applies it, undo() restores exactly what was there before.
// The row commands are templates over the row types of policy.hpp (rules, parameters, lists,
// norm tables, provider plan); named-list entries and the policy's name have commands of their own.
#include <QUndoCommand>
#include <functional>
#include <string>
#include <vector>

#include "document/policy_document.hpp"

namespace verdict::studio {

/// Command ids for QUndoStack merging: consecutive edits of the same field of the same row (typing
/// in the condition editor) become one undo step.
enum class MergeKey : int { None = -1, RuleCondition = 1, RuleText = 2 };

template <class Row>
class InsertRowCommand : public QUndoCommand {
 public:
  InsertRowCommand(PolicyDocument* document, int index, Row row, const QString& text)
      : QUndoCommand(text), document_(document), index_(index), row_(std::move(row)) {}
  void redo() override { document_->insertRow<Row>(index_, row_); }
  void undo() override { document_->takeRow<Row>(index_); }

 private:
  PolicyDocument* document_;
  int index_;
  Row row_;
};

template <class Row>
class RemoveRowCommand : public QUndoCommand {
 public:
  RemoveRowCommand(PolicyDocument* document, int index, const QString& text)
      : QUndoCommand(text), document_(document), index_(index) {}
  void redo() override { row_ = document_->takeRow<Row>(index_); }
  void undo() override { document_->insertRow<Row>(index_, row_); }

 private:
  PolicyDocument* document_;
  int index_;
  Row row_{};
};

template <class Row>
class MoveRowCommand : public QUndoCommand {
 public:
  MoveRowCommand(PolicyDocument* document, int from, int to, const QString& text)
      : QUndoCommand(text), document_(document), from_(from), to_(to) {}
  void redo() override { document_->moveRow<Row>(from_, to_); }
  void undo() override { document_->moveRow<Row>(to_, from_); }

 private:
  PolicyDocument* document_;
  int from_, to_;
};

/// Replaces one row with an edited copy (any field: condition, outcome, enabled, a value...).
template <class Row>
class ReplaceRowCommand : public QUndoCommand {
 public:
  ReplaceRowCommand(PolicyDocument* document, int index, Row after, const QString& text,
                    MergeKey merge = MergeKey::None)
      : QUndoCommand(text),
        document_(document),
        index_(index),
        before_(document->rows<Row>()[static_cast<std::size_t>(index)]),
        after_(std::move(after)),
        merge_(merge) {}
  void redo() override { document_->replaceRow<Row>(index_, after_); }
  void undo() override { document_->replaceRow<Row>(index_, before_); }
  int id() const override { return static_cast<int>(merge_); }
  bool mergeWith(const QUndoCommand* other) override {
    const auto* next = dynamic_cast<const ReplaceRowCommand*>(other);
    if (!next || next->index_ != index_ || next->merge_ != merge_) return false;
    after_ = next->after_;
    return true;
  }

 private:
  PolicyDocument* document_;
  int index_;
  Row before_, after_;
  MergeKey merge_;
};

/// Replaces all entries of a named list (CSV import), keeping the old ones for undo.
class SetListItemsCommand : public QUndoCommand {
 public:
  SetListItemsCommand(PolicyDocument* document, int list, std::vector<std::string> items, const QString& text);
  void redo() override;
  void undo() override;

 private:
  PolicyDocument* document_;
  int list_;
  std::vector<std::string> before_, after_;
};

/// Appends entries to a named list (a fraud quick action, CSV import in append mode).
class AddListItemsCommand : public QUndoCommand {
 public:
  AddListItemsCommand(PolicyDocument* document, int list, std::vector<std::string> items, const QString& text);
  void redo() override;
  void undo() override;

 private:
  PolicyDocument* document_;
  int list_;
  int at_ = 0;
  std::vector<std::string> items_;
};

/// Removes a contiguous range of list entries.
class RemoveListItemsCommand : public QUndoCommand {
 public:
  RemoveListItemsCommand(PolicyDocument* document, int list, int at, int count, const QString& text);
  void redo() override;
  void undo() override;

 private:
  PolicyDocument* document_;
  int list_, at_;
  std::vector<std::string> removed_;
};

/// Changes one entry of a named list.
class SetListItemCommand : public QUndoCommand {
 public:
  SetListItemCommand(PolicyDocument* document, int list, int item, std::string value, const QString& text);
  void redo() override;
  void undo() override;

 private:
  void set(const std::string& value);
  PolicyDocument* document_;
  int list_, item_;
  std::string before_, after_;
};

/// The policy's name and description.
class SetMetaCommand : public QUndoCommand {
 public:
  SetMetaCommand(PolicyDocument* document, std::string name, std::string description, const QString& text);
  void redo() override;
  void undo() override;

 private:
  PolicyDocument* document_;
  std::string beforeName_, beforeDescription_, afterName_, afterDescription_;
};

/// Whether two rows are the same, field for field (to skip edits that change nothing).
bool sameRow(const Rule& a, const Rule& b);
bool sameRow(const Parameter& a, const Parameter& b);
bool sameRow(const NamedList& a, const NamedList& b);
bool sameRow(const NormTable& a, const NormTable& b);
bool sameRow(const ProviderPlanEntry& a, const ProviderPlanEntry& b);

/// Pushes a ReplaceRowCommand with the row as `edit` leaves it; nothing when it did not change.
template <class Row, class Edit>
bool pushRowEdit(PolicyDocument* document, int index, Edit&& edit, const QString& text,
                 MergeKey merge = MergeKey::None) {
  Row row = document->rows<Row>()[static_cast<std::size_t>(index)];
  edit(row);
  if (sameRow(row, document->rows<Row>()[static_cast<std::size_t>(index)])) return false;
  document->undoStack()->push(new ReplaceRowCommand<Row>(document, index, std::move(row), text, merge));
  return true;
}


}  // namespace verdict::studio
