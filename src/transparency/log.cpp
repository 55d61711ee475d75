#include <barid/transparency/log.hpp>

#include <bit>
#include <map>
#include <stdexcept>

namespace barid::transparency {
namespace {

Hash to_hash(const store::Blob& blob) {
  Hash hash{};
  if (blob.size() == hash.size()) std::copy(blob.begin(), blob.end(), hash.begin());
  return hash;
}

store::Blob to_blob(std::span<const std::uint8_t> bytes) {
  return {bytes.begin(), bytes.end()};
}

Error tree_too_large(std::int64_t tree_size, std::int64_t size) {
  return invalid_input("tree_size_out_of_range", "tree size " + std::to_string(tree_size) +
                                                     " is not between 1 and the log size " + std::to_string(size));
}

std::int64_t stored_size(store::Transaction& tx) {
  return tx.query_one("SELECT size FROM log_head WHERE id = 1")->int64(0);
}

// Subtree hashes of the stored tree, read inside one transaction: from saved tiles where they
// exist, otherwise from the nodes one tile level below (down to the leaves).
class StoredTree {
 public:
  explicit StoredTree(store::Transaction& tx) : tx_(tx) {}

  // MTH(D[begin:end]) for the ranges RFC 6962's recursion visits.
  Hash range(std::size_t begin, std::size_t end) {
    const std::size_t n = end - begin;
    if (std::has_single_bit(n) && begin % n == 0) {
      return perfect(std::countr_zero(n), static_cast<std::int64_t>(begin / n));
    }
    const std::size_t k = split_point(n);
    return node_hash(range(begin, begin + k), range(begin + k, end));
  }

  // The root of the complete subtree of 2^level leaves numbered `index` at that level.
  Hash perfect(int level, std::int64_t index) {
    const int base = level - level % kTileLevelStep;
    if (base == level) return nodes(level, index, 1).front();
    const auto children = nodes(base, index << (level - base), std::int64_t{1} << (level - base));
    return root_hash(children);
  }

  // `count` consecutive nodes of a tile level (0: the leaves), in order.
  std::vector<Hash> nodes(int level, std::int64_t first, std::int64_t count) {
    std::vector<Hash> hashes;
    hashes.reserve(static_cast<std::size_t>(count));
    if (level == 0) {
      for (const auto& row :
           tx_.query("SELECT leaf_hash FROM log_entries WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index",
                     {first, first + count})) {
        hashes.push_back(to_hash(row.blob(0)));
      }
      if (static_cast<std::int64_t>(hashes.size()) != count) {
        throw std::runtime_error("the transparency log is missing entries between " + std::to_string(first) + " and " +
                                 std::to_string(first + count - 1) + ": run barid log check");
      }
      return hashes;
    }
    std::map<std::int64_t, Hash> stored;
    for (const auto& row :
         tx_.query("SELECT tile_index, hash FROM log_tiles WHERE level = ? AND tile_index >= ? AND tile_index < ?",
                   {std::int64_t{level}, first, first + count})) {
      stored.emplace(row.int64(0), to_hash(row.blob(1)));
    }
    const std::int64_t fan_out = std::int64_t{1} << kTileLevelStep;
    for (std::int64_t index = first; index < first + count; ++index) {
      if (auto found = stored.find(index); found != stored.end()) {
        hashes.push_back(found->second);
      } else {
        hashes.push_back(root_hash(nodes(level - kTileLevelStep, index * fan_out, fan_out)));
      }
    }
    return hashes;
  }

