// Evaluation allocates nothing: every global allocation is counted while the sample policy runs.
#include <QtTest/QtTest>

#include <atomic>
#include <cstdlib>
#include <new>

#include "history/generator.hpp"
#include "history/history.hpp"
#include "test_support.hpp"

#include "counting_allocator.hpp"

using verdict::test::heap_allocations;

using namespace verdict;

class AllocationTest : public QObject {
  Q_OBJECT
 private slots:
  void evaluation_does_not_allocate() {
    history::HistoryTable table;
    for (std::uint64_t i = 0; i < 5000; ++i) table.add(history::generate_case({}, i));
    const auto view = history::view_of(table);
    auto policy = test::sample_policy();
    EvalScratch scratch = policy->make_scratch();
    std::array<std::size_t, 4> outcomes{};

    const std::size_t before = heap_allocations.load();
    for (std::size_t i = 0; i < view.size(); ++i) ++outcomes[static_cast<std::size_t>(policy->evaluate(view.at(i), scratch))];
    const std::size_t during = heap_allocations.load() - before;

    QCOMPARE(during, std::uint64_t(0));
    // The run did real work: several outcomes occurred.
    QVERIFY(outcomes[0] > 0 && outcomes[1] > 0 && outcomes[3] > 0);
  }

  void the_counter_counts() {
    const std::size_t before = heap_allocations.load();
    auto* p = new std::string(100, 'x');
    delete p;
    QVERIFY(heap_allocations.load() - before >= 2);
  }
};

QTEST_APPLESS_MAIN(AllocationTest)
#include "test_allocations.moc"
