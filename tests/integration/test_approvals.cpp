// Four-eyes approvals (store/approval_store.hpp) against a real PostgreSQL — a scratch database and
// login roles per run, each person connecting as themselves — and a real SQLite file acting as the
// configured user. Every test runs on both: roles, author != approver, mandatory comments, the status
// transitions, publishing, fast-track changes approved after the fact, and the audit trail. On
// PostgreSQL it also checks that the database itself holds the rules when a client goes around the
// store.
#include <QtTest/QtTest>

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "store_support.hpp"

#include "store/approval_store.hpp"
#include "store/migrations.hpp"
#include "store/policy_versions.hpp"

using namespace verdict::store;
namespace fs = std::filesystem;

namespace {

using verdict::test::ok;
using verdict::test::refusal;
const auto& sql = verdict::test::superuser_sql;

const std::string pid = std::to_string(::getpid());
const std::string database = "verdict_test_approvals_" + pid;
const fs::path postgres_sql = fs::path(VERDICT_SOURCE_DIR) / "sql" / "postgres";


/// The people of the tests and their roles; on PostgreSQL each is a login named <person>_<pid>.
const std::map<std::string, std::vector<Role>> people{
    {"ann", {Role::Analyst}},                  // writes drafts
    {"bob", {Role::Analyst, Role::Approver}},  // writes drafts and approves others'
    {"cat", {Role::Approver}},                 // approves
    {"fay", {Role::Fraud}},                    // fraud quick actions
    {"kim", {Role::Compliance}},               // compliance
    {"nob", {}},                               // no role at all
};

std::string login(const std::string& person) { return person + "_" + pid; }

/// The sample policy as version `version`, as the studio would submit it; `edit` changes it further.
std::string document(int version, const std::function<void(nlohmann::json&)>& edit = {}) {
  std::ifstream in(std::string(VERDICT_SOURCE_DIR) + "/resources/policy/sample-policy.json");
  nlohmann::json doc = nlohmann::json::parse(in);
  doc["version"] = version;
  if (edit) edit(doc);
  return doc.dump();
}

nlohmann::json& list_named(nlohmann::json& doc, const std::string& name) {
  for (auto& list : doc["lists"])
    if (list["name"] == name) return list;
  qFatal("no list %s in the sample policy", name.c_str());
}

/// The fraud team's quick action: one more blocked IBAN on top of version 4.
std::string with_blocked_iban(int version) {
  return document(version, [](nlohmann::json& doc) { list_named(doc, "blocked_ibans")["items"].push_back("NL91ABNA0417164300"); });
}

NewApprovalRequest draft(const std::string& comment = "raise the minimum age to 19 for device loans",
                         RequestKind kind = RequestKind::Standard) {
  return {"consumer-nl", 3, document(4), "sha256:abc123", comment, kind};
}

/// Stands in for the policy version store and the policy topic, which are not ours to test here:
/// records what it was handed and numbers versions from 4.
class RecordingPublisher final : public PolicyPublisher {
 public:
  std::vector<ApprovalRequest> published;
  verdict::expected<int, StoreError> publish(const ApprovalRequest& request) override {
    published.push_back(request);
    return 3 + static_cast<int>(published.size());
  }
};


}  // namespace

class ApprovalsTest : public QObject {
  Q_OBJECT
  fs::path temp;
  fs::path sqlite_file;

  std::unique_ptr<ApprovalStore> as(const QString& backend, const std::string& person) {
    if (backend == "postgres")
      return ok(open_postgres_approvals("postgresql://" + login(person) + "@127.0.0.1:5432/" + database), "open postgres");
    return ok(open_sqlite_approvals(sqlite_file, person), "open sqlite");
  }

  static void backends() { verdict::test::backend_rows(); }

