#include "internal.hpp"

#include <barid/core/log.hpp>
#include <barid/core/time.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/customs/customs.hpp>
#include <barid/parcels/parcels.hpp>
#include <barid/payments/bills.hpp>
#include <barid/transparency/log.hpp>

#include <algorithm>
#include <cctype>

namespace barid::customs {

using identity::Principal;
using identity::Role;

namespace detail {

Status require_officer(const Principal& caller) {
  if (!caller.has_role(Role::customs_officer) && !caller.has_role(Role::operator_admin))
    return forbidden("role_not_allowed", "customs officers (and operator admins) only");
  return {};
}

Status check_idempotency_key(const std::string& key) {
  if (key.empty()) return invalid_input("idempotency_key_required", "send an Idempotency-Key header");
  if (key.size() > 200 || !std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c < 0x7f; }))
    return invalid_input("invalid_idempotency_key", "an Idempotency-Key holds 1 to 200 printable ASCII characters");
  return {};
}

DeclarationInput content_from_text(const std::string& text) {
  // Stored declarations were validated when they were written.
  auto parsed = declaration_from_json(Json::parse(text));
  return parsed ? std::move(*parsed) : DeclarationInput{};
}

Json content_json(const DeclarationInput& content) {
  Declaration wrapper{"", "", content, 0};
  Json json = declaration_json(wrapper);
  for (const char* key : {"item_id", "form", "created_at_ms"}) json.erase(key);
  return json;
}

std::optional<Declaration> load_declaration(store::Transaction& tx, const std::string& item_id) {
  auto row = tx.query_one("SELECT form, content, created_at_ms FROM customs_declarations WHERE item_id = ?", {item_id});
  if (!row) return std::nullopt;
  return Declaration{item_id, row->text(0), content_from_text(row->text(1)), row->int64(2)};
}

}  // namespace detail

using detail::content_json;
using detail::load_declaration;
using detail::require_officer;

