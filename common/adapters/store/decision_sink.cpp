#include "store/decision_sink.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "store/record_codec.hpp"

namespace verdict::store {

namespace {

using Clock = std::chrono::steady_clock;

// ---- One record per line ------------------------------------------------------------------------

constexpr int spool_format = 1;  // "v" of every line, so a later layout can still read this one

std::string encode_line(const DecisionRecord& r) {
  auto line = encode(r);
  line["v"] = spool_format;
  // Invalid UTF-8 becomes U+FFFD rather than an exception: a line must always be written.
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
}

std::optional<DecisionRecord> decode_line(std::string_view text) {
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  const auto version = j.find("v");  // end() for anything but an object
  if (version == j.end() || *version != spool_format) return std::nullopt;
  return decode_record(j);
}

std::string errno_text(const std::string& doing) { return doing + ": " + std::strerror(errno); }

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// ---- The spool file -----------------------------------------------------------------------------

/// decisions.spool.jsonl: records appended in batches (each batch fsync'd before append() returns),
/// read back from `replayed_to_`, and truncated once everything in it has reached the store. Thread
/// safe: submit() appends from request threads while the sink's thread replays.
class Spool {
 public:
  static expected<std::unique_ptr<Spool>, std::string> open(const std::filesystem::path& dir) {
    std::error_code ec;
    if (std::filesystem::create_directories(dir, ec))
      std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
    if (ec) return unexpected("cannot create spool directory " + dir.string() + ": " + ec.message());
    auto spool = std::unique_ptr<Spool>(new Spool(dir));
    spool->fd_ = ::open(spool->path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (spool->fd_ < 0) return unexpected(errno_text("cannot open " + spool->path_.string()));
    if (::flock(spool->fd_, LOCK_EX | LOCK_NB) != 0)
      return unexpected("spool directory " + dir.string() + " is in use by another decision sink");
    if (auto repaired = spool->drop_torn_tail(); !repaired) return unexpected(repaired.error());
    // Make the file's directory entry durable too, or a crash could lose a spool that was fsync'd.
    if (const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
      ::fsync(dir_fd);
      ::close(dir_fd);
    }
    return spool;
  }

  ~Spool() {
    if (fd_ >= 0) ::close(fd_);  // also releases the flock
  }
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  const std::filesystem::path& path() const { return path_; }

  /// Appends the records; with `sync`, they are on disk when it returns. Without (submit() on a
  /// request thread, when the queue is full), they are in the page cache — as safe as a record in
  /// the queue, which is all the caller had — and the sink's thread syncs them soon after (sync()):
  /// an fdatasync per decision on a request thread stalled every connection of that thread.
  expected<void, std::string> append(std::span<const DecisionRecord> records, bool sync = true) {
    std::string lines;
    for (const auto& r : records) lines += encode_line(r);  // outside the lock
    std::lock_guard lock(mutex_);
    // After a failed append that could not be cut off, end the half line first: it then reads as
    // one unreadable line instead of swallowing the first record of this batch.
    const std::string text = ends_torn_ ? "\n" + lines : std::move(lines);
    if (!write_all(fd_, text) || ((sync || unsynced_) && ::fdatasync(fd_) != 0)) {
      const std::string error = errno_text("cannot append to " + path_.string());
      // Cut off whatever part did land, so that the next append starts a line of its own.
      if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
        struct stat info {};
        if (::fstat(fd_, &info) == 0) size_ = static_cast<std::uint64_t>(info.st_size);
        ends_torn_ = true;
      }
      return unexpected(error);
    }
    size_ += text.size();
    ends_torn_ = false;
    unsynced_ = !sync;
    return {};
  }

  /// Puts appends made without `sync` on disk.
  expected<void, std::string> sync() {
    std::lock_guard lock(mutex_);
    if (!unsynced_) return {};
    if (::fdatasync(fd_) != 0) return unexpected(errno_text("cannot sync " + path_.string()));
    unsynced_ = false;
    return {};
  }

  bool pending() const {
    std::lock_guard lock(mutex_);
    return replayed_to_ < size_;
  }

  struct Chunk {
    std::vector<DecisionRecord> records;
    std::vector<std::string> unreadable;  // lines that do not decode, kept verbatim
    std::uint64_t end = 0;                // offset just past the last line of the chunk
  };

