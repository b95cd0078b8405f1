#include <algorithm>
#include <cmath>
#include <cstring>

#include "lang/parser/ast.hpp"
#include "lang/runtime/program.hpp"

namespace verdict::lang {

namespace {
std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}
}  // namespace

void ConstSet::add_string(std::string s) { strings_.push_back(std::move(s)); }
void ConstSet::add_number(double n) { numbers_.push_back(n); }
void ConstSet::add_integer(std::int64_t i) { integers_.push_back(i); }

void ConstSet::seal() {
  small_ = strings_.size() <= 8;
  std::sort(numbers_.begin(), numbers_.end());
  std::sort(integers_.begin(), integers_.end());
  std::size_t capacity = 8;
  while (capacity < strings_.size() * 2) capacity <<= 1;
  table_.assign(capacity, 0);
  hashes_.resize(strings_.size());
  for (std::size_t i = 0; i < strings_.size(); ++i) {
    hashes_[i] = fnv1a(strings_[i]);
    std::size_t slot = hashes_[i] & (capacity - 1);
    while (table_[slot] != 0) slot = (slot + 1) & (capacity - 1);
    table_[slot] = static_cast<std::uint32_t>(i + 1);
  }
}

bool ConstSet::contains(std::string_view s) const {
  if (small_) {
    for (const auto& candidate : strings_)
      if (candidate.size() == s.size() && std::memcmp(candidate.data(), s.data(), s.size()) == 0) return true;
    return false;
  }
  const std::uint64_t h = fnv1a(s);
  const std::size_t mask = table_.size() - 1;
  for (std::size_t slot = h & mask;; slot = (slot + 1) & mask) {
    const std::uint32_t entry = table_[slot];
    if (entry == 0) return false;
    if (hashes_[entry - 1] == h && strings_[entry - 1] == s) return true;
  }
}

bool ConstSet::contains_number(double n) const { return std::binary_search(numbers_.begin(), numbers_.end(), n); }
bool ConstSet::contains_integer(std::int64_t i) const {
  return std::binary_search(integers_.begin(), integers_.end(), i);
}

namespace {

inline Value load_slot(const Slot& slot, ValueType type, const char* chars) {
  Value v;
  v.known = true;
  switch (type) {
    case ValueType::Number: v.number = slot.number; break;
    case ValueType::String:
      v.str.data = chars + slot.str.offset;
      v.str.length = slot.str.length;
      break;
    case ValueType::List:
      v.list.offset = slot.list.offset;
      v.list.count = slot.list.count;
      break;
    default: v.integer = slot.integer; break;
  }
  return v;
}

inline bool compare(NodeKind kind, ValueType type, const Value& a, const Value& b) {
  int order = 0;
  switch (type) {
    case ValueType::Number: order = a.number < b.number ? -1 : (a.number > b.number ? 1 : 0); break;
    case ValueType::String: {
      if (kind == NodeKind::Eq || kind == NodeKind::Ne) {
        const bool equal = a.str.length == b.str.length && std::memcmp(a.str.data, b.str.data, a.str.length) == 0;
        return kind == NodeKind::Eq ? equal : !equal;
      }
      order = a.string_view().compare(b.string_view());
      break;
    }
    default: order = a.integer < b.integer ? -1 : (a.integer > b.integer ? 1 : 0); break;
  }
  switch (kind) {
    case NodeKind::Eq: return order == 0;
    case NodeKind::Ne: return order != 0;
    case NodeKind::Lt: return order < 0;
    case NodeKind::Le: return order <= 0;
    case NodeKind::Gt: return order > 0;
    default: return order >= 0;
  }
}

inline std::int64_t round_to_integer(double d) { return static_cast<std::int64_t>(std::llround(d)); }

/// Returns false when the result is undefined (division by zero): the caller makes it unknown.
inline bool arith(NodeKind kind, ValueType left, ValueType right, const Value& a, const Value& b, Value& out) {
  using enum ValueType;
  switch (kind) {
    case NodeKind::Add:
      if (left == Number) out.number = a.number + b.number;
      else if (left == Date) out.integer = a.integer + round_to_integer(b.number);
      else out.integer = a.integer + b.integer;
      return true;
    case NodeKind::Sub:
      if (left == Number) out.number = a.number - b.number;
      else if (left == Date && right == Date) out.number = static_cast<double>(a.integer - b.integer);
      else if (left == Date) out.integer = a.integer - round_to_integer(b.number);
      else out.integer = a.integer - b.integer;
      return true;
    case NodeKind::Mul:
      if (left == Number && right == Number) out.number = a.number * b.number;
      else if (left == Money) out.integer = round_to_integer(static_cast<double>(a.integer) * b.number);
      else out.integer = round_to_integer(a.number * static_cast<double>(b.integer));
      return true;
    case NodeKind::Div:
      if (right == Number) {
        if (b.number == 0) return false;
        if (left == Number) out.number = a.number / b.number;
        else out.integer = round_to_integer(static_cast<double>(a.integer) / b.number);
      } else {
        if (b.integer == 0) return false;
        out.number = static_cast<double>(a.integer) / static_cast<double>(b.integer);
      }
      return true;
    default: return false;
  }
}

}  // namespace

