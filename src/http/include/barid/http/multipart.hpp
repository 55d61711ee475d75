// multipart/form-data (RFC 7578) request bodies, as browsers send file uploads. The parts are views into
// the body: nothing is copied, and the parse is linear in the body's size.
#pragma once

#include <barid/core/result.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace barid::http {

struct MultipartPart {
  std::string name;                     // form field name, as sent (valid UTF-8, no control characters)
  std::optional<std::string> filename;  // as sent (filename* with RFC 5987 UTF-8 or ISO-8859-1 wins over filename);
                                        // path components removed (what follows the last / or \), valid UTF-8
                                        // without control characters or bidirectional overrides, 1..255 bytes,
                                        // not "." or "..". filename="" with an empty body (a file input left
                                        // empty) gives nullopt.
  std::string content_type;             // as sent, lower-cased media type without parameters; "text/plain" if absent
  std::string_view body;                // a view into the request body passed in: valid while that body lives
};

struct MultipartLimits {
  std::size_t max_parts = 64;
  std::size_t max_part_header_bytes = 8 * 1024;  // all header lines of one part, with their line breaks
};

// Parses a multipart/form-data body. `content_type` is the request's Content-Type header value; its
// boundary parameter (quoted or not, 1..70 characters of RFC 2046's set) is required. The preamble and
// epilogue are ignored; a delimiter is "--boundary" at the start of the body or after CRLF, followed by
// optional spaces or tabs and CRLF (or "--" for the last one). Part headers end with CRLF; folded lines,
// bare CR or LF, and repeated Content-Disposition, Content-Type or parameters are refused, since
// parsers that disagree on them are how uploads get smuggled past filters.
// Errors: not_multipart (415: the media type is something else), invalid_multipart (400, the message
// says what: missing or invalid boundary, no closing delimiter, malformed part header, too many parts,
// part header too large, missing Content-Disposition form-data name, invalid field name, invalid filename).
Result<std::vector<MultipartPart>> parse_multipart_form_data(std::string_view content_type, std::string_view body,
                                                             const MultipartLimits& limits = {});

}  // namespace barid::http
