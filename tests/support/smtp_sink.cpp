#include "support/smtp_sink.hpp"

#include "support/loopback_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace barid::testing {
namespace {

constexpr std::size_t kMaxLineBytes = 64 * 1024;
constexpr std::size_t kMaxMessageBytes = 8 * 1024 * 1024;

// Lines from one connection, CRLF (or a bare LF) removed.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}

  std::optional<std::string> next() {
    for (;;) {
      const std::size_t end = buffer_.find('\n');
      if (end != std::string::npos) {
        std::string line = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
      }
      if (buffer_.size() > kMaxLineBytes) return std::nullopt;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
  std::string buffer_;
};

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

// "MAIL FROM:<a@b> SIZE=10" → "a@b"
std::string path_of(const std::string& line) {
  const std::size_t open = line.find('<');
  const std::size_t close = line.find('>', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos) {
    const std::size_t colon = line.find(':');
    return colon == std::string::npos ? "" : line.substr(colon + 1);
  }
  return line.substr(open + 1, close - open - 1);
}

}  // namespace

SmtpSink::SmtpSink() : server_([this](int fd) { serve(fd); }) {}

SmtpSink::~SmtpSink() = default;

std::string SmtpSink::url() const {
  return "smtp://127.0.0.1:" + std::to_string(server_.port());
}

std::vector<SmtpMessage> SmtpSink::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

std::size_t SmtpSink::transactions() const {
  std::lock_guard lock(mutex_);
  return transactions_;
}

void SmtpSink::fail_next_transactions(int count) {
  std::lock_guard lock(mutex_);
  failures_left_ = count;
}

void SmtpSink::reject_recipients(bool reject) {
  std::lock_guard lock(mutex_);
  reject_recipients_ = reject;
}

void SmtpSink::serve(int fd) {
  LineReader reader(fd);
  std::optional<SmtpMessage> transaction;
  bool open = send_all(fd, "220 127.0.0.1 Barid test SMTP sink\r\n");
  while (open) {
    const auto line = reader.next();
    if (!line) break;
    const std::string verb = upper(line->substr(0, line->find(' ')));
    std::string reply;
    if (verb == "EHLO") {
      reply = "250-127.0.0.1\r\n250-8BITMIME\r\n250 SIZE " + std::to_string(kMaxMessageBytes) + "\r\n";
    } else if (verb == "HELO") {
      reply = "250 127.0.0.1\r\n";
    } else if (verb == "MAIL") {
      std::lock_guard lock(mutex_);
      ++transactions_;
      if (failures_left_ > 0) {
        --failures_left_;
        transaction.reset();
        reply = "451 4.3.0 Temporary failure, try again later\r\n";
      } else {
        transaction = SmtpMessage{path_of(*line), {}, {}};
        reply = "250 2.1.0 OK\r\n";
      }
    } else if (verb == "RCPT") {
      std::lock_guard lock(mutex_);
      if (!transaction) {
        reply = "503 5.5.1 MAIL first\r\n";
      } else if (reject_recipients_) {
        reply = "550 5.1.1 No such mailbox\r\n";
      } else {
        transaction->recipients.push_back(path_of(*line));
        reply = "250 2.1.5 OK\r\n";
      }
    } else if (verb == "DATA") {
      if (!transaction || transaction->recipients.empty()) {
        reply = "503 5.5.1 RCPT first\r\n";
      } else {
        if (!send_all(fd, "354 End data with <CR><LF>.<CR><LF>\r\n")) break;
        bool complete = false;
        while (auto data_line = reader.next()) {
          if (*data_line == ".") {
            complete = true;
            break;
          }
          if (!data_line->empty() && data_line->front() == '.') data_line->erase(0, 1);  // dot-unstuffing
          transaction->data += *data_line + "\r\n";
          if (transaction->data.size() > kMaxMessageBytes) break;
        }
        if (!complete) break;
        {
          std::lock_guard lock(mutex_);
          messages_.push_back(std::move(*transaction));
        }
        transaction.reset();
        reply = "250 2.0.0 OK queued\r\n";
      }
    } else if (verb == "RSET") {
      transaction.reset();
      reply = "250 2.0.0 OK\r\n";
    } else if (verb == "NOOP") {
      reply = "250 2.0.0 OK\r\n";
    } else if (verb == "QUIT") {
      send_all(fd, "221 2.0.0 Bye\r\n");
      break;
    } else {
      reply = "502 5.5.2 Command not recognized\r\n";
    }
    open = send_all(fd, reply);
  }
}

}  // namespace barid::testing
