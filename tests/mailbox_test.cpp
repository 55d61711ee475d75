// The digital mailbox over real HTTP, on both databases: sending and opening letters with their
// registered-delivery evidence, attachments, idempotency, bad input that stores nothing, mailbox
// organisation and search, delegates, deferred delivery, unopened letters going to paper, print
// batches, retention, notifications and bulk sending.
#include "support/http_sink.hpp"
#include "support/smtp_sink.hpp"
#include "support/test_node.hpp"

#include <barid/core/time.hpp>
#include <barid/crypto/aead.hpp>
#include <barid/mailbox/batches.hpp>
#include <barid/mailbox/mailbox.hpp>
#include <barid/store/testing.hpp>
#include <barid/transparency/bundle.hpp>

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

namespace barid::testing {
namespace {

using identity::PartyKind;
using identity::Role;

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
constexpr const char* kAmina = "29001011234567";
constexpr const char* kKarim = "28505052345678";

// A minimal but real PDF, so libmagic calls it application/pdf.
const std::string kPdf =
    "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
    "trailer<</Root 1 0 R>>\n%%EOF\n";

std::string multipart(const std::string& boundary,
                      const std::vector<std::tuple<std::string, std::string, std::string, std::string>>& parts) {
  std::string body;
  for (const auto& [name, file_name, type, content] : parts) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"";
    if (!file_name.empty()) body += "; filename=\"" + file_name + "\"";
    body += "\r\nContent-Type: " + type + "\r\n\r\n" + content + "\r\n";
  }
  return body + "--" + boundary + "--\r\n";
}

// The text of a PDF, as poppler's pdftotext extracts it.
std::string pdf_text(const std::string& pdf, const std::string& dir) {
  const std::string path = dir + "/document.pdf";
  std::ofstream(path, std::ios::binary) << pdf;
  FILE* pipe = ::popen(("pdftotext -layout " + path + " - 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return "";
  std::string text;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) text.append(buffer, n);
  ::pclose(pipe);
  return text;
}

class MailboxTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { start(); }

  void start(const std::function<void(app::Config&)>& configure = {}) {
    node_ = std::make_unique<TestNode>(GetParam(), http::ServerOptions{}, configure);
    node_->add_user(PartyKind::authority, "EG-ETA", "tax", Role::authority_sender);
    node_->add_user(PartyKind::citizen, kAmina, "amina", Role::citizen);
    node_->add_user(PartyKind::citizen, kKarim, "karim", Role::citizen);
    node_->add_user(PartyKind::postal_operator, "EGPOST", "clerk", Role::postal_clerk);
    node_->add_user(PartyKind::postal_operator, "EGPOST", "admin", Role::operator_admin);
    relog();
  }
  void relog() {
    tax_ = node_->log_in("tax");
    amina_ = node_->log_in("amina");
    karim_ = node_->log_in("karim");
    clerk_ = node_->log_in("clerk");
    admin_ = node_->log_in("admin");
  }
  // Days pass; sessions do not survive that long, so everyone logs in again.
  void pass_days(int days) {
    node_->advance_clock(days * kDayMs);
    relog();
  }
  HttpClient client() const { return node_->client(); }

  static Json letter_to(const std::string& national_id, const std::string& subject, bool registered = true) {
    return {{"recipient", {{"type", "national_id"}, {"id", national_id}}},
            {"subject", subject},
            {"notification", "A letter from the tax authority"},
            {"body", "Dear citizen,\n\nyour assessment for 2026 is ready."},
            {"kind", registered ? "registered" : "ordinary"}};
  }
  HttpReply send(const Json& letter, const std::string& key, const std::string& token = "") {
    return client().request("POST", "/api/v1/letters", letter.dump(),
                            {{"Authorization", "Bearer " + (token.empty() ? tax_ : token)},
                             {"Content-Type", "application/json"},
                             {"Idempotency-Key", key}});
  }
  std::string send_ok(const Json& letter, const std::string& key) {
    const auto reply = send(letter, key);
    EXPECT_EQ(reply.status, 201) << reply.body;
    return reply.json()["letter"]["id"].get<std::string>();
  }
  std::int64_t count(const std::string& sql) {
    return node_->node().store().read<std::int64_t>(
        [&](store::Transaction& tx) { return tx.query_one(sql)->int64(0); });
  }
  static std::vector<std::string> events(const Json& evidence) {
    std::vector<std::string> names;
    for (const auto& item : evidence) names.push_back(item["event"].get<std::string>());
    return names;
  }

  std::unique_ptr<TestNode> node_;
  std::string tax_, amina_, karim_, clerk_, admin_;
};

TEST_P(MailboxTest, RegisteredLetterIsDeliveredOpenedAndLeavesVerifiableEvidence) {
  const auto sent = send(letter_to(kAmina, "Tax assessment 2026"), "k-1");
  ASSERT_EQ(sent.status, 201) << sent.body;
  const Json letter = sent.json()["letter"];
  const std::string id = letter["id"];
  EXPECT_EQ(letter["state"], "consigned");
  EXPECT_EQ(letter["channel"], "digital");
  EXPECT_EQ(events(letter["evidence"]), (std::vector<std::string>{"SubmissionAcceptance", "ContentConsignment"}));
  EXPECT_EQ(sent.header("location"), "/api/v1/letters/" + id);

  // The recipient sees it, unread, with the subject decrypted for the listing.
  const auto listed = client().get("/api/v1/mailbox/letters", amina_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json()["letters"].size(), 1u);
  EXPECT_EQ(listed.json()["letters"][0]["subject"], "Tax assessment 2026");
  EXPECT_EQ(listed.json()["letters"][0]["unread"], true);
  EXPECT_EQ(listed.json()["letters"][0]["sender"]["identifier"], "EG-ETA");

  const auto opened = client().get("/api/v1/mailbox/letters/" + id, amina_);
  ASSERT_EQ(opened.status, 200) << opened.body;
  EXPECT_EQ(opened.json()["body"], "Dear citizen,\n\nyour assessment for 2026 is ready.");
  EXPECT_EQ(opened.json()["body_html"],
            "<p dir=\"auto\">Dear citizen,</p><p dir=\"auto\">your assessment for 2026 is ready.</p>");
  EXPECT_EQ(opened.json()["unread"], false);
  EXPECT_EQ(events(opened.json()["evidence"]),
            (std::vector<std::string>{"SubmissionAcceptance", "ContentConsignment", "ContentHandover"}));

  // Opening again records nothing new: exactly one record per event.
  const auto size_before = node_->node().log().size();
  EXPECT_EQ(client().get("/api/v1/mailbox/letters/" + id, amina_).status, 200);
  EXPECT_EQ(node_->node().log().size(), size_before);

  // The sender's view: state and evidence, never the content.
  const auto sender_view = client().get("/api/v1/letters/" + id, tax_);
  ASSERT_EQ(sender_view.status, 200);
  EXPECT_FALSE(sender_view.json()["opened_at"].is_null());
  EXPECT_EQ(sender_view.json().contains("body"), false);
  EXPECT_EQ(sender_view.json()["evidence"].size(), 3u);

  // The handover bundle verifies offline, with the document the recipient downloads as the content.
  const auto bundle = client().get("/api/v1/letters/" + id + "/evidence/ContentHandover", tax_);
  ASSERT_EQ(bundle.status, 200) << bundle.body;
  const Json record = bundle.json()["record"];
  EXPECT_EQ(record["event"], "http://uri.etsi.org/19522/Event/ContentHandover");
  EXPECT_EQ(record["letter_id"], id);
  EXPECT_EQ(record["actor"]["capacity"], "owner");
  EXPECT_EQ(record["actor"]["login"], "amina");
  EXPECT_EQ(record["recipient"]["identifier"], kAmina);
  EXPECT_EQ(record["sender"]["identifier"], "EG-ETA");
  EXPECT_EQ(record["sender_assurance"], "low");
  const auto document = client().get("/api/v1/mailbox/letters/" + id + "/document", amina_);
  ASSERT_EQ(document.status, 200);
  EXPECT_EQ(crypto::hex_encode(crypto::sha256(document.body)), record["content_sha256"]);
  const auto verdict =
      transparency::verify_bundle(bundle.json(), std::vector<std::uint8_t>(document.body.begin(), document.body.end()),
                                  node_->node().operator_key().public_key);
  EXPECT_TRUE(verdict.ok);
  // The same evidence from the recipient's side, and as a PDF receipt.
  EXPECT_EQ(client().get("/api/v1/mailbox/letters/" + id + "/evidence/ContentHandover", amina_).json()["record"],
            record);
  const auto receipt = client().get("/api/v1/mailbox/letters/" + id + "/evidence/ContentHandover/receipt.pdf", amina_);
  ASSERT_EQ(receipt.status, 200);
  EXPECT_EQ(receipt.header("content-type"), "application/pdf");
  EXPECT_EQ(receipt.body.rfind("%PDF-", 0), 0u);
  const std::string text = pdf_text(receipt.body, node_->data_dir());
  EXPECT_NE(text.find(id), std::string::npos) << text;
  EXPECT_NE(text.find("ContentHandover"), std::string::npos);
  EXPECT_NE(text.find("Party EG-ETA"), std::string::npos) << "the sender's name is shown";
  EXPECT_NE(text.find(record["content_sha256"].get<std::string>().substr(0, 16)), std::string::npos);
  // Evidence that does not exist yet, and someone else's letter.
  EXPECT_EQ(client().get("/api/v1/letters/" + id + "/evidence/RelayToNonERDS", tax_).error_code(),
            "evidence_not_found");
  EXPECT_EQ(client().get("/api/v1/mailbox/letters/" + id, karim_).status, 404);
  EXPECT_EQ(client().get("/api/v1/mailbox/letters/" + id, karim_).error_code(), "letter_not_found");
  EXPECT_EQ(client().get("/api/v1/letters/" + id + "/evidence", karim_).error_code(), "letter_not_found");
}

TEST_P(MailboxTest, AnOrdinaryLetterHasNoEvidence) {
  const std::string id = send_ok(letter_to(kAmina, "Newsletter", false), "k-ordinary");
  EXPECT_EQ(client().get("/api/v1/mailbox/letters/" + id, amina_).status, 200);
  EXPECT_TRUE(client().get("/api/v1/letters/" + id, tax_).json()["evidence"].empty());
  EXPECT_EQ(node_->node().log().size(), 0);
}

TEST_P(MailboxTest, TheSameIdempotencyKeyNeverSendsTwice) {
  const auto first = send(letter_to(kAmina, "Once"), "same-key");
  ASSERT_EQ(first.status, 201);
  const auto again = send(letter_to(kAmina, "Once"), "same-key");
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  EXPECT_EQ(again.json()["letter"]["id"], first.json()["letter"]["id"]);
  const auto other = send(letter_to(kAmina, "Something else"), "same-key");
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(other.error_code(), "idempotency_key_reused");
  EXPECT_EQ(send(letter_to(kAmina, "No key"), "").error_code(), "idempotency_key_required");
  EXPECT_EQ(count("SELECT COUNT(*) FROM letters"), 1);

  // Concurrent duplicates make one letter.
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      const auto reply = send(letter_to(kAmina, "Raced"), "raced-key");
      if (reply.status == 201) ++created;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(created.load(), 6);
  EXPECT_EQ(count("SELECT COUNT(*) FROM letters"), 2);
}

TEST_P(MailboxTest, UnknownRecipientIsRefusedWithEvidenceForRegisteredLettersOnly) {
  const auto ordinary = send(letter_to("11112222333344", "Hello", false), "k-unknown-1");
  EXPECT_EQ(ordinary.status, 422);
  EXPECT_EQ(ordinary.error_code(), "unknown_recipient");
  EXPECT_EQ(count("SELECT COUNT(*) FROM letters"), 0);

  const auto registered = send(letter_to("11112222333344", "Hello"), "k-unknown-2");
  EXPECT_EQ(registered.status, 422);
  EXPECT_EQ(registered.error_code(), "unknown_recipient");
  const Json letter = registered.json()["letter"];
  EXPECT_EQ(letter["state"], "rejected");
  EXPECT_EQ(events(letter["evidence"]), std::vector<std::string>{"SubmissionRejection"});
  const auto bundle =
      client().get("/api/v1/letters/" + letter["id"].get<std::string>() + "/evidence/SubmissionRejection", tax_);
  ASSERT_EQ(bundle.status, 200);
  EXPECT_EQ(bundle.json()["record"]["reason"], "unknown_recipient");
  EXPECT_EQ(bundle.json()["record"]["recipient"]["identifier"], "11112222333344");
  // No content of a refused letter is kept.
  EXPECT_EQ(count("SELECT COUNT(*) FROM letters WHERE content_sealed IS NOT NULL OR subject_sealed IS NOT NULL"), 0);
  // The refusal is idempotent too.
  const auto replay = send(letter_to("11112222333344", "Hello"), "k-unknown-2");
  EXPECT_EQ(replay.status, 422);
  EXPECT_EQ(replay.json()["letter"]["id"], letter["id"]);
}

TEST_P(MailboxTest, BadLettersGetPreciseErrorsAndStoreNothing) {
  const auto expect_refused = [&](Json letter, int status, const std::string& code) {
    const auto reply = send(letter, "bad-" + code + std::to_string(letter.dump().size()));
    EXPECT_EQ(reply.status, status) << code << ": " << reply.body;
    EXPECT_EQ(reply.error_code(), code) << reply.body;
  };
  Json letter = letter_to(kAmina, "x");
  letter.erase("subject");
  expect_refused(letter, 400, "subject_required");
  expect_refused(letter_to(kAmina, std::string(257, 's')), 400, "subject_too_long");
  letter = letter_to(kAmina, "ok");
  letter["notification"] = std::string(151, 'n');
  expect_refused(letter, 400, "notification_too_long");
  letter = letter_to(kAmina, "ok");
  letter["body"] = std::string(1024 * 1024 + 1, 'b');
  expect_refused(letter, 413, "body_too_large");
  letter = letter_to(kAmina, "ok");
  letter.erase("recipient");
  expect_refused(letter, 400, "recipient_required");
  letter = letter_to(kAmina, "ok");
  letter["recipient"]["type"] = "passport";
  expect_refused(letter, 400, "invalid_recipient_type");
  letter = letter_to(kAmina, "ok");
  letter["language"] = "de";
  expect_refused(letter, 400, "invalid_language");
  letter = letter_to(kAmina, "ok");
  letter["reply_by"] = format_utc_ms(node_->clock_ms() + kDayMs);
  expect_refused(letter, 400, "reply_by_without_reply");
  letter = letter_to(kAmina, "ok");
  letter["actions"] = {{{"code", "payment"}, {"label", "Pay"}, {"entry_point", "javascript:alert(1)"}}};
  expect_refused(letter, 400, "invalid_action");
  letter = letter_to(kAmina, "ok");
  letter["attachments"] = {{{"file_name", "tool"}, {"content_base64", "f0VMRgIBAQAAAAAAAAAAAAIAPgABAAAA"}}};
  expect_refused(letter, 415, "attachment_is_executable");
  letter = letter_to(kAmina, "ok");
  letter["attachments"] = {
      {{"file_name", "a.zip"}, {"content_base64", "UEsDBBQAAAAIAAAAIQAAAAAAAAAAAAAAAAAAAAAAAAA="}}};
  expect_refused(letter, 415, "attachment_type_not_allowed");
  letter = letter_to(kAmina, "ok");
  letter["attachments"] = {{{"file_name", "x.pdf"}, {"content_base64", "not base64!"}}};
  expect_refused(letter, 400, "invalid_base64");
  letter = letter_to(kAmina, "ok");
  letter["body_format"] = "markdown";
  letter["body"] = std::string(40, '>') + " deep";
  expect_refused(letter, 400, "markdown_too_deep");
  // Only senders may send.
  EXPECT_EQ(send(letter_to(kKarim, "from a citizen"), "citizen-key", amina_).status, 403);
  // Not JSON, not multipart.
  const auto text =
      client().request("POST", "/api/v1/letters", "hello",
                       {{"Authorization", "Bearer " + tax_}, {"Content-Type", "text/plain"}, {"Idempotency-Key", "t"}});
  EXPECT_EQ(text.status, 415);
  EXPECT_EQ(count("SELECT COUNT(*) FROM letters"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM letter_blobs"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM letter_submissions"), 0);
  EXPECT_EQ(node_->node().log().size(), 0);
}

TEST_P(MailboxTest, AttachmentsTravelAsMultipartAndComeBackAsDownloadsWithTheirDetectedType) {
  const std::string boundary = "barid-test-boundary";
  Json letter = letter_to(kAmina, "Your certificate");
  const std::string body = multipart(boundary, {{"letter", "", "application/json", letter.dump()},
                                                {"attachment", "certificate.pdf", "application/octet-stream", kPdf},
                                                {"attachment", "notes.bin", "image/png", "plain text really\n"}});
  const auto reply = client().request("POST", "/api/v1/letters", body,
                                      {{"Authorization", "Bearer " + tax_},
                                       {"Content-Type", "multipart/form-data; boundary=" + boundary},
                                       {"Idempotency-Key", "with-attachments"}});
  ASSERT_EQ(reply.status, 201) << reply.body;
  const std::string id = reply.json()["letter"]["id"];
  const auto opened = client().get("/api/v1/mailbox/letters/" + id, amina_);
  ASSERT_EQ(opened.status, 200);
  const Json attachments = opened.json()["attachments"];
  ASSERT_EQ(attachments.size(), 2u);
  EXPECT_EQ(attachments[0]["media_type"], "application/pdf");
  EXPECT_EQ(attachments[1]["media_type"], "text/plain") << "the type comes from the bytes, not the name or the header";
  EXPECT_EQ(attachments[0]["sha256"], crypto::hex_encode(crypto::sha256(kPdf)));

  const auto download = client().get("/api/v1/mailbox/letters/" + id + "/attachments/1", amina_);
  ASSERT_EQ(download.status, 200);
  EXPECT_EQ(download.body, kPdf);
  EXPECT_EQ(download.header("content-type"), "application/pdf");
  EXPECT_EQ(download.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(download.header("content-disposition").rfind("attachment; filename=\"certificate.pdf\"", 0), 0u);
  EXPECT_EQ(client().get("/api/v1/mailbox/letters/" + id + "/attachments/3", amina_).error_code(),
            "attachment_not_found");
  EXPECT_EQ(client().get("/api/v1/mailbox/letters/" + id + "/attachments/1", karim_).status, 404);
  // The evidence binds the attachments' hashes, so an attachment verifies as content too.
  const auto bundle = client().get("/api/v1/letters/" + id + "/evidence/ContentConsignment", tax_).json();
  EXPECT_TRUE(transparency::verify_bundle(bundle, std::vector<std::uint8_t>(kPdf.begin(), kPdf.end())).ok);
}

TEST_P(MailboxTest, AttachmentsBeyondTheLimitsAreRefusedWhole) {
  node_.reset();
  start([](app::Config& config) {
    config.max_attachment_bytes = 1000;
    config.max_letter_bytes = 1500;
  });
  Json letter = letter_to(kAmina, "Big");
  const std::string boundary = "b0undary";
  const auto post = [&](const std::vector<std::string>& files, const std::string& key) {
    std::vector<std::tuple<std::string, std::string, std::string, std::string>> parts = {
        {"letter", "", "application/json", letter.dump()}};
    for (std::size_t i = 0; i < files.size(); ++i) {
      parts.emplace_back("attachment", "file" + std::to_string(i) + ".txt", "text/plain", files[i]);
    }
    return client().request("POST", "/api/v1/letters", multipart(boundary, parts),
                            {{"Authorization", "Bearer " + tax_},
                             {"Content-Type", "multipart/form-data; boundary=" + boundary},
                             {"Idempotency-Key", key}});
  };
  EXPECT_EQ(post({std::string(1001, 'a')}, "big-1").error_code(), "attachment_too_large");
  EXPECT_EQ(post({std::string(800, 'a'), std::string(800, 'b')}, "big-2").error_code(), "letter_too_large");
  EXPECT_EQ(post({std::string(1001, 'a')}, "big-1").status, 413);
  EXPECT_EQ(post({std::string(900, 'a')}, "fits").status, 201);
  EXPECT_EQ(count("SELECT COUNT(*) FROM letters"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM letter_blobs"), 1);
}

TEST_P(MailboxTest, FoldersLabelsSearchAndCursorPagination) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) {
    Json letter =
        letter_to(kAmina, i % 2 == 0 ? "Water bill " + std::to_string(i) : "Court summons " + std::to_string(i), false);
    if (i == 3) letter["case_id"] = "CASE-2026-0003";
    ids.push_back(send_ok(letter, "page-" + std::to_string(i)));
    node_->advance_clock(1000);
  }
  // Newest first, three at a time.
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    const auto page =
        client().get("/api/v1/mailbox/letters?limit=3" + (cursor.empty() ? "" : "&cursor=" + cursor), amina_);
    ASSERT_EQ(page.status, 200) << page.body;
    const Json letters = page.json()["letters"];
    for (const auto& letter : letters) seen.push_back(letter["id"]);
    cursor = page.json()["next_cursor"].is_null() ? "" : page.json()["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, std::vector<std::string>(ids.rbegin(), ids.rend()));
  EXPECT_EQ(client().get("/api/v1/mailbox/letters?cursor=garbage", amina_).error_code(), "invalid_cursor");

  // Subject search (case-insensitive), case id, sender, dates.
  const auto water = client().get("/api/v1/mailbox/letters?q=WATER", amina_).json()["letters"];
  EXPECT_EQ(water.size(), 4u);
  const auto by_case = client().get("/api/v1/mailbox/letters?case_id=CASE-2026-0003", amina_).json()["letters"];
  ASSERT_EQ(by_case.size(), 1u);
  EXPECT_EQ(by_case[0]["id"], ids[3]);
  EXPECT_EQ(client().get("/api/v1/mailbox/letters?sender=EG-ETA", amina_).json()["letters"].size(), 7u);
  EXPECT_EQ(client().get("/api/v1/mailbox/letters?sender=NOBODY", amina_).json()["letters"].size(), 0u);
  EXPECT_EQ(client()
                .get("/api/v1/mailbox/letters?from=" + format_utc_ms(node_->clock_ms() + 60'000), amina_)
                .json()["letters"]
                .size(),
            0u);

  // Read state, folders and labels.
  const auto patch = [&](const std::string& id, const Json& change) {
    return client().request("PATCH", "/api/v1/mailbox/letters/" + id, change.dump(),
                            {{"Authorization", "Bearer " + amina_}, {"Content-Type", "application/json"}});
  };
  EXPECT_EQ(client().get("/api/v1/mailbox/letters?unread=true", amina_).json()["letters"].size(), 7u);
  EXPECT_EQ(client().get("/api/v1/mailbox/letters/" + ids[0], amina_).status, 200);
  EXPECT_EQ(client().get("/api/v1/mailbox/letters?unread=true", amina_).json()["letters"].size(), 6u);
  EXPECT_EQ(patch(ids[0], {{"unread", true}}).json()["unread"], true);
  EXPECT_EQ(patch(ids[1], {{"folder", "archive"}}).json()["folder"], "archive");
  EXPECT_EQ(patch(ids[2], {{"folder", "trash"}}).status, 200);
  EXPECT_EQ(patch(ids[2], {{"folder", "nowhere"}}).error_code(), "invalid_folder");
  EXPECT_EQ(client().get("/api/v1/mailbox/letters", amina_).json()["letters"].size(), 5u);
  EXPECT_EQ(client().get("/api/v1/mailbox/letters?folder=archive", amina_).json()["letters"].size(), 1u);
  EXPECT_EQ(client().get("/api/v1/mailbox/letters?folder=all", amina_).json()["letters"].size(), 7u);
  const auto label = client().post_json("/api/v1/mailbox/labels", {{"name", "Taxes"}}, amina_);
  ASSERT_EQ(label.status, 201);
  const std::string label_id = label.json()["id"];
  EXPECT_EQ(client().post_json("/api/v1/mailbox/labels", {{"name", "Taxes"}}, amina_).error_code(), "label_exists");
  EXPECT_EQ(patch(ids[4], {{"add_labels", {label_id}}}).json()["labels"][0], label_id);
  const auto labelled = client().get("/api/v1/mailbox/letters?label=" + label_id, amina_).json()["letters"];
  ASSERT_EQ(labelled.size(), 1u);
  EXPECT_EQ(labelled[0]["id"], ids[4]);
  // Someone else's label cannot be put on one's letters, nor one's letters moved by someone else.
  const auto karim_label = client().post_json("/api/v1/mailbox/labels", {{"name", "Mine"}}, karim_).json()["id"];
  EXPECT_EQ(patch(ids[4], {{"add_labels", {karim_label}}}).error_code(), "label_not_found");
  EXPECT_EQ(client()
                .request("PATCH", "/api/v1/mailbox/letters/" + ids[4], Json{{"folder", "trash"}}.dump(),
                         {{"Authorization", "Bearer " + karim_}, {"Content-Type", "application/json"}})
                .status,
            404);
  EXPECT_EQ(client().del("/api/v1/mailbox/labels/" + label_id, amina_).status, 204);
  EXPECT_TRUE(client().get("/api/v1/mailbox/letters/" + ids[4], amina_).json()["labels"].empty());
}

TEST_P(MailboxTest, ADelegateReadsTheMailboxAndTheEvidenceNamesThem) {
  const std::string id = send_ok(letter_to(kAmina, "For Amina"), "delegated");
  // Without a delegation Karim sees nothing of Amina's.
  const std::string amina_party = node_->party_id_of("amina");
  EXPECT_EQ(client().get("/api/v1/mailbox/letters?party_id=" + amina_party, karim_).status, 404);
  const auto granted = client().post_json("/api/v1/delegations",
                                          {{"grantee_login", "karim"},
                                           {"grantee_identifier", kKarim},
                                           {"scopes", {"mailbox:read"}},
                                           {"expires_at", format_utc_ms(node_->clock_ms() + kDayMs)}},
                                          amina_);
  ASSERT_EQ(granted.status, 201) << granted.body;
  const std::string delegation_id = granted.json()["id"];
  const auto listed = client().get("/api/v1/mailbox/letters?party_id=" + amina_party, karim_);
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(listed.json()["letters"].size(), 1u);
  const auto opened = client().get("/api/v1/mailbox/letters/" + id, karim_);
  ASSERT_EQ(opened.status, 200) << opened.body;
  const auto bundle = client().get("/api/v1/letters/" + id + "/evidence/ContentHandover", tax_);
  const Json actor = bundle.json()["record"]["actor"];
  EXPECT_EQ(actor["capacity"], "delegate");
  EXPECT_EQ(actor["login"], "karim");
  EXPECT_EQ(actor["delegation_id"], delegation_id);
  // The access log shows it to Amina.
  const auto log = client().get("/api/v1/me/access-log", amina_);
  std::set<std::string> actions;
  const Json entries = log.json()["entries"];
  for (const auto& entry : entries) {
    if (entry["actor_login"] == "karim") actions.insert(entry["action"].get<std::string>());
  }
  EXPECT_TRUE(actions.contains("mailbox.list"));
  EXPECT_TRUE(actions.contains("mailbox.open"));
  // mailbox:read is not mailbox:reply, and moving letters stays the owner's.
  const auto reply = client().request(
      "POST", "/api/v1/mailbox/letters/" + id + "/replies", Json{{"body", "hi"}}.dump(),
      {{"Authorization", "Bearer " + karim_}, {"Content-Type", "application/json"}, {"Idempotency-Key", "r1"}});
  EXPECT_EQ(reply.status, 404);
}

TEST_P(MailboxTest, RepliesFollowTheSendersRules) {
  Json letter = letter_to(kAmina, "Please confirm", false);
  letter["reply_allowed"] = true;
  letter["reply_by"] = format_utc_ms(node_->clock_ms() + 2 * kDayMs);
  const std::string id = send_ok(letter, "replyable");
  const std::string closed = send_ok(letter_to(kAmina, "No replies", false), "closed");
  const auto reply = [&](const std::string& letter_id, const std::string& key) {
    return client().request(
        "POST", "/api/v1/mailbox/letters/" + letter_id + "/replies", Json{{"body", "I confirm."}}.dump(),
        {{"Authorization", "Bearer " + amina_}, {"Content-Type", "application/json"}, {"Idempotency-Key", key}});
  };
  const auto sent = reply(id, "reply-1");
  ASSERT_EQ(sent.status, 201) << sent.body;
  // The reply reaches the authority's mailbox, in the same thread, titled after the original.
  const auto inbox = client().get("/api/v1/mailbox/letters", tax_).json()["letters"];
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0]["subject"], "Re: Please confirm");
  EXPECT_EQ(inbox[0]["thread_id"], id);
  EXPECT_EQ(client().get("/api/v1/mailbox/letters/" + inbox[0]["id"].get<std::string>(), tax_).json()["in_reply_to"],
            id);
  EXPECT_EQ(reply(closed, "reply-2").error_code(), "reply_not_allowed");
  pass_days(3);
  EXPECT_EQ(reply(id, "reply-3").error_code(), "reply_period_over");
  EXPECT_EQ(reply("00000000-0000-7000-8000-000000000000", "reply-4").status, 404);
}

TEST_P(MailboxTest, ARecipientForwardsALetterWithItsAttachmentsInTheSameThread) {
  Json letter = letter_to(kAmina, "Court date");
  letter["attachments"] = {
      {{"file_name", "summons.pdf"},
       {"content_base64", crypto::base64_encode(std::vector<std::uint8_t>(kPdf.begin(), kPdf.end()))}}};
  const std::string id = send_ok(letter, "to-forward");
  const auto forward = [&](const std::string& token, const Json& body, const std::string& key) {
    return client().request(
        "POST", "/api/v1/mailbox/letters/" + id + "/forwards", body.dump(),
        {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}, {"Idempotency-Key", key}});
  };
  const Json to_karim = {{"recipient", {{"type", "national_id"}, {"id", kKarim}}}, {"comment", "For your advice."}};
  const auto sent = forward(amina_, to_karim, "fwd-1");
  ASSERT_EQ(sent.status, 201) << sent.body;
  // Forwarding read the letter: its handover is recorded for the sender.
  EXPECT_FALSE(client().get("/api/v1/letters/" + id, tax_).json()["opened_at"].is_null());
  const auto inbox = client().get("/api/v1/mailbox/letters", karim_).json()["letters"];
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0]["subject"], "Fwd: Court date");
  EXPECT_EQ(inbox[0]["thread_id"], id);
  EXPECT_EQ(inbox[0]["sender"]["identifier"], kAmina);
  const auto opened = client().get("/api/v1/mailbox/letters/" + inbox[0]["id"].get<std::string>(), karim_).json();
  const std::string body = opened["body"];
  EXPECT_EQ(body.rfind("For your advice.", 0), 0u) << body;
  EXPECT_NE(body.find("your assessment for 2026 is ready."), std::string::npos);
  EXPECT_EQ(opened["in_reply_to"], id);
  ASSERT_EQ(opened["attachments"].size(), 1u);
  EXPECT_EQ(
      client().get("/api/v1/mailbox/letters/" + inbox[0]["id"].get<std::string>() + "/attachments/1", karim_).body,
      kPdf);
  EXPECT_EQ(count("SELECT COUNT(*) FROM letter_blobs"), 1) << "the attachment is shared, not copied";
  // Only the letter's recipient side may forward it; unknown recipients are refused.
  EXPECT_EQ(forward(karim_, to_karim, "fwd-2").status, 404);
  EXPECT_EQ(forward(amina_, {{"recipient", {{"id", "10101010101010"}}}}, "fwd-3").error_code(), "unknown_recipient");
  EXPECT_EQ(forward(amina_, to_karim, "fwd-1").header("idempotent-replayed"), "true");
}

