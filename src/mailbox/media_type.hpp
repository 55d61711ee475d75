// What an attachment really is, read from its bytes with libmagic (never from its name), and
// whether a letter may carry it.
#pragma once

#include <barid/core/result.hpp>

#include <string>
#include <string_view>

namespace barid::mailbox::detail {

// The media type libmagic finds in `content`, e.g. "application/pdf"; "application/octet-stream"
// when it finds nothing better.
std::string detect_media_type(std::string_view content);

// Allowed: documents, images, text and office files. Refused with attachment_is_executable (programs,
// libraries, scripts) or attachment_type_not_allowed (archives and anything else that could hide one).
Status check_attachment_type(const std::string& media_type, const std::string& file_name);

}  // namespace barid::mailbox::detail
