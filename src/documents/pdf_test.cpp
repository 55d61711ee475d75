// The documents are checked the way a reader sees them: through poppler (pdftotext, pdfinfo,
// pdftoppm) and zbar (zbarimg). A missing tool fails the test.
#include "pdf_test_support.hpp"

#include <barid/documents/pdf.hpp>

#include <glib.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace barid::documents {
namespace {

// Tests leave nothing for LeakSanitizer: the fonts of the main thread and fontconfig's configuration
// are released after the last test (worker threads release theirs when they exit).
class ReleaseFontsAtExit : public testing::Environment {
 public:
  void TearDown() override { release_fonts_at_exit(); }
};
const testing::Environment* const release_fonts = testing::AddGlobalTestEnvironment(new ReleaseFontsAtExit);

using test_support::CommandOutput;
using test_support::contains_text;
using test_support::kPointsPerMm;
using test_support::run;
using test_support::squeeze;
using test_support::TemporaryDirectory;
using test_support::tool_output;
using test_support::write_file;

// The first number after `label` on its line in `text` (for example after "Pages:" in pdfinfo's
// output), or -1.
int number_after(const std::string& text, const std::string& label, std::size_t from = 0) {
  const std::size_t at = text.find(label, from);
  if (at == std::string::npos) return -1;
  for (std::size_t digit = at + label.size(); digit < text.size() && text[digit] != '\n'; ++digit) {
    if (std::isdigit(static_cast<unsigned char>(text[digit])))
      return static_cast<int>(std::strtol(text.c_str() + digit, nullptr, 10));
  }
  return -1;
}

// The value of a field of pdfinfo's output, such as "Title:".
std::string info_field(const std::string& info, const std::string& name) {
  const std::size_t at = info.find("\n" + name);
  if (at == std::string::npos && info.rfind(name, 0) != 0) return "<no " + name + ">";
  const std::size_t start = info.find_first_not_of(' ', (at == std::string::npos ? 0 : at + 1) + name.size());
  return info.substr(start, info.find('\n', start) - start);
}

int page_count(const std::string& pdf_path) {
  return number_after(tool_output("pdfinfo " + pdf_path), "Pages:");
}

std::string page_text(const std::string& pdf_path, int page) {
  const std::string number = std::to_string(page);
  return tool_output("pdftotext -f " + number + " -l " + number + " " + pdf_path + " -");
}

struct Word {
  double x_min, y_min, x_max, y_max;  // points, from the top left
  std::string text;
};

// The words of one page with their boxes, from pdftotext -bbox's lines
// <word xMin="56.69" yMin="30.94" xMax="106.47" yMax="41.05">Batch</word>.
std::vector<Word> page_words(const std::string& pdf_path, int page) {
  const std::string number = std::to_string(page);
  const std::string html = tool_output("pdftotext -bbox -f " + number + " -l " + number + " " + pdf_path + " -");
  const auto attribute = [](const std::string& element, const std::string& name) {
    const std::size_t at = element.find(" " + name + "=\"");
    return at == std::string::npos ? -1.0 : std::strtod(element.c_str() + at + name.size() + 3, nullptr);
  };
  std::vector<Word> words;
  for (std::size_t at = html.find("<word "); at != std::string::npos; at = html.find("<word ", at + 1)) {
    const std::size_t text_start = html.find('>', at) + 1;
    const std::size_t text_end = html.find("</word>", text_start);
    if (text_start == 0 || text_end == std::string::npos) break;
    const std::string element = html.substr(at, text_start - at);
    words.push_back(Word{attribute(element, "xMin"), attribute(element, "yMin"), attribute(element, "xMax"),
                         attribute(element, "yMax"), html.substr(text_start, text_end - text_start)});
  }
  return words;
}

const std::string kContentHash = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

EvidenceReceipt sample_receipt() {
  EvidenceReceipt receipt;
  receipt.title_ar = "إيصال إثبات";
  receipt.title_latin = "Evidence receipt";
  receipt.fields = {
      {"الحدث", "Event", "Registered letter delivered"}, {"المرسل", "Sender", "وزارة الداخلية — Ministry of Interior"},
      {"المستلم", "Recipient", "محمد بن عبد الله"},      {"التاريخ", "Time", "2026-11-22T07:18:13.123Z"},
      {"بصمة المحتوى", "Content SHA-256", kContentHash}, {"رقم السجل", "Log index", "1234567"},
  };
  receipt.qr_payload = "https://barid.example/verify/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b?sha256=" + kContentHash;
  receipt.footer_ar = "امسح الرمز للتحقق من هذا الإيصال في سجل الشفافية.";
  receipt.footer_latin = "Scan the code to verify this receipt against the transparency log.";
  return receipt;
}

TEST(EvidenceReceipt, IsOneA4PageWithItsTitleAndCreatorInTheMetadata) {
  const TemporaryDirectory directory;
  const std::string pdf = render_evidence_receipt_pdf(sample_receipt());
  ASSERT_EQ(pdf.rfind("%PDF-", 0), 0u);
  const std::string path = write_file(directory, "receipt.pdf", pdf);
  EXPECT_EQ(page_count(path), 1);
  const std::string info = tool_output("pdfinfo " + path);
  EXPECT_EQ(info_field(info, "Title:"), "Evidence receipt — إيصال إثبات");
  EXPECT_EQ(info_field(info, "Creator:"), "Barid");
  EXPECT_EQ(info_field(info, "Page size:"), "595.276 x 841.89 pts (A4)");
}

TEST(EvidenceReceipt, ShowsEveryLabelAndValueInArabicAndLatinAsExtractableText) {
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "receipt.pdf", render_evidence_receipt_pdf(sample_receipt()));
  const std::string text = tool_output("pdftotext " + path + " -");
  for (const std::string expected : {"Evidence receipt", "إيصال إثبات", "Scan the code to verify this receipt",
                                     "امسح الرمز للتحقق من هذا الإيصال في سجل الشفافية"}) {
    EXPECT_TRUE(contains_text(text, expected)) << expected << "\nnot in:\n" << text;
  }
  for (const ReceiptField& field : sample_receipt().fields) {
    EXPECT_TRUE(contains_text(text, field.label_latin)) << field.label_latin << "\nnot in:\n" << text;
    EXPECT_TRUE(contains_text(text, field.label_ar)) << field.label_ar << "\nnot in:\n" << text;
  }
  // Values, one script run at a time (a mixed line comes out in visual order).
  for (const std::string expected : {"Registered letter delivered", "وزارة الداخلية", "Ministry of Interior",
                                     "محمد بن عبد الله", "2026-11-22T07:18:13.123Z", kContentHash.c_str(), "1234567"}) {
    EXPECT_TRUE(contains_text(text, expected)) << expected << "\nnot in:\n" << text;
  }
  // Logical order, not reversed: the reversed name must not be what was found.
  EXPECT_FALSE(contains_text(text, "هللا دبع نب دمحم"));
}

