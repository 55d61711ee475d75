// Wall-clock time as UTC milliseconds since the Unix epoch, the one unit stored and compared
// everywhere, and its RFC 3339 text form used by the API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace barid {

std::int64_t now_ms();
// Monotonic clock for durations, in microseconds.
std::int64_t monotonic_us();

// "2026-11-22T07:18:13.123Z"
std::string format_utc_ms(std::int64_t unix_ms);
// Accepts RFC 3339 date-times with 'Z' or a ±hh:mm offset and optional fractional seconds.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text);

}  // namespace barid
