// verdictd through its HTTP API, against a real verdict-sim: one test per rule family, idempotency,
// auth, every error status, a corpus of malformed requests, and providers failing in every way.
#include <QtTest/QtTest>

#include <thread>

#include "daemon_harness.hpp"
#include "store/decision_store.hpp"

using namespace verdict;
using namespace verdict::test;
using nlohmann::json;

namespace {

bool fired(const json& decision, const std::string& rule) {
  for (const auto& r : decision["reasons"])
    if (r["rule_id"] == rule) return true;
  return false;
}

std::string rules_of(const json& decision) {
  std::string out;
  for (const auto& r : decision["reasons"]) out += r["rule_id"].get<std::string>() + " ";
  return out;
}

}  // namespace

class DaemonTest : public QObject {
  Q_OBJECT
  std::unique_ptr<Stack> stack;

 private slots:
  void initTestCase() { stack = std::make_unique<Stack>("daemon"); }
  void cleanupTestCase() { stack.reset(); }
  // Every test starts from the simulator's defaults, with instant answers.
  void init() {
    QCOMPARE(http_call(stack->sim_port, "POST", "/admin/reset").status, 200u);
    QCOMPARE(stack->sim_config({{"latency_scale", 0}}).status, 200u);
  }

  void health_readiness_policy_and_metrics() {
    QCOMPARE(http_call(stack->port, "GET", "/healthz").status, 200u);
    QCOMPARE(http_call(stack->port, "GET", "/readyz").status, 200u);
    const auto policy = http_call(stack->port, "GET", "/v1/policy", {}, bearer(read_token));
    QCOMPARE(policy.status, 200u);
    QCOMPARE(policy.json["name"], json("consumer-nl"));
    QVERIFY(policy.json["hash"].get<std::string>().starts_with("sha256:"));
    QVERIFY(stack->decide(application()).status == 200);
    const auto metrics = http_call(stack->port, "GET", "/metrics");
    QCOMPARE(metrics.status, 200u);
    QVERIFY(QString::fromStdString(metrics.body).contains("verdict_decisions_total{outcome=\"ACCEPT\",channel=\"shop\"}"));
    QVERIFY(QString::fromStdString(metrics.body).contains("verdict_provider_calls_total{provider=\"bkr\""));
    QVERIFY(QString::fromStdString(metrics.body).contains("verdict_http_request_duration_seconds_bucket{route=\"/v1/decisions\",status=\"200\",le=\"0.5\"}"));
    QVERIFY(QString::fromStdString(metrics.body).contains("verdict_policy_version 1"));
  }

