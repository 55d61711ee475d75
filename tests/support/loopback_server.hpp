// The TCP part of the test sinks that play outside services (a mail server, a webhook): listens on
// 127.0.0.1 at a port the kernel picks and serves each connection on a thread of its own.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace barid::testing {

class LoopbackServer {
 public:
  // `serve(fd)` speaks the protocol on one connection; the server closes `fd` afterwards. Throws
  // std::runtime_error when it cannot listen. Declare it after everything `serve` uses, so that it
  // stops first.
  explicit LoopbackServer(std::function<void(int fd)> serve);
  ~LoopbackServer();  // stops accepting, shuts every connection down and joins its thread
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  void accept_connections();
  void run(int fd);

  std::function<void(int)> serve_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  bool stopping_ = false;
  std::vector<std::thread> connections_;
  std::vector<int> open_fds_;
  std::thread acceptor_;
};

// Sends all of `text`; false when the peer has gone.
bool send_all(int fd, const std::string& text);

}  // namespace barid::testing
