#pragma once
// The main window's navigation is built from this registry: a view is a QWidget class with a
// constructor (StudioContext&, QWidget* parent), registered with one line in views/views.cpp.
#include <QIcon>
#include <QString>
#include <QWidget>
#include <functional>
#include <vector>

namespace verdict::studio {

class StudioContext;

struct ViewDescriptor {
  QString id;     // stable, for settings and --view
  QString title;  // shown in the navigation
  QString iconTheme;
  std::function<QWidget*(StudioContext&, QWidget*)> create;
};

class ViewRegistry {
 public:
  template <class View>
  void add(const QString& id, const QString& title, const QString& iconTheme = {}) {
    views_.push_back({id, title, iconTheme, [](StudioContext& context, QWidget* parent) -> QWidget* {
                        return new View(context, parent);
                      }});
  }
  const std::vector<ViewDescriptor>& views() const { return views_; }

 private:
  std::vector<ViewDescriptor> views_;
};

/// Implemented by views that work in the background (loading, simulating), so that tools such as
/// the screenshot tour can wait until they show their result.
class BackgroundWork {
 public:
  virtual ~BackgroundWork() = default;
  virtual bool busy() const = 0;
};

/// Every view of the studio, in navigation order (views/views.cpp).
void registerStudioViews(ViewRegistry& registry);

}  // namespace verdict::studio
