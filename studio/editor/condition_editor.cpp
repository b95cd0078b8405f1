#include "editor/condition_editor.hpp"

#include <QAbstractItemView>
#include <QCompleter>
#include <QHelpEvent>
#include <QKeyEvent>
#include <QScrollBar>
#include <QStringListModel>
#include <QTextBlock>
#include <QToolTip>
#include <QtConcurrent/QtConcurrent>
#include <set>

#include "facts/catalog.hpp"
#include "lang/compiler/compiler.hpp"
#include "lang/lexer/lexer.hpp"

namespace verdict::studio {

namespace {

const std::set<std::string_view> keywords = {"and", "or", "not", "in", "true", "false"};
const QStringList functions = {"count", "any", "all", "days_between", "min", "max", "abs", "known", "starts_with", "date"};

QTextCharFormat textFormat(const QColor& color, bool bold = false, bool italic = false) {
  QTextCharFormat f;
  f.setForeground(color);
  if (bold) f.setFontWeight(QFont::Bold);
  f.setFontItalic(italic);
  return f;
}

/// Characters in the first `bytes` bytes of `utf8`.
int charsIn(const QByteArray& utf8, std::uint32_t bytes) {
  return static_cast<int>(QString::fromUtf8(utf8.left(static_cast<qsizetype>(bytes))).size());
}

}  // namespace

std::shared_ptr<const SymbolTable> SymbolTable::of(const verdict::PolicyDocument& document) {
  auto table = std::make_shared<SymbolTable>();
  table->parameters = document.parameters;
  table->lists = document.lists;
  for (const auto& p : table->parameters) table->symbols.parameters.emplace(p.name, p.value);
  for (const auto& l : table->lists) table->symbols.lists.emplace(l.name, &l.items);
  return table;
}

int positionOf(const QString& text, int line, int byteColumn) {
  int position = 0;
  for (int l = 1; l < line; ++l) {
    const auto next = text.indexOf('\n', position);
    if (next < 0) return static_cast<int>(text.size());
    position = static_cast<int>(next) + 1;
  }
  const auto end = text.indexOf('\n', position);
  const QByteArray lineBytes = text.mid(position, end < 0 ? -1 : end - position).toUtf8();
  return position + charsIn(lineBytes, static_cast<std::uint32_t>(std::max(byteColumn - 1, 0)));
}

// --- highlighter --------------------------------------------------------------------------------

ConditionHighlighter::ConditionHighlighter(QTextDocument* document) : QSyntaxHighlighter(document) {}

void ConditionHighlighter::highlightBlock(const QString& text) {
  static const QTextCharFormat keyword = textFormat(QColor(0, 0, 160), true);
  static const QTextCharFormat function = textFormat(QColor(120, 40, 140));
  static const QTextCharFormat field = textFormat(QColor(0, 110, 110));
  static const QTextCharFormat unknownField = textFormat(QColor(0, 0, 0));
  static const QTextCharFormat parameter = textFormat(QColor(170, 90, 0), true);
  static const QTextCharFormat list = textFormat(QColor(150, 0, 80), true);
  static const QTextCharFormat number = textFormat(QColor(30, 120, 30));
  static const QTextCharFormat string = textFormat(QColor(160, 30, 30));
  static const QTextCharFormat comment = textFormat(QColor(128, 128, 128), false, true);

  const QByteArray utf8 = text.toUtf8();
  lang::Diagnostics ignored;
  const auto tokens = lang::tokenize(std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())), ignored);
  auto apply = [&](std::uint32_t offset, std::uint32_t bytes, const QTextCharFormat& f) {
    const int start = charsIn(utf8, offset);
    setFormat(start, charsIn(utf8, offset + bytes) - start, f);
  };
  std::uint32_t scanned = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const lang::Token& t = tokens[i];
    if (t.kind == lang::TokenKind::End) break;
    const std::uint32_t offset = t.pos.offset;
    const auto length = static_cast<std::uint32_t>(t.text.size());
    scanned = offset + length;
    if (t.kind == lang::TokenKind::Number) apply(offset, length, number);
    else if (t.kind == lang::TokenKind::String) apply(offset, length, string);
    else if (t.kind == lang::TokenKind::Identifier) {
      if (keywords.contains(t.text)) {
        apply(offset, length, keyword);
        continue;
      }
      // A path: name(.name)*
      std::size_t last = i;
      while (last + 2 < tokens.size() && tokens[last + 1].kind == lang::TokenKind::Dot &&
             tokens[last + 2].kind == lang::TokenKind::Identifier)
        last += 2;
      const std::uint32_t end = tokens[last].pos.offset + static_cast<std::uint32_t>(tokens[last].text.size());
      const std::string path(utf8.constData() + offset, end - offset);
      const bool call = last + 1 < tokens.size() && tokens[last + 1].kind == lang::TokenKind::LParen;
      if (call) apply(offset, end - offset, function);
      else if (t.text == "params") apply(offset, end - offset, parameter);
      else if (t.text == "lists") apply(offset, end - offset, list);
      else apply(offset, end - offset, facts::find_field(path) ? field : unknownField);
      scanned = end;
      i = last;
    }
  }
  // The lexer skips comments; colour from the first '#' after the last token.
  const qsizetype hash = utf8.indexOf('#', static_cast<qsizetype>(scanned));
  if (hash >= 0) apply(static_cast<std::uint32_t>(hash), static_cast<std::uint32_t>(utf8.size() - hash), comment);
}

