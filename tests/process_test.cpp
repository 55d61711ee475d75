// The real programs: baridd and barid as an operator runs them. Secrets never reach the log,
// acknowledged writes survive kill -9, two servers share one PostgreSQL, SIGTERM stops and
// exits 0, TLS works, and the CLI explains its errors.
#include "support/process.hpp"
#include "support/http_client.hpp"

#include <barid/store/store.hpp>
#include <barid/store/testing.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace barid::testing {
namespace {

constexpr const char* kAdminPassword = "admin passphrase 2026";

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("BARID_PASSWORD_COST", "fast_for_tests", 1);
    data_dir_ = store::testing::temp_dir();
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(data_dir_, ignored);
  }
  CommandResult barid(std::vector<std::string> args, const std::string& input = "") {
    return run_command(bin_dir() + "/barid", args, input);
  }
  // Adds an operator admin through the CLI on `database_args`.
  void add_admin(const std::vector<std::string>& database_args) {
    std::vector<std::string> args = database_args;
    for (const char* arg : {"user", "add", "--login", "admin", "--role", "operator_admin", "--operator-code", "EGPOST",
                            "--name-ar", "البريد", "--name-latin", "Post", "--password-stdin"}) {
      args.emplace_back(arg);
    }
    const auto result = barid(args, std::string(kAdminPassword) + "\n");
    ASSERT_EQ(result.exit_code, 0) << result.errors;
  }
  static std::string log_in(const HttpClient& client, const std::string& login, const std::string& password) {
    const auto reply = client.post_json("/api/v1/session", {{"login", login}, {"password", password}});
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.status == 201 ? reply.json()["token"].get<std::string>() : "";
  }
  // The arguments of one more instance of the node in data_dir_ on `database_url`: a data directory
  // of its own and the node's shared key files (the master keyring and the operator's signing key).
  std::vector<std::string> instance_args(const std::string& database_url, const std::string& name) const {
    return {"--data-dir",        data_dir_ + "/" + name,    "--database",          database_url,
            "--master-key-file", data_dir_ + "/master.key", "--operator-key-file", data_dir_ + "/operator.key"};
  }
  std::string data_dir_;
};

TEST_F(ProcessTest, SecretsAndLetterTextNeverReachTheLog) {
  const std::string log_file = data_dir_ + "/baridd.log";
  const std::string canary_password = "CANARY-PASSWORD-4f1d0a";
  const std::string canary_wrong = "CANARY-WRONG-PASSWORD-77c2";
  const std::string canary_body = "CANARY-BODY-TEXT-19be";
  const std::string canary_query = "CANARY-QUERY-5a5a";
  auto added = barid({"--data-dir", data_dir_, "user", "add", "--login", "canary", "--role", "citizen", "--national-id",
                      "29001011234567", "--name-ar", "أمينة", "--name-latin", "Amina", "--password-stdin"},
                     canary_password + "\n");
  ASSERT_EQ(added.exit_code, 0) << added.errors;
  std::string token;
  {
    ServerProcess server({"--data-dir", data_dir_, "--log-file", log_file});
    HttpClient client("127.0.0.1", server.port());
    token = log_in(client, "canary", canary_password);
    ASSERT_FALSE(token.empty());
    EXPECT_EQ(client.get("/api/v1/me", token).status, 200);
    EXPECT_EQ(client.post_json("/api/v1/session", {{"login", "canary"}, {"password", canary_wrong}}).status, 401);
    EXPECT_EQ(client
                  .send_json("PUT", "/api/v1/me/password",
                             {{"current_password", canary_wrong}, {"new_password", canary_body}}, token)
                  .status,
              403);
    EXPECT_EQ(client.get("/api/v1/me?token=" + canary_query, token).status, 200);
    EXPECT_EQ(client
                  .request("POST", "/api/v1/delegations", "{\"note\":\"" + canary_body,
                           {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + token}})
                  .status,
              400);
    EXPECT_EQ(server.terminate(), 0);
  }
  std::ifstream file(log_file);
  std::stringstream contents;
  contents << file.rdbuf();
  const std::string log = contents.str();
  ASSERT_NE(log.find("\"http_request\""), std::string::npos) << "the server logged no request at all";
  for (const std::string& secret :
       {canary_password, canary_wrong, canary_body, canary_query, token, token.substr(3, 20)}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "the log holds a secret: " << secret;
  }
  // One structured line per request, with what an operator needs.
  std::istringstream lines(log);
  std::string line;
  bool found_me = false;
  while (std::getline(lines, line)) {
    const Json entry = Json::parse(line, nullptr, false);
    ASSERT_FALSE(entry.is_discarded()) << "not JSON: " << line;
    if (entry.value("event", "") == "http_request" && entry.value("route", "") == "/api/v1/me") {
      found_me = true;
      EXPECT_EQ(entry["status"], 200);
      EXPECT_TRUE(entry.contains("request_id"));
      EXPECT_TRUE(entry.contains("duration_ms"));
      EXPECT_TRUE(entry.contains("user_id"));
      EXPECT_TRUE(entry.contains("time"));
    }
  }
  EXPECT_TRUE(found_me);
}

