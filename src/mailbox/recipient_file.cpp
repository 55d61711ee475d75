// One pass over the file, no per-character allocation: CSV cells are read into reused buffers, JSON
// lines go through nlohmann's SAX interface (which keeps key order and the text of numbers, and builds
// no document), and duplicates are found with an open-addressing table of row indices.
#include <barid/mailbox/recipient_file.hpp>

#include <barid/core/json.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <iterator>
#include <limits>

namespace barid::mailbox {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kDefaultRecipientType = "national_id";
constexpr std::array<std::string_view, 3> kRecipientTypes = {"national_id", "registry_number", "authority_code"};
constexpr int kMaxJsonDepth = 32;
constexpr std::size_t kMaxProblemsPerJsonLine = 8;

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view trim_ascii(std::string_view text) {
  while (!text.empty() && is_ascii_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_ascii_space(text.back())) text.remove_suffix(1);
  return text;
}

// Invisible characters that copying an identifier out of right-to-left text drags along: no-break
// space, LRM/RLM, bidirectional embeddings and isolates, and a stray byte order mark.
constexpr std::array<std::string_view, 13> kInvisibleEdges = {
    "\xC2\xA0",     "\xE2\x80\x8E", "\xE2\x80\x8F", "\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x80\xAD",
    "\xE2\x80\xAE", "\xE2\x81\xA6", "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9", "\xEF\xBB\xBF",
};

std::string_view trim_identifier(std::string_view text) {
  while (true) {
    text = trim_ascii(text);
    // Only a non-ASCII byte at an end can begin or end one of the marks.
    if (text.empty() ||
        (static_cast<unsigned char>(text.front()) < 0x80 && static_cast<unsigned char>(text.back()) < 0x80)) {
      return text;
    }
    const std::size_t before = text.size();
    for (const std::string_view mark : kInvisibleEdges) {
      if (text.starts_with(mark)) text.remove_prefix(mark.size());
      if (text.ends_with(mark)) text.remove_suffix(mark.size());
    }
    if (text.size() == before) return text;
  }
}

bool is_field_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  const auto word = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!word(name.front())) return false;
  return std::all_of(name.begin() + 1, name.end(), [&](char c) { return word(c) || (c >= '0' && c <= '9'); });
}

// Collects problems: all are counted, the first kMaxReportedRecipientFileProblems are kept. Messages
// are built only for those kept, so a file with a million bad rows costs no more than a good one.
class Problems {
 public:
  explicit Problems(RecipientFile& file) : file_(file) {}

  template <class MakeMessage>
  void report(std::size_t line, std::string_view code, MakeMessage&& make_message) {
    ++file_.problem_count;
    if (file_.problems.size() < kMaxReportedRecipientFileProblems) {
      file_.problems.push_back(RecipientFileProblem{line, std::string(code), std::string(make_message())});
    }
  }

 private:
  RecipientFile& file_;
};

// Rows already accepted, by (type, identifier), holding indices into the rows vector so that growing
// the vector invalidates nothing.
class RecipientIndex {
 public:
  // Sizes the table for `rows` rows at once, rather than growing it step by step.
  void reserve(std::size_t rows) {
    std::size_t slots = 1024;
    while (slots < rows * 2) slots *= 2;
    if (slots > slots_.size()) grow_to(slots);
  }

  static std::uint32_t hash_of(std::string_view type, std::string_view recipient) {
    const std::size_t hash =
        std::hash<std::string_view>{}(recipient) ^ (std::hash<std::string_view>{}(type)*0x9E3779B97F4A7C15ull);
    return static_cast<std::uint32_t>(hash ^ (hash >> 32));
  }

  // Starts loading the slot `hash` leads to: in a table of millions of rows it is a cache miss, which
  // the caller overlaps with its other work on the row.
  void prefetch(std::uint32_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
  }

