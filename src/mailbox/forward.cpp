// Forwarding a received letter to another party: the recipient passes an official letter on (to
// an accountant, a lawyer, a family member) inside Barid, with its attachments, in the same thread.
#include <barid/core/time.hpp>

#include "internal.hpp"
#include "send.hpp"

#include <sodium.h>

namespace barid::mailbox {

using namespace detail;

Result<Submission> MailboxService::forward(const identity::Principal& caller, const std::string& letter_id,
                                           const RecipientAddress& to, const std::string& comment,
                                           const std::string& idempotency_key) {
  if (idempotency_key.empty() || idempotency_key.size() > 128 ||
      !std::all_of(idempotency_key.begin(), idempotency_key.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    return invalid_input("idempotency_key_required",
                         "send an Idempotency-Key header of 1 to 128 printable ASCII characters");
  }
  if (!is_valid_utf8(comment) || utf8_length(comment) > 10'000) {
    return invalid_input("invalid_comment", "the comment must be UTF-8 text of at most 10,000 characters");
  }
  const std::int64_t now = clock_ms();
  // Forwarding sends on the recipient's behalf: the owner, or a delegate with mailbox:reply.
  BARID_ASSIGN_OR_RETURN(auto opened, open_for_recipient(*impl_, caller, letter_id, now, identity::Scope::mailbox_reply,
                                                         "mailbox.forward"));
  const Json document = Json::parse(opened.document);
  const Json keys = Json::parse(opened.attachment_keys);
  sodium_memzero(opened.attachment_keys.data(), opened.attachment_keys.size());

  // The original attachments, decrypted to be checked and hashed like any letter's; the new letter
  // points at the same sealed blobs.
  std::vector<std::pair<std::string, crypto::SecretKey>> shared_blobs;
  std::vector<std::string> contents;
  const Json attachments = document.value("attachments", Json::array());
  impl_->store.run_read([&](store::Transaction& tx) {
    for (std::size_t i = 0; i < attachments.size() && i < keys.size(); ++i) {
      auto blob = tx.query_one(
          "SELECT b.id, b.sealed FROM letter_attachments a JOIN letter_blobs b ON b.id = a.blob_id "
          "WHERE a.letter_id = ? AND a.number = ?",
          {letter_id, static_cast<std::int64_t>(i + 1)});
      if (!blob) throw std::runtime_error("a letter's attachment is missing");
      crypto::Bytes key_bytes;
      crypto::SecretKey key{};
      if (!crypto::hex_decode(keys[i].get<std::string>(), key_bytes) || key_bytes.size() != key.size()) {
        throw std::runtime_error("a letter's attachment key is malformed");
      }
      std::copy(key_bytes.begin(), key_bytes.end(), key.begin());
      sodium_memzero(key_bytes.data(), key_bytes.size());
      auto plain = crypto::open(key, blob->blob(1), blob_ad(blob->text(0)));
      if (!plain) throw std::runtime_error("an attachment does not open with its key: altered row");
      contents.emplace_back(plain->begin(), plain->end());
      sodium_memzero(plain->data(), plain->size());
      shared_blobs.emplace_back(blob->text(0), key);
    }
  });

  LetterInput letter;
  letter.recipient = to;
  letter.subject = truncate_utf8("Fwd: " + document.value("subject", ""), options_.limits.max_subject_chars);
  letter.language = document.value("language", "ar");
  letter.body_format = document.value("body_format", "text") == "markdown" ? BodyFormat::markdown : BodyFormat::text;
  const std::string separator = "---- " + opened.sender.name_latin + " / " + opened.sender.name_ar + ", " +
                                format_utc_ms(opened.letter.consigned_at_ms.value_or(opened.letter.submitted_at_ms)) +
                                " ----";
  letter.body = (comment.empty() ? "" : comment + "\n\n") + separator + "\n\n" + document.value("body", "");
  letter.kind = LetterKind::ordinary;
  for (std::size_t i = 0; i < contents.size(); ++i) {
    letter.attachments.push_back({attachments[i].value("file_name", "attachment"), contents[i]});
  }
  auto prepared = prepare_letter(letter, options_.limits, now);
  if (!prepared) {
    for (auto& [id, key] : shared_blobs) sodium_memzero(key.data(), key.size());
    return std::move(prepared).error();
  }
  auto result = impl_->store.write<Submission>([&](store::Transaction& tx) -> Result<Submission> {
    auto own_party = impl_->identity.recipient_by_id(tx, *opened.letter.recipient_party_id);
    if (!own_party) return not_found("letter_not_found", "no letter has this id in your mailbox");
    SubmitRequest request;
    request.input = &letter;
    request.prepared = &*prepared;
    request.sender = party_ref(own_party->party);
    request.sender_user_id = caller.user_id;
    request.sender_assurance = assurance_of(caller);
    request.actor = actor_of(caller, "sender");
    request.idempotency_key = idempotency_key;
    request.fingerprint = request_fingerprint(*prepared, to) + "|forward:" + letter_id;
    request.thread_id = opened.letter.thread_id;
    request.in_reply_to = opened.letter.id;
    request.shared_blobs = &shared_blobs;
    request.options = &options_;
    request.now_ms = now;
    return submit(*impl_, tx, request);
  });
  for (auto& [id, key] : shared_blobs) sodium_memzero(key.data(), key.size());
  return result;
}

}  // namespace barid::mailbox
