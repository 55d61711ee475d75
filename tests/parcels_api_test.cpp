// Parcels over real HTTP, on SQLite and PostgreSQL: S10 ids from the operator's ranges (never reused
// within 12 months), items and their labels, scans one by one and as files (late, out of order,
// repeated, impossible, for unknown ids), public tracking without personal data, the addressee told
// in the mailbox, and the escrow of a paid order captured on delivery.
#include "support/test_node.hpp"

#include <barid/parcels/s10.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

namespace barid::testing {
namespace {

using identity::PartyKind;
using identity::Role;

constexpr const char* kAmina = "29001011234567";
constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

Json address(const char* country, const char* name, const char* name_latin, const char* street, const char* city,
             const char* city_latin, const char* postcode) {
  Json out = {{"country", country}, {"name", name}, {"name_latin", name_latin},
              {"street", street},   {"city", city}, {"city_latin", city_latin}};
  if (postcode) out["postcode"] = postcode;
  return out;
}

Json algiers() {
  return address("DZ", "سوق الجزائر", "Souk Algiers", "12 شارع ديدوش مراد", "الجزائر", "Alger", "16000");
}
Json cairo() {
  return address("EG", "أمينة حداد", "Amina Haddad", "5 شارع التحرير", "القاهرة", "Cairo", "11511");
}

class ParcelsApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    node_ = std::make_unique<TestNode>(GetParam());
    node_->add_user(PartyKind::citizen, kAmina, "amina", Role::citizen);
    node_->add_user(PartyKind::citizen, "28505052345678", "karim", Role::citizen);
    node_->add_user(PartyKind::business, "DZ-16-0012345", "souk", Role::business);
    node_->add_user(PartyKind::postal_operator, "EGPOST", "carrier", Role::carrier);
    node_->add_user(PartyKind::postal_operator, "EGPOST", "clerk", Role::postal_clerk);
    node_->add_user(PartyKind::postal_operator, "EGPOST", "admin", Role::operator_admin);
    amina_ = node_->log_in("amina");
    karim_ = node_->log_in("karim");
    souk_ = node_->log_in("souk");
    carrier_ = node_->log_in("carrier");
    clerk_ = node_->log_in("clerk");
    admin_ = node_->log_in("admin");
    for (const auto& [service, country] : {std::pair{"HA", "DZ"}, std::pair{"CP", "DZ"}, std::pair{"CP", "EG"}}) {
      const auto range =
          post("/api/v1/id-ranges",
               {{"service", service}, {"country", country}, {"first_serial", 1000}, {"last_serial", 1999}}, admin_, "");
      ASSERT_EQ(range.status, 201) << range.body;
    }
  }

