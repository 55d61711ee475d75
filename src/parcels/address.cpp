// Postal addresses: per-country rules and label templates (UPU S42 in spirit, REFERENCE §10).
#include <barid/parcels/address.hpp>

#include <barid/core/utf8.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace barid::parcels {

namespace {

constexpr std::size_t kMaxPostcodeChars = 12;
constexpr std::size_t kMaxPhoneChars = 32;  // before spaces, hyphens, dots and brackets are removed

// How a country's label is laid out; each template is spelled out in `address_lines`.
enum class Layout {
  egypt,               // EG
  postcode_then_city,  // DZ, MA, TN
  saudi,               // SA
  emirates,            // AE
  city_then_postcode,  // JO, LB, SY, IQ
  generic,             // every other known country
};

enum class Postcodes { none, optional, required };

struct CountryRules {
  std::string_view code;
  std::string_view name_en;
  Layout layout;
  Postcodes postcodes;
  std::size_t postcode_digits;     // 0: free-form (generic), or none, or checked specially (LB)
  std::string_view postcode_rule;  // for messages: "Egypt uses 5 digits"
};

// The ten countries with their own template first; then the known countries with the generic one.
constexpr std::array kCountries{
    CountryRules{"DZ", "Algeria", Layout::postcode_then_city, Postcodes::required, 5,
                 "Algeria uses 5 digits, the first two the wilaya (01–58)"},
    CountryRules{"EG", "Egypt", Layout::egypt, Postcodes::optional, 5, "Egypt uses 5 digits"},
    CountryRules{"MA", "Morocco", Layout::postcode_then_city, Postcodes::required, 5, "Morocco uses 5 digits"},
    CountryRules{"TN", "Tunisia", Layout::postcode_then_city, Postcodes::required, 4, "Tunisia uses 4 digits"},
    CountryRules{"SA", "Saudi Arabia", Layout::saudi, Postcodes::required, 5,
                 "Saudi Arabia uses 5 digits, optionally followed by the 4-digit additional number (12345-6789)"},
    CountryRules{"AE", "United Arab Emirates", Layout::emirates, Postcodes::none, 0, "the UAE has no postcodes"},
    CountryRules{"JO", "Jordan", Layout::city_then_postcode, Postcodes::optional, 5, "Jordan uses 5 digits"},
    CountryRules{"LB", "Lebanon", Layout::city_then_postcode, Postcodes::optional, 0,
                 "Lebanon uses 4 or 8 digits (1107 2810)"},
    CountryRules{"SY", "Syria", Layout::city_then_postcode, Postcodes::none, 0,
                 "Syria has no postcodes in general use"},
    CountryRules{"IQ", "Iraq", Layout::city_then_postcode, Postcodes::optional, 5, "Iraq uses 5 digits"},
    // The other Arab League states.
    CountryRules{"BH", "Bahrain", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"KM", "Comoros", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"DJ", "Djibouti", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"KW", "Kuwait", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"LY", "Libya", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"MR", "Mauritania", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"OM", "Oman", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"PS", "Palestine", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"QA", "Qatar", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"SO", "Somalia", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"SD", "Sudan", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"YE", "Yemen", Layout::generic, Postcodes::optional, 0, ""},
    // Common destinations and origins of mail to and from the region.
    CountryRules{"AT", "Austria", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"AU", "Australia", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"BD", "Bangladesh", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"BE", "Belgium", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"BR", "Brazil", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"CA", "Canada", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"CH", "Switzerland", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"CN", "China", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"CY", "Cyprus", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"DE", "Germany", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"DK", "Denmark", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"ES", "Spain", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"ET", "Ethiopia", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"FR", "France", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"GB", "United Kingdom", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"GR", "Greece", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"ID", "Indonesia", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"IN", "India", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"IR", "Iran", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"IT", "Italy", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"JP", "Japan", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"KR", "South Korea", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"MY", "Malaysia", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"NL", "Netherlands", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"NO", "Norway", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"PH", "Philippines", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"PK", "Pakistan", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"PT", "Portugal", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"RU", "Russia", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"SE", "Sweden", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"SN", "Senegal", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"TR", "Turkiye", Layout::generic, Postcodes::optional, 0, ""},
    CountryRules{"US", "United States", Layout::generic, Postcodes::optional, 0, ""},
};

const CountryRules* find_country(std::string_view alpha2) {
  for (const auto& rules : kCountries) {
    if (rules.code == alpha2) return &rules;
  }
  return nullptr;
}

bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}
bool all_digits(std::string_view text) {
  return std::all_of(text.begin(), text.end(), is_ascii_digit);
}