TEST_P(MailboxTest, DeferredLettersAreConsignedWhenTheirTimeComes) {
  Json letter = letter_to(kAmina, "Later");
  letter["deliver_after"] = format_utc_ms(node_->clock_ms() + 2 * kDayMs);
  const auto sent = send(letter, "deferred");
  ASSERT_EQ(sent.status, 201);
  EXPECT_EQ(sent.json()["letter"]["state"], "accepted");
  EXPECT_EQ(events(sent.json()["letter"]["evidence"]), std::vector<std::string>{"SubmissionAcceptance"});
  EXPECT_TRUE(client().get("/api/v1/mailbox/letters", amina_).json()["letters"].empty());
  node_->node().run_background_once();
  EXPECT_TRUE(client().get("/api/v1/mailbox/letters", amina_).json()["letters"].empty());
  pass_days(2);
  node_->node().run_background_once();
  const auto listed = client().get("/api/v1/mailbox/letters", amina_).json()["letters"];
  ASSERT_EQ(listed.size(), 1u);
  const auto view = client().get("/api/v1/letters/" + sent.json()["letter"]["id"].get<std::string>(), tax_).json();
  EXPECT_EQ(view["state"], "consigned");
  EXPECT_EQ(events(view["evidence"]), (std::vector<std::string>{"SubmissionAcceptance", "ContentConsignment"}));
}

