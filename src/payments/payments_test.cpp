// Postal account numbers, amounts and fees: the pure rules of the payments module. The services
// themselves are tested over HTTP on both databases in tests/payments_api_test.cpp.
#include <barid/payments/payments.hpp>

#include <gtest/gtest.h>

namespace barid::payments {
namespace {

TEST(AccountNumber, Mod97IsIso7064AsIbanUsesIt) {
  // Published IBAN examples (ISO 13616): rearranged, each leaves 1 modulo 97.
  for (const std::string iban : {"GB82WEST12345698765432", "DE89370400440532013000", "EG380019000500000000263180002"}) {
    EXPECT_EQ(mod97(iban.substr(4) + iban.substr(0, 4)), 1) << iban;
  }
}

TEST(AccountNumber, MadeNumbersCarryValidCheckDigitsAndSingleErrorsAreCaught) {
  const std::string number = make_account_number("EG", "0000123456789012");
  ASSERT_EQ(number.size(), 23u);
  EXPECT_EQ(number.substr(0, 2), "EG");
  EXPECT_EQ(number.substr(4, 3), "BRD");
  EXPECT_TRUE(valid_account_number(number));
  // Every single-digit substitution and every adjacent transposition is detected.
  for (std::size_t i = 2; i < number.size(); ++i) {
    if (i >= 4 && i < 7) continue;
    for (char digit = '0'; digit <= '9'; ++digit) {
      if (digit == number[i]) continue;
      std::string altered = number;
      altered[i] = digit;
      EXPECT_FALSE(valid_account_number(altered)) << altered;
    }
    if (i + 1 < number.size() && number[i] != number[i + 1] && !(i + 1 >= 4 && i + 1 < 7)) {
      std::string swapped = number;
      std::swap(swapped[i], swapped[i + 1]);
      EXPECT_FALSE(valid_account_number(swapped)) << swapped;
    }
  }
}

TEST(AccountNumber, InputIsNormalisedAndMalformedNumbersAreRefused) {
  const std::string number = make_account_number("MA", "9999000011112222");
  const std::string spaced = format_account_number(number);
  EXPECT_EQ(spaced.substr(0, 5), "MA" + number.substr(2, 2) + " ");
  std::string lower = spaced;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_EQ(normalize_account_number(lower), number);
  EXPECT_EQ(normalize_account_number(""), std::nullopt);
  EXPECT_EQ(normalize_account_number(number.substr(0, 22)), std::nullopt);
  EXPECT_EQ(normalize_account_number(number + "0"), std::nullopt);
  EXPECT_EQ(normalize_account_number("EG00XXX0000000000000000"), std::nullopt);
  EXPECT_EQ(normalize_account_number(std::string(65, '1')), std::nullopt);
}

TEST(Amounts, AreFormattedWithTheCurrencysMinorUnits) {
  EXPECT_EQ(format_amount(12345, "EGP"), "123.45");
  EXPECT_EQ(format_amount(5, "EGP"), "0.05");
  EXPECT_EQ(format_amount(-150, "MAD"), "-1.50");
  EXPECT_EQ(format_amount(12345, "JOD"), "12.345");
  EXPECT_EQ(format_amount(0, "TND"), "0.000");
  EXPECT_EQ(format_amount(INT64_MIN, "EGP"), "-92233720368547758.08");
}

TEST(Fees, ProportionalPartRoundsUpAndFixedPartIsPerCurrency) {
  FeeRule rule{.basis_points = 25, .fixed = {{"MAD", 150}}};
  EXPECT_EQ(rule.fee_for(20000, "EGP"), 50);   // 0.25 % of 200.00
  EXPECT_EQ(rule.fee_for(1, "EGP"), 1);        // rounded up to the minor unit
  EXPECT_EQ(rule.fee_for(20000, "MAD"), 200);  // 1.50 MAD fixed + 0.50
  EXPECT_EQ(rule.fee_for(INT64_MAX, "EGP"), INT64_MAX / 400 + 1);
  EXPECT_EQ(FeeRule{}.fee_for(123456, "EGP"), 0);
}

}  // namespace
}  // namespace barid::payments
