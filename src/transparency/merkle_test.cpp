#include <barid/crypto/crypto.hpp>
#include <barid/transparency/merkle.hpp>

#include <gtest/gtest.h>

namespace barid::transparency {
namespace {

// The test data of RFC 6962's reference implementation (Certificate Transparency).
std::vector<Hash> reference_leaves() {
  std::vector<Hash> leaves;
  for (const char* hex :
       {"", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"}) {
    crypto::Bytes entry;
    EXPECT_TRUE(crypto::hex_decode(hex, entry));
    leaves.push_back(leaf_hash(entry));
  }
  return leaves;
}

std::string hex(const Hash& hash) {
  return crypto::hex_encode(hash);
}

TEST(Merkle, RootsMatchTheReferenceVectors) {
  const auto leaves = reference_leaves();
  const char* expected[] = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };
  for (std::size_t size = 1; size <= 8; ++size) {
    EXPECT_EQ(hex(root_hash(std::span(leaves).first(size))), expected[size - 1]) << size;
  }
  EXPECT_EQ(hex(root_hash({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Merkle, ProofsMatchTheReferenceVectors) {
  const auto leaves = reference_leaves();
  auto prefixes = [](const std::vector<Hash>& proof) {
    std::vector<std::string> out;
    for (const auto& hash : proof) out.push_back(hex(hash).substr(0, 8));
    return out;
  };
  using Strings = std::vector<std::string>;
  EXPECT_EQ(prefixes(inclusion_proof(leaves, 0)), (Strings{"96a296d2", "5f083f0a", "6b47aaf2"}));
  EXPECT_EQ(prefixes(inclusion_proof(leaves, 5)), (Strings{"bc1a0643", "ca854ea1", "d37ee418"}));
  EXPECT_EQ(prefixes(consistency_proof(leaves, 6)), (Strings{"0ebc5d34", "ca854ea1", "d37ee418"}));
  EXPECT_EQ(prefixes(consistency_proof(std::span(leaves).first(5), 2)), (Strings{"5f083f0a", "bc1a0643"}));
  EXPECT_TRUE(consistency_proof(leaves, 8).empty());
}

std::vector<Hash> numbered_leaves(std::size_t count) {
  std::vector<Hash> leaves;
  for (std::size_t i = 0; i < count; ++i) leaves.push_back(leaf_hash("entry " + std::to_string(i)));
  return leaves;
}

TEST(Merkle, EveryInclusionProofVerifiesAndNoTamperedOneDoes) {
  const auto all = numbered_leaves(40);
  for (std::size_t size = 1; size <= all.size(); ++size) {
    const auto leaves = std::span(all).first(size);
    const Hash root = root_hash(leaves);
    for (std::size_t index = 0; index < size; ++index) {
      auto proof = inclusion_proof(leaves, index);
      ASSERT_TRUE(verify_inclusion(leaves[index], index, size, proof, root)) << size << "/" << index;
      EXPECT_FALSE(verify_inclusion(leaf_hash("forged"), index, size, proof, root));
      if (size > 1) {
        EXPECT_FALSE(verify_inclusion(leaves[index], (index + 1) % size, size, proof, root));
      }
      if (!proof.empty()) {
        proof.back()[0] ^= 1;
        EXPECT_FALSE(verify_inclusion(leaves[index], index, size, proof, root));
        proof.pop_back();
        EXPECT_FALSE(verify_inclusion(leaves[index], index, size, proof, root));
      }
    }
  }
}

TEST(Merkle, EveryConsistencyProofVerifiesAndNoTamperedOneDoes) {
  const auto all = numbered_leaves(40);
  for (std::size_t new_size = 1; new_size <= all.size(); ++new_size) {
    const auto leaves = std::span(all).first(new_size);
    const Hash new_root = root_hash(leaves);
    for (std::size_t old_size = 1; old_size <= new_size; ++old_size) {
      const Hash old_root = root_hash(leaves.first(old_size));
      auto proof = consistency_proof(leaves, old_size);
      ASSERT_TRUE(verify_consistency(old_size, new_size, old_root, new_root, proof)) << old_size << "->" << new_size;
      if (old_size < new_size) {
        Hash wrong_old = old_root;
        wrong_old[31] ^= 1;
        EXPECT_FALSE(verify_consistency(old_size, new_size, wrong_old, new_root, proof));
        Hash wrong_new = new_root;
        wrong_new[0] ^= 1;
        EXPECT_FALSE(verify_consistency(old_size, new_size, old_root, wrong_new, proof));
        proof.front()[5] ^= 1;
        EXPECT_FALSE(verify_consistency(old_size, new_size, old_root, new_root, proof));
      }
    }
  }
}

TEST(Merkle, RewritingHistoryBreaksConsistency) {
  auto leaves = numbered_leaves(20);
  const Hash old_root = root_hash(std::span(leaves).first(10));
  leaves[3] = leaf_hash("rewritten");
  const auto proof = consistency_proof(leaves, 10);
  EXPECT_FALSE(verify_consistency(10, 20, old_root, root_hash(leaves), proof));
}

}  // namespace
}  // namespace barid::transparency