TEST_P(MailboxTest, UnopenedRegisteredLettersArePrintedAndRelayedToPaper) {
  const std::string unopened = send_ok(letter_to(kAmina, "Final notice"), "unopened");
  const std::string opened = send_ok(letter_to(kAmina, "Read in time"), "opened");
  EXPECT_EQ(client().get("/api/v1/mailbox/letters/" + opened, amina_).status, 200);
  // A recipient nobody logs in for goes to paper at once.
  auto paper =
      node_->node().identity().create_party({PartyKind::citizen, "30303030303030", "مواطن بلا صندوق", "Offline Citizen",
                                             std::nullopt, std::nullopt, "ar", "12 شارع النيل\nالقاهرة 11511"});
  ASSERT_TRUE(paper.ok());
  const auto on_paper = send(letter_to("30303030303030", "Paper letter"), "paper");
  ASSERT_EQ(on_paper.status, 201);
  EXPECT_EQ(on_paper.json()["letter"]["state"], "to_print");
  EXPECT_EQ(on_paper.json()["letter"]["channel"], "paper");

  pass_days(14);
  node_->node().run_background_once();
  EXPECT_EQ(client().get("/api/v1/print-queue", clerk_).json()["letters"].size(), 1u);
  pass_days(2);
  node_->node().run_background_once();
  const auto queue = client().get("/api/v1/print-queue", clerk_);
  ASSERT_EQ(queue.status, 200);
  ASSERT_EQ(queue.json()["letters"].size(), 2u);
  const auto view = client().get("/api/v1/letters/" + unopened, tax_).json();
  EXPECT_EQ(view["state"], "to_print");
  EXPECT_EQ(events(view["evidence"]),
            (std::vector<std::string>{"SubmissionAcceptance", "ContentConsignment", "ContentHandoverFailure"}));
  EXPECT_EQ(
      client().get("/api/v1/letters/" + unopened + "/evidence/ContentHandoverFailure", tax_).json()["record"]["reason"],
      "not_opened_within_deadline");
  EXPECT_EQ(client().get("/api/v1/letters/" + opened, tax_).json()["state"], "consigned");

  // The clerk prints a batch: a PDF with the address block, then marks it printed.
  const auto batch = client().post_json("/api/v1/print-batches", {{"max_letters", 10}}, clerk_);
  ASSERT_EQ(batch.status, 201) << batch.body;
  const std::string batch_id = batch.json()["id"];
  EXPECT_EQ(batch.json()["letter_count"], 2);
  EXPECT_TRUE(client().get("/api/v1/print-queue", clerk_).json()["letters"].empty());
  const auto pdf = client().get("/api/v1/print-batches/" + batch_id + "/document.pdf", clerk_);
  ASSERT_EQ(pdf.status, 200);
  EXPECT_EQ(pdf.body.rfind("%PDF-", 0), 0u);
  const std::string pdf_path = node_->data_dir() + "/batch.pdf";
  std::ofstream(pdf_path, std::ios::binary) << pdf.body;
  FILE* pipe = ::popen(("pdftotext -layout " + pdf_path + " - 2>/dev/null").c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string text;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) text.append(buffer, n);
  ::pclose(pipe);
  EXPECT_NE(text.find("Paper letter"), std::string::npos);
  EXPECT_NE(text.find("Final notice"), std::string::npos);
  EXPECT_NE(text.find("11511"), std::string::npos);
  // Printing read the letters: their recipients see it in their access log.
  const auto log = client().get("/api/v1/me/access-log", amina_).json()["entries"];
  EXPECT_TRUE(std::any_of(log.begin(), log.end(), [](const Json& e) { return e["action"] == "mailbox.print"; }));

  const auto printed = client().post_json("/api/v1/print-batches/" + batch_id + "/printed", Json::object(), clerk_);
  ASSERT_EQ(printed.status, 200) << printed.body;
  EXPECT_EQ(printed.json()["status"], "printed");
  EXPECT_EQ(client().post_json("/api/v1/print-batches/" + batch_id + "/printed", Json::object(), clerk_).error_code(),
            "print_batch_already_printed");
  const auto relayed = client().get("/api/v1/letters/" + unopened + "/evidence/RelayToNonERDS", tax_);
  ASSERT_EQ(relayed.status, 200);
  EXPECT_EQ(relayed.json()["record"]["actor"]["capacity"], "print_centre");
  EXPECT_EQ(relayed.json()["record"]["actor"]["login"], "clerk");
  EXPECT_EQ(client().get("/api/v1/letters/" + unopened, tax_).json()["state"], "printed");
  EXPECT_EQ(client().post_json("/api/v1/print-batches", Json::object(), clerk_).error_code(), "print_queue_empty");

  const auto stats = client().get("/api/v1/stats/sustainability").json();
  EXPECT_EQ(stats["letters_printed"], 2);
  EXPECT_EQ(stats["letters_digital"], 1);
  EXPECT_EQ(stats["sheets_saved"], 2);
  EXPECT_GT(stats["co2_saved_kg"].get<double>(), 0.0);
}

