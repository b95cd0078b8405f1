// Fraud quick actions: values normalised as the engine normalises applications, one undo step per
// action, refusals that say why — and the blocked value really changes the decision.
#include <QtTest/QtTest>

#include "document/policy_document.hpp"
#include "files/policy_files.hpp"
#include "studio_support.hpp"
#include "test_support.hpp"
#include "views/quick_action_dialog.hpp"

using namespace verdict;
using namespace verdict::studio;

class TestQuickActions : public QObject {
  Q_OBJECT
  studio::PolicyDocument* document_ = nullptr;

  std::vector<std::string> items(const QString& list) const {
    const int i = document_->indexOfList(list.toStdString());
    return i < 0 ? std::vector<std::string>{} : document_->data().lists[static_cast<std::size_t>(i)].items;
  }

 private slots:
  void init() {
    document_ = new studio::PolicyDocument(this);
    document_->load(studio::test::samplePolicy());
  }
  void cleanup() { delete document_; }

  void normalisesLikeTheEngine() {
    QString error;
    QCOMPARE(QuickActions::normalise(BlockKind::Iban, " nl91 abna 0417 1643 00 ", &error), QString("NL91ABNA0417164300"));
    QVERIFY(QuickActions::normalise(BlockKind::Iban, "NL91ABNA0417164301", &error).isEmpty());
    QVERIFY(error.contains("check digits"));
    QCOMPARE(QuickActions::normalise(BlockKind::Email, " Fraud@Example.NL ", &error), QString("fraud@example.nl"));
    QVERIFY(QuickActions::normalise(BlockKind::Email, "nobody", &error).isEmpty());
    QCOMPARE(QuickActions::normalise(BlockKind::Postcode, "1234 ab", &error), QString("1234AB"));
    QVERIFY(QuickActions::normalise(BlockKind::Postcode, "0123AB", &error).isEmpty());
    QVERIFY(QuickActions::normalise(BlockKind::Device, "dev 1", &error).isEmpty());
  }

  void blockIsOneUndoStep() {
    const auto before = items("blocked_ibans");
    QString error;
    QVERIFY2(QuickActions::block(*document_, BlockKind::Iban, "NL91 ABNA 0417 1643 00", &error), qPrintable(error));
    QCOMPARE(items("blocked_ibans").size(), before.size() + 1);
    QCOMPARE(items("blocked_ibans").back(), std::string("NL91ABNA0417164300"));
    QCOMPARE(document_->undoStack()->count(), 1);
    QVERIFY(document_->undoStack()->text(0).contains("NL91ABNA0417164300"));
    QVERIFY(!QuickActions::block(*document_, BlockKind::Iban, "NL91ABNA0417164300", &error));
    QVERIFY(error.contains("already"));
    document_->undoStack()->undo();
    QCOMPARE(items("blocked_ibans"), before);
  }

  void aMissingListIsCreatedInTheSameStep() {
    verdict::PolicyDocument d = studio::test::samplePolicy();
    std::erase_if(d.lists, [](const NamedList& l) { return l.name == "blocked_devices"; });
    for (auto& r : d.rules)
      if (r.condition.find("lists.blocked_devices") != std::string::npos) r.condition = "applicant.email in lists.blocked_emails";
    document_->load(d);
    QString error;
    QVERIFY(QuickActions::block(*document_, BlockKind::Device, "dev-42", &error));
    QCOMPARE(items("blocked_devices"), std::vector<std::string>{"dev-42"});
    QCOMPARE(document_->undoStack()->count(), 1);
    document_->undoStack()->undo();
    QCOMPARE(document_->indexOfList("blocked_devices"), -1);
  }

  void blockingChangesTheDecision() {
    Case c = verdict::test::sample_case();
    auto compile = [](const verdict::PolicyDocument& d) { return *CompiledPolicy::compile(d, files::policy_content_hash(d)); };
    QCOMPARE(compile(document_->data())->explain(c).outcome, Outcome::Accept);
    QString error;
    QVERIFY(QuickActions::block(*document_, BlockKind::Email, QString::fromStdString(c.application.applicant.email), &error));
    const Decision d = compile(document_->data())->explain(c);
    QCOMPARE(d.outcome, Outcome::Reject);
    QVERIFY(std::any_of(d.reasons.begin(), d.reasons.end(), [](const Reason& r) { return r.rule_id == "blocklist.contact"; }));
  }

  void tightenOnlyLowers() {
    const QStringList velocity = QuickActions::velocityParameters(document_->data());
    QVERIFY(velocity.contains("max_iban_applicants_24h"));
    QVERIFY(!velocity.contains("min_age"));
    const int i = document_->indexOfParameter("max_iban_applicants_24h");
    const double current = document_->rows<Parameter>()[static_cast<std::size_t>(i)].value.number;
    QString error;
    QVERIFY(!QuickActions::tighten(*document_, "max_iban_applicants_24h", current + 1, &error));
    QVERIFY(error.contains("below"));
    QVERIFY(!QuickActions::tighten(*document_, "min_age", 10, &error));
    QVERIFY(QuickActions::tighten(*document_, "max_iban_applicants_24h", current - 1, &error));
    QCOMPARE(document_->rows<Parameter>()[static_cast<std::size_t>(i)].value.number, current - 1);
    document_->undoStack()->undo();
    QCOMPARE(document_->rows<Parameter>()[static_cast<std::size_t>(i)].value.number, current);
  }
};

QTEST_MAIN(TestQuickActions)
#include "test_quick_actions.moc"
