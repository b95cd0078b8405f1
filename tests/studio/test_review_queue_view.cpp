// The review queue view against a real embedded store (a scratch SQLite file), as two reviewers:
// referred decisions listed with their explanation, the model under QAbstractItemModelTester, a
// claim conflict between the two (the loser told who holds it), deciding only by the holder and only
// with a reason, the audit trail shown, an override of an automated decision (refused without a
// reason), the fraud role required, the shop's final outcome in the store, and the referral-rate
// and review-time charts counting what happened.
#include <QAbstractItemModelTester>
#include <QtTest/QtTest>

#include <map>

#include "app/studio_context.hpp"
#include "compliance/chart_data.hpp"
#include "store/approval_store.hpp"
#include "store/review_store.hpp"
#include "studio_support.hpp"
#include "views/charts_view.hpp"
#include "views/review_queue_view.hpp"

using namespace verdict;
using namespace verdict::studio;

namespace {

using test::ok;

constexpr std::int64_t minute_ms = 60'000;

}  // namespace

class TestReviewQueueView : public QObject {
  Q_OBJECT
  QTemporaryDir dir;
  // Referred 90 and 30 minutes ago; one accepted decision that a customer may contest.
  const std::string older = "1a000000-0000-4000-8000-000000000001";
  const std::string newer = "1a000000-0000-4000-8000-000000000002";
  const std::string accepted = "1a000000-0000-4000-8000-000000000003";
  std::int64_t now_ms = 0;

