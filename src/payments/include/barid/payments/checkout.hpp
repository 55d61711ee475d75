// Merchant checkout for e-commerce: a business creates a payment intent for an order; the buyer pays
// from a postal account (or by card through an acquirer) into escrow, a pending ledger transfer to
// the merchant that the buyer cannot spend and the merchant cannot yet use. The escrow is captured
// on the merchant's request or when the linked parcel is delivered, voided on cancellation, return
// or timeout; refunds after capture are new transfers back.
//
// Card networks (CIB/Edahabia through SATIM, Fawry, Visa) cannot be reached from here. A card
// acquirer is an interface: it starts a card session and signs its server-to-server callbacks
// (HMAC-SHA256); an intent waits in "pending_confirmation" until the signed callback arrives, which
// may be before or after the buyer's browser comes back. The sandbox acquirer, named as such,
// stands in for a real one in tests and the demo.
#pragma once

#include <barid/payments/payments.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace barid::payments {

struct IntentInput {
  std::int64_t amount = 0;
  std::string currency;
  std::string order_reference;  // the merchant's, unique per merchant: 1 to 64 characters
  std::optional<std::string> description;
  std::optional<std::string> merchant_account;  // default: the merchant's oldest account in the currency
  std::optional<std::int64_t> escrow_days;      // how long a paid intent may wait for capture (1 to 90)
};

// requires_payment → (pending_confirmation →) held → captured (→ refunded in part or whole);
// requires_payment or held → cancelled; held → returned (the parcel came back) or expired.
struct Intent {
  std::string id;
  std::string merchant_party_id;
  std::string merchant_name;
  std::string merchant_account;
  std::string order_reference;
  std::optional<std::string> description;
  std::string currency;
  std::int64_t amount = 0;
  std::string status;
  std::optional<std::string> method;  // postal_account or card:<acquirer>
  std::optional<std::string> payer_party_id;
  std::optional<std::string> payer_account;
  std::optional<std::string> escrow_payment_id;
  std::optional<std::int64_t> hold_expires_at_ms;
  std::optional<std::string> card_order_id;
  std::optional<std::string> redirect_url;  // where to send the buyer for a card payment
  std::int64_t refunded = 0;
  std::optional<std::string> status_reason;
  std::int64_t escrow_days = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  bool replayed = false;
};

// What an acquirer answers when a card payment starts.
struct CardSession {
  std::string order_id;      // the acquirer's
  std::string redirect_url;  // the acquirer's payment page for the buyer
};

class CardAcquirer {
 public:
  virtual ~CardAcquirer() = default;
  virtual std::string name() const = 0;
  virtual Result<CardSession> start(const Intent& intent) = 0;
  // Whether `signature` (hex HMAC-SHA256) is the acquirer's over exactly `body`.
  virtual bool verify(std::string_view body, std::string_view signature) const = 0;
};

// The sandbox acquirer: order ids "sbx_…", a secret of its own to sign callbacks with, and
// `callback_for` to produce the signed callback a real acquirer would send (its "card holder"
// approving or declining). Not a payment network; never enable it for real money.
class SandboxAcquirer final : public CardAcquirer {
 public:
  SandboxAcquirer(std::string secret, std::string public_url);
  std::string name() const override { return "sandbox"; }
  Result<CardSession> start(const Intent& intent) override;
  bool verify(std::string_view body, std::string_view signature) const override;
  // The callback body and its signature for an order the sandbox started.
  std::pair<std::string, std::string> callback_for(const std::string& order_id, const std::string& intent_id,
                                                   std::int64_t amount, const std::string& currency,
                                                   bool approved) const;
  std::string sign(std::string_view body) const;

 private:
  std::string secret_;
  std::string public_url_;
};

class CheckoutService {
 public:
  // `acquirer` may be null: card payments are then refused (card_payments_unavailable).
  CheckoutService(PaymentsService& payments, std::unique_ptr<CardAcquirer> acquirer);

  // Businesses create intents for their orders.
  Result<Intent> create(const identity::Principal& merchant, const IntentInput& input,
                        const std::string& idempotency_key);
  // The merchant, the buyer who paid it (or a delegate), and staff see an intent. Anyone logged in
  // may see an unpaid one by id, to pay it (the id is the secret a shop hands its buyer).
  Result<Intent> intent(const identity::Principal& caller, const std::string& intent_id);

  // The buyer pays from a postal account into escrow (its owner, or a delegate with payments:pay);
  // the amount counts against the account's daily limit.
  Result<Intent> pay(const identity::Principal& buyer, const std::string& intent_id, const std::string& from_account,
                     const std::string& idempotency_key);
  // The buyer starts a card payment: the intent waits in pending_confirmation for the acquirer.
  Result<Intent> pay_by_card(const identity::Principal& buyer, const std::string& intent_id,
                             const std::string& idempotency_key);
  // The acquirer's signed callback (public route): approved puts the money in escrow from the
  // operator's card settlement account; declined returns the intent to requires_payment. A repeated
  // callback changes nothing.
  Result<Intent> card_callback(std::string_view body, std::string_view signature);

  // The merchant captures a held intent (or the parcels service on delivery: `capture_on_delivery`).
  Result<Intent> capture(const identity::Principal& merchant, const std::string& intent_id);
  Result<Intent> capture_on_delivery(const std::string& intent_id, const std::string& parcel_id);
  // The merchant (or the buyer, before capture) cancels; the parcels service voids on a return.
  Result<Intent> cancel(const identity::Principal& caller, const std::string& intent_id);
  Result<Intent> void_on_return(const std::string& intent_id, const std::string& parcel_id);
  // After capture, the merchant refunds part or all of it to the buyer's account (or the card).
  Result<Payment> refund(const identity::Principal& merchant, const std::string& intent_id, std::int64_t amount,
                         const std::string& idempotency_key);

  // The intent waiting for a card order (for the sandbox acquirer's page): order_not_found otherwise.
  Result<Intent> card_order(const std::string& order_id);

  // Marks held intents whose escrow timed out (the ledger voids the transfer itself) as expired, and
  // frees intents whose card confirmation did not come within an hour (a later approval is then
  // refused as an unknown order, so the acquirer reverses it).
  int expire_holds(std::size_t limit = 500);

  static constexpr std::int64_t kCardConfirmationTimeoutMs = 60 * 60 * 1000;

  CardAcquirer* acquirer() { return acquirer_.get(); }

 private:
  // Captures or voids under the intent's lock; `caller` (null for the parcels service) must be its
  // merchant, or for a cancellation the buyer who paid it (or a delegate with payments:pay).
  Result<Intent> release(const std::string& intent_id, bool capture, const identity::Principal* caller,
                         const std::string& reason);

  PaymentsService& payments_;
  std::unique_ptr<CardAcquirer> acquirer_;
};

}  // namespace barid::payments
