#include <barid/transparency/tree_head.hpp>

#include <string_view>

namespace barid::transparency {
namespace {

void append_big_endian(std::vector<std::uint8_t>& out, std::int64_t value) {
  const auto bits = static_cast<std::uint64_t>(value);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(bits >> shift));
}

}  // namespace

std::vector<std::uint8_t> tree_head_message(std::int64_t tree_size, const Hash& root, std::int64_t timestamp_ms) {
  constexpr std::string_view kDomain = "barid-tree-head-v1";
  std::vector<std::uint8_t> message(kDomain.begin(), kDomain.end());
  append_big_endian(message, tree_size);
  append_big_endian(message, timestamp_ms);
  message.insert(message.end(), root.begin(), root.end());
  return message;
}

TreeHead sign_tree_head(const crypto::SigningKey& key, std::int64_t tree_size, const Hash& root,
                        std::int64_t timestamp_ms) {
  TreeHead head{tree_size, root, timestamp_ms, {}};
  head.signature = crypto::sign(key, tree_head_message(tree_size, root, timestamp_ms));
  return head;
}

bool verify_tree_head(std::span<const std::uint8_t> public_key, const TreeHead& head) {
  return crypto::verify_signature(public_key, tree_head_message(head.tree_size, head.root, head.timestamp_ms),
                                  head.signature);
}

}  // namespace barid::transparency
