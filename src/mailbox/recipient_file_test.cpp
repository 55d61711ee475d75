// Recipient files for bulk sending: what a good file yields, and which problem, on which line, each
// kind of mistake gives.
#include <barid/mailbox/recipient_file.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace barid::mailbox {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

RecipientFile csv(std::string_view text, const RecipientFileLimits& limits = {}) {
  return parse_recipient_file(text, RecipientFileFormat::csv, limits);
}
RecipientFile jsonl(std::string_view text, const RecipientFileLimits& limits = {}) {
  return parse_recipient_file(text, RecipientFileFormat::jsonl, limits);
}

// "line:code" for each reported problem, to compare in one expectation.
std::vector<std::string> problems_of(const RecipientFile& file) {
  std::vector<std::string> found;
  for (const auto& problem : file.problems) {
    EXPECT_FALSE(problem.message.empty()) << problem.code;
    found.push_back(std::to_string(problem.line) + ":" + problem.code);
  }
  return found;
}

using Problems = std::vector<std::string>;

TEST(RecipientCsvTest, ParsesRowsWithHeaderFields) {
  const auto file = csv("recipient,name,amount\n1234567890,Amina,1200.50\n2234567890,Omar,\n");
  EXPECT_TRUE(file.problems.empty());
  EXPECT_EQ(file.problem_count, 0u);
  ASSERT_EQ(file.rows.size(), 2u);
  EXPECT_EQ(file.rows[0].line, 2u);
  EXPECT_EQ(file.rows[0].recipient_type, "national_id");
  EXPECT_EQ(file.rows[0].recipient, "1234567890");
  EXPECT_EQ(file.rows[0].fields, (Fields{{"name", "Amina"}, {"amount", "1200.50"}}));
  EXPECT_EQ(file.rows[1].line, 3u);
  EXPECT_EQ(file.rows[1].fields, (Fields{{"name", "Omar"}, {"amount", ""}}));
}

TEST(RecipientCsvTest, ReadsRecipientTypeColumnInAnyPosition) {
  const auto file = csv("name,recipient_type,recipient\nA,registry_number,R-1\nB,,77\nC,authority_code,AC9\n");
  EXPECT_TRUE(file.problems.empty());
  ASSERT_EQ(file.rows.size(), 3u);
  EXPECT_EQ(file.rows[0].recipient_type, "registry_number");
  EXPECT_EQ(file.rows[0].recipient, "R-1");
  EXPECT_EQ(file.rows[0].fields, (Fields{{"name", "A"}}));
  EXPECT_EQ(file.rows[1].recipient_type, "national_id");
  EXPECT_EQ(file.rows[2].recipient_type, "authority_code");
}

TEST(RecipientCsvTest, HandlesQuotedFieldsEscapesAndEmbeddedNewlines) {
  const auto file = csv("recipient,address,note\n\"1\",\"12 \"\"Palm\"\" St\nApt 3\",\"a,b\"\n2,x,\"\"\n");
  EXPECT_TRUE(file.problems.empty()) << problems_of(file).front();
  ASSERT_EQ(file.rows.size(), 2u);
  EXPECT_EQ(file.rows[0].line, 2u);
  EXPECT_EQ(file.rows[0].fields, (Fields{{"address", "12 \"Palm\" St\nApt 3"}, {"note", "a,b"}}));
  EXPECT_EQ(file.rows[1].line, 4u);  // the record before spans lines 2 and 3
  EXPECT_EQ(file.rows[1].fields, (Fields{{"address", "x"}, {"note", ""}}));
}

