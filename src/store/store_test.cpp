// The store's contract, checked against both real backends. Each test gets a fresh database.
#include <barid/store/store.hpp>
#include <barid/store/testing.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace barid::store {
namespace {

using testing::TestDatabase;

const Migration counters_table{1, "counters", "CREATE TABLE counters (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)"};

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<TestDatabase>(GetParam());
    store_ = database_->open();
  }

  bool is_sqlite() const { return GetParam() == "sqlite"; }

  void create_counter(Store& store, std::int64_t id = 1) {
    const Migration migrations[] = {counters_table};
    ASSERT_TRUE(store.migrate(migrations).ok());
    store.run_write([&](Transaction& tx) {
      tx.execute("INSERT INTO counters (id, n) VALUES (?, 0)", {id});
      return true;
    });
  }

  std::int64_t counter(Store& store, std::int64_t id = 1) {
    return store.read<std::int64_t>(
        [&](Transaction& tx) { return tx.query_one("SELECT n FROM counters WHERE id = ?", {id})->int64(0); });
  }

  std::int64_t count_rows(const std::string& table) {
    return store_->read<std::int64_t>(
        [&](Transaction& tx) { return tx.query_one("SELECT COUNT(*) FROM " + table)->int64(0); });
  }

  void create_items_table() {
    const Migration migrations[] = {{1, "items",
                                     "CREATE TABLE items (id ${id}, name TEXT NOT NULL UNIQUE, score DOUBLE PRECISION,"
                                     " data ${blob}, note TEXT)"}};
    ASSERT_TRUE(store_->migrate(migrations).ok());
  }

  std::unique_ptr<TestDatabase> database_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, ReportsItsDialect) {
  EXPECT_EQ(store_->dialect(), is_sqlite() ? Dialect::sqlite : Dialect::postgresql);
  EXPECT_TRUE(store_->ping());
}

TEST_P(StoreTest, RoundTripsEveryValueType) {
  create_items_table();
  const Blob bytes{0x00, 0xff, 0x10, 0x00, 0x7f};
  store_->run_write([&](Transaction& tx) {
    tx.execute("INSERT INTO items (name, score, data, note) VALUES (?, ?, ?, ?)",
               {std::string("سلام – ✉"), 3.25, bytes, nullptr});
    return true;
  });
  const Row row = *store_->read<std::optional<Row>>([](Transaction& tx) {
    return tx.query_one("SELECT id, name, score, data, note, CAST(? AS BIGINT) FROM items",
                        {std::int64_t{-9007199254740993}});
  });
  EXPECT_EQ(row.int64(0), 1);
  EXPECT_EQ(row.text(1), "سلام – ✉");
  EXPECT_DOUBLE_EQ(row.real(2), 3.25);
  EXPECT_EQ(row.blob(3), bytes);
  EXPECT_TRUE(row.is_null(4));
  EXPECT_EQ(row.optional_text(4), std::nullopt);
  EXPECT_EQ(row.int64(5), -9007199254740993);
  EXPECT_TRUE(std::holds_alternative<std::int64_t>(row.value(0)));
  EXPECT_TRUE(std::holds_alternative<std::string>(row.value(1)));
  EXPECT_TRUE(std::holds_alternative<double>(row.value(2)));
  EXPECT_TRUE(std::holds_alternative<Blob>(row.value(3)));
}

TEST_P(StoreTest, BlobWithZeroBytesRoundTrips) {
  create_items_table();
  Blob all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<std::uint8_t>(b));
  all_bytes.push_back(0);
  store_->run_write([&](Transaction& tx) {
    tx.execute("INSERT INTO items (name, data) VALUES ('all', ?)", {all_bytes});
    tx.execute("INSERT INTO items (name, data) VALUES ('empty', ?)", {Blob{}});
    return true;
  });
  store_->run_read([&](Transaction& tx) {
    EXPECT_EQ(tx.query_one("SELECT data FROM items WHERE name = 'all'")->blob(0), all_bytes);
    const Row empty = *tx.query_one("SELECT data FROM items WHERE name = 'empty'");
    EXPECT_FALSE(empty.is_null(0)) << "an empty blob is not NULL";
    EXPECT_EQ(empty.blob(0), Blob{});
    // Blobs compare by value in WHERE clauses on both backends.
    EXPECT_EQ(tx.query("SELECT name FROM items WHERE data = ?", {all_bytes}).size(), 1u);
  });
}