// --- editor -------------------------------------------------------------------------------------

ConditionEditor::ConditionEditor(QWidget* parent)
    : QPlainTextEdit(parent),
      highlighter_(new ConditionHighlighter(document())),
      completer_(new QCompleter(this)),
      completions_(new QStringListModel(this)) {
  QFont mono(QStringLiteral("monospace"));
  mono.setStyleHint(QFont::Monospace);
  setFont(mono);
  setLineWrapMode(QPlainTextEdit::WidgetWidth);
  setTabChangesFocus(true);

  completer_->setModel(completions_);
  completer_->setWidget(this);
  completer_->setCompletionMode(QCompleter::PopupCompletion);
  completer_->setCaseSensitivity(Qt::CaseInsensitive);
  completer_->setModelSorting(QCompleter::CaseInsensitivelySortedModel);
  completer_->setFilterMode(Qt::MatchStartsWith);
  connect(completer_, qOverload<const QString&>(&QCompleter::activated), this, &ConditionEditor::insertCompletion);
  updateCompletions();

  debounce_.setSingleShot(true);
  debounce_.setInterval(150);
  connect(&debounce_, &QTimer::timeout, this, &ConditionEditor::startCheck);
  connect(this, &QPlainTextEdit::textChanged, this, [this] {
    debounce_.start();
    if (!settingText_) emit conditionEdited(toPlainText());
  });
  connect(&watcher_, &QFutureWatcher<lang::Diagnostics>::finished, this, [this] {
    const lang::Diagnostics found = watcher_.result();
    if (recheck_ || checking_ != toPlainText()) {
      recheck_ = false;
      startCheck();
      return;
    }
    applyDiagnostics(checking_, found);
  });
}

ConditionEditor::~ConditionEditor() { watcher_.waitForFinished(); }

void ConditionEditor::setSymbols(std::shared_ptr<const SymbolTable> symbols) {
  symbols_ = std::move(symbols);
  updateCompletions();
  debounce_.start();
}

void ConditionEditor::setCondition(const QString& text) {
  if (text == toPlainText()) return;
  settingText_ = true;
  setPlainText(text);
  settingText_ = false;
}

void ConditionEditor::checkNow() {
  debounce_.stop();
  startCheck();
}

void ConditionEditor::updateCompletions() {
  QStringList words;
  for (const auto& f : facts::catalog()) words << QString::fromUtf8(f.path.data(), static_cast<qsizetype>(f.path.size()));
  if (symbols_) {
    for (const auto& p : symbols_->parameters) words << QStringLiteral("params.") + QString::fromStdString(p.name);
    for (const auto& l : symbols_->lists) words << QStringLiteral("lists.") + QString::fromStdString(l.name);
  }
  for (const auto& k : keywords) words << QString::fromUtf8(k.data(), static_cast<qsizetype>(k.size()));
  words << functions;
  words.sort(Qt::CaseInsensitive);
  completions_->setStringList(words);
}

void ConditionEditor::startCheck() {
  if (watcher_.isRunning()) {
    recheck_ = true;
    return;
  }
  checking_ = toPlainText();
  auto symbols = symbols_ ? symbols_ : SymbolTable::of({});
  const std::string source = checking_.toStdString();
  watcher_.setFuture(QtConcurrent::run([symbols, source] {
    lang::Program program;
    lang::Compiler compiler(program, symbols->symbols);
    lang::Diagnostics diagnostics;
    compiler.compile(source, lang::ValueType::Bool, diagnostics);
    return diagnostics;
  }));
}

