// A local SMTP server for tests: listens on 127.0.0.1 at a port the kernel picks, speaks enough
// SMTP for libcurl (EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), and records
// each accepted message. It can answer with temporary (451) or permanent (550) failures on request.
#pragma once

#include "support/loopback_server.hpp"

#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace barid::testing {

struct SmtpMessage {
  std::string mail_from;                // the envelope sender, without angle brackets
  std::vector<std::string> recipients;  // envelope recipients, without angle brackets
  std::string data;                     // the message as sent after DATA, dot-unstuffed, CRLF lines
};

class SmtpSink {
 public:
  SmtpSink();   // throws std::runtime_error when it cannot listen
  ~SmtpSink();  // stops accepting, closes every connection and joins its threads
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  std::uint16_t port() const { return server_.port(); }
  std::string url() const;  // "smtp://127.0.0.1:<port>"

  std::vector<SmtpMessage> messages() const;
  std::size_t transactions() const;  // MAIL commands received, whatever they were answered

  // The next `count` transactions are answered "451" at MAIL.
  void fail_next_transactions(int count);
  // While set, every RCPT is answered "550".
  void reject_recipients(bool reject);

 private:
  void serve(int fd);

  mutable std::mutex mutex_;
  std::vector<SmtpMessage> messages_;
  std::size_t transactions_ = 0;
  int failures_left_ = 0;
  bool reject_recipients_ = false;
  LoopbackServer server_;  // last: it stops before the members its connections use
};

}  // namespace barid::testing
