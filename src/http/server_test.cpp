// Behaviour of the HTTP server over real sockets on 127.0.0.1: keep-alive, limits and their JSON
// answers, timeouts, connection limits, graceful stop and TLS.
#include <barid/http/request_decoding.hpp>
#include <barid/http/server.hpp>

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace barid::http {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

// --- A deliberately simple client: blocking sockets with a receive timeout so a bug hangs no test.

class Transport {
 public:
  virtual ~Transport() = default;
  virtual void send(std::string_view bytes) = 0;
  // Bytes received, or "" on orderly close, or nullopt on error or timeout.
  virtual std::optional<std::string> receive() = 0;
};

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw std::runtime_error("connect failed");
  }
  return fd;
}

class PlainTransport : public Transport {
 public:
  explicit PlainTransport(std::uint16_t port) : fd_(connect_to(port)) {}
  ~PlainTransport() override { ::close(fd_); }
  void send(std::string_view bytes) override {
    while (!bytes.empty()) {
      const auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return;  // the server may close early on purpose; replies tell the story
      bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
  }
  std::optional<std::string> receive() override {
    char chunk[8192];
    const auto got = ::recv(fd_, chunk, sizeof chunk, 0);
    if (got < 0) return std::nullopt;
    return std::string(chunk, static_cast<std::size_t>(got));
  }

 private:
  int fd_;
};

class TlsTransport : public Transport {
 public:
  explicit TlsTransport(std::uint16_t port) : fd_(connect_to(port)) {
    context_ = SSL_CTX_new(TLS_client_method());
    ssl_ = SSL_new(context_);
    SSL_set_fd(ssl_, fd_);
    if (SSL_connect(ssl_) != 1) throw std::runtime_error("TLS handshake failed");
  }
  ~TlsTransport() override {
    SSL_free(ssl_);
    SSL_CTX_free(context_);
    ::close(fd_);
  }
  void send(std::string_view bytes) override { SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())); }
  std::optional<std::string> receive() override {
    char chunk[8192];
    const int got = SSL_read(ssl_, chunk, sizeof chunk);
    if (got > 0) return std::string(chunk, static_cast<std::size_t>(got));
    const int error = SSL_get_error(ssl_, got);
    ERR_clear_error();
    if (error == SSL_ERROR_ZERO_RETURN) return std::string();
    return std::nullopt;
  }
  std::string protocol() const { return SSL_get_version(ssl_); }

 private:
  int fd_;
  SSL_CTX* context_ = nullptr;
  SSL* ssl_ = nullptr;
};

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? std::string() : found->second;
  }
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

class Client {
 public:
  explicit Client(std::uint16_t port, bool tls = false) {
    if (tls) {
      transport_ = std::make_unique<TlsTransport>(port);
    } else {
      transport_ = std::make_unique<PlainTransport>(port);
    }
  }
  void send(std::string_view bytes) { transport_->send(bytes); }

  // Reads one response; nullopt if the connection ended first.
  std::optional<Reply> read_reply(bool head = false) {
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    Reply reply;
    const std::string head_text = buffer_.substr(0, header_end);
    buffer_.erase(0, header_end + 4);
    std::size_t line_end = head_text.find("\r\n");
    const std::string status_line = head_text.substr(0, line_end);
    reply.status = std::stoi(status_line.substr(status_line.find(' ') + 1, 3));
    while (line_end != std::string::npos) {
      const std::size_t start = line_end + 2;
      line_end = head_text.find("\r\n", start);
      const std::string line =
          head_text.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      reply.headers[lower(line.substr(0, colon))] = value;
    }
    const std::size_t length =
        head ? 0 : std::stoul(reply.header("content-length").empty() ? "0" : reply.header("content-length"));
    while (buffer_.size() < length) {
      if (!fill()) return std::nullopt;
    }
    reply.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return reply;
  }

  std::optional<Reply> request(const std::string& raw, bool head = false) {
    send(raw);
    return read_reply(head);
  }

  // True when the server closes the connection (and sends nothing more) before the timeout.
  bool closed_by_server() {
    if (!buffer_.empty()) return false;
    auto got = transport_->receive();
    if (!got) return true;  // reset counts as closed too
    return got->empty();
  }
  const std::string& pending() const { return buffer_; }

