#pragma once
// The studio's way to the stores behind the compliance, approvals, review queue and charts views: the embedded
// SQLite file as the configured user, or production PostgreSQL as the analyst's own login (which is
// their identity there). Errors come back as text for the views to show.
#include <QString>
#include <memory>

#include "app/connection_settings.hpp"
#include "store/approval_store.hpp"
#include "store/chart_store.hpp"
#include "store/compliance_store.hpp"
#include "store/review_store.hpp"
#include "util/expected.hpp"

namespace verdict::studio {

expected<std::unique_ptr<store::ApprovalStore>, QString> openApprovals(const ConnectionSettings& settings);
expected<std::unique_ptr<store::ComplianceStore>, QString> openCompliance(const ConnectionSettings& settings);
expected<std::unique_ptr<store::ChartStore>, QString> openCharts(const ConnectionSettings& settings);
expected<std::unique_ptr<store::ReviewStore>, QString> openReviews(const ConnectionSettings& settings);

/// An instant for people: local time, "yyyy-MM-dd HH:mm"; empty for 0.
QString whenMs(std::int64_t epochMs);

}  // namespace verdict::studio
