// The evidence receipt: a bilingual table of fields under a bilingual title, then the QR code that
// leads to the verification page, beside the footers.
#include <barid/documents/pdf.hpp>

#include "text.hpp"
#include "typesetting.hpp"

#include <algorithm>
#include <stdexcept>

namespace barid::documents {
namespace {

using detail::Align;
using detail::mm;
using detail::PdfWriter;
using detail::TextBlock;
using detail::TextStyle;

constexpr double kMarginPt = mm(20);
constexpr double kContentWidthPt = detail::kPageWidthPt - 2 * kMarginPt;
constexpr double kHeaderTopPt = mm(16);
constexpr double kGutterPt = mm(4);
constexpr double kTitleWidthPt = (kContentWidthPt - kGutterPt) / 2;  // each title, side by side
constexpr double kLabelColumnWidthPt = mm(38);
constexpr double kValueColumnWidthPt = kContentWidthPt - 2 * (kLabelColumnWidthPt + kGutterPt);
constexpr double kRowPaddingPt = mm(2.2);
constexpr double kMaxLabelHeightPt = mm(30);
constexpr double kMaxValueHeightPt = mm(100);
constexpr double kContentBottomPt = detail::kPageHeightPt - mm(22);
constexpr double kPageNumberTopPt = detail::kPageHeightPt - mm(15);
constexpr double kQrMinimumSizePt = mm(40);
constexpr double kQrMinimumModulePt = mm(0.5);
constexpr double kMaxFooterHeightPt = mm(60);

const TextStyle kTitleStyle{.size_pt = 16, .bold = true};
const TextStyle kLatinLabelStyle{.size_pt = 8.5, .bold = true, .gray = 0.35};
const TextStyle kArabicLabelStyle{.size_pt = 10, .bold = true, .gray = 0.25};
const TextStyle kValueStyle{.size_pt = 10};
const TextStyle kIdentifierStyle{.size_pt = 9, .monospace = true};
const TextStyle kFooterStyle{.size_pt = 9, .gray = 0.15};
const TextStyle kPageNumberStyle{.size_pt = 8, .gray = 0.4};

// Hashes, signatures, identifiers, URLs: long unbroken ASCII, easier to compare in a monospace font.
bool looks_like_identifier(std::string_view value) {
  return value.size() >= 20 && std::all_of(value.begin(), value.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

double first_baseline_pt(const TextBlock& block) {
  return block.lines.front().baseline_pt;
}

// One row of the table: Latin label | value | Arabic label, their first baselines on one line.
struct Row {
  TextBlock latin_label;
  TextBlock value;
  TextBlock arabic_label;
  double latin_label_top_pt = 0;  // below the row's top
  double value_top_pt = 0;
  double arabic_label_top_pt = 0;
  double height_pt = 0;
};

Row typeset_row(const PdfWriter& pdf, const ReceiptField& field) {
  Row row;
  row.latin_label = pdf.typeset(detail::clean_line(field.label_latin, kMaxTextBytes), kLatinLabelStyle,
                                kLabelColumnWidthPt, Align::left, kMaxLabelHeightPt);
  detail::CleanText value = detail::clean_text(field.value, detail::LineBreaks::keep, kMaxTextBytes);
  if (value.cut) value.text += "…";
  row.value = pdf.typeset(value.text, looks_like_identifier(value.text) ? kIdentifierStyle : kValueStyle,
                          kValueColumnWidthPt, Align::natural, kMaxValueHeightPt);
  row.arabic_label = pdf.typeset(detail::clean_line(field.label_ar, kMaxTextBytes), kArabicLabelStyle,
                                 kLabelColumnWidthPt, Align::right, kMaxLabelHeightPt);
  const double baseline_pt =
      std::max({first_baseline_pt(row.latin_label), first_baseline_pt(row.value), first_baseline_pt(row.arabic_label)});
  row.latin_label_top_pt = kRowPaddingPt + baseline_pt - first_baseline_pt(row.latin_label);
  row.value_top_pt = kRowPaddingPt + baseline_pt - first_baseline_pt(row.value);
  row.arabic_label_top_pt = kRowPaddingPt + baseline_pt - first_baseline_pt(row.arabic_label);
  row.height_pt = kRowPaddingPt +
                  std::max({row.latin_label_top_pt + row.latin_label.height_pt, row.value_top_pt + row.value.height_pt,
                            row.arabic_label_top_pt + row.arabic_label.height_pt});
  return row;
}

// Latin title on the left, Arabic title on the right, a rule below; repeated on every page.
struct Header {
  TextBlock latin_title;
  TextBlock arabic_title;
  double latin_title_top_pt = 0;
  double arabic_title_top_pt = 0;
  double rule_top_pt = 0;
  double content_top_pt = 0;
};

Header typeset_header(const PdfWriter& pdf, const std::string& title_latin, const std::string& title_ar) {
  Header header;
  header.latin_title = pdf.typeset(title_latin, kTitleStyle, kTitleWidthPt, Align::left, mm(30));
  header.arabic_title = pdf.typeset(title_ar, kTitleStyle, kTitleWidthPt, Align::right, mm(30));
  const double baseline_pt = std::max(first_baseline_pt(header.latin_title), first_baseline_pt(header.arabic_title));
  header.latin_title_top_pt = kHeaderTopPt + baseline_pt - first_baseline_pt(header.latin_title);
  header.arabic_title_top_pt = kHeaderTopPt + baseline_pt - first_baseline_pt(header.arabic_title);
  header.rule_top_pt = std::max(header.latin_title_top_pt + header.latin_title.height_pt,
                                header.arabic_title_top_pt + header.arabic_title.height_pt) +
                       mm(2);
  header.content_top_pt = header.rule_top_pt + mm(4);
  return header;
}

// The QR code (if any) on the left, the Arabic footer then the Latin one to its right.
struct VerificationSection {
  detail::QrCodePtr qr_code;
  double qr_size_pt = 0;
  double text_left_pt = 0;  // from the margin
  TextBlock arabic_footer;
  TextBlock latin_footer;
  double latin_footer_top_pt = 0;
  double height_pt = 0;
};

VerificationSection typeset_verification(const PdfWriter& pdf, const EvidenceReceipt& receipt) {
  VerificationSection section;
  section.qr_code = detail::encode_qr_code(receipt.qr_payload);
  if (section.qr_code != nullptr) {
    const int modules = section.qr_code->width + 2 * detail::kQrQuietZoneModules;
    section.qr_size_pt = std::max(kQrMinimumSizePt, modules * kQrMinimumModulePt);
    section.text_left_pt = section.qr_size_pt + mm(6);
  }
  const double text_width_pt = kContentWidthPt - section.text_left_pt;
  section.arabic_footer =
      pdf.typeset(detail::clean_text(receipt.footer_ar, detail::LineBreaks::keep, kMaxTextBytes).text, kFooterStyle,
                  text_width_pt, Align::right, kMaxFooterHeightPt);
  section.latin_footer =
      pdf.typeset(detail::clean_text(receipt.footer_latin, detail::LineBreaks::keep, kMaxTextBytes).text, kFooterStyle,
                  text_width_pt, Align::left, kMaxFooterHeightPt);
  section.latin_footer_top_pt = section.arabic_footer.height_pt + mm(3);
  section.height_pt = std::max(section.qr_size_pt, section.latin_footer_top_pt + section.latin_footer.height_pt);
  return section;
}

void draw_row(const PdfWriter& pdf, const Row& row, double top_pt) {
  pdf.draw(row.latin_label, kMarginPt, top_pt + row.latin_label_top_pt);
  pdf.draw(row.value, kMarginPt + kLabelColumnWidthPt + kGutterPt, top_pt + row.value_top_pt);
  pdf.draw(row.arabic_label, kMarginPt + kContentWidthPt - kLabelColumnWidthPt, top_pt + row.arabic_label_top_pt);
  pdf.draw_rule(kMarginPt, top_pt + row.height_pt, kContentWidthPt, 0.4, 0.75);
}

void draw_verification(const PdfWriter& pdf, const VerificationSection& section, double top_pt) {
  if (section.qr_code != nullptr) pdf.draw_qr_code(*section.qr_code, kMarginPt, top_pt, section.qr_size_pt);
  pdf.draw(section.arabic_footer, kMarginPt + section.text_left_pt, top_pt);
  pdf.draw(section.latin_footer, kMarginPt + section.text_left_pt, top_pt + section.latin_footer_top_pt);
}

}  // namespace

std::string render_evidence_receipt_pdf(const EvidenceReceipt& receipt) {
  if (receipt.fields.size() > kMaxReceiptFields) throw std::length_error("evidence receipt: too many fields");
  if (receipt.qr_payload.size() > kMaxQrPayloadBytes) throw std::length_error("evidence receipt: QR payload too long");

  const std::string title_latin = detail::clean_line(receipt.title_latin, kMaxTextBytes);
  const std::string title_ar = detail::clean_line(receipt.title_ar, kMaxTextBytes);
  PdfWriter pdf(title_latin.empty() || title_ar.empty() ? title_latin + title_ar : title_latin + " — " + title_ar);

  const Header header = typeset_header(pdf, title_latin, title_ar);
  std::vector<Row> rows;
  rows.reserve(receipt.fields.size());
  for (const ReceiptField& field : receipt.fields) rows.push_back(typeset_row(pdf, field));
  const VerificationSection verification = typeset_verification(pdf, receipt);

  // Where everything goes: a row that does not fit starts the next page, and so does the section.
  struct Place {
    int page = 0;
    double top_pt = 0;
  };
  std::vector<Place> row_places;
  row_places.reserve(rows.size());
  Place next{0, header.content_top_pt};
  auto place = [&](double height_pt) {
    if (next.top_pt + height_pt > kContentBottomPt && next.top_pt > header.content_top_pt) {
      next = Place{next.page + 1, header.content_top_pt};
    }
    const Place placed = next;
    next.top_pt += height_pt;
    return placed;
  };
  for (const Row& row : rows) row_places.push_back(place(row.height_pt));
  next.top_pt += mm(8);
  const Place verification_place = place(verification.height_pt);
  const int page_count = verification_place.page + 1;

  std::size_t row_index = 0;
  for (int page = 0; page < page_count; ++page) {
    pdf.draw(header.latin_title, kMarginPt, header.latin_title_top_pt);
    pdf.draw(header.arabic_title, kMarginPt + kContentWidthPt - kTitleWidthPt, header.arabic_title_top_pt);
    pdf.draw_rule(kMarginPt, header.rule_top_pt, kContentWidthPt, 1.2, 0);
    for (; row_index < rows.size() && row_places[row_index].page == page; ++row_index) {
      draw_row(pdf, rows[row_index], row_places[row_index].top_pt);
    }
    if (verification_place.page == page) draw_verification(pdf, verification, verification_place.top_pt);
    const TextBlock page_number = pdf.typeset(std::to_string(page + 1) + " / " + std::to_string(page_count),
                                              kPageNumberStyle, kContentWidthPt, Align::center);
    pdf.draw(page_number, kMarginPt, kPageNumberTopPt);
    pdf.end_page();
  }
  return pdf.finish();
}

}  // namespace barid::documents
