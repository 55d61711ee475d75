// Routes of identity and access: sessions, the caller's own data, delegations, parties (counter
// registration and look-up) and administration of users and API keys.
#include <barid/api/api.hpp>
#include <barid/core/time.hpp>

namespace barid::api {

using identity::PartyKind;
using identity::Role;

namespace {

constexpr std::size_t kMaxPageSize = 200;

Json optional_text(const std::optional<std::string>& value) {
  return value ? Json(*value) : Json();
}
Json optional_time(const std::optional<std::int64_t>& value) {
  return value ? Json(format_utc_ms(*value)) : Json();
}

Json roles_json(const std::vector<Role>& roles) {
  Json out = Json::array();
  for (const Role role : roles) out.push_back(identity::to_string(role));
  return out;
}

Json party_json(const identity::Party& party) {
  return {{"id", party.id},
          {"kind", identity::to_string(party.kind)},
          {"identifier_type", identity::identifier_name(party.kind)},
          {"identifier", party.identifier},
          {"name_ar", party.name_ar},
          {"name_latin", party.name_latin},
          {"email", optional_text(party.email)},
          {"phone", optional_text(party.phone)},
          {"language", party.language},
          {"postal_address", optional_text(party.postal_address)},
          {"created_at", format_utc_ms(party.created_at_ms)}};
}

Json user_json(const identity::User& user) {
  return {{"id", user.id},
          {"login", user.login},
          {"party_id", user.party_id},
          {"roles", roles_json(user.roles)},
          {"disabled", user.disabled},
          {"created_at", format_utc_ms(user.created_at_ms)}};
}

Json delegation_json(const identity::Delegation& delegation) {
  Json scopes = Json::array();
  for (const auto scope : delegation.scopes) scopes.push_back(identity::to_string(scope));
  return {{"id", delegation.id},
          {"grantor_party_id", delegation.grantor_party_id},
          {"grantor_name_latin", delegation.grantor_name_latin},
          {"grantee_user_id", delegation.grantee_user_id},
          {"grantee_login", delegation.grantee_login},
          {"scopes", scopes},
          {"created_at", format_utc_ms(delegation.created_at_ms)},
          {"expires_at", format_utc_ms(delegation.expires_at_ms)},
          {"revoked_at", optional_time(delegation.revoked_at_ms)},
          {"status", delegation.status}};
}

Json api_key_json(const identity::ApiKey& key) {
  return {{"id", key.id},
          {"name", key.name},
          {"login", key.login},
          {"roles", roles_json(key.roles)},
          {"created_at", format_utc_ms(key.created_at_ms)},
          {"last_used_at", optional_time(key.last_used_at_ms)},
          {"revoked_at", optional_time(key.revoked_at_ms)}};
}

Json party_schema() {
  return schema::object(
      {{"id", schema::string()},
       {"kind", schema::enumeration({"citizen", "business", "authority", "postal_operator"})},
       {"identifier_type", schema::enumeration({"national_id", "registry_number", "authority_code", "operator_code"})},
       {"identifier", schema::string()},
       {"name_ar", schema::string()},
       {"name_latin", schema::string()},
       {"email", schema::nullable(schema::string())},
       {"phone", schema::nullable(schema::string())},
       {"language", schema::enumeration({"ar", "fr", "en"})},
       {"postal_address", schema::nullable(schema::string("address lines separated by newlines"))},
       {"created_at", schema::string_format("date-time")}},
      {"id", "kind", "identifier", "name_ar", "name_latin", "language"});
}

Json roles_schema() {
  return schema::array(schema::enumeration(
      {"citizen", "business", "authority_sender", "postal_clerk", "carrier", "customs_officer", "operator_admin"}));
}

Json user_schema() {
  return schema::object({{"id", schema::string()},
                         {"login", schema::string()},
                         {"party_id", schema::string()},
                         {"roles", roles_schema()},
                         {"disabled", schema::boolean()},
                         {"created_at", schema::string_format("date-time")}},
                        {"id", "login", "party_id", "roles"});
}

Json delegation_schema() {
  return schema::object({{"id", schema::string()},
                         {"grantor_party_id", schema::string()},
                         {"grantor_name_latin", schema::string()},
                         {"grantee_user_id", schema::string()},
                         {"grantee_login", schema::string()},
                         {"scopes", schema::array(schema::string())},
                         {"created_at", schema::string_format("date-time")},
                         {"expires_at", schema::string_format("date-time")},
                         {"revoked_at", schema::nullable(schema::string_format("date-time"))},
                         {"status", schema::enumeration({"active", "expired", "revoked"})}},
                        {"id", "scopes", "expires_at", "status"});
}

Json api_key_schema() {
  return schema::object({{"id", schema::string()},
                         {"name", schema::string()},
                         {"login", schema::string()},
                         {"roles", roles_schema()},
                         {"created_at", schema::string_format("date-time")},
                         {"last_used_at", schema::nullable(schema::string_format("date-time"))},
                         {"revoked_at", schema::nullable(schema::string_format("date-time"))}},
                        {"id", "name", "login", "roles"});
}

Result<std::vector<Role>> read_roles(const FieldReader& reader) {
  BARID_ASSIGN_OR_RETURN(auto names, reader.required_string_array("roles", 7, 32));
  std::vector<Role> roles;
  for (const auto& name : names) {
    auto role = identity::role_from_string(name);
    if (!role) return invalid_input("unknown_role", "unknown role '" + name + "'");
    roles.push_back(*role);
  }
  return roles;
}

Result<std::size_t> page_size(Context& context) {
  const auto text = context.request().query_param("limit");
  if (!text) return std::size_t{50};
  if (text->empty() || text->size() > 4 || text->find_first_not_of("0123456789") != std::string::npos) {
    return invalid_input("invalid_limit", "limit must be a number from 1 to " + std::to_string(kMaxPageSize));
  }
  const auto value = std::stoul(*text);
  if (value < 1 || value > kMaxPageSize) {
    return invalid_input("invalid_limit", "limit must be a number from 1 to " + std::to_string(kMaxPageSize));
  }
  return static_cast<std::size_t>(value);
}

QueryParameter limit_parameter() {
  return {"limit", "page size, 1 to 200 (default 50)", schema::integer(), false};
}

// Reads {"kind", identifier fields, names, contact} into a NewParty.
Result<identity::NewParty> read_new_party(const Json& body) {
  FieldReader reader(body);
  BARID_ASSIGN_OR_RETURN(auto kind_text, reader.required_string("kind", 1, 32));
  auto kind = identity::party_kind_from_string(kind_text);
  if (!kind) return invalid_input("invalid_party_kind", "kind must be citizen, business, authority or postal_operator");
  BARID_ASSIGN_OR_RETURN(auto identifier, reader.required_string(identity::identifier_name(*kind), 1, 64));
  BARID_ASSIGN_OR_RETURN(auto name_ar, reader.required_string("name_ar", 1, 200));
  BARID_ASSIGN_OR_RETURN(auto name_latin, reader.required_string("name_latin", 1, 200));
  BARID_ASSIGN_OR_RETURN(auto email, reader.optional_string("email", 3, 254));
  BARID_ASSIGN_OR_RETURN(auto phone, reader.optional_string("phone", 7, 40));
  BARID_ASSIGN_OR_RETURN(auto language, reader.optional_string("language", 2, 2));
  BARID_ASSIGN_OR_RETURN(auto postal_address, reader.optional_string("postal_address", 1, 400));
  return identity::NewParty{*kind,         identifier, name_ar, name_latin, email, phone, language.value_or("ar"),
                            postal_address};
}

}  // namespace

void Api::add_identity_routes() {
  auto& identity = services_.identity;

  add({.method = http::Method::post,
       .path = "/api/v1/session",
       .operation_id = "logIn",
       .summary = "Log in with a login and password; returns a bearer token (idle timeout 30 min, absolute 12 h)",
       .tag = "identity",
       .access = Access::public_route(),
       .request_schema = schema::object({{"login", schema::string()}, {"password", schema::string_format("password")}},
                                        {"login", "password"}),
       .success_status = 201,
       .response_schema = schema::object({{"token", schema::string("shown once; send as Authorization: Bearer")},
                                          {"token_type", schema::enumeration({"Bearer"})},
                                          {"session_id", schema::string()},
                                          {"expires_at", schema::string_format("date-time")},
                                          {"idle_expires_at", schema::string_format("date-time")}},
                                         {"token", "token_type", "expires_at"}),
       .error_codes = {"invalid_credentials", "too_many_login_attempts"},
       .handler = [&identity](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto login, reader.required_string("login", 1, 256));
         BARID_ASSIGN_OR_RETURN(auto password, reader.required_string("password", 1, 1024));
         BARID_ASSIGN_OR_RETURN(auto grant, identity.log_in(login, password, context.request().remote_address));
         return json_response({{"token", grant.token},
                               {"token_type", "Bearer"},
                               {"session_id", grant.session_id},
                               {"expires_at", format_utc_ms(grant.expires_at_ms)},
                               {"idle_expires_at", format_utc_ms(grant.idle_expires_at_ms)}},
                              201);
       }});

