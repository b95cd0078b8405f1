#pragma once
// Compiler: a checked syntax tree -> instructions appended to a Program. Folds constant
// sub-expressions (parameters are constants), and turns every list right of `in` into a hashed
// set built once.
#include <map>
#include <optional>
#include <string_view>

#include "lang/checker/checker.hpp"
#include "lang/runtime/program.hpp"

namespace verdict::lang {

class Compiler {
 public:
  Compiler(Program& program, const Symbols& symbols) : program_(program), symbols_(symbols) {}

  /// Lexes, parses, checks and compiles `source`, which must have type `expected`.
  std::optional<Expr> compile(std::string_view source, ValueType expected, Diagnostics& diagnostics);

 private:
  struct Emitter;
  std::uint32_t named_set(const std::string& key, const std::vector<std::string>& items);

  Program& program_;
  const Symbols& symbols_;
  std::map<std::string, std::uint32_t> set_cache_;
};

}  // namespace verdict::lang
