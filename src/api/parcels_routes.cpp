// Routes of parcels: id ranges (admins), shipping an item and its label, the sender's and the
// addressee's views, scans one by one or as files (carriers, clerks, customs, admins), orphan scans,
// public tracking without login, and the quality of service: working-day calendars, delivery
// standards and the on-time report in JSON or CSV (admins).
#include "mailbox_json.hpp"
#include "payments_json.hpp"

#include <barid/api/api.hpp>
#include <barid/core/time.hpp>
#include <barid/parcels/parcels.hpp>

#include <cstdio>

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

Json quality_json(const std::optional<parcels::ItemQuality>& quality) {
  if (!quality) return Json();
  const auto& q = *quality;
  return {{"standard_days", q.standard_days},
          {"posting_day", parcels::format_day(q.posting_day)},
          {"due_day", parcels::format_day(q.due_day)},
          {"first_attempt_day", q.first_attempt_day ? Json(parcels::format_day(*q.first_attempt_day)) : Json()},
          {"on_time", q.on_time ? Json(*q.on_time) : Json()},
          {"transit_days", q.transit_days ? Json(*q.transit_days) : Json()}};
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
          {"tracking_url", "/api/v1/track/" + i.id},
          {"quality", quality_json(i.quality)}};
}

Json item_schema() {
  return schema::object({{"id", schema::string("the S10 id")},
                         {"product", schema::enumeration({"R", "L", "C", "H", "E"})},
                         {"sender", schema::object({})},
                         {"addressee", schema::object({})},
                         {"status", schema::string()},
                         {"settlement", schema::nullable(schema::string("captured, or not_captured:<reason>"))},
                         {"anomalies", schema::integer()},
                         {"label_url", schema::string()},
                         {"quality", schema::nullable(schema::object(
                                         {{"standard_days", schema::integer("n of the J+n standard")},
                                          {"posting_day", schema::string_format("date", "D")},
                                          {"due_day", schema::string_format("date")},
                                          {"first_attempt_day", schema::nullable(schema::string_format("date"))},
                                          {"on_time", schema::nullable(schema::boolean("null: pending"))},
                                          {"transit_days", schema::nullable(schema::integer())}}))}});
}

// Quality of service.

std::string cutoff_text(std::int32_t minutes) {
  char text[32];
  std::snprintf(text, sizeof text, "%02d:%02d", minutes / 60, minutes % 60);
  return text;
}

Json standard_json(const parcels::Standard& s) {
  return {{"id", s.id},
          {"product", s.product},
          {"origin", s.origin},
          {"destination", s.destination},
          {"days", s.days},
          {"cutoff_minutes", s.cutoff_minutes},
          {"cutoff", cutoff_text(s.cutoff_minutes)},
          {"created_at", format_utc_ms(s.created_at_ms)}};
}

Json standard_schema() {
  return schema::object({{"id", schema::string()},
                         {"product", schema::string("R, L, C, H, E or * (any)")},
                         {"origin", schema::string("country code or * (any)")},
                         {"destination", schema::string("country code or * (any)")},
                         {"days", schema::integer("n of J+n, working days")},
                         {"cutoff_minutes", schema::integer("after local midnight; 1440: no cut-off")},
                         {"cutoff", schema::string("HH:MM")},
                         {"created_at", schema::string_format("date-time")}});
}

Json calendar_json(const parcels::StoredCalendar& stored) {
  Json out = parcels::calendar_json(stored.calendar);
  out["updated_at"] = format_utc_ms(stored.updated_at_ms);
  return out;
}

Json calendar_schema() {
  return schema::object(
      {{"country", schema::string()},
       {"weekend", schema::array(schema::enumeration({"mon", "tue", "wed", "thu", "fri", "sat", "sun"}))},
       {"holidays", schema::array(schema::string_format("date"))},
       {"updated_at", schema::string_format("date-time")}});
}

