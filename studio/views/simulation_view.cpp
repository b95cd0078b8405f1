#include "views/simulation_view.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QDateEdit>
#include <QFileDialog>
#include <QFutureWatcher>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrent>
#include <set>

#include "compliance/store_access.hpp"

namespace verdict::studio {

namespace {


QString qs(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }
QString outcomeName(Outcome o) { return qs(to_string(o)); }
QString number(std::uint64_t n) { return QLocale().toString(static_cast<qulonglong>(n)); }
QString signedNumber(std::int64_t n) { return (n > 0 ? QStringLiteral("+") : QString()) + QLocale().toString(static_cast<qlonglong>(n)); }

QStandardItem* item(const QString& text, const QVariant& sortKey = {}) {
  auto* i = new QStandardItem(text);
  i->setEditable(false);
  i->setData(sortKey.isValid() ? sortKey : QVariant(text), Qt::UserRole);
  return i;
}
QStandardItem* numberItem(std::uint64_t n) {
  QStandardItem* i = item(number(n), QVariant::fromValue(static_cast<qulonglong>(n)));
  i->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  return i;
}
QStandardItem* changeItem(std::int64_t n) {
  QStandardItem* i = item(signedNumber(n), QVariant::fromValue(static_cast<qulonglong>(n < 0 ? -n : n)));
  i->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  if (n > 0) i->setForeground(QColor(0, 110, 0));
  if (n < 0) i->setForeground(QColor(180, 0, 0));
  return i;
}

QTableView* resultTable(QStandardItemModel* model) {
  auto* t = new QTableView;
  t->setModel(model);
  t->setEditTriggers(QAbstractItemView::NoEditTriggers);
  t->setSelectionBehavior(QAbstractItemView::SelectRows);
  t->verticalHeader()->setDefaultSectionSize(22);
  t->verticalHeader()->hide();
  t->horizontalHeader()->setStretchLastSection(true);
  t->setAlternatingRowColors(true);
  return t;
}

constexpr std::array<Outcome, 4> outcomeOrder = {Outcome::Accept, Outcome::AcceptSimOnly, Outcome::Refer, Outcome::Reject};

}  // namespace

SimulationView::SimulationView(StudioContext& context, QWidget* parent)
    : QWidget(parent),
      context_(context),
      historyPath_(new QLineEdit),
      historyLabel_(new QLabel(tr("No history loaded."))),
      useDates_(new QCheckBox(tr("From"))),
      from_(new QDateEdit),
      to_(new QDateEdit),
      channel_(new QComboBox),
      product_(new QComboBox),
      shop_(new QLineEdit),
      threads_(new QSpinBox),
      runButton_(new QPushButton(QIcon::fromTheme(QStringLiteral("media-playback-start")), tr("Simulate"))),
      cancelButton_(new QPushButton(QIcon::fromTheme(QStringLiteral("process-stop")), tr("Cancel"))),
      progress_(new QProgressBar),
      summary_(new QLabel),
      outcomes_(new QStandardItemModel(this)),
      flips_(new QStandardItemModel(this)),
      rules_(new QStandardItemModel(this)),
      flipped_(new QStandardItemModel(this)),
      flippedTable_(nullptr),
      drill_(new QTreeWidget) {
  auto* layout = new QVBoxLayout(this);

  auto* historyBox = new QGroupBox(tr("History"));
  auto* historyLayout = new QGridLayout(historyBox);
  historyPath_->setPlaceholderText(tr(".vhist or .jsonl (verdict generate --count N --seed S --binary H.vhist --jsonl H.jsonl)"));
  auto* browse = new QPushButton(tr("Open..."));
  auto* generate = new QPushButton(tr("Generate..."));
  auto* fromStore = new QPushButton(tr("From the store"));
  fromStore->setToolTip(tr("The applications the daemons decided between the two dates below (and in the chosen channel "
                           "and shop), with the provider results recorded with them"));
  historyLayout->addWidget(historyPath_, 0, 0);
  historyLayout->addWidget(browse, 0, 1);
  historyLayout->addWidget(generate, 0, 2);
  historyLayout->addWidget(fromStore, 0, 3);
  historyLayout->addWidget(historyLabel_, 1, 0, 1, 4);
  layout->addWidget(historyBox);

  auto* filters = new QHBoxLayout;
  from_->setCalendarPopup(true);
  to_->setCalendarPopup(true);
  from_->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
  to_->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
  from_->setDate(QDate(2025, 12, 1));
  to_->setDate(QDate(2026, 11, 30));
  from_->setEnabled(false);
  to_->setEnabled(false);
  channel_->addItems({tr("any channel"), QStringLiteral("shop"), QStringLiteral("web")});
  product_->addItems({tr("any product"), QStringLiteral("sim_only"), QStringLiteral("device")});
  shop_->setPlaceholderText(tr("shop id"));
  shop_->setMaximumWidth(120);
  threads_->setRange(0, 256);
  threads_->setSpecialValueText(tr("all cores"));
  threads_->setPrefix(tr("threads: "));
  cancelButton_->setEnabled(false);
  progress_->setRange(0, 1000);
  progress_->setValue(0);
  filters->addWidget(useDates_);
  filters->addWidget(from_);
  filters->addWidget(new QLabel(tr("to")));
  filters->addWidget(to_);
  filters->addWidget(channel_);
  filters->addWidget(product_);
  filters->addWidget(shop_);
  filters->addWidget(threads_);
  filters->addWidget(runButton_);
  filters->addWidget(cancelButton_);
  filters->addWidget(progress_, 1);
  layout->addLayout(filters);

  summary_->setObjectName(QStringLiteral("simulationSummary"));
  summary_->setWordWrap(true);
  summary_->setTextFormat(Qt::RichText);
  summary_->setText(tr("Compares the draft with <b>%1</b>.").arg(context_.baselineLabel().toHtmlEscaped()));
  layout->addWidget(summary_);

  auto* top = new QSplitter(Qt::Horizontal);
  auto* left = new QWidget;
  auto* leftLayout = new QVBoxLayout(left);
  leftLayout->setContentsMargins(0, 0, 0, 0);
  leftLayout->addWidget(new QLabel(tr("<b>Outcomes</b>")));
  auto* outcomesTable = resultTable(outcomes_);
  outcomesTable->setObjectName(QStringLiteral("outcomesTable"));
  leftLayout->addWidget(outcomesTable);
  leftLayout->addWidget(new QLabel(tr("<b>Flip matrix</b> (rows: live, columns: draft)")));
  auto* flipsTable = resultTable(flips_);
  flipsTable->setObjectName(QStringLiteral("flipMatrix"));
  leftLayout->addWidget(flipsTable);
  top->addWidget(left);
  auto* middle = new QWidget;
  auto* middleLayout = new QVBoxLayout(middle);
  middleLayout->setContentsMargins(0, 0, 0, 0);
  middleLayout->addWidget(new QLabel(tr("<b>Rule hits</b> (sorted by the size of the change)")));
  auto* rulesTable = resultTable(rules_);
  rulesTable->setObjectName(QStringLiteral("ruleHits"));
  rulesTable->setSortingEnabled(true);
  rules_->setSortRole(Qt::UserRole);
  middleLayout->addWidget(rulesTable);
  top->addWidget(middle);
  top->setStretchFactor(0, 2);
  top->setStretchFactor(1, 3);

  auto* bottom = new QSplitter(Qt::Horizontal);
  auto* flippedBox = new QWidget;
  auto* flippedLayout = new QVBoxLayout(flippedBox);
  flippedLayout->setContentsMargins(0, 0, 0, 0);
  flippedLayout->addWidget(new QLabel(tr("<b>Flipped applications</b> (select one for the drill-down)")));
  flippedTable_ = resultTable(flipped_);
  flippedTable_->setObjectName(QStringLiteral("flippedTable"));
  flippedTable_->setSelectionMode(QAbstractItemView::SingleSelection);
  flippedLayout->addWidget(flippedTable_);
  bottom->addWidget(flippedBox);
  drill_->setObjectName(QStringLiteral("drillDown"));
  drill_->setHeaderLabels({tr("Rule / value"), tr("Outcome / detail")});
  drill_->setColumnWidth(0, 420);
  bottom->addWidget(drill_);
  bottom->setStretchFactor(0, 2);
  bottom->setStretchFactor(1, 3);

  auto* results = new QSplitter(Qt::Vertical);
  results->addWidget(top);
  results->addWidget(bottom);
  layout->addWidget(results, 1);

  connect(browse, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, tr("History"), {}, tr("History (*.vhist *.jsonl)"));
    if (!path.isEmpty()) openHistory(path);
  });
  connect(historyPath_, &QLineEdit::returnPressed, this, [this] { openHistory(historyPath_->text().trimmed()); });
  connect(generate, &QPushButton::clicked, this, [this] {
    bool ok = false;
    const int count = QInputDialog::getInt(this, tr("Generate history"), tr("Applications"), 100'000, 1, 20'000'000,
                                           10'000, &ok);
    if (ok) generateHistory(static_cast<std::size_t>(count), 7);
  });
  connect(fromStore, &QPushButton::clicked, this, [this] { loadFromStore(from_->date(), to_->date()); });
  connect(this, &SimulationView::historyReady, this, [this] {
    if (!pendingRun_) return;
    pendingRun_ = false;
    run();
  });
  connect(useDates_, &QCheckBox::toggled, from_, &QWidget::setEnabled);
  connect(useDates_, &QCheckBox::toggled, to_, &QWidget::setEnabled);
  connect(runButton_, &QPushButton::clicked, this, &SimulationView::run);
  connect(cancelButton_, &QPushButton::clicked, &controller_, &SimulationController::cancel);
  connect(&controller_, &SimulationController::progress, this, [this](qulonglong done, qulonglong total) {
    progress_->setValue(total == 0 ? 0 : static_cast<int>(done * 1000 / total));
    progress_->setFormat(tr("%1 of %2").arg(number(done), number(total)));
  });
  connect(&controller_, &SimulationController::finished, this, [this] {
    setBusy(false);
    showResult();
  });
  connect(&controller_, &SimulationController::failed, this, [this](const QString& message) {
    setBusy(false);
    summary_->setText(QStringLiteral("<span style='color:#b00'>%1</span>").arg(message.toHtmlEscaped()));
  });
  connect(flippedTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) {
            if (current.isValid()) showFlipped(current.row());
          });
  connect(&context_, &StudioContext::baselineChanged, this, [this] {
    if (!controller_.result())
      summary_->setText(tr("Compares the draft with <b>%1</b>.").arg(context_.baselineLabel().toHtmlEscaped()));
  });
}

