// Items announced by a partner operator's pre-advice: they keep the id the partner issued.
#include "internal.hpp"

#include <barid/crypto/crypto.hpp>

namespace barid::parcels {

Result<bool> ParcelsService::receive_announced(store::Transaction& tx, const identity::Principal& caller,
                                               const std::string& id, const ItemInput& raw) {
  BARID_ASSIGN_OR_RETURN(auto s10, normalize_s10(id));
  ItemInput input = raw;
  BARID_TRY(detail::normalize_item_input(input));
  if (s10[0] != input.product[0])
    return invalid_input("invalid_item", "the id's service indicator does not match product " + input.product);

  const auto now = clock_ms();
  if (auto existing = detail::load_item(tx, s10); existing && existing->item.created_at_ms > now - options_.id_reuse_ms)
    return false;
  std::optional<std::string> addressee_party;
  if (input.addressee_party) {
    if (auto found = identity_.find_recipient(tx, input.addressee_party->kind, input.addressee_party->identifier))
      addressee_party = found->party.id;
  }
  const std::string row_id = "itm_" + crypto::new_uuid();
  const auto optional = [](const auto& value) -> store::Value {
    if (value) return store::Value(*value);
    return store::Value(nullptr);
  };
  tx.execute(
      "INSERT INTO parcel_items (row_id, s10, product, sender_address, addressee_address, sender_party_id, "
      "addressee_party_id, weight_g, length_mm, width_mm, height_mm, declared_value, declared_currency, "
      "contents, payment_intent_id, settlement, origin_country, destination_country, status, anomalies, "
      "source, office, created_at_ms, created_by_user_id) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, NULL, "
      "NULL, ?, ?, 'created', 0, 'pre_advice', NULL, ?, ?)",
      {row_id, s10, input.product, address_json(input.sender).dump(), address_json(input.addressee).dump(),
       optional(addressee_party), input.weight_g, input.length_mm, input.width_mm, input.height_mm,
       optional(input.declared_value), optional(input.declared_currency), optional(input.contents),
       input.sender.country, input.addressee.country, now, caller.user_id});
  if (tx.execute("UPDATE parcel_events SET item_row_id = ? WHERE s10 = ? AND item_row_id IS NULL", {row_id, s10}) > 0)
    detail::refresh_item(tx, row_id);
  return true;
}

}  // namespace barid::parcels
