#pragma once
// The changes between two policy documents (verdict::diff_policies) as a tree: section, then each
// added / removed / changed item, then each changed field from -> to. Used by the diff view and
// the publish view.
#include <QTreeWidget>
#include <nlohmann/json.hpp>

#include "policy/policy.hpp"

namespace verdict::studio {

class DiffWidget : public QTreeWidget {
  Q_OBJECT
 public:
  explicit DiffWidget(QWidget* parent = nullptr);
  /// Shows the diff from `before` to `after`; returns the number of changed items.
  int showDiff(const verdict::PolicyDocument& before, const verdict::PolicyDocument& after);
  const nlohmann::json& diff() const { return diff_; }
  /// The diff as `verdict diff` prints it.
  QString text() const;

 private:
  nlohmann::json diff_;
};

}  // namespace verdict::studio
