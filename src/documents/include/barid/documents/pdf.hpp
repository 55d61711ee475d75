// The PDF documents Barid produces: the bilingual (Arabic/Latin) evidence receipt a party prints and
// verifies through its QR code, print-ready A4 batches of letters for hybrid mail (printed,
// enveloped and posted by a print centre), and A6 parcel labels with the item's barcode.
// Rendering is Pango/HarfBuzz/Cairo (barcodes encoded by libzint); safe from many threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace barid::documents {

// Inputs are trusted and already validated. Text: invalid UTF-8 is replaced, never refused: each
// invalid sequence becomes U+FFFD (shown as �), control characters other than line breaks become
// U+FFFD too, and explicit bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069)
// are dropped so that no value can be displayed in an order other than the one stored. Text longer
// than its limit is cut and visibly marked (… or a note). Counts above their limit are a defect of
// the caller and throw std::length_error; a failure inside cairo (out of memory) throws
// std::runtime_error. Arabic runs are set in Amiri, everything else in DejaVu Sans (Mono for hashes).

// Limits, one place.
inline constexpr std::size_t kMaxTextBytes = 4096;        // each title, label, value, line, note, footer
inline constexpr std::size_t kMaxReceiptFields = 100;     // more: std::length_error
inline constexpr std::size_t kMaxQrPayloadBytes = 1024;   // more: std::length_error; empty: no QR code
inline constexpr std::size_t kMaxLettersPerBatch = 1000;  // more: std::length_error
inline constexpr std::size_t kMaxAddressLines = 8;        // more: std::length_error (they fit the window)
inline constexpr std::size_t kMaxAttachmentNotes = 50;    // more: std::length_error
inline constexpr std::size_t kMaxBodyBytes = 4u << 20;    // the rest is cut, with a note
inline constexpr int kMaxPagesPerLetter = 500;            // the rest is cut, with a note on the last page
inline constexpr int kMaxPagesPerBatch = 10'000;          // cover and blank pages included; more: std::length_error

struct ReceiptField {
  std::string label_ar;     // Arabic label, e.g. "الحدث"
  std::string label_latin;  // Latin label, e.g. "Event"
  std::string value;        // Arabic, Latin or mixed; long unbroken values (hashes) wrap
};

struct EvidenceReceipt {
  std::string title_ar;     // "إيصال إثبات"
  std::string title_latin;  // "Evidence receipt"
  std::vector<ReceiptField> fields;
  std::string qr_payload;  // encoded as given (bytes) in the QR code, usually a verification URL
  std::string footer_ar;
  std::string footer_latin;
};

// A4 PDF: the fields as a three-column table (Latin label | value | Arabic label), then the QR code
// (ECC level M, 4-module quiet zone, at least 40 mm wide) beside the footers. One page, more when the
// fields overflow. Returns the PDF bytes.
std::string render_evidence_receipt_pdf(const EvidenceReceipt& receipt);

struct PrintLetter {
  std::string reference;                   // printed small in the top margin of each page, e.g. the letter id
  std::vector<std::string> address_lines;  // recipient's address block (Arabic or Latin lines)
  std::string sender_name;                 // shown above the subject
  std::string subject;
  std::string body_text;                      // plain text, paragraphs separated by blank lines
  std::vector<std::string> attachment_notes;  // e.g. "Attachment 1: invoice.pdf (12 KB) — in the digital mailbox"
};

// A print-ready A4 batch for duplex printing: a cover sheet (batch id, number of letters, number of
// pages, date), then each letter starting on a recto (a blank page is inserted after anything that
// ends on an odd page, the cover included), its address block in the window of a DL/C5 envelope
// (20 mm from the left, 45 mm from the top, 85 × 45 mm), the body flowing over as many pages as
// needed and a footer "page i / n" per letter. Returns the PDF bytes, the same for the same input
// (`created_at_ms`, clamped to the years 1970–9999, is also the PDF's creation date).
std::string render_print_batch_pdf(const std::string& batch_id, std::int64_t created_at_ms,
                                   const std::vector<PrintLetter>& letters);

struct ParcelLabel {
  std::string item_id;                    // UPU S10 id, e.g. "CP123456785DZ" (13 chars, already validated)
  std::string product_code;               // "C", "H", "E", "R", "L"
  std::string product_ar, product_latin;  // e.g. "طرد", "Parcel"
  std::string weight;                     // already formatted, e.g. "1.250 kg"
  // Address lines: the Arabic original and its Latin form (either may be empty).
  std::vector<std::string> sender_ar, sender_latin;
  std::vector<std::string> addressee_ar, addressee_latin;
  std::string origin_country, destination_country;  // ISO alpha-2
  std::string customs_note;                         // e.g. "CN 23" or empty
  std::string date;                                 // e.g. "2026-11-23"
};

// One A6 page (105 × 148 mm): the product code, product name and weight; origin → destination, date
// and customs note; a "From / من" block and a larger "To / إلى" block, each with its Latin lines on
// the left (left-aligned) and its Arabic lines on the right (right-aligned, right to left), or one
// of them across the width, in the largest size at which they fit (at the smallest, the lines that
// do not fit are dropped and "…" marks the cut); at the foot the item id as a Code 128 barcode
// (vector bars, 0.3 to 0.42 mm per module, 18 mm high, a 10-module quiet zone each side) above the
// id in large monospace, grouped "CP 123 456 785 DZ". More than kMaxAddressLines in any of the four
// address vectors: std::length_error. An `item_id` that is not 13 printable ASCII characters
// (U+0021–U+007E, no space) is the caller's defect: std::invalid_argument. Returns the PDF bytes.
std::string render_parcel_label_pdf(const ParcelLabel& label);

// Rendering keeps fonts per thread (a thread's go when it exits) and fontconfig's configuration for
// the process. This frees the calling thread's and the configuration, so that leak checkers find
// nothing left: call it at the end of the process (after the worker threads that rendered have been
// joined), not while another thread renders. Rendering afterwards loads everything again.
void release_fonts_at_exit();

}  // namespace barid::documents
