#include "internal.hpp"

#include <barid/crypto/crypto.hpp>
#include <barid/mailbox/mailbox.hpp>
#include <barid/payments/checkout.hpp>

#include <barid/core/log.hpp>

#include <algorithm>
#include <map>

namespace barid::parcels {

using identity::Principal;
using identity::Role;

namespace {

constexpr const char* kEventColumns =
    "seq, s10, code, at_ms, utc_offset_minutes, office, location, next_office, reason, signatory, anomaly, "
    "recorded_at_ms";

TrackingEvent event_from_row(const store::Row& row) {
  TrackingEvent event;
  event.seq = row.int64(0);
  event.scan.item_id = row.text(1);
  event.scan.code = row.text(2);
  event.scan.at_ms = row.int64(3);
  event.scan.utc_offset_minutes = static_cast<std::int32_t>(row.int64(4));
  event.scan.office = row.optional_text(5);
  event.scan.location = row.optional_text(6);
  event.scan.next_office = row.optional_text(7);
  event.scan.reason = row.optional_text(8);
  event.scan.signatory = row.optional_text(9);
  event.anomaly = row.optional_text(10);
  event.recorded_at_ms = row.int64(11);
  return event;
}

store::Value nullable(const std::optional<std::string>& text) {
  if (text) return store::Value(*text);
  return store::Value(nullptr);
}

// Two scans are the same when every field is: an exact repeat changes nothing.
std::string scan_fingerprint(const Scan& scan) {
  std::string text = scan.code + '\x1f' + std::to_string(scan.at_ms) + '\x1f' + std::to_string(scan.utc_offset_minutes);
  for (const auto* field : {&scan.office, &scan.location, &scan.next_office, &scan.reason, &scan.signatory}) {
    text += '\x1f';
    if (*field) text += '\x1e' + **field;
  }
  const auto digest = crypto::sha256(text);
  return crypto::hex_encode(std::span(digest.data(), 16));
}

constexpr std::size_t kScansPerTransaction = 5'000;

}  // namespace

namespace detail {

Refreshed refresh_item(store::Transaction& tx, const std::string& row_id) {
  struct Row {
    std::int64_t seq;
    std::string code;
    std::int64_t at_ms;
    std::optional<std::string> anomaly;
    std::int64_t utc_offset_minutes;
    std::optional<std::string> office;
  };
  std::vector<Row> rows;
  for (const auto& row : tx.query("SELECT seq, code, at_ms, anomaly, utc_offset_minutes, office FROM parcel_events "
                                  "WHERE item_row_id = ? ORDER BY at_ms, seq",
                                  {row_id})) {
    rows.push_back({row.int64(0), row.text(1), row.int64(2), row.optional_text(3), row.int64(4), row.optional_text(5)});
  }
  Refreshed out;
  if (rows.empty()) return out;
  // A delivery (or attempt) scanned before the posting is itself the anomaly: it neither delivers
  // the item nor starts the clock of later scans.
  const Row* posting = nullptr;
  for (const auto& row : rows) {
    if (row.code == "EMA") {
      posting = &row;
      break;
    }
  }
  std::optional<std::int64_t> posted, delivered, delivery_seq;
  if (posting) posted = posting->at_ms;
  // What the quality report reads (REFERENCE §8 and the UPU scan timeliness of §7): the first
  // attempt with its offset (its local day ends the transit time), the first EMC and EMD, and the
  // first attempt at or after that EMD; like the attempt, none of them before the posting.
  const Row *first_attempt = nullptr, *first_emc = nullptr, *first_emd = nullptr, *first_after_emd = nullptr;
  for (const auto& row : rows) {
    if (posted && row.at_ms < *posted) continue;
    const auto* code = event_code(row.code);
    if (row.code == "EMI" && !delivered) {
      delivered = row.at_ms;
      delivery_seq = row.seq;
    }
    const bool attempt = code && code->delivery_attempt;
    if (attempt && !first_attempt) first_attempt = &row;
    if (row.code == "EMC" && !first_emc) first_emc = &row;
    if (row.code == "EMD" && !first_emd) first_emd = &row;
  }
  for (const auto& row : rows) {
    const auto* code = event_code(row.code);
    if (first_emd && code && code->delivery_attempt && row.at_ms >= first_emd->at_ms) {
      first_after_emd = &row;
      break;
    }
  }
  for (const auto& row : rows) {
    std::optional<std::string> anomaly;
    if (posted && row.code != "EMA" && row.at_ms < *posted) {
      anomaly = "before_posting";
    } else if (delivered && row.code == "EMI" && row.seq != *delivery_seq) {
      anomaly = "second_delivery";
    } else if (delivered && row.at_ms > *delivered) {
      anomaly = "after_delivery";
    }
    if (anomaly) ++out.anomalies;
    if (anomaly != row.anomaly)
      tx.execute("UPDATE parcel_events SET anomaly = ? WHERE seq = ?", {nullable(anomaly), row.seq});
  }
  const auto& last = rows.back();
  const auto* code = event_code(last.code);
  const auto optional = [](const std::optional<std::int64_t>& value) -> store::Value {
    if (value) return store::Value(*value);
    return store::Value(nullptr);
  };
  const auto at = [](const Row* row) -> store::Value {
    if (row) return store::Value(row->at_ms);
    return store::Value(nullptr);
  };
  const auto offset = [](const Row* row) -> store::Value {
    if (row) return store::Value(row->utc_offset_minutes);
    return store::Value(nullptr);
  };
  tx.execute(
      "UPDATE parcel_items SET status = ?, last_event_code = ?, last_event_at_ms = ?, posted_at_ms = ?, "
      "first_attempt_at_ms = ?, delivered_at_ms = ?, anomalies = ?, posted_offset_minutes = ?, posted_office = ?, "
      "first_attempt_offset_minutes = ?, first_emc_at_ms = ?, first_emd_at_ms = ?, first_after_emd_at_ms = ? "
      "WHERE row_id = ?",
      {std::string(code ? code->status : "in_transit"), last.code, last.at_ms, optional(posted), at(first_attempt),
       optional(delivered), out.anomalies, offset(posting), posting ? nullable(posting->office) : store::Value(nullptr),
       offset(first_attempt), at(first_emc), at(first_emd), at(first_after_emd), row_id});
  // Returned or seized (export cancelled, import terminated) and never delivered: the escrow is voided.
  const bool ended = code && (code->status == "export_cancelled" || code->status == "import_terminated");
  out.settle = (delivered || ended) && tx.query_one(
                                             "SELECT 1 FROM parcel_items WHERE row_id = ? AND payment_intent_id IS NOT "
                                             "NULL AND settlement IS NULL",
                                             {row_id})
                                           .has_value();
  return out;
}

}  // namespace detail

Result<ScanOutcome> ParcelsService::record_scans(const Principal& caller, const std::vector<ScanLine>& scans) {
  if (!caller.has_role(Role::carrier) && !caller.has_role(Role::postal_clerk) &&
      !caller.has_role(Role::customs_officer) && !caller.has_role(Role::operator_admin))
    return forbidden("role_not_allowed", "carriers, clerks, customs officers and admins record scans");
  ScanOutcome outcome;
  bool settle = false;
  bool notices = false;
  const auto now = clock_ms();
  for (std::size_t start = 0; start < scans.size(); start += kScansPerTransaction) {
    const auto end = std::min(scans.size(), start + kScansPerTransaction);
    struct {
      std::size_t recorded = 0, duplicates = 0, orphans = 0, anomalies = 0;
      bool settle = false, notices = false;
    } chunk;
    store_.run_write([&](store::Transaction& tx) {
      chunk = {};  // a retried transaction starts again
      // Of each item scanned, only what recording needs: the newest item with the id (as load_item
      // finds it), without decoding its addresses.
      struct ItemKey {
        std::string row_id;
        std::optional<std::string> addressee_party_id;
        std::int64_t anomalies = 0;
      };
      struct Touched {
        std::optional<ItemKey> item;
        bool changed = false;
      };
      std::map<std::string, Touched> items;
      for (std::size_t i = start; i < end; ++i) {
        const auto& scan = scans[i].scan;
        auto [found, inserted] = items.try_emplace(scan.item_id);
        if (inserted) {
          if (auto row = tx.query_one("SELECT row_id, addressee_party_id, anomalies FROM parcel_items WHERE s10 = ? "
                                      "ORDER BY created_at_ms DESC LIMIT 1",
                                      {scan.item_id}))
            found->second.item = ItemKey{row->text(0), row->optional_text(1), row->int64(2)};
        }
        auto& touched = found->second;
        // No RETURNING: on SQLite it makes every insert keep a statement journal (a temporary file
        // written page by page); the rare notice looks its event up by the unique key instead.
        const auto fingerprint = scan_fingerprint(scan);
        const auto inserted_rows = tx.execute(
            "INSERT INTO parcel_events (s10, item_row_id, code, at_ms, utc_offset_minutes, office, location, "
            "next_office, reason, signatory, anomaly, fingerprint, recorded_at_ms, recorded_by_user_id) VALUES (?, ?, "
            "?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?) ON CONFLICT (s10, fingerprint) DO NOTHING",
            {scan.item_id, touched.item ? store::Value(touched.item->row_id) : store::Value(nullptr), scan.code,
             scan.at_ms, std::int64_t{scan.utc_offset_minutes}, nullable(scan.office), nullable(scan.location),
             nullable(scan.next_office), nullable(scan.reason), nullable(scan.signatory), fingerprint, now,
             caller.user_id});
        if (inserted_rows == 0) {
          ++chunk.duplicates;
          continue;
        }
        ++chunk.recorded;
        if (!touched.item) {
          ++chunk.orphans;
          continue;
        }
        touched.changed = true;
        const auto* code = event_code(scan.code);
        if (code && code->key && touched.item->addressee_party_id) {
          tx.execute(
              "INSERT INTO parcel_notices (event_seq, item_row_id, recorded_by_login, created_at_ms) SELECT seq, ?, ?, "
              "? FROM parcel_events WHERE s10 = ? AND fingerprint = ?",
              {touched.item->row_id, caller.login, now, scan.item_id, fingerprint});
          chunk.notices = true;
        }
      }
      for (auto& [s10, touched] : items) {
        if (!touched.changed) continue;
        const auto refreshed = detail::refresh_item(tx, touched.item->row_id);
        chunk.anomalies +=
            static_cast<std::size_t>(std::max<std::int64_t>(0, refreshed.anomalies - touched.item->anomalies));
        chunk.settle = chunk.settle || refreshed.settle;
      }
      return true;
    });
    outcome.recorded += chunk.recorded;
    outcome.duplicates += chunk.duplicates;
    outcome.orphans += chunk.orphans;
    outcome.anomalies += chunk.anomalies;
    settle = settle || chunk.settle;
    notices = notices || chunk.notices;
  }
  // The mailbox notices and the escrow capture follow the commit; what fails here is retried by the
  // background work.
  if (notices) send_notices(50);
  if (settle) settle_escrows(50);
  return outcome;
}

Result<std::vector<TrackingEvent>> ParcelsService::events(const Principal& caller, const std::string& item_id) {
  BARID_ASSIGN_OR_RETURN(auto s10, normalize_s10(item_id));
  return store_.write<std::vector<TrackingEvent>>([&](store::Transaction& tx) -> Result<std::vector<TrackingEvent>> {
    auto row = detail::load_item(tx, s10);
    if (!row) return not_found("item_not_found", "no item has this id");
    BARID_TRY(detail::authorize_item(tx, identity_, caller, *row, "item.events"));
    std::vector<TrackingEvent> out;
    for (const auto& event : tx.query(
             std::string("SELECT ") + kEventColumns + " FROM parcel_events WHERE item_row_id = ? ORDER BY at_ms, seq",
             {row->row_id})) {
      out.push_back(event_from_row(event));
    }
    return out;
  });
}

Result<PublicTracking> ParcelsService::track(const std::string& item_id) {
  BARID_ASSIGN_OR_RETURN(auto s10, normalize_s10(item_id));
  return store_.read_single<Result<PublicTracking>>([&](store::Transaction& tx) -> Result<PublicTracking> {
    PublicTracking out;
    out.item_id = s10;
    const auto item = detail::load_item(tx, s10);
    // Without an item, the scans recorded for the id so far (a partner's item before its pre-advice).
    const auto rows = item ? tx.query(std::string("SELECT ") + kEventColumns +
                                          " FROM parcel_events WHERE item_row_id = ? "
                                          "ORDER BY at_ms, seq",
                                      {item->row_id})
                           : tx.query(std::string("SELECT ") + kEventColumns +
                                          " FROM parcel_events WHERE s10 = ? AND item_row_id "
                                          "IS NULL ORDER BY at_ms, seq",
                                      {s10});
    if (!item && rows.empty()) return not_found("item_not_found", "no item has this id");
    for (const auto& row : rows) {
      const auto event = event_from_row(row);
      const auto* code = event_code(event.scan.code);
      out.events.push_back({event.scan.code, std::string(code ? code->name_en : ""),
                            std::string(code ? code->name_ar : ""),
                            format_local_time(event.scan.at_ms, event.scan.utc_offset_minutes), event.scan.location});
    }
    if (item) {
      out.product = item->item.product;
      out.status = item->item.status;
      out.origin_country = item->item.origin_country;
      out.destination_country = item->item.destination_country;
    } else {
      const auto* code = event_code(out.events.back().code);
      out.status = std::string(code ? code->status : "in_transit");
      out.origin_country = s10.substr(11);
    }
    return out;
  });
}

Result<std::vector<Orphan>> ParcelsService::orphans(const Principal& caller, std::size_t limit) {
  if (!detail::is_staff(caller)) return forbidden("role_not_allowed", "postal staff see orphan scans");
  limit = std::clamp<std::size_t>(limit, 1, 1000);
  return store_.read<std::vector<Orphan>>([&](store::Transaction& tx) {
    std::vector<Orphan> out;
    for (const auto& row : tx.query(std::string("SELECT ") + kEventColumns +
                                        " FROM parcel_events WHERE item_row_id IS NULL ORDER BY recorded_at_ms, seq "
                                        "LIMIT ?",
                                    {static_cast<std::int64_t>(limit)})) {
      auto event = event_from_row(row);
      out.push_back({std::move(event.scan), event.recorded_at_ms});
    }
    return out;
  });
}

namespace {

// The notice of a key event, in Arabic with a Latin line; only the notification text leaves the
// mailbox in an e-mail or SMS, and it names no place.
mailbox::LetterInput notice_letter(const Item& item, const TrackingEvent& event) {
  const auto* code = event_code(event.scan.code);
  const std::string grouped = group_s10(item.id);
  mailbox::LetterInput letter;
  letter.recipient.kind = identity::PartyKind::citizen;
  letter.subject = std::string(code->name_ar) + " — " + grouped + " — " + std::string(code->name_en);
  letter.notification = std::string(code->name_ar) + ": " + grouped;
  letter.body = "## " + std::string(code->name_ar) + "\n\n- رقم الإرسالية / Item: **" + grouped + "**\n- " +
                std::string(code->name_en) + ": " + format_local_time(event.scan.at_ms, event.scan.utc_offset_minutes);
  if (event.scan.location) letter.body += "\n- " + *event.scan.location;
  if (event.scan.reason) letter.body += "\n- السبب / Reason: " + *event.scan.reason;
  letter.body += "\n\nتتبع الإرسالية / Track: /api/v1/track/" + item.id;
  letter.body_format = mailbox::BodyFormat::markdown;
  letter.case_id = item.id;
  return letter;
}

}  // namespace

int ParcelsService::send_notices(std::size_t limit) {
  if (!mailbox_) return 0;
  struct Pending {
    std::int64_t seq;
    std::string login;
    std::optional<mailbox::LetterInput> letter;
  };
  auto pending = store_.read<std::vector<Pending>>([&](store::Transaction& tx) {
    std::vector<Pending> out;
    for (const auto& row : tx.query("SELECT n.event_seq, n.recorded_by_login, n.item_row_id FROM parcel_notices n "
                                    "WHERE n.letter_id IS NULL AND n.error IS NULL ORDER BY n.created_at_ms LIMIT ?",
                                    {static_cast<std::int64_t>(limit)})) {
      Pending notice{row.int64(0), row.text(1), std::nullopt};
      auto item = tx.query_one(
          std::string("SELECT ") + detail::kItemColumns + " FROM parcel_items i WHERE i.row_id = ?", {row.text(2)});
      auto event =
          tx.query_one(std::string("SELECT ") + kEventColumns + " FROM parcel_events WHERE seq = ?", {notice.seq});
      if (item && event) {
        const auto loaded = detail::item_from_row(*item).item;
        const auto parties = identity::IdentityService::parties_by_id(tx, {*loaded.addressee_party_id});
        if (parties.contains(*loaded.addressee_party_id)) {
          const auto& party = parties.at(*loaded.addressee_party_id);
          notice.letter = notice_letter(loaded, event_from_row(*event));
          notice.letter->recipient.kind = party.kind;
          notice.letter->recipient.identifier = party.identifier;
          notice.letter->language = party.language;
        }
      }
      out.push_back(std::move(notice));
    }
    return out;
  });
  int sent = 0;
  for (auto& notice : pending) {
    std::optional<std::string> letter_id;
    std::string error = "item_unreadable";
    if (notice.letter) {
      auto sender = identity_.principal_of(notice.login);
      if (!sender) {
        error = "sender_unknown";
      } else {
        auto submitted = mailbox_->send_letter(*sender, *notice.letter, "parcel-notice-" + std::to_string(notice.seq));
        if (submitted && !submitted->rejection_code) {
          letter_id = submitted->letter_id;
        } else {
          error = submitted ? *submitted->rejection_code : submitted.error().code;
        }
      }
    }
    if (!letter_id) log::warning("parcel_notice_failed", {{"event_seq", notice.seq}, {"error", error}});
    store_.run_write([&](store::Transaction& tx) {
      tx.execute(
          "UPDATE parcel_notices SET letter_id = ?, error = ? WHERE event_seq = ? AND letter_id IS NULL AND "
          "error IS NULL",
          {nullable(letter_id), letter_id ? store::Value(nullptr) : store::Value(error), notice.seq});
      return true;
    });
    sent += letter_id ? 1 : 0;
  }
  return sent;
}

int ParcelsService::settle_escrows(std::size_t limit) {
  if (!checkout_) return 0;
  const auto due = store_.read<std::vector<std::pair<std::string, std::pair<std::string, std::string>>>>(
      [&](store::Transaction& tx) {
        std::vector<std::pair<std::string, std::pair<std::string, std::string>>> out;
        for (const auto& row : tx.query("SELECT row_id, s10, payment_intent_id FROM parcel_items WHERE "
                                        "payment_intent_id IS NOT NULL AND settlement IS NULL AND delivered_at_ms IS "
                                        "NOT NULL ORDER BY delivered_at_ms LIMIT ?",
                                        {static_cast<std::int64_t>(limit)})) {
          out.push_back({row.text(0), {row.text(1), row.text(2)}});
        }
        return out;
      });
  int captured = 0;
  for (const auto& [row_id, ids] : due) {
    auto intent = checkout_->capture_on_delivery(ids.second, ids.first);
    // Captured, or the reason it cannot be (cancelled or expired before delivery): either way final.
    const std::string settlement = intent ? "captured" : "not_captured:" + intent.error().code;
    if (!intent) log::warning("parcel_escrow_not_captured", {{"item", ids.first}, {"error", intent.error().code}});
    store_.run_write([&](store::Transaction& tx) {
      tx.execute("UPDATE parcel_items SET settlement = ? WHERE row_id = ? AND settlement IS NULL",
                 {settlement, row_id});
      return true;
    });
    captured += intent ? 1 : 0;
  }
  // Items that will not be delivered (export cancelled, import terminated: returned or seized) and
  // were not: the buyer's money goes back.
  const auto ended = store_.read<std::vector<std::pair<std::string, std::pair<std::string, std::string>>>>(
      [&](store::Transaction& tx) {
        std::vector<std::pair<std::string, std::pair<std::string, std::string>>> out;
        for (const auto& row : tx.query("SELECT row_id, s10, payment_intent_id FROM parcel_items WHERE "
                                        "payment_intent_id IS NOT NULL AND settlement IS NULL AND delivered_at_ms IS "
                                        "NULL AND status IN ('export_cancelled', 'import_terminated') LIMIT ?",
                                        {static_cast<std::int64_t>(limit)})) {
          out.push_back({row.text(0), {row.text(1), row.text(2)}});
        }
        return out;
      });
  for (const auto& [row_id, ids] : ended) {
    auto intent = checkout_->void_on_return(ids.second, ids.first);
    const std::string settlement = intent ? "voided" : "not_voided:" + intent.error().code;
    if (!intent) log::warning("parcel_escrow_not_voided", {{"item", ids.first}, {"error", intent.error().code}});
    store_.run_write([&](store::Transaction& tx) {
      tx.execute("UPDATE parcel_items SET settlement = ? WHERE row_id = ? AND settlement IS NULL",
                 {settlement, row_id});
      return true;
    });
  }
  return captured;
}

}  // namespace barid::parcels
