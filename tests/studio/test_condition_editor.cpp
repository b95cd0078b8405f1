// The condition editor: compile errors at the compiler's line and column (checked off the UI
// thread), completion of catalogue fields, params.* and lists.*, and highlighting by token.
#include <QAbstractItemModel>
#include <QAbstractItemView>
#include <QCompleter>
#include <QSignalSpy>
#include <QTextBlock>
#include <QtTest/QtTest>

#include "editor/condition_editor.hpp"
#include "studio_support.hpp"

using namespace verdict;
using namespace verdict::studio;

class TestConditionEditor : public QObject {
  Q_OBJECT

  std::unique_ptr<ConditionEditor> editor_;

  void typeAndWait(const QString& text) {
    QSignalSpy checked(editor_.get(), &ConditionEditor::diagnosticsChanged);
    editor_->setPlainText(text);
    QVERIFY(checked.wait(5000));
    // A check that started before the last change is redone; wait for the one of this text.
    while (checked.count() == 0) QVERIFY(checked.wait(5000));
  }

 private slots:
  void init() {
    editor_ = std::make_unique<ConditionEditor>();
    editor_->setSymbols(SymbolTable::of(test::samplePolicy()));
    editor_->setCheckDelay(10);
  }
  void cleanup() { editor_.reset(); }

  void validConditionHasNoDiagnostics() {
    typeAndWait("applicant.age < params.min_age and applicant.iban in lists.blocked_ibans");
    QVERIFY(editor_->diagnostics().empty());
    QVERIFY(editor_->extraSelections().isEmpty());
  }

  void unknownFieldOnSecondLineAtItsColumn() {
    typeAndWait("applicant.age >= params.min_age and\n  bkr.cods == \"A\"");
    QCOMPARE(editor_->diagnostics().size(), std::size_t{1});
    const EditorDiagnostic& d = editor_->diagnostics().front();
    QCOMPARE(d.line, 2);
    QCOMPARE(d.column, 3);
    QVERIFY2(d.message.contains("bkr.cods"), qPrintable(d.message));
    QVERIFY2(d.message.contains("bkr.codes"), qPrintable(d.message));  // the suggestion
    // The underline covers the misspelt path.
    QCOMPARE(editor_->extraSelections().size(), 1);
    const QTextCursor c = editor_->extraSelections().front().cursor;
    QCOMPARE(c.selectedText(), QString("bkr.cods"));
    QCOMPARE(c.block().blockNumber(), 1);
  }

  void unknownParameterAndTypeErrors() {
    typeAndWait("params.min_agee > 1");
    QCOMPARE(editor_->diagnostics().size(), std::size_t{1});
    QCOMPARE(editor_->diagnostics().front().line, 1);
    QCOMPARE(editor_->diagnostics().front().column, 1);
    QVERIFY(editor_->diagnostics().front().message.contains("params.min_age"));

    typeAndWait("applicant.age + 1");  // a number where a condition must be true or false
    QCOMPARE(editor_->diagnostics().size(), std::size_t{1});

    typeAndWait("applicant.age < 18 and and");
    QCOMPARE(editor_->diagnostics().size(), std::size_t{1});
    QCOMPARE(editor_->diagnostics().front().column, 24);
  }

  void diagnosticsFollowTheTextAfterRapidTyping() {
    QSignalSpy checked(editor_.get(), &ConditionEditor::diagnosticsChanged);
    for (const char* text : {"a", "ap", "app", "applicant.", "applicant.ag", "applicant.age > 3"})
      editor_->setPlainText(text);
    QVERIFY(checked.wait(5000));
    QTRY_VERIFY_WITH_TIMEOUT(editor_->diagnostics().empty(), 5000);
  }

  void positionsCountCharactersNotBytes() {
    const QString text = QString::fromUtf8("applicant.email == \"é\" and\n  é");
    // Line 2, byte column 3 is the 'é' on line 2.
    QCOMPARE(positionOf(text, 2, 3), static_cast<int>(text.indexOf('\n')) + 3);
    // '"éé" x': the x starts at byte 7 (column 8) but is the sixth character (position 5).
    QCOMPARE(positionOf(QString::fromUtf8("\"éé\" x"), 1, 8), 5);
  }

  void completesFieldsParametersAndLists() {
    QAbstractItemModel* model = editor_->completer()->model();
    QStringList words;
    for (int i = 0; i < model->rowCount(); ++i) words << model->index(i, 0).data().toString();
    QVERIFY(words.contains("applicant.age"));
    QVERIFY(words.contains("bkr.codes"));
    QVERIFY(words.contains("params.min_age"));
    QVERIFY(words.contains("lists.blocked_ibans"));
    QVERIFY(words.contains("days_between"));
    editor_->completer()->setCompletionPrefix("params.max_c");
    QVERIFY(editor_->completer()->completionCount() >= 2);
    for (int i = 0; editor_->completer()->setCurrentRow(i); ++i)
      QVERIFY(editor_->completer()->currentCompletion().startsWith("params.max_c"));
  }

  void typingCompletesAtTheCursor() {
    editor_->show();
    QVERIFY(QTest::qWaitForWindowExposed(editor_.get()));
    QTest::keyClicks(editor_.get(), "params.min_a");
    QTRY_VERIFY(editor_->completer()->popup()->isVisible());
    QCOMPARE(editor_->completer()->currentCompletion(), QString("params.min_age"));
    QTest::keyClick(editor_->completer()->popup(), Qt::Key_Return);
    QCOMPARE(editor_->toPlainText(), QString("params.min_age"));
  }

  void highlightsByKind() {
    editor_->setPlainText("applicant.age < params.min_age and bkr.codes in [\"A\"] # old rule");
    QTextBlock block = editor_->document()->firstBlock();
    auto colourAt = [&](int position) {
      for (const auto& range : block.layout()->formats())
        if (position >= range.start && position < range.start + range.length) return range.format.foreground().color();
      return QColor();
    };
    const QString text = block.text();
    const QColor field = colourAt(0);
    const QColor parameter = colourAt(static_cast<int>(text.indexOf("params")));
    const QColor keyword = colourAt(static_cast<int>(text.indexOf("and")));
    const QColor string = colourAt(static_cast<int>(text.indexOf("\"A\"")));
    const QColor comment = colourAt(static_cast<int>(text.indexOf("old")));
    QVERIFY(field.isValid() && parameter.isValid() && keyword.isValid() && string.isValid() && comment.isValid());
    QCOMPARE(colourAt(static_cast<int>(text.indexOf("bkr.codes"))), field);
    QVERIFY(field != parameter && parameter != keyword && keyword != string && string != comment);
  }

  void setConditionDoesNotCountAsAnEdit() {
    QSignalSpy edited(editor_.get(), &ConditionEditor::conditionEdited);
    editor_->setCondition("applicant.age < 18");
    QCOMPARE(edited.count(), 0);
    editor_->moveCursor(QTextCursor::End);
    editor_->insertPlainText(" or true");
    QCOMPARE(edited.count(), 1);
    QCOMPARE(edited.front().front().toString(), QString("applicant.age < 18 or true"));
  }
};

QTEST_MAIN(TestConditionEditor)
#include "test_condition_editor.moc"