 private slots:
  void initTestCase() {
    if (const QString failed = verdict::test::create_scratch_database(database); !failed.isEmpty()) QFAIL(qPrintable(failed));
    ok(migrate_postgres(verdict::test::postgres_server + database, postgres_sql), "migrate");
    temp = fs::temp_directory_path() / ("verdict-approvals-test-" + pid);
    fs::remove_all(temp);
    fs::create_directories(temp);
    sqlite_file = temp / "embedded.db";
    // Version 4 is live on both: the base that the fast-track quick actions change.
    const std::string v4 = document(4);
    {
      pqxx::connection conn(verdict::test::postgres_server + database);
      pqxx::work t(conn);
      t.exec_params0("INSERT INTO policy_versions (name, version, content_hash, document, author, approver, comment) "
                     "VALUES ('consumer-nl', 4, 'sha256:v4', $1::jsonb, 'ann', 'bob', 'version 4')",
                     v4);
      t.commit();
    }
    auto versions = ok(open_sqlite_policy_versions(sqlite_file), "policy versions");
    ok(versions->record({"consumer-nl", 4, "sha256:v4", v4, "ann", "bob", "version 4", 1'796'000'000'000}), "record v4");
    for (const auto& [person, roles] : people) {
      sql("postgres", "DROP ROLE IF EXISTS " + login(person));
      sql("postgres", "CREATE ROLE " + login(person) + " LOGIN");
      for (Role role : roles) {
        sql("postgres", "GRANT verdict_" + std::string(to_string(role)) + " TO " + login(person));
        ok(grant_sqlite_role(sqlite_file, person, role, "test-setup"), "grant");
      }
    }
  }