TEST_F(ProcessTest, SigtermFinishesAndExitsZero) {
  ServerProcess server({"--data-dir", data_dir_});
  HttpClient client("127.0.0.1", server.port());
  EXPECT_EQ(client.get("/healthz").status, 200);
  EXPECT_EQ(server.terminate(), 0);
}

TEST_F(ProcessTest, RefusesToStartOnDatabaseNewerThanBinary) {
  ASSERT_EQ(barid({"--data-dir", data_dir_, "init"}).exit_code, 0);
  {
    auto store = store::Store::open("sqlite:" + data_dir_ + "/barid.db");
    store->run_write([](store::Transaction& tx) {
      tx.execute("INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)",
                 {std::int64_t{99999}, std::string("from the future"), std::int64_t{0}});
      return true;
    });
  }
  const auto started = run_command(bin_dir() + "/baridd", {"--data-dir", data_dir_, "--listen", "127.0.0.1:0"});
  EXPECT_NE(started.exit_code, 0);
  EXPECT_NE(started.errors.find("99999"), std::string::npos) << started.errors;
  EXPECT_NE(started.errors.find("newer than this binary"), std::string::npos) << started.errors;
}

TEST_F(ProcessTest, ServesHttpsWithConfiguredCertificate) {
  const std::string cert = data_dir_ + "/cert.pem";
  const std::string key = data_dir_ + "/key.pem";
  const auto made =
      run_command("/usr/bin/openssl", {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                       "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1"});
  ASSERT_EQ(made.exit_code, 0) << made.errors;
  ServerProcess server({"--data-dir", data_dir_, "--tls-cert", cert, "--tls-key", key});
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/healthz";
  const auto fetched = run_command("/usr/bin/curl", {"-s", "--cacert", cert, url});
  EXPECT_EQ(fetched.exit_code, 0) << fetched.errors;
  EXPECT_NE(fetched.output.find("\"ok\""), std::string::npos) << fetched.output;
  // Plain HTTP on the TLS port gets nothing useful.
  HttpClient plain("127.0.0.1", server.port());
  EXPECT_NE(plain.get("/healthz").status, 200);
}

