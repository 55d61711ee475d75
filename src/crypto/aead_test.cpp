#include <barid/crypto/aead.hpp>
#include <barid/store/testing.hpp>

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace barid::crypto {
namespace {

std::span<const std::uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TEST(Seal, OpensOnlyWithTheSameKeyAndAssociatedData) {
  const SecretKey key = new_secret_key();
  const Bytes sealed = seal(key, bytes("a letter"), "letter-1|party-7|v1");
  EXPECT_EQ(sealed.size(), 8 + kSealOverheadBytes);
  const auto opened = open(key, sealed, "letter-1|party-7|v1");
  ASSERT_TRUE(opened.has_value());
  EXPECT_EQ(std::string(opened->begin(), opened->end()), "a letter");
  EXPECT_FALSE(open(key, sealed, "letter-2|party-7|v1").has_value());
  EXPECT_FALSE(open(new_secret_key(), sealed, "letter-1|party-7|v1").has_value());
}

TEST(Seal, DetectsEveryAlteredByte) {
  const SecretKey key = new_secret_key();
  const Bytes sealed = seal(key, bytes("pay 100 EGP"), "ad");
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    Bytes altered = sealed;
    altered[i] ^= 0x01;
    EXPECT_FALSE(open(key, altered, "ad").has_value()) << "byte " << i;
  }
  EXPECT_FALSE(open(key, std::span(sealed).first(kSealOverheadBytes - 1), "ad").has_value());
}

TEST(Seal, SameMessageTwiceGivesDifferentCiphertexts) {
  const SecretKey key = new_secret_key();
  EXPECT_NE(seal(key, bytes("same"), ""), seal(key, bytes("same"), ""));
}

TEST(WrapKey, RoundTripsAndIsBoundToItsAssociatedData) {
  const SecretKey master = new_secret_key();
  const SecretKey mailbox = new_secret_key();
  const Bytes wrapped = wrap_key(master, mailbox, "mailbox:p1:v1");
  EXPECT_EQ(unwrap_key(master, wrapped, "mailbox:p1:v1"), mailbox);
  EXPECT_FALSE(unwrap_key(master, wrapped, "mailbox:p2:v1").has_value());
}

TEST(Hmac, MatchesRfc4231TestCase2) {
  const auto mac = hmac_sha256(bytes("Jefe"), "what do ya want for nothing?");
  EXPECT_EQ(hex_encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

class KeyringTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = store::testing::temp_dir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path() const { return dir_ + "/master.key"; }
  std::string dir_;
};

TEST_F(KeyringTest, IsCreatedOnceWithMode0600AndReadBackTheSame) {
  const Keyring first = load_or_create_keyring(path());
  struct stat info {};
  ASSERT_EQ(::stat(path().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(first.current_version, 1);
  const Keyring again = load_or_create_keyring(path());
  EXPECT_EQ(again.current(), first.current());
}

TEST_F(KeyringTest, KeepsOldVersionsBesideTheNewCurrentOne) {
  Keyring keyring = load_or_create_keyring(path());
  const SecretKey old_key = keyring.current();
  keyring.keys[2] = new_secret_key();
  keyring.current_version = 2;
  save_keyring(path(), keyring);
  const Keyring loaded = load_keyring(path());
  EXPECT_EQ(loaded.current_version, 2);
  ASSERT_NE(loaded.find(1), nullptr);
  EXPECT_EQ(*loaded.find(1), old_key);
  EXPECT_EQ(loaded.current(), keyring.keys[2]);
}

TEST_F(KeyringTest, RefusesAFileReadableByOthersOrMalformed) {
  load_or_create_keyring(path());
  ::chmod(path().c_str(), 0644);
  EXPECT_THROW(load_keyring(path()), std::runtime_error);
  ::chmod(path().c_str(), 0600);
  std::ofstream(path()) << "v1 nothex\ncurrent 1\n";
  EXPECT_THROW(load_keyring(path()), std::runtime_error);
  std::ofstream(path()) << "v1 " << std::string(64, 'a') << "\ncurrent 2\n";
  EXPECT_THROW(load_keyring(path()), std::runtime_error);
}

TEST(Fingerprint, DiffersBetweenKeysAndIsStable) {
  const SecretKey a = new_secret_key();
  EXPECT_EQ(key_fingerprint(a), key_fingerprint(a));
  EXPECT_EQ(key_fingerprint(a).size(), 16u);
  EXPECT_NE(key_fingerprint(a), key_fingerprint(new_secret_key()));
}

}  // namespace
}  // namespace barid::crypto
