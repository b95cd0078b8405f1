#pragma once
// The types of the Verdict expression language and the slot layout values take at run time.
#include <cstdint>
#include <string_view>

namespace verdict::lang {

enum class ValueType : std::uint8_t {
  Bool,
  Number,  // double
  Money,   // integer cents
  String,
  Date,    // days since epoch
  List,    // list of strings held by a fact (e.g. bkr.codes)
  Set,     // a constant set (named list, list literal, list parameter); only right of `in` / in any/all
};

std::string_view to_string(ValueType);

/// A string in a pool: offset and length into a character buffer the context names.
struct StrRef {
  std::uint32_t offset;
  std::uint32_t length;
};

/// One fact as stored: 8 bytes, interpreted by the field's type.
/// Bool/Money/Date use `integer`, Number uses `number`, String uses `str`,
/// List uses `list` (offset/count into a StrRef pool).
union Slot {
  std::int64_t integer;
  double number;
  StrRef str;
  struct {
    std::uint32_t offset;
    std::uint32_t count;
  } list;
};
static_assert(sizeof(Slot) == 8);

/// Three-valued truth.
enum class Tri : std::uint8_t { False = 0, True = 1, Unknown = 2 };

}  // namespace verdict::lang
