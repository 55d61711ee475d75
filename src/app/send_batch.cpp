#include "send_batch.hpp"

#include "http_call.hpp"

#include <barid/core/json.hpp>
#include <barid/crypto/crypto.hpp>

#include <curl/curl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace barid::app {
namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void draw(const Json& progress, bool terminal) {
  const auto total = progress.value("total", std::int64_t{0});
  const auto done = progress.value("accepted", std::int64_t{0}) + progress.value("rejected", std::int64_t{0});
  const int width = 40;
  const int filled = total > 0 ? static_cast<int>(done * width / total) : 0;
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(width - filled), '.');
  std::fprintf(stderr, "%s[%s] %3lld%%  %lld/%lld  accepted %lld  rejected %lld  in mailboxes %lld%s",
               terminal ? "\r" : "", bar.c_str(), static_cast<long long>(total > 0 ? done * 100 / total : 100),
               static_cast<long long>(done), static_cast<long long>(total),
               static_cast<long long>(progress.value("accepted", std::int64_t{0})),
               static_cast<long long>(progress.value("rejected", std::int64_t{0})),
               static_cast<long long>(progress.value("consigned", std::int64_t{0})), terminal ? "" : "\n");
  std::fflush(stderr);
}

}  // namespace

int send_batch(const SendBatchOptions& options) {
  const auto fail = [](const std::string& reason) {
    std::fprintf(stderr, "barid send-batch: %s\n", reason.c_str());
    return 1;
  };
  std::string url = options.url;
  if (url.empty()) url = std::getenv("BARID_URL") != nullptr ? std::getenv("BARID_URL") : "http://127.0.0.1:8080";
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::string token = options.token;
  if (token.empty() && std::getenv("BARID_TOKEN") != nullptr) token = std::getenv("BARID_TOKEN");
  if (token.empty()) return fail("give --token or set BARID_TOKEN (a session token or an API key)");

  const auto template_text = read_file(options.template_file);
  if (!template_text) return fail("cannot read " + options.template_file);
  const auto recipients = read_file(options.recipients_file);
  if (!recipients) return fail("cannot read " + options.recipients_file);
  std::vector<std::string> attachment_bytes;
  for (const auto& path : options.attachments) {
    auto bytes = read_file(path);
    if (!bytes) return fail("cannot read " + path);
    attachment_bytes.push_back(std::move(*bytes));
  }
  // The same files give the same key, so running the command again never sends a batch twice.
  std::string key = options.idempotency_key;
  if (key.empty()) {
    std::string all = *template_text + "\n" + *recipients;
    for (const auto& bytes : attachment_bytes) all += "\n" + crypto::hex_encode(crypto::sha256(bytes));
    key = "send-batch-" + crypto::hex_encode(crypto::sha256(all)).substr(0, 32);
  }

  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL* mime_owner = curl_easy_init();
  curl_mime* mime = curl_mime_init(mime_owner);
  curl_mimepart* part = curl_mime_addpart(mime);
  curl_mime_name(part, "template");
  curl_mime_data(part, template_text->data(), template_text->size());
  curl_mime_type(part, "application/json");
  part = curl_mime_addpart(mime);
  curl_mime_name(part, "recipients");
  curl_mime_data(part, recipients->data(), recipients->size());
  const std::string file_name = options.recipients_file.substr(options.recipients_file.find_last_of('/') + 1);
  curl_mime_filename(part, file_name.c_str());
  for (std::size_t i = 0; i < attachment_bytes.size(); ++i) {
    part = curl_mime_addpart(mime);
    curl_mime_name(part, "attachment");
    curl_mime_data(part, attachment_bytes[i].data(), attachment_bytes[i].size());
    const auto& path = options.attachments[i];
    curl_mime_filename(part, path.substr(path.find_last_of('/') + 1).c_str());
  }
  const HttpReply accepted =
      http_call("POST", url + "/api/v1/letter-batches", token, "", "", {"Idempotency-Key: " + key}, mime);
  curl_mime_free(mime);
  curl_easy_cleanup(mime_owner);
  if (accepted.status != 202) {
    auto json = parse_json(accepted.body);
    if (json && json->contains("problems")) {
      std::fprintf(stderr, "barid send-batch: the recipient file was refused, nothing was sent:\n");
      for (const auto& problem : (*json)["problems"]) {
        std::fprintf(stderr, "  line %lld: %s (%s)\n", static_cast<long long>(problem.value("line", std::int64_t{0})),
                     problem.value("message", "").c_str(), problem.value("code", "").c_str());
      }
      return 1;
    }
    return fail("the server refused the batch: " + accepted.error_text());
  }
  auto progress = parse_json(accepted.body);
  if (!progress) return fail("the server's answer is not JSON");
  const std::string batch_id = progress->value("id", "");
  std::printf("batch %s accepted: %lld recipients\n", batch_id.c_str(),
              static_cast<long long>(progress->value("total", std::int64_t{0})));
  std::fflush(stdout);
  if (options.no_wait) return 0;

  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  auto last_drawn = std::chrono::steady_clock::now() - std::chrono::hours(1);
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (terminal || now - last_drawn >= std::chrono::seconds(2) || progress->value("status", "") == "done") {
      draw(*progress, terminal);
      last_drawn = now;
    }
    if (progress->value("status", "") == "done") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    const HttpReply polled = http_call("GET", url + "/api/v1/letter-batches/" + batch_id, token);
    if (polled.status != 200) return fail("cannot follow the batch: " + polled.error_text());
    auto next = parse_json(polled.body);
    if (!next) return fail("the server's answer is not JSON");
    progress = std::move(next);
  }
  if (terminal) std::fprintf(stderr, "\n");
  std::printf("done: %lld accepted, %lld rejected, %lld in mailboxes\n",
              static_cast<long long>(progress->value("accepted", std::int64_t{0})),
              static_cast<long long>(progress->value("rejected", std::int64_t{0})),
              static_cast<long long>(progress->value("consigned", std::int64_t{0})));
  if (!options.results_file.empty()) {
    const HttpReply results =
        http_call("GET", url + "/api/v1/letter-batches/" + batch_id + "/results?format=csv", token);
    if (results.status != 200) return fail("cannot download the results: " + results.error_text());
    std::ofstream(options.results_file, std::ios::binary) << results.body;
    std::printf("results written to %s\n", options.results_file.c_str());
  }
  return 0;
}

}  // namespace barid::app
