// Sending letters: validation, sealing under a fresh letter key, the submission and consignment
// evidence, the recipient's notification — all in one transaction, or none of it.
#include <barid/core/check.hpp>
#include <barid/core/time.hpp>
#include <barid/mailbox/markdown.hpp>
#include <barid/notify/outbox.hpp>

#include "internal.hpp"
#include "media_type.hpp"
#include "send.hpp"

#include <sodium.h>

#include <algorithm>

namespace barid::mailbox {

using namespace detail;

namespace {

constexpr std::int64_t kMaxDeferralMs = 366LL * 24 * 60 * 60 * 1000;
constexpr std::int64_t kMaxReplyWindowMs = 2LL * 366 * 24 * 60 * 60 * 1000;

Error too_large(std::string code, std::string message) {
  return make_error(ErrorKind::payload_too_large, std::move(code), std::move(message));
}

bool printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool clean_text(std::string_view text, bool allow_newlines) {
  if (!is_valid_utf8(text)) return false;
  return std::none_of(text.begin(), text.end(), [allow_newlines](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == 0 || (u < 0x20 && !(allow_newlines && (c == '\n' || c == '\r' || c == '\t')));
  });
}

Status check_text(const std::string& value, const char* field, std::size_t max_chars, bool required,
                  bool allow_newlines = false) {
  if (value.empty()) {
    if (required) return invalid_input(std::string(field) + "_required", std::string("the letter needs a ") + field);
    return {};
  }
  if (!clean_text(value, allow_newlines)) {
    return invalid_input("invalid_" + std::string(field),
                         std::string(field) + " must be UTF-8 text without control characters");
  }
  if (utf8_length(value) > max_chars) {
    return invalid_input(std::string(field) + "_too_long",
                         std::string(field) + " may have at most " + std::to_string(max_chars) + " characters");
  }
  return {};
}

constexpr std::array kActionCodes = {"payment", "appointment", "self_service", "information", "sign", "confirm"};

Status check_action(const LetterAction& action) {
  if (std::find(kActionCodes.begin(), kActionCodes.end(), action.code) == kActionCodes.end()) {
    return invalid_input("invalid_action",
                         "an action's code must be payment, appointment, self_service, "
                         "information, sign or confirm");
  }
  BARID_TRY(check_text(action.label, "action_label", 100, true));
  if (action.entry_point) {
    const auto& entry = *action.entry_point;
    const bool url = entry.rfind("https://", 0) == 0 && entry.size() > 8;
    const bool reference =
        entry.find(':') != std::string::npos && entry.rfind("http", 0) != 0 &&
        entry.find_first_of(" <>\"'") == std::string::npos &&
        (entry.rfind("bill:", 0) == 0 || entry.rfind("payment-intent:", 0) == 0 || entry.rfind("item:", 0) == 0);
    if (entry.size() > 500 || !clean_text(entry, false) || !(url || reference)) {
      return invalid_input("invalid_action",
                           "an action's entry point must be an https URL or a Barid reference "
                           "(bill:…, payment-intent:…, item:…)");
    }
  }
  if (action.starts_at_ms && action.ends_at_ms && *action.ends_at_ms < *action.starts_at_ms) {
    return invalid_input("invalid_action", "an action cannot end before it starts");
  }
  return {};
}

}  // namespace

namespace detail {

Result<PreparedLetter> prepare_letter(const LetterInput& input, const LetterLimits& limits, std::int64_t now_ms) {
  BARID_TRY(check_text(input.subject, "subject", limits.max_subject_chars, true));
  BARID_TRY(check_text(input.notification, "notification", limits.max_notification_chars, false));
  if (input.body.size() > limits.max_body_bytes) {
    return too_large("body_too_large", "the body may have at most " + std::to_string(limits.max_body_bytes) + " bytes");
  }
  if (!clean_text(input.body, true)) return invalid_input("invalid_body", "the body must be UTF-8 text without NUL");
  if (input.body.empty() && input.attachments.empty()) {
    return invalid_input("body_required", "the letter needs a body or at least one attachment");
  }
  if (input.language != "ar" && input.language != "fr" && input.language != "en") {
    return invalid_input("invalid_language", "the language must be ar, fr or en");
  }
  if (input.sender_reference) BARID_TRY(check_text(*input.sender_reference, "sender_reference", 128, true));
  if (input.case_id) BARID_TRY(check_text(*input.case_id, "case_id", 128, true));
  if (input.attention) BARID_TRY(check_text(*input.attention, "attention", 200, true));
  if (input.references.size() > limits.max_references) {
    return invalid_input("too_many_references",
                         "a letter has at most " + std::to_string(limits.max_references) + " further references");
  }
  for (const auto& [name, value] : input.references) {
    BARID_TRY(check_text(name, "reference_name", 64, true));
    BARID_TRY(check_text(value, "reference_value", 256, true));
  }
  if (input.actions.size() > limits.max_actions) {
    return invalid_input("too_many_actions", "a letter has at most " + std::to_string(limits.max_actions) + " actions");
  }
  for (const auto& action : input.actions) BARID_TRY(check_action(action));
  if (input.reply_by_ms) {
    if (!input.reply_allowed) return invalid_input("reply_by_without_reply", "reply_by needs reply_allowed");
    if (*input.reply_by_ms <= now_ms || *input.reply_by_ms > now_ms + kMaxReplyWindowMs) {
      return invalid_input("invalid_reply_by", "reply_by must be in the future, within two years");
    }
  }
  if (input.deliver_after_ms && *input.deliver_after_ms > now_ms + kMaxDeferralMs) {
    return invalid_input("invalid_deliver_after", "delivery can be deferred by at most one year");
  }
  if (input.attachments.size() > limits.max_attachments) {
    return invalid_input("too_many_attachments",
                         "a letter has at most " + std::to_string(limits.max_attachments) + " attachments");
  }

  PreparedLetter prepared;
  std::size_t total = input.body.size();
  int number = 0;
  for (const auto& attachment : input.attachments) {
    ++number;
    if (attachment.file_name.empty() || attachment.file_name.size() > 255 || !clean_text(attachment.file_name, false) ||
        attachment.file_name.find_first_of("/\\") != std::string::npos) {
      return invalid_input("invalid_file_name", "attachment " + std::to_string(number) +
                                                    " needs a file name of 1 to 255 bytes without / or \\");
    }
    if (attachment.content.empty()) {
      return invalid_input("empty_attachment", "attachment '" + attachment.file_name + "' is empty");
    }
    if (attachment.content.size() > limits.max_attachment_bytes) {
      return too_large("attachment_too_large", "attachment '" + attachment.file_name + "' is larger than " +
                                                   std::to_string(limits.max_attachment_bytes) + " bytes");
    }
    total += attachment.content.size();
    if (total > limits.max_letter_bytes) {
      return too_large("letter_too_large",
                       "body and attachments together exceed " + std::to_string(limits.max_letter_bytes) + " bytes");
    }
    const std::string media_type = detect_media_type(attachment.content);
    BARID_TRY(check_attachment_type(media_type, attachment.file_name));
    prepared.attachments.push_back({number, attachment.file_name, media_type,
                                    static_cast<std::int64_t>(attachment.content.size()),
                                    crypto::hex_encode(crypto::sha256(attachment.content))});
  }
  if (input.body_format == BodyFormat::markdown) {
    auto rendered = render_markdown_html(input.body);
    if (!rendered) return std::move(rendered).error();
  }
  prepared.size_bytes = static_cast<std::int64_t>(total);

  // The canonical document, keys in sorted order (the bytes Json::dump() would make).
  JsonWriter out;
  out.reserve(input.body.size() + input.subject.size() + 512);
  const auto optional_time = [&out](const std::optional<std::int64_t>& ms) {
    if (ms) {
      out.string(format_utc_ms(*ms));
    } else {
      out.null();
    }
  };
  out.begin_object().key("actions").begin_array();
  for (const auto& action : input.actions) {
    out.begin_object().key("code").string(action.code).key("ends_at");
    optional_time(action.ends_at_ms);
    out.key("entry_point").optional_string(action.entry_point).key("label").string(action.label).key("starts_at");
    optional_time(action.starts_at_ms);
    out.end_object();
  }
  out.end_array().key("attachments").begin_array();
  for (const auto& info : prepared.attachments) {
    out.begin_object()
        .key("file_name")
        .string(info.file_name)
        .key("media_type")
        .string(info.media_type)
        .key("number")
        .number(info.number)
        .key("sha256")
        .string(info.sha256)
        .key("size_bytes")
        .number(info.size_bytes)
        .end_object();
  }
  out.end_array()
      .key("attention")
      .optional_string(input.attention)
      .key("body")
      .string(input.body)
      .key("body_format")
      .string(to_string(input.body_format))
      .key("case_id")
      .optional_string(input.case_id)
      .key("deliver_after");
  optional_time(input.deliver_after_ms);
  out.key("format")
      .string("barid-letter/1")
      .key("kind")
      .string(to_string(input.kind))
      .key("language")
      .string(input.language)
      .key("legal_notification")
      .boolean(input.legal_notification)
      .key("mandatory")
      .boolean(input.mandatory)
      .key("notification")
      .string(input.notification)
      .key("references")
      .begin_array();
  for (const auto& [name, value] : input.references) {
    out.begin_object().key("name").string(name).key("value").string(value).end_object();
  }
  out.end_array().key("reply_allowed").boolean(input.reply_allowed).key("reply_by");
  optional_time(input.reply_by_ms);
  out.key("sender_reference").optional_string(input.sender_reference).key("subject").string(input.subject).end_object();
  prepared.document = std::move(out.text());
  prepared.content_sha256 = crypto::hex_encode(crypto::sha256(prepared.document));
  return prepared;
}

LetterRow new_letter_row(const std::string& letter_id, const LetterInput& input, const PreparedLetter& prepared,
                         const std::string& sender_party_id, const std::string& sender_user_id,
                         const std::string& sender_assurance) {
  LetterRow letter;
  letter.id = letter_id;
  letter.sender_party_id = sender_party_id;
  letter.sender_user_id = sender_user_id;
  letter.recipient_kind = std::string(identity::to_string(input.recipient.kind));
  letter.recipient_identifier = input.recipient.identifier;
  letter.thread_id = letter_id;
  letter.kind = input.kind;
  letter.legal_notification = input.legal_notification;
  letter.mandatory = input.mandatory;
  letter.reply_allowed = input.reply_allowed;
  letter.reply_by_ms = input.reply_by_ms;
  letter.deliver_after_ms = input.deliver_after_ms;
  letter.notification = input.notification;
  letter.language = input.language;
  letter.content_sha256 = prepared.content_sha256;
  for (const auto& info : prepared.attachments) letter.attachments_sha256.push_back(info.sha256);
  letter.size_bytes = prepared.size_bytes;
  letter.attachment_count = static_cast<int>(prepared.attachments.size());
  letter.sender_assurance = sender_assurance;
  letter.folder = "inbox";
  return letter;
}

std::string request_fingerprint(const PreparedLetter& prepared, const RecipientAddress& recipient) {
  return crypto::hex_encode(crypto::sha256(std::string(identity::to_string(recipient.kind)) + "|" +
                                           recipient.identifier + "|" + prepared.document));
}

std::string truncate_utf8(const std::string& text, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) return text.substr(0, i);
      ++chars;
    }
  }
  return text;
}

