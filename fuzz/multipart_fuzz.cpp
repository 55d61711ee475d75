// Feeds arbitrary bytes to parse_multipart_form_data. The first byte picks the Content-Type: even, a
// fixed "multipart/form-data; boundary=XyZ" and the rest is the body (so the fuzzer explores bodies);
// odd, the Content-Type is the rest up to the first '\n' and the body what follows. Bit 1 picks small
// limits. Beyond "no crash": every part body lies inside the input, in order and without overlap;
// names are non-empty; filenames are 1..255 bytes of valid UTF-8 without '/', '\\' or control characters;
// content types are lower-case type/subtype; errors are not_multipart or invalid_multipart.
#include <barid/core/json.hpp>
#include <barid/http/multipart.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string_view content_type = "multipart/form-data; boundary=XyZ";
  std::string_view body = input;
  if ((data[0] & 1) != 0) {
    const std::size_t line_end = input.find('\n');
    content_type = input.substr(0, line_end);
    body = line_end == std::string_view::npos ? std::string_view() : input.substr(line_end + 1);
  }
  barid::http::MultipartLimits limits;
  if ((data[0] & 2) != 0) {
    limits.max_parts = 3;
    limits.max_part_header_bytes = 100;
  }

  const auto parts = barid::http::parse_multipart_form_data(content_type, body, limits);
  if (!parts.ok()) {
    if (parts.error().code != "not_multipart" && parts.error().code != "invalid_multipart") std::abort();
    if (parts.error().message.empty()) std::abort();
    return 0;
  }
  if (parts->size() > limits.max_parts) std::abort();
  const char* previous_end = body.data();
  for (const auto& part : *parts) {
    if (part.body.size() > 0) {
      if (part.body.data() < previous_end || part.body.data() + part.body.size() > body.data() + body.size()) {
        std::abort();
      }
      previous_end = part.body.data() + part.body.size();
    }
    if (part.name.empty() || !barid::is_valid_utf8(part.name)) std::abort();
    if (part.filename) {
      const std::string_view filename = *part.filename;
      if (filename.empty() || filename.size() > 255 || !barid::is_valid_utf8(filename)) std::abort();
      if (filename == "." || filename == "..") std::abort();
      for (const char c : filename) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '/' || c == '\\' || byte < 0x20 || byte == 0x7F) std::abort();
      }
    }
    const std::string_view type = part.content_type;
    const std::size_t slash = type.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == type.size()) std::abort();
    if (std::any_of(type.begin(), type.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) std::abort();
  }
  return 0;
}
