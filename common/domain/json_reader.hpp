#pragma once
// Reads one JSON object field by field, recording every problem with its JSON pointer. Shared by
// the domain and policy codecs; not part of the public API.
#include <algorithm>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "domain/codec.hpp"
#include "domain/date.hpp"

namespace verdict::detail {

using nlohmann::json;

inline constexpr Cents max_money = 100'000'000'00;  // EUR 100 million: anything larger is a typo or an attack

inline std::string escape_pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out.push_back(c);
  }
  return out;
}

/// Walks one JSON object, recording every problem with its pointer.
class ObjectReader {
 public:
  ObjectReader(const json& value, std::string pointer, InputErrors& errors)
      : value_(value), pointer_(std::move(pointer)), errors_(errors) {
    ok_ = value_.is_object();
    if (!ok_) fail(pointer_, "must be an object");
  }

  bool ok() const { return ok_; }
  const std::string& pointer() const { return pointer_; }
  std::string child(std::string_view key) const { return pointer_ + "/" + escape_pointer_token(key); }

  void fail(const std::string& pointer, std::string message) { errors_.errors.push_back({pointer, std::move(message)}); }

  /// Keys not in `known` are errors: a misspelt field must not be silently dropped.
  void reject_unknown(std::initializer_list<std::string_view> known) {
    if (!ok_) return;
    for (const auto& [key, _] : value_.items()) {
      if (std::find(known.begin(), known.end(), key) == known.end()) fail(child(key), "is not a known field");
    }
  }

  const json* find(std::string_view key, bool required) {
    if (!ok_) return nullptr;
    const auto it = value_.find(key);
    if (it == value_.end() || it->is_null()) {
      if (required) fail(child(key), "is required");
      return nullptr;
    }
    return &*it;
  }

  std::string string(std::string_view key, bool required, std::size_t max_len = 200) {
    const json* v = find(key, required);
    if (!v) return {};
    if (!v->is_string()) {
      fail(child(key), "must be a string");
      return {};
    }
    std::string s = v->get<std::string>();
    if (s.size() > max_len) {
      fail(child(key), "is longer than " + std::to_string(max_len) + " characters");
      return {};
    }
    if (required && s.empty()) fail(child(key), "must not be empty");
    return s;
  }

  std::int64_t integer(std::string_view key, bool required, std::int64_t min, std::int64_t max,
                       std::int64_t fallback = 0) {
    const json* v = find(key, required);
    if (!v) return fallback;
    if (!v->is_number_integer()) {
      fail(child(key), "must be an integer");
      return fallback;
    }
    // Unsigned values beyond int64 are out of range too.
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
      fail(child(key), "must be at most " + std::to_string(max));
      return fallback;
    }
    const auto n = v->get<std::int64_t>();
    if (n < min || n > max) {
      fail(child(key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return fallback;
    }
    return n;
  }

  int small_int(std::string_view key, bool required, int min, int max, int fallback = 0) {
    return static_cast<int>(integer(key, required, min, max, fallback));
  }

  Cents money(std::string_view key, bool required) { return integer(key, required, 0, max_money); }

  bool boolean(std::string_view key, bool required, bool fallback = false) {
    const json* v = find(key, required);
    if (!v) return fallback;
    if (!v->is_boolean()) {
      fail(child(key), "must be true or false");
      return fallback;
    }
    return v->get<bool>();
  }

  Date date(std::string_view key, bool required) {
    const json* v = find(key, required);
    if (!v) return {};
    if (v->is_string()) {
      if (auto d = parse_iso_date(v->get_ref<const std::string&>())) return *d;
    }
    fail(child(key), "must be a date YYYY-MM-DD");
    return {};
  }

  template <class Enum>
  Enum enumeration(std::string_view key, bool required, std::optional<Enum> (*parse)(std::string_view),
                   std::string_view allowed, Enum fallback) {
    const json* v = find(key, required);
    if (!v) return fallback;
    if (v->is_string()) {
      if (auto e = parse(v->get_ref<const std::string&>())) return *e;
    }
    fail(child(key), "must be one of " + std::string(allowed));
    return fallback;
  }

  const json& value() const { return value_; }

 private:
  const json& value_;
  std::string pointer_;
  InputErrors& errors_;
  bool ok_ = false;
};


}  // namespace verdict::detail
