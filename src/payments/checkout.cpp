// Merchant checkout: payment intents, escrow as pending ledger transfers, capture on request or on
// delivery, voids on cancellation, return or timeout, refunds, and card payments through an
// acquirer whose callbacks are signed.
#include "internal.hpp"

#include <barid/core/json.hpp>
#include <barid/core/time.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/payments/checkout.hpp>

#include <sodium.h>

namespace barid::payments {

using identity::Principal;
using identity::Role;
using identity::Scope;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;

constexpr const char* kIntentColumns =
    "id, merchant_party_id, merchant_account, order_reference, description, currency, amount, status, method, "
    "payer_party_id, payer_account, escrow_payment_id, escrow_days, hold_expires_at_ms, card_order_id, redirect_url, "
    "refunded, status_reason, created_at_ms, updated_at_ms";

std::optional<Intent> load_intent(store::Transaction& tx, const std::string& where, const store::Value& key,
                                  bool lock) {
  const auto row = tx.query_one(std::string("SELECT ") + kIntentColumns + " FROM payment_intents WHERE " + where +
                                    " = ?" + (lock ? " FOR UPDATE" : ""),
                                {key});
  if (!row) return std::nullopt;
  Intent i;
  i.id = row->text(0);
  i.merchant_party_id = row->text(1);
  i.merchant_account = row->text(2);
  i.order_reference = row->text(3);
  i.description = row->optional_text(4);
  i.currency = row->text(5);
  i.amount = row->int64(6);
  i.status = row->text(7);
  i.method = row->optional_text(8);
  i.payer_party_id = row->optional_text(9);
  i.payer_account = row->optional_text(10);
  i.escrow_payment_id = row->optional_text(11);
  i.escrow_days = row->int64(12);
  i.hold_expires_at_ms = row->optional_int64(13);
  i.card_order_id = row->optional_text(14);
  i.redirect_url = row->optional_text(15);
  i.refunded = row->int64(16);
  i.status_reason = row->optional_text(17);
  i.created_at_ms = row->int64(18);
  i.updated_at_ms = row->int64(19);
  const auto parties = identity::IdentityService::parties_by_id(tx, {i.merchant_party_id});
  if (const auto found = parties.find(i.merchant_party_id); found != parties.end()) {
    i.merchant_name = found->second.name_latin;
  }
  return i;
}

Error intent_not_found() {
  return not_found("intent_not_found", "no payment intent you may see has this id");
}

store::Value optional_value(const std::optional<std::string>& text) {
  return text ? store::Value(*text) : store::Value(nullptr);
}

void save_state(store::Transaction& tx, const Intent& i, std::int64_t now) {
  tx.execute(
      "UPDATE payment_intents SET status = ?, method = ?, payer_party_id = ?, payer_account = ?, "
      "escrow_payment_id = ?, hold_expires_at_ms = ?, card_order_id = ?, redirect_url = ?, refunded = ?, "
      "status_reason = ?, updated_at_ms = ? WHERE id = ?",
      {i.status, optional_value(i.method), optional_value(i.payer_party_id), optional_value(i.payer_account),
       optional_value(i.escrow_payment_id),
       i.hold_expires_at_ms ? store::Value(*i.hold_expires_at_ms) : store::Value(nullptr),
       optional_value(i.card_order_id), optional_value(i.redirect_url), i.refunded, optional_value(i.status_reason),
       now, i.id});
}

Error not_payable(const Intent& intent) {
  return conflict("intent_not_payable", "this payment intent is " + intent.status + ", not awaiting payment");
}

// An intent someone has paid is visible only to its merchant and that buyer (or a delegate, or
// staff); anyone else learns nothing more than from an id that does not exist.
bool visible_to(store::Transaction& tx, identity::IdentityService& identity, const Principal& caller,
                const Intent& intent) {
  if (intent.merchant_party_id == caller.party_id || !intent.payer_party_id) return true;
  return identity
      .authorize_party_access(tx, caller, *intent.payer_party_id, Scope::payments_read, "payments.intent",
                              "intent:" + intent.id)
      .ok();
}

std::string hmac_hex(std::string_view secret, std::string_view body) {
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  std::array<std::uint8_t, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  return crypto::hex_encode(mac);
}

// Puts the intent's amount in escrow: a pending transfer from `from.debit` (with `from.code`) to the
// merchant's account, timing out with the escrow period; `payment` says who pays and how. The
// intent becomes held; the caller saves it.
Status hold_in_escrow(store::Transaction& tx, ledger::LedgerService& ledger, Intent& intent, Payment payment,
                      const detail::Leg& from, std::int64_t now) {
  const auto merchant = detail::load_account(tx, ledger, intent.merchant_account, false);
  if (!merchant) return conflict("account_closed", "the merchant's account is gone");
  detail::Movement movement;
  movement.payment = std::move(payment);
  Payment& p = movement.payment;
  p.kind = "checkout";
  p.currency = intent.currency;
  p.amount = intent.amount;
  p.to_account = intent.merchant_account;
  p.to_party_id = intent.merchant_party_id;
  p.reference = intent.order_reference;
  movement.main = {
      from.debit, merchant->account.ledger_account_id, intent.amount,
      from.code,  ledger::transfer_flags::pending,     static_cast<std::uint32_t>(intent.escrow_days * 86'400)};
  BARID_ASSIGN_OR_RETURN(auto recorded, detail::record_movement(tx, ledger, std::move(movement), now));
  intent.status = "held";
  intent.escrow_payment_id = recorded.id;
  intent.hold_expires_at_ms = now + intent.escrow_days * kDayMs;
  return {};
}

detail::Once<Intent> intent_once(const Principal& caller, const std::string& key, const std::string& operation,
                                 std::string fingerprint) {
  detail::Once<Intent> once;
  once.scope = caller.user_id;
  once.key = key;
  once.operation = operation;
  once.fingerprint = std::move(fingerprint);
  once.id_of = [](const Intent& i) { return i.id; };
  once.replay = [](store::Transaction& tx, const std::string& id) -> Result<Intent> {
    auto intent = load_intent(tx, "id", id, false);
    intent->replayed = true;
    return std::move(*intent);
  };
  return once;
}

}  // namespace

SandboxAcquirer::SandboxAcquirer(std::string secret, std::string public_url)
    : secret_(std::move(secret)), public_url_(std::move(public_url)) {}

Result<CardSession> SandboxAcquirer::start(const Intent&) {
  const auto random = crypto::random_bytes(12);
  CardSession session;
  session.order_id = "sbx_" + crypto::hex_encode(random);
  session.redirect_url = public_url_ + "/sandbox-acquirer/" + session.order_id;
  return session;
}

std::string SandboxAcquirer::sign(std::string_view body) const {
  return hmac_hex(secret_, body);
}

bool SandboxAcquirer::verify(std::string_view body, std::string_view signature) const {
  const std::string expected = sign(body);
  if (signature.size() != expected.size()) return false;
  return crypto::constant_time_equal(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(expected.data()), expected.size()),
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(signature.data()), signature.size()));
}

