#include <barid/ledger/ledger.hpp>

namespace barid::ledger {

// The ledger owns migration versions 400-499. Ids are 16 big-endian bytes; the tables are clustered
// on them. Accounts and transfers are never deleted; a transfer row never changes.
std::vector<store::Migration> LedgerService::migrations() {
  return {
      {400, "ledger: accounts, transfers, pending transfers, balance history",
       R"sql(
CREATE TABLE ledger_accounts (
  id ${blob} PRIMARY KEY,
  ledger BIGINT NOT NULL,
  code BIGINT NOT NULL,
  flags BIGINT NOT NULL,
  owner_party_id TEXT,
  user_data_128 ${blob},
  user_data_64 BIGINT NOT NULL,
  user_data_32 BIGINT NOT NULL,
  debits_pending BIGINT NOT NULL,
  debits_posted BIGINT NOT NULL,
  credits_pending BIGINT NOT NULL,
  credits_posted BIGINT NOT NULL,
  timestamp_ns BIGINT NOT NULL
)${without_rowid};
CREATE INDEX ledger_accounts_by_owner ON ledger_accounts (owner_party_id) WHERE owner_party_id IS NOT NULL;
CREATE TABLE ledger_transfers (
  id ${blob} PRIMARY KEY,
  debit_account_id ${blob} NOT NULL,
  credit_account_id ${blob} NOT NULL,
  amount BIGINT NOT NULL,
  pending_id ${blob},
  timeout BIGINT NOT NULL,
  ledger BIGINT NOT NULL,
  code BIGINT NOT NULL,
  flags BIGINT NOT NULL,
  user_data_128 ${blob},
  user_data_64 BIGINT NOT NULL,
  user_data_32 BIGINT NOT NULL,
  timestamp_ns BIGINT NOT NULL,
  actor_user_id TEXT
)${without_rowid};
CREATE INDEX ledger_transfers_by_debit ON ledger_transfers (debit_account_id, timestamp_ns);
CREATE INDEX ledger_transfers_by_credit ON ledger_transfers (credit_account_id, timestamp_ns);
CREATE TABLE ledger_pending (
  id ${blob} PRIMARY KEY,
  status TEXT NOT NULL,
  expires_at_ns BIGINT,
  resolved_at_ns BIGINT
)${without_rowid};
CREATE INDEX ledger_pending_expiry ON ledger_pending (expires_at_ns) WHERE status = 'pending' AND expires_at_ns IS NOT NULL;
CREATE TABLE ledger_account_history (
  account_id ${blob} NOT NULL,
  timestamp_ns BIGINT NOT NULL,
  event_id ${blob} NOT NULL,
  debits_pending BIGINT NOT NULL,
  debits_posted BIGINT NOT NULL,
  credits_pending BIGINT NOT NULL,
  credits_posted BIGINT NOT NULL,
  PRIMARY KEY (account_id, timestamp_ns, event_id)
)${without_rowid};
)sql",
       ""},
      {401, "ledger: idempotency keys of batch requests and their first results",
       R"sql(
CREATE TABLE ledger_requests (
  scope TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  results TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (scope, idempotency_key)
)${without_rowid};
)sql",
       ""},
      {402, "ledger: idempotency keys are forgotten after their retention, oldest first",
       "CREATE INDEX ledger_requests_by_age ON ledger_requests (created_at_ms)", ""},
  };
}

}  // namespace barid::ledger
