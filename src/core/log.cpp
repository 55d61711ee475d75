#include <barid/core/log.hpp>
#include <barid/core/time.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>

namespace barid::log {
namespace {

// Each line goes out in one write(2) on a descriptor opened with O_APPEND, so lines from many
// threads never interleave and no lock is held across the system call.
std::atomic<int> sink_fd{STDERR_FILENO};
std::atomic<int> minimum_level{static_cast<int>(Level::info)};
std::mutex reopen_mutex;

const char* level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warning: return "warning";
    case Level::error: return "error";
  }
  return "info";
}

void replace_sink(int fd) {
  std::lock_guard lock(reopen_mutex);
  // The previous descriptor is left open: another thread may be writing to it this instant, and
  // a closed number could be reused by a client socket. Sinks change only at start-up and in tests.
  sink_fd.exchange(fd);
}

}  // namespace

void write_to_stderr() {
  replace_sink(STDERR_FILENO);
}

bool write_to_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  replace_sink(fd);
  return true;
}

void set_minimum_level(Level level) {
  minimum_level = static_cast<int>(level);
}

namespace {

void write_line(const std::string& text) {
  const int fd = sink_fd.load(std::memory_order_acquire);
  std::size_t written = 0;
  while (written < text.size()) {
    const auto n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to; the request itself must not fail
    written += static_cast<std::size_t>(n);
  }
}

// JSON string escaping; bytes that are not valid UTF-8 become U+FFFD like Json::dump's replace.
void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  if (!is_valid_utf8(text)) {
    out += Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace).substr(1);
    out.pop_back();
    out.push_back('"');
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte < 0x20) {
      out += "\\u00";
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

void fields(Level level, std::string_view name, std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < minimum_level.load(std::memory_order_relaxed)) return;
  std::string text;
  text.reserve(256);
  text += "{\"time\":\"";
  text += format_utc_ms(now_ms());
  text += "\",\"level\":\"";
  text += level_name(level);
  text += "\",\"event\":";
  append_json_string(text, name);
  for (const auto& field : fields) {
    text.push_back(',');
    append_json_string(text, field.key);
    text.push_back(':');
    if (const auto* value = std::get_if<std::string_view>(&field.value)) {
      append_json_string(text, *value);
    } else if (const auto* number = std::get_if<std::int64_t>(&field.value)) {
      text += std::to_string(*number);
    } else {
      text += Json(std::get<double>(field.value)).dump();
    }
  }
  text += "}\n";
  write_line(text);
}

void event(Level level, std::string_view name, const Json& fields) {
  if (static_cast<int>(level) < minimum_level.load(std::memory_order_relaxed)) return;
  Json line = Json::object();
  line["time"] = format_utc_ms(now_ms());
  line["level"] = level_name(level);
  line["event"] = name;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  // Replace rather than throw on invalid UTF-8: a log line must never take the server down.
  std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace);
  text.push_back('\n');
  write_line(text);
}

}  // namespace barid::log
