// Feeds arbitrary bytes, decoded as the API decodes a request body (parse_json_object), to
// declaration_from_json: the sender's CN 22 / CN 23 customs declaration. Beyond "no crash": errors carry
// one of the documented snake_case codes and a UTF-8 message. An accepted declaration has a known
// category, an ISO 4217-shaped currency, 1 to 50 lines each within its ranges (HS code of 6 ASCII digits
// when present, a real origin country), total_value equal to the sum of the lines' values, a gross weight
// at least the sum of their net weights; declaration_json of it reads back to the same content. assess()
// with a fixed tariff and with the largest rates set_tariff allows: no overflow, nothing negative,
// duty + VAT == total, nothing due within the de minimis.
#include <barid/core/json.hpp>
#include <barid/customs/customs.hpp>
#include <barid/parcels/s10.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace {

using barid::customs::DeclarationInput;
using barid::customs::DeclarationLine;

bool is_known_error(std::string_view code) {
  return code == "invalid_declaration" || code == "declaration_totals_mismatch" || code == "missing_field" ||
         code == "invalid_field";
}

void check_text(const std::string& text, std::size_t min_chars, std::size_t max_chars) {
  if (!barid::is_valid_utf8(text) || text.find('\0') != std::string::npos) std::abort();
  const std::size_t chars = barid::utf8_length(text);
  if (chars < min_chars || chars > max_chars) std::abort();
}

bool same_line(const DeclarationLine& a, const DeclarationLine& b) {
  return a.description == b.description && a.quantity == b.quantity && a.net_weight_g == b.net_weight_g &&
         a.value == b.value && a.hs_code == b.hs_code && a.origin_country == b.origin_country;
}

bool same_content(const DeclarationInput& a, const DeclarationInput& b) {
  return a.category == b.category && a.currency == b.currency && a.total_value == b.total_value &&
         a.gross_weight_g == b.gross_weight_g && a.postage == b.postage &&
         a.importer_reference == b.importer_reference && a.licence == b.licence && a.certificate == b.certificate &&
         a.invoice == b.invoice && a.lines.size() == b.lines.size() &&
         std::equal(a.lines.begin(), a.lines.end(), b.lines.begin(), same_line);
}

void check_assessment(const DeclarationInput& declaration, const barid::customs::Tariff& tariff) {
  const auto assessed = barid::customs::assess(declaration, tariff);
  if (assessed.customs_value != declaration.total_value) std::abort();
  if (assessed.duty < 0 || assessed.vat < 0 || assessed.total < 0) std::abort();
  if (assessed.duty + assessed.vat != assessed.total) std::abort();
  if (assessed.below_de_minimis != (declaration.total_value <= tariff.de_minimis)) std::abort();
  if (assessed.below_de_minimis && assessed.total != 0) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto body = barid::parse_json_object(bytes);
  if (!body) return 0;
  const auto parsed = barid::customs::declaration_from_json(*body);
  if (!parsed) {
    if (!is_known_error(parsed.error().code)) std::abort();
    if (parsed.error().message.empty() || !barid::is_valid_utf8(parsed.error().message)) std::abort();
    return 0;
  }
  const DeclarationInput& d = *parsed;

  if (std::none_of(std::begin(barid::customs::kCategories), std::end(barid::customs::kCategories),
                   [&](const char* c) { return d.category == c; })) {
    std::abort();
  }
  if (d.currency.size() != 3 ||
      !std::all_of(d.currency.begin(), d.currency.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    std::abort();
  }
  if (d.lines.empty() || d.lines.size() > 50) std::abort();
  if (d.total_value < 0 || d.total_value > 1'000'000'000'000) std::abort();
  if (d.gross_weight_g < 1 || d.gross_weight_g > 100'000'000) std::abort();
  if (d.postage < 0 || d.postage > 1'000'000'000) std::abort();
  for (const auto* text : {&d.importer_reference, &d.licence, &d.certificate, &d.invoice}) {
    if (*text) check_text(**text, 1, 64);
  }
  std::int64_t value_sum = 0;
  std::int64_t weight_sum = 0;
  for (const auto& line : d.lines) {
    check_text(line.description, 1, 200);
    if (line.quantity < 1 || line.quantity > 1'000'000) std::abort();
    if (line.net_weight_g < 0 || line.net_weight_g > 100'000'000) std::abort();
    if (line.value < 0 || line.value > 1'000'000'000'000) std::abort();
    if (line.hs_code && (line.hs_code->size() != 6 || !std::all_of(line.hs_code->begin(), line.hs_code->end(),
                                                                   [](char c) { return c >= '0' && c <= '9'; }))) {
      std::abort();
    }
    if (!barid::parcels::is_country_code(line.origin_country)) std::abort();
    // Within the ranges above, 50 lines cannot overflow; UBSan would say so if they did.
    value_sum += line.value;
    weight_sum += line.net_weight_g;
  }
  if (value_sum != d.total_value || weight_sum > d.gross_weight_g) std::abort();

  // What the API answers with reads back as the same declaration.
  const barid::customs::Declaration declaration{"CP473124829DZ", "CN23", d, 1'795'421'700'000};
  const barid::Json json = barid::customs::declaration_json(declaration);
  const std::string text = json.dump();
  const auto again = barid::customs::declaration_from_json(barid::Json::parse(text));
  if (!again || !same_content(*again, d)) std::abort();
  if (barid::customs::declaration_json({"CP473124829DZ", "CN23", *again, 1'795'421'700'000}).dump() != text)
    std::abort();

  // A tariff like an operator's, and the largest rates set_tariff accepts (100,000 bp).
  const barid::customs::Tariff usual{"EGP", 100'000, {{"62", {3000, 1400}}, {"93", {0, 0}}, {"*", {1000, 1400}}}};
  const barid::customs::Tariff largest{"EGP", 0, {{"*", {100'000, 100'000}}}};
  check_assessment(d, usual);
  check_assessment(d, largest);
  check_assessment(d, barid::customs::Tariff{"EGP", 0, {{"01", {500, 0}}}});
  return 0;
}