  // The row with the same type and identifier, or nullptr after remembering `row_index` for them.
  const RecipientRow* find_or_add(const std::vector<RecipientRow>& rows, std::size_t row_index, std::uint32_t hash) {
    if ((used_ + 1) * 2 > slots_.size()) grow();
    const RecipientRow& row = rows[row_index];
    for (std::size_t i = hash & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      Slot& slot = slots_[i];
      if (slot.row_plus_one == 0) {
        slot = Slot{hash, static_cast<std::uint32_t>(row_index + 1)};
        ++used_;
        return nullptr;
      }
      const RecipientRow& other = rows[slot.row_plus_one - 1];
      if (slot.hash == hash && other.recipient == row.recipient && other.recipient_type == row.recipient_type) {
        return &other;
      }
    }
  }

 private:
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t row_plus_one = 0;  // 0: empty
  };

  void grow() { grow_to(std::max<std::size_t>(1024, slots_.size() * 2)); }

  void grow_to(std::size_t slots) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(slots, Slot{});
    for (const Slot& slot : old) {
      if (slot.row_plus_one == 0) continue;
      std::size_t i = slot.hash & (slots_.size() - 1);
      while (slots_[i].row_plus_one != 0) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::size_t used_ = 0;
};

// What both formats do with one record once its cells are known: normalise and check the recipient,
// check the fields, refuse duplicates, keep the row.
class RowChecker {
 public:
  RowChecker(const RecipientFileLimits& limits, RecipientFile& file, Problems& problems)
      : limits_(limits), file_(file), problems_(problems) {}

  // Takes `row` (its line and fields set), the raw identifier and the raw type (nullopt: default).
  void accept(RecipientRow&& row, std::string_view raw_recipient, std::optional<std::string_view> raw_type) {
    bool good = normalize_recipient(row.line, raw_recipient, row.recipient);
    good = set_type(row.line, raw_type, row.recipient_type) && good;
    const std::uint32_t hash = RecipientIndex::hash_of(row.recipient_type, row.recipient);
    index_.prefetch(hash);
    for (const auto& [name, value] : row.fields) {
      if (value.size() > limits_.max_field_chars && utf8_length(value) > limits_.max_field_chars) {
        problems_.report(row.line, "field_too_long", [&, &name = name] {
          return "the field '" + name + "' is longer than " + std::to_string(limits_.max_field_chars) + " characters";
        });
        good = false;
      }
    }
    if (!good) return;
    file_.rows.push_back(std::move(row));
    if (!limits_.unique_recipients) return;
    if (const RecipientRow* first = index_.find_or_add(file_.rows, file_.rows.size() - 1, hash); first != nullptr) {
      const std::size_t line = file_.rows.back().line;
      problems_.report(line, "duplicate_recipient", [&] {
        return "the same recipient (" + first->recipient_type + ") is already on line " + std::to_string(first->line);
      });
      file_.rows.pop_back();
    }
  }

  void reserve(std::size_t rows) {
    file_.rows.reserve(rows);
    index_.reserve(rows);
  }

  void report_missing_recipient(std::size_t line) {
    problems_.report(line, "missing_recipient", [] { return std::string("the recipient is missing or empty"); });
  }

 private:
  bool normalize_recipient(std::size_t line, std::string_view raw, std::string& out) {
    const std::string_view trimmed = trim_identifier(raw);
    if (trimmed.empty()) {
      report_missing_recipient(line);
      return false;
    }
    out.clear();
    out.reserve(trimmed.size());
    std::size_t chars = 0;
    for (std::size_t i = 0; i < trimmed.size(); ++i) {
      const auto byte = static_cast<unsigned char>(trimmed[i]);
      const auto next = i + 1 < trimmed.size() ? static_cast<unsigned char>(trimmed[i + 1]) : 0;
      if (byte < 0x20 || byte == 0x7F) {
        problems_.report(line, "invalid_recipient",
                         [] { return std::string("the recipient must not hold control characters"); });
        return false;
      }
      if (byte == 0xD9 && next >= 0xA0 && next <= 0xA9) {  // U+0660..U+0669 ARABIC-INDIC DIGIT
        out += static_cast<char>('0' + (next - 0xA0));
        ++i;
      } else if (byte == 0xDB && next >= 0xB0 && next <= 0xB9) {  // U+06F0..U+06F9 EXTENDED ARABIC-INDIC
        out += static_cast<char>('0' + (next - 0xB0));
        ++i;
      } else {
        out += static_cast<char>(byte);
        if ((byte & 0xC0) == 0x80) continue;  // a continuation byte ends no character
      }
      ++chars;
    }
    if (chars > kMaxRecipientChars) {
      problems_.report(line, "invalid_recipient", [] {
        return "the recipient is longer than " + std::to_string(kMaxRecipientChars) + " characters";
      });
      return false;
    }
    return true;
  }

