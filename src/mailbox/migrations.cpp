#include <barid/mailbox/mailbox.hpp>

namespace barid::mailbox {

// The mailbox owns migration versions 200-299.
std::vector<store::Migration> MailboxService::migrations() {
  return {
      {200, "mailbox: keys, letters, attachments, labels, idempotency, retention, print batches",
       R"sql(
CREATE TABLE mailbox_master_keys (
  version BIGINT PRIMARY KEY,
  fingerprint TEXT NOT NULL
);
CREATE TABLE mailboxes (
  party_id TEXT PRIMARY KEY REFERENCES parties (id),
  key_version BIGINT NOT NULL,
  master_key_version BIGINT NOT NULL,
  wrapped_key ${blob} NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE letters (
  id TEXT PRIMARY KEY,
  sender_party_id TEXT NOT NULL,
  sender_user_id TEXT NOT NULL,
  recipient_party_id TEXT,
  recipient_kind TEXT NOT NULL,
  recipient_identifier TEXT NOT NULL,
  batch_id TEXT,
  batch_line BIGINT,
  thread_id TEXT NOT NULL,
  in_reply_to TEXT,
  kind TEXT NOT NULL,
  legal_notification BIGINT NOT NULL,
  mandatory BIGINT NOT NULL,
  reply_allowed BIGINT NOT NULL,
  reply_by_ms BIGINT,
  deliver_after_ms BIGINT,
  notification TEXT NOT NULL,
  language TEXT NOT NULL,
  case_id_tag TEXT,
  state TEXT NOT NULL,
  channel TEXT NOT NULL,
  rejection_reason TEXT,
  mailbox_key_version BIGINT,
  wrapped_key ${blob},
  subject_sealed ${blob},
  content_sealed ${blob},
  attachment_keys_sealed ${blob},
  content_sha256 TEXT NOT NULL,
  attachments_sha256 TEXT NOT NULL,
  size_bytes BIGINT NOT NULL,
  attachment_count BIGINT NOT NULL,
  sender_assurance TEXT NOT NULL,
  submitted_at_ms BIGINT NOT NULL,
  consigned_at_ms BIGINT,
  opened_at_ms BIGINT,
  handover_deadline_ms BIGINT,
  retention_until_ms BIGINT,
  content_destroyed_at_ms BIGINT,
  folder TEXT NOT NULL,
  unread BIGINT NOT NULL,
  print_reason TEXT,
  print_batch_id TEXT,
  printed_at_ms BIGINT,
  acceptance_log_index BIGINT,
  rejection_log_index BIGINT,
  consignment_log_index BIGINT,
  handover_log_index BIGINT,
  handover_failure_log_index BIGINT,
  relay_log_index BIGINT,
  UNIQUE (batch_id, batch_line)
);
CREATE INDEX letters_by_mailbox ON letters (recipient_party_id, folder, consigned_at_ms, id)
  WHERE consigned_at_ms IS NOT NULL;
CREATE INDEX letters_by_sender ON letters (sender_party_id, submitted_at_ms, id);
CREATE INDEX letters_by_case ON letters (recipient_party_id, case_id_tag) WHERE case_id_tag IS NOT NULL;
CREATE INDEX letters_due_consignment ON letters (deliver_after_ms) WHERE state = 'accepted';
CREATE INDEX letters_due_handover ON letters (handover_deadline_ms) WHERE handover_deadline_ms IS NOT NULL;
CREATE INDEX letters_due_retention ON letters (retention_until_ms) WHERE content_destroyed_at_ms IS NULL;
CREATE INDEX letters_to_print ON letters (submitted_at_ms) WHERE state = 'to_print';
CREATE INDEX letters_by_print_batch ON letters (print_batch_id) WHERE print_batch_id IS NOT NULL;
CREATE TABLE letter_blobs (
  id TEXT PRIMARY KEY,
  sealed ${blob} NOT NULL,
  size_bytes BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL
);
CREATE TABLE letter_attachments (
  letter_id TEXT NOT NULL REFERENCES letters (id),
  number BIGINT NOT NULL,
  blob_id TEXT NOT NULL REFERENCES letter_blobs (id),
  PRIMARY KEY (letter_id, number)
);
CREATE INDEX letter_attachments_by_blob ON letter_attachments (blob_id);
CREATE TABLE mailbox_labels (
  id TEXT PRIMARY KEY,
  party_id TEXT NOT NULL REFERENCES parties (id),
  name TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  UNIQUE (party_id, name)
);
CREATE TABLE letter_labels (
  letter_id TEXT NOT NULL REFERENCES letters (id),
  label_id TEXT NOT NULL REFERENCES mailbox_labels (id),
  PRIMARY KEY (letter_id, label_id)
);
CREATE INDEX letter_labels_by_label ON letter_labels (label_id);
CREATE TABLE letter_submissions (
  sender_party_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  letter_id TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (sender_party_id, idempotency_key)
);
CREATE TABLE sender_policies (
  party_id TEXT PRIMARY KEY REFERENCES parties (id),
  retention_ms BIGINT NOT NULL,
  updated_by_user_id TEXT NOT NULL,
  updated_at_ms BIGINT NOT NULL
);
CREATE TABLE print_batches (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  letter_count BIGINT NOT NULL,
  created_by_user_id TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  printed_by_user_id TEXT,
  printed_at_ms BIGINT
);
)sql",
       ""},
      {201, "mailbox: bulk sending (batches, their recipients and shared attachments)",
       R"sql(
CREATE TABLE letter_batches (
  id TEXT PRIMARY KEY,
  sender_party_id TEXT NOT NULL REFERENCES parties (id),
  sender_user_id TEXT NOT NULL,
  sender_assurance TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status TEXT NOT NULL,
  batch_key_wrapped ${blob} NOT NULL,
  mailbox_key_version BIGINT NOT NULL,
  template_sealed ${blob} NOT NULL,
  total BIGINT NOT NULL,
  accepted BIGINT NOT NULL,
  rejected BIGINT NOT NULL,
  consigned BIGINT NOT NULL,
  processed_through_line BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  finished_at_ms BIGINT,
  UNIQUE (sender_party_id, idempotency_key)
);
CREATE INDEX letter_batches_unfinished ON letter_batches (created_at_ms) WHERE status <> 'done';
CREATE TABLE letter_batch_items (
  batch_id TEXT NOT NULL REFERENCES letter_batches (id),
  line BIGINT NOT NULL,
  recipient_type TEXT NOT NULL,
  recipient TEXT NOT NULL,
  fields_sealed ${blob} NOT NULL,
  status TEXT NOT NULL,
  error_code TEXT,
  PRIMARY KEY (batch_id, line)
)${without_rowid};
CREATE TABLE letter_batch_blobs (
  batch_id TEXT NOT NULL REFERENCES letter_batches (id),
  number BIGINT NOT NULL,
  blob_id TEXT NOT NULL REFERENCES letter_blobs (id),
  PRIMARY KEY (batch_id, number)
);
CREATE INDEX letter_batch_blobs_by_blob ON letter_batch_blobs (blob_id);
)sql",
       ""},
  };
}

}  // namespace barid::mailbox
