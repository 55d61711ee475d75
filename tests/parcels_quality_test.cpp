// Delivery standards and quality of service over real HTTP, on SQLite and PostgreSQL (REFERENCE §7,
// §8): working-day calendars and J+n standards with a cut-off, each item's posting day, due day and
// first attempt, the on-time report by route, product, office and period in JSON and CSV with the
// UPU scan-timeliness rates, and the codes of bad input.
#include "support/test_node.hpp"

#include <barid/parcels/parcels.hpp>

#include <gtest/gtest.h>

#include <sstream>

namespace barid::testing {
namespace {

using identity::PartyKind;
using identity::Role;

Json algiers() {
  return {
      {"country", "DZ"},   {"name", "سوق الجزائر"}, {"name_latin", "Souk Algiers"}, {"street", "12 شارع ديدوش مراد"},
      {"city", "الجزائر"}, {"city_latin", "Alger"}, {"postcode", "16000"}};
}
Json cairo() {
  return {{"country", "EG"},   {"name", "أمينة حداد"},  {"name_latin", "Amina Haddad"}, {"street", "5 شارع التحرير"},
          {"city", "القاهرة"}, {"city_latin", "Cairo"}, {"postcode", "11511"}};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  return lines;
}

class ParcelsQualityTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    node_ = std::make_unique<TestNode>(GetParam());
    node_->add_user(PartyKind::business, "DZ-16-0012345", "souk", Role::business);
    node_->add_user(PartyKind::postal_operator, "EGPOST", "carrier", Role::carrier);
    node_->add_user(PartyKind::postal_operator, "EGPOST", "admin", Role::operator_admin);
    souk_ = node_->log_in("souk");
    carrier_ = node_->log_in("carrier");
    admin_ = node_->log_in("admin");
    for (const auto& [service, country] : {std::pair{"HA", "DZ"}, std::pair{"CP", "DZ"}, std::pair{"CP", "EG"}}) {
      const auto range =
          send("POST", "/api/v1/id-ranges",
               {{"service", service}, {"country", country}, {"first_serial", 1000}, {"last_serial", 1999}}, admin_);
      ASSERT_EQ(range.status, 201) << range.body;
    }
  }

  HttpClient client() const { return node_->client(); }
  HttpReply send(const std::string& method, const std::string& path, const Json& body, const std::string& token,
                 const std::string& key = "") const {
    std::vector<std::pair<std::string, std::string>> headers = {{"Authorization", "Bearer " + token},
                                                                {"Content-Type", "application/json"}};
    if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
    return client().request(method, path, body.dump(), headers);
  }
  HttpReply get(const std::string& path, const std::string& token) const { return client().get(path, token); }