std::pair<std::string, std::string> SandboxAcquirer::callback_for(const std::string& order_id,
                                                                  const std::string& intent_id, std::int64_t amount,
                                                                  const std::string& currency, bool approved) const {
  const std::string body = Json{
      {"order_id", order_id},
      {"intent_id", intent_id},
      {"amount", amount},
      {"currency", currency},
      {"status", approved ? "approved" : "declined"},
      {"acquirer", "sandbox"}}.dump();
  return {body, sign(body)};
}

CheckoutService::CheckoutService(PaymentsService& payments, std::unique_ptr<CardAcquirer> acquirer)
    : payments_(payments), acquirer_(std::move(acquirer)) {}

Result<Intent> CheckoutService::create(const Principal& merchant, const IntentInput& input,
                                       const std::string& idempotency_key) {
  if (!merchant.has_role(Role::business)) return forbidden("not_allowed", "payment intents are for businesses");
  BARID_TRY(detail::validate_amount(input.amount));
  if (!ledger::currency_by_code(input.currency)) {
    return invalid_input("invalid_currency", "currency must be an ISO 4217 code the ledger keeps");
  }
  BARID_ASSIGN_OR_RETURN(auto order, detail::validate_reference(input.order_reference));
  if (!order || utf8_length(*order) > 64) {
    return invalid_input("invalid_order_reference", "order_reference must be 1 to 64 characters");
  }
  if (input.description && (utf8_length(*input.description) > 500 || !is_valid_utf8(*input.description))) {
    return invalid_input("invalid_description", "description must be at most 500 characters");
  }
  const std::int64_t days = input.escrow_days.value_or(30);
  if (days < 1 || days > 90) return invalid_input("invalid_escrow_days", "escrow_days must be 1 to 90");
  const std::int64_t now = payments_.clock_ms();
  auto once = intent_once(
      merchant, idempotency_key, "create_intent",
      detail::fingerprint({std::to_string(input.amount), input.currency, input.order_reference,
                           input.description.value_or(""), input.merchant_account.value_or(""), std::to_string(days)}));
  once.work = [&](store::Transaction& tx) -> Result<Intent> {
    if (tx.query_one("SELECT id FROM payment_intents WHERE merchant_party_id = ? AND order_reference = ?",
                     {merchant.party_id, input.order_reference})) {
      return conflict("duplicate_order_reference", "you created an intent for this order before");
    }
    BARID_ASSIGN_OR_RETURN(auto account, detail::receiving_account(tx, payments_.ledger(), merchant.party_id,
                                                                   input.currency, input.merchant_account));
    const std::string id = crypto::new_uuid();
    tx.execute(
        "INSERT INTO payment_intents (id, merchant_party_id, merchant_account, order_reference, description, "
        "currency, amount, status, method, payer_party_id, payer_account, escrow_payment_id, escrow_days, "
        "hold_expires_at_ms, card_order_id, redirect_url, refunded, status_reason, created_by_user_id, "
        "created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 'requires_payment', NULL, NULL, NULL, "
        "NULL, ?, NULL, NULL, NULL, 0, NULL, ?, ?, ?)",
        {id, merchant.party_id, account.account.number, input.order_reference, optional_value(input.description),
         input.currency, input.amount, days, merchant.user_id, now, now});
    return *load_intent(tx, "id", id, false);
  };
  return detail::run_once(payments_.store(), now, once);
}

