// Feeds arbitrary bytes to parse_scan_file, the parser of the tracking files carriers and sorting
// centres upload. The first byte picks the format (bit 0: CSV or JSONL) and the limit (bit 1: the
// default or at most 3 scans, so too_many_lines is reached); the rest is the file. Beyond "no crash":
// problems are counted, capped, in line order (one per line, the whole-file empty_file last), within
// the file, with a known snake_case code and a UTF-8 message; a file refused for too_many_lines keeps no
// scan; scans sit on strictly increasing lines that hold no problem. Every accepted scan has a
// normalised S10 id with a valid check digit, a known UPU event code, a reason when the code needs one,
// a zone offset within ±18:00, a time that format_local_time writes back to the same second, optional
// texts that are trimmed, non-empty, at most 100 characters without control characters, and it
// survives scan_json → scan_from_json unchanged.
#include <barid/core/json.hpp>
#include <barid/core/time.hpp>
#include <barid/parcels/calendar.hpp>
#include <barid/parcels/s10.hpp>
#include <barid/parcels/scan_file.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace {

using barid::parcels::Scan;

bool is_snake_case(std::string_view code) {
  return !code.empty() && std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool is_known_code(std::string_view code) {
  static const std::set<std::string_view> kCodes = {
      "invalid_item_id", "unknown_event_code", "invalid_time",   "missing_reason",     "missing_field",
      "invalid_field",   "malformed_json",     "malformed_csv",  "wrong_column_count", "missing_column",
      "line_too_long",   "invalid_utf8",       "too_many_lines", "empty_file"};
  return kCodes.contains(code);
}

void check_text(const std::optional<std::string>& text) {
  if (!text) return;
  if (text->empty() || !barid::is_valid_utf8(*text)) std::abort();
  if (barid::utf8_length(*text) > barid::parcels::kMaxScanTextChars) std::abort();
  if (text->front() == ' ' || text->back() == ' ') std::abort();
  for (const char c : *text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();
  }
}

bool same_scan(const Scan& a, const Scan& b) {
  return a.item_id == b.item_id && a.code == b.code && a.at_ms == b.at_ms &&
         a.utc_offset_minutes == b.utc_offset_minutes && a.office == b.office && a.location == b.location &&
         a.next_office == b.next_office && a.reason == b.reason && a.signatory == b.signatory;
}

void check_scan(const Scan& scan) {
  // The id is normalised already: normalising it again changes nothing, and the check digit holds.
  const auto id = barid::parcels::normalize_s10(scan.item_id);
  if (!id || *id != scan.item_id) std::abort();
  if (barid::parcels::s10_check_digit(std::string_view(scan.item_id).substr(2, 8)) != scan.item_id[10] - '0')
    std::abort();
  if (!barid::parcels::is_country_code(std::string_view(scan.item_id).substr(11))) std::abort();

  const auto* event = barid::parcels::event_code(scan.code);
  if (event == nullptr || event->code != scan.code) std::abort();
  if (event->needs_reason && !scan.reason) std::abort();

  if (scan.utc_offset_minutes < -barid::parcels::kMaxUtcOffsetMinutes ||
      scan.utc_offset_minutes > barid::parcels::kMaxUtcOffsetMinutes) {
    std::abort();
  }
  // The local time written back parses to the same instant, to the second, and keeps its offset.
  const std::string local = barid::parcels::format_local_time(scan.at_ms, scan.utc_offset_minutes);
  const auto back = barid::parse_rfc3339_ms(local);
  const std::int64_t second = scan.at_ms - ((scan.at_ms % 1000) + 1000) % 1000;
  if (!back || *back != second) std::abort();
  if (barid::parcels::rfc3339_offset_minutes(local) != scan.utc_offset_minutes) std::abort();

  for (const auto* text : {&scan.office, &scan.location, &scan.next_office, &scan.reason, &scan.signatory}) {
    check_text(*text);
  }

  // What the API answers with reads back as the same scan (the milliseconds aside).
  const barid::Json json = barid::parcels::scan_json(scan);
  (void)json.dump();
  auto again = barid::parcels::scan_from_json(json);
  if (!again) std::abort();
  Scan expected = scan;
  expected.at_ms = second;
  if (!same_scan(*again, expected)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using barid::parcels::ScanFileFormat;
  const auto format = (data[0] & 1) != 0 ? ScanFileFormat::jsonl : ScanFileFormat::csv;
  const std::size_t max_lines = (data[0] & 2) != 0 ? 3 : 10'000'000;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto file = barid::parcels::parse_scan_file(text, format, max_lines);

  const std::size_t line_count = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  if (file.problem_count < file.problems.size()) std::abort();
  if (file.problems.size() > barid::parcels::kMaxReportedScanProblems) std::abort();
  if (file.problems.empty() && file.scans.empty()) std::abort();
  if (file.problems.size() < file.problem_count && file.problems.size() != barid::parcels::kMaxReportedScanProblems)
    std::abort();

  std::set<std::size_t> problem_lines;
  bool too_many = false;
  for (std::size_t i = 0; i < file.problems.size(); ++i) {
    const auto& problem = file.problems[i];
    if (!is_snake_case(problem.code) || !is_known_code(problem.code)) std::abort();
    if (problem.message.empty() || !barid::is_valid_utf8(problem.message)) std::abort();
    if (problem.line > line_count) std::abort();
    if (problem.line == 0 && problem.code != "empty_file") std::abort();
    const bool last = i + 1 == file.problems.size();
    if (problem.code == "empty_file" && !last) std::abort();
    if (problem.code == "too_many_lines") {
      if (!last || !file.scans.empty()) std::abort();
      too_many = true;
    }
    if (i > 0) {
      const std::size_t previous = file.problems[i - 1].line;
      // One problem per line, in line order; the whole-file one may share the last line.
      if (problem.code == "empty_file" ? problem.line < previous : problem.line <= previous) std::abort();
    }
    problem_lines.insert(problem.line);
  }
  if (too_many && file.problem_count != file.problems.size()) std::abort();
  if (file.scans.size() > max_lines) std::abort();

  std::size_t previous_line = 0;
  for (const auto& [line, scan] : file.scans) {
    if (line == 0 || line > line_count || line <= previous_line) std::abort();
    if (problem_lines.contains(line)) std::abort();
    previous_line = line;
    check_scan(scan);
  }
  return 0;
}
