// The A6 parcel label: what the item is and where it goes, in Arabic and Latin, above the item's
// UPU S10 id as a Code 128 barcode that sorting machines and counter scanners read.
#include <barid/documents/pdf.hpp>

#include "text.hpp"
#include "typesetting.hpp"

#include <barid/core/check.hpp>

#include <cairo-pdf.h>
#include <zint.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace barid::documents {
namespace {

using detail::Align;
using detail::mm;
using detail::PdfWriter;
using detail::TextBlock;
using detail::TextStyle;

constexpr double kLabelWidthPt = mm(105);  // A6
constexpr double kLabelHeightPt = mm(148);
constexpr double kMarginPt = mm(5);
constexpr double kContentWidthPt = kLabelWidthPt - 2 * kMarginPt;
constexpr double kGutterPt = mm(4);

constexpr double kProductBoxPt = mm(12);
constexpr double kWeightWidthPt = mm(32);
constexpr double kMaxHeaderTextHeightPt = kProductBoxPt;
constexpr double kMaxFromHeightPt = mm(24);  // the sender's lines; the addressee's get what is left

// The barcode: Code 128 with a quiet zone of 10 modules each side, at least 0.3 mm per module (2.4
// dots of a 203 dpi label printer), at most 0.42 mm, which keeps any 13-character id (at most 178
// modules) and its quiet zones well inside the 95 mm of the label.
constexpr int kQuietZoneModules = 10;
constexpr double kMinModulePt = mm(0.3);
constexpr double kMaxModulePt = mm(0.42);
constexpr double kBarHeightPt = mm(18);
constexpr std::size_t kItemIdLength = 13;

const TextStyle kProductCodeStyle{.bold = true};
const TextStyle kProductStyle{.bold = true};
const TextStyle kSmallLabelStyle{.size_pt = 6.5, .bold = true, .gray = 0.4};
const TextStyle kWeightStyle{.bold = true};
const TextStyle kRouteStyle{.size_pt = 13, .bold = true};
const TextStyle kDateStyle{.size_pt = 9};
const TextStyle kCustomsStyle{.size_pt = 10, .bold = true};
const TextStyle kBlockTitleStyle{.size_pt = 7.5, .bold = true, .gray = 0.35};
const TextStyle kAddresseeTitleStyle{.size_pt = 9, .bold = true, .gray = 0.2};
const TextStyle kItemIdStyle{.size_pt = 16, .bold = true, .monospace = true};

// Sizes tried in turn, largest first, until a text fits its space.
constexpr double kProductCodeSizesPt[] = {24, 16, 11};
constexpr double kProductSizesPt[] = {12, 10.5, 9};
constexpr double kWeightSizesPt[] = {13, 11.5, 10, 9};
constexpr double kSenderSizesPt[] = {9, 8.5, 8, 7.5, 7, 6.5};
constexpr double kAddresseeSizesPt[] = {13, 12, 11, 10, 9, 8.5, 8};

bool is_valid_item_id(std::string_view id) {
  return id.size() == kItemIdLength && std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

// "CP123456785DZ" → "CP 123 456 785 DZ": service indicator, serial number in threes with its check
// digit, country.
std::string group_item_id(std::string_view id) {
  return std::string(id.substr(0, 2)) + ' ' + std::string(id.substr(2, 3)) + ' ' + std::string(id.substr(5, 3)) + ' ' +
         std::string(id.substr(8, 3)) + ' ' + std::string(id.substr(11, 2));
}

std::vector<std::string> clean_lines(const std::vector<std::string>& lines) {
  std::vector<std::string> clean;
  clean.reserve(lines.size());
  for (const std::string& line : lines) clean.push_back(detail::clean_line(line, kMaxTextBytes));
  return clean;
}

// The first `count` of `lines`, one paragraph each.
std::string join_lines(const std::vector<std::string>& lines, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) {
    if (i > 0) text += '\n';
    text += lines[i];
  }
  return text;
}

double first_baseline_pt(const TextBlock& block) {
  return block.lines.front().baseline_pt;
}

// --- The barcode -------------------------------------------------------------------------------------

struct Bar {
  int start_module;
  int width_modules;
};

struct Barcode {
  int width_modules = 0;  // without the quiet zones
  std::vector<Bar> bars;
};

using ZintSymbolPtr = std::unique_ptr<zint_symbol, detail::Destroyer<&ZBarcode_Delete>>;

// The bars of `data` as Code 128, read from zint's vector output (in its units, two per module).
Barcode encode_code_128(std::string_view data) {
  ZintSymbolPtr symbol(ZBarcode_Create());
  if (symbol == nullptr) throw std::runtime_error("zint: out of memory");
  symbol->symbology = BARCODE_CODE128;
  symbol->input_mode = DATA_MODE;
  symbol->show_hrt = 0;                             // the id is set below the bars by Pango
  symbol->output_options = BARCODE_NO_QUIET_ZONES;  // drawn here, in modules
  if (ZBarcode_Encode(symbol.get(), reinterpret_cast<const unsigned char*>(data.data()),
                      static_cast<int>(data.size())) >= ZINT_ERROR ||
      ZBarcode_Buffer_Vector(symbol.get(), 0) >= ZINT_ERROR) {
    throw std::runtime_error(std::string("zint could not encode the barcode: ") + symbol->errtxt);
  }
  BARID_CHECK(symbol->rows == 1 && symbol->width > 0 && symbol->vector != nullptr, "zint: not a linear symbol");
  Barcode barcode;
  barcode.width_modules = symbol->width;
  const double units_per_module = static_cast<double>(symbol->vector->width) / symbol->width;
  for (const zint_vector_rect* rectangle = symbol->vector->rectangles; rectangle != nullptr;
       rectangle = rectangle->next) {
    const Bar bar{static_cast<int>(std::lround(rectangle->x / units_per_module)),
                  static_cast<int>(std::lround(rectangle->width / units_per_module))};
    BARID_CHECK(rectangle->colour == -1 && bar.start_module >= 0 && bar.width_modules > 0 &&
                    bar.start_module + bar.width_modules <= symbol->width,
                "zint: a bar outside its symbol");
    barcode.bars.push_back(bar);
  }
  BARID_CHECK(!barcode.bars.empty(), "zint: a symbol without bars");
  return barcode;
}

// The widest module up to kMaxModulePt with which the symbol and its quiet zones fit the content width.
double module_width_pt(const Barcode& barcode) {
  const int total_modules = barcode.width_modules + 2 * kQuietZoneModules;
  const double module_pt = std::min(kMaxModulePt, kContentWidthPt / total_modules);
  // 13 characters take at most 178 modules (all in code set B): 198 × 0.3 mm < 95 mm.
  BARID_CHECK(module_pt >= kMinModulePt, "the barcode does not fit the label at its narrowest module");
  return module_pt;
}

// The bars, black on the white page, as one path; the quiet zones are left empty by the layout.
void draw_barcode(const PdfWriter& pdf, const Barcode& barcode, double left_pt, double top_pt, double module_pt) {
  cairo_t* cairo = pdf.cairo();
  cairo_set_source_rgb(cairo, 0, 0, 0);
  for (const Bar& bar : barcode.bars) {
    cairo_rectangle(cairo, left_pt + bar.start_module * module_pt, top_pt, bar.width_modules * module_pt, kBarHeightPt);
  }
  cairo_fill(cairo);
}

// --- The text ----------------------------------------------------------------------------------------

// The largest of `sizes_pt` at which `text` takes one line of `width_pt`; else the smallest, wrapped
// and, beyond `max_height_pt`, cut with "…".
TextBlock typeset_one_line(const PdfWriter& pdf, const std::string& text, TextStyle style,
                           std::span<const double> sizes_pt, double width_pt, Align align, double max_height_pt) {
  for (const double size_pt : sizes_pt.first(sizes_pt.size() - 1)) {
    style.size_pt = size_pt;
    TextBlock block = pdf.typeset(text, style, width_pt, align);
    if (block.lines.size() == 1) return block;
  }
  style.size_pt = sizes_pt.back();
  return pdf.typeset(text, style, width_pt, align, max_height_pt);
}

// `lines`, one paragraph each. Taller than `max_height_pt`, the last lines are dropped and the last
// one kept ends in "…" (Pango marks a paragraph it cuts, not the paragraphs it drops whole).
TextBlock typeset_lines_within(const PdfWriter& pdf, const std::vector<std::string>& lines, const TextStyle& style,
                               double width_pt, Align align, double max_height_pt) {
  for (std::size_t count = lines.size(); count > 1; --count) {
    TextBlock block = pdf.typeset(join_lines(lines, count) + (count < lines.size() ? "…" : ""), style, width_pt, align);
    if (block.height_pt <= max_height_pt) return block;
  }
  // The first line alone is too tall: Pango cuts it and marks the cut, unless the cut falls after its
  // end, which the "…" of the lines dropped then marks.
  const std::string first = lines.empty() ? std::string() : lines.front() + (lines.size() > 1 ? "…" : "");
  return pdf.typeset(first, style, width_pt, align, max_height_pt);
}

// A block of address lines: Latin on the left, Arabic on the right, or one of them across the width.
struct Address {
  TextBlock latin;
  TextBlock arabic;
  bool has_latin = false;
  bool has_arabic = false;
  double arabic_left_pt = 0;  // from the margin
  double height_pt = 0;
};

// The largest of `sizes_pt` at which every line fits the width unbroken and the block fits
// `max_height_pt`; else the largest at which it fits the height, its long lines wrapped; else the
// smallest, with the lines that do not fit dropped and "…" marking the cut.
Address typeset_address(const PdfWriter& pdf, const std::vector<std::string>& latin,
                        const std::vector<std::string>& arabic, std::span<const double> sizes_pt,
                        double max_height_pt) {
  Address address;
  address.has_latin = !latin.empty();
  address.has_arabic = !arabic.empty();
  const double width_pt = address.has_latin && address.has_arabic ? (kContentWidthPt - kGutterPt) / 2 : kContentWidthPt;
  address.arabic_left_pt = kContentWidthPt - width_pt;
  const auto measure = [&] {
    address.height_pt = std::max(address.has_latin ? address.latin.height_pt : 0.0,
                                 address.has_arabic ? address.arabic.height_pt : 0.0);
  };
  // Typesets both columns whole; true when none of their lines was wrapped.
  const auto typeset_at = [&](double size_pt) {
    const TextStyle style{.size_pt = size_pt};
    bool unbroken = true;
    if (address.has_latin) {
      address.latin = pdf.typeset(join_lines(latin, latin.size()), style, width_pt, Align::left);
      unbroken = unbroken && address.latin.lines.size() == latin.size();
    }
    if (address.has_arabic) {
      address.arabic = pdf.typeset(join_lines(arabic, arabic.size()), style, width_pt, Align::right);
      unbroken = unbroken && address.arabic.lines.size() == arabic.size();
    }
    measure();
    return unbroken;
  };
  double first_fitting_size_pt = 0;
  for (const double size_pt : sizes_pt) {
    const bool unbroken = typeset_at(size_pt);
    if (address.height_pt > max_height_pt) continue;
    if (unbroken) return address;
    if (first_fitting_size_pt == 0) first_fitting_size_pt = size_pt;
  }
  if (first_fitting_size_pt > 0) {
    typeset_at(first_fitting_size_pt);
    return address;
  }
  const TextStyle smallest{.size_pt = sizes_pt.back()};
  if (address.has_latin)
    address.latin = typeset_lines_within(pdf, latin, smallest, width_pt, Align::left, max_height_pt);
  if (address.has_arabic) {
    address.arabic = typeset_lines_within(pdf, arabic, smallest, width_pt, Align::right, max_height_pt);
  }
  measure();
  return address;
}

void draw_address(const PdfWriter& pdf, const Address& address, double top_pt) {
  if (address.has_latin) pdf.draw(address.latin, kMarginPt, top_pt);
  if (address.has_arabic) pdf.draw(address.arabic, kMarginPt + address.arabic_left_pt, top_pt);
}

// "From" on the left and "من" on the right, on one baseline; returns the height of the row.
double draw_block_title(const PdfWriter& pdf, std::string_view latin, std::string_view arabic, const TextStyle& style,
                        double top_pt) {
  const TextBlock latin_title = pdf.typeset(latin, style, kContentWidthPt / 2, Align::left);
  const TextBlock arabic_title = pdf.typeset(arabic, style, kContentWidthPt / 2, Align::right);
  const double baseline_pt = std::max(first_baseline_pt(latin_title), first_baseline_pt(arabic_title));
  pdf.draw(latin_title, kMarginPt, top_pt + baseline_pt - first_baseline_pt(latin_title));
  pdf.draw(arabic_title, kMarginPt + kContentWidthPt / 2, top_pt + baseline_pt - first_baseline_pt(arabic_title));
  return std::max(baseline_pt - first_baseline_pt(latin_title) + latin_title.height_pt,
                  baseline_pt - first_baseline_pt(arabic_title) + arabic_title.height_pt);
}

// The product code in a box, the product's names beside it (Latin, Arabic), the weight on the right;
// returns the height of the row.
double draw_header(const PdfWriter& pdf, const ParcelLabel& label, double top_pt) {
  cairo_t* cairo = pdf.cairo();
  cairo_set_source_rgb(cairo, 0, 0, 0);
  cairo_set_line_width(cairo, 1.5);
  cairo_rectangle(cairo, kMarginPt + 0.75, top_pt + 0.75, kProductBoxPt - 1.5, kProductBoxPt - 1.5);
  cairo_stroke(cairo);
  constexpr double kBoxPaddingPt = mm(1);
  const TextBlock code =
      typeset_one_line(pdf, detail::clean_line(label.product_code, kMaxTextBytes), kProductCodeStyle,
                       kProductCodeSizesPt, kProductBoxPt - 2 * kBoxPaddingPt, Align::center, kProductBoxPt);
  pdf.draw(code, kMarginPt + kBoxPaddingPt, top_pt + (kProductBoxPt - code.height_pt) / 2);

  const double names_left_pt = kMarginPt + kProductBoxPt + mm(3);
  const double names_width_pt = kContentWidthPt - kProductBoxPt - mm(3) - kWeightWidthPt - mm(3);
  const double name_width_pt = (names_width_pt - kGutterPt) / 2;
  const TextBlock latin = typeset_one_line(pdf, detail::clean_line(label.product_latin, kMaxTextBytes), kProductStyle,
                                           kProductSizesPt, name_width_pt, Align::left, kMaxHeaderTextHeightPt);
  const TextBlock arabic = typeset_one_line(pdf, detail::clean_line(label.product_ar, kMaxTextBytes), kProductStyle,
                                            kProductSizesPt, name_width_pt, Align::right, kMaxHeaderTextHeightPt);
  const double names_baseline_pt = std::max(first_baseline_pt(latin), first_baseline_pt(arabic));
  const double names_height_pt = std::max(names_baseline_pt - first_baseline_pt(latin) + latin.height_pt,
                                          names_baseline_pt - first_baseline_pt(arabic) + arabic.height_pt);
  const double names_top_pt = top_pt + std::max(0.0, (kProductBoxPt - names_height_pt) / 2);
  pdf.draw(latin, names_left_pt, names_top_pt + names_baseline_pt - first_baseline_pt(latin));
  pdf.draw(arabic, names_left_pt + name_width_pt + kGutterPt,
           names_top_pt + names_baseline_pt - first_baseline_pt(arabic));

  const double weight_left_pt = kMarginPt + kContentWidthPt - kWeightWidthPt;
  const TextBlock weight_title = pdf.typeset("Weight · الوزن", kSmallLabelStyle, kWeightWidthPt, Align::right);
  const TextBlock weight =
      typeset_one_line(pdf, detail::clean_line(label.weight, kMaxTextBytes), kWeightStyle, kWeightSizesPt,
                       kWeightWidthPt, Align::right, kMaxHeaderTextHeightPt - weight_title.height_pt);
  pdf.draw(weight_title, weight_left_pt, top_pt);
  pdf.draw(weight, weight_left_pt, top_pt + weight_title.height_pt);
  return std::max({kProductBoxPt, names_top_pt - top_pt + names_height_pt, weight_title.height_pt + weight.height_pt});
}

// Origin → destination on the left, the date in the middle, the customs note boxed on the right;
// returns the height of the row.
double draw_route(const PdfWriter& pdf, const ParcelLabel& label, double top_pt) {
  const std::string origin = detail::clean_line(label.origin_country, kMaxTextBytes);
  const std::string destination = detail::clean_line(label.destination_country, kMaxTextBytes);
  const std::string route = origin.empty() || destination.empty() ? origin + destination : origin + " → " + destination;
  constexpr double kColumnWidthPt = (kContentWidthPt - 2 * kGutterPt) / 3;
  constexpr double kMaxRowHeightPt = mm(12);
  const TextBlock route_block = pdf.typeset(route, kRouteStyle, kColumnWidthPt, Align::left, kMaxRowHeightPt);
  const TextBlock date = pdf.typeset(detail::clean_line(label.date, kMaxTextBytes), kDateStyle, kColumnWidthPt,
                                     Align::center, kMaxRowHeightPt);
  const std::string customs_note = detail::clean_line(label.customs_note, kMaxTextBytes);
  constexpr double kBoxPaddingPt = mm(1);
  const TextBlock customs = pdf.typeset(customs_note, kCustomsStyle, kColumnWidthPt - 2 * kBoxPaddingPt, Align::right,
                                        kMaxRowHeightPt - 2 * kBoxPaddingPt);

  const double baseline_pt =
      std::max({first_baseline_pt(route_block), first_baseline_pt(date), kBoxPaddingPt + first_baseline_pt(customs)});
  const double route_top_pt = top_pt + baseline_pt - first_baseline_pt(route_block);
  const double date_top_pt = top_pt + baseline_pt - first_baseline_pt(date);
  const double customs_top_pt = top_pt + baseline_pt - first_baseline_pt(customs);
  pdf.draw(route_block, kMarginPt, route_top_pt);
  pdf.draw(date, kMarginPt + kColumnWidthPt + kGutterPt, date_top_pt);
  double height_pt = std::max(route_top_pt + route_block.height_pt, date_top_pt + date.height_pt) - top_pt;
  if (!customs_note.empty()) {
    const double right_pt = kMarginPt + kContentWidthPt;
    pdf.draw(customs, right_pt - kBoxPaddingPt - (kColumnWidthPt - 2 * kBoxPaddingPt), customs_top_pt);
    // The box hugs the widest line of the note.
    double text_width_pt = 0;
    for (const detail::TextLine& line : customs.lines) {
      PangoRectangle extents;
      pango_layout_line_get_extents(line.line, nullptr, &extents);
      text_width_pt = std::max(text_width_pt, static_cast<double>(extents.width) / PANGO_SCALE);
    }
    cairo_t* cairo = pdf.cairo();
    cairo_set_source_rgb(cairo, 0, 0, 0);
    cairo_set_line_width(cairo, 1);
    cairo_rectangle(cairo, right_pt - text_width_pt - 2 * kBoxPaddingPt + 0.5, customs_top_pt - kBoxPaddingPt + 0.5,
                    text_width_pt + 2 * kBoxPaddingPt - 1, customs.height_pt + 2 * kBoxPaddingPt - 1);
    cairo_stroke(cairo);
    height_pt = std::max(height_pt, customs_top_pt + customs.height_pt + kBoxPaddingPt - top_pt);
  }
  return height_pt;
}

}  // namespace