  /// The next lines after what has been replayed, up to `max_lines` of them.
  expected<Chunk, std::string> read(std::size_t max_lines) const {
    std::lock_guard lock(mutex_);
    Chunk chunk;
    chunk.end = replayed_to_;
    std::string buffer;         // bytes read from chunk.end on
    std::size_t line_start = 0;  // in buffer
    std::uint64_t read_to = replayed_to_;
    while (chunk.records.size() + chunk.unreadable.size() < max_lines && chunk.end < size_) {
      const auto newline = buffer.find('\n', line_start);
      if (newline == std::string::npos) {
        if (read_to >= size_) break;  // a torn last line: it is ended by the next append
        const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(64 * 1024, size_ - read_to));
        const std::size_t old_size = buffer.size();
        buffer.resize(old_size + want);
        const ssize_t n = ::pread(fd_, buffer.data() + old_size, want, static_cast<off_t>(read_to));
        if (n < 0 && errno == EINTR) {
          buffer.resize(old_size);
          continue;
        }
        if (n <= 0) return unexpected(errno_text("cannot read " + path_.string()));
        buffer.resize(old_size + static_cast<std::size_t>(n));
        read_to += static_cast<std::uint64_t>(n);
        continue;
      }
      const std::string_view line(buffer.data() + line_start, newline - line_start);
      if (auto record = decode_line(line)) chunk.records.push_back(std::move(*record));
      else chunk.unreadable.emplace_back(line);
      chunk.end += line.size() + 1;
      line_start = newline + 1;
    }
    return chunk;
  }

  /// Everything before `end` is in the store. When that is the whole file, empty it: only now, after
  /// the store has committed the rows, may the spool forget them.
  expected<void, std::string> consumed(std::uint64_t end) {
    std::lock_guard lock(mutex_);
    replayed_to_ = std::max(replayed_to_, end);
    if (replayed_to_ < size_) return {};
    if (::ftruncate(fd_, 0) != 0 || ::fdatasync(fd_) != 0) return unexpected(errno_text("cannot empty " + path_.string()));
    size_ = 0;
    replayed_to_ = 0;
    return {};
  }

  /// Keeps lines the store refused for good in decisions.rejected.jsonl, for a person to look at.
  expected<void, std::string> reject(std::span<const std::string> lines) {
    std::string text;
    for (const auto& line : lines) {
      text += line;
      if (text.empty() || text.back() != '\n') text += '\n';
    }
    std::lock_guard lock(mutex_);
    const int fd = ::open(rejected_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return unexpected(errno_text("cannot open " + rejected_path_.string()));
    const bool ok = write_all(fd, text) && ::fdatasync(fd) == 0;
    const std::string error = ok ? "" : errno_text("cannot append to " + rejected_path_.string());
    ::close(fd);
    if (!ok) return unexpected(error);
    return {};
  }

 private:
  explicit Spool(const std::filesystem::path& dir)
      : path_(dir / "decisions.spool.jsonl"), rejected_path_(dir / "decisions.rejected.jsonl") {}

  /// A crash in the middle of an append leaves a line without its newline. That batch was never
  /// acknowledged as spooled; cut it off so that the next append starts on a line of its own.
  expected<void, std::string> drop_torn_tail() {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) return unexpected(errno_text("cannot stat " + path_.string()));
    auto end = static_cast<std::uint64_t>(info.st_size);
    char block[4096];
    std::uint64_t keep = 0;  // offset just past the last newline
    for (std::uint64_t pos = end; pos > 0 && keep == 0;) {
      const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(sizeof block, pos));
      pos -= want;
      const ssize_t n = ::pread(fd_, block, want, static_cast<off_t>(pos));
      if (n != static_cast<ssize_t>(want)) return unexpected(errno_text("cannot read " + path_.string()));
      for (std::size_t i = want; i > 0; --i)
        if (block[i - 1] == '\n') {
          keep = pos + i;
          break;
        }
    }
    if (keep != end && ::ftruncate(fd_, static_cast<off_t>(keep)) != 0)
      return unexpected(errno_text("cannot repair " + path_.string()));
    size_ = keep;
    return {};
  }

  mutable std::mutex mutex_;
  std::filesystem::path path_, rejected_path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;         // bytes in the file: whole lines, unless ends_torn_
  std::uint64_t replayed_to_ = 0;  // bytes before this offset are in the store
  bool ends_torn_ = false;         // the file ends in the middle of a line
  bool unsynced_ = false;          // appended since the last fdatasync
};

}  // namespace

// ---- The sink -----------------------------------------------------------------------------------

