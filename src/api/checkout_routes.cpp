// Routes of merchant checkout: payment intents, paying them into escrow from a postal account or by
// card, capture, cancellation and refunds, the card acquirer's signed callback, and the sandbox
// acquirer's stand-in for a card holder at its payment page.
#include "mailbox_json.hpp"
#include "payments_json.hpp"

#include <barid/api/api.hpp>
#include <barid/core/time.hpp>
#include <barid/payments/checkout.hpp>

namespace barid::api {

namespace {

using detail::amount_field;
using detail::created;
using detail::optional_json;
using identity::Role;

Json intent_json(const payments::Intent& i) {
  return {{"id", i.id},
          {"merchant_party_id", i.merchant_party_id},
          {"merchant_name", i.merchant_name},
          {"merchant_account", i.merchant_account},
          {"order_reference", i.order_reference},
          {"description", optional_json(i.description)},
          {"currency", i.currency},
          {"amount", i.amount},
          {"amount_text", payments::format_amount(i.amount, i.currency)},
          {"status", i.status},
          {"method", optional_json(i.method)},
          {"payer_party_id", optional_json(i.payer_party_id)},
          {"payer_account", optional_json(i.payer_account)},
          {"escrow_payment_id", optional_json(i.escrow_payment_id)},
          {"hold_expires_at", i.hold_expires_at_ms ? Json(format_utc_ms(*i.hold_expires_at_ms)) : Json()},
          {"card_order_id", optional_json(i.card_order_id)},
          {"redirect_url", optional_json(i.redirect_url)},
          {"refunded", i.refunded},
          {"status_reason", optional_json(i.status_reason)},
          {"escrow_days", i.escrow_days},
          {"created_at", format_utc_ms(i.created_at_ms)},
          {"updated_at", format_utc_ms(i.updated_at_ms)}};
}

Json intent_schema() {
  return schema::object(
      {{"id", schema::string()},
       {"order_reference", schema::string()},
       {"currency", schema::string()},
       {"amount", schema::integer("minor units")},
       {"status", schema::enumeration({"requires_payment", "pending_confirmation", "held", "captured", "cancelled",
                                       "returned", "expired", "partially_refunded", "refunded"})},
       {"method", schema::nullable(schema::string("postal_account or card:<acquirer>"))},
       {"escrow_payment_id", schema::nullable(schema::string())},
       {"hold_expires_at", schema::nullable(schema::string_format("date-time"))},
       {"redirect_url", schema::nullable(schema::string("the acquirer's page, for card payments"))}});
}

http::Response intent_response(const payments::Intent& intent, int status = 200) {
  return json_response(intent_json(intent), status);
}

}  // namespace

void Api::add_checkout_routes() {
  auto& checkout = services_.checkout;
  const Access merchants = Access::any_of({Role::business});
  const std::vector<std::string> state_errors = {"intent_not_found", "intent_not_payable", "intent_not_held",
                                                 "intent_not_cancellable", "intent_expired"};

  add({.method = http::Method::post,
       .path = "/api/v1/checkout/intents",
       .operation_id = "createPaymentIntent",
       .summary = "A business creates a payment intent for an order; the buyer pays it into escrow",
       .tag = "checkout",
       .access = merchants,
       .request_schema = schema::object({{"amount", schema::integer("minor units")},
                                         {"currency", schema::string()},
                                         {"order_reference", schema::string("unique per merchant")},
                                         {"description", schema::string()},
                                         {"merchant_account", schema::string()},
                                         {"escrow_days", schema::integer("1 to 90, default 30")}},
                                        {"amount", "currency", "order_reference"}),
       .success_status = 201,
       .response_schema = intent_schema(),
       .error_codes = {"invalid_amount", "invalid_currency", "invalid_order_reference", "invalid_description",
                       "invalid_escrow_days", "duplicate_order_reference", "no_collection_account", "account_not_found",
                       "currency_mismatch", "idempotency_key_required", "idempotency_key_reused"},
       .handler = [&checkout](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         payments::IntentInput input;
         BARID_ASSIGN_OR_RETURN(input.amount, amount_field(body));
         BARID_ASSIGN_OR_RETURN(input.currency, reader.required_string("currency", 3, 3));
         BARID_ASSIGN_OR_RETURN(input.order_reference, reader.required_string("order_reference", 1, 64));
         BARID_ASSIGN_OR_RETURN(input.description, reader.optional_string("description", 1, 500));
         BARID_ASSIGN_OR_RETURN(input.merchant_account, reader.optional_string("merchant_account", 1, 64));
         BARID_ASSIGN_OR_RETURN(input.escrow_days, reader.optional_int("escrow_days", INT64_MIN, INT64_MAX));
         BARID_ASSIGN_OR_RETURN(auto intent, checkout.create(context.caller(), input, key));
         return created(intent_json(intent), intent.replayed, "/api/v1/checkout/intents/" + intent.id);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/checkout/intents/{id}",
       .operation_id = "getPaymentIntent",
       .summary = "A payment intent: for its merchant, its buyer (or a delegate) and, while unpaid, whoever holds "
                  "its id",
       .tag = "checkout",
       .access = Access::authenticated(),
       .response_schema = intent_schema(),
       .error_codes = {"intent_not_found"},
       .handler = [&checkout](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto intent, checkout.intent(context.caller(), context.path_param("id")));
         return intent_response(intent);
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/checkout/intents/{id}/pay",
       .operation_id = "payPaymentIntent",
       .summary = "The buyer pays from a postal account into escrow: a pending transfer to the merchant, captured "
                  "on delivery or by the merchant, voided on cancellation, return or timeout",
       .tag = "checkout",
       .access = Access::authenticated(),
       .request_schema = schema::object({{"from_account", schema::string()}}, {"from_account"}),
       .success_status = 201,
       .response_schema = intent_schema(),
       .error_codes = {"intent_not_found", "intent_not_payable", "account_not_found", "account_closed",
                       "currency_mismatch", "same_account", "insufficient_funds", "daily_limit_exceeded",
                       "idempotency_key_required", "idempotency_key_reused"},
       .handler = [&checkout](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto from, reader.required_string("from_account", 1, 64));
         BARID_ASSIGN_OR_RETURN(auto intent, checkout.pay(context.caller(), context.path_param("id"), from, key));
         return created(intent_json(intent), intent.replayed);
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/checkout/intents/{id}/card",
       .operation_id = "payPaymentIntentByCard",
       .summary = "Start a card payment: the intent waits in pending_confirmation for the acquirer's signed "
                  "callback; send the buyer to redirect_url",
       .tag = "checkout",
       .access = Access::authenticated(),
       .success_status = 201,
       .response_schema = intent_schema(),
       .error_codes = {"intent_not_found", "intent_not_payable", "card_payments_unavailable", "same_account",
                       "idempotency_key_required"},
       .handler = [&checkout](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto intent, checkout.pay_by_card(context.caller(), context.path_param("id"), key));
         return created(intent_json(intent), intent.replayed);
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/checkout/intents/{id}/capture",
       .operation_id = "capturePaymentIntent",
       .summary = "The merchant captures the escrow: the money becomes the merchant's",
       .tag = "checkout",
       .access = merchants,
       .response_schema = intent_schema(),
       .error_codes = state_errors,
       .handler = [&checkout](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto intent, checkout.capture(context.caller(), context.path_param("id")));
         return intent_response(intent);
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/checkout/intents/{id}/cancel",
       .operation_id = "cancelPaymentIntent",
       .summary = "The merchant, or the buyer before capture, cancels; money in escrow goes back to the buyer",
       .tag = "checkout",
       .access = Access::authenticated(),
       .response_schema = intent_schema(),
       .error_codes = state_errors,
       .handler = [&checkout](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto intent, checkout.cancel(context.caller(), context.path_param("id")));
         return intent_response(intent);
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/checkout/intents/{id}/refunds",
       .operation_id = "refundPaymentIntent",
       .summary = "After capture, the merchant refunds part or all of the payment to the buyer (a new transfer)",
       .tag = "checkout",
       .access = merchants,
       .request_schema = schema::object({{"amount", schema::integer("minor units")}}, {"amount"}),
       .success_status = 201,
       .response_schema = detail::payment_schema(),
       .error_codes = {"intent_not_found", "intent_not_captured", "refund_exceeds_payment", "insufficient_funds",
                       "invalid_amount", "idempotency_key_required", "idempotency_key_reused"},
       .handler = [&checkout](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, detail::idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         BARID_ASSIGN_OR_RETURN(auto amount, amount_field(body));
         BARID_ASSIGN_OR_RETURN(auto payment, checkout.refund(context.caller(), context.path_param("id"), amount, key));
         return created(detail::payment_json(payment), payment.replayed);
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/checkout/callbacks/{acquirer}",
       .operation_id = "cardAcquirerCallback",
       .summary = "The card acquirer's server-to-server callback, signed with HMAC-SHA256 over the exact body "
                  "(hex, in X-Signature). It may arrive before the buyer's browser returns",
       .tag = "checkout",
       .access = Access::public_route(),
       .request_schema = schema::object({{"order_id", schema::string()},
                                         {"status", schema::enumeration({"approved", "declined"})},
                                         {"amount", schema::integer()},
                                         {"currency", schema::string()}}),
       .response_schema = intent_schema(),
       .error_codes = {"invalid_signature", "acquirer_not_found", "order_not_found", "order_not_pending",
                       "callback_mismatch", "invalid_callback", "malformed_json"},
       .handler = [&checkout](Context& context) -> Result<http::Response> {
         if (!checkout.acquirer() || context.path_param("acquirer") != checkout.acquirer()->name()) {
           return not_found("acquirer_not_found", "no card acquirer has this name");
         }
         const auto signature = context.request().header("X-Signature");
         BARID_ASSIGN_OR_RETURN(auto intent, checkout.card_callback(context.request().body, signature.value_or("")));
         return intent_response(intent);
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/sandbox-acquirer/orders/{order}/complete",
       .operation_id = "sandboxAcquirerComplete",
       .summary = "SANDBOX ONLY (baridd --card-acquirer sandbox, for tests and demos): plays the card holder at the "
                  "sandbox acquirer's page; the sandbox then sends its signed callback. Never enable with real money",
       .tag = "checkout",
       .access = Access::public_route(),
       .request_schema = schema::object({{"approved", schema::boolean()}}, {"approved"}),
       .response_schema = intent_schema(),
       .error_codes = {"acquirer_not_found", "order_not_found", "missing_field"},
       .handler = [&checkout](Context& context) -> Result<http::Response> {
         auto* sandbox = dynamic_cast<payments::SandboxAcquirer*>(checkout.acquirer());
         if (sandbox == nullptr) return not_found("acquirer_not_found", "the sandbox acquirer is not in use");
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto approved, reader.optional_bool("approved"));
         if (!approved) return invalid_input("missing_field", "approved is required");
         BARID_ASSIGN_OR_RETURN(auto order, checkout.card_order(context.path_param("order")));
         const auto [callback, signature] =
             sandbox->callback_for(order.card_order_id.value_or(""), order.id, order.amount, order.currency, *approved);
         BARID_ASSIGN_OR_RETURN(auto intent, checkout.card_callback(callback, signature));
         return intent_response(intent);
       }});
}

}  // namespace barid::api
