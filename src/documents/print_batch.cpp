// Print batches for hybrid mail: a cover sheet for the print centre, then each letter from a recto,
// its address in the envelope window and its body over as many pages as it needs.
#include <barid/documents/pdf.hpp>

#include "text.hpp"
#include "typesetting.hpp"

#include <barid/core/check.hpp>
#include <barid/core/time.hpp>

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
constexpr double kTextWidthPt = detail::kPageWidthPt - 2 * kMarginPt;
constexpr double kReferenceTopPt = mm(9);
// The window of a DL or C5 envelope (window on the left), where the address block must show.
constexpr double kWindowLeftPt = mm(20);
constexpr double kWindowTopPt = mm(45);
constexpr double kWindowWidthPt = mm(85);
constexpr double kWindowHeightPt = mm(45);
constexpr double kWindowPaddingPt = mm(4);  // envelopes and folding are not exact
constexpr double kFirstPageContentTopPt = kWindowTopPt + kWindowHeightPt + mm(10);
constexpr double kContentTopPt = mm(20);
constexpr double kContentBottomPt = detail::kPageHeightPt - mm(22);
constexpr double kFooterTopPt = detail::kPageHeightPt - mm(15);
// A paragraph is laid out in chunks of at most this many bytes, so that no single Pango layout
// holds a hostile body at once.
constexpr std::size_t kParagraphChunkBytes = 16 * 1024;
constexpr std::int64_t kLatestDateMs = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z

const TextStyle kReferenceStyle{.size_pt = 7, .gray = 0.4};
const TextStyle kSenderStyle{.size_pt = 9.5, .bold = true, .gray = 0.3};
const TextStyle kSubjectStyle{.size_pt = 12, .bold = true};
const TextStyle kBodyStyle{.size_pt = 10.5, .leading = 1.2};
const TextStyle kAttachmentHeadingStyle{.size_pt = 9, .bold = true};
const TextStyle kAttachmentStyle{.size_pt = 9, .gray = 0.2, .leading = 1.1};
const TextStyle kNoteStyle{.size_pt = 9, .bold = true, .gray = 0.2};
const TextStyle kFooterStyle{.size_pt = 8, .gray = 0.4};
const TextStyle kCoverTitleStyle{.size_pt = 20, .bold = true};
const TextStyle kCoverLabelStyle{.size_pt = 10, .gray = 0.35};
const TextStyle kCoverValueStyle{.size_pt = 12, .bold = true};
const TextStyle kCoverNoteStyle{.size_pt = 9.5, .gray = 0.2, .leading = 1.2};

constexpr std::string_view kTruncationNote =
    "The rest of this letter is not printed: it exceeds the printing limit. The complete letter is in the "
    "digital mailbox.\n"
    "بقية هذه الرسالة غير مطبوعة لتجاوزها حد الطباعة. الرسالة كاملة في صندوق البريد الرقمي.";

// A letter's text made safe for layout. Made once per pass, so that a batch never holds more than
// one cleaned body.
struct CleanLetter {
  std::string reference;
  std::string address;  // one line per line feed
  std::string sender_name;
  std::string subject;
  detail::CleanText body;
  std::vector<std::string> attachment_notes;
};

CleanLetter clean_letter(const PrintLetter& letter) {
  CleanLetter clean;
  clean.reference = detail::clean_line(letter.reference, kMaxTextBytes);
  for (const std::string& line : letter.address_lines) {
    if (!clean.address.empty()) clean.address += '\n';
    clean.address += detail::clean_line(line, kMaxTextBytes);
  }
  clean.sender_name = detail::clean_line(letter.sender_name, kMaxTextBytes);
  clean.subject = detail::clean_line(letter.subject, kMaxTextBytes);
  clean.body = detail::clean_text(letter.body_text, detail::LineBreaks::keep, kMaxBodyBytes);
  for (const std::string& note : letter.attachment_notes) {
    clean.attachment_notes.push_back(detail::clean_line(note, kMaxTextBytes));
  }
  return clean;
}

// Right-aligned when most lines are Arabic (right to left), else left-aligned: one edge for the block.
Align address_alignment(const PdfWriter& pdf, const std::string& address) {
  const TextBlock block = pdf.typeset(address, TextStyle{}, kWindowWidthPt, Align::natural);
  const auto right_to_left = std::count_if(block.lines.begin(), block.lines.end(),
                                           [](const detail::TextLine& line) { return line.right_to_left; });
  return 2 * right_to_left > static_cast<std::ptrdiff_t>(block.lines.size()) ? Align::right : Align::left;
}

