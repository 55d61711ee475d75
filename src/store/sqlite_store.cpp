#include "sqlite_store.hpp"

#include "backend.hpp"
#include "sql_text.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace barid::store::detail {
namespace {

// Statements kept prepared per connection; past this the cache is emptied and refilled, which bounds
// memory if some caller builds SQL text dynamically.
constexpr std::size_t max_cached_statements = 256;

StoreError::Kind error_kind(int extended_code) {
  switch (extended_code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return StoreError::Kind::unique_violation;
    case SQLITE_CONSTRAINT_FOREIGNKEY: return StoreError::Kind::foreign_key_violation;
    default: break;
  }
  switch (extended_code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_READONLY: return StoreError::Kind::unavailable;
    default: return StoreError::Kind::other;
  }
}

class SqliteConnection {
 public:
  enum class Role { writer, reader, checkpointer };

  SqliteConnection(const std::string& path, Role role, const StoreOptions& options) {
    configure_library_once();
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE |
                      (role == Role::writer ? SQLITE_OPEN_CREATE : 0);
    const int code = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (code != SQLITE_OK) {
      const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
      sqlite3_close_v2(db_);
      throw StoreError(StoreError::Kind::unavailable, "cannot open SQLite database " + path + ": " + message);
    }
    try {
      configure(role, options);
    } catch (...) {
      sqlite3_close_v2(db_);
      throw;
    }
  }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection() {
    finalize_statements();
    sqlite3_close_v2(db_);
  }

  sqlite3* handle() { return db_; }
  bool in_transaction() { return sqlite3_get_autocommit(db_) == 0; }

  // Copies what the WAL holds into the database file, as far as no reader still needs it; false
  // when the database was busy (the next round tries again).
  bool checkpoint_passive() {
    return sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr) == SQLITE_OK;
  }

  // Runs parameterless SQL, possibly several statements.
  void exec(std::string_view sql) {
    const std::string text(sql);
    char* message = nullptr;
    const int code = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (code == SQLITE_OK) return;
    const std::string reason = message ? message : sqlite3_errstr(code);
    sqlite3_free(message);
    throw StoreError(error_kind(sqlite3_extended_errcode(db_)), "SQLite: " + reason);
  }

  void rollback_quietly() noexcept {
    if (!in_transaction()) return;
    try {
      step_cached("ROLLBACK");
    } catch (const StoreError&) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }

  // Runs a parameterless single statement (BEGIN, COMMIT, ROLLBACK) from the statement cache,
  // so the hot path does not parse it again on every transaction.
  void step_cached(const std::string& sql) {
    sqlite3_stmt* statement = prepare(sql);
    const int code = sqlite3_step(statement);
    sqlite3_reset(statement);
    if (code != SQLITE_DONE && code != SQLITE_ROW) fail(code, sql);
  }

