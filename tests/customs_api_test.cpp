// Customs over real HTTP, on SQLite and PostgreSQL: the sender's declaration, risk rules and the
// tariff as data, the officers' queue with each flag's reason, decisions recorded as scans and in the
// transparency log, duty billed to the addressee's mailbox and the item released once it is paid,
// escrow voided on a return, and pre-advice bundles signed, exported, imported on a second node
// (idempotently) and refused when tampered with.
#include "support/test_node.hpp"

#include <barid/crypto/crypto.hpp>
#include <barid/customs/customs.hpp>
#include <barid/parcels/s10.hpp>
#include <barid/parcels/scan_file.hpp>
#include <barid/transparency/log.hpp>

#include <gtest/gtest.h>

namespace barid::testing {
namespace {

using identity::PartyKind;
using identity::Role;

constexpr const char* kAmina = "29001011234567";

Json algiers() {
  return {
      {"country", "DZ"},   {"name", "سوق الجزائر"}, {"name_latin", "Souk Algiers"}, {"street", "12 شارع ديدوش مراد"},
      {"city", "الجزائر"}, {"city_latin", "Alger"}, {"postcode", "16000"}};
}
Json cairo() {
  return {{"country", "EG"},   {"name", "أمينة حداد"},  {"name_latin", "Amina Haddad"}, {"street", "5 شارع التحرير"},
          {"city", "القاهرة"}, {"city_latin", "Cairo"}, {"postcode", "11511"}};
}

Json declaration(std::int64_t silk_value = 400'000) {
  return {{"category", "sale_of_goods"},
          {"currency", "EGP"},
          {"total_value", silk_value + 50'000},
          {"gross_weight_g", 1'300},
          {"importer_reference", "EG-TAX-123456"},
          {"lines",
           {{{"description", "Kaftan, embroidered silk"},
             {"quantity", 1},
             {"net_weight_g", 900},
             {"value", silk_value},
             {"hs_code", "6204.49"},
             {"origin_country", "DZ"}},
            {{"description", "Leather babouches"},
             {"quantity", 2},
             {"net_weight_g", 350},
             {"value", 50'000},
             {"hs_code", "640359"},
             {"origin_country", "MA"}}}}};
}

// One node with the parties of the story: Souk ships from Algiers, Amina receives in Cairo, the
// customs administration bills duty into its EGP account.
struct Story {
  explicit Story(const std::string& backend) : node(std::make_unique<TestNode>(backend)) {
    node->add_user(PartyKind::citizen, kAmina, "amina", Role::citizen);
    node->add_user(PartyKind::business, "DZ-16-0012345", "souk", Role::business);
    node->add_user(PartyKind::postal_operator, "EGPOST", "carrier", Role::carrier);
    node->add_user(PartyKind::postal_operator, "EGPOST", "clerk", Role::postal_clerk);
    node->add_user(PartyKind::postal_operator, "EGPOST", "admin", Role::operator_admin);
    node->add_user(PartyKind::authority, "EG-CUSTOMS", "officer", Role::customs_officer);
    amina = node->log_in("amina");
    souk = node->log_in("souk");
    carrier = node->log_in("carrier");
    clerk = node->log_in("clerk");
    admin = node->log_in("admin");
    officer = node->log_in("officer");
  }

  HttpClient client() const { return node->client(); }
  HttpReply send(const char* method, const std::string& path, const Json& body, const std::string& token,
                 const std::string& key = "") const {
    std::vector<std::pair<std::string, std::string>> headers = {{"Authorization", "Bearer " + token},
                                                                {"Content-Type", "application/json"}};
    if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
    return client().request(method, path, body.dump(), headers);
  }
  HttpReply post(const std::string& path, const Json& body, const std::string& token,
                 const std::string& key = "") const {
    return send("POST", path, body, token, key);
  }
  HttpReply scan(const std::string& item, const char* code, const char* time) const {
    return post("/api/v1/scans", {{"item", item}, {"code", code}, {"time", time}, {"location", "Cairo"}}, carrier);
  }
  std::string open_account(const std::string& token, const std::string& key, const Json& extra = Json::object()) {
    Json body = extra;
    body["currency"] = "EGP";
    const auto reply = post("/api/v1/payments/accounts", body, token, key);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.json().value("number", "");
  }
  void cash_in(const std::string& account, std::int64_t amount) {
    ASSERT_EQ(
        post("/api/v1/payments/drawers", {{"office_code", "CAI-01"}, {"currency", "EGP"}}, admin, "drawer").status,
        201);
    const auto drawer = client().get("/api/v1/payments/drawers", admin).json()["drawers"][0]["id"].get<std::string>();
    ASSERT_EQ(post("/api/v1/payments/drawers/" + drawer + "/float", {{"amount", 10'000'000}}, clerk, "float").status,
              201);
    ASSERT_EQ(post("/api/v1/payments/counter/cash-in",
                   {{"office_code", "CAI-01"}, {"account_number", account}, {"amount", amount}}, clerk, "cash")
                  .status,
              201);
  }
  void add_range(const char* service, const char* country) {
    ASSERT_EQ(post("/api/v1/id-ranges",
                   {{"service", service}, {"country", country}, {"first_serial", 1000}, {"last_serial", 1999}}, admin)
                  .status,
              201);
  }
  std::string ship(const std::string& key, const std::optional<std::string>& intent = std::nullopt,
                   Json addressee = cairo()) {
    Json body = {{"product", "H"},         {"sender", algiers()},
                 {"addressee", addressee}, {"addressee_party", {{"type", "national_id"}, {"id", kAmina}}},
                 {"weight_g", 1'250},      {"length_mm", 300},
                 {"width_mm", 200},        {"height_mm", 100},
                 {"contents", "Kaftan"}};
    if (intent) body["payment_intent_id"] = *intent;
    const auto reply = post("/api/v1/items", body, souk, key);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.json().value("id", "");
  }
  HttpReply decide(const std::string& item, const char* decision, const std::string& key) const {
    return post("/api/v1/customs/cases/" + item + "/decisions", {{"decision", decision}}, officer, key);
  }
  std::vector<std::string> codes_of(const std::string& item) const {
    std::vector<std::string> codes;
    const Json events = client().get("/api/v1/items/" + item + "/events", souk).json();
    for (const auto& event : events["events"]) codes.push_back(event["code"]);
    return codes;
  }

  std::unique_ptr<TestNode> node;
  std::string amina, souk, carrier, clerk, admin, officer;
};

class CustomsApiTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CustomsApiTest, DutyIsBilledToTheAddresseeAndPayingItReleasesTheItem) {
  Story s(GetParam());
  s.add_range("HA", "DZ");
  const auto customs_account = s.open_account(s.admin, "open-customs", {{"party_id", s.node->party_id_of("officer")}});
  const auto amina_account = s.open_account(s.amina, "open-amina");
  s.open_account(s.souk, "open-souk");
  s.cash_in(amina_account, 1'000'000);
  const auto intent =
      s.post("/api/v1/checkout/intents", {{"amount", 450'000}, {"currency", "EGP"}, {"order_reference", "ORD-9"}},
             s.souk, "intent");
  ASSERT_EQ(intent.status, 201) << intent.body;
  const auto intent_id = intent.json()["id"].get<std::string>();
  ASSERT_EQ(s.post("/api/v1/checkout/intents/" + intent_id + "/pay", {{"from_account", amina_account}}, s.amina, "buy")
                .status,
            201);
  const auto id = s.ship("ship-1", intent_id);

  // The sender declares; totals that do not add up are refused with the sums named.
  Json wrong = declaration();
  wrong["total_value"] = 1;
  const auto refused = s.send("PUT", "/api/v1/items/" + id + "/declaration", wrong, s.souk);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.error_code(), "declaration_totals_mismatch");
  EXPECT_EQ(s.send("PUT", "/api/v1/items/" + id + "/declaration", declaration(), s.amina).error_code(),
            "item_not_found");
  const auto declared = s.send("PUT", "/api/v1/items/" + id + "/declaration", declaration(), s.souk);
  ASSERT_EQ(declared.status, 200) << declared.body;
  EXPECT_EQ(declared.json()["form"], "CN23");
  EXPECT_EQ(declared.json()["lines"][0]["hs_code"], "620449");
  EXPECT_EQ(s.client().get("/api/v1/items/" + id + "/declaration", s.amina).json()["total_value"], 450'000);

  // Rules and tariff are data; only officers and admins touch them.
  EXPECT_EQ(s.post("/api/v1/customs/rules", {{"kind", "value_above"}}, s.souk).status, 403);
  EXPECT_EQ(s.post("/api/v1/customs/rules", {{"kind", "value_above"}, {"parameters", {{"amount", 5}}}}, s.officer)
                .error_code(),
            "invalid_rule");
  for (const auto& [kind, parameters] :
       {std::pair{"value_above", Json{{"currency", "EGP"}, {"amount", 100'000}}},
        std::pair{"hs_chapter", Json{{"chapters", {"93", "62"}}}}, std::pair{"weight_mismatch", Json{{"percent", 2}}},
        std::pair{"watch_sender", Json{{"names", {"nobody in particular"}}}}}) {
    const auto rule = s.post("/api/v1/customs/rules", {{"kind", kind}, {"parameters", parameters}}, s.officer);
    ASSERT_EQ(rule.status, 201) << rule.body;
  }
  const auto tariff =
      s.send("PUT", "/api/v1/customs/tariff",
             {{"currency", "EGP"},
              {"de_minimis", 100'000},
              {"rates", {{"62", {{"duty_bp", 3000}, {"vat_bp", 1400}}}, {"*", {{"duty_bp", 1000}, {"vat_bp", 1400}}}}}},
             s.officer);
  ASSERT_EQ(tariff.status, 200) << tariff.body;

  // Not presented yet: no decision.
  ASSERT_EQ(s.scan(id, "EMA", "2026-11-16T09:00:00+01:00").status, 200);
  EXPECT_EQ(s.decide(id, "release", "early").error_code(), "item_not_presented");
  EXPECT_EQ(s.send("PUT", "/api/v1/items/" + id + "/declaration", declaration(), s.souk).status, 200);
  ASSERT_EQ(s.scan(id, "EMD", "2026-11-18T10:00:00+02:00").status, 200);
  ASSERT_EQ(s.scan(id, "EDB", "2026-11-18T11:00:00+02:00").status, 200);
  EXPECT_EQ(s.send("PUT", "/api/v1/items/" + id + "/declaration", declaration(), s.souk).error_code(),
            "declaration_locked");

  // The queue: the item with its declaration and each flag's reason.
  EXPECT_EQ(s.client().get("/api/v1/customs/queue", s.amina).status, 403);
  const auto queue = s.client().get("/api/v1/customs/queue", s.officer).json();
  ASSERT_EQ(queue["cases"].size(), 1u) << queue.dump();
  const auto& presented = queue["cases"][0];
  EXPECT_EQ(presented["item_id"], id);
  EXPECT_EQ(presented["state"], "presented");
  EXPECT_EQ(presented["declaration"]["total_value"], 450'000);
  std::vector<std::string> kinds;
  for (const auto& flag : presented["flags"]) kinds.push_back(flag["kind"]);
  EXPECT_EQ(kinds, (std::vector<std::string>{"value_above", "hs_chapter", "weight_mismatch"}));
  EXPECT_NE(presented["flags"][1]["reason"].get<std::string>().find("line 1: HS chapter 62"), std::string::npos);
  EXPECT_NE(presented["flags"][2]["reason"].get<std::string>().find("1300 g"), std::string::npos);

  // Duty due: computed from the tariff, billed to Amina's mailbox as a registered letter.
  EXPECT_EQ(s.post("/api/v1/customs/cases/" + id + "/decisions", {{"decision", "duty_due"}}, s.officer).error_code(),
            "idempotency_key_required");
  EXPECT_EQ(s.decide(id, "pardon", "k0").error_code(), "invalid_decision");
  EXPECT_EQ(s.post("/api/v1/customs/cases/" + id + "/decisions", {{"decision", "release"}}, s.admin, "k").status, 403);
  const auto duty = s.decide(id, "duty_due", "assess-1");
  ASSERT_EQ(duty.status, 201) << duty.body;
  const Json decided = duty.json();
  EXPECT_EQ(decided["scan_code"], "EME");
  EXPECT_EQ(decided["assessment"]["duty"], 125'000);
  EXPECT_EQ(decided["assessment"]["vat"], 80'500);
  EXPECT_EQ(decided["assessment"]["total"], 205'500);
  const auto again = s.decide(id, "duty_due", "assess-1");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.json()["id"], decided["id"]);
  EXPECT_EQ(s.decide(id, "release", "assess-1").error_code(), "idempotency_key_reused");
  EXPECT_EQ(s.decide(id, "duty_due", "assess-2").error_code(), "duty_already_due");
  EXPECT_EQ(s.node->party_id_of("amina"), s.client().get("/api/v1/items/" + id, s.amina).json()["addressee_party_id"]);
  EXPECT_EQ(s.client().get("/api/v1/items/" + id, s.amina).json()["status"], "held_by_customs");

  const auto bill_id = decided["bill_id"].get<std::string>();
  const auto bill = s.client().get("/api/v1/bills/" + bill_id, s.amina).json();
  EXPECT_EQ(bill["reference"], "CUSTOMS-" + id);
  EXPECT_EQ(bill["amount_due"], 205'500);
  ASSERT_TRUE(bill["letter_id"].is_string()) << bill.dump();
  const auto letter = s.client().get("/api/v1/mailbox/letters/" + bill["letter_id"].get<std::string>(), s.amina);
  ASSERT_EQ(letter.status, 200) << letter.body;
  EXPECT_EQ(letter.json()["kind"], "registered");
  EXPECT_EQ(letter.json()["actions"][0]["entry_point"], "bill:" + bill_id);

  // Amina pays; customs releases the item without anyone's further action.
  const auto paid = s.post("/api/v1/bills/" + bill_id + "/pay", {{"from_account", amina_account}}, s.amina, "pay-duty");
  ASSERT_EQ(paid.status, 201) << paid.body;
  s.node->node().run_background_once();
  const auto closed = s.client().get("/api/v1/customs/cases/" + id, s.officer).json();
  EXPECT_EQ(closed["state"], "released");
  ASSERT_EQ(closed["decisions"].size(), 2u);
  EXPECT_EQ(closed["decisions"][1]["decided_by"], "payment");
  EXPECT_EQ(s.codes_of(id), (std::vector<std::string>{"EMA", "EMD", "EDB", "EME", "EDC"}));
  EXPECT_EQ(s.client().get("/api/v1/payments/accounts/" + customs_account, s.officer).status, 200);
  // Customs, the biller, bears the operator's collection fee (2.00 EGP by default).
  EXPECT_EQ(s.client().get("/api/v1/payments/accounts/" + customs_account, s.admin).json()["balance"], 205'500 - 200);
  EXPECT_EQ(s.decide(id, "seize", "late").error_code(), "case_closed");
  EXPECT_TRUE(s.client().get("/api/v1/customs/queue", s.officer).json()["cases"].empty());

  // Each decision is an entry of the transparency log.
  for (const auto& decision : closed["decisions"]) {
    auto entry = s.node->node().log().entry(decision["log_index"].get<std::int64_t>());
    ASSERT_TRUE(entry.ok());
    EXPECT_EQ(entry->kind, "customs.decision");
    const auto content = Json::parse(std::string(entry->entry.begin(), entry->entry.end()));
    EXPECT_EQ(content["item"], id);
    EXPECT_EQ(content["decision"], decision["decision"]);
  }

  // Delivered: the merchant is paid from escrow.
  const auto later = [&](std::int64_t minutes) {
    return parcels::format_local_time(s.node->clock_ms() + minutes * 60'000, 120);
  };
  ASSERT_EQ(s.scan(id, "EDG", later(1).c_str()).status, 200);
  ASSERT_EQ(s.scan(id, "EMI", later(2).c_str()).status, 200);
  EXPECT_EQ(s.client().get("/api/v1/items/" + id, s.souk).json()["settlement"], "captured");
}

TEST_P(CustomsApiTest, ReturnToSenderVoidsTheEscrowAndDomesticItemsNeedNoDeclaration) {
  Story s(GetParam());
  s.add_range("HA", "DZ");
  const auto amina_account = s.open_account(s.amina, "open-amina");
  s.open_account(s.souk, "open-souk");
  s.cash_in(amina_account, 100'000);
  const auto intent =
      s.post("/api/v1/checkout/intents", {{"amount", 60'000}, {"currency", "EGP"}, {"order_reference", "ORD-10"}},
             s.souk, "intent");
  const auto intent_id = intent.json()["id"].get<std::string>();
  ASSERT_EQ(s.post("/api/v1/checkout/intents/" + intent_id + "/pay", {{"from_account", amina_account}}, s.amina, "buy")
                .status,
            201);
  const auto id = s.ship("ship-1", intent_id);
  ASSERT_EQ(s.send("PUT", "/api/v1/items/" + id + "/declaration", declaration(), s.souk).status, 200);
  ASSERT_EQ(s.scan(id, "EDB", "2026-11-18T11:00:00+02:00").status, 200);
  const auto returned = s.decide(id, "return_to_sender", "ret-1");
  ASSERT_EQ(returned.status, 201) << returned.body;
  EXPECT_EQ(returned.json()["scan_code"], "EDX");
  EXPECT_EQ(s.client().get("/api/v1/items/" + id, s.souk).json()["settlement"], "voided");
  EXPECT_EQ(s.client().get("/api/v1/checkout/intents/" + intent_id, s.souk).json()["status"], "returned");
  EXPECT_EQ(s.client().get("/api/v1/payments/accounts/" + amina_account, s.amina).json()["balance"], 100'000);

  // Algiers to Oran: no customs.
  Json oran = algiers();
  oran["city"] = "وهران";
  oran["city_latin"] = "Oran";
  oran["postcode"] = "31000";
  const auto domestic = s.ship("ship-2", std::nullopt, oran);
  EXPECT_EQ(s.send("PUT", "/api/v1/items/" + domestic + "/declaration", declaration(), s.souk).error_code(),
            "not_international");
  EXPECT_EQ(s.client().get("/api/v1/items/" + domestic + "/declaration", s.souk).error_code(), "declaration_not_found");
  EXPECT_EQ(s.client().get("/api/v1/customs/cases/NOT-AN-ID", s.officer).status, 400);
}

TEST_P(CustomsApiTest, PreAdviceBundlesAreSignedExportedAndImportedOnceOnAPartnerNode) {
  Story origin(GetParam());
  origin.add_range("HA", "DZ");
  const auto first = origin.ship("ship-1");
  const auto second = origin.ship("ship-2");
  ASSERT_EQ(origin.send("PUT", "/api/v1/items/" + first + "/declaration", declaration(), origin.souk).status, 200);
  ASSERT_EQ(origin.send("PUT", "/api/v1/items/" + second + "/declaration", declaration(90'000), origin.souk).status,
            200);
  ASSERT_EQ(origin.scan(first, "EMA", "2026-11-16T09:00:00+01:00").status, 200);
  ASSERT_EQ(origin.scan(first, "EMC", "2026-11-17T09:00:00+01:00").status, 200);

  EXPECT_EQ(origin.post("/api/v1/customs/pre-advice/exports", {{"destination_country", "EG"}}, origin.souk, "x").status,
            403);
  EXPECT_EQ(origin.post("/api/v1/customs/pre-advice/exports", {{"destination_country", "MA"}}, origin.admin, "ma")
                .error_code(),
            "nothing_to_export");
  const auto exported =
      origin.post("/api/v1/customs/pre-advice/exports", {{"destination_country", "EG"}}, origin.admin, "export-1");
  ASSERT_EQ(exported.status, 201) << exported.body;
  EXPECT_EQ(exported.json()["items"], 2);
  const Json bundle = exported.json()["bundle"];
  EXPECT_EQ(bundle["format"], "barid.pre_advice.v1");
  EXPECT_EQ(bundle["items"][0]["events"].size(), 2u);
  EXPECT_EQ(origin.post("/api/v1/customs/pre-advice/exports", {{"destination_country", "EG"}}, origin.admin, "export-1")
                .json()["id"],
            bundle["id"]);
  EXPECT_EQ(origin.post("/api/v1/customs/pre-advice/exports", {{"destination_country", "EG"}}, origin.admin, "export-2")
                .error_code(),
            "nothing_to_export");  // both items went in the first
  const auto download = origin.client().get(
      "/api/v1/customs/pre-advice/exports/" + bundle["id"].get<std::string>() + "/bundle", origin.officer);
  ASSERT_EQ(download.status, 200);
  EXPECT_EQ(download.json(), bundle);
  const auto key = origin.client().get("/api/v1/customs/operator-key").json();
  EXPECT_EQ(key["operator_code"], "BARID");

  // The partner node registers the origin's key, then imports the bundle.
  Story partner(GetParam());
  const auto import = [&](const Json& body) {
    return partner.post("/api/v1/customs/pre-advice/imports", body, partner.officer);
  };
  EXPECT_EQ(import(bundle).error_code(), "partner_not_registered");
  Json registration = {{"code", "BARID"}, {"name", "Algérie Poste"}, {"country", "DZ"}, {"public_key", "AAAA"}};
  EXPECT_EQ(partner.post("/api/v1/customs/partners", registration, partner.admin).error_code(), "invalid_partner");
  registration["public_key"] = key["public_key"];
  EXPECT_EQ(partner.post("/api/v1/customs/partners", registration, partner.officer).status, 403);
  ASSERT_EQ(partner.post("/api/v1/customs/partners", registration, partner.admin).status, 201);

  Json tampered = bundle;
  tampered["items"][0]["declaration"]["lines"][0]["value"] = 1;
  tampered["items"][0]["declaration"]["total_value"] = 50'001;
  EXPECT_EQ(import(tampered).error_code(), "bad_signature");
  Json unsigned_bundle = bundle;
  unsigned_bundle.erase("signature");
  EXPECT_EQ(import(unsigned_bundle).error_code(), "bad_signature");

  const auto imported = import(bundle);
  ASSERT_EQ(imported.status, 201) << imported.body;
  EXPECT_EQ(imported.json()["created"], 2);
  EXPECT_EQ(imported.json()["declarations"], 2);
  const auto repeated = import(bundle);
  EXPECT_EQ(repeated.status, 200);
  EXPECT_EQ(repeated.json()["created"], 2);

  // The items exist on the partner with the origin's ids, their scans and their declarations.
  const auto item = partner.client().get("/api/v1/items/" + first, partner.officer);
  ASSERT_EQ(item.status, 200) << item.body;
  EXPECT_EQ(item.json()["source"], "pre_advice");
  EXPECT_EQ(item.json()["addressee_party_id"], partner.node->party_id_of("amina"));
  std::vector<std::string> codes;
  const Json events = partner.client().get("/api/v1/items/" + first + "/events", partner.officer).json();
  for (const auto& event : events["events"]) codes.push_back(event["code"]);
  EXPECT_EQ(codes, (std::vector<std::string>{"EMA", "EMC"}));
  EXPECT_EQ(partner.client().get("/api/v1/items/" + second + "/declaration", partner.amina).json()["total_value"],
            140'000);

  // A bundle of another content under the same id, signed by a registered key, is refused; a
  // deactivated partner's bundles too.
  const auto other_key = crypto::new_signing_key();
  ASSERT_EQ(partner
                .post("/api/v1/customs/partners",
                      {{"code", "TEST-OP"},
                       {"name", "Test operator"},
                       {"country", "MA"},
                       {"public_key", crypto::base64_encode(other_key.public_key)}},
                      partner.admin)
                .status,
            201);
  Json reused = bundle;
  reused.erase("signature");
  reused["origin_operator"] = "TEST-OP";
  EXPECT_EQ(import(customs::sign_bundle(reused, other_key)).error_code(), "bundle_id_reused");
  reused["id"] = "pa_other";
  reused["items"][0]["id"] = "not an id";
  const auto invalid = import(customs::sign_bundle(reused, other_key));
  EXPECT_EQ(invalid.error_code(), "invalid_pre_advice");
  EXPECT_NE(invalid.body.find("items[0]"), std::string::npos) << invalid.body;
  ASSERT_EQ(partner.post("/api/v1/customs/partners/TEST-OP/deactivate", Json::object(), partner.admin).status, 200);
  EXPECT_EQ(import(customs::sign_bundle(reused, other_key)).error_code(), "partner_inactive");
}

INSTANTIATE_TEST_SUITE_P(Backends, CustomsApiTest, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace barid::testing
