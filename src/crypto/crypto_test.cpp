#include <barid/crypto/crypto.hpp>

#include <gtest/gtest.h>

#include <set>

namespace barid::crypto {
namespace {

TEST(Sha256, MatchesKnownVector) {
  EXPECT_EQ(hex_encode(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Hex, RoundTripsAndRejectsBadDigits) {
  Bytes decoded;
  ASSERT_TRUE(hex_decode("00ff10Ab", decoded));
  EXPECT_EQ(hex_encode(decoded), "00ff10ab");
  EXPECT_FALSE(hex_decode("0g", decoded));
  EXPECT_FALSE(hex_decode("abc", decoded));
}

TEST(Uuid, IsVersion7AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = new_uuid();
    ASSERT_EQ(id.size(), 36u);
    EXPECT_EQ(id[14], '7');
    EXPECT_TRUE(seen.insert(id).second);
  }
}

TEST(SecretToken, Carries256RandomBits) {
  const std::string token = new_secret_token("bs_");
  EXPECT_EQ(token.rfind("bs_", 0), 0u);
  EXPECT_EQ(token.size(), 3u + 43u);
  EXPECT_NE(token, new_secret_token("bs_"));
}

TEST(Password, VerifiesOnlyTheRightPassword) {
  for (const auto cost : {PasswordCost::fast_for_tests, PasswordCost::interactive}) {
    const std::string stored = hash_password("correct horse battery", cost);
    EXPECT_EQ(stored.rfind("$argon2id$", 0), 0u);
    EXPECT_TRUE(verify_password(stored, "correct horse battery"));
    EXPECT_FALSE(verify_password(stored, "correct horse batterz"));
    EXPECT_FALSE(verify_password("not a hash", "correct horse battery"));
  }
}

}  // namespace
}  // namespace barid::crypto