TEST(EvidenceReceipt, WrapsLongValuesWithinTheValueColumn) {
  EvidenceReceipt receipt = sample_receipt();
  const std::string long_hash = kContentHash + kContentHash + kContentHash;  // 192 hex digits, no break
  receipt.fields.push_back({"توقيع", "Signature", long_hash});
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "receipt.pdf", render_evidence_receipt_pdf(receipt));
  const std::vector<Word> words = page_words(path, 1);
  ASSERT_FALSE(words.empty());
  std::string hash_pieces;
  std::size_t hash_lines = 0;
  for (const Word& word : words) {
    EXPECT_GE(word.x_min, 20 * kPointsPerMm - 1) << word.text;          // left margin
    EXPECT_LE(word.x_max, (210 - 20) * kPointsPerMm + 1) << word.text;  // right margin
    const bool hex = !word.text.empty() && word.text.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (hex && word.text.size() >= 20) {
      hash_pieces += word.text;
      ++hash_lines;
      // In the value column, clear of the label columns (38 mm each, 4 mm gutters).
      EXPECT_GE(word.x_min, (20 + 38 + 4) * kPointsPerMm - 1) << word.text;
      EXPECT_LE(word.x_max, (210 - 20 - 38 - 4) * kPointsPerMm + 1) << word.text;
    }
  }
  EXPECT_NE(hash_pieces.find(long_hash), std::string::npos);
  EXPECT_GE(hash_lines, 4u + 2u) << "the 192-digit value takes several lines, the 64-digit one more than one";
}

