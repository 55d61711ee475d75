// Walks every registered route × every role (and no login) × (own object, someone else's, one
// that does not exist) and fails on any 2xx that should not be, and on any refusal that should
// not be. A route without an entry here fails the test: new routes must declare who may call them.
#include "support/test_node.hpp"

#include <barid/core/time.hpp>

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

  std::unique_ptr<TestNode> node_;
  std::vector<Actor> actors_;
  std::string victim_party_;
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
  return c;
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
