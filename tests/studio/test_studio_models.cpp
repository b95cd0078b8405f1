// The item models over the draft, under QAbstractItemModelTester (which checks every signal and
// index the views rely on) while commands, undo and redo change the document underneath.
#include <QAbstractItemModelTester>
#include <QtTest/QtTest>

#include "document/commands.hpp"
#include "models/policy_models.hpp"
#include "studio_support.hpp"

using namespace verdict;
using namespace verdict::studio;

class TestStudioModels : public QObject {
  Q_OBJECT

  studio::PolicyDocument* document_ = nullptr;

  void churn() {
    // Structural and data changes in every section, then all undone and redone.
    Rule r;
    r.id = "churn.rule";
    r.condition = "true";
    r.reason_code = "X";
    auto* stack = document_->undoStack();
    stack->push(new InsertRowCommand<Rule>(document_, 0, r, "add"));
    stack->push(new MoveRowCommand<Rule>(document_, 0, 10, "move"));
    stack->push(new MoveRowCommand<Rule>(document_, 10, 2, "move"));
    stack->push(new RemoveRowCommand<Rule>(document_, 5, "remove"));
    pushRowEdit<Rule>(document_, 1, [](Rule& x) { x.enabled = !x.enabled; }, "toggle");
    Parameter p;
    p.name = "churn";
    stack->push(new InsertRowCommand<Parameter>(document_, 0, p, "add"));
    stack->push(new AddListItemsCommand(document_, 0, {"a", "b"}, "add"));
    NamedList l;
    l.name = "churn_list";
    stack->push(new InsertRowCommand<NamedList>(document_, 0, l, "add list"));
    NormTable t = document_->rows<NormTable>()[0];
    t.rows[0].base_norm = 1;
    stack->push(new ReplaceRowCommand<NormTable>(document_, 0, t, "norm"));
    stack->push(new RemoveRowCommand<ProviderPlanEntry>(document_, 0, "plan"));
    while (stack->canUndo()) stack->undo();
    while (stack->canRedo()) stack->redo();
    document_->load(test::samplePolicy());
  }

 private slots:
  void init() {
    document_ = new studio::PolicyDocument(this);
    document_->load(test::samplePolicy());
  }
  void cleanup() { delete document_; }

  void everyModelPassesTheTester() {
    RulesModel rules(document_);
    RuleFilterProxy proxy;
    proxy.setSourceModel(&rules);
    ParametersModel parameters(document_);
    ListsModel lists(document_);
    ListItemsModel items(document_);
    items.setList(0);
    NormsModel norms(document_);
    PlanModel plan(document_);
    const auto mode = QAbstractItemModelTester::FailureReportingMode::QtTest;
    QAbstractItemModelTester t1(&rules, mode), t2(&proxy, mode), t3(&parameters, mode), t4(&lists, mode),
        t5(&items, mode), t6(&norms, mode), t7(&plan, mode);
    proxy.setTag("fraud");
    churn();
    proxy.setText("iban");
    churn();
  }

  void rulesModelShowsAndEditsThroughCommands() {
    RulesModel rules(document_);
    QCOMPARE(rules.rowCount(), 30);
    QCOMPARE(rules.index(0, RulesModel::Id).data().toString(), QString::fromStdString(document_->rows<Rule>()[0].id));
    QVERIFY(rules.setData(rules.index(0, RulesModel::Enabled), Qt::Unchecked, Qt::CheckStateRole));
    QVERIFY(!document_->rows<Rule>()[0].enabled);
    QCOMPARE(rules.index(0, RulesModel::Enabled).data(Qt::CheckStateRole).toInt(), int(Qt::Unchecked));
    QVERIFY(rules.setData(rules.index(0, RulesModel::Outcome), "REFER", Qt::EditRole));
    QVERIFY(!rules.setData(rules.index(0, RulesModel::Outcome), "MAYBE", Qt::EditRole));
    QVERIFY(rules.setData(rules.index(0, RulesModel::Tags), "a, b ,c", Qt::EditRole));
    QCOMPARE(document_->rows<Rule>()[0].tags, (std::vector<std::string>{"a", "b", "c"}));
    // Ids stay unique.
    QVERIFY(!rules.setData(rules.index(0, RulesModel::Id), rules.index(1, RulesModel::Id).data(), Qt::EditRole));
    QCOMPARE(document_->undoStack()->count(), 3);
    document_->undoStack()->undo();
    document_->undoStack()->undo();
    document_->undoStack()->undo();
    QVERIFY(document_->rows<Rule>()[0].enabled);
  }

  void filterByTagAndText() {
    RulesModel rules(document_);
    RuleFilterProxy proxy;
    proxy.setSourceModel(&rules);
    int fraud = 0, iban = 0, both = 0;
    for (const auto& r : document_->rows<Rule>()) {
      const bool isFraud = std::find(r.tags.begin(), r.tags.end(), "fraud") != r.tags.end();
      const bool mentionsIban = QString::fromStdString(r.id + r.description + r.condition + r.reason_code + r.message)
                                    .contains("iban", Qt::CaseInsensitive);
      fraud += isFraud;
      iban += mentionsIban;
      both += isFraud && mentionsIban;
    }
    QVERIFY(fraud > 0 && iban > 0);
    proxy.setTag("fraud");
    QCOMPARE(proxy.rowCount(), fraud);
    proxy.setText("IBAN");
    QCOMPARE(proxy.rowCount(), both);
    proxy.setTag({});
    QCOMPARE(proxy.rowCount(), iban);
    proxy.setText({});
    QCOMPARE(proxy.rowCount(), 30);
    QVERIFY(rules.allTags().contains("fraud"));
  }