  add({.method = http::Method::delete_,
       .path = "/api/v1/session",
       .operation_id = "logOut",
       .summary = "Log out: the session's token stops working at once",
       .tag = "identity",
       .access = Access::authenticated(),
       .success_status = 204,
       .error_codes = {"not_a_session"},
       .handler = [&identity](Context& context) -> Result<http::Response> {
         BARID_TRY(identity.log_out(context.caller()));
         return empty_response(204);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/me",
       .operation_id = "getMe",
       .summary = "The caller: user, party and roles",
       .tag = "identity",
       .access = Access::authenticated(),
       .response_schema = schema::object(
           {{"user", user_schema()}, {"party", party_schema()}, {"via", schema::enumeration({"session", "api_key"})}},
           {"user", "party", "via"}),
       .handler = [](Context& context) -> Result<http::Response> {
         const auto& caller = context.caller();
         identity::User user;
         user.id = caller.user_id;
         user.login = caller.login;
         user.party_id = caller.party_id;
         user.roles = caller.roles;
         Json user_out = user_json(user);
         user_out.erase("created_at");
         user_out.erase("disabled");
         return json_response({{"user", user_out},
                               {"party", party_json(caller.party)},
                               {"via", caller.via == identity::Principal::Via::session ? "session" : "api_key"}});
       }});

  add({.method = http::Method::put,
       .path = "/api/v1/me/password",
       .operation_id = "changePassword",
       .summary = "Change the caller's password (12 to 128 characters); other sessions end",
       .tag = "identity",
       .access = Access::authenticated(),
       .request_schema = schema::object({{"current_password", schema::string_format("password")},
                                         {"new_password", schema::string_format("password")}},
                                        {"current_password", "new_password"}),
       .success_status = 204,
       .error_codes = {"wrong_password", "password_too_short", "password_too_long"},
       .handler = [&identity](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto current, reader.required_string("current_password", 1, 1024));
         BARID_ASSIGN_OR_RETURN(auto replacement, reader.required_string("new_password", 1, 1024));
         BARID_TRY(identity.change_password(context.caller(), current, replacement));
         return empty_response(204);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/me/access-log",
       .operation_id = "getMyAccessLog",
       .summary = "Who, other than the caller's own party, read the party's data (newest first)",
       .tag = "identity",
       .access = Access::authenticated(),
       .response_schema = schema::object(
           {{"entries", schema::array(schema::object({{"id", schema::integer()},
                                                      {"at", schema::string_format("date-time")},
                                                      {"actor_login", schema::string()},
                                                      {"actor_party_id", schema::string()},
                                                      {"capacity", schema::string()},
                                                      {"action", schema::string()},
                                                      {"resource", schema::string()},
                                                      {"delegation_id", schema::nullable(schema::string())}}))},
            {"next_cursor", schema::nullable(schema::string())}},
           {"entries"}),
       .query = {limit_parameter(), {"cursor", "next_cursor of the previous page", schema::string(), false}},
       .error_codes = {"invalid_limit", "invalid_cursor"},
       .handler = [&identity](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto limit, page_size(context));
         std::int64_t before = INT64_MAX;
         if (auto cursor = context.request().query_param("cursor")) {
           if (cursor->empty() || cursor->size() > 18 || cursor->find_first_not_of("0123456789") != std::string::npos) {
             return invalid_input("invalid_cursor", "the cursor is not one this API gave out");
           }
           before = std::stoll(*cursor);
         }
         const auto entries = identity.access_log(context.caller().party_id, limit, before);
         Json out = Json::array();
         for (const auto& entry : entries) {
           out.push_back({{"id", entry.id},
                          {"at", format_utc_ms(entry.at_ms)},
                          {"actor_login", entry.actor_login},
                          {"actor_party_id", entry.actor_party_id},
                          {"capacity", entry.capacity},
                          {"action", entry.action},
                          {"resource", entry.resource},
                          {"delegation_id", optional_text(entry.delegation_id)}});
         }
         Json next = entries.size() == limit ? Json(std::to_string(entries.back().id)) : Json();
         return json_response({{"entries", out}, {"next_cursor", next}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/me/export",
       .operation_id = "exportMyData",
       .summary = "Everything Barid holds about the caller's party, as one JSON document",
       .tag = "identity",
       .access = Access::authenticated(),
       .response_schema =
           schema::object({{"party", party_schema()}, {"users", schema::array(schema::object({}))}}, {"party"}),
       .handler = [&identity](Context& context) -> Result<http::Response> {
         http::Response response = json_response(identity.export_party_data(context.caller()));
         response.set_header("Content-Disposition", "attachment; filename=\"barid-export.json\"");
         return response;
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/delegations",
       .operation_id = "listDelegations",
       .summary = "Delegations the caller's party gave and those the caller received",
       .tag = "identity",
       .access = Access::authenticated(),
       .response_schema = schema::object(
           {{"given", schema::array(delegation_schema())}, {"received", schema::array(delegation_schema())}},
           {"given", "received"}),
       .handler = [&identity](Context& context) -> Result<http::Response> {
         Json given = Json::array();
         for (const auto& d : identity.delegations_given(context.caller())) given.push_back(delegation_json(d));
         Json received = Json::array();
         for (const auto& d : identity.delegations_received(context.caller())) received.push_back(delegation_json(d));
         return json_response({{"given", given}, {"received", received}});
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/delegations",
       .operation_id = "grantDelegation",
       .summary = "Give another person's user scoped access to the caller's party until an expiry",
       .tag = "identity",
       .access = Access::any_of({Role::citizen, Role::business, Role::authority_sender}),
       .request_schema = schema::object(
           {{"grantee_login", schema::string()},
            {"grantee_identifier", schema::string("the grantee's national id, registry number or code")},
            {"scopes", schema::array(schema::enumeration({"mailbox:read", "mailbox:reply", "payments:read",
                                                          "payments:pay", "parcels:read", "profile:read"}))},
            {"expires_at", schema::string_format("date-time", "at most 366 days ahead")}},
           {"grantee_login", "grantee_identifier", "scopes", "expires_at"}),
       .success_status = 201,
       .response_schema = delegation_schema(),
       .error_codes = {"grantee_not_found", "session_required", "unknown_scope", "scopes_required", "expiry_in_past",
                       "expiry_too_far", "invalid_expires_at", "cannot_delegate_to_own_party"},
       .handler = [&identity](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto grantee, reader.required_string("grantee_login", 1, 64));
         BARID_ASSIGN_OR_RETURN(auto grantee_identifier, reader.required_string("grantee_identifier", 1, 64));
         BARID_ASSIGN_OR_RETURN(auto scope_names, reader.required_string_array("scopes", 16, 32));
         std::vector<identity::Scope> scopes;
         for (const auto& name : scope_names) {
           auto scope = identity::scope_from_string(name);
           if (!scope) return invalid_input("unknown_scope", "unknown scope '" + name + "'");
           scopes.push_back(*scope);
         }
         BARID_ASSIGN_OR_RETURN(auto expires_text, reader.required_string("expires_at", 1, 40));
         auto expires = parse_rfc3339_ms(expires_text);
         if (!expires) return invalid_input("invalid_expires_at", "expires_at must be an RFC 3339 date-time");
         BARID_ASSIGN_OR_RETURN(auto delegation, identity.grant_delegation(context.caller(), grantee,
                                                                           grantee_identifier, scopes, *expires));
         return json_response(delegation_json(delegation), 201);
       }});

  add({.method = http::Method::delete_,
       .path = "/api/v1/delegations/{id}",
       .operation_id = "revokeDelegation",
       .summary = "End a delegation (its grantor's party or its grantee)",
       .tag = "identity",
       .access = Access::authenticated(),
       .success_status = 204,
       .error_codes = {"delegation_not_found", "delegation_already_revoked", "session_required"},
       .handler = [&identity](Context& context) -> Result<http::Response> {
         BARID_TRY(identity.revoke_delegation(context.caller(), context.path_param("id")));
         return empty_response(204);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/parties/{id}",
       .operation_id = "getParty",
       .summary = "A party's profile: the caller's own, a delegator's (profile:read), or any for clerks and admins; "
                  "reads by others are logged for the party",
       .tag = "identity",
       .access = Access::authenticated(),
       .response_schema = party_schema(),
       .error_codes = {"party_not_found"},
       .handler = [&identity](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto party, identity.read_party(context.caller(), context.path_param("id")));
         return json_response(party_json(party));
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/parties",
       .operation_id = "findParty",
       .summary = "Find a customer by identifier (clerks, customs officers, admins); logged for the party",
       .tag = "identity",
       .access = Access::any_of({Role::postal_clerk, Role::customs_officer, Role::operator_admin}),
       .response_schema = party_schema(),
       .query = {{"kind", "citizen, business, authority or postal_operator", schema::string(), true},
                 {"identifier", "national id, registry number, authority or operator code", schema::string(), true}},
       .error_codes = {"party_not_found", "invalid_party_kind", "missing_query_parameter"},
       .handler = [&identity](Context& context) -> Result<http::Response> {
         const auto kind_text = context.request().query_param("kind");
         const auto identifier = context.request().query_param("identifier");
         if (!kind_text || !identifier) {
           return invalid_input("missing_query_parameter", "give both kind and identifier");
         }
         auto kind = identity::party_kind_from_string(*kind_text);
         if (!kind) return invalid_input("invalid_party_kind", "unknown party kind");
         BARID_ASSIGN_OR_RETURN(auto party, identity.look_up_party(context.caller(), *kind, *identifier));
         return json_response(party_json(party));
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/parties",
       .operation_id = "registerParty",
       .summary = "Register a party, optionally with its first user (clerks: citizens and businesses at the counter)",
       .tag = "identity",
       .access = Access::any_of({Role::postal_clerk, Role::operator_admin}),
       .request_schema =
           schema::object({{"kind", schema::enumeration({"citizen", "business", "authority", "postal_operator"})},
                           {"national_id", schema::string("for citizens")},
                           {"registry_number", schema::string("for businesses")},
                           {"authority_code", schema::string("for authorities")},
                           {"operator_code", schema::string("for postal operators")},
                           {"name_ar", schema::string()},
                           {"name_latin", schema::string()},
                           {"email", schema::string()},
                           {"phone", schema::string("E.164")},
                           {"language", schema::enumeration({"ar", "fr", "en"})},
                           {"postal_address", schema::string("up to 8 lines; letters go here on paper when the "
                                                             "party has no one to read its digital mailbox")},
                           {"user", schema::object({{"login", schema::string()},
                                                    {"password", schema::string_format("password")},
                                                    {"roles", roles_schema()}},
                                                   {"login", "password", "roles"})}},
                          {"kind", "name_ar", "name_latin"}),
       .success_status = 201,
       .response_schema =
           schema::object({{"party", party_schema()}, {"user", schema::nullable(user_schema())}}, {"party"}),
       .error_codes = {"party_exists", "login_taken", "invalid_national_id", "invalid_email", "invalid_phone",
                       "invalid_language", "invalid_name", "invalid_postal_address", "role_not_allowed_for_party",
                       "password_too_short", "password_too_long", "invalid_login", "unknown_role",
                       "kind_not_allowed_for_clerk"},
       .handler = [&identity](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         BARID_ASSIGN_OR_RETURN(auto new_party, read_new_party(body));
         const auto& caller = context.caller();
         if (!caller.has_role(Role::operator_admin) && new_party.kind != PartyKind::citizen &&
             new_party.kind != PartyKind::business) {
           return forbidden("kind_not_allowed_for_clerk", "clerks register citizens and businesses only");
         }
         std::optional<identity::NewUser> new_user;
         if (body.contains("user") && !body["user"].is_null()) {
           const Json& user_body = body["user"];
           if (!user_body.is_object()) return invalid_input("invalid_field", "the field 'user' must be an object");
           FieldReader reader(user_body);
           BARID_ASSIGN_OR_RETURN(auto login, reader.required_string("login", 1, 64));
           BARID_ASSIGN_OR_RETURN(auto password, reader.required_string("password", 1, 1024));
           BARID_ASSIGN_OR_RETURN(auto roles, read_roles(reader));
           new_user = identity::NewUser{login, "", roles, password};
         }
         BARID_ASSIGN_OR_RETURN(auto registered, identity.register_party(new_party, new_user));
         const auto& [party, user] = registered;
         const Json user_out = user ? user_json(*user) : Json();
         return json_response({{"party", party_json(party)}, {"user", user_out}}, 201);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/admin/users",
       .operation_id = "listUsers",
       .summary = "All users, by login (operator admins)",
       .tag = "admin",
       .access = Access::any_of({Role::operator_admin}),
       .response_schema = schema::object(
           {{"users", schema::array(user_schema())}, {"next_cursor", schema::nullable(schema::string())}}, {"users"}),
       .query = {limit_parameter(), {"cursor", "next_cursor of the previous page", schema::string(), false}},
       .error_codes = {"invalid_limit"},
       .handler = [&identity](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto limit, page_size(context));
         const auto users = identity.list_users(limit, context.request().query_param("cursor").value_or(""));
         Json out = Json::array();
         for (const auto& user : users) out.push_back(user_json(user));
         Json next = users.size() == limit ? Json(users.back().login) : Json();
         return json_response({{"users", out}, {"next_cursor", next}});
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/admin/users",
       .operation_id = "createUser",
       .summary = "Create a user for an existing party with roles (operator admins)",
       .tag = "admin",
       .access = Access::any_of({Role::operator_admin}),
       .request_schema = schema::object({{"login", schema::string()},
                                         {"password", schema::string_format("password")},
                                         {"party_id", schema::string()},
                                         {"roles", roles_schema()}},
                                        {"login", "password", "party_id", "roles"}),
       .success_status = 201,
       .response_schema = user_schema(),
       .error_codes = {"login_taken", "party_not_found", "unknown_role", "role_not_allowed_for_party",
                       "password_too_short", "password_too_long", "invalid_login"},
       .handler = [&identity](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto login, reader.required_string("login", 1, 64));
         BARID_ASSIGN_OR_RETURN(auto password, reader.required_string("password", 1, 1024));
         BARID_ASSIGN_OR_RETURN(auto party_id, reader.required_string("party_id", 1, 64));
         BARID_ASSIGN_OR_RETURN(auto roles, read_roles(reader));
         BARID_ASSIGN_OR_RETURN(auto user, identity.create_user({login, party_id, roles, password}, &context.caller()));
         return json_response(user_json(user), 201);
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/admin/api-keys",
       .operation_id = "listApiKeys",
       .summary = "API keys for system integrations (operator admins); secrets are never shown again",
       .tag = "admin",
       .access = Access::any_of({Role::operator_admin}),
       .response_schema = schema::object({{"api_keys", schema::array(api_key_schema())}}, {"api_keys"}),
       .handler = [&identity](Context&) -> Result<http::Response> {
         Json out = Json::array();
         for (const auto& key : identity.list_api_keys()) out.push_back(api_key_json(key));
         return json_response({{"api_keys", out}});
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/admin/api-keys",
       .operation_id = "createApiKey",
       .summary = "Create an API key acting as a user with some of that user's roles; the secret is shown once",
       .tag = "admin",
       .access = Access::any_of({Role::operator_admin}),
       .request_schema =
           schema::object({{"login", schema::string()}, {"name", schema::string()}, {"roles", roles_schema()}},
                          {"login", "name", "roles"}),
       .success_status = 201,
       .response_schema =
           schema::object({{"api_key", api_key_schema()}, {"secret", schema::string()}}, {"api_key", "secret"}),
       .error_codes = {"user_not_found", "role_not_held", "unknown_role", "roles_required", "api_key_not_for_citizens"},
       .handler = [&identity](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         FieldReader reader(body);
         BARID_ASSIGN_OR_RETURN(auto login, reader.required_string("login", 1, 64));
         BARID_ASSIGN_OR_RETURN(auto name, reader.required_string("name", 1, 100));
         BARID_ASSIGN_OR_RETURN(auto roles, read_roles(reader));
         BARID_ASSIGN_OR_RETURN(auto grant, identity.create_api_key(&context.caller(), login, name, roles));
         return json_response({{"api_key", api_key_json(grant.key)}, {"secret", grant.secret}}, 201);
       }});

  add({.method = http::Method::delete_,
       .path = "/api/v1/admin/api-keys/{id}",
       .operation_id = "revokeApiKey",
       .summary = "Revoke an API key; it stops working at once",
       .tag = "admin",
       .access = Access::any_of({Role::operator_admin}),
       .success_status = 204,
       .error_codes = {"api_key_not_found", "api_key_already_revoked"},
       .handler = [&identity](Context& context) -> Result<http::Response> {
         BARID_TRY(identity.revoke_api_key(context.path_param("id")));
         return empty_response(204);
       }});
}

}  // namespace barid::api
