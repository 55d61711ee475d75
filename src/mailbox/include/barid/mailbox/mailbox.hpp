// The digital mailbox with registered delivery: letters sealed at rest under per-letter keys, the
// mailbox views of recipients and their delegates, and every registered-delivery event recorded as
// evidence in the transparency log in the same transaction as the change it records.
#pragma once

#include <barid/core/json.hpp>
#include <barid/core/result.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/identity/identity.hpp>
#include <barid/mailbox/keys.hpp>
#include <barid/mailbox/model.hpp>
#include <barid/store/store.hpp>
#include <barid/transparency/log.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace barid::mailbox {

struct MailboxOptions {
  LetterLimits limits;
  // A registered letter not opened this long after consignment is reported unopened
  // (ContentHandoverFailure) and goes to the print queue.
  std::int64_t handover_deadline_ms = 15LL * 24 * 60 * 60 * 1000;
  // How long letters stay readable when their sender has set no retention of its own.
  std::int64_t default_retention_ms = 10LL * 365 * 24 * 60 * 60 * 1000;
  // Where the QR code of a PDF receipt points (the public verification page).
  std::string public_url = "http://127.0.0.1:8080";
  // Wall clock in UTC milliseconds; tests replace it to move time without sleeping.
  std::function<std::int64_t()> clock;
};

// Whether a submission went through; a refused one still has its SubmissionRejection evidence.
struct Submission {
  std::string letter_id;
  LetterState state = LetterState::accepted;
  std::optional<std::string> rejection_code;     // e.g. unknown_recipient
  std::optional<std::string> rejection_message;  // for people
  bool replayed = false;                         // the idempotency key was seen before: nothing new was made
  SentLetter letter;
};

struct ListQuery {
  std::optional<std::string> party_id;  // another party's mailbox, for a delegate; default: the caller's
  std::string folder = "inbox";         // inbox, archive, trash, or "all"
  std::optional<std::string> label_id;
  std::optional<bool> unread;
  std::optional<std::string> sender;    // a sender's party id or identifier
  std::optional<std::string> text;      // searched in subjects (decrypted, so scanned in bounded steps)
  std::optional<std::string> case_id;   // exact match
  std::optional<std::int64_t> from_ms;  // delivered at or after
  std::optional<std::int64_t> to_ms;    // delivered before
  std::optional<std::string> cursor;
  std::size_t limit = 50;
};

struct LetterPage {
  std::vector<LetterSummary> letters;
  std::optional<std::string> next_cursor;
  std::size_t scanned = 0;  // letters looked at to fill this page (a subject search may scan many)
};

struct LetterChange {
  std::optional<std::string> folder;  // inbox, archive or trash
  std::optional<bool> unread;
  std::vector<std::string> add_labels;
  std::vector<std::string> remove_labels;
};

struct Label {
  std::string id;
  std::string name;
  std::int64_t created_at_ms = 0;
};

struct PrintBatch {
  std::string id;
  std::string status;  // exported, printed
  std::vector<std::string> letter_ids;
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> printed_at_ms;
};

struct SustainabilityFigures {
  std::int64_t letters_digital = 0;   // consigned to a digital mailbox
  std::int64_t letters_printed = 0;   // relayed to paper
  std::int64_t letters_to_print = 0;  // waiting in the print queue
  std::int64_t sheets_saved = 0;
  double co2_saved_kg = 0;
  Json factors;  // the factors used, with their sources
};

struct DueWork {
  std::int64_t consigned = 0;          // deferred letters delivered now
  std::int64_t handover_failed = 0;    // registered letters not opened in time
  std::int64_t content_destroyed = 0;  // letters past their retention
};

class BatchService;

class MailboxService {
 public:
  MailboxService(store::Store& store, identity::IdentityService& identity, KeyVault& keys,
                 transparency::TransparencyLog& log, const crypto::SigningKey& operator_key, MailboxOptions options);
  ~MailboxService();

  // The mailbox owns migration versions 200-299.
  static std::vector<store::Migration> migrations();

