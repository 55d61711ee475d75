// What the payment services share: the once-per-idempotency-key runner, the stored form of
// accounts and payments, the operator's own ledger accounts, and the one function that turns a
// movement into ledger transfers plus its payment row.
#pragma once

#include <barid/payments/payments.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace barid::payments::detail {

Status validate_idempotency_key(const std::string& key);

// Runs `work` in one write transaction once per (scope, key): the key is claimed first in that
// transaction, so a concurrent duplicate waits for it and then replays (PostgreSQL) or is
// serialised behind it (SQLite). A repeat with the same fingerprint returns `replay(tx, id)` of the
// first result's id; another fingerprint is `idempotency_key_reused`. A failed `work` leaves
// nothing, not even the claim, so the request may be repeated once its cause is fixed.
template <class T>
struct Once {
  std::string scope;  // the caller's user id
  std::string key;
  std::string operation;  // e.g. "transfer": a key is bound to one operation
  std::string fingerprint;
  std::function<Result<T>(store::Transaction&)> work;
  std::function<std::string(const T&)> id_of;
  std::function<Result<T>(store::Transaction&, const std::string& id)> replay;
};

// Claims the key; returns the first result's id when the key was used before with this request.
Result<std::optional<std::string>> claim(store::Transaction& tx, const std::string& scope, const std::string& key,
                                         const std::string& operation, const std::string& fingerprint,
                                         std::int64_t now_ms);
void record_result(store::Transaction& tx, const std::string& scope, const std::string& key, const std::string& id);

// A unique violation means another instance inserted the same row (a reference, a drawer, an
// operator account) between our check and our insert: the attempt is run again, and its check then
// sees that row and answers as it should (409, or `exists`).
template <class T>
Result<T> run_once(store::Store& store, std::int64_t now_ms, const Once<T>& once) {
  BARID_TRY(validate_idempotency_key(once.key));
  for (int attempt = 0;; ++attempt) {
    try {
      return store.write<T>([&](store::Transaction& tx) -> Result<T> {
        BARID_ASSIGN_OR_RETURN(auto earlier, claim(tx, once.scope, once.key, once.operation, once.fingerprint, now_ms));
        if (earlier) return once.replay(tx, *earlier);
        BARID_ASSIGN_OR_RETURN(T result, once.work(tx));
        record_result(tx, once.scope, once.key, once.id_of(result));
        return result;
      });
    } catch (const store::StoreError& error) {
      if (error.kind() != store::StoreError::Kind::unique_violation || attempt >= 3) throw;
    }
  }
}

// A Once for a request whose result is a payment (replayed by reading it back); the caller sets `work`.
Once<Payment> payment_once(const identity::Principal& caller, const std::string& key, const std::string& operation,
                           std::string fingerprint);

// A fingerprint of a request's fields (joined with a separator no field may hold).
std::string fingerprint(std::initializer_list<std::string> fields);

// A postal account's row, with its ledger amounts.
struct AccountRow {
  PostalAccount account;
  std::int64_t limit_day = 0;
};
// `lock`: lock the row until the transaction ends (the payer's, for its daily limit).
std::optional<AccountRow> load_account(store::Transaction& tx, ledger::LedgerService& ledger, const std::string& number,
                                       bool lock);
// The party's oldest open account in `currency`.
std::optional<AccountRow> primary_account(store::Transaction& tx, ledger::LedgerService& ledger,
                                          const std::string& party_id, const std::string& currency);
std::vector<PostalAccount> accounts_of_party(store::Transaction& tx, ledger::LedgerService& ledger,
                                             const std::string& party_id);
std::int64_t utc_day(std::int64_t ms);

// The account a party receives money into: the one it named (its own, open, in the currency) or its
// oldest open one in the currency (no_collection_account when it has none).
Result<AccountRow> receiving_account(store::Transaction& tx, ledger::LedgerService& ledger, const std::string& party_id,
                                     const std::string& currency, const std::optional<std::string>& named);

// Reading an account: its holder, a delegate with payments:read, a postal clerk or an admin (the
// last three logged for the holder). Anyone else learns only that no such account exists.
Result<AccountRow> read_account_for(store::Transaction& tx, identity::IdentityService& identity,
                                    ledger::LedgerService& ledger, const identity::Principal& caller,
                                    const std::string& number_text, std::string_view action);

// Checks the caller may debit the account (owner, or a delegate with payments:pay) and logs a
// delegate's access; any other caller learns only that there is no such account.
Result<identity::PartyAccess> authorize_debit(store::Transaction& tx, identity::IdentityService& identity,
                                              const identity::Principal& caller, const PostalAccount& account,
                                              std::string_view action);
// Adds `total` to what the (locked) account spent today, or refuses with daily_limit_exceeded.
Status charge_daily_limit(store::Transaction& tx, const AccountRow& row, std::int64_t total, std::int64_t now_ms);

// The operator's account of `code` in `currency` (a fixed id), created on first use.
ledger::Id operator_account(store::Transaction& tx, ledger::LedgerService& ledger, std::uint32_t code,
                            const std::string& currency);

// One leg of a movement.
struct Leg {
  ledger::Id debit;
  ledger::Id credit;
  std::int64_t amount = 0;
  std::uint32_t code = 0;
  std::uint32_t flags = 0;    // pending, for escrow
  std::uint32_t timeout = 0;  // seconds, pending legs only
};

// A movement to record: the main leg, an optional fee leg linked to it, and what the payment row says.
struct Movement {
  Payment payment;  // kind, channel, currency, amount, fee, sides, reference, actor, office
  Leg main;
  std::optional<Leg> fee;
  // Named in errors: which side refused (e.g. "drawer" when a drawer lacks cash for a cash-out).
  std::string credit_side = "payee";
};

// Applies the transfers (main, then fee, linked) and inserts the payment row; the payment's id is
// the main transfer's. Ledger refusals become precise errors: insufficient_funds,
// drawer_insufficient_cash, account_closed, amount_too_large.
Result<Payment> record_movement(store::Transaction& tx, ledger::LedgerService& ledger, Movement movement,
                                std::int64_t now_ms);
std::optional<Payment> load_payment(store::Transaction& tx, const std::string& id);
// Many at once (a statement's), keyed by id; ids without a payment are absent.
std::map<std::string, Payment> load_payments(store::Transaction& tx, const std::vector<std::string>& ids);

std::string new_authorization_code();
Status validate_amount(std::int64_t amount);
Result<std::optional<std::string>> validate_reference(const std::optional<std::string>& reference);

}  // namespace barid::payments::detail