  std::string ship(const char* product, const Json& sender, const std::string& key) {
    const Json body = {{"product", product}, {"sender", sender}, {"addressee", cairo()}, {"weight_g", 1'000},
                       {"length_mm", 300},   {"width_mm", 200},  {"height_mm", 100}};
    const auto reply = send("POST", "/api/v1/items", body, souk_, key);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.json().value("id", "");
  }
  void scan(const std::string& item, const char* code, const char* time, Json extra = Json::object()) {
    extra["item"] = item;
    extra["code"] = code;
    extra["time"] = time;
    const auto reply = send("POST", "/api/v1/scans", extra, carrier_);
    ASSERT_EQ(reply.status, 200) << reply.body;
    ASSERT_EQ(reply.json()["recorded"], 1) << reply.body;
  }
  Json quality_of(const std::string& id) {
    const auto reply = get("/api/v1/items/" + id, souk_);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json()["quality"];
  }
  Json report(const std::string& query) {
    const auto reply = get("/api/v1/quality/report?" + query, admin_);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json();
  }

  // Egypt's calendar with Coptic Christmas; H from Algeria to Egypt in J+3 with a 14:00 cut-off, and
  // anything else from Algeria in J+10 without one.
  void configure() {
    const auto calendar = send("PUT", "/api/v1/quality/calendars/EG",
                               {{"weekend", {"fri", "sat"}}, {"holidays", {"2026-01-07"}}}, admin_);
    ASSERT_EQ(calendar.status, 200) << calendar.body;
    const auto exact = send(
        "POST", "/api/v1/quality/standards",
        {{"product", "H"}, {"origin", "DZ"}, {"destination", "EG"}, {"days", 3}, {"cutoff_minutes", 14 * 60}}, admin_);
    ASSERT_EQ(exact.status, 201) << exact.body;
    h_standard_ = exact.json()["id"];
    const auto wide = send("POST", "/api/v1/quality/standards",
                           {{"product", "*"}, {"origin", "DZ"}, {"destination", "*"}, {"days", 10}}, admin_);
    ASSERT_EQ(wide.status, 201) << wide.body;
  }

  std::unique_ptr<TestNode> node_;
  std::string souk_, carrier_, admin_, h_standard_;
};

// 2026-01-04 is a Sunday, a working day in Algeria and Egypt (weekends Friday–Saturday); Egypt's
// 2026-01-07 is a holiday. Algeria is at +01:00, Egypt at +02:00.
TEST_P(ParcelsQualityTest, ItemsAreMeasuredAgainstTheMostSpecificStandard) {
  configure();
  Json egypt = cairo();
  egypt["name"] = "مكتبة القاهرة";

  // A: posted before the cut-off, delivered on its due day (Egypt's holiday skipped), EMC→EMD in
  // 11 h; a second delivery scan is an anomaly.
  const auto a = ship("H", algiers(), "a");
  scan(a, "EMA", "2026-01-04T10:00:00+01:00", {{"office", "DZALGA"}});
  scan(a, "EMC", "2026-01-05T08:00:00+01:00");
  scan(a, "EMD", "2026-01-05T20:00:00+02:00");
  scan(a, "EMI", "2026-01-08T11:00:00+02:00", {{"signatory", "A. Haddad"}});
  scan(a, "EMI", "2026-01-08T12:00:00+02:00", {{"signatory", "A. Haddad"}});
  // B: posted after the cut-off, so D is Monday; attempted one working day late; EMC→EMD in 25 h.
  const auto b = ship("H", algiers(), "b");
  scan(b, "EMA", "2026-01-04T15:00:00+01:00", {{"office", "DZALGA"}});
  scan(b, "EMC", "2026-01-06T08:00:00+01:00");
  scan(b, "EMD", "2026-01-07T10:00:00+02:00");
  scan(b, "EMH", "2026-01-12T10:00:00+02:00", {{"reason", "addressee absent"}});
  // C: posted on Friday, Algeria's weekend: D is Sunday; at the pick-up point 14 h after its EMD.
  const auto c = ship("H", algiers(), "c");
  scan(c, "EMA", "2026-01-09T10:00:00+01:00", {{"office", "DZORAN"}});
  scan(c, "EMD", "2026-01-12T20:00:00+02:00");
  scan(c, "EDH", "2026-01-13T10:00:00+02:00");
  // D: posted a minute before the cut-off and never attempted: late long since.
  const auto d = ship("H", algiers(), "d");
  scan(d, "EMA", "2026-01-08T13:59:00+01:00", {{"office", "DZORAN"}});
  // F: a parcel from Algeria, measured by the wider J+10 standard; E: a domestic Egyptian parcel,
  // which no standard covers.
  const auto f = ship("C", algiers(), "f");
  scan(f, "EMA", "2026-01-05T09:00:00+01:00");
  scan(f, "EMI", "2026-01-12T09:00:00+02:00", {{"signatory", "A. Haddad"}});
  const auto e = ship("C", egypt, "e");
  scan(e, "EMA", "2026-01-06T09:00:00+02:00");
  scan(e, "EMI", "2026-01-07T10:00:00+02:00", {{"signatory", "A. Haddad"}});
  // G: posted far ahead and not attempted yet: pending, neither on time nor late. N: never posted.
  const auto g = ship("H", algiers(), "g");
  scan(g, "EMA", "2099-03-02T10:00:00+01:00", {{"office", "DZALGA"}});
  const auto n = ship("H", algiers(), "n");

  const auto expect_quality = [&](const std::string& id, int days, const char* posting, const char* due,
                                  const Json& attempt, const Json& on_time, const Json& transit) {
    SCOPED_TRACE(id);
    const Json quality = quality_of(id);
    ASSERT_TRUE(quality.is_object()) << quality.dump();
    EXPECT_EQ(quality["standard_days"], days);
    EXPECT_EQ(quality["posting_day"], posting);
    EXPECT_EQ(quality["due_day"], due);
    EXPECT_EQ(quality["first_attempt_day"], attempt);
    EXPECT_EQ(quality["on_time"], on_time);
    EXPECT_EQ(quality["transit_days"], transit);
  };
  expect_quality(a, 3, "2026-01-04", "2026-01-08", "2026-01-08", true, 3);
  expect_quality(b, 3, "2026-01-05", "2026-01-11", "2026-01-12", false, 4);
  expect_quality(c, 3, "2026-01-11", "2026-01-14", "2026-01-13", true, 2);
  expect_quality(d, 3, "2026-01-08", "2026-01-13", nullptr, false, nullptr);
  expect_quality(f, 10, "2026-01-05", "2026-01-20", "2026-01-12", true, 4);
  expect_quality(g, 3, "2099-03-02", "2099-03-05", nullptr, nullptr, nullptr);
  EXPECT_TRUE(quality_of(e).is_null());
  EXPECT_TRUE(quality_of(n).is_null());
  // The sender's list carries the same.
  const auto listed = get("/api/v1/items?limit=200", souk_).json()["items"];
  ASSERT_EQ(listed.size(), 8u);
  for (const auto& item : listed) {
    if (item["id"] == b) {
      EXPECT_EQ(item["quality"]["transit_days"], 4);
    }
  }

  // By product: H holds A, B, C and D (the late pending one counts as measured and late); C holds
  // F and the unmeasured E.
  const Json by_product = report("from=2026-01-01&to=2026-01-31&group_by=product");
  ASSERT_EQ(by_product["rows"].size(), 2u) << by_product.dump();
  const Json parcels = by_product["rows"][0];
  EXPECT_EQ(parcels["group"], "C");
  EXPECT_EQ(parcels["items"], 2);
  EXPECT_EQ(parcels["without_standard"], 1);
  EXPECT_EQ(parcels["measured"], 1);
  EXPECT_EQ(parcels["on_time_percent"], 100.0);
  EXPECT_EQ(parcels["mean_transit_days"], 4.0);
  EXPECT_TRUE(parcels["emc_to_emd_rate"].is_null());
  const Json ecommerce = by_product["rows"][1];
  EXPECT_EQ(ecommerce["group"], "H");
  EXPECT_TRUE(ecommerce["period"].is_null());
  EXPECT_EQ(ecommerce["items"], 4);
  EXPECT_EQ(ecommerce["without_standard"], 0);
  EXPECT_EQ(ecommerce["measured"], 4);
  EXPECT_EQ(ecommerce["on_time"], 2);
  EXPECT_EQ(ecommerce["on_time_percent"], 50.0);
  EXPECT_EQ(ecommerce["mean_transit_days"], 3.0);
  EXPECT_EQ(ecommerce["p95_transit_days"], 4);
  EXPECT_EQ(ecommerce["pending"], 0);
  EXPECT_EQ(ecommerce["late_pending"], 1);
  EXPECT_EQ(ecommerce["anomalies"], 1);
  EXPECT_EQ(ecommerce["emc_items"], 2);
  EXPECT_EQ(ecommerce["emc_to_emd_within_24h"], 1);
  EXPECT_EQ(ecommerce["emc_to_emd_rate"], 50.0);
  EXPECT_EQ(ecommerce["emd_items"], 3);
  EXPECT_EQ(ecommerce["emd_to_delivery_within_24h"], 1);
  EXPECT_EQ(ecommerce["emd_to_delivery_rate"], 33.3);
  const Json totals = by_product["totals"];
  EXPECT_EQ(totals["group"], "total");
  EXPECT_EQ(totals["items"], 6);
  EXPECT_EQ(totals["measured"], 5);
  EXPECT_EQ(totals["on_time"], 3);
  EXPECT_EQ(totals["on_time_percent"], 60.0);
  EXPECT_EQ(totals["mean_transit_days"], 3.25);
  EXPECT_EQ(totals["p95_transit_days"], 4);
  EXPECT_EQ(totals["late_pending"], 1);
  EXPECT_EQ(by_product["from"], "2026-01-01");
  EXPECT_EQ(by_product["group_by"], "product");

  // By posting office: the EMA's office; F and E were posted without one.
  const Json by_office = report("from=2026-01-01&to=2026-01-31&group_by=office");
  ASSERT_EQ(by_office["rows"].size(), 3u) << by_office.dump();
  EXPECT_EQ(by_office["rows"][0]["group"], "");
  EXPECT_EQ(by_office["rows"][0]["items"], 2);
  EXPECT_EQ(by_office["rows"][1]["group"], "DZALGA");
  EXPECT_EQ(by_office["rows"][1]["on_time_percent"], 50.0);
  EXPECT_EQ(by_office["rows"][1]["mean_transit_days"], 3.5);
  EXPECT_EQ(by_office["rows"][1]["p95_transit_days"], 4);
  EXPECT_EQ(by_office["rows"][2]["group"], "DZORAN");
  EXPECT_EQ(by_office["rows"][2]["measured"], 2);
  EXPECT_EQ(by_office["rows"][2]["late_pending"], 1);
  EXPECT_EQ(by_office["rows"][2]["mean_transit_days"], 2.0);

  // By ISO week of D: A's Sunday belongs to 2026-W01; B, C, D, E and F to 2026-W02.
  const Json by_week = report("from=2026-01-01&to=2026-01-31&group_by=period&period=week");
  ASSERT_EQ(by_week["rows"].size(), 2u) << by_week.dump();
  EXPECT_EQ(by_week["rows"][0]["group"], "2026-W01");
  EXPECT_EQ(by_week["rows"][0]["items"], 1);
  EXPECT_EQ(by_week["rows"][0]["on_time_percent"], 100.0);
  EXPECT_EQ(by_week["rows"][1]["group"], "2026-W02");
  EXPECT_EQ(by_week["rows"][1]["items"], 5);
  EXPECT_EQ(by_week["rows"][1]["measured"], 4);
  EXPECT_EQ(by_week["rows"][1]["on_time_percent"], 50.0);
  EXPECT_EQ(by_week["rows"][1]["mean_transit_days"], 3.33);

  // The days are posting days D: from the 5th, B (posted on the 4th after the cut-off) is in, A is not.
  const Json from_fifth = report("from=2026-01-05&to=2026-01-31&group_by=product");
  EXPECT_EQ(from_fifth["totals"]["items"], 5);
  EXPECT_EQ(from_fifth["rows"][1]["items"], 3);
  EXPECT_EQ(report("from=2026-01-01&to=2026-01-04")["totals"]["items"], 1);
  // G is pending, not late, in its own days.
  const Json ahead = report("from=2099-03-01&to=2099-03-31");
  EXPECT_EQ(ahead["totals"]["pending"], 1);
  EXPECT_EQ(ahead["totals"]["measured"], 0);
  EXPECT_TRUE(ahead["totals"]["on_time_percent"].is_null());
  EXPECT_TRUE(report("from=2025-01-01&to=2025-12-31")["rows"].empty());

  // CSV by route, split by month: a header, one line per group, the totals last.
  const auto csv =
      get("/api/v1/quality/report?from=2026-01-01&to=2026-01-31&group_by=route&period=month&format=csv", admin_);
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.header("content-type").substr(0, 8), "text/csv");
  EXPECT_EQ(lines_of(csv.body),
            (std::vector<std::string>{
                "group,period,items,without_standard,measured,on_time,on_time_percent,mean_transit_days,"
                "p95_transit_days,pending,late_pending,anomalies,emc_items,emc_to_emd_within_24h,emc_to_emd_rate,"
                "emd_items,emd_to_delivery_within_24h,emd_to_delivery_rate",
                "DZ>EG,2026-01,5,0,5,3,60.0,3.25,4,0,1,1,2,1,50.0,3,1,33.3", "EG>EG,2026-01,1,1,0,0,,,,0,0,0,0,0,,0,0,",
                "total,,6,1,5,3,60.0,3.25,4,0,1,1,2,1,50.0,3,1,33.3"}));

