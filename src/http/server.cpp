// The network half of the HTTP module: an Asio acceptor, one session per connection (plain or TLS,
// the same template), limits answered with JSON errors, and a drain on shutdown. All Beast and Asio
// networking code lives in this file so the rest of the tree never compiles it.
//
// Threading: one io_context per worker thread. The acceptor hands each new connection to the next
// context in turn, and the connection lives on that one thread for good, so it needs no strand and
// its handlers never contend for a shared scheduler. Sockets and timers are bound to the concrete
// io_context executor rather than the type-erased any_io_executor. A connection reads with plain
// async_read_some and feeds Beast's parser itself, writes a response head it formats itself, and
// keeps one lazily re-armed timer against a deadline (see set_deadline()).
#include "request_conversion.hpp"

#include <barid/http/request_decoding.hpp>
#include <barid/http/server.hpp>

#include <openssl/ssl.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_map>

namespace barid::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = beast::http;
using tcp = asio::ip::tcp;
using detail::Rejection;
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using PlainStream = Socket;
using TlsStream = beast::ssl_stream<Socket>;
using Timer =
    asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>, Executor>;
using Clock = std::chrono::steady_clock;
using Milliseconds = std::chrono::milliseconds;

// How long a connection we are closing may keep sending before we stop listening: long enough for
// the client to read our last answer instead of getting a reset, short enough not to hold sockets.
constexpr Milliseconds kLingerTime{1000};
constexpr std::size_t kMaxLingerBytes = 256 * 1024;
// The first read of a request; Beast grows the buffer as the parser needs more.
constexpr std::size_t kFirstReadBytes = 4096;
// The most one read asks for; the parser's limits bound what a request may use in total.
constexpr std::size_t kMaxReadBytes = 64 * 1024;
// How often shutdown checks whether every connection has finished.
constexpr Milliseconds kShutdownPollInterval{20};

Socket& socket_of(PlainStream& stream) {
  return stream;
}
Socket& socket_of(TlsStream& stream) {
  return stream.next_layer();
}

