// The studio's approvals, policy history, decision lookup and charts views against a real embedded
// store (a scratch SQLite file): their models under QAbstractItemModelTester, the four-eyes refusal
// shown as the store words it, history and diffs of published versions, a stored decision looked up
// by id and by hashed identifiers and replayed exactly (and under a draft), and each chart kind with
// its CSV and PNG export.
#include <QAbstractItemModelTester>
#include <QtTest/QtTest>

#include <QChart>
#include <QListWidget>
#include <fstream>
#include <nlohmann/json.hpp>

#include "app/studio_context.hpp"
#include "crypto/hashing.hpp"
#include "domain/codec.hpp"
#include "files/policy_files.hpp"
#include "store/approval_store.hpp"
#include "store/policy_versions.hpp"
#include "studio_support.hpp"
#include "views/approvals_view.hpp"
#include "views/charts_view.hpp"
#include "views/decision_view.hpp"
#include "views/diff_widget.hpp"
#include "views/history_view.hpp"

using namespace verdict;
using namespace verdict::studio;

namespace {

using test::identifier_key;
using test::received_at;

using test::ok;

ConnectionSettings embeddedAs(const QTemporaryDir& dir, const QString& user) {
  ConnectionSettings s;
  s.mode = ConnectionSettings::Mode::Embedded;
  s.sqlitePath = dir.filePath(QStringLiteral("verdict.db"));
  s.policyDirectory = dir.filePath(QStringLiteral("policies"));
  s.userName = user;
  return s;
}

}  // namespace

class TestComplianceViews : public QObject {
  Q_OBJECT
  QTemporaryDir dir;
  const std::string decisionId = "0d9c6a1e-3c1b-4a4e-9a53-1f2e3d4c5b6a";

  std::string file() const { return dir.filePath(QStringLiteral("verdict.db")).toStdString(); }

 private slots:
  void initTestCase() {
    QVERIFY(dir.isValid());
    for (auto [user, role] : {std::pair{"ann", store::Role::Analyst}, std::pair{"ann", store::Role::Approver},
                              std::pair{"bob", store::Role::Approver}})
      ok(store::grant_sqlite_role(file(), user, role, "setup"), "grant");
    auto decisions = ok(store::open_sqlite(file()), "decision store");
    const auto record = test::decided(decisionId);
    ok(decisions->write(std::span(&record, 1)), "write");
  }