  bool set_type(std::size_t line, std::optional<std::string_view> raw, std::string& out) {
    const std::string_view type = raw ? trim_ascii(*raw) : std::string_view();
    if (type.empty()) {
      out = kDefaultRecipientType;
      return true;
    }
    if (std::find(kRecipientTypes.begin(), kRecipientTypes.end(), type) == kRecipientTypes.end()) {
      problems_.report(line, "invalid_recipient_type", [] {
        return std::string("the recipient type must be national_id, registry_number or authority_code");
      });
      return false;
    }
    out = type;
    return true;
  }

  const RecipientFileLimits& limits_;
  RecipientFile& file_;
  Problems& problems_;
  RecipientIndex index_;
};

std::size_t line_of_offset(std::string_view text, std::size_t offset) {
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
}

// Whole-file checks before any record is read. False when parsing cannot go on.
// `check_records_utf8` is set when some lines (but not all) are invalid UTF-8, so each record is checked.
bool check_whole_file(std::string_view text, Problems& problems, bool& check_records_utf8) {
  check_records_utf8 = false;
  if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF")) {
    problems.report(0, "not_utf8", [] { return std::string("the file is UTF-16 or UTF-32; save it as UTF-8"); });
    return false;
  }
  if (const void* nul = std::memchr(text.data(), '\0', text.size()); nul != nullptr) {
    const auto offset = static_cast<std::size_t>(static_cast<const char*>(nul) - text.data());
    problems.report(line_of_offset(text, offset), "nul_byte",
                    [] { return std::string("the file holds a NUL byte; it is not a text file"); });
    return false;
  }
  const std::string_view body = text.starts_with(kUtf8Bom) ? text.substr(kUtf8Bom.size()) : text;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    problems.report(0, "empty_file", [] { return std::string("the file is empty"); });
    return false;
  }
  if (is_valid_utf8(text)) return true;

  // Some text is not UTF-8. When no line with non-ASCII text is, the file is in another encoding
  // (Windows-1256, Latin-1): one problem says so instead of one per line.
  std::size_t valid_non_ascii_lines = 0;
  std::size_t first_invalid_line = 0;
  std::size_t line = 1;
  for (std::size_t start = 0; start < text.size(); ++line) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view content = text.substr(start, end - start);
    const bool non_ascii =
        std::any_of(content.begin(), content.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    if (non_ascii) {
      if (is_valid_utf8(content)) {
        ++valid_non_ascii_lines;
      } else if (first_invalid_line == 0) {
        first_invalid_line = line;
      }
    }
    start = end + 1;
  }
  if (valid_non_ascii_lines == 0) {
    problems.report(0, "not_utf8", [&] {
      return "the file is not UTF-8 (first on line " + std::to_string(first_invalid_line) + "); save it as UTF-8";
    });
    return false;
  }
  check_records_utf8 = true;
  return true;
}

void report_too_many_rows(Problems& problems, std::size_t line, const RecipientFileLimits& limits) {
  problems.report(line, "too_many_rows",
                  [&] { return "the file has more than " + std::to_string(limits.max_rows) + " recipients"; });
}

void report_invalid_utf8(Problems& problems, std::size_t line) {
  problems.report(line, "invalid_utf8", [] { return std::string("the line is not valid UTF-8"); });
}

void report_line_too_long(Problems& problems, std::size_t line, const RecipientFileLimits& limits) {
  problems.report(line, "line_too_long",
                  [&] { return "the record is longer than " + std::to_string(limits.max_line_bytes) + " bytes"; });
}

