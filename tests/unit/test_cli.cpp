// The `verdict` CLI: exit codes (0 ok, 1 policy or input error, 2 usage), help on every command,
// diagnostics as file:line:col.
#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_runner.hpp"
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
    for (const char* c : {"validate", "evaluate", "simulate", "diff", "generate", "build-history", "migrate"}) QTest::newRow(c) << c;
  }
  void help_on_every_command() {
    QFETCH(QString, command);
    const auto r = run({command.toStdString(), "--help"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("Usage"), qPrintable(r.out));
    QVERIFY2(r.out.contains(command), qPrintable(r.out));
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
};

QTEST_APPLESS_MAIN(CliTest)
#include "test_cli.moc"
