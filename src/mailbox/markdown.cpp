// md4c's SAX parser reports blocks, spans and text; each renderer below writes only what the safe
// subset allows, so nothing md4c recognises (raw HTML, images, unknown spans) can reach the output
// as markup.
#include <barid/mailbox/markdown.hpp>

#include <barid/core/json.hpp>
#include <barid/core/utf8.hpp>

#include <md4c.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace barid::mailbox {
namespace {

constexpr unsigned kParserFlags = MD_FLAG_NOHTML | MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH;
constexpr std::size_t kInputPaddingBytes = 16;
constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD

struct NamedEntity {
  std::string_view name;
  std::uint32_t code_point;
};
// The named entities an authority's text plausibly uses, the bidirectional marks among them. Any
// other name is shown as written rather than trusted to a table nobody reviews.
constexpr std::array<NamedEntity, 28> kNamedEntities{{
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},      {"apos", '\''},    {"nbsp", 0xA0},
    {"copy", 0xA9},    {"reg", 0xAE},     {"trade", 0x2122}, {"deg", 0xB0},      {"plusmn", 0xB1},  {"times", 0xD7},
    {"divide", 0xF7},  {"middot", 0xB7},  {"bull", 0x2022},  {"hellip", 0x2026}, {"ndash", 0x2013}, {"mdash", 0x2014},
    {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D},  {"laquo", 0xAB},   {"raquo", 0xBB},
    {"euro", 0x20AC},  {"lrm", 0x200E},   {"rlm", 0x200F},   {"zwnj", 0x200C},
}};

// Appends the character an entity stands for; false when it is a name outside kNamedEntities.
// md4c hands over only /&[A-Za-z][A-Za-z0-9]{1,47};/, /&#[0-9]{1,7};/ and /&#[xX][0-9a-fA-F]{1,6};/.
bool decode_entity(std::string_view entity, std::string& out) {
  if (entity.size() < 3 || entity.front() != '&' || entity.back() != ';') return false;
  const std::string_view inner = entity.substr(1, entity.size() - 2);
  if (inner.front() != '#') {
    for (const auto& named : kNamedEntities) {
      if (named.name == inner) {
        append_utf8(out, named.code_point);
        return true;
      }
    }
    return false;
  }
  const bool hex = inner.size() > 1 && (inner[1] == 'x' || inner[1] == 'X');
  const std::string_view digits = inner.substr(hex ? 2 : 1);
  if (digits.empty() || digits.size() > 8) return false;
  std::uint32_t value = 0;
  for (const char c : digits) {
    std::uint32_t digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<std::uint32_t>(c - '0');
    } else if (hex && c >= 'a' && c <= 'f') {
      digit = static_cast<std::uint32_t>(c - 'a' + 10);
    } else if (hex && c >= 'A' && c <= 'F') {
      digit = static_cast<std::uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
    value = value * (hex ? 16 : 10) + digit;
  }
  const bool control = (value < 0x20 && value != '\t' && value != '\n') || (value >= 0x7F && value < 0xA0);
  const bool surrogate = value >= 0xD800 && value <= 0xDFFF;
  if (value == 0 || control || surrogate || value > 0x10FFFF) {
    out += kReplacementCharacter;
  } else {
    append_utf8(out, value);
  }
  return true;
}

void append_html_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}

// An attribute as the author meant it: entities decoded (or kept as written), NUL as U+FFFD.
std::string attribute_text(const MD_ATTRIBUTE& attribute) {
  std::string text;
  if (attribute.text == nullptr || attribute.size == 0) return text;
  for (std::size_t i = 0; attribute.substr_offsets[i] < attribute.size; ++i) {
    const std::string_view part(attribute.text + attribute.substr_offsets[i],
                                attribute.substr_offsets[i + 1] - attribute.substr_offsets[i]);
    switch (attribute.substr_types[i]) {
      case MD_TEXT_ENTITY:
        if (!decode_entity(part, text)) text += part;
        break;
      case MD_TEXT_NULLCHAR: text += kReplacementCharacter; break;
      default: text += part;
    }
  }
  return text;
}

