// The review queue against a real PostgreSQL (a scratch database per run) and a real SQLite file, the
// same checks on both: REFER decisions enter the queue with their decision (once, however often the
// batch is rewritten); two reviewers claiming one item concurrently -> exactly one wins; deciding
// needs the claim and a reason; overrides of automated decisions; every action in the audit log.
#include <QtTest/QtTest>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sqlite3.h>
#include <thread>

#include "store/decision_store.hpp"
#include "store/migrations.hpp"
#include "store/review_store.hpp"

using namespace verdict::store;
namespace fs = std::filesystem;
using nlohmann::json;
using Kind = ReviewError::Kind;
using verdict::expected;
using verdict::unexpected;

namespace {

const std::string server = "postgresql://postgres@127.0.0.1:5432/";
const std::string database = "verdict_review_test_" + std::to_string(::getpid());

std::string uuid(unsigned n) {
  char text[40];
  std::snprintf(text, sizeof text, "%08x-0000-4000-8000-%012x", 0xabcU, n);
  return text;
}

DecisionRecord record(unsigned n, const std::string& outcome) {
  DecisionRecord r;
  r.decision_id = uuid(n);
  r.application_id = "APP-" + std::to_string(n);
  r.received_at_ms = 1794738600123 + n;
  r.channel = "shop";
  r.shop_id = n % 2 ? "SHOP-1" : "SHOP-2";
  r.outcome = outcome;
  r.policy_name = "consumer-nl";
  r.policy_version = 1;
  r.policy_hash = "sha256:x";
  r.elapsed_ms = 12;
  r.customer_key = "ck";
  r.case_json = R"({"application":{}})";
  r.decision_json = json{{"outcome", outcome}}.dump();
  return r;
}

struct Backend {
  std::shared_ptr<DecisionStore> decisions;
  std::function<std::unique_ptr<ReviewStore>()> open_reviews;
};

}  // namespace

class ReviewStoreTest : public QObject {
  Q_OBJECT

  fs::path dir_;
  Backend postgres_, sqlite_;

  Backend& backend(const QString& name) { return name == "postgres" ? postgres_ : sqlite_; }