namespace {

constexpr const char* kFinalStates[] = {"released", "returned", "seized"};

bool is_final(const std::string& state) {
  return std::any_of(std::begin(kFinalStates), std::end(kFinalStates), [&](const char* s) { return state == s; });
}

std::vector<RiskRule> load_rules(store::Transaction& tx, bool active_only) {
  std::vector<RiskRule> out;
  for (const auto& row : tx.query(std::string("SELECT id, kind, parameters, active, created_at_ms FROM customs_rules") +
                                  (active_only ? " WHERE active = 1" : "") + " ORDER BY created_at_ms, id")) {
    out.push_back({row.text(0), row.text(1), Json::parse(row.text(2)), row.int64(3) != 0, row.int64(4)});
  }
  return out;
}

std::optional<Tariff> load_tariff(store::Transaction& tx) {
  auto row = tx.query_one("SELECT definition FROM customs_tariff WHERE id = 1");
  if (!row) return std::nullopt;
  const auto json = Json::parse(row->text(0));
  Tariff tariff{json["currency"], json["de_minimis"], {}};
  for (const auto& [chapter, rates] : json["rates"].items()) tariff.rates[chapter] = {rates[0], rates[1]};
  return tariff;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

Status check_rule(const std::string& kind, const Json& p) {
  const auto bad = [](std::string message) { return invalid_input("invalid_rule", std::move(message)); };
  if (!p.is_object()) return bad("parameters must be an object");
  const auto strings = [&](const char* name, std::size_t size) {
    if (!p.contains(name)) return true;
    if (!p[name].is_array() || p[name].size() > 200) return false;
    return std::all_of(p[name].begin(), p[name].end(), [&](const Json& v) {
      return v.is_string() && !v.get<std::string>().empty() && (size == 0 || v.get<std::string>().size() == size);
    });
  };
  if (kind == "value_above") {
    if (!p.contains("amount") || !p["amount"].is_number_integer() || p["amount"].get<std::int64_t>() < 0 ||
        !p.contains("currency") || !p["currency"].is_string())
      return bad("value_above needs {\"currency\": \"EGP\", \"amount\": minor units}");
  } else if (kind == "hs_chapter") {
    if (!p.contains("chapters") || !strings("chapters", 2)) return bad("hs_chapter needs {\"chapters\": [\"93\", …]}");
  } else if (kind == "watch_sender") {
    if (!strings("countries", 2) || !strings("names", 0) || (!p.contains("countries") && !p.contains("names")))
      return bad("watch_sender needs {\"countries\": [\"XX\"], \"names\": [\"…\"]}");
  } else if (kind == "weight_mismatch") {
    if (!p.contains("percent") || !p["percent"].is_number_integer() || p["percent"].get<int>() < 1 ||
        p["percent"].get<int>() > 1000)
      return bad("weight_mismatch needs {\"percent\": 1 to 1000}");
  } else if (kind != "missing_hs_code") {
    return bad("kind must be value_above, hs_chapter, watch_sender, weight_mismatch or missing_hs_code");
  }
  return {};
}

std::vector<RiskFlag> evaluate(const std::vector<RiskRule>& rules, const parcels::Item& item,
                               const std::optional<Declaration>& declaration) {
  std::vector<RiskFlag> flags;
  if (!declaration) {
    flags.push_back({"", "missing_declaration", "no CN 22 / CN 23 declaration was received for this item"});
    return flags;
  }
  const auto& d = declaration->content;
  for (const auto& rule : rules) {
    const auto& p = rule.parameters;
    const auto flag = [&](std::string reason) { flags.push_back({rule.id, rule.kind, std::move(reason)}); };
    if (rule.kind == "value_above") {
      if (d.currency == p["currency"] && d.total_value > p["amount"].get<std::int64_t>())
        flag("declared value " + std::to_string(d.total_value) + " " + d.currency + " is above " +
             std::to_string(p["amount"].get<std::int64_t>()));
    } else if (rule.kind == "hs_chapter") {
      for (std::size_t n = 0; n < d.lines.size(); ++n) {
        if (!d.lines[n].hs_code) continue;
        const auto chapter = d.lines[n].hs_code->substr(0, 2);
        for (const auto& restricted : p["chapters"]) {
          if (restricted == chapter)
            flag("line " + std::to_string(n + 1) + ": HS chapter " + chapter + " is restricted");
        }
      }
    } else if (rule.kind == "watch_sender") {
      for (const auto& country : p.value("countries", Json::array())) {
        if (country == item.sender.country) flag("the sender is in watched country " + item.sender.country);
      }
      const auto name = lower(item.sender.name + " " + item.sender.name_latin.value_or(""));
      for (const auto& watched : p.value("names", Json::array())) {
        if (name.find(lower(watched.get<std::string>())) != std::string::npos)
          flag("the sender's name matches watched name \"" + watched.get<std::string>() + "\"");
      }
    } else if (rule.kind == "weight_mismatch") {
      const auto percent = p["percent"].get<std::int64_t>();
      const auto difference = std::abs(d.gross_weight_g - item.weight_g);
      if (difference * 100 > item.weight_g * percent)
        flag("declared gross weight " + std::to_string(d.gross_weight_g) + " g is more than " +
             std::to_string(percent) + " % off the item's " + std::to_string(item.weight_g) + " g");
    } else if (rule.kind == "missing_hs_code") {
      for (std::size_t n = 0; n < d.lines.size(); ++n) {
        if (!d.lines[n].hs_code) flag("line " + std::to_string(n + 1) + " has no HS code");
      }
    }
  }
  return flags;
}

Decision decision_from_row(const store::Row& row) {
  Decision d;
  d.id = row.text(0);
  d.item_id = row.text(1);
  d.decision = row.text(2);
  d.note = row.optional_text(3);
  if (auto text = row.optional_text(4)) {
    const auto json = Json::parse(*text);
    d.assessment =
        Assessment{json["customs_value"], json["duty"], json["vat"], json["total"], json["below_de_minimis"]};
  }
  d.bill_id = row.optional_text(5);
  d.scan_code = row.text(6);
  d.log_index = row.int64(7);
  d.decided_by = row.text(8);
  d.decided_at_ms = row.int64(9);
  return d;
}
constexpr const char* kDecisionColumns =
    "id, item_id, decision, note, assessment, bill_id, scan_code, log_index, decided_by, decided_at_ms";

// The tracking scan each decision records, with its reason.
std::pair<const char*, std::optional<std::string>> scan_for(const std::string& decision) {
  if (decision == "release") return {"EDC", std::nullopt};
  if (decision == "duty_due") return {"EME", "duty and taxes due"};
  if (decision == "held") return {"EME", "held for examination"};
  if (decision == "documents_required") return {"EME", "documents required"};
  if (decision == "return_to_sender") return {"EDX", "returned to sender by customs"};
  return {"EDX", "seized by customs"};
}

const char* state_after(const std::string& decision) {
  if (decision == "release") return "released";
  if (decision == "return_to_sender") return "returned";
  if (decision == "seize") return "seized";
  if (decision == "held") return "held";
  return decision == "duty_due" ? "duty_due" : "documents_required";
}

}  // namespace

CustomsService::CustomsService(store::Store& store, identity::IdentityService& identity,
                               parcels::ParcelsService& parcels, payments::BillService& bills, CustomsOptions options)
    : store_(store), identity_(identity), parcels_(parcels), bills_(bills), options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return now_ms(); };
}

