#pragma once
// The condition editor: a QPlainTextEdit with the language's own lexer for highlighting, completion
// of field paths (the catalogue), params.* and lists.*, and compile errors underlined at their line
// and column as you type. Checking runs on a worker thread after a short pause in typing, so a
// keystroke never waits for the compiler.
#include <QFutureWatcher>
#include <QPlainTextEdit>
#include <QSyntaxHighlighter>
#include <QTimer>
#include <memory>
#include <vector>

#include "lang/checker/checker.hpp"
#include "lang/diagnostic.hpp"
#include "policy/policy.hpp"

class QCompleter;
class QStringListModel;

namespace verdict::studio {

/// The names a condition can use, copied out of a draft so a worker thread can compile against
/// them while the draft goes on changing.
struct SymbolTable {
  std::vector<Parameter> parameters;
  std::vector<NamedList> lists;
  lang::Symbols symbols;  // points into the two vectors above

  static std::shared_ptr<const SymbolTable> of(const verdict::PolicyDocument& document);
};

/// One diagnostic with its position mapped to the editor's text (QString positions).
struct EditorDiagnostic {
  int line = 1;    // 1-based, as the compiler reports it
  int column = 1;  // 1-based, in characters
  int position = 0;  // in the document
  int length = 1;
  QString message;
};

class ConditionHighlighter : public QSyntaxHighlighter {
  Q_OBJECT
 public:
  explicit ConditionHighlighter(QTextDocument* document);

 protected:
  void highlightBlock(const QString& text) override;
};

class ConditionEditor : public QPlainTextEdit {
  Q_OBJECT
 public:
  explicit ConditionEditor(QWidget* parent = nullptr);
  ~ConditionEditor() override;

  void setSymbols(std::shared_ptr<const SymbolTable> symbols);
  /// Sets the text without emitting conditionEdited (showing another rule).
  void setCondition(const QString& text);
  QString condition() const { return toPlainText(); }

  const std::vector<EditorDiagnostic>& diagnostics() const { return diagnostics_; }
  QCompleter* completer() const { return completer_; }
  /// Pause after the last keystroke before checking, in milliseconds.
  void setCheckDelay(int ms) { debounce_.setInterval(ms); }
  /// Checks the current text now (still off the UI thread); diagnosticsChanged follows.
  void checkNow();

 signals:
  /// The analyst changed the text (not setCondition).
  void conditionEdited(const QString& text);
  /// After each check of the current text; empty when it compiles.
  void diagnosticsChanged();

 protected:
  void keyPressEvent(QKeyEvent* event) override;
  bool event(QEvent* event) override;

 private:
  void startCheck();
  void applyDiagnostics(const QString& source, const lang::Diagnostics& found);
  QString wordBeforeCursor() const;
  void insertCompletion(const QString& completion);
  void updateCompletions();

  ConditionHighlighter* highlighter_;
  QCompleter* completer_;
  QStringListModel* completions_;
  std::shared_ptr<const SymbolTable> symbols_;
  QTimer debounce_;
  QFutureWatcher<lang::Diagnostics> watcher_;
  QString checking_;     // the text the running check is for
  bool recheck_ = false;  // the text changed while a check was running
  bool settingText_ = false;
  std::vector<EditorDiagnostic> diagnostics_;
};

/// Converts the compiler's 1-based line and byte column into a position in `text`.
int positionOf(const QString& text, int line, int byteColumn);

}  // namespace verdict::studio
