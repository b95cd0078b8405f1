#include "views/policy_editor_view.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileInfo>
#include <set>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include "document/atomic_file.hpp"
#include "document/commands.hpp"
#include "document/list_csv.hpp"
#include "editor/condition_editor.hpp"
#include "models/policy_models.hpp"

namespace verdict::studio {

namespace {
QString qs(const std::string& s) { return QString::fromStdString(s); }

QTableView* makeTable(QAbstractItemModel* model) {
  auto* table = new QTableView;
  table->setModel(model);
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  table->setAlternatingRowColors(true);
  table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
  table->verticalHeader()->setDefaultSectionSize(22);
  table->horizontalHeader()->setStretchLastSection(true);
  table->setWordWrap(false);
  return table;
}

QPushButton* button(const QString& text, const QString& icon = {}) {
  auto* b = new QPushButton(QIcon::fromTheme(icon), text);
  return b;
}

const QStringList outcomes = {"ACCEPT", "REFER", "ACCEPT_SIM_ONLY", "REJECT"};
}  // namespace

PolicyEditorView::PolicyEditorView(StudioContext& context, QWidget* parent)
    : QWidget(parent),
      context_(context),
      document_(context.draft()),
      tabs_(new QTabWidget),
      rules_(new RulesModel(&document_, this)),
      proxy_(new RuleFilterProxy(this)),
      parameters_(new ParametersModel(&document_, this)),
      lists_(new ListsModel(&document_, this)),
      listItems_(new ListItemsModel(&document_, this)),
      norms_(new NormsModel(&document_, this)),
      plan_(new PlanModel(&document_, this)) {
  proxy_->setSourceModel(rules_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(tabs_);
  tabs_->addTab(buildRulesTab(), tr("Rules"));
  tabs_->addTab(buildParametersTab(), tr("Parameters"));
  tabs_->addTab(buildListsTab(), tr("Named lists"));
  tabs_->addTab(buildNormsTab(), tr("VFN norms"));
  tabs_->addTab(buildPlanTab(), tr("Provider plan"));

  connect(&document_, &PolicyDocument::documentReset, this, [this] {
    refreshTags();
    refreshSymbols();
    showRule(document_.rowCount<Rule>() > 0 ? 0 : -1);
  });
  connect(&document_, &PolicyDocument::rowChanged, this, [this](Section s, int row) {
    if (s == Section::Rules && row == currentRule_) refreshRuleDetail();
    if (s == Section::Rules) refreshTags();
    if (s == Section::Parameters || s == Section::Lists) refreshSymbols();
  });
  auto structural = [this](Section s) {
    if (s == Section::Parameters || s == Section::Lists) refreshSymbols();
    if (s == Section::Rules) ruleCount_->setText(tr("%1 of %2 rules").arg(proxy_->rowCount()).arg(document_.rowCount<Rule>()));
  };
  connect(&document_, &PolicyDocument::rowsInserted, this, structural);
  connect(&document_, &PolicyDocument::rowsRemoved, this, structural);
  connect(&context_.compiler(), &DraftCompiler::compiled, this, &PolicyEditorView::showCompileProblems);
  refreshTags();
  refreshSymbols();
}

// --- rules --------------------------------------------------------------------------------------

QWidget* PolicyEditorView::buildRulesTab() {
  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);

  auto* bar = new QHBoxLayout;
  textFilter_ = new QLineEdit;
  textFilter_->setObjectName(QStringLiteral("ruleTextFilter"));
  textFilter_->setPlaceholderText(tr("Filter by id, description, condition, reason code..."));
  textFilter_->setClearButtonEnabled(true);
  tagFilter_ = new QComboBox;
  tagFilter_->setObjectName(QStringLiteral("ruleTagFilter"));
  tagFilter_->setMinimumWidth(140);
  ruleCount_ = new QLabel;
  auto* add = button(tr("Add"), QStringLiteral("list-add"));
  auto* remove = button(tr("Remove"), QStringLiteral("list-remove"));
  auto* up = button(tr("Up"), QStringLiteral("go-up"));
  auto* down = button(tr("Down"), QStringLiteral("go-down"));
  bar->addWidget(new QLabel(tr("Tag")));
  bar->addWidget(tagFilter_);
  bar->addWidget(textFilter_, 1);
  bar->addWidget(ruleCount_);
  bar->addWidget(add);
  bar->addWidget(remove);
  bar->addWidget(up);
  bar->addWidget(down);
  layout->addLayout(bar);

  rulesTable_ = makeTable(proxy_);
  rulesTable_->setObjectName(QStringLiteral("rulesTable"));
  rulesTable_->setSelectionMode(QAbstractItemView::SingleSelection);
  rulesTable_->setColumnWidth(RulesModel::Enabled, 34);
  rulesTable_->setColumnWidth(RulesModel::Id, 230);
  rulesTable_->setColumnWidth(RulesModel::Outcome, 130);
  rulesTable_->setColumnWidth(RulesModel::ReasonCode, 200);
  rulesTable_->setColumnWidth(RulesModel::Tags, 130);
  rulesTable_->setColumnWidth(RulesModel::Description, 300);

  ruleDetail_ = new QWidget;
  auto* detail = new QHBoxLayout(ruleDetail_);
  detail->setContentsMargins(0, 0, 0, 0);
  auto* form = new QFormLayout;
  ruleId_ = new QLineEdit;
  ruleDescription_ = new QLineEdit;
  ruleOutcome_ = new QComboBox;
  ruleOutcome_->addItems(outcomes);
  ruleOnUnknown_ = new QComboBox;
  ruleOnUnknown_->addItems(outcomes);
  ruleOnUnknown_->addItem(QStringLiteral("ignore"));
  ruleReason_ = new QLineEdit;
  ruleMessage_ = new QLineEdit;
  ruleTags_ = new QLineEdit;
  ruleTags_->setPlaceholderText(tr("comma separated"));
  ruleEnabled_ = new QCheckBox(tr("Enabled"));
  form->addRow(tr("Id"), ruleId_);
  form->addRow(tr("Description"), ruleDescription_);
  form->addRow(tr("Outcome"), ruleOutcome_);
  form->addRow(tr("When unknown"), ruleOnUnknown_);
  form->addRow(tr("Reason code"), ruleReason_);
  form->addRow(tr("Customer message"), ruleMessage_);
  form->addRow(tr("Tags"), ruleTags_);
  form->addRow(QString(), ruleEnabled_);
  auto* formBox = new QWidget;
  formBox->setLayout(form);
  formBox->setMinimumWidth(420);
  detail->addWidget(formBox, 2);

  auto* conditionBox = new QVBoxLayout;
  conditionBox->addWidget(new QLabel(tr("Condition (Ctrl+Space completes fields, params.* and lists.*)")));
  condition_ = new ConditionEditor;
  condition_->setObjectName(QStringLiteral("conditionEditor"));
  conditionBox->addWidget(condition_, 1);
  conditionProblems_ = new QLabel;
  conditionProblems_->setObjectName(QStringLiteral("conditionProblems"));
  conditionProblems_->setWordWrap(true);
  conditionProblems_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  conditionBox->addWidget(conditionProblems_);
  detail->addLayout(conditionBox, 3);

  auto* splitter = new QSplitter(Qt::Vertical);
  splitter->addWidget(rulesTable_);
  splitter->addWidget(ruleDetail_);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  layout->addWidget(splitter, 1);

  connect(textFilter_, &QLineEdit::textChanged, this, [this](const QString& text) {
    proxy_->setText(text);
    ruleCount_->setText(tr("%1 of %2 rules").arg(proxy_->rowCount()).arg(document_.rowCount<Rule>()));
  });
  connect(tagFilter_, &QComboBox::currentIndexChanged, this, [this](int index) {
    proxy_->setTag(index <= 0 ? QString() : tagFilter_->itemText(index));
    ruleCount_->setText(tr("%1 of %2 rules").arg(proxy_->rowCount()).arg(document_.rowCount<Rule>()));
  });
  connect(rulesTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) {
            showRule(current.isValid() ? proxy_->mapToSource(current).row() : -1);
          });
  connect(add, &QPushButton::clicked, this, &PolicyEditorView::addRule);
  connect(remove, &QPushButton::clicked, this, &PolicyEditorView::removeRule);
  connect(up, &QPushButton::clicked, this, [this] { moveRule(-1); });
  connect(down, &QPushButton::clicked, this, [this] { moveRule(+1); });