 private:
  bool fill() {
    auto got = transport_->receive();
    if (!got || got->empty()) return false;
    buffer_ += *got;
    return true;
  }
  std::unique_ptr<Transport> transport_;
  std::string buffer_;
};

std::string get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n";
}

// --- The server under test, run on its own thread.

class RunningServer {
 public:
  RunningServer(ServerOptions options, Handler handler, ProtocolObserver observer = {}, bool handle_signals = false) {
    options.host = "127.0.0.1";
    options.port = 0;
    if (options.threads == 0) options.threads = 4;
    server_ = std::make_unique<Server>(std::move(options), std::move(handler), std::move(observer));
    server_->listen();
    runner_ = std::async(std::launch::async, [this, handle_signals] { server_->run(handle_signals); });
  }
  ~RunningServer() {
    server_->stop();
    runner_.wait();
  }
  Server& server() { return *server_; }
  std::uint16_t port() const { return server_->port(); }
  // Stops and reports whether run() returned within `limit`.
  bool stop_and_wait(std::chrono::milliseconds limit) {
    server_->stop();
    return wait(limit);
  }
  bool wait(std::chrono::milliseconds limit) { return runner_.wait_for(limit) == std::future_status::ready; }

 private:
  std::unique_ptr<Server> server_;
  std::future<void> runner_;
};

Response text(std::string body) {
  Response response;
  response.content_type = "text/plain";
  response.body = std::move(body);
  return response;
}

Handler echo_path() {
  return [](Request& request) { return text(request.path); };
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit = 3s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

bool is_hex_id(const std::string& id) {
  return id.size() == 32 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

void expect_error_document(const Reply& reply, int status, const std::string& code) {
  EXPECT_EQ(reply.status, status);
  EXPECT_EQ(reply.header("content-type"), "application/json");
  const auto document = reply.json();
  EXPECT_EQ(document["error"]["code"], code);
  EXPECT_TRUE(document["error"]["message"].is_string());
  EXPECT_EQ(document["error"]["request_id"], reply.header("x-request-id"));
  EXPECT_FALSE(reply.header("x-request-id").empty());
}

// --- Tests.

TEST(ServerTest, ServesSeveralRequestsOnOneKeepAliveConnection) {
  RunningServer server({}, echo_path());
  Client client(server.port());
  for (const auto& path : {"/one"s, "/two"s, "/three"s}) {
    auto reply = client.request(get(path));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, path);
    EXPECT_EQ(reply->header("content-type"), "text/plain");
    EXPECT_EQ(reply->header("content-length"), std::to_string(path.size()));
    EXPECT_EQ(reply->header("server"), "barid");
    EXPECT_NE(lower(reply->header("connection")), "close");
  }
  // Pipelined requests are answered in order on the same connection.
  client.send(get("/four") + get("/five"));
  EXPECT_EQ(client.read_reply()->body, "/four");
  EXPECT_EQ(client.read_reply()->body, "/five");
  EXPECT_EQ(server.server().open_connections(), 1);
}

TEST(ServerTest, Http10RequestIsAnsweredThenClosed) {
  RunningServer server({}, echo_path());
  Client client(server.port());
  auto reply = client.request("GET /old HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "/old");
  EXPECT_TRUE(client.closed_by_server());
}

TEST(ServerTest, EveryResponseCarriesRequestId) {
  std::mutex mutex;
  std::vector<std::string> seen_by_handler;
  RunningServer server({}, [&](Request& request) {
    std::lock_guard lock(mutex);
    seen_by_handler.push_back(request.request_id);
    return text("ok");
  });
  Client client(server.port());
  auto generated = client.request(get("/"));
  ASSERT_TRUE(generated);
  EXPECT_TRUE(is_hex_id(generated->header("x-request-id"))) << generated->header("x-request-id");
  auto second = client.request(get("/"));
  EXPECT_NE(second->header("x-request-id"), generated->header("x-request-id"));

  auto reused = client.request(get("/", "X-Request-Id: trace-42.a_b\r\n"));
  EXPECT_EQ(reused->header("x-request-id"), "trace-42.a_b");
  auto replaced = client.request(get("/", "X-Request-Id: not acceptable!\r\n"));
  EXPECT_TRUE(is_hex_id(replaced->header("x-request-id")));
  auto too_long = client.request(get("/", "X-Request-Id: " + std::string(65, 'a') + "\r\n"));
  EXPECT_TRUE(is_hex_id(too_long->header("x-request-id")));

  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(seen_by_handler.size(), 5u);
    EXPECT_EQ(seen_by_handler[0], generated->header("x-request-id"));
    EXPECT_EQ(seen_by_handler[2], "trace-42.a_b");
  }
  // Answers the server makes on its own carry one too.
  Client bad(server.port());
  auto rejected = bad.request("NOT A REQUEST\r\n\r\n");
  ASSERT_TRUE(rejected);
  EXPECT_TRUE(is_hex_id(rejected->header("x-request-id")));
}

TEST(ServerTest, RejectsBodyLargerThanLimitWith413) {
  std::atomic<int> calls{0};
  ServerOptions options;
  options.max_body_bytes = 1024;
  RunningServer server(options, [&](Request&) {
    ++calls;
    return text("ok");
  });
  Client client(server.port());
  // Chunked: the size is only known while reading, so the limit must hold during the read too.
  std::string request = "POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) request += "200\r\n" + std::string(512, 'x') + "\r\n";
  request += "0\r\n\r\n";
  auto reply = client.request(request);
  ASSERT_TRUE(reply);
  expect_error_document(*reply, 413, "payload_too_large");
  EXPECT_EQ(lower(reply->header("connection")), "close");
  EXPECT_TRUE(client.closed_by_server());
  EXPECT_EQ(calls.load(), 0);

  // Exactly at the limit is fine.
  Client fits(server.port());
  auto accepted =
      fits.request("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 1024\r\n\r\n" + std::string(1024, 'y'));
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200);
}

