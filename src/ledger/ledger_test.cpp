#include <barid/ledger/ledger.hpp>
#include <barid/store/testing.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

namespace barid::ledger {
namespace {

using R = CreateTransferResult;
using A = CreateAccountResult;
constexpr std::uint32_t kEgp = 818;
constexpr std::uint32_t kMad = 504;

Id id(std::uint64_t n) {
  return Id{0, n};
}

class LedgerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<store::testing::TestDatabase>(GetParam());
    store_ = database_->open();
    ASSERT_TRUE(store_->migrate(LedgerService::migrations()).ok());
    LedgerOptions options;
    options.clock = [this] { return now_ms_.load(); };
    ledger_ = std::make_unique<LedgerService>(*store_, options);
  }

  void open_accounts(std::initializer_list<std::pair<std::uint64_t, std::uint32_t>> accounts,
                     std::uint32_t ledger = kEgp) {
    std::vector<Account> batch;
    for (auto [n, flags] : accounts) {
      Account a;
      a.id = id(n);
      a.ledger = ledger;
      a.code = 10;
      a.flags = flags;
      batch.push_back(a);
    }
    auto results = ledger_->create_accounts(batch);
    ASSERT_TRUE(results.ok());
    for (auto r : *results) ASSERT_EQ(r, A::ok) << to_string(r);
  }

  static Transfer transfer(std::uint64_t n, std::uint64_t debit, std::uint64_t credit, std::int64_t amount,
                           std::uint32_t flags = 0) {
    Transfer t;
    t.id = id(n);
    t.debit_account_id = id(debit);
    t.credit_account_id = id(credit);
    t.amount = amount;
    t.ledger = kEgp;
    t.code = 1;
    t.flags = flags;
    return t;
  }

  std::vector<R> submit(std::vector<Transfer> transfers) {
    auto results = ledger_->create_transfers(transfers, std::string("user-1"));
    EXPECT_TRUE(results.ok());
    return results.ok() ? *results : std::vector<R>{};
  }
  R submit_one(const Transfer& t) { return submit({t}).at(0); }

  Account account(std::uint64_t n) {
    const Id ids[] = {id(n)};
    auto found = ledger_->lookup_accounts(ids);
    EXPECT_EQ(found.size(), 1u);
    return found.empty() ? Account{} : found[0];
  }
  // credits_posted - debits_posted
  std::int64_t balance(std::uint64_t n) {
    const Account a = account(n);
    return a.credits_posted - a.debits_posted;
  }

  void expect_check_passes() {
    const CheckReport report = ledger_->check();
    EXPECT_TRUE(report.ok()) << (report.violations.empty() ? "" : report.violations[0]);
  }

  std::atomic<std::int64_t> now_ms_{1'790'000'000'000};
  std::unique_ptr<store::testing::TestDatabase> database_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<LedgerService> ledger_;
};

constexpr std::uint32_t kNoOverdraft = account_flags::debits_must_not_exceed_credits;

TEST(LedgerIds, DecimalRoundTripUpTo128Bits) {
  const auto max = Id::parse("340282366920938463463374607431768211455");
  ASSERT_TRUE(max);
  EXPECT_TRUE(max->max());
  EXPECT_EQ(max->to_string(), "340282366920938463463374607431768211455");
  EXPECT_FALSE(Id::parse("340282366920938463463374607431768211456"));  // 2^128
  EXPECT_FALSE(Id::parse("-1"));
  EXPECT_FALSE(Id::parse(""));
  EXPECT_FALSE(Id::parse("12a"));
  const auto mid = Id::parse("18446744073709551616");  // 2^64
  ASSERT_TRUE(mid);
  EXPECT_EQ(mid->high, 1u);
  EXPECT_EQ(mid->low, 0u);
  EXPECT_EQ(Id::from_bytes(mid->to_bytes()), mid);
  const Id below{0, UINT64_MAX};
  EXPECT_LT(below, *mid);
  EXPECT_LT(below.to_bytes(), mid->to_bytes());  // byte order is numeric order
}