  auto commitOnFinish = [this](QLineEdit* edit, auto setter, const QString& what) {
    connect(edit, &QLineEdit::editingFinished, this, [this, edit, setter, what] {
      const std::string value = edit->text().trimmed().toStdString();
      commitRuleField([&](Rule& r) { setter(r, value); }, what);
    });
  };
  commitOnFinish(ruleDescription_, [](Rule& r, const std::string& v) { r.description = v; }, tr("Description"));
  commitOnFinish(ruleReason_, [](Rule& r, const std::string& v) { r.reason_code = v; }, tr("Reason code"));
  commitOnFinish(ruleMessage_, [](Rule& r, const std::string& v) { r.message = v; }, tr("Message"));
  commitOnFinish(ruleTags_, [](Rule& r, const std::string& v) {
    r.tags.clear();
    for (const QString& t : QString::fromStdString(v).split(',', Qt::SkipEmptyParts))
      if (!t.trimmed().isEmpty()) r.tags.push_back(t.trimmed().toStdString());
  }, tr("Tags"));
  connect(ruleId_, &QLineEdit::editingFinished, this, [this] {
    if (currentRule_ < 0) return;
    const std::string id = ruleId_->text().trimmed().toStdString();
    const int existing = document_.indexOfRule(id);
    if (id.empty() || (existing >= 0 && existing != currentRule_)) {
      ruleId_->setText(qs(document_.rows<Rule>()[static_cast<std::size_t>(currentRule_)].id));
      return;
    }
    commitRuleField([&](Rule& r) { r.id = id; }, tr("Id"));
  });
  connect(ruleOutcome_, &QComboBox::activated, this, [this](int i) {
    commitRuleField([&](Rule& r) { r.outcome = static_cast<Outcome>(*outcome_from_string(outcomes[i].toStdString())); },
                    tr("Outcome"));
  });
  connect(ruleOnUnknown_, &QComboBox::activated, this, [this](int i) {
    commitRuleField([&](Rule& r) {
      if (i >= outcomes.size()) r.on_unknown = std::nullopt;
      else r.on_unknown = outcome_from_string(outcomes[i].toStdString());
    }, tr("When unknown"));
  });
  connect(ruleEnabled_, &QCheckBox::clicked, this, [this](bool on) {
    commitRuleField([&](Rule& r) { r.enabled = on; }, on ? tr("Enable") : tr("Disable"));
  });
  connect(condition_, &ConditionEditor::conditionEdited, this, [this](const QString& text) {
    if (currentRule_ < 0) return;
    const QString id = qs(document_.rows<Rule>()[static_cast<std::size_t>(currentRule_)].id);
    pushRowEdit<Rule>(&document_, currentRule_, [&](Rule& r) { r.condition = text.toStdString(); },
                      tr("Condition of rule %1").arg(id), MergeKey::RuleCondition);
  });
  connect(condition_, &ConditionEditor::diagnosticsChanged, this, [this] {
    QStringList lines;
    for (const auto& d : condition_->diagnostics())
      lines << tr("line %1, column %2: %3").arg(d.line).arg(d.column).arg(d.message.toHtmlEscaped());
    conditionProblems_->setText(lines.isEmpty() ? tr("<span style='color:#1a7f37'>Compiles.</span>")
                                                : QStringLiteral("<span style='color:#c00'>") + lines.join("<br>") +
                                                      QStringLiteral("</span>"));
  });
  return page;
}