Result<Intent> CheckoutService::intent(const Principal& caller, const std::string& intent_id) {
  return payments_.store().write<Intent>([&](store::Transaction& tx) -> Result<Intent> {
    auto found = intent_id.size() > 64 ? std::nullopt : load_intent(tx, "id", intent_id, false);
    if (!found) return intent_not_found();
    // Unpaid: whoever the shop gave the id to may look at it and pay it.
    if (!visible_to(tx, payments_.identity(), caller, *found)) return intent_not_found();
    return std::move(*found);
  });
}

Result<Intent> CheckoutService::pay(const Principal& buyer, const std::string& intent_id,
                                    const std::string& from_account, const std::string& idempotency_key) {
  const std::int64_t now = payments_.clock_ms();
  auto& ledger = payments_.ledger();
  auto once = intent_once(buyer, idempotency_key, "pay_intent", detail::fingerprint({intent_id, from_account}));
  once.work = [&](store::Transaction& tx) -> Result<Intent> {
    auto intent = intent_id.size() > 64 ? std::nullopt : load_intent(tx, "id", intent_id, true);
    if (!intent || !visible_to(tx, payments_.identity(), buyer, *intent)) return intent_not_found();
    if (intent->status != "requires_payment") return not_payable(*intent);
    const auto number = normalize_account_number(from_account);
    auto payer = number ? detail::load_account(tx, ledger, *number, true) : std::nullopt;
    if (!payer) return not_found("account_not_found", "no postal account you may pay from has this number");
    BARID_ASSIGN_OR_RETURN(
        auto access, detail::authorize_debit(tx, payments_.identity(), buyer, payer->account, "payments.checkout"));
    if (payer->account.status != "open") return conflict("account_closed", "the paying account is closed");
    if (payer->account.currency != intent->currency) {
      return make_error(ErrorKind::unprocessable, "currency_mismatch",
                        "the order is in " + intent->currency + ", the account holds " + payer->account.currency);
    }
    if (payer->account.number == intent->merchant_account) {
      return invalid_input("same_account", "a shop cannot pay itself");
    }
    BARID_TRY(detail::charge_daily_limit(tx, *payer, intent->amount, now));
    detail::Leg from{payer->account.ledger_account_id};
    from.code = transfer_codes::checkout;
    Payment p;
    p.channel = "checkout";
    p.from_account = payer->account.number;
    p.from_party_id = payer->account.party_id;
    p.actor_user_id = buyer.user_id;
    p.actor_capacity = access.capacity;
    BARID_TRY(hold_in_escrow(tx, ledger, *intent, std::move(p), from, now));
    intent->method = "postal_account";
    intent->payer_party_id = payer->account.party_id;
    intent->payer_account = payer->account.number;
    save_state(tx, *intent, now);
    return *load_intent(tx, "id", intent->id, false);
  };
  return detail::run_once(payments_.store(), now, once);
}

