// The postal ledger: double-entry accounts and immutable transfers after TigerBeetle's model
// (REFERENCE §4). One ledger per currency (its ISO 4217 number); amounts are integer minor units.
//
// A batch of up to 8,190 transfers is applied in one store transaction: the accounts it touches are
// locked in id order (PostgreSQL) or held by the single writer (SQLite), balances are read from the
// database under that lock, every transfer is checked and applied in memory in order, and the
// results are written back in a few bulk statements. No balance is ever cached between batches, so
// several baridd instances on one PostgreSQL cannot lose an update or spend twice.
#pragma once

#include <barid/core/result.hpp>
#include <barid/ledger/id.hpp>
#include <barid/store/store.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace barid::ledger {

inline constexpr std::size_t kMaxBatch = 8190;

namespace account_flags {
inline constexpr std::uint32_t linked = 1u << 0;
inline constexpr std::uint32_t debits_must_not_exceed_credits = 1u << 1;
inline constexpr std::uint32_t credits_must_not_exceed_debits = 1u << 2;
inline constexpr std::uint32_t history = 1u << 3;
inline constexpr std::uint32_t closed = 1u << 4;
inline constexpr std::uint32_t all = (1u << 5) - 1;
}  // namespace account_flags

namespace transfer_flags {
inline constexpr std::uint32_t linked = 1u << 0;
inline constexpr std::uint32_t pending = 1u << 1;
inline constexpr std::uint32_t post_pending_transfer = 1u << 2;
inline constexpr std::uint32_t void_pending_transfer = 1u << 3;
inline constexpr std::uint32_t all = (1u << 4) - 1;
}  // namespace transfer_flags

// Names of the flags as the API spells them ("debits_must_not_exceed_credits", "pending"…).
std::vector<std::string> account_flag_names(std::uint32_t flags);
std::vector<std::string> transfer_flag_names(std::uint32_t flags);
std::optional<std::uint32_t> account_flag(std::string_view name);
std::optional<std::uint32_t> transfer_flag(std::string_view name);

struct Account {
  Id id;
  std::uint32_t ledger = 0;  // the currency's ISO 4217 number
  std::uint32_t code = 0;    // the account's type, chosen by the service that opens it
  std::uint32_t flags = 0;
  std::optional<std::string> owner_party_id;  // none: an account of the operator itself
  Id user_data_128;
  std::uint64_t user_data_64 = 0;
  std::uint32_t user_data_32 = 0;
  // Filled in by the ledger:
  std::int64_t debits_pending = 0;
  std::int64_t debits_posted = 0;
  std::int64_t credits_pending = 0;
  std::int64_t credits_posted = 0;
  std::int64_t timestamp_ns = 0;
};

struct Transfer {
  Id id;
  Id debit_account_id;
  Id credit_account_id;
  // Minor units. For post_pending_transfer 0 means the whole pending amount; for void it must be 0
  // or the pending amount. Stored as the amount actually moved.
  std::int64_t amount = 0;
  Id pending_id;              // for post / void: the pending transfer
  std::uint32_t timeout = 0;  // seconds, pending transfers only; 0: never expires
  std::uint32_t ledger = 0;
  std::uint32_t code = 0;
  std::uint32_t flags = 0;
  Id user_data_128;
  std::uint64_t user_data_64 = 0;
  std::uint32_t user_data_32 = 0;
  // Filled in by the ledger:
  std::int64_t timestamp_ns = 0;
  std::optional<std::string> actor_user_id;  // who moved the money
};

enum class PendingStatus { none, pending, posted, voided, expired };
std::string_view to_string(PendingStatus status);

// One result per event, in the order given. `ok` is the only success; `exists` means an identical
// event was already applied (a safe retry).
enum class CreateAccountResult {
  ok,
  linked_event_failed,
  linked_event_chain_open,
  reserved_flag,
  id_must_not_be_zero,
  id_must_not_be_int_max,
  flags_are_mutually_exclusive,
  ledger_must_not_be_zero,
  ledger_unknown,
  code_must_not_be_zero,
  exists_with_different_flags,
  exists_with_different_user_data_128,
  exists_with_different_user_data_64,
  exists_with_different_user_data_32,
  exists_with_different_ledger,
  exists_with_different_code,
  exists_with_different_owner,
  exists,
};
std::string_view to_string(CreateAccountResult result);

