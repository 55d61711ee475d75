#include <barid/parcels/address.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace barid::parcels {
namespace {

Address minimal(std::string country) {
  Address a;
  a.country = std::move(country);
  a.name = "سلمى حداد";
  a.street = "شارع الاستقلال 5";
  a.city = "المدينة";
  return a;
}

Address with_postcode(std::string country, std::string postcode) {
  Address a = minimal(std::move(country));
  a.postcode = std::move(postcode);
  return a;
}

// The error's message when normalisation fails with `code`, else a note that it did not.
std::string error_message(const Result<Address>& result, const std::string& code = "invalid_address") {
  if (result.ok()) return "(accepted)";
  EXPECT_EQ(result.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(result.error().code, code) << result.error().message;
  return result.error().message;
}

struct PostcodeCase {
  const char* country;
  const char* input;
  const char* normalised;  // nullptr: rejected with `message`
  const char* message;
};

TEST(Postcodes, EachCountryAcceptsItsFormAndRejectsOthersWithItsRule) {
  const std::vector<PostcodeCase> cases = {
      {"EG", "11511", "11511", nullptr},
      {"EG", "١١٥١١", "11511", nullptr},  // Arabic-Indic digits
      {"EG", " 115 11 ", "11511", nullptr},
      {"EG", "1151", nullptr, "postcode: Egypt uses 5 digits"},
      {"EG", "11511-1", nullptr, "postcode: Egypt uses 5 digits"},
      {"DZ", "16000", "16000", nullptr},
      {"DZ", "58001", "58001", nullptr},
      {"DZ", "01000", "01000", nullptr},
      {"DZ", "59000", nullptr, "postcode: 59 is not a wilaya (01–58)"},
      {"DZ", "00100", nullptr, "postcode: 00 is not a wilaya (01–58)"},
      {"DZ", "1600", nullptr, "postcode: Algeria uses 5 digits, the first two the wilaya (01–58)"},
      {"MA", "10000", "10000", nullptr},
      {"MA", "۲۰۰۰۰", "20000", nullptr},  // Eastern Arabic-Indic digits
      {"MA", "1000", nullptr, "postcode: Morocco uses 5 digits"},
      {"TN", "1000", "1000", nullptr},
      {"TN", "10000", nullptr, "postcode: Tunisia uses 4 digits"},
      {"SA", "12643", "12643", nullptr},
      {"SA", "1264", nullptr,
       "postcode: Saudi Arabia uses 5 digits, optionally followed by the 4-digit additional number (12345-6789)"},
      {"AE", "00000", nullptr, "postcode: the UAE has no postcodes"},
      {"JO", "11118", "11118", nullptr},
      {"JO", "1111", nullptr, "postcode: Jordan uses 5 digits"},
      {"LB", "1107 2810", "1107 2810", nullptr},
      {"LB", "11072810", "1107 2810", nullptr},
      {"LB", "2038", "2038", nullptr},
      {"LB", "110728", nullptr, "postcode: Lebanon uses 4 or 8 digits (1107 2810)"},
      {"SY", "12345", nullptr, "postcode: Syria has no postcodes in general use"},
      {"IQ", "10001", "10001", nullptr},
      {"IQ", "1000A", nullptr, "postcode: Iraq uses 5 digits"},
      // Countries with the generic template: letters, digits, spaces, hyphens.
      {"GB", "sw1a  1aa", "SW1A 1AA", nullptr},
      {"FR", "75008", "75008", nullptr},
      {"FR", "75#08", nullptr, "postcode: may hold only letters, digits, spaces and hyphens"},
  };
  for (const auto& c : cases) {
    const auto result = normalize_address(with_postcode(c.country, c.input));
    if (c.normalised != nullptr) {
      ASSERT_TRUE(result.ok()) << c.country << " " << c.input << ": " << result.error().message;
      EXPECT_EQ(result->postcode, c.normalised) << c.country << " " << c.input;
    } else {
      EXPECT_EQ(error_message(result), c.message) << c.country << " " << c.input;
    }
  }
}

TEST(Postcodes, AreRequiredInAlgeriaMoroccoTunisiaAndSaudiArabiaOnly) {
  EXPECT_EQ(error_message(normalize_address(minimal("DZ"))),
            "postcode: is required; Algeria uses 5 digits, the first two the wilaya (01–58)");
  EXPECT_EQ(error_message(normalize_address(minimal("MA"))), "postcode: is required; Morocco uses 5 digits");
  EXPECT_EQ(error_message(normalize_address(minimal("TN"))), "postcode: is required; Tunisia uses 4 digits");
  EXPECT_NE(error_message(normalize_address(minimal("SA"))).find("postcode: is required"), std::string::npos);
  for (const char* country : {"EG", "AE", "JO", "LB", "SY", "IQ", "FR"}) {
    const auto result = normalize_address(minimal(country));
    ASSERT_TRUE(result.ok()) << country << ": " << result.error().message;
    EXPECT_EQ(result->postcode, std::nullopt);
  }
  // Blank is absent.
  const auto blank = normalize_address(with_postcode("EG", "   "));
  ASSERT_TRUE(blank.ok());
  EXPECT_EQ(blank->postcode, std::nullopt);
}

TEST(SaudiAddresses, CarryFourDigitBuildingAndAdditionalNumbers) {
  Address a = with_postcode("SA", "١٣٣٣٧");
  a.building = "٨٢٢٨";
  a.additional_number = "٢٣٤٥";
  auto result = normalize_address(a);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->postcode, "13337");
  EXPECT_EQ(result->building, "8228");
  EXPECT_EQ(result->additional_number, "2345");

  // Written together as on the national address: split into its two parts.
  result = normalize_address(with_postcode("SA", "13337-2345"));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->postcode, "13337");
  EXPECT_EQ(result->additional_number, "2345");
  a = with_postcode("SA", "13337-2345");
  a.additional_number = "2345";
  EXPECT_TRUE(normalize_address(a).ok());
  a.additional_number = "9999";
  EXPECT_EQ(error_message(normalize_address(a)),
            "additional_number: differs from the one written after the postcode (13337-2345)");

