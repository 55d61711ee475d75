#include <barid/parcels/parcels.hpp>

namespace barid::parcels {

// Parcels own migration versions 600-699.
std::vector<store::Migration> ParcelsService::migrations() {
  return {
      {600, "parcels: id ranges, items, tracking events, idempotency keys, mailbox notices",
       R"sql(
CREATE TABLE parcel_id_ranges (
  id TEXT PRIMARY KEY,
  service TEXT NOT NULL,
  country TEXT NOT NULL,
  first_serial BIGINT NOT NULL,
  last_serial BIGINT NOT NULL,
  next_serial BIGINT NOT NULL,
  active INTEGER NOT NULL,
  created_at_ms BIGINT NOT NULL,
  created_by_user_id TEXT NOT NULL
);
CREATE INDEX parcel_id_ranges_by_service ON parcel_id_ranges (service, country, created_at_ms);
CREATE TABLE parcel_items (
  row_id TEXT PRIMARY KEY,
  s10 TEXT NOT NULL,
  product TEXT NOT NULL,
  sender_address TEXT NOT NULL,
  addressee_address TEXT NOT NULL,
  sender_party_id TEXT,
  addressee_party_id TEXT,
  weight_g BIGINT NOT NULL,
  length_mm BIGINT NOT NULL,
  width_mm BIGINT NOT NULL,
  height_mm BIGINT NOT NULL,
  declared_value BIGINT,
  declared_currency TEXT,
  contents TEXT,
  payment_intent_id TEXT,
  settlement TEXT,
  origin_country TEXT NOT NULL,
  destination_country TEXT NOT NULL,
  status TEXT NOT NULL,
  last_event_code TEXT,
  last_event_at_ms BIGINT,
  posted_at_ms BIGINT,
  first_attempt_at_ms BIGINT,
  delivered_at_ms BIGINT,
  anomalies BIGINT NOT NULL,
  source TEXT NOT NULL,
  office TEXT,
  created_at_ms BIGINT NOT NULL,
  created_by_user_id TEXT NOT NULL
);
CREATE INDEX parcel_items_by_s10 ON parcel_items (s10, created_at_ms);
CREATE INDEX parcel_items_by_sender ON parcel_items (sender_party_id, created_at_ms) WHERE sender_party_id IS NOT NULL;
CREATE INDEX parcel_items_by_addressee ON parcel_items (addressee_party_id, created_at_ms)
  WHERE addressee_party_id IS NOT NULL;
CREATE INDEX parcel_items_to_settle ON parcel_items (delivered_at_ms)
  WHERE payment_intent_id IS NOT NULL AND settlement IS NULL AND delivered_at_ms IS NOT NULL;
CREATE TABLE parcel_events (
  seq ${id},
  s10 TEXT NOT NULL,
  item_row_id TEXT,
  code TEXT NOT NULL,
  at_ms BIGINT NOT NULL,
  utc_offset_minutes INTEGER NOT NULL,
  office TEXT,
  location TEXT,
  next_office TEXT,
  reason TEXT,
  signatory TEXT,
  anomaly TEXT,
  fingerprint TEXT NOT NULL,
  recorded_at_ms BIGINT NOT NULL,
  recorded_by_user_id TEXT NOT NULL
);
CREATE UNIQUE INDEX parcel_events_unique ON parcel_events (s10, fingerprint);
CREATE INDEX parcel_events_by_item ON parcel_events (item_row_id, at_ms) WHERE item_row_id IS NOT NULL;
CREATE INDEX parcel_events_orphans ON parcel_events (recorded_at_ms) WHERE item_row_id IS NULL;
CREATE TABLE parcel_requests (
  scope TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  item_row_id TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (scope, idempotency_key)
);
CREATE TABLE parcel_notices (
  event_seq BIGINT PRIMARY KEY,
  item_row_id TEXT NOT NULL,
  recorded_by_login TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  letter_id TEXT,
  error TEXT
);
CREATE INDEX parcel_notices_pending ON parcel_notices (created_at_ms) WHERE letter_id IS NULL AND error IS NULL;
)sql"},
      // Delivery standards (REFERENCE §8). The items gain what the quality report reads in one pass,
      // so that it never opens an item's scans: the posting's offset and office, the first attempt's
      // offset, and the first EMC, EMD and delivery scan after the EMD (UPU scan timeliness).
      // refresh_item fills them from the scans; the UPDATEs below do the same for items scanned
      // before this version. parcel_items_quality holds every column the report reads, in posting
      // order: the report scans the index alone (about 100 bytes an item) and never the wide rows
      // with their addresses, which in posting order would be read at random.
      {601, "parcels: working-day calendars, delivery standards, quality facts of items",
       R"sql(
CREATE TABLE parcel_calendars (
  country TEXT PRIMARY KEY,
  definition TEXT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  updated_by_user_id TEXT NOT NULL
);
CREATE TABLE parcel_standards (
  id TEXT PRIMARY KEY,
  product TEXT NOT NULL,
  origin TEXT NOT NULL,
  destination TEXT NOT NULL,
  days INTEGER NOT NULL,
  cutoff_minutes INTEGER NOT NULL,
  created_at_ms BIGINT NOT NULL,
  created_by_user_id TEXT NOT NULL,
  UNIQUE (product, origin, destination)
);
ALTER TABLE parcel_items ADD COLUMN posted_offset_minutes INTEGER;
ALTER TABLE parcel_items ADD COLUMN posted_office TEXT;
ALTER TABLE parcel_items ADD COLUMN first_attempt_offset_minutes INTEGER;
ALTER TABLE parcel_items ADD COLUMN first_emc_at_ms BIGINT;
ALTER TABLE parcel_items ADD COLUMN first_emd_at_ms BIGINT;
ALTER TABLE parcel_items ADD COLUMN first_after_emd_at_ms BIGINT;
UPDATE parcel_items SET
  posted_offset_minutes = (SELECT e.utc_offset_minutes FROM parcel_events e WHERE e.item_row_id = parcel_items.row_id
                           AND e.code = 'EMA' ORDER BY e.at_ms, e.seq LIMIT 1),
  posted_office = (SELECT e.office FROM parcel_events e WHERE e.item_row_id = parcel_items.row_id AND e.code = 'EMA'
                   ORDER BY e.at_ms, e.seq LIMIT 1),
  first_attempt_offset_minutes = (SELECT e.utc_offset_minutes FROM parcel_events e
                                  WHERE e.item_row_id = parcel_items.row_id AND e.code IN ('EDH', 'EMH', 'EMI')
                                  AND (parcel_items.posted_at_ms IS NULL OR e.at_ms >= parcel_items.posted_at_ms)
                                  ORDER BY e.at_ms, e.seq LIMIT 1),
  first_emc_at_ms = (SELECT MIN(e.at_ms) FROM parcel_events e WHERE e.item_row_id = parcel_items.row_id
                     AND e.code = 'EMC' AND (parcel_items.posted_at_ms IS NULL OR e.at_ms >= parcel_items.posted_at_ms)),
  first_emd_at_ms = (SELECT MIN(e.at_ms) FROM parcel_events e WHERE e.item_row_id = parcel_items.row_id
                     AND e.code = 'EMD' AND (parcel_items.posted_at_ms IS NULL OR e.at_ms >= parcel_items.posted_at_ms))
  WHERE last_event_code IS NOT NULL;
UPDATE parcel_items SET
  first_after_emd_at_ms = (SELECT MIN(e.at_ms) FROM parcel_events e WHERE e.item_row_id = parcel_items.row_id
                           AND e.code IN ('EDH', 'EMH', 'EMI') AND e.at_ms >= parcel_items.first_emd_at_ms)
  WHERE first_emd_at_ms IS NOT NULL;
CREATE INDEX parcel_items_quality ON parcel_items (posted_at_ms, row_id, product, origin_country, destination_country,
  posted_offset_minutes, posted_office, office, first_attempt_at_ms, first_attempt_offset_minutes, anomalies,
  first_emc_at_ms, first_emd_at_ms, first_after_emd_at_ms) WHERE posted_at_ms IS NOT NULL;
)sql"},
  };
}

}  // namespace barid::parcels
