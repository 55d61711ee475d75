#include <barid/core/log.hpp>
#include <barid/core/time.hpp>

#include <cstdio>
#include <mutex>

namespace barid::log {
namespace {

struct Sink {
  std::mutex mutex;
  std::FILE* file = stderr;
  bool owns_file = false;
  Level minimum = Level::info;
};

Sink& sink() {
  static Sink instance;
  return instance;
}

const char* level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warning: return "warning";
    case Level::error: return "error";
  }
  return "info";
}

}  // namespace

void write_to_stderr() {
  auto& s = sink();
  std::lock_guard lock(s.mutex);
  if (s.owns_file) std::fclose(s.file);
  s.file = stderr;
  s.owns_file = false;
}

bool write_to_file(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (file == nullptr) return false;
  auto& s = sink();
  std::lock_guard lock(s.mutex);
  if (s.owns_file) std::fclose(s.file);
  s.file = file;
  s.owns_file = true;
  return true;
}

void set_minimum_level(Level level) {
  auto& s = sink();
  std::lock_guard lock(s.mutex);
  s.minimum = level;
}

void event(Level level, std::string_view name, const Json& fields) {
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
  auto& s = sink();
  std::lock_guard lock(s.mutex);
  if (level < s.minimum) return;
  std::fwrite(text.data(), 1, text.size(), s.file);
  std::fflush(s.file);
}

}  // namespace barid::log
