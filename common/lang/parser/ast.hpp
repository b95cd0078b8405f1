#pragma once
// The syntax tree: nodes in one vector, children by index. The checker annotates it in place.
#include <cstdint>
#include <string>
#include <vector>

#include "lang/diagnostic.hpp"
#include "lang/types.hpp"

namespace verdict::lang {

enum class NodeKind : std::uint8_t {
  BoolLit,
  NumberLit,
  MoneyLit,   // `250 EUR`, `9.99 EUR`
  StringLit,
  ListLit,    // [a, b, c]
  Path,       // a.b.c: a field, params.X or lists.X
  Call,       // name(args)
  Not,
  Neg,
  And,
  Or,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  Add,
  Sub,
  Mul,
  Div,
  In,
  NotIn,
};

std::string_view describe(NodeKind);

/// What a path resolved to (set by the checker).
enum class PathKind : std::uint8_t { Unresolved, Field, Parameter, NamedList };

struct Node {
  NodeKind kind{};
  SourcePos pos;
  std::vector<std::uint32_t> children;
  std::string text;        // path, call name, string literal
  double number = 0;       // number literal
  std::int64_t cents = 0;  // money literal
  bool boolean = false;
  // Checker annotations.
  ValueType type = ValueType::Bool;
  ValueType element_type = ValueType::String;  // for Set/List
  PathKind path_kind = PathKind::Unresolved;
  std::uint16_t field = 0;
};

struct Ast {
  std::vector<Node> nodes;
  std::uint32_t root = 0;
};

}  // namespace verdict::lang