TEST_P(StoreTest, NullColumnThrowsWhereAValueIsRequired) {
  create_items_table();
  store_->run_write([&](Transaction& tx) {
    tx.execute("INSERT INTO items (name) VALUES ('bare')");
    return true;
  });
  store_->run_read([&](Transaction& tx) {
    const Row row = *tx.query_one("SELECT score, data, note FROM items");
    EXPECT_THROW(row.real(0), StoreError);
    EXPECT_THROW(row.blob(1), StoreError);
    EXPECT_THROW(row.text(2), StoreError);
  });
}

TEST_P(StoreTest, AggregatesReadAsExactIntegers) {
  create_counter(*store_);
  store_->run_write([&](Transaction& tx) {
    tx.execute("UPDATE counters SET n = ?", {std::int64_t{4'000'000'000'000'000'001}});
    tx.execute("INSERT INTO counters (id, n) VALUES (2, 2)");
    return true;
  });
  // PostgreSQL answers SUM(BIGINT) as NUMERIC; it must not be rounded through a double.
  const auto sum =
      store_->read<std::int64_t>([](Transaction& tx) { return tx.query_one("SELECT SUM(n) FROM counters")->int64(0); });
  EXPECT_EQ(sum, 4'000'000'000'000'000'003);
}

TEST_P(StoreTest, ExecuteReturnsChangedRowCount) {
  create_counter(*store_, 1);
  create_counter(*store_, 2);
  store_->run_write([&](Transaction& tx) {
    EXPECT_EQ(tx.execute("UPDATE counters SET n = n + 1"), 2);
    EXPECT_EQ(tx.execute("UPDATE counters SET n = n + 1 WHERE id = ?", {std::int64_t{2}}), 1);
    EXPECT_EQ(tx.execute("DELETE FROM counters WHERE id = 99"), 0);
    EXPECT_EQ(tx.execute("CREATE TABLE unrelated (x BIGINT)"), 0);
    return true;
  });
}

TEST_P(StoreTest, CommitsWhenWorkReturnsTrue) {
  create_counter(*store_);
  store_->run_write([](Transaction& tx) {
    tx.execute("UPDATE counters SET n = 5");
    return true;
  });
  EXPECT_EQ(counter(*store_), 5);
  // Visible to a second store on the same database: it is really committed, not cached.
  EXPECT_EQ(counter(*database_->open()), 5);
}

TEST_P(StoreTest, RollsBackWhenWorkReturnsFalse) {
  create_counter(*store_);
  store_->run_write([](Transaction& tx) {
    tx.execute("UPDATE counters SET n = 5");
    return false;
  });
  EXPECT_EQ(counter(*store_), 0);
}

TEST_P(StoreTest, RollsBackAndRethrowsOnException) {
  create_counter(*store_);
  EXPECT_THROW(store_->run_write([](Transaction& tx) -> bool {
    tx.execute("UPDATE counters SET n = 5");
    throw std::runtime_error("domain failure");
  }),
               std::runtime_error);
  EXPECT_EQ(counter(*store_), 0);
  // The store is still usable afterwards.
  store_->run_write([](Transaction& tx) { return tx.execute("UPDATE counters SET n = 6") == 1; });
  EXPECT_EQ(counter(*store_), 6);
}

TEST_P(StoreTest, WriteHelperCommitsOnlyOkResults) {
  create_counter(*store_);
  const Result<int> refused = store_->write<int>([](Transaction& tx) -> Result<int> {
    tx.execute("UPDATE counters SET n = 7");
    return conflict("not_now", "refused");
  });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "not_now");
  EXPECT_EQ(counter(*store_), 0);
  const Result<int> accepted = store_->write<int>(
      [](Transaction& tx) -> Result<int> { return static_cast<int>(tx.execute("UPDATE counters SET n = 7")); });
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(*accepted, 1);
  EXPECT_EQ(counter(*store_), 7);
}

