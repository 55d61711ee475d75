// The transparency log's storage: entries appended in the same database transaction as the fact
// they record, numbered in commit order, hashed into an RFC 6962 tree whose complete subtrees of
// 2^8, 2^16, … leaves are saved as they fill ("tiles"), so a root or proof costs a few hundred row
// reads however large the log grows. Signed tree heads are stored beside it. Payments, parcels,
// customs and the mailbox all append here.
#pragma once

#include <barid/core/result.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/store/store.hpp>
#include <barid/transparency/merkle.hpp>
#include <barid/transparency/tree_head.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace barid::transparency {

struct LogEntry {
  std::int64_t index = 0;
  std::string kind;                 // e.g. "evidence.ContentHandover", "payment.receipt"
  std::vector<std::uint8_t> entry;  // the exact bytes the leaf hash covers
  Hash leaf = {};
  std::int64_t appended_at_ms = 0;
};

// One entry to append: `kind` is an index for readers, not covered by the leaf hash; what must be
// tamper-evident goes into `entry`.
struct NewEntry {
  std::string_view kind;
  std::span<const std::uint8_t> entry;
};

// A signed tree head as stored, with the public key that signed it.
struct StoredTreeHead {
  TreeHead head;
  std::array<std::uint8_t, 32> public_key = {};
};

// What `check` found. `first_altered_entry` is exact when an entry's bytes or stored hash changed
// or a row went missing; when the entries and their hashes were rewritten consistently, a signed
// head no longer matches and `rewritten_range` bounds where (between the last head that still
// matches and the first that does not).
struct LogCheck {
  std::int64_t entries = 0;
  std::int64_t tiles_checked = 0;
  std::int64_t heads_checked = 0;
  std::optional<std::int64_t> first_altered_entry;
  std::optional<std::pair<std::int64_t, std::int64_t>> rewritten_range;  // [first, last] entry indexes
  std::optional<std::string> problem;  // for people: what is wrong, naming the entry or range
  bool ok() const { return !problem.has_value(); }
};

inline constexpr int kTileLevelStep = 8;  // tiles are saved at levels 8, 16, 24, … (2^8 leaves each step)

class TransparencyLog {
 public:
  explicit TransparencyLog(store::Store& store) : store_(store) {}

  // The log owns migration versions 300-399.
  static std::vector<store::Migration> migrations();

  // Appends one entry inside the caller's transaction and returns its index. Appends are
  // serialised by a lock on the log's head row, so indexes are gapless and follow commit order
  // on every backend and across server instances; a rolled-back transaction leaves no index used.
  static std::int64_t append(store::Transaction& tx, std::string_view kind, std::span<const std::uint8_t> entry,
                             std::int64_t now_ms);
  // Appends several entries in order with one lock and one head update; returns the first index.
  static std::int64_t append_all(store::Transaction& tx, std::span<const NewEntry> entries, std::int64_t now_ms);
  // Takes the lock appends take and returns the index the next entry will get, so a caller can
  // write those indexes elsewhere before appending in the same transaction.
  static std::int64_t lock_next_index(store::Transaction& tx);
  // When entry `index` was appended, read inside the caller's transaction.
  static std::optional<std::int64_t> appended_at(store::Transaction& tx, std::int64_t index);

  std::int64_t size();
  Result<LogEntry> entry(std::int64_t index);
  Result<Hash> root(std::int64_t tree_size);
  Result<std::vector<Hash>> inclusion_proof(std::int64_t index, std::int64_t tree_size);
  Result<std::vector<Hash>> consistency_proof(std::int64_t old_size, std::int64_t new_size);

  // Signed tree heads. `sign_head` signs the tree as it is now and stores the head, unless the
  // newest stored head (by this key) already covers every entry and `force` is false; it returns
  // the newest head either way.
  StoredTreeHead sign_head(const crypto::SigningKey& key, std::int64_t now_ms, bool force = false);
  std::optional<StoredTreeHead> latest_head();

  // Recomputes every leaf from the stored entry bytes, every saved tile from the leaves, and the root
  // at the size of every stored signed head (checking its signature too).
  LogCheck check();
  // The first part of check(): the index of the first entry whose bytes or stored hash were altered
  // (or that is missing), or nullopt.
  std::optional<std::int64_t> first_altered_entry();

 private:
  store::Store& store_;
};

}  // namespace barid::transparency
