// Shared inside the customs module only.
#pragma once

#include <barid/customs/customs.hpp>

#include <optional>
#include <string>

namespace barid::customs::detail {

// Customs officers and operator admins.
Status require_officer(const identity::Principal& caller);
// 1 to 200 printable ASCII characters; idempotency_key_required or invalid_idempotency_key.
Status check_idempotency_key(const std::string& key);

// A declaration's content as stored (declaration_json without the item, form and time) and back.
Json content_json(const DeclarationInput& content);
DeclarationInput content_from_text(const std::string& text);
std::optional<Declaration> load_declaration(store::Transaction& tx, const std::string& item_id);

}  // namespace barid::customs::detail