std::string address_text(const Socket& socket) {
  beast::error_code error;
  const auto endpoint = socket.remote_endpoint(error);
  if (error) return {};
  auto address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

bool is_token_char(char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_valid_header(const Header& header) {
  if (header.name.empty() || !std::all_of(header.name.begin(), header.name.end(), is_token_char)) return false;
  // A CR or LF in a value would let the handler's data split the response.
  return std::none_of(header.value.begin(), header.value.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool iequals(std::string_view a, std::string_view b) {
  return beast::iequals(beast::string_view(a.data(), a.size()), beast::string_view(b.data(), b.size()));
}

void append_number(std::string& out, std::size_t value) {
  char digits[24];
  char* end = digits + sizeof digits;
  char* begin = end;
  do {
    *--begin = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  out.append(begin, end);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

// Formats the wire response head into `head` (reusing its storage) and moves the body into `body`.
// The same fields, order and framing Beast's serializer produced. `keep_alive` may be turned off by
// a handler's own "Connection: close".
void to_wire_response(Response&& response, const std::string& request_id, const std::string& server_header,
                      unsigned version, bool is_head, bool& keep_alive, std::string& head, std::string& body) {
  const bool http10 = version == 10;
  // A handler answering 1xx or a nonsense code would break framing; that is a defect, not a reply.
  const int status = (response.status < 200 || response.status > 599) ? 500 : response.status;
  head.clear();
  head.append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  append_number(head, static_cast<std::size_t>(status));
  head.push_back(' ');
  const auto reason = beast_http::obsolete_reason(static_cast<beast_http::status>(status));
  head.append(reason.data(), reason.size());
  head.append("\r\n");
  append_field(head, "Server", server_header);
  for (const auto& header : response.headers) {
    if (!is_valid_header(header)) continue;
    if (iequals(header.name, "Connection")) {
      if (iequals(header.value, "close")) keep_alive = false;
      continue;
    }
    if (iequals(header.name, "Content-Length") || iequals(header.name, "Transfer-Encoding") ||
        iequals(header.name, "X-Request-Id") || iequals(header.name, "Content-Type") ||
        iequals(header.name, "Server")) {
      continue;
    }
    append_field(head, header.name, header.value);
  }
  append_field(head, "X-Request-Id", request_id);
  body.clear();
  const bool body_forbidden = status == 204 || status == 304;
  if (!body_forbidden) {
    if (!response.body.empty()) append_field(head, "Content-Type", response.content_type);
    // HEAD learns the length it would have received, but not the bytes.
    head.append("Content-Length: ");
    append_number(head, response.body.size());
    head.append("\r\n");
    if (!is_head) body = std::move(response.body);
  }
  // HTTP/1.1 is persistent unless told otherwise; HTTP/1.0 only when told.
  if (!http10 && !keep_alive) head.append("Connection: close\r\n");
  if (http10 && keep_alive) head.append("Connection: keep-alive\r\n");
  head.append("\r\n");
}

class Session {
 public:
  virtual ~Session() = default;
  // Both run on the session's own io_context thread.
  virtual void begin_graceful_shutdown() = 0;
  virtual void force_close() = 0;
  virtual asio::io_context& context() = 0;
};

// Everything a session needs from its server. Declared before the sessions, defined after them.
class ServerCore {
 public:
  ServerCore(ServerOptions options, Handler handler, ProtocolObserver observer)
      : options(std::move(options)), handler(std::move(handler)), observer(std::move(observer)) {
    const int hardware = static_cast<int>(std::thread::hardware_concurrency());
    const int count = this->options.threads > 0 ? this->options.threads : std::max(4, 2 * hardware);
    contexts.reserve(static_cast<std::size_t>(count));
    // Each context is run by exactly one thread.
    for (int i = 0; i < count; ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
    acceptor.emplace(*control_context);
    accept_retry_timer.emplace(*control_context);
    shutdown_timer.emplace(*control_context);
  }
  ~ServerCore() {
    // The control context goes first: a pending accept holds a socket of a worker context.
    signals.reset();
    shutdown_timer.reset();
    accept_retry_timer.reset();
    acceptor.reset();
    control_context.reset();
    work_guards.clear();
    for (auto& context : contexts) context.reset();
  }

  void listen();
  void run(bool handle_signals);
  void stop() {
    stopping.store(true);
    asio::post(control(), [this] { begin_shutdown(); });
  }

  void report(const ProtocolEvent& event) {
    if (!observer) return;
    try {
      observer(event);
    } catch (...) {
      // An observer that fails must not take the connection with it; it only loses one event.
    }
  }
  std::uint64_t register_session(std::weak_ptr<Session> session) {
    std::lock_guard lock(sessions_mutex);
    const auto id = next_session_id++;
    sessions.emplace(id, std::move(session));
    return id;
  }
  void unregister_session(std::uint64_t id) {
    std::lock_guard lock(sessions_mutex);
    sessions.erase(id);
  }

  const ServerOptions options;
  const Handler handler;
  const ProtocolObserver observer;
  std::atomic<bool> stopping{false};
  std::atomic<int> served_connections{0};
  std::atomic<int> rejecting_connections{0};

 private:
  // The acceptor, the signal watcher and the shutdown sequence run on a context of their own, run
  // by the thread that calls run(), so a handler that blocks its worker cannot delay them.
  asio::io_context& control() { return *control_context; }
  void accept_next();
  void on_accept(beast::error_code error, Socket socket, asio::io_context& context);
  void begin_shutdown();
  void watch_shutdown();
  std::vector<std::shared_ptr<Session>> live_sessions();
  std::size_t session_count() {
    std::lock_guard lock(sessions_mutex);
    return sessions.size();
  }

  std::mutex sessions_mutex;
  std::unordered_map<std::uint64_t, std::weak_ptr<Session>> sessions;
  std::uint64_t next_session_id = 0;
  std::optional<asio::ssl::context> tls;
  bool listening = false;
  std::uint16_t bound_port = 0;

  // Declared after everything a session touches from its destructor: destroying an io_context
  // destroys the sessions still referenced by its pending handlers.
  std::unique_ptr<asio::io_context> control_context = std::make_unique<asio::io_context>(1);
  std::vector<std::unique_ptr<asio::io_context>> contexts;  // one per worker thread
  std::size_t next_context = 0;                             // on the control context
  // Keep every worker context running while connections may still arrive or drain.
  std::vector<asio::executor_work_guard<Executor>> work_guards;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry_timer;
  std::optional<asio::steady_timer> shutdown_timer;
  std::optional<asio::signal_set> signals;
  bool shutdown_started = false;  // on the control context
  bool force_closed = false;      // on the control context
  std::chrono::steady_clock::time_point shutdown_deadline;

  friend class barid::http::Server;
};

template <class Stream>
class Connection final : public Session, public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  template <class... StreamArgs>
  Connection(ServerCore& server, asio::io_context& context, bool rejecting, StreamArgs&&... stream_args)
      : server_(server),
        context_(context),
        stream_(std::forward<StreamArgs>(stream_args)...),
        timer_(context.get_executor()),
        rejecting_(rejecting),
        // The timer never needs to wait longer than the shortest phase timeout (see set_deadline()).
        timer_horizon_(std::max(1, std::min(server.options.request_timeout_ms, server.options.idle_timeout_ms))) {
    (rejecting_ ? server_.rejecting_connections : server_.served_connections).fetch_add(1);
  }
  ~Connection() override {
    server_.unregister_session(id_);
    (rejecting_ ? server_.rejecting_connections : server_.served_connections).fetch_sub(1);
  }

  void start(std::uint64_t id) {
    id_ = id;
    remote_address_ = address_text(socket_of(stream_));
    if constexpr (kTls) {
      phase_ = Phase::handshake;
      set_deadline(server_.options.request_timeout_ms, TimeoutAction::close);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code error) {
                                if (error || self->closed_) return self->close_now();
                                self->after_connect();
                              });
    } else {
      after_connect();
    }
  }

  void begin_graceful_shutdown() override {
    // A request being read or answered is in flight and may finish; its answer will say
    // "Connection: close". Everything else has nothing to lose.
    if (phase_ == Phase::idle || phase_ == Phase::handshake) close_now();
  }
  void force_close() override { close_now(); }
  asio::io_context& context() override { return context_; }

 private:
  enum class Phase { handshake, idle, reading, responding, closing };
  enum class TimeoutAction { close, answer_408 };

  void after_connect() {
    if (rejecting_) {
      return send_rejection({503, "too_many_connections", "The server has too many open connections."},
                            generate_request_id());
    }
    wait_for_request();
  }

  // Between requests the idle timeout applies; the request timeout starts with the first byte.
  void wait_for_request() {
    if (server_.stopping.load()) return close_now();
    phase_ = Phase::idle;
    if (buffer_.size() > 0) {
      begin_request();
      return parse();
    }
    set_deadline(server_.options.idle_timeout_ms, TimeoutAction::close);
    read_more();
  }

  void begin_request() {
    phase_ = Phase::reading;
    parser_.emplace();
    detail::apply_limits(*parser_, server_.options);
    header_checked_ = false;
    set_deadline(server_.options.request_timeout_ms, TimeoutAction::answer_408);
  }

  void read_more() {
    const std::size_t size = phase_ == Phase::idle ? std::max(kFirstReadBytes, buffer_.capacity() - buffer_.size())
                                                   : beast::read_size(buffer_, kMaxReadBytes);
    stream_.async_read_some(
        buffer_.prepare(size),
        [self = this->shared_from_this()](beast::error_code error, std::size_t bytes) { self->on_read(error, bytes); });
  }

  void on_read(beast::error_code error, std::size_t bytes) {
    if (closed_) return;
    if (phase_ == Phase::idle) {
      if (error) return close_now();
      buffer_.commit(bytes);
      begin_request();
      return parse();
    }
    if (error) {
      if (error == asio::error::eof) {
        // The client went away before a whole request arrived; nobody is left to answer.
        error = parser_->got_some() ? beast_http::error::partial_message : beast_http::error::end_of_stream;
      }
      return on_read_error(error);
    }
    buffer_.commit(bytes);
    parse();
  }

  // Feeds what has arrived to the parser: the header first (checked before any body is read), then
  // the body; reads more when the parser needs it.
  void parse() {
    for (;;) {
      if (!parser_->is_done()) {
        if (buffer_.size() == 0) return read_more();
        beast::error_code error;
        const std::size_t used = parser_->put(buffer_.data(), error);
        buffer_.consume(used);
        if (error == beast_http::error::need_more) return read_more();
        if (error) return on_read_error(error);
      }
      if (!header_checked_ && parser_->is_header_done()) {
        header_checked_ = true;
        if (auto rejection = detail::check_header(*parser_, server_.options)) {
          return send_rejection(*rejection, detail::request_id_for(parser_->get()));
        }
        parser_->eager(true);
        if (detail::expects_continue(*parser_)) {
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                            [self = this->shared_from_this()](beast::error_code write_error, std::size_t) {
                              if (self->closed_) return;
                              if (write_error) return self->close_now();
                              self->parse();
                            });
          return;
        }
      }
      if (parser_->is_done()) return on_request();
    }
  }

  void on_read_error(beast::error_code error) {
    if (closed_) return;
    if (timed_out_) {
      return send_rejection({408, "request_timeout", "The request did not arrive in time."}, generate_request_id());
    }
    auto rejection = detail::rejection_for_parse_error(error);
    if (!rejection) return close_now();
    // A body_limit error can come from the declared Content-Length, after the whole header.
    const bool header_complete = parser_ && error == beast_http::error::body_limit;
    send_rejection(*rejection, header_complete ? detail::request_id_for(parser_->get()) : generate_request_id());
  }

  void on_request() {
    phase_ = Phase::responding;
    auto message = parser_->release();
    parser_.reset();
    const unsigned version = message.version();
    bool keep_alive = message.keep_alive();
    const bool is_head = message.method() == beast_http::verb::head;
    const std::string request_id = detail::request_id_for(message.base());

    auto converted = detail::convert_request(std::move(message));
    if (auto* rejection = std::get_if<Rejection>(&converted)) return send_rejection(*rejection, request_id);
    Request& request = std::get<Request>(converted);
    request.remote_address = remote_address_;
    request.request_id = request_id;
    request.secure = kTls;

    Response response;
    bool handler_failed = false;
    try {
      response = server_.handler(request);
    } catch (...) {
      // The exception text may carry internals; the client only learns that it failed.
      handler_failed = true;
    }
    if (handler_failed) {
      response = error_response(500, "internal_error", "The server failed to handle the request.", request_id);
      server_.report({request_id, remote_address_, 500, "internal_error"});
    }
    // Read after the handler: a stop() that arrived while it ran still closes this connection.
    keep_alive = keep_alive && !server_.stopping.load();
    to_wire_response(std::move(response), request_id, server_.options.server_header, version, is_head, keep_alive,
                     head_, body_);
    write_response(keep_alive);
  }

  void send_rejection(const Rejection& rejection, const std::string& request_id) {
    server_.report({request_id, remote_address_, rejection.status, rejection.code});
    phase_ = Phase::responding;
    parser_.reset();
    bool keep_alive = false;
    to_wire_response(error_response(rejection.status, rejection.code, rejection.message, request_id), request_id,
                     server_.options.server_header, 11, false, keep_alive, head_, body_);
    write_response(false);
  }

  void write_response(bool keep_alive) {
    // Bounded so a client that stops reading cannot pin the connection; at least a second so a
    // short request timeout does not also cut ordinary answers.
    set_deadline(std::max(server_.options.request_timeout_ms, 1000), TimeoutAction::close);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(head_), asio::buffer(body_)};
    asio::async_write(stream_, buffers,
                      [self = this->shared_from_this(), keep_alive](beast::error_code error, std::size_t) {
                        if (self->closed_) return;
                        if (error) return self->close_now();
                        if (!keep_alive) return self->close_gracefully();
                        self->wait_for_request();
                      });
  }

  // Closing right after writing, with unread request bytes queued, makes the kernel send a reset
  // that can destroy our answer before the client reads it; so stop sending, then drain briefly.
  void close_gracefully() {
    phase_ = Phase::closing;
    set_deadline(static_cast<int>(kLingerTime.count()), TimeoutAction::close);
    if constexpr (kTls) {
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) { self->close_now(); });
    } else {
      beast::error_code ignored;
      socket_of(stream_).shutdown(tcp::socket::shutdown_send, ignored);
      drain();
    }
  }

  void drain() {
    stream_.async_read_some(asio::buffer(drain_buffer_),
                            [self = this->shared_from_this()](beast::error_code error, std::size_t bytes) {
                              self->drained_bytes_ += bytes;
                              if (error || self->closed_ || self->drained_bytes_ > kMaxLingerBytes) {
                                return self->close_now();
                              }
                              self->drain();
                            });
  }

  void close_now() {
    if (closed_) return;
    closed_ = true;
    // Releases the timer's hold on this connection.
    ++timer_generation_;
    timer_waiting_ = false;
    timer_.cancel();
    beast::error_code ignored;
    socket_of(stream_).shutdown(tcp::socket::shutdown_both, ignored);
    socket_of(stream_).close(ignored);
  }

  // One deadline per connection, moved at every phase change, and one timer that is re-armed only
  // when the new deadline comes before the timer's expiry. The timer never waits longer than the
  // shortest phase timeout (`timer_horizon_`), so a phase that starts later always ends after the
  // timer's expiry: in steady keep-alive traffic a request arms no timer at all. When the timer
  // fires short of the deadline it waits again.
  void set_deadline(int timeout_ms, TimeoutAction action) {
    timed_out_ = false;
    const auto now = Clock::now();
    deadline_ = now + Milliseconds(timeout_ms);
    deadline_action_ = action;
    if (!timer_waiting_ || deadline_ < timer_expiry_) arm_timer(std::min(deadline_, now + timer_horizon_));
  }
  void arm_timer(Clock::time_point expiry) {
    timer_waiting_ = true;
    timer_expiry_ = expiry;
    const auto generation = ++timer_generation_;
    timer_.expires_at(expiry);
    timer_.async_wait(
        [self = this->shared_from_this(), generation](beast::error_code error) { self->on_timer(error, generation); });
  }
  void on_timer(beast::error_code error, std::uint64_t generation) {
    if (generation != timer_generation_) return;  // superseded by a later arm_timer()
    timer_waiting_ = false;
    if (error || closed_) return;
    const auto now = Clock::now();
    if (now < deadline_) return arm_timer(std::min(deadline_, now + timer_horizon_));
    if (deadline_action_ == TimeoutAction::close) return close_now();
    // Cancelling the read lets its handler answer 408 on a still-open connection.
    timed_out_ = true;
    beast::error_code ignored;
    socket_of(stream_).cancel(ignored);
  }

  ServerCore& server_;
  asio::io_context& context_;
  Stream stream_;
  Timer timer_;
  const bool rejecting_;
  const Milliseconds timer_horizon_;
  std::uint64_t id_ = 0;
  std::string remote_address_;
  beast::flat_buffer buffer_;
  std::optional<detail::RequestParser> parser_;
  bool header_checked_ = false;
  std::string head_;  // reused across keep-alive requests
  std::string body_;
  Phase phase_ = Phase::idle;
  Clock::time_point deadline_;
  TimeoutAction deadline_action_ = TimeoutAction::close;
  Clock::time_point timer_expiry_;
  bool timer_waiting_ = false;
  std::uint64_t timer_generation_ = 0;
  bool timed_out_ = false;
  bool closed_ = false;
  std::array<char, 4096> drain_buffer_{};
  std::size_t drained_bytes_ = 0;
};

