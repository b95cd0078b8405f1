#pragma once
// Decision lookup for compliance: a stored decision by id, or an applicant's decisions by their
// identifiers (hashed here with the daemon's identifier key, never sent or stored in the clear);
// the full record and its explanation; and its replay under the policy version it was made with —
// which must reproduce it exactly, and says so, or names every difference — and under the draft.
#include <QWidget>
#include <optional>

#include "app/studio_context.hpp"
#include "compliance/replay.hpp"
#include "store/decision_store.hpp"

class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;

namespace verdict::studio {

class DecisionView : public QWidget {
  Q_OBJECT
 public:
  DecisionView(StudioContext& context, QWidget* parent = nullptr);

  /// Shows decision `id` and replays it under its own version; false with the reason shown.
  bool lookup(const QString& id);
  /// Lists the applicant's decisions; returns how many (-1 when the store failed).
  int findCustomer(const QString& lastName, const QString& dateOfBirth, const QString& postcode,
                   const QString& houseNumber, const QString& identifierKey);
  /// Replays the shown decision under the studio's draft.
  std::optional<compliance::ReplayResult> replayUnderDraft();

  const std::optional<compliance::ReplayResult>& originalReplay() const { return original_; }
  QString replayText() const;
  QString recordText() const;
  QString lastMessage() const;
  QListWidget& customerDecisions() { return *found_; }

 private:
  void say(const QString& message, bool error);

  StudioContext& context_;
  QLineEdit* id_;
  QLineEdit* lastName_;
  QLineEdit* birth_;
  QLineEdit* postcode_;
  QLineEdit* house_;
  QLineEdit* key_;
  QListWidget* found_;
  QPlainTextEdit* record_;
  QPlainTextEdit* replay_;
  QLabel* message_;
  std::optional<store::DecisionRecord> shown_;
  std::optional<compliance::ReplayResult> original_;
};

}  // namespace verdict::studio