// A grayscale image, as written by pdftoppm -gray (binary PGM).
struct GrayImage {
  int width = 0;
  int height = 0;
  std::string pixels;
  bool dark(int x, int y) const { return static_cast<unsigned char>(pixels[std::size_t(y) * width + x]) < 128; }
};

GrayImage read_pgm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string magic;
  int max_value = 0;
  GrayImage image;
  in >> magic >> image.width >> image.height >> max_value;
  in.get();
  if (magic != "P5" || max_value != 255) return GrayImage{};
  image.pixels.resize(std::size_t(image.width) * image.height);
  in.read(image.pixels.data(), static_cast<std::streamsize>(image.pixels.size()));
  return in ? image : GrayImage{};
}

TEST(EvidenceReceipt, QrCodeDecodesToExactlyThePayload) {
  const EvidenceReceipt receipt = sample_receipt();
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "receipt.pdf", render_evidence_receipt_pdf(receipt));
  tool_output("pdftoppm -r 200 -png -f 1 -l 1 -singlefile " + path + " " + directory.file("page"));
  EXPECT_EQ(tool_output("zbarimg --raw -q " + directory.file("page.png")), receipt.qr_payload + "\n");
}

TEST(EvidenceReceipt, QrCodeIsAtLeast35MillimetresWideWithAFourModuleQuietZone) {
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "receipt.pdf", render_evidence_receipt_pdf(sample_receipt()));
  constexpr int kDotsPerInch = 200;
  const auto pixels = [](double millimetres) { return static_cast<int>(millimetres / 25.4 * kDotsPerInch); };
  tool_output("pdftoppm -r 200 -gray -singlefile " + path + " " + directory.file("page"));
  const GrayImage image = read_pgm(directory.file("page.pgm"));
  ASSERT_GT(image.width, 0);
  // The code is the lowest thing on the page in the strip of its left finder patterns (20–30 mm).
  const auto row_has_dark = [&](int y, int x_from, int x_to) {
    for (int x = x_from; x < x_to; ++x) {
      if (image.dark(x, y)) return true;
    }
    return false;
  };
  const int strip_from = pixels(20);
  const int strip_to = pixels(30);
  int bottom = image.height - 1;
  while (bottom > 0 && !row_has_dark(bottom, strip_from, strip_to)) --bottom;
  // Inside the code no two module rows in a row are light in this strip (the timing pattern
  // alternates), so 2 mm of light rows mark its top edge.
  int top = bottom;
  for (int y = bottom, light_rows = 0; y > 0 && light_rows < pixels(2); --y) {
    if (row_has_dark(y, strip_from, strip_to)) {
      top = y;
      light_rows = 0;
    } else {
      ++light_rows;
    }
  }
  int left = strip_from;
  while (left < strip_to && !row_has_dark(top, left, left + 1)) ++left;
  // The top left finder pattern: 7 dark modules down its left edge.
  int finder = 0;
  while (image.dark(left + 1, top + finder)) ++finder;
  const double module_px = finder / 7.0;
  const int symbol_px = bottom - top + 1;
  // Its right edge: the last column with a dark pixel in its rows, left of the footers (at 66 mm).
  const auto column_has_dark = [&](int x) {
    for (int y = top; y <= bottom; ++y) {
      if (image.dark(x, y)) return true;
    }
    return false;
  };
  int right = left + symbol_px + pixels(3);
  while (right > left && !column_has_dark(right)) --right;
  EXPECT_NEAR(right - left + 1, symbol_px, 2) << "the symbol is square";
  const double width_mm = (symbol_px + 2 * 4 * module_px) * 25.4 / kDotsPerInch;
  EXPECT_GE(width_mm, 35.0);
  // The quiet zone: no dark pixel within 4 modules (less a pixel or two of anti-aliasing) around the symbol.
  const int quiet = static_cast<int>(4 * module_px) - 2;
  int dark_in_quiet_zone = 0;
  for (int y = top - quiet; y <= bottom + quiet; ++y) {
    for (int x = left - quiet; x <= right + quiet; ++x) {
      const bool inside = y >= top && y <= bottom && x >= left && x <= right;
      if (!inside && image.dark(x, y)) ++dark_in_quiet_zone;
    }
  }
  EXPECT_EQ(dark_in_quiet_zone, 0);
}