// The largest size, from 10 pt down to 7 pt, at which the whole address fits the window; at 7 pt
// what does not fit is dropped and marked "…".
TextBlock typeset_address(const PdfWriter& pdf, const std::string& address) {
  constexpr double kWidthPt = kWindowWidthPt - 2 * kWindowPaddingPt;
  constexpr double kHeightPt = kWindowHeightPt - 2 * kWindowPaddingPt;
  const Align align = address_alignment(pdf, address);
  for (const double size_pt : {10.0, 9.5, 9.0, 8.5, 8.0, 7.5}) {
    TextBlock block = pdf.typeset(address, TextStyle{.size_pt = size_pt}, kWidthPt, align);
    if (block.height_pt <= kHeightPt) return block;
  }
  return pdf.typeset(address, TextStyle{.size_pt = 7}, kWidthPt, align, kHeightPt);
}

// Lays a letter out page after page and returns its number of pages. Measuring (`draw` false) only
// counts them; drawing needs that count for the footers. Both passes take the same decisions.
int flow_letter(const PdfWriter& pdf, const CleanLetter& letter, bool draw, int page_count) {
  const TextBlock reference = pdf.typeset(letter.reference, kReferenceStyle, kTextWidthPt, Align::left, mm(8));
  const TextBlock note = pdf.typeset(kTruncationNote, kNoteStyle, kTextWidthPt, Align::natural);
  int page = 0;
  double top_pt = kFirstPageContentTopPt;
  bool cut = false;

  const auto page_top_pt = [&] { return page == 0 ? kFirstPageContentTopPt : kContentTopPt; };
  // The last page the limit allows keeps room at its foot for the note saying the letter was cut.
  const auto page_bottom_pt = [&] {
    return kContentBottomPt - (page == kMaxPagesPerLetter - 1 ? note.height_pt + mm(4) : 0);
  };
  const auto start_page = [&] {
    top_pt = page_top_pt();
    if (!draw) return;
    pdf.draw(reference, kMarginPt, kReferenceTopPt);
    const TextBlock footer = pdf.typeset("page " + std::to_string(page + 1) + " / " + std::to_string(page_count),
                                         kFooterStyle, kTextWidthPt, Align::center);
    pdf.draw(footer, kMarginPt, kFooterTopPt);
  };
  // Places the lines of `block` below what is on the page, `space_before_pt` lower (no space at the
  // top of a page), and starts new pages as needed; false when the page limit cut the letter.
  const auto flow = [&](const TextBlock& block, double space_before_pt) {
    if (top_pt > page_top_pt()) top_pt += space_before_pt;
    for (const detail::TextLine& line : block.lines) {
      if (top_pt + line.advance_pt > page_bottom_pt() && top_pt > page_top_pt()) {
        if (page + 1 == kMaxPagesPerLetter) {
          cut = true;
          return false;
        }
        if (draw) pdf.end_page();
        ++page;
        start_page();
      }
      if (draw) pdf.draw_line(block, line, kMarginPt, top_pt);
      top_pt += line.advance_pt;
    }
    return true;
  };

  start_page();
  if (draw && !letter.address.empty()) {
    pdf.draw(typeset_address(pdf, letter.address), kWindowLeftPt + kWindowPaddingPt, kWindowTopPt + kWindowPaddingPt);
  }
  if (!letter.sender_name.empty()) flow(pdf.typeset(letter.sender_name, kSenderStyle, kTextWidthPt, Align::natural), 0);
  if (!letter.subject.empty()) {
    flow(pdf.typeset(letter.subject, kSubjectStyle, kTextWidthPt, Align::natural), mm(1.5));
  }
  detail::ParagraphReader paragraphs(letter.body.text, kParagraphChunkBytes);
  detail::ParagraphReader::Chunk chunk;
  double space_before_pt = mm(7);  // between subject and body
  while (!cut && paragraphs.next(chunk)) {
    flow(pdf.typeset(chunk.text, kBodyStyle, kTextWidthPt, Align::natural),
         chunk.continues_paragraph ? 0 : space_before_pt);
    space_before_pt = mm(3.5);
  }
  if (!cut && letter.body.cut) flow(note, mm(4));
  if (!cut && !letter.attachment_notes.empty()) {
    flow(pdf.typeset("Attachments · المرفقات", kAttachmentHeadingStyle, kTextWidthPt, Align::left), mm(8));
    for (const std::string& attachment : letter.attachment_notes) {
      if (!flow(pdf.typeset(attachment, kAttachmentStyle, kTextWidthPt, Align::natural), mm(1))) break;
    }
  }
  if (cut && draw) pdf.draw(note, kMarginPt, kContentBottomPt - note.height_pt);
  if (draw) pdf.end_page();
  return page + 1;
}

