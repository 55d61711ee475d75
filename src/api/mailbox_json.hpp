// The mailbox's JSON: decoding letters from requests (JSON or multipart/form-data with attachments)
// and encoding what the mailbox answers, with the schemas the OpenAPI document shows.
#pragma once

#include <barid/api/route.hpp>
#include <barid/mailbox/batches.hpp>
#include <barid/mailbox/mailbox.hpp>

#include <string>
#include <vector>

namespace barid::api::detail {

// A letter read from a request, with the storage its attachments' bytes live in.
struct LetterRequest {
  mailbox::LetterInput letter;
  std::vector<std::string> decoded;  // attachments sent as base64 in JSON
};

// The body is application/json (attachments as [{file_name, content_base64}]) or multipart/form-data
// (a part "letter" with the JSON, then one "attachment" part per file). `with_recipient`: false for
// replies, whose recipient is the original sender.
Result<LetterRequest> read_letter_request(Context& context, bool with_recipient);
// The same for a batch: a part "template" (JSON), a part "recipients" (the CSV or JSONL file) and
// "attachment" parts shared by every letter; or JSON with "recipients_csv" / "recipients_jsonl" text.
struct BatchRequest {
  mailbox::BatchInput batch;
  std::vector<std::string> decoded;
  std::string recipients_text;
};
Result<BatchRequest> read_batch_request(Context& context);

Result<std::string> idempotency_key(Context& context);
// {"recipient": {"type": "national_id", "id": "…"}} from a request body.
Result<mailbox::RecipientAddress> read_recipient_field(const Json& body);

Json party_ref_json(const mailbox::PartyRef& party);
Json evidence_json(const std::vector<mailbox::EvidenceSummary>& evidence, const std::string& letter_path);
Json sent_letter_json(const mailbox::SentLetter& letter);
Json summary_json(const mailbox::LetterSummary& summary);
Json opened_letter_json(const mailbox::OpenedLetter& letter);
Json batch_progress_json(const mailbox::BatchProgress& progress);

Json letter_request_schema(bool with_recipient);
Json sent_letter_schema();
Json summary_schema();
Json opened_letter_schema();
Json evidence_list_schema();
Json bundle_schema();
Json batch_progress_schema();

// An optional RFC 3339 query parameter, or invalid_input naming it.
Result<std::optional<std::int64_t>> time_query(Context& context, const char* name);
Result<std::size_t> limit_query(Context& context, std::size_t default_limit, std::size_t max_limit);

}  // namespace barid::api::detail
