// Payments on the postal ledger: postal accounts with IBAN-style numbers and daily limits, transfers
// between people with a fee split off by a linked transfer, counter cash against an office's cash
// drawer with end-of-day closing, and account statements. Every movement is a ledger transfer made
// in the same store transaction as the service's own rows, once per idempotency key, attributed to
// the user who made it and in which capacity (owner, delegate with payments:pay, postal clerk).
#pragma once

#include <barid/core/result.hpp>
#include <barid/identity/identity.hpp>
#include <barid/ledger/ledger.hpp>
#include <barid/store/store.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace barid::payments {

// Ledger account codes the payment services open.
namespace account_codes {
inline constexpr std::uint32_t postal = 1;            // a customer's postal account
inline constexpr std::uint32_t cash_drawer = 2;       // cash physically in an office's drawer
inline constexpr std::uint32_t operator_revenue = 3;  // fees earned by the operator
inline constexpr std::uint32_t operator_vault = 4;    // cash held by the operator outside drawers
inline constexpr std::uint32_t cash_differences = 5;  // drawers' counted minus expected cash
inline constexpr std::uint32_t card_settlement = 6;   // money owed by card acquirers
}  // namespace account_codes

// Ledger transfer codes: what a movement is.
namespace transfer_codes {
inline constexpr std::uint32_t transfer = 1;
inline constexpr std::uint32_t fee = 2;
inline constexpr std::uint32_t cash_in = 3;
inline constexpr std::uint32_t cash_out = 4;
inline constexpr std::uint32_t bill_payment = 5;
inline constexpr std::uint32_t checkout = 6;
inline constexpr std::uint32_t refund = 7;
inline constexpr std::uint32_t drawer_float = 8;
inline constexpr std::uint32_t drawer_difference = 9;
inline constexpr std::uint32_t card_payment = 10;
}  // namespace transfer_codes

// Postal account numbers, after IBAN (ISO 13616): country code, two check digits computed with
// ISO 7064 MOD 97-10, then "BRD" and 16 digits: EG38BRD0000123456789012. Spaces are ignored on
// input; `format_account_number` groups by four for people.
std::string make_account_number(std::string_view country, std::string_view serial16);
bool valid_account_number(std::string_view number);
// Upper case without spaces when `text` is a valid number, else nullopt.
std::optional<std::string> normalize_account_number(std::string_view text);
std::string format_account_number(std::string_view number);
// ISO 7064 MOD 97-10 of an alphanumeric string (letters count as 10…35).
int mod97(std::string_view alphanumeric);

// Amounts for people: 12345 minor units of EGP → "123.45".
std::string format_amount(std::int64_t minor, std::string_view currency);

// A fee: basis points of the amount (rounded up to the minor unit) plus a fixed part per currency.
struct FeeRule {
  std::int64_t basis_points = 0;
  std::map<std::string, std::int64_t> fixed;  // currency → minor units
  std::int64_t fee_for(std::int64_t amount, const std::string& currency) const;
};

struct PaymentsOptions {
  std::string country = "EG";  // the operator's country, first two letters of its account numbers
  // The daily outgoing limit of a new account, in major units of its currency (owners may lower it
  // and operator admins may set any limit). Days are UTC days.
  std::int64_t default_daily_limit_major = 20'000;
  FeeRule transfer_fee{.basis_points = 25, .fixed = {}};
  std::size_t max_accounts_per_party = 20;
  // Wall clock in UTC milliseconds; tests replace it.
  std::function<std::int64_t()> clock;
};

struct PostalAccount {
  std::string number;
  std::string party_id;
  std::string holder_name;  // the party's Latin name
  std::string currency;
  std::optional<std::string> name;  // the holder's own label, e.g. "savings"
  std::string status;               // open or closed
  std::int64_t balance = 0;         // posted credits minus posted debits
  std::int64_t held = 0;            // reserved by pending payments (escrow)
  std::int64_t incoming = 0;        // pending credits not yet released to it
  std::int64_t available = 0;       // balance minus held
  std::int64_t daily_limit = 0;
  std::int64_t spent_today = 0;
  std::int64_t created_at_ms = 0;
  ledger::Id ledger_account_id;
};

