#include <barid/core/json.hpp>
#include <barid/core/utf8.hpp>
#include <barid/identity/identity.hpp>

#include <cctype>

namespace barid::identity {

std::string normalize_digits(std::string_view text) {
  return barid::normalize_digits(text);
}

Status validate_password(std::string_view password) {
  if (!is_valid_utf8(password)) return invalid_input("invalid_password", "the password is not valid UTF-8");
  const std::size_t length = utf8_length(password);
  if (length < kPasswordMinChars) {
    return invalid_input("password_too_short",
                         "the password must have at least " + std::to_string(kPasswordMinChars) + " characters");
  }
  if (length > kPasswordMaxChars) {
    return invalid_input("password_too_long",
                         "the password may have at most " + std::to_string(kPasswordMaxChars) + " characters");
  }
  return {};
}

Result<std::string> normalize_login(std::string_view login) {
  std::string normalized;
  for (const char c : login) {
    const auto byte = static_cast<unsigned char>(c);
    const bool allowed = std::isalnum(byte) != 0 || c == '.' || c == '_' || c == '-' || c == '@';
    if (!allowed || byte >= 0x80) {
      return invalid_input("invalid_login", "a login may hold only letters a-z, digits and . _ - @");
    }
    normalized.push_back(static_cast<char>(std::tolower(byte)));
  }
  if (normalized.size() < 3 || normalized.size() > 64) {
    return invalid_input("invalid_login", "a login must have 3 to 64 characters");
  }
  return normalized;
}

Result<std::string> normalize_identifier(PartyKind kind, std::string_view identifier) {
  std::string value = normalize_digits(identifier);
  auto all_of = [&](auto predicate) {
    for (const char c : value) {
      if (!predicate(static_cast<unsigned char>(c))) return false;
    }
    return true;
  };
  const std::string field(identifier_name(kind));
  switch (kind) {
    case PartyKind::citizen:
      if (value.size() < 5 || value.size() > 20 || !all_of([](unsigned char c) { return std::isdigit(c) != 0; })) {
        return invalid_input("invalid_national_id", "a national id has 5 to 20 digits");
      }
      break;
    case PartyKind::business:
    case PartyKind::authority:
    case PartyKind::postal_operator:
      for (char& c : value) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (value.empty() || value.size() > 32 ||
          !all_of([](unsigned char c) { return std::isalnum(c) != 0 || c == '-' || c == '/'; })) {
        return invalid_input("invalid_" + field, "the " + field + " has 1 to 32 letters, digits, '-' or '/'");
      }
      break;
  }
  return value;
}

}  // namespace barid::identity
