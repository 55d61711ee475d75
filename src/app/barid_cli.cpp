// barid: the operator's command line. Works on the same data directory or database as the server.
#include <barid/app/node.hpp>
#include <barid/core/json.hpp>
#include <barid/ledger/ledger.hpp>
#include <barid/mailbox/keys.hpp>
#include <barid/store/store.hpp>
#include <barid/transparency/bundle.hpp>
#include <barid/transparency/log.hpp>

#include "demo_run.hpp"
#include "send_batch.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace {

using namespace barid;

int fail(const std::string& reason) {
  std::fprintf(stderr, "barid: %s\n", reason.c_str());
  return 1;
}

Result<std::unique_ptr<app::Node>> open_node(const app::Config& config, bool migrate) {
  return app::Node::open(config, migrate);
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// barid verify: offline, with nothing but the bundle (and the content, and the operator's key).
int verify(const std::string& bundle_path, const std::string& content_path, const std::string& operator_key_hex) {
  const auto text = read_file(bundle_path);
  if (!text) return fail("cannot read " + bundle_path);
  auto bundle = parse_json(*text, {64, 16 * 1024 * 1024});
  if (!bundle) {
    std::printf("FAILED  format: %s is not JSON (%s)\n", bundle_path.c_str(), bundle.error().message.c_str());
    return 1;
  }
  std::optional<std::vector<std::uint8_t>> content;
  if (!content_path.empty()) {
    const auto bytes = read_file(content_path);
    if (!bytes) return fail("cannot read " + content_path);
    content.emplace(bytes->begin(), bytes->end());
  }
  std::optional<std::array<std::uint8_t, 32>> pinned;
  if (!operator_key_hex.empty()) {
    crypto::Bytes key;
    if (!crypto::hex_decode(operator_key_hex, key) || key.size() != 32) {
      return fail("--operator-key must be the operator's 32-byte Ed25519 public key in hex");
    }
    pinned.emplace();
    std::copy(key.begin(), key.end(), pinned->begin());
  }
  const auto verdict = transparency::verify_bundle(*bundle, content, pinned);
  for (const auto& check : verdict.checks) {
    std::printf("%-7s %-13s %s\n", check.passed ? "ok" : "FAILED", check.name.c_str(), check.detail.c_str());
  }
  if (verdict.record.is_object()) {
    using transparency::text_of;
    std::printf("record: %s %s, letter %s, at %s\n", text_of(verdict.record, "event_name").c_str(),
                text_of(verdict.record, "type").c_str(), text_of(verdict.record, "letter_id").c_str(),
                text_of(verdict.record, "time").c_str());
  }
  if (!pinned) {
    std::printf(
        "note: the operator key was not pinned; compare its fingerprint with the one the operator publishes, "
        "or pass --operator-key\n");
  }
  std::printf("%s\n", verdict.ok ? "VERIFIED" : "NOT VERIFIED");
  return verdict.ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  app::tune_memory_allocator();
  CLI::App cli{"barid — command line for the Barid digital post platform"};
  cli.require_subcommand(1);
  std::string config_file;
  app::Config config;
  cli.add_option("--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);
  auto* data_dir = cli.add_option("--data-dir", "data directory (default var/data or BARID_DATA_DIR)");
  auto* database = cli.add_option("--database", "sqlite:PATH or postgresql://…");

  auto* init = cli.add_subcommand("init", "Create the data directory and database, apply migrations");
  auto* migrate = cli.add_subcommand("migrate", "Apply pending migrations and print the schema version");

  auto* user = cli.add_subcommand("user", "Manage users");
  user->require_subcommand(1);
  auto* user_add = user->add_subcommand("add", "Add a user (and its party if new); password read from stdin");
  std::string login, name_ar, name_latin, national_id, registry_number, authority_code, operator_code, email, phone;
  std::string language = "ar";
  std::vector<std::string> roles;
  bool password_stdin = false;
  user_add->add_option("--login", login, "login name")->required();
  user_add->add_option("--role", roles, "role (repeat for several)")->required();
  auto* id_group = user_add->add_option_group("party", "the party the user acts for");
  id_group->add_option("--national-id", national_id, "citizen's national id");
  id_group->add_option("--registry-number", registry_number, "business registry number");
  id_group->add_option("--authority-code", authority_code, "authority code");
  id_group->add_option("--operator-code", operator_code, "postal operator code");
  id_group->require_option(1);
  user_add->add_option("--name-ar", name_ar, "party name in Arabic script");
  user_add->add_option("--name-latin", name_latin, "party name in Latin script");
  user_add->add_option("--email", email, "e-mail address");
  user_add->add_option("--phone", phone, "phone number, E.164");
  user_add->add_option("--language", language, "ar, fr or en")->check(CLI::IsMember({"ar", "fr", "en"}));
  user_add->add_flag("--password-stdin", password_stdin, "read the password from standard input")->required();

  auto* apikey = cli.add_subcommand("apikey", "Manage API keys");
  apikey->require_subcommand(1);
  auto* apikey_create = apikey->add_subcommand("create", "Create an API key acting as a user; prints the secret once");
  std::string key_login, key_name;
  std::vector<std::string> key_roles;
  apikey_create->add_option("--login", key_login, "the user the key acts as")->required();
  apikey_create->add_option("--name", key_name, "what the key is for")->required();
  apikey_create->add_option("--role", key_roles, "role the key carries (repeat)")->required();

  auto* verify_command = cli.add_subcommand(
      "verify", "Check an evidence bundle offline: signature, inclusion proof, and (with --content) the content hash");
  std::string bundle_path, content_path, pinned_key;
  verify_command->add_option("bundle", bundle_path, "the bundle (JSON) downloaded with the evidence")->required();
  verify_command->add_option("--content", content_path, "the letter's document or one of its attachments");
  verify_command->add_option("--operator-key", pinned_key, "the operator's public key (hex) to require");

  auto* log_command = cli.add_subcommand("log", "The transparency log");
  log_command->require_subcommand(1);
  auto* log_check = log_command->add_subcommand(
      "check",
      "Recompute the tree from the stored entries, check every saved subtree and signed tree head, and "
      "name the first entry that was altered");

  auto* ledger_command = cli.add_subcommand("ledger", "The postal ledger");
  ledger_command->require_subcommand(1);
  auto* ledger_check = ledger_command->add_subcommand(
      "check",
      "Recompute every balance from the transfers and check the invariants: per ledger debits equal credits, every "
      "balance equals the sum of its postings, no limit crossed; print the totals");

  auto* keys_command = cli.add_subcommand("keys", "Encryption keys");
  keys_command->require_subcommand(1);
  auto* rotate_master = keys_command->add_subcommand(
      "rotate-master", "Add a new master key and re-wrap every mailbox key under it (no content is re-encrypted)");
  bool retire_old = false;
  rotate_master->add_flag("--retire-old", retire_old,
                          "then drop old master keys no mailbox uses (only once every instance has the new file)");

  auto* send_batch = cli.add_subcommand("send-batch", "Upload a bulk send and follow it with a live progress bar");
  app::SendBatchOptions batch_options;
  send_batch->add_option("recipients", batch_options.recipients_file, "the recipient file (.csv or .jsonl)")
      ->required();
  send_batch->add_option("--template", batch_options.template_file, "the letter template (JSON)")->required();
  send_batch->add_option("--attachment", batch_options.attachments, "a file every letter carries (repeat)");
  send_batch->add_option("--url", batch_options.url, "the server (default http://127.0.0.1:8080 or BARID_URL)");
  send_batch->add_option("--token", batch_options.token, "a bearer token or API key (default BARID_TOKEN)");
  send_batch->add_option("--idempotency-key", batch_options.idempotency_key,
                         "default: derived from the files, so running the same upload again sends nothing twice");
  send_batch->add_option("--results", batch_options.results_file, "write the per-recipient results (CSV) here");
  send_batch->add_flag("--no-wait", batch_options.no_wait, "return once the server accepted the batch");

  auto* demo = cli.add_subcommand("demo", "Demo data");
  demo->require_subcommand(1);
  auto* demo_seed = demo->add_subcommand("seed", "Create demo users for every role (idempotent)");
  app::DemoRunOptions demo_options;
  auto* demo_run = demo->add_subcommand(
      "run", "Play the golden path over the HTTP API of a running server (seeded with `demo seed`), step by step");
  demo_run->add_option("--url", demo_options.url, "the server (default http://127.0.0.1:8080 or BARID_URL)");
  demo_run->add_option("--receipt", demo_options.bundle_file, "where to save the verified receipt bundle");
  demo_run->add_flag("--quiet", demo_options.quiet, "print nothing unless a step fails");

  CLI11_PARSE(cli, argc, argv);

  // Commands that need no database: anyone can run them anywhere.
  if (*verify_command) return verify(bundle_path, content_path, pinned_key);
  if (*send_batch) return app::send_batch(batch_options);
  if (*demo_run) return app::demo_run(demo_options);

  if (!config_file.empty()) {
    if (auto loaded = app::load_config_file(config_file, config); !loaded) return fail(loaded.error().message);
  }
  app::apply_environment(config);
  if (*data_dir) config.data_dir = data_dir->as<std::string>();
  if (*database) config.database = database->as<std::string>();

  if (*init || *migrate) {
    auto node = open_node(config, /*migrate=*/false);
    if (!node) return fail(node.error().message);
    auto report = (*node)->store().migrate((*node)->migrations());
    if (!report) return fail(report.error().message);
    std::printf("%s: schema version %d (%zu migration(s) applied now)\n", (*node)->store().describe().c_str(),
                report->current_version, report->applied.size());
    return 0;
  }

  auto node = open_node(config, /*migrate=*/true);
  if (!node) return fail(node.error().message);
  auto& identity = (*node)->identity();

  if (*user_add) {
    std::string password;
    if (!std::getline(std::cin, password)) return fail("no password on standard input");
    if (!password.empty() && password.back() == '\r') password.pop_back();
    std::vector<identity::Role> parsed_roles;
    for (const auto& name : roles) {
      auto role = identity::role_from_string(name);
      if (!role) return fail("unknown role '" + name + "'");
      parsed_roles.push_back(*role);
    }
    identity::PartyKind kind = identity::PartyKind::citizen;
    std::string identifier = national_id;
    if (!registry_number.empty()) kind = identity::PartyKind::business, identifier = registry_number;
    if (!authority_code.empty()) kind = identity::PartyKind::authority, identifier = authority_code;
    if (!operator_code.empty()) kind = identity::PartyKind::postal_operator, identifier = operator_code;
    std::string party_id;
    if (auto existing = identity.find_party(kind, identifier)) {
      party_id = existing->id;
    } else {
      if (name_ar.empty() || name_latin.empty()) return fail("a new party needs --name-ar and --name-latin");
      auto party = identity.create_party({kind, identifier, name_ar, name_latin,
                                          email.empty() ? std::nullopt : std::optional(email),
                                          phone.empty() ? std::nullopt : std::optional(phone), language});
      if (!party) return fail(party.error().message);
      party_id = party->id;
    }
    auto created = identity.create_user({login, party_id, parsed_roles, password});
    if (!created) return fail(created.error().message);
    std::printf("user %s created (id %s, party %s)\n", created->login.c_str(), created->id.c_str(), party_id.c_str());
    return 0;
  }

  if (*apikey_create) {
    std::vector<identity::Role> parsed_roles;
    for (const auto& name : key_roles) {
      auto role = identity::role_from_string(name);
      if (!role) return fail("unknown role '" + name + "'");
      parsed_roles.push_back(*role);
    }
    auto grant = identity.create_api_key(nullptr, key_login, key_name, parsed_roles);
    if (!grant) return fail(grant.error().message);
    std::printf("API key %s created for %s. Secret (shown once):\n%s\n", grant->key.id.c_str(), key_login.c_str(),
                grant->secret.c_str());
    return 0;
  }

  if (*log_check) {
    try {
      const auto result = (*node)->log().check();
      std::printf("%lld entries, %lld saved subtrees, %lld signed tree heads checked\n",
                  static_cast<long long>(result.entries), static_cast<long long>(result.tiles_checked),
                  static_cast<long long>(result.heads_checked));
      if (result.ok()) {
        std::printf("the log is intact\n");
        return 0;
      }
      std::printf("ALTERED: %s\n", result.problem->c_str());
      if (result.first_altered_entry) {
        std::printf("first altered entry: %lld\n", static_cast<long long>(*result.first_altered_entry));
      }
      return 1;
    } catch (const std::exception& failure) {
      std::printf("ALTERED: the log could not be read back: %s\n", failure.what());
      return 1;
    }
  }

  if (*ledger_check) {
    const auto report = (*node)->ledger().check();
    std::printf("%-8s %-4s %10s %12s %22s %22s %18s\n", "ledger", "", "accounts", "transfers", "debits posted",
                "credits posted", "pending");
    for (const auto& totals : report.ledgers) {
      const auto* currency = ledger::currency_by_ledger(totals.ledger);
      std::printf("%-8u %-4s %10lld %12lld %22s %22s %18s\n", totals.ledger,
                  currency ? std::string(currency->code).c_str() : "?", static_cast<long long>(totals.accounts),
                  static_cast<long long>(totals.transfers), ledger::to_string(totals.debits_posted).c_str(),
                  ledger::to_string(totals.credits_posted).c_str(), ledger::to_string(totals.debits_pending).c_str());
    }
    if (report.ok()) {
      std::printf("every invariant holds\n");
      return 0;
    }
    for (const auto& violation : report.violations) std::printf("VIOLATION: %s\n", violation.c_str());
    return 1;
  }

  if (*rotate_master) {
    auto report = (*node)->keys().rotate_master((*node)->store(), (*node)->clock_ms());
    if (!report) return fail(report.error().message);
    std::printf("master key version %d is current (was %d); %lld mailbox keys re-wrapped; no content re-encrypted\n",
                report->new_version, report->old_version, static_cast<long long>(report->mailboxes_rewrapped));
    if (retire_old) {
      auto retired = (*node)->keys().retire_unused_master_keys((*node)->store());
      if (!retired) return fail(retired.error().message);
      std::printf("%d old master key(s) removed from %s\n", *retired, config.master_key_path().c_str());
    } else {
      std::printf("old versions stay in %s until every instance has the new file; then run with --retire-old\n",
                  config.master_key_path().c_str());
    }
    return 0;
  }

  if (*demo_seed) {
    auto logins = app::seed_demo_data(**node);
    if (!logins) return fail(logins.error().message);
    std::printf("Demo logins (password for all: %s)\n", app::kDemoPassword);
    for (const auto& entry : *logins) {
      std::printf("  %-10s %-18s %s\n", entry.login.c_str(), entry.role.c_str(), entry.who.c_str());
    }
    return 0;
  }
  return 0;
}
