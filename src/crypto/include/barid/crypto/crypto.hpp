// Cryptographic primitives Barid uses, all from libsodium: randomness, SHA-256, password hashing
// (Argon2id), constant-time comparison and identifiers. Call crypto::initialize() once at start.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace barid::crypto {

using Bytes = std::vector<std::uint8_t>;
using Sha256 = std::array<std::uint8_t, 32>;

void initialize();  // idempotent, thread-safe

// Randomness from the kernel's CSPRNG (getrandom), read 4 KiB at a time per thread so that a
// letter's keys, nonces and id do not cost a system call each. Never reused across fork().
Bytes random_bytes(std::size_t count);
void random_fill(std::span<std::uint8_t> out);
std::uint64_t random_uint64();

// SHA-256 through OpenSSL, which uses the CPU's SHA extensions where it has them.
Sha256 sha256(std::span<const std::uint8_t> data);
Sha256 sha256(std::string_view data);
// SHA-256 of the concatenation of `parts`, without copying them together.
Sha256 sha256_of_parts(std::initializer_list<std::span<const std::uint8_t>> parts);

std::string hex_encode(std::span<const std::uint8_t> data);
bool hex_decode(std::string_view hex, Bytes& out);
std::string base64url_encode(std::span<const std::uint8_t> data);  // no padding
std::string base64_encode(std::span<const std::uint8_t> data);     // RFC 4648 standard alphabet, padded
bool base64_decode(std::string_view text, Bytes& out);             // false on anything but padded standard base64

bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

// A time-ordered UUID (version 7) in its 36-character text form.
std::string new_uuid();

// A bearer secret: `prefix` + 256 random bits in base64url.
std::string new_secret_token(std::string_view prefix);

// Argon2id. `interactive` is libsodium's interactive profile (64 MiB, 2 passes), for people;
// `fast_for_tests` uses the smallest allowed cost so sanitizer builds stay quick.
enum class PasswordCost { interactive, fast_for_tests };
std::string hash_password(std::string_view password, PasswordCost cost);
bool verify_password(std::string_view stored_hash, std::string_view password);

// Ed25519 signatures (the operator's key signs tree heads and evidence).
struct SigningKey {
  std::array<std::uint8_t, 64> secret{};  // libsodium's secret key: seed followed by the public key
  std::array<std::uint8_t, 32> public_key{};
};
SigningKey new_signing_key();
std::array<std::uint8_t, 64> sign(const SigningKey& key, std::span<const std::uint8_t> message);
bool verify_signature(std::span<const std::uint8_t> public_key, std::span<const std::uint8_t> message,
                      std::span<const std::uint8_t> signature);
// Loads the key kept in `path` (the 32-byte seed, hex), or makes one there with mode 0600 when the
// file does not exist. Throws std::runtime_error when the file exists but is not a key, or is
// readable by others.
SigningKey load_or_create_signing_key(const std::string& path);

}  // namespace barid::crypto