Result<Intent> CheckoutService::pay_by_card(const Principal& buyer, const std::string& intent_id,
                                            const std::string& idempotency_key) {
  if (!acquirer_) {
    return make_error(ErrorKind::unprocessable, "card_payments_unavailable", "this node takes no card payments");
  }
  const std::int64_t now = payments_.clock_ms();
  auto once = intent_once(buyer, idempotency_key, "card_intent", detail::fingerprint({intent_id}));
  once.work = [&](store::Transaction& tx) -> Result<Intent> {
    auto intent = intent_id.size() > 64 ? std::nullopt : load_intent(tx, "id", intent_id, true);
    if (!intent || !visible_to(tx, payments_.identity(), buyer, *intent)) return intent_not_found();
    if (intent->status != "requires_payment") return not_payable(*intent);
    if (intent->merchant_party_id == buyer.party_id) return invalid_input("same_account", "a shop cannot pay itself");
    BARID_ASSIGN_OR_RETURN(auto session, acquirer_->start(*intent));
    intent->status = "pending_confirmation";
    intent->method = "card:" + acquirer_->name();
    intent->payer_party_id = buyer.party_id;
    intent->card_order_id = session.order_id;
    intent->redirect_url = session.redirect_url;
    intent->status_reason.reset();
    save_state(tx, *intent, now);
    return *load_intent(tx, "id", intent->id, false);
  };
  return detail::run_once(payments_.store(), now, once);
}

Result<Intent> CheckoutService::card_callback(std::string_view body, std::string_view signature) {
  if (!acquirer_) return not_found("acquirer_not_found", "this node takes no card payments");
  if (!acquirer_->verify(body, signature)) {
    return make_error(ErrorKind::unauthenticated, "invalid_signature", "the callback's signature does not verify");
  }
  BARID_ASSIGN_OR_RETURN(auto json, parse_json_object(body));
  FieldReader reader(json);
  BARID_ASSIGN_OR_RETURN(auto order_id, reader.required_string("order_id", 1, 64));
  BARID_ASSIGN_OR_RETURN(auto status, reader.required_string("status", 1, 16));
  BARID_ASSIGN_OR_RETURN(auto amount, reader.required_int("amount", 1, INT64_MAX));
  BARID_ASSIGN_OR_RETURN(auto currency, reader.required_string("currency", 3, 3));
  if (status != "approved" && status != "declined") {
    return invalid_input("invalid_callback", "status must be approved or declined");
  }
  const std::int64_t now = payments_.clock_ms();
  auto& ledger = payments_.ledger();
  return payments_.store().write<Intent>([&](store::Transaction& tx) -> Result<Intent> {
    auto intent = load_intent(tx, "card_order_id", order_id, true);
    if (!intent) return not_found("order_not_found", "no payment intent waits for this card order");
    if (intent->status != "pending_confirmation") {
      // A repeated approval of the order that funded the escrow changes nothing; an approval that
      // comes after the intent was cancelled is refused, so the acquirer reverses the charge.
      if (status == "approved" && intent->escrow_payment_id) return std::move(*intent);
      return conflict("order_not_pending", "this card order is no longer awaited: reverse the charge");
    }
    if (status == "declined") {
      intent->status = "requires_payment";
      intent->status_reason = "card_declined";
      intent->payer_party_id.reset();
      intent->method.reset();
      intent->card_order_id.reset();
      intent->redirect_url.reset();
      save_state(tx, *intent, now);
      return *load_intent(tx, "id", intent->id, false);
    }
    if (amount != intent->amount || currency != intent->currency) {
      return make_error(ErrorKind::unprocessable, "callback_mismatch",
                        "the acquirer confirmed another amount or currency than the order's");
    }
    detail::Leg from{detail::operator_account(tx, ledger, account_codes::card_settlement, intent->currency)};
    from.code = transfer_codes::card_payment;
    Payment p;
    p.channel = "card";
    p.from_party_id = intent->payer_party_id;
    p.actor_user_id = "acquirer:" + acquirer_->name();
    p.actor_capacity = "acquirer";
    BARID_TRY(hold_in_escrow(tx, ledger, *intent, std::move(p), from, now));
    save_state(tx, *intent, now);
    return *load_intent(tx, "id", intent->id, false);
  });
}

