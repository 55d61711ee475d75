#include <barid/crypto/crypto.hpp>

#include <barid/core/check.hpp>
#include <barid/core/time.hpp>

#include <openssl/evp.h>
#include <sodium.h>

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace barid::crypto {

void initialize() {
  static const int result = sodium_init();
  BARID_CHECK(result >= 0, "libsodium failed to initialise");
}

namespace {

// Bytes read from the kernel ahead of use, per thread. fork() moves the process to a new
// generation, so a child never hands out the bytes its parent also holds (getpid() would be a
// system call on every use).
std::atomic<std::uint64_t> fork_generation{1};

struct RandomBuffer {
  std::array<std::uint8_t, 4096> bytes{};
  std::size_t used = 4096;
  std::uint64_t generation = 0;
  ~RandomBuffer() { sodium_memzero(bytes.data(), bytes.size()); }
};

[[maybe_unused]] const int kForkHandler =
    ::pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1, std::memory_order_relaxed); });

RandomBuffer& random_buffer() {
  thread_local RandomBuffer buffer;
  return buffer;
}

}  // namespace

void random_fill(std::span<std::uint8_t> out) {
  initialize();
  RandomBuffer& buffer = random_buffer();
  if (out.size() > buffer.bytes.size() / 4) {
    randombytes_buf(out.data(), out.size());
    return;
  }
  const std::uint64_t generation = fork_generation.load(std::memory_order_relaxed);
  if (buffer.generation != generation || buffer.used + out.size() > buffer.bytes.size()) {
    randombytes_buf(buffer.bytes.data(), buffer.bytes.size());
    buffer.used = 0;
    buffer.generation = generation;
  }
  std::copy_n(buffer.bytes.begin() + static_cast<std::ptrdiff_t>(buffer.used), out.size(), out.begin());
  // What was handed out is not kept.
  sodium_memzero(buffer.bytes.data() + buffer.used, out.size());
  buffer.used += out.size();
}

Bytes random_bytes(std::size_t count) {
  Bytes bytes(count);
  random_fill(bytes);
  return bytes;
}

std::uint64_t random_uint64() {
  std::uint64_t value = 0;
  random_fill(std::span(reinterpret_cast<std::uint8_t*>(&value), sizeof value));
  return value;
}

namespace {

struct DigestContext {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  DigestContext() { BARID_CHECK(context != nullptr && sha256 != nullptr, "OpenSSL has no SHA-256"); }
  ~DigestContext() {
    EVP_MD_free(sha256);
    EVP_MD_CTX_free(context);
  }
};

}  // namespace

Sha256 sha256_of_parts(std::initializer_list<std::span<const std::uint8_t>> parts) {
  thread_local DigestContext digest;
  Sha256 out{};
  unsigned int length = 0;
  bool ok = EVP_DigestInit_ex2(digest.context, digest.sha256, nullptr) == 1;
  for (const auto& part : parts) ok = ok && EVP_DigestUpdate(digest.context, part.data(), part.size()) == 1;
  ok = ok && EVP_DigestFinal_ex(digest.context, out.data(), &length) == 1;
  BARID_CHECK(ok && length == out.size(), "SHA-256 failed");
  return out;
}

Sha256 sha256(std::span<const std::uint8_t> data) {
  return sha256_of_parts({data});
}

