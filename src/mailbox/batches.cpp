// Bulk sending. The upload is checked whole and stored sealed; the background delivers it in chunks,
// each one transaction: the chunk's recipients resolved in bulk, each letter sealed and its row
// written complete (state and evidence indexes included), the chunk's evidence appended to the log
// in one go, and the chunk's items marked done — or none of it.
#include <barid/core/log.hpp>
#include <barid/core/time.hpp>
#include <barid/mailbox/batches.hpp>
#include <barid/notify/outbox.hpp>

#include "internal.hpp"
#include "send.hpp"

#include <sodium.h>

#include <future>
#include <set>

namespace barid::mailbox {

using namespace detail;

namespace {

constexpr std::size_t kMaxBatchRows = 1'000'000;

Error batch_not_found() {
  return not_found("batch_not_found", "you sent no batch with this id");
}

bool is_name_char(char c, bool first) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
}

// The {{name}} placeholders in `text`.
void collect_placeholders(std::string_view text, std::set<std::string>& names) {
  for (std::size_t open = text.find("{{"); open != std::string_view::npos; open = text.find("{{", open + 2)) {
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) return;
    const std::string_view name = text.substr(open + 2, close - open - 2);
    bool valid = !name.empty() && name.size() <= 64;
    for (std::size_t i = 0; valid && i < name.size(); ++i) valid = is_name_char(name[i], i == 0);
    if (valid) names.emplace(name);
  }
}

// Backslash-escapes Markdown's punctuation so a field value is shown as written, never as markup.
std::string escape_markdown(std::string_view value) {
  static constexpr std::string_view kSpecial = "\\`*_{}[]()#+-.!|<>~&";
  std::string out;
  out.reserve(value.size() + 8);
  for (const char c : value) {
    if (kSpecial.find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string fill(std::string_view text, const std::vector<std::pair<std::string, std::string>>& fields, bool markdown) {
  std::string out;
  out.reserve(text.size() + 64);
  std::size_t position = 0;
  for (std::size_t open = text.find("{{"); open != std::string_view::npos; open = text.find("{{", position)) {
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    const std::string_view name = text.substr(open + 2, close - open - 2);
    const auto field = std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.first == name; });
    out.append(text.substr(position, open - position));
    if (field != fields.end()) {
      out += markdown ? escape_markdown(field->second) : field->second;
    } else {
      out.append(text.substr(open, close + 2 - open));
    }
    position = close + 2;
  }
  out.append(text.substr(position));
  return out;
}

Json template_json(const LetterTemplate& letter) {
  Json actions = Json::array();
  for (const auto& action : letter.actions) actions.push_back(action_json(action));
  const auto optional_text = [](const std::optional<std::string>& text) { return text ? Json(*text) : Json(); };
  const auto optional_number = [](const std::optional<std::int64_t>& ms) { return ms ? Json(*ms) : Json(); };
  return {{"subject", letter.subject},
          {"notification", letter.notification},
          {"body", letter.body},
          {"body_format", std::string(to_string(letter.body_format))},
          {"language", letter.language},
          {"sender_reference", optional_text(letter.sender_reference)},
          {"case_id", optional_text(letter.case_id)},
          {"kind", std::string(to_string(letter.kind))},
          {"legal_notification", letter.legal_notification},
          {"mandatory", letter.mandatory},
          {"reply_allowed", letter.reply_allowed},
          {"reply_by_ms", optional_number(letter.reply_by_ms)},
          {"deliver_after_ms", optional_number(letter.deliver_after_ms)},
          {"actions", actions}};
}

LetterTemplate template_from_json(const Json& json) {
  LetterTemplate letter;
  letter.subject = json.value("subject", "");
  letter.notification = json.value("notification", "");
  letter.body = json.value("body", "");
  letter.body_format = json.value("body_format", "text") == "markdown" ? BodyFormat::markdown : BodyFormat::text;
  letter.language = json.value("language", "ar");
  if (json["sender_reference"].is_string()) letter.sender_reference = json["sender_reference"].get<std::string>();
  if (json["case_id"].is_string()) letter.case_id = json["case_id"].get<std::string>();
  letter.kind = json.value("kind", "ordinary") == "registered" ? LetterKind::registered : LetterKind::ordinary;
  letter.legal_notification = json.value("legal_notification", false);
  letter.mandatory = json.value("mandatory", false);
  letter.reply_allowed = json.value("reply_allowed", false);
  if (json["reply_by_ms"].is_number_integer()) letter.reply_by_ms = json["reply_by_ms"].get<std::int64_t>();
  if (json["deliver_after_ms"].is_number_integer())
    letter.deliver_after_ms = json["deliver_after_ms"].get<std::int64_t>();
  for (const auto& action : json.value("actions", Json::array())) {
    if (auto parsed = action_from_json(action)) letter.actions.push_back(std::move(*parsed));
  }
  return letter;
}

// One recipient's letter, from the template and the row's fields.
LetterInput letter_for(const LetterTemplate& letter, const std::string& recipient_type, const std::string& recipient,
                       const std::vector<std::pair<std::string, std::string>>& fields,
                       const std::vector<AttachmentInput>& attachments) {
  LetterInput input;
  input.recipient.kind = identity::addressable_kind(recipient_type).value_or(identity::PartyKind::citizen);
  input.recipient.identifier = recipient;
  input.subject = fill(letter.subject, fields, false);
  input.notification = fill(letter.notification, fields, false);
  input.body = fill(letter.body, fields, letter.body_format == BodyFormat::markdown);
  input.body_format = letter.body_format;
  input.language = letter.language;
  if (letter.sender_reference) input.sender_reference = fill(*letter.sender_reference, fields, false);
  if (letter.case_id) input.case_id = fill(*letter.case_id, fields, false);
  input.kind = letter.kind;
  input.legal_notification = letter.legal_notification;
  input.mandatory = letter.mandatory;
  input.reply_allowed = letter.reply_allowed;
  input.reply_by_ms = letter.reply_by_ms;
  input.deliver_after_ms = letter.deliver_after_ms;
  for (auto action : letter.actions) {
    if (action.entry_point) action.entry_point = fill(*action.entry_point, fields, false);
    action.label = fill(action.label, fields, false);
    input.actions.push_back(std::move(action));
  }
  input.attachments = attachments;
  return input;
}

std::string fields_text(const std::vector<std::pair<std::string, std::string>>& fields) {
  Json out = Json::array();
  for (const auto& [name, value] : fields) out.push_back({name, value});
  return out.dump();
}

std::vector<std::pair<std::string, std::string>> fields_from_text(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& pair : Json::parse(text))
    fields.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  return fields;
}

