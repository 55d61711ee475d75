#include <barid/core/log.hpp>

#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace barid {
namespace {

std::vector<Json> logged_lines(const std::string& path) {
  std::ifstream file(path);
  std::vector<Json> lines;
  std::string line;
  while (std::getline(file, line)) lines.push_back(Json::parse(line));
  return lines;
}

TEST(Log, FieldLinesAreValidJsonEvenForHostileText) {
  char path[] = "/tmp/barid-log-test-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ASSERT_TRUE(log::write_to_file(path));
  log::fields(log::Level::info, "probe",
              {{"quote", std::string_view("a\"b\\c\n\t\x01")},
               {"bad_utf8", std::string_view("\xFF\xFE")},
               {"arabic", std::string_view("بريد")},
               {"count", std::int64_t{42}},
               {"ms", 1.5}});
  log::event(log::Level::warning, "tree", {{"k", "v"}});
  log::write_to_stderr();
  const auto lines = logged_lines(path);
  std::remove(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["event"], "probe");
  EXPECT_EQ(lines[0]["quote"], "a\"b\\c\n\t\x01");
  EXPECT_EQ(lines[0]["bad_utf8"], "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(lines[0]["arabic"], "بريد");
  EXPECT_EQ(lines[0]["count"], 42);
  EXPECT_EQ(lines[0]["ms"], 1.5);
  EXPECT_EQ(lines[1]["level"], "warning");
  EXPECT_EQ(lines[1]["k"], "v");
  EXPECT_TRUE(lines[1].contains("time"));
}

}  // namespace
}  // namespace barid
