#include "postgres_store.hpp"

#include "backend.hpp"
#include "sql_text.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cmath>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace barid::store::detail {
namespace {

// Prepared statements kept per connection before they are all deallocated and the cache refilled.
constexpr std::size_t max_cached_statements = 512;
constexpr const char* connect_timeout_s = "10";
// Randomised pause before retrying a conflicting transaction, so two victims do not collide again.
constexpr int retry_backoff_max_ms = 20;

// Type OIDs from pg_type.h, which libpq does not install.
constexpr Oid bool_oid = 16;
constexpr Oid bytea_oid = 17;
constexpr Oid int8_oid = 20;
constexpr Oid int2_oid = 21;
constexpr Oid int4_oid = 23;
constexpr Oid float4_oid = 700;
constexpr Oid float8_oid = 701;
constexpr Oid numeric_oid = 1700;

using PgResult = std::unique_ptr<PGresult, decltype(&PQclear)>;

StoreError::Kind error_kind(std::string_view sqlstate) {
  if (sqlstate == "23505") return StoreError::Kind::unique_violation;
  if (sqlstate == "23503") return StoreError::Kind::foreign_key_violation;
  if (sqlstate == "40001" || sqlstate == "40P01") return StoreError::Kind::serialization_failure;
  // 08: connection exception; 53: insufficient resources; 57P0x: server shutting down or restarting.
  if (sqlstate.starts_with("08") || sqlstate.starts_with("53") || sqlstate.starts_with("57P")) {
    return StoreError::Kind::unavailable;
  }
  return StoreError::Kind::other;
}

std::string trimmed(const char* text) {
  std::string out = text ? text : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// Only the primary message and SQLSTATE: the DETAIL of, say, a unique violation quotes the values,
// which may be secrets (token hashes, e-mail addresses) that do not belong in logs.
[[noreturn]] void throw_pg_error(PGconn* connection, const PGresult* result, std::string_view action) {
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = primary ? trimmed(primary) : trimmed(PQerrorMessage(connection));
  StoreError::Kind kind = sqlstate ? error_kind(sqlstate) : StoreError::Kind::other;
  if (PQstatus(connection) != CONNECTION_OK) kind = StoreError::Kind::unavailable;
  if (sqlstate) message += std::string(" (SQLSTATE ") + sqlstate + ")";
  throw StoreError(kind, "PostgreSQL " + std::string(action) + ": " + message);
}

bool succeeded(const PGresult* result) {
  if (result == nullptr) return false;
  const ExecStatusType status = PQresultStatus(result);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

std::string format_double(double number) {
  if (std::isnan(number)) return "NaN";
  if (std::isinf(number)) return number > 0 ? "Infinity" : "-Infinity";
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, number);
  return std::string(buffer, end);
}

std::optional<std::int64_t> parse_int64(std::string_view text) {
  std::int64_t number = 0;
  const auto [stop, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || stop != text.data() + text.size()) return std::nullopt;
  return number;
}

double parse_double(const std::string& text) {
  if (text == "NaN") return std::nan("");
  if (text == "Infinity") return HUGE_VAL;
  if (text == "-Infinity") return -HUGE_VAL;
  return std::strtod(text.c_str(), nullptr);
}

Value decode_bytea(const char* text) {
  std::size_t size = 0;
  unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
  if (bytes == nullptr) throw StoreError(StoreError::Kind::other, "PostgreSQL: cannot decode bytea");
  Blob blob(bytes, bytes + size);
  PQfreemem(bytes);
  return blob;
}

Value decode_value(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column)) return nullptr;
  const char* text = PQgetvalue(result, row, column);
  const auto length = static_cast<std::size_t>(PQgetlength(result, row, column));
  switch (PQftype(result, column)) {
    case bytea_oid: return decode_bytea(text);
    case int2_oid:
    case int4_oid:
    case int8_oid: return *parse_int64(std::string_view(text, length));
    case bool_oid: return std::int64_t{text[0] == 't' ? 1 : 0};
    case numeric_oid:
      // SUM() and friends over BIGINT answer NUMERIC; keep whole values exact instead of rounding
      // them through a double. Row::real() still reads them.
      if (auto whole = parse_int64(std::string_view(text, length))) return *whole;
      return parse_double(text);
    case float4_oid:
    case float8_oid: return parse_double(text);
    default: return std::string(text, length);
  }
}