 private slots:
  void initTestCase() {
    {
      pqxx::connection conn(server + "postgres");
      pqxx::nontransaction t(conn);
      t.exec("DROP DATABASE IF EXISTS " + database);
      t.exec("CREATE DATABASE " + database);
    }
    const std::string url = server + database;
    auto migrated = migrate_postgres(url);
    QVERIFY2(migrated.has_value(), migrated ? "" : migrated.error().message.c_str());
    auto pg = open_postgres(url);
    QVERIFY(pg.has_value());
    postgres_.decisions = std::move(*pg);
    postgres_.open_reviews = [url] {
      auto r = open_postgres_reviews(url);
      if (!r) qFatal("%s", r.error().message.c_str());
      return std::move(*r);
    };
    dir_ = fs::temp_directory_path() / ("verdict-review-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    const auto file = dir_ / "verdict.db";
    auto lite = open_sqlite(file);
    QVERIFY(lite.has_value());
    sqlite_.decisions = std::move(*lite);
    sqlite_.open_reviews = [file] {
      auto r = open_sqlite_reviews(file);
      if (!r) qFatal("%s", r.error().message.c_str());
      return std::move(*r);
    };
    // Decisions 1..6 are REFER, 7 is an automated REJECT, 8 an ACCEPT. Written twice: stored once.
    std::vector<DecisionRecord> batch;
    for (unsigned n = 1; n <= 6; ++n) batch.push_back(record(n, "REFER"));
    batch.push_back(record(7, "REJECT"));
    batch.push_back(record(8, "ACCEPT"));
    for (auto* b : {&postgres_, &sqlite_}) {
      QVERIFY(b->decisions->write(batch).has_value());
      QVERIFY(b->decisions->write(batch).has_value());
    }
  }

  void cleanupTestCase() {
    postgres_ = {};
    sqlite_ = {};
    pqxx::connection conn(server + "postgres");
    pqxx::nontransaction t(conn);
    t.exec("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    fs::remove_all(dir_);
  }

  void referrals_enter_the_queue_with_their_decision() {
    QFETCH(QString, name);
    auto reviews = backend(name).open_reviews();
    ReviewFilter pending;
    pending.status = "pending";
    auto items = reviews->list(pending);
    QVERIFY(items.has_value());
    QCOMPARE(items->size(), std::size_t(6));  // the six REFERs, once each; not the REJECT or the ACCEPT
    QCOMPARE((*items)[0].decision_id, uuid(1));
    QCOMPARE((*items)[0].automated_outcome, std::string("REFER"));
    QCOMPARE((*items)[0].kind, std::string("referral"));
    ReviewFilter shop;
    shop.shop_id = "SHOP-1";
    QCOMPARE(reviews->list(shop)->size(), std::size_t(3));
    QVERIFY(!reviews->find(uuid(7))->has_value());
  }
  void referrals_enter_the_queue_with_their_decision_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("postgres") << QString("postgres");
    QTest::newRow("sqlite") << QString("sqlite");
  }

  void two_reviewers_claim_one_item_exactly_one_wins() {
    QFETCH(QString, name);
    auto anna = backend(name).open_reviews();
    auto bram = backend(name).open_reviews();  // another connection, as another reviewer's client
    for (unsigned n : {2U, 3U}) {
      std::barrier start(2);
      expected<ReviewItem, ReviewError> a = unexpected(ReviewError{}), b = unexpected(ReviewError{});
      std::thread ta([&] {
        start.arrive_and_wait();
        a = anna->claim(uuid(n), "anna");
      });
      std::thread tb([&] {
        start.arrive_and_wait();
        b = bram->claim(uuid(n), "bram");
      });
      ta.join();
      tb.join();
      QVERIFY2(a.has_value() != b.has_value(), "exactly one claim must win");
      const auto& loser = a ? b : a;
      QCOMPARE(loser.error().kind, Kind::Conflict);
      QVERIFY(loser.error().message.find(a ? "anna" : "bram") != std::string::npos);
      const auto& winner = a ? a : b;
      QCOMPARE(winner->status, std::string("claimed"));
    }
    // Claiming what one already holds is fine.
    auto held = anna->find(uuid(2));
    const std::string holder = (*held)->claimed_by;
    QVERIFY(anna->claim(uuid(2), holder).has_value());
  }
  void two_reviewers_claim_one_item_exactly_one_wins_data() { referrals_enter_the_queue_with_their_decision_data(); }

  void deciding_needs_the_claim_and_a_reason() {
    QFETCH(QString, name);
    auto reviews = backend(name).open_reviews();
    QCOMPARE(reviews->decide(uuid(4), "anna", "ACCEPT", "looks fine").error().kind, Kind::NotClaimant);  // pending
    QVERIFY(reviews->claim(uuid(4), "anna").has_value());
    QCOMPARE(reviews->decide(uuid(4), "bram", "ACCEPT", "not mine").error().kind, Kind::NotClaimant);
    QCOMPARE(reviews->decide(uuid(4), "anna", "ACCEPT", "   ").error().kind, Kind::Invalid);
    QCOMPARE(reviews->decide(uuid(4), "anna", "REFER", "again").error().kind, Kind::Invalid);
    auto decided = reviews->decide(uuid(4), "anna", "ACCEPT_SIM_ONLY", "income proof seen, but no device credit");
    QVERIFY2(decided.has_value(), decided ? "" : decided.error().message.c_str());
    QCOMPARE(decided->status, std::string("decided"));
    QCOMPARE(decided->final_outcome, std::string("ACCEPT_SIM_ONLY"));
    QCOMPARE(decided->automated_outcome, std::string("REFER"));
    QCOMPARE(reviews->decide(uuid(4), "anna", "REJECT", "changed my mind").error().kind, Kind::Conflict);
    QCOMPARE(reviews->claim(uuid(4), "bram").error().kind, Kind::Conflict);
    // Release gives an item back to the queue.
    QVERIFY(reviews->claim(uuid(5), "bram").has_value());
    QCOMPARE(reviews->release(uuid(5), "anna").error().kind, Kind::NotClaimant);
    QCOMPARE(reviews->release(uuid(5), "bram")->status, std::string("pending"));
    QCOMPARE(reviews->claim(uuid(99), "anna").error().kind, Kind::NotFound);
  }
  void deciding_needs_the_claim_and_a_reason_data() { referrals_enter_the_queue_with_their_decision_data(); }

  void overrides_need_a_reason_and_keep_the_automated_outcome() {
    QFETCH(QString, name);
    auto reviews = backend(name).open_reviews();
    QCOMPARE(reviews->override_decision(uuid(7), "carla", "ACCEPT", "").error().kind, Kind::Invalid);
    QVERIFY(!reviews->find(uuid(7))->has_value());  // a refused override leaves nothing behind
    auto overridden = reviews->override_decision(uuid(7), "carla", "ACCEPT", "customer showed the BKR settlement letter");
    QVERIFY2(overridden.has_value(), overridden ? "" : overridden.error().message.c_str());
    QCOMPARE(overridden->kind, std::string("override"));
    QCOMPARE(overridden->automated_outcome, std::string("REJECT"));
    QCOMPARE(overridden->final_outcome, std::string("ACCEPT"));
    // A decided review can be overridden again; an open one cannot (claim and decide it).
    QVERIFY(reviews->override_decision(uuid(4), "carla", "REJECT", "the payslip turned out forged").has_value());
    QCOMPARE(reviews->override_decision(uuid(6), "carla", "ACCEPT", "skip the queue").error().kind, Kind::Conflict);
    QCOMPARE(reviews->override_decision(uuid(77), "carla", "ACCEPT", "no such decision").error().kind, Kind::NotFound);
  }
  void overrides_need_a_reason_and_keep_the_automated_outcome_data() {
    referrals_enter_the_queue_with_their_decision_data();
  }

  void every_human_action_is_audited() {
    QFETCH(QString, name);
    auto reviews = backend(name).open_reviews();
    auto entries = reviews->audit("decision:" + uuid(4));
    QVERIFY(entries.has_value());
    QStringList actions;
    for (const auto& e : *entries) actions << QString::fromStdString(e.actor + " " + e.action);
    QCOMPARE(actions, (QStringList{"anna review.claim", "anna review.decide", "carla review.override"}));
    const auto details = json::parse((*entries)[1].details);
    QCOMPARE(details["final_outcome"], json("ACCEPT_SIM_ONLY"));
    QCOMPARE(details["reason"], json("income proof seen, but no device credit"));
    QCOMPARE(details["automated_outcome"], json("REFER"));
    QVERIFY((*entries)[0].at_ms > 0);
    // Refused actions leave no audit row.
    QCOMPARE(reviews->audit("decision:" + uuid(7))->size(), std::size_t(1));
  }
  void every_human_action_is_audited_data() { referrals_enter_the_queue_with_their_decision_data(); }

  /// A claim held longer than claim_lapse lapses: another reviewer takes the item over (audited with
  /// whose it was), and the previous holder can no longer decide it. A fresh claim does not lapse.
  void a_lapsed_claim_is_taken_over() {
    QFETCH(QString, name);
    auto reviews = backend(name).open_reviews();
    QVERIFY(reviews->claim(uuid(6), "anna").has_value());
    QCOMPARE(reviews->claim(uuid(6), "bram").error().kind, Kind::Conflict);
    // Anna claimed it five hours ago and went home.
    const auto lapsed_ms = std::chrono::milliseconds(claim_lapse + std::chrono::hours(1)).count();
    if (name == "postgres") {
      pqxx::connection conn(server + database);
      pqxx::nontransaction t(conn);
      t.exec_params("UPDATE review_items SET claimed_at = now() - $2 * interval '1 millisecond' WHERE decision_id = $1",
                    uuid(6), static_cast<long long>(lapsed_ms));
    } else {
      sqlite3* db = nullptr;
      QCOMPARE(sqlite3_open((dir_ / "verdict.db").c_str(), &db), SQLITE_OK);
      const std::string update = "UPDATE review_items SET claimed_at_ms = claimed_at_ms - " + std::to_string(lapsed_ms) +
                                 " WHERE decision_id = '" + uuid(6) + "'";
      const int rc = sqlite3_exec(db, update.c_str(), nullptr, nullptr, nullptr);
      sqlite3_close(db);
      QCOMPARE(rc, SQLITE_OK);
    }
    auto taken = reviews->claim(uuid(6), "bram");
    QVERIFY2(taken.has_value(), taken ? "" : taken.error().message.c_str());
    QCOMPARE(taken->claimed_by, std::string("bram"));
    QCOMPARE(reviews->decide(uuid(6), "anna", "ACCEPT", "back from leave").error().kind, Kind::NotClaimant);
    QVERIFY(reviews->decide(uuid(6), "bram", "REJECT", "ID document reported stolen").has_value());
    auto entries = reviews->audit("decision:" + uuid(6));
    QVERIFY(entries.has_value());
    QCOMPARE(entries->size(), std::size_t(3));  // anna's claim, bram's take-over, bram's decision
    QCOMPARE((*entries)[1].actor, std::string("bram"));
    QCOMPARE(json::parse((*entries)[1].details)["taken_over_from"], json("anna"));
    QVERIFY(!json::parse((*entries)[0].details).contains("taken_over_from"));
  }
  void a_lapsed_claim_is_taken_over_data() { referrals_enter_the_queue_with_their_decision_data(); }
};

QTEST_APPLESS_MAIN(ReviewStoreTest)
#include "test_review_store.moc"
