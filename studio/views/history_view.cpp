#include "views/history_view.hpp"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <nlohmann/json.hpp>

#include "compliance/store_access.hpp"
#include "views/diff_widget.hpp"

namespace verdict::studio {

HistoryView::HistoryView(StudioContext& context, QWidget* parent) : QWidget(parent), context_(context) {
  auto* layout = new QVBoxLayout(this);
  auto* top = new QHBoxLayout;
  policy_ = new QLineEdit(QString::fromStdString(context_.baseline().name), this);
  auto* reload = new QPushButton(tr("Show history"), this);
  top->addWidget(new QLabel(tr("Policy"), this));
  top->addWidget(policy_, 1);
  top->addWidget(reload);
  layout->addLayout(top);

  auto* split = new QSplitter(Qt::Vertical, this);
  table_ = new QTableView(split);
  table_->setModel(&model_);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->hide();
  auto* lower = new QWidget(split);
  auto* lowerLayout = new QVBoxLayout(lower);
  auto* pick = new QHBoxLayout;
  from_ = new QComboBox(lower);
  to_ = new QComboBox(lower);
  auto* compare = new QPushButton(tr("Compare"), lower);
  pick->addWidget(new QLabel(tr("Changes from"), lower));
  pick->addWidget(from_);
  pick->addWidget(new QLabel(tr("to"), lower));
  pick->addWidget(to_);
  pick->addWidget(compare);
  pick->addStretch(1);
  lowerLayout->addLayout(pick);
  diff_ = new DiffWidget(lower);
  lowerLayout->addWidget(diff_, 1);
  split->addWidget(table_);
  split->addWidget(lower);
  layout->addWidget(split, 1);
  message_ = new QLabel(this);
  message_->setWordWrap(true);
  layout->addWidget(message_);

  connect(reload, &QPushButton::clicked, this, [this] { refresh(); });
  connect(compare, &QPushButton::clicked, this,
          [this] { showDiff(from_->currentData().toInt(), to_->currentData().toInt()); });
  connect(&context_, &StudioContext::settingsChanged, this, [this] { refresh(); });
  refresh();
}

bool HistoryView::refresh() {
  auto store = openCompliance(context_.settings());
  if (!store) {
    message_->setText(tr("Cannot read the policy history: %1").arg(store.error()));
    return false;
  }
  auto entries = (*store)->history(policy_->text().toStdString());
  if (!entries) {
    message_->setText(tr("Cannot read the policy history: %1").arg(QString::fromStdString(entries.error().message)));
    return false;
  }
  from_->clear();
  to_->clear();
  for (const auto& e : *entries) {
    from_->addItem(QStringLiteral("v%1").arg(e.version), e.version);
    to_->addItem(QStringLiteral("v%1").arg(e.version), e.version);
  }
  if (entries->size() >= 2) from_->setCurrentIndex(1);  // newest first: the one before the latest
  message_->setText(entries->empty() ? tr("No published versions of %1.").arg(policy_->text())
                                     : tr("%n published version(s).", nullptr, static_cast<int>(entries->size())));
  model_.setEntries(std::move(*entries));
  table_->resizeColumnsToContents();
  return true;
}

bool HistoryView::showDiff(int from, int to) {
  auto store = openCompliance(context_.settings());
  if (!store) {
    message_->setText(store.error());
    return false;
  }
  std::vector<verdict::PolicyDocument> documents;
  for (int version : {from, to}) {
    auto text = (*store)->version_document(policy_->text().toStdString(), version);
    if (!text || !*text) {
      message_->setText(text ? tr("v%1 was never published.").arg(version) : QString::fromStdString(text.error().message));
      return false;
    }
    auto document = decode_policy(nlohmann::json::parse(**text, nullptr, false));
    if (!document) {
      message_->setText(tr("Stored v%1 does not decode: %2").arg(version).arg(QString::fromStdString(document.error().summary())));
      return false;
    }
    documents.push_back(std::move(*document));
  }
  const int changes = diff_->showDiff(documents[0], documents[1]);
  message_->setText(tr("v%1 → v%2: %n change(s).", nullptr, changes).arg(from).arg(to));
  return true;
}

QString HistoryView::lastMessage() const { return message_->text(); }

}  // namespace verdict::studio