TEST(EvidenceReceipt, OverflowingFieldsContinueOnMorePagesWithTheQrCode) {
  EvidenceReceipt receipt = sample_receipt();
  for (int i = 0; receipt.fields.size() < kMaxReceiptFields; ++i) {
    receipt.fields.push_back({"حقل " + std::to_string(i), "Field " + std::to_string(i), "value " + std::to_string(i)});
  }
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "receipt.pdf", render_evidence_receipt_pdf(receipt));
  const int pages = page_count(path);
  ASSERT_GE(pages, 3);
  std::string all_pages;
  for (int page = 1; page <= pages; ++page) {
    const std::string text = page_text(path, page);
    EXPECT_TRUE(contains_text(text, "Evidence receipt")) << "the title on every page";
    EXPECT_TRUE(contains_text(text, std::to_string(page) + " / " + std::to_string(pages)));
    all_pages += text;
  }
  for (std::size_t i = sample_receipt().fields.size(); i < receipt.fields.size(); ++i) {
    EXPECT_TRUE(contains_text(all_pages, receipt.fields[i].value)) << receipt.fields[i].value;
    EXPECT_TRUE(contains_text(all_pages, receipt.fields[i].label_latin)) << receipt.fields[i].label_latin;
  }
  tool_output("pdftoppm -r 200 -png -f " + std::to_string(pages) + " -l " + std::to_string(pages) + " -singlefile " +
              path + " " + directory.file("last"));
  EXPECT_EQ(tool_output("zbarimg --raw -q " + directory.file("last.png")), receipt.qr_payload + "\n");
}

TEST(EvidenceReceipt, HasNoQrCodeWhenThePayloadIsEmpty) {
  EvidenceReceipt receipt = sample_receipt();
  receipt.qr_payload.clear();
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "receipt.pdf", render_evidence_receipt_pdf(receipt));
  tool_output("pdftoppm -r 200 -png -singlefile " + path + " " + directory.file("page"));
  const CommandOutput scan = run("zbarimg --raw -q " + directory.file("page.png"));
  EXPECT_EQ(scan.exit_code, 4) << "zbarimg's exit code when it finds no symbol";
  EXPECT_EQ(scan.out, "");
  EXPECT_TRUE(contains_text(tool_output("pdftotext " + path + " -"), receipt.footer_latin));
}

TEST(EvidenceReceipt, RefusesMoreFieldsOrALongerQrPayloadThanTheLimits) {
  EvidenceReceipt receipt = sample_receipt();
  receipt.fields.resize(kMaxReceiptFields + 1);
  EXPECT_THROW(render_evidence_receipt_pdf(receipt), std::length_error);
  receipt = sample_receipt();
  receipt.qr_payload.assign(kMaxQrPayloadBytes + 1, 'a');
  EXPECT_THROW(render_evidence_receipt_pdf(receipt), std::length_error);
  receipt.qr_payload.assign(kMaxQrPayloadBytes, 'a');
  EXPECT_EQ(render_evidence_receipt_pdf(receipt).rfind("%PDF-", 0), 0u);
}

const std::string kInvalid = std::string("\xFF\xC0\xAF\xED\xA0\x80\xE2\x82", 8) + std::string(1, '\0') + "\x1B";

