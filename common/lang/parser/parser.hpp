#pragma once
// Parser: tokens -> syntax tree, by precedence climbing. Lowest to highest:
//   or;  and;  not;  == != < <= > >= in, not in;  + -;  * /;  unary -;  primary.
#include <optional>
#include <string_view>

#include "lang/parser/ast.hpp"

namespace verdict::lang {

/// Parses an expression; nullopt with diagnostics on a syntax error.
std::optional<Ast> parse(std::string_view source, Diagnostics& diagnostics);

}  // namespace verdict::lang