  sqlite3_stmt* prepare(std::string_view sql) {
    // Looked up by the text as given: no copy of it on the hot path.
    if (auto found = statements_.find(sql); found != statements_.end()) return found->second;
    if (statements_.size() >= max_cached_statements) finalize_statements();
    sqlite3_stmt* statement = nullptr;
    const char* tail = nullptr;
    const int code =
        sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &statement, &tail);
    if (code != SQLITE_OK) fail(code, "prepare");
    if (statement == nullptr || !only_whitespace_after(tail, sql.data() + sql.size())) {
      sqlite3_finalize(statement);
      throw StoreError(StoreError::Kind::other, "SQLite: pass exactly one statement per call: " + std::string(sql));
    }
    statements_.emplace(std::string(sql), statement);
    return statement;
  }

  [[noreturn]] void fail(int code, std::string_view action) {
    const int extended = sqlite3_extended_errcode(db_);
    throw StoreError(error_kind(extended ? extended : code),
                     "SQLite " + std::string(action) + ": " + sqlite3_errmsg(db_));
  }

 private:
  // SQLite's allocation statistics take a process-wide mutex on every malloc; Barid never reads
  // them, and with many threads that mutex is the hottest lock in the server.
  static void configure_library_once() {
    static const int configured = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)configured;
  }

  void configure(Role role, const StoreOptions& options) {
    sqlite3_busy_timeout(db_, options.busy_timeout_ms);
    if (role == Role::writer) {
      // For a new database only: rows of letters (about 2 KiB) fill 8 KiB pages far better than 4 KiB ones.
      exec("PRAGMA page_size = 8192");
      const std::string mode = pragma_text("PRAGMA journal_mode = WAL");
      if (mode != "wal") {
        throw StoreError(StoreError::Kind::unavailable, "SQLite refused WAL mode (got '" + mode + "')");
      }
    }
    // FULL: a commit reported to the client survives power loss, not only a crash of baridd.
    exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON");
    // The writer keeps the hot part of the indexes it inserts into in memory (a bulk send touches
    // every recipient's mailbox index); readers need less. Pages are allocated as they are used.
    exec(role == Role::writer ? "PRAGMA cache_size = -131072" : "PRAGMA cache_size = -16384");
    if (role == Role::reader) exec("PRAGMA query_only = ON");
    // Checkpoints (copying committed pages from the WAL into the database file) run on a
    // connection and thread of their own, so a commit never waits for one.
    if (role == Role::writer) exec("PRAGMA wal_autocheckpoint = 0");
  }

  std::string pragma_text(const char* sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) fail(SQLITE_ERROR, sql);
    std::string result;
    if (sqlite3_step(statement) == SQLITE_ROW) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    return result;
  }

  static bool only_whitespace_after(const char* tail, const char* end) {
    for (; tail != nullptr && tail < end && *tail != '\0'; ++tail) {
      if (!std::isspace(static_cast<unsigned char>(*tail)) && *tail != ';') return false;
    }
    return true;
  }

  void finalize_statements() {
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    statements_.clear();
  }

  sqlite3* db_ = nullptr;
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, TextHash, std::equal_to<>> statements_;
};

// Returns a cached statement to a clean state however the call using it ends.
class StatementUse {
 public:
  explicit StatementUse(sqlite3_stmt* statement) : statement_(statement) {}
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;
  ~StatementUse() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  sqlite3_stmt* get() { return statement_; }

 private:
  sqlite3_stmt* statement_;
};

class SqliteTransaction final : public ScriptTransaction {
 public:
  explicit SqliteTransaction(SqliteConnection& connection) : connection_(connection) {}

  Dialect dialect() const override { return Dialect::sqlite; }

  std::int64_t execute(std::string_view sql, std::span<const Value> params) override {
    sqlite3* db = connection_.handle();
    const std::int64_t changes_before = sqlite3_total_changes64(db);
    StatementUse use(bound_statement(sql, params));
    int code;
    while ((code = sqlite3_step(use.get())) == SQLITE_ROW) {
    }
    if (code != SQLITE_DONE) connection_.fail(code, "execute");
    // sqlite3_changes64 keeps the count of the last INSERT/UPDATE/DELETE even after DDL, so only
    // trust it when this statement changed something.
    return sqlite3_total_changes64(db) == changes_before ? 0 : sqlite3_changes64(db);
  }

  std::vector<Row> query(std::string_view sql, std::span<const Value> params) override {
    StatementUse use(bound_statement(sql, params));
    std::vector<Row> rows;
    int code;
    while ((code = sqlite3_step(use.get())) == SQLITE_ROW) rows.push_back(read_row(use.get()));
    if (code != SQLITE_DONE) connection_.fail(code, "query");
    return rows;
  }

  void execute_script(std::string_view sql) override { connection_.exec(sql); }

 private:
  sqlite3_stmt* bound_statement(std::string_view sql, std::span<const Value> params) {
    sqlite3_stmt* statement = connection_.prepare(strip_for_update(sql));
    const int expected = sqlite3_bind_parameter_count(statement);
    if (expected != static_cast<int>(params.size())) {
      throw StoreError(StoreError::Kind::other, "statement expects " + std::to_string(expected) + " parameters, got " +
                                                    std::to_string(params.size()));
    }
    for (std::size_t i = 0; i < params.size(); ++i) bind(statement, static_cast<int>(i + 1), params[i]);
    return statement;
  }

