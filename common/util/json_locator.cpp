#include "util/json_locator.hpp"

#include <string>

namespace verdict {

namespace {

struct Scanner {
  std::string_view text;
  std::size_t i = 0;
  bool failed = false;

  void ws() {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
  }

  // Decodes a string at i (on the quote); simple escapes only matter for matching keys.
  std::string string() {
    std::string out;
    ++i;
    while (i < text.size() && text[i] != '"') {
      if (text[i] == '\\' && i + 1 < text.size()) {
        const char e = text[i + 1];
        if (e == 'u') {
          out += "?";
          i += 6;
          continue;
        }
        out.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
        i += 2;
        continue;
      }
      out.push_back(text[i++]);
    }
    ++i;
    return out;
  }

  void skip_value() {
    ws();
    if (i >= text.size()) {
      failed = true;
      return;
    }
    const char c = text[i];
    if (c == '"') {
      string();
    } else if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++i;
      ws();
      if (i < text.size() && text[i] == close) {
        ++i;
        return;
      }
      while (!failed && i < text.size()) {
        if (c == '{') {
          ws();
          string();
          ws();
          ++i;  // ':'
        }
        skip_value();
        ws();
        if (i < text.size() && text[i] == ',') {
          ++i;
          continue;
        }
        if (i < text.size() && text[i] == close) {
          ++i;
          return;
        }
        failed = true;
      }
    } else {
      while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ']' && text[i] != ' ' &&
             text[i] != '\n' && text[i] != '\r' && text[i] != '\t')
        ++i;
    }
  }
};

std::string unescape_token(std::string_view token) {
  std::string out;
  for (std::size_t k = 0; k < token.size(); ++k) {
    if (token[k] == '~' && k + 1 < token.size()) {
      out.push_back(token[k + 1] == '1' ? '/' : '~');
      ++k;
    } else {
      out.push_back(token[k]);
    }
  }
  return out;
}

}  // namespace

std::optional<std::size_t> locate_json_pointer(std::string_view json_text, std::string_view pointer) {
  Scanner s{json_text};
  s.ws();
  std::size_t from = pointer.empty() ? std::string_view::npos : 0;
  while (from != std::string_view::npos) {
    const std::size_t next = pointer.find('/', from + 1);
    const std::string token =
        unescape_token(pointer.substr(from + 1, next == std::string_view::npos ? std::string_view::npos : next - from - 1));
    from = next;
    s.ws();
    if (s.i >= json_text.size()) return std::nullopt;
    if (json_text[s.i] == '{') {
      ++s.i;
      bool found = false;
      while (!s.failed && s.i < json_text.size()) {
        s.ws();
        if (json_text[s.i] == '}') return std::nullopt;
        const std::string key = s.string();
        s.ws();
        ++s.i;  // ':'
        s.ws();
        if (key == token) {
          found = true;
          break;
        }
        s.skip_value();
        s.ws();
        if (s.i < json_text.size() && json_text[s.i] == ',') ++s.i;
      }
      if (!found) return std::nullopt;
    } else if (json_text[s.i] == '[') {
      ++s.i;
      std::size_t index = 0;
      try {
        index = std::stoul(token);
      } catch (...) {
        return std::nullopt;
      }
      for (std::size_t k = 0; k < index && !s.failed; ++k) {
        s.skip_value();
        s.ws();
        if (s.i < json_text.size() && json_text[s.i] == ',') ++s.i;
        else return std::nullopt;
      }
      s.ws();
    } else {
      return std::nullopt;
    }
    if (s.failed) return std::nullopt;
  }
  s.ws();
  return s.i < json_text.size() ? std::optional<std::size_t>(s.i) : std::nullopt;
}

TextPosition position_of(std::string_view text, std::size_t offset) {
  TextPosition p;
  for (std::size_t k = 0; k < offset && k < text.size(); ++k) {
    if (text[k] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

TextPosition position_of_pointer(std::string_view text, std::string pointer) {
  for (;;) {
    if (auto offset = locate_json_pointer(text, pointer)) return position_of(text, *offset);
    const auto slash = pointer.rfind('/');
    if (slash == std::string::npos || pointer.empty()) return {1, 1};
    pointer.resize(slash);
  }
}

std::size_t offset_in_string(std::string_view json_text, std::size_t string_offset, std::size_t decoded_offset) {
  std::size_t raw = string_offset + 1;  // after the quote
  for (std::size_t decoded = 0; decoded < decoded_offset && raw < json_text.size() && json_text[raw] != '"'; ++decoded)
    raw += json_text[raw] != '\\' ? std::size_t{1} : (json_text[raw + 1] == 'u' ? std::size_t{6} : std::size_t{2});
  return raw;
}

}  // namespace verdict