bool is_ascii_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// The link destination to write, or nullopt when it is not http:, https: or mailto:. Browsers drop
// tabs and line breaks anywhere in a URL and trim spaces and controls at its ends, so all of those go
// before the scheme is read ("java\tscript:", " javascript:"); the scheme is compared without case
// ("JaVaScRiPt:"). Without a scheme the destination is relative, and so refused.
std::optional<std::string> safe_link_destination(const MD_ATTRIBUTE& href) {
  const std::string decoded = attribute_text(href);
  std::string url;
  url.reserve(decoded.size());
  for (const char c : decoded) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) continue;
    if (c == ' ' && url.empty()) continue;
    url += c;
  }
  while (!url.empty() && url.back() == ' ') url.pop_back();

  const std::size_t colon = url.find(':');
  if (colon == std::string::npos || colon == 0 || !is_ascii_alpha(url[0])) return std::nullopt;
  std::string scheme;
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = url[i];
    if (!is_ascii_alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return std::nullopt;
    scheme += ascii_lower(c);
  }
  if (scheme != "https" && scheme != "http" && scheme != "mailto") return std::nullopt;

  // Spaces and the characters browsers would encode anyway are percent-encoded, so the address is one
  // token in plain text too.
  std::string written;
  written.reserve(url.size());
  for (const char c : url) {
    switch (c) {
      case ' ': written += "%20"; break;
      case '"': written += "%22"; break;
      case '<': written += "%3C"; break;
      case '>': written += "%3E"; break;
      case '`': written += "%60"; break;
      default: written += c;
    }
  }
  return written;
}

// Walks md4c's events for a renderer, counting nesting and stopping the parse beyond the limit.
// md4c 0.4.8 can report a span's end without its start (a "~" inside a refused link destination), so
// the walk keeps its own stack of what is open: an end that does not match the innermost open element
// is dropped, and elements md4c leaves open are closed with their block or at the end. The renderers
// thus always see well-nested events, and their output is well-nested HTML.
template <class Renderer>
class Walk {
 public:
  static Result<std::string> run(std::string_view markdown) {
    if (markdown.size() > kMaxMarkdownBytes) {
      return make_error(ErrorKind::payload_too_large, "markdown_too_large",
                        "the text is larger than " + std::to_string(kMaxMarkdownBytes) + " bytes");
    }
    if (!is_valid_utf8(markdown)) return invalid_input("invalid_utf8", "the text is not valid UTF-8");

    // md4c 0.4.8 reads past the end of its input (found by fuzz_markdown: a link destination "(…~" at
    // the very end takes in whatever bytes follow, as far as a crash). It parses a copy followed by NUL
    // bytes, which end every construct, and text it reports from beyond the input is cut off.
    std::string padded;
    padded.reserve(markdown.size() + kInputPaddingBytes);
    padded.append(markdown);
    padded.append(kInputPaddingBytes, '\0');

    Walk walk;
    walk.input_begin_ = padded.data();
    walk.input_end_ = padded.data() + markdown.size();
    walk.padding_end_ = padded.data() + padded.size();
    MD_PARSER parser{};
    parser.flags = kParserFlags;
    parser.enter_block = &Walk::enter_block;
    parser.leave_block = &Walk::leave_block;
    parser.enter_span = &Walk::enter_span;
    parser.leave_span = &Walk::leave_span;
    parser.text = &Walk::text;
    const int status = md_parse(padded.data(), static_cast<MD_SIZE>(markdown.size()), &parser, &walk);
    if (walk.too_deep_) {
      return invalid_input("markdown_too_deep", "the text nests lists, quotes or emphasis deeper than " +
                                                    std::to_string(kMaxMarkdownNesting) + " levels");
    }
    if (status != 0) {
      return make_error(ErrorKind::internal, "markdown_failed", "the Markdown parser failed (out of memory)");
    }
    while (!walk.open_.empty()) walk.close_innermost();
    return walk.renderer_.finish();
  }

