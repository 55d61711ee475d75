// The mailbox with the real programs: nothing of a letter's content in the database files or a
// dump of PostgreSQL, `barid verify` offline, `barid log check` catching an altered row and a
// flipped byte, master key rotation, a bulk send surviving kill -9, and `barid send-batch`.
#include "support/http_client.hpp"
#include "support/process.hpp"

#include <barid/app/node.hpp>
#include <barid/core/time.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/store/testing.hpp>
#include <barid/transparency/log.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace barid::testing {
namespace {

using identity::PartyKind;
using identity::Role;

constexpr const char* kPassword = "process passphrase 2026";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

class MailboxProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("BARID_PASSWORD_COST", "fast_for_tests", 1);
    data_dir_ = store::testing::temp_dir();
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(data_dir_, ignored);
  }

  app::Config config(const std::string& database = "") const {
    app::Config config;
    config.data_dir = data_dir_;
    config.database = database;
    config.password_cost = "fast_for_tests";
    return config;
  }
  // Users made in this process, on the node's data directory, before or between server runs.
  void add_users(const std::string& database = "") {
    auto node = app::Node::open(config(database), true);
    ASSERT_TRUE(node.ok()) << node.error().message;
    auto& identity = (*node)->identity();
    const auto add = [&](PartyKind kind, const std::string& identifier, const std::string& login, Role role) {
      auto party = identity.create_party({kind, identifier, "طرف", "Party " + login, std::nullopt, std::nullopt, "ar"});
      ASSERT_TRUE(party.ok()) << party.error().code;
      ASSERT_TRUE(identity.create_user({login, party->id, {role}, kPassword}).ok());
    };
    add(PartyKind::authority, "EG-ETA", "tax", Role::authority_sender);
    add(PartyKind::citizen, "29001011234567", "amina", Role::citizen);
  }
  std::vector<std::string> server_args(const std::string& database = "") const {
    std::vector<std::string> args = {"--data-dir", data_dir_};
    if (!database.empty()) args.insert(args.end(), {"--database", database});
    return args;
  }
  CommandResult barid(std::vector<std::string> args) { return run_command(bin_dir() + "/barid", args); }
  static std::string log_in(const HttpClient& client, const std::string& login) {
    const auto reply = client.post_json("/api/v1/session", {{"login", login}, {"password", kPassword}});
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.json().value("token", "");
  }
  static HttpReply send(const HttpClient& client, const std::string& token, const Json& letter,
                        const std::string& key) {
    return client.request(
        "POST", "/api/v1/letters", letter.dump(),
        {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}, {"Idempotency-Key", key}});
  }
  static Json registered_to(const std::string& national_id, const std::string& subject) {
    return {{"recipient", {{"type", "national_id"}, {"id", national_id}}},
            {"subject", subject},
            {"body", "body of " + subject},
            {"kind", "registered"}};
  }

  // Letters, a reply and a bulk send that carry marker text in every sealed part, through the API.
  void send_markers(const HttpClient& client) {
    const std::string tax = log_in(client, "tax");
    const std::string amina = log_in(client, "amina");
    Json letter = {{"recipient", {{"type", "national_id"}, {"id", "29001011234567"}}},
                   {"subject", "MARKER-SUBJECT-77a1"},
                   {"body", "MARKER-BODY-77a1"},
                   {"notification", "You have a letter"},
                   {"case_id", "MARKER-CASE-77a1"},
                   {"sender_reference", "MARKER-REF-77a1"},
                   {"references", {{{"name", "MARKER-NAME-77a1"}, {"value", "MARKER-VALUE-77a1"}}}},
                   {"kind", "registered"},
                   {"reply_allowed", true},
                   {"attachments",
                    {{{"file_name", "MARKER-FILE-77a1.txt"},
                      {"content_base64",
                       crypto::base64_encode(std::vector<std::uint8_t>{'M', 'A', 'R', 'K', 'E', 'R', '-', 'B', 'Y', 'T',
                                                                       'E', 'S', '-', '7', '7', 'a', '1', '\n'})}}}}};
    const auto sent = send(client, tax, letter, "marker-letter");
    ASSERT_EQ(sent.status, 201) << sent.body;
    const std::string id = sent.json()["letter"]["id"];
    const auto reply =
        client.request("POST", "/api/v1/mailbox/letters/" + id + "/replies", Json{{"body", "MARKER-REPLY-77a1"}}.dump(),
                       {{"Authorization", "Bearer " + amina},
                        {"Content-Type", "application/json"},
                        {"Idempotency-Key", "marker-reply"}});
    ASSERT_EQ(reply.status, 201) << reply.body;
    const auto batch = client.request(
        "POST", "/api/v1/letter-batches",
        Json{{"template", {{"subject", "MARKER-TEMPLATE-77a1 {{field}}"}, {"body", "MARKER-TBODY-77a1"}}},
             {"recipients_csv", "recipient,field\n29001011234567,MARKER-FIELD-77a1\n"}}
            .dump(),
        {{"Authorization", "Bearer " + tax},
         {"Content-Type", "application/json"},
         {"Idempotency-Key", "marker-batch"}});
    ASSERT_EQ(batch.status, 202) << batch.body;
    const std::string batch_id = batch.json()["id"];
    for (int i = 0; i < 200; ++i) {
      if (client.get("/api/v1/letter-batches/" + batch_id, tax).json()["status"] == "done") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(client.get("/api/v1/letter-batches/" + batch_id, tax).json()["accepted"], 1);
    // The markers are really there, for the recipient.
    ASSERT_EQ(client.get("/api/v1/mailbox/letters/" + id, amina).json()["body"], "MARKER-BODY-77a1");
  }

  // "MARKER" as text, and as the hex a dump writes binary columns in ("4d41524b4552"): a plaintext
  // stored in a bytea column would show as hex in pg_dump. (A shorter probe would match ciphertext by
  // chance: random hex holds any 4-digit string once in 65,536 digits.)
  static void expect_no_marker(const std::string& bytes, const std::string& where) {
    for (const std::string probe : {"MARKER", "4d41524b4552", "4D41524B4552"}) {
      const auto at = bytes.find(probe);
      EXPECT_EQ(at, std::string::npos) << "a marker is readable in " << where << " at byte " << at << ": "
                                       << (at == std::string::npos ? "" : bytes.substr(at, 40));
    }
  }

  std::string data_dir_;
};

