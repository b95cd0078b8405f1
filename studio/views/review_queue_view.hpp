#pragma once
// The human review queue (GDPR art. 22): referred decisions and contested ones waiting for a person.
// Filter by status, kind, channel and shop; claim an item (of two reviewers exactly one gets it, the
// other is told who holds it), read why it was referred — the stored record's explanation and the
// item's audit trail beside it — and decide ACCEPT / ACCEPT_SIM_ONLY / REJECT with a mandatory reason,
// or release it. A decision a customer contests can be overridden by id, with a reason. The acting
// user is the connection's (the database login in production); acting needs the fraud role.
#include <QWidget>
#include <functional>

#include "app/studio_context.hpp"
#include "compliance/compliance_models.hpp"

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QTableView;

namespace verdict::studio {

class ReviewQueueView : public QWidget {
  Q_OBJECT
 public:
  ReviewQueueView(StudioContext& context, QWidget* parent = nullptr);

  /// Which items the list shows: open (pending or claimed, the default), one status, or all.
  enum class Show { Open, Pending, Claimed, Decided, All };
  void setShow(Show show);
  void setChannelFilter(const QString& channel);  // empty: every channel
  void setShopFilter(const QString& shop);        // empty: every shop
  void setMineOnly(bool mine);

  /// Re-reads the queue (and who the user is); false with the reason shown.
  bool refresh();
  /// Shows the item's record and audit trail; false when the row is not there.
  bool select(int row);
  bool claim(int row);
  bool release(int row);
  /// `outcome` ACCEPT, ACCEPT_SIM_ONLY or REJECT; `reason` is mandatory.
  bool decide(int row, const QString& outcome, const QString& reason);
  /// A stored decision that is not waiting for review gets a new final outcome.
  bool overrideDecision(const QString& decisionId, const QString& outcome, const QString& reason);

  QString identity() const { return identity_; }
  QString lastMessage() const;
  QString explanationText() const;
  QString auditText() const;
  ReviewQueueModel& model() { return model_; }

 private:
  bool mayAct();
  bool act(int row, const char* doing, const std::function<expected<store::ReviewItem, store::ReviewError>(
                                            store::ReviewStore&, const std::string&)>& action);
  void showDetail(const std::string& decisionId);
  int selectedRow() const;
  void say(const QString& message, bool error);

  StudioContext& context_;
  ReviewQueueModel model_;
  QString identity_;
  bool fraudRole_ = false;
  QLabel* user_;
  QComboBox* show_;
  QComboBox* kind_;
  QComboBox* channel_;
  QLineEdit* shop_;
  QCheckBox* mine_;
  QTableView* table_;
  QPlainTextEdit* explanation_;
  QPlainTextEdit* audit_;
  QComboBox* outcome_;
  QLineEdit* reason_;
  QLineEdit* overrideId_;
  QLabel* message_;
};

}  // namespace verdict::studio