  void rule_families_data() {
    QTest::addColumn<QString>("markers");
    QTest::addColumn<QString>("patch");  // JSON merged into the application
    QTest::addColumn<QString>("outcome");
    QTest::addColumn<QString>("rule");
    QTest::newRow("clean") << "clean" << "{}" << "ACCEPT" << "";
    QTest::newRow("identity: minor") << "clean" << R"({"applicant": {"date_of_birth": "2010-01-01"}})" << "REJECT" << "identity.minor";
    QTest::newRow("identity: stolen ID") << "clean+stolen" << "{}" << "REJECT" << "identity.document_lost_stolen";
    QTest::newRow("address: not found") << "clean+noaddress" << "{}" << "REFER" << "address.not_found";
    QTest::newRow("iban: name mismatch") << "clean+ibanmismatch" << "{}" << "REFER" << "iban.name_mismatch";
    QTest::newRow("preventel: hit") << "clean+preventel" << "{}" << "REJECT" << "preventel.registered";
    QTest::newRow("internal: arrears") << "clean+arrears" << "{}" << "REJECT" << "operator.arrears";
    QTest::newRow("bkr: A code") << "clean+bkr-a" << "{}" << "REJECT" << "bkr.arrears_code";
    QTest::newRow("bkr: debt settlement") << "clean+bkr-sr" << "{}" << "REJECT" << "bkr.debt_settlement";
    QTest::newRow("bureau: low score only") << "clean+lowscore" << "{}" << "REFER" << "bureau.low_score";
    QTest::newRow("affordability: shortfall")
        << "clean" << R"({"household": {"net_income_cents": 160000, "housing_costs_cents": 60000}})" << "ACCEPT_SIM_ONLY"
        << "affordability.shortfall";
    QTest::newRow("affordability: income proof")
        << "clean"
        << R"({"order": {"device_price_cents": 129900, "credit_amount_cents": 129900}, "household": {"net_income_cents": 600000}})"
        << "REFER" << "affordability.income_proof_required";
    QTest::newRow("fraud: young device credits")
        << "clean+bkr-devicecredits" << R"({"applicant": {"date_of_birth": "2004-05-05"}})" << "REJECT" << "fraud.young_device_credits";
  }
  void rule_families() {
    QFETCH(QString, markers);
    QFETCH(QString, patch);
    QFETCH(QString, outcome);
    QFETCH(QString, rule);
    json a = application(markers.toStdString());
    a.merge_patch(json::parse(patch.toStdString()));
    const auto r = stack->decide(a);
    QCOMPARE(r.status, 200u);
    QCOMPARE(QString::fromStdString(r.json["outcome"]), outcome);
    if (rule.isEmpty()) QVERIFY2(r.json["reasons"].empty(), rules_of(r.json).c_str());
    else QVERIFY2(fired(r.json, rule.toStdString()), rules_of(r.json).c_str());
    // Every planned provider has a status; none is missing.
    for (const char* p : {"preventel", "bkr", "bureau", "operator", "id_check", "iban_check", "address"})
      QCOMPARE(r.json["providers"][p]["status"] == "unavailable", false);
    QVERIFY(r.json["decision_id"].get<std::string>().size() == 36);
  }

  void decisions_are_stored_and_read_back() {
    const auto r = stack->decide(application("clean+preventel"));
    QCOMPARE(r.status, 200u);
    const std::string id = r.json["decision_id"];
    QCOMPARE(r.header("location"), "/v1/decisions/" + id);
    const auto back = http_call(stack->port, "GET", "/v1/decisions/" + id, {}, bearer(read_token));
    QCOMPARE(back.status, 200u);
    QCOMPARE(back.json["decision"]["outcome"], json("REJECT"));
    QCOMPARE(back.json["case"]["providers"]["preventel"]["status"], json("hit"));
    QCOMPARE(http_call(stack->port, "GET", "/v1/decisions/00000000-0000-0000-0000-000000000000", {}, bearer(read_token)).status,
             404u);
  }

  void idempotency_key_returns_the_same_decision_once() {
    auto headers = std::vector<std::pair<std::string, std::string>>{{"Idempotency-Key", "order-4711"}};
    const auto first = stack->decide(application(), headers);
    const auto second = stack->decide(application(), headers);
    QCOMPARE(first.status, 200u);
    QCOMPARE(second.status, 200u);
    QCOMPARE(second.json["decision_id"], first.json["decision_id"]);
    QCOMPARE(second.header("idempotent-replayed"), std::string("true"));
    const auto other = stack->decide(application(), {{"Idempotency-Key", "order-4712"}});
    QVERIFY(other.json["decision_id"] != first.json["decision_id"]);
  }

  void authentication_and_scopes() {
    const std::string body = application().dump();
    QCOMPARE(http_call(stack->port, "POST", "/v1/decisions", body, {{"Content-Type", "application/json"}}).status, 401u);
    const auto wrong = http_call(stack->port, "POST", "/v1/decisions", body, bearer("not-a-valid-token-at-all"));
    QCOMPARE(wrong.status, 401u);
    QCOMPARE(wrong.header("www-authenticate"), std::string("Bearer"));
    QCOMPARE(wrong.header("content-type"), std::string("application/problem+json"));
    QCOMPARE(http_call(stack->port, "POST", "/v1/decisions", body, bearer(read_token)).status, 403u);
    QCOMPARE(http_call(stack->port, "GET", "/v1/policy", {}, bearer(decide_token)).status, 403u);
    QCOMPARE(http_call(stack->port, "POST", "/v1/decisions", body, bearer(admin_token)).status, 200u);
  }