 private:
  store::Transaction& tx_;
};

// Saves the tiles that the leaf at `index` completes.
void save_completed_tiles(store::Transaction& tx, std::int64_t index) {
  StoredTree tree(tx);
  const std::int64_t count = index + 1;
  const std::int64_t fan_out = std::int64_t{1} << kTileLevelStep;
  for (int level = kTileLevelStep; level < 63; level += kTileLevelStep) {
    if (count % (std::int64_t{1} << level) != 0) break;
    const std::int64_t tile_index = (count >> level) - 1;
    const Hash hash = root_hash(tree.nodes(level - kTileLevelStep, tile_index * fan_out, fan_out));
    tx.execute("INSERT INTO log_tiles (level, tile_index, hash) VALUES (?, ?, ?)",
               {std::int64_t{level}, tile_index, to_blob(hash)});
  }
}

StoredTreeHead head_from_row(const store::Row& row) {
  StoredTreeHead stored;
  stored.head.tree_size = row.int64(0);
  stored.head.timestamp_ms = row.int64(1);
  stored.head.root = to_hash(row.blob(2));
  const auto signature = row.blob(3);
  const auto public_key = row.blob(4);
  if (signature.size() == stored.head.signature.size()) {
    std::copy(signature.begin(), signature.end(), stored.head.signature.begin());
  }
  if (public_key.size() == stored.public_key.size()) {
    std::copy(public_key.begin(), public_key.end(), stored.public_key.begin());
  }
  return stored;
}

constexpr const char* kHeadColumns =
    "SELECT tree_size, timestamp_ms, root_hash, signature, public_key FROM log_tree_heads ";

// All the levels of the tree over `leaves`, for checking many roots at once in memory.
class MemoryTree {
 public:
  explicit MemoryTree(std::vector<Hash> leaves) {
    levels_.push_back(std::move(leaves));
    while (levels_.back().size() > 1) {
      const auto& below = levels_.back();
      std::vector<Hash> above;
      above.reserve(below.size() / 2);
      for (std::size_t i = 0; i + 1 < below.size(); i += 2) above.push_back(node_hash(below[i], below[i + 1]));
      levels_.push_back(std::move(above));
    }
  }
  std::size_t size() const { return levels_.front().size(); }
  Hash range(std::size_t begin, std::size_t end) const {
    const std::size_t n = end - begin;
    if (std::has_single_bit(n) && begin % n == 0) return levels_[std::countr_zero(n)][begin / n];
    const std::size_t k = split_point(n);
    return node_hash(range(begin, begin + k), range(begin + k, end));
  }

 private:
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace

std::vector<store::Migration> TransparencyLog::migrations() {
  return {{300, "transparency log: entries and head",
           R"sql(
CREATE TABLE log_head (
  id BIGINT PRIMARY KEY,
  size BIGINT NOT NULL
);
INSERT INTO log_head (id, size) VALUES (1, 0);
CREATE TABLE log_entries (
  leaf_index BIGINT PRIMARY KEY,
  kind TEXT NOT NULL,
  entry ${blob} NOT NULL,
  leaf_hash ${blob} NOT NULL,
  appended_at_ms BIGINT NOT NULL
);
)sql",
           ""},
          {301, "transparency log: saved subtree tiles and signed tree heads",
           R"sql(
CREATE TABLE log_tiles (
  level BIGINT NOT NULL,
  tile_index BIGINT NOT NULL,
  hash ${blob} NOT NULL,
  PRIMARY KEY (level, tile_index)
);
CREATE TABLE log_tree_heads (
  id ${id},
  tree_size BIGINT NOT NULL,
  timestamp_ms BIGINT NOT NULL,
  root_hash ${blob} NOT NULL,
  signature ${blob} NOT NULL,
  public_key ${blob} NOT NULL
);
CREATE INDEX log_tree_heads_by_size ON log_tree_heads (tree_size, timestamp_ms);
)sql",
           ""},
          // On SQLite a BIGINT PRIMARY KEY is a second index beside the rowid; the entry number becomes
          // the rowid itself (one B-tree insert per entry instead of two). PostgreSQL keeps its table.
          {302, "transparency log: entries keyed by their rowid on SQLite",
           R"sql(
CREATE TABLE log_entries_by_rowid (
  leaf_index ${key},
  kind TEXT NOT NULL,
  entry ${blob} NOT NULL,
  leaf_hash ${blob} NOT NULL,
  appended_at_ms BIGINT NOT NULL
);
INSERT INTO log_entries_by_rowid (leaf_index, kind, entry, leaf_hash, appended_at_ms)
  SELECT leaf_index, kind, entry, leaf_hash, appended_at_ms FROM log_entries;
DROP TABLE log_entries;
ALTER TABLE log_entries_by_rowid RENAME TO log_entries;
)sql",
           "SELECT 1"}};
}

