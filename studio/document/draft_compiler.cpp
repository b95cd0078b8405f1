#include "document/draft_compiler.hpp"

#include <QtConcurrent/QtConcurrent>
#include <chrono>

#include "files/policy_files.hpp"

namespace verdict::studio {

DraftCompilation compileDraft(verdict::PolicyDocument document) {
  const auto start = std::chrono::steady_clock::now();
  DraftCompilation out;
  out.contentHash = files::policy_content_hash(document);
  auto compiled = CompiledPolicy::compile(std::move(document), out.contentHash);
  if (compiled) out.policy = std::move(*compiled);
  else out.problems = std::move(compiled.error());
  out.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return out;
}

DraftCompiler::DraftCompiler(PolicyDocument* document, QObject* parent) : QObject(parent), document_(document) {
  debounce_.setSingleShot(true);
  debounce_.setInterval(300);
  connect(&debounce_, &QTimer::timeout, this, &DraftCompiler::start);
  connect(document, &PolicyDocument::contentChanged, this, [this] {
    stale_ = true;
    debounce_.start();
  });
  connect(&watcher_, &QFutureWatcher<DraftCompilation>::finished, this, [this] {
    last_ = watcher_.result();
    if (again_) {
      again_ = false;
      start();
      return;
    }
    stale_ = false;
    emit compiled();
  });
}

DraftCompiler::~DraftCompiler() { watcher_.waitForFinished(); }

void DraftCompiler::compileNow() {
  debounce_.stop();
  start();
}

void DraftCompiler::start() {
  if (watcher_.isRunning()) {
    again_ = true;
    return;
  }
  watcher_.setFuture(QtConcurrent::run(compileDraft, document_->data()));
}

}  // namespace verdict::studio
