#pragma once
// The policy editor: rules (table with tag and text filter, reorder, enable/disable, and the rule's
// fields with the condition editor), parameters, named lists (with CSV import/export), VFN norm
// tables and the provider plan. Every change goes through the draft's undo stack.
#include <QWidget>

#include "app/studio_context.hpp"

class QTableView;
class QListView;
class QLineEdit;
class QComboBox;
class QCheckBox;
class QLabel;
class QTabWidget;
class QPlainTextEdit;

namespace verdict::studio {

class RulesModel;
class RuleFilterProxy;
class ParametersModel;
class ListsModel;
class ListItemsModel;
class NormsModel;
class PlanModel;
class ConditionEditor;

class PolicyEditorView : public QWidget {
  Q_OBJECT
 public:
  PolicyEditorView(StudioContext& context, QWidget* parent = nullptr);

  /// Selects a rule by id (navigation from other views); false when there is none.
  bool selectRule(const QString& id);
  int currentRule() const { return currentRule_; }
  ConditionEditor* conditionEditor() const { return condition_; }
  RuleFilterProxy* ruleFilter() const { return proxy_; }
  QTabWidget* tabs() const { return tabs_; }
  /// Imports entries into a named list from CSV; replace or append.
  bool importListCsv(int list, const QString& path, bool replace, QString* error);
  bool exportListCsv(int list, const QString& path, QString* error) const;

 private:
  QWidget* buildRulesTab();
  QWidget* buildParametersTab();
  QWidget* buildListsTab();
  QWidget* buildNormsTab();
  QWidget* buildPlanTab();
  void showRule(int row);
  void refreshRuleDetail();
  void refreshTags();
  void refreshSymbols();
  void commitRuleField(const std::function<void(Rule&)>& edit, const QString& what);
  void addRule();
  void removeRule();
  void moveRule(int delta);
  void showCompileProblems();

  StudioContext& context_;
  PolicyDocument& document_;
  QTabWidget* tabs_;
  RulesModel* rules_;
  RuleFilterProxy* proxy_;
  ParametersModel* parameters_;
  ListsModel* lists_;
  ListItemsModel* listItems_;
  NormsModel* norms_;
  PlanModel* plan_;

  QTableView* rulesTable_ = nullptr;
  QComboBox* tagFilter_ = nullptr;
  QLineEdit* textFilter_ = nullptr;
  QLabel* ruleCount_ = nullptr;
  int currentRule_ = -1;
  QLineEdit* ruleId_ = nullptr;
  QLineEdit* ruleDescription_ = nullptr;
  QComboBox* ruleOutcome_ = nullptr;
  QComboBox* ruleOnUnknown_ = nullptr;
  QLineEdit* ruleReason_ = nullptr;
  QLineEdit* ruleMessage_ = nullptr;
  QLineEdit* ruleTags_ = nullptr;
  QCheckBox* ruleEnabled_ = nullptr;
  ConditionEditor* condition_ = nullptr;
  QLabel* conditionProblems_ = nullptr;
  QWidget* ruleDetail_ = nullptr;

  QTableView* listsTable_ = nullptr;
  QListView* itemsView_ = nullptr;
  QLabel* itemsLabel_ = nullptr;
};

}  // namespace verdict::studio
