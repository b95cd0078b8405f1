// verdict-sim over real HTTP: every e-mail marker gives its finding, answers are deterministic and
// realistic without markers, every fault kind is observable by a client, the admin endpoints
// validate and count. The server runs in-process on a free port with instant answers; nothing
// here asserts an upper bound on time except a generous one on shutdown.
#include <QtTest/QtTest>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

#include "client.hpp"
#include "domain/codec.hpp"
#include "history/generator.hpp"
#include "sim_app.hpp"

using namespace verdict;
using nlohmann::json;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace bhttp = boost::beast::http;

namespace {

/// A generated applicant, with markers added to the e-mail's local part when given.
Application applicant(std::uint64_t index, const std::string& markers = {}) {
  history::GeneratorOptions options;
  options.seed = 11;
  Application a = history::generate_case(options, index).application;
  if (!markers.empty()) a.applicant.email.insert(a.applicant.email.find('@'), "+" + markers);
  return a;
}

std::string call_body(const Application& a) { return json{{"application", encode(a)}}.dump(); }

/// One provider call through the real client, as verdictd makes it.
expected<http::ClientResponse, std::string> call(unsigned short port, std::string_view provider, std::string body,
                                                 std::chrono::milliseconds timeout = 20s) {
  asio::io_context io;
  std::optional<expected<http::ClientResponse, std::string>> result;
  asio::co_spawn(io,
                 http::post_json({"127.0.0.1", port}, "/v1/providers/" + std::string(provider), std::move(body), timeout),
                 [&](std::exception_ptr e, expected<http::ClientResponse, std::string> r) {
                   result = e ? expected<http::ClientResponse, std::string>(unexpected(std::string("exception")))
                              : std::move(r);
                 });
  io.run();
  return std::move(*result);
}

/// A provider's answer decoded as verdictd decodes it; fails the test when it does not decode.
std::optional<ProviderResults> decoded(ProviderId id, const expected<http::ClientResponse, std::string>& response) {
  if (!response || response->status != 200) {
    qWarning("no answer: %s", response ? std::to_string(response->status).c_str() : response.error().c_str());
    return std::nullopt;
  }
  ProviderResults out;
  const json body = json::parse(response->body, nullptr, false);
  auto ok = decode_provider(id, body, out);
  if (!ok) {
    qWarning("answer does not decode: %s", ok.error().summary().c_str());
    return std::nullopt;
  }
  return out;
}

struct Reply {
  unsigned status = 0;
  json body;
};

/// The admin endpoints, with a plain blocking request (the provider client only POSTs).
Reply admin(unsigned short port, bhttp::verb method, const std::string& target, const std::string& body = {}) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  bhttp::request<bhttp::string_body> request{method, target, 11};
  request.set(bhttp::field::host, "127.0.0.1");
  if (!body.empty()) request.set(bhttp::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  bhttp::write(socket, request);
  boost::beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  bhttp::read(socket, buffer, response);
  return {response.result_int(), json::parse(response.body(), nullptr, false)};
}

bool has_pointer(const json& problem, const std::string& pointer) {
  if (!problem.contains("errors")) return false;
  for (const auto& e : problem["errors"])
    if (e["pointer"] == pointer) return true;
  return false;
}

int device_credits_last_30d(const Application& a, const BkrResult& bkr) {
  int n = 0;
  for (const auto& c : bkr.contracts)
    if (c.device && a.date.days - c.opened.days >= 0 && a.date.days - c.opened.days <= 30) ++n;
  return n;
}

/// True when no provider reports anything a policy would hold against the applicant.
bool clean(const Application& a, const ProviderResults& r) {
  bool sr = false;
  for (const auto& c : r.bkr.contracts) sr = sr || c.type == "SR";
  return r.bkr.codes.empty() && !sr && device_credits_last_30d(a, r.bkr) == 0 &&
         r.preventel.status == ProviderStatus::NoHit && r.bureau.score >= 450 && r.operator_history.arrears == 0 &&
         r.operator_history.write_offs == 0 && r.operator_history.active_subscriptions < 5 &&
         r.id_check.document_status == "valid" && r.iban_check.name_match != "no_match" &&
         !r.iban_check.account_closed && !r.iban_check.business_account && r.address.exists && r.address.residential;
}

/// Every provider's answer for `a`, straight from the answer function.
ProviderResults all_answers(const Application& a, std::uint64_t seed) {
  ProviderResults out;
  for (ProviderId id : all_providers()) {
    const ProviderResults one = sim::answer(id, a, seed);
    switch (id) {
      case ProviderId::Bkr: out.bkr = one.bkr; break;
      case ProviderId::Preventel: out.preventel = one.preventel; break;
      case ProviderId::Bureau: out.bureau = one.bureau; break;
      case ProviderId::Operator: out.operator_history = one.operator_history; break;
      case ProviderId::IdCheck: out.id_check = one.id_check; break;
      case ProviderId::IbanCheck: out.iban_check = one.iban_check; break;
      case ProviderId::Address: out.address = one.address; break;
    }
  }
  return out;
}

sim::Config instant_config() {
  sim::Config c = sim::default_config();
  c.latency_scale = 0;
  return c;
}

}  // namespace

