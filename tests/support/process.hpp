// Runs the real programs, baridd and barid, from the build's bin directory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace barid::testing {

std::string bin_dir();  // BARID_BIN_DIR, set by the test runner

struct CommandResult {
  int exit_code = -1;
  std::string output;  // standard output
  std::string errors;  // standard error
};

// Runs a program to completion, feeding `input` on standard input.
CommandResult run_command(const std::string& program, const std::vector<std::string>& args,
                          const std::string& input = "");

// A baridd process started with the given arguments plus --listen 127.0.0.1:0; waits until it
// prints its URL. Stopped with SIGTERM (or killed) when destroyed.
class ServerProcess {
 public:
  explicit ServerProcess(std::vector<std::string> args);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::uint16_t port() const { return port_; }
  int pid() const { return pid_; }
  // Sends SIGTERM and waits; returns the exit status (or -1 if it did not exit in time).
  int terminate();
  // SIGKILL, as a crash or power loss would.
  void kill_hard();

 private:
  int pid_ = -1;
  std::uint16_t port_ = 0;
  bool running_ = false;
};

}  // namespace barid::testing
