#include "text.hpp"

#include <barid/core/utf8.hpp>

namespace barid::documents::detail {
namespace {

constexpr char32_t kReplacementCharacter = 0xFFFD;

bool is_continuation_byte(char byte) {
  return (static_cast<unsigned char>(byte) & 0xC0) == 0x80;
}

bool is_explicit_bidi_control(char32_t code_point) {
  return (code_point >= 0x202A && code_point <= 0x202E) || (code_point >= 0x2066 && code_point <= 0x2069);
}

// Decodes one well-formed UTF-8 sequence at `at`. On success returns its length and sets
// `code_point`; on failure returns 0 and sets `invalid_length` to the length of the maximal
// invalid subpart (at least 1), which the caller replaces with one U+FFFD.
std::size_t decode_utf8(std::string_view text, std::size_t at, char32_t& code_point, std::size_t& invalid_length) {
  const auto lead = static_cast<unsigned char>(text[at]);
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  }
  std::size_t trailing = 0;
  unsigned char second_min = 0x80;
  unsigned char second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    trailing = 1;
    code_point = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    trailing = 2;
    code_point = lead & 0x0F;
    if (lead == 0xE0) second_min = 0xA0;  // no overlong forms
    if (lead == 0xED) second_max = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    trailing = 3;
    code_point = lead & 0x07;
    if (lead == 0xF0) second_min = 0x90;  // no overlong forms
    if (lead == 0xF4) second_max = 0x8F;  // nothing above U+10FFFF
  } else {
    invalid_length = 1;
    return 0;
  }
  for (std::size_t k = 1; k <= trailing; ++k) {
    const std::size_t position = at + k;
    const unsigned char minimum = k == 1 ? second_min : 0x80;
    const unsigned char maximum = k == 1 ? second_max : 0xBF;
    if (position >= text.size() || static_cast<unsigned char>(text[position]) < minimum ||
        static_cast<unsigned char>(text[position]) > maximum) {
      invalid_length = k;
      return 0;
    }
    code_point = (code_point << 6) | (static_cast<unsigned char>(text[position]) & 0x3F);
  }
  return trailing + 1;
}

}  // namespace

CleanText clean_text(std::string_view input, LineBreaks line_breaks, std::size_t max_input_bytes) {
  CleanText result;
  if (input.size() > max_input_bytes) {
    result.cut = true;
    std::size_t end = max_input_bytes;
    for (int backed_off = 0; end > 0 && backed_off < 3 && is_continuation_byte(input[end]); ++backed_off) --end;
    input = input.substr(0, end);
  }
  const char32_t line_break = line_breaks == LineBreaks::keep ? U'\n' : U' ';
  result.text.reserve(input.size());
  std::size_t at = 0;
  while (at < input.size()) {
    char32_t code_point = 0;
    std::size_t invalid_length = 0;
    const std::size_t length = decode_utf8(input, at, code_point, invalid_length);
    if (length == 0) {
      append_utf8(result.text, kReplacementCharacter);
      at += invalid_length;
      continue;
    }
    at += length;
    if (code_point == U'\r') {
      if (at < input.size() && input[at] == '\n') continue;  // CR LF: the LF breaks the line
      code_point = line_break;
    } else if (code_point == U'\n' || code_point == 0x2028 || code_point == 0x2029) {
      code_point = line_break;
    } else if (code_point == U'\t') {
      code_point = U' ';
    } else if (code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F)) {
      code_point = kReplacementCharacter;
    } else if (is_explicit_bidi_control(code_point)) {
      continue;
    }
    append_utf8(result.text, code_point);
  }
  return result;
}

std::string clean_line(std::string_view input, std::size_t max_input_bytes) {
  CleanText clean = clean_text(input, LineBreaks::to_spaces, max_input_bytes);
  if (clean.cut) clean.text += "…";
  return std::move(clean.text);
}

namespace {

bool is_blank(std::string_view line) {
  return line.find_first_not_of(' ') == std::string_view::npos;
}

// The end of the paragraph that starts `text` (the position of the line feed before a blank line,
// or the end of the text), looking no further than `limit` bytes; npos when it lies beyond.
std::size_t find_paragraph_end(std::string_view text, std::size_t limit) {
  std::size_t line_start = 0;
  while (line_start <= limit) {
    const std::size_t line_feed = text.find('\n', line_start);
    if (line_feed == std::string_view::npos) return text.size() <= limit ? text.size() : std::string_view::npos;
    if (line_feed > limit) return std::string_view::npos;
    const std::size_t next_line_end = text.find('\n', line_feed + 1);
    const std::string_view next_line =
        text.substr(line_feed + 1,
                    next_line_end == std::string_view::npos ? std::string_view::npos : next_line_end - line_feed - 1);
    if (is_blank(next_line)) return line_feed;
    line_start = line_feed + 1;
  }
  return std::string_view::npos;
}

}  // namespace

bool ParagraphReader::next(Chunk& chunk) {
  if (!inside_paragraph_) {
    while (!rest_.empty()) {  // skip blank lines
      const std::size_t line_feed = rest_.find('\n');
      if (!is_blank(rest_.substr(0, line_feed))) break;
      rest_.remove_prefix(line_feed == std::string_view::npos ? rest_.size() : line_feed + 1);
    }
    if (rest_.empty()) return false;
  }
  chunk.continues_paragraph = inside_paragraph_;
  const std::size_t paragraph_end = find_paragraph_end(rest_, max_chunk_bytes_);
  if (paragraph_end != std::string_view::npos) {
    chunk.text = rest_.substr(0, paragraph_end);
    rest_.remove_prefix(paragraph_end);
    inside_paragraph_ = false;
    return true;
  }
  // Too long: cut at the last line break, else the last space, else a character boundary.
  const std::string_view window = rest_.substr(0, max_chunk_bytes_);
  std::size_t cut = window.rfind('\n');
  if (cut == std::string_view::npos || cut == 0) cut = window.rfind(' ');
  std::size_t skip = 1;  // the line break or space at the cut is not printed
  if (cut == std::string_view::npos || cut == 0) {
    cut = max_chunk_bytes_;
    while (cut > 1 && is_continuation_byte(rest_[cut])) --cut;
    skip = 0;
  }
  chunk.text = rest_.substr(0, cut);
  rest_.remove_prefix(cut + skip);
  inside_paragraph_ = true;
  return true;
}

}  // namespace barid::documents::detail
