// The review API of a real verdictd (SQLite store by default, and PostgreSQL): a REFER enters the
// queue; two reviewers claim it, one wins (409 for the other, problem+json); only the claimant
// decides, with a reason; the shop sees pending_review -> decided with the final outcome through
// GET /v1/decisions/{id}; overrides need a reason; every action is audited; the webhook is retried
// until its receiver answers.
#include <QtTest/QtTest>

#include <boost/asio/io_context.hpp>
#include <pqxx/pqxx>
#include <thread>

#include "daemon_harness.hpp"
#include "processes.hpp"
#include "server.hpp"
#include "store/review_store.hpp"

using namespace verdict;
using namespace verdict::test;
using nlohmann::json;

namespace {

const std::string anna_token = "review-token-anna-0123456";
const std::string bram_token = "review-token-bram-0123456";

void with_reviewers(daemon::Config& c) {
  c.tokens.push_back({anna_token, "anna", {http::Scope::Review}});
  c.tokens.push_back({bram_token, "bram", {http::Scope::Review}});
}

Reply post(unsigned short port, const std::string& target, const std::string& token, const json& body = json::object()) {
  return http_call(port, "POST", target, body.dump(), bearer(token));
}

/// Decides a referred application and waits until its item is in the queue (the store writes in batches).
std::string referred_decision(Stack& stack) {
  const auto r = stack.decide(application("clean+lowscore"));
  if (r.status != 200 || r.json["outcome"] != "REFER") qFatal("expected a REFER: %s", r.body.c_str());
  const std::string id = r.json["decision_id"];
  const bool queued = eventually([&] {
    return http_call(stack.port, "GET", "/v1/review/items/" + id, {}, bearer(anna_token)).status == 200;
  });
  if (!queued) qFatal("the referral never reached the queue");
  return id;
}

/// A scratch database on the shared PostgreSQL, dropped afterwards.
struct PrivatePostgresDatabase {
  const std::string name = "verdict_review_api_" + std::to_string(::getpid());
  const std::string url = "postgresql://postgres@127.0.0.1:5432/" + name;
  PrivatePostgresDatabase() {
    admin("DROP DATABASE IF EXISTS " + name);
    admin("CREATE DATABASE " + name);
  }
  ~PrivatePostgresDatabase() { admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); }
  static void admin(const std::string& statement) {
    pqxx::connection conn("postgresql://postgres@127.0.0.1:5432/postgres");
    pqxx::nontransaction t(conn);
    t.exec(statement);
  }
};

/// A one-route HTTP server that records what the webhook POSTs.
struct WebhookReceiver {
  boost::asio::io_context io;
  http::Authenticator auth;
  http::Router router{auth};
  std::unique_ptr<http::Server> server;
  std::thread thread;
  std::mutex mutex;
  std::vector<json> received;

  explicit WebhookReceiver(unsigned short port) {
    router.add("POST", "/hooks/review", http::Scope::None,
               [this](http::RequestContext& c) -> boost::asio::awaitable<http::HandlerResult> {
                 {
                   std::lock_guard lock(mutex);
                   received.push_back(json::parse(c.request.body, nullptr, false));
                 }
                 co_return http::HttpResponse::json(200, "{}");
               });
    server = std::make_unique<http::Server>(io, router, http::ServerLimits{});
    if (!server->listen("127.0.0.1", port)) qFatal("webhook receiver cannot listen");
    thread = std::thread([this] { io.run(); });
  }
  ~WebhookReceiver() {
    io.stop();
    thread.join();
  }
  std::size_t count() {
    std::lock_guard lock(mutex);
    return received.size();
  }
};

}  // namespace

