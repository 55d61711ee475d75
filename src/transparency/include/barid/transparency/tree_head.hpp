// Signed tree heads: the operator's Ed25519 signature over (tree size, root, time), which anyone
// holding the operator's public key can check offline.
#pragma once

#include <barid/crypto/crypto.hpp>
#include <barid/transparency/merkle.hpp>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace barid::transparency {

struct TreeHead {
  std::int64_t tree_size = 0;
  Hash root = {};
  std::int64_t timestamp_ms = 0;
  std::array<std::uint8_t, 64> signature = {};
};

// The exact bytes signed: "barid-tree-head-v1", the size and the time as 8-byte big-endian
// integers, then the 32-byte root. Fixed-width and versioned so no two heads share a message.
std::vector<std::uint8_t> tree_head_message(std::int64_t tree_size, const Hash& root, std::int64_t timestamp_ms);

TreeHead sign_tree_head(const crypto::SigningKey& key, std::int64_t tree_size, const Hash& root,
                        std::int64_t timestamp_ms);
bool verify_tree_head(std::span<const std::uint8_t> public_key, const TreeHead& head);

}  // namespace barid::transparency