TEST(RecipientCsvTest, AcceptsCrlfBomAndMissingFinalNewline) {
  for (const std::string& text :
       std::vector<std::string>{"\xEF\xBB\xBFrecipient,name\r\n1,A\r\n2,B", "recipient,name\r\n1,A\r\n2,B\r\n",
                                "recipient,name\n1,A\n2,B\r", "recipient,name\r\n1,\"A\"\r\n2,\"B\""}) {
    const auto file = csv(text);
    EXPECT_TRUE(file.problems.empty()) << text;
    ASSERT_EQ(file.rows.size(), 2u) << text;
    EXPECT_EQ(file.rows[0].fields, (Fields{{"name", "A"}})) << text;
    EXPECT_EQ(file.rows[1].fields, (Fields{{"name", "B"}})) << text;
    EXPECT_EQ(file.rows[1].line, 3u);
  }
}

TEST(RecipientCsvTest, SkipsEmptyLinesButCountsThem) {
  const auto file = csv("\nrecipient,name\n\n1,A\r\n\r\n\n2,B\n\n");
  EXPECT_TRUE(file.problems.empty());
  ASSERT_EQ(file.rows.size(), 2u);
  EXPECT_EQ(file.rows[0].line, 4u);
  EXPECT_EQ(file.rows[1].line, 7u);
}

TEST(RecipientCsvTest, UsesSemicolonsWhenTheHeaderHasNoComma) {
  const auto file = csv("recipient;name;amount\n1;Amina;1200,50\n");
  EXPECT_TRUE(file.problems.empty());
  ASSERT_EQ(file.rows.size(), 1u);
  EXPECT_EQ(file.rows[0].fields, (Fields{{"name", "Amina"}, {"amount", "1200,50"}}));
}

TEST(RecipientCsvTest, NormalizesArabicIndicDigitsAndTrimsIdentifiers) {
  // U+0661 U+0662 U+0663, then U+06F4 U+06F5, surrounded by spaces, RLM and a no-break space.
  const auto file = csv("recipient,name\n  \xD9\xA1\xD9\xA2\xD9\xA3  ,a\n\xE2\x80\x8F\xDB\xB4\xDB\xB5\xC2\xA0,b\n");
  EXPECT_TRUE(file.problems.empty());
  ASSERT_EQ(file.rows.size(), 2u);
  EXPECT_EQ(file.rows[0].recipient, "123");
  EXPECT_EQ(file.rows[1].recipient, "45");
}

TEST(RecipientCsvTest, KeepsArabicFieldValuesIntact) {
  const std::string name = "\xD8\xA3\xD9\x85\xD9\x8A\xD9\x86\xD8\xA9";
  const auto file = csv("recipient,name\n1," + name + "\n");
  ASSERT_EQ(file.rows.size(), 1u);
  EXPECT_EQ(file.rows[0].fields, (Fields{{"name", name}}));
}

TEST(RecipientCsvTest, ReportsLineOfMalformedCsvRecord) {
  const auto file = csv("recipient,name\n1,A\n2,\"B\"x\n3,C\n");
  EXPECT_EQ(problems_of(file), (Problems{"3:malformed_csv"}));
  EXPECT_EQ(file.rows.size(), 2u);  // the good rows are still read, to report everything at once
}

TEST(RecipientCsvTest, ReportsWrongColumnCountWithExpectedAndFound) {
  const auto file = csv("recipient,name,amount\n1,A\n2,B,3,4\n3,C,5\n");
  EXPECT_EQ(problems_of(file), (Problems{"2:wrong_column_count", "3:wrong_column_count"}));
  EXPECT_EQ(file.problems[0].message, "expected 3 columns, found 2");
  EXPECT_EQ(file.problems[1].message, "expected 3 columns, found 4");
}

TEST(RecipientCsvTest, ReportsUnterminatedQuoteWhereTheRecordStarts) {
  const auto file = csv("recipient,name\n1,A\n2,\"B\n3,C\n4,D\n");
  EXPECT_EQ(problems_of(file), (Problems{"3:unterminated_quote"}));
}

