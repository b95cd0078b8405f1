#include "views/decision_view.hpp"

#include <QFormLayout>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QVBoxLayout>
#include <nlohmann/json.hpp>

#include "compliance/record_text.hpp"
#include "compliance/store_access.hpp"
#include "crypto/hashing.hpp"

namespace verdict::studio {

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QString describe(const QString& heading, const compliance::ReplayResult& r) {
  QString text = heading + QStringLiteral(": ") + q(r.summary()) + QStringLiteral("\n");
  text += QObject::tr("  outcome stored %1, replayed %2\n").arg(q(r.stored.value("outcome", "?")), q(r.replayed.value("outcome", "?")));
  for (const auto& d : r.differences) text += QStringLiteral("  %1\n").arg(q(d));
  return text;
}

}  // namespace

DecisionView::DecisionView(StudioContext& context, QWidget* parent) : QWidget(parent), context_(context) {
  auto* layout = new QVBoxLayout(this);
  auto* byId = new QHBoxLayout;
  id_ = new QLineEdit(this);
  id_->setPlaceholderText(tr("decision id, e.g. 3f0c…"));
  auto* show = new QPushButton(tr("Look up"), this);
  byId->addWidget(new QLabel(tr("Decision"), this));
  byId->addWidget(id_, 1);
  byId->addWidget(show);
  layout->addLayout(byId);

  auto* customer = new QGroupBox(tr("An applicant's decisions (identifiers are hashed here, never sent)"), this);
  auto* grid = new QGridLayout(customer);
  lastName_ = new QLineEdit(customer);
  birth_ = new QLineEdit(customer);
  birth_->setPlaceholderText(QStringLiteral("YYYY-MM-DD"));
  postcode_ = new QLineEdit(customer);
  house_ = new QLineEdit(customer);
  key_ = new QLineEdit(qEnvironmentVariable("VERDICT_IDENTIFIER_KEY"), customer);
  key_->setEchoMode(QLineEdit::Password);
  auto* find = new QPushButton(tr("Find"), customer);
  grid->addWidget(new QLabel(tr("Last name"), customer), 0, 0);
  grid->addWidget(lastName_, 0, 1);
  grid->addWidget(new QLabel(tr("Date of birth"), customer), 0, 2);
  grid->addWidget(birth_, 0, 3);
  grid->addWidget(new QLabel(tr("Postcode"), customer), 1, 0);
  grid->addWidget(postcode_, 1, 1);
  grid->addWidget(new QLabel(tr("House number"), customer), 1, 2);
  grid->addWidget(house_, 1, 3);
  grid->addWidget(new QLabel(tr("Identifier key"), customer), 2, 0);
  grid->addWidget(key_, 2, 1, 1, 2);
  grid->addWidget(find, 2, 3);
  layout->addWidget(customer);

  auto* split = new QSplitter(Qt::Horizontal, this);
  found_ = new QListWidget(split);
  record_ = new QPlainTextEdit(split);
  record_->setReadOnly(true);
  auto* right = new QWidget(split);
  auto* rightLayout = new QVBoxLayout(right);
  replay_ = new QPlainTextEdit(right);
  replay_->setReadOnly(true);
  auto* underDraft = new QPushButton(tr("Replay under the draft"), right);
  rightLayout->addWidget(new QLabel(tr("Replay"), right));
  rightLayout->addWidget(replay_, 1);
  rightLayout->addWidget(underDraft);
  split->addWidget(found_);
  split->addWidget(record_);
  split->addWidget(right);
  split->setStretchFactor(1, 2);
  split->setStretchFactor(2, 2);
  layout->addWidget(split, 1);
  message_ = new QLabel(this);
  message_->setWordWrap(true);
  layout->addWidget(message_);

  connect(show, &QPushButton::clicked, this, [this] { lookup(id_->text().trimmed()); });
  connect(id_, &QLineEdit::returnPressed, this, [this] { lookup(id_->text().trimmed()); });
  connect(find, &QPushButton::clicked, this, [this] {
    findCustomer(lastName_->text(), birth_->text(), postcode_->text(), house_->text(), key_->text());
  });
  connect(found_, &QListWidget::itemActivated, this,
          [this](QListWidgetItem* item) { lookup(item->data(Qt::UserRole).toString()); });
  connect(underDraft, &QPushButton::clicked, this, [this] { replayUnderDraft(); });
}