TEST_F(MailboxProcessTest, NoMarkerOfALettersContentIsInTheSqliteFiles) {
  add_users();
  ServerProcess server(server_args());
  HttpClient client("127.0.0.1", server.port());
  send_markers(client);
  // While the server runs (the WAL holds the newest pages) and after it stopped (checkpointed).
  for (const char* file : {"barid.db", "barid.db-wal"}) {
    const std::string path = data_dir_ + "/" + file;
    if (std::filesystem::exists(path)) expect_no_marker(read_file(path), path);
  }
  EXPECT_EQ(server.terminate(), 0);
  expect_no_marker(read_file(data_dir_ + "/barid.db"), "barid.db after shutdown");
  EXPECT_GT(std::filesystem::file_size(data_dir_ + "/barid.db"), 10'000u);
}

TEST_F(MailboxProcessTest, NoMarkerOfALettersContentIsInAPostgresqlDump) {
  store::testing::TestDatabase database("postgresql");
  add_users(database.url());
  {
    ServerProcess server(server_args(database.url()));
    HttpClient client("127.0.0.1", server.port());
    send_markers(client);
  }
  std::string pg_dump = "/usr/lib/postgresql/15/bin/pg_dump";
  if (!std::filesystem::exists(pg_dump)) pg_dump = "/usr/bin/pg_dump";
  const auto dump = run_command(pg_dump, {"--data-only", "--dbname", database.url()});
  ASSERT_EQ(dump.exit_code, 0) << dump.errors;
  ASSERT_NE(dump.output.find("COPY public.letters"), std::string::npos) << "the dump holds the letters table";
  expect_no_marker(dump.output, "pg_dump");
}

TEST_F(MailboxProcessTest, BaridVerifyChecksABundleOfflineAndSaysExactlyWhatFailed) {
  add_users();
  ServerProcess server(server_args());
  HttpClient client("127.0.0.1", server.port());
  const std::string tax = log_in(client, "tax");
  const std::string amina = log_in(client, "amina");
  const auto sent = send(client, tax, registered_to("29001011234567", "To verify"), "verify-1");
  ASSERT_EQ(sent.status, 201);
  const std::string id = sent.json()["letter"]["id"];
  ASSERT_EQ(client.get("/api/v1/mailbox/letters/" + id, amina).status, 200);
  const std::string bundle_path = data_dir_ + "/bundle.json";
  const std::string document_path = data_dir_ + "/letter.json";
  write_file(bundle_path, client.get("/api/v1/mailbox/letters/" + id + "/evidence/ContentHandover", amina).body);
  write_file(document_path, client.get("/api/v1/mailbox/letters/" + id + "/document", amina).body);
  const std::string operator_key = client.get("/api/v1/log/tree-head").json()["public_key"];

  auto result = barid({"verify", bundle_path, "--content", document_path, "--operator-key", operator_key});
  EXPECT_EQ(result.exit_code, 0) << result.output << result.errors;
  EXPECT_NE(result.output.find("VERIFIED"), std::string::npos);
  EXPECT_NE(result.output.find("ok      content"), std::string::npos) << result.output;

  write_file(data_dir_ + "/other.txt", "not the letter");
  result = barid({"verify", bundle_path, "--content", data_dir_ + "/other.txt"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("FAILED  content"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("NOT VERIFIED"), std::string::npos);

  Json tampered = Json::parse(read_file(bundle_path));
  tampered["entry"]["data_base64"] = crypto::base64_encode(std::vector<std::uint8_t>{'{', '}'});
  tampered.erase("record");
  write_file(bundle_path, tampered.dump());
  result = barid({"verify", bundle_path});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("FAILED  inclusion"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("ok      signature"), std::string::npos) << result.output;

  result = barid({"verify", data_dir_ + "/missing.json"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.errors.find("cannot read"), std::string::npos);
}

TEST_F(MailboxProcessTest, LogCheckNamesTheEntryBehindAnAlteredRowOrAFlippedByte) {
  add_users();
  {
    ServerProcess server(server_args());
    HttpClient client("127.0.0.1", server.port());
    const std::string tax = log_in(client, "tax");
    for (int i = 0; i < 5; ++i) {
      ASSERT_EQ(send(client, tax, registered_to("29001011234567", "Letter " + std::to_string(i)),
                     "check-" + std::to_string(i))
                    .status,
                201);
    }
    ASSERT_EQ(client.get("/api/v1/log/tree-head").json()["tree_size"], 10);
  }
  auto result = barid({"--data-dir", data_dir_, "log", "check"});
  ASSERT_EQ(result.exit_code, 0) << result.output << result.errors;
  EXPECT_NE(result.output.find("10 entries"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("intact"), std::string::npos);

  // A flipped byte inside entry 6's stored bytes, straight in the database file.
  std::vector<std::uint8_t> entry6;
  {
    auto store = store::Store::open("sqlite:" + data_dir_ + "/barid.db");
    transparency::TransparencyLog log(*store);
    entry6 = log.entry(6)->entry;
  }
  std::string file = read_file(data_dir_ + "/barid.db");
  const std::string needle(entry6.begin(), entry6.end());
  const auto at = file.find(needle);
  ASSERT_NE(at, std::string::npos) << "the entry's bytes are in the file";
  ASSERT_EQ(file.find(needle, at + 1), std::string::npos) << "and only once";
  const auto time_at = file.find("\"time\":\"20", at);
  ASSERT_LT(time_at, at + needle.size());
  file[time_at + 9] = file[time_at + 9] == '1' ? '2' : '1';  // the year's last digits
  write_file(data_dir_ + "/barid.db", file);
  result = barid({"--data-dir", data_dir_, "log", "check"});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("first altered entry: 6"), std::string::npos) << result.output;

  // Put it back; then a row rewritten through SQL, its hash recomputed: the signed heads catch it.
  file[time_at + 9] = needle[time_at - at + 9];
  write_file(data_dir_ + "/barid.db", file);
  ASSERT_EQ(barid({"--data-dir", data_dir_, "log", "check"}).exit_code, 0);
  {
    auto store = store::Store::open("sqlite:" + data_dir_ + "/barid.db");
    const std::string forged = R"({"event_name":"ContentHandover","forged":true})";
    const auto leaf = transparency::leaf_hash(forged);
    store->run_write([&](store::Transaction& tx) {
      tx.execute("UPDATE log_entries SET entry = ?, leaf_hash = ? WHERE leaf_index = 8",
                 {store::Blob(forged.begin(), forged.end()), store::Blob(leaf.begin(), leaf.end())});
      return true;
    });
  }
  result = barid({"--data-dir", data_dir_, "log", "check"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("rewritten"), std::string::npos) << result.output;
}

TEST_F(MailboxProcessTest, RotatingTheMasterKeyRewrapsMailboxKeysAndLeavesContentAsItWas) {
  add_users();
  std::string id;
  {
    ServerProcess server(server_args());
    HttpClient client("127.0.0.1", server.port());
    const auto sent = send(client, log_in(client, "tax"), registered_to("29001011234567", "Kept"), "rotate");
    ASSERT_EQ(sent.status, 201);
    id = sent.json()["letter"]["id"];
  }
  const auto sealed = [&] {
    auto store = store::Store::open("sqlite:" + data_dir_ + "/barid.db");
    return store->read<std::pair<store::Blob, std::int64_t>>([&](store::Transaction& tx) {
      return std::pair{tx.query_one("SELECT content_sealed FROM letters WHERE id = ?", {id})->blob(0),
                       tx.query_one("SELECT COUNT(*) FROM mailboxes WHERE master_key_version = 1")->int64(0)};
    });
  };
  const auto before = sealed();
  EXPECT_GE(before.second, 1);
  auto result = barid({"--data-dir", data_dir_, "keys", "rotate-master"});
  ASSERT_EQ(result.exit_code, 0) << result.errors;
  EXPECT_NE(result.output.find("version 2 is current"), std::string::npos) << result.output;
  const auto after = sealed();
  EXPECT_EQ(after.first, before.first) << "no content is re-encrypted";
  EXPECT_EQ(after.second, 0) << "every mailbox key is wrapped by the new master key";
  const std::string keyring = read_file(data_dir_ + "/master.key");
  EXPECT_NE(keyring.find("v1 "), std::string::npos);
  EXPECT_NE(keyring.find("current 2"), std::string::npos);

  result = barid({"--data-dir", data_dir_, "keys", "rotate-master", "--retire-old"});
  ASSERT_EQ(result.exit_code, 0) << result.errors;
  EXPECT_EQ(read_file(data_dir_ + "/master.key").find("v1 "), std::string::npos);
  ServerProcess server(server_args());
  HttpClient client("127.0.0.1", server.port());
  const auto opened = client.get("/api/v1/mailbox/letters/" + id, log_in(client, "amina"));
  EXPECT_EQ(opened.status, 200) << opened.body;
  EXPECT_EQ(opened.json()["subject"], "Kept");
}

TEST_F(MailboxProcessTest, ABulkSendKilledMidwayResumesAndEveryRecipientGetsExactlyOneLetter) {
  constexpr int kRecipients = 2400;
  std::string csv = "recipient,name\n";
  {
    auto node = app::Node::open(config(), true);
    ASSERT_TRUE(node.ok());
    auto& identity = (*node)->identity();
    auto tax =
        identity.create_party({PartyKind::authority, "EG-ETA", "مصلحة", "Tax", std::nullopt, std::nullopt, "ar"});
    ASSERT_TRUE(identity.create_user({"tax", tax->id, {Role::authority_sender}, kPassword}).ok());
    for (int i = 0; i < kRecipients; ++i) {
      const std::string national_id = std::to_string(30000000000000LL + i);
      auto party = identity.create_party(
          {PartyKind::citizen, national_id, "مواطن", "Citizen " + std::to_string(i), std::nullopt, std::nullopt, "ar"});
      ASSERT_TRUE(party.ok());
      ASSERT_TRUE(identity.create_user({"citizen-" + std::to_string(i), party->id, {Role::citizen}, kPassword}).ok());
      csv += national_id + ",Citizen " + std::to_string(i) + "\n";
    }
  }
  std::vector<std::string> args = server_args();
  args.insert(args.end(), {"--background-interval-ms", "100", "--batch-letters-per-round", "200"});
  std::string batch_id;
  {
    ServerProcess server(args);
    HttpClient client("127.0.0.1", server.port());
    const std::string tax = log_in(client, "tax");
    const auto accepted = client.request(
        "POST", "/api/v1/letter-batches",
        Json{{"template", {{"subject", "Notice for {{name}}"}, {"body", "Dear {{name}}"}, {"kind", "registered"}}},
             {"recipients_csv", csv}}
            .dump(),
        {{"Authorization", "Bearer " + tax}, {"Content-Type", "application/json"}, {"Idempotency-Key", "resume"}});
    ASSERT_EQ(accepted.status, 202) << accepted.body;
    batch_id = accepted.json()["id"];
    // Wait until part of it is delivered, then pull the plug.
    for (int i = 0; i < 600; ++i) {
      const auto progress = client.get("/api/v1/letter-batches/" + batch_id, tax).json();
      if (progress["accepted"].get<int>() >= 400) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const auto progress = client.get("/api/v1/letter-batches/" + batch_id, tax).json();
    ASSERT_GT(progress["accepted"].get<int>(), 0);
    ASSERT_LT(progress["accepted"].get<int>(), kRecipients) << "the batch must still be running when killed";
    server.kill_hard();
  }
  {
    ServerProcess server(args);
    HttpClient client("127.0.0.1", server.port());
    const std::string tax = log_in(client, "tax");
    Json progress;
    for (int i = 0; i < 3000; ++i) {
      progress = client.get("/api/v1/letter-batches/" + batch_id, tax).json();
      if (progress["status"] == "done") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(progress["status"], "done") << progress.dump();
    EXPECT_EQ(progress["accepted"], kRecipients);
    EXPECT_EQ(progress["rejected"], 0);
    EXPECT_EQ(progress["consigned"], kRecipients);
  }
  auto store = store::Store::open("sqlite:" + data_dir_ + "/barid.db");
  const auto counts = store->read<std::vector<std::int64_t>>([&](store::Transaction& tx) {
    return std::vector<std::int64_t>{
        tx.query_one("SELECT COUNT(*) FROM letters WHERE batch_id = ?", {batch_id})->int64(0),
        tx.query_one("SELECT COUNT(DISTINCT recipient_party_id) FROM letters WHERE batch_id = ?", {batch_id})->int64(0),
        tx.query_one("SELECT COUNT(*) FROM log_entries")->int64(0),
        tx.query_one("SELECT COUNT(*) FROM letters WHERE batch_id = ? AND (acceptance_log_index IS NULL OR "
                     "consignment_log_index IS NULL)",
                     {batch_id})
            ->int64(0),
        tx.query_one("SELECT COUNT(*) FROM letter_batch_items WHERE batch_id = ? AND status <> 'accepted'", {batch_id})
            ->int64(0)};
  });
  EXPECT_EQ(counts[0], kRecipients);
  EXPECT_EQ(counts[1], kRecipients);
  EXPECT_EQ(counts[2], 2 * kRecipients) << "exactly one acceptance and one consignment per letter";
  EXPECT_EQ(counts[3], 0);
  EXPECT_EQ(counts[4], 0);
  const auto check = barid({"--data-dir", data_dir_, "log", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

TEST_F(MailboxProcessTest, SendBatchUploadsAndFollowsTheBatchToTheEnd) {
  add_users();
  ServerProcess server(server_args());
  HttpClient client("127.0.0.1", server.port());
  const std::string token = log_in(client, "tax");
  write_file(data_dir_ + "/template.json", Json{{"subject", "Hello {{name}}"}, {"body", "Dear {{name}}"}}.dump());
  write_file(data_dir_ + "/recipients.csv", "recipient,name\n29001011234567,Amina\n12121212121212,Nobody\n");
  write_file(data_dir_ + "/notice.txt", "shared attachment\n");
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  const std::vector<std::string> args = {"send-batch",   data_dir_ + "/recipients.csv",
                                         "--template",   data_dir_ + "/template.json",
                                         "--attachment", data_dir_ + "/notice.txt",
                                         "--url",        url,
                                         "--token",      token,
                                         "--results",    data_dir_ + "/results.csv"};
  auto result = barid(args);
  ASSERT_EQ(result.exit_code, 0) << result.output << result.errors;
  EXPECT_NE(result.output.find("2 recipients"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("done: 1 accepted, 1 rejected"), std::string::npos) << result.output;
  EXPECT_NE(result.errors.find("[########################################] 100%"), std::string::npos) << result.errors;
  const std::string results = read_file(data_dir_ + "/results.csv");
  EXPECT_NE(results.find("2,national_id,29001011234567,accepted,"), std::string::npos) << results;
  EXPECT_NE(results.find("3,national_id,12121212121212,rejected,,unknown_recipient"), std::string::npos) << results;
  // Run again: the same files make the same key, so nothing is sent twice.
  result = barid(args);
  ASSERT_EQ(result.exit_code, 0);
  const std::string amina = log_in(client, "amina");
  const auto letters = client.get("/api/v1/mailbox/letters", amina).json()["letters"];
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0]["attachment_count"], 1);
  // A malformed file is refused with its lines.
  write_file(data_dir_ + "/bad.csv", "recipient,name\n29001011234567\n");
  result = barid({"send-batch", data_dir_ + "/bad.csv", "--template", data_dir_ + "/template.json", "--url", url,
                  "--token", token});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.errors.find("line 2"), std::string::npos) << result.errors;
}

}  // namespace
}  // namespace barid::testing