std::string default_notification(const std::string& language) {
  if (language == "fr") return "Vous avez reçu une nouvelle lettre dans votre boîte Barid.";
  if (language == "en") return "You have a new letter in your Barid mailbox.";
  return "وصلتك رسالة جديدة في صندوق بريدك الرقمي.";
}

void notify_recipient(store::Transaction& tx, const identity::Party& recipient, const LetterRow& letter,
                      const std::string& public_url, std::int64_t now_ms) {
  const std::string text =
      (letter.notification.empty() ? default_notification(recipient.language) : letter.notification);
  const std::string subject = recipient.language == "fr"   ? "Barid : nouvelle lettre"
                              : recipient.language == "en" ? "Barid: new letter"
                                                           : "بريد: رسالة جديدة";
  const std::string reference = "letter:" + letter.id;
  if (recipient.email) {
    notify::Outbox::enqueue(
        tx, {"email", recipient.id, *recipient.email, subject, text + "\n\n" + public_url + "/mailbox", reference},
        now_ms);
  }
  if (recipient.phone)
    notify::Outbox::enqueue(tx, {"sms", recipient.id, *recipient.phone, "", text, reference}, now_ms);
}

void consign(store::Transaction& tx, LetterRow& letter, const identity::Recipient& recipient, const PartyRef& sender,
             const MailboxOptions& options, std::int64_t now_ms) {
  if (!recipient.reads_digitally) {
    // Nobody can log in to read this mailbox: the letter goes on paper.
    tx.execute(
        "UPDATE letters SET state = 'to_print', channel = 'paper', print_reason = 'no_digital_mailbox' "
        "WHERE id = ?",
        {letter.id});
    letter.state = LetterState::to_print;
    letter.channel = "paper";
    letter.print_reason = "no_digital_mailbox";
    return;
  }
  const std::optional<std::int64_t> deadline =
      letter.kind == LetterKind::registered ? std::optional(now_ms + options.handover_deadline_ms) : std::nullopt;
  tx.execute("UPDATE letters SET state = 'consigned', consigned_at_ms = ?, handover_deadline_ms = ? WHERE id = ?",
             {now_ms, deadline ? store::Value(*deadline) : store::Value(nullptr), letter.id});
  letter.state = LetterState::consigned;
  letter.consigned_at_ms = now_ms;
  letter.handover_deadline_ms = deadline;
  if (letter.kind == LetterKind::registered) {
    letter.evidence_index[static_cast<std::size_t>(EvidenceEvent::content_consignment)] =
        record_evidence(tx, {EvidenceEvent::content_consignment, now_ms, &letter, sender, party_ref(recipient.party),
                             system_actor(), std::nullopt});
  }
  notify_recipient(tx, recipient.party, letter, options.public_url, now_ms);
}

