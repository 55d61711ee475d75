#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace barid::testing {

std::string bin_dir() {
  if (const char* dir = std::getenv("BARID_BIN_DIR"); dir != nullptr && *dir != '\0') return dir;
  return BARID_BIN_DIR;
}

namespace {

std::vector<char*> argv_of(const std::string& program, const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  return argv;
}

void read_all(int fd, std::string& out) {
  char buffer[4096];
  while (true) {
    const auto n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace

CommandResult run_command(const std::string& program, const std::vector<std::string>& args, const std::string& input) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe(in_pipe) != 0 || ::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) throw std::runtime_error("pipe failed");
  auto argv = argv_of(program, args);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (!input.empty()) (void)!::write(in_pipe[1], input.data(), input.size());
  ::close(in_pipe[1]);
  CommandResult result;
  std::thread errors_reader([&] { read_all(err_pipe[0], result.errors); });
  read_all(out_pipe[0], result.output);
  errors_reader.join();
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

ServerProcess::ServerProcess(std::vector<std::string> args) {
  args.push_back("--listen");
  args.push_back("127.0.0.1:0");
  const std::string program = bin_dir() + "/baridd";
  int out_pipe[2];
  if (::pipe(out_pipe) != 0) throw std::runtime_error("pipe failed");
  auto argv = argv_of(program, args);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out_pipe[1], 1);
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  running_ = true;
  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  const std::string marker = "listening on http";
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd waiting{out_pipe[0], POLLIN, 0};
    if (::poll(&waiting, 1, 200) > 0) {
      char buffer[512];
      const auto n = ::read(out_pipe[0], buffer, sizeof buffer);
      if (n <= 0) break;
      output.append(buffer, static_cast<std::size_t>(n));
      const auto at = output.find(marker);
      const auto line_end = output.find('\n', at == std::string::npos ? 0 : at);
      if (at != std::string::npos && line_end != std::string::npos) {
        const std::string line = output.substr(at, line_end - at);
        const auto colon = line.find(':', line.find("//"));
        port_ = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
        break;
      }
    }
  }
  ::close(out_pipe[0]);
  if (port_ == 0) {
    kill_hard();
    throw std::runtime_error("baridd did not start; it printed: " + output);
  }
}

ServerProcess::~ServerProcess() {
  if (running_) terminate();
}

int ServerProcess::terminate() {
  if (!running_) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      running_ = false;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill_hard();
  return -1;
}

void ServerProcess::kill_hard() {
  if (!running_) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  running_ = false;
}

}  // namespace barid::testing
