// UPU S10 item identifiers, the postal products Barid carries, and the UPU tracking event codes
// (REFERENCE §6, §7). Pure functions: no store, no clock.
#pragma once

#include <barid/core/result.hpp>
#include <barid/core/utf8.hpp>  // normalize_digits: Arabic-Indic digits to ASCII

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace barid::parcels {

// Whether `alpha2` is an officially assigned ISO 3166-1 alpha-2 code (upper case).
bool is_country_code(std::string_view alpha2);

// The S10 check digit of an 8-digit serial (weights 8 6 4 2 3 5 9 7; 10 → 0, 11 → 5); -1 when
// `serial` is not exactly 8 ASCII digits.
int s10_check_digit(std::string_view serial);

// An S10 id from text a person typed or a scanner read: digits normalised, spaces dropped, letters
// upper-cased, then checked: 2 letters, 8 digits, the check digit, a real country code. Errors are
// `invalid_item_id` with a message that says which part is wrong.
Result<std::string> normalize_s10(std::string_view text);
// The id for a service indicator (2 letters), a serial (0 to 99,999,999) and a country.
std::string make_s10(std::string_view service, std::uint32_t serial, std::string_view country);
// "CP 123 456 785 DZ", as printed under the barcode.
std::string group_s10(std::string_view id);

// A postal product with its limits. Sizes in millimetres, weights in grams.
struct Product {
  std::string_view code;  // the service indicator's first letter: R, L, C, H, E
  std::string_view name_en;
  std::string_view name_fr;
  std::string_view name_ar;
  std::int64_t max_weight_g;
  std::int64_t max_longest_mm;  // the longest side
  std::int64_t max_size_mm;     // letters: length + width + height; parcels: length + girth
  bool parcel;                  // parcels measure length + girth (2 × (width + height))
};
std::span<const Product> products();
const Product* product_by_code(std::string_view code);
// Checks weight and dimensions against the product (each > 0); `invalid_item` names the limit.
Status check_item_size(const Product& product, std::int64_t weight_g, std::int64_t length_mm, std::int64_t width_mm,
                       std::int64_t height_mm);

// A UPU tracking event code (EMSEVT). `status` is what public tracking says the item is doing after
// the event; `key` marks the events the addressee is told of in the mailbox.
struct EventCode {
  std::string_view code;
  std::string_view phase;   // origin, export_customs, transit, destination, import_customs, domestic, delivery
  std::string_view status;  // posted, in_transit, at_customs, held_by_customs, out_for_delivery, …
  std::string_view name_en;
  std::string_view name_ar;
  bool needs_reason;      // EMH (unsuccessful attempt) and the returns carry a reason
  bool delivery_attempt;  // EDH, EMH, EMI: the first of them ends the transit time (REFERENCE §8)
  bool key;               // held by customs, out for delivery, delivery failed, at pick-up point
};
std::span<const EventCode> event_codes();
const EventCode* event_code(std::string_view code);

}  // namespace barid::parcels