  void bind(sqlite3_stmt* statement, int index, const Value& value) {
    // SQLITE_STATIC: the values outlive the statement's use, which ends before execute/query returns.
    int code = SQLITE_OK;
    if (const auto* number = std::get_if<std::int64_t>(&value)) {
      code = sqlite3_bind_int64(statement, index, *number);
    } else if (const auto* number = std::get_if<double>(&value)) {
      code = sqlite3_bind_double(statement, index, *number);
    } else if (const auto* text = std::get_if<std::string>(&value)) {
      code = sqlite3_bind_text64(statement, index, text->data(), text->size(), SQLITE_STATIC, SQLITE_UTF8);
    } else if (const auto* bytes = std::get_if<Blob>(&value)) {
      // A null data pointer would bind SQL NULL; an empty blob must stay an empty blob.
      static const std::uint8_t empty = 0;
      code =
          sqlite3_bind_blob64(statement, index, bytes->empty() ? &empty : bytes->data(), bytes->size(), SQLITE_STATIC);
    } else {
      code = sqlite3_bind_null(statement, index);
    }
    if (code != SQLITE_OK) connection_.fail(code, "bind");
  }

  static Value column_value(sqlite3_stmt* statement, int column) {
    switch (sqlite3_column_type(statement, column)) {
      case SQLITE_INTEGER: return std::int64_t{sqlite3_column_int64(statement, column)};
      case SQLITE_FLOAT: return sqlite3_column_double(statement, column);
      case SQLITE_TEXT: {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
        return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(statement, column)));
      }
      case SQLITE_BLOB: {
        const auto* bytes = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement, column));
        const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, column));
        return size == 0 ? Blob{} : Blob(bytes, bytes + size);
      }
      default: return nullptr;
    }
  }

  static Row read_row(sqlite3_stmt* statement) {
    const int columns = sqlite3_column_count(statement);
    std::vector<Value> values;
    values.reserve(static_cast<std::size_t>(columns));
    for (int column = 0; column < columns; ++column) values.push_back(column_value(statement, column));
    return Row(std::move(values));
  }

  SqliteConnection& connection_;
};

// Paths this thread is writing to right now. A nested run_write on one of them would wait forever
// for the writer it already holds, so it is refused instead.
thread_local std::vector<std::string> paths_written_by_this_thread;

class NestedWriteGuard {
 public:
  explicit NestedWriteGuard(const std::string& path) : path_(path) {
    auto& paths = paths_written_by_this_thread;
    if (std::find(paths.begin(), paths.end(), path) != paths.end()) {
      throw std::logic_error("nested run_write on SQLite database " + path +
                             " from the same thread would deadlock on its single writer");
    }
    paths.push_back(path);
  }
  NestedWriteGuard(const NestedWriteGuard&) = delete;
  NestedWriteGuard& operator=(const NestedWriteGuard&) = delete;
  ~NestedWriteGuard() {
    auto& paths = paths_written_by_this_thread;
    paths.erase(std::find(paths.begin(), paths.end(), path_));
  }

