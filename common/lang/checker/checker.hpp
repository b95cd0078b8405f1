#pragma once
// Checker: resolves names (fields, params.X, lists.X) and types every node, reporting each
// problem with its line and column.
#include <map>
#include <string>
#include <vector>

#include "domain/velocity.hpp"
#include "lang/parser/ast.hpp"

namespace verdict::lang {

/// A policy parameter's value, known at compile time (parameters fold into constants).
struct Constant {
  ValueType type = ValueType::Number;
  bool boolean = false;
  double number = 0;
  std::int64_t integer = 0;  // money cents or date days
  std::string text;
  std::vector<std::string> items;  // a list parameter: type Set of strings
};

struct Symbols {
  std::map<std::string, Constant, std::less<>> parameters;
  std::map<std::string, const std::vector<std::string>*, std::less<>> lists;
  /// The velocity counters the policy declares; a `velocity.*` field outside them is an error.
  /// Null (a bare expression, outside any policy): every counter may be read.
  const VelocityDeclaration* velocity = nullptr;
};

/// Why `path` cannot be read under `symbols` (a velocity counter the policy does not declare), or
/// empty when it can. `path` must be a catalogue field.
std::string undeclared_field_problem(std::string_view path, const Symbols& symbols);

/// Annotates `ast`; returns false with diagnostics when it does not type-check or when the
/// root's type is not `expected`.
bool check(Ast& ast, const Symbols& symbols, ValueType expected, Diagnostics& diagnostics);

}  // namespace verdict::lang
