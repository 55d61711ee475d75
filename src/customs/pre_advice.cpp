// Pre-advice between postal operators (REFERENCE §9): partner operators and their keys, signed
// bundles of outbound items with their declarations and scans, and their import, all or nothing and
// idempotent. A bundle is a self-contained signed document: it travels as a file today and can travel
// unchanged as a message between nodes later (docs/pre-advice.md).
#include "internal.hpp"

#include <barid/core/time.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/parcels/parcels.hpp>

#include <algorithm>
#include <set>

namespace barid::customs {

using identity::Principal;
using identity::Role;

namespace {

constexpr const char* kFormat = "barid.pre_advice.v1";
constexpr std::size_t kMaxEventsPerItem = 100;

Error malformed(std::string message) {
  return invalid_input("invalid_pre_advice", std::move(message));
}

// The item's part of a bundle: what the destination's operator and customs need, nothing more.
Json bundle_item(const parcels::Item& item, const std::optional<identity::Party>& addressee,
                 const Declaration& declaration, const std::vector<parcels::TrackingEvent>& events) {
  Json json = {{"id", item.id},
               {"product", item.product},
               {"sender", parcels::address_json(item.sender)},
               {"addressee", parcels::address_json(item.addressee)},
               {"weight_g", item.weight_g},
               {"length_mm", item.length_mm},
               {"width_mm", item.width_mm},
               {"height_mm", item.height_mm}};
  if (addressee)
    json["addressee_party"] = {{"type", std::string(identity::to_string(addressee->kind))},
                               {"id", addressee->identifier}};
  if (item.declared_value) json["declared_value"] = *item.declared_value;
  if (item.declared_currency) json["declared_currency"] = *item.declared_currency;
  if (item.contents) json["contents"] = *item.contents;
  Json content = detail::content_json(declaration.content);
  content["form"] = declaration.form;
  json["declaration"] = std::move(content);
  Json scans = Json::array();
  for (const auto& event : events) {
    if (scans.size() >= kMaxEventsPerItem) break;
    scans.push_back(parcels::scan_json(event.scan));
  }
  json["events"] = std::move(scans);
  return json;
}

template <class T>
Result<T> at_item(Result<T> result, std::size_t n) {
  if (result) return result;
  return malformed("items[" + std::to_string(n) + "]: " + result.error().message);
}

struct Announced {
  std::string id;
  parcels::ItemInput input;
  DeclarationInput declaration;
  std::string form;
  std::vector<parcels::ScanLine> scans;
};

Result<Announced> read_announced(const Json& json, std::size_t n) {
  if (!json.is_object()) return malformed("items[" + std::to_string(n) + "] must be an object");
  FieldReader reader(json);
  Announced out;
  BARID_ASSIGN_OR_RETURN(auto id, at_item(reader.required_string("id", 13, 13), n));
  BARID_ASSIGN_OR_RETURN(out.id, at_item(parcels::normalize_s10(id), n));
  auto& input = out.input;
  BARID_ASSIGN_OR_RETURN(input.product, at_item(reader.required_string("product", 1, 1), n));
  if (!json.contains("sender") || !json.contains("addressee"))
    return malformed("items[" + std::to_string(n) + "]: sender and addressee are required");
  BARID_ASSIGN_OR_RETURN(input.sender, at_item(parcels::address_from_json(json["sender"], "sender"), n));
  BARID_ASSIGN_OR_RETURN(input.addressee, at_item(parcels::address_from_json(json["addressee"], "addressee"), n));
  if (json.contains("addressee_party") && !json["addressee_party"].is_null()) {
    const auto& party = json["addressee_party"];
    if (!party.is_object()) return malformed("items[" + std::to_string(n) + "]: addressee_party must be an object");
    FieldReader party_reader(party);
    BARID_ASSIGN_OR_RETURN(auto type, at_item(party_reader.required_string("type", 1, 32), n));
    BARID_ASSIGN_OR_RETURN(auto identifier, at_item(party_reader.required_string("id", 1, 64), n));
    const auto kind = identity::party_kind_from_string(type);
    if (!kind) return malformed("items[" + std::to_string(n) + "]: addressee_party.type is not a party type");
    input.addressee_party = parcels::AddresseeParty{*kind, identifier};
  }
  BARID_ASSIGN_OR_RETURN(input.weight_g, at_item(reader.required_int("weight_g", 1, 1'000'000), n));
  BARID_ASSIGN_OR_RETURN(input.length_mm, at_item(reader.required_int("length_mm", 1, 100'000), n));
  BARID_ASSIGN_OR_RETURN(input.width_mm, at_item(reader.required_int("width_mm", 1, 100'000), n));
  BARID_ASSIGN_OR_RETURN(input.height_mm, at_item(reader.required_int("height_mm", 1, 100'000), n));
  BARID_ASSIGN_OR_RETURN(input.declared_value, at_item(reader.optional_int("declared_value", 0, 1'000'000'000'000), n));
  BARID_ASSIGN_OR_RETURN(input.declared_currency, at_item(reader.optional_string("declared_currency", 3, 3), n));
  BARID_ASSIGN_OR_RETURN(input.contents, at_item(reader.optional_string("contents", 1, 200), n));
  if (!json.contains("declaration") || !json["declaration"].is_object())
    return malformed("items[" + std::to_string(n) + "]: declaration is required");
  const auto& declaration = json["declaration"];
  BARID_ASSIGN_OR_RETURN(out.declaration, at_item(declaration_from_json(declaration), n));
  out.form = declaration.value("form", "");
  if (out.form != "CN22" && out.form != "CN23")
    return malformed("items[" + std::to_string(n) + "]: declaration.form must be CN22 or CN23");
  if (json.contains("events")) {
    const auto& events = json["events"];
    if (!events.is_array() || events.size() > kMaxEventsPerItem)
      return malformed("items[" + std::to_string(n) + "]: events must be an array of at most " +
                       std::to_string(kMaxEventsPerItem) + " scans");
    for (std::size_t e = 0; e < events.size(); ++e) {
      auto scan = parcels::scan_from_json(events[e]);
      if (!scan)
        return malformed("items[" + std::to_string(n) + "].events[" + std::to_string(e) + "]: " + scan.error().message);
      if (scan->item_id != out.id)
        return malformed("items[" + std::to_string(n) + "].events[" + std::to_string(e) + "] is another item's scan");
      out.scans.push_back({e + 1, std::move(*scan)});
    }
  }
  return out;
}

Json import_summary(const PreAdviceImport& result) {
  return {{"bundle_id", result.bundle_id},
          {"partner", result.partner},
          {"items", result.items},
          {"created", result.created},
          {"known", result.known},
          {"declarations", result.declarations},
          {"imported_at_ms", result.imported_at_ms}};
}

PreAdviceImport import_from_summary(const std::string& text) {
  const auto json = Json::parse(text);
  return {json["bundle_id"], json["partner"],      json["items"],         json["created"],
          json["known"],     json["declarations"], json["imported_at_ms"]};
}

PreAdviceExport export_from_row(const store::Row& row) {
  return {row.text(0), row.text(1), static_cast<std::size_t>(row.int64(2)), Json::parse(row.text(3)), row.int64(4)};
}
constexpr const char* kExportColumns = "id, destination_country, items, bundle, created_at_ms";

Partner partner_from_row(const store::Row& row) {
  return {row.text(0), row.text(1), row.text(2), row.text(3), row.int64(4) != 0, row.int64(5)};
}
constexpr const char* kPartnerColumns = "code, name, country, public_key, active, created_at_ms";

Status require_admin(const Principal& caller) {
  if (!caller.has_role(Role::operator_admin)) return forbidden("role_not_allowed", "operator admins only");
  return {};
}

}  // namespace

Result<Partner> CustomsService::add_partner(const Principal& admin, const Partner& input) {
  BARID_TRY(require_admin(admin));
  const auto bad = [](std::string message) { return invalid_input("invalid_partner", std::move(message)); };
  if (input.code.empty() || input.code.size() > 64 || !std::all_of(input.code.begin(), input.code.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
      }))
    return bad("code holds 1 to 64 of A-Z, 0-9, '-', '_' and '.'");
  if (input.name.empty() || utf8_length(input.name) > 200) return bad("name holds 1 to 200 characters");
  if (!parcels::is_country_code(input.country)) return bad("country must be an ISO 3166-1 alpha-2 code");
  crypto::Bytes key;
  if (!crypto::base64_decode(input.public_key, key) || key.size() != 32)
    return bad("public_key must be an Ed25519 public key: 32 bytes in standard base64");
  Partner partner = input;
  partner.active = true;
  partner.created_at_ms = clock_ms();
  return store_.write<Partner>([&](store::Transaction& tx) -> Result<Partner> {
    if (tx.query_one("SELECT 1 FROM customs_partners WHERE code = ?", {partner.code}))
      return conflict("partner_exists", "a partner with this code is registered");
    tx.execute(
        "INSERT INTO customs_partners (code, name, country, public_key, active, created_at_ms, created_by_user_id) "
        "VALUES (?, ?, ?, ?, 1, ?, ?)",
        {partner.code, partner.name, partner.country, partner.public_key, partner.created_at_ms, admin.user_id});
    return partner;
  });
}

Result<std::vector<Partner>> CustomsService::partners(const Principal& caller) {
  BARID_TRY(detail::require_officer(caller));
  return store_.read<std::vector<Partner>>([&](store::Transaction& tx) {
    std::vector<Partner> out;
    for (const auto& row : tx.query(std::string("SELECT ") + kPartnerColumns + " FROM customs_partners ORDER BY code"))
      out.push_back(partner_from_row(row));
    return out;
  });
}

Result<Partner> CustomsService::set_partner_active(const Principal& admin, const std::string& code, bool active) {
  BARID_TRY(require_admin(admin));
  return store_.write<Partner>([&](store::Transaction& tx) -> Result<Partner> {
    if (tx.execute("UPDATE customs_partners SET active = ? WHERE code = ?", {active ? 1 : 0, code}) == 0)
      return not_found("partner_not_found", "no partner has this code");
    return partner_from_row(
        *tx.query_one(std::string("SELECT ") + kPartnerColumns + " FROM customs_partners WHERE code = ?", {code}));
  });
}

Result<PreAdviceExport> CustomsService::export_pre_advice(const Principal& caller,
                                                          const std::string& destination_country,
                                                          const std::string& idempotency_key) {
  BARID_TRY(detail::require_officer(caller));
  BARID_TRY(detail::check_idempotency_key(idempotency_key));
  if (!parcels::is_country_code(destination_country))
    return invalid_input("invalid_country", "destination_country must be an ISO 3166-1 alpha-2 code");
  if (!options_.signing_key)
    return make_error(ErrorKind::unprocessable, "signing_key_missing", "this node has no key to sign bundles with");
  const std::string scope = "user:" + caller.user_id;
  const auto replay = [&](store::Transaction& tx) -> Result<std::optional<PreAdviceExport>> {
    auto row = tx.query_one(std::string("SELECT ") + kExportColumns +
                                " FROM customs_pre_advice_exports WHERE scope = ? AND idempotency_key = ?",
                            {scope, idempotency_key});
    if (!row) return std::optional<PreAdviceExport>();
    auto earlier = export_from_row(*row);
    if (earlier.destination_country != destination_country)
      return conflict("idempotency_key_reused", "this Idempotency-Key was used for an export to another country");
    earlier.replayed = true;
    return std::optional(std::move(earlier));
  };
  {
    auto earlier = store_.read<Result<std::optional<PreAdviceExport>>>(replay);
    if (!earlier) return std::move(earlier).error();
    if (*earlier) return std::move(**earlier);
  }
  // Declared items not exported yet, oldest declaration first; those bound for the destination go in.
  const auto candidates = store_.read<std::vector<Declaration>>([&](store::Transaction& tx) {
    std::vector<Declaration> out;
    for (const auto& row :
         tx.query("SELECT d.item_id, d.form, d.content, d.created_at_ms FROM customs_declarations d LEFT JOIN "
                  "customs_pre_advice_exported e ON e.item_id = d.item_id WHERE e.item_id IS NULL ORDER BY "
                  "d.created_at_ms, d.item_id LIMIT 5000")) {
      out.push_back({row.text(0), row.text(1), detail::content_from_text(row.text(2)), row.int64(3)});
    }
    return out;
  });
  const auto now = clock_ms();
  PreAdviceExport out;
  out.id = "pa_" + crypto::new_uuid();
  out.destination_country = destination_country;
  out.created_at_ms = now;
  Json items = Json::array();
  std::vector<std::string> ids;
  std::size_t bytes = 1024;
  for (const auto& declaration : candidates) {
    if (items.size() >= kMaxBundleItems) break;
    auto item = parcels_.item(caller, declaration.item_id);
    if (!item || item->destination_country != destination_country) continue;
    auto events = parcels_.events(caller, item->id);
    std::optional<identity::Party> addressee;
    if (item->addressee_party_id) {
      if (auto party = identity_.get_party(*item->addressee_party_id)) addressee = std::move(*party);
    }
    Json entry = bundle_item(*item, addressee, declaration, events ? *events : std::vector<parcels::TrackingEvent>{});
    const auto size = entry.dump().size();
    if (bytes + size > kMaxBundleBytes) break;
    bytes += size;
    items.push_back(std::move(entry));
    ids.push_back(item->id);
  }
  if (items.empty())
    return make_error(ErrorKind::unprocessable, "nothing_to_export",
                      "no declared item bound for " + destination_country + " is waiting to be pre-advised");
  out.items = ids.size();
  out.bundle = sign_bundle({{"format", kFormat},
                            {"id", out.id},
                            {"origin_operator", options_.operator_code},
                            {"destination_country", destination_country},
                            {"created_at", format_utc_ms(now)},
                            {"items", std::move(items)}},
                           *options_.signing_key);
  return store_.write<PreAdviceExport>([&](store::Transaction& tx) -> Result<PreAdviceExport> {
    BARID_ASSIGN_OR_RETURN(auto earlier, replay(tx));
    if (earlier) return std::move(*earlier);
    for (const auto& id : ids) {
      if (tx.query_one("SELECT 1 FROM customs_pre_advice_exported WHERE item_id = ?", {id}))
        return conflict("export_overlaps", "another export took some of these items at the same moment: try again");
      tx.execute("INSERT INTO customs_pre_advice_exported (item_id, export_id) VALUES (?, ?)", {id, out.id});
    }
    tx.execute(
        "INSERT INTO customs_pre_advice_exports (id, destination_country, items, bundle, scope, idempotency_key, "
        "created_at_ms, created_by_user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        {out.id, destination_country, static_cast<std::int64_t>(out.items), out.bundle.dump(), scope, idempotency_key,
         now, caller.user_id});
    return out;
  });
}

Result<PreAdviceExport> CustomsService::pre_advice_export(const Principal& caller, const std::string& export_id) {
  BARID_TRY(detail::require_officer(caller));
  auto found =
      store_.read<std::optional<PreAdviceExport>>([&](store::Transaction& tx) -> std::optional<PreAdviceExport> {
        auto row = tx.query_one(
            std::string("SELECT ") + kExportColumns + " FROM customs_pre_advice_exports WHERE id = ?", {export_id});
        if (!row) return std::nullopt;
        return export_from_row(*row);
      });
  if (!found) return not_found("export_not_found", "no pre-advice export has this id");
  return std::move(*found);
}

Result<std::vector<PreAdviceExport>> CustomsService::pre_advice_exports(const Principal& caller, std::size_t limit) {
  BARID_TRY(detail::require_officer(caller));
  return store_.read<std::vector<PreAdviceExport>>([&](store::Transaction& tx) {
    std::vector<PreAdviceExport> out;
    for (const auto& row : tx.query(std::string("SELECT ") + kExportColumns +
                                        " FROM customs_pre_advice_exports ORDER BY created_at_ms DESC, id LIMIT ?",
                                    {static_cast<std::int64_t>(std::clamp<std::size_t>(limit, 1, 200))})) {
      out.push_back(export_from_row(row));
      out.back().bundle = Json();  // the list names the exports; each is downloaded on its own
    }
    return out;
  });
}

Result<PreAdviceImport> CustomsService::import_pre_advice(const Principal& caller, const Json& bundle) {
  BARID_TRY(detail::require_officer(caller));
  if (!bundle.is_object() || !bundle.contains("origin_operator") || !bundle["origin_operator"].is_string())
    return malformed("origin_operator must name the partner that signed the bundle");
  const auto partner_code = bundle["origin_operator"].get<std::string>();
  auto partner = store_.read<std::optional<Partner>>([&](store::Transaction& tx) -> std::optional<Partner> {
    auto row = tx.query_one(std::string("SELECT ") + kPartnerColumns + " FROM customs_partners WHERE code = ?",
                            {partner_code});
    if (!row) return std::nullopt;
    return partner_from_row(*row);
  });
  if (!partner)
    return make_error(ErrorKind::unprocessable, "partner_not_registered",
                      "no partner operator is registered with the code the bundle names");
  if (!partner->active)
    return make_error(ErrorKind::unprocessable, "partner_inactive", "the partner operator is deactivated");
  crypto::Bytes key;
  crypto::base64_decode(partner->public_key, key);
  BARID_TRY(verify_bundle(bundle, key));

  std::vector<Announced> announced;
  std::set<std::string> seen;
  for (std::size_t n = 0; n < bundle["items"].size(); ++n) {
    BARID_ASSIGN_OR_RETURN(auto item, read_announced(bundle["items"][n], n));
    if (!seen.insert(item.id).second) return malformed("items[" + std::to_string(n) + "] repeats an earlier item's id");
    announced.push_back(std::move(item));
  }
  const auto signed_bytes = bundle_signing_bytes(bundle);
  const auto digest = crypto::hex_encode(crypto::sha256(signed_bytes));
  const auto now = clock_ms();
  PreAdviceImport out;
  out.bundle_id = bundle["id"];
  out.partner = partner->code;
  out.items = announced.size();
  out.imported_at_ms = now;

  const auto write = [&] {
    return store_.write<PreAdviceImport>([&](store::Transaction& tx) -> Result<PreAdviceImport> {
      if (auto earlier = tx.query_one("SELECT partner_code, digest, summary FROM customs_pre_advice_imports WHERE "
                                      "bundle_id = ?",
                                      {out.bundle_id})) {
        if (earlier->text(0) != out.partner || earlier->text(1) != digest)
          return conflict("bundle_id_reused", "another bundle was imported under this id");
        auto replayed = import_from_summary(earlier->text(2));
        replayed.replayed = true;
        return replayed;
      }
      for (std::size_t n = 0; n < announced.size(); ++n) {
        const auto& item = announced[n];
        BARID_ASSIGN_OR_RETURN(auto created, at_item(parcels_.receive_announced(tx, caller, item.id, item.input), n));
        ++(created ? out.created : out.known);
        if (!tx.query_one("SELECT 1 FROM customs_declarations WHERE item_id = ?", {item.id})) {
          tx.execute(
              "INSERT INTO customs_declarations (item_id, form, content, declared_by_user_id, created_at_ms) VALUES "
              "(?, ?, ?, ?, ?)",
              {item.id, item.form, detail::content_json(item.declaration).dump(), caller.user_id, now});
          ++out.declarations;
        }
      }
      tx.execute(
          "INSERT INTO customs_pre_advice_imports (bundle_id, partner_code, digest, summary, imported_at_ms, "
          "imported_by_user_id) VALUES (?, ?, ?, ?, ?, ?)",
          {out.bundle_id, out.partner, digest, import_summary(out).dump(), now, caller.user_id});
      return out;
    });
  };
  Result<PreAdviceImport> imported = Error{};
  for (int attempt = 0;; ++attempt) {
    try {
      imported = write();
      break;
    } catch (const store::StoreError& error) {
      // The same bundle imported at the same moment elsewhere: the next attempt replays it.
      if (error.kind() != store::StoreError::Kind::unique_violation || attempt >= 2) throw;
    }
  }
  if (!imported) return imported;
  // The partner's scans after the items exist (deduplicated: a repeated import adds nothing, and
  // completes what a crash between the two steps left out).
  std::vector<parcels::ScanLine> scans;
  for (const auto& item : announced) scans.insert(scans.end(), item.scans.begin(), item.scans.end());
  if (!scans.empty()) {
    auto recorded = parcels_.record_scans(caller, scans);
    if (!recorded) return std::move(recorded).error();
  }
  return imported;
}

}  // namespace barid::customs