void draw_cover_sheet(const PdfWriter& pdf, const std::string& batch_id, std::int64_t created_at_ms,
                      std::size_t letter_count, int page_count) {
  const TextBlock title = pdf.typeset("Print batch", kCoverTitleStyle, kTextWidthPt, Align::left);
  const TextBlock arabic_title = pdf.typeset("دفعة طباعة", kCoverTitleStyle, kTextWidthPt, Align::right);
  double top_pt = mm(30);
  pdf.draw(title, kMarginPt, top_pt + arabic_title.lines.front().baseline_pt - title.lines.front().baseline_pt);
  pdf.draw(arabic_title, kMarginPt, top_pt);
  top_pt += std::max(title.height_pt, arabic_title.height_pt) + mm(3);
  pdf.draw_rule(kMarginPt, top_pt, kTextWidthPt, 1.2, 0);
  top_pt += mm(10);

  const std::string created = format_utc_ms(std::clamp<std::int64_t>(created_at_ms, 0, kLatestDateMs));
  const std::pair<std::string_view, std::string> rows[] = {
      {"Batch · الدفعة", batch_id},
      {"Letters · الرسائل", std::to_string(letter_count)},
      {"Pages · الصفحات", std::to_string(page_count) + " (cover and blank pages included)"},
      {"Sheets, duplex · الأوراق", std::to_string((page_count + 1) / 2)},
      {"Created · التاريخ", created.substr(0, 10) + " " + created.substr(11, 5) + " UTC"},
  };
  constexpr double kLabelWidthPt = mm(55);
  for (const auto& [label, value] : rows) {
    const TextBlock label_block = pdf.typeset(label, kCoverLabelStyle, kLabelWidthPt, Align::left);
    const TextBlock value_block =
        pdf.typeset(value, kCoverValueStyle, kTextWidthPt - kLabelWidthPt, Align::left, mm(40));
    const double baseline_pt = std::max(label_block.lines.front().baseline_pt, value_block.lines.front().baseline_pt);
    pdf.draw(label_block, kMarginPt, top_pt + baseline_pt - label_block.lines.front().baseline_pt);
    pdf.draw(value_block, kMarginPt + kLabelWidthPt, top_pt + baseline_pt - value_block.lines.front().baseline_pt);
    top_pt += std::max(label_block.height_pt, value_block.height_pt) + mm(4);
  }
  top_pt += mm(8);
  const TextBlock instructions = pdf.typeset(
      "A4, duplex along the long edge. Each letter starts on a new sheet; blank pages are intentional. "
      "The address shows through the window of a DL or C5 envelope (window on the left).\n"
      "طباعة على الوجهين. تبدأ كل رسالة على ورقة جديدة، والصفحات الفارغة مقصودة. يظهر العنوان من نافذة الظرف.",
      kCoverNoteStyle, kTextWidthPt, Align::natural);
  pdf.draw(instructions, kMarginPt, top_pt);
  pdf.end_page();
}

}  // namespace

std::string render_print_batch_pdf(const std::string& batch_id, std::int64_t created_at_ms,
                                   const std::vector<PrintLetter>& letters) {
  if (letters.size() > kMaxLettersPerBatch) throw std::length_error("print batch: too many letters");
  for (const PrintLetter& letter : letters) {
    if (letter.address_lines.size() > kMaxAddressLines) throw std::length_error("print batch: too many address lines");
    if (letter.attachment_notes.size() > kMaxAttachmentNotes) {
      throw std::length_error("print batch: too many attachment notes");
    }
  }
  const std::string clean_batch_id = detail::clean_line(batch_id, kMaxTextBytes);
  PdfWriter pdf("Print batch " + clean_batch_id);
  pdf.set_creation_date(std::clamp<std::int64_t>(created_at_ms, 0, kLatestDateMs));

  // First pass: each letter's pages, and the batch's with the cover and the blank versos.
  std::vector<int> letter_pages;
  letter_pages.reserve(letters.size());
  int batch_pages = 1;  // the cover
  for (const PrintLetter& letter : letters) {
    letter_pages.push_back(flow_letter(pdf, clean_letter(letter), false, 0));
    batch_pages += batch_pages % 2 + letter_pages.back();  // a blank verso after an odd page
    if (batch_pages > kMaxPagesPerBatch) throw std::length_error("print batch: too many pages");
  }

  draw_cover_sheet(pdf, clean_batch_id, created_at_ms, letters.size(), batch_pages);
  int pages_written = 1;
  for (std::size_t i = 0; i < letters.size(); ++i) {
    if (pages_written % 2 == 1) {
      pdf.end_page();  // blank, so that the letter starts on a recto
      ++pages_written;
    }
    const int drawn = flow_letter(pdf, clean_letter(letters[i]), true, letter_pages[i]);
    BARID_CHECK(drawn == letter_pages[i], "a letter took other pages when drawn than when measured");
    pages_written += drawn;
  }
  BARID_CHECK(pages_written == batch_pages, "the batch took other pages when drawn than when measured");
  return pdf.finish();
}

}  // namespace barid::documents
