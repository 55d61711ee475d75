// Feeds arbitrary bytes to the RFC 3339 parser the API uses for timestamps (expires_at, ...), with
// a round-trip property: any instant it accepts must be printable by format_utc_ms() as text that
// parses back to the same millisecond.
#include <barid/core/time.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto ms = barid::parse_rfc3339_ms(text);
  if (!ms) return 0;
  const std::string formatted = barid::format_utc_ms(*ms);
  const auto again = barid::parse_rfc3339_ms(formatted);
  if (!again || *again != *ms) {
    std::fprintf(stderr, "rfc3339 round trip failed: input \"%.*s\" -> %lld ms -> \"%s\" -> %s\n",
                 static_cast<int>(text.size()), text.data(), static_cast<long long>(*ms), formatted.c_str(),
                 again ? std::to_string(*again).c_str() : "rejected");
    std::abort();
  }
  return 0;
}
