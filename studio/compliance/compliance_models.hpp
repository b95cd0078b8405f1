#pragma once
// Table models over what the approval and compliance stores return: approval requests, and the
// policy history (every published version with its author, approver, comments and dates), and the
// human review queue (referred and contested decisions, who holds them, what a person decided).
#include <QAbstractTableModel>
#include <vector>

#include "store/approval_store.hpp"
#include "store/compliance_store.hpp"
#include "store/review_store.hpp"

namespace verdict::studio {

class ApprovalsModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Id, Policy, Status, Author, Submitted, Comment, Decision, ColumnCount };
  using QAbstractTableModel::QAbstractTableModel;

  void setRequests(std::vector<store::ApprovalRequest> requests);
  const store::ApprovalRequest* request(int row) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  std::vector<store::ApprovalRequest> requests_;
};

class HistoryModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Version, Published, Author, Approver, Status, Comment, ApprovalComment, Hash, ColumnCount };
  using QAbstractTableModel::QAbstractTableModel;

  void setEntries(std::vector<store::HistoryEntry> entries);
  const store::HistoryEntry* entry(int row) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  std::vector<store::HistoryEntry> entries_;
};

class ReviewQueueModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column { Decision, Kind, Status, Waiting, Automated, Channel, Shop, ClaimedBy, Final, DecidedBy, Reason, ColumnCount };
  using QAbstractTableModel::QAbstractTableModel;

  void setItems(std::vector<store::ReviewItem> items);
  const store::ReviewItem* item(int row) const;
  /// The row of `decision_id`, or -1.
  int rowOf(const std::string& decision_id) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

 private:
  std::vector<store::ReviewItem> items_;
};

}  // namespace verdict::studio
