// The parcel label is checked the way the post reads it: the page through poppler (pdfinfo,
// pdftotext, pdftoppm) and the barcode through ZXing, from the rendered pixels. A missing tool
// fails the test.
#include "pdf_test_support.hpp"

#include <barid/documents/pdf.hpp>

// ZXing 1.4: Result::text() as UTF-8 std::string, as it will be in later versions.
#define ZX_USE_UTF8 1
#include <ZXing/ReadBarcode.h>
#include <glib.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace barid::documents {
namespace {

using test_support::contains_text;
using test_support::kPointsPerMm;
using test_support::TemporaryDirectory;
using test_support::tool_output;
using test_support::write_file;

constexpr int kDotsPerInch = 300;

double pixels(double millimetres) {
  return millimetres / 25.4 * kDotsPerInch;
}

bool has_arabic(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0xD8 && byte <= 0xDB;  // lead bytes of U+0600–U+06FF
  });
}

// The runs of one script in `line` ("12 شارع ديدوش مراد" → "12", "شارع ديدوش مراد"): pdftotext gives
// the runs of a mixed line in visual order, so they are looked for one at a time.
std::vector<std::string> script_runs(const std::string& line) {
  std::vector<std::string> runs;
  bool run_is_arabic = false;
  std::size_t start = 0;
  while (start < line.size()) {
    const std::size_t end = std::min(line.find(' ', start), line.size());
    const std::string word = line.substr(start, end - start);
    if (!word.empty()) {
      if (runs.empty() || has_arabic(word) != run_is_arabic) {
        runs.push_back(word);
        run_is_arabic = has_arabic(word);
      } else {
        runs.back() += ' ' + word;
      }
    }
    start = end + 1;
  }
  return runs;
}

struct Line {
  double x_min, y_min, x_max, y_max;  // points, from the top left
  std::string text;                   // its words, separated by spaces (Arabic comes one glyph a word)
};

