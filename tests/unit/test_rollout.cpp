// The policy roll-out messages (policy/rollout.hpp): releases and fleet heartbeats round-trip, and
// every bad field is named by its JSON pointer.
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include "policy/rollout.hpp"

using namespace verdict;
using nlohmann::json;

namespace {

PolicyRelease release() {
  PolicyRelease r;
  r.name = "consumer-nl";
  r.version = 8;
  r.content_hash = "sha256:abc";
  r.document = R"({"name":"consumer-nl","version":8,"rules":[]})";
  r.author = "ann";
  r.approver = "bob";
  r.comment = "tighten the device-credit limit";
  r.published_at_ms = 1796083200000;
  return r;
}

QStringList pointers(const InputErrors& e) {
  QStringList out;
  for (const auto& f : e.errors) out << QString::fromStdString(f.pointer);
  return out;
}

}  // namespace

class RolloutTest : public QObject {
  Q_OBJECT
 private slots:
  void release_round_trips() {
    const auto text = encode_release(release());
    QVERIFY(json::parse(text)["document"].is_object());  // the document travels as JSON, not as a string in JSON
    auto back = decode_release(text);
    QVERIFY2(back, back ? "" : back.error().summary().c_str());
    QCOMPARE(back->name, std::string("consumer-nl"));
    QCOMPARE(back->version, 8);
    QCOMPARE(back->content_hash, std::string("sha256:abc"));
    QCOMPARE(json::parse(back->document), json::parse(release().document));
    QCOMPARE(back->author, std::string("ann"));
    QCOMPARE(back->approver, std::string("bob"));
    QCOMPARE(back->comment, release().comment);
    QCOMPARE(back->published_at_ms, std::int64_t{1796083200000});
  }

  void bad_releases_name_the_field_data() {
    QTest::addColumn<QString>("change");
    QTest::addColumn<QString>("pointer");
    QTest::newRow("no name") << R"({"name": null})" << "/name";
    QTest::newRow("version 0") << R"({"version": 0})" << "/version";
    QTest::newRow("version text") << R"({"version": "8"})" << "/version";
    QTest::newRow("hash form") << R"({"content_hash": "md5:1"})" << "/content_hash";
    QTest::newRow("document text") << R"({"document": "{}"})" << "/document";
    QTest::newRow("no approver") << R"({"approver": null})" << "/approver";
    QTest::newRow("blank comment") << R"({"comment": "  "})" << "/comment";
    QTest::newRow("four-eyes") << R"({"approver": " ANN "})" << "/approver";
    QTest::newRow("unknown field") << R"({"approved": true})" << "/approved";
    QTest::newRow("negative instant") << R"({"published_at_ms": -5})" << "/published_at_ms";
  }
  void bad_releases_name_the_field() {
    QFETCH(QString, change);
    QFETCH(QString, pointer);
    json j = json::parse(encode_release(release()));
    j.merge_patch(json::parse(change.toStdString()));
    auto decoded = decode_release(j.dump());
    QVERIFY(!decoded);
    QVERIFY2(pointers(decoded.error()).contains(pointer), decoded.error().summary().c_str());
  }

  void unreadable_release_is_an_error() {
    auto decoded = decode_release("{not json");
    QVERIFY(!decoded);
    QVERIFY(decoded.error().summary().find("not valid JSON") != std::string::npos);
    QVERIFY(!decode_release("[1, 2]"));
  }

  void fleet_status_round_trips_with_and_without_a_refusal() {
    FleetStatus s;
    s.daemon_id = "verdictd-7f9c";
    s.host = "node-3";
    s.policy_name = "consumer-nl";
    s.policy_version = 8;
    s.policy_hash = "sha256:abc";
    s.at_ms = 1796083200123;
    auto plain = decode_fleet_status(encode_fleet_status(s));
    QVERIFY2(plain, plain ? "" : plain.error().summary().c_str());
    QCOMPARE(plain->daemon_id, s.daemon_id);
    QCOMPARE(plain->policy_version, 8);
    QVERIFY(plain->refused_reason.empty());
    QVERIFY(!json::parse(encode_fleet_status(s)).contains("last_refusal"));

    s.refused_version = 9;
    s.refused_hash = "sha256:def";
    s.refused_reason = "does not compile: policy:3:7: unknown field";
    s.refused_at_ms = 1796083200000;
    auto refused = decode_fleet_status(encode_fleet_status(s));
    QVERIFY(refused);
    QCOMPARE(refused->refused_version, 9);
    QCOMPARE(refused->refused_hash, s.refused_hash);
    QCOMPARE(refused->refused_reason, s.refused_reason);
    QCOMPARE(refused->refused_at_ms, s.refused_at_ms);

    auto bad = decode_fleet_status(R"({"daemon_id": "x", "host": "h", "at_ms": 1, "policy": {"name": "p", "version": "8", "hash": "h"}})");
    QVERIFY(!bad);
    QVERIFY2(pointers(bad.error()).contains("/policy/version"), bad.error().summary().c_str());
  }

  void same_person_ignores_case_and_spacing() {
    QVERIFY(same_person("Ann", " ann "));
    QVERIFY(!same_person("ann", "anne"));
    QVERIFY(same_person("", "  "));
  }
};

QTEST_APPLESS_MAIN(RolloutTest)
#include "test_rollout.moc"
