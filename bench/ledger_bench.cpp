// The ledger benchmark (issue: ledger and payments, §4).
//
// (a) The engine: batches of 8,190 transfers among 10,000 accounts, account ids drawn uniformly or
//     Zipf-hot, each batch one durable transaction, through LedgerService::create_transfers.
// (b) With --baseline-transfers on PostgreSQL: the baseline most teams write, plain SQL on the same
//     database, one transaction per transfer (lock both accounts in id order, insert the transfer,
//     update both balances), from 16 concurrent clients; then our rate divided by the baseline's.
// (d) After the run: `ledger check` passes and the sum of all balances is unchanged (zero).
//
//   barid_bench_ledger --database sqlite:/tmp/x/barid.db --transfers 1000000 [--baseline-transfers 20000]
#include <barid/ledger/ledger.hpp>
#include <barid/store/store.hpp>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>

namespace {

using namespace barid;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kLedger = 818;  // EGP
constexpr std::uint64_t kFundingAccount = 1'000'000;
constexpr std::int64_t kFunding = 1'000'000'000'000;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Account numbers 1…n, Zipf(s = 1) or uniform.
class AccountPicker {
 public:
  AccountPicker(int accounts, bool zipf, std::uint64_t seed) : accounts_(accounts), zipf_(zipf), random_(seed) {
    if (!zipf) return;
    double total = 0;
    for (int k = 1; k <= accounts; ++k) {
      total += 1.0 / k;
      cdf_.push_back(total);
    }
    for (double& value : cdf_) value /= total;
  }
  std::uint64_t next() {
    if (!zipf_) return 1 + random_() % static_cast<std::uint64_t>(accounts_);
    const double u = std::uniform_real_distribution<double>(0, 1)(random_);
    return 1 + static_cast<std::uint64_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  }
  std::uint64_t raw() { return random_(); }

