#include "internal.hpp"

#include <barid/core/time.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/documents/pdf.hpp>
#include <barid/payments/checkout.hpp>

#include <algorithm>
#include <cstdio>

namespace barid::parcels {

using identity::Principal;
using identity::Role;

namespace detail {

const char* const kItemColumns =
    "i.row_id, i.s10, i.product, i.sender_address, i.addressee_address, i.sender_party_id, i.addressee_party_id, "
    "i.weight_g, i.length_mm, i.width_mm, i.height_mm, i.declared_value, i.declared_currency, i.contents, "
    "i.payment_intent_id, i.settlement, i.origin_country, i.destination_country, i.status, i.last_event_code, "
    "i.last_event_at_ms, i.posted_at_ms, i.first_attempt_at_ms, i.delivered_at_ms, i.anomalies, i.source, i.office, "
    "i.created_at_ms, i.posted_offset_minutes, i.first_attempt_offset_minutes";

namespace {
Address stored_address(const std::string& text) {
  // Stored addresses were normalised before they were written; a row that no longer decodes is a
  // defect, shown as empty rather than failing every read of the item.
  auto json = Json::parse(text, nullptr, false);
  auto address = address_from_json(json, "");
  return address ? std::move(*address) : Address{};
}
}  // namespace

ItemRow item_from_row(const store::Row& row) {
  ItemRow out;
  out.row_id = row.text(0);
  auto& item = out.item;
  item.id = row.text(1);
  item.product = row.text(2);
  item.sender = stored_address(row.text(3));
  item.addressee = stored_address(row.text(4));
  item.sender_party_id = row.optional_text(5);
  item.addressee_party_id = row.optional_text(6);
  item.weight_g = row.int64(7);
  item.length_mm = row.int64(8);
  item.width_mm = row.int64(9);
  item.height_mm = row.int64(10);
  item.declared_value = row.optional_int64(11);
  item.declared_currency = row.optional_text(12);
  item.contents = row.optional_text(13);
  item.payment_intent_id = row.optional_text(14);
  item.settlement = row.optional_text(15);
  item.origin_country = row.text(16);
  item.destination_country = row.text(17);
  item.status = row.text(18);
  item.last_event_code = row.optional_text(19);
  item.last_event_at_ms = row.optional_int64(20);
  item.posted_at_ms = row.optional_int64(21);
  item.first_attempt_at_ms = row.optional_int64(22);
  item.delivered_at_ms = row.optional_int64(23);
  item.anomalies = row.int64(24);
  item.source = row.text(25);
  item.office = row.optional_text(26);
  item.created_at_ms = row.int64(27);
  const auto offset = [&row](std::size_t column) -> std::optional<std::int32_t> {
    const auto value = row.optional_int64(column);
    if (!value) return std::nullopt;
    return static_cast<std::int32_t>(std::clamp<std::int64_t>(*value, -kMaxUtcOffsetMinutes, kMaxUtcOffsetMinutes));
  };
  out.posted_offset_minutes = offset(28);
  out.first_attempt_offset_minutes = offset(29);
  return out;
}

std::optional<ItemRow> load_item(store::Transaction& tx, const std::string& s10) {
  auto row = tx.query_one(std::string("SELECT ") + kItemColumns +
                              " FROM parcel_items i WHERE i.s10 = ? ORDER BY i.created_at_ms DESC LIMIT 1",
                          {s10});
  if (!row) return std::nullopt;
  return item_from_row(*row);
}

bool is_staff(const Principal& caller) {
  return caller.has_role(Role::postal_clerk) || caller.has_role(Role::carrier) ||
         caller.has_role(Role::customs_officer) || caller.has_role(Role::operator_admin);
}

Status authorize_item(store::Transaction& tx, identity::IdentityService& identity, const Principal& caller,
                      const ItemRow& row, std::string_view action) {
  const auto& item = row.item;
  const std::string resource = "item:" + item.id;
  if (is_staff(caller)) {
    const char* capacity = caller.has_role(Role::operator_admin)    ? "operator_admin"
                           : caller.has_role(Role::customs_officer) ? "customs_officer"
                           : caller.has_role(Role::postal_clerk)    ? "postal_clerk"
                                                                    : "carrier";
    for (const auto& party : {item.sender_party_id, item.addressee_party_id}) {
      if (party && *party != caller.party_id) identity.log_access(tx, caller, *party, capacity, action, resource);
    }
    return {};
  }
  for (const auto& party : {item.sender_party_id, item.addressee_party_id}) {
    if (party && identity.authorize_party_access(tx, caller, *party, identity::Scope::parcels_read, action, resource))
      return {};
  }
  return not_found("item_not_found", "no item has this id");
}

}  // namespace detail

ParcelsService::ParcelsService(store::Store& store, identity::IdentityService& identity,
                               mailbox::MailboxService* mailbox, payments::CheckoutService* checkout,
                               ParcelsOptions options)
    : store_(store), identity_(identity), mailbox_(mailbox), checkout_(checkout), options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return now_ms(); };
}

