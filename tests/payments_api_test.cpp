// The payment services over real HTTP, on SQLite and PostgreSQL: postal accounts, counter cash and
// drawer closing, transfers between people with their fee and daily limit, statements, delegates,
// idempotency (also fired in parallel) and bad input that moves nothing.
#include "support/test_node.hpp"

#include <barid/core/time.hpp>
#include <barid/identity/identity.hpp>
#include <barid/ledger/ledger.hpp>
#include <barid/payments/checkout.hpp>
#include <barid/payments/payments.hpp>
#include <barid/transparency/log.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace barid::testing {
namespace {

using identity::PartyKind;
using identity::Role;

constexpr const char* kAmina = "29001011234567";
constexpr const char* kKarim = "28505052345678";
constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

class PaymentsApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    node_ = std::make_unique<TestNode>(GetParam());
    node_->add_user(PartyKind::citizen, kAmina, "amina", Role::citizen);
    node_->add_user(PartyKind::citizen, kKarim, "karim", Role::citizen);
    node_->add_user(PartyKind::citizen, "27707073456789", "hoda", Role::citizen);
    node_->add_user(PartyKind::postal_operator, "EGPOST", "clerk", Role::postal_clerk);
    node_->add_user(PartyKind::postal_operator, "EGPOST", "admin", Role::operator_admin);
    relog();
    drawer_ = post("/api/v1/payments/drawers", {{"office_code", "CAI-01"}, {"currency", "EGP"}}, admin_, "drawer")
                  .json()["id"]
                  .get<std::string>();
    ASSERT_EQ(post("/api/v1/payments/drawers/" + drawer_ + "/float", {{"amount", 5'000'000}}, clerk_, "float").status,
              201);
    amina_account_ = open_account(amina_, "EGP");
    karim_account_ = open_account(karim_, "EGP");
  }
  void relog() {
    amina_ = node_->log_in("amina");
    karim_ = node_->log_in("karim");
    hoda_ = node_->log_in("hoda");
    clerk_ = node_->log_in("clerk");
    admin_ = node_->log_in("admin");
  }

  HttpClient client() const { return node_->client(); }
  HttpReply post(const std::string& path, const Json& body, const std::string& token, const std::string& key) const {
    std::vector<std::pair<std::string, std::string>> headers = {{"Authorization", "Bearer " + token},
                                                                {"Content-Type", "application/json"}};
    if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
    return client().request("POST", path, body.dump(), headers);
  }
  std::string open_account(const std::string& token, const std::string& currency) {
    const auto reply = post("/api/v1/payments/accounts", {{"currency", currency}}, token, "open-" + next_key());
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.json()["number"].get<std::string>();
  }
  HttpReply cash_in(const std::string& number, std::int64_t amount, const std::string& key = "") {
    return post("/api/v1/payments/counter/cash-in",
                {{"office_code", "CAI-01"}, {"account_number", number}, {"amount", amount}}, clerk_,
                key.empty() ? "cash-" + next_key() : key);
  }
  HttpReply transfer(const std::string& token, const Json& body, const std::string& key) const {
    return post("/api/v1/payments/transfers", body, token, key);
  }
  Json account(const std::string& number, const std::string& token) const {
    const auto reply = client().get("/api/v1/payments/accounts/" + number, token);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json();
  }
  std::int64_t balance(const std::string& number) const {
    return account(number, admin_)["balance"].get<std::int64_t>();
  }
  std::int64_t count(const std::string& sql) {
    return node_->node().store().read<std::int64_t>(
        [&](store::Transaction& tx) { return tx.query_one(sql)->int64(0); });
  }
  void expect_ledger_consistent() {
    const auto report = node_->node().ledger().check();
    EXPECT_TRUE(report.ok()) << (report.violations.empty() ? "" : report.violations.front());
  }
  std::string next_key() { return std::to_string(++keys_); }

  std::unique_ptr<TestNode> node_;
  std::string amina_, karim_, hoda_, clerk_, admin_;
  std::string drawer_, amina_account_, karim_account_;
  int keys_ = 0;
};

