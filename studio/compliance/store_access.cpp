#include "compliance/store_access.hpp"

#include <QDateTime>

namespace verdict::studio {

namespace {

template <class T>
expected<std::unique_ptr<T>, QString> opened(expected<std::unique_ptr<T>, store::StoreError> result) {
  if (!result) return unexpected(QString::fromStdString(result.error().message));
  return std::move(*result);
}

bool production(const ConnectionSettings& s) { return s.mode == ConnectionSettings::Mode::Production; }

}  // namespace

expected<std::unique_ptr<store::ApprovalStore>, QString> openApprovals(const ConnectionSettings& s) {
  if (production(s)) return opened(store::open_postgres_approvals(s.postgresUrl.toStdString()));
  return opened(store::open_sqlite_approvals(s.sqlitePath.toStdString(), s.userName.toStdString()));
}

expected<std::unique_ptr<store::ComplianceStore>, QString> openCompliance(const ConnectionSettings& s) {
  if (production(s)) return opened(store::open_postgres_compliance(s.postgresUrl.toStdString()));
  return opened(store::open_sqlite_compliance(s.sqlitePath.toStdString()));
}

expected<std::unique_ptr<store::ChartStore>, QString> openCharts(const ConnectionSettings& s) {
  if (production(s)) return opened(store::open_postgres_charts(s.postgresUrl.toStdString()));
  return opened(store::open_sqlite_charts(s.sqlitePath.toStdString()));
}

expected<std::unique_ptr<store::ReviewStore>, QString> openReviews(const ConnectionSettings& s) {
  if (production(s)) return opened(store::open_postgres_reviews(s.postgresUrl.toStdString()));
  return opened(store::open_sqlite_reviews(s.sqlitePath.toStdString()));
}

QString whenMs(std::int64_t epochMs) {
  if (epochMs == 0) return {};
  return QDateTime::fromMSecsSinceEpoch(epochMs).toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
}

}  // namespace verdict::studio