std::int64_t ParcelsService::clock_ms() const {
  return options_.clock();
}

namespace {

IdRange range_from_row(const store::Row& row) {
  return {row.text(0),  row.text(1),  row.text(2),       row.int64(3),
          row.int64(4), row.int64(5), row.int64(6) != 0, row.int64(7)};
}
constexpr const char* kRangeColumns =
    "id, service, country, first_serial, last_serial, next_serial, active, created_at_ms";

Status require_admin(const Principal& caller) {
  if (!caller.has_role(Role::operator_admin))
    return forbidden("role_not_allowed", "only operator admins manage id ranges");
  return {};
}

// The id for a new item: the next serial of the oldest active range for the service's product and
// the origin country, skipping serials whose id was issued within the reuse window (after a range
// wraps around).
Result<std::string> issue_id(store::Transaction& tx, const std::string& product, const std::string& country,
                             std::int64_t now, std::int64_t reuse_ms) {
  for (const auto& row : tx.query(std::string("SELECT ") + kRangeColumns +
                                      " FROM parcel_id_ranges WHERE country = ? AND active = 1 AND "
                                      "substr(service, 1, 1) = ? ORDER BY created_at_ms, id",
                                  {country, product})) {
    const auto range = range_from_row(row);
    const std::int64_t size = range.last_serial - range.first_serial + 1;
    std::int64_t serial = range.next_serial;
    for (std::int64_t tried = 0; tried < std::min<std::int64_t>(size, 1000); ++tried) {
      const auto id = make_s10(range.service, static_cast<std::uint32_t>(serial), range.country);
      const std::int64_t next = serial == range.last_serial ? range.first_serial : serial + 1;
      const bool recent =
          tx.query_one("SELECT 1 FROM parcel_items WHERE s10 = ? AND created_at_ms > ?", {id, now - reuse_ms})
              .has_value();
      serial = next;
      if (recent) continue;
      tx.execute("UPDATE parcel_id_ranges SET next_serial = ? WHERE id = ?", {next, range.id});
      return id;
    }
  }
  return conflict("no_id_available", "no active id range for product " + product + " in " + country +
                                         " has an id that was not issued within the last 12 months");
}

std::string fingerprint_of(const ItemInput& input) {
  Json json = {{"product", input.product},
               {"sender", address_json(input.sender)},
               {"addressee", address_json(input.addressee)},
               {"weight_g", input.weight_g},
               {"size", {input.length_mm, input.width_mm, input.height_mm}},
               {"declared", input.declared_value ? Json(*input.declared_value) : Json(nullptr)},
               {"currency", input.declared_currency.value_or("")},
               {"contents", input.contents.value_or("")},
               {"intent", input.payment_intent_id.value_or("")},
               {"office", input.office.value_or("")}};
  if (input.addressee_party)
    json["to"] = {static_cast<int>(input.addressee_party->kind), input.addressee_party->identifier};
  if (input.sender_party) json["from"] = {static_cast<int>(input.sender_party->kind), input.sender_party->identifier};
  return crypto::hex_encode(crypto::sha256(json.dump()));
}

}  // namespace

