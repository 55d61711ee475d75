// Customs for postal items (REFERENCE §9): the sender's CN 22 / CN 23 declaration with its content
// lines and totals checked; risk rules kept as data, each flag carrying its reason; the customs
// officers' queue of items presented to customs (EDB) with their declarations and flags; decisions,
// each recorded as a tracking scan and appended to the transparency log; duty and VAT from a tariff
// table by HS chapter with a de minimis threshold, billed to the addressee's mailbox, and the item
// released once the bill is paid, without anyone's further action.
#pragma once

#include <barid/core/json.hpp>
#include <barid/identity/identity.hpp>
#include <barid/store/store.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace barid::crypto {
struct SigningKey;
}
namespace barid::parcels {
class ParcelsService;
}
namespace barid::payments {
class BillService;
}

namespace barid::customs {

struct DeclarationLine {
  std::string description;
  std::int64_t quantity = 0;
  std::int64_t net_weight_g = 0;
  std::int64_t value = 0;              // minor units of the declaration's currency
  std::optional<std::string> hs_code;  // 6 digits; missing is allowed and flagged
  std::string origin_country;          // ISO 3166-1 alpha-2
};

// Categories of item (CN 23 box 10).
inline constexpr const char* kCategories[] = {"gift",           "commercial_sample", "documents",
                                              "returned_goods", "sale_of_goods",     "other"};

struct DeclarationInput {
  std::string category;
  std::string currency;
  std::vector<DeclarationLine> lines;  // 1 to 50
  std::int64_t total_value = 0;        // must equal the sum of the lines' values
  std::int64_t gross_weight_g = 0;     // at least the sum of the lines' net weights
  std::int64_t postage = 0;
  std::optional<std::string> importer_reference;  // the addressee's tax / VAT id
  std::optional<std::string> licence;
  std::optional<std::string> certificate;
  std::optional<std::string> invoice;
};

struct Declaration {
  std::string item_id;
  std::string form;  // CN22 (total value within the CN 22 limit) or CN23
  DeclarationInput content;
  std::int64_t created_at_ms = 0;
};

// A risk rule, as data. kind and its parameters:
//   value_above       {"currency": "EGP", "amount": 500000}     total value above the amount
//   hs_chapter        {"chapters": ["93", "30"]}               a line in a restricted chapter
//   watch_sender      {"countries": ["XX"], "names": ["…"]}    sender country or name (case-insensitive substring)
//   weight_mismatch   {"percent": 20}                          declared gross weight off the item's by more
//   missing_hs_code   {}                                        a line without an HS code
struct RiskRule {
  std::string id;
  std::string kind;
  Json parameters;
  bool active = true;
  std::int64_t created_at_ms = 0;
};

struct RiskFlag {
  std::string rule_id;
  std::string kind;
  std::string reason;  // for the officer, e.g. "line 2: HS chapter 93 (arms) is restricted"
};

// Duty and VAT rates by HS chapter (2 digits), in basis points of the customs value; "*" is every
// other chapter. Consignments whose total value is at most the de minimis pay nothing.
struct Tariff {
  std::string currency;
  std::int64_t de_minimis = 0;
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> rates;  // chapter → (duty bp, VAT bp)
};

struct Assessment {
  std::int64_t customs_value = 0;
  std::int64_t duty = 0;
  std::int64_t vat = 0;
  std::int64_t total = 0;
  bool below_de_minimis = false;
};

// release, duty_due, held (for examination), documents_required, return_to_sender, seize.
struct Decision {
  std::string id;
  std::string item_id;
  std::string decision;
  std::optional<std::string> note;
  std::optional<Assessment> assessment;  // duty_due
  std::optional<std::string> bill_id;    // duty_due
  std::string scan_code;                 // the tracking event it recorded
  std::int64_t log_index = 0;
  std::string decided_by;  // login, or "payment" when a paid duty bill released the item
  std::int64_t decided_at_ms = 0;
  bool replayed = false;  // the answer to a repeated Idempotency-Key
};

struct CustomsCase {
  std::string item_id;
  std::string item_status;  // from parcels
  std::string origin_country;
  std::string destination_country;
  std::string sender_name;
  std::optional<Declaration> declaration;
  std::vector<RiskFlag> flags;
  std::string state;  // presented, released, duty_due, held, documents_required, returned, seized
  std::vector<Decision> decisions;
};

// A partner postal operator whose pre-advice bundles this node accepts, and the Ed25519 key they are
// signed with.
struct Partner {
  std::string code;  // the partner's operator code, as its bundles name it in "origin_operator"
  std::string name;
  std::string country;     // ISO 3166-1 alpha-2
  std::string public_key;  // Ed25519, 32 bytes in standard base64
  bool active = true;
  std::int64_t created_at_ms = 0;
};

// A signed bundle of outbound items with their declarations, for the destination's operator and
// customs (an ITMATT-like pre-advice; format in docs/pre-advice.md).
struct PreAdviceExport {
  std::string id;
  std::string destination_country;
  std::size_t items = 0;
  Json bundle;
  std::int64_t created_at_ms = 0;
  bool replayed = false;
};

struct PreAdviceImport {
  std::string bundle_id;
  std::string partner;
  std::size_t items = 0;         // in the bundle
  std::size_t created = 0;       // items this node did not know: created from the bundle
  std::size_t known = 0;         // items this node already had
  std::size_t declarations = 0;  // declarations stored (those of known items that had none, and new ones)
  std::int64_t imported_at_ms = 0;
  bool replayed = false;  // the same bundle was imported before: nothing changed
};

struct CustomsOptions {
  std::function<std::int64_t()> clock;
  std::int64_t cn22_limit = 0;  // in the tariff's currency; 0: every declaration is a CN 23
  std::int64_t bill_days = 15;  // how long the addressee has to pay the duty
  // This node's operator: the code its pre-advice bundles carry, and the key that signs them.
  std::string operator_code = "BARID";
  const crypto::SigningKey* signing_key = nullptr;  // null: bundles cannot be exported
};

// Bundles hold at most this many items, and their JSON at most this many bytes (an export stops
// adding items there; the rest go into the next bundle), so that one fits a request body.
inline constexpr std::size_t kMaxBundleItems = 500;
inline constexpr std::size_t kMaxBundleBytes = 768 * 1024;

class CustomsService {
 public:
  CustomsService(store::Store& store, identity::IdentityService& identity, parcels::ParcelsService& parcels,
                 payments::BillService& bills, CustomsOptions options = {});

