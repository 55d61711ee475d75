// Feeds arbitrary bytes to the JSON body decoding every API route uses (parse_json_object with the
// default limits), then reads typed fields out of whatever object comes back. Any outcome is fine as
// long as it is a value or a Result error: no crash, no sanitizer report, no escaped exception.
#include <barid/core/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

namespace {

void read_fields(const barid::FieldReader& reader, std::string_view name) {
  // Results are inspected so each branch (value or error code) is exercised.
  if (auto text = reader.required_string(name, 1, 200); text) {
    if (text->empty()) std::abort();
    if (barid::utf8_length(*text) > 200) std::abort();
  } else if (text.error().code.empty()) {
    std::abort();
  }
  if (auto number = reader.optional_int(name, -1000, 1'000'000); number) {
    if (number->has_value() && (**number < -1000 || **number > 1'000'000)) std::abort();
  } else if (number.error().code.empty()) {
    std::abort();
  }
  if (auto wide =
          reader.optional_int(name, std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max());
      !wide && wide.error().code.empty()) {
    std::abort();
  }
  if (auto items = reader.required_string_array(name, 16, 32); items) {
    if (items->size() > 16) std::abort();
    for (const auto& item : *items) {
      if (item.empty() || barid::utf8_length(item) > 32) std::abort();
    }
  } else if (items.error().code.empty()) {
    std::abort();
  }
  if (auto flag = reader.optional_bool(name); !flag && flag.error().code.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto parsed = barid::parse_json_object(bytes);
  if (!parsed) {
    if (parsed.error().code.empty()) std::abort();
    return 0;
  }
  const barid::Json& object = *parsed;
  if (!object.is_object()) std::abort();
  // Whatever was accepted is valid UTF-8, so it must serialise back without throwing.
  (void)object.dump();

  const barid::FieldReader reader(object);
  for (const std::string_view name : {"login", "password", "roles", "scopes", "amount", "active", ""}) {
    read_fields(reader, name);
  }
  // Also every key the input actually has, so each reader meets every JSON type.
  int keys = 0;
  for (const auto& item : object.items()) {
    if (++keys > 32) break;
    read_fields(reader, item.key());
  }
  return 0;
}