  void parameterValuesParseByType() {
    ParametersModel parameters(document_);
    const int money = document_->indexOfParameter("max_credit_without_bkr");
    QCOMPARE(parameters.index(money, ParametersModel::Value).data().toString(), QString("250.00"));
    QVERIFY(parameters.setData(parameters.index(money, ParametersModel::Value), "1.234,50", Qt::EditRole));
    QCOMPARE(document_->rows<Parameter>()[static_cast<std::size_t>(money)].value.integer, 123450);
    QVERIFY(!parameters.setData(parameters.index(money, ParametersModel::Value), "lots", Qt::EditRole));
    const int number = document_->indexOfParameter("min_age");
    QVERIFY(parameters.setData(parameters.index(number, ParametersModel::Value), "21", Qt::EditRole));
    QCOMPARE(document_->rows<Parameter>()[static_cast<std::size_t>(number)].value.number, 21.0);
    QVERIFY(!(parameters.flags(parameters.index(0, ParametersModel::Type)) & Qt::ItemIsEditable));
  }

  void listItemsFollowTheirList() {
    ListItemsModel items(document_);
    items.setList(0);
    const int before = items.rowCount();
    document_->undoStack()->push(new AddListItemsCommand(document_, 0, {"x1", "x2", "x3"}, "add"));
    QCOMPARE(items.rowCount(), before + 3);
    QCOMPARE(items.index(before + 2).data().toString(), QString("x3"));
    QVERIFY(items.setData(items.index(before), "y1", Qt::EditRole));
    QCOMPARE(document_->data().lists[0].items[static_cast<std::size_t>(before)], std::string("y1"));
    document_->undoStack()->undo();
    document_->undoStack()->undo();
    QCOMPARE(items.rowCount(), before);
    // Removing lists drops the selection instead of showing another list's entries.
    document_->undoStack()->push(new RemoveRowCommand<NamedList>(document_, 0, "remove"));
    QCOMPARE(items.list(), -1);
    QCOMPARE(items.rowCount(), 0);
  }

  void normsAreEditableInEuroAndPercent() {
    NormsModel norms(document_);
    QCOMPARE(norms.rowCount(), document_->rowCount<NormTable>() * 8);
    QVERIFY(norms.setData(norms.index(2, NormsModel::BaseNorm), "1500", Qt::EditRole));
    QCOMPARE(document_->rows<NormTable>()[0].rows[2].base_norm, 150000);
    QVERIFY(norms.setData(norms.index(2, NormsModel::Markup), "17.5", Qt::EditRole));
    QCOMPARE(document_->rows<NormTable>()[0].rows[2].markup_basis_points, 1750);
    QVERIFY(!norms.setData(norms.index(2, NormsModel::Markup), "150", Qt::EditRole));
  }

  void planEditsAreBounded() {
    PlanModel plan(document_);
    QVERIFY(plan.setData(plan.index(0, PlanModel::DeadlineMs), 800, Qt::EditRole));
    QCOMPARE(document_->rows<ProviderPlanEntry>()[0].deadline_ms, 800);
    QVERIFY(!plan.setData(plan.index(0, PlanModel::DeadlineMs), 5, Qt::EditRole));
    QVERIFY(!plan.setData(plan.index(0, PlanModel::Retries), 9, Qt::EditRole));
    const bool required = document_->rows<ProviderPlanEntry>()[0].required;
    QVERIFY(plan.setData(plan.index(0, PlanModel::Required), required ? Qt::Unchecked : Qt::Checked, Qt::CheckStateRole));
    QCOMPARE(document_->rows<ProviderPlanEntry>()[0].required, !required);
  }

  void fiveThousandRules() {
    document_->load(test::largePolicy(5000));
    RulesModel rules(document_);
    RuleFilterProxy proxy;
    proxy.setSourceModel(&rules);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(rules.rowCount(), 5000);
    proxy.setTag("bucket7");
    QCOMPARE(proxy.rowCount(), 100);
    proxy.setText("iban");
    QVERIFY(proxy.rowCount() > 0 && proxy.rowCount() < 100);
    proxy.setTag({});
    proxy.setText({});
    QVERIFY(rules.setData(rules.index(4321, RulesModel::Condition), "applicant.age < 30", Qt::EditRole));
    QCOMPARE(proxy.index(4321, RulesModel::Condition).data().toString(), QString("applicant.age < 30"));
    document_->undoStack()->undo();
    QVERIFY(proxy.index(4321, RulesModel::Condition).data().toString() != QString("applicant.age < 30"));
  }
};

QTEST_MAIN(TestStudioModels)
#include "test_studio_models.moc"