 private:
  struct Open {
    bool span = false;
    int type = 0;  // an MD_BLOCKTYPE or MD_SPANTYPE
    bool nesting = false;
  };

  static bool counts_as_nesting(MD_BLOCKTYPE type) {
    return type == MD_BLOCK_QUOTE || type == MD_BLOCK_UL || type == MD_BLOCK_OL;
  }

  // False, and the parse stops, when this opening goes beyond the limit.
  bool push(Open open) {
    if (open.nesting && ++depth_ > kMaxMarkdownNesting) {
      too_deep_ = true;
      return false;
    }
    open_.push_back(open);
    return true;
  }

  void close_innermost() {
    const Open open = open_.back();
    open_.pop_back();
    if (open.nesting) --depth_;
    if (open.span) {
      renderer_.leave_span(static_cast<MD_SPANTYPE>(open.type));
    } else {
      renderer_.leave_block(static_cast<MD_BLOCKTYPE>(open.type));
    }
  }

  static int enter_block(MD_BLOCKTYPE type, void* detail, void* userdata) {
    auto& walk = *static_cast<Walk*>(userdata);
    if (!walk.push(Open{false, type, counts_as_nesting(type)})) return 1;
    walk.renderer_.enter_block(type, detail);
    return 0;
  }
  static int leave_block(MD_BLOCKTYPE type, void* /*detail*/, void* userdata) {
    auto& walk = *static_cast<Walk*>(userdata);
    const auto block =
        std::find_if(walk.open_.rbegin(), walk.open_.rend(), [](const Open& open) { return !open.span; });
    if (block == walk.open_.rend() || block->type != type) return 0;
    while (walk.open_.back().span) walk.close_innermost();
    walk.close_innermost();
    return 0;
  }
  static int enter_span(MD_SPANTYPE type, void* detail, void* userdata) {
    auto& walk = *static_cast<Walk*>(userdata);
    if (!walk.push(Open{true, type, true})) return 1;
    walk.renderer_.enter_span(type, detail);
    return 0;
  }
  static int leave_span(MD_SPANTYPE type, void* /*detail*/, void* userdata) {
    auto& walk = *static_cast<Walk*>(userdata);
    if (walk.open_.empty() || !walk.open_.back().span || walk.open_.back().type != type) return 0;
    walk.close_innermost();
    return 0;
  }
  static int text(MD_TEXTTYPE type, const MD_CHAR* text, MD_SIZE size, void* userdata) {
    auto& walk = *static_cast<Walk*>(userdata);
    std::size_t length = size;
    // Text outside the padded copy is one of md4c's own constants ("\n", indentation).
    const auto address = reinterpret_cast<std::uintptr_t>(text);
    const auto input_end = reinterpret_cast<std::uintptr_t>(walk.input_end_);
    if (address >= reinterpret_cast<std::uintptr_t>(walk.input_begin_) &&
        address < reinterpret_cast<std::uintptr_t>(walk.padding_end_)) {
      if (address >= input_end) return 0;
      length = std::min<std::size_t>(length, input_end - address);
    }
    walk.renderer_.text(type, std::string_view(text, length));
    return 0;
  }

  Renderer renderer_;
  const char* input_begin_ = nullptr;
  const char* input_end_ = nullptr;
  const char* padding_end_ = nullptr;
  std::vector<Open> open_;
  int depth_ = 0;
  bool too_deep_ = false;
};

