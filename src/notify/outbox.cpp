#include <barid/notify/outbox.hpp>

#include <barid/core/check.hpp>
#include <barid/core/log.hpp>
#include <barid/core/time.hpp>
#include <barid/crypto/crypto.hpp>

#include <algorithm>
#include <optional>
#include <utility>

namespace barid::notify {
namespace {

constexpr const char* kEmail = "email";
constexpr const char* kSms = "sms";

}  // namespace

// One claimed row, as read when it was claimed. `attempts` counts this attempt.
struct Outbox::Claimed {
  std::int64_t id = 0;
  std::string message_id;
  std::string channel;
  std::string address;
  std::string subject;
  std::string text;
  std::int64_t attempts = 0;
};

Outbox::Outbox(store::Store& store, Transport& transport, OutboxOptions options)
    : store_(store), transport_(transport), options_(options) {
  BARID_CHECK(options_.max_attempts >= 1, "max_attempts must be at least 1");
  BARID_CHECK(options_.first_retry_delay_ms >= 0 && options_.max_retry_delay_ms >= options_.first_retry_delay_ms,
              "retry delays must be ordered");
  BARID_CHECK(options_.claim_ms > 0 && options_.max_batch > 0, "claim_ms and max_batch must be positive");
}

std::vector<store::Migration> Outbox::migrations() {
  // message_id: a public id stable across retries (Message-ID, Idempotency-Key), unlike the row id
  // it does not repeat on another installation. claim_token: which deliver_due call holds the row,
  // so an instance whose claim expired cannot overwrite the outcome of the one that took over.
  return {{810, "notify: notification outbox",
           R"sql(
CREATE TABLE notification_outbox (
  id ${id},
  message_id TEXT NOT NULL UNIQUE,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
  recipient_party_id TEXT NOT NULL,
  address TEXT NOT NULL,
  subject TEXT NOT NULL,
  text TEXT NOT NULL,
  reference TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
  attempts BIGINT NOT NULL,
  next_attempt_at_ms BIGINT NOT NULL,
  claimed_until_ms BIGINT NOT NULL,
  claim_token TEXT,
  last_error TEXT,
  created_at_ms BIGINT NOT NULL,
  sent_at_ms BIGINT,
  UNIQUE (channel, reference, address)
);
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at_ms) WHERE status = 'pending';
CREATE INDEX notification_outbox_party ON notification_outbox (recipient_party_id, created_at_ms);
)sql",
           ""}};
}

void Outbox::enqueue(store::Transaction& tx, const Notification& notification, std::int64_t now_ms) {
  BARID_CHECK(notification.channel == kEmail || notification.channel == kSms, "unknown notification channel");
  BARID_CHECK(!notification.reference.empty() && !notification.recipient_party_id.empty(),
              "a notification needs a reference and a recipient");
  tx.execute(
      "INSERT INTO notification_outbox (message_id, channel, recipient_party_id, address, subject, text, reference, "
      "status, attempts, next_attempt_at_ms, claimed_until_ms, created_at_ms) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, 0, ?) "
      "ON CONFLICT (channel, reference, address) DO NOTHING",
      {crypto::new_uuid(), notification.channel, notification.recipient_party_id, notification.address,
       notification.subject, notification.text, notification.reference, now_ms, now_ms});
}

std::vector<Outbox::Claimed> Outbox::claim_due(std::int64_t now_ms, const std::string& claim_token) {
  std::vector<Claimed> claimed;
  std::vector<std::pair<std::int64_t, std::string>> abandoned;  // row id, channel
  store_.run_write([&](store::Transaction& tx) {
    claimed.clear();  // the work may run again after a serialization failure
    abandoned.clear();
    const auto due = tx.query(
        "SELECT id, message_id, channel, address, subject, text FROM notification_outbox "
        "WHERE status = 'pending' AND next_attempt_at_ms <= ? AND claimed_until_ms <= ? "
        "ORDER BY next_attempt_at_ms, id LIMIT ?",
        {now_ms, now_ms, static_cast<std::int64_t>(options_.max_batch)});
    for (const auto& row : due) {
      const std::int64_t id = row.int64(0);
      // Re-checks every condition against the row as it is now: on PostgreSQL another instance may
      // have claimed (or claimed, tried and rescheduled) it since the SELECT; its UPDATE waits for that
      // instance's commit and then matches nothing.
      const auto attempts = tx.query(
          "UPDATE notification_outbox SET claimed_until_ms = ?, claim_token = ?, attempts = attempts + 1 "
          "WHERE id = ? AND status = 'pending' AND next_attempt_at_ms <= ? AND claimed_until_ms <= ? "
          "RETURNING attempts",
          {now_ms + options_.claim_ms, claim_token, id, now_ms, now_ms});
      if (attempts.empty()) continue;
      const std::int64_t attempt = attempts.front().int64(0);
      if (attempt > options_.max_attempts) {
        // Claimed max_attempts times with no outcome recorded: the instances holding it died mid-send.
        tx.execute(
            "UPDATE notification_outbox SET status = 'failed', claim_token = NULL, claimed_until_ms = 0, "
            "last_error = 'no outcome recorded' WHERE id = ?",
            {id});
        abandoned.emplace_back(id, row.text(2));
        continue;
      }
      claimed.push_back({id, row.text(1), row.text(2), row.text(3), row.text(4), row.text(5), attempt});
    }
    return true;
  });
  for (const auto& [id, channel] : abandoned) {
    log::fields(log::Level::warning, "notification_attempt",
                {{"notification_id", id},
                 {"channel", channel},
                 {"outcome", "abandoned"},
                 {"detail", "no outcome recorded"},
                 {"status", "failed"}});
  }
  return claimed;
}

