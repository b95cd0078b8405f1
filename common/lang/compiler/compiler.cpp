#include "lang/compiler/compiler.hpp"

#include <algorithm>

#include "domain/date.hpp"
#include "lang/parser/parser.hpp"

namespace verdict::lang {

std::uint32_t Compiler::named_set(const std::string& key, const std::vector<std::string>& items) {
  if (auto it = set_cache_.find(key); it != set_cache_.end()) return it->second;
  ConstSet& set = program_.sets.emplace_back();
  for (const auto& item : items) set.add_string(item);
  set.seal();
  const auto index = static_cast<std::uint32_t>(program_.sets.size() - 1);
  set_cache_.emplace(key, index);
  return index;
}

struct Compiler::Emitter {
  Compiler& compiler;
  Program& program;
  const Ast& ast;
  Expr& expr;
  std::size_t depth = 0;

  void push_instr(Instr instr, int stack_effect) {
    program.code.push_back(instr);
    depth = static_cast<std::size_t>(static_cast<long>(depth) + stack_effect);
    expr.max_stack = std::max<std::uint16_t>(expr.max_stack, static_cast<std::uint16_t>(depth));
  }

  std::uint32_t constant(Value v) {
    program.constants.push_back(v);
    return static_cast<std::uint32_t>(program.constants.size() - 1);
  }

  Value string_value(const std::string& s) {
    const std::string& stored = program.strings.emplace_back(s);
    Value v;
    v.known = true;
    v.str.data = stored.data();
    v.str.length = static_cast<std::uint32_t>(stored.size());
    return v;
  }

  void push_const(Value v) { push_instr({Op::Const, 0, 0, constant(v)}, +1); }

  Value from_constant(const Constant& c) {
    Value v;
    v.known = true;
    switch (c.type) {
      case ValueType::Bool: v.integer = c.boolean ? 1 : 0; break;
      case ValueType::Number: v.number = c.number; break;
      case ValueType::String: return string_value(c.text);
      default: v.integer = c.integer; break;
    }
    return v;
  }

  std::uint32_t set_for(const Node& n) {
    if (n.kind == NodeKind::ListLit) {
      ConstSet& set = program.sets.emplace_back();
      for (auto child : n.children) {
        const Node& item = ast.nodes[child];
        if (item.kind == NodeKind::StringLit) set.add_string(item.text);
        else if (item.kind == NodeKind::NumberLit) set.add_number(item.number);
        else set.add_integer(item.cents);
      }
      set.seal();
      return static_cast<std::uint32_t>(program.sets.size() - 1);
    }
    const std::string_view text = n.text;
    if (n.path_kind == PathKind::NamedList) {
      const std::string name(text.substr(6));
      return compiler.named_set("lists." + name, *compiler.symbols_.lists.find(name)->second);
    }
    const std::string name(text.substr(7));
    return compiler.named_set("params." + name, compiler.symbols_.parameters.find(name)->second.items);
  }

  void note_field(std::uint16_t field) {
    if (std::find(expr.fields.begin(), expr.fields.end(), field) == expr.fields.end()) expr.fields.push_back(field);
  }
  void note_parameter(const std::string& name) {
    if (std::find(expr.parameters.begin(), expr.parameters.end(), name) == expr.parameters.end())
      expr.parameters.push_back(name);
  }

  /// Emits code for node `index`; returns true when that code is constant (then folded to one Const).
  bool emit(std::uint32_t index) {
    const Node& n = ast.nodes[index];
    const auto start = static_cast<std::uint32_t>(program.code.size());
    const std::size_t depth_before = depth;
    bool constant_operands = true;

    auto child = [&](std::size_t i) { constant_operands = emit(n.children[i]) && constant_operands; };

    switch (n.kind) {
      case NodeKind::BoolLit: push_const(Value::boolean(n.boolean)); return true;
      case NodeKind::NumberLit: {
        Value v;
        v.known = true;
        v.number = n.number;
        push_const(v);
        return true;
      }
      case NodeKind::MoneyLit: {
        Value v;
        v.known = true;
        v.integer = n.cents;
        push_const(v);
        return true;
      }
      case NodeKind::StringLit: push_const(string_value(n.text)); return true;
      case NodeKind::ListLit: return true;  // only ever used through set_for
      case NodeKind::Path:
        if (n.path_kind == PathKind::Parameter) {
          note_parameter(n.text.substr(7));
          push_const(from_constant(compiler.symbols_.parameters.find(n.text.substr(7))->second));
          return true;
        }
        note_field(n.field);
        if (n.field >= facts::stored_field_count) push_instr({Op::Derived, 0, n.field, 0}, +1);
        else push_instr({Op::Field, static_cast<std::uint8_t>(n.type), n.field, 0}, +1);
        return false;
      case NodeKind::Not:
        child(0);
        push_instr({Op::Not, 0, 0, 0}, 0);
        break;
      case NodeKind::Neg:
        child(0);
        push_instr({Op::Neg, 0, static_cast<std::uint16_t>(n.type), 0}, 0);
        break;
      case NodeKind::And:
      case NodeKind::Or: {
        child(0);
        const auto jump = static_cast<std::uint32_t>(program.code.size());
        push_instr({n.kind == NodeKind::And ? Op::JumpIfFalse : Op::JumpIfTrue, 0, 0, 0}, 0);
        child(1);
        push_instr({n.kind == NodeKind::And ? Op::And : Op::Or, 0, 0, 0}, -1);
        program.code[jump].b = static_cast<std::uint32_t>(program.code.size());
        break;
      }
      case NodeKind::Eq:
      case NodeKind::Ne:
      case NodeKind::Lt:
      case NodeKind::Le:
      case NodeKind::Gt:
      case NodeKind::Ge: {
        child(0);
        child(1);
        const auto operand_type = ast.nodes[n.children[0]].type;
        push_instr({Op::Compare, static_cast<std::uint8_t>(n.kind), static_cast<std::uint16_t>(operand_type), 0}, -1);
        fuse_field_compare();
        break;
      }
      case NodeKind::Add:
      case NodeKind::Sub:
      case NodeKind::Mul:
      case NodeKind::Div: {
        child(0);
        child(1);
        const auto l = static_cast<unsigned>(ast.nodes[n.children[0]].type);
        const auto r = static_cast<unsigned>(ast.nodes[n.children[1]].type);
        push_instr({Op::Arith, static_cast<std::uint8_t>(n.kind), static_cast<std::uint16_t>(l << 4 | r), 0}, -1);
        break;
      }
      case NodeKind::In:
      case NodeKind::NotIn: {
        const Node& right = ast.nodes[n.children[1]];
        const std::uint8_t negate = n.kind == NodeKind::NotIn ? 1 : 0;
        child(0);
        if (right.type == ValueType::Set) {
          if (right.path_kind == PathKind::Parameter) note_parameter(right.text.substr(7));
          const auto left_type = ast.nodes[n.children[0]].type;
          push_instr({Op::InSet, negate, static_cast<std::uint16_t>(left_type), set_for(right)}, 0);
        } else {
          child(1);
          push_instr({Op::InList, negate, 0, 0}, -1);
        }
        break;
      }
      case NodeKind::Call: return emit_call(n, start, depth_before);
    }
    if (constant_operands) fold(start, depth_before, n.type);
    return constant_operands;
  }

