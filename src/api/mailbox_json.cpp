#include <barid/core/time.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/http/multipart.hpp>

#include "mailbox_json.hpp"

namespace barid::api::detail {

using mailbox::BodyFormat;
using mailbox::LetterKind;

namespace {

// JSON of a letter may carry base64 attachments; its text is bounded by the upload limit, which the
// HTTP server enforces before the body reaches here.
constexpr std::size_t kMaxLetterJsonBytes = 140 * 1024 * 1024;

Result<std::optional<std::int64_t>> read_time(const FieldReader& reader, const char* name) {
  BARID_ASSIGN_OR_RETURN(auto text, reader.optional_string(name, 1, 64));
  if (!text) return std::optional<std::int64_t>{};
  auto ms = parse_rfc3339_ms(*text);
  if (!ms) return invalid_input("invalid_field", std::string("the field '") + name + "' must be an RFC 3339 date-time");
  return std::optional<std::int64_t>{*ms};
}

Result<std::vector<mailbox::LetterAction>> read_actions(const Json& body) {
  std::vector<mailbox::LetterAction> actions;
  if (!body.contains("actions") || body["actions"].is_null()) return actions;
  if (!body["actions"].is_array() || body["actions"].size() > 20) {
    return invalid_input("invalid_field", "the field 'actions' must be an array of at most 20 actions");
  }
  for (const auto& item : body["actions"]) {
    if (!item.is_object()) return invalid_input("invalid_field", "each action must be an object");
    FieldReader reader(item);
    mailbox::LetterAction action;
    BARID_ASSIGN_OR_RETURN(action.code, reader.required_string("code", 1, 32));
    BARID_ASSIGN_OR_RETURN(action.label, reader.required_string("label", 1, 200));
    BARID_ASSIGN_OR_RETURN(action.entry_point, reader.optional_string("entry_point", 1, 600));
    BARID_ASSIGN_OR_RETURN(action.starts_at_ms, read_time(reader, "starts_at"));
    BARID_ASSIGN_OR_RETURN(action.ends_at_ms, read_time(reader, "ends_at"));
    actions.push_back(std::move(action));
  }
  return actions;
}

Result<LetterKind> read_kind(const FieldReader& reader) {
  BARID_ASSIGN_OR_RETURN(auto kind, reader.optional_string("kind", 1, 16));
  if (!kind || *kind == "ordinary") return LetterKind::ordinary;
  if (*kind == "registered") return LetterKind::registered;
  return invalid_input("invalid_kind", "kind must be ordinary or registered");
}

Result<BodyFormat> read_body_format(const FieldReader& reader) {
  BARID_ASSIGN_OR_RETURN(auto format, reader.optional_string("body_format", 1, 16));
  if (!format || *format == "text") return BodyFormat::text;
  if (*format == "markdown") return BodyFormat::markdown;
  return invalid_input("invalid_body_format", "body_format must be text or markdown");
}

Result<mailbox::RecipientAddress> read_recipient(const Json& body) {
  if (!body.contains("recipient") || !body["recipient"].is_object()) {
    return invalid_input("recipient_required",
                         "the letter needs a recipient: {\"type\": \"national_id\", \"id\": \"…\"}");
  }
  FieldReader reader(body["recipient"]);
  BARID_ASSIGN_OR_RETURN(auto type, reader.optional_string("type", 1, 32));
  BARID_ASSIGN_OR_RETURN(auto id, reader.optional_string("id", 1, 64));
  if (!id) return invalid_input("recipient_required", "the recipient needs an id");
  mailbox::RecipientAddress address;
  address.identifier = *id;
  const auto kind = identity::addressable_kind(type.value_or("national_id"));
  if (!kind) {
    return invalid_input("invalid_recipient_type",
                         "recipient.type must be national_id, registry_number or authority_code");
  }
  address.kind = *kind;
  return address;
}

// The fields shared by a letter and a batch's template.
struct CommonFields {
  std::string subject, notification, body, language;
  BodyFormat body_format = BodyFormat::text;
  std::optional<std::string> sender_reference, case_id;
  LetterKind kind = LetterKind::ordinary;
  bool legal_notification = false, mandatory = false, reply_allowed = false;
  std::optional<std::int64_t> reply_by_ms, deliver_after_ms;
  std::vector<mailbox::LetterAction> actions;
};

Result<CommonFields> read_common(const Json& body) {
  FieldReader reader(body);
  CommonFields fields;
  // Lengths are the mailbox's to judge (it names the field in its error); here only the types.
  BARID_ASSIGN_OR_RETURN(auto subject, reader.optional_string("subject", 0, 100'000));
  BARID_ASSIGN_OR_RETURN(auto notification, reader.optional_string("notification", 0, 100'000));
  BARID_ASSIGN_OR_RETURN(auto text, reader.optional_string("body", 0, 50'000'000));
  BARID_ASSIGN_OR_RETURN(auto language, reader.optional_string("language", 2, 2));
  fields.subject = subject.value_or("");
  fields.notification = notification.value_or("");
  fields.body = text.value_or("");
  fields.language = language.value_or("ar");
  BARID_ASSIGN_OR_RETURN(fields.body_format, read_body_format(reader));
  BARID_ASSIGN_OR_RETURN(fields.sender_reference, reader.optional_string("sender_reference", 0, 100'000));
  BARID_ASSIGN_OR_RETURN(fields.case_id, reader.optional_string("case_id", 0, 100'000));
  BARID_ASSIGN_OR_RETURN(fields.kind, read_kind(reader));
  BARID_ASSIGN_OR_RETURN(auto legal, reader.optional_bool("legal_notification"));
  BARID_ASSIGN_OR_RETURN(auto mandatory, reader.optional_bool("mandatory"));
  BARID_ASSIGN_OR_RETURN(auto reply_allowed, reader.optional_bool("reply_allowed"));
  fields.legal_notification = legal.value_or(false);
  fields.mandatory = mandatory.value_or(false);
  fields.reply_allowed = reply_allowed.value_or(false);
  BARID_ASSIGN_OR_RETURN(fields.reply_by_ms, read_time(reader, "reply_by"));
  BARID_ASSIGN_OR_RETURN(fields.deliver_after_ms, read_time(reader, "deliver_after"));
  BARID_ASSIGN_OR_RETURN(fields.actions, read_actions(body));
  return fields;
}

Result<mailbox::LetterInput> read_letter(const Json& body, bool with_recipient) {
  mailbox::LetterInput letter;
  if (with_recipient) {
    BARID_ASSIGN_OR_RETURN(letter.recipient, read_recipient(body));
  }
  BARID_ASSIGN_OR_RETURN(auto common, read_common(body));
  letter.subject = std::move(common.subject);
  letter.notification = std::move(common.notification);
  letter.body = std::move(common.body);
  letter.body_format = common.body_format;
  letter.language = std::move(common.language);
  letter.sender_reference = std::move(common.sender_reference);
  letter.case_id = std::move(common.case_id);
  letter.kind = common.kind;
  letter.legal_notification = common.legal_notification;
  letter.mandatory = common.mandatory;
  letter.reply_allowed = common.reply_allowed;
  letter.reply_by_ms = common.reply_by_ms;
  letter.deliver_after_ms = common.deliver_after_ms;
  letter.actions = std::move(common.actions);
  FieldReader reader(body);
  BARID_ASSIGN_OR_RETURN(letter.attention, reader.optional_string("attention", 0, 100'000));
  if (body.contains("references") && !body["references"].is_null()) {
    if (!body["references"].is_array() || body["references"].size() > 100) {
      return invalid_input("invalid_field", "the field 'references' must be an array of {name, value}");
    }
    for (const auto& item : body["references"]) {
      if (!item.is_object()) return invalid_input("invalid_field", "each reference must be {name, value}");
      FieldReader ref(item);
      BARID_ASSIGN_OR_RETURN(auto name, ref.required_string("name", 1, 1000));
      BARID_ASSIGN_OR_RETURN(auto value, ref.required_string("value", 1, 10'000));
      letter.references.emplace_back(std::move(name), std::move(value));
    }
  }
  return letter;
}

// Attachments sent inside JSON as base64.
Status read_base64_attachments(const Json& body, std::vector<std::string>& storage,
                               std::vector<mailbox::AttachmentInput>& attachments) {
  if (!body.contains("attachments") || body["attachments"].is_null()) return {};
  if (!body["attachments"].is_array() || body["attachments"].size() > 100) {
    return invalid_input("invalid_field", "the field 'attachments' must be an array of {file_name, content_base64}");
  }
  storage.reserve(body["attachments"].size());
  for (const auto& item : body["attachments"]) {
    if (!item.is_object()) return invalid_input("invalid_field", "each attachment must be {file_name, content_base64}");
    FieldReader reader(item);
    BARID_ASSIGN_OR_RETURN(auto name, reader.required_string("file_name", 1, 255));
    BARID_ASSIGN_OR_RETURN(auto content, reader.required_string("content_base64", 1, kMaxLetterJsonBytes));
    crypto::Bytes bytes;
    if (!crypto::base64_decode(content, bytes)) {
      return invalid_input("invalid_base64", "attachment '" + name + "' is not valid base64");
    }
    storage.emplace_back(bytes.begin(), bytes.end());
    attachments.push_back({std::move(name), storage.back()});
  }
  return {};
}

bool is_multipart(Context& context) {
  const auto type = context.request().header("Content-Type");
  return type && type->substr(0, 19) == "multipart/form-data";
}

Result<std::vector<http::MultipartPart>> multipart_parts(Context& context) {
  const auto type = context.request().header("Content-Type");
  auto parts = http::parse_multipart_form_data(*type, context.request().body);
  if (!parts) {
    Error error = std::move(parts).error();
    if (error.code == "not_multipart") error.kind = ErrorKind::unsupported_media;
    return error;
  }
  return parts;
}

Result<Json> json_part(const std::vector<http::MultipartPart>& parts, const char* name) {
  for (const auto& part : parts) {
    if (part.name == name) {
      JsonLimits limits;
      limits.max_bytes = kMaxLetterJsonBytes;
      return parse_json_object(part.body, limits);
    }
  }
  return invalid_input("missing_part", std::string("the multipart body needs a part named '") + name + "' (JSON)");
}

void file_parts(const std::vector<http::MultipartPart>& parts, std::vector<mailbox::AttachmentInput>& attachments) {
  for (const auto& part : parts) {
    // A file input left empty arrives as a part without a file name and without bytes.
    if ((part.name == "attachment" || part.name == "attachments") && (part.filename || !part.body.empty())) {
      attachments.push_back({part.filename.value_or("attachment"), part.body});
    }
  }
}

Result<Json> json_body_large(Context& context) {
  const auto type = context.request().header("Content-Type");
  if (!type || type->substr(0, 16) != "application/json") {
    return make_error(ErrorKind::unsupported_media, "unsupported_media_type",
                      "send the body as application/json or multipart/form-data");
  }
  JsonLimits limits;
  limits.max_bytes = kMaxLetterJsonBytes;
  return parse_json_object(context.request().body, limits);
}

Json optional_time(const std::optional<std::int64_t>& ms) {
  return ms ? Json(format_utc_ms(*ms)) : Json();
}
Json optional_text(const std::optional<std::string>& text) {
  return text ? Json(*text) : Json();
}

}  // namespace

Result<LetterRequest> read_letter_request(Context& context, bool with_recipient) {
  LetterRequest request;
  if (is_multipart(context)) {
    BARID_ASSIGN_OR_RETURN(auto parts, multipart_parts(context));
    BARID_ASSIGN_OR_RETURN(auto body, json_part(parts, "letter"));
    BARID_ASSIGN_OR_RETURN(request.letter, read_letter(body, with_recipient));
    BARID_TRY(read_base64_attachments(body, request.decoded, request.letter.attachments));
    file_parts(parts, request.letter.attachments);
    return request;
  }
  BARID_ASSIGN_OR_RETURN(auto body, json_body_large(context));
  BARID_ASSIGN_OR_RETURN(request.letter, read_letter(body, with_recipient));
  BARID_TRY(read_base64_attachments(body, request.decoded, request.letter.attachments));
  return request;
}

Result<BatchRequest> read_batch_request(Context& context) {
  BatchRequest request;
  Json body;
  std::optional<std::string_view> file;
  std::string file_name, media_type;
  if (is_multipart(context)) {
    BARID_ASSIGN_OR_RETURN(auto parts, multipart_parts(context));
    BARID_ASSIGN_OR_RETURN(body, json_part(parts, "template"));
    for (const auto& part : parts) {
      if (part.name == "recipients") {
        file = part.body;
        file_name = part.filename.value_or("");
        media_type = part.content_type;
      }
    }
    file_parts(parts, request.batch.attachments);
  } else {
    BARID_ASSIGN_OR_RETURN(body, json_body_large(context));
  }
  const Json& letter = body.contains("template") && body["template"].is_object() ? body["template"] : body;
  BARID_ASSIGN_OR_RETURN(auto common, read_common(letter));
  auto& t = request.batch.letter;
  t.subject = std::move(common.subject);
  t.notification = std::move(common.notification);
  t.body = std::move(common.body);
  t.body_format = common.body_format;
  t.language = std::move(common.language);
  t.sender_reference = std::move(common.sender_reference);
  t.case_id = std::move(common.case_id);
  t.kind = common.kind;
  t.legal_notification = common.legal_notification;
  t.mandatory = common.mandatory;
  t.reply_allowed = common.reply_allowed;
  t.reply_by_ms = common.reply_by_ms;
  t.deliver_after_ms = common.deliver_after_ms;
  t.actions = std::move(common.actions);
  BARID_TRY(read_base64_attachments(letter, request.decoded, request.batch.attachments));
  if (!file) {
    for (const auto& [field, format] :
         {std::pair{"recipients_csv", "text/csv"}, {"recipients_jsonl", "application/jsonl"}}) {
      if (body.contains(field) && body[field].is_string()) {
        request.recipients_text = body[field].get<std::string>();
        media_type = format;
      }
    }
    if (media_type.empty()) {
      return invalid_input("missing_recipients",
                           "send the recipients as a multipart part 'recipients' (CSV or JSONL file), or as "
                           "recipients_csv / recipients_jsonl text");
    }
    file = request.recipients_text;
  }
  auto format = mailbox::recipient_file_format(file_name, media_type);
  if (!format) {
    return make_error(ErrorKind::unsupported_media, "unknown_recipient_file_format",
                      "name the recipient file .csv or .jsonl, or send it as text/csv or application/jsonl");
  }
  request.batch.format = *format;
  request.batch.recipients = *file;
  return request;
}

Result<mailbox::RecipientAddress> read_recipient_field(const Json& body) {
  return read_recipient(body);
}

Result<std::string> idempotency_key(Context& context) {
  const auto key = context.request().header("Idempotency-Key");
  if (!key || key->empty()) {
    return invalid_input("idempotency_key_required",
                         "send an Idempotency-Key header: repeating a request with the same key never sends twice");
  }
  return std::string(*key);
}

Json party_ref_json(const mailbox::PartyRef& party) {
  return {{"party_id", party.party_id.empty() ? Json() : Json(party.party_id)},
          {"identifier_type", std::string(identity::identifier_name(party.kind))},
          {"identifier", party.identifier},
          {"name_ar", party.name_ar},
          {"name_latin", party.name_latin}};
}

Json evidence_json(const std::vector<mailbox::EvidenceSummary>& evidence, const std::string& letter_path) {
  Json out = Json::array();
  for (const auto& item : evidence) {
    const std::string name(mailbox::to_string(item.event));
    out.push_back({{"event", name},
                   {"event_uri", mailbox::evidence_event_uri(item.event)},
                   {"log_index", item.log_index},
                   {"at", format_utc_ms(item.at_ms)},
                   {"bundle_url", letter_path + "/evidence/" + name},
                   {"receipt_url", letter_path + "/evidence/" + name + "/receipt.pdf"}});
  }
  return out;
}

Json sent_letter_json(const mailbox::SentLetter& letter) {
  return {{"id", letter.id},
          {"recipient", party_ref_json(letter.recipient)},
          {"kind", std::string(mailbox::to_string(letter.kind))},
          {"state", std::string(mailbox::to_string(letter.state))},
          {"channel", letter.channel},
          {"rejection_reason", optional_text(letter.rejection_reason)},
          {"content_sha256", letter.content_sha256},
          {"submitted_at", format_utc_ms(letter.submitted_at_ms)},
          {"deliver_after", optional_time(letter.deliver_after_ms)},
          {"consigned_at", optional_time(letter.consigned_at_ms)},
          {"opened_at", optional_time(letter.opened_at_ms)},
          {"batch_id", optional_text(letter.batch_id)},
          {"evidence", evidence_json(letter.evidence, "/api/v1/letters/" + letter.id)}};
}

Json summary_json(const mailbox::LetterSummary& summary) {
  return {{"id", summary.id},
          {"sender", party_ref_json(summary.sender)},
          {"subject", summary.subject},
          {"notification", summary.notification},
          {"kind", std::string(mailbox::to_string(summary.kind))},
          {"legal_notification", summary.legal_notification},
          {"mandatory", summary.mandatory},
          {"unread", summary.unread},
          {"folder", summary.folder},
          {"labels", summary.labels},
          {"attachment_count", summary.attachment_count},
          {"size_bytes", summary.size_bytes},
          {"delivered_at", format_utc_ms(summary.delivered_at_ms)},
          {"thread_id", optional_text(summary.thread_id)},
          {"content_destroyed", summary.content_destroyed}};
}

Json opened_letter_json(const mailbox::OpenedLetter& letter) {
  Json out = summary_json(letter.summary);
  const std::string path = "/api/v1/mailbox/letters/" + letter.summary.id;
  Json references = Json::array();
  for (const auto& [name, value] : letter.references) references.push_back({{"name", name}, {"value", value}});
  Json actions = Json::array();
  for (const auto& action : letter.actions) {
    actions.push_back({{"code", action.code},
                       {"label", action.label},
                       {"entry_point", optional_text(action.entry_point)},
                       {"starts_at", optional_time(action.starts_at_ms)},
                       {"ends_at", optional_time(action.ends_at_ms)}});
  }
  Json attachments = Json::array();
  for (const auto& attachment : letter.attachments) {
    attachments.push_back({{"number", attachment.number},
                           {"file_name", attachment.file_name},
                           {"media_type", attachment.media_type},
                           {"size_bytes", attachment.size_bytes},
                           {"sha256", attachment.sha256},
                           {"url", path + "/attachments/" + std::to_string(attachment.number)}});
  }
  out["recipient"] = party_ref_json(letter.recipient);
  out["body"] = letter.body;
  out["body_format"] = std::string(mailbox::to_string(letter.body_format));
  out["body_html"] = letter.body_html;
  out["language"] = letter.language;
  out["sender_reference"] = optional_text(letter.sender_reference);
  out["case_id"] = optional_text(letter.case_id);
  out["references"] = references;
  out["attention"] = optional_text(letter.attention);
  out["reply_allowed"] = letter.reply_allowed;
  out["reply_by"] = optional_time(letter.reply_by_ms);
  out["in_reply_to"] = optional_text(letter.in_reply_to);
  out["actions"] = actions;
  out["attachments"] = attachments;
  out["content_sha256"] = letter.content_sha256;
  out["document_url"] = path + "/document";
  out["evidence"] = evidence_json(letter.evidence, path);
  return out;
}

Json batch_progress_json(const mailbox::BatchProgress& progress) {
  return {{"id", progress.id},
          {"status", progress.status},
          {"total", progress.total},
          {"accepted", progress.accepted},
          {"rejected", progress.rejected},
          {"consigned", progress.consigned},
          {"pending", progress.total - progress.accepted - progress.rejected},
          {"created_at", format_utc_ms(progress.created_at_ms)},
          {"finished_at", optional_time(progress.finished_at_ms)},
          {"results_url", "/api/v1/letter-batches/" + progress.id + "/results"}};
}

Json letter_request_schema(bool with_recipient) {
  std::map<std::string, Json> properties = {
      {"subject", schema::string("1-256 characters; sealed at rest")},
      {"notification", schema::string("at most 150 characters; the only text sent by e-mail or SMS")},
      {"body", schema::string("plain text or the safe Markdown subset; at most 1 MiB")},
      {"body_format", schema::enumeration({"text", "markdown"})},
      {"language", schema::enumeration({"ar", "fr", "en"})},
      {"sender_reference", schema::string()},
      {"case_id", schema::string("searchable by the recipient, stored only as a keyed tag")},
      {"references", schema::array(schema::object({{"name", schema::string()}, {"value", schema::string()}}))},
      {"attention", schema::string("a person or unit of the recipient")},
      {"kind", schema::enumeration({"ordinary", "registered"})},
      {"legal_notification", schema::boolean()},
      {"mandatory", schema::boolean()},
      {"reply_allowed", schema::boolean()},
      {"reply_by", schema::string_format("date-time")},
      {"deliver_after", schema::string_format("date-time", "do not deliver until")},
      {"actions",
       schema::array(schema::object(
           {{"code", schema::enumeration({"payment", "appointment", "self_service", "information", "sign", "confirm"})},
            {"label", schema::string()},
            {"entry_point", schema::string("https URL or bill:…, payment-intent:…, item:…")},
            {"starts_at", schema::string_format("date-time")},
            {"ends_at", schema::string_format("date-time")}},
           {"code", "label"}))},
      {"attachments", schema::array(schema::object(
                          {{"file_name", schema::string()}, {"content_base64", schema::string_format("byte")}},
                          {"file_name", "content_base64"}))}};
  std::vector<std::string> required = {"subject"};
  if (with_recipient) {
    properties["recipient"] = schema::object(
        {{"type", schema::enumeration({"national_id", "registry_number", "authority_code"})}, {"id", schema::string()}},
        {"id"});
    required.push_back("recipient");
  }
  Json object = schema::object(properties, required);
  object["description"] =
      "application/json, or multipart/form-data with a part 'letter' holding this JSON and one 'attachment' part "
      "per file (each up to 25 MB, 100 MB per letter; type read from the bytes; programs refused)";
  return object;
}

Json sent_letter_schema() {
  return schema::object({{"id", schema::string()},
                         {"recipient", schema::object({{"party_id", schema::nullable(schema::string())},
                                                       {"identifier_type", schema::string()},
                                                       {"identifier", schema::string()},
                                                       {"name_ar", schema::string()},
                                                       {"name_latin", schema::string()}})},
                         {"kind", schema::enumeration({"ordinary", "registered"})},
                         {"state", schema::enumeration({"rejected", "accepted", "consigned", "to_print", "printed"})},
                         {"channel", schema::enumeration({"digital", "paper", "none"})},
                         {"rejection_reason", schema::nullable(schema::string())},
                         {"content_sha256", schema::string()},
                         {"submitted_at", schema::string_format("date-time")},
                         {"consigned_at", schema::nullable(schema::string_format("date-time"))},
                         {"opened_at", schema::nullable(schema::string_format("date-time"))},
                         {"evidence", evidence_list_schema()}},
                        {"id", "state", "content_sha256", "evidence"});
}

Json summary_schema() {
  return schema::object({{"id", schema::string()},
                         {"sender", schema::object({{"party_id", schema::string()},
                                                    {"identifier", schema::string()},
                                                    {"name_ar", schema::string()},
                                                    {"name_latin", schema::string()}})},
                         {"subject", schema::string()},
                         {"notification", schema::string()},
                         {"kind", schema::enumeration({"ordinary", "registered"})},
                         {"unread", schema::boolean()},
                         {"folder", schema::enumeration({"inbox", "archive", "trash"})},
                         {"labels", schema::array(schema::string())},
                         {"attachment_count", schema::integer()},
                         {"delivered_at", schema::string_format("date-time")},
                         {"content_destroyed", schema::boolean()}},
                        {"id", "subject", "unread", "folder"});
}

Json opened_letter_schema() {
  Json opened = summary_schema();
  opened["properties"]["body"] = schema::string();
  opened["properties"]["body_html"] = schema::string("safe HTML of the body");
  opened["properties"]["attachments"] = schema::array(schema::object({{"number", schema::integer()},
                                                                      {"file_name", schema::string()},
                                                                      {"media_type", schema::string()},
                                                                      {"size_bytes", schema::integer()},
                                                                      {"sha256", schema::string()},
                                                                      {"url", schema::string()}}));
  opened["properties"]["actions"] =
      schema::array(schema::object({{"code", schema::string()}, {"label", schema::string()}}));
  opened["properties"]["content_sha256"] = schema::string();
  opened["properties"]["evidence"] = evidence_list_schema();
  return opened;
}

Json evidence_list_schema() {
  return schema::array(schema::object({{"event", schema::string("ETSI EN 319 522 event name")},
                                       {"event_uri", schema::string()},
                                       {"log_index", schema::integer()},
                                       {"at", schema::string_format("date-time")},
                                       {"bundle_url", schema::string()},
                                       {"receipt_url", schema::string()}}));
}

Json bundle_schema() {
  return schema::object(
      {{"format", schema::enumeration({"barid-evidence-bundle/1"})},
       {"entry", schema::object({{"index", schema::integer()},
                                 {"kind", schema::string()},
                                 {"data_base64", schema::string_format("byte")},
                                 {"leaf_hash", schema::string()}})},
       {"record", schema::object({})},
       {"inclusion_proof", schema::object({{"leaf_index", schema::integer()},
                                           {"tree_size", schema::integer()},
                                           {"hashes", schema::array(schema::string())}})},
       {"tree_head", schema::object({{"tree_size", schema::integer()},
                                     {"root_hash", schema::string()},
                                     {"timestamp", schema::string_format("date-time")},
                                     {"timestamp_ms", schema::integer()},
                                     {"signature", schema::string()}})},
       {"operator", schema::object({{"public_key", schema::string()}, {"key_fingerprint", schema::string()}})}},
      {"format", "entry", "inclusion_proof", "tree_head", "operator"});
}

Json batch_progress_schema() {
  return schema::object({{"id", schema::string()},
                         {"status", schema::enumeration({"queued", "running", "done"})},
                         {"total", schema::integer()},
                         {"accepted", schema::integer()},
                         {"rejected", schema::integer()},
                         {"consigned", schema::integer()},
                         {"pending", schema::integer()},
                         {"created_at", schema::string_format("date-time")},
                         {"finished_at", schema::nullable(schema::string_format("date-time"))},
                         {"results_url", schema::string()}},
                        {"id", "status", "total", "accepted", "rejected", "consigned"});
}

Result<std::optional<std::int64_t>> time_query(Context& context, const char* name) {
  const auto text = context.request().query_param(name);
  if (!text) return std::optional<std::int64_t>{};
  auto ms = parse_rfc3339_ms(*text);
  if (!ms) return invalid_input("invalid_" + std::string(name), std::string(name) + " must be an RFC 3339 date-time");
  return std::optional<std::int64_t>{*ms};
}

Result<std::size_t> limit_query(Context& context, std::size_t default_limit, std::size_t max_limit) {
  const auto text = context.request().query_param("limit");
  if (!text) return default_limit;
  if (text->empty() || text->size() > 6 || text->find_first_not_of("0123456789") != std::string::npos) {
    return invalid_input("invalid_limit", "limit must be a number from 1 to " + std::to_string(max_limit));
  }
  const auto value = std::stoul(*text);
  if (value < 1 || value > max_limit) {
    return invalid_input("invalid_limit", "limit must be a number from 1 to " + std::to_string(max_limit));
  }
  return static_cast<std::size_t>(value);
}

}  // namespace barid::api::detail
