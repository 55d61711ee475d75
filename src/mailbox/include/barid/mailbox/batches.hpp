// Bulk sending: one template (subject and body with {{field}} placeholders, shared attachments) and a
// recipient file of up to a million rows, accepted at once and delivered in the background in chunks.
// Each chunk is one transaction, so a server killed mid-batch resumes where it stopped: every
// recipient ends with exactly one letter and one set of evidence.
#pragma once

#include <barid/core/result.hpp>
#include <barid/identity/model.hpp>
#include <barid/mailbox/mailbox.hpp>
#include <barid/mailbox/recipient_file.hpp>

#include <optional>
#include <string>
#include <vector>

namespace barid::mailbox {

// The letter every recipient gets, with {{field}} placeholders filled from the recipient's row in
// subject, notification, body, sender_reference, case_id and action entry points.
struct LetterTemplate {
  std::string subject;
  std::string notification;
  std::string body;
  BodyFormat body_format = BodyFormat::text;
  std::string language = "ar";
  std::optional<std::string> sender_reference;
  std::optional<std::string> case_id;
  LetterKind kind = LetterKind::ordinary;
  bool legal_notification = false;
  bool mandatory = false;
  bool reply_allowed = false;
  std::optional<std::int64_t> reply_by_ms;
  std::optional<std::int64_t> deliver_after_ms;
  std::vector<LetterAction> actions;
};

struct BatchInput {
  LetterTemplate letter;
  std::string_view recipients;  // the file's text; must stay alive until the call returns
  RecipientFileFormat format = RecipientFileFormat::csv;
  std::vector<AttachmentInput> attachments;  // shared by every letter of the batch
};

struct BatchProgress {
  std::string id;
  std::string status;  // queued, running, done
  std::int64_t total = 0;
  std::int64_t accepted = 0;   // letters stored (consigned, deferred or queued for print)
  std::int64_t rejected = 0;   // recipients refused (unknown, unreachable, invalid row)
  std::int64_t consigned = 0;  // letters already in their recipient's mailbox
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> finished_at_ms;
  bool replayed = false;  // the idempotency key was seen before: this is the first batch
};

struct BatchResult {
  std::int64_t line = 0;
  std::string recipient_type;
  std::string recipient;
  std::string status;  // pending, accepted, rejected
  std::optional<std::string> letter_id;
  std::optional<std::string> error_code;
};

// Problems with the uploaded file, by line, as the refusal reports them.
struct BatchRefusal {
  Error error;
  std::vector<RecipientFileProblem> problems;
  std::size_t problem_count = 0;
};

class BatchService {
 public:
  explicit BatchService(MailboxService& mailbox);

  inline static constexpr std::size_t kChunkLetters = 2000;  // letters per transaction

  // Checks the template and the whole file (every problem reported with its line, nothing stored when
  // any) and stores the batch for the background to deliver. The same idempotency key returns the
  // first batch; with another content it is refused.
  Result<BatchProgress> submit(const identity::Principal& sender, const BatchInput& input,
                               const std::string& idempotency_key, BatchRefusal* refusal = nullptr);
  Result<BatchProgress> progress(const identity::Principal& sender, const std::string& batch_id);
  Result<std::vector<BatchResult>> results(const identity::Principal& sender, const std::string& batch_id,
                                           std::int64_t after_line, std::size_t limit);

  // Delivers up to `max_letters` letters of unfinished batches, oldest batch first, one chunk per
  // transaction. Several instances may call it at once. Returns how many recipients were handled.
  std::size_t process_pending(std::size_t max_letters = 5000);
  // Delivers one chunk of one batch; returns how many recipients it handled (0 when none is left).
  std::size_t process_chunk(const std::string& batch_id, std::size_t max_letters = kChunkLetters);
  // Delivers up to `max_letters` of one batch, preparing each chunk on a second thread while the
  // previous one is written. Returns how many recipients were handled.
  std::size_t deliver(const std::string& batch_id, std::size_t max_letters);

 private:
  struct PreparedChunk;
  std::optional<std::int64_t> processed_through(const std::string& batch_id);
  PreparedChunk prepare_chunk(const std::string& batch_id, std::int64_t after_line, std::size_t max_letters);
  // 0 when the chunk no longer fits the batch (another instance delivered those lines, or made a
  // recipient's mailbox meanwhile): nothing was written.
  std::size_t commit_chunk(PreparedChunk& chunk);

  MailboxService& mailbox_;
};

}  // namespace barid::mailbox
