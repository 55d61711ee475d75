// The PDF documents Barid produces: the bilingual (Arabic/Latin) evidence receipt a party prints and
// verifies through its QR code, and print-ready A4 batches of letters for hybrid mail (printed,
// enveloped and posted by a print centre). Rendering is Pango/HarfBuzz/Cairo; safe from many threads.
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

// Rendering keeps fonts per thread (a thread's go when it exits) and fontconfig's configuration for
// the process. This frees the calling thread's and the configuration, so that leak checkers find
// nothing left: call it at the end of the process (after the worker threads that rendered have been
// joined), not while another thread renders. Rendering afterwards loads everything again.
void release_fonts_at_exit();

}  // namespace barid::documents