 private:
  const std::string& path_;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, const StoreOptions& options)
      : path_(path),
        options_(options),
        writer_(std::make_unique<SqliteConnection>(path, SqliteConnection::Role::writer, options)),
        readers_(
            options.reader_connections, std::chrono::milliseconds(options.busy_timeout_ms),
            [this] { return std::make_unique<SqliteConnection>(path_, SqliteConnection::Role::reader, options_); }),
        checkpointer_(std::make_unique<SqliteConnection>(path, SqliteConnection::Role::checkpointer, options)) {
    readers_.open_one();
    checkpoint_thread_ = std::thread([this] { run_checkpoints(); });
  }

  ~SqliteStore() override {
    {
      std::lock_guard lock(checkpoint_mutex_);
      stopping_ = true;
    }
    checkpoint_wanted_.notify_all();
    checkpoint_thread_.join();
  }

  Dialect dialect() const override { return Dialect::sqlite; }
  std::string describe() const override { return "sqlite:" + path_; }

  void run_write(const std::function<bool(Transaction&)>& work) override {
    NestedWriteGuard nested_guard(path_);
    std::unique_lock lock(writer_mutex_, std::defer_lock);
    acquire_writer(lock);
    InUseFlag in_use(writer_in_use_);
    writer_->step_cached("BEGIN IMMEDIATE");
    SqliteTransaction tx(*writer_);
    bool commit = false;
    try {
      commit = work(tx);
    } catch (...) {
      roll_back();
      throw;
    }
    if (!commit) return roll_back();
    try {
      writer_->step_cached("COMMIT");
    } catch (const StoreError&) {
      roll_back();
      throw;
    }
    ++counters_.committed;
    {
      std::lock_guard checkpoint_lock(checkpoint_mutex_);
      commits_since_checkpoint_ = true;
    }
    checkpoint_wanted_.notify_one();
  }

  void run_read(const std::function<void(Transaction&)>& work) override {
    auto reader = readers_.acquire();
    ++counters_.reads;
    // A deferred BEGIN takes its WAL snapshot at the first read and keeps it until the end.
    reader->step_cached("BEGIN");
    SqliteTransaction tx(*reader);
    try {
      work(tx);
    } catch (...) {
      reader->rollback_quietly();
      throw;
    }
    reader->rollback_quietly();  // nothing to commit; ends the snapshot
  }

  void run_single_read(const std::function<void(Transaction&)>& work) override {
    auto reader = readers_.acquire();
    ++counters_.reads;
    SqliteTransaction tx(*reader);  // autocommit: the one statement is its own snapshot
    work(tx);
  }

  Result<MigrationReport> migrate(std::span<const Migration> migrations) override {
    return run_migrations(*this, migrations);
  }
  std::vector<int> applied_migrations() override { return read_applied_migrations(*this); }

  bool ping() override {
    try {
      run_read([](Transaction& tx) { tx.query("SELECT 1"); });
      return true;
    } catch (const StoreError&) {
      return false;
    }
  }

  StoreStats stats() const override {
    StoreStats stats;
    readers_.fill(stats);
    stats.connections_total += 1;
    stats.connections_in_use += writer_in_use_.load() ? 1 : 0;
    stats.acquisitions += writer_acquisitions_.load();
    stats.acquisition_waits += writer_waits_.load();
    counters_.fill(stats);
    return stats;
  }

 private:
  void acquire_writer(std::unique_lock<std::timed_mutex>& lock) {
    if (!lock.try_lock()) {
      ++writer_waits_;
      if (!lock.try_lock_for(std::chrono::milliseconds(options_.busy_timeout_ms))) {
        throw StoreError(StoreError::Kind::unavailable,
                         "SQLite writer busy for more than " + std::to_string(options_.busy_timeout_ms) + " ms");
      }
    }
    ++writer_acquisitions_;
  }

  void roll_back() {
    writer_->rollback_quietly();
    ++counters_.rolled_back;
  }

  // The checkpoint thread: after commits (at most every 50 ms) and once a second anyway. The WAL
  // is restarted from its beginning by the next writer once everything in it was copied.
  void run_checkpoints() {
    std::unique_lock lock(checkpoint_mutex_);
    while (!stopping_) {
      checkpoint_wanted_.wait_for(lock, std::chrono::seconds(1),
                                  [this] { return stopping_ || commits_since_checkpoint_; });
      if (stopping_) break;
      commits_since_checkpoint_ = false;
      lock.unlock();
      checkpointer_->checkpoint_passive();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      lock.lock();
    }
  }

  // Marks the writer busy for stats() while run_write holds it.
  struct InUseFlag {
    explicit InUseFlag(std::atomic<bool>& flag) : flag(flag) { flag = true; }
    InUseFlag(const InUseFlag&) = delete;
    InUseFlag& operator=(const InUseFlag&) = delete;
    ~InUseFlag() { flag = false; }
    std::atomic<bool>& flag;
  };

  const std::string path_;
  const StoreOptions options_;
  std::timed_mutex writer_mutex_;
  std::unique_ptr<SqliteConnection> writer_;
  ConnectionPool<SqliteConnection> readers_;
  std::atomic<bool> writer_in_use_{false};
  std::atomic<std::uint64_t> writer_acquisitions_{0};
  std::atomic<std::uint64_t> writer_waits_{0};
  TransactionCounters counters_;
  std::unique_ptr<SqliteConnection> checkpointer_;
  std::mutex checkpoint_mutex_;
  std::condition_variable checkpoint_wanted_;
  bool commits_since_checkpoint_ = false;
  bool stopping_ = false;
  std::thread checkpoint_thread_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path, const StoreOptions& options) {
  return std::make_unique<SqliteStore>(path, options);
}

}  // namespace barid::store::detail