std::int64_t retention_ms_for(store::Transaction& tx, const std::string& sender_party_id,
                              const MailboxOptions& options) {
  auto row = tx.query_one("SELECT retention_ms FROM sender_policies WHERE party_id = ?", {sender_party_id});
  return row ? row->int64(0) : options.default_retention_ms;
}

namespace {

constexpr std::size_t kLetterColumnCount = 45;
constexpr const char* kInsertLetters =
    "INSERT INTO letters (id, sender_party_id, sender_user_id, recipient_party_id, recipient_kind, "
    "recipient_identifier, batch_id, batch_line, thread_id, in_reply_to, kind, legal_notification, mandatory, "
    "reply_allowed, reply_by_ms, deliver_after_ms, notification, language, case_id_tag, state, channel, "
    "rejection_reason, mailbox_key_version, wrapped_key, subject_sealed, content_sealed, attachment_keys_sealed, "
    "content_sha256, attachments_sha256, size_bytes, attachment_count, sender_assurance, submitted_at_ms, "
    "consigned_at_ms, handover_deadline_ms, retention_until_ms, folder, unread, print_reason, acceptance_log_index, "
    "rejection_log_index, consignment_log_index, handover_log_index, handover_failure_log_index, relay_log_index) "
    "VALUES ";

void append_letter_params(std::vector<store::Value>& params, const LetterToInsert& item) {
  const LetterRow& letter = *item.letter;
  SealedParts* sealed = item.sealed;
  const auto text = [](const std::optional<std::string>& value) {
    return value ? store::Value(*value) : store::Value(nullptr);
  };
  const auto number = [](const std::optional<std::int64_t>& value) {
    return value ? store::Value(*value) : store::Value(nullptr);
  };
  const auto blob = [sealed](store::Blob SealedParts::*part) {
    return sealed ? store::Value(std::move(sealed->*part)) : store::Value(nullptr);
  };
  std::string attachments_sha256;
  for (const auto& sha : letter.attachments_sha256) attachments_sha256 += (attachments_sha256.empty() ? "" : ",") + sha;
  params.emplace_back(letter.id);
  params.emplace_back(letter.sender_party_id);
  params.emplace_back(letter.sender_user_id);
  params.push_back(text(letter.recipient_party_id));
  params.emplace_back(letter.recipient_kind);
  params.emplace_back(letter.recipient_identifier);
  params.push_back(text(letter.batch_id));
  params.push_back(number(item.batch_line));
  params.emplace_back(letter.thread_id);
  params.push_back(text(letter.in_reply_to));
  params.emplace_back(std::string(to_string(letter.kind)));
  params.emplace_back(std::int64_t{letter.legal_notification});
  params.emplace_back(std::int64_t{letter.mandatory});
  params.emplace_back(std::int64_t{letter.reply_allowed});
  params.push_back(number(letter.reply_by_ms));
  params.push_back(number(letter.deliver_after_ms));
  params.emplace_back(letter.notification);
  params.emplace_back(letter.language);
  params.push_back(sealed ? text(sealed->case_id_tag) : store::Value(nullptr));
  params.emplace_back(std::string(to_string(letter.state)));
  params.emplace_back(letter.channel);
  params.push_back(text(letter.rejection_reason));
  params.push_back(number(letter.mailbox_key_version));
  params.push_back(blob(&SealedParts::wrapped_key));
  params.push_back(blob(&SealedParts::subject));
  params.push_back(blob(&SealedParts::content));
  params.push_back(blob(&SealedParts::attachment_keys));
  params.emplace_back(letter.content_sha256);
  params.emplace_back(std::move(attachments_sha256));
  params.emplace_back(letter.size_bytes);
  params.emplace_back(std::int64_t{letter.attachment_count});
  params.emplace_back(letter.sender_assurance);
  params.emplace_back(letter.submitted_at_ms);
  params.push_back(number(letter.consigned_at_ms));
  params.push_back(number(letter.handover_deadline_ms));
  params.push_back(number(letter.retention_until_ms));
  params.emplace_back(letter.folder);
  params.emplace_back(std::int64_t{letter.unread});
  params.push_back(text(letter.print_reason));
  for (const auto& index : letter.evidence_index) params.push_back(number(index));
}

}  // namespace

