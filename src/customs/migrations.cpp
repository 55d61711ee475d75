#include <barid/customs/customs.hpp>

namespace barid::customs {

// Customs owns migration versions 700-799.
std::vector<store::Migration> CustomsService::migrations() {
  return {
      {700, "customs: declarations, risk rules, tariff, cases and decisions",
       R"sql(
CREATE TABLE customs_declarations (
  item_id TEXT PRIMARY KEY,
  form TEXT NOT NULL,
  content TEXT NOT NULL,
  declared_by_user_id TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE customs_rules (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  parameters TEXT NOT NULL,
  active INTEGER NOT NULL,
  created_at_ms BIGINT NOT NULL,
  created_by_user_id TEXT NOT NULL
);
CREATE TABLE customs_tariff (
  id INTEGER PRIMARY KEY,
  definition TEXT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  updated_by_user_id TEXT NOT NULL
);
CREATE TABLE customs_cases (
  item_id TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  bill_id TEXT,
  assessed_by_login TEXT,
  updated_at_ms BIGINT NOT NULL
);
CREATE INDEX customs_cases_duty_due ON customs_cases (updated_at_ms) WHERE state = 'duty_due';
CREATE TABLE customs_decisions (
  id TEXT PRIMARY KEY,
  item_id TEXT NOT NULL,
  decision TEXT NOT NULL,
  note TEXT,
  assessment TEXT,
  bill_id TEXT,
  scan_code TEXT NOT NULL,
  scan_recorded INTEGER NOT NULL,
  log_index BIGINT NOT NULL,
  decided_by TEXT NOT NULL,
  decided_by_user_id TEXT NOT NULL,
  actor_login TEXT NOT NULL,
  decided_at_ms BIGINT NOT NULL
);
CREATE INDEX customs_decisions_by_item ON customs_decisions (item_id, decided_at_ms);
CREATE INDEX customs_decisions_unrecorded ON customs_decisions (decided_at_ms) WHERE scan_recorded = 0;
)sql"},
      {701, "customs: idempotent decisions, partner operators, pre-advice exports and imports",
       R"sql(
CREATE TABLE customs_requests (
  scope TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  decision_id TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (scope, idempotency_key)
);
CREATE TABLE customs_partners (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  country TEXT NOT NULL,
  public_key TEXT NOT NULL,
  active INTEGER NOT NULL,
  created_at_ms BIGINT NOT NULL,
  created_by_user_id TEXT NOT NULL
);
CREATE TABLE customs_pre_advice_exports (
  id TEXT PRIMARY KEY,
  destination_country TEXT NOT NULL,
  items INTEGER NOT NULL,
  bundle TEXT NOT NULL,
  scope TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  created_by_user_id TEXT NOT NULL,
  UNIQUE (scope, idempotency_key)
);
CREATE TABLE customs_pre_advice_exported (
  item_id TEXT PRIMARY KEY,
  export_id TEXT NOT NULL
);
CREATE TABLE customs_pre_advice_imports (
  bundle_id TEXT PRIMARY KEY,
  partner_code TEXT NOT NULL,
  digest TEXT NOT NULL,
  summary TEXT NOT NULL,
  imported_at_ms BIGINT NOT NULL,
  imported_by_user_id TEXT NOT NULL
);
)sql"},
  };
}

}  // namespace barid::customs
