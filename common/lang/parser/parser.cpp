#include "lang/parser/parser.hpp"

#include <charconv>

#include "lang/lexer/lexer.hpp"

namespace verdict::lang {

std::string_view describe(NodeKind k) {
  switch (k) {
    case NodeKind::BoolLit: return "boolean";
    case NodeKind::NumberLit: return "number";
    case NodeKind::MoneyLit: return "money";
    case NodeKind::StringLit: return "string";
    case NodeKind::ListLit: return "list";
    case NodeKind::Path: return "name";
    case NodeKind::Call: return "call";
    case NodeKind::Not: return "not";
    case NodeKind::Neg: return "-";
    case NodeKind::And: return "and";
    case NodeKind::Or: return "or";
    case NodeKind::Eq: return "==";
    case NodeKind::Ne: return "!=";
    case NodeKind::Lt: return "<";
    case NodeKind::Le: return "<=";
    case NodeKind::Gt: return ">";
    case NodeKind::Ge: return ">=";
    case NodeKind::Add: return "+";
    case NodeKind::Sub: return "-";
    case NodeKind::Mul: return "*";
    case NodeKind::Div: return "/";
    case NodeKind::In: return "in";
    case NodeKind::NotIn: return "not in";
  }
  return "?";
}

namespace {

constexpr std::size_t max_depth = 48;

class Parser {
 public:
  Parser(std::vector<Token> tokens, Diagnostics& diagnostics) : tokens_(std::move(tokens)), diagnostics_(diagnostics) {}

  std::optional<Ast> run() {
    const auto root = expression();
    if (!failed_ && peek().kind != TokenKind::End)
      error(peek().pos, "unexpected " + token_text(peek()) + " after a complete expression");
    if (failed_) return std::nullopt;
    ast_.root = *root;
    return std::move(ast_);
  }

 private:
  const Token& peek(std::size_t ahead = 0) const {
    const std::size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  bool keyword(std::string_view word, std::size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::Identifier && peek(ahead).text == word;
  }
  static std::string token_text(const Token& t) {
    if (t.kind == TokenKind::End) return std::string(describe(t.kind));
    return "'" + std::string(t.text) + "'";
  }
  void error(SourcePos pos, std::string message) {
    if (!failed_) diagnostics_.push_back({pos, std::move(message)});
    failed_ = true;
  }
  bool expect(TokenKind kind, std::string_view context) {
    if (peek().kind == kind) {
      next();
      return true;
    }
    error(peek().pos, "expected " + std::string(describe(kind)) + " " + std::string(context) + ", found " +
                          token_text(peek()));
    return false;
  }

  std::uint32_t add(Node node) {
    ast_.nodes.push_back(std::move(node));
    return static_cast<std::uint32_t>(ast_.nodes.size() - 1);
  }
  std::uint32_t binary(NodeKind kind, SourcePos pos, std::uint32_t l, std::uint32_t r) {
    Node n;
    n.kind = kind;
    n.pos = pos;
    n.children = {l, r};
    return add(std::move(n));
  }

  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) { ++p.depth_; }
    ~DepthGuard() { --p.depth_; }
  };

  std::optional<std::uint32_t> expression() {
    DepthGuard guard(*this);
    if (depth_ > max_depth) {
      error(peek().pos, "expression is nested too deeply (more than " + std::to_string(max_depth) + " levels)");
      return std::nullopt;
    }
    return or_expr();
  }

  std::optional<std::uint32_t> or_expr() {
    auto left = and_expr();
    while (left && keyword("or")) {
      const SourcePos pos = next().pos;
      auto right = and_expr();
      if (!right) return std::nullopt;
      left = binary(NodeKind::Or, pos, *left, *right);
    }
    return left;
  }

  std::optional<std::uint32_t> and_expr() {
    auto left = not_expr();
    while (left && keyword("and")) {
      const SourcePos pos = next().pos;
      auto right = not_expr();
      if (!right) return std::nullopt;
      left = binary(NodeKind::And, pos, *left, *right);
    }
    return left;
  }

