// The parcels benchmark (issue 5): N items created through ParcelsService::create_item (S10 ids issued
// from the operator's ranges, addresses normalised, one durable transaction each), then N × E
// tracking scans with realistic UPU event sequences (EMA, EMB, EMC, EMJ/EMK, EMD, EDB/EDC, EDD/EDE,
// EMG, EDG, EMH, EDH, EMI) and plausible times, written to a JSON Lines file and imported end to end:
// the file read in slices of at most --file-lines lines (the API takes files of up to 1,000,000),
// each slice parsed by parse_scan_file and recorded by ParcelsService::record_scans. Then, with the
// scans stored: public tracking (ParcelsService::track) of random items, and the on-time quality
// report (ParcelsService::quality_report) over every item, grouped four ways.
//
//   barid_bench_parcels --database sqlite:/tmp/x/barid.db --data-dir /tmp/x --items 1000000 --events-per-item 10
#include <barid/app/node.hpp>
#include <barid/core/log.hpp>
#include <barid/core/time.hpp>
#include <barid/parcels/calendar.hpp>
#include <barid/parcels/parcels.hpp>
#include <barid/parcels/scan_file.hpp>

#include <CLI/CLI.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <thread>
#include <tuple>

namespace {

using namespace barid;
using Clock = std::chrono::steady_clock;
using identity::PartyKind;
using identity::Role;

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Peak resident memory of the process (getrusage), in MiB.
long peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024;
}

