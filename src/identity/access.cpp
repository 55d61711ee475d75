// Delegation, the one place that decides access to another party's data, the access log and the
// data export.
#include <barid/core/time.hpp>
#include <barid/identity/identity.hpp>

#include "rows.hpp"

#include <algorithm>

namespace barid::identity {

using namespace detail;

namespace {

constexpr const char* kDelegationSelect =
    "SELECT d.id, d.grantor_party_id, p.name_latin, d.grantee_user_id, u.login, d.scopes, d.created_at_ms, "
    "d.expires_at_ms, d.revoked_at_ms FROM delegations d JOIN parties p ON p.id = d.grantor_party_id "
    "JOIN users u ON u.id = d.grantee_user_id ";

Delegation delegation_from_row(const store::Row& row, std::int64_t now) {
  Delegation delegation;
  delegation.id = row.text(0);
  delegation.grantor_party_id = row.text(1);
  delegation.grantor_name_latin = row.text(2);
  delegation.grantee_user_id = row.text(3);
  delegation.grantee_login = row.text(4);
  delegation.scopes = split_scopes(row.text(5));
  delegation.created_at_ms = row.int64(6);
  delegation.expires_at_ms = row.int64(7);
  delegation.revoked_at_ms = row.optional_int64(8);
  delegation.status = delegation.revoked_at_ms ? "revoked" : (now >= delegation.expires_at_ms ? "expired" : "active");
  return delegation;
}

std::vector<Delegation> query_delegations(store::Store& store, const std::string& where, const std::string& key,
                                          std::int64_t now) {
  return store.read<std::vector<Delegation>>([&](store::Transaction& tx) {
    std::vector<Delegation> delegations;
    for (const auto& row : tx.query(kDelegationSelect + where + " ORDER BY d.created_at_ms DESC, d.id", {key})) {
      delegations.push_back(delegation_from_row(row, now));
    }
    return delegations;
  });
}

// The capacity in which a staff role may read another party's data without a delegation: only
// the reads that role's work needs, never a letter, and never an action on the party's behalf.
// Each such read is logged for the party.
std::optional<std::string> staff_capacity(const Principal& principal, Scope scope) {
  const bool read_for_work =
      scope == Scope::profile_read || scope == Scope::payments_read || scope == Scope::parcels_read;
  if (!read_for_work) return std::nullopt;
  if (principal.has_role(Role::operator_admin)) return "operator_admin";
  if (principal.has_role(Role::postal_clerk) && scope != Scope::parcels_read) return "postal_clerk";
  if (principal.has_role(Role::customs_officer) && scope != Scope::payments_read) return "customs_officer";
  return std::nullopt;
}

// What an API key may do for its own party: what its roles' integrations need, nothing more.
bool api_key_covers(const Principal& principal, Scope scope) {
  switch (scope) {
    case Scope::profile_read: return true;
    case Scope::mailbox_read:
    case Scope::mailbox_reply:
    case Scope::payments_read:
    case Scope::payments_pay: return principal.has_role(Role::business) || principal.has_role(Role::authority_sender);
    case Scope::parcels_read: return principal.has_role(Role::business);
  }
  return false;
}

}  // namespace

Result<Delegation> IdentityService::grant_delegation(const Principal& grantor, const std::string& grantee_login,
                                                     const std::string& grantee_identifier,
                                                     const std::vector<Scope>& scopes, std::int64_t expires_at_ms) {
  // Power of attorney is given by a person, never by a machine credential: a leaked API key must
  // not be able to hand its party to someone else.
  if (grantor.via != Principal::Via::session) {
    return forbidden("session_required", "delegations are granted and revoked by a person logged in");
  }
  if (scopes.empty()) return invalid_input("scopes_required", "a delegation needs at least one scope");
  const std::int64_t now = clock_ms();
  if (expires_at_ms <= now) return invalid_input("expiry_in_past", "the delegation must expire in the future");
  if (expires_at_ms - now > options_.max_delegation_ms) {
    return invalid_input("expiry_too_far", "a delegation may last at most 366 days");
  }
  // The grantee is named by login and by their party's identifier; one answer for every mismatch,
  // so this cannot be used to find out which logins exist.
  const Error unknown_grantee =
      not_found("grantee_not_found", "no user has this login with this national id, registry number or code");
  auto grantee = find_user_by_login(grantee_login);
  if (!grantee) return unknown_grantee;
  auto grantee_party = get_party(grantee->party_id);
  if (!grantee_party) return unknown_grantee;
  auto identifier = normalize_identifier(grantee_party->kind, grantee_identifier);
  if (!identifier || *identifier != grantee_party->identifier) return unknown_grantee;
  if (grantee->party_id == grantor.party_id) {
    return invalid_input("cannot_delegate_to_own_party", "users of your own party already act for it");
  }
  std::vector<Scope> unique_scopes = scopes;
  std::sort(unique_scopes.begin(), unique_scopes.end());
  unique_scopes.erase(std::unique(unique_scopes.begin(), unique_scopes.end()), unique_scopes.end());

  const std::string id = crypto::new_uuid();
  store_.run_write([&](store::Transaction& tx) {
    tx.execute(
        "INSERT INTO delegations (id, grantor_party_id, grantee_user_id, scopes, created_by_user_id, created_at_ms, "
        "expires_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
        {id, grantor.party_id, grantee->id, join_scopes(unique_scopes), grantor.user_id, now, expires_at_ms});
    return true;
  });
  auto given = query_delegations(store_, "WHERE d.id = ?", id, clock_ms());
  return std::move(given.front());
}

std::vector<Delegation> IdentityService::delegations_given(const Principal& principal) {
  return query_delegations(store_, "WHERE d.grantor_party_id = ?", principal.party_id, clock_ms());
}

std::vector<Delegation> IdentityService::delegations_received(const Principal& principal) {
  return query_delegations(store_, "WHERE d.grantee_user_id = ?", principal.user_id, clock_ms());
}

Status IdentityService::revoke_delegation(const Principal& principal, const std::string& delegation_id) {
  if (principal.via != Principal::Via::session) {
    return forbidden("session_required", "delegations are granted and revoked by a person logged in");
  }
  Status outcome;
  store_.run_write([&](store::Transaction& tx) {
    auto row =
        tx.query_one("SELECT grantor_party_id, grantee_user_id, revoked_at_ms FROM delegations WHERE id = ? FOR UPDATE",
                     {delegation_id});
    // The grantor's party and the grantee may end a delegation; to anyone else it does not exist.
    if (!row || (row->text(0) != principal.party_id && row->text(1) != principal.user_id)) {
      outcome = not_found("delegation_not_found", "no delegation has this id");
      return false;
    }
    if (!row->is_null(2)) {
      outcome = conflict("delegation_already_revoked", "this delegation was already revoked");
      return false;
    }
    tx.execute("UPDATE delegations SET revoked_at_ms = ? WHERE id = ?", {clock_ms(), delegation_id});
    return true;
  });
  return outcome;
}

Result<PartyAccess> IdentityService::authorize_party_access(store::Transaction& tx, const Principal& principal,
                                                            const std::string& party_id, Scope scope,
                                                            std::string_view action, std::string_view resource) {
  const Error hidden = not_found("party_not_found", "no party has this id");
  if (party_id == principal.party_id) {
    if (principal.via == Principal::Via::api_key && !api_key_covers(principal, scope)) {
      return forbidden("scope_not_allowed_for_api_key",
                       "this API key's roles do not cover " + std::string(to_string(scope)));
    }
    return PartyAccess{"owner", std::nullopt};
  }
  if (!tx.query_one("SELECT id FROM parties WHERE id = ?", {party_id})) return hidden;

  PartyAccess access;
  const std::int64_t now = clock_ms();
  if (auto capacity = staff_capacity(principal, scope)) {
    access.capacity = *capacity;
  } else {
    // API keys act for their own party only; delegations are given to people.
    if (principal.via != Principal::Via::session) return hidden;
    std::optional<std::string> delegation_id;
    for (const auto& row :
         tx.query("SELECT id, scopes FROM delegations WHERE grantor_party_id = ? AND grantee_user_id = ? "
                  "AND revoked_at_ms IS NULL AND expires_at_ms > ? ORDER BY created_at_ms",
                  {party_id, principal.user_id, now})) {
      const auto scopes = split_scopes(row.text(1));
      if (std::find(scopes.begin(), scopes.end(), scope) != scopes.end()) {
        delegation_id = row.text(0);
        break;
      }
    }
    if (!delegation_id) return hidden;
    access.capacity = "delegate";
    access.delegation_id = delegation_id;
  }
  record_access(tx, principal, party_id, access.capacity, action, resource, access.delegation_id);
  return access;
}

Result<Party> IdentityService::read_party(const Principal& principal, const std::string& party_id) {
  return store_.write<Party>([&](store::Transaction& tx) -> Result<Party> {
    auto access =
        authorize_party_access(tx, principal, party_id, Scope::profile_read, "party.read", "party:" + party_id);
    if (!access) return std::move(access).error();
    auto party = load_party(tx, party_id);
    if (!party) return not_found("party_not_found", "no party has this id");
    return std::move(*party);
  });
}

Result<Party> IdentityService::look_up_party(const Principal& principal, PartyKind kind,
                                             const std::string& identifier) {
  auto party = find_party(kind, identifier);
  if (!party) return party;
  return read_party(principal, party->id);
}

std::vector<AccessLogEntry> IdentityService::access_log(const std::string& party_id, std::size_t limit,
                                                        std::int64_t before_id) {
  return store_.read<std::vector<AccessLogEntry>>([&](store::Transaction& tx) {
    std::vector<AccessLogEntry> entries;
    for (const auto& row : tx.query(
             "SELECT a.id, a.party_id, a.actor_user_id, u.login, a.actor_party_id, a.capacity, a.action, a.resource, "
             "a.delegation_id, a.at_ms FROM access_log a JOIN users u ON u.id = a.actor_user_id "
             "WHERE a.party_id = ? AND a.id < ? ORDER BY a.id DESC LIMIT ?",
             {party_id, before_id, static_cast<std::int64_t>(limit)})) {
      AccessLogEntry entry;
      entry.id = row.int64(0);
      entry.party_id = row.text(1);
      entry.actor_user_id = row.text(2);
      entry.actor_login = row.text(3);
      entry.actor_party_id = row.text(4);
      entry.capacity = row.text(5);
      entry.action = row.text(6);
      entry.resource = row.text(7);
      entry.delegation_id = row.optional_text(8);
      entry.at_ms = row.int64(9);
      entries.push_back(std::move(entry));
    }
    return entries;
  });
}

void IdentityService::add_export_section(std::string name, ExportSection section) {
  std::lock_guard lock(export_mutex_);
  export_sections_[std::move(name)] = std::move(section);
}

Json IdentityService::export_party_data(const Principal& principal) {
  std::map<std::string, ExportSection> sections;
  {
    std::lock_guard lock(export_mutex_);
    sections = export_sections_;
  }
  const auto as_time = [](const std::optional<std::int64_t>& ms) { return ms ? Json(format_utc_ms(*ms)) : Json(); };
  return store_.read<Json>([&](store::Transaction& tx) {
    Json out = Json::object();
    out["generated_at"] = format_utc_ms(clock_ms());
    if (auto party = load_party(tx, principal.party_id)) {
      out["party"] = {{"id", party->id},
                      {"kind", to_string(party->kind)},
                      {std::string(identifier_name(party->kind)), party->identifier},
                      {"name_ar", party->name_ar},
                      {"name_latin", party->name_latin},
                      {"email", party->email ? Json(*party->email) : Json()},
                      {"phone", party->phone ? Json(*party->phone) : Json()},
                      {"language", party->language},
                      {"created_at", format_utc_ms(party->created_at_ms)}};
    }
    // The caller's own account only: co-workers of the same party have their own exports, and
    // their addresses and sessions are theirs.
    Json users = Json::array();
    if (auto row =
            tx.query_one(std::string("SELECT ") + kUserColumns + " FROM users WHERE id = ?", {principal.user_id})) {
      const User user = user_from_row(*row);
      Json roles = Json::array();
      for (const Role role : user.roles) roles.push_back(to_string(role));
      Json sessions = Json::array();
      for (const auto& session : tx.query(
               "SELECT id, client_address, created_at_ms, last_seen_at_ms, expires_at_ms, revoked_at_ms FROM sessions "
               "WHERE user_id = ? ORDER BY created_at_ms",
               {user.id})) {
        sessions.push_back({{"id", session.text(0)},
                            {"client_address", session.text(1)},
                            {"created_at", as_time(session.int64(2))},
                            {"last_seen_at", as_time(session.int64(3))},
                            {"expires_at", as_time(session.int64(4))},
                            {"revoked_at", as_time(session.optional_int64(5))}});
      }
      Json api_keys = Json::array();
      for (const auto& key : tx.query(
               "SELECT id, name, roles, created_at_ms, last_used_at_ms, revoked_at_ms FROM api_keys WHERE user_id = ? "
               "ORDER BY created_at_ms",
               {user.id})) {
        Json key_roles = Json::array();
        for (const Role role : split_roles(key.text(2))) key_roles.push_back(to_string(role));
        api_keys.push_back({{"id", key.text(0)},
                            {"name", key.text(1)},
                            {"roles", key_roles},
                            {"created_at", as_time(key.int64(3))},
                            {"last_used_at", as_time(key.optional_int64(4))},
                            {"revoked_at", as_time(key.optional_int64(5))}});
      }
      Json failures = Json::array();
      for (const auto& failure : tx.query("SELECT failed_at_ms FROM login_failures WHERE subject = ? ORDER BY id",
                                          {"account:" + user.login})) {
        failures.push_back(as_time(failure.int64(0)));
      }
      users.push_back({{"id", user.id},
                       {"login", user.login},
                       {"roles", roles},
                       {"created_at", as_time(user.created_at_ms)},
                       {"disabled", user.disabled},
                       {"sessions", sessions},
                       {"api_keys", api_keys},
                       {"failed_logins", failures}});
    }
    out["users"] = users;
    const std::int64_t now = clock_ms();
    auto delegations = [&](const std::string& where, const std::string& key) {
      Json list = Json::array();
      for (const auto& row : tx.query(kDelegationSelect + where + " ORDER BY d.created_at_ms", {key})) {
        const Delegation d = delegation_from_row(row, now);
        Json scopes = Json::array();
        for (const Scope scope : d.scopes) scopes.push_back(to_string(scope));
        list.push_back({{"id", d.id},
                        {"grantor_party_id", d.grantor_party_id},
                        {"grantee_login", d.grantee_login},
                        {"scopes", scopes},
                        {"created_at", as_time(d.created_at_ms)},
                        {"expires_at", as_time(d.expires_at_ms)},
                        {"revoked_at", as_time(d.revoked_at_ms)},
                        {"status", d.status}});
      }
      return list;
    };
    out["delegations_given"] = delegations("WHERE d.grantor_party_id = ?", principal.party_id);
    out["delegations_received"] = delegations("WHERE d.grantee_user_id = ?", principal.user_id);
    Json log = Json::array();
    for (const auto& row :
         tx.query("SELECT a.at_ms, u.login, a.capacity, a.action, a.resource, a.delegation_id FROM access_log a "
                  "JOIN users u ON u.id = a.actor_user_id WHERE a.party_id = ? ORDER BY a.id",
                  {principal.party_id})) {
      log.push_back({{"at", as_time(row.int64(0))},
                     {"actor_login", row.text(1)},
                     {"capacity", row.text(2)},
                     {"action", row.text(3)},
                     {"resource", row.text(4)},
                     {"delegation_id", row.is_null(5) ? Json() : Json(row.text(5))}});
    }
    out["access_log"] = log;
    for (const auto& [name, section] : sections) out[name] = section(tx, principal.party_id);
    return out;
  });
}

}  // namespace barid::identity