TEST(InvalidUtf8, IsReplacedInEveryFieldOfAReceipt) {
  EvidenceReceipt receipt;
  receipt.title_ar = "عنوان" + kInvalid;
  receipt.title_latin = "Title" + kInvalid;
  receipt.fields = {{kInvalid + "تسمية", kInvalid + "Label", "before" + kInvalid + "after"}};
  receipt.qr_payload = "https://barid.example/" + kInvalid;  // bytes: encoded as they are
  receipt.footer_ar = kInvalid;
  receipt.footer_latin = kInvalid;
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "receipt.pdf", render_evidence_receipt_pdf(receipt));
  EXPECT_EQ(page_count(path), 1);
  const std::string text = tool_output("pdftotext " + path + " -");
  EXPECT_TRUE(contains_text(text, "before\xEF\xBF\xBD")) << text;
  EXPECT_TRUE(contains_text(text,
                            "\xEF\xBF\xBD"
                            "after"))
      << text;
  EXPECT_TRUE(contains_text(text, "Label")) << text;
  EXPECT_TRUE(contains_text(text, "تسمية")) << text;
}

TEST(InvalidUtf8, IsReplacedInEveryFieldOfAPrintBatch) {
  const PrintLetter letter{kInvalid, {kInvalid, "Line" + kInvalid},         kInvalid,
                           kInvalid, "Body" + kInvalid + "\n\n" + kInvalid, {kInvalid}};
  const TemporaryDirectory directory;
  const std::string path =
      write_file(directory, "batch.pdf", render_print_batch_pdf("batch" + kInvalid, 0, {letter, letter}));
  EXPECT_EQ(page_count(path), 1 + 1 + 1 + 1 + 1);
  EXPECT_TRUE(contains_text(page_text(path, 3), "Body\xEF\xBF\xBD"));
}

std::string long_arabic_body(int paragraphs) {
  std::string body;
  for (int i = 1; i <= paragraphs; ++i) {
    body += "الفقرة " + std::to_string(i) +
            ": نص عربي طويل لاختبار تدفق النص على عدة صفحات، مع كلمات لاتينية (Latin words) في الوسط. "
            "Paragraph " +
            std::to_string(i) + " continues in English to fill the line.\n\n";
  }
  return body;
}

std::vector<PrintLetter> three_letters() {
  return {
      {"L-0001",
       {"Ahmed Benali", "12 Rue des Oliviers", "20000 Casablanca", "Morocco"},
       "Ministry of Finance",
       "Your tax statement 2026",
       "Dear Sir,\n\nPlease find your statement in the digital mailbox.\n\nRegards",
       {"Attachment 1: invoice.pdf (12 KB) — available in the digital mailbox"}},
      {"L-0002",
       {"السيد محمد العلوي", "شارع الحسن الثاني 45", "10000 الرباط", "المغرب"},
       "المديرية العامة للضرائب",
       "إشعار بالضريبة",
       long_arabic_body(60),
       {}},
      {"L-0003", {"Fatima Zahra", "Avenue Mohammed V", "Rabat"}, "Barid", "Short", "Hello.", {}},
  };
}

// "page i / n" in a page's text: {i, n}, or {-1, -1}.
std::pair<int, int> footer_of(const std::string& text) {
  const std::size_t at = text.find("page ");
  if (at == std::string::npos) return {-1, -1};
  return {number_after(text, "page ", at), number_after(text, "/", at)};
}

// The line of `text` where `label` appears.
std::string line_with(const std::string& text, const std::string& label) {
  const std::size_t at = text.find(label);
  if (at == std::string::npos) return "";
  const std::size_t start = text.rfind('\n', at);
  return text.substr(start == std::string::npos ? 0 : start + 1, text.find('\n', at) - (start + 1));
}

