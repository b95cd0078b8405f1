// Compliance queries against decisions a real verdictd made and stored — on its embedded SQLite file
// and on a real PostgreSQL scratch database: lookup by id and by hashed customer identifiers (the
// same hash the daemon stores), replay under the version the decision was made with (which must
// reproduce it exactly) and under a draft (which names what changes), the policy history joined with
// its approvals, diffs between stored versions, and the CSV export — through the store API and the
// `verdict` CLI.
#include <QtTest/QtTest>

#include <sqlite3.h>
#include <unistd.h>

#include <pqxx/pqxx>

#include "store_support.hpp"
#include <sstream>
#include <thread>

#include "cli_runner.hpp"
#include "compliance/replay.hpp"
#include "crypto/hashing.hpp"
#include "daemon_harness.hpp"
#include "files/policy_files.hpp"
#include "store/approval_store.hpp"
#include "store/compliance_store.hpp"
#include "store/migrations.hpp"

using namespace verdict;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using verdict::test::ok;
const auto& sql = verdict::test::superuser_sql;

const std::string pid = std::to_string(::getpid());
const std::string database = "verdict_test_compliance_" + pid;
const std::string sample_policy = std::string(VERDICT_SOURCE_DIR) + "/resources/policy/sample-policy.json";


const auto& run_cli = verdict::test::run_cli;

/// Waits for the daemon's sink to have stored `id`.
std::optional<store::DecisionRecord> stored(store::ComplianceStore& compliance, const std::string& id) {
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < until) {
    if (auto found = compliance.decision(id); found && *found) return **found;
    std::this_thread::sleep_for(20ms);
  }
  return std::nullopt;
}

/// The sample policy with one parameter changed, as a draft an analyst would replay under.
std::string draft_with_min_age(int age) {
  std::ifstream in(sample_policy);
  json doc = json::parse(in);
  for (auto& p : doc["parameters"])
    if (p["name"] == "min_age") p["value"] = age;
  return doc.dump();
}

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("verdict-compliance-" + pid + "-" + name);
  std::ofstream(path) << text;
  return path.string();
}


}  // namespace

class ComplianceTest : public QObject {
  Q_OBJECT

