// Accounts: creating them in batches, closing them, and every lookup of accounts and transfers.
#include "internal.hpp"

#include <barid/core/time.hpp>

#include <algorithm>
#include <charconv>
#include <unordered_map>

namespace barid::ledger {
namespace {
using namespace detail;
using A = CreateAccountResult;

A compare_with_existing(const Account& a, const Account& e) {
  // The stored flags may have gained `closed` since; that is not a difference in what was asked.
  if ((a.flags & ~account_flags::linked) != (e.flags & ~(account_flags::linked | account_flags::closed))) {
    return A::exists_with_different_flags;
  }
  if (a.user_data_128 != e.user_data_128) return A::exists_with_different_user_data_128;
  if (a.user_data_64 != e.user_data_64) return A::exists_with_different_user_data_64;
  if (a.user_data_32 != e.user_data_32) return A::exists_with_different_user_data_32;
  if (a.ledger != e.ledger) return A::exists_with_different_ledger;
  if (a.code != e.code) return A::exists_with_different_code;
  if (a.owner_party_id != e.owner_party_id) return A::exists_with_different_owner;
  return A::exists;
}

A validate(const Account& a) {
  if (a.flags & ~(account_flags::all & ~account_flags::closed)) return A::reserved_flag;
  if (a.id.zero()) return A::id_must_not_be_zero;
  if (a.id.max()) return A::id_must_not_be_int_max;
  if ((a.flags & account_flags::debits_must_not_exceed_credits) &&
      (a.flags & account_flags::credits_must_not_exceed_debits)) {
    return A::flags_are_mutually_exclusive;
  }
  if (a.ledger == 0) return A::ledger_must_not_be_zero;
  if (!currency_by_ledger(a.ledger)) return A::ledger_unknown;
  if (a.code == 0) return A::code_must_not_be_zero;
  return A::ok;
}

// The rows with these ids (their first column), found ones only, in the order asked.
template <class T>
std::vector<T> rows_in_order(store::Transaction& tx, const std::string& select_sql, std::span<const Id> ids,
                             T (*decode)(const store::Row&)) {
  std::unordered_map<Id, T, IdHash> found;
  select_by_ids(tx, select_sql, "", sorted_unique({ids.begin(), ids.end()}), [&](const store::Row& row) {
    T item = decode(row);
    const Id id = item.id;
    found.emplace(id, std::move(item));
  });
  std::vector<T> items;
  for (const auto& id : ids) {
    if (auto hit = found.find(id); hit != found.end()) items.push_back(hit->second);
  }
  return items;
}

std::string cursor_of(std::int64_t timestamp_ns, const Id& id) {
  return std::to_string(timestamp_ns) + "-" + id.to_string();
}

std::optional<std::pair<std::int64_t, Id>> parse_cursor(std::string_view text) {
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::int64_t timestamp = 0;
  const auto head = text.substr(0, dash);
  const auto [end, error] = std::from_chars(head.data(), head.data() + head.size(), timestamp);
  if (error != std::errc() || end != head.data() + head.size() || timestamp < 0) return std::nullopt;
  auto id = Id::parse(text.substr(dash + 1));
  if (!id) return std::nullopt;
  return std::make_pair(timestamp, *id);
}
}  // namespace

LedgerService::LedgerService(store::Store& store, LedgerOptions options)
    : store_(store), options_(std::move(options)) {}

std::int64_t LedgerService::clock_ms() const {
  return options_.clock ? options_.clock() : now_ms();
}

std::int64_t LedgerService::reserve_timestamps_ns(std::int64_t count) {
  return detail::reserve_timestamps_ns(last_timestamp_ns_, clock_ms(), count);
}

std::vector<CreateAccountResult> LedgerService::create_accounts_in(store::Transaction& tx,
                                                                   std::span<const Account> accounts) {
  std::vector<Id> ids;
  for (const auto& a : accounts) {
    if (!a.id.zero()) ids.push_back(a.id);
  }
  ids = sorted_unique(std::move(ids));
  std::unordered_map<Id, Account, IdHash> existing;
  select_by_ids(tx, std::string("SELECT ") + kAccountColumns + " FROM ledger_accounts WHERE id IN", "", ids,
                [&](const store::Row& row) {
                  Account stored = account_at(row);
                  existing.emplace(stored.id, std::move(stored));
                });

  std::vector<A> results(accounts.size(), A::ok);
  std::vector<Account> created;
  std::unordered_map<Id, std::size_t, IdHash> created_index;
  const std::int64_t first_ts = reserve_timestamps_ns(static_cast<std::int64_t>(accounts.size()));
  auto apply = [&](std::size_t i) {
    const Account& a = accounts[i];
    if (a.flags & ~(account_flags::all & ~account_flags::closed)) return A::reserved_flag;
    if (a.id.zero()) return A::id_must_not_be_zero;
    if (a.id.max()) return A::id_must_not_be_int_max;
    if (auto found = existing.find(a.id); found != existing.end()) return compare_with_existing(a, found->second);
    if (auto found = created_index.find(a.id); found != created_index.end()) {
      return compare_with_existing(a, created[found->second]);
    }
    if (A invalid = validate(a); invalid != A::ok) return invalid;
    Account stored = a;
    stored.flags &= ~account_flags::linked;
    stored.debits_pending = stored.debits_posted = stored.credits_pending = stored.credits_posted = 0;
    stored.timestamp_ns = first_ts + static_cast<std::int64_t>(i);
    created_index.emplace(a.id, created.size());
    created.push_back(std::move(stored));
    return A::ok;
  };

  apply_in_chains(
      accounts.size(), [&](std::size_t i) { return (accounts[i].flags & account_flags::linked) != 0; }, apply,
      [&] { return created.size(); },
      [&](std::size_t size) {
        while (created.size() > size) {
          created_index.erase(created.back().id);
          created.pop_back();
        }
      },
      results);

  if (!created.empty()) {
    std::vector<store::Value> values;
    values.reserve(created.size() * kAccountColumnCount);
    for (const auto& a : created) append_account_values(values, a);
    insert_rows(tx, std::string("INSERT INTO ledger_accounts (") + kAccountColumns + ")", kAccountColumnCount, values);
  }
  return results;
}

Result<std::vector<CreateAccountResult>> LedgerService::create_accounts(std::span<const Account> accounts) {
  if (accounts.size() > kMaxBatch) return invalid_input("batch_too_large", "a batch holds at most 8190 accounts");
  return retrying_unique_violations([&] {
    std::vector<CreateAccountResult> results;
    store_.run_write([&](store::Transaction& tx) {
      results = create_accounts_in(tx, accounts);
      return true;
    });
    return results;
  });
}

Result<Account> LedgerService::close_account_in(store::Transaction& tx, const Id& id) {
  auto row = tx.query_one(std::string("SELECT ") + kAccountColumns + " FROM ledger_accounts WHERE id = ? FOR UPDATE",
                          {value_of(id)});
  if (!row) return not_found("account_not_found", "no ledger account has this id");
  Account account = account_at(*row);
  if (account.flags & account_flags::closed) return account;
  if (account.debits_pending != 0 || account.credits_pending != 0) {
    return conflict("account_has_pending_transfers", "the account has pending transfers; post or void them first");
  }
  account.flags |= account_flags::closed;
  tx.execute("UPDATE ledger_accounts SET flags = ? WHERE id = ?", {std::int64_t{account.flags}, value_of(id)});
  return account;
}

Result<Account> LedgerService::close_account(const Id& id) {
  return store_.write<Account>([&](store::Transaction& tx) { return close_account_in(tx, id); });
}

std::vector<Account> LedgerService::lookup_accounts_in(store::Transaction& tx, std::span<const Id> ids) {
  return rows_in_order<Account>(tx, std::string("SELECT ") + kAccountColumns + " FROM ledger_accounts WHERE id IN", ids,
                                account_at);
}

std::vector<Account> LedgerService::lookup_accounts(std::span<const Id> ids) {
  return store_.read<std::vector<Account>>([&](store::Transaction& tx) { return lookup_accounts_in(tx, ids); });
}

std::vector<Transfer> LedgerService::lookup_transfers(std::span<const Id> ids) {
  return store_.read<std::vector<Transfer>>([&](store::Transaction& tx) {
    return rows_in_order<Transfer>(tx, std::string("SELECT ") + kTransferColumns + " FROM ledger_transfers WHERE id IN",
                                   ids, transfer_at);
  });
}

std::optional<PendingStatus> LedgerService::pending_status(const Id& pending_id) {
  return store_.read_single<std::optional<PendingStatus>>([&](store::Transaction& tx) -> std::optional<PendingStatus> {
    auto row = tx.query_one("SELECT status FROM ledger_pending WHERE id = ?", {value_of(pending_id)});
    if (!row) return std::nullopt;
    return pending_status_of(row->text(0));
  });
}

Result<TransferPage> LedgerService::account_transfers_in(store::Transaction& tx, const TransferQuery& query) {
  if (query.limit < 1 || query.limit > 1000) {
    return invalid_input("invalid_limit", "limit must be between 1 and 1000");
  }
  if (query.from_ns < 0 || query.to_ns < query.from_ns) {
    return invalid_input("invalid_time_range", "the time range must not end before it starts");
  }
  std::int64_t after_ts = -1;
  Id after_id;
  if (query.cursor) {
    auto parsed = parse_cursor(*query.cursor);
    if (!parsed) return invalid_input("invalid_cursor", "the cursor is not one this server gave");
    after_ts = parsed->first;
    after_id = parsed->second;
  }
  // One side per SELECT so each uses its (account, time) index; a transfer never debits and credits
  // the same account, so the two sides never repeat a row.
  const std::string side_filter =
      " = ? AND timestamp_ns >= ? AND timestamp_ns < ? AND (timestamp_ns > ? OR (timestamp_ns = ? AND id > ?))";
  std::vector<std::string> sides;
  std::vector<store::Value> params;
  for (const char* column : {"debit_account_id", "credit_account_id"}) {
    if (std::string_view(column) == "debit_account_id" ? !query.debits : !query.credits) continue;
    sides.push_back(std::string("SELECT ") + kTransferColumns + " FROM ledger_transfers WHERE " + column + side_filter);
    params.insert(params.end(),
                  {value_of(query.account_id), query.from_ns, query.to_ns, after_ts, after_ts, value_of(after_id)});
  }
  TransferPage page;
  if (sides.empty()) return page;
  std::string sql = sides.size() == 1 ? sides[0] : "SELECT * FROM (" + sides[0] + " UNION ALL " + sides[1] + ") t";
  sql += " ORDER BY timestamp_ns, id LIMIT ?";
  params.emplace_back(std::int64_t{query.limit + 1});
  for (const auto& row : tx.query(sql, params)) page.transfers.push_back(transfer_at(row));
  if (page.transfers.size() > static_cast<std::size_t>(query.limit)) {
    page.transfers.pop_back();
    const Transfer& last = page.transfers.back();
    page.next_cursor = cursor_of(last.timestamp_ns, last.id);
  }
  return page;
}

Result<TransferPage> LedgerService::account_transfers(const TransferQuery& query) {
  return store_.read<Result<TransferPage>>([&](store::Transaction& tx) { return account_transfers_in(tx, query); });
}

std::vector<Balance> LedgerService::account_balances(const Id& account_id, std::int64_t from_ns, std::int64_t to_ns,
                                                     int limit) {
  return store_.read_single<std::vector<Balance>>([&](store::Transaction& tx) {
    std::vector<Balance> balances;
    for (const auto& row : tx.query("SELECT timestamp_ns, debits_pending, debits_posted, credits_pending, "
                                    "credits_posted FROM ledger_account_history WHERE account_id = ? AND "
                                    "timestamp_ns >= ? AND timestamp_ns < ? ORDER BY timestamp_ns LIMIT ?",
                                    {value_of(account_id), from_ns, to_ns, std::int64_t{std::clamp(limit, 1, 1000)}})) {
      balances.push_back({row.int64(0), row.int64(1), row.int64(2), row.int64(3), row.int64(4)});
    }
    return balances;
  });
}

std::int64_t LedgerService::forget_requests(std::int64_t before_ms) {
  std::int64_t forgotten = 0;
  store_.run_write([&](store::Transaction& tx) {
    forgotten = tx.execute("DELETE FROM ledger_requests WHERE created_at_ms < ?", {before_ms});
    return true;
  });
  return forgotten;
}

std::optional<Balance> LedgerService::balance_before_in(store::Transaction& tx, const Id& account_id,
                                                        std::int64_t at_ns) {
  const auto flags = tx.query_one("SELECT flags FROM ledger_accounts WHERE id = ?", {value_of(account_id)});
  if (!flags || !(static_cast<std::uint32_t>(flags->int64(0)) & account_flags::history)) return std::nullopt;
  const auto row = tx.query_one(
      "SELECT timestamp_ns, debits_pending, debits_posted, credits_pending, credits_posted FROM "
      "ledger_account_history WHERE account_id = ? AND timestamp_ns < ? ORDER BY timestamp_ns DESC LIMIT 1",
      {value_of(account_id), at_ns});
  if (!row) return Balance{};
  return Balance{row->int64(0), row->int64(1), row->int64(2), row->int64(3), row->int64(4)};
}

std::vector<Account> LedgerService::accounts_of_owner(const std::string& party_id) {
  return store_.read_single<std::vector<Account>>([&](store::Transaction& tx) {
    std::vector<Account> accounts;
    for (const auto& row : tx.query(std::string("SELECT ") + kAccountColumns +
                                        " FROM ledger_accounts WHERE owner_party_id = ? ORDER BY timestamp_ns",
                                    {party_id})) {
      accounts.push_back(account_at(row));
    }
    return accounts;
  });
}

}  // namespace barid::ledger