  a = with_postcode("SA", "13337");
  a.building = "822";
  EXPECT_EQ(error_message(normalize_address(a)), "building: Saudi building numbers have 4 digits");
  a.building = "8228";
  a.additional_number = "23456";
  EXPECT_EQ(error_message(normalize_address(a)), "additional_number: Saudi additional numbers have 4 digits");

  Address egyptian = minimal("EG");
  egyptian.additional_number = "2345";
  EXPECT_EQ(error_message(normalize_address(egyptian)),
            "additional_number: only Saudi addresses have an additional number");
}

TEST(Addresses, AreTrimmedAndDigitsNormalisedInBuildingAndPhone) {
  Address a = minimal(" eg ");
  a.name = "  محمد أحمد\t";
  a.name_latin = "  ";
  a.building = " ١٢ أ ";
  a.district = "";
  a.phone = "+٢٠ (١٠٠) ١٢٣-٤٥٦٧";
  const auto result = normalize_address(a);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->country, "EG");
  EXPECT_EQ(result->name, "محمد أحمد");
  EXPECT_EQ(result->name_latin, std::nullopt);
  EXPECT_EQ(result->building, "12 أ");
  EXPECT_EQ(result->district, std::nullopt);
  EXPECT_EQ(result->phone, "+201001234567");
  // Normalising is idempotent.
  EXPECT_EQ(normalize_address(*result).value(), *result);
}

