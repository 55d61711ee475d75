#include "typesetting.hpp"

#include <barid/documents/pdf.hpp>

#include <barid/core/check.hpp>
#include <barid/core/time.hpp>

#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <stdexcept>

static_assert(PANGO_VERSION_CHECK(1, 32, 6), "needs Pango's per-thread default font map (Pango >= 1.32.6)");

namespace barid::documents::detail {
namespace {

constexpr const char* kLatinFamily = "DejaVu Sans";
constexpr const char* kMonospaceFamily = "DejaVu Sans Mono";
constexpr const char* kArabicFamily = "Amiri";
// Amiri draws smaller than DejaVu Sans at the same size; this evens out their apparent sizes.
constexpr double kArabicScale = 1.2;

double from_pango(int units) {
  return static_cast<double>(units) / PANGO_SCALE;
}

// Pango 1.50 loads fontconfig's configuration on a helper thread ("[pango] FcInit") when the first
// font map is made, and a font map made meanwhile on another thread could race it (pango#784: two
// threads parsing the configuration at once). Loading it here, before any font map exists, turns
// every later FcInit into a no-op. A mutex rather than std::call_once: release_fonts_at_exit() may
// unload it. (Pango's matching threads hold their own reference to the configuration, so FcFini
// there cannot pull it from under them.)
std::mutex fonts_mutex;
std::atomic<bool> fonts_loaded{false};

void load_fonts_once() {
  if (fonts_loaded.load(std::memory_order_acquire)) return;
  const std::lock_guard lock(fonts_mutex);
  if (fonts_loaded.load(std::memory_order_relaxed)) return;
  BARID_CHECK(pango_version() >= PANGO_VERSION_ENCODE(1, 32, 6), "Pango older than the headers it was built with");
  if (FcInit() != FcTrue) throw std::runtime_error("fontconfig could not load its configuration");
  fonts_loaded.store(true, std::memory_order_release);
}

cairo_status_t append_to_string(void* closure, const unsigned char* data, unsigned int length) {
  try {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
  } catch (...) {  // no exception may cross cairo's C frames; cairo reports the write error
    return CAIRO_STATUS_WRITE_ERROR;
  }
}

// Amiri, in its size, for the Arabic runs of `text`; the other runs keep the layout's font.
PangoAttrList* arabic_font_attributes(std::string_view text, const TextStyle& style) {
  PangoAttrList* attributes = pango_attr_list_new();
  PangoScriptIter* scripts = pango_script_iter_new(text.data(), static_cast<int>(text.size()));
  do {
    const char* start = nullptr;
    const char* end = nullptr;
    PangoScript script = PANGO_SCRIPT_COMMON;
    pango_script_iter_get_range(scripts, &start, &end, &script);
    if (script != PANGO_SCRIPT_ARABIC) continue;
    const auto start_index = static_cast<guint>(start - text.data());
    const auto end_index = static_cast<guint>(end - text.data());
    for (PangoAttribute* attribute :
         {pango_attr_family_new(kArabicFamily),
          pango_attr_size_new_absolute(static_cast<int>(style.size_pt * kArabicScale * PANGO_SCALE)),
          pango_attr_language_new(pango_language_from_string("ar"))}) {
      attribute->start_index = start_index;
      attribute->end_index = end_index;
      pango_attr_list_insert(attributes, attribute);  // takes ownership
    }
  } while (pango_script_iter_next(scripts));
  pango_script_iter_free(scripts);
  return attributes;
}

}  // namespace

PdfWriter::PdfWriter(std::string_view title) {
  load_fonts_once();
  surface_ = cairo_pdf_surface_create_for_stream(append_to_string, &bytes_, kPageWidthPt, kPageHeightPt);
  const std::string title_text(title);
  cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_TITLE, title_text.c_str());
  cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_CREATOR, "Barid");
  cairo_ = cairo_create(surface_);
  // Uses this thread's default font map.
  pango_ = pango_cairo_create_context(cairo_);
  // Glyphs placed at their exact (fractional) positions: the PDF is not bound to a pixel grid.
  pango_context_set_round_glyph_positions(pango_, FALSE);
}

PdfWriter::~PdfWriter() {
  g_object_unref(pango_);
  cairo_destroy(cairo_);
  cairo_surface_destroy(surface_);
}

void PdfWriter::set_creation_date(std::int64_t unix_ms) {
  const std::string text = format_utc_ms(unix_ms);  // "2026-11-22T07:18:13.123Z"
  const std::string date = text.substr(0, 19) + "Z";
  cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_CREATE_DATE, date.c_str());
}

