#include "files/policy_files.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "crypto/hashing.hpp"
#include "util/json_locator.hpp"

namespace verdict::files {

std::string FileDiagnostic::to_string() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

expected<std::string, std::string> read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot open " + path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string policy_content_hash(const PolicyDocument& document) {
  return "sha256:" + crypto::sha256_hex(encode(document).dump());
}

namespace {


FileDiagnostics from_input_errors(const InputErrors& errors, std::string_view text, const std::string& file) {
  FileDiagnostics out;
  for (const auto& e : errors.errors) {
    const TextPosition pos = position_of_pointer(text, e.pointer);
    out.push_back({file, pos.line, pos.column, (e.pointer.empty() ? "" : e.pointer + ": ") + e.message});
  }
  return out;
}

expected<nlohmann::json, FileDiagnostics> parse_json(std::string_view text, const std::string& file) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const TextPosition pos = position_of(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string message = e.what();
    if (const auto cut = message.find("parse error"); cut != std::string::npos) message = message.substr(cut);
    return unexpected(FileDiagnostics{{file, pos.line, pos.column, "invalid JSON: " + message}});
  }
}

expected<PolicyDocument, FileDiagnostics> document_from_text(std::string_view text, const std::string& file) {
  auto json = parse_json(text, file);
  if (!json) return unexpected(json.error());
  auto doc = decode_policy(*json);
  if (!doc) return unexpected(from_input_errors(doc.error(), text, file));
  return std::move(*doc);
}

}  // namespace

expected<PolicyDocument, FileDiagnostics> read_policy_document(const std::filesystem::path& path) {
  auto text = read_text(path);
  if (!text) return unexpected(FileDiagnostics{{path.string(), 0, 0, text.error()}});
  return document_from_text(*text, path.string());
}

expected<std::shared_ptr<const CompiledPolicy>, FileDiagnostics> compile_policy_text(std::string_view text,
                                                                                   const std::string& file) {
  auto doc = document_from_text(text, file);
  if (!doc) return unexpected(doc.error());
  std::string hash = policy_content_hash(*doc);
  auto compiled = CompiledPolicy::compile(std::move(*doc), std::move(hash));
  if (compiled) return std::move(*compiled);

  FileDiagnostics out;
  for (const auto& d : compiled.error()) {
    if (d.line == 0) {
      const TextPosition pos = position_of_pointer(text, d.pointer);
      out.push_back({file, pos.line, pos.column, d.pointer + ": " + d.message});
      continue;
    }
    // An expression error: from the string's position in the file plus the offset inside it.
    const auto string_start = locate_json_pointer(text, d.pointer);
    if (!string_start) {
      out.push_back({file, 1, 1, d.pointer + ": " + d.message});
      continue;
    }
    // Column/line inside the expression -> decoded offset.
    auto expr = nlohmann::json::parse(text).at(nlohmann::json::json_pointer(d.pointer)).get<std::string>();
    std::size_t decoded = 0;
    for (std::uint32_t line = 1; line < d.line && decoded < expr.size(); ++decoded)
      if (expr[decoded] == '\n') ++line;
    decoded += d.column - 1;
    const TextPosition pos = position_of(text, offset_in_string(text, *string_start, decoded));
    out.push_back({file, pos.line, pos.column, d.pointer + ": " + d.message});
  }
  return unexpected(std::move(out));
}

expected<std::shared_ptr<const CompiledPolicy>, FileDiagnostics> load_policy(const std::filesystem::path& path) {
  auto text = read_text(path);
  if (!text) return unexpected(FileDiagnostics{{path.string(), 0, 0, text.error()}});
  return compile_policy_text(*text, path.string());
}

expected<Case, FileDiagnostics> read_case(const std::filesystem::path& path) {
  auto text = read_text(path);
  const std::string file = path.string();
  if (!text) return unexpected(FileDiagnostics{{file, 0, 0, text.error()}});
  auto json = parse_json(*text, file);
  if (!json) return unexpected(json.error());
  if (json->is_object() && json->contains("application")) {
    auto c = decode_case(*json);
    if (!c) return unexpected(from_input_errors(c.error(), *text, file));
    return std::move(*c);
  }
  auto app = decode_application(*json);
  if (!app) return unexpected(from_input_errors(app.error(), *text, file));
  Case c;
  c.application = std::move(*app);
  return c;
}

}  // namespace verdict::files
