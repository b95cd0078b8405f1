// The studio's views, in navigation order. Adding a view: a QWidget class with a constructor
// (StudioContext&, QWidget* parent) in its own file, and one line here.
#include "app/view_registry.hpp"
#include "views/approvals_view.hpp"
#include "views/charts_view.hpp"
#include "views/decision_view.hpp"
#include "views/diff_view.hpp"
#include "views/history_view.hpp"
#include "views/policy_editor_view.hpp"
#include "views/publish_view.hpp"
#include "views/review_queue_view.hpp"
#include "views/rollout_view.hpp"
#include "views/simulation_view.hpp"

namespace verdict::studio {

void registerStudioViews(ViewRegistry& registry) {
  registry.add<PolicyEditorView>(QStringLiteral("policy"), QObject::tr("Policy"), QStringLiteral("document-edit"));
  registry.add<SimulationView>(QStringLiteral("simulation"), QObject::tr("Simulation"), QStringLiteral("system-run"));
  registry.add<DiffView>(QStringLiteral("diff"), QObject::tr("Changes"), QStringLiteral("document-compare"));
  registry.add<PublishView>(QStringLiteral("publish"), QObject::tr("Publish"), QStringLiteral("mail-send"));
  registry.add<ApprovalsView>(QStringLiteral("approvals"), QObject::tr("Approvals"), QStringLiteral("dialog-ok"));
  registry.add<RolloutView>(QStringLiteral("rollout"), QObject::tr("Roll-out"), QStringLiteral("network-server"));
  registry.add<HistoryView>(QStringLiteral("history"), QObject::tr("Policy history"), QStringLiteral("view-history"));
  registry.add<ReviewQueueView>(QStringLiteral("reviews"), QObject::tr("Review queue"), QStringLiteral("mail-mark-task"));
  registry.add<DecisionView>(QStringLiteral("decisions"), QObject::tr("Decisions"), QStringLiteral("system-search"));
  registry.add<ChartsView>(QStringLiteral("charts"), QObject::tr("Charts"), QStringLiteral("office-chart-line"));
}

}  // namespace verdict::studio