// Bad fields of a standard are all invalid_standard, with the reader's message naming the field.
Result<parcels::StandardInput> read_standard(const Json& body) {
  const auto standard_error = [](Error error) {
    error.code = "invalid_standard";
    return error;
  };
  FieldReader reader(body);
  parcels::StandardInput input;
  auto product = reader.required_string("product", 1, 1);
  if (!product) return standard_error(std::move(product).error());
  auto origin = reader.required_string("origin", 1, 2);
  if (!origin) return standard_error(std::move(origin).error());
  auto destination = reader.required_string("destination", 1, 2);
  if (!destination) return standard_error(std::move(destination).error());
  auto days = reader.required_int("days", 0, parcels::kMaxStandardDays);
  if (!days) return standard_error(std::move(days).error());
  auto cutoff = reader.optional_int("cutoff_minutes", 0, parcels::kMinutesPerDay);
  if (!cutoff) return standard_error(std::move(cutoff).error());
  input.product = std::move(*product);
  input.origin = std::move(*origin);
  input.destination = std::move(*destination);
  input.days = static_cast<std::int32_t>(*days);
  input.cutoff_minutes = static_cast<std::int32_t>(cutoff->value_or(parcels::kMinutesPerDay));
  return input;
}

struct ReportRequest {
  parcels::QualityQuery query;
  bool csv = false;
};

Result<ReportRequest> read_report_request(const http::Request& request) {
  ReportRequest out;
  for (const auto& [name, day] : {std::pair{"from", &out.query.from_day}, std::pair{"to", &out.query.to_day}}) {
    const auto text = request.query_param(name);
    const auto parsed = text ? parcels::parse_day(*text) : std::nullopt;
    if (!parsed) return invalid_input("invalid_query", std::string(name) + " must be a date, YYYY-MM-DD");
    *day = *parsed;
  }
  const auto group_by = request.query_param("group_by").value_or("route");
  if (group_by == "route") {
    out.query.group_by = parcels::QualityGrouping::route;
  } else if (group_by == "product") {
    out.query.group_by = parcels::QualityGrouping::product;
  } else if (group_by == "office") {
    out.query.group_by = parcels::QualityGrouping::office;
  } else if (group_by == "period") {
    out.query.group_by = parcels::QualityGrouping::period;
  } else {
    return invalid_input("invalid_query", "group_by must be route, product, office or period");
  }
  if (const auto period = request.query_param("period")) {
    if (*period == "day") {
      out.query.period = parcels::QualityPeriod::day;
    } else if (*period == "week") {
      out.query.period = parcels::QualityPeriod::week;
    } else if (*period == "month") {
      out.query.period = parcels::QualityPeriod::month;
    } else {
      return invalid_input("invalid_query", "period must be day, week or month");
    }
  }
  const auto format = request.query_param("format").value_or("json");
  if (format != "json" && format != "csv") return invalid_input("invalid_query", "format must be json or csv");
  out.csv = format == "csv";
  return out;
}

Json optional_number(const std::optional<double>& value) {
  return value ? Json(*value) : Json();
}

Json quality_row_json(const parcels::QualityRow& r) {
  return {{"group", r.group},
          {"period", optional_json(r.period)},
          {"items", r.items},
          {"without_standard", r.without_standard},
          {"measured", r.measured},
          {"on_time", r.on_time},
          {"on_time_percent", optional_number(r.on_time_percent)},
          {"mean_transit_days", optional_number(r.mean_transit_days)},
          {"p95_transit_days", r.p95_transit_days ? Json(*r.p95_transit_days) : Json()},
          {"pending", r.pending},
          {"late_pending", r.late_pending},
          {"anomalies", r.anomalies},
          {"emc_items", r.emc_items},
          {"emc_to_emd_within_24h", r.emc_to_emd_within_24h},
          {"emc_to_emd_rate", optional_number(r.emc_to_emd_rate)},
          {"emd_items", r.emd_items},
          {"emd_to_delivery_within_24h", r.emd_to_delivery_within_24h},
          {"emd_to_delivery_rate", optional_number(r.emd_to_delivery_rate)}};
}

constexpr const char* kQualityCsvHeader =
    "group,period,items,without_standard,measured,on_time,on_time_percent,mean_transit_days,p95_transit_days,"
    "pending,late_pending,anomalies,emc_items,emc_to_emd_within_24h,emc_to_emd_rate,emd_items,"
    "emd_to_delivery_within_24h,emd_to_delivery_rate\n";

// A text field of the CSV: quoted when it holds a comma, a quote or a line break, and kept from
// being read as a formula by a spreadsheet (an office name comes from a scan).
std::string csv_text(const std::string& text) {
  std::string out = text;
  if (!out.empty() && (out[0] == '=' || out[0] == '+' || out[0] == '-' || out[0] == '@')) out.insert(0, 1, '\'');
  if (out.find_first_of(",\"\r\n") == std::string::npos) return out;
  std::string quoted = "\"";
  for (const char c : out) {
    quoted += c;
    if (c == '"') quoted += '"';
  }
  return quoted + "\"";
}

