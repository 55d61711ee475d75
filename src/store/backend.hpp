// Pieces both backends share: the transaction type migrations need, a bounded connection pool,
// the transaction counters behind StoreStats, and the migration runner.
#pragma once

#include <barid/store/store.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace barid::store::detail {

// A transaction that can also run a parameterless multi-statement script (migrations only).
class ScriptTransaction : public Transaction {
 public:
  virtual void execute_script(std::string_view sql) = 0;
};

struct TransactionCounters {
  std::atomic<std::uint64_t> committed{0};
  std::atomic<std::uint64_t> rolled_back{0};
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::uint64_t> reads{0};

  void fill(StoreStats& stats) const {
    stats.transactions_committed = committed.load();
    stats.transactions_rolled_back = rolled_back.load();
    stats.transaction_retries = retries.load();
    stats.read_transactions = reads.load();
  }
};

// A pool of at most `capacity` connections, opened on demand by `connect`. A caller waits at most
// `wait_limit` for a free one and then gets StoreError(unavailable): an overloaded database should
// turn into quick 503s, not an ever-growing queue of threads.
template <class Connection>
class ConnectionPool {
 public:
  using Connect = std::function<std::unique_ptr<Connection>()>;

  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_) pool_->give_back(std::move(connection_));
    }
    Connection& operator*() { return *connection_; }
    Connection* operator->() { return connection_.get(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  ConnectionPool(int capacity, std::chrono::milliseconds wait_limit, Connect connect)
      : capacity_(capacity < 1 ? 1 : capacity), wait_limit_(wait_limit), connect_(std::move(connect)) {}

  // Opens one connection now so that a wrong URL or a down server fails at startup.
  void open_one() { give_back_new(connect_()); }

  Lease acquire() {
    std::unique_lock lock(mutex_);
    ++acquisitions_;
    if (idle_.empty() && total_ >= capacity_) {
      ++waits_;
      const bool freed = ready_.wait_for(lock, wait_limit_, [&] { return !idle_.empty() || total_ < capacity_; });
      if (!freed) {
        throw StoreError(StoreError::Kind::unavailable,
                         "no free database connection within " + std::to_string(wait_limit_.count()) + " ms");
      }
    }
    ++in_use_;
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
    ++total_;
    lock.unlock();
    return Lease(this, connect_outside_lock());
  }

  void fill(StoreStats& stats) const {
    std::lock_guard lock(mutex_);
    stats.connections_total += total_;
    stats.connections_in_use += in_use_;
    stats.acquisitions += acquisitions_;
    stats.acquisition_waits += waits_;
  }

 private:
  std::unique_ptr<Connection> connect_outside_lock() {
    try {
      return connect_();
    } catch (...) {
      std::lock_guard lock(mutex_);
      --total_;
      --in_use_;
      ready_.notify_one();
      throw;
    }
  }

  void give_back_new(std::unique_ptr<Connection> connection) {
    std::lock_guard lock(mutex_);
    ++total_;
    idle_.push_back(std::move(connection));
    ready_.notify_one();
  }

  void give_back(std::unique_ptr<Connection> connection) {
    std::lock_guard lock(mutex_);
    --in_use_;
    idle_.push_back(std::move(connection));
    ready_.notify_one();
  }

  const int capacity_;
  const std::chrono::milliseconds wait_limit_;
  const Connect connect_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int total_ = 0;
  int in_use_ = 0;
  std::uint64_t acquisitions_ = 0;
  std::uint64_t waits_ = 0;
};

// The shared implementation of Store::migrate and Store::applied_migrations. Every transaction that
// `store.run_write` hands over must be a ScriptTransaction.
Result<MigrationReport> run_migrations(Store& store, std::span<const Migration> migrations);
std::vector<int> read_applied_migrations(Store& store);

}  // namespace barid::store::detail
