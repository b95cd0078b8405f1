#pragma once
// Fraud quick actions: block an IBAN, e-mail address, device id or postcode (add it to the named
// list the policy checks), or tighten a velocity threshold — a few clicks that make one small,
// undoable draft edit through the same commands as the editor. Values are normalised the way
// the engine normalises applications (IBAN upper case without spaces, postcode "1234AB", e-mail
// lower case), so the entry matches.
#include <QDialog>

#include "document/policy_document.hpp"

class QComboBox;
class QLineEdit;
class QDoubleSpinBox;
class QLabel;
class QStackedWidget;

namespace verdict::studio {

enum class BlockKind { Iban, Email, Device, Postcode };

struct QuickActions {
  /// The named list a kind goes to (blocked_ibans, blocked_emails, blocked_devices, blocked_postcodes).
  static QString listFor(BlockKind kind);
  /// Normalises and validates a value; empty with `error` when it is not one.
  static QString normalise(BlockKind kind, const QString& raw, QString* error);
  /// Adds the value to its list (creating the list if the draft has none) as one undo step.
  static bool block(PolicyDocument& draft, BlockKind kind, const QString& raw, QString* error);
  /// Velocity thresholds: number parameters with a time window in their name (_24h, _7d, _30d).
  static QStringList velocityParameters(const verdict::PolicyDocument& draft);
  /// Lowers a velocity threshold; refuses a value that would loosen it.
  static bool tighten(PolicyDocument& draft, const QString& parameter, double value, QString* error);
};

class QuickActionDialog : public QDialog {
  Q_OBJECT
 public:
  explicit QuickActionDialog(PolicyDocument& draft, QWidget* parent = nullptr);
  /// What the last accepted action did, for the status bar.
  QString summary() const { return summary_; }

 private:
  void updatePreview();
  void apply();

  PolicyDocument& draft_;
  QComboBox* action_;
  QStackedWidget* pages_;
  QLineEdit* value_;
  QComboBox* parameter_;
  QDoubleSpinBox* threshold_;
  QLabel* preview_;
  QString summary_;
};

}  // namespace verdict::studio
