#include "text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace barid::documents::detail {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

std::string clean(std::string_view input) {
  return clean_text(input, LineBreaks::keep, 1 << 20).text;
}

TEST(CleanText, KeepsValidArabicLatinAndMixedTextAsItIs) {
  const std::string text = "إيصال إثبات — Evidence receipt 2026 ✓ 😀";
  EXPECT_EQ(clean(text), text);
}

TEST(CleanText, ReplacesEachMaximalInvalidSubsequenceWithOneReplacementCharacter) {
  EXPECT_EQ(clean("a\xFF"
                  "b"),
            "a" + kReplacement + "b");
  EXPECT_EQ(clean("a\xE2\x82"
                  "b"),
            "a" + kReplacement + "b");  // truncated three-byte sequence
  EXPECT_EQ(clean("\xF0\x9F\x98"), kReplacement);
  EXPECT_EQ(clean("\xC0\xAF"), kReplacement + kReplacement);                                        // overlong '/'
  EXPECT_EQ(clean("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);                     // a surrogate
  EXPECT_EQ(clean("\xF4\x90\x80\x80"), kReplacement + kReplacement + kReplacement + kReplacement);  // > U+10FFFF
  EXPECT_EQ(clean("\x80\x80"), kReplacement + kReplacement);
}

TEST(CleanText, TurnsControlCharactersIntoReplacementCharactersAndTabsIntoSpaces) {
  EXPECT_EQ(clean(std::string("a\0b", 3)), "a" + kReplacement + "b");
  EXPECT_EQ(clean("a\x1B[31mb\x7F"), "a" + kReplacement + "[31mb" + kReplacement);
  EXPECT_EQ(clean("a\xC2\x85"
                  "b"),
            "a" + kReplacement + "b");  // C1 control
  EXPECT_EQ(clean("a\tb"), "a b");
}

TEST(CleanText, NormalisesLineBreaksOrTurnsThemIntoSpaces) {
  const std::string input =
      "a\r\nb\rc\nd\xE2\x80\xA8"
      "e\xE2\x80\xA9"
      "f";
  EXPECT_EQ(clean(input), "a\nb\nc\nd\ne\nf");
  EXPECT_EQ(clean_text(input, LineBreaks::to_spaces, 100).text, "a b c d e f");
}

TEST(CleanText, DropsExplicitBidiEmbeddingsOverridesAndIsolatesButKeepsMarks) {
  // U+202E RIGHT-TO-LEFT OVERRIDE would show "abc" as "cba"; U+2067 is an isolate; U+200F a mark.
  EXPECT_EQ(clean("x\xE2\x80\xAE"
                  "abc\xE2\x80\xAC"
                  "y\xE2\x81\xA7"
                  "z\xE2\x81\xA9\xE2\x80\x8F"),
            "xabcyz\xE2\x80\x8F");
}

TEST(CleanText, CutsLongInputAtACharacterBoundaryAndSaysSo) {
  const CleanText cut = clean_text("ééé", LineBreaks::keep, 3);  // the limit falls inside the second "é"
  EXPECT_TRUE(cut.cut);
  EXPECT_EQ(cut.text, "é");
  EXPECT_FALSE(clean_text("ééé", LineBreaks::keep, 6).cut);
  EXPECT_EQ(clean_line("abcdef", 3), "abc…");
  EXPECT_EQ(clean_line("ab\ncd", 100), "ab cd");
}

std::vector<std::pair<std::string, bool>> read_all(std::string_view text, std::size_t max_chunk_bytes) {
  ParagraphReader reader(text, max_chunk_bytes);
  std::vector<std::pair<std::string, bool>> chunks;
  ParagraphReader::Chunk chunk;
  while (reader.next(chunk)) chunks.emplace_back(std::string(chunk.text), chunk.continues_paragraph);
  return chunks;
}

TEST(ParagraphReader, SplitsAtBlankLinesAndKeepsSingleLineBreaks) {
  const auto chunks = read_all("\n\nfirst line\nsecond line\n\n  \n\nnext paragraph\n\n", 1000);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].first, "first line\nsecond line");
  EXPECT_EQ(chunks[1].first, "next paragraph");
  EXPECT_FALSE(chunks[0].second);
  EXPECT_FALSE(chunks[1].second);
  EXPECT_TRUE(read_all("\n \n\n", 1000).empty());
}

TEST(ParagraphReader, CutsLongParagraphsAtSpacesIntoBoundedChunks) {
  const auto chunks = read_all("aaaa bbbb cccc dddd\n\nshort", 10);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0], std::make_pair(std::string("aaaa bbbb"), false));
  EXPECT_EQ(chunks[1], std::make_pair(std::string("cccc dddd"), true));
  EXPECT_EQ(chunks[2], std::make_pair(std::string("short"), false));
}

TEST(ParagraphReader, CutsUnbrokenTextAtCharacterBoundaries) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "é";  // 200 bytes, no space
  std::string joined;
  for (const auto& [chunk, continues] : read_all(text, 15)) {
    EXPECT_LE(chunk.size(), 15u);
    EXPECT_EQ(chunk.size() % 2, 0u) << "a chunk split a character";
    joined += chunk;
  }
  EXPECT_EQ(joined, text);
}

}  // namespace
}  // namespace barid::documents::detail
