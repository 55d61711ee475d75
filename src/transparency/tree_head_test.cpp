#include <barid/transparency/tree_head.hpp>

#include <gtest/gtest.h>

namespace barid::transparency {
namespace {

TEST(TreeHead, SignatureCoversSizeRootAndTime) {
  const auto key = crypto::new_signing_key();
  const Hash root = leaf_hash("root");
  const TreeHead head = sign_tree_head(key, 42, root, 1'800'000'000'000);
  EXPECT_TRUE(verify_tree_head(key.public_key, head));

  TreeHead other_size = head;
  other_size.tree_size = 43;
  EXPECT_FALSE(verify_tree_head(key.public_key, other_size));
  TreeHead other_root = head;
  other_root.root[0] ^= 1;
  EXPECT_FALSE(verify_tree_head(key.public_key, other_root));
  TreeHead other_time = head;
  other_time.timestamp_ms += 1;
  EXPECT_FALSE(verify_tree_head(key.public_key, other_time));
  EXPECT_FALSE(verify_tree_head(crypto::new_signing_key().public_key, head));
}

TEST(TreeHead, MessageIsFixedWidthAndVersioned) {
  const auto message = tree_head_message(1, Hash{}, 2);
  const std::string domain = "barid-tree-head-v1";
  ASSERT_EQ(message.size(), domain.size() + 8 + 8 + 32);
  EXPECT_EQ(std::string(message.begin(), message.begin() + static_cast<long>(domain.size())), domain);
  EXPECT_EQ(message[domain.size() + 7], 1);
  EXPECT_EQ(message[domain.size() + 15], 2);
}

}  // namespace
}  // namespace barid::transparency