void PolicyEditorView::commitRuleField(const std::function<void(Rule&)>& edit, const QString& what) {
  if (currentRule_ < 0) return;
  const QString id = qs(document_.rows<Rule>()[static_cast<std::size_t>(currentRule_)].id);
  pushRowEdit<Rule>(&document_, currentRule_, edit, tr("%1 of rule %2").arg(what, id));
}

void PolicyEditorView::showRule(int row) {
  currentRule_ = row;
  ruleDetail_->setEnabled(row >= 0);
  refreshRuleDetail();
}

void PolicyEditorView::refreshRuleDetail() {
  if (currentRule_ < 0 || currentRule_ >= document_.rowCount<Rule>()) {
    condition_->setCondition({});
    return;
  }
  const Rule& r = document_.rows<Rule>()[static_cast<std::size_t>(currentRule_)];
  auto set = [](QLineEdit* e, const std::string& v) {
    if (e->text() != QString::fromStdString(v)) e->setText(QString::fromStdString(v));
  };
  set(ruleId_, r.id);
  set(ruleDescription_, r.description);
  set(ruleReason_, r.reason_code);
  set(ruleMessage_, r.message);
  QStringList tags;
  for (const auto& t : r.tags) tags << qs(t);
  if (ruleTags_->text() != tags.join(", ")) ruleTags_->setText(tags.join(", "));
  ruleOutcome_->setCurrentIndex(static_cast<int>(outcomes.indexOf(qs(std::string(to_string(r.outcome))))));
  ruleOnUnknown_->setCurrentIndex(r.on_unknown ? static_cast<int>(outcomes.indexOf(qs(std::string(to_string(*r.on_unknown)))))
                                               : static_cast<int>(outcomes.size()));
  ruleEnabled_->setChecked(r.enabled);
  condition_->setCondition(qs(r.condition));
}

