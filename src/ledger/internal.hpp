// What the ledger's source files share: the stored form of accounts and transfers, and statements
// over many ids or rows at once in a bounded number of shapes (so both databases reuse them).
#pragma once

#include <barid/ledger/ledger.hpp>

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace barid::ledger::detail {

store::Value value_of(const Id& id);
store::Value nullable_value_of(const Id& id);  // NULL for zero
Id id_at(const store::Row& row, std::size_t column);

inline constexpr const char* kAccountColumns =
    "id, ledger, code, flags, owner_party_id, user_data_128, user_data_64, user_data_32, debits_pending, "
    "debits_posted, credits_pending, credits_posted, timestamp_ns";
inline constexpr std::size_t kAccountColumnCount = 13;
Account account_at(const store::Row& row);
void append_account_values(std::vector<store::Value>& values, const Account& account);

inline constexpr const char* kTransferColumns =
    "id, debit_account_id, credit_account_id, amount, pending_id, timeout, ledger, code, flags, user_data_128, "
    "user_data_64, user_data_32, timestamp_ns, actor_user_id";
inline constexpr std::size_t kTransferColumnCount = 14;
Transfer transfer_at(const store::Row& row);
void append_transfer_values(std::vector<store::Value>& values, const Transfer& transfer);

PendingStatus pending_status_of(const std::string& text);

// Runs `select_sql` + " (?, ?, …)" + `suffix` for the ids in chunks and hands every row to `each`.
// The ids are visited in the order given, so sorted ids are locked in ascending order.
void select_by_ids(store::Transaction& tx, const std::string& select_sql, const std::string& suffix,
                   std::span<const Id> ids, const std::function<void(const store::Row&)>& each);

// `head` + `row`, `row`, … + `tail`, where `row` holds `columns` placeholders, for every row of
// `values` in as few statements as the databases' parameter limits allow.
void execute_rows(store::Transaction& tx, const std::string& head, const std::string& row, std::size_t columns,
                  std::span<const store::Value> values, const std::string& tail = "");

// INSERT INTO `into` VALUES (…), (…) with `columns` values per row, row after row in `values`.
void insert_rows(store::Transaction& tx, const std::string& into, std::size_t columns,
                 std::span<const store::Value> values, const std::string& suffix = "");

// Reserves `count` consecutive nanosecond timestamps from now, after `last` (which it advances);
// returns the first.
std::int64_t reserve_timestamps_ns(std::atomic<std::int64_t>& last, std::int64_t clock_ms, std::int64_t count);

}  // namespace barid::ledger::detail
