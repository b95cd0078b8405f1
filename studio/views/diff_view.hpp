#pragma once
// The draft against the live version, kept up to date as the draft changes (after a short pause).
#include <QTimer>
#include <QWidget>

#include "app/studio_context.hpp"

class QLabel;

namespace verdict::studio {

class DiffWidget;

class DiffView : public QWidget {
  Q_OBJECT
 public:
  DiffView(StudioContext& context, QWidget* parent = nullptr);
  DiffWidget* diff() const { return diff_; }
  /// Recomputes now (normally 250 ms after the last edit).
  void refresh();

 private:
  StudioContext& context_;
  DiffWidget* diff_;
  QLabel* summary_;
  QTimer debounce_;
};

}  // namespace verdict::studio