Result<Intent> CheckoutService::release(const std::string& intent_id, bool capture, const Principal* caller,
                                        const std::string& reason) {
  const std::int64_t now = payments_.clock_ms();
  auto& ledger = payments_.ledger();
  bool expired = false;
  auto released = payments_.store().write<Intent>([&](store::Transaction& tx) -> Result<Intent> {
    auto intent = intent_id.size() > 64 ? std::nullopt : load_intent(tx, "id", intent_id, true);
    if (!intent) return intent_not_found();
    if (caller && intent->merchant_party_id != caller->party_id) {
      // Only a cancellation may come from the buyer who paid (or a delegate), decided under the lock.
      const bool buyer = !capture && intent->payer_party_id &&
                         payments_.identity()
                             .authorize_party_access(tx, *caller, *intent->payer_party_id, Scope::payments_pay,
                                                     "payments.cancel_intent", "intent:" + intent_id)
                             .ok();
      if (!buyer) return intent_not_found();
    }
    const std::string done = capture ? "captured" : reason;
    if (intent->status == done) return std::move(*intent);  // a repeat changes nothing
    const bool unpaid = intent->status == "requires_payment" || intent->status == "pending_confirmation";
    if (!capture && unpaid) {
      intent->status = reason;
      intent->status_reason = reason;
      save_state(tx, *intent, now);
      return *load_intent(tx, "id", intent->id, false);
    }
    if (intent->status != "held") {
      return conflict(capture ? "intent_not_held" : "intent_not_cancellable",
                      "this payment intent is " + intent->status);
    }
    const auto pending_id = intent->escrow_payment_id ? ledger::Id::parse(*intent->escrow_payment_id) : std::nullopt;
    if (!pending_id) return conflict("intent_not_held", "this payment intent holds no escrow");
    ledger::Transfer t;
    t.id = ledger::Id::random();
    t.pending_id = *pending_id;
    t.user_data_128 = t.pending_id;
    t.flags = capture ? ledger::transfer_flags::post_pending_transfer : ledger::transfer_flags::void_pending_transfer;
    const auto results = ledger.create_transfers_in(tx, std::span<const ledger::Transfer>(&t, 1),
                                                    caller ? caller->user_id : std::string("system:parcels"));
    if (results[0] == ledger::CreateTransferResult::pending_transfer_expired ||
        results[0] == ledger::CreateTransferResult::pending_transfer_already_voided) {
      expired = true;
      return conflict("intent_expired", "the escrow timed out; the buyer's money was released");
    }
    if (results[0] != ledger::CreateTransferResult::ok) {
      return make_error(ErrorKind::unprocessable, "payment_refused",
                        "the ledger refused: " + std::string(ledger::to_string(results[0])));
    }
    intent->status = done;
    intent->status_reason = reason;
    save_state(tx, *intent, now);
    return *load_intent(tx, "id", intent->id, false);
  });
  if (expired) {
    // Recorded apart: the refused transaction above rolled back.
    payments_.store().run_write([&](store::Transaction& tx) {
      tx.execute(
          "UPDATE payment_intents SET status = 'expired', status_reason = 'escrow timed out before capture', "
          "updated_at_ms = ? WHERE id = ? AND status = 'held'",
          {now, intent_id});
      return true;
    });
  }
  return released;
}

Result<Intent> CheckoutService::capture(const Principal& merchant, const std::string& intent_id) {
  return release(intent_id, true, &merchant, "captured by the merchant");
}

Result<Intent> CheckoutService::capture_on_delivery(const std::string& intent_id, const std::string& parcel_id) {
  return release(intent_id, true, nullptr, "parcel " + parcel_id + " delivered");
}

Result<Intent> CheckoutService::void_on_return(const std::string& intent_id, const std::string&) {
  return release(intent_id, false, nullptr, "returned");
}

Result<Intent> CheckoutService::cancel(const Principal& caller, const std::string& intent_id) {
  return release(intent_id, false, &caller, "cancelled");
}

