// Working-day calendars and D+n arithmetic on local calendar days (REFERENCE §8).
#include <barid/parcels/calendar.hpp>

#include <barid/core/check.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <utility>

namespace barid::parcels {

namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr std::array<std::string_view, 7> kDayNames{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

// 0 = Monday … 6 = Sunday.
int weekday_index(std::int64_t day) {
  const std::chrono::sys_days date{std::chrono::days{day}};
  return static_cast<int>(std::chrono::weekday{date}.iso_encoding()) - 1;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t quotient = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient;
}

std::int32_t saturate(std::int64_t day) {
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(day, std::numeric_limits<std::int32_t>::min(),
                                                            std::numeric_limits<std::int32_t>::max()));
}

// The local day of an instant and the milliseconds since that day's local midnight, without
// overflowing for any unix_ms.
std::pair<std::int64_t, std::int64_t> local_day_and_ms(std::int64_t unix_ms, std::int32_t utc_offset_minutes) {
  BARID_CHECK(utc_offset_minutes >= -kMaxUtcOffsetMinutes && utc_offset_minutes <= kMaxUtcOffsetMinutes,
              "a UTC offset is within ±18 hours");
  const std::int64_t utc_day = floor_div(unix_ms, kMsPerDay);
  std::int64_t utc_ms_after_midnight = unix_ms % kMsPerDay;
  if (utc_ms_after_midnight < 0) utc_ms_after_midnight += kMsPerDay;
  const std::int64_t local_ms = utc_ms_after_midnight + std::int64_t{utc_offset_minutes} * 60'000;
  const std::int64_t shift = floor_div(local_ms, kMsPerDay);
  return {utc_day + shift, local_ms - shift * kMsPerDay};
}

bool has_working_weekday(const Calendar& calendar) {
  return std::find(calendar.weekend.begin(), calendar.weekend.end(), false) != calendar.weekend.end();
}

bool is_working(const Calendar& calendar, std::int64_t day) {
  if (calendar.weekend[static_cast<std::size_t>(weekday_index(day))]) return false;
  return day < std::numeric_limits<std::int32_t>::min() || day > std::numeric_limits<std::int32_t>::max() ||
         !calendar.holidays.contains(static_cast<std::int32_t>(day));
}

// The first working day on or after `day`. Terminates: a week has a working weekday and the
// holidays are finitely many.
std::int64_t next_working_day(const Calendar& calendar, std::int64_t day) {
  BARID_CHECK(has_working_weekday(calendar), "a calendar has a working day in its week");
  while (!is_working(calendar, day)) ++day;
  return day;
}

Error calendar_error(std::string_view field, const std::string& rule) {
  return invalid_input("invalid_calendar", std::string(field) + ": " + rule);
}

std::array<bool, 7> weekend_of(std::initializer_list<int> days) {
  std::array<bool, 7> weekend{};
  for (const int day : days) weekend[static_cast<std::size_t>(day)] = true;
  return weekend;
}

}  // namespace

Calendar default_calendar(std::string_view country) {
  // Friday–Saturday across most of the region; Saturday–Sunday in the Maghreb's Morocco and
  // Tunisia, Lebanon, and the UAE since 1 January 2022 (the federal government's Friday afternoon
  // and Sharjah's three-day weekend are local calendars, loaded as data).
  static constexpr std::array<std::string_view, 13> kFridaySaturday{"EG", "SA", "DZ", "JO", "IQ", "SY", "KW",
                                                                    "QA", "BH", "OM", "YE", "LY", "SD"};
  const bool friday_saturday =
      std::find(kFridaySaturday.begin(), kFridaySaturday.end(), country) != kFridaySaturday.end();
  Calendar calendar;
  calendar.country = std::string(country);
  calendar.weekend = friday_saturday ? weekend_of({4, 5}) : weekend_of({5, 6});
  return calendar;
}

