// The composition root: opens the store named by the configuration, applies the migrations of
// every module, and builds the services. Shared by the server (baridd) and the CLI (barid).
#pragma once

#include <barid/core/result.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/identity/identity.hpp>
#include <barid/store/store.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace barid::mailbox {
class KeyVault;
class MailboxService;
class BatchService;
}  // namespace barid::mailbox
namespace barid::notify {
class Outbox;
class Transport;
}  // namespace barid::notify
namespace barid::transparency {
class TransparencyLog;
}
namespace barid::ledger {
class LedgerService;
}
namespace barid::payments {
class PaymentsService;
class BillService;
class CheckoutService;
}  // namespace barid::payments
namespace barid::customs {
class CustomsService;
}
namespace barid::parcels {
class ParcelsService;
}

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

  // Keys. The master keyring wraps every mailbox key; the operator key signs tree heads. Both are
  // files outside the database, mode 0600; several instances on one PostgreSQL share the same files.
  std::string master_key_file;    // empty: <data_dir>/master.key
  std::string operator_key_file;  // empty: <data_dir>/operator.key
  // The address people reach this node at (links in notifications, QR codes of receipts).
  std::string public_url;  // empty: http://<listen>
  // Mailbox limits.
  std::size_t max_attachment_bytes = 25 * 1024 * 1024;
  std::size_t max_letter_bytes = 100 * 1024 * 1024;
  int handover_deadline_days = 15;
  // Notifications (empty URL: that channel is off). Secrets come from the file or the environment
  // (BARID_SMTP_PASSWORD, BARID_SMS_WEBHOOK_SECRET) and are never logged.
  std::string smtp_url;
  std::string smtp_from = "barid@localhost";
  std::string smtp_username;
  std::string smtp_password;
  std::string sms_webhook_url;
  std::string sms_webhook_secret;
  // How often background work runs (tree heads, deferred letters, deadlines, retention, outbox, batches).
  int background_interval_ms = 1000;
  // Bulk sending delivers at most this many letters per round, so interactive requests keep their share.
  int batch_letters_per_round = 5000;
  // Idempotency keys of ledger and payment requests are kept this long; a repeat within it replays.
  int idempotency_retention_days = 30;
  // The card acquirer checkout uses: "" (none: card payments are refused) or "sandbox", the stand-in
  // that approves whatever its page is told to and creates the money it pays. Never "sandbox" with
  // real money; `make run` (the demo) and the tests turn it on.
  std::string card_acquirer;
  // This operator's code in pre-advice bundles it signs (partners register it with our public key).
  std::string operator_code = "BARID";
  // Tests only: a wall clock to use instead of the system's.
  std::function<std::int64_t()> clock;

  std::string database_url() const;
  std::string master_key_path() const;
  std::string operator_key_path() const;
  std::string public_base_url() const;
};

// Reads a TOML file into `config` (keys as in Config, e.g. listen = "0.0.0.0:8443").
Status load_config_file(const std::string& path, Config& config);
// Applies BARID_LISTEN, BARID_DATA_DIR, BARID_DATABASE, BARID_TLS_CERT, BARID_TLS_KEY, BARID_LOG_FILE.
void apply_environment(Config& config);

// Keeps freed memory in the process instead of handing it back to the kernel at once: a bulk send
// frees and reallocates megabytes per chunk, and on a virtual machine every page the kernel has to
// fault in again costs more than the work done in it. Call once at start, before any thread.
void tune_memory_allocator();

// Every module's migrations, in version order.
std::vector<store::Migration> all_migrations();

class Node {
 public:
  // Opens the store and, when `migrate` is set, applies pending migrations. Fails when the data
  // directory cannot be made or the database is newer than this binary.
  static Result<std::unique_ptr<Node>> open(const Config& config, bool migrate);

  ~Node();

  store::Store& store() { return *store_; }
  identity::IdentityService& identity() { return *identity_; }
  transparency::TransparencyLog& log() { return *log_; }
  const crypto::SigningKey& operator_key() const { return operator_key_; }
  mailbox::KeyVault& keys() { return *keys_; }
  mailbox::MailboxService& mailbox() { return *mailbox_; }
  mailbox::BatchService& batches() { return *batches_; }
  ledger::LedgerService& ledger() { return *ledger_; }
  payments::PaymentsService& payments() { return *payments_; }
  payments::BillService& bills() { return *bills_; }
  payments::CheckoutService& checkout() { return *checkout_; }
  parcels::ParcelsService& parcels() { return *parcels_; }
  customs::CustomsService& customs() { return *customs_; }
  notify::Outbox& outbox() { return *outbox_; }
  const std::vector<store::Migration>& migrations() const { return migrations_; }
  const Config& config() const { return config_; }
  std::int64_t clock_ms() const;

  // One round of background work: sign a tree head if the log grew, consign deferred letters, record
  // unopened ones, destroy content past retention, send due notifications, advance bulk sends.
  // Safe to run from several instances at once.
  void run_background_once();

 private:
  Node();
  Config config_;
  std::vector<store::Migration> migrations_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<identity::IdentityService> identity_;
  std::unique_ptr<transparency::TransparencyLog> log_;
  crypto::SigningKey operator_key_;
  std::unique_ptr<mailbox::KeyVault> keys_;
  std::unique_ptr<mailbox::MailboxService> mailbox_;
  std::unique_ptr<mailbox::BatchService> batches_;
  std::unique_ptr<ledger::LedgerService> ledger_;
  std::unique_ptr<payments::PaymentsService> payments_;
  std::unique_ptr<payments::BillService> bills_;
  std::unique_ptr<payments::CheckoutService> checkout_;
  std::unique_ptr<parcels::ParcelsService> parcels_;
  std::unique_ptr<customs::CustomsService> customs_;
  std::unique_ptr<notify::Transport> transport_;
  std::unique_ptr<notify::Outbox> outbox_;
};

// Runs Node::run_background_once every background_interval_ms on a thread of its own until stopped.
class BackgroundWorker {
 public:
  explicit BackgroundWorker(Node& node);
  ~BackgroundWorker();
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;
  void stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Demo parties and users for every role, with one shared password; skips those that exist.
struct DemoLogin {
  std::string login;
  std::string role;
  std::string who;
};
inline constexpr const char* kDemoPassword = "barid-demo-password";
Result<std::vector<DemoLogin>> seed_demo_data(Node& node);
// Letters from the tax authority to the demo citizens (registered, Markdown, an action); idempotent.
Status seed_demo_letters(Node& node);

}  // namespace barid::app
