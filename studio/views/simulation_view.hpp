#pragma once
// Simulation: choose a history (the decisions in the store, a file, or generated) and filters, run the draft against the live
// version in the background, and read the outcome counts, acceptance rate before -> after, the flip
// matrix, per-rule hits and the flipped applications with a drill-down into one of them.
#include <QFuture>
#include <QWidget>

#include "app/studio_context.hpp"
#include "app/view_registry.hpp"
#include "simulation/simulation_controller.hpp"

class QLineEdit;
class QComboBox;
class QDateEdit;
class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;
class QTreeWidget;
class QStandardItemModel;

namespace verdict::studio {

class SimulationView : public QWidget, public BackgroundWork {
  Q_OBJECT
 public:
  SimulationView(StudioContext& context, QWidget* parent = nullptr);

  SimulationController& controller() { return controller_; }
  bool busy() const override { return loading_ || controller_.running() || pendingRun_; }
  /// Runs as soon as the history being loaded is ready (start-up with --history --simulate).
  void runWhenReady() { pendingRun_ = true; }
  /// Loads a history file (in the background) and reports errors in the view.
  void openHistory(const QString& path);
  void generateHistory(std::size_t count, std::uint64_t seed);
  /// Loads the decisions received from `from` to `to` (whole days, UTC) from the connection's store,
  /// in the chosen channel and shop, in the background.
  void loadFromStore(const QDate& from, const QDate& to);
  /// Runs with the current filters; false when it could not start (the view says why).
  bool run();
  /// Shows the drill-down for the i-th flipped application in the table.
  void showFlipped(int row);

 signals:
  void historyReady();

 private:
  using HistoryResult = expected<std::unique_ptr<HistorySource>, QString>;
  void adoptHistory(QFuture<HistoryResult> loading);
  HistoryFilter filter() const;
  void showResult();
  void setBusy(bool busy);

  StudioContext& context_;
  SimulationController controller_;
  QLineEdit* historyPath_;
  QLabel* historyLabel_;
  QCheckBox* useDates_;
  QDateEdit* from_;
  QDateEdit* to_;
  QComboBox* channel_;
  QComboBox* product_;
  QLineEdit* shop_;
  QSpinBox* threads_;
  QPushButton* runButton_;
  QPushButton* cancelButton_;
  QProgressBar* progress_;
  QLabel* summary_;
  QStandardItemModel* outcomes_;
  QStandardItemModel* flips_;
  QStandardItemModel* rules_;
  QStandardItemModel* flipped_;
  QTableView* flippedTable_;
  QTreeWidget* drill_;
  bool loading_ = false;
  bool pendingRun_ = false;
};

}  // namespace verdict::studio
