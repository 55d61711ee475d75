// `barid demo run`: the golden path of MISSION.md played over the HTTP API of a running server, as
// each role would do it, printing every step; it ends by verifying a receipt offline.
#include "demo_run.hpp"

#include "http_call.hpp"

#include <barid/app/node.hpp>
#include <barid/core/time.hpp>
#include <barid/parcels/scan_file.hpp>
#include <barid/transparency/bundle.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace barid::app {

namespace {

constexpr const char* kAminaId = "29001011234567";

// A step that failed: the message says which and why.
struct Stop : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Story {
 public:
  Story(std::string url, bool quiet) : url_(std::move(url)), quiet_(quiet), run_(std::to_string(now_ms())) {}

  void step(const char* number, const std::string& text) const {
    if (!quiet_) std::printf("\n%s %s\n", number, text.c_str());
  }
  void say(const std::string& text) const {
    if (!quiet_) std::printf("   %s\n", text.c_str());
  }

  std::string log_in(const std::string& login) {
    const auto reply =
        http_call("POST", url_ + "/api/v1/session", "", Json{{"login", login}, {"password", kDemoPassword}}.dump());
    if (!reply.ok()) throw Stop("log in as " + login + ": " + reply.error_text());
    return reply.json().value("token", "");
  }

  Json call(const std::string& method, const std::string& path, const std::string& token, const Json& body = nullptr,
            const char* key = nullptr) {
    std::vector<std::string> headers;
    if (key != nullptr) headers.push_back("Idempotency-Key: demo-run-" + run_ + "-" + key);
    const auto reply =
        http_call(method, url_ + path, token, body.is_null() ? "" : body.dump(), "application/json", headers);
    if (!reply.ok()) throw Stop(method + " " + path + ": " + reply.error_text());
    last_body_ = reply.body;
    return reply.json();
  }
  const std::string& last_body() const { return last_body_; }
  const std::string& run() const { return run_; }

