#include <barid/payments/payments.hpp>

namespace barid::payments {

// Payments own migration versions 500-599. Money itself lives in the ledger's tables; these rows
// say what each movement was, whose account number maps to which ledger account, and which
// idempotency key produced which result.
std::vector<store::Migration> PaymentsService::migrations() {
  return {
      {500, "payments: postal accounts, payments, idempotency keys, cash drawers and their closings",
       R"sql(
CREATE TABLE postal_accounts (
  number TEXT PRIMARY KEY,
  ledger_account_id ${blob} NOT NULL UNIQUE,
  party_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  name TEXT,
  status TEXT NOT NULL,
  daily_limit BIGINT NOT NULL,
  limit_day BIGINT NOT NULL,
  spent_on_day BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  created_by_user_id TEXT NOT NULL
);
CREATE INDEX postal_accounts_by_party ON postal_accounts (party_id, currency, created_at_ms);
CREATE TABLE payments (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  channel TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount BIGINT NOT NULL,
  fee BIGINT NOT NULL,
  from_account TEXT,
  to_account TEXT,
  from_party_id TEXT,
  to_party_id TEXT,
  reference TEXT,
  authorization_code TEXT NOT NULL,
  actor_user_id TEXT NOT NULL,
  actor_capacity TEXT NOT NULL,
  office_code TEXT,
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX payments_by_from_party ON payments (from_party_id, created_at_ms) WHERE from_party_id IS NOT NULL;
CREATE INDEX payments_by_to_party ON payments (to_party_id, created_at_ms) WHERE to_party_id IS NOT NULL;
CREATE TABLE payment_requests (
  scope TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  operation TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  result_id TEXT,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (scope, idempotency_key)
);
CREATE TABLE cash_drawers (
  id TEXT PRIMARY KEY,
  office_code TEXT NOT NULL,
  currency TEXT NOT NULL,
  ledger_account_id ${blob} NOT NULL UNIQUE,
  opened_at_ms BIGINT NOT NULL,
  opened_by_user_id TEXT NOT NULL,
  UNIQUE (office_code, currency)
);
CREATE TABLE drawer_movements (
  payment_id TEXT PRIMARY KEY,
  drawer_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  amount BIGINT NOT NULL,
  closing_id TEXT
);
CREATE INDEX drawer_movements_open ON drawer_movements (drawer_id) WHERE closing_id IS NULL;
CREATE TABLE drawer_closings (
  id TEXT PRIMARY KEY,
  drawer_id TEXT NOT NULL,
  from_ms BIGINT NOT NULL,
  closed_at_ms BIGINT NOT NULL,
  opening BIGINT NOT NULL,
  cash_in BIGINT NOT NULL,
  cash_in_count BIGINT NOT NULL,
  cash_out BIGINT NOT NULL,
  cash_out_count BIGINT NOT NULL,
  floats BIGINT NOT NULL,
  expected BIGINT NOT NULL,
  counted BIGINT NOT NULL,
  difference BIGINT NOT NULL,
  closed_by_user_id TEXT NOT NULL
);
CREATE INDEX drawer_closings_by_drawer ON drawer_closings (drawer_id, closed_at_ms);
)sql",
       ""},
      {501, "payments: bills presented in the mailbox and the payments made on them",
       R"sql(
CREATE TABLE bills (
  id TEXT PRIMARY KEY,
  biller_party_id TEXT NOT NULL,
  reference TEXT NOT NULL,
  payer_party_id TEXT NOT NULL,
  currency TEXT NOT NULL,
  amount_due BIGINT NOT NULL,
  penalty BIGINT NOT NULL,
  amount_paid BIGINT NOT NULL,
  amount_rule TEXT NOT NULL,
  minimum_amount BIGINT NOT NULL,
  due_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT,
  description TEXT,
  registered BIGINT NOT NULL,
  status TEXT NOT NULL,
  collect_account TEXT NOT NULL,
  letter_id TEXT,
  letter_error TEXT,
  batch_id TEXT,
  created_by_login TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  UNIQUE (biller_party_id, reference)
);
CREATE INDEX bills_by_payer ON bills (payer_party_id, created_at_ms);
CREATE INDEX bills_by_biller ON bills (biller_party_id, created_at_ms);
CREATE INDEX bills_by_batch ON bills (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX bills_without_letter ON bills (created_at_ms) WHERE letter_id IS NULL AND letter_error IS NULL;
CREATE TABLE bill_payments (
  payment_id TEXT PRIMARY KEY,
  bill_id TEXT NOT NULL,
  amount BIGINT NOT NULL,
  log_index BIGINT NOT NULL,
  letter_id TEXT,
  letter_error TEXT,
  paid_at_ms BIGINT NOT NULL
);
CREATE INDEX bill_payments_by_bill ON bill_payments (bill_id);
CREATE INDEX bill_payments_without_letter ON bill_payments (paid_at_ms) WHERE letter_id IS NULL AND letter_error IS NULL;
)sql",
       ""},
      {502, "payments: merchant payment intents and their escrow",
       R"sql(
CREATE TABLE payment_intents (
  id TEXT PRIMARY KEY,
  merchant_party_id TEXT NOT NULL,
  merchant_account TEXT NOT NULL,
  order_reference TEXT NOT NULL,
  description TEXT,
  currency TEXT NOT NULL,
  amount BIGINT NOT NULL,
  status TEXT NOT NULL,
  method TEXT,
  payer_party_id TEXT,
  payer_account TEXT,
  escrow_payment_id TEXT,
  escrow_days BIGINT NOT NULL,
  hold_expires_at_ms BIGINT,
  card_order_id TEXT UNIQUE,
  redirect_url TEXT,
  refunded BIGINT NOT NULL,
  status_reason TEXT,
  created_by_user_id TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  UNIQUE (merchant_party_id, order_reference)
);
CREATE INDEX payment_intents_held ON payment_intents (hold_expires_at_ms) WHERE status = 'held';
CREATE INDEX payment_requests_by_age ON payment_requests (created_at_ms);
CREATE INDEX payment_intents_by_payer ON payment_intents (payer_party_id, created_at_ms) WHERE payer_party_id IS NOT NULL;
)sql",
       ""},
  };
}

}  // namespace barid::payments
