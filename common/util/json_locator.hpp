#pragma once
// Finds where a JSON pointer's value sits in the original text, so errors in a policy file can
// be reported as file:line:col although the JSON library keeps no positions.
#include <cstddef>
#include <optional>
#include <string_view>

namespace verdict {

struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;
};

/// Byte offset of the first character of the value at `pointer`, or nullopt.
std::optional<std::size_t> locate_json_pointer(std::string_view json_text, std::string_view pointer);

/// Where the value at `pointer` is; a pointer to a missing member falls back to its parent (the
/// place where the member should be), and an unknown path to the start of the text.
TextPosition position_of_pointer(std::string_view json_text, std::string pointer);

/// 1-based line and column of a byte offset.
TextPosition position_of(std::string_view text, std::size_t offset);

/// For a string value starting (at its quote) at `string_offset`, the byte offset in the text of
/// the character at `decoded_offset` within the decoded string.
std::size_t offset_in_string(std::string_view json_text, std::size_t string_offset, std::size_t decoded_offset);

}  // namespace verdict