Result<IdRange> ParcelsService::add_range(const Principal& admin, const std::string& service,
                                          const std::string& country, std::int64_t first_serial,
                                          std::int64_t last_serial) {
  BARID_TRY(require_admin(admin));
  if (service.size() != 2 || service[0] < 'A' || service[0] > 'Z' || service[1] < 'A' || service[1] > 'Z' ||
      !product_by_code(service.substr(0, 1)))
    return invalid_input("invalid_range",
                         "service must be 2 capital letters, the first a product code (R, L, C, H, E)");
  if (!is_country_code(country)) return invalid_input("invalid_range", "country must be an ISO 3166-1 alpha-2 code");
  if (first_serial < 0 || last_serial > 99'999'999 || first_serial > last_serial)
    return invalid_input("invalid_range", "serials run from first_serial to last_serial within 0 to 99,999,999");
  const auto now = clock_ms();
  return store_.write<IdRange>([&](store::Transaction& tx) -> Result<IdRange> {
    for (const auto& row : tx.query("SELECT id, first_serial, last_serial FROM parcel_id_ranges WHERE service = ? "
                                    "AND country = ?",
                                    {service, country})) {
      if (row.int64(1) <= last_serial && first_serial <= row.int64(2))
        return conflict("range_overlaps", "the serials overlap range " + row.text(0));
    }
    IdRange range{"rng_" + crypto::new_uuid(), service, country, first_serial, last_serial, first_serial, true, now};
    tx.execute(
        "INSERT INTO parcel_id_ranges (id, service, country, first_serial, last_serial, next_serial, active, "
        "created_at_ms, created_by_user_id) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
        {range.id, service, country, first_serial, last_serial, first_serial, now, admin.user_id});
    return range;
  });
}

Result<IdRange> ParcelsService::set_range_active(const Principal& admin, const std::string& range_id, bool active) {
  BARID_TRY(require_admin(admin));
  return store_.write<IdRange>([&](store::Transaction& tx) -> Result<IdRange> {
    tx.execute("UPDATE parcel_id_ranges SET active = ? WHERE id = ?", {active ? 1 : 0, range_id});
    auto row = tx.query_one(std::string("SELECT ") + kRangeColumns + " FROM parcel_id_ranges WHERE id = ?", {range_id});
    if (!row) return not_found("range_not_found", "no id range has this id");
    return range_from_row(*row);
  });
}

Result<std::vector<IdRange>> ParcelsService::ranges(const Principal& admin) {
  BARID_TRY(require_admin(admin));
  return store_.read<std::vector<IdRange>>([&](store::Transaction& tx) {
    std::vector<IdRange> out;
    for (const auto& row :
         tx.query(std::string("SELECT ") + kRangeColumns + " FROM parcel_id_ranges ORDER BY created_at_ms, id")) {
      out.push_back(range_from_row(row));
    }
    return out;
  });
}

