#include "test_node.hpp"

#include <barid/core/time.hpp>
#include <barid/documents/pdf.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

namespace barid::testing {

namespace {

// Rendering PDFs loads fontconfig's configuration once per process; it is released when the tests end,
// as baridd does when it stops, so LeakSanitizer sees no leak.
class FontsEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { documents::release_fonts_at_exit(); }
};
[[maybe_unused]] const auto* const kFonts = ::testing::AddGlobalTestEnvironment(new FontsEnvironment);

}  // namespace

TestNode::TestNode(const std::string& backend, http::ServerOptions server_options,
                   const std::function<void(app::Config&)>& configure) {
  database_ = std::make_unique<store::testing::TestDatabase>(backend);
  data_dir_ = store::testing::temp_dir();
  app::Config config;
  config.database = database_->url();
  config.data_dir = data_dir_;
  config.password_cost = "fast_for_tests";
  config.clock = [this] { return clock_ms(); };
  config.card_acquirer = "sandbox";
  if (configure) configure(config);
  auto node = app::Node::open(config, /*migrate=*/true);
  if (!node) throw std::runtime_error("cannot open the test node: " + node.error().message);
  node_ = std::move(*node);
  api_ = std::make_unique<api::Api>(
      api::Services{node_->store(), node_->identity(), node_->migrations(), node_->mailbox(), node_->batches(),
                    node_->log(), node_->operator_key(), node_->ledger(), node_->payments(), node_->bills(),
                    node_->checkout(), node_->parcels(), node_->customs()},
      api::ApiOptions{false, "0.1.0", [this] { return clock_ms(); }});
  server_options.host = "127.0.0.1";
  server_options.port = 0;
  if (server_options.upload_path_prefixes.empty()) {
    server_options.upload_path_prefixes = {"/api/v1/letters", "/api/v1/letter-batches", "/api/v1/mailbox/letters/",
                                           "/api/v1/ledger/", "/api/v1/bills/files",    "/api/v1/scans/files"};
    server_options.max_upload_body_bytes = config.max_letter_bytes + config.max_letter_bytes / 3 + 1024 * 1024;
  }
  if (server_options.threads == 0) server_options.threads = 4;
  server_ = std::make_unique<http::Server>(
      server_options, [this](http::Request& request) { return api_->handle(request); },
      [this](const http::ProtocolEvent& event) { api_->observe_protocol_event(event); });
  api_->set_connection_gauge([this] { return server_->open_connections(); });
  server_->listen();
  server_thread_ = std::thread([this] { server_->run(false); });
}

TestNode::~TestNode() {
  server_->stop();
  if (server_thread_.joinable()) server_thread_.join();
  server_.reset();
  api_.reset();
  node_.reset();
  std::error_code ignored;
  std::filesystem::remove_all(data_dir_, ignored);
}

std::string TestNode::add_user(identity::PartyKind kind, const std::string& identifier, const std::string& login,
                               identity::Role role) {
  auto& identity = node_->identity();
  std::string party_id;
  if (auto existing = identity.find_party(kind, identifier)) {
    party_id = existing->id;
  } else {
    auto party = identity.create_party(
        {kind, identifier, "طرف " + identifier, "Party " + identifier, std::nullopt, std::nullopt, "ar"});
    if (!party) throw std::runtime_error("add_user: " + party.error().code);
    party_id = party->id;
  }
  auto user = identity.create_user({login, party_id, {role}, kTestPassword});
  if (!user) throw std::runtime_error("add_user: " + user.error().code);
  return user->id;
}

std::string TestNode::log_in(const std::string& login, const std::string& password) {
  const auto reply = client().post_json("/api/v1/session", {{"login", login}, {"password", password}});
  if (reply.status != 201) throw std::runtime_error("log_in " + login + ": " + std::to_string(reply.status));
  return reply.json()["token"].get<std::string>();
}

std::int64_t TestNode::clock_ms() const {
  return now_ms() + clock_offset_ms_.load();
}

std::string TestNode::party_id_of(const std::string& login) {
  auto user = node_->identity().find_user_by_login(login);
  if (!user) throw std::runtime_error("no user " + login);
  return user->party_id;
}

}  // namespace barid::testing