Result<Calendar> calendar_from_json(const Json& json) {
  if (!json.is_object()) return invalid_input("invalid_calendar", "a calendar must be a JSON object");
  for (const auto& [key, value] : json.items()) {
    if (key != "country" && key != "weekend" && key != "holidays") {
      return calendar_error(key, "is not a calendar field (country, weekend, holidays)");
    }
  }

  const auto country = json.find("country");
  if (country == json.end() || country->is_null()) return calendar_error("country", "is required");
  const bool alpha2 =
      country->is_string() && country->get_ref<const std::string&>().size() == 2 &&
      std::all_of(country->get_ref<const std::string&>().begin(), country->get_ref<const std::string&>().end(),
                  [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!alpha2) return calendar_error("country", "must be an ISO 3166-1 alpha-2 code in capitals such as EG");
  Calendar calendar = default_calendar(country->get<std::string>());

  const auto weekend = json.find("weekend");
  if (weekend != json.end() && !weekend->is_null()) {
    if (!weekend->is_array()) return calendar_error("weekend", "must be an array of day names (\"fri\", \"sat\")");
    calendar.weekend = {};
    for (std::size_t i = 0; i < weekend->size(); ++i) {
      const std::string field = "weekend[" + std::to_string(i) + "]";
      const Json& item = (*weekend)[i];
      const auto name =
          item.is_string() ? std::find(kDayNames.begin(), kDayNames.end(), item.get<std::string>()) : kDayNames.end();
      if (name == kDayNames.end()) {
        return calendar_error(field, "must be one of mon, tue, wed, thu, fri, sat, sun");
      }
      const auto index = static_cast<std::size_t>(name - kDayNames.begin());
      if (calendar.weekend[index]) return calendar_error(field, "\"" + std::string(*name) + "\" is listed twice");
      calendar.weekend[index] = true;
    }
    if (!has_working_weekday(calendar)) {
      return calendar_error("weekend", "at least one day of the week must be a working day");
    }
  }

  const auto holidays = json.find("holidays");
  if (holidays != json.end() && !holidays->is_null()) {
    if (!holidays->is_array()) return calendar_error("holidays", "must be an array of dates (\"2026-01-07\")");
    if (holidays->size() > kMaxCalendarHolidays) {
      return calendar_error("holidays", "may hold at most " + std::to_string(kMaxCalendarHolidays) + " dates");
    }
    for (std::size_t i = 0; i < holidays->size(); ++i) {
      const std::string field = "holidays[" + std::to_string(i) + "]";
      const Json& item = (*holidays)[i];
      if (!item.is_string()) return calendar_error(field, "must be a date as a string (\"2026-01-07\")");
      const auto& text = item.get_ref<const std::string&>();
      const auto day = parse_day(text);
      if (!day) {
        // Quoted only when it is short and printable, so that a message never carries garbage.
        const bool printable =
            text.size() <= 16 && std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
        return calendar_error(field, (printable ? text + " is" : std::string("is")) + " not a date (YYYY-MM-DD)");
      }
      if (!calendar.holidays.insert(*day).second) return calendar_error(field, text + " is listed twice");
    }
  }
  return calendar;
}

Json calendar_json(const Calendar& calendar) {
  Json weekend = Json::array();
  for (std::size_t i = 0; i < calendar.weekend.size(); ++i) {
    if (calendar.weekend[i]) weekend.push_back(kDayNames[i]);
  }
  Json holidays = Json::array();
  for (const std::int32_t day : calendar.holidays) holidays.push_back(format_day(day));
  return Json{{"country", calendar.country}, {"weekend", std::move(weekend)}, {"holidays", std::move(holidays)}};
}

bool is_working_day(const Calendar& calendar, std::int32_t day) {
  return is_working(calendar, day);
}

std::int32_t civil_day(std::int64_t unix_ms, std::int32_t utc_offset_minutes) {
  return saturate(local_day_and_ms(unix_ms, utc_offset_minutes).first);
}

std::int32_t posting_day(const Calendar& calendar, std::int64_t posted_ms, std::int32_t utc_offset_minutes,
                         std::int32_t cutoff_minutes_after_midnight) {
  BARID_CHECK(cutoff_minutes_after_midnight >= 0 && cutoff_minutes_after_midnight <= kMinutesPerDay,
              "a cut-off is a time of day");
  const auto [day, ms_after_midnight] = local_day_and_ms(posted_ms, utc_offset_minutes);
  const bool after_cutoff = ms_after_midnight >= std::int64_t{cutoff_minutes_after_midnight} * 60'000;
  return saturate(next_working_day(calendar, after_cutoff ? day + 1 : day));
}

std::int32_t add_working_days(const Calendar& calendar, std::int32_t day, int n) {
  BARID_CHECK(has_working_weekday(calendar), "a calendar has a working day in its week");
  const int step = n < 0 ? -1 : 1;
  std::int64_t current = day;
  for (int remaining = n; remaining != 0;) {
    current += step;
    if (is_working(calendar, current)) remaining -= step;
  }
  return saturate(current);
}

int working_days_between(const Calendar& calendar, std::int32_t from_day, std::int32_t to_day) {
  if (to_day <= from_day) return 0;
  // Whole weeks at once, then the rest day by day, then the holidays that fell on working weekdays.
  const std::int64_t span = std::int64_t{to_day} - from_day;
  const auto working_weekdays = std::count(calendar.weekend.begin(), calendar.weekend.end(), false);
  std::int64_t count = (span / 7) * working_weekdays;
  for (std::int64_t day = std::int64_t{from_day} + 1 + (span / 7) * 7; day <= to_day; ++day) {
    if (!calendar.weekend[static_cast<std::size_t>(weekday_index(day))]) ++count;
  }
  for (auto it = calendar.holidays.upper_bound(from_day); it != calendar.holidays.end() && *it <= to_day; ++it) {
    if (!calendar.weekend[static_cast<std::size_t>(weekday_index(*it))]) --count;
  }
  return static_cast<int>(std::min<std::int64_t>(count, std::numeric_limits<int>::max()));
}

std::string format_day(std::int32_t day) {
  const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{day}}};
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()));
  return text;
}

std::optional<std::int32_t> parse_day(std::string_view yyyy_mm_dd) {
  if (yyyy_mm_dd.size() != 10 || yyyy_mm_dd[4] != '-' || yyyy_mm_dd[7] != '-') return std::nullopt;
  int fields[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (int f = 0; f < 3; ++f) {
    for (std::size_t i = starts[f]; i < starts[f] + lengths[f]; ++i) {
      const char c = yyyy_mm_dd[i];
      if (c < '0' || c > '9') return std::nullopt;
      fields[f] = fields[f] * 10 + (c - '0');
    }
  }
  if (fields[0] < 1) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{fields[0]},
                                         std::chrono::month{static_cast<unsigned>(fields[1])},
                                         std::chrono::day{static_cast<unsigned>(fields[2])}};
  if (!date.ok()) return std::nullopt;
  return static_cast<std::int32_t>(std::chrono::sys_days{date}.time_since_epoch().count());
}

}  // namespace barid::parcels
