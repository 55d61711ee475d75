#include "pdf_test_support.hpp"

#include <glib.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace barid::documents::test_support {

TemporaryDirectory::TemporaryDirectory() {
  std::string pattern = (std::filesystem::temp_directory_path() / "barid-documents-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TemporaryDirectory::~TemporaryDirectory() {
  std::filesystem::remove_all(path_);
}

std::string write_file(const TemporaryDirectory& directory, const std::string& name, const std::string& bytes) {
  std::string path = directory.file(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

CommandOutput run(const std::string& command) {
  CommandOutput result;
  FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.out.append(buffer, read);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string tool_output(const std::string& command) {
  const CommandOutput result = run(command);
  EXPECT_EQ(result.exit_code, 0) << command << " failed" << (result.exit_code == 127 ? " (not installed?)" : "");
  return result.out;
}

std::string squeeze(const std::string& text) {
  gchar* normalised = g_utf8_normalize(text.data(), static_cast<gssize>(text.size()), G_NORMALIZE_NFKC);
  if (normalised == nullptr) return "<invalid UTF-8>";
  std::string result;
  for (const gchar* at = normalised; *at != '\0'; at = g_utf8_next_char(at)) {
    const gunichar c = g_utf8_get_char(at);
    const bool bidi_format = c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
    if (g_unichar_isspace(c) || bidi_format) continue;
    result.append(at, static_cast<std::size_t>(g_utf8_next_char(at) - at));
  }
  g_free(normalised);
  return result;
}

bool contains_text(const std::string& extracted, const std::string& expected) {
  return squeeze(extracted).find(squeeze(expected)) != std::string::npos;
}

}  // namespace barid::documents::test_support
