#include "views/publish_view.hpp"

#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include "views/diff_widget.hpp"

namespace verdict::studio {

namespace {
QTableWidget* table(const QStringList& headers) {
  auto* t = new QTableWidget(0, static_cast<int>(headers.size()));
  t->setHorizontalHeaderLabels(headers);
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->setSelectionBehavior(QAbstractItemView::SelectRows);
  t->setSelectionMode(QAbstractItemView::SingleSelection);
  t->verticalHeader()->hide();
  t->horizontalHeader()->setStretchLastSection(true);
  t->setAlternatingRowColors(true);
  return t;
}
QString when(const QDateTime& t) { return t.isValid() ? t.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm")) : QString(); }
}  // namespace

PublishView::PublishView(StudioContext& context, QWidget* parent)
    : QWidget(parent),
      context_(context),
      diff_(new DiffWidget),
      changes_(new QLabel),
      comment_(new QPlainTextEdit),
      request_(new QPushButton(QIcon::fromTheme(QStringLiteral("mail-send")), tr("Request approval"))),
      user_(new QLabel),
      message_(new QLabel),
      requests_(table({tr("Requested"), tr("Policy"), tr("Author"), tr("State"), tr("Reviewed by"), tr("Comment"),
                       tr("Review comment")})),
      history_(table({tr("Version"), tr("Published"), tr("Author"), tr("Approved by"), tr("Hash"), tr("Comment")})) {
  auto* layout = new QVBoxLayout(this);
  auto* top = new QHBoxLayout;
  top->addWidget(user_, 1);
  auto* reload = new QPushButton(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Refresh"));
  top->addWidget(reload);
  layout->addLayout(top);

  auto* splitter = new QSplitter(Qt::Vertical);
  auto* draftBox = new QGroupBox(tr("1. The draft's changes"));
  auto* draftLayout = new QHBoxLayout(draftBox);
  auto* diffColumn = new QVBoxLayout;
  diffColumn->addWidget(changes_);
  diff_->setObjectName(QStringLiteral("publishDiff"));
  diffColumn->addWidget(diff_, 1);
  draftLayout->addLayout(diffColumn, 3);
  auto* commentColumn = new QVBoxLayout;
  commentColumn->addWidget(new QLabel(tr("Why (required; the approver and the audit log see it):")));
  comment_->setObjectName(QStringLiteral("publishComment"));
  comment_->setPlaceholderText(tr("e.g. Refer more thin-file applicants after the Q3 write-off review (simulated: -1.2 pt acceptance)"));
  commentColumn->addWidget(comment_, 1);
  commentColumn->addWidget(request_);
  draftLayout->addLayout(commentColumn, 2);
  splitter->addWidget(draftBox);

  auto* requestsBox = new QGroupBox(tr("2. Approval requests (a second analyst approves; then publish)"));
  auto* requestsLayout = new QVBoxLayout(requestsBox);
  requests_->setObjectName(QStringLiteral("approvalRequests"));
  requestsLayout->addWidget(requests_, 1);
  auto* actions = new QHBoxLayout;
  auto* approve = new QPushButton(QIcon::fromTheme(QStringLiteral("dialog-ok-apply")), tr("Approve..."));
  auto* reject = new QPushButton(QIcon::fromTheme(QStringLiteral("dialog-cancel")), tr("Reject..."));
  auto* publishButton = new QPushButton(QIcon::fromTheme(QStringLiteral("go-up")), tr("Publish"));
  actions->addWidget(approve);
  actions->addWidget(reject);
  actions->addWidget(publishButton);
  actions->addWidget(message_, 1);
  requestsLayout->addLayout(actions);
  splitter->addWidget(requestsBox);

  auto* historyBox = new QGroupBox(tr("3. Published versions"));
  auto* historyLayout = new QVBoxLayout(historyBox);
  history_->setObjectName(QStringLiteral("publishedVersions"));
  historyLayout->addWidget(history_);
  splitter->addWidget(historyBox);
  layout->addWidget(splitter, 1);
  message_->setWordWrap(true);

  connect(reload, &QPushButton::clicked, this, &PublishView::refresh);
  connect(request_, &QPushButton::clicked, this, [this] {
    if (requestApproval(comment_->toPlainText())) comment_->clear();
  });
  auto reviewWith = [this](bool ok) {
    const int row = requests_->currentRow();
    if (row < 0) return;
    bool given = false;
    const QString comment = QInputDialog::getMultiLineText(this, ok ? tr("Approve") : tr("Reject"),
                                                           tr("Comment (required)"), {}, &given);
    if (given) review(row, ok, comment);
  };
  connect(approve, &QPushButton::clicked, this, [reviewWith] { reviewWith(true); });
  connect(reject, &QPushButton::clicked, this, [reviewWith] { reviewWith(false); });
  connect(publishButton, &QPushButton::clicked, this, [this] { publish(requests_->currentRow()); });
  connect(&context_.draft(), &PolicyDocument::contentChanged, this, [this] {
    const int n = diff_->showDiff(context_.baseline(), context_.draft().data());
    changes_->setText(tr("%n change(s) against %1", nullptr, n).arg(context_.baselineLabel()));
  });
  connect(&context_, &StudioContext::publisherChanged, this, &PublishView::refresh);
  connect(&context_, &StudioContext::baselineChanged, this, &PublishView::refresh);
  refresh();
}

void PublishView::say(const QString& message, bool error) {
  message_->setText(error ? QStringLiteral("<span style='color:#b00'>%1</span>").arg(message.toHtmlEscaped())
                          : message.toHtmlEscaped());
}

QString PublishView::lastMessage() const { return message_->text(); }

void PublishView::refresh() {
  PolicyPublisher* publisher = context_.publisher();
  user_->setText(tr("Acting as <b>%1</b> — %2").arg(publisher->currentUser().toHtmlEscaped(), publisher->describe().toHtmlEscaped()));
  const int n = diff_->showDiff(context_.baseline(), context_.draft().data());
  changes_->setText(tr("%n change(s) against %1", nullptr, n).arg(context_.baselineLabel()));

  requests_->setRowCount(0);
  requestIds_.clear();
  if (auto requests = publisher->requests()) {
    for (const ApprovalRequest& r : *requests) {
      const int row = requests_->rowCount();
      requests_->insertRow(row);
      const QStringList cells = {when(r.info.requestedAt), tr("%1 v%2").arg(r.info.name).arg(r.info.version), r.info.author,
                                 toString(r.info.state), r.info.approver, r.info.comment, r.info.reviewComment};
      for (int c = 0; c < cells.size(); ++c) requests_->setItem(row, c, new QTableWidgetItem(cells[c]));
      requestIds_.push_back(r.id);
    }
  } else {
    say(requests.error(), true);
  }
  requests_->resizeColumnsToContents();

  history_->setRowCount(0);
  if (auto versions = publisher->history()) {
    for (const PolicyVersionInfo& v : *versions) {
      const int row = history_->rowCount();
      history_->insertRow(row);
      const QStringList cells = {tr("%1 v%2").arg(v.name).arg(v.version), when(v.publishedAt), v.author, v.approver,
                                 v.contentHash.left(12), v.comment};
      for (int c = 0; c < cells.size(); ++c) history_->setItem(row, c, new QTableWidgetItem(cells[c]));
    }
  }
  history_->resizeColumnsToContents();
}

QString PublishView::selectedRequest(int row) const {
  return row >= 0 && static_cast<std::size_t>(row) < requestIds_.size() ? requestIds_[static_cast<std::size_t>(row)] : QString();
}

bool PublishView::requestApproval(const QString& comment) {
  auto id = context_.publisher()->requestApproval(context_.proposal(), comment);
  if (!id) {
    say(id.error(), true);
    return false;
  }
  refresh();
  say(tr("Sent for approval."), false);
  return true;
}

bool PublishView::review(int row, bool approve, const QString& comment) {
  const QString id = selectedRequest(row);
  if (id.isEmpty()) return false;
  auto done = approve ? context_.publisher()->approve(id, comment) : context_.publisher()->reject(id, comment);
  if (!done) {
    say(done.error(), true);
    return false;
  }
  refresh();
  say(approve ? tr("Approved.") : tr("Rejected."), false);
  return true;
}

bool PublishView::publish(int row) {
  const QString id = selectedRequest(row);
  if (id.isEmpty()) return false;
  auto published = context_.publisher()->publish(id);
  if (!published) {
    say(published.error(), true);
    return false;
  }
  QString error;
  context_.reloadBaseline(&error);
  refresh();
  say(tr("Published %1 v%2.").arg(published->name).arg(published->version), false);
  return true;
}

}  // namespace verdict::studio
