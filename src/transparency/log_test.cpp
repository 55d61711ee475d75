#include <barid/store/testing.hpp>
#include <barid/transparency/log.hpp>

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace barid::transparency {
namespace {

std::vector<std::uint8_t> bytes(const std::string& text) {
  return {text.begin(), text.end()};
}

class LogTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<store::testing::TestDatabase>(GetParam());
    store_ = database_->open();
    const auto migrations = TransparencyLog::migrations();
    ASSERT_TRUE(store_->migrate(migrations).ok());
    log_ = std::make_unique<TransparencyLog>(*store_);
  }
  std::int64_t append(const std::string& text) {
    std::int64_t index = -1;
    store_->run_write([&](store::Transaction& tx) {
      index = TransparencyLog::append(tx, "test.entry", bytes(text), 1'800'000'000'000);
      return true;
    });
    return index;
  }

  std::unique_ptr<store::testing::TestDatabase> database_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<TransparencyLog> log_;
};

TEST_P(LogTest, AppendsAreNumberedAndProofsVerifyAgainstTheRoot) {
  for (int i = 0; i < 13; ++i) EXPECT_EQ(append("entry " + std::to_string(i)), i);
  EXPECT_EQ(log_->size(), 13);
  for (std::int64_t size = 1; size <= 13; ++size) {
    const Hash root = *log_->root(size);
    for (std::int64_t index = 0; index < size; ++index) {
      const auto proof = log_->inclusion_proof(index, size);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(verify_inclusion(log_->entry(index)->leaf, static_cast<std::size_t>(index),
                                   static_cast<std::size_t>(size), *proof, root));
    }
    const auto consistency = log_->consistency_proof(size, 13);
    ASSERT_TRUE(consistency.ok());
    EXPECT_TRUE(verify_consistency(static_cast<std::size_t>(size), 13, root, *log_->root(13), *consistency));
  }
  EXPECT_EQ(log_->entry(4)->entry, bytes("entry 4"));
  EXPECT_EQ(log_->entry(99).error().code, "log_entry_not_found");
  EXPECT_EQ(log_->root(14).error().code, "tree_size_out_of_range");
  EXPECT_EQ(log_->inclusion_proof(13, 13).error().code, "index_out_of_range");
}

TEST_P(LogTest, RolledBackAppendLeavesNoGap) {
  append("first");
  store_->run_write([&](store::Transaction& tx) {
    TransparencyLog::append(tx, "test.entry", bytes("rolled back"), 0);
    return false;
  });
  EXPECT_EQ(append("second"), 1);
  EXPECT_EQ(log_->size(), 2);
  EXPECT_FALSE(log_->first_altered_entry().has_value());
}

TEST_P(LogTest, ConcurrentAppendersFromTwoStoresGetGaplessIndexes) {
  auto second_store = database_->open();
  std::vector<std::thread> threads;
  std::mutex mutex;
  std::set<std::int64_t> indexes;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      store::Store& store = t % 2 == 0 ? *store_ : *second_store;
      for (int i = 0; i < 15; ++i) {
        std::int64_t index = -1;
        store.run_write([&](store::Transaction& tx) {
          index = TransparencyLog::append(tx, "test.entry", bytes(std::to_string(t) + "/" + std::to_string(i)), 0);
          return true;
        });
        std::lock_guard lock(mutex);
        EXPECT_TRUE(indexes.insert(index).second) << "index handed out twice: " << index;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(indexes.size(), 90u);
  EXPECT_EQ(*indexes.begin(), 0);
  EXPECT_EQ(*indexes.rbegin(), 89);
  EXPECT_EQ(log_->size(), 90);
  EXPECT_FALSE(log_->first_altered_entry().has_value());
}

TEST_P(LogTest, NamesTheFirstAlteredEntry) {
  for (int i = 0; i < 6; ++i) append("entry " + std::to_string(i));
  const Hash root_before = *log_->root(6);
  // A changed byte in a stored entry.
  store_->run_write([](store::Transaction& tx) {
    tx.execute("UPDATE log_entries SET entry = ? WHERE leaf_index = 3",
               {store::Blob{'e', 'n', 't', 'r', 'y', ' ', '9'}});
    return true;
  });
  EXPECT_EQ(log_->first_altered_entry(), 3);
  // A changed stored hash of an earlier entry is found first.
  store_->run_write([](store::Transaction& tx) {
    tx.execute("UPDATE log_entries SET leaf_hash = ? WHERE leaf_index = 1", {store::Blob(32, 0)});
    return true;
  });
  EXPECT_EQ(log_->first_altered_entry(), 1);
  EXPECT_NE(*log_->root(6), root_before);
  // A deleted row.
  store_->run_write([](store::Transaction& tx) {
    tx.execute("DELETE FROM log_entries WHERE leaf_index = 0");
    return true;
  });
  EXPECT_EQ(log_->first_altered_entry(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, LogTest, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace barid::transparency