TEST_P(StoreTest, UniqueViolationIsReported) {
  create_items_table();
  store_->run_write([](Transaction& tx) { return tx.execute("INSERT INTO items (name) VALUES ('a')") == 1; });
  try {
    store_->run_write([](Transaction& tx) { return tx.execute("INSERT INTO items (name) VALUES ('a')") == 1; });
    FAIL() << "a duplicate must be refused";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.kind(), StoreError::Kind::unique_violation) << error.what();
  }
  EXPECT_EQ(count_rows("items"), 1);
}

TEST_P(StoreTest, ForeignKeyViolationIsReported) {
  const Migration migrations[] = {
      {1, "parents", "CREATE TABLE parents (id BIGINT PRIMARY KEY)"},
      {2, "children",
       "CREATE TABLE children (id BIGINT PRIMARY KEY, parent_id BIGINT NOT NULL REFERENCES parents (id))"}};
  ASSERT_TRUE(store_->migrate(migrations).ok());
  try {
    store_->run_write([](Transaction& tx) { return tx.execute("INSERT INTO children VALUES (1, 42)") == 1; });
    FAIL() << "a dangling reference must be refused";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.kind(), StoreError::Kind::foreign_key_violation) << error.what();
  }
}

TEST_P(StoreTest, CommitAfterSwallowedStatementErrorIsRefusedOrConsistent) {
  // On PostgreSQL a failed statement aborts the transaction; committing then must not look like
  // success. On SQLite the transaction carries on and the earlier statements commit.
  create_items_table();
  auto work = [](Transaction& tx) {
    tx.execute("INSERT INTO items (name) VALUES ('first')");
    try {
      tx.execute("INSERT INTO items (name) VALUES ('first')");
    } catch (const StoreError&) {
    }
    return true;
  };
  if (is_sqlite()) {
    store_->run_write(work);
    EXPECT_EQ(count_rows("items"), 1);
  } else {
    EXPECT_THROW(store_->run_write(work), StoreError);
    EXPECT_EQ(count_rows("items"), 0);
  }
}

TEST_P(StoreTest, MigrationsApplyOnceAndRecordVersions) {
  EXPECT_TRUE(store_->applied_migrations().empty());
  const std::vector<Migration> migrations = {
      {2, "second", "INSERT INTO counters (id, n) VALUES (1, 10)"},
      {1, "first",
       "CREATE TABLE counters (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);\n"
       "CREATE INDEX counters_by_n ON counters (n);"},
  };
  const auto first = store_->migrate(migrations);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->applied, (std::vector<int>{1, 2}));
  EXPECT_EQ(first->current_version, 2);
  EXPECT_EQ(store_->applied_migrations(), (std::vector<int>{1, 2}));
  EXPECT_EQ(counter(*store_), 10);

  const auto again = database_->open()->migrate(migrations);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->current_version, 2);
  EXPECT_EQ(counter(*store_), 10) << "the data migration must not run twice";

  const auto recorded = store_->read<std::vector<Row>>([](Transaction& tx) {
    return tx.query("SELECT version, name, applied_at_ms FROM schema_migrations ORDER BY version");
  });
  ASSERT_EQ(recorded.size(), 2u);
  EXPECT_EQ(recorded[0].text(1), "first");
  EXPECT_GT(recorded[1].int64(2), 1'600'000'000'000);
}

TEST_P(StoreTest, MigrationsSubstituteIdAndBlobTokens) {
  const Migration migrations[] = {{1, "tokens", "CREATE TABLE things (id ${id}, data ${blob} NOT NULL)"}};
  ASSERT_TRUE(store_->migrate(migrations).ok());
  store_->run_write([](Transaction& tx) {
    tx.execute("INSERT INTO things (data) VALUES (?)", {Blob{1}});
    tx.execute("INSERT INTO things (data) VALUES (?)", {Blob{2}});
    return true;
  });
  const auto ids =
      store_->read<std::vector<Row>>([](Transaction& tx) { return tx.query("SELECT id FROM things ORDER BY id"); });
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0].int64(0), 1);
  EXPECT_EQ(ids[1].int64(0), 2);
}

TEST_P(StoreTest, PostgresqlSpecificMigrationTextReplacesPortableOne) {
  const Migration migrations[] = {{1, "dialect",
                                   "CREATE TABLE which (name TEXT); INSERT INTO which VALUES ('portable')",
                                   "CREATE TABLE which (name TEXT); INSERT INTO which VALUES ('postgresql')"}};
  ASSERT_TRUE(store_->migrate(migrations).ok());
  const auto name =
      store_->read<std::string>([](Transaction& tx) { return tx.query_one("SELECT name FROM which")->text(0); });
  EXPECT_EQ(name, is_sqlite() ? "portable" : "postgresql");
}

