#include "compliance/compliance_models.hpp"

#include <QBrush>
#include <QColor>

#include "compliance/store_access.hpp"

namespace verdict::studio {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

void ApprovalsModel::setRequests(std::vector<store::ApprovalRequest> requests) {
  beginResetModel();
  requests_ = std::move(requests);
  endResetModel();
}

const store::ApprovalRequest* ApprovalsModel::request(int row) const {
  return row >= 0 && static_cast<std::size_t>(row) < requests_.size() ? &requests_[static_cast<std::size_t>(row)] : nullptr;
}

int ApprovalsModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(requests_.size());
}
int ApprovalsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ApprovalsModel::data(const QModelIndex& index, int role) const {
  const auto* r = request(index.row());
  if (!r || index.column() < 0 || index.column() >= ColumnCount) return {};
  if (role == Qt::ForegroundRole && index.column() == Status && r->approval_pending_after_the_fact())
    return QBrush(QColor(0xb0, 0x50, 0x00));
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
  switch (index.column()) {
    case Id: return QString::number(r->id);
    case Policy:
      return tr("%1 (changes v%2)%3").arg(q(r->policy_name)).arg(r->base_version).arg(
          r->kind == store::RequestKind::FastTrack ? tr(", fast track") : QString());
    case Status: return q(r->status_text());
    case Author: return q(r->author);
    case Submitted: return whenMs(r->submitted_at_ms);
    case Comment: return q(r->comment);
    case Decision:
      if (!r->decision) return QString();
      return tr("%1 by %2: %3").arg(r->decision->approved ? tr("approved") : tr("rejected"), q(r->decision->by),
                                   q(r->decision->comment));
  }
  return {};
}

QVariant ApprovalsModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* names[] = {"#", "Policy", "Status", "Author", "Submitted", "Comment", "Decision"};
  return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

void HistoryModel::setEntries(std::vector<store::HistoryEntry> entries) {
  beginResetModel();
  entries_ = std::move(entries);
  endResetModel();
}

const store::HistoryEntry* HistoryModel::entry(int row) const {
  return row >= 0 && static_cast<std::size_t>(row) < entries_.size() ? &entries_[static_cast<std::size_t>(row)] : nullptr;
}

int HistoryModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(entries_.size());
}
int HistoryModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant HistoryModel::data(const QModelIndex& index, int role) const {
  const auto* e = entry(index.row());
  if (!e || index.column() < 0 || index.column() >= ColumnCount) return {};
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
  switch (index.column()) {
    case Version: return QStringLiteral("v%1").arg(e->version);
    case Published: return whenMs(e->published_at_ms);
    case Author: return q(e->author);
    case Approver: return q(e->approver);
    case Status: return q(e->status);
    case Comment: return q(e->comment);
    case ApprovalComment: return q(e->approval_comment);
    case Hash: return q(e->content_hash);
  }
  return {};
}

QVariant HistoryModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* names[] = {"Version", "Published", "Author", "Approved by", "Status", "Comment", "Approval comment",
                                "Content hash"};
  return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

void ReviewQueueModel::setItems(std::vector<store::ReviewItem> items) {
  beginResetModel();
  items_ = std::move(items);
  endResetModel();
}

const store::ReviewItem* ReviewQueueModel::item(int row) const {
  return row >= 0 && static_cast<std::size_t>(row) < items_.size() ? &items_[static_cast<std::size_t>(row)] : nullptr;
}

int ReviewQueueModel::rowOf(const std::string& decision_id) const {
  for (std::size_t i = 0; i < items_.size(); ++i)
    if (items_[i].decision_id == decision_id) return static_cast<int>(i);
  return -1;
}

int ReviewQueueModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(items_.size());
}
int ReviewQueueModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ReviewQueueModel::data(const QModelIndex& index, int role) const {
  const auto* r = item(index.row());
  if (!r || index.column() < 0 || index.column() >= ColumnCount) return {};
  if (role == Qt::ForegroundRole && index.column() == Status) {
    if (r->status == "pending") return QBrush(QColor(0xb0, 0x50, 0x00));
    if (r->status == "decided") return QBrush(QColor(0x1b, 0x5e, 0x20));
    return {};
  }
  if (role == Qt::ToolTipRole && index.column() == Decision) return q(r->decision_id);
  if (role != Qt::DisplayRole && role != Qt::ToolTipRole) return {};
  switch (index.column()) {
    // The first block of the UUID tells items apart in a list; the tooltip and the detail show it whole.
    case Decision: return q(r->decision_id.substr(0, 8));
    case Kind: return r->kind == "override" ? tr("contested") : tr("referral");
    case Status: return q(r->status);
    case Waiting: return whenMs(r->created_at_ms);
    case Automated: return q(r->automated_outcome);
    case Channel: return q(r->channel);
    case Shop: return q(r->shop_id);
    case ClaimedBy: return q(r->claimed_by);
    case Final: return q(r->final_outcome);
    case DecidedBy: return q(r->decided_by);
    case Reason: return q(r->reason);
  }
  return {};
}

QVariant ReviewQueueModel::headerData(int section, Qt::Orientation orientation, int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* names[] = {"Decision", "Kind", "Status", "In queue since", "Automated", "Channel", "Shop",
                                "Claimed by", "Final", "Decided by", "Reason"};
  return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

}  // namespace verdict::studio