TEST(Addresses, ErrorsNameTheFieldAndTheRule) {
  Address a = minimal("EG");
  a.name = " ";
  EXPECT_EQ(error_message(normalize_address(a)), "name: is required");

  a = minimal("EG");
  a.street = "";
  EXPECT_EQ(error_message(normalize_address(a)), "street: is required");

  a = minimal("EG");
  a.city.clear();
  EXPECT_EQ(error_message(normalize_address(a)), "city: is required");

  // 200 characters are fine (400 bytes of Arabic), 201 are not.
  std::string arabic;
  for (int i = 0; i < 200; ++i) arabic += "ب";
  a = minimal("EG");
  a.street = arabic;
  EXPECT_TRUE(normalize_address(a).ok());
  a.street = arabic + "ب";
  EXPECT_EQ(error_message(normalize_address(a)), "street: must have at most 200 characters");

  a = minimal("EG");
  a.city = "القاهرة\nالجيزة";
  EXPECT_EQ(error_message(normalize_address(a)), "city: must not contain control characters");
  a.city = "القاهرة\xC2\x85";  // U+0085, a C1 control
  EXPECT_EQ(error_message(normalize_address(a)), "city: must not contain control characters");
  a.city =
      "\xE2\x80\xAE"
      "Cairo";  // U+202E right-to-left override
  EXPECT_EQ(error_message(normalize_address(a)),
            "city: must not contain bidirectional control characters (text is kept in logical order)");
  a.city = "Cairo\xC3";
  EXPECT_EQ(error_message(normalize_address(a)), "city: is not valid UTF-8");

  a = minimal("EG");
  a.name_latin = "محمد";
  EXPECT_EQ(error_message(normalize_address(a)), "name_latin: must be in Latin script");
  a.name_latin = "ʿAbd al-Raḥmān Ṣāliḥ";  // transliteration marks are Latin
  EXPECT_TRUE(normalize_address(a).ok());

  a = minimal("EG");
  a.phone = "12345";
  EXPECT_EQ(error_message(normalize_address(a)), "phone: must have 6 to 15 digits");
  a.phone = "+20 100 abc";
  EXPECT_EQ(error_message(normalize_address(a)),
            "phone: may hold only digits, a leading '+', spaces, hyphens, dots and brackets");

  a = minimal("EG");
  a.building = std::string(51, '1');
  EXPECT_EQ(error_message(normalize_address(a)), "building: must have at most 50 characters");
}

TEST(Addresses, CountryMustBeKnown) {
  EXPECT_EQ(error_message(normalize_address(minimal(""))), "country: is required");
  EXPECT_EQ(error_message(normalize_address(minimal("EGY"))), "country: must be an ISO 3166-1 alpha-2 code such as EG");
  EXPECT_EQ(error_message(normalize_address(minimal("E1"))), "country: must be an ISO 3166-1 alpha-2 code such as EG");
  EXPECT_EQ(error_message(normalize_address(minimal("XX")), "unsupported_country"),
            "country: XX is not a country Barid has an address template for");

  // Known countries without their own template need only a name and a city.
  Address french;
  french.country = "fr";
  french.name = "Amélie Martin";
  french.city = "Paris";
  const auto result = normalize_address(french);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->country, "FR");
  EXPECT_EQ(address_lines(*result, true), (std::vector<std::string>{"Amélie Martin", "Paris", "FRANCE"}));
}

TEST(CountryNames, CoverTheTemplatesAndCommonDestinations) {
  EXPECT_EQ(country_name_en("EG"), "Egypt");
  EXPECT_EQ(country_name_en("SA"), "Saudi Arabia");
  EXPECT_EQ(country_name_en("AE"), "United Arab Emirates");
  for (const char* code : {"DZ", "EG", "MA", "TN", "SA", "AE", "JO", "LB", "SY", "IQ", "KW", "QA", "FR", "US"}) {
    EXPECT_TRUE(country_name_en(code).has_value()) << code;
  }
  EXPECT_EQ(country_name_en("XX"), std::nullopt);
  EXPECT_EQ(country_name_en("eg"), std::nullopt);
  EXPECT_EQ(country_name_en(""), std::nullopt);
}

