// The submission path shared by single letters, replies and bulk sending.
#pragma once

#include "internal.hpp"

#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace barid::mailbox::detail {

// A letter checked and laid out as its canonical document, before anything is stored.
struct PreparedLetter {
  std::string document;  // canonical JSON: the bytes whose SHA-256 the evidence records
  std::string content_sha256;
  std::vector<AttachmentInfo> attachments;
  std::int64_t size_bytes = 0;
};

// Validates a letter against the limits and lays out its document. Attachment types are read from
// their bytes here, before any transaction starts.
Result<PreparedLetter> prepare_letter(const LetterInput& input, const LetterLimits& limits, std::int64_t now_ms);
std::string request_fingerprint(const PreparedLetter& prepared, const RecipientAddress& recipient);
// The stored row of a new letter from its input and its prepared document (no state, no times).
LetterRow new_letter_row(const std::string& letter_id, const LetterInput& input, const PreparedLetter& prepared,
                         const std::string& sender_party_id, const std::string& sender_user_id,
                         const std::string& sender_assurance);

struct SubmitRequest {
  const LetterInput* input = nullptr;
  const PreparedLetter* prepared = nullptr;
  PartyRef sender;
  std::string sender_user_id;
  std::string sender_assurance;
  Actor actor;
  std::optional<std::string> idempotency_key;
  std::string fingerprint;
  std::optional<std::string> batch_id;
  std::optional<std::int64_t> batch_line;
  std::optional<std::string> thread_id;
  std::optional<std::string> in_reply_to;
  // Already resolved by the caller (bulk sending resolves recipients and keys in bulk).
  std::optional<identity::Recipient> recipient;
  std::optional<MailboxKey> recipient_mailbox_key;
  // Attachments already stored as blobs (bulk sending's shared attachments): id and key per attachment.
  const std::vector<std::pair<std::string, crypto::SecretKey>>* shared_blobs = nullptr;
  const MailboxOptions* options = nullptr;
  std::int64_t now_ms = 0;
};

// Stores one letter in `tx`: refusal with its evidence, or acceptance, sealing, evidence and — unless
// deferred — consignment with the recipient's notification.
Result<Submission> submit(MailboxService::Impl& impl, store::Transaction& tx, const SubmitRequest& request);

// Puts an accepted letter into its recipient's mailbox (or the print queue when nobody reads it).
void consign(store::Transaction& tx, LetterRow& letter, const identity::Recipient& recipient, const PartyRef& sender,
             const MailboxOptions& options, std::int64_t now_ms);

// The sealed parts of a letter, as stored beside its row.
struct SealedParts {
  store::Blob wrapped_key;
  store::Blob subject;
  store::Blob content;
  store::Blob attachment_keys;
  std::optional<std::string> case_id_tag;
};
// Inserts the whole row of a letter as it stands, evidence indexes included; `sealed` is null for a
// rejected submission, which keeps no content. The sealed parts are moved into the statement.
void insert_letter(store::Transaction& tx, const LetterRow& letter, SealedParts* sealed,
                   std::optional<std::int64_t> batch_line);
struct LetterToInsert {
  const LetterRow* letter = nullptr;
  SealedParts* sealed = nullptr;
  std::optional<std::int64_t> batch_line;
};
// The same for many letters, several rows per statement.
void insert_letters(store::Transaction& tx, std::span<const LetterToInsert> letters);

// Enqueues the recipient's e-mail and SMS notifications (only the notification text leaves).
void notify_recipient(store::Transaction& tx, const identity::Party& recipient, const LetterRow& letter,
                      const std::string& public_url, std::int64_t now_ms);

SentLetter sent_view(store::Transaction& tx, const LetterRow& letter);
std::int64_t retention_ms_for(store::Transaction& tx, const std::string& sender_party_id,
                              const MailboxOptions& options);

// The first `max_chars` code points of valid UTF-8 text.
std::string truncate_utf8(const std::string& text, std::size_t max_chars);

}  // namespace barid::mailbox::detail
