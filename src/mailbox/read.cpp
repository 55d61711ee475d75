// The recipient's side of the mailbox — listing, opening (with ContentHandover evidence on the first
// opening), attachments, folders and labels — and the sender's view of what it sent.
#include <barid/core/time.hpp>
#include <barid/mailbox/markdown.hpp>

#include "internal.hpp"
#include "send.hpp"

#include <sodium.h>

#include <algorithm>
#include <set>

namespace barid::mailbox {

using namespace detail;

namespace {

constexpr std::size_t kSearchScanLimit = 5000;  // letters decrypted per subject search request
constexpr std::size_t kSearchChunk = 200;

Error letter_not_found() {
  return not_found("letter_not_found", "no letter has this id in your mailbox");
}

// The letter's party ids a caller may act for on the recipient side.
Result<identity::PartyAccess> authorize_recipient(MailboxService::Impl& impl, store::Transaction& tx,
                                                  const identity::Principal& caller, const LetterRow& letter,
                                                  identity::Scope scope, std::string_view action) {
  if (!letter.recipient_party_id || !letter.consigned_at_ms) return letter_not_found();
  auto access = impl.identity.authorize_party_access(tx, caller, *letter.recipient_party_id, scope, action,
                                                     "letter:" + letter.id);
  if (!access) {
    if (access.error().kind == ErrorKind::forbidden) return std::move(access).error();
    return letter_not_found();
  }
  return access;
}

std::vector<std::string> labels_of(store::Transaction& tx, const std::string& letter_id) {
  std::vector<std::string> labels;
  for (const auto& row :
       tx.query("SELECT label_id FROM letter_labels WHERE letter_id = ? ORDER BY label_id", {letter_id})) {
    labels.push_back(row.text(0));
  }
  return labels;
}

LetterSummary summary_of(const LetterRow& letter, const PartyRef& sender, std::string subject,
                         std::vector<std::string> labels) {
  LetterSummary summary;
  summary.id = letter.id;
  summary.sender = sender;
  summary.subject = std::move(subject);
  summary.notification = letter.notification;
  summary.kind = letter.kind;
  summary.legal_notification = letter.legal_notification;
  summary.mandatory = letter.mandatory;
  summary.unread = letter.unread;
  summary.folder = letter.folder;
  summary.labels = std::move(labels);
  summary.attachment_count = letter.attachment_count;
  summary.size_bytes = letter.size_bytes;
  summary.delivered_at_ms = letter.consigned_at_ms.value_or(letter.submitted_at_ms);
  summary.thread_id = letter.thread_id;
  summary.content_destroyed = letter.content_destroyed_at_ms.has_value();
  return summary;
}

std::vector<std::pair<std::int64_t, std::int64_t>> evidence_times(store::Transaction& tx, const LetterRow& letter) {
  std::vector<std::pair<std::int64_t, std::int64_t>> times;
  for (const auto& index : letter.evidence_index) {
    if (!index) continue;
    if (auto at = transparency::TransparencyLog::appended_at(tx, *index)) times.emplace_back(*index, *at);
  }
  return times;
}

Error content_destroyed() {
  return make_error(ErrorKind::gone, "content_destroyed",
                    "this letter's retention period is over: its content was destroyed; its evidence remains");
}

}  // namespace

Result<LetterPage> MailboxService::list(const identity::Principal& caller, const ListQuery& query) {
  const std::string party_id = query.party_id.value_or(caller.party_id);
  if (query.folder != "inbox" && query.folder != "archive" && query.folder != "trash" && query.folder != "all") {
    return invalid_input("invalid_folder", "folder must be inbox, archive, trash or all");
  }
  if (query.text && (query.text->empty() || utf8_length(*query.text) > 100 || !is_valid_utf8(*query.text))) {
    return invalid_input("invalid_search", "the search text must be 1 to 100 characters");
  }
  std::optional<std::pair<std::int64_t, std::string>> cursor;
  if (query.cursor) {
    cursor = decode_cursor(*query.cursor);
    if (!cursor) return invalid_input("invalid_cursor", "the cursor is not one this server gave out");
  }
  auto work = [&](store::Transaction& tx) -> Result<LetterPage> {
    auto access = impl_->identity.authorize_party_access(tx, caller, party_id, identity::Scope::mailbox_read,
                                                         "mailbox.list", "mailbox:" + party_id);
    if (!access) return std::move(access).error();
    LetterPage page;
    auto mailbox_key = impl_->keys.existing_mailbox_key(tx, party_id);
    if (!mailbox_key) return page;

    std::string sql = std::string("SELECT ") + kLetterColumns +
                      " FROM letters l WHERE l.recipient_party_id = ? AND l.consigned_at_ms IS NOT NULL";
    std::vector<store::Value> params;
    params.reserve(32);  // no reallocation: GCC 12 warns falsely about one of std::variant
    params.emplace_back(party_id);
    if (query.folder != "all") {
      sql += " AND l.folder = ?";
      params.emplace_back(query.folder);
    }
    if (query.unread) {
      sql += " AND l.unread = ?";
      params.emplace_back(std::int64_t{*query.unread ? 1 : 0});
    }
    if (query.sender) {
      const auto senders = identity::IdentityService::party_ids_with_identifier(tx, *query.sender);
      if (senders.empty()) return page;  // no such sender: nothing to list
      sql += " AND l.sender_party_id IN (";
      for (std::size_t i = 0; i < senders.size() && i < 10; ++i) {
        sql += i == 0 ? "?" : ", ?";
        params.emplace_back(senders[i]);
      }
      sql += ")";
    }
    if (query.case_id) {
      sql += " AND l.case_id_tag = ?";
      params.emplace_back(case_id_tag(*mailbox_key, *query.case_id));
    }
    if (query.from_ms) {
      sql += " AND l.consigned_at_ms >= ?";
      params.emplace_back(*query.from_ms);
    }
    if (query.to_ms) {
      sql += " AND l.consigned_at_ms < ?";
      params.emplace_back(*query.to_ms);
    }
    if (query.label_id) {
      sql += " AND EXISTS (SELECT 1 FROM letter_labels ll WHERE ll.letter_id = l.id AND ll.label_id = ?)";
      params.emplace_back(*query.label_id);
    }
    const std::size_t base_params = params.size();
    std::optional<std::pair<std::int64_t, std::string>> position = cursor;
    const std::size_t chunk = query.text ? kSearchChunk : query.limit + 1;
    std::vector<std::pair<LetterRow, std::string>> found;
    bool more = false;
    while (found.size() < query.limit) {
      std::string chunk_sql = sql;
      params.resize(base_params);
      if (position) {
        chunk_sql += " AND (l.consigned_at_ms < ? OR (l.consigned_at_ms = ? AND l.id < ?))";
        params.emplace_back(position->first);
        params.emplace_back(position->first);
        params.emplace_back(position->second);
      }
      chunk_sql += " ORDER BY l.consigned_at_ms DESC, l.id DESC LIMIT ?";
      params.emplace_back(static_cast<std::int64_t>(chunk));
      const auto rows = tx.query(chunk_sql, params);
      for (const auto& row : rows) {
        LetterRow letter = letter_from_row(row);
        position = std::pair{*letter.consigned_at_ms, letter.id};
        ++page.scanned;
        std::string subject;
        if (letter.wrapped_key && letter.subject_sealed) {
          auto letter_key = crypto::unwrap_key(
              mailbox_key->key, *letter.wrapped_key,
              letter_key_ad(letter.id, party_id, static_cast<int>(letter.mailbox_key_version.value_or(1))));
          if (!letter_key) throw std::runtime_error("a letter key does not open with its mailbox key");
          LetterKeys keys{*letter_key, static_cast<int>(letter.mailbox_key_version.value_or(1))};
          subject = open_part(keys, letter.id, party_id, "subject", *letter.subject_sealed).value_or("");
          sodium_memzero(keys.letter_key.data(), keys.letter_key.size());
        }
        if (query.text) {
          // Case-insensitive for Latin letters; Arabic has no case.
          std::string haystack = subject;
          std::string needle = *query.text;
          for (auto* text : {&haystack, &needle}) {
            std::transform(text->begin(), text->end(), text->begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
          }
          if (haystack.find(needle) == std::string::npos) continue;
        }
        if (found.size() == query.limit) {
          more = true;
          break;
        }
        found.emplace_back(std::move(letter), std::move(subject));
      }
      if (more) break;
      if (rows.size() < chunk) break;  // nothing further
      if (query.text && page.scanned >= kSearchScanLimit) {
        more = true;  // bounded: the caller continues from the cursor
        break;
      }
      if (!query.text) {
        more = true;
        break;
      }
    }
    std::vector<std::string> sender_ids;
    for (const auto& [letter, subject] : found) sender_ids.push_back(letter.sender_party_id);
    const auto senders = party_refs(tx, sender_ids);
    for (auto& [letter, subject] : found) {
      page.letters.push_back(
          summary_of(letter, senders.at(letter.sender_party_id), std::move(subject), labels_of(tx, letter.id)));
    }
    if (more && position) {
      // Continue after the last letter returned, or after the last one scanned by a bounded search.
      const auto& last = page.letters.size() == query.limit && !page.letters.empty()
                             ? std::pair{page.letters.back().delivered_at_ms, page.letters.back().id}
                             : *position;
      page.next_cursor = encode_cursor(last.first, last.second);
    }
    return page;
  };
  if (party_id == caller.party_id) return impl_->store.read<Result<LetterPage>>(work);
  return impl_->store.write<LetterPage>(work);
}

Result<OpenedContent> detail::open_for_recipient(MailboxService::Impl& impl, const identity::Principal& caller,
                                                 const std::string& letter_id, std::int64_t now, identity::Scope scope,
                                                 std::string_view action) {
  return impl.store.write<OpenedContent>([&](store::Transaction& tx) -> Result<OpenedContent> {
    auto letter = load_letter(tx, letter_id, /*for_update=*/true);
    if (!letter) return letter_not_found();
    BARID_ASSIGN_OR_RETURN(auto access, authorize_recipient(impl, tx, caller, *letter, scope, action));
    if (letter->content_destroyed_at_ms) return content_destroyed();
    auto refs = party_refs(tx, {letter->sender_party_id, *letter->recipient_party_id});
    const PartyRef sender = refs.at(letter->sender_party_id);
    const PartyRef recipient = refs.at(*letter->recipient_party_id);
    if (!letter->opened_at_ms) {
      // The first opening. A letter waiting in the print queue because it went unopened need not be
      // printed any more.
      const bool unprinted = letter->state == LetterState::to_print && !letter->print_batch_id &&
                             letter->print_reason == std::optional<std::string>("not_opened");
      tx.execute(std::string("UPDATE letters SET opened_at_ms = ?, unread = 0, handover_deadline_ms = NULL") +
                     (unprinted ? ", state = 'consigned', print_reason = NULL" : "") + " WHERE id = ?",
                 {now, letter->id});
      letter->opened_at_ms = now;
      letter->unread = false;
      if (unprinted) letter->state = LetterState::consigned;
      if (letter->kind == LetterKind::registered) {
        const Actor actor = access.capacity == "owner" ? actor_of(caller, "owner")
                                                       : actor_of(caller, access.capacity, access.delegation_id);
        letter->evidence_index[static_cast<std::size_t>(EvidenceEvent::content_handover)] = record_evidence(
            tx, {EvidenceEvent::content_handover, now, &*letter, sender, recipient, actor, std::nullopt});
      }
    } else if (letter->unread) {
      tx.execute("UPDATE letters SET unread = 0 WHERE id = ?", {letter->id});
      letter->unread = false;
    }
    auto keys = letter_keys(impl.keys, tx, *letter);
    if (!keys) return content_destroyed();
    auto sealed = tx.query_one("SELECT content_sealed, attachment_keys_sealed FROM letters WHERE id = ?", {letter->id});
    auto document = open_part(*keys, letter->id, *letter->recipient_party_id, "content", sealed->blob(0));
    auto attachment_keys =
        open_part(*keys, letter->id, *letter->recipient_party_id, "attachment-keys", sealed->blob(1));
    sodium_memzero(keys->letter_key.data(), keys->letter_key.size());
    if (!document || !attachment_keys) throw std::runtime_error("a letter's content does not open with its key");
    return OpenedContent{std::move(*letter), std::move(*document), std::move(*attachment_keys), sender, recipient};
  });
}

Result<OpenedLetter> MailboxService::open(const identity::Principal& caller, const std::string& letter_id) {
  BARID_ASSIGN_OR_RETURN(auto opened, open_for_recipient(*impl_, caller, letter_id, clock_ms(),
                                                         identity::Scope::mailbox_read, "mailbox.open"));
  const Json document = Json::parse(opened.document);
  OpenedLetter out;
  std::vector<std::string> labels;
  impl_->store.run_read([&](store::Transaction& tx) {
    labels = labels_of(tx, letter_id);
    out.evidence = evidence_of(opened.letter, evidence_times(tx, opened.letter));
  });
  out.summary = summary_of(opened.letter, opened.sender, document.value("subject", ""), std::move(labels));
  out.recipient = opened.recipient;
  out.body = document.value("body", "");
  out.body_format = document.value("body_format", "text") == "markdown" ? BodyFormat::markdown : BodyFormat::text;
  if (out.body_format == BodyFormat::markdown) {
    auto html = render_markdown_html(out.body);
    out.body_html = html ? std::move(*html) : render_plain_text_html(out.body);
  } else {
    out.body_html = render_plain_text_html(out.body);
  }
  out.language = document.value("language", "ar");
  if (document.value("sender_reference", Json()).is_string()) out.sender_reference = document["sender_reference"];
  if (document.value("case_id", Json()).is_string()) out.case_id = document["case_id"];
  if (document.value("attention", Json()).is_string()) out.attention = document["attention"];
  for (const auto& reference : document.value("references", Json::array())) {
    out.references.emplace_back(reference.value("name", ""), reference.value("value", ""));
  }
  out.reply_allowed = opened.letter.reply_allowed;
  out.reply_by_ms = opened.letter.reply_by_ms;
  out.in_reply_to = opened.letter.in_reply_to;
  for (const auto& action : document.value("actions", Json::array())) {
    if (auto parsed = action_from_json(action)) out.actions.push_back(std::move(*parsed));
  }
  for (const auto& attachment : document.value("attachments", Json::array())) {
    out.attachments.push_back({attachment.value("number", 0), attachment.value("file_name", ""),
                               attachment.value("media_type", ""), attachment.value("size_bytes", std::int64_t{0}),
                               attachment.value("sha256", "")});
  }
  out.content_sha256 = opened.letter.content_sha256;
  return out;
}

Result<std::string> MailboxService::content_document(const identity::Principal& caller, const std::string& letter_id) {
  BARID_ASSIGN_OR_RETURN(auto opened, open_for_recipient(*impl_, caller, letter_id, clock_ms(),
                                                         identity::Scope::mailbox_read, "mailbox.open"));
  return std::move(opened.document);
}

Result<AttachmentContent> MailboxService::attachment(const identity::Principal& caller, const std::string& letter_id,
                                                     int number) {
  BARID_ASSIGN_OR_RETURN(auto opened, open_for_recipient(*impl_, caller, letter_id, clock_ms(),
                                                         identity::Scope::mailbox_read, "mailbox.open"));
  const Json document = Json::parse(opened.document);
  const Json keys = Json::parse(opened.attachment_keys);
  sodium_memzero(opened.attachment_keys.data(), opened.attachment_keys.size());
  const Json attachments = document.value("attachments", Json::array());
  if (number < 1 || static_cast<std::size_t>(number) > attachments.size() ||
      static_cast<std::size_t>(number) > keys.size()) {
    return not_found("attachment_not_found", "this letter has no attachment " + std::to_string(number));
  }
  const Json& info = attachments[static_cast<std::size_t>(number - 1)];
  auto blob = impl_->store.read<std::optional<store::Row>>([&](store::Transaction& tx) {
    return tx.query_one(
        "SELECT b.id, b.sealed FROM letter_attachments a JOIN letter_blobs b ON b.id = a.blob_id "
        "WHERE a.letter_id = ? AND a.number = ?",
        {letter_id, std::int64_t{number}});
  });
  if (!blob) return not_found("attachment_not_found", "this letter has no attachment " + std::to_string(number));
  crypto::Bytes key_bytes;
  crypto::SecretKey blob_key{};
  if (!crypto::hex_decode(keys[static_cast<std::size_t>(number - 1)].get<std::string>(), key_bytes) ||
      key_bytes.size() != blob_key.size()) {
    throw std::runtime_error("a letter's attachment key is malformed");
  }
  std::copy(key_bytes.begin(), key_bytes.end(), blob_key.begin());
  sodium_memzero(key_bytes.data(), key_bytes.size());
  auto plain = crypto::open(blob_key, blob->blob(1), blob_ad(blob->text(0)));
  sodium_memzero(blob_key.data(), blob_key.size());
  if (!plain) throw std::runtime_error("an attachment does not open with its key: altered row");
  AttachmentContent content;
  content.info = {number, info.value("file_name", ""), info.value("media_type", "application/octet-stream"),
                  info.value("size_bytes", std::int64_t{0}), info.value("sha256", "")};
  if (crypto::hex_encode(crypto::sha256(*plain)) != content.info.sha256) {
    throw std::runtime_error("an attachment's bytes do not match the SHA-256 its letter records");
  }
  content.bytes = std::move(*plain);
  return content;
}

Result<LetterSummary> MailboxService::change(const identity::Principal& caller, const std::string& letter_id,
                                             const LetterChange& change) {
  if (change.folder && *change.folder != "inbox" && *change.folder != "archive" && *change.folder != "trash") {
    return invalid_input("invalid_folder", "folder must be inbox, archive or trash");
  }
  if (change.add_labels.size() + change.remove_labels.size() > 20) {
    return invalid_input("too_many_labels", "change at most 20 labels at once");
  }
  return impl_->store.write<LetterSummary>([&](store::Transaction& tx) -> Result<LetterSummary> {
    auto letter = load_letter(tx, letter_id, true);
    if (!letter) return letter_not_found();
    // Sorting one's mailbox is the owner's: delegates read and reply but do not rearrange.
    if (!letter->recipient_party_id || *letter->recipient_party_id != caller.party_id || !letter->consigned_at_ms) {
      return letter_not_found();
    }
    BARID_TRY(authorize_recipient(*impl_, tx, caller, *letter, identity::Scope::mailbox_read, "mailbox.change"));
    if (change.folder) {
      tx.execute("UPDATE letters SET folder = ? WHERE id = ?", {*change.folder, letter_id});
      letter->folder = *change.folder;
    }
    if (change.unread) {
      tx.execute("UPDATE letters SET unread = ? WHERE id = ?", {std::int64_t{*change.unread ? 1 : 0}, letter_id});
      letter->unread = *change.unread;
    }
    for (const auto& label : change.add_labels) {
      if (!tx.query_one("SELECT id FROM mailbox_labels WHERE id = ? AND party_id = ?", {label, caller.party_id})) {
        return not_found("label_not_found", "you have no label with the id " + label);
      }
      tx.execute("INSERT INTO letter_labels (letter_id, label_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                 {letter_id, label});
    }
    for (const auto& label : change.remove_labels) {
      tx.execute("DELETE FROM letter_labels WHERE letter_id = ? AND label_id = ?", {letter_id, label});
    }
    std::string subject;
    if (auto keys = letter_keys(impl_->keys, tx, *letter); keys && letter->subject_sealed) {
      subject = open_part(*keys, letter->id, caller.party_id, "subject", *letter->subject_sealed).value_or("");
      sodium_memzero(keys->letter_key.data(), keys->letter_key.size());
    }
    const auto senders = party_refs(tx, {letter->sender_party_id});
    return summary_of(*letter, senders.at(letter->sender_party_id), subject, labels_of(tx, letter_id));
  });
}

Result<std::vector<Label>> MailboxService::labels(const identity::Principal& caller) {
  return impl_->store.read<Result<std::vector<Label>>>([&](store::Transaction& tx) -> Result<std::vector<Label>> {
    std::vector<Label> labels;
    for (const auto& row :
         tx.query("SELECT id, name, created_at_ms FROM mailbox_labels WHERE party_id = ? ORDER BY name",
                  {caller.party_id})) {
      labels.push_back({row.text(0), row.text(1), row.int64(2)});
    }
    return labels;
  });
}

Result<Label> MailboxService::create_label(const identity::Principal& caller, const std::string& name) {
  if (name.empty() || utf8_length(name) > 64 || !is_valid_utf8(name) ||
      std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
    return invalid_input("invalid_label_name", "a label name has 1 to 64 characters without control characters");
  }
  if (name == "inbox" || name == "archive" || name == "trash") {
    return invalid_input("invalid_label_name", "inbox, archive and trash are folders, not labels");
  }
  const std::int64_t now = clock_ms();
  return impl_->store.write<Label>([&](store::Transaction& tx) -> Result<Label> {
    const auto count = tx.query_one("SELECT COUNT(*) FROM mailbox_labels WHERE party_id = ?", {caller.party_id});
    if (count->int64(0) >= 100) return make_error(ErrorKind::unprocessable, "too_many_labels", "at most 100 labels");
    Label label{crypto::new_uuid(), name, now};
    const auto inserted = tx.execute(
        "INSERT INTO mailbox_labels (id, party_id, name, created_at_ms) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (party_id, name) DO NOTHING",
        {label.id, caller.party_id, name, now});
    if (inserted == 0) return conflict("label_exists", "you already have a label with this name");
    return label;
  });
}

Status MailboxService::delete_label(const identity::Principal& caller, const std::string& label_id) {
  auto outcome = impl_->store.write<bool>([&](store::Transaction& tx) -> Result<bool> {
    if (!tx.query_one("SELECT id FROM mailbox_labels WHERE id = ? AND party_id = ? FOR UPDATE",
                      {label_id, caller.party_id})) {
      return not_found("label_not_found", "you have no label with this id");
    }
    tx.execute("DELETE FROM letter_labels WHERE label_id = ?", {label_id});
    tx.execute("DELETE FROM mailbox_labels WHERE id = ?", {label_id});
    return true;
  });
  if (!outcome) return std::move(outcome).error();
  return {};
}

Result<SentLetter> MailboxService::sent_letter(const identity::Principal& sender, const std::string& letter_id) {
  return impl_->store.read<Result<SentLetter>>([&](store::Transaction& tx) -> Result<SentLetter> {
    auto letter = load_letter(tx, letter_id);
    if (!letter || letter->sender_party_id != sender.party_id) {
      return not_found("letter_not_found", "you sent no letter with this id");
    }
    return sent_view(tx, *letter);
  });
}

Result<std::vector<SentLetter>> MailboxService::sent_letters(const identity::Principal& sender,
                                                             std::optional<std::string> cursor, std::size_t limit,
                                                             std::optional<std::string>& next_cursor) {
  std::optional<std::pair<std::int64_t, std::string>> position;
  if (cursor) {
    position = decode_cursor(*cursor);
    if (!position) return invalid_input("invalid_cursor", "the cursor is not one this server gave out");
  }
  return impl_->store.read<Result<std::vector<SentLetter>>>(
      [&](store::Transaction& tx) -> Result<std::vector<SentLetter>> {
        std::string sql = std::string("SELECT ") + kLetterColumns + " FROM letters l WHERE l.sender_party_id = ?";
        std::vector<store::Value> params;
        params.reserve(8);  // no reallocation: GCC 12 warns falsely about one of std::variant
        params.emplace_back(sender.party_id);
        if (position) {
          sql += " AND (l.submitted_at_ms < ? OR (l.submitted_at_ms = ? AND l.id < ?))";
          params.emplace_back(position->first);
          params.emplace_back(position->first);
          params.emplace_back(position->second);
        }
        sql += " ORDER BY l.submitted_at_ms DESC, l.id DESC LIMIT ?";
        params.emplace_back(static_cast<std::int64_t>(limit + 1));
        std::vector<SentLetter> letters;
        const auto rows = tx.query(sql, params);
        for (std::size_t i = 0; i < rows.size() && i < limit; ++i)
          letters.push_back(sent_view(tx, letter_from_row(rows[i])));
        if (rows.size() > limit && !letters.empty()) {
          next_cursor = encode_cursor(letters.back().submitted_at_ms, letters.back().id);
        }
        return letters;
      });
}

}  // namespace barid::mailbox
