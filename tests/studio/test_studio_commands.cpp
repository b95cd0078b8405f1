// Every undoable command of the studio: redo applies it, undo restores the draft exactly (compared
// through the core codec), redo again gives the same result as the first time.
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include "document/commands.hpp"
#include "document/policy_document.hpp"
#include "studio_support.hpp"

using namespace verdict;
using namespace verdict::studio;

class TestStudioCommands : public QObject {
  Q_OBJECT

  studio::PolicyDocument* document_ = nullptr;

  nlohmann::json snapshot() const { return encode(document_->data()); }

  /// Pushes `command`, checks `applied` on the result, then undo (back to before) and redo.
  template <class Check>
  void roundTrip(QUndoCommand* command, Check applied) {
    const nlohmann::json before = snapshot();
    document_->undoStack()->push(command);
    const nlohmann::json after = snapshot();
    QVERIFY2(after != before, "the command changed nothing");
    applied();
    document_->undoStack()->undo();
    QCOMPARE(snapshot(), before);
    document_->undoStack()->redo();
    QCOMPARE(snapshot(), after);
    applied();
  }

 private slots:
  void init() {
    document_ = new studio::PolicyDocument(this);
    document_->load(test::samplePolicy());
  }
  void cleanup() { delete document_; }

  void loadClearsHistoryAndIsClean() {
    QVERIFY(!document_->isModified());
    QCOMPARE(document_->undoStack()->count(), 0);
    QCOMPARE(document_->rowCount<Rule>(), 30);
  }

  void insertRule() {
    Rule r;
    r.id = "new.rule";
    r.condition = "applicant.age > 99";
    r.reason_code = "OLD";
    roundTrip(new InsertRowCommand<Rule>(document_, 3, r, "add"), [&] {
      QCOMPARE(document_->rows<Rule>()[3].id, std::string("new.rule"));
      QCOMPARE(document_->rowCount<Rule>(), 31);
    });
    QVERIFY(document_->isModified());
  }

  void removeRule() {
    const std::string id = document_->rows<Rule>()[5].id;
    roundTrip(new RemoveRowCommand<Rule>(document_, 5, "remove"), [&] {
      QCOMPARE(document_->rowCount<Rule>(), 29);
      QCOMPARE(document_->indexOfRule(id), -1);
    });
  }

  void moveRuleDownAndUp() {
    const std::string id = document_->rows<Rule>()[2].id;
    roundTrip(new MoveRowCommand<Rule>(document_, 2, 7, "move"), [&] { QCOMPARE(document_->indexOfRule(id), 7); });
    roundTrip(new MoveRowCommand<Rule>(document_, 7, 0, "move"), [&] { QCOMPARE(document_->indexOfRule(id), 0); });
  }

  void editRuleFields() {
    Rule r = document_->rows<Rule>()[0];
    r.condition = "applicant.age < 21";
    r.outcome = Outcome::Refer;
    r.reason_code = "YOUNG";
    r.tags = {"legal"};
    r.on_unknown = std::nullopt;
    roundTrip(new ReplaceRowCommand<Rule>(document_, 0, r, "edit"), [&] {
      QCOMPARE(document_->rows<Rule>()[0].condition, std::string("applicant.age < 21"));
      QVERIFY(!document_->rows<Rule>()[0].on_unknown.has_value());
    });
  }

  void disableRule() {
    QVERIFY(document_->rows<Rule>()[4].enabled);
    QVERIFY(pushRowEdit<Rule>(document_, 4, [](Rule& r) { r.enabled = false; }, "disable"));
    QVERIFY(!document_->rows<Rule>()[4].enabled);
    document_->undoStack()->undo();
    QVERIFY(document_->rows<Rule>()[4].enabled);
    document_->undoStack()->redo();
    QVERIFY(!document_->rows<Rule>()[4].enabled);
  }

  void editThatChangesNothingIsNotPushed() {
    QVERIFY(!pushRowEdit<Rule>(document_, 4, [](Rule&) {}, "nothing"));
    QCOMPARE(document_->undoStack()->count(), 0);
  }

  void typingInOneConditionIsOneUndoStep() {
    const std::string original = document_->rows<Rule>()[0].condition;
    for (const char* text : {"a", "ap", "app", "applicant.age > 1"})
      pushRowEdit<Rule>(document_, 0, [&](Rule& r) { r.condition = text; }, "type", MergeKey::RuleCondition);
    QCOMPARE(document_->undoStack()->count(), 1);
    QCOMPARE(document_->rows<Rule>()[0].condition, std::string("applicant.age > 1"));
    document_->undoStack()->undo();
    QCOMPARE(document_->rows<Rule>()[0].condition, original);
    // Another rule's condition is a step of its own.
    pushRowEdit<Rule>(document_, 0, [&](Rule& r) { r.condition = "true"; }, "type", MergeKey::RuleCondition);
    pushRowEdit<Rule>(document_, 1, [&](Rule& r) { r.condition = "true"; }, "type", MergeKey::RuleCondition);
    QCOMPARE(document_->undoStack()->count(), 2);
  }

