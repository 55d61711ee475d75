// A small blocking HTTP/1.1 client for tests: one request per connection, or raw bytes, so tests
// can send exactly what a hostile client would.
#pragma once

#include <barid/core/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace barid::testing {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  Json json() const { return Json::parse(body, nullptr, false); }
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
  std::string error_code() const;
};

class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port) : host_(std::move(host)), port_(port) {}

  HttpReply request(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::vector<std::pair<std::string, std::string>>& headers = {}) const;
  HttpReply get(const std::string& target, const std::string& token = "") const;
  HttpReply post_json(const std::string& target, const Json& body, const std::string& token = "") const;
  HttpReply send_json(const std::string& method, const std::string& target, const Json& body,
                      const std::string& token = "") const;
  HttpReply del(const std::string& target, const std::string& token = "") const;
  // Sends raw bytes and reads until the server closes (or timeout), returning the raw answer.
  std::string raw(const std::string& bytes, int timeout_ms = 5000) const;

  std::uint16_t port() const { return port_; }

 private:
  std::string host_;
  std::uint16_t port_;
};

HttpReply parse_reply(const std::string& raw);

}  // namespace barid::testing
