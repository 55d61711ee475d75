// Feeds arbitrary bytes to parse_recipient_file. The first byte picks the format (bit 0: CSV or JSONL)
// and the limits (bit 1: the defaults or small ones, so the limit paths are reached); the rest is the
// file. Beyond "no crash": rows start on increasing lines within the file; problems are counted, capped,
// sorted by line and carry snake_case codes; an accepted file has rows; every row holds a valid type, a
// trimmed identifier of 1..64 characters without Arabic-Indic digits, valid field names within the
// limits; no (type, identifier) appears twice.
#include <barid/core/json.hpp>
#include <barid/mailbox/recipient_file.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace {

bool is_snake_case(std::string_view code) {
  return !code.empty() && std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool is_field_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  const auto word = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  return word(name.front()) &&
         std::all_of(name.begin() + 1, name.end(), [&](char c) { return word(c) || (c >= '0' && c <= '9'); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  using barid::mailbox::RecipientFileFormat;
  const auto format = (data[0] & 1) != 0 ? RecipientFileFormat::jsonl : RecipientFileFormat::csv;
  barid::mailbox::RecipientFileLimits limits;
  if ((data[0] & 2) != 0) {
    limits.max_rows = 5;
    limits.max_line_bytes = 64;
    limits.max_fields = 3;
    limits.max_field_chars = 8;
  }
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto file = barid::mailbox::parse_recipient_file(text, format, limits);

  const std::size_t line_count = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  if (file.problem_count < file.problems.size()) std::abort();
  if (file.problems.size() > barid::mailbox::kMaxReportedRecipientFileProblems) std::abort();
  if (file.problems.empty() && file.rows.empty()) std::abort();
  std::size_t previous_problem_line = 0;
  for (const auto& problem : file.problems) {
    if (problem.line > line_count || problem.line < previous_problem_line) std::abort();
    if (!is_snake_case(problem.code) || problem.message.empty()) std::abort();
    previous_problem_line = problem.line;
  }
  if (file.rows.size() > limits.max_rows) std::abort();

  std::size_t previous_line = 0;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& row : file.rows) {
    if (row.line == 0 || row.line > line_count || row.line <= previous_line) std::abort();
    previous_line = row.line;
    if (row.recipient_type != "national_id" && row.recipient_type != "registry_number" &&
        row.recipient_type != "authority_code") {
      std::abort();
    }
    const std::size_t chars = barid::utf8_length(row.recipient);
    if (chars == 0 || chars > 64 || !barid::is_valid_utf8(row.recipient)) std::abort();
    if (row.recipient.front() == ' ' || row.recipient.back() == ' ') std::abort();
    if (row.recipient.find("\xD9\xA0") != std::string::npos) std::abort();  // U+0660 became '0'
    if (!seen.emplace(row.recipient_type, row.recipient).second) std::abort();
    if (row.fields.size() > limits.max_fields) std::abort();
    for (const auto& [name, value] : row.fields) {
      if (!is_field_name(name) || !barid::is_valid_utf8(value)) std::abort();
      if (barid::utf8_length(value) > limits.max_field_chars) std::abort();
    }
  }
  return 0;
}