std::size_t effective_max_rows(const RecipientFileLimits& limits) {
  // Row indices are kept in 32 bits.
  return std::min<std::size_t>(limits.max_rows, std::numeric_limits<std::uint32_t>::max() - 1);
}

// At most one row per line: enough room for all of them, up to the limit.
std::size_t expected_rows(std::string_view text, const RecipientFileLimits& limits) {
  const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  return std::min(lines, effective_max_rows(limits));
}

class CsvReader {
 public:
  CsvReader(std::string_view text, const RecipientFileLimits& limits, RecipientFile& file, Problems& problems,
            bool check_records_utf8)
      : text_(text),
        limits_(limits),
        problems_(problems),
        checker_(limits, file, problems),
        check_records_utf8_(check_records_utf8) {}

  void read() {
    if (text_.starts_with(kUtf8Bom)) pos_ = kUtf8Bom.size();
    skip_empty_lines();
    delimiter_ = guess_delimiter();
    if (!read_header()) return;
    checker_.reserve(expected_rows(text_, limits_));

    std::size_t records = 0;
    const std::size_t max_rows = effective_max_rows(limits_);
    while (skip_empty_lines(), pos_ < text_.size()) {
      if (records++ == max_rows) {
        report_too_many_rows(problems_, line_, limits_);
        return;
      }
      if (!read_row()) return;
    }
    if (records == 0) {
      problems_.report(0, "no_recipients", [] { return std::string("the file has a header but no recipients"); });
    }
  }

 private:
  enum class RecordStatus { ok, malformed, unterminated };

  bool at_line_end(std::size_t pos) const {
    return pos < text_.size() &&
           (text_[pos] == '\n' || (text_[pos] == '\r' && (pos + 1 == text_.size() || text_[pos + 1] == '\n')));
  }

  void skip_line_end() {
    if (text_[pos_] == '\r') ++pos_;
    if (pos_ < text_.size()) ++pos_;  // the '\n'
    ++line_;
  }

  void skip_empty_lines() {
    while (at_line_end(pos_)) skip_line_end();
  }

  // ',' unless the first line has no comma outside quotes but a semicolon.
  char guess_delimiter() const {
    bool quoted = false;
    std::size_t commas = 0;
    std::size_t semicolons = 0;
    for (std::size_t i = pos_; i < text_.size() && (quoted || text_[i] != '\n'); ++i) {
      const char c = text_[i];
      if (c == '"') quoted = !quoted;
      if (!quoted && c == ',') ++commas;
      if (!quoted && c == ';') ++semicolons;
    }
    return commas == 0 && semicolons > 0 ? ';' : ',';
  }