TEST_P(PaymentsApiTest, CashInTransferWithFeeAndStatementAddUp) {
  EXPECT_TRUE(payments::valid_account_number(amina_account_));
  EXPECT_EQ(amina_account_.substr(0, 2), "EG");
  const auto deposit = cash_in(amina_account_, 100'000);
  ASSERT_EQ(deposit.status, 201) << deposit.body;
  EXPECT_EQ(deposit.json()["kind"], "cash_in");
  EXPECT_EQ(deposit.json()["office_code"], "CAI-01");
  EXPECT_EQ(deposit.json()["actor_capacity"], "postal_clerk");

  // To Karim by national id: his oldest EGP account. The fee is 0.25 %.
  const auto paid = transfer(amina_,
                             {{"from_account", amina_account_},
                              {"to", {{"type", "national_id"}, {"id", kKarim}}},
                              {"amount", 20'000},
                              {"reference", "rent for November"}},
                             "pay-1");
  ASSERT_EQ(paid.status, 201) << paid.body;
  const Json payment = paid.json();
  EXPECT_EQ(payment["to_account"], karim_account_);
  EXPECT_EQ(payment["fee"], 50);
  EXPECT_EQ(payment["amount_text"], "200.00");
  EXPECT_EQ(payment["actor_capacity"], "owner");
  EXPECT_EQ(payment["authorization"].get<std::string>().size(), 11u);

  EXPECT_EQ(balance(amina_account_), 100'000 - 20'000 - 50);
  EXPECT_EQ(balance(karim_account_), 20'000);
  const Json mine = account(amina_account_, amina_);
  EXPECT_EQ(mine["spent_today"], 20'050);
  EXPECT_EQ(mine["available"], 79'950);

  // Both sides read the payment; a third citizen cannot.
  const std::string id = payment["id"].get<std::string>();
  EXPECT_EQ(client().get("/api/v1/payments/" + id, karim_).status, 200);
  EXPECT_EQ(client().get("/api/v1/payments/" + id, hoda_).error_code(), "payment_not_found");

  const auto statement = client().get("/api/v1/payments/accounts/" + amina_account_ + "/statement", amina_);
  ASSERT_EQ(statement.status, 200) << statement.body;
  const Json s = statement.json();
  EXPECT_EQ(s["opening_balance"], 0);
  EXPECT_EQ(s["closing_balance"], 79'950);
  EXPECT_EQ(s["total_credits"], 100'000);
  EXPECT_EQ(s["total_debits"], 20'050);
  ASSERT_EQ(s["entries"].size(), 3u);
  EXPECT_EQ(s["entries"][0]["kind"], "cash_in");
  EXPECT_EQ(s["entries"][0]["counterparty"], "CAI-01");
  EXPECT_EQ(s["entries"][1]["kind"], "transfer");
  EXPECT_EQ(s["entries"][1]["direction"], "debit");
  EXPECT_EQ(s["entries"][1]["counterparty"], karim_account_);
  EXPECT_EQ(s["entries"][1]["counterparty_name"], "Party 28505052345678");
  EXPECT_EQ(s["entries"][1]["reference"], "rent for November");
  EXPECT_EQ(s["entries"][2]["kind"], "fee");
  EXPECT_EQ(s["entries"][2]["balance_after"], 79'950);

  // A statement of a later period opens with the balance the earlier one closed with.
  const auto later = client().get("/api/v1/payments/accounts/" + amina_account_ +
                                      "/statement?from=" + format_utc_ms(node_->clock_ms() + 1000) +
                                      "&to=" + format_utc_ms(node_->clock_ms() + 2000),
                                  amina_);
  ASSERT_EQ(later.status, 200) << later.body;
  EXPECT_EQ(later.json()["opening_balance"], 79'950);
  EXPECT_EQ(later.json()["entries"].size(), 0u);
  expect_ledger_consistent();
}

TEST_P(PaymentsApiTest, ARepeatedKeyReplaysAndParallelDuplicatesMoveMoneyOnce) {
  ASSERT_EQ(cash_in(amina_account_, 100'000).status, 201);
  const Json body = {{"from_account", amina_account_}, {"to_account", karim_account_}, {"amount", 1'000}};
  const auto first = transfer(amina_, body, "same-key");
  ASSERT_EQ(first.status, 201);
  const auto again = transfer(amina_, body, "same-key");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(again.json()["id"], first.json()["id"]);
  Json other = body;
  other["amount"] = 2'000;
  EXPECT_EQ(transfer(amina_, other, "same-key").error_code(), "idempotency_key_reused");
  EXPECT_EQ(balance(karim_account_), 1'000);

  std::atomic<int> created{0};
  std::atomic<int> replayed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      const auto reply = transfer(amina_, body, "parallel-key");
      if (reply.status == 201) ++created;
      if (reply.status == 200 && reply.header("idempotent-replayed") == "true") ++replayed;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(replayed.load(), 7);
  EXPECT_EQ(balance(karim_account_), 2'000);
  EXPECT_EQ(count("SELECT COUNT(*) FROM payments WHERE kind = 'transfer'"), 2);
  expect_ledger_consistent();
}

TEST_P(PaymentsApiTest, IdempotencyKeysAreKeptForTheirRetentionAndThenForgotten) {
  ASSERT_EQ(cash_in(amina_account_, 100'000).status, 201);
  const Json body = {{"from_account", amina_account_}, {"to_account", karim_account_}, {"amount", 1'000}};
  ASSERT_EQ(transfer(amina_, body, "kept-key").status, 201);
  node_->advance_clock(29 * kDayMs);
  node_->node().run_background_once();
  relog();
  EXPECT_EQ(transfer(amina_, body, "kept-key").header("idempotent-replayed"), "true");
  node_->advance_clock(2 * kDayMs);
  node_->node().run_background_once();
  relog();
  // Past 30 days the key is free again: the same request now is a new payment.
  const auto again = transfer(amina_, body, "kept-key");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.header("idempotent-replayed"), "");
  EXPECT_EQ(balance(karim_account_), 2'000);
}

TEST_P(PaymentsApiTest, TheDailyLimitHoldsUnderParallelTransfersAndResetsTheNextDay) {
  ASSERT_EQ(cash_in(amina_account_, 1'000'000).status, 201);
  const auto patched =
      client().send_json("PATCH", "/api/v1/payments/accounts/" + amina_account_, {{"daily_limit", 100'000}}, amina_);
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json()["daily_limit"], 100'000);
  // Above the default, only an administrator may set it.
  EXPECT_EQ(client()
                .send_json("PATCH", "/api/v1/payments/accounts/" + amina_account_,
                           {{"daily_limit", 1'000'000'000'000LL}}, amina_)
                .error_code(),
            "invalid_daily_limit");

  // Ten transfers of 150.00 (+0.38 fee) at once against 1,000.00 a day: exactly six fit.
  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 10; ++i) {
    threads.emplace_back([&, i] {
      const auto reply =
          transfer(amina_, {{"from_account", amina_account_}, {"to_account", karim_account_}, {"amount", 15'000}},
                   "limit-" + std::to_string(i));
      if (reply.status == 201) ++accepted;
      if (reply.error_code() == "daily_limit_exceeded") ++refused;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 6);
  EXPECT_EQ(refused.load(), 4);
  EXPECT_EQ(balance(karim_account_), 6 * 15'000);
  EXPECT_EQ(account(amina_account_, amina_)["spent_today"], 6 * 15'038);

  // Cash-out at the counter counts too.
  const auto cash_out =
      post("/api/v1/payments/counter/cash-out",
           {{"office_code", "CAI-01"}, {"account_number", amina_account_}, {"amount", 10'000}}, clerk_, "out-1");
  EXPECT_EQ(cash_out.error_code(), "daily_limit_exceeded");

  node_->advance_clock(kDayMs);
  relog();
  EXPECT_EQ(transfer(amina_, {{"from_account", amina_account_}, {"to_account", karim_account_}, {"amount", 15'000}},
                     "next-day")
                .status,
            201);
  EXPECT_EQ(account(amina_account_, amina_)["spent_today"], 15'038);
  expect_ledger_consistent();
}

TEST_P(PaymentsApiTest, BadOrImpossibleTransfersGetPreciseCodesAndMoveNothing) {
  ASSERT_EQ(cash_in(amina_account_, 10'000).status, 201);
  const std::string mad = open_account(amina_, "MAD");
  const auto payments_before = count("SELECT COUNT(*) FROM payments");
  const auto transfers_before = count("SELECT COUNT(*) FROM ledger_transfers");
  auto attempt = [&](const Json& body, const std::string& token = "") {
    return transfer(token.empty() ? amina_ : token, body, "bad-" + next_key());
  };
  const Json base = {{"from_account", amina_account_}, {"to_account", karim_account_}, {"amount", 100}};
  auto with = [&](const std::string& field, const Json& value) {
    Json body = base;
    body[field] = value;
    return body;
  };
  EXPECT_EQ(attempt(with("amount", 0)).error_code(), "invalid_amount");
  EXPECT_EQ(attempt(with("amount", -5)).error_code(), "invalid_amount");
  EXPECT_EQ(attempt(with("amount", 1e30)).error_code(), "invalid_amount");
  EXPECT_EQ(attempt(with("amount", "100")).error_code(), "invalid_amount");
  EXPECT_EQ(attempt(with("amount", 9'223'372'036'854'775'807LL)).error_code(), "amount_too_large");  // with its fee
  EXPECT_EQ(attempt(with("amount", 1'000'000'000'000LL)).error_code(), "daily_limit_exceeded");
  EXPECT_EQ(attempt(with("amount", 9'000)).status, 201);  // leaves 977.50
  EXPECT_EQ(attempt(with("amount", 1'000)).error_code(), "insufficient_funds");
  EXPECT_EQ(attempt(with("to_account", mad)).error_code(), "currency_mismatch");
  EXPECT_EQ(attempt(with("currency", "MAD")).error_code(), "currency_mismatch");
  EXPECT_EQ(attempt(with("currency", "XYZ")).error_code(), "invalid_currency");
  EXPECT_EQ(attempt(with("to_account", amina_account_)).error_code(), "same_account");
  EXPECT_EQ(attempt(with("to_account", "EG00BRD0000000000000000")).error_code(), "invalid_account_number");
  EXPECT_EQ(attempt(with("to_account", payments::make_account_number("EG", "1111111111111111"))).error_code(),
            "payee_not_found");
  EXPECT_EQ(attempt(with("from_account", "nonsense")).error_code(), "account_not_found");
  EXPECT_EQ(attempt(with("reference", std::string(141, 'x'))).error_code(), "invalid_reference");
  Json both = base;
  both["to"] = {{"type", "national_id"}, {"id", kKarim}};
  EXPECT_EQ(attempt(both).error_code(), "invalid_payee");
  Json unknown = base;
  unknown.erase("to_account");
  unknown["to"] = {{"type", "national_id"}, {"id", "20000000000000"}};
  EXPECT_EQ(attempt(unknown).error_code(), "payee_not_found");
  EXPECT_EQ(attempt(base, karim_).error_code(), "account_not_found");  // not his to pay from
  EXPECT_EQ(attempt(base, clerk_).error_code(), "account_not_found");  // clerks pay out only at the counter
  const auto no_key = client().post_json("/api/v1/payments/transfers", base, amina_);
  EXPECT_EQ(no_key.error_code(), "idempotency_key_required");
  const auto bad_json = client().request(
      "POST", "/api/v1/payments/transfers", "{\"from_account\":",
      {{"Authorization", "Bearer " + amina_}, {"Content-Type", "application/json"}, {"Idempotency-Key", "k"}});
  EXPECT_EQ(bad_json.error_code(), "malformed_json");

  EXPECT_EQ(count("SELECT COUNT(*) FROM payments"), payments_before + 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM ledger_transfers"), transfers_before + 2);
  EXPECT_EQ(balance(amina_account_), 10'000 - 9'000 - 23);
  expect_ledger_consistent();
}

TEST_P(PaymentsApiTest, ADelegateWithPaymentsPayPaysAndTheHolderSeesWhoDid) {
  ASSERT_EQ(cash_in(amina_account_, 50'000).status, 201);
  const Json body = {{"from_account", amina_account_}, {"to_account", karim_account_}, {"amount", 1'000}};
  // Hoda may read Amina's accounts first, and pay only once she is given payments:pay.
  auto grant = [&](const std::vector<std::string>& scopes) {
    const auto reply = client().post_json("/api/v1/delegations",
                                          {{"grantee_login", "hoda"},
                                           {"grantee_identifier", "27707073456789"},
                                           {"scopes", scopes},
                                           {"expires_at", format_utc_ms(node_->clock_ms() + kDayMs)}},
                                          amina_);
    EXPECT_EQ(reply.status, 201) << reply.body;
  };
  grant({"payments:read"});
  const std::string amina_party = node_->party_id_of("amina");
  const auto listed = client().get("/api/v1/payments/accounts?party_id=" + amina_party, hoda_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(listed.json()["accounts"].size(), 1u);
  EXPECT_EQ(transfer(hoda_, body, "hoda-1").error_code(), "account_not_found");
  grant({"payments:pay"});
  const auto paid = transfer(hoda_, body, "hoda-2");
  ASSERT_EQ(paid.status, 201) << paid.body;
  EXPECT_EQ(paid.json()["actor_capacity"], "delegate");
  EXPECT_EQ(paid.json()["actor_user_id"], node_->node().identity().find_user_by_login("hoda")->id);

  const auto log = client().get("/api/v1/me/access-log", amina_);
  ASSERT_EQ(log.status, 200);
  bool logged = false;
  const Json entries = log.json()["entries"];
  for (const auto& entry : entries) {
    logged = logged || (entry["action"] == "payments.transfer" && entry["capacity"] == "delegate");
  }
  EXPECT_TRUE(logged) << log.body;
  // Karim has no delegation: Amina's accounts are invisible to him.
  EXPECT_EQ(client().get("/api/v1/payments/accounts?party_id=" + amina_party, karim_).error_code(), "party_not_found");
  EXPECT_EQ(client().get("/api/v1/payments/accounts/" + amina_account_, karim_).error_code(), "account_not_found");
}

TEST_P(PaymentsApiTest, CounterCashAndDrawerClosingBalanceToTheCoin) {
  ASSERT_EQ(cash_in(amina_account_, 30'000).status, 201);
  ASSERT_EQ(cash_in(karim_account_, 20'000).status, 201);
  const auto out =
      post("/api/v1/payments/counter/cash-out",
           {{"office_code", "CAI-01"}, {"account_number", amina_account_}, {"amount", 5'000}}, clerk_, "out-1");
  ASSERT_EQ(out.status, 201) << out.body;
  EXPECT_EQ(balance(amina_account_), 25'000);
  // Citizens do not run the counter; cash-in is refused for them by role.
  EXPECT_EQ(post("/api/v1/payments/counter/cash-in",
                 {{"office_code", "CAI-01"}, {"account_number", amina_account_}, {"amount", 1}}, amina_, "self")
                .status,
            403);
  EXPECT_EQ(cash_in(amina_account_, 100, "").status, 201);
  EXPECT_EQ(post("/api/v1/payments/counter/cash-in",
                 {{"office_code", "ALX-09"}, {"account_number", amina_account_}, {"amount", 100}}, clerk_, "nodrawer")
                .error_code(),
            "drawer_not_found");

  const auto drawer = client().get("/api/v1/payments/drawers/" + drawer_, clerk_);
  ASSERT_EQ(drawer.status, 200) << drawer.body;
  const Json period = drawer.json()["period"];
  EXPECT_EQ(period["opening"], 0);
  EXPECT_EQ(period["floats"], 5'000'000);
  EXPECT_EQ(period["cash_in"], 50'100);
  EXPECT_EQ(period["cash_in_count"], 3);
  EXPECT_EQ(period["cash_out"], 5'000);
  EXPECT_EQ(period["expected"], 5'000'000 + 50'100 - 5'000);
  EXPECT_EQ(drawer.json()["drawer"]["cash"], period["expected"]);

  // 12.00 short at the end of the day.
  const std::int64_t expected = period["expected"].get<std::int64_t>();
  const auto closed =
      post("/api/v1/payments/drawers/" + drawer_ + "/close", {{"counted", expected - 1'200}}, clerk_, "close-1");
  ASSERT_EQ(closed.status, 201) << closed.body;
  EXPECT_EQ(closed.json()["difference"], -1'200);
  EXPECT_EQ(closed.json()["expected"], expected);
  const auto replay =
      post("/api/v1/payments/drawers/" + drawer_ + "/close", {{"counted", expected - 1'200}}, clerk_, "close-1");
  EXPECT_EQ(replay.status, 200);
  EXPECT_EQ(replay.json()["id"], closed.json()["id"]);

  // The next period opens with the cash counted, and the ledger agrees with it.
  const Json next = client().get("/api/v1/payments/drawers/" + drawer_, clerk_).json();
  EXPECT_EQ(next["period"]["opening"], expected - 1'200);
  EXPECT_EQ(next["period"]["cash_in_count"], 0);
  EXPECT_EQ(next["drawer"]["cash"], expected - 1'200);
  EXPECT_EQ(client().get("/api/v1/payments/drawers/" + drawer_ + "/closings", admin_).json()["closings"].size(), 1u);

  // A drawer pays out no more cash than it holds, even to a customer whose account holds more (money
  // paid in at another office).
  const std::string karim_usd = open_account(karim_, "USD");
  const std::string hoda_usd = open_account(hoda_, "USD");
  for (const std::string office : {"CAI-01", "ALX-01"}) {
    ASSERT_EQ(post("/api/v1/payments/drawers", {{"office_code", office}, {"currency", "USD"}}, admin_, "usd-" + office)
                  .status,
              201);
  }
  EXPECT_EQ(post("/api/v1/payments/drawers", {{"office_code", "CAI-01"}, {"currency", "USD"}}, admin_, "usd-again")
                .error_code(),
            "drawer_exists");
  auto counter = [&](const char* operation, const std::string& office, const std::string& number, std::int64_t amount) {
    return post(std::string("/api/v1/payments/counter/") + operation,
                {{"office_code", office}, {"account_number", number}, {"amount", amount}}, clerk_, "usd-" + next_key());
  };
  ASSERT_EQ(counter("cash-in", "CAI-01", karim_usd, 700).status, 201);
  ASSERT_EQ(counter("cash-out", "CAI-01", karim_usd, 500).status, 201);
  ASSERT_EQ(counter("cash-in", "ALX-01", hoda_usd, 1'000).status, 201);
  ASSERT_EQ(transfer(hoda_, {{"from_account", hoda_usd}, {"to_account", karim_usd}, {"amount", 900}}, "usd-pay").status,
            201);
  EXPECT_EQ(counter("cash-out", "CAI-01", karim_usd, 500).error_code(), "drawer_insufficient_cash");
  EXPECT_EQ(counter("cash-out", "CAI-01", karim_usd, 200).status, 201);
  EXPECT_EQ(counter("cash-in", "CAI-01", karim_usd, 0).error_code(), "invalid_amount");
  EXPECT_EQ(balance(karim_usd), 900);
  expect_ledger_consistent();
}

// Bills: a biller with its collection account, and helpers to issue and pay.
class BillsApiTest : public PaymentsApiTest {
 protected:
  void SetUp() override {
    PaymentsApiTest::SetUp();
    node_->add_user(PartyKind::authority, "EG-ETA", "tax", Role::authority_sender);
    tax_ = node_->log_in("tax");
    tax_account_ = open_account(tax_, "EGP");
    ASSERT_EQ(cash_in(amina_account_, 100'000).status, 201);
  }
  static Json bill(const std::string& reference, std::int64_t amount, const std::string& payer = kAmina) {
    return {{"reference", reference},
            {"payer", {{"type", "national_id"}, {"id", payer}}},
            {"amount_due", amount},
            {"currency", "EGP"},
            {"due_date", "2026-12-31"}};
  }
  Json issue(const Json& body) {
    const auto reply = post("/api/v1/bills", body, tax_, "bill-" + next_key());
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.json();
  }
  HttpReply pay(const std::string& bill_id, const std::string& token, const Json& body) {
    return post("/api/v1/bills/" + bill_id + "/pay", body, token, "paybill-" + next_key());
  }
  HttpReply upload(const std::string& file, const std::string& type, const std::string& key) {
    return client().request("POST", "/api/v1/bills/files", file,
                            {{"Authorization", "Bearer " + tax_}, {"Content-Type", type}, {"Idempotency-Key", key}});
  }

  std::string tax_, tax_account_;
};

TEST_P(BillsApiTest, ABillArrivesAsALetterWithAPayActionAndPayingItLeavesAReceiptEverywhere) {
  node_->advance_clock(0);
  Json body = bill("ETA-2026-0001", 15'000);
  body["registered"] = true;
  body["penalty"] = 1'000;
  body["description"] = "Property tax, second half of 2026";
  const Json issued = issue(body);
  ASSERT_TRUE(issued["letter_id"].is_string()) << issued.dump();
  EXPECT_EQ(issued["status"], "open");
  EXPECT_EQ(issued["collect_account"], tax_account_);

  // Amina opens the letter: its action points at the bill.
  const auto letter = client().get("/api/v1/mailbox/letters/" + issued["letter_id"].get<std::string>(), amina_);
  ASSERT_EQ(letter.status, 200) << letter.body;
  const Json opened = letter.json();
  EXPECT_EQ(opened["kind"], "registered");
  ASSERT_EQ(opened["actions"].size(), 1u);
  EXPECT_EQ(opened["actions"][0]["code"], "payment");
  EXPECT_EQ(opened["actions"][0]["entry_point"], "bill:" + issued["id"].get<std::string>());

  const std::string id = issued["id"].get<std::string>();
  EXPECT_EQ(pay(id, karim_, {{"from_account", karim_account_}}).error_code(), "bill_not_found");
  EXPECT_EQ(pay(id, amina_, {{"from_account", karim_account_}}).error_code(), "account_not_found");
  EXPECT_EQ(pay(id, amina_, {{"from_account", amina_account_}, {"amount", 100}}).error_code(), "amount_not_allowed");
  const auto paid = pay(id, amina_, {{"from_account", amina_account_}});
  ASSERT_EQ(paid.status, 201) << paid.body;
  const Json receipt = paid.json();
  EXPECT_EQ(receipt["payment"]["kind"], "bill");
  EXPECT_EQ(receipt["payment"]["reference"], "ETA-2026-0001");
  EXPECT_EQ(receipt["bill"]["status"], "paid");
  EXPECT_EQ(receipt["bill"]["outstanding"], 0);
  ASSERT_TRUE(receipt["letter_id"].is_string()) << receipt.dump();

  // The receipt is in the transparency log, with the authorisation number.
  const auto entry = node_->node().log().entry(receipt["log_index"].get<std::int64_t>());
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->kind, "payment.receipt");
  const std::string bytes(entry->entry.begin(), entry->entry.end());
  EXPECT_NE(bytes.find(receipt["payment"]["authorization"].get<std::string>()), std::string::npos);
  // ... and in Amina's mailbox.
  const auto receipt_letter =
      client().get("/api/v1/mailbox/letters/" + receipt["letter_id"].get<std::string>(), amina_);
  ASSERT_EQ(receipt_letter.status, 200);
  EXPECT_NE(
      receipt_letter.json()["body"].get<std::string>().find(receipt["payment"]["authorization"].get<std::string>()),
      std::string::npos);

  // The biller bears the 2.00 EGP collection fee.
  EXPECT_EQ(balance(amina_account_), 100'000 - 15'000);
  EXPECT_EQ(balance(tax_account_), 15'000 - 200);
  EXPECT_EQ(pay(id, amina_, {{"from_account", amina_account_}}).error_code(), "bill_already_paid");
  EXPECT_EQ(client().get("/api/v1/bills/" + id, karim_).error_code(), "bill_not_found");
  EXPECT_EQ(client().get("/api/v1/bills/" + id, tax_).json()["amount_paid"], 15'000);

  // The biller's statement, in JSON and as camt.053 with the bill reference.
  const auto statement = client().get("/api/v1/payments/accounts/" + tax_account_ + "/statement", tax_);
  ASSERT_EQ(statement.status, 200);
  const Json s = statement.json();
  ASSERT_EQ(s["entries"].size(), 2u);
  EXPECT_EQ(s["entries"][0]["kind"], "bill");
  EXPECT_EQ(s["entries"][0]["reference"], "ETA-2026-0001");
  EXPECT_EQ(s["entries"][1]["kind"], "fee");
  const auto camt = client().get("/api/v1/payments/accounts/" + tax_account_ + "/statement?format=camt.053", tax_);
  ASSERT_EQ(camt.status, 200);
  EXPECT_EQ(camt.header("content-type"), "application/xml; charset=utf-8");
  for (const std::string& part :
       std::vector<std::string>{"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08", "<IBAN>" + tax_account_ + "</IBAN>",
                                "<Cd>OPBD</Cd>", "<Cd>CLBD</Cd>", "<Ref>ETA-2026-0001</Ref>", "<CdtDbtInd>CRDT",
                                "<Amt Ccy=\"EGP\">150.00</Amt>", "<Amt Ccy=\"EGP\">148.00</Amt>"}) {
    EXPECT_NE(camt.body.find(part), std::string::npos) << part;
  }
  EXPECT_EQ(client().get("/api/v1/payments/accounts/" + tax_account_ + "/statement?format=pdf", tax_).error_code(),
            "invalid_format");
  EXPECT_EQ(client()
                .get("/api/v1/payments/accounts/" + tax_account_ + "/statement?from=9999-01-01T00:00:00Z", tax_)
                .error_code(),
            "invalid_time_range");
  expect_ledger_consistent();
}

TEST_P(BillsApiTest, AmountRulesPenaltiesExpiryAndCancellationDecideWhatMayBePaid) {
  Json partial = bill("P-1", 15'000);
  partial["amount_rule"] = "partial";
  partial["penalty"] = 500;
  const std::string partial_id = issue(partial)["id"].get<std::string>();
  const auto part = pay(partial_id, amina_, {{"from_account", amina_account_}, {"amount", 5'000}});
  ASSERT_EQ(part.status, 201) << part.body;
  EXPECT_EQ(part.json()["bill"]["status"], "partially_paid");
  EXPECT_EQ(part.json()["bill"]["outstanding"], 10'000);
  EXPECT_EQ(pay(partial_id, amina_, {{"from_account", amina_account_}, {"amount", 10'001}}).error_code(),
            "amount_not_allowed");

  Json minimum = bill("M-1", 20'000);
  minimum["amount_rule"] = "minimum";
  minimum["minimum_amount"] = 5'000;
  const std::string minimum_id = issue(minimum)["id"].get<std::string>();
  EXPECT_EQ(pay(minimum_id, amina_, {{"from_account", amina_account_}, {"amount", 4'999}}).error_code(),
            "amount_not_allowed");
  EXPECT_EQ(pay(minimum_id, amina_, {{"from_account", amina_account_}, {"amount", 5'000}}).status, 201);

  Json expiring = bill("E-1", 1'000);
  expiring["expires_at"] = "2027-01-15";
  const std::string expiring_id = issue(expiring)["id"].get<std::string>();
  const std::string cancelled_id = issue(bill("C-1", 1'000))["id"].get<std::string>();
  ASSERT_EQ(post("/api/v1/bills/" + cancelled_id + "/cancel", nullptr, tax_, "").status, 200);
  EXPECT_EQ(pay(cancelled_id, amina_, {{"from_account", amina_account_}}).error_code(), "bill_cancelled");
  EXPECT_EQ(post("/api/v1/bills/" + partial_id + "/cancel", nullptr, tax_, "").error_code(), "bill_has_payments");

  // Past the due date the penalty is due too; past the expiry nothing can be paid.
  const std::int64_t to_january = parse_rfc3339_ms("2027-01-05T00:00:00Z").value() - node_->clock_ms();
  node_->advance_clock(std::max<std::int64_t>(to_january, 0));
  relog();
  EXPECT_EQ(client().get("/api/v1/bills/" + partial_id, amina_).json()["outstanding"], 10'500);
  const std::int64_t to_february = parse_rfc3339_ms("2027-02-01T00:00:00Z").value() - node_->clock_ms();
  node_->advance_clock(to_february);
  relog();
  EXPECT_EQ(client().get("/api/v1/bills/" + expiring_id, amina_).json()["status"], "expired");
  EXPECT_EQ(pay(expiring_id, amina_, {{"from_account", amina_account_}}).error_code(), "bill_expired");
  const Json mine = client().get("/api/v1/bills", amina_).json();
  EXPECT_EQ(mine["bills"].size(), 4u);
  // The biller lists its bills by status, "expired" included though it is never stored.
  tax_ = node_->log_in("tax");
  auto issued = [&](const std::string& status) {
    std::vector<std::string> references;
    const Json bills = client().get("/api/v1/bills/issued?status=" + status, tax_).json()["bills"];
    for (const auto& b : bills) references.push_back(b["reference"].get<std::string>());
    std::sort(references.begin(), references.end());
    return references;
  };
  EXPECT_EQ(issued("expired"), (std::vector<std::string>{"E-1"}));
  EXPECT_EQ(issued("cancelled"), (std::vector<std::string>{"C-1"}));
  EXPECT_EQ(issued("partially_paid"), (std::vector<std::string>{"M-1", "P-1"}));
  EXPECT_EQ(issued("open"), (std::vector<std::string>{}));
  expect_ledger_consistent();
}

TEST_P(BillsApiTest, ABillFileIsIssuedWholeOrRefusedNamingItsLines) {
  const std::string good = "recipient,reference,amount_due,currency,due_date,amount_rule,registered\n" +
                           std::string(kAmina) + ",W-1,1200,EGP,2026-12-31,exact,true\n" + std::string(kAmina) +
                           ",W-2,800,EGP,2026-12-31,partial,false\n" + std::string(kKarim) +
                           ",W-3,500,EGP,2026-12-31,,\n";
  const auto issued = upload(good, "text/csv", "file-1");
  ASSERT_EQ(issued.status, 201) << issued.body;
  EXPECT_EQ(issued.json()["count"], 3);
  const auto again = upload(good, "text/csv", "file-1");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.json()["batch_id"], issued.json()["batch_id"]);
  EXPECT_EQ(count("SELECT COUNT(*) FROM bills"), 3);

  // The letters follow in the background.
  node_->node().run_background_once();
  EXPECT_EQ(count("SELECT COUNT(*) FROM bills WHERE letter_id IS NOT NULL"), 3);
  const Json karims = client().get("/api/v1/bills", karim_).json();
  ASSERT_EQ(karims["bills"].size(), 1u);
  EXPECT_EQ(karims["bills"][0]["reference"], "W-3");

  const std::string bad = "recipient,reference,amount_due,currency,due_date\n" + std::string(kAmina) +
                          ",X-1,100,EGP,2026-12-31\n"
                          "20000000000000,X-2,100,EGP,2026-12-31\n" +
                          std::string(kAmina) + ",X-3,-4,EGP,2026-12-31\n" + std::string(kAmina) +
                          ",X-1,100,EGP,2026-12-31\n" + std::string(kAmina) + ",X-5,100,EGP,yesterday\n" +
                          std::string(kAmina) + ",W-1,100,EGP,2026-12-31\n";
  const auto refused = upload(bad, "text/csv", "file-2");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.error_code(), "invalid_bill_file");
  const std::string message = refused.json()["error"]["message"].get<std::string>();
  for (const std::string expected :
       {"line 4: invalid_amount", "line 5: duplicate_reference", "line 6: invalid_due_date", "line 3: payer_not_found",
        "line 7: duplicate_reference"}) {
    EXPECT_NE(message.find(expected), std::string::npos) << expected << " in " << message;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM bills"), 3);

  const std::string jsonl =
      R"({"recipient": ")" + std::string(kKarim) +
      R"(", "fields": {"reference": "J-1", "amount_due": 300, "currency": "EGP", "due_date": "2026-12-20"}})"
      "\n";
  const auto from_jsonl = upload(jsonl, "application/jsonl", "file-3");
  ASSERT_EQ(from_jsonl.status, 201) << from_jsonl.body;
  EXPECT_EQ(from_jsonl.json()["bills"][0]["amount_due"], 300);
  EXPECT_EQ(upload(jsonl, "application/json", "file-4").error_code(), "unsupported_media_type");
  EXPECT_EQ(upload("recipient\n", "text/csv", "file-5").error_code(), "invalid_bill_file");
}

// Merchant checkout: a shop with its account, and Amina with money to buy.
class CheckoutApiTest : public PaymentsApiTest {
 protected:
  void SetUp() override {
    PaymentsApiTest::SetUp();
    node_->add_user(PartyKind::business, "EG-SHOP-1", "shop", Role::business);
    shop_ = node_->log_in("shop");
    shop_account_ = open_account(shop_, "EGP");
    ASSERT_EQ(cash_in(amina_account_, 100'000).status, 201);
  }
  std::string intent(std::int64_t amount, const std::string& order, std::int64_t escrow_days = 30) {
    const auto reply =
        post("/api/v1/checkout/intents",
             {{"amount", amount}, {"currency", "EGP"}, {"order_reference", order}, {"escrow_days", escrow_days}}, shop_,
             "intent-" + order);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.json()["id"].get<std::string>();
  }
  HttpReply pay(const std::string& id, const std::string& token, const std::string& account) {
    return post("/api/v1/checkout/intents/" + id + "/pay", {{"from_account", account}}, token, "buy-" + next_key());
  }
  HttpReply act(const std::string& id, const std::string& action, const std::string& token) {
    return post("/api/v1/checkout/intents/" + id + "/" + action, nullptr, token, "");
  }
  Json account_state(const std::string& number) { return account(number, admin_); }

  std::string shop_, shop_account_;
};

TEST_P(CheckoutApiTest, EscrowHoldsTheBuyersMoneyUntilCaptureAndRefundsGoBack) {
  const std::string id = intent(30'000, "ORD-1");
  EXPECT_EQ(client().get("/api/v1/checkout/intents/" + id, amina_).json()["status"], "requires_payment");
  const auto paid = pay(id, amina_, amina_account_);
  ASSERT_EQ(paid.status, 201) << paid.body;
  EXPECT_EQ(paid.json()["status"], "held");
  EXPECT_EQ(paid.json()["method"], "postal_account");
  // In escrow: Amina cannot spend it, the shop cannot use it yet.
  EXPECT_EQ(account_state(amina_account_)["balance"], 100'000);
  EXPECT_EQ(account_state(amina_account_)["available"], 70'000);
  EXPECT_EQ(account_state(shop_account_)["incoming"], 30'000);
  EXPECT_EQ(account_state(shop_account_)["balance"], 0);
  EXPECT_EQ(pay(id, amina_, amina_account_).error_code(), "intent_not_payable");
  EXPECT_EQ(act(id, "capture", karim_).status, 403);  // citizens do not capture
  EXPECT_EQ(client().get("/api/v1/checkout/intents/" + id, karim_).error_code(), "intent_not_found");

  const auto captured = act(id, "capture", shop_);
  ASSERT_EQ(captured.status, 200) << captured.body;
  EXPECT_EQ(captured.json()["status"], "captured");
  EXPECT_EQ(act(id, "capture", shop_).json()["status"], "captured");  // a repeat changes nothing
  EXPECT_EQ(account_state(shop_account_)["balance"], 30'000);
  EXPECT_EQ(account_state(amina_account_)["balance"], 70'000);
  EXPECT_EQ(act(id, "cancel", amina_).error_code(), "intent_not_cancellable");

  const auto refund = post("/api/v1/checkout/intents/" + id + "/refunds", {{"amount", 10'000}}, shop_, "refund-1");
  ASSERT_EQ(refund.status, 201) << refund.body;
  EXPECT_EQ(refund.json()["kind"], "refund");
  EXPECT_EQ(post("/api/v1/checkout/intents/" + id + "/refunds", {{"amount", 10'000}}, shop_, "refund-1").status, 200);
  EXPECT_EQ(post("/api/v1/checkout/intents/" + id + "/refunds", {{"amount", 25'000}}, shop_, "refund-2").error_code(),
            "refund_exceeds_payment");
  EXPECT_EQ(account_state(amina_account_)["balance"], 80'000);
  EXPECT_EQ(client().get("/api/v1/checkout/intents/" + id, amina_).json()["status"], "partially_refunded");
  // The statement shows the captured escrow as a booked checkout entry.
  const Json statement = client().get("/api/v1/payments/accounts/" + amina_account_ + "/statement", amina_).json();
  const Json entries = statement["entries"];
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[1]["kind"], "checkout");
  EXPECT_EQ(entries[1]["reference"], "ORD-1");
  EXPECT_EQ(entries[2]["kind"], "refund");
  expect_ledger_consistent();
}

TEST_P(CheckoutApiTest, CancellationReturnAndTimeoutGiveTheMoneyBack) {
  const std::string cancelled = intent(10'000, "ORD-C");
  ASSERT_EQ(pay(cancelled, amina_, amina_account_).status, 201);
  EXPECT_EQ(act(cancelled, "cancel", karim_).error_code(), "intent_not_found");
  const auto cancel = act(cancelled, "cancel", amina_);
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_EQ(cancel.json()["status"], "cancelled");
  EXPECT_EQ(act(cancelled, "capture", shop_).error_code(), "intent_not_held");

  const std::string returned = intent(10'000, "ORD-R");
  ASSERT_EQ(pay(returned, amina_, amina_account_).status, 201);
  ASSERT_TRUE(node_->node().checkout().void_on_return(returned, "RR123456785EG").ok());
  EXPECT_EQ(client().get("/api/v1/checkout/intents/" + returned, shop_).json()["status"], "returned");

  const std::string delivered = intent(10'000, "ORD-D");
  ASSERT_EQ(pay(delivered, amina_, amina_account_).status, 201);
  const auto on_delivery = node_->node().checkout().capture_on_delivery(delivered, "CC123456785EG");
  ASSERT_TRUE(on_delivery.ok());
  EXPECT_EQ(on_delivery->status, "captured");

  const std::string slow = intent(10'000, "ORD-T", 1);
  ASSERT_EQ(pay(slow, amina_, amina_account_).status, 201);
  EXPECT_EQ(account_state(amina_account_)["available"], 100'000 - 10'000 - 10'000);
  node_->advance_clock(2 * kDayMs);
  node_->node().run_background_once();
  relog();
  shop_ = node_->log_in("shop");
  EXPECT_EQ(client().get("/api/v1/checkout/intents/" + slow, shop_).json()["status"], "expired");
  EXPECT_EQ(act(slow, "capture", shop_).error_code(), "intent_not_held");
  EXPECT_EQ(account_state(amina_account_)["available"], 90'000);
  EXPECT_EQ(account_state(shop_account_)["balance"], 10'000);
  expect_ledger_consistent();
}

TEST_P(CheckoutApiTest, ACardPaymentWaitsForTheAcquirersSignedCallback) {
  const std::string id = intent(45'000, "ORD-CARD");
  const auto started = post("/api/v1/checkout/intents/" + id + "/card", nullptr, karim_, "card-1");
  ASSERT_EQ(started.status, 201) << started.body;
  EXPECT_EQ(started.json()["status"], "pending_confirmation");
  const std::string order = started.json()["card_order_id"].get<std::string>();
  EXPECT_EQ(order.rfind("sbx_", 0), 0u);
  EXPECT_NE(started.json()["redirect_url"].get<std::string>().find(order), std::string::npos);

  auto& sandbox = dynamic_cast<payments::SandboxAcquirer&>(*node_->node().checkout().acquirer());
  const auto [body, signature] = sandbox.callback_for(order, id, 45'000, "EGP", true);
  auto callback = [&](const std::string& text, const std::string& sig) {
    return client().request("POST", "/api/v1/checkout/callbacks/sandbox", text,
                            {{"Content-Type", "application/json"}, {"X-Signature", sig}});
  };
  std::string forged = body;
  forged.replace(forged.find("45000"), 5, "99999");
  EXPECT_EQ(callback(forged, signature).error_code(), "invalid_signature");
  EXPECT_EQ(callback(body, std::string(64, '0')).error_code(), "invalid_signature");
  EXPECT_EQ(client().get("/api/v1/checkout/intents/" + id, karim_).json()["status"], "pending_confirmation");

  // The callback arrives (before the buyer's browser returns), then again: one escrow.
  const auto confirmed = callback(body, signature);
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(confirmed.json()["status"], "held");
  EXPECT_EQ(callback(body, signature).json()["status"], "held");
  EXPECT_EQ(count("SELECT COUNT(*) FROM payments WHERE kind = 'checkout'"), 1);
  EXPECT_EQ(client().get("/api/v1/checkout/intents/" + id, karim_).json()["status"], "held");
  ASSERT_EQ(act(id, "capture", shop_).status, 200);
  EXPECT_EQ(account_state(shop_account_)["balance"], 45'000);

  // Declined at the sandbox's page: the order may be paid again.
  const std::string declined = intent(5'000, "ORD-DECLINED");
  const auto second = post("/api/v1/checkout/intents/" + declined + "/card", nullptr, karim_, "card-2");
  ASSERT_EQ(second.status, 201);
  const auto outcome = client().post_json(
      "/api/v1/sandbox-acquirer/orders/" + second.json()["card_order_id"].get<std::string>() + "/complete",
      {{"approved", false}});
  ASSERT_EQ(outcome.status, 200) << outcome.body;
  EXPECT_EQ(outcome.json()["status"], "requires_payment");
  EXPECT_EQ(outcome.json()["status_reason"], "card_declined");
  EXPECT_EQ(pay(declined, amina_, amina_account_).status, 201);
  // A paid intent is invisible to strangers, even through pay.
  EXPECT_EQ(pay(declined, hoda_, amina_account_).error_code(), "intent_not_found");

  // An approval that arrives after the intent was cancelled is refused, so the acquirer reverses it.
  const std::string late = intent(7'000, "ORD-LATE");
  const auto third = post("/api/v1/checkout/intents/" + late + "/card", nullptr, karim_, "card-3");
  ASSERT_EQ(third.status, 201);
  ASSERT_EQ(act(late, "cancel", shop_).json()["status"], "cancelled");
  const auto [late_body, late_signature] =
      sandbox.callback_for(third.json()["card_order_id"].get<std::string>(), late, 7'000, "EGP", true);
  EXPECT_EQ(callback(late_body, late_signature).error_code(), "order_not_pending");
  EXPECT_EQ(
      post("/api/v1/checkout/intents/" + intent(100, "ORD-SELF") + "/card", nullptr, shop_, "card-self").error_code(),
      "same_account");

  // A confirmation that never comes frees the intent after an hour; a later approval is refused.
  const std::string waiting = intent(3'000, "ORD-WAIT");
  const auto fourth = post("/api/v1/checkout/intents/" + waiting + "/card", nullptr, karim_, "card-4");
  ASSERT_EQ(fourth.status, 201);
  node_->advance_clock(2 * 60 * 60 * 1000);
  node_->node().run_background_once();
  shop_ = node_->log_in("shop");
  const Json freed = client().get("/api/v1/checkout/intents/" + waiting, shop_).json();
  EXPECT_EQ(freed["status"], "requires_payment");
  EXPECT_EQ(freed["status_reason"], "card_timeout");
  EXPECT_TRUE(freed["payer_party_id"].is_null());
  const auto [wait_body, wait_signature] =
      sandbox.callback_for(fourth.json()["card_order_id"].get<std::string>(), waiting, 3'000, "EGP", true);
  EXPECT_EQ(callback(wait_body, wait_signature).error_code(), "order_not_found");
  expect_ledger_consistent();
}

// Without a configured acquirer (the default outside tests and the demo) nobody can pay by card.
TEST(CheckoutWithoutAcquirer, CardPaymentsAreRefused) {
  TestNode node("sqlite", {}, [](app::Config& config) { config.card_acquirer = ""; });
  node.add_user(PartyKind::citizen, kAmina, "amina", Role::citizen);
  const std::string token = node.log_in("amina");
  const auto card = node.client().request("POST", "/api/v1/checkout/intents/x/card", "",
                                          {{"Authorization", "Bearer " + token}, {"Idempotency-Key", "k"}});
  EXPECT_EQ(card.error_code(), "card_payments_unavailable");
  EXPECT_EQ(node.client().post_json("/api/v1/checkout/callbacks/sandbox", {{"order_id", "sbx_1"}}).error_code(),
            "acquirer_not_found");
  EXPECT_EQ(
      node.client().post_json("/api/v1/sandbox-acquirer/orders/sbx_1/complete", {{"approved", true}}).error_code(),
      "acquirer_not_found");
}

INSTANTIATE_TEST_SUITE_P(Backends, CheckoutApiTest, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

INSTANTIATE_TEST_SUITE_P(Backends, BillsApiTest, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

INSTANTIATE_TEST_SUITE_P(Backends, PaymentsApiTest, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace barid::testing
