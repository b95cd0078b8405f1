#include "app/studio_main.hpp"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QSettings>
#include <QTextStream>
#include <QTimer>

#include "app/main_window.hpp"
#include "app/studio_context.hpp"
#include "app/view_registry.hpp"
#include "views/policy_editor_view.hpp"
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
  parser.addOptions({draft, view, screenshots, history, simulate, rule});
  parser.process(app);

  QSettings settings;
  StudioContext context(ConnectionSettings::load(settings));
  ViewRegistry registry;
  registerStudioViews(registry);
  MainWindow window(context, registry);
  if (parser.isSet(draft)) {
    if (!window.openDraft(parser.value(draft))) return 1;
  } else {
    context.draft().load(context.baseline());
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
    QTimer::singleShot(0, &window, [&window, dir] {
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
      QApplication::quit();
    });
  }
  return QApplication::exec();
}

}  // namespace verdict::studio