class DecisionSink::Impl {
 public:
  Impl(std::shared_ptr<DecisionStore> store, SinkOptions options, std::unique_ptr<Spool> spool)
      : store_(std::move(store)), options_(std::move(options)), spool_(std::move(spool)),
        backoff_(options_.retry_initial), replay_due_(Clock::now()) {}

  void start() { thread_ = std::thread([this] { run(); }); }

  void submit(DecisionRecord record) {
    submitted_.fetch_add(1, std::memory_order_relaxed);
    bool stopping = false;
    {
      std::lock_guard lock(mutex_);
      if (!stopping_ && queue_.size() < options_.queue_capacity) {
        queue_.push_back(std::move(record));
        // Wake the thread only when it can act: on the first record, or when a batch is full.
        if (queue_.size() == 1 || queue_.size() == options_.batch_size) wake_.notify_one();
        return;
      }
      stopping = stopping_;
    }
    // The queue is full (the store is slower than the traffic) or the sink is stopping: the spool
    // takes the record now, so it is neither lost nor waiting in the caller for the database.
    if (!stopping && !overflowing_.exchange(true))
      say("queue full (" + std::to_string(options_.queue_capacity) + " decisions): spooling in submit() until it drains");
    if (spool_->append(std::span(&record, 1), /*sync=*/false)) {
      spooled_.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard lock(mutex_);
      spool_unsynced_ = true;
      wake_.notify_one();  // the sink's thread syncs it
      return;
    }
    std::lock_guard lock(mutex_);
    if (thread_done_) {
      lost_.fetch_add(1, std::memory_order_relaxed);
      say("decision " + record.decision_id + " lost: the sink has stopped and the spool cannot be written");
      return;
    }
    // Over capacity rather than lost: memory is the last place left.
    say("spool cannot be written; holding decision " + record.decision_id + " in memory");
    queue_.push_back(std::move(record));
  }

  bool stop(Clock::time_point deadline) {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      deadline_ = deadline;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    return lost_.load() == 0;
  }

  SinkCounters counters() const {
    SinkCounters c;
    c.submitted = submitted_.load(std::memory_order_relaxed);
    c.written = written_.load(std::memory_order_relaxed);
    c.spooled = spooled_.load(std::memory_order_relaxed);
    c.replayed = replayed_.load(std::memory_order_relaxed);
    c.rejected = rejected_.load(std::memory_order_relaxed);
    c.store_up = store_up_.load(std::memory_order_relaxed);
    c.spool_pending = spool_->pending();
    std::lock_guard lock(mutex_);
    c.queue_depth = queue_.size();
    return c;
  }

 private:
  struct Batch {
    std::vector<DecisionRecord> records;
    bool stopping = false;
    bool queue_empty = false;
  };

  void run() {
    // The writer runs at the request threads' priority. At nice 5 (once chosen for 0.3 ms of p99) it
    // got a fifth of their share on a busy machine and fell behind: the queue filled, every decision
    // then went through the spool (encoded, written, read back, decoded) and bench_daemon's cached
    // path halved (2,085-2,697 decisions/s at nice 5, 4,725-5,095 at nice 0, same hour). The
    // store can only keep up with the decisions if it gets the CPU to.
    // SCHED_BATCH keeps that share but gives up preempting on wake-up: a batch that is due waits for
    // the request thread on the core to finish its event rather than pushing it aside (sched(7)).
    // Failure is harmless.
    const sched_param batch_param{};
    sched_setscheduler(0, SCHED_BATCH, &batch_param);
    pthread_setname_np(pthread_self(), "store-writer");  // top -H, perf, /proc
    for (;;) {
      sync_spool();
      if (spool_->pending() && !stop_requested() && Clock::now() >= replay_due_) replay();
      Batch batch = next_batch();
      if (!batch.records.empty()) deliver(std::move(batch.records), batch.stopping);
      if (batch.stopping && batch.queue_empty) break;
    }
    sync_spool();
    std::lock_guard lock(mutex_);
    thread_done_ = true;
    // Only submit() can have put records here after the last batch, when it could not spool them.
    if (!queue_.empty()) {
      lost_.fetch_add(queue_.size(), std::memory_order_relaxed);
      say(std::to_string(queue_.size()) + " decisions neither stored nor spooled at stop, first " +
          queue_.front().decision_id);
    }
  }

  /// What submit() appended to the spool without syncing, on disk.
  void sync_spool() {
    {
      std::lock_guard lock(mutex_);
      if (!spool_unsynced_) return;
      spool_unsynced_ = false;
    }
    if (auto synced = spool_->sync(); !synced) say(synced.error());
  }

