// Names of the mailbox's model, the stored form of a letter, sealing, cursors and evidence records.
#include <barid/core/time.hpp>

#include "internal.hpp"

#include <sodium.h>

#include <stdexcept>

namespace barid::mailbox {

std::string_view to_string(LetterKind kind) {
  return kind == LetterKind::registered ? "registered" : "ordinary";
}

std::string_view to_string(BodyFormat format) {
  return format == BodyFormat::markdown ? "markdown" : "text";
}

std::string_view to_string(LetterState state) {
  switch (state) {
    case LetterState::rejected: return "rejected";
    case LetterState::accepted: return "accepted";
    case LetterState::consigned: return "consigned";
    case LetterState::to_print: return "to_print";
    case LetterState::printed: return "printed";
  }
  return "accepted";
}

namespace {

LetterState state_from_string(std::string_view text) {
  for (const auto state : {LetterState::rejected, LetterState::accepted, LetterState::consigned, LetterState::to_print,
                           LetterState::printed}) {
    if (to_string(state) == text) return state;
  }
  throw std::runtime_error("unknown letter state in the database: " + std::string(text));
}

}  // namespace

std::string_view to_string(EvidenceEvent event) {
  switch (event) {
    case EvidenceEvent::submission_acceptance: return "SubmissionAcceptance";
    case EvidenceEvent::submission_rejection: return "SubmissionRejection";
    case EvidenceEvent::content_consignment: return "ContentConsignment";
    case EvidenceEvent::content_handover: return "ContentHandover";
    case EvidenceEvent::content_handover_failure: return "ContentHandoverFailure";
    case EvidenceEvent::relay_to_non_erds: return "RelayToNonERDS";
  }
  return "SubmissionAcceptance";
}

std::optional<EvidenceEvent> evidence_event_from_string(std::string_view name) {
  for (const auto event : kAllEvidenceEvents) {
    if (to_string(event) == name) return event;
  }
  return std::nullopt;
}

std::string evidence_event_uri(EvidenceEvent event) {
  return "http://uri.etsi.org/19522/Event/" + std::string(to_string(event));
}

namespace detail {

Actor actor_of(const identity::Principal& principal, const std::string& capacity,
               const std::optional<std::string>& delegation_id) {
  std::string shown = capacity;
  if (capacity == "owner" && principal.via == identity::Principal::Via::api_key) shown = "api_key";
  return {shown, principal.user_id, principal.login, delegation_id};
}

std::string assurance_of(const identity::Principal& principal) {
  // A password alone is eIDAS "low"; an API key issued by the operator to an organisation, after it
  // was identified at registration, is "substantial".
  return principal.via == identity::Principal::Via::api_key ? "substantial" : "low";
}

PartyRef party_ref(const identity::Party& party) {
  return {party.id, party.kind, party.identifier, party.name_ar, party.name_latin};
}

const char* const kLetterColumns =
    "l.id, l.sender_party_id, l.sender_user_id, l.recipient_party_id, l.recipient_kind, l.recipient_identifier, "
    "l.batch_id, l.thread_id, l.in_reply_to, l.kind, l.legal_notification, l.mandatory, l.reply_allowed, "
    "l.reply_by_ms, l.deliver_after_ms, l.notification, l.language, l.state, l.channel, l.rejection_reason, "
    "l.mailbox_key_version, l.wrapped_key, l.subject_sealed, l.content_sha256, l.attachments_sha256, l.size_bytes, "
    "l.attachment_count, l.sender_assurance, l.submitted_at_ms, l.consigned_at_ms, l.opened_at_ms, "
    "l.handover_deadline_ms, l.retention_until_ms, l.content_destroyed_at_ms, l.folder, l.unread, l.print_reason, "
    "l.print_batch_id, l.printed_at_ms, l.acceptance_log_index, l.rejection_log_index, l.consignment_log_index, "
    "l.handover_log_index, l.handover_failure_log_index, l.relay_log_index";

LetterRow letter_from_row(const store::Row& row) {
  LetterRow letter;
  letter.id = row.text(0);
  letter.sender_party_id = row.text(1);
  letter.sender_user_id = row.text(2);
  letter.recipient_party_id = row.optional_text(3);
  letter.recipient_kind = row.text(4);
  letter.recipient_identifier = row.text(5);
  letter.batch_id = row.optional_text(6);
  letter.thread_id = row.text(7);
  letter.in_reply_to = row.optional_text(8);
  letter.kind = row.text(9) == "registered" ? LetterKind::registered : LetterKind::ordinary;
  letter.legal_notification = row.int64(10) != 0;
  letter.mandatory = row.int64(11) != 0;
  letter.reply_allowed = row.int64(12) != 0;
  letter.reply_by_ms = row.optional_int64(13);
  letter.deliver_after_ms = row.optional_int64(14);
  letter.notification = row.text(15);
  letter.language = row.text(16);
  letter.state = state_from_string(row.text(17));
  letter.channel = row.text(18);
  letter.rejection_reason = row.optional_text(19);
  if (auto version = row.optional_int64(20)) letter.mailbox_key_version = *version;
  if (!row.is_null(21)) letter.wrapped_key = row.blob(21);
  if (!row.is_null(22)) letter.subject_sealed = row.blob(22);
  letter.content_sha256 = row.text(23);
  const std::string attachments = row.text(24);
  for (std::size_t start = 0; start < attachments.size();) {
    const std::size_t comma = std::min(attachments.find(',', start), attachments.size());
    letter.attachments_sha256.push_back(attachments.substr(start, comma - start));
    start = comma + 1;
  }
  letter.size_bytes = row.int64(25);
  letter.attachment_count = static_cast<int>(row.int64(26));
  letter.sender_assurance = row.text(27);
  letter.submitted_at_ms = row.int64(28);
  letter.consigned_at_ms = row.optional_int64(29);
  letter.opened_at_ms = row.optional_int64(30);
  letter.handover_deadline_ms = row.optional_int64(31);
  letter.retention_until_ms = row.optional_int64(32);
  letter.content_destroyed_at_ms = row.optional_int64(33);
  letter.folder = row.text(34);
  letter.unread = row.int64(35) != 0;
  letter.print_reason = row.optional_text(36);
  letter.print_batch_id = row.optional_text(37);
  letter.printed_at_ms = row.optional_int64(38);
  for (std::size_t i = 0; i < 6; ++i) letter.evidence_index[i] = row.optional_int64(39 + i);
  return letter;
}

std::optional<LetterRow> load_letter(store::Transaction& tx, const std::string& letter_id, bool for_update) {
  auto row = tx.query_one(
      std::string("SELECT ") + kLetterColumns + " FROM letters l WHERE l.id = ?" + (for_update ? " FOR UPDATE" : ""),
      {letter_id});
  if (!row) return std::nullopt;
  return letter_from_row(*row);
}

const char* evidence_column(EvidenceEvent event) {
  switch (event) {
    case EvidenceEvent::submission_acceptance: return "acceptance_log_index";
    case EvidenceEvent::submission_rejection: return "rejection_log_index";
    case EvidenceEvent::content_consignment: return "consignment_log_index";
    case EvidenceEvent::content_handover: return "handover_log_index";
    case EvidenceEvent::content_handover_failure: return "handover_failure_log_index";
    case EvidenceEvent::relay_to_non_erds: return "relay_log_index";
  }
  return "acceptance_log_index";
}

std::vector<EvidenceSummary> evidence_of(const LetterRow& letter,
                                         const std::vector<std::pair<std::int64_t, std::int64_t>>& appended_at) {
  std::vector<EvidenceSummary> out;
  for (const auto event : kAllEvidenceEvents) {
    const auto& index = letter.evidence_index[static_cast<std::size_t>(event)];
    if (!index) continue;
    std::int64_t at = 0;
    for (const auto& [log_index, at_ms] : appended_at) {
      if (log_index == *index) at = at_ms;
    }
    out.push_back({event, *index, at});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.log_index < b.log_index; });
  return out;
}

std::string evidence_kind(EvidenceEvent event) {
  return "evidence." + std::string(to_string(event));
}

namespace {

// A party as evidence names it: by the identifier it is registered with. Names are left out: they
// change, and the log keeps its records for good.
void write_party(JsonWriter& out, const PartyRef& party) {
  out.begin_object()
      .key("identifier")
      .string(party.identifier)
      .key("identifier_type")
      .string(identity::identifier_name(party.kind))
      .key("party_id")
      .string(party.party_id)
      .end_object();
}

}  // namespace

// Written field by field with keys in sorted order: the same bytes Json::dump() makes, at a
// fraction of the cost (a bulk send writes two of these per letter).
std::string evidence_record(const EvidenceFacts& facts) {
  const LetterRow& letter = *facts.letter;
  JsonWriter out;
  out.reserve(1024);
  out.begin_object().key("actor").begin_object().key("capacity").string(facts.actor.capacity);
  if (facts.actor.delegation_id) out.key("delegation_id").string(*facts.actor.delegation_id);
  if (!facts.actor.user_id.empty())
    out.key("login").string(facts.actor.login).key("user_id").string(facts.actor.user_id);
  out.end_object().key("attachments_sha256").begin_array();
  for (const auto& sha : letter.attachments_sha256) out.string(sha);
  out.end_array()
      .key("content_sha256")
      .string(letter.content_sha256)
      .key("event")
      .string(evidence_event_uri(facts.event))
      .key("event_name")
      .string(to_string(facts.event))
      .key("legal_notification")
      .boolean(letter.legal_notification)
      .key("letter_id")
      .string(letter.id)
      .key("letter_kind")
      .string(to_string(letter.kind))
      .key("reason")
      .optional_string(facts.reason)
      .key("recipient");
  if (facts.recipient) {
    write_party(out, *facts.recipient);
  } else {
    const std::string_view type = letter.recipient_kind == "business"    ? "registry_number"
                                  : letter.recipient_kind == "authority" ? "authority_code"
                                                                         : "national_id";
    out.begin_object()
        .key("identifier")
        .string(letter.recipient_identifier)
        .key("identifier_type")
        .string(type)
        .end_object();
  }
  out.key("sender");
  write_party(out, facts.sender);
  out.key("sender_assurance")
      .string(letter.sender_assurance)
      .key("time")
      .string(format_utc_ms(facts.at_ms))
      .key("type")
      .string("barid.evidence/1")
      .end_object();
  return std::move(out.text());
}

std::int64_t record_evidence(store::Transaction& tx, const EvidenceFacts& facts) {
  const std::string record = evidence_record(facts);
  const std::int64_t index = transparency::TransparencyLog::append(
      tx, evidence_kind(facts.event), std::span(reinterpret_cast<const std::uint8_t*>(record.data()), record.size()),
      facts.at_ms);
  // Exactly one record per event: the column is set once, and a second attempt is a defect that
  // rolls the whole transaction back.
  const auto updated = tx.execute(std::string("UPDATE letters SET ") + evidence_column(facts.event) +
                                      " = ? WHERE id = ? AND " + evidence_column(facts.event) + " IS NULL",
                                  {index, facts.letter->id});
  if (updated != 1) {
    throw std::logic_error("evidence " + std::string(to_string(facts.event)) + " recorded twice for a letter");
  }
  return index;
}

crypto::Bytes seal_part(const LetterKeys& keys, const std::string& letter_id, const std::string& recipient_party_id,
                        std::string_view part, std::string_view plaintext) {
  return crypto::seal(keys.letter_key,
                      std::span(reinterpret_cast<const std::uint8_t*>(plaintext.data()), plaintext.size()),
                      letter_content_ad(letter_id, recipient_party_id, keys.mailbox_key_version, part));
}

std::optional<std::string> open_part(const LetterKeys& keys, const std::string& letter_id,
                                     const std::string& recipient_party_id, std::string_view part,
                                     std::span<const std::uint8_t> sealed) {
  auto opened = crypto::open(keys.letter_key, sealed,
                             letter_content_ad(letter_id, recipient_party_id, keys.mailbox_key_version, part));
  if (!opened) return std::nullopt;
  std::string text(opened->begin(), opened->end());
  sodium_memzero(opened->data(), opened->size());
  return text;
}

std::optional<LetterKeys> letter_keys(KeyVault& keys, store::Transaction& tx, const LetterRow& letter) {
  if (!letter.wrapped_key || !letter.recipient_party_id || !letter.mailbox_key_version) return std::nullopt;
  auto mailbox_key = keys.existing_mailbox_key(tx, *letter.recipient_party_id);
  if (!mailbox_key) throw std::runtime_error("a letter's recipient has no mailbox key");
  const int version = static_cast<int>(*letter.mailbox_key_version);
  auto letter_key = crypto::unwrap_key(mailbox_key->key, *letter.wrapped_key,
                                       letter_key_ad(letter.id, *letter.recipient_party_id, version));
  if (!letter_key) throw std::runtime_error("a letter key does not open with its mailbox key: altered row");
  return LetterKeys{*letter_key, version};
}

std::map<std::string, PartyRef> party_refs(store::Transaction& tx, const std::vector<std::string>& party_ids) {
  std::map<std::string, PartyRef> refs;
  for (const auto& id : party_ids) refs[id] = PartyRef{id, identity::PartyKind::citizen, "", "", ""};
  for (const auto& [id, party] : identity::IdentityService::parties_by_id(tx, party_ids)) refs[id] = party_ref(party);
  return refs;
}

Json action_json(const LetterAction& action) {
  Json out = {{"code", action.code}, {"label", action.label}};
  out["entry_point"] = action.entry_point ? Json(*action.entry_point) : Json();
  out["starts_at"] = action.starts_at_ms ? Json(format_utc_ms(*action.starts_at_ms)) : Json();
  out["ends_at"] = action.ends_at_ms ? Json(format_utc_ms(*action.ends_at_ms)) : Json();
  return out;
}

std::optional<LetterAction> action_from_json(const Json& json) {
  if (!json.is_object() || !json.contains("code") || !json.contains("label")) return std::nullopt;
  LetterAction action;
  action.code = json["code"].get<std::string>();
  action.label = json["label"].get<std::string>();
  if (json.value("entry_point", Json()).is_string()) action.entry_point = json["entry_point"].get<std::string>();
  if (json.value("starts_at", Json()).is_string())
    action.starts_at_ms = parse_rfc3339_ms(json["starts_at"].get<std::string>());
  if (json.value("ends_at", Json()).is_string())
    action.ends_at_ms = parse_rfc3339_ms(json["ends_at"].get<std::string>());
  return action;
}

std::string encode_cursor(std::int64_t at_ms, const std::string& id) {
  const std::string text = std::to_string(at_ms) + "|" + id;
  return crypto::base64url_encode(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::optional<std::pair<std::int64_t, std::string>> decode_cursor(const std::string& cursor) {
  if (cursor.empty() || cursor.size() > 200) return std::nullopt;
  // base64url without padding: decode through the standard alphabet.
  std::string standard = cursor;
  for (char& c : standard) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (standard.size() % 4 != 0) standard.push_back('=');
  crypto::Bytes bytes;
  if (!crypto::base64_decode(standard, bytes)) return std::nullopt;
  const std::string text(bytes.begin(), bytes.end());
  const auto bar = text.find('|');
  if (bar == std::string::npos || bar == 0 || bar > 19 || bar + 1 >= text.size()) return std::nullopt;
  const std::string digits = text.substr(0, bar);
  if (digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  const std::string id = text.substr(bar + 1);
  if (id.size() > 64 || id.find_first_not_of("0123456789abcdef-") != std::string::npos) return std::nullopt;
  return std::pair{std::stoll(digits), id};
}

std::string case_id_tag(const MailboxKey& mailbox_key, const std::string& case_id) {
  // A key of its own for search tags, derived from the mailbox key.
  const auto tag_key = crypto::hmac_sha256(mailbox_key.key, "barid-case-id-tag-key");
  return crypto::hex_encode(crypto::hmac_sha256(tag_key, case_id)).substr(0, 32);
}

}  // namespace detail
}  // namespace barid::mailbox
