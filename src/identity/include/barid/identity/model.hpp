// Who is who in Barid: parties (citizens, businesses, authorities, the postal operator), the users
// who log in for them with roles, and the delegation scopes one party can grant to another's user.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace barid::identity {

enum class PartyKind { citizen, business, authority, postal_operator };
std::string_view to_string(PartyKind kind);
std::optional<PartyKind> party_kind_from_string(std::string_view text);
// The name of the identifier each kind is addressed by: national_id, registry_number, authority_code,
// operator_code.
std::string_view identifier_name(PartyKind kind);
// The kind a letter or payment addresses by identifier name: national_id, registry_number or
// authority_code (the operator is not addressed so); nullopt for anything else.
std::optional<PartyKind> addressable_kind(std::string_view identifier_name);

enum class Role { citizen, business, authority_sender, postal_clerk, carrier, customs_officer, operator_admin };
inline constexpr Role kAllRoles[] = {Role::citizen, Role::business,        Role::authority_sender, Role::postal_clerk,
                                     Role::carrier, Role::customs_officer, Role::operator_admin};
std::string_view to_string(Role role);
std::optional<Role> role_from_string(std::string_view text);

// What a delegation lets the grantee do for the grantor.
enum class Scope { mailbox_read, mailbox_reply, payments_read, payments_pay, parcels_read, profile_read };
inline constexpr Scope kAllScopes[] = {Scope::mailbox_read, Scope::mailbox_reply, Scope::payments_read,
                                       Scope::payments_pay, Scope::parcels_read,  Scope::profile_read};
std::string_view to_string(Scope scope);  // "mailbox:read"
std::optional<Scope> scope_from_string(std::string_view text);

struct Party {
  std::string id;
  PartyKind kind = PartyKind::citizen;
  std::string identifier;  // national id, registry number, authority code or operator code
  std::string name_ar;
  std::string name_latin;
  std::optional<std::string> email;
  std::optional<std::string> phone;
  std::string language = "ar";  // ar, fr or en
  std::int64_t created_at_ms = 0;
  // Lines of the postal address (newline-separated, the Arabic original as the master), used when
  // a letter must go on paper; absent when the party has given none.
  std::optional<std::string> postal_address;
};

struct User {
  std::string id;
  std::string login;
  std::string party_id;
  std::vector<Role> roles;
  std::int64_t created_at_ms = 0;
  bool disabled = false;
};

// The authenticated caller of one request.
struct Principal {
  enum class Via { session, api_key };
  std::string user_id;
  std::string login;
  std::string party_id;
  std::vector<Role> roles;  // for an API key: the key's roles that the user still holds
  Via via = Via::session;
  std::string credential_id;  // session id or API key id
  Party party;                // the party as it was when the request was authenticated

  bool has_role(Role role) const;
};

struct SessionGrant {
  std::string token;  // shown once; only its SHA-256 is stored
  std::string session_id;
  std::int64_t expires_at_ms = 0;       // absolute limit
  std::int64_t idle_expires_at_ms = 0;  // if unused until then
};

struct ApiKey {
  std::string id;
  std::string name;
  std::string user_id;
  std::string login;
  std::vector<Role> roles;
  std::string created_by_user_id;  // empty: made with the command line on the server
  std::int64_t created_at_ms = 0;
  std::optional<std::int64_t> revoked_at_ms;
  std::optional<std::int64_t> last_used_at_ms;
};

struct Delegation {
  std::string id;
  std::string grantor_party_id;
  std::string grantor_name_latin;
  std::string grantee_user_id;
  std::string grantee_login;
  std::vector<Scope> scopes;
  std::int64_t created_at_ms = 0;
  std::int64_t expires_at_ms = 0;
  std::optional<std::int64_t> revoked_at_ms;
  std::string status;  // active, expired or revoked (as of the read)
};

struct AccessLogEntry {
  std::int64_t id = 0;
  std::string party_id;
  std::string actor_user_id;
  std::string actor_login;
  std::string actor_party_id;
  std::string capacity;  // delegate, postal_clerk, operator_admin, customs_officer
  std::string action;    // e.g. "party.read", "mailbox.open"
  std::string resource;  // what was read, e.g. "party:<id>"
  std::optional<std::string> delegation_id;
  std::int64_t at_ms = 0;
};

}  // namespace barid::identity