void insert_letters(store::Transaction& tx, std::span<const LetterToInsert> letters) {
  // Sixteen rows per statement: one round trip to PostgreSQL for sixteen letters, and less work
  // per row on SQLite.
  constexpr std::size_t kRowsPerStatement = 16;
  static const std::string kRow = [] {
    std::string row = "(";
    for (std::size_t i = 0; i < kLetterColumnCount; ++i) row += i == 0 ? "?" : ", ?";
    return row + ")";
  }();
  std::vector<store::Value> params;
  for (std::size_t start = 0; start < letters.size(); start += kRowsPerStatement) {
    const std::size_t rows = std::min(kRowsPerStatement, letters.size() - start);
    std::string sql = kInsertLetters;
    params.clear();
    params.reserve(rows * kLetterColumnCount);
    for (std::size_t i = 0; i < rows; ++i) {
      sql += i == 0 ? kRow : ", " + kRow;
      append_letter_params(params, letters[start + i]);
    }
    BARID_CHECK(params.size() == rows * kLetterColumnCount, "a letter row has one value per column");
    tx.execute(sql, params);
  }
}

void insert_letter(store::Transaction& tx, const LetterRow& letter, SealedParts* sealed,
                   std::optional<std::int64_t> batch_line) {
  const LetterToInsert one{&letter, sealed, batch_line};
  insert_letters(tx, std::span(&one, 1));
}

