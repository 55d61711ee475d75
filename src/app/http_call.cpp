#include "http_call.hpp"

#include <curl/curl.h>

#include <mutex>

namespace barid::app {

namespace {

std::size_t collect(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

}  // namespace

Json HttpReply::json() const {
  auto parsed = parse_json(body);
  return parsed ? std::move(*parsed) : Json();
}

std::string HttpReply::error_text() const {
  if (!error.empty()) return error;
  const auto parsed = json();
  if (parsed.is_object() && parsed.contains("error") && parsed["error"].is_object())
    return parsed["error"].value("code", "") + ": " + parsed["error"].value("message", "");
  return "HTTP " + std::to_string(status);
}

HttpReply http_call(const std::string& method, const std::string& url, const std::string& token,
                    const std::string& body, const std::string& content_type,
                    const std::vector<std::string>& extra_headers, curl_mime* mime) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  HttpReply reply;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    reply.error = "cannot start libcurl";
    return reply;
  }
  curl_slist* headers = nullptr;
  const std::string authorization = "Authorization: Bearer " + token;
  if (!token.empty()) headers = curl_slist_append(headers, authorization.c_str());
  const std::string type = "Content-Type: " + content_type;
  if (mime == nullptr && !body.empty()) headers = curl_slist_append(headers, type.c_str());
  for (const auto& header : extra_headers) headers = curl_slist_append(headers, header.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 10'000L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 600'000L);
  if (mime != nullptr) {
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
  } else if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  const CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) {
    reply.error = curl_easy_strerror(code);
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return reply;
}

}  // namespace barid::app
