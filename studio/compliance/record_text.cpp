#include "compliance/record_text.hpp"

#include <QObject>
#include <nlohmann/json.hpp>

#include "compliance/store_access.hpp"

namespace verdict::studio {

namespace {
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

QString explainRecord(const store::DecisionRecord& r) {
  QString text;
  text += QObject::tr("Decision %1\nReceived %2 (UTC ms %3), %4 ms\n").arg(q(r.decision_id), whenMs(r.received_at_ms))
              .arg(r.received_at_ms).arg(r.elapsed_ms);
  text += QObject::tr("Application %1, channel %2, shop %3\n").arg(q(r.application_id), q(r.channel), q(r.shop_id));
  text += QObject::tr("Policy %1 v%2 (%3)\nOutcome %4\n\n").arg(q(r.policy_name)).arg(r.policy_version).arg(
      q(r.policy_hash), q(r.outcome));
  const auto decision = nlohmann::json::parse(r.decision_json, nullptr, false);
  const auto reasons = decision.is_object() ? decision.value("reasons", nlohmann::json::array()) : nlohmann::json::array();
  if (reasons.empty()) text += QObject::tr("No rule fired.\n");
  for (const auto& reason : reasons) {
    text += QStringLiteral("• [%1] %2 (%3)\n")
                .arg(q(reason.value("outcome", "")), q(reason.value("rule_id", "")), q(reason.value("reason_code", "")));
    if (const auto values = reason.find("values"); values != reason.end() && values->is_object())
      for (const auto& [path, value] : values->items()) text += QStringLiteral("    %1 = %2\n").arg(q(path), q(value.dump()));
    if (reason.contains("message")) text += QObject::tr("    customer: %1\n").arg(q(reason.value("message", "")));
  }
  text += QObject::tr("\nProvider calls\n");
  for (const auto& c : r.provider_calls)
    text += QStringLiteral("    %1: %2, %3 ms%4%5\n")
                .arg(q(c.provider), q(c.status))
                .arg(c.latency_ms)
                .arg(c.cached ? QObject::tr(", cached") : QString(), c.error.empty() ? QString() : QStringLiteral(" (%1)").arg(q(c.error)));
  return text;
}

}  // namespace verdict::studio
