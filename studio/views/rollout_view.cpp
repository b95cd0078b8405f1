#include "views/rollout_view.hpp"

#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace verdict::studio {

namespace {
constexpr std::int64_t silentAfterMs = 30'000;  // heartbeats come every few seconds
QString qs(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

RolloutView::RolloutView(StudioContext& context, QWidget* parent)
    : QWidget(parent),
      context_(context),
      status_(new QLabel),
      table_(new QTableWidget(0, 7)) {
  auto* layout = new QVBoxLayout(this);
  auto* bar = new QHBoxLayout;
  status_->setWordWrap(true);
  bar->addWidget(status_, 1);
  auto* refresh = new QPushButton(QIcon::fromTheme(QStringLiteral("view-refresh")), tr("Refresh"));
  bar->addWidget(refresh);
  layout->addLayout(bar);
  table_->setObjectName(QStringLiteral("fleet"));
  table_->setHorizontalHeaderLabels(
      {tr("Daemon"), tr("Host"), tr("Policy"), tr("Version"), tr("Hash"), tr("Last heartbeat"), tr("Last refusal")});
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->setAlternatingRowColors(true);
  layout->addWidget(table_, 1);

  auto configure = [this] {
    monitor_.setBrokers(context_.settings().kafkaBrokers, context_.settings().fleetTopic);
    status_->setText(tr("Reading the fleet topic on %1...").arg(context_.settings().kafkaBrokers.toHtmlEscaped()));
  };
  configure();
  connect(&context_, &StudioContext::settingsChanged, this, configure);
  connect(refresh, &QPushButton::clicked, &monitor_, &RolloutMonitor::refresh);
  connect(&monitor_, &RolloutMonitor::updated, this, [this] { show(monitor_.daemons()); });
  connect(&monitor_, &RolloutMonitor::failed, this, [this](const QString& message) {
    status_->setText(QStringLiteral("<span style='color:#b00'>%1</span>").arg(message.toHtmlEscaped()) +
                     tr(" — drafts, simulation and the local policy folder keep working."));
  });
  connect(&context_, &StudioContext::baselineChanged, this, [this] { show(monitor_.daemons()); });
}

void RolloutView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  monitor_.refresh();
  monitor_.setInterval(5000);
}

void RolloutView::hideEvent(QHideEvent* event) {
  monitor_.setInterval(0);
  QWidget::hideEvent(event);
}

void RolloutView::show(const std::vector<FleetStatus>& daemons) {
  const auto& live = context_.baseline();
  const std::int64_t now = QDateTime::currentMSecsSinceEpoch();
  table_->setRowCount(0);
  int current = 0, behind = 0, refusing = 0, silent = 0;
  for (const FleetStatus& d : daemons) {
    const int row = table_->rowCount();
    table_->insertRow(row);
    const bool isSilent = now - d.at_ms > silentAfterMs;
    const bool samePolicy = d.policy_name == live.name;
    const bool onLive = samePolicy && d.policy_version == live.version;
    const bool refused = !d.refused_reason.empty();
    const QString refusal =
        refused ? tr("v%1: %2").arg(d.refused_version).arg(qs(d.refused_reason)) : QString();
    const QStringList cells = {qs(d.daemon_id),
                               qs(d.host),
                               qs(d.policy_name),
                               tr("v%1").arg(d.policy_version),
                               qs(d.policy_hash).left(19),
                               tr("%1 s ago").arg((now - d.at_ms) / 1000),
                               refusal};
    QColor colour = onLive ? QColor(0, 110, 0) : QColor(170, 100, 0);
    if (isSilent) colour = QColor(140, 140, 140);
    for (int c = 0; c < cells.size(); ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      item->setForeground(c == 6 && refused ? QColor(180, 0, 0) : colour);
      table_->setItem(row, c, item);
    }
    if (isSilent) ++silent;
    else if (onLive) ++current;
    else if (samePolicy) ++behind;
    if (refused) ++refusing;
  }
  table_->resizeColumnsToContents();
  status_->setText(tr("<b>%1</b> daemons: <b>%2</b> run the live %3 v%4, %5 another version, %6 silent for over %7 s, "
                      "%8 refused a version.")
                       .arg(daemons.size())
                       .arg(current)
                       .arg(qs(live.name).toHtmlEscaped())
                       .arg(live.version)
                       .arg(behind)
                       .arg(silent)
                       .arg(silentAfterMs / 1000)
                       .arg(refusing));
}

}  // namespace verdict::studio
