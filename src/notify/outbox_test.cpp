#include <barid/core/log.hpp>
#include <barid/notify/outbox.hpp>
#include <barid/store/testing.hpp>

#include "support/http_sink.hpp"
#include "support/smtp_sink.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <thread>

namespace barid::notify {
namespace {

using barid::testing::HttpSink;
using barid::testing::SmtpSink;

constexpr std::int64_t kStart_ms = 1'800'000'000'000;
constexpr std::int64_t kHour_ms = 3'600'000;
const std::string kSecret = "webhook-secret-do-not-log";
const std::string kPassword = "smtp-password-do-not-log";

Notification email_to(const std::string& party, const std::string& address, const std::string& reference) {
  return {"email", party, address, "رسالة جديدة", "وصلتك رسالة جديدة في بريد", reference};
}

Notification sms_to(const std::string& party, const std::string& number, const std::string& reference) {
  return {"sms", party, number, "", "وصلتك رسالة جديدة في بريد", reference};
}

class OutboxTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<store::testing::TestDatabase>(GetParam());
    store_ = database_->open();
    const auto migrations = Outbox::migrations();
    ASSERT_TRUE(store_->migrate(migrations).ok());
    SmtpOptions smtp;
    smtp.url = smtp_sink_.url();
    smtp.from = "notify@barid.example";
    smtp.password = kPassword;  // the sink does not offer AUTH, so libcurl never sends it
    smtp.timeout_ms = 5000;
    WebhookOptions webhook;
    webhook.url = http_sink_.url("/sms");
    webhook.secret = kSecret;
    webhook.timeout_ms = 5000;
    transport_ = make_network_transport(smtp, webhook);
  }

  void enqueue(const Notification& notification, std::int64_t now_ms = kStart_ms) {
    store_->run_write([&](store::Transaction& tx) {
      Outbox::enqueue(tx, notification, now_ms);
      return true;
    });
  }

  Json rows_of(Outbox& outbox, const std::string& party) {
    return store_->read<Json>([&](store::Transaction& tx) { return outbox.rows_for_party(tx, party); });
  }

  SmtpSink smtp_sink_;
  HttpSink http_sink_;
  std::unique_ptr<store::testing::TestDatabase> database_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Transport> transport_;
};

TEST_P(OutboxTest, EnqueueInATransactionThatRollsBackLeavesNothing) {
  Outbox outbox(*store_, *transport_);
  store_->run_write([&](store::Transaction& tx) {
    Outbox::enqueue(tx, email_to("party-1", "amira@example.org", "letter:1"), kStart_ms);
    return false;
  });
  EXPECT_THROW(store_->run_write([&](store::Transaction& tx) -> bool {
    Outbox::enqueue(tx, sms_to("party-1", "+201001234567", "letter:1"), kStart_ms);
    throw std::runtime_error("the letter's own insert failed");
  }),
               std::runtime_error);
  const OutboxStats stats = outbox.stats();
  EXPECT_EQ(stats.pending + stats.sent + stats.failed, 0);
  EXPECT_EQ(outbox.deliver_due(kStart_ms + kHour_ms), 0u);
  EXPECT_EQ(smtp_sink_.transactions(), 0u);
  EXPECT_TRUE(http_sink_.requests().empty());
}

TEST_P(OutboxTest, EnqueueingTheSameNotificationTwiceMakesOneRowAndOneMessage) {
  Outbox outbox(*store_, *transport_);
  const auto notification = email_to("party-1", "amira@example.org", "letter:1");
  enqueue(notification);
  store_->run_write([&](store::Transaction& tx) {
    Outbox::enqueue(tx, notification, kStart_ms + 5);
    Outbox::enqueue(tx, notification, kStart_ms + 6);
    return true;
  });
  // Another channel or address for the same letter is another notification.
  enqueue(sms_to("party-1", "+201001234567", "letter:1"));
  enqueue(email_to("party-1", "amira.work@example.org", "letter:1"));
  EXPECT_EQ(outbox.stats().pending, 3);
  EXPECT_EQ(outbox.deliver_due(kStart_ms), 3u);
  enqueue(notification, kStart_ms + 10);  // after it was sent: still the same row
  EXPECT_EQ(outbox.deliver_due(kStart_ms + kHour_ms), 0u);
  EXPECT_EQ(smtp_sink_.messages().size(), 2u);
  EXPECT_EQ(http_sink_.requests().size(), 1u);
  EXPECT_EQ(outbox.stats().sent, 3);
}