class SimTest : public QObject {
  Q_OBJECT
  std::unique_ptr<sim::SimServer> server;
  unsigned short port = 0;

  Reply put_config(const json& patch) { return admin(port, bhttp::verb::put, "/admin/config", patch.dump()); }

 private slots:
  void initTestCase() {
    server = std::make_unique<sim::SimServer>(instant_config());
    auto bound = server->start("127.0.0.1", 0, 2);
    QVERIFY2(bound, bound ? "" : bound.error().c_str());
    port = *bound;
  }
  void cleanupTestCase() { server.reset(); }
  // Every test starts from the start configuration with zeroed counters.
  void init() { QCOMPARE(admin(port, bhttp::verb::post, "/admin/reset").status, 200u); }

  void markers_are_parsed_from_the_local_part() {
    const auto m = sim::parse_markers("Jan+BKR-A+newsletter+preventel@example.com");
    QVERIFY(m.has(sim::Marker::BkrA));
    QVERIFY(m.has(sim::Marker::Preventel));
    QVERIFY(!m.has(sim::Marker::Clean));
    QVERIFY(!m.has(sim::Marker::BkrAH));
    QVERIFY(sim::parse_markers("jan@example.com").empty());
    QVERIFY(sim::parse_markers("jan+newsletter@example.com").empty());
    QVERIFY(sim::parse_markers("jan@clean+example.com").empty());  // only the local part counts
    for (sim::Marker marker : sim::all_markers())
      QVERIFY(sim::parse_markers("x+" + std::string(sim::to_string(marker)) + "@example.com").has(marker));
  }