std::string batch_key_ad(const std::string& batch_id, const std::string& sender_party_id, int version) {
  return "barid-batch-key|" + batch_id + "|" + sender_party_id + "|v" + std::to_string(version);
}
std::string batch_part_ad(const std::string& batch_id, std::string_view part) {
  return "barid-batch|" + batch_id + "|" + std::string(part);
}

crypto::Bytes seal_text(const crypto::SecretKey& key, std::string_view text, const std::string& ad) {
  return crypto::seal(key, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), ad);
}

std::string open_text(const crypto::SecretKey& key, std::span<const std::uint8_t> sealed, const std::string& ad) {
  auto opened = crypto::open(key, sealed, ad);
  if (!opened) throw std::runtime_error("a batch's sealed data does not open with its key: altered row");
  std::string text(opened->begin(), opened->end());
  sodium_memzero(opened->data(), opened->size());
  return text;
}

BatchProgress progress_from_row(const store::Row& row) {
  BatchProgress progress;
  progress.id = row.text(0);
  progress.status = row.text(1);
  progress.total = row.int64(2);
  progress.accepted = row.int64(3);
  progress.rejected = row.int64(4);
  progress.consigned = row.int64(5);
  progress.created_at_ms = row.int64(6);
  progress.finished_at_ms = row.optional_int64(7);
  return progress;
}

constexpr const char* kProgressColumns =
    "SELECT id, status, total, accepted, rejected, consigned, created_at_ms, finished_at_ms FROM letter_batches ";

}  // namespace

BatchService::BatchService(MailboxService& mailbox) : mailbox_(mailbox) {}

