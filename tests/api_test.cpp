// The JSON API over real HTTP, on both databases: sessions, the caller's data, delegation,
// bad input of every kind, metrics and the OpenAPI document.
#include "support/test_node.hpp"

#include <barid/core/time.hpp>
#include <barid/store/testing.hpp>

#include <algorithm>

#include <gtest/gtest.h>

namespace barid::testing {
namespace {

using identity::PartyKind;
using identity::Role;

class ApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { node_ = std::make_unique<TestNode>(GetParam()); }
  HttpClient client() const { return node_->client(); }
  std::int64_t count(const std::string& table) {
    return node_->node().store().read<std::int64_t>(
        [&](store::Transaction& tx) { return tx.query_one("SELECT COUNT(*) FROM " + table)->int64(0); });
  }
  std::unique_ptr<TestNode> node_;
};

TEST_P(ApiTest, HealthAndReadinessAnswer) {
  EXPECT_EQ(client().get("/healthz").status, 200);
  const auto ready = client().get("/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.json()["status"], "ready");
  EXPECT_GE(ready.json()["schema_version"].get<int>(), 100);
}

TEST_P(ApiTest, LogInReadMeAndLogOut) {
  node_->add_user(PartyKind::citizen, "29001011234567", "amina", Role::citizen);
  const auto login = client().post_json("/api/v1/session", {{"login", "amina"}, {"password", kTestPassword}});
  ASSERT_EQ(login.status, 201) << login.body;
  const std::string token = login.json()["token"];
  EXPECT_EQ(login.json()["token_type"], "Bearer");

  const auto me = client().get("/api/v1/me", token);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json()["user"]["login"], "amina");
  EXPECT_EQ(me.json()["party"]["identifier"], "29001011234567");
  EXPECT_EQ(me.json()["user"]["roles"][0], "citizen");
  EXPECT_EQ(me.json()["via"], "session");

  EXPECT_EQ(client().del("/api/v1/session", token).status, 204);
  const auto after = client().get("/api/v1/me", token);
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.error_code(), "invalid_token");
  EXPECT_EQ(after.header("www-authenticate"), "Bearer");
}

TEST_P(ApiTest, ErrorsCarryStableCodeAndTheRequestId) {
  const auto reply = client().get("/api/v1/me");
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.error_code(), "authentication_required");
  const std::string request_id = reply.header("x-request-id");
  ASSERT_FALSE(request_id.empty());
  EXPECT_EQ(reply.json()["error"]["request_id"], request_id);
  EXPECT_FALSE(reply.json()["error"]["message"].get<std::string>().empty());
}

TEST_P(ApiTest, WrongPasswordAndUnknownUserLookTheSame) {
  node_->add_user(PartyKind::citizen, "29001011234567", "amina", Role::citizen);
  const auto wrong = client().post_json("/api/v1/session", {{"login", "amina"}, {"password", "wrong password 1"}});
  const auto unknown = client().post_json("/api/v1/session", {{"login", "nobody"}, {"password", kTestPassword}});
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.json()["error"]["code"], unknown.json()["error"]["code"]);
  EXPECT_EQ(wrong.json()["error"]["message"], unknown.json()["error"]["message"]);
}

TEST_P(ApiTest, TooManyFailedLoginsGive429WithRetryAfter) {
  node_->add_user(PartyKind::citizen, "29001011234567", "amina", Role::citizen);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(client().post_json("/api/v1/session", {{"login", "amina"}, {"password", "wrong password 1"}}).status,
              401);
  }
  const auto limited = client().post_json("/api/v1/session", {{"login", "amina"}, {"password", kTestPassword}});
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.error_code(), "too_many_login_attempts");
  ASSERT_FALSE(limited.header("retry-after").empty());
  EXPECT_GT(std::stoi(limited.header("retry-after")), 0);
}