Result<Payment> CheckoutService::refund(const Principal& merchant, const std::string& intent_id, std::int64_t amount,
                                        const std::string& idempotency_key) {
  BARID_TRY(detail::validate_amount(amount));
  const std::int64_t now = payments_.clock_ms();
  auto& ledger = payments_.ledger();
  auto once = detail::payment_once(merchant, idempotency_key, "refund_intent",
                                   detail::fingerprint({intent_id, std::to_string(amount)}));
  once.work = [&](store::Transaction& tx) -> Result<Payment> {
    auto intent = intent_id.size() > 64 ? std::nullopt : load_intent(tx, "id", intent_id, true);
    if (!intent || intent->merchant_party_id != merchant.party_id) return intent_not_found();
    if (intent->status != "captured" && intent->status != "partially_refunded") {
      return conflict("intent_not_captured", "only a captured payment is refunded; this one is " + intent->status);
    }
    if (amount > intent->amount - intent->refunded) {
      return make_error(ErrorKind::unprocessable, "refund_exceeds_payment",
                        format_amount(intent->amount - intent->refunded, intent->currency) + " " + intent->currency +
                            " is left to refund");
    }
    const auto from = detail::load_account(tx, ledger, intent->merchant_account, true);
    const bool card = intent->method && intent->method->rfind("card:", 0) == 0;
    std::optional<detail::AccountRow> to;
    if (!card) to = detail::load_account(tx, ledger, *intent->payer_account, false);
    detail::Movement movement;
    Payment& p = movement.payment;
    p.kind = "refund";
    p.channel = card ? "card" : "checkout";
    p.currency = intent->currency;
    p.amount = amount;
    p.from_account = intent->merchant_account;
    p.to_account = intent->payer_account;
    p.from_party_id = intent->merchant_party_id;
    p.to_party_id = intent->payer_party_id;
    p.reference = intent->order_reference;
    p.actor_user_id = merchant.user_id;
    p.actor_capacity = "owner";
    movement.main = {from->account.ledger_account_id,
                     card ? detail::operator_account(tx, ledger, account_codes::card_settlement, intent->currency)
                          : to->account.ledger_account_id,
                     amount, transfer_codes::refund};
    BARID_ASSIGN_OR_RETURN(auto payment, detail::record_movement(tx, ledger, std::move(movement), now));
    intent->refunded += amount;
    intent->status = intent->refunded == intent->amount ? "refunded" : "partially_refunded";
    save_state(tx, *intent, now);
    return payment;
  };
  return detail::run_once(payments_.store(), now, once);
}

Result<Intent> CheckoutService::card_order(const std::string& order_id) {
  if (!acquirer_) return not_found("acquirer_not_found", "this node takes no card payments");
  return payments_.store().read<Result<Intent>>([&](store::Transaction& tx) -> Result<Intent> {
    auto intent = order_id.size() > 64 ? std::nullopt : load_intent(tx, "card_order_id", order_id, false);
    if (!intent || intent->status != "pending_confirmation") {
      return not_found("order_not_found", "no payment intent waits for this card order");
    }
    return std::move(*intent);
  });
}

int CheckoutService::expire_holds(std::size_t limit) {
  const std::int64_t now = payments_.clock_ms();
  const auto due =
      payments_.store().read<std::vector<std::pair<std::string, std::string>>>([&](store::Transaction& tx) {
        std::vector<std::pair<std::string, std::string>> out;
        for (const auto& row : tx.query("SELECT id, escrow_payment_id FROM payment_intents WHERE status = 'held' AND "
                                        "hold_expires_at_ms <= ? ORDER BY hold_expires_at_ms LIMIT ?",
                                        {now, static_cast<std::int64_t>(limit)})) {
          out.emplace_back(row.text(0), row.text(1));
        }
        return out;
      });
  int expired = 0;
  for (const auto& entry : due) {
    // Named copies: clang before 16 cannot capture structured bindings in the lambda below.
    const std::string& id = entry.first;
    const auto pending = ledger::Id::parse(entry.second);
    const auto status = pending ? payments_.ledger().pending_status(*pending) : std::nullopt;
    // The ledger's own background voids the transfer once its timeout passes.
    if (status != ledger::PendingStatus::expired && status != ledger::PendingStatus::voided) continue;
    payments_.store().run_write([&](store::Transaction& tx) {
      expired += static_cast<int>(tx.execute(
          "UPDATE payment_intents SET status = 'expired', status_reason = 'escrow timed out before capture', "
          "updated_at_ms = ? WHERE id = ? AND status = 'held'",
          {now, id}));
      return true;
    });
  }
  payments_.store().run_write([&](store::Transaction& tx) {
    expired += static_cast<int>(tx.execute(
        "UPDATE payment_intents SET status = 'requires_payment', status_reason = 'card_timeout', method = NULL, "
        "payer_party_id = NULL, card_order_id = NULL, redirect_url = NULL, updated_at_ms = ? "
        "WHERE status = 'pending_confirmation' AND updated_at_ms <= ?",
        {now, now - kCardConfirmationTimeoutMs}));
    return true;
  });
  return expired;
}

}  // namespace barid::payments