  std::optional<std::uint32_t> not_expr() {
    if (keyword("not")) {
      DepthGuard guard(*this);
      if (depth_ > max_depth) {
        error(peek().pos, "expression is nested too deeply");
        return std::nullopt;
      }
      const SourcePos pos = next().pos;
      auto operand = not_expr();
      if (!operand) return std::nullopt;
      Node n;
      n.kind = NodeKind::Not;
      n.pos = pos;
      n.children = {*operand};
      return add(std::move(n));
    }
    return comparison();
  }

  std::optional<std::uint32_t> comparison() {
    auto left = additive();
    if (!left) return std::nullopt;
    NodeKind kind{};
    const Token& t = peek();
    std::size_t width = 1;
    switch (t.kind) {
      case TokenKind::Eq: kind = NodeKind::Eq; break;
      case TokenKind::Ne: kind = NodeKind::Ne; break;
      case TokenKind::Lt: kind = NodeKind::Lt; break;
      case TokenKind::Le: kind = NodeKind::Le; break;
      case TokenKind::Gt: kind = NodeKind::Gt; break;
      case TokenKind::Ge: kind = NodeKind::Ge; break;
      default:
        if (keyword("in")) kind = NodeKind::In;
        else if (keyword("not") && keyword("in", 1)) { kind = NodeKind::NotIn; width = 2; }
        else return left;
    }
    const SourcePos pos = t.pos;
    for (std::size_t k = 0; k < width; ++k) next();
    auto right = additive();
    if (!right) return std::nullopt;
    const auto node = binary(kind, pos, *left, *right);
    switch (peek().kind) {
      case TokenKind::Eq: case TokenKind::Ne: case TokenKind::Lt: case TokenKind::Le: case TokenKind::Gt: case TokenKind::Ge:
        error(peek().pos, "comparisons do not chain; join them with 'and'");
        return std::nullopt;
      default: break;
    }
    return node;
  }

  std::optional<std::uint32_t> additive() {
    auto left = multiplicative();
    while (left && (peek().kind == TokenKind::Plus || peek().kind == TokenKind::Minus)) {
      const Token& op = next();
      auto right = multiplicative();
      if (!right) return std::nullopt;
      left = binary(op.kind == TokenKind::Plus ? NodeKind::Add : NodeKind::Sub, op.pos, *left, *right);
    }
    return left;
  }

  std::optional<std::uint32_t> multiplicative() {
    auto left = unary();
    while (left && (peek().kind == TokenKind::Star || peek().kind == TokenKind::Slash)) {
      const Token& op = next();
      auto right = unary();
      if (!right) return std::nullopt;
      left = binary(op.kind == TokenKind::Star ? NodeKind::Mul : NodeKind::Div, op.pos, *left, *right);
    }
    return left;
  }

  std::optional<std::uint32_t> unary() {
    if (peek().kind == TokenKind::Minus) {
      DepthGuard guard(*this);
      if (depth_ > max_depth) {
        error(peek().pos, "expression is nested too deeply");
        return std::nullopt;
      }
      const SourcePos pos = next().pos;
      auto operand = unary();
      if (!operand) return std::nullopt;
      Node n;
      n.kind = NodeKind::Neg;
      n.pos = pos;
      n.children = {*operand};
      return add(std::move(n));
    }
    return primary();
  }

