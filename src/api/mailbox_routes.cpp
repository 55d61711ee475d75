// Routes of the digital mailbox: sending letters (one at a time or in bulk), the sender's view with
// its evidence, the recipient's mailbox (and a delegate's), hybrid mail for clerks, retention, and
// the sustainability figures.
#include <barid/api/api.hpp>
#include <barid/core/time.hpp>
#include <barid/mailbox/batches.hpp>
#include <barid/mailbox/mailbox.hpp>

#include "mailbox_json.hpp"

namespace barid::api {

using identity::Role;
using namespace detail;

namespace {

const std::vector<std::string> kLetterErrors = {"idempotency_key_required",
                                                "idempotency_key_reused",
                                                "recipient_required",
                                                "invalid_recipient_type",
                                                "unknown_recipient",
                                                "recipient_unreachable",
                                                "subject_required",
                                                "subject_too_long",
                                                "invalid_subject",
                                                "notification_too_long",
                                                "body_required",
                                                "body_too_large",
                                                "invalid_body",
                                                "markdown_too_deep",
                                                "invalid_language",
                                                "invalid_kind",
                                                "invalid_body_format",
                                                "invalid_action",
                                                "too_many_actions",
                                                "too_many_references",
                                                "reply_by_without_reply",
                                                "invalid_reply_by",
                                                "invalid_deliver_after",
                                                "too_many_attachments",
                                                "invalid_file_name",
                                                "empty_attachment",
                                                "attachment_too_large",
                                                "letter_too_large",
                                                "attachment_is_executable",
                                                "attachment_type_not_allowed",
                                                "invalid_base64",
                                                "invalid_multipart",
                                                "missing_part",
                                                "unsupported_media_type",
                                                "invalid_field"};

// The answer to a submission: 201 with the letter, or 422 with the refusal and the letter that holds
// its SubmissionRejection evidence; a replay answers as the first time, marked as such.
http::Response submission_response(const mailbox::Submission& submission, const std::string& request_id) {
  http::Response response;
  if (submission.state == mailbox::LetterState::rejected) {
    response = json_response({{"error",
                               {{"code", submission.rejection_code.value_or("rejected")},
                                {"message", submission.rejection_message.value_or("the letter was refused")},
                                {"request_id", request_id}}},
                              {"letter", sent_letter_json(submission.letter)}},
                             422);
  } else {
    response = json_response({{"letter", sent_letter_json(submission.letter)}}, 201);
    response.set_header("Location", "/api/v1/letters/" + submission.letter_id);
  }
  if (submission.replayed) response.set_header("Idempotent-Replayed", "true");
  return response;
}

Result<mailbox::EvidenceEvent> event_param(Context& context) {
  auto event = mailbox::evidence_event_from_string(context.path_param("event"));
  if (!event) {
    return not_found("evidence_not_found",
                     "no such evidence event; use one of SubmissionAcceptance, "
                     "SubmissionRejection, ContentConsignment, ContentHandover, "
                     "ContentHandoverFailure, RelayToNonERDS");
  }
  return *event;
}

http::Response pdf_response(std::string pdf, const std::string& file_name) {
  http::Response response;
  response.content_type = "application/pdf";
  response.body = std::move(pdf);
  response.set_header("Content-Disposition", "attachment; filename=\"" + file_name + "\"");
  return response;
}

// RFC 6266: a plain ASCII fallback name and the UTF-8 name.
std::string content_disposition(const std::string& file_name) {
  std::string ascii;
  std::string encoded;
  for (const unsigned char c : file_name) {
    ascii += (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? static_cast<char>(c) : '_';
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      encoded += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      encoded += '%';
      encoded += kHex[c >> 4];
      encoded += kHex[c & 0x0F];
    }
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

QueryParameter query(std::string name, std::string description, Json schema = schema::string()) {
  return {std::move(name), std::move(description), std::move(schema), false};
}

}  // namespace

void Api::add_mailbox_routes() {
  auto& mailbox = services_.mailbox;

  add({.method = http::Method::post,
       .path = "/api/v1/letters",
       .operation_id = "sendLetter",
       .summary = "Send one letter (registered letters get SubmissionAcceptance and ContentConsignment evidence). "
                  "Needs an Idempotency-Key header. 422 with the letter's SubmissionRejection evidence when the "
                  "recipient cannot be reached",
       .tag = "letters",
       .access = Access::any_of({Role::authority_sender, Role::business}),
       .request_schema = letter_request_schema(true),
       .success_status = 201,
       .response_schema = schema::object({{"letter", sent_letter_schema()}}, {"letter"}),
       .error_codes = kLetterErrors,
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto request, read_letter_request(context, true));
         BARID_ASSIGN_OR_RETURN(auto submission, mailbox.send_letter(context.caller(), request.letter, key));
         return submission_response(submission, context.request().request_id);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/letters",
       .operation_id = "listSentLetters",
       .summary = "Letters the caller's party sent, newest first, with their state and evidence",
       .tag = "letters",
       .access = Access::authenticated(),
       .response_schema = schema::object(
           {{"letters", schema::array(sent_letter_schema())}, {"next_cursor", schema::nullable(schema::string())}}),
       .query = {query("cursor", "from a previous page's next_cursor"),
                 query("limit", "1 to 200 (default 50)", schema::integer())},
       .error_codes = {"invalid_cursor", "invalid_limit"},
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto limit, limit_query(context, 50, 200));
         std::optional<std::string> next;
         BARID_ASSIGN_OR_RETURN(
             auto letters,
             mailbox.sent_letters(context.caller(), context.request().query_param("cursor"), limit, next));
         Json out = Json::array();
         for (const auto& letter : letters) out.push_back(sent_letter_json(letter));
         return json_response({{"letters", out}, {"next_cursor", next ? Json(*next) : Json()}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/letters/{id}",
       .operation_id = "getSentLetter",
       .summary = "A letter the caller's party sent: state, content hash and evidence (never its content)",
       .tag = "letters",
       .access = Access::authenticated(),
       .response_schema = sent_letter_schema(),
       .error_codes = {"letter_not_found"},
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto letter, mailbox.sent_letter(context.caller(), context.path_param("id")));
         return json_response(sent_letter_json(letter));
       }});

