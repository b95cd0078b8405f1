#pragma once
// Where the studio reads live policies and history from and publishes to: the embedded store (an
// SQLite file and a folder of local policy files; the default, no set-up) or production
// (PostgreSQL, each analyst with their own login, and Kafka). Kept with QSettings.
#include <QSettings>
#include <QString>

namespace verdict::studio {

struct ConnectionSettings {
  enum class Mode { Embedded, Production };
  Mode mode = Mode::Embedded;
  QString sqlitePath;       // embedded decision store
  QString policyDirectory;  // embedded: live.json, versions/, approvals/
  QString postgresUrl;      // production, e.g. postgresql://alice@db:5432/verdict
  QString kafkaBrokers;     // production, e.g. broker1:9092,broker2:9092
  QString policyTopic;      // production: the compacted topic releases go to (verdictd's kafka_policy_topic)
  QString fleetTopic;       // production: the daemons' heartbeats (verdictd's kafka_fleet_topic)
  QString userName;         // who edits and approves in embedded mode (production: the database login)

  /// The defaults: embedded, under the user's application data folder.
  static ConnectionSettings defaults();
  static ConnectionSettings load(QSettings& settings);
  void save(QSettings& settings) const;
  QString describe() const;  // one line for the status bar
  /// The PostgreSQL URL with a connect timeout (5 s) unless it names one: a server that does not
  /// answer is reported after seconds, not after libpq's default wait.
  QString postgresUrlWithTimeout() const;
};

}  // namespace verdict::studio