TEST(LedgerCurrencies, IsoNumbersAndMinorUnits) {
  ASSERT_NE(currency_by_code("TND"), nullptr);
  EXPECT_EQ(currency_by_code("TND")->minor_units, 3);
  EXPECT_EQ(currency_by_code("EGP")->number, 818u);
  EXPECT_EQ(currency_by_ledger(12)->code, "DZD");
  for (const char* code : {"DZD", "EGP", "MAD", "TND", "SAR", "AED", "JOD", "LBP", "SYP", "IQD", "USD", "EUR"}) {
    EXPECT_NE(currency_by_code(code), nullptr) << code;
  }
  EXPECT_EQ(currency_by_code("XXX"), nullptr);
}

TEST_P(LedgerTest, TransferMovesMoneyAndKeepsTheBooksBalanced) {
  open_accounts({{1, 0}, {2, 0}});
  EXPECT_EQ(submit_one(transfer(100, 1, 2, 2500)), R::ok);
  EXPECT_EQ(account(1).debits_posted, 2500);
  EXPECT_EQ(account(2).credits_posted, 2500);
  const Id ids[] = {id(100)};
  auto stored = ledger_->lookup_transfers(ids);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].amount, 2500);
  EXPECT_EQ(stored[0].actor_user_id, std::optional<std::string>("user-1"));
  EXPECT_GT(stored[0].timestamp_ns, 0);
  expect_check_passes();
}

TEST_P(LedgerTest, ResubmittedIdReturnsExistsAndChangesNothing) {
  open_accounts({{1, 0}, {2, 0}});
  ASSERT_EQ(submit_one(transfer(100, 1, 2, 2500)), R::ok);
  EXPECT_EQ(submit_one(transfer(100, 1, 2, 2500)), R::exists);
  EXPECT_EQ(submit_one(transfer(100, 1, 2, 2600)), R::exists_with_different_amount);
  EXPECT_EQ(submit_one(transfer(100, 2, 1, 2500)), R::exists_with_different_debit_account_id);
  Transfer other_code = transfer(100, 1, 2, 2500);
  other_code.code = 7;
  EXPECT_EQ(submit_one(other_code), R::exists_with_different_code);
  Transfer other_data = transfer(100, 1, 2, 2500);
  other_data.user_data_64 = 9;
  EXPECT_EQ(submit_one(other_data), R::exists_with_different_user_data_64);
  EXPECT_EQ(account(1).debits_posted, 2500);
  // The same id twice in one batch: the second is the retry of the first.
  EXPECT_EQ(submit({transfer(101, 1, 2, 5), transfer(101, 1, 2, 5), transfer(101, 1, 2, 6)}),
            (std::vector<R>{R::ok, R::exists, R::exists_with_different_amount}));
  EXPECT_EQ(account(1).debits_posted, 2505);
  expect_check_passes();
}

TEST_P(LedgerTest, BadTransfersGetTheirOwnCodes) {
  open_accounts({{1, 0}, {2, 0}});
  open_accounts({{3, 0}}, kMad);
  Transfer wrong_ledger = transfer(7, 1, 2, 10);
  wrong_ledger.ledger = kMad;
  Transfer no_ledger = transfer(8, 1, 2, 10);
  no_ledger.ledger = 0;
  Transfer timeout = transfer(9, 1, 2, 10);
  timeout.timeout = 60;
  Transfer with_pending_id = transfer(10, 1, 2, 10);
  with_pending_id.pending_id = id(1);
  const std::vector<R> results = submit({
      transfer(0, 1, 2, 10),
      transfer(1, 1, 2, 0),
      transfer(2, 1, 2, -5),
      transfer(3, 1, 1, 10),
      transfer(4, 1, 99, 10),
      transfer(5, 99, 2, 10),
      transfer(6, 1, 3, 10),
      wrong_ledger,
      no_ledger,
      timeout,
      with_pending_id,
      transfer(11, 1, 2, 10, 1u << 9),
      transfer(12, 1, 2, 10, transfer_flags::pending | transfer_flags::void_pending_transfer),
      transfer(13, 0, 2, 10),
  });
  EXPECT_EQ(
      results,
      (std::vector<R>{R::id_must_not_be_zero, R::amount_must_not_be_zero, R::amount_must_not_be_negative,
                      R::accounts_must_be_different, R::credit_account_not_found, R::debit_account_not_found,
                      R::accounts_must_have_the_same_ledger, R::transfer_must_have_the_same_ledger_as_accounts,
                      R::ledger_must_not_be_zero, R::timeout_reserved_for_pending_transfer, R::pending_id_must_be_zero,
                      R::reserved_flag, R::flags_are_mutually_exclusive, R::debit_account_id_must_not_be_zero}));
  EXPECT_EQ(account(1).debits_posted, 0);
  expect_check_passes();
}

