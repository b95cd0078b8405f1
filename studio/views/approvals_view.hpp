#pragma once
// Four-eyes approvals against the store: the requests (awaiting approval by default, or all), and
// approve / reject with a mandatory comment as the connected user. The store decides who may:
// its refusal (the author approving their own request, a missing role) is shown as it says it.
#include <QWidget>

#include "app/studio_context.hpp"
#include "compliance/compliance_models.hpp"

class QCheckBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace verdict::studio {

class ApprovalsView : public QWidget {
  Q_OBJECT
 public:
  ApprovalsView(StudioContext& context, QWidget* parent = nullptr);

  /// Re-reads the requests; false (with the message shown) when the store cannot be reached.
  bool refresh();
  /// Approves or rejects the request in `row` with `comment`; false with the store's refusal shown.
  bool decide(int row, bool approve, const QString& comment);
  QString lastMessage() const;
  ApprovalsModel& model() { return model_; }

 private:
  void say(const QString& message, bool error);

  StudioContext& context_;
  ApprovalsModel model_;
  QTableView* table_;
  QCheckBox* awaitingOnly_;
  QLineEdit* comment_;
  QLabel* user_;
  QLabel* message_;
};

}  // namespace verdict::studio
