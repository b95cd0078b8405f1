#include "views/review_queue_view.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>

#include "compliance/record_text.hpp"
#include "compliance/store_access.hpp"

namespace verdict::studio {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

constexpr std::size_t listed_at_most = 500;

}  // namespace

ReviewQueueView::ReviewQueueView(StudioContext& context, QWidget* parent) : QWidget(parent), context_(context) {
  auto* layout = new QVBoxLayout(this);
  auto* top = new QHBoxLayout;
  user_ = new QLabel(this);
  show_ = new QComboBox(this);
  show_->addItem(tr("Open (pending or claimed)"), static_cast<int>(Show::Open));
  show_->addItem(tr("Pending"), static_cast<int>(Show::Pending));
  show_->addItem(tr("Claimed"), static_cast<int>(Show::Claimed));
  show_->addItem(tr("Decided"), static_cast<int>(Show::Decided));
  show_->addItem(tr("All"), static_cast<int>(Show::All));
  kind_ = new QComboBox(this);
  kind_->addItem(tr("Referrals and contested"), QString());
  kind_->addItem(tr("Referrals"), QStringLiteral("referral"));
  kind_->addItem(tr("Contested (overrides)"), QStringLiteral("override"));
  channel_ = new QComboBox(this);
  channel_->addItem(tr("Every channel"), QString());
  channel_->addItem(QStringLiteral("shop"), QStringLiteral("shop"));
  channel_->addItem(QStringLiteral("web"), QStringLiteral("web"));
  shop_ = new QLineEdit(this);
  shop_->setPlaceholderText(tr("shop id"));
  shop_->setClearButtonEnabled(true);
  mine_ = new QCheckBox(tr("Mine only"), this);
  auto* reload = new QPushButton(tr("Refresh"), this);
  top->addWidget(user_, 1);
  top->addWidget(show_);
  top->addWidget(kind_);
  top->addWidget(channel_);
  top->addWidget(shop_);
  top->addWidget(mine_);
  top->addWidget(reload);
  layout->addLayout(top);

  auto* split = new QSplitter(Qt::Horizontal, this);
  table_ = new QTableView(split);
  table_->setModel(&model_);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->hide();
  auto* detail = new QWidget(split);
  auto* detailLayout = new QVBoxLayout(detail);
  detailLayout->setContentsMargins(0, 0, 0, 0);
  explanation_ = new QPlainTextEdit(detail);
  explanation_->setReadOnly(true);
  explanation_->setPlaceholderText(tr("Select an item to see why it was referred."));
  audit_ = new QPlainTextEdit(detail);
  audit_->setReadOnly(true);
  audit_->setMaximumHeight(140);
  detailLayout->addWidget(new QLabel(tr("Why (the stored decision and its explanation)"), detail));
  detailLayout->addWidget(explanation_, 1);
  detailLayout->addWidget(new QLabel(tr("Audit trail"), detail));
  detailLayout->addWidget(audit_);
  split->addWidget(table_);
  split->addWidget(detail);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  layout->addWidget(split, 1);

  auto* act = new QHBoxLayout;
  auto* claimButton = new QPushButton(tr("Claim"), this);
  auto* releaseButton = new QPushButton(tr("Release"), this);
  outcome_ = new QComboBox(this);
  for (const char* o : {"ACCEPT", "ACCEPT_SIM_ONLY", "REJECT"}) outcome_->addItem(QString::fromLatin1(o));
  reason_ = new QLineEdit(this);
  reason_->setPlaceholderText(tr("Reason (mandatory): what you checked and why you decide so"));
  auto* decideButton = new QPushButton(tr("Decide"), this);
  act->addWidget(claimButton);
  act->addWidget(releaseButton);
  act->addWidget(new QLabel(tr("Final outcome"), this));
  act->addWidget(outcome_);
  act->addWidget(reason_, 1);
  act->addWidget(decideButton);
  layout->addLayout(act);

  auto* contested = new QGroupBox(tr("A customer contests an automated decision"), this);
  auto* contestedLayout = new QHBoxLayout(contested);
  overrideId_ = new QLineEdit(contested);
  overrideId_->setPlaceholderText(tr("decision id"));
  auto* overrideButton = new QPushButton(tr("Override with the outcome and reason above"), contested);
  contestedLayout->addWidget(overrideId_, 1);
  contestedLayout->addWidget(overrideButton);
  layout->addWidget(contested);

  message_ = new QLabel(this);
  message_->setWordWrap(true);
  layout->addWidget(message_);

  connect(reload, &QPushButton::clicked, this, [this] { refresh(); });
  for (QComboBox* box : {show_, kind_, channel_})
    connect(box, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
  connect(shop_, &QLineEdit::editingFinished, this, [this] { refresh(); });
  connect(mine_, &QCheckBox::toggled, this, [this] { refresh(); });
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) { select(current.row()); });
  connect(claimButton, &QPushButton::clicked, this, [this] { claim(selectedRow()); });
  connect(releaseButton, &QPushButton::clicked, this, [this] { release(selectedRow()); });
  connect(decideButton, &QPushButton::clicked, this,
          [this] { decide(selectedRow(), outcome_->currentText(), reason_->text()); });
  connect(overrideButton, &QPushButton::clicked, this,
          [this] { overrideDecision(overrideId_->text().trimmed(), outcome_->currentText(), reason_->text()); });
  connect(&context_, &StudioContext::settingsChanged, this, [this] { refresh(); });
  refresh();
}

