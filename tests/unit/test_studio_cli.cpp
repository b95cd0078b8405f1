// The CLI twins of the studio's publish and compliance views on the embedded store (a scratch SQLite
// file): help on every command, usage errors, the four-eyes flow from the command line, and the CSV
// the exports write.
#include <QtTest/QtTest>

#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "cli_runner.hpp"
#include "test_support.hpp"
#include "util/csv.hpp"

namespace {

const auto& run = verdict::test::run_cli;

const std::string policy = verdict::test::source_path("resources/policy/sample-policy.json");

}  // namespace

class StudioCliTest : public QObject {
  Q_OBJECT
  std::filesystem::path dir;
  std::string file;

 private slots:
  void initTestCase() {
    dir = std::filesystem::temp_directory_path() / ("verdict-studio-cli-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    file = (dir / "embedded.db").string();
  }
  void cleanupTestCase() { std::filesystem::remove_all(dir); }

  void help_on_every_command_data() {
    QTest::addColumn<QString>("command");
    for (const char* c : {"request-approval", "approve", "reject", "publish-approved", "approvals", "grant-role", "history", "lookup",
                          "replay", "export"})
      QTest::newRow(c) << c;
  }
  void help_on_every_command() {
    QFETCH(QString, command);
    const auto r = run({command.toStdString(), "--help"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("Usage") && r.out.contains(command), qPrintable(r.out));
  }

  void usage_errors_exit_2() {
    const auto missing = run({"history", "--policy-name", "consumer-nl", "--sqlite", (dir / "typo.db").string()});
    QCOMPARE(missing.code, 2);
    QVERIFY(!std::filesystem::exists(dir / "typo.db"));
    QCOMPARE(run({"grant-role", "--sqlite", file, "--user", "ann", "--role", "analyst", "--granted-by", "setup"}).code, 0);
    const auto no_store = run({"history", "--policy-name", "consumer-nl"});
    QCOMPARE(no_store.code, 2);
    QVERIFY2(no_store.err.contains("give --postgres URL or --sqlite FILE"), qPrintable(no_store.err));
    QCOMPARE(run({"history", "--policy-name", "x", "--postgres", "u", "--sqlite", "f"}).code, 2);  // both
    QCOMPARE(run({"approve", "7", "--sqlite", file, "--user", "bob"}).code, 2);                   // no comment
    QCOMPARE(run({"grant-role", "--sqlite", file, "--user", "x", "--role", "king", "--granted-by", "y"}).code, 2);
    const auto lookup = run({"lookup", "--sqlite", file, "--last-name", "de Vries"});
    QCOMPARE(lookup.code, 2);
    QVERIFY2(lookup.err.contains("all of --last-name, --date-of-birth, --postcode and --house-number"), qPrintable(lookup.err));
    QCOMPARE(run({"export", "--sqlite", file, "--from", "2026-12-02", "--to", "2026-12-01"}).code, 2);
  }

  void four_eyes_from_the_command_line() {
    for (const auto& [user, role] : std::vector<std::pair<std::string, std::string>>{
             {"ann", "analyst"}, {"bob", "approver"}, {"ann", "approver"}}) {
      const auto r = run({"grant-role", "--sqlite", file, "--user", user, "--role", role, "--granted-by", "setup"});
      QCOMPARE(r.code, 0);
    }
    const auto submitted = run({"request-approval", "--policy", policy, "--comment", "first version", "--sqlite", file,
                                "--user", "ann"});
    QCOMPARE(submitted.code, 0);
    QVERIFY2(submitted.out.startsWith("approval request 1: consumer-nl (changes v0, sha256:") &&
                 submitted.out.contains("submitted by ann, awaiting approval"),
             qPrintable(submitted.out));
    const auto no_comment = run({"request-approval", "--policy", policy, "--comment", " ", "--sqlite", file, "--user", "ann"});
    QCOMPARE(no_comment.code, 1);
    QVERIFY(no_comment.err.contains("comment is mandatory"));

    const auto own = run({"approve", "1", "--comment", "fine", "--sqlite", file, "--user", "ann"});
    QCOMPARE(own.code, 1);
    QVERIFY2(own.err.contains("four eyes: ann submitted approval request 1 and cannot approve or reject it"),
             qPrintable(own.err));
    const auto stranger = run({"approve", "1", "--comment", "fine", "--sqlite", file, "--user", "eve"});
    QCOMPARE(stranger.code, 1);
    QVERIFY2(stranger.err.contains("eve may not approve or reject a policy change: that needs the role approver"),
             qPrintable(stranger.err));
    const auto approved = run({"approve", "1", "--comment", "simulated, fine", "--sqlite", file, "--user", "bob"});
    QCOMPARE(approved.code, 0);
    QVERIFY2(approved.out.contains("approval request 1 approved by bob: approved"), qPrintable(approved.out));

    run({"request-approval", "--policy", policy, "--comment", "second try", "--sqlite", file, "--user", "ann"});
    const auto rejected = run({"reject", "2", "--comment", "no change in it", "--sqlite", file, "--user", "bob"});
    QCOMPARE(rejected.code, 0);
    const auto listed = run({"approvals", "--sqlite", file, "--user", "bob"});
    QCOMPARE(listed.code, 0);
    QVERIFY2(listed.out.indexOf("#2") < listed.out.indexOf("#1"), qPrintable(listed.out));  // newest first
    QVERIFY(listed.out.contains("rejected by bob: no change in it"));
    QVERIFY(listed.out.contains("approved by bob: simulated, fine"));
    const auto only_rejected = run({"approvals", "--status", "rejected", "--sqlite", file, "--user", "bob"});
    QVERIFY(only_rejected.out.contains("#2") && !only_rejected.out.contains("#1 "));

    auto history = run({"history", "--policy-name", "consumer-nl", "--sqlite", file});
    QCOMPARE(history.code, 0);
    QVERIFY2(history.out.contains("no published versions of consumer-nl"), qPrintable(history.out));

    // Embedded publishing: into the file's policy_versions, then the request is marked published.
    const auto not_approved = run({"publish-approved", "2", "--sqlite", file, "--user", "ann"});
    QCOMPARE(not_approved.code, 1);
    QVERIFY2(not_approved.err.contains("was rejected by bob: it cannot be published"), qPrintable(not_approved.err));
    const auto approver_only = run({"publish-approved", "1", "--sqlite", file, "--user", "bob"});
    QCOMPARE(approver_only.code, 1);
    QVERIFY2(approver_only.err.contains("bob may not publish approval request 1: that needs the role analyst"),
             qPrintable(approver_only.err));
    const auto published = run({"publish-approved", "1", "--sqlite", file, "--user", "ann"});
    QCOMPARE(published.code, 0);
    QVERIFY2(published.out.contains("approval request 1: consumer-nl v1 published by ann"), qPrintable(published.out));
    const auto again = run({"publish-approved", "1", "--sqlite", file, "--user", "ann"});
    QCOMPARE(again.code, 1);
    QVERIFY2(again.err.contains("already published as version 1"), qPrintable(again.err));
    history = run({"history", "--policy-name", "consumer-nl", "--sqlite", file});
    QVERIFY2(history.out.contains("v1  ") && history.out.contains("by ann, approved by bob  published") &&
                 history.out.contains("first version") && history.out.contains("approval: simulated, fine"),
             qPrintable(history.out));
    const auto next = run({"request-approval", "--policy", policy, "--comment", "again", "--sqlite", file, "--user", "ann"});
    QVERIFY2(next.out.contains("(changes v1,"), qPrintable(next.out));  // the base is the latest published
  }

  void csv_quotes_what_needs_quoting() {
    QCOMPARE(verdict::csv::field("plain"), std::string("plain"));
    QCOMPARE(verdict::csv::field("a,b"), std::string("\"a,b\""));
    QCOMPARE(verdict::csv::field("say \"hi\""), std::string("\"say \"\"hi\"\"\""));
    QCOMPARE(verdict::csv::field("two\nlines"), std::string("\"two\nlines\""));
    std::ostringstream out;
    verdict::csv::row(out, {"x", "1,5", ""});
    QCOMPARE(out.str(), std::string("x,\"1,5\",\r\n"));
  }
};

QTEST_GUILESS_MAIN(StudioCliTest)
#include "test_studio_cli.moc"