TEST_P(MailboxTest, RetentionDestroysTheContentAndKeepsTheEvidence) {
  const auto set = client().send_json("PUT", "/api/v1/admin/senders/" + node_->party_id_of("tax") + "/retention",
                                      {{"retention_days", 30}}, admin_);
  ASSERT_EQ(set.status, 204) << set.body;
  Json letter = letter_to(kAmina, "Short-lived");
  letter["attachments"] = {{{"file_name", "a.txt"}, {"content_base64", "aGVsbG8gd29ybGQK"}}};
  const std::string id = send_ok(letter, "retention");
  EXPECT_EQ(client().get("/api/v1/mailbox/letters/" + id, amina_).status, 200);
  pass_days(31);
  node_->node().run_background_once();
  const auto gone = client().get("/api/v1/mailbox/letters/" + id, amina_);
  EXPECT_EQ(gone.status, 410);
  EXPECT_EQ(gone.error_code(), "content_destroyed");
  const auto listed = client().get("/api/v1/mailbox/letters", amina_).json()["letters"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["content_destroyed"], true);
  EXPECT_EQ(listed[0]["subject"], "");
  EXPECT_EQ(count("SELECT COUNT(*) FROM letters WHERE wrapped_key IS NOT NULL OR content_sealed IS NOT NULL"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM letter_blobs"), 0);
  const auto bundle = client().get("/api/v1/letters/" + id + "/evidence/ContentHandover", tax_);
  ASSERT_EQ(bundle.status, 200);
  EXPECT_TRUE(transparency::verify_bundle(bundle.json()).ok);
  EXPECT_EQ(client()
                .send_json("PUT", "/api/v1/admin/senders/" + node_->party_id_of("tax") + "/retention",
                           {{"retention_days", 0}}, admin_)
                .error_code(),
            "invalid_retention");
}

TEST_P(MailboxTest, NotificationsCarryOnlyTheNotificationText) {
  SmtpSink smtp;
  HttpSink sms;
  node_.reset();
  start([&](app::Config& config) {
    config.smtp_url = smtp.url();
    config.smtp_from = "barid@post.example";
    config.sms_webhook_url = sms.url("/sms");
    config.sms_webhook_secret = "webhook secret";
  });
  auto party =
      node_->node().identity().create_party({PartyKind::citizen, "40404040404040", "سلمى", "Salma",
                                             std::string("salma@example.org"), std::string("+201001234567"), "en"});
  ASSERT_TRUE(party.ok());
  ASSERT_TRUE(node_->node().identity().create_user({"salma", party->id, {Role::citizen}, kTestPassword}).ok());
  Json letter = letter_to("40404040404040", "SECRET-SUBJECT-MARKER");
  letter["body"] = "SECRET-BODY-MARKER";
  letter["notification"] = "Your tax assessment is ready";
  send_ok(letter, "notify");
  node_->node().run_background_once();
  const auto mails = smtp.messages();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].recipients, std::vector<std::string>{"salma@example.org"});
  EXPECT_EQ(mails[0].data.find("SECRET-"), std::string::npos);
  // The body travels in base64: decoded, it is the notification text and a link, nothing else.
  const auto blank = mails[0].data.find("\r\n\r\n");
  ASSERT_NE(blank, std::string::npos);
  std::string encoded;
  for (const char c : mails[0].data.substr(blank + 4)) {
    if (c != '\r' && c != '\n' && c != '.') encoded += c;
  }
  crypto::Bytes decoded;
  ASSERT_TRUE(crypto::base64_decode(encoded, decoded)) << encoded;
  const std::string text(decoded.begin(), decoded.end());
  EXPECT_NE(text.find("Your tax assessment is ready"), std::string::npos) << text;
  EXPECT_EQ(text.find("SECRET-"), std::string::npos) << text;
  const auto requests = sms.requests();
  ASSERT_EQ(requests.size(), 1u);
  const Json payload = Json::parse(requests[0].body);
  EXPECT_EQ(payload["to"], "+201001234567");
  EXPECT_EQ(payload["text"], "Your tax assessment is ready");
  EXPECT_EQ(requests[0].body.find("SECRET-"), std::string::npos);
  // Nothing is sent twice.
  node_->node().run_background_once();
  EXPECT_EQ(smtp.messages().size(), 1u);
  EXPECT_EQ(sms.requests().size(), 1u);
}

