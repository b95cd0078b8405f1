#pragma once
// The studio's main window: a navigation list on the left with every registered view, the views in
// a stack, File / Edit menus over the draft (open, save, undo, redo) and a status bar that says
// where the studio is connected and whether the draft compiles.
#include <QMainWindow>
#include <QMap>

#include "app/studio_context.hpp"
#include "app/view_registry.hpp"

class QListWidget;
class QStackedWidget;
class QLabel;

namespace verdict::studio {

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  MainWindow(StudioContext& context, const ViewRegistry& registry, QWidget* parent = nullptr);

  /// Shows a registered view; false for an unknown id.
  bool showView(const QString& id);
  QWidget* view(const QString& id) const { return views_.value(id); }
  QStringList viewIds() const { return order_; }

  bool openDraft(const QString& path);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void buildMenus();
  bool saveDraft(bool askForName);
  bool maybeSave();
  void updateStatus();
  void updateTitle();

  StudioContext& context_;
  QListWidget* navigation_;
  QStackedWidget* stack_;
  QMap<QString, QWidget*> views_;
  QStringList order_;
  QLabel* connectionLabel_;
  QLabel* compileLabel_;
  QLabel* baselineLabel_;
};

}  // namespace verdict::studio
