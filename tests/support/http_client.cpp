#include "http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace barid::testing {

std::string HttpReply::error_code() const {
  const Json parsed = json();
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].contains("code")) {
    return parsed["error"]["code"].get<std::string>();
  }
  return "";
}

HttpReply parse_reply(const std::string& raw) {
  HttpReply reply;
  const auto header_end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || header_end == std::string::npos) return reply;
  reply.status = std::stoi(raw.substr(9, 3));
  std::size_t line_start = raw.find("\r\n") + 2;
  while (line_start < header_end) {
    const auto line_end = raw.find("\r\n", line_start);
    const std::string line = raw.substr(line_start, line_end - line_start);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      reply.headers[name] = value;
    }
    line_start = line_end + 2;
  }
  reply.body = raw.substr(header_end + 4);
  if (auto it = reply.headers.find("content-length"); it != reply.headers.end()) {
    reply.body.resize(std::min(reply.body.size(), static_cast<std::size_t>(std::stoul(it->second))));
  }
  return reply;
}

std::string HttpClient::raw(const std::string& bytes, int timeout_ms) const {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port_);
  ::inet_pton(AF_INET, host_.c_str(), &address.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw std::runtime_error("connect to port " + std::to_string(port_) + " failed");
  }
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may close early (e.g. 413); read what it said
    sent += static_cast<std::size_t>(n);
  }
  std::string answer;
  char buffer[65536];
  while (true) {
    pollfd waiting{fd, POLLIN, 0};
    if (::poll(&waiting, 1, timeout_ms) <= 0) break;
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answer;
}

HttpReply HttpClient::request(const std::string& method, const std::string& target, const std::string& body,
                              const std::vector<std::pair<std::string, std::string>>& headers) const {
  std::string message = method + " " + target + " HTTP/1.1\r\nHost: " + host_ + "\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) message += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    message += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  message += "\r\n" + body;
  return parse_reply(raw(message));
}

HttpReply HttpClient::get(const std::string& target, const std::string& token) const {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  return request("GET", target, "", headers);
}

HttpReply HttpClient::send_json(const std::string& method, const std::string& target, const Json& body,
                                const std::string& token) const {
  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"}};
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  return request(method, target, body.dump(), headers);
}

HttpReply HttpClient::post_json(const std::string& target, const Json& body, const std::string& token) const {
  return send_json("POST", target, body, token);
}

HttpReply HttpClient::del(const std::string& target, const std::string& token) const {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
  return request("DELETE", target, "", headers);
}

}  // namespace barid::testing
