// The mailbox's key hierarchy: a master keyring in a file outside the database wraps one key per
// mailbox; a mailbox key wraps one key per letter; a letter key seals the letter's content. Rotating
// the master key re-wraps mailbox keys and touches no content.
#pragma once

#include <barid/core/result.hpp>
#include <barid/crypto/aead.hpp>
#include <barid/store/store.hpp>

#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace barid::mailbox {

struct MailboxKey {
  int version = 1;
  crypto::SecretKey key{};
};

struct RotationReport {
  int old_version = 0;
  int new_version = 0;
  std::int64_t mailboxes_rewrapped = 0;
};

class KeyVault {
 public:
  // `keyring_path`: the master keyring file (created with one key when missing).
  explicit KeyVault(std::string keyring_path);

  // Records the keyring's fingerprints in the database on first use, and refuses a keyring whose
  // key for a recorded version differs (a server started with another node's key file).
  Status check_against_database(store::Store& store);

  // The key of `party_id`'s mailbox, made inside `tx` when the mailbox has none yet.
  MailboxKey mailbox_key(store::Transaction& tx, const std::string& party_id, std::int64_t now_ms);
  // The same when the caller already knows the party has no mailbox (bulk sending looked it up).
  MailboxKey create_mailbox(store::Transaction& tx, const std::string& party_id, std::int64_t now_ms);
  // nullopt when the party has no mailbox; throws when its key cannot be unwrapped (wrong keyring).
  std::optional<MailboxKey> existing_mailbox_key(store::Transaction& tx, const std::string& party_id);
  // A mailbox key from its stored columns (for bulk reads that joined them already).
  MailboxKey unwrap_mailbox_key(const std::string& party_id, int key_version, int master_version,
                                std::span<const std::uint8_t> wrapped);
  // Wraps a new mailbox key for `party_id` (for bulk creation): the columns to store.
  struct WrappedMailboxKey {
    MailboxKey key;
    store::Blob wrapped;
    int master_version = 0;
  };
  WrappedMailboxKey new_mailbox_key(const std::string& party_id);

  // Adds a new master key version to the keyring file (keeping the old ones), re-wraps every mailbox
  // key under it in batches, and records the new fingerprint. Resumable: run it again after a crash.
  Result<RotationReport> rotate_master(store::Store& store, std::int64_t now_ms);
  // Drops master key versions no mailbox uses any more from the keyring file.
  Result<int> retire_unused_master_keys(store::Store& store);

  int current_master_version();

 private:
  const crypto::SecretKey* master_key(int version);

  std::string keyring_path_;
  std::mutex mutex_;
  crypto::Keyring keyring_;
};

// Associated data that binds each sealed item to what it belongs to.
std::string mailbox_key_ad(const std::string& party_id, int key_version);
std::string letter_key_ad(const std::string& letter_id, const std::string& recipient_party_id, int key_version);
std::string letter_content_ad(const std::string& letter_id, const std::string& recipient_party_id, int key_version,
                              std::string_view part);
std::string blob_ad(const std::string& blob_id);

}  // namespace barid::mailbox