  // Evidence, for the sender (/letters/…) and the recipient side (/mailbox/letters/…), one handler each.
  for (const std::string base : {"/api/v1/letters/{id}", "/api/v1/mailbox/letters/{id}"}) {
    const bool sender_side = base == "/api/v1/letters/{id}";
    const std::string prefix = sender_side ? "sentLetter" : "mailboxLetter";
    add({.method = http::Method::get,
         .path = base + "/evidence",
         .operation_id = prefix + "Evidence",
         .summary = "The registered-delivery evidence of a letter (ETSI EN 319 522 events), each a leaf of the "
                    "transparency log",
         .tag = "evidence",
         .access = Access::authenticated(),
         .response_schema = schema::object({{"evidence", evidence_list_schema()}}),
         .error_codes = {"letter_not_found"},
         .handler = [&mailbox, sender_side](Context& context) -> Result<http::Response> {
           const std::string id = context.path_param("id");
           BARID_ASSIGN_OR_RETURN(auto evidence, mailbox.evidence(context.caller(), id));
           return json_response(
               {{"evidence",
                 evidence_json(evidence, (sender_side ? "/api/v1/letters/" : "/api/v1/mailbox/letters/") + id)}});
         }});
    add({.method = http::Method::get,
         .path = base + "/evidence/{event}",
         .operation_id = prefix + "EvidenceBundle",
         .summary = "One evidence record as a self-contained bundle (record, inclusion proof, signed tree head, "
                    "operator key) that `barid verify` checks offline",
         .tag = "evidence",
         .access = Access::authenticated(),
         .response_schema = bundle_schema(),
         .error_codes = {"letter_not_found", "evidence_not_found"},
         .handler = [&mailbox](Context& context) -> Result<http::Response> {
           BARID_ASSIGN_OR_RETURN(auto event, event_param(context));
           BARID_ASSIGN_OR_RETURN(auto bundle,
                                  mailbox.evidence_bundle(context.caller(), context.path_param("id"), event));
           auto response = json_response(bundle);
           response.set_header("Content-Disposition", "attachment; filename=\"evidence-" + context.path_param("id") +
                                                          "-" + std::string(mailbox::to_string(event)) + ".json\"");
           return response;
         }});
    add({.method = http::Method::get,
         .path = base + "/evidence/{event}/receipt.pdf",
         .operation_id = prefix + "EvidenceReceipt",
         .summary = "The same evidence as a PDF receipt in Arabic and Latin script with a QR code",
         .tag = "evidence",
         .access = Access::authenticated(),
         .response_schema = schema::string_format("binary"),
         .response_content_type = "application/pdf",
         .error_codes = {"letter_not_found", "evidence_not_found"},
         .handler = [&mailbox](Context& context) -> Result<http::Response> {
           BARID_ASSIGN_OR_RETURN(auto event, event_param(context));
           BARID_ASSIGN_OR_RETURN(auto pdf,
                                  mailbox.evidence_receipt_pdf(context.caller(), context.path_param("id"), event));
           return pdf_response(std::move(pdf), "receipt-" + context.path_param("id") + "-" +
                                                   std::string(mailbox::to_string(event)) + ".pdf");
         }});
  }