TEST_P(StoreTest, FailedMigrationIsReportedAndNotRecorded) {
  const Migration migrations[] = {{1, "good", "CREATE TABLE good (x BIGINT)"},
                                  {2, "bad", "CREATE TABLE bad (x BIGINT); THIS IS NOT SQL"}};
  const auto report = store_->migrate(migrations);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, "migration_failed");
  EXPECT_NE(report.error().message.find("migration 2 (bad)"), std::string::npos) << report.error().message;
  EXPECT_EQ(store_->applied_migrations(), std::vector<int>{1});
  // The failed migration's first statement was rolled back with it.
  EXPECT_THROW(count_rows("bad"), StoreError);
}

TEST_P(StoreTest, RefusesDatabaseNewerThanBinary) {
  const std::vector<Migration> newer = {counters_table, {2, "newer", "CREATE TABLE newer (x BIGINT)"}};
  ASSERT_TRUE(store_->migrate(newer).ok());
  const Migration older[] = {counters_table};
  const auto refused = database_->open()->migrate(older);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::unavailable);
  EXPECT_EQ(refused.error().code, "database_newer_than_binary");
  EXPECT_EQ(refused.error().message,
            "database schema version 2 is newer than this binary (knows up to 1): upgrade baridd");
}

TEST_P(StoreTest, ConcurrentMigrationsApplyEachVersionOnce) {
  const std::vector<Migration> migrations = {counters_table,
                                             {2, "seed", "INSERT INTO counters (id, n) VALUES (1, 0)"},
                                             {3, "bump", "UPDATE counters SET n = n + 1"}};
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < 3; ++i) stores.push_back(database_->open());
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (auto& store : stores) {
    threads.emplace_back([&] {
      if (!store->migrate(migrations).ok()) ++failures;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(store_->applied_migrations(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(counter(*store_), 1);
}

TEST_P(StoreTest, ConcurrentIncrementsLoseNoUpdate) {
  create_counter(*store_);
  constexpr int threads_per_store = 4;
  constexpr int increments_per_thread = 25;
  auto second_store = database_->open();
  std::vector<std::thread> threads;
  for (Store* store : {store_.get(), second_store.get()}) {
    for (int t = 0; t < threads_per_store; ++t) {
      threads.emplace_back([store] {
        for (int i = 0; i < increments_per_thread; ++i) {
          store->run_write([](Transaction& tx) {
            const std::int64_t n = tx.query_one("SELECT n FROM counters WHERE id = 1 FOR UPDATE")->int64(0);
            return tx.execute("UPDATE counters SET n = ? WHERE id = 1", {n + 1}) == 1;
          });
        }
      });
    }
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(counter(*store_), 2 * threads_per_store * increments_per_thread);
}

TEST_P(StoreTest, ForUpdateQueriesRunOnBothBackends) {
  create_counter(*store_);
  store_->run_write([](Transaction& tx) {
    EXPECT_EQ(tx.query_one("SELECT n FROM counters WHERE id = ? FOR UPDATE", {std::int64_t{1}})->int64(0), 0);
    EXPECT_EQ(tx.query("SELECT n FROM counters for update;").size(), 1u);
    return true;
  });
}

TEST_P(StoreTest, QuestionMarkInsideStringLiteralIsNotAPlaceholder) {
  create_items_table();
  store_->run_write([](Transaction& tx) {
    tx.execute("INSERT INTO items (name, note) VALUES (?, 'why? because')", {std::string("q")});
    return true;
  });
  const auto note = store_->read<std::string>([](Transaction& tx) {
    return tx.query_one("SELECT note FROM items WHERE name = ? AND note <> 'is it?'", {std::string("q")})->text(0);
  });
  EXPECT_EQ(note, "why? because");
}

TEST_P(StoreTest, ReadTransactionSeesOneSnapshot) {
  create_counter(*store_);
  store_->run_read([&](Transaction& tx) {
    EXPECT_EQ(tx.query_one("SELECT n FROM counters")->int64(0), 0);
    store_->run_write([](Transaction& write) { return write.execute("UPDATE counters SET n = 1") == 1; });
    EXPECT_EQ(tx.query_one("SELECT n FROM counters")->int64(0), 0) << "a read sees the snapshot it started with";
  });
  EXPECT_EQ(counter(*store_), 1);
}

TEST_P(StoreTest, ReadTransactionRefusesWrites) {
  create_counter(*store_);
  EXPECT_THROW(store_->run_read([](Transaction& tx) { tx.execute("UPDATE counters SET n = 9"); }), StoreError);
  EXPECT_EQ(counter(*store_), 0);
}

TEST_P(StoreTest, DurabilitySettingsAreOn) {
  auto check = [&](Transaction& tx) {
    if (is_sqlite()) {
      EXPECT_EQ(tx.query_one("PRAGMA journal_mode")->text(0), "wal");
      EXPECT_EQ(tx.query_one("PRAGMA synchronous")->int64(0), 2) << "2 is FULL";
      EXPECT_EQ(tx.query_one("PRAGMA foreign_keys")->int64(0), 1);
      EXPECT_GT(tx.query_one("PRAGMA busy_timeout")->int64(0), 0);
    } else {
      EXPECT_EQ(tx.query_one("SHOW synchronous_commit")->text(0), "on");
      EXPECT_EQ(tx.query_one("SHOW fsync")->text(0), "on");
      EXPECT_EQ(tx.query_one("SHOW application_name")->text(0), "baridd");
      EXPECT_EQ(tx.query_one("SHOW transaction_isolation")->text(0), "read committed");
    }
  };
  store_->run_write([&](Transaction& tx) {
    check(tx);
    return true;
  });
  store_->run_read([&](Transaction& tx) {
    if (is_sqlite()) {
      EXPECT_EQ(tx.query_one("PRAGMA synchronous")->int64(0), 2);
    } else {
      EXPECT_EQ(tx.query_one("SHOW synchronous_commit")->text(0), "on");
      EXPECT_EQ(tx.query_one("SHOW transaction_isolation")->text(0), "repeatable read");
    }
  });
}

TEST_P(StoreTest, StatsCountTransactions) {
  create_counter(*store_);
  const StoreStats before = store_->stats();
  store_->run_write([](Transaction&) { return true; });
  store_->run_write([](Transaction&) { return false; });
  EXPECT_THROW(store_->run_write([](Transaction&) -> bool { throw std::runtime_error("x"); }), std::runtime_error);
  store_->run_read([](Transaction&) {});
  const StoreStats after = store_->stats();
  EXPECT_EQ(after.transactions_committed - before.transactions_committed, 1u);
  EXPECT_EQ(after.transactions_rolled_back - before.transactions_rolled_back, 2u);
  EXPECT_EQ(after.read_transactions - before.read_transactions, 1u);
  EXPECT_EQ(after.acquisitions - before.acquisitions, 4u);
  EXPECT_EQ(after.transaction_retries, 0u);
  EXPECT_EQ(after.connections_in_use, 0);
  EXPECT_GE(after.connections_total, 1);
  store_->run_write([&](Transaction&) {
    EXPECT_EQ(store_->stats().connections_in_use, 1);
    return true;
  });
}

TEST_P(StoreTest, DescribeNamesTheDatabaseWithoutPassword) {
  const std::string description = store_->describe();
  if (is_sqlite()) {
    EXPECT_EQ(description, database_->url());
    return;
  }
  EXPECT_TRUE(description.starts_with("postgresql://127.0.0.1:")) << description;
  // The test cluster trusts local connections, so a password in the URL is accepted and ignored.
  std::string with_password = database_->url();
  with_password.replace(with_password.find('@'), 1, ":s3cret-pw@");
  auto store = Store::open(with_password);
  EXPECT_TRUE(store->ping());
  EXPECT_EQ(store->describe().find("s3cret"), std::string::npos) << store->describe();
  EXPECT_EQ(store->describe(), description);
}

TEST_P(StoreTest, ConflictingLockOrderStillCommitsBoth) {
  // Two writers lock rows 1 and 2 in opposite orders. PostgreSQL detects the deadlock and aborts one,
  // which the store retries; SQLite's single writer never lets them interleave.
  create_counter(*store_, 1);
  create_counter(*store_, 2);
  std::barrier both_hold_first_lock(2);
  std::atomic<int> attempts = 0;
  auto writer = [&](std::int64_t first, std::int64_t second) {
    store_->run_write([&](Transaction& tx) {
      const bool first_attempt = attempts.fetch_add(1) < 2;
      tx.execute("UPDATE counters SET n = n + 1 WHERE id = ?", {first});
      if (first_attempt && !is_sqlite()) both_hold_first_lock.arrive_and_wait();
      tx.execute("UPDATE counters SET n = n + 1 WHERE id = ?", {second});
      return true;
    });
  };
  std::thread a(writer, 1, 2);
  std::thread b(writer, 2, 1);
  a.join();
  b.join();
  EXPECT_EQ(counter(*store_, 1), 2);
  EXPECT_EQ(counter(*store_, 2), 2);
  if (is_sqlite()) {
    EXPECT_EQ(store_->stats().transaction_retries, 0u);
  } else {
    EXPECT_EQ(store_->stats().transaction_retries, 1u);
    EXPECT_EQ(attempts, 3);
  }
}

TEST_P(StoreTest, PoolWaitsForAFreeConnection) {
  StoreOptions options;
  options.reader_connections = 1;
  auto store = database_->open(options);
  std::atomic<bool> first_holds = false;
  std::thread holder([&] {
    store->run_read([&](Transaction& tx) {
      tx.query("SELECT 1");
      first_holds = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    });
  });
  while (!first_holds) std::this_thread::yield();
  store->run_read([](Transaction& tx) { EXPECT_EQ(tx.query_one("SELECT 1")->int64(0), 1); });
  holder.join();
  EXPECT_GE(store->stats().acquisition_waits, 1u);
}

INSTANTIATE_TEST_SUITE_P(StoreBackends, StoreTest, ::testing::ValuesIn(testing::backends()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(StoreOpenTest, UnknownSchemeIsRejectedWithoutEchoingTheUrl) {
  try {
    Store::open("mysql://root:hunter2@db/barid");
    FAIL() << "mysql is not a backend";
  } catch (const std::invalid_argument& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("'mysql'"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  }
}

TEST(StoreOpenTest, SqliteInMissingDirectoryIsUnavailable) {
  try {
    Store::open("sqlite:/nonexistent-barid-dir/x/barid.db");
    FAIL() << "the directory does not exist";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.kind(), StoreError::Kind::unavailable);
  }
}

TEST(StoreOpenTest, UnreachablePostgresqlIsUnavailable) {
  // Port 1 on localhost: nothing listens there, so the connection is refused at once.
  try {
    Store::open("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2");
    FAIL() << "nothing listens on port 1";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.kind(), StoreError::Kind::unavailable);
  }
}

TEST(StoreSqliteOnlyTest, NestedWriteOnSameThreadIsALogicError) {
  TestDatabase database("sqlite");
  auto store = database.open();
  bool inner_ran = false;
  EXPECT_THROW(store->run_write([&](Transaction&) {
    store->run_write([&](Transaction&) { return inner_ran = true; });
    return true;
  }),
               std::logic_error);
  EXPECT_FALSE(inner_ran);
  // The writer was released: the next write goes through.
  store->run_write([](Transaction&) { return true; });
}

TEST(StoreSqliteOnlyTest, CreatesTheDatabaseFileInAnExistingDirectory) {
  const std::string dir = testing::temp_dir();
  const std::string path = dir + "/fresh.db";
  {
    auto store = Store::open("sqlite:" + path);
    EXPECT_EQ(store->describe(), "sqlite:" + path);
  }
  EXPECT_TRUE(std::filesystem::exists(path));
  std::filesystem::remove_all(dir);
}

class StorePostgresqlOnlyTest : public ::testing::Test {
 protected:
  TestDatabase database_{"postgresql"};
};

// Raises the SQLSTATE a real conflict would, without needing to stage one.
void raise_sqlstate(Transaction& tx, const std::string& sqlstate) {
  tx.execute("DO $$ BEGIN RAISE EXCEPTION 'simulated conflict' USING ERRCODE = '" + sqlstate + "'; END $$");
}

TEST_F(StorePostgresqlOnlyTest, RetriesSerializationFailure) {
  auto store = database_.open();
  int attempts = 0;
  store->run_write([&](Transaction& tx) {
    if (++attempts == 1) raise_sqlstate(tx, "40001");
    return true;
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(store->stats().transaction_retries, 1u);
  EXPECT_EQ(store->stats().transactions_committed, 1u);
}

TEST_F(StorePostgresqlOnlyTest, RetriesDeadlockEvenWhenWorkSwallowsTheError) {
  auto store = database_.open();
  int attempts = 0;
  store->run_write([&](Transaction& tx) {
    if (++attempts == 1) {
      try {
        raise_sqlstate(tx, "40P01");
      } catch (const StoreError& error) {
        EXPECT_EQ(error.kind(), StoreError::Kind::serialization_failure);
      }
    }
    return true;
  });
  EXPECT_EQ(attempts, 2);
}

TEST_F(StorePostgresqlOnlyTest, GivesUpAfterMaxTransactionRetries) {
  StoreOptions options;
  options.max_transaction_retries = 3;
  auto store = database_.open(options);
  int attempts = 0;
  try {
    store->run_write([&](Transaction& tx) {
      ++attempts;
      raise_sqlstate(tx, "40001");
      return true;
    });
    FAIL() << "a transaction that always conflicts must eventually fail";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.kind(), StoreError::Kind::serialization_failure);
  }
  EXPECT_EQ(attempts, 4);
  EXPECT_EQ(store->stats().transaction_retries, 3u);
}

TEST_F(StorePostgresqlOnlyTest, RetriesRealSerializableWriteSkew) {
  auto store = database_.open();
  const Migration migrations[] = {
      {1, "doctors", "CREATE TABLE on_call (name TEXT PRIMARY KEY, on_duty BIGINT NOT NULL)"}};
  ASSERT_TRUE(store->migrate(migrations).ok());
  store->run_write([](Transaction& tx) {
    tx.execute("INSERT INTO on_call VALUES ('a', 1), ('b', 1)");
    return true;
  });
  // Classic write skew: each takes a different doctor off duty if someone else stays on. Under
  // SERIALIZABLE one transaction fails with 40001; its retry sees the other's commit and stops.
  std::barrier both_read(2);
  std::atomic<int> attempts = 0;
  auto go_off_duty = [&](const std::string& name) {
    store->run_write([&](Transaction& tx) {
      const bool first_attempt = attempts.fetch_add(1) < 2;
      tx.execute("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE");
      const auto on_duty = tx.query_one("SELECT COUNT(*) FROM on_call WHERE on_duty = 1")->int64(0);
      if (first_attempt) both_read.arrive_and_wait();
      if (on_duty < 2) return false;
      tx.execute("UPDATE on_call SET on_duty = 0 WHERE name = ?", {name});
      return true;
    });
  };
  std::thread a(go_off_duty, "a");
  std::thread b(go_off_duty, "b");
  a.join();
  b.join();
  const auto still_on_duty = store->read<std::int64_t>(
      [](Transaction& tx) { return tx.query_one("SELECT COUNT(*) FROM on_call WHERE on_duty = 1")->int64(0); });
  EXPECT_EQ(still_on_duty, 1);
  EXPECT_GE(store->stats().transaction_retries, 1u);
}

TEST_F(StorePostgresqlOnlyTest, ReconnectsAfterServerDropsPooledConnections) {
  StoreOptions options;
  options.reader_connections = 2;
  auto store = database_.open(options);
  ASSERT_TRUE(store->ping());
  // Another session ends every baridd connection to this database, as a server restart would.
  auto admin = Store::open(database_.url());
  admin->run_write([](Transaction& tx) {
    tx.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()");
    return true;
  });
  const auto answer =
      store->read<std::int64_t>([](Transaction& tx) { return tx.query_one("SELECT 41 + 1")->int64(0); });
  EXPECT_EQ(answer, 42);
  EXPECT_TRUE(store->ping());
  // Session settings are restored on the new connection.
  store->run_write([](Transaction& tx) {
    EXPECT_EQ(tx.query_one("SHOW synchronous_commit")->text(0), "on");
    return true;
  });
}

}  // namespace
}  // namespace barid::store