void ConditionEditor::applyDiagnostics(const QString& source, const lang::Diagnostics& found) {
  diagnostics_.clear();
  QList<QTextEdit::ExtraSelection> selections;
  for (const auto& d : found) {
    EditorDiagnostic e;
    e.line = static_cast<int>(d.pos.line);
    e.position = positionOf(source, e.line, static_cast<int>(d.pos.column));
    const QString lineText = source.mid(e.position, source.indexOf('\n', e.position) < 0
                                                        ? -1
                                                        : source.indexOf('\n', e.position) - e.position);
    e.column = e.position - (static_cast<int>(source.lastIndexOf('\n', e.position - 1)) + 1) + 1;
    // Underline the word (or path) that starts at the position, at least one character.
    int length = 0;
    while (length < lineText.size() && (lineText[length].isLetterOrNumber() || lineText[length] == '_' ||
                                        lineText[length] == '.'))
      ++length;
    e.length = std::max(length, 1);
    e.message = QString::fromStdString(d.message);
    diagnostics_.push_back(e);

    QTextEdit::ExtraSelection selection;
    selection.format.setUnderlineStyle(QTextCharFormat::WaveUnderline);
    selection.format.setUnderlineColor(Qt::red);
    selection.format.setToolTip(e.message);
    selection.cursor = QTextCursor(document());
    const int docEnd = document()->characterCount() - 1;
    const int start = std::min(e.position, docEnd);
    selection.cursor.setPosition(start == docEnd && start > 0 ? start - 1 : start);
    selection.cursor.setPosition(std::max(std::min(start + e.length, docEnd), selection.cursor.position()),
                                 QTextCursor::KeepAnchor);
    selections << selection;
  }
  setExtraSelections(selections);
  emit diagnosticsChanged();
}

bool ConditionEditor::event(QEvent* e) {
  if (e->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(e);
    const int position = cursorForPosition(help->pos()).position();
    for (const auto& d : diagnostics_) {
      if (position >= d.position && position <= d.position + d.length) {
        QToolTip::showText(help->globalPos(), tr("%1:%2: %3").arg(d.line).arg(d.column).arg(d.message), this);
        return true;
      }
    }
    QToolTip::hideText();
    return true;
  }
  return QPlainTextEdit::event(e);
}

QString ConditionEditor::wordBeforeCursor() const {
  const QTextCursor cursor = textCursor();
  const QString line = cursor.block().text().left(cursor.positionInBlock());
  int start = static_cast<int>(line.size());
  while (start > 0 && (line[start - 1].isLetterOrNumber() || line[start - 1] == '_' || line[start - 1] == '.')) --start;
  return line.mid(start);
}

void ConditionEditor::insertCompletion(const QString& completion) {
  QTextCursor cursor = textCursor();
  const auto typed = wordBeforeCursor().size();
  cursor.movePosition(QTextCursor::Left, QTextCursor::KeepAnchor, static_cast<int>(typed));
  cursor.insertText(completion);
  setTextCursor(cursor);
}

void ConditionEditor::keyPressEvent(QKeyEvent* event) {
  if (completer_->popup()->isVisible()) {
    switch (event->key()) {
      case Qt::Key_Enter:
      case Qt::Key_Return:
      case Qt::Key_Escape:
      case Qt::Key_Tab:
      case Qt::Key_Backtab: event->ignore(); return;  // the completer takes them
      default: break;
    }
  }
  const bool forced = event->key() == Qt::Key_Space && (event->modifiers() & Qt::ControlModifier);
  if (!forced) QPlainTextEdit::keyPressEvent(event);

  const QString prefix = wordBeforeCursor();
  const bool typing = !event->text().isEmpty() && (event->text()[0].isLetterOrNumber() || event->text() == "." ||
                                                   event->text() == "_");
  if (!forced && (!typing || prefix.size() < 2)) {
    completer_->popup()->hide();
    return;
  }
  if (prefix != completer_->completionPrefix()) {
    completer_->setCompletionPrefix(prefix);
    completer_->popup()->setCurrentIndex(completer_->completionModel()->index(0, 0));
  }
  QRect rect = cursorRect();
  rect.setWidth(completer_->popup()->sizeHintForColumn(0) + completer_->popup()->verticalScrollBar()->sizeHint().width());
  completer_->complete(rect);
}

}  // namespace verdict::studio
