// Identity and access: parties and users, password login with rate limits, bearer sessions, API
// keys, delegation, and the access log that lets a party see who read its data. Authorisation of
// a caller against another party's data is decided here, in authorize_party_access, and nowhere else.
#pragma once

#include <barid/core/json.hpp>
#include <barid/core/result.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/identity/model.hpp>
#include <barid/store/store.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace barid::identity {

// Limits and timeouts; one place, documented in the API.
struct IdentityOptions {
  crypto::PasswordCost password_cost = crypto::PasswordCost::interactive;
  std::int64_t session_idle_timeout_ms = 30 * 60 * 1000;
  std::int64_t session_absolute_timeout_ms = 12 * 60 * 60 * 1000;
  // last_seen is written at most this often, so a busy session does not write on every request.
  std::int64_t session_touch_interval_ms = 60 * 1000;
  int login_failures_per_account = 5;
  int login_failures_per_address = 20;
  std::int64_t login_failure_window_ms = 15 * 60 * 1000;
  std::int64_t max_delegation_ms = 366LL * 24 * 60 * 60 * 1000;
  // Wall clock in UTC milliseconds; tests replace it to move time without sleeping.
  std::function<std::int64_t()> clock;
};

inline constexpr std::size_t kPasswordMinChars = 12;
inline constexpr std::size_t kPasswordMaxChars = 128;

struct NewParty {
  PartyKind kind = PartyKind::citizen;
  std::string identifier;
  std::string name_ar;
  std::string name_latin;
  std::optional<std::string> email;
  std::optional<std::string> phone;
  std::string language = "ar";
  std::optional<std::string> postal_address;  // up to 8 lines, 400 characters
};

// A party as a letter's recipient: who it is, and whether anyone can log in to read its mailbox
// (when nobody can, its letters go on paper).
struct Recipient {
  Party party;
  bool reads_digitally = false;
};

struct NewUser {
  std::string login;
  std::string party_id;
  std::vector<Role> roles;
  std::string password;
};

struct ApiKeyGrant {
  ApiKey key;
  std::string secret;  // shown once
};

// A login attempt counted against the limits before its password is checked.
struct LoginAttempt {
  std::string user_id;  // empty: no such login
  std::string password_hash;
  bool disabled = false;
  std::vector<std::int64_t> reservation_ids;  // rows in login_failures: account, then address
};

// What authorize_party_access decided: in which capacity the caller acts for the party.
struct PartyAccess {
  std::string capacity;  // "owner", "delegate", "postal_clerk", "operator_admin", "customs_officer"
  std::optional<std::string> delegation_id;
};

// A later module adds its part of a party's data export with this.
using ExportSection = std::function<Json(store::Transaction&, const std::string& party_id)>;

class IdentityService {
 public:
  IdentityService(store::Store& store, IdentityOptions options);

  static std::vector<store::Migration> migrations();

  // Parties and users.
  Result<Party> create_party(const NewParty& party);
  // `created_by`: the admin making it for another party (logged for that party); null from the CLI.
  Result<User> create_user(const NewUser& user, const Principal* created_by = nullptr);
  // A party and, optionally, its first user, in one transaction: both or neither.
  Result<std::pair<Party, std::optional<User>>> register_party(const NewParty& party,
                                                               const std::optional<NewUser>& first_user);
  Result<Party> get_party(const std::string& party_id);
  Result<Party> find_party(PartyKind kind, const std::string& identifier);
  Result<User> find_user_by_login(const std::string& login);
  // The user as a caller, with its party, for work the server does on its behalf (seeding demo
  // data, sending the letters of bills it issued).
  Result<Principal> principal_of(const std::string& login);
  // Inside the caller's transaction: the party with this identifier (normalised first), or nullopt.
  std::optional<Recipient> find_recipient(store::Transaction& tx, PartyKind kind, const std::string& identifier) const;
  std::optional<Recipient> recipient_by_id(store::Transaction& tx, const std::string& party_id) const;
  // The same for many identifiers of one kind at once (bulk sending), keyed by the identifier as given;
  // identifiers that are malformed or unknown are absent.
  std::map<std::string, Recipient> find_recipients(store::Transaction& tx, PartyKind kind,
                                                   const std::vector<std::string>& identifiers) const;
  // Parties by id, inside the caller's transaction (ids that do not exist are absent).
  static std::map<std::string, Party> parties_by_id(store::Transaction& tx, const std::vector<std::string>& party_ids);
  // The ids of the parties registered with `identifier`, of any kind (for searching by sender).
  static std::vector<std::string> party_ids_with_identifier(store::Transaction& tx, const std::string& identifier);
  // Records in the party's access log, within `tx`, that `actor` read its data in `capacity` for a
  // purpose the caller names (e.g. a print centre printing a letter).
  void log_access(store::Transaction& tx, const Principal& actor, const std::string& party_id,
                  const std::string& capacity, std::string_view action, std::string_view resource);
  std::vector<User> list_users(std::size_t limit, const std::string& after_login);
  Status change_password(const Principal& principal, const std::string& current_password,
                         const std::string& new_password);