TEST_P(LedgerTest, LimitsForbidOverdraftAndOverflow) {
  open_accounts({{1, kNoOverdraft}, {2, 0}, {3, account_flags::credits_must_not_exceed_debits}, {4, 0}, {5, 0}});
  EXPECT_EQ(submit_one(transfer(1, 1, 2, 1)), R::exceeds_credits);
  ASSERT_EQ(submit_one(transfer(2, 2, 1, 1000)), R::ok);
  EXPECT_EQ(submit_one(transfer(3, 1, 2, 1001)), R::exceeds_credits);
  EXPECT_EQ(submit_one(transfer(4, 1, 2, 1000)), R::ok);
  EXPECT_EQ(balance(1), 0);
  EXPECT_EQ(submit_one(transfer(5, 2, 3, 1)), R::exceeds_debits);
  // 64-bit overflow is refused, never wrapped.
  ASSERT_EQ(submit_one(transfer(6, 5, 4, INT64_MAX - 10)), R::ok);
  EXPECT_EQ(submit_one(transfer(7, 5, 4, 11)), R::overflows_debits_posted);
  EXPECT_EQ(submit_one(transfer(8, 2, 4, 11)), R::overflows_credits_posted);
  EXPECT_EQ(submit_one(transfer(9, 2, 4, 10)), R::ok);
  EXPECT_EQ(account(4).credits_posted, INT64_MAX);
  expect_check_passes();
}

TEST_P(LedgerTest, LinkedChainCommitsOrFailsAsOne) {
  open_accounts({{1, kNoOverdraft}, {2, 0}, {3, 0}});
  ASSERT_EQ(submit_one(transfer(1, 2, 1, 100)), R::ok);
  // The second leg overdraws: the first leg must not stay applied.
  EXPECT_EQ(submit({transfer(10, 1, 3, 60, transfer_flags::linked), transfer(11, 1, 2, 60), transfer(12, 2, 3, 5)}),
            (std::vector<R>{R::linked_event_failed, R::exceeds_credits, R::ok}));
  EXPECT_EQ(balance(1), 100);
  EXPECT_EQ(balance(3), 5);
  // A chain still open at the end of the batch fails whole.
  EXPECT_EQ(submit({transfer(20, 1, 3, 1, transfer_flags::linked), transfer(21, 1, 3, 1, transfer_flags::linked)}),
            (std::vector<R>{R::linked_event_failed, R::linked_event_chain_open}));
  EXPECT_EQ(balance(1), 100);
  // A good chain: payment and fee; its retry answers exists for every member.
  const std::vector<Transfer> chain = {transfer(30, 1, 3, 90, transfer_flags::linked), transfer(31, 1, 2, 10)};
  EXPECT_EQ(submit(chain), (std::vector<R>{R::ok, R::ok}));
  EXPECT_EQ(submit(chain), (std::vector<R>{R::exists, R::exists}));
  EXPECT_EQ(balance(1), 0);
  const Id failed[] = {id(10), id(11), id(20), id(21)};
  EXPECT_TRUE(ledger_->lookup_transfers(failed).empty());
  expect_check_passes();
}

