// Routes of customs: the sender's CN 22 / CN 23 declaration of an item, the officers' queue, cases
// and decisions, the risk rules and the tariff, partner operators and the pre-advice bundles
// exchanged with them (export signed by this node's operator key; import checked against the
// partner's).
#include "mailbox_json.hpp"
#include "payments_json.hpp"

#include <barid/api/api.hpp>
#include <barid/core/time.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/customs/customs.hpp>

namespace barid::api {

namespace {

using detail::created;
using detail::optional_json;
using identity::Role;

Json declaration_schema() {
  const Json line = schema::object({{"description", schema::string()},
                                    {"quantity", schema::integer()},
                                    {"net_weight_g", schema::integer()},
                                    {"value", schema::integer("minor units of the declaration's currency")},
                                    {"hs_code", schema::nullable(schema::string("6 digits (dots and spaces ignored)"))},
                                    {"origin_country", schema::string()}},
                                   {"description", "quantity", "net_weight_g", "value", "origin_country"});
  std::vector<std::string> categories(std::begin(customs::kCategories), std::end(customs::kCategories));
  return schema::object({{"category", schema::enumeration(categories)},
                         {"currency", schema::string("ISO 4217")},
                         {"lines", schema::array(line)},
                         {"total_value", schema::integer("the sum of the lines' values")},
                         {"gross_weight_g", schema::integer("at least the sum of the lines' net weights")},
                         {"postage", schema::integer()},
                         {"importer_reference", schema::string()},
                         {"licence", schema::string()},
                         {"certificate", schema::string()},
                         {"invoice", schema::string()}},
                        {"category", "currency", "lines", "total_value", "gross_weight_g"});
}

Json decision_json(const customs::Decision& d) {
  Json assessment;
  if (d.assessment) {
    assessment = {{"customs_value", d.assessment->customs_value},
                  {"duty", d.assessment->duty},
                  {"vat", d.assessment->vat},
                  {"total", d.assessment->total},
                  {"below_de_minimis", d.assessment->below_de_minimis}};
  }
  return {{"id", d.id},
          {"item_id", d.item_id},
          {"decision", d.decision},
          {"note", optional_json(d.note)},
          {"assessment", assessment},
          {"bill_id", optional_json(d.bill_id)},
          {"scan_code", d.scan_code},
          {"log_index", d.log_index},
          {"decided_by", d.decided_by},
          {"decided_at", format_utc_ms(d.decided_at_ms)}};
}

Json decision_schema() {
  return schema::object(
      {{"id", schema::string()},
       {"item_id", schema::string()},
       {"decision",
        schema::enumeration({"release", "duty_due", "held", "documents_required", "return_to_sender", "seize"})},
       {"assessment", schema::nullable(schema::object(
                          {{"duty", schema::integer()}, {"vat", schema::integer()}, {"total", schema::integer()}}))},
       {"bill_id", schema::nullable(schema::string("the duty bill in the addressee's mailbox"))},
       {"scan_code", schema::string("the tracking event recorded: EDC, EME or EDX")},
       {"log_index", schema::integer("its entry in the transparency log")},
       {"decided_by", schema::string()},
       {"decided_at", schema::string_format("date-time")}});
}

Json rule_json(const customs::RiskRule& rule) {
  return {{"id", rule.id},
          {"kind", rule.kind},
          {"parameters", rule.parameters},
          {"active", rule.active},
          {"created_at", format_utc_ms(rule.created_at_ms)}};
}

Json rule_schema() {
  return schema::object({{"id", schema::string()},
                         {"kind", schema::enumeration({"value_above", "hs_chapter", "watch_sender", "weight_mismatch",
                                                       "missing_hs_code"})},
                         {"parameters", schema::object({})},
                         {"active", schema::boolean()}});
}

Json tariff_json(const customs::Tariff& tariff) {
  Json rates = Json::object();
  for (const auto& [chapter, pair] : tariff.rates) rates[chapter] = {{"duty_bp", pair.first}, {"vat_bp", pair.second}};
  return {{"currency", tariff.currency}, {"de_minimis", tariff.de_minimis}, {"rates", rates}};
}

Json tariff_schema() {
  return schema::object(
      {{"currency", schema::string("ISO 4217: declarations in another currency cannot be assessed")},
       {"de_minimis", schema::integer("minor units: a total value at most this pays nothing")},
       {"rates", schema::object({{"62", schema::object({{"duty_bp", schema::integer("basis points")},
                                                        {"vat_bp", schema::integer("basis points")}})}})}},
      {"currency", "de_minimis", "rates"});
}

Result<customs::Tariff> read_tariff(const Json& body) {
  FieldReader reader(body);
  customs::Tariff tariff;
  BARID_ASSIGN_OR_RETURN(tariff.currency, reader.required_string("currency", 3, 3));
  BARID_ASSIGN_OR_RETURN(tariff.de_minimis, reader.required_int("de_minimis", 0, 1'000'000'000'000));
  if (!body.contains("rates") || !body["rates"].is_object())
    return invalid_input("invalid_tariff", "rates is an object: chapter → {duty_bp, vat_bp}");
  for (const auto& [chapter, rates] : body["rates"].items()) {
    if (!rates.is_object()) return invalid_input("invalid_tariff", "rates." + chapter + " must be an object");
    FieldReader rate_reader(rates);
    auto duty = rate_reader.required_int("duty_bp", 0, 100'000);
    auto vat = rate_reader.required_int("vat_bp", 0, 100'000);
    if (!duty || !vat)
      return invalid_input("invalid_tariff", "rates." + chapter + " needs duty_bp and vat_bp from 0 to 100,000");
    tariff.rates[chapter] = {*duty, *vat};
  }
  return tariff;
}

Json case_json(const customs::CustomsCase& c) {
  Json flags = Json::array();
  for (const auto& flag : c.flags)
    flags.push_back({{"rule_id", flag.rule_id.empty() ? Json() : Json(flag.rule_id)},
                     {"kind", flag.kind},
                     {"reason", flag.reason}});
  Json decisions = Json::array();
  for (const auto& decision : c.decisions) decisions.push_back(decision_json(decision));
  return {{"item_id", c.item_id},
          {"item_status", c.item_status},
          {"origin_country", c.origin_country},
          {"destination_country", c.destination_country},
          {"sender_name", c.sender_name},
          {"declaration", c.declaration ? customs::declaration_json(*c.declaration) : Json()},
          {"flags", flags},
          {"state", c.state},
          {"decisions", decisions}};
}

Json case_schema() {
  return schema::object(
      {{"item_id", schema::string()},
       {"item_status", schema::string()},
       {"declaration", schema::nullable(declaration_schema())},
       {"flags",
        schema::array(schema::object({{"rule_id", schema::nullable(schema::string())},
                                      {"kind", schema::string()},
                                      {"reason", schema::string("why the item was flagged, for the officer")}}))},
       {"state",
        schema::enumeration({"presented", "released", "duty_due", "held", "documents_required", "returned", "seized"})},
       {"decisions", schema::array(decision_schema())}});
}

Json partner_json(const customs::Partner& p) {
  return {{"code", p.code},       {"name", p.name},
          {"country", p.country}, {"public_key", p.public_key},
          {"active", p.active},   {"created_at", format_utc_ms(p.created_at_ms)}};
}

Json partner_schema() {
  return schema::object({{"code", schema::string("the partner's operator code, as its bundles name it")},
                         {"name", schema::string()},
                         {"country", schema::string()},
                         {"public_key", schema::string("Ed25519, 32 bytes in base64")},
                         {"active", schema::boolean()}});
}

Json export_json(const customs::PreAdviceExport& e) {
  Json json = {{"id", e.id},
               {"destination_country", e.destination_country},
               {"items", e.items},
               {"created_at", format_utc_ms(e.created_at_ms)},
               {"bundle_url", "/api/v1/customs/pre-advice/exports/" + e.id + "/bundle"}};
  if (!e.bundle.is_null()) json["bundle"] = e.bundle;
  return json;
}

Json export_schema() {
  return schema::object({{"id", schema::string()},
                         {"destination_country", schema::string()},
                         {"items", schema::integer()},
                         {"created_at", schema::string_format("date-time")},
                         {"bundle_url", schema::string()},
                         {"bundle", schema::object({}, {})}});
}

Json import_json(const customs::PreAdviceImport& i) {
  return {{"bundle_id", i.bundle_id},
          {"partner", i.partner},
          {"items", i.items},
          {"created", i.created},
          {"known", i.known},
          {"declarations", i.declarations},
          {"imported_at", format_utc_ms(i.imported_at_ms)}};
}

}  // namespace

void Api::add_customs_routes() {
  auto& customs = services_.customs;
  const Access officers = Access::any_of({Role::customs_officer, Role::operator_admin});
  const Access admins = Access::any_of({Role::operator_admin});

  add({.method = http::Method::put,
       .path = "/api/v1/items/{id}/declaration",
       .operation_id = "declareItem",
       .summary = "The sender's CN 22 / CN 23 customs declaration of an international item: content lines with "
                  "description, quantity, net weight, value, 6-digit HS code and origin; totals checked against "
                  "the lines. It may be replaced until the item is before customs",
       .tag = "customs",
       .access = Access::any_of({Role::business, Role::citizen}),
       .request_schema = declaration_schema(),
       .response_schema = schema::object({{"item_id", schema::string()},
                                          {"form", schema::enumeration({"CN22", "CN23"})},
                                          {"lines", schema::array(schema::object({}))}}),
       .error_codes = {"invalid_declaration", "declaration_totals_mismatch", "not_international", "item_not_found",
                       "declaration_locked"},
       .handler = [&customs](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         BARID_ASSIGN_OR_RETURN(auto input, customs::declaration_from_json(body));
         BARID_ASSIGN_OR_RETURN(auto declaration, customs.declare(context.caller(), context.path_param("id"), input));
         return json_response(customs::declaration_json(declaration));
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/items/{id}/declaration",
       .operation_id = "getItemDeclaration",
       .summary = "An item's customs declaration, for those who may see the item",
       .tag = "customs",
       .access = Access::authenticated(),
       .response_schema = schema::object({{"item_id", schema::string()}, {"form", schema::string()}}),
       .error_codes = {"invalid_s10", "item_not_found", "declaration_not_found"},
       .handler = [&customs](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto declaration, customs.declaration(context.caller(), context.path_param("id")));
         return json_response(customs::declaration_json(declaration));
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/customs/queue",
       .operation_id = "getCustomsQueue",
       .summary = "Items presented to customs (EDB) or held, with their declarations and risk flags, and items "
                  "waiting for their duty to be paid; oldest declaration first",
       .tag = "customs",
       .access = officers,
       .response_schema = schema::object({{"cases", schema::array(case_schema())}}),
       .query = {{"limit", "1 to 200, default 50", schema::integer()}},
       .error_codes = {"invalid_query"},
       .handler = [&customs](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto limit, detail::limit_query(context, 50, 200));
         BARID_ASSIGN_OR_RETURN(auto cases, customs.queue(context.caller(), limit));
         Json list = Json::array();
         for (const auto& c : cases) list.push_back(case_json(c));
         return json_response({{"cases", list}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/customs/cases/{id}",
       .operation_id = "getCustomsCase",
       .summary = "An item before customs: its declaration, the risk flags of the active rules with their reasons, "
                  "its state and the decisions taken",
       .tag = "customs",
       .access = officers,
       .response_schema = case_schema(),
       .error_codes = {"invalid_s10", "item_not_found"},
       .handler = [&customs](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto found, customs.case_of(context.caller(), context.path_param("id")));
         return json_response(case_json(found));
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/customs/cases/{id}/decisions",
       .operation_id = "decideCustomsCase",
       .summary = "A customs officer decides: release (EDC), duty_due (duty and VAT from the tariff, billed to the "
                  "addressee's mailbox as a registered letter; paying it releases the item), held, "
                  "documents_required (EME), return_to_sender or seize (EDX, and the buyer's escrow is voided). "
                  "Each decision records its scan and enters the transparency log. Needs an Idempotency-Key",
       .tag = "customs",
       .access = Access::any_of({Role::customs_officer}),
       .request_schema = schema::object(
           {{"decision",
             schema::enumeration({"release", "duty_due", "held", "documents_required", "return_to_sender", "seize"})},
            {"note", schema::string("1 to 500 characters")}},
           {"decision"}),
       .success_status = 201,
       .response_schema = decision_schema(),
       .error_codes = {"invalid_decision", "item_not_found", "item_not_presented", "case_closed", "duty_already_due",
                       "declaration_missing", "tariff_not_found", "currency_not_supported", "no_duty_due",
                       "addressee_without_mailbox", "no_collection_account", "idempotency_key_required",
                       "invalid_idempotency_key", "idempotency_key_reused"},
       .handler = [&customs](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto decision, reader.required_string("decision", 1, 32));
         BARID_ASSIGN_OR_RETURN(auto note, reader.optional_string("note", 1, 500));
         BARID_ASSIGN_OR_RETURN(auto decided,
                                customs.decide(context.caller(), context.path_param("id"), decision, note, key));
         return created(decision_json(decided), decided.replayed);
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/customs/rules",
       .operation_id = "addRiskRule",
       .summary = "Add a risk rule: value_above {currency, amount}, hs_chapter {chapters}, watch_sender {countries, "
                  "names}, weight_mismatch {percent}, missing_hs_code {}",
       .tag = "customs",
       .access = officers,
       .request_schema = schema::object({{"kind", schema::string()}, {"parameters", schema::object({})}}, {"kind"}),
       .success_status = 201,
       .response_schema = rule_schema(),
       .error_codes = {"invalid_rule"},
       .handler = [&customs](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto kind, reader.required_string("kind", 1, 32));
         const Json parameters = body.contains("parameters") ? body["parameters"] : Json::object();
         BARID_ASSIGN_OR_RETURN(auto rule, customs.add_rule(context.caller(), kind, parameters));
         return json_response(rule_json(rule), 201);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/customs/rules",
       .operation_id = "listRiskRules",
       .summary = "The risk rules, active or not",
       .tag = "customs",
       .access = officers,
       .response_schema = schema::object({{"rules", schema::array(rule_schema())}}),
       .handler = [&customs](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto rules, customs.rules(context.caller()));
         Json list = Json::array();
         for (const auto& rule : rules) list.push_back(rule_json(rule));
         return json_response({{"rules", list}});
       }});

  for (const bool active : {true, false}) {
    add({.method = http::Method::post,
         .path = std::string("/api/v1/customs/rules/{id}/") + (active ? "activate" : "deactivate"),
         .operation_id = active ? "activateRiskRule" : "deactivateRiskRule",
         .summary = active ? "Apply a risk rule again" : "Stop applying a risk rule (it is kept)",
         .tag = "customs",
         .access = officers,
         .response_schema = rule_schema(),
         .error_codes = {"rule_not_found"},
         .handler = [&customs, active](Context& context) -> Result<http::Response> {
           BARID_ASSIGN_OR_RETURN(auto rule,
                                  customs.set_rule_active(context.caller(), context.path_param("id"), active));
           return json_response(rule_json(rule));
         }});
  }

  add({.method = http::Method::put,
       .path = "/api/v1/customs/tariff",
       .operation_id = "setCustomsTariff",
       .summary = "Set the tariff: duty and VAT in basis points by HS chapter (\"*\": every other chapter) and the "
                  "de minimis value",
       .tag = "customs",
       .access = officers,
       .request_schema = tariff_schema(),
       .response_schema = tariff_schema(),
       .error_codes = {"invalid_tariff"},
       .handler = [&customs](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         BARID_ASSIGN_OR_RETURN(auto tariff, read_tariff(body));
         BARID_ASSIGN_OR_RETURN(auto stored, customs.set_tariff(context.caller(), tariff));
         return json_response(tariff_json(stored));
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/customs/tariff",
       .operation_id = "getCustomsTariff",
       .summary = "The tariff",
       .tag = "customs",
       .access = officers,
       .response_schema = tariff_schema(),
       .error_codes = {"tariff_not_found"},
       .handler = [&customs](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto tariff, customs.tariff(context.caller()));
         return json_response(tariff_json(tariff));
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/customs/operator-key",
       .operation_id = "getOperatorKey",
       .summary = "This operator's code and the Ed25519 public key its pre-advice bundles are signed with: what a "
                  "partner registers",
       .tag = "customs",
       .access = Access::public_route(),
       .response_schema = schema::object({{"operator_code", schema::string()}, {"public_key", schema::string()}}),
       .handler = [this, &customs](Context&) -> Result<http::Response> {
         return json_response({{"operator_code", customs.operator_code()},
                               {"public_key", crypto::base64_encode(services_.operator_key.public_key)}});
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/customs/partners",
       .operation_id = "addPartnerOperator",
       .summary = "Register a partner postal operator and the key its pre-advice bundles are signed with",
       .tag = "customs",
       .access = admins,
       .request_schema = schema::object({{"code", schema::string()},
                                         {"name", schema::string()},
                                         {"country", schema::string()},
                                         {"public_key", schema::string("Ed25519, base64")}},
                                        {"code", "name", "country", "public_key"}),
       .success_status = 201,
       .response_schema = partner_schema(),
       .error_codes = {"invalid_partner", "partner_exists"},
       .handler = [&customs](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         customs::Partner partner;
         BARID_ASSIGN_OR_RETURN(partner.code, reader.required_string("code", 1, 64));
         BARID_ASSIGN_OR_RETURN(partner.name, reader.required_string("name", 1, 200));
         BARID_ASSIGN_OR_RETURN(partner.country, reader.required_string("country", 2, 2));
         BARID_ASSIGN_OR_RETURN(partner.public_key, reader.required_string("public_key", 1, 100));
         BARID_ASSIGN_OR_RETURN(auto stored, customs.add_partner(context.caller(), partner));
         return json_response(partner_json(stored), 201);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/customs/partners",
       .operation_id = "listPartnerOperators",
       .summary = "The partner operators and their keys",
       .tag = "customs",
       .access = officers,
       .response_schema = schema::object({{"partners", schema::array(partner_schema())}}),
       .handler = [&customs](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto partners, customs.partners(context.caller()));
         Json list = Json::array();
         for (const auto& partner : partners) list.push_back(partner_json(partner));
         return json_response({{"partners", list}});
       }});

  for (const bool active : {true, false}) {
    add({.method = http::Method::post,
         .path = std::string("/api/v1/customs/partners/{code}/") + (active ? "activate" : "deactivate"),
         .operation_id = active ? "activatePartnerOperator" : "deactivatePartnerOperator",
         .summary = active ? "Accept the partner's bundles again" : "Refuse the partner's bundles from now on",
         .tag = "customs",
         .access = admins,
         .response_schema = partner_schema(),
         .error_codes = {"partner_not_found"},
         .handler = [&customs, active](Context& context) -> Result<http::Response> {
           BARID_ASSIGN_OR_RETURN(auto partner,
                                  customs.set_partner_active(context.caller(), context.path_param("code"), active));
           return json_response(partner_json(partner));
         }});
  }

  add({.method = http::Method::post,
       .path = "/api/v1/customs/pre-advice/exports",
       .operation_id = "exportPreAdvice",
       .summary = "Export the declared items bound for a country that no earlier export carried (at most 500, "
                  "768 KiB) as a pre-advice bundle signed with the operator key. Needs an Idempotency-Key",
       .tag = "customs",
       .access = officers,
       .request_schema = schema::object({{"destination_country", schema::string()}}, {"destination_country"}),
       .success_status = 201,
       .response_schema = export_schema(),
       .error_codes = {"invalid_country", "nothing_to_export", "export_overlaps", "signing_key_missing",
                       "idempotency_key_required", "invalid_idempotency_key", "idempotency_key_reused"},
       .handler = [&customs](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto destination, reader.required_string("destination_country", 2, 2));
         BARID_ASSIGN_OR_RETURN(auto exported, customs.export_pre_advice(context.caller(), destination, key));
         return created(export_json(exported), exported.replayed,
                        "/api/v1/customs/pre-advice/exports/" + exported.id + "/bundle");
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/customs/pre-advice/exports",
       .operation_id = "listPreAdviceExports",
       .summary = "The pre-advice exports, newest first (without their bundles)",
       .tag = "customs",
       .access = officers,
       .response_schema = schema::object({{"exports", schema::array(export_schema())}}),
       .query = {{"limit", "1 to 200, default 50", schema::integer()}},
       .error_codes = {"invalid_query"},
       .handler = [&customs](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto limit, detail::limit_query(context, 50, 200));
         BARID_ASSIGN_OR_RETURN(auto exports, customs.pre_advice_exports(context.caller(), limit));
         Json list = Json::array();
         for (const auto& e : exports) list.push_back(export_json(e));
         return json_response({{"exports", list}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/customs/pre-advice/exports/{id}/bundle",
       .operation_id = "getPreAdviceBundle",
       .summary = "An export's signed bundle, as the file to hand to the partner",
       .tag = "customs",
       .access = officers,
       .response_schema = schema::object({{"format", schema::string()}, {"signature", schema::object({})}}),
       .error_codes = {"export_not_found"},
       .handler = [&customs](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto exported, customs.pre_advice_export(context.caller(), context.path_param("id")));
         auto response = json_response(exported.bundle);
         response.set_header("Content-Disposition", "attachment; filename=\"" + exported.id + ".json\"");
         return response;
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/customs/pre-advice/imports",
       .operation_id = "importPreAdvice",
       .summary = "Import a partner's pre-advice bundle (the body is the bundle): its signature is checked against "
                  "the partner's registered key, then its items and declarations are recorded all or nothing, and "
                  "its scans after them. The same bundle again changes nothing (200)",
       .tag = "customs",
       .access = officers,
       .request_schema = schema::object({{"format", schema::string("barid.pre_advice.v1")},
                                         {"id", schema::string()},
                                         {"origin_operator", schema::string()},
                                         {"items", schema::array(schema::object({}))},
                                         {"signature", schema::object({})}},
                                        {"format", "id", "origin_operator", "items", "signature"}),
       .success_status = 201,
       .response_schema = schema::object({{"bundle_id", schema::string()},
                                          {"items", schema::integer()},
                                          {"created", schema::integer()},
                                          {"known", schema::integer()},
                                          {"declarations", schema::integer()}}),
       .error_codes = {"invalid_pre_advice", "partner_not_registered", "partner_inactive", "bad_signature",
                       "bundle_id_reused"},
       .handler = [&customs](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         BARID_ASSIGN_OR_RETURN(auto imported, customs.import_pre_advice(context.caller(), body));
         return created(import_json(imported), imported.replayed);
       }});
}

}  // namespace barid::api