// VmHWM from /proc/self/status in MiB: the peak since the last reset_peak_rss(); -1 if unreadable.
long vm_hwm_mib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  }
  return -1;
}
// Bytes this process has written with write(2) and friends (/proc/self/io wchar): what the store
// hands the kernel, WAL frames and checkpoints included.
std::int64_t bytes_written() {
  std::ifstream io("/proc/self/io");
  for (std::string line; std::getline(io, line);) {
    if (line.rfind("wchar:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}
long vm_rss_mib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  }
  return -1;
}
// Resets VmHWM to the current RSS (Linux: "5" to /proc/self/clear_refs), so that the import's peak
// is not the generator's. False when the kernel refuses.
bool reset_peak_rss() {
  std::FILE* file = std::fopen("/proc/self/clear_refs", "w");
  if (!file) return false;
  const bool ok = std::fputs("5", file) >= 0;
  return std::fclose(file) == 0 && ok;
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

// ---------------------------------------------------------------------------------------------
// Items: five flows, as an operator between Algeria and Egypt sees them.

enum class Flow { h_dz_eg, e_dz_eg, c_dz_eg, c_eg_eg, r_eg_eg };

Flow flow_of(std::uint64_t draw) {
  const auto r = draw % 20;
  if (r < 9) return Flow::h_dz_eg;   // 45 % e-commerce parcels from Algerian merchants
  if (r < 11) return Flow::e_dz_eg;  // 10 % EMS
  if (r < 13) return Flow::c_dz_eg;  // 10 % parcels
  if (r < 17) return Flow::c_eg_eg;  // 20 % domestic parcels at Egyptian counters
  return Flow::r_eg_eg;              // 15 % domestic registered letters
}
bool international(Flow flow) {
  return flow == Flow::h_dz_eg || flow == Flow::e_dz_eg || flow == Flow::c_dz_eg;
}
const char* product_of(Flow flow) {
  switch (flow) {
    case Flow::h_dz_eg: return "H";
    case Flow::e_dz_eg: return "E";
    case Flow::c_dz_eg:
    case Flow::c_eg_eg: return "C";
    case Flow::r_eg_eg: return "R";
  }
  return "C";
}

struct Place {
  const char* city_ar;
  const char* city_latin;
  const char* postcode;
  const char* office;  // the posting / delivery office
};
constexpr Place kDzPlaces[] = {{"الجزائر", "Alger", "16000", "DZALGA"},
                               {"وهران", "Oran", "31000", "DZORNA"},
                               {"قسنطينة", "Constantine", "25000", "DZCZLA"}};
constexpr Place kEgPlaces[] = {{"القاهرة", "Cairo", "11511", "EG-CAI-DOKKI"},
                               {"الجيزة", "Giza", "12511", "EG-GIZ-HARAM"},
                               {"الإسكندرية", "Alexandria", "21500", "EG-ALX-RAML"},
                               {"المنصورة", "Mansoura", "35511", "EG-DKH-MANS"}};
constexpr const char* kFirstNames[] = {"أمينة", "كريم", "سارة", "محمد", "ليلى", "يوسف", "نور", "عمر"};
constexpr const char* kLastNames[] = {"حداد", "منصور", "سليمان", "عبد الله", "الشريف", "بن علي", "فهمي", "النجار"};
constexpr const char* kStreets[] = {"شارع التحرير", "شارع ديدوش مراد", "شارع الجمهورية", "شارع النصر", "شارع الحرية"};
constexpr const char* kContents[] = {"Book", "Clothes", "Phone case", "Shoes", "Perfume", "Toys"};

parcels::Address address(bool in_egypt, std::uint64_t draw, bool business) {
  const Place& place = in_egypt ? kEgPlaces[draw % std::size(kEgPlaces)] : kDzPlaces[draw % std::size(kDzPlaces)];
  parcels::Address out;
  out.country = in_egypt ? "EG" : "DZ";
  out.name = business ? (in_egypt ? "متجر القاهرة" : "سوق الجزائر")
                      : std::string(kFirstNames[(draw >> 8) % std::size(kFirstNames)]) + " " +
                            kLastNames[(draw >> 16) % std::size(kLastNames)];
  out.street = std::to_string(1 + (draw >> 24) % 180) + " " + kStreets[(draw >> 32) % std::size(kStreets)];
  out.city = place.city_ar;
  out.city_latin = place.city_latin;
  out.postcode = place.postcode;
  return out;
}

parcels::ItemInput item_input(Flow flow, std::uint64_t draw) {
  parcels::ItemInput input;
  input.product = product_of(flow);
  const bool from_egypt = !international(flow);
  input.sender = address(from_egypt, draw, true);
  input.addressee = address(true, draw >> 3, false);
  if (flow == Flow::r_eg_eg) {
    input.weight_g = 20 + static_cast<std::int64_t>(draw % 400);
    input.length_mm = 235;
    input.width_mm = 120;
    input.height_mm = 5;
  } else {
    input.weight_g = 200 + static_cast<std::int64_t>(draw % 9'800);
    input.length_mm = 200 + static_cast<std::int64_t>((draw >> 4) % 300);
    input.width_mm = 150 + static_cast<std::int64_t>((draw >> 12) % 150);
    input.height_mm = 50 + static_cast<std::int64_t>((draw >> 20) % 150);
  }
  if (international(flow)) {
    input.declared_value = 100'000 + static_cast<std::int64_t>((draw >> 28) % 2'000'000);
    input.declared_currency = "DZD";
    input.contents = kContents[(draw >> 40) % std::size(kContents)];
  }
  if (from_egypt) input.office = "EG-CAI-01";  // accepted by a clerk at a counter
  return input;
}

// ---------------------------------------------------------------------------------------------
// Scans. Each item gets exactly E scans (when E ≥ 6; fewer: the item is still on its way): the
// journey's skeleton, then optional stages in an order drawn per item, then extra transit hops.

enum Code : std::uint8_t {
  EMA,
  EMB,
  EMC,
  EMJ,
  EMK,
  EMD,
  EDB,
  EME,
  EDC,
  EDD,
  EDE,
  EMG,
  EDF,
  EDG,
  EMH,
  EDG2,
  EDH,
  EMI,
  kCodes
};
constexpr std::array<const char*, kCodes> kCodeText = {"EMA", "EMB", "EMC", "EMJ", "EMK", "EMD", "EDB", "EME", "EDC",
                                                       "EDD", "EDE", "EMG", "EDF", "EDG", "EMH", "EDG", "EDH", "EMI"};

constexpr const char* kReasons[] = {"Addressee absent", "Address incomplete", "Business closed"};
constexpr const char* kSignatories[] = {"A. Haddad", "K. Mansour", "S. Fahmy", "Y. Ben Ali", "N. Sherif"};
constexpr const char* kTransit[][2] = {{"TNTUNA", "Tunis"}, {"LYTIPA", "Tripoli"}, {"FRCDGA", "Paris"}};

// One scan, compact: the JSON line is built from it when the file is written.
struct Event {
  std::int64_t at_ms;
  std::uint32_t item;
  std::uint8_t code;
  std::int8_t hop;  // transit hop number for EMJ/EMK, second sorting pass for EDD/EDE
  std::int16_t offset_minutes;
};

struct Journey {
  std::vector<Code> codes;
  std::vector<std::int8_t> hops;
};

// The codes of one item's scans in journey order.
Journey journey(bool international, int events, std::mt19937_64& random) {
  // Stages: each a run of codes inserted at its place in the journey.
  struct Stage {
    int place;  // position in the canonical order
    std::vector<Code> codes;
  };
  const bool pickup = random() % 10 == 0;   // 10 % collected at a pick-up point
  const bool failed = random() % 100 < 18;  // 18 % need a second attempt
  const bool held = random() % 100 < 8;     // 8 % held by customs for a while
  std::vector<Stage> skeleton, optional;
  if (international) {
    skeleton = {{0, {EMA}}, {1, {EMB}}, {2, {EMC}}, {5, {EMD}}};
    optional = {
        {6, held ? std::vector<Code>{EDB, EME, EDC} : std::vector<Code>{EDB, EDC}}, {9, {EDD, EDE}}, {11, {EMG}}};
  } else {
    skeleton = {{0, {EMA}}, {9, {EDD, EDE}}};
    optional = {{10, {EDD, EDE}}, {11, {EMG}}, {12, {EDF}}};
  }
  if (pickup) {
    skeleton.push_back({16, {EDH}});
  } else {
    skeleton.push_back({13, {EDG}});
    if (failed) optional.insert(optional.begin(), {14, {EMH, EDG2}});
  }
  skeleton.push_back({17, {EMI}});
  std::shuffle(optional.begin() + (failed && !pickup ? 1 : 0), optional.end(), random);

  std::vector<Stage> chosen = skeleton;
  std::size_t count = 0;
  for (const auto& stage : skeleton) count += stage.codes.size();
  for (const auto& stage : optional) {
    if (count + stage.codes.size() > static_cast<std::size_t>(events)) continue;
    chosen.push_back(stage);
    count += stage.codes.size();
  }
  // Extra transit hops (international) or sorting passes (domestic) until E scans.
  while (count + 2 <= static_cast<std::size_t>(events)) {
    chosen.push_back(
        {international ? 3 : 10, international ? std::vector<Code>{EMJ, EMK} : std::vector<Code>{EDD, EDE}});
    count += 2;
  }
  if (count < static_cast<std::size_t>(events))
    chosen.push_back({international ? 11 : 12, {international ? EMG : EDF}});
  std::stable_sort(chosen.begin(), chosen.end(), [](const Stage& a, const Stage& b) { return a.place < b.place; });
  Journey out;
  int hop_number = 0;
  int sorting = 0;
  for (const auto& stage : chosen) {
    for (const Code code : stage.codes) {
      out.codes.push_back(code);
      std::int8_t mark = 0;
      if (code == EMJ) mark = static_cast<std::int8_t>(hop_number);
      if (code == EMK) mark = static_cast<std::int8_t>(hop_number++);
      if (code == EDD) mark = static_cast<std::int8_t>(sorting);
      if (code == EDE) mark = static_cast<std::int8_t>(sorting++);
      out.hops.push_back(mark);
    }
  }
  if (out.codes.size() > static_cast<std::size_t>(events)) {
    out.codes.resize(static_cast<std::size_t>(std::max(events, 0)));  // a prefix: still on its way
    out.hops.resize(out.codes.size());
  }
  return out;
}

std::int64_t between(std::mt19937_64& random, std::int64_t low_ms, std::int64_t high_ms) {
  return low_ms + static_cast<std::int64_t>(random() % static_cast<std::uint64_t>(high_ms - low_ms + 1));
}

// The next local morning (08:00–10:00) after `at_ms` at this offset.
std::int64_t next_morning(std::int64_t at_ms, int offset_minutes, std::mt19937_64& random) {
  const std::int64_t offset_ms = std::int64_t{offset_minutes} * 60'000;
  const std::int64_t local_day = (at_ms + offset_ms) / kDayMs;
  return (local_day + 1) * kDayMs + 8 * kHourMs + between(random, 0, 2 * kHourMs) - offset_ms;
}

// Times for the codes: posted within office hours on `posting_day` (days since 1970-01-01 at the
// origin), then each scan some hours after the previous one; 10 % of the items wait some days
// more somewhere on the way, so that the report has late items.
void add_events(std::uint32_t item, bool international, std::int32_t posting_day, const Journey& journey,
                std::mt19937_64& random, std::vector<Event>& out) {
  int offset = international ? 60 : 120;  // Algeria +01:00, Egypt +02:00
  std::int64_t at = std::int64_t{posting_day} * kDayMs + 8 * kHourMs + between(random, 0, 10 * kHourMs) -
                    std::int64_t{offset} * 60'000;
  const bool delayed = random() % 10 == 0;
  const std::size_t delay_at = journey.codes.empty() ? 0 : random() % journey.codes.size();
  for (std::size_t i = 0; i < journey.codes.size(); ++i) {
    const Code code = journey.codes[i];
    switch (code) {
      case EMA: break;
      case EMB: at += between(random, 2 * kHourMs, 8 * kHourMs); break;
      case EMC: at += between(random, 4 * kHourMs, 30 * kHourMs); break;
      case EMJ: at += between(random, 6 * kHourMs, 20 * kHourMs); break;
      case EMK: at += between(random, 3 * kHourMs, 12 * kHourMs); break;
      case EMD:
        at += between(random, 6 * kHourMs, 40 * kHourMs);
        offset = 120;
        break;
      case EDB: at += between(random, 1 * kHourMs, 6 * kHourMs); break;
      case EME: at += between(random, 2 * kHourMs, 10 * kHourMs); break;
      case EDC: at += between(random, 4 * kHourMs, 60 * kHourMs); break;
      case EDD: at += between(random, 2 * kHourMs, 12 * kHourMs); break;
      case EDE: at += between(random, 1 * kHourMs, 5 * kHourMs); break;
      case EMG: at += between(random, 3 * kHourMs, 16 * kHourMs); break;
      case EDF: at += between(random, 2 * kHourMs, 20 * kHourMs); break;
      case EDG:
      case EDG2: at = next_morning(at, offset, random); break;
      case EMH: at += between(random, 1 * kHourMs, 6 * kHourMs); break;
      case EDH: at += between(random, 1 * kHourMs, 8 * kHourMs); break;
      case EMI:
        at += i > 0 && journey.codes[i - 1] == EDH ? between(random, 4 * kHourMs, 96 * kHourMs)
                                                   : between(random, 1 * kHourMs, 7 * kHourMs);
        break;
      default: break;
    }
    if (delayed && i == delay_at && i > 0) at += between(random, 2 * kDayMs, 5 * kDayMs);
    at -= at % 1000;  // whole seconds, as files give them
    out.push_back({at, item, static_cast<std::uint8_t>(code), journey.hops[i], static_cast<std::int16_t>(offset)});
  }
}

// One JSON line for a scan; `place` picks the origin and destination offices of the item.
void append_line(std::string& out, const Event& event, const std::string& item_id, std::uint64_t place) {
  const Place& origin =
      item_id.ends_with("DZ") ? kDzPlaces[place % std::size(kDzPlaces)] : kEgPlaces[place % std::size(kEgPlaces)];
  const Place& destination = kEgPlaces[(place >> 3) % std::size(kEgPlaces)];
  const auto code = static_cast<Code>(event.code);
  const char* office = nullptr;
  const char* location = nullptr;
  const char* next_office = nullptr;
  const char* reason = nullptr;
  const char* signatory = nullptr;
  const auto& hop = kTransit[static_cast<std::size_t>(event.hop) % std::size(kTransit)];
  switch (code) {
    case EMA:
      office = origin.office;
      location = origin.city_latin;
      break;
    case EMB:
      office = "DZALGB";
      location = "Alger";
      break;
    case EMC:
      office = "DZALGB";
      location = "Alger";
      next_office = "EGCAIA";
      break;
    case EMJ:
      office = hop[0];
      location = hop[1];
      break;
    case EMK:
      office = hop[0];
      location = hop[1];
      next_office = "EGCAIA";
      break;
    case EMD:
    case EDB:
    case EME:
    case EDC:
      office = "EGCAIA";
      location = "Cairo";
      break;
    case EDD:
    case EDE:
      office = event.hop % 2 == 0 ? "EG-CAI-SORT" : "EG-ALX-SORT";
      location = event.hop % 2 == 0 ? "Cairo" : "Alexandria";
      break;
    case EMG:
    case EDF:
    case EDG:
    case EDG2:
    case EDH:
      office = destination.office;
      location = destination.city_latin;
      break;
    case EMH:
      office = destination.office;
      location = destination.city_latin;
      reason = kReasons[place % std::size(kReasons)];
      break;
    case EMI:
      office = destination.office;
      location = destination.city_latin;
      signatory = kSignatories[(place >> 5) % std::size(kSignatories)];
      break;
    default: break;
  }
  out += R"({"item":")";
  out += item_id;
  out += R"(","code":")";
  out += kCodeText[code];
  out += R"(","time":")";
  out += parcels::format_local_time(event.at_ms, event.offset_minutes);
  out += '"';
  const auto field = [&out](const char* name, const char* value) {
    if (!value) return;
    out += ",\"";
    out += name;
    out += "\":\"";
    out += value;
    out += '"';
  };
  field("office", office);
  field("location", location);
  field("next_office", next_office);
  field("reason", reason);
  field("signatory", signatory);
  out += "}\n";
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

identity::Principal make_user(identity::IdentityService& identity, PartyKind kind, const std::string& identifier,
                              const std::string& login, Role role) {
  auto party = identity.find_party(kind, identifier);
  if (!party) {
    auto created =
        identity.create_party({kind, identifier, "طرف " + login, "Party " + login, std::nullopt, std::nullopt, "ar"});
    if (!created) throw std::runtime_error("create_party: " + created.error().message);
    party = *created;
  }
  auto user = identity.create_user({login, party->id, {role}, "bench passphrase 2026"});
  if (!user) throw std::runtime_error("create_user " + login + ": " + user.error().message);
  auto principal = identity.principal_of(login);
  if (!principal) throw std::runtime_error("principal_of: " + principal.error().message);
  return *principal;
}

template <class T>
T ok(Result<T> result, const char* what) {
  if (!result) throw std::runtime_error(std::string(what) + ": " + result.error().code + ": " + result.error().message);
  return std::move(*result);
}

}  // namespace

int main(int argc, char** argv) {
  app::tune_memory_allocator();  // as baridd does
  CLI::App cli{"The parcels benchmark"};
  std::string database, data_dir, order = "time";
  std::int64_t items = 1'000'000;
  int events_per_item = 10;
  std::size_t file_lines = 100'000;
  // One caller by default: with two, PostgreSQL issues the same S10 id to two items (create_item
  // reads the range's next serial without locking it), and the run fails its own checks.
  int item_threads = 1;
  int samples = 10'000;
  std::string first_day_text = "2026-08-03";
  int posting_days = 90;
  cli.add_option("--database", database, "sqlite:PATH or postgresql://…")->required();
  cli.add_option("--data-dir", data_dir, "for the key files and the scan file")->required();
  cli.add_option("--items", items, "items created through the service");
  cli.add_option("--events-per-item", events_per_item, "scans per item (at least 6 for a delivered item)");
  cli.add_option("--order", order, "scans in the file: time (as they happen, items interleaved) or item")
      ->check(CLI::IsMember({"time", "item"}));
  cli.add_option("--file-lines", file_lines,
                 "lines per parsed and recorded slice of the file (the API takes 1,000,000)");
  cli.add_option("--item-threads", item_threads, "concurrent callers of create_item");
  cli.add_option("--samples", samples, "public tracking lookups");
  cli.add_option("--first-posting-day", first_day_text, "items are posted from this day (YYYY-MM-DD) on");
  cli.add_option("--posting-days", posting_days, "… over this many days");
  CLI11_PARSE(cli, argc, argv);
  log::write_to_file("/dev/null");  // the figures, not the server's log lines

  const auto first_day = parcels::parse_day(first_day_text);
  if (!first_day || items <= 0 || items > 50'000'000 || events_per_item < 1 || file_lines == 0 || posting_days < 1 ||
      item_threads < 1) {
    std::fprintf(stderr, "bad arguments\n");
    return 2;
  }

  try {
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
    auto& parcels = node.parcels();
    std::printf("parcels benchmark: %lld items, %d scans each, on %s\n", static_cast<long long>(items), events_per_item,
                node.store().describe().c_str());

    // Set-up (not measured): the operator's admin, a carrier, an Algerian merchant and an Egyptian
    // counter clerk; S10 ranges; the calendars of both countries and the standards of the routes
    // (as `make run` seeds them).
    const auto admin = make_user(identity, PartyKind::postal_operator, "EGPOST", "bench-admin", Role::operator_admin);
    const auto carrier = make_user(identity, PartyKind::postal_operator, "EGPOST", "bench-carrier", Role::carrier);
    const auto merchant = make_user(identity, PartyKind::business, "DZ-16-0012345", "bench-souk", Role::business);
    const auto clerk = make_user(identity, PartyKind::postal_operator, "EGPOST", "bench-clerk", Role::postal_clerk);
    for (const auto& [service, country] : {std::pair{"HA", "DZ"}, std::pair{"EE", "DZ"}, std::pair{"CP", "DZ"},
                                           std::pair{"CP", "EG"}, std::pair{"RR", "EG"}}) {
      ok(parcels.add_range(admin, service, country, 0, 99'999'999), "add_range");
    }
    ok(parcels.set_calendar(admin, "DZ",
                            Json{{"holidays",
                                  {"2026-01-01", "2026-01-12", "2026-03-20", "2026-03-21", "2026-05-01", "2026-05-27",
                                   "2026-05-28", "2026-06-16", "2026-07-05", "2026-08-26", "2026-11-01"}}}),
       "set_calendar DZ");
    ok(parcels.set_calendar(admin, "EG",
                            Json{{"holidays",
                                  {"2026-01-07", "2026-01-25", "2026-03-20", "2026-03-21", "2026-03-22", "2026-04-13",
                                   "2026-04-25", "2026-05-01", "2026-05-26", "2026-05-27", "2026-05-28", "2026-05-29",
                                   "2026-06-16", "2026-06-30", "2026-07-23", "2026-08-26", "2026-10-06"}}}),
       "set_calendar EG");
    for (const auto& [product, origin, destination, days, cutoff] :
         {std::tuple{"E", "DZ", "EG", 3, 12 * 60}, std::tuple{"H", "DZ", "EG", 6, 14 * 60},
          std::tuple{"C", "DZ", "EG", 8, 14 * 60}, std::tuple{"C", "EG", "EG", 3, 16 * 60},
          std::tuple{"R", "EG", "EG", 2, 17 * 60}}) {
      ok(parcels.add_standard(admin, {product, origin, destination, days, cutoff}), "add_standard");
    }

    // 1. Items, through the service: each create_item its own durable transaction.
    std::vector<std::string> ids(static_cast<std::size_t>(items));
    std::atomic<std::int64_t> next{0};
    std::atomic<bool> failed{false};
    auto start = Clock::now();
    {
      std::vector<std::thread> threads;
      for (int t = 0; t < item_threads; ++t) {
        threads.emplace_back([&] {
          try {
            for (std::int64_t i = next++; i < items && !failed; i = next++) {
              const std::uint64_t draw = mix(static_cast<std::uint64_t>(i));
              const Flow flow = flow_of(draw);
              const auto& caller = international(flow) ? merchant : clerk;
              auto item = parcels.create_item(caller, item_input(flow, draw >> 5), "bench-" + std::to_string(i));
              ids[static_cast<std::size_t>(i)] = ok(std::move(item), "create_item").id;
            }
          } catch (const std::exception& error) {
            std::fprintf(stderr, "item creation failed: %s\n", error.what());
            failed = true;
          }
        });
      }
      for (auto& thread : threads) thread.join();
    }
    if (failed) return 1;
    const double create_s = seconds_since(start);
    std::printf("  create_item: %lld items in %.1f s = %.0f items/s (callers: %d; one durable transaction each)\n",
                static_cast<long long>(items), create_s, static_cast<double>(items) / create_s, item_threads);

    // 2. The scan file (not measured).
    start = Clock::now();
    const std::string file_path = (std::filesystem::path(data_dir) / "scans.jsonl").string();
    std::int64_t lines = 0;
    std::int64_t file_bytes = 0;
    std::int64_t first_posted_ms = std::numeric_limits<std::int64_t>::max(), last_event_ms = 0;
    {
      std::vector<Event> events;
      events.reserve(static_cast<std::size_t>(items) * static_cast<std::size_t>(events_per_item));
      std::mt19937_64 random(2026);
      for (std::int64_t i = 0; i < items; ++i) {
        const std::uint64_t draw = mix(static_cast<std::uint64_t>(i));
        const bool abroad = international(flow_of(draw));
        const auto posting_day =
            static_cast<std::int32_t>(*first_day + static_cast<std::int32_t>(random() % posting_days));
        add_events(static_cast<std::uint32_t>(i), abroad, posting_day, journey(abroad, events_per_item, random), random,
                   events);
      }
      if (order == "time") {
        std::stable_sort(events.begin(), events.end(),
                         [](const Event& a, const Event& b) { return a.at_ms < b.at_ms; });
      }
      std::FILE* file = std::fopen(file_path.c_str(), "wb");
      if (!file) throw std::runtime_error("cannot write " + file_path);
      std::string buffer;
      buffer.reserve(1 << 21);
      for (const Event& event : events) {
        const std::uint64_t draw = mix(event.item);
        append_line(buffer, event, ids[event.item], draw >> 5);
        if (event.code == EMA) first_posted_ms = std::min(first_posted_ms, event.at_ms);
        last_event_ms = std::max(last_event_ms, event.at_ms);
        ++lines;
        if (buffer.size() > (1 << 20)) {
          std::fwrite(buffer.data(), 1, buffer.size(), file);
          file_bytes += static_cast<std::int64_t>(buffer.size());
          buffer.clear();
        }
      }
      std::fwrite(buffer.data(), 1, buffer.size(), file);
      file_bytes += static_cast<std::int64_t>(buffer.size());
      std::fclose(file);
    }
    std::printf("  scan file: %lld lines, %.0f MiB, in %s order, posted %s to %s, written in %.1f s (not measured)\n",
                static_cast<long long>(lines), static_cast<double>(file_bytes) / 1048576.0, order.c_str(),
                format_utc_ms(first_posted_ms).substr(0, 10).c_str(),
                format_utc_ms(last_event_ms).substr(0, 10).c_str(), seconds_since(start));

    // 3. The import, end to end: read, parse, record. The file is read in slices of file_lines
    // lines, each one a file as the API would take it.
    const long rss_before_import = vm_rss_mib();
    const bool peak_reset = reset_peak_rss();
    const std::int64_t written_before = bytes_written();
    start = Clock::now();
    parcels::ScanOutcome total;
    std::size_t problems = 0;
    double parse_s = 0, record_s = 0;
    {
      std::FILE* file = std::fopen(file_path.c_str(), "rb");
      if (!file) throw std::runtime_error("cannot read " + file_path);
      std::string pending;
      std::vector<char> block(8 << 20);
      bool eof = false;
      while (!eof || !pending.empty()) {
        // Cut a slice of file_lines complete lines (or whatever is left at the end).
        std::size_t cut = 0, counted = 0;
        for (;;) {
          while (counted < file_lines) {
            const void* found = std::memchr(pending.data() + cut, '\n', pending.size() - cut);
            if (!found) break;
            cut = static_cast<std::size_t>(static_cast<const char*>(found) - pending.data()) + 1;
            ++counted;
          }
          if (counted == file_lines || eof) break;
          const std::size_t read = std::fread(block.data(), 1, block.size(), file);
          if (read == 0) {
            eof = true;
            cut = pending.size();
            continue;
          }
          pending.append(block.data(), read);
        }
        if (cut == 0) break;
        auto t = Clock::now();
        const auto slice = parcels::parse_scan_file(std::string_view(pending).substr(0, cut),
                                                    parcels::ScanFileFormat::jsonl, 1'000'000);
        parse_s += seconds_since(t);
        problems += slice.problem_count;
        if (slice.problem_count > 0 && !slice.problems.empty())
          std::fprintf(stderr, "line %zu: %s %s\n", slice.problems[0].line, slice.problems[0].code.c_str(),
                       slice.problems[0].message.c_str());
        t = Clock::now();
        const auto outcome = ok(parcels.record_scans(carrier, slice.scans), "record_scans");
        record_s += seconds_since(t);
        total.recorded += outcome.recorded;
        total.duplicates += outcome.duplicates;
        total.orphans += outcome.orphans;
        total.anomalies += outcome.anomalies;
        pending.erase(0, cut);
      }
      std::fclose(file);
    }
    const double import_s = seconds_since(start);
    const long import_peak = peak_reset ? vm_hwm_mib() : -1;
    const double written_mib = static_cast<double>(bytes_written() - written_before) / 1048576.0;
    std::printf(
        "  import: %lld scans in %.1f s = %.0f scans/s end to end (parse %.1f s, record_scans %.1f s; slices of %zu "
        "lines)\n",
        static_cast<long long>(lines), import_s, static_cast<double>(lines) / import_s, parse_s, record_s, file_lines);
    std::printf("          recorded %zu, duplicates %zu, orphans %zu, anomalies %zu, bad lines %zu\n", total.recorded,
                total.duplicates, total.orphans, total.anomalies, problems);
    if (node.store().dialect() == store::Dialect::sqlite)
      std::printf("          written by the store: %.0f MiB (%.1f KiB a scan: WAL frames and checkpoints)\n",
                  written_mib, written_mib * 1024.0 / static_cast<double>(lines));
    if (import_peak >= 0) {
      std::printf("          peak RSS during the import: %ld MiB (VmHWM; %ld MiB before it)\n", import_peak,
                  rss_before_import);
    } else {
      std::printf("          peak RSS during the import: unknown (VmHWM cannot be reset here)\n");
    }
    if (total.recorded != static_cast<std::size_t>(lines) || problems != 0 || total.orphans != 0) {
      std::fprintf(stderr, "FAILED: not every scan was recorded\n");
      return 1;
    }
    std::filesystem::remove(file_path);

    // 4. Public tracking of random items.
    std::mt19937_64 random(42);
    std::vector<double> track_ms;
    std::map<std::string, std::int64_t> statuses;
    for (int i = 0; i < samples; ++i) {
      const auto& id = ids[random() % ids.size()];
      const auto t = Clock::now();
      auto tracking = parcels.track(id);
      track_ms.push_back(seconds_since(t) * 1000);
      const auto found = ok(std::move(tracking), "track");
      if (found.events.size() != static_cast<std::size_t>(events_per_item)) {
        std::fprintf(stderr, "FAILED: %s has %zu events\n", id.c_str(), found.events.size());
        return 1;
      }
      ++statuses[found.status];
    }
    const auto track = percentiles(track_ms);
    std::printf("  track (public, %d random items): p50 %.3f ms, p99 %.3f ms, max %.2f ms; statuses:", samples,
                track.p50_ms, track.p99_ms, track.max_ms);
    for (const auto& [status, count] : statuses) std::printf(" %s %lld", status.c_str(), static_cast<long long>(count));
    std::printf("\n");

    // 5. The quality report over every posting day of the run, grouped four ways.
    parcels::QualityQuery query;
    query.from_day = *first_day;
    query.to_day = *first_day + 365;
    for (const auto& [grouping, name] :
         {std::pair{parcels::QualityGrouping::route, "route"}, std::pair{parcels::QualityGrouping::product, "product"},
          std::pair{parcels::QualityGrouping::office, "office"},
          std::pair{parcels::QualityGrouping::period, "period (week)"}}) {
      query.group_by = grouping;
      query.period =
          grouping == parcels::QualityGrouping::period ? std::optional(parcels::QualityPeriod::week) : std::nullopt;
      const auto t = Clock::now();
      const auto report = ok(parcels.quality_report(admin, query), "quality_report");
      const double report_s = seconds_since(t);
      std::printf(
          "  quality_report by %-13s %.2f s: %zu rows, %lld items, %lld measured, on time %.1f %%, mean %.2f "
          "days, p95 %d days\n",
          (std::string(name) + ":").c_str(), report_s, report.rows.size(), static_cast<long long>(report.totals.items),
          static_cast<long long>(report.totals.measured), report.totals.on_time_percent.value_or(-1),
          report.totals.mean_transit_days.value_or(-1), report.totals.p95_transit_days.value_or(-1));
      if (report.totals.items != items) {
        std::fprintf(stderr, "FAILED: the report counts %lld items\n", static_cast<long long>(report.totals.items));
        return 1;
      }
      if (grouping == parcels::QualityGrouping::route) {
        const auto rate = [](std::optional<double> percent) {
          char text[16] = "-";
          if (percent) std::snprintf(text, sizeof text, "%.1f %%", *percent);
          return std::string(text);
        };
        for (const auto& row : report.rows) {
          std::printf(
              "      %-6s %8lld items, on time %s, mean %.2f days, EMC→EMD within 24 h %s, EMD→attempt "
              "within 24 h %s\n",
              row.group.c_str(), static_cast<long long>(row.items), rate(row.on_time_percent).c_str(),
              row.mean_transit_days.value_or(-1), rate(row.emc_to_emd_rate).c_str(),
              rate(row.emd_to_delivery_rate).c_str());
        }
      }
    }
    std::printf("  peak RSS of the whole run: %ld MiB\n", peak_rss_mib());
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "benchmark failed: %s\n", error.what());
    return 1;
  }
}