// The lines of the page with their boxes, from pdftotext -bbox-layout's
// <line xMin=".." yMin=".." xMax=".." yMax=".."><word ...>text</word>...</line>.
std::vector<Line> page_lines(const std::string& pdf_path) {
  const std::string html = tool_output("pdftotext -bbox-layout " + pdf_path + " -");
  const auto attribute = [](const std::string& element, const std::string& name) {
    const std::size_t at = element.find(" " + name + "=\"");
    return at == std::string::npos ? -1.0 : std::strtod(element.c_str() + at + name.size() + 3, nullptr);
  };
  std::vector<Line> lines;
  for (std::size_t at = html.find("<line "); at != std::string::npos; at = html.find("<line ", at + 1)) {
    const std::size_t line_end = html.find("</line>", at);
    if (line_end == std::string::npos) break;
    const std::string element = html.substr(at, html.find('>', at) - at);
    Line line{attribute(element, "xMin"), attribute(element, "yMin"), attribute(element, "xMax"),
              attribute(element, "yMax"), ""};
    for (std::size_t word = html.find("<word ", at); word < line_end; word = html.find("<word ", word + 1)) {
      const std::size_t text_start = html.find('>', word) + 1;
      if (!line.text.empty()) line.text += ' ';
      line.text += html.substr(text_start, html.find("</word>", text_start) - text_start);
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

// A grayscale image, as written by pdftoppm -gray (binary PGM, maximum value 255).
struct GrayImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;
  bool dark(int x, int y) const { return pixels[std::size_t(y) * width + x] < 128; }
};

GrayImage read_pgm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string magic;
  int max_value = 0;
  GrayImage image;
  in >> magic >> image.width >> image.height >> max_value;
  in.get();  // the single white space before the raster
  if (!in || magic != "P5" || max_value != 255 || image.width <= 0 || image.height <= 0) return GrayImage{};
  image.pixels.resize(std::size_t(image.width) * image.height);
  in.read(reinterpret_cast<char*>(image.pixels.data()), static_cast<std::streamsize>(image.pixels.size()));
  return in ? image : GrayImage{};
}

const std::string kItemId = "CP123456785DZ";  // serial 12345678, check digit 5 (UPU S10)

ParcelLabel sample_label() {
  ParcelLabel label;
  label.item_id = kItemId;
  label.product_code = "C";
  label.product_ar = "طرد";
  label.product_latin = "Parcel";
  label.weight = "1.250 kg";
  label.sender_ar = {"شركة الأطلس للتجارة", "12 شارع ديدوش مراد", "16000 الجزائر"};
  label.sender_latin = {"Atlas Trading SARL", "12 Rue Didouche Mourad", "16000 Alger"};
  label.addressee_ar = {"فاطمة الزهراء بن علي", "15 شارع السلام", "75002 باريس", "فرنسا"};
  label.addressee_latin = {"Fatima Zahra Benali", "15 Rue de la Paix", "75002 Paris", "France"};
  label.origin_country = "DZ";
  label.destination_country = "FR";
  label.customs_note = "CN 23";
  label.date = "2026-11-23";
  return label;
}

// The first two numbers of pdfinfo's "Page size:" line, in points.
std::pair<double, double> page_size_pt(const std::string& pdf_path) {
  const std::string info = tool_output("pdfinfo " + pdf_path);
  const std::size_t at = info.find("Page size:");
  if (at == std::string::npos) return {-1, -1};
  char* end = nullptr;
  const double width = std::strtod(info.c_str() + at + 10, &end);
  const std::size_t by = info.find('x', end - info.c_str());
  return {width, by == std::string::npos ? -1 : std::strtod(info.c_str() + by + 1, nullptr)};
}

// The label's page at 300 dpi, as pdftoppm renders it in gray.
GrayImage rasterise(const TemporaryDirectory& directory, const std::string& pdf_path) {
  tool_output("pdftoppm -r " + std::to_string(kDotsPerInch) + " -gray -singlefile " + pdf_path + " " +
              directory.file("page"));
  return read_pgm(directory.file("page.pgm"));
}

ZXing::Result read_code_128(const GrayImage& image) {
  return ZXing::ReadBarcode(ZXing::ImageView(image.pixels.data(), image.width, image.height, ZXing::ImageFormat::Lum),
                            ZXing::DecodeHints().setFormats(ZXing::BarcodeFormat::Code128));
}

TEST(ParcelLabel, IsOneA6Page) {
  const TemporaryDirectory directory;
  const std::string pdf = render_parcel_label_pdf(sample_label());
  ASSERT_EQ(pdf.rfind("%PDF-", 0), 0u);
  const std::string path = write_file(directory, "label.pdf", pdf);
  const auto [width_pt, height_pt] = page_size_pt(path);
  EXPECT_NEAR(width_pt, 105 * kPointsPerMm, 0.5);   // 297.638
  EXPECT_NEAR(height_pt, 148 * kPointsPerMm, 0.5);  // 419.528
  EXPECT_NE(tool_output("pdfinfo " + path).find("Pages:           1\n"), std::string::npos);
}

TEST(ParcelLabel, BarcodeDecodesToTheItemIdAsCode128) {
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "label.pdf", render_parcel_label_pdf(sample_label()));
  const GrayImage image = rasterise(directory, path);
  ASSERT_GT(image.width, 0) << "no page image";
  const ZXing::Result result = read_code_128(image);
  ASSERT_TRUE(result.isValid()) << "no Code 128 found on the page";
  EXPECT_EQ(result.format(), ZXing::BarcodeFormat::Code128);
  EXPECT_EQ(result.text(), kItemId);
}

TEST(ParcelLabel, BarsAreAtLeast15MillimetresHighWithTenModuleQuietZones) {
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "label.pdf", render_parcel_label_pdf(sample_label()));
  const GrayImage image = rasterise(directory, path);
  ASSERT_GT(image.width, 0) << "no page image";
  const ZXing::Result result = read_code_128(image);
  ASSERT_TRUE(result.isValid());
  // A row through the bars, where ZXing read them; the symbol runs from its first dark pixel to its last.
  const int row = (result.position().topLeft().y + result.position().bottomLeft().y) / 2;
  int left = 0;
  while (left < image.width && !image.dark(left, row)) ++left;
  int right = image.width - 1;
  while (right > left && !image.dark(right, row)) --right;
  ASSERT_LT(left, right);
  // Every Code 128 start character begins with a bar two modules wide.
  int first_bar = 0;
  while (image.dark(left + first_bar, row)) ++first_bar;
  const double module_px = first_bar / 2.0;
  EXPECT_GE(module_px, pixels(0.3) - 0.5) << "at least 0.3 mm per module";
  // The bars' height, down the first bar.
  int top = row;
  while (top > 0 && image.dark(left + 1, top - 1)) --top;
  int bottom = row;
  while (bottom + 1 < image.height && image.dark(left + 1, bottom + 1)) ++bottom;
  EXPECT_GE(bottom - top + 1, pixels(15));
  // No dark pixel within 10 modules (less a pixel of anti-aliasing) either side, the bars' height long.
  const int quiet_px = static_cast<int>(10 * module_px) - 1;
  ASSERT_GE(left - quiet_px, 0);
  ASSERT_LT(right + quiet_px, image.width);
  int dark_in_quiet_zones = 0;
  for (int y = top; y <= bottom; ++y) {
    for (int x = left - quiet_px; x < left; ++x) dark_in_quiet_zones += image.dark(x, y);
    for (int x = right + 1; x <= right + quiet_px; ++x) dark_in_quiet_zones += image.dark(x, y);
  }
  EXPECT_EQ(dark_in_quiet_zones, 0);
}

