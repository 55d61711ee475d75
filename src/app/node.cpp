#include <barid/app/node.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/transparency/log.hpp>

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace barid::app {

std::string Config::database_url() const {
  if (!database.empty()) return database;
  return "sqlite:" + (std::filesystem::path(data_dir) / "barid.db").string();
}

Status load_config_file(const std::string& path, Config& config) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    return invalid_input("invalid_config", "cannot read " + path + ": " + std::string(error.description()));
  }
  auto text = [&](const char* key, std::string& target) {
    if (auto value = table[key].value<std::string>()) target = *value;
  };
  auto number = [&](const char* key, auto& target) {
    if (auto value = table[key].value<std::int64_t>())
      target = static_cast<std::remove_reference_t<decltype(target)>>(*value);
  };
  text("listen", config.listen);
  text("data_dir", config.data_dir);
  text("database", config.database);
  text("tls_certificate_file", config.tls_certificate_file);
  text("tls_private_key_file", config.tls_private_key_file);
  text("log_file", config.log_file);
  text("password_cost", config.password_cost);
  number("threads", config.threads);
  number("store_connections", config.store_connections);
  number("max_body_bytes", config.max_body_bytes);
  number("max_header_bytes", config.max_header_bytes);
  number("request_timeout_ms", config.request_timeout_ms);
  number("max_connections", config.max_connections);
  if (auto value = table["trust_forwarded_for"].value<bool>()) config.trust_forwarded_for = *value;
  return {};
}

void apply_environment(Config& config) {
  auto take = [](const char* name, std::string& target) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') target = value;
  };
  take("BARID_LISTEN", config.listen);
  take("BARID_DATA_DIR", config.data_dir);
  take("BARID_DATABASE", config.database);
  take("BARID_TLS_CERT", config.tls_certificate_file);
  take("BARID_TLS_KEY", config.tls_private_key_file);
  take("BARID_LOG_FILE", config.log_file);
  take("BARID_PASSWORD_COST", config.password_cost);
}

std::vector<store::Migration> all_migrations() {
  std::vector<store::Migration> migrations = identity::IdentityService::migrations();
  for (auto& migration : transparency::TransparencyLog::migrations()) migrations.push_back(std::move(migration));
  std::sort(migrations.begin(), migrations.end(), [](const auto& a, const auto& b) { return a.version < b.version; });
  return migrations;
}

Result<std::unique_ptr<Node>> Node::open(const Config& config, bool migrate) {
  crypto::initialize();
  std::error_code error;
  std::filesystem::create_directories(config.data_dir, error);
  if (error) return invalid_input("data_dir_unusable", "cannot create " + config.data_dir + ": " + error.message());
  std::filesystem::permissions(config.data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, error);
  if (config.password_cost != "interactive" && config.password_cost != "fast_for_tests") {
    return invalid_input("invalid_config", "password_cost must be interactive or fast_for_tests");
  }

  auto node = std::unique_ptr<Node>(new Node());
  node->config_ = config;
  node->migrations_ = all_migrations();
  store::StoreOptions store_options;
  store_options.reader_connections = std::max(1, config.store_connections);
  try {
    node->store_ = store::Store::open(config.database_url(), store_options);
  } catch (const std::exception& failure) {
    return make_error(ErrorKind::unavailable, "store_unavailable",
                      std::string("cannot open the store: ") + failure.what());
  }
  if (migrate) {
    auto report = node->store_->migrate(node->migrations_);
    if (!report) return std::move(report).error();
  } else {
    const auto applied = node->store_->applied_migrations();
    const int newest_known = node->migrations_.empty() ? 0 : node->migrations_.back().version;
    for (const int version : applied) {
      if (version > newest_known) {
        return make_error(ErrorKind::unavailable, "database_newer_than_binary",
                          "database schema version " + std::to_string(version) +
                              " is newer than this binary (knows up to " + std::to_string(newest_known) + ")");
      }
    }
  }
  identity::IdentityOptions identity_options;
  identity_options.password_cost = config.password_cost == "fast_for_tests" ? crypto::PasswordCost::fast_for_tests
                                                                            : crypto::PasswordCost::interactive;
  node->identity_ = std::make_unique<identity::IdentityService>(*node->store_, identity_options);
  return node;
}

}  // namespace barid::app
