// Shared inside the parcels module only.
#pragma once

#include <barid/parcels/parcels.hpp>

#include <optional>
#include <string>

namespace barid::parcels::detail {

// The columns item_from_row reads, in order; "i." is the items table's alias.
extern const char* const kItemColumns;
struct ItemRow {
  std::string row_id;
  Item item;
};
ItemRow item_from_row(const store::Row& row);
// The newest item with this S10 id.
std::optional<ItemRow> load_item(store::Transaction& tx, const std::string& s10);

bool is_staff(const identity::Principal& caller);
// Whether the caller may see the item in full: its sender's or addressee's party (or a delegate with
// parcels:read), or staff; the access is logged for the parties concerned. item_not_found otherwise.
Status authorize_item(store::Transaction& tx, identity::IdentityService& identity, const identity::Principal& caller,
                      const ItemRow& item, std::string_view action);

// Recomputes an item's summary (status, posting, first attempt, delivery, anomalies) and its events'
// anomaly flags from all its events.
struct Refreshed {
  bool settle = false;  // delivered, with an escrow not yet settled
  std::int64_t anomalies = 0;
};
Refreshed refresh_item(store::Transaction& tx, const std::string& row_id);

}  // namespace barid::parcels::detail
