// Working-day calendars for delivery standards (D+n, REFERENCE §8): a country's weekend and public
// holidays are data, loaded per country, not code. Days are counted in whole local calendar days
// since 1970-01-01 (day 0), so "the day of posting" never depends on the server's time zone.
#pragma once

#include <barid/core/json.hpp>
#include <barid/core/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace barid::parcels {

inline constexpr std::size_t kMaxCalendarHolidays = 2000;  // about 50 years of a country's holidays
inline constexpr std::int32_t kMaxUtcOffsetMinutes = 18 * 60;
inline constexpr std::int32_t kMinutesPerDay = 24 * 60;

struct Calendar {
  std::string country;              // ISO 3166-1 alpha-2
  std::array<bool, 7> weekend{};    // index 0 = Monday … 6 = Sunday
  std::set<std::int32_t> holidays;  // days since 1970-01-01

  bool operator==(const Calendar&) const = default;
};

// The country's usual weekend and no holidays: Friday–Saturday in EG, SA, DZ, JO, IQ, SY, KW, QA,
// BH, OM, YE, LY, SD; Saturday–Sunday in AE (since 2022), MA, TN, LB and any other country.
Calendar default_calendar(std::string_view country);

// {"country":"EG","weekend":["fri","sat"],"holidays":["2026-01-07", …]}. "weekend" may be left out
// for the country's default; "holidays" too, for none. Errors (invalid_input, code
// invalid_calendar) name the field: "weekend[2]: \"sun\" is listed twice", "holidays[0]:
// 2026-02-30 is not a date (YYYY-MM-DD)"; at least one day of the week must be a working day, and
// at most kMaxCalendarHolidays holidays.
Result<Calendar> calendar_from_json(const Json& json);
// The same shape, holidays in ascending order.
Json calendar_json(const Calendar& calendar);

// Neither a weekend day nor a holiday.
bool is_working_day(const Calendar& calendar, std::int32_t day);

// The local calendar day of an instant at a fixed UTC offset (|offset| ≤ 18 h). Saturates far
// outside the range of std::int32_t days.
std::int32_t civil_day(std::int64_t unix_ms, std::int32_t utc_offset_minutes);

// D: the local day of posting when that is a working day and the item was posted before the cut-off
// (minutes after local midnight, 0…1440; 1440 = no cut-off); otherwise the next working day.
std::int32_t posting_day(const Calendar& calendar, std::int64_t posted_ms, std::int32_t utc_offset_minutes,
                         std::int32_t cutoff_minutes_after_midnight);

// D+n: the n-th working day after `day` (before it when n < 0); `day` itself when n = 0. The
// calendar must have a working day in its week.
std::int32_t add_working_days(const Calendar& calendar, std::int32_t day, int n);

// Transit time in working days: how many working days d satisfy from < d ≤ to; 0 if to ≤ from.
// An item posted on D and delivered on add_working_days(D, n) took n.
int working_days_between(const Calendar& calendar, std::int32_t from_day, std::int32_t to_day);

// "2026-01-07" ↔ days since 1970-01-01. parse_day takes exactly YYYY-MM-DD, years 0001–9999, and a
// real date (no 2026-02-29).
std::string format_day(std::int32_t day);
std::optional<std::int32_t> parse_day(std::string_view yyyy_mm_dd);

}  // namespace barid::parcels
