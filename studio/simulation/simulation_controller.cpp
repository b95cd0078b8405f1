#include "simulation/simulation_controller.hpp"

#include <QFile>
#include <QFileInfo>
#include <QtConcurrent/QtConcurrent>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>

#include "domain/codec.hpp"
#include "files/policy_files.hpp"

namespace verdict::studio {

namespace {

/// A history file; cases for drill-down come from JSON Lines (the file itself or a sibling .jsonl).
class FileHistory : public HistorySource {
 public:
  FileHistory(std::unique_ptr<files::LoadedHistory> loaded, QString path, QString casesPath)
      : loaded_(std::move(loaded)), path_(std::move(path)), casesPath_(std::move(casesPath)) {}

  history::HistoryView view() const override { return loaded_->view(); }
  QString describe() const override {
    return QObject::tr("%1 (%2 applications%3)")
        .arg(QFileInfo(path_).fileName())
        .arg(view().size())
        .arg(casesPath_.isEmpty() ? QObject::tr("; no .jsonl beside it, so drill-down shows rule results without values")
                                  : QString());
  }

  std::optional<Case> caseAt(std::size_t index) const override {
    if (casesPath_.isEmpty()) return std::nullopt;
    const std::lock_guard lock(mutex_);
    if (!indexed_) buildIndex();
    if (index >= offsets_.size()) return std::nullopt;
    QFile file(casesPath_);
    if (!file.open(QIODevice::ReadOnly) || !file.seek(offsets_[index])) return std::nullopt;
    const QByteArray line = file.readLine();
    const auto json = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
    if (json.is_discarded()) return std::nullopt;
    auto c = decode_case(json);
    if (!c) return std::nullopt;
    return std::move(*c);
  }

 private:
  /// Offsets of every non-empty line; used only when there is exactly one line per record.
  void buildIndex() const {
    indexed_ = true;
    QFile file(casesPath_);
    if (!file.open(QIODevice::ReadOnly)) return;
    std::vector<qint64> offsets;
    offsets.reserve(view().size());
    qint64 position = 0;
    bool lineStart = true;
    QByteArray block;
    while (!(block = file.read(1 << 20)).isEmpty()) {
      for (qsizetype i = 0; i < block.size(); ++i) {
        const char c = block[i];
        if (lineStart && c != '\n' && c != '\r') {
          offsets.push_back(position + i);
          lineStart = false;
        }
        if (c == '\n') lineStart = true;
      }
      position += block.size();
    }
    if (offsets.size() == view().size()) offsets_ = std::move(offsets);
  }

  std::unique_ptr<files::LoadedHistory> loaded_;
  QString path_, casesPath_;
  mutable std::mutex mutex_;
  mutable bool indexed_ = false;
  mutable std::vector<qint64> offsets_;
};

class GeneratedHistory : public HistorySource {
 public:
  GeneratedHistory(history::GeneratorOptions options, history::HistoryTable table)
      : options_(options), table_(std::move(table)) {}
  history::HistoryView view() const override { return history::view_of(table_); }
  QString describe() const override {
    return QObject::tr("generated: %1 applications, seed %2").arg(table_.size()).arg(options_.seed);
  }
  std::optional<Case> caseAt(std::size_t index) const override { return history::generate_case(options_, index); }

 private:
  history::GeneratorOptions options_;
  history::HistoryTable table_;
};

/// Decisions from the store: their cases as fact records, and their ids to read a case back.
class StoredHistory : public HistorySource {
 public:
  StoredHistory(std::unique_ptr<store::ComplianceStore> store, history::HistoryTable table, std::vector<std::string> ids,
                QString label, std::size_t unreadable)
      : store_(std::move(store)), table_(std::move(table)), ids_(std::move(ids)), label_(std::move(label)),
        unreadable_(unreadable) {}
  history::HistoryView view() const override { return history::view_of(table_); }
  QString describe() const override {
    return QObject::tr("the decision store: %1 applications decided %2%3")
        .arg(table_.size())
        .arg(label_, unreadable_ ? QObject::tr(" (%1 stored cases could not be read and are left out)").arg(unreadable_)
                                 : QString());
  }
  std::optional<Case> caseAt(std::size_t index) const override {
    if (index >= ids_.size()) return std::nullopt;
    auto record = store_->decision(ids_[index]);
    if (!record || !*record) return std::nullopt;
    const auto json = nlohmann::json::parse((*record)->case_json, nullptr, false);
    if (json.is_discarded()) return std::nullopt;
    auto c = decode_case(json);
    if (!c) return std::nullopt;
    return std::move(*c);
  }

