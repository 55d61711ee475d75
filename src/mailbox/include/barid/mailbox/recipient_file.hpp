// Recipient files for bulk sending: an authority uploads one row per recipient (an identifier and its
// type, plus the fields its letter template fills in) as CSV or JSON Lines. A file is all or nothing:
// any problem refuses the whole file, and the problems name the lines to fix.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace barid::mailbox {

enum class RecipientFileFormat { csv, jsonl };

struct RecipientRow {
  std::size_t line = 0;        // 1-based line where the record starts in the file
  std::string recipient_type;  // "national_id" (default), "registry_number" or "authority_code"
  std::string recipient;       // the identifier, trimmed; Arabic-Indic digits (U+0660..0669, U+06F0..06F9)
                               // turned into ASCII digits
  std::vector<std::pair<std::string, std::string>> fields;  // template fields, in file order
};

// Problem codes (stable, snake_case). On line 0 or the line concerned, whole file:
//   empty_file          nothing but blank lines (after an optional UTF-8 byte order mark)
//   not_utf8            a UTF-16/UTF-32 byte order mark, or no line holding non-ASCII text is UTF-8
//                       (a file saved as Windows-1256 or Latin-1); parsing stops
//   nul_byte            a NUL byte, on its line; parsing stops
//   too_many_rows       more than max_rows records, on the first one too many; parsing stops
//   no_recipients       a CSV header without any row after it
// CSV header (line of the header; parsing stops after the header):
//   missing_recipient_column  no column named "recipient"
//   invalid_column_name       a name not matching [A-Za-z_][A-Za-z0-9_]{0,63}
//   duplicate_column          a name twice
// On the line of a record:
//   invalid_utf8          the record is not valid UTF-8
//   line_too_long         the record (or JSON line) is longer than max_line_bytes
//   too_many_fields       more than max_fields template fields (CSV: on the header line)
//   field_too_long        a field value longer than max_field_chars characters
//   wrong_column_count    CSV: the record does not have as many columns as the header
//   unterminated_quote    CSV: a quoted field never closes; parsing stops
//   malformed_csv         CSV: text after the closing quote of a field
//   malformed_json        JSONL: the line is not JSON
//   not_an_object         JSONL: the line is JSON but not an object
//   duplicate_key         JSONL: a key twice in the object or in "fields"
//   invalid_fields        JSONL: "fields" is not an object
//   invalid_field_name    JSONL: a key of "fields" not matching [A-Za-z_][A-Za-z0-9_]{0,63}
//   invalid_field_value   JSONL: a field value that is not a string, number or boolean
//   missing_recipient     no recipient, or an empty one
//   invalid_recipient     not a string (JSONL), longer than 64 characters, or holding control characters
//   invalid_recipient_type  not one of the three types
//   duplicate_recipient   the same type and identifier as an earlier line, which the message names
struct RecipientFileProblem {
  std::size_t line = 0;
  std::string code;
  std::string message;
};

struct RecipientFileLimits {
  std::size_t max_rows = 1'000'000;
  std::size_t max_line_bytes = 64 * 1024;
  std::size_t max_fields = 64;
  std::size_t max_field_chars = 10'000;
  // A recipient twice is refused (duplicate_recipient) unless this is off: a biller may send one payer
  // several bills in one file.
  bool unique_recipients = true;
};

inline constexpr std::size_t kMaxReportedRecipientFileProblems = 100;
inline constexpr std::size_t kMaxRecipientChars = 64;

struct RecipientFile {
  std::vector<RecipientRow> rows;              // the acceptable rows (all of them when problems is empty)
  std::vector<RecipientFileProblem> problems;  // empty when the file is good; at most
                                               // kMaxReportedRecipientFileProblems, in line order
  std::size_t problem_count = 0;               // all problems, reported or not
};

// Parses the whole file. The file is accepted only when problems is empty.
// CSV (RFC 4180): quoted fields with "" escapes and line breaks inside quotes, LF or CRLF, an optional
// UTF-8 byte order mark, a header row naming the columns: "recipient" (required), "recipient_type"
// (optional; an empty cell means national_id), and the template fields. A header without commas but with
// semicolons makes ';' the separator (spreadsheets in locales with a decimal comma write that). Empty
// lines are skipped. Field values are kept as written.
// JSONL: one object per non-empty line, {"recipient": "…", "recipient_type": "…", "fields": {"name":
// "Amina", "amount": 1200.50, "paid": false}}; numbers are kept as their JSON text ("1200.50"),
// booleans as "true"/"false"; other top-level keys are ignored.
RecipientFile parse_recipient_file(std::string_view text, RecipientFileFormat format,
                                   const RecipientFileLimits& limits = {});

// The format a file name (.csv, .jsonl, .ndjson; checked first) or else a media type (text/csv,
// application/jsonl, application/x-ndjson) tells, ignoring case and media type parameters; nullopt when
// neither tells.
std::optional<RecipientFileFormat> recipient_file_format(std::string_view file_name, std::string_view media_type);

}  // namespace barid::mailbox