SentLetter sent_view(store::Transaction& tx, const LetterRow& letter) {
  SentLetter sent;
  sent.id = letter.id;
  if (letter.recipient_party_id) {
    sent.recipient = party_refs(tx, {*letter.recipient_party_id})[*letter.recipient_party_id];
  } else {
    sent.recipient.kind =
        identity::party_kind_from_string(letter.recipient_kind).value_or(identity::PartyKind::citizen);
    sent.recipient.identifier = letter.recipient_identifier;
  }
  sent.kind = letter.kind;
  sent.state = letter.state;
  sent.channel = letter.channel;
  sent.rejection_reason = letter.rejection_reason;
  sent.content_sha256 = letter.content_sha256;
  sent.submitted_at_ms = letter.submitted_at_ms;
  sent.deliver_after_ms = letter.deliver_after_ms;
  sent.consigned_at_ms = letter.consigned_at_ms;
  sent.opened_at_ms = letter.opened_at_ms;
  sent.batch_id = letter.batch_id;
  std::vector<std::pair<std::int64_t, std::int64_t>> times;
  for (const auto& index : letter.evidence_index) {
    if (!index) continue;
    if (auto at = transparency::TransparencyLog::appended_at(tx, *index)) times.emplace_back(*index, *at);
  }
  sent.evidence = evidence_of(letter, times);
  return sent;
}