TEST_P(LedgerTest, PendingTransfersReservePostInPartOrVoid) {
  open_accounts({{1, kNoOverdraft}, {2, 0}, {3, 0}});
  ASSERT_EQ(submit_one(transfer(1, 3, 1, 1000)), R::ok);
  ASSERT_EQ(submit_one(transfer(10, 1, 2, 700, transfer_flags::pending)), R::ok);
  EXPECT_EQ(account(1).debits_pending, 700);
  EXPECT_EQ(submit_one(transfer(11, 1, 2, 400)), R::exceeds_credits);  // reserved money is not spendable

  Transfer post = transfer(12, 0, 0, 500, transfer_flags::post_pending_transfer);
  post.pending_id = id(10);
  post.ledger = 0;
  post.code = 0;
  Transfer too_much = post;
  too_much.id = id(13);
  too_much.amount = 701;
  EXPECT_EQ(submit_one(too_much), R::exceeds_pending_transfer_amount);
  EXPECT_EQ(submit_one(post), R::ok);
  EXPECT_EQ(account(1).debits_pending, 0);
  EXPECT_EQ(account(1).debits_posted, 500);  // the other 200 went back
  EXPECT_EQ(account(2).credits_posted, 500);
  EXPECT_EQ(ledger_->pending_status(id(10)), PendingStatus::posted);
  Transfer again = post;
  again.id = id(14);
  EXPECT_EQ(submit_one(again), R::pending_transfer_already_posted);

  ASSERT_EQ(submit_one(transfer(20, 1, 2, 300, transfer_flags::pending)), R::ok);
  Transfer void_wrong = transfer(21, 0, 0, 299, transfer_flags::void_pending_transfer);
  void_wrong.pending_id = id(20);
  void_wrong.ledger = 0;
  void_wrong.code = 0;
  EXPECT_EQ(submit_one(void_wrong), R::pending_transfer_has_different_amount);
  Transfer void_it = void_wrong;
  void_it.amount = 0;
  EXPECT_EQ(submit_one(void_it), R::ok);
  EXPECT_EQ(account(1).debits_pending, 0);
  EXPECT_EQ(balance(1), 500);
  Transfer post_voided = post;
  post_voided.amount = 0;
  post_voided.id = id(22);
  post_voided.pending_id = id(20);
  EXPECT_EQ(submit_one(post_voided), R::pending_transfer_already_voided);
  Transfer not_pending = post;
  not_pending.id = id(23);
  not_pending.pending_id = id(1);
  EXPECT_EQ(submit_one(not_pending), R::pending_transfer_not_pending);
  not_pending.pending_id = id(999);
  EXPECT_EQ(submit_one(not_pending), R::pending_transfer_not_found);
  // Reserve and post in the same batch.
  Transfer post_same_batch = post;
  post_same_batch.id = id(31);
  post_same_batch.pending_id = id(30);
  post_same_batch.amount = 0;
  EXPECT_EQ(submit({transfer(30, 1, 2, 50, transfer_flags::pending), post_same_batch}), (std::vector<R>{R::ok, R::ok}));
  EXPECT_EQ(balance(1), 450);
  expect_check_passes();
}

TEST_P(LedgerTest, ExpiredPendingTransfersAreVoidedByTime) {
  open_accounts({{1, kNoOverdraft}, {2, 0}, {3, 0}});
  ASSERT_EQ(submit_one(transfer(1, 3, 1, 1000)), R::ok);
  Transfer hold = transfer(10, 1, 2, 800, transfer_flags::pending);
  hold.timeout = 60;
  ASSERT_EQ(submit_one(hold), R::ok);
  EXPECT_EQ(ledger_->expire_pending(), 0);  // not yet
  now_ms_ += 61'000;
  Transfer post = transfer(11, 0, 0, 0, transfer_flags::post_pending_transfer);
  post.pending_id = id(10);
  post.ledger = 0;
  post.code = 0;
  EXPECT_EQ(submit_one(post), R::pending_transfer_expired);
  EXPECT_EQ(ledger_->expire_pending(), 1);
  EXPECT_EQ(ledger_->pending_status(id(10)), PendingStatus::expired);
  EXPECT_EQ(account(1).debits_pending, 0);
  EXPECT_EQ(account(2).credits_pending, 0);
  EXPECT_EQ(ledger_->expire_pending(), 0);
  EXPECT_EQ(submit_one(post), R::pending_transfer_expired);
  EXPECT_EQ(submit_one(transfer(12, 1, 2, 1000)), R::ok);  // the money is free again
  expect_check_passes();
}