std::int64_t TransparencyLog::append(store::Transaction& tx, std::string_view kind, std::span<const std::uint8_t> entry,
                                     std::int64_t now_ms) {
  const NewEntry one{kind, entry};
  return append_all(tx, std::span(&one, 1), now_ms);
}

std::int64_t TransparencyLog::append_all(store::Transaction& tx, std::span<const NewEntry> entries,
                                         std::int64_t now_ms) {
  const std::int64_t first = tx.query_one("SELECT size FROM log_head WHERE id = 1 FOR UPDATE")->int64(0);
  // Up to 32 entries per statement: a bulk send appends thousands, and one statement per row
  // costs more than the row.
  constexpr std::size_t kRowsPerStatement = 32;
  std::vector<store::Value> params;
  for (std::size_t start = 0; start < entries.size(); start += kRowsPerStatement) {
    const std::size_t rows = std::min(kRowsPerStatement, entries.size() - start);
    std::string sql = "INSERT INTO log_entries (leaf_index, kind, entry, leaf_hash, appended_at_ms) VALUES ";
    params.clear();
    params.reserve(rows * 5);
    for (std::size_t i = 0; i < rows; ++i) {
      const NewEntry& entry = entries[start + i];
      const Hash leaf = leaf_hash(entry.entry);
      sql += i == 0 ? "(?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?)";
      params.emplace_back(first + static_cast<std::int64_t>(start + i));
      params.emplace_back(std::string(entry.kind));
      params.emplace_back(to_blob(entry.entry));
      params.emplace_back(to_blob(leaf));
      params.emplace_back(now_ms);
    }
    tx.execute(sql, params);
  }
  // Tiles completed by these entries, lowest first (a higher tile is made from lower ones).
  const std::int64_t end = first + static_cast<std::int64_t>(entries.size());
  const std::int64_t fan_out = std::int64_t{1} << kTileLevelStep;
  for (std::int64_t index = (first / fan_out + 1) * fan_out - 1; index < end; index += fan_out) {
    save_completed_tiles(tx, index);
  }
  tx.execute("UPDATE log_head SET size = ? WHERE id = 1", {end});
  return first;
}

std::int64_t TransparencyLog::lock_next_index(store::Transaction& tx) {
  return tx.query_one("SELECT size FROM log_head WHERE id = 1 FOR UPDATE")->int64(0);
}

std::optional<std::int64_t> TransparencyLog::appended_at(store::Transaction& tx, std::int64_t index) {
  auto row = tx.query_one("SELECT appended_at_ms FROM log_entries WHERE leaf_index = ?", {index});
  if (!row) return std::nullopt;
  return row->int64(0);
}

std::int64_t TransparencyLog::size() {
  return store_.read_single<std::int64_t>([](store::Transaction& tx) { return stored_size(tx); });
}

Result<LogEntry> TransparencyLog::entry(std::int64_t index) {
  auto found = store_.read_single<std::optional<LogEntry>>([&](store::Transaction& tx) -> std::optional<LogEntry> {
    auto row = tx.query_one(
        "SELECT leaf_index, kind, entry, leaf_hash, appended_at_ms FROM log_entries WHERE leaf_index = ?", {index});
    if (!row) return std::nullopt;
    return LogEntry{row->int64(0), row->text(1), row->blob(2), to_hash(row->blob(3)), row->int64(4)};
  });
  if (!found) return not_found("log_entry_not_found", "the log has no entry " + std::to_string(index));
  return std::move(*found);
}

Result<Hash> TransparencyLog::root(std::int64_t tree_size) {
  return store_.read<Result<Hash>>([&](store::Transaction& tx) -> Result<Hash> {
    const std::int64_t size = stored_size(tx);
    if (tree_size < 1 || tree_size > size) return tree_too_large(tree_size, size);
    StoredTree tree(tx);
    return tree.range(0, static_cast<std::size_t>(tree_size));
  });
}