TEST(ParcelLabel, ShowsTheAddressesTheGroupedIdAndTheDetailsAsText) {
  const ParcelLabel label = sample_label();
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "label.pdf", render_parcel_label_pdf(label));
  const std::string text = tool_output("pdftotext " + path + " -");
  EXPECT_NE(text.find("CP 123 456 785 DZ"), std::string::npos) << text;
  for (const auto* lines : {&label.sender_latin, &label.addressee_latin, &label.sender_ar, &label.addressee_ar}) {
    for (const std::string& line : *lines) {
      for (const std::string& run : script_runs(line)) {
        EXPECT_TRUE(contains_text(text, run)) << run << " (of " << line << ")\nnot in:\n" << text;
      }
    }
  }
  for (const std::string expected :
       {"From", "من", "To", "إلى", "C", "Parcel", "طرد", "1.250 kg", "DZ → FR", "2026-11-23", "CN 23"}) {
    EXPECT_TRUE(contains_text(text, expected)) << expected << "\nnot in:\n" << text;
  }
  // Logical order, not reversed.
  EXPECT_FALSE(contains_text(text, "يلع نب ءارهزلا ةمطاف"));
}

TEST(ParcelLabel, SetsLatinAddressLinesFromTheLeftAndArabicOnesFromTheRight) {
  const ParcelLabel label = sample_label();
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "label.pdf", render_parcel_label_pdf(label));
  const std::vector<Line> lines = page_lines(path);
  constexpr double kLeftPt = 5 * kPointsPerMm;
  constexpr double kRightPt = (105 - 5) * kPointsPerMm;
  constexpr double kMiddlePt = 105 / 2.0 * kPointsPerMm;
  // The addresses lie between the route row ("DZ → FR …") and the item id.
  double route_bottom_pt = -1;
  double item_id_top_pt = -1;
  for (const Line& line : lines) {
    if (line.text == "DZ → FR") route_bottom_pt = line.y_max;
    if (line.text == "CP 123 456 785 DZ") item_id_top_pt = line.y_min;
  }
  ASSERT_GT(route_bottom_pt, 0);
  ASSERT_GT(item_id_top_pt, route_bottom_pt);
  std::size_t latin_lines = 0;
  std::size_t arabic_lines = 0;
  for (const Line& line : lines) {
    if (line.y_min < route_bottom_pt || line.y_min >= item_id_top_pt) continue;
    if (has_arabic(line.text)) {
      // Arabic (with digits, perhaps): in the right column, ending at the right margin.
      EXPECT_NEAR(line.x_max, kRightPt, 1.5) << line.text;
      EXPECT_GT(line.x_min, kMiddlePt) << line.text;
      ++arabic_lines;
    } else {
      EXPECT_NEAR(line.x_min, kLeftPt, 1.5) << line.text;
      EXPECT_LT(line.x_max, kMiddlePt) << line.text;
      ++latin_lines;
    }
  }
  // The titles ("From", "من", "To", "إلى") and every line, none wrapped.
  EXPECT_EQ(latin_lines, 2 + label.sender_latin.size() + label.addressee_latin.size());
  EXPECT_EQ(arabic_lines, 2 + label.sender_ar.size() + label.addressee_ar.size());
}

