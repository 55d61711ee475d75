// Postal addresses for parcels and their labels, after UPU S42 in spirit: the elements of an address,
// per-country postcode rules, and each country's template for printing the lines of a label. The
// Arabic (or other original-script) form is the master; a Latin form is kept beside it, never
// derived from it, because transliteration cannot be reversed. Text is stored in logical order; the
// renderer applies the bidirectional algorithm.
#pragma once

#include <barid/core/json.hpp>
#include <barid/core/result.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace barid::parcels {

// Limits, in Unicode code points after trimming.
inline constexpr std::size_t kMaxAddressTextChars = 200;  // name, street, district, city, region, latin forms
inline constexpr std::size_t kMaxBuildingChars = 50;
inline constexpr std::size_t kMinPhoneDigits = 6;
inline constexpr std::size_t kMaxPhoneDigits = 15;  // E.164

struct Address {
  std::string country;  // ISO 3166-1 alpha-2
  std::string name;     // person or business, Arabic original (or Latin if that is the original)
  std::optional<std::string> name_latin;
  std::optional<std::string> building;  // SA building number, a house number elsewhere
  std::string street;                   // street and number / P.O. box line (Arabic original)
  std::optional<std::string> street_latin;
  std::optional<std::string> district;  // SA district, EG district
  std::optional<std::string> district_latin;
  std::string city;  // locality (Arabic original)
  std::optional<std::string> city_latin;
  std::optional<std::string> region;  // EG governorate, DZ wilaya, SA region, AE emirate
  std::optional<std::string> region_latin;
  std::optional<std::string> postcode;
  std::optional<std::string> additional_number;  // SA
  std::optional<std::string> phone;

  bool operator==(const Address&) const = default;
};

// Trims every field (an optional field left empty becomes absent), upper-cases the country,
// turns Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits into ASCII in the postcode,
// building, additional number and phone, brings postcodes to their canonical form ("11072810" →
// "1107 2810" in Lebanon; a Saudi "12345-6789" is split into postcode and additional number) and
// validates. Errors (invalid_input):
//   invalid_address      "<field>: <rule>", e.g. "postcode: Egypt uses 5 digits": a required field
//                        missing, text over its limit, not UTF-8, with control or bidirectional
//                        control characters, a Latin form not in Latin script, a postcode or
//                        building or phone number that breaks the country's rule
//   unsupported_country  a well-formed code of a country this module has no template for
// Name and city are required everywhere; the street too in the ten countries with their own
// template (DZ EG MA TN SA AE JO LB SY IQ); the postcode in DZ, MA, TN and SA.
Result<Address> normalize_address(Address address);

// The lines of a label in the country's template (spelled out in address.cpp), absent elements
// skipped.
// latin = false: the originals. latin = true: the Latin forms, falling back to the originals, and a
// last line with the country's English name in capitals ("EGYPT") for international mail.
// Expects a normalised address.
std::vector<std::string> address_lines(const Address& address, bool latin);

// English short name of a country ("Egypt", "Saudi Arabia"), nullopt for codes this module does not
// know. Known: the ten countries with templates, the other Arab League states and common
// destinations; the ones without a template of their own get the generic one.
std::optional<std::string_view> country_name_en(std::string_view alpha2);

// {"country":"EG","name":"…","city":"…",…}: absent optional fields are left out. Expects a
// normalised (valid UTF-8) address.
Json address_json(const Address& address);

// Decodes and normalises an address object. field_prefix is the object's path in the enclosing
// document ("recipient") and prefixes every field an error names ("recipient.postcode: Egypt uses 5
// digits"); empty at the top level. A missing or null field is absent ("city: is required" when it
// must be there). Besides normalize_address's errors: invalid_field for something other than an
// object, a value that is not a string or null, or a key that is not an address field.
Result<Address> address_from_json(const Json& object, std::string_view field_prefix);

}  // namespace barid::parcels