  bool stop_requested() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  /// Waits for records (or a stop, or the time to retry the spool) and takes up to a batch of them,
  /// giving a partly filled batch `batch_delay` to fill up.
  Batch next_batch() {
    std::unique_lock lock(mutex_);
    auto ready = [&] { return stopping_ || !queue_.empty() || spool_unsynced_; };
    if (spool_->pending()) wake_.wait_until(lock, replay_due_, ready);
    else wake_.wait(lock, ready);
    if (!stopping_ && !queue_.empty() && queue_.size() < options_.batch_size)
      wake_.wait_for(lock, options_.batch_delay, [&] { return stopping_ || queue_.size() >= options_.batch_size; });
    Batch batch;
    const std::size_t n = std::min(queue_.size(), options_.batch_size);
    batch.records.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      batch.records.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    batch.stopping = stopping_;
    batch.queue_empty = queue_.empty();
    if (batch.queue_empty) overflowing_.store(false);
    return batch;
  }

  /// A batch from the queue: to the store when it is up and nothing older waits in the spool (the
  /// spool is replayed first, in order), otherwise to the spool.
  void deliver(std::vector<DecisionRecord> records, bool stopping) {
    const auto now = Clock::now();
    const bool past_deadline = stopping && now >= deadline_;
    if (!spool_->pending() && now >= replay_due_ && !past_deadline) {
      auto written = store_->write(records);
      if (written) {
        written_.fetch_add(records.size(), std::memory_order_relaxed);
        mark_up();
        return;
      }
      if (!written.error().transient) {
        write_one_by_one(records, /*from_spool=*/false);
        return;
      }
      mark_down(written.error());
    }
    spool(std::move(records), stopping);
  }

  void spool(std::vector<DecisionRecord> records, bool stopping) {
    auto appended = spool_->append(records);
    if (appended) {
      spooled_.fetch_add(records.size(), std::memory_order_relaxed);
      return;
    }
    if (stopping) {
      lost_.fetch_add(records.size(), std::memory_order_relaxed);
      say(appended.error() + "; stopping with " + std::to_string(records.size()) + " decisions neither stored nor spooled, first " +
          records.front().decision_id);
      return;
    }
    // Neither the store nor the disk takes them: keep them at the head of the queue and try again later.
    say(appended.error() + "; keeping " + std::to_string(records.size()) + " decisions in memory");
    std::unique_lock lock(mutex_);
    for (auto it = records.rbegin(); it != records.rend(); ++it) queue_.push_front(std::move(*it));
    replay_due_ = Clock::now() + backoff_;
    wake_.wait_until(lock, replay_due_, [&] { return stopping_; });
  }

  /// Replays the spool, a batch at a time, until it is empty, the store fails, or we are stopping.
  void replay() {
    std::uint64_t replayed_now = 0;
    while (!stop_requested()) {
      auto chunk = spool_->read(options_.batch_size);
      if (!chunk) {
        say(chunk.error());
        retry_later();
        return;
      }
      if (chunk->records.empty() && chunk->unreadable.empty()) {
        retry_later();  // only a torn last line is left; the next append ends it
        return;
      }
      if (!chunk->unreadable.empty()) {
        rejected_.fetch_add(chunk->unreadable.size(), std::memory_order_relaxed);
        say(std::to_string(chunk->unreadable.size()) + " unreadable spool lines moved to decisions.rejected.jsonl");
        if (auto kept = spool_->reject(chunk->unreadable); !kept) say(kept.error());
      }
      if (!chunk->records.empty()) {
        auto written = store_->write(chunk->records);
        if (written) {
          written_.fetch_add(chunk->records.size(), std::memory_order_relaxed);
          replayed_.fetch_add(chunk->records.size(), std::memory_order_relaxed);
          replayed_now += chunk->records.size();
          mark_up();
        } else if (written.error().transient) {
          mark_down(written.error());
          return;
        } else if (!write_one_by_one(chunk->records, /*from_spool=*/true)) {
          return;  // the store went down meanwhile; the chunk stays in the spool and is replayed again
        }
      }
      if (auto done = spool_->consumed(chunk->end); !done) {
        say(done.error());
        retry_later();
        return;
      }
      if (!spool_->pending()) {
        say("spool replayed: " + std::to_string(replayed_now) + " decisions written");
        return;
      }
    }
  }

