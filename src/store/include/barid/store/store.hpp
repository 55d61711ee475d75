// The store: one interface over two real SQL backends, embedded SQLite and PostgreSQL (libpq).
// Domain modules write portable SQL with `?` placeholders; everything that differs between the two
// dialects (placeholders, row locking, identity columns, transaction start, retries) stays here.
#pragma once

#include <barid/core/result.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace barid::store {

using Blob = std::vector<std::uint8_t>;
// A statement parameter or a column value. Integers are 64-bit; booleans are stored as 0/1.
using Value = std::variant<std::nullptr_t, std::int64_t, double, std::string, Blob>;

enum class Dialect { sqlite, postgresql };

// A failure of the database itself (not of the caller's input): lost connection, disk full,
// a constraint the caller did not expect. Thrown, and turned into 503 / 500 at the edge.
class StoreError : public std::runtime_error {
 public:
  enum class Kind { unique_violation, foreign_key_violation, serialization_failure, unavailable, other };
  StoreError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  std::size_t size() const { return values_.size(); }
  bool is_null(std::size_t column) const;
  std::int64_t int64(std::size_t column) const;  // throws StoreError on NULL or a non-number
  double real(std::size_t column) const;
  std::string text(std::size_t column) const;  // integers are formatted; NULL throws
  Blob blob(std::size_t column) const;
  std::optional<std::int64_t> optional_int64(std::size_t column) const;
  std::optional<std::string> optional_text(std::size_t column) const;
  const Value& value(std::size_t column) const { return values_.at(column); }

 private:
  std::vector<Value> values_;
};

// One open transaction. Statements use `?` placeholders. A trailing ` FOR UPDATE` locks the rows
// on PostgreSQL and is dropped on SQLite, whose single writer already serialises every write.
class Transaction {
 public:
  virtual ~Transaction() = default;
  virtual Dialect dialect() const = 0;
  // Runs one statement; returns the number of rows it changed.
  virtual std::int64_t execute(std::string_view sql, std::span<const Value> params) = 0;
  virtual std::vector<Row> query(std::string_view sql, std::span<const Value> params) = 0;

  std::int64_t execute(std::string_view sql, std::initializer_list<Value> params = {}) {
    return execute(sql, std::span<const Value>(params.begin(), params.size()));
  }
  std::vector<Row> query(std::string_view sql, std::initializer_list<Value> params = {}) {
    return query(sql, std::span<const Value>(params.begin(), params.size()));
  }
  std::optional<Row> query_one(std::string_view sql, std::initializer_list<Value> params = {}) {
    auto rows = query(sql, params);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
  }
};

struct StoreOptions {
  int reader_connections = 4;       // SQLite readers beside its one writer; PostgreSQL pool size
  int busy_timeout_ms = 5000;       // SQLite busy timeout; PostgreSQL pool wait limit
  int max_transaction_retries = 8;  // PostgreSQL serialization failures and deadlocks
};

struct StoreStats {
  int connections_total = 0;
  int connections_in_use = 0;
  std::uint64_t acquisitions = 0;              // connections handed out since start
  std::uint64_t acquisition_waits = 0;         // times a caller had to wait for a free connection
  std::uint64_t transactions_committed = 0;    // read-write transactions (run_write) only
  std::uint64_t transactions_rolled_back = 0;  // read-write ones, including each retried attempt
  std::uint64_t transaction_retries = 0;
  std::uint64_t read_transactions = 0;  // run_read transactions, however they ended
};

// A versioned schema change. `sql` may hold several statements separated by `;` and may use
// `${id}` for a 64-bit auto-increment primary key column type, `${key}` for a 64-bit primary key
// the application assigns (the rowid on SQLite), `${blob}` for binary data, and `${without_rowid}`
// after a table's closing parenthesis for a table clustered on its primary key (SQLite only).
// Use BIGINT, TEXT, DOUBLE PRECISION and ${blob} as column types so one text serves both dialects;
// `postgresql_sql`, when set, replaces `sql` on PostgreSQL.
struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
  std::string postgresql_sql;
};

struct MigrationReport {
  std::vector<int> applied;  // versions applied by this call, ascending
  int current_version = 0;   // the highest version recorded after the call
};

class Store {
 public:
  virtual ~Store() = default;

  // "sqlite:/path/to/file.db" or "postgresql://user@host:port/db?…" (any libpq URI).
  static std::unique_ptr<Store> open(const std::string& url, const StoreOptions& options = {});

  virtual Dialect dialect() const = 0;
  // Describes the store without any password: "sqlite:/path" or "postgresql://host:port/db".
  virtual std::string describe() const = 0;

  // Runs `work` in one read-write transaction. It commits when `work` returns true and rolls back
  // when it returns false or throws. On PostgreSQL, serialization failures and deadlocks are
  // retried from the start (so `work` must not have effects outside the transaction); on SQLite the
  // transaction holds the single writer (BEGIN IMMEDIATE). A failed COMMIT throws StoreError.
  virtual void run_write(const std::function<bool(Transaction&)>& work) = 0;
  // Runs `work` in a read-only transaction with one consistent snapshot.
  virtual void run_read(const std::function<void(Transaction&)>& work) = 0;
  // For read-only `work` that runs exactly one statement: a single statement is its own
  // consistent snapshot, so no transaction is opened around it (one round trip to PostgreSQL
  // instead of three). Used on hot paths such as authenticating every request.
  virtual void run_single_read(const std::function<void(Transaction&)>& work) { run_read(work); }

  // Applies the migrations not yet recorded, in ascending version order, each in its own
  // transaction, serialised across processes. Fails with code `database_newer_than_binary` when the
  // database records a version this binary does not know, naming both versions.
  virtual Result<MigrationReport> migrate(std::span<const Migration> migrations) = 0;
  // The versions recorded in the database (empty when never migrated).
  virtual std::vector<int> applied_migrations() = 0;

  // Cheap round trip to the database.
  virtual bool ping() = 0;
  virtual StoreStats stats() const = 0;

  // Convenience: a write whose `work` returns a Result; commits only when it is ok.
  template <class T>
  Result<T> write(const std::function<Result<T>(Transaction&)>& work) {
    std::optional<Result<T>> outcome;
    run_write([&](Transaction& tx) {
      outcome.emplace(work(tx));
      return outcome->ok();
    });
    return std::move(*outcome);
  }
  template <class T>
  T read(const std::function<T(Transaction&)>& work) {
    std::optional<T> outcome;
    run_read([&](Transaction& tx) { outcome.emplace(work(tx)); });
    return std::move(*outcome);
  }
  template <class T>
  T read_single(const std::function<T(Transaction&)>& work) {
    std::optional<T> outcome;
    run_single_read([&](Transaction& tx) { outcome.emplace(work(tx)); });
    return std::move(*outcome);
  }
};

}  // namespace barid::store
