// The pure parts of customs: reading a declaration, checking its totals, assessing duty and VAT.
#include <barid/customs/customs.hpp>
#include <barid/parcels/s10.hpp>

#include <algorithm>

namespace barid::customs {

namespace {

Error bad(std::string message) {
  return invalid_input("invalid_declaration", std::move(message));
}

bool is_currency(const std::string& text) {
  return text.size() == 3 && std::all_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

Result<std::optional<std::string>> hs_code(const Json& line, std::size_t n) {
  if (!line.contains("hs_code") || line["hs_code"].is_null()) return std::optional<std::string>();
  if (!line["hs_code"].is_string()) return bad("lines[" + std::to_string(n) + "].hs_code must be a string");
  std::string code;
  for (char c : normalize_digits(line["hs_code"].get<std::string>())) {
    if (c != '.' && c != ' ') code.push_back(c);
  }
  if (code.empty()) return std::optional<std::string>();
  if (code.size() != 6 || !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return bad("lines[" + std::to_string(n) + "].hs_code must be the 6 digits of the HS subheading");
  return std::optional(code);
}

// The line's path in front of the field a FieldReader error names.
template <class T>
Result<T> prefixed(Result<T> result, const std::string& prefix) {
  if (result) return result;
  auto error = std::move(result).error();
  error.message = prefix + error.message;
  return error;
}

}  // namespace

Result<DeclarationInput> declaration_from_json(const Json& body) {
  FieldReader reader(body);
  DeclarationInput out;
  BARID_ASSIGN_OR_RETURN(out.category, reader.required_string("category", 1, 32));
  if (std::none_of(std::begin(kCategories), std::end(kCategories), [&](const char* c) { return out.category == c; }))
    return bad("category must be gift, commercial_sample, documents, returned_goods, sale_of_goods or other");
  BARID_ASSIGN_OR_RETURN(out.currency, reader.required_string("currency", 3, 3));
  if (!is_currency(out.currency)) return bad("currency must be an ISO 4217 code");
  BARID_ASSIGN_OR_RETURN(out.total_value, reader.required_int("total_value", 0, 1'000'000'000'000));
  BARID_ASSIGN_OR_RETURN(out.gross_weight_g, reader.required_int("gross_weight_g", 1, 100'000'000));
  BARID_ASSIGN_OR_RETURN(auto postage, reader.optional_int("postage", 0, 1'000'000'000));
  out.postage = postage.value_or(0);
  for (auto [field, target] :
       {std::pair{"importer_reference", &out.importer_reference}, std::pair{"licence", &out.licence},
        std::pair{"certificate", &out.certificate}, std::pair{"invoice", &out.invoice}}) {
    BARID_ASSIGN_OR_RETURN(*target, reader.optional_string(field, 1, 64));
  }
  if (!body.contains("lines") || !body["lines"].is_array() || body["lines"].empty() || body["lines"].size() > 50)
    return bad("lines must be a list of 1 to 50 content lines");
  std::int64_t value_sum = 0, weight_sum = 0;
  for (std::size_t n = 0; n < body["lines"].size(); ++n) {
    const Json& line = body["lines"][n];
    if (!line.is_object()) return bad("lines[" + std::to_string(n) + "] must be an object");
    const FieldReader fields(line);
    DeclarationLine parsed;
    const auto prefix = "lines[" + std::to_string(n) + "].";
    const auto named = [&](auto result) { return prefixed(std::move(result), prefix); };
    BARID_ASSIGN_OR_RETURN(parsed.description, named(fields.required_string("description", 1, 200)));
    BARID_ASSIGN_OR_RETURN(parsed.quantity, named(fields.required_int("quantity", 1, 1'000'000)));
    BARID_ASSIGN_OR_RETURN(parsed.net_weight_g, named(fields.required_int("net_weight_g", 0, 100'000'000)));
    BARID_ASSIGN_OR_RETURN(parsed.value, named(fields.required_int("value", 0, 1'000'000'000'000)));
    BARID_ASSIGN_OR_RETURN(parsed.hs_code, hs_code(line, n));
    BARID_ASSIGN_OR_RETURN(parsed.origin_country, named(fields.required_string("origin_country", 2, 2)));
    if (!parcels::is_country_code(parsed.origin_country))
      return bad(prefix + "origin_country must be an ISO 3166-1 alpha-2 code");
    value_sum += parsed.value;
    weight_sum += parsed.net_weight_g;
    out.lines.push_back(std::move(parsed));
  }
  if (value_sum != out.total_value)
    return invalid_input("declaration_totals_mismatch", "total_value " + std::to_string(out.total_value) +
                                                            " is not the sum of the lines' values, " +
                                                            std::to_string(value_sum));
  if (weight_sum > out.gross_weight_g)
    return invalid_input("declaration_totals_mismatch", "gross_weight_g " + std::to_string(out.gross_weight_g) +
                                                            " is less than the lines' net weights, " +
                                                            std::to_string(weight_sum));
  return out;
}

Json declaration_json(const Declaration& d) {
  const auto optional = [](const std::optional<std::string>& text) { return text ? Json(*text) : Json(); };
  Json lines = Json::array();
  for (const auto& line : d.content.lines) {
    lines.push_back({{"description", line.description},
                     {"quantity", line.quantity},
                     {"net_weight_g", line.net_weight_g},
                     {"value", line.value},
                     {"hs_code", optional(line.hs_code)},
                     {"origin_country", line.origin_country}});
  }
  return {{"item_id", d.item_id},
          {"form", d.form},
          {"category", d.content.category},
          {"currency", d.content.currency},
          {"total_value", d.content.total_value},
          {"gross_weight_g", d.content.gross_weight_g},
          {"postage", d.content.postage},
          {"importer_reference", optional(d.content.importer_reference)},
          {"licence", optional(d.content.licence)},
          {"certificate", optional(d.content.certificate)},
          {"invoice", optional(d.content.invoice)},
          {"lines", lines},
          {"created_at_ms", d.created_at_ms}};
}

Assessment assess(const DeclarationInput& declaration, const Tariff& tariff) {
  Assessment out;
  out.customs_value = declaration.total_value;
  if (declaration.total_value <= tariff.de_minimis) {
    out.below_de_minimis = true;
    return out;
  }
  const auto rates_of = [&](const std::optional<std::string>& hs) {
    auto found = hs ? tariff.rates.find(hs->substr(0, 2)) : tariff.rates.end();
    if (found == tariff.rates.end()) found = tariff.rates.find("*");
    return found == tariff.rates.end() ? std::pair<std::int64_t, std::int64_t>{0, 0} : found->second;
  };
  // Per line, rounded half up to the minor unit: duty on the value, VAT on value plus duty.
  for (const auto& line : declaration.lines) {
    const auto [duty_bp, vat_bp] = rates_of(line.hs_code);
    const std::int64_t duty = (line.value * duty_bp + 5'000) / 10'000;
    out.duty += duty;
    out.vat += ((line.value + duty) * vat_bp + 5'000) / 10'000;
  }
  out.total = out.duty + out.vat;
  return out;
}

}  // namespace barid::customs
