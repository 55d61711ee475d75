// Demo data for `make run` and the golden-path story: one user for every role.
#include <barid/app/node.hpp>

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
  return logins;
}

}  // namespace barid::app
