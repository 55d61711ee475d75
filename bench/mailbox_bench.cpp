// The mailbox benchmark: a bulk send of N registered letters (1 KiB body) to N distinct recipients,
// delivered by the same engine the server's background uses — each letter sealed under its own key,
// its recipient's mailbox made on the way, stored durably with its SubmissionAcceptance and
// ContentConsignment evidence appended to the transparency log. Then, with the letters stored:
// listing a mailbox's first page, opening a letter (its first opening: ContentHandover evidence,
// a durable write) and verifying an evidence bundle offline.
//
//   barid_bench_mailbox --database sqlite:/tmp/x/barid.db --data-dir /tmp/x --letters 1000000
#include <barid/app/node.hpp>
#include <barid/core/log.hpp>
#include <barid/core/time.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/mailbox/batches.hpp>
#include <barid/mailbox/mailbox.hpp>
#include <barid/transparency/bundle.hpp>
#include <barid/transparency/log.hpp>

#include <CLI/CLI.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

namespace {

using namespace barid;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

long peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

struct Percentiles {
  double p50_ms, p99_ms, max_ms;
};

Percentiles percentiles(std::vector<double> samples_ms) {
  std::sort(samples_ms.begin(), samples_ms.end());
  const auto at = [&](double q) {
    return samples_ms[std::min(samples_ms.size() - 1, static_cast<std::size_t>(q * samples_ms.size()))];
  };
  return {at(0.50), at(0.99), samples_ms.back()};
}

std::string national_id(std::int64_t i) {
  return std::to_string(40000000000000LL + i);
}

// Recipients and their users, written straight into the tables in large transactions: this is the
// set-up, not what is measured, and a million Argon2 hashes would take longer than the benchmark.
void make_recipients(store::Store& store, std::int64_t count, const std::string& password_hash) {
  constexpr std::int64_t kChunk = 20'000;
  const std::int64_t now = now_ms();
  for (std::int64_t start = 0; start < count; start += kChunk) {
    store.run_write([&](store::Transaction& tx) {
      for (std::int64_t i = start; i < std::min(count, start + kChunk); ++i) {
        const std::string party_id = crypto::new_uuid();
        tx.execute(
            "INSERT INTO parties (id, kind, identifier, name_ar, name_latin, email, phone, language, "
            "created_at_ms) VALUES (?, 'citizen', ?, 'مواطن', ?, NULL, NULL, 'ar', ?)",
            {party_id, national_id(i), "Citizen " + std::to_string(i), now});
        tx.execute(
            "INSERT INTO users (id, login, party_id, roles, password_hash, created_at_ms, disabled) "
            "VALUES (?, ?, ?, 'citizen', ?, ?, 0)",
            {crypto::new_uuid(), "bench-" + std::to_string(i), party_id, password_hash, now});
      }
      return true;
    });
  }
}

}  // namespace

