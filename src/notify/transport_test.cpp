#include <barid/core/json.hpp>
#include <barid/crypto/aead.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/notify/transport.hpp>

#include "support/http_sink.hpp"
#include "support/smtp_sink.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>
#include <map>

namespace barid::notify {
namespace {

using barid::testing::HttpSink;
using barid::testing::SmtpSink;

std::string base64_decode(std::string_view text) {
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t bits = 0;
  int bit_count = 0;
  for (const char c : text) {
    const std::size_t value = alphabet.find(c);
    if (value == std::string::npos) continue;  // '=', CR, LF
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out += static_cast<char>((bits >> bit_count) & 0xFF);
    }
  }
  return out;
}

struct ParsedMessage {
  std::map<std::string, std::string> headers;  // unfolded, names as written
  std::string body;
};

ParsedMessage parse_message(const std::string& data) {
  ParsedMessage parsed;
  const std::size_t head_end = data.find("\r\n\r\n");
  std::string head = data.substr(0, head_end);
  parsed.body = data.substr(head_end + 4);
  // Unfold: a CRLF followed by white space continues the previous header line.
  for (std::size_t fold; (fold = head.find("\r\n ")) != std::string::npos;) head.replace(fold, 3, " ");
  std::size_t begin = 0;
  while (begin <= head.size()) {
    std::size_t end = head.find("\r\n", begin);
    if (end == std::string::npos) end = head.size();
    const std::string line = head.substr(begin, end - begin);
    const std::size_t colon = line.find(": ");
    if (colon != std::string::npos) parsed.headers[line.substr(0, colon)] = line.substr(colon + 2);
    begin = end + 2;
  }
  return parsed;
}

// Decodes a header made of "=?UTF-8?B?…?=" words separated by white space (RFC 2047 drops that space).
std::string decode_encoded_words(const std::string& value, std::size_t* longest_word = nullptr) {
  std::string out;
  std::size_t begin = 0;
  while ((begin = value.find("=?UTF-8?B?", begin)) != std::string::npos) {
    const std::size_t end = value.find("?=", begin + 10);
    if (longest_word) *longest_word = std::max(*longest_word, end + 2 - begin);
    const std::string word = base64_decode(value.substr(begin + 10, end - begin - 10));
    EXPECT_TRUE(is_valid_utf8(word)) << "a character cut between two encoded words";
    out += word;
    begin = end + 2;
  }
  return out;
}

// A port on which nothing listens: bound, read, then closed again.
std::uint16_t unused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
                     ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  ::close(fd);
  EXPECT_TRUE(bound);
  return ntohs(address.sin_port);
}

SmtpOptions smtp_to(const SmtpSink& sink) {
  SmtpOptions options;
  options.url = sink.url();
  options.from = "notify@barid.example";
  options.timeout_ms = 5000;
  return options;
}

WebhookOptions webhook_to(const HttpSink& sink, std::string secret = "gateway-shared-secret") {
  WebhookOptions options;
  options.url = sink.url("/sms");
  options.secret = std::move(secret);
  options.timeout_ms = 5000;
  return options;
}

// What a gateway does with a request (see transport.hpp): recompute the HMAC, compare.
bool gateway_accepts_signature(const barid::testing::HttpRequest& request, std::string_view secret) {
  const std::string signature = request.header("x-barid-signature");
  if (signature.rfind("v1=", 0) != 0) return false;
  crypto::Bytes claimed;
  if (!crypto::hex_decode(signature.substr(3), claimed)) return false;
  const auto expected =
      crypto::hmac_sha256(std::span(reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size()),
                          request.header("x-barid-timestamp") + "." + request.body);
  return crypto::constant_time_equal(claimed, expected);
}

const std::string kArabicSubject = "رسالة جديدة في صندوق بريدك";
const std::string kArabicText = "وصلتك رسالة من مصلحة الضرائب.\nافتح بريد للاطلاع عليها.";

