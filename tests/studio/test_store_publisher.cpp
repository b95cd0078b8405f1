// The studio's publisher over the store's four-eyes back end, on the embedded SQLite store (the
// same ApprovalStore / PolicyVersionStore interfaces PostgreSQL implements): roles and the
// author != approver rule come from the store, the published version becomes live.
#include <QtTest/QtTest>

#include "publish/store_publisher.hpp"
#include "studio_support.hpp"

using namespace verdict;
using namespace verdict::studio;

class TestStorePublisher : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

  std::unique_ptr<StorePublisher> as(const std::string& user) {
    const auto file = dir_.filePath("verdict.db").toStdString();
    auto approvals = store::open_sqlite_approvals(file, user);
    auto versions = store::open_sqlite_policy_versions(file);
    if (!approvals || !versions) qFatal("cannot open the embedded store");
    return std::make_unique<StorePublisher>(std::move(*approvals), std::move(*versions), "consumer-nl", std::nullopt,
                                            "embedded store");
  }

 private slots:
  void initTestCase() {
    const auto file = dir_.filePath("verdict.db").toStdString();
    QVERIFY(store::grant_sqlite_role(file, "alice", store::Role::Analyst, "admin"));
    QVERIFY(store::grant_sqlite_role(file, "bob", store::Role::Approver, "admin"));
    QVERIFY(store::grant_sqlite_role(file, "bob", store::Role::Analyst, "admin"));
  }

  void fourEyesThroughTheStore() {
    auto alice = as("alice");
    auto bob = as("bob");
    QCOMPARE(alice->currentUser(), QString("alice"));
    QVERIFY(alice->live().value() == std::nullopt);
    verdict::PolicyDocument draft = test::samplePolicy();
    draft.parameters[0].value.number = 19;
    QVERIFY(!alice->requestApproval(draft, " "));
    auto id = alice->requestApproval(draft, "minimum age 19");
    QVERIFY2(id, id ? "" : qPrintable(id.error()));
    auto own = alice->approve(*id, "fine");
    QVERIFY(!own);
    QVERIFY2(!own.error().isEmpty(), "the refusal says why");
    auto requests = bob->requests();
    QVERIFY(requests);
    QCOMPARE(requests->size(), std::size_t{1});
    QCOMPARE(requests->front().info.author, QString("alice"));
    QVERIFY(requests->front().info.state == ApprovalState::AwaitingApproval);
    QVERIFY(!alice->publish(*id));
    auto approved = bob->approve(*id, "simulated");
    QVERIFY2(approved, approved ? "" : qPrintable(approved.error()));
    auto published = alice->publish(*id);
    QVERIFY2(published, published ? "" : qPrintable(published.error()));
    QCOMPARE(published->approver, QString("bob"));
    auto live = bob->live();
    QVERIFY(live && *live);
    QCOMPARE((*live)->document.parameters[0].value.number, 19.0);
    QCOMPARE((*live)->info.version, published->version);
    QCOMPARE(bob->history()->size(), std::size_t{1});

    // The next request is for the version after the live one.
    auto next = bob->requestApproval((*live)->document, "again");
    QVERIFY(next);
    QCOMPARE(alice->requests()->front().document.version, published->version + 1);
  }
};

QTEST_MAIN(TestStorePublisher)
#include "test_store_publisher.moc"