TEST_P(ApiTest, MalformedBodiesGetPreciseCodesAndChangeNothing) {
  node_->add_user(PartyKind::postal_operator, "EGPOST", "clerk", Role::postal_clerk);
  const std::string token = node_->log_in("clerk");
  const auto parties_before = count("parties");
  const std::vector<std::pair<std::string, std::string>> json_headers = {{"Content-Type", "application/json"},
                                                                         {"Authorization", "Bearer " + token}};
  struct Case {
    std::string body;
    int status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"{\"kind\":", 400, "malformed_json"},
      {"{\"kind\":\"citizen\",\"name_ar\":\"\xC3\x28\"}", 400, "invalid_utf8"},
      {std::string(100, '[') + std::string(100, ']'), 400, "json_too_deep"},
      {"[1,2,3]", 400, "body_must_be_object"},
      {R"({"kind":7})", 400, "invalid_field"},
      {R"({"kind":"citizen"})", 400, "missing_field"},
      {R"({"kind":"martian","name_ar":"a","name_latin":"a"})", 400, "invalid_party_kind"},
      {R"({"kind":"citizen","national_id":"12x","name_ar":"a","name_latin":"b"})", 400, "invalid_national_id"},
      {R"({"kind":"citizen","national_id":"123456","name_ar":"a","name_latin":"b",
           "user":{"login":"x1y","password":"short","roles":["citizen"]}})",
       400, "password_too_short"},
      {R"({"kind":"citizen","national_id":"123456","name_ar":"a","name_latin":"b",
           "user":{"login":"x1y","password":"long enough pass","roles":["operator_admin"]}})",
       400, "role_not_allowed_for_party"},
      {R"({"kind":"authority","authority_code":"X","name_ar":"a","name_latin":"b"})", 403,
       "kind_not_allowed_for_clerk"},
      {R"({"kind":"citizen","national_id":1e400,"name_ar":"a","name_latin":"b"})", 400, "malformed_json"},
      {R"({"kind":"citizen","national_id":"123456","name_ar":"a\u0000b","name_latin":"b"})", 400, "invalid_field"},
  };
  for (const auto& c : cases) {
    const auto reply = client().request("POST", "/api/v1/parties", c.body, json_headers);
    EXPECT_EQ(reply.status, c.status) << c.body << " -> " << reply.body;
    EXPECT_EQ(reply.error_code(), c.code) << c.body;
  }
  const auto no_type = client().request("POST", "/api/v1/parties", "{}", {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(no_type.status, 415);
  EXPECT_EQ(no_type.error_code(), "unsupported_media_type");
  EXPECT_EQ(count("parties"), parties_before);
  EXPECT_EQ(count("users"), 1);
}

TEST_P(ApiTest, PathsAndQueriesThatAreNotTextAreRefused) {
  node_->add_user(PartyKind::postal_operator, "EGPOST", "clerk", Role::postal_clerk);
  const std::string token = node_->log_in("clerk");
  // A NUL in the path is refused by the HTTP layer itself; bytes that are not UTF-8 by the API.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/api/v1/parties/%FF%FE", "invalid_utf8"},
      {"/api/v1/parties/a%00b", "bad_request"},
      {"/api/v1/parties?kind=citizen&identifier=%C3", "invalid_utf8"},
      {"/api/v1/admin/users?cursor=%FF", "invalid_utf8"},
      {"/api/v1/parties?kind=citizen&identifier=1%002", "invalid_utf8"},
  };
  for (const auto& [target, code] : cases) {
    const auto reply = client().get(target, token);
    EXPECT_EQ(reply.status, 400) << target << " " << reply.body;
    EXPECT_EQ(reply.error_code(), code) << target;
  }
}

TEST_P(ApiTest, LoginWithBrokenUtf8IsAnOrdinaryFailure) {
  const std::string split_character = "a" + std::string(32, '\xC3') + "\xA9";
  const auto reply = client().request("POST", "/api/v1/session",
                                      [] {
                                        // 65 bytes of which byte 64 is inside a character
                                        std::string body = "{\"login\":\"a";
                                        for (int i = 0; i < 32; ++i) body += "\\u00e9";
                                        return body + "\",\"password\":\"x\"}";
                                      }(),
                                      {{"Content-Type", "application/json"}});
  EXPECT_EQ(reply.status, 401) << reply.body;
  EXPECT_EQ(reply.error_code(), "invalid_credentials");
  const auto raw =
      client().request("POST", "/api/v1/session", "{\"login\":\"" + split_character + "\",\"password\":\"x\"}",
                       {{"Content-Type", "application/json"}});
  EXPECT_EQ(raw.status, 400);
  EXPECT_EQ(raw.error_code(), "invalid_utf8");
}

