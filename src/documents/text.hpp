// Private to the documents module: turns any bytes into text that Pango can lay out safely (see the
// policy in pdf.hpp), and splits a letter body into paragraphs of bounded size.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace barid::documents::detail {

enum class LineBreaks { keep, to_spaces };

struct CleanText {
  std::string text;  // valid UTF-8
  bool cut = false;  // the input was longer than max_input_bytes
};

// Valid UTF-8 out of any bytes, reading at most `max_input_bytes` of the input (cut at a character
// boundary). Each maximal invalid subsequence (Unicode 15, §3.9) and each control character other
// than a line break becomes U+FFFD; tabs become spaces; CR LF, CR, U+2028 and U+2029 become LF (or a
// space with LineBreaks::to_spaces); explicit bidi embeddings, overrides and isolates are dropped.
CleanText clean_text(std::string_view input, LineBreaks line_breaks, std::size_t max_input_bytes);

// A single-line text for a label, title or line: cleaned, and marked with "…" when cut.
std::string clean_line(std::string_view input, std::size_t max_input_bytes);

// Splits cleaned text into paragraphs at blank lines (lines empty or of spaces only). A paragraph
// longer than `max_chunk_bytes` comes in several chunks, cut at a line break, else at a space, else
// at a character boundary; `continues_paragraph` tells the chunks after the first.
class ParagraphReader {
 public:
  ParagraphReader(std::string_view text, std::size_t max_chunk_bytes)
      : rest_(text), max_chunk_bytes_(max_chunk_bytes) {}
  struct Chunk {
    std::string_view text;
    bool continues_paragraph = false;
  };
  // False at the end.
  bool next(Chunk& chunk);

 private:
  std::string_view rest_;
  std::size_t max_chunk_bytes_;
  bool inside_paragraph_ = false;
};

}  // namespace barid::documents::detail
