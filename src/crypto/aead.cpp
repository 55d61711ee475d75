#include <barid/crypto/aead.hpp>

#include <barid/core/check.hpp>

#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace barid::crypto {
namespace {

static_assert(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES ==
              kSealOverheadBytes);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == sizeof(SecretKey));

const unsigned char* bytes_of(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

void write_file_durably(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  ::unlink(temporary.c_str());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + temporary + ": " + std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  }
  // The rename itself must reach the disk before anything relies on the new file.
  const std::string directory = std::filesystem::path(path).parent_path().string();
  const int dir_fd = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace

SecretKey new_secret_key() {
  SecretKey key{};
  random_fill(key);
  return key;
}

Bytes seal(const SecretKey& key, std::span<const std::uint8_t> plaintext, std::string_view associated_data) {
  initialize();
  Bytes sealed(kSealOverheadBytes + plaintext.size());
  unsigned char* nonce = sealed.data();
  random_fill(std::span(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES));
  unsigned long long written = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(sealed.data() + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &written,
                                             plaintext.data(), plaintext.size(), bytes_of(associated_data),
                                             associated_data.size(), nullptr, nonce, key.data());
  BARID_CHECK(written == plaintext.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, "AEAD output size");
  return sealed;
}

std::optional<Bytes> open(const SecretKey& key, std::span<const std::uint8_t> sealed,
                          std::string_view associated_data) {
  initialize();
  if (sealed.size() < kSealOverheadBytes) return std::nullopt;
  Bytes plaintext(sealed.size() - kSealOverheadBytes);
  unsigned long long written = 0;
  const unsigned char* nonce = sealed.data();
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          plaintext.data(), &written, nullptr, sealed.data() + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
          sealed.size() - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, bytes_of(associated_data),
          associated_data.size(), nonce, key.data()) != 0) {
    return std::nullopt;
  }
  return plaintext;
}

Bytes wrap_key(const SecretKey& key_encryption_key, const SecretKey& key, std::string_view associated_data) {
  return seal(key_encryption_key, key, associated_data);
}

std::optional<SecretKey> unwrap_key(const SecretKey& key_encryption_key, std::span<const std::uint8_t> wrapped,
                                    std::string_view associated_data) {
  auto opened = open(key_encryption_key, wrapped, associated_data);
  if (!opened || opened->size() != sizeof(SecretKey)) return std::nullopt;
  SecretKey key{};
  std::copy(opened->begin(), opened->end(), key.begin());
  sodium_memzero(opened->data(), opened->size());
  return key;
}

Sha256 hmac_sha256(std::span<const std::uint8_t> key, std::string_view message) {
  initialize();
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, key.data(), key.size());
  crypto_auth_hmacsha256_update(&state, bytes_of(message), message.size());
  Sha256 mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  return mac;
}

const SecretKey* Keyring::find(int version) const {
  auto it = keys.find(version);
  return it == keys.end() ? nullptr : &it->second;
}

Keyring load_keyring(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw std::runtime_error("the master key file " + path + " does not exist");
  if ((info.st_mode & 077) != 0) {
    throw std::runtime_error("the master key file " + path + " is readable by others: chmod 600 it");
  }
  std::ifstream in(path);
  Keyring keyring;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    std::istringstream fields(line);
    std::string name, value;
    fields >> name >> value;
    if (name == "current") {
      keyring.current_version = std::atoi(value.c_str());
      continue;
    }
    Bytes bytes;
    const int version = name.size() > 1 && name.front() == 'v' ? std::atoi(name.c_str() + 1) : 0;
    if (version <= 0 || !hex_decode(value, bytes) || bytes.size() != sizeof(SecretKey)) {
      throw std::runtime_error("the master key file " + path + " has a malformed line");
    }
    SecretKey key{};
    std::copy(bytes.begin(), bytes.end(), key.begin());
    sodium_memzero(bytes.data(), bytes.size());
    keyring.keys[version] = key;
  }
  if (keyring.keys.empty() || keyring.find(keyring.current_version) == nullptr) {
    throw std::runtime_error("the master key file " + path + " names no current key");
  }
  return keyring;
}

void save_keyring(const std::string& path, const Keyring& keyring) {
  BARID_CHECK(keyring.find(keyring.current_version) != nullptr, "the current master key must be in the keyring");
  std::string text = "# Barid master keys: never copy this file into the database or a backup of it.\n";
  for (const auto& [version, key] : keyring.keys) {
    text += 'v';  // appended piece by piece: GCC 12 warns falsely (-Wrestrict) on "v" + std::to_string(…)
    text += std::to_string(version);
    text += ' ';
    text += hex_encode(key);
    text += '\n';
  }
  text += "current " + std::to_string(keyring.current_version) + "\n";
  write_file_durably(path, text);
  sodium_memzero(text.data(), text.size());
}

Keyring load_or_create_keyring(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) return load_keyring(path);
  Keyring keyring;
  keyring.keys[1] = new_secret_key();
  keyring.current_version = 1;
  // Exclusive creation: two processes starting on one data directory must not each make a key.
  const std::string lock_path = path + ".creating";
  const int fd = ::open(lock_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno != EEXIST) throw std::runtime_error("cannot create " + lock_path + ": " + std::strerror(errno));
    for (int attempt = 0; attempt < 100 && ::stat(path.c_str(), &info) != 0; ++attempt) ::usleep(20'000);
    return load_keyring(path);
  }
  ::close(fd);
  save_keyring(path, keyring);
  ::unlink(lock_path.c_str());
  return keyring;
}

std::string key_fingerprint(const SecretKey& key) {
  std::string input = "barid-key-fingerprint-v1";
  input.append(reinterpret_cast<const char*>(key.data()), key.size());
  const std::string hex = hex_encode(sha256(input));
  sodium_memzero(input.data(), input.size());
  return hex.substr(0, 16);
}

}  // namespace barid::crypto
