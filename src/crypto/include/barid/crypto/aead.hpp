// Encryption at rest: XChaCha20-Poly1305 for content and for wrapping keys, HMAC-SHA-256 for signed
// webhooks and search tags, and the master keyring kept in a file outside the database.
#pragma once

#include <barid/crypto/crypto.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace barid::crypto {

using SecretKey = std::array<std::uint8_t, 32>;

SecretKey new_secret_key();

// XChaCha20-Poly1305 (IETF). The sealed form is nonce (24 random bytes) ‖ ciphertext ‖ tag (16), so
// one key may seal any number of messages. `associated_data` is authenticated, not stored: opening
// with other associated data fails, which binds a ciphertext to its letter, owner and key version.
inline constexpr std::size_t kSealOverheadBytes = 24 + 16;
Bytes seal(const SecretKey& key, std::span<const std::uint8_t> plaintext, std::string_view associated_data);
// nullopt when the key or associated data is wrong or a byte was altered.
std::optional<Bytes> open(const SecretKey& key, std::span<const std::uint8_t> sealed, std::string_view associated_data);

// A key sealed under a key-encryption key.
Bytes wrap_key(const SecretKey& key_encryption_key, const SecretKey& key, std::string_view associated_data);
std::optional<SecretKey> unwrap_key(const SecretKey& key_encryption_key, std::span<const std::uint8_t> wrapped,
                                    std::string_view associated_data);

Sha256 hmac_sha256(std::span<const std::uint8_t> key, std::string_view message);

// Master keys by version, newest current. The file holds one "v<N> <64 hex>" line per version and a
// "current <N>" line; it is written whole to a temporary file, synced and renamed, with mode 0600.
struct Keyring {
  std::map<int, SecretKey> keys;
  int current_version = 0;

  const SecretKey& current() const { return keys.at(current_version); }
  const SecretKey* find(int version) const;
};

// Loads the keyring at `path`, or makes one with a single new key (version 1) when the file does not
// exist. Throws std::runtime_error when the file exists but is malformed or readable by others.
Keyring load_or_create_keyring(const std::string& path);
Keyring load_keyring(const std::string& path);
void save_keyring(const std::string& path, const Keyring& keyring);

// A short public fingerprint of a key (first 16 hex digits of SHA-256 over a domain tag and the key),
// stored in the database so a server started with the wrong key file refuses to run.
std::string key_fingerprint(const SecretKey& key);

}  // namespace barid::crypto