[[noreturn]] void throw_listen_error(const ServerOptions& options, const std::string& reason) {
  throw std::runtime_error("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " + reason);
}

asio::ssl::context make_tls_context(const ServerOptions& options) {
  asio::ssl::context context(asio::ssl::context::tls_server);
  context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                      asio::ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  beast::error_code error;
  context.use_certificate_chain_file(options.tls_certificate_file, error);
  if (error) {
    throw std::runtime_error("cannot load TLS certificate " + options.tls_certificate_file + ": " + error.message());
  }
  context.use_private_key_file(options.tls_private_key_file, asio::ssl::context::pem, error);
  if (error) {
    throw std::runtime_error("cannot load TLS private key " + options.tls_private_key_file + ": " + error.message());
  }
  if (SSL_CTX_check_private_key(context.native_handle()) != 1) {
    throw std::runtime_error("TLS private key " + options.tls_private_key_file + " does not match certificate " +
                             options.tls_certificate_file);
  }
  return context;
}

}  // namespace

void ServerCore::listen() {
  if (listening) return;
  if (options.tls_certificate_file.empty() != options.tls_private_key_file.empty()) {
    throw std::runtime_error("TLS needs both tls_certificate_file and tls_private_key_file");
  }
  if (!options.tls_certificate_file.empty()) tls.emplace(make_tls_context(options));

  beast::error_code error;
  tcp::endpoint endpoint;
  const auto address = asio::ip::make_address(options.host, error);
  if (!error) {
    endpoint = tcp::endpoint(address, options.port);
  } else {
    tcp::resolver resolver(control());
    const auto results = resolver.resolve(options.host, std::to_string(options.port), error);
    if (error) throw_listen_error(options, error.message());
    if (results.empty()) throw_listen_error(options, "the host has no address");
    endpoint = results.begin()->endpoint();
  }
  auto fail_if = [&](const beast::error_code& step_error) {
    if (!step_error) return;
    beast::error_code ignored;
    acceptor->close(ignored);
    throw_listen_error(options, step_error.message());
  };
  acceptor->open(endpoint.protocol(), error);
  fail_if(error);
  acceptor->set_option(asio::socket_base::reuse_address(true), error);
  fail_if(error);
  acceptor->bind(endpoint, error);
  fail_if(error);
  acceptor->listen(asio::socket_base::max_listen_connections, error);
  fail_if(error);
  bound_port = acceptor->local_endpoint().port();
  listening = true;
}