bool PolicyEditorView::selectRule(const QString& id) {
  const int row = document_.indexOfRule(id.toStdString());
  if (row < 0) return false;
  QModelIndex index = proxy_->mapFromSource(rules_->index(row, RulesModel::Id));
  if (!index.isValid()) {  // filtered out: clear the filters
    textFilter_->clear();
    tagFilter_->setCurrentIndex(0);
    index = proxy_->mapFromSource(rules_->index(row, RulesModel::Id));
  }
  tabs_->setCurrentIndex(0);
  rulesTable_->setCurrentIndex(index);
  rulesTable_->scrollTo(index);
  return true;
}

void PolicyEditorView::refreshTags() {
  const QStringList tags = rules_->allTags();
  QStringList current;
  for (int i = 1; i < tagFilter_->count(); ++i) current << tagFilter_->itemText(i);
  if (current == tags) return;
  const QString selected = tagFilter_->currentIndex() > 0 ? tagFilter_->currentText() : QString();
  const QSignalBlocker block(tagFilter_);
  tagFilter_->clear();
  tagFilter_->addItem(tr("(all)"));
  tagFilter_->addItems(tags);
  const auto at = tags.indexOf(selected);
  tagFilter_->setCurrentIndex(at < 0 ? 0 : static_cast<int>(at) + 1);
  ruleCount_->setText(tr("%1 of %2 rules").arg(proxy_->rowCount()).arg(document_.rowCount<Rule>()));
}

void PolicyEditorView::refreshSymbols() { condition_->setSymbols(SymbolTable::of(document_.data())); }

void PolicyEditorView::addRule() {
  Rule rule;
  int n = document_.rowCount<Rule>() + 1;
  while (document_.indexOfRule("new_rule_" + std::to_string(n)) >= 0) ++n;
  rule.id = "new_rule_" + std::to_string(n);
  rule.condition = "false";
  rule.reason_code = "NEW_RULE";
  rule.description = tr("New rule").toStdString();
  const int at = currentRule_ < 0 ? document_.rowCount<Rule>() : currentRule_ + 1;
  document_.undoStack()->push(new InsertRowCommand<Rule>(&document_, at, rule, tr("Add rule %1").arg(qs(rule.id))));
  selectRule(qs(rule.id));
}

void PolicyEditorView::removeRule() {
  if (currentRule_ < 0) return;
  const QString id = qs(document_.rows<Rule>()[static_cast<std::size_t>(currentRule_)].id);
  document_.undoStack()->push(new RemoveRowCommand<Rule>(&document_, currentRule_, tr("Remove rule %1").arg(id)));
}

void PolicyEditorView::moveRule(int delta) {
  if (currentRule_ < 0) return;
  const int to = currentRule_ + delta;
  if (to < 0 || to >= document_.rowCount<Rule>()) return;
  const QString id = qs(document_.rows<Rule>()[static_cast<std::size_t>(currentRule_)].id);
  document_.undoStack()->push(new MoveRowCommand<Rule>(&document_, currentRule_, to, tr("Move rule %1").arg(id)));
  selectRule(id);
}

