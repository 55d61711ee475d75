#include <barid/crypto/crypto.hpp>
#include <barid/transparency/merkle.hpp>

#include <bit>

namespace barid::transparency {
namespace {

// PATH(m, D[begin:end]) of RFC 6962 §2.1.1, appended to `path`.
void append_path(const RangeHash& range, std::size_t begin, std::size_t end, std::size_t index,
                 std::vector<Hash>& path) {
  const std::size_t n = end - begin;
  if (n <= 1) return;
  const std::size_t k = split_point(n);
  if (index < k) {
    append_path(range, begin, begin + k, index, path);
    path.push_back(range(begin + k, end));
  } else {
    append_path(range, begin + k, end, index - k, path);
    path.push_back(range(begin, begin + k));
  }
}

// SUBPROOF(m, D[begin:end], b) of RFC 6962 §2.1.2.
void append_subproof(const RangeHash& range, std::size_t begin, std::size_t end, std::size_t old_size,
                     bool whole_subtree, std::vector<Hash>& proof) {
  const std::size_t n = end - begin;
  if (old_size == n) {
    if (!whole_subtree) proof.push_back(range(begin, end));
    return;
  }
  const std::size_t k = split_point(n);
  if (old_size <= k) {
    append_subproof(range, begin, begin + k, old_size, whole_subtree, proof);
    proof.push_back(range(begin + k, end));
  } else {
    append_subproof(range, begin + k, end, old_size - k, false, proof);
    proof.push_back(range(begin, begin + k));
  }
}

RangeHash over(std::span<const Hash> leaves) {
  return [leaves](std::size_t begin, std::size_t end) { return root_hash(leaves.subspan(begin, end - begin)); };
}

}  // namespace

std::size_t split_point(std::size_t n) {
  return std::bit_floor(n - 1);
}

Hash leaf_hash(std::span<const std::uint8_t> entry) {
  static constexpr std::uint8_t kLeafPrefix[] = {0x00};
  return crypto::sha256_of_parts({kLeafPrefix, entry});
}

Hash leaf_hash(std::string_view entry) {
  return leaf_hash(std::span(reinterpret_cast<const std::uint8_t*>(entry.data()), entry.size()));
}

Hash node_hash(const Hash& left, const Hash& right) {
  std::array<std::uint8_t, 65> input{};
  input[0] = 0x01;
  std::copy(left.begin(), left.end(), input.begin() + 1);
  std::copy(right.begin(), right.end(), input.begin() + 33);
  return crypto::sha256(input);
}

Hash root_hash(std::span<const Hash> leaves) {
  if (leaves.empty()) return crypto::sha256(std::string_view());
  if (leaves.size() == 1) return leaves.front();
  const std::size_t k = split_point(leaves.size());
  return node_hash(root_hash(leaves.first(k)), root_hash(leaves.subspan(k)));
}

std::vector<Hash> inclusion_proof(std::span<const Hash> leaves, std::size_t index) {
  return inclusion_proof(leaves.size(), index, over(leaves));
}

std::vector<Hash> consistency_proof(std::span<const Hash> leaves, std::size_t old_size) {
  return consistency_proof(leaves.size(), old_size, over(leaves));
}

Hash root_hash(std::size_t tree_size, const RangeHash& range) {
  if (tree_size == 0) return crypto::sha256(std::string_view());
  return range(0, tree_size);
}

std::vector<Hash> inclusion_proof(std::size_t tree_size, std::size_t index, const RangeHash& range) {
  std::vector<Hash> path;
  if (index < tree_size) append_path(range, 0, tree_size, index, path);
  return path;
}

std::vector<Hash> consistency_proof(std::size_t tree_size, std::size_t old_size, const RangeHash& range) {
  std::vector<Hash> proof;
  if (old_size > 0 && old_size < tree_size) append_subproof(range, 0, tree_size, old_size, true, proof);
  return proof;
}

bool verify_inclusion(const Hash& leaf, std::size_t index, std::size_t tree_size, std::span<const Hash> proof,
                      const Hash& root) {
  if (index >= tree_size) return false;
  std::size_t fn = index;
  std::size_t sn = tree_size - 1;
  Hash r = leaf;
  for (const Hash& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = node_hash(p, r);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool verify_consistency(std::size_t old_size, std::size_t new_size, const Hash& old_root, const Hash& new_root,
                        std::span<const Hash> proof) {
  if (old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (old_size == 0) return proof.empty();  // the empty tree is a prefix of every tree
  if (proof.empty()) return false;
  std::vector<Hash> path(proof.begin(), proof.end());
  // When the old tree is a complete subtree, its root starts the path.
  if (std::has_single_bit(old_size)) path.insert(path.begin(), old_root);
  std::size_t fn = old_size - 1;
  std::size_t sn = new_size - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path.front();
  Hash sr = path.front();
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && fr == old_root && sr == new_root;
}

}  // namespace barid::transparency
