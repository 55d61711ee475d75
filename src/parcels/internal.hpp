// Shared inside the parcels module only.
#pragma once

#include <barid/parcels/parcels.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace barid::parcels::detail {

// The columns item_from_row reads, in order; "i." is the items table's alias.
extern const char* const kItemColumns;
struct ItemRow {
  std::string row_id;
  Item item;
  // The zone offsets of the posting and of the first attempt: their local days count (migration 601).
  std::optional<std::int32_t> posted_offset_minutes;
  std::optional<std::int32_t> first_attempt_offset_minutes;
};
ItemRow item_from_row(const store::Row& row);
// The newest item with this S10 id.
std::optional<ItemRow> load_item(store::Transaction& tx, const std::string& s10);

// Checks an item's product, size, addresses (normalised in place), declared value and contents.
Status normalize_item_input(ItemInput& input);

bool is_staff(const identity::Principal& caller);
// Whether the caller may see the item in full: its sender's or addressee's party (or a delegate with
// parcels:read), or staff; the access is logged for the parties concerned. item_not_found otherwise.
Status authorize_item(store::Transaction& tx, identity::IdentityService& identity, const identity::Principal& caller,
                      const ItemRow& item, std::string_view action);

// Recomputes an item's summary (status, posting, first attempt, delivery, anomalies), the facts the
// quality report reads (the posting's offset and office, the first attempt's offset, the first EMC,
// EMD and attempt after that EMD) and its events' anomaly flags from all its events.
struct Refreshed {
  bool settle = false;  // delivered, with an escrow not yet settled
  std::int64_t anomalies = 0;
};
Refreshed refresh_item(store::Transaction& tx, const std::string& row_id);

// Delivery standards and calendars, read once for one item, a page of items or a whole report, and
// looked up in memory after that (quality.cpp).
class QualityRules {
 public:
  // Every standard and every stored calendar: for reports.
  static QualityRules load_all(store::Transaction& tx);
  // The standards and calendars these items can use: for reading items.
  static QualityRules load_for(store::Transaction& tx, const std::vector<const Item*>& items);

  // The most specific standard for the product and route (parcels.hpp gives the order), or null.
  const Standard* standard_for(std::string_view product, std::string_view origin, std::string_view destination);
  // The stored calendar of the country, else its default one.
  const Calendar& calendar(const std::string& country);
  // The longest run of consecutive days that are not working days in any calendar in use: how far
  // after its local day an item's posting day D can fall.
  std::int32_t longest_closed_run_days() const;

 private:
  void add_standard(Standard standard);
  void add_calendar(const std::string& country, const std::string& definition);

  std::map<std::string, Standard, std::less<>> standards_;  // by "product|origin|destination"
  std::unordered_map<std::string, const Standard*> resolved_;
  std::map<std::string, Calendar, std::less<>> calendars_;  // stored ones, then defaults as they are asked for
};

// The local day of an instant at a stored offset, which the scan checks keep within ±18 h (clamped
// here all the same: a stored row never stops a report).
std::int32_t local_day(std::int64_t at_ms, std::optional<std::int32_t> utc_offset_minutes);

// Where a posted item stands against its standard; `now_ms` decides whether a pending item's due
// day is over (its local day at the posting's offset is later than the due day).
ItemQuality measure_item(const Standard& standard, const Calendar& origin, const Calendar& destination,
                         std::int64_t posted_at_ms, std::optional<std::int32_t> posted_offset_minutes,
                         std::optional<std::int64_t> first_attempt_at_ms,
                         std::optional<std::int32_t> first_attempt_offset_minutes, std::int64_t now_ms);

// Sets the quality of each item that is posted and has a standard.
void attach_quality(store::Transaction& tx, const std::vector<ItemRow*>& rows, std::int64_t now_ms);

}  // namespace barid::parcels::detail
