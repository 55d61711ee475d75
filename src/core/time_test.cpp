#include <barid/core/time.hpp>

#include <gtest/gtest.h>

namespace barid {
namespace {

TEST(Time, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_utc_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_utc_ms(1795320000123), "2026-11-22T04:00:00.123Z");
}

TEST(Time, ParsesOffsetsAndFractions) {
  EXPECT_EQ(parse_rfc3339_ms("2026-11-22T04:00:00.123Z"), 1795320000123);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-22T06:00:00+02:00"), 1795320000000);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-22T04:00:00.5Z"), 1795320000500);
}

TEST(Time, RejectsImpossibleDates) {
  EXPECT_FALSE(parse_rfc3339_ms("2026-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(parse_rfc3339_ms("2026-13-01T00:00:00Z").has_value());
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-22T04:00:00").has_value());
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-22T04:00:00Zjunk").has_value());
  EXPECT_TRUE(parse_rfc3339_ms("2024-02-29T00:00:00Z").has_value());
  // Offsets that move the instant outside years 0000-9999 (found by fuzz_rfc3339).
  EXPECT_FALSE(parse_rfc3339_ms("9999-12-31t23:59:59.999999-00:30").has_value());
  EXPECT_FALSE(parse_rfc3339_ms("0000-01-01T00:00:00+00:01").has_value());
  EXPECT_TRUE(parse_rfc3339_ms("9999-12-31T23:59:59.999Z").has_value());
}

TEST(Time, RoundTrips) {
  for (std::int64_t ms : {0LL, 951782400000LL, 4102444799999LL}) {
    EXPECT_EQ(parse_rfc3339_ms(format_utc_ms(ms)), ms);
  }
}

}  // namespace
}  // namespace barid