void ReviewQueueView::setShow(Show show) { show_->setCurrentIndex(show_->findData(static_cast<int>(show))); }
void ReviewQueueView::setChannelFilter(const QString& channel) { channel_->setCurrentIndex(std::max(0, channel_->findData(channel))); }
void ReviewQueueView::setShopFilter(const QString& shop) {
  shop_->setText(shop);
  refresh();
}
void ReviewQueueView::setMineOnly(bool mine) { mine_->setChecked(mine); }

bool ReviewQueueView::refresh() {
  // Who acts: the embedded user, or the database login; the approval store knows both and the roles.
  identity_.clear();
  fraudRole_ = false;
  auto people = openApprovals(context_.settings());
  if (people) {
    identity_ = q((*people)->identity());
    QStringList roles;
    if (auto held = (*people)->roles())
      for (auto role : *held) {
        roles << q(std::string(store::to_string(role)));
        fraudRole_ = fraudRole_ || role == store::Role::Fraud;
      }
    user_->setText(tr("Reviewing as %1 (%2)").arg(identity_, roles.isEmpty() ? tr("no role") : roles.join(QStringLiteral(", "))));
  } else {
    user_->setText(tr("Not connected"));
  }
  auto reviews = openReviews(context_.settings());
  if (!reviews) {
    model_.setItems({});
    say(tr("Cannot read the review queue: %1").arg(reviews.error()), true);
    return false;
  }
  store::ReviewFilter filter;
  filter.kind = kind_->currentData().toString().toStdString();
  filter.channel = channel_->currentData().toString().toStdString();
  filter.shop_id = shop_->text().trimmed().toStdString();
  if (mine_->isChecked()) filter.claimed_by = identity_.toStdString();
  filter.limit = listed_at_most;
  std::vector<std::string> statuses;
  switch (static_cast<Show>(show_->currentData().toInt())) {
    case Show::Open: statuses = {"pending", "claimed"}; break;
    case Show::Pending: statuses = {"pending"}; break;
    case Show::Claimed: statuses = {"claimed"}; break;
    case Show::Decided: statuses = {"decided"}; break;
    case Show::All: statuses = {""}; break;
  }
  std::vector<store::ReviewItem> items;
  for (const auto& status : statuses) {
    filter.status = status;
    auto listed = (*reviews)->list(filter);
    if (!listed) {
      say(tr("Cannot read the review queue: %1").arg(q(listed.error().message)), true);
      return false;
    }
    items.insert(items.end(), std::make_move_iterator(listed->begin()), std::make_move_iterator(listed->end()));
  }
  // Oldest first, as the store lists each status: the longest-waiting customer is at the top.
  std::stable_sort(items.begin(), items.end(),
                   [](const auto& a, const auto& b) { return a.created_at_ms < b.created_at_ms; });
  const int shownRow = selectedRow();
  const std::string shown = model_.item(shownRow) ? model_.item(shownRow)->decision_id : std::string();
  model_.setItems(std::move(items));
  table_->resizeColumnsToContents();
  // The item shown stays shown; with none, the longest-waiting one is, so its explanation is at hand.
  if (const int row = model_.rowOf(shown); row >= 0) table_->selectRow(row);
  else if (model_.rowCount() > 0) table_->selectRow(0);
  say(tr("%n item(s) in the list.", nullptr, model_.rowCount()), false);
  return true;
}

bool ReviewQueueView::select(int row) {
  const auto* item = model_.item(row);
  if (!item) {
    explanation_->clear();
    audit_->clear();
    return false;
  }
  showDetail(item->decision_id);
  return true;
}

