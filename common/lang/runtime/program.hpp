#pragma once
// Runtime: the compiled, immutable form of a policy's expressions and the interpreter that runs
// it. A Program is built once by the compiler, then shared read-only between threads; running it
// allocates nothing.
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "facts/catalog.hpp"
#include "facts/facts.hpp"
#include "lang/types.hpp"

namespace verdict::lang {

/// A value on the evaluation stack. `known == false` is the third truth value: unknown.
struct Value {
  union {
    std::int64_t integer;  // bool, money, date
    double number;
    struct {
      const char* data;
      std::uint32_t length;
    } str;
    struct {
      std::uint32_t offset;
      std::uint32_t count;
    } list;
  };
  bool known;  // no default: the evaluation stack is left uninitialised on purpose

  static Value boolean(bool b) {
    Value v;
    v.integer = b ? 1 : 0;
    v.known = true;
    return v;
  }
  static Value unknown() {
    Value v;
    v.integer = 0;
    v.known = false;
    return v;
  }
  std::string_view string_view() const { return {str.data, str.length}; }
};

enum class Op : std::uint8_t {
  Const,        // push constants[b]
  Field,        // push stored field a; sub: its type
  CompareFieldConst,  // compare stored field a with constants[b]; sub: comparison kind | type << 5
  Derived,      // push derived field a
  Not,
  Neg,          // sub: type
  And,          // Kleene and of the top two
  Or,
  JumpIfFalse,  // if top is known false, jump to b (keeping it)
  JumpIfTrue,
  Compare,      // sub: NodeKind of the comparison; a: operand type
  Arith,        // sub: NodeKind Add/Sub/Mul/Div; a: left type << 4 | right type
  InSet,        // top in sets[b]; sub 1 = negate
  InList,       // top-1 (string) in top (list); sub 1 = negate
  Count,
  AnyInSet,     // any element of top (list) in sets[b]
  AllInSet,
  DaysBetween,
  MinMax,       // sub 0 min, 1 max; a: type
  Abs,          // a: type
  Known,        // replace top by whether it is known (always known)
  StartsWith,
};

struct Instr {
  Op op{};
  std::uint8_t sub = 0;
  std::uint16_t a = 0;
  std::uint32_t b = 0;
};
static_assert(sizeof(Instr) == 8);

/// A constant set for `in`: strings by open addressing, numbers and money sorted.
class ConstSet {
 public:
  void add_string(std::string s);
  void add_number(double n);
  void add_integer(std::int64_t i);
  void seal();  // builds the lookup structures; no adds after

  bool contains(std::string_view s) const;
  bool contains_number(double n) const;
  bool contains_integer(std::int64_t i) const;
  std::size_t size() const { return strings_.size() + numbers_.size() + integers_.size(); }

 private:
  std::vector<std::string> strings_;
  std::vector<std::uint32_t> table_;  // index + 1 into strings_, 0 = empty
  std::vector<std::uint64_t> hashes_;
  bool small_ = true;  // few strings: a linear scan beats hashing
  std::vector<double> numbers_;
  std::vector<std::int64_t> integers_;
};

/// One compiled expression inside a Program.
struct Expr {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::uint16_t max_stack = 0;
  lang::ValueType type = lang::ValueType::Bool;
  /// Fields the expression reads, in source order without repeats (for explanations).
  std::vector<std::uint16_t> fields;
  /// Parameters it reads (`params.X`), in source order without repeats.
  std::vector<std::string> parameters;
};

inline constexpr std::size_t max_stack_depth = 64;

struct Program {
  std::vector<Instr> code;
  std::vector<Value> constants;
  std::deque<std::string> strings;  // deque: constants point into it, it never relocates
  std::vector<ConstSet> sets;  // looked up by index only, so a vector may move them

  Program() = default;
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;
  Program(Program&&) = default;
  Program& operator=(Program&&) = default;
};

/// Per-evaluation inputs: the stored facts and the policy's derived (affordability) facts.
struct EvalContext {
  facts::FactView facts;
  const Slot* derived = nullptr;
  std::uint32_t derived_known = 0;  // bit i: derived field i known
};

/// Fields found unknown while evaluating, as a bit set over the catalogue.
struct MissingMask {
  std::uint64_t bits[2] = {0, 0};
  void set(std::size_t field) { bits[field >> 6] |= std::uint64_t{1} << (field & 63); }
  bool test(std::size_t field) const { return (bits[field >> 6] >> (field & 63)) & 1U; }
  bool any() const { return bits[0] != 0 || bits[1] != 0; }
};

/// Runs one expression. Never allocates. `missing` may be null.
Value run(const Program& program, const Expr& expr, const EvalContext& context, MissingMask* missing);

/// The value of one catalogue field in `context` (unknown when the field has no value).
Value load_field(std::uint16_t field, const EvalContext& context);

/// Runs a bool expression to a truth value.
inline Tri run_condition(const Program& program, const Expr& expr, const EvalContext& context, MissingMask* missing) {
  const Value v = run(program, expr, context, missing);
  return !v.known ? Tri::Unknown : (v.integer != 0 ? Tri::True : Tri::False);
}

}  // namespace verdict::lang
