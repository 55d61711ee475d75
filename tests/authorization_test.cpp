// Walks every registered route × every role (and no login) × (own object, someone else's, one
// that does not exist) and fails on any 2xx that should not be, and on any refusal that should
// not be. A route without an entry here fails the test: new routes must declare who may call them.
#include "support/test_node.hpp"

#include <barid/core/time.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/customs/customs.hpp>
#include <barid/ledger/ledger.hpp>
#include <barid/mailbox/batches.hpp>
#include <barid/mailbox/mailbox.hpp>
#include <barid/parcels/parcels.hpp>
#include <barid/payments/bills.hpp>
#include <barid/payments/checkout.hpp>
#include <barid/payments/payments.hpp>

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>

namespace barid::testing {
namespace {

using identity::PartyKind;
using identity::Role;

enum class Target { own, other, missing };
const char* name_of(Target target) {
  switch (target) {
    case Target::own: return "own";
    case Target::other: return "someone else's";
    case Target::missing: return "non-existent";
  }
  return "?";
}

struct Actor {
  std::optional<Role> role;  // nullopt: anonymous
  std::string login;
  std::string user_id;
  std::string party_id;
  std::string api_key;  // set: the actor calls with an API key of its user instead of a session
};

// What a machine credential may never do, whatever its roles: act as a person for delegation or
// end a session it does not have.
bool person_only(const std::string& route_key) {
  return route_key == "POST /api/v1/delegations" || route_key == "DELETE /api/v1/delegations/{id}" ||
         route_key == "DELETE /api/v1/session";
}

struct Call {
  std::string target;
  Json body;  // null: no body
  std::vector<std::pair<std::string, std::string>> headers;
  std::string raw_body;  // sent as is with raw_type when set (files)
  std::string raw_type;
};

// How to call one route for an actor and a target, and whether it must succeed.
struct RouteCase {
  bool has_objects = false;  // path names an object: try own, other and missing
  std::function<Call(const Actor&, Target)> make_call;
  std::function<bool(const Actor&, Target)> may_succeed;
};

bool is_any(const Actor& actor, std::initializer_list<Role> roles) {
  if (!actor.role) return false;
  for (const Role role : roles) {
    if (*actor.role == role) return true;
  }
  return false;
}
bool signed_in(const Actor& actor, Target) {
  return actor.role.has_value();
}
bool everyone(const Actor&, Target) {
  return true;
}

class AuthorizationMatrix : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    node_ = std::make_unique<TestNode>(GetParam());
    int n = 0;
    for (const Role role : identity::kAllRoles) {
      Actor actor;
      actor.role = role;
      actor.login = "actor-" + std::string(identity::to_string(role));
      actor.login.erase(std::remove(actor.login.begin(), actor.login.end(), '_'), actor.login.end());
      const auto [kind, identifier] = party_for(role, n++);
      actor.user_id = node_->add_user(kind, identifier, actor.login, role);
      actor.party_id = node_->party_id_of(actor.login);
      actors_.push_back(actor);
    }
    // The same roles again, calling with an API key (keys are not made for citizens).
    const std::size_t people = actors_.size();
    for (std::size_t i = 0; i < people; ++i) {
      if (actors_[i].role == Role::citizen) continue;
      Actor machine = actors_[i];
      auto key = node_->node().identity().create_api_key(nullptr, machine.login, "matrix", {*machine.role});
      if (!key) throw std::runtime_error("api key for " + machine.login + ": " + key.error().code);
      machine.api_key = key->secret;
      actors_.push_back(machine);
    }
    actors_.push_back(Actor{});  // anonymous
    node_->add_user(PartyKind::citizen, "19990000000001", "victim", Role::citizen);
    node_->add_user(PartyKind::citizen, "19990000000002", "bystander", Role::citizen);
    victim_party_ = node_->party_id_of("victim");
    node_->add_user(PartyKind::authority, "INTEG-1", "integration", Role::authority_sender);
    // A citizen nobody logs in for, with a postal address: letters to it go on paper.
    auto paper =
        node_->node().identity().create_party({PartyKind::citizen, "19990000000009", "ورقي", "Paper Citizen",
                                               std::nullopt, std::nullopt, "ar", "1 Nile Street\nCairo 11511"});
    if (!paper) throw std::runtime_error("paper party: " + paper.error().code);
    other_letter_ = send("integration", PartyKind::citizen, "19990000000001");
  }

  identity::Principal full_principal(const std::string& login) {
    identity::Principal principal = principal_of(login);
    principal.party = *node_->node().identity().get_party(principal.party_id);
    return principal;
  }

  // A registered letter with one attachment that allows replies, sent through the service.
  std::string send(const std::string& sender_login, PartyKind kind, const std::string& identifier) {
    mailbox::LetterInput letter;
    letter.recipient = {kind, identifier};
    letter.subject = "matrix letter";
    letter.body = "body";
    letter.kind = mailbox::LetterKind::registered;
    letter.reply_allowed = true;
    letter.attachments = {{"note.txt", "a plain text attachment\n"}};
    auto sent = node_->node().mailbox().send_letter(full_principal(sender_login), letter,
                                                    "matrix-" + std::to_string(counter_++));
    if (!sent) throw std::runtime_error("send: " + sent.error().code);
    return sent->letter_id;
  }

  // The actor's own letter: one it sent when it may send, else one it received when its party can
  // receive letters, else someone else's.
  std::string own_letter(const Actor& actor) {
    if (!actor.role) return other_letter_;
    auto cached = own_letters_.find(actor.login);
    if (cached != own_letters_.end()) return cached->second;
    std::string id = other_letter_;
    if (is_any(actor, {Role::authority_sender, Role::business})) {
      id = send(actor.login, PartyKind::citizen, "19990000000001");
    } else if (!is_any(actor, {Role::postal_clerk, Role::carrier, Role::operator_admin})) {
      const auto party = node_->node().identity().get_party(actor.party_id);
      id = send("integration", party->kind, party->identifier);
    }
    own_letters_[actor.login] = id;
    return id;
  }

  // Whether the actor may read its own letter's mailbox side: a party that receives letters, in
  // person or through an API key whose roles cover the mailbox.
  static bool reads_mailbox(const Actor& actor) {
    if (!actor.role || is_any(actor, {Role::postal_clerk, Role::carrier, Role::operator_admin})) return false;
    return actor.api_key.empty() || is_any(actor, {Role::authority_sender, Role::business});
  }

  std::string received_letter(const Actor& actor) {
    if (!actor.role || is_any(actor, {Role::postal_clerk, Role::carrier, Role::operator_admin})) return other_letter_;
    auto cached = received_letters_.find(actor.login);
    if (cached != received_letters_.end()) return cached->second;
    const auto party = node_->node().identity().get_party(actor.party_id);
    const std::string id = send("integration", party->kind, party->identifier);
    received_letters_[actor.login] = id;
    return id;
  }

  std::string batch_of(const std::string& login) {
    mailbox::BatchInput input;
    input.letter.subject = "Dear {{name}}";
    input.letter.body = "body";
    const std::string file = "recipient,name\n19990000000001,Victim\n";
    input.recipients = file;
    auto batch =
        node_->node().batches().submit(full_principal(login), input, "matrix-batch-" + std::to_string(counter_++));
    if (!batch) throw std::runtime_error("batch: " + batch.error().code);
    return batch->id;
  }

  std::string print_batch() {
    send("integration", PartyKind::citizen, "19990000000009");
    auto batch = node_->node().mailbox().create_print_batch(full_principal("integration"), 10);
    if (!batch) throw std::runtime_error("print batch: " + batch.error().code);
    return batch->id;
  }

  std::string label_of(const std::string& login) {
    auto label = node_->node().mailbox().create_label(full_principal(login), "label " + std::to_string(counter_++));
    if (!label) throw std::runtime_error("label: " + label.error().code);
    return label->id;
  }

  static std::pair<PartyKind, std::string> party_for(Role role, int n) {
    switch (role) {
      case Role::citizen: return {PartyKind::citizen, "2900000000000" + std::to_string(n)};
      case Role::business: return {PartyKind::business, "BIZ-" + std::to_string(n)};
      case Role::authority_sender:
      case Role::customs_officer: return {PartyKind::authority, "AUTH-" + std::to_string(n)};
      default: return {PartyKind::postal_operator, "POST-" + std::to_string(n)};
    }
  }

  identity::Principal principal_of(const std::string& login) {
    auto user = node_->node().identity().find_user_by_login(login);
    if (!user) throw std::runtime_error("no user " + login);
    identity::Principal principal;
    principal.user_id = user->id;
    principal.login = user->login;
    principal.party_id = user->party_id;
    principal.roles = user->roles;
    return principal;
  }

  std::string delegation_granted_by(const std::string& login, const std::string& grantee) {
    auto delegation = node_->node().identity().grant_delegation(principal_of(login), grantee,
                                                                grantee == "bystander" ? "19990000000002" : "",
                                                                {identity::Scope::profile_read}, now_ms() + 86'400'000);
    if (!delegation) throw std::runtime_error("delegation: " + delegation.error().code);
    return delegation->id;
  }

