#pragma once
// Publishing with four eyes: the draft's changes against the live version, a mandatory comment and
// "request approval"; the requests with approve / reject (by someone other than the author, with a
// comment) and publish; and the published versions. Everything goes through the PolicyPublisher.
#include <QWidget>

#include "app/studio_context.hpp"

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;

namespace verdict::studio {

class DiffWidget;

class PublishView : public QWidget {
  Q_OBJECT
 public:
  PublishView(StudioContext& context, QWidget* parent = nullptr);

  /// Re-reads requests and history from the publisher.
  void refresh();
  bool requestApproval(const QString& comment);
  bool review(int row, bool approve, const QString& comment);
  bool publish(int row);
  QString lastMessage() const;

 private:
  QString selectedRequest(int row) const;
  void say(const QString& message, bool error);

  StudioContext& context_;
  DiffWidget* diff_;
  QLabel* changes_;
  QPlainTextEdit* comment_;
  QPushButton* request_;
  QLabel* user_;
  QLabel* message_;
  QTableWidget* requests_;
  QTableWidget* history_;
  std::vector<QString> requestIds_;
};

}  // namespace verdict::studio
