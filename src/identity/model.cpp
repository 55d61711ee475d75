#include <barid/identity/model.hpp>

#include <algorithm>

namespace barid::identity {
namespace {

template <class Enum, std::size_t N>
std::optional<Enum> from_table(const std::pair<Enum, std::string_view> (&table)[N], std::string_view text) {
  for (const auto& [value, name] : table) {
    if (name == text) return value;
  }
  return std::nullopt;
}

template <class Enum, std::size_t N>
std::string_view to_table(const std::pair<Enum, std::string_view> (&table)[N], Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "unknown";
}

constexpr std::pair<PartyKind, std::string_view> kPartyKinds[] = {
    {PartyKind::citizen, "citizen"},
    {PartyKind::business, "business"},
    {PartyKind::authority, "authority"},
    {PartyKind::postal_operator, "postal_operator"},
};

constexpr std::pair<Role, std::string_view> kRoles[] = {
    {Role::citizen, "citizen"},
    {Role::business, "business"},
    {Role::authority_sender, "authority_sender"},
    {Role::postal_clerk, "postal_clerk"},
    {Role::carrier, "carrier"},
    {Role::customs_officer, "customs_officer"},
    {Role::operator_admin, "operator_admin"},
};

constexpr std::pair<Scope, std::string_view> kScopes[] = {
    {Scope::mailbox_read, "mailbox:read"},   {Scope::mailbox_reply, "mailbox:reply"},
    {Scope::payments_read, "payments:read"}, {Scope::payments_pay, "payments:pay"},
    {Scope::parcels_read, "parcels:read"},   {Scope::profile_read, "profile:read"},
};

}  // namespace

std::string_view to_string(PartyKind kind) {
  return to_table(kPartyKinds, kind);
}
std::optional<PartyKind> party_kind_from_string(std::string_view text) {
  return from_table(kPartyKinds, text);
}

std::string_view identifier_name(PartyKind kind) {
  switch (kind) {
    case PartyKind::citizen: return "national_id";
    case PartyKind::business: return "registry_number";
    case PartyKind::authority: return "authority_code";
    case PartyKind::postal_operator: return "operator_code";
  }
  return "identifier";
}

std::optional<PartyKind> addressable_kind(std::string_view identifier_name) {
  for (const auto kind : {PartyKind::citizen, PartyKind::business, PartyKind::authority}) {
    if (identity::identifier_name(kind) == identifier_name) return kind;
  }
  return std::nullopt;
}

std::string_view to_string(Role role) {
  return to_table(kRoles, role);
}
std::optional<Role> role_from_string(std::string_view text) {
  return from_table(kRoles, text);
}

std::string_view to_string(Scope scope) {
  return to_table(kScopes, scope);
}
std::optional<Scope> scope_from_string(std::string_view text) {
  return from_table(kScopes, text);
}

bool Principal::has_role(Role role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

}  // namespace barid::identity
