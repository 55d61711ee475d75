// What the ledger's source files share: the stored form of accounts and transfers, and statements
// over many ids or rows at once in a bounded number of shapes (so both databases reuse them).
#pragma once

#include <barid/ledger/ledger.hpp>

#include <atomic>
#include <functional>
#include <optional>
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

// Ids sorted ascending (the order rows are locked in), each once.
std::vector<Id> sorted_unique(std::vector<Id> ids);

// Runs `attempt` again when another instance inserted one of its ids between our read and our
// insert (a unique violation); the next attempt then finds that row.
template <class Attempt>
auto retrying_unique_violations(const Attempt& attempt) {
  for (int tries = 0;; ++tries) {
    try {
      return attempt();
    } catch (const store::StoreError& error) {
      if (error.kind() != store::StoreError::Kind::unique_violation || tries >= 3) throw;
    }
  }
}

// Applies events 0…count-1 in order, TigerBeetle's way: an event whose `linked(i)` is set forms a
// chain with the next ones up to the first that is not linked, and a chain commits or fails as one.
// In a failed chain the failing event keeps its result and every other one becomes
// `linked_event_failed`; a chain still open at the end fails with `linked_event_chain_open` on its
// last event. A chain whose events all `exist` is a retry and answers `exists` for each.
// `apply(i)` changes state only when it returns ok; `savepoint()` and `rollback(point)` undo a chain.
template <class R, class Linked, class Apply, class Savepoint, class Rollback>
void apply_in_chains(std::size_t count, const Linked& linked, const Apply& apply, const Savepoint& savepoint,
                     const Rollback& rollback, std::vector<R>& results) {
  std::size_t first = 0;
  while (first < count) {
    std::size_t last = first;
    while (last < count && linked(last)) ++last;
    const bool open = last == count;
    if (open) last = count - 1;
    if (last == first && !open) {
      results[first] = apply(first);
      ++first;
      continue;
    }
    const auto start = savepoint();
    bool failed = false;
    bool all_exist = true;
    std::optional<std::size_t> failure;
    for (std::size_t k = first; k <= last; ++k) {
      R result = R::linked_event_failed;
      if (open && k == last) {
        result = R::linked_event_chain_open;
      } else if (!failure) {
        result = apply(k);
      }
      results[k] = result;
      if (result != R::exists) all_exist = false;
      if (result != R::ok) failed = true;
      if (result != R::ok && result != R::exists && result != R::linked_event_failed && !failure) failure = k;
    }
    if (failed) {
      rollback(start);
      if (!all_exist) {
        for (std::size_t k = first; k <= last; ++k) {
          if ((failure && k == *failure) || (open && k == last)) continue;
          results[k] = R::linked_event_failed;
        }
      }
    }
    first = last + 1;
  }
}

// Reserves `count` consecutive nanosecond timestamps from now, after `last` (which it advances);
// returns the first.
std::int64_t reserve_timestamps_ns(std::atomic<std::int64_t>& last, std::int64_t clock_ms, std::int64_t count);

}  // namespace barid::ledger::detail
