// A local HTTP/1.1 server for tests: listens on 127.0.0.1 at a port the kernel picks, records each
// request (method, target, headers, body with Content-Length) and answers 200, or another status
// for the next few requests when told to. One request per connection (Connection: close).
#pragma once

#include "support/loopback_server.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace barid::testing {

struct HttpRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string header(const std::string& lower_name) const {
    const auto found = headers.find(lower_name);
    return found == headers.end() ? "" : found->second;
  }
};

class HttpSink {
 public:
  HttpSink();   // throws std::runtime_error when it cannot listen
  ~HttpSink();  // stops accepting, closes every connection and joins its threads
  HttpSink(const HttpSink&) = delete;
  HttpSink& operator=(const HttpSink&) = delete;

  std::uint16_t port() const { return server_.port(); }
  std::string url(const std::string& target = "/") const;  // "http://127.0.0.1:<port><target>"

  std::vector<HttpRequest> requests() const;  // every request received, whatever it was answered

  // The next `count` requests are answered with `status` instead of 200.
  void fail_next_requests(int count, int status = 503);

 private:
  void serve(int fd);

  mutable std::mutex mutex_;
  std::vector<HttpRequest> requests_;
  int failures_left_ = 0;
  int failure_status_ = 503;
  LoopbackServer server_;  // last: it stops before the members its connections use
};

}  // namespace barid::testing
