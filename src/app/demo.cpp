// Demo data for `make run` and the golden-path story: one user for every role.
#include <barid/app/node.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/customs/customs.hpp>
#include <barid/mailbox/mailbox.hpp>
#include <barid/parcels/parcels.hpp>
#include <barid/payments/bills.hpp>
#include <barid/payments/payments.hpp>

#include <map>

namespace barid::app {

namespace {

using identity::PartyKind;
using identity::Role;

struct DemoParty {
  PartyKind kind;
  const char* identifier;
  const char* name_ar;
  const char* name_latin;
  const char* language;
};

struct DemoUser {
  const char* login;
  std::size_t party;  // index into kParties
  Role role;
  const char* who;
};

constexpr DemoParty kParties[] = {
    {PartyKind::citizen, "29001011234567", "أمينة حداد", "Amina Haddad", "ar"},
    {PartyKind::citizen, "28505052345678", "كريم بن علي", "Karim Ben Ali", "fr"},
    {PartyKind::business, "DZ-16-0012345", "سوق الجزائر للتجارة الإلكترونية", "Souk Algiers E-Commerce", "fr"},
    {PartyKind::authority, "EG-ETA", "مصلحة الضرائب المصرية", "Egyptian Tax Authority", "ar"},
    {PartyKind::authority, "EG-CUSTOMS", "مصلحة الجمارك المصرية", "Egyptian Customs Authority", "ar"},
    {PartyKind::postal_operator, "EGPOST", "البريد المصري", "Egypt Post", "ar"},
};

constexpr DemoUser kUsers[] = {
    {"amina", 0, Role::citizen, "citizen in Cairo (buyer)"},
    {"karim", 1, Role::citizen, "citizen (Amina's delegate)"},
    {"souk", 2, Role::business, "merchant in Algiers"},
    {"tax", 3, Role::authority_sender, "authority that sends letters and bills"},
    {"customs", 4, Role::customs_officer, "customs officer"},
    {"clerk", 5, Role::postal_clerk, "postal clerk at a post office"},
    {"carrier", 5, Role::carrier, "carrier / sorting centre"},
    {"admin", 5, Role::operator_admin, "operator administrator"},
};

// Postal accounts with money in them, a cash drawer at a post office and the tax authority's bill
// in Amina's mailbox; the idempotency keys make seeding twice move nothing twice.
Status seed_demo_payments(Node& node) {
  auto& identity = node.identity();
  auto& payments = node.payments();
  BARID_ASSIGN_OR_RETURN(auto admin, identity.principal_of("admin"));
  BARID_ASSIGN_OR_RETURN(auto clerk, identity.principal_of("clerk"));
  BARID_ASSIGN_OR_RETURN(auto tax, identity.principal_of("tax"));
  BARID_ASSIGN_OR_RETURN(auto drawer, payments.open_drawer(admin, "EG-CAI-DOKKI", "EGP", "demo-drawer-egp"));
  BARID_TRY(payments.float_drawer(clerk, drawer.id, 100'000'000, "demo-float-egp"));
  std::map<std::string, std::string> accounts;
  for (const char* login : {"amina", "karim", "souk", "tax"}) {
    BARID_ASSIGN_OR_RETURN(auto owner, identity.principal_of(login));
    payments::OpenAccountRequest request;
    request.currency = "EGP";
    BARID_ASSIGN_OR_RETURN(auto account, payments.open_account(owner, request, std::string("demo-account-") + login));
    accounts[login] = account.number;
  }
  BARID_TRY(payments.cash_in(clerk, {"EG-CAI-DOKKI", accounts["amina"], 500'000, {}, {}}, "demo-cash-amina"));
  BARID_TRY(payments.cash_in(clerk, {"EG-CAI-DOKKI", accounts["karim"], 200'000, {}, {}}, "demo-cash-karim"));
  // Enough for the golden path's order and its customs duty, a few times over.
  BARID_TRY(payments.cash_in(clerk, {"EG-CAI-DOKKI", accounts["amina"], 1'500'000, {}, {}}, "demo-cash-amina-story"));
  payments::BillInput bill;
  bill.reference = "ETA-2026-000417";
  bill.payer_kind = PartyKind::citizen;
  bill.payer_identifier = "29001011234567";
  bill.amount_due = 125'000;
  bill.currency = "EGP";
  bill.due_at_ms = 1'798'761'599'999;  // 2026-12-31T23:59:59.999Z
  bill.penalty = 5'000;
  bill.registered = true;
  bill.description = "الضريبة العقارية لعام 2026 — Property tax 2026";
  BARID_TRY(node.bills().issue(tax, bill, std::nullopt, "demo-bill-amina-2026"));
  return {};
}

// S10 id ranges for every product, for Algeria (the merchant's country) and Egypt; the working-day
// calendars of both with their 2026 public holidays, and delivery standards for the demo's routes.
// Each only while there is none, so seeding twice adds nothing.
Status seed_demo_parcels(Node& node) {
  BARID_ASSIGN_OR_RETURN(auto admin, node.identity().principal_of("admin"));
  auto& parcels = node.parcels();
  BARID_ASSIGN_OR_RETURN(auto existing, parcels.ranges(admin));
  if (existing.empty()) {
    for (const char* country : {"DZ", "EG"}) {
      for (const char* service : {"RR", "LA", "CP", "HA", "EE"}) {
        BARID_TRY(parcels.add_range(admin, service, country, 1'000'000, 9'999'999));
      }
    }
  }
  BARID_ASSIGN_OR_RETURN(auto calendars, parcels.calendars(admin));
  if (calendars.empty()) {
    // Both weekends are Friday–Saturday (the countries' defaults). The Islamic holidays are the
    // expected dates; the moon decides, and an admin corrects them with PUT.
    BARID_TRY(
        parcels.set_calendar(admin, "DZ",
                             Json{{"holidays",
                                   {"2026-01-01", "2026-01-12", "2026-03-20", "2026-03-21", "2026-05-01", "2026-05-27",
                                    "2026-05-28", "2026-06-16", "2026-07-05", "2026-08-26", "2026-11-01"}}}));
    BARID_TRY(
        parcels.set_calendar(admin, "EG",
                             Json{{"holidays",
                                   {"2026-01-07", "2026-01-25", "2026-03-20", "2026-03-21", "2026-03-22", "2026-04-13",
                                    "2026-04-25", "2026-05-01", "2026-05-26", "2026-05-27", "2026-05-28", "2026-05-29",
                                    "2026-06-16", "2026-06-30", "2026-07-23", "2026-08-26", "2026-10-06"}}}));
  }
  BARID_ASSIGN_OR_RETURN(auto standards, parcels.standards(admin));
  if (standards.empty()) {
    struct DemoStandard {
      const char* product;
      const char* origin;
      const char* destination;
      std::int32_t days;
      std::int32_t cutoff_minutes;
    };
    for (const auto& standard : {DemoStandard{"E", "DZ", "EG", 3, 12 * 60}, DemoStandard{"H", "DZ", "EG", 6, 14 * 60},
                                 DemoStandard{"C", "DZ", "EG", 8, 14 * 60}, DemoStandard{"C", "EG", "EG", 3, 16 * 60},
                                 DemoStandard{"R", "EG", "EG", 2, 17 * 60}}) {
      BARID_TRY(parcels.add_standard(
          admin, {standard.product, standard.origin, standard.destination, standard.days, standard.cutoff_minutes}));
    }
  }
  return {};
}

// Customs: the administration's EGP account the duty is paid into, a tariff by HS chapter, risk
// rules, and this node's own operator registered as a partner, so that the story's pre-advice
// bundle can be exported and imported on one node. Each only while there is none.
Status seed_demo_customs(Node& node) {
  auto& identity = node.identity();
  auto& customs = node.customs();
  BARID_ASSIGN_OR_RETURN(auto admin, identity.principal_of("admin"));
  BARID_ASSIGN_OR_RETURN(auto officer, identity.principal_of("customs"));
  payments::OpenAccountRequest request;
  request.currency = "EGP";
  request.party_id = officer.party_id;
  request.name = "Customs duty collection";
  BARID_TRY(node.payments().open_account(admin, request, "demo-account-customs"));
  if (!customs.tariff(officer)) {
    BARID_TRY(customs.set_tariff(officer, {"EGP",
                                           100'000,
                                           {{"62", {3000, 1400}},
                                            {"61", {3000, 1400}},
                                            {"64", {2000, 1400}},
                                            {"85", {500, 1400}},
                                            {"49", {0, 0}},
                                            {"*", {1000, 1400}}}}));
  }
  BARID_ASSIGN_OR_RETURN(auto rules, customs.rules(officer));
  if (rules.empty()) {
    BARID_TRY(customs.add_rule(officer, "value_above", {{"currency", "EGP"}, {"amount", 300'000}}));
    BARID_TRY(customs.add_rule(officer, "hs_chapter", {{"chapters", {"93", "30"}}}));
    BARID_TRY(customs.add_rule(officer, "missing_hs_code", Json::object()));
    BARID_TRY(customs.add_rule(officer, "weight_mismatch", {{"percent", 25}}));
  }
  BARID_ASSIGN_OR_RETURN(auto partners, customs.partners(admin));
  if (partners.empty()) {
    BARID_TRY(customs.add_partner(admin, {customs.operator_code(), "Barid (this node)", "DZ",
                                          crypto::base64_encode(node.operator_key().public_key)}));
  }
  return {};
}

}  // namespace

Result<std::vector<DemoLogin>> seed_demo_data(Node& node) {
  auto& identity = node.identity();
  std::vector<std::string> party_ids;
  for (const auto& demo : kParties) {
    auto existing = identity.find_party(demo.kind, demo.identifier);
    if (existing) {
      party_ids.push_back(existing->id);
      continue;
    }
    auto created = identity.create_party(
        {demo.kind, demo.identifier, demo.name_ar, demo.name_latin, std::nullopt, std::nullopt, demo.language});
    if (!created) return std::move(created).error();
    party_ids.push_back(created->id);
  }
  std::vector<DemoLogin> logins;
  for (const auto& demo : kUsers) {
    if (!identity.find_user_by_login(demo.login)) {
      auto created = identity.create_user({demo.login, party_ids[demo.party], {demo.role}, kDemoPassword});
      if (!created) return std::move(created).error();
    }
    logins.push_back({demo.login, std::string(identity::to_string(demo.role)), demo.who});
  }
  BARID_TRY(seed_demo_letters(node));
  BARID_TRY(seed_demo_payments(node));
  BARID_TRY(seed_demo_parcels(node));
  BARID_TRY(seed_demo_customs(node));
  return logins;
}

Status seed_demo_letters(Node& node) {
  BARID_ASSIGN_OR_RETURN(auto sender, node.identity().principal_of("tax"));

  // The idempotency keys make seeding twice send nothing twice.
  mailbox::LetterInput assessment;
  assessment.recipient = {PartyKind::citizen, "29001011234567"};
  assessment.subject = "إشعار الربط الضريبي لعام 2026";
  assessment.notification = "وصلك إشعار رسمي من مصلحة الضرائب";
  assessment.body =
      "## السيدة أمينة حداد\n\nنحيطكم علماً بأن الربط الضريبي لعام 2026 قد صدر بمبلغ **1,250.00 جنيه**.\n\n"
      "- آخر موعد للسداد: 31 ديسمبر 2026\n- يمكنكم السداد مباشرة من هذه الرسالة\n\n"
      "Tax assessment 2026: **EGP 1,250.00**, due 31 December 2026.";
  assessment.body_format = mailbox::BodyFormat::markdown;
  assessment.case_id = "ETA-2026-000417";
  assessment.sender_reference = "ETA/ASSESS/2026/417";
  assessment.kind = mailbox::LetterKind::registered;
  assessment.legal_notification = true;
  assessment.reply_allowed = true;
  assessment.actions = {{"information", "تفاصيل الربط / Details", std::string("https://eta.gov.eg"), {}, {}}};
  auto sent = node.mailbox().send_letter(sender, assessment, "demo-assessment-2026");
  if (!sent) return std::move(sent).error();

  mailbox::LetterInput notice;
  notice.recipient = {PartyKind::citizen, "29001011234567"};
  notice.subject = "Changement des horaires du bureau de poste";
  notice.notification = "Information: nouveaux horaires";
  notice.body = "Le bureau de poste de Dokki ouvre désormais de 8 h à 20 h, du samedi au jeudi.";
  notice.language = "fr";
  auto notice_sent = node.mailbox().send_letter(sender, notice, "demo-notice-hours");
  if (!notice_sent) return std::move(notice_sent).error();

  mailbox::LetterInput karim_letter = assessment;
  karim_letter.recipient = {PartyKind::citizen, "28505052345678"};
  karim_letter.subject = "Avis d'imposition 2026";
  karim_letter.body = "Monsieur Karim Ben Ali,\n\nvotre avis d'imposition 2026 est disponible.";
  karim_letter.body_format = mailbox::BodyFormat::text;
  karim_letter.language = "fr";
  karim_letter.case_id = "ETA-2026-000418";
  auto karim_sent = node.mailbox().send_letter(sender, karim_letter, "demo-assessment-karim");
  if (!karim_sent) return std::move(karim_sent).error();
  return {};
}

}  // namespace barid::app