void PolicyEditorView::showCompileProblems() {
  QHash<int, QString> problems;
  for (const auto& p : context_.compiler().last().problems) {
    const std::string prefix = "/rules/";
    if (p.pointer.rfind(prefix, 0) != 0) continue;
    const int rule = std::atoi(p.pointer.c_str() + prefix.size());
    QString& text = problems[rule];
    if (!text.isEmpty()) text += '\n';
    text += p.line > 0 ? tr("%1:%2: %3").arg(p.line).arg(p.column).arg(qs(p.message)) : qs(p.message);
  }
  rules_->setProblems(std::move(problems));
}

// --- parameters ---------------------------------------------------------------------------------

QWidget* PolicyEditorView::buildParametersTab() {
  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);
  auto* bar = new QHBoxLayout;
  auto* add = button(tr("Add parameter"), QStringLiteral("list-add"));
  auto* remove = button(tr("Remove"), QStringLiteral("list-remove"));
  bar->addWidget(add);
  bar->addWidget(remove);
  bar->addStretch();
  layout->addLayout(bar);
  auto* table = makeTable(parameters_);
  table->setObjectName(QStringLiteral("parametersTable"));
  table->setColumnWidth(ParametersModel::Name, 260);
  table->setColumnWidth(ParametersModel::Type, 80);
  table->setColumnWidth(ParametersModel::Value, 200);
  layout->addWidget(table);
  connect(add, &QPushButton::clicked, this, [this] {
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("New parameter"), tr("Name"), QLineEdit::Normal, {}, &ok).trimmed();
    if (!ok || name.isEmpty() || document_.indexOfParameter(name.toStdString()) >= 0) return;
    const QString type = QInputDialog::getItem(this, tr("New parameter"), tr("Type"),
                                               {"number", "money", "string", "bool", "date", "list"}, 0, false, &ok);
    if (!ok) return;
    Parameter p;
    p.name = name.toStdString();
    static const QMap<QString, lang::ValueType> types = {
        {"number", lang::ValueType::Number}, {"money", lang::ValueType::Money}, {"string", lang::ValueType::String},
        {"bool", lang::ValueType::Bool},     {"date", lang::ValueType::Date},   {"list", lang::ValueType::Set}};
    p.value.type = types.value(type);
    document_.undoStack()->push(new InsertRowCommand<Parameter>(&document_, document_.rowCount<Parameter>(), p,
                                                                tr("Add parameter %1").arg(name)));
  });
  connect(remove, &QPushButton::clicked, this, [this, table] {
    const QModelIndex current = table->currentIndex();
    if (!current.isValid()) return;
    const QString name = qs(document_.rows<Parameter>()[static_cast<std::size_t>(current.row())].name);
    document_.undoStack()->push(
        new RemoveRowCommand<Parameter>(&document_, current.row(), tr("Remove parameter %1").arg(name)));
  });
  return page;
}

// --- named lists --------------------------------------------------------------------------------