TextBlock PdfWriter::typeset(std::string_view text, const TextStyle& style, double width_pt, Align align,
                             double max_height_pt) const {
  TextBlock block;
  block.gray = style.gray;
  block.layout.reset(pango_layout_new(pango_));
  PangoLayout* layout = block.layout.get();

  PangoFontDescription* font = pango_font_description_new();
  pango_font_description_set_family_static(font, style.monospace ? kMonospaceFamily : kLatinFamily);
  pango_font_description_set_absolute_size(font, style.size_pt * PANGO_SCALE);
  pango_font_description_set_weight(font, style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description(layout, font);  // copies
  pango_font_description_free(font);

  // Each paragraph finds its own direction (auto-dir, Pango's default); with the context's
  // left-to-right base, PANGO_ALIGN_LEFT then means "at the paragraph's start".
  pango_layout_set_auto_dir(layout, TRUE);
  pango_layout_set_alignment(layout, PANGO_ALIGN_LEFT);
  pango_layout_set_width(layout, pango_units_from_double(width_pt));
  pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
  if (max_height_pt > 0) {
    pango_layout_set_height(layout, pango_units_from_double(max_height_pt));
    pango_layout_set_ellipsize(layout, PANGO_ELLIPSIZE_END);
  }
  pango_layout_set_text(layout, text.data(), static_cast<int>(text.size()));
  PangoAttrList* attributes = arabic_font_attributes(text, style);
  pango_layout_set_attributes(layout, attributes);  // takes a reference
  pango_attr_list_unref(attributes);

  PangoLayoutIter* lines = pango_layout_get_iter(layout);
  double top_pt = 0;
  do {
    PangoRectangle in_layout;  // the line's logical extents, placed as Pango aligned it
    pango_layout_iter_get_line_extents(lines, nullptr, &in_layout);
    PangoLayoutLine* line = pango_layout_iter_get_line_readonly(lines);
    PangoRectangle own;  // relative to the line's origin
    pango_layout_line_get_extents(line, nullptr, &own);
    const double line_width_pt = from_pango(own.width);
    double left_pt = 0;
    switch (align) {
      case Align::natural: left_pt = from_pango(in_layout.x); break;
      case Align::left: left_pt = 0; break;
      case Align::right: left_pt = width_pt - line_width_pt; break;
      case Align::center: left_pt = (width_pt - line_width_pt) / 2; break;
    }
    const double height_pt = from_pango(in_layout.height);
    const double ascent_pt = from_pango(pango_layout_iter_get_baseline(lines) - in_layout.y);
    block.lines.push_back(TextLine{.line = line,
                                   .x_pt = left_pt - from_pango(own.x),
                                   .top_pt = top_pt,
                                   .baseline_pt = top_pt + ascent_pt,
                                   .advance_pt = height_pt * style.leading,
                                   .right_to_left = line->resolved_dir == PANGO_DIRECTION_RTL});
    top_pt += height_pt * style.leading;
  } while (pango_layout_iter_next_line(lines));
  pango_layout_iter_free(lines);
  block.height_pt = top_pt;
  return block;
}

void PdfWriter::draw_line(const TextBlock& block, const TextLine& line, double x_pt, double top_pt) const {
  cairo_set_source_rgb(cairo_, block.gray, block.gray, block.gray);
  cairo_move_to(cairo_, x_pt + line.x_pt, top_pt + (line.baseline_pt - line.top_pt));
  pango_cairo_show_layout_line(cairo_, line.line);
}

void PdfWriter::draw(const TextBlock& block, double x_pt, double y_pt) const {
  for (const TextLine& line : block.lines) draw_line(block, line, x_pt, y_pt + line.top_pt);
}

void PdfWriter::draw_rule(double x_pt, double y_pt, double width_pt, double thickness_pt, double gray) const {
  cairo_set_source_rgb(cairo_, gray, gray, gray);
  cairo_rectangle(cairo_, x_pt, y_pt, width_pt, thickness_pt);
  cairo_fill(cairo_);
}

void PdfWriter::draw_qr_code(const QRcode& code, double x_pt, double y_pt, double size_pt) const {
  const double module_pt = size_pt / (code.width + 2 * kQrQuietZoneModules);
  cairo_set_source_rgb(cairo_, 1, 1, 1);
  cairo_rectangle(cairo_, x_pt, y_pt, size_pt, size_pt);
  cairo_fill(cairo_);
  // Dark modules as horizontal runs, filled as one path: fewer operators and no seams between them.
  cairo_set_source_rgb(cairo_, 0, 0, 0);
  for (int row = 0; row < code.width; ++row) {
    const unsigned char* modules = code.data + static_cast<std::ptrdiff_t>(row) * code.width;
    for (int column = 0; column < code.width;) {
      if ((modules[column] & 1) == 0) {
        ++column;
        continue;
      }
      const int run_start = column;
      while (column < code.width && (modules[column] & 1) != 0) ++column;
      cairo_rectangle(cairo_, x_pt + (kQrQuietZoneModules + run_start) * module_pt,
                      y_pt + (kQrQuietZoneModules + row) * module_pt, (column - run_start) * module_pt, module_pt);
    }
  }
  cairo_fill(cairo_);
}

void PdfWriter::end_page() const {
  cairo_show_page(cairo_);
}

std::string PdfWriter::finish() {
  cairo_status_t status = cairo_status(cairo_);
  cairo_surface_finish(surface_);
  if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_status(surface_);
  if (status != CAIRO_STATUS_SUCCESS) {
    throw std::runtime_error(std::string("cairo could not write the PDF: ") + cairo_status_to_string(status));
  }
  return std::move(bytes_);
}

QrCodePtr encode_qr_code(std::string_view payload) {
  if (payload.empty()) return nullptr;
  QrCodePtr code(QRcode_encodeData(static_cast<int>(payload.size()),
                                   reinterpret_cast<const unsigned char*>(payload.data()), 0, QR_ECLEVEL_M));
  if (code == nullptr) throw std::runtime_error(std::string("QR encoding failed: ") + std::strerror(errno));
  return code;
}

}  // namespace barid::documents::detail

namespace barid::documents {

void release_fonts_at_exit() {
  // The calling thread's font map and, through it, the fontconfig patterns Pango and cairo cached.
  pango_cairo_font_map_set_default(nullptr);
  const std::lock_guard lock(detail::fonts_mutex);
  if (!detail::fonts_loaded.load(std::memory_order_relaxed)) return;
  FcFini();
  detail::fonts_loaded.store(false, std::memory_order_release);
}

}  // namespace barid::documents
