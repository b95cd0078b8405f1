#pragma once
// Policy and application files on disk, with diagnostics as file:line:col: message.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "domain/case.hpp"
#include "policy/engine.hpp"
#include "util/expected.hpp"

namespace verdict::files {

struct FileDiagnostic {
  std::string file;
  std::size_t line = 0;  // 0: the whole file
  std::size_t column = 0;
  std::string message;
  std::string to_string() const;  // "file:line:col: message"
};
using FileDiagnostics = std::vector<FileDiagnostic>;

expected<std::string, std::string> read_text(const std::filesystem::path& path);

/// SHA-256 over the canonical JSON of the document (sorted keys, no whitespace), so formatting
/// does not change the hash but any content does.
std::string policy_content_hash(const PolicyDocument& document);

expected<PolicyDocument, FileDiagnostics> read_policy_document(const std::filesystem::path& path);

/// Parses, validates and compiles a policy file; every error carries its position in the file.
expected<std::shared_ptr<const CompiledPolicy>, FileDiagnostics> load_policy(const std::filesystem::path& path);
expected<std::shared_ptr<const CompiledPolicy>, FileDiagnostics> compile_policy_text(std::string_view text,
                                                                                   const std::string& file_name);

/// An evaluation input: a `Case` object ({"application", "providers", "velocity"}) or a bare
/// application (then no provider was called).
expected<Case, FileDiagnostics> read_case(const std::filesystem::path& path);

}  // namespace verdict::files
