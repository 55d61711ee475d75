// The transparency log's storage: entries appended in the same database transaction as the fact
// they record, numbered in commit order, and read back as leaf hashes for tree heads and proofs.
// Payments, parcels, customs and the mailbox all append here.
#pragma once

#include <barid/core/result.hpp>
#include <barid/store/store.hpp>
#include <barid/transparency/merkle.hpp>

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

  std::int64_t size();
  Result<LogEntry> entry(std::int64_t index);
  Result<Hash> root(std::int64_t tree_size);
  Result<std::vector<Hash>> inclusion_proof(std::int64_t index, std::int64_t tree_size);
  Result<std::vector<Hash>> consistency_proof(std::int64_t old_size, std::int64_t new_size);

  // Recomputes every leaf from the stored entry bytes; the index of the first entry whose bytes or
  // stored hash were altered (or that is missing), or nullopt when the log is consistent with
  // itself. A rewrite that also recomputes the stored hashes is caught against signed tree heads.
  std::optional<std::int64_t> first_altered_entry();

 private:
  Result<std::vector<Hash>> leaves(std::int64_t tree_size);

  store::Store& store_;
};

}  // namespace barid::transparency
