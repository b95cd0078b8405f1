#include "views/quick_action_dialog.hpp"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QStackedWidget>
#include <QVBoxLayout>

#include "document/commands.hpp"
#include "models/policy_models.hpp"

namespace verdict::studio {

namespace {
constexpr int blockActions = 4;  // combo entries 0..3 block, 4 tightens
}

QString QuickActions::listFor(BlockKind kind) {
  switch (kind) {
    case BlockKind::Iban: return QStringLiteral("blocked_ibans");
    case BlockKind::Email: return QStringLiteral("blocked_emails");
    case BlockKind::Device: return QStringLiteral("blocked_devices");
    case BlockKind::Postcode: return QStringLiteral("blocked_postcodes");
  }
  return {};
}

QString QuickActions::normalise(BlockKind kind, const QString& raw, QString* error) {
  auto fail = [&](const QString& message) {
    if (error) *error = message;
    return QString();
  };
  QString v = raw.trimmed();
  switch (kind) {
    case BlockKind::Iban:
      v = v.remove(' ').toUpper();
      if (!QRegularExpression(QStringLiteral("^[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}$")).match(v).hasMatch() ||
          !iban_checksum_valid(v.toStdString()))
        return fail(QObject::tr("'%1' is not a valid IBAN (check digits)").arg(raw.trimmed()));
      return v;
    case BlockKind::Email:
      v = v.toLower();
      if (!QRegularExpression(QStringLiteral("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$")).match(v).hasMatch())
        return fail(QObject::tr("'%1' is not an e-mail address").arg(raw.trimmed()));
      return v;
    case BlockKind::Device:
      if (v.isEmpty() || v.contains(QRegularExpression(QStringLiteral("\\s"))))
        return fail(QObject::tr("a device id is one word without spaces"));
      return v;
    case BlockKind::Postcode:
      v = v.remove(' ').toUpper();
      if (!QRegularExpression(QStringLiteral("^[1-9][0-9]{3}[A-Z]{2}$")).match(v).hasMatch())
        return fail(QObject::tr("'%1' is not a Dutch postcode (1234AB)").arg(raw.trimmed()));
      return v;
  }
  return {};
}

bool QuickActions::block(PolicyDocument& draft, BlockKind kind, const QString& raw, QString* error) {
  const QString value = normalise(kind, raw, error);
  if (value.isEmpty()) return false;
  const QString listName = listFor(kind);
  int list = draft.indexOfList(listName.toStdString());
  if (list >= 0) {
    const auto& items = draft.data().lists[static_cast<std::size_t>(list)].items;
    if (std::find(items.begin(), items.end(), value.toStdString()) != items.end()) {
      if (error) *error = QObject::tr("%1 is already in %2").arg(value, listName);
      return false;
    }
  }
  QUndoStack* stack = draft.undoStack();
  stack->beginMacro(QObject::tr("Quick action: block %1 (%2)").arg(value, listName));
  if (list < 0) {
    NamedList l;
    l.name = listName.toStdString();
    l.description = QObject::tr("Created by a fraud quick action").toStdString();
    stack->push(new InsertRowCommand<NamedList>(&draft, draft.rowCount<NamedList>(), l, QObject::tr("Add list %1").arg(listName)));
    list = draft.rowCount<NamedList>() - 1;
  }
  stack->push(new AddListItemsCommand(&draft, list, {value.toStdString()}, QObject::tr("Add %1 to %2").arg(value, listName)));
  stack->endMacro();
  return true;
}

QStringList QuickActions::velocityParameters(const verdict::PolicyDocument& draft) {
  static const QRegularExpression window(QStringLiteral("_(\\d+)(h|d)$"));
  QStringList out;
  for (const auto& p : draft.parameters)
    if (p.value.type == lang::ValueType::Number && window.match(QString::fromStdString(p.name)).hasMatch())
      out << QString::fromStdString(p.name);
  return out;
}

bool QuickActions::tighten(PolicyDocument& draft, const QString& parameter, double value, QString* error) {
  const int index = draft.indexOfParameter(parameter.toStdString());
  if (index < 0 || !velocityParameters(draft.data()).contains(parameter)) {
    if (error) *error = QObject::tr("%1 is not a velocity threshold of this policy").arg(parameter);
    return false;
  }
  const double current = draft.rows<Parameter>()[static_cast<std::size_t>(index)].value.number;
  if (value >= current || value < 0) {
    if (error) *error = QObject::tr("tightening %1 means a value below %2").arg(parameter).arg(current);
    return false;
  }
  return pushRowEdit<Parameter>(&draft, index, [&](Parameter& p) { p.value.number = value; },
                                QObject::tr("Quick action: tighten %1 from %2 to %3").arg(parameter).arg(current).arg(value));
}

QuickActionDialog::QuickActionDialog(PolicyDocument& draft, QWidget* parent)
    : QDialog(parent),
      draft_(draft),
      action_(new QComboBox),
      pages_(new QStackedWidget),
      value_(new QLineEdit),
      parameter_(new QComboBox),
      threshold_(new QDoubleSpinBox),
      preview_(new QLabel) {
  setWindowTitle(tr("Fraud quick action"));
  value_->setObjectName(QStringLiteral("quickActionValue"));
  value_->setPlaceholderText(tr("e.g. NL91 ABNA 0417 1643 00"));
  auto* layout = new QVBoxLayout(this);
  action_->addItems({tr("Block an IBAN"), tr("Block an e-mail address"), tr("Block a device id"), tr("Block a postcode"),
                     tr("Tighten a velocity threshold")});
  layout->addWidget(action_);

  auto* blockPage = new QWidget;
  auto* blockForm = new QFormLayout(blockPage);
  blockForm->addRow(tr("Value"), value_);
  auto* tightenPage = new QWidget;
  auto* tightenForm = new QFormLayout(tightenPage);
  parameter_->addItems(QuickActions::velocityParameters(draft.data()));
  threshold_->setRange(0, 1e6);
  threshold_->setDecimals(0);
  tightenForm->addRow(tr("Threshold"), parameter_);
  tightenForm->addRow(tr("New value"), threshold_);
  pages_->addWidget(blockPage);
  pages_->addWidget(tightenPage);
  layout->addWidget(pages_);
  preview_->setWordWrap(true);
  layout->addWidget(preview_);
  layout->addWidget(new QLabel(tr("<i>The change goes into the draft as one undoable step; publish it through the "
                                  "approval flow (Publish view).</i>")));
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
  buttons->button(QDialogButtonBox::Ok)->setText(tr("Apply to draft"));
  layout->addWidget(buttons);

  connect(action_, &QComboBox::currentIndexChanged, this, [this](int i) {
    pages_->setCurrentIndex(i < blockActions ? 0 : 1);
    updatePreview();
  });
  connect(value_, &QLineEdit::textChanged, this, &QuickActionDialog::updatePreview);
  connect(parameter_, &QComboBox::currentIndexChanged, this, [this] {
    const int index = draft_.indexOfParameter(parameter_->currentText().toStdString());
    if (index >= 0) threshold_->setValue(std::max(0.0, draft_.rows<Parameter>()[static_cast<std::size_t>(index)].value.number - 1));
    updatePreview();
  });
  connect(threshold_, &QDoubleSpinBox::valueChanged, this, &QuickActionDialog::updatePreview);
  connect(buttons, &QDialogButtonBox::accepted, this, &QuickActionDialog::apply);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  if (parameter_->count() > 0) emit parameter_->currentIndexChanged(0);
  updatePreview();
}

void QuickActionDialog::updatePreview() {
  const int action = action_->currentIndex();
  if (action < blockActions) {
    const auto kind = static_cast<BlockKind>(action);
    QString error;
    const QString value = value_->text().trimmed().isEmpty() ? QString() : QuickActions::normalise(kind, value_->text(), &error);
    const QString list = QuickActions::listFor(kind);
    const int index = draft_.indexOfList(list.toStdString());
    const auto entries = index < 0 ? 0 : draft_.data().lists[static_cast<std::size_t>(index)].items.size();
    preview_->setText(value.isEmpty() ? (error.isEmpty() ? tr("Adds the value to <b>%1</b> (%2 entries).").arg(list).arg(entries)
                                                         : QStringLiteral("<span style='color:#b00'>%1</span>").arg(error.toHtmlEscaped()))
                                      : tr("Adds <b>%1</b> to <b>%2</b> (%3 entries).").arg(value.toHtmlEscaped(), list).arg(entries));
  } else {
    const int index = draft_.indexOfParameter(parameter_->currentText().toStdString());
    if (index < 0) {
      preview_->setText(tr("This policy has no velocity thresholds."));
      return;
    }
    const Parameter& p = draft_.rows<Parameter>()[static_cast<std::size_t>(index)];
    preview_->setText(tr("<b>%1</b>: %2 -> <b>%3</b>. %4")
                          .arg(parameter_->currentText())
                          .arg(p.value.number)
                          .arg(threshold_->value())
                          .arg(QString::fromStdString(p.description).toHtmlEscaped()));
  }
}

void QuickActionDialog::apply() {
  QString error;
  const int action = action_->currentIndex();
  const bool ok = action < blockActions
                      ? QuickActions::block(draft_, static_cast<BlockKind>(action), value_->text(), &error)
                      : QuickActions::tighten(draft_, parameter_->currentText(), threshold_->value(), &error);
  if (!ok) {
    QMessageBox::warning(this, tr("Quick action"), error);
    return;
  }
  summary_ = draft_.undoStack()->text(draft_.undoStack()->index() - 1);
  accept();
}

}  // namespace verdict::studio
