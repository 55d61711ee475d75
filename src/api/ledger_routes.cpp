// Routes of the ledger engine itself: batches of accounts and transfers with one result per event,
// lookups and an account's transfers. They move money between any accounts, so only the operator's
// administrators (and their API keys) reach them; people pay through the payment services.
#include "ledger_json.hpp"
#include "mailbox_json.hpp"

#include <barid/api/api.hpp>
#include <barid/core/time.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/ledger/ledger.hpp>

#include <limits>

namespace barid::api {

namespace {

using identity::Role;

Json currency_of(std::uint32_t ledger) {
  const auto* currency = ledger::currency_by_ledger(ledger);
  return currency ? Json(currency->code) : Json();
}

Json account_json(const ledger::Account& a) {
  return {{"id", a.id.to_string()},
          {"ledger", a.ledger},
          {"currency", currency_of(a.ledger)},
          {"code", a.code},
          {"flags", ledger::account_flag_names(a.flags)},
          {"owner_party_id", a.owner_party_id ? Json(*a.owner_party_id) : Json()},
          {"user_data_128", a.user_data_128.to_string()},
          {"user_data_64", a.user_data_64},
          {"user_data_32", a.user_data_32},
          {"debits_pending", a.debits_pending},
          {"debits_posted", a.debits_posted},
          {"credits_pending", a.credits_pending},
          {"credits_posted", a.credits_posted},
          {"timestamp_ns", a.timestamp_ns},
          {"created_at", format_utc_ms(a.timestamp_ns / 1'000'000)}};
}

Json transfer_json(const ledger::Transfer& t) {
  return {{"id", t.id.to_string()},
          {"debit_account_id", t.debit_account_id.to_string()},
          {"credit_account_id", t.credit_account_id.to_string()},
          {"amount", t.amount},
          {"pending_id", t.pending_id.zero() ? Json() : Json(t.pending_id.to_string())},
          {"timeout", t.timeout},
          {"ledger", t.ledger},
          {"currency", currency_of(t.ledger)},
          {"code", t.code},
          {"flags", ledger::transfer_flag_names(t.flags)},
          {"user_data_128", t.user_data_128.to_string()},
          {"user_data_64", t.user_data_64},
          {"user_data_32", t.user_data_32},
          {"timestamp_ns", t.timestamp_ns},
          {"created_at", format_utc_ms(t.timestamp_ns / 1'000'000)},
          {"actor_user_id", t.actor_user_id ? Json(*t.actor_user_id) : Json()}};
}

Json account_schema() {
  return schema::object({{"id", schema::string("128-bit id, decimal")},
                         {"ledger", schema::integer("ISO 4217 number of the currency")},
                         {"currency", schema::string()},
                         {"code", schema::integer()},
                         {"flags", schema::array(schema::string())},
                         {"owner_party_id", schema::nullable(schema::string())},
                         {"debits_pending", schema::integer()},
                         {"debits_posted", schema::integer()},
                         {"credits_pending", schema::integer()},
                         {"credits_posted", schema::integer()},
                         {"timestamp_ns", schema::integer()}});
}

Json transfer_schema() {
  return schema::object({{"id", schema::string("128-bit id, decimal; unique forever")},
                         {"debit_account_id", schema::string()},
                         {"credit_account_id", schema::string()},
                         {"amount", schema::integer("minor units, 1 to 2^63 - 1")},
                         {"pending_id", schema::nullable(schema::string())},
                         {"timeout", schema::integer("seconds, pending transfers only")},
                         {"ledger", schema::integer()},
                         {"currency", schema::string()},
                         {"code", schema::integer()},
                         {"flags", schema::array(schema::enumeration(
                                       {"linked", "pending", "post_pending_transfer", "void_pending_transfer"}))},
                         {"timestamp_ns", schema::integer()},
                         {"actor_user_id", schema::nullable(schema::string())}});
}

Json results_schema() {
  return schema::object(
      {{"results", schema::array(schema::object(
                       {{"index", schema::integer()}, {"id", schema::string()}, {"result", schema::string()}}))}});
}

// The account the path names, which must exist.
Result<ledger::Account> path_account(Context& context, ledger::LedgerService& ledger) {
  auto id = ledger::Id::parse(context.path_param("id"));
  auto found = id ? ledger.lookup_accounts(std::span<const ledger::Id>(&*id, 1)) : std::vector<ledger::Account>{};
  if (found.empty()) return not_found("account_not_found", "no ledger account has this id");
  return found[0];
}

}  // namespace

void Api::add_ledger_routes() {
  auto& ledger = services_.ledger;
  const Access admins = Access::any_of({Role::operator_admin});

  add({.method = http::Method::get,
       .path = "/api/v1/ledger/currencies",
       .operation_id = "listCurrencies",
       .summary = "The currencies the ledger keeps: ISO 4217 code, number (the ledger) and minor units",
       .tag = "ledger",
       .access = Access::public_route(),
       .response_schema =
           schema::object({{"currencies", schema::array(schema::object({{"code", schema::string()},
                                                                        {"ledger", schema::integer()},
                                                                        {"minor_units", schema::integer()},
                                                                        {"name", schema::string()}}))}}),
       .handler = [](Context&) -> Result<http::Response> {
         Json list = Json::array();
         for (const auto& c : ledger::currencies()) {
           list.push_back({{"code", c.code}, {"ledger", c.number}, {"minor_units", c.minor_units}, {"name", c.name}});
         }
         return json_response({{"currencies", list}});
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/ledger/accounts",
       .operation_id = "createLedgerAccounts",
       .summary = "Create up to 8,190 accounts; one result per account (`ok`, `exists`, `exists_with_different_*`, "
                  "or why it was refused). Accounts flagged `linked` are created with the next one or not at all",
       .tag = "ledger",
       .access = admins,
       .request_schema = schema::object({{"accounts", schema::array(schema::object({}))}}, {"accounts"}),
       .response_schema = results_schema(),
       .error_codes = {"missing_field", "empty_batch", "batch_too_large", "invalid_account", "malformed_json",
                       "unsupported_media_type"},
       .handler = [&ledger](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         BARID_ASSIGN_OR_RETURN(const Json* events, events_of(body, "accounts", "invalid_account"));
         std::vector<ledger::Account> accounts;
         for (std::size_t i = 0; i < events->size(); ++i) {
           BARID_ASSIGN_OR_RETURN(auto account, read_account((*events)[i], i));
           accounts.push_back(std::move(account));
         }
         BARID_ASSIGN_OR_RETURN(auto results, ledger.create_accounts(accounts));
         Json out = Json::array();
         for (std::size_t i = 0; i < results.size(); ++i) {
           out.push_back({{"index", i}, {"id", accounts[i].id.to_string()}, {"result", ledger::to_string(results[i])}});
         }
         return json_response({{"results", out}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/ledger/accounts/{id}",
       .operation_id = "getLedgerAccount",
       .summary = "An account with its four amounts (debits and credits, pending and posted)",
       .tag = "ledger",
       .access = admins,
       .response_schema = account_schema(),
       .error_codes = {"account_not_found"},
       .handler = [&ledger](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto account, path_account(context, ledger));
         return json_response(account_json(account));
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/ledger/accounts/{id}/close",
       .operation_id = "closeLedgerAccount",
       .summary = "Close an account: no transfer may debit or credit it afterwards. Refused while it has pending "
                  "transfers",
       .tag = "ledger",
       .access = admins,
       .response_schema = account_schema(),
       .error_codes = {"account_not_found", "account_has_pending_transfers"},
       .handler = [&ledger](Context& context) -> Result<http::Response> {
         const auto id = ledger::Id::parse(context.path_param("id"));
         if (!id) return not_found("account_not_found", "no ledger account has this id");
         BARID_ASSIGN_OR_RETURN(auto account, ledger.close_account(*id));
         return json_response(account_json(account));
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/ledger/accounts/{id}/transfers",
       .operation_id = "listLedgerAccountTransfers",
       .summary = "The transfers that debited or credited an account in a time range, oldest first, a page at a time",
       .tag = "ledger",
       .access = admins,
       .response_schema = schema::object(
           {{"transfers", schema::array(transfer_schema())}, {"next_cursor", schema::nullable(schema::string())}}),
       .query = {{"from", "RFC 3339, inclusive", schema::string_format("date-time")},
                 {"to", "RFC 3339, exclusive", schema::string_format("date-time")},
                 {"side", "debits, credits or both (default)", schema::enumeration({"debits", "credits", "both"})},
                 {"cursor", "from the previous page", schema::string()},
                 {"limit", "1 to 1000, default 100", schema::integer()}},
       .error_codes = {"account_not_found", "invalid_from", "invalid_to", "invalid_side", "invalid_cursor",
                       "invalid_limit", "invalid_time_range"},
       .handler = [&ledger](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto account, path_account(context, ledger));
         ledger::TransferQuery query;
         query.account_id = account.id;
         BARID_ASSIGN_OR_RETURN(auto from, detail::time_query(context, "from"));
         BARID_ASSIGN_OR_RETURN(auto to, detail::time_query(context, "to"));
         if (from) query.from_ns = *from * 1'000'000;
         if (to) query.to_ns = *to * 1'000'000;
         if (const auto side = context.request().query_param("side")) {
           if (*side != "debits" && *side != "credits" && *side != "both") {
             return invalid_input("invalid_side", "side must be debits, credits or both");
           }
           query.debits = *side != "credits";
           query.credits = *side != "debits";
         }
         query.cursor = context.request().query_param("cursor");
         BARID_ASSIGN_OR_RETURN(auto limit, detail::limit_query(context, 100, 1000));
         query.limit = static_cast<int>(limit);
         BARID_ASSIGN_OR_RETURN(auto page, ledger.account_transfers(query));
         Json list = Json::array();
         for (const auto& t : page.transfers) list.push_back(transfer_json(t));
         return json_response(
             {{"transfers", list}, {"next_cursor", page.next_cursor ? Json(*page.next_cursor) : Json()}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/ledger/accounts/{id}/balances",
       .operation_id = "listLedgerAccountBalances",
       .summary = "An account's amounts after each transfer that touched it (accounts created with the history flag)",
       .tag = "ledger",
       .access = admins,
       .response_schema = schema::object({{"balances", schema::array(schema::object({}))}}),
       .query = {{"from", "RFC 3339, inclusive", schema::string_format("date-time")},
                 {"to", "RFC 3339, exclusive", schema::string_format("date-time")},
                 {"limit", "1 to 1000, default 100", schema::integer()}},
       .error_codes = {"account_not_found", "invalid_from", "invalid_to", "invalid_limit"},
       .handler = [&ledger](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto account, path_account(context, ledger));
         BARID_ASSIGN_OR_RETURN(auto from, detail::time_query(context, "from"));
         BARID_ASSIGN_OR_RETURN(auto to, detail::time_query(context, "to"));
         BARID_ASSIGN_OR_RETURN(auto limit, detail::limit_query(context, 100, 1000));
         Json list = Json::array();
         for (const auto& b : ledger.account_balances(account.id, from ? *from * 1'000'000 : 0,
                                                      to ? *to * 1'000'000 : INT64_MAX, static_cast<int>(limit))) {
           list.push_back({{"timestamp_ns", b.timestamp_ns},
                           {"debits_pending", b.debits_pending},
                           {"debits_posted", b.debits_posted},
                           {"credits_pending", b.credits_pending},
                           {"credits_posted", b.credits_posted}});
         }
         return json_response({{"balances", list}});
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/ledger/transfers",
       .operation_id = "createLedgerTransfers",
       .summary = "Apply up to 8,190 transfers in order, in one durable transaction; one result per transfer. Needs "
                  "an Idempotency-Key: repeating the request returns its first results",
       .tag = "ledger",
       .access = admins,
       .request_schema = schema::object({{"transfers", schema::array(schema::object({}))}}, {"transfers"}),
       .response_schema = results_schema(),
       .error_codes = {"idempotency_key_required", "idempotency_key_reused", "idempotency_key_in_use", "missing_field",
                       "empty_batch", "batch_too_large", "invalid_transfer", "malformed_json",
                       "unsupported_media_type"},
       .handler = [&ledger](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         if (key.size() > 128) return invalid_input("idempotency_key_required", "the Idempotency-Key is too long");
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         BARID_ASSIGN_OR_RETURN(const Json* events, events_of(body, "transfers", "invalid_transfer"));
         std::vector<ledger::Transfer> transfers;
         transfers.reserve(events->size());
         for (std::size_t i = 0; i < events->size(); ++i) {
           BARID_ASSIGN_OR_RETURN(auto transfer, read_transfer((*events)[i], i));
           transfers.push_back(std::move(transfer));
         }
         const auto fingerprint = crypto::hex_encode(crypto::sha256(events->dump()));
         const auto& user = context.caller().user_id;
         BARID_ASSIGN_OR_RETURN(auto submitted, ledger.create_transfers_once(user, key, fingerprint, transfers, user));
         Json out = Json::array();
         for (std::size_t i = 0; i < submitted.results.size(); ++i) {
           out.push_back({{"index", i},
                          {"id", transfers[i].id.to_string()},
                          {"result", ledger::to_string(submitted.results[i])}});
         }
         http::Response response = json_response({{"results", out}});
         if (submitted.replayed) response.set_header("Idempotent-Replayed", "true");
         return response;
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/ledger/transfers/{id}",
       .operation_id = "getLedgerTransfer",
       .summary = "A transfer, with the state of its reservation when it is a pending one",
       .tag = "ledger",
       .access = admins,
       .response_schema = transfer_schema(),
       .error_codes = {"transfer_not_found"},
       .handler = [&ledger](Context& context) -> Result<http::Response> {
         auto id = ledger::Id::parse(context.path_param("id"));
         if (!id) return not_found("transfer_not_found", "no transfer has this id");
         const ledger::Id ids[] = {*id};
         auto found = ledger.lookup_transfers(ids);
         if (found.empty()) return not_found("transfer_not_found", "no transfer has this id");
         Json out = transfer_json(found[0]);
         if (found[0].flags & ledger::transfer_flags::pending) {
           const auto status = ledger.pending_status(*id);
           out["pending_status"] = std::string(ledger::to_string(status.value_or(ledger::PendingStatus::none)));
         }
         return json_response(out);
       }});
}

}  // namespace barid::api