  std::string api_key_for(const std::string& login, Role role) {
    auto grant = node_->node().identity().create_api_key(nullptr, login, "matrix", {role});
    if (!grant) throw std::runtime_error("api key: " + grant.error().code);
    return grant->key.id;
  }

  std::map<std::string, RouteCase> cases();
  void add_mailbox_cases(std::map<std::string, RouteCase>& c, const std::string& missing_id);
  void add_ledger_cases(std::map<std::string, RouteCase>& c);
  void add_payment_cases(std::map<std::string, RouteCase>& c);
  void add_bill_cases(std::map<std::string, RouteCase>& c);
  void add_checkout_cases(std::map<std::string, RouteCase>& c);
  void add_parcel_cases(std::map<std::string, RouteCase>& c);
  void add_customs_cases(std::map<std::string, RouteCase>& c);

  // A new international item (Egypt to Algeria) the login sent, with its CN 23 declaration; presented
  // to customs (EDB) when asked.
  std::string declared_item_of(const std::string& login, bool presented = false) {
    item_of("victim");  // makes the range
    parcels::ItemInput input;
    input.product = "C";
    input.sender = {.country = "EG", .name = "مرسل", .street = "1 شارع النيل", .city = "القاهرة"};
    input.addressee = {
        .country = "DZ", .name = "مستلم", .street = "2 شارع العربي", .city = "الجزائر", .postcode = "16000"};
    input.weight_g = 500;
    input.length_mm = input.width_mm = input.height_mm = 100;
    auto item = node_->node().parcels().create_item(full_principal(login), input, "matrix-intl-" + next());
    if (!item) throw std::runtime_error("item: " + item.error().code);
    auto declared = node_->node().customs().declare(full_principal(login), item->id, matrix_declaration());
    if (!declared) throw std::runtime_error("declaration: " + declared.error().code);
    if (presented) {
      parcels::Scan scan;
      scan.item_id = item->id;
      scan.code = "EDB";
      scan.at_ms = now_ms();
      auto recorded = node_->node().parcels().record_scans(principal_of("actor-carrier"), {{1, scan}});
      if (!recorded) throw std::runtime_error("scan: " + recorded.error().code);
    }
    return item->id;
  }
  static customs::DeclarationInput matrix_declaration() {
    customs::DeclarationInput input;
    input.category = "gift";
    input.currency = "EGP";
    input.lines.push_back({"Book", 1, 400, 10'000, "490199", "EG"});
    input.total_value = 10'000;
    input.gross_weight_g = 500;
    return input;
  }
  crypto::SigningKey partner_key_ = crypto::new_signing_key();
  bool partner_ready_ = false;

  // An item the login sent (created through the service), addressed to the bystander.
  std::string item_of(const std::string& login) {
    auto cached = items_.find(login);
    if (cached != items_.end()) return cached->second;
    auto& parcels = node_->node().parcels();
    if (!range_ready_) {
      auto range = parcels.add_range(principal_of("actor-operatoradmin"), "CP", "EG", 0, 99'999);
      if (!range) throw std::runtime_error("range: " + range.error().code);
      range_ready_ = true;
    }
    parcels::ItemInput input;
    input.product = "C";
    input.sender = {.country = "EG", .name = "مرسل", .street = "1 شارع النيل", .city = "القاهرة"};
    input.addressee = {.country = "EG", .name = "مستلم", .street = "2 شارع النيل", .city = "الجيزة"};
    input.addressee_party = parcels::AddresseeParty{PartyKind::citizen, "19990000000002"};
    input.weight_g = 500;
    input.length_mm = input.width_mm = input.height_mm = 100;
    auto item = parcels.create_item(full_principal(login), input, "matrix-item-" + next());
    if (!item) throw std::runtime_error("item: " + item.error().code);
    items_[login] = item->id;
    return item->id;
  }
  std::map<std::string, std::string> items_;
  bool range_ready_ = false;

  // Parties whose users hold postal accounts: citizens, businesses and authorities.
  static bool holds_accounts(const Actor& actor) {
    return is_any(actor, {Role::citizen, Role::business, Role::authority_sender, Role::customs_officer});
  }
  static bool staff(const Actor& actor) { return is_any(actor, {Role::postal_clerk, Role::operator_admin}); }

  // A funded EGP postal account of `party_id` (opened by an administrator, 1,000.00 paid in at the
  // counter), made once per party.
  std::string account_of(const std::string& party_id) {
    auto cached = accounts_.find(party_id);
    if (cached != accounts_.end()) return cached->second;
    drawer();
    auto& payments = node_->node().payments();
    payments::OpenAccountRequest request;
    request.currency = "EGP";
    request.party_id = party_id;
    auto account = payments.open_account(principal_of("actor-operatoradmin"), request, "matrix-" + next());
    if (!account) throw std::runtime_error("account: " + account.error().code);
    auto paid = payments.cash_in(principal_of("actor-postalclerk"), {"MATRIX", account->number, 100'000, {}, {}},
                                 "matrix-" + next());
    if (!paid) throw std::runtime_error("cash in: " + paid.error().code);
    accounts_[party_id] = account->number;
    return account->number;
  }
  // The actor's own account, or (for parties that hold none) the victim's.
  std::string own_account(const Actor& actor) {
    return holds_accounts(actor) ? account_of(actor.party_id) : account_of(victim_party_);
  }
  // A payment the actor's party made to the victim, or one between the victim and the bystander.
  std::string payment_between(const std::string& from_party, const std::string& to_party) {
    payments::TransferRequest request;
    request.from_account = account_of(from_party);
    request.to.account_number = account_of(to_party);
    request.amount = 100;
    auto owner = principal_of("victim");
    for (const auto& actor : actors_) {
      if (actor.party_id == from_party && actor.api_key.empty()) owner = principal_of(actor.login);
    }
    auto paid = node_->node().payments().transfer(owner, request, "matrix-" + next());
    if (!paid) throw std::runtime_error("transfer: " + paid.error().code);
    return paid->id;
  }
  // A bill from `biller_login`'s party to `payer_party` (collected into the biller's account).
  std::string bill_to(const std::string& payer_party, const std::string& biller_login) {
    const auto biller = full_principal(biller_login);
    account_of(biller.party_id);
    const auto payer = node_->node().identity().get_party(payer_party);
    payments::BillInput input;
    input.reference = "M-" + next();
    input.payer_kind = payer->kind;
    input.payer_identifier = payer->identifier;
    input.amount_due = 500;
    input.currency = "EGP";
    input.due_at_ms = now_ms() + 86'400'000;
    auto bill = node_->node().bills().issue(biller, input, std::nullopt, "matrix-" + next());
    if (!bill) throw std::runtime_error("bill: " + bill.error().code);
    return bill->id;
  }
  // A payment intent of `merchant_login`'s business, paid from `buyer_login`'s account when given,
  // and captured when asked.
  std::string intent_of(const std::string& merchant_login, const std::string& buyer_login = "", bool capture = false) {
    if (merchant_login == "shop" && !node_->node().identity().find_user_by_login("shop")) {
      node_->add_user(PartyKind::business, "SHOP-1", "shop", Role::business);
    }
    const auto merchant = full_principal(merchant_login);
    account_of(merchant.party_id);
    auto& checkout = node_->node().checkout();
    payments::IntentInput input;
    input.amount = 300;
    input.currency = "EGP";
    input.order_reference = "O-" + next();
    auto intent = checkout.create(merchant, input, "matrix-" + next());
    if (!intent) throw std::runtime_error("intent: " + intent.error().code);
    if (!buyer_login.empty()) {
      const auto buyer = full_principal(buyer_login);
      auto paid = checkout.pay(buyer, intent->id, account_of(buyer.party_id), "matrix-" + next());
      if (!paid) throw std::runtime_error("pay intent: " + paid.error().code);
    }
    if (capture && !checkout.capture(merchant, intent->id)) throw std::runtime_error("capture");
    return intent->id;
  }
  // An intent waiting for the sandbox acquirer's callback.
  std::pair<std::string, std::string> card_order() {
    const std::string id = intent_of("shop");
    auto started = node_->node().checkout().pay_by_card(full_principal("victim"), id, "matrix-" + next());
    if (!started) throw std::runtime_error("card: " + started.error().code);
    return {id, *started->card_order_id};
  }
  std::string drawer() {
    if (drawer_.empty()) drawer_ = new_drawer("MATRIX");
    return drawer_;
  }
  std::string new_drawer(const std::string& office) {
    auto& payments = node_->node().payments();
    auto opened = payments.open_drawer(principal_of("actor-operatoradmin"), office, "EGP", "matrix-" + next());
    if (!opened) throw std::runtime_error("drawer: " + opened.error().code);
    auto floated =
        payments.float_drawer(principal_of("actor-operatoradmin"), opened->id, 100'000'000, "matrix-" + next());
    if (!floated) throw std::runtime_error("float: " + floated.error().code);
    return opened->id;
  }
  std::string next() { return std::to_string(++counter_); }

  // A fresh ledger account (and, with `with_transfer`, one transfer into it); returns its id.
  std::string ledger_account() {
    ledger::Account account;
    account.id = ledger::Id{7, static_cast<std::uint64_t>(++counter_)};
    account.ledger = 818;
    account.code = 1;
    const auto results = node_->node().ledger().create_accounts(std::vector<ledger::Account>{account});
    if (!results.ok() || results->at(0) != ledger::CreateAccountResult::ok) throw std::runtime_error("ledger account");
    return account.id.to_string();
  }

  std::unique_ptr<TestNode> node_;
  std::vector<Actor> actors_;
  std::string victim_party_;
  std::string other_letter_;
  std::map<std::string, std::string> own_letters_;
  std::map<std::string, std::string> received_letters_;
  std::map<std::string, std::string> accounts_;
  std::string drawer_;
  int counter_ = 0;
};

std::map<std::string, RouteCase> AuthorizationMatrix::cases() {
  const std::string missing_id = "00000000-0000-7000-8000-000000000000";
  std::map<std::string, RouteCase> c;
  auto simple = [](std::string target, Json body, std::function<bool(const Actor&, Target)> may) {
    return RouteCase{false, [target, body](const Actor&, Target) { return Call{target, body}; }, std::move(may)};
  };
  c["GET /healthz"] = simple("/healthz", nullptr, everyone);
  c["GET /readyz"] = simple("/readyz", nullptr, everyone);
  c["GET /metrics"] = simple("/metrics", nullptr, everyone);
  c["GET /api/openapi.json"] = simple("/api/openapi.json", nullptr, everyone);
  c["POST /api/v1/session"] = {
      false,
      [](const Actor& actor, Target) {
        return Call{"/api/v1/session", {{"login", actor.role ? actor.login : "nobody"}, {"password", kTestPassword}}};
      },
      signed_in};
  c["DELETE /api/v1/session"] = simple("/api/v1/session", nullptr, signed_in);
  c["GET /api/v1/me"] = simple("/api/v1/me", nullptr, signed_in);
  c["PUT /api/v1/me/password"] =
      simple("/api/v1/me/password", {{"current_password", kTestPassword}, {"new_password", kTestPassword}}, signed_in);
  c["GET /api/v1/me/access-log"] = simple("/api/v1/me/access-log", nullptr, signed_in);
  c["GET /api/v1/me/export"] = simple("/api/v1/me/export", nullptr, signed_in);
  c["GET /api/v1/delegations"] = simple("/api/v1/delegations", nullptr, signed_in);
  c["POST /api/v1/delegations"] =
      simple("/api/v1/delegations",
             {{"grantee_login", "bystander"},
              {"grantee_identifier", "19990000000002"},
              {"scopes", {"mailbox:read"}},
              {"expires_at", format_utc_ms(now_ms() + 86'400'000)}},
             [](const Actor& actor, Target) {
               return is_any(actor, {Role::citizen, Role::business, Role::authority_sender});
             });
  c["DELETE /api/v1/delegations/{id}"] = {
      true,
      [this, missing_id](const Actor& actor, Target target) {
        std::string id = missing_id;
        if (target == Target::own && actor.role) id = delegation_granted_by(actor.login, "bystander");
        if (target == Target::other || (target == Target::own && !actor.role)) {
          id = delegation_granted_by("victim", "bystander");
        }
        return Call{"/api/v1/delegations/" + id, nullptr};
      },
      [](const Actor& actor, Target target) { return actor.role && target == Target::own; }};
  c["GET /api/v1/parties/{id}"] = {true,
                                   [this, missing_id](const Actor& actor, Target target) {
                                     std::string id = missing_id;
                                     if (target == Target::own) id = actor.role ? actor.party_id : victim_party_;
                                     if (target == Target::other) id = victim_party_;
                                     return Call{"/api/v1/parties/" + id, nullptr};
                                   },
                                   [](const Actor& actor, Target target) {
                                     if (!actor.role || target == Target::missing) return false;
                                     return target == Target::own ||
                                            is_any(actor,
                                                   {Role::postal_clerk, Role::customs_officer, Role::operator_admin});
                                   }};
  c["GET /api/v1/parties"] =
      simple("/api/v1/parties?kind=citizen&identifier=19990000000001", nullptr, [](const Actor& actor, Target) {
        return is_any(actor, {Role::postal_clerk, Role::customs_officer, Role::operator_admin});
      });
  c["POST /api/v1/parties"] = {false,
                               [this](const Actor&, Target) {
                                 return Call{"/api/v1/parties",
                                             {{"kind", "citizen"},
                                              {"national_id", "3100000000" + std::to_string(1000 + counter_++)},
                                              {"name_ar", "مواطن"},
                                              {"name_latin", "Citizen"}}};
                               },
                               [](const Actor& actor, Target) {
                                 return is_any(actor, {Role::postal_clerk, Role::operator_admin});
                               }};
  const auto admin_only = [](const Actor& actor, Target) { return is_any(actor, {Role::operator_admin}); };
  c["GET /api/v1/admin/users"] = simple("/api/v1/admin/users", nullptr, admin_only);
  c["POST /api/v1/admin/users"] = {false,
                                   [this](const Actor&, Target) {
                                     return Call{"/api/v1/admin/users",
                                                 {{"login", "made-" + std::to_string(counter_++)},
                                                  {"password", kTestPassword},
                                                  {"party_id", victim_party_},
                                                  {"roles", {"citizen"}}}};
                                   },
                                   admin_only};
  c["GET /api/v1/admin/api-keys"] = simple("/api/v1/admin/api-keys", nullptr, admin_only);
  c["POST /api/v1/admin/api-keys"] = simple(
      "/api/v1/admin/api-keys", {{"login", "integration"}, {"name", "k"}, {"roles", {"authority_sender"}}}, admin_only);
  c["DELETE /api/v1/admin/api-keys/{id}"] = {true,
                                             [this, missing_id](const Actor&, Target target) {
                                               std::string id = missing_id;
                                               // API keys belong to integrations, not to the people who manage them.
                                               if (target != Target::missing)
                                                 id = api_key_for("integration", Role::authority_sender);
                                               return Call{"/api/v1/admin/api-keys/" + id, nullptr};
                                             },
                                             [](const Actor& actor, Target target) {
                                               return is_any(actor, {Role::operator_admin}) &&
                                                      target != Target::missing;
                                             }};
  add_mailbox_cases(c, missing_id);
  return c;
}

void AuthorizationMatrix::add_mailbox_cases(std::map<std::string, RouteCase>& c, const std::string& missing_id) {
  const auto senders = [](const Actor& actor, Target) {
    return is_any(actor, {Role::authority_sender, Role::business});
  };
  const auto keyed = [this](const std::string& prefix) {
    return std::vector<std::pair<std::string, std::string>>{{"Idempotency-Key", prefix + std::to_string(counter_++)}};
  };
  c["POST /api/v1/letters"] = {false,
                               [keyed](const Actor&, Target) {
                                 return Call{"/api/v1/letters",
                                             {{"recipient", {{"type", "national_id"}, {"id", "19990000000001"}}},
                                              {"subject", "hello"},
                                              {"body", "body"}},
                                             keyed("letter-")};
                               },
                               senders};
  c["GET /api/v1/letters"] = {false,
                              [](const Actor&, Target) {
                                return Call{"/api/v1/letters", nullptr, {}};
                              },
                              signed_in};
  // A letter's sender side: only the party that sent it.
  c["GET /api/v1/letters/{id}"] = {
      true,
      [this, missing_id](const Actor& actor, Target target) {
        const std::string id = target == Target::own     ? own_letter(actor)
                               : target == Target::other ? other_letter_
                                                         : missing_id;
        return Call{"/api/v1/letters/" + id, nullptr, {}};
      },
      [](const Actor& actor, Target target) {
        return target == Target::own && is_any(actor, {Role::authority_sender, Role::business});
      }};
  // Evidence: the sender, or the recipient side.
  const auto evidence_may = [](const Actor& actor, Target target) {
    if (target != Target::own || !actor.role) return false;
    if (is_any(actor, {Role::authority_sender, Role::business})) return true;  // their sent letter
    return reads_mailbox(actor);                                               // their received letter
  };
  for (const std::string base : {"/api/v1/letters/", "/api/v1/mailbox/letters/"}) {
    const std::string key_base = base + "{id}/evidence";
    for (const std::string suffix : {"", "/{event}", "/{event}/receipt.pdf"}) {
      std::string concrete = suffix;
      if (!concrete.empty()) concrete.replace(concrete.find("{event}"), 7, "SubmissionAcceptance");
      c["GET " + key_base + suffix] = {true,
                                       [this, base, concrete, missing_id](const Actor& actor, Target target) {
                                         const std::string id = target == Target::own     ? own_letter(actor)
                                                                : target == Target::other ? other_letter_
                                                                                          : missing_id;
                                         return Call{base + id + "/evidence" + concrete, nullptr, {}};
                                       },
                                       evidence_may};
    }
  }
  c["GET /api/v1/mailbox/letters"] = {
      false,
      [](const Actor&, Target) {
        return Call{"/api/v1/mailbox/letters", nullptr, {}};
      },
      [](const Actor& actor, Target) {
        return actor.role && (actor.api_key.empty() || is_any(actor, {Role::authority_sender, Role::business}));
      }};
  // The recipient side of one letter.
  const auto received = [this, missing_id](const std::string& suffix, Json body, bool idempotent) {
    return [this, missing_id, suffix, body, idempotent](const Actor& actor, Target target) {
      const std::string id = target == Target::own     ? received_letter(actor)
                             : target == Target::other ? other_letter_
                                                       : missing_id;
      std::vector<std::pair<std::string, std::string>> headers;
      if (idempotent) headers.emplace_back("Idempotency-Key", "reply-" + std::to_string(counter_++));
      return Call{"/api/v1/mailbox/letters/" + id + suffix, body, headers};
    };
  };
  const auto recipient_may = [](const Actor& actor, Target target) {
    return target == Target::own && reads_mailbox(actor);
  };
  c["GET /api/v1/mailbox/letters/{id}"] = {true, received("", nullptr, false), recipient_may};
  c["PATCH /api/v1/mailbox/letters/{id}"] = {true, received("", {{"unread", true}}, false), recipient_may};
  c["GET /api/v1/mailbox/letters/{id}/document"] = {true, received("/document", nullptr, false), recipient_may};
  c["GET /api/v1/mailbox/letters/{id}/attachments/{n}"] = {true, received("/attachments/1", nullptr, false),
                                                           recipient_may};
  c["POST /api/v1/mailbox/letters/{id}/replies"] = {true, received("/replies", {{"body", "thank you"}}, true),
                                                    recipient_may};
  c["POST /api/v1/mailbox/letters/{id}/forwards"] = {
      true, received("/forwards", {{"recipient", {{"type", "national_id"}, {"id", "19990000000002"}}}}, true),
      recipient_may};
  c["GET /api/v1/mailbox/labels"] = {false,
                                     [](const Actor&, Target) {
                                       return Call{"/api/v1/mailbox/labels", nullptr, {}};
                                     },
                                     signed_in};
  c["POST /api/v1/mailbox/labels"] = {
      false,
      [this](const Actor&, Target) {
        return Call{"/api/v1/mailbox/labels", {{"name", "label-" + std::to_string(counter_++)}}, {}};
      },
      signed_in};
  c["DELETE /api/v1/mailbox/labels/{id}"] = {
      true,
      [this, missing_id](const Actor& actor, Target target) {
        std::string id = missing_id;
        if (target == Target::own && actor.role) id = label_of(actor.login);
        if (target == Target::other || (target == Target::own && !actor.role)) {
          id = label_of("victim");
        }
        return Call{"/api/v1/mailbox/labels/" + id, nullptr, {}};
      },
      [](const Actor& actor, Target target) { return actor.role && target == Target::own; }};
  c["PUT /api/v1/admin/senders/{party_id}/retention"] = {
      false,
      [this](const Actor&, Target) {
        return Call{"/api/v1/admin/senders/" + node_->party_id_of("integration") + "/retention",
                    {{"retention_days", 3650}},
                    {}};
      },
      [](const Actor& actor, Target) { return is_any(actor, {Role::operator_admin}); }};
  c["GET /api/v1/stats/sustainability"] = {false,
                                           [](const Actor&, Target) {
                                             return Call{"/api/v1/stats/sustainability", nullptr, {}};
                                           },
                                           everyone};

  c["POST /api/v1/letter-batches"] = {false,
                                      [keyed](const Actor&, Target) {
                                        return Call{"/api/v1/letter-batches",
                                                    {{"template", {{"subject", "Dear {{name}}"}, {"body", "body"}}},
                                                     {"recipients_csv", "recipient,name\n19990000000001,Victim\n"}},
                                                    keyed("batch-")};
                                      },
                                      senders};
  for (const std::string suffix : {"", "/results"}) {
    c["GET /api/v1/letter-batches/{id}" + suffix] = {
        true,
        [this, missing_id, suffix](const Actor& actor, Target target) {
          std::string id = missing_id;
          if (target == Target::own && is_any(actor, {Role::authority_sender, Role::business}))
            id = batch_of(actor.login);
          if (target == Target::other ||
              (target == Target::own && !is_any(actor, {Role::authority_sender, Role::business}))) {
            id = batch_of("integration");
          }
          return Call{"/api/v1/letter-batches/" + id + suffix, nullptr, {}};
        },
        [](const Actor& actor, Target target) {
          return target == Target::own && is_any(actor, {Role::authority_sender, Role::business});
        }};
  }

  const auto clerks = [](const Actor& actor, Target target) {
    return target != Target::missing && is_any(actor, {Role::postal_clerk, Role::operator_admin});
  };
  c["GET /api/v1/print-queue"] = {false,
                                  [](const Actor&, Target) {
                                    return Call{"/api/v1/print-queue", nullptr, {}};
                                  },
                                  clerks};
  c["POST /api/v1/print-batches"] = {false,
                                     [this](const Actor&, Target) {
                                       send("integration", PartyKind::citizen, "19990000000009");
                                       return Call{"/api/v1/print-batches", {{"max_letters", 5}}, {}};
                                     },
                                     clerks};
  // Print batches belong to the print centre, not to one clerk: "own" and "someone else's" are alike.
  for (const std::string suffix : {"", "/document.pdf"}) {
    c["GET /api/v1/print-batches/{id}" + suffix] = {true,
                                                    [this, missing_id, suffix](const Actor&, Target target) {
                                                      const std::string id =
                                                          target == Target::missing ? missing_id : print_batch();
                                                      return Call{"/api/v1/print-batches/" + id + suffix, nullptr, {}};
                                                    },
                                                    clerks};
  }
  c["POST /api/v1/print-batches/{id}/printed"] = {
      true,
      [this, missing_id](const Actor&, Target target) {
        const std::string id = target == Target::missing ? missing_id : print_batch();
        return Call{"/api/v1/print-batches/" + id + "/printed", nullptr, {}};
      },
      clerks};

  c["GET /api/v1/log/tree-head"] = {false,
                                    [](const Actor&, Target) {
                                      return Call{"/api/v1/log/tree-head", nullptr, {}};
                                    },
                                    everyone};
  c["GET /api/v1/log/proofs/inclusion"] = {
      false,
      [](const Actor&, Target) {
        return Call{"/api/v1/log/proofs/inclusion?index=0&tree_size=1", nullptr, {}};
      },
      everyone};
  c["GET /api/v1/log/proofs/consistency"] = {
      false,
      [](const Actor&, Target) {
        return Call{"/api/v1/log/proofs/consistency?first=1&second=2", nullptr, {}};
      },
      everyone};
  c["POST /api/v1/verify"] = {false,
                              [](const Actor&, Target) {
                                return Call{"/api/v1/verify", {{"bundle", {{"format", "x"}}}}, {}};
                              },
                              everyone};
  add_ledger_cases(c);
  add_payment_cases(c);
  add_bill_cases(c);
  add_checkout_cases(c);
  add_parcel_cases(c);
  add_customs_cases(c);
}

// The ledger engine's own routes move money between any accounts: operator administrators only.
// Its accounts belong to no administrator, so "own" and "someone else's" are alike.
void AuthorizationMatrix::add_ledger_cases(std::map<std::string, RouteCase>& c) {
  const auto admins = [](const Actor& actor, Target target) {
    return target != Target::missing && is_any(actor, {Role::operator_admin});
  };
  const std::string missing = "999999999999999999";
  c["GET /api/v1/ledger/currencies"] = {false,
                                        [](const Actor&, Target) {
                                          return Call{"/api/v1/ledger/currencies", nullptr, {}};
                                        },
                                        everyone};
  c["POST /api/v1/ledger/accounts"] = {
      false,
      [this](const Actor&, Target) {
        const Json account = {{"id", std::to_string(900000 + ++counter_)}, {"currency", "EGP"}, {"code", 1}};
        return Call{"/api/v1/ledger/accounts", {{"accounts", {account}}}, {}};
      },
      admins};
  for (const std::string suffix : {"", "/transfers", "/balances"}) {
    c["GET /api/v1/ledger/accounts/{id}" + suffix] = {
        true,
        [this, missing, suffix](const Actor&, Target target) {
          const std::string id = target == Target::missing ? missing : ledger_account();
          return Call{"/api/v1/ledger/accounts/" + id + suffix, nullptr, {}};
        },
        admins};
  }
  c["POST /api/v1/ledger/accounts/{id}/close"] = {
      true,
      [this, missing](const Actor&, Target target) {
        const std::string id = target == Target::missing ? missing : ledger_account();
        return Call{"/api/v1/ledger/accounts/" + id + "/close", nullptr, {}};
      },
      admins};
  c["POST /api/v1/ledger/transfers"] = {false,
                                        [this](const Actor&, Target) {
                                          const Json transfer = {{"id", std::to_string(800000 + ++counter_)},
                                                                 {"debit_account_id", ledger_account()},
                                                                 {"credit_account_id", ledger_account()},
                                                                 {"amount", 5},
                                                                 {"currency", "EGP"},
                                                                 {"code", 1}};
                                          return Call{"/api/v1/ledger/transfers",
                                                      {{"transfers", {transfer}}},
                                                      {{"Idempotency-Key", "matrix-" + std::to_string(counter_)}}};
                                        },
                                        admins};
  c["GET /api/v1/ledger/transfers/{id}"] = {
      true,
      [this, missing](const Actor&, Target target) {
        if (target == Target::missing) return Call{"/api/v1/ledger/transfers/" + missing, nullptr, {}};
        ledger::Transfer transfer;
        transfer.id = ledger::Id{9, static_cast<std::uint64_t>(++counter_)};
        transfer.debit_account_id = *ledger::Id::parse(ledger_account());
        transfer.credit_account_id = *ledger::Id::parse(ledger_account());
        transfer.amount = 1;
        transfer.ledger = 818;
        transfer.code = 1;
        (void)node_->node().ledger().create_transfers(std::vector<ledger::Transfer>{transfer}, std::nullopt);
        return Call{"/api/v1/ledger/transfers/" + transfer.id.to_string(), nullptr, {}};
      },
      admins};
}

// Postal accounts belong to parties: the holder (in person, or through an API key whose roles cover
// payments) pays and reads; postal clerks and administrators read anyone's (logged); clerks run the
// counter; administrators open drawers. Someone else's account looks exactly like a missing one.
void AuthorizationMatrix::add_payment_cases(std::map<std::string, RouteCase>& c) {
  const std::string missing_account = payments::make_account_number("EG", "0000000000000001");
  const auto key = [this] {
    return std::vector<std::pair<std::string, std::string>>{{"Idempotency-Key", "m-" + next()}};
  };
  // Whether the actor's credential reaches its own party's payments (API keys: business and authority roles).
  const auto own_payments = [](const Actor& actor) {
    return holds_accounts(actor) && (actor.api_key.empty() || is_any(actor, {Role::business, Role::authority_sender}));
  };
  const auto reader = [own_payments](const Actor& actor, Target target) {
    if (target == Target::missing) return false;
    return staff(actor) || (target == Target::own && own_payments(actor));
  };
  c["POST /api/v1/payments/accounts"] = {false,
                                         [this, key](const Actor& actor, Target) {
                                           Json body = {{"currency", "EGP"}};
                                           if (staff(actor)) body["party_id"] = victim_party_;
                                           return Call{"/api/v1/payments/accounts", body, key()};
                                         },
                                         [](const Actor& actor, Target) {
                                           return is_any(actor, {Role::citizen, Role::business, Role::authority_sender,
                                                                 Role::postal_clerk, Role::operator_admin});
                                         }};
  c["GET /api/v1/payments/accounts"] = {
      false,
      [](const Actor&, Target) {
        return Call{"/api/v1/payments/accounts", nullptr, {}};
      },
      [](const Actor& actor, Target) {
        return actor.role && (actor.api_key.empty() || is_any(actor, {Role::business, Role::authority_sender}));
      }};
  for (const std::string suffix : {"", "/statement"}) {
    c["GET /api/v1/payments/accounts/{number}" + suffix] = {
        true,
        [this, missing_account, suffix](const Actor& actor, Target target) {
          const std::string number = target == Target::missing ? missing_account
                                     : target == Target::own   ? own_account(actor)
                                                               : account_of(victim_party_);
          return Call{"/api/v1/payments/accounts/" + number + suffix, nullptr, {}};
        },
        reader};
  }
  c["PATCH /api/v1/payments/accounts/{number}"] = {
      true,
      [this, missing_account](const Actor& actor, Target target) {
        const std::string number = target == Target::missing ? missing_account
                                   : target == Target::own   ? own_account(actor)
                                                             : account_of(victim_party_);
        return Call{"/api/v1/payments/accounts/" + number, {{"daily_limit", 1'000'000}}, {}};
      },
      [own_payments](const Actor& actor, Target target) {
        if (target == Target::missing) return false;
        return is_any(actor, {Role::operator_admin}) || (target == Target::own && own_payments(actor));
      }};
  c["POST /api/v1/payments/transfers"] = {
      true,
      [this, missing_account, key](const Actor& actor, Target target) {
        const std::string from = target == Target::missing ? missing_account
                                 : target == Target::own   ? own_account(actor)
                                                           : account_of(victim_party_);
        const std::string to =
            from == account_of(victim_party_) ? account_of(node_->party_id_of("bystander")) : account_of(victim_party_);
        return Call{"/api/v1/payments/transfers", {{"from_account", from}, {"to_account", to}, {"amount", 100}}, key()};
      },
      [own_payments](const Actor& actor, Target target) { return target == Target::own && own_payments(actor); }};
  c["GET /api/v1/payments/{id}"] = {
      true,
      [this](const Actor& actor, Target target) {
        std::string id = "123456789";
        if (target == Target::own && holds_accounts(actor)) id = payment_between(actor.party_id, victim_party_);
        if (target == Target::other || (target == Target::own && !holds_accounts(actor))) {
          id = payment_between(victim_party_, node_->party_id_of("bystander"));
        }
        return Call{"/api/v1/payments/" + id, nullptr, {}};
      },
      [](const Actor& actor, Target target) {
        if (target == Target::missing) return false;
        // The user who made a payment reads it whatever credential it uses now.
        return staff(actor) || (target == Target::own && holds_accounts(actor));
      }};

  const auto staff_on_drawer = [](const Actor& actor, Target target) {
    return target != Target::missing && staff(actor);
  };
  const auto clerk_on_drawer = [](const Actor& actor, Target target) {
    return target != Target::missing && is_any(actor, {Role::postal_clerk});
  };
  c["POST /api/v1/payments/drawers"] = {
      false,
      [this, key](const Actor&, Target) {
        return Call{"/api/v1/payments/drawers", {{"office_code", "OFFICE-" + next()}, {"currency", "EGP"}}, key()};
      },
      [](const Actor& actor, Target) { return is_any(actor, {Role::operator_admin}); }};
  c["GET /api/v1/payments/drawers"] = {false,
                                       [](const Actor&, Target) {
                                         return Call{"/api/v1/payments/drawers", nullptr, {}};
                                       },
                                       [](const Actor& actor, Target) { return staff(actor); }};
  for (const std::string suffix : {"", "/closings"}) {
    c["GET /api/v1/payments/drawers/{id}" + suffix] = {
        true,
        [this, suffix](const Actor&, Target target) {
          const std::string id = target == Target::missing ? "00000000-0000-7000-8000-000000000000" : drawer();
          return Call{"/api/v1/payments/drawers/" + id + suffix, nullptr, {}};
        },
        staff_on_drawer};
  }
  c["POST /api/v1/payments/drawers/{id}/float"] = {
      true,
      [this, key](const Actor&, Target target) {
        const std::string id = target == Target::missing ? "00000000-0000-7000-8000-000000000000" : drawer();
        return Call{"/api/v1/payments/drawers/" + id + "/float", {{"amount", 100}}, key()};
      },
      staff_on_drawer};
  c["POST /api/v1/payments/drawers/{id}/close"] = {
      true,
      [this, key](const Actor&, Target target) {
        const std::string id =
            target == Target::missing ? "00000000-0000-7000-8000-000000000000" : new_drawer("CLOSE-" + next());
        return Call{"/api/v1/payments/drawers/" + id + "/close", {{"counted", 0}}, key()};
      },
      clerk_on_drawer};
  for (const std::string operation : {"cash-in", "cash-out"}) {
    c["POST /api/v1/payments/counter/" + operation] = {
        false,
        [this, key, operation](const Actor&, Target) {
          drawer();
          return Call{"/api/v1/payments/counter/" + operation,
                      {{"office_code", "MATRIX"}, {"account_number", account_of(victim_party_)}, {"amount", 100}},
                      key()};
        },
        [](const Actor& actor, Target) { return is_any(actor, {Role::postal_clerk}); }};
  }
}

// Bills: authorities and businesses issue and cancel their own; the payer (or its API key with
// payments roles) reads and pays its own; staff read anyone's and pay none.
void AuthorizationMatrix::add_bill_cases(std::map<std::string, RouteCase>& c) {
  const std::string missing = "00000000-0000-7000-8000-000000000000";
  const auto key = [this] {
    return std::vector<std::pair<std::string, std::string>>{{"Idempotency-Key", "b-" + next()}};
  };
  const auto billers = [](const Actor& actor) { return is_any(actor, {Role::authority_sender, Role::business}); };
  const auto own_payments = [](const Actor& actor) {
    return holds_accounts(actor) && (actor.api_key.empty() || is_any(actor, {Role::business, Role::authority_sender}));
  };
  c["POST /api/v1/bills"] = {false,
                             [this, key](const Actor& actor, Target) {
                               if (actor.role && holds_accounts(actor)) account_of(actor.party_id);
                               return Call{"/api/v1/bills",
                                           {{"reference", "R-" + next()},
                                            {"payer", {{"type", "national_id"}, {"id", "19990000000001"}}},
                                            {"amount_due", 1000},
                                            {"currency", "EGP"},
                                            {"due_date", "2031-01-31"}},
                                           key()};
                             },
                             [billers](const Actor& actor, Target) { return billers(actor); }};
  c["POST /api/v1/bills/files"] = {false,
                                   [this, key](const Actor& actor, Target) {
                                     if (actor.role && holds_accounts(actor)) account_of(actor.party_id);
                                     Call call{"/api/v1/bills/files", nullptr, key()};
                                     call.raw_body =
                                         "recipient,reference,amount_due,currency,due_date\n19990000000001,F-" +
                                         next() + ",700,EGP,2031-01-31\n";
                                     call.raw_type = "text/csv";
                                     return call;
                                   },
                                   [billers](const Actor& actor, Target) { return billers(actor); }};
  c["GET /api/v1/bills"] = {
      false,
      [](const Actor&, Target) {
        return Call{"/api/v1/bills", nullptr, {}};
      },
      [](const Actor& actor, Target) {
        return actor.role && (actor.api_key.empty() || is_any(actor, {Role::business, Role::authority_sender}));
      }};
  c["GET /api/v1/bills/issued"] = {false,
                                   [](const Actor&, Target) {
                                     return Call{"/api/v1/bills/issued", nullptr, {}};
                                   },
                                   [billers](const Actor& actor, Target) { return billers(actor); }};
  // The actor's own bill: one it issued (billers), one addressed to it (other parties with
  // accounts), or for staff the victim's.
  const auto own_bill = [this, billers](const Actor& actor) {
    if (billers(actor)) return bill_to(victim_party_, actor.login);
    if (actor.role && holds_accounts(actor)) return bill_to(actor.party_id, "integration");
    return bill_to(victim_party_, "integration");
  };
  c["GET /api/v1/bills/{id}"] = {
      true,
      [this, missing, own_bill](const Actor& actor, Target target) {
        const std::string id = target == Target::missing ? missing
                               : target == Target::own   ? own_bill(actor)
                                                         : bill_to(victim_party_, "integration");
        return Call{"/api/v1/bills/" + id, nullptr, {}};
      },
      [billers, own_payments](const Actor& actor, Target target) {
        if (target == Target::missing) return false;
        return staff(actor) || (target == Target::own && (billers(actor) || own_payments(actor)));
      }};
  c["POST /api/v1/bills/{id}/cancel"] = {
      true,
      [this, missing, own_bill](const Actor& actor, Target target) {
        const std::string id = target == Target::missing ? missing
                               : target == Target::own   ? own_bill(actor)
                                                         : bill_to(victim_party_, "integration");
        return Call{"/api/v1/bills/" + id + "/cancel", nullptr, {}};
      },
      [billers](const Actor& actor, Target target) { return target == Target::own && billers(actor); }};
  c["POST /api/v1/bills/{id}/pay"] = {
      true,
      [this, missing, key](const Actor& actor, Target target) {
        std::string id = missing;
        std::string from = account_of(victim_party_);
        if (target == Target::own && actor.role && holds_accounts(actor)) {
          id = bill_to(actor.party_id, "integration");
          from = account_of(actor.party_id);
        } else if (target != Target::missing) {
          id = bill_to(victim_party_, "integration");
        }
        return Call{"/api/v1/bills/" + id + "/pay", {{"from_account", from}}, key()};
      },
      [own_payments](const Actor& actor, Target target) { return target == Target::own && own_payments(actor); }};
}

// Checkout: businesses create, capture and refund their own intents; a buyer pays from its own
// account and cancels what it paid; anyone logged in may look at (and pay) an unpaid intent by id;
// the acquirer's callback and the sandbox's page are public (the callback is signed).
void AuthorizationMatrix::add_checkout_cases(std::map<std::string, RouteCase>& c) {
  const std::string missing = "00000000-0000-7000-8000-000000000000";
  const std::string missing_account = payments::make_account_number("EG", "0000000000000002");
  const auto key = [this] {
    return std::vector<std::pair<std::string, std::string>>{{"Idempotency-Key", "c-" + next()}};
  };
  const auto merchant = [](const Actor& actor) { return is_any(actor, {Role::business}); };
  const auto own_payments = [](const Actor& actor) {
    return holds_accounts(actor) && (actor.api_key.empty() || is_any(actor, {Role::business, Role::authority_sender}));
  };
  c["POST /api/v1/checkout/intents"] = {
      false,
      [this, key](const Actor& actor, Target) {
        if (actor.role && holds_accounts(actor)) account_of(actor.party_id);
        return Call{"/api/v1/checkout/intents",
                    {{"amount", 500}, {"currency", "EGP"}, {"order_reference", "N-" + next()}},
                    key()};
      },
      [merchant](const Actor& actor, Target) { return merchant(actor); }};
  c["GET /api/v1/checkout/intents/{id}"] = {true,
                                            [this, missing, merchant, own_payments](const Actor& actor, Target target) {
                                              std::string id = missing;
                                              if (target == Target::own) {
                                                id = merchant(actor)       ? intent_of(actor.login)
                                                     : own_payments(actor) ? intent_of("shop", actor.login)
                                                                           : intent_of("shop");
                                              } else if (target == Target::other) {
                                                id = intent_of("shop", "victim");
                                              }
                                              return Call{"/api/v1/checkout/intents/" + id, nullptr, {}};
                                            },
                                            [](const Actor& actor, Target target) {
                                              if (target == Target::missing || !actor.role) return false;
                                              return target == Target::own || staff(actor);
                                            }};
  c["POST /api/v1/checkout/intents/{id}/pay"] = {
      true,
      [this, missing_account, key](const Actor& actor, Target target) {
        const std::string from = target == Target::missing ? missing_account
                                 : target == Target::own   ? own_account(actor)
                                                           : account_of(victim_party_);
        return Call{"/api/v1/checkout/intents/" + intent_of("shop") + "/pay", {{"from_account", from}}, key()};
      },
      [own_payments](const Actor& actor, Target target) { return target == Target::own && own_payments(actor); }};
  c["POST /api/v1/checkout/intents/{id}/card"] = {
      false,
      [this, key](const Actor&, Target) {
        return Call{"/api/v1/checkout/intents/" + intent_of("shop") + "/card", nullptr, key()};
      },
      signed_in};
  c["POST /api/v1/checkout/intents/{id}/capture"] = {
      true,
      [this, missing, merchant](const Actor& actor, Target target) {
        std::string id = missing;
        if (target == Target::own)
          id = merchant(actor) ? intent_of(actor.login, "victim") : intent_of("shop", "victim");
        if (target == Target::other) id = intent_of("shop", "victim");
        return Call{"/api/v1/checkout/intents/" + id + "/capture", nullptr, {}};
      },
      [merchant](const Actor& actor, Target target) { return target == Target::own && merchant(actor); }};
  c["POST /api/v1/checkout/intents/{id}/cancel"] = {
      true,
      [this, missing, merchant, own_payments](const Actor& actor, Target target) {
        std::string id = missing;
        if (target == Target::own) {
          id = merchant(actor)       ? intent_of(actor.login)
               : own_payments(actor) ? intent_of("shop", actor.login)
                                     : intent_of("shop", "victim");
        } else if (target == Target::other) {
          id = intent_of("shop", "victim");
        }
        return Call{"/api/v1/checkout/intents/" + id + "/cancel", nullptr, {}};
      },
      [merchant, own_payments](const Actor& actor, Target target) {
        return target == Target::own && (merchant(actor) || own_payments(actor));
      }};
  c["POST /api/v1/checkout/intents/{id}/refunds"] = {
      true,
      [this, missing, merchant, key](const Actor& actor, Target target) {
        std::string id = missing;
        if (target == Target::own) {
          id = merchant(actor) ? intent_of(actor.login, "victim", true) : intent_of("shop", "victim", true);
        }
        if (target == Target::other) id = intent_of("shop", "victim", true);
        return Call{"/api/v1/checkout/intents/" + id + "/refunds", {{"amount", 100}}, key()};
      },
      [merchant](const Actor& actor, Target target) { return target == Target::own && merchant(actor); }};
  c["POST /api/v1/checkout/callbacks/{acquirer}"] = {
      false,
      [this](const Actor&, Target) {
        const auto [id, order] = card_order();
        auto& sandbox = dynamic_cast<payments::SandboxAcquirer&>(*node_->node().checkout().acquirer());
        const auto [body, signature] = sandbox.callback_for(order, id, 300, "EGP", true);
        Call call{"/api/v1/checkout/callbacks/sandbox", nullptr, {{"X-Signature", signature}}};
        call.raw_body = body;
        call.raw_type = "application/json";
        return call;
      },
      everyone};
  c["POST /api/v1/sandbox-acquirer/orders/{order}/complete"] = {
      false,
      [this](const Actor&, Target) {
        return Call{"/api/v1/sandbox-acquirer/orders/" + card_order().second + "/complete", {{"approved", true}}, {}};
      },
      everyone};
}

// Parcels: admins manage id ranges; businesses, citizens and clerks ship; an item is seen by its
// parties and by postal staff; staff scan; tracking and the product list are public.
void AuthorizationMatrix::add_parcel_cases(std::map<std::string, RouteCase>& c) {
  const std::string missing = parcels::make_s10("CP", 99'999'999, "EG");
  const auto admin = [](const Actor& actor, Target) { return is_any(actor, {Role::operator_admin}); };
  const auto staff = [](const Actor& actor, Target) {
    return is_any(actor, {Role::carrier, Role::postal_clerk, Role::customs_officer, Role::operator_admin});
  };
  const auto shipper = [](const Actor& actor) { return is_any(actor, {Role::business, Role::citizen}); };
  c["POST /api/v1/id-ranges"] = {
      false,
      [this](const Actor&, Target) {
        const std::int64_t first = 200'000 + 100 * std::stoll(next());
        return Call{"/api/v1/id-ranges",
                    {{"service", "CA"}, {"country", "EG"}, {"first_serial", first}, {"last_serial", first + 99}},
                    {}};
      },
      admin};
  c["GET /api/v1/id-ranges"] = {false,
                                [](const Actor&, Target) {
                                  return Call{"/api/v1/id-ranges", nullptr, {}};
                                },
                                admin};
  for (const char* action : {"activate", "deactivate"}) {
    c[std::string("POST /api/v1/id-ranges/{id}/") + action] = {
        false,
        [this, action](const Actor&, Target) {
          item_of("victim");  // makes the range
          // The shared range stays active: deactivating it is tried on a range of its own.
          const std::int64_t first = 100 * std::stoll(next());
          auto range =
              node_->node().parcels().add_range(principal_of("actor-operatoradmin"), "CB", "EG", first, first + 99);
          if (!range) throw std::runtime_error("range: " + range.error().code);
          return Call{"/api/v1/id-ranges/" + range->id + "/" + action, nullptr, {}};
        },
        admin};
  }
  c["GET /api/v1/products"] = {false,
                               [](const Actor&, Target) {
                                 return Call{"/api/v1/products", nullptr, {}};
                               },
                               everyone};
  c["POST /api/v1/items"] = {
      false,
      [this](const Actor&, Target) {
        item_of("victim");  // makes the range
        const Json address = {{"country", "EG"}, {"name", "س"}, {"street", "1 شارع"}, {"city", "القاهرة"}};
        return Call{"/api/v1/items",
                    {{"product", "C"},
                     {"sender", address},
                     {"addressee", address},
                     {"weight_g", 100},
                     {"length_mm", 100},
                     {"width_mm", 100},
                     {"height_mm", 100}},
                    {{"Idempotency-Key", "p-" + next()}}};
      },
      [](const Actor& actor, Target) {
        return is_any(actor, {Role::business, Role::citizen, Role::postal_clerk});
      }};
  c["GET /api/v1/items"] = {false, [](const Actor&, Target) { return Call{"/api/v1/items", nullptr, {}}; }, signed_in};
  for (const char* suffix : {"", "/events", "/label.pdf"}) {
    c[std::string("GET /api/v1/items/{id}") + suffix] = {
        true,
        [this, missing, shipper, suffix](const Actor& actor, Target target) {
          std::string id = missing;
          if (target == Target::own) id = shipper(actor) ? item_of(actor.login) : item_of("victim");
          if (target == Target::other) id = item_of("victim");
          return Call{"/api/v1/items/" + id + suffix, nullptr, {}};
        },
        [shipper, staff](const Actor& actor, Target target) {
          if (target == Target::missing) return false;
          return (target == Target::own && shipper(actor)) || staff(actor, target);
        }};
  }
  c["POST /api/v1/scans"] = {
      false,
      [this](const Actor&, Target) {
        return Call{
            "/api/v1/scans", {{"item", item_of("victim")}, {"code", "EMB"}, {"time", "2026-11-23T10:00:00Z"}}, {}};
      },
      staff};
  c["POST /api/v1/scans/files"] = {false,
                                   [this](const Actor&, Target) {
                                     Call call{"/api/v1/scans/files", nullptr, {}};
                                     call.raw_body =
                                         "item,code,time\n" + item_of("victim") + ",EMC,2026-11-23T11:00:00Z\n";
                                     call.raw_type = "text/csv";
                                     return call;
                                   },
                                   staff};
  c["GET /api/v1/scans/orphans"] = {false,
                                    [](const Actor&, Target) {
                                      return Call{"/api/v1/scans/orphans", nullptr, {}};
                                    },
                                    staff};
  c["GET /api/v1/track/{id}"] = {false,
                                 [this](const Actor&, Target) {
                                   return Call{"/api/v1/track/" + item_of("victim"), nullptr, {}};
                                 },
                                 everyone};

  // Quality of service: calendars, standards and reports are the operator admins'. Each new
  // standard takes a route of its own (countries picked by the counter), so none already exists.
  const auto fresh_route = [this] {
    static const std::vector<std::string> countries = [] {
      std::vector<std::string> out;
      for (char first = 'A'; first <= 'Z'; ++first) {
        for (char second = 'A'; second <= 'Z'; ++second) {
          const std::string code{first, second};
          if (parcels::is_country_code(code)) out.push_back(code);
        }
      }
      return out;
    }();
    const auto n = static_cast<std::size_t>(std::stoll(next()));
    return std::pair{countries[n % countries.size()], countries[(n / countries.size()) % countries.size()]};
  };
  c["PUT /api/v1/quality/calendars/{country}"] = {
      false,
      [](const Actor&, Target) {
        return Call{"/api/v1/quality/calendars/EG", {{"weekend", {"fri", "sat"}}, {"holidays", {"2026-01-07"}}}, {}};
      },
      admin};
  c["GET /api/v1/quality/calendars"] = {false,
                                        [](const Actor&, Target) {
                                          return Call{"/api/v1/quality/calendars", nullptr, {}};
                                        },
                                        admin};
  c["POST /api/v1/quality/standards"] = {
      false,
      [fresh_route](const Actor&, Target) {
        const auto [origin, destination] = fresh_route();
        return Call{"/api/v1/quality/standards",
                    {{"product", "C"}, {"origin", origin}, {"destination", destination}, {"days", 3}},
                    {}};
      },
      admin};
  c["GET /api/v1/quality/standards"] = {false,
                                        [](const Actor&, Target) {
                                          return Call{"/api/v1/quality/standards", nullptr, {}};
                                        },
                                        admin};
  c["DELETE /api/v1/quality/standards/{id}"] = {
      true,
      [this, fresh_route](const Actor&, Target target) {
        std::string id = "std_00000000-0000-7000-8000-000000000000";
        if (target != Target::missing) {
          const auto [origin, destination] = fresh_route();
          auto standard = node_->node().parcels().add_standard(principal_of("actor-operatoradmin"),
                                                               {"E", origin, destination, 2, 12 * 60});
          if (!standard) throw std::runtime_error("standard: " + standard.error().code);
          id = standard->id;
        }
        return Call{"/api/v1/quality/standards/" + id, nullptr, {}};
      },
      [](const Actor& actor, Target target) {
        return is_any(actor, {Role::operator_admin}) && target != Target::missing;
      }};
  c["GET /api/v1/quality/report"] = {
      false,
      [](const Actor&, Target) {
        return Call{"/api/v1/quality/report?from=2026-01-01&to=2026-01-31&format=csv", nullptr, {}};
      },
      admin};
}

void AuthorizationMatrix::add_customs_cases(std::map<std::string, RouteCase>& c) {
  const std::string missing = parcels::make_s10("CP", 99'999'999, "EG");
  const auto officers = [](const Actor& actor, Target) {
    return is_any(actor, {Role::customs_officer, Role::operator_admin});
  };
  const auto admin = [](const Actor& actor, Target) { return is_any(actor, {Role::operator_admin}); };
  const auto shipper = [](const Actor& actor) { return is_any(actor, {Role::business, Role::citizen}); };
  const Json declaration = customs::declaration_json({"", "CN23", matrix_declaration(), 0});
  c["PUT /api/v1/items/{id}/declaration"] = {
      true,
      [this, missing, shipper, declaration](const Actor& actor, Target target) {
        std::string id = missing;
        if (target == Target::own) id = declared_item_of(shipper(actor) ? actor.login : "victim");
        if (target == Target::other) id = declared_item_of("victim");
        return Call{"/api/v1/items/" + id + "/declaration", declaration, {}};
      },
      [shipper](const Actor& actor, Target target) { return target == Target::own && shipper(actor); }};
  c["GET /api/v1/items/{id}/declaration"] = {
      true,
      [this, missing, shipper](const Actor& actor, Target target) {
        std::string id = missing;
        if (target == Target::own) id = declared_item_of(shipper(actor) ? actor.login : "victim");
        if (target == Target::other) id = declared_item_of("victim");
        return Call{"/api/v1/items/" + id + "/declaration", nullptr, {}};
      },
      [shipper](const Actor& actor, Target target) {
        if (target == Target::missing) return false;
        return (target == Target::own && shipper(actor)) ||
               is_any(actor, {Role::carrier, Role::postal_clerk, Role::customs_officer, Role::operator_admin});
      }};
  c["GET /api/v1/customs/queue"] = {false,
                                    [](const Actor&, Target) {
                                      return Call{"/api/v1/customs/queue", nullptr, {}};
                                    },
                                    officers};
  c["GET /api/v1/customs/cases/{id}"] = {
      false,
      [this](const Actor&, Target) {
        return Call{"/api/v1/customs/cases/" + declared_item_of("victim", true), nullptr, {}};
      },
      officers};
  c["POST /api/v1/customs/cases/{id}/decisions"] = {
      false,
      [this](const Actor&, Target) {
        return Call{"/api/v1/customs/cases/" + declared_item_of("victim", true) + "/decisions",
                    {{"decision", "held"}, {"note", "x-ray"}},
                    {{"Idempotency-Key", "d-" + next()}}};
      },
      [](const Actor& actor, Target) { return is_any(actor, {Role::customs_officer}); }};
  const auto rule = [this] {
    auto added =
        node_->node().customs().add_rule(principal_of("actor-customsofficer"), "missing_hs_code", Json::object());
    if (!added) throw std::runtime_error("rule: " + added.error().code);
    return added->id;
  };
  c["POST /api/v1/customs/rules"] = {false,
                                     [](const Actor&, Target) {
                                       return Call{"/api/v1/customs/rules", {{"kind", "missing_hs_code"}}, {}};
                                     },
                                     officers};
  c["GET /api/v1/customs/rules"] = {false,
                                    [](const Actor&, Target) {
                                      return Call{"/api/v1/customs/rules", nullptr, {}};
                                    },
                                    officers};
  for (const char* action : {"activate", "deactivate"}) {
    c[std::string("POST /api/v1/customs/rules/{id}/") + action] = {
        false,
        [rule, action](const Actor&, Target) {
          return Call{"/api/v1/customs/rules/" + rule() + "/" + action, nullptr, {}};
        },
        officers};
  }
  const Json tariff = {
      {"currency", "EGP"}, {"de_minimis", 0}, {"rates", {{"*", {{"duty_bp", 500}, {"vat_bp", 1400}}}}}};
  c["PUT /api/v1/customs/tariff"] = {false,
                                     [tariff](const Actor&, Target) {
                                       return Call{"/api/v1/customs/tariff", tariff, {}};
                                     },
                                     officers};
  c["GET /api/v1/customs/tariff"] = {false,
                                     [this](const Actor&, Target) {
                                       auto set = node_->node().customs().set_tariff(
                                           principal_of("actor-customsofficer"), {"EGP", 0, {{"*", {500, 1400}}}});
                                       if (!set) throw std::runtime_error("tariff: " + set.error().code);
                                       return Call{"/api/v1/customs/tariff", nullptr, {}};
                                     },
                                     officers};
  c["GET /api/v1/customs/operator-key"] = {false,
                                           [](const Actor&, Target) {
                                             return Call{"/api/v1/customs/operator-key", nullptr, {}};
                                           },
                                           everyone};
  const auto partner = [this](const std::string& code) {
    customs::Partner input{code, "Partner " + code, "MA", crypto::base64_encode(partner_key_.public_key)};
    auto added = node_->node().customs().add_partner(principal_of("actor-operatoradmin"), input);
    if (!added) throw std::runtime_error("partner: " + added.error().code);
    return added->code;
  };
  c["POST /api/v1/customs/partners"] = {false,
                                        [this](const Actor&, Target) {
                                          return Call{"/api/v1/customs/partners",
                                                      {{"code", "P-" + next()},
                                                       {"name", "Partner"},
                                                       {"country", "MA"},
                                                       {"public_key", crypto::base64_encode(partner_key_.public_key)}},
                                                      {}};
                                        },
                                        admin};
  c["GET /api/v1/customs/partners"] = {false,
                                       [](const Actor&, Target) {
                                         return Call{"/api/v1/customs/partners", nullptr, {}};
                                       },
                                       officers};
  for (const char* action : {"activate", "deactivate"}) {
    c[std::string("POST /api/v1/customs/partners/{code}/") + action] = {
        false,
        [this, partner, action](const Actor&, Target) {
          return Call{"/api/v1/customs/partners/" + partner("Q-" + next()) + "/" + action, nullptr, {}};
        },
        admin};
  }
  c["POST /api/v1/customs/pre-advice/exports"] = {false,
                                                  [this](const Actor&, Target) {
                                                    declared_item_of("victim");
                                                    return Call{"/api/v1/customs/pre-advice/exports",
                                                                {{"destination_country", "DZ"}},
                                                                {{"Idempotency-Key", "x-" + next()}}};
                                                  },
                                                  officers};
  c["GET /api/v1/customs/pre-advice/exports"] = {false,
                                                 [](const Actor&, Target) {
                                                   return Call{"/api/v1/customs/pre-advice/exports", nullptr, {}};
                                                 },
                                                 officers};
  c["GET /api/v1/customs/pre-advice/exports/{id}/bundle"] = {
      false,
      [this](const Actor&, Target) {
        declared_item_of("victim");
        auto exported =
            node_->node().customs().export_pre_advice(principal_of("actor-customsofficer"), "DZ", "matrix-" + next());
        if (!exported) throw std::runtime_error("export: " + exported.error().code);
        return Call{"/api/v1/customs/pre-advice/exports/" + exported->id + "/bundle", nullptr, {}};
      },
      officers};
  c["POST /api/v1/customs/pre-advice/imports"] = {
      false,
      [this, partner](const Actor&, Target) {
        if (!partner_ready_) {
          partner("MATRIX-PARTNER");
          partner_ready_ = true;
        }
        const auto n = next();
        const Json address = {
            {"country", "MA"}, {"name", "مرسل"}, {"street", "1 زنقة"}, {"city", "الرباط"}, {"postcode", "10000"}};
        const Json to = {{"country", "EG"}, {"name", "مستلم"}, {"street", "2 شارع النيل"}, {"city", "القاهرة"}};
        Json declared = customs::declaration_json({"", "CN23", matrix_declaration(), 0});
        for (const char* key : {"item_id", "created_at_ms"}) declared.erase(key);
        const Json bundle = {{"format", "barid.pre_advice.v1"},
                             {"id", "pa_matrix_" + n},
                             {"origin_operator", "MATRIX-PARTNER"},
                             {"destination_country", "EG"},
                             {"created_at", "2026-11-23T10:00:00.000Z"},
                             {"items",
                              {{{"id", parcels::make_s10("CP", static_cast<std::uint32_t>(std::stoll(n)), "MA")},
                                {"product", "C"},
                                {"sender", address},
                                {"addressee", to},
                                {"weight_g", 500},
                                {"length_mm", 100},
                                {"width_mm", 100},
                                {"height_mm", 100},
                                {"declaration", declared}}}}};
        return Call{"/api/v1/customs/pre-advice/imports", customs::sign_bundle(bundle, partner_key_), {}};
      },
      officers};
}

TEST_P(AuthorizationMatrix, EveryRouteRoleAndObjectGetsOnlyTheAnswerItShould) {
  auto route_cases = cases();
  const auto client = node_->client();
  int checked = 0;
  for (const auto& route : node_->api().routes()) {
    const std::string key = std::string(http::method_name(route.method)) + " " + route.path;
    auto found = route_cases.find(key);
    ASSERT_NE(found, route_cases.end()) << "route " << key << " has no entry in the authorization matrix";
    const RouteCase& route_case = found->second;
    const std::vector<Target> targets = route_case.has_objects
                                            ? std::vector<Target>{Target::own, Target::other, Target::missing}
                                            : std::vector<Target>{Target::own};
    for (const auto& actor : actors_) {
      std::map<Target, std::pair<int, std::string>> refusals;
      for (const Target target : targets) {
        std::string who = actor.role ? std::string(identity::to_string(*actor.role)) : "anonymous";
        if (!actor.api_key.empty()) who += " (API key)";
        SCOPED_TRACE(key + " as " + who + " on " + name_of(target));
        const Call call = route_case.make_call(actor, target);
        std::vector<std::pair<std::string, std::string>> headers;
        if (actor.role) {
          const std::string token = actor.api_key.empty() ? node_->log_in(actor.login) : actor.api_key;
          headers.emplace_back("Authorization", "Bearer " + token);
        }
        std::string body;
        if (!call.body.is_null()) {
          headers.emplace_back("Content-Type", "application/json");
          body = call.body.dump();
        }
        if (!call.raw_type.empty()) {
          headers.emplace_back("Content-Type", call.raw_type);
          body = call.raw_body;
        }
        for (const auto& header : call.headers) headers.push_back(header);
        const auto reply = client.request(std::string(http::method_name(route.method)), call.target, body, headers);
        const bool succeeded = reply.status >= 200 && reply.status < 300;
        EXPECT_LT(reply.status, 500) << reply.body;
        const bool may = route_case.may_succeed(actor, target) && !(!actor.api_key.empty() && person_only(key));
        if (may) {
          EXPECT_TRUE(succeeded) << "expected success, got " << reply.status << " " << reply.body;
        } else {
          EXPECT_FALSE(succeeded) << "expected refusal, got " << reply.status << " " << reply.body;
          EXPECT_FALSE(reply.error_code().empty()) << reply.body;
          refusals[target] = {reply.status, reply.error_code()};
        }
        ++checked;
      }
      // Someone else's object must be refused exactly like one that does not exist, so that ids
      // cannot be probed.
      if (refusals.count(Target::other) != 0 && refusals.count(Target::missing) != 0) {
        EXPECT_EQ(refusals[Target::other], refusals[Target::missing]) << key << " as " << actor.login;
      }
    }
  }
  EXPECT_GT(checked, 100);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthorizationMatrix, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace barid::testing
