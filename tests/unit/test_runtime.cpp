// The language's semantics: every operator, the three-valued laws, constant folding.
#include <QtTest/QtTest>

#include "test_support.hpp"

using namespace verdict;
using verdict::test::truth;

namespace {
/// The sample case with Preventel unavailable: `preventel.hit` is unknown (U below).
Case case_with_unknown() {
  Case c = test::sample_case();
  c.providers.preventel.status = ProviderStatus::Unavailable;
  return c;
}
}  // namespace

class RuntimeTest : public QObject {
  Q_OBJECT
 private slots:
  void operators_data() {
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("expected");
    // The sample applicant: born 1991-04-12, applied 2026-11-30 (age 35), income 2,850.00,
    // rent 950.00, device 899.00 on credit over 24 months, fee 35.00, BKR codes [] with one RK.
    QTest::newRow("eq number") << "applicant.age == 35" << "true";
    QTest::newRow("ne number") << "applicant.age != 35" << "false";
    QTest::newRow("lt") << "applicant.age < 35" << "false";
    QTest::newRow("le") << "applicant.age <= 35" << "true";
    QTest::newRow("gt") << "applicant.age > 34" << "true";
    QTest::newRow("ge") << "applicant.age >= 36" << "false";
    QTest::newRow("eq string") << "applicant.address.postcode == \"3511AB\"" << "error: unknown field 'applicant.address.postcode' (did you mean 'applicant.postcode'?)";
    QTest::newRow("string eq") << "applicant.postcode == \"3511AB\"" << "true";
    QTest::newRow("string ne") << "household.type != \"single_rent\"" << "false";
    QTest::newRow("money eq") << "order.credit_amount == 899 EUR" << "true";
    QTest::newRow("money add") << "household.housing_costs + 1900 EUR == household.net_income" << "true";
    QTest::newRow("money sub") << "household.net_income - household.housing_costs == 1900 EUR" << "true";
    QTest::newRow("money times number rounds") << "order.monthly_fee * 1.5 == 52.50 EUR" << "true";
    QTest::newRow("money div number rounds half away") << "10.01 EUR / 3 == 3.34 EUR" << "true";
    QTest::newRow("money div money") << "household.housing_costs / household.net_income < 0.34" << "true";
    QTest::newRow("number arithmetic") << "(applicant.age + 5) * 2 - 10 / 4 == 77.5" << "true";
    QTest::newRow("unary minus") << "-applicant.age < -30" << "true";
    QTest::newRow("date compare") << "applicant.id_document.expiry_date > application.date" << "true";
    QTest::newRow("date minus date") << "application.date - application.date == 0" << "true";
    QTest::newRow("date plus days") << "application.date + 1 == date(\"2026-12-01\")" << "true";
    QTest::newRow("days_between") << "days_between(date(\"2026-11-01\"), application.date) == 29" << "true";
    QTest::newRow("in literal") << "household.type in [\"single_rent\", \"couple_rent\"]" << "true";
    QTest::newRow("not in literal") << "household.type not in [\"single_rent\"]" << "false";
    QTest::newRow("number in literal") << "order.contract_months in [12, 24]" << "true";
    QTest::newRow("money in literal") << "order.credit_amount in [899 EUR, 1 EUR]" << "true";
    QTest::newRow("in list field") << "\"RK\" in bkr.contract_types" << "true";
    QTest::newRow("not in list field") << "\"SR\" not in bkr.contract_types" << "true";
    QTest::newRow("count") << "count(bkr.contract_types) == 1" << "true";
    QTest::newRow("any") << "any(bkr.contract_types, [\"SR\", \"RK\"])" << "true";
    QTest::newRow("any none") << "any(bkr.codes, [\"A\"])" << "false";
    QTest::newRow("all of empty") << "all(bkr.codes, [\"A\"])" << "true";
    QTest::newRow("all") << "all(bkr.contract_types, [\"AK\"])" << "false";
    QTest::newRow("min") << "min(order.credit_amount, 100 EUR) == 100 EUR" << "true";
    QTest::newRow("max") << "max(applicant.age, 40) == 40" << "true";
    QTest::newRow("abs") << "abs(0 EUR - order.credit_amount) == 899 EUR" << "true";
    QTest::newRow("starts_with") << "starts_with(applicant.iban, \"NL91\")" << "true";
    QTest::newRow("known of present") << "known(applicant.iban)" << "true";
    QTest::newRow("known of absent") << "known(applicant.device_id)" << "false";
    QTest::newRow("absent optional is unknown") << "applicant.device_id == \"x\"" << "unknown";
    QTest::newRow("division by zero is unknown") << "applicant.age / 0 > 1" << "unknown";
    QTest::newRow("constant division by zero") << "1 / 0 > 1" << "unknown";
    QTest::newRow("status is always known") << "bkr.status == \"hit\"" << "true";
    QTest::newRow("comment") << "true # trailing comment" << "true";
  }
  void operators() {
    QFETCH(QString, source);
    QFETCH(QString, expected);
    QCOMPARE(truth(source.toStdString(), test::sample_case()), expected);
  }