  void error_statuses() {
    QCOMPARE(http_call(stack->port, "GET", "/v2/nothing").status, 404u);
    const auto not_allowed = http_call(stack->port, "DELETE", "/v1/decisions", {}, bearer(admin_token));
    QCOMPARE(not_allowed.status, 405u);
    QCOMPARE(not_allowed.header("allow"), std::string("POST"));
    QCOMPARE(http_call(stack->port, "POST", "/v1/decisions", application().dump(),
                       {{"Authorization", "Bearer " + decide_token}, {"Content-Type", "text/plain"}})
                 .status,
             415u);
    const auto huge = http_call(stack->port, "POST", "/v1/decisions", std::string(70 * 1024, ' '), bearer(decide_token));
    QCOMPARE(huge.status, 413u);
    const auto headers = http_call(stack->port, "GET", "/healthz", {}, {{"X-Padding", std::string(10 * 1024, 'x')}});
    QCOMPARE(headers.status, 431u);
    QCOMPARE(http_call(stack->port, "GET", "/healthz").status, 200u);
  }

  void malformed_requests_data() {
    QTest::addColumn<QString>("body");
    QTest::addColumn<QString>("pointer");  // a field the problem must name, or empty
    QTest::newRow("broken JSON") << "{\"id\": " << "";
    QTest::newRow("not an object") << "[1, 2, 3]" << "";
    QTest::newRow("empty body") << "" << "";
    QTest::newRow("wrong type") << R"({"__patch": {"household": {"net_income_cents": "lots"}}})" << "/household/net_income_cents";
    QTest::newRow("missing field") << R"({"__remove": "/applicant/iban"})" << "/applicant/iban";
    QTest::newRow("huge number") << R"({"__patch": {"order": {"monthly_fee_cents": 1e300}}})" << "/order/monthly_fee_cents";
    QTest::newRow("negative money") << R"({"__patch": {"household": {"housing_costs_cents": -1}}})" << "/household/housing_costs_cents";
    QTest::newRow("birth in the future") << R"({"__patch": {"applicant": {"date_of_birth": "2031-01-01"}}})" << "/applicant/date_of_birth";
    QTest::newRow("impossible date") << R"({"__patch": {"date": "2026-02-30"}})" << "/date";
    QTest::newRow("invalid IBAN checksum") << R"({"__patch": {"applicant": {"iban": "NL91ABNA0417164301"}}})" << "/applicant/iban";
    QTest::newRow("unknown field") << R"({"__patch": {"applicant": {"bsn": "123456782"}}})" << "/applicant/bsn";
    QTest::newRow("deep nesting") << QString(5000, '[') + QString(5000, ']') << "";
    QTest::newRow("invalid UTF-8") << QString::fromLatin1("{\"id\": \"\xff\xfe\"}") << "";
  }
  void malformed_requests() {
    QFETCH(QString, body);
    QFETCH(QString, pointer);
    std::string text = body.toStdString();
    if (body == QString::fromLatin1("{\"id\": \"\xff\xfe\"}")) text = std::string("{\"id\": \"\xff\xfe\"}");
    const auto directive = json::parse(text, nullptr, false);
    if (!directive.is_discarded() && directive.is_object() && (directive.contains("__patch") || directive.contains("__remove"))) {
      json a = application();
      if (directive.contains("__patch")) a.merge_patch(directive["__patch"]);
      if (directive.contains("__remove")) {
        const json::json_pointer p(directive["__remove"].get<std::string>());
        a[p.parent_pointer()].erase(p.back());
      }
      text = a.dump();
    }
    const auto r = http_call(stack->port, "POST", "/v1/decisions", text, bearer(decide_token));
    QVERIFY2(r.status >= 400 && r.status < 500, r.body.c_str());
    QCOMPARE(r.header("content-type"), std::string("application/problem+json"));
    QCOMPARE(r.json["status"], json(r.status));
    if (!pointer.isEmpty()) {
      bool named = false;
      for (const auto& e : r.json["errors"]) named = named || e["pointer"] == pointer.toStdString();
      QVERIFY2(named, r.body.c_str());
    }
    QCOMPARE(http_call(stack->port, "GET", "/healthz").status, 200u);  // still serving
  }