std::string csv_number(const std::optional<double>& value, int decimals) {
  if (!value) return "";
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, *value);
  return text;
}

std::string quality_row_csv(const parcels::QualityRow& r) {
  std::string line = csv_text(r.group) + "," + (r.period ? csv_text(*r.period) : "");
  for (const std::string& field :
       {std::to_string(r.items), std::to_string(r.without_standard), std::to_string(r.measured),
        std::to_string(r.on_time), csv_number(r.on_time_percent, 1), csv_number(r.mean_transit_days, 2),
        r.p95_transit_days ? std::to_string(*r.p95_transit_days) : std::string(), std::to_string(r.pending),
        std::to_string(r.late_pending), std::to_string(r.anomalies), std::to_string(r.emc_items),
        std::to_string(r.emc_to_emd_within_24h), csv_number(r.emc_to_emd_rate, 1), std::to_string(r.emd_items),
        std::to_string(r.emd_to_delivery_within_24h), csv_number(r.emd_to_delivery_rate, 1)}) {
    line += "," + field;
  }
  return line + "\n";
}

Json number_schema(std::string description) {
  return {{"type", "number"}, {"description", std::move(description)}};
}

Json quality_row_schema() {
  return schema::object(
      {{"group", schema::string("DZ>EG (route), H (product), the posting office, or the period; total")},
       {"period", schema::nullable(schema::string("2026-01-07, 2026-W02 or 2026-01 when split by period"))},
       {"items", schema::integer("posted, with D in the days asked for")},
       {"without_standard", schema::integer("not measured")},
       {"measured", schema::integer("attempted, plus late_pending")},
       {"on_time", schema::integer()},
       {"on_time_percent", schema::nullable(number_schema("one decimal"))},
       {"mean_transit_days", schema::nullable(number_schema("working days, two decimals"))},
       {"p95_transit_days", schema::nullable(schema::integer("nearest rank"))},
       {"pending", schema::integer("not attempted, due day not over: not measured")},
       {"late_pending", schema::integer("not attempted, due day over: measured as late")},
       {"anomalies", schema::integer()},
       {"emc_items", schema::integer()},
       {"emc_to_emd_within_24h", schema::integer()},
       {"emc_to_emd_rate", schema::nullable(number_schema("percent, one decimal (UPU target 56)"))},
       {"emd_items", schema::integer()},
       {"emd_to_delivery_within_24h", schema::integer("first EDH, EMH or EMI within 24 h of the first EMD")},
       {"emd_to_delivery_rate", schema::nullable(number_schema("percent, one decimal (UPU target 56)"))}});
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

  add({.method = http::Method::put,
       .path = "/api/v1/quality/calendars/{country}",
       .operation_id = "setWorkingDayCalendar",
       .summary = "Set a country's working-day calendar: its weekend days and public holidays (at most 2,000). "
                  "Countries without one use their usual weekend (Friday-Saturday in most of the region, "
                  "Saturday-Sunday in MA, TN, LB, AE and elsewhere) and no holidays",
       .tag = "quality",
       .access = admins,
       .request_schema = schema::object(
           {{"country", schema::string("the one in the path, when given")},
            {"weekend", schema::array(schema::enumeration({"mon", "tue", "wed", "thu", "fri", "sat", "sun"}))},
            {"holidays", schema::array(schema::string_format("date"))}}),
       .response_schema = calendar_schema(),
       .error_codes = {"invalid_calendar"},
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         BARID_ASSIGN_OR_RETURN(auto stored,
                                parcels.set_calendar(context.caller(), context.path_param("country"), body));
         return json_response(calendar_json(stored));
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/quality/calendars",
       .operation_id = "listWorkingDayCalendars",
       .summary = "The stored working-day calendars, by country",
       .tag = "quality",
       .access = admins,
       .response_schema = schema::object({{"calendars", schema::array(calendar_schema())}}),
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto calendars, parcels.calendars(context.caller()));
         Json list = Json::array();
         for (const auto& calendar : calendars) list.push_back(calendar_json(calendar));
         return json_response({{"calendars", list}});
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/quality/standards",
       .operation_id = "addDeliveryStandard",
       .summary = "Add a delivery standard: J+n working days for a product (or * for any) on a route from an origin "
                  "to a destination country (or * for any), with a cut-off time at the origin. The most specific "
                  "standard applies: product first, then origin, then destination",
       .tag = "quality",
       .access = admins,
       .request_schema = schema::object({{"product", schema::string("R, L, C, H, E or *")},
                                         {"origin", schema::string("country code or *")},
                                         {"destination", schema::string("country code or *")},
                                         {"days", schema::integer("0 to 60")},
                                         {"cutoff_minutes", schema::integer("0 to 1440 (default: no cut-off)")}},
                                        {"product", "origin", "destination", "days"}),
       .success_status = 201,
       .response_schema = standard_schema(),
       .error_codes = {"invalid_standard", "standard_exists", "too_many_standards"},
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         BARID_ASSIGN_OR_RETURN(auto input, read_standard(body));
         BARID_ASSIGN_OR_RETURN(auto standard, parcels.add_standard(context.caller(), input));
         return json_response(standard_json(standard), 201);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/quality/standards",
       .operation_id = "listDeliveryStandards",
       .summary = "The delivery standards, by product, origin and destination",
       .tag = "quality",
       .access = admins,
       .response_schema = schema::object({{"standards", schema::array(standard_schema())}}),
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto standards, parcels.standards(context.caller()));
         Json list = Json::array();
         for (const auto& standard : standards) list.push_back(standard_json(standard));
         return json_response({{"standards", list}});
       }});

  add({.method = http::Method::delete_,
       .path = "/api/v1/quality/standards/{id}",
       .operation_id = "removeDeliveryStandard",
       .summary = "Remove a delivery standard; its items are measured by the next most specific one",
       .tag = "quality",
       .access = admins,
       .success_status = 204,
       .error_codes = {"standard_not_found"},
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         BARID_TRY(parcels.remove_standard(context.caller(), context.path_param("id")));
         return empty_response(204);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/quality/report",
       .operation_id = "getQualityReport",
       .summary = "On-time delivery against the standards and UPU scan timeliness, for the items whose posting day "
                  "D falls from `from` to `to` (at most 366 days), by route, product, posting office or period, "
                  "with a totals row. JSON, or CSV (text/csv: a header line, one line per group, the totals last)",
       .tag = "quality",
       .access = admins,
       .response_schema = schema::object({{"from", schema::string_format("date")},
                                          {"to", schema::string_format("date")},
                                          {"group_by", schema::string()},
                                          {"period", schema::nullable(schema::string())},
                                          {"as_of", schema::string_format("date-time")},
                                          {"rows", schema::array(quality_row_schema())},
                                          {"totals", quality_row_schema()}}),
       .query = {{"from", "first posting day D, YYYY-MM-DD", schema::string_format("date"), true},
                 {"to", "last posting day D, YYYY-MM-DD", schema::string_format("date"), true},
                 {"group_by", "route (default), product, office or period",
                  schema::enumeration({"route", "product", "office", "period"})},
                 {"period",
                  "day, week (ISO) or month: the rows' period with group_by=period (default day), else "
                  "each group split by it",
                  schema::enumeration({"day", "week", "month"})},
                 {"format", "json (default) or csv", schema::enumeration({"json", "csv"})}},
       .error_codes = {"invalid_query"},
       .handler = [&parcels](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto request, read_report_request(context.request()));
         BARID_ASSIGN_OR_RETURN(auto report, parcels.quality_report(context.caller(), request.query));
         if (request.csv) {
           http::Response response;
           response.content_type = "text/csv; charset=utf-8";
           response.body = kQualityCsvHeader;
           for (const auto& row : report.rows) response.body += quality_row_csv(row);
           response.body += quality_row_csv(report.totals);
           response.set_header("Content-Disposition", "attachment; filename=\"quality-" +
                                                          parcels::format_day(request.query.from_day) + "-" +
                                                          parcels::format_day(request.query.to_day) + ".csv\"");
           return response;
         }
         Json rows = Json::array();
         for (const auto& row : report.rows) rows.push_back(quality_row_json(row));
         return json_response({{"from", parcels::format_day(request.query.from_day)},
                               {"to", parcels::format_day(request.query.to_day)},
                               {"group_by", context.request().query_param("group_by").value_or("route")},
                               {"period", request.query.group_by == parcels::QualityGrouping::period
                                              ? Json(context.request().query_param("period").value_or("day"))
                                              : optional_json(context.request().query_param("period"))},
                               {"as_of", format_utc_ms(report.as_of_ms)},
                               {"rows", rows},
                               {"totals", quality_row_json(report.totals)}});
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
