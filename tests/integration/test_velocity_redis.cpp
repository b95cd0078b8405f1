// Velocity counters against the real Redis: several counters (separate connections, as several
// daemons) see one total; windows expire on an injected clock; keys are hashes with TTLs; a Redis
// that is killed makes the counters unknown while decisions go on; and two real daemons sharing
// Redis refer the third applicant on one IBAN.
#include <QtTest/QtTest>

#include <hiredis/hiredis.h>

#include <fstream>
#include <random>
#include <thread>

#include "daemon_harness.hpp"
#include "processes.hpp"
#include "velocity/velocity_counter.hpp"

using namespace verdict;
using namespace verdict::test;
using nlohmann::json;

namespace {

std::string unique_prefix(const std::string& what) {
  return "verdict-it:" + what + ":" + std::to_string(::getpid()) + ":" + std::to_string(std::random_device{}()) + ":";
}

velocity::Observation person(int applicant, int application, const std::string& iban_hash, std::int64_t at_ms) {
  velocity::Observation o;
  o.at_ms = at_ms;
  o.applicant = "applicant-" + std::to_string(applicant);
  o.application = "application-" + std::to_string(application);
  o.identifiers[static_cast<std::size_t>(VelocityIdentifier::Iban)] = iban_hash;
  return o;
}

VelocityDeclaration iban_1h_24h() {
  VelocityDeclaration d;
  d.declare(VelocityIdentifier::Iban, VelocityWindow::Hour1);
  d.declare(VelocityIdentifier::Iban, VelocityWindow::Hours24);
  return d;
}

int distinct(const VelocitySignals& s, VelocityWindow w) {
  return s.get(VelocityIdentifier::Iban, w, VelocityMeasure::DistinctApplicants).value_or(-1);
}

/// Plain hiredis, to look at what the counters left in Redis.
struct RedisProbe {
  redisContext* c = redisConnect("127.0.0.1", 6379);
  ~RedisProbe() { redisFree(c); }
  std::vector<std::string> keys(const std::string& pattern) {
    std::vector<std::string> out;
    auto* r = static_cast<redisReply*>(redisCommand(c, "KEYS %s", pattern.c_str()));
    for (std::size_t i = 0; r && i < r->elements; ++i) out.emplace_back(r->element[i]->str, r->element[i]->len);
    if (r) freeReplyObject(r);
    return out;
  }
  long long integer(const char* format, const std::string& arg) {
    auto* r = static_cast<redisReply*>(redisCommand(c, format, arg.c_str()));
    const long long v = r ? r->integer : -1;
    if (r) freeReplyObject(r);
    return v;
  }
  void command(const char* text) {
    if (auto* r = static_cast<redisReply*>(redisCommand(c, text))) freeReplyObject(r);
  }
};

constexpr std::int64_t t0 = 1'780'000'000'000;
constexpr std::int64_t minute = 60'000;

/// The sample policy with the IBAN velocity rule referring when the counters are unknown.
std::string policy_refer_on_unknown_velocity(const std::filesystem::path& dir) {
  std::ifstream in(std::string(VERDICT_SOURCE_DIR) + "/resources/policy/sample-policy.json");
  json doc = json::parse(in);
  for (auto& rule : doc["rules"])
    if (rule["id"] == "fraud.velocity_iban") rule["on_unknown"] = "REFER";
  const auto path = dir / "policy-velocity-refer.json";
  std::ofstream(path) << doc.dump(2);
  return path.string();
}

bool has_reason(const json& decision, const std::string& rule_id) {
  for (const auto& r : decision["reasons"])
    if (r.value("rule_id", "") == rule_id) return true;
  return false;
}

}  // namespace