TEST(ServerTest, RejectsDeclaredContentLengthLargerThanLimitWithoutReadingIt) {
  std::atomic<int> calls{0};
  ServerOptions options;
  options.max_body_bytes = 1024;
  RunningServer server(options, [&](Request&) {
    ++calls;
    return text("ok");
  });
  Client client(server.port());
  // Only the header is sent: the answer must come without the server waiting for 10 MB.
  const auto started = std::chrono::steady_clock::now();
  auto reply =
      client.request("PUT /big HTTP/1.1\r\nHost: test\r\nX-Request-Id: upload-1\r\nContent-Length: 10000000\r\n\r\n");
  ASSERT_TRUE(reply);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  expect_error_document(*reply, 413, "payload_too_large");
  EXPECT_EQ(reply->header("x-request-id"), "upload-1");
  EXPECT_TRUE(client.closed_by_server());
  EXPECT_EQ(calls.load(), 0);
}

TEST(ServerTest, UploadPathsMayCarryLargerBodiesAndOnlyThey) {
  std::atomic<int> calls{0};
  ServerOptions options;
  options.max_body_bytes = 1024;
  options.upload_path_prefixes = {"/api/v1/letters"};
  options.max_upload_body_bytes = 8192;
  RunningServer server(options, [&](Request& request) {
    ++calls;
    return text(std::to_string(request.body.size()));
  });
  const std::string big(4096, 'u');
  Client upload(server.port());
  auto accepted =
      upload.request("POST /api/v1/letters?x=1 HTTP/1.1\r\nHost: test\r\nContent-Length: 4096\r\n\r\n" + big);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200);
  EXPECT_EQ(accepted->body, "4096");
  // The same size elsewhere, or with another method, is refused.
  for (const std::string& head : {std::string("POST /api/v1/session"), std::string("PUT /api/v1/letters")}) {
    Client other(server.port());
    auto refused = other.request(head + " HTTP/1.1\r\nHost: test\r\nContent-Length: 4096\r\n\r\n" + big);
    ASSERT_TRUE(refused);
    expect_error_document(*refused, 413, "payload_too_large");
  }
  // A chunked upload beyond the upload limit is cut off while it is read.
  Client chunked(server.port());
  std::string request = "POST /api/v1/letters HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) request += "1000\r\n" + std::string(4096, 'c') + "\r\n";
  request += "0\r\n\r\n";
  auto cut = chunked.request(request);
  ASSERT_TRUE(cut);
  expect_error_document(*cut, 413, "payload_too_large");
  EXPECT_EQ(calls.load(), 1);
}

