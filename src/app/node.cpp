#include <barid/app/node.hpp>
#include <barid/core/log.hpp>
#include <barid/core/time.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/customs/customs.hpp>
#include <barid/ledger/ledger.hpp>
#include <barid/mailbox/batches.hpp>
#include <barid/mailbox/mailbox.hpp>
#include <barid/notify/outbox.hpp>
#include <barid/parcels/parcels.hpp>
#include <barid/payments/bills.hpp>
#include <barid/payments/checkout.hpp>
#include <barid/payments/payments.hpp>
#include <barid/transparency/log.hpp>

#include <malloc.h>
#include <toml++/toml.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>

namespace barid::app {

std::string Config::database_url() const {
  if (!database.empty()) return database;
  return "sqlite:" + (std::filesystem::path(data_dir) / "barid.db").string();
}

std::string Config::master_key_path() const {
  return master_key_file.empty() ? (std::filesystem::path(data_dir) / "master.key").string() : master_key_file;
}

std::string Config::operator_key_path() const {
  return operator_key_file.empty() ? (std::filesystem::path(data_dir) / "operator.key").string() : operator_key_file;
}

std::string Config::public_base_url() const {
  std::string url = public_url.empty() ? "http://" + listen : public_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
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
  text("master_key_file", config.master_key_file);
  text("operator_key_file", config.operator_key_file);
  text("public_url", config.public_url);
  text("card_acquirer", config.card_acquirer);
  text("operator_code", config.operator_code);
  text("smtp_url", config.smtp_url);
  text("smtp_from", config.smtp_from);
  text("smtp_username", config.smtp_username);
  text("smtp_password", config.smtp_password);
  text("sms_webhook_url", config.sms_webhook_url);
  text("sms_webhook_secret", config.sms_webhook_secret);
  number("max_attachment_bytes", config.max_attachment_bytes);
  number("max_letter_bytes", config.max_letter_bytes);
  number("handover_deadline_days", config.handover_deadline_days);
  number("background_interval_ms", config.background_interval_ms);
  number("batch_letters_per_round", config.batch_letters_per_round);
  number("idempotency_retention_days", config.idempotency_retention_days);
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
  take("BARID_PUBLIC_URL", config.public_url);
  take("BARID_MASTER_KEY_FILE", config.master_key_file);
  take("BARID_OPERATOR_KEY_FILE", config.operator_key_file);
  take("BARID_SMTP_URL", config.smtp_url);
  take("BARID_SMTP_PASSWORD", config.smtp_password);
  take("BARID_SMS_WEBHOOK_URL", config.sms_webhook_url);
  take("BARID_SMS_WEBHOOK_SECRET", config.sms_webhook_secret);
}

void tune_memory_allocator() {
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);   // the largest glibc allows: chunk buffers stay on the heap
  mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);  // keep up to 512 MiB of freed heap for reuse
  mallopt(M_TOP_PAD, 64 * 1024 * 1024);          // grow the heap in 64 MiB steps
}

