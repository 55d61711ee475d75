// The command line's HTTP client (libcurl): `barid send-batch` and `barid demo run` talk to a
// running server through it.
#pragma once

#include <barid/core/json.hpp>

#include <string>
#include <vector>

typedef struct curl_mime curl_mime;

namespace barid::app {

struct HttpReply {
  long status = 0;
  std::string body;
  std::string error;  // set when no answer came (connection refused, timeout)

  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  // The body as JSON (null when it is not JSON).
  Json json() const;
  // "code: message" of an error answer, the transport error, or "HTTP <status>".
  std::string error_text() const;
};

// One request. `token` empty: no Authorization header. `mime` set makes it a multipart POST (the
// body is then ignored); otherwise a non-empty body goes with `content_type`.
HttpReply http_call(const std::string& method, const std::string& url, const std::string& token,
                    const std::string& body = "", const std::string& content_type = "application/json",
                    const std::vector<std::string>& extra_headers = {}, curl_mime* mime = nullptr);

}  // namespace barid::app
