#pragma once
// The roll-out: every daemon's policy version from its latest heartbeat on the fleet topic, against
// the live version; daemons still on an older version, refusing the new one, or silent stand out.
#include <QWidget>

#include "app/studio_context.hpp"
#include "publish/rollout_monitor.hpp"

class QLabel;
class QTableWidget;

namespace verdict::studio {

class RolloutView : public QWidget {
  Q_OBJECT
 public:
  RolloutView(StudioContext& context, QWidget* parent = nullptr);
  RolloutMonitor& monitor() { return monitor_; }
  QTableWidget* table() const { return table_; }

 protected:
  void showEvent(QShowEvent* event) override;
  void hideEvent(QHideEvent* event) override;

 private:
  void show(const std::vector<FleetStatus>& daemons);

  StudioContext& context_;
  RolloutMonitor monitor_;
  QLabel* status_;
  QTableWidget* table_;
};

}  // namespace verdict::studio
