#pragma once
// Simulation in the studio: a history (the decision store's recorded cases, a .vhist/.jsonl file, or
// generated in memory), optional
// filters (dates, channel, product, shop), and a run of the draft against the baseline with the
// shared engine (`verdict::simulate`) on worker threads. The UI thread only starts, cancels and
// reads results; progress arrives as a signal. Drill-down explains one application under both
// versions with the engine's own explanations.
#include <QDate>
#include <QFutureWatcher>
#include <QObject>
#include <QTimer>
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "files/history_files.hpp"
#include "history/generator.hpp"
#include "policy/simulation.hpp"
#include "store/compliance_store.hpp"

namespace verdict::studio {

/// Which applications of the history take part. Empty / invalid members do not filter.
struct HistoryFilter {
  QDate from, to;    // application.date, inclusive
  QString channel;   // application.channel: shop or web
  QString product;   // order.product: sim_only or device
  QString shopId;    // application.shop_id
  bool active() const { return from.isValid() || to.isValid() || !channel.isEmpty() || !product.isEmpty() || !shopId.isEmpty(); }
};

/// A loaded history and where its cases can be read back for drill-down.
class HistorySource {
 public:
  virtual ~HistorySource() = default;
  virtual history::HistoryView view() const = 0;
  virtual QString describe() const = 0;
  /// The full case at `index`, for the engine's explanation; nullopt when only fact records exist.
  virtual std::optional<Case> caseAt(std::size_t index) const = 0;

  /// A .vhist or .jsonl file. For a .vhist, a .jsonl of the same name beside it (as
  /// `verdict generate --jsonl --binary` writes) supplies the cases for drill-down.
  static expected<std::unique_ptr<HistorySource>, QString> open(const QString& path);
  /// `count` applications from the demo generator, kept in memory; cases regenerate on demand.
  static std::unique_ptr<HistorySource> generate(const history::GeneratorOptions& options, std::size_t count,
                                                 const std::atomic<bool>* cancel = nullptr);
  /// The applications the daemons decided in `query`'s timeframe (and channel / shop), with the
  /// provider results and velocity counts recorded with them, read from the decision store; drill-
  /// down reads each case back from the store by decision id. `label` names the timeframe.
  static expected<std::unique_ptr<HistorySource>, QString> fromStore(std::unique_ptr<store::ComplianceStore> store,
                                                                     const store::DecisionQuery& query,
                                                                     const QString& label,
                                                                     const std::atomic<bool>* cancel = nullptr);
};

/// The records of `source` that pass `filter`, as a view over the same string pools.
struct FilteredHistory {
  std::vector<facts::FactRecord> records;
  std::vector<std::size_t> original;  // index in the source of each record kept
  history::HistoryView view;
};
FilteredHistory filterHistory(const history::HistoryView& source, const HistoryFilter& filter);

/// One version's verdict on one application.
struct VersionExplanation {
  QString label;
  Outcome outcome{};
  std::optional<Decision> decision;  // with reasons and values, when the case is available
  std::vector<std::pair<std::string, lang::Tri>> rules;  // every rule whose condition was true or unknown
};

struct ApplicationExplanation {
  std::size_t index = 0;  // in the source history
  QString applicationId;
  VersionExplanation baseline, draft;
  bool hasBaseline = false;
};

class SimulationController : public QObject {
  Q_OBJECT
 public:
  explicit SimulationController(QObject* parent = nullptr);
  ~SimulationController() override;

  /// Takes a loaded history (HistorySource::open / generate); the previous result is dropped.
  void setHistory(std::unique_ptr<HistorySource> history);
  const HistorySource* history() const { return history_.get(); }

  /// Starts a run: compiles both documents and simulates on `threads` worker threads (0: all cores).
  /// Returns false (with `error`) when something is missing or a version does not compile.
  bool start(const verdict::PolicyDocument& draft, const verdict::PolicyDocument* baseline,
             const HistoryFilter& filter = {}, unsigned threads = 0, QString* error = nullptr);
  void cancel();
  bool running() const { return watcher_.isRunning(); }
  /// Blocks until the run ends (tests, benchmarks).
  void waitForFinished();

  /// The last finished run; flip indices are into `filtered()` (map with `originalIndex`).
  const std::optional<SimulationResult>& result() const { return result_; }
  std::size_t originalIndex(std::size_t filteredIndex) const;
  const CompiledPolicy* draftPolicy() const { return draft_.get(); }
  const CompiledPolicy* baselinePolicy() const { return baseline_.get(); }
  /// Total wall time of the last run: compiling, filtering and simulating, in seconds.
  double lastRunSeconds() const { return lastRunSeconds_; }

  /// Both versions' verdict on one application of the source history (by source index).
  ApplicationExplanation explain(std::size_t sourceIndex) const;

 signals:
  void progress(qulonglong done, qulonglong total);
  void finished();
  void failed(const QString& message);

 private:
  struct Run;
  std::unique_ptr<HistorySource> history_;
  std::shared_ptr<const CompiledPolicy> draft_, baseline_;
  std::shared_ptr<FilteredHistory> filtered_;
  std::optional<SimulationResult> result_;
  QFutureWatcher<std::shared_ptr<Run>> watcher_;
  std::atomic<bool> cancel_{false};
  std::atomic<std::uint64_t> done_{0}, total_{0};
  QTimer progressTimer_;
  double lastRunSeconds_ = 0;
};

}  // namespace verdict::studio