QWidget* PolicyEditorView::buildListsTab() {
  auto* page = new QWidget;
  auto* layout = new QHBoxLayout(page);

  auto* left = new QVBoxLayout;
  auto* bar = new QHBoxLayout;
  auto* add = button(tr("Add list"), QStringLiteral("list-add"));
  auto* remove = button(tr("Remove list"), QStringLiteral("list-remove"));
  auto* import = button(tr("Import CSV..."), QStringLiteral("document-import"));
  auto* exportButton = button(tr("Export CSV..."), QStringLiteral("document-export"));
  bar->addWidget(add);
  bar->addWidget(remove);
  bar->addWidget(import);
  bar->addWidget(exportButton);
  bar->addStretch();
  left->addLayout(bar);
  listsTable_ = makeTable(lists_);
  listsTable_->setObjectName(QStringLiteral("listsTable"));
  listsTable_->setSelectionMode(QAbstractItemView::SingleSelection);
  listsTable_->setColumnWidth(ListsModel::Name, 220);
  left->addWidget(listsTable_);
  layout->addLayout(left, 3);

  auto* right = new QVBoxLayout;
  itemsLabel_ = new QLabel(tr("Select a list"));
  right->addWidget(itemsLabel_);
  itemsView_ = new QListView;
  itemsView_->setObjectName(QStringLiteral("listItems"));
  itemsView_->setModel(listItems_);
  itemsView_->setUniformItemSizes(true);
  itemsView_->setSelectionMode(QAbstractItemView::ContiguousSelection);
  right->addWidget(itemsView_, 1);
  auto* entryRow = new QHBoxLayout;
  auto* entry = new QLineEdit;
  entry->setPlaceholderText(tr("New entry"));
  auto* addEntry = button(tr("Add"));
  auto* removeEntries = button(tr("Remove selected"));
  entryRow->addWidget(entry, 1);
  entryRow->addWidget(addEntry);
  entryRow->addWidget(removeEntries);
  right->addLayout(entryRow);
  layout->addLayout(right, 2);

  auto currentList = [this] { return listsTable_->currentIndex().isValid() ? listsTable_->currentIndex().row() : -1; };
  auto updateLabel = [this] {
    const int list = listItems_->list();
    itemsLabel_->setText(list < 0 ? tr("Select a list")
                                  : tr("%1: %2 entries")
                                        .arg(qs(document_.data().lists[static_cast<std::size_t>(list)].name))
                                        .arg(document_.data().lists[static_cast<std::size_t>(list)].items.size()));
  };
  connect(listsTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this, updateLabel](const QModelIndex& current) {
            listItems_->setList(current.isValid() ? current.row() : -1);
            updateLabel();
          });
  connect(listItems_, &QAbstractItemModel::modelReset, this, updateLabel);
  connect(add, &QPushButton::clicked, this, [this] {
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("New list"), tr("Name"), QLineEdit::Normal, {}, &ok).trimmed();
    if (!ok || name.isEmpty() || document_.indexOfList(name.toStdString()) >= 0) return;
    NamedList l;
    l.name = name.toStdString();
    document_.undoStack()->push(new InsertRowCommand<NamedList>(&document_, document_.rowCount<NamedList>(), l,
                                                                tr("Add list %1").arg(name)));
  });
  connect(remove, &QPushButton::clicked, this, [this, currentList] {
    const int list = currentList();
    if (list < 0) return;
    const QString name = qs(document_.data().lists[static_cast<std::size_t>(list)].name);
    document_.undoStack()->push(new RemoveRowCommand<NamedList>(&document_, list, tr("Remove list %1").arg(name)));
  });
  connect(import, &QPushButton::clicked, this, [this, currentList] {
    const int list = currentList();
    if (list < 0) return;
    const QString path = QFileDialog::getOpenFileName(this, tr("Import entries"), {}, tr("CSV (*.csv *.txt)"));
    if (path.isEmpty()) return;
    const auto answer = QMessageBox::question(this, tr("Import"), tr("Replace the entries of the list (Yes) or append (No)?"),
                                              QMessageBox::Yes | QMessageBox::No | QMessageBox::Cancel);
    if (answer == QMessageBox::Cancel) return;
    QString error;
    if (!importListCsv(list, path, answer == QMessageBox::Yes, &error))
      QMessageBox::warning(this, tr("Import failed"), error);
  });
  connect(exportButton, &QPushButton::clicked, this, [this, currentList] {
    const int list = currentList();
    if (list < 0) return;
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export entries"), qs(document_.data().lists[static_cast<std::size_t>(list)].name) + ".csv",
        tr("CSV (*.csv)"));
    QString error;
    if (!path.isEmpty() && !exportListCsv(list, path, &error)) QMessageBox::warning(this, tr("Export failed"), error);
  });
  connect(addEntry, &QPushButton::clicked, this, [this, entry] {
    const int list = listItems_->list();
    const std::string value = entry->text().trimmed().toStdString();
    if (list < 0 || value.empty()) return;
    const auto& items = document_.data().lists[static_cast<std::size_t>(list)].items;
    if (std::find(items.begin(), items.end(), value) != items.end()) return;
    document_.undoStack()->push(new AddListItemsCommand(
        &document_, list, {value},
        tr("Add %1 to %2").arg(entry->text().trimmed(), qs(document_.data().lists[static_cast<std::size_t>(list)].name))));
    entry->clear();
  });
  connect(entry, &QLineEdit::returnPressed, addEntry, &QPushButton::click);
  connect(removeEntries, &QPushButton::clicked, this, [this] {
    const int list = listItems_->list();
    const auto selected = itemsView_->selectionModel()->selectedIndexes();
    if (list < 0 || selected.isEmpty()) return;
    int first = selected.front().row(), last = first;
    for (const auto& i : selected) {
      first = std::min(first, i.row());
      last = std::max(last, i.row());
    }
    document_.undoStack()->push(new RemoveListItemsCommand(
        &document_, list, first, last - first + 1,
        tr("Remove %1 entries from %2").arg(last - first + 1).arg(qs(document_.data().lists[static_cast<std::size_t>(list)].name))));
  });
  return page;
}