  add({.method = http::Method::get,
       .path = "/api/v1/mailbox/letters",
       .operation_id = "listMailbox",
       .summary = "The caller's mailbox (or, with party_id, a mailbox the caller holds mailbox:read for), newest "
                  "first, with cursor pagination. Subject search decrypts subjects, so it scans at most 5,000 "
                  "letters per call and continues with next_cursor",
       .tag = "mailbox",
       .access = Access::authenticated(),
       .response_schema = schema::object({{"letters", schema::array(summary_schema())},
                                          {"next_cursor", schema::nullable(schema::string())},
                                          {"scanned", schema::integer()}}),
       .query = {query("party_id", "another party's mailbox, for its delegate"),
                 query("folder", "inbox (default), archive, trash or all"), query("label", "a label id"),
                 query("unread", "true or false", schema::boolean()),
                 query("sender", "the sender's party id or identifier"), query("q", "text searched in subjects"),
                 query("case_id", "exact case id"), query("from", "delivered at or after (RFC 3339)"),
                 query("to", "delivered before (RFC 3339)"), query("cursor", "from a previous page"),
                 query("limit", "1 to 200 (default 50)", schema::integer())},
       .error_codes = {"party_not_found", "invalid_folder", "invalid_search", "invalid_cursor", "invalid_limit",
                       "invalid_from", "invalid_to", "invalid_unread"},
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         auto& request = context.request();
         mailbox::ListQuery list;
         list.party_id = request.query_param("party_id");
         list.folder = request.query_param("folder").value_or("inbox");
         list.label_id = request.query_param("label");
         if (auto unread = request.query_param("unread")) {
           if (*unread != "true" && *unread != "false") {
             return invalid_input("invalid_unread", "unread must be true or false");
           }
           list.unread = *unread == "true";
         }
         list.sender = request.query_param("sender");
         list.text = request.query_param("q");
         list.case_id = request.query_param("case_id");
         BARID_ASSIGN_OR_RETURN(list.from_ms, time_query(context, "from"));
         BARID_ASSIGN_OR_RETURN(list.to_ms, time_query(context, "to"));
         list.cursor = request.query_param("cursor");
         BARID_ASSIGN_OR_RETURN(list.limit, limit_query(context, 50, 200));
         BARID_ASSIGN_OR_RETURN(auto page, mailbox.list(context.caller(), list));
         Json letters = Json::array();
         for (const auto& summary : page.letters) letters.push_back(summary_json(summary));
         return json_response({{"letters", letters},
                               {"next_cursor", page.next_cursor ? Json(*page.next_cursor) : Json()},
                               {"scanned", page.scanned}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/mailbox/letters/{id}",
       .operation_id = "openLetter",
       .summary = "Open a letter. The first opening of a registered letter records ContentHandover evidence "
                  "naming who opened it (the recipient or which delegate)",
       .tag = "mailbox",
       .access = Access::authenticated(),
       .response_schema = opened_letter_schema(),
       .error_codes = {"letter_not_found", "content_destroyed", "scope_not_allowed_for_api_key"},
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto letter, mailbox.open(context.caller(), context.path_param("id")));
         return json_response(opened_letter_json(letter));
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/mailbox/letters/{id}/document",
       .operation_id = "getLetterDocument",
       .summary = "The letter as its canonical JSON document: the exact bytes whose SHA-256 the evidence records "
                  "(check with barid verify BUNDLE --content FILE)",
       .tag = "mailbox",
       .access = Access::authenticated(),
       .response_schema = schema::object({}),
       .error_codes = {"letter_not_found", "content_destroyed"},
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto document, mailbox.content_document(context.caller(), context.path_param("id")));
         http::Response response;
         response.content_type = "application/json";
         response.body = std::move(document);
         response.set_header("Content-Disposition",
                             "attachment; filename=\"letter-" + context.path_param("id") + ".json\"");
         return response;
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/mailbox/letters/{id}/attachments/{n}",
       .operation_id = "getAttachment",
       .summary = "One attachment, always as a download (Content-Disposition: attachment, nosniff), with the type "
                  "read from its bytes",
       .tag = "mailbox",
       .access = Access::authenticated(),
       .response_schema = schema::string_format("binary"),
       .response_content_type = "application/octet-stream",
       .error_codes = {"letter_not_found", "attachment_not_found", "content_destroyed"},
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         const std::string& n = context.path_param("n");
         if (n.empty() || n.size() > 3 || n.find_first_not_of("0123456789") != std::string::npos) {
           return not_found("attachment_not_found", "attachments are numbered from 1");
         }
         BARID_ASSIGN_OR_RETURN(auto attachment,
                                mailbox.attachment(context.caller(), context.path_param("id"), std::stoi(n)));
         http::Response response;
         response.content_type = attachment.info.media_type;
         response.body.assign(attachment.bytes.begin(), attachment.bytes.end());
         response.set_header("Content-Disposition", content_disposition(attachment.info.file_name));
         response.set_header("Digest", "sha-256=" + attachment.info.sha256);
         return response;
       }});