  void every_marker_gives_its_finding() {
    struct Expectation {
      const char* marker;
      ProviderId provider;
      std::function<bool(const Application&, const ProviderResults&)> holds;
    };
    using S = std::vector<std::string>;
    const std::vector<Expectation> expectations{
        {"bkr-a", ProviderId::Bkr, [](auto&, auto& r) { return r.bkr.codes == S{"A"} && r.bkr.status == ProviderStatus::Hit; }},
        {"bkr-ah", ProviderId::Bkr, [](auto&, auto& r) { return r.bkr.codes == S{"A", "H"}; }},
        {"bkr-2", ProviderId::Bkr, [](auto&, auto& r) { return r.bkr.codes == S{"2"}; }},
        {"bkr-3", ProviderId::Bkr, [](auto&, auto& r) { return r.bkr.codes == S{"3"}; }},
        {"bkr-4", ProviderId::Bkr, [](auto&, auto& r) { return r.bkr.codes == S{"4"}; }},
        {"bkr-sr", ProviderId::Bkr,
         [](auto&, auto& r) {
           return std::any_of(r.bkr.contracts.begin(), r.bkr.contracts.end(), [](auto& c) { return c.type == "SR"; });
         }},
        {"bkr-devicecredits", ProviderId::Bkr, [](auto& a, auto& r) { return device_credits_last_30d(a, r.bkr) >= 3; }},
        {"preventel", ProviderId::Preventel,
         [](auto&, auto& r) { return r.preventel.status == ProviderStatus::Hit && r.preventel.registrations >= 1; }},
        {"lost", ProviderId::IdCheck, [](auto&, auto& r) { return r.id_check.document_status == "lost"; }},
        {"stolen", ProviderId::IdCheck, [](auto&, auto& r) { return r.id_check.document_status == "stolen"; }},
        {"expired", ProviderId::IdCheck, [](auto&, auto& r) { return r.id_check.document_status == "expired"; }},
        {"notfound", ProviderId::IdCheck, [](auto&, auto& r) { return r.id_check.document_status == "not_found"; }},
        {"ibanmismatch", ProviderId::IbanCheck, [](auto&, auto& r) { return r.iban_check.name_match == "no_match"; }},
        {"ibanclosed", ProviderId::IbanCheck, [](auto&, auto& r) { return r.iban_check.account_closed; }},
        {"business", ProviderId::IbanCheck, [](auto&, auto& r) { return r.iban_check.business_account; }},
        {"noaddress", ProviderId::Address, [](auto&, auto& r) { return !r.address.exists && !r.address.residential; }},
        {"nonresidential", ProviderId::Address, [](auto&, auto& r) { return r.address.exists && !r.address.residential; }},
        {"arrears", ProviderId::Operator,
         [](auto&, auto& r) { return r.operator_history.arrears == 15000 && r.operator_history.arrears_days == 60; }},
        {"writeoff", ProviderId::Operator, [](auto&, auto& r) { return r.operator_history.write_offs >= 1; }},
        {"subs6", ProviderId::Operator, [](auto&, auto& r) { return r.operator_history.active_subscriptions == 6; }},
        {"lowscore", ProviderId::Bureau,
         [](auto&, auto& r) { return r.bureau.score == 300 && r.bureau.payment_behaviour == "poor"; }},
    };
    QCOMPARE(expectations.size() + 1, sim::marker_count);  // + clean, tested below
    // Alone and on top of "clean", on a few different applicants: the finding is always there.
    for (const auto& e : expectations)
      for (const std::string& markers : {std::string(e.marker), "clean+" + std::string(e.marker)})
        for (std::uint64_t index = 1; index <= 3; ++index) {
          const Application a = applicant(index, markers);
          const auto result = decoded(e.provider, call(port, to_string(e.provider), call_body(a)));
          QVERIFY2(result, e.marker);
          QVERIFY2(e.holds(a, *result), qPrintable(QString::fromStdString(markers + " on applicant " + std::to_string(index))));
        }
  }

  void markers_combine() {
    const Application a = applicant(4, "clean+bkr-a+preventel+stolen");
    const auto bkr = decoded(ProviderId::Bkr, call(port, "bkr", call_body(a)));
    const auto preventel = decoded(ProviderId::Preventel, call(port, "preventel", call_body(a)));
    const auto id = decoded(ProviderId::IdCheck, call(port, "id_check", call_body(a)));
    const auto address = decoded(ProviderId::Address, call(port, "address", call_body(a)));
    QVERIFY(bkr && preventel && id && address);
    QCOMPARE(bkr->bkr.codes, std::vector<std::string>{"A"});
    QVERIFY(preventel->preventel.status == ProviderStatus::Hit);
    QCOMPARE(id->id_check.document_status, std::string("stolen"));
    QVERIFY(address->address.exists && address->address.residential);  // clean where no marker says otherwise
  }

  void clean_marker_answers_clean_everywhere() {
    for (std::uint64_t i = 0; i < 500; ++i) {
      const Application a = applicant(i, "clean");
      QVERIFY2(clean(a, all_answers(a, 0)), qPrintable(QString::number(i)));
    }
    // And over HTTP, provider by provider.
    const Application a = applicant(7, "clean");
    ProviderResults merged;
    for (ProviderId id : all_providers()) {
      const auto one = decoded(id, call(port, to_string(id), call_body(a)));
      QVERIFY(one);
      QVERIFY(decode_provider(id, json::parse(encode_provider(id, *one).dump()), merged));
    }
    QVERIFY(clean(a, merged));
  }

