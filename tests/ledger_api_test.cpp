// The ledger engine over real HTTP, on SQLite and PostgreSQL: batches with one result per event,
// idempotency keys (also fired in parallel), bad input refused whole with a precise code.
#include "support/test_node.hpp"

#include <barid/ledger/ledger.hpp>

#include <gtest/gtest.h>

#include <thread>

namespace barid::testing {
namespace {

using identity::PartyKind;
using identity::Role;

class LedgerApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    node_ = std::make_unique<TestNode>(GetParam());
    node_->add_user(PartyKind::postal_operator, "EGPOST", "admin", Role::operator_admin);
    token_ = node_->log_in("admin");
    const Json accounts = Json::array({account("1", {"debits_must_not_exceed_credits"}), account("2", {}),
                                       account("3", {"debits_must_not_exceed_credits"})});
    const auto reply = client().post_json("/api/v1/ledger/accounts", {{"accounts", accounts}}, token_);
    ASSERT_EQ(reply.status, 200) << reply.body;
    const Json body = reply.json();
    for (const auto& result : body["results"]) ASSERT_EQ(result["result"], "ok");
  }

  static Json account(const std::string& id, std::vector<std::string> flags) {
    return {{"id", id}, {"currency", "EGP"}, {"code", 10}, {"flags", flags}};
  }
  static Json transfer(const std::string& id, const std::string& debit, const std::string& credit, Json amount) {
    return {{"id", id}, {"debit_account_id", debit}, {"credit_account_id", credit}, {"amount", amount}, {"ledger", 818},
            {"code", 1}};
  }

  HttpClient client() const { return node_->client(); }
  HttpReply post_transfers(const Json& transfers, const std::string& key) const {
    std::vector<std::pair<std::string, std::string>> headers = {{"Authorization", "Bearer " + token_},
                                                                {"Content-Type", "application/json"}};
    if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
    return client().request("POST", "/api/v1/ledger/transfers", Json{{"transfers", transfers}}.dump(), headers);
  }
  std::vector<std::string> results_of(const HttpReply& reply) const {
    std::vector<std::string> results;
    const Json body = reply.json();
    for (const auto& result : body["results"]) results.push_back(result["result"].get<std::string>());
    return results;
  }
  Json account_json(const std::string& id) const {
    const auto reply = client().get("/api/v1/ledger/accounts/" + id, token_);
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.json();
  }

  std::unique_ptr<TestNode> node_;
  std::string token_;
};

TEST_P(LedgerApiTest, BatchAnswersOneResultPerTransferAndRepeatsItsFirstAnswer) {
  const Json batch = Json::array({transfer("100", "2", "1", 5000), transfer("101", "1", "3", 1500),
                                  transfer("102", "3", "1", 9999), transfer("103", "1", "2", 0)});
  const auto first = post_transfers(batch, "batch-1");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(results_of(first), (std::vector<std::string>{"ok", "ok", "exceeds_credits", "amount_must_not_be_zero"}));
  EXPECT_EQ(account_json("1")["credits_posted"], 5000);
  EXPECT_EQ(account_json("3")["credits_posted"], 1500);
  EXPECT_EQ(account_json("1")["currency"], "EGP");

  // The same request again: the first answer (not "exists"), and nothing moves twice.
  const auto again = post_transfers(batch, "batch-1");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(results_of(again), results_of(first));
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(account_json("1")["debits_posted"], 1500);
  // The same transfers under a new key: the engine's own idempotency says "exists".
  const auto new_key = post_transfers(batch, "batch-2");
  EXPECT_EQ(results_of(new_key)[0], "exists");
  // The same key for another request is refused.
  const auto reused = post_transfers(Json::array({transfer("200", "2", "1", 1)}), "batch-1");
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(reused.error_code(), "idempotency_key_reused");
  EXPECT_EQ(post_transfers(batch, "").error_code(), "idempotency_key_required");
  // Past its retention the key is forgotten: the same key may carry a new request (the transfers'
  // own ids still protect against moving money twice).
  EXPECT_EQ(node_->node().ledger().forget_requests(0), 0);
  EXPECT_EQ(node_->node().ledger().forget_requests(node_->clock_ms() + 1), 2);
  const auto renewed = post_transfers(Json::array({transfer("200", "2", "1", 1)}), "batch-1");
  EXPECT_EQ(renewed.status, 200);
  EXPECT_EQ(results_of(renewed), (std::vector<std::string>{"ok"}));

  const auto stored = client().get("/api/v1/ledger/transfers/101", token_);
  ASSERT_EQ(stored.status, 200);
  EXPECT_EQ(stored.json()["amount"], 1500);
  EXPECT_EQ(stored.json()["actor_user_id"], node_->node().identity().find_user_by_login("admin")->id);
  EXPECT_EQ(client().get("/api/v1/ledger/transfers/102", token_).error_code(), "transfer_not_found");
}

