// The assembled studio: every registered view is in the navigation, the draft opens from the
// sample, the changes view follows edits, and the publish view runs the four-eyes flow for two
// users of one embedded policy folder, after which the published version is the new baseline.
#include <QtTest/QtTest>

#include "app/connection_dialog.hpp"
#include "app/main_window.hpp"
#include "document/commands.hpp"
#include "studio_support.hpp"
#include "views/diff_view.hpp"
#include "views/diff_widget.hpp"
#include "store/approval_store.hpp"
#include "views/publish_view.hpp"

using namespace verdict;
using namespace verdict::studio;

class TestMainWindow : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

  ConnectionSettings settingsFor(const QString& user) const {
    ConnectionSettings s = ConnectionSettings::defaults();
    s.policyDirectory = dir_.filePath("policies");
    s.sqlitePath = dir_.filePath("verdict.sqlite");
    s.userName = user;
    return s;
  }

 private slots:
  void initTestCase() {
    // Embedded four eyes: the roles are the embedded store's (verdict grant-role).
    const std::string file = dir_.filePath("verdict.sqlite").toStdString();
    for (auto [user, role] : {std::pair{"alice", store::Role::Analyst}, std::pair{"alice", store::Role::Approver},
                              std::pair{"bob", store::Role::Analyst}, std::pair{"bob", store::Role::Approver}})
      QVERIFY(store::grant_sqlite_role(file, user, role, "setup"));
  }

  void everyViewIsRegisteredAndShown() {
    StudioContext context(settingsFor("alice"));
    ViewRegistry registry;
    registerStudioViews(registry);
    MainWindow window(context, registry);
    QCOMPARE(window.viewIds(),
             (QStringList{"policy", "simulation", "diff", "publish", "approvals", "rollout", "history", "reviews", "decisions", "charts"}));
    for (const QString& id : window.viewIds()) {
      QVERIFY(window.showView(id));
      QVERIFY(window.view(id)->isVisibleTo(&window));
    }
    QVERIFY(!window.showView("nothing"));
  }

  void connectionSettingsAndTheirTest() {
    ConnectionSettings s = settingsFor("carol");
    s.sqlitePath = dir_.filePath("embedded/verdict.sqlite");
    QCOMPARE(ConnectionDialog::test(s), QString());  // embedded: created on the spot
    QVERIFY(QFile::exists(s.sqlitePath));
    s.mode = ConnectionSettings::Mode::Production;
    s.postgresUrl = "postgresql://postgres:secret@127.0.0.1:1/verdict";
    const QString error = ConnectionDialog::test(s);
    QVERIFY2(error.startsWith("PostgreSQL:"), qPrintable(error));
    QVERIFY(!s.describe().contains("secret"));  // never show a password

    QSettings stored(dir_.filePath("studio.ini"), QSettings::IniFormat);
    s.save(stored);
    const ConnectionSettings back = ConnectionSettings::load(stored);
    QCOMPARE(back.mode, ConnectionSettings::Mode::Production);
    QCOMPARE(back.postgresUrl, s.postgresUrl);
    QCOMPARE(back.userName, QString("carol"));
  }

  void productionThatCannotBeReachedKeepsTheStudioUsable() {
    ConnectionSettings s = settingsFor("dave");
    s.mode = ConnectionSettings::Mode::Production;
    s.postgresUrl = "postgresql://dave@127.0.0.1:1/verdict";
    StudioContext context(s);
    QVERIFY2(context.connectionError().startsWith("PostgreSQL:"), qPrintable(context.connectionError()));
    QVERIFY(context.publisher()->describe().contains("local policy files"));
    context.draft().load(context.baseline());
    QCOMPARE(context.draft().rowCount<Rule>(), 30);
  }

  void changesFollowTheDraft() {
    StudioContext context(settingsFor("alice"));
    context.draft().load(context.baseline());
    DiffView view(context);
    view.refresh();
    QVERIFY(view.diff()->diff()["identical"].get<bool>());
    pushRowEdit<Rule>(&context.draft(), 0, [](Rule& r) { r.enabled = false; }, "disable");
    view.refresh();
    QVERIFY(!view.diff()->diff()["identical"].get<bool>());
    QCOMPARE(view.diff()->diff()["rules"]["changed"].size(), std::size_t{1});
    QVERIFY(view.diff()->text().contains("enabled: true -> false"));
  }

  void fourEyesThroughThePublishView() {
    StudioContext context(settingsFor("alice"));
    context.draft().load(context.baseline());
    const int minAge = context.draft().indexOfParameter("min_age");
    pushRowEdit<Parameter>(&context.draft(), minAge, [](Parameter& p) { p.value.number = 21; }, "min age");
    PublishView view(context);
    QVERIFY(!view.requestApproval(""));
    QVERIFY(view.lastMessage().contains("comment"));
    QVERIFY(view.requestApproval("minimum age 21 for device credit"));
    QVERIFY(!view.review(0, true, "fine"));
    QVERIFY2(view.lastMessage().contains("four eyes"), qPrintable(view.lastMessage()));

    context.setSettings(settingsFor("bob"));
    QVERIFY(view.review(0, true, "simulated, acceptable"));
    QVERIFY2(view.publish(0), qPrintable(view.lastMessage()));
    QVERIFY(context.baselineLabel().contains("v2"));
    QCOMPARE(context.baseline().parameters[static_cast<std::size_t>(minAge)].value.number, 21.0);
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
