// How a decision record is folded into the per-minute aggregates (store/aggregates.hpp): latency
// buckets, the charted status of a provider call, UTC minutes. The stores' use of them, against real
// PostgreSQL and SQLite, is in tests/integration/test_store.cpp.
#include <QtTest/QtTest>

#include "store/aggregates.hpp"

using namespace verdict::store;
using namespace verdict::store::aggregates;

class AggregatesTest : public QObject {
  Q_OBJECT
 private slots:
  void buckets_are_inclusive_upper_bounds() {
    QCOMPARE(latency_bucket_ms(-3), 5);
    QCOMPARE(latency_bucket_ms(0), 5);
    QCOMPARE(latency_bucket_ms(5), 5);
    QCOMPARE(latency_bucket_ms(6), 10);
    QCOMPARE(latency_bucket_ms(149), 150);
    QCOMPARE(latency_bucket_ms(150), 150);
    QCOMPARE(latency_bucket_ms(151), 200);
    QCOMPARE(latency_bucket_ms(5000), 5000);
    QCOMPARE(latency_bucket_ms(5001), latency_unbounded_ms);
    QCOMPARE(latency_bucket_ms(2'000'000'000), latency_unbounded_ms);
    for (std::size_t i = 1; i < latency_bucket_bounds_ms.size(); ++i)
      QVERIFY(latency_bucket_bounds_ms[i - 1] < latency_bucket_bounds_ms[i]);
  }

  void call_status_says_what_happened() {
    using Call = DecisionRecord::ProviderCall;
    QCOMPARE(call_status(Call{"bkr", "ok", 120, false, ""}), std::string_view("ok"));
    QCOMPARE(call_status(Call{"preventel", "hit", 80, false, ""}), std::string_view("ok"));
    QCOMPARE(call_status(Call{"preventel", "no_hit", 80, false, ""}), std::string_view("ok"));
    QCOMPARE(call_status(Call{"bkr", "ok", 0, true, ""}), std::string_view("cached"));
    QCOMPARE(call_status(Call{"bkr", "unavailable", 3000, false, "deadline"}), std::string_view("timeout"));
    QCOMPARE(call_status(Call{"bkr", "unavailable", 800, false, "timeout"}), std::string_view("timeout"));
    QCOMPARE(call_status(Call{"bkr", "unavailable", 0, false, "circuit open"}), std::string_view("circuit_open"));
    QCOMPARE(call_status(Call{"bkr", "unavailable", 30, false, "http 503"}), std::string_view("error"));
    QCOMPARE(call_status(Call{"bkr", "unavailable", 2, false, "connection refused"}), std::string_view("error"));
    QCOMPARE(call_status(Call{"bkr", "unavailable", 2, false, ""}), std::string_view("error"));
  }

  void minutes_are_utc_floors() {
    QCOMPARE(minute_of(1803902400000), std::int64_t{1803902400000});  // 2027-03-01T12:00:00.000Z
    QCOMPARE(minute_of(1803902459999), std::int64_t{1803902400000});
    QCOMPARE(minute_of(1803902460000), std::int64_t{1803902460000});
    QCOMPARE(minute_of(0), std::int64_t{0});
    QCOMPARE(minute_of(-1), std::int64_t{-60000});
    QCOMPARE(minute_of(-60000), std::int64_t{-60000});
  }

  void counted_from_the_decision_or_the_json() {
    verdict::Decision d;
    for (const char* code : {"BKR_A", "FRAUD_1", "BKR_A"}) d.reasons.push_back({"r", code, verdict::Outcome::Reject, "", {}, {}});
    d.ignored_unknown.push_back({"u", "IGNORED", verdict::Outcome::Refer, "", {}, {}});  // not counted
    const DecisionRecord::Counted want{"device", {"BKR_A", "FRAUD_1"}};
    QVERIFY(counted("device", d) == want);

    DecisionRecord r;  // no `counted`: read from the JSON, as the SQL of the aggregates once did
    r.case_json = R"({"application":{"order":{"product":"device"}}})";
    r.decision_json = R"({"reasons":[{"reason_code":"BKR_A"},{"reason_code":"FRAUD_1"},{"reason_code":"BKR_A"},)"
                      R"({"reason_code":7},{"rule_id":"x"}],"ignored_unknown":[{"reason_code":"IGNORED"}]})";
    QVERIFY(counted_of(r) == want);
    r.counted = DecisionRecord::Counted{"sim_only", {}};  // when present it wins
    QVERIFY(counted_of(r) == *r.counted);

    DecisionRecord odd;  // no product, not JSON, no reasons: "unknown" and nothing
    odd.case_json = R"({"application":{"order":{"product":null}}})";
    odd.decision_json = "{not json";
    QVERIFY(counted_of(odd) == (DecisionRecord::Counted{"unknown", {}}));
  }
};

QTEST_APPLESS_MAIN(AggregatesTest)
#include "test_aggregates.moc"
