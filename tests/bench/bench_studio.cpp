// Studio benchmark: how responsive the editor stays with a 5,000-rule policy, and how long a
// simulation of a million applications takes through the studio's controller (compared with
// verdict::simulate called directly). Prints figures and their ratio to the targets; asserts nothing.
//   bench_studio [--rules N] [--applications N] [--history FILE.vhist]
#include <QApplication>
#include <QSignalSpy>
#include "app/studio_context.hpp"
#include "views/policy_editor_view.hpp"
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "document/commands.hpp"
#include "document/draft_compiler.hpp"
#include "editor/condition_editor.hpp"
#include "lang/compiler/compiler.hpp"
#include "models/policy_models.hpp"
#include "simulation/simulation_controller.hpp"
#include "studio_support.hpp"

using namespace verdict;
using namespace verdict::studio;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

/// Median of `rounds` timings of `f`, in milliseconds.
template <class F>
double median(int rounds, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < rounds; ++i) {
    const auto start = Clock::now();
    f(i);
    QApplication::processEvents();  // the view lays out and repaints what changed
    t.push_back(msSince(start));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void report(const char* what, double ms, double targetMs) {
  std::printf("  %-58s %9.3f ms   target < %5.0f ms   ratio %.4f\n", what, ms, targetMs, ms / targetMs);
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  std::size_t rules = 5000, applications = 1'000'000;
  QString historyPath;
  const QStringList args = QApplication::arguments();
  for (qsizetype i = 1; i + 1 < args.size(); ++i) {
    if (args[i] == "--rules") rules = args[i + 1].toULongLong();
    if (args[i] == "--applications") applications = args[i + 1].toULongLong();
    if (args[i] == "--history") historyPath = args[i + 1];
  }
  constexpr double interactive = 50;  // ms: a filter keystroke, an edit or an undo must feel immediate

  std::printf("Verdict Studio benchmark — %zu-rule policy, %zu applications, %u cores\n\n", rules, applications,
              std::max(1U, std::thread::hardware_concurrency()));

  // --- the editor with a large policy -----------------------------------------------------------
  const verdict::PolicyDocument large = test::largePolicy(rules);
  // The real editor view on screen: every figure includes the table catching up.
  StudioContext context(ConnectionSettings::defaults());
  studio::PolicyDocument& document = context.draft();
  PolicyEditorView editor(context);
  editor.resize(1500, 900);
  editor.show();
  RuleFilterProxy& proxy = *editor.ruleFilter();
  RulesModel& model = *qobject_cast<RulesModel*>(proxy.sourceModel());
  QApplication::processEvents();
  std::printf("Editor, %zu rules (the policy editor view on screen: document, models, filter, table):\n", rules);
  report("load the policy into the document and models", median(5, [&](int) { document.load(large); }), 500);
  report("filter by tag (bucket7)", median(21, [&](int i) { proxy.setTag(i % 2 ? "bucket7" : "fraud"); }), interactive);
  proxy.setTag({});
  const char* words[] = {"i", "ib", "iba", "iban", "iban.", "iban.n"};
  report("filter by text, per keystroke (\"iban.n\" typed)", median(24, [&](int i) { proxy.setText(words[i % 6]); }),
         interactive);
  proxy.setText({});
  report("filter by tag and text together",
         median(21, [&](int i) {
           proxy.setTag("bucket3");
           proxy.setText(i % 2 ? "bkr" : "score");
         }),
         interactive);
  proxy.setTag({});
  proxy.setText({});
  report("edit a condition through the model (one undo command)",
         median(41, [&](int i) {
           // A different rule each time: edits of one rule's condition merge into one undo step.
           model.setData(model.index((i * 97) % static_cast<int>(rules), RulesModel::Condition),
                         QStringLiteral("applicant.age < %1").arg(20 + i), Qt::EditRole);
         }),
         interactive);
  report("undo", median(41, [&](int) { document.undoStack()->undo(); }), interactive);
  report("redo", median(41, [&](int) { document.undoStack()->redo(); }), interactive);
  report("insert a rule at the top (every row shifts)",
         median(21, [&](int i) {
           Rule r;
           r.id = "bench_" + std::to_string(i);
           r.condition = "false";
           r.reason_code = "BENCH";
           document.undoStack()->push(new InsertRowCommand<Rule>(&document, 0, r, "insert"));
         }),
         interactive);
  report("move a rule from the end to the top",
         median(21, [&](int) {
           document.undoStack()->push(new MoveRowCommand<Rule>(&document, document.rowCount<Rule>() - 1, 0, "move"));
         }),
         interactive);

  const auto symbols = SymbolTable::of(document.data());
  report("check one condition (the editor's per-pause compile)",
         median(101, [&](int) {
           lang::Program program;
           lang::Compiler compiler(program, symbols->symbols);
           lang::Diagnostics diagnostics;
           compiler.compile("applicant.age < params.min_age or applicant.iban in lists.blocked_ibans",
                            lang::ValueType::Bool, diagnostics);
         }),
         interactive);
  double compileMs = 0;
  report("recompile the whole draft (background, after a pause)",
         compileMs = median(5, [&](int) {
           const DraftCompilation c = compileDraft(document.data());
           if (!c.policy) std::printf("    draft does not compile: %s\n", c.problems.front().message.c_str());
         }),
         1000);
  (void)compileMs;

  // --- simulation of a million applications -----------------------------------------------------
  std::printf("\nSimulation, draft vs live (sample policy, stricter draft), all cores:\n");
  std::unique_ptr<HistorySource> source;
  const auto loadStart = Clock::now();
  if (!historyPath.isEmpty()) {
    auto opened = HistorySource::open(historyPath);
    if (!opened) {
      std::fprintf(stderr, "%s\n", qPrintable(opened.error()));
      return 1;
    }
    source = std::move(*opened);
    std::printf("  history %s loaded in %.0f ms\n", qPrintable(historyPath), msSince(loadStart));
  } else {
    history::GeneratorOptions options;
    options.seed = 2026;
    source = HistorySource::generate(options, applications);
    std::printf("  %zu applications generated in memory in %.1f s (not part of the figures)\n", source->view().size(),
                msSince(loadStart) / 1000);
  }
  const std::size_t n = source->view().size();
  verdict::PolicyDocument live = test::samplePolicy();
  verdict::PolicyDocument draft = live;
  for (auto& p : draft.parameters)
    if (p.name == "min_bureau_score") p.value.number = 600;

  auto directDraft = *CompiledPolicy::compile(draft, "d");
  auto directLive = *CompiledPolicy::compile(live, "l");
  double direct = 1e9;
  for (int round = 0; round < 3; ++round) {
    const auto start = Clock::now();
    const SimulationResult r = simulate(source->view(), *directDraft, directLive.get());
    direct = std::min(direct, msSince(start));
    (void)r;
  }

  SimulationController controller;
  const history::HistoryView view = source->view();
  controller.setHistory(std::move(source));
  double studio = 1e9;
  std::uint64_t flipped = 0;
  for (int round = 0; round < 3; ++round) {
    QSignalSpy finished(&controller, &SimulationController::finished);
    const auto start = Clock::now();
    controller.start(draft, &live);
    finished.wait(600'000);
    studio = std::min(studio, msSince(start));
    flipped = controller.result()->flipped_count();
  }
  // Cancel: how long from the click until the run has stopped.
  QSignalSpy stopped(&controller, &SimulationController::finished);
  controller.start(draft, &live);
  QTest::qWait(100);
  const auto cancelStart = Clock::now();
  controller.cancel();
  stopped.wait(600'000);
  const double cancelMs = msSince(cancelStart);

  std::printf("  %zu applications, %llu flipped\n", n, static_cast<unsigned long long>(flipped));
  std::printf("  %-58s %9.2f s\n", "verdict::simulate called directly", direct / 1000);
  report("studio: click to result (compile both, simulate, deliver)", studio, 5000);
  std::printf("  %-58s %9.3f (studio / direct)\n", "overhead of the studio's controller", studio / direct);
  std::printf("  %-58s %9.0f applications/s\n", "studio throughput (draft + live per application)",
              static_cast<double>(n) / (studio / 1000));
  report("cancel: click to stopped", cancelMs, 500);
  (void)view;
  return 0;
}