std::vector<Row> decode_rows(const PGresult* result) {
  const int row_count = PQntuples(result);
  const int column_count = PQnfields(result);
  std::vector<Row> rows;
  rows.reserve(static_cast<std::size_t>(row_count));
  for (int row = 0; row < row_count; ++row) {
    std::vector<Value> values;
    values.reserve(static_cast<std::size_t>(column_count));
    for (int column = 0; column < column_count; ++column) values.push_back(decode_value(result, row, column));
    rows.emplace_back(std::move(values));
  }
  return rows;
}

// Parameters in the form libpq wants: blobs binary (no escaping, zero bytes intact), the rest text.
class EncodedParams {
 public:
  explicit EncodedParams(std::span<const Value> params) {
    texts_.reserve(params.size());
    for (const Value& value : params) add(value);
  }
  int count() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }
  // Which parameters are blobs; part of the prepared statement's identity because it fixes their types.
  const std::string& signature() const { return signature_; }

 private:
  void add(const Value& value) {
    static const char empty = 0;
    if (const auto* bytes = std::get_if<Blob>(&value)) {
      // A null pointer would mean SQL NULL; an empty blob needs a valid one.
      values_.push_back(bytes->empty() ? &empty : reinterpret_cast<const char*>(bytes->data()));
      lengths_.push_back(static_cast<int>(bytes->size()));
      formats_.push_back(1);
      signature_ += 'b';
      return;
    }
    signature_ += 't';
    lengths_.push_back(0);
    formats_.push_back(0);
    if (std::holds_alternative<std::nullptr_t>(value)) {
      values_.push_back(nullptr);
      return;
    }
    if (const auto* number = std::get_if<std::int64_t>(&value)) {
      texts_.push_back(std::to_string(*number));
    } else if (const auto* number = std::get_if<double>(&value)) {
      texts_.push_back(format_double(*number));
    } else {
      texts_.push_back(std::get<std::string>(value));
    }
    values_.push_back(texts_.back().c_str());
  }

  std::vector<std::string> texts_;  // reserved up front so c_str() pointers stay valid
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
  std::string signature_;
};

class PgConnection {
 public:
  explicit PgConnection(const std::string& url) {
    const char* keywords[] = {"connect_timeout", "dbname", "application_name", nullptr};
    const char* values[] = {connect_timeout_s, url.c_str(), "baridd", nullptr};
    connection_ = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
    if (PQstatus(connection_) != CONNECTION_OK) {
      const std::string message = trimmed(PQerrorMessage(connection_));
      PQfinish(connection_);
      throw StoreError(StoreError::Kind::unavailable, "PostgreSQL connect: " + message);
    }
    start_session();
  }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection() { PQfinish(connection_); }

  PGconn* handle() { return connection_; }
  bool broken() const { return PQstatus(connection_) != CONNECTION_OK; }

  // Brings a pooled connection back into a usable, idle state, reconnecting if the server dropped it.
  void make_usable() {
    if (!broken() && PQtransactionStatus(connection_) == PQTRANS_IDLE) return;
    if (!broken()) {
      // Left inside a transaction (a ROLLBACK that failed): try once more before reconnecting.
      PgResult result(PQexec(connection_, "ROLLBACK"), PQclear);
      if (PQtransactionStatus(connection_) == PQTRANS_IDLE) return;
    }
    PQreset(connection_);
    if (broken()) {
      throw StoreError(StoreError::Kind::unavailable, "PostgreSQL reconnect: " + trimmed(PQerrorMessage(connection_)));
    }
    start_session();
  }

  PgResult exec(const char* sql, std::string_view action) {
    PgResult result(PQexec(connection_, sql), PQclear);
    if (!succeeded(result.get())) throw_pg_error(connection_, result.get(), action);
    return result;
  }

  PgResult exec_prepared(std::string_view sql, std::span<const Value> params) {
    const EncodedParams encoded(params);
    const std::string& name = prepared(sql, encoded);
    PgResult result(PQexecPrepared(connection_, name.c_str(), encoded.count(), encoded.values(), encoded.lengths(),
                                   encoded.formats(), /*resultFormat=*/0),
                    PQclear);
    if (!succeeded(result.get())) throw_pg_error(connection_, result.get(), "statement");
    return result;
  }

  void rollback_quietly() noexcept {
    if (PQtransactionStatus(connection_) == PQTRANS_IDLE) return;
    PQclear(PQexec(connection_, "ROLLBACK"));
  }

 private:
  void start_session() {
    statements_.clear();  // a new server session has none of our prepared statements
    // Enforced per session: a commit we report must be on the server's disk, whatever the server's
    // postgresql.conf says.
    exec("SET synchronous_commit = on", "session setup");
  }