TEST_P(ApiTest, HugeArraysAndStringsAreRefused) {
  node_->add_user(PartyKind::citizen, "29001011234567", "amina", Role::citizen);
  node_->add_user(PartyKind::citizen, "28505052345678", "karim", Role::citizen);
  const std::string token = node_->log_in("amina");
  Json many_scopes = Json::array();
  for (int i = 0; i < 20000; ++i) many_scopes.push_back("mailbox:read");
  const auto array_reply = client().post_json("/api/v1/delegations",
                                              {{"grantee_login", "karim"},
                                               {"grantee_identifier", "28505052345678"},
                                               {"scopes", many_scopes},
                                               {"expires_at", format_utc_ms(now_ms() + 86'400'000)}},
                                              token);
  EXPECT_EQ(array_reply.status, 400);
  EXPECT_EQ(array_reply.error_code(), "invalid_field");
  const auto string_reply =
      client().post_json("/api/v1/session", {{"login", std::string(100'000, 'a')}, {"password", "x"}});
  EXPECT_EQ(string_reply.status, 400);
  EXPECT_EQ(string_reply.error_code(), "invalid_field");
  const auto oversized =
      client().post_json("/api/v1/session", {{"login", std::string(2 * 1024 * 1024, 'a')}, {"password", "x"}});
  EXPECT_EQ(oversized.status, 413);
  EXPECT_EQ(oversized.error_code(), "payload_too_large");
  EXPECT_EQ(count("delegations"), 0);
}

TEST_P(ApiTest, UnknownRoutesAndMethodsAreNamed) {
  const auto missing = client().get("/api/v1/nothing-here");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.error_code(), "route_not_found");
  const auto wrong_method = client().request("PATCH", "/api/v1/session", "{}");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.error_code(), "method_not_allowed");
  EXPECT_NE(wrong_method.header("allow").find("POST"), std::string::npos);
}

TEST_P(ApiTest, GarbageTokensAreRejected) {
  for (const std::string& token :
       std::vector<std::string>{"", "bs_", "bs_" + std::string(200, 'x'), "bk_nope", "Basic abc"}) {
    const auto reply = client().request("GET", "/api/v1/me", "", {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(reply.status, 401) << token;
    EXPECT_EQ(reply.error_code(), "invalid_token") << token;
  }
  // A control byte in a header is a malformed request, answered by the server itself.
  const auto control = client().request("GET", "/api/v1/me", "", {{"Authorization", "Bearer \x01\x02"}});
  EXPECT_EQ(control.status, 400);
  const auto basic = client().request("GET", "/api/v1/me", "", {{"Authorization", "Basic YTpi"}});
  EXPECT_EQ(basic.status, 401);
}

TEST_P(ApiTest, ExtraFieldsChangeNothing) {
  node_->add_user(PartyKind::postal_operator, "EGPOST", "admin", Role::operator_admin);
  const std::string token = node_->log_in("admin");
  const auto created = client().post_json("/api/v1/parties",
                                          {{"kind", "citizen"},
                                           {"national_id", "29001011234567"},
                                           {"name_ar", "أمينة"},
                                           {"name_latin", "Amina"},
                                           {"id", "chosen-by-client"},
                                           {"created_at", "1999-01-01T00:00:00Z"}},
                                          token);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_NE(created.json()["party"]["id"], "chosen-by-client");
  EXPECT_NE(created.json()["party"]["created_at"], "1999-01-01T00:00:00.000Z");
}

TEST_P(ApiTest, DelegateReadsProfileAndPartySeesItInAccessLog) {
  node_->add_user(PartyKind::citizen, "29001011234567", "amina", Role::citizen);
  node_->add_user(PartyKind::citizen, "28505052345678", "karim", Role::citizen);
  const std::string amina = node_->log_in("amina");
  const std::string karim = node_->log_in("karim");
  const std::string amina_party = node_->party_id_of("amina");

  EXPECT_EQ(client().get("/api/v1/parties/" + amina_party, karim).status, 404);
  const auto granted = client().post_json("/api/v1/delegations",
                                          {{"grantee_login", "karim"},
                                           {"grantee_identifier", "28505052345678"},
                                           {"scopes", {"profile:read"}},
                                           {"expires_at", "2099-01-01T00:00:00Z"}},
                                          amina);
  ASSERT_EQ(granted.status, 400) << "a delegation beyond 366 days must be refused";
  const auto in_a_month = format_utc_ms(now_ms() + 30LL * 86'400'000);
  const auto delegation = client().post_json("/api/v1/delegations",
                                             {{"grantee_login", "karim"},
                                              {"grantee_identifier", "28505052345678"},
                                              {"scopes", {"profile:read"}},
                                              {"expires_at", in_a_month}},
                                             amina);
  ASSERT_EQ(delegation.status, 201) << delegation.body;
  const auto profile = client().get("/api/v1/parties/" + amina_party, karim);
  ASSERT_EQ(profile.status, 200);
  EXPECT_EQ(profile.json()["identifier"], "29001011234567");

  const auto log = client().get("/api/v1/me/access-log", amina);
  ASSERT_EQ(log.status, 200);
  ASSERT_EQ(log.json()["entries"].size(), 1u);
  EXPECT_EQ(log.json()["entries"][0]["actor_login"], "karim");
  EXPECT_EQ(log.json()["entries"][0]["capacity"], "delegate");

  const auto listed = client().get("/api/v1/delegations", karim);
  EXPECT_EQ(listed.json()["received"].size(), 1u);
  const std::string id = delegation.json()["id"];
  EXPECT_EQ(client().del("/api/v1/delegations/" + id, amina).status, 204);
  EXPECT_EQ(client().get("/api/v1/parties/" + amina_party, karim).status, 404);
  EXPECT_EQ(client().del("/api/v1/delegations/" + id, amina).error_code(), "delegation_already_revoked");
}

TEST_P(ApiTest, ExportHoldsTheCallersData) {
  node_->add_user(PartyKind::citizen, "29001011234567", "amina", Role::citizen);
  const std::string token = node_->log_in("amina");
  const auto exported = client().get("/api/v1/me/export", token);
  ASSERT_EQ(exported.status, 200);
  EXPECT_NE(exported.header("content-disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(exported.json()["party"]["national_id"], "29001011234567");
  EXPECT_EQ(exported.json()["users"][0]["login"], "amina");
  EXPECT_EQ(exported.json()["users"][0]["sessions"].size(), 1u);
  for (const char* secret : {"$argon2", "token_hash", "password_hash", "key_hash"}) {
    EXPECT_EQ(exported.body.find(secret), std::string::npos) << secret;
  }
}

TEST_P(ApiTest, AdminCreatesApiKeyThatWorksOnceShownAndStopsWhenRevoked) {
  node_->add_user(PartyKind::postal_operator, "EGPOST", "admin", Role::operator_admin);
  node_->add_user(PartyKind::authority, "EG-ETA", "tax", Role::authority_sender);
  const std::string admin = node_->log_in("admin");
  const auto created = client().post_json(
      "/api/v1/admin/api-keys", {{"login", "tax"}, {"name", "billing"}, {"roles", {"authority_sender"}}}, admin);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string secret = created.json()["secret"];
  const auto me = client().get("/api/v1/me", secret);
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.json()["via"], "api_key");
  const auto listed = client().get("/api/v1/admin/api-keys", admin);
  EXPECT_EQ(listed.body.find(secret), std::string::npos);
  const std::string id = created.json()["api_key"]["id"];
  EXPECT_EQ(client().del("/api/v1/admin/api-keys/" + id, admin).status, 204);
  EXPECT_EQ(client().get("/api/v1/me", secret).status, 401);
}

TEST_P(ApiTest, MetricsCountRequestsPerRouteWithLatencyHistogram) {
  client().get("/healthz");
  client().get("/api/v1/me");
  const auto metrics = client().get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.header("content-type").find("text/plain"), std::string::npos);
  EXPECT_NE(metrics.body.find("barid_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 1"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("barid_http_requests_total{route=\"/api/v1/me\",method=\"GET\",status=\"401\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("barid_http_request_duration_seconds_bucket{route=\"/healthz\""), std::string::npos);
  EXPECT_NE(metrics.body.find("barid_store_connections{state=\"total\"}"), std::string::npos);
}

TEST_P(ApiTest, OpenApiDocumentDescribesEveryRegisteredRoute) {
  const auto reply = client().get("/api/openapi.json");
  ASSERT_EQ(reply.status, 200);
  const Json document = reply.json();
  EXPECT_EQ(document["openapi"], "3.1.0");
  ASSERT_FALSE(node_->api().routes().empty());
  for (const auto& route : node_->api().routes()) {
    std::string method(http::method_name(route.method));
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::tolower(c); });
    SCOPED_TRACE(method + " " + route.path);
    ASSERT_TRUE(document["paths"].contains(route.path));
    ASSERT_TRUE(document["paths"][route.path].contains(method));
    const Json& operation = document["paths"][route.path][method];
    EXPECT_FALSE(operation["summary"].get<std::string>().empty());
    EXPECT_TRUE(operation["responses"].contains(std::to_string(route.success_status)));
    EXPECT_TRUE(operation["responses"].contains("default"));
    if (route.success_status != 204) {
      EXPECT_TRUE(operation["responses"][std::to_string(route.success_status)].contains("content"));
    }
    EXPECT_EQ(operation.contains("requestBody"), !route.request_schema.is_null());
    if (route.path.find('{') != std::string::npos) {
      EXPECT_TRUE(operation.contains("parameters"));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiTest, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace barid::testing