  HttpClient client() const { return node_->client(); }
  HttpReply post(const std::string& path, const Json& body, const std::string& token, const std::string& key) const {
    std::vector<std::pair<std::string, std::string>> headers = {{"Authorization", "Bearer " + token},
                                                                {"Content-Type", "application/json"}};
    if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
    return client().request("POST", path, body.dump(), headers);
  }
  Json item_body(const char* product = "H") const {
    return {{"product", product},        {"sender", algiers()},
            {"addressee", cairo()},      {"addressee_party", {{"type", "national_id"}, {"id", kAmina}}},
            {"weight_g", 1'250},         {"length_mm", 300},
            {"width_mm", 200},           {"height_mm", 100},
            {"declared_value", 450'000}, {"declared_currency", "DZD"},
            {"contents", "Kaftan"}};
  }
  std::string ship(Json body, const std::string& key) {
    const auto reply = post("/api/v1/items", body, souk_, key);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.json().value("id", "");
  }
  HttpReply scan(const std::string& item, const char* code, const char* time, Json extra = Json::object()) {
    extra["item"] = item;
    extra["code"] = code;
    extra["time"] = time;
    return post("/api/v1/scans", extra, carrier_, "");
  }
  HttpReply scan_file(const std::string& text, const std::string& type) {
    return client().request("POST", "/api/v1/scans/files", text,
                            {{"Authorization", "Bearer " + carrier_}, {"Content-Type", type}});
  }
  Json item(const std::string& id, const std::string& token) {
    const auto reply = client().get("/api/v1/items/" + id, token);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json();
  }

  std::unique_ptr<TestNode> node_;
  std::string amina_, karim_, souk_, carrier_, clerk_, admin_;
};

TEST_P(ParcelsApiTest, ShipScanTrackAndDeliverCapturesTheEscrow) {
  // Money first: Souk sells, Amina pays into escrow.
  const auto open = [&](const std::string& token, const char* key) {
    const auto reply = post("/api/v1/payments/accounts", {{"currency", "EGP"}}, token, key);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.json()["number"].get<std::string>();
  };
  const auto amina_account = open(amina_, "open-amina");
  const auto souk_account = open(souk_, "open-souk");
  ASSERT_EQ(post("/api/v1/payments/drawers", {{"office_code", "CAI-01"}, {"currency", "EGP"}}, admin_, "drawer").status,
            201);
  const auto drawers = client().get("/api/v1/payments/drawers", admin_).json();
  const auto drawer = drawers["drawers"][0]["id"].get<std::string>();
  ASSERT_EQ(post("/api/v1/payments/drawers/" + drawer + "/float", {{"amount", 1'000'000}}, clerk_, "float").status,
            201);
  ASSERT_EQ(post("/api/v1/payments/counter/cash-in",
                 {{"office_code", "CAI-01"}, {"account_number", amina_account}, {"amount", 100'000}}, clerk_, "cash")
                .status,
            201);
  const auto intent = post("/api/v1/checkout/intents",
                           {{"amount", 30'000}, {"currency", "EGP"}, {"order_reference", "ORD-7"}}, souk_, "intent");
  ASSERT_EQ(intent.status, 201) << intent.body;
  const auto intent_id = intent.json()["id"].get<std::string>();
  ASSERT_EQ(
      post("/api/v1/checkout/intents/" + intent_id + "/pay", {{"from_account", amina_account}}, amina_, "buy").status,
      201);

  // The item: an S10 id from the HA range for Algeria, with a valid check digit.
  Json body = item_body();
  body["payment_intent_id"] = intent_id;
  const auto created = post("/api/v1/items", body, souk_, "ship-1");
  ASSERT_EQ(created.status, 201) << created.body;
  const Json shipped = created.json();
  const std::string id = shipped["id"];
  EXPECT_EQ(id, parcels::make_s10("HA", 1000, "DZ"));
  EXPECT_EQ(shipped["status"], "created");
  EXPECT_EQ(shipped["destination_country"], "EG");
  EXPECT_EQ(shipped["addressee_party_id"], node_->party_id_of("amina"));
  // Repeating the request gives the same item; the key with another body is refused.
  const auto again = post("/api/v1/items", body, souk_, "ship-1");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.json()["id"], id);
  body["weight_g"] = 1'300;
  EXPECT_EQ(post("/api/v1/items", body, souk_, "ship-1").error_code(), "idempotency_key_reused");
  EXPECT_EQ(post("/api/v1/items", body, souk_, "ship-2").error_code(), "intent_already_linked");

  const auto label = client().get("/api/v1/items/" + id + "/label.pdf", souk_);
  ASSERT_EQ(label.status, 200) << label.body;
  EXPECT_EQ(label.body.substr(0, 5), "%PDF-");

  // Scans arrive out of order and repeated.
  ASSERT_EQ(scan(id, "EMA", "2026-11-23T09:00:00+01:00", {{"office", "DZALGA"}, {"location", "Alger"}}).status, 200);
  ASSERT_EQ(scan(id, "EMC", "2026-11-24T08:00:00+01:00", {{"location", "Alger"}}).status, 200);
  ASSERT_EQ(scan(id, "EMB", "2026-11-23T18:00:00+01:00", {{"location", "Alger"}}).status, 200);
  const auto repeated = scan(id, "EMA", "2026-11-23T09:00:00+01:00", {{"office", "DZALGA"}, {"location", "Alger"}});
  EXPECT_EQ(repeated.json()["duplicates"], 1);
  EXPECT_EQ(repeated.json()["recorded"], 0);
  ASSERT_EQ(scan(id, "EMD", "2026-11-25T10:00:00+02:00", {{"location", "Cairo"}}).status, 200);
  Json now = item(id, souk_);
  EXPECT_EQ(now["status"], "arrived");
  EXPECT_EQ(now["last_event_code"], "EMD");
  EXPECT_EQ(now["posted_at"], "2026-11-23T08:00:00.000Z");

  // Out for delivery: Amina is told in her mailbox.
  ASSERT_EQ(scan(id, "EDG", "2026-11-26T08:00:00+02:00", {{"location", "Cairo"}}).status, 200);
  const auto inbox = client().get("/api/v1/mailbox/letters", amina_).json();
  bool told = false;
  for (const auto& letter : inbox["letters"]) {
    told = told || letter["notification"].get<std::string>().find(parcels::group_s10(id)) != std::string::npos;
  }
  EXPECT_TRUE(told) << inbox.dump();

  // Delivered: the escrow is captured for Souk.
  ASSERT_EQ(scan(id, "EMI", "2026-11-26T11:30:00+02:00", {{"location", "Cairo"}, {"signatory", "A. Haddad"}}).status,
            200);
  now = item(id, amina_);
  EXPECT_EQ(now["status"], "delivered");
  EXPECT_EQ(now["delivered_at"], "2026-11-26T09:30:00.000Z");
  EXPECT_EQ(now["first_attempt_at"], "2026-11-26T09:30:00.000Z");
  EXPECT_EQ(now["settlement"], "captured");
  EXPECT_EQ(client().get("/api/v1/checkout/intents/" + intent_id, souk_).json()["status"], "captured");
  EXPECT_EQ(client().get("/api/v1/payments/accounts/" + souk_account, souk_).json()["balance"], 30'000);

  // The full events, in time order, for the sender; public tracking without personal data.
  const auto events = client().get("/api/v1/items/" + id + "/events", souk_).json()["events"];
  std::vector<std::string> codes;
  for (const auto& event : events) codes.push_back(event["code"]);
  EXPECT_EQ(codes, (std::vector<std::string>{"EMA", "EMB", "EMC", "EMD", "EDG", "EMI"}));
  EXPECT_EQ(events[5]["signatory"], "A. Haddad");
  std::string lower = id;  // typed in lower case: still found
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  const auto tracked = client().get("/api/v1/track/" + lower);
  ASSERT_EQ(tracked.status, 200) << tracked.body;
  EXPECT_EQ(tracked.json()["status"], "delivered");
  EXPECT_EQ(tracked.json()["events"].size(), 6u);
  EXPECT_EQ(tracked.json()["events"][0]["time"], "2026-11-23T09:00:00+01:00");
  for (const char* personal : {"Haddad", "Amina", "أمينة", "التحرير", "Souk", "Kaftan", "11511"}) {
    EXPECT_EQ(tracked.body.find(personal), std::string::npos) << personal;
  }
}

TEST_P(ParcelsApiTest, OnlyThePartiesAndStaffSeeAnItem) {
  const auto id = ship(item_body(), "ship");
  EXPECT_EQ(item(id, amina_)["id"], id);
  EXPECT_EQ(item(id, carrier_)["id"], id);
  EXPECT_EQ(client().get("/api/v1/items/" + id, karim_).error_code(), "item_not_found");
  EXPECT_EQ(client().get("/api/v1/items/" + id + "/events", karim_).error_code(), "item_not_found");
  EXPECT_EQ(client().get("/api/v1/items/" + id + "/label.pdf", karim_).error_code(), "item_not_found");
  EXPECT_EQ(client().get("/api/v1/items/RB123456784GB", amina_).error_code(), "invalid_item_id");
  EXPECT_EQ(client().get("/api/v1/track/" + parcels::make_s10("CP", 999, "EG")).error_code(), "item_not_found");
  // Each party lists its own: sent for Souk, incoming for Amina, nothing for Karim.
  EXPECT_EQ(client().get("/api/v1/items", souk_).json()["items"].size(), 1u);
  EXPECT_EQ(client().get("/api/v1/items?direction=incoming", amina_).json()["items"][0]["id"], id);
  EXPECT_TRUE(client().get("/api/v1/items?direction=incoming", karim_).json()["items"].empty());
  // Staff reads are in Amina's access log.
  const auto log = client().get("/api/v1/me/access-log", amina_);
  EXPECT_NE(log.body.find("item:" + id), std::string::npos) << log.body;
  // Citizens and businesses do not scan.
  EXPECT_EQ(post("/api/v1/scans", {{"item", id}, {"code", "EMA"}, {"time", "2026-11-23T09:00:00Z"}}, amina_, "").status,
            403);
}

TEST_P(ParcelsApiTest, AnomaliesOrphansAndScanFiles) {
  // A scan for an id no item has yet is kept as an orphan; the item issued that id adopts it.
  const std::string next = parcels::make_s10("CP", 1000, "DZ");
  const auto early = scan(next, "EMB", "2026-11-23T12:00:00+01:00");
  ASSERT_EQ(early.status, 200) << early.body;
  EXPECT_EQ(early.json()["orphans"], 1);
  const auto orphans = client().get("/api/v1/scans/orphans", carrier_).json()["orphans"];
  ASSERT_EQ(orphans.size(), 1u);
  EXPECT_EQ(orphans[0]["item"], next);
  EXPECT_EQ(client().get("/api/v1/track/" + next).json()["status"], "in_transit");
  const auto id = ship(item_body("C"), "ship-c");
  ASSERT_EQ(id, next);
  EXPECT_TRUE(client().get("/api/v1/scans/orphans", carrier_).json()["orphans"].empty());
  EXPECT_EQ(item(id, souk_)["last_event_code"], "EMB");

  // Delivered before it was posted: both kept, the impossible one flagged.
  const std::string file =
      "item,code,time,location,signatory,reason\n"
      "" +
      id + ",EMI,2026-11-23T10:00:00+01:00,Cairo,A. Haddad,\n" + id + ",EMA,2026-11-23T11:00:00+01:00,Alger,,\n" + id +
      ",EMX,2026-11-23T11:00:00+01:00,Alger,,\n" + "CP000000000DZ,EMA,2026-11-23T11:00:00+01:00,Alger,,\n" + id +
      ",EMH,2026-11-23T11:30:00+01:00,Alger,,\n" + id + ",EMA,2026-11-23T11:00:00+01:00,Alger,,\n";
  const auto outcome = scan_file(file, "text/csv");
  ASSERT_EQ(outcome.status, 200) << outcome.body;
  const Json result = outcome.json();
  EXPECT_EQ(result["recorded"], 2);
  EXPECT_EQ(result["duplicates"], 1);
  EXPECT_EQ(result["anomalies"], 1);
  ASSERT_EQ(result["problems"].size(), 3u);
  EXPECT_EQ(result["problems"][0]["line"], 4);
  EXPECT_EQ(result["problems"][0]["code"], "unknown_event_code");
  EXPECT_EQ(result["problems"][1]["line"], 5);
  EXPECT_EQ(result["problems"][1]["code"], "invalid_item_id");
  EXPECT_EQ(result["problems"][2]["code"], "missing_reason");
  const auto events = client().get("/api/v1/items/" + id + "/events", souk_).json()["events"];
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["code"], "EMI");
  EXPECT_EQ(events[0]["anomaly"], "before_posting");
  EXPECT_TRUE(events[1]["anomaly"].is_null());
  EXPECT_EQ(item(id, souk_)["anomalies"], 1);

  // JSON Lines too; whole-file problems are refused with their code.
  const auto jsonl = scan_file("{\"item\":\"" + id + "\",\"code\":\"EDD\",\"time\":\"2026-11-24T09:00:00+02:00\"}\n",
                               "application/jsonl");
  EXPECT_EQ(jsonl.json()["recorded"], 1);
  EXPECT_EQ(scan_file("", "text/csv").error_code(), "invalid_scan_file");
  EXPECT_EQ(scan_file("item,code\n", "text/csv").error_code(), "invalid_scan_file");
  EXPECT_EQ(scan_file("x", "text/plain").status, 415);
  EXPECT_EQ(scan(id, "EMZ", "2026-11-23T09:00:00Z").error_code(), "unknown_event_code");
  EXPECT_EQ(scan(id, "EMA", "2026-11-23T09:00:00").error_code(), "invalid_time");
  EXPECT_EQ(scan("CP000000001DZ", "EMA", "2026-11-23T09:00:00Z").error_code(), "invalid_item_id");
}

TEST_P(ParcelsApiTest, IdsAreNotReusedWithinTwelveMonths) {
  const auto range = post("/api/v1/id-ranges",
                          {{"service", "EE"}, {"country", "DZ"}, {"first_serial", 5}, {"last_serial", 6}}, admin_, "");
  ASSERT_EQ(range.status, 201) << range.body;
  EXPECT_EQ(post("/api/v1/id-ranges", {{"service", "EA"}, {"country", "DZ"}, {"first_serial", 1}, {"last_serial", 0}},
                 admin_, "")
                .error_code(),
            "invalid_range");
  EXPECT_EQ(post("/api/v1/id-ranges", {{"service", "EE"}, {"country", "DZ"}, {"first_serial", 6}, {"last_serial", 9}},
                 admin_, "")
                .error_code(),
            "range_overlaps");
  EXPECT_EQ(ship(item_body("E"), "e1"), parcels::make_s10("EE", 5, "DZ"));
  EXPECT_EQ(ship(item_body("E"), "e2"), parcels::make_s10("EE", 6, "DZ"));
  EXPECT_EQ(post("/api/v1/items", item_body("E"), souk_, "e3").error_code(), "no_id_available");
  node_->advance_clock(366 * kDayMs);
  souk_ = node_->log_in("souk");
  EXPECT_EQ(ship(item_body("E"), "e4"), parcels::make_s10("EE", 5, "DZ"));
  // The newest item answers for a reused id.
  EXPECT_EQ(item(parcels::make_s10("EE", 5, "DZ"), souk_)["created_at"].get<std::string>().substr(0, 4), "2027");
}

TEST_P(ParcelsApiTest, BadItemsAreRefusedWithTheirCode) {
  Json body = item_body();
  body["addressee"]["postcode"] = "1151";
  EXPECT_EQ(post("/api/v1/items", body, souk_, "a").error_code(), "invalid_address");
  body = item_body();
  body["weight_g"] = 40'000;
  EXPECT_EQ(post("/api/v1/items", body, souk_, "b").error_code(), "invalid_item");
  body = item_body();
  body["product"] = "Z";
  EXPECT_EQ(post("/api/v1/items", body, souk_, "c").error_code(), "invalid_item");
  body = item_body();
  body["addressee_party"]["id"] = "29912319999999";
  EXPECT_EQ(post("/api/v1/items", body, souk_, "d").error_code(), "addressee_not_found");
  body = item_body();
  body["sender"]["country"] = "EG";
  body["sender"]["postcode"] = "11511";
  body["product"] = "R";
  body["height_mm"] = 10;
  EXPECT_EQ(post("/api/v1/items", body, souk_, "e").error_code(), "no_id_available");
  body = item_body();
  body["payment_intent_id"] = "int_nonexistent";
  EXPECT_EQ(post("/api/v1/items", body, souk_, "f").error_code(), "intent_not_found");
  EXPECT_EQ(post("/api/v1/items", item_body(), souk_, "").error_code(), "idempotency_key_required");
  EXPECT_EQ(post("/api/v1/items", item_body(), carrier_, "g").status, 403);
  // Nothing of the refused requests was stored.
  EXPECT_TRUE(client().get("/api/v1/items", souk_).json()["items"].empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, ParcelsApiTest, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace barid::testing
