// Four-eyes publishing in embedded mode (LocalFilePublisher over a scratch folder): a comment is
// required, the author cannot approve their own change, only approved changes publish, versions
// count up and are immutable, and the live version is what was published.
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include "files/policy_files.hpp"
#include "publish/local_file_publisher.hpp"
#include "studio_support.hpp"

using namespace verdict;
using namespace verdict::studio;

class TestPublisher : public QObject {
  Q_OBJECT

 private slots:
  void fourEyesFromRequestToLive() {
    QTemporaryDir dir;
    LocalFilePublisher alice(dir.path(), "alice");
    LocalFilePublisher bob(dir.path(), "bob");
    QVERIFY(alice.live().value() == std::nullopt);

    verdict::PolicyDocument draft = test::samplePolicy();
    draft.parameters[0].value.number = 19;
    QVERIFY(!alice.requestApproval(draft, "   "));  // comment required
    auto id = alice.requestApproval(draft, "raise the minimum age");
    QVERIFY2(id, id ? "" : qPrintable(id.error()));

    auto own = alice.approve(*id, "looks fine to me");
    QVERIFY(!own);
    QVERIFY2(own.error().contains("four eyes"), qPrintable(own.error()));
    QVERIFY(!alice.publish(*id));  // not approved yet
    QVERIFY(!bob.approve(*id, ""));  // review comment required

    QVERIFY(bob.approve(*id, "checked the simulation"));
    QVERIFY(!bob.reject(*id, "changed my mind"));  // no longer awaiting approval
    auto published = alice.publish(*id);
    QVERIFY2(published, published ? "" : qPrintable(published.error()));
    QCOMPARE(published->version, 2);  // the sample is version 1
    QCOMPARE(published->author, QString("alice"));
    QCOMPARE(published->approver, QString("bob"));

    auto live = bob.live();
    QVERIFY(live && *live);
    QCOMPARE((*live)->document.parameters[0].value.number, 19.0);
    QCOMPARE((*live)->info.version, 2);
    QCOMPARE((*live)->info.contentHash, QString::fromStdString(files::policy_content_hash((*live)->document)));
    // live.json is a plain policy a daemon can load.
    QVERIFY(files::load_policy((dir.path() + "/live.json").toStdString()));

    QVERIFY(!alice.publish(*id));  // published once
    auto second = bob.requestApproval((*live)->document, "same again");
    QVERIFY(alice.reject(*second, "nothing changes"));
    QVERIFY(!alice.publish(*second));

    auto history = alice.history();
    QVERIFY(history);
    QCOMPARE(history->size(), std::size_t{1});
    auto requests = alice.requests();
    QCOMPARE(requests->size(), std::size_t{2});
  }

  void aDraftThatDoesNotCompileIsNotSent() {
    QTemporaryDir dir;
    LocalFilePublisher alice(dir.path(), "alice");
    verdict::PolicyDocument draft = test::samplePolicy();
    draft.rules[0].condition = "applicant.agee < 18";
    auto id = alice.requestApproval(draft, "typo");
    QVERIFY(!id);
    QVERIFY(id.error().contains("does not compile"));
  }

  void versionsAreImmutable() {
    QTemporaryDir dir;
    LocalFilePublisher alice(dir.path(), "alice"), bob(dir.path(), "bob");
    verdict::PolicyDocument draft = test::samplePolicy();
    auto first = alice.requestApproval(draft, "first");
    QVERIFY(bob.approve(*first, "ok"));
    QVERIFY(alice.publish(*first));
    auto second = alice.requestApproval(draft, "second");
    QVERIFY(bob.approve(*second, "ok"));
    auto published = alice.publish(*second);
    QVERIFY(published);
    QCOMPARE(published->version, 3);
    QVERIFY(QFile::exists(dir.path() + "/versions/consumer-nl-v2.json"));
    QVERIFY(QFile::exists(dir.path() + "/versions/consumer-nl-v3.json"));
  }
};

QTEST_MAIN(TestPublisher)
#include "test_publisher.moc"