Result<Submission> submit(MailboxService::Impl& impl, store::Transaction& tx, const SubmitRequest& request) {
  const LetterInput& input = *request.input;
  const PreparedLetter& prepared = *request.prepared;
  const std::int64_t now = request.now_ms;

  // Idempotency: the key is claimed first, in this transaction. A concurrent duplicate waits on the
  // row and then finds it.
  const std::string letter_id = crypto::new_uuid();
  if (request.idempotency_key) {
    const auto inserted = tx.execute(
        "INSERT INTO letter_submissions (sender_party_id, idempotency_key, fingerprint, letter_id, "
        "created_at_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (sender_party_id, idempotency_key) DO NOTHING",
        {request.sender.party_id, *request.idempotency_key, request.fingerprint, letter_id, now});
    if (inserted == 0) {
      auto row = tx.query_one(
          "SELECT fingerprint, letter_id FROM letter_submissions WHERE sender_party_id = ? AND idempotency_key = ?",
          {request.sender.party_id, *request.idempotency_key});
      if (!row) return conflict("idempotency_key_in_use", "a request with this key is being processed; retry");
      if (row->text(0) != request.fingerprint) {
        return make_error(ErrorKind::unprocessable, "idempotency_key_reused",
                          "this Idempotency-Key was used for another letter");
      }
      auto earlier = load_letter(tx, row->text(1));
      if (!earlier) return conflict("idempotency_key_in_use", "a request with this key is being processed; retry");
      Submission replay;
      replay.letter_id = earlier->id;
      replay.state = earlier->state;
      replay.replayed = true;
      if (earlier->state == LetterState::rejected) {
        replay.rejection_code = earlier->rejection_reason;
        replay.rejection_message = "the recipient could not be reached";
      }
      replay.letter = sent_view(tx, *earlier);
      return replay;
    }
  }

  LetterRow letter = new_letter_row(letter_id, input, prepared, request.sender.party_id, request.sender_user_id,
                                    request.sender_assurance);
  letter.batch_id = request.batch_id;
  letter.thread_id = request.thread_id.value_or(letter_id);
  letter.in_reply_to = request.in_reply_to;
  letter.submitted_at_ms = now;

  auto recipient = request.recipient
                       ? request.recipient
                       : impl.identity.find_recipient(tx, input.recipient.kind, input.recipient.identifier);
  std::optional<std::pair<std::string, std::string>> refusal;
  if (!recipient || recipient->party.kind == identity::PartyKind::postal_operator) {
    refusal = {"unknown_recipient", "no citizen, business or authority is registered with this identifier"};
  } else if (!recipient->reads_digitally && !recipient->party.postal_address) {
    refusal = {"recipient_unreachable", "the recipient has no digital mailbox and no postal address"};
  }
  if (refusal) {
    // An ordinary letter is simply refused; a registered one leaves its SubmissionRejection evidence.
    if (input.kind == LetterKind::ordinary) {
      return make_error(ErrorKind::unprocessable, refusal->first, refusal->second);
    }
    letter.state = LetterState::rejected;
    letter.channel = "none";
    letter.rejection_reason = refusal->first;
    letter.unread = false;
    insert_letter(tx, letter, nullptr, request.batch_line);
    letter.evidence_index[static_cast<std::size_t>(EvidenceEvent::submission_rejection)] =
        record_evidence(tx, {EvidenceEvent::submission_rejection, now, &letter, request.sender, std::nullopt,
                             request.actor, refusal->first});
    Submission submission;
    submission.letter_id = letter.id;
    submission.state = LetterState::rejected;
    submission.rejection_code = refusal->first;
    submission.rejection_message = refusal->second;
    submission.letter = sent_view(tx, letter);
    return submission;
  }

  const identity::Party& recipient_party = recipient->party;
  letter.recipient_party_id = recipient_party.id;
  const MailboxKey mailbox_key = request.recipient_mailbox_key ? *request.recipient_mailbox_key
                                                               : impl.keys.mailbox_key(tx, recipient_party.id, now);
  LetterKeys keys{crypto::new_secret_key(), mailbox_key.version};
  const crypto::Bytes wrapped = crypto::wrap_key(
      mailbox_key.key, keys.letter_key, letter_key_ad(letter.id, recipient_party.id, keys.mailbox_key_version));
  const crypto::Bytes subject_sealed = seal_part(keys, letter.id, recipient_party.id, "subject", input.subject);
  const crypto::Bytes content_sealed = seal_part(keys, letter.id, recipient_party.id, "content", prepared.document);

  // Attachments: each in a blob of its own under a key of its own, kept inside the letter.
  Json blob_keys = Json::array();
  std::vector<std::string> blob_ids;
  for (std::size_t i = 0; i < input.attachments.size(); ++i) {
    if (request.shared_blobs && i < request.shared_blobs->size()) {
      blob_ids.push_back((*request.shared_blobs)[i].first);
      blob_keys.push_back(crypto::hex_encode((*request.shared_blobs)[i].second));
      continue;
    }
    const std::string blob_id = crypto::new_uuid();
    const crypto::SecretKey blob_key = crypto::new_secret_key();
    const auto& content = input.attachments[i].content;
    const crypto::Bytes sealed = crypto::seal(
        blob_key, std::span(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()), blob_ad(blob_id));
    tx.execute("INSERT INTO letter_blobs (id, sealed, size_bytes, created_at_ms) VALUES (?, ?, ?, ?)",
               {blob_id, sealed, static_cast<std::int64_t>(content.size()), now});
    blob_ids.push_back(blob_id);
    blob_keys.push_back(crypto::hex_encode(blob_key));
  }
  std::string blob_keys_text = blob_keys.dump();
  const crypto::Bytes attachment_keys_sealed =
      seal_part(keys, letter.id, recipient_party.id, "attachment-keys", blob_keys_text);
  sodium_memzero(blob_keys_text.data(), blob_keys_text.size());

  const std::optional<std::string> case_tag =
      input.case_id ? std::optional(case_id_tag(mailbox_key, *input.case_id)) : std::nullopt;
  const std::int64_t retention = retention_ms_for(tx, letter.sender_party_id, *request.options);
  letter.state = LetterState::accepted;
  letter.channel = recipient->reads_digitally ? "digital" : "paper";
  letter.mailbox_key_version = keys.mailbox_key_version;
  letter.wrapped_key = wrapped;
  letter.retention_until_ms = std::max(now, input.deliver_after_ms.value_or(now)) + retention;
  SealedParts sealed{wrapped, subject_sealed, content_sealed, attachment_keys_sealed, case_tag};
  insert_letter(tx, letter, &sealed, request.batch_line);
  for (std::size_t i = 0; i < blob_ids.size(); ++i) {
    tx.execute("INSERT INTO letter_attachments (letter_id, number, blob_id) VALUES (?, ?, ?)",
               {letter.id, static_cast<std::int64_t>(i + 1), blob_ids[i]});
  }
  sodium_memzero(keys.letter_key.data(), keys.letter_key.size());

  const PartyRef recipient_ref = party_ref(recipient_party);
  if (letter.kind == LetterKind::registered) {
    letter.evidence_index[static_cast<std::size_t>(EvidenceEvent::submission_acceptance)] =
        record_evidence(tx, {EvidenceEvent::submission_acceptance, now, &letter, request.sender, recipient_ref,
                             request.actor, std::nullopt});
  }
  if (!input.deliver_after_ms || *input.deliver_after_ms <= now) {
    consign(tx, letter, *recipient, request.sender, *request.options, now);
  }
  Submission submission;
  submission.letter_id = letter.id;
  submission.state = letter.state;
  submission.letter = sent_view(tx, letter);
  return submission;
}

}  // namespace detail