Result<BatchProgress> BatchService::submit(const identity::Principal& sender, const BatchInput& input,
                                           const std::string& idempotency_key, BatchRefusal* refusal) {
  auto& impl = *mailbox_.impl_;
  if (idempotency_key.empty() || idempotency_key.size() > 128 ||
      !std::all_of(idempotency_key.begin(), idempotency_key.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    return invalid_input("idempotency_key_required",
                         "send an Idempotency-Key header of 1 to 128 printable ASCII characters");
  }
  const std::int64_t now = mailbox_.clock_ms();

  // The whole file first: either every row is good or nothing is stored.
  RecipientFileLimits limits;
  limits.max_rows = kMaxBatchRows;
  RecipientFile file = parse_recipient_file(input.recipients, input.format, limits);
  std::set<std::string> placeholders;
  for (const auto* text : {&input.letter.subject, &input.letter.notification, &input.letter.body}) {
    collect_placeholders(*text, placeholders);
  }
  if (input.letter.sender_reference) collect_placeholders(*input.letter.sender_reference, placeholders);
  if (input.letter.case_id) collect_placeholders(*input.letter.case_id, placeholders);
  for (const auto& action : input.letter.actions) {
    collect_placeholders(action.label, placeholders);
    if (action.entry_point) collect_placeholders(*action.entry_point, placeholders);
  }
  if (file.problems.empty()) {
    for (const auto& row : file.rows) {
      for (const auto& name : placeholders) {
        const bool present =
            std::any_of(row.fields.begin(), row.fields.end(), [&](const auto& field) { return field.first == name; });
        if (present) continue;
        ++file.problem_count;
        if (file.problems.size() < 100) {
          file.problems.push_back(
              {row.line, "missing_field", "the template uses {{" + name + "}}, which this row lacks"});
        }
      }
    }
  }
  if (file.problems.empty() && file.rows.empty()) {
    file.problems.push_back({0, "no_recipients", "the file names no recipient"});
    file.problem_count = 1;
  }
  if (!file.problems.empty()) {
    std::string message = std::to_string(file.problem_count) + " problem(s) in the recipient file, nothing was sent:";
    for (std::size_t i = 0; i < file.problems.size() && i < 5; ++i) {
      message += " line " + std::to_string(file.problems[i].line) + ": " + file.problems[i].message + ";";
    }
    Error error = invalid_input("malformed_recipient_file", message);
    if (refusal) *refusal = {error, file.problems, file.problem_count};
    return error;
  }
  // The template, checked as the first recipient's letter would be.
  const LetterInput sample = letter_for(input.letter, file.rows.front().recipient_type, file.rows.front().recipient,
                                        file.rows.front().fields, input.attachments);
  BARID_ASSIGN_OR_RETURN(auto prepared_sample, prepare_letter(sample, mailbox_.options().limits, now));

  Json template_document = template_json(input.letter);
  std::string attachment_hashes;
  for (const auto& info : prepared_sample.attachments) attachment_hashes += info.sha256 + ",";
  const std::string fingerprint = crypto::hex_encode(crypto::sha256(
      template_document.dump() + "|" + attachment_hashes + "|" + crypto::hex_encode(crypto::sha256(input.recipients))));

  const std::string batch_id = crypto::new_uuid();
  return impl.store.write<BatchProgress>([&](store::Transaction& tx) -> Result<BatchProgress> {
    const crypto::SecretKey batch_key = crypto::new_secret_key();
    const MailboxKey sender_key = impl.keys.mailbox_key(tx, sender.party_id, now);
    Json blobs = Json::array();
    std::vector<std::string> blob_ids;
    for (std::size_t i = 0; i < input.attachments.size(); ++i) {
      const std::string blob_id = crypto::new_uuid();
      const crypto::SecretKey blob_key = crypto::new_secret_key();
      const auto& content = input.attachments[i].content;
      tx.execute(
          "INSERT INTO letter_blobs (id, sealed, size_bytes, created_at_ms) VALUES (?, ?, ?, ?)",
          {blob_id, seal_text(blob_key, content, blob_ad(blob_id)), static_cast<std::int64_t>(content.size()), now});
      blob_ids.push_back(blob_id);
      blobs.push_back(
          {{"blob_id", blob_id}, {"key", crypto::hex_encode(blob_key)}, {"file_name", input.attachments[i].file_name}});
    }
    template_document["attachments"] = blobs;
    std::string template_text = template_document.dump();
    const auto inserted = tx.execute(
        "INSERT INTO letter_batches (id, sender_party_id, sender_user_id, sender_assurance, idempotency_key, "
        "fingerprint, status, batch_key_wrapped, mailbox_key_version, template_sealed, total, accepted, rejected, "
        "consigned, processed_through_line, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, 0, 0, 0, 0, "
        "?) "
        "ON CONFLICT (sender_party_id, idempotency_key) DO NOTHING",
        {batch_id, sender.party_id, sender.user_id, assurance_of(sender), idempotency_key, fingerprint,
         crypto::wrap_key(sender_key.key, batch_key, batch_key_ad(batch_id, sender.party_id, sender_key.version)),
         std::int64_t{sender_key.version}, seal_text(batch_key, template_text, batch_part_ad(batch_id, "template")),
         static_cast<std::int64_t>(file.rows.size()), now});
    sodium_memzero(template_text.data(), template_text.size());
    if (inserted == 0) {
      // Seen before: nothing new is made (this transaction's blobs roll back with it).
      auto row = tx.query_one(
          "SELECT fingerprint, id FROM letter_batches WHERE sender_party_id = ? AND "
          "idempotency_key = ?",
          {sender.party_id, idempotency_key});
      if (row->text(0) != fingerprint) {
        return make_error(ErrorKind::unprocessable, "idempotency_key_reused",
                          "this Idempotency-Key was used for another batch");
      }
      BatchProgress replay =
          progress_from_row(*tx.query_one(std::string(kProgressColumns) + "WHERE id = ?", {row->text(1)}));
      replay.replayed = true;
      return replay;
    }
    for (std::size_t i = 0; i < blob_ids.size(); ++i) {
      tx.execute("INSERT INTO letter_batch_blobs (batch_id, number, blob_id) VALUES (?, ?, ?)",
                 {batch_id, static_cast<std::int64_t>(i + 1), blob_ids[i]});
    }
    // 64 recipients per statement: a million-line file is 15,625 statements, not a million.
    constexpr std::size_t kRowsPerStatement = 64;
    std::vector<store::Value> params;
    for (std::size_t start = 0; start < file.rows.size(); start += kRowsPerStatement) {
      const std::size_t rows = std::min(kRowsPerStatement, file.rows.size() - start);
      std::string sql =
          "INSERT INTO letter_batch_items (batch_id, line, recipient_type, recipient, fields_sealed, status) VALUES ";
      params.clear();
      params.reserve(rows * 5);
      for (std::size_t i = 0; i < rows; ++i) {
        const auto& row = file.rows[start + i];
        sql += i == 0 ? "(?, ?, ?, ?, ?, 'pending')" : ", (?, ?, ?, ?, ?, 'pending')";
        params.emplace_back(batch_id);
        params.emplace_back(static_cast<std::int64_t>(row.line));
        params.emplace_back(row.recipient_type);
        params.emplace_back(row.recipient);
        params.emplace_back(
            seal_text(batch_key, fields_text(row.fields), batch_part_ad(batch_id, "line:" + std::to_string(row.line))));
      }
      tx.execute(sql, params);
    }
    log::info("letter_batch_accepted",
              {{"batch_id", batch_id}, {"recipients", static_cast<std::int64_t>(file.rows.size())}});
    return progress_from_row(*tx.query_one(std::string(kProgressColumns) + "WHERE id = ?", {batch_id}));
  });
}

Result<BatchProgress> BatchService::progress(const identity::Principal& sender, const std::string& batch_id) {
  auto row = mailbox_.impl_->store.read<std::optional<store::Row>>([&](store::Transaction& tx) {
    return tx.query_one(std::string(kProgressColumns) + "WHERE id = ? AND sender_party_id = ?",
                        {batch_id, sender.party_id});
  });
  if (!row) return batch_not_found();
  return progress_from_row(*row);
}

Result<std::vector<BatchResult>> BatchService::results(const identity::Principal& sender, const std::string& batch_id,
                                                       std::int64_t after_line, std::size_t limit) {
  return mailbox_.impl_->store.read<Result<std::vector<BatchResult>>>(
      [&](store::Transaction& tx) -> Result<std::vector<BatchResult>> {
        if (!tx.query_one("SELECT id FROM letter_batches WHERE id = ? AND sender_party_id = ?",
                          {batch_id, sender.party_id})) {
          return batch_not_found();
        }
        std::vector<BatchResult> results;
        // A recipient's letter is found through the letters' (batch_id, batch_line) key.
        for (const auto& row : tx.query(
                 "SELECT i.line, i.recipient_type, i.recipient, i.status, l.id, i.error_code FROM letter_batch_items i "
                 "LEFT JOIN letters l ON l.batch_id = i.batch_id AND l.batch_line = i.line "
                 "WHERE i.batch_id = ? AND i.line > ? ORDER BY i.line LIMIT ?",
                 {batch_id, after_line, static_cast<std::int64_t>(limit)})) {
          results.push_back(
              {row.int64(0), row.text(1), row.text(2), row.text(3), row.optional_text(4), row.optional_text(5)});
        }
        return results;
      });
}

// Delivery in two steps. prepare_chunk does the work of each letter — template, document,
// hashes, keys, sealing, evidence records — from a read snapshot, on any thread; commit_chunk
// writes the prepared rows in one transaction under the batch row's lock, after checking that no
// one delivered those lines meanwhile. While one chunk commits, the next one is prepared.
struct BatchService::PreparedChunk {
  std::string batch_id;
  std::int64_t after_line = 0;  // the batch's processed_through_line the chunk was prepared from
  std::int64_t last_line = 0;
  bool batch_done = false;  // nothing left: the batch is finished
  struct Letter {
    std::int64_t line = 0;
    std::optional<std::string> refusal;  // rejected without a letter (ordinary) or with one (registered)
    LetterRow row;
    SealedParts sealed;
    bool has_content = false;
    std::optional<identity::Recipient> recipient;
    std::optional<KeyVault::WrappedMailboxKey> new_mailbox;
    std::int64_t retention_ms = 0;  // the sender's retention; counted from the commit's time
    std::vector<std::pair<EvidenceEvent, std::string>> records;  // with a placeholder time
  };
  std::vector<Letter> letters;
  std::vector<std::string> shared_blob_ids;
  std::string sender_party_id;
};

namespace {

// Thrown inside a chunk's transaction to roll it back when the chunk no longer fits the database.
struct ChunkOutdated {};

// The time evidence records are prepared with, replaced by the commit's time.
constexpr std::int64_t kPlaceholderTimeMs = 0;
const std::string kPlaceholderTime = "\"time\":\"" + format_utc_ms(kPlaceholderTimeMs) + "\"";

void stamp(std::string& record, std::int64_t at_ms) {
  const auto at = record.rfind(kPlaceholderTime);
  if (at == std::string::npos) throw std::logic_error("an evidence record lacks its time placeholder");
  record.replace(at, kPlaceholderTime.size(), "\"time\":\"" + format_utc_ms(at_ms) + "\"");
}

}  // namespace

std::size_t BatchService::process_pending(std::size_t max_letters) {
  std::vector<std::string> batches;
  mailbox_.impl_->store.run_read([&](store::Transaction& tx) {
    for (const auto& row :
         tx.query("SELECT id FROM letter_batches WHERE status <> 'done' ORDER BY created_at_ms, id LIMIT 20")) {
      batches.push_back(row.text(0));
    }
  });
  std::size_t handled = 0;
  for (const auto& batch_id : batches) {
    if (handled >= max_letters) break;
    handled += deliver(batch_id, max_letters - handled);
  }
  return handled;
}

std::size_t BatchService::process_chunk(const std::string& batch_id, std::size_t max_letters) {
  const auto after = processed_through(batch_id);
  if (!after) return 0;
  auto chunk = prepare_chunk(batch_id, *after, max_letters);
  return commit_chunk(chunk);
}

std::size_t BatchService::deliver(const std::string& batch_id, std::size_t max_letters) {
  auto after = processed_through(batch_id);
  if (!after) return 0;
  std::size_t handled = 0;
  const auto next_size = [&] { return std::min(kChunkLetters, max_letters - handled); };
  auto chunk = prepare_chunk(batch_id, *after, next_size());
  while (handled < max_letters) {
    if (chunk.batch_done) {
      commit_chunk(chunk);
      break;
    }
    // Prepare the following lines on another thread while this chunk is written.
    std::future<PreparedChunk> following;
    const std::size_t following_size = std::min(kChunkLetters, max_letters - handled - chunk.letters.size());
    if (following_size > 0) {
      following = std::async(std::launch::async, [this, &batch_id, from = chunk.last_line, following_size] {
        return prepare_chunk(batch_id, from, following_size);
      });
    }
    const std::size_t done = commit_chunk(chunk);
    if (done == 0) {
      // Someone else delivered these lines meanwhile: start again from where the batch stands.
      if (following.valid()) following.wait();
      after = processed_through(batch_id);
      if (!after) break;
      chunk = prepare_chunk(batch_id, *after, next_size());
      if (chunk.letters.empty() && !chunk.batch_done) break;
      continue;
    }
    handled += done;
    if (!following.valid()) break;
    chunk = following.get();
  }
  return handled;
}

std::optional<std::int64_t> BatchService::processed_through(const std::string& batch_id) {
  return mailbox_.impl_->store.read_single<std::optional<std::int64_t>>(
      [&](store::Transaction& tx) -> std::optional<std::int64_t> {
        auto row = tx.query_one("SELECT processed_through_line, status FROM letter_batches WHERE id = ?", {batch_id});
        if (!row || row->text(1) == "done") return std::nullopt;
        return row->int64(0);
      });
}

BatchService::PreparedChunk BatchService::prepare_chunk(const std::string& batch_id, std::int64_t after_line,
                                                        std::size_t max_letters) {
  auto& impl = *mailbox_.impl_;
  const MailboxOptions& options = mailbox_.options();
  PreparedChunk chunk;
  chunk.batch_id = batch_id;
  chunk.after_line = after_line;
  chunk.last_line = after_line;
  impl.store.run_read([&](store::Transaction& tx) {
    auto batch = tx.query_one(
        "SELECT sender_party_id, sender_user_id, sender_assurance, batch_key_wrapped, mailbox_key_version, "
        "template_sealed FROM letter_batches WHERE id = ?",
        {batch_id});
    if (!batch) {
      chunk.batch_done = true;
      return;
    }
    const std::string sender_party_id = batch->text(0);
    chunk.sender_party_id = sender_party_id;
    const auto sender_key = impl.keys.existing_mailbox_key(tx, sender_party_id);
    if (!sender_key) throw std::runtime_error("a batch's sender has no mailbox key");
    auto batch_key = crypto::unwrap_key(sender_key->key, batch->blob(3),
                                        batch_key_ad(batch_id, sender_party_id, static_cast<int>(batch->int64(4))));
    if (!batch_key) throw std::runtime_error("a batch key does not open with its sender's mailbox key");
    const Json template_document =
        Json::parse(open_text(*batch_key, batch->blob(5), batch_part_ad(batch_id, "template")));
    const LetterTemplate letter_template = template_from_json(template_document);

    struct Item {
      std::int64_t line;
      std::string recipient_type;
      std::string recipient;
      store::Blob fields_sealed;
    };
    std::vector<Item> items;
    // Lines are delivered in order; everything up to after_line is done.
    for (const auto& row : tx.query("SELECT line, recipient_type, recipient, fields_sealed FROM letter_batch_items "
                                    "WHERE batch_id = ? AND line > ? ORDER BY line LIMIT ?",
                                    {batch_id, after_line, static_cast<std::int64_t>(max_letters)})) {
      items.push_back({row.int64(0), row.text(1), row.text(2), row.blob(3)});
    }
    if (items.empty()) {
      chunk.batch_done = true;
      return;
    }
    chunk.last_line = items.back().line;

    // Shared attachments: read once per chunk, so each letter can record their type and hash.
    std::vector<std::pair<std::string, crypto::SecretKey>> shared_blobs;
    std::vector<std::string> attachment_texts;
    std::vector<AttachmentInput> attachments;
    for (const auto& blob : template_document.value("attachments", Json::array())) {
      crypto::Bytes key_bytes;
      crypto::SecretKey key{};
      if (!crypto::hex_decode(blob.value("key", ""), key_bytes) || key_bytes.size() != key.size()) {
        throw std::runtime_error("a batch's attachment key is malformed");
      }
      std::copy(key_bytes.begin(), key_bytes.end(), key.begin());
      const std::string blob_id = blob.value("blob_id", "");
      auto sealed = tx.query_one("SELECT sealed FROM letter_blobs WHERE id = ?", {blob_id});
      attachment_texts.push_back(open_text(key, sealed->blob(0), blob_ad(blob_id)));
      shared_blobs.emplace_back(blob_id, key);
      chunk.shared_blob_ids.push_back(blob_id);
    }
    for (std::size_t i = 0; i < attachment_texts.size(); ++i) {
      attachments.push_back({template_document["attachments"][i].value("file_name", ""), attachment_texts[i]});
    }
    std::string blob_keys_text;
    {
      Json blob_keys = Json::array();
      for (const auto& [blob_id, blob_key] : shared_blobs) blob_keys.push_back(crypto::hex_encode(blob_key));
      blob_keys_text = blob_keys.dump();
      for (auto& [blob_id, blob_key] : shared_blobs) sodium_memzero(blob_key.data(), blob_key.size());
    }

    // Recipients and their mailbox keys, in bulk.
    std::map<std::string, std::vector<std::string>> identifiers_by_type;
    for (const auto& item : items) identifiers_by_type[item.recipient_type].push_back(item.recipient);
    std::map<std::pair<std::string, std::string>, identity::Recipient> recipients;
    for (const auto& [type, identifiers] : identifiers_by_type) {
      const auto kind = identity::addressable_kind(type).value_or(identity::PartyKind::citizen);
      for (auto& [given, recipient] : impl.identity.find_recipients(tx, kind, identifiers)) {
        recipients.emplace(std::pair{type, given}, std::move(recipient));
      }
    }
    std::vector<std::string> party_ids;
    for (const auto& [key, recipient] : recipients) party_ids.push_back(recipient.party.id);
    std::map<std::string, MailboxKey> mailbox_keys;
    for (std::size_t start = 0; start < party_ids.size(); start += 200) {
      std::string sql =
          "SELECT party_id, key_version, master_key_version, wrapped_key FROM mailboxes WHERE party_id IN (";
      std::vector<store::Value> params;
      for (std::size_t i = start; i < std::min(party_ids.size(), start + 200); ++i) {
        sql += i == start ? "?" : ", ?";
        params.emplace_back(party_ids[i]);
      }
      for (const auto& row : tx.query(sql + ")", params)) {
        mailbox_keys.emplace(row.text(0), impl.keys.unwrap_mailbox_key(row.text(0), static_cast<int>(row.int64(1)),
                                                                       static_cast<int>(row.int64(2)), row.blob(3)));
      }
    }
    // Mailboxes made for this chunk's recipients; a letter to the same new mailbox twice in a chunk
    // uses the one key.
    std::map<std::string, KeyVault::WrappedMailboxKey> new_mailboxes;

    const PartyRef sender = party_refs(tx, {sender_party_id}).at(sender_party_id);
    const std::int64_t retention = retention_ms_for(tx, sender_party_id, options);
    const Actor actor{"sender", batch->text(1), "", std::nullopt};

    chunk.letters.reserve(items.size());
    for (const auto& item : items) {
      PreparedChunk::Letter prepared_letter;
      prepared_letter.line = item.line;
      const auto fields = fields_from_text(
          open_text(*batch_key, item.fields_sealed, batch_part_ad(batch_id, "line:" + std::to_string(item.line))));
      const LetterInput input = letter_for(letter_template, item.recipient_type, item.recipient, fields, attachments);
      auto prepared = prepare_letter(input, options.limits, kPlaceholderTimeMs);
      if (!prepared) {
        prepared_letter.refusal = prepared.error().code;
        chunk.letters.push_back(std::move(prepared_letter));
        continue;
      }
      prepared_letter.row =
          new_letter_row(crypto::new_uuid(), input, *prepared, sender_party_id, batch->text(1), batch->text(2));
      LetterRow& letter = prepared_letter.row;
      letter.batch_id = batch_id;
      const auto add_record = [&](EvidenceEvent event, const std::optional<PartyRef>& recipient, const Actor& by,
                                  std::optional<std::string> reason) {
        prepared_letter.records.emplace_back(
            event, evidence_record({event, kPlaceholderTimeMs, &letter, sender, recipient, by, std::move(reason)}));
      };

      const auto found = recipients.find({item.recipient_type, item.recipient});
      std::optional<std::string> refusal;
      if (found == recipients.end() || found->second.party.kind == identity::PartyKind::postal_operator) {
        refusal = "unknown_recipient";
      } else if (!found->second.reads_digitally && !found->second.party.postal_address) {
        refusal = "recipient_unreachable";
      }
      if (refusal) {
        prepared_letter.refusal = refusal;
        if (letter.kind == LetterKind::registered) {
          letter.state = LetterState::rejected;
          letter.channel = "none";
          letter.rejection_reason = refusal;
          letter.unread = false;
          add_record(EvidenceEvent::submission_rejection, std::nullopt, actor, refusal);
        }
        chunk.letters.push_back(std::move(prepared_letter));
        continue;
      }
      const identity::Recipient& recipient = found->second;
      letter.recipient_party_id = recipient.party.id;
      MailboxKey mailbox_key;
      if (auto key = mailbox_keys.find(recipient.party.id); key != mailbox_keys.end()) {
        mailbox_key = key->second;
      } else {
        auto made = new_mailboxes.find(recipient.party.id);
        if (made == new_mailboxes.end()) {
          made = new_mailboxes.emplace(recipient.party.id, impl.keys.new_mailbox_key(recipient.party.id)).first;
          prepared_letter.new_mailbox = made->second;
        }
        mailbox_key = made->second.key;
      }
      LetterKeys keys{crypto::new_secret_key(), mailbox_key.version};
      SealedParts& sealed = prepared_letter.sealed;
      sealed.wrapped_key = crypto::wrap_key(mailbox_key.key, keys.letter_key,
                                            letter_key_ad(letter.id, recipient.party.id, keys.mailbox_key_version));
      sealed.subject = seal_part(keys, letter.id, recipient.party.id, "subject", input.subject);
      sealed.content = seal_part(keys, letter.id, recipient.party.id, "content", prepared->document);
      sealed.attachment_keys = seal_part(keys, letter.id, recipient.party.id, "attachment-keys", blob_keys_text);
      sodium_memzero(keys.letter_key.data(), keys.letter_key.size());
      if (input.case_id) sealed.case_id_tag = case_id_tag(mailbox_key, *input.case_id);
      prepared_letter.has_content = true;
      letter.mailbox_key_version = keys.mailbox_key_version;
      prepared_letter.retention_ms = retention;
      const PartyRef recipient_ref = party_ref(recipient.party);
      if (letter.kind == LetterKind::registered) {
        add_record(EvidenceEvent::submission_acceptance, recipient_ref, actor, std::nullopt);
      }
      const bool deferred = input.deliver_after_ms.has_value();  // decided against the commit's time
      if (!deferred && recipient.reads_digitally && letter.kind == LetterKind::registered) {
        add_record(EvidenceEvent::content_consignment, recipient_ref, system_actor(), std::nullopt);
      }
      prepared_letter.recipient = recipient;
      chunk.letters.push_back(std::move(prepared_letter));
    }
    sodium_memzero(blob_keys_text.data(), blob_keys_text.size());
  });
  return chunk;
}

std::size_t BatchService::commit_chunk(PreparedChunk& chunk) {
  auto& impl = *mailbox_.impl_;
  const MailboxOptions& options = mailbox_.options();
  const std::int64_t now = mailbox_.clock_ms();
  std::size_t handled = 0;
  try {
    impl.store.run_write([&](store::Transaction& tx) {
      handled = 0;
      // The batch row's lock makes instances take chunks of one batch in turn; a chunk prepared from
      // a position the batch has moved past is dropped.
      auto batch = tx.query_one("SELECT status, processed_through_line FROM letter_batches WHERE id = ? FOR UPDATE",
                                {chunk.batch_id});
      if (!batch || batch->text(0) == "done" || batch->int64(1) != chunk.after_line) return false;
      if (chunk.batch_done) {
        tx.execute("UPDATE letter_batches SET status = 'done', finished_at_ms = ? WHERE id = ?", {now, chunk.batch_id});
        return true;
      }
      const PartyRef sender = party_refs(tx, {chunk.sender_party_id}).at(chunk.sender_party_id);
      std::int64_t accepted = 0, rejected = 0, consigned = 0;
      // The log's head is locked from here to the commit, so the chunk's evidence indexes are known.
      std::int64_t next_index = transparency::TransparencyLog::lock_next_index(tx);
      const std::int64_t first_index = next_index;
      std::vector<std::string> kinds;
      std::vector<std::string*> records;
      // New mailboxes first, all at once. If one exists already, someone made it after the chunk was
      // prepared: its letters were sealed for a key that is not the mailbox's, so the chunk is dropped
      // and prepared again against the real key.
      std::vector<const PreparedChunk::Letter*> new_mailboxes;
      for (const auto& letter : chunk.letters) {
        if (letter.new_mailbox) new_mailboxes.push_back(&letter);
      }
      for (std::size_t start = 0; start < new_mailboxes.size(); start += 64) {
        const std::size_t rows = std::min<std::size_t>(64, new_mailboxes.size() - start);
        std::string sql =
            "INSERT INTO mailboxes (party_id, key_version, master_key_version, wrapped_key, created_at_ms) VALUES ";
        std::vector<store::Value> params;
        params.reserve(rows * 5);
        for (std::size_t i = 0; i < rows; ++i) {
          const auto& letter = *new_mailboxes[start + i];
          sql += i == 0 ? "(?, ?, ?, ?, ?)" : ", (?, ?, ?, ?, ?)";
          params.emplace_back(*letter.row.recipient_party_id);
          params.emplace_back(std::int64_t{letter.new_mailbox->key.version});
          params.emplace_back(std::int64_t{letter.new_mailbox->master_version});
          params.emplace_back(letter.new_mailbox->wrapped);
          params.emplace_back(now);
        }
        if (tx.execute(sql + " ON CONFLICT (party_id) DO NOTHING", params) != static_cast<std::int64_t>(rows)) {
          throw ChunkOutdated{};
        }
      }
      std::vector<LetterToInsert> to_insert;
      to_insert.reserve(chunk.letters.size());
      for (auto& letter : chunk.letters) {
        ++handled;
        LetterRow& row = letter.row;
        // Pointers to the records are kept until the append: no reallocation after this.
        letter.records.reserve(letter.records.size() + 1);
        row.submitted_at_ms = now;
        for (auto& [event, record] : letter.records) {
          stamp(record, now);
          row.evidence_index[static_cast<std::size_t>(event)] = next_index++;
          kinds.push_back(evidence_kind(event));
          records.push_back(&record);
        }
        if (letter.refusal) {
          ++rejected;
          tx.execute(
              "UPDATE letter_batch_items SET status = 'rejected', error_code = ? WHERE batch_id = ? AND line = ?",
              {*letter.refusal, chunk.batch_id, letter.line});
          if (row.state == LetterState::rejected) to_insert.push_back({&row, nullptr, letter.line});
          continue;
        }
        const identity::Recipient& recipient = *letter.recipient;
        row.retention_until_ms = std::max(now, row.deliver_after_ms.value_or(now)) + letter.retention_ms;
        const bool deferred = row.deliver_after_ms && *row.deliver_after_ms > now;
        if (deferred) {
          row.state = LetterState::accepted;
          row.channel = recipient.reads_digitally ? "digital" : "paper";
        } else if (!recipient.reads_digitally) {
          row.state = LetterState::to_print;
          row.channel = "paper";
          row.print_reason = "no_digital_mailbox";
        } else {
          row.state = LetterState::consigned;
          row.channel = "digital";
          row.consigned_at_ms = now;
          if (row.kind == LetterKind::registered) {
            row.handover_deadline_ms = now + options.handover_deadline_ms;
            // Prepared as if consigned now; a letter whose deferral ran out already gets its
            // consignment record here, one deferred beyond now gets it when it is consigned.
            if (!row.evidence_index[static_cast<std::size_t>(EvidenceEvent::content_consignment)]) {
              row.evidence_index[static_cast<std::size_t>(EvidenceEvent::content_consignment)] = next_index++;
              std::string record = evidence_record({EvidenceEvent::content_consignment, now, &row, sender,
                                                    party_ref(recipient.party), system_actor(), std::nullopt});
              letter.records.emplace_back(EvidenceEvent::content_consignment, std::move(record));
              kinds.push_back(evidence_kind(EvidenceEvent::content_consignment));
              records.push_back(&letter.records.back().second);
            }
          }
          ++consigned;
        }
        if (deferred && row.evidence_index[static_cast<std::size_t>(EvidenceEvent::content_consignment)]) {
          throw std::logic_error("a deferred letter was prepared with a consignment record");
        }
        to_insert.push_back({&row, &letter.sealed, letter.line});
        if (row.state == LetterState::consigned) notify_recipient(tx, recipient.party, row, options.public_url, now);
        ++accepted;
      }
      insert_letters(tx, to_insert);
      // Their shared attachments, once the letters exist.
      for (const auto& item : to_insert) {
        if (item.sealed == nullptr) continue;
        for (std::size_t i = 0; i < chunk.shared_blob_ids.size(); ++i) {
          tx.execute("INSERT INTO letter_attachments (letter_id, number, blob_id) VALUES (?, ?, ?)",
                     {item.letter->id, static_cast<std::int64_t>(i + 1), chunk.shared_blob_ids[i]});
        }
      }
      std::vector<transparency::NewEntry> entries;
      entries.reserve(records.size());
      for (std::size_t i = 0; i < records.size(); ++i) {
        entries.push_back(
            {kinds[i], std::span(reinterpret_cast<const std::uint8_t*>(records[i]->data()), records[i]->size())});
      }
      const std::int64_t appended_at = transparency::TransparencyLog::append_all(tx, entries, now);
      if (appended_at != first_index) throw std::logic_error("the log moved while a batch chunk held its head");
      tx.execute(
          "UPDATE letter_batch_items SET status = 'accepted' WHERE batch_id = ? AND line > ? AND line <= ? AND "
          "status = 'pending'",
          {chunk.batch_id, chunk.after_line, chunk.last_line});
      const bool finished = !tx.query_one("SELECT line FROM letter_batch_items WHERE batch_id = ? AND line > ? LIMIT 1",
                                          {chunk.batch_id, chunk.last_line});
      tx.execute(
          "UPDATE letter_batches SET accepted = accepted + ?, rejected = rejected + ?, consigned = consigned + ?, "
          "processed_through_line = ?, status = ?, finished_at_ms = ? WHERE id = ?",
          {accepted, rejected, consigned, chunk.last_line, std::string(finished ? "done" : "running"),
           finished ? store::Value(now) : store::Value(nullptr), chunk.batch_id});
      return true;
    });
  } catch (const ChunkOutdated&) {
    return 0;
  }
  return handled;
}

}  // namespace barid::mailbox