enum class CreateTransferResult {
  ok,
  linked_event_failed,
  linked_event_chain_open,
  reserved_flag,
  id_must_not_be_zero,
  id_must_not_be_int_max,
  exists_with_different_flags,
  exists_with_different_pending_id,
  exists_with_different_timeout,
  exists_with_different_debit_account_id,
  exists_with_different_credit_account_id,
  exists_with_different_amount,
  exists_with_different_user_data_128,
  exists_with_different_user_data_64,
  exists_with_different_user_data_32,
  exists_with_different_ledger,
  exists_with_different_code,
  exists,
  flags_are_mutually_exclusive,
  debit_account_id_must_not_be_zero,
  debit_account_id_must_not_be_int_max,
  credit_account_id_must_not_be_zero,
  credit_account_id_must_not_be_int_max,
  accounts_must_be_different,
  pending_id_must_be_zero,
  pending_id_must_not_be_zero,
  pending_id_must_not_be_int_max,
  pending_id_must_be_different,
  timeout_reserved_for_pending_transfer,
  amount_must_not_be_zero,
  amount_must_not_be_negative,
  ledger_must_not_be_zero,
  code_must_not_be_zero,
  debit_account_not_found,
  credit_account_not_found,
  accounts_must_have_the_same_ledger,
  transfer_must_have_the_same_ledger_as_accounts,
  debit_account_already_closed,
  credit_account_already_closed,
  pending_transfer_not_found,
  pending_transfer_not_pending,
  pending_transfer_has_different_debit_account_id,
  pending_transfer_has_different_credit_account_id,
  pending_transfer_has_different_ledger,
  pending_transfer_has_different_code,
  exceeds_pending_transfer_amount,
  pending_transfer_has_different_amount,
  pending_transfer_already_posted,
  pending_transfer_already_voided,
  pending_transfer_expired,
  overflows_debits_pending,
  overflows_credits_pending,
  overflows_debits_posted,
  overflows_credits_posted,
  overflows_debits,
  overflows_credits,
  exceeds_credits,  // the debit account has debits_must_not_exceed_credits: not enough money
  exceeds_debits,   // the credit account has credits_must_not_exceed_debits
};
std::string_view to_string(CreateTransferResult result);
std::optional<CreateTransferResult> transfer_result(std::string_view name);

struct Currency {
  std::string_view code;  // ISO 4217 alphabetic
  std::uint32_t number;   // ISO 4217 numeric, also the ledger
  int minor_units;
  std::string_view name;
};
std::span<const Currency> currencies();
const Currency* currency_by_code(std::string_view code);
const Currency* currency_by_ledger(std::uint32_t ledger);

// A page of an account's transfers, oldest first.
struct TransferPage {
  std::vector<Transfer> transfers;
  std::optional<std::string> next_cursor;
};
struct TransferQuery {
  Id account_id;
  std::int64_t from_ns = 0;           // inclusive
  std::int64_t to_ns = INT64_MAX;     // exclusive
  bool debits = true;                 // include transfers debiting the account
  bool credits = true;                // include transfers crediting the account
  std::optional<std::string> cursor;  // from a previous page
  int limit = 100;                    // 1…1000
};

// An account's balances after each transfer that touched it (accounts with the history flag).
struct Balance {
  std::int64_t timestamp_ns = 0;
  std::int64_t debits_pending = 0;
  std::int64_t debits_posted = 0;
  std::int64_t credits_pending = 0;
  std::int64_t credits_posted = 0;
};