  static std::vector<store::Migration> migrations();

  // The item's sender declares its content (once; a new declaration replaces it until the item is
  // presented to customs).
  Result<Declaration> declare(const identity::Principal& sender, const std::string& item_id,
                              const DeclarationInput& input);
  Result<Declaration> declaration(const identity::Principal& caller, const std::string& item_id);

  // Customs officers and admins manage the rules and the tariff.
  Result<RiskRule> add_rule(const identity::Principal& officer, const std::string& kind, const Json& parameters);
  Result<std::vector<RiskRule>> rules(const identity::Principal& officer);
  Result<RiskRule> set_rule_active(const identity::Principal& officer, const std::string& rule_id, bool active);
  Result<Tariff> set_tariff(const identity::Principal& officer, const Tariff& tariff);
  Result<Tariff> tariff(const identity::Principal& officer);

  // Items presented to customs (EDB) and not yet released, returned or seized, oldest first.
  Result<std::vector<CustomsCase>> queue(const identity::Principal& officer, std::size_t limit);
  Result<CustomsCase> case_of(const identity::Principal& officer, const std::string& item_id);
  // Decides on a presented item. duty_due assesses duty and VAT and bills the addressee. A repeated
  // Idempotency-Key returns the first decision (replayed); the same key for another decision is a
  // conflict.
  Result<Decision> decide(const identity::Principal& officer, const std::string& item_id, const std::string& decision,
                          const std::optional<std::string>& note, const std::string& idempotency_key);

  // Partner operators (operator admins register them; officers may list them).
  Result<Partner> add_partner(const identity::Principal& admin, const Partner& partner);
  Result<std::vector<Partner>> partners(const identity::Principal& caller);
  Result<Partner> set_partner_active(const identity::Principal& admin, const std::string& code, bool active);

  // Pre-advice (customs officers and admins). An export takes the declared items bound for
  // `destination_country` that no earlier export carried, oldest declaration first, signs them with
  // the operator key and keeps the bundle (downloadable again). An import checks the bundle's
  // signature against its partner's registered key and records its items and declarations, all or
  // nothing; the same bundle again changes nothing, another bundle under the same id is refused.
  Result<PreAdviceExport> export_pre_advice(const identity::Principal& caller, const std::string& destination_country,
                                            const std::string& idempotency_key);
  Result<PreAdviceExport> pre_advice_export(const identity::Principal& caller, const std::string& export_id);
  Result<std::vector<PreAdviceExport>> pre_advice_exports(const identity::Principal& caller, std::size_t limit);
  Result<PreAdviceImport> import_pre_advice(const identity::Principal& caller, const Json& bundle);

  // Background: releases items whose duty bill is paid, and records scans a crash left unrecorded.
  int release_paid(std::size_t limit = 200);

  std::int64_t clock_ms() const;
  const std::string& operator_code() const { return options_.operator_code; }

 private:
  struct Request {
    std::string scope, key, fingerprint;
  };
  Result<Decision> record(const identity::Principal& officer, const std::string& item_id, const std::string& decision,
                          const std::optional<std::string>& note, const std::optional<Assessment>& assessment,
                          const std::optional<std::string>& bill_id, const std::string& decided_by,
                          const std::optional<Request>& request);
  Result<std::optional<Decision>> earlier_decision(store::Transaction& tx, const Request& request);
  void record_scan(const identity::Principal& officer, const Decision& decision);

  store::Store& store_;
  identity::IdentityService& identity_;
  parcels::ParcelsService& parcels_;
  payments::BillService& bills_;
  CustomsOptions options_;
};

// Pure parts, for tests, fuzzing and the API.
Result<DeclarationInput> declaration_from_json(const Json& body);
Json declaration_json(const Declaration& declaration);
Assessment assess(const DeclarationInput& declaration, const Tariff& tariff);

// The bytes a bundle's signature covers: the bundle without its "signature" member, serialised with
// keys sorted, no whitespace and UTF-8 as is (RFC 8785 for documents of strings, integers, booleans
// and nulls with ASCII keys, which bundles are).
std::string bundle_signing_bytes(const Json& bundle);
// Adds {"signature": {"algorithm": "Ed25519", "public_key": …, "value": …}} to the bundle.
Json sign_bundle(Json bundle, const crypto::SigningKey& key);
// Checks the bundle's form and its signature against `public_key` (raw 32 bytes). Errors:
// invalid_pre_advice (the form, naming the field), bad_signature.
Status verify_bundle(const Json& bundle, std::span<const std::uint8_t> public_key);

}  // namespace barid::customs