void ServerCore::run(bool handle_signals) {
  listen();
  work_guards.clear();
  for (auto& context : contexts) work_guards.push_back(asio::make_work_guard(*context));
  if (handle_signals) {
    signals.emplace(control(), SIGINT, SIGTERM);
    signals->async_wait([this](beast::error_code error, int) {
      if (error) return;
      stopping.store(true);
      begin_shutdown();
    });
  }
  asio::post(control(), [this] { accept_next(); });

  // One thread per worker context; this thread runs the control context.
  std::vector<std::thread> workers;
  workers.reserve(contexts.size());
  for (auto& context : contexts) workers.emplace_back([context = context.get()] { context->run(); });
  control().run();
  for (auto& worker : workers) worker.join();
}

void ServerCore::accept_next() {
  if (shutdown_started) return;
  // Round-robin: the accepted socket belongs to the context it will live on.
  auto& context = *contexts[next_context];
  next_context = (next_context + 1) % contexts.size();
  acceptor->async_accept(context, [this, &context](beast::error_code error, Socket socket) {
    on_accept(error, std::move(socket), context);
  });
}

void ServerCore::on_accept(beast::error_code error, Socket socket, asio::io_context& context) {
  if (shutdown_started || !acceptor->is_open()) return;
  if (error) {
    if (error == asio::error::operation_aborted) return;
    // Out of descriptors or memory: retrying at once would spin, so wait a moment.
    accept_retry_timer->expires_after(Milliseconds(50));
    accept_retry_timer->async_wait([this](beast::error_code wait_error) {
      if (!wait_error) accept_next();
    });
    return;
  }
  const bool rejecting = served_connections.load() >= options.max_connections;
  // Answering 503 costs a little too: with as many refusals pending as the limit allows
  // connections (or 16), further ones are closed without a word.
  if (rejecting && rejecting_connections.load() >= std::max(options.max_connections, 16)) {
    beast::error_code ignored;
    socket.close(ignored);
    return accept_next();
  }
  auto start = [&context, this](auto connection) {
    const auto id = register_session(connection);
    // Start on the connection's own thread: its timer may fire before start() would return here.
    asio::post(context, [connection = std::move(connection), id] { connection->start(id); });
  };
  if (tls) {
    start(std::make_shared<Connection<TlsStream>>(*this, context, rejecting, std::move(socket), *tls));
  } else {
    start(std::make_shared<Connection<PlainStream>>(*this, context, rejecting, std::move(socket)));
  }
  accept_next();
}