 private:
  std::unique_ptr<store::ComplianceStore> store_;  // thread-safe; drill-down runs on the UI thread
  history::HistoryTable table_;
  std::vector<std::string> ids_;
  QString label_;
  std::size_t unreadable_;
};

std::string_view stringAt(const history::HistoryView& view, const facts::FactRecord& record, std::uint16_t field) {
  if (!record.is_known(field)) return {};
  const lang::StrRef s = record.values[field].str;
  return {view.chars + s.offset, s.length};
}

Date toDate(const QDate& d) { return date_from_civil(d.year(), static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day())); }

VersionExplanation explainWith(const CompiledPolicy& policy, const facts::FactView& facts, const std::optional<Case>& c,
                               const QString& label) {
  VersionExplanation out;
  out.label = label;
  EvalScratch scratch = policy.make_scratch();
  out.outcome = policy.evaluate(facts, scratch);
  for (std::size_t i = 0; i < scratch.results.size(); ++i)
    if (scratch.results[i] != lang::Tri::False) out.rules.emplace_back(policy.document().rules[i].id, scratch.results[i]);
  if (c) out.decision = policy.explain(*c);
  return out;
}

QString firstProblem(const std::vector<PolicyDiagnostic>& problems) {
  const auto& p = problems.front();
  return QObject::tr("%1 problem(s), first at %2: %3")
      .arg(problems.size())
      .arg(QString::fromStdString(p.pointer), QString::fromStdString(p.message));
}

}  // namespace

expected<std::unique_ptr<HistorySource>, QString> HistorySource::open(const QString& path) {
  auto loaded = files::load_history(path.toStdString());
  if (!loaded) return unexpected(QString::fromStdString(loaded.error()));
  QString cases;
  if (path.endsWith(QLatin1String(".jsonl"))) cases = path;
  else {
    const QFileInfo info(path);
    const QString sibling = info.dir().filePath(info.completeBaseName() + QStringLiteral(".jsonl"));
    if (QFileInfo::exists(sibling)) cases = sibling;
  }
  return std::unique_ptr<HistorySource>(std::make_unique<FileHistory>(std::move(*loaded), path, cases));
}

std::unique_ptr<HistorySource> HistorySource::generate(const history::GeneratorOptions& options, std::size_t count,
                                                       const std::atomic<bool>* cancel) {
  history::HistoryTable table;
  table.records.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (cancel && (i & 4095) == 0 && cancel->load()) break;
    table.add(history::generate_case(options, i));
  }
  return std::make_unique<GeneratedHistory>(options, std::move(table));
}

expected<std::unique_ptr<HistorySource>, QString> HistorySource::fromStore(std::unique_ptr<store::ComplianceStore> store,
                                                                          const store::DecisionQuery& query,
                                                                          const QString& label,
                                                                          const std::atomic<bool>* cancel) {
  history::HistoryTable table;
  std::vector<std::string> ids;
  std::size_t unreadable = 0;
  auto visited = store->cases(query, [&](std::string_view id, std::string_view caseJson) {
    if (cancel && (ids.size() & 1023) == 0 && cancel->load()) return false;
    const auto json = nlohmann::json::parse(caseJson, nullptr, false);
    auto c = json.is_discarded() ? expected<Case, InputErrors>(unexpected(InputErrors{})) : decode_case(json);
    if (!c) {
      ++unreadable;  // a record written by an older daemon with another case shape: skip, and say so
      return true;
    }
    table.add(*c);
    ids.emplace_back(id);
    return true;
  });
  if (!visited) return unexpected(QObject::tr("reading stored decisions: %1").arg(QString::fromStdString(visited.error().message)));
  return std::unique_ptr<HistorySource>(
      std::make_unique<StoredHistory>(std::move(store), std::move(table), std::move(ids), label, unreadable));
}

FilteredHistory filterHistory(const history::HistoryView& source, const HistoryFilter& filter) {
  constexpr auto fDate = facts::field_id("application.date");
  constexpr auto fChannel = facts::field_id("application.channel");
  constexpr auto fProduct = facts::field_id("order.product");
  constexpr auto fShop = facts::field_id("application.shop_id");
  const std::int64_t from = filter.from.isValid() ? toDate(filter.from).days : std::numeric_limits<std::int64_t>::min();
  const std::int64_t to = filter.to.isValid() ? toDate(filter.to).days : std::numeric_limits<std::int64_t>::max();
  const std::string channel = filter.channel.toStdString(), product = filter.product.toStdString(),
                    shop = filter.shopId.toStdString();
  FilteredHistory out;
  for (std::size_t i = 0; i < source.size(); ++i) {
    const facts::FactRecord& r = source.records[i];
    const std::int64_t day = r.values[fDate].integer;
    if (day < from || day > to) continue;
    if (!channel.empty() && stringAt(source, r, fChannel) != channel) continue;
    if (!product.empty() && stringAt(source, r, fProduct) != product) continue;
    if (!shop.empty() && stringAt(source, r, fShop) != shop) continue;
    out.records.push_back(r);
    out.original.push_back(i);
  }
  // The kept records still point into the source's pools.
  out.view = {out.records.data(), out.records.size(), source.chars, source.items};
  return out;
}

