#include <barid/core/json.hpp>

#include <gtest/gtest.h>

namespace barid {
namespace {

TEST(Utf8, AcceptsArabicAndEmoji) {
  EXPECT_TRUE(is_valid_utf8("بريد"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x93\xAE"));
  EXPECT_EQ(utf8_length("بريد"), 4u);
}

TEST(Utf8, RejectsOverlongSurrogatesAndTruncation) {
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(ParseJson, GivesStableCodesForEachKindOfBadInput) {
  EXPECT_EQ(parse_json("{\"a\":").error().code, "malformed_json");
  EXPECT_EQ(parse_json("{\"a\":\"\xFF\"}").error().code, "invalid_utf8");
  EXPECT_EQ(parse_json(std::string(40, '[') + std::string(40, ']')).error().code, "json_too_deep");
  EXPECT_EQ(parse_json("[1,2,3]", JsonLimits{32, 4}).error().code, "payload_too_large");
  EXPECT_EQ(parse_json_object("[1]").error().code, "body_must_be_object");
  EXPECT_EQ(parse_json("\"\\ud800\"").error().code, "malformed_json");  // lone surrogate escape
}

TEST(ParseJson, BracketsInsideStringsDoNotCountAsNesting) {
  auto parsed = parse_json("{\"a\":\"" + std::string(100, '[') + "\"}");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)["a"].get<std::string>().size(), 100u);
}

TEST(FieldReader, NamesTheFieldInEachError) {
  const Json body = Json::parse(R"({"login":"ab","age":"x","n":5,"tags":["a",3]})");
  FieldReader reader(body);
  EXPECT_EQ(reader.required_string("missing", 1, 10).error().code, "missing_field");
  auto short_login = reader.required_string("login", 3, 10);
  EXPECT_EQ(short_login.error().code, "invalid_field");
  EXPECT_NE(short_login.error().message.find("login"), std::string::npos);
  EXPECT_EQ(reader.required_int("age", 0, 10).error().code, "invalid_field");
  EXPECT_EQ(reader.required_int("n", 0, 4).error().code, "invalid_field");
  EXPECT_EQ(*reader.required_int("n", 0, 5), 5);
  EXPECT_EQ(reader.required_string_array("tags", 5, 5).error().code, "invalid_field");
}

TEST(FieldReader, CountsCharactersNotBytes) {
  const Json body = Json::parse(R"({"name":"محمد"})");
  EXPECT_TRUE(FieldReader(body).required_string("name", 4, 4).ok());
}

}  // namespace
}  // namespace barid

namespace barid {
namespace {

TEST(ParseJson, NumberTooLargeIsMalformedNotACrash) {
  EXPECT_EQ(parse_json(R"({"x":1e400})").error().code, "malformed_json");
  EXPECT_EQ(parse_json(R"({"x":-1e400})").error().code, "malformed_json");
}

TEST(FieldReader, RefusesNulInsideStrings) {
  const Json body = Json::parse(R"({"name":"a\u0000b","list":["x\u0000"]})");
  EXPECT_EQ(FieldReader(body).required_string("name", 1, 10).error().code, "invalid_field");
  EXPECT_EQ(FieldReader(body).required_string_array("list", 5, 5).error().code, "invalid_field");
}

}  // namespace
}  // namespace barid

namespace barid {
namespace {

TEST(JsonWriter, WritesTheSameBytesAsDumpWhenKeysAreSorted) {
  const std::string tricky =
      std::string("quote \" backslash \\ tab \t newline \n bell \x07 del \x7f ") + "عربي ‏ é \x01";
  JsonWriter writer;
  writer.begin_object()
      .key("a")
      .begin_array()
      .number(-5)
      .boolean(true)
      .null()
      .begin_object()
      .end_object()
      .begin_array()
      .end_array()
      .end_array()
      .key("b")
      .string(tricky)
      .key("c")
      .begin_object()
      .key("x")
      .number(9'007'199'254'740'993)
      .key("y")
      .optional_string(std::nullopt)
      .end_object()
      .end_object();
  const Json parsed = Json::parse(writer.text());
  EXPECT_EQ(parsed["b"], tricky);
  EXPECT_EQ(parsed["c"]["x"].get<std::int64_t>(), 9'007'199'254'740'993);
  EXPECT_EQ(parsed.dump(), writer.text());
}

}  // namespace
}  // namespace barid
