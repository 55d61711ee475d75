// The body is scanned once: each search for the next delimiter starts where the previous one ended,
// and each part's headers are looked for only within max_part_header_bytes.
#include <barid/http/multipart.hpp>

#include <barid/core/json.hpp>

#include <algorithm>
#include <utility>

namespace barid::http {
namespace {

constexpr std::size_t kMaxBoundaryChars = 70;
constexpr std::size_t kMaxFilenameBytes = 255;

Error invalid(std::string message) {
  return invalid_input("invalid_multipart", std::move(message));
}

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_boundary_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

std::string ascii_lowercase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

std::string_view trim_whitespace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// A header value of the form `value *( ";" name "=" ( token / quoted-string ) )`, as Content-Type and
// Content-Disposition are written.
struct HeaderValue {
  std::string value;                                            // lower-cased
  std::vector<std::pair<std::string, std::string>> parameters;  // names lower-cased, values unquoted

  const std::string* parameter(std::string_view name) const {
    for (const auto& [key, text] : parameters) {
      if (key == name) return &text;
    }
    return nullptr;
  }
};

// nullopt when malformed, or when a parameter appears twice (parsers disagree on which one wins).
// Inside quotes a backslash escapes only '"' and '\': browsers send Windows paths unescaped.
std::optional<HeaderValue> parse_header_value(std::string_view text) {
  HeaderValue header;
  std::size_t pos = 0;
  const auto skip_whitespace = [&] {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) ++pos;
  };
  const auto read_token = [&] {
    const std::size_t start = pos;
    while (pos < text.size() && is_token_char(text[pos])) ++pos;
    return text.substr(start, pos - start);
  };

  skip_whitespace();
  const std::size_t value_start = pos;
  while (pos < text.size() && (is_token_char(text[pos]) || text[pos] == '/')) ++pos;
  if (pos == value_start) return std::nullopt;
  header.value = ascii_lowercase(text.substr(value_start, pos - value_start));