// One money movement as the payment services record it.
struct Payment {
  std::string id;       // the decimal id of its main ledger transfer
  std::string kind;     // transfer, cash_in, cash_out, drawer_float, drawer_difference, bill, checkout, refund
  std::string channel;  // online, counter, mailbox, checkout
  std::string currency;
  std::int64_t amount = 0;
  std::int64_t fee = 0;
  std::optional<std::string> from_account;  // postal account numbers, when the side is one
  std::optional<std::string> to_account;
  std::optional<std::string> from_party_id;
  std::optional<std::string> to_party_id;
  std::optional<std::string> reference;  // the payer's message or the bill reference
  std::string authorization;             // short code printed on receipts
  std::string actor_user_id;
  std::string actor_capacity;  // owner, delegate, postal_clerk, operator_admin, system
  std::optional<std::string> office_code;
  std::int64_t created_at_ms = 0;
  bool replayed = false;  // the idempotency key was seen before: this is the first outcome again
};

struct OpenAccountRequest {
  std::string currency;
  std::optional<std::string> party_id;  // a clerk opening for a customer; default: the caller's party
  std::optional<std::string> name;
  std::optional<std::int64_t> daily_limit;  // minor units
};

// The payee by account number, or by the party's identifier (national id, registry number…): the
// payee's oldest open account in the currency.
struct Payee {
  std::optional<std::string> account_number;
  std::optional<identity::PartyKind> kind;
  std::optional<std::string> identifier;
};

struct TransferRequest {
  std::string from_account;
  Payee to;
  std::int64_t amount = 0;
  std::optional<std::string> currency;   // checked against the accounts' when given
  std::optional<std::string> reference;  // up to 140 characters, shown to both sides
};

struct CounterRequest {
  std::string office_code;
  std::string account_number;
  std::int64_t amount = 0;
  std::optional<std::string> currency;
  std::optional<std::string> reference;
};

struct Drawer {
  std::string id;
  std::string office_code;
  std::string currency;
  std::int64_t cash = 0;  // what the ledger says is in the drawer now
  std::int64_t opened_at_ms = 0;
  ledger::Id ledger_account_id;
};

// A drawer's period since its last closing: what a closing will record.
struct DrawerPeriod {
  std::int64_t from_ms = 0;
  std::int64_t opening = 0;
  std::int64_t cash_in = 0;
  std::int64_t cash_in_count = 0;
  std::int64_t cash_out = 0;
  std::int64_t cash_out_count = 0;
  std::int64_t floats = 0;  // cash brought from the vault
  std::int64_t expected = 0;
};

struct DrawerClosing {
  std::string id;
  std::string drawer_id;
  DrawerPeriod period;
  std::int64_t closed_at_ms = 0;
  std::int64_t counted = 0;
  std::int64_t difference = 0;  // counted minus expected; booked to the cash-differences account
  std::string closed_by_user_id;
  bool replayed = false;
};

struct StatementEntry {
  std::string payment_id;
  std::string transfer_id;
  std::int64_t booked_at_ms = 0;
  bool credit = false;  // money in
  std::int64_t amount = 0;
  std::string kind;
  std::optional<std::string> reference;
  std::optional<std::string> counterparty;  // an account number, an office, or "Barid" for fees
  std::optional<std::string> counterparty_name;
  std::int64_t balance_after = 0;
};

struct Statement {
  PostalAccount account;
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
  std::int64_t opening_balance = 0;
  std::int64_t closing_balance = 0;
  std::int64_t total_credits = 0;
  std::int64_t total_debits = 0;
  std::vector<StatementEntry> entries;
};

inline constexpr std::size_t kMaxStatementEntries = 10'000;