int main(int argc, char** argv) {
  app::tune_memory_allocator();  // as baridd does
  CLI::App cli{"The mailbox benchmark"};
  std::string database, data_dir;
  std::int64_t letters = 1'000'000;
  int samples = 1000;
  cli.add_option("--database", database, "sqlite:PATH or postgresql://…")->required();
  cli.add_option("--data-dir", data_dir, "for the key files")->required();
  cli.add_option("--letters", letters, "letters (and distinct recipients)");
  cli.add_option("--samples", samples, "list/open/verify samples");
  CLI11_PARSE(cli, argc, argv);
  log::write_to_file("/dev/null");  // the figures, not the server's log lines

  app::Config config;
  config.database = database;
  config.data_dir = data_dir;
  config.password_cost = "fast_for_tests";
  auto opened = app::Node::open(config, true);
  if (!opened) {
    std::fprintf(stderr, "cannot open: %s\n", opened.error().message.c_str());
    return 1;
  }
  app::Node& node = **opened;
  auto& identity = node.identity();

  std::printf("mailbox benchmark: %lld registered letters, 1 KiB body, to as many recipients, on %s\n",
              static_cast<long long>(letters), node.store().describe().c_str());
  auto sender_party = identity.create_party({identity::PartyKind::authority, "BENCH-TAX", "مصلحة الضرائب",
                                             "Tax Authority", std::nullopt, std::nullopt, "ar"});
  if (!sender_party) {
    std::fprintf(stderr, "the database must be empty: %s\n", sender_party.error().message.c_str());
    return 1;
  }
  auto sender_user = identity.create_user(
      {"bench-tax", sender_party->id, {identity::Role::authority_sender}, "bench passphrase 2026"});
  auto start = Clock::now();
  make_recipients(node.store(), letters,
                  crypto::hash_password("bench passphrase 2026", crypto::PasswordCost::fast_for_tests));
  std::printf("  set-up: %lld recipients with a login each, %.1f s (not measured)\n", static_cast<long long>(letters),
              seconds_since(start));

  identity::Principal sender;
  sender.user_id = sender_user->id;
  sender.login = "bench-tax";
  sender.party_id = sender_party->id;
  sender.party = *sender_party;
  sender.roles = {identity::Role::authority_sender};

  std::string csv = "recipient,name\n";
  csv.reserve(static_cast<std::size_t>(letters) * 32);
  for (std::int64_t i = 0; i < letters; ++i) csv += national_id(i) + ",Citizen " + std::to_string(i) + "\n";
  mailbox::BatchInput input;
  input.letter.subject = "Tax assessment 2026 for {{name}}";
  input.letter.notification = "Your tax assessment is in your mailbox";
  std::string body = "Dear {{name}},\n\n";
  while (body.size() < 1024) body += "Your assessment for the year 2026 is attached to this registered letter. ";
  input.letter.body = body.substr(0, 1024);
  input.letter.kind = mailbox::LetterKind::registered;
  input.recipients = csv;

  start = Clock::now();
  auto batch = node.batches().submit(sender, input, "bench-batch");
  if (!batch) {
    std::fprintf(stderr, "batch refused: %s\n", batch.error().message.c_str());
    return 1;
  }
  const double accept_s = seconds_since(start);
  std::printf("  accepting the recipient file (parse, check, store sealed): %.1f s, %.0f rows/s\n", accept_s,
              static_cast<double>(letters) / accept_s);
  csv.clear();
  csv.shrink_to_fit();

  start = Clock::now();
  std::size_t delivered = 0;
  // The engine the server's background runs: chunks of 500 letters, each prepared on one core
  // while the previous one is written on the other.
  for (;;) {
    const std::size_t done = node.batches().deliver(batch->id, static_cast<std::size_t>(letters));
    if (done == 0) break;
    delivered += done;
  }
  const double deliver_s = seconds_since(start);
  const auto progress = *node.batches().progress(sender, batch->id);
  std::printf("  delivery: %zu letters in %.1f s = %.0f letters/s (consigned %lld, rejected %lld); peak RSS %ld MiB\n",
              delivered, deliver_s, static_cast<double>(delivered) / deliver_s,
              static_cast<long long>(progress.consigned), static_cast<long long>(progress.rejected), peak_rss_mib());
  std::printf("  transparency log: %lld entries\n", static_cast<long long>(node.log().size()));

  // With the letters stored: one recipient's first page, and the first opening of a letter.
  std::mt19937_64 random(42);
  std::vector<double> list_ms, open_ms, verify_ms;
  std::vector<std::string> opened_letters;
  for (int i = 0; i < samples; ++i) {
    const std::int64_t n = static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(letters));
    const std::string login = "bench-" + std::to_string(n);
    auto user = identity.find_user_by_login(login);
    identity::Principal reader;
    reader.user_id = user->id;
    reader.login = login;
    reader.party_id = user->party_id;
    reader.roles = {identity::Role::citizen};
    mailbox::ListQuery query;
    query.limit = 50;
    auto t = Clock::now();
    auto page = node.mailbox().list(reader, query);
    list_ms.push_back(seconds_since(t) * 1000);
    if (!page || page->letters.size() != 1) {
      std::fprintf(stderr, "listing failed for %s\n", login.c_str());
      return 1;
    }
    t = Clock::now();
    auto letter = node.mailbox().open(reader, page->letters[0].id);
    open_ms.push_back(seconds_since(t) * 1000);
    if (!letter || letter->body.size() < 1000) {
      std::fprintf(stderr, "opening failed for %s\n", login.c_str());
      return 1;
    }
    opened_letters.push_back(page->letters[0].id);
  }
  const auto list = percentiles(list_ms);
  const auto open = percentiles(open_ms);
  std::printf("  list a mailbox's first page: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%d samples)\n", list.p50_ms,
              list.p99_ms, list.max_ms, samples);
  std::printf(
      "  open a letter (first opening, ContentHandover recorded durably): p50 %.2f ms, p99 %.2f ms, max %.2f "
      "ms\n",
      open.p50_ms, open.p99_ms, open.max_ms);

  // Bundles of the handovers just recorded, verified offline.
  std::vector<Json> bundles;
  for (int i = 0; i < std::min(samples, 200); ++i) {
    auto bundle = node.mailbox().evidence_bundle(sender, opened_letters[static_cast<std::size_t>(i)],
                                                 mailbox::EvidenceEvent::content_handover);
    if (!bundle) return 1;
    bundles.push_back(std::move(*bundle));
  }
  for (int i = 0; i < samples; ++i) {
    const Json& bundle = bundles[static_cast<std::size_t>(i) % bundles.size()];
    const auto t = Clock::now();
    const auto verdict = transparency::verify_bundle(bundle);
    verify_ms.push_back(seconds_since(t) * 1000);
    if (!verdict.ok) return 1;
  }
  const auto verify = percentiles(verify_ms);
  std::printf("  verify a bundle offline: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", verify.p50_ms, verify.p99_ms,
              verify.max_ms);
  std::printf("  peak RSS of the whole run: %ld MiB\n", peak_rss_mib());
  const auto check_start = Clock::now();
  const auto check = node.log().check();
  std::printf("  log check (every leaf recomputed): %s in %.1f s\n", check.ok() ? "intact" : "ALTERED",
              seconds_since(check_start));
  return check.ok() ? 0 : 1;
}