  /// After the store refused a batch for good: find the records it refuses, keep them aside, write
  /// the rest. False when the store went down partway (records from the queue then go to the spool;
  /// records from the spool stay there).
  bool write_one_by_one(std::vector<DecisionRecord>& records, bool from_spool) {
    for (std::size_t i = 0; i < records.size(); ++i) {
      auto written = store_->write(std::span(&records[i], 1));
      if (written) {
        written_.fetch_add(1, std::memory_order_relaxed);
        if (from_spool) replayed_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      if (written.error().transient) {
        mark_down(written.error());
        if (!from_spool) {
          std::vector<DecisionRecord> rest(std::make_move_iterator(records.begin() + static_cast<std::ptrdiff_t>(i)),
                                           std::make_move_iterator(records.end()));
          spool(std::move(rest), stop_requested());
        }
        return false;
      }
      rejected_.fetch_add(1, std::memory_order_relaxed);
      say("decision " + records[i].decision_id + " refused by the store (" + written.error().message +
          "); kept in decisions.rejected.jsonl");
      const std::string line = encode_line(records[i]);
      if (auto kept = spool_->reject(std::span(&line, 1)); !kept) {
        lost_.fetch_add(1, std::memory_order_relaxed);
        say(kept.error() + "; decision " + records[i].decision_id + " lost");
      }
    }
    return true;
  }

  void mark_up() {
    backoff_ = options_.retry_initial;
    replay_due_ = Clock::now();
    if (!store_up_.exchange(true)) say("decision store is back");
  }

  void mark_down(const StoreError& error) {
    if (store_up_.exchange(false)) {
      backoff_ = options_.retry_initial;
      say("decision store unavailable, spooling decisions: " + error.message);
    } else {
      backoff_ = std::min(backoff_ * 2, options_.retry_max);
    }
    replay_due_ = Clock::now() + backoff_;
  }

  void retry_later() {
    backoff_ = std::min(backoff_ * 2, options_.retry_max);
    replay_due_ = Clock::now() + backoff_;
  }

  void say(const std::string& message) const {
    if (options_.log) options_.log(message);
  }

  std::shared_ptr<DecisionStore> store_;
  const SinkOptions options_;
  std::unique_ptr<Spool> spool_;

  mutable std::mutex mutex_;  // guards the queue and the stop state
  std::condition_variable wake_;
  std::deque<DecisionRecord> queue_;
  bool stopping_ = false;
  bool thread_done_ = false;
  bool spool_unsynced_ = false;  // submit() appended to the spool without fdatasync
  Clock::time_point deadline_{};

  // Touched by the sink's thread only (and by spool() on it).
  std::chrono::milliseconds backoff_;
  Clock::time_point replay_due_;  // the store is not tried before this

  std::atomic<std::uint64_t> submitted_{0}, written_{0}, spooled_{0}, replayed_{0}, rejected_{0}, lost_{0};
  std::atomic<bool> store_up_{true};
  std::atomic<bool> overflowing_{false};  // submit() is spooling because the queue is full
  std::thread thread_;
};

expected<std::unique_ptr<DecisionSink>, std::string> DecisionSink::start(std::shared_ptr<DecisionStore> store,
                                                                         SinkOptions options) {
  if (!store) return unexpected(std::string("decision sink: no store"));
  if (options.spool_dir.empty()) return unexpected(std::string("decision sink: no spool directory"));
  options.queue_capacity = std::max<std::size_t>(options.queue_capacity, 1);
  options.batch_size = std::max<std::size_t>(options.batch_size, 1);
  options.retry_initial = std::max(options.retry_initial, std::chrono::milliseconds(1));
  options.retry_max = std::max(options.retry_max, options.retry_initial);
  auto spool = Spool::open(options.spool_dir);
  if (!spool) return unexpected(spool.error());
  auto impl = std::make_unique<Impl>(std::move(store), std::move(options), std::move(*spool));
  impl->start();
  return std::unique_ptr<DecisionSink>(new DecisionSink(std::move(impl)));
}

DecisionSink::DecisionSink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DecisionSink::~DecisionSink() { impl_->stop(Clock::now() + std::chrono::seconds(5)); }

void DecisionSink::submit(DecisionRecord record) { impl_->submit(std::move(record)); }

bool DecisionSink::stop(std::chrono::steady_clock::time_point deadline) { return impl_->stop(deadline); }

SinkCounters DecisionSink::counters() const { return impl_->counters(); }

}  // namespace verdict::store
