// JSON decoding of untrusted input: UTF-8, nesting depth and size are checked before the parser
// sees the text, and field readers turn missing or mistyped fields into stable error codes.
#pragma once

#include <barid/core/result.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace barid {

using Json = nlohmann::json;

struct JsonLimits {
  int max_depth = 32;
  std::size_t max_bytes = 1024 * 1024;
};

// Whether `text` is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text);

// Parses a JSON document. Errors: invalid_utf8, json_too_deep, payload_too_large, malformed_json.
Result<Json> parse_json(std::string_view text, const JsonLimits& limits = {});
// As parse_json, and the top level must be an object (body_must_be_object).
Result<Json> parse_json_object(std::string_view text, const JsonLimits& limits = {});

// Reads typed fields out of a JSON object, naming the field in each error:
// missing_field, invalid_field (wrong type, length or range).
class FieldReader {
 public:
  explicit FieldReader(const Json& object) : object_(object) {}

  Result<std::string> required_string(std::string_view name, std::size_t min_chars, std::size_t max_chars) const;
  Result<std::optional<std::string>> optional_string(std::string_view name, std::size_t min_chars,
                                                     std::size_t max_chars) const;
  Result<std::int64_t> required_int(std::string_view name, std::int64_t min, std::int64_t max) const;
  Result<std::optional<std::int64_t>> optional_int(std::string_view name, std::int64_t min, std::int64_t max) const;
  Result<std::optional<bool>> optional_bool(std::string_view name) const;
  Result<std::vector<std::string>> required_string_array(std::string_view name, std::size_t max_items,
                                                         std::size_t max_chars) const;

 private:
  const Json* find(std::string_view name) const;
  const Json& object_;
};

// Length in Unicode code points of valid UTF-8 text.
std::size_t utf8_length(std::string_view text);

// Writes JSON straight into a string, for hot paths where building a Json tree costs more than the
// work around it. Strings must be valid UTF-8; they are escaped exactly as Json::dump() escapes
// them, so a writer that emits keys in sorted order produces the same bytes as dump() would.
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view text);
  JsonWriter& number(std::int64_t value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  JsonWriter& optional_string(const std::optional<std::string>& text) { return text ? string(*text) : null(); }

  std::string& text() { return out_; }
  void reserve(std::size_t bytes) { out_.reserve(bytes); }

 private:
  void separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace barid