std::vector<store::Migration> all_migrations() {
  std::vector<store::Migration> migrations = identity::IdentityService::migrations();
  for (auto& migration : transparency::TransparencyLog::migrations()) migrations.push_back(std::move(migration));
  for (auto& migration : mailbox::MailboxService::migrations()) migrations.push_back(std::move(migration));
  for (auto& migration : ledger::LedgerService::migrations()) migrations.push_back(std::move(migration));
  for (auto& migration : payments::PaymentsService::migrations()) migrations.push_back(std::move(migration));
  for (auto& migration : parcels::ParcelsService::migrations()) migrations.push_back(std::move(migration));
  for (auto& migration : customs::CustomsService::migrations()) migrations.push_back(std::move(migration));
  for (auto& migration : notify::Outbox::migrations()) migrations.push_back(std::move(migration));
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
  identity_options.clock = config.clock;
  node->identity_ = std::make_unique<identity::IdentityService>(*node->store_, identity_options);
  node->log_ = std::make_unique<transparency::TransparencyLog>(*node->store_);
  try {
    node->operator_key_ = crypto::load_or_create_signing_key(config.operator_key_path());
    node->keys_ = std::make_unique<mailbox::KeyVault>(config.master_key_path());
  } catch (const std::exception& failure) {
    return make_error(ErrorKind::unavailable, "key_file_unusable", failure.what());
  }
  if (migrate) BARID_TRY(node->keys_->check_against_database(*node->store_));

  mailbox::MailboxOptions mailbox_options;
  mailbox_options.limits.max_attachment_bytes = config.max_attachment_bytes;
  mailbox_options.limits.max_letter_bytes = config.max_letter_bytes;
  mailbox_options.handover_deadline_ms = std::int64_t{config.handover_deadline_days} * 24 * 60 * 60 * 1000;
  mailbox_options.public_url = config.public_base_url();
  mailbox_options.clock = config.clock;
  node->mailbox_ = std::make_unique<mailbox::MailboxService>(*node->store_, *node->identity_, *node->keys_, *node->log_,
                                                             node->operator_key_, mailbox_options);
  node->mailbox_->register_export(*node->identity_);
  node->batches_ = std::make_unique<mailbox::BatchService>(*node->mailbox_);
  ledger::LedgerOptions ledger_options;
  ledger_options.clock = config.clock;
  node->ledger_ = std::make_unique<ledger::LedgerService>(*node->store_, ledger_options);
  payments::PaymentsOptions payments_options;
  payments_options.clock = config.clock;
  node->payments_ =
      std::make_unique<payments::PaymentsService>(*node->store_, *node->identity_, *node->ledger_, payments_options);
  node->payments_->register_export(*node->identity_);
  node->bills_ = std::make_unique<payments::BillService>(*node->payments_, *node->mailbox_);
  // The sandbox acquirer's signing secret is derived from the operator key, so every instance
  // sharing the key files verifies the others' callbacks.
  const auto sandbox_secret = crypto::hex_encode(crypto::sha256_of_parts(
      {std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>("barid sandbox acquirer"), 22),
       std::span<const std::uint8_t>(node->operator_key_.secret.data(), 32)}));
  std::unique_ptr<payments::CardAcquirer> acquirer;
  if (config.card_acquirer == "sandbox") {
    acquirer = std::make_unique<payments::SandboxAcquirer>(sandbox_secret, config.public_base_url());
    log::warning("sandbox_card_acquirer", {{"detail", "card payments are simulated: for tests and demos only"}});
  } else if (!config.card_acquirer.empty()) {
    return make_error(ErrorKind::invalid_input, "unknown_card_acquirer",
                      "card_acquirer must be empty or \"sandbox\", not \"" + config.card_acquirer + "\"");
  }
  node->checkout_ = std::make_unique<payments::CheckoutService>(*node->payments_, std::move(acquirer));
  parcels::ParcelsOptions parcels_options;
  parcels_options.clock = config.clock;
  node->parcels_ = std::make_unique<parcels::ParcelsService>(*node->store_, *node->identity_, node->mailbox_.get(),
                                                             node->checkout_.get(), parcels_options);
  node->parcels_->register_export(*node->identity_);
  customs::CustomsOptions customs_options;
  customs_options.clock = config.clock;
  customs_options.operator_code = config.operator_code;
  customs_options.signing_key = &node->operator_key_;
  node->customs_ = std::make_unique<customs::CustomsService>(*node->store_, *node->identity_, *node->parcels_,
                                                             *node->bills_, customs_options);

  notify::SmtpOptions smtp;
  smtp.url = config.smtp_url;
  smtp.from = config.smtp_from;
  smtp.username = config.smtp_username;
  smtp.password = config.smtp_password;
  notify::WebhookOptions webhook;
  webhook.url = config.sms_webhook_url;
  webhook.secret = config.sms_webhook_secret;
  node->transport_ = notify::make_network_transport(smtp, webhook);
  node->outbox_ = std::make_unique<notify::Outbox>(*node->store_, *node->transport_);
  node->identity_->add_export_section(
      "notifications", [outbox = node->outbox_.get()](store::Transaction& tx, const std::string& party_id) {
        return outbox->rows_for_party(tx, party_id);
      });
  return node;
}

Node::Node() = default;
Node::~Node() = default;

std::int64_t Node::clock_ms() const {
  return config_.clock ? config_.clock() : now_ms();
}

void Node::run_background_once() {
  // Each part on its own: a failure of one (a database hiccup, a mail server down) must not stop the others.
  const auto guarded = [](const char* what, const auto& work) {
    try {
      work();
    } catch (const std::exception& failure) {
      log::error("background_work_failed", {{"work", what}, {"detail", failure.what()}});
    }
  };
  guarded("tree_head", [&] { log_->sign_head(operator_key_, clock_ms()); });
  guarded("mailbox", [&] { mailbox_->run_due_work(); });
  guarded("batches",
          [&] { batches_->process_pending(static_cast<std::size_t>(std::max(1, config_.batch_letters_per_round))); });
  guarded("outbox", [&] { outbox_->deliver_due(clock_ms()); });
  guarded("ledger_timeouts", [&] { ledger_->expire_pending(); });
  guarded("bill_letters", [&] { bills_->deliver_letters(); });
  guarded("escrow_timeouts", [&] { checkout_->expire_holds(); });
  guarded("parcel_notices", [&] { parcels_->send_notices(); });
  guarded("parcel_escrows", [&] { parcels_->settle_escrows(); });
  guarded("customs_releases", [&] { customs_->release_paid(); });
  guarded("idempotency_keys", [&] {
    const std::int64_t before = clock_ms() - std::int64_t{config_.idempotency_retention_days} * 24 * 60 * 60 * 1000;
    ledger_->forget_requests(before);
    payments_->forget_requests(before);
  });
}

struct BackgroundWorker::State {
  Node& node;
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::thread thread;
};

BackgroundWorker::BackgroundWorker(Node& node) : state_(new State{node, {}, {}, false, {}}) {
  state_->thread = std::thread([state = state_.get()] {
    const auto interval = std::chrono::milliseconds(std::max(10, state->node.config().background_interval_ms));
    std::unique_lock lock(state->mutex);
    while (!state->stopping) {
      lock.unlock();
      state->node.run_background_once();
      lock.lock();
      state->wake.wait_for(lock, interval, [state] { return state->stopping; });
    }
  });
}

BackgroundWorker::~BackgroundWorker() {
  stop();
}

void BackgroundWorker::stop() {
  if (!state_ || !state_->thread.joinable()) return;
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  state_->thread.join();
}

}  // namespace barid::app
