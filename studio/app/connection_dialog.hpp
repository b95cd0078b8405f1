#pragma once
// Chooses the embedded store or production (ui/connection_dialog.ui). "Test connection" opens the
// store for real and shows the server's error when it cannot be reached.
#include <QDialog>
#include <memory>

#include "app/connection_settings.hpp"

namespace Ui {
class ConnectionDialog;
}

namespace verdict::studio {

class ConnectionDialog : public QDialog {
  Q_OBJECT
 public:
  explicit ConnectionDialog(const ConnectionSettings& settings, QWidget* parent = nullptr);
  ~ConnectionDialog() override;
  ConnectionSettings settings() const;

  /// Tries the connection the settings describe; empty when it works, else the error.
  static QString test(const ConnectionSettings& settings);

 private:
  void updateEnabled();
  std::unique_ptr<Ui::ConnectionDialog> ui_;
  ConnectionSettings base_;
};

}  // namespace verdict::studio
