// Evidence of a letter for its sender and its recipient side: the list of events, the offline
// bundle, and the bilingual PDF receipt with its QR code.
#include <barid/core/time.hpp>
#include <barid/documents/pdf.hpp>
#include <barid/transparency/bundle.hpp>

#include "internal.hpp"
#include "send.hpp"

namespace barid::mailbox {

using namespace detail;

namespace {

// The sender's party, or the recipient side (the recipient's users and delegates with mailbox:read),
// may see a letter's evidence; to anyone else the letter does not exist.
Result<LetterRow> letter_for_evidence(MailboxService::Impl& impl, store::Transaction& tx,
                                      const identity::Principal& caller, const std::string& letter_id) {
  const Error hidden = not_found("letter_not_found", "no letter has this id");
  auto letter = load_letter(tx, letter_id);
  if (!letter) return hidden;
  if (letter->sender_party_id == caller.party_id) return std::move(*letter);
  if (!letter->recipient_party_id || !letter->consigned_at_ms) return hidden;
  auto access =
      impl.identity.authorize_party_access(tx, caller, *letter->recipient_party_id, identity::Scope::mailbox_read,
                                           "mailbox.evidence", "letter:" + letter_id);
  if (!access) return hidden;
  return std::move(*letter);
}

std::string event_ar(EvidenceEvent event) {
  switch (event) {
    case EvidenceEvent::submission_acceptance: return "قبول الإرسال";
    case EvidenceEvent::submission_rejection: return "رفض الإرسال";
    case EvidenceEvent::content_consignment: return "الإيداع في صندوق البريد";
    case EvidenceEvent::content_handover: return "الاستلام (الفتح الأول)";
    case EvidenceEvent::content_handover_failure: return "عدم الاستلام في المهلة";
    case EvidenceEvent::relay_to_non_erds: return "الطباعة والتسليم للبريد الورقي";
  }
  return "";
}

}  // namespace

Result<std::vector<EvidenceSummary>> MailboxService::evidence(const identity::Principal& caller,
                                                              const std::string& letter_id) {
  return impl_->store.write<std::vector<EvidenceSummary>>(
      [&](store::Transaction& tx) -> Result<std::vector<EvidenceSummary>> {
        BARID_ASSIGN_OR_RETURN(auto letter, letter_for_evidence(*impl_, tx, caller, letter_id));
        return sent_view(tx, letter).evidence;
      });
}

Result<Json> MailboxService::evidence_bundle(const identity::Principal& caller, const std::string& letter_id,
                                             EvidenceEvent event) {
  auto index = impl_->store.write<std::int64_t>([&](store::Transaction& tx) -> Result<std::int64_t> {
    BARID_ASSIGN_OR_RETURN(auto letter, letter_for_evidence(*impl_, tx, caller, letter_id));
    const auto& found = letter.evidence_index[static_cast<std::size_t>(event)];
    if (!found) {
      return not_found("evidence_not_found", "this letter has no " + std::string(to_string(event)) + " evidence (yet)");
    }
    return *found;
  });
  if (!index) return std::move(index).error();
  return transparency::make_bundle(impl_->log, impl_->operator_key, *index, clock_ms());
}

Result<std::string> MailboxService::evidence_receipt_pdf(const identity::Principal& caller,
                                                         const std::string& letter_id, EvidenceEvent event) {
  BARID_ASSIGN_OR_RETURN(auto bundle, evidence_bundle(caller, letter_id, event));
  const Json& record = bundle["record"];
  const auto text = [&record](const char* key) {
    return record.value(key, Json()).is_string() ? record[key].get<std::string>() : "";
  };
  // The record names parties by identifier; their current names are added for people to read.
  std::vector<std::string> party_ids;
  for (const char* key : {"sender", "recipient"}) {
    const Json p = record.value(key, Json::object());
    if (p.value("party_id", Json()).is_string()) party_ids.push_back(p["party_id"].get<std::string>());
  }
  const auto names = impl_->store.read<std::map<std::string, PartyRef>>(
      [&](store::Transaction& tx) { return party_refs(tx, party_ids); });
  const auto party = [&record, &names](const char* key) {
    const Json p = record.value(key, Json::object());
    std::string shown;
    if (auto found = names.find(p.value("party_id", "")); found != names.end()) {
      shown = found->second.name_ar + " — " + found->second.name_latin + " ";
    }
    return shown + "(" + p.value("identifier_type", "") + " " + p.value("identifier", "") + ")";
  };
  const Json& actor = record.value("actor", Json::object());
  std::string actor_text = actor.value("capacity", "");
  if (actor.contains("login")) actor_text += ": " + actor.value("login", "");
  if (actor.contains("delegation_id")) actor_text += " (delegation " + actor.value("delegation_id", "") + ")";

  documents::EvidenceReceipt receipt;
  receipt.title_ar = "إيصال إثبات — " + event_ar(event);
  receipt.title_latin = "Evidence receipt — " + std::string(to_string(event));
  receipt.fields = {
      {"الحدث", "Event", text("event")},
      {"الوقت (UTC)", "Time (UTC)", text("time")},
      {"معرّف الرسالة", "Letter id", text("letter_id")},
      {"المرسل", "Sender", party("sender")},
      {"المرسل إليه", "Recipient", party("recipient")},
      {"الفاعل", "Actor", actor_text},
      {"مستوى التوثيق", "Sender assurance", text("sender_assurance")},
      {"بصمة المحتوى SHA-256", "Content SHA-256", text("content_sha256")},
      {"السبب", "Reason", text("reason").empty() ? "—" : text("reason")},
      {"رقم القيد في السجل", "Log entry", std::to_string(bundle["entry"]["index"].get<std::int64_t>())},
      {"حجم الشجرة", "Tree size", std::to_string(bundle["tree_head"]["tree_size"].get<std::int64_t>())},
      {"جذر الشجرة", "Tree root", bundle["tree_head"]["root_hash"].get<std::string>()},
      {"وقت التوقيع", "Signed at", bundle["tree_head"]["timestamp"].get<std::string>()},
      {"مفتاح المشغّل", "Operator key", bundle["operator"]["key_fingerprint"].get<std::string>()},
  };
  receipt.qr_payload = options_.public_url +
                       "/verify#i=" + std::to_string(bundle["entry"]["index"].get<std::int64_t>()) +
                       "&l=" + bundle["entry"]["leaf_hash"].get<std::string>() +
                       "&s=" + std::to_string(bundle["tree_head"]["tree_size"].get<std::int64_t>()) +
                       "&r=" + bundle["tree_head"]["root_hash"].get<std::string>();
  receipt.footer_ar = "يمكن التحقق من هذا الإيصال دون اتصال: barid verify مع ملف الإثبات، أو امسح الرمز.";
  receipt.footer_latin =
      "Verify offline with `barid verify` and the evidence bundle (JSON), or scan the code to check the entry "
      "against the operator's signed tree head.";
  return documents::render_evidence_receipt_pdf(receipt);
}

}  // namespace barid::mailbox
