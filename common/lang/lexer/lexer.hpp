#pragma once
// Lexer: expression text -> tokens. Stage 1 of lexer -> parser -> checker -> compiler -> runtime.
#include <string>
#include <string_view>
#include <vector>

#include "lang/diagnostic.hpp"

namespace verdict::lang {

enum class TokenKind {
  Identifier,  // also keywords are identifiers the parser recognises: and or not in true false
  Number,
  String,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  Dot,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  Plus,
  Minus,
  Star,
  Slash,
  End,
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string_view text;  // the source slice
  std::string value;      // decoded string literal contents
  SourcePos pos;
};

/// Tokenises `source`. On error, appends to `diagnostics` and stops with an End token.
std::vector<Token> tokenize(std::string_view source, Diagnostics& diagnostics);

std::string_view describe(TokenKind);

}  // namespace verdict::lang
