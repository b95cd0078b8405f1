#include "lang/parser/parser.hpp"

#include <QtTest/QtTest>

using namespace verdict::lang;

namespace {
/// Fully parenthesised rendering of the tree, to check precedence and associativity.
std::string render(const Ast& ast, std::uint32_t i) {
  const Node& n = ast.nodes[i];
  switch (n.kind) {
    case NodeKind::BoolLit: return n.boolean ? "true" : "false";
    case NodeKind::NumberLit: {
      std::string s = std::to_string(n.number);
      s.erase(s.find_last_not_of('0') + 1);
      if (s.back() == '.') s.pop_back();
      return s;
    }
    case NodeKind::MoneyLit: return std::to_string(n.cents) + "c";
    case NodeKind::StringLit: return "\"" + n.text + "\"";
    case NodeKind::Path: return n.text;
    case NodeKind::ListLit: {
      std::string s = "[";
      for (std::size_t k = 0; k < n.children.size(); ++k) s += (k ? "," : "") + render(ast, n.children[k]);
      return s + "]";
    }
    case NodeKind::Call: {
      std::string s = n.text + "(";
      for (std::size_t k = 0; k < n.children.size(); ++k) s += (k ? "," : "") + render(ast, n.children[k]);
      return s + ")";
    }
    case NodeKind::Not: return "(not " + render(ast, n.children[0]) + ")";
    case NodeKind::Neg: return "(-" + render(ast, n.children[0]) + ")";
    default:
      return "(" + render(ast, n.children[0]) + " " + std::string(describe(n.kind)) + " " + render(ast, n.children[1]) + ")";
  }
}
}  // namespace

class ParserTest : public QObject {
  Q_OBJECT
 private slots:
  void precedence_data() {
    QTest::addColumn<QString>("source");
    QTest::addColumn<QString>("tree");
    QTest::newRow("and binds tighter than or") << "a or b and c" << "(a or (b and c))";
    QTest::newRow("not binds looser than comparison") << "not a == b" << "(not (a == b))";
    QTest::newRow("not binds tighter than and") << "not a and b" << "((not a) and b)";
    QTest::newRow("comparison looser than arithmetic") << "a + 1 > b * 2" << "((a + 1) > (b * 2))";
    QTest::newRow("mul before add") << "1 + 2 * 3 - 4" << "((1 + (2 * 3)) - 4)";
    QTest::newRow("left associative") << "a - b - c" << "((a - b) - c)";
    QTest::newRow("division left assoc") << "a / b / c" << "((a / b) / c)";
    QTest::newRow("unary minus") << "-a * b" << "((-a) * b)";
    QTest::newRow("parentheses") << "(a or b) and c" << "((a or b) and c)";
    QTest::newRow("in") << "x in [\"a\", \"b\"] or y" << "((x in [\"a\",\"b\"]) or y)";
    QTest::newRow("not in") << "x not in lists.l" << "(x not in lists.l)";
    QTest::newRow("money literal") << "a > 250 EUR" << "(a > 25000c)";
    QTest::newRow("money decimals") << "a > 9.99 EUR" << "(a > 999c)";
    QTest::newRow("call") << "days_between(a, b) > 30" << "(days_between(a,b) > 30)";
    QTest::newRow("nested path") << "applicant.id_document.type == \"passport\"" << "(applicant.id_document.type == \"passport\")";
    QTest::newRow("double not") << "not not a" << "(not (not a))";
  }
  void precedence() {
    QFETCH(QString, source);
    QFETCH(QString, tree);
    Diagnostics d;
    auto ast = parse(source.toStdString(), d);
    QVERIFY2(ast.has_value(), d.empty() ? "" : d[0].message.c_str());
    QCOMPARE(QString::fromStdString(render(*ast, ast->root)), tree);
  }

  void syntax_errors_data() {
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("message");
    QTest::newRow("empty") << "" << 1 << 1 << "empty";
    QTest::newRow("missing operand") << "a and" << 1 << 6 << "expected a value";
    QTest::newRow("unclosed paren") << "(a or b" << 1 << 8 << "to close '('";
    QTest::newRow("chained comparison") << "1 < a < 3" << 1 << 7 << "do not chain";
    QTest::newRow("trailing tokens") << "a b" << 1 << 3 << "after a complete expression";
    QTest::newRow("dot without name") << "a. == 1" << 1 << 4 << "after '.'";
    QTest::newRow("operator as value") << "and a" << 1 << 1 << "operator 'and'";
    QTest::newRow("second line") << "a and\n (b or )" << 2 << 8 << "expected a value";
    QTest::newRow("three money decimals") << "a > 1.234 EUR" << 1 << 5 << "two decimals";
    QTest::newRow("unclosed list") << "x in [\"a\"" << 1 << 10 << "close the list";
  }
  void syntax_errors() {
    QFETCH(QString, source);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, message);
    Diagnostics d;
    QVERIFY(!parse(source.toStdString(), d).has_value());
    QCOMPARE(d.size(), std::size_t(1));
    QVERIFY2(QString::fromStdString(d[0].message).contains(message), d[0].message.c_str());
    QCOMPARE(int(d[0].pos.line), line);
    QCOMPARE(int(d[0].pos.column), column);
  }

  void nesting_is_bounded() {
    Diagnostics d;
    const std::string deep = std::string(200, '(') + "a" + std::string(200, ')');
    QVERIFY(!parse(deep, d).has_value());
    QVERIFY(QString::fromStdString(d[0].message).contains("nested too deeply"));
    d.clear();
    const std::string nots = [] { std::string s; for (int i = 0; i < 500; ++i) s += "not "; return s + "a"; }();
    QVERIFY(!parse(nots, d).has_value());
  }
};

QTEST_APPLESS_MAIN(ParserTest)
#include "test_parser.moc"
