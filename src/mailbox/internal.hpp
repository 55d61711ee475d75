// What the mailbox's source files share and nobody else sees: the service's state, the stored form
// of a letter, sealing and opening content, and recording evidence.
#pragma once

#include <barid/core/json.hpp>
#include <barid/crypto/aead.hpp>
#include <barid/mailbox/mailbox.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace barid::mailbox {

struct MailboxService::Impl {
  store::Store& store;
  identity::IdentityService& identity;
  KeyVault& keys;
  transparency::TransparencyLog& log;
  const crypto::SigningKey& operator_key;
  const MailboxOptions& options;
};

namespace detail {

// Who did something that evidence records.
struct Actor {
  std::string capacity;  // sender, owner, delegate, api_key, system, print_centre
  std::string user_id;
  std::string login;
  std::optional<std::string> delegation_id;
};
Actor actor_of(const identity::Principal& principal, const std::string& capacity,
               const std::optional<std::string>& delegation_id = std::nullopt);
inline Actor system_actor() {
  return {"system", "", "", std::nullopt};
}

// The eIDAS-style assurance level of how the sender authenticated.
std::string assurance_of(const identity::Principal& principal);

PartyRef party_ref(const identity::Party& party);

// The stored columns of a letter (all but its sealed content).
struct LetterRow {
  std::string id;
  std::string sender_party_id;
  std::string sender_user_id;
  std::optional<std::string> recipient_party_id;
  std::string recipient_kind;
  std::string recipient_identifier;
  std::optional<std::string> batch_id;
  std::string thread_id;
  std::optional<std::string> in_reply_to;
  LetterKind kind = LetterKind::ordinary;
  bool legal_notification = false;
  bool mandatory = false;
  bool reply_allowed = false;
  std::optional<std::int64_t> reply_by_ms;
  std::optional<std::int64_t> deliver_after_ms;
  std::string notification;
  std::string language;
  LetterState state = LetterState::accepted;
  std::string channel;
  std::optional<std::string> rejection_reason;
  std::optional<std::int64_t> mailbox_key_version;
  std::optional<store::Blob> wrapped_key;
  std::optional<store::Blob> subject_sealed;
  std::string content_sha256;
  std::vector<std::string> attachments_sha256;
  std::int64_t size_bytes = 0;
  int attachment_count = 0;
  std::string sender_assurance;
  std::int64_t submitted_at_ms = 0;
  std::optional<std::int64_t> consigned_at_ms;
  std::optional<std::int64_t> opened_at_ms;
  std::optional<std::int64_t> handover_deadline_ms;
  std::optional<std::int64_t> retention_until_ms;
  std::optional<std::int64_t> content_destroyed_at_ms;
  std::string folder;
  bool unread = true;
  std::optional<std::string> print_reason;
  std::optional<std::string> print_batch_id;
  std::optional<std::int64_t> printed_at_ms;
  std::optional<std::int64_t> evidence_index[6];  // by EvidenceEvent
};

// The SELECT list LetterRow reads, with table alias l.
extern const char* const kLetterColumns;
LetterRow letter_from_row(const store::Row& row);
std::optional<LetterRow> load_letter(store::Transaction& tx, const std::string& letter_id, bool for_update = false);

std::vector<EvidenceSummary> evidence_of(const LetterRow& letter,
                                         const std::vector<std::pair<std::int64_t, std::int64_t>>& appended_at);
const char* evidence_column(EvidenceEvent event);

// The bytes of one evidence record (canonical JSON), as the log stores them.
struct EvidenceFacts {
  EvidenceEvent event = EvidenceEvent::submission_acceptance;
  std::int64_t at_ms = 0;
  const LetterRow* letter = nullptr;
  PartyRef sender;
  std::optional<PartyRef> recipient;
  Actor actor;
  std::optional<std::string> reason;
};
std::string evidence_record(const EvidenceFacts& facts);
std::string evidence_kind(EvidenceEvent event);  // "evidence.ContentHandover"
// Appends the record to the log and stores its index on the letter, in `tx`.
std::int64_t record_evidence(store::Transaction& tx, const EvidenceFacts& facts);

// Sealing under a letter key.
struct LetterKeys {
  crypto::SecretKey letter_key{};
  int mailbox_key_version = 1;
};
crypto::Bytes seal_part(const LetterKeys& keys, const std::string& letter_id, const std::string& recipient_party_id,
                        std::string_view part, std::string_view plaintext);
std::optional<std::string> open_part(const LetterKeys& keys, const std::string& letter_id,
                                     const std::string& recipient_party_id, std::string_view part,
                                     std::span<const std::uint8_t> sealed);
// The letter key of a stored letter, through its recipient's mailbox key; nullopt once the content
// was destroyed at the end of its retention.
std::optional<LetterKeys> letter_keys(KeyVault& keys, store::Transaction& tx, const LetterRow& letter);

// Party references for a set of party ids, read in one statement.
std::map<std::string, PartyRef> party_refs(store::Transaction& tx, const std::vector<std::string>& party_ids);

Json action_json(const LetterAction& action);
std::optional<LetterAction> action_from_json(const Json& json);

// Opaque listing cursors: (time, id) of the last letter of a page.
std::string encode_cursor(std::int64_t at_ms, const std::string& id);
std::optional<std::pair<std::int64_t, std::string>> decode_cursor(const std::string& cursor);

// A letter opened on the recipient side: the first opening recorded (ContentHandover for a
// registered letter, naming who), the document and attachment keys decrypted.
struct OpenedContent {
  LetterRow letter;
  std::string document;
  std::string attachment_keys;
  PartyRef sender;
  PartyRef recipient;
};
Result<OpenedContent> open_for_recipient(MailboxService::Impl& impl, const identity::Principal& caller,
                                         const std::string& letter_id, std::int64_t now, identity::Scope scope,
                                         std::string_view action);

// HMAC tag of a case id under a mailbox key, so letters can be found by case id without storing it.
std::string case_id_tag(const MailboxKey& mailbox_key, const std::string& case_id);

}  // namespace detail
}  // namespace barid::mailbox