  const std::string& prepared(std::string_view sql, const EncodedParams& params) {
    std::string key(sql);
    key += '\0';
    key += params.signature();
    if (auto found = statements_.find(key); found != statements_.end()) return found->second;
    if (statements_.size() >= max_cached_statements) {
      exec("DEALLOCATE ALL", "deallocate");
      statements_.clear();
    }
    std::vector<Oid> types;
    for (char kind : params.signature()) types.push_back(kind == 'b' ? bytea_oid : 0);
    std::string name = "barid_" + std::to_string(++statements_prepared_);
    const std::string text = number_placeholders(sql);
    PgResult result(PQprepare(connection_, name.c_str(), text.c_str(), params.count(), types.data()), PQclear);
    if (!succeeded(result.get())) throw_pg_error(connection_, result.get(), "prepare");
    return statements_.emplace(std::move(key), std::move(name)).first->second;
  }

  PGconn* connection_ = nullptr;
  std::unordered_map<std::string, std::string> statements_;  // SQL + parameter kinds → statement name
  std::uint64_t statements_prepared_ = 0;
};

class PgTransaction final : public ScriptTransaction {
 public:
  explicit PgTransaction(PgConnection& connection) : connection_(connection) {}

  Dialect dialect() const override { return Dialect::postgresql; }

  std::int64_t execute(std::string_view sql, std::span<const Value> params) override {
    PgResult result = run([&] { return connection_.exec_prepared(sql, params); });
    const char* changed = PQcmdTuples(result.get());
    return (changed && *changed) ? parse_int64(changed).value_or(0) : 0;
  }

  std::vector<Row> query(std::string_view sql, std::span<const Value> params) override {
    PgResult result = run([&] { return connection_.exec_prepared(sql, params); });
    return decode_rows(result.get());
  }

  void execute_script(std::string_view sql) override {
    const std::string text(sql);
    run([&] { return connection_.exec(text.c_str(), "script"); });
  }

  // Set once a statement hit a serialization failure or deadlock. PostgreSQL has then aborted the
  // transaction, so it is retried even if `work` caught the exception and carried on.
  bool conflicted() const { return conflicted_; }

 private:
  template <class Call>
  PgResult run(const Call& call) {
    try {
      return call();
    } catch (const StoreError& error) {
      if (error.kind() == StoreError::Kind::serialization_failure) conflicted_ = true;
      throw;
    }
  }

  PgConnection& connection_;
  bool conflicted_ = false;
};

// How one attempt at a transaction ended: finished (committed or rolled back), or to be retried.
enum class Outcome { finished, conflicted };

class PostgresStore final : public Store {
 public:
  PostgresStore(const std::string& url, const StoreOptions& options)
      : description_(describe_postgres_url(url)),
        options_(options),
        pool_(options.reader_connections, std::chrono::milliseconds(options.busy_timeout_ms),
              [url] { return std::make_unique<PgConnection>(url); }) {
    pool_.open_one();
  }

  Dialect dialect() const override { return Dialect::postgresql; }
  std::string describe() const override { return description_; }

  void run_write(const std::function<bool(Transaction&)>& work) override {
    with_retries([&](PgConnection& connection) { return attempt_write(connection, work); });
  }

  void run_read(const std::function<void(Transaction&)>& work) override {
    with_retries([&](PgConnection& connection) { return attempt_read(connection, work); });
  }

  void run_single_read(const std::function<void(Transaction&)>& work) override {
    with_retries([&](PgConnection& connection) {
      ++counters_.reads;
      connection.make_usable();
      PgTransaction tx(connection);
      try {
        work(tx);
      } catch (const StoreError&) {
        // A pooled connection the server dropped shows it only at first use; the work only
        // reads, so running it again on a fresh connection is safe.
        if (!connection.broken()) throw;
        connection.make_usable();
        PgTransaction retry(connection);
        work(retry);
        return retry.conflicted() ? Outcome::conflicted : Outcome::finished;
      }
      return tx.conflicted() ? Outcome::conflicted : Outcome::finished;
    });
  }

  Result<MigrationReport> migrate(std::span<const Migration> migrations) override {
    return run_migrations(*this, migrations);
  }
  std::vector<int> applied_migrations() override { return read_applied_migrations(*this); }

  bool ping() override {
    try {
      auto connection = pool_.acquire();
      connection->make_usable();
      connection->exec("SELECT 1", "ping");
      return true;
    } catch (const StoreError&) {
      return false;
    }
  }

  StoreStats stats() const override {
    StoreStats stats;
    pool_.fill(stats);
    counters_.fill(stats);
    return stats;
  }