Delivery Outbox::send(const Claimed& row) {
  if (row.channel == kEmail) return transport_.send_email({row.message_id, row.address, row.subject, row.text});
  return transport_.send_sms({row.message_id, row.address, row.text});
}

std::int64_t Outbox::retry_delay_ms(std::int64_t attempts) const {
  std::int64_t delay_ms = options_.first_retry_delay_ms;
  for (std::int64_t i = 1; i < attempts && delay_ms < options_.max_retry_delay_ms; ++i) delay_ms *= 2;
  return std::min(delay_ms, options_.max_retry_delay_ms);
}

void Outbox::record(const Claimed& row, const Delivery& delivery, std::int64_t now_ms, const std::string& claim_token) {
  std::string status = "pending";
  store_.run_write([&](store::Transaction& tx) {
    switch (delivery.outcome) {
      case DeliveryOutcome::delivered:
        // Recorded even if the claim expired meanwhile: the message did go out.
        status = "sent";
        tx.execute(
            "UPDATE notification_outbox SET status = 'sent', sent_at_ms = ?, claim_token = NULL, "
            "claimed_until_ms = 0, last_error = NULL WHERE id = ? AND status = 'pending'",
            {now_ms, row.id});
        break;
      case DeliveryOutcome::rejected:
        status = "failed";
        tx.execute(
            "UPDATE notification_outbox SET status = 'failed', claim_token = NULL, claimed_until_ms = 0, "
            "last_error = ? WHERE id = ? AND claim_token = ?",
            {delivery.detail, row.id, claim_token});
        break;
      case DeliveryOutcome::retry_later:
        if (row.attempts >= options_.max_attempts) {
          status = "failed";
          tx.execute(
              "UPDATE notification_outbox SET status = 'failed', claim_token = NULL, claimed_until_ms = 0, "
              "last_error = ? WHERE id = ? AND claim_token = ?",
              {delivery.detail, row.id, claim_token});
        } else {
          status = "pending";
          tx.execute(
              "UPDATE notification_outbox SET next_attempt_at_ms = ?, claim_token = NULL, claimed_until_ms = 0, "
              "last_error = ? WHERE id = ? AND claim_token = ?",
              {now_ms + retry_delay_ms(row.attempts), delivery.detail, row.id, claim_token});
        }
        break;
    }
    return true;
  });
  // The row id, never the address or the text.
  log::fields(delivery.outcome == DeliveryOutcome::delivered ? log::Level::info : log::Level::warning,
              "notification_attempt",
              {{"notification_id", row.id},
               {"channel", row.channel},
               {"attempt", row.attempts},
               {"outcome", to_string(delivery.outcome)},
               {"detail", delivery.detail},
               {"status", status}});
}

void Outbox::release(const Claimed& row, const std::string& claim_token) {
  store_.run_write([&](store::Transaction& tx) {
    tx.execute(
        "UPDATE notification_outbox SET claim_token = NULL, claimed_until_ms = 0, attempts = attempts - 1 "
        "WHERE id = ? AND claim_token = ?",
        {row.id, claim_token});
    return true;
  });
}

std::size_t Outbox::deliver_due(std::int64_t now_ms) {
  const std::string claim_token = crypto::new_uuid();
  const std::vector<Claimed> claimed = claim_due(now_ms, claim_token);
  // A claim protects a row for claim_ms of real time. Rows whose turn comes after half of it (slow
  // servers, long timeouts) go back unsent rather than risk being sent by two instances.
  const std::int64_t started_us = monotonic_us();
  const std::int64_t send_budget_us = options_.claim_ms * 1000 / 2;
  std::size_t delivered = 0;
  for (const Claimed& row : claimed) {
    if (monotonic_us() - started_us > send_budget_us) {
      release(row, claim_token);
      continue;
    }
    const Delivery delivery = send(row);
    record(row, delivery, now_ms, claim_token);
    if (delivery.outcome == DeliveryOutcome::delivered) ++delivered;
  }
  return delivered;
}

OutboxStats Outbox::stats() {
  return store_.read_single<OutboxStats>([](store::Transaction& tx) {
    OutboxStats stats;
    for (const auto& row : tx.query("SELECT status, COUNT(*) FROM notification_outbox GROUP BY status")) {
      const std::string status = row.text(0);
      const std::int64_t count = row.int64(1);
      if (status == "pending") stats.pending = count;
      if (status == "sent") stats.sent = count;
      if (status == "failed") stats.failed = count;
    }
    return stats;
  });
}

Json Outbox::rows_for_party(store::Transaction& tx, const std::string& party_id) {
  Json rows = Json::array();
  for (const auto& row :
       tx.query("SELECT message_id, channel, address, subject, text, reference, status, attempts, last_error, "
                "created_at_ms, sent_at_ms FROM notification_outbox WHERE recipient_party_id = ? "
                "ORDER BY created_at_ms DESC, id DESC",
                {party_id})) {
    const auto last_error = row.optional_text(8);
    const auto sent_at_ms = row.optional_int64(10);
    rows.push_back({{"id", row.text(0)},
                    {"channel", row.text(1)},
                    {"address", row.text(2)},
                    {"subject", row.text(3)},
                    {"text", row.text(4)},
                    {"reference", row.text(5)},
                    {"status", row.text(6)},
                    {"attempts", row.int64(7)},
                    {"last_error", last_error ? Json(*last_error) : Json(nullptr)},
                    {"created_at_ms", row.int64(9)},
                    {"sent_at_ms", sent_at_ms ? Json(*sent_at_ms) : Json(nullptr)}});
  }
  return rows;
}

}  // namespace barid::notify
