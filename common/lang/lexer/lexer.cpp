#include "lang/lexer/lexer.hpp"

namespace verdict::lang {

std::string_view describe(TokenKind k) {
  switch (k) {
    case TokenKind::Identifier: return "a name";
    case TokenKind::Number: return "a number";
    case TokenKind::String: return "a string";
    case TokenKind::LParen: return "'('";
    case TokenKind::RParen: return "')'";
    case TokenKind::LBracket: return "'['";
    case TokenKind::RBracket: return "']'";
    case TokenKind::Comma: return "','";
    case TokenKind::Dot: return "'.'";
    case TokenKind::Eq: return "'=='";
    case TokenKind::Ne: return "'!='";
    case TokenKind::Lt: return "'<'";
    case TokenKind::Le: return "'<='";
    case TokenKind::Gt: return "'>'";
    case TokenKind::Ge: return "'>='";
    case TokenKind::Plus: return "'+'";
    case TokenKind::Minus: return "'-'";
    case TokenKind::Star: return "'*'";
    case TokenKind::Slash: return "'/'";
    case TokenKind::End: return "the end of the expression";
  }
  return "?";
}

namespace {
bool ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }
bool digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

std::vector<Token> tokenize(std::string_view src, Diagnostics& diagnostics) {
  std::vector<Token> tokens;
  SourcePos pos;
  std::size_t i = 0;
  auto advance = [&](std::size_t n) {
    for (std::size_t k = 0; k < n && i < src.size(); ++k, ++i) {
      if (src[i] == '\n') {
        ++pos.line;
        pos.column = 1;
      } else {
        ++pos.column;
      }
      ++pos.offset;
    }
  };
  auto emit = [&](TokenKind kind, std::size_t len) {
    tokens.push_back(Token{kind, src.substr(i, len), {}, pos});
    advance(len);
  };

  while (i < src.size()) {
    const char c = src[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      advance(1);
      continue;
    }
    if (c == '#') {  // comment to end of line
      while (i < src.size() && src[i] != '\n') advance(1);
      continue;
    }
    if (ident_start(c)) {
      std::size_t len = 1;
      while (i + len < src.size() && ident_char(src[i + len])) ++len;
      emit(TokenKind::Identifier, len);
      continue;
    }
    if (digit(c)) {
      std::size_t len = 1;
      while (i + len < src.size() && (digit(src[i + len]) || src[i + len] == '_')) ++len;
      if (i + len + 1 < src.size() && src[i + len] == '.' && digit(src[i + len + 1])) {
        ++len;
        while (i + len < src.size() && digit(src[i + len])) ++len;
      }
      if (i + len < src.size() && ident_start(src[i + len]) && src.substr(i + len, 3) != "EUR") {
        diagnostics.push_back({pos, "a number may not run into a name; put a space or an operator between them"});
        break;
      }
      emit(TokenKind::Number, len);
      continue;
    }
    if (c == '"' || c == '\'') {
      const SourcePos start = pos;
      const std::size_t begin = i;
      std::string value;
      advance(1);
      bool closed = false;
      while (i < src.size()) {
        const char d = src[i];
        if (d == c) {
          advance(1);
          closed = true;
          break;
        }
        if (d == '\n') break;
        if (d == '\\' && i + 1 < src.size()) {
          const char e = src[i + 1];
          if (e == '\\' || e == '"' || e == '\'') value.push_back(e);
          else if (e == 'n') value.push_back('\n');
          else {
            diagnostics.push_back({pos, std::string("unknown escape \\") + e + " in string"});
            return tokens.push_back(Token{TokenKind::End, {}, {}, pos}), tokens;
          }
          advance(2);
          continue;
        }
        value.push_back(d);
        advance(1);
      }
      if (!closed) {
        diagnostics.push_back({start, "string is not closed"});
        break;
      }
      tokens.push_back(Token{TokenKind::String, src.substr(begin, i - begin), std::move(value), start});
      continue;
    }
    const char n = i + 1 < src.size() ? src[i + 1] : '\0';
    switch (c) {
      case '(': emit(TokenKind::LParen, 1); continue;
      case ')': emit(TokenKind::RParen, 1); continue;
      case '[': emit(TokenKind::LBracket, 1); continue;
      case ']': emit(TokenKind::RBracket, 1); continue;
      case ',': emit(TokenKind::Comma, 1); continue;
      case '.': emit(TokenKind::Dot, 1); continue;
      case '+': emit(TokenKind::Plus, 1); continue;
      case '-': emit(TokenKind::Minus, 1); continue;
      case '*': emit(TokenKind::Star, 1); continue;
      case '/': emit(TokenKind::Slash, 1); continue;
      case '=':
        if (n == '=') { emit(TokenKind::Eq, 2); continue; }
        diagnostics.push_back({pos, "use '==' to compare, '=' alone is not an operator"});
        break;
      case '!':
        if (n == '=') { emit(TokenKind::Ne, 2); continue; }
        diagnostics.push_back({pos, "use 'not' for negation, '!' alone is not an operator"});
        break;
      case '<':
        if (n == '=') emit(TokenKind::Le, 2); else emit(TokenKind::Lt, 1);
        continue;
      case '>':
        if (n == '=') emit(TokenKind::Ge, 2); else emit(TokenKind::Gt, 1);
        continue;
      case '&':
      case '|':
        diagnostics.push_back({pos, std::string("use '") + (c == '&' ? "and" : "or") + "' instead of '" + c + "'"});
        break;
      default:
        diagnostics.push_back({pos, std::string("unexpected character '") + c + "'"});
        break;
    }
    break;
  }
  tokens.push_back(Token{TokenKind::End, {}, {}, pos});
  return tokens;
}

}  // namespace verdict::lang