  add({.method = http::Method::patch,
       .path = "/api/v1/mailbox/letters/{id}",
       .operation_id = "changeLetter",
       .summary = "Move a letter to a folder, mark it read or unread, add or remove labels (the owner only)",
       .tag = "mailbox",
       .access = Access::authenticated(),
       .request_schema = schema::object({{"folder", schema::enumeration({"inbox", "archive", "trash"})},
                                         {"unread", schema::boolean()},
                                         {"add_labels", schema::array(schema::string())},
                                         {"remove_labels", schema::array(schema::string())}}),
       .response_schema = summary_schema(),
       .error_codes = {"letter_not_found", "invalid_folder", "label_not_found", "too_many_labels", "invalid_field"},
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         mailbox::LetterChange change;
         BARID_ASSIGN_OR_RETURN(change.folder, reader.optional_string("folder", 1, 16));
         BARID_ASSIGN_OR_RETURN(change.unread, reader.optional_bool("unread"));
         if (body.contains("add_labels")) {
           BARID_ASSIGN_OR_RETURN(change.add_labels, reader.required_string_array("add_labels", 20, 64));
         }
         if (body.contains("remove_labels")) {
           BARID_ASSIGN_OR_RETURN(change.remove_labels, reader.required_string_array("remove_labels", 20, 64));
         }
         BARID_ASSIGN_OR_RETURN(auto summary, mailbox.change(context.caller(), context.path_param("id"), change));
         return json_response(summary_json(summary));
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/mailbox/letters/{id}/replies",
       .operation_id = "replyToLetter",
       .summary = "Reply to a letter that allows replies, before its reply-by time: a letter back to its sender in "
                  "the same thread (the recipient, or a delegate with mailbox:reply). Needs an Idempotency-Key",
       .tag = "mailbox",
       .access = Access::authenticated(),
       .request_schema = letter_request_schema(false),
       .success_status = 201,
       .response_schema = schema::object({{"letter", sent_letter_schema()}}, {"letter"}),
       .error_codes = {"letter_not_found", "reply_not_allowed", "reply_period_over", "idempotency_key_required",
                       "idempotency_key_reused", "subject_required", "body_required", "body_too_large",
                       "attachment_too_large", "attachment_is_executable", "attachment_type_not_allowed",
                       "invalid_multipart", "unsupported_media_type"},
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto request, read_letter_request(context, false));
         BARID_ASSIGN_OR_RETURN(auto submission,
                                mailbox.reply(context.caller(), context.path_param("id"), request.letter, key));
         return submission_response(submission, context.request().request_id);
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/mailbox/letters/{id}/forwards",
       .operation_id = "forwardLetter",
       .summary = "Forward a received letter to another party (the recipient, or a delegate with mailbox:reply): an "
                  "ordinary letter in the same thread with the comment above the original text and the original "
                  "attachments. Needs an Idempotency-Key",
       .tag = "mailbox",
       .access = Access::authenticated(),
       .request_schema = schema::object(
           {{"recipient",
             schema::object({{"type", schema::enumeration({"national_id", "registry_number", "authority_code"})},
                             {"id", schema::string()}},
                            {"id"})},
            {"comment", schema::string("at most 10,000 characters")}},
           {"recipient"}),
       .success_status = 201,
       .response_schema = schema::object({{"letter", sent_letter_schema()}}, {"letter"}),
       .error_codes = {"letter_not_found", "content_destroyed", "recipient_required", "invalid_recipient_type",
                       "unknown_recipient", "recipient_unreachable", "invalid_comment", "idempotency_key_required",
                       "idempotency_key_reused", "unsupported_media_type"},
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         BARID_ASSIGN_OR_RETURN(auto to, read_recipient_field(body));
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto comment, reader.optional_string("comment", 0, 100'000));
         BARID_ASSIGN_OR_RETURN(auto submission, mailbox.forward(context.caller(), context.path_param("id"), to,
                                                                 comment.value_or(""), key));
         return submission_response(submission, context.request().request_id);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/mailbox/labels",
       .operation_id = "listLabels",
       .summary = "The caller's own labels",
       .tag = "mailbox",
       .access = Access::authenticated(),
       .response_schema = schema::object(
           {{"labels", schema::array(schema::object({{"id", schema::string()}, {"name", schema::string()}}))}}),
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto labels, mailbox.labels(context.caller()));
         Json out = Json::array();
         for (const auto& label : labels) {
           out.push_back({{"id", label.id}, {"name", label.name}, {"created_at", format_utc_ms(label.created_at_ms)}});
         }
         return json_response({{"labels", out}});
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/mailbox/labels",
       .operation_id = "createLabel",
       .summary = "Create a label (1 to 64 characters, at most 100 labels)",
       .tag = "mailbox",
       .access = Access::authenticated(),
       .request_schema = schema::object({{"name", schema::string()}}, {"name"}),
       .success_status = 201,
       .response_schema = schema::object({{"id", schema::string()}, {"name", schema::string()}}),
       .error_codes = {"invalid_label_name", "label_exists", "too_many_labels"},
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto name, reader.required_string("name", 0, 1000));
         BARID_ASSIGN_OR_RETURN(auto label, mailbox.create_label(context.caller(), name));
         return json_response(
             {{"id", label.id}, {"name", label.name}, {"created_at", format_utc_ms(label.created_at_ms)}}, 201);
       }});

  add({.method = http::Method::delete_,
       .path = "/api/v1/mailbox/labels/{id}",
       .operation_id = "deleteLabel",
       .summary = "Delete one of the caller's labels (letters keep their folders)",
       .tag = "mailbox",
       .access = Access::authenticated(),
       .success_status = 204,
       .error_codes = {"label_not_found"},
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         BARID_TRY(mailbox.delete_label(context.caller(), context.path_param("id")));
         return empty_response(204);
       }});

  add({.method = http::Method::put,
       .path = "/api/v1/admin/senders/{party_id}/retention",
       .operation_id = "setSenderRetention",
       .summary = "How long a sender's letters stay readable (1 day to 50 years); after it the letter key is "
                  "destroyed and only the evidence remains",
       .tag = "admin",
       .access = Access::any_of({Role::operator_admin}),
       .request_schema = schema::object({{"retention_days", schema::integer()}}, {"retention_days"}),
       .success_status = 204,
       .error_codes = {"party_not_found", "invalid_retention", "invalid_field", "missing_field"},
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto days, reader.required_int("retention_days", 0, 100'000));
         BARID_TRY(mailbox.set_retention(context.caller(), context.path_param("party_id"), days * 24 * 60 * 60 * 1000));
         return empty_response(204);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/stats/sustainability",
       .operation_id = "getSustainability",
       .summary = "Letters delivered digitally and on paper, sheets of paper and CO2 saved, with the factors used "
                  "and where they come from",
       .tag = "stats",
       .access = Access::public_route(),
       .response_schema = schema::object({{"letters_digital", schema::integer()},
                                          {"letters_printed", schema::integer()},
                                          {"letters_to_print", schema::integer()},
                                          {"sheets_saved", schema::integer()},
                                          {"co2_saved_kg", {{"type", "number"}}},
                                          {"factors", schema::object({})}}),
       .handler = [&mailbox](Context&) -> Result<http::Response> {
         const auto figures = mailbox.sustainability();
         return json_response({{"letters_digital", figures.letters_digital},
                               {"letters_printed", figures.letters_printed},
                               {"letters_to_print", figures.letters_to_print},
                               {"sheets_saved", figures.sheets_saved},
                               {"co2_saved_kg", figures.co2_saved_kg},
                               {"factors", figures.factors}});
       }});
}