  bool emit_call(const Node& n, std::uint32_t start, std::size_t depth_before) {
    const std::string& name = n.text;
    if (name == "date") {
      Value v;
      v.known = true;
      v.integer = parse_iso_date(ast.nodes[n.children[0]].text)->days;
      push_const(v);
      return true;
    }
    bool constant_operands = true;
    auto child = [&](std::size_t i) { constant_operands = emit(n.children[i]) && constant_operands; };
    const auto arg_type = [&](std::size_t i) { return static_cast<std::uint16_t>(ast.nodes[n.children[i]].type); };
    if (name == "count") {
      child(0);
      push_instr({Op::Count, 0, 0, 0}, 0);
    } else if (name == "any" || name == "all") {
      child(0);
      const Node& set_node = ast.nodes[n.children[1]];
      if (set_node.path_kind == PathKind::Parameter) note_parameter(set_node.text.substr(7));
      push_instr({name == "any" ? Op::AnyInSet : Op::AllInSet, 0, 0, set_for(set_node)}, 0);
    } else if (name == "days_between") {
      child(0);
      child(1);
      push_instr({Op::DaysBetween, 0, 0, 0}, -1);
    } else if (name == "min" || name == "max") {
      child(0);
      child(1);
      push_instr({Op::MinMax, static_cast<std::uint8_t>(name == "max" ? 1 : 0), arg_type(0), 0}, -1);
    } else if (name == "abs") {
      child(0);
      push_instr({Op::Abs, 0, arg_type(0), 0}, 0);
    } else if (name == "known") {
      child(0);
      push_instr({Op::Known, 0, 0, 0}, 0);
    } else if (name == "starts_with") {
      child(0);
      child(1);
      push_instr({Op::StartsWith, 0, 0, 0}, -1);
    }
    if (constant_operands) fold(start, depth_before, n.type);
    return constant_operands;
  }

  /// Peephole: `Field f; Const c; Compare` becomes one instruction. A jump can only land on the
  /// Field (the start of this node), and the fused instruction takes its place, so jumps stay valid.
  void fuse_field_compare() {
    auto& code = program.code;
    const std::size_t n = code.size();
    if (n < 3 || code[n - 3].op != Op::Field || code[n - 2].op != Op::Const) return;
    const auto kind = code[n - 1].sub;
    const auto type = static_cast<std::uint8_t>(code[n - 1].a);
    if (kind >= 32 || type >= 8) return;
    const Instr fused{Op::CompareFieldConst, static_cast<std::uint8_t>(kind | type << 5), code[n - 3].a, code[n - 2].b};
    code.resize(n - 3);
    code.push_back(fused);
  }

  /// Evaluates code[start, end) now and replaces it by one constant.
  void fold(std::uint32_t start, std::size_t depth_before, ValueType type) {
    Expr snippet;
    snippet.begin = start;
    snippet.end = static_cast<std::uint32_t>(program.code.size());
    facts::FactRecord empty{};
    EvalContext context{{&empty, "", nullptr}, nullptr, 0};
    Value v = run(program, snippet, context, nullptr);
    if (type == ValueType::String && v.known) v = string_value(std::string(v.string_view()));
    program.code.resize(start);
    depth = depth_before;
    push_const(v);
  }
};

std::optional<Expr> Compiler::compile(std::string_view source, ValueType expected, Diagnostics& diagnostics) {
  auto ast = parse(source, diagnostics);
  if (!ast) return std::nullopt;
  if (!check(*ast, symbols_, expected, diagnostics)) return std::nullopt;

  Expr expr;
  expr.type = expected;
  expr.begin = static_cast<std::uint32_t>(program_.code.size());
  Emitter emitter{*this, program_, *ast, expr};
  emitter.emit(ast->root);
  expr.end = static_cast<std::uint32_t>(program_.code.size());
  if (expr.max_stack > max_stack_depth) {
    program_.code.resize(expr.begin);
    diagnostics.push_back({ast->nodes[ast->root].pos, "the expression needs more than " +
                                                          std::to_string(max_stack_depth) +
                                                          " intermediate values; split it into simpler rules"});
    return std::nullopt;
  }
  return expr;
}

}  // namespace verdict::lang
