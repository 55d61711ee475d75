#include <barid/parcels/calendar.hpp>
#include <barid/parcels/s10.hpp>
#include <barid/parcels/scan_file.hpp>

#include <barid/core/time.hpp>

#include <algorithm>
#include <array>
#include <cstdio>

namespace barid::parcels {

namespace {

bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

Result<std::optional<std::string>> text_field(const FieldReader& reader, std::string_view name) {
  BARID_ASSIGN_OR_RETURN(auto value, reader.optional_string(name, 0, kMaxScanTextChars));
  if (!value) return value;
  const auto first = value->find_first_not_of(' ');
  if (first == std::string::npos) return std::optional<std::string>();
  value->erase(0, first);
  value->erase(value->find_last_not_of(' ') + 1);
  if (has_control(*value))
    return invalid_input("invalid_field", std::string(name) + " must not hold control characters");
  return value;
}

// The scan from its fields as text (CSV) or JSON: one place for the rules.
Result<Scan> make_scan(std::string_view item, std::string_view code, std::string_view time,
                       std::array<std::optional<std::string>, 5> texts) {
  Scan scan;
  BARID_ASSIGN_OR_RETURN(scan.item_id, normalize_s10(item));
  const auto* known = event_code(code);
  if (!known) {
    // At most 8 bytes of the code, cut at a character boundary so that the message stays UTF-8.
    std::size_t shown = std::min<std::size_t>(code.size(), 8);
    while (shown > 0 && shown < code.size() && (static_cast<unsigned char>(code[shown]) & 0xC0) == 0x80) --shown;
    return invalid_input("unknown_event_code", "'" + std::string(code.substr(0, shown)) + "' is not a UPU event code");
  }
  scan.code = std::string(known->code);
  const auto at = parse_rfc3339_ms(time);
  const auto offset = rfc3339_offset_minutes(time);
  if (!at || !offset)
    return invalid_input("invalid_time",
                         "time must be an RFC 3339 date-time with its zone offset, e.g. "
                         "2026-11-23T09:15:00+01:00");
  // Real zones lie within ±14 h; the calendars' local days take up to ±18 h (calendar.hpp).
  if (*offset < -kMaxUtcOffsetMinutes || *offset > kMaxUtcOffsetMinutes)
    return invalid_input("invalid_time", "the zone offset of time must lie within -18:00 and +18:00");
  scan.at_ms = *at;
  scan.utc_offset_minutes = *offset;
  scan.office = std::move(texts[0]);
  scan.location = std::move(texts[1]);
  scan.next_office = std::move(texts[2]);
  scan.reason = std::move(texts[3]);
  scan.signatory = std::move(texts[4]);
  if (known->needs_reason && !scan.reason)
    return invalid_input("missing_reason", std::string(known->code) + " carries a reason");
  return scan;
}

constexpr std::array<std::string_view, 5> kTextFields = {"office", "location", "next_office", "reason", "signatory"};

}  // namespace

std::optional<std::int32_t> rfc3339_offset_minutes(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.back() == 'Z' || text.back() == 'z') return 0;
  if (text.size() < 6) return std::nullopt;
  const auto tail = text.substr(text.size() - 6);
  if ((tail[0] != '+' && tail[0] != '-') || tail[3] != ':') return std::nullopt;
  for (std::size_t i : {1u, 2u, 4u, 5u}) {
    if (tail[i] < '0' || tail[i] > '9') return std::nullopt;
  }
  const int hours = (tail[1] - '0') * 10 + (tail[2] - '0');
  const int minutes = (tail[4] - '0') * 10 + (tail[5] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return (tail[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
}

std::string format_local_time(std::int64_t at_ms, std::int32_t utc_offset_minutes) {
  // format_utc_ms gives "YYYY-MM-DDTHH:MM:SS.mmmZ"; shift by the offset and replace the Z.
  std::string text = format_utc_ms(at_ms + std::int64_t{utc_offset_minutes} * 60'000);
  text.resize(19);  // seconds are enough for a scan
  if (utc_offset_minutes == 0) return text + "Z";
  const int magnitude = std::abs(utc_offset_minutes);
  char offset[16];
  std::snprintf(offset, sizeof offset, "%c%02d:%02d", utc_offset_minutes < 0 ? '-' : '+', magnitude / 60,
                magnitude % 60);
  return text + offset;
}

Result<Scan> scan_from_json(const Json& object) {
  if (!object.is_object()) return invalid_input("invalid_field", "a scan is a JSON object");
  const FieldReader reader(object);
  BARID_ASSIGN_OR_RETURN(auto item, reader.required_string("item", 1, 64));
  BARID_ASSIGN_OR_RETURN(auto code, reader.required_string("code", 1, 8));
  BARID_ASSIGN_OR_RETURN(auto time, reader.required_string("time", 1, 64));
  std::array<std::optional<std::string>, 5> texts;
  for (std::size_t i = 0; i < kTextFields.size(); ++i) {
    BARID_ASSIGN_OR_RETURN(texts[i], text_field(reader, kTextFields[i]));
  }
  return make_scan(item, code, time, std::move(texts));
}

Json scan_json(const Scan& scan) {
  Json out = {
      {"item", scan.item_id}, {"code", scan.code}, {"time", format_local_time(scan.at_ms, scan.utc_offset_minutes)}};
  const std::optional<std::string>* texts[] = {&scan.office, &scan.location, &scan.next_office, &scan.reason,
                                               &scan.signatory};
  for (std::size_t i = 0; i < kTextFields.size(); ++i) {
    out[std::string(kTextFields[i])] = *texts[i] ? Json(**texts[i]) : Json(nullptr);
  }
  return out;
}

namespace {

class Problems {
 public:
  explicit Problems(ScanFile& file) : file_(file) {}
  void report(std::size_t line, std::string code, std::string message) {
    ++file_.problem_count;
    if (file_.problems.size() < kMaxReportedScanProblems)
      file_.problems.push_back({line, std::move(code), std::move(message)});
  }

 private:
  ScanFile& file_;
};

// Splits one CSV record (no line breaks inside) into cells; false when a quote is malformed.
bool split_csv(std::string_view line, std::vector<std::string>& cells) {
  cells.clear();
  std::size_t i = 0;
  while (true) {
    std::string cell;
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) return false;  // the quote never closes
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            cell.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        cell.push_back(line[i++]);
      }
      if (i < line.size() && line[i] != ',') return false;  // text after the closing quote
    } else {
      const auto end = line.find(',', i);
      const auto stop = end == std::string_view::npos ? line.size() : end;
      if (line.substr(i, stop - i).find('"') != std::string_view::npos) return false;
      cell.assign(line.substr(i, stop - i));
      i = stop;
    }
    cells.push_back(std::move(cell));
    if (i >= line.size()) return true;
    ++i;  // the comma
    if (i == line.size()) {
      cells.emplace_back();
      return true;
    }
  }
}

}  // namespace

ScanFile parse_scan_file(std::string_view text, ScanFileFormat format, std::size_t max_lines) {
  ScanFile file;
  Problems problems(file);
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  enum Column { item, code, time, office, location, next_office, reason, signatory, kColumns };
  static constexpr std::array<std::string_view, kColumns> kNames = {"item",     "code",        "time",   "office",
                                                                    "location", "next_office", "reason", "signatory"};
  std::array<int, kColumns> column_of{};
  column_of.fill(-1);
  bool header_read = format == ScanFileFormat::jsonl;
  std::size_t header_columns = 0;
  std::vector<std::string> cells;
  std::size_t records = 0;
  std::size_t line_number = 0;
  std::size_t position = 0;
  while (position < text.size()) {
    const auto end = text.find('\n', position);
    std::string_view line =
        text.substr(position, end == std::string_view::npos ? std::string_view::npos : end - position);
    position = end == std::string_view::npos ? text.size() : end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (line.size() > kMaxScanLineBytes) {
      problems.report(line_number, "line_too_long",
                      "a line holds at most " + std::to_string(kMaxScanLineBytes) + " bytes");
      continue;
    }
    if (!is_valid_utf8(line)) {
      problems.report(line_number, "invalid_utf8", "the line is not valid UTF-8");
      continue;
    }
    if (!header_read) {
      header_read = true;
      if (!split_csv(line, cells)) {
        problems.report(line_number, "malformed_csv", "the header line is not valid CSV");
        return file;
      }
      header_columns = cells.size();
      for (std::size_t i = 0; i < cells.size(); ++i) {
        for (std::size_t c = 0; c < kColumns; ++c) {
          if (cells[i] == kNames[c]) column_of[c] = static_cast<int>(i);
        }
      }
      for (auto required : {item, code, time}) {
        if (column_of[required] < 0) {
          problems.report(
              line_number, "missing_column",
              "the header must name the columns item, code and time (missing: " + std::string(kNames[required]) + ")");
          return file;
        }
      }
      continue;
    }
    if (++records > max_lines) {
      problems.report(line_number, "too_many_lines", "a file holds at most " + std::to_string(max_lines) + " scans");
      file.scans.clear();
      return file;
    }
    Result<Scan> scan = invalid_input("malformed_json", "");
    if (format == ScanFileFormat::jsonl) {
      auto json = parse_json(line, {8, kMaxScanLineBytes});
      if (!json) {
        problems.report(line_number, "malformed_json", "the line is not JSON");
        continue;
      }
      scan = scan_from_json(*json);
    } else {
      if (!split_csv(line, cells)) {
        problems.report(line_number, "malformed_csv", "a quoted field is not closed properly");
        continue;
      }
      if (cells.size() != header_columns) {
        problems.report(
            line_number, "wrong_column_count",
            "the line has " + std::to_string(cells.size()) + " columns, the header " + std::to_string(header_columns));
        continue;
      }
      std::array<std::optional<std::string>, 5> texts;
      bool bad = false;
      for (std::size_t i = 0; i < texts.size(); ++i) {
        const int column = column_of[office + i];
        if (column < 0 || cells[column].empty()) continue;
        auto& cell = cells[column];
        if (utf8_length(cell) > kMaxScanTextChars || has_control(cell)) {
          problems.report(line_number, "invalid_field",
                          std::string(kNames[office + i]) + " holds at most " + std::to_string(kMaxScanTextChars) +
                              " characters and no control characters");
          bad = true;
          break;
        }
        // Trimmed as scan_from_json trims: a blank cell is no value (an EMH needs a real reason).
        const auto first = cell.find_first_not_of(' ');
        if (first == std::string::npos) continue;
        cell.erase(0, first);
        cell.erase(cell.find_last_not_of(' ') + 1);
        texts[i] = std::move(cell);
      }
      if (bad) continue;
      scan = make_scan(cells[column_of[item]], cells[column_of[code]], cells[column_of[time]], std::move(texts));
    }
    if (!scan) {
      problems.report(line_number, scan.error().code, scan.error().message);
      continue;
    }
    file.scans.push_back({line_number, std::move(*scan)});
  }
  if (!header_read || (records == 0 && file.problem_count == 0))
    problems.report(line_number, "empty_file", "the file holds no scans");
  return file;
}

std::optional<ScanFileFormat> scan_file_format(std::string_view file_name, std::string_view media_type) {
  const auto lower = [](std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
  };
  const auto name = lower(file_name);
  if (name.ends_with(".csv")) return ScanFileFormat::csv;
  if (name.ends_with(".jsonl") || name.ends_with(".ndjson")) return ScanFileFormat::jsonl;
  auto type = lower(media_type.substr(0, media_type.find(';')));
  type.erase(type.find_last_not_of(' ') + 1);
  if (type == "text/csv") return ScanFileFormat::csv;
  if (type == "application/jsonl" || type == "application/x-ndjson" || type == "application/x-jsonlines")
    return ScanFileFormat::jsonl;
  return std::nullopt;
}

}  // namespace barid::parcels