Sha256 sha256(std::string_view data) {
  return sha256(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

std::string hex_encode(std::span<const std::uint8_t> data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(data.size() * 2);
  for (const std::uint8_t byte : data) {
    hex.push_back(kDigits[byte >> 4]);
    hex.push_back(kDigits[byte & 0x0F]);
  }
  return hex;
}

bool hex_decode(std::string_view hex, Bytes& out) {
  if (hex.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out.clear();
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = nibble(hex[i]);
    const int low = nibble(hex[i + 1]);
    if (high < 0 || low < 0) return false;
    out.push_back(static_cast<std::uint8_t>(high << 4 | low));
  }
  return true;
}

std::string base64url_encode(std::span<const std::uint8_t> data) {
  std::string text(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(text.data(), text.size(), data.data(), data.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  text.resize(std::strlen(text.c_str()));
  return text;
}

std::string base64_encode(std::span<const std::uint8_t> data) {
  std::string text(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), data.data(), data.size(), sodium_base64_VARIANT_ORIGINAL);
  text.resize(std::strlen(text.c_str()));
  return text;
}

bool base64_decode(std::string_view text, Bytes& out) {
  initialize();
  out.resize(text.size() / 4 * 3 + 3);
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    out.clear();
    return false;
  }
  out.resize(length);
  return true;
}

bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string new_uuid() {
  std::array<std::uint8_t, 16> bytes{};
  random_fill(bytes);
  const auto unix_ms = static_cast<std::uint64_t>(now_ms());
  for (int i = 0; i < 6; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(unix_ms >> (40 - 8 * i));
  bytes[6] = static_cast<std::uint8_t>(0x70 | (bytes[6] & 0x0F));  // version 7
  bytes[8] = static_cast<std::uint8_t>(0x80 | (bytes[8] & 0x3F));  // RFC 4122 variant
  const std::string hex = hex_encode(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

std::string new_secret_token(std::string_view prefix) {
  return std::string(prefix) + base64url_encode(random_bytes(32));
}

std::string hash_password(std::string_view password, PasswordCost cost) {
  initialize();
  const bool fast = cost == PasswordCost::fast_for_tests;
  const unsigned long long ops = fast ? crypto_pwhash_argon2id_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
  const std::size_t memory = fast ? 64 * 1024 : crypto_pwhash_MEMLIMIT_INTERACTIVE;
  char stored[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(stored, password.data(), password.size(), ops, memory, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("out of memory while hashing a password");
  }
  return stored;
}

bool verify_password(std::string_view stored_hash, std::string_view password) {
  initialize();
  const std::string terminated(stored_hash);  // libsodium needs a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

SigningKey new_signing_key() {
  initialize();
  SigningKey key;
  crypto_sign_keypair(key.public_key.data(), key.secret.data());
  return key;
}

std::array<std::uint8_t, 64> sign(const SigningKey& key, std::span<const std::uint8_t> message) {
  std::array<std::uint8_t, 64> signature{};
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(), key.secret.data());
  return signature;
}

bool verify_signature(std::span<const std::uint8_t> public_key, std::span<const std::uint8_t> message,
                      std::span<const std::uint8_t> signature) {
  initialize();
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), public_key.data()) == 0;
}

SigningKey load_or_create_signing_key(const std::string& path) {
  initialize();
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    std::array<std::uint8_t, crypto_sign_SEEDBYTES> seed{};
    randombytes_buf(seed.data(), seed.size());
    // Created 0600 from the start (never readable by others, not even for an instant), exclusively
    // (two processes starting at once cannot both write one), and synced before use.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      const std::string text = hex_encode(seed) + "\n";
      const bool written =
          ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
      ::close(fd);
      sodium_memzero(seed.data(), seed.size());
      if (!written) throw std::runtime_error("cannot write the signing key " + path);
    } else if (errno != EEXIST) {
      throw std::runtime_error("cannot create the signing key " + path + ": " + std::strerror(errno));
    }
    return load_or_create_signing_key(path);
  }
  if ((info.st_mode & 077) != 0) {
    throw std::runtime_error("the signing key " + path + " is readable by others: chmod 600 it");
  }
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  Bytes seed;
  if (!hex_decode(text, seed) || seed.size() != crypto_sign_SEEDBYTES) {
    throw std::runtime_error("the signing key " + path + " is not a 32-byte hex seed");
  }
  SigningKey key;
  crypto_sign_seed_keypair(key.public_key.data(), key.secret.data(), seed.data());
  sodium_memzero(seed.data(), seed.size());
  return key;
}

}  // namespace barid::crypto