  /// Decides `count` clean applications and one that the sample policy rejects, returns their ids.
  std::vector<std::string> decide(test::Stack& stack, int count, json* last_application = nullptr) {
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      json application = test::application(i == 0 ? "clean+bkr-a" : "clean");
      const auto reply = stack.decide(application);
      if (reply.status != 200) qFatal("decide: %u %s", reply.status, reply.body.c_str());
      ids.push_back(reply.json.at("decision_id").get<std::string>());
      if (last_application) *last_application = application;
    }
    return ids;
  }

  void check_lookup_and_replay(store::ComplianceStore& compliance, const std::vector<std::string>& ids,
                               const json& last_application, const std::string& policy_text) {
    // By id: the record as the daemon stored it.
    const auto record = stored(compliance, ids.back());
    QVERIFY2(record.has_value(), "the daemon's decision never reached the store");
    QCOMPARE(record->application_id, last_application.at("id").get<std::string>());

    // By the applicant's identifiers, hashed here the way the daemon hashed them when storing.
    const auto& applicant = last_application.at("applicant");
    const std::string key = crypto::customer_key(
        "integration-test-key", {applicant.at("last_name").get<std::string>(), applicant.at("date_of_birth").get<std::string>(),
                                 applicant.at("address").at("postcode").get<std::string>(),
                                 applicant.at("address").at("house_number").get<std::string>()});
    QCOMPARE(record->customer_key, key);
    const auto by_customer = ok(compliance.decisions_by_customer(key), "by customer");
    QCOMPARE(by_customer.size(), std::size_t{1});
    QCOMPARE(by_customer[0].decision_id, ids.back());
    QVERIFY(ok(compliance.decisions_by_customer("no-such-key"), "by customer").empty());

    // Every stored decision replays exactly under the version it was made with.
    for (const auto& id : ids) {
      const auto r = stored(compliance, id);
      QVERIFY(r.has_value());
      auto replayed = compliance::replay(*r, policy_text);
      QVERIFY2(replayed.has_value(), replayed ? "" : replayed.error().c_str());
      QVERIFY2(replayed->reproduced, replayed->differences.empty() ? "?" : replayed->differences[0].c_str());
      QVERIFY(replayed->same_policy);
      QVERIFY2(QString::fromStdString(replayed->summary()).startsWith("reproduced exactly under consumer-nl v"),
               replayed->summary().c_str());
    }

    // The first one was rejected for BKR code A; under a draft that changes nothing it touches, the
    // replay still reproduces the outcome but is not the same policy.
    const auto first = *stored(compliance, ids.front());
    QCOMPARE(first.outcome, std::string("REJECT"));

    // Under a draft that raises the minimum age above the applicant's, the replay names what changes.
    auto draft = compliance::replay(*record, draft_with_min_age(60));
    QVERIFY2(draft.has_value(), draft ? "" : draft.error().c_str());
    QVERIFY(!draft->reproduced);
    QVERIFY(!draft->same_policy);
    QVERIFY(!draft->differences.empty());
    bool outcome_named = false, hash_named = false;
    for (const auto& d : draft->differences) {
      outcome_named = outcome_named || d.starts_with("/outcome: stored \"ACCEPT\", replayed");
      hash_named = hash_named || d.starts_with("/policy/hash: stored \"sha256:");
    }
    QVERIFY2(outcome_named, draft->differences[0].c_str());
    QVERIFY(hash_named);

    // A stored decision that does not match what the engine decides is reported, field by field.
    auto tampered = *record;
    json decision = json::parse(tampered.decision_json);
    decision["outcome"] = "REFER";
    tampered.decision_json = decision.dump();
    auto mismatch = compliance::replay(tampered, policy_text);
    QVERIFY(mismatch.has_value());
    QVERIFY(!mismatch->reproduced);
    QCOMPARE(mismatch->differences.size(), std::size_t{1});
    QCOMPARE(mismatch->differences[0], std::string("/outcome: stored \"REFER\", replayed \"ACCEPT\""));
    QVERIFY(QString::fromStdString(mismatch->summary()).startsWith("differs from the stored decision"));

    // Export: the decisions of the timeframe, as CSV.
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const auto listed = ok(compliance.decisions({now_ms - 3'600'000, now_ms + 60'000, "", "", 1'000'000}), "decisions");
    QCOMPARE(listed.size(), ids.size());
    const auto rejected = ok(compliance.decisions({now_ms - 3'600'000, now_ms + 60'000, "", "REJECT", 1'000'000}), "decisions");
    QCOMPARE(rejected.size(), std::size_t{1});
    std::ostringstream csv;
    store::write_csv(csv, listed);
    const std::string text = csv.str();
    QVERIFY(text.starts_with("decision_id,received_at,application_id,channel,shop_id,outcome,"));
    QCOMPARE(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')), ids.size() + 1);
    QVERIFY(text.find(ids.back()) != std::string::npos);
  }

 private slots:
  void initTestCase() {
    if (const QString failed = verdict::test::create_scratch_database(database); !failed.isEmpty()) QFAIL(qPrintable(failed));
  }
  void cleanupTestCase() {
    try {
      sql("postgres", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      sql("postgres", "DROP ROLE IF EXISTS approver_" + pid);
    } catch (const std::exception& e) {
      qWarning("dropping the scratch database: %s", e.what());
    }
  }

  void customer_key_is_the_daemons_hash() {
    // HMAC-SHA256("integration-test-key", "customer|de vries|1991-04-12|3511ab|12"), by Python's hmac.
    QCOMPARE(crypto::customer_key("integration-test-key", {"de Vries", "1991-04-12", "3511AB", "12"}),
             std::string("6b8c173c9eb9f87655dd9199a3bcf202da09c3dcd59228276483f5caed029d97"));
    QVERIFY(crypto::customer_key("other-key", {"de Vries", "1991-04-12", "3511AB", "12"}) !=
            crypto::customer_key("integration-test-key", {"de Vries", "1991-04-12", "3511AB", "12"}));
  }

  void embedded_store() {
    test::Stack stack("compliance-sqlite");
    json last;
    const auto ids = decide(stack, 4, &last);
    const auto file = stack.data_dir / "verdict.db";
    auto compliance = ok(store::open_sqlite_compliance(file), "open");
    const auto policy_text = files::read_text(sample_policy);
    QVERIFY(policy_text.has_value());
    check_lookup_and_replay(*compliance, ids, last, *policy_text);

    // The CLI twins, on the daemon's own file. Embedded mode has no published version on record, so
    // replay takes the local policy file.
    auto no_version = run_cli({"replay", "--decision", ids.back(), "--sqlite", file.string()});
    QCOMPARE(no_version.code, 1);
    QVERIFY2(no_version.err.contains("give the policy file it was made with"), qPrintable(no_version.err));
    auto replayed = run_cli({"replay", "--decision", ids.back(), "--sqlite", file.string(), "--policy", sample_policy,
                         "--draft", write_temp("draft.json", draft_with_min_age(60))});
    QCOMPARE(replayed.code, 0);
    QVERIFY2(replayed.out.contains("Under the version it was made with: reproduced exactly under consumer-nl v"),
             qPrintable(replayed.out));
    QVERIFY2(replayed.out.contains("Under the draft: differs from the stored decision"),
             qPrintable(replayed.out));
    auto wrong_policy = run_cli({"replay", "--decision", ids.back(), "--sqlite", file.string(), "--policy",
                             write_temp("other.json", draft_with_min_age(60))});
    QCOMPARE(wrong_policy.code, 1);
    QVERIFY2(wrong_policy.out.contains("note: the policy given is"), qPrintable(wrong_policy.out));

    const auto& applicant = last.at("applicant");
    auto lookup = run_cli({"lookup", "--sqlite", file.string(), "--last-name", applicant.at("last_name").get<std::string>(),
                       "--date-of-birth", applicant.at("date_of_birth").get<std::string>(), "--postcode",
                       applicant.at("address").at("postcode").get<std::string>(), "--house-number",
                       applicant.at("address").at("house_number").get<std::string>(), "--identifier-key",
                       "integration-test-key"});
    QCOMPARE(lookup.code, 0);
    QVERIFY2(lookup.out.contains(QString::fromStdString(ids.back())), qPrintable(lookup.out));
    auto by_id = run_cli({"lookup", "--sqlite", file.string(), "--decision", ids.front()});
    QCOMPARE(by_id.code, 0);
    QVERIFY2(by_id.out.contains("outcome    REJECT"), qPrintable(by_id.out));
    QVERIFY2(by_id.out.contains("bkr"), qPrintable(by_id.out));
    auto missing = run_cli({"lookup", "--sqlite", file.string(), "--decision", "00000000-0000-4000-8000-000000000000"});
    QCOMPARE(missing.code, 1);
    QVERIFY(missing.err.contains("no decision 00000000-0000-4000-8000-000000000000"));

    auto exported = run_cli({"export", "--sqlite", file.string(), "--from", "2020-01-01", "--to", "2100-01-01T00:00:00Z"});
    QCOMPARE(exported.code, 0);
    QCOMPARE(static_cast<std::size_t>(exported.out.count('\n')), ids.size() + 1);
    auto bad_time = run_cli({"export", "--sqlite", file.string(), "--from", "yesterday", "--to", "2100-01-01"});
    QCOMPARE(bad_time.code, 2);
    QVERIFY2(bad_time.err.contains("--from yesterday is not a UTC date"), qPrintable(bad_time.err));
  }

  /// Stored cases streamed for simulation, on both databases: every case of the timeframe once, in
  /// order, across PostgreSQL's pages (5,000 rows); the filters, the limit and stopping early.
  void stored_cases_stream_in_order() {
    constexpr std::int64_t base = 1735689600000;  // 2025-01-01T00:00Z, apart from every other test's decisions
    std::vector<store::DecisionRecord> records;
    for (int i = 0; i < 5'103; ++i) {
      store::DecisionRecord r;
      char id[40];
      std::snprintf(id, sizeof id, "ca5e0000-0000-4000-8000-%012x", static_cast<unsigned>(i));
      r.decision_id = id;
      r.application_id = "APP-" + std::to_string(i);
      r.received_at_ms = base + (i / 3) * 1000;  // three per second: the order within one instant is by id
      r.channel = i % 4 == 0 ? "shop" : "web";
      r.shop_id = i % 8 == 0 ? "SHOP-8" : "SHOP-1";
      r.outcome = "ACCEPT";
      r.policy_name = "consumer-nl";
      r.policy_version = 1;
      r.policy_hash = "sha256:x";
      r.customer_key = "ck";
      r.case_json = json{{"application", {{"id", r.application_id}}}}.dump();
      r.decision_json = json{{"outcome", "ACCEPT"}}.dump();
      records.push_back(std::move(r));
    }
    const std::string url = test::postgres_server + database;
    ok(store::migrate_postgres(url), "migrate");
    const auto dir = test::scratch_dir("compliance-cases");
    const auto file = dir / "cases.db";
    auto pg = ok(store::open_postgres(url), "postgres");
    auto lite = ok(store::open_sqlite(file), "sqlite");
    for (std::size_t at = 0; at < records.size(); at += 1'000) {
      const auto batch = std::span(records).subspan(at, std::min<std::size_t>(1'000, records.size() - at));
      ok(pg->write(batch), "write postgres");
      ok(lite->write(batch), "write sqlite");
    }
    for (auto* compliance : {ok(store::open_postgres_compliance(url), "open").release(),
                             ok(store::open_sqlite_compliance(file), "open").release()}) {
      std::unique_ptr<store::ComplianceStore> owned(compliance);
      store::DecisionQuery q;
      q.from_ms = base;
      q.to_ms = base + 10'000'000;
      std::vector<std::string> seen;
      auto count = compliance->cases(q, [&](std::string_view id, std::string_view case_json) {
        seen.emplace_back(id);
        return json::parse(case_json)["application"]["id"] == "APP-" + std::to_string(seen.size() - 1);
      });
      QVERIFY2(count, count ? "" : count.error().message.c_str());
      QCOMPARE(*count, records.size());
      QCOMPARE(seen.size(), records.size());
      for (std::size_t i = 0; i < seen.size(); ++i) QCOMPARE(seen[i], records[i].decision_id);

      q.channel = "shop";
      q.shop_id = "SHOP-8";
      std::size_t matching = 0;
      QCOMPARE(*compliance->cases(q, [&](std::string_view, std::string_view) { return ++matching, true; }),
               std::size_t{(5'103 + 7) / 8});
      q.channel.clear();
      q.shop_id.clear();
      q.limit = 10;
      QCOMPARE(*compliance->cases(q, [](std::string_view, std::string_view) { return true; }), std::size_t{10});
      q.limit = 1'000'000;
      std::size_t visited = 0;
      QCOMPARE(*compliance->cases(q, [&](std::string_view, std::string_view) { return ++visited < 7; }), std::size_t{7});
    }
    std::filesystem::remove_all(dir);
  }

  void production_store() {
    const std::string url = test::postgres_server + database;
    test::Stack stack("compliance-postgres", [&](daemon::Config& c) { c.postgres_url = url; });
    json last;
    const auto ids = decide(stack, 3, &last);
    auto compliance = ok(store::open_postgres_compliance(url), "open");
    const auto policy_text = files::read_text(sample_policy);
    QVERIFY(policy_text.has_value());

    // The version the daemon ran, published through four eyes. policy_versions is written here as
    // the publisher would (issue 4's PolicyVersionStore and `verdict publish` own that).
    auto approvals = ok(store::open_postgres_approvals(url), "approvals");  // the superuser: every role
    const auto doc = files::read_policy_document(sample_policy);
    QVERIFY(doc.has_value());
    const std::string hash = files::policy_content_hash(*doc);
    sql(database, "CREATE ROLE approver_" + pid + " LOGIN IN ROLE verdict_approver");
    const auto id = ok(approvals->submit({doc->name, 0, *policy_text, hash, "first version of the sample policy"}), "submit");
    auto approver = ok(store::open_postgres_approvals("postgresql://approver_" + pid + "@127.0.0.1:5432/" + database),
                       "approver");
    ok(approver->approve(id, "simulated on last month: as expected"), "approve");
    // Published for real: recorded in policy_versions and produced to a policy topic of this run.
    const std::string topic = "verdict.policies.test-compliance-" + pid;
    auto published = run_cli({"publish-approved", std::to_string(id), "--postgres", url, "--brokers", "127.0.0.1:9092",
                              "--topic", topic, "--fleet-topic", topic + "-fleet"});
    QVERIFY2(published.code == 0, qPrintable(published.err));
    QVERIFY2(published.out.contains(QString::fromStdString("published consumer-nl@" + std::to_string(doc->version))),
             qPrintable(published.out));
    QCOMPARE(ok(approvals->find(id), "find")->status, store::RequestStatus::Published);
    {
      // A second version with no approval request on record, as an older tool would have written it.
      pqxx::connection conn(url);
      pqxx::work t(conn);
      json v2 = json::parse(draft_with_min_age(21));
      v2["version"] = doc->version + 1;
      t.exec_params0("INSERT INTO policy_versions (name, version, content_hash, document, author, approver, comment) "
                     "VALUES ($1, $2, 'sha256:v2', $3::jsonb, 'ann', 'bob', 'minimum age 21')",
                     doc->name, doc->version + 1, v2.dump());
      t.commit();
    }

    // Replay takes the document from policy_versions (jsonb: key order not kept, content is).
    const auto stored_document = ok(compliance->version_document(doc->name, doc->version), "version");
    QVERIFY(stored_document.has_value());
    check_lookup_and_replay(*compliance, ids, last, *stored_document);

    const auto history = ok(compliance->history(doc->name), "history");
    QCOMPARE(history.size(), std::size_t{2});
    QCOMPARE(history[0].version, doc->version + 1);
    QCOMPARE(history[0].request_id, std::int64_t{0});
    QCOMPARE(history[0].status, std::string("published (no approval request on record)"));
    QCOMPARE(history[1].version, doc->version);
    QCOMPARE(history[1].author, approvals->identity());
    QCOMPARE(history[1].approver, approver->identity());
    QCOMPARE(history[1].request_id, id);
    QCOMPARE(history[1].approval_comment, std::string("simulated on last month: as expected"));
    QCOMPARE(history[1].status, std::string("published"));
    QVERIFY(history[1].approved_at_ms >= history[1].submitted_at_ms && history[1].submitted_at_ms > 0);

    auto replayed = run_cli({"replay", "--decision", ids.back(), "--postgres", url});
    QCOMPARE(replayed.code, 0);
    QVERIFY2(replayed.out.contains("reproduced exactly"), qPrintable(replayed.out));
    auto listed = run_cli({"history", "--policy-name", doc->name, "--postgres", url});
    QCOMPARE(listed.code, 0);
    QVERIFY2(listed.out.contains(QString::fromStdString("approved by " + approver->identity())), qPrintable(listed.out));
    QVERIFY2(listed.out.contains("approval: simulated on last month"), qPrintable(listed.out));
    auto diff = run_cli({"history", "--policy-name", doc->name, "--postgres", url, "--diff", std::to_string(doc->version),
                     std::to_string(doc->version + 1)});
    QCOMPARE(diff.code, 0);
    QVERIFY2(diff.out.contains("min_age"), qPrintable(diff.out));
    auto never = run_cli({"history", "--policy-name", doc->name, "--postgres", url, "--diff", "1", "99"});
    QCOMPARE(never.code, 1);
    QVERIFY2(never.err.contains("v99 was never published"), qPrintable(never.err));

    stack.daemon.reset();  // its connections go before the role does
    approver.reset();
    sql("postgres", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    sql("postgres", "DROP ROLE IF EXISTS approver_" + pid);
  }
};

QTEST_GUILESS_MAIN(ComplianceTest)
#include "test_compliance.moc"