bool is_blank(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

TEST(PrintBatch, StartsEachLetterOnARectoAfterTheCoverSheet) {
  const std::vector<PrintLetter> letters = three_letters();
  const TemporaryDirectory directory;
  const std::string path =
      write_file(directory, "batch.pdf", render_print_batch_pdf("B-2026-11-18-001", 1795000000000, letters));

  // Cover (1), blank (2), letter 1 (3), blank (4), letter 2 from page 5 over n pages, a blank page
  // if it ends on an odd page, then letter 3.
  const auto [first, long_letter_pages] = footer_of(page_text(path, 5));
  ASSERT_EQ(first, 1);
  ASSERT_GE(long_letter_pages, 3) << "the long letter takes several pages";
  const int long_letter_end = 5 + long_letter_pages - 1;
  const int third_letter_page = long_letter_end % 2 == 1 ? long_letter_end + 2 : long_letter_end + 1;
  EXPECT_EQ(page_count(path), third_letter_page);
  EXPECT_EQ(third_letter_page % 2, 1);

  const std::string cover = tool_output("pdftotext -layout -f 1 -l 1 " + path + " -");
  EXPECT_NE(line_with(cover, "Batch").find("B-2026-11-18-001"), std::string::npos) << cover;
  EXPECT_EQ(number_after(line_with(cover, "Letters"), "الرسائل"), 3) << cover;
  EXPECT_EQ(number_after(line_with(cover, "Pages"), "الصفحات"), third_letter_page) << cover;
  EXPECT_NE(line_with(cover, "Created").find("2026-11-18 11:06 UTC"), std::string::npos) << cover;
  EXPECT_TRUE(is_blank(page_text(path, 2)));
  EXPECT_TRUE(is_blank(page_text(path, 4)));
  if (long_letter_end % 2 == 1) {
    EXPECT_TRUE(is_blank(page_text(path, long_letter_end + 1)));
  }

  const std::string letter_1 = page_text(path, 3);
  for (const std::string& line : letters[0].address_lines) EXPECT_TRUE(contains_text(letter_1, line)) << line;
  EXPECT_TRUE(contains_text(letter_1, "L-0001"));
  EXPECT_TRUE(contains_text(letter_1, "Attachment 1: invoice.pdf (12 KB)"));
  EXPECT_EQ(footer_of(letter_1), std::make_pair(1, 1));

  const std::string letter_2 = page_text(path, 5);
  for (const std::string& line : letters[1].address_lines) EXPECT_TRUE(contains_text(letter_2, line)) << line;
  EXPECT_TRUE(contains_text(letter_2, "إشعار بالضريبة"));
  for (int page = 2; page <= long_letter_pages; ++page) {
    const std::string text = page_text(path, 5 + page - 1);
    EXPECT_EQ(footer_of(text), std::make_pair(page, long_letter_pages));
    EXPECT_TRUE(contains_text(text, "L-0002")) << "the reference on every page";
    EXPECT_FALSE(contains_text(text, "شارع الحسن الثاني")) << "the address on the first page only";
  }
  EXPECT_TRUE(contains_text(page_text(path, long_letter_end), "Paragraph 60 continues"));

  const std::string letter_3 = page_text(path, third_letter_page);
  for (const std::string& line : letters[2].address_lines) EXPECT_TRUE(contains_text(letter_3, line)) << line;
  EXPECT_EQ(footer_of(letter_3), std::make_pair(1, 1));
}

TEST(PrintBatch, PlacesTheAddressInTheEnvelopeWindow) {
  const std::vector<PrintLetter> letters = three_letters();
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "batch.pdf", render_print_batch_pdf("B", 0, {letters[0], letters[1]}));
  for (const auto& [page, letter] : {std::pair{3, letters[0]}, std::pair{5, letters[1]}}) {  // Latin, Arabic
    std::string address;
    for (const std::string& line : letter.address_lines) address += line;
    std::string in_window;
    for (const Word& word : page_words(path, page)) {
      if (word.x_min >= 20 * kPointsPerMm && word.x_max <= 105 * kPointsPerMm && word.y_min >= 45 * kPointsPerMm &&
          word.y_max <= 90 * kPointsPerMm) {
        EXPECT_TRUE(contains_text(address, word.text)) << word.text << " in the window is not the address";
        in_window += word.text;
      }
    }
    // All of the address, and nothing else, shows through the window.
    EXPECT_EQ(squeeze(in_window).size(), squeeze(address).size()) << "page " << page << ": " << in_window;
  }
}