TEST(ParcelLabel, ReplacesInvalidUtf8AndDropsBidiOverrides) {
  ParcelLabel label = sample_label();
  label.addressee_latin = {"Rue\xFF",
                           "\xE2\x80\xAE"
                           "evil"};  // U+202E RIGHT-TO-LEFT OVERRIDE
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "label.pdf", render_parcel_label_pdf(label));
  std::vector<std::string> texts;
  for (const Line& line : page_lines(path)) texts.push_back(line.text);
  EXPECT_NE(std::find(texts.begin(), texts.end(), "Rue\xEF\xBF\xBD"), texts.end()) << "U+FFFD for the invalid byte";
  EXPECT_NE(std::find(texts.begin(), texts.end(), "evil"), texts.end()) << "drawn left to right, not overridden";
}

TEST(ParcelLabel, CutsTextsTooLongForTheLabelVisiblyAndKeepsTheBarcodeReadable) {
  ParcelLabel label = sample_label();
  label.sender_ar.clear();
  label.sender_latin.clear();
  label.addressee_ar.clear();
  label.addressee_latin.clear();
  for (std::size_t i = 0; i < kMaxAddressLines; ++i) {
    const std::string number = std::to_string(i);
    label.sender_ar.push_back("سطر عنوان المرسل الطويل جداً رقم " + number + " مع تفاصيل إضافية");
    label.sender_latin.push_back("Sender address line number " + number + " with extra details");
    label.addressee_ar.push_back("سطر عنوان المستلم الطويل جداً رقم " + number + " مع تفاصيل إضافية كثيرة");
    label.addressee_latin.push_back("Addressee address line number " + number + " with many extra details");
  }
  // Every other text as long as the limit allows, and beyond: cut, and no room taken from the addressee.
  const std::string long_latin(kMaxTextBytes + 1, 'W');
  std::string long_arabic;
  while (long_arabic.size() <= kMaxTextBytes) long_arabic += "طرد بريدي ";
  for (std::string* text : {&label.product_code, &label.product_latin, &label.weight, &label.origin_country,
                            &label.destination_country, &label.customs_note, &label.date}) {
    *text = long_latin;
  }
  label.product_ar = long_arabic;
  const TemporaryDirectory directory;
  const std::string path = write_file(directory, "label.pdf", render_parcel_label_pdf(label));
  const std::string text = tool_output("pdftotext " + path + " -");
  EXPECT_TRUE(contains_text(text, "Sender address line number 0")) << text;
  EXPECT_TRUE(contains_text(text, "Addressee address line number 0")) << text;
  EXPECT_FALSE(contains_text(text, "Addressee address line number 7")) << "does not fit:\n" << text;
  int ellipses = 0;
  for (std::size_t at = text.find("…"); at != std::string::npos; at = text.find("…", at + 1)) ++ellipses;
  EXPECT_GE(ellipses, 4 + 7) << "each block cut ends in …:\n" << text;
  EXPECT_NE(tool_output("pdfinfo " + path).find("Pages:           1\n"), std::string::npos);
  const ZXing::Result result = read_code_128(rasterise(directory, path));
  ASSERT_TRUE(result.isValid()) << "the text ran into the barcode";
  EXPECT_EQ(result.text(), kItemId);
}

TEST(ParcelLabel, RefusesAnInvalidItemIdOrTooManyAddressLines) {
  for (const std::string id : {"", "CP123456785D", "CP123456785DZX", "CP 23456785DZ",
                               "CP12345678\x01"
                               "DZ",
                               "CP123456\xC3\xA9"
                               "5DZ"}) {
    ParcelLabel label = sample_label();
    label.item_id = id;
    EXPECT_THROW(render_parcel_label_pdf(label), std::invalid_argument) << id;
  }
  for (std::vector<std::string> ParcelLabel::*lines : {&ParcelLabel::sender_ar, &ParcelLabel::sender_latin,
                                                       &ParcelLabel::addressee_ar, &ParcelLabel::addressee_latin}) {
    ParcelLabel label = sample_label();
    (label.*lines).assign(kMaxAddressLines + 1, "line");
    EXPECT_THROW(render_parcel_label_pdf(label), std::length_error);
    (label.*lines).assign(kMaxAddressLines, "line");
    EXPECT_EQ(render_parcel_label_pdf(label).rfind("%PDF-", 0), 0u);
  }
}

}  // namespace
}  // namespace barid::documents