namespace detail {

Status normalize_item_input(ItemInput& input) {
  const auto* product = product_by_code(input.product);
  if (!product) return invalid_input("invalid_item", "product must be one of R, L, C, H, E");
  BARID_TRY(check_item_size(*product, input.weight_g, input.length_mm, input.width_mm, input.height_mm));
  BARID_ASSIGN_OR_RETURN(input.sender, normalize_address(std::move(input.sender)));
  BARID_ASSIGN_OR_RETURN(input.addressee, normalize_address(std::move(input.addressee)));
  if (input.declared_value.has_value() != input.declared_currency.has_value())
    return invalid_input("invalid_item", "declared_value and declared_currency go together");
  if (input.declared_value && (*input.declared_value < 0 || *input.declared_value > 1'000'000'000'000))
    return invalid_input("invalid_item", "declared_value is out of range");
  if (input.declared_currency && (input.declared_currency->size() != 3 ||
                                  !std::all_of(input.declared_currency->begin(), input.declared_currency->end(),
                                               [](char c) { return c >= 'A' && c <= 'Z'; })))
    return invalid_input("invalid_item", "declared_currency must be an ISO 4217 code");
  if (input.contents && (input.contents->empty() || utf8_length(*input.contents) > 200))
    return invalid_input("invalid_item", "contents holds 1 to 200 characters");
  return {};
}

}  // namespace detail

Result<Item> ParcelsService::create_item(const Principal& caller, const ItemInput& raw,
                                         const std::string& idempotency_key) {
  const bool clerk = caller.has_role(Role::postal_clerk);
  if (!clerk && !caller.has_role(Role::business) && !caller.has_role(Role::citizen))
    return forbidden("role_not_allowed", "businesses, citizens and postal clerks ship items");
  if (idempotency_key.empty()) return invalid_input("idempotency_key_required", "send an Idempotency-Key header");
  ItemInput input = raw;
  BARID_TRY(detail::normalize_item_input(input));
  if (!clerk && (input.sender_party || input.office))
    return forbidden("role_not_allowed", "only a clerk accepting an item names its sender's party or office");
  if (input.payment_intent_id && !checkout_)
    return invalid_input("checkout_unavailable", "this node has no checkout service to link a payment intent to");
  const std::string scope = clerk ? "user:" + caller.user_id : "party:" + caller.party_id;
  const bool repeated = store_.read<bool>([&](store::Transaction& tx) {
    return tx
        .query_one("SELECT 1 FROM parcel_requests WHERE scope = ? AND idempotency_key = ?", {scope, idempotency_key})
        .has_value();
  });
  if (input.payment_intent_id && !repeated) {
    // The intent must be the caller's own (checkout decides who sees it), paid and waiting in escrow.
    auto intent = checkout_->intent(caller, *input.payment_intent_id);
    if (!intent || intent->merchant_party_id != caller.party_id)
      return not_found("intent_not_found", "the sender has no payment intent with this id");
    if (intent->status != "held" && intent->status != "pending_confirmation")
      return make_error(ErrorKind::unprocessable, "intent_not_held",
                        "the payment intent is " + intent->status + ", not held in escrow");
  }
  const auto now = clock_ms();
  const auto fingerprint = fingerprint_of(input);

  for (int attempt = 0;; ++attempt) {
    try {
      return store_.write<Item>([&](store::Transaction& tx) -> Result<Item> {
        if (auto earlier = tx.query_one("SELECT fingerprint, item_row_id FROM parcel_requests WHERE scope = ? AND "
                                        "idempotency_key = ?",
                                        {scope, idempotency_key})) {
          if (earlier->text(0) != fingerprint)
            return conflict("idempotency_key_reused", "this Idempotency-Key was used for a different item");
          auto row =
              tx.query_one(std::string("SELECT ") + detail::kItemColumns + " FROM parcel_items i WHERE i.row_id = ?",
                           {earlier->text(1)});
          auto replayed = detail::item_from_row(*row);
          detail::attach_quality(tx, {&replayed}, now);
          replayed.item.replayed = true;
          return std::move(replayed.item);
        }
        std::optional<std::string> sender_party = clerk ? std::nullopt : std::optional(caller.party_id);
        if (input.sender_party) {
          auto found = identity_.find_recipient(tx, input.sender_party->kind, input.sender_party->identifier);
          if (!found) return not_found("sender_not_found", "no party has this identifier");
          sender_party = found->party.id;
        }
        std::optional<std::string> addressee_party;
        if (input.addressee_party) {
          auto found = identity_.find_recipient(tx, input.addressee_party->kind, input.addressee_party->identifier);
          if (!found) return not_found("addressee_not_found", "no party has this identifier");
          addressee_party = found->party.id;
        }
        if (input.payment_intent_id &&
            tx.query_one("SELECT 1 FROM parcel_items WHERE payment_intent_id = ?", {*input.payment_intent_id}))
          return conflict("intent_already_linked", "another item already carries this payment intent");
        BARID_ASSIGN_OR_RETURN(auto s10, issue_id(tx, input.product, input.sender.country, now, options_.id_reuse_ms));
        const std::string row_id = "itm_" + crypto::new_uuid();
        const auto optional = [](const auto& value) -> store::Value {
          if (value) return store::Value(*value);
          return store::Value(nullptr);
        };
        tx.execute(
            "INSERT INTO parcel_items (row_id, s10, product, sender_address, addressee_address, sender_party_id, "
            "addressee_party_id, weight_g, length_mm, width_mm, height_mm, declared_value, declared_currency, "
            "contents, payment_intent_id, settlement, origin_country, destination_country, status, anomalies, "
            "source, office, created_at_ms, created_by_user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "NULL, ?, ?, 'created', 0, ?, ?, ?, ?)",
            {row_id,
             s10,
             input.product,
             address_json(input.sender).dump(),
             address_json(input.addressee).dump(),
             optional(sender_party),
             optional(addressee_party),
             input.weight_g,
             input.length_mm,
             input.width_mm,
             input.height_mm,
             optional(input.declared_value),
             optional(input.declared_currency),
             optional(input.contents),
             optional(input.payment_intent_id),
             input.sender.country,
             input.addressee.country,
             clerk ? "counter" : "online",
             optional(input.office),
             now,
             caller.user_id});
        // Scans that came before the item did (a partner's, or a quick carrier) now belong to it.
        if (tx.execute("UPDATE parcel_events SET item_row_id = ? WHERE s10 = ? AND item_row_id IS NULL",
                       {row_id, s10}) > 0)
          detail::refresh_item(tx, row_id);
        tx.execute(
            "INSERT INTO parcel_requests (scope, idempotency_key, fingerprint, item_row_id, created_at_ms) "
            "VALUES (?, ?, ?, ?, ?)",
            {scope, idempotency_key, fingerprint, row_id, now});
        auto row = tx.query_one(
            std::string("SELECT ") + detail::kItemColumns + " FROM parcel_items i WHERE i.row_id = ?", {row_id});
        return detail::item_from_row(*row).item;
      });
    } catch (const store::StoreError& error) {
      // Another instance issued the same serial or used the same key at the same moment: try again.
      if (error.kind() != store::StoreError::Kind::unique_violation || attempt >= 3) throw;
    }
  }
}

