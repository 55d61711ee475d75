// Structured logging: one JSON object per line. Callers pass named fields, never whole requests,
// bodies or headers, so a password, token or letter text has no path into a log line.
#pragma once

#include <barid/core/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace barid::log {

enum class Level { debug, info, warning, error };

// Where lines go: standard error (the default) or a file, appended.
void write_to_stderr();
bool write_to_file(const std::string& path);
void set_minimum_level(Level level);

// {"time":"…","level":"info","event":"<event>", …fields}
void event(Level level, std::string_view name, const Json& fields = Json::object());
// The same line built without a JSON tree, for the per-request hot path.
struct Field {
  std::string_view key;
  std::variant<std::string_view, std::int64_t, double> value;
};
void fields(Level level, std::string_view name, std::initializer_list<Field> fields);

inline void info(std::string_view name, const Json& fields = Json::object()) {
  event(Level::info, name, fields);
}
inline void warning(std::string_view name, const Json& fields = Json::object()) {
  event(Level::warning, name, fields);
}
inline void error(std::string_view name, const Json& fields = Json::object()) {
  event(Level::error, name, fields);
}

}  // namespace barid::log