TEST_P(LedgerTest, AccountsAreCreatedOnceAndClosedOnlyWhenSettled) {
  Account a;
  a.id = id(1);
  a.ledger = kEgp;
  a.code = 10;
  a.owner_party_id = "party-1";
  Account b = a;
  b.id = id(2);
  b.owner_party_id.reset();
  Account unknown = a;
  unknown.id = id(3);
  unknown.ledger = 999;
  Account both = a;
  both.id = id(4);
  both.flags = account_flags::debits_must_not_exceed_credits | account_flags::credits_must_not_exceed_debits;
  auto results = ledger_->create_accounts(std::vector<Account>{a, b, unknown, both});
  ASSERT_TRUE(results.ok());
  EXPECT_EQ(*results, (std::vector<A>{A::ok, A::ok, A::ledger_unknown, A::flags_are_mutually_exclusive}));
  Account different = a;
  different.code = 11;
  Account other_owner = a;
  other_owner.owner_party_id = "party-2";
  results = ledger_->create_accounts(std::vector<Account>{a, different, other_owner});
  EXPECT_EQ(*results, (std::vector<A>{A::exists, A::exists_with_different_code, A::exists_with_different_owner}));
  ASSERT_EQ(ledger_->accounts_of_owner("party-1").size(), 1u);

  ASSERT_EQ(submit_one(transfer(10, 1, 2, 5, transfer_flags::pending)), R::ok);
  auto closed = ledger_->close_account(id(1));
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.error().code, "account_has_pending_transfers");
  Transfer void_it = transfer(11, 0, 0, 0, transfer_flags::void_pending_transfer);
  void_it.pending_id = id(10);
  void_it.ledger = 0;
  void_it.code = 0;
  ASSERT_EQ(submit_one(void_it), R::ok);
  closed = ledger_->close_account(id(1));
  ASSERT_TRUE(closed.ok());
  EXPECT_TRUE(closed->flags & account_flags::closed);
  EXPECT_EQ(submit_one(transfer(12, 1, 2, 5)), R::debit_account_already_closed);
  EXPECT_EQ(submit_one(transfer(13, 2, 1, 5)), R::credit_account_already_closed);
  EXPECT_EQ(ledger_->close_account(id(77)).error().code, "account_not_found");
  // Still "exists" for a retry of its creation.
  EXPECT_EQ(ledger_->create_accounts(std::vector<Account>{a})->at(0), A::exists);
}

TEST_P(LedgerTest, LinkedAccountChainFailsWhole) {
  Account a;
  a.id = id(1);
  a.ledger = kEgp;
  a.code = 10;
  a.flags = account_flags::linked;
  Account b = a;
  b.id = id(2);
  b.flags = 0;
  b.code = 0;
  auto results = ledger_->create_accounts(std::vector<Account>{a, b});
  EXPECT_EQ(*results, (std::vector<A>{A::linked_event_failed, A::code_must_not_be_zero}));
  const Id ids[] = {id(1)};
  EXPECT_TRUE(ledger_->lookup_accounts(ids).empty());
}

TEST_P(LedgerTest, AccountTransfersPageThroughATimeRange) {
  open_accounts({{1, 0}, {2, 0}, {3, 0}});
  std::vector<Transfer> batch;
  for (std::uint64_t n = 1; n <= 25; ++n) batch.push_back(transfer(n, n % 2 ? 1 : 2, n % 2 ? 2 : 3, 10));
  ASSERT_EQ(submit(batch), std::vector<R>(25, R::ok));
  TransferQuery query;
  query.account_id = id(2);
  query.limit = 10;
  std::vector<Id> seen;
  for (int page = 0; page < 5; ++page) {
    auto result = ledger_->account_transfers(query);
    ASSERT_TRUE(result.ok());
    for (const auto& t : result->transfers) seen.push_back(t.id);
    if (!result->next_cursor) break;
    query.cursor = result->next_cursor;
  }
  ASSERT_EQ(seen.size(), 25u);  // account 2 is in every transfer
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], id(i + 1));
  query.cursor.reset();
  query.credits = false;  // only where account 2 pays
  auto debits = ledger_->account_transfers(query);
  ASSERT_TRUE(debits.ok());
  EXPECT_EQ(debits->transfers.size(), 10u);
  EXPECT_EQ(debits->transfers[0].id, id(2));
  query.cursor = "garbage";
  EXPECT_EQ(ledger_->account_transfers(query).error().code, "invalid_cursor");
}

TEST_P(LedgerTest, HistoryAccountsKeepEveryBalance) {
  open_accounts({{1, account_flags::history}, {2, 0}});
  ASSERT_EQ(submit({transfer(1, 2, 1, 100), transfer(2, 1, 2, 30), transfer(3, 1, 2, 5, transfer_flags::pending)}),
            (std::vector<R>{R::ok, R::ok, R::ok}));
  const auto balances = ledger_->account_balances(id(1), 0, INT64_MAX, 100);
  ASSERT_EQ(balances.size(), 3u);
  EXPECT_EQ(balances[0].credits_posted, 100);
  EXPECT_EQ(balances[1].debits_posted, 30);
  EXPECT_EQ(balances[2].debits_pending, 5);
  EXPECT_TRUE(ledger_->account_balances(id(2), 0, INT64_MAX, 100).empty());
}

