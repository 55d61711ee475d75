// Postal account numbers, amounts and fees: the pure rules of the payments module. The services
// themselves are tested over HTTP on both databases in tests/payments_api_test.cpp.
#include <barid/payments/bills.hpp>
#include <barid/payments/payments.hpp>

#include <cstdio>
#include <fstream>
#include <regex>

#include <unistd.h>

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

// xmllint's verdict on a document: empty when it is well-formed XML.
std::string xml_problems(const std::string& xml) {
  char path[] = "/tmp/barid-camt-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return "cannot write a temporary file";
  ::close(fd);
  std::ofstream(path, std::ios::binary) << xml;
  FILE* pipe = ::popen(("xmllint --noout " + std::string(path) + " 2>&1").c_str(), "r");
  std::string output;
  char buffer[1024];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = ::pclose(pipe);
  std::remove(path);
  return status == 0 ? "" : output.empty() ? "xmllint failed" : output;
}

TEST(Camt053, HostileTextStaysWellFormedAndWithinTheSchemasLengths) {
  Statement s;
  s.account.number = make_account_number("EG", "0000123456789012");
  s.account.currency = "EGP";
  s.account.holder_name = "Acme\x01 & <Co> \"quoted\" \xEF\xBF\xBE" + std::string(200, 'x');
  s.from_ms = 1'798'761'600'000;  // 2027-01-01
  s.to_ms = s.from_ms + 86'400'000;
  s.opening_balance = -150;
  s.closing_balance = 9'850;
  s.total_credits = 10'000;
  StatementEntry entry;
  entry.payment_id = "340282366920938463463374607431768211455";  // 2^128 - 1
  entry.transfer_id = entry.payment_id;
  entry.booked_at_ms = s.from_ms + 1000;
  entry.credit = true;
  entry.amount = 10'000;
  entry.kind = "bill";
  entry.reference = std::string(64, 'R');
  entry.counterparty = make_account_number("EG", "0000000000000009");
  entry.counterparty_name = "سلمى \x07 <script>";
  entry.balance_after = 9'850;
  s.entries.push_back(entry);
  StatementEntry counter = entry;
  counter.kind = "cash_in";
  counter.counterparty_name.reset();
  counter.reference.reset();
  s.entries.push_back(counter);

  const std::string xml = camt053(s, s.to_ms);
  EXPECT_EQ(xml_problems(xml), "");
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  EXPECT_EQ(xml.find('\x07'), std::string::npos);
  EXPECT_EQ(xml.find("\xEF\xBF\xBE"), std::string::npos);
  EXPECT_NE(xml.find("&amp; &lt;Co&gt;"), std::string::npos);
  EXPECT_EQ(xml.find("<Nm></Nm>"), std::string::npos);
  // Identifiers within 35 characters, names within 140, the creditor reference within 35.
  for (const char* tag : {"MsgId", "Id", "NtryRef", "AcctSvcrRef", "Ref"}) {
    const std::regex element(std::string("<") + tag + ">([^<]*)</" + tag + ">");
    for (auto it = std::sregex_iterator(xml.begin(), xml.end(), element); it != std::sregex_iterator(); ++it) {
      EXPECT_LE((*it)[1].length(), 35u) << tag << ": " << (*it)[1];
    }
  }
  const std::regex name("<Nm>([^<]*)</Nm>");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), name); it != std::sregex_iterator(); ++it) {
    EXPECT_LE((*it)[1].length(), 140u * 4);
  }
  EXPECT_NE(xml.find("<Ref>" + std::string(35, 'R') + "</Ref>"), std::string::npos);
  EXPECT_NE(xml.find("<Ustrd>" + std::string(64, 'R') + "</Ustrd>"), std::string::npos);
  EXPECT_NE(xml.find("<Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EGP\">1.50</Amt><CdtDbtInd>DBIT"), std::string::npos);
  EXPECT_NE(
      xml.find(
          "<Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EGP\">98.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2027-01-01"),
      std::string::npos);
}

}  // namespace
}  // namespace barid::payments
