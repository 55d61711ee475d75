#include <barid/customs/customs.hpp>

#include <gtest/gtest.h>

namespace barid::customs {
namespace {

Json declaration() {
  return Json::parse(R"({
    "category": "sale_of_goods", "currency": "EGP", "total_value": 450000, "gross_weight_g": 1300,
    "postage": 15000, "importer_reference": "EG-TAX-123456", "invoice": "INV-77",
    "lines": [
      {"description": "Kaftan, embroidered silk", "quantity": 1, "net_weight_g": 900, "value": 400000,
       "hs_code": "6204.49", "origin_country": "DZ"},
      {"description": "Leather babouches", "quantity": 2, "net_weight_g": 350, "value": 50000,
       "hs_code": "٦٤٠٣٥٩", "origin_country": "MA"}]})");
}

TEST(Declaration, IsReadWithItsLinesAndNormalisedHsCodes) {
  auto parsed = declaration_from_json(declaration());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->lines.size(), 2u);
  EXPECT_EQ(parsed->lines[0].hs_code, "620449");
  EXPECT_EQ(parsed->lines[1].hs_code, "640359");
  EXPECT_EQ(parsed->importer_reference, "EG-TAX-123456");
  const auto json = declaration_json({"HA001000003DZ", "CN23", *parsed, 0});
  EXPECT_EQ(json["lines"][1]["origin_country"], "MA");
  EXPECT_EQ(declaration_from_json(json).value().total_value, 450000);
}

TEST(Declaration, TotalsMustAddUp) {
  Json body = declaration();
  body["total_value"] = 450001;
  auto result = declaration_from_json(body);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, "declaration_totals_mismatch");
  EXPECT_NE(result.error().message.find("450000"), std::string::npos);
  body = declaration();
  body["gross_weight_g"] = 1000;  // the lines weigh 1,250 g net
  EXPECT_EQ(declaration_from_json(body).error().code, "declaration_totals_mismatch");
}

TEST(Declaration, BadFieldsAreNamed) {
  const auto code_of = [](const Json& body) {
    auto result = declaration_from_json(body);
    return result ? std::string("ok") : result.error().code + ": " + result.error().message;
  };
  Json body = declaration();
  body["category"] = "contraband";
  EXPECT_EQ(code_of(body).substr(0, 19), "invalid_declaration");
  body = declaration();
  body["lines"][1]["hs_code"] = "6403";
  EXPECT_NE(code_of(body).find("lines[1].hs_code"), std::string::npos);
  body = declaration();
  body["lines"][0]["origin_country"] = "XX";
  EXPECT_NE(code_of(body).find("lines[0].origin_country"), std::string::npos);
  body = declaration();
  body["lines"][0].erase("quantity");
  EXPECT_NE(code_of(body).find("lines[0]."), std::string::npos);
  body = declaration();
  body["lines"] = Json::array();
  EXPECT_NE(code_of(body).find("1 to 50"), std::string::npos);
  body = declaration();
  body["lines"][0]["hs_code"] = nullptr;  // missing HS codes are allowed (and flagged by the risk rules)
  EXPECT_EQ(code_of(body), "ok");
}

TEST(Assessment, DutyAndVatByChapterAboveTheDeMinimis) {
  const auto parsed = declaration_from_json(declaration()).value();
  Tariff tariff{"EGP", 100000, {{"62", {3000, 1400}}, {"*", {1000, 1400}}}};
  const auto assessed = assess(parsed, tariff);
  EXPECT_FALSE(assessed.below_de_minimis);
  // Line 1: 30 % of 4,000.00 = 1,200.00 duty; VAT 14 % of 5,200.00 = 728.00.
  // Line 2: 10 % of 500.00 = 50.00 duty; VAT 14 % of 550.00 = 77.00.
  EXPECT_EQ(assessed.duty, 125000);
  EXPECT_EQ(assessed.vat, 80500);
  EXPECT_EQ(assessed.total, 205500);
  tariff.de_minimis = 450000;
  EXPECT_TRUE(assess(parsed, tariff).below_de_minimis);
  EXPECT_EQ(assess(parsed, tariff).total, 0);
  // A chapter the tariff does not name, and no "*": nothing is due.
  EXPECT_EQ(assess(parsed, Tariff{"EGP", 0, {{"01", {500, 0}}}}).total, 0);
}

}  // namespace
}  // namespace barid::customs