void SimulationView::setBusy(bool busy) {
  runButton_->setEnabled(!busy);
  cancelButton_->setEnabled(busy);
}

void SimulationView::openHistory(const QString& path) {
  if (path.isEmpty()) return;
  historyPath_->setText(path);
  historyLabel_->setText(tr("Loading %1...").arg(path));
  adoptHistory(QtConcurrent::run([path] { return HistorySource::open(path); }));
}

void SimulationView::loadFromStore(const QDate& from, const QDate& to) {
  const QString label = tr("from %1 to %2").arg(from.toString(Qt::ISODate), to.toString(Qt::ISODate));
  historyPath_->clear();
  historyLabel_->setText(tr("Reading the decisions %1 from the store...").arg(label));
  store::DecisionQuery query;
  query.from_ms = QDateTime(from, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
  query.to_ms = QDateTime(to.addDays(1), QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();  // to the end of `to`
  query.limit = 20'000'000;
  if (channel_->currentIndex() > 0) query.channel = channel_->currentText().toStdString();
  query.shop_id = shop_->text().trimmed().toStdString();
  const ConnectionSettings settings = context_.settings();
  adoptHistory(QtConcurrent::run([settings, query, label]() -> HistoryResult {
    auto store = openCompliance(settings);
    if (!store) return unexpected(store.error());
    return HistorySource::fromStore(std::move(*store), query, label);
  }));
}

void SimulationView::adoptHistory(QFuture<HistoryResult> loading) {
  loading_ = true;
  auto* watcher = new QFutureWatcher<HistoryResult>(this);
  connect(watcher, &QFutureWatcher<HistoryResult>::finished, this, [this, watcher] {
    HistoryResult loaded = watcher->future().takeResult();
    watcher->deleteLater();
    loading_ = false;
    if (!loaded) {
      historyLabel_->setText(QStringLiteral("<span style='color:#b00'>%1</span>").arg(loaded.error().toHtmlEscaped()));
      pendingRun_ = false;
      return;
    }
    controller_.setHistory(std::move(*loaded));
    historyLabel_->setText(controller_.history()->describe());
    emit historyReady();
  });
  watcher->setFuture(std::move(loading));
}

void SimulationView::generateHistory(std::size_t count, std::uint64_t seed) {
  historyLabel_->setText(tr("Generating %1 applications...").arg(number(count)));
  loading_ = true;
  historyPath_->clear();
  using Generated = std::unique_ptr<HistorySource>;
  auto* watcher = new QFutureWatcher<Generated>(this);
  connect(watcher, &QFutureWatcher<Generated>::finished, this, [this, watcher] {
    controller_.setHistory(watcher->future().takeResult());
    watcher->deleteLater();
    loading_ = false;
    historyLabel_->setText(controller_.history()->describe());
    emit historyReady();
  });
  watcher->setFuture(QtConcurrent::run([count, seed] {
    history::GeneratorOptions options;
    options.seed = seed;
    return HistorySource::generate(options, count);
  }));
}

HistoryFilter SimulationView::filter() const {
  HistoryFilter f;
  if (useDates_->isChecked()) {
    f.from = from_->date();
    f.to = to_->date();
  }
  if (channel_->currentIndex() > 0) f.channel = channel_->currentText();
  if (product_->currentIndex() > 0) f.product = product_->currentText();
  f.shopId = shop_->text().trimmed();
  return f;
}

bool SimulationView::run() {
  QString error;
  const verdict::PolicyDocument baseline = context_.baseline();
  if (!controller_.start(context_.draft().data(), &baseline, filter(), static_cast<unsigned>(threads_->value()), &error)) {
    summary_->setText(QStringLiteral("<span style='color:#b00'>%1</span>").arg(error.toHtmlEscaped()));
    return false;
  }
  setBusy(true);
  summary_->setText(tr("Simulating the draft against %1...").arg(context_.baselineLabel().toHtmlEscaped()));
  return true;
}

void SimulationView::showResult() {
  const SimulationResult& r = *controller_.result();
  const double before = r.has_baseline ? r.acceptance_rate(true) * 100 : 0;
  const double after = r.acceptance_rate(false) * 100;
  QString text = tr("<b>%1</b> applications in <b>%2 s</b> on %3 threads (%4 applications/s)%5. ")
                     .arg(number(r.applications))
                     .arg(controller_.lastRunSeconds(), 0, 'f', 2)
                     .arg(r.threads)
                     .arg(number(static_cast<std::uint64_t>(static_cast<double>(r.applications) / std::max(r.seconds, 1e-9))))
                     .arg(r.cancelled ? tr(" — <span style='color:#b00'>cancelled, partial counts</span>") : QString());
  if (r.has_baseline)
    text += tr("Acceptance <b>%1 %</b> → <b>%2 %</b> (%3 points); <b>%4</b> applications change outcome.")
                .arg(before, 0, 'f', 2)
                .arg(after, 0, 'f', 2)
                .arg((after - before >= 0 ? QStringLiteral("+") : QString()) + QString::number(after - before, 'f', 2))
                .arg(number(r.flipped_count()));
  else
    text += tr("Acceptance <b>%1 %</b>.").arg(after, 0, 'f', 2);
  summary_->setText(text);

  outcomes_->clear();
  outcomes_->setHorizontalHeaderLabels({tr("Outcome"), tr("Live"), tr("Draft"), tr("Change")});
  for (Outcome o : outcomeOrder) {
    const auto i = static_cast<std::size_t>(o);
    outcomes_->appendRow({item(outcomeName(o)), numberItem(r.baseline_outcomes[i]), numberItem(r.outcomes[i]),
                          changeItem(static_cast<std::int64_t>(r.outcomes[i]) - static_cast<std::int64_t>(r.baseline_outcomes[i]))});
  }

  flips_->clear();
  QStringList columns{tr("live \\ draft")};
  for (Outcome o : outcomeOrder) columns << outcomeName(o);
  flips_->setHorizontalHeaderLabels(columns);
  for (Outcome b : outcomeOrder) {
    QList<QStandardItem*> row{item(outcomeName(b))};
    for (Outcome d : outcomeOrder) {
      QStandardItem* cell = numberItem(r.flips[static_cast<std::size_t>(b)][static_cast<std::size_t>(d)]);
      if (b != d && cell->data(Qt::UserRole).toULongLong() > 0) cell->setBackground(QColor(255, 240, 200));
      row << cell;
    }
    flips_->appendRow(row);
  }

  rules_->clear();
  rules_->setHorizontalHeaderLabels(
      {tr("Rule"), tr("Live fired"), tr("Draft fired"), tr("Change"), tr("Live unknown"), tr("Draft unknown")});
  for (const RuleHits& h : r.rules) {
    QStandardItem* name = item(qs(h.rule_id));
    if (!h.in_baseline) name->setToolTip(tr("new in the draft"));
    rules_->appendRow({name, numberItem(h.baseline_fired), numberItem(h.fired),
                       changeItem(static_cast<std::int64_t>(h.fired) - static_cast<std::int64_t>(h.baseline_fired)),
                       numberItem(h.baseline_unknown), numberItem(h.unknown)});
  }
  rules_->sort(3, Qt::DescendingOrder);
  for (auto* table : findChildren<QTableView*>()) table->resizeColumnsToContents();

  flipped_->clear();
  flipped_->setHorizontalHeaderLabels({tr("#"), tr("Application"), tr("Live"), tr("Draft")});
  const history::HistoryView view = controller_.history()->view();
  for (const Flip& f : r.flipped) {
    const std::size_t original = controller_.originalIndex(f.index);
    flipped_->appendRow({numberItem(original), item(qs(view.application_id(original))), item(outcomeName(f.baseline)),
                         item(outcomeName(f.draft))});
  }
  drill_->clear();
  if (!r.flipped.empty()) flippedTable_->selectRow(0);
}

void SimulationView::showFlipped(int row) {
  const auto& result = controller_.result();
  if (!result || row < 0 || static_cast<std::size_t>(row) >= result->flipped.size()) return;
  const ApplicationExplanation e =
      controller_.explain(controller_.originalIndex(result->flipped[static_cast<std::size_t>(row)].index));
  drill_->clear();
  std::set<std::string> baselineRules, draftRules;
  for (const auto& [id, tri] : e.baseline.rules) baselineRules.insert(id);
  for (const auto& [id, tri] : e.draft.rules) draftRules.insert(id);

  auto addVersion = [&](const VersionExplanation& v, const std::set<std::string>& other) {
    auto* top = new QTreeWidgetItem(drill_, {tr("%1 — %2").arg(v.label, e.applicationId), outcomeName(v.outcome)});
    QFont bold = top->font(0);
    bold.setBold(true);
    top->setFont(0, bold);
    top->setFont(1, bold);
    if (v.decision) {
      for (const Reason& reason : v.decision->reasons) {
        auto* rule = new QTreeWidgetItem(top, {qs(reason.rule_id), tr("%1 (%2)%3").arg(outcomeName(reason.outcome), qs(reason.reason_code),
                                                                                       reason.missing.empty() ? QString() : tr(", unknown"))});
        if (!other.contains(reason.rule_id)) {
          rule->setFont(0, bold);
          rule->setToolTip(0, tr("fires under this version only"));
          rule->setForeground(0, QColor(170, 60, 0));
        }
        for (const auto& [path, value] : reason.values) new QTreeWidgetItem(rule, {qs(path), qs(value)});
        for (const auto& path : reason.missing) new QTreeWidgetItem(rule, {qs(path), tr("missing")});
      }
      for (const Reason& reason : v.decision->ignored_unknown)
        new QTreeWidgetItem(top, {qs(reason.rule_id), tr("unknown, ignored")});
      if (v.decision->affordability.computed) {
        const Affordability& a = v.decision->affordability;
        new QTreeWidgetItem(top, {tr("affordability (%1)").arg(qs(a.norm_table)),
                                  tr("capacity %1, instalment %2, shortfall %3 EUR")
                                      .arg(qs(format_cents(a.capacity)), qs(format_cents(a.monthly_instalment)),
                                           qs(format_cents(a.shortfall)))});
      }
      if (v.decision->reasons.empty()) new QTreeWidgetItem(top, {tr("no rule fired"), QString()});
    } else {
      for (const auto& [id, tri] : v.rules)
        new QTreeWidgetItem(top, {qs(id), tri == lang::Tri::True ? tr("true") : tr("unknown")});
      new QTreeWidgetItem(top, {tr("(values need the case: open a .jsonl, or a .vhist with its .jsonl beside it)"), QString()});
    }
    top->setExpanded(true);
  };
  if (e.hasBaseline) addVersion(e.baseline, draftRules);
  addVersion(e.draft, baselineRules);
  drill_->expandAll();
}

}  // namespace verdict::studio