TEST(RecipientCsvTest, ReportsHeaderProblems) {
  EXPECT_EQ(problems_of(csv("name,amount\n1,2\n")), (Problems{"1:missing_recipient_column"}));
  EXPECT_EQ(problems_of(csv("recipient,name,name\n1,A,B\n")), (Problems{"1:duplicate_column"}));
  EXPECT_EQ(problems_of(csv("recipient,recipient\n1,2\n")), (Problems{"1:duplicate_column"}));
  EXPECT_EQ(problems_of(csv("recipient,first name,2nd,\n1,A,B,C\n")),
            (Problems{"1:invalid_column_name", "1:invalid_column_name", "1:invalid_column_name"}));
  EXPECT_EQ(problems_of(csv("recipient," + std::string(65, 'a') + "\n1,2\n")), (Problems{"1:invalid_column_name"}));
  EXPECT_TRUE(csv("recipient,_" + std::string(63, 'a') + "\n1,2\n").problems.empty());
  RecipientFileLimits limits;
  limits.max_fields = 2;
  EXPECT_EQ(problems_of(csv("recipient,recipient_type,a,b,c\n1,,2,3,4\n", limits)), (Problems{"1:too_many_fields"}));
  EXPECT_TRUE(csv("recipient,recipient_type,a,b\n1,,2,3\n", limits).problems.empty());
}

// Found by fuzz_recipient_file: rows were kept under a column name the header check refused.
TEST(RecipientCsvTest, ReadsNoRowsUnderAHeaderWithProblems) {
  const auto file = csv("recipient,na \"me,name,name\n1,A,B,C\n2,D,E\n");
  EXPECT_EQ(problems_of(file), (Problems{"1:invalid_column_name", "1:duplicate_column"}));
  EXPECT_TRUE(file.rows.empty());
}

TEST(RecipientCsvTest, ReportsRecipientProblems) {
  const auto file =
      csv("recipient,recipient_type\n"
          ",\n"
          "   ,national_id\n" +
          std::string(65, '7') + ",\n" + std::string(64, '7') +
          ",\n"
          "\"1\t2\",\n"
          "5,passport\n"
          "6,National_ID\n");
  EXPECT_EQ(problems_of(file),
            (Problems{"2:missing_recipient", "3:missing_recipient", "4:invalid_recipient", "6:invalid_recipient",
                      "7:invalid_recipient_type", "8:invalid_recipient_type"}));
  ASSERT_EQ(file.rows.size(), 1u);
  EXPECT_EQ(file.rows[0].line, 5u);
}

TEST(RecipientCsvTest, ReportsDuplicateRecipientNamingTheFirstLine) {
  const auto file =
      csv("recipient,recipient_type\n"
          "123,\n"
          "123,registry_number\n"
          "\xD9\xA1\xD9\xA2\xD9\xA3,national_id\n"
          " 123 ,registry_number\n");
  EXPECT_EQ(problems_of(file), (Problems{"4:duplicate_recipient", "5:duplicate_recipient"}));
  EXPECT_EQ(file.problems[0].message, "the same recipient (national_id) is already on line 2");
  EXPECT_EQ(file.problems[1].message, "the same recipient (registry_number) is already on line 3");
  EXPECT_EQ(file.rows.size(), 2u);
}

TEST(RecipientCsvTest, FindsDuplicatesAmongManyRows) {
  std::string text = "recipient\n";
  for (int i = 0; i < 5000; ++i) text += std::to_string(1'000'000 + i) + "\n";
  text += "1002500\n";
  const auto file = csv(text);
  EXPECT_EQ(problems_of(file), (Problems{"5002:duplicate_recipient"}));
  EXPECT_EQ(file.problems[0].message, "the same recipient (national_id) is already on line 2502");
  EXPECT_EQ(file.rows.size(), 5000u);
}

