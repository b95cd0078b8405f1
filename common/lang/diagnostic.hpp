#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace verdict::lang {

/// A position in an expression's source text, 1-based line and column (in bytes).
struct SourcePos {
  std::uint32_t line = 1;
  std::uint32_t column = 1;
  std::uint32_t offset = 0;
};

struct Diagnostic {
  SourcePos pos;
  std::string message;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace verdict::lang
