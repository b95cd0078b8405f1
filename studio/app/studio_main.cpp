#include "app/studio_main.hpp"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QSettings>
#include <QTextStream>
#include <QTimer>

#include "app/main_window.hpp"
#include "app/studio_context.hpp"
#include "app/view_registry.hpp"
#include "views/policy_editor_view.hpp"
#include "views/publish_view.hpp"
#include "views/quick_action_dialog.hpp"
#include "views/simulation_view.hpp"

namespace verdict::studio {

int studioMain(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("Verdict"));
  QApplication::setApplicationName(QStringLiteral("Verdict Studio"));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Verdict Studio: edit, simulate and publish acceptance policies"));
  parser.addHelpOption();
  const QCommandLineOption draft(QStringLiteral("draft"), QStringLiteral("open this policy file as the draft"),
                                 QStringLiteral("file"));
  const QCommandLineOption view(QStringLiteral("view"), QStringLiteral("show this view first"), QStringLiteral("id"));
  const QCommandLineOption screenshots(QStringLiteral("screenshots"),
                                       QStringLiteral("render every view to DIR/<view>.png and quit"),
                                       QStringLiteral("dir"));
  const QCommandLineOption history(QStringLiteral("history"), QStringLiteral("load this history for simulation"),
                                   QStringLiteral("file"));
  const QCommandLineOption simulate(QStringLiteral("simulate"), QStringLiteral("simulate once the history is loaded"));
  const QCommandLineOption rule(QStringLiteral("rule"), QStringLiteral("select this rule in the editor"),
                                QStringLiteral("id"));
  const QCommandLineOption user(QStringLiteral("user"), QStringLiteral("act as this user (embedded mode)"),
                                QStringLiteral("name"));
  const QCommandLineOption requestApproval(QStringLiteral("request-approval"),
                                           QStringLiteral("send the draft for approval with this comment at start-up"),
                                           QStringLiteral("comment"));
  parser.addOptions({draft, view, screenshots, history, simulate, rule, user, requestApproval});
  parser.process(app);

  QSettings settings;
  ConnectionSettings connection = ConnectionSettings::load(settings);
  if (parser.isSet(user)) connection.userName = parser.value(user);
  StudioContext context(connection);
  ViewRegistry registry;
  registerStudioViews(registry);
  MainWindow window(context, registry);
  if (parser.isSet(draft)) {
    if (!window.openDraft(parser.value(draft))) return 1;
  } else {
    context.draft().load(context.baseline());
  }
  if (parser.isSet(requestApproval)) {
    auto id = context.publisher()->requestApproval(context.proposal(), parser.value(requestApproval));
    if (!id) {
      QTextStream(stderr) << "request approval: " << id.error() << "\n";
      return 1;
    }
    if (auto* publish = qobject_cast<PublishView*>(window.view(QStringLiteral("publish")))) publish->refresh();
  }
  if (parser.isSet(history)) {
    if (auto* simulation = qobject_cast<SimulationView*>(window.view(QStringLiteral("simulation")))) {
      if (parser.isSet(simulate)) simulation->runWhenReady();
      simulation->openHistory(parser.value(history));
    }
  }
  if (parser.isSet(rule))
    if (auto* editor = qobject_cast<PolicyEditorView*>(window.view(QStringLiteral("policy"))))
      editor->selectRule(parser.value(rule));
  if (parser.isSet(view)) window.showView(parser.value(view));
  window.show();
  if (parser.isSet(screenshots)) {
    const QString dir = parser.value(screenshots);
    QDir().mkpath(dir);
    window.resize(1600, 1000);
    QTimer::singleShot(0, &window, [&window, &context, dir] {
      for (const QString& id : window.viewIds()) {
        window.showView(id);
        // Let debounced work (compilation, checks) finish and the view lay itself out.
        QElapsedTimer settle;
        settle.start();
        auto* work = dynamic_cast<BackgroundWork*>(window.view(id));
        while (settle.elapsed() < 1200 || (work && work->busy() && settle.elapsed() < 600'000))
          QApplication::processEvents(QEventLoop::AllEvents, 50);
        const QString file = QDir(dir).filePath(id + QStringLiteral(".png"));
        if (!window.grab().save(file)) QTextStream(stderr) << "cannot write " << file << "\n";
        else QTextStream(stdout) << file << "\n";
      }
      // The fraud quick action dialog, filled in as an analyst would.
      QuickActionDialog quick(context.draft(), &window);
      if (auto* value = quick.findChild<QLineEdit*>(QStringLiteral("quickActionValue"))) value->setText(QStringLiteral("NL91 ABNA 0417 1643 00"));
      quick.show();
      QElapsedTimer settle;
      settle.start();
      while (settle.elapsed() < 500) QApplication::processEvents(QEventLoop::AllEvents, 50);
      const QString file = QDir(dir).filePath(QStringLiteral("quick-action.png"));
      if (quick.grab().save(file)) QTextStream(stdout) << file << "\n";
      QApplication::quit();
    });
  }
  return QApplication::exec();
}

}  // namespace verdict::studio
