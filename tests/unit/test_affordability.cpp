// VFN affordability against hand-worked examples.
#include <QtTest/QtTest>

#include "test_support.hpp"

using namespace verdict;

namespace {
Case with_household(HouseholdType type, Cents income, Cents housing, Cents other, Cents credit, int months) {
  Case c = test::sample_case();
  c.application.household.type = type;
  const bool children = type == HouseholdType::SingleChildrenRent || type == HouseholdType::SingleChildrenOwn ||
                        type == HouseholdType::CoupleChildrenRent || type == HouseholdType::CoupleChildrenOwn;
  c.application.household.children = children ? 2 : 0;
  c.application.household.net_income = income;
  c.application.household.housing_costs = housing;
  c.application.household.other_obligations = other;
  c.application.household.income_documented = true;
  c.application.order.device_price = credit;
  c.application.order.down_payment = 0;
  c.application.order.credit_amount = credit;
  c.application.order.credit_months = months;
  return c;
}
}  // namespace

class AffordabilityTest : public QObject {
  Q_OBJECT
 private slots:
  void hand_worked_examples_data() {
    QTest::addColumn<int>("type");
    QTest::addColumn<qlonglong>("income");
    QTest::addColumn<qlonglong>("housing");
    QTest::addColumn<qlonglong>("other");
    QTest::addColumn<qlonglong>("base");
    QTest::addColumn<qlonglong>("loan_norm");
    QTest::addColumn<qlonglong>("capacity");
    // Single renter, income 2,400, rent 900:
    //   loan norm = 1,180.00 + 19% x (2,400 - 1,180) = 1,180.00 + 231.80 = 1,411.80
    //   capacity  = 2,400 - 1,411.80 - 900 = 88.20
    QTest::newRow("single renter (issue example)") << int(HouseholdType::SingleRent) << 240000LL << 90000LL << 0LL
                                                   << 118000LL << 141180LL << 8820LL;
    // Couple with children, owner, income 4,500, mortgage 1,400, other 150:
    //   loan norm = 1,990.00 + 13% x 2,510.00 = 1,990.00 + 326.30 = 2,316.30
    //   capacity  = 4,500 - 2,316.30 - 1,400 - 150 = 633.70
    QTest::newRow("couple with children, owner") << int(HouseholdType::CoupleChildrenOwn) << 450000LL << 140000LL
                                                 << 15000LL << 199000LL << 231630LL << 63370LL;
    // Income below the base norm: no mark-up, capacity negative.
    //   loan norm = 1,520.00; capacity = 1,300 - 1,520 - 400 = -620.00
    QTest::newRow("single parent below base norm") << int(HouseholdType::SingleChildrenRent) << 130000LL << 40000LL
                                                   << 0LL << 152000LL << 152000LL << -62000LL;
    // Mark-up rounding to the cent, half away from zero: 15% x 1,234.57 = 185.1855 -> 185.19
    //   loan norm = 1,640.00 + 185.19 = 1,825.19; capacity = 2,874.57 - 1,825.19 - 1,000 = 49.38
    QTest::newRow("couple renter, rounding") << int(HouseholdType::CoupleRent) << 287457LL << 100000LL << 0LL
                                             << 164000LL << 182519LL << 4938LL;
  }
  void hand_worked_examples() {
    QFETCH(int, type);
    QFETCH(qlonglong, income);
    QFETCH(qlonglong, housing);
    QFETCH(qlonglong, other);
    QFETCH(qlonglong, base);
    QFETCH(qlonglong, loan_norm);
    QFETCH(qlonglong, capacity);
    const Decision d = test::sample_policy()->explain(
        with_household(static_cast<HouseholdType>(type), income, housing, other, 50000, 24));
    QVERIFY(d.affordability.computed);
    QCOMPARE(d.affordability.norm_table, std::string("VFN-2026"));
    QCOMPARE(qlonglong(d.affordability.base_norm), base);
    QCOMPARE(qlonglong(d.affordability.loan_norm), loan_norm);
    QCOMPARE(qlonglong(d.affordability.capacity), capacity);
  }

  void shortfall_and_max_credit() {
    // The example with a EUR 2,299 phone over 24 months: instalment 95.79 > capacity 88.20.
    const Decision d = test::sample_policy()->explain(
        with_household(HouseholdType::SingleRent, 240000, 90000, 0, 229900, 24));
    QCOMPARE(qlonglong(d.affordability.monthly_instalment), 9579LL);
    QCOMPARE(qlonglong(d.affordability.shortfall), 759LL);
    QCOMPARE(qlonglong(d.affordability.max_affordable_credit), 8820LL * 24);
    QCOMPARE(d.outcome, Outcome::AcceptSimOnly);
    QCOMPARE(d.reasons.size(), std::size_t(1));
    QCOMPARE(d.reasons[0].rule_id, std::string("affordability.shortfall"));
    QVERIFY(QString::fromStdString(d.reasons[0].message).contains("€ 7,59"));
    // Counter-offers: a down payment that brings the credit to EUR 250, a device that fits, SIM only.
    QCOMPARE(d.counter_offers.size(), std::size_t(3));
    QCOMPARE(d.counter_offers[0].type, std::string("down_payment"));
    QCOMPARE(qlonglong(*d.counter_offers[0].down_payment), 229900LL - 25000LL);
    QCOMPARE(qlonglong(*d.counter_offers[0].credit_amount), 25000LL);
    QCOMPARE(d.counter_offers[1].type, std::string("lower_device_price"));
    QCOMPARE(qlonglong(*d.counter_offers[1].max_device_price), 8820LL * 24);
    QCOMPARE(d.counter_offers[2].type, std::string("sim_only"));
  }

  void norm_table_is_chosen_by_application_date() {
    Case c = with_household(HouseholdType::SingleRent, 240000, 90000, 0, 50000, 24);
    c.application.date = date_from_civil(2025, 6, 1);
    c.application.applicant.id_document.expiry_date = date_from_civil(2030, 1, 1);
    const Decision d = test::sample_policy()->explain(c);
    QCOMPARE(d.affordability.norm_table, std::string("VFN-2025"));
    QCOMPARE(qlonglong(d.affordability.base_norm), 114500LL);  // 1,180 x 0.97 rounded to whole euros
  }

  void no_norm_table_makes_affordability_unknown() {
    Case c = with_household(HouseholdType::SingleRent, 240000, 90000, 0, 50000, 24);
    c.application.date = date_from_civil(2024, 6, 1);
    c.application.applicant.id_document.expiry_date = date_from_civil(2030, 1, 1);
    const Decision d = test::sample_policy()->explain(c);
    QVERIFY(!d.affordability.computed);
    // The affordability rules then take their on_unknown (REFER) and say what was missing.
    QCOMPARE(d.outcome, Outcome::Refer);
    bool found = false;
    for (const auto& r : d.reasons)
      if (r.rule_id == "affordability.shortfall") {
        found = true;
        QCOMPARE(r.missing, std::vector<std::string>{"affordability.shortfall"});
      }
    QVERIFY(found);
  }
};

QTEST_APPLESS_MAIN(AffordabilityTest)
#include "test_affordability.moc"
