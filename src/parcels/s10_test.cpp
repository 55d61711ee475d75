#include <barid/parcels/s10.hpp>

#include <gtest/gtest.h>

#include <set>

namespace barid::parcels {
namespace {

TEST(S10, CheckDigitMatchesTheReferenceVectors) {
  EXPECT_EQ(s10_check_digit("47312482"), 9);
  EXPECT_EQ(s10_check_digit("12345678"), 5);
  EXPECT_EQ(s10_check_digit("00000000"), 5);
  EXPECT_EQ(s10_check_digit("1234567"), -1);
  EXPECT_EQ(s10_check_digit("1234567X"), -1);
}

TEST(S10, ValidIdsAreNormalised) {
  EXPECT_EQ(normalize_s10("RB123456785GB").value(), "RB123456785GB");
  EXPECT_EQ(normalize_s10("rb 123 456 785 gb").value(), "RB123456785GB");
  // Arabic-Indic and Eastern Arabic-Indic digits, as a phone keyboard types them.
  EXPECT_EQ(normalize_s10("RB١٢٣٤٥٦٧٨٥GB").value(), "RB123456785GB");
  EXPECT_EQ(normalize_s10("RB۱۲۳۴۵۶۷۸۵GB").value(), "RB123456785GB");
}

TEST(S10, InvalidIdsSayWhatIsWrong) {
  const auto code_and_message = [](std::string_view text) {
    auto result = normalize_s10(text);
    EXPECT_FALSE(result.ok()) << text;
    return result ? std::string() : result.error().code + ": " + result.error().message;
  };
  EXPECT_NE(code_and_message("RB123456784GB").find("check digit"), std::string::npos);
  EXPECT_NE(code_and_message("RB123456785XX").find("'XX' is not an ISO 3166-1"), std::string::npos);
  EXPECT_NE(code_and_message("R1123456785GB").find("starts with 2 letters"), std::string::npos);
  EXPECT_NE(code_and_message("RB12345678AGB").find("9 digits"), std::string::npos);
  EXPECT_NE(code_and_message("RB12345678GB").find("13 characters"), std::string::npos);
  EXPECT_EQ(code_and_message("").substr(0, 15), "invalid_item_id");
}

TEST(S10, EverySingleDigitErrorIsCaught) {
  const std::string id = make_s10("CP", 47312482, "DZ");
  ASSERT_EQ(id, "CP473124829DZ");
  for (std::size_t position = 2; position < 11; ++position) {
    for (char digit = '0'; digit <= '9'; ++digit) {
      if (digit == id[position]) continue;
      std::string typo = id;
      typo[position] = digit;
      EXPECT_FALSE(normalize_s10(typo).ok()) << typo;
    }
  }
}

TEST(S10, MadeIdsAreValidAndGrouped) {
  for (std::uint32_t serial : {0u, 1u, 47312482u, 99'999'999u}) {
    const auto id = make_s10("EE", serial, "EG");
    EXPECT_TRUE(normalize_s10(id).ok()) << id;
  }
  EXPECT_EQ(make_s10("RR", 0, "MA"), "RR000000005MA");
  EXPECT_EQ(group_s10("CP473124829DZ"), "CP 473 124 829 DZ");
}

TEST(S10, CountryCodesAreTheAssignedOnes) {
  for (auto code : {"DZ", "EG", "MA", "TN", "SA", "AE", "JO", "LB", "SY", "IQ", "PS", "GB", "ZW", "AD"})
    EXPECT_TRUE(is_country_code(code)) << code;
  for (auto code : {"UK", "XX", "EU", "ZZ", "AA", "eg", "E", "EGY", ""}) EXPECT_FALSE(is_country_code(code)) << code;
}

TEST(Products, LimitsAreChecked) {
  const auto* parcel = product_by_code("C");
  ASSERT_NE(parcel, nullptr);
  EXPECT_TRUE(check_item_size(*parcel, 1'250, 300, 200, 100).ok());
  EXPECT_EQ(check_item_size(*parcel, 30'001, 300, 200, 100).error().code, "invalid_item");
  // 1,400 + 2 × (500 + 400) = 3,200 mm of length plus girth: too big.
  EXPECT_NE(check_item_size(*parcel, 1'000, 1'400, 500, 400).error().message.find("girth"), std::string::npos);
  EXPECT_FALSE(check_item_size(*parcel, 0, 300, 200, 100).ok());
  EXPECT_FALSE(check_item_size(*parcel, 100, 300, -1, 100).ok());
  const auto* letter = product_by_code("R");
  ASSERT_NE(letter, nullptr);
  EXPECT_FALSE(check_item_size(*letter, 2'500, 300, 200, 10).ok());
  EXPECT_FALSE(check_item_size(*letter, 100, 600, 300, 10).ok());  // 910 mm in all
  EXPECT_TRUE(check_item_size(*letter, 100, 600, 290, 10).ok());
  EXPECT_EQ(product_by_code("Z"), nullptr);
}

TEST(EventCodes, TheReferenceTableIsComplete) {
  std::set<std::string_view> codes;
  for (const auto& event : event_codes()) codes.insert(event.code);
  for (auto code : {"EMA", "EMB", "EXD", "EXX", "EMC", "EXA", "EXB", "EXC", "EMJ", "EMK", "EMD", "EDA", "EMF",
                    "EDX", "EDB", "EME", "EDC", "EDD", "EDE", "EMG", "EDF", "EDG", "EDH", "EMH", "EMI"})
    EXPECT_TRUE(codes.contains(code)) << code;
  EXPECT_EQ(codes.size(), 25u);
  EXPECT_TRUE(event_code("EMH")->needs_reason);
  EXPECT_TRUE(event_code("EMI")->delivery_attempt);
  EXPECT_TRUE(event_code("EME")->key);
  EXPECT_EQ(event_code("XYZ"), nullptr);
}

}  // namespace
}  // namespace barid::parcels
