#pragma once
// Charts over the worker's per-minute aggregates (Qt Charts): acceptance rate by channel and
// product, decision volume, top reason codes, provider latency p50/p95/p99, provider error and
// timeout rates, and from the review queue the referral rate and the time to a human decision, for
// a timeframe and a granularity (hour / day / week, UTC). Each exports its picture as PNG and its
// data as CSV.
#include <QWidget>

#include "app/studio_context.hpp"
#include "compliance/chart_data.hpp"

class QChart;
class QChartView;
class QComboBox;
class QDateTimeEdit;
class QLabel;

namespace verdict::studio {

class ChartsView : public QWidget {
  Q_OBJECT
 public:
  ChartsView(StudioContext& context, QWidget* parent = nullptr);

  void setTimeframe(const QDateTime& from, const QDateTime& to, store::Granularity granularity);
  void setKind(ChartKind kind);
  /// Reads the chart's data and draws it; false with the reason shown.
  bool refresh();
  bool exportPng(const QString& path);
  bool exportCsv(const QString& path);

  const ChartData& data() const { return data_; }
  QChart* chart() const;
  QString lastMessage() const;

 private:
  void draw();

  StudioContext& context_;
  QComboBox* kind_;
  QComboBox* granularity_;
  QDateTimeEdit* from_;
  QDateTimeEdit* to_;
  QChartView* view_;
  QLabel* message_;
  ChartData data_;
};

}  // namespace verdict::studio