std::int64_t CustomsService::clock_ms() const {
  return options_.clock();
}

Result<Declaration> CustomsService::declare(const Principal& sender, const std::string& item_id,
                                            const DeclarationInput& input) {
  BARID_ASSIGN_OR_RETURN(auto item, parcels_.item(sender, item_id));
  if (!item.sender_party_id || *item.sender_party_id != sender.party_id)
    return not_found("item_not_found", "no item of yours has this id");
  if (item.origin_country == item.destination_country)
    return make_error(ErrorKind::unprocessable, "not_international", "a domestic item needs no customs declaration");
  const auto* product = parcels::product_by_code(item.product);
  const std::string form =
      product && !product->parcel && options_.cn22_limit > 0 && input.total_value <= options_.cn22_limit ? "CN22"
                                                                                                         : "CN23";
  const auto now = clock_ms();
  return store_.write<Declaration>([&](store::Transaction& tx) -> Result<Declaration> {
    if (tx.query_one("SELECT 1 FROM customs_cases WHERE item_id = ?", {item.id}) || item.status == "at_customs" ||
        item.status == "held_by_customs")
      return conflict("declaration_locked", "the item is before customs: its declaration can no longer change");
    tx.execute("DELETE FROM customs_declarations WHERE item_id = ?", {item.id});
    tx.execute(
        "INSERT INTO customs_declarations (item_id, form, content, declared_by_user_id, created_at_ms) VALUES "
        "(?, ?, ?, ?, ?)",
        {item.id, form, content_json(input).dump(), sender.user_id, now});
    return Declaration{item.id, form, input, now};
  });
}

Result<Declaration> CustomsService::declaration(const Principal& caller, const std::string& item_id) {
  BARID_ASSIGN_OR_RETURN(auto item, parcels_.item(caller, item_id));
  auto found =
      store_.read<std::optional<Declaration>>([&](store::Transaction& tx) { return load_declaration(tx, item.id); });
  if (!found) return not_found("declaration_not_found", "the item has no customs declaration");
  return std::move(*found);
}

Result<RiskRule> CustomsService::add_rule(const Principal& officer, const std::string& kind, const Json& parameters) {
  BARID_TRY(require_officer(officer));
  BARID_TRY(check_rule(kind, parameters));
  RiskRule rule{"rule_" + crypto::new_uuid(), kind, parameters, true, clock_ms()};
  store_.run_write([&](store::Transaction& tx) {
    tx.execute(
        "INSERT INTO customs_rules (id, kind, parameters, active, created_at_ms, created_by_user_id) VALUES "
        "(?, ?, ?, 1, ?, ?)",
        {rule.id, kind, parameters.dump(), rule.created_at_ms, officer.user_id});
    return true;
  });
  return rule;
}

Result<std::vector<RiskRule>> CustomsService::rules(const Principal& officer) {
  BARID_TRY(require_officer(officer));
  return store_.read<std::vector<RiskRule>>([&](store::Transaction& tx) { return load_rules(tx, false); });
}