  // Sessions.
  Result<SessionGrant> log_in(const std::string& login, const std::string& password, const std::string& client_address);
  // Accepts a session token (bs_…) or an API key (bk_…).
  Result<Principal> authenticate(std::string_view bearer_token);
  Status log_out(const Principal& principal);

  // API keys (operator admins).
  // `created_by`: the admin who asked (logged for the key's party); null from the command line.
  // Keys are for businesses, authorities and the operator, never for citizens.
  Result<ApiKeyGrant> create_api_key(const Principal* created_by, const std::string& login, const std::string& name,
                                     const std::vector<Role>& roles);
  std::vector<ApiKey> list_api_keys();
  Status revoke_api_key(const std::string& key_id);

  // Delegation.
  // The grantee is named by login and by their party's identifier (national id, registry number
  // or code); only a person logged in (not an API key) grants or revokes.
  Result<Delegation> grant_delegation(const Principal& grantor, const std::string& grantee_login,
                                      const std::string& grantee_identifier, const std::vector<Scope>& scopes,
                                      std::int64_t expires_at_ms);
  std::vector<Delegation> delegations_given(const Principal& principal);
  std::vector<Delegation> delegations_received(const Principal& principal);
  Status revoke_delegation(const Principal& principal, const std::string& delegation_id);

  // Decides whether `principal` may touch `party_id`'s data for `scope` and, when the caller is not
  // the party itself, records the access in the party's access log within `tx`. A party the caller
  // may not see is reported as not found, so ids cannot be probed.
  Result<PartyAccess> authorize_party_access(store::Transaction& tx, const Principal& principal,
                                             const std::string& party_id, Scope scope, std::string_view action,
                                             std::string_view resource);
  // Reads a party's profile on behalf of `principal` (owner, delegate with profile:read, clerk, admin).
  Result<Party> read_party(const Principal& principal, const std::string& party_id);
  // Finds a party by its identifier for a clerk or admin; the lookup is logged for the party.
  Result<Party> look_up_party(const Principal& principal, PartyKind kind, const std::string& identifier);

  std::vector<AccessLogEntry> access_log(const std::string& party_id, std::size_t limit, std::int64_t before_id);

  void add_export_section(std::string name, ExportSection section);
  Json export_party_data(const Principal& principal);

  const IdentityOptions& options() const { return options_; }
  std::int64_t clock_ms() const;

 private:
  static std::string account_subject(std::string_view login_text);
  void record_access(store::Transaction& tx, const Principal& actor, const std::string& party_id,
                     const std::string& capacity, std::string_view action, std::string_view resource,
                     const std::optional<std::string>& delegation_id = std::nullopt);
  Result<LoginAttempt> reserve_login_attempt(const std::string& account_subject, const std::string& client_address,
                                             const std::string& login);

  store::Store& store_;
  IdentityOptions options_;
  std::string dummy_password_hash_;  // verified for unknown logins so timing does not reveal them
  std::mutex export_mutex_;
  std::map<std::string, ExportSection> export_sections_;
};

// Validation shared by the API and the CLI.
Status validate_password(std::string_view password);
Result<std::string> normalize_login(std::string_view login);
Result<std::string> normalize_identifier(PartyKind kind, std::string_view identifier);
// Replaces Arabic-Indic and Eastern Arabic-Indic digits with ASCII digits.
std::string normalize_digits(std::string_view text);

}  // namespace barid::identity
