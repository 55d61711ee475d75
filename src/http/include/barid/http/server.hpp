// The HTTP/1.1 server behind a thin interface of Barid's own: the rest of the code sees Request,
// Response and a Handler, never the library underneath (Boost.Beast on Asio, see
// docs/decisions/0001-http-library.md). Keep-alive, limits, TLS and graceful shutdown live here.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace barid::http {

enum class Method { get, head, post, put, patch, delete_, options, other };
std::string_view method_name(Method method);

struct Header {
  std::string name;  // as received; compare case-insensitively
  std::string value;
};

struct Request {
  Method method = Method::get;
  std::string method_text;  // as received, e.g. "GET"
  std::string target;       // as received: path and query
  std::string path;         // percent-decoded path without the query
  std::string query;        // raw query string without '?'
  std::vector<Header> headers;
  std::string body;
  std::string remote_address;  // client IP, without the port
  std::string request_id;      // set by the server; also sent back as X-Request-Id
  bool secure = false;         // arrived over TLS

  // First header with this name (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
  // Decoded value of one query parameter, if present.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<Header> headers;  // extra headers; Content-Length and X-Request-Id are set by the server
  std::string body;

  void set_header(std::string name, std::string value) { headers.push_back({std::move(name), std::move(value)}); }
};

// The JSON error document every error answer carries:
// {"error":{"code":"…","message":"…","request_id":"…"}}
Response error_response(int status, std::string_view code, std::string_view message, std::string_view request_id);

using Handler = std::function<Response(Request&)>;

// Told about every answer the server produced itself, without calling the handler (malformed
// request, header or body too large, timeout, too many connections), for logs and metrics; also
// about a handler that threw, answered as 500 internal_error. Called on a worker thread; must not
// block for long, and what it throws is ignored.
struct ProtocolEvent {
  std::string request_id;
  std::string remote_address;
  int status = 0;
  std::string code;  // the error code sent, e.g. "payload_too_large"
};
using ProtocolObserver = std::function<void(const ProtocolEvent&)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;                 // 0 picks a free port; see Server::port()
  int threads = 0;                           // worker threads; 0 = max(4, 2 × hardware threads)
  std::size_t max_header_bytes = 16 * 1024;  // beyond: 431 header_too_large
  std::size_t max_body_bytes = 1024 * 1024;  // beyond: 413 payload_too_large
  // Uploads (letters with attachments, bulk files) may be larger: a POST whose path starts with one
  // of these prefixes may carry up to max_upload_body_bytes.
  std::vector<std::string> upload_path_prefixes;
  std::size_t max_upload_body_bytes = 0;
  int request_timeout_ms = 30'000;   // to receive one whole request; beyond: 408 request_timeout, closed
  int idle_timeout_ms = 60'000;      // keep-alive connection with no request in flight; closed silently
  int max_connections = 4096;        // beyond: 503 too_many_connections, closed
  int shutdown_grace_ms = 10'000;    // in-flight requests get this long after stop() before being cut
  std::string tls_certificate_file;  // PEM; both set = HTTPS only
  std::string tls_private_key_file;
  std::string server_header = "barid";
};

class Server {
 public:
  Server(ServerOptions options, Handler handler, ProtocolObserver observer = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket (throws std::runtime_error with a clear message if it cannot).
  void listen();
  // The bound port (after listen()).
  std::uint16_t port() const;
  // Serves until stop() is called or SIGTERM/SIGINT arrives (when handle_signals is true): stops
  // accepting, lets in-flight requests finish (up to shutdown_grace_ms), closes idle keep-alive
  // connections, then returns.
  void run(bool handle_signals);
  // Safe from any thread, including a handler or a signal watcher.
  void stop();

  int open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace barid::http