  void parameterCommands() {
    const int i = document_->indexOfParameter("min_age");
    QVERIFY(i >= 0);
    Parameter p = document_->rows<Parameter>()[static_cast<std::size_t>(i)];
    p.value.number = 21;
    roundTrip(new ReplaceRowCommand<Parameter>(document_, i, p, "set"),
              [&] { QCOMPARE(document_->rows<Parameter>()[static_cast<std::size_t>(i)].value.number, 21.0); });
    Parameter added;
    added.name = "max_devices";
    added.value.type = lang::ValueType::Number;
    added.value.number = 3;
    roundTrip(new InsertRowCommand<Parameter>(document_, 0, added, "add"),
              [&] { QCOMPARE(document_->indexOfParameter("max_devices"), 0); });
    roundTrip(new RemoveRowCommand<Parameter>(document_, 0, "remove"),
              [&] { QCOMPARE(document_->indexOfParameter("max_devices"), -1); });
  }

  void listCommands() {
    QVERIFY(document_->rowCount<NamedList>() > 0);
    const auto size = document_->data().lists[0].items.size();
    roundTrip(new AddListItemsCommand(document_, 0, {"NL00FAKE0000000001", "NL00FAKE0000000002"}, "add"), [&] {
      QCOMPARE(document_->data().lists[0].items.size(), size + 2);
      QCOMPARE(document_->data().lists[0].items.back(), std::string("NL00FAKE0000000002"));
    });
    roundTrip(new RemoveListItemsCommand(document_, 0, 0, 1, "remove"),
              [&] { QCOMPARE(document_->data().lists[0].items.size(), size + 1); });
    roundTrip(new SetListItemCommand(document_, 0, 0, "changed", "edit"),
              [&] { QCOMPARE(document_->data().lists[0].items[0], std::string("changed")); });
    std::vector<std::string> many;
    for (int k = 0; k < 50'000; ++k) many.push_back("entry" + std::to_string(k));
    roundTrip(new SetListItemsCommand(document_, 0, many, "import"),
              [&] { QCOMPARE(document_->data().lists[0].items.size(), std::size_t{50'000}); });
    NamedList l;
    l.name = "blocked_devices_extra";
    l.items = {"dev1"};
    roundTrip(new InsertRowCommand<NamedList>(document_, 1, l, "add list"),
              [&] { QCOMPARE(document_->indexOfList("blocked_devices_extra"), 1); });
    roundTrip(new RemoveRowCommand<NamedList>(document_, 1, "remove list"),
              [&] { QCOMPARE(document_->indexOfList("blocked_devices_extra"), -1); });
  }

  void normCommands() {
    QVERIFY(document_->rowCount<NormTable>() > 0);
    NormTable t = document_->rows<NormTable>()[0];
    t.rows[0].base_norm += 1000;
    t.rows[3].markup_basis_points = 2500;
    roundTrip(new ReplaceRowCommand<NormTable>(document_, 0, t, "edit norms"),
              [&] { QCOMPARE(document_->rows<NormTable>()[0].rows[3].markup_basis_points, 2500); });
    t.id = "vfn-2099";
    t.valid_from = Date{t.valid_from.days + 3650};
    const int tables = document_->rowCount<NormTable>();
    roundTrip(new InsertRowCommand<NormTable>(document_, 1, t, "add table"), [&] {
      QCOMPARE(document_->rowCount<NormTable>(), tables + 1);
      QCOMPARE(document_->rows<NormTable>()[1].id, std::string("vfn-2099"));
    });
  }

  void planCommands() {
    QVERIFY(document_->rowCount<ProviderPlanEntry>() > 0);
    ProviderPlanEntry e = document_->rows<ProviderPlanEntry>()[0];
    e.deadline_ms = 450;
    e.required = !e.required;
    roundTrip(new ReplaceRowCommand<ProviderPlanEntry>(document_, 0, e, "plan"),
              [&] { QCOMPARE(document_->rows<ProviderPlanEntry>()[0].deadline_ms, 450); });
    roundTrip(new MoveRowCommand<ProviderPlanEntry>(document_, 0, 1, "move"),
              [&] { QCOMPARE(document_->rows<ProviderPlanEntry>()[1].deadline_ms, 450); });
  }

  void metaCommand() {
    roundTrip(new SetMetaCommand(document_, "consumer-nl-2027", "next year", "meta"),
              [&] { QCOMPARE(document_->data().name, std::string("consumer-nl-2027")); });
  }

  void saveAndReopenKeepsEverything() {
    pushRowEdit<Rule>(document_, 0, [](Rule& r) { r.condition = "applicant.age < 19"; }, "edit");
    QTemporaryDir dir;
    const QString path = dir.filePath("draft.json");
    QString error;
    QVERIFY2(document_->save(path, &error), qPrintable(error));
    QVERIFY(!document_->isModified());
    studio::PolicyDocument reopened;
    QVERIFY2(reopened.open(path, &error), qPrintable(error));
    QCOMPARE(encode(reopened.data()), snapshot());
  }

  void openingABrokenFileSaysWhereAndKeepsTheDraft() {
    QTemporaryDir dir;
    QFile file(dir.filePath("broken.json"));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\n  \"name\": \"x\",\n  \"version\": \"one\",\n  \"rules\": []\n}\n");
    file.close();
    const nlohmann::json before = snapshot();
    QString error;
    QVERIFY(!document_->open(file.fileName(), &error));
    QVERIFY2(error.contains("broken.json:3:"), qPrintable(error));
    QCOMPARE(snapshot(), before);
  }
};

QTEST_MAIN(TestStudioCommands)
#include "test_studio_commands.moc"
