// Routes of parcels: id ranges (admins), shipping an item and its label, the sender's and the
// addressee's views, scans one by one or as files (carriers, clerks, customs, admins), orphan scans,
// and public tracking without login.
#include "mailbox_json.hpp"
#include "payments_json.hpp"

#include <barid/api/api.hpp>
#include <barid/core/time.hpp>
#include <barid/parcels/parcels.hpp>

namespace barid::api {

namespace {

using detail::created;
using detail::optional_json;
using identity::Role;

Json optional_time(const std::optional<std::int64_t>& ms) {
  return ms ? Json(format_utc_ms(*ms)) : Json();
}
Json optional_int(const std::optional<std::int64_t>& value) {
  return value ? Json(*value) : Json();
}

Json item_json(const parcels::Item& i) {
  return {{"id", i.id},
          {"product", i.product},
          {"sender", parcels::address_json(i.sender)},
          {"addressee", parcels::address_json(i.addressee)},
          {"sender_party_id", optional_json(i.sender_party_id)},
          {"addressee_party_id", optional_json(i.addressee_party_id)},
          {"weight_g", i.weight_g},
          {"length_mm", i.length_mm},
          {"width_mm", i.width_mm},
          {"height_mm", i.height_mm},
          {"declared_value", optional_int(i.declared_value)},
          {"declared_currency", optional_json(i.declared_currency)},
          {"contents", optional_json(i.contents)},
          {"payment_intent_id", optional_json(i.payment_intent_id)},
          {"settlement", optional_json(i.settlement)},
          {"origin_country", i.origin_country},
          {"destination_country", i.destination_country},
          {"status", i.status},
          {"last_event_code", optional_json(i.last_event_code)},
          {"last_event_at", optional_time(i.last_event_at_ms)},
          {"posted_at", optional_time(i.posted_at_ms)},
          {"first_attempt_at", optional_time(i.first_attempt_at_ms)},
          {"delivered_at", optional_time(i.delivered_at_ms)},
          {"anomalies", i.anomalies},
          {"source", i.source},
          {"office", optional_json(i.office)},
          {"created_at", format_utc_ms(i.created_at_ms)},
          {"label_url", "/api/v1/items/" + i.id + "/label.pdf"},
          {"tracking_url", "/api/v1/track/" + i.id}};
}

Json item_schema() {
  return schema::object({{"id", schema::string("the S10 id")},
                         {"product", schema::enumeration({"R", "L", "C", "H", "E"})},
                         {"sender", schema::object({})},
                         {"addressee", schema::object({})},
                         {"status", schema::string()},
                         {"settlement", schema::nullable(schema::string("captured, or not_captured:<reason>"))},
                         {"anomalies", schema::integer()},
                         {"label_url", schema::string()}});
}

Json event_json(const parcels::TrackingEvent& event) {
  Json out = parcels::scan_json(event.scan);
  const auto* code = parcels::event_code(event.scan.code);
  out["seq"] = event.seq;
  out["description_en"] = code ? std::string(code->name_en) : "";
  out["description_ar"] = code ? std::string(code->name_ar) : "";
  out["anomaly"] = optional_json(event.anomaly);
  out["recorded_at"] = format_utc_ms(event.recorded_at_ms);
  return out;
}

Json outcome_json(const parcels::ScanOutcome& outcome) {
  Json problems = Json::array();
  for (const auto& problem : outcome.problems) {
    problems.push_back({{"line", problem.line}, {"code", problem.code}, {"message", problem.message}});
  }
  return {{"recorded", outcome.recorded}, {"duplicates", outcome.duplicates},
          {"orphans", outcome.orphans},   {"anomalies", outcome.anomalies},
          {"problems", problems},         {"problem_count", outcome.problem_count}};
}

Json outcome_schema() {
  return schema::object(
      {{"recorded", schema::integer()},
       {"duplicates", schema::integer("exact repeats: nothing changed")},
       {"orphans", schema::integer("scans for ids no item has yet")},
       {"anomalies", schema::integer()},
       {"problems", schema::array(schema::object(
                        {{"line", schema::integer()}, {"code", schema::string()}, {"message", schema::string()}}))},
       {"problem_count", schema::integer()}});
}

Json range_json(const parcels::IdRange& r) {
  return {{"id", r.id},
          {"service", r.service},
          {"country", r.country},
          {"first_serial", r.first_serial},
          {"last_serial", r.last_serial},
          {"next_serial", r.next_serial},
          {"active", r.active},
          {"created_at", format_utc_ms(r.created_at_ms)}};
}

Result<std::optional<parcels::AddresseeParty>> party_field(const Json& body, const char* name) {
  if (!body.contains(name) || body[name].is_null()) return std::optional<parcels::AddresseeParty>();
  if (!body[name].is_object())
    return invalid_input("invalid_field", std::string(name) + " is {\"type\": \"national_id\", \"id\": \"…\"}");
  FieldReader reader(body[name]);
  BARID_ASSIGN_OR_RETURN(auto type, reader.optional_string("type", 1, 32));
  BARID_ASSIGN_OR_RETURN(auto id, reader.required_string("id", 1, 64));
  const auto kind = identity::addressable_kind(type.value_or("national_id"));
  if (!kind)
    return invalid_input("invalid_field",
                         std::string(name) + ".type must be national_id, registry_number or authority_code");
  return std::optional(parcels::AddresseeParty{*kind, id});
}

Result<parcels::ItemInput> read_item(const Json& body) {
  FieldReader reader(body);
  parcels::ItemInput input;
  BARID_ASSIGN_OR_RETURN(input.product, reader.required_string("product", 1, 1));
  if (!body.contains("sender")) return invalid_input("missing_field", "sender is required");
  if (!body.contains("addressee")) return invalid_input("missing_field", "addressee is required");
  BARID_ASSIGN_OR_RETURN(input.sender, parcels::address_from_json(body["sender"], "sender"));
  BARID_ASSIGN_OR_RETURN(input.addressee, parcels::address_from_json(body["addressee"], "addressee"));
  BARID_ASSIGN_OR_RETURN(input.addressee_party, party_field(body, "addressee_party"));
  BARID_ASSIGN_OR_RETURN(input.sender_party, party_field(body, "sender_party"));
  BARID_ASSIGN_OR_RETURN(input.weight_g, reader.required_int("weight_g", 1, 1'000'000));
  BARID_ASSIGN_OR_RETURN(input.length_mm, reader.required_int("length_mm", 1, 100'000));
  BARID_ASSIGN_OR_RETURN(input.width_mm, reader.required_int("width_mm", 1, 100'000));
  BARID_ASSIGN_OR_RETURN(input.height_mm, reader.required_int("height_mm", 1, 100'000));
  BARID_ASSIGN_OR_RETURN(input.declared_value, reader.optional_int("declared_value", 0, 1'000'000'000'000));
  BARID_ASSIGN_OR_RETURN(input.declared_currency, reader.optional_string("declared_currency", 3, 3));
  BARID_ASSIGN_OR_RETURN(input.contents, reader.optional_string("contents", 1, 200));
  BARID_ASSIGN_OR_RETURN(input.payment_intent_id, reader.optional_string("payment_intent_id", 1, 64));
  BARID_ASSIGN_OR_RETURN(input.office, reader.optional_string("office", 1, 32));
  return input;
}

http::Response pdf_response(std::string pdf, const std::string& file_name) {
  http::Response response;
  response.content_type = "application/pdf";
  response.body = std::move(pdf);
  response.set_header("Content-Disposition", "attachment; filename=\"" + file_name + "\"");
  return response;
}

}  // namespace

void Api::add_parcel_routes() {
  auto& parcels = services_.parcels;
  const Access admins = Access::any_of({Role::operator_admin});
  const Access scanners =
      Access::any_of({Role::carrier, Role::postal_clerk, Role::customs_officer, Role::operator_admin});
  const Access staff = scanners;

  add({.method = http::Method::post,
       .path = "/api/v1/id-ranges",
       .operation_id = "addIdRange",
       .summary = "An operator admin adds a range of S10 serials for a service indicator and country",
       .tag = "parcels",
       .access = admins,
       .request_schema = schema::object({{"service", schema::string("2 letters, the first a product code")},
                                         {"country", schema::string()},
                                         {"first_serial", schema::integer()},
                                         {"last_serial", schema::integer()}},
                                        {"service", "country", "first_serial", "last_serial"}),
       .success_status = 201,
       .response_schema = schema::object({{"id", schema::string()}, {"service", schema::string()}}),
       .error_codes = {"invalid_range", "range_overlaps"},
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto service, reader.required_string("service", 2, 2));
         BARID_ASSIGN_OR_RETURN(auto country, reader.required_string("country", 2, 2));
         BARID_ASSIGN_OR_RETURN(auto first, reader.required_int("first_serial", 0, 99'999'999));
         BARID_ASSIGN_OR_RETURN(auto last, reader.required_int("last_serial", 0, 99'999'999));
         BARID_ASSIGN_OR_RETURN(auto range, parcels.add_range(context.caller(), service, country, first, last));
         return json_response(range_json(range), 201);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/id-ranges",
       .operation_id = "listIdRanges",
       .summary = "The S10 id ranges",
       .tag = "parcels",
       .access = admins,
       .response_schema = schema::object({{"ranges", schema::array(schema::object({}))}}),
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto ranges, parcels.ranges(context.caller()));
         Json list = Json::array();
         for (const auto& range : ranges) list.push_back(range_json(range));
         return json_response({{"ranges", list}});
       }});

  for (const bool active : {true, false}) {
    add({.method = http::Method::post,
         .path = std::string("/api/v1/id-ranges/{id}/") + (active ? "activate" : "deactivate"),
         .operation_id = active ? "activateIdRange" : "deactivateIdRange",
         .summary = active ? "Issue ids from this range again" : "Stop issuing ids from this range",
         .tag = "parcels",
         .access = admins,
         .response_schema = schema::object({{"id", schema::string()}, {"active", schema::boolean()}}),
         .error_codes = {"range_not_found"},
         .handler = [&parcels, active](Context& context) -> Result<http::Response> {
           BARID_ASSIGN_OR_RETURN(auto range,
                                  parcels.set_range_active(context.caller(), context.path_param("id"), active));
           return json_response(range_json(range));
         }});
  }

  add({.method = http::Method::get,
       .path = "/api/v1/products",
       .operation_id = "listProducts",
       .summary = "The postal products with their weight and size limits",
       .tag = "parcels",
       .access = Access::public_route(),
       .response_schema = schema::object({{"products", schema::array(schema::object({}))}}),
       .handler = [](Context&) -> Result<http::Response> {
         Json list = Json::array();
         for (const auto& p : parcels::products()) {
           list.push_back({{"code", p.code},
                           {"name_en", p.name_en},
                           {"name_fr", p.name_fr},
                           {"name_ar", p.name_ar},
                           {"max_weight_g", p.max_weight_g},
                           {"max_longest_mm", p.max_longest_mm},
                           {"max_size_mm", p.max_size_mm},
                           {"size_rule", p.parcel ? "length + girth" : "length + width + height"}});
         }
         return json_response({{"products", list}});
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/items",
       .operation_id = "createItem",
       .summary = "Ship an item: a business or citizen sends it, or a clerk accepts it at the counter. The S10 id "
                  "comes from the operator's ranges for the product and the sender's country",
       .tag = "parcels",
       .access = Access::any_of({Role::business, Role::citizen, Role::postal_clerk}),
       .request_schema =
           schema::object({{"product", schema::enumeration({"R", "L", "C", "H", "E"})},
                           {"sender", schema::object({})},
                           {"addressee", schema::object({})},
                           {"addressee_party", schema::object({{"type", schema::string()}, {"id", schema::string()}})},
                           {"weight_g", schema::integer()},
                           {"length_mm", schema::integer()},
                           {"width_mm", schema::integer()},
                           {"height_mm", schema::integer()},
                           {"declared_value", schema::integer("minor units")},
                           {"declared_currency", schema::string()},
                           {"contents", schema::string()},
                           {"payment_intent_id", schema::string("a held intent, captured on delivery")},
                           {"sender_party", schema::object({})},
                           {"office", schema::string()}},
                          {"product", "sender", "addressee", "weight_g", "length_mm", "width_mm", "height_mm"}),
       .success_status = 201,
       .response_schema = item_schema(),
       .error_codes = {"invalid_item", "invalid_address", "unsupported_country", "addressee_not_found",
                       "sender_not_found", "intent_not_found", "intent_not_held", "intent_already_linked",
                       "no_id_available", "idempotency_key_required", "idempotency_key_reused"},
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         BARID_ASSIGN_OR_RETURN(auto input, read_item(body));
         BARID_ASSIGN_OR_RETURN(auto item, parcels.create_item(context.caller(), input, key));
         return created(item_json(item), item.replayed, "/api/v1/items/" + item.id);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/items",
       .operation_id = "listItems",
       .summary = "The caller's party's items, newest first: those it sent (direction=sent, the default) or those "
                  "addressed to it (direction=incoming)",
       .tag = "parcels",
       .access = Access::authenticated(),
       .response_schema = schema::object(
           {{"items", schema::array(item_schema())}, {"next_cursor", schema::nullable(schema::string())}}),
       .query = {{"direction", "sent or incoming", schema::enumeration({"sent", "incoming"})},
                 {"limit", "1 to 200, default 50", schema::integer()},
                 {"cursor", "from next_cursor", schema::string()}},
       .error_codes = {"invalid_query", "invalid_cursor"},
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         const auto direction = context.request().query_param("direction").value_or("sent");
         if (direction != "sent" && direction != "incoming")
           return invalid_input("invalid_query", "direction is sent or incoming");
         BARID_ASSIGN_OR_RETURN(auto limit, detail::limit_query(context, 50, 200));
         BARID_ASSIGN_OR_RETURN(auto page, parcels.items_of(context.caller(), direction == "incoming", limit,
                                                            context.request().query_param("cursor")));
         Json list = Json::array();
         for (const auto& item : page.items) list.push_back(item_json(item));
         return json_response({{"items", list}, {"next_cursor", optional_json(page.next_cursor)}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/items/{id}",
       .operation_id = "getItem",
       .summary = "An item in full, for its sender's and addressee's parties (or delegates with parcels:read) and "
                  "postal staff",
       .tag = "parcels",
       .access = Access::authenticated(),
       .response_schema = item_schema(),
       .error_codes = {"invalid_item_id", "item_not_found"},
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto item, parcels.item(context.caller(), context.path_param("id")));
         return json_response(item_json(item));
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/items/{id}/events",
       .operation_id = "listItemEvents",
       .summary = "An item's scans in time order, with reasons, signatories and anomaly flags",
       .tag = "parcels",
       .access = Access::authenticated(),
       .response_schema = schema::object({{"events", schema::array(schema::object({}))}}),
       .error_codes = {"invalid_item_id", "item_not_found"},
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto events, parcels.events(context.caller(), context.path_param("id")));
         Json list = Json::array();
         for (const auto& event : events) list.push_back(event_json(event));
         return json_response({{"events", list}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/items/{id}/label.pdf",
       .operation_id = "getItemLabel",
       .summary = "The item's A6 label: Code 128 barcode of the S10 id, addresses in Arabic and Latin script",
       .tag = "parcels",
       .access = Access::authenticated(),
       .response_schema = schema::string_format("binary"),
       .response_content_type = "application/pdf",
       .error_codes = {"invalid_item_id", "item_not_found"},
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto pdf, parcels.label_pdf(context.caller(), context.path_param("id")));
         BARID_ASSIGN_OR_RETURN(auto id, parcels::normalize_s10(context.path_param("id")));
         return pdf_response(std::move(pdf), "label-" + id + ".pdf");
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/scans",
       .operation_id = "recordScan",
       .summary = "Record one tracking scan. An exact repeat changes nothing; a scan for an unknown id is kept as "
                  "an orphan; an impossible sequence is kept and flagged",
       .tag = "tracking",
       .access = scanners,
       .request_schema = schema::object({{"item", schema::string("S10 id")},
                                         {"code", schema::string("UPU event code, e.g. EMA")},
                                         {"time", schema::string_format("date-time", "with its zone offset")},
                                         {"office", schema::string()},
                                         {"location", schema::string()},
                                         {"next_office", schema::string()},
                                         {"reason", schema::string("EMH, EXX, EDX")},
                                         {"signatory", schema::string("EMI")}},
                                        {"item", "code", "time"}),
       .response_schema = outcome_schema(),
       .error_codes = {"invalid_item_id", "unknown_event_code", "invalid_time", "missing_reason", "invalid_field",
                       "missing_field"},
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         BARID_ASSIGN_OR_RETURN(auto scan, parcels::scan_from_json(body));
         BARID_ASSIGN_OR_RETURN(auto outcome, parcels.record_scans(context.caller(), {{1, std::move(scan)}}));
         return json_response(outcome_json(outcome));
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/scans/files",
       .operation_id = "recordScanFile",
       .summary = "Record a file of scans, CSV (text/csv: columns item, code, time, office, location, next_office, "
                  "reason, signatory) or JSON Lines (application/jsonl). Every valid line is recorded; each bad line "
                  "is reported with its number and reason and nothing of it is stored; a file with more than "
                  "1,000,000 lines is refused whole",
       .tag = "tracking",
       .access = scanners,
       .request_schema = schema::string("the file"),
       .response_schema = outcome_schema(),
       .error_codes = {"unsupported_media_type", "invalid_scan_file", "payload_too_large"},
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         const std::string type(context.request().header("Content-Type").value_or(""));
         const auto format = parcels::scan_file_format("", type);
         if (!format) {
           return make_error(ErrorKind::unsupported_media, "unsupported_media_type",
                             "send the file as text/csv or application/jsonl");
         }
         auto file = parcels::parse_scan_file(context.request().body, *format, 1'000'000);
         // A file refused whole (empty, no header, too many lines) is an error; bad lines are not.
         if (file.scans.empty() && !file.problems.empty() && file.problems[0].line <= 1 + file.problems.size() &&
             (file.problems[0].code == "empty_file" || file.problems[0].code == "missing_column" ||
              file.problems[0].code == "too_many_lines" ||
              (file.problems[0].code == "malformed_csv" && file.problem_count == 1))) {
           return invalid_input("invalid_scan_file",
                                "line " + std::to_string(file.problems[0].line) + ": " + file.problems[0].message);
         }
         BARID_ASSIGN_OR_RETURN(auto outcome, parcels.record_scans(context.caller(), file.scans));
         outcome.problems = std::move(file.problems);
         outcome.problem_count = file.problem_count;
         return json_response(outcome_json(outcome));
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/scans/orphans",
       .operation_id = "listOrphanScans",
       .summary = "Scans recorded for ids no item has, oldest first",
       .tag = "tracking",
       .access = staff,
       .response_schema = schema::object({{"orphans", schema::array(schema::object({}))}}),
       .query = {{"limit", "1 to 1000, default 100", schema::integer()}},
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto limit, detail::limit_query(context, 100, 1000));
         BARID_ASSIGN_OR_RETURN(auto orphans, parcels.orphans(context.caller(), limit));
         Json list = Json::array();
         for (const auto& orphan : orphans) {
           Json scan = parcels::scan_json(orphan.scan);
           scan["recorded_at"] = format_utc_ms(orphan.recorded_at_ms);
           list.push_back(std::move(scan));
         }
         return json_response({{"orphans", list}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/track/{id}",
       .operation_id = "trackItem",
       .summary = "Public tracking, without login and without personal data: status, places and times",
       .tag = "tracking",
       .access = Access::public_route(),
       .response_schema = schema::object({{"item_id", schema::string()},
                                          {"status", schema::string()},
                                          {"events", schema::array(schema::object({}))}}),
       .error_codes = {"invalid_item_id", "item_not_found"},
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto tracking, parcels.track(context.path_param("id")));
         Json events = Json::array();
         for (const auto& event : tracking.events) {
           events.push_back({{"code", event.code},
                             {"description_en", event.description_en},
                             {"description_ar", event.description_ar},
                             {"time", event.time},
                             {"location", optional_json(event.location)}});
         }
         return json_response({{"item_id", tracking.item_id},
                               {"product", tracking.product.empty() ? Json() : Json(tracking.product)},
                               {"status", tracking.status},
                               {"origin_country", tracking.origin_country},
                               {"destination_country",
                                tracking.destination_country.empty() ? Json() : Json(tracking.destination_country)},
                               {"events", events}});
       }});
}

}  // namespace barid::api
