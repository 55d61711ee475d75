// Private to the documents module: a PDF being written (cairo surface streaming into a string, with
// its Pango context), blocks of shaped text positioned line by line, and QR codes.
//
// Threads: every call makes its own surface, cairo context and Pango context. Fonts come from
// pango_cairo_font_map_get_default(), which since Pango 1.32.6 is one font map per thread, so
// worker threads share no Pango object; fontconfig's configuration is loaded once, before the first
// font map exists (see load_fonts_once in typesetting.cpp).
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace barid::documents::detail {

constexpr double kPointsPerMm = 72.0 / 25.4;
constexpr double mm(double millimetres) {
  return millimetres * kPointsPerMm;
}
constexpr double kPageWidthPt = mm(210);  // A4
constexpr double kPageHeightPt = mm(297);

template <auto destroy>
struct Destroyer {
  template <typename T>
  void operator()(T* object) const {
    destroy(object);
  }
};
using LayoutPtr = std::unique_ptr<PangoLayout, Destroyer<&g_object_unref>>;
using QrCodePtr = std::unique_ptr<QRcode, Destroyer<&QRcode_free>>;

struct TextStyle {
  double size_pt = 10;
  bool bold = false;
  bool monospace = false;  // DejaVu Sans Mono instead of DejaVu Sans for the non-Arabic text
  double gray = 0;         // 0 black … 1 white
  double leading = 1.0;    // line advance as a multiple of the natural line height
};

// Where a line sits in its block: `natural` follows each paragraph's own direction (Arabic to the
// right, Latin to the left); the others are physical.
enum class Align { natural, left, right, center };

struct TextLine {
  PangoLayoutLine* line;  // owned by the block's layout
  double x_pt;            // where the line's origin goes, from the block's left edge
  double top_pt;          // from the block's top
  double baseline_pt;     // from the block's top
  double advance_pt;      // from this line's top to the next one's
  bool right_to_left;     // the direction of its paragraph
};

struct TextBlock {
  LayoutPtr layout;
  std::vector<TextLine> lines;
  double height_pt = 0;
  double gray = 0;
};

// A PDF written into memory. One per call; not shared between threads.
class PdfWriter {
 public:
  explicit PdfWriter(std::string_view title);  // `title` is valid UTF-8
  PdfWriter(const PdfWriter&) = delete;
  PdfWriter& operator=(const PdfWriter&) = delete;
  ~PdfWriter();

  void set_creation_date(std::int64_t unix_ms);
  cairo_t* cairo() const { return cairo_; }

  // Shapes `text` (valid UTF-8): DejaVu Sans (or Mono) for Latin and other scripts, Amiri for
  // Arabic runs, wrapped at word, else character, boundaries within `width_pt`. With
  // `max_height_pt` > 0 the lines that do not fit are dropped and the last one ends in "…".
  TextBlock typeset(std::string_view text, const TextStyle& style, double width_pt, Align align,
                    double max_height_pt = 0) const;
  void draw(const TextBlock& block, double x_pt, double y_pt) const;
  // One line, with its top at `top_pt` (the block's own layout of lines is ignored).
  void draw_line(const TextBlock& block, const TextLine& line, double x_pt, double top_pt) const;
  void draw_rule(double x_pt, double y_pt, double width_pt, double thickness_pt, double gray) const;
  // The code with its 4-module quiet zone (white) as a square of `size_pt`.
  void draw_qr_code(const QRcode& code, double x_pt, double y_pt, double size_pt) const;
  void end_page() const;

  // Finishes the file and returns its bytes. Throws std::runtime_error if cairo failed.
  std::string finish();

 private:
  std::string bytes_;  // declared first: the surface writes into it until destroyed
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cairo_ = nullptr;
  PangoContext* pango_ = nullptr;
};

// nullptr for an empty payload. Error correction level M.
QrCodePtr encode_qr_code(std::string_view payload);
constexpr int kQrQuietZoneModules = 4;

}  // namespace barid::documents::detail