  void provider_failures_data() {
    QTest::addColumn<QString>("provider");
    QTest::addColumn<QString>("fault");
    for (const char* p : {"bkr", "preventel", "bureau", "operator", "id_check", "iban_check", "address"})
      for (const char* f : {"error_rate", "timeout_rate", "reset_rate", "slow_rate"})
        QTest::newRow((std::string(p) + " " + f).c_str()) << p << f;
  }
  void provider_failures() {
    QFETCH(QString, provider);
    QFETCH(QString, fault);
    const std::string p = provider.toStdString();
    // Slow answers: real latencies, fifty times too slow, so past every provider's deadline.
    const bool slow = fault == "slow_rate";
    // A fixed 100 ms latency, so slow is always 5 s: past every provider deadline (at most 1.5 s).
    QCOMPARE(stack->sim_config({{"latency_scale", slow ? 1.0 : 0.0},
                                {"providers",
                                 {{p,
                                   {{fault.toStdString(), 1.0},
                                    {"timeout_ms", 4000},
                                    {"slow_factor", 50},
                                    {"median_ms", 100},
                                    {"p95_ms", 100}}}}}})
                 .status,
             200u);
    const auto started = std::chrono::steady_clock::now();
    const auto r = stack->decide(application());
    const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    QCOMPARE(r.status, 200u);  // a decision, never a 5xx
    QCOMPARE(r.json["providers"][p]["status"], json("unavailable"));
    QVERIFY2(seconds < 3.5, qPrintable(QString::number(seconds)));  // within the decision deadline
    QVERIFY(r.json["outcome"] != "ACCEPT" || (p != "bkr" && p != "preventel"));  // required providers never accept
    stack->sim_config({{"providers", {{p, {{fault.toStdString(), 0.0}}}}}});
  }

  void circuit_breaker_opens_and_recovers() {
    stack->sim_config({{"providers", {{"address", {{"error_rate", 1.0}}}}}});
    for (int i = 0; i < 8; ++i) stack->decide(application());
    const auto open = stack->decide(application());
    QCOMPARE(open.json["providers"]["address"]["status"], json("unavailable"));
    stack->sim_config({{"providers", {{"address", {{"error_rate", 0.0}}}}}});
    // The breaker lets a probe through after its open period (5 s by default).
    bool recovered = false;
    for (int i = 0; i < 80 && !recovered; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      recovered = stack->decide(application()).json["providers"]["address"]["status"] == "ok";
    }
    QVERIFY(recovered);
  }

  void answers_are_cached() {
    // Findings from several providers, so the cached answers carry data and not just "clean".
    json a = application("bkr-2+preventel+ibanmismatch+arrears");
    a["applicant"]["last_name"] = "Cachetest";
    const auto first = stack->decide(a);
    const auto second = stack->decide(a);
    QCOMPARE(first.status, 200U);
    QCOMPARE(first.json["providers"]["bkr"].value("cached", false), false);
    QCOMPARE(second.json["providers"]["bkr"]["cached"], json(true));
    QCOMPARE(second.json["outcome"], first.json["outcome"]);
    // Decided on the same facts: every reason, with the values that made it fire, is the same.
    QVERIFY(!first.json["reasons"].empty());
    QCOMPARE(second.json["reasons"].dump(), first.json["reasons"].dump());
  }
};

QTEST_APPLESS_MAIN(DaemonTest)
#include "test_daemon.moc"