class PaymentsService {
 public:
  PaymentsService(store::Store& store, identity::IdentityService& identity, ledger::LedgerService& ledger,
                  PaymentsOptions options);

  // Payments own migration versions 500-599.
  static std::vector<store::Migration> migrations();

  // Postal accounts. The owner opens its own; a postal clerk or admin opens one for a party.
  Result<PostalAccount> open_account(const identity::Principal& caller, const OpenAccountRequest& request,
                                     const std::string& idempotency_key);
  // The accounts of the caller's party, or of `party_id` for a delegate (payments:read), clerk or admin.
  Result<std::vector<PostalAccount>> accounts(const identity::Principal& caller,
                                              const std::optional<std::string>& party_id);
  Result<PostalAccount> account(const identity::Principal& caller, const std::string& number);
  // The owner (or a delegate with payments:pay) lowers or raises up to the default; admins set any.
  Result<PostalAccount> set_daily_limit(const identity::Principal& caller, const std::string& number,
                                        std::int64_t daily_limit);
  Result<Statement> statement(const identity::Principal& caller, const std::string& number, std::int64_t from_ms,
                              std::int64_t to_ms);

  // Person to person: debits the payer's account (owner or delegate with payments:pay), credits the
  // payee's, and the fee goes to the operator's revenue account in the same linked chain; the daily
  // limit counts amount and fee.
  Result<Payment> transfer(const identity::Principal& caller, const TransferRequest& request,
                           const std::string& idempotency_key);
  Result<Payment> payment(const identity::Principal& caller, const std::string& payment_id);

  // Counter cash, for postal clerks. Cash-in credits the customer's account and debits the office's
  // drawer; cash-out the reverse, within the drawer's cash and the account's daily limit.
  Result<Drawer> open_drawer(const identity::Principal& admin, const std::string& office_code,
                             const std::string& currency, const std::string& idempotency_key);
  Result<std::vector<Drawer>> drawers(const identity::Principal& caller, const std::optional<std::string>& office);
  Result<std::pair<Drawer, DrawerPeriod>> drawer(const identity::Principal& caller, const std::string& drawer_id);
  // Cash brought to a drawer from the operator's vault.
  Result<Payment> float_drawer(const identity::Principal& caller, const std::string& drawer_id, std::int64_t amount,
                               const std::string& idempotency_key);
  Result<Payment> cash_in(const identity::Principal& clerk, const CounterRequest& request,
                          const std::string& idempotency_key) {
    return counter_cash(clerk, request, idempotency_key, true);
  }
  Result<Payment> cash_out(const identity::Principal& clerk, const CounterRequest& request,
                           const std::string& idempotency_key) {
    return counter_cash(clerk, request, idempotency_key, false);
  }
  // End of day: opening, movements, expected and counted cash; a difference is booked against the
  // operator's cash-differences account so the drawer's balance matches the cash counted.
  Result<DrawerClosing> close_drawer(const identity::Principal& clerk, const std::string& drawer_id,
                                     std::int64_t counted, const std::string& idempotency_key);
  Result<std::vector<DrawerClosing>> closings(const identity::Principal& caller, const std::string& drawer_id);

  // Forgets idempotency keys used before `before_ms`: a repeat after that is a new request.
  std::int64_t forget_requests(std::int64_t before_ms);

  // Adds the payments' part of a party's data export.
  void register_export(identity::IdentityService& identity);

  std::int64_t clock_ms() const;
  const PaymentsOptions& options() const { return options_; }

  store::Store& store() { return store_; }
  identity::IdentityService& identity() { return identity_; }
  ledger::LedgerService& ledger() { return ledger_; }

 private:
  Result<Payment> counter_cash(const identity::Principal& clerk, const CounterRequest& request,
                               const std::string& idempotency_key, bool cash_in);

  store::Store& store_;
  identity::IdentityService& identity_;
  ledger::LedgerService& ledger_;
  PaymentsOptions options_;
};

}  // namespace barid::payments