void Api::add_letter_batch_routes() {
  auto& batches = services_.batches;

  add({.method = http::Method::post,
       .path = "/api/v1/letter-batches",
       .operation_id = "sendLetterBatch",
       .summary = "Bulk sending: a template with {{field}} placeholders and a CSV or JSONL recipient file (up to "
                  "1,000,000 rows), checked whole — a malformed file is refused with its line numbers — then "
                  "delivered in the background. Needs an Idempotency-Key",
       .tag = "letters",
       .access = Access::any_of({Role::authority_sender, Role::business}),
       .request_schema = schema::object(
           {{"template", letter_request_schema(false)},
            {"recipients_csv", schema::string("header row: recipient[,recipient_type][,field…]")},
            {"recipients_jsonl", schema::string("one {\"recipient\", \"recipient_type\", \"fields\"} per line")}}),
       .success_status = 202,
       .response_schema = batch_progress_schema(),
       .error_codes = {"idempotency_key_required", "idempotency_key_reused", "malformed_recipient_file",
                       "missing_recipients", "unknown_recipient_file_format", "subject_required", "invalid_multipart",
                       "unsupported_media_type", "attachment_is_executable", "attachment_type_not_allowed"},
       .handler = [&batches](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto key, idempotency_key(context));
         BARID_ASSIGN_OR_RETURN(auto request, read_batch_request(context));
         mailbox::BatchRefusal refusal;
         auto progress = batches.submit(context.caller(), request.batch, key, &refusal);
         if (!progress && progress.error().code == "malformed_recipient_file") {
           Json problems = Json::array();
           for (const auto& problem : refusal.problems) {
             problems.push_back({{"line", problem.line}, {"code", problem.code}, {"message", problem.message}});
           }
           return json_response({{"error",
                                  {{"code", "malformed_recipient_file"},
                                   {"message", progress.error().message},
                                   {"request_id", context.request().request_id}}},
                                 {"problems", problems},
                                 {"problem_count", refusal.problem_count}},
                                400);
         }
         if (!progress) return std::move(progress).error();
         auto response = json_response(batch_progress_json(*progress), 202);
         response.set_header("Location", "/api/v1/letter-batches/" + progress->id);
         if (progress->replayed) response.set_header("Idempotent-Replayed", "true");
         return response;
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/letter-batches/{id}",
       .operation_id = "getLetterBatch",
       .summary = "Progress of a bulk send: total, accepted, rejected, consigned",
       .tag = "letters",
       .access = Access::any_of({Role::authority_sender, Role::business}),
       .response_schema = batch_progress_schema(),
       .error_codes = {"batch_not_found"},
       .handler = [&batches](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto progress, batches.progress(context.caller(), context.path_param("id")));
         return json_response(batch_progress_json(progress));
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/letter-batches/{id}/results",
       .operation_id = "getLetterBatchResults",
       .summary = "Per-recipient results, by line: JSON pages (after, limit up to 10,000) or the whole list as CSV "
                  "with format=csv",
       .tag = "letters",
       .access = Access::any_of({Role::authority_sender, Role::business}),
       .response_schema =
           schema::object({{"results", schema::array(schema::object({{"line", schema::integer()},
                                                                     {"recipient", schema::string()},
                                                                     {"status", schema::string()},
                                                                     {"letter_id", schema::string()},
                                                                     {"error_code", schema::string()}}))},
                           {"next_after", schema::nullable(schema::integer())}}),
       .query = {query("after", "the last line of the previous page", schema::integer()),
                 query("limit", "1 to 10,000 (default 1,000)", schema::integer()),
                 query("format", "json (default) or csv")},
       .error_codes = {"batch_not_found", "invalid_limit", "invalid_after", "invalid_format"},
       .handler = [&batches](Context& context) -> Result<http::Response> {
         const std::string format = context.request().query_param("format").value_or("json");
         if (format != "json" && format != "csv") return invalid_input("invalid_format", "format must be json or csv");
         std::int64_t after = 0;
         if (auto text = context.request().query_param("after")) {
           if (text->empty() || text->size() > 9 || text->find_first_not_of("0123456789") != std::string::npos) {
             return invalid_input("invalid_after", "after must be a line number");
           }
           after = std::stoll(*text);
         }
         if (format == "csv") {
           http::Response response;
           response.content_type = "text/csv; charset=utf-8";
           response.body = "line,recipient_type,recipient,status,letter_id,error_code\n";
           for (;;) {
             BARID_ASSIGN_OR_RETURN(auto page,
                                    batches.results(context.caller(), context.path_param("id"), after, 10'000));
             for (const auto& row : page) {
               response.body += std::to_string(row.line) + "," + row.recipient_type + "," + row.recipient + "," +
                                row.status + "," + row.letter_id.value_or("") + "," + row.error_code.value_or("") +
                                "\n";
               after = row.line;
             }
             if (page.size() < 10'000) break;
           }
           response.set_header("Content-Disposition",
                               "attachment; filename=\"batch-" + context.path_param("id") + "-results.csv\"");
           return response;
         }
         BARID_ASSIGN_OR_RETURN(auto limit, limit_query(context, 1000, 10'000));
         BARID_ASSIGN_OR_RETURN(auto page, batches.results(context.caller(), context.path_param("id"), after, limit));
         Json results = Json::array();
         for (const auto& row : page) {
           results.push_back({{"line", row.line},
                              {"recipient_type", row.recipient_type},
                              {"recipient", row.recipient},
                              {"status", row.status},
                              {"letter_id", row.letter_id ? Json(*row.letter_id) : Json()},
                              {"error_code", row.error_code ? Json(*row.error_code) : Json()}});
         }
         return json_response(
             {{"results", results}, {"next_after", page.size() == limit ? Json(page.back().line) : Json()}});
       }});
}

void Api::add_paper_routes() {
  auto& mailbox = services_.mailbox;
  const Access clerks = Access::any_of({Role::postal_clerk, Role::operator_admin});
  const auto batch_json = [](const mailbox::PrintBatch& batch) {
    return Json{{"id", batch.id},
                {"status", batch.status},
                {"letter_ids", batch.letter_ids},
                {"letter_count", batch.letter_ids.size()},
                {"created_at", format_utc_ms(batch.created_at_ms)},
                {"printed_at", batch.printed_at_ms ? Json(format_utc_ms(*batch.printed_at_ms)) : Json()},
                {"document_url", "/api/v1/print-batches/" + batch.id + "/document.pdf"}};
  };
  const Json batch_schema = schema::object({{"id", schema::string()},
                                            {"status", schema::enumeration({"exported", "printed"})},
                                            {"letter_ids", schema::array(schema::string())},
                                            {"letter_count", schema::integer()},
                                            {"created_at", schema::string_format("date-time")},
                                            {"printed_at", schema::nullable(schema::string_format("date-time"))},
                                            {"document_url", schema::string()}});

  add({.method = http::Method::get,
       .path = "/api/v1/print-queue",
       .operation_id = "getPrintQueue",
       .summary = "Hybrid mail: letters waiting to be printed — recipients without a digital mailbox, and registered "
                  "letters not opened by their deadline",
       .tag = "paper",
       .access = clerks,
       .response_schema = schema::object({{"letters", schema::array(sent_letter_schema())}}),
       .query = {query("limit", "1 to 1,000 (default 100)", schema::integer())},
       .error_codes = {"invalid_limit"},
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto limit, limit_query(context, 100, 1000));
         BARID_ASSIGN_OR_RETURN(auto letters, mailbox.print_queue(context.caller(), limit));
         Json out = Json::array();
         for (const auto& letter : letters) out.push_back(sent_letter_json(letter));
         return json_response({{"letters", out}});
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/print-batches",
       .operation_id = "createPrintBatch",
       .summary = "Take up to max_letters (1 to 1,000, default 100) letters from the print queue into a batch",
       .tag = "paper",
       .access = clerks,
       .request_schema = schema::object({{"max_letters", schema::integer()}}),
       .success_status = 201,
       .response_schema = batch_schema,
       .error_codes = {"print_queue_empty", "invalid_batch_size", "invalid_field"},
       .handler = [&mailbox, batch_json](Context& context) -> Result<http::Response> {
         std::int64_t max_letters = 100;
         if (!context.request().body.empty()) {
           BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
           FieldReader reader(body);
           BARID_ASSIGN_OR_RETURN(auto given, reader.optional_int("max_letters", 0, 1'000'000));
           max_letters = given.value_or(100);
         }
         BARID_ASSIGN_OR_RETURN(auto batch,
                                mailbox.create_print_batch(context.caller(), static_cast<std::size_t>(max_letters)));
         return json_response(batch_json(batch), 201);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/print-batches/{id}",
       .operation_id = "getPrintBatch",
       .summary = "A print batch and its letters",
       .tag = "paper",
       .access = clerks,
       .response_schema = batch_schema,
       .error_codes = {"print_batch_not_found"},
       .handler = [&mailbox, batch_json](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto batch, mailbox.print_batch(context.caller(), context.path_param("id")));
         return json_response(batch_json(batch));
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/print-batches/{id}/document.pdf",
       .operation_id = "getPrintBatchDocument",
       .summary = "The batch as one print-ready A4 PDF for duplex printing: cover sheet, each letter on a recto with "
                  "its address in the envelope window. Each letter's reading is in its recipient's access log",
       .tag = "paper",
       .access = clerks,
       .response_schema = schema::string_format("binary"),
       .response_content_type = "application/pdf",
       .error_codes = {"print_batch_not_found"},
       .handler = [&mailbox](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto pdf, mailbox.print_batch_pdf(context.caller(), context.path_param("id")));
         return pdf_response(std::move(pdf), "print-batch-" + context.path_param("id") + ".pdf");
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/print-batches/{id}/printed",
       .operation_id = "markPrintBatchPrinted",
       .summary = "The batch was printed and handed to the physical post: RelayToNonERDS evidence for each "
                  "registered letter",
       .tag = "paper",
       .access = clerks,
       .response_schema = batch_schema,
       .error_codes = {"print_batch_not_found", "print_batch_already_printed"},
       .handler = [&mailbox, batch_json](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto batch, mailbox.mark_printed(context.caller(), context.path_param("id")));
         return json_response(batch_json(batch));
       }});
}

}  // namespace barid::api
