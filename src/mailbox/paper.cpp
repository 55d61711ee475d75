// The time-driven transitions and the paper side of the mailbox: deferred consignment, unopened
// registered letters, crypto-shredding at the end of retention, the hybrid-mail print queue, the
// sustainability figures and the party's data export.
#include <barid/core/log.hpp>
#include <barid/core/time.hpp>
#include <barid/documents/pdf.hpp>
#include <barid/mailbox/markdown.hpp>

#include "internal.hpp"
#include "send.hpp"

#include <sodium.h>

namespace barid::mailbox {

using namespace detail;

MailboxService::MailboxService(store::Store& store, identity::IdentityService& identity, KeyVault& keys,
                               transparency::TransparencyLog& log, const crypto::SigningKey& operator_key,
                               MailboxOptions options)
    : options_(std::move(options)) {
  impl_ = std::unique_ptr<Impl>(new Impl{store, identity, keys, log, operator_key, options_});
}

MailboxService::~MailboxService() = default;

std::int64_t MailboxService::clock_ms() const {
  return options_.clock ? options_.clock() : now_ms();
}

Status MailboxService::set_retention(const identity::Principal& admin, const std::string& sender_party_id,
                                     std::int64_t retention_ms) {
  constexpr std::int64_t kDay = 24LL * 60 * 60 * 1000;
  if (retention_ms < kDay || retention_ms > 50LL * 366 * kDay) {
    return invalid_input("invalid_retention", "retention must be between 1 day and 50 years");
  }
  auto outcome = impl_->store.write<bool>([&](store::Transaction& tx) -> Result<bool> {
    if (identity::IdentityService::parties_by_id(tx, {sender_party_id}).empty()) {
      return not_found("party_not_found", "no party has this id");
    }
    tx.execute(
        "INSERT INTO sender_policies (party_id, retention_ms, updated_by_user_id, updated_at_ms) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (party_id) DO UPDATE SET retention_ms = excluded.retention_ms, "
        "updated_by_user_id = excluded.updated_by_user_id, updated_at_ms = excluded.updated_at_ms",
        {sender_party_id, retention_ms, admin.user_id, clock_ms()});
    return true;
  });
  if (!outcome) return std::move(outcome).error();
  return {};
}

DueWork MailboxService::run_due_work(std::size_t max_per_kind) {
  DueWork done;
  const std::int64_t now = clock_ms();
  const auto limit = static_cast<std::int64_t>(max_per_kind);

  // Deferred letters whose time has come. Each in its own transaction, so one cannot hold back the
  // rest; the state condition makes a second instance's attempt a no-op.
  std::vector<std::string> due;
  impl_->store.run_read([&](store::Transaction& tx) {
    for (const auto& row : tx.query("SELECT id FROM letters WHERE state = 'accepted' AND deliver_after_ms <= ? "
                                    "ORDER BY deliver_after_ms LIMIT ?",
                                    {now, limit})) {
      due.push_back(row.text(0));
    }
  });
  for (const auto& id : due) {
    impl_->store.run_write([&](store::Transaction& tx) {
      auto letter = load_letter(tx, id, true);
      if (!letter || letter->state != LetterState::accepted || !letter->recipient_party_id) return false;
      auto recipient = impl_->identity.recipient_by_id(tx, *letter->recipient_party_id);
      if (!recipient) return false;
      const auto refs = party_refs(tx, {letter->sender_party_id});
      consign(tx, *letter, *recipient, refs.at(letter->sender_party_id), options_, now);
      ++done.consigned;
      return true;
    });
  }

  // Registered letters not opened by their deadline: ContentHandoverFailure, then the print queue.
  due.clear();
  impl_->store.run_read([&](store::Transaction& tx) {
    for (const auto& row : tx.query("SELECT id FROM letters WHERE handover_deadline_ms IS NOT NULL AND "
                                    "handover_deadline_ms <= ? ORDER BY handover_deadline_ms LIMIT ?",
                                    {now, limit})) {
      due.push_back(row.text(0));
    }
  });
  for (const auto& id : due) {
    impl_->store.run_write([&](store::Transaction& tx) {
      auto letter = load_letter(tx, id, true);
      if (!letter || !letter->handover_deadline_ms || *letter->handover_deadline_ms > now || letter->opened_at_ms) {
        return false;
      }
      const auto refs = party_refs(tx, {letter->sender_party_id, *letter->recipient_party_id});
      tx.execute(
          "UPDATE letters SET handover_deadline_ms = NULL, state = 'to_print', print_reason = 'not_opened' "
          "WHERE id = ?",
          {id});
      record_evidence(tx, {EvidenceEvent::content_handover_failure, now, &*letter, refs.at(letter->sender_party_id),
                           refs.at(*letter->recipient_party_id), system_actor(), "not_opened_within_deadline"});
      ++done.handover_failed;
      return true;
    });
  }

  // Retention over: the letter key is destroyed, so the content can never be read again; the
  // sealed bytes go too, and the evidence stays. Attachments no other letter needs are deleted.
  due.clear();
  impl_->store.run_read([&](store::Transaction& tx) {
    for (const auto& row : tx.query("SELECT id FROM letters WHERE content_destroyed_at_ms IS NULL AND "
                                    "retention_until_ms <= ? ORDER BY retention_until_ms LIMIT ?",
                                    {now, limit})) {
      due.push_back(row.text(0));
    }
  });
  for (const auto& id : due) {
    impl_->store.run_write([&](store::Transaction& tx) {
      const auto updated = tx.execute(
          "UPDATE letters SET wrapped_key = NULL, subject_sealed = NULL, content_sealed = NULL, "
          "attachment_keys_sealed = NULL, content_destroyed_at_ms = ? WHERE id = ? AND content_destroyed_at_ms IS NULL",
          {now, id});
      if (updated == 0) return false;
      std::vector<std::string> blobs;
      for (const auto& row : tx.query("SELECT blob_id FROM letter_attachments WHERE letter_id = ?", {id})) {
        blobs.push_back(row.text(0));
      }
      tx.execute("DELETE FROM letter_attachments WHERE letter_id = ?", {id});
      for (const auto& blob : blobs) {
        tx.execute(
            "DELETE FROM letter_blobs WHERE id = ? AND NOT EXISTS (SELECT 1 FROM letter_attachments WHERE blob_id = ?) "
            "AND NOT EXISTS (SELECT 1 FROM letter_batch_blobs WHERE blob_id = ?)",
            {blob, blob, blob});
      }
      ++done.content_destroyed;
      return true;
    });
  }
  if (done.consigned + done.handover_failed + done.content_destroyed > 0) {
    log::info("mailbox_due_work", {{"consigned", done.consigned},
                                   {"handover_failed", done.handover_failed},
                                   {"content_destroyed", done.content_destroyed}});
  }
  return done;
}

namespace {

Error batch_not_found() {
  return not_found("print_batch_not_found", "no print batch has this id");
}

std::optional<PrintBatch> load_print_batch(store::Transaction& tx, const std::string& batch_id) {
  auto row =
      tx.query_one("SELECT id, status, created_at_ms, printed_at_ms FROM print_batches WHERE id = ?", {batch_id});
  if (!row) return std::nullopt;
  PrintBatch batch{row->text(0), row->text(1), {}, row->int64(2), row->optional_int64(3)};
  for (const auto& letter :
       tx.query("SELECT id FROM letters WHERE print_batch_id = ? ORDER BY submitted_at_ms, id", {batch_id})) {
    batch.letter_ids.push_back(letter.text(0));
  }
  return batch;
}

}  // namespace

Result<std::vector<SentLetter>> MailboxService::print_queue(const identity::Principal& /*clerk*/, std::size_t limit) {
  return impl_->store.read<Result<std::vector<SentLetter>>>(
      [&](store::Transaction& tx) -> Result<std::vector<SentLetter>> {
        std::vector<SentLetter> letters;
        for (const auto& row : tx.query(std::string("SELECT ") + kLetterColumns +
                                            " FROM letters l WHERE l.state = 'to_print' AND l.print_batch_id IS NULL "
                                            "ORDER BY l.submitted_at_ms, l.id LIMIT ?",
                                        {static_cast<std::int64_t>(limit)})) {
          letters.push_back(sent_view(tx, letter_from_row(row)));
        }
        return letters;
      });
}

Result<PrintBatch> MailboxService::create_print_batch(const identity::Principal& clerk, std::size_t max_letters) {
  if (max_letters < 1 || max_letters > documents::kMaxLettersPerBatch) {
    return invalid_input("invalid_batch_size",
                         "a print batch holds 1 to " + std::to_string(documents::kMaxLettersPerBatch) + " letters");
  }
  const std::int64_t now = clock_ms();
  return impl_->store.write<PrintBatch>([&](store::Transaction& tx) -> Result<PrintBatch> {
    std::vector<std::string> ids;
    for (const auto& row : tx.query("SELECT id FROM letters WHERE state = 'to_print' AND print_batch_id IS NULL "
                                    "ORDER BY submitted_at_ms, id LIMIT ? FOR UPDATE",
                                    {static_cast<std::int64_t>(max_letters)})) {
      ids.push_back(row.text(0));
    }
    if (ids.empty())
      return make_error(ErrorKind::unprocessable, "print_queue_empty", "no letter is waiting to be printed");
    const std::string batch_id = crypto::new_uuid();
    tx.execute(
        "INSERT INTO print_batches (id, status, letter_count, created_by_user_id, created_at_ms) "
        "VALUES (?, 'exported', ?, ?, ?)",
        {batch_id, static_cast<std::int64_t>(ids.size()), clerk.user_id, now});
    for (const auto& id : ids) {
      tx.execute("UPDATE letters SET print_batch_id = ? WHERE id = ? AND print_batch_id IS NULL", {batch_id, id});
    }
    return *load_print_batch(tx, batch_id);
  });
}

Result<PrintBatch> MailboxService::print_batch(const identity::Principal& /*clerk*/, const std::string& batch_id) {
  auto batch = impl_->store.read<std::optional<PrintBatch>>(
      [&](store::Transaction& tx) { return load_print_batch(tx, batch_id); });
  if (!batch) return batch_not_found();
  return std::move(*batch);
}

Result<std::string> MailboxService::print_batch_pdf(const identity::Principal& clerk, const std::string& batch_id) {
  std::vector<documents::PrintLetter> pages;
  std::int64_t created_at = 0;
  auto outcome = impl_->store.write<bool>([&](store::Transaction& tx) -> Result<bool> {
    auto batch = load_print_batch(tx, batch_id);
    if (!batch) return batch_not_found();
    created_at = batch->created_at_ms;
    for (const auto& id : batch->letter_ids) {
      auto letter = load_letter(tx, id);
      if (!letter || !letter->recipient_party_id) continue;
      auto recipient = impl_->identity.recipient_by_id(tx, *letter->recipient_party_id);
      const auto senders = party_refs(tx, {letter->sender_party_id});
      documents::PrintLetter page;
      page.reference = letter->id;
      page.sender_name =
          senders.at(letter->sender_party_id).name_ar + " — " + senders.at(letter->sender_party_id).name_latin;
      if (recipient) {
        page.address_lines.push_back(recipient->party.name_ar);
        const std::string address = recipient->party.postal_address.value_or("");
        for (std::size_t start = 0;
             start < address.size() && page.address_lines.size() < documents::kMaxAddressLines;) {
          const std::size_t end = std::min(address.find('\n', start), address.size());
          if (end > start) page.address_lines.push_back(address.substr(start, end - start));
          start = end + 1;
        }
      }
      auto keys = letter_keys(impl_->keys, tx, *letter);
      if (!keys) {
        page.subject = "—";
        page.body_text = "The content of this letter was destroyed at the end of its retention period.";
      } else {
        auto sealed = tx.query_one("SELECT content_sealed FROM letters WHERE id = ?", {id});
        auto document_text = open_part(*keys, id, *letter->recipient_party_id, "content", sealed->blob(0));
        sodium_memzero(keys->letter_key.data(), keys->letter_key.size());
        if (!document_text) throw std::runtime_error("a letter's content does not open with its key");
        const Json document = Json::parse(*document_text);
        page.subject = document.value("subject", "");
        const std::string body = document.value("body", "");
        if (document.value("body_format", "text") == "markdown") {
          auto plain = markdown_to_plain_text(body);
          page.body_text = plain ? *plain : body;
        } else {
          page.body_text = body;
        }
        for (const auto& attachment : document.value("attachments", Json::array())) {
          page.attachment_notes.push_back("Attachment " + std::to_string(attachment.value("number", 0)) + ": " +
                                          attachment.value("file_name", "") + " (" +
                                          std::to_string(attachment.value("size_bytes", std::int64_t{0}) / 1024 + 1) +
                                          " KB) — SHA-256 " + attachment.value("sha256", "").substr(0, 16) + "…");
        }
      }
      // Printing reads the letter: the recipient sees it in their access log.
      impl_->identity.log_access(tx, clerk, *letter->recipient_party_id, "print_centre", "mailbox.print",
                                 "letter:" + id);
      pages.push_back(std::move(page));
    }
    return true;
  });
  if (!outcome) return std::move(outcome).error();
  return documents::render_print_batch_pdf(batch_id, created_at, pages);
}

Result<PrintBatch> MailboxService::mark_printed(const identity::Principal& clerk, const std::string& batch_id) {
  const std::int64_t now = clock_ms();
  return impl_->store.write<PrintBatch>([&](store::Transaction& tx) -> Result<PrintBatch> {
    auto row = tx.query_one("SELECT status FROM print_batches WHERE id = ? FOR UPDATE", {batch_id});
    if (!row) return batch_not_found();
    if (row->text(0) == "printed")
      return conflict("print_batch_already_printed", "this batch was already marked printed");
    auto batch = load_print_batch(tx, batch_id);
    const Actor actor = actor_of(clerk, "print_centre");
    for (const auto& id : batch->letter_ids) {
      auto letter = load_letter(tx, id, true);
      if (!letter || letter->state != LetterState::to_print) continue;
      tx.execute("UPDATE letters SET state = 'printed', printed_at_ms = ? WHERE id = ?", {now, id});
      if (letter->kind == LetterKind::registered) {
        const auto refs = party_refs(tx, {letter->sender_party_id, *letter->recipient_party_id});
        record_evidence(tx, {EvidenceEvent::relay_to_non_erds, now, &*letter, refs.at(letter->sender_party_id),
                             refs.at(*letter->recipient_party_id), actor, letter->print_reason});
      }
    }
    tx.execute("UPDATE print_batches SET status = 'printed', printed_by_user_id = ?, printed_at_ms = ? WHERE id = ?",
               {clerk.user_id, now, batch_id});
    return *load_print_batch(tx, batch_id);
  });
}

SustainabilityFigures MailboxService::sustainability() {
  // Factors and their sources: docs/sustainability.md.
  constexpr double kSheetsPerLetter = 2.0;           // a typical official letter: 2 A4 sheets
  constexpr double kCo2PerPhysicalLetterKg = 0.02;   // printing, envelope, collection, transport, delivery
  constexpr double kCo2PerDigitalLetterKg = 0.0003;  // storage and a notification
  SustainabilityFigures figures;
  impl_->store.run_read([&](store::Transaction& tx) {
    figures.letters_digital = tx.query_one(
                                    "SELECT COUNT(*) FROM letters WHERE consigned_at_ms IS NOT NULL AND "
                                    "state <> 'printed'")
                                  ->int64(0);
    figures.letters_printed = tx.query_one("SELECT COUNT(*) FROM letters WHERE state = 'printed'")->int64(0);
    figures.letters_to_print = tx.query_one("SELECT COUNT(*) FROM letters WHERE state = 'to_print'")->int64(0);
  });
  figures.sheets_saved = static_cast<std::int64_t>(static_cast<double>(figures.letters_digital) * kSheetsPerLetter);
  figures.co2_saved_kg =
      static_cast<double>(figures.letters_digital) * (kCo2PerPhysicalLetterKg - kCo2PerDigitalLetterKg);
  figures.factors = {{"sheets_per_letter", kSheetsPerLetter},
                     {"co2_per_physical_letter_kg", kCo2PerPhysicalLetterKg},
                     {"co2_per_digital_letter_kg", kCo2PerDigitalLetterKg},
                     {"sources", "docs/sustainability.md"}};
  return figures;
}

void MailboxService::register_export(identity::IdentityService& identity) {
  identity.add_export_section("mailbox", [this](store::Transaction& tx, const std::string& party_id) {
    Json received = Json::array();
    for (const auto& row : tx.query(std::string("SELECT ") + kLetterColumns +
                                        " FROM letters l WHERE l.recipient_party_id = ? ORDER BY l.submitted_at_ms",
                                    {party_id})) {
      const LetterRow letter = letter_from_row(row);
      Json item = {{"id", letter.id},
                   {"sender_party_id", letter.sender_party_id},
                   {"kind", std::string(to_string(letter.kind))},
                   {"state", std::string(to_string(letter.state))},
                   {"submitted_at", format_utc_ms(letter.submitted_at_ms)},
                   {"notification", letter.notification},
                   {"content_sha256", letter.content_sha256},
                   {"content_destroyed", letter.content_destroyed_at_ms.has_value()}};
      if (auto keys = letter_keys(impl_->keys, tx, letter)) {
        auto sealed = tx.query_one("SELECT content_sealed FROM letters WHERE id = ?", {letter.id});
        if (auto document = open_part(*keys, letter.id, party_id, "content", sealed->blob(0))) {
          item["document"] = Json::parse(*document);
        }
        sodium_memzero(keys->letter_key.data(), keys->letter_key.size());
      }
      received.push_back(std::move(item));
    }
    Json sent = Json::array();
    for (const auto& row : tx.query(std::string("SELECT ") + kLetterColumns +
                                        " FROM letters l WHERE l.sender_party_id = ? ORDER BY l.submitted_at_ms",
                                    {party_id})) {
      const LetterRow letter = letter_from_row(row);
      sent.push_back({{"id", letter.id},
                      {"recipient_identifier", letter.recipient_identifier},
                      {"kind", std::string(to_string(letter.kind))},
                      {"state", std::string(to_string(letter.state))},
                      {"submitted_at", format_utc_ms(letter.submitted_at_ms)},
                      {"content_sha256", letter.content_sha256}});
    }
    Json labels = Json::array();
    for (const auto& row : tx.query("SELECT id, name FROM mailbox_labels WHERE party_id = ?", {party_id})) {
      labels.push_back({{"id", row.text(0)}, {"name", row.text(1)}});
    }
    return Json{{"letters_received", received}, {"letters_sent", sent}, {"labels", labels}};
  });
}

}  // namespace barid::mailbox
