#include "views/diff_view.hpp"

#include <QApplication>
#include <QClipboard>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include "views/diff_widget.hpp"

namespace verdict::studio {

DiffView::DiffView(StudioContext& context, QWidget* parent)
    : QWidget(parent), context_(context), diff_(new DiffWidget), summary_(new QLabel) {
  auto* layout = new QVBoxLayout(this);
  auto* bar = new QHBoxLayout;
  bar->addWidget(summary_, 1);
  auto* copy = new QPushButton(QIcon::fromTheme(QStringLiteral("edit-copy")), tr("Copy as text"));
  bar->addWidget(copy);
  layout->addLayout(bar);
  diff_->setObjectName(QStringLiteral("policyDiff"));
  layout->addWidget(diff_, 1);
  debounce_.setSingleShot(true);
  debounce_.setInterval(250);
  connect(&debounce_, &QTimer::timeout, this, &DiffView::refresh);
  connect(&context_.draft(), &PolicyDocument::contentChanged, &debounce_, qOverload<>(&QTimer::start));
  connect(&context_, &StudioContext::baselineChanged, &debounce_, qOverload<>(&QTimer::start));
  connect(copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(diff_->text()); });
  refresh();
}

void DiffView::refresh() {
  const int changes = diff_->showDiff(context_.baseline(), context_.draft().data());
  summary_->setText(changes == 0 ? tr("The draft is identical to %1.").arg(context_.baselineLabel())
                                 : tr("<b>%n change(s)</b> from %1 to the draft.", nullptr, changes)
                                       .arg(context_.baselineLabel().toHtmlEscaped()));
}

}  // namespace verdict::studio
