#pragma once
// The policy history for compliance: every published version with who wrote it, who approved it,
// their comments and the dates, and the changes between any two versions.
#include <QWidget>

#include "app/studio_context.hpp"
#include "compliance/compliance_models.hpp"

class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace verdict::studio {

class DiffWidget;

class HistoryView : public QWidget {
  Q_OBJECT
 public:
  HistoryView(StudioContext& context, QWidget* parent = nullptr);

  bool refresh();
  /// Shows the changes from version `from` to version `to`; false with the reason shown.
  bool showDiff(int from, int to);
  HistoryModel& model() { return model_; }
  QString lastMessage() const;
  DiffWidget& diff() { return *diff_; }

 private:
  StudioContext& context_;
  HistoryModel model_;
  QLineEdit* policy_;
  QTableView* table_;
  QComboBox* from_;
  QComboBox* to_;
  DiffWidget* diff_;
  QLabel* message_;
};

}  // namespace verdict::studio