std::string render_parcel_label_pdf(const ParcelLabel& label) {
  if (!is_valid_item_id(label.item_id)) {
    throw std::invalid_argument("parcel label: the item id is not 13 printable ASCII characters");
  }
  for (const std::vector<std::string>* lines :
       {&label.sender_ar, &label.sender_latin, &label.addressee_ar, &label.addressee_latin}) {
    if (lines->size() > kMaxAddressLines) throw std::length_error("parcel label: too many address lines");
  }
  const Barcode barcode = encode_code_128(label.item_id);

  PdfWriter pdf("Parcel label " + label.item_id);
  // The writer starts A4 pages; this one, and any after it, are A6. Nothing is drawn yet.
  cairo_pdf_surface_set_size(cairo_get_target(pdf.cairo()), kLabelWidthPt, kLabelHeightPt);

  // From the top: header, route, sender; from the bottom: the id, the bars above it; the addressee
  // takes the space between.
  double top_pt = kMarginPt;
  top_pt += draw_header(pdf, label, top_pt) + mm(2);
  pdf.draw_rule(kMarginPt, top_pt, kContentWidthPt, 1.2, 0);
  top_pt += 1.2 + mm(2);
  top_pt += draw_route(pdf, label, top_pt) + mm(1.5);
  pdf.draw_rule(kMarginPt, top_pt, kContentWidthPt, 0.5, 0.5);
  top_pt += 0.5 + mm(1.5);

  top_pt += draw_block_title(pdf, "From", "من", kBlockTitleStyle, top_pt) + mm(0.5);
  const Address sender = typeset_address(pdf, clean_lines(label.sender_latin), clean_lines(label.sender_ar),
                                         kSenderSizesPt, kMaxFromHeightPt);
  draw_address(pdf, sender, top_pt);
  top_pt += sender.height_pt + mm(1.5);
  pdf.draw_rule(kMarginPt, top_pt, kContentWidthPt, 0.5, 0.5);
  top_pt += 0.5 + mm(1.5);

  const TextBlock item_id = pdf.typeset(group_item_id(label.item_id), kItemIdStyle, kContentWidthPt, Align::center);
  const double item_id_top_pt = kLabelHeightPt - kMarginPt - item_id.height_pt;
  const double bars_top_pt = item_id_top_pt - mm(1) - kBarHeightPt;
  const double barcode_rule_top_pt = bars_top_pt - mm(3);

  top_pt += draw_block_title(pdf, "To", "إلى", kAddresseeTitleStyle, top_pt) + mm(1);
  // Everything above is bounded (its texts cut at their maximum heights), so this much is always left.
  const double addressee_height_pt = barcode_rule_top_pt - mm(2) - top_pt;
  BARID_CHECK(addressee_height_pt >= mm(25), "the parcel label leaves too little room for the addressee");
  const Address addressee = typeset_address(pdf, clean_lines(label.addressee_latin), clean_lines(label.addressee_ar),
                                            kAddresseeSizesPt, addressee_height_pt);
  draw_address(pdf, addressee, top_pt);

  pdf.draw_rule(kMarginPt, barcode_rule_top_pt, kContentWidthPt, 1.2, 0);
  const double module_pt = module_width_pt(barcode);
  const double bars_left_pt = kMarginPt + (kContentWidthPt - barcode.width_modules * module_pt) / 2;
  draw_barcode(pdf, barcode, bars_left_pt, bars_top_pt, module_pt);
  pdf.draw(item_id, kMarginPt, item_id_top_pt);
  pdf.end_page();
  return pdf.finish();
}

}  // namespace barid::documents
