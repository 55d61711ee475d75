// The notification outbox: a notification is a row written in the same transaction as the fact it
// announces, and sent later, outside any transaction, with retries and exponential backoff. Several
// server instances on one database share the outbox; a row is claimed before it is sent, so no two
// instances send it at the same time.
#pragma once

#include <barid/core/json.hpp>
#include <barid/notify/transport.hpp>
#include <barid/store/store.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace barid::notify {

struct OutboxOptions {
  int max_attempts = 8;                         // a row still undelivered after this many is failed
  std::int64_t first_retry_delay_ms = 30'000;   // doubles each attempt
  std::int64_t max_retry_delay_ms = 3'600'000;  // the doubling stops here
  std::int64_t claim_ms = 120'000;              // a claimed row is retried by any instance after this
  std::size_t max_batch = 100;                  // rows claimed by one deliver_due call
};

// channel: "email" (address = e-mail address, subject used) or "sms" (address = E.164 number,
// subject ignored). `reference` names what is announced, e.g. "letter:<uuid>"; with the channel and
// address it identifies the notification, so enqueueing it again changes nothing. `text` is the
// short notification text, never a letter's subject or body.
struct Notification {
  std::string channel;
  std::string recipient_party_id;
  std::string address;
  std::string subject;
  std::string text;
  std::string reference;
};

struct OutboxStats {
  std::int64_t pending = 0;
  std::int64_t sent = 0;
  std::int64_t failed = 0;
};

class Outbox {
 public:
  Outbox(store::Store& store, Transport& transport, OutboxOptions options = {});

  // Versions 810–819: the table notification_outbox.
  static std::vector<store::Migration> migrations();

  // Inside the caller's transaction, so a notification exists if and only if the fact it announces
  // committed. A second enqueue of the same (channel, reference, address) is a no-op.
  static void enqueue(store::Transaction& tx, const Notification& notification, std::int64_t now_ms);

  // Claims up to max_batch due rows (a conditional UPDATE per row, so instances sharing a database
  // never send one row at the same time), sends them outside any transaction and records each
  // outcome: delivered → sent; rejected → failed; retry_later → retried after
  // first_retry_delay_ms · 2^(attempts−1), capped at max_retry_delay_ms, or failed after
  // max_attempts. A row whose instance died mid-send is claimed again once claim_ms has passed.
  // Returns how many were delivered.
  std::size_t deliver_due(std::int64_t now_ms);

  OutboxStats stats();

  // The rows of one party, newest first, for that party's data export:
  // [{"id","channel","address","subject","text","reference","status","attempts","last_error",
  //   "created_at_ms","sent_at_ms"}].
  Json rows_for_party(store::Transaction& tx, const std::string& party_id);

 private:
  struct Claimed;
  std::vector<Claimed> claim_due(std::int64_t now_ms, const std::string& claim_token);
  Delivery send(const Claimed& row);
  void record(const Claimed& row, const Delivery& delivery, std::int64_t now_ms, const std::string& claim_token);
  void release(const Claimed& row, const std::string& claim_token);
  std::int64_t retry_delay_ms(std::int64_t attempts) const;

  store::Store& store_;
  Transport& transport_;
  OutboxOptions options_;
};

}  // namespace barid::notify
