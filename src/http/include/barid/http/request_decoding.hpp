// Turning raw request bytes into a Request, exactly as the server does it (same parser, same limits,
// same path decoding), so the fuzzer and the tests exercise the code that faces the network.
#pragma once

#include <barid/http/server.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace barid::http {

struct DecodeResult {
  std::optional<Request> request;  // set when the bytes hold one complete, acceptable request
  int status = 0;                  // the error status the server would answer with; 0 = incomplete
  std::string code;                // the error code the server would send ("bad_request", …)
};

// Decodes the first request in `raw_bytes`. Bytes after it are ignored. When the bytes end before
// the request does, the result has no request, status 0 and code "incomplete".
DecodeResult decode_request(std::string_view raw_bytes, const ServerOptions& limits);

// Percent-decodes `text` ('+' too, as a space, when `plus_is_space`); nullopt when an escape is
// malformed or decodes to NUL, which no path or parameter may contain.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// Whether a client-supplied X-Request-Id may be reused: ^[A-Za-z0-9._-]{1,64}$.
bool is_acceptable_request_id(std::string_view id);
// 16 random bytes as 32 lowercase hex digits.
std::string generate_request_id();

}  // namespace barid::http
