#include <barid/core/log.hpp>
#include <barid/mailbox/keys.hpp>

#include <sodium.h>

#include <stdexcept>

namespace barid::mailbox {

std::string mailbox_key_ad(const std::string& party_id, int key_version) {
  return "barid-mailbox-key|" + party_id + "|v" + std::to_string(key_version);
}

std::string letter_key_ad(const std::string& letter_id, const std::string& recipient_party_id, int key_version) {
  return "barid-letter-key|" + letter_id + "|" + recipient_party_id + "|v" + std::to_string(key_version);
}

std::string letter_content_ad(const std::string& letter_id, const std::string& recipient_party_id, int key_version,
                              std::string_view part) {
  return "barid-letter|" + letter_id + "|" + recipient_party_id + "|v" + std::to_string(key_version) + "|" +
         std::string(part);
}

std::string blob_ad(const std::string& blob_id) {
  return "barid-blob|" + blob_id;
}

KeyVault::KeyVault(std::string keyring_path)
    : keyring_path_(std::move(keyring_path)), keyring_(crypto::load_or_create_keyring(keyring_path_)) {}

int KeyVault::current_master_version() {
  std::lock_guard lock(mutex_);
  return keyring_.current_version;
}

const crypto::SecretKey* KeyVault::master_key(int version) {
  std::lock_guard lock(mutex_);
  if (const auto* key = keyring_.find(version)) return key;
  // Another process may have rotated the master key since this one started: read the file again.
  keyring_ = crypto::load_keyring(keyring_path_);
  return keyring_.find(version);
}

Status KeyVault::check_against_database(store::Store& store) {
  crypto::Keyring keyring;
  {
    std::lock_guard lock(mutex_);
    keyring = keyring_;
  }
  auto outcome = store.write<bool>([&](store::Transaction& tx) -> Result<bool> {
    for (const auto& [version, key] : keyring.keys) {
      const std::string fingerprint = crypto::key_fingerprint(key);
      auto row = tx.query_one("SELECT fingerprint FROM mailbox_master_keys WHERE version = ?", {std::int64_t{version}});
      if (!row) {
        tx.execute("INSERT INTO mailbox_master_keys (version, fingerprint) VALUES (?, ?) ON CONFLICT DO NOTHING",
                   {std::int64_t{version}, fingerprint});
      } else if (row->text(0) != fingerprint) {
        return make_error(ErrorKind::unavailable, "master_key_mismatch",
                          "the master key file " + keyring_path_ + " holds another key for version " +
                              std::to_string(version) + " than this database was written with (fingerprint " +
                              row->text(0) + "): start with that database's key file");
      }
    }
    return true;
  });
  if (!outcome) return std::move(outcome).error();
  return {};
}

KeyVault::WrappedMailboxKey KeyVault::new_mailbox_key(const std::string& party_id) {
  WrappedMailboxKey made;
  made.key.version = 1;
  made.key.key = crypto::new_secret_key();
  std::lock_guard lock(mutex_);
  made.master_version = keyring_.current_version;
  made.wrapped = crypto::wrap_key(keyring_.current(), made.key.key, mailbox_key_ad(party_id, made.key.version));
  return made;
}

MailboxKey KeyVault::unwrap_mailbox_key(const std::string& party_id, int key_version, int master_version,
                                        std::span<const std::uint8_t> wrapped) {
  const crypto::SecretKey* master = master_key(master_version);
  if (master == nullptr) {
    throw std::runtime_error("master key version " + std::to_string(master_version) + " is not in " + keyring_path_);
  }
  auto key = crypto::unwrap_key(*master, wrapped, mailbox_key_ad(party_id, key_version));
  if (!key) throw std::runtime_error("a mailbox key does not open with the master key: wrong key file or altered row");
  return MailboxKey{key_version, *key};
}

std::optional<MailboxKey> KeyVault::existing_mailbox_key(store::Transaction& tx, const std::string& party_id) {
  auto row =
      tx.query_one("SELECT key_version, master_key_version, wrapped_key FROM mailboxes WHERE party_id = ?", {party_id});
  if (!row) return std::nullopt;
  return unwrap_mailbox_key(party_id, static_cast<int>(row->int64(0)), static_cast<int>(row->int64(1)), row->blob(2));
}

MailboxKey KeyVault::mailbox_key(store::Transaction& tx, const std::string& party_id, std::int64_t now_ms) {
  if (auto existing = existing_mailbox_key(tx, party_id)) return *existing;
  return create_mailbox(tx, party_id, now_ms);
}

MailboxKey KeyVault::create_mailbox(store::Transaction& tx, const std::string& party_id, std::int64_t now_ms) {
  const WrappedMailboxKey made = new_mailbox_key(party_id);
  // Two transactions making the same mailbox at once: the second one's insert does nothing, and it
  // reads the key the first one stored.
  const auto inserted = tx.execute(
      "INSERT INTO mailboxes (party_id, key_version, master_key_version, wrapped_key, created_at_ms) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (party_id) DO NOTHING",
      {party_id, std::int64_t{made.key.version}, std::int64_t{made.master_version}, made.wrapped, now_ms});
  if (inserted == 0) return *existing_mailbox_key(tx, party_id);
  return made.key;
}

Result<RotationReport> KeyVault::rotate_master(store::Store& store, std::int64_t now_ms) {
  RotationReport report;
  crypto::SecretKey new_key{};
  {
    std::lock_guard lock(mutex_);
    keyring_ = crypto::load_keyring(keyring_path_);
    report.old_version = keyring_.current_version;
    // A rotation that stopped half-way left its new key current: finish re-wrapping under it.
    const bool resuming = store.read<bool>([&](store::Transaction& tx) {
      return tx.query_one("SELECT COUNT(*) FROM mailboxes WHERE master_key_version <> ?",
                          {std::int64_t{keyring_.current_version}})
                     ->int64(0) > 0 &&
             keyring_.keys.size() > 1;
    });
    if (!resuming) {
      const int version = keyring_.keys.rbegin()->first + 1;
      keyring_.keys[version] = crypto::new_secret_key();
      keyring_.current_version = version;
      crypto::save_keyring(keyring_path_, keyring_);
    }
    report.new_version = keyring_.current_version;
    new_key = keyring_.current();
  }
  BARID_TRY(check_against_database(store));
  constexpr std::int64_t kBatch = 1000;
  for (;;) {
    std::int64_t done = 0;
    store.run_write([&](store::Transaction& tx) {
      done = 0;
      for (const auto& row : tx.query("SELECT party_id, key_version, master_key_version, wrapped_key FROM mailboxes "
                                      "WHERE master_key_version <> ? ORDER BY party_id LIMIT ?",
                                      {std::int64_t{report.new_version}, kBatch})) {
        const std::string party_id = row.text(0);
        const int key_version = static_cast<int>(row.int64(1));
        const MailboxKey key = unwrap_mailbox_key(party_id, key_version, static_cast<int>(row.int64(2)), row.blob(3));
        const store::Blob wrapped = crypto::wrap_key(new_key, key.key, mailbox_key_ad(party_id, key_version));
        tx.execute("UPDATE mailboxes SET master_key_version = ?, wrapped_key = ? WHERE party_id = ?",
                   {std::int64_t{report.new_version}, wrapped, party_id});
        ++done;
      }
      return true;
    });
    report.mailboxes_rewrapped += done;
    if (done < kBatch) break;
  }
  sodium_memzero(new_key.data(), new_key.size());
  log::info("master_key_rotated", {{"old_version", std::int64_t{report.old_version}},
                                   {"new_version", std::int64_t{report.new_version}},
                                   {"mailboxes_rewrapped", report.mailboxes_rewrapped},
                                   {"at_ms", now_ms}});
  return report;
}

Result<int> KeyVault::retire_unused_master_keys(store::Store& store) {
  std::lock_guard lock(mutex_);
  keyring_ = crypto::load_keyring(keyring_path_);
  int retired = 0;
  for (auto it = keyring_.keys.begin(); it != keyring_.keys.end();) {
    const int version = it->first;
    const bool in_use = version == keyring_.current_version || store.read<bool>([&](store::Transaction& tx) {
      return tx.query_one("SELECT COUNT(*) FROM mailboxes WHERE master_key_version = ?", {std::int64_t{version}})
                 ->int64(0) > 0;
    });
    if (in_use) {
      ++it;
    } else {
      it = keyring_.keys.erase(it);
      ++retired;
    }
  }
  crypto::save_keyring(keyring_path_, keyring_);
  return retired;
}

}  // namespace barid::mailbox