TEST(Templates, EgyptPrintsDistrictCityGovernorateAndPostcodeOnTheirOwnLines) {
  Address a;
  a.country = "EG";
  a.name = "محمد أحمد";
  a.name_latin = "Mohamed Ahmed";
  a.building = "12";
  a.street = "شارع التحرير";
  a.street_latin = "El Tahrir St";
  a.district = "جاردن سيتي";
  a.district_latin = "Garden City";
  a.city = "القاهرة";
  a.city_latin = "Cairo";
  a.region = "محافظة القاهرة";
  a.region_latin = "Cairo Governorate";
  a.postcode = "١١٥١١";
  const auto result = normalize_address(a);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(address_lines(*result, false), (std::vector<std::string>{"محمد أحمد", "12 شارع التحرير", "جاردن سيتي",
                                                                     "القاهرة", "محافظة القاهرة", "11511"}));
  EXPECT_EQ(address_lines(*result, true), (std::vector<std::string>{"Mohamed Ahmed", "12 El Tahrir St", "Garden City",
                                                                    "Cairo", "Cairo Governorate", "11511", "EGYPT"}));

  // Absent elements leave no empty line; a missing Latin form falls back to the original.
  Address bare = minimal("EG");
  bare.city_latin = "Alexandria";
  EXPECT_EQ(address_lines(normalize_address(bare).value(), true),
            (std::vector<std::string>{"سلمى حداد", "شارع الاستقلال 5", "Alexandria", "EGYPT"}));
}

TEST(Templates, AlgeriaPutsThePostcodeBeforeTheLocality) {
  Address a;
  a.country = "DZ";
  a.name = "كريم بن علي";
  a.name_latin = "Karim Benali";
  a.street = "12 شارع ديدوش مراد";
  a.street_latin = "12 Rue Didouche Mourad";
  a.city = "الجزائر";
  a.city_latin = "Alger";
  a.region = "الجزائر";  // the wilaya: already in the postcode, not printed
  a.postcode = "16000";
  const auto result = normalize_address(a);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(address_lines(*result, false),
            (std::vector<std::string>{"كريم بن علي", "12 شارع ديدوش مراد", "16000 الجزائر"}));
  EXPECT_EQ(address_lines(*result, true),
            (std::vector<std::string>{"Karim Benali", "12 Rue Didouche Mourad", "16000 Alger", "ALGERIA"}));
}

TEST(Templates, SaudiArabiaEndsWithCityPostcodeAndAdditionalNumber) {
  Address a;
  a.country = "SA";
  a.name = "شركة النخيل";
  a.name_latin = "Al Nakheel Co.";
  a.building = "8228";
  a.street = "طريق الإمام عبدالله بن سعود";
  a.street_latin = "Imam Abdullah Ibn Saud Rd";
  a.district = "العارض";
  a.district_latin = "Al Arid";
  a.city = "الرياض";
  a.city_latin = "Riyadh";
  a.postcode = "13337";
  a.additional_number = "2345";
  auto result = normalize_address(a);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(address_lines(*result, false), (std::vector<std::string>{"شركة النخيل", "8228 طريق الإمام عبدالله بن سعود",
                                                                     "العارض", "الرياض 13337-2345"}));
  EXPECT_EQ(address_lines(*result, true), (std::vector<std::string>{"Al Nakheel Co.", "8228 Imam Abdullah Ibn Saud Rd",
                                                                    "Al Arid", "Riyadh 13337-2345", "SAUDI ARABIA"}));
  a.additional_number.reset();
  result = normalize_address(a);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(address_lines(*result, true).at(3), "Riyadh 13337");
}

