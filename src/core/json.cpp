#include <barid/core/json.hpp>

namespace barid {

bool is_valid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    const unsigned char lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      code_point = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      code_point = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      code_point = lead & 0x07u;
    } else {
      return false;
    }
    if (i + length > size) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const unsigned char continuation = bytes[i + k];
      if ((continuation & 0xC0u) != 0x80u) return false;
      code_point = (code_point << 6) | (continuation & 0x3Fu);
    }
    const bool overlong = (length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000);
    const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
    if (overlong || surrogate || code_point > 0x10FFFF) return false;
    i += length;
  }
  return true;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0u) != 0x80u) ++count;
  }
  return count;
}

namespace {

// Deepest nesting of arrays and objects, counted outside string literals.
int nesting_depth(std::string_view text, int stop_above) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > stop_above) return deepest;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

Result<Json> parse_json(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return make_error(ErrorKind::payload_too_large, "payload_too_large",
                      "the JSON document is larger than " + std::to_string(limits.max_bytes) + " bytes");
  }
  if (!is_valid_utf8(text)) return invalid_input("invalid_utf8", "the body is not valid UTF-8");
  if (nesting_depth(text, limits.max_depth) > limits.max_depth) {
    return invalid_input("json_too_deep",
                         "the JSON document nests deeper than " + std::to_string(limits.max_depth) + " levels");
  }
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& error) {
    return invalid_input("malformed_json", "the body is not valid JSON (at byte " + std::to_string(error.byte) + ")");
  } catch (const Json::exception&) {
    // e.g. a number too large for a double (1e400)
    return invalid_input("malformed_json", "the body holds a value JSON cannot represent here");
  }
}

Result<Json> parse_json_object(std::string_view text, const JsonLimits& limits) {
  auto parsed = parse_json(text, limits);
  if (!parsed) return parsed;
  if (!parsed->is_object()) return invalid_input("body_must_be_object", "the body must be a JSON object");
  return parsed;
}

const Json* FieldReader::find(std::string_view name) const {
  auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

namespace {

Error missing(std::string_view name) {
  return invalid_input("missing_field", "the field '" + std::string(name) + "' is required");
}
Error invalid(std::string_view name, const std::string& what) {
  return invalid_input("invalid_field", "the field '" + std::string(name) + "' " + what);
}

}  // namespace

Result<std::optional<std::string>> FieldReader::optional_string(std::string_view name, std::size_t min_chars,
                                                                std::size_t max_chars) const {
  const Json* field = find(name);
  if (field == nullptr) return std::optional<std::string>{};
  if (!field->is_string()) return invalid(name, "must be a string");
  const auto& text = field->get_ref<const std::string&>();
  if (text.find('\0') != std::string::npos) return invalid(name, "must not contain NUL characters");
  const std::size_t length = utf8_length(text);
  if (length < min_chars || length > max_chars) {
    return invalid(name, "must have " + std::to_string(min_chars) + " to " + std::to_string(max_chars) + " characters");
  }
  return std::optional<std::string>{text};
}

Result<std::string> FieldReader::required_string(std::string_view name, std::size_t min_chars,
                                                 std::size_t max_chars) const {
  auto value = optional_string(name, min_chars, max_chars);
  if (!value) return std::move(value).error();
  if (!value->has_value()) return missing(name);
  return std::move(**value);
}

Result<std::optional<std::int64_t>> FieldReader::optional_int(std::string_view name, std::int64_t min,
                                                              std::int64_t max) const {
  const Json* field = find(name);
  if (field == nullptr) return std::optional<std::int64_t>{};
  if (!field->is_number_integer()) return invalid(name, "must be an integer");
  std::int64_t value = 0;
  if (field->is_number_unsigned()) {
    const auto unsigned_value = field->get<std::uint64_t>();
    if (unsigned_value > static_cast<std::uint64_t>(max)) {
      return invalid(name, "must be at most " + std::to_string(max));
    }
    value = static_cast<std::int64_t>(unsigned_value);
  } else {
    value = field->get<std::int64_t>();
  }
  if (value < min || value > max) {
    return invalid(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return std::optional<std::int64_t>{value};
}

Result<std::int64_t> FieldReader::required_int(std::string_view name, std::int64_t min, std::int64_t max) const {
  auto value = optional_int(name, min, max);
  if (!value) return std::move(value).error();
  if (!value->has_value()) return missing(name);
  return **value;
}

Result<std::optional<bool>> FieldReader::optional_bool(std::string_view name) const {
  const Json* field = find(name);
  if (field == nullptr) return std::optional<bool>{};
  if (!field->is_boolean()) return invalid(name, "must be true or false");
  return std::optional<bool>{field->get<bool>()};
}

Result<std::vector<std::string>> FieldReader::required_string_array(std::string_view name, std::size_t max_items,
                                                                    std::size_t max_chars) const {
  const Json* field = find(name);
  if (field == nullptr) return missing(name);
  if (!field->is_array()) return invalid(name, "must be an array of strings");
  if (field->size() > max_items) return invalid(name, "may hold at most " + std::to_string(max_items) + " items");
  std::vector<std::string> values;
  values.reserve(field->size());
  for (const auto& item : *field) {
    if (!item.is_string()) return invalid(name, "must be an array of strings");
    const auto& text = item.get_ref<const std::string&>();
    if (text.find('\0') != std::string::npos) return invalid(name, "items must not contain NUL characters");
    if (text.empty() || utf8_length(text) > max_chars) {
      return invalid(name, "items must have 1 to " + std::to_string(max_chars) + " characters");
    }
    values.push_back(text);
  }
  return values;
}

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  out_.push_back('{');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  separate();
  out_.push_back('[');
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  string(name);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view text) {
  separate();
  static constexpr char kHex[] = "0123456789abcdef";
  out_.push_back('"');
  std::size_t run_start = 0;  // characters that need no escape are copied in runs
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte != '"' && byte != '\\') continue;
    out_.append(text.data() + run_start, i - run_start);
    run_start = i + 1;
    switch (byte) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\b': out_ += "\\b"; break;
      case '\f': out_ += "\\f"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      default:
        out_ += "\\u00";
        out_.push_back(kHex[byte >> 4]);
        out_.push_back(kHex[byte & 0x0F]);
    }
  }
  out_.append(text.data() + run_start, text.size() - run_start);
  out_.push_back('"');
  return *this;
}

JsonWriter& JsonWriter::number(std::int64_t value) {
  separate();
  out_ += std::to_string(value);
  return *this;
}

JsonWriter& JsonWriter::boolean(bool value) {
  separate();
  out_ += value ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

}  // namespace barid
