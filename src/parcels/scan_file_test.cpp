#include <barid/parcels/scan_file.hpp>

#include <gtest/gtest.h>

namespace barid::parcels {
namespace {

TEST(Scan, FromJsonKeepsTheZoneOffset) {
  const auto scan = scan_from_json(Json::parse(
      R"({"item":"cp 473 124 829 dz","code":"EMA","time":"2026-11-23T09:15:00+01:00","office":"DZALGA","location":" Alger "})"));
  ASSERT_TRUE(scan.ok()) << scan.error().message;
  EXPECT_EQ(scan->item_id, "CP473124829DZ");
  EXPECT_EQ(scan->at_ms, 1'795'421'700'000);  // 08:15 UTC
  EXPECT_EQ(scan->utc_offset_minutes, 60);
  EXPECT_EQ(scan->location, "Alger");
  EXPECT_FALSE(scan->reason.has_value());
  EXPECT_EQ(scan_json(*scan)["time"], "2026-11-23T09:15:00+01:00");
  EXPECT_EQ(format_local_time(scan->at_ms, -150), "2026-11-23T05:45:00-02:30");
}

TEST(Scan, BadScansAreRefusedWithTheirCode) {
  const auto code = [](const char* text) {
    auto scan = scan_from_json(Json::parse(text));
    return scan ? std::string("ok") : scan.error().code;
  };
  EXPECT_EQ(code(R"({"item":"CP473124828DZ","code":"EMA","time":"2026-11-23T09:15:00Z"})"), "invalid_item_id");
  EXPECT_EQ(code(R"({"item":"CP473124829DZ","code":"EMZ","time":"2026-11-23T09:15:00Z"})"), "unknown_event_code");
  EXPECT_EQ(code(R"({"item":"CP473124829DZ","code":"EMA","time":"2026-11-23T09:15:00"})"), "invalid_time");
  EXPECT_EQ(code(R"({"item":"CP473124829DZ","code":"EMA","time":"yesterday"})"), "invalid_time");
  // Beyond ±18:00 no local day is defined (calendar.hpp); ±14:00 are the real extremes.
  EXPECT_EQ(code(R"({"item":"CP473124829DZ","code":"EMA","time":"2026-11-23T09:15:00+18:01"})"), "invalid_time");
  EXPECT_EQ(code(R"({"item":"CP473124829DZ","code":"EMA","time":"2026-11-23T09:15:00-23:59"})"), "invalid_time");
  EXPECT_EQ(code(R"({"item":"CP473124829DZ","code":"EMA","time":"2026-11-23T09:15:00+14:00"})"), "ok");
  EXPECT_EQ(code(R"({"item":"CP473124829DZ","code":"EMH","time":"2026-11-23T09:15:00Z"})"), "missing_reason");
  EXPECT_EQ(code(R"({"item":"CP473124829DZ","code":"EMH","time":"2026-11-23T09:15:00Z","reason":"  "})"),
            "missing_reason");
  EXPECT_EQ(code(R"({"item":"CP473124829DZ","code":"EMA","time":"2026-11-23T09:15:00Z","office":7})"), "invalid_field");
  EXPECT_EQ(code(R"({"item":"CP473124829DZ","code":"EMA","time":"2026-11-23T09:15:00Z","office":"a\tb"})"),
            "invalid_field");
  EXPECT_EQ(code(R"({"code":"EMA","time":"2026-11-23T09:15:00Z"})"), "missing_field");
  EXPECT_EQ(code(R"([1])"), "invalid_field");
  EXPECT_EQ(code(R"({"item":"CP473124829DZ","code":"EMH","time":"2026-11-23T09:15:00Z","reason":"absent"})"), "ok");
}

TEST(ScanFile, JsonLinesKeepTheGoodLinesAndNameTheBadOnes) {
  const std::string text =
      "\xEF\xBB\xBF{\"item\":\"CP473124829DZ\",\"code\":\"EMA\",\"time\":\"2026-11-23T09:15:00+01:00\"}\n"
      "\n"
      "{\"item\":\"CP473124829DZ\",\"code\":\"EMB\"\r\n"
      "{\"item\":\"CP473124829DZ\",\"code\":\"EMB\",\"time\":\"2026-11-23T15:00:00+01:00\"}\r\n"
      "{\"item\":\"CP473124828DZ\",\"code\":\"EMC\",\"time\":\"2026-11-24T15:00:00+01:00\"}";
  const auto file = parse_scan_file(text, ScanFileFormat::jsonl);
  ASSERT_EQ(file.scans.size(), 2u);
  EXPECT_EQ(file.scans[0].line, 1u);
  EXPECT_EQ(file.scans[1].line, 4u);
  EXPECT_EQ(file.scans[1].scan.code, "EMB");
  ASSERT_EQ(file.problem_count, 2u);
  EXPECT_EQ(file.problems[0].line, 3u);
  EXPECT_EQ(file.problems[0].code, "malformed_json");
  EXPECT_EQ(file.problems[1].line, 5u);
  EXPECT_EQ(file.problems[1].code, "invalid_item_id");
}

TEST(ScanFile, CsvColumnsInAnyOrderWithQuotes) {
  const std::string text =
      "code,time,item,location,reason\n"
      "EMH,2026-11-25T10:00:00+02:00,CP473124829DZ,\"Cairo, Dokki\",\"addressee \"\"absent\"\"\"\n"
      "EMI,2026-11-26T10:00:00+02:00,CP473124829DZ,Cairo,\n"
      "EMI,2026-11-26T10:00:00+02:00,CP473124829DZ,Cairo\n"
      "EMI,2026-11-26T10:00:00+02:00,CP473124829DZ,\"Cairo,\n"
      "EMH,2026-11-26T10:00:00+02:00,CP473124829DZ,Cairo,\n";
  const auto file = parse_scan_file(text, ScanFileFormat::csv);
  ASSERT_EQ(file.scans.size(), 2u);
  EXPECT_EQ(file.scans[0].scan.location, "Cairo, Dokki");
  EXPECT_EQ(file.scans[0].scan.reason, "addressee \"absent\"");
  EXPECT_FALSE(file.scans[1].scan.reason);
  ASSERT_EQ(file.problems.size(), 3u);
  EXPECT_EQ(file.problems[0].code, "wrong_column_count");
  EXPECT_EQ(file.problems[1].code, "malformed_csv");
  EXPECT_EQ(file.problems[2].code, "missing_reason");
  EXPECT_EQ(file.problems[2].line, 6u);
}

TEST(ScanFile, WholeFileProblems) {
  EXPECT_EQ(parse_scan_file("", ScanFileFormat::jsonl).problems.at(0).code, "empty_file");
  EXPECT_EQ(parse_scan_file("item,code,time\n", ScanFileFormat::csv).problems.at(0).code, "empty_file");
  EXPECT_EQ(parse_scan_file("item,code\nCP473124829DZ,EMA\n", ScanFileFormat::csv).problems.at(0).code,
            "missing_column");
  const std::string line = "{\"item\":\"CP473124829DZ\",\"code\":\"EMA\",\"time\":\"2026-11-23T09:15:00Z\"}\n";
  const auto file = parse_scan_file(line + line + line, ScanFileFormat::jsonl, 2);
  EXPECT_TRUE(file.scans.empty());
  EXPECT_EQ(file.problems.at(0).code, "too_many_lines");
  EXPECT_EQ(parse_scan_file(std::string(5000, 'x'), ScanFileFormat::jsonl).problems.at(0).code, "line_too_long");
  EXPECT_EQ(parse_scan_file("\xff\xfe", ScanFileFormat::jsonl).problems.at(0).code, "invalid_utf8");
  EXPECT_EQ(scan_file_format("Scans.CSV", ""), ScanFileFormat::csv);
  EXPECT_EQ(scan_file_format("", "application/x-ndjson; charset=utf-8"), ScanFileFormat::jsonl);
  EXPECT_EQ(scan_file_format("scans.txt", "text/plain"), std::nullopt);
}

// Found by fuzz_scan_file: the message quoted the first 8 bytes of an unknown code, which could end
// inside a character and make the problem list invalid UTF-8.
TEST(ScanFile, UnknownCodeMessagesStayUtf8) {
  const auto scan =
      scan_from_json(Json::parse(R"({"item":"CP473124829DZ","code":"€€€","time":"2026-11-23T09:15:00Z"})"));
  ASSERT_FALSE(scan.ok());
  EXPECT_EQ(scan.error().code, "unknown_event_code");
  EXPECT_TRUE(is_valid_utf8(scan.error().message)) << scan.error().message;
  EXPECT_EQ(scan.error().message, "'\xE2\x82\xAC\xE2\x82\xAC' is not a UPU event code");
  const auto file = parse_scan_file("item,code,time\nCP473124829DZ,EMA\xC3\xA9\xC3\xA9\xC3\xA9,2026-11-23T09:15:00Z\n",
                                    ScanFileFormat::csv);
  ASSERT_EQ(file.problems.size(), 1u);
  EXPECT_EQ(file.problems[0].code, "unknown_event_code");
  EXPECT_EQ(file.problems[0].message, "'EMA\xC3\xA9\xC3\xA9' is not a UPU event code");
}

// Found by fuzz_scan_file: CSV cells were taken untrimmed, so a blank reason satisfied EMH (the same
// scan in JSON Lines is missing_reason) and a location kept its spaces.
TEST(ScanFile, CsvTextCellsAreTrimmedAsJsonFields) {
  const auto file = parse_scan_file(
      "item,code,time,location,reason\n"
      "CP473124829DZ,EMH,2026-11-23T09:15:00Z, Cairo ,   \n"
      "CP473124829DZ,EMH,2026-11-23T09:16:00Z,  ,\" absent \"\n",
      ScanFileFormat::csv);
  ASSERT_EQ(file.scans.size(), 1u);
  EXPECT_EQ(file.scans[0].line, 3u);
  EXPECT_FALSE(file.scans[0].scan.location.has_value());
  EXPECT_EQ(file.scans[0].scan.reason, "absent");
  ASSERT_EQ(file.problems.size(), 1u);
  EXPECT_EQ(file.problems[0].line, 2u);
  EXPECT_EQ(file.problems[0].code, "missing_reason");
  const auto located =
      parse_scan_file("item,code,time,location\nCP473124829DZ,EMA,2026-11-23T09:15:00Z, Cairo \n", ScanFileFormat::csv);
  ASSERT_EQ(located.scans.size(), 1u);
  EXPECT_EQ(located.scans[0].scan.location, "Cairo");
}

}  // namespace
}  // namespace barid::parcels