// What `barid ledger check` reports. Every account's amounts fit 64 bits; a ledger's totals need not.
__extension__ typedef __int128 Total;
std::string to_string(Total total);
struct LedgerTotals {
  std::uint32_t ledger = 0;
  std::int64_t accounts = 0;
  std::int64_t transfers = 0;
  Total debits_posted = 0;
  Total credits_posted = 0;
  Total debits_pending = 0;
  Total credits_pending = 0;
};
struct CheckReport {
  std::vector<LedgerTotals> ledgers;
  std::vector<std::string> violations;  // empty: every invariant holds
  bool ok() const { return violations.empty(); }
};

struct LedgerOptions {
  // Wall clock in UTC milliseconds; tests replace it to move time (pending timeouts) without sleeping.
  std::function<std::int64_t()> clock;
};

class LedgerService {
 public:
  explicit LedgerService(store::Store& store, LedgerOptions options = {});

  static std::vector<store::Migration> migrations();

  // Batches of at most kMaxBatch events; a larger batch is refused whole (`batch_too_large`).
  Result<std::vector<CreateAccountResult>> create_accounts(std::span<const Account> accounts);
  Result<std::vector<CreateTransferResult>> create_transfers(std::span<const Transfer> transfers,
                                                             const std::optional<std::string>& actor_user_id);
  // The same inside a caller's transaction, so that a service commits its own rows (a bill's state,
  // a receipt, a log entry) together with the money movement, or nothing.
  std::vector<CreateAccountResult> create_accounts_in(store::Transaction& tx, std::span<const Account> accounts);
  std::vector<CreateTransferResult> create_transfers_in(store::Transaction& tx, std::span<const Transfer> transfers,
                                                        const std::optional<std::string>& actor_user_id);

  // The same, once per idempotency key within `scope` (the caller's user): a repeated request with
  // the same fingerprint returns the first results (`replayed`), even while the first is running on
  // another instance; the same key with another fingerprint is `idempotency_key_reused`.
  struct Submitted {
    std::vector<CreateTransferResult> results;
    bool replayed = false;
  };
  Result<Submitted> create_transfers_once(const std::string& scope, const std::string& idempotency_key,
                                          const std::string& fingerprint, std::span<const Transfer> transfers,
                                          const std::optional<std::string>& actor_user_id);

  // Marks an account closed: no transfer may debit or credit it afterwards. Refused while it has
  // pending amounts (`account_has_pending_transfers`).
  Result<Account> close_account(const Id& id);
  Result<Account> close_account_in(store::Transaction& tx, const Id& id);

  // Found ones only, in the order asked.
  std::vector<Account> lookup_accounts(std::span<const Id> ids);
  std::vector<Account> lookup_accounts_in(store::Transaction& tx, std::span<const Id> ids);
  std::vector<Transfer> lookup_transfers(std::span<const Id> ids);
  std::optional<PendingStatus> pending_status(const Id& pending_id);
  Result<TransferPage> account_transfers(const TransferQuery& query);
  Result<TransferPage> account_transfers_in(store::Transaction& tx, const TransferQuery& query);
  std::vector<Balance> account_balances(const Id& account_id, std::int64_t from_ns, std::int64_t to_ns, int limit);
  // The account's amounts just before `at_ns` (after its last transfer earlier than that), read from
  // its history inside the caller's transaction; all zero when nothing touched it before. Accounts
  // without the history flag have no history to read and answer nullopt.
  std::optional<Balance> balance_before_in(store::Transaction& tx, const Id& account_id, std::int64_t at_ns);
  std::vector<Account> accounts_of_owner(const std::string& party_id);

  // Forgets the idempotency keys of batch requests made before `before_ms` (a repeat after that is a
  // new request; the transfers' own ids still answer `exists`). Returns how many.
  std::int64_t forget_requests(std::int64_t before_ms);

  // Voids pending transfers whose timeout has passed (at most `limit`); returns how many.
  int expire_pending(int limit = 1000);
  // Recomputes every balance from the transfers and checks the invariants of REFERENCE §4.
  CheckReport check();

  std::int64_t clock_ms() const;

 private:
  std::int64_t reserve_timestamps_ns(std::int64_t count);

  store::Store& store_;
  LedgerOptions options_;
  std::atomic<std::int64_t> last_timestamp_ns_{0};  // timestamps strictly increase within this service
};

}  // namespace barid::ledger
