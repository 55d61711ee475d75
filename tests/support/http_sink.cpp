#include "support/http_sink.hpp"

#include "support/loopback_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace barid::testing {
namespace {

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxBodyBytes = 8 * 1024 * 1024;

// Appends what the peer sends to `buffer` until `enough` holds; false when the peer stops first.
template <class Enough>
bool receive_until(int fd, std::string& buffer, const Enough& enough) {
  while (!enough()) {
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
  return true;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string trim(const std::string& text) {
  const std::size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

// The request line and headers; nullopt when malformed.
std::optional<HttpRequest> parse_head(const std::string& head) {
  HttpRequest request;
  std::size_t line_begin = 0;
  bool first = true;
  while (line_begin < head.size()) {
    std::size_t line_end = head.find("\r\n", line_begin);
    if (line_end == std::string::npos) line_end = head.size();
    const std::string line = head.substr(line_begin, line_end - line_begin);
    line_begin = line_end + 2;
    if (first) {
      const std::size_t space = line.find(' ');
      const std::size_t second = line.find(' ', space + 1);
      if (space == std::string::npos || second == std::string::npos) return std::nullopt;
      request.method = line.substr(0, space);
      request.target = line.substr(space + 1, second - space - 1);
      first = false;
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos) return std::nullopt;
    request.headers[lower(line.substr(0, colon))] = trim(line.substr(colon + 1));
  }
  return request;
}

const char* reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

}  // namespace

HttpSink::HttpSink() : server_([this](int fd) { serve(fd); }) {}

HttpSink::~HttpSink() = default;

std::string HttpSink::url(const std::string& target) const {
  return "http://127.0.0.1:" + std::to_string(server_.port()) + target;
}

std::vector<HttpRequest> HttpSink::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void HttpSink::fail_next_requests(int count, int status) {
  std::lock_guard lock(mutex_);
  failures_left_ = count;
  failure_status_ = status;
}

void HttpSink::serve(int fd) {
  std::string buffer;
  std::size_t head_end = std::string::npos;
  const bool got_head = receive_until(fd, buffer, [&] {
    head_end = buffer.find("\r\n\r\n");
    return head_end != std::string::npos || buffer.size() > kMaxHeaderBytes;
  });
  std::optional<HttpRequest> request;
  if (got_head && head_end != std::string::npos) request = parse_head(buffer.substr(0, head_end));
  int status = 400;
  if (request) {
    const std::string length_text = request->header("content-length");
    std::size_t length = 0;
    const auto parsed = std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
    const bool length_ok =
        length_text.empty() || (parsed.ec == std::errc() && parsed.ptr == length_text.data() + length_text.size());
    const std::size_t body_begin = head_end + 4;
    if (length_ok && length <= kMaxBodyBytes &&
        receive_until(fd, buffer, [&] { return buffer.size() >= body_begin + length; })) {
      request->body = buffer.substr(body_begin, length);
      std::lock_guard lock(mutex_);
      status = 200;
      if (failures_left_ > 0) {
        --failures_left_;
        status = failure_status_;
      }
      requests_.push_back(std::move(*request));
    }
  }
  send_all(fd, "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) +
                   "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

}  // namespace barid::testing