Result<Item> ParcelsService::item(const Principal& caller, const std::string& item_id) {
  BARID_ASSIGN_OR_RETURN(auto s10, normalize_s10(item_id));
  return store_.write<Item>([&](store::Transaction& tx) -> Result<Item> {
    auto row = detail::load_item(tx, s10);
    if (!row) return not_found("item_not_found", "no item has this id");
    BARID_TRY(detail::authorize_item(tx, identity_, caller, *row, "item.read"));
    detail::attach_quality(tx, {&*row}, clock_ms());
    return std::move(row->item);
  });
}

Result<ItemPage> ParcelsService::items_of(const Principal& caller, bool incoming, std::size_t limit,
                                          const std::optional<std::string>& cursor) {
  limit = std::clamp<std::size_t>(limit, 1, 200);
  std::int64_t before = std::numeric_limits<std::int64_t>::max();
  std::string before_row = "~";
  if (cursor) {
    const auto separator = cursor->find('_');
    try {
      if (separator == std::string::npos) throw std::invalid_argument("cursor");
      before = std::stoll(cursor->substr(0, separator));
      before_row = cursor->substr(separator + 1);
    } catch (const std::exception&) {
      return invalid_input("invalid_cursor", "the cursor is not one this API gave");
    }
  }
  const std::string column = incoming ? "addressee_party_id" : "sender_party_id";
  const auto now = clock_ms();
  return store_.read<ItemPage>([&](store::Transaction& tx) {
    ItemPage page;
    std::vector<detail::ItemRow> rows;
    for (const auto& row :
         tx.query(std::string("SELECT ") + detail::kItemColumns + " FROM parcel_items i WHERE i." + column +
                      " = ? AND (i.created_at_ms < ? OR (i.created_at_ms = ? AND i.row_id < ?)) "
                      "ORDER BY i.created_at_ms DESC, i.row_id DESC LIMIT ?",
                  {caller.party_id, before, before, before_row, static_cast<std::int64_t>(limit + 1)})) {
      auto item = detail::item_from_row(row);
      if (rows.size() == limit) {
        const auto& last = rows.back().item;
        page.next_cursor = std::to_string(last.created_at_ms) + "_" + before_row;
        break;
      }
      before_row = item.row_id;
      rows.push_back(std::move(item));
    }
    std::vector<detail::ItemRow*> measured;
    measured.reserve(rows.size());
    for (auto& row : rows) measured.push_back(&row);
    detail::attach_quality(tx, measured, now);
    for (auto& row : rows) page.items.push_back(std::move(row.item));
    return page;
  });
}