class HtmlRenderer {
 public:
  void enter_block(MD_BLOCKTYPE type, void* detail) {
    switch (type) {
      case MD_BLOCK_QUOTE: out_ += "<blockquote dir=\"auto\">\n"; break;
      case MD_BLOCK_UL: out_ += "<ul dir=\"auto\">\n"; break;
      case MD_BLOCK_OL: {
        const unsigned start = static_cast<MD_BLOCK_OL_DETAIL*>(detail)->start;
        out_ += start == 1 ? "<ol dir=\"auto\">\n" : "<ol dir=\"auto\" start=\"" + std::to_string(start) + "\">\n";
        break;
      }
      case MD_BLOCK_LI: out_ += "<li dir=\"auto\">"; break;
      case MD_BLOCK_HR: out_ += "<hr>\n"; break;
      case MD_BLOCK_H:
        heading_level_ = heading_level(detail);
        out_ += "<h" + std::to_string(heading_level_) + " dir=\"auto\">";
        break;
      case MD_BLOCK_CODE: out_ += "<pre dir=\"auto\"><code>"; break;
      case MD_BLOCK_P: out_ += "<p dir=\"auto\">"; break;
      case MD_BLOCK_TABLE: out_ += "<table dir=\"auto\">\n"; break;
      case MD_BLOCK_THEAD: out_ += "<thead>\n"; break;
      case MD_BLOCK_TBODY: out_ += "<tbody>\n"; break;
      case MD_BLOCK_TR: out_ += "<tr>"; break;
      case MD_BLOCK_TH:
      case MD_BLOCK_TD:
        out_ += type == MD_BLOCK_TH ? "<th dir=\"auto\"" : "<td dir=\"auto\"";
        out_ += alignment(detail);
        out_ += '>';
        break;
      case MD_BLOCK_DOC:
      case MD_BLOCK_HTML:  // cannot happen with MD_FLAG_NOHTML; its text would be escaped anyway
        break;
    }
  }

  void leave_block(MD_BLOCKTYPE type) {
    switch (type) {
      case MD_BLOCK_QUOTE: out_ += "</blockquote>\n"; break;
      case MD_BLOCK_UL: out_ += "</ul>\n"; break;
      case MD_BLOCK_OL: out_ += "</ol>\n"; break;
      case MD_BLOCK_LI: out_ += "</li>\n"; break;
      case MD_BLOCK_H: out_ += "</h" + std::to_string(heading_level_) + ">\n"; break;
      case MD_BLOCK_CODE: out_ += "</code></pre>\n"; break;
      case MD_BLOCK_P: out_ += "</p>\n"; break;
      case MD_BLOCK_TABLE: out_ += "</table>\n"; break;
      case MD_BLOCK_THEAD: out_ += "</thead>\n"; break;
      case MD_BLOCK_TBODY: out_ += "</tbody>\n"; break;
      case MD_BLOCK_TR: out_ += "</tr>\n"; break;
      case MD_BLOCK_TH: out_ += "</th>"; break;
      case MD_BLOCK_TD: out_ += "</td>"; break;
      case MD_BLOCK_DOC:
      case MD_BLOCK_HR:
      case MD_BLOCK_HTML: break;
    }
  }

  void enter_span(MD_SPANTYPE type, void* detail) {
    if (type == MD_SPAN_IMG) {
      ++image_depth_;
      return;
    }
    if (image_depth_ > 0) return;  // an image's alt text is plain text, whatever it holds
    switch (type) {
      case MD_SPAN_EM: out_ += "<em>"; break;
      case MD_SPAN_STRONG: out_ += "<strong>"; break;
      case MD_SPAN_DEL: out_ += "<del>"; break;
      case MD_SPAN_CODE: out_ += "<code>"; break;
      case MD_SPAN_A: {
        const auto& link = *static_cast<MD_SPAN_A_DETAIL*>(detail);
        const auto destination = safe_link_destination(link.href);
        links_open_.push_back(destination.has_value());
        if (!destination) break;
        out_ += "<a href=\"";
        append_html_escaped(out_, *destination);
        out_ += '"';
        if (const std::string title = attribute_text(link.title); !title.empty()) {
          out_ += " title=\"";
          append_html_escaped(out_, title);
          out_ += '"';
        }
        out_ += " rel=\"noopener noreferrer nofollow\" target=\"_blank\">";
        break;
      }
      default:  // spans of extensions not enabled (LaTeX, wiki links, underline): text only
        break;
    }
  }