  // Reads the record at pos_ into cells_, leaving pos_ after its line break and line_ on the next line.
  // Cells are views into the text, or into unescaped_ for quoted cells holding "" escapes.
  RecordStatus read_record() {
    cell_count_ = 0;
    std::size_t unescaped_count = 0;
    const std::size_t size = text_.size();
    while (true) {
      std::string_view cell;
      if (pos_ < size && text_[pos_] == '"') {
        ++pos_;
        std::string* unescaped = nullptr;
        while (true) {
          const std::size_t quote = text_.find('"', pos_);
          if (quote == std::string_view::npos) {
            pos_ = size;
            return RecordStatus::unterminated;
          }
          const std::string_view chunk = text_.substr(pos_, quote - pos_);
          line_ += static_cast<std::size_t>(std::count(chunk.begin(), chunk.end(), '\n'));
          pos_ = quote + 1;
          const bool escaped_quote = pos_ < size && text_[pos_] == '"';
          if (unescaped == nullptr && (!escaped_quote || !stores_next_cell())) {
            cell = chunk;  // for a cell not stored, any view: only its end matters
            if (!escaped_quote) break;
            ++pos_;
            continue;
          }
          if (unescaped == nullptr) {
            if (unescaped_count == unescaped_.size()) unescaped_.emplace_back();
            unescaped = &unescaped_[unescaped_count++];
            unescaped->clear();
          }
          unescaped->append(chunk);
          if (!escaped_quote) {
            cell = *unescaped;
            break;
          }
          *unescaped += '"';
          ++pos_;
        }
        add_cell(cell);
        if (pos_ == size) return RecordStatus::ok;
        if (text_[pos_] == delimiter_) {
          ++pos_;
          continue;
        }
        if (at_line_end(pos_)) {
          skip_line_end();
          return RecordStatus::ok;
        }
        // Text after the closing quote: skip the rest of the line.
        const std::size_t line_end = text_.find('\n', pos_);
        pos_ = line_end == std::string_view::npos ? size : line_end;
        if (pos_ < size) skip_line_end();
        return RecordStatus::malformed;
      }
      std::size_t end = pos_;
      while (end < size && text_[end] != delimiter_ && text_[end] != '\n') ++end;
      std::size_t cell_end = end;
      if ((end == size || text_[end] == '\n') && cell_end > pos_ && text_[cell_end - 1] == '\r') --cell_end;
      add_cell(text_.substr(pos_, cell_end - pos_));
      pos_ = end;
      if (pos_ == size) return RecordStatus::ok;
      if (text_[pos_] == delimiter_) {
        ++pos_;
        continue;
      }
      skip_line_end();
      return RecordStatus::ok;
    }
  }

  // Records are counted whole but stored only up to what a valid header allows, so that one long line of
  // separators cannot make the reader hold millions of cells.
  bool stores_next_cell() const { return cell_count_ < limits_.max_fields + 3; }

  void add_cell(std::string_view cell) {
    if (stores_next_cell()) {
      if (cell_count_ == cells_.size()) cells_.emplace_back();
      cells_[cell_count_] = cell;
    }
    ++cell_count_;
  }

  // Reads one record and reports what is wrong with its form; true when its cells can be used.
  bool read_checked_record(std::size_t& record_line, bool& stop) {
    record_line = line_;
    const std::size_t start = pos_;
    const RecordStatus status = read_record();
    const std::string_view raw = text_.substr(start, pos_ - start);
    if (status == RecordStatus::unterminated) {
      problems_.report(record_line, "unterminated_quote",
                       [] { return std::string("a quoted field starts here and never ends"); });
      stop = true;
      return false;
    }
    if (check_records_utf8_ && !is_valid_utf8(raw)) {
      report_invalid_utf8(problems_, record_line);
      return false;
    }
    if (raw.size() > limits_.max_line_bytes) {
      report_line_too_long(problems_, record_line, limits_);
      return false;
    }
    if (status == RecordStatus::malformed) {
      problems_.report(record_line, "malformed_csv",
                       [] { return std::string("text follows the closing quote of a field"); });
      return false;
    }
    return true;
  }

  bool read_header() {
    std::size_t header_line = 0;
    bool stop = false;
    if (!read_checked_record(header_line, stop)) return false;
    columns_ = cell_count_;

    if (!stores_next_cell()) {  // more columns than recipient, recipient_type and max_fields fields
      problems_.report(header_line, "too_many_fields", [&] {
        return "the header names more than " + std::to_string(limits_.max_fields) + " template fields";
      });
      return false;
    }
    std::size_t special_columns = 0;
    for (std::size_t i = 0; i < cell_count_; ++i) {
      const std::string_view name = trim_ascii(cells_[i]);
      if (name == "recipient" && !recipient_column_) {
        recipient_column_ = i;
        ++special_columns;
      } else if (name == "recipient_type" && !type_column_) {
        type_column_ = i;
        ++special_columns;
      }
    }
    if (!recipient_column_) {
      problems_.report(header_line, "missing_recipient_column",
                       [] { return std::string("the header row has no column named recipient"); });
      return false;
    }
    if (columns_ - special_columns > limits_.max_fields) {
      problems_.report(header_line, "too_many_fields", [&] {
        return "the header names more than " + std::to_string(limits_.max_fields) + " template fields";
      });
      return false;
    }
    // A header with problems ends the parse: its rows could not be read as the author meant them.
    bool good = true;
    std::vector<std::string_view> names;
    for (std::size_t i = 0; i < cell_count_; ++i) {
      const std::string_view name = trim_ascii(cells_[i]);
      if (std::find(names.begin(), names.end(), name) != names.end()) {
        problems_.report(header_line, "duplicate_column",
                         [&] { return "the column '" + std::string(name) + "' appears twice"; });
        good = false;
      } else if (i != recipient_column_ && i != type_column_ && !is_field_name(name)) {
        problems_.report(header_line, "invalid_column_name", [&] {
          return "the column name '" + std::string(name) + "' must match [A-Za-z_][A-Za-z0-9_]{0,63}";
        });
        good = false;
      }
      names.push_back(name);
      if (i != recipient_column_ && i != type_column_) field_columns_.emplace_back(i, std::string(name));
    }
    return good;
  }

