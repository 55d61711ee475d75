#include <barid/parcels/calendar.hpp>

#include <gtest/gtest.h>

#include <string>

namespace barid::parcels {
namespace {

constexpr std::int32_t kCairo = 120;       // UTC+2 in winter
constexpr std::int32_t kRabat = 60;        // UTC+1
constexpr std::int32_t kRiyadh = 180;      // UTC+3
constexpr std::int32_t kCutoff = 17 * 60;  // last collection at 17:00

std::int32_t day(const char* text) {
  const auto parsed = parse_day(text);
  EXPECT_TRUE(parsed.has_value()) << text;
  return parsed.value_or(0);
}

// The instant of a local wall-clock time on `date` at a UTC offset.
std::int64_t local_ms(const char* date, int hour, int minute, std::int32_t utc_offset_minutes) {
  return std::int64_t{day(date)} * 86'400'000 + (std::int64_t{hour} * 60 + minute - utc_offset_minutes) * 60'000;
}

std::string error_message(const Result<Calendar>& result) {
  if (result.ok()) return "(accepted)";
  EXPECT_EQ(result.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(result.error().code, "invalid_calendar");
  return result.error().message;
}

TEST(Days, ParseAndFormatRoundTrip) {
  EXPECT_EQ(parse_day("1970-01-01"), 0);
  EXPECT_EQ(parse_day("2026-01-08"), 20461);
  EXPECT_EQ(parse_day("2024-02-29"), 19782);
  EXPECT_EQ(parse_day("0001-01-01"), -719162);
  EXPECT_EQ(parse_day("9999-12-31"), 2932896);
  EXPECT_EQ(format_day(-1), "1969-12-31");
  EXPECT_EQ(format_day(20461), "2026-01-08");
  for (std::int32_t d = -800'000; d <= 3'000'000; d += 997) {
    const std::string text = format_day(d);
    if (d >= -719162 && d <= 2932896) {
      EXPECT_EQ(parse_day(text), d) << text;
    }
  }
  for (const char* bad : {"", "2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "0000-01-01", "2026-1-08",
                          "2026/01/08", "2026-01-08T", " 2026-01-08", "２026-01-08", "+026-01-08"}) {
    EXPECT_EQ(parse_day(bad), std::nullopt) << bad;
  }
}

TEST(CivilDay, IsTheLocalDateOfTheInstant) {
  EXPECT_EQ(civil_day(0, 0), 0);
  EXPECT_EQ(civil_day(-1, 0), -1);
  EXPECT_EQ(civil_day(1'767'830'400'000, 0), day("2026-01-08"));  // 2026-01-08T00:00:00Z
  // 23:30 UTC is already the next day in Riyadh, still the same day in New York.
  const std::int64_t late_evening_utc = local_ms("2026-01-08", 23, 30, 0);
  EXPECT_EQ(civil_day(late_evening_utc, kRiyadh), day("2026-01-09"));
  EXPECT_EQ(civil_day(late_evening_utc, -300), day("2026-01-08"));
  EXPECT_EQ(civil_day(local_ms("2026-01-09", 2, 0, 0), -300), day("2026-01-08"));
  // Saturates instead of overflowing.
  EXPECT_EQ(civil_day(INT64_MAX, kMaxUtcOffsetMinutes), INT32_MAX);
  EXPECT_EQ(civil_day(INT64_MIN, -kMaxUtcOffsetMinutes), INT32_MIN);
}

TEST(DefaultCalendars, FollowEachCountrysWeekend) {
  const std::array<bool, 7> friday_saturday{false, false, false, false, true, true, false};
  const std::array<bool, 7> saturday_sunday{false, false, false, false, false, true, true};
  for (const char* country : {"EG", "SA", "DZ", "JO", "IQ", "SY"}) {
    EXPECT_EQ(default_calendar(country).weekend, friday_saturday) << country;
  }
  for (const char* country : {"AE", "MA", "TN", "LB", "FR"}) {
    EXPECT_EQ(default_calendar(country).weekend, saturday_sunday) << country;
  }
  EXPECT_EQ(default_calendar("EG").country, "EG");
  EXPECT_TRUE(default_calendar("EG").holidays.empty());
}

TEST(WorkingDays, ExcludeTheWeekendAndHolidays) {
  Calendar egypt = default_calendar("EG");
  egypt.holidays.insert(day("2026-01-07"));                // Coptic Christmas, a Wednesday
  EXPECT_TRUE(is_working_day(egypt, day("2026-01-08")));   // Thursday
  EXPECT_FALSE(is_working_day(egypt, day("2026-01-09")));  // Friday
  EXPECT_FALSE(is_working_day(egypt, day("2026-01-10")));  // Saturday
  EXPECT_TRUE(is_working_day(egypt, day("2026-01-11")));   // Sunday
  EXPECT_FALSE(is_working_day(egypt, day("2026-01-07")));
  const Calendar morocco = default_calendar("MA");
  EXPECT_TRUE(is_working_day(morocco, day("2026-01-09")));
  EXPECT_FALSE(is_working_day(morocco, day("2026-01-11")));
}

TEST(PostingDay, MovesPastTheCutoffAndTheWeekendOfEachCountry) {
  const Calendar egypt = default_calendar("EG");
  const Calendar morocco = default_calendar("MA");
  // Thursday before the cut-off: that day in both.
  EXPECT_EQ(posting_day(egypt, local_ms("2026-01-08", 16, 59, kCairo), kCairo, kCutoff), day("2026-01-08"));
  EXPECT_EQ(posting_day(morocco, local_ms("2026-01-08", 16, 59, kRabat), kRabat, kCutoff), day("2026-01-08"));
  // Thursday at or after the cut-off: Egypt's Friday and Saturday are weekend, Morocco works on Friday.
  EXPECT_EQ(posting_day(egypt, local_ms("2026-01-08", 17, 0, kCairo), kCairo, kCutoff), day("2026-01-11"));
  EXPECT_EQ(posting_day(egypt, local_ms("2026-01-08", 18, 30, kCairo), kCairo, kCutoff), day("2026-01-11"));
  EXPECT_EQ(posting_day(morocco, local_ms("2026-01-08", 18, 30, kRabat), kRabat, kCutoff), day("2026-01-09"));
  // Friday after the cut-off: Morocco's Saturday and Sunday are weekend.
  EXPECT_EQ(posting_day(morocco, local_ms("2026-01-09", 18, 0, kRabat), kRabat, kCutoff), day("2026-01-12"));
  // Posted on a Saturday morning, before the cut-off: the next working day.
  EXPECT_EQ(posting_day(egypt, local_ms("2026-01-10", 9, 0, kCairo), kCairo, kCutoff), day("2026-01-11"));
  EXPECT_EQ(posting_day(morocco, local_ms("2026-01-10", 9, 0, kRabat), kRabat, kCutoff), day("2026-01-12"));
  // The local day counts, not UTC's: 00:30 in Cairo on Thursday is still Wednesday in UTC.
  EXPECT_EQ(posting_day(egypt, local_ms("2026-01-08", 0, 30, kCairo), kCairo, kCutoff), day("2026-01-08"));
  // No cut-off.
  EXPECT_EQ(posting_day(egypt, local_ms("2026-01-08", 23, 59, kCairo), kCairo, kMinutesPerDay), day("2026-01-08"));
}

TEST(PostingDay, SkipsAHoliday) {
  Calendar egypt = default_calendar("EG");
  egypt.holidays.insert(day("2026-01-07"));
  // Tuesday after the cut-off: Wednesday is Coptic Christmas, so D is Thursday.
  EXPECT_EQ(posting_day(egypt, local_ms("2026-01-06", 18, 0, kCairo), kCairo, kCutoff), day("2026-01-08"));
  // Posted on the holiday itself.
  EXPECT_EQ(posting_day(egypt, local_ms("2026-01-07", 10, 0, kCairo), kCairo, kCutoff), day("2026-01-08"));
}

TEST(AddWorkingDays, CountsOnlyWorkingDays) {
  Calendar egypt = default_calendar("EG");
  const Calendar morocco = default_calendar("MA");
  const std::int32_t thursday = day("2026-01-15");
  EXPECT_EQ(add_working_days(egypt, thursday, 0), thursday);
  EXPECT_EQ(add_working_days(egypt, thursday, 1), day("2026-01-18"));    // Sunday
  EXPECT_EQ(add_working_days(morocco, thursday, 1), day("2026-01-16"));  // Friday
  // D+3 over each weekend.
  EXPECT_EQ(add_working_days(egypt, thursday, 3), day("2026-01-20"));             // Sun, Mon, Tue
  EXPECT_EQ(add_working_days(morocco, thursday, 3), day("2026-01-20"));           // Fri, Mon, Tue
  EXPECT_EQ(add_working_days(morocco, day("2026-01-16"), 3), day("2026-01-21"));  // Mon, Tue, Wed
  // Backwards.
  EXPECT_EQ(add_working_days(egypt, day("2026-01-18"), -1), thursday);
  EXPECT_EQ(add_working_days(egypt, day("2026-01-20"), -3), thursday);
  // A holiday inside the interval pushes D+3 one day on.
  egypt.holidays.insert(day("2026-01-19"));
  EXPECT_EQ(add_working_days(egypt, thursday, 3), day("2026-01-21"));
}

TEST(WorkingDaysBetween, IsTheTransitTimeInWorkingDays) {
  Calendar egypt = default_calendar("EG");
  const std::int32_t thursday = day("2026-01-15");
  EXPECT_EQ(working_days_between(egypt, thursday, day("2026-01-20")), 3);
  EXPECT_EQ(working_days_between(egypt, thursday, day("2026-01-17")), 0);  // only the weekend
  EXPECT_EQ(working_days_between(egypt, thursday, thursday), 0);
  EXPECT_EQ(working_days_between(egypt, thursday, thursday - 5), 0);
  EXPECT_EQ(working_days_between(default_calendar("MA"), thursday, day("2026-01-20")), 3);
  EXPECT_EQ(working_days_between(default_calendar("MA"), thursday, day("2026-01-17")), 1);
  egypt.holidays = {day("2026-01-07"), day("2026-01-19"), day("2026-01-23") /* a Friday */, day("2026-04-13")};
  EXPECT_EQ(working_days_between(egypt, thursday, day("2026-01-20")), 2);
  // 2026: 365 days, 52 weeks and a Thursday, 261 working days in Egypt, minus three weekday holidays.
  EXPECT_EQ(working_days_between(egypt, day("2025-12-31"), day("2026-12-31")), 261 - 3);

  // Agrees with counting day by day, and inverts add_working_days from a working day.
  for (std::int32_t from = day("2025-12-20"); from < day("2026-02-10"); ++from) {
    for (std::int32_t to = from - 2; to < from + 40; ++to) {
      int expected = 0;
      for (std::int32_t d = from + 1; d <= to; ++d) expected += is_working_day(egypt, d) ? 1 : 0;
      ASSERT_EQ(working_days_between(egypt, from, to), expected) << format_day(from) << " " << format_day(to);
    }
    if (!is_working_day(egypt, from)) continue;
    for (int n = 0; n < 12; ++n) {
      ASSERT_EQ(working_days_between(egypt, from, add_working_days(egypt, from, n)), n) << format_day(from);
    }
  }
}

TEST(CalendarJson, IsReadWithItsWeekendAndHolidays) {
  const auto calendar = calendar_from_json(
      Json::parse(R"({"country":"EG","weekend":["fri","sat"],"holidays":["2026-01-07","2026-01-25"]})"));
  ASSERT_TRUE(calendar.ok()) << calendar.error().message;
  EXPECT_EQ(calendar->country, "EG");
  Calendar expected = default_calendar("EG");
  expected.holidays = {day("2026-01-07"), day("2026-01-25")};
  EXPECT_EQ(*calendar, expected);
  EXPECT_EQ(calendar_from_json(calendar_json(*calendar)).value(), *calendar);

  // Sharjah's three-day weekend, as data.
  const auto sharjah = calendar_from_json(Json::parse(R"({"country":"AE","weekend":["sun","fri","sat"]})"));
  ASSERT_TRUE(sharjah.ok());
  EXPECT_EQ(sharjah->weekend, (std::array<bool, 7>{false, false, false, false, true, true, true}));
  // Without a weekend the country's default; without holidays none.
  const auto tunisia = calendar_from_json(Json::parse(R"({"country":"TN"})"));
  ASSERT_TRUE(tunisia.ok());
  EXPECT_EQ(*tunisia, default_calendar("TN"));
}

TEST(CalendarJson, RejectsMalformedCalendarsNamingTheField) {
  const auto message = [](const char* text) { return error_message(calendar_from_json(Json::parse(text))); };
  EXPECT_EQ(message("[]"), "a calendar must be a JSON object");
  EXPECT_EQ(message(R"({"weekend":["fri"]})"), "country: is required");
  EXPECT_EQ(message(R"({"country":"eg"})"), "country: must be an ISO 3166-1 alpha-2 code in capitals such as EG");
  EXPECT_EQ(message(R"({"country":"EG","weekend":"fri"})"),
            "weekend: must be an array of day names (\"fri\", \"sat\")");
  EXPECT_EQ(message(R"({"country":"EG","weekend":["fri","saturday"]})"),
            "weekend[1]: must be one of mon, tue, wed, thu, fri, sat, sun");
  EXPECT_EQ(message(R"({"country":"EG","weekend":["fri",6]})"),
            "weekend[1]: must be one of mon, tue, wed, thu, fri, sat, sun");
  EXPECT_EQ(message(R"({"country":"EG","weekend":["fri","sat","fri"]})"), "weekend[2]: \"fri\" is listed twice");
  EXPECT_EQ(message(R"({"country":"EG","weekend":["mon","tue","wed","thu","fri","sat","sun"]})"),
            "weekend: at least one day of the week must be a working day");
  EXPECT_EQ(message(R"({"country":"EG","holidays":"2026-01-07"})"),
            "holidays: must be an array of dates (\"2026-01-07\")");
  EXPECT_EQ(message(R"({"country":"EG","holidays":["2026-01-07","2026-02-30"]})"),
            "holidays[1]: 2026-02-30 is not a date (YYYY-MM-DD)");
  EXPECT_EQ(message(R"({"country":"EG","holidays":[20460]})"),
            "holidays[0]: must be a date as a string (\"2026-01-07\")");
  EXPECT_EQ(message(R"({"country":"EG","holidays":["2026-01-07","2026-01-07"]})"),
            "holidays[1]: 2026-01-07 is listed twice");
  EXPECT_EQ(message(R"({"country":"EG","holidays":["\u0007 not a date at all, and long"]})"),
            "holidays[0]: is not a date (YYYY-MM-DD)");
  EXPECT_EQ(message(R"({"country":"EG","weekends":["fri"]})"),
            "weekends: is not a calendar field (country, weekend, holidays)");

  Json many = {{"country", "EG"}, {"holidays", Json::array()}};
  for (std::int32_t d = 0; d <= static_cast<std::int32_t>(kMaxCalendarHolidays); ++d) {
    many["holidays"].push_back(format_day(d));
  }
  EXPECT_EQ(error_message(calendar_from_json(many)), "holidays: may hold at most 2000 dates");
  many["holidays"].erase(many["holidays"].size() - 1);
  EXPECT_TRUE(calendar_from_json(many).ok());
}

}  // namespace
}  // namespace barid::parcels
