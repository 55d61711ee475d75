// The composition root: opens the store named by the configuration, applies the migrations of
// every module, and builds the services. Shared by the server (baridd) and the CLI (barid).
#pragma once

#include <barid/core/result.hpp>
#include <barid/identity/identity.hpp>
#include <barid/store/store.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace barid::app {

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string data_dir = "var/data";
  std::string database;  // empty: sqlite:<data_dir>/barid.db
  std::string tls_certificate_file;
  std::string tls_private_key_file;
  std::string log_file;  // empty: standard error
  int threads = 0;
  int store_connections = 8;
  std::size_t max_body_bytes = 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  int request_timeout_ms = 30'000;
  int max_connections = 4096;
  bool trust_forwarded_for = false;
  std::string password_cost = "interactive";  // or "fast_for_tests"

  std::string database_url() const;
};

// Reads a TOML file into `config` (keys as in Config, e.g. listen = "0.0.0.0:8443").
Status load_config_file(const std::string& path, Config& config);
// Applies BARID_LISTEN, BARID_DATA_DIR, BARID_DATABASE, BARID_TLS_CERT, BARID_TLS_KEY, BARID_LOG_FILE.
void apply_environment(Config& config);

// Every module's migrations, in version order.
std::vector<store::Migration> all_migrations();

class Node {
 public:
  // Opens the store and, when `migrate` is set, applies pending migrations. Fails when the data
  // directory cannot be made or the database is newer than this binary.
  static Result<std::unique_ptr<Node>> open(const Config& config, bool migrate);

  store::Store& store() { return *store_; }
  identity::IdentityService& identity() { return *identity_; }
  const std::vector<store::Migration>& migrations() const { return migrations_; }
  const Config& config() const { return config_; }

 private:
  Config config_;
  std::vector<store::Migration> migrations_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<identity::IdentityService> identity_;
};

// Demo parties and users for every role, with one shared password; skips those that exist.
struct DemoLogin {
  std::string login;
  std::string role;
  std::string who;
};
inline constexpr const char* kDemoPassword = "barid-demo-password";
Result<std::vector<DemoLogin>> seed_demo_data(Node& node);

}  // namespace barid::app
