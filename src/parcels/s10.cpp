#include <barid/parcels/s10.hpp>

#include <algorithm>
#include <array>
#include <cstdio>

namespace barid::parcels {

namespace {

// ISO 3166-1 officially assigned alpha-2 codes (249), sorted.
constexpr std::string_view kCountries =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ "
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO "
    "FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE "
    "JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO "
    "MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW "
    "PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM "
    "TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

bool is_country_code(std::string_view alpha2) {
  if (alpha2.size() != 2 || !is_upper(alpha2[0]) || !is_upper(alpha2[1])) return false;
  for (std::size_t i = 0; i + 1 < kCountries.size(); i += 3) {
    if (kCountries.substr(i, 2) == alpha2) return true;
  }
  return false;
}

int s10_check_digit(std::string_view serial) {
  static constexpr std::array<int, 8> kWeights = {8, 6, 4, 2, 3, 5, 9, 7};
  if (serial.size() != 8 || !std::all_of(serial.begin(), serial.end(), is_digit)) return -1;
  int sum = 0;
  for (std::size_t i = 0; i < 8; ++i) sum += (serial[i] - '0') * kWeights[i];
  const int check = 11 - sum % 11;
  return check == 10 ? 0 : check == 11 ? 5 : check;
}

Result<std::string> normalize_s10(std::string_view text) {
  std::string id;
  for (char c : normalize_digits(text)) {
    if (c == ' ' || c == '-' || c == '\t') continue;
    id.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  const auto bad = [](std::string message) { return invalid_input("invalid_item_id", std::move(message)); };
  if (id.size() != 13) return bad("an S10 item id has 13 characters: 2 letters, 9 digits, 2 letters");
  if (!is_upper(id[0]) || !is_upper(id[1])) return bad("an S10 item id starts with 2 letters (the service indicator)");
  if (!std::all_of(id.begin() + 2, id.begin() + 11, is_digit))
    return bad("an S10 item id has 9 digits after its service indicator");
  if (!is_country_code(id.substr(11))) return bad("'" + id.substr(11) + "' is not an ISO 3166-1 country code");
  if (s10_check_digit(std::string_view(id).substr(2, 8)) != id[10] - '0')
    return bad("the check digit of " + id + " is wrong: a character was mistyped or misread");
  return id;
}

std::string make_s10(std::string_view service, std::uint32_t serial, std::string_view country) {
  char digits[9];
  std::snprintf(digits, sizeof digits, "%08u", static_cast<unsigned>(serial % 100'000'000u));
  std::string id(service);
  id += digits;
  id.push_back(static_cast<char>('0' + s10_check_digit(digits)));
  id += country;
  return id;
}

std::string group_s10(std::string_view id) {
  if (id.size() != 13) return std::string(id);
  std::string out;
  out.append(id.substr(0, 2)).append(" ");
  out.append(id.substr(2, 3)).append(" ");
  out.append(id.substr(5, 3)).append(" ");
  out.append(id.substr(8, 3)).append(" ");
  out.append(id.substr(11, 2));
  return out;
}

}  // namespace barid::parcels