Result<RiskRule> CustomsService::set_rule_active(const Principal& officer, const std::string& rule_id, bool active) {
  BARID_TRY(require_officer(officer));
  return store_.write<RiskRule>([&](store::Transaction& tx) -> Result<RiskRule> {
    if (tx.execute("UPDATE customs_rules SET active = ? WHERE id = ?", {active ? 1 : 0, rule_id}) == 0)
      return not_found("rule_not_found", "no risk rule has this id");
    for (auto& rule : load_rules(tx, false)) {
      if (rule.id == rule_id) return rule;
    }
    return not_found("rule_not_found", "no risk rule has this id");
  });
}

Result<Tariff> CustomsService::set_tariff(const Principal& officer, const Tariff& tariff) {
  BARID_TRY(require_officer(officer));
  const auto bad = [](std::string message) { return invalid_input("invalid_tariff", std::move(message)); };
  if (tariff.currency.size() != 3) return bad("currency must be an ISO 4217 code");
  if (tariff.de_minimis < 0) return bad("de_minimis must not be negative");
  if (tariff.rates.empty() || tariff.rates.size() > 100) return bad("rates hold 1 to 100 chapters");
  Json rates = Json::object();
  for (const auto& [chapter, pair] : tariff.rates) {
    const bool chapter_ok =
        chapter == "*" || (chapter.size() == 2 && std::isdigit(static_cast<unsigned char>(chapter[0])) &&
                           std::isdigit(static_cast<unsigned char>(chapter[1])));
    if (!chapter_ok) return bad("a chapter is 2 digits, or * for every other chapter");
    if (pair.first < 0 || pair.first > 100'000 || pair.second < 0 || pair.second > 100'000)
      return bad("rates are basis points from 0 to 100,000");
    rates[chapter] = {pair.first, pair.second};
  }
  const Json definition = {{"currency", tariff.currency}, {"de_minimis", tariff.de_minimis}, {"rates", rates}};
  store_.run_write([&](store::Transaction& tx) {
    tx.execute("DELETE FROM customs_tariff WHERE id = 1");
    tx.execute("INSERT INTO customs_tariff (id, definition, updated_at_ms, updated_by_user_id) VALUES (1, ?, ?, ?)",
               {definition.dump(), clock_ms(), officer.user_id});
    return true;
  });
  return tariff;
}

Result<Tariff> CustomsService::tariff(const Principal& officer) {
  BARID_TRY(require_officer(officer));
  auto found = store_.read<std::optional<Tariff>>([&](store::Transaction& tx) { return load_tariff(tx); });
  if (!found) return not_found("tariff_not_found", "no tariff is set");
  return std::move(*found);
}

Result<CustomsCase> CustomsService::case_of(const Principal& officer, const std::string& item_id) {
  BARID_TRY(require_officer(officer));
  BARID_ASSIGN_OR_RETURN(auto item, parcels_.item(officer, item_id));
  CustomsCase out;
  out.item_id = item.id;
  out.item_status = item.status;
  out.origin_country = item.origin_country;
  out.destination_country = item.destination_country;
  out.sender_name = item.sender.name_latin.value_or(item.sender.name);
  store_.run_read([&](store::Transaction& tx) {
    out.declaration = load_declaration(tx, item.id);
    out.flags = evaluate(load_rules(tx, true), item, out.declaration);
    auto state = tx.query_one("SELECT state FROM customs_cases WHERE item_id = ?", {item.id});
    out.state = state ? state->text(0) : "presented";
    for (const auto& row : tx.query(std::string("SELECT ") + kDecisionColumns +
                                        " FROM customs_decisions WHERE item_id = ? ORDER BY decided_at_ms, id",
                                    {item.id})) {
      out.decisions.push_back(decision_from_row(row));
    }
  });
  return out;
}