TEST(ServerTest, RejectsOversizedHeadersWith431) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  RunningServer server(options, echo_path());
  Client client(server.port());
  auto reply = client.request(get("/", "X-Padding: " + std::string(4000, 'p') + "\r\n"));
  ASSERT_TRUE(reply);
  expect_error_document(*reply, 431, "header_too_large");
  EXPECT_TRUE(client.closed_by_server());
}

TEST(ServerTest, RejectsMalformedRequestWith400Json) {
  RunningServer server({}, echo_path());
  for (const std::string& raw : {
           std::string("GET / HTTP/1.1\r\nHost test\r\n\r\n"),           // header without colon
           std::string("GET / HTTP/9\r\n\r\n"),                          // bad version
           std::string("GET /a%zz HTTP/1.1\r\nHost: test\r\n\r\n"),      // bad percent-encoding
           std::string("GET /a%00b HTTP/1.1\r\nHost: test\r\n\r\n"),     // decodes to NUL
           std::string("GET http://x/ HTTP/1.1\r\nHost: test\r\n\r\n"),  // not origin-form
           std::string("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
       }) {
    Client client(server.port());
    auto reply = client.request(raw);
    ASSERT_TRUE(reply) << raw;
    expect_error_document(*reply, 400, "bad_request");
    EXPECT_EQ(lower(reply->header("connection")), "close");
    EXPECT_TRUE(client.closed_by_server()) << raw;
  }
  // A transfer coding other than chunked cannot be framed, so it is refused, not guessed at.
  Client gzip(server.port());
  auto reply = gzip.request("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nabc");
  ASSERT_TRUE(reply);
  expect_error_document(*reply, 501, "unsupported_transfer_encoding");
  EXPECT_TRUE(gzip.closed_by_server());
}

TEST(ServerTest, TimesOutSlowRequestWith408) {
  ServerOptions options;
  options.request_timeout_ms = 300;
  std::atomic<int> calls{0};
  RunningServer server(options, [&](Request&) {
    ++calls;
    return text("ok");
  });
  Client client(server.port());
  const auto started = std::chrono::steady_clock::now();
  client.send("GET /slow HTTP/1.1\r\nHost: te");  // and never the rest
  auto reply = client.read_reply();
  ASSERT_TRUE(reply);
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 3s);
  expect_error_document(*reply, 408, "request_timeout");
  EXPECT_TRUE(client.closed_by_server());
  EXPECT_EQ(calls.load(), 0);
}

TEST(ServerTest, ClosesIdleKeepAliveConnectionSilentlyAfterIdleTimeout) {
  ServerOptions options;
  options.idle_timeout_ms = 200;
  options.request_timeout_ms = 10'000;
  RunningServer server(options, echo_path());
  Client client(server.port());
  ASSERT_EQ(client.request(get("/"))->status, 200);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_TRUE(client.pending().empty());
}

TEST(ServerTest, RefusesConnectionsBeyondLimitWith503) {
  ServerOptions options;
  options.max_connections = 2;
  RunningServer server(options, echo_path());
  auto first = std::make_unique<Client>(server.port());
  Client second(server.port());
  ASSERT_EQ(first->request(get("/"))->status, 200);
  ASSERT_EQ(second.request(get("/"))->status, 200);
  EXPECT_EQ(server.server().open_connections(), 2);

  Client third(server.port());
  auto refused = third.request(get("/"));
  ASSERT_TRUE(refused);
  expect_error_document(*refused, 503, "too_many_connections");
  EXPECT_TRUE(third.closed_by_server());

  // Room again once a connection ends.
  first.reset();
  ASSERT_TRUE(wait_until([&] { return server.server().open_connections() == 1; }));
  Client fourth(server.port());
  EXPECT_EQ(fourth.request(get("/"))->status, 200);
}

