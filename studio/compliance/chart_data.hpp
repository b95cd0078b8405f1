#pragma once
// The data behind one chart of the charts view, read from the ChartStore and shaped as series: a
// line per channel x product (acceptance rate), per outcome (volume), per provider and percentile
// (latency), per provider and failure (error / timeout rate), per channel (referral rate), per
// percentile (time to a human decision), or bars (top reason codes). Kept with
// the CSV the store writes for the same rows, so what is exported is what is drawn.
#include <QDateTime>
#include <QPointF>
#include <QString>
#include <vector>

#include "store/chart_store.hpp"

namespace verdict::studio {

enum class ChartKind { Acceptance, Volume, Reasons, Latency, ProviderErrors, Referrals, ReviewTimes };
/// Every kind, in the order the charts view offers them.
inline constexpr ChartKind allChartKinds[] = {ChartKind::Acceptance, ChartKind::Volume,   ChartKind::Reasons,
                                             ChartKind::Latency,    ChartKind::ProviderErrors, ChartKind::Referrals,
                                             ChartKind::ReviewTimes};
QString title(ChartKind kind);

struct ChartSeries {
  QString name;
  std::vector<QPointF> points;  // x: period start (ms since epoch), y: the value
};

struct ChartData {
  ChartKind kind = ChartKind::Acceptance;
  QString yAxis;                 // what y measures, e.g. "acceptance rate (%)"
  std::vector<ChartSeries> lines;  // time series (every kind but Reasons)
  std::vector<std::pair<QString, double>> bars;  // Reasons: code, hits
  QString csv;
  bool empty() const { return lines.empty() && bars.empty(); }
};

/// Reads and shapes one chart; the store's error as text when it fails.
expected<ChartData, QString> loadChart(store::ChartStore& charts, ChartKind kind, const store::ChartQuery& query);

}  // namespace verdict::studio