Result<std::vector<Hash>> TransparencyLog::inclusion_proof(std::int64_t index, std::int64_t tree_size) {
  if (index < 0 || index >= tree_size) {
    return invalid_input("index_out_of_range", "the entry index must be below the tree size");
  }
  return store_.read<Result<std::vector<Hash>>>([&](store::Transaction& tx) -> Result<std::vector<Hash>> {
    const std::int64_t size = stored_size(tx);
    if (tree_size > size) return tree_too_large(tree_size, size);
    StoredTree tree(tx);
    return transparency::inclusion_proof(
        static_cast<std::size_t>(tree_size), static_cast<std::size_t>(index),
        [&tree](std::size_t begin, std::size_t end) { return tree.range(begin, end); });
  });
}

Result<std::vector<Hash>> TransparencyLog::consistency_proof(std::int64_t old_size, std::int64_t new_size) {
  if (old_size < 1 || old_size > new_size) {
    return invalid_input("tree_size_out_of_range", "the old size must be between 1 and the new size");
  }
  return store_.read<Result<std::vector<Hash>>>([&](store::Transaction& tx) -> Result<std::vector<Hash>> {
    const std::int64_t size = stored_size(tx);
    if (new_size > size) return tree_too_large(new_size, size);
    StoredTree tree(tx);
    return transparency::consistency_proof(
        static_cast<std::size_t>(new_size), static_cast<std::size_t>(old_size),
        [&tree](std::size_t begin, std::size_t end) { return tree.range(begin, end); });
  });
}

std::optional<StoredTreeHead> TransparencyLog::latest_head() {
  return store_.read_single<std::optional<StoredTreeHead>>([](store::Transaction& tx) -> std::optional<StoredTreeHead> {
    auto row = tx.query_one(std::string(kHeadColumns) + "ORDER BY tree_size DESC, timestamp_ms DESC LIMIT 1");
    if (!row) return std::nullopt;
    return head_from_row(*row);
  });
}

StoredTreeHead TransparencyLog::sign_head(const crypto::SigningKey& key, std::int64_t now_ms, bool force) {
  const store::Blob public_key = to_blob(key.public_key);
  std::optional<StoredTreeHead> newest;
  std::int64_t size = 0;
  Hash root{};
  store_.run_read([&](store::Transaction& tx) {
    size = stored_size(tx);
    if (auto row = tx.query_one(
            std::string(kHeadColumns) + "WHERE public_key = ? ORDER BY tree_size DESC, timestamp_ms DESC LIMIT 1",
            {public_key})) {
      newest = head_from_row(*row);
    }
    if (newest && newest->head.tree_size == size && !force) return;
    StoredTree tree(tx);
    root = root_hash(static_cast<std::size_t>(size),
                     [&tree](std::size_t begin, std::size_t end) { return tree.range(begin, end); });
  });
  if (newest && newest->head.tree_size == size && !force) return *newest;
  // Never sign a time earlier than a head already signed: times of successive heads only grow.
  const std::int64_t timestamp = newest ? std::max(now_ms, newest->head.timestamp_ms) : now_ms;
  StoredTreeHead signed_head{sign_tree_head(key, size, root, timestamp), key.public_key};
  store_.run_write([&](store::Transaction& tx) {
    tx.execute(
        "INSERT INTO log_tree_heads (tree_size, timestamp_ms, root_hash, signature, public_key) VALUES (?, ?, ?, ?, ?)",
        {size, timestamp, to_blob(root), to_blob(signed_head.head.signature), public_key});
    return true;
  });
  return signed_head;
}

std::optional<std::int64_t> TransparencyLog::first_altered_entry() {
  return store_.read<std::optional<std::int64_t>>([](store::Transaction& tx) -> std::optional<std::int64_t> {
    std::int64_t expected_index = 0;
    for (const auto& row : tx.query("SELECT leaf_index, entry, leaf_hash FROM log_entries ORDER BY leaf_index")) {
      const std::int64_t index = row.int64(0);
      // A missing index is an alteration too: an entry was deleted.
      if (index != expected_index) return expected_index;
      if (leaf_hash(row.blob(1)) != to_hash(row.blob(2))) return index;
      ++expected_index;
    }
    if (stored_size(tx) != expected_index) return expected_index;
    return std::nullopt;
  });
}

