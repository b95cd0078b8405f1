#include "views/approvals_view.hpp"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

#include "compliance/store_access.hpp"

namespace verdict::studio {

ApprovalsView::ApprovalsView(StudioContext& context, QWidget* parent) : QWidget(parent), context_(context) {
  auto* layout = new QVBoxLayout(this);
  auto* top = new QHBoxLayout;
  user_ = new QLabel(this);
  awaitingOnly_ = new QCheckBox(tr("Awaiting approval only"), this);
  awaitingOnly_->setChecked(true);
  auto* reload = new QPushButton(tr("Refresh"), this);
  top->addWidget(user_, 1);
  top->addWidget(awaitingOnly_);
  top->addWidget(reload);
  layout->addLayout(top);

  table_ = new QTableView(this);
  table_->setModel(&model_);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->hide();
  layout->addWidget(table_, 1);

  auto* bottom = new QHBoxLayout;
  comment_ = new QLineEdit(this);
  comment_->setPlaceholderText(tr("Comment (mandatory): what you checked and why you decide so"));
  auto* approve = new QPushButton(tr("Approve"), this);
  auto* reject = new QPushButton(tr("Reject"), this);
  bottom->addWidget(comment_, 1);
  bottom->addWidget(approve);
  bottom->addWidget(reject);
  layout->addLayout(bottom);
  message_ = new QLabel(this);
  message_->setWordWrap(true);
  layout->addWidget(message_);

  auto selected = [this] {
    const auto rows = table_->selectionModel()->selectedRows();
    return rows.isEmpty() ? -1 : rows.first().row();
  };
  connect(reload, &QPushButton::clicked, this, [this] { refresh(); });
  connect(awaitingOnly_, &QCheckBox::toggled, this, [this] { refresh(); });
  connect(approve, &QPushButton::clicked, this, [this, selected] { decide(selected(), true, comment_->text()); });
  connect(reject, &QPushButton::clicked, this, [this, selected] { decide(selected(), false, comment_->text()); });
  connect(&context_, &StudioContext::settingsChanged, this, [this] { refresh(); });
  refresh();
}

bool ApprovalsView::refresh() {
  auto store = openApprovals(context_.settings());
  if (!store) {
    model_.setRequests({});
    user_->setText(tr("Not connected"));
    say(tr("Cannot read approval requests: %1").arg(store.error()), true);
    return false;
  }
  QStringList roles;
  if (auto held = (*store)->roles())
    for (auto role : *held) roles << QString::fromStdString(std::string(store::to_string(role)));
  user_->setText(tr("Acting as %1 (%2)")
                     .arg(QString::fromStdString((*store)->identity()),
                          roles.isEmpty() ? tr("no role") : roles.join(QStringLiteral(", "))));
  store::RequestFilter filter;
  if (awaitingOnly_->isChecked()) filter.status = store::RequestStatus::AwaitingApproval;
  auto requests = (*store)->list(filter);
  if (!requests) {
    say(tr("Cannot read approval requests: %1").arg(QString::fromStdString(requests.error().message)), true);
    return false;
  }
  model_.setRequests(std::move(*requests));
  table_->resizeColumnsToContents();
  return true;
}

bool ApprovalsView::decide(int row, bool approve, const QString& comment) {
  const auto* request = model_.request(row);
  if (!request) {
    say(tr("Select a request first."), true);
    return false;
  }
  const auto id = request->id;
  auto store = openApprovals(context_.settings());
  if (!store) {
    say(store.error(), true);
    return false;
  }
  auto done = approve ? (*store)->approve(id, comment.toStdString()) : (*store)->reject(id, comment.toStdString());
  if (!done) {
    say(tr("Refused: %1").arg(QString::fromStdString(done.error().message)), true);
    return false;
  }
  comment_->clear();
  refresh();
  say(tr("Request %1 %2.").arg(id).arg(approve ? tr("approved") : tr("rejected")), false);
  return true;
}

QString ApprovalsView::lastMessage() const { return message_->text(); }

void ApprovalsView::say(const QString& message, bool error) {
  message_->setText(message);
  message_->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QStringLiteral("color: #1b5e20;"));
}

}  // namespace verdict::studio