TEST(ServerTest, GracefulStopFinishesInFlightRequest) {
  std::atomic<bool> handler_started{false};
  RunningServer server({}, [&](Request&) {
    handler_started = true;
    std::this_thread::sleep_for(500ms);
    return text("finished");
  });
  Client client(server.port());
  client.send(get("/slow"));
  ASSERT_TRUE(wait_until([&] { return handler_started.load(); }));
  const auto stopped_at = std::chrono::steady_clock::now();
  const bool returned = server.stop_and_wait(5s);
  auto reply = client.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "finished");
  EXPECT_EQ(lower(reply->header("connection")), "close");
  EXPECT_TRUE(returned);
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, 3s);
  EXPECT_TRUE(client.closed_by_server());
}

TEST(ServerTest, GracefulStopCutsRequestsThatOutliveTheGracePeriod) {
  ServerOptions options;
  options.shutdown_grace_ms = 200;
  RunningServer server(options, echo_path());
  Client client(server.port());
  client.send("GET /never-finished HTTP/1.1\r\n");  // in flight, but it never completes
  std::this_thread::sleep_for(100ms);
  const auto stopped_at = std::chrono::steady_clock::now();
  EXPECT_TRUE(server.stop_and_wait(5s));
  EXPECT_GE(std::chrono::steady_clock::now() - stopped_at, 150ms);
  EXPECT_TRUE(client.closed_by_server());
}

TEST(ServerTest, StopClosesIdleKeepAliveConnections) {
  RunningServer server({}, echo_path());
  Client idle(server.port());
  ASSERT_EQ(idle.request(get("/"))->status, 200);
  Client never_spoke(server.port());
  ASSERT_TRUE(wait_until([&] { return server.server().open_connections() == 2; }));
  const auto stopped_at = std::chrono::steady_clock::now();
  EXPECT_TRUE(server.stop_and_wait(3s));
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, 1s);
  EXPECT_TRUE(idle.closed_by_server());
  EXPECT_TRUE(never_spoke.closed_by_server());
  // Nobody listens any more.
  EXPECT_THROW(Client(server.port()).request(get("/")).value(), std::exception);
}

TEST(ServerTest, SigtermStopsServerWhenHandlingSignals) {
  std::atomic<bool> handler_started{false};
  RunningServer server(
      {},
      [&](Request&) {
        handler_started = true;
        std::this_thread::sleep_for(200ms);
        return text("finished");
      },
      {}, /*handle_signals=*/true);
  Client client(server.port());
  // The signal watcher is installed before the first connection is accepted.
  client.send(get("/"));
  ASSERT_TRUE(wait_until([&] { return handler_started.load(); }));
  std::raise(SIGTERM);
  auto reply = client.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "finished");
  EXPECT_EQ(lower(reply->header("connection")), "close");
  EXPECT_TRUE(client.closed_by_server());
  EXPECT_TRUE(server.wait(3s));
}

