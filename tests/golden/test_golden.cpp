// Golden decisions: for every case in manifest.json, the decision for case.json under the sample
// policy must equal expected.json exactly, and fire the rule the manifest names.
#include <QtTest/QtTest>

#include <fstream>
#include <nlohmann/json.hpp>

#include "domain/codec.hpp"
#include "files/policy_files.hpp"

using nlohmann::json;

namespace {
const std::string root = VERDICT_SOURCE_DIR;
json load(const std::string& path) { return json::parse(std::ifstream(path)); }
}  // namespace

class GoldenTest : public QObject {
  Q_OBJECT
 private slots:
  void decisions_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("rule");
    QTest::addColumn<QString>("outcome");
    const json manifest = load(root + "/tests/golden/manifest.json");
    QVERIFY(manifest.size() >= 30);
    for (const auto& entry : manifest) {
      const std::string name = entry["case"];
      QTest::newRow(name.c_str()) << QString::fromStdString(name)
                                  << (entry["rule"].is_null() ? QString() : QString::fromStdString(entry["rule"]))
                                  << QString::fromStdString(entry["expect_outcome"]);
    }
  }

  void decisions() {
    QFETCH(QString, name);
    QFETCH(QString, rule);
    QFETCH(QString, outcome);
    static const auto policy = verdict::files::load_policy(root + "/resources/policy/sample-policy.json");
    QVERIFY(policy);
    const std::string dir = root + "/tests/golden/" + name.toStdString();
    auto c = verdict::files::read_case(dir + "/case.json");
    QVERIFY2(c, c ? "" : c.error()[0].to_string().c_str());
    const json actual = verdict::encode((*policy)->explain(*c));
    const json expected = load(dir + "/expected.json");

    QCOMPARE(QString::fromStdString(actual["outcome"]), outcome);
    if (rule.isEmpty()) {
      QVERIFY(actual["reasons"].empty());
    } else {
      bool fired = false;
      for (const auto& r : actual["reasons"]) fired = fired || r["rule_id"] == rule.toStdString();
      QVERIFY2(fired, qPrintable(rule + " did not fire"));
    }
    if (actual != expected) {
      const json patch = json::diff(expected, actual);
      QFAIL(qPrintable("decision differs from expected.json (regenerate with tests/golden/check_golden.py --update "
                       "if the change is intended):\n" + QString::fromStdString(patch.dump(2))));
    }
  }

  void every_rule_of_the_sample_policy_has_a_golden_case() {
    const json policy = load(root + "/resources/policy/sample-policy.json");
    const json manifest = load(root + "/tests/golden/manifest.json");
    for (const auto& r : policy["rules"]) {
      bool covered = false;
      for (const auto& entry : manifest) covered = covered || entry["rule"] == r["id"];
      QVERIFY2(covered, r["id"].get<std::string>().c_str());
    }
  }
};

QTEST_APPLESS_MAIN(GoldenTest)
#include "test_golden.moc"
