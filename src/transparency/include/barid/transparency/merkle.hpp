// The Merkle tree of the transparency log, exactly as RFC 6962 (and RFC 9162 §2.1) defines it:
// leaf hash = SHA-256(0x00 ‖ entry), node hash = SHA-256(0x01 ‖ left ‖ right); tree heads,
// inclusion proofs and consistency proofs, and their verification. Pure functions over leaf
// hashes: where the leaves are stored is the log's business, not the tree's.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

namespace barid::transparency {

using Hash = std::array<std::uint8_t, 32>;

Hash leaf_hash(std::span<const std::uint8_t> entry);
Hash leaf_hash(std::string_view entry);
Hash node_hash(const Hash& left, const Hash& right);

// The root of the tree over `leaves` (leaf hashes, in log order); SHA-256 of nothing when empty.
Hash root_hash(std::span<const Hash> leaves);

// The audit path of leaf `index` in the tree made of `leaves`. Requires index < leaves.size().
std::vector<Hash> inclusion_proof(std::span<const Hash> leaves, std::size_t index);
// Proof that the tree of the first `old_size` leaves is a prefix of the tree of all `leaves`.
// Requires old_size <= leaves.size(); empty when old_size is 0 or equals leaves.size().
std::vector<Hash> consistency_proof(std::span<const Hash> leaves, std::size_t old_size);

// The same three computations when the leaves are not all at hand: `range` returns MTH(D[begin:end]),
// the hash of the leaves begin..end-1, and is only asked for ranges RFC 6962's recursion visits — a
// single leaf or a complete subtree (its size a power of two and begin a multiple of it), or a
// range ending at the tree's end. The stored log answers these from leaves and saved subtree hashes.
using RangeHash = std::function<Hash(std::size_t begin, std::size_t end)>;
Hash root_hash(std::size_t tree_size, const RangeHash& range);
std::vector<Hash> inclusion_proof(std::size_t tree_size, std::size_t index, const RangeHash& range);
std::vector<Hash> consistency_proof(std::size_t tree_size, std::size_t old_size, const RangeHash& range);
// The largest power of two smaller than n (n >= 2): where RFC 6962 splits a tree of n leaves.
std::size_t split_point(std::size_t n);

// RFC 9162 §2.1.3.2: does `proof` show `leaf` at `index` in the tree of `tree_size` with `root`?
bool verify_inclusion(const Hash& leaf, std::size_t index, std::size_t tree_size, std::span<const Hash> proof,
                      const Hash& root);
// RFC 9162 §2.1.4.2: does `proof` show the tree (old_size, old_root) is a prefix of (new_size, new_root)?
bool verify_consistency(std::size_t old_size, std::size_t new_size, const Hash& old_root, const Hash& new_root,
                        std::span<const Hash> proof);

}  // namespace barid::transparency
