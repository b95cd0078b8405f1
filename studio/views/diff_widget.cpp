#include "views/diff_widget.hpp"

#include <QHeaderView>

#include "policy/diff.hpp"

namespace verdict::studio {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QString shortValue(const nlohmann::json& v) {
  QString s = v.is_string() ? qs(v.get<std::string>()) : qs(v.dump());
  if (s.size() > 160) s = s.left(157) + QStringLiteral("...");
  return s;
}

const QColor added(0, 120, 0), removed(180, 0, 0), changed(170, 100, 0);

QTreeWidgetItem* line(QTreeWidgetItem* parent, const QString& sign, const QString& what, const QString& detail,
                      const QColor& colour) {
  auto* item = new QTreeWidgetItem(parent, {sign + QLatin1Char(' ') + what, detail});
  item->setForeground(0, colour);
  item->setToolTip(1, detail);
  return item;
}

}  // namespace

DiffWidget::DiffWidget(QWidget* parent) : QTreeWidget(parent) {
  setHeaderLabels({tr("Change"), tr("From -> to")});
  setColumnWidth(0, 380);
  setAlternatingRowColors(true);
  header()->setStretchLastSection(true);
}

int DiffWidget::showDiff(const verdict::PolicyDocument& before, const verdict::PolicyDocument& after) {
  clear();
  diff_ = diff_policies(before, after);
  int count = 0;
  auto* header = new QTreeWidgetItem(this, {tr("%1 v%2  ->  %3 v%4")
                                                .arg(qs(before.name))
                                                .arg(before.version)
                                                .arg(qs(after.name))
                                                .arg(after.version),
                                            diff_["identical"].get<bool>() ? tr("no changes") : QString()});
  QFont bold = header->font(0);
  bold.setBold(true);
  header->setFont(0, bold);
  for (const auto& [field, change] : diff_["document"].items()) {
    line(header, QStringLiteral("~"), qs(field), shortValue(change["from"]) + QStringLiteral("  ->  ") + shortValue(change["to"]),
         changed);
    ++count;
  }
  static const std::pair<const char*, const char*> sections[] = {
      {"rules", "id"},           {"parameters", "name"},       {"lists", "name"},
      {"norm_tables", "id"},     {"provider_plan", "provider"}, {"counter_offers", "id"}};
  static const QMap<QString, QString> titles = {
      {"rules", tr("Rules")},           {"parameters", tr("Parameters")},       {"lists", tr("Named lists")},
      {"norm_tables", tr("VFN norm tables")}, {"provider_plan", tr("Provider plan")}, {"counter_offers", tr("Counter-offers")}};
  for (const auto& [section, key] : sections) {
    const nlohmann::json& s = diff_[section];
    const int n = static_cast<int>(s["added"].size() + s["removed"].size() + s["changed"].size()) +
                  (s["reordered"].get<bool>() ? 1 : 0);
    if (n == 0) continue;
    count += n;
    auto* top = new QTreeWidgetItem(this, {titles.value(section), tr("%n change(s)", nullptr, n)});
    top->setFont(0, bold);
    for (const auto& item : s["added"]) {
      const QString detail = item.contains("condition") ? shortValue(item["condition"]) : QString();
      line(top, QStringLiteral("+"), shortValue(item[key]), detail, added);
    }
    for (const auto& item : s["removed"]) line(top, QStringLiteral("-"), shortValue(item[key]), QString(), removed);
    for (const auto& item : s["changed"]) {
      auto* entry = line(top, QStringLiteral("~"), shortValue(item[key]), QString(), changed);
      for (const auto& [field, change] : item["fields"].items()) {
        if (change.contains("added")) {
          const auto plus = change["added"].size(), minus = change["removed"].size();
          auto* entries = line(entry, QStringLiteral("~"), qs(field), tr("+%1 / -%2 entries").arg(plus).arg(minus), changed);
          // An import can add tens of thousands of entries: show the first ones and count the rest.
          constexpr std::size_t shown = 200;
          auto listSome = [&](const nlohmann::json& values, const QString& sign, const QColor& colour) {
            for (std::size_t i = 0; i < std::min(values.size(), shown); ++i) line(entries, sign, shortValue(values[i]), QString(), colour);
            if (values.size() > shown) line(entries, sign, tr("... and %1 more").arg(values.size() - shown), QString(), colour);
          };
          listSome(change["added"], QStringLiteral("+"), added);
          listSome(change["removed"], QStringLiteral("-"), removed);
        } else {
          line(entry, QStringLiteral("~"), qs(field), shortValue(change["from"]) + QStringLiteral("  ->  ") + shortValue(change["to"]),
               changed);
        }
      }
    }
    if (s["reordered"].get<bool>()) line(top, QStringLiteral("↕"), tr("order changed"), QString(), changed);
  }
  expandToDepth(2);
  return count;
}

QString DiffWidget::text() const { return diff_.is_null() ? QString() : qs(render_diff(diff_)); }

}  // namespace verdict::studio
