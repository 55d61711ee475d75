#include <barid/identity/identity.hpp>

namespace barid::identity {

// Identity owns migration versions 100-199.
std::vector<store::Migration> IdentityService::migrations() {
  return {
      {100, "identity: parties, users, sessions, api keys, delegations, access log",
       R"sql(
CREATE TABLE parties (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  identifier TEXT NOT NULL,
  name_ar TEXT NOT NULL,
  name_latin TEXT NOT NULL,
  email TEXT,
  phone TEXT,
  language TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  UNIQUE (kind, identifier)
);
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  login TEXT NOT NULL UNIQUE,
  party_id TEXT NOT NULL REFERENCES parties (id),
  roles TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  disabled BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX users_by_party ON users (party_id);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  token_hash ${blob} NOT NULL UNIQUE,
  user_id TEXT NOT NULL REFERENCES users (id),
  client_address TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  last_seen_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  revoked_at_ms BIGINT
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  key_hash ${blob} NOT NULL UNIQUE,
  name TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id),
  roles TEXT NOT NULL,
  created_by_user_id TEXT REFERENCES users (id),
  created_at_ms BIGINT NOT NULL,
  last_used_at_ms BIGINT,
  revoked_at_ms BIGINT
);
CREATE TABLE login_failures (
  id ${id},
  subject TEXT NOT NULL,
  failed_at_ms BIGINT NOT NULL
);
CREATE INDEX login_failures_by_subject ON login_failures (subject, failed_at_ms);
CREATE INDEX login_failures_by_time ON login_failures (failed_at_ms);
CREATE TABLE delegations (
  id TEXT PRIMARY KEY,
  grantor_party_id TEXT NOT NULL REFERENCES parties (id),
  grantee_user_id TEXT NOT NULL REFERENCES users (id),
  scopes TEXT NOT NULL,
  created_by_user_id TEXT NOT NULL REFERENCES users (id),
  created_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  revoked_at_ms BIGINT
);
CREATE INDEX delegations_by_grantor ON delegations (grantor_party_id);
CREATE INDEX delegations_by_grantee ON delegations (grantee_user_id);
CREATE TABLE access_log (
  id ${id},
  party_id TEXT NOT NULL REFERENCES parties (id),
  actor_user_id TEXT NOT NULL REFERENCES users (id),
  actor_party_id TEXT NOT NULL,
  capacity TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  delegation_id TEXT,
  at_ms BIGINT NOT NULL
);
CREATE INDEX access_log_by_party ON access_log (party_id, id);
)sql",
       ""},
      {101, "identity: postal address of a party, for letters that go on paper",
       "ALTER TABLE parties ADD COLUMN postal_address TEXT", ""},
  };
}

}  // namespace barid::identity