Result<std::vector<CustomsCase>> CustomsService::queue(const Principal& officer, std::size_t limit) {
  BARID_TRY(require_officer(officer));
  limit = std::clamp<std::size_t>(limit, 1, 200);
  // Declared items not yet finally decided, oldest first; those before customs now are the queue.
  const auto candidates = store_.read<std::vector<std::string>>([&](store::Transaction& tx) {
    std::vector<std::string> ids;
    for (const auto& row : tx.query("SELECT d.item_id FROM customs_declarations d LEFT JOIN customs_cases c ON "
                                    "c.item_id = d.item_id WHERE c.state IS NULL OR c.state NOT IN ('released', "
                                    "'returned', 'seized') ORDER BY d.created_at_ms LIMIT 2000")) {
      ids.push_back(row.text(0));
    }
    return ids;
  });
  std::vector<CustomsCase> out;
  for (const auto& id : candidates) {
    if (out.size() >= limit) break;
    auto found = case_of(officer, id);
    if (!found) continue;
    if (found->item_status == "at_customs" || found->item_status == "held_by_customs" || found->state != "presented")
      out.push_back(std::move(*found));
  }
  return out;
}

Result<std::optional<Decision>> CustomsService::earlier_decision(store::Transaction& tx, const Request& request) {
  auto earlier = tx.query_one(
      "SELECT fingerprint, decision_id FROM customs_requests WHERE scope = ? AND "
      "idempotency_key = ?",
      {request.scope, request.key});
  if (!earlier) return std::optional<Decision>();
  if (earlier->text(0) != request.fingerprint)
    return conflict("idempotency_key_reused", "this Idempotency-Key was used for another decision");
  auto row = tx.query_one(std::string("SELECT ") + kDecisionColumns + " FROM customs_decisions WHERE id = ?",
                          {earlier->text(1)});
  auto decision = decision_from_row(*row);
  decision.replayed = true;
  return std::optional(std::move(decision));
}

Result<Decision> CustomsService::decide(const Principal& officer, const std::string& item_id,
                                        const std::string& decision, const std::optional<std::string>& note,
                                        const std::string& idempotency_key) {
  if (!officer.has_role(Role::customs_officer)) return forbidden("role_not_allowed", "customs officers decide");
  BARID_TRY(detail::check_idempotency_key(idempotency_key));
  BARID_ASSIGN_OR_RETURN(auto s10, parcels::normalize_s10(item_id));
  const Request request{"user:" + officer.user_id, idempotency_key,
                        crypto::hex_encode(crypto::sha256(Json{s10, decision, note ? Json(*note) : Json()}.dump()))};
  auto earlier = store_.read<Result<std::optional<Decision>>>(
      [&](store::Transaction& tx) { return earlier_decision(tx, request); });
  if (!earlier) return std::move(earlier).error();
  if (*earlier) return std::move(**earlier);
  static constexpr const char* kDecisions[] = {"release",          "duty_due", "held", "documents_required",
                                               "return_to_sender", "seize"};
  if (std::none_of(std::begin(kDecisions), std::end(kDecisions), [&](const char* d) { return decision == d; }))
    return invalid_input("invalid_decision",
                         "decision is release, duty_due, held, documents_required, return_to_sender or seize");
  if (note && (note->empty() || utf8_length(*note) > 500))
    return invalid_input("invalid_decision", "note holds 1 to 500 characters");
  BARID_ASSIGN_OR_RETURN(auto current, case_of(officer, item_id));
  if (is_final(current.state)) return conflict("case_closed", "customs already decided: " + current.state);
  if (current.state == "presented" && current.item_status != "at_customs" && current.item_status != "held_by_customs")
    return conflict("item_not_presented", "the item has not been presented to customs (no EDB scan)");
  if (current.state == "duty_due" && decision == "duty_due")
    return conflict("duty_already_due", "the duty bill is already with the addressee");

  std::optional<Assessment> assessment;
  std::optional<std::string> bill_id;
  if (decision == "duty_due") {
    if (!current.declaration)
      return make_error(ErrorKind::unprocessable, "declaration_missing", "duty is assessed on a declaration");
    auto tariff = store_.read<std::optional<Tariff>>([&](store::Transaction& tx) { return load_tariff(tx); });
    if (!tariff) return make_error(ErrorKind::unprocessable, "tariff_not_found", "no tariff is set");
    if (tariff->currency != current.declaration->content.currency)
      return make_error(
          ErrorKind::unprocessable, "currency_not_supported",
          "the declaration is in " + current.declaration->content.currency + ", the tariff in " + tariff->currency);
    assessment = assess(current.declaration->content, *tariff);
    if (assessment->total == 0)
      return make_error(ErrorKind::unprocessable, "no_duty_due",
                        assessment->below_de_minimis ? "the value is within the de minimis: release the item"
                                                     : "the tariff gives no duty for this item: release it");
    BARID_ASSIGN_OR_RETURN(auto item, parcels_.item(officer, item_id));
    if (!item.addressee_party_id)
      return make_error(ErrorKind::unprocessable, "addressee_without_mailbox",
                        "the addressee has no digital mailbox to receive the duty bill");
    BARID_ASSIGN_OR_RETURN(auto addressee, identity_.get_party(*item.addressee_party_id));
    payments::BillInput bill;
    bill.reference = "CUSTOMS-" + item.id;
    bill.payer_kind = addressee.kind;
    bill.payer_identifier = addressee.identifier;
    bill.amount_due = assessment->total;
    bill.currency = tariff->currency;
    bill.due_at_ms = clock_ms() + options_.bill_days * 24 * 3600 * 1000;
    bill.registered = true;
    bill.description = "رسوم جمركية وضريبة القيمة المضافة على الإرسالية " + parcels::group_s10(item.id) +
                       " — Customs duty " + std::to_string(assessment->duty) + " and VAT " +
                       std::to_string(assessment->vat) + " (minor units) on item " + item.id +
                       ". The item is released as soon as this bill is paid.";
    BARID_ASSIGN_OR_RETURN(auto issued, bills_.issue(officer, bill, std::nullopt, "customs-duty-" + item.id));
    bill_id = issued.id;
  }
  return record(officer, current.item_id, decision, note, assessment, bill_id, officer.login, request);
}