TEST(SmtpTransport, DeliversAnRfc5322MessageWithTheEnvelopeAndUtf8ArabicSubjectAndText) {
  SmtpSink sink;
  auto transport = make_network_transport(smtp_to(sink), {});
  const Delivery delivery =
      transport->send_email({"0190a1b2-c3d4-7e5f", "amira@example.org", kArabicSubject, kArabicText});
  EXPECT_EQ(delivery.outcome, DeliveryOutcome::delivered) << delivery.detail;

  const auto messages = sink.messages();
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].mail_from, "notify@barid.example");
  EXPECT_EQ(messages[0].recipients, std::vector<std::string>{"amira@example.org"});
  const ParsedMessage message = parse_message(messages[0].data);
  EXPECT_EQ(message.headers.at("From"), "<notify@barid.example>");
  EXPECT_EQ(message.headers.at("To"), "<amira@example.org>");
  EXPECT_EQ(message.headers.at("Message-ID"), "<0190a1b2-c3d4-7e5f@barid.local>");
  EXPECT_EQ(message.headers.at("MIME-Version"), "1.0");
  EXPECT_EQ(message.headers.at("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(message.headers.at("Content-Transfer-Encoding"), "base64");
  EXPECT_EQ(message.headers.at("Subject").rfind("=?UTF-8?B?", 0), 0u);
  EXPECT_EQ(decode_encoded_words(message.headers.at("Subject")), kArabicSubject);
  // The text travels as canonical CRLF lines.
  EXPECT_EQ(base64_decode(message.body), "وصلتك رسالة من مصلحة الضرائب.\r\nافتح بريد للاطلاع عليها.");
  // "Tue, 02 Jan 2024 15:04:05 +0000"
  const std::string date = message.headers.at("Date");
  EXPECT_EQ(date.size(), 31u) << date;
  EXPECT_EQ(date.substr(date.size() - 5), "+0000");
  for (std::size_t i = 0; i < messages[0].data.size(); ++i) {
    if (messages[0].data[i] == '\n') {
      ASSERT_TRUE(i > 0 && messages[0].data[i - 1] == '\r') << "bare LF at " << i;
    }
  }
}

TEST(SmtpTransport, SplitsALongSubjectIntoEncodedWordsOfAtMost75CharactersWithoutCuttingACharacter) {
  SmtpSink sink;
  auto transport = make_network_transport(smtp_to(sink), {});
  std::string subject;
  for (int i = 0; i < 6; ++i) subject += "بريد مصر الرقمي ";
  ASSERT_LE(subject.size(), kMaxSubjectBytes);
  EXPECT_EQ(transport->send_email({"long-subject", "amira@example.org", subject, "text"}).outcome,
            DeliveryOutcome::delivered);
  ASSERT_EQ(sink.messages().size(), 1u);
  const ParsedMessage message = parse_message(sink.messages()[0].data);
  std::size_t longest_word = 0;
  EXPECT_EQ(decode_encoded_words(message.headers.at("Subject"), &longest_word), subject);
  EXPECT_LE(longest_word, 75u);
  EXPECT_NE(message.headers.at("Subject").find(' '), std::string::npos) << "several words, folded";

  const Delivery too_long = transport->send_email({"too-long", "amira@example.org", subject + subject, "text"});
  EXPECT_EQ(too_long.outcome, DeliveryOutcome::rejected);
  EXPECT_EQ(sink.transactions(), 1u);
}

TEST(SmtpTransport, KeepsAPlainAsciiSubjectAsItIs) {
  SmtpSink sink;
  auto transport = make_network_transport(smtp_to(sink), {});
  EXPECT_EQ(transport->send_email({"ascii", "amira@example.org", "A new letter", "text"}).outcome,
            DeliveryOutcome::delivered);
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(parse_message(sink.messages()[0].data).headers.at("Subject"), "A new letter");
}

TEST(SmtpTransport, RefusesHeaderInjectionInTheAddressOrSubjectWithoutConnecting) {
  SmtpSink sink;
  auto transport = make_network_transport(smtp_to(sink), {});
  const std::vector<Email> hostile = {
      {"a", "amira@example.org\r\nBcc: everyone@example.org", "subject", "text"},
      {"b", "amira@example.org\nBcc: everyone@example.org", "subject", "text"},
      {"c", "amira@example.org", "hello\r\nBcc: everyone@example.org", "text"},
      {"d", "amira@example.org", "hello\nBcc: everyone@example.org", "text"},
      {"e", "amira@example.org", std::string("hello\0world", 11), "text"},
      {"f", std::string("amira@example.org\0x", 19), "subject", "text"},
      {"g", "amira@example.org>, <everyone@example.org", "subject", "text"},
      {"h\r\nBcc: x@y", "amira@example.org", "subject", "text"},
      {"i", "not-an-address", "subject", "text"},
  };
  for (const Email& email : hostile) {
    const Delivery delivery = transport->send_email(email);
    EXPECT_EQ(delivery.outcome, DeliveryOutcome::rejected) << "id " << email.id;
    EXPECT_EQ(delivery.detail.find("everyone"), std::string::npos);
  }
  EXPECT_EQ(sink.transactions(), 0u);
  EXPECT_TRUE(sink.messages().empty());
}

TEST(SmtpTransport, TemporaryFailureIsRetryLaterAndRejectedRecipientIsRejected) {
  SmtpSink sink;
  auto transport = make_network_transport(smtp_to(sink), {});
  const Email email{"id-1", "amira@example.org", "subject", "text"};

  sink.fail_next_transactions(1);
  const Delivery temporary = transport->send_email(email);
  EXPECT_EQ(temporary.outcome, DeliveryOutcome::retry_later);
  EXPECT_EQ(temporary.detail, "smtp 451");

  sink.reject_recipients(true);
  const Delivery permanent = transport->send_email(email);
  EXPECT_EQ(permanent.outcome, DeliveryOutcome::rejected);
  EXPECT_EQ(permanent.detail, "smtp 550");
  EXPECT_EQ(permanent.detail.find("amira"), std::string::npos);

  sink.reject_recipients(false);
  EXPECT_EQ(transport->send_email(email).outcome, DeliveryOutcome::delivered);
  EXPECT_EQ(sink.transactions(), 3u);
  EXPECT_EQ(sink.messages().size(), 1u);
}

TEST(SmtpTransport, UnreachableServerIsRetryLater) {
  SmtpOptions options;
  options.url = "smtp://127.0.0.1:" + std::to_string(unused_port());
  options.from = "notify@barid.example";
  options.password = "smtp-password-never-shown";
  auto transport = make_network_transport(options, {});
  const Delivery delivery = transport->send_email({"id-1", "amira@example.org", "subject", "text"});
  EXPECT_EQ(delivery.outcome, DeliveryOutcome::retry_later);
  EXPECT_EQ(delivery.detail.find("smtp-password"), std::string::npos);
}

TEST(SmtpTransport, RefusesEverythingWhenNoServerIsConfigured) {
  auto transport = make_network_transport({}, {});
  EXPECT_EQ(transport->send_email({"id-1", "amira@example.org", "subject", "text"}).outcome, DeliveryOutcome::rejected);
  EXPECT_EQ(transport->send_sms({"id-1", "+201001234567", "text"}).outcome, DeliveryOutcome::rejected);
}

TEST(SmsWebhook, PostsSignedJsonThatVerifiesWithTheSecretAndNotWithAnother) {
  HttpSink sink;
  auto transport = make_network_transport({}, webhook_to(sink));
  const std::int64_t before_s = std::time(nullptr);
  const Delivery delivery = transport->send_sms({"0190a1b2-sms", "+201001234567", kArabicText});
  const std::int64_t after_s = std::time(nullptr);
  EXPECT_EQ(delivery.outcome, DeliveryOutcome::delivered) << delivery.detail;
  EXPECT_EQ(delivery.detail, "http 200");

  const auto requests = sink.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/sms");
  EXPECT_EQ(request.header("content-type"), "application/json");
  EXPECT_EQ(request.header("idempotency-key"), "0190a1b2-sms");
  const std::int64_t timestamp_s = std::stoll(request.header("x-barid-timestamp"));
  EXPECT_GE(timestamp_s, before_s);
  EXPECT_LE(timestamp_s, after_s);
  const Json body = Json::parse(request.body);
  EXPECT_EQ(body, (Json{{"id", "0190a1b2-sms"}, {"to", "+201001234567"}, {"text", kArabicText}}));

  EXPECT_TRUE(gateway_accepts_signature(request, "gateway-shared-secret"));
  EXPECT_FALSE(gateway_accepts_signature(request, "another-secret"));
  auto altered = request;
  altered.body.replace(altered.body.find("+2010"), 5, "+2011");
  EXPECT_FALSE(gateway_accepts_signature(altered, "gateway-shared-secret"));
  altered = request;
  altered.headers["x-barid-timestamp"] = std::to_string(timestamp_s + 1);
  EXPECT_FALSE(gateway_accepts_signature(altered, "gateway-shared-secret"));
}

TEST(SmsWebhook, MapsTheGatewaysStatusToAnOutcome) {
  HttpSink sink;
  auto transport = make_network_transport({}, webhook_to(sink));
  const Sms sms{"id-1", "+201001234567", "text"};
  const std::vector<std::pair<int, DeliveryOutcome>> cases = {
      {503, DeliveryOutcome::retry_later}, {500, DeliveryOutcome::retry_later}, {429, DeliveryOutcome::retry_later},
      {408, DeliveryOutcome::retry_later}, {400, DeliveryOutcome::rejected},    {404, DeliveryOutcome::rejected},
  };
  for (const auto& [status, outcome] : cases) {
    sink.fail_next_requests(1, status);
    const Delivery delivery = transport->send_sms(sms);
    EXPECT_EQ(delivery.outcome, outcome) << status;
    EXPECT_EQ(delivery.detail, "http " + std::to_string(status));
  }
  EXPECT_EQ(transport->send_sms(sms).outcome, DeliveryOutcome::delivered);
  EXPECT_EQ(sink.requests().size(), cases.size() + 1);
}

TEST(SmsWebhook, UnreachableGatewayIsRetryLater) {
  WebhookOptions options;
  options.url = "http://127.0.0.1:" + std::to_string(unused_port()) + "/sms";
  options.secret = "gateway-shared-secret";
  auto transport = make_network_transport({}, options);
  const Delivery delivery = transport->send_sms({"id-1", "+201001234567", "text"});
  EXPECT_EQ(delivery.outcome, DeliveryOutcome::retry_later);
  EXPECT_EQ(delivery.detail.find("gateway-shared-secret"), std::string::npos);
}

TEST(SmsWebhook, RefusesANumberThatIsNotE164WithoutSending) {
  HttpSink sink;
  auto transport = make_network_transport({}, webhook_to(sink));
  for (const std::string number : {"01001234567", "+20 100 123 4567", "+2010012345678901", "+20100\n", ""}) {
    EXPECT_EQ(transport->send_sms({"id-1", number, "text"}).outcome, DeliveryOutcome::rejected) << number;
  }
  EXPECT_EQ(transport->send_sms({"id-1", "+201001234567", ""}).outcome, DeliveryOutcome::rejected);
  EXPECT_TRUE(sink.requests().empty());
}

}  // namespace
}  // namespace barid::notify