bool PolicyEditorView::importListCsv(int list, const QString& path, bool replace, QString* error) {
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) {
    if (error) *error = tr("%1: %2").arg(path, file.errorString());
    return false;
  }
  ListCsv csv = parseListCsv(file.readAll());
  const QString name = qs(document_.data().lists[static_cast<std::size_t>(list)].name);
  if (replace) {
    document_.undoStack()->push(new SetListItemsCommand(&document_, list, std::move(csv.entries),
                                                        tr("Import %1 into %2").arg(QFileInfo(path).fileName(), name)));
  } else {
    const auto& existing = document_.data().lists[static_cast<std::size_t>(list)].items;
    const std::set<std::string> have(existing.begin(), existing.end());
    std::erase_if(csv.entries, [&](const std::string& e) { return have.contains(e); });
    if (csv.entries.empty()) return true;
    document_.undoStack()->push(new AddListItemsCommand(&document_, list, std::move(csv.entries),
                                                        tr("Append %1 to %2").arg(QFileInfo(path).fileName(), name)));
  }
  return true;
}

bool PolicyEditorView::exportListCsv(int list, const QString& path, QString* error) const {
  return writeFileAtomically(path, listToCsv(document_.data().lists[static_cast<std::size_t>(list)].items), error);
}

// --- norms and plan -----------------------------------------------------------------------------

QWidget* PolicyEditorView::buildNormsTab() {
  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);
  auto* bar = new QHBoxLayout;
  auto* add = button(tr("New table from the newest"), QStringLiteral("list-add"));
  bar->addWidget(add);
  bar->addWidget(new QLabel(tr("Loan norm = base norm + mark-up × (income − base norm); money in euros per month.")));
  bar->addStretch();
  layout->addLayout(bar);
  auto* table = makeTable(norms_);
  table->setObjectName(QStringLiteral("normsTable"));
  table->setColumnWidth(NormsModel::Table, 180);
  table->setColumnWidth(NormsModel::ValidFrom, 110);
  table->setColumnWidth(NormsModel::Household, 200);
  table->setColumnWidth(NormsModel::BaseNorm, 180);
  layout->addWidget(table);
  connect(add, &QPushButton::clicked, this, [this] {
    const auto& tables = document_.data().norm_tables;
    NormTable t;
    if (!tables.empty())
      t = *std::max_element(tables.begin(), tables.end(),
                            [](const NormTable& a, const NormTable& b) { return a.valid_from < b.valid_from; });
    t.valid_from = Date{t.valid_from.days + 365};
    t.id = "vfn-" + format_iso_date(t.valid_from).substr(0, 4);
    document_.undoStack()->push(new InsertRowCommand<NormTable>(&document_, document_.rowCount<NormTable>(), t,
                                                                tr("Add norm table %1").arg(qs(t.id))));
  });
  return page;
}

QWidget* PolicyEditorView::buildPlanTab() {
  auto* page = new QWidget;
  auto* layout = new QVBoxLayout(page);
  layout->addWidget(new QLabel(
      tr("Which providers are called for which applications: called when the expression is true or unknown.")));
  auto* table = makeTable(plan_);
  table->setObjectName(QStringLiteral("planTable"));
  table->setColumnWidth(PlanModel::Provider, 110);
  table->setColumnWidth(PlanModel::When, 420);
  layout->addWidget(table);
  return page;
}

}  // namespace verdict::studio
