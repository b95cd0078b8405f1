#include "app/connection_settings.hpp"

#include <QDir>
#include <QRegularExpression>
#include <QStandardPaths>

namespace verdict::studio {

ConnectionSettings ConnectionSettings::defaults() {
  ConnectionSettings s;
  const QString base = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
  s.sqlitePath = QDir(base).filePath(QStringLiteral("verdict.sqlite"));
  s.policyDirectory = QDir(base).filePath(QStringLiteral("policies"));
  s.postgresUrl = QStringLiteral("postgresql://127.0.0.1:5432/verdict");
  s.kafkaBrokers = QStringLiteral("127.0.0.1:9092");
  s.policyTopic = QStringLiteral("verdict.policies");
  s.fleetTopic = QStringLiteral("verdict.fleet");
  s.userName = qEnvironmentVariable("USER", QStringLiteral("analyst"));
  return s;
}

ConnectionSettings ConnectionSettings::load(QSettings& settings) {
  ConnectionSettings s = defaults();
  settings.beginGroup(QStringLiteral("connection"));
  s.mode = settings.value(QStringLiteral("mode")).toString() == QLatin1String("production") ? Mode::Production
                                                                                           : Mode::Embedded;
  s.sqlitePath = settings.value(QStringLiteral("sqlite"), s.sqlitePath).toString();
  s.policyDirectory = settings.value(QStringLiteral("policy_directory"), s.policyDirectory).toString();
  s.postgresUrl = settings.value(QStringLiteral("postgres_url"), s.postgresUrl).toString();
  s.kafkaBrokers = settings.value(QStringLiteral("kafka_brokers"), s.kafkaBrokers).toString();
  s.policyTopic = settings.value(QStringLiteral("kafka_policy_topic"), s.policyTopic).toString();
  s.fleetTopic = settings.value(QStringLiteral("kafka_fleet_topic"), s.fleetTopic).toString();
  s.userName = settings.value(QStringLiteral("user"), s.userName).toString();
  settings.endGroup();
  return s;
}

void ConnectionSettings::save(QSettings& settings) const {
  settings.beginGroup(QStringLiteral("connection"));
  settings.setValue(QStringLiteral("mode"), mode == Mode::Production ? "production" : "embedded");
  settings.setValue(QStringLiteral("sqlite"), sqlitePath);
  settings.setValue(QStringLiteral("policy_directory"), policyDirectory);
  settings.setValue(QStringLiteral("postgres_url"), postgresUrl);
  settings.setValue(QStringLiteral("kafka_brokers"), kafkaBrokers);
  settings.setValue(QStringLiteral("kafka_policy_topic"), policyTopic);
  settings.setValue(QStringLiteral("kafka_fleet_topic"), fleetTopic);
  settings.setValue(QStringLiteral("user"), userName);
  settings.endGroup();
}

QString ConnectionSettings::postgresUrlWithTimeout() const {
  if (postgresUrl.contains(QLatin1String("connect_timeout="))) return postgresUrl;
  return postgresUrl + (postgresUrl.contains('?') ? '&' : '?') + QStringLiteral("connect_timeout=5");
}

QString ConnectionSettings::describe() const {
  if (mode == Mode::Embedded) return QObject::tr("Embedded: %1 as %2").arg(policyDirectory, userName);
  // Never show a password that may be in the URL.
  QString url = postgresUrl;
  static const QRegularExpression password(QStringLiteral("://([^:/@]+):[^@]*@"));
  url.replace(password, QStringLiteral("://\\1:***@"));
  return QObject::tr("Production: %1, Kafka %2").arg(url, kafkaBrokers);
}

}  // namespace verdict::studio