class ReviewApiTest : public QObject {
  Q_OBJECT
 private slots:
  void the_shop_sees_pending_review_then_the_final_outcome() {
    Stack stack("review-api", with_reviewers);
    const std::string id = referred_decision(stack);
    const auto pending = http_call(stack.port, "GET", "/v1/decisions/" + id, {}, bearer(read_token));
    QCOMPARE(pending.json["status"], json("pending_review"));
    QCOMPARE(pending.json["automated_outcome"], json("REFER"));
    QCOMPARE(pending.json["final_outcome"], json(nullptr));

    // The queue lists it, with the explanation beside it.
    const auto queue = http_call(stack.port, "GET", "/v1/review/items?status=pending", {}, bearer(anna_token));
    QCOMPARE(queue.status, 200u);
    QVERIFY(std::any_of(queue.json["items"].begin(), queue.json["items"].end(),
                        [&](const json& i) { return i["decision_id"] == id; }));
    const auto shown = http_call(stack.port, "GET", "/v1/review/items/" + id, {}, bearer(anna_token));
    QVERIFY(!shown.json["decision"]["reasons"].empty());
    QCOMPARE(shown.json["case"]["application"]["id"], json(shown.json["decision"]["application_id"]));

    QCOMPARE(post(stack.port, "/v1/review/items/" + id + "/claim", anna_token).status, 200u);
    const auto lost = post(stack.port, "/v1/review/items/" + id + "/claim", bram_token);
    QCOMPARE(lost.status, 409u);
    QCOMPARE(lost.header("content-type"), std::string("application/problem+json"));
    QVERIFY(lost.json["detail"].get<std::string>().find("anna") != std::string::npos);

    QCOMPARE(post(stack.port, "/v1/review/items/" + id + "/decide", bram_token, {{"outcome", "ACCEPT"}, {"reason", "x"}}).status,
             403u);
    const auto no_reason =
        post(stack.port, "/v1/review/items/" + id + "/decide", anna_token, {{"outcome", "ACCEPT"}, {"reason", " "}});
    QCOMPARE(no_reason.status, 400u);
    QCOMPARE(no_reason.json["errors"][0]["pointer"], json("/reason"));
    const auto missing = post(stack.port, "/v1/review/items/" + id + "/decide", anna_token, {{"outcome", "ACCEPT"}});
    QCOMPARE(missing.status, 400u);
    QCOMPARE(missing.json["errors"][0]["pointer"], json("/reason"));
    const auto decided = post(stack.port, "/v1/review/items/" + id + "/decide", anna_token,
                              {{"outcome", "ACCEPT"}, {"reason", "bureau score is stale; BKR clean, income documented"}});
    QCOMPARE(decided.status, 200u);
    QCOMPARE(decided.json["final_outcome"], json("ACCEPT"));

    const auto after = http_call(stack.port, "GET", "/v1/decisions/" + id, {}, bearer(read_token));
    QCOMPARE(after.json["status"], json("decided"));
    QCOMPARE(after.json["automated_outcome"], json("REFER"));
    QCOMPARE(after.json["final_outcome"], json("ACCEPT"));
    QCOMPARE(after.json["decision"]["outcome"], json("REFER"));  // the automated decision is kept as it was
    QCOMPARE(after.json["review"]["decided_by"], json("anna"));

    // A shop token cannot reach the queue; a reviewer token cannot decide applications.
    QCOMPARE(http_call(stack.port, "GET", "/v1/review/items", {}, bearer(decide_token)).status, 403u);
    QCOMPARE(stack.decide(application("clean"), {{"Authorization", "Bearer " + anna_token}}).status, 403u);
    QCOMPARE(http_call(stack.port, "GET", "/v1/review/items?status=maybe", {}, bearer(anna_token)).status, 400u);
  }

  void overrides_need_a_reason_and_are_audited() {
    PrivatePostgresDatabase db;
    Stack stack("review-override", [&](daemon::Config& c) {
      with_reviewers(c);
      c.postgres_url = db.url;
    });
    const auto accepted = stack.decide(application("clean"));
    QCOMPARE(accepted.json["outcome"], json("ACCEPT"));
    const std::string id = accepted.json["decision_id"];
    QVERIFY(eventually([&] {
      return post(stack.port, "/v1/decisions/" + id + "/override", anna_token, {{"outcome", "REJECT"}, {"reason", ""}})
                 .status == 400;
    }));
    QVERIFY(eventually([&] {  // 404 until the sink has stored the decision
      return post(stack.port, "/v1/decisions/" + id + "/override", anna_token,
                  {{"outcome", "REJECT"}, {"reason", "identity fraud reported by the account holder"}})
                 .status == 200;
    }));
    const auto after = http_call(stack.port, "GET", "/v1/decisions/" + id, {}, bearer(read_token));
    QCOMPARE(after.json["status"], json("decided"));
    QCOMPARE(after.json["automated_outcome"], json("ACCEPT"));
    QCOMPARE(after.json["final_outcome"], json("REJECT"));

    pqxx::connection conn(db.url);
    pqxx::read_transaction t(conn);
    const auto rows = t.exec_params("SELECT actor, action, details->>'reason' FROM audit_log WHERE subject = $1",
                                    "decision:" + id);
    QCOMPARE(rows.size(), 1);  // the refused override left nothing
    QCOMPARE(rows[0][0].as<std::string>(), std::string("anna"));
    QCOMPARE(rows[0][1].as<std::string>(), std::string("review.override"));
    QCOMPARE(rows[0][2].as<std::string>(), std::string("identity fraud reported by the account holder"));
  }

  void the_webhook_is_retried_until_it_is_received() {
    const auto hook_port = free_port();
    Stack stack("review-webhook", [&](daemon::Config& c) {
      with_reviewers(c);
      c.review_webhook_url = "http://127.0.0.1:" + std::to_string(hook_port) + "/hooks/review";
    });
    const std::string id = referred_decision(stack);
    QCOMPARE(post(stack.port, "/v1/review/items/" + id + "/claim", bram_token).status, 200u);
    // Nobody listens yet: the first delivery fails, and the decision is stored regardless.
    QCOMPARE(post(stack.port, "/v1/review/items/" + id + "/decide", bram_token,
                  {{"outcome", "REJECT"}, {"reason", "same IBAN as three referred applications today"}})
                 .status,
             200u);
    // Give the first attempt time to fail (it is made at once), so what arrives is a retry.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    WebhookReceiver receiver(hook_port);
    QVERIFY(eventually([&] { return receiver.count() == 1; }, std::chrono::seconds(20)));
    std::lock_guard lock(receiver.mutex);
    QCOMPARE(receiver.received[0]["decision_id"], json(id));
    QCOMPARE(receiver.received[0]["final_outcome"], json("REJECT"));
    QCOMPARE(receiver.received[0]["automated_outcome"], json("REFER"));
  }
};

QTEST_MAIN(ReviewApiTest)
#include "test_review_api.moc"
