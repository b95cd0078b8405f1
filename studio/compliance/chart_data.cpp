#include "compliance/chart_data.hpp"

#include <map>
#include <sstream>

namespace verdict::studio {

QString title(ChartKind kind) {
  switch (kind) {
    case ChartKind::Acceptance: return QObject::tr("Acceptance rate by channel and product");
    case ChartKind::Volume: return QObject::tr("Decision volume by outcome");
    case ChartKind::Reasons: return QObject::tr("Top reason codes");
    case ChartKind::Latency: return QObject::tr("Provider latency p50 / p95 / p99");
    case ChartKind::ProviderErrors: return QObject::tr("Provider error and timeout rates");
    case ChartKind::Referrals: return QObject::tr("Referral rate by channel (decisions referred to a person)");
    case ChartKind::ReviewTimes: return QObject::tr("Review time: from referral to human decision");
  }
  return {};
}

namespace {

template <class Rows>
QString csv_of(const Rows& rows) {
  std::ostringstream out;
  store::write_csv(out, rows);
  return QString::fromStdString(out.str());
}

/// Series in name order, each point appended as it comes (rows arrive oldest period first).
class SeriesBuilder {
 public:
  void add(const QString& name, std::int64_t period, double value) {
    series_[name].push_back(QPointF(static_cast<double>(period), value));
  }
  std::vector<ChartSeries> take() {
    std::vector<ChartSeries> out;
    for (auto& [name, points] : series_) out.push_back({name, std::move(points)});
    return out;
  }

 private:
  std::map<QString, std::vector<QPointF>> series_;
};

}  // namespace

expected<ChartData, QString> loadChart(store::ChartStore& charts, ChartKind kind, const store::ChartQuery& query) {
  ChartData data;
  data.kind = kind;
  SeriesBuilder lines;
  auto failed = [](const store::StoreError& e) { return unexpected(QString::fromStdString(e.message)); };
  switch (kind) {
    case ChartKind::Acceptance: {
      auto rows = charts.acceptance(query);
      if (!rows) return failed(rows.error());
      for (const auto& r : *rows)
        lines.add(QStringLiteral("%1 / %2").arg(QString::fromStdString(r.channel), QString::fromStdString(r.product)),
                  r.period_start_ms, 100.0 * r.acceptance_rate());
      data.yAxis = QObject::tr("accepted (%)");
      data.csv = csv_of(*rows);
      break;
    }
    case ChartKind::Volume: {
      auto rows = charts.volume(query);
      if (!rows) return failed(rows.error());
      for (const auto& r : *rows)
        lines.add(QString::fromStdString(r.outcome), r.period_start_ms, static_cast<double>(r.decisions));
      data.yAxis = QObject::tr("decisions");
      data.csv = csv_of(*rows);
      break;
    }
    case ChartKind::Reasons: {
      auto rows = charts.top_reasons(query, 15);
      if (!rows) return failed(rows.error());
      for (const auto& r : *rows) data.bars.emplace_back(QString::fromStdString(r.reason_code), static_cast<double>(r.hits));
      data.yAxis = QObject::tr("decisions with the reason");
      data.csv = csv_of(*rows);
      break;
    }
    case ChartKind::Latency: {
      auto rows = charts.provider_latency(query);
      if (!rows) return failed(rows.error());
      for (const auto& r : *rows) {
        const QString provider = QString::fromStdString(r.provider);
        lines.add(provider + QStringLiteral(" p50"), r.period_start_ms, r.p50_ms);
        lines.add(provider + QStringLiteral(" p95"), r.period_start_ms, r.p95_ms);
        lines.add(provider + QStringLiteral(" p99"), r.period_start_ms, r.p99_ms);
      }
      data.yAxis = QObject::tr("ms");
      data.csv = csv_of(*rows);
      break;
    }
    case ChartKind::ProviderErrors: {
      auto rows = charts.provider_health(query);
      if (!rows) return failed(rows.error());
      for (const auto& r : *rows) {
        const QString provider = QString::fromStdString(r.provider);
        lines.add(provider + QObject::tr(" errors"), r.period_start_ms, 100.0 * r.error_rate());
        lines.add(provider + QObject::tr(" timeouts"), r.period_start_ms, 100.0 * r.timeout_rate());
      }
      data.yAxis = QObject::tr("of calls made (%)");
      data.csv = csv_of(*rows);
      break;
    }
    case ChartKind::Referrals: {
      auto rows = charts.acceptance(query);
      if (!rows) return failed(rows.error());
      // Per channel, over the products: REFER / all decisions of the period.
      std::map<std::pair<QString, std::int64_t>, std::pair<std::int64_t, std::int64_t>> referred;
      for (const auto& r : *rows) {
        auto& [refer, all] = referred[{QString::fromStdString(r.channel), r.period_start_ms}];
        refer += r.refer;
        all += r.decisions;
      }
      for (const auto& [key, counts] : referred)
        if (counts.second > 0)
          lines.add(key.first, key.second, 100.0 * static_cast<double>(counts.first) / static_cast<double>(counts.second));
      data.yAxis = QObject::tr("referred (%)");
      data.csv = csv_of(*rows);
      break;
    }
    case ChartKind::ReviewTimes: {
      auto rows = charts.reviews(query);
      if (!rows) return failed(rows.error());
      for (const auto& r : *rows) {
        if (r.decided == 0) continue;
        lines.add(QObject::tr("p50"), r.period_start_ms, r.p50_minutes);
        lines.add(QObject::tr("p90"), r.period_start_ms, r.p90_minutes);
      }
      data.yAxis = QObject::tr("minutes in the queue");
      data.csv = csv_of(*rows);
      break;
    }
  }
  data.lines = lines.take();
  return data;
}

}  // namespace verdict::studio
