// Tracking scans as carriers and sorting centres send them: one scan as JSON, and files of scans as
// JSON Lines or CSV. A scan file keeps its good lines: every valid scan is recorded, and each bad
// line is reported with its line number and the reason, never dropped in silence (a scan refused
// because of its neighbour would be a scan lost). Pure: no store, no clock.
#pragma once

#include <barid/core/json.hpp>
#include <barid/core/result.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace barid::parcels {

struct Scan {
  std::string item_id;  // normalised S10 id
  std::string code;     // a UPU event code (event_code() knows it)
  std::int64_t at_ms = 0;
  std::int32_t utc_offset_minutes = 0;     // the zone offset the time was given with
  std::optional<std::string> office;       // office code, e.g. "DZALGA" or "EG-CAI-DOKKI"
  std::optional<std::string> location;     // city or place, shown in public tracking
  std::optional<std::string> next_office;  // where the item goes next
  std::optional<std::string> reason;       // required by EMH, EXX, EDX
  std::optional<std::string> signatory;    // who signed for it (EMI)
};

inline constexpr std::size_t kMaxScanTextChars = 100;  // office, location, next office, reason, signatory

// A scan from a JSON object {"item","code","time","office","location","next_office","reason",
// "signatory"}; "time" is RFC 3339 with its zone offset ("2026-11-23T09:15:00+01:00" or "…Z"), the
// offset within ±18:00 (so that every scan has a local day, calendar.hpp).
// Errors (invalid_input): invalid_item_id, unknown_event_code, invalid_time, missing_reason,
// missing_field and invalid_field (a field missing, of the wrong type, too long or holding control
// characters).
Result<Scan> scan_from_json(const Json& object);
Json scan_json(const Scan& scan);  // the same fields back
// "2026-11-23T09:15:00+01:00": the local time with its offset.
std::string format_local_time(std::int64_t at_ms, std::int32_t utc_offset_minutes);
// The offset of an RFC 3339 time ("Z" → 0, "+01:00" → 60); nullopt if it has none.
std::optional<std::int32_t> rfc3339_offset_minutes(std::string_view text);

enum class ScanFileFormat { jsonl, csv };

struct ScanLine {
  std::size_t line = 0;
  Scan scan;
};
struct ScanFileProblem {
  std::size_t line = 0;
  std::string code;  // as scan_from_json's, plus malformed_json, malformed_csv, wrong_column_count,
                     // missing_column, line_too_long, invalid_utf8, too_many_lines, empty_file
  std::string message;
};
struct ScanFile {
  std::vector<ScanLine> scans;
  std::vector<ScanFileProblem> problems;  // the first kMaxReportedScanProblems, in line order
  std::size_t problem_count = 0;
};

inline constexpr std::size_t kMaxReportedScanProblems = 100;
inline constexpr std::size_t kMaxScanLineBytes = 4096;

// JSONL: one scan object per non-empty line. CSV: a header naming the columns item, code, time
// (required) and office, location, next_office, reason, signatory (optional), in any order; quoted
// fields with "" escapes; no line breaks inside a field; LF or CRLF; an optional byte order mark.
// More than `max_lines` records stops the parse with too_many_lines (the file is then refused).
ScanFile parse_scan_file(std::string_view text, ScanFileFormat format, std::size_t max_lines = 10'000'000);
// From a file name (.jsonl, .ndjson, .csv) or else a media type; nullopt when neither tells.
std::optional<ScanFileFormat> scan_file_format(std::string_view file_name, std::string_view media_type);

}  // namespace barid::parcels