TEST_P(LedgerTest, CheckNamesAnAlteredBalance) {
  open_accounts({{1, 0}, {2, 0}});
  ASSERT_EQ(submit_one(transfer(1, 1, 2, 100)), R::ok);
  expect_check_passes();
  store_->run_write([&](store::Transaction& tx) {
    tx.execute("UPDATE ledger_accounts SET credits_posted = 150 WHERE id = ?", {id(2).to_bytes()});
    return true;
  });
  const CheckReport report = ledger_->check();
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.violations[0].find("account 2"), std::string::npos) << report.violations[0];
  bool ledger_named = false;
  for (const auto& v : report.violations) ledger_named |= v.find("ledger 818") != std::string::npos;
  EXPECT_TRUE(ledger_named);
}

TEST_P(LedgerTest, BatchesAreBoundedAndBigOnesApplyWhole) {
  open_accounts({{1, 0}, {2, 0}});
  std::vector<Transfer> batch;
  for (std::uint64_t n = 1; n <= kMaxBatch; ++n) batch.push_back(transfer(n, 1, 2, 1));
  EXPECT_EQ(submit(batch), std::vector<R>(kMaxBatch, R::ok));
  EXPECT_EQ(account(2).credits_posted, static_cast<std::int64_t>(kMaxBatch));
  batch.push_back(transfer(kMaxBatch + 1, 1, 2, 1));
  auto refused = ledger_->create_transfers(batch, std::nullopt);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "batch_too_large");
  expect_check_passes();
}

// Several writers on their own connections (as several baridd instances would be) hammer a few
// accounts that must not go negative: nothing is lost, nothing is spent twice.
TEST_P(LedgerTest, ConcurrentWritersNeverOverdrawOrLoseUpdates) {
  open_accounts({{1, kNoOverdraft}, {2, kNoOverdraft}, {3, kNoOverdraft}, {9, 0}});
  ASSERT_EQ(submit({transfer(1, 9, 1, 1000), transfer(2, 9, 2, 1000), transfer(3, 9, 3, 1000)}),
            (std::vector<R>{R::ok, R::ok, R::ok}));
  constexpr int kWriters = 4;
  constexpr int kBatches = 25;
  std::atomic<std::int64_t> moved_out_of_9{0};
  std::atomic<int> ok_count{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      auto own_store = database_->open();
      LedgerService own(*own_store);
      std::mt19937_64 random(static_cast<std::uint64_t>(w));
      for (int b = 0; b < kBatches; ++b) {
        std::vector<Transfer> batch;
        for (int i = 0; i < 20; ++i) {
          const std::uint64_t n = 1'000'000 + static_cast<std::uint64_t>((w * kBatches + b) * 20 + i);
          const std::uint64_t from = 1 + random() % 3;
          std::uint64_t to = 1 + random() % 3;
          if (to == from) to = 9;
          batch.push_back(transfer(n, from, to, static_cast<std::int64_t>(1 + random() % 40)));
        }
        auto results = own.create_transfers(batch, std::nullopt);
        ASSERT_TRUE(results.ok());
        for (std::size_t i = 0; i < batch.size(); ++i) {
          if ((*results)[i] == R::ok) {
            ++ok_count;
            if (batch[i].credit_account_id == id(9)) moved_out_of_9 -= batch[i].amount;
          } else {
            EXPECT_EQ((*results)[i], R::exceeds_credits);
          }
        }
      }
    });
  }
  for (auto& writer : writers) writer.join();
  EXPECT_GT(ok_count.load(), 0);
  std::int64_t customer_total = 0;
  for (std::uint64_t n : {1, 2, 3}) {
    EXPECT_GE(balance(n), 0);
    customer_total += balance(n);
  }
  EXPECT_EQ(customer_total, 3000 + moved_out_of_9.load());
  EXPECT_EQ(balance(9), -customer_total);
  expect_check_passes();
}

INSTANTIATE_TEST_SUITE_P(Backends, LedgerTest, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace barid::ledger