class VelocityRedisTest : public QObject {
  Q_OBJECT
 private slots:
  void two_counters_on_separate_connections_see_one_total() {
    const auto prefix = unique_prefix("total");
    velocity::RedisCounter a("127.0.0.1", 6379, prefix), b("127.0.0.1", 6379, prefix);
    const auto d = iban_1h_24h();
    for (int i = 0; i < 6; ++i) {
      auto& counter = i % 2 ? b : a;
      auto s = counter.record(person(i, i, "iban-hash-1", t0 + i * minute), d);
      QVERIFY2(s.has_value(), s ? "" : s.error().c_str());
      QCOMPARE(distinct(*s, VelocityWindow::Hours24), i + 1);
      QCOMPARE(s->get(VelocityIdentifier::Iban, VelocityWindow::Hours24, VelocityMeasure::Applications).value_or(-1), i + 1);
    }
    // A retried application (same application hash) is not counted twice.
    auto again = b.record(person(5, 5, "iban-hash-1", t0 + 7 * minute), d);
    QCOMPARE(again->get(VelocityIdentifier::Iban, VelocityWindow::Hours24, VelocityMeasure::Applications).value_or(-1), 6);
  }

  void concurrent_updates_are_atomic() {
    const auto prefix = unique_prefix("atomic");
    const auto d = iban_1h_24h();
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        velocity::RedisCounter counter("127.0.0.1", 6379, prefix);
        for (int i = 0; i < 50; ++i)
          if (!counter.record(person(t * 1000 + i, t * 1000 + i, "iban-hash-2", t0 + i), d)) ++failures;
      });
    for (auto& t : threads) t.join();
    QCOMPARE(failures.load(), 0);
    velocity::RedisCounter reader("127.0.0.1", 6379, prefix);
    auto s = reader.record(person(9999, 9999, "iban-hash-2", t0 + 100), d);
    QCOMPARE(distinct(*s, VelocityWindow::Hours24), 201);
  }

  void windows_expire_on_the_injected_clock() {
    const auto prefix = unique_prefix("windows");
    velocity::RedisCounter counter("127.0.0.1", 6379, prefix);
    const auto d = iban_1h_24h();
    counter.record(person(1, 1, "iban-hash-3", t0), d);
    auto s = counter.record(person(2, 2, "iban-hash-3", t0 + 59 * minute), d);
    QCOMPARE(distinct(*s, VelocityWindow::Hour1), 2);
    s = counter.record(person(3, 3, "iban-hash-3", t0 + 61 * minute), d);
    QCOMPARE(distinct(*s, VelocityWindow::Hour1), 2);
    QCOMPARE(distinct(*s, VelocityWindow::Hours24), 3);
    s = counter.record(person(4, 4, "iban-hash-3", t0 + 25 * 60 * minute), d);
    QCOMPARE(distinct(*s, VelocityWindow::Hour1), 1);
    QCOMPARE(distinct(*s, VelocityWindow::Hours24), 2);
    // 32 days on, everything older than the longest window (30 days) has been trimmed from the set.
    s = counter.record(person(5, 5, "iban-hash-3", t0 + 32LL * 24 * 60 * minute), d);
    QCOMPARE(distinct(*s, VelocityWindow::Hours24), 1);
    RedisProbe probe;
    QCOMPARE(probe.integer("ZCARD %s", prefix + "iban:iban-hash-3:p"), 1LL);
  }

  void keys_are_hashes_with_a_ttl() {
    const auto prefix = unique_prefix("keys");
    velocity::RedisCounter counter("127.0.0.1", 6379, prefix);
    const Application a = *decode_application(application());
    const auto o = velocity::observe(a, "integration-key", t0);
    VelocityDeclaration d;
    d.declare(VelocityIdentifier::Iban, VelocityWindow::Hours24);
    d.declare(VelocityIdentifier::Email, VelocityWindow::Days7);
    QVERIFY(counter.record(o, d).has_value());
    RedisProbe probe;
    const auto keys = probe.keys(prefix + "*");
    QCOMPARE(keys.size(), std::size_t(4));  // IBAN and e-mail, applications and applicants each
    for (const auto& key : keys) {
      QVERIFY2(key.find(a.applicant.iban) == std::string::npos, key.c_str());
      QVERIFY2(key.find(a.applicant.email) == std::string::npos, key.c_str());
      const long long ttl = probe.integer("PTTL %s", key);
      QVERIFY2(ttl > 0 && ttl <= velocity_retention.count(), std::to_string(ttl).c_str());
    }
  }

  void a_flushed_script_cache_is_reloaded() {
    const auto prefix = unique_prefix("noscript");
    velocity::RedisCounter counter("127.0.0.1", 6379, prefix);
    const auto d = iban_1h_24h();
    QVERIFY(counter.record(person(1, 1, "iban-hash-4", t0), d).has_value());
    RedisProbe probe;
    probe.command("SCRIPT FLUSH");  // as after a Redis restart
    auto s = counter.record(person(2, 2, "iban-hash-4", t0 + minute), d);
    QVERIFY2(s.has_value(), s ? "" : s.error().c_str());
    QCOMPARE(distinct(*s, VelocityWindow::Hours24), 2);
  }

  void two_daemons_share_the_count_and_refer_the_third_applicant() {
    const auto prefix = unique_prefix("daemons");
    auto shared = [&](daemon::Config& c) {
      c.redis_url = "redis://127.0.0.1:6379";
      c.velocity_key_prefix = prefix;
    };
    Stack first("velocity-a", shared), second("velocity-b", shared);
    const std::string iban = test_iban(4'242'424'242LL);
    std::vector<json> answers;
    for (int i = 0; i < 3; ++i) {
      json a = application("clean");
      a["applicant"]["iban"] = iban;
      const auto r = (i == 1 ? second : first).decide(a);
      QCOMPARE(r.status, 200u);
      answers.push_back(r.json);
    }
    // The sample policy refers above 2 different applicants on one IBAN in 24 hours.
    QVERIFY(!has_reason(answers[1], "fraud.velocity_iban"));
    QVERIFY2(has_reason(answers[2], "fraud.velocity_iban"), answers[2].dump().c_str());
    QCOMPARE(answers[2]["outcome"], json("REFER"));
    // The counts are recorded with the decision, so a replay sees them.
    const auto stored = http_call(first.port, "GET", "/v1/decisions/" + answers[2]["decision_id"].get<std::string>(), {},
                                  bearer(read_token));
    QCOMPARE(stored.json["case"]["velocity"]["iban"]["distinct_applicants_24h"], json(3));
  }

  void redis_killed_makes_velocity_unknown_and_decisions_go_on() {
    const auto port = free_port();
    ChildProcess redis({"redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"});
    QVERIFY(eventually([&] { return run_command({"redis-cli", "-p", std::to_string(port), "ping"}); }));
    const auto dir = scratch_dir("velocity-policy");
    const auto policy = policy_refer_on_unknown_velocity(dir);
    Stack stack("velocity-down", [&](daemon::Config& c) {
      c.redis_url = "redis://127.0.0.1:" + std::to_string(port);
      c.policy_path = policy;
    });
    auto up = stack.decide(application("clean"));
    QCOMPARE(up.status, 200u);
    QCOMPARE(up.json["outcome"], json("ACCEPT"));
    redis.kill_now();
    for (int i = 0; i < 3; ++i) {
      const auto r = stack.decide(application("clean"));
      QCOMPARE(r.status, 200u);
      // Unknown, not zero: the rule's on_unknown (REFER here) applies.
      QCOMPARE(r.json["outcome"], json("REFER"));
      QVERIFY2(has_reason(r.json, "fraud.velocity_iban"), r.json.dump().c_str());
      const auto stored =
          http_call(stack.port, "GET", "/v1/decisions/" + r.json["decision_id"].get<std::string>(), {}, bearer(read_token));
      QCOMPARE(stored.json["case"]["velocity"], (json{{"error", "velocity counter store unreachable"}}));
    }
    const auto metrics = http_call(stack.port, "GET", "/metrics");
    QVERIFY(metrics.body.find("verdict_velocity_failures 3") != std::string::npos);
    std::filesystem::remove_all(dir);
  }
};

QTEST_MAIN(VelocityRedisTest)
#include "test_velocity_redis.moc"
