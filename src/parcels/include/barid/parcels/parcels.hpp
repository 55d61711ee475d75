// Parcels and tracked items: S10 ids issued from the operator's ranges, items with their product,
// addresses and declared value, A6 labels, tracking scans with UPU event codes (late, out of order,
// duplicated or for unknown items: never dropped), public tracking without personal data, the
// addressee told of key events in the mailbox, and the escrow of a paid order captured on delivery.
#pragma once

#include <barid/identity/identity.hpp>
#include <barid/parcels/address.hpp>
#include <barid/parcels/s10.hpp>
#include <barid/parcels/scan_file.hpp>
#include <barid/store/store.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace barid::mailbox {
class MailboxService;
}
namespace barid::payments {
class CheckoutService;
}

namespace barid::parcels {

// A block of serials the operator issues ids from, for one service indicator and country.
struct IdRange {
  std::string id;
  std::string service;  // two letters, the first one a product code: "CP", "HA", "EE", "RR", "LA"
  std::string country;  // the issuing operator's country
  std::int64_t first_serial = 0;
  std::int64_t last_serial = 0;
  std::int64_t next_serial = 0;
  bool active = true;
  std::int64_t created_at_ms = 0;
};

struct AddresseeParty {
  identity::PartyKind kind = identity::PartyKind::citizen;
  std::string identifier;  // national id, registry number or authority code: the mailbox to notify
};

struct ItemInput {
  std::string product;  // R, L, C, H, E
  Address sender;
  Address addressee;
  std::optional<AddresseeParty> addressee_party;
  std::int64_t weight_g = 0;
  std::int64_t length_mm = 0;
  std::int64_t width_mm = 0;
  std::int64_t height_mm = 0;
  std::optional<std::int64_t> declared_value;  // minor units of declared_currency
  std::optional<std::string> declared_currency;
  std::optional<std::string> contents;           // a short description, e.g. "Book"
  std::optional<std::string> payment_intent_id;  // a held checkout intent of the sender, captured on delivery
  // A clerk accepting a parcel at the counter names the sender's party (optional); a business or a
  // citizen is the sender itself.
  std::optional<AddresseeParty> sender_party;
  std::optional<std::string> office;  // the accepting office (clerks)
};

struct Item {
  std::string id;  // the S10 id
  std::string product;
  Address sender;
  Address addressee;
  std::optional<std::string> sender_party_id;
  std::optional<std::string> addressee_party_id;
  std::int64_t weight_g = 0;
  std::int64_t length_mm = 0;
  std::int64_t width_mm = 0;
  std::int64_t height_mm = 0;
  std::optional<std::int64_t> declared_value;
  std::optional<std::string> declared_currency;
  std::optional<std::string> contents;
  std::optional<std::string> payment_intent_id;
  std::optional<std::string> settlement;  // captured, voided, or the error that stopped it
  std::string origin_country;
  std::string destination_country;
  std::string status;  // created, then the status of the latest event in time (EventCode::status)
  std::optional<std::string> last_event_code;
  std::optional<std::int64_t> last_event_at_ms;
  std::optional<std::int64_t> posted_at_ms;         // the first EMA
  std::optional<std::int64_t> first_attempt_at_ms;  // the first EDH, EMH or EMI
  std::optional<std::int64_t> delivered_at_ms;      // the first EMI
  std::int64_t anomalies = 0;
  std::string source;  // "counter" or "online"
  std::optional<std::string> office;
  std::int64_t created_at_ms = 0;
  bool replayed = false;
};

// A scan as stored. Anomalies (kept, never dropped): before_posting (earlier than the first EMA),
// second_delivery (an EMI besides the delivery), after_delivery (later than the delivery). The
// delivery is the first EMI not before the posting; an EMI before the posting delivers nothing.
struct TrackingEvent {
  std::int64_t seq = 0;  // the order scans were recorded in
  Scan scan;
  std::optional<std::string> anomaly;
  std::int64_t recorded_at_ms = 0;
};

// What anyone may see without logging in: no names, no addresses, no signatory, no reasons.
struct PublicEvent {
  std::string code;
  std::string description_en;
  std::string description_ar;
  std::string time;  // local, with its offset
  std::optional<std::string> location;
};
struct PublicTracking {
  std::string item_id;
  std::string product;
  std::string status;
  std::string origin_country;
  std::string destination_country;
  std::vector<PublicEvent> events;  // in time order
};

struct ScanOutcome {
  std::size_t recorded = 0;
  std::size_t duplicates = 0;  // exact repeats of stored scans: nothing changed
  std::size_t orphans = 0;     // recorded for an id no item has (yet)
  std::size_t anomalies = 0;
  std::vector<ScanFileProblem> problems;  // lines of a file that were not recorded
  std::size_t problem_count = 0;
};

struct Orphan {
  Scan scan;
  std::int64_t recorded_at_ms = 0;
};

struct ItemPage {
  std::vector<Item> items;
  std::optional<std::string> next_cursor;
};

struct ParcelsOptions {
  std::function<std::int64_t()> clock;                  // default: wall clock
  std::int64_t id_reuse_ms = 365LL * 24 * 3600 * 1000;  // an id is not issued again within this
};

class ParcelsService {
 public:
  // `mailbox` and `checkout` may be null (no notices; no escrow capture).
  ParcelsService(store::Store& store, identity::IdentityService& identity, mailbox::MailboxService* mailbox,
                 payments::CheckoutService* checkout, ParcelsOptions options = {});

