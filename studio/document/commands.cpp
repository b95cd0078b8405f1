#include "document/commands.hpp"

#include <nlohmann/json.hpp>

namespace verdict::studio {

namespace {
/// The core codec's JSON of a document holding only `row`: the canonical form of that row.
template <class Row>
nlohmann::json canonical(const Row& row) {
  verdict::PolicyDocument document;
  if constexpr (std::is_same_v<Row, Rule>) document.rules.push_back(row);
  else if constexpr (std::is_same_v<Row, Parameter>) document.parameters.push_back(row);
  else if constexpr (std::is_same_v<Row, NormTable>) document.norm_tables.push_back(row);
  else document.provider_plan.push_back(row);
  return encode(document);
}
}  // namespace

bool sameRow(const Rule& a, const Rule& b) { return canonical(a) == canonical(b); }
bool sameRow(const Parameter& a, const Parameter& b) { return canonical(a) == canonical(b); }
bool sameRow(const NamedList& a, const NamedList& b) {
  return a.name == b.name && a.description == b.description && a.items == b.items;
}
bool sameRow(const NormTable& a, const NormTable& b) { return canonical(a) == canonical(b); }
bool sameRow(const ProviderPlanEntry& a, const ProviderPlanEntry& b) { return canonical(a) == canonical(b); }

SetListItemsCommand::SetListItemsCommand(PolicyDocument* document, int list, std::vector<std::string> items,
                                         const QString& text)
    : QUndoCommand(text),
      document_(document),
      list_(list),
      before_(document->data().lists[static_cast<std::size_t>(list)].items),
      after_(std::move(items)) {}
void SetListItemsCommand::redo() { document_->replaceListItems(list_, after_); }
void SetListItemsCommand::undo() { document_->replaceListItems(list_, before_); }

AddListItemsCommand::AddListItemsCommand(PolicyDocument* document, int list, std::vector<std::string> items,
                                         const QString& text)
    : QUndoCommand(text), document_(document), list_(list), items_(std::move(items)) {}
void AddListItemsCommand::redo() {
  at_ = static_cast<int>(document_->data().lists[static_cast<std::size_t>(list_)].items.size());
  document_->insertListItems(list_, at_, items_);
}
void AddListItemsCommand::undo() { document_->removeListItems(list_, at_, static_cast<int>(items_.size())); }

RemoveListItemsCommand::RemoveListItemsCommand(PolicyDocument* document, int list, int at, int count,
                                               const QString& text)
    : QUndoCommand(text), document_(document), list_(list), at_(at) {
  const auto& items = document->data().lists[static_cast<std::size_t>(list)].items;
  removed_.assign(items.begin() + at, items.begin() + at + count);
}
void RemoveListItemsCommand::redo() { document_->removeListItems(list_, at_, static_cast<int>(removed_.size())); }
void RemoveListItemsCommand::undo() { document_->insertListItems(list_, at_, removed_); }

SetListItemCommand::SetListItemCommand(PolicyDocument* document, int list, int item, std::string value,
                                       const QString& text)
    : QUndoCommand(text),
      document_(document),
      list_(list),
      item_(item),
      before_(document->data().lists[static_cast<std::size_t>(list)].items[static_cast<std::size_t>(item)]),
      after_(std::move(value)) {}
void SetListItemCommand::set(const std::string& value) {
  document_->removeListItems(list_, item_, 1);
  document_->insertListItems(list_, item_, {value});
}
void SetListItemCommand::redo() { set(after_); }
void SetListItemCommand::undo() { set(before_); }

SetMetaCommand::SetMetaCommand(PolicyDocument* document, std::string name, std::string description,
                               const QString& text)
    : QUndoCommand(text),
      document_(document),
      beforeName_(document->data().name),
      beforeDescription_(document->data().description),
      afterName_(std::move(name)),
      afterDescription_(std::move(description)) {}
void SetMetaCommand::redo() { document_->setMeta(afterName_, afterDescription_); }
void SetMetaCommand::undo() { document_->setMeta(beforeName_, beforeDescription_); }

}  // namespace verdict::studio
