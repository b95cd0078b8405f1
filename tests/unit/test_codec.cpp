// JSON codecs: every bad field is named by its JSON pointer; encode/decode round-trips.
#include <QtTest/QtTest>

#include "history/generator.hpp"
#include "test_support.hpp"

using namespace verdict;
using nlohmann::json;

namespace {
json sample_application() { return test::read_json("resources/samples/case-accept.json")["application"]; }

QStringList pointers(const InputErrors& e) {
  QStringList out;
  for (const auto& f : e.errors) out << QString::fromStdString(f.pointer);
  return out;
}
}  // namespace

class CodecTest : public QObject {
  Q_OBJECT
 private slots:
  void sample_decodes() {
    auto app = decode_application(sample_application());
    QVERIFY2(app, app ? "" : app.error().summary().c_str());
    QCOMPARE(app->household.net_income, Cents{285000});
    QCOMPARE(app->order.credit_amount, Cents{89900});
    QCOMPARE(format_iso_date(app->applicant.date_of_birth), std::string("1991-04-12"));
  }

  void bad_fields_are_named_data() {
    QTest::addColumn<QString>("pointer");
    QTest::addColumn<QString>("replacement");  // JSON text, or "<remove>"
    QTest::addColumn<QString>("message");
    QTest::newRow("missing id") << "/id" << "<remove>" << "is required";
    QTest::newRow("wrong channel") << "/channel" << "\"fax\"" << "must be one of shop, web";
    QTest::newRow("bad date") << "/date" << "\"2026-13-01\"" << "YYYY-MM-DD";
    QTest::newRow("date of birth in the future") << "/applicant/date_of_birth" << "\"2030-01-01\"" << "after the application date";
    QTest::newRow("implausible age") << "/applicant/date_of_birth" << "\"1850-01-01\"" << "above 120";
    QTest::newRow("invalid IBAN checksum") << "/applicant/iban" << "\"NL91ABNA0417164301\"" << "not a valid IBAN";
    QTest::newRow("IBAN wrong type") << "/applicant/iban" << "12" << "must be a string";
    QTest::newRow("bad email") << "/applicant/email" << "\"nobody\"" << "not an e-mail";
    QTest::newRow("bad postcode") << "/applicant/address/postcode" << "\"ABCD12\"" << "Dutch postcode";
    QTest::newRow("bad id type") << "/applicant/id_document/type" << "\"library_card\"" << "must be one of passport";
    QTest::newRow("negative income") << "/household/net_income_cents" << "-5" << "between 0 and";
    QTest::newRow("huge income") << "/household/net_income_cents" << "9999999999999999999" << "at most";
    QTest::newRow("fractional cents") << "/household/net_income_cents" << "12.5" << "must be an integer";
    QTest::newRow("income as string") << "/household/net_income_cents" << "\"2400\"" << "must be an integer";
    QTest::newRow("unknown household") << "/household/type" << "\"commune\"" << "must be one of single_rent";
    QTest::newRow("children mismatch") << "/household/children" << "2" << "must be 0";
    QTest::newRow("credit mismatch") << "/order/credit_amount_cents" << "100" << "device_price_cents - down_payment_cents";
    QTest::newRow("down payment above price") << "/order/down_payment_cents" << "999999" << "exceeds the device price";
    QTest::newRow("credit without months") << "/order/credit_months" << "0" << "between 1 and 36";
    QTest::newRow("unknown field") << "/applicant/shoe_size" << "44" << "not a known field";
    QTest::newRow("applicant not an object") << "/applicant" << "[]" << "must be an object";
    QTest::newRow("too long") << "/applicant/first_name" << QString("\"%1\"").arg(QString(300, 'x')) << "longer than";
  }
  void bad_fields_are_named() {
    QFETCH(QString, pointer);
    QFETCH(QString, replacement);
    QFETCH(QString, message);
    json app = sample_application();
    const json::json_pointer ptr(pointer.toStdString());
    if (replacement == "<remove>") app[ptr.parent_pointer()].erase(ptr.back());
    else app[ptr] = json::parse(replacement.toStdString());
    auto decoded = decode_application(app);
    QVERIFY(!decoded);
    QVERIFY2(pointers(decoded.error()).contains(pointer), decoded.error().summary().c_str());
    bool message_found = false;
    for (const auto& e : decoded.error().errors)
      if (e.pointer == pointer.toStdString() && QString::fromStdString(e.message).contains(message)) message_found = true;
    QVERIFY2(message_found, decoded.error().summary().c_str());
  }

  void every_error_is_reported_at_once() {
    json app = sample_application();
    app["applicant"]["email"] = "x";
    app["household"]["net_income_cents"] = "lots";
    app.erase("date");
    auto decoded = decode_application(app);
    QVERIFY(!decoded);
    const auto ps = pointers(decoded.error());
    QVERIFY(ps.contains("/applicant/email"));
    QVERIFY(ps.contains("/household/net_income_cents"));
    QVERIFY(ps.contains("/date"));
  }

