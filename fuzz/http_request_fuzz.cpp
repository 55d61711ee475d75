// Feeds arbitrary bytes to the request decoding the server uses on every connection. Small limits
// make the header, body and chunk limits reachable within a short run.
#include <barid/http/request_decoding.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const barid::http::ServerOptions limits = [] {
    barid::http::ServerOptions options;
    options.max_header_bytes = 2048;
    options.max_body_bytes = 4096;
    return options;
  }();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto result = barid::http::decode_request(bytes, limits);

  // The verdict is always one of: a request, "incomplete", or an error the server would send.
  if (result.request) {
    if (result.status != 200) std::abort();
    const auto& request = *result.request;
    if (request.path.empty() || request.path.front() != '/') std::abort();
    if (request.path.find('\0') != std::string_view::npos) std::abort();
    if (request.body.size() > limits.max_body_bytes) std::abort();
    (void)request.query_param("a");
    (void)request.header("content-type");
  } else if (result.status == 0) {
    if (result.code != "incomplete") std::abort();
  } else if (result.status < 400 || result.status > 599 || result.code.empty()) {
    std::abort();
  }
  return 0;
}
