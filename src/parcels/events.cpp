// The products Barid carries and the UPU tracking event codes (REFERENCE §6, §7).
#include <barid/parcels/s10.hpp>

#include <algorithm>
#include <string>

namespace barid::parcels {

namespace {

// UPU letter-post limits for letters (2 kg; L + W + H ≤ 900 mm, longest ≤ 600 mm) and the common
// parcel limits (30 kg; longest ≤ 1.5 m; length + girth ≤ 3 m). An operator with other limits
// changes this table.
constexpr Product kProducts[] = {
    {"R", "Registered letter", "Lettre recommandée", "رسالة مسجلة", 2'000, 600, 900, false},
    {"L", "Tracked letter", "Lettre suivie", "رسالة متتبعة", 2'000, 600, 900, false},
    {"C", "Parcel", "Colis", "طرد", 30'000, 1'500, 3'000, true},
    {"H", "E-commerce parcel", "Colis e-commerce", "طرد تجارة إلكترونية", 30'000, 1'500, 3'000, true},
    {"E", "EMS", "EMS", "البريد السريع", 30'000, 1'500, 3'000, true},
};

// code, phase, status, English, Arabic, needs reason, delivery attempt, key event.
constexpr EventCode kEvents[] = {
    {"EMA", "origin", "posted", "Posting / collection", "إيداع / استلام", false, false, false},
    {"EMB", "origin", "in_transit", "Arrival at outward office of exchange", "وصول إلى مكتب التبادل الصادر", false,
     false, false},
    {"EXD", "origin", "held", "Held at outward office of exchange", "محتجز في مكتب التبادل الصادر", false, false,
     false},
    {"EXX", "origin", "export_cancelled", "Export cancelled", "إلغاء التصدير", true, false, false},
    {"EMC", "origin", "in_transit", "Departure from outward office of exchange", "مغادرة مكتب التبادل الصادر", false,
     false, false},
    {"EXA", "export_customs", "at_customs", "Presented to export customs", "تقديم إلى جمارك التصدير", false, false,
     false},
    {"EXB", "export_customs", "held_by_customs", "Held by export customs", "محتجز لدى جمارك التصدير", false, false,
     false},
    {"EXC", "export_customs", "in_transit", "Returned from export customs", "إعادة من جمارك التصدير", false, false,
     false},
    {"EMJ", "transit", "in_transit", "Arrival at transit office", "وصول إلى مكتب العبور", false, false, false},
    {"EMK", "transit", "in_transit", "Departure from transit office", "مغادرة مكتب العبور", false, false, false},
    {"EMD", "destination", "arrived", "Arrival at inward office of exchange", "وصول إلى مكتب التبادل الوارد", false,
     false, false},
    {"EDA", "destination", "held", "Held at inward office of exchange", "محتجز في مكتب التبادل الوارد", false, false,
     false},
    {"EMF", "destination", "in_transit", "Departure from inward office of exchange", "مغادرة مكتب التبادل الوارد",
     false, false, false},
    {"EDX", "destination", "import_terminated", "Import terminated", "إنهاء الاستيراد", true, false, false},
    {"EDB", "import_customs", "at_customs", "Presented to import customs", "تقديم إلى جمارك الاستيراد", false, false,
     false},
    {"EME", "import_customs", "held_by_customs", "Held by import customs", "محتجز لدى الجمارك", false, false, true},
    {"EDC", "import_customs", "in_transit", "Returned from import customs", "إعادة من الجمارك", false, false, false},
    {"EDD", "domestic", "in_transit", "Into sorting centre", "دخول مركز الفرز", false, false, false},
    {"EDE", "domestic", "in_transit", "Out of sorting centre", "خروج من مركز الفرز", false, false, false},
    {"EMG", "domestic", "at_delivery_office", "Arrival at delivery office", "وصول إلى مكتب التوزيع", false, false,
     false},
    {"EDF", "domestic", "held", "Held at delivery depot", "محتجز في مستودع التوزيع", false, false, false},
    {"EDG", "domestic", "out_for_delivery", "Out for delivery", "خرج للتوزيع", false, false, true},
    {"EDH", "delivery", "awaiting_pickup", "Arrived at pick-up point", "وصل إلى نقطة الاستلام", false, true, true},
    {"EMH", "delivery", "delivery_failed", "Unsuccessful delivery attempt", "محاولة توزيع غير ناجحة", true, true, true},
    {"EMI", "delivery", "delivered", "Final delivery", "تم التسليم", false, true, false},
};

}  // namespace

std::span<const Product> products() {
  return kProducts;
}

const Product* product_by_code(std::string_view code) {
  for (const auto& product : kProducts) {
    if (product.code == code) return &product;
  }
  return nullptr;
}

Status check_item_size(const Product& product, std::int64_t weight_g, std::int64_t length_mm, std::int64_t width_mm,
                       std::int64_t height_mm) {
  const auto bad = [](std::string message) { return invalid_input("invalid_item", std::move(message)); };
  if (weight_g <= 0) return bad("weight_g must be a positive number of grams");
  if (length_mm <= 0 || width_mm <= 0 || height_mm <= 0)
    return bad("length_mm, width_mm and height_mm must be positive numbers of millimetres");
  const std::string name(product.name_en);
  if (weight_g > product.max_weight_g)
    return bad(name + " weighs at most " + std::to_string(product.max_weight_g) + " g");
  const auto longest = std::max({length_mm, width_mm, height_mm});
  if (longest > product.max_longest_mm)
    return bad(name + ": the longest side is at most " + std::to_string(product.max_longest_mm) + " mm");
  // The sides are at most 1.5 m each, so these sums cannot overflow.
  const auto size =
      product.parcel ? longest + 2 * (length_mm + width_mm + height_mm - longest) : length_mm + width_mm + height_mm;
  if (size > product.max_size_mm)
    return bad(name + (product.parcel ? ": length plus girth is at most " : ": length + width + height is at most ") +
               std::to_string(product.max_size_mm) + " mm");
  return {};
}

std::span<const EventCode> event_codes() {
  return kEvents;
}

const EventCode* event_code(std::string_view code) {
  for (const auto& event : kEvents) {
    if (event.code == code) return &event;
  }
  return nullptr;
}

}  // namespace barid::parcels