  void case_errors_are_prefixed() {
    json c = test::read_json("resources/samples/case-accept.json");
    c["application"]["order"]["plan"] = 5;
    c["providers"]["bkr"]["codes"] = json::array({"Z"});
    c["providers"]["nsa"] = json::object();
    auto decoded = decode_case(c);
    QVERIFY(!decoded);
    const auto ps = pointers(decoded.error());
    QVERIFY2(ps.contains("/application/order/plan"), decoded.error().summary().c_str());
    QVERIFY(ps.contains("/providers/bkr/codes/0"));
    QVERIFY(ps.contains("/providers/nsa"));
  }

  // The request path writes JSON text directly; it must be exactly what the DOM encoders dump, over
  // every shape the generator makes and the awkward ones it does not (unavailable and cached
  // providers, errors, optional fields, characters that need escaping).
  void direct_text_matches_dom_encoding() {
    const auto policy = test::sample_policy();
    history::GeneratorOptions options;
    options.seed = 11;
    int checked = 0;
    for (std::uint64_t i = 0; i < 3000; ++i) {
      Case c = history::generate_case(options, i);
      if (i % 7 == 1) {
        c.providers.bkr.status = ProviderStatus::Unavailable;
        c.providers.bkr.error = "deadline";
      }
      if (i % 5 == 2) c.providers.iban_check.cached = true;
      if (i % 11 == 3) c.providers.address.status = ProviderStatus::NotCalled;
      if (i % 13 == 4) c.application.applicant.device_id = "dev-\"quoted\"\n\t\x01-\xc3\xa9";
      if (i % 17 == 5) c.application.agent.clear();
      if (i % 19 == 6) c.providers.velocity = VelocitySignals{}, c.providers.velocity.error = "counter store unreachable";
      if (i % 23 == 7) {  // counters of several identifiers and windows, and an error beside them
        c.providers.velocity.set(VelocityIdentifier::Phone, VelocityWindow::Days30, VelocityMeasure::Applications, 4);
        c.providers.velocity.set(VelocityIdentifier::Address, VelocityWindow::Hour1, VelocityMeasure::DistinctApplicants, 2);
        c.providers.velocity.set(VelocityIdentifier::Email, VelocityWindow::Days7, VelocityMeasure::Applications, 1);
        if (i % 2) c.providers.velocity.error = "partial";
      }
      const std::string case_text = encode_text(c);
      QCOMPARE(case_text, encode(c).dump());
      QCOMPARE(encode_text(c.application), encode(c.application).dump());
      const auto decoded = decode_case(json::parse(case_text));
      QVERIFY2(decoded.has_value(), decoded ? "" : (std::to_string(i) + ": " + decoded.error().summary()).c_str());
      const Decision d = policy->explain(c);
      QCOMPARE(encode_text(d), encode(d).dump());
      DecisionStamp stamp{"0b7a3c1e-5f2d-4a6b-9c8d-1e2f3a4b5c6d", "2026-12-03T21:00:00.123Z", static_cast<int>(i % 3000)};
      json with_stamp = encode(d);
      with_stamp["decision_id"] = stamp.decision_id;
      with_stamp["received_at"] = stamp.received_at;
      with_stamp["elapsed_ms"] = stamp.elapsed_ms;
      QCOMPARE(encode_text(d, &stamp), with_stamp.dump());
      ++checked;
    }
    QCOMPARE(checked, 3000);
  }

  void round_trip() {
    const Case original = test::sample_case();
    const json encoded = encode(original);
    auto decoded = decode_case(encoded);
    QVERIFY2(decoded, decoded ? "" : decoded.error().summary().c_str());
    QCOMPARE(encode(*decoded), encoded);
  }

  void normalises_iban_and_postcode() {
    json app = sample_application();
    app["applicant"]["iban"] = "nl91 abna 0417 1643 00";
    app["applicant"]["address"]["postcode"] = "3511 ab";
    auto decoded = decode_application(app);
    QVERIFY2(decoded, decoded ? "" : decoded.error().summary().c_str());
    QCOMPARE(decoded->applicant.iban, std::string("NL91ABNA0417164300"));
    QCOMPARE(decoded->applicant.address.postcode, std::string("3511AB"));
  }

  void money_formats() {
    QCOMPARE(format_cents(8820), std::string("88.20"));
    QCOMPARE(format_cents(-5), std::string("-0.05"));
    QCOMPARE(format_euro_nl(123456789), std::string("€ 1.234.567,89"));
    QCOMPARE(format_euro_nl(-8820), std::string("-€ 88,20"));
    QCOMPARE(mul_div_round(123457, 1500, 10000), Cents{18519});
    QCOMPARE(mul_div_round(-123457, 1500, 10000), Cents{-18519});
  }

  void dates() {
    QVERIFY(!parse_iso_date("2025-02-29"));
    QVERIFY(parse_iso_date("2024-02-29"));
    QVERIFY(!parse_iso_date("2024-2-29"));
    QCOMPARE(format_iso_date(*parse_iso_date("1970-01-01")), std::string("1970-01-01"));
    QCOMPARE(parse_iso_date("1970-01-02")->days, 1);
    QCOMPARE(age_in_years(*parse_iso_date("2008-12-01"), *parse_iso_date("2026-11-30")), 17);
    QCOMPARE(age_in_years(*parse_iso_date("2008-11-30"), *parse_iso_date("2026-11-30")), 18);
  }
};

QTEST_APPLESS_MAIN(CodecTest)
#include "test_codec.moc"