 private:
  int accounts_;
  bool zipf_;
  std::mt19937_64 random_;
  std::vector<double> cdf_;
};

ledger::Id id(std::uint64_t n) {
  return ledger::Id{0, n};
}

struct EngineRun {
  double seconds = 0;
  std::int64_t applied = 0;
};

EngineRun run_engine(ledger::LedgerService& ledger, int accounts, std::int64_t transfers, bool zipf,
                     std::uint64_t first_id) {
  AccountPicker picker(accounts, zipf, zipf ? 7 : 3);
  EngineRun run;
  std::vector<ledger::Transfer> batch;
  std::uint64_t next_id = first_id;
  std::int64_t left = transfers;
  while (left > 0) {
    batch.clear();
    const auto size = static_cast<std::size_t>(std::min<std::int64_t>(left, ledger::kMaxBatch));
    for (std::size_t i = 0; i < size; ++i) {
      ledger::Transfer t;
      t.id = id(next_id++);
      const std::uint64_t debit = picker.next();
      std::uint64_t credit = picker.next();
      if (credit == debit) credit = debit % static_cast<std::uint64_t>(accounts) + 1;
      t.debit_account_id = id(debit);
      t.credit_account_id = id(credit);
      t.amount = static_cast<std::int64_t>(1 + picker.raw() % 10'000);
      t.ledger = kLedger;
      t.code = 1;
      batch.push_back(t);
    }
    const auto start = Clock::now();
    auto results = ledger.create_transfers(batch, std::nullopt);
    run.seconds += seconds_since(start);
    if (!results.ok()) throw std::runtime_error("batch refused: " + results.error().code);
    for (auto result : *results) run.applied += result == ledger::CreateTransferResult::ok ? 1 : 0;
    left -= static_cast<std::int64_t>(size);
  }
  return run;
}

double run_baseline(store::Store& store, int accounts, std::int64_t transfers, int clients) {
  store.run_write([&](store::Transaction& tx) {
    tx.execute("CREATE TABLE IF NOT EXISTS baseline_accounts (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL)");
    tx.execute(
        "CREATE TABLE IF NOT EXISTS baseline_transfers (id BIGINT PRIMARY KEY, debit BIGINT NOT NULL, "
        "credit BIGINT NOT NULL, amount BIGINT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())");
    tx.execute("INSERT INTO baseline_accounts SELECT g, 0 FROM generate_series(1, " + std::to_string(accounts) +
               ") g ON CONFLICT DO NOTHING");
    return true;
  });
  std::atomic<std::int64_t> next{0};
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      AccountPicker picker(accounts, false, 100 + static_cast<std::uint64_t>(c));
      for (std::int64_t n = next++; n < transfers; n = next++) {
        auto a = static_cast<std::int64_t>(picker.next());
        auto b = static_cast<std::int64_t>(picker.next());
        if (a == b) b = a % accounts + 1;
        const auto amount = static_cast<std::int64_t>(1 + picker.raw() % 10'000);
        store.run_write([&](store::Transaction& tx) {
          tx.query("SELECT id, balance FROM baseline_accounts WHERE id IN (?, ?) ORDER BY id FOR UPDATE",
                   {std::min(a, b), std::max(a, b)});
          tx.execute("INSERT INTO baseline_transfers (id, debit, credit, amount) VALUES (?, ?, ?, ?)",
                     {n + 1, a, b, amount});
          tx.execute("UPDATE baseline_accounts SET balance = balance - ? WHERE id = ?", {amount, a});
          tx.execute("UPDATE baseline_accounts SET balance = balance + ? WHERE id = ?", {amount, b});
          return true;
        });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  return static_cast<double>(transfers) / seconds_since(start);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"The ledger benchmark"};
  std::string database;
  std::int64_t transfers = 1'000'000;
  int accounts = 10'000;
  std::int64_t baseline_transfers = 0;
  int baseline_clients = 16;
  cli.add_option("--database", database, "sqlite:PATH or postgresql://…")->required();
  cli.add_option("--transfers", transfers, "transfers per distribution");
  cli.add_option("--accounts", accounts, "accounts the transfers move money among");
  cli.add_option("--baseline-transfers", baseline_transfers, "PostgreSQL only: transfers for the plain-SQL baseline");
  cli.add_option("--baseline-clients", baseline_clients, "concurrent clients of the baseline");
  CLI11_PARSE(cli, argc, argv);

  try {
    store::StoreOptions options;
    options.reader_connections = std::max(4, baseline_clients);
    auto store = store::Store::open(database, options);
    if (auto migrated = store->migrate(ledger::LedgerService::migrations()); !migrated.ok()) {
      std::fprintf(stderr, "migrate: %s\n", migrated.error().message.c_str());
      return 1;
    }
    ledger::LedgerService ledger(*store);
    const bool postgres = store->dialect() == store::Dialect::postgresql;
    std::printf("%s, %d accounts, %lld transfers per distribution in batches of %zu\n",
                postgres ? "PostgreSQL" : "SQLite", accounts, static_cast<long long>(transfers), ledger::kMaxBatch);

    // Accounts that may not go below zero, funded from one operator account.
    std::vector<ledger::Account> opening;
    std::vector<ledger::Transfer> funding;
    for (int n = 1; n <= accounts + 1; ++n) {
      ledger::Account a;
      a.id = id(n <= accounts ? static_cast<std::uint64_t>(n) : kFundingAccount);
      a.ledger = kLedger;
      a.code = 1;
      a.flags = n <= accounts ? ledger::account_flags::debits_must_not_exceed_credits : 0;
      opening.push_back(a);
      if (opening.size() == ledger::kMaxBatch || n == accounts + 1) {
        (void)ledger.create_accounts(opening);
        opening.clear();
      }
    }
    for (int n = 1; n <= accounts; ++n) {
      ledger::Transfer t;
      t.id = id(500'000'000'000ULL + static_cast<std::uint64_t>(n));
      t.debit_account_id = id(kFundingAccount);
      t.credit_account_id = id(static_cast<std::uint64_t>(n));
      t.amount = kFunding;
      t.ledger = kLedger;
      t.code = 2;
      funding.push_back(t);
      if (funding.size() == ledger::kMaxBatch || n == accounts) {
        (void)ledger.create_transfers(funding, std::nullopt);
        funding.clear();
      }
    }

    double uniform_rate = 0;
    for (const bool zipf : {false, true}) {
      const EngineRun run = run_engine(ledger, accounts, transfers, zipf, zipf ? 2'000'000'000ULL : 1'000'000'000ULL);
      const double rate = static_cast<double>(run.applied) / run.seconds;
      if (!zipf) uniform_rate = rate;
      std::printf("  engine, %-7s: %10.0f transfers/s (%lld applied in %.2f s)\n", zipf ? "Zipf" : "uniform", rate,
                  static_cast<long long>(run.applied), run.seconds);
    }

    if (baseline_transfers > 0 && postgres) {
      const double baseline = run_baseline(*store, accounts, baseline_transfers, baseline_clients);
      std::printf("  baseline, plain SQL, one transaction per transfer, %d clients: %.0f transfers/s\n",
                  baseline_clients, baseline);
      std::printf("  engine (uniform) / baseline: %.1fx\n", uniform_rate / baseline);
    }

    const auto check_start = Clock::now();
    const ledger::CheckReport report = ledger.check();
    ledger::Total sum = 0;
    for (const auto& totals : report.ledgers) sum += totals.credits_posted - totals.debits_posted;
    std::printf("  ledger check: %s in %.1f s; sum of all balances: %s\n",
                report.ok() ? "every invariant holds" : report.violations[0].c_str(), seconds_since(check_start),
                ledger::to_string(sum).c_str());
    return report.ok() && sum == 0 ? 0 : 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "benchmark failed: %s\n", error.what());
    return 1;
  }
}