  static std::vector<store::Migration> migrations();

  // Operator admins configure the id ranges.
  Result<IdRange> add_range(const identity::Principal& admin, const std::string& service, const std::string& country,
                            std::int64_t first_serial, std::int64_t last_serial);
  Result<IdRange> set_range_active(const identity::Principal& admin, const std::string& range_id, bool active);
  Result<std::vector<IdRange>> ranges(const identity::Principal& admin);

  // A business or citizen ships an item (it is the sender); a clerk accepts one at the counter.
  Result<Item> create_item(const identity::Principal& caller, const ItemInput& input,
                           const std::string& idempotency_key);
  // The full item: its sender's and addressee's parties (or their delegates with parcels:read) and
  // postal staff; anyone else gets item_not_found.
  Result<Item> item(const identity::Principal& caller, const std::string& item_id);
  Result<std::vector<TrackingEvent>> events(const identity::Principal& caller, const std::string& item_id);
  // The caller's party's items: those it sent or those addressed to it, newest first.
  Result<ItemPage> items_of(const identity::Principal& caller, bool incoming, std::size_t limit,
                            const std::optional<std::string>& cursor);
  // Public tracking, without login.
  Result<PublicTracking> track(const std::string& item_id);
  // The A6 label PDF (sender's party and staff).
  Result<std::string> label_pdf(const identity::Principal& caller, const std::string& item_id);

  // Carriers, clerks, customs officers and admins record scans, one or many (a file's good lines).
  Result<ScanOutcome> record_scans(const identity::Principal& caller, const std::vector<ScanLine>& scans);
  // Scans for ids no item has, oldest first (staff).
  Result<std::vector<Orphan>> orphans(const identity::Principal& caller, std::size_t limit);

  // Background work: the mailbox notices of key events, and escrow capture of delivered items.
  int send_notices(std::size_t limit = 500);
  int settle_escrows(std::size_t limit = 500);

  // Adds the party's items (sent and addressed to it) to its data export.
  void register_export(identity::IdentityService& identity);

  std::int64_t clock_ms() const;
  store::Store& store() { return store_; }
  identity::IdentityService& identity() { return identity_; }

 private:
  store::Store& store_;
  identity::IdentityService& identity_;
  mailbox::MailboxService* mailbox_;
  payments::CheckoutService* checkout_;
  ParcelsOptions options_;
};

}  // namespace barid::parcels
