// barid: the operator's command line. Works on the same data directory or database as the server.
#include <barid/app/node.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

namespace {

using namespace barid;

int fail(const std::string& reason) {
  std::fprintf(stderr, "barid: %s\n", reason.c_str());
  return 1;
}

Result<std::unique_ptr<app::Node>> open_node(const app::Config& config, bool migrate) {
  return app::Node::open(config, migrate);
}

}  // namespace

int main(int argc, char** argv) {
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

  auto* demo = cli.add_subcommand("demo", "Demo data");
  demo->require_subcommand(1);
  auto* demo_seed = demo->add_subcommand("seed", "Create demo users for every role (idempotent)");

  CLI11_PARSE(cli, argc, argv);

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
