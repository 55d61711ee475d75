#include <barid/transparency/log.hpp>

namespace barid::transparency {
namespace {

Hash to_hash(const store::Blob& blob) {
  Hash hash{};
  if (blob.size() == hash.size()) std::copy(blob.begin(), blob.end(), hash.begin());
  return hash;
}

Error tree_too_large(std::int64_t tree_size, std::int64_t size) {
  return invalid_input("tree_size_out_of_range", "tree size " + std::to_string(tree_size) +
                                                     " is not between 1 and the log size " + std::to_string(size));
}

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
           ""}};
}

std::int64_t TransparencyLog::append(store::Transaction& tx, std::string_view kind, std::span<const std::uint8_t> entry,
                                     std::int64_t now_ms) {
  const std::int64_t index = tx.query_one("SELECT size FROM log_head WHERE id = 1 FOR UPDATE")->int64(0);
  const Hash leaf = leaf_hash(entry);
  tx.execute("INSERT INTO log_entries (leaf_index, kind, entry, leaf_hash, appended_at_ms) VALUES (?, ?, ?, ?, ?)",
             {index, std::string(kind), store::Blob(entry.begin(), entry.end()), store::Blob(leaf.begin(), leaf.end()),
              now_ms});
  tx.execute("UPDATE log_head SET size = ? WHERE id = 1", {index + 1});
  return index;
}

std::int64_t TransparencyLog::size() {
  return store_.read_single<std::int64_t>(
      [](store::Transaction& tx) { return tx.query_one("SELECT size FROM log_head WHERE id = 1")->int64(0); });
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

Result<std::vector<Hash>> TransparencyLog::leaves(std::int64_t tree_size) {
  return store_.read<Result<std::vector<Hash>>>([&](store::Transaction& tx) -> Result<std::vector<Hash>> {
    const std::int64_t size = tx.query_one("SELECT size FROM log_head WHERE id = 1")->int64(0);
    if (tree_size < 1 || tree_size > size) return tree_too_large(tree_size, size);
    std::vector<Hash> hashes;
    hashes.reserve(static_cast<std::size_t>(tree_size));
    for (const auto& row :
         tx.query("SELECT leaf_hash FROM log_entries WHERE leaf_index < ? ORDER BY leaf_index", {tree_size})) {
      hashes.push_back(to_hash(row.blob(0)));
    }
    return hashes;
  });
}

Result<Hash> TransparencyLog::root(std::int64_t tree_size) {
  auto hashes = leaves(tree_size);
  if (!hashes) return std::move(hashes).error();
  return root_hash(*hashes);
}

Result<std::vector<Hash>> TransparencyLog::inclusion_proof(std::int64_t index, std::int64_t tree_size) {
  if (index < 0 || index >= tree_size) {
    return invalid_input("index_out_of_range", "the entry index must be below the tree size");
  }
  auto hashes = leaves(tree_size);
  if (!hashes) return std::move(hashes).error();
  return transparency::inclusion_proof(*hashes, static_cast<std::size_t>(index));
}

Result<std::vector<Hash>> TransparencyLog::consistency_proof(std::int64_t old_size, std::int64_t new_size) {
  if (old_size < 1 || old_size > new_size) {
    return invalid_input("tree_size_out_of_range", "the old size must be between 1 and the new size");
  }
  auto hashes = leaves(new_size);
  if (!hashes) return std::move(hashes).error();
  return transparency::consistency_proof(*hashes, static_cast<std::size_t>(old_size));
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
    const std::int64_t size = tx.query_one("SELECT size FROM log_head WHERE id = 1")->int64(0);
    if (size != expected_index) return expected_index;
    return std::nullopt;
  });
}

}  // namespace barid::transparency
