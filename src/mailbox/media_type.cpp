#include "media_type.hpp"

#include <magic.h>

#include <algorithm>
#include <array>
#include <memory>

namespace barid::mailbox::detail {
namespace {

struct MagicCloser {
  void operator()(magic_t handle) const { magic_close(handle); }
};

// libmagic handles are not thread-safe: each thread loads its own once.
magic_t thread_magic() {
  thread_local std::unique_ptr<std::remove_pointer_t<magic_t>, MagicCloser> handle = [] {
    magic_t made = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_ERROR);
    if (made != nullptr && magic_load(made, nullptr) != 0) {
      magic_close(made);
      made = nullptr;
    }
    return std::unique_ptr<std::remove_pointer_t<magic_t>, MagicCloser>(made);
  }();
  return handle.get();
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

constexpr std::array kAllowed = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/tiff",
    "text/plain",
    "text/csv",
    "text/xml",
    "application/xml",
    "application/json",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
};
constexpr std::array kAllowedPrefixes = {
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
};
constexpr std::array kExecutable = {
    "application/x-executable",
    "application/x-pie-executable",
    "application/x-sharedlib",
    "application/x-dosexec",
    "application/x-mach-binary",
    "application/x-msdownload",
    "application/x-object",
    "application/x-elf",
    "application/vnd.microsoft.portable-executable",
    "application/java-archive",
    "application/x-java-applet",
    "text/x-shellscript",
    "text/x-python",
    "text/x-perl",
    "text/x-php",
    "text/x-msdos-batch",
    "application/x-bytecode.python",
    "application/javascript",
    "text/javascript",
    "text/x-ruby",
    "text/x-script.python",
    "application/x-shellscript",
    "application/x-ms-shortcut",
    "text/html",
};

}  // namespace

std::string detect_media_type(std::string_view content) {
  magic_t handle = thread_magic();
  if (handle == nullptr || content.empty()) return "application/octet-stream";
  const char* found = magic_buffer(handle, content.data(), content.size());
  return found == nullptr ? "application/octet-stream" : std::string(found);
}

Status check_attachment_type(const std::string& media_type, const std::string& file_name) {
  const auto listed = [&media_type](const auto& list) {
    return std::any_of(list.begin(), list.end(), [&media_type](const char* type) { return media_type == type; });
  };
  if (listed(kExecutable)) {
    return make_error(ErrorKind::unsupported_media, "attachment_is_executable",
                      "attachment '" + file_name + "' is a program or script (" + media_type +
                          "); letters never carry executable content");
  }
  const bool allowed =
      listed(kAllowed) || std::any_of(kAllowedPrefixes.begin(), kAllowedPrefixes.end(),
                                      [&](const char* prefix) { return starts_with(media_type, prefix); });
  if (!allowed) {
    return make_error(
        ErrorKind::unsupported_media, "attachment_type_not_allowed",
        "attachment '" + file_name + "' is " + media_type +
            ", which letters may not carry (allowed: PDF, images, text, CSV, XML, JSON, office documents)");
  }
  return {};
}

}  // namespace barid::mailbox::detail
