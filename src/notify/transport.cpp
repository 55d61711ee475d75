#include <barid/notify/transport.hpp>

#include <barid/core/json.hpp>
#include <barid/crypto/aead.hpp>
#include <barid/crypto/crypto.hpp>

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>
#include <mutex>
#include <optional>
#include <string_view>

namespace barid::notify {
namespace {

// ---- Validation: everything that goes into a header line or an envelope ----

bool has_line_break_or_nul(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
}

// A plain ASCII addr-spec, local@domain, with none of the characters that would let it break out of
// an angle-bracketed path or a header. Internationalised addresses (SMTPUTF8) are not supported.
bool is_valid_email_address(std::string_view address) {
  if (address.empty() || address.size() > kMaxAddressBytes) return false;
  const std::size_t at = address.rfind('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == address.size()) return false;
  constexpr std::string_view forbidden = "<>()[],;:\\\"";
  return std::all_of(address.begin(), address.end(), [&](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte > 0x20 && byte < 0x7F && forbidden.find(c) == std::string_view::npos;
  });
}

bool is_e164_number(std::string_view number) {
  if (number.size() < 9 || number.size() > 16 || number.front() != '+') return false;
  return std::all_of(number.begin() + 1, number.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_valid_text(std::string_view text) {
  return !text.empty() && text.size() <= kMaxTextBytes && is_valid_utf8(text) &&
         text.find('\0') == std::string_view::npos;
}

Delivery refused(std::string detail) {
  return {DeliveryOutcome::rejected, std::move(detail)};
}

// ---- The e-mail message (RFC 5322, MIME) ----

std::string base64_encode(std::string_view data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t group = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16 |
                                static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8 |
                                static_cast<unsigned char>(data[i + 2]);
    out += kAlphabet[(group >> 18) & 63];
    out += kAlphabet[(group >> 12) & 63];
    out += kAlphabet[(group >> 6) & 63];
    out += kAlphabet[group & 63];
  }
  if (const std::size_t rest = data.size() - i; rest > 0) {
    std::uint32_t group = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16;
    if (rest == 2) group |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8;
    out += kAlphabet[(group >> 18) & 63];
    out += kAlphabet[(group >> 12) & 63];
    out += rest == 2 ? kAlphabet[(group >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

bool is_plain_header_text(std::string_view text) {
  return text.find("=?") == std::string_view::npos && std::all_of(text.begin(), text.end(), [](char c) {
           return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F;
         });
}

// RFC 2047 B encoding. An encoded word is at most 75 characters, so the text is cut into chunks of
// at most 45 bytes (60 base64 characters) on UTF-8 character boundaries, one word per folded line.
std::string encode_header_text(std::string_view text) {
  if (is_plain_header_text(text)) return std::string(text);
  constexpr std::size_t kMaxChunkBytes = 45;
  std::string out;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = std::min(begin + kMaxChunkBytes, text.size());
    // Step back off continuation bytes (10xxxxxx) so no character is split between two words.
    while (end < text.size() && end > begin && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64_encode(text.substr(begin, end - begin)) + "?=";
    begin = end;
  }
  return out;
}

// Text as canonical CRLF lines, base64 in lines of 76 characters (RFC 2045).
std::string encode_body(std::string_view text) {
  std::string canonical;
  canonical.reserve(text.size() + 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) canonical += '\r';
    canonical += text[i];
  }
  const std::string encoded = base64_encode(canonical);
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\r\n";
  return out;
}

std::string rfc5322_date(std::time_t now) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays.at(utc.tm_wday), utc.tm_mday,
                kMonths.at(utc.tm_mon), utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return buffer;
}

std::string compose_message(const std::string& from, const Email& email) {
  std::string message;
  message += "Date: " + rfc5322_date(std::time(nullptr)) + "\r\n";
  message += "From: <" + from + ">\r\n";
  message += "To: <" + email.to + ">\r\n";
  message += "Subject: " + encode_header_text(email.subject) + "\r\n";
  message += "Message-ID: <" + email.id + "@barid.local>\r\n";
  message += "MIME-Version: 1.0\r\n";
  message += "Content-Type: text/plain; charset=UTF-8\r\n";
  message += "Content-Transfer-Encoding: base64\r\n";
  message += "\r\n";
  message += encode_body(email.text);
  return message;
}

// ---- libcurl ----

void initialize_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlHandle {
  CURL* curl = nullptr;
  curl_slist* list = nullptr;
  CurlHandle() : curl(curl_easy_init()) {}
  ~CurlHandle() {
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
  }
  CurlHandle(const CurlHandle&) = delete;
  CurlHandle& operator=(const CurlHandle&) = delete;
  void append(const std::string& item) { list = curl_slist_append(list, item.c_str()); }
};

struct UploadCursor {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* cursor = static_cast<UploadCursor*>(user);
  const std::size_t n = std::min(size * count, cursor->data.size() - cursor->offset);
  std::memcpy(buffer, cursor->data.data() + cursor->offset, n);
  cursor->offset += n;
  return n;
}

std::size_t discard_response(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

void set_common_options(CURL* curl, const std::string& url, int timeout_ms, const char* protocols) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, protocols);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_ms));
}

long response_code(CURL* curl) {
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  return code;
}

// libcurl's own error texts are fixed strings; the error buffer is not used, because a server's reply
// there may quote the recipient's address.
Delivery smtp_delivery(CURLcode result, long code) {
  if (result == CURLE_OK) return {DeliveryOutcome::delivered, "smtp " + std::to_string(code)};
  // A refused login or a missing STARTTLS is the operator's configuration, which can be fixed.
  if (result == CURLE_LOGIN_DENIED || result == CURLE_USE_SSL_FAILED) {
    return {DeliveryOutcome::retry_later, std::string("smtp: ") + curl_easy_strerror(result)};
  }
  if (code >= 500 && code < 600) return {DeliveryOutcome::rejected, "smtp " + std::to_string(code)};
  if (code >= 400 && code < 500) return {DeliveryOutcome::retry_later, "smtp " + std::to_string(code)};
  return {DeliveryOutcome::retry_later, std::string("smtp: ") + curl_easy_strerror(result)};
}

Delivery http_delivery(CURLcode result, long status) {
  if (result != CURLE_OK) return {DeliveryOutcome::retry_later, std::string("http: ") + curl_easy_strerror(result)};
  const std::string detail = "http " + std::to_string(status);
  if (status >= 200 && status < 300) return {DeliveryOutcome::delivered, detail};
  if (status >= 400 && status < 500 && status != 408 && status != 429) return {DeliveryOutcome::rejected, detail};
  // 408, 429, 5xx, and the unexpected (1xx, 3xx: redirects are not followed) wait for another try.
  return {DeliveryOutcome::retry_later, detail};
}

class NetworkTransport final : public Transport {
 public:
  NetworkTransport(SmtpOptions smtp, WebhookOptions webhook) : smtp_(std::move(smtp)), webhook_(std::move(webhook)) {
    initialize_curl_once();
  }

  Delivery send_email(const Email& email) override {
    if (smtp_.url.empty()) return refused("email disabled");
    if (!is_valid_id(email.id)) return refused("invalid id");
    if (has_line_break_or_nul(email.to) || has_line_break_or_nul(email.subject)) {
      return refused("line break in a header");
    }
    if (!is_valid_email_address(email.to)) return refused("invalid recipient address");
    if (!is_valid_email_address(smtp_.from)) return refused("invalid sender address");
    if (email.subject.size() > kMaxSubjectBytes || !is_valid_utf8(email.subject)) return refused("invalid subject");
    if (!is_valid_text(email.text)) return refused("invalid text");

    const std::string message = compose_message(smtp_.from, email);
    UploadCursor cursor{message};
    CurlHandle handle;
    if (handle.curl == nullptr) return {DeliveryOutcome::retry_later, "smtp: curl_easy_init failed"};
    CURL* curl = handle.curl;
    set_common_options(curl, smtp_.url, smtp_.timeout_ms, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(smtp_.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
    if (!smtp_.username.empty()) curl_easy_setopt(curl, CURLOPT_USERNAME, smtp_.username.c_str());
    if (!smtp_.password.empty()) curl_easy_setopt(curl, CURLOPT_PASSWORD, smtp_.password.c_str());
    const std::string mail_from = "<" + smtp_.from + ">";
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from.c_str());
    handle.append("<" + email.to + ">");
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, handle.list);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &cursor);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
    const CURLcode result = curl_easy_perform(curl);
    return smtp_delivery(result, response_code(curl));
  }

  Delivery send_sms(const Sms& sms) override {
    if (webhook_.url.empty()) return refused("sms disabled");
    if (!is_valid_id(sms.id)) return refused("invalid id");
    if (!is_e164_number(sms.to)) return refused("invalid phone number");
    if (!is_valid_text(sms.text)) return refused("invalid text");

    const std::string body = Json{{"id", sms.id}, {"to", sms.to}, {"text", sms.text}}.dump();
    const std::string timestamp = std::to_string(static_cast<std::int64_t>(std::time(nullptr)));
    const std::string_view secret = webhook_.secret;
    const auto signature = crypto::hmac_sha256(
        std::span(reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size()), timestamp + "." + body);

    CurlHandle handle;
    if (handle.curl == nullptr) return {DeliveryOutcome::retry_later, "http: curl_easy_init failed"};
    CURL* curl = handle.curl;
    set_common_options(curl, webhook_.url, webhook_.timeout_ms, "http,https");
    handle.append("Content-Type: application/json");
    handle.append("Idempotency-Key: " + sms.id);
    handle.append("X-Barid-Timestamp: " + timestamp);
    handle.append("X-Barid-Signature: v1=" + crypto::hex_encode(signature));
    handle.append("Expect:");  // no 100-continue round trip for a small body
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, handle.list);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard_response);
    const CURLcode result = curl_easy_perform(curl);
    return http_delivery(result, response_code(curl));
  }

 private:
  const SmtpOptions smtp_;
  const WebhookOptions webhook_;
};

}  // namespace

const char* to_string(DeliveryOutcome outcome) {
  switch (outcome) {
    case DeliveryOutcome::delivered: return "delivered";
    case DeliveryOutcome::retry_later: return "retry_later";
    case DeliveryOutcome::rejected: return "rejected";
  }
  return "unknown";
}

std::unique_ptr<Transport> make_network_transport(SmtpOptions smtp, WebhookOptions webhook) {
  return std::make_unique<NetworkTransport>(std::move(smtp), std::move(webhook));
}

}  // namespace barid::notify
