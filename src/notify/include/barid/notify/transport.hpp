// Transports that tell a letter's recipient a letter has arrived: e-mail through SMTP and SMS through
// an SMS gateway's signed webhook. Only the short notification text leaves the server, never a
// letter's subject or body. The outbox (outbox.hpp) calls these and retries what they defer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace barid::notify {

// Limits on what a transport accepts; longer input is refused as `rejected`.
inline constexpr std::size_t kMaxAddressBytes = 254;  // RFC 5321's path limit
inline constexpr std::size_t kMaxSubjectBytes = 200;
inline constexpr std::size_t kMaxTextBytes = 2000;
inline constexpr std::size_t kMaxIdBytes = 64;  // [A-Za-z0-9._-] only: it becomes a header value

struct SmtpOptions {
  std::string url;       // smtp://host:port or smtps://host:port; empty = e-mail disabled
  std::string from;      // envelope and From: address
  std::string username;  // optional
  std::string password;  // optional; NEVER logged or put in an error text
  // STARTTLS required (CURLUSESSL_ALL) when true; otherwise STARTTLS is used when the server offers it.
  bool require_tls = false;
  int timeout_ms = 10'000;
};

// The SMS gateway's webhook. Each message is one request:
//
//   POST <url>
//   Content-Type: application/json
//   Idempotency-Key: <id>              the same on every retry of one notification
//   X-Barid-Timestamp: <unix seconds>
//   X-Barid-Signature: v1=<64 lower-case hex digits>
//
//   {"id":"<id>","text":"<text>","to":"+20…"}   (UTF-8; key order is not significant)
//
// How the gateway verifies a request:
//   1. Read the body as raw bytes, before any JSON parsing.
//   2. Compute HMAC-SHA-256 with the shared secret (its UTF-8 bytes) as the key over the message
//      X-Barid-Timestamp's value ‖ "." ‖ body, and hex-encode it in lower case.
//   3. Compare it with the header's value after "v1=", in constant time; reject on mismatch.
//   4. Reject a timestamp more than 300 seconds away from the gateway's clock (stops replays).
//   5. Drop a request whose Idempotency-Key it has already accepted, answering 2xx: a retry of a
//      message it took but whose answer Barid never saw.
// The gateway answers 2xx when it has taken the message, 408/429/5xx to have it retried later, and
// any other 4xx to refuse it for good.
struct WebhookOptions {
  std::string url;     // http(s)://…; empty = SMS disabled
  std::string secret;  // HMAC key; NEVER logged
  int timeout_ms = 10'000;
};

// `id` identifies one notification and stays the same across its retries: it becomes the e-mail's
// Message-ID (<id@barid.local>) and the webhook's Idempotency-Key, so a receiver can drop duplicates.
struct Email {
  std::string id;
  std::string to;
  std::string subject;
  std::string text;
};
struct Sms {
  std::string id;
  std::string to;  // E.164: "+" and 8 to 15 digits
  std::string text;
};

// rejected = permanent: SMTP 5xx, HTTP 4xx other than 408/429, or a message this transport refuses
// (a header-injection attempt, an invalid address, a disabled channel).
enum class DeliveryOutcome { delivered, retry_later, rejected };
const char* to_string(DeliveryOutcome outcome);

struct Delivery {
  DeliveryOutcome outcome;
  std::string detail;  // short, e.g. "smtp 451" or "http 503": never a secret, address or message text
};

// The outbox's seam; tests may use a real one against local sinks. Implementations are called from
// several threads at once.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual Delivery send_email(const Email& email) = 0;
  virtual Delivery send_sms(const Sms& sms) = 0;
};

// SMTP and the webhook through libcurl, one connection per message, blocking up to the timeouts.
std::unique_ptr<Transport> make_network_transport(SmtpOptions smtp, WebhookOptions webhook);

}  // namespace barid::notify