TEST_P(MailboxTest, BulkSendingDeliversEachRecipientOnceAndReportsPerLine) {
  const std::string csv = std::string("recipient,name,amount\n") + kAmina + ",Amina,1200\n" + kKarim +
                          ",Karim,*80*\n99999999999999,Nobody,5\n";
  const Json request = {{"template",
                         {{"subject", "Assessment for {{name}}"},
                          {"body", "Dear {{name}}, you owe **{{amount}}** EGP."},
                          {"body_format", "markdown"},
                          {"kind", "registered"}}},
                        {"recipients_csv", csv}};
  const auto post = [&](const Json& body, const std::string& key) {
    return client().request(
        "POST", "/api/v1/letter-batches", body.dump(),
        {{"Authorization", "Bearer " + tax_}, {"Content-Type", "application/json"}, {"Idempotency-Key", key}});
  };
  const auto accepted = post(request, "batch-1");
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  const std::string batch_id = accepted.json()["id"];
  EXPECT_EQ(accepted.json()["total"], 3);
  EXPECT_EQ(accepted.json()["status"], "queued");
  // The same key again makes nothing new; another batch under it is refused.
  const auto again = post(request, "batch-1");
  EXPECT_EQ(again.status, 202);
  EXPECT_EQ(again.json()["id"], batch_id);
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  Json other = request;
  other["recipients_csv"] = std::string("recipient,name,amount\n") + kAmina + ",A,1\n";
  EXPECT_EQ(post(other, "batch-1").error_code(), "idempotency_key_reused");

  node_->node().run_background_once();
  const auto progress = client().get("/api/v1/letter-batches/" + batch_id, tax_).json();
  EXPECT_EQ(progress["status"], "done");
  EXPECT_EQ(progress["accepted"], 2);
  EXPECT_EQ(progress["rejected"], 1);
  EXPECT_EQ(progress["consigned"], 2);
  const auto results = client().get("/api/v1/letter-batches/" + batch_id + "/results", tax_).json()["results"];
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0]["line"], 2);
  EXPECT_EQ(results[0]["status"], "accepted");
  EXPECT_EQ(results[2]["status"], "rejected");
  EXPECT_EQ(results[2]["error_code"], "unknown_recipient");
  const auto csv_results = client().get("/api/v1/letter-batches/" + batch_id + "/results?format=csv", tax_);
  EXPECT_NE(csv_results.body.find("4,national_id,99999999999999,rejected,"), std::string::npos) << csv_results.body;

  // Each recipient got its own letter, the fields filled in, and Markdown in a field shown as text.
  const auto karim_letters = client().get("/api/v1/mailbox/letters", karim_).json()["letters"];
  ASSERT_EQ(karim_letters.size(), 1u);
  EXPECT_EQ(karim_letters[0]["subject"], "Assessment for Karim");
  const auto opened =
      client().get("/api/v1/mailbox/letters/" + karim_letters[0]["id"].get<std::string>(), karim_).json();
  EXPECT_NE(opened["body_html"].get<std::string>().find("<strong>*80*</strong>"), std::string::npos)
      << opened["body_html"];
  EXPECT_EQ(events(opened["evidence"]),
            (std::vector<std::string>{"SubmissionAcceptance", "ContentConsignment", "ContentHandover"}));
  // One letter per line, one rejection evidence for the unknown recipient, and the log is intact.
  EXPECT_EQ(count("SELECT COUNT(*) FROM letters WHERE batch_id IS NOT NULL"), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM letters WHERE state = 'rejected'"), 1);
  EXPECT_TRUE(node_->node().log().check().ok());
  EXPECT_EQ(client().get("/api/v1/letter-batches/" + batch_id, amina_).status, 403);
}

