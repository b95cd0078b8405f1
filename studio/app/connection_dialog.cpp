#include "app/connection_dialog.hpp"

#include <QDir>
#include <QFileInfo>

#include "store/decision_store.hpp"
#include "ui_connection_dialog.h"

namespace verdict::studio {

ConnectionDialog::ConnectionDialog(const ConnectionSettings& settings, QWidget* parent)
    : QDialog(parent), ui_(std::make_unique<Ui::ConnectionDialog>()), base_(settings) {
  ui_->setupUi(this);
  ui_->embeddedRadio->setChecked(settings.mode == ConnectionSettings::Mode::Embedded);
  ui_->productionRadio->setChecked(settings.mode == ConnectionSettings::Mode::Production);
  ui_->sqliteEdit->setText(settings.sqlitePath);
  ui_->policyDirEdit->setText(settings.policyDirectory);
  ui_->userEdit->setText(settings.userName);
  ui_->postgresEdit->setText(settings.postgresUrl);
  ui_->kafkaEdit->setText(settings.kafkaBrokers);
  ui_->policyTopicEdit->setText(settings.policyTopic);
  ui_->fleetTopicEdit->setText(settings.fleetTopic);
  connect(ui_->embeddedRadio, &QRadioButton::toggled, this, &ConnectionDialog::updateEnabled);
  connect(ui_->testButton, &QPushButton::clicked, this, [this] {
    ui_->testResult->setText(tr("Connecting..."));
    ui_->testResult->repaint();
    const QString error = test(this->settings());
    ui_->testResult->setText(error.isEmpty() ? tr("Connected.") : error);
  });
  updateEnabled();
}

ConnectionDialog::~ConnectionDialog() = default;

void ConnectionDialog::updateEnabled() {
  const bool embedded = ui_->embeddedRadio->isChecked();
  for (QWidget* w : {static_cast<QWidget*>(ui_->sqliteEdit), static_cast<QWidget*>(ui_->policyDirEdit)})
    w->setEnabled(embedded);
  ui_->postgresEdit->setEnabled(!embedded);
  for (QLineEdit* edit : {ui_->kafkaEdit, ui_->policyTopicEdit, ui_->fleetTopicEdit}) edit->setEnabled(!embedded);
}

ConnectionSettings ConnectionDialog::settings() const {
  ConnectionSettings s = base_;
  s.mode = ui_->embeddedRadio->isChecked() ? ConnectionSettings::Mode::Embedded : ConnectionSettings::Mode::Production;
  s.sqlitePath = ui_->sqliteEdit->text().trimmed();
  s.policyDirectory = ui_->policyDirEdit->text().trimmed();
  s.userName = ui_->userEdit->text().trimmed();
  s.postgresUrl = ui_->postgresEdit->text().trimmed();
  s.kafkaBrokers = ui_->kafkaEdit->text().trimmed();
  // An emptied topic field means the default, not a topic without a name.
  const ConnectionSettings defaults = ConnectionSettings::defaults();
  s.policyTopic = ui_->policyTopicEdit->text().trimmed().isEmpty() ? defaults.policyTopic : ui_->policyTopicEdit->text().trimmed();
  s.fleetTopic = ui_->fleetTopicEdit->text().trimmed().isEmpty() ? defaults.fleetTopic : ui_->fleetTopicEdit->text().trimmed();
  return s;
}

QString ConnectionDialog::test(const ConnectionSettings& s) {
  if (s.mode == ConnectionSettings::Mode::Embedded) {
    if (!QDir().mkpath(s.policyDirectory)) return tr("cannot create the policy folder %1").arg(s.policyDirectory);
    QDir().mkpath(QFileInfo(s.sqlitePath).absolutePath());
    auto store = store::open_sqlite(s.sqlitePath.toStdString());
    return store ? QString() : tr("SQLite %1: %2").arg(s.sqlitePath, QString::fromStdString(store.error().message));
  }
  auto store = store::open_postgres(s.postgresUrlWithTimeout().toStdString());
  if (!store) return tr("PostgreSQL: %1").arg(QString::fromStdString(store.error().message));
  return {};
}

}  // namespace verdict::studio