  void leave_span(MD_SPANTYPE type) {
    if (type == MD_SPAN_IMG) {
      --image_depth_;
      return;
    }
    if (image_depth_ > 0) return;
    switch (type) {
      case MD_SPAN_EM: out_ += "</em>"; break;
      case MD_SPAN_STRONG: out_ += "</strong>"; break;
      case MD_SPAN_DEL: out_ += "</del>"; break;
      case MD_SPAN_CODE: out_ += "</code>"; break;
      case MD_SPAN_A:
        if (!links_open_.empty()) {
          if (links_open_.back()) out_ += "</a>";
          links_open_.pop_back();
        }
        break;
      default: break;
    }
  }

  void text(MD_TEXTTYPE type, std::string_view text) {
    switch (type) {
      case MD_TEXT_NULLCHAR: out_ += kReplacementCharacter; break;
      case MD_TEXT_BR: out_ += image_depth_ > 0 ? " " : "<br>\n"; break;
      case MD_TEXT_SOFTBR: out_ += image_depth_ > 0 ? " " : "\n"; break;
      case MD_TEXT_ENTITY: {
        std::string decoded;
        append_html_escaped(out_, decode_entity(text, decoded) ? std::string_view(decoded) : text);
        break;
      }
      default: append_html_escaped(out_, text);
    }
  }

  std::string finish() { return std::move(out_); }

 private:
  static unsigned heading_level(void* detail) {
    const unsigned level = static_cast<MD_BLOCK_H_DETAIL*>(detail)->level;
    return level >= 3 ? 4 : level + 1;
  }
  static std::string_view alignment(void* detail) {
    switch (static_cast<MD_BLOCK_TD_DETAIL*>(detail)->align) {
      case MD_ALIGN_LEFT: return " align=\"left\"";
      case MD_ALIGN_CENTER: return " align=\"center\"";
      case MD_ALIGN_RIGHT: return " align=\"right\"";
      default: return "";
    }
  }

  std::string out_;
  unsigned heading_level_ = 2;  // of the heading being written (headings hold no blocks)
  int image_depth_ = 0;
  std::vector<bool> links_open_;  // per open link: whether an <a> was written for it
};

class PlainTextRenderer {
 public:
  void enter_block(MD_BLOCKTYPE type, void* detail) {
    switch (type) {
      case MD_BLOCK_QUOTE:
        separate(true);
        indents_.push_back(indent_.size());
        indent_ += "    ";
        break;
      case MD_BLOCK_UL:
      case MD_BLOCK_OL: {
        separate(lists_.empty());
        List list;
        list.ordered = type == MD_BLOCK_OL;
        if (list.ordered) {
          const auto& ordered = *static_cast<MD_BLOCK_OL_DETAIL*>(detail);
          list.next_number = ordered.start;
          list.tight = ordered.is_tight != 0;
        } else {
          list.tight = static_cast<MD_BLOCK_UL_DETAIL*>(detail)->is_tight != 0;
        }
        lists_.push_back(list);
        break;
      }
      case MD_BLOCK_LI: {
        separate(!lists_.empty() && !lists_.back().tight);
        std::string marker = "\xE2\x80\xA2 ";  // "• "
        std::size_t marker_chars = 2;
        if (!lists_.empty() && lists_.back().ordered) {
          marker = std::to_string(lists_.back().next_number++) + ". ";
          marker_chars = marker.size();
        }
        write(marker);
        indents_.push_back(indent_.size());
        indent_.append(marker_chars, ' ');
        item_start_ = true;
        break;
      }
      case MD_BLOCK_HR:
        separate(true);
        write("* * *");
        break;
      case MD_BLOCK_H:
      case MD_BLOCK_CODE:
      case MD_BLOCK_P:
      case MD_BLOCK_TABLE: separate(true); break;
      case MD_BLOCK_TR:
        separate(false);
        cell_index_ = 0;
        break;
      case MD_BLOCK_TH:
      case MD_BLOCK_TD:
        if (cell_index_++ > 0) write(" | ");
        break;
      default: break;
    }
  }

  void leave_block(MD_BLOCKTYPE type) {
    switch (type) {
      case MD_BLOCK_QUOTE:
      case MD_BLOCK_LI:
        item_start_ = false;
        if (!indents_.empty()) {
          indent_.resize(indents_.back());
          indents_.pop_back();
        }
        break;
      case MD_BLOCK_UL:
      case MD_BLOCK_OL:
        if (!lists_.empty()) lists_.pop_back();
        break;
      default: break;
    }
  }

