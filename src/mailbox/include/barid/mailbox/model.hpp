// The letters of the digital mailbox: what a sender submits (after Denmark's MeMo message), what a
// recipient sees, the registered-delivery events of ETSI EN 319 522, and the mailbox's limits.
#pragma once

#include <barid/identity/model.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace barid::mailbox {

// Limits of one letter; configurable per node, documented in the API.
struct LetterLimits {
  std::size_t max_subject_chars = 256;
  std::size_t max_notification_chars = 150;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_attachment_bytes = 25 * 1024 * 1024;
  std::size_t max_letter_bytes = 100 * 1024 * 1024;  // body and attachments together
  std::size_t max_attachments = 20;
  std::size_t max_references = 10;
  std::size_t max_actions = 5;
};

enum class LetterKind { ordinary, registered };
std::string_view to_string(LetterKind kind);
enum class BodyFormat { text, markdown };
std::string_view to_string(BodyFormat format);

// Where a letter is in its life. Digital: accepted → consigned (in the mailbox; opened or not). Paper
// (no one reads the recipient's mailbox, or a registered letter was not opened in time): to_print →
// printed. A refused submission stays as `rejected`, holding only its evidence.
enum class LetterState { rejected, accepted, consigned, to_print, printed };
std::string_view to_string(LetterState state);

// The registered-delivery events, named as ETSI EN 319 522 names them.
enum class EvidenceEvent {
  submission_acceptance,
  submission_rejection,
  content_consignment,
  content_handover,
  content_handover_failure,
  relay_to_non_erds,
};
inline constexpr EvidenceEvent kAllEvidenceEvents[] = {
    EvidenceEvent::submission_acceptance, EvidenceEvent::submission_rejection,     EvidenceEvent::content_consignment,
    EvidenceEvent::content_handover,      EvidenceEvent::content_handover_failure, EvidenceEvent::relay_to_non_erds};
std::string_view to_string(EvidenceEvent event);  // "ContentHandover"
std::optional<EvidenceEvent> evidence_event_from_string(std::string_view name);
std::string evidence_event_uri(EvidenceEvent event);  // http://uri.etsi.org/19522/Event/ContentHandover

// How a letter names its recipient: by the identifier the party is registered with.
struct RecipientAddress {
  identity::PartyKind kind = identity::PartyKind::citizen;  // citizen, business or authority
  std::string identifier;                                   // national id, registry number, authority code
};

// MeMo actions: what a button in the letter does.
struct LetterAction {
  std::string code;                        // payment, appointment, self_service, information, sign, confirm
  std::string label;                       // shown on the button
  std::optional<std::string> entry_point;  // an https URL, or a Barid reference such as "bill:<id>"
  std::optional<std::int64_t> starts_at_ms;
  std::optional<std::int64_t> ends_at_ms;
};

struct AttachmentInput {
  std::string file_name;
  std::string_view content;  // must stay alive until the call returns
};

struct LetterInput {
  RecipientAddress recipient;
  std::string subject;
  std::string notification;  // the only text that may leave in an e-mail or SMS
  std::string body;
  BodyFormat body_format = BodyFormat::text;
  std::string language = "ar";
  std::optional<std::string> sender_reference;
  std::optional<std::string> case_id;
  std::vector<std::pair<std::string, std::string>> references;  // further machine-readable references
  std::optional<std::string> attention;                         // a named person or unit of the recipient
  LetterKind kind = LetterKind::ordinary;
  bool legal_notification = false;
  bool mandatory = false;
  bool reply_allowed = false;
  std::optional<std::int64_t> reply_by_ms;
  std::optional<std::int64_t> deliver_after_ms;  // do not deliver until
  std::vector<LetterAction> actions;
  std::vector<AttachmentInput> attachments;
};

struct EvidenceSummary {
  EvidenceEvent event = EvidenceEvent::submission_acceptance;
  std::int64_t log_index = 0;
  std::int64_t at_ms = 0;
};

struct PartyRef {
  std::string party_id;
  identity::PartyKind kind = identity::PartyKind::citizen;
  std::string identifier;
  std::string name_ar;
  std::string name_latin;
};

// What the sender learns of a letter: its state and evidence, never its content after sending.
struct SentLetter {
  std::string id;
  PartyRef recipient;
  LetterKind kind = LetterKind::ordinary;
  LetterState state = LetterState::accepted;
  std::string channel;  // digital or paper
  std::optional<std::string> rejection_reason;
  std::string content_sha256;
  std::int64_t submitted_at_ms = 0;
  std::optional<std::int64_t> deliver_after_ms;
  std::optional<std::int64_t> consigned_at_ms;
  std::optional<std::int64_t> opened_at_ms;
  std::optional<std::string> batch_id;
  std::vector<EvidenceSummary> evidence;
};

struct AttachmentInfo {
  int number = 0;  // 1-based
  std::string file_name;
  std::string media_type;  // detected from the content
  std::int64_t size_bytes = 0;
  std::string sha256;
};

// One line of a mailbox listing.
struct LetterSummary {
  std::string id;
  PartyRef sender;
  std::string subject;
  std::string notification;
  LetterKind kind = LetterKind::ordinary;
  bool legal_notification = false;
  bool mandatory = false;
  bool unread = true;
  std::string folder;
  std::vector<std::string> labels;
  int attachment_count = 0;
  std::int64_t size_bytes = 0;
  std::int64_t delivered_at_ms = 0;
  std::optional<std::string> thread_id;
  bool content_destroyed = false;
};

// A letter opened by its recipient (or a delegate).
struct OpenedLetter {
  LetterSummary summary;
  PartyRef recipient;
  std::string body;
  BodyFormat body_format = BodyFormat::text;
  std::string body_html;  // safe HTML of the body (Markdown rendered, or plain text escaped)
  std::string language;
  std::optional<std::string> sender_reference;
  std::optional<std::string> case_id;
  std::vector<std::pair<std::string, std::string>> references;
  std::optional<std::string> attention;
  bool reply_allowed = false;
  std::optional<std::int64_t> reply_by_ms;
  std::optional<std::string> in_reply_to;
  std::vector<LetterAction> actions;
  std::vector<AttachmentInfo> attachments;
  std::string content_sha256;
  std::vector<EvidenceSummary> evidence;
};

struct AttachmentContent {
  AttachmentInfo info;
  std::vector<std::uint8_t> bytes;
};

}  // namespace barid::mailbox