TEST(PrintBatch, CutsALetterAtThePageLimitWithANote) {
  std::string body;
  while (body.size() < 3'000'000) {
    body += "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore.\n\n";
  }
  const PrintLetter letter{"L-long", {"Recipient", "Street 1", "City"}, "Sender", "Subject", body, {"Attachment 1"}};
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "batch.pdf", render_print_batch_pdf("B", 0, {letter}));
  EXPECT_EQ(page_count(path), 1 + 1 + kMaxPagesPerLetter);
  const std::string last = page_text(path, 2 + kMaxPagesPerLetter);
  EXPECT_TRUE(contains_text(last, "The rest of this letter is not printed")) << last;
  EXPECT_EQ(footer_of(last), std::make_pair(kMaxPagesPerLetter, kMaxPagesPerLetter));
}

TEST(PrintBatch, CutsABodyLongerThanTheByteLimitWithANote) {
  const std::string body = "Start of the letter.\n" + std::string(kMaxBodyBytes, '\n') + "End of the letter.";
  const PrintLetter letter{"L-bytes", {"Recipient", "City"}, "Sender", "Subject", body, {}};
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "batch.pdf", render_print_batch_pdf("B", 0, {letter}));
  EXPECT_EQ(page_count(path), 3);
  const std::string text = page_text(path, 3);
  EXPECT_TRUE(contains_text(text, "Start of the letter."));
  EXPECT_FALSE(contains_text(text, "End of the letter."));
  EXPECT_TRUE(contains_text(text, "The rest of this letter is not printed")) << text;
}

TEST(PrintBatch, RefusesMoreLettersAddressLinesOrAttachmentNotesThanTheLimits) {
  EXPECT_THROW(render_print_batch_pdf("B", 0, std::vector<PrintLetter>(kMaxLettersPerBatch + 1)), std::length_error);
  PrintLetter letter;
  letter.address_lines.resize(kMaxAddressLines + 1, "line");
  EXPECT_THROW(render_print_batch_pdf("B", 0, {letter}), std::length_error);
  letter.address_lines.clear();
  letter.attachment_notes.resize(kMaxAttachmentNotes + 1, "note");
  EXPECT_THROW(render_print_batch_pdf("B", 0, {letter}), std::length_error);
}

TEST(PrintBatch, IsTheSameBytesForTheSameInput) {
  const std::vector<PrintLetter> letters = three_letters();
  EXPECT_EQ(render_print_batch_pdf("B", 1795000000000, letters), render_print_batch_pdf("B", 1795000000000, letters));
}

TEST(Concurrency, FourThreadsRenderingAtOnceProduceWhatOneThreadDoes) {
  const EvidenceReceipt receipt = sample_receipt();
  const std::vector<PrintLetter> letters = three_letters();
  const std::string expected_batch = render_print_batch_pdf("B-concurrent", 1795000000000, letters);
  const TemporaryDirectory directory;
  const std::string expected_receipt_text =
      tool_output("pdftotext " + write_file(directory, "expected.pdf", render_evidence_receipt_pdf(receipt)) + " -");

  constexpr int kThreads = 4;
  constexpr int kRoundsPerThread = 3;
  std::vector<std::vector<std::string>> receipts(kThreads);
  std::vector<int> batches_differing(kThreads, 0);
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRoundsPerThread; ++round) {
        receipts[t].push_back(render_evidence_receipt_pdf(receipt));
        if (render_print_batch_pdf("B-concurrent", 1795000000000, letters) != expected_batch) ++batches_differing[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(batches_differing[t], 0) << "thread " << t;
    ASSERT_EQ(receipts[t].size(), std::size_t{kRoundsPerThread});
    for (std::size_t round = 0; round < receipts[t].size(); ++round) {
      const std::string name = "receipt-" + std::to_string(t) + "-" + std::to_string(round) + ".pdf";
      // The creation date (now) may differ; the text may not.
      EXPECT_EQ(tool_output("pdftotext " + write_file(directory, name, receipts[t][round]) + " -"),
                expected_receipt_text);
    }
  }
}

TEST(Fonts, RenderAgainAfterBeingReleased) {
  const std::string before = render_print_batch_pdf("B", 0, three_letters());
  release_fonts_at_exit();
  EXPECT_EQ(render_print_batch_pdf("B", 0, three_letters()), before);
}

}  // namespace
}  // namespace barid::documents
