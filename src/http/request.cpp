// The library-free half of the HTTP module: Request helpers, error documents, percent decoding and
// request ids. Nothing here includes Beast, so it stays cheap to compile.
#include <barid/http/request_decoding.hpp>
#include <barid/http/server.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <random>

namespace barid::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view method_name(Method method) {
  switch (method) {
    case Method::get: return "GET";
    case Method::head: return "HEAD";
    case Method::post: return "POST";
    case Method::put: return "PUT";
    case Method::patch: return "PATCH";
    case Method::delete_: return "DELETE";
    case Method::options: return "OPTIONS";
    case Method::other: return "OTHER";
  }
  return "OTHER";
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& header : headers) {
    if (iequals(header.name, name)) return std::string_view(header.value);
  }
  return std::nullopt;
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    const auto key = percent_decode(pair.substr(0, eq), /*plus_is_space=*/true);
    if (!key || *key != name) continue;
    if (eq == std::string_view::npos) return std::string();
    return percent_decode(pair.substr(eq + 1), /*plus_is_space=*/true);
  }
  return std::nullopt;
}

Response error_response(int status, std::string_view code, std::string_view message, std::string_view request_id) {
  const nlohmann::json document = {{"error", {{"code", code}, {"message", message}, {"request_id", request_id}}}};
  Response response;
  response.status = status;
  response.content_type = "application/json";
  // Replace rather than throw on invalid UTF-8: an error answer must never fail to be produced.
  response.body = document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (text.size() - i < 3) return std::nullopt;
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;
    decoded.push_back(c);
  }
  return decoded;
}

bool is_acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool allowed =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

std::string generate_request_id() {
  // Request ids only need to be unique, not secret, so a per-thread generator seeded once from the
  // system's entropy avoids a system call per request.
  thread_local std::mt19937_64 generator = [] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device(), device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }();
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string id;
  id.reserve(32);
  for (int word = 0; word < 2; ++word) {
    std::uint64_t bits = generator();
    for (int nibble = 0; nibble < 16; ++nibble) {
      id.push_back(kDigits[bits & 0xF]);
      bits >>= 4;
    }
  }
  return id;
}

}  // namespace barid::http