Value load_field(std::uint16_t field, const EvalContext& ctx) {
  if (field >= facts::stored_field_count) {
    const std::size_t d = field - facts::stored_field_count;
    if (!((ctx.derived_known >> d) & 1U)) return Value::unknown();
    Value v;
    v.known = true;
    v.integer = ctx.derived[d].integer;
    return v;
  }
  if (!ctx.facts.record->is_known(field)) return Value::unknown();
  return load_slot(ctx.facts.record->values[field], facts::catalog()[field].type, ctx.facts.chars);
}

Value run(const Program& program, const Expr& expr, const EvalContext& ctx, MissingMask* missing) {
  Value stack[max_stack_depth];
  std::size_t sp = 0;  // next free
  const Instr* code = program.code.data();
  const auto& facts = ctx.facts;

  for (std::uint32_t pc = expr.begin; pc < expr.end; ++pc) {
    const Instr& in = code[pc];
    switch (in.op) {
      case Op::Const: stack[sp++] = program.constants[in.b]; break;
      case Op::Field: {
        if (facts.record->is_known(in.a)) {
          stack[sp++] = load_slot(facts.record->values[in.a], static_cast<ValueType>(in.sub), facts.chars);
        } else {
          if (missing) missing->set(in.a);
          stack[sp++] = Value::unknown();
        }
        break;
      }
      case Op::CompareFieldConst: {
        if (facts.record->is_known(in.a)) {
          const auto type = static_cast<ValueType>(in.sub >> 5);
          const Value field = load_slot(facts.record->values[in.a], type, facts.chars);
          stack[sp++] = Value::boolean(
              compare(static_cast<NodeKind>(in.sub & 31), type, field, program.constants[in.b]));
        } else {
          if (missing) missing->set(in.a);
          stack[sp++] = Value::unknown();
        }
        break;
      }
      case Op::Derived: {
        const std::size_t d = in.a - facts::stored_field_count;
        if ((ctx.derived_known >> d) & 1U) {
          Value v;
          v.known = true;
          v.integer = ctx.derived[d].integer;
          stack[sp++] = v;
        } else {
          if (missing) missing->set(in.a);
          stack[sp++] = Value::unknown();
        }
        break;
      }
      case Op::Not: {
        Value& v = stack[sp - 1];
        if (v.known) v.integer = v.integer ? 0 : 1;
        break;
      }
      case Op::Neg: {
        Value& v = stack[sp - 1];
        if (static_cast<ValueType>(in.a) == ValueType::Number) v.number = -v.number;
        else v.integer = -v.integer;
        break;
      }
      case Op::And:
      case Op::Or: {
        const Value b = stack[--sp];
        Value& a = stack[sp - 1];
        const std::int64_t dominant = in.op == Op::And ? 0 : 1;  // false dominates and, true dominates or
        if ((a.known && a.integer == dominant) || (b.known && b.integer == dominant)) {
          a = Value::boolean(dominant != 0);
        } else if (!a.known || !b.known) {
          a = Value::unknown();
        } else {
          a = Value::boolean(dominant == 0);
        }
        break;
      }
      case Op::JumpIfFalse:
        if (stack[sp - 1].known && stack[sp - 1].integer == 0) pc = in.b - 1;
        break;
      case Op::JumpIfTrue:
        if (stack[sp - 1].known && stack[sp - 1].integer != 0) pc = in.b - 1;
        break;
      case Op::Compare: {
        const Value b = stack[--sp];
        Value& a = stack[sp - 1];
        if (!a.known || !b.known) a = Value::unknown();
        else a = Value::boolean(compare(static_cast<NodeKind>(in.sub), static_cast<ValueType>(in.a), a, b));
        break;
      }
      case Op::Arith: {
        const Value b = stack[--sp];
        Value& a = stack[sp - 1];
        if (!a.known || !b.known) {
          a = Value::unknown();
          break;
        }
        Value out;
        out.known = true;
        if (arith(static_cast<NodeKind>(in.sub), static_cast<ValueType>(in.a >> 4), static_cast<ValueType>(in.a & 15), a,
                  b, out))
          a = out;
        else
          a = Value::unknown();
        break;
      }
      case Op::InSet: {
        Value& a = stack[sp - 1];
        if (!a.known) break;
        const ConstSet& set = program.sets[in.b];
        const auto type = static_cast<ValueType>(in.a);
        bool found = false;
        if (type == ValueType::String) found = set.contains(a.string_view());
        else if (type == ValueType::Number) found = set.contains_number(a.number);
        else found = set.contains_integer(a.integer);
        a = Value::boolean(found != (in.sub == 1));
        break;
      }
      case Op::InList: {
        const Value list = stack[--sp];
        Value& a = stack[sp - 1];
        if (!a.known || !list.known) {
          a = Value::unknown();
          break;
        }
        bool found = false;
        const std::string_view needle = a.string_view();
        for (std::uint32_t k = 0; k < list.list.count && !found; ++k) {
          const StrRef item = facts.items[list.list.offset + k];
          found = std::string_view(facts.chars + item.offset, item.length) == needle;
        }
        a = Value::boolean(found != (in.sub == 1));
        break;
      }
      case Op::Count: {
        Value& a = stack[sp - 1];
        if (a.known) a.number = static_cast<double>(a.list.count);
        break;
      }
      case Op::AnyInSet:
      case Op::AllInSet: {
        Value& a = stack[sp - 1];
        if (!a.known) break;
        const ConstSet& set = program.sets[in.b];
        const bool want_any = in.op == Op::AnyInSet;
        bool result = !want_any;
        for (std::uint32_t k = 0; k < a.list.count; ++k) {
          const StrRef item = facts.items[a.list.offset + k];
          const bool hit = set.contains(std::string_view(facts.chars + item.offset, item.length));
          if (want_any && hit) {
            result = true;
            break;
          }
          if (!want_any && !hit) {
            result = false;
            break;
          }
        }
        a = Value::boolean(result);
        break;
      }
      case Op::DaysBetween: {
        const Value b = stack[--sp];
        Value& a = stack[sp - 1];
        if (!a.known || !b.known) a = Value::unknown();
        else a.number = static_cast<double>(b.integer - a.integer);
        break;
      }
      case Op::MinMax: {
        const Value b = stack[--sp];
        Value& a = stack[sp - 1];
        if (!a.known || !b.known) {
          a = Value::unknown();
          break;
        }
        const bool want_max = in.sub == 1;
        if (static_cast<ValueType>(in.a) == ValueType::Number) {
          if ((b.number > a.number) == want_max && b.number != a.number) a.number = b.number;
        } else if ((b.integer > a.integer) == want_max && b.integer != a.integer) {
          a.integer = b.integer;
        }
        break;
      }
      case Op::Abs: {
        Value& a = stack[sp - 1];
        if (!a.known) break;
        if (static_cast<ValueType>(in.a) == ValueType::Number) a.number = std::fabs(a.number);
        else a.integer = a.integer < 0 ? -a.integer : a.integer;
        break;
      }
      case Op::Known: {
        Value& a = stack[sp - 1];
        a = Value::boolean(a.known);
        break;
      }
      case Op::StartsWith: {
        const Value b = stack[--sp];
        Value& a = stack[sp - 1];
        if (!a.known || !b.known) a = Value::unknown();
        else a = Value::boolean(a.string_view().starts_with(b.string_view()));
        break;
      }
    }
  }
  return stack[0];
}

}  // namespace verdict::lang
