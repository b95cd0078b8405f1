#include "app/main_window.hpp"

#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QUndoView>

#include "app/connection_dialog.hpp"
#include "views/quick_action_dialog.hpp"

namespace verdict::studio {

MainWindow::MainWindow(StudioContext& context, const ViewRegistry& registry, QWidget* parent)
    : QMainWindow(parent),
      context_(context),
      navigation_(new QListWidget),
      stack_(new QStackedWidget),
      connectionLabel_(new QLabel),
      compileLabel_(new QLabel),
      baselineLabel_(new QLabel) {
  auto* splitter = new QSplitter;
  navigation_->setObjectName(QStringLiteral("navigation"));
  navigation_->setMaximumWidth(220);
  navigation_->setMinimumWidth(140);
  navigation_->setIconSize(QSize(22, 22));
  splitter->addWidget(navigation_);
  splitter->addWidget(stack_);
  splitter->setStretchFactor(1, 1);
  splitter->setSizes({170, 1400});
  setCentralWidget(splitter);

  for (const ViewDescriptor& d : registry.views()) {
    QWidget* w = d.create(context_, stack_);
    w->setObjectName(d.id);
    stack_->addWidget(w);
    views_.insert(d.id, w);
    order_ << d.id;
    auto* item = new QListWidgetItem(QIcon::fromTheme(d.iconTheme), d.title, navigation_);
    item->setData(Qt::UserRole, d.id);
  }
  connect(navigation_, &QListWidget::currentRowChanged, stack_, &QStackedWidget::setCurrentIndex);
  navigation_->setCurrentRow(0);

  statusBar()->addWidget(compileLabel_, 1);
  statusBar()->addPermanentWidget(baselineLabel_);
  statusBar()->addPermanentWidget(connectionLabel_);
  buildMenus();

  connect(&context_.compiler(), &DraftCompiler::compiled, this, &MainWindow::updateStatus);
  connect(&context_, &StudioContext::baselineChanged, this, &MainWindow::updateStatus);
  connect(&context_, &StudioContext::settingsChanged, this, &MainWindow::updateStatus);
  connect(context_.draft().undoStack(), &QUndoStack::cleanChanged, this, &MainWindow::updateTitle);
  connect(&context_.draft(), &PolicyDocument::metaChanged, this, &MainWindow::updateTitle);
  updateStatus();
  updateTitle();
  resize(1360, 820);
}

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("New draft from the live version"), this, [this] {
    if (!maybeSave()) return;
    context_.draft().load(context_.baseline());
  });
  file->addAction(tr("&Open draft..."), QKeySequence::Open, this, [this] {
    if (!maybeSave()) return;
    const QString path = QFileDialog::getOpenFileName(this, tr("Open draft"), {}, tr("Policies (*.json)"));
    if (!path.isEmpty()) openDraft(path);
  });
  file->addAction(tr("&Save draft"), QKeySequence::Save, this, [this] { saveDraft(false); });
  file->addAction(tr("Save draft &as..."), QKeySequence::SaveAs, this, [this] { saveDraft(true); });
  file->addSeparator();
  file->addAction(tr("&Connection..."), this, [this] {
    ConnectionDialog dialog(context_.settings(), this);
    if (dialog.exec() != QDialog::Accepted) return;
    QSettings settings;
    dialog.settings().save(settings);
    context_.setSettings(dialog.settings());
  });
  file->addSeparator();
  file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undo = context_.draft().undoStack()->createUndoAction(this, tr("&Undo"));
  undo->setShortcut(QKeySequence::Undo);
  QAction* redo = context_.draft().undoStack()->createRedoAction(this, tr("&Redo"));
  redo->setShortcut(QKeySequence::Redo);
  edit->addAction(undo);
  edit->addAction(redo);

  auto* history = new QDockWidget(tr("Edit history"), this);
  history->setObjectName(QStringLiteral("editHistory"));
  history->setWidget(new QUndoView(context_.draft().undoStack()));
  addDockWidget(Qt::RightDockWidgetArea, history);
  history->hide();
  edit->addAction(history->toggleViewAction());

  QMenu* fraud = menuBar()->addMenu(tr("F&raud"));
  fraud->addAction(tr("&Quick action..."), QKeySequence(Qt::CTRL | Qt::Key_B), this, [this] {
    QuickActionDialog dialog(context_.draft(), this);
    if (dialog.exec() == QDialog::Accepted) statusBar()->showMessage(dialog.summary(), 8000);
  });

  QMenu* views = menuBar()->addMenu(tr("&View"));
  for (int i = 0; i < navigation_->count(); ++i) {
    QAction* a = views->addAction(navigation_->item(i)->text(), this, [this, i] { navigation_->setCurrentRow(i); });
    a->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)));
  }
}

bool MainWindow::showView(const QString& id) {
  const auto i = order_.indexOf(id);
  if (i < 0) return false;
  navigation_->setCurrentRow(static_cast<int>(i));
  return true;
}

bool MainWindow::openDraft(const QString& path) {
  QString error;
  if (context_.draft().open(path, &error)) return true;
  QMessageBox::warning(this, tr("Cannot open the draft"), error);
  return false;
}

bool MainWindow::saveDraft(bool askForName) {
  QString path = context_.draft().filePath();
  if (askForName || path.isEmpty()) {
    path = QFileDialog::getSaveFileName(this, tr("Save draft"), path, tr("Policies (*.json)"));
    if (path.isEmpty()) return false;
  }
  QString error;
  if (context_.draft().save(path, &error)) return true;
  QMessageBox::warning(this, tr("Cannot save the draft"), error);
  return false;
}

bool MainWindow::maybeSave() {
  if (!context_.draft().isModified()) return true;
  const auto answer = QMessageBox::question(this, tr("Unsaved draft"), tr("Save the changes to the draft first?"),
                                            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
  if (answer == QMessageBox::Cancel) return false;
  return answer == QMessageBox::Discard || saveDraft(false);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (maybeSave()) event->accept();
  else event->ignore();
}

void MainWindow::updateStatus() {
  connectionLabel_->setText(context_.connectionError().isEmpty()
                                ? context_.settings().describe()
                                : tr("<span style='color:#b00'>Offline (%1): using %2</span>")
                                      .arg(context_.connectionError().toHtmlEscaped(),
                                           context_.publisher()->describe().toHtmlEscaped()));
  baselineLabel_->setText(tr("Compared with: %1").arg(context_.baselineLabel()));
  const DraftCompilation& c = context_.compiler().last();
  const auto rules = context_.draft().data().rules.size();
  if (c.policy)
    compileLabel_->setText(tr("Draft compiles: %1 rules, %2 ms").arg(rules).arg(c.milliseconds, 0, 'f', 1));
  else if (!c.problems.empty())
    compileLabel_->setText(tr("Draft has %1 problem(s); first: %2 %3")
                               .arg(c.problems.size())
                               .arg(QString::fromStdString(c.problems.front().pointer),
                                    QString::fromStdString(c.problems.front().message)));
}

void MainWindow::updateTitle() {
  const auto& d = context_.draft().data();
  setWindowTitle(tr("%1 v%2%3 — Verdict Studio")
                     .arg(QString::fromStdString(d.name))
                     .arg(d.version)
                     .arg(context_.draft().isModified() ? QStringLiteral(" *") : QString()));
}

}  // namespace verdict::studio
