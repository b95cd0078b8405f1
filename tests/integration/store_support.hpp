#pragma once
// Helpers shared by the store tests that talk to PostgreSQL as the superuser and unwrap results.
#include <QtTest/QtTest>

#include <pqxx/pqxx>
#include <string>

#include "store/decision_store.hpp"

namespace verdict::test {

inline const std::string postgres_server = "postgresql://postgres@127.0.0.1:5432/";

/// A statement the store has no API for, run as the superuser on `database`.
inline void superuser_sql(const std::string& database, const std::string& statement) {
  pqxx::connection conn(postgres_server + database);
  pqxx::nontransaction t(conn);
  t.exec(statement);
}

/// A fresh, empty scratch database (dropped first if a crashed run left it); "" or why it failed.
inline QString create_scratch_database(const std::string& database) {
  try {
    superuser_sql("postgres", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    superuser_sql("postgres", "CREATE DATABASE " + database);
    return {};
  } catch (const std::exception& e) {
    return QString("PostgreSQL at 127.0.0.1:5432 is needed (installer/start-services.sh): ") + e.what();
  }
}

/// The data rows of a test that runs on both stores: column "backend", "postgres" and "sqlite".
inline void backend_rows() {
  QTest::addColumn<QString>("backend");
  QTest::newRow("postgres") << "postgres";
  QTest::newRow("sqlite") << "sqlite";
}

/// The value, or the test stops saying what failed.
template <class T>
T ok(expected<T, store::StoreError> result, const char* what) {
  if (!result) qFatal("%s: %s", what, result.error().message.c_str());
  return std::move(*result);
}
inline void ok(expected<void, store::StoreError> result, const char* what) {
  if (!result) qFatal("%s: %s", what, result.error().message.c_str());
}

/// The refusal's message, or "" when the call succeeded.
template <class T>
QString refusal(const expected<T, store::StoreError>& result) {
  return result ? QString() : QString::fromStdString(result.error().message);
}

}  // namespace verdict::test