void ReviewQueueView::showDetail(const std::string& decisionId) {
  explanation_->clear();
  audit_->clear();
  auto compliance = openCompliance(context_.settings());
  if (!compliance) {
    explanation_->setPlainText(tr("Cannot read the decision: %1").arg(compliance.error()));
    return;
  }
  auto record = (*compliance)->decision(decisionId);
  if (!record) explanation_->setPlainText(tr("Cannot read the decision: %1").arg(q(record.error().message)));
  else if (!*record) explanation_->setPlainText(tr("Decision %1 is not in the store.").arg(q(decisionId)));
  else explanation_->setPlainText(explainRecord(**record));

  auto reviews = openReviews(context_.settings());
  if (!reviews) return;
  auto entries = (*reviews)->audit("decision:" + decisionId);
  if (!entries) {
    audit_->setPlainText(tr("Cannot read the audit trail: %1").arg(q(entries.error().message)));
    return;
  }
  QString text;
  for (const auto& e : *entries)
    text += QStringLiteral("%1  %2  %3  %4\n").arg(whenMs(e.at_ms), q(e.actor), q(e.action), q(e.details));
  audit_->setPlainText(text.isEmpty() ? tr("Nobody has acted on it yet.") : text);
}

bool ReviewQueueView::mayAct() {
  if (identity_.isEmpty()) {
    say(tr("Not connected: nobody to act as."), true);
    return false;
  }
  if (!fraudRole_) {
    say(tr("%1 does not have the fraud role, which reviewing needs.").arg(identity_), true);
    return false;
  }
  return true;
}

bool ReviewQueueView::act(int row, const char* doing,
                          const std::function<expected<store::ReviewItem, store::ReviewError>(
                              store::ReviewStore&, const std::string&)>& action) {
  const auto* item = model_.item(row);
  if (!item) {
    say(tr("Select an item first."), true);
    return false;
  }
  if (!mayAct()) return false;
  const std::string id = item->decision_id;
  auto reviews = openReviews(context_.settings());
  if (!reviews) {
    say(reviews.error(), true);
    return false;
  }
  auto done = action(**reviews, id);
  if (!done) {
    say(tr("Refused (%1): %2").arg(tr(doing), q(done.error().message)), true);
    return false;
  }
  refresh();
  if (const int at = model_.rowOf(id); at >= 0) table_->selectRow(at);
  showDetail(id);
  say(tr("%1: %2 is now %3%4.")
          .arg(tr(doing), q(id.substr(0, 8)), q(done->status),
               done->final_outcome.empty() ? QString() : QStringLiteral(" (%1)").arg(q(done->final_outcome))),
      false);
  return true;
}

bool ReviewQueueView::claim(int row) {
  const std::string me = identity_.toStdString();
  return act(row, QT_TR_NOOP("claim"), [&](store::ReviewStore& s, const std::string& id) { return s.claim(id, me); });
}

bool ReviewQueueView::release(int row) {
  const std::string me = identity_.toStdString();
  return act(row, QT_TR_NOOP("release"), [&](store::ReviewStore& s, const std::string& id) { return s.release(id, me); });
}

bool ReviewQueueView::decide(int row, const QString& outcome, const QString& reason) {
  const std::string me = identity_.toStdString(), o = outcome.toStdString(), why = reason.trimmed().toStdString();
  const bool done =
      act(row, QT_TR_NOOP("decide"), [&](store::ReviewStore& s, const std::string& id) { return s.decide(id, me, o, why); });
  if (done) reason_->clear();
  return done;
}

bool ReviewQueueView::overrideDecision(const QString& decisionId, const QString& outcome, const QString& reason) {
  if (decisionId.isEmpty()) {
    say(tr("Give the id of the decision the customer contests."), true);
    return false;
  }
  if (!mayAct()) return false;
  auto reviews = openReviews(context_.settings());
  if (!reviews) {
    say(reviews.error(), true);
    return false;
  }
  const std::string id = decisionId.toStdString();
  auto done = (*reviews)->override_decision(id, identity_.toStdString(), outcome.toStdString(),
                                            reason.trimmed().toStdString());
  if (!done) {
    say(tr("Refused (override): %1").arg(q(done.error().message)), true);
    return false;
  }
  reason_->clear();
  overrideId_->clear();
  refresh();
  showDetail(id);
  say(tr("override: %1 is now %2 (%3, was %4).")
          .arg(q(id.substr(0, 8)), q(done->status), q(done->final_outcome), q(done->automated_outcome)),
      false);
  return true;
}

int ReviewQueueView::selectedRow() const {
  const auto rows = table_->selectionModel()->selectedRows();
  return rows.isEmpty() ? -1 : rows.first().row();
}

QString ReviewQueueView::lastMessage() const { return message_->text(); }
QString ReviewQueueView::explanationText() const { return explanation_->toPlainText(); }
QString ReviewQueueView::auditText() const { return audit_->toPlainText(); }

void ReviewQueueView::say(const QString& message, bool error) {
  message_->setText(message);
  message_->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QStringLiteral("color: #1b5e20;"));
}

}  // namespace verdict::studio
