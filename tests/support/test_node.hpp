// A whole Barid node inside the test process: a fresh database on the chosen backend, every
// migration, the services, the API and a real HTTP server on a free loopback port.
#pragma once

#include <barid/api/api.hpp>
#include <barid/app/node.hpp>
#include <barid/http/server.hpp>
#include <barid/store/testing.hpp>

#include "http_client.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace barid::testing {

inline constexpr const char* kTestPassword = "test passphrase 2026";

class TestNode {
 public:
  // `configure` may change the node's configuration before it opens (limits, notification URLs…).
  explicit TestNode(const std::string& backend, http::ServerOptions server_options = {},
                    const std::function<void(app::Config&)>& configure = {});
  ~TestNode();

  HttpClient client() const { return HttpClient("127.0.0.1", server_->port()); }
  app::Node& node() { return *node_; }
  api::Api& api() { return *api_; }
  const std::string& database_url() const { return database_->url(); }

  // Creates a party of `kind` with `identifier` (if new) and a user with one role; returns the user id.
  std::string add_user(identity::PartyKind kind, const std::string& identifier, const std::string& login,
                       identity::Role role);
  // Logs in over HTTP and returns the bearer token.
  std::string log_in(const std::string& login, const std::string& password = kTestPassword);
  std::string party_id_of(const std::string& login);

  // The node's clock runs this far ahead of the real one, so tests pass days without waiting.
  void advance_clock(std::int64_t ms) { clock_offset_ms_ += ms; }
  std::int64_t clock_ms() const;
  const std::string& data_dir() const { return data_dir_; }

 private:
  std::unique_ptr<store::testing::TestDatabase> database_;
  std::string data_dir_;
  std::unique_ptr<app::Node> node_;
  std::unique_ptr<api::Api> api_;
  std::unique_ptr<http::Server> server_;
  std::thread server_thread_;
  std::atomic<std::int64_t> clock_offset_ms_{0};
};

}  // namespace barid::testing
