#include <barid/crypto/crypto.hpp>

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
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

TEST(Base64, RoundTripsAndRejectsWhatIsNotPaddedStandardBase64) {
  const std::string text = "any carnal pleas";
  const std::string encoded = base64_encode(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  EXPECT_EQ(encoded, "YW55IGNhcm5hbCBwbGVhcw==");
  Bytes decoded;
  ASSERT_TRUE(base64_decode(encoded, decoded));
  EXPECT_EQ(std::string(decoded.begin(), decoded.end()), text);
  EXPECT_TRUE(base64_decode("", decoded));
  EXPECT_TRUE(decoded.empty());
  EXPECT_FALSE(base64_decode("YW55IGNhcm5hbCBwbGVhcw", decoded));
  EXPECT_FALSE(base64_decode("YW55-GNh", decoded));
  EXPECT_FALSE(base64_decode("YW55IGNh!", decoded));
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

namespace barid::crypto {
namespace {

TEST(Signature, VerifiesOnlyTheSignedMessageUnderTheRightKey) {
  const SigningKey key = new_signing_key();
  const std::string message = "tree head 42";
  const auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(message.data()), message.size());
  auto signature = sign(key, bytes);
  EXPECT_TRUE(verify_signature(key.public_key, bytes, signature));
  EXPECT_FALSE(verify_signature(new_signing_key().public_key, bytes, signature));
  const std::string other = "tree head 43";
  EXPECT_FALSE(verify_signature(
      key.public_key, std::span(reinterpret_cast<const std::uint8_t*>(other.data()), other.size()), signature));
  signature[10] ^= 1;
  EXPECT_FALSE(verify_signature(key.public_key, bytes, signature));
}

TEST(Signature, KeyFileIsMadeOnceWithMode0600AndReloadsTheSameKey) {
  char dir[] = "/tmp/barid-key-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/operator.key";
  const SigningKey made = load_or_create_signing_key(path);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const SigningKey loaded = load_or_create_signing_key(path);
  EXPECT_EQ(made.public_key, loaded.public_key);
  ::chmod(path.c_str(), 0644);
  EXPECT_THROW(load_or_create_signing_key(path), std::runtime_error);
  ::chmod(path.c_str(), 0600);
  std::ofstream(path) << "not hex\n";
  EXPECT_THROW(load_or_create_signing_key(path), std::runtime_error);
  std::remove(path.c_str());
  ::rmdir(dir);
}

}  // namespace
}  // namespace barid::crypto
