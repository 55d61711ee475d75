#include <barid/core/check.hpp>
#include <barid/core/time.hpp>
#include <barid/identity/identity.hpp>

#include "rows.hpp"

#include <algorithm>

namespace barid::identity {

using namespace detail;

namespace detail {

namespace {

// Roles and scopes are stored as comma-separated names. Parsed on every authenticated request,
// so this splits views instead of running a stream; unknown names are skipped.
template <class Item>
std::string join_names(const std::vector<Item>& items) {
  std::string text;
  for (const Item item : items) {
    if (!text.empty()) text.push_back(',');
    text += to_string(item);
  }
  return text;
}

template <class Item, class Parse>
std::vector<Item> split_names(std::string_view text, Parse parse) {
  std::vector<Item> items;
  while (!text.empty()) {
    const auto comma = text.find(',');
    if (auto item = parse(text.substr(0, comma))) items.push_back(*item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

}  // namespace

std::string join_roles(const std::vector<Role>& roles) {
  return join_names(roles);
}
std::vector<Role> split_roles(const std::string& text) {
  return split_names<Role>(text, role_from_string);
}
std::string join_scopes(const std::vector<Scope>& scopes) {
  return join_names(scopes);
}
std::vector<Scope> split_scopes(const std::string& text) {
  return split_names<Scope>(text, scope_from_string);
}

Party party_from_row(const store::Row& row, std::size_t first) {
  Party party;
  party.id = row.text(first);
  party.kind = party_kind_from_string(row.text(first + 1)).value_or(PartyKind::citizen);
  party.identifier = row.text(first + 2);
  party.name_ar = row.text(first + 3);
  party.name_latin = row.text(first + 4);
  party.email = row.optional_text(first + 5);
  party.phone = row.optional_text(first + 6);
  party.language = row.text(first + 7);
  party.created_at_ms = row.int64(first + 8);
  party.postal_address = row.optional_text(first + 9);
  return party;
}

User user_from_row(const store::Row& row) {
  User user;
  user.id = row.text(0);
  user.login = row.text(1);
  user.party_id = row.text(2);
  user.roles = split_roles(row.text(3));
  user.created_at_ms = row.int64(4);
  user.disabled = row.int64(5) != 0;
  return user;
}

std::optional<Party> load_party(store::Transaction& tx, const std::string& party_id) {
  auto row = tx.query_one(std::string("SELECT ") + kPartyColumns + " FROM parties WHERE id = ?", {party_id});
  if (!row) return std::nullopt;
  return party_from_row(*row);
}

}  // namespace detail

namespace {

constexpr std::string_view kSessionPrefix = "bs_";
constexpr std::string_view kApiKeyPrefix = "bk_";

// Which roles a user of each kind of party may hold.
bool role_fits_party(Role role, PartyKind kind) {
  switch (kind) {
    case PartyKind::citizen: return role == Role::citizen;
    case PartyKind::business: return role == Role::business;
    case PartyKind::authority: return role == Role::authority_sender || role == Role::customs_officer;
    case PartyKind::postal_operator:
      return role == Role::postal_clerk || role == Role::carrier || role == Role::operator_admin ||
             role == Role::customs_officer;
  }
  return false;
}

Status validate_contact(const NewParty& party) {
  if (party.email) {
    const auto& email = *party.email;
    const auto at = email.find('@');
    if (email.size() < 3 || email.size() > 254 || at == std::string::npos || at == 0 || at + 1 >= email.size() ||
        email.find_first_of(" \t\r\n<>") != std::string::npos) {
      return invalid_input("invalid_email", "the e-mail address is not valid");
    }
  }
  if (party.phone) {
    const std::string phone = normalize_digits(*party.phone);
    const bool shape = phone.size() >= 7 && phone.size() <= 16 && phone[0] == '+' &&
                       std::all_of(phone.begin() + 1, phone.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!shape) return invalid_input("invalid_phone", "the phone number must be in E.164 form, e.g. +201001234567");
  }
  if (party.postal_address) {
    const auto& address = *party.postal_address;
    const auto lines = std::count(address.begin(), address.end(), '\n') + 1;
    const bool control = std::any_of(address.begin(), address.end(),
                                     [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\n'; });
    if (!is_valid_utf8(address) || utf8_length(address) < 1 || utf8_length(address) > 400 || lines > 8 || control) {
      return invalid_input(
          "invalid_postal_address",
          "the postal address must be 1 to 8 lines, at most 400 characters, without control characters");
    }
  }
  if (party.language != "ar" && party.language != "fr" && party.language != "en") {
    return invalid_input("invalid_language", "the language must be ar, fr or en");
  }
  const auto name_ok = [](const std::string& name) {
    return is_valid_utf8(name) && utf8_length(name) >= 1 && utf8_length(name) <= 200;
  };
  if (!name_ok(party.name_ar) || !name_ok(party.name_latin)) {
    return invalid_input("invalid_name", "names in Arabic and Latin script must have 1 to 200 characters");
  }
  return {};
}

}  // namespace

std::int64_t IdentityService::clock_ms() const {
  return options_.clock ? options_.clock() : barid::now_ms();
}

IdentityService::IdentityService(store::Store& store, IdentityOptions options)
    : store_(store), options_(std::move(options)) {
  crypto::initialize();
  dummy_password_hash_ = crypto::hash_password(crypto::hex_encode(crypto::random_bytes(16)), options_.password_cost);
}

namespace {

// Checks and normalises a new party; the caller inserts it.
Result<Party> prepare_party(const NewParty& input, std::int64_t now) {
  BARID_TRY(validate_contact(input));
  auto identifier = normalize_identifier(input.kind, input.identifier);
  if (!identifier) return std::move(identifier).error();
  Party party;
  party.id = crypto::new_uuid();
  party.kind = input.kind;
  party.identifier = *identifier;
  party.name_ar = input.name_ar;
  party.name_latin = input.name_latin;
  party.email = input.email;
  party.phone = input.phone ? std::optional(normalize_digits(*input.phone)) : std::nullopt;
  party.language = input.language;
  party.created_at_ms = now;
  party.postal_address = input.postal_address;
  return party;
}

Status insert_party(store::Transaction& tx, const Party& party) {
  const auto inserted = tx.execute(
      "INSERT INTO parties (id, kind, identifier, name_ar, name_latin, email, phone, language, created_at_ms, "
      "postal_address) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, identifier) DO NOTHING",
      {party.id, std::string(to_string(party.kind)), party.identifier, party.name_ar, party.name_latin,
       optional_value(party.email), optional_value(party.phone), party.language, party.created_at_ms,
       optional_value(party.postal_address)});
  if (inserted == 0) {
    return conflict("party_exists", "a " + std::string(to_string(party.kind)) + " with this " +
                                        std::string(identifier_name(party.kind)) + " is already registered");
  }
  return {};
}

// Checks a new user (all but its party); the password is hashed here, outside any transaction.
Result<std::pair<User, std::string>> prepare_user(const NewUser& input, crypto::PasswordCost cost, std::int64_t now) {
  auto login = normalize_login(input.login);
  if (!login) return std::move(login).error();
  BARID_TRY(validate_password(input.password));
  if (input.roles.empty()) return invalid_input("roles_required", "a user needs at least one role");
  User user;
  user.id = crypto::new_uuid();
  user.login = *login;
  user.party_id = input.party_id;
  user.roles = input.roles;
  std::sort(user.roles.begin(), user.roles.end());
  user.roles.erase(std::unique(user.roles.begin(), user.roles.end()), user.roles.end());
  user.created_at_ms = now;
  return std::pair{std::move(user), crypto::hash_password(input.password, cost)};
}

Status insert_user(store::Transaction& tx, const User& user, const Party& party, const std::string& password_hash) {
  for (const Role role : user.roles) {
    if (!role_fits_party(role, party.kind)) {
      return invalid_input("role_not_allowed_for_party", "a user of a " + std::string(to_string(party.kind)) +
                                                             " cannot hold the role " + std::string(to_string(role)));
    }
  }
  const auto inserted = tx.execute(
      "INSERT INTO users (id, login, party_id, roles, password_hash, created_at_ms) VALUES (?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (login) DO NOTHING",
      {user.id, user.login, party.id, join_roles(user.roles), password_hash, user.created_at_ms});
  if (inserted == 0) return conflict("login_taken", "this login is already taken");
  return {};
}

}  // namespace

Result<Party> IdentityService::create_party(const NewParty& input) {
  auto party = prepare_party(input, clock_ms());
  if (!party) return party;
  return store_.write<Party>([&](store::Transaction& tx) -> Result<Party> {
    BARID_TRY(insert_party(tx, *party));
    return *party;
  });
}

Result<User> IdentityService::create_user(const NewUser& input, const Principal* created_by) {
  auto prepared = prepare_user(input, options_.password_cost, clock_ms());
  if (!prepared) return std::move(prepared).error();
  // Plain references, not structured bindings: lambdas may not capture those before C++20's fix in clang 16.
  User& user = prepared->first;
  const std::string& password_hash = prepared->second;
  return store_.write<User>([&](store::Transaction& tx) -> Result<User> {
    auto party = load_party(tx, user.party_id);
    if (!party) return not_found("party_not_found", "no party has this id");
    BARID_TRY(insert_user(tx, user, *party, password_hash));
    // A credential for someone else's party is a power over it: the party sees who made it.
    if (created_by != nullptr && created_by->party_id != party->id) {
      record_access(tx, *created_by, party->id, "operator_admin", "credential.user.create", "user:" + user.id);
    }
    return user;
  });
}

void IdentityService::record_access(store::Transaction& tx, const Principal& actor, const std::string& party_id,
                                    const std::string& capacity, std::string_view action, std::string_view resource,
                                    const std::optional<std::string>& delegation_id) {
  tx.execute(
      "INSERT INTO access_log (party_id, actor_user_id, actor_party_id, capacity, action, resource, delegation_id, "
      "at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {party_id, actor.user_id, actor.party_id, capacity, std::string(action), std::string(resource),
       optional_value(delegation_id), clock_ms()});
}

Result<std::pair<Party, std::optional<User>>> IdentityService::register_party(const NewParty& new_party,
                                                                              const std::optional<NewUser>& new_user) {
  using Registered = std::pair<Party, std::optional<User>>;
  auto party = prepare_party(new_party, clock_ms());
  if (!party) return std::move(party).error();
  std::optional<std::pair<User, std::string>> user;
  if (new_user) {
    auto prepared = prepare_user(*new_user, options_.password_cost, clock_ms());
    if (!prepared) return std::move(prepared).error();
    user = std::move(*prepared);
    user->first.party_id = party->id;
  }
  return store_.write<Registered>([&](store::Transaction& tx) -> Result<Registered> {
    BARID_TRY(insert_party(tx, *party));
    if (!user) return Registered{*party, std::nullopt};
    BARID_TRY(insert_user(tx, user->first, *party, user->second));
    return Registered{*party, user->first};
  });
}

Result<Party> IdentityService::get_party(const std::string& party_id) {
  auto party =
      store_.read_single<std::optional<Party>>([&](store::Transaction& tx) { return load_party(tx, party_id); });
  if (!party) return not_found("party_not_found", "no party has this id");
  return std::move(*party);
}

Result<Party> IdentityService::find_party(PartyKind kind, const std::string& identifier) {
  auto normalized = normalize_identifier(kind, identifier);
  if (!normalized) return std::move(normalized).error();
  auto party = store_.read<std::optional<Party>>([&](store::Transaction& tx) -> std::optional<Party> {
    auto row = tx.query_one(std::string("SELECT ") + kPartyColumns + " FROM parties WHERE kind = ? AND identifier = ?",
                            {std::string(to_string(kind)), *normalized});
    if (!row) return std::nullopt;
    return party_from_row(*row);
  });
  if (!party) return not_found("party_not_found", "no party is registered with this identifier");
  return std::move(*party);
}

std::optional<Recipient> IdentityService::find_recipient(store::Transaction& tx, PartyKind kind,
                                                         const std::string& identifier) const {
  auto normalized = normalize_identifier(kind, identifier);
  if (!normalized) return std::nullopt;
  auto row = tx.query_one(std::string("SELECT ") + kPartyColumns +
                              ", (SELECT COUNT(*) FROM users u WHERE u.party_id = parties.id AND u.disabled = 0) "
                              "FROM parties WHERE kind = ? AND identifier = ?",
                          {std::string(to_string(kind)), *normalized});
  if (!row) return std::nullopt;
  return Recipient{party_from_row(*row), row->int64(10) > 0};
}

std::optional<Recipient> IdentityService::recipient_by_id(store::Transaction& tx, const std::string& party_id) const {
  auto row = tx.query_one(std::string("SELECT ") + kPartyColumns +
                              ", (SELECT COUNT(*) FROM users u WHERE u.party_id = parties.id AND u.disabled = 0) "
                              "FROM parties WHERE id = ?",
                          {party_id});
  if (!row) return std::nullopt;
  return Recipient{party_from_row(*row), row->int64(10) > 0};
}

std::map<std::string, Recipient> IdentityService::find_recipients(store::Transaction& tx, PartyKind kind,
                                                                  const std::vector<std::string>& identifiers) const {
  std::map<std::string, Recipient> found;
  std::map<std::string, std::vector<std::string>> given_by_normalized;
  for (const auto& given : identifiers) {
    if (auto normalized = normalize_identifier(kind, given)) given_by_normalized[*normalized].push_back(given);
  }
  constexpr std::size_t kChunk = 200;
  auto next = given_by_normalized.begin();
  while (next != given_by_normalized.end()) {
    std::string sql = std::string("SELECT ") + kPartyColumns +
                      ", (SELECT COUNT(*) FROM users u WHERE u.party_id = parties.id AND u.disabled = 0) "
                      "FROM parties WHERE kind = ? AND identifier IN (";
    std::vector<store::Value> params{std::string(to_string(kind))};
    for (std::size_t i = 0; i < kChunk && next != given_by_normalized.end(); ++i, ++next) {
      sql += i == 0 ? "?" : ", ?";
      params.emplace_back(next->first);
    }
    sql += ")";
    for (const auto& row : tx.query(sql, params)) {
      Recipient recipient{party_from_row(row), row.int64(10) > 0};
      for (const auto& given : given_by_normalized[recipient.party.identifier]) found.emplace(given, recipient);
    }
  }
  return found;
}

std::map<std::string, Party> IdentityService::parties_by_id(store::Transaction& tx,
                                                            const std::vector<std::string>& party_ids) {
  std::map<std::string, Party> found;
  std::vector<std::string> wanted;
  for (const auto& id : party_ids) {
    if (std::find(wanted.begin(), wanted.end(), id) == wanted.end()) wanted.push_back(id);
  }
  constexpr std::size_t kChunk = 100;
  for (std::size_t start = 0; start < wanted.size(); start += kChunk) {
    const std::size_t end = std::min(wanted.size(), start + kChunk);
    std::string sql = std::string("SELECT ") + kPartyColumns + " FROM parties WHERE id IN (";
    std::vector<store::Value> params;
    for (std::size_t i = start; i < end; ++i) {
      sql += i == start ? "?" : ", ?";
      params.emplace_back(wanted[i]);
    }
    for (const auto& row : tx.query(sql + ")", params)) {
      Party party = party_from_row(row);
      found.emplace(party.id, std::move(party));
    }
  }
  return found;
}

std::vector<std::string> IdentityService::party_ids_with_identifier(store::Transaction& tx,
                                                                    const std::string& identifier) {
  std::vector<std::string> ids;
  for (const auto& row : tx.query("SELECT id FROM parties WHERE identifier = ? OR id = ?", {identifier, identifier})) {
    ids.push_back(row.text(0));
  }
  return ids;
}

void IdentityService::log_access(store::Transaction& tx, const Principal& actor, const std::string& party_id,
                                 const std::string& capacity, std::string_view action, std::string_view resource) {
  record_access(tx, actor, party_id, capacity, action, resource);
}

Result<Principal> IdentityService::principal_of(const std::string& login) {
  auto user = find_user_by_login(login);
  if (!user) return std::move(user).error();
  Principal principal;
  principal.user_id = user->id;
  principal.login = user->login;
  principal.party_id = user->party_id;
  principal.roles = user->roles;
  auto party = get_party(user->party_id);
  if (!party) return std::move(party).error();
  principal.party = std::move(*party);
  return principal;
}

Result<User> IdentityService::find_user_by_login(const std::string& login) {
  auto normalized = normalize_login(login);
  if (!normalized) return not_found("user_not_found", "no user has this login");
  auto user = store_.read<std::optional<User>>([&](store::Transaction& tx) -> std::optional<User> {
    auto row = tx.query_one(std::string("SELECT ") + kUserColumns + " FROM users WHERE login = ?", {*normalized});
    if (!row) return std::nullopt;
    return user_from_row(*row);
  });
  if (!user) return not_found("user_not_found", "no user has this login");
  return std::move(*user);
}

std::vector<User> IdentityService::list_users(std::size_t limit, const std::string& after_login) {
  return store_.read<std::vector<User>>([&](store::Transaction& tx) {
    std::vector<User> users;
    for (const auto& row :
         tx.query(std::string("SELECT ") + kUserColumns + " FROM users WHERE login > ? ORDER BY login LIMIT ?",
                  {after_login, static_cast<std::int64_t>(limit)})) {
      users.push_back(user_from_row(row));
    }
    return users;
  });
}

Status IdentityService::change_password(const Principal& principal, const std::string& current_password,
                                        const std::string& new_password) {
  BARID_TRY(validate_password(new_password));
  // Guesses of the current password count against the same limit as logins, so a stolen
  // session cannot be used to find the password by trying.
  const std::string subject = account_subject(principal.login);
  auto attempt = reserve_login_attempt(subject, "session:" + principal.credential_id, principal.login);
  if (!attempt) return std::move(attempt).error();
  if (attempt->user_id != principal.user_id || !crypto::verify_password(attempt->password_hash, current_password)) {
    return forbidden("wrong_password", "the current password is not right");
  }
  store_.run_write([&](store::Transaction& tx) {
    for (const auto id : attempt->reservation_ids) tx.execute("DELETE FROM login_failures WHERE id = ?", {id});
    return true;
  });
  const std::string password_hash = crypto::hash_password(new_password, options_.password_cost);
  const std::int64_t now = clock_ms();
  store_.run_write([&](store::Transaction& tx) {
    tx.execute("UPDATE users SET password_hash = ? WHERE id = ?", {password_hash, principal.user_id});
    // Every other session of this user ends: whoever knew the old password is logged out.
    tx.execute("UPDATE sessions SET revoked_at_ms = ? WHERE user_id = ? AND id <> ? AND revoked_at_ms IS NULL",
               {now, principal.user_id, principal.credential_id});
    return true;
  });
  return {};
}

// --- Login and sessions ----------------------------------------------------------------------

std::string IdentityService::account_subject(std::string_view login_text) {
  auto login = normalize_login(login_text);
  // A login that cannot exist is keyed by its hash: any bytes may arrive, and the key must stay
  // valid text for the database.
  return login ? "account:" + *login : "account-raw:" + crypto::hex_encode(crypto::sha256(login_text));
}

Result<LoginAttempt> IdentityService::reserve_login_attempt(const std::string& account_subject,
                                                            const std::string& client_address,
                                                            const std::string& login) {
  const std::int64_t now = clock_ms();
  const std::int64_t since = now - options_.login_failure_window_ms;
  const std::string address_subject = "address:" + client_address;
  std::optional<Error> refusal;
  LoginAttempt attempt;
  // One transaction that locks the user's row (PostgreSQL) or holds the single writer (SQLite):
  // parallel guesses on any number of servers queue here instead of passing the check together.
  // The attempt is counted before the password is checked and forgiven only if it succeeds.
  store_.run_write([&](store::Transaction& tx) {
    if (auto row = tx.query_one("SELECT id, password_hash, disabled FROM users WHERE login = ? FOR UPDATE", {login})) {
      attempt.user_id = row->text(0);
      attempt.password_hash = row->text(1);
      attempt.disabled = row->int64(2) != 0;
    }
    std::int64_t retry_after_ms = 0;
    const auto over_limit = [&](const std::string& subject, int limit) {
      auto row =
          tx.query_one("SELECT COUNT(*), MIN(failed_at_ms) FROM login_failures WHERE subject = ? AND failed_at_ms > ?",
                       {subject, since});
      if (row && row->int64(0) >= limit) {
        retry_after_ms =
            std::max(retry_after_ms, row->optional_int64(1).value_or(now) + options_.login_failure_window_ms - now);
      }
    };
    over_limit(account_subject, options_.login_failures_per_account);
    over_limit(address_subject, options_.login_failures_per_address);
    if (retry_after_ms > 0) {
      Error error =
          make_error(ErrorKind::rate_limited, "too_many_login_attempts", "too many failed logins; try again later");
      error.retry_after_s = static_cast<int>((retry_after_ms + 999) / 1000);
      refusal = std::move(error);
      return false;
    }
    for (const auto& subject : {account_subject, address_subject}) {
      attempt.reservation_ids.push_back(
          tx.query_one("INSERT INTO login_failures (subject, failed_at_ms) VALUES (?, ?) RETURNING id", {subject, now})
              ->int64(0));
    }
    tx.execute("DELETE FROM login_failures WHERE failed_at_ms <= ?", {since});
    return true;
  });
  if (refusal) return std::move(*refusal);
  return attempt;
}

Result<SessionGrant> IdentityService::log_in(const std::string& login_text, const std::string& password,
                                             const std::string& client_address) {
  const Error wrong = make_error(ErrorKind::unauthenticated, "invalid_credentials", "the login or password is wrong");
  const std::string subject = account_subject(login_text);
  const std::string login = normalize_login(login_text).ok() ? *normalize_login(login_text) : std::string();
  auto attempt = reserve_login_attempt(subject, client_address, login);
  if (!attempt) return std::move(attempt).error();
  // An unknown login is checked against a dummy hash: same answer, same work.
  const bool known = !attempt->user_id.empty();
  const bool password_ok = crypto::verify_password(known ? attempt->password_hash : dummy_password_hash_,
                                                   password.substr(0, 4 * kPasswordMaxChars));
  if (!known || !password_ok || attempt->disabled) return wrong;
  const auto candidate = &*attempt;

  SessionGrant grant;
  grant.token = crypto::new_secret_token(kSessionPrefix);
  grant.session_id = crypto::new_uuid();
  const std::int64_t now = clock_ms();
  grant.expires_at_ms = now + options_.session_absolute_timeout_ms;
  grant.idle_expires_at_ms = std::min(grant.expires_at_ms, now + options_.session_idle_timeout_ms);
  store_.run_write([&](store::Transaction& tx) {
    tx.execute(
        "INSERT INTO sessions (id, token_hash, user_id, client_address, created_at_ms, last_seen_at_ms, expires_at_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        {grant.session_id, to_blob(crypto::sha256(grant.token)), candidate->user_id, client_address, now, now,
         grant.expires_at_ms});
    // A successful login forgives the account's failures and this attempt's address count.
    tx.execute("DELETE FROM login_failures WHERE subject = ?", {subject});
    tx.execute("DELETE FROM login_failures WHERE id = ?", {candidate->reservation_ids.back()});
    return true;
  });
  return grant;
}

Result<Principal> IdentityService::authenticate(std::string_view token) {
  const Error invalid = make_error(ErrorKind::unauthenticated, "invalid_token", "the bearer token is not valid");
  const bool is_session = token.substr(0, kSessionPrefix.size()) == kSessionPrefix;
  const bool is_api_key = token.substr(0, kApiKeyPrefix.size()) == kApiKeyPrefix;
  if ((!is_session && !is_api_key) || token.size() > 128) return invalid;
  const store::Blob token_hash = to_blob(crypto::sha256(token));
  const std::int64_t now = clock_ms();

  if (is_session) {
    struct Found {
      Principal principal;
      std::int64_t last_seen_at_ms = 0;
      std::int64_t expires_at_ms = 0;
      bool revoked = false;
      bool disabled = false;
    };
    auto found = store_.read_single<std::optional<Found>>([&](store::Transaction& tx) -> std::optional<Found> {
      auto row = tx.query_one(
          std::string("SELECT s.id, s.last_seen_at_ms, s.expires_at_ms, s.revoked_at_ms, u.id, u.login, u.party_id, "
                      "u.roles, u.disabled, ") +
              kPartyColumnsAliased +
              " FROM sessions s JOIN users u ON u.id = s.user_id JOIN parties p ON p.id = u.party_id "
              "WHERE s.token_hash = ?",
          {token_hash});
      if (!row) return std::nullopt;
      Found result;
      result.principal.credential_id = row->text(0);
      result.last_seen_at_ms = row->int64(1);
      result.expires_at_ms = row->int64(2);
      result.revoked = !row->is_null(3);
      result.principal.user_id = row->text(4);
      result.principal.login = row->text(5);
      result.principal.party_id = row->text(6);
      result.principal.roles = split_roles(row->text(7));
      result.disabled = row->int64(8) != 0;
      result.principal.party = party_from_row(*row, 9);
      result.principal.via = Principal::Via::session;
      return result;
    });
    if (!found || found->revoked || found->disabled) return invalid;
    if (now >= found->expires_at_ms || now - found->last_seen_at_ms >= options_.session_idle_timeout_ms) {
      return make_error(ErrorKind::unauthenticated, "session_expired", "the session has expired; log in again");
    }
    if (now - found->last_seen_at_ms >= options_.session_touch_interval_ms) {
      store_.run_write([&](store::Transaction& tx) {
        tx.execute("UPDATE sessions SET last_seen_at_ms = ? WHERE id = ? AND last_seen_at_ms < ?",
                   {now, found->principal.credential_id, now});
        return true;
      });
    }
    return std::move(found->principal);
  }

  struct FoundKey {
    Principal principal;
    std::vector<Role> key_roles;
    std::optional<std::int64_t> last_used_at_ms;
    bool usable = false;
  };
  auto found = store_.read_single<std::optional<FoundKey>>([&](store::Transaction& tx) -> std::optional<FoundKey> {
    auto row = tx.query_one(
        std::string("SELECT k.id, k.roles, k.revoked_at_ms, k.last_used_at_ms, u.id, u.login, u.party_id, u.roles, "
                    "u.disabled, ") +
            kPartyColumnsAliased +
            " FROM api_keys k JOIN users u ON u.id = k.user_id JOIN parties p ON p.id = u.party_id "
            "WHERE k.key_hash = ?",
        {token_hash});
    if (!row) return std::nullopt;
    FoundKey result;
    result.principal.credential_id = row->text(0);
    result.key_roles = split_roles(row->text(1));
    result.usable = row->is_null(2) && row->int64(8) == 0;
    result.last_used_at_ms = row->optional_int64(3);
    result.principal.user_id = row->text(4);
    result.principal.login = row->text(5);
    result.principal.party_id = row->text(6);
    result.principal.via = Principal::Via::api_key;
    result.principal.party = party_from_row(*row, 9);
    for (const Role role : split_roles(row->text(7))) {
      if (std::find(result.key_roles.begin(), result.key_roles.end(), role) != result.key_roles.end()) {
        result.principal.roles.push_back(role);
      }
    }
    return result;
  });
  if (!found || !found->usable) return invalid;
  if (!found->last_used_at_ms || now - *found->last_used_at_ms >= options_.session_touch_interval_ms) {
    store_.run_write([&](store::Transaction& tx) {
      tx.execute("UPDATE api_keys SET last_used_at_ms = ? WHERE id = ?", {now, found->principal.credential_id});
      return true;
    });
  }
  return std::move(found->principal);
}

Status IdentityService::log_out(const Principal& principal) {
  if (principal.via != Principal::Via::session) {
    return invalid_input("not_a_session", "an API key is revoked by an administrator, not logged out");
  }
  store_.run_write([&](store::Transaction& tx) {
    tx.execute("UPDATE sessions SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL",
               {clock_ms(), principal.credential_id});
    return true;
  });
  return {};
}

// --- API keys ----------------------------------------------------------------------------------

Result<ApiKeyGrant> IdentityService::create_api_key(const Principal* created_by, const std::string& login,
                                                    const std::string& name, const std::vector<Role>& roles) {
  const std::string created_by_user_id = created_by != nullptr ? created_by->user_id : std::string();
  if (name.empty() || utf8_length(name) > 100 || !is_valid_utf8(name)) {
    return invalid_input("invalid_name", "an API key name has 1 to 100 characters");
  }
  if (roles.empty()) return invalid_input("roles_required", "an API key needs at least one role");
  auto user = find_user_by_login(login);
  if (!user) return std::move(user).error();
  auto party = get_party(user->party_id);
  if (!party) return std::move(party).error();
  // API keys are for systems (a business's shop, an authority's billing, the operator's own
  // services), never a way to act as a citizen.
  if (party->kind == PartyKind::citizen) {
    return invalid_input("api_key_not_for_citizens", "API keys are made for businesses, authorities and the operator");
  }
  for (const Role role : roles) {
    if (std::find(user->roles.begin(), user->roles.end(), role) == user->roles.end()) {
      return invalid_input("role_not_held", "the user does not hold the role " + std::string(to_string(role)));
    }
  }
  ApiKeyGrant grant;
  grant.secret = crypto::new_secret_token(kApiKeyPrefix);
  grant.key.id = crypto::new_uuid();
  grant.key.name = name;
  grant.key.user_id = user->id;
  grant.key.login = user->login;
  grant.key.roles = roles;
  grant.key.created_by_user_id = created_by_user_id;
  grant.key.created_at_ms = clock_ms();
  store_.run_write([&](store::Transaction& tx) {
    tx.execute(
        "INSERT INTO api_keys (id, key_hash, name, user_id, roles, created_by_user_id, created_at_ms) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        {grant.key.id, to_blob(crypto::sha256(grant.secret)), name, user->id, join_roles(roles),
         created_by_user_id.empty() ? store::Value(nullptr) : store::Value(created_by_user_id),
         grant.key.created_at_ms});
    if (created_by != nullptr && created_by->party_id != party->id) {
      record_access(tx, *created_by, party->id, "operator_admin", "credential.api_key.create",
                    "api_key:" + grant.key.id);
    }
    return true;
  });
  return grant;
}

std::vector<ApiKey> IdentityService::list_api_keys() {
  return store_.read<std::vector<ApiKey>>([&](store::Transaction& tx) {
    std::vector<ApiKey> keys;
    for (const auto& row :
         tx.query("SELECT k.id, k.name, k.user_id, u.login, k.roles, k.created_by_user_id, k.created_at_ms, "
                  "k.revoked_at_ms, k.last_used_at_ms FROM api_keys k JOIN users u ON u.id = k.user_id "
                  "ORDER BY k.created_at_ms, k.id")) {
      ApiKey key;
      key.id = row.text(0);
      key.name = row.text(1);
      key.user_id = row.text(2);
      key.login = row.text(3);
      key.roles = split_roles(row.text(4));
      key.created_by_user_id = row.optional_text(5).value_or("");
      key.created_at_ms = row.int64(6);
      key.revoked_at_ms = row.optional_int64(7);
      key.last_used_at_ms = row.optional_int64(8);
      keys.push_back(std::move(key));
    }
    return keys;
  });
}

Status IdentityService::revoke_api_key(const std::string& key_id) {
  std::int64_t changed = 0;
  bool exists = false;
  store_.run_write([&](store::Transaction& tx) {
    exists = tx.query_one("SELECT id FROM api_keys WHERE id = ?", {key_id}).has_value();
    changed = tx.execute("UPDATE api_keys SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL",
                         {clock_ms(), key_id});
    return true;
  });
  if (!exists) return not_found("api_key_not_found", "no API key has this id");
  if (changed == 0) return conflict("api_key_already_revoked", "this API key was already revoked");
  return {};
}

}  // namespace barid::identity
