// Routes of the payment services: postal accounts and their statements, transfers between people,
// and the counter (cash drawers, cash-in, cash-out, closing). Who may touch whose account is decided
// in the payments module; these handlers decode, call one service function and encode.
#include "mailbox_json.hpp"
#include "payments_json.hpp"

#include <barid/api/api.hpp>
#include <barid/core/time.hpp>
#include <barid/payments/bills.hpp>
#include <barid/payments/payments.hpp>

namespace barid::api {

namespace detail {

Json optional_json(const std::optional<std::string>& text) {
  return text ? Json(*text) : Json();
}

Json payment_json(const payments::Payment& p) {
  return {{"id", p.id},
          {"kind", p.kind},
          {"channel", p.channel},
          {"currency", p.currency},
          {"amount", p.amount},
          {"amount_text", payments::format_amount(p.amount, p.currency)},
          {"fee", p.fee},
          {"from_account", optional_json(p.from_account)},
          {"to_account", optional_json(p.to_account)},
          {"from_party_id", optional_json(p.from_party_id)},
          {"to_party_id", optional_json(p.to_party_id)},
          {"reference", optional_json(p.reference)},
          {"authorization", p.authorization},
          {"actor_user_id", p.actor_user_id},
          {"actor_capacity", p.actor_capacity},
          {"office_code", optional_json(p.office_code)},
          {"created_at", format_utc_ms(p.created_at_ms)}};
}

Json payment_schema() {
  return schema::object({{"id", schema::string()},
                         {"kind", schema::enumeration({"transfer", "cash_in", "cash_out", "drawer_float",
                                                       "drawer_difference", "bill", "checkout", "refund"})},
                         {"channel", schema::string()},
                         {"currency", schema::string()},
                         {"amount", schema::integer("minor units")},
                         {"fee", schema::integer("minor units, paid by the payer to the operator")},
                         {"from_account", schema::nullable(schema::string())},
                         {"to_account", schema::nullable(schema::string())},
                         {"reference", schema::nullable(schema::string())},
                         {"authorization", schema::string("printed on receipts")},
                         {"actor_user_id", schema::string()},
                         {"actor_capacity", schema::string()},
                         {"office_code", schema::nullable(schema::string())},
                         {"created_at", schema::string_format("date-time")}});
}

// An amount in integer minor units: missing is missing_field, anything but a positive whole number
// below 2^63 is invalid_amount.
Result<std::int64_t> amount_field(const Json& body, const char* name) {
  const auto found = body.find(name);
  if (found == body.end() || found->is_null()) {
    return invalid_input("missing_field", std::string(name) + " is required (integer minor units)");
  }
  if (found->is_number_integer() && !found->is_number_unsigned()) return found->get<std::int64_t>();
  if (found->is_number_unsigned() && found->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(found->get<std::uint64_t>());
  }
  return invalid_input("invalid_amount", std::string(name) + " must be a whole number of minor units below 2^63");
}

http::Response created(const Json& body, bool replayed, const std::string& location) {
  auto response = json_response(body, replayed ? 200 : 201);
  if (replayed) response.set_header("Idempotent-Replayed", "true");
  if (!location.empty()) response.set_header("Location", location);
  return response;
}

}  // namespace detail

namespace {

using detail::amount_field;
using detail::created;
using detail::optional_json;
using detail::payment_json;
using detail::payment_schema;
using identity::Role;

Json account_json(const payments::PostalAccount& a) {
  return {{"number", a.number},
          {"number_formatted", payments::format_account_number(a.number)},
          {"party_id", a.party_id},
          {"holder_name", a.holder_name},
          {"currency", a.currency},
          {"name", optional_json(a.name)},
          {"status", a.status},
          {"balance", a.balance},
          {"held", a.held},
          {"incoming", a.incoming},
          {"available", a.available},
          {"available_text", payments::format_amount(a.available, a.currency)},
          {"daily_limit", a.daily_limit},
          {"spent_today", a.spent_today},
          {"opened_at", format_utc_ms(a.created_at_ms)},
          {"ledger_account_id", a.ledger_account_id.to_string()}};
}

Json drawer_json(const payments::Drawer& d) {
  return {{"id", d.id},
          {"office_code", d.office_code},
          {"currency", d.currency},
          {"cash", d.cash},
          {"cash_text", payments::format_amount(d.cash, d.currency)},
          {"opened_at", format_utc_ms(d.opened_at_ms)}};
}

Json period_json(const payments::DrawerPeriod& p) {
  return {{"from", format_utc_ms(p.from_ms)},
          {"opening", p.opening},
          {"cash_in", p.cash_in},
          {"cash_in_count", p.cash_in_count},
          {"cash_out", p.cash_out},
          {"cash_out_count", p.cash_out_count},
          {"floats", p.floats},
          {"expected", p.expected}};
}

Json closing_json(const payments::DrawerClosing& c) {
  Json out = period_json(c.period);
  out["id"] = c.id;
  out["drawer_id"] = c.drawer_id;
  out["closed_at"] = format_utc_ms(c.closed_at_ms);
  out["counted"] = c.counted;
  out["difference"] = c.difference;
  out["closed_by_user_id"] = c.closed_by_user_id;
  return out;
}

Json statement_json(const payments::Statement& s) {
  Json entries = Json::array();
  for (const auto& e : s.entries) {
    entries.push_back({{"payment_id", e.payment_id},
                       {"transfer_id", e.transfer_id},
                       {"booked_at", format_utc_ms(e.booked_at_ms)},
                       {"direction", e.credit ? "credit" : "debit"},
                       {"amount", e.amount},
                       {"kind", e.kind},
                       {"reference", optional_json(e.reference)},
                       {"counterparty", optional_json(e.counterparty)},
                       {"counterparty_name", optional_json(e.counterparty_name)},
                       {"balance_after", e.balance_after}});
  }
  return {{"account", account_json(s.account)},   {"from", format_utc_ms(s.from_ms)},
          {"to", format_utc_ms(s.to_ms)},         {"opening_balance", s.opening_balance},
          {"closing_balance", s.closing_balance}, {"total_credits", s.total_credits},
          {"total_debits", s.total_debits},       {"entries", entries}};
}

Json bill_json(const payments::Bill& b) {
  return {{"id", b.id},
          {"biller_party_id", b.biller_party_id},
          {"biller_name", b.biller_name},
          {"reference", b.reference},
          {"payer_party_id", b.payer_party_id},
          {"currency", b.currency},
          {"amount_due", b.amount_due},
          {"amount_due_text", payments::format_amount(b.amount_due, b.currency)},
          {"penalty", b.penalty},
          {"amount_paid", b.amount_paid},
          {"outstanding", b.outstanding},
          {"amount_rule", payments::to_string(b.rule)},
          {"minimum_amount", b.minimum_amount},
          {"due_at", format_utc_ms(b.due_at_ms)},
          {"expires_at", b.expires_at_ms ? Json(format_utc_ms(*b.expires_at_ms)) : Json()},
          {"description", optional_json(b.description)},
          {"registered", b.registered},
          {"status", b.status},
          {"collect_account", b.collect_account},
          {"letter_id", optional_json(b.letter_id)},
          {"batch_id", optional_json(b.batch_id)},
          {"created_at", format_utc_ms(b.created_at_ms)}};
}

Json bill_schema() {
  return schema::object({{"id", schema::string()},
                         {"reference", schema::string()},
                         {"payer_party_id", schema::string()},
                         {"currency", schema::string()},
                         {"amount_due", schema::integer("minor units")},
                         {"penalty", schema::integer("added once the due date has passed")},
                         {"amount_paid", schema::integer()},
                         {"outstanding", schema::integer("due now, minus what was paid")},
                         {"amount_rule", schema::enumeration({"exact", "partial", "minimum", "overpay"})},
                         {"due_at", schema::string_format("date-time")},
                         {"status", schema::enumeration({"open", "partially_paid", "paid", "expired", "cancelled"})},
                         {"letter_id", schema::nullable(schema::string("the bill letter in the payer's mailbox"))}});
}

Json account_schema() {
  return schema::object({{"number", schema::string("IBAN-style, ISO 7064 MOD 97-10 check digits")},
                         {"number_formatted", schema::string()},
                         {"party_id", schema::string()},
                         {"holder_name", schema::string()},
                         {"currency", schema::string()},
                         {"name", schema::nullable(schema::string())},
                         {"status", schema::enumeration({"open", "closed"})},
                         {"balance", schema::integer("minor units: posted credits minus posted debits")},
                         {"held", schema::integer("reserved by pending payments")},
                         {"incoming", schema::integer("pending credits")},
                         {"available", schema::integer()},
                         {"daily_limit", schema::integer()},
                         {"spent_today", schema::integer()},
                         {"opened_at", schema::string_format("date-time")}});
}

Json drawer_schema() {
  return schema::object({{"id", schema::string()},
                         {"office_code", schema::string()},
                         {"currency", schema::string()},
                         {"cash", schema::integer("what the ledger says is in the drawer")},
                         {"opened_at", schema::string_format("date-time")}});
}

Result<std::optional<std::string>> optional_text(const Json& body, const char* name, std::size_t max_chars) {
  FieldReader reader(body);
  return reader.optional_string(name, 0, max_chars);
}

Result<payments::Payee> payee_field(const Json& body) {
  payments::Payee payee;
  BARID_ASSIGN_OR_RETURN(payee.account_number, optional_text(body, "to_account", 64));
  const auto to = body.find("to");
  if (to != body.end() && !to->is_null()) {
    if (!to->is_object())
      return invalid_input("invalid_payee", "to must be {\"type\": \"national_id\", \"id\": \"…\"}");
    FieldReader reader(*to);
    BARID_ASSIGN_OR_RETURN(auto type, reader.optional_string("type", 1, 32));
    BARID_ASSIGN_OR_RETURN(payee.identifier, reader.optional_string("id", 1, 64));
    payee.kind = identity::addressable_kind(type.value_or("national_id"));
    if (!payee.kind) {
      return invalid_input("invalid_payee", "to.type must be national_id, registry_number or authority_code");
    }
    if (!payee.identifier) return invalid_input("invalid_payee", "to.id is required");
  }
  return payee;
}

Result<std::optional<std::int64_t>> date_field(const Json& body, const char* name) {
  const auto found = body.find(name);
  if (found == body.end() || found->is_null()) return std::optional<std::int64_t>();
  std::optional<std::int64_t> ms;
  if (found->is_string()) {
    const auto& text = found->get_ref<const std::string&>();
    ms = text.size() == 10 ? parse_rfc3339_ms(text + "T23:59:59.999Z") : parse_rfc3339_ms(text);
  }
  if (!ms) return invalid_input(std::string("invalid_") + name, std::string(name) + " must be YYYY-MM-DD or RFC 3339");
  return ms;
}

Result<payments::BillInput> bill_input(const Json& body) {
  FieldReader reader(body);
  payments::BillInput bill;
  BARID_ASSIGN_OR_RETURN(bill.reference, reader.required_string("reference", 1, 64));
  const auto payer = body.find("payer");
  if (payer == body.end() || !payer->is_object()) {
    return invalid_input("missing_field", "payer is required: {\"type\": \"national_id\", \"id\": \"…\"}");
  }
  BARID_ASSIGN_OR_RETURN(auto payee, payee_field(Json{{"to", *payer}}));
  bill.payer_kind = *payee.kind;
  bill.payer_identifier = *payee.identifier;
  BARID_ASSIGN_OR_RETURN(bill.amount_due, amount_field(body, "amount_due"));
  BARID_ASSIGN_OR_RETURN(bill.currency, reader.required_string("currency", 3, 3));
  BARID_ASSIGN_OR_RETURN(auto due, date_field(body, "due_date"));
  if (!due) return invalid_input("missing_field", "due_date is required");
  bill.due_at_ms = *due;
  BARID_ASSIGN_OR_RETURN(auto rule, reader.optional_string("amount_rule", 1, 16));
  if (rule) {
    const auto parsed = payments::amount_rule_from_string(*rule);
    if (!parsed) return invalid_input("invalid_amount_rule", "amount_rule must be exact, partial, minimum or overpay");
    bill.rule = *parsed;
  }
  BARID_ASSIGN_OR_RETURN(auto minimum, reader.optional_int("minimum_amount", 0, INT64_MAX));
  bill.minimum_amount = minimum.value_or(0);
  BARID_ASSIGN_OR_RETURN(auto penalty, reader.optional_int("penalty", 0, INT64_MAX));
  bill.penalty = penalty.value_or(0);
  BARID_ASSIGN_OR_RETURN(bill.expires_at_ms, date_field(body, "expires_at"));
  BARID_ASSIGN_OR_RETURN(bill.description, reader.optional_string("description", 1, 500));
  BARID_ASSIGN_OR_RETURN(auto registered, reader.optional_bool("registered"));
  bill.registered = registered.value_or(false);
  return bill;
}

Result<payments::CounterRequest> counter_request(Context& context) {
  BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
  FieldReader reader(body);
  payments::CounterRequest request;
  BARID_ASSIGN_OR_RETURN(request.office_code, reader.required_string("office_code", 1, 32));
  BARID_ASSIGN_OR_RETURN(request.account_number, reader.required_string("account_number", 1, 64));
  BARID_ASSIGN_OR_RETURN(request.amount, amount_field(body));
  BARID_ASSIGN_OR_RETURN(request.currency, reader.optional_string("currency", 3, 3));
  BARID_ASSIGN_OR_RETURN(request.reference, reader.optional_string("reference", 0, 560));
  return request;
}

const std::vector<std::string> kMoneyErrors = {"idempotency_key_required",
                                               "invalid_idempotency_key",
                                               "idempotency_key_reused",
                                               "idempotency_key_in_use",
                                               "invalid_amount",
                                               "insufficient_funds",
                                               "daily_limit_exceeded",
                                               "account_closed",
                                               "account_not_found",
                                               "currency_mismatch",
                                               "amount_too_large",
                                               "missing_field",
                                               "invalid_field",
                                               "malformed_json",
                                               "unsupported_media_type"};

std::vector<std::string> money_errors(std::initializer_list<std::string> more) {
  std::vector<std::string> codes = kMoneyErrors;
  codes.insert(codes.end(), more);
  return codes;
}

}  // namespace

void Api::add_payment_account_routes() {
  auto& payments = services_.payments;
  const Access holders =
      Access::any_of({Role::citizen, Role::business, Role::authority_sender, Role::postal_clerk, Role::operator_admin});

  add({.method = http::Method::post,
       .path = "/api/v1/payments/accounts",
       .operation_id = "openPostalAccount",
       .summary = "Open a postal account in a currency: for the caller's party, or (postal clerks, administrators) "
                  "for `party_id`. Needs an Idempotency-Key",
       .tag = "payments",
       .access = holders,
       .request_schema = schema::object({{"currency", schema::string("ISO 4217")},
                                         {"name", schema::string("the holder's label, up to 40 characters")},
                                         {"daily_limit", schema::integer("minor units")},
                                         {"party_id", schema::string()}},
                                        {"currency"}),
       .success_status = 201,
       .response_schema = account_schema(),
       .error_codes = {"invalid_currency", "invalid_name", "invalid_daily_limit", "party_not_found", "invalid_party",
                       "too_many_accounts", "not_allowed", "idempotency_key_required", "idempotency_key_reused"},
       .handler = [&payments](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         payments::OpenAccountRequest request;
         BARID_ASSIGN_OR_RETURN(request.currency, reader.required_string("currency", 3, 3));
         BARID_ASSIGN_OR_RETURN(request.name, reader.optional_string("name", 1, 160));
         BARID_ASSIGN_OR_RETURN(request.daily_limit, reader.optional_int("daily_limit", INT64_MIN, INT64_MAX));
         BARID_ASSIGN_OR_RETURN(request.party_id, reader.optional_string("party_id", 1, 64));
         BARID_ASSIGN_OR_RETURN(auto account, payments.open_account(context.caller(), request, key));
         // An account opened before under this key answers 201 again: its state is read fresh.
         return created(account_json(account), false, "/api/v1/payments/accounts/" + account.number);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/payments/accounts",
       .operation_id = "listPostalAccounts",
       .summary = "The postal accounts of the caller's party, or of `party_id` (a delegate with payments:read, a "
                  "postal clerk or an administrator; logged for that party)",
       .tag = "payments",
       .access = Access::authenticated(),
       .response_schema = schema::object({{"accounts", schema::array(account_schema())}}),
       .query = {{"party_id", "another party's accounts", schema::string()}},
       .error_codes = {"party_not_found"},
       .handler = [&payments](Context& context) -> Result<http::Response> {
         const auto party_id = context.request().query_param("party_id");
         BARID_ASSIGN_OR_RETURN(auto accounts, payments.accounts(context.caller(), party_id));
         Json list = Json::array();
         for (const auto& a : accounts) list.push_back(account_json(a));
         return json_response({{"accounts", list}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/payments/accounts/{number}",
       .operation_id = "getPostalAccount",
       .summary = "One postal account with its balance, held and available amounts and today's spending",
       .tag = "payments",
       .access = Access::authenticated(),
       .response_schema = account_schema(),
       .error_codes = {"account_not_found"},
       .handler = [&payments](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto account, payments.account(context.caller(), context.path_param("number")));
         return json_response(account_json(account));
       }});

  add({.method = http::Method::patch,
       .path = "/api/v1/payments/accounts/{number}",
       .operation_id = "setPostalAccountLimit",
       .summary = "Change an account's daily outgoing limit (the holder or a delegate with payments:pay up to the "
                  "default; administrators any)",
       .tag = "payments",
       .access = Access::authenticated(),
       .request_schema = schema::object({{"daily_limit", schema::integer("minor units")}}, {"daily_limit"}),
       .response_schema = account_schema(),
       .error_codes = {"account_not_found", "invalid_daily_limit", "missing_field", "invalid_field"},
       .handler = [&payments](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto limit, reader.required_int("daily_limit", INT64_MIN, INT64_MAX));
         BARID_ASSIGN_OR_RETURN(auto account,
                                payments.set_daily_limit(context.caller(), context.path_param("number"), limit));
         return json_response(account_json(account));
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/payments/accounts/{number}/statement",
       .operation_id = "getPostalAccountStatement",
       .summary = "An account's statement for a period: opening and closing balance and every booked entry with its "
                  "counterparty, reference and running balance (at most 10,000 entries)",
       .tag = "payments",
       .access = Access::authenticated(),
       .response_schema = schema::object({{"opening_balance", schema::integer()},
                                          {"closing_balance", schema::integer()},
                                          {"entries", schema::array(schema::object({}))}}),
       .query = {{"from", "RFC 3339, inclusive; default: 30 days before `to`", schema::string_format("date-time")},
                 {"to", "RFC 3339, exclusive; default: now", schema::string_format("date-time")},
                 {"format", "json (default) or camt.053: ISO 20022 camt.053.001.08 XML",
                  schema::enumeration({"json", "camt.053"})}},
       .error_codes = {"account_not_found", "invalid_from", "invalid_to", "invalid_time_range", "statement_too_long",
                       "invalid_format"},
       .handler = [&payments](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto from, detail::time_query(context, "from"));
         BARID_ASSIGN_OR_RETURN(auto to, detail::time_query(context, "to"));
         const std::int64_t end = to.value_or(payments.clock_ms() + 1);
         const std::int64_t start = from.value_or(end - 30LL * 24 * 60 * 60 * 1000);
         const auto format = context.request().query_param("format").value_or("json");
         if (format != "json" && format != "camt.053") {
           return invalid_input("invalid_format", "format must be json or camt.053");
         }
         BARID_ASSIGN_OR_RETURN(auto statement,
                                payments.statement(context.caller(), context.path_param("number"), start, end));
         if (format == "json") return json_response(statement_json(statement));
         http::Response response;
         response.content_type = "application/xml; charset=utf-8";
         response.body = payments::camt053(statement, payments.clock_ms());
         response.set_header("Content-Disposition",
                             "attachment; filename=\"statement-" + statement.account.number + ".xml\"");
         return response;
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/payments/transfers",
       .operation_id = "transferMoney",
       .summary = "Pay another person from a postal account, to an account number (`to_account`) or to the payee's "
                  "primary account in the currency (`to`: national id, registry number or authority code). The fee "
                  "is a linked transfer to the operator; amount and fee count against the daily limit",
       .tag = "payments",
       .access = Access::authenticated(),
       .request_schema = schema::object({{"from_account", schema::string()},
                                         {"to_account", schema::string()},
                                         {"to", schema::object({{"type", schema::string()}, {"id", schema::string()}})},
                                         {"amount", schema::integer("minor units")},
                                         {"currency", schema::string()},
                                         {"reference", schema::string("up to 140 characters, shown to both")}},
                                        {"from_account", "amount"}),
       .success_status = 201,
       .response_schema = payment_schema(),
       .error_codes = money_errors({"invalid_payee", "payee_not_found", "same_account", "invalid_reference",
                                    "invalid_account_number", "invalid_currency", "payment_refused"}),
       .handler = [&payments](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         payments::TransferRequest request;
         BARID_ASSIGN_OR_RETURN(request.from_account, reader.required_string("from_account", 1, 64));
         BARID_ASSIGN_OR_RETURN(request.to, payee_field(body));
         BARID_ASSIGN_OR_RETURN(request.amount, amount_field(body));
         BARID_ASSIGN_OR_RETURN(request.currency, reader.optional_string("currency", 3, 3));
         BARID_ASSIGN_OR_RETURN(request.reference, reader.optional_string("reference", 0, 560));
         BARID_ASSIGN_OR_RETURN(auto payment, payments.transfer(context.caller(), request, key));
         return created(payment_json(payment), payment.replayed, "/api/v1/payments/" + payment.id);
       }});
}

void Api::add_counter_routes() {
  auto& payments = services_.payments;
  const Access clerks = Access::any_of({Role::postal_clerk});
  const Access staff = Access::any_of({Role::postal_clerk, Role::operator_admin});

  add({.method = http::Method::post,
       .path = "/api/v1/payments/drawers",
       .operation_id = "openCashDrawer",
       .summary = "Open an office's cash drawer in a currency (one per office and currency)",
       .tag = "counter",
       .access = Access::any_of({Role::operator_admin}),
       .request_schema = schema::object({{"office_code", schema::string()}, {"currency", schema::string()}},
                                        {"office_code", "currency"}),
       .success_status = 201,
       .response_schema = drawer_schema(),
       .error_codes = {"invalid_office_code", "invalid_currency", "drawer_exists", "idempotency_key_required"},
       .handler = [&payments](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto office, reader.required_string("office_code", 1, 32));
         BARID_ASSIGN_OR_RETURN(auto currency, reader.required_string("currency", 3, 3));
         BARID_ASSIGN_OR_RETURN(auto drawer, payments.open_drawer(context.caller(), office, currency, key));
         return created(drawer_json(drawer), false, "/api/v1/payments/drawers/" + drawer.id);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/payments/drawers",
       .operation_id = "listCashDrawers",
       .summary = "Cash drawers, of one office or all",
       .tag = "counter",
       .access = staff,
       .response_schema = schema::object({{"drawers", schema::array(drawer_schema())}}),
       .query = {{"office", "an office code", schema::string()}},
       .handler = [&payments](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto drawers,
                                payments.drawers(context.caller(), context.request().query_param("office")));
         Json list = Json::array();
         for (const auto& d : drawers) list.push_back(drawer_json(d));
         return json_response({{"drawers", list}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/payments/drawers/{id}",
       .operation_id = "getCashDrawer",
       .summary = "A drawer with its open period: opening cash, cash in and out, floats and the cash expected now",
       .tag = "counter",
       .access = staff,
       .response_schema = schema::object({{"drawer", drawer_schema()}, {"period", schema::object({})}}),
       .error_codes = {"drawer_not_found"},
       .handler = [&payments](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto found, payments.drawer(context.caller(), context.path_param("id")));
         return json_response({{"drawer", drawer_json(found.first)}, {"period", period_json(found.second)}});
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/payments/drawers/{id}/float",
       .operation_id = "floatCashDrawer",
       .summary = "Cash brought to the drawer from the operator's vault",
       .tag = "counter",
       .access = staff,
       .request_schema = schema::object({{"amount", schema::integer("minor units")}}, {"amount"}),
       .success_status = 201,
       .response_schema = payment_schema(),
       .error_codes = money_errors({"drawer_not_found"}),
       .handler = [&payments](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         BARID_ASSIGN_OR_RETURN(auto amount, amount_field(body));
         BARID_ASSIGN_OR_RETURN(auto payment,
                                payments.float_drawer(context.caller(), context.path_param("id"), amount, key));
         return created(payment_json(payment), payment.replayed);
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/payments/drawers/{id}/close",
       .operation_id = "closeCashDrawer",
       .summary = "End-of-day closing: the cash counted against the cash expected; a difference is booked to the "
                  "operator's cash-differences account and the next period opens with the cash counted",
       .tag = "counter",
       .access = clerks,
       .request_schema = schema::object({{"counted", schema::integer("minor units")}}, {"counted"}),
       .success_status = 201,
       .response_schema = schema::object({{"id", schema::string()},
                                          {"opening", schema::integer()},
                                          {"expected", schema::integer()},
                                          {"counted", schema::integer()},
                                          {"difference", schema::integer()}}),
       .error_codes = {"drawer_not_found", "invalid_counted", "missing_field", "idempotency_key_required",
                       "idempotency_key_reused"},
       .handler = [&payments](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto counted, reader.required_int("counted", INT64_MIN, INT64_MAX));
         BARID_ASSIGN_OR_RETURN(auto closing,
                                payments.close_drawer(context.caller(), context.path_param("id"), counted, key));
         return created(closing_json(closing), closing.replayed);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/payments/drawers/{id}/closings",
       .operation_id = "listCashDrawerClosings",
       .summary = "A drawer's closings, newest first (the last 100)",
       .tag = "counter",
       .access = staff,
       .response_schema = schema::object({{"closings", schema::array(schema::object({}))}}),
       .error_codes = {"drawer_not_found"},
       .handler = [&payments](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto closings, payments.closings(context.caller(), context.path_param("id")));
         Json list = Json::array();
         for (const auto& c : closings) list.push_back(closing_json(c));
         return json_response({{"closings", list}});
       }});

  for (const bool in : {true, false}) {
    add({.method = http::Method::post,
         .path = in ? "/api/v1/payments/counter/cash-in" : "/api/v1/payments/counter/cash-out",
         .operation_id = in ? "counterCashIn" : "counterCashOut",
         .summary = in ? "Cash handed over at the counter, credited to the customer's account from the office's drawer"
                       : "Cash paid out at the counter from the customer's account, within the drawer's cash and the "
                         "account's daily limit",
         .tag = "counter",
         .access = clerks,
         .request_schema = schema::object({{"office_code", schema::string()},
                                           {"account_number", schema::string()},
                                           {"amount", schema::integer("minor units")},
                                           {"currency", schema::string()},
                                           {"reference", schema::string()}},
                                          {"office_code", "account_number", "amount"}),
         .success_status = 201,
         .response_schema = payment_schema(),
         .error_codes = money_errors({"drawer_not_found", "drawer_insufficient_cash", "invalid_office_code"}),
         .handler = [&payments, in](Context& context) -> Result<http::Response> {
           BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
           BARID_ASSIGN_OR_RETURN(auto request, counter_request(context));
           BARID_ASSIGN_OR_RETURN(auto payment, in ? payments.cash_in(context.caller(), request, key)
                                                   : payments.cash_out(context.caller(), request, key));
           return created(payment_json(payment), payment.replayed, "/api/v1/payments/" + payment.id);
         }});
  }

  // Declared last: its one-segment template would otherwise shadow the literal routes above.
  add({.method = http::Method::get,
       .path = "/api/v1/payments/{id}",
       .operation_id = "getPayment",
       .summary = "One payment, for either side (or staff, logged for the payer) and the user who made it",
       .tag = "payments",
       .access = Access::authenticated(),
       .response_schema = payment_schema(),
       .error_codes = {"payment_not_found"},
       .handler = [&payments](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto payment, payments.payment(context.caller(), context.path_param("id")));
         return json_response(payment_json(payment));
       }});
}

void Api::add_bill_routes() {
  auto& bills = services_.bills;
  const Access billers = Access::any_of({Role::authority_sender, Role::business});

  add({.method = http::Method::post,
       .path = "/api/v1/bills",
       .operation_id = "issueBill",
       .summary = "Issue a bill to a payer; it reaches the payer's mailbox as a letter with a \"pay\" action "
                  "(registered when asked). The money goes to `collect_account`, by default the biller's oldest "
                  "account in the currency. Needs an Idempotency-Key",
       .tag = "bills",
       .access = billers,
       .request_schema =
           schema::object({{"reference", schema::string("unique per biller")},
                           {"payer", schema::object({{"type", schema::string()}, {"id", schema::string()}})},
                           {"amount_due", schema::integer("minor units")},
                           {"currency", schema::string()},
                           {"due_date", schema::string("YYYY-MM-DD or RFC 3339")},
                           {"amount_rule", schema::enumeration({"exact", "partial", "minimum", "overpay"})},
                           {"minimum_amount", schema::integer()},
                           {"penalty", schema::integer("added after the due date")},
                           {"expires_at", schema::string()},
                           {"description", schema::string()},
                           {"registered", schema::boolean()},
                           {"collect_account", schema::string()}},
                          {"reference", "payer", "amount_due", "currency", "due_date"}),
       .success_status = 201,
       .response_schema = bill_schema(),
       .error_codes = {"payer_not_found", "duplicate_reference", "invalid_amount", "invalid_currency",
                       "invalid_due_date", "invalid_penalty", "invalid_minimum_amount", "invalid_expiry",
                       "invalid_amount_rule", "no_collection_account", "account_not_found", "currency_mismatch",
                       "idempotency_key_required", "idempotency_key_reused"},
       .handler = [&bills](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         BARID_ASSIGN_OR_RETURN(auto input, bill_input(body));
         BARID_ASSIGN_OR_RETURN(auto collect, optional_text(body, "collect_account", 64));
         BARID_ASSIGN_OR_RETURN(auto bill, bills.issue(context.caller(), input, collect, key));
         return created(bill_json(bill), bill.replayed, "/api/v1/bills/" + bill.id);
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/bills/files",
       .operation_id = "issueBillFile",
       .summary = "Issue up to 10,000 bills from a CSV (text/csv) or JSON Lines (application/jsonl) file, all or "
                  "none: columns recipient, recipient_type, reference, amount_due, currency, due_date, amount_rule, "
                  "minimum_amount, penalty, expires_at, description, registered. Problems name their lines. The "
                  "letters follow in the background",
       .tag = "bills",
       .access = billers,
       .request_schema = schema::string("the file"),
       .success_status = 201,
       .response_schema = schema::object(
           {{"batch_id", schema::string()}, {"count", schema::integer()}, {"bills", schema::array(bill_schema())}}),
       .query = {{"collect_account", "the account to collect into", schema::string()}},
       .error_codes = {"invalid_bill_file", "unsupported_media_type", "idempotency_key_required",
                       "idempotency_key_reused", "payload_too_large"},
       .handler = [&bills](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         const std::string type(context.request().header("Content-Type").value_or(""));
         const auto format = mailbox::recipient_file_format("", type);
         if (!format) {
           return make_error(ErrorKind::unsupported_media, "unsupported_media_type",
                             "send the file as text/csv or application/jsonl");
         }
         BARID_ASSIGN_OR_RETURN(auto batch, bills.issue_file(context.caller(), context.request().body,
                                                             *format == mailbox::RecipientFileFormat::jsonl,
                                                             context.request().query_param("collect_account"), key));
         Json list = Json::array();
         for (const auto& bill : batch.bills) list.push_back(bill_json(bill));
         return created({{"batch_id", batch.id}, {"count", batch.bills.size()}, {"bills", list}}, batch.replayed);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/bills",
       .operation_id = "listBillsToPay",
       .summary = "Bills addressed to the caller's party, or to `party_id` (a delegate with payments:read, staff), "
                  "newest first",
       .tag = "bills",
       .access = Access::authenticated(),
       .response_schema = schema::object({{"bills", schema::array(bill_schema())}}),
       .query = {{"party_id", "another party's bills", schema::string()}},
       .error_codes = {"party_not_found"},
       .handler = [&bills](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto found,
                                bills.bills_to_pay(context.caller(), context.request().query_param("party_id")));
         Json list = Json::array();
         for (const auto& bill : found) list.push_back(bill_json(bill));
         return json_response({{"bills", list}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/bills/issued",
       .operation_id = "listIssuedBills",
       .summary = "Bills the caller's party issued, newest first",
       .tag = "bills",
       .access = billers,
       .response_schema = schema::object({{"bills", schema::array(bill_schema())}}),
       .query = {{"status", "open, partially_paid, paid, expired or cancelled", schema::string()},
                 {"limit", "1 to 1000, default 100", schema::integer()}},
       .error_codes = {"invalid_limit"},
       .handler = [&bills](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto limit, detail::limit_query(context, 100, 1000));
         BARID_ASSIGN_OR_RETURN(auto found,
                                bills.bills_issued(context.caller(), context.request().query_param("status"), limit));
         Json list = Json::array();
         for (const auto& bill : found) list.push_back(bill_json(bill));
         return json_response({{"bills", list}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/bills/{id}",
       .operation_id = "getBill",
       .summary = "A bill, for its biller, its payer (or a delegate with payments:read) and staff",
       .tag = "bills",
       .access = Access::authenticated(),
       .response_schema = bill_schema(),
       .error_codes = {"bill_not_found"},
       .handler = [&bills](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto bill, bills.bill(context.caller(), context.path_param("id")));
         return json_response(bill_json(bill));
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/bills/{id}/cancel",
       .operation_id = "cancelBill",
       .summary = "The biller cancels a bill nothing was paid on",
       .tag = "bills",
       .access = billers,
       .response_schema = bill_schema(),
       .error_codes = {"bill_not_found", "bill_has_payments"},
       .handler = [&bills](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto bill, bills.cancel(context.caller(), context.path_param("id")));
         return json_response(bill_json(bill));
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/bills/{id}/pay",
       .operation_id = "payBill",
       .summary = "Pay a bill from a postal account of its payer (the payer, or a delegate with payments:pay); "
                  "`amount` defaults to what is outstanding. The receipt goes into the transparency log and, as a "
                  "letter, into the payer's mailbox. Needs an Idempotency-Key",
       .tag = "bills",
       .access = Access::authenticated(),
       .request_schema =
           schema::object({{"from_account", schema::string()}, {"amount", schema::integer()}}, {"from_account"}),
       .success_status = 201,
       .response_schema = schema::object({{"payment", payment_schema()},
                                          {"bill", bill_schema()},
                                          {"log_index", schema::integer("the receipt's transparency log entry")},
                                          {"letter_id", schema::nullable(schema::string())}}),
       .error_codes = money_errors(
           {"bill_not_found", "bill_cancelled", "bill_already_paid", "bill_expired", "amount_not_allowed"}),
       .handler = [&bills](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto from, reader.required_string("from_account", 1, 64));
         std::optional<std::int64_t> amount;
         if (body.contains("amount") && !body["amount"].is_null()) {
           BARID_ASSIGN_OR_RETURN(amount, amount_field(body));
         }
         BARID_ASSIGN_OR_RETURN(auto receipt, bills.pay(context.caller(), context.path_param("id"), from, amount, key));
         return created({{"payment", payment_json(receipt.payment)},
                         {"bill", bill_json(receipt.bill)},
                         {"log_index", receipt.log_index},
                         {"letter_id", optional_json(receipt.letter_id)}},
                        receipt.payment.replayed);
       }});
}

}  // namespace barid::api