std::string trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kSpace);
  return std::string(text.substr(first, last - first + 1));
}

std::string without_spaces(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c != ' ') out.push_back(c);
  }
  return out;
}

// Decodes valid UTF-8 one code point at a time.
char32_t next_code_point(std::string_view text, std::size_t& i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t length = 1;
  char32_t code_point = lead;
  if (lead >= 0xF0) {
    length = 4;
    code_point = lead & 0x07u;
  } else if (lead >= 0xE0) {
    length = 3;
    code_point = lead & 0x0Fu;
  } else if (lead >= 0xC0) {
    length = 2;
    code_point = lead & 0x1Fu;
  }
  for (std::size_t k = 1; k < length; ++k) {
    code_point = (code_point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
  }
  i += length;
  return code_point;
}

bool is_control(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029;
}
// Embeddings, overrides and isolates would let text reorder a label behind the renderer's back.
bool is_bidi_control(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}
// Basic Latin to IPA extensions, spacing modifiers (ʿ ʾ) and combining diacritics, Latin Extended
// Additional (Ḥ ṣ), general punctuation (’ –).
bool is_latin_script(char32_t c) {
  return c < 0x0370 || (c >= 0x1E00 && c <= 0x1EFF) || (c >= 0x2010 && c <= 0x2027);
}

Error address_error(std::string_view field, std::string_view rule) {
  return invalid_input("invalid_address", std::string(field) + ": " + std::string(rule));
}

class Normalizer {
 public:
  explicit Normalizer(std::string_view prefix) : prefix_(prefix) {}

  std::string path(std::string_view field) const {
    return prefix_.empty() ? std::string(field) : std::string(prefix_) + "." + std::string(field);
  }
  Error error(std::string_view field, std::string_view rule) const { return address_error(path(field), rule); }

  // Valid UTF-8, no control characters, within max_chars; Latin script when `latin`.
  Status check_text(std::string_view field, std::string_view text, std::size_t max_chars, bool latin) const {
    if (!is_valid_utf8(text)) return error(field, "is not valid UTF-8");
    std::size_t chars = 0;
    for (std::size_t i = 0; i < text.size(); ++chars) {
      const char32_t c = next_code_point(text, i);
      if (is_control(c)) return error(field, "must not contain control characters");
      if (is_bidi_control(c)) {
        return error(field, "must not contain bidirectional control characters (text is kept in logical order)");
      }
      if (latin && !is_latin_script(c)) return error(field, "must be in Latin script");
    }
    if (chars > max_chars) return error(field, "must have at most " + std::to_string(max_chars) + " characters");
    return {};
  }

  Status required_text(std::string_view field, std::string& text) const {
    text = trim(text);
    if (text.empty()) return error(field, "is required");
    return check_text(field, text, kMaxAddressTextChars, false);
  }

  Status optional_text(std::string_view field, std::optional<std::string>& text, bool latin) const {
    if (!text) return {};
    *text = trim(*text);
    if (text->empty()) {
      text.reset();
      return {};
    }
    return check_text(field, *text, kMaxAddressTextChars, latin);
  }

  // Trims and turns Arabic-Indic digits into ASCII; an empty value becomes absent.
  Status optional_code(std::string_view field, std::optional<std::string>& text, std::size_t max_chars) const {
    if (!text) return {};
    *text = trim(normalize_digits(*text));
    if (text->empty()) {
      text.reset();
      return {};
    }
    return check_text(field, *text, max_chars, false);
  }

  Status postcode(const CountryRules& rules, Address& address) const {
    auto& postcode = address.postcode;
    BARID_TRY(optional_code("postcode", postcode, kMaxPostcodeChars));
    const std::string rule(rules.postcode_rule);
    if (!postcode) {
      if (rules.postcodes == Postcodes::required) return error("postcode", "is required; " + rule);
      return {};
    }
    if (rules.postcodes == Postcodes::none) return error("postcode", rule);
    if (rules.layout == Layout::generic) return generic_postcode(*postcode);

    std::string digits = without_spaces(*postcode);
    if (rules.code == "SA" && digits.size() == 10 && digits[5] == '-') {
      // The national address's "12345-6789": postcode and additional number written together.
      std::string additional = digits.substr(6);
      digits.resize(5);
      if (!all_digits(digits) || !all_digits(additional)) return error("postcode", rule);
      if (address.additional_number && trim(normalize_digits(*address.additional_number)) != additional) {
        return error("additional_number", "differs from the one written after the postcode (" + *postcode + ")");
      }
      address.additional_number = std::move(additional);
    }
    if (!all_digits(digits)) return error("postcode", rule);
    if (rules.code == "LB") {
      if (digits.size() == 8) {
        digits.insert(4, " ");
      } else if (digits.size() != 4) {
        return error("postcode", rule);
      }
    } else if (digits.size() != rules.postcode_digits) {
      return error("postcode", rule);
    }
    if (rules.code == "DZ") {
      const int wilaya = (digits[0] - '0') * 10 + (digits[1] - '0');
      if (wilaya < 1 || wilaya > 58) return error("postcode", digits.substr(0, 2) + " is not a wilaya (01–58)");
    }
    *postcode = std::move(digits);
    return {};
  }

  // Countries without their own rule: letters, digits, spaces and hyphens, upper case, single spaces.
  Status generic_postcode(std::string& postcode) const {
    std::string out;
    for (const char c : postcode) {
      const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
      if (!letter && !is_ascii_digit(c) && c != ' ' && c != '-') {
        return error("postcode", "may hold only letters, digits, spaces and hyphens");
      }
      if (c == ' ' && !out.empty() && out.back() == ' ') continue;
      out.push_back(letter ? static_cast<char>(c & ~0x20) : c);
    }
    if (out.size() < 2) return error("postcode", "must have at least 2 characters");
    postcode = std::move(out);
    return {};
  }

  Status phone(std::optional<std::string>& phone) const {
    BARID_TRY(optional_code("phone", phone, kMaxPhoneChars));
    if (!phone) return {};
    std::string out;
    for (std::size_t i = 0; i < phone->size(); ++i) {
      const char c = (*phone)[i];
      if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') continue;
      if (is_ascii_digit(c) || (c == '+' && out.empty())) {
        out.push_back(c);
        continue;
      }
      return error("phone", "may hold only digits, a leading '+', spaces, hyphens, dots and brackets");
    }
    const std::size_t digits = out.size() - (!out.empty() && out[0] == '+' ? 1 : 0);
    if (digits < kMinPhoneDigits || digits > kMaxPhoneDigits) {
      return error("phone", "must have " + std::to_string(kMinPhoneDigits) + " to " + std::to_string(kMaxPhoneDigits) +
                                " digits");
    }
    *phone = std::move(out);
    return {};
  }

  Result<Address> run(Address address) const {
    std::string country = trim(address.country);
    for (auto& c : country) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    const bool alpha2 =
        country.size() == 2 && std::all_of(country.begin(), country.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
    if (country.empty()) return error("country", "is required");
    if (!alpha2) return error("country", "must be an ISO 3166-1 alpha-2 code such as EG");
    const CountryRules* rules = find_country(country);
    if (rules == nullptr) {
      return invalid_input("unsupported_country",
                           path("country") + ": " + country + " is not a country Barid has an address template for");
    }
    address.country = std::move(country);

    BARID_TRY(required_text("name", address.name));
    BARID_TRY(optional_text("name_latin", address.name_latin, true));
    BARID_TRY(optional_code("building", address.building, kMaxBuildingChars));
    if (rules->code == "SA" && address.building && (address.building->size() != 4 || !all_digits(*address.building))) {
      return error("building", "Saudi building numbers have 4 digits");
    }
    if (rules->layout == Layout::generic) {
      address.street = trim(address.street);
      if (!address.street.empty()) BARID_TRY(check_text("street", address.street, kMaxAddressTextChars, false));
    } else {
      BARID_TRY(required_text("street", address.street));
    }
    BARID_TRY(optional_text("street_latin", address.street_latin, true));
    BARID_TRY(optional_text("district", address.district, false));
    BARID_TRY(optional_text("district_latin", address.district_latin, true));
    BARID_TRY(required_text("city", address.city));
    BARID_TRY(optional_text("city_latin", address.city_latin, true));
    BARID_TRY(optional_text("region", address.region, false));
    BARID_TRY(optional_text("region_latin", address.region_latin, true));
    BARID_TRY(postcode(*rules, address));
    BARID_TRY(optional_code("additional_number", address.additional_number, kMaxPostcodeChars));
    if (address.additional_number) {
      if (rules->code != "SA") return error("additional_number", "only Saudi addresses have an additional number");
      if (address.additional_number->size() != 4 || !all_digits(*address.additional_number)) {
        return error("additional_number", "Saudi additional numbers have 4 digits");
      }
    }
    BARID_TRY(phone(address.phone));
    return address;
  }

 private:
  std::string_view prefix_;
};

// "a b" when both are present, either one alone, or nothing.
std::string join(std::string_view first, std::string_view second) {
  if (first.empty()) return std::string(second);
  if (second.empty()) return std::string(first);
  return std::string(first) + " " + std::string(second);
}

}  // namespace

Result<Address> normalize_address(Address address) {
  return Normalizer("").run(std::move(address));
}

std::optional<std::string_view> country_name_en(std::string_view alpha2) {
  const CountryRules* rules = find_country(alpha2);
  if (rules == nullptr) return std::nullopt;
  return rules->name_en;
}

std::vector<std::string> address_lines(const Address& a, bool latin) {
  const auto pick = [latin](const std::string& original, const std::optional<std::string>& latin_form) {
    return latin && latin_form ? *latin_form : original;
  };
  const auto pick_optional = [&](const std::optional<std::string>& original,
                                 const std::optional<std::string>& latin_form) {
    return original ? pick(*original, latin_form) : std::string();
  };
  const std::string name = pick(a.name, a.name_latin);
  const std::string street = join(a.building.value_or(""), pick(a.street, a.street_latin));
  const std::string district = pick_optional(a.district, a.district_latin);
  const std::string city = pick(a.city, a.city_latin);
  const std::string region = pick_optional(a.region, a.region_latin);
  const std::string postcode = a.postcode.value_or("");

  const CountryRules* rules = find_country(a.country);
  std::vector<std::string> lines;
  switch (rules ? rules->layout : Layout::generic) {
    case Layout::egypt:
      // name / building street / district / city / governorate / postcode
      lines = {name, street, district, city, region, postcode};
      break;
    case Layout::postcode_then_city:
      // DZ, MA, TN: name / street / postcode city ("16000 Alger"; in Algeria the postcode's first
      // two digits are the wilaya, so the wilaya is not written out)
      lines = {name, street, join(postcode, city)};
      break;
    case Layout::saudi: {
      // name / building street / district / city postcode-additional ("RIYADH 12643-2121")
      std::string code = postcode;
      if (!code.empty() && a.additional_number) code += "-" + *a.additional_number;
      lines = {name, street, district, join(city, code)};
      break;
    }
    case Layout::emirates:
      // name / street or P.O. box / district / city (the emirate); no postcodes. The emirate gets
      // its own line only when it is not the city's name (Dubai, Dubai).
      lines = {name, street, district, city, region == city ? std::string() : region};
      break;
    case Layout::city_then_postcode:
      // JO, LB, SY, IQ: name / street / district / city postcode (when there is one)
      lines = {name, street, district, join(city, postcode)};
      break;
    case Layout::generic:
      // Any other known country: name / street / district / city / region / postcode. Safe rather
      // than idiomatic: every element is on the label, in S42's order from the narrowest.
      lines = {name, street, district, city, region, postcode};
      break;
  }
  std::erase_if(lines, [](const std::string& line) { return line.empty(); });
  if (latin) {
    std::string country(rules ? rules->name_en : std::string_view(a.country));
    for (auto& c : country) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    lines.push_back(std::move(country));
  }
  return lines;
}

namespace {

struct JsonField {
  std::string_view key;
  std::string Address::*required;
  std::optional<std::string> Address::*optional;
};

constexpr std::array kJsonFields{
    JsonField{"country", &Address::country, nullptr},
    JsonField{"name", &Address::name, nullptr},
    JsonField{"name_latin", nullptr, &Address::name_latin},
    JsonField{"building", nullptr, &Address::building},
    JsonField{"street", &Address::street, nullptr},
    JsonField{"street_latin", nullptr, &Address::street_latin},
    JsonField{"district", nullptr, &Address::district},
    JsonField{"district_latin", nullptr, &Address::district_latin},
    JsonField{"city", &Address::city, nullptr},
    JsonField{"city_latin", nullptr, &Address::city_latin},
    JsonField{"region", nullptr, &Address::region},
    JsonField{"region_latin", nullptr, &Address::region_latin},
    JsonField{"postcode", nullptr, &Address::postcode},
    JsonField{"additional_number", nullptr, &Address::additional_number},
    JsonField{"phone", nullptr, &Address::phone},
};

}  // namespace

Json address_json(const Address& address) {
  Json out = Json::object();
  for (const auto& field : kJsonFields) {
    if (field.required != nullptr) {
      out[std::string(field.key)] = address.*field.required;
    } else if (const auto& value = address.*field.optional) {
      out[std::string(field.key)] = *value;
    }
  }
  return out;
}

Result<Address> address_from_json(const Json& object, std::string_view field_prefix) {
  const Normalizer normalizer(field_prefix);
  if (!object.is_object()) {
    const std::string what = field_prefix.empty() ? "the address" : "the field '" + std::string(field_prefix) + "'";
    return invalid_input("invalid_field", what + " must be a JSON object");
  }
  for (const auto& [key, value] : object.items()) {
    const bool known = std::any_of(kJsonFields.begin(), kJsonFields.end(),
                                   [&key = key](const JsonField& field) { return field.key == key; });
    if (!known) {
      return invalid_input("invalid_field", "the field '" + normalizer.path(key) + "' is not an address field");
    }
  }
  Address address;
  // The order of kJsonFields, so that the first error reported is the first field in it.
  for (const auto& field : kJsonFields) {
    const auto it = object.find(field.key);
    const bool present = it != object.end() && !it->is_null();
    if (present && !it->is_string()) {
      return invalid_input("invalid_field", "the field '" + normalizer.path(field.key) + "' must be a string");
    }
    if (!present) continue;  // a required one is reported by the normalizer: "city: is required"
    if (field.required != nullptr) {
      address.*field.required = it->get<std::string>();
    } else {
      address.*field.optional = it->get<std::string>();
    }
  }
  return normalizer.run(std::move(address));
}

}  // namespace barid::parcels
