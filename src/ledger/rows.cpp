#include "internal.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <map>
#include <mutex>

namespace barid::ledger::detail {

store::Value value_of(const Id& id) {
  return id.to_bytes();
}
store::Value nullable_value_of(const Id& id) {
  return id.zero() ? store::Value(nullptr) : store::Value(id.to_bytes());
}

Id id_at(const store::Row& row, std::size_t column) {
  if (row.is_null(column)) return {};
  auto id = Id::from_bytes(row.blob(column));
  if (!id) throw store::StoreError(store::StoreError::Kind::other, "ledger: a stored id is not 16 bytes");
  return *id;
}

std::vector<Id> sorted_unique(std::vector<Id> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

namespace {
std::uint64_t unsigned_at(const store::Row& row, std::size_t column) {
  return std::bit_cast<std::uint64_t>(row.int64(column));
}
std::int64_t signed_of(std::uint64_t value) {
  return std::bit_cast<std::int64_t>(value);
}
}  // namespace

Account account_at(const store::Row& row) {
  Account account;
  account.id = id_at(row, 0);
  account.ledger = static_cast<std::uint32_t>(row.int64(1));
  account.code = static_cast<std::uint32_t>(row.int64(2));
  account.flags = static_cast<std::uint32_t>(row.int64(3));
  account.owner_party_id = row.optional_text(4);
  account.user_data_128 = id_at(row, 5);
  account.user_data_64 = unsigned_at(row, 6);
  account.user_data_32 = static_cast<std::uint32_t>(row.int64(7));
  account.debits_pending = row.int64(8);
  account.debits_posted = row.int64(9);
  account.credits_pending = row.int64(10);
  account.credits_posted = row.int64(11);
  account.timestamp_ns = row.int64(12);
  return account;
}

void append_account_values(std::vector<store::Value>& values, const Account& account) {
  values.emplace_back(value_of(account.id));
  values.emplace_back(std::int64_t{account.ledger});
  values.emplace_back(std::int64_t{account.code});
  values.emplace_back(std::int64_t{account.flags});
  values.emplace_back(account.owner_party_id ? store::Value(*account.owner_party_id) : store::Value(nullptr));
  values.emplace_back(nullable_value_of(account.user_data_128));
  values.emplace_back(signed_of(account.user_data_64));
  values.emplace_back(std::int64_t{account.user_data_32});
  values.emplace_back(account.debits_pending);
  values.emplace_back(account.debits_posted);
  values.emplace_back(account.credits_pending);
  values.emplace_back(account.credits_posted);
  values.emplace_back(account.timestamp_ns);
}

Transfer transfer_at(const store::Row& row) {
  Transfer transfer;
  transfer.id = id_at(row, 0);
  transfer.debit_account_id = id_at(row, 1);
  transfer.credit_account_id = id_at(row, 2);
  transfer.amount = row.int64(3);
  transfer.pending_id = id_at(row, 4);
  transfer.timeout = static_cast<std::uint32_t>(row.int64(5));
  transfer.ledger = static_cast<std::uint32_t>(row.int64(6));
  transfer.code = static_cast<std::uint32_t>(row.int64(7));
  transfer.flags = static_cast<std::uint32_t>(row.int64(8));
  transfer.user_data_128 = id_at(row, 9);
  transfer.user_data_64 = unsigned_at(row, 10);
  transfer.user_data_32 = static_cast<std::uint32_t>(row.int64(11));
  transfer.timestamp_ns = row.int64(12);
  transfer.actor_user_id = row.optional_text(13);
  return transfer;
}

void append_transfer_values(std::vector<store::Value>& values, const Transfer& transfer) {
  values.emplace_back(value_of(transfer.id));
  values.emplace_back(value_of(transfer.debit_account_id));
  values.emplace_back(value_of(transfer.credit_account_id));
  values.emplace_back(transfer.amount);
  values.emplace_back(nullable_value_of(transfer.pending_id));
  values.emplace_back(std::int64_t{transfer.timeout});
  values.emplace_back(std::int64_t{transfer.ledger});
  values.emplace_back(std::int64_t{transfer.code});
  values.emplace_back(std::int64_t{transfer.flags});
  values.emplace_back(nullable_value_of(transfer.user_data_128));
  values.emplace_back(signed_of(transfer.user_data_64));
  values.emplace_back(std::int64_t{transfer.user_data_32});
  values.emplace_back(transfer.timestamp_ns);
  values.emplace_back(transfer.actor_user_id ? store::Value(*transfer.actor_user_id) : store::Value(nullptr));
}

PendingStatus pending_status_of(const std::string& text) {
  if (text == "pending") return PendingStatus::pending;
  if (text == "posted") return PendingStatus::posted;
  if (text == "voided") return PendingStatus::voided;
  if (text == "expired") return PendingStatus::expired;
  throw store::StoreError(store::StoreError::Kind::other, "ledger: unknown pending status " + text);
}

namespace {
// Statements come in power-of-two sizes up to these, so a batch of any size uses at most a dozen
// distinct statements per table, each prepared once per connection.
constexpr std::size_t kMaxIdsPerStatement = 512;
constexpr std::size_t kMaxValuesPerStatement = 4096;

std::size_t chunk_size(std::size_t remaining, std::size_t largest) {
  std::size_t size = 1;
  while (size * 2 <= remaining && size * 2 <= largest) size *= 2;
  return size;
}

std::string row_of(std::size_t columns) {
  std::string row = "(";
  for (std::size_t c = 0; c < columns; ++c) row += c == 0 ? "?" : ", ?";
  return row + ")";
}

// The SQL texts built so far, so that a statement is assembled once per process.
const std::string& cached_sql(const std::string& head, const std::string& row, std::size_t rows,
                              const std::string& tail) {
  static std::mutex mutex;
  static std::map<std::tuple<std::string, std::string, std::size_t, std::string>, std::string> texts;
  std::lock_guard lock(mutex);
  auto key = std::make_tuple(head, row, rows, tail);
  auto found = texts.find(key);
  if (found != texts.end()) return found->second;
  std::string text = head;
  text.reserve(head.size() + rows * (row.size() + 2) + tail.size());
  for (std::size_t r = 0; r < rows; ++r) {
    if (r != 0) text += ", ";
    text += row;
  }
  text += tail;
  return texts.emplace(std::move(key), std::move(text)).first->second;
}
}  // namespace

void select_by_ids(store::Transaction& tx, const std::string& select_sql, const std::string& suffix,
                   std::span<const Id> ids, const std::function<void(const store::Row&)>& each) {
  std::vector<store::Value> params;
  std::size_t done = 0;
  while (done < ids.size()) {
    const std::size_t count = chunk_size(ids.size() - done, kMaxIdsPerStatement);
    params.clear();
    for (std::size_t i = 0; i < count; ++i) params.emplace_back(value_of(ids[done + i]));
    const std::string& sql = cached_sql(select_sql + " (", "?", count, ")" + suffix);
    for (const auto& row : tx.query(sql, params)) each(row);
    done += count;
  }
}

void execute_rows(store::Transaction& tx, const std::string& head, const std::string& row, std::size_t columns,
                  std::span<const store::Value> values, const std::string& tail) {
  const std::size_t rows = values.size() / columns;
  const std::size_t largest = std::max<std::size_t>(1, kMaxValuesPerStatement / columns);
  std::size_t done = 0;
  while (done < rows) {
    const std::size_t count = chunk_size(rows - done, largest);
    tx.execute(cached_sql(head, row, count, tail), values.subspan(done * columns, count * columns));
    done += count;
  }
}

void insert_rows(store::Transaction& tx, const std::string& into, std::size_t columns,
                 std::span<const store::Value> values, const std::string& suffix) {
  execute_rows(tx, into + " VALUES ", row_of(columns), columns, values, suffix);
}

std::int64_t reserve_timestamps_ns(std::atomic<std::int64_t>& last, std::int64_t clock_ms, std::int64_t count) {
  const std::int64_t now = clock_ms * 1'000'000;
  std::int64_t previous = last.load();
  std::int64_t next = 0;
  do {
    next = std::max(now, previous + 1);
  } while (!last.compare_exchange_weak(previous, next + count - 1));
  return next;
}

}  // namespace barid::ledger::detail
