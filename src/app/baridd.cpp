// baridd: the Barid server. Configuration comes from a TOML file, then the environment, then flags.
#include <barid/api/api.hpp>
#include <barid/app/node.hpp>
#include <barid/core/log.hpp>
#include <barid/documents/pdf.hpp>
#include <barid/http/server.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

namespace {

bool split_listen(const std::string& listen, std::string& host, std::uint16_t& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 >= listen.size()) return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  try {
    const int value = std::stoi(listen.substr(colon + 1));
    if (value < 0 || value > 65535) return false;
    port = static_cast<std::uint16_t>(value);
  } catch (const std::exception&) {
    return false;
  }
  return !host.empty();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace barid;
  app::tune_memory_allocator();
  CLI::App cli{"baridd — the Barid digital post server"};
  std::string config_file;
  app::Config config;
  cli.add_option("--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);
  auto* listen = cli.add_option("--listen", "address:port to listen on (default 127.0.0.1:8080)");
  auto* data_dir = cli.add_option("--data-dir", "data directory (keys, SQLite database)");
  auto* database = cli.add_option("--database", "sqlite:PATH or postgresql://… (default sqlite:<data-dir>/barid.db)");
  auto* tls_cert = cli.add_option("--tls-cert", "PEM certificate file; with --tls-key serves HTTPS");
  auto* tls_key = cli.add_option("--tls-key", "PEM private key file");
  auto* log_file = cli.add_option("--log-file", "append JSON log lines here instead of standard error");
  auto* threads = cli.add_option("--threads", "worker threads (default max(4, 2 x cores))");
  auto* max_body = cli.add_option("--max-body-bytes", "largest request body accepted (413 beyond)");
  auto* master_key = cli.add_option("--master-key-file", "master keyring (default <data-dir>/master.key)");
  auto* operator_key = cli.add_option("--operator-key-file", "operator signing key (default <data-dir>/operator.key)");
  auto* public_url = cli.add_option("--public-url", "the address people reach this node at");
  auto* background_interval = cli.add_option("--background-interval-ms", "how often background work runs");
  auto* batch_round = cli.add_option("--batch-letters-per-round", "bulk-sending letters delivered per round");
  auto* card_acquirer =
      cli.add_option("--card-acquirer", "card acquirer for checkout: none (default) or sandbox (tests and demos)");
  CLI11_PARSE(cli, argc, argv);

  if (!config_file.empty()) {
    if (auto loaded = app::load_config_file(config_file, config); !loaded) {
      std::fprintf(stderr, "baridd: %s\n", loaded.error().message.c_str());
      return 2;
    }
  }
  app::apply_environment(config);
  if (*listen) config.listen = listen->as<std::string>();
  if (*data_dir) config.data_dir = data_dir->as<std::string>();
  if (*database) config.database = database->as<std::string>();
  if (*tls_cert) config.tls_certificate_file = tls_cert->as<std::string>();
  if (*tls_key) config.tls_private_key_file = tls_key->as<std::string>();
  if (*log_file) config.log_file = log_file->as<std::string>();
  if (*threads) config.threads = threads->as<int>();
  if (*max_body) config.max_body_bytes = max_body->as<std::size_t>();
  if (*master_key) config.master_key_file = master_key->as<std::string>();
  if (*operator_key) config.operator_key_file = operator_key->as<std::string>();
  if (*public_url) config.public_url = public_url->as<std::string>();
  if (*background_interval) config.background_interval_ms = background_interval->as<int>();
  if (*batch_round) config.batch_letters_per_round = batch_round->as<int>();
  if (*card_acquirer)
    config.card_acquirer = card_acquirer->as<std::string>() == "none" ? "" : card_acquirer->as<std::string>();

  if (!config.log_file.empty() && !log::write_to_file(config.log_file)) {
    std::fprintf(stderr, "baridd: cannot open the log file %s\n", config.log_file.c_str());
    return 2;
  }
  http::ServerOptions server_options;
  if (!split_listen(config.listen, server_options.host, server_options.port)) {
    std::fprintf(stderr, "baridd: --listen must be host:port, not '%s'\n", config.listen.c_str());
    return 2;
  }
  if (config.tls_certificate_file.empty() != config.tls_private_key_file.empty()) {
    std::fprintf(stderr, "baridd: give both a TLS certificate and a private key, or neither\n");
    return 2;
  }
  server_options.threads = config.threads;
  server_options.max_body_bytes = config.max_body_bytes;
  // Letters with attachments and bulk files: the letter's limit plus room for the multipart framing.
  // Letters with attachments, and batches of 8,190 transfers or accounts.
  server_options.upload_path_prefixes = {"/api/v1/letters", "/api/v1/letter-batches", "/api/v1/mailbox/letters/",
                                         "/api/v1/ledger/", "/api/v1/bills/files",    "/api/v1/scans/files"};
  server_options.max_upload_body_bytes = config.max_letter_bytes + config.max_letter_bytes / 3 + 1024 * 1024;
  server_options.max_header_bytes = config.max_header_bytes;
  server_options.request_timeout_ms = config.request_timeout_ms;
  server_options.max_connections = config.max_connections;
  server_options.tls_certificate_file = config.tls_certificate_file;
  server_options.tls_private_key_file = config.tls_private_key_file;

  auto node = app::Node::open(config, /*migrate=*/true);
  if (!node) {
    std::fprintf(stderr, "baridd: %s\n", node.error().message.c_str());
    return 1;
  }
  auto& opened = **node;
  if (config.password_cost != "interactive") {
    log::warning("weak_password_hashing", {{"password_cost", config.password_cost},
                                           {"detail", "for tests only: never run a real service like this"}});
    std::fprintf(stderr, "baridd: WARNING password_cost=%s is for tests only\n", config.password_cost.c_str());
  }
  api::Api api({opened.store(), opened.identity(), opened.migrations(), opened.mailbox(), opened.batches(),
                opened.log(), opened.operator_key(), opened.ledger(), opened.payments(), opened.bills(),
                opened.checkout(), opened.parcels(), opened.customs()},
               {config.trust_forwarded_for, "0.1.0", config.clock});
  try {
    http::Server server(
        server_options, [&api](http::Request& request) { return api.handle(request); },
        [&api](const http::ProtocolEvent& event) { api.observe_protocol_event(event); });
    api.set_connection_gauge([&server] { return server.open_connections(); });
    server.listen();
    app::BackgroundWorker background(opened);
    const bool tls = !config.tls_certificate_file.empty();
    const std::string url =
        std::string(tls ? "https" : "http") + "://" + server_options.host + ":" + std::to_string(server.port());
    log::info("server_started", {{"url", url}, {"store", opened.store().describe()}});
    std::printf("baridd listening on %s (store %s)\n", url.c_str(), opened.store().describe().c_str());
    std::fflush(stdout);
    server.run(/*handle_signals=*/true);
    log::info("server_stopped");
  } catch (const std::exception& failure) {
    std::fprintf(stderr, "baridd: %s\n", failure.what());
    return 1;
  }
  documents::release_fonts_at_exit();
  return 0;
}