  void the_same_applicant_gets_the_same_answer() {
    for (std::uint64_t i = 0; i < 20; ++i) {
      const std::string body = call_body(applicant(i));
      for (ProviderId id : all_providers()) {
        const auto first = call(port, to_string(id), body);
        const auto second = call(port, to_string(id), body);
        QVERIFY(first && second);
        QCOMPARE(first->status, 200u);
        QCOMPARE(second->body, first->body);
      }
    }
    // Another application by the same person (another id, order, shop) gets the same findings.
    Application a = applicant(5);
    Application b = a;
    b.id = "APP-OTHER";
    b.shop_id = "SHOP-999";
    b.order.plan = "Basis 10 GB";
    b.applicant.phone = "+31600000000";
    for (ProviderId id : all_providers())
      QCOMPARE(encode_provider(id, sim::answer(id, b, 0)), encode_provider(id, sim::answer(id, a, 0)));
  }

  void http_answers_are_the_answer_function() {
    for (std::uint64_t i = 100; i < 130; ++i) {
      const Application a = applicant(i);
      for (ProviderId id : all_providers()) {
        const auto r = call(port, to_string(id), call_body(a));
        QVERIFY(r);
        QCOMPARE(json::parse(r->body), encode_provider(id, sim::answer(id, a, 0)));
      }
    }
  }