TEST_F(ProcessTest, CliExplainsItselfAndFailsWithOneLineReason) {
  const auto help = barid({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* subcommand : {"init", "migrate", "user", "apikey", "demo"}) {
    EXPECT_NE(help.output.find(subcommand), std::string::npos) << subcommand;
  }
  EXPECT_EQ(barid({"user", "add", "--help"}).exit_code, 0);
  const auto missing = barid({"--data-dir", data_dir_, "user", "add", "--login", "x"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_FALSE(missing.errors.empty());

  const auto first = barid({"--data-dir", data_dir_, "init"});
  ASSERT_EQ(first.exit_code, 0) << first.errors;
  const auto second = barid({"--data-dir", data_dir_, "migrate"});
  ASSERT_EQ(second.exit_code, 0);
  EXPECT_NE(second.output.find("(0 migration(s) applied now)"), std::string::npos) << second.output;

  const auto unknown =
      barid({"--data-dir", data_dir_, "apikey", "create", "--login", "ghost", "--name", "n", "--role", "citizen"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(std::count(unknown.errors.begin(), unknown.errors.end(), '\n'), 1) << unknown.errors;
  EXPECT_NE(unknown.errors.find("no user has this login"), std::string::npos);

  const auto short_password =
      barid({"--data-dir", data_dir_, "user", "add", "--login", "amina", "--role", "citizen", "--national-id",
             "29001011234567", "--name-ar", "أمينة", "--name-latin", "Amina", "--password-stdin"},
            "short\n");
  EXPECT_EQ(short_password.exit_code, 1);
  EXPECT_NE(short_password.errors.find("at least 12"), std::string::npos) << short_password.errors;
}

TEST_F(ProcessTest, DemoSeedCreatesEveryRoleAndIsIdempotent) {
  const auto first = barid({"--data-dir", data_dir_, "demo", "seed"});
  ASSERT_EQ(first.exit_code, 0) << first.errors;
  const auto second = barid({"--data-dir", data_dir_, "demo", "seed"});
  ASSERT_EQ(second.exit_code, 0) << second.errors;
  EXPECT_EQ(first.output, second.output);
  for (const char* role :
       {"citizen", "business", "authority_sender", "postal_clerk", "carrier", "customs_officer", "operator_admin"}) {
    EXPECT_NE(first.output.find(role), std::string::npos) << role;
  }
  ServerProcess server({"--data-dir", data_dir_});
  HttpClient client("127.0.0.1", server.port());
  const std::string token = log_in(client, "amina", "barid-demo-password");
  EXPECT_EQ(client.get("/api/v1/me", token).json()["party"]["name_latin"], "Amina Haddad");
  // Seeding twice moved money once: Amina holds 20,000.00 EGP and one bill to pay from her mailbox.
  const Json accounts = client.get("/api/v1/payments/accounts", token).json()["accounts"];
  ASSERT_EQ(accounts.size(), 1u);
  EXPECT_EQ(accounts[0]["balance"], 2'000'000);
  const Json bills = client.get("/api/v1/bills", token).json()["bills"];
  ASSERT_EQ(bills.size(), 1u);
  EXPECT_EQ(bills[0]["reference"], "ETA-2026-000417");
  EXPECT_TRUE(bills[0]["letter_id"].is_string());
}

TEST_F(ProcessTest, DemoRunPlaysTheGoldenPathAndItsReceiptVerifiesOffline) {
  ASSERT_EQ(barid({"--data-dir", data_dir_, "demo", "seed"}).exit_code, 0);
  ServerProcess server({"--data-dir", data_dir_, "--card-acquirer", "sandbox"});
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  const std::string receipt = data_dir_ + "/receipt.json";
  const auto played = barid({"demo", "run", "--url", url, "--receipt", receipt});
  ASSERT_EQ(played.exit_code, 0) << played.output << played.errors;
  for (const char* fact :
       {"held in escrow", "CN23 declaration", "EMC", "pre-advice bundle", "EDB", "duty due", "ContentHandover",
        "released (EDC)", "EMI", "escrow captured", "inclusion", "The story is complete"}) {
    EXPECT_NE(played.output.find(fact), std::string::npos) << fact << "\n" << played.output;
  }
  const auto verified = barid({"verify", receipt});
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  // A second run tells the story again with a new item.
  const auto again = barid({"demo", "run", "--url", url, "--quiet", "--receipt", data_dir_ + "/again.json"});
  EXPECT_EQ(again.exit_code, 0) << again.errors;
  EXPECT_TRUE(again.output.empty()) << again.output;
  // Against a server that is not there, one line says why.
  server.terminate();
  const auto refused = barid({"demo", "run", "--url", url});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.errors.find("barid demo run: log in as amina"), std::string::npos) << refused.errors;
}

class DurabilityTest : public ProcessTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(DurabilityTest, AcknowledgedWritesSurviveKill9) {
  store::testing::TestDatabase database(GetParam());
  const std::vector<std::string> database_args = {"--data-dir", data_dir_, "--database", database.url()};
  add_admin(database_args);
  std::vector<std::string> created_ids;
  {
    ServerProcess server(database_args);
    HttpClient client("127.0.0.1", server.port());
    const std::string token = log_in(client, "admin", kAdminPassword);
    for (int i = 0; i < 20; ++i) {
      const auto reply = client.post_json("/api/v1/parties",
                                          {{"kind", "citizen"},
                                           {"national_id", "3000000000" + std::to_string(1000 + i)},
                                           {"name_ar", "مواطن"},
                                           {"name_latin", "Citizen"}},
                                          token);
      ASSERT_EQ(reply.status, 201);
      created_ids.push_back(reply.json()["party"]["id"]);
    }
    server.kill_hard();
  }
  ServerProcess restarted(database_args);
  HttpClient client("127.0.0.1", restarted.port());
  const std::string token = log_in(client, "admin", kAdminPassword);
  for (const auto& id : created_ids) EXPECT_EQ(client.get("/api/v1/parties/" + id, token).status, 200) << id;
}

INSTANTIATE_TEST_SUITE_P(Backends, DurabilityTest, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

TEST_F(ProcessTest, AServerStartedWithAnotherNodesMasterKeyRefusesToRun) {
  store::testing::TestDatabase database("postgresql");
  ASSERT_EQ(barid({"--database", database.url(), "--data-dir", data_dir_, "init"}).exit_code, 0);
  // The first start records the key's fingerprint; a server with another data directory (and so another
  // master key) must not write letters that the first key cannot read.
  { ServerProcess first({"--data-dir", data_dir_, "--database", database.url()}); }
  const auto refused = run_command(bin_dir() + "/baridd", {"--data-dir", data_dir_ + "/other", "--database",
                                                           database.url(), "--listen", "127.0.0.1:0"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.errors.find("master key"), std::string::npos) << refused.errors;
}

TEST_F(ProcessTest, TwoServersOnOnePostgresqlShareSessionsDataAndLimits) {
  store::testing::TestDatabase database("postgresql");
  ASSERT_EQ(barid({"--database", database.url(), "--data-dir", data_dir_, "init"}).exit_code, 0);
  add_admin({"--database", database.url(), "--data-dir", data_dir_});
  ServerProcess first(instance_args(database.url(), "a"));
  ServerProcess second(instance_args(database.url(), "b"));
  HttpClient a("127.0.0.1", first.port());
  HttpClient b("127.0.0.1", second.port());

  // A session made on one server works on the other, and logging out on one ends it on both.
  const std::string token = log_in(a, "admin", kAdminPassword);
  EXPECT_EQ(b.get("/api/v1/me", token).status, 200);

  // Data written through one is read through the other.
  const auto created =
      a.post_json("/api/v1/parties",
                  {{"kind", "citizen"},
                   {"national_id", "29001011234567"},
                   {"name_ar", "أمينة"},
                   {"name_latin", "Amina"},
                   {"user", {{"login", "amina"}, {"password", kAdminPassword}, {"roles", {"citizen"}}}}},
                  token);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto found = b.get("/api/v1/parties?kind=citizen&identifier=29001011234567", token);
  ASSERT_EQ(found.status, 200);
  EXPECT_EQ(found.json()["id"], created.json()["party"]["id"]);
  // A duplicate through the other server is refused.
  EXPECT_EQ(b.post_json("/api/v1/parties",
                        {{"kind", "citizen"}, {"national_id", "29001011234567"}, {"name_ar", "x"}, {"name_latin", "x"}},
                        token)
                .error_code(),
            "party_exists");

  // Failed logins count across both servers.
  for (int i = 0; i < 5; ++i) {
    HttpClient& server = i % 2 == 0 ? a : b;
    EXPECT_EQ(server.post_json("/api/v1/session", {{"login", "amina"}, {"password", "wrong password 12"}}).status, 401);
  }
  EXPECT_EQ(a.post_json("/api/v1/session", {{"login", "amina"}, {"password", kAdminPassword}}).status, 429);
  EXPECT_EQ(b.post_json("/api/v1/session", {{"login", "amina"}, {"password", kAdminPassword}}).status, 429);

  EXPECT_EQ(b.del("/api/v1/session", token).status, 204);
  EXPECT_EQ(a.get("/api/v1/me", token).status, 401);
}

// Two baridd instances on one PostgreSQL move money among a few accounts that must not go below
// zero, concurrently, through HTTP; afterwards `barid ledger check` finds every invariant intact and
// no account overdrawn: no lost update, no double spend.
TEST_F(ProcessTest, TwoServersMovingMoneyOnOnePostgresqlNeitherLoseNorDoubleSpend) {
  store::testing::TestDatabase database("postgresql");
  ASSERT_EQ(barid({"--database", database.url(), "--data-dir", data_dir_, "init"}).exit_code, 0);
  add_admin({"--database", database.url(), "--data-dir", data_dir_});
  ServerProcess first(instance_args(database.url(), "a"));
  ServerProcess second(instance_args(database.url(), "b"));
  const std::vector<HttpClient> servers = {HttpClient("127.0.0.1", first.port()),
                                           HttpClient("127.0.0.1", second.port())};
  const std::string token = log_in(servers[0], "admin", kAdminPassword);

  Json accounts = Json::array({{{"id", "100"}, {"currency", "EGP"}, {"code", 1}}});
  for (int n = 1; n <= 4; ++n) {
    accounts.push_back(
        {{"id", std::to_string(n)}, {"currency", "EGP"}, {"code", 2}, {"flags", {"debits_must_not_exceed_credits"}}});
  }
  ASSERT_EQ(servers[1].post_json("/api/v1/ledger/accounts", {{"accounts", accounts}}, token).status, 200);
  auto post = [&](const HttpClient& server, const Json& transfers, const std::string& key) {
    return server.request(
        "POST", "/api/v1/ledger/transfers", Json{{"transfers", transfers}}.dump(),
        {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}, {"Idempotency-Key", key}});
  };
  Json funding = Json::array();
  for (int n = 1; n <= 4; ++n) {
    funding.push_back({{"id", std::to_string(1000 + n)},
                       {"debit_account_id", "100"},
                       {"credit_account_id", std::to_string(n)},
                       {"amount", 100},
                       {"currency", "EGP"},
                       {"code", 1}});
  }
  ASSERT_EQ(post(servers[0], funding, "funding").status, 200);

  // Six clients, three on each server, each sending small batches of transfers among accounts 1-4.
  std::atomic<int> applied{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    clients.emplace_back([&, c] {
      const HttpClient& server = servers[c % 2];
      for (int round = 0; round < 15; ++round) {
        Json batch = Json::array();
        for (int i = 0; i < 10; ++i) {
          const int from = 1 + (c + round + i) % 4;
          const int to = 1 + (c + 2 * round + 3 * i + 1) % 4;
          if (from == to) continue;
          batch.push_back({{"id", std::to_string(1'000'000 + c * 10'000 + round * 100 + i)},
                           {"debit_account_id", std::to_string(from)},
                           {"credit_account_id", std::to_string(to)},
                           {"amount", 37 + (i * 13) % 90},
                           {"currency", "EGP"},
                           {"code", 1}});
        }
        const auto reply = post(server, batch, "c" + std::to_string(c) + "-" + std::to_string(round));
        ASSERT_EQ(reply.status, 200) << reply.body;
        const Json body = reply.json();
        for (const auto& result : body["results"]) {
          if (result["result"] == "ok") {
            ++applied;
          } else {
            EXPECT_EQ(result["result"], "exceeds_credits");
            ++refused;
          }
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_GT(applied.load(), 0);
  EXPECT_GT(refused.load(), 0);  // the accounts did run dry, and the limit held

  std::int64_t total = 0;
  for (int n = 1; n <= 4; ++n) {
    const auto reply = servers[n % 2].get("/api/v1/ledger/accounts/" + std::to_string(n), token);
    ASSERT_EQ(reply.status, 200);
    const Json account = reply.json();
    const std::int64_t balance =
        account["credits_posted"].get<std::int64_t>() - account["debits_posted"].get<std::int64_t>();
    EXPECT_GE(balance, 0);
    total += balance;
  }
  EXPECT_EQ(total, 400);  // money only moved among the four accounts
  const auto check = barid({"--database", database.url(), "--data-dir", data_dir_, "ledger", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.output << check.errors;
  EXPECT_NE(check.output.find("every invariant holds"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("EGP"), std::string::npos) << check.output;

  // A balance altered behind the ledger's back is named.
  database.open()->run_write([](store::Transaction& tx) {
    tx.execute("UPDATE ledger_accounts SET credits_posted = credits_posted + 1 WHERE code = 2");
    return true;
  });
  const auto altered = barid({"--database", database.url(), "--data-dir", data_dir_, "ledger", "check"});
  EXPECT_EQ(altered.exit_code, 1);
  EXPECT_NE(altered.output.find("VIOLATION: account"), std::string::npos) << altered.output;
}

}  // namespace
}  // namespace barid::testing
