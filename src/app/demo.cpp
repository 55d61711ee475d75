// Demo data for `make run` and the golden-path story: one user for every role.
#include <barid/app/node.hpp>
#include <barid/mailbox/mailbox.hpp>

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
  return logins;
}

Status seed_demo_letters(Node& node) {
  auto& identity = node.identity();
  auto tax = identity.find_user_by_login("tax");
  if (!tax) return std::move(tax).error();
  identity::Principal sender;
  sender.user_id = tax->id;
  sender.login = tax->login;
  sender.party_id = tax->party_id;
  sender.roles = tax->roles;
  BARID_ASSIGN_OR_RETURN(sender.party, identity.get_party(tax->party_id));

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
