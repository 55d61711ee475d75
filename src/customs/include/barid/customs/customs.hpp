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
#include <string>
#include <vector>

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

struct CustomsOptions {
  std::function<std::int64_t()> clock;
  std::int64_t cn22_limit = 0;  // in the tariff's currency; 0: every declaration is a CN 23
  std::int64_t bill_days = 15;  // how long the addressee has to pay the duty
};

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
  // Decides on a presented item. duty_due assesses duty and VAT and bills the addressee.
  Result<Decision> decide(const identity::Principal& officer, const std::string& item_id, const std::string& decision,
                          const std::optional<std::string>& note);

  // Background: releases items whose duty bill is paid, and records scans a crash left unrecorded.
  int release_paid(std::size_t limit = 200);

  std::int64_t clock_ms() const;

 private:
  Result<Decision> record(const identity::Principal& officer, const std::string& item_id, const std::string& decision,
                          const std::optional<std::string>& note, const std::optional<Assessment>& assessment,
                          const std::optional<std::string>& bill_id, const std::string& decided_by);
  void record_scan(const identity::Principal& officer, const Decision& decision);

  store::Store& store_;
  identity::IdentityService& identity_;
  parcels::ParcelsService& parcels_;
  payments::BillService& bills_;
  CustomsOptions options_;
};

// Pure parts, for tests and the API.
Result<DeclarationInput> declaration_from_json(const Json& body);
Json declaration_json(const Declaration& declaration);
Assessment assess(const DeclarationInput& declaration, const Tariff& tariff);

}  // namespace barid::customs