  while (true) {
    skip_whitespace();
    if (pos == text.size()) return header;
    if (text[pos] != ';') return std::nullopt;
    ++pos;
    skip_whitespace();
    if (pos == text.size()) return header;  // a trailing ';' is harmless
    std::string name = ascii_lowercase(read_token());
    if (name.empty()) return std::nullopt;
    skip_whitespace();
    if (pos == text.size() || text[pos] != '=') return std::nullopt;
    ++pos;
    skip_whitespace();
    std::string value;
    if (pos < text.size() && text[pos] == '"') {
      ++pos;
      bool closed = false;
      while (pos < text.size()) {
        const char c = text[pos++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && pos < text.size() && (text[pos] == '"' || text[pos] == '\\')) {
          value += text[pos++];
          continue;
        }
        const auto byte = static_cast<unsigned char>(c);
        if ((byte < 0x20 && c != '\t') || byte == 0x7F) return std::nullopt;
        value += c;
      }
      if (!closed) return std::nullopt;
    } else {
      value = std::string(read_token());
      if (value.empty()) return std::nullopt;
    }
    if (header.parameter(name) != nullptr) return std::nullopt;
    header.parameters.emplace_back(std::move(name), std::move(value));
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 5987 ext-value: charset "'" [ language ] "'" percent-encoded bytes; UTF-8 and ISO-8859-1.
std::optional<std::string> decode_extended_value(std::string_view text) {
  const std::size_t first_quote = text.find('\'');
  if (first_quote == std::string_view::npos) return std::nullopt;
  const std::size_t second_quote = text.find('\'', first_quote + 1);
  if (second_quote == std::string_view::npos) return std::nullopt;
  const std::string charset = ascii_lowercase(text.substr(0, first_quote));
  const bool latin1 = charset == "iso-8859-1";
  if (charset != "utf-8" && !latin1) return std::nullopt;
  std::string decoded;
  for (std::size_t i = second_quote + 1; i < text.size(); ++i) {
    unsigned char byte = static_cast<unsigned char>(text[i]);
    if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hex_digit(text[i + 1]);
      const int low = hex_digit(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      byte = static_cast<unsigned char>(high * 16 + low);
      i += 2;
    } else if (!is_token_char(text[i]) || text[i] == '\'') {
      return std::nullopt;
    }
    if (latin1 && byte >= 0x80) {
      decoded += static_cast<char>(0xC0 | (byte >> 6));
      decoded += static_cast<char>(0x80 | (byte & 0x3F));
    } else {
      decoded += static_cast<char>(byte);
    }
  }
  return decoded;
}

// Control characters (C0, DEL, C1) and, for file names, the bidirectional overrides and isolates that
// make "invoice\u202Efdp.exe" display as "invoiceexe.pdf". `text` is valid UTF-8.
bool has_forbidden_characters(std::string_view text, bool forbid_bidi_controls) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    const auto third = i + 2 < text.size() ? static_cast<unsigned char>(text[i + 2]) : 0;
    if (byte < 0x20 || byte == 0x7F) return true;
    if (byte == 0xC2 && next >= 0x80 && next <= 0x9F) return true;  // U+0080..U+009F
    if (forbid_bidi_controls && byte == 0xE2) {
      if (next == 0x80 && third >= 0xAA && third <= 0xAE) return true;  // U+202A..U+202E
      if (next == 0x81 && third >= 0xA6 && third <= 0xA9) return true;  // U+2066..U+2069
    }
  }
  return false;
}

Result<std::optional<std::string>> part_filename(const HeaderValue& disposition, std::string_view part_body) {
  std::optional<std::string> sent;
  if (const std::string* extended = disposition.parameter("filename*"); extended != nullptr) {
    sent = decode_extended_value(*extended);
    if (!sent) return invalid("invalid filename: malformed filename* parameter");
  } else if (const std::string* plain = disposition.parameter("filename"); plain != nullptr) {
    sent = *plain;
  }
  if (!sent) return std::optional<std::string>{};
  if (sent->empty() && part_body.empty()) return std::optional<std::string>{};  // a file input left empty

  // Checked whole, before the path goes: a CR or LF anywhere in it is an attack, not a path.
  if (!is_valid_utf8(*sent)) return invalid("invalid filename: not valid UTF-8");
  if (has_forbidden_characters(*sent, true)) {
    return invalid("invalid filename: control or bidirectional override characters");
  }
  const std::size_t last_separator = sent->find_last_of("/\\");
  std::string name = last_separator == std::string::npos ? std::move(*sent) : sent->substr(last_separator + 1);
  if (name.empty() || name.size() > kMaxFilenameBytes) {
    return invalid("invalid filename: it must have 1 to " + std::to_string(kMaxFilenameBytes) + " bytes");
  }
  if (name == "." || name == "..") return invalid("invalid filename: '.' and '..' are not file names");
  return std::optional<std::string>(std::move(name));
}

Result<MultipartPart> parse_part(std::string_view header_block, std::string_view part_body) {
  std::optional<HeaderValue> disposition;
  std::optional<HeaderValue> content_type;
  // Each line ends with CRLF; header_block holds whole lines.
  while (!header_block.empty()) {
    const std::size_t line_end = header_block.find("\r\n");
    if (line_end == 0 || line_end == std::string_view::npos) return invalid("malformed part header");
    const std::string_view line = header_block.substr(0, line_end);
    header_block.remove_prefix(line_end + 2);
    if (line.find_first_of("\r\n") != std::string_view::npos) {
      return invalid("malformed part header: bare CR or LF");
    }
    if (line.front() == ' ' || line.front() == '\t') return invalid("malformed part header: folded line");
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return invalid("malformed part header: no field name");
    const std::string_view field_name = line.substr(0, colon);
    if (!std::all_of(field_name.begin(), field_name.end(), is_token_char)) {
      return invalid("malformed part header: invalid field name");
    }
    const std::string_view value = trim_whitespace(line.substr(colon + 1));
    const std::string lower_name = ascii_lowercase(field_name);
    std::optional<HeaderValue>* target = nullptr;
    if (lower_name == "content-disposition") target = &disposition;
    if (lower_name == "content-type") target = &content_type;
    if (target == nullptr) continue;
    if (target->has_value()) return invalid("malformed part header: " + std::string(field_name) + " twice");
    *target = parse_header_value(value);
    if (!target->has_value()) return invalid("malformed part header: " + std::string(field_name));
  }

  if (!disposition || disposition->value != "form-data") {
    return invalid("missing Content-Disposition form-data name");
  }
  const std::string* name = disposition->parameter("name");
  if (name == nullptr || name->empty()) return invalid("missing Content-Disposition form-data name");
  if (!is_valid_utf8(*name) || has_forbidden_characters(*name, false)) return invalid("invalid field name");

  MultipartPart part;
  part.name = *name;
  BARID_ASSIGN_OR_RETURN(part.filename, part_filename(*disposition, part_body));
  part.content_type = "text/plain";
  if (content_type) {
    const std::string& media_type = content_type->value;
    const std::size_t slash = media_type.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == media_type.size() ||
        media_type.find('/', slash + 1) != std::string::npos) {
      return invalid("malformed part header: Content-Type");
    }
    part.content_type = media_type;
  }
  part.body = part_body;
  return part;
}