  // Sends one letter. `idempotency_key` (1–128 printable ASCII) makes a repeat return the first
  // outcome; the same key with a different letter is refused (idempotency_key_reused).
  Result<Submission> send_letter(const identity::Principal& sender, const LetterInput& letter,
                                 const std::string& idempotency_key);
  // Replies to a letter the caller (or a delegate with mailbox:reply) received: a letter back to its
  // sender, in the same thread.
  Result<Submission> reply(const identity::Principal& caller, const std::string& letter_id, LetterInput reply,
                           const std::string& idempotency_key);
  // Forwards a letter the caller's party received (the recipient, or a delegate with mailbox:reply)
  // to another party: an ordinary letter from the caller's party, in the same thread, with the
  // comment above the original text and the original attachments (shared, not copied).
  Result<Submission> forward(const identity::Principal& caller, const std::string& letter_id,
                             const RecipientAddress& to, const std::string& comment,
                             const std::string& idempotency_key);

  // The sender's view.
  Result<SentLetter> sent_letter(const identity::Principal& sender, const std::string& letter_id);
  Result<std::vector<SentLetter>> sent_letters(const identity::Principal& sender, std::optional<std::string> cursor,
                                               std::size_t limit, std::optional<std::string>& next_cursor);

  // The recipient's view (or a delegate's with mailbox:read).
  Result<LetterPage> list(const identity::Principal& caller, const ListQuery& query);
  // Opens a letter; the first opening of a registered letter records ContentHandover, naming who.
  Result<OpenedLetter> open(const identity::Principal& caller, const std::string& letter_id);
  Result<AttachmentContent> attachment(const identity::Principal& caller, const std::string& letter_id, int number);
  // The exact bytes whose SHA-256 the evidence records: the letter as canonical JSON.
  Result<std::string> content_document(const identity::Principal& caller, const std::string& letter_id);
  Result<LetterSummary> change(const identity::Principal& caller, const std::string& letter_id,
                               const LetterChange& change);

  Result<std::vector<Label>> labels(const identity::Principal& caller);
  Result<Label> create_label(const identity::Principal& caller, const std::string& name);
  Status delete_label(const identity::Principal& caller, const std::string& label_id);

  // Evidence of a letter, for its sender or its recipient (or a delegate): the bundle to check
  // offline, or the same as a PDF receipt in Arabic and Latin script with a QR code.
  Result<std::vector<EvidenceSummary>> evidence(const identity::Principal& caller, const std::string& letter_id);
  Result<Json> evidence_bundle(const identity::Principal& caller, const std::string& letter_id, EvidenceEvent event);
  Result<std::string> evidence_receipt_pdf(const identity::Principal& caller, const std::string& letter_id,
                                           EvidenceEvent event);

  // Retention a sender sets for its letters (operator admins set it for a sender).
  Status set_retention(const identity::Principal& admin, const std::string& sender_party_id, std::int64_t retention_ms);

  // Hybrid mail, for postal clerks: letters waiting to be printed, a batch of them as one print-ready
  // PDF, and the batch marked printed (RelayToNonERDS for each letter).
  Result<std::vector<SentLetter>> print_queue(const identity::Principal& clerk, std::size_t limit);
  Result<PrintBatch> create_print_batch(const identity::Principal& clerk, std::size_t max_letters);
  Result<PrintBatch> print_batch(const identity::Principal& clerk, const std::string& batch_id);
  Result<std::string> print_batch_pdf(const identity::Principal& clerk, const std::string& batch_id);
  Result<PrintBatch> mark_printed(const identity::Principal& clerk, const std::string& batch_id);

  SustainabilityFigures sustainability();

  // Time-driven transitions: deferred letters consigned, unopened registered letters reported and
  // queued for print, letters past retention made unreadable. Safe to run from several instances.
  DueWork run_due_work(std::size_t max_per_kind = 1000);

  // Adds the mailbox's part of a party's data export.
  void register_export(identity::IdentityService& identity);

  std::int64_t clock_ms() const;
  const MailboxOptions& options() const { return options_; }

  struct Impl;

 private:
  friend class BatchService;
  std::unique_ptr<Impl> impl_;
  MailboxOptions options_;
};

}  // namespace barid::mailbox