Result<Submission> MailboxService::send_letter(const identity::Principal& sender, const LetterInput& input,
                                               const std::string& idempotency_key) {
  if (idempotency_key.empty() || idempotency_key.size() > 128 || !printable_ascii(idempotency_key)) {
    return invalid_input("idempotency_key_required",
                         "send an Idempotency-Key header of 1 to 128 printable ASCII characters");
  }
  const std::int64_t now = clock_ms();
  BARID_ASSIGN_OR_RETURN(auto prepared, prepare_letter(input, options_.limits, now));
  SubmitRequest request;
  request.input = &input;
  request.prepared = &prepared;
  request.sender = party_ref(sender.party);
  request.sender_user_id = sender.user_id;
  request.sender_assurance = assurance_of(sender);
  request.actor = actor_of(sender, "sender");
  request.idempotency_key = idempotency_key;
  request.fingerprint = request_fingerprint(prepared, input.recipient);
  request.options = &options_;
  return impl_->store.write<Submission>([&](store::Transaction& tx) -> Result<Submission> {
    request.now_ms = now;
    return submit(*impl_, tx, request);
  });
}

Result<Submission> MailboxService::reply(const identity::Principal& caller, const std::string& letter_id,
                                         LetterInput reply_input, const std::string& idempotency_key) {
  if (idempotency_key.empty() || idempotency_key.size() > 128 || !printable_ascii(idempotency_key)) {
    return invalid_input("idempotency_key_required",
                         "send an Idempotency-Key header of 1 to 128 printable ASCII characters");
  }
  const std::int64_t now = clock_ms();
  const Error hidden = not_found("letter_not_found", "no letter has this id in your mailbox");
  return impl_->store.write<Submission>([&](store::Transaction& tx) -> Result<Submission> {
    auto original = load_letter(tx, letter_id);
    if (!original || !original->recipient_party_id || !original->consigned_at_ms) return hidden;
    auto access =
        impl_->identity.authorize_party_access(tx, caller, *original->recipient_party_id,
                                               identity::Scope::mailbox_reply, "mailbox.reply", "letter:" + letter_id);
    if (!access) return hidden;
    if (!original->reply_allowed) {
      return make_error(ErrorKind::unprocessable, "reply_not_allowed",
                        "the sender does not accept replies to this letter");
    }
    if (original->reply_by_ms && now > *original->reply_by_ms) {
      return make_error(ErrorKind::unprocessable, "reply_period_over",
                        "replies to this letter were accepted until " + format_utc_ms(*original->reply_by_ms));
    }
    auto sender_of_original = impl_->identity.recipient_by_id(tx, original->sender_party_id);
    if (!sender_of_original) return hidden;
    auto own_party = impl_->identity.recipient_by_id(tx, *original->recipient_party_id);
    if (!own_party) return hidden;
    reply_input.recipient = {sender_of_original->party.kind, sender_of_original->party.identifier};
    reply_input.kind = LetterKind::ordinary;
    reply_input.reply_allowed = true;
    reply_input.reply_by_ms.reset();
    reply_input.deliver_after_ms.reset();
    reply_input.actions.clear();
    if (reply_input.subject.empty()) {
      if (auto keys = letter_keys(impl_->keys, tx, *original); keys && original->subject_sealed) {
        if (auto subject =
                open_part(*keys, original->id, *original->recipient_party_id, "subject", *original->subject_sealed)) {
          reply_input.subject = truncate_utf8("Re: " + *subject, options_.limits.max_subject_chars);
        }
      }
    }
    BARID_ASSIGN_OR_RETURN(auto prepared, prepare_letter(reply_input, options_.limits, now));
    SubmitRequest request;
    request.input = &reply_input;
    request.prepared = &prepared;
    request.sender = party_ref(own_party->party);
    request.sender_user_id = caller.user_id;
    request.sender_assurance = assurance_of(caller);
    request.actor = actor_of(caller, access->capacity == "owner" ? "sender" : "delegate", access->delegation_id);
    request.idempotency_key = idempotency_key;
    request.fingerprint = request_fingerprint(prepared, reply_input.recipient) + "|reply:" + letter_id;
    request.thread_id = original->thread_id;
    request.in_reply_to = original->id;
    request.recipient = sender_of_original;
    request.options = &options_;
    request.now_ms = now;
    return submit(*impl_, tx, request);
  });
}

}  // namespace barid::mailbox