  void cleanupTestCase() {
    try {
      sql("postgres", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      for (const auto& [person, roles] : people) sql("postgres", "DROP ROLE IF EXISTS " + login(person));
    } catch (const std::exception& e) {
      qWarning("cleaning up: %s", e.what());
    }
    std::error_code ec;
    fs::remove_all(temp, ec);
  }

  void identity_and_roles_data() { backends(); }
  void identity_and_roles() {
    QFETCH(QString, backend);
    auto bob = as(backend, "bob");
    QCOMPARE(bob->identity(), backend == "postgres" ? login("bob") : std::string("bob"));
    QCOMPARE(ok(bob->roles(), "roles"), (std::vector<Role>{Role::Analyst, Role::Approver}));
    QVERIFY(ok(as(backend, "nob")->roles(), "roles").empty());
  }

  void four_eyes_approve_then_publish_data() { backends(); }
  void four_eyes_approve_then_publish() {
    QFETCH(QString, backend);
    auto ann = as(backend, "ann");
    auto bob = as(backend, "bob");
    auto cat = as(backend, "cat");
    const auto id = ok(bob->submit(draft()), "submit");

    auto request = *ok(ann->find(id), "find");
    QCOMPARE(request.author, bob->identity());
    QCOMPARE(request.status, RequestStatus::AwaitingApproval);
    QCOMPARE(request.base_version, 3);
    QCOMPARE(request.content_hash, std::string("sha256:abc123"));
    QCOMPARE(nlohmann::json::parse(request.document), nlohmann::json::parse(document(4)));
    QVERIFY(request.submitted_at_ms > 1'700'000'000'000);
    QCOMPARE(QString::fromStdString(request.status_text()), QString("awaiting approval"));

    // The author is an approver too, and still may not approve their own draft.
    const QString own = refusal(bob->approve(id, "looks fine to me"));
    QVERIFY2(own.contains("four eyes") && own.contains(QString::fromStdString(bob->identity())) &&
                 own.contains("cannot approve"),
             qPrintable(own));
    const QString no_role = refusal(ann->approve(id, "ok"));
    QVERIFY2(no_role.contains("needs the role") && no_role.contains("approver"), qPrintable(no_role));
    QVERIFY2(refusal(cat->approve(id, "  ")).contains("comment is mandatory"), qPrintable(refusal(cat->approve(id, ""))));
    QCOMPARE(ok(ann->find(id), "find")->status, RequestStatus::AwaitingApproval);

    // Not approved yet: it cannot go live.
    RecordingPublisher publisher;
    QVERIFY(refusal(publish_request(*bob, publisher, id)).contains("awaiting approval"));
    QVERIFY(publisher.published.empty());

    ok(cat->approve(id, "checked the simulation: 0.4% fewer accepts, as intended"), "approve");
    request = *ok(ann->find(id), "find");
    QCOMPARE(request.status, RequestStatus::Approved);
    QVERIFY(request.decision && request.decision->approved);
    QCOMPARE(request.decision->by, cat->identity());
    QCOMPARE(request.decision->comment, std::string("checked the simulation: 0.4% fewer accepts, as intended"));
    const QString twice = refusal(cat->reject(id, "changed my mind"));
    QVERIFY2(twice.contains("already approved"), qPrintable(twice));

    // Only an analyst publishes; the approver alone may not.
    QVERIFY2(refusal(publish_request(*cat, publisher, id)).contains("needs the role analyst"),
             qPrintable(refusal(publish_request(*cat, publisher, id))));
    QVERIFY(publisher.published.empty());
    const auto published = ok(publish_request(*bob, publisher, id), "publish");
    QCOMPARE(publisher.published.size(), std::size_t{1});
    QCOMPARE(publisher.published[0].id, id);
    QCOMPARE(published.status, RequestStatus::Published);
    QCOMPARE(published.published_version, 4);
    QCOMPARE(published.published_by, bob->identity());
    QCOMPARE(QString::fromStdString(published.status_text()), QString("published"));
    QVERIFY(refusal(publish_request(*bob, publisher, id)).contains("already published as version 4"));
    QCOMPARE(publisher.published.size(), std::size_t{1});
    QCOMPARE(ok(ann->find_published("consumer-nl", 4), "find_published")->id, id);
    QVERIFY(!ok(ann->find_published("consumer-nl", 99), "find_published"));

    // Every step is in the audit log, by whom it was done.
    const auto subject = "policy/consumer-nl/approval/" + std::to_string(id);
    const auto trail = ok(ann->audit_log(subject), "audit_log");
    QCOMPARE(trail.size(), std::size_t{3});
    QCOMPARE(trail[0].action, std::string("approval.requested"));
    QCOMPARE(trail[0].actor, bob->identity());
    QCOMPARE(nlohmann::json::parse(trail[0].details).at("comment"), nlohmann::json(draft().comment));
    QCOMPARE(trail[1].action, std::string("approval.approved"));
    QCOMPARE(trail[1].actor, cat->identity());
    QCOMPARE(trail[2].action, std::string("policy.published"));
    QCOMPARE(trail[2].actor, bob->identity());
    const auto details = nlohmann::json::parse(trail[2].details);
    QCOMPARE(details.at("version"), nlohmann::json(4));
    QCOMPARE(details.at("approver"), nlohmann::json(cat->identity()));
  }

  void rejected_is_never_published_data() { backends(); }
  void rejected_is_never_published() {
    QFETCH(QString, backend);
    auto ann = as(backend, "ann");
    auto cat = as(backend, "cat");
    QVERIFY2(refusal(ann->submit(draft(" \n"))).contains("comment is mandatory"), "blank comment accepted");
    QVERIFY2(refusal(as(backend, "nob")->submit(draft())).contains("needs the role analyst"), "submitted without a role");
    QVERIFY2(refusal(ann->submit(draft("block", RequestKind::FastTrack))).contains("needs the role fraud"),
             "fast track without the fraud role");

    const auto id = ok(ann->submit(draft("drop the BKR check for small loans")), "submit");
    ok(cat->reject(id, "BKR is mandatory above EUR 250"), "reject");
    const auto request = *ok(ann->find(id), "find");
    QCOMPARE(request.status, RequestStatus::Rejected);
    QVERIFY(request.decision && !request.decision->approved);
    RecordingPublisher publisher;
    const QString refused = refusal(publish_request(*ann, publisher, id));
    QVERIFY2(refused.contains("rejected by " + QString::fromStdString(cat->identity())), qPrintable(refused));
    QVERIFY(publisher.published.empty());
    const QString marked = refusal(ann->mark_published(id, 9));
    QVERIFY2(marked.contains("cannot be published"), qPrintable(marked));

    // Listing: newest first, by status.
    const auto rejected = ok(ann->list({RequestStatus::Rejected, "", false}), "list");
    QVERIFY(!rejected.empty());
    QCOMPARE(rejected.front().id, id);
    for (const auto& r : ok(ann->list({RequestStatus::AwaitingApproval, "consumer-nl", false}), "list"))
      QCOMPARE(r.status, RequestStatus::AwaitingApproval);
    QVERIFY(refusal(cat->approve(987654, "ok")).contains("no approval request 987654"));
  }

  void fast_track_published_before_approval_data() { backends(); }
  void fast_track_published_before_approval() {
    QFETCH(QString, backend);
    auto fay = as(backend, "fay");
    auto kim = as(backend, "kim");
    auto cat = as(backend, "cat");
    NewApprovalRequest block{"consumer-nl", 4, with_blocked_iban(5), "sha256:def456",
                             "block an IBAN used in an attack on the webshop", RequestKind::FastTrack};
    const auto id = ok(fay->submit(block), "submit");

    // Only a quick action may take the fast track: list entries added, a few parameter values.
    auto too_big = block;
    too_big.document = document(5, [](nlohmann::json& doc) {
      doc["rules"][0]["enabled"] = !doc["rules"][0].value("enabled", true);
      list_named(doc, "blocked_emails")["items"].erase(0);
    });
    const QString refused = refusal(fay->submit(too_big));
    QVERIFY2(refused.contains("not a quick action") && refused.contains("it changes rules") &&
                 refused.contains("removes 1 entries from list blocked_emails") && refused.contains("standard request"),
             qPrintable(refused));
    auto thresholds = block;
    thresholds.document = document(5, [](nlohmann::json& doc) {
      for (std::size_t i = 0; i < 4; ++i) doc["parameters"][i]["value"] = doc["parameters"][i]["value"].get<std::int64_t>() + 1;
    });
    QVERIFY2(refusal(fay->submit(thresholds)).contains("it changes 4 parameters (at most 3)"),
             qPrintable(refusal(fay->submit(thresholds))));
    auto unpublished = block;
    unpublished.base_version = 77;
    QVERIFY2(refusal(fay->submit(unpublished)).contains("consumer-nl v77 was never published"),
             qPrintable(refusal(fay->submit(unpublished))));
    RecordingPublisher publisher;

    // Switched off (the default): a fast-track change waits for approval like any other.
    QVERIFY(!ok(fay->fast_track_after_the_fact(), "setting"));
    QVERIFY2(refusal(publish_request(*fay, publisher, id)).contains("switched off"),
             qPrintable(refusal(publish_request(*fay, publisher, id))));
    QVERIFY(publisher.published.empty());
    QVERIFY2(refusal(fay->set_fast_track_after_the_fact(true)).contains("needs the role compliance"), "not compliance");

    ok(kim->set_fast_track_after_the_fact(true), "switch on");
    QVERIFY(ok(fay->fast_track_after_the_fact(), "setting"));
    QVERIFY2(refusal(publish_request(*cat, publisher, id)).contains("needs the role fraud"), "approver published fast track");
    const auto live = ok(publish_request(*fay, publisher, id), "publish fast track");
    QCOMPARE(live.status, RequestStatus::Published);
    QVERIFY(live.approval_pending_after_the_fact());
    QCOMPARE(QString::fromStdString(live.status_text()), QString("published — approval pending after the fact"));
    const auto pending = ok(cat->list({std::nullopt, "", true}), "list pending");
    QVERIFY(std::any_of(pending.begin(), pending.end(), [&](const auto& r) { return r.id == id; }));
    for (const auto& r : pending) QVERIFY(r.approval_pending_after_the_fact());

    QVERIFY(refusal(fay->approve(id, "mine")).contains("needs the role approver"));
    ok(cat->approve(id, "IBAN confirmed in the fraud case file"), "approve after the fact");
    const auto approved = *ok(cat->find(id), "find");
    QCOMPARE(approved.status, RequestStatus::Published);
    QVERIFY(!approved.approval_pending_after_the_fact());
    QCOMPARE(QString::fromStdString(approved.status_text()), QString("published"));

    const auto trail = ok(cat->audit_log("policy/consumer-nl/approval/" + std::to_string(id)), "audit");
    QCOMPARE(trail.size(), std::size_t{3});
    QCOMPARE(trail[1].action, std::string("policy.published_before_approval"));
    QCOMPARE(trail[1].actor, fay->identity());
    QCOMPARE(trail[2].action, std::string("approval.approved_after_the_fact"));
    QCOMPARE(trail[2].actor, cat->identity());
    const auto settings = ok(kim->audit_log("approval_settings"), "settings audit");
    QVERIFY(!settings.empty());
    QCOMPARE(settings.back().actor, kim->identity());

    // One rejected after the fact shows as such (the fraud team must roll it back).
    const auto second = ok(fay->submit(block), "submit");
    ok(publish_request(*fay, publisher, second), "publish");
    ok(cat->reject(second, "wrong IBAN: a customer's, not the fraudster's"), "reject after the fact");
    QCOMPARE(QString::fromStdString(ok(cat->find(second), "find")->status_text()),
             QString("published — rejected after the fact"));
    ok(kim->set_fast_track_after_the_fact(false), "switch off");
  }

  // The rules live in the database: a client that goes around the store with plain SQL, as the
  // analyst's own login, can neither pose as someone else nor approve its own request.
  void postgres_holds_the_rules_without_the_store() {
    const std::string as_bob = "postgresql://" + login("bob") + "@127.0.0.1:5432/" + database;
    pqxx::connection conn(as_bob);
    std::int64_t id = 0;
    {
      pqxx::work t(conn);
      const auto row = t.exec1(
          "INSERT INTO approval_requests (policy_name, base_version, document, content_hash, comment, author) "
          "VALUES ('consumer-nl', 1, '{}', 'sha256:x', 'posing as ann', '" + login("ann") + "') RETURNING id, author");
      id = row[0].as<std::int64_t>();
      QCOMPARE(row[1].as<std::string>(), login("bob"));  // the login, not what the client wrote
      t.commit();
    }
    auto failure = [&](const std::string& statement) -> QString {
      try {
        pqxx::work t(conn);
        t.exec(statement);
        t.commit();
        return {};
      } catch (const pqxx::sql_error& e) {
        return QString::fromStdString(e.what());
      }
    };
    const std::string where = " WHERE id = " + std::to_string(id);
    QVERIFY(failure("UPDATE approval_requests SET status = 'approved', decision = 'approved', decision_comment = 'ok', "
                    "decided_by = '" + login("cat") + "'" + where)
                .contains("four eyes"));
    QVERIFY(failure("UPDATE approval_requests SET comment = 'edited'" + where).contains("permission denied"));
    try {
      sql(database, "UPDATE approval_requests SET comment = 'edited by the superuser'" + where);
      QFAIL("the superuser changed a submitted comment");
    } catch (const pqxx::sql_error& e) {
      QVERIFY2(QString(e.what()).contains("cannot be changed"), e.what());
    }
    QVERIFY(failure("DELETE FROM approval_requests" + where).contains("permission denied"));
    try {
      sql(database, "DELETE FROM approval_requests" + where);
      QFAIL("the superuser deleted an approval request");
    } catch (const pqxx::sql_error& e) {
      QVERIFY2(QString(e.what()).contains("append-only"), e.what());
    }
    QVERIFY(failure("INSERT INTO audit_log (actor, action, subject) VALUES ('x', 'forged', 'y')").contains("permission denied"));
    QVERIFY(failure("UPDATE approval_settings SET fast_track_after_the_fact = true").contains("permission denied"));
    // And the CHECK holds even for the superuser, who bypasses privileges but not constraints.
    QVERIFY_EXCEPTION_THROWN(sql(database, "ALTER TABLE approval_requests DISABLE TRIGGER approval_requests_guard; "
                                           "UPDATE approval_requests SET status = 'approved', decision = 'approved', "
                                           "decision_comment = 'ok', decided_by = '" + login("bob") +
                                               "', decided_at = now()" + where),
                             pqxx::check_violation);
    sql(database, "ALTER TABLE approval_requests ENABLE TRIGGER approval_requests_guard");
  }

  void sqlite_schema_holds_the_rules_without_the_store() {
    // The embedded file's triggers and CHECKs, written to with plain SQL.
    sqlite3* raw = nullptr;
    QCOMPARE(sqlite3_open(sqlite_file.c_str(), &raw), SQLITE_OK);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
    auto failure = [&](const std::string& statement) -> QString {
      char* message = nullptr;
      if (sqlite3_exec(db.get(), statement.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return {};
      QString text = QString::fromUtf8(message);
      sqlite3_free(message);
      return text;
    };
    QVERIFY(failure("INSERT INTO approval_requests (policy_name, base_version, document, content_hash, author, comment, "
                    "submitted_at_ms) VALUES ('p', 1, '{}', 'sha256:x', 'nob', 'c', 1)")
                .contains("needs the role analyst"));
    QCOMPARE(failure("INSERT INTO approval_requests (policy_name, base_version, document, content_hash, author, comment, "
                     "submitted_at_ms) VALUES ('p', 1, '{}', 'sha256:x', 'bob', 'c', 1)"),
             QString());
    const std::string where = " WHERE id = " + std::to_string(sqlite3_last_insert_rowid(db.get()));
    QVERIFY(failure("UPDATE approval_requests SET status = 'approved', decision = 'approved', decided_by = 'bob', "
                    "decided_at_ms = 2, decision_comment = 'ok'" + where)
                .contains("four_eyes"));
    QVERIFY(failure("UPDATE approval_requests SET status = 'approved', decision = 'approved', decided_by = 'ann', "
                    "decided_at_ms = 2, decision_comment = 'ok'" + where)
                .contains("needs the role approver"));
    QVERIFY(failure("UPDATE approval_requests SET status = 'published', published_by = 'bob', published_at_ms = 3, "
                    "published_version = 2" + where)
                .contains("only an approved request"));
    QVERIFY(failure("DELETE FROM approval_requests" + where).contains("append-only"));
  }
};

QTEST_GUILESS_MAIN(ApprovalsTest)
#include "test_approvals.moc"