Result<std::string> boundary_of(std::string_view content_type) {
  const std::string_view media_type = trim_whitespace(content_type.substr(0, content_type.find(';')));
  if (ascii_lowercase(media_type) != "multipart/form-data") {
    return make_error(ErrorKind::unsupported_media, "not_multipart", "the body must be multipart/form-data");
  }
  const auto header = parse_header_value(content_type);
  if (!header) return invalid("malformed Content-Type header");
  const std::string* boundary = header->parameter("boundary");
  if (boundary == nullptr) return invalid("missing boundary");
  if (boundary->empty() || boundary->size() > kMaxBoundaryChars || boundary->back() == ' ' ||
      !std::all_of(boundary->begin(), boundary->end(), is_boundary_char)) {
    return invalid("invalid boundary: 1 to 70 letters, digits or '()+_,-./:=? (not ending in a space)");
  }
  return *boundary;
}

struct Delimiter {
  std::size_t start = 0;  // where "\r\n--boundary" starts
  std::size_t next = 0;   // just after the delimiter line's CRLF, or after the closing "--"
  bool closing = false;
};

// The delimiter starting at `start` whose "--boundary" ends at `pos`, when a valid line end follows:
// optional spaces and tabs then CRLF, or "--" for the closing delimiter.
std::optional<Delimiter> delimiter_line(std::string_view body, std::size_t start, std::size_t pos) {
  if (body.substr(pos, 2) == "--") return Delimiter{start, pos + 2, true};
  while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
  if (body.substr(pos, 2) == "\r\n") return Delimiter{start, pos + 2, false};
  return std::nullopt;
}

// Finds the next delimiter line at or after `from`. Other occurrences of "\r\n--boundary" (followed by
// more boundary-like text) are content.
//
// string_view::find looks for '\r' with memchr and compares from there. That is linear however hostile
// the body: no character of "\n--boundary" is '\r', so two candidate matches never overlap. (A
// Boyer-Moore-Horspool search would not be: with a boundary of 70 'A's, a body of 'A's costs ~70
// comparisons per byte.)
std::optional<Delimiter> find_delimiter(std::string_view body, std::string_view delimiter, std::size_t from) {
  while (from < body.size()) {
    const std::size_t found = body.find(delimiter, from);
    if (found == std::string_view::npos) return std::nullopt;
    if (auto line = delimiter_line(body, found, found + delimiter.size())) return line;
    from = found + 1;
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<MultipartPart>> parse_multipart_form_data(std::string_view content_type, std::string_view body,
                                                             const MultipartLimits& limits) {
  BARID_ASSIGN_OR_RETURN(const std::string boundary, boundary_of(content_type));
  const std::string delimiter = "\r\n--" + boundary;

  // The first delimiter may open the body without the CRLF before it.
  const std::string_view dash_boundary = std::string_view(delimiter).substr(2);
  std::optional<Delimiter> current;
  if (body.starts_with(dash_boundary)) current = delimiter_line(body, 0, dash_boundary.size());
  if (!current) current = find_delimiter(body, delimiter, 0);
  if (!current) return invalid("no delimiter line for the boundary");

  std::vector<MultipartPart> parts;
  while (!current->closing) {
    if (parts.size() == limits.max_parts) {
      return invalid("too many parts (more than " + std::to_string(limits.max_parts) + ")");
    }
    const std::size_t part_start = current->next;
    if (part_start == body.size()) return invalid("no closing delimiter");
    std::size_t body_start = 0;
    std::string_view header_block;
    if (body.substr(part_start, 2) == "\r\n") {
      body_start = part_start + 2;
    } else {
      // The blank line ending the headers must lie within max_part_header_bytes (+ its own CRLF).
      const std::string_view window = body.substr(part_start, limits.max_part_header_bytes + 2);
      const std::size_t blank_line = window.find("\r\n\r\n");
      if (blank_line == std::string_view::npos) {
        if (body.size() - part_start > limits.max_part_header_bytes + 2) {
          return invalid("part header too large (more than " + std::to_string(limits.max_part_header_bytes) +
                         " bytes)");
        }
        return invalid("malformed part header: no blank line after the headers");
      }
      header_block = window.substr(0, blank_line + 2);
      body_start = part_start + blank_line + 4;
    }
    // The blank line's CRLF may double as the delimiter's: an empty body right after the headers.
    const auto next = find_delimiter(body, delimiter, body_start - 2);
    if (!next) return invalid("no closing delimiter");
    const std::size_t body_end = std::max(next->start, body_start);
    BARID_ASSIGN_OR_RETURN(MultipartPart part,
                           parse_part(header_block, body.substr(body_start, body_end - body_start)));
    parts.push_back(std::move(part));
    current = next;
  }
  return parts;
}

}  // namespace barid::http