LogCheck TransparencyLog::check() {
  LogCheck result;
  store_.run_read([&](store::Transaction& tx) {
    // 1. Every entry: present, in order, its stored hash that of its bytes.
    std::vector<Hash> leaves;
    std::int64_t expected_index = 0;
    for (const auto& row : tx.query("SELECT leaf_index, entry, leaf_hash FROM log_entries ORDER BY leaf_index")) {
      const std::int64_t index = row.int64(0);
      const Hash recomputed = leaf_hash(row.blob(1));
      if (index != expected_index && !result.first_altered_entry) {
        result.first_altered_entry = expected_index;
        result.problem = "entry " + std::to_string(expected_index) + " is missing";
      } else if (recomputed != to_hash(row.blob(2)) && !result.first_altered_entry) {
        result.first_altered_entry = index;
        result.problem = "entry " + std::to_string(index) + " was altered: its bytes no longer match its leaf hash";
      }
      leaves.push_back(recomputed);
      expected_index = index + 1;
    }
    result.entries = static_cast<std::int64_t>(leaves.size());
    const std::int64_t size = stored_size(tx);
    if (!result.problem && size != expected_index) {
      result.first_altered_entry = std::min(size, expected_index);
      result.problem = "the log's head says " + std::to_string(size) + " entries but " +
                       std::to_string(expected_index) + " are stored";
    }
    if (result.first_altered_entry) return;
    const MemoryTree tree(std::move(leaves));

    // 2. Every saved tile against the leaves.
    for (const auto& row : tx.query("SELECT level, tile_index, hash FROM log_tiles ORDER BY level, tile_index")) {
      const auto level = static_cast<int>(row.int64(0));
      const auto first = static_cast<std::size_t>(row.int64(1)) << level;
      const std::size_t width = std::size_t{1} << level;
      ++result.tiles_checked;
      if (first + width > tree.size() || tree.range(first, first + width) != to_hash(row.blob(2))) {
        result.rewritten_range = {static_cast<std::int64_t>(first), static_cast<std::int64_t>(first + width - 1)};
        result.problem = "the saved subtree over entries " + std::to_string(first) + "-" +
                         std::to_string(first + width - 1) + " does not match them: one of them was rewritten";
        return;
      }
    }

    // 3. Every signed head: its signature, and its root against the entries as stored now.
    std::optional<std::int64_t> last_matching_size;
    for (const auto& row : tx.query(std::string(kHeadColumns) + "ORDER BY tree_size, timestamp_ms")) {
      const StoredTreeHead stored = head_from_row(row);
      ++result.heads_checked;
      if (!verify_tree_head(stored.public_key, stored.head)) {
        result.problem = "the signed tree head of size " + std::to_string(stored.head.tree_size) +
                         " has an invalid signature: it was forged or altered";
        return;
      }
      const auto head_size = static_cast<std::size_t>(stored.head.tree_size);
      if (head_size > tree.size()) {
        result.problem = "a signed tree head covers " + std::to_string(head_size) + " entries but only " +
                         std::to_string(tree.size()) + " are stored: entries were removed";
        result.first_altered_entry = static_cast<std::int64_t>(tree.size());
        return;
      }
      const Hash recomputed = head_size == 0 ? root_hash(std::span<const Hash>{}) : tree.range(0, head_size);
      if (recomputed != stored.head.root) {
        const std::int64_t first = last_matching_size.value_or(0);
        const std::int64_t last = stored.head.tree_size - 1;
        result.rewritten_range = {first, last};
        if (first == last) result.first_altered_entry = first;
        result.problem = "entries " + std::to_string(first) + "-" + std::to_string(last) +
                         " were rewritten (with their hashes): the tree head of size " +
                         std::to_string(stored.head.tree_size) + " signed by the operator no longer matches";
        return;
      }
      last_matching_size = stored.head.tree_size;
    }
  });
  return result;
}

}  // namespace barid::transparency