TEST_P(MailboxTest, AMalformedRecipientFileIsRefusedWholeWithItsLineNumbers) {
  const std::string csv = std::string("recipient,name\n") + kAmina + ",Amina\n" + kKarim + "\n" + kAmina + ",Again\n";
  const auto reply = client().request(
      "POST", "/api/v1/letter-batches",
      Json{{"template", {{"subject", "Hi {{name}}"}, {"body", "b"}}}, {"recipients_csv", csv}}.dump(),
      {{"Authorization", "Bearer " + tax_}, {"Content-Type", "application/json"}, {"Idempotency-Key", "bad-file"}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.error_code(), "malformed_recipient_file");
  const Json problems = reply.json()["problems"];
  ASSERT_EQ(problems.size(), 2u) << reply.body;
  EXPECT_EQ(problems[0]["line"], 3);
  EXPECT_EQ(problems[0]["code"], "wrong_column_count");
  EXPECT_EQ(problems[1]["line"], 4);
  EXPECT_EQ(problems[1]["code"], "duplicate_recipient");
  // A field the template needs but the file lacks.
  const auto missing = client().request(
      "POST", "/api/v1/letter-batches",
      Json{{"template", {{"subject", "Hi {{name}}"}, {"body", "{{unknown}}"}}},
           {"recipients_csv", std::string("recipient,name\n") + kAmina + ",A\n"}}
          .dump(),
      {{"Authorization", "Bearer " + tax_}, {"Content-Type", "application/json"}, {"Idempotency-Key", "bad-field"}});
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.json()["problems"][0]["code"], "missing_field");
  EXPECT_EQ(count("SELECT COUNT(*) FROM letter_batches"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM letter_batch_items"), 0);
}

TEST_P(MailboxTest, ContentIsSealedAtRestUnderKeysTheDatabaseDoesNotHold) {
  Json letter = letter_to(kAmina, "MARKER-SUBJECT-8c1f");
  letter["body"] = "MARKER-BODY-8c1f";
  letter["case_id"] = "MARKER-CASE-8c1f";
  letter["attachments"] = {{{"file_name", "MARKER-NAME-8c1f.txt"},
                            {"content_base64", crypto::base64_encode(std::vector<std::uint8_t>{
                                                   'M', 'A', 'R', 'K', 'E', 'R', '-', 'B', 'Y', 'T', 'E', 'S'})}}};
  const std::string id = send_ok(letter, "sealed");
  const auto row = node_->node().store().read<std::optional<store::Row>>([&](store::Transaction& tx) {
    return tx.query_one("SELECT subject_sealed, content_sealed, wrapped_key, case_id_tag FROM letters WHERE id = ?",
                        {id});
  });
  ASSERT_TRUE(row.has_value());
  for (std::size_t column = 0; column < 3; ++column) {
    const auto bytes = row->blob(column);
    const std::string text(bytes.begin(), bytes.end());
    EXPECT_EQ(text.find("MARKER"), std::string::npos) << column;
  }
  EXPECT_EQ(row->text(3).find("MARKER"), std::string::npos);
  // A ciphertext moved to another letter's row does not open there (bound to its letter).
  const std::string other = send_ok(letter_to(kAmina, "Other"), "sealed-2");
  node_->node().store().run_write([&](store::Transaction& tx) {
    tx.execute("UPDATE letters SET content_sealed = (SELECT content_sealed FROM letters WHERE id = ?) WHERE id = ?",
               {id, other});
    return true;
  });
  EXPECT_EQ(client().get("/api/v1/mailbox/letters/" + other, amina_).status, 500);
  EXPECT_EQ(client().get("/api/v1/mailbox/letters/" + id, amina_).json()["body"], "MARKER-BODY-8c1f");
}

TEST_P(MailboxTest, TheLogPublishesSignedHeadsAndProofsWithoutEntries) {
  send_ok(letter_to(kAmina, "One"), "log-1");
  send_ok(letter_to(kAmina, "Two"), "log-2");
  const auto head = client().get("/api/v1/log/tree-head");
  ASSERT_EQ(head.status, 200);
  EXPECT_EQ(head.json()["tree_size"], 4);
  EXPECT_EQ(head.json()["public_key"], crypto::hex_encode(node_->node().operator_key().public_key));
  transparency::TreeHead signed_head;
  signed_head.tree_size = head.json()["tree_size"];
  signed_head.timestamp_ms = head.json()["timestamp_ms"];
  crypto::Bytes bytes;
  ASSERT_TRUE(crypto::hex_decode(head.json()["root_hash"].get<std::string>(), bytes));
  std::copy(bytes.begin(), bytes.end(), signed_head.root.begin());
  ASSERT_TRUE(crypto::hex_decode(head.json()["signature"].get<std::string>(), bytes));
  std::copy(bytes.begin(), bytes.end(), signed_head.signature.begin());
  EXPECT_TRUE(transparency::verify_tree_head(node_->node().operator_key().public_key, signed_head));

  const auto inclusion = client().get("/api/v1/log/proofs/inclusion?index=2&tree_size=4").json();
  std::vector<transparency::Hash> path;
  for (const auto& hex : inclusion["hashes"]) {
    ASSERT_TRUE(crypto::hex_decode(hex.get<std::string>(), bytes));
    transparency::Hash hash{};
    std::copy(bytes.begin(), bytes.end(), hash.begin());
    path.push_back(hash);
  }
  transparency::Hash leaf{};
  ASSERT_TRUE(crypto::hex_decode(inclusion["leaf_hash"].get<std::string>(), bytes));
  std::copy(bytes.begin(), bytes.end(), leaf.begin());
  EXPECT_TRUE(transparency::verify_inclusion(leaf, 2, 4, path, signed_head.root));
  EXPECT_FALSE(inclusion.contains("entry"));
  const auto consistency = client().get("/api/v1/log/proofs/consistency?first=2&second=4");
  EXPECT_EQ(consistency.status, 200);
  EXPECT_EQ(client().get("/api/v1/log/proofs/inclusion?index=9&tree_size=4").error_code(), "index_out_of_range");
  EXPECT_EQ(client().get("/api/v1/log/proofs/inclusion?index=0&tree_size=99").error_code(), "tree_size_out_of_range");
  EXPECT_EQ(client().get("/api/v1/log/proofs/inclusion?index=x&tree_size=1").error_code(), "invalid_index");

  // The public verification answers for a genuine and a tampered bundle.
  const std::string id = client().get("/api/v1/letters", tax_).json()["letters"][0]["id"];
  const Json bundle = client().get("/api/v1/letters/" + id + "/evidence/SubmissionAcceptance", tax_).json();
  const auto good = client().post_json("/api/v1/verify", {{"bundle", bundle}});
  EXPECT_EQ(good.json()["valid"], true) << good.body;
  EXPECT_EQ(good.json()["signed_by_this_node"], true);
  Json tampered = bundle;
  tampered["record"]["time"] = "2020-01-01T00:00:00.000Z";
  EXPECT_EQ(client().post_json("/api/v1/verify", {{"bundle", tampered}}).json()["valid"], false);
  // Hostile shapes get a verdict, never a 500.
  for (const Json& hostile :
       {Json{{"format", 5}}, Json::array(), Json{{"format", "barid-evidence-bundle/1"}, {"entry", 1}}}) {
    const auto reply = client().post_json("/api/v1/verify", {{"bundle", hostile}});
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.json()["valid"], false);
  }
}

TEST_P(MailboxTest, TheDataExportHoldsTheMailbox) {
  const std::string id = send_ok(letter_to(kAmina, "Exported"), "export");
  const auto exported = client().get("/api/v1/me/export", amina_);
  ASSERT_EQ(exported.status, 200);
  const Json received = exported.json()["mailbox"]["letters_received"];
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0]["id"], id);
  EXPECT_EQ(received[0]["document"]["subject"], "Exported");
  EXPECT_EQ(client().get("/api/v1/me/export", tax_).json()["mailbox"]["letters_sent"].size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, MailboxTest, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace barid::testing