bool DecisionView::lookup(const QString& id) {
  shown_.reset();
  original_.reset();
  record_->clear();
  replay_->clear();
  auto store = openCompliance(context_.settings());
  if (!store) {
    say(store.error(), true);
    return false;
  }
  auto record = (*store)->decision(id.toStdString());
  if (!record) {
    say(q(record.error().message), true);
    return false;
  }
  if (!*record) {
    say(tr("No decision %1.").arg(id), true);
    return false;
  }
  shown_ = std::move(**record);
  id_->setText(id);
  record_->setPlainText(explainRecord(*shown_));

  // The version it was made with: from the store's history, or (embedded, nothing published) the
  // live policy the studio has when it is that very version.
  std::string policy;
  auto stored = (*store)->version_document(shown_->policy_name, shown_->policy_version);
  if (stored && *stored) {
    policy = **stored;
  } else if (context_.baseline().name == shown_->policy_name && context_.baseline().version == shown_->policy_version) {
    policy = encode(context_.baseline()).dump();
  } else {
    say(tr("%1 v%2 is not in the store's policy history, so the decision cannot be replayed under it.")
            .arg(q(shown_->policy_name))
            .arg(shown_->policy_version),
        true);
    return true;
  }
  auto replayed = compliance::replay(*shown_, policy);
  if (!replayed) {
    say(tr("Replay failed: %1").arg(q(replayed.error())), true);
    return true;
  }
  original_ = std::move(*replayed);
  replay_->setPlainText(describe(tr("Under the version it was made with"), *original_));
  const bool exact = original_->reproduced && original_->same_policy;
  say(exact ? tr("Reproduced exactly.") : tr("The replay differs from the stored decision: see the differences."), !exact);
  return true;
}

int DecisionView::findCustomer(const QString& lastName, const QString& dateOfBirth, const QString& postcode,
                               const QString& houseNumber, const QString& identifierKey) {
  found_->clear();
  if (lastName.isEmpty() || dateOfBirth.isEmpty() || postcode.isEmpty() || houseNumber.isEmpty() || identifierKey.isEmpty()) {
    say(tr("Give the last name, date of birth, postcode, house number and the identifier key."), true);
    return -1;
  }
  const std::string last = lastName.toStdString(), birth = dateOfBirth.toStdString(), code = postcode.toStdString(),
                    house = houseNumber.toStdString();
  const std::string key = crypto::customer_key(identifierKey.toStdString(), {last, birth, code, house});
  auto store = openCompliance(context_.settings());
  if (!store) {
    say(store.error(), true);
    return -1;
  }
  auto decisions = (*store)->decisions_by_customer(key);
  if (!decisions) {
    say(q(decisions.error().message), true);
    return -1;
  }
  for (const auto& d : *decisions) {
    auto* item = new QListWidgetItem(QStringLiteral("%1  %2  %3").arg(whenMs(d.received_at_ms), q(d.outcome), q(d.application_id)), found_);
    item->setData(Qt::UserRole, q(d.decision_id));
  }
  say(tr("%n decision(s) for this applicant.", nullptr, static_cast<int>(decisions->size())), false);
  return static_cast<int>(decisions->size());
}

std::optional<compliance::ReplayResult> DecisionView::replayUnderDraft() {
  if (!shown_) {
    say(tr("Look a decision up first."), true);
    return std::nullopt;
  }
  auto replayed = compliance::replay(*shown_, context_.draft().data());
  if (!replayed) {
    say(tr("The draft does not replay: %1").arg(q(replayed.error())), true);
    return std::nullopt;
  }
  QString text = original_ ? describe(tr("Under the version it was made with"), *original_) + QStringLiteral("\n") : QString();
  replay_->setPlainText(text + describe(tr("Under the draft"), *replayed));
  return std::move(*replayed);
}

QString DecisionView::replayText() const { return replay_->toPlainText(); }
QString DecisionView::recordText() const { return record_->toPlainText(); }
QString DecisionView::lastMessage() const { return message_->text(); }

void DecisionView::say(const QString& message, bool error) {
  message_->setText(message);
  message_->setStyleSheet(error ? QStringLiteral("color: #b00020;") : QStringLiteral("color: #1b5e20;"));
}

}  // namespace verdict::studio