  void approvalsShowTheStoresRefusal() {
    auto ann = ok(store::open_sqlite_approvals(file(), "ann"), "ann");
    const std::string v1 = encode(test::samplePolicy()).dump();
    const auto id = ok(ann->submit({"consumer-nl", 0, v1, files::policy_content_hash(test::samplePolicy()),
                                    "first version of the sample policy"}),
                       "submit");

    StudioContext context(embeddedAs(dir, "ann"));
    ApprovalsView view(context);
    QAbstractItemModelTester tester(&view.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(view.model().rowCount(), 1);
    QCOMPARE(view.model().index(0, ApprovalsModel::Status).data().toString(), QString("awaiting approval"));
    QCOMPARE(view.model().index(0, ApprovalsModel::Author).data().toString(), QString("ann"));

    QVERIFY(!view.decide(0, true, "fine"));  // ann wrote it
    QVERIFY2(view.lastMessage().contains("four eyes: ann submitted approval request") &&
                 view.lastMessage().contains("cannot approve or reject it"),
             qPrintable(view.lastMessage()));
    QVERIFY(!view.decide(5, true, "fine"));  // no such row

    context.setSettings(embeddedAs(dir, "bob"));  // the view follows the connection
    QVERIFY(!view.decide(0, true, "  "));
    QVERIFY2(view.lastMessage().contains("comment is mandatory"), qPrintable(view.lastMessage()));
    QVERIFY2(view.decide(0, true, "checked the simulation"), qPrintable(view.lastMessage()));
    QCOMPARE(view.model().rowCount(), 0);  // nothing awaits approval any more

    auto versions = ok(store::open_sqlite_policy_versions(file()), "versions");
    store::VersionStorePublisher publisher(*versions);
    ok(store::publish_request(*ann, publisher, id), "publish v1");
  }

  void historyAndDiffOfPublishedVersions() {
    auto ann = ok(store::open_sqlite_approvals(file(), "ann"), "ann");
    auto bob = ok(store::open_sqlite_approvals(file(), "bob"), "bob");
    verdict::PolicyDocument v2 = test::samplePolicy();
    v2.version = 2;
    v2.parameters[0].value.number = 19;
    const auto id = ok(ann->submit({"consumer-nl", 1, encode(v2).dump(), files::policy_content_hash(v2), "minimum age 19"}),
                       "submit v2");
    ok(bob->approve(id, "as agreed with legal"), "approve v2");
    auto versions = ok(store::open_sqlite_policy_versions(file()), "versions");
    store::VersionStorePublisher publisher(*versions);
    ok(store::publish_request(*ann, publisher, id), "publish v2");

    StudioContext context(embeddedAs(dir, "bob"));
    HistoryView view(context);
    QAbstractItemModelTester tester(&view.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(view.refresh());
    QCOMPARE(view.model().rowCount(), 2);
    QCOMPARE(view.model().index(0, HistoryModel::Version).data().toString(), QString("v2"));
    QCOMPARE(view.model().index(0, HistoryModel::Approver).data().toString(), QString("bob"));
    QCOMPARE(view.model().index(0, HistoryModel::ApprovalComment).data().toString(), QString("as agreed with legal"));
    QCOMPARE(view.model().index(1, HistoryModel::Comment).data().toString(), QString("first version of the sample policy"));
    QVERIFY2(view.showDiff(1, 2), qPrintable(view.lastMessage()));
    QVERIFY2(view.diff().text().contains("min_age"), qPrintable(view.diff().text()));
    QVERIFY(!view.showDiff(1, 9));
    QVERIFY2(view.lastMessage().contains("v9 was never published"), qPrintable(view.lastMessage()));
  }

  void decisionLookupAndReplay() {
    StudioContext context(embeddedAs(dir, "bob"));
    DecisionView view(context);
    QVERIFY(view.lookup(QString::fromStdString(decisionId)));
    QVERIFY2(view.recordText().contains("Outcome ACCEPT"), qPrintable(view.recordText()));
    QVERIFY(view.recordText().contains("iban_check: unavailable, 800 ms (timeout after 800 ms)"));
    QVERIFY(view.originalReplay().has_value());
    QVERIFY(view.originalReplay()->reproduced);
    QCOMPARE(view.lastMessage(), QString("Reproduced exactly."));
    QVERIFY2(view.replayText().contains("reproduced exactly under consumer-nl v1"), qPrintable(view.replayText()));

    verdict::PolicyDocument strict = test::samplePolicy();
    strict.parameters[0].value.number = 70;  // min_age above the applicant's
    context.draft().load(strict);
    const auto draft = view.replayUnderDraft();
    QVERIFY(draft.has_value());
    QVERIFY(!draft->reproduced);
    QVERIFY2(view.replayText().contains("Under the draft: differs from the stored decision") &&
                 view.replayText().contains("/outcome: stored \"ACCEPT\", replayed \"REJECT\""),
             qPrintable(view.replayText()));

    std::ifstream in(test::sourcePath("resources/samples/case-accept.json"));
    const auto applicant = nlohmann::json::parse(in)["application"]["applicant"];
    auto text = [&](const nlohmann::json& v) { return QString::fromStdString(v.get<std::string>()); };
    QCOMPARE(view.findCustomer(text(applicant["last_name"]), text(applicant["date_of_birth"]),
                               text(applicant["address"]["postcode"]), text(applicant["address"]["house_number"]),
                               identifier_key),
             1);
    QCOMPARE(view.customerDecisions().item(0)->data(Qt::UserRole).toString(), QString::fromStdString(decisionId));
    QCOMPARE(view.findCustomer(text(applicant["last_name"]), "1900-01-01", text(applicant["address"]["postcode"]),
                               text(applicant["address"]["house_number"]), identifier_key),
             0);
    QVERIFY(!view.lookup("00000000-0000-4000-8000-000000000000"));
    QVERIFY(view.lastMessage().contains("No decision"));
  }

  void chartsDrawAndExport() {
    StudioContext context(embeddedAs(dir, "bob"));
    ChartsView view(context);
    view.setTimeframe(QDateTime::fromMSecsSinceEpoch(received_at - 86'400'000, Qt::UTC),
                      QDateTime::fromMSecsSinceEpoch(received_at + 86'400'000, Qt::UTC), store::Granularity::Day);
    view.setKind(ChartKind::Volume);
    QVERIFY2(view.refresh(), qPrintable(view.lastMessage()));
    // The decision written above was counted by the store into the aggregates: one ACCEPT that day.
    QCOMPARE(view.data().lines.size(), std::size_t{1});
    QCOMPARE(view.data().lines[0].name, QString("ACCEPT"));
    QCOMPARE(view.data().lines[0].points.size(), std::size_t{1});
    QCOMPARE(view.data().lines[0].points[0], QPointF(static_cast<double>(received_at), 1.0));
    QCOMPARE(view.chart()->series().size(), 1);

    const QString csv = dir.filePath(QStringLiteral("volume.csv"));
    QVERIFY(view.exportCsv(csv));
    QFile written(csv);
    QVERIFY(written.open(QIODevice::ReadOnly));
    QCOMPARE(written.readAll(), QByteArray("period_start,outcome,decisions\r\n2026-12-01T00:00:00.000Z,ACCEPT,1\r\n"));
    const QString png = dir.filePath(QStringLiteral("volume.png"));
    view.resize(800, 500);
    QVERIFY(view.exportPng(png));
    QVERIFY(QImage(png).width() > 0);

    for (ChartKind kind : {ChartKind::Acceptance, ChartKind::Latency, ChartKind::ProviderErrors}) {
      view.setKind(kind);
      QVERIFY2(view.refresh(), qPrintable(view.lastMessage()));
      QVERIFY2(!view.data().empty(), qPrintable(title(kind)));
      QVERIFY(!view.data().csv.isEmpty());
    }
  }
};

QTEST_MAIN(TestComplianceViews)
#include "test_compliance_views.moc"