Result<std::string> ParcelsService::label_pdf(const Principal& caller, const std::string& item_id) {
  BARID_ASSIGN_OR_RETURN(auto item, this->item(caller, item_id));
  const auto* product = product_by_code(item.product);
  documents::ParcelLabel label;
  label.item_id = item.id;
  label.product_code = item.product;
  label.product_ar = std::string(product->name_ar);
  label.product_latin = std::string(product->name_en);
  char weight[32];
  std::snprintf(weight, sizeof weight, "%lld.%03lld kg", static_cast<long long>(item.weight_g / 1000),
                static_cast<long long>(item.weight_g % 1000));
  label.weight = weight;
  label.sender_ar = address_lines(item.sender, false);
  label.sender_latin = address_lines(item.sender, true);
  label.addressee_ar = address_lines(item.addressee, false);
  label.addressee_latin = address_lines(item.addressee, true);
  label.origin_country = item.origin_country;
  label.destination_country = item.destination_country;
  // International items travel with a customs declaration: CN 23 for parcels, CN 22 for letter post.
  if (item.origin_country != item.destination_country) label.customs_note = product->parcel ? "CN 23" : "CN 22";
  label.date = format_utc_ms(item.created_at_ms).substr(0, 10);
  return documents::render_parcel_label_pdf(label);
}

}  // namespace barid::parcels

namespace barid::parcels {

void ParcelsService::register_export(identity::IdentityService& identity) {
  identity.add_export_section("parcels", [](store::Transaction& tx, const std::string& party_id) {
    Json items = Json::array();
    for (const auto& row : tx.query(std::string("SELECT ") + detail::kItemColumns +
                                        " FROM parcel_items i WHERE i.sender_party_id = ? OR i.addressee_party_id = ? "
                                        "ORDER BY i.created_at_ms",
                                    {party_id, party_id})) {
      const auto item = detail::item_from_row(row).item;
      items.push_back({{"id", item.id},
                       {"role", item.sender_party_id == party_id ? "sender" : "addressee"},
                       {"product", item.product},
                       {"sender", address_json(item.sender)},
                       {"addressee", address_json(item.addressee)},
                       {"weight_g", item.weight_g},
                       {"status", item.status},
                       {"created_at_ms", item.created_at_ms}});
    }
    return Json{{"items", items}};
  });
}

}  // namespace barid::parcels