  // Polls until `done` holds (background work on the server), at most 20 s.
  template <class F>
  Json wait_for(const std::string& what, const F& fetch_and_check) {
    for (int attempt = 0; attempt < 80; ++attempt) {
      Json found;
      if (fetch_and_check(found)) return found;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    throw Stop("waited 20 s for " + what);
  }

 private:
  std::string url_;
  bool quiet_;
  std::string run_;
  std::string last_body_;
};

std::string money(std::int64_t minor, const std::string& currency) {
  char text[64];
  std::snprintf(text, sizeof text, "%lld.%02lld %s", static_cast<long long>(minor / 100),
                static_cast<long long>(minor % 100), currency.c_str());
  return text;
}

// Local times for the scans: Algiers is UTC+1, Cairo UTC+2.
std::string at(std::int64_t ms, int offset_hours) {
  return parcels::format_local_time(ms, offset_hours * 60);
}

void play(Story& s, const std::string& url, const DemoRunOptions& options) {
  constexpr std::int64_t kHour = 3'600'000;
  const auto now = now_ms();
  const auto amina = s.log_in("amina");
  const auto souk = s.log_in("souk");
  const auto carrier = s.log_in("carrier");
  const auto customs = s.log_in("customs");
  const auto admin = s.log_in("admin");

  s.step("1.", "A merchant in Algiers ships an order to a buyer in Cairo; the buyer paid into escrow");
  const auto accounts = s.call("GET", "/api/v1/payments/accounts", amina);
  std::string amina_account;
  for (const auto& account : accounts.value("accounts", Json::array())) {
    if (account.value("currency", "") == "EGP") amina_account = account.value("number", "");
  }
  if (amina_account.empty()) throw Stop("Amina has no EGP account: run `barid demo seed` first");
  const auto intent =
      s.call("POST", "/api/v1/checkout/intents", souk,
             {{"amount", 450'000}, {"currency", "EGP"}, {"order_reference", "SOUK-" + s.run()}}, "intent");
  const std::string intent_id = intent.value("id", "");
  s.call("POST", "/api/v1/checkout/intents/" + intent_id + "/pay", amina, {{"from_account", amina_account}}, "pay");
  s.say("payment intent " + intent_id + ": " + money(450'000, "EGP") + " held in escrow from Amina's account " +
        amina_account);
  const Json item_body = {{"product", "H"},
                          {"sender",
                           {{"country", "DZ"},
                            {"name", "سوق الجزائر للتجارة الإلكترونية"},
                            {"name_latin", "Souk Algiers E-Commerce"},
                            {"street", "12 شارع ديدوش مراد"},
                            {"street_latin", "12 rue Didouche Mourad"},
                            {"city", "الجزائر"},
                            {"city_latin", "Alger"},
                            {"postcode", "16000"}}},
                          {"addressee",
                           {{"country", "EG"},
                            {"name", "أمينة حداد"},
                            {"name_latin", "Amina Haddad"},
                            {"street", "5 شارع التحرير، الدقي"},
                            {"street_latin", "5 Tahrir Street, Dokki"},
                            {"city", "الجيزة"},
                            {"city_latin", "Giza"},
                            {"postcode", "12611"}}},
                          {"addressee_party", {{"type", "national_id"}, {"id", kAminaId}}},
                          {"weight_g", 1'250},
                          {"length_mm", 300},
                          {"width_mm", 200},
                          {"height_mm", 100},
                          {"declared_value", 450'000},
                          {"declared_currency", "EGP"},
                          {"contents", "Kaftan and babouches"},
                          {"payment_intent_id", intent_id}};
  const auto item = s.call("POST", "/api/v1/items", souk, item_body, "item");
  const std::string id = item.value("id", "");
  s.call("GET", "/api/v1/items/" + id + "/label.pdf", souk);
  s.say("item " + id + " (S10 check digit " + id.substr(10, 1) + "), label PDF of " +
        std::to_string(s.last_body().size()) + " bytes with its Code 128 barcode");
  const Json declaration = {{"category", "sale_of_goods"},
                            {"currency", "EGP"},
                            {"total_value", 450'000},
                            {"gross_weight_g", 1'300},
                            {"importer_reference", "EG-TAX-123456"},
                            {"invoice", "SOUK-INV-7731"},
                            {"lines",
                             {{{"description", "Kaftan, embroidered silk"},
                               {"quantity", 1},
                               {"net_weight_g", 900},
                               {"value", 400'000},
                               {"hs_code", "6204.49"},
                               {"origin_country", "DZ"}},
                              {{"description", "Leather babouches"},
                               {"quantity", 2},
                               {"net_weight_g", 350},
                               {"value", 50'000},
                               {"hs_code", "6403.59"},
                               {"origin_country", "DZ"}}}}};
  const auto declared = s.call("PUT", "/api/v1/items/" + id + "/declaration", souk, declaration);
  s.say(declared.value("form", "") + " declaration: 2 lines, total " + money(450'000, "EGP"));

  s.step("2.", "Scans move the item through the outward office of exchange");
  const auto scan = [&](const char* code, std::int64_t when, int offset, const char* office, const char* location,
                        Json extra = Json::object()) {
    extra["item"] = id;
    extra["code"] = code;
    extra["time"] = at(when, offset);
    extra["office"] = office;
    extra["location"] = location;
    s.call("POST", "/api/v1/scans", carrier, extra);
    s.say(std::string(code) + "  " + at(when, offset) + "  " + location);
  };
  scan("EMA", now - 96 * kHour, 1, "DZALGA", "Alger");
  scan("EMB", now - 90 * kHour, 1, "DZALGB", "Alger OE");
  scan("EMC", now - 72 * kHour, 1, "DZALGB", "Alger OE", {{"next_office", "EGCAIA"}});

  s.step("3.", "The destination receives the pre-advice; the item arrives and is presented to customs");
  const auto exported =
      s.call("POST", "/api/v1/customs/pre-advice/exports", admin, {{"destination_country", "EG"}}, "export");
  const auto bundle = exported.value("bundle", Json::object());
  s.say("pre-advice bundle " + exported.value("id", "") + ": " + std::to_string(exported.value("items", 0)) +
        " item(s), signed by operator " + bundle.value("origin_operator", ""));
  const auto imported = s.call("POST", "/api/v1/customs/pre-advice/imports", customs, bundle);
  s.say("imported: signature checked against the partner's key; " + std::to_string(imported.value("known", 0)) +
        " already known here (both operators share this node), " + std::to_string(imported.value("created", 0)) +
        " created");
  scan("EMD", now - 30 * kHour, 2, "EGCAIA", "Cairo OE");
  scan("EDB", now - 29 * kHour, 2, "EGCAIA", "Cairo customs");
  const auto queue = s.call("GET", "/api/v1/customs/queue", customs);
  for (const auto& c : queue.value("cases", Json::array())) {
    if (c.value("item_id", "") != id) continue;
    for (const auto& flag : c.value("flags", Json::array())) s.say("risk flag: " + flag.value("reason", ""));
  }
  const auto decision =
      s.call("POST", "/api/v1/customs/cases/" + id + "/decisions", customs, {{"decision", "duty_due"}}, "duty");
  const auto assessment = decision.value("assessment", Json::object());
  s.say("duty due: duty " + money(assessment.value("duty", 0), "EGP") + " + VAT " +
        money(assessment.value("vat", 0), "EGP") + " = " + money(assessment.value("total", 0), "EGP") +
        " (scan EME, transparency log entry " + std::to_string(decision.value("log_index", 0)) + ")");
  const std::string bill_id = decision.value("bill_id", "");

  s.step("4.", "The buyer gets a registered letter with a pay action, opens it and pays the duty");
  const auto bill = s.call("GET", "/api/v1/bills/" + bill_id, amina);
  const std::string letter_id = bill.value("letter_id", "");
  if (letter_id.empty()) throw Stop("the duty bill reached no mailbox");
  const auto letter = s.call("GET", "/api/v1/mailbox/letters/" + letter_id, amina);
  s.say("letter \"" + letter.value("subject", "") + "\" (" + letter.value("kind", "") +
        "): opening it is ContentHandover evidence");
  const auto receipt =
      s.call("POST", "/api/v1/bills/" + bill_id + "/pay", amina, {{"from_account", amina_account}}, "pay-duty");
  s.say("paid " + money(bill.value("amount_due", 0), "EGP") + " to customs; receipt in the transparency log at " +
        std::to_string(receipt.value("log_index", 0)));

  s.step("5.", "Customs releases the item by itself; it goes out for delivery and is delivered");
  s.wait_for("the release", [&](Json& found) {
    found = s.call("GET", "/api/v1/customs/cases/" + id, customs);
    return found.value("state", "") == "released";
  });
  s.say("released (EDC), decided by the payment");
  scan("EDG", now - 2 * kHour, 2, "EGGIZA", "Giza");
  scan("EMI", now - 1 * kHour, 2, "EGGIZA", "Giza", {{"signatory", "A. Haddad"}});
  const auto delivered = s.wait_for("the escrow capture", [&](Json& found) {
    found = s.call("GET", "/api/v1/items/" + id, souk);
    return found.value("settlement", "") == "captured";
  });
  s.say("escrow captured: " + money(450'000, "EGP") + " to the merchant");
  const auto quality = delivered.value("quality", Json());
  if (quality.is_object()) {
    s.say("posting day " + quality.value("posting_day", "") + ", due " + quality.value("due_day", "") + ", " +
          (quality.value("on_time", false) ? "on time" : "late") + " (J+" +
          std::to_string(quality.value("standard_days", 0)) + ")");
  }

  s.step("6.", "Every legal fact is a leaf of the transparency log; verify a receipt offline");
  const auto evidence = s.call("GET", "/api/v1/mailbox/letters/" + letter_id + "/evidence/ContentHandover", amina);
  const std::string path = options.bundle_file.empty() ? "demo-receipt-" + id + ".json" : options.bundle_file;
  std::ofstream(path, std::ios::binary) << evidence.dump(2);
  const auto verdict = transparency::verify_bundle(evidence);
  for (const auto& check : verdict.checks)
    s.say(std::string(check.passed ? "ok      " : "FAILED  ") + check.name + "  " + check.detail);
  if (!verdict.ok) throw Stop("the receipt did not verify");
  s.say("saved as " + path + "; check it again any time with: barid verify " + path);
  (void)url;
}

}  // namespace

int demo_run(const DemoRunOptions& options) {
  std::string url = options.url;
  if (url.empty()) url = std::getenv("BARID_URL") != nullptr ? std::getenv("BARID_URL") : "http://127.0.0.1:8080";
  while (!url.empty() && url.back() == '/') url.pop_back();
  Story story(url, options.quiet);
  try {
    if (!options.quiet) std::printf("The golden path, against %s\n", url.c_str());
    play(story, url, options);
    if (!options.quiet) std::printf("\nThe story is complete.\n");
    return 0;
  } catch (const Stop& stop) {
    std::fprintf(stderr, "barid demo run: %s\n", stop.what());
    return 1;
  }
}

}  // namespace barid::app