std::vector<std::shared_ptr<Session>> ServerCore::live_sessions() {
  std::vector<std::shared_ptr<Session>> live;
  std::lock_guard lock(sessions_mutex);
  live.reserve(sessions.size());
  for (auto& [id, weak] : sessions) {
    if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  return live;
}

void ServerCore::begin_shutdown() {
  if (shutdown_started) return;
  shutdown_started = true;
  beast::error_code ignored;
  acceptor->close(ignored);
  accept_retry_timer->cancel();
  if (signals) signals->cancel(ignored);
  for (auto& session : live_sessions()) {
    asio::post(session->context(), [session] { session->begin_graceful_shutdown(); });
  }
  shutdown_deadline = std::chrono::steady_clock::now() + Milliseconds(options.shutdown_grace_ms);
  watch_shutdown();
}

// Polls rather than being told by the last session: a session's destructor may run while the
// io_context itself is being destroyed, when posting to it is no longer allowed.
void ServerCore::watch_shutdown() {
  if (session_count() == 0) {
    // Nothing left to wait for: every context returns from run() once its queue is empty.
    work_guards.clear();
    return;
  }
  if (!force_closed && std::chrono::steady_clock::now() >= shutdown_deadline) {
    force_closed = true;
    for (auto& session : live_sessions()) {
      asio::post(session->context(), [session] { session->force_close(); });
    }
  }
  shutdown_timer->expires_after(kShutdownPollInterval);
  shutdown_timer->async_wait([this](beast::error_code error) {
    if (!error) watch_shutdown();
  });
}

struct Server::Impl : ServerCore {
  using ServerCore::ServerCore;
};

Server::Server(ServerOptions options, Handler handler, ProtocolObserver observer)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(observer))) {}
Server::~Server() = default;
void Server::listen() {
  impl_->listen();
}
std::uint16_t Server::port() const {
  return impl_->bound_port;
}
void Server::run(bool handle_signals) {
  impl_->run(handle_signals);
}
void Server::stop() {
  impl_->stop();
}
int Server::open_connections() const {
  return impl_->served_connections.load();
}

}  // namespace barid::http