class TlsFiles {
 public:
  TlsFiles() {
    directory_ = std::filesystem::temp_directory_path() / ("barid-http-tls-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory_);
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=localhost -keyout '" +
        key() + "' -out '" + certificate() + "' >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) throw std::runtime_error("openssl req failed");
  }
  ~TlsFiles() {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
  std::string certificate() const { return (directory_ / "cert.pem").string(); }
  std::string key() const { return (directory_ / "key.pem").string(); }

 private:
  std::filesystem::path directory_;
};

TEST(ServerTest, ServesHttpsWhenCertificateIsConfigured) {
  TlsFiles files;
  ServerOptions options;
  options.tls_certificate_file = files.certificate();
  options.tls_private_key_file = files.key();
  options.request_timeout_ms = 300;
  std::atomic<bool> saw_secure{false};
  RunningServer server(options, [&](Request& request) {
    saw_secure = request.secure;
    return text("over tls " + request.path);
  });
  Client client(server.port(), /*tls=*/true);
  for (int i = 0; i < 2; ++i) {
    auto reply = client.request(get("/secret"));
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, "over tls /secret");
    EXPECT_FALSE(reply->header("x-request-id").empty());
  }
  EXPECT_TRUE(saw_secure.load());

  // Limits answer over TLS the same way.
  Client limited(server.port(), /*tls=*/true);
  auto rejected = limited.request("GET /a%zz HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(rejected);
  expect_error_document(*rejected, 400, "bad_request");

  Client slow(server.port(), /*tls=*/true);
  slow.send("GET / HTTP/1.1\r\n");
  auto timed_out = slow.read_reply();
  ASSERT_TRUE(timed_out);
  expect_error_document(*timed_out, 408, "request_timeout");

  // Plain HTTP on the TLS port is never served.
  Client plain(server.port());
  plain.send(get("/secret"));
  auto answer = plain.read_reply();
  EXPECT_TRUE(!answer || answer->status != 200);
}

TEST(ServerTest, ListenFailsClearlyOnMissingTlsFiles) {
  TlsFiles files;
  ServerOptions options;
  options.port = 0;
  options.tls_certificate_file = "/nonexistent/cert.pem";
  options.tls_private_key_file = files.key();
  Server missing_certificate(options, echo_path());
  try {
    missing_certificate.listen();
    FAIL() << "listen() accepted a missing certificate";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/cert.pem"), std::string::npos) << error.what();
  }
  options.tls_certificate_file = files.certificate();
  options.tls_private_key_file = "";
  Server half_configured(options, echo_path());
  EXPECT_THROW(half_configured.listen(), std::runtime_error);
}

TEST(ServerTest, ListenFailsClearlyOnPortInUse) {
  RunningServer first({}, echo_path());
  ServerOptions options;
  options.port = first.port();
  Server second(options, echo_path());
  try {
    second.listen();
    FAIL() << "listen() succeeded on a port in use";
  } catch (const std::runtime_error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("cannot listen on 127.0.0.1:" + std::to_string(first.port()) + ": "), std::string::npos)
        << message;
    EXPECT_NE(lower(message).find("in use"), std::string::npos) << message;
  }
}

TEST(ServerTest, DecodesPercentEncodedPathAndQueryParams) {
  std::mutex mutex;
  Request seen;
  RunningServer server({}, [&](Request& request) {
    std::lock_guard lock(mutex);
    seen = request;
    return text("ok");
  });
  Client client(server.port());
  ASSERT_EQ(
      client.request(get("/letters/caf%C3%A9%20x%2Fy?q=a+b%26c&empty=&flag&n%61me=v%3D1", "X-Mixed-Case: yes\r\n"))
          ->status,
      200);
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen.method, Method::get);
  EXPECT_EQ(seen.method_text, "GET");
  EXPECT_EQ(seen.target, "/letters/caf%C3%A9%20x%2Fy?q=a+b%26c&empty=&flag&n%61me=v%3D1");
  EXPECT_EQ(seen.path, "/letters/caf\xC3\xA9 x/y");
  EXPECT_EQ(seen.query, "q=a+b%26c&empty=&flag&n%61me=v%3D1");
  EXPECT_EQ(seen.query_param("q"), "a b&c");
  EXPECT_EQ(seen.query_param("empty"), "");
  EXPECT_EQ(seen.query_param("flag"), "");
  EXPECT_EQ(seen.query_param("name"), "v=1");
  EXPECT_EQ(seen.query_param("missing"), std::nullopt);
  EXPECT_EQ(seen.header("x-mixed-case"), "yes");
  EXPECT_EQ(seen.header("HOST"), "test");
  EXPECT_EQ(seen.header("absent"), std::nullopt);
  EXPECT_EQ(seen.remote_address, "127.0.0.1");
  EXPECT_FALSE(seen.secure);
}