  void enter_span(MD_SPANTYPE type, void* detail) {
    if (type != MD_SPAN_A) return;
    const auto& link = *static_cast<MD_SPAN_A_DETAIL*>(detail);
    start_line();
    links_.push_back(Link{safe_link_destination(link.href), out_.size()});
  }

  void leave_span(MD_SPANTYPE type) {
    if (type != MD_SPAN_A || links_.empty()) return;
    const Link link = std::move(links_.back());
    links_.pop_back();
    if (!link.destination) return;
    const std::string_view text = std::string_view(out_).substr(link.text_start);
    if (text == *link.destination || "mailto:" + std::string(text) == *link.destination) return;
    write(" (");
    write(*link.destination);
    write(")");
  }

  void text(MD_TEXTTYPE type, std::string_view text) {
    switch (type) {
      case MD_TEXT_NULLCHAR: write(kReplacementCharacter); break;
      case MD_TEXT_BR: new_line(); break;
      case MD_TEXT_SOFTBR: write(" "); break;
      case MD_TEXT_ENTITY: {
        std::string decoded;
        write(decode_entity(text, decoded) ? std::string_view(decoded) : text);
        break;
      }
      default: write(text);
    }
  }

  std::string finish() {
    while (!out_.empty() && (out_.back() == '\n' || out_.back() == ' ')) out_.pop_back();
    return std::move(out_);
  }

 private:
  struct List {
    bool ordered = false;
    bool tight = true;
    unsigned next_number = 1;
  };
  struct Link {
    std::optional<std::string> destination;
    std::size_t text_start = 0;
  };

  // Writes text, indenting each new line; line breaks inside it (code blocks) start new lines.
  void write(std::string_view text) {
    while (!text.empty()) {
      start_line();
      const std::size_t line_break = text.find('\n');
      out_ += text.substr(0, line_break);
      if (line_break == std::string_view::npos) return;
      new_line();
      text.remove_prefix(line_break + 1);
    }
  }

  void start_line() {
    if (!at_line_start_) return;
    out_ += indent_;
    at_line_start_ = false;
  }

  void new_line() {
    out_ += '\n';
    at_line_start_ = true;
  }

  // Starts a block on a new line, after a blank line when `blank_line`; the first block of a list item
  // continues the item's marker line instead.
  void separate(bool blank_line) {
    if (item_start_) {
      item_start_ = false;
      return;
    }
    if (out_.empty()) return;
    if (!at_line_start_) new_line();
    if (blank_line && !(out_.size() >= 2 && out_.ends_with("\n\n"))) new_line();
  }

  std::string out_;
  std::string indent_;
  std::vector<std::size_t> indents_;  // indent_'s length before each open quote or list item
  std::vector<List> lists_;
  std::vector<Link> links_;
  bool at_line_start_ = true;
  bool item_start_ = false;
  int cell_index_ = 0;
};

}  // namespace

Result<std::string> render_markdown_html(std::string_view markdown) {
  return Walk<HtmlRenderer>::run(markdown);
}

Result<std::string> markdown_to_plain_text(std::string_view markdown) {
  return Walk<PlainTextRenderer>::run(markdown);
}

std::string render_plain_text_html(std::string_view text) {
  std::string html;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = text.find("\n\n", start);
    if (end == std::string_view::npos) end = text.size();
    std::string paragraph;
    std::size_t line_start = start;
    for (std::size_t i = start; i <= end; ++i) {
      if (i == end || text[i] == '\n') {
        std::string_view line = text.substr(line_start, i - line_start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line_start > start) paragraph += "<br>";
        append_html_escaped(paragraph, line);
        line_start = i + 1;
      }
    }
    if (paragraph != "" && paragraph != "<br>") html += "<p dir=\"auto\">" + paragraph + "</p>";
    start = end + 2;
  }
  return html;
}

}  // namespace barid::mailbox
