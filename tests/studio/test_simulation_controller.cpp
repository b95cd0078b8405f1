// The studio's simulation controller on generated history: its counts are those of
// verdict::simulate run directly, filters select what they say, cancel stops a run, a draft that
// does not compile is refused with the reason, and the drill-down is the engine's explanation.
#include <QSignalSpy>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include "domain/codec.hpp"
#include "store/decision_store.hpp"
#include "files/history_files.hpp"
#include "simulation/simulation_controller.hpp"
#include "studio_support.hpp"

using namespace verdict;
using namespace verdict::studio;

class TestSimulationController : public QObject {
  Q_OBJECT

  static constexpr std::size_t count = 20'000;
  history::GeneratorOptions options_;
  verdict::PolicyDocument live_, draft_;

  /// The sample policy with a stricter bureau score and one fraud rule disabled: a draft that flips.
  static verdict::PolicyDocument stricterDraft() {
    verdict::PolicyDocument d = test::samplePolicy();
    for (auto& p : d.parameters)
      if (p.name == "min_bureau_score") p.value.number = 700;
    d.rules[1].enabled = false;
    return d;
  }

  static std::shared_ptr<const CompiledPolicy> compile(const verdict::PolicyDocument& d) {
    auto c = CompiledPolicy::compile(d, files::policy_content_hash(d));
    if (!c) qFatal("does not compile: %s", c.error().front().message.c_str());
    return *c;
  }

