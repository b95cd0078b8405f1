// The `verdict` CLI: exit codes (0 ok, 1 policy or input error, 2 usage), help on every command,
// diagnostics as file:line:col.
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_runner.hpp"
#include "store/decision_store.hpp"
#include "test_support.hpp"

namespace {

const auto& run = verdict::test::run_cli;

const std::string policy = verdict::test::source_path("resources/policy/sample-policy.json");
const std::string sample = verdict::test::source_path("resources/samples/case-sim-only.json");

std::string temp_file(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() / ("verdict-cli-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << content;
  return path.string();
}

}  // namespace

class CliTest : public QObject {
  Q_OBJECT
 private slots:
  void help_on_every_command_data() {
    QTest::addColumn<QString>("command");
    for (const char* c : {"validate", "evaluate", "simulate", "diff", "generate", "build-history", "migrate", "publish", "fleet",
                          "review", "import"})
      QTest::newRow(c) << c;
  }
  void help_on_every_command() {
    QFETCH(QString, command);
    const auto r = run({command.toStdString(), "--help"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("Usage"), qPrintable(r.out));
    QVERIFY2(r.out.contains(command), qPrintable(r.out));
  }

  /// What publish refuses before it talks to PostgreSQL or Kafka (the rest: tests/integration/test_kafka).
  void publish_refuses_before_touching_anything() {
    const std::string nowhere = "postgresql://postgres@127.0.0.1:1/none";
    auto self = run({"publish", "--policy", policy, "--author", "ann", "--approver", " ANN", "--comment", "x", "--postgres", nowhere});
    QCOMPARE(self.code, 1);
    QVERIFY2(self.err.contains("four-eyes"), qPrintable(self.err));
    auto blank = run({"publish", "--policy", policy, "--author", "ann", "--approver", "bob", "--comment", "  ", "--postgres", nowhere});
    QCOMPARE(blank.code, 1);
    QVERIFY2(blank.err.contains("--comment must not be blank"), qPrintable(blank.err));
    qputenv("VERDICT_POSTGRES_URL", "");
    auto no_db = run({"publish", "--policy", policy, "--author", "ann", "--approver", "bob", "--comment", "x"});
    QCOMPARE(no_db.code, 2);
    QVERIFY2(no_db.err.contains("--postgres"), qPrintable(no_db.err));
    auto unreachable = run({"publish", "--policy", policy, "--author", "ann", "--approver", "bob", "--comment", "x", "--postgres", nowhere});
    QCOMPARE(unreachable.code, 1);
    QVERIFY2(unreachable.err.contains("connection"), qPrintable(unreachable.err));
  }

  void usage_errors_exit_2() {
    QCOMPARE(run({}).code, 2);
    QCOMPARE(run({"frobnicate"}).code, 2);
    QCOMPARE(run({"evaluate", "--policy", policy}).code, 2);  // --application missing
    QCOMPARE(run({"validate", "/no/such/file.json"}).code, 2);
    QCOMPARE(run({"generate", "--count", "5"}).code, 2);  // no output named
  }

  void validate_ok_and_errors() {
    auto ok = run({"validate", policy});
    QCOMPARE(ok.code, 0);
    QVERIFY(ok.out.contains("30 rules"));
    QVERIFY(ok.out.contains("sha256:"));

    const auto broken = temp_file("broken.json",
                                  "{\"name\": \"b\", \"version\": 1, \"rules\": [\n"
                                  "  {\"id\": \"x\", \"outcome\": \"REJECT\", \"reason_code\": \"X\", \"condition\": \"applicant.age > 17 EUR\"}\n"
                                  "]}\n");
    auto bad = run({"validate", broken});
    QCOMPARE(bad.code, 1);
    QVERIFY2(bad.err.contains(QString::fromStdString(broken) + ":2:84: /rules/0/condition: cannot apply '>' to number and money"),
             qPrintable(bad.err));
    std::filesystem::remove(broken);
  }

  void evaluate_prints_the_decision() {
    auto r = run({"evaluate", "--policy", policy, "--application", sample});
    QCOMPARE(r.code, 0);
    const auto decision = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(decision["outcome"], nlohmann::json("ACCEPT_SIM_ONLY"));
    QCOMPARE(decision["affordability"]["capacity_cents"], nlohmann::json(8820));
    auto text = run({"evaluate", "--policy", policy, "--application", sample, "--format", "text"});
    QCOMPARE(text.code, 0);
    QVERIFY(text.out.contains("ACCEPT_SIM_ONLY"));
    QVERIFY(text.out.contains("capacity € 88,20/month"));
  }

  void evaluate_rejects_bad_input_with_exit_1() {
    const auto bad = temp_file("bad-app.json", "{\"application\": {\"id\": 5}}");
    auto r = run({"evaluate", "--policy", policy, "--application", bad});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(":1:24: /application/id: must be a string"), qPrintable(r.err));
    std::filesystem::remove(bad);
  }