Result<Decision> CustomsService::record(const Principal& officer, const std::string& item_id,
                                        const std::string& decision, const std::optional<std::string>& note,
                                        const std::optional<Assessment>& assessment,
                                        const std::optional<std::string>& bill_id, const std::string& decided_by,
                                        const std::optional<Request>& request) {
  const auto now = clock_ms();
  const auto [code, reason] = scan_for(decision);
  Decision out;
  out.id = "dec_" + crypto::new_uuid();
  out.item_id = item_id;
  out.decision = decision;
  out.note = note;
  out.assessment = assessment;
  out.bill_id = bill_id;
  out.scan_code = code;
  out.decided_by = decided_by;
  out.decided_at_ms = now;
  const auto nullable = [](const std::optional<std::string>& text) {
    return text ? store::Value(*text) : store::Value(nullptr);
  };
  std::optional<std::string> assessment_text;
  if (assessment) {
    assessment_text = Json{{"customs_value", assessment->customs_value},
                           {"duty", assessment->duty},
                           {"vat", assessment->vat},
                           {"total", assessment->total},
                           {"below_de_minimis", assessment->below_de_minimis}}
                          .dump();
  }
  const auto write = [&] {
    return store_.write<Decision>([&](store::Transaction& tx) -> Result<Decision> {
      if (request) {
        // A concurrent twin of this request may have committed since the first look.
        BARID_ASSIGN_OR_RETURN(auto earlier, earlier_decision(tx, *request));
        if (earlier) return std::move(*earlier);
        tx.execute(
            "INSERT INTO customs_requests (scope, idempotency_key, fingerprint, decision_id, created_at_ms) VALUES "
            "(?, ?, ?, ?, ?)",
            {request->scope, request->key, request->fingerprint, out.id, now});
      }
      auto state = tx.query_one("SELECT state FROM customs_cases WHERE item_id = ?", {item_id});
      if (state && is_final(state->text(0)))
        return conflict("case_closed", "customs already decided: " + state->text(0));
      // The decision is a fact anyone may later verify: it enters the transparency log with it.
      const Json entry = {{"type", "customs.decision"},
                          {"item", item_id},
                          {"decision", decision},
                          {"note", note ? Json(*note) : Json()},
                          {"assessment", assessment_text ? Json::parse(*assessment_text) : Json()},
                          {"bill", bill_id ? Json(*bill_id) : Json()},
                          {"decided_by", decided_by},
                          {"at", format_utc_ms(now)}};
      const auto bytes = entry.dump();
      out.log_index = transparency::TransparencyLog::append(
          tx, "customs.decision",
          std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), now);
      tx.execute(
          "INSERT INTO customs_decisions (id, item_id, decision, note, assessment, bill_id, scan_code, "
          "scan_recorded, log_index, decided_by, decided_by_user_id, actor_login, decided_at_ms) VALUES (?, ?, ?, ?, "
          "?, "
          "?, ?, 0, ?, ?, ?, ?, ?)",
          {out.id, item_id, decision, nullable(note), nullable(assessment_text), nullable(bill_id), std::string(code),
           out.log_index, decided_by, officer.user_id, officer.login, now});
      tx.execute("DELETE FROM customs_cases WHERE item_id = ?", {item_id});
      tx.execute(
          "INSERT INTO customs_cases (item_id, state, bill_id, assessed_by_login, updated_at_ms) VALUES (?, ?, ?, "
          "?, ?)",
          {item_id, std::string(state_after(decision)), nullable(bill_id),
           decision == "duty_due" ? store::Value(officer.login) : store::Value(nullptr), now});
      return out;
    });
  };
  Result<Decision> written = Error{};
  for (int attempt = 0;; ++attempt) {
    try {
      written = write();
      break;
    } catch (const store::StoreError& error) {
      // A concurrent twin of the request claimed the key first: the next attempt replays its answer.
      if (error.kind() != store::StoreError::Kind::unique_violation || attempt >= 2) throw;
    }
  }
  if (!written || written->replayed) return written;
  record_scan(officer, *written);
  return written;
}

