// Postal account numbers with IBAN's check digits (ISO 13616 layout, ISO 7064 MOD 97-10), amounts
// for people, and fee rules.
#include <barid/ledger/ledger.hpp>
#include <barid/payments/payments.hpp>

#include <cctype>

namespace barid::payments {

namespace {

constexpr std::size_t kNumberLength = 2 + 2 + 3 + 16;  // country, check digits, "BRD", serial

std::string without_spaces_upper(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == ' ') continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

}  // namespace

int mod97(std::string_view alphanumeric) {
  int remainder = 0;
  for (const char c : alphanumeric) {
    if (c >= '0' && c <= '9') {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else {
      const int value = std::toupper(static_cast<unsigned char>(c)) - 'A' + 10;
      remainder = (remainder * 100 + value) % 97;
    }
  }
  return remainder;
}

std::string make_account_number(std::string_view country, std::string_view serial16) {
  const std::string bban = "BRD" + std::string(serial16);
  const int check = 98 - mod97(bban + std::string(country) + "00");
  std::string digits = std::to_string(check);
  if (digits.size() < 2) digits.insert(digits.begin(), '0');
  return std::string(country) + digits + bban;
}

bool valid_account_number(std::string_view number) {
  if (number.size() != kNumberLength) return false;
  if (!std::isupper(static_cast<unsigned char>(number[0])) || !std::isupper(static_cast<unsigned char>(number[1]))) {
    return false;
  }
  if (number.substr(4, 3) != "BRD") return false;
  for (std::size_t i = 2; i < number.size(); ++i) {
    if ((i < 4 || i >= 7) && !std::isdigit(static_cast<unsigned char>(number[i]))) return false;
  }
  // IBAN's check: move the first four characters to the end; the number must leave 1 modulo 97.
  const std::string rearranged = std::string(number.substr(4)) + std::string(number.substr(0, 4));
  return mod97(rearranged) == 1;
}

std::optional<std::string> normalize_account_number(std::string_view text) {
  if (text.size() > 64) return std::nullopt;
  std::string number = without_spaces_upper(text);
  if (!valid_account_number(number)) return std::nullopt;
  return number;
}

std::string format_account_number(std::string_view number) {
  std::string out;
  for (std::size_t i = 0; i < number.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back(' ');
    out.push_back(number[i]);
  }
  return out;
}

std::string format_amount(std::int64_t minor, std::string_view currency) {
  const auto* known = ledger::currency_by_code(currency);
  const int units = known ? known->minor_units : 2;
  const bool negative = minor < 0;
  // Through unsigned arithmetic so that INT64_MIN has a magnitude too.
  std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(minor) : static_cast<std::uint64_t>(minor);
  std::string digits = std::to_string(magnitude);
  if (units > 0) {
    if (digits.size() <= static_cast<std::size_t>(units)) digits.insert(0, units + 1 - digits.size(), '0');
    digits.insert(digits.size() - units, ".");
  }
  return negative ? "-" + digits : digits;
}

std::int64_t FeeRule::fee_for(std::int64_t amount, const std::string& currency) const {
  const auto fixed_part = fixed.find(currency);
  const ledger::Total proportional = (static_cast<ledger::Total>(amount) * basis_points + 9'999) / 10'000;
  const ledger::Total fee = proportional + (fixed_part == fixed.end() ? 0 : fixed_part->second);
  return fee > INT64_MAX ? INT64_MAX : static_cast<std::int64_t>(fee);
}

}  // namespace barid::payments
