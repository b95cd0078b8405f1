#include "lang/checker/checker.hpp"

#include <QtTest/QtTest>

#include "lang/parser/parser.hpp"

using namespace verdict::lang;

namespace {
Symbols symbols() {
  Symbols s;
  Constant min_age;
  min_age.type = ValueType::Number;
  min_age.number = 18;
  s.parameters.emplace("min_age", min_age);
  Constant limit;
  limit.type = ValueType::Money;
  limit.integer = 25000;
  s.parameters.emplace("limit", limit);
  Constant codes;
  codes.type = ValueType::Set;
  codes.items = {"2", "3"};
  s.parameters.emplace("bad_codes", codes);
  static const std::vector<std::string> blocked{"NL91ABNA0417164300"};
  s.lists.emplace("blocked_ibans", &blocked);
  return s;
}
}  // namespace

class CheckerTest : public QObject {
  Q_OBJECT
 private slots:
  void accepts_well_typed_data() {
    QTest::addColumn<QString>("source");
    QTest::newRow("number compare") << "applicant.age < params.min_age";
    QTest::newRow("money compare") << "order.credit_amount > params.limit";
    QTest::newRow("money literal") << "order.credit_amount > 250 EUR";
    QTest::newRow("money arithmetic") << "operator.open_device_credit + order.credit_amount > 3000 EUR";
    QTest::newRow("money times number") << "order.monthly_fee * 24 > 100 EUR";
    QTest::newRow("money over money") << "order.down_payment / order.device_price < 0.1";
    QTest::newRow("date compare") << "applicant.id_document.expiry_date < application.date";
    QTest::newRow("date arithmetic") << "application.date - applicant.date_of_birth > 6570";
    QTest::newRow("date plus days") << "applicant.id_document.expiry_date < application.date + 30";
    QTest::newRow("date literal") << "application.date >= date(\"2026-01-01\")";
    QTest::newRow("string in list literal") << "id_check.document_status in [\"lost\", \"stolen\"]";
    QTest::newRow("string in named list") << "applicant.iban in lists.blocked_ibans";
    QTest::newRow("string in list field") << "\"A\" in bkr.codes";
    QTest::newRow("number in list literal") << "order.contract_months in [12, 24]";
    QTest::newRow("any over param list") << "any(bkr.codes, params.bad_codes)";
    QTest::newRow("all") << "all(bkr.codes, [\"A\", \"H\"])";
    QTest::newRow("count") << "count(bkr.codes) > 1";
    QTest::newRow("known") << "known(applicant.device_id)";
    QTest::newRow("min max abs") << "min(abs(affordability.capacity), 10 EUR) < max(1 EUR, 2 EUR)";
    QTest::newRow("starts_with") << "starts_with(applicant.postcode, \"10\")";
    QTest::newRow("bool field") << "preventel.hit or not address.exists";
  }
  void accepts_well_typed() {
    QFETCH(QString, source);
    Diagnostics d;
    auto ast = parse(source.toStdString(), d);
    QVERIFY(ast);
    QVERIFY2(check(*ast, symbols(), ValueType::Bool, d), d.empty() ? "" : d[0].message.c_str());
  }

  void type_errors_data() {
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message");
    QTest::newRow("money vs number") << "order.credit_amount > 250" << 21 << "write money amounts with EUR";
    QTest::newRow("unknown field") << "bkr.cods == 1" << 1 << "did you mean 'bkr.codes'";
    QTest::newRow("unknown parameter") << "applicant.age < params.min_agee" << 17 << "unknown parameter 'min_agee'";
    QTest::newRow("unknown list") << "applicant.iban in lists.blocked" << 19 << "unknown named list";
    QTest::newRow("and of numbers") << "applicant.age and true" << 15 << "joins bools";
    QTest::newRow("not a number") << "not applicant.age" << 1 << "needs a bool";
    QTest::newRow("string ordering") << "applicant.email < \"b\"" << 17 << "cannot apply '<'";
    QTest::newRow("string plus") << "applicant.email + \"x\" == \"y\"" << 17 << "cannot apply '+'";
    QTest::newRow("root not bool") << "applicant.age + 1" << 15 << "must be a bool";
    QTest::newRow("list outside in") << "[\"a\"] == \"a\"" << 1 << "can only stand right of 'in'";
    QTest::newRow("mixed list") << "applicant.age in [1, \"a\"]" << 22 << "one type";
    QTest::newRow("wrong element type") << "applicant.age in [\"a\"]" << 15 << "cannot look for a number";
    QTest::newRow("arity") << "count(bkr.codes, 1) > 0" << 1 << "takes 1 argument";
    QTest::newRow("unknown function") << "foo(1)" << 1 << "unknown function 'foo'";
    QTest::newRow("bad date") << "application.date > date(\"2026-02-30\")" << 25 << "not a valid date";
    QTest::newRow("date times") << "application.date * 2 > application.date" << 18 << "cannot apply '*'";
    QTest::newRow("any needs list field") << "any(applicant.email, [\"a\"])" << 5 << "must be a list field";
  }
  void type_errors() {
    QFETCH(QString, source);
    QFETCH(int, column);
    QFETCH(QString, message);
    Diagnostics d;
    auto ast = parse(source.toStdString(), d);
    QVERIFY2(ast, d.empty() ? "" : d[0].message.c_str());
    QVERIFY(!check(*ast, symbols(), ValueType::Bool, d));
    QVERIFY(!d.empty());
    QVERIFY2(QString::fromStdString(d[0].message).contains(message), d[0].message.c_str());
    QCOMPARE(int(d[0].pos.column), column);
  }

  void reports_every_independent_error() {
    Diagnostics d;
    auto ast = parse("bkr.cods == 1 or applicant.agee > 3", d);
    QVERIFY(ast);
    QVERIFY(!check(*ast, symbols(), ValueType::Bool, d));
    QCOMPARE(d.size(), std::size_t(2));
    QCOMPARE(int(d[1].pos.column), 18);
  }
};

QTEST_APPLESS_MAIN(CheckerTest)
#include "test_checker.moc"
