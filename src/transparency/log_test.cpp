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

namespace barid::transparency {
namespace {

// Entries appended in chunks through append_all, as bulk sending does.
class TiledLogTest : public LogTest {
 protected:
  std::vector<Hash> append_many(std::int64_t count) {
    std::vector<Hash> leaves;
    std::vector<std::string> texts;
    for (std::int64_t i = 0; i < count; ++i) texts.push_back("bulk entry " + std::to_string(i));
    constexpr std::size_t kChunk = 5000;
    for (std::size_t start = 0; start < texts.size(); start += kChunk) {
      std::vector<NewEntry> entries;
      for (std::size_t i = start; i < std::min(texts.size(), start + kChunk); ++i) {
        entries.push_back(
            {"test.bulk", std::span(reinterpret_cast<const std::uint8_t*>(texts[i].data()), texts[i].size())});
        leaves.push_back(leaf_hash(texts[i]));
      }
      store_->run_write([&](store::Transaction& tx) {
        TransparencyLog::append_all(tx, entries, 1'800'000'000'000);
        return true;
      });
    }
    return leaves;
  }
  std::int64_t tiles(int level) {
    return store_->read<std::int64_t>([&](store::Transaction& tx) {
      return tx.query_one("SELECT COUNT(*) FROM log_tiles WHERE level = ?", {std::int64_t{level}})->int64(0);
    });
  }
};

TEST_P(TiledLogTest, SavedTilesGiveTheSameRootsAndProofsAsTheLeaves) {
  // Past one tile of level 16 (65,536 leaves), so every tile level below it is exercised.
  const auto leaves = append_many(65'536 + 777);
  EXPECT_EQ(tiles(8), (65'536 + 777) / 256);
  EXPECT_EQ(tiles(16), 1);
  for (const std::size_t size : {std::size_t{1}, std::size_t{255}, std::size_t{256}, std::size_t{257},
                                 std::size_t{65'535}, std::size_t{65'536}, leaves.size()}) {
    const auto prefix = std::span(leaves).first(size);
    EXPECT_EQ(*log_->root(static_cast<std::int64_t>(size)), root_hash(prefix)) << size;
    for (const std::size_t index : {std::size_t{0}, size / 2, size - 1}) {
      const auto proof = log_->inclusion_proof(static_cast<std::int64_t>(index), static_cast<std::int64_t>(size));
      ASSERT_TRUE(proof.ok());
      EXPECT_EQ(*proof, inclusion_proof(prefix, index)) << index << " of " << size;
    }
    const auto consistency =
        log_->consistency_proof(static_cast<std::int64_t>(size), static_cast<std::int64_t>(leaves.size()));
    ASSERT_TRUE(consistency.ok());
    EXPECT_EQ(*consistency, consistency_proof(leaves, size)) << size;
  }
  const auto verdict = log_->check();
  EXPECT_TRUE(verdict.ok()) << verdict.problem.value_or("");
  EXPECT_EQ(verdict.tiles_checked, tiles(8) + tiles(16));
}

TEST_P(TiledLogTest, SignedHeadsCoverTheLogAndAreOnlyMadeWhenItGrew) {
  const crypto::SigningKey key = crypto::new_signing_key();
  append_many(10);
  const auto first = log_->sign_head(key, 1'000);
  EXPECT_EQ(first.head.tree_size, 10);
  EXPECT_EQ(first.head.root, *log_->root(10));
  EXPECT_TRUE(verify_tree_head(key.public_key, first.head));
  // Nothing new: the same head comes back, with no new row.
  const auto again = log_->sign_head(key, 2'000);
  EXPECT_EQ(again.head.timestamp_ms, 1'000);
  append_many(3);
  const auto grown = log_->sign_head(key, 500);
  EXPECT_EQ(grown.head.tree_size, 13);
  EXPECT_EQ(grown.head.timestamp_ms, 1'000) << "a head's time never goes back";
  EXPECT_EQ(log_->latest_head()->head.tree_size, 13);
  EXPECT_TRUE(log_->check().ok());
}

TEST_P(TiledLogTest, CheckCatchesARewriteThatAlsoRecomputedTheHash) {
  const crypto::SigningKey key = crypto::new_signing_key();
  append_many(20);
  log_->sign_head(key, 1'000);
  append_many(20);
  log_->sign_head(key, 2'000);
  // Entry 25 rewritten with a matching leaf hash: only the signed head of size 40 can tell.
  const std::string forged = "forged entry";
  const Hash forged_leaf = leaf_hash(forged);
  store_->run_write([&](store::Transaction& tx) {
    tx.execute("UPDATE log_entries SET entry = ?, leaf_hash = ? WHERE leaf_index = 25",
               {store::Blob(forged.begin(), forged.end()), store::Blob(forged_leaf.begin(), forged_leaf.end())});
    return true;
  });
  EXPECT_FALSE(log_->first_altered_entry().has_value());
  const auto verdict = log_->check();
  ASSERT_FALSE(verdict.ok());
  ASSERT_TRUE(verdict.rewritten_range.has_value());
  EXPECT_EQ(verdict.rewritten_range->first, 20);
  EXPECT_EQ(verdict.rewritten_range->second, 39);
  EXPECT_NE(verdict.problem->find("20-39"), std::string::npos) << *verdict.problem;
}

TEST_P(TiledLogTest, CheckNamesTheAlteredEntryAndAForgedHead) {
  const crypto::SigningKey key = crypto::new_signing_key();
  append_many(300);
  log_->sign_head(key, 1'000);
  store_->run_write([](store::Transaction& tx) {
    tx.execute("UPDATE log_tree_heads SET tree_size = 299");
    return true;
  });
  auto verdict = log_->check();
  ASSERT_FALSE(verdict.ok());
  EXPECT_NE(verdict.problem->find("invalid signature"), std::string::npos) << *verdict.problem;
  store_->run_write([](store::Transaction& tx) {
    tx.execute("UPDATE log_entries SET entry = ? WHERE leaf_index = 7", {store::Blob{'x'}});
    return true;
  });
  verdict = log_->check();
  EXPECT_EQ(verdict.first_altered_entry, 7);
  EXPECT_NE(verdict.problem->find("entry 7 was altered"), std::string::npos) << *verdict.problem;
}

TEST_P(TiledLogTest, CheckCatchesATileThatNoLongerMatchesItsEntries) {
  append_many(512);
  store_->run_write([](store::Transaction& tx) {
    tx.execute("UPDATE log_tiles SET hash = ? WHERE level = 8 AND tile_index = 1", {store::Blob(32, 7)});
    return true;
  });
  const auto verdict = log_->check();
  ASSERT_FALSE(verdict.ok());
  EXPECT_EQ(verdict.rewritten_range, (std::pair<std::int64_t, std::int64_t>{256, 511}));
}

INSTANTIATE_TEST_SUITE_P(Backends, TiledLogTest, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace barid::transparency