  // False when parsing must stop.
  bool read_row() {
    std::size_t line = 0;
    bool stop = false;
    if (!read_checked_record(line, stop)) return !stop;
    if (cell_count_ != columns_) {
      problems_.report(line, "wrong_column_count", [&] {
        return "expected " + std::to_string(columns_) + " columns, found " + std::to_string(cell_count_);
      });
      return true;
    }
    RecipientRow row;
    row.line = line;
    row.fields.reserve(field_columns_.size());
    for (const auto& [column, name] : field_columns_) row.fields.emplace_back(name, cells_[column]);
    const std::optional<std::string_view> type =
        type_column_ ? std::optional<std::string_view>(cells_[*type_column_]) : std::nullopt;
    checker_.accept(std::move(row), cells_[*recipient_column_], type);
    return true;
  }

  std::string_view text_;
  const RecipientFileLimits& limits_;
  Problems& problems_;
  RowChecker checker_;
  const bool check_records_utf8_;

  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  char delimiter_ = ',';
  std::vector<std::string_view> cells_;  // reused from record to record; the current record's first cells
  std::size_t cell_count_ = 0;           // the current record's cells, stored or not
  std::deque<std::string> unescaped_;    // a deque: growing it moves no string that a cell views

  std::size_t columns_ = 0;
  std::optional<std::size_t> recipient_column_;
  std::optional<std::size_t> type_column_;
  std::vector<std::pair<std::size_t, std::string>> field_columns_;
};

// Reads one JSON line through SAX events: the recipient, its type and the fields (in key order, numbers
// as written), ignoring other keys whatever they hold.
class JsonLineReader final : public nlohmann::json_sax<Json> {
 public:
  struct Problem {
    std::string_view code;
    std::string message;
  };

  explicit JsonLineReader(const RecipientFileLimits& limits) : limits_(limits) {}

  // Ready for the next line; the buffers keep their capacity.
  void reset() {
    recipient.reset();
    recipient_type.reset();
    fields.clear();
    problems.clear();
    depth_ = 0;
    skip_depth_ = 0;
    slot_ = Slot::other;
    seen_ = {};
    field_name_.clear();
  }

  std::optional<std::string> recipient;
  std::optional<std::string> recipient_type;
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<Problem> problems;

  bool null() override { return value(Kind::null, {}); }
  bool boolean(bool flag) override { return value(Kind::scalar, flag ? "true" : "false"); }
  bool number_integer(number_integer_t number) override { return value(Kind::scalar, std::to_string(number)); }
  bool number_unsigned(number_unsigned_t number) override { return value(Kind::scalar, std::to_string(number)); }
  bool number_float(number_float_t /*number*/, const string_t& text) override { return value(Kind::scalar, text); }
  bool string(string_t& text) override { return value(Kind::string, std::move(text)); }
  bool binary(binary_t& /*bytes*/) override { return value(Kind::null, {}); }

  bool start_object(std::size_t /*elements*/) override { return start_container(true); }
  bool start_array(std::size_t /*elements*/) override { return start_container(false); }
  bool end_object() override { return end_container(); }
  bool end_array() override { return end_container(); }