TEST_P(LedgerApiTest, MalformedRequestsAreRefusedWholeWithAPreciseCode) {
  struct Case {
    Json transfers;
    std::string code;
  };
  const std::vector<Case> cases = {
      {Json::array({transfer("1", "2", "1", "12x")}), "invalid_transfer"},
      {Json::array({transfer("1", "2", "1", 1.5)}), "invalid_transfer"},
      {Json::array({transfer("1", "2", "1", Json::parse("9223372036854775808"))}), "invalid_transfer"},
      {Json::array({transfer("1", "2", "1", "-9223372036854775809")}), "invalid_transfer"},
      {Json::array({transfer("-1", "2", "1", 5)}), "invalid_transfer"},
      {Json::array({transfer("340282366920938463463374607431768211456", "2", "1", 5)}), "invalid_transfer"},
      {Json::array({transfer("1", "2", "1", 5), Json{{"id", "2"}}}), "invalid_transfer"},
      {Json::array({Json{{"id", "1"},
                         {"debit_account_id", "2"},
                         {"credit_account_id", "1"},
                         {"amount", 5},
                         {"currency", "XXX"},
                         {"code", 1}}}),
       "invalid_transfer"},
      {Json::array({Json{{"id", "1"},
                         {"debit_account_id", "2"},
                         {"credit_account_id", "1"},
                         {"amount", 5},
                         {"ledger", 818},
                         {"code", 1},
                         {"flags", {"pending", "fast"}}}}),
       "invalid_transfer"},
      {Json::array({5}), "invalid_transfer"},
      {Json::array(), "empty_batch"},
  };
  int n = 0;
  for (const auto& c : cases) {
    const auto reply = post_transfers(c.transfers, "bad-" + std::to_string(n++));
    EXPECT_EQ(reply.status, 400) << c.transfers.dump() << " " << reply.body;
    EXPECT_EQ(reply.error_code(), c.code) << c.transfers.dump();
  }
  Json too_many = Json::array();
  for (int i = 1; i <= 8191; ++i) too_many.push_back(transfer(std::to_string(i), "2", "1", 1));
  const auto big = post_transfers(too_many, "too-many");
  EXPECT_EQ(big.status, 400) << big.body.substr(0, 200);
  EXPECT_EQ(big.error_code(), "batch_too_large");
  EXPECT_EQ(account_json("1")["credits_posted"], 0);  // nothing of any of them was applied
  // A full batch of 8,190 is one request.
  too_many.erase(too_many.end() - 1);
  const auto full = post_transfers(too_many, "full");
  ASSERT_EQ(full.status, 200);
  EXPECT_EQ(account_json("1")["credits_posted"], 8190);
}

TEST_P(LedgerApiTest, ParallelDuplicatesMakeOneTransfer) {
  const Json batch = Json::array({transfer("500", "2", "1", 700)});
  std::vector<std::thread> threads;
  std::vector<HttpReply> replies(8);
  for (std::size_t i = 0; i < replies.size(); ++i) {
    threads.emplace_back([&, i] { replies[i] = post_transfers(batch, "same-key"); });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& reply : replies) {
    // Each one either got the first answer, or was told to retry while the first was in flight.
    if (reply.status == 200) {
      EXPECT_EQ(results_of(reply), std::vector<std::string>{"ok"});
    } else {
      EXPECT_EQ(reply.status, 409) << reply.body;
      EXPECT_EQ(reply.error_code(), "idempotency_key_in_use");
    }
  }
  EXPECT_EQ(account_json("1")["credits_posted"], 700);
}

TEST_P(LedgerApiTest, AccountTransfersAndClosing) {
  ASSERT_EQ(
      results_of(post_transfers(
          Json::array({transfer("1", "2", "1", 10), transfer("2", "2", "1", 20), transfer("3", "1", "3", 5)}), "k")),
      (std::vector<std::string>{"ok", "ok", "ok"}));
  auto page = client().get("/api/v1/ledger/accounts/1/transfers?limit=2", token_);
  ASSERT_EQ(page.status, 200) << page.body;
  const Json first_page = page.json();
  ASSERT_EQ(first_page["transfers"].size(), 2u);
  EXPECT_EQ(first_page["transfers"][0]["id"], "1");
  const std::string cursor = first_page["next_cursor"];
  page = client().get("/api/v1/ledger/accounts/1/transfers?limit=2&cursor=" + cursor, token_);
  const Json second_page = page.json();
  ASSERT_EQ(second_page["transfers"].size(), 1u);
  EXPECT_EQ(second_page["transfers"][0]["id"], "3");
  EXPECT_TRUE(second_page["next_cursor"].is_null());
  EXPECT_EQ(client().get("/api/v1/ledger/accounts/1/transfers?side=debits", token_).json()["transfers"].size(), 1u);
  EXPECT_EQ(client().get("/api/v1/ledger/accounts/1/transfers?side=up", token_).error_code(), "invalid_side");
  EXPECT_EQ(client().get("/api/v1/ledger/accounts/77/transfers", token_).error_code(), "account_not_found");
  EXPECT_EQ(client().get("/api/v1/ledger/accounts/abc", token_).status, 404);

  const auto closed = client().post_json("/api/v1/ledger/accounts/3/close", Json::object(), token_);
  ASSERT_EQ(closed.status, 200) << closed.body;
  EXPECT_EQ(closed.json()["flags"], Json::array({"debits_must_not_exceed_credits", "closed"}));
  EXPECT_EQ(results_of(post_transfers(Json::array({transfer("4", "1", "3", 1)}), "k2")),
            std::vector<std::string>{"credit_account_already_closed"});

  const auto currencies = client().get("/api/v1/ledger/currencies");
  ASSERT_EQ(currencies.status, 200);
  EXPECT_GE(currencies.json()["currencies"].size(), 12u);
  EXPECT_TRUE(node_->node().ledger().check().ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, LedgerApiTest, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace barid::testing