  std::string file() const { return dir.filePath(QStringLiteral("verdict.db")).toStdString(); }
  ConnectionSettings as(const QString& user) const {
    ConnectionSettings s;
    s.mode = ConnectionSettings::Mode::Embedded;
    s.sqlitePath = dir.filePath(QStringLiteral("verdict.db"));
    s.policyDirectory = dir.filePath(QStringLiteral("policies"));
    s.userName = user;
    return s;
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir.isValid());
    for (const char* reviewer : {"fay", "gus"}) ok(store::grant_sqlite_role(file(), reviewer, store::Role::Fraud, "setup"), "grant");
    ok(store::grant_sqlite_role(file(), "ann", store::Role::Analyst, "setup"), "grant");
    now_ms = QDateTime::currentMSecsSinceEpoch();
    auto decisions = ok(store::open_sqlite(file()), "decision store");
    const std::vector<store::DecisionRecord> records = {
        test::decided(older, "case-bkr-unavailable", now_ms - 90 * minute_ms),
        test::decided(newer, "case-bkr-unavailable", now_ms - 30 * minute_ms),
        test::decided(accepted, "case-accept", now_ms - 20 * minute_ms)};
    QCOMPARE(records[0].outcome, std::string("REFER"));
    QCOMPARE(records[2].outcome, std::string("ACCEPT"));
    ok(decisions->write(records), "write");
  }

  void listsReferralsWithTheirExplanation() {
    StudioContext context(as(QStringLiteral("fay")));
    ReviewQueueView view(context);
    QAbstractItemModelTester tester(&view.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(view.identity(), QString("fay"));
    QCOMPARE(view.model().rowCount(), 2);  // the two referrals, oldest first; the ACCEPT is not work
    QCOMPARE(view.model().item(0)->decision_id, older);
    QCOMPARE(view.model().index(0, ReviewQueueModel::Status).data().toString(), QString("pending"));
    QCOMPARE(view.model().index(0, ReviewQueueModel::Automated).data().toString(), QString("REFER"));
    QCOMPARE(view.model().index(0, ReviewQueueModel::Kind).data().toString(), QString("referral"));
    QVERIFY(view.select(0));
    QVERIFY2(view.explanationText().contains(QString::fromStdString(older)), qPrintable(view.explanationText()));
    QVERIFY(view.explanationText().contains(QStringLiteral("Outcome REFER")));
    QVERIFY(view.explanationText().contains(QStringLiteral("[REFER]")));  // the rule that referred it
    QCOMPARE(view.auditText(), QString("Nobody has acted on it yet."));

    view.setChannelFilter(QStringLiteral("web"));
    const auto channel = QString::fromStdString(test::decided(older, "case-bkr-unavailable").channel);
    QCOMPARE(view.model().rowCount(), channel == "web" ? 2 : 0);
    view.setChannelFilter(QString());
    view.setShopFilter(QStringLiteral("no-such-shop"));
    QCOMPARE(view.model().rowCount(), 0);
    view.setShopFilter(QString());
    QCOMPARE(view.model().rowCount(), 2);
  }

  void twoReviewersOneClaim() {
    StudioContext fayContext(as(QStringLiteral("fay"))), gusContext(as(QStringLiteral("gus")));
    ReviewQueueView fay(fayContext), gus(gusContext);
    QAbstractItemModelTester tester(&gus.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY2(fay.claim(0), qPrintable(fay.lastMessage()));
    QCOMPARE(fay.model().index(0, ReviewQueueModel::ClaimedBy).data().toString(), QString("fay"));

    // gus's list is older than fay's claim: the store refuses and says who holds it.
    QVERIFY(!gus.claim(0));
    QVERIFY2(gus.lastMessage().contains(QStringLiteral("fay")), qPrintable(gus.lastMessage()));
    QVERIFY(!gus.decide(0, QStringLiteral("ACCEPT"), QStringLiteral("looks fine")));  // not the holder
    gus.refresh();
    QCOMPARE(gus.model().index(0, ReviewQueueModel::Status).data().toString(), QString("claimed"));
    gus.setMineOnly(true);
    QCOMPARE(gus.model().rowCount(), 0);
    gus.setMineOnly(false);

    // The holder decides, and only with a reason.
    QVERIFY(!fay.decide(0, QStringLiteral("ACCEPT_SIM_ONLY"), QStringLiteral("   ")));
    QVERIFY2(fay.lastMessage().contains(QStringLiteral("reason")), qPrintable(fay.lastMessage()));
    QVERIFY2(fay.decide(0, QStringLiteral("ACCEPT_SIM_ONLY"), QStringLiteral("BKR answer checked by phone: no arrears")),
             qPrintable(fay.lastMessage()));
    // Decided items leave the open list; the decided list shows both outcomes.
    QCOMPARE(fay.model().rowCount(), 1);
    QCOMPARE(fay.model().item(0)->decision_id, newer);
    fay.setShow(ReviewQueueView::Show::Decided);
    QCOMPARE(fay.model().rowCount(), 1);
    QCOMPARE(fay.model().index(0, ReviewQueueModel::Final).data().toString(), QString("ACCEPT_SIM_ONLY"));
    QCOMPARE(fay.model().index(0, ReviewQueueModel::DecidedBy).data().toString(), QString("fay"));
    QVERIFY(fay.select(0));
    QVERIFY2(fay.auditText().contains(QStringLiteral("review.claim")), qPrintable(fay.auditText()));
    QVERIFY(fay.auditText().contains(QStringLiteral("review.decide")));
    QVERIFY(fay.auditText().contains(QStringLiteral("no arrears")));

    // What the shop will read: the automated outcome kept, the human one final.
    auto reviews = store::open_sqlite_reviews(file());
    QVERIFY(reviews.has_value());
    auto item = (*reviews)->find(older);
    QVERIFY(item && *item);
    QCOMPARE((*item)->automated_outcome, std::string("REFER"));
    QCOMPARE((*item)->final_outcome, std::string("ACCEPT_SIM_ONLY"));
    QCOMPARE((*item)->status, std::string("decided"));

    // gus releases nothing he does not hold; he claims and releases the other one.
    gus.refresh();
    QCOMPARE(gus.model().rowCount(), 1);
    QVERIFY2(gus.claim(0), qPrintable(gus.lastMessage()));
    QVERIFY2(gus.release(0), qPrintable(gus.lastMessage()));
    QCOMPARE(gus.model().index(0, ReviewQueueModel::Status).data().toString(), QString("pending"));
  }

  void overrideNeedsAReasonAndTheRole() {
    StudioContext fayContext(as(QStringLiteral("fay"))), annContext(as(QStringLiteral("ann")));
    ReviewQueueView fay(fayContext), ann(annContext);
    const QString id = QString::fromStdString(accepted);
    QVERIFY(!ann.overrideDecision(id, QStringLiteral("REJECT"), QStringLiteral("customer contests")));
    QVERIFY2(ann.lastMessage().contains(QStringLiteral("fraud role")), qPrintable(ann.lastMessage()));
    QVERIFY(!ann.claim(0));
    QVERIFY(!fay.overrideDecision(id, QStringLiteral("REJECT"), QString()));
    QVERIFY2(fay.lastMessage().contains(QStringLiteral("reason")), qPrintable(fay.lastMessage()));
    // An item still open must be claimed and decided, not overridden.
    QVERIFY(!fay.overrideDecision(QString::fromStdString(newer), QStringLiteral("REJECT"), QStringLiteral("x")));
    QVERIFY2(fay.overrideDecision(id, QStringLiteral("REJECT"), QStringLiteral("ID document reported stolen after the sale")),
             qPrintable(fay.lastMessage()));
    fay.setShow(ReviewQueueView::Show::Decided);
    const int row = fay.model().rowOf(accepted);
    QVERIFY(row >= 0);
    QCOMPARE(fay.model().index(row, ReviewQueueModel::Kind).data().toString(), QString("contested"));
    QCOMPARE(fay.model().index(row, ReviewQueueModel::Automated).data().toString(), QString("ACCEPT"));
    QCOMPARE(fay.model().index(row, ReviewQueueModel::Final).data().toString(), QString("REJECT"));
    QVERIFY(fay.select(row));
    QVERIFY(fay.auditText().contains(QStringLiteral("review.override")));
  }

  void chartsCountReferralsAndReviewTimes() {
    StudioContext context(as(QStringLiteral("fay")));
    auto charts = store::open_sqlite_charts(file());
    QVERIFY(charts.has_value());
    const store::ChartQuery day{now_ms - 86'400'000, now_ms + 86'400'000, store::Granularity::Hour, "", ""};
    auto points = (*charts)->reviews(day);
    QVERIFY(points.has_value());
    std::int64_t referred = 0, decided = 0, overridden = 0;
    double p50 = -1;
    for (const auto& p : *points) {
      referred += p.referred;
      decided += p.decided;
      overridden += p.overridden;
      if (p.decided) p50 = p.p50_minutes;
    }
    QCOMPARE(referred, 2);
    QCOMPARE(decided, 1);  // the older referral, decided by fay
    QCOMPARE(overridden, 1);
    QVERIFY2(p50 >= 90 && p50 < 100, qPrintable(QString::number(p50)));  // referred 90 minutes before the decision

    ChartsView view(context);
    view.setTimeframe(QDateTime::fromMSecsSinceEpoch(day.from_ms, Qt::UTC), QDateTime::fromMSecsSinceEpoch(day.to_ms, Qt::UTC),
                      store::Granularity::Day);
    view.setKind(ChartKind::Referrals);
    QVERIFY2(view.refresh(), qPrintable(view.lastMessage()));
    // Two of the three decisions referred, in the one channel the sample cases use; per UTC day, since
    // a run just after midnight puts the oldest referral on the day before.
    std::map<std::int64_t, std::pair<int, int>> expected;  // day -> referred, decided
    for (std::int64_t minutes_ago : {90, 30})
      ++expected[store::period_start(now_ms - minutes_ago * minute_ms, store::Granularity::Day)].first;
    for (std::int64_t minutes_ago : {90, 30, 20})
      ++expected[store::period_start(now_ms - minutes_ago * minute_ms, store::Granularity::Day)].second;
    QCOMPARE(view.data().lines.size(), std::size_t{1});
    QCOMPARE(view.data().lines[0].points.size(), expected.size());
    for (const auto& point : view.data().lines[0].points) {
      const auto [refer_count, all_count] = expected.at(static_cast<std::int64_t>(point.x()));
      QVERIFY2(qAbs(point.y() - 100.0 * refer_count / all_count) < 1e-9, qPrintable(QString::number(point.y())));
    }
    view.setKind(ChartKind::ReviewTimes);
    QVERIFY2(view.refresh(), qPrintable(view.lastMessage()));
    QVERIFY(!view.data().empty());
    QVERIFY(view.data().csv.startsWith(QStringLiteral("period_start,referred,decided")));
    QVERIFY(view.exportPng(dir.filePath(QStringLiteral("reviews.png"))));
    QVERIFY(QFileInfo(dir.filePath(QStringLiteral("reviews.png"))).size() > 0);
  }
};

QTEST_MAIN(TestReviewQueueView)
#include "test_review_queue_view.moc"