  bool key(string_t& name) override {
    if (skip_depth_ > 0) return true;
    if (depth_ == 1) {
      slot_ = Slot::other;
      std::size_t seen_index = 0;
      if (name == "recipient") {
        slot_ = Slot::recipient;
      } else if (name == "recipient_type") {
        slot_ = Slot::recipient_type;
        seen_index = 1;
      } else if (name == "fields") {
        slot_ = Slot::fields;
        seen_index = 2;
      }
      if (slot_ != Slot::other && seen_[seen_index]) {
        add_problem("duplicate_key", "the key '" + name + "' appears twice");
        slot_ = Slot::other;
      }
      if (slot_ != Slot::other) seen_[seen_index] = true;
      return true;
    }
    // depth 2, inside "fields"
    if (fields.size() == limits_.max_fields) {
      add_problem("too_many_fields", "more than " + std::to_string(limits_.max_fields) + " fields");
      return false;
    }
    field_name_ = std::move(name);
    if (!is_field_name(field_name_)) {
      add_problem("invalid_field_name", "the field name '" + field_name_ + "' must match [A-Za-z_][A-Za-z0-9_]{0,63}");
      field_name_.clear();
    } else if (std::any_of(fields.begin(), fields.end(),
                           [&](const auto& field) { return field.first == field_name_; })) {
      add_problem("duplicate_key", "the field '" + field_name_ + "' appears twice");
      field_name_.clear();
    }
    return true;
  }

  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& /*error*/) override {
    add_problem("malformed_json", "the line is not valid JSON (at byte " + std::to_string(position) + ")");
    return false;
  }

 private:
  enum class Kind { null, scalar, string };
  enum class Slot { other, recipient, recipient_type, fields };

  void add_problem(std::string_view code, std::string message) {
    if (problems.size() < kMaxProblemsPerJsonLine) problems.push_back(Problem{code, std::move(message)});
  }

  bool value(Kind kind, std::string text) {
    if (skip_depth_ > 0) return true;
    if (depth_ == 0) {
      add_problem("not_an_object", "the line must be a JSON object");
      return false;
    }
    if (depth_ == 1) {
      switch (slot_) {
        case Slot::recipient:
          if (kind == Kind::string) {
            recipient = std::move(text);
          } else if (kind != Kind::null) {
            add_problem("invalid_recipient", "the recipient must be a string");
          }
          break;
        case Slot::recipient_type:
          if (kind == Kind::string) {
            recipient_type = std::move(text);
          } else if (kind != Kind::null) {
            add_problem("invalid_recipient_type", "the recipient type must be a string");
          }
          break;
        case Slot::fields:
          if (kind != Kind::null) add_problem("invalid_fields", "fields must be an object");
          break;
        case Slot::other: break;
      }
      return true;
    }
    // depth 2, inside "fields"
    if (kind == Kind::null) {
      add_problem("invalid_field_value", "the field '" + field_name_ + "' must be a string, number or boolean");
    } else if (!field_name_.empty()) {
      fields.emplace_back(std::move(field_name_), std::move(text));
    }
    field_name_.clear();
    return true;
  }

  bool start_container(bool object) {
    if (++depth_ > kMaxJsonDepth) {
      add_problem("malformed_json", "the line nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
      return false;
    }
    if (skip_depth_ > 0) {
      ++skip_depth_;
      return true;
    }
    if (depth_ == 1) {
      if (object) return true;
      add_problem("not_an_object", "the line must be a JSON object");
      return false;
    }
    if (depth_ == 2 && slot_ == Slot::fields && object) return true;
    if (depth_ == 2) {
      if (slot_ == Slot::recipient) add_problem("invalid_recipient", "the recipient must be a string");
      if (slot_ == Slot::recipient_type) add_problem("invalid_recipient_type", "the recipient type must be a string");
      if (slot_ == Slot::fields) add_problem("invalid_fields", "fields must be an object");
    } else {
      add_problem("invalid_field_value", "the field '" + field_name_ + "' must be a string, number or boolean");
      field_name_.clear();
    }
    skip_depth_ = 1;
    return true;
  }

  bool end_container() {
    --depth_;
    if (skip_depth_ > 0) --skip_depth_;
    return true;
  }

  const RecipientFileLimits& limits_;
  int depth_ = 0;
  int skip_depth_ = 0;  // containers still open inside one that is being skipped, itself included
  Slot slot_ = Slot::other;
  std::array<bool, 3> seen_{};  // recipient, recipient_type, fields
  std::string field_name_;
};

