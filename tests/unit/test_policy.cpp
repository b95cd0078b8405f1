// Policy documents: validation with positions, outcome precedence, unknown handling, diff.
#include <QtTest/QtTest>

#include "files/policy_files.hpp"
#include "policy/diff.hpp"
#include "test_support.hpp"

using namespace verdict;
using nlohmann::json;

namespace {

json minimal_policy() {
  return json::parse(R"({
    "name": "t", "version": 1,
    "parameters": [{"name": "min_age", "type": "number", "value": 18}],
    "norm_tables": [],
    "rules": []
  })");
}

json rule(const std::string& id, const std::string& condition, const std::string& outcome,
          const std::string& on_unknown = "REFER") {
  return {{"id", id}, {"condition", condition}, {"outcome", outcome}, {"reason_code", "C_" + id},
          {"message", "m"}, {"on_unknown", on_unknown}};
}

std::shared_ptr<const CompiledPolicy> compile(const json& doc) {
  auto decoded = decode_policy(doc);
  if (!decoded) qFatal("decode: %s", decoded.error().summary().c_str());
  auto compiled = CompiledPolicy::compile(std::move(*decoded), "h");
  if (!compiled) qFatal("compile: %s", compiled.error()[0].message.c_str());
  return *compiled;
}

QStringList rendered(const files::FileDiagnostics& d) {
  QStringList out;
  for (const auto& x : d) out << QString::fromStdString(x.to_string());
  return out;
}

}  // namespace

class PolicyTest : public QObject {
  Q_OBJECT
 private slots:
  void sample_policy_compiles() {
    auto p = test::sample_policy();
    QVERIFY(p->rule_count() >= 25 && p->rule_count() <= 30);
    QCOMPARE(p->document().norm_tables.size(), std::size_t(2));
  }

