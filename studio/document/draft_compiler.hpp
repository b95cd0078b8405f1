#pragma once
// Compiles the whole draft with the shared engine after each pause in editing, on a worker thread:
// the problems (by rule) for the editor and the compiled draft for simulation and publishing.
#include <QFutureWatcher>
#include <QObject>
#include <QTimer>
#include <memory>
#include <vector>

#include "document/policy_document.hpp"
#include "policy/engine.hpp"

namespace verdict::studio {

struct DraftCompilation {
  std::shared_ptr<const CompiledPolicy> policy;  // null when the draft has problems
  std::vector<PolicyDiagnostic> problems;
  std::string contentHash;
  double milliseconds = 0;
};

/// Compiles a snapshot of a document (any thread).
DraftCompilation compileDraft(verdict::PolicyDocument document);

class DraftCompiler : public QObject {
  Q_OBJECT
 public:
  explicit DraftCompiler(PolicyDocument* document, QObject* parent = nullptr);
  ~DraftCompiler() override;

  /// The last finished compilation of the draft as it was then.
  const DraftCompilation& last() const { return last_; }
  /// True while the draft has changed since `last()` was started.
  bool stale() const { return stale_; }
  void setDelay(int ms) { debounce_.setInterval(ms); }
  /// Compiles now (on a worker thread); `compiled` follows.
  void compileNow();

 signals:
  void compiled();

 private:
  void start();

  PolicyDocument* document_;
  QTimer debounce_;
  QFutureWatcher<DraftCompilation> watcher_;
  DraftCompilation last_;
  bool stale_ = true;
  bool again_ = false;
};

}  // namespace verdict::studio
