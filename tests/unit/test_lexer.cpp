#include "lang/lexer/lexer.hpp"

#include <QtTest/QtTest>

using namespace verdict::lang;

class LexerTest : public QObject {
  Q_OBJECT
 private slots:
  void tokens_and_positions() {
    Diagnostics d;
    const auto tokens = tokenize("applicant.age >= 18 and\n  x != \"a\\\"b\"", d);
    QVERIFY(d.empty());
    const std::vector<TokenKind> kinds{TokenKind::Identifier, TokenKind::Dot, TokenKind::Identifier, TokenKind::Ge,
                                       TokenKind::Number,     TokenKind::Identifier, TokenKind::Identifier,
                                       TokenKind::Ne,         TokenKind::String, TokenKind::End};
    QCOMPARE(tokens.size(), kinds.size());
    for (std::size_t i = 0; i < kinds.size(); ++i) QCOMPARE(int(tokens[i].kind), int(kinds[i]));
    QCOMPARE(tokens[3].pos.column, 15u);
    QCOMPARE(tokens[6].pos.line, 2u);
    QCOMPARE(tokens[6].pos.column, 3u);
    QCOMPARE(tokens[8].value, std::string("a\"b"));
  }

  void all_operators() {
    Diagnostics d;
    const auto tokens = tokenize("( ) [ ] , . == != < <= > >= + - * /", d);
    QVERIFY(d.empty());
    QCOMPARE(tokens.size(), std::size_t(17));
    QCOMPARE(int(tokens[9].kind), int(TokenKind::Le));
    QCOMPARE(int(tokens[15].kind), int(TokenKind::Slash));
  }

  void numbers_with_decimals_and_separators() {
    Diagnostics d;
    const auto tokens = tokenize("1_000.50 EUR 3.x", d);
    QVERIFY(d.empty());
    QCOMPARE(tokens[0].text, std::string_view("1_000.50"));
    QCOMPARE(int(tokens[1].kind), int(TokenKind::Identifier));
    QCOMPARE(tokens[2].text, std::string_view("3"));  // "3." followed by a name is a number then a dot
  }

  void comments_are_skipped() {
    Diagnostics d;
    const auto tokens = tokenize("a # the rest is a comment\n b", d);
    QVERIFY(d.empty());
    QCOMPARE(tokens.size(), std::size_t(3));
    QCOMPARE(tokens[1].pos.line, 2u);
  }

  void errors_name_position_and_fix_data() { QTest::addColumn<QString>("source"); QTest::addColumn<int>("column"); QTest::addColumn<QString>("message");
    QTest::newRow("single =") << "a = 1" << 3 << "use '=='";
    QTest::newRow("bang") << "!a" << 1 << "use 'not'";
    QTest::newRow("ampersand") << "a && b" << 3 << "use 'and'";
    QTest::newRow("pipe") << "a || b" << 3 << "use 'or'";
    QTest::newRow("unclosed string") << "x == \"abc" << 6 << "not closed";
    QTest::newRow("stray char") << "a $ b" << 3 << "unexpected character '$'";
    QTest::newRow("number into name") << "12abc" << 1 << "may not run into a name";
    QTest::newRow("bad escape") << "\"a\\qb\"" << 3 << "unknown escape";
  }
  void errors_name_position_and_fix() {
    QFETCH(QString, source);
    QFETCH(int, column);
    QFETCH(QString, message);
    Diagnostics d;
    tokenize(source.toStdString(), d);
    QCOMPARE(d.size(), std::size_t(1));
    QCOMPARE(int(d[0].pos.column), column);
    QVERIFY2(QString::fromStdString(d[0].message).contains(message), d[0].message.c_str());
  }
};

QTEST_APPLESS_MAIN(LexerTest)
#include "test_lexer.moc"