  static bool runToEnd(SimulationController& controller, const verdict::PolicyDocument& draft,
                       const verdict::PolicyDocument* baseline, const HistoryFilter& filter = {}, unsigned threads = 2) {
    QSignalSpy finished(&controller, &SimulationController::finished);
    QString error;
    if (!controller.start(draft, baseline, filter, threads, &error)) {
      qWarning("%s", qPrintable(error));
      return false;
    }
    return finished.wait(60'000);
  }

 private slots:
  void initTestCase() {
    options_.seed = 11;
    live_ = test::samplePolicy();
    draft_ = stricterDraft();
  }

  void countsMatchTheEngineRunDirectly() {
    SimulationController controller;
    controller.setHistory(HistorySource::generate(options_, count));
    QVERIFY(runToEnd(controller, draft_, &live_));
    const SimulationResult& studio = *controller.result();

    const auto direct = simulate(controller.history()->view(), *compile(draft_), compile(live_).get());
    QCOMPARE(studio.applications, count);
    QVERIFY(!studio.cancelled);
    QCOMPARE(studio.outcomes, direct.outcomes);
    QCOMPARE(studio.baseline_outcomes, direct.baseline_outcomes);
    QCOMPARE(studio.flips, direct.flips);
    QVERIFY(studio.flipped_count() > 0);
    QCOMPARE(studio.rules.size(), direct.rules.size());
    for (std::size_t i = 0; i < studio.rules.size(); ++i) {
      QCOMPARE(studio.rules[i].rule_id, direct.rules[i].rule_id);
      QCOMPARE(studio.rules[i].fired, direct.rules[i].fired);
      QCOMPARE(studio.rules[i].baseline_fired, direct.rules[i].baseline_fired);
      QCOMPARE(studio.rules[i].unknown, direct.rules[i].unknown);
    }
    QCOMPARE(studio.flipped.size(), direct.flipped.size());
    QCOMPARE(studio.flipped.front().index, direct.flipped.front().index);
  }

  void progressIsReportedAndReachesTheTotal() {
    SimulationController controller;
    controller.setHistory(HistorySource::generate(options_, count));
    QSignalSpy progress(&controller, &SimulationController::progress);
    QVERIFY(runToEnd(controller, draft_, &live_));
    QVERIFY(!progress.isEmpty());
    QCOMPARE(progress.last().at(0).toULongLong(), qulonglong{count});
    QCOMPARE(progress.last().at(1).toULongLong(), qulonglong{count});
  }

  void filtersSelectByChannelProductAndDate() {
    SimulationController controller;
    controller.setHistory(HistorySource::generate(options_, count));
    std::size_t web = 0, webDevice = 0, inNovember = 0;
    const Date first = date_from_civil(2026, 11, 1), last = date_from_civil(2026, 11, 30);
    for (std::size_t i = 0; i < count; ++i) {
      const Case c = history::generate_case(options_, i);
      const bool isWeb = c.application.channel == Channel::Web;
      web += isWeb;
      webDevice += isWeb && c.application.order.product == Product::Device;
      inNovember += c.application.date >= first && c.application.date <= last;
    }
    QVERIFY(web > 0 && webDevice > 0 && webDevice < web && inNovember > 0);

    HistoryFilter filter;
    filter.channel = "web";
    QVERIFY(runToEnd(controller, draft_, &live_, filter));
    QCOMPARE(controller.result()->applications, web);
    filter.product = "device";
    QVERIFY(runToEnd(controller, draft_, &live_, filter));
    QCOMPARE(controller.result()->applications, webDevice);
    // Flip indices map back to the source history.
    for (const Flip& f : controller.result()->flipped) {
      const Case c = history::generate_case(options_, controller.originalIndex(f.index));
      QCOMPARE(c.application.channel, Channel::Web);
      QCOMPARE(c.application.order.product, Product::Device);
    }
    HistoryFilter dates;
    dates.from = QDate(2026, 11, 1);
    dates.to = QDate(2026, 11, 30);
    QVERIFY(runToEnd(controller, draft_, &live_, dates));
    QCOMPARE(controller.result()->applications, inNovember);
  }

  void cancelStopsARun() {
    SimulationController controller;
    controller.setHistory(HistorySource::generate(options_, 300'000));
    QSignalSpy finished(&controller, &SimulationController::finished);
    QVERIFY(controller.start(draft_, &live_, {}, 1));
    controller.cancel();
    QVERIFY(finished.wait(60'000));
    QVERIFY(controller.result()->cancelled);
    std::uint64_t evaluated = 0;
    for (auto n : controller.result()->outcomes) evaluated += n;
    QVERIFY(evaluated < 300'000);
    // And the controller runs again afterwards.
    QVERIFY(runToEnd(controller, draft_, &live_));
    QVERIFY(!controller.result()->cancelled);
  }

  void aBrokenDraftIsRefusedWithItsProblem() {
    SimulationController controller;
    controller.setHistory(HistorySource::generate(options_, 100));
    verdict::PolicyDocument broken = draft_;
    broken.rules[0].condition = "applicant.agee > 1";
    QSignalSpy failed(&controller, &SimulationController::failed);
    QVERIFY(controller.start(broken, &live_));
    QVERIFY(failed.wait(10'000));
    const QString message = failed.front().front().toString();
    QVERIFY2(message.contains("/rules/0/condition") && message.contains("applicant.agee"), qPrintable(message));
    QVERIFY(!controller.result());
    SimulationController empty;
    QString error;
    QVERIFY(!empty.start(draft_, &live_, {}, 0, &error));
    QVERIFY(error.contains("history"));
  }

  void drillDownIsTheEnginesExplanation() {
    SimulationController controller;
    controller.setHistory(HistorySource::generate(options_, count));
    QVERIFY(runToEnd(controller, draft_, &live_));
    const Flip flip = controller.result()->flipped.front();
    const ApplicationExplanation e = controller.explain(flip.index);
    QVERIFY(e.hasBaseline);
    QCOMPARE(e.baseline.outcome, flip.baseline);
    QCOMPARE(e.draft.outcome, flip.draft);
    QVERIFY(e.draft.decision && e.baseline.decision);
    const Case c = history::generate_case(options_, flip.index);
    const Decision expected = compile(draft_)->explain(c);
    QCOMPARE(e.draft.decision->outcome, expected.outcome);
    QCOMPARE(e.draft.decision->reasons.size(), expected.reasons.size());
    for (std::size_t i = 0; i < expected.reasons.size(); ++i) {
      QCOMPARE(e.draft.decision->reasons[i].rule_id, expected.reasons[i].rule_id);
      QCOMPARE(e.draft.decision->reasons[i].values, expected.reasons[i].values);
    }
    QCOMPARE(e.applicationId, QString::fromStdString(c.application.id));
  }

  /// The stored decisions as a history: what the daemons decided, with the provider results they
  /// had. Simulated under the version they were decided with, every outcome is the stored one.
  void simulatesTheDecisionsInTheStore() {
    QTemporaryDir dir;
    const std::string file = dir.filePath("verdict.db").toStdString();
    auto decisions = store::open_sqlite(file);
    QVERIFY(decisions);
    constexpr std::int64_t base = 1796083200000, minute = 60'000;  // 2026-12-01T00:00Z
    std::vector<store::DecisionRecord> records;
    std::array<std::uint64_t, 4> stored{};
    std::size_t web = 0;
    for (std::size_t i = 0; i < 300; ++i) {
      char id[40];
      std::snprintf(id, sizeof id, "5e000000-0000-4000-8000-%012zx", i);
      records.push_back(test::decidedCase(id, history::generate_case(options_, i), base + static_cast<std::int64_t>(i) * minute));
      if (i < 200) {
        ++stored[static_cast<std::size_t>(*outcome_from_string(records.back().outcome))];
        if (records.back().channel == "web") ++web;
      }
    }
    records[250].case_json = R"({"application": 5})";  // unreadable, outside the timeframe below
    records[100].case_json = R"({"application": 5})";  // unreadable, inside it: left out, and said
    --stored[static_cast<std::size_t>(*outcome_from_string(records[100].outcome))];
    if (records[100].channel == "web") --web;
    QVERIFY((*decisions)->write(records));

    auto compliance = store::open_sqlite_compliance(file);
    QVERIFY(compliance);
    store::DecisionQuery query;
    query.from_ms = base;
    query.to_ms = base + 200 * minute;
    auto loaded = HistorySource::fromStore(std::move(*compliance), query, "on 2026-12-01");
    QVERIFY2(loaded, loaded ? "" : qPrintable(loaded.error()));
    QCOMPARE((*loaded)->view().size(), std::size_t{199});
    QVERIFY2((*loaded)->describe().contains("1 stored cases could not be read"), qPrintable((*loaded)->describe()));
    const auto back = (*loaded)->caseAt(150);  // the 152nd record: one unreadable before it
    QVERIFY(back);
    QCOMPARE(back->application.id, history::generate_case(options_, 151).application.id);

    SimulationController controller;
    controller.setHistory(std::move(*loaded));
    QVERIFY(runToEnd(controller, draft_, &live_));
    const auto& result = *controller.result();
    QCOMPARE(result.applications, std::size_t{199});
    QCOMPARE(result.baseline_outcomes, stored);  // the live version reproduces what was decided

    // The store's channel filter.
    auto webOnly = store::open_sqlite_compliance(file);
    QVERIFY(webOnly);
    query.channel = "web";
    auto webHistory = HistorySource::fromStore(std::move(*webOnly), query, "web");
    QVERIFY(webHistory);
    QCOMPARE((*webHistory)->view().size(), web);
    QVERIFY(web > 0 && web < 199);
  }

  void fileHistoryFindsCasesInTheJsonLinesBesideIt() {
    QTemporaryDir dir;
    history::HistoryTable table;
    QFile jsonl(dir.filePath("h.jsonl"));
    QVERIFY(jsonl.open(QIODevice::WriteOnly));
    for (std::size_t i = 0; i < 500; ++i) {
      const Case c = history::generate_case(options_, i);
      table.add(c);
      jsonl.write(QByteArray::fromStdString(encode(c).dump() + "\n"));
    }
    jsonl.close();
    QVERIFY(files::write_history_binary(table, dir.filePath("h.vhist").toStdString()));
    QVERIFY(files::write_history_binary(table, dir.filePath("alone.vhist").toStdString()));

    auto withCases = HistorySource::open(dir.filePath("h.vhist"));
    QVERIFY2(withCases, withCases ? "" : qPrintable(withCases.error()));
    QCOMPARE((*withCases)->view().size(), std::size_t{500});
    const auto c = (*withCases)->caseAt(321);
    QVERIFY(c);
    QCOMPARE(c->application.id, history::generate_case(options_, 321).application.id);

    auto alone = HistorySource::open(dir.filePath("alone.vhist"));
    QVERIFY(alone);
    QVERIFY(!(*alone)->caseAt(3));
    QVERIFY((*alone)->describe().contains("no .jsonl"));

    auto missing = HistorySource::open(dir.filePath("nothing.vhist"));
    QVERIFY(!missing);
    QVERIFY(missing.error().contains("nothing.vhist"));
  }
};

QTEST_MAIN(TestSimulationController)
#include "test_simulation_controller.moc"