  std::optional<std::uint32_t> number_literal() {
    const Token& t = next();
    std::string digits;
    for (char c : t.text)
      if (c != '_') digits.push_back(c);
    Node n;
    n.pos = t.pos;
    if (keyword("EUR")) {
      next();
      // Money is exact: parse whole euros and at most two decimals without going through double.
      const auto dot = digits.find('.');
      const std::string whole = digits.substr(0, dot);
      std::string frac = dot == std::string::npos ? "" : digits.substr(dot + 1);
      if (frac.size() > 2) {
        error(t.pos, "a money amount has at most two decimals (cents)");
        return std::nullopt;
      }
      while (frac.size() < 2) frac.push_back('0');
      std::int64_t euros = 0, cents = 0;
      auto r1 = std::from_chars(whole.data(), whole.data() + whole.size(), euros);
      std::from_chars(frac.data(), frac.data() + frac.size(), cents);
      if (r1.ec != std::errc{} || euros > 100'000'000'000LL) {
        error(t.pos, "money amount is too large");
        return std::nullopt;
      }
      n.kind = NodeKind::MoneyLit;
      n.cents = euros * 100 + cents;
      return add(std::move(n));
    }
    double value = 0;
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (r.ec != std::errc{}) {
      error(t.pos, "number '" + std::string(t.text) + "' is out of range");
      return std::nullopt;
    }
    n.kind = NodeKind::NumberLit;
    n.number = value;
    return add(std::move(n));
  }

  std::optional<std::uint32_t> primary() {
    const Token& t = peek();
    switch (t.kind) {
      case TokenKind::Number: return number_literal();
      case TokenKind::String: {
        Node n;
        n.kind = NodeKind::StringLit;
        n.pos = t.pos;
        n.text = t.value;
        next();
        return add(std::move(n));
      }
      case TokenKind::LParen: {
        next();
        auto inner = expression();
        if (!inner || !expect(TokenKind::RParen, "to close '('")) return std::nullopt;
        return inner;
      }
      case TokenKind::LBracket: {
        Node n;
        n.kind = NodeKind::ListLit;
        n.pos = next().pos;
        if (peek().kind != TokenKind::RBracket) {
          for (;;) {
            auto item = additive();
            if (!item) return std::nullopt;
            n.children.push_back(*item);
            if (peek().kind == TokenKind::Comma) {
              next();
              continue;
            }
            break;
          }
        }
        if (!expect(TokenKind::RBracket, "to close the list")) return std::nullopt;
        return add(std::move(n));
      }
      case TokenKind::Identifier: {
        if (t.text == "true" || t.text == "false") {
          Node n;
          n.kind = NodeKind::BoolLit;
          n.pos = t.pos;
          n.boolean = t.text == "true";
          next();
          return add(std::move(n));
        }
        if (t.text == "and" || t.text == "or" || t.text == "in") {
          error(t.pos, "expected a value, found the operator '" + std::string(t.text) + "'");
          return std::nullopt;
        }
        Node n;
        n.pos = t.pos;
        n.text = std::string(next().text);
        if (peek().kind == TokenKind::LParen) {
          next();
          n.kind = NodeKind::Call;
          if (peek().kind != TokenKind::RParen) {
            for (;;) {
              auto arg = expression();
              if (!arg) return std::nullopt;
              n.children.push_back(*arg);
              if (peek().kind == TokenKind::Comma) {
                next();
                continue;
              }
              break;
            }
          }
          if (!expect(TokenKind::RParen, "to close the argument list")) return std::nullopt;
          return add(std::move(n));
        }
        n.kind = NodeKind::Path;
        while (peek().kind == TokenKind::Dot) {
          next();
          if (peek().kind != TokenKind::Identifier) {
            error(peek().pos, "expected a name after '.', found " + token_text(peek()));
            return std::nullopt;
          }
          n.text += ".";
          n.text += next().text;
        }
        return add(std::move(n));
      }
      default:
        error(t.pos, "expected a value, found " + token_text(t));
        return std::nullopt;
    }
  }

  std::vector<Token> tokens_;
  Diagnostics& diagnostics_;
  Ast ast_;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
  bool failed_ = false;
};

}  // namespace

std::optional<Ast> parse(std::string_view source, Diagnostics& diagnostics) {
  const std::size_t before = diagnostics.size();
  auto tokens = tokenize(source, diagnostics);
  if (diagnostics.size() != before) return std::nullopt;
  if (tokens.size() == 1) {
    diagnostics.push_back({tokens[0].pos, "the expression is empty"});
    return std::nullopt;
  }
  return Parser(std::move(tokens), diagnostics).run();
}

}  // namespace verdict::lang
