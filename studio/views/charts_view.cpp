#include "views/charts_view.hpp"

#include <QBarCategoryAxis>
#include <QBarSeries>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QDateTimeEdit>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QPushButton>
#include <QValueAxis>
#include <QVBoxLayout>

#include "compliance/store_access.hpp"

namespace verdict::studio {

ChartsView::ChartsView(StudioContext& context, QWidget* parent) : QWidget(parent), context_(context) {
  auto* layout = new QVBoxLayout(this);
  auto* controls = new QHBoxLayout;
  kind_ = new QComboBox(this);
  for (ChartKind k : allChartKinds)
    kind_->addItem(title(k), static_cast<int>(k));
  granularity_ = new QComboBox(this);
  for (store::Granularity g : {store::Granularity::Hour, store::Granularity::Day, store::Granularity::Week})
    granularity_->addItem(QString::fromStdString(std::string(store::to_string(g))), static_cast<int>(g));
  granularity_->setCurrentIndex(1);
  const QDateTime now = QDateTime::currentDateTimeUtc();
  from_ = new QDateTimeEdit(now.addDays(-7), this);
  to_ = new QDateTimeEdit(now, this);
  for (auto* edit : {from_, to_}) {
    edit->setTimeSpec(Qt::UTC);
    edit->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm 'UTC'"));
    edit->setCalendarPopup(true);
  }
  auto* show = new QPushButton(tr("Show"), this);
  auto* png = new QPushButton(tr("Export PNG…"), this);
  auto* csv = new QPushButton(tr("Export CSV…"), this);
  controls->addWidget(kind_, 1);
  controls->addWidget(new QLabel(tr("from"), this));
  controls->addWidget(from_);
  controls->addWidget(new QLabel(tr("to"), this));
  controls->addWidget(to_);
  controls->addWidget(granularity_);
  controls->addWidget(show);
  controls->addWidget(png);
  controls->addWidget(csv);
  layout->addLayout(controls);
  view_ = new QChartView(new QChart, this);
  view_->setRenderHint(QPainter::Antialiasing);
  layout->addWidget(view_, 1);
  message_ = new QLabel(this);
  layout->addWidget(message_);

  connect(show, &QPushButton::clicked, this, [this] { refresh(); });
  connect(kind_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
  connect(png, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export chart"), QStringLiteral("chart.png"), tr("PNG (*.png)"));
    if (!path.isEmpty()) exportPng(path);
  });
  connect(csv, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export data"), QStringLiteral("chart.csv"), tr("CSV (*.csv)"));
    if (!path.isEmpty()) exportCsv(path);
  });
  connect(&context_, &StudioContext::settingsChanged, this, [this] { refresh(); });
  refresh();
}

void ChartsView::setTimeframe(const QDateTime& from, const QDateTime& to, store::Granularity granularity) {
  from_->setDateTime(from);
  to_->setDateTime(to);
  granularity_->setCurrentIndex(granularity_->findData(static_cast<int>(granularity)));
}

void ChartsView::setKind(ChartKind kind) {
  const QSignalBlocker quiet(kind_);
  kind_->setCurrentIndex(kind_->findData(static_cast<int>(kind)));
}

bool ChartsView::refresh() {
  auto charts = openCharts(context_.settings());
  if (!charts) {
    message_->setText(tr("Cannot read the aggregates: %1").arg(charts.error()));
    return false;
  }
  store::ChartQuery query;
  query.from_ms = from_->dateTime().toMSecsSinceEpoch();
  query.to_ms = to_->dateTime().toMSecsSinceEpoch();
  query.granularity = static_cast<store::Granularity>(granularity_->currentData().toInt());
  auto loaded = loadChart(**charts, static_cast<ChartKind>(kind_->currentData().toInt()), query);
  if (!loaded) {
    message_->setText(tr("Cannot read the aggregates: %1").arg(loaded.error()));
    return false;
  }
  data_ = std::move(*loaded);
  draw();
  message_->setText(data_.empty() ? tr("No decisions in this timeframe.") : QString());
  return true;
}

void ChartsView::draw() {
  auto* chart = new QChart;
  chart->setTitle(title(data_.kind));
  if (data_.kind == ChartKind::Reasons) {
    auto* set = new QBarSet(data_.yAxis);
    QStringList codes;
    for (const auto& [code, hits] : data_.bars) {
      codes << code;
      *set << hits;
    }
    auto* series = new QBarSeries;
    series->append(set);
    chart->addSeries(series);
    auto* x = new QBarCategoryAxis;
    x->append(codes);
    auto* y = new QValueAxis;
    y->setTitleText(data_.yAxis);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    series->attachAxis(x);
    series->attachAxis(y);
  } else {
    auto* x = new QDateTimeAxis;
    x->setFormat(granularity_->currentData().toInt() == static_cast<int>(store::Granularity::Hour)
                     ? QStringLiteral("MM-dd HH:mm")
                     : QStringLiteral("yyyy-MM-dd"));
    x->setTitleText(tr("period start (UTC)"));
    auto* y = new QValueAxis;
    y->setTitleText(data_.yAxis);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    double top = 0;
    for (const auto& line : data_.lines) {
      auto* series = new QLineSeries;
      series->setName(line.name);
      series->setPointsVisible(true);  // a timeframe of one period is a single point per line
      for (const auto& p : line.points) {
        series->append(p);
        top = std::max(top, p.y());
      }
      chart->addSeries(series);
      series->attachAxis(x);
      series->attachAxis(y);
    }
    y->setRange(0, top > 0 ? top * 1.1 : 1);
    x->setRange(from_->dateTime(), to_->dateTime());
  }
  QChart* old = view_->chart();
  view_->setChart(chart);
  delete old;
}

bool ChartsView::exportPng(const QString& path) {
  const QPixmap picture = view_->grab();
  if (!picture.save(path, "PNG")) {
    message_->setText(tr("Cannot write %1").arg(path));
    return false;
  }
  message_->setText(tr("Chart written to %1").arg(path));
  return true;
}

bool ChartsView::exportCsv(const QString& path) {
  QFile file(path);
  if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(data_.csv.toUtf8()) < 0) {
    message_->setText(tr("Cannot write %1").arg(path));
    return false;
  }
  message_->setText(tr("Data written to %1").arg(path));
  return true;
}

QChart* ChartsView::chart() const { return view_->chart(); }
QString ChartsView::lastMessage() const { return message_->text(); }

}  // namespace verdict::studio