  void expression_errors_point_into_the_file() {
    // The condition sits on line 6; the typo starts at column 30 of the file.
    const std::string text =
        "{\n"
        "  \"name\": \"t\",\n"
        "  \"version\": 1,\n"
        "  \"rules\": [\n"
        "    {\"id\": \"a\", \"outcome\": \"REJECT\", \"reason_code\": \"X\",\n"
        "     \"condition\": \"applicant.agee < 18\"}\n"
        "  ]\n"
        "}\n";
    auto result = files::compile_policy_text(text, "p.json");
    QVERIFY(!result);
    const auto lines = rendered(result.error());
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines[0].startsWith("p.json:6:20: /rules/0/condition: unknown field 'applicant.agee'"), qPrintable(lines[0]));
  }

  void document_errors_point_into_the_file() {
    const std::string text =
        "{\n"
        "  \"name\": \"t\",\n"
        "  \"version\": \"one\",\n"
        "  \"rules\": [{\"id\": \"a\", \"outcome\": \"MAYBE\", \"reason_code\": \"X\", \"condition\": \"true\"}]\n"
        "}\n";
    auto result = files::compile_policy_text(text, "p.json");
    QVERIFY(!result);
    const auto lines = rendered(result.error());
    QCOMPARE(lines.size(), 2);
    QVERIFY2(lines[0].startsWith("p.json:3:14: /version: must be an integer"), qPrintable(lines[0]));
    QVERIFY2(lines[1].startsWith("p.json:4:36: /rules/0/outcome: must be one of"), qPrintable(lines[1]));
  }

  void broken_json_points_at_the_break() {
    auto result = files::compile_policy_text("{\n  \"name\": \"t\",\n  \"rules\": [\n}\n", "p.json");
    QVERIFY(!result);
    QVERIFY2(rendered(result.error())[0].startsWith("p.json:4:1: invalid JSON"), qPrintable(rendered(result.error())[0]));
  }

  void semantic_errors_are_all_reported() {
    json doc = minimal_policy();
    doc["rules"] = json::array({rule("a", "applicant.age < params.nope", "REJECT"), rule("a", "true", "REFER"),
                                rule("b", "1 +", "REFER")});
    doc["rules"][2]["counter_offers"] = json::array({"missing_offer"});
    auto decoded = decode_policy(doc);
    QVERIFY(!decoded);  // duplicate id and unknown counter-offer are document errors
    QVERIFY(QString::fromStdString(decoded.error().summary()).contains("/rules/1/id: rule id 'a' is used twice"));
    QVERIFY(QString::fromStdString(decoded.error().summary()).contains("/rules/2/counter_offers/0"));

    doc["rules"][1]["id"] = "c";
    doc["rules"][2].erase("counter_offers");
    doc["rules"][2]["message"] = "Hallo {applicant.nope}";
    auto again = decode_policy(doc);
    QVERIFY(again);
    auto compiled = CompiledPolicy::compile(std::move(*again), "h");
    QVERIFY(!compiled);
    QCOMPARE(compiled.error().size(), std::size_t(3));
    QCOMPARE(compiled.error()[0].pointer, std::string("/rules/0/condition"));
    QCOMPARE(compiled.error()[1].pointer, std::string("/rules/2/condition"));
    QCOMPARE(compiled.error()[2].pointer, std::string("/rules/2/message"));
  }

  void norm_tables_need_all_eight_rows() {
    json doc = minimal_policy();
    doc["norm_tables"] = json::array({{{"id", "N"}, {"valid_from", "2026-01-01"},
                                       {"rows", json::array({{{"household_type", "single_rent"},
                                                              {"base_norm_cents", 100},
                                                              {"markup_basis_points", 10}}})}}});
    auto decoded = decode_policy(doc);
    QVERIFY(!decoded);
    QVERIFY(QString::fromStdString(decoded.error().summary()).contains("/norm_tables/0/rows: must have one row for each"));
  }

  void precedence_reject_over_sim_only_over_refer_over_accept() {
    const std::vector<std::pair<std::vector<std::string>, Outcome>> cases{
        {{"ACCEPT"}, Outcome::Accept},
        {{"REFER", "ACCEPT"}, Outcome::Refer},
        {{"REFER", "ACCEPT_SIM_ONLY"}, Outcome::AcceptSimOnly},
        {{"ACCEPT_SIM_ONLY", "REJECT", "REFER"}, Outcome::Reject},
        {{"REJECT", "REFER"}, Outcome::Reject},
    };
    for (const auto& [outcomes, expected] : cases) {
      json doc = minimal_policy();
      for (std::size_t i = 0; i < outcomes.size(); ++i)
        doc["rules"].push_back(rule("r" + std::to_string(i), "true", outcomes[i]));
      const Decision d = compile(doc)->explain(test::sample_case());
      QCOMPARE(d.outcome, expected);
      QCOMPARE(d.reasons.size(), outcomes.size());
    }
  }

  void unknown_takes_on_unknown_or_is_ignored() {
    json doc = minimal_policy();
    doc["rules"].push_back(rule("refer_when_unknown", "preventel.hit", "REJECT"));
    doc["rules"].push_back(rule("ignored", "bureau.score < 100", "REJECT", "ignore"));
    doc["rules"].push_back(rule("reject_when_unknown", "operator.write_offs > 0", "REFER", "REJECT"));
    Case c = test::sample_case();
    c.providers.preventel.status = ProviderStatus::Unavailable;
    c.providers.bureau.status = ProviderStatus::Unavailable;
    auto policy = compile(doc);
    Decision d = policy->explain(c);
    QCOMPARE(d.outcome, Outcome::Refer);
    QCOMPARE(d.reasons.size(), std::size_t(1));
    QCOMPARE(d.reasons[0].rule_id, std::string("refer_when_unknown"));
    QCOMPARE(d.reasons[0].outcome, Outcome::Refer);
    QCOMPARE(d.reasons[0].missing, std::vector<std::string>{"preventel.hit"});
    QCOMPARE(d.ignored_unknown.size(), std::size_t(1));
    QCOMPARE(d.ignored_unknown[0].rule_id, std::string("ignored"));

    c.providers.operator_history.status = ProviderStatus::Unavailable;
    d = policy->explain(c);
    QCOMPARE(d.outcome, Outcome::Reject);
  }

  void disabled_rules_never_fire() {
    json doc = minimal_policy();
    doc["rules"].push_back(rule("off", "true", "REJECT"));
    doc["rules"][0]["enabled"] = false;
    QCOMPARE(compile(doc)->explain(test::sample_case()).outcome, Outcome::Accept);
  }

  void required_provider_missing_never_accepts() {
    json doc = minimal_policy();
    doc["provider_plan"] = json::array({{{"provider", "bkr"}, {"when", "order.credit_amount > 250 EUR"}, {"required", true}}});
    auto policy = compile(doc);
    Case c = test::sample_case();
    QCOMPARE(policy->explain(c).outcome, Outcome::Accept);
    c.providers.bkr.status = ProviderStatus::Unavailable;
    const Decision d = policy->explain(c);
    QCOMPARE(d.outcome, Outcome::Refer);
    QCOMPARE(d.reasons[0].reason_code, std::string("REQUIRED_PROVIDER_UNAVAILABLE"));
    // Not needed for a small credit: then its absence changes nothing.
    c.application.order.device_price = c.application.order.credit_amount = 20000;
    QCOMPARE(policy->explain(c).outcome, Outcome::Accept);
  }

  void plan_calls_what_the_application_needs() {
    auto policy = test::sample_policy();
    Case c = test::sample_case();
    auto names = [&] {
      std::vector<std::string> out;
      for (const auto& e : policy->plan(c.application)) out.emplace_back(to_string(e.provider));
      return out;
    };
    QCOMPARE(names().size(), std::size_t(7));
    c.application.order.product = Product::SimOnly;
    c.application.order.device_price = c.application.order.credit_amount = 0;
    c.application.order.credit_months = 0;
    const auto sim_only = names();
    QCOMPARE(sim_only.size(), std::size_t(5));  // no BKR, no bureau
    QVERIFY(std::find(sim_only.begin(), sim_only.end(), "bkr") == sim_only.end());
  }

  void message_templates_are_filled() {
    json doc = minimal_policy();
    doc["rules"].push_back(rule("m", "true", "REFER"));
    doc["rules"][0]["message"] = "Leeftijd {applicant.age}, minimaal {params.min_age}, krediet {order.credit_amount}.";
    const Decision d = compile(doc)->explain(test::sample_case());
    QCOMPARE(d.reasons[0].message, std::string("Leeftijd 35, minimaal 18, krediet € 899,00."));
  }

  void reasons_carry_the_values_that_fired() {
    json doc = minimal_policy();
    doc["rules"].push_back(rule("v", "applicant.age > params.min_age and order.credit_amount > 100 EUR", "REFER"));
    const Decision d = compile(doc)->explain(test::sample_case());
    QCOMPARE(d.reasons[0].values.size(), std::size_t(3));
    QCOMPARE(d.reasons[0].values[0], (std::pair<std::string, std::string>{"applicant.age", "35"}));
    QCOMPARE(d.reasons[0].values[1], (std::pair<std::string, std::string>{"order.credit_amount", "\"899.00 EUR\""}));
    QCOMPARE(d.reasons[0].values[2], (std::pair<std::string, std::string>{"params.min_age", "18"}));
  }

  void decision_records_policy_identity() {
    auto p = files::load_policy(test::source_path("resources/policy/sample-policy.json"));
    QVERIFY(p);
    const Decision d = (*p)->explain(test::sample_case());
    QCOMPARE(d.policy_name, std::string("consumer-nl"));
    QVERIFY(QString::fromStdString(d.policy_hash).startsWith("sha256:"));
    QCOMPARE(d.policy_hash.size(), std::size_t(7 + 64));
    // Formatting does not change the content hash; content does.
    auto doc = decode_policy(test::read_json("resources/policy/sample-policy.json"));
    QCOMPARE(files::policy_content_hash(*doc), d.policy_hash);
    doc->parameters[0].value.number = 19;
    QVERIFY(files::policy_content_hash(*doc) != d.policy_hash);
  }

  void diff_rule_by_rule() {
    auto before = decode_policy(test::read_json("resources/policy/sample-policy.json"));
    auto after = before;
    after->version = 2;
    after->rules[0].condition = "applicant.age < 21";
    after->rules[1].enabled = false;
    after->rules.erase(after->rules.begin() + 2);
    Rule added;
    added.id = "new.rule";
    added.condition = "true";
    added.reason_code = "NEW";
    after->rules.push_back(added);
    after->lists[0].items.push_back("NL02ABNA0123456789");
    after->parameters[0].value.number = 21;
    const json d = diff_policies(*before, *after);
    QVERIFY(!d["identical"].get<bool>());
    QCOMPARE(d["rules"]["added"][0]["id"], json("new.rule"));
    QCOMPARE(d["rules"]["removed"][0]["id"], json(before->rules[2].id));
    QCOMPARE(d["rules"]["changed"].size(), std::size_t(2));
    QCOMPARE(d["rules"]["changed"][0]["fields"]["condition"]["to"], json("applicant.age < 21"));
    QCOMPARE(d["rules"]["changed"][1]["fields"]["enabled"]["to"], json(false));
    QCOMPARE(d["lists"]["changed"][0]["fields"]["items"]["added"], json::array({"NL02ABNA0123456789"}));
    QCOMPARE(d["parameters"]["changed"][0]["fields"]["value"]["to"], json(21.0));
    const QString text = QString::fromStdString(render_diff(d));
    QVERIFY(text.contains("+ new.rule"));
    QVERIFY(text.contains("condition: applicant.age < params.min_age -> applicant.age < 21"));
    QVERIFY(diff_policies(*before, *before)["identical"].get<bool>());
  }
};

QTEST_APPLESS_MAIN(PolicyTest)
#include "test_policy.moc"
