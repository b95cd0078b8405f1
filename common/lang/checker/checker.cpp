#include "lang/checker/checker.hpp"

#include <algorithm>
#include <optional>

#include "domain/date.hpp"
#include "facts/catalog.hpp"

namespace verdict::lang {

std::string_view to_string(ValueType t) {
  switch (t) {
    case ValueType::Bool: return "bool";
    case ValueType::Number: return "number";
    case ValueType::Money: return "money";
    case ValueType::String: return "string";
    case ValueType::Date: return "date";
    case ValueType::List: return "list";
    case ValueType::Set: return "set";
  }
  return "?";
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::string undeclared_field_problem(std::string_view path, const Symbols& symbols) {
  if (!symbols.velocity) return {};
  const auto field = facts::find_field(path);
  if (!field || *field < facts::first_velocity_field ||
      *field >= facts::first_velocity_field + velocity_counter_count)
    return {};
  const std::size_t index = *field - facts::first_velocity_field;
  const auto id = static_cast<VelocityIdentifier>(index / (velocity_window_count * velocity_measure_count));
  const auto window = static_cast<VelocityWindow>((index / velocity_measure_count) % velocity_window_count);
  if (symbols.velocity->declares(id, window)) return {};
  return "'" + std::string(path) + "' is a velocity counter the policy does not declare: add \"" +
         std::string(to_string(window)) + "\" to \"velocity\": {\"" + std::string(to_string(id)) +
         "\": [...]} in the policy";
}

namespace {

class Checker {
 public:
  Checker(Ast& ast, const Symbols& symbols, Diagnostics& diagnostics)
      : ast_(ast), symbols_(symbols), diagnostics_(diagnostics) {}

  bool run(ValueType expected) {
    const auto type = visit(ast_.root, false);
    if (!type) return false;
    if (*type != expected) {
      error(ast_.nodes[ast_.root].pos, "the expression must be a " + std::string(to_string(expected)) + ", but it is a " +
                                           std::string(to_string(*type)));
      return false;
    }
    return ok_;
  }

 private:
  Node& node(std::uint32_t i) { return ast_.nodes[i]; }

  void error(SourcePos pos, std::string message) {
    diagnostics_.push_back({pos, std::move(message)});
    ok_ = false;
  }

  std::string suggestion(std::string_view name) const {
    std::string best;
    std::size_t best_distance = 4;
    auto consider = [&](std::string_view candidate) {
      const auto d = edit_distance(name, candidate);
      if (d < best_distance) {
        best_distance = d;
        best = std::string(candidate);
      }
    };
    for (const auto& f : facts::catalog()) consider(f.path);
    for (const auto& [p, _] : symbols_.parameters) consider("params." + p);
    for (const auto& [l, _] : symbols_.lists) consider("lists." + l);
    if (!best.empty()) return " (did you mean '" + best + "'?)";
    // A field moved or named differently: match on the last segment ("address.postcode").
    const auto last = name.substr(name.rfind('.') + 1);
    for (const auto& f : facts::catalog())
      if (f.path.substr(f.path.rfind('.') + 1) == last) return " (did you mean '" + std::string(f.path) + "'?)";
    // Otherwise list what the namespace offers ("preventel has: ...").
    const auto prefix = name.substr(0, name.find('.') + 1);
    std::string fields;
    for (const auto& f : facts::catalog())
      if (prefix.size() > 1 && f.path.starts_with(prefix))
        fields += (fields.empty() ? "" : ", ") + std::string(f.path.substr(prefix.size()));
    return fields.empty() ? "" : " (" + std::string(prefix.substr(0, prefix.size() - 1)) + " has: " + fields + ")";
  }

  std::optional<ValueType> set(Node& n, ValueType t) {
    n.type = t;
    return t;
  }

  static bool numeric(ValueType t) { return t == ValueType::Number || t == ValueType::Money; }

  std::string mismatch(std::string_view op, ValueType a, ValueType b) const {
    std::string m = "cannot apply '" + std::string(op) + "' to " + std::string(to_string(a)) + " and " +
                    std::string(to_string(b));
    if ((a == ValueType::Money && b == ValueType::Number) || (a == ValueType::Number && b == ValueType::Money))
      m += "; write money amounts with EUR, e.g. 250 EUR";
    return m;
  }

  std::optional<ValueType> visit(std::uint32_t index, bool set_allowed) {
    Node& n = node(index);
    auto result = visit_inner(index);
    if (result && *result == ValueType::Set && !set_allowed) {
      error(n.pos, "a list can only stand right of 'in' or as the second argument of any() or all()");
      return std::nullopt;
    }
    return result;
  }

  std::optional<ValueType> visit_inner(std::uint32_t index) {
    Node& n = node(index);
    switch (n.kind) {
      case NodeKind::BoolLit: return set(n, ValueType::Bool);
      case NodeKind::NumberLit: return set(n, ValueType::Number);
      case NodeKind::MoneyLit: return set(n, ValueType::Money);
      case NodeKind::StringLit: return set(n, ValueType::String);
      case NodeKind::ListLit: return list_literal(n);
      case NodeKind::Path: return path(n);
      case NodeKind::Call: return call(index);
      case NodeKind::Not: {
        const auto t = visit(n.children[0], false);
        if (!t) return std::nullopt;
        if (*t != ValueType::Bool) {
          error(n.pos, "'not' needs a bool, not a " + std::string(to_string(*t)));
          return std::nullopt;
        }
        return set(n, ValueType::Bool);
      }
      case NodeKind::Neg: {
        const auto t = visit(n.children[0], false);
        if (!t) return std::nullopt;
        if (!numeric(*t)) {
          error(n.pos, "'-' needs a number or money, not a " + std::string(to_string(*t)));
          return std::nullopt;
        }
        return set(n, *t);
      }
      case NodeKind::And:
      case NodeKind::Or: {
        const auto a = visit(n.children[0], false);
        const auto b = visit(n.children[1], false);
        if (!a || !b) return std::nullopt;
        if (*a != ValueType::Bool || *b != ValueType::Bool) {
          error(n.pos, "'" + std::string(describe(n.kind)) + "' joins bools, but found " + std::string(to_string(*a)) +
                           " and " + std::string(to_string(*b)));
          return std::nullopt;
        }
        return set(n, ValueType::Bool);
      }
      case NodeKind::Eq:
      case NodeKind::Ne: {
        const auto a = visit(n.children[0], false);
        const auto b = visit(n.children[1], false);
        if (!a || !b) return std::nullopt;
        if (*a != *b || *a == ValueType::List) {
          error(n.pos, mismatch(describe(n.kind), *a, *b));
          return std::nullopt;
        }
        return set(n, ValueType::Bool);
      }
      case NodeKind::Lt:
      case NodeKind::Le:
      case NodeKind::Gt:
      case NodeKind::Ge: {
        const auto a = visit(n.children[0], false);
        const auto b = visit(n.children[1], false);
        if (!a || !b) return std::nullopt;
        if (*a != *b || !(numeric(*a) || *a == ValueType::Date)) {
          error(n.pos, mismatch(describe(n.kind), *a, *b));
          return std::nullopt;
        }
        return set(n, ValueType::Bool);
      }
      case NodeKind::Add:
      case NodeKind::Sub:
      case NodeKind::Mul:
      case NodeKind::Div: return arithmetic(n);
      case NodeKind::In:
      case NodeKind::NotIn: {
        const auto a = visit(n.children[0], false);
        const auto b = visit(n.children[1], true);
        if (!a || !b) return std::nullopt;
        const Node& right = node(n.children[1]);
        if (*b == ValueType::Set) {
          if (right.element_type != *a && !(right.children.empty() && right.kind == NodeKind::ListLit)) {
            error(n.pos, "cannot look for a " + std::string(to_string(*a)) + " in a list of " +
                             std::string(to_string(right.element_type)) + "s");
            return std::nullopt;
          }
        } else if (*b == ValueType::List) {
          if (*a != ValueType::String) {
            error(n.pos, "cannot look for a " + std::string(to_string(*a)) + " in a list of strings");
            return std::nullopt;
          }
        } else {
          error(right.pos, "right of '" + std::string(describe(n.kind)) + "' must be a list, not a " +
                               std::string(to_string(*b)));
          return std::nullopt;
        }
        return set(n, ValueType::Bool);
      }
    }
    return std::nullopt;
  }

  std::optional<ValueType> list_literal(Node& n) {
    std::optional<ValueType> element;
    for (auto child : n.children) {
      Node& c = node(child);
      if (c.kind != NodeKind::StringLit && c.kind != NodeKind::NumberLit && c.kind != NodeKind::MoneyLit) {
        error(c.pos, "list items must be literal strings, numbers or money amounts");
        return std::nullopt;
      }
      const auto t = visit(child, false);
      if (!t) return std::nullopt;
      if (element && *element != *t) {
        error(c.pos, "list items must all have one type: found " + std::string(to_string(*element)) + " and " +
                         std::string(to_string(*t)));
        return std::nullopt;
      }
      element = t;
    }
    n.element_type = element.value_or(ValueType::String);
    return set(n, ValueType::Set);
  }

  std::optional<ValueType> path(Node& n) {
    const std::string_view text = n.text;
    if (text.starts_with("params.")) {
      const auto name = text.substr(7);
      const auto it = symbols_.parameters.find(name);
      if (it == symbols_.parameters.end()) {
        error(n.pos, "unknown parameter '" + std::string(name) + "'" + suggestion(text));
        return std::nullopt;
      }
      n.path_kind = PathKind::Parameter;
      n.element_type = ValueType::String;
      return set(n, it->second.type);
    }
    if (text.starts_with("lists.")) {
      const auto name = text.substr(6);
      if (!symbols_.lists.contains(name)) {
        error(n.pos, "unknown named list '" + std::string(name) + "'" + suggestion(text));
        return std::nullopt;
      }
      n.path_kind = PathKind::NamedList;
      n.element_type = ValueType::String;
      return set(n, ValueType::Set);
    }
    const auto field = facts::find_field(text);
    if (!field) {
      error(n.pos, "unknown field '" + std::string(text) + "'" + suggestion(text));
      return std::nullopt;
    }
    if (auto problem = undeclared_field_problem(text, symbols_); !problem.empty()) {
      error(n.pos, std::move(problem));
      return std::nullopt;
    }
    n.path_kind = PathKind::Field;
    n.field = *field;
    return set(n, facts::catalog()[*field].type);
  }

  std::optional<ValueType> arithmetic(Node& n) {
    const auto a = visit(n.children[0], false);
    const auto b = visit(n.children[1], false);
    if (!a || !b) return std::nullopt;
    using enum ValueType;
    std::optional<ValueType> r;
    switch (n.kind) {
      case NodeKind::Add:
        if (*a == *b && numeric(*a)) r = *a;
        else if (*a == Date && *b == Number) r = Date;
        break;
      case NodeKind::Sub:
        if (*a == *b && numeric(*a)) r = *a;
        else if (*a == Date && *b == Number) r = Date;
        else if (*a == Date && *b == Date) r = Number;
        break;
      case NodeKind::Mul:
        if (*a == Number && *b == Number) r = Number;
        else if ((*a == Money && *b == Number) || (*a == Number && *b == Money)) r = Money;
        break;
      case NodeKind::Div:
        if (*a == Number && *b == Number) r = Number;
        else if (*a == Money && *b == Number) r = Money;
        else if (*a == Money && *b == Money) r = Number;
        break;
      default: break;
    }
    if (!r) {
      error(n.pos, mismatch(describe(n.kind), *a, *b));
      return std::nullopt;
    }
    return set(n, *r);
  }

  std::optional<ValueType> call(std::uint32_t index) {
    Node& n = node(index);
    const std::string name = n.text;
    const auto argc = n.children.size();
    auto arity = [&](std::size_t want) {
      if (argc == want) return true;
      error(n.pos, name + "() takes " + std::to_string(want) + " argument" + (want == 1 ? "" : "s") + ", not " +
                       std::to_string(argc));
      return false;
    };
    using enum ValueType;
    if (name == "date") {
      if (!arity(1)) return std::nullopt;
      if (node(n.children[0]).kind != NodeKind::StringLit) {
        error(node(n.children[0]).pos, "date() takes a literal \"YYYY-MM-DD\"");
        return std::nullopt;
      }
      if (!parse_iso_date(node(n.children[0]).text)) {
        error(node(n.children[0]).pos, "'" + node(n.children[0]).text + "' is not a valid date YYYY-MM-DD");
        return std::nullopt;
      }
      return set(n, Date);
    }
    std::vector<ValueType> types;
    for (std::size_t i = 0; i < argc; ++i) {
      const bool set_ok = (name == "any" || name == "all") && i == 1;
      const auto t = visit(n.children[i], set_ok);
      if (!t) return std::nullopt;
      types.push_back(*t);
    }
    auto want = [&](std::size_t i, bool ok, std::string_view what) {
      if (ok) return true;
      error(node(n.children[i]).pos, name + "() argument " + std::to_string(i + 1) + " must be " + std::string(what) +
                                         ", not a " + std::string(to_string(types[i])));
      return false;
    };
    if (name == "count") {
      if (!arity(1) || !want(0, types[0] == List, "a list field")) return std::nullopt;
      return set(n, Number);
    }
    if (name == "any" || name == "all") {
      if (!arity(2) || !want(0, types[0] == List, "a list field") ||
          !want(1, types[1] == Set && node(n.children[1]).element_type == String, "a list of strings"))
        return std::nullopt;
      return set(n, Bool);
    }
    if (name == "days_between") {
      if (!arity(2) || !want(0, types[0] == Date, "a date") || !want(1, types[1] == Date, "a date")) return std::nullopt;
      return set(n, Number);
    }
    if (name == "min" || name == "max") {
      if (!arity(2) || !want(0, numeric(types[0]), "a number or money")) return std::nullopt;
      if (types[1] != types[0]) {
        error(n.pos, mismatch(name, types[0], types[1]));
        return std::nullopt;
      }
      return set(n, types[0]);
    }
    if (name == "abs") {
      if (!arity(1) || !want(0, numeric(types[0]), "a number or money")) return std::nullopt;
      return set(n, types[0]);
    }
    if (name == "known") {
      if (!arity(1)) return std::nullopt;
      return set(n, Bool);
    }
    if (name == "starts_with") {
      if (!arity(2) || !want(0, types[0] == String, "a string") || !want(1, types[1] == String, "a string"))
        return std::nullopt;
      return set(n, Bool);
    }
    error(n.pos, "unknown function '" + name +
                     "'; available: count, any, all, days_between, min, max, abs, known, starts_with, date");
    return std::nullopt;
  }

  Ast& ast_;
  const Symbols& symbols_;
  Diagnostics& diagnostics_;
  bool ok_ = true;
};

}  // namespace

bool check(Ast& ast, const Symbols& symbols, ValueType expected, Diagnostics& diagnostics) {
  return Checker(ast, symbols, diagnostics).run(expected);
}

}  // namespace verdict::lang