struct SimulationController::Run {
  std::optional<SimulationResult> result;
  std::shared_ptr<const CompiledPolicy> draft, baseline;
  std::shared_ptr<FilteredHistory> filtered;
  QString error;
  double seconds = 0;
};

SimulationController::SimulationController(QObject* parent) : QObject(parent) {
  progressTimer_.setInterval(100);
  connect(&progressTimer_, &QTimer::timeout, this, [this] { emit progress(done_.load(), total_.load()); });
  connect(&watcher_, &QFutureWatcher<std::shared_ptr<Run>>::finished, this, [this] {
    progressTimer_.stop();
    const std::shared_ptr<Run> run = watcher_.result();
    lastRunSeconds_ = run->seconds;
    if (!run->error.isEmpty()) {
      emit failed(run->error);
      return;
    }
    draft_ = run->draft;
    baseline_ = run->baseline;
    filtered_ = run->filtered;
    result_ = std::move(run->result);
    emit progress(done_.load(), total_.load());
    emit finished();
  });
}

SimulationController::~SimulationController() {
  cancel_ = true;
  watcher_.waitForFinished();
}

void SimulationController::setHistory(std::unique_ptr<HistorySource> history) {
  cancel();
  waitForFinished();
  history_ = std::move(history);
  result_.reset();
  filtered_.reset();
}

bool SimulationController::start(const verdict::PolicyDocument& draft, const verdict::PolicyDocument* baseline,
                                 const HistoryFilter& filter, unsigned threads, QString* error) {
  auto fail = [&](const QString& message) {
    if (error) *error = message;
    return false;
  };
  if (!history_) return fail(tr("choose a history first"));
  if (running()) return fail(tr("a simulation is running"));
  cancel_ = false;
  done_ = 0;
  total_ = history_->view().size();
  const history::HistoryView source = history_->view();
  std::optional<verdict::PolicyDocument> baselineCopy;
  if (baseline) baselineCopy = *baseline;
  watcher_.setFuture(QtConcurrent::run([this, draftCopy = draft, baselineCopy, source, filter, threads] {
    const auto begin = std::chrono::steady_clock::now();
    auto run = std::make_shared<Run>();
    auto compiled = CompiledPolicy::compile(draftCopy, files::policy_content_hash(draftCopy));
    if (!compiled) {
      run->error = tr("The draft does not compile: %1").arg(firstProblem(compiled.error()));
      return run;
    }
    run->draft = *compiled;
    if (baselineCopy) {
      auto live = CompiledPolicy::compile(*baselineCopy, files::policy_content_hash(*baselineCopy));
      if (!live) {
        run->error = tr("The live version does not compile: %1").arg(firstProblem(live.error()));
        return run;
      }
      run->baseline = *live;
    }
    history::HistoryView view = source;
    if (filter.active()) {
      run->filtered = std::make_shared<FilteredHistory>(filterHistory(source, filter));
      view = run->filtered->view;
      total_ = view.size();
    }
    SimulationOptions options;
    options.threads = threads;
    options.cancel = &cancel_;
    // The engine reports increments (a chunk of one worker's range), not a running total.
    options.progress = [this](std::size_t chunk, std::size_t) { done_ += chunk; };
    run->result = simulate(view, *run->draft, run->baseline.get(), options);
    if (!run->result->cancelled) done_ = view.size();
    run->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    return run;
  }));
  progressTimer_.start();
  return true;
}

void SimulationController::cancel() { cancel_ = true; }

void SimulationController::waitForFinished() {
  watcher_.waitForFinished();
  QCoreApplication::processEvents();  // deliver `finished` now
}

std::size_t SimulationController::originalIndex(std::size_t filteredIndex) const {
  return filtered_ ? filtered_->original[filteredIndex] : filteredIndex;
}

ApplicationExplanation SimulationController::explain(std::size_t sourceIndex) const {
  ApplicationExplanation out;
  out.index = sourceIndex;
  if (!history_ || !draft_ || sourceIndex >= history_->view().size()) return out;
  const history::HistoryView view = history_->view();
  out.applicationId = QString::fromUtf8(view.application_id(sourceIndex).data(),
                                        static_cast<qsizetype>(view.application_id(sourceIndex).size()));
  const std::optional<Case> c = history_->caseAt(sourceIndex);
  const facts::FactView facts = view.at(sourceIndex);
  out.draft = explainWith(*draft_, facts, c, tr("Draft"));
  if (baseline_) {
    out.hasBaseline = true;
    out.baseline = explainWith(*baseline_, facts, c,
                               tr("Live v%1").arg(baseline_->document().version));
  }
  return out;
}

}  // namespace verdict::studio
