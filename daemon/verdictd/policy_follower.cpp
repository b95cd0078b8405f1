#include "policy_follower.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>

#include "files/policy_files.hpp"
#include "kafka/policy_rollout.hpp"

namespace verdict::daemon {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The version a message claims, even when the rest of it cannot be read (for the refusal).
int claimed_version(const std::string& value) {
  const auto j = nlohmann::json::parse(value, nullptr, false);
  if (j.is_object() && j.contains("version") && j["version"].is_number_integer()) {
    const auto v = j["version"].get<long long>();
    if (v > 0 && v < 2'147'483'647) return static_cast<int>(v);
  }
  return 0;
}

}  // namespace

PolicyFollower::PolicyFollower(FollowerSettings settings, DecisionService& service, Metrics& metrics, std::ostream& log)
    : settings_(std::move(settings)), service_(service), metrics_(metrics), log_(log) {
  policy_name_ = service_.active()->policy->document().name;
}

PolicyFollower::~PolicyFollower() { stop(); }

expected<std::unique_ptr<PolicyFollower>, std::string> PolicyFollower::start(FollowerSettings settings,
                                                                             DecisionService& service, Metrics& metrics,
                                                                             std::ostream& log) {
  if (settings.daemon_id.empty()) return unexpected(std::string("the policy follower needs a daemon id"));
  if (!service.active()) return unexpected(std::string("the policy follower needs a policy to start from"));
  std::unique_ptr<PolicyFollower> follower(new PolicyFollower(std::move(settings), service, metrics, log));
  // The thread connects and catches up itself, and start() waits for that first attempt: the Kafka
  // clients' own threads are created by it, so they inherit its lower priority (see run()).
  // The thread owns the promise, so it is never destroyed while set_value() is still running.
  auto first = std::make_shared<std::promise<bool>>();
  auto connected = first->get_future();
  follower->thread_ = std::thread([f = follower.get(), first] { f->run(*first); });
  if (!connected.get())
    follower->log_ << "policy: the policy topic " << follower->settings_.policy_topic
                   << " cannot be read yet; serving " << follower->policy_name_ << " from the file, retrying" << std::endl;
  return follower;
}

bool PolicyFollower::connect() {
  if (!producer_) {
    auto producer =
        kafka::Producer::create(settings_.client, std::chrono::seconds(3), kafka::Producer::Delivery::AtLeastOnce);
    if (!producer) {
      log_ << "policy: heartbeat producer: " << producer.error().message << std::endl;
      return false;
    }
    producer_ = std::move(*producer);
  }
  if (auto topics = kafka::ensure_rollout_topics(settings_.client, {settings_.policy_topic, settings_.fleet_topic});
      !topics) {
    log_ << "policy: " << topics.error().message << std::endl;
    return false;
  }
  auto reader = kafka::TopicReader::create(settings_.client, settings_.policy_topic, settings_.catch_up_timeout);
  if (!reader) {
    log_ << "policy: " << reader.error().message << std::endl;
    return false;
  }
  auto history = (*reader)->read_to_end(settings_.catch_up_timeout);
  if (!history) {
    log_ << "policy: catching up with " << settings_.policy_topic << ": " << history.error().message << std::endl;
    return false;
  }
  reader_ = std::move(*reader);
  catch_up(*history);
  heartbeat();
  return true;
}

expected<PolicyFollower::Candidate, PolicyFollower::Refusal> PolicyFollower::check(
    const kafka::IncomingMessage& message) const {
  auto release = decode_release(message.value);
  if (!release) return unexpected(Refusal{claimed_version(message.value), "", "unreadable release: " + release.error().summary()});
  Candidate candidate;
  candidate.label = release->name + "@" + std::to_string(release->version);
  candidate.hash = release->content_hash;
  candidate.author = release->author;
  candidate.approver = release->approver;
  candidate.version = release->version;
  const auto active = service_.active();
  if (active && active->policy->content_hash() == release->content_hash) return candidate;  // running it already
  auto refused = [&](std::string reason) { return unexpected(Refusal{release->version, release->content_hash, std::move(reason)}); };
  if (release->name != policy_name_) return refused("the release names policy " + release->name + ", keyed " + message.key);
  auto compiled = files::compile_policy_text(release->document, candidate.label);
  if (!compiled) {
    std::string reason = "does not compile:";
    std::size_t shown = 0;
    for (const auto& d : compiled.error()) {
      if (++shown > 5) {
        reason += " (and " + std::to_string(compiled.error().size() - 5) + " more)";
        break;
      }
      reason += " " + d.to_string() + ";";
    }
    return refused(reason);
  }
  const auto& document = (*compiled)->document();
  if ((*compiled)->content_hash() != release->content_hash)
    return refused("content hash mismatch: the document hashes to " + (*compiled)->content_hash());
  if (document.name != release->name || document.version != release->version)
    return refused("the document is " + document.name + "@" + std::to_string(document.version) + ", the release says " +
                   candidate.label);
  candidate.compiled = std::move(*compiled);
  return candidate;
}

void PolicyFollower::apply(const Candidate& candidate) {
  if (!candidate.compiled) return;  // already running
  if (auto previous = service_.set_policy(candidate.compiled)) retired_.push_back(std::move(previous));
  metrics_.policy_rollout(true, candidate.version);
  log_ << "policy: applied " << candidate.label << " (" << candidate.hash << "), author " << candidate.author
       << ", approved by " << candidate.approver << std::endl;
}

void PolicyFollower::consider(const kafka::IncomingMessage& message) {
  if (message.key != policy_name_) return;
  auto candidate = check(message);
  if (!candidate) {
    refuse(candidate.error());
  } else {
    if (!candidate->compiled) return;
    apply(*candidate);
  }
  heartbeat();
}

void PolicyFollower::catch_up(const std::vector<kafka::IncomingMessage>& history) {
  // The newest version for our key that is acceptable, newest first: when the latest is refused, a
  // daemon starting now runs the version the rest of the fleet kept serving (as long as compaction
  // has not removed it yet; otherwise it stays on the policy it started with). Every newer one it
  // passes over is reported as refused.
  std::vector<const kafka::IncomingMessage*> ours;
  for (const auto& m : history)
    if (m.key == policy_name_) ours.push_back(&m);
  bool refused_newest = false;
  for (auto it = ours.rbegin(); it != ours.rend(); ++it) {
    auto candidate = check(**it);
    if (candidate) {
      apply(*candidate);
      break;
    }
    if (!refused_newest) {
      refuse(candidate.error());  // the newest refusal is the one the fleet status reports
      refused_newest = true;
    }
  }
}

void PolicyFollower::refuse(const Refusal& refusal) {
  {
    std::lock_guard lock(mutex_);
    refusal_.refused_version = refusal.version;
    refusal_.refused_hash = refusal.hash;
    refusal_.refused_reason = refusal.reason;
    refusal_.refused_at_ms = now_ms();
  }
  metrics_.policy_rollout(false, refusal.version);
  const auto active = service_.active();
  log_ << "policy: refused " << policy_name_ << "@" << refusal.version << ": " << refusal.reason
       << "; still serving version " << active->policy->document().version << std::endl;
}

FleetStatus PolicyFollower::status() const {
  FleetStatus s;
  {
    std::lock_guard lock(mutex_);
    s = refusal_;
  }
  const auto active = service_.active();
  s.daemon_id = settings_.daemon_id;
  s.host = settings_.host;
  s.policy_name = active->policy->document().name;
  s.policy_version = active->policy->document().version;
  s.policy_hash = active->policy->content_hash();
  s.at_ms = now_ms();
  return s;
}

void PolicyFollower::heartbeat() {
  next_heartbeat_ = std::chrono::steady_clock::now() + settings_.heartbeat_interval;
  if (!producer_) return;
  const kafka::OutgoingMessage message{settings_.fleet_topic, settings_.daemon_id, encode_fleet_status(status())};
  if (auto sent = producer_->send(std::span(&message, 1)); !sent)
    log_ << "policy: heartbeat not sent: " << sent.error().message << std::endl;
}

void PolicyFollower::release_retired() {
  // use_count() 1: only this list holds it, and nothing can take a new reference (it is no longer
  // the active one), so this thread frees it.
  std::erase_if(retired_, [](const auto& p) { return p.use_count() == 1; });
}

void PolicyFollower::run(std::promise<bool>& first_connection) {
  // Compiling a version is background work: on a busy machine the request threads go first (Linux
  // nice applies per thread, and threads inherit it from the thread that creates them — librdkafka's
  // threads for the policy reader and the heartbeat producer, created by connect() below, too),
  // which is what keeps a swap from slowing requests. Nice 5, not more (the sink's writer, whose work
  // grows with the traffic, runs at nice 0): at nice 10 on the shared development machine (load ~10)
  // a compile was starved for over a second (bench_kafka publish -> applied p99 1.6 s). Failure is
  // harmless.
  setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 5);
  pthread_setname_np(pthread_self(), "policy-follower");  // top -H, perf, /proc
  first_connection.set_value(connect());  // start() returns once this is set
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (stopping_) break;
    }
    if (!reader_) {
      if (!connect()) {
        std::unique_lock lock(mutex_);
        wake_.wait_for(lock, std::chrono::seconds(2), [&] { return stopping_; });
      }
      continue;
    }
    auto messages = reader_->poll(100, std::chrono::milliseconds(100));
    if (!messages) {
      log_ << "policy: following " << settings_.policy_topic << ": " << messages.error().message << std::endl;
      reader_.reset();  // start over: read from the beginning again
      continue;
    }
    // Only the newest version per key matters when several arrived together.
    std::map<std::string, const kafka::IncomingMessage*> newest;
    for (const auto& m : *messages) newest[m.key] = &m;
    if (auto it = newest.find(policy_name_); it != newest.end()) consider(*it->second);
    release_retired();
    if (std::chrono::steady_clock::now() >= next_heartbeat_) heartbeat();
  }
  heartbeat();  // the last word: what this daemon ran when it stopped
}

void PolicyFollower::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace verdict::daemon