  void unmarked_applicants_get_a_realistic_mostly_clean_mix() {
    constexpr int n = 5000;
    int clean_count = 0, bkr_codes = 0, bkr_hits = 0, preventel = 0, id_findings = 0, no_match = 0, no_address = 0,
        arrears = 0, low_score = 0;
    double score_sum = 0, score_square_sum = 0;
    int differing_with_other_seed = 0;
    for (int i = 0; i < n; ++i) {
      const Application a = applicant(static_cast<std::uint64_t>(10'000 + i));
      const ProviderResults r = all_answers(a, 0);
      clean_count += clean(a, r) ? 1 : 0;
      bkr_codes += r.bkr.codes.empty() ? 0 : 1;
      bkr_hits += r.bkr.status == ProviderStatus::Hit ? 1 : 0;
      preventel += r.preventel.status == ProviderStatus::Hit ? 1 : 0;
      id_findings += r.id_check.document_status != "valid" ? 1 : 0;
      no_match += r.iban_check.name_match == "no_match" ? 1 : 0;
      no_address += r.address.exists ? 0 : 1;
      arrears += r.operator_history.arrears > 0 ? 1 : 0;
      low_score += r.bureau.score < 450 ? 1 : 0;
      score_sum += r.bureau.score;
      score_square_sum += static_cast<double>(r.bureau.score) * r.bureau.score;
      if (encode_provider(ProviderId::Bureau, sim::answer(ProviderId::Bureau, a, 1)) !=
          encode_provider(ProviderId::Bureau, r))
        ++differing_with_other_seed;
    }
    auto share = [](int count) { return static_cast<double>(count) / n; };
    const QString summary = QString("clean %1 codes %2 preventel %3 id %4 no_match %5 no_address %6 arrears %7 low %8")
                                .arg(share(clean_count))
                                .arg(share(bkr_codes))
                                .arg(share(preventel))
                                .arg(share(id_findings))
                                .arg(share(no_match))
                                .arg(share(no_address))
                                .arg(share(arrears))
                                .arg(share(low_score));
    qInfo("%s", qPrintable(summary));
    // Mostly clean, yet every kind of finding occurs, at a few percent at most.
    QVERIFY2(share(clean_count) > 0.70 && share(clean_count) < 0.95, qPrintable(summary));
    QVERIFY2(share(bkr_codes) > 0.03 && share(bkr_codes) < 0.15, qPrintable(summary));
    QVERIFY2(share(bkr_hits) > 0.3 && share(bkr_hits) < 0.7, qPrintable(summary));  // registered credits are common
    QVERIFY2(share(preventel) > 0.005 && share(preventel) < 0.05, qPrintable(summary));
    QVERIFY2(share(id_findings) > 0.005 && share(id_findings) < 0.05, qPrintable(summary));
    QVERIFY2(share(no_match) > 0.002 && share(no_match) < 0.05, qPrintable(summary));
    QVERIFY2(no_address > 0 && share(no_address) < 0.02, qPrintable(summary));
    QVERIFY2(share(arrears) > 0.005 && share(arrears) < 0.05, qPrintable(summary));
    QVERIFY2(share(low_score) > 0.01 && share(low_score) < 0.15, qPrintable(summary));
    const double mean = score_sum / n;
    const double sd = std::sqrt(score_square_sum / n - mean * mean);
    QVERIFY2(mean > 600 && mean < 780 && sd > 60, qPrintable(QString("score mean %1 sd %2").arg(mean).arg(sd)));
    QVERIFY(share(differing_with_other_seed) > 0.9);  // the seed matters
  }

  void bad_requests_are_400_naming_the_field() {
    Application a = applicant(1);
    json body = {{"application", encode(a)}};
    body["application"]["applicant"].erase("email");
    body["application"]["household"]["net_income_cents"] = "lots";
    auto r = call(port, "bkr", body.dump());
    QVERIFY(r);
    QCOMPARE(r->status, 400u);
    const json problem = json::parse(r->body);
    QVERIFY2(has_pointer(problem, "/application/applicant/email"), r->body.c_str());
    QVERIFY2(has_pointer(problem, "/application/household/net_income_cents"), r->body.c_str());

    r = call(port, "bkr", "not json");
    QVERIFY(r);
    QCOMPARE(r->status, 400u);
    r = call(port, "bkr", R"({"app": {}})");
    QVERIFY(r);
    QCOMPARE(r->status, 400u);
    QVERIFY(has_pointer(json::parse(r->body), "/application"));
    QVERIFY(has_pointer(json::parse(r->body), "/app"));
    r = call(port, "experian", call_body(a));
    QVERIFY(r);
    QCOMPARE(r->status, 404u);
  }

  void error_fault_answers_503() {
    QCOMPARE(put_config({{"providers", {{"preventel", {{"error_rate", 1}}}}}}).status, 200u);
    const std::string body = call_body(applicant(1));
    for (int i = 0; i < 3; ++i) {
      const auto r = call(port, "preventel", body);
      QVERIFY(r);
      QCOMPARE(r->status, 503u);
      QCOMPARE(json::parse(r->body)["status"], json(503));
    }
    const auto other = call(port, "bkr", body);  // the other providers are unaffected
    QVERIFY(other);
    QCOMPARE(other->status, 200u);
  }

  void timeout_fault_never_answers() {
    // The simulated call hangs for the default 30 s; shutting the server down wakes it.
    QCOMPARE(put_config({{"providers", {{"bureau", {{"timeout_rate", 1}}}}}}).status, 200u);
    const auto r = call(port, "bureau", call_body(applicant(1)), 300ms);
    QVERIFY(!r);
    QCOMPARE(QString::fromStdString(r.error()), QString("timeout"));
    const Reply stats = admin(port, bhttp::verb::get, "/admin/stats");
    QCOMPARE(stats.body["providers"]["bureau"]["timeouts"], json(1));
  }

  void reset_fault_resets_the_connection() {
    QCOMPARE(put_config({{"providers", {{"iban_check", {{"reset_rate", 1}}}}}}).status, 200u);
    const auto r = call(port, "iban_check", call_body(applicant(1)));
    QVERIFY(!r);
    QCOMPARE(QString::fromStdString(r.error()), QString("connection reset"));
  }

  void slow_fault_takes_longer_than_the_latency() {
    // A fixed 20 ms latency (median = p95), slowed ten times. Timers never fire early, so the
    // lower bound is safe; no upper bound is asserted.
    QCOMPARE(put_config({{"latency_scale", 1},
                         {"providers", {{"address", {{"median_ms", 20}, {"p95_ms", 20}, {"slow_rate", 1}, {"slow_factor", 10}}}}}})
                 .status,
             200u);
    const std::string body = call_body(applicant(1));
    const auto started = std::chrono::steady_clock::now();
    const auto slow = decoded(ProviderId::Address, call(port, "address", body));
    const auto elapsed = std::chrono::steady_clock::now() - started;
    QVERIFY(slow);
    QCOMPARE(slow->address.latency_ms, 200);
    QVERIFY2(elapsed >= 195ms, qPrintable(QString::number(std::chrono::duration<double>(elapsed).count())));

    QCOMPARE(put_config({{"providers", {{"address", {{"slow_rate", 0}}}}}}).status, 200u);
    const auto normal = decoded(ProviderId::Address, call(port, "address", body));
    QVERIFY(normal);
    QCOMPARE(normal->address.latency_ms, 20);
    QCOMPARE(admin(port, bhttp::verb::get, "/admin/stats").body["providers"]["address"]["slow"], json(1));
  }

  void latency_follows_the_configured_distribution() {
    sim::ProviderConfig p = sim::default_config().provider(ProviderId::Bkr);  // median 180, p95 450
    std::mt19937_64 rng(42);
    std::vector<std::int64_t> samples;
    for (int i = 0; i < 20'000; ++i) {
      const auto plan = sim::plan_call(p, 1.0, rng);
      QVERIFY(plan.fault == sim::Fault::None);
      samples.push_back(plan.delay.count());
    }
    std::sort(samples.begin(), samples.end());
    const auto median = samples[samples.size() / 2];
    const auto p95 = samples[samples.size() * 95 / 100];
    QVERIFY2(median > 165 && median < 195, qPrintable(QString::number(median)));
    QVERIFY2(p95 > 410 && p95 < 490, qPrintable(QString::number(p95)));
    // Scale 0 makes every answer immediate.
    QCOMPARE(sim::plan_call(p, 0.0, rng).delay.count(), std::int64_t{0});

    p.error_rate = 0.25;
    p.slow_rate = 0.25;
    int errors = 0, slow = 0;
    for (int i = 0; i < 20'000; ++i) {
      const auto fault = sim::plan_call(p, 1.0, rng).fault;
      errors += fault == sim::Fault::Error ? 1 : 0;
      slow += fault == sim::Fault::Slow ? 1 : 0;
    }
    QVERIFY2(std::abs(errors - 5000) < 400, qPrintable(QString::number(errors)));
    QVERIFY2(std::abs(slow - 5000) < 400, qPrintable(QString::number(slow)));
  }

  void bad_configuration_is_400_naming_the_field_data() {
    QTest::addColumn<QString>("patch");
    QTest::addColumn<QString>("pointer");
    QTest::newRow("rate above 1") << R"({"providers": {"bkr": {"error_rate": 2}}})" << "/providers/bkr/error_rate";
    QTest::newRow("negative scale") << R"({"latency_scale": -1})" << "/latency_scale";
    QTest::newRow("not a number") << R"({"providers": {"all": {"slow_factor": "x"}}})" << "/providers/all/slow_factor";
    QTest::newRow("unknown provider") << R"({"providers": {"experian": {}}})" << "/providers/experian";
    QTest::newRow("unknown field") << R"({"providers": {"bkr": {"eror_rate": 0.1}}})" << "/providers/bkr/eror_rate";
    QTest::newRow("unknown top-level") << R"({"scale": 0})" << "/scale";
    QTest::newRow("p95 below median") << R"({"providers": {"bkr": {"p95_ms": 10}}})" << "/providers/bkr/p95_ms";
    QTest::newRow("rates above 1 together") << R"({"providers": {"bkr": {"error_rate": 0.6, "timeout_rate": 0.6}}})"
                                            << "/providers/bkr";
    QTest::newRow("fractional timeout") << R"({"providers": {"bkr": {"timeout_ms": 1.5}}})" << "/providers/bkr/timeout_ms";
    QTest::newRow("negative seed") << R"({"seed": -3})" << "/seed";
    QTest::newRow("not an object") << R"([1, 2])" << "";
  }
  void bad_configuration_is_400_naming_the_field() {
    QFETCH(QString, patch);
    QFETCH(QString, pointer);
    const Reply before = admin(port, bhttp::verb::get, "/admin/config");
    const Reply r = admin(port, bhttp::verb::put, "/admin/config", patch.toStdString());
    QCOMPARE(r.status, 400u);
    QVERIFY2(has_pointer(r.body, pointer.toStdString()), qPrintable(QString::fromStdString(r.body.dump())));
    QCOMPARE(admin(port, bhttp::verb::get, "/admin/config").body, before.body);  // nothing applied
  }

  void configuration_merges_and_resets() {
    const Reply start = admin(port, bhttp::verb::get, "/admin/config");
    QCOMPARE(start.status, 200u);
    QCOMPARE(start.body, sim::encode_config(instant_config()));

    const Reply r = put_config({{"providers", {{"all", {{"error_rate", 0.1}}}, {"bkr", {{"error_rate", 0.2}}}}}});
    QCOMPARE(r.status, 200u);
    QCOMPARE(r.body["providers"]["bkr"]["error_rate"], json(0.2));
    QCOMPARE(r.body["providers"]["address"]["error_rate"], json(0.1));
    QCOMPARE(r.body["providers"]["bkr"]["median_ms"], json(180.0));  // untouched fields stay
    QCOMPARE(r.body["latency_scale"], json(0.0));
    QCOMPARE(admin(port, bhttp::verb::get, "/admin/config").body, r.body);

    QCOMPARE(admin(port, bhttp::verb::put, "/admin/config", "{").status, 400u);
    QCOMPARE(admin(port, bhttp::verb::post, "/admin/reset").body, start.body);
    QCOMPARE(admin(port, bhttp::verb::get, "/healthz").status, 200u);
    QCOMPARE(admin(port, bhttp::verb::delete_, "/admin/config").status, 405u);
  }

  void stats_count_calls_and_faults() {
    const std::string body = call_body(applicant(1));
    for (int i = 0; i < 5; ++i) QCOMPARE(call(port, "bkr", body)->status, 200u);
    QCOMPARE(call(port, "bkr", "{}")->status, 400u);
    QCOMPARE(put_config({{"providers", {{"operator", {{"error_rate", 1}}}}}}).status, 200u);
    for (int i = 0; i < 3; ++i) QCOMPARE(call(port, "operator", body)->status, 503u);

    const json stats = admin(port, bhttp::verb::get, "/admin/stats").body;
    QCOMPARE(stats["providers"]["bkr"]["calls"], json(6));
    QCOMPARE(stats["providers"]["bkr"]["answered"], json(5));
    QCOMPARE(stats["providers"]["bkr"]["bad_requests"], json(1));
    QCOMPARE(stats["providers"]["operator"]["calls"], json(3));
    QCOMPARE(stats["providers"]["operator"]["errors"], json(3));
    QCOMPARE(stats["providers"]["address"]["calls"], json(0));
    QCOMPARE(stats["total"]["calls"], json(9));

    admin(port, bhttp::verb::post, "/admin/reset");
    QCOMPARE(admin(port, bhttp::verb::get, "/admin/stats").body["total"]["calls"], json(0));
  }

  void shutdown_does_not_wait_out_simulated_timeouts() {
    sim::Config config = instant_config();
    config.provider(ProviderId::Bkr).timeout_rate = 1;
    config.provider(ProviderId::Bkr).timeout_ms = 600'000;
    sim::SimServer other(config);
    const auto bound = other.start("127.0.0.1", 0, 1);
    QVERIFY(bound);
    const auto r = call(*bound, "bkr", call_body(applicant(1)), 200ms);
    QVERIFY(!r);
    QCOMPARE(QString::fromStdString(r.error()), QString("timeout"));
    const auto started = std::chrono::steady_clock::now();
    other.stop();
    QVERIFY(std::chrono::steady_clock::now() - started < 20s);  // not the ten minutes of the timeout
  }
};

QTEST_APPLESS_MAIN(SimTest)
#include "test_sim.moc"
