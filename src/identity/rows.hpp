// Conversions between identity types and their stored form, private to the identity module.
#pragma once

#include <barid/identity/model.hpp>
#include <barid/store/store.hpp>

#include <optional>
#include <string>
#include <vector>

namespace barid::identity::detail {

inline store::Value optional_value(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  return *text;
}
inline store::Value optional_value(const std::optional<std::int64_t>& number) {
  if (!number) return nullptr;
  return *number;
}

std::string join_roles(const std::vector<Role>& roles);
std::vector<Role> split_roles(const std::string& text);
std::string join_scopes(const std::vector<Scope>& scopes);
std::vector<Scope> split_scopes(const std::string& text);

inline store::Blob to_blob(const std::array<std::uint8_t, 32>& digest) {
  return {digest.begin(), digest.end()};
}

// Columns: id, kind, identifier, name_ar, name_latin, email, phone, language, created_at_ms, postal_address
inline constexpr const char* kPartyColumns =
    "id, kind, identifier, name_ar, name_latin, email, phone, language, created_at_ms, postal_address";
// Reads the party columns starting at column `first`.
Party party_from_row(const store::Row& row, std::size_t first = 0);
// The same columns with the table alias p, for joins.
inline constexpr const char* kPartyColumnsAliased =
    "p.id, p.kind, p.identifier, p.name_ar, p.name_latin, p.email, p.phone, p.language, p.created_at_ms, "
    "p.postal_address";

// Columns: id, login, party_id, roles, created_at_ms, disabled
inline constexpr const char* kUserColumns = "id, login, party_id, roles, created_at_ms, disabled";
User user_from_row(const store::Row& row);

std::optional<Party> load_party(store::Transaction& tx, const std::string& party_id);

}  // namespace barid::identity::detail