 private:
  template <class Attempt>
  void with_retries(const Attempt& attempt) {
    for (int retry = 0;; ++retry) {
      Outcome outcome;
      {
        auto connection = pool_.acquire();
        connection->make_usable();
        outcome = attempt(*connection);
      }
      if (outcome != Outcome::conflicted) return;
      if (retry >= options_.max_transaction_retries) {
        throw StoreError(StoreError::Kind::serialization_failure,
                         "PostgreSQL: transaction still conflicting after " + std::to_string(retry) + " retries");
      }
      ++counters_.retries;
      pause_before_retry();
    }
  }

  Outcome attempt_write(PgConnection& connection, const std::function<bool(Transaction&)>& work) {
    start(connection, "BEGIN");
    PgTransaction tx(connection);
    bool commit = false;
    try {
      commit = work(tx);
    } catch (const StoreError& error) {
      return after_failure(connection, tx, error);
    } catch (...) {
      roll_back(connection);
      if (tx.conflicted()) return Outcome::conflicted;
      throw;
    }
    if (tx.conflicted()) {
      roll_back(connection);
      return Outcome::conflicted;
    }
    if (!commit) {
      roll_back(connection);
      return Outcome::finished;
    }
    return commit_transaction(connection);
  }

  Outcome after_failure(PgConnection& connection, const PgTransaction& tx, const StoreError& error) {
    roll_back(connection);
    if (tx.conflicted()) return Outcome::conflicted;  // with_retries gives up when none are left
    throw error;
  }

  Outcome commit_transaction(PgConnection& connection) {
    // COMMIT of a transaction that an earlier (caught) error aborted silently rolls back; that must
    // never look like success.
    if (PQtransactionStatus(connection.handle()) == PQTRANS_INERROR) {
      roll_back(connection);
      throw StoreError(StoreError::Kind::other,
                       "PostgreSQL: cannot commit a transaction aborted by an earlier statement error");
    }
    try {
      PgResult result = connection.exec("COMMIT", "commit");
      if (std::string_view(PQcmdStatus(result.get())) != "COMMIT") {
        throw StoreError(StoreError::Kind::other, "PostgreSQL: COMMIT rolled back");
      }
    } catch (const StoreError& error) {
      ++counters_.rolled_back;
      connection.rollback_quietly();
      if (error.kind() == StoreError::Kind::serialization_failure) return Outcome::conflicted;
      throw;
    }
    ++counters_.committed;
    return Outcome::finished;
  }

  Outcome attempt_read(PgConnection& connection, const std::function<void(Transaction&)>& work) {
    ++counters_.reads;
    start(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    PgTransaction tx(connection);
    try {
      work(tx);
    } catch (...) {
      connection.rollback_quietly();
      if (tx.conflicted()) return Outcome::conflicted;
      throw;
    }
    connection.rollback_quietly();  // nothing to commit; ends the snapshot
    return tx.conflicted() ? Outcome::conflicted : Outcome::finished;
  }

  // Opens the transaction. A pooled connection the server has dropped only shows it now, at first
  // use; nothing has run yet, so reconnecting and beginning again is safe.
  void start(PgConnection& connection, const char* begin_sql) {
    try {
      connection.exec(begin_sql, "begin");
    } catch (const StoreError&) {
      if (!connection.broken()) throw;
      connection.make_usable();
      connection.exec(begin_sql, "begin");
    }
  }

  void roll_back(PgConnection& connection) {
    connection.rollback_quietly();
    ++counters_.rolled_back;
  }

  static void pause_before_retry() {
    thread_local std::minstd_rand random(std::random_device{}());
    std::uniform_int_distribution<int> pause_ms(1, retry_backoff_max_ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random)));
  }

  const std::string description_;
  const StoreOptions options_;
  mutable ConnectionPool<PgConnection> pool_;
  TransactionCounters counters_;
};

}  // namespace

std::string describe_postgres_url(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    // The parser's message can quote the URL, password included; say only that it is malformed.
    PQfreemem(error);
    throw std::invalid_argument("malformed PostgreSQL URL (see libpq connection URIs)");
  }
  std::string host, port, dbname;
  for (PQconninfoOption* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    const std::string_view keyword = option->keyword;
    if (keyword == "host" || (keyword == "hostaddr" && host.empty())) host = option->val;
    if (keyword == "port") port = option->val;
    if (keyword == "dbname") dbname = option->val;
  }
  PQconninfoFree(options);
  return "postgresql://" + (host.empty() ? std::string("localhost") : host) + (port.empty() ? "" : ":" + port) + "/" +
         dbname;
}

std::unique_ptr<Store> open_postgres_store(const std::string& url, const StoreOptions& options) {
  describe_postgres_url(url);  // rejects a malformed URL before any connection attempt
  return std::make_unique<PostgresStore>(url, options);
}

}  // namespace barid::store::detail