TEST_P(OutboxTest, TemporaryFailureIsRetriedAfterTheDelayAndThenDeliveredExactlyOnce) {
  Outbox outbox(*store_, *transport_);  // first retry after 30 s
  enqueue(email_to("party-1", "amira@example.org", "letter:1"));
  enqueue(sms_to("party-1", "+201001234567", "letter:1"));
  smtp_sink_.fail_next_transactions(1);
  http_sink_.fail_next_requests(1, 503);

  EXPECT_EQ(outbox.deliver_due(kStart_ms), 0u);
  EXPECT_EQ(outbox.stats().pending, 2);
  EXPECT_EQ(outbox.deliver_due(kStart_ms + 29'999), 0u);
  EXPECT_EQ(smtp_sink_.transactions(), 1u) << "not retried before the delay";
  EXPECT_EQ(http_sink_.requests().size(), 1u);

  EXPECT_EQ(outbox.deliver_due(kStart_ms + 30'000), 2u);
  EXPECT_EQ(outbox.deliver_due(kStart_ms + 10 * kHour_ms), 0u);
  EXPECT_EQ(smtp_sink_.messages().size(), 1u);
  EXPECT_EQ(http_sink_.requests().size(), 2u);
  // Both tries carried the same idempotency key, so a gateway that did take the first drops the second.
  EXPECT_EQ(http_sink_.requests()[0].header("idempotency-key"), http_sink_.requests()[1].header("idempotency-key"));
  const OutboxStats stats = outbox.stats();
  EXPECT_EQ(stats.sent, 2);
  EXPECT_EQ(stats.pending, 0);

  const Json rows = rows_of(outbox, "party-1");
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    EXPECT_EQ(row["status"], "sent");
    EXPECT_EQ(row["attempts"], 2);
    EXPECT_EQ(row["sent_at_ms"], kStart_ms + 30'000);
  }
}

TEST_P(OutboxTest, PermanentRejectionFailsAtOnce) {
  Outbox outbox(*store_, *transport_);
  enqueue(email_to("party-1", "nobody@example.org", "letter:1"));
  enqueue(sms_to("party-1", "+201001234567", "letter:1"));
  smtp_sink_.reject_recipients(true);
  http_sink_.fail_next_requests(1, 400);

  EXPECT_EQ(outbox.deliver_due(kStart_ms), 0u);
  EXPECT_EQ(outbox.stats().failed, 2);
  EXPECT_EQ(outbox.deliver_due(kStart_ms + 10 * kHour_ms), 0u);
  EXPECT_EQ(smtp_sink_.transactions(), 1u);
  EXPECT_EQ(http_sink_.requests().size(), 1u);
  std::map<std::string, std::string> errors;
  for (const auto& row : rows_of(outbox, "party-1")) errors[row["channel"]] = row["last_error"];
  EXPECT_EQ(errors["email"], "smtp 550");
  EXPECT_EQ(errors["sms"], "http 400");
}

TEST_P(OutboxTest, BacksOffDoublingAndFailsAfterMaxAttempts) {
  OutboxOptions options;
  options.max_attempts = 4;
  options.first_retry_delay_ms = 30'000;
  options.max_retry_delay_ms = 90'000;
  Outbox outbox(*store_, *transport_, options);
  enqueue(email_to("party-1", "amira@example.org", "letter:1"));
  smtp_sink_.fail_next_transactions(100);

  // Attempts at 0, then +30 s, then +60 s, then +90 s (capped, not 120 s).
  std::int64_t now_ms = kStart_ms;
  for (const std::int64_t delay_ms : {30'000, 60'000, 90'000}) {
    EXPECT_EQ(outbox.deliver_due(now_ms), 0u);
    const std::size_t tried = smtp_sink_.transactions();
    EXPECT_EQ(outbox.deliver_due(now_ms + delay_ms - 1), 0u);
    EXPECT_EQ(smtp_sink_.transactions(), tried) << "retried before " << delay_ms << " ms";
    now_ms += delay_ms;
  }
  EXPECT_EQ(outbox.stats().pending, 1);
  EXPECT_EQ(outbox.deliver_due(now_ms), 0u);  // the fourth attempt
  EXPECT_EQ(smtp_sink_.transactions(), 4u);
  EXPECT_EQ(outbox.stats().failed, 1);
  EXPECT_EQ(outbox.stats().pending, 0);

  EXPECT_EQ(outbox.deliver_due(now_ms + 100 * kHour_ms), 0u);
  EXPECT_EQ(smtp_sink_.transactions(), 4u);
  const Json rows = rows_of(outbox, "party-1");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["status"], "failed");
  EXPECT_EQ(rows[0]["attempts"], 4);
  EXPECT_EQ(rows[0]["last_error"], "smtp 451");
  EXPECT_TRUE(rows[0]["sent_at_ms"].is_null());
}

TEST_P(OutboxTest, TwoInstancesOnOneDatabaseDeliverEachRowExactlyOnce) {
  constexpr int kLetters = 30;
  for (int i = 0; i < kLetters; ++i) {
    const std::string reference = "letter:" + std::to_string(i);
    enqueue(email_to("party-" + std::to_string(i), "person" + std::to_string(i) + "@example.org", reference));
    enqueue(sms_to("party-" + std::to_string(i), "+20100" + std::to_string(1'000'000 + i), reference));
  }
  auto second_store = database_->open();
  OutboxOptions options;
  options.max_batch = 7;  // many small claims, so the two instances interleave
  Outbox first(*store_, *transport_, options);
  Outbox second(*second_store, *transport_, options);

  std::atomic<std::size_t> delivered{0};
  auto run = [&](Outbox& outbox) {
    for (int round = 0; round < 3 * kLetters; ++round) delivered += outbox.deliver_due(kStart_ms);
  };
  std::thread one([&] { run(first); });
  std::thread two([&] { run(second); });
  one.join();
  two.join();

  EXPECT_EQ(delivered.load(), 2u * kLetters);
  EXPECT_EQ(first.stats().sent, 2 * kLetters);
  std::map<std::string, int> emails_by_message_id;
  for (const auto& message : smtp_sink_.messages()) {
    const std::size_t begin = message.data.find("Message-ID: <");
    ASSERT_NE(begin, std::string::npos);
    ++emails_by_message_id[message.data.substr(begin, message.data.find('>', begin) - begin)];
  }
  std::map<std::string, int> sms_by_key;
  for (const auto& request : http_sink_.requests()) ++sms_by_key[request.header("idempotency-key")];
  EXPECT_EQ(emails_by_message_id.size(), static_cast<std::size_t>(kLetters));
  EXPECT_EQ(sms_by_key.size(), static_cast<std::size_t>(kLetters));
  for (const auto& [id, count] : emails_by_message_id) EXPECT_EQ(count, 1) << id;
  for (const auto& [key, count] : sms_by_key) EXPECT_EQ(count, 1) << key;
}

// A transport whose behaviour the test supplies, to stand between claim and outcome.
class ScriptedTransport final : public Transport {
 public:
  std::function<Delivery()> on_send;
  int sends = 0;
  Delivery send_email(const Email&) override {
    ++sends;
    return on_send();
  }
  Delivery send_sms(const Sms&) override {
    ++sends;
    return on_send();
  }
};

TEST_P(OutboxTest, AClaimedRowIsLeftAloneByOtherInstancesUntilTheClaimExpires) {
  ScriptedTransport transport;
  OutboxOptions options;
  options.claim_ms = 120'000;
  options.max_attempts = 2;
  Outbox first(*store_, transport, options);
  auto second_store = database_->open();
  Outbox second(*second_store, transport, options);
  enqueue(email_to("party-1", "amira@example.org", "letter:1"));

  // While the first instance is sending, the second finds nothing to claim.
  std::size_t second_delivered = 99;
  transport.on_send = [&] {
    second_delivered = second.deliver_due(kStart_ms + 1);
    return Delivery{DeliveryOutcome::retry_later, "test"};
  };
  EXPECT_EQ(first.deliver_due(kStart_ms), 0u);
  EXPECT_EQ(second_delivered, 0u);
  EXPECT_EQ(transport.sends, 1);

  // An instance that dies mid-send (here: its transport throws) leaves its claim behind; the row
  // is claimed again only once claim_ms has passed.
  transport.on_send = []() -> Delivery { throw std::runtime_error("instance died"); };
  EXPECT_THROW(first.deliver_due(kStart_ms + 30'000), std::runtime_error);
  transport.on_send = [] { return Delivery{DeliveryOutcome::delivered, "test"}; };
  EXPECT_EQ(second.deliver_due(kStart_ms + 30'000 + 119'999), 0u);
  EXPECT_EQ(transport.sends, 2);
  // Already claimed max_attempts times with no outcome recorded: failed instead of sent a third time.
  EXPECT_EQ(second.deliver_due(kStart_ms + 30'000 + 120'000), 0u);
  EXPECT_EQ(transport.sends, 2);
  EXPECT_EQ(second.stats().failed, 1);
}

TEST_P(OutboxTest, ARowWhoseSenderDiedIsSentOnceItsClaimExpires) {
  ScriptedTransport transport;
  Outbox outbox(*store_, transport);
  enqueue(email_to("party-1", "amira@example.org", "letter:1"));
  transport.on_send = []() -> Delivery { throw std::runtime_error("instance died"); };
  EXPECT_THROW(outbox.deliver_due(kStart_ms), std::runtime_error);
  transport.on_send = [] { return Delivery{DeliveryOutcome::delivered, "test"}; };
  EXPECT_EQ(outbox.deliver_due(kStart_ms + 119'999), 0u);
  EXPECT_EQ(outbox.deliver_due(kStart_ms + 120'000), 1u);
  EXPECT_EQ(transport.sends, 2);
  EXPECT_EQ(outbox.stats().sent, 1);
}

TEST_P(OutboxTest, RowsWhoseTurnComesAfterHalfTheClaimGoBackUnsentAndUncounted) {
  ScriptedTransport transport;
  OutboxOptions options;
  options.claim_ms = 1000;  // half of it, 500 ms, is the time for sending one claimed batch
  Outbox outbox(*store_, transport, options);
  for (int i = 0; i < 3; ++i) enqueue(email_to("party-1", "amira@example.org", "letter:" + std::to_string(i)));
  transport.on_send = [&] {
    if (transport.sends == 1) std::this_thread::sleep_for(std::chrono::milliseconds(600));  // a slow server
    return Delivery{DeliveryOutcome::delivered, "test"};
  };
  EXPECT_EQ(outbox.deliver_due(kStart_ms), 1u);
  EXPECT_EQ(transport.sends, 1);
  EXPECT_EQ(outbox.stats().pending, 2);
  // Released, not left claimed: the next call, at the same time, sends them.
  EXPECT_EQ(outbox.deliver_due(kStart_ms), 2u);
  for (const auto& row : rows_of(outbox, "party-1")) EXPECT_EQ(row["attempts"], 1);
}

TEST_P(OutboxTest, RowsForAPartyAreThatPartysOnlyNewestFirst) {
  Outbox outbox(*store_, *transport_);
  enqueue(email_to("party-1", "amira@example.org", "letter:1"), kStart_ms);
  enqueue(sms_to("party-2", "+201009999999", "letter:2"), kStart_ms + 1);
  enqueue(sms_to("party-1", "+201001234567", "letter:3"), kStart_ms + 2);
  EXPECT_EQ(outbox.deliver_due(kStart_ms + 2), 3u);

  const Json rows = rows_of(outbox, "party-1");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["reference"], "letter:3");
  EXPECT_EQ(rows[0]["channel"], "sms");
  EXPECT_EQ(rows[0]["address"], "+201001234567");
  EXPECT_EQ(rows[1]["reference"], "letter:1");
  EXPECT_EQ(rows[1]["address"], "amira@example.org");
  EXPECT_EQ(rows[1]["subject"], "رسالة جديدة");
  EXPECT_EQ(rows[1]["text"], "وصلتك رسالة جديدة في بريد");
  EXPECT_EQ(rows[1]["status"], "sent");
  EXPECT_EQ(rows[1]["created_at_ms"], kStart_ms);
  EXPECT_EQ(rows.dump().find("+201009999999"), std::string::npos);
  EXPECT_TRUE(rows_of(outbox, "party-nobody").empty());
}

TEST_P(OutboxTest, NoLogLineContainsTheAddressTheTextOrASecret) {
  char path[] = "/tmp/barid-notify-log-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ASSERT_TRUE(log::write_to_file(path));

  Outbox outbox(*store_, *transport_);
  enqueue(email_to("party-1", "amira@example.org", "letter:1"));
  enqueue(email_to("party-1", "rejected@example.org", "letter:2"));
  enqueue(sms_to("party-1", "+201001234567", "letter:1"));
  enqueue({"email", "party-1", "amira@example.org\r\nBcc: x@example.org", "subject", "injected text", "letter:3"});
  smtp_sink_.fail_next_transactions(1);
  http_sink_.fail_next_requests(1, 503);
  outbox.deliver_due(kStart_ms);
  smtp_sink_.reject_recipients(true);
  outbox.deliver_due(kStart_ms + kHour_ms);
  log::write_to_stderr();

  std::ifstream file(path);
  std::vector<Json> attempts;
  std::string line;
  while (std::getline(file, line)) {
    for (const std::string& secret :
         {std::string("amira"), std::string("rejected@"), std::string("201001234567"), std::string("وصلتك"),
          std::string("رسالة"), std::string("injected"), kSecret, kPassword}) {
      EXPECT_EQ(line.find(secret), std::string::npos) << line;
    }
    const Json entry = Json::parse(line);
    if (entry["event"] == "notification_attempt") attempts.push_back(entry);
  }
  std::remove(path);
  // One line per attempt. First round: amira 451, rejected@ delivered, the SMS 503, the injected one
  // refused. Second round: amira refused by the server (550), the SMS delivered.
  ASSERT_EQ(attempts.size(), 6u);
  std::map<std::string, int> outcomes;
  for (const auto& attempt : attempts) {
    EXPECT_TRUE(attempt["notification_id"].is_number_integer());
    EXPECT_TRUE(attempt["channel"] == "email" || attempt["channel"] == "sms");
    ++outcomes[attempt["outcome"]];
  }
  EXPECT_EQ(outcomes["retry_later"], 2);
  EXPECT_EQ(outcomes["rejected"], 2);
  EXPECT_EQ(outcomes["delivered"], 2);
}

INSTANTIATE_TEST_SUITE_P(StoreBackends, OutboxTest, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace barid::notify