  // Kleene logic with U = preventel.hit while Preventel is unavailable.
  void three_valued_laws_data() {
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("expected");
    QTest::newRow("U") << "preventel.hit" << "unknown";
    QTest::newRow("not U") << "not preventel.hit" << "unknown";
    QTest::newRow("U and false") << "preventel.hit and false" << "false";
    QTest::newRow("false and U") << "false and preventel.hit" << "false";
    QTest::newRow("U and true") << "preventel.hit and true" << "unknown";
    QTest::newRow("true and U") << "true and preventel.hit" << "unknown";
    QTest::newRow("U or true") << "preventel.hit or true" << "true";
    QTest::newRow("true or U") << "true or preventel.hit" << "true";
    QTest::newRow("U or false") << "preventel.hit or false" << "unknown";
    QTest::newRow("U and U") << "preventel.hit and preventel.hit" << "unknown";
    QTest::newRow("U or U") << "preventel.hit or preventel.hit" << "unknown";
    QTest::newRow("field and false via data") << "preventel.hit and applicant.age > 99" << "false";
    QTest::newRow("field or true via data") << "preventel.hit or applicant.age > 18" << "true";
    QTest::newRow("comparison propagates") << "preventel.registrations > 0" << "unknown";
    QTest::newRow("arithmetic propagates") << "preventel.outstanding + 1 EUR > 0 EUR" << "unknown";
    QTest::newRow("in propagates") << "preventel.status in [\"ok\"] and preventel.hit" << "false";
    QTest::newRow("function propagates") << "max(preventel.registrations, 1) > 0" << "unknown";
    QTest::newRow("known is never unknown") << "known(preventel.hit)" << "false";
    QTest::newRow("not known") << "not known(preventel.registrations)" << "true";
    QTest::newRow("unknown in set") << "preventel.payment in [\"x\"]" << "error: unknown field 'preventel.payment' (preventel has: status, hit, registrations, outstanding)";
  }
  void three_valued_laws() {
    QFETCH(QString, source);
    QFETCH(QString, expected);
    QCOMPARE(truth(source.toStdString(), case_with_unknown()), expected);
  }

  void constant_folding_leaves_one_instruction() {
    auto folded = test::compile_expression("1 + 2 * 3 == 7 and not (\"a\" in [\"b\"])");
    QVERIFY(folded->expr);
    QCOMPARE(folded->expr->end - folded->expr->begin, 1u);
    QCOMPARE(int(folded->program.code[folded->expr->begin].op), int(lang::Op::Const));

    lang::Symbols symbols;
    lang::Constant min_age;
    min_age.type = lang::ValueType::Number;
    min_age.number = 18;
    symbols.parameters.emplace("min_age", min_age);
    // A parameter is a constant: field-versus-constant fuses into one instruction.
    auto fused = test::compile_expression("applicant.age < params.min_age + 0", lang::ValueType::Bool, symbols);
    QVERIFY(fused->expr);
    QCOMPARE(fused->expr->end - fused->expr->begin, 1u);
    QCOMPARE(int(fused->program.code[fused->expr->begin].op), int(lang::Op::CompareFieldConst));
    QCOMPARE(fused->expr->parameters, std::vector<std::string>{"min_age"});
  }

  void referenced_fields_in_source_order() {
    auto e = test::compile_expression("order.credit_amount > 1 EUR and applicant.age < 30 and order.credit_amount < 9 EUR");
    QVERIFY(e->expr);
    QCOMPARE(e->expr->fields.size(), std::size_t(2));
    QCOMPARE(facts::catalog()[e->expr->fields[0]].path, std::string_view("order.credit_amount"));
    QCOMPARE(facts::catalog()[e->expr->fields[1]].path, std::string_view("applicant.age"));
  }

  void missing_fields_are_reported() {
    auto e = test::compile_expression("preventel.hit or operator.arrears > 0 EUR");
    QVERIFY(e->expr);
    Case c = case_with_unknown();
    c.providers.operator_history.status = ProviderStatus::Unavailable;
    facts::OwnedFacts f(c);
    lang::MissingMask missing;
    const auto t = lang::run_condition(e->program, *e->expr, {f.view(), nullptr, 0}, &missing);
    QCOMPARE(int(t), int(lang::Tri::Unknown));
    QVERIFY(missing.test(*facts::find_field("preventel.hit")));
    QVERIFY(missing.test(*facts::find_field("operator.arrears")));
    QVERIFY(!missing.test(*facts::find_field("applicant.age")));
  }

  void large_named_lists_use_the_hashed_set() {
    std::vector<std::string> items;
    for (int i = 0; i < 50'000; ++i) items.push_back("NL" + std::to_string(1'000'000 + i));
    items.push_back("NL91ABNA0417164300");
    lang::Symbols symbols;
    symbols.lists.emplace("big", &items);
    QCOMPARE(truth("applicant.iban in lists.big", test::sample_case(), symbols), QString("true"));
    QCOMPARE(truth("applicant.postcode in lists.big", test::sample_case(), symbols), QString("false"));
  }

  void stack_limit_is_enforced() {
    // 70 levels of right-nesting need more stack than the runtime gives; the parser stops it first.
    std::string source;
    for (int i = 0; i < 70; ++i) source += "(applicant.age + ";
    source += "1";
    for (int i = 0; i < 70; ++i) source += ")";
    auto e = test::compile_expression(source + " > 0");
    QVERIFY(!e->expr);
    QVERIFY(!e->diagnostics.empty());
  }
};

QTEST_APPLESS_MAIN(RuntimeTest)
#include "test_runtime.moc"