void read_jsonl(std::string_view text, const RecipientFileLimits& limits, RecipientFile& file, Problems& problems,
                bool check_records_utf8) {
  RowChecker checker(limits, file, problems);
  checker.reserve(expected_rows(text, limits));
  JsonLineReader reader(limits);
  const std::size_t max_rows = effective_max_rows(limits);
  std::size_t records = 0;
  std::size_t line = 0;
  std::size_t start = text.starts_with(kUtf8Bom) ? kUtf8Bom.size() : 0;
  while (start < text.size()) {
    ++line;
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    if (raw.find_first_not_of(" \t\r") == std::string_view::npos) continue;  // JSON's whitespace, bar LF
    if (records++ == max_rows) {
      report_too_many_rows(problems, line, limits);
      return;
    }
    if (check_records_utf8 && !is_valid_utf8(raw)) {
      report_invalid_utf8(problems, line);
      continue;
    }
    if (raw.size() > limits.max_line_bytes) {
      report_line_too_long(problems, line, limits);
      continue;
    }

    reader.reset();
    bool parsed = false;
    try {
      parsed = Json::sax_parse(raw.begin(), raw.end(), &reader);
    } catch (const Json::exception&) {
      reader.problems.push_back({"malformed_json", "the line is not valid JSON"});
    }
    for (auto& problem : reader.problems) {
      problems.report(line, problem.code, [&] { return std::move(problem.message); });
    }
    if (!parsed || !reader.problems.empty()) continue;
    if (!reader.recipient) {
      checker.report_missing_recipient(line);
      continue;
    }
    RecipientRow row;
    row.line = line;
    // Moved into a vector of the exact size: the reader's own keeps its capacity for the next line.
    row.fields.assign(std::make_move_iterator(reader.fields.begin()), std::make_move_iterator(reader.fields.end()));
    const std::optional<std::string_view> type =
        reader.recipient_type ? std::optional<std::string_view>(*reader.recipient_type) : std::nullopt;
    checker.accept(std::move(row), *reader.recipient, type);
  }
}

std::string ascii_lowercase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

}  // namespace

RecipientFile parse_recipient_file(std::string_view text, RecipientFileFormat format,
                                   const RecipientFileLimits& limits) {
  RecipientFile file;
  Problems problems(file);
  bool check_records_utf8 = false;
  if (check_whole_file(text, problems, check_records_utf8)) {
    if (format == RecipientFileFormat::csv) {
      CsvReader(text, limits, file, problems, check_records_utf8).read();
    } else {
      read_jsonl(text, limits, file, problems, check_records_utf8);
    }
  }
  std::stable_sort(file.problems.begin(), file.problems.end(),
                   [](const RecipientFileProblem& a, const RecipientFileProblem& b) { return a.line < b.line; });
  return file;
}

std::optional<RecipientFileFormat> recipient_file_format(std::string_view file_name, std::string_view media_type) {
  if (const std::size_t dot = file_name.rfind('.'); dot != std::string_view::npos) {
    const std::string extension = ascii_lowercase(file_name.substr(dot + 1));
    if (extension == "csv") return RecipientFileFormat::csv;
    if (extension == "jsonl" || extension == "ndjson") return RecipientFileFormat::jsonl;
  }
  const std::string type = ascii_lowercase(trim_ascii(media_type.substr(0, media_type.find(';'))));
  if (type == "text/csv") return RecipientFileFormat::csv;
  if (type == "application/jsonl" || type == "application/x-ndjson") return RecipientFileFormat::jsonl;
  return std::nullopt;
}

}  // namespace barid::mailbox