TEST(ServerTest, HeadGetsNoBody) {
  RunningServer server({}, [](Request&) { return text("twelve bytes"); });
  Client client(server.port());
  auto head = client.request("HEAD /thing HTTP/1.1\r\nHost: test\r\n\r\n", /*head=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "12");
  EXPECT_TRUE(head->body.empty());
  // Had a body been sent, it would now be read as the start of the next response.
  auto next = client.request(get("/thing"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "twelve bytes");
}

TEST(ServerTest, ChunkedBodyIsAccepted) {
  RunningServer server({}, [](Request& request) { return text("got:" + request.body); });
  Client client(server.port());
  auto reply = client.request(
      "POST /letters HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "got:hello world");
  // The connection stays usable after a chunked body.
  EXPECT_EQ(client.request(get("/"))->status, 200);
}

TEST(ServerTest, ExpectContinueGetsInterimResponse) {
  RunningServer server({}, [](Request& request) { return text("got:" + request.body); });
  Client client(server.port());
  client.send("POST /letters HTTP/1.1\r\nHost: test\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  auto interim = client.read_reply(/*head=*/true);
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  client.send("body");
  auto reply = client.read_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->body, "got:body");
}

TEST(ServerTest, HandlerExceptionBecomes500WithoutDetails) {
  std::vector<ProtocolEvent> events;
  std::mutex mutex;
  RunningServer server(
      {}, [](Request&) -> Response { throw std::runtime_error("secret database password in message"); },
      [&](const ProtocolEvent& event) {
        std::lock_guard lock(mutex);
        events.push_back(event);
      });
  Client client(server.port());
  auto reply = client.request(get("/boom"));
  ASSERT_TRUE(reply);
  expect_error_document(*reply, 500, "internal_error");
  EXPECT_EQ(reply->body.find("secret"), std::string::npos);
  EXPECT_EQ(reply->body.find("password"), std::string::npos);
  // The connection survives: the failure was the handler's, not the protocol's.
  EXPECT_EQ(client.request(get("/boom"))->status, 500);
  std::lock_guard lock(mutex);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].status, 500);
  EXPECT_EQ(events[0].request_id, reply->header("x-request-id"));
}

TEST(ServerTest, ProtocolObserverSeesServerGeneratedErrors) {
  std::vector<ProtocolEvent> events;
  std::mutex mutex;
  ServerOptions options;
  options.max_body_bytes = 10;
  options.max_header_bytes = 512;
  options.max_connections = 1;
  RunningServer server(options, echo_path(), [&](const ProtocolEvent& event) {
    std::lock_guard lock(mutex);
    events.push_back(event);
  });
  std::vector<std::pair<int, std::string>> sent;  // status, request id as the client saw them
  auto record = [&](const std::optional<Reply>& reply) {
    ASSERT_TRUE(reply);
    sent.emplace_back(reply->status, reply->header("x-request-id"));
  };
  {
    Client client(server.port());
    record(client.request("garbage\r\n\r\n"));
  }
  ASSERT_TRUE(wait_until([&] { return server.server().open_connections() == 0; }));
  {
    Client client(server.port());
    record(client.request("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n"));
  }
  ASSERT_TRUE(wait_until([&] { return server.server().open_connections() == 0; }));
  {
    Client client(server.port());
    record(client.request(get("/", "X-Big: " + std::string(1000, 'b') + "\r\n")));
  }
  ASSERT_TRUE(wait_until([&] { return server.server().open_connections() == 0; }));
  {
    Client holder(server.port());
    ASSERT_EQ(holder.request(get("/"))->status, 200);
    Client refused(server.port());
    record(refused.request(get("/")));
  }
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(mutex);
    return events.size() >= 4;
  }));
  std::lock_guard lock(mutex);
  ASSERT_EQ(events.size(), 4u);  // the successful request is not an event
  const std::vector<std::pair<int, std::string>> expected = {
      {400, "bad_request"}, {413, "payload_too_large"}, {431, "header_too_large"}, {503, "too_many_connections"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(events[i].status, expected[i].first);
    EXPECT_EQ(events[i].code, expected[i].second);
    EXPECT_EQ(events[i].status, sent[i].first);
    EXPECT_EQ(events[i].request_id, sent[i].second);
    EXPECT_EQ(events[i].remote_address, "127.0.0.1");
  }
}

TEST(ServerTest, RunReturnsWhenStoppedBeforeItStarts) {
  ServerOptions options;
  options.port = 0;
  Server server(options, echo_path());
  server.listen();
  server.stop();
  auto runner = std::async(std::launch::async, [&] { server.run(false); });
  EXPECT_EQ(runner.wait_for(3s), std::future_status::ready);
}

}  // namespace
}  // namespace barid::http