  // Without its exact standard, H from Algeria falls back to the wider one.
  ASSERT_EQ(client().del("/api/v1/quality/standards/" + h_standard_, admin_).status, 204);
  expect_quality(a, 10, "2026-01-04", "2026-01-19", "2026-01-08", true, 3);
}

TEST_P(ParcelsQualityTest, CalendarsAndStandardsAreManagedByAdmins) {
  configure();
  const auto calendars = get("/api/v1/quality/calendars", admin_);
  ASSERT_EQ(calendars.status, 200) << calendars.body;
  ASSERT_EQ(calendars.json()["calendars"].size(), 1u);
  EXPECT_EQ(calendars.json()["calendars"][0]["country"], "EG");
  EXPECT_EQ(calendars.json()["calendars"][0]["weekend"], Json({"fri", "sat"}));
  EXPECT_EQ(calendars.json()["calendars"][0]["holidays"], Json({"2026-01-07"}));
  // Setting it again replaces it; a country's usual weekend when none is given.
  const auto morocco =
      send("PUT", "/api/v1/quality/calendars/MA", {{"holidays", {"2026-01-11", "2026-01-01"}}}, admin_);
  ASSERT_EQ(morocco.status, 200) << morocco.body;
  EXPECT_EQ(morocco.json()["weekend"], Json({"sat", "sun"}));
  EXPECT_EQ(morocco.json()["holidays"], Json({"2026-01-01", "2026-01-11"}));
  ASSERT_EQ(send("PUT", "/api/v1/quality/calendars/EG", {{"country", "EG"}, {"weekend", {"fri"}}}, admin_).status, 200);
  EXPECT_EQ(get("/api/v1/quality/calendars", admin_).json()["calendars"][0]["holidays"], Json::array());

  const auto standards = get("/api/v1/quality/standards", admin_);
  ASSERT_EQ(standards.status, 200) << standards.body;
  ASSERT_EQ(standards.json()["standards"].size(), 2u);
  EXPECT_EQ(standards.json()["standards"][0]["product"], "*");
  const Json exact = standards.json()["standards"][1];
  EXPECT_EQ(exact["product"], "H");
  EXPECT_EQ(exact["days"], 3);
  EXPECT_EQ(exact["cutoff"], "14:00");
  EXPECT_EQ(standards.json()["standards"][0]["cutoff_minutes"], 1440);

  // Bad input, each with its code.
  const auto calendar_code = [&](const std::string& country, const Json& body) {
    return send("PUT", "/api/v1/quality/calendars/" + country, body, admin_).error_code();
  };
  EXPECT_EQ(calendar_code("EG", {{"holidays", {"2026-02-30"}}}), "invalid_calendar");
  EXPECT_EQ(calendar_code("EG", {{"country", "DZ"}}), "invalid_calendar");
  EXPECT_EQ(calendar_code("eg", Json::object()), "invalid_calendar");
  EXPECT_EQ(calendar_code("XX", Json::object()), "invalid_calendar");
  EXPECT_EQ(calendar_code("EG", {{"weekend", {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}}}), "invalid_calendar");
  EXPECT_EQ(calendar_code("EG", {{"weekend", {"fri", "fri"}}}), "invalid_calendar");
  EXPECT_EQ(calendar_code("EG", {{"holidays", "2026-01-07"}}), "invalid_calendar");
  EXPECT_EQ(calendar_code("EG", {{"holiday", Json::array()}}), "invalid_calendar");

  const auto standard_code = [&](const Json& changes) {
    Json body = {{"product", "C"}, {"origin", "EG"}, {"destination", "EG"}, {"days", 2}, {"cutoff_minutes", 960}};
    for (const auto& [key, value] : changes.items()) {
      if (value.is_null()) {
        body.erase(key);
      } else {
        body[key] = value;
      }
    }
    return send("POST", "/api/v1/quality/standards", body, admin_).error_code();
  };
  EXPECT_EQ(standard_code({{"product", "Z"}}), "invalid_standard");
  EXPECT_EQ(standard_code({{"product", "CP"}}), "invalid_standard");
  EXPECT_EQ(standard_code({{"origin", "XX"}}), "invalid_standard");
  EXPECT_EQ(standard_code({{"destination", "eg"}}), "invalid_standard");
  EXPECT_EQ(standard_code({{"days", 61}}), "invalid_standard");
  EXPECT_EQ(standard_code({{"days", -1}}), "invalid_standard");
  EXPECT_EQ(standard_code({{"days", "2"}}), "invalid_standard");
  EXPECT_EQ(standard_code({{"cutoff_minutes", 1441}}), "invalid_standard");
  EXPECT_EQ(standard_code({{"destination", nullptr}}), "invalid_standard");
  EXPECT_EQ(standard_code({{"product", "H"}, {"origin", "DZ"}}), "standard_exists");
  EXPECT_EQ(client().del("/api/v1/quality/standards/std_missing", admin_).error_code(), "standard_not_found");

  const auto query_code = [&](const std::string& query) {
    const auto reply = get("/api/v1/quality/report?" + query, admin_);
    EXPECT_EQ(reply.status, 400) << query << ": " << reply.body;
    return reply.error_code();
  };
  EXPECT_EQ(query_code("to=2026-01-31"), "invalid_query");
  EXPECT_EQ(query_code("from=2026-01-01"), "invalid_query");
  EXPECT_EQ(query_code("from=2026-02-30&to=2026-03-01"), "invalid_query");
  EXPECT_EQ(query_code("from=2026-02-01&to=2026-01-31"), "invalid_query");
  EXPECT_EQ(query_code("from=2025-01-01&to=2026-01-02"), "invalid_query");  // 367 days
  EXPECT_EQ(query_code("from=2026-01-01&to=2026-01-31&group_by=country"), "invalid_query");
  EXPECT_EQ(query_code("from=2026-01-01&to=2026-01-31&period=year"), "invalid_query");
  EXPECT_EQ(query_code("from=2026-01-01&to=2026-01-31&format=xml"), "invalid_query");
  EXPECT_EQ(get("/api/v1/quality/report?from=2024-01-01&to=2024-12-31", admin_).status, 200);  // 366 days

  // Only admins.
  EXPECT_EQ(get("/api/v1/quality/report?from=2026-01-01&to=2026-01-31", carrier_).status, 403);
  EXPECT_EQ(get("/api/v1/quality/standards", souk_).status, 403);
}

TEST_P(ParcelsQualityTest, DemoSeedsCalendarsAndStandardsOnce) {
  TestNode fresh(GetParam());
  ASSERT_TRUE(app::seed_demo_data(fresh.node()).ok());
  ASSERT_TRUE(app::seed_demo_data(fresh.node()).ok());
  auto admin = fresh.node().identity().principal_of("admin");
  ASSERT_TRUE(admin.ok());
  auto& parcels = fresh.node().parcels();
  const auto calendars = parcels.calendars(*admin);
  ASSERT_TRUE(calendars.ok());
  ASSERT_EQ(calendars->size(), 2u);
  EXPECT_EQ((*calendars)[0].calendar.country, "DZ");
  EXPECT_EQ((*calendars)[1].calendar.country, "EG");
  const auto standards = parcels.standards(*admin);
  ASSERT_TRUE(standards.ok());
  std::vector<std::string> routes;
  for (const auto& standard : *standards) {
    routes.push_back(standard.product + " " + standard.origin + ">" + standard.destination);
  }
  EXPECT_EQ(routes, (std::vector<std::string>{"C DZ>EG", "C EG>EG", "E DZ>EG", "H DZ>EG", "R EG>EG"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, ParcelsQualityTest, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace barid::testing
