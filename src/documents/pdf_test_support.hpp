// What the documents' tests share: a temporary directory, running the poppler and zbar tools (a
// missing tool fails the test), and comparing extracted Arabic and Latin text.
#pragma once

#include <filesystem>
#include <string>

namespace barid::documents::test_support {

inline constexpr double kPointsPerMm = 72.0 / 25.4;

class TemporaryDirectory {
 public:
  TemporaryDirectory();
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string write_file(const TemporaryDirectory& directory, const std::string& name, const std::string& bytes);

struct CommandOutput {
  int exit_code = -1;
  std::string out;
};

// Runs `command` through the shell (its stderr discarded) and returns its stdout. The paths in our
// commands come from mkdtemp and need no quoting.
CommandOutput run(const std::string& command);
// The output of a tool that must succeed; exit code 127 means the tool is not installed.
std::string tool_output(const std::string& command);

// What pdftotext (poppler 22) gives for Arabic from a Pango/Cairo PDF: the base letters (U+0621…,
// not presentation forms: cairo maps each shaped glyph back to its characters) in logical order,
// each right-to-left run wrapped in U+202B … U+202C, sometimes with a space inserted inside a word
// where two Amiri glyphs do not touch ("الإ يصال"), and, in a mixed line, the runs in visual order.
// So text is compared after removing white space and bidi formatting characters, after NFKC (which
// would also fold presentation forms, should another poppler produce them), one script run at a
// time.
std::string squeeze(const std::string& text);
bool contains_text(const std::string& extracted, const std::string& expected);

}  // namespace barid::documents::test_support