TEST(RecipientCsvTest, ReportsLimitsOfLinesFieldsAndRows) {
  RecipientFileLimits limits;
  limits.max_line_bytes = 20;
  limits.max_field_chars = 5;
  limits.max_rows = 2;
  EXPECT_EQ(problems_of(csv("recipient,name\n1,abcde\n2," + std::string(30, 'x') + "\n", limits)),
            (Problems{"3:line_too_long"}));
  // Characters, not bytes: five Arabic letters are ten bytes.
  EXPECT_TRUE(csv("recipient,name\n1,\xD8\xA8\xD8\xA8\xD8\xA8\xD8\xA8\xD8\xA8\n", limits).problems.empty());
  EXPECT_EQ(problems_of(csv("recipient,name\n1,abcdef\n", limits)), (Problems{"2:field_too_long"}));
  EXPECT_EQ(problems_of(csv("recipient\n1\n2\n\n3\n4\n", limits)), (Problems{"5:too_many_rows"}));
}

TEST(RecipientCsvTest, CountsTheCellsOfHugeRecordsWithoutHoldingThem) {
  RecipientFileLimits limits;
  limits.max_line_bytes = 1'000'000;
  EXPECT_EQ(problems_of(csv("recipient" + std::string(200'000, ',') + "\n1\n", limits)),
            (Problems{"1:too_many_fields"}));
  const auto file = csv("recipient,name\n1" + std::string(100'000, ',') + "\n", limits);
  EXPECT_EQ(problems_of(file), (Problems{"2:wrong_column_count"}));
  EXPECT_EQ(file.problems[0].message, "expected 2 columns, found 100001");
  EXPECT_EQ(problems_of(csv("recipient,name\n1,\"a\"\"b\",\"c\"\"d\"\n", limits)), (Problems{"2:wrong_column_count"}));
}

TEST(RecipientCsvTest, ReportsHeaderWithoutRows) {
  EXPECT_EQ(problems_of(csv("recipient,name\n\n")), (Problems{"0:no_recipients"}));
}

TEST(RecipientFileTest, ReportsEmptyFile) {
  for (const char* text : {"", "\n\n", "\xEF\xBB\xBF", "  \r\n"}) {
    EXPECT_EQ(problems_of(csv(text)), (Problems{"0:empty_file"})) << text;
    EXPECT_EQ(problems_of(jsonl(text)), (Problems{"0:empty_file"})) << text;
  }
}

TEST(RecipientFileTest, ReportsNulByteOnItsLine) {
  const auto file = csv(std::string("recipient\n1\n2\0\n", 15));
  EXPECT_EQ(problems_of(file), (Problems{"3:nul_byte"}));
  EXPECT_TRUE(file.rows.empty());
}

TEST(RecipientFileTest, ReportsFileInAnotherEncoding) {
  // UTF-16LE with its byte order mark, and Windows-1256 Arabic.
  EXPECT_EQ(problems_of(csv(std::string("\xFF\xFEr\0e\0", 6))), (Problems{"0:not_utf8"}));
  EXPECT_EQ(problems_of(csv("recipient,name\n1,\xC3\xE3\xED\xE4\xC9\n2,\xDA\xE3\xD1\n")), (Problems{"0:not_utf8"}));
  EXPECT_EQ(problems_of(jsonl("{\"recipient\":\"1\",\"fields\":{\"n\":\"\xC3\xE3\"}}\n")), (Problems{"0:not_utf8"}));
}

TEST(RecipientFileTest, ReportsInvalidUtf8OnTheLineInAnOtherwiseUtf8File) {
  const auto file = csv("recipient,name\n1,\xD8\xA3\n2,\xC3(\n3,\xD8\xA8\n");
  EXPECT_EQ(problems_of(file), (Problems{"3:invalid_utf8"}));
  EXPECT_EQ(file.rows.size(), 2u);
  EXPECT_EQ(problems_of(jsonl("{\"recipient\":\"\xD9\xA1\"}\n{\"recipient\":\"\xED\xA0\x80\"}\n")),
            (Problems{"2:invalid_utf8"}));
}

TEST(RecipientFileTest, CountsAllProblemsButReportsAHundred) {
  std::string text = "recipient,name\n";
  for (int i = 0; i < 250; ++i) text += "1\n";
  const auto file = csv(text);
  EXPECT_EQ(file.problems.size(), kMaxReportedRecipientFileProblems);
  EXPECT_EQ(file.problem_count, 250u);
  EXPECT_EQ(file.problems.front().line, 2u);
  EXPECT_EQ(file.problems.back().line, 101u);
}

TEST(RecipientJsonlTest, ParsesObjectsKeepingFieldOrderAndNumberText) {
  const auto file = jsonl(
      "{\"recipient\": \"1234567890\", \"fields\": {\"name\": \"Amina\", \"amount\": 1200.50, \"count\": 3, "
      "\"paid\": false, \"big\": 18446744073709551615, \"neg\": -7, \"exp\": 1E3}}\n"
      "\n"
      "{\"recipient_type\": \"authority_code\", \"recipient\": \"AC-1\", \"extra\": {\"nested\": [1, {}]}}\r\n");
  EXPECT_TRUE(file.problems.empty()) << problems_of(file).front();
  ASSERT_EQ(file.rows.size(), 2u);
  EXPECT_EQ(file.rows[0].line, 1u);
  EXPECT_EQ(file.rows[0].recipient_type, "national_id");
  EXPECT_EQ(file.rows[0].fields, (Fields{{"name", "Amina"},
                                         {"amount", "1200.50"},
                                         {"count", "3"},
                                         {"paid", "false"},
                                         {"big", "18446744073709551615"},
                                         {"neg", "-7"},
                                         {"exp", "1E3"}}));
  EXPECT_EQ(file.rows[1].line, 3u);
  EXPECT_EQ(file.rows[1].recipient_type, "authority_code");
  EXPECT_EQ(file.rows[1].recipient, "AC-1");
  EXPECT_TRUE(file.rows[1].fields.empty());
}

TEST(RecipientJsonlTest, AcceptsBomNullTypeAndNullFields) {
  const auto file = jsonl("\xEF\xBB\xBF{\"recipient\":\"\xDB\xB1\",\"recipient_type\":null,\"fields\":null}");
  EXPECT_TRUE(file.problems.empty());
  ASSERT_EQ(file.rows.size(), 1u);
  EXPECT_EQ(file.rows[0].recipient, "1");
  EXPECT_EQ(file.rows[0].recipient_type, "national_id");
}

TEST(RecipientJsonlTest, ReportsEachKindOfProblemOnItsLine) {
  const auto file = jsonl(
      "{\"recipient\": \"1\"\n"                                      // 1 malformed_json
      "[\"recipient\"]\n"                                            // 2 not_an_object
      "\"1\"\n"                                                      // 3 not_an_object
      "{\"recipient\": 5}\n"                                         // 4 invalid_recipient
      "{\"recipient\": [\"5\"]}\n"                                   // 5 invalid_recipient
      "{\"recipient\": \"6\", \"recipient_type\": \"passport\"}\n"   // 6 invalid_recipient_type
      "{\"recipient\": \"7\", \"recipient_type\": 1}\n"              // 7 invalid_recipient_type
      "{\"recipient\": \"8\", \"fields\": [1]}\n"                    // 8 invalid_fields
      "{\"recipient\": \"9\", \"fields\": {\"a b\": \"x\"}}\n"       // 9 invalid_field_name
      "{\"recipient\": \"10\", \"fields\": {\"a\": null}}\n"         // 10 invalid_field_value
      "{\"recipient\": \"11\", \"fields\": {\"a\": {\"b\": 1}}}\n"   // 11 invalid_field_value
      "{\"recipient\": \"12\", \"fields\": {\"a\": [1]}}\n"          // 12 invalid_field_value
      "{\"recipient\": \"13\", \"recipient\": \"14\"}\n"             // 13 duplicate_key
      "{\"recipient\": \"15\", \"fields\": {\"a\": 1, \"a\": 2}}\n"  // 14 duplicate_key
      "{\"fields\": {\"a\": 1}}\n"                                   // 15 missing_recipient
      "{\"recipient\": null}\n"                                      // 16 missing_recipient
      "{\"recipient\": \" \\u200f \"}\n"                             // 17 missing_recipient
      "{\"recipient\": \"1\\n2\"}\n"                                 // 18 invalid_recipient
      "{\"recipient\": \"19\"} {}\n"                                 // 19 malformed_json
      "{\"recipient\": \"20\", \"x\": " +
      std::string(40, '[') + std::string(40, ']') +
      "}\n"  // 20 malformed_json
      "{\"recipient\": \"21\"}\n"
      "{\"recipient\": \"21\"}\n");  // 22 duplicate_recipient
  EXPECT_EQ(problems_of(file),
            (Problems{"1:malformed_json",         "2:not_an_object",        "3:not_an_object",
                      "4:invalid_recipient",      "5:invalid_recipient",    "6:invalid_recipient_type",
                      "7:invalid_recipient_type", "8:invalid_fields",       "9:invalid_field_name",
                      "10:invalid_field_value",   "11:invalid_field_value", "12:invalid_field_value",
                      "13:duplicate_key",         "14:duplicate_key",       "15:missing_recipient",
                      "16:missing_recipient",     "17:missing_recipient",   "18:invalid_recipient",
                      "19:malformed_json",        "20:malformed_json",      "22:duplicate_recipient"}));
  ASSERT_EQ(file.rows.size(), 1u);
  EXPECT_EQ(file.rows[0].line, 21u);
}

TEST(RecipientJsonlTest, ReportsLimits) {
  RecipientFileLimits limits;
  limits.max_fields = 2;
  limits.max_field_chars = 3;
  limits.max_line_bytes = 60;
  limits.max_rows = 1;
  EXPECT_EQ(problems_of(jsonl("{\"recipient\":\"1\",\"fields\":{\"a\":1,\"b\":2,\"c\":3}}\n", limits)),
            (Problems{"1:too_many_fields"}));
  EXPECT_EQ(problems_of(jsonl("{\"recipient\":\"1\",\"fields\":{\"a\":\"abcd\"}}\n", limits)),
            (Problems{"1:field_too_long"}));
  EXPECT_EQ(problems_of(jsonl("{\"recipient\":\"1\",\"fields\":{\"a\":\"" + std::string(60, 'x') + "\"}}\n", limits)),
            (Problems{"1:line_too_long"}));
  EXPECT_EQ(problems_of(jsonl("{\"recipient\":\"1\"}\n\n{\"recipient\":\"2\"}\n", limits)),
            (Problems{"3:too_many_rows"}));
}

TEST(RecipientFileFormatTest, GuessesFromFileNameThenMediaType) {
  EXPECT_EQ(recipient_file_format("list.CSV", ""), RecipientFileFormat::csv);
  EXPECT_EQ(recipient_file_format("list.jsonl", "text/csv"), RecipientFileFormat::jsonl);
  EXPECT_EQ(recipient_file_format("list.ndjson", ""), RecipientFileFormat::jsonl);
  EXPECT_EQ(recipient_file_format("upload", "Text/CSV; charset=utf-8"), RecipientFileFormat::csv);
  EXPECT_EQ(recipient_file_format("upload.txt", "application/jsonl"), RecipientFileFormat::jsonl);
  EXPECT_EQ(recipient_file_format("", "application/x-ndjson"), RecipientFileFormat::jsonl);
  EXPECT_EQ(recipient_file_format("list.xlsx", "application/octet-stream"), std::nullopt);
  EXPECT_EQ(recipient_file_format("csv", ""), std::nullopt);
}

}  // namespace
}  // namespace barid::mailbox