TEST(Templates, EmiratesHaveNoPostcodeAndNameTheEmirateWhenItIsNotTheCity) {
  Address a;
  a.country = "AE";
  a.name = "فاطمة الزهراء";
  a.street = "ص.ب. 1234";
  a.street_latin = "P.O. Box 1234";
  a.district = "ديرة";
  a.district_latin = "Deira";
  a.city = "دبي";
  a.city_latin = "Dubai";
  a.region = "دبي";
  a.region_latin = "Dubai";
  auto result = normalize_address(a);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(address_lines(*result, false), (std::vector<std::string>{"فاطمة الزهراء", "ص.ب. 1234", "ديرة", "دبي"}));
  EXPECT_EQ(address_lines(*result, true),
            (std::vector<std::string>{"فاطمة الزهراء", "P.O. Box 1234", "Deira", "Dubai", "UNITED ARAB EMIRATES"}));
  a.district.reset();
  a.district_latin.reset();
  a.city = "العين";
  a.city_latin = "Al Ain";
  a.region = "أبوظبي";
  a.region_latin = "Abu Dhabi";
  result = normalize_address(a);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(address_lines(*result, true), (std::vector<std::string>{"فاطمة الزهراء", "P.O. Box 1234", "Al Ain",
                                                                    "Abu Dhabi", "UNITED ARAB EMIRATES"}));
}

TEST(Templates, MaghrebAndLevantPlaceThePostcodeBesideTheCity) {
  Address moroccan = with_postcode("MA", "10000");
  moroccan.city_latin = "Rabat";
  EXPECT_EQ(address_lines(normalize_address(moroccan).value(), true),
            (std::vector<std::string>{"سلمى حداد", "شارع الاستقلال 5", "10000 Rabat", "MOROCCO"}));
  Address lebanese = with_postcode("LB", "11072810");
  lebanese.district = "الحمرا";
  lebanese.city_latin = "Beirut";
  EXPECT_EQ(address_lines(normalize_address(lebanese).value(), true),
            (std::vector<std::string>{"سلمى حداد", "شارع الاستقلال 5", "الحمرا", "Beirut 1107 2810", "LEBANON"}));
  Address syrian = minimal("SY");
  EXPECT_EQ(address_lines(normalize_address(syrian).value(), false),
            (std::vector<std::string>{"سلمى حداد", "شارع الاستقلال 5", "المدينة"}));
}

TEST(AddressJson, RoundTripsAndLeavesAbsentFieldsOut) {
  Address a = with_postcode("SA", "13337-2345");
  a.building = "8228";
  a.city_latin = "Riyadh";
  const Address normalised = normalize_address(a).value();
  const Json json = address_json(normalised);
  EXPECT_EQ(json.at("postcode"), "13337");
  EXPECT_EQ(json.at("additional_number"), "2345");
  EXPECT_FALSE(json.contains("district"));
  EXPECT_FALSE(json.contains("phone"));
  const auto decoded = address_from_json(json, "recipient");
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, normalised);
}

TEST(AddressJson, ErrorsCarryTheFieldsPath) {
  Json json = address_json(minimal("EG"));
  json["postcode"] = "١٢٣";
  EXPECT_EQ(error_message(address_from_json(json, "recipient")), "recipient.postcode: Egypt uses 5 digits");
  EXPECT_EQ(error_message(address_from_json(json, "")), "postcode: Egypt uses 5 digits");

  json = address_json(minimal("EG"));
  json.erase("city");
  EXPECT_EQ(error_message(address_from_json(json, "sender")), "sender.city: is required");

  json = address_json(minimal("EG"));
  json["district"] = nullptr;  // null is absent
  EXPECT_TRUE(address_from_json(json, "sender").ok());
  json["city"] = 42;
  EXPECT_EQ(error_message(address_from_json(json, "sender"), "invalid_field"),
            "the field 'sender.city' must be a string");

  json = address_json(minimal("EG"));
  json["postal_code"] = "11511";
  EXPECT_EQ(error_message(address_from_json(json, "sender"), "invalid_field"),
            "the field 'sender.postal_code' is not an address field");

  EXPECT_EQ(error_message(address_from_json(Json::array(), "sender"), "invalid_field"),
            "the field 'sender' must be a JSON object");

  json = address_json(minimal("ZZ"));
  EXPECT_EQ(error_message(address_from_json(json, "sender"), "unsupported_country"),
            "sender.country: ZZ is not a country Barid has an address template for");
}

}  // namespace
}  // namespace barid::parcels