  void generate_simulate_and_diff() {
    const auto dir = std::filesystem::temp_directory_path() / ("verdict-cli-sim-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto vhist = (dir / "h.vhist").string();
    const auto jsonl = (dir / "h.jsonl").string();
    QCOMPARE(run({"generate", "--count", "3000", "--seed", "9", "--binary", vhist, "--jsonl", jsonl}).code, 0);

    // A draft that refers every applicant under 21.
    auto doc = nlohmann::json::parse(std::ifstream(policy));
    doc["version"] = 2;
    doc["parameters"][0]["value"] = 21;
    const auto draft = (dir / "draft.json").string();
    std::ofstream(draft) << doc.dump(2);

    auto r = run({"simulate", "--policy", draft, "--history", vhist, "--baseline", policy});
    QCOMPARE(r.code, 0);
    const auto summary = nlohmann::json::parse(r.out.toStdString());
    QCOMPARE(summary["applications"], nlohmann::json(3000));
    QVERIFY(summary["flipped_count"].get<int>() > 0);
    QCOMPARE(std::min<std::size_t>(100, summary["flipped_count"].get<std::size_t>()), summary["flipped"].size());
    QVERIFY(summary["performance"]["evaluations_per_second"].get<double>() > 0);
    QCOMPARE(summary["flip_matrix"]["counts"]["ACCEPT"]["REJECT"].get<int>() +
                 summary["flip_matrix"]["counts"]["REFER"]["REJECT"].get<int>() +
                 summary["flip_matrix"]["counts"]["ACCEPT_SIM_ONLY"]["REJECT"].get<int>(),
             summary["flipped_count"].get<int>());

    // JSON Lines and binary give the same answer.
    auto from_jsonl = nlohmann::json::parse(run({"simulate", "--policy", draft, "--history", jsonl}).out.toStdString());
    QCOMPARE(from_jsonl["draft"]["outcomes"], summary["draft"]["outcomes"]);

    auto d = run({"diff", policy, draft});
    QCOMPARE(d.code, 0);
    QVERIFY2(d.out.contains("~ min_age") && d.out.contains("value: 18.0 -> 21.0"), qPrintable(d.out));
    std::filesystem::remove_all(dir);
  }

  /// Archived cases decided by the policy and stored once, on their application dates, with the
  /// outcome `verdict evaluate` gives; a broken line stops the import and says where.
  void import_stores_history_as_decisions() {
    const auto dir = std::filesystem::temp_directory_path() / ("verdict-cli-import-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string history = (dir / "h.jsonl").string(), file = (dir / "verdict.db").string();
    QCOMPARE(run({"generate", "--count", "300", "--seed", "5", "--last-day", "2026-12-03", "--days", "7", "--jsonl", history}).code, 0);
    QCOMPARE(run({"generate", "--count", "3", "--last-day", "2026-13-01", "--jsonl", history + ".x"}).code, 2);
    const auto imported = run({"import", "--history", history, "--policy", policy, "--sqlite", file, "--identifier-key", "k"});
    QCOMPARE(imported.code, 0);
    QVERIFY2(imported.out.startsWith("imported 300 decisions of consumer-nl v1"), qPrintable(imported.out));
    QCOMPARE(run({"import", "--history", history, "--policy", policy, "--sqlite", file, "--identifier-key", "k"}).code, 0);
    auto store = verdict::store::open_sqlite(file);
    QVERIFY(store.has_value());
    QCOMPARE((*store)->count_decisions().value(), std::uint64_t{300});  // the second import stored nothing new

    // The 17th case: its stored decision is what `verdict evaluate` decides, received on its date.
    std::ifstream in(history);
    std::string line;
    for (int i = 0; i < 17; ++i) std::getline(in, line);
    const auto c = nlohmann::json::parse(line);
    const auto evaluated = run({"evaluate", "--policy", policy, "--application", temp_file("case17.json", line), "--format", "json"});
    QCOMPARE(evaluated.code, 0);
    const auto expected = nlohmann::json::parse(evaluated.out.toStdString())["outcome"];
    const auto exported = run({"export", "--from", "2026-11-27", "--to", "2026-12-04", "--sqlite", file});
    QCOMPARE(exported.code, 0);
    const QString application = QString::fromStdString(c["application"]["id"].get<std::string>());
    const QString date = QString::fromStdString(c["application"]["date"].get<std::string>());
    bool found = false;
    for (const QString& row : exported.out.split("\r\n"))
      if (row.contains("," + application + ",")) {
        found = true;
        QVERIFY2(row.contains(QString::fromStdString(expected.get<std::string>())), qPrintable(row));
        QVERIFY2(row.contains(date + "T"), qPrintable(row));
      }
    QVERIFY2(found, qPrintable(exported.out.left(400)));

    const std::string broken = temp_file("broken.jsonl", line + "\n{\"application\": 5}\n");
    const auto refused = run({"import", "--history", broken, "--policy", policy, "--sqlite", file, "--identifier-key", "k"});
    QCOMPARE(refused.code, 1);
    QVERIFY2(refused.err.contains("broken.jsonl:2: not a case"), qPrintable(refused.err));
    QCOMPARE(run({"import", "--history", history, "--policy", policy, "--identifier-key", "k"}).code, 2);  // no store
    std::filesystem::remove_all(dir);
  }

  void review_claim_decide_and_override_on_sqlite() {
    const auto dir = std::filesystem::temp_directory_path() / ("verdict-cli-review-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string file = (dir / "verdict.db").string();
    {
      auto store = verdict::store::open_sqlite(file);
      QVERIFY(store.has_value());
      std::vector<verdict::store::DecisionRecord> batch(2);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        auto& r = batch[i];
        r.decision_id = "00000000-0000-4000-8000-00000000000" + std::to_string(i + 1);
        r.application_id = "APP-" + std::to_string(i);
        r.received_at_ms = 1'794'738'600'000 + static_cast<std::int64_t>(i);
        r.channel = "web";
        r.outcome = i == 0 ? "REFER" : "REJECT";
        r.policy_name = "consumer-nl";
        r.policy_hash = "sha256:x";
        r.customer_key = "ck";
        r.case_json = "{}";
        r.decision_json = "{}";
      }
      QVERIFY((*store)->write(batch).has_value());
    }
    const std::string referred = "00000000-0000-4000-8000-000000000001";
    const std::string rejected = "00000000-0000-4000-8000-000000000002";
    auto list = run({"review", "list", "--sqlite", file, "--status", "pending"});
    QCOMPARE(list.code, 0);
    QVERIFY2(list.out.contains(QString::fromStdString(referred)) && list.out.contains("1 item"), qPrintable(list.out));
    QCOMPARE(run({"review", "claim", referred, "--sqlite", file, "--reviewer", "anna"}).code, 0);
    const auto taken = run({"review", "claim", referred, "--sqlite", file, "--reviewer", "bram"});
    QCOMPARE(taken.code, 1);
    QVERIFY2(taken.err.contains("claimed by anna"), qPrintable(taken.err));
    QCOMPARE(run({"review", "decide", referred, "--sqlite", file, "--reviewer", "anna", "--outcome", "ACCEPT"}).code, 2);
    const auto blank = run({"review", "decide", referred, "--sqlite", file, "--reviewer", "anna", "--outcome", "ACCEPT",
                            "--reason", " "});
    QCOMPARE(blank.code, 1);
    QVERIFY2(blank.err.contains("reason is required"), qPrintable(blank.err));
    const auto decided = run({"review", "decide", referred, "--sqlite", file, "--reviewer", "anna", "--outcome",
                              "ACCEPT_SIM_ONLY", "--reason", "no device credit on this income"});
    QCOMPARE(decided.code, 0);
    QCOMPARE(nlohmann::json::parse(decided.out.toStdString())["final_outcome"], nlohmann::json("ACCEPT_SIM_ONLY"));
    const auto overridden = run({"review", "override", rejected, "--sqlite", file, "--reviewer", "carla", "--outcome",
                                 "ACCEPT", "--reason", "customer contested; BKR code removed"});
    QCOMPARE(overridden.code, 0);
    const auto all = run({"review", "list", "--sqlite", file, "--json"});
    QCOMPARE(all.out.count('\n'), 2);
    QCOMPARE(run({"review", "list"}).code, 2);  // no store named
    std::filesystem::remove_all(dir);
  }
};

QTEST_APPLESS_MAIN(CliTest)
#include "test_cli.moc"
