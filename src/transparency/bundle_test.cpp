#include <barid/store/testing.hpp>
#include <barid/transparency/bundle.hpp>

#include <gtest/gtest.h>

namespace barid::transparency {
namespace {

std::vector<std::uint8_t> bytes(const std::string& text) {
  return {text.begin(), text.end()};
}

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = std::make_unique<store::testing::TestDatabase>("sqlite");
    store_ = database_->open();
    ASSERT_TRUE(store_->migrate(TransparencyLog::migrations()).ok());
    log_ = std::make_unique<TransparencyLog>(*store_);
    for (int i = 0; i < 9; ++i) {
      const Json record = {{"event", "ContentHandover"},
                           {"letter_id", "letter-" + std::to_string(i)},
                           {"content_sha256", crypto::hex_encode(crypto::sha256("content " + std::to_string(i)))},
                           {"attachments_sha256", {crypto::hex_encode(crypto::sha256("attachment"))}}};
      store_->run_write([&](store::Transaction& tx) {
        TransparencyLog::append(tx, "evidence.ContentHandover", bytes(record.dump()), 1'000);
        return true;
      });
    }
  }
  Json bundle(std::int64_t index) { return *make_bundle(*log_, key_, index, 5'000); }
  static const BundleCheck* find(const BundleVerdict& verdict, const std::string& name) {
    for (const auto& check : verdict.checks) {
      if (check.name == name) return &check;
    }
    return nullptr;
  }

  crypto::SigningKey key_ = crypto::new_signing_key();
  std::unique_ptr<store::testing::TestDatabase> database_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<TransparencyLog> log_;
};

TEST_F(BundleTest, AGenuineBundleVerifiesWithItsContent) {
  const Json b = bundle(4);
  EXPECT_EQ(b["format"], kBundleFormat);
  EXPECT_EQ(b["record"]["letter_id"], "letter-4");
  const auto verdict = verify_bundle(b, bytes("content 4"), key_.public_key);
  EXPECT_TRUE(verdict.ok);
  ASSERT_EQ(verdict.checks.size(), 6u);
  for (const auto& check : verdict.checks) EXPECT_TRUE(check.passed) << check.name << ": " << check.detail;
  EXPECT_EQ(verdict.record["letter_id"], "letter-4");
  EXPECT_NE(find(verify_bundle(b, bytes("attachment")), "content")->detail.find("attachment 1"), std::string::npos);
}

TEST_F(BundleTest, ABundleMadeBeforeTheLogGrewStillVerifies) {
  const Json early = bundle(8);
  store_->run_write([&](store::Transaction& tx) {
    TransparencyLog::append(tx, "evidence.ContentHandover", bytes("{}"), 2'000);
    return true;
  });
  EXPECT_TRUE(verify_bundle(early).ok);
  const Json later = bundle(8);
  EXPECT_EQ(later["tree_head"]["tree_size"], 10);
  EXPECT_TRUE(verify_bundle(later).ok);
}

TEST_F(BundleTest, SaysWhichPartWasTamperedWith) {
  const Json genuine = bundle(2);

  Json altered_record = genuine;
  altered_record["record"]["letter_id"] = "letter-3";
  auto verdict = verify_bundle(altered_record);
  EXPECT_FALSE(verdict.ok);
  EXPECT_FALSE(find(verdict, "record")->passed);
  EXPECT_TRUE(find(verdict, "inclusion")->passed);

  Json altered_data = genuine;
  auto data = genuine["record"];
  data["letter_id"] = "letter-3";
  altered_data["entry"]["data_base64"] = crypto::base64_encode(bytes(data.dump()));
  altered_data["record"] = data;
  verdict = verify_bundle(altered_data);
  EXPECT_FALSE(verdict.ok);
  EXPECT_FALSE(find(verdict, "inclusion")->passed);
  EXPECT_TRUE(find(verdict, "signature")->passed);

  Json altered_root = genuine;
  altered_root["tree_head"]["root_hash"] = std::string(64, '0');
  verdict = verify_bundle(altered_root);
  EXPECT_FALSE(find(verdict, "inclusion")->passed);
  EXPECT_FALSE(find(verdict, "signature")->passed);

  Json altered_time = genuine;
  altered_time["tree_head"]["timestamp_ms"] = genuine["tree_head"]["timestamp_ms"].get<std::int64_t>() + 1;
  verdict = verify_bundle(altered_time);
  EXPECT_TRUE(find(verdict, "inclusion")->passed);
  EXPECT_FALSE(find(verdict, "signature")->passed);

  Json other_key = genuine;
  const auto stranger = crypto::new_signing_key();
  verdict = verify_bundle(genuine, std::nullopt, stranger.public_key);
  EXPECT_FALSE(verdict.ok);
  EXPECT_FALSE(find(verdict, "operator_key")->passed);

  verdict = verify_bundle(genuine, bytes("content 3"));
  EXPECT_FALSE(verdict.ok);
  EXPECT_FALSE(find(verdict, "content")->passed);
}

TEST_F(BundleTest, MalformedBundlesAreRefusedWithTheReason) {
  const Json genuine = bundle(1);
  for (const char* field : {"entry", "inclusion_proof", "tree_head", "operator"}) {
    Json broken = genuine;
    broken.erase(field);
    const auto verdict = verify_bundle(broken);
    EXPECT_FALSE(verdict.ok) << field;
    ASSERT_EQ(verdict.checks.size(), 1u);
    EXPECT_EQ(verdict.checks[0].name, "format");
  }
  Json wrong_size = genuine;
  wrong_size["inclusion_proof"]["tree_size"] = 3;
  EXPECT_NE(verify_bundle(wrong_size).checks[0].detail.find("another tree size"), std::string::npos);
  EXPECT_FALSE(verify_bundle(Json::array()).ok);
  Json bad_hash = genuine;
  bad_hash["inclusion_proof"]["hashes"][0] = "zz";
  EXPECT_FALSE(verify_bundle(bad_hash).ok);
}

// Found by fuzz_evidence_bundle: members of the wrong type made the check throw instead of failing.
TEST_F(BundleTest, MembersOfTheWrongTypeAreRefusedNotThrown) {
  EXPECT_FALSE(verify_bundle(Json::parse(R"({"format":5555555555555555555555555})")).ok);
  EXPECT_FALSE(verify_bundle(Json::parse(R"({"format":["barid-evidence-bundle/1"]})")).ok);
  // A signed entry whose record holds a number where the content hash should be.
  store_->run_write([&](store::Transaction& tx) {
    TransparencyLog::append(tx, "evidence.ContentHandover", bytes(R"({"content_sha256":42})"), 3'000);
    return true;
  });
  const auto verdict = verify_bundle(bundle(9), bytes("content"));
  EXPECT_FALSE(verdict.ok);
  EXPECT_FALSE(find(verdict, "content")->passed);
  EXPECT_TRUE(find(verdict, "inclusion")->passed);
}

}  // namespace
}  // namespace barid::transparency