void CustomsService::record_scan(const Principal& officer, const Decision& decision) {
  const auto [code, reason] = scan_for(decision.decision);
  parcels::Scan scan;
  scan.item_id = decision.item_id;
  scan.code = code;
  scan.at_ms = decision.decided_at_ms;
  scan.location = "Customs";
  scan.reason = reason;
  auto recorded = parcels_.record_scans(officer, {{1, scan}});
  if (!recorded) {
    log::warning("customs_scan_failed", {{"decision", decision.id}, {"error", recorded.error().code}});
    return;
  }
  store_.run_write([&](store::Transaction& tx) {
    tx.execute("UPDATE customs_decisions SET scan_recorded = 1 WHERE id = ?", {decision.id});
    return true;
  });
}

int CustomsService::release_paid(std::size_t limit) {
  struct Due {
    std::string item_id, bill_id, login;
  };
  const auto due = store_.read<std::vector<Due>>([&](store::Transaction& tx) {
    std::vector<Due> out;
    for (const auto& row : tx.query("SELECT item_id, bill_id, assessed_by_login FROM customs_cases WHERE state = "
                                    "'duty_due' ORDER BY updated_at_ms LIMIT ?",
                                    {static_cast<std::int64_t>(limit)})) {
      out.push_back({row.text(0), row.text(1), row.text(2)});
    }
    return out;
  });
  int released = 0;
  for (const auto& case_due : due) {
    auto officer = identity_.principal_of(case_due.login);
    if (!officer) continue;
    auto bill = bills_.bill(*officer, case_due.bill_id);
    if (!bill || bill->status != "paid") continue;
    auto decided = record(*officer, case_due.item_id, "release", "duty bill " + case_due.bill_id + " paid",
                          std::nullopt, case_due.bill_id, "payment", std::nullopt);
    if (decided) ++released;
  }
  // Decisions whose scan a crash left unrecorded.
  const auto unrecorded = store_.read<std::vector<std::pair<Decision, std::string>>>([&](store::Transaction& tx) {
    std::vector<std::pair<Decision, std::string>> out;
    for (const auto& row : tx.query(std::string("SELECT ") + kDecisionColumns +
                                        ", actor_login FROM customs_decisions WHERE scan_recorded = 0 AND "
                                        "decided_at_ms < ? ORDER BY decided_at_ms LIMIT ?",
                                    {clock_ms() - 60'000, static_cast<std::int64_t>(limit)})) {
      out.emplace_back(decision_from_row(row), row.text(10));
    }
    return out;
  });
  for (const auto& [decision, login] : unrecorded) {
    if (auto officer = identity_.principal_of(login)) record_scan(*officer, decision);
  }
  return released;
}

}  // namespace barid::customs
