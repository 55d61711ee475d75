// Delivery standards, working-day calendars and the quality-of-service report (REFERENCE §7, §8).
// The report reads only the columns it needs of the posted items, in pages of one range scan of the
// posting-time index inside one read transaction, and computes each item's posting day, due day and
// transit time in memory with the standards and calendars read once at its start: no query per item.
#include "internal.hpp"

#include <barid/core/log.hpp>
#include <barid/crypto/crypto.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <set>
#include <tuple>

namespace barid::parcels {

using identity::Principal;
using identity::Role;

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
constexpr std::int64_t kScanWindowMs = 24LL * 60 * 60 * 1000;  // the UPU scan-timeliness window
constexpr std::int64_t kMaxOffsetMs = std::int64_t{kMaxUtcOffsetMinutes} * 60'000;
constexpr std::int64_t kReportPageRows = 20'000;  // rows held in memory at once by the report
constexpr std::int32_t kNoPeriod = std::numeric_limits<std::int32_t>::min();

constexpr const char* kStandardColumns = "id, product, origin, destination, days, cutoff_minutes, created_at_ms";

Standard standard_from_row(const store::Row& row) {
  return {row.text(0),
          row.text(1),
          row.text(2),
          row.text(3),
          static_cast<std::int32_t>(row.int64(4)),
          static_cast<std::int32_t>(row.int64(5)),
          row.int64(6)};
}

std::string standard_key(std::string_view product, std::string_view origin, std::string_view destination) {
  std::string key;
  key.reserve(product.size() + origin.size() + destination.size() + 2);
  key.append(product).append(1, '|').append(origin).append(1, '|').append(destination);
  return key;
}

Status require_admin(const Principal& caller) {
  if (!caller.has_role(Role::operator_admin))
    return forbidden("role_not_allowed", "only operator admins manage delivery standards and see quality reports");
  return {};
}

Error standard_error(const std::string& message) {
  return invalid_input("invalid_standard", message);
}

std::int32_t clamp_offset(std::optional<std::int32_t> offset) {
  return std::clamp(offset.value_or(0), -kMaxUtcOffsetMinutes, kMaxUtcOffsetMinutes);
}

// 0 = Monday … 6 = Sunday.
int weekday_index(std::int32_t day) {
  const std::chrono::sys_days date{std::chrono::days{day}};
  return static_cast<int>(std::chrono::weekday{date}.iso_encoding()) - 1;
}

// The longest run of consecutive days that are not working days.
std::int32_t closed_run_days(const Calendar& calendar) {
  std::int32_t longest = 0;
  for (int start = 0; start < 7; ++start) {
    int run = 0;
    while (run < 7 && calendar.weekend[static_cast<std::size_t>((start + run) % 7)]) ++run;
    longest = std::max(longest, run);
  }
  std::int32_t covered_until = std::numeric_limits<std::int32_t>::min();
  for (const std::int32_t holiday : calendar.holidays) {
    if (holiday <= covered_until) continue;
    std::int32_t first = holiday;
    while (!is_working_day(calendar, first - 1)) --first;
    std::int32_t last = holiday;
    while (!is_working_day(calendar, last + 1)) ++last;
    covered_until = last;
    longest = std::max(longest, last - first + 1);
  }
  return longest;
}

// The first day of the period that holds `day`.
std::int32_t period_start(std::int32_t day, QualityPeriod period) {
  switch (period) {
    case QualityPeriod::day: return day;
    case QualityPeriod::week: return day - weekday_index(day);
    case QualityPeriod::month: {
      const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{day}}};
      return static_cast<std::int32_t>(
          std::chrono::sys_days{date.year() / date.month() / 1}.time_since_epoch().count());
    }
  }
  return day;
}

// "2026-01-07", ISO week "2026-W02" (the year of its Thursday), or "2026-01".
std::string period_label(std::int32_t start, QualityPeriod period) {
  switch (period) {
    case QualityPeriod::day: return format_day(start);
    case QualityPeriod::month: return format_day(start).substr(0, 7);
    case QualityPeriod::week: {
      const std::int32_t thursday = start + 3;
      const std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{thursday}}};
      const auto first_of_year = std::chrono::sys_days{date.year() / 1 / 1}.time_since_epoch().count();
      char text[16];
      std::snprintf(text, sizeof text, "%04d-W%02d", static_cast<int>(date.year()),
                    static_cast<int>((thursday - first_of_year) / 7 + 1));
      return text;
    }
  }
  return format_day(start);
}

// numerator / denominator as a percentage with one decimal, half up; null when nothing was counted.
std::optional<double> percent(std::int64_t numerator, std::int64_t denominator) {
  if (denominator <= 0) return std::nullopt;
  const std::int64_t tenths = (numerator * 2000 + denominator) / (2 * denominator);
  return static_cast<double>(tenths) / 10.0;
}

// What one group has counted so far.
struct Tally {
  std::int64_t items = 0, without_standard = 0, measured = 0, on_time = 0, pending = 0, late_pending = 0;
  std::int64_t anomalies = 0, emc_items = 0, emc_within = 0, emd_items = 0, emd_within = 0;
  std::int64_t transit_sum = 0, transit_count = 0;
  std::map<std::int32_t, std::int64_t> transit_histogram;  // transit days → items
};

// The quality columns of one posted item, as the report reads them.
struct PostedItem {
  std::int64_t anomalies = 0;
  std::optional<std::int64_t> first_emc_at_ms, first_emd_at_ms, first_after_emd_at_ms;
};

void count(Tally& tally, const PostedItem& item, const std::optional<ItemQuality>& quality) {
  ++tally.items;
  tally.anomalies += item.anomalies;
  if (item.first_emc_at_ms) {
    ++tally.emc_items;
    const auto& emc = *item.first_emc_at_ms;
    const auto& emd = item.first_emd_at_ms;
    if (emd && *emd >= emc && *emd - emc <= kScanWindowMs) ++tally.emc_within;
  }
  if (item.first_emd_at_ms) {
    ++tally.emd_items;
    const auto& after = item.first_after_emd_at_ms;
    if (after && *after - *item.first_emd_at_ms <= kScanWindowMs) ++tally.emd_within;
  }
  if (!quality) {
    ++tally.without_standard;
  } else if (quality->transit_days) {
    ++tally.measured;
    if (quality->on_time == true) ++tally.on_time;
    tally.transit_sum += *quality->transit_days;
    ++tally.transit_count;
    ++tally.transit_histogram[*quality->transit_days];
  } else if (quality->on_time == false) {
    ++tally.measured;
    ++tally.late_pending;
  } else {
    ++tally.pending;
  }
}

QualityRow row_of(const Tally& tally, std::string group, std::optional<std::string> period) {
  QualityRow row;
  row.group = std::move(group);
  row.period = std::move(period);
  row.items = tally.items;
  row.without_standard = tally.without_standard;
  row.measured = tally.measured;
  row.on_time = tally.on_time;
  row.on_time_percent = percent(tally.on_time, tally.measured);
  if (tally.transit_count > 0) {
    const std::int64_t hundredths = (tally.transit_sum * 200 + tally.transit_count) / (2 * tally.transit_count);
    row.mean_transit_days = static_cast<double>(hundredths) / 100.0;
    // Nearest rank: the smallest value with at least 95 % of the items at or below it.
    const std::int64_t rank = (95 * tally.transit_count + 99) / 100;
    std::int64_t seen = 0;
    for (const auto& [days, items] : tally.transit_histogram) {
      seen += items;
      if (seen >= rank) {
        row.p95_transit_days = days;
        break;
      }
    }
  }
  row.pending = tally.pending;
  row.late_pending = tally.late_pending;
  row.anomalies = tally.anomalies;
  row.emc_items = tally.emc_items;
  row.emc_to_emd_within_24h = tally.emc_within;
  row.emc_to_emd_rate = percent(tally.emc_within, tally.emc_items);
  row.emd_items = tally.emd_items;
  row.emd_to_delivery_within_24h = tally.emd_within;
  row.emd_to_delivery_rate = percent(tally.emd_within, tally.emd_items);
  return row;
}

}  // namespace

namespace detail {

void QualityRules::add_standard(Standard standard) {
  auto key = standard_key(standard.product, standard.origin, standard.destination);
  standards_.insert_or_assign(std::move(key), std::move(standard));
}

void QualityRules::add_calendar(const std::string& country, const std::string& definition) {
  // Stored calendars were validated before they were written; one that no longer decodes is a
  // defect, logged, and the country's default is used rather than failing every report.
  auto calendar = calendar_from_json(Json::parse(definition, nullptr, false));
  if (!calendar || calendar->country != country) {
    log::warning("parcel_calendar_unreadable", {{"country", country}});
    return;
  }
  calendars_.insert_or_assign(country, std::move(*calendar));
}

QualityRules QualityRules::load_all(store::Transaction& tx) {
  QualityRules rules;
  for (const auto& row : tx.query(std::string("SELECT ") + kStandardColumns + " FROM parcel_standards")) {
    rules.add_standard(standard_from_row(row));
  }
  for (const auto& row : tx.query("SELECT country, definition FROM parcel_calendars")) {
    rules.add_calendar(row.text(0), row.text(1));
  }
  return rules;
}

QualityRules QualityRules::load_for(store::Transaction& tx, const std::vector<const Item*>& items) {
  QualityRules rules;
  if (items.empty()) return rules;
  if (items.size() == 1) {
    const Item& item = *items[0];
    for (const auto& row : tx.query(std::string("SELECT ") + kStandardColumns +
                                        " FROM parcel_standards WHERE product IN (?, '*') AND origin IN (?, '*') AND "
                                        "destination IN (?, '*')",
                                    {item.product, item.origin_country, item.destination_country})) {
      rules.add_standard(standard_from_row(row));
    }
  } else {
    for (const auto& row : tx.query(std::string("SELECT ") + kStandardColumns + " FROM parcel_standards")) {
      rules.add_standard(standard_from_row(row));
    }
  }
  std::set<std::string> countries;
  for (const Item* item : items) {
    countries.insert(item->origin_country);
    countries.insert(item->destination_country);
  }
  std::string sql = "SELECT country, definition FROM parcel_calendars WHERE country IN (";
  std::vector<store::Value> params;
  for (const auto& country : countries) {
    sql += params.empty() ? "?" : ", ?";
    params.emplace_back(country);
  }
  sql += ")";
  for (const auto& row : tx.query(sql, params)) rules.add_calendar(row.text(0), row.text(1));
  return rules;
}

const Standard* QualityRules::standard_for(std::string_view product, std::string_view origin,
                                           std::string_view destination) {
  auto key = standard_key(product, origin, destination);
  if (const auto cached = resolved_.find(key); cached != resolved_.end()) return cached->second;
  // Bit 2: any product, bit 1: any origin, bit 0: any destination; counting up gives the order of
  // parcels.hpp, most specific first.
  const Standard* found = nullptr;
  for (int wildcards = 0; wildcards < 8 && !found; ++wildcards) {
    const auto match = standards_.find(standard_key((wildcards & 4) != 0 ? kAnyStandard : product,
                                                    (wildcards & 2) != 0 ? kAnyStandard : origin,
                                                    (wildcards & 1) != 0 ? kAnyStandard : destination));
    if (match != standards_.end()) found = &match->second;
  }
  resolved_.emplace(std::move(key), found);
  return found;
}

const Calendar& QualityRules::calendar(const std::string& country) {
  auto found = calendars_.find(country);
  if (found == calendars_.end()) found = calendars_.emplace(country, default_calendar(country)).first;
  return found->second;
}

std::int32_t QualityRules::longest_closed_run_days() const {
  // Countries without a stored calendar have their default weekend: two days at most.
  std::int32_t longest = 2;
  for (const auto& [country, calendar] : calendars_) longest = std::max(longest, closed_run_days(calendar));
  return longest;
}

std::int32_t local_day(std::int64_t at_ms, std::optional<std::int32_t> utc_offset_minutes) {
  return civil_day(at_ms, clamp_offset(utc_offset_minutes));
}

ItemQuality measure_item(const Standard& standard, const Calendar& origin, const Calendar& destination,
                         std::int64_t posted_at_ms, std::optional<std::int32_t> posted_offset_minutes,
                         std::optional<std::int64_t> first_attempt_at_ms,
                         std::optional<std::int32_t> first_attempt_offset_minutes, std::int64_t now_ms) {
  ItemQuality quality;
  quality.standard_days = standard.days;
  quality.posting_day = posting_day(origin, posted_at_ms, clamp_offset(posted_offset_minutes), standard.cutoff_minutes);
  quality.due_day = add_working_days(destination, quality.posting_day, standard.days);
  if (first_attempt_at_ms) {
    quality.first_attempt_day = local_day(*first_attempt_at_ms, first_attempt_offset_minutes);
    quality.on_time = *quality.first_attempt_day <= quality.due_day;
    quality.transit_days = working_days_between(destination, quality.posting_day, *quality.first_attempt_day);
  } else if (local_day(now_ms, posted_offset_minutes) > quality.due_day) {
    quality.on_time = false;  // late_pending: whenever it comes, the attempt is late
  }
  return quality;
}

void attach_quality(store::Transaction& tx, const std::vector<ItemRow*>& rows, std::int64_t now_ms) {
  std::vector<const Item*> posted;
  for (const ItemRow* row : rows) {
    if (row->item.posted_at_ms) posted.push_back(&row->item);
  }
  if (posted.empty()) return;
  auto rules = QualityRules::load_for(tx, posted);
  for (ItemRow* row : rows) {
    auto& item = row->item;
    if (!item.posted_at_ms) continue;
    const Standard* standard = rules.standard_for(item.product, item.origin_country, item.destination_country);
    if (!standard) continue;
    item.quality = measure_item(
        *standard, rules.calendar(item.origin_country), rules.calendar(item.destination_country), *item.posted_at_ms,
        row->posted_offset_minutes, item.first_attempt_at_ms, row->first_attempt_offset_minutes, now_ms);
  }
}

}  // namespace detail

Result<StoredCalendar> ParcelsService::set_calendar(const Principal& admin, const std::string& country,
                                                    const Json& definition) {
  BARID_TRY(require_admin(admin));
  if (!is_country_code(country))
    return invalid_input("invalid_calendar", "country: must be an ISO 3166-1 alpha-2 code in capitals such as EG");
  if (!definition.is_object()) return invalid_input("invalid_calendar", "a calendar must be a JSON object");
  Json complete = definition;
  if (!complete.contains("country") || complete["country"].is_null()) complete["country"] = country;
  BARID_ASSIGN_OR_RETURN(auto calendar, calendar_from_json(complete));
  if (calendar.country != country)
    return invalid_input("invalid_calendar",
                         "country: this is the calendar of " + country + ", not of " + calendar.country);
  const auto now = clock_ms();
  const std::string text = calendar_json(calendar).dump();
  store_.run_write([&](store::Transaction& tx) {
    tx.execute(
        "INSERT INTO parcel_calendars (country, definition, updated_at_ms, updated_by_user_id) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (country) DO UPDATE SET definition = excluded.definition, updated_at_ms = "
        "excluded.updated_at_ms, updated_by_user_id = excluded.updated_by_user_id",
        {country, text, now, admin.user_id});
    return true;
  });
  return StoredCalendar{std::move(calendar), now};
}

Result<std::vector<StoredCalendar>> ParcelsService::calendars(const Principal& admin) {
  BARID_TRY(require_admin(admin));
  return store_.read<std::vector<StoredCalendar>>([&](store::Transaction& tx) {
    std::vector<StoredCalendar> out;
    for (const auto& row : tx.query("SELECT country, definition, updated_at_ms FROM parcel_calendars")) {
      auto calendar = calendar_from_json(Json::parse(row.text(1), nullptr, false));
      out.push_back({calendar ? std::move(*calendar) : default_calendar(row.text(0)), row.int64(2)});
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.calendar.country < b.calendar.country; });
    return out;
  });
}

Result<Standard> ParcelsService::add_standard(const Principal& admin, const StandardInput& input) {
  BARID_TRY(require_admin(admin));
  if (input.product != kAnyStandard && (input.product.size() != 1 || !product_by_code(input.product)))
    return standard_error("product must be one of R, L, C, H, E, or * for any product");
  for (const auto& [field, zone] : {std::pair{"origin", &input.origin}, std::pair{"destination", &input.destination}}) {
    if (*zone != kAnyStandard && !is_country_code(*zone))
      return standard_error(std::string(field) + " must be an ISO 3166-1 alpha-2 country code, or * for any");
  }
  if (input.days < 0 || input.days > kMaxStandardDays)
    return standard_error("days must be 0 to " + std::to_string(kMaxStandardDays) + " working days");
  if (input.cutoff_minutes < 0 || input.cutoff_minutes > kMinutesPerDay)
    return standard_error("cutoff_minutes must be 0 to 1440 minutes after local midnight (1440: no cut-off)");
  const auto now = clock_ms();
  const Standard standard{"std_" + crypto::new_uuid(),
                          input.product,
                          input.origin,
                          input.destination,
                          input.days,
                          input.cutoff_minutes,
                          now};
  const auto exists = [&] {
    return conflict("standard_exists", "a standard for product " + input.product + " from " + input.origin + " to " +
                                           input.destination + " exists; remove it first");
  };
  try {
    return store_.write<Standard>([&](store::Transaction& tx) -> Result<Standard> {
      if (tx.query_one("SELECT 1 FROM parcel_standards WHERE product = ? AND origin = ? AND destination = ?",
                       {input.product, input.origin, input.destination}))
        return exists();
      if (tx.query_one("SELECT COUNT(*) FROM parcel_standards")->int64(0) >= static_cast<std::int64_t>(kMaxStandards))
        return conflict("too_many_standards",
                        "at most " + std::to_string(kMaxStandards) + " standards; remove some first");
      tx.execute(
          "INSERT INTO parcel_standards (id, product, origin, destination, days, cutoff_minutes, created_at_ms, "
          "created_by_user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          {standard.id, standard.product, standard.origin, standard.destination, std::int64_t{standard.days},
           std::int64_t{standard.cutoff_minutes}, now, admin.user_id});
      return standard;
    });
  } catch (const store::StoreError& error) {
    // Another admin added the same standard at the same moment.
    if (error.kind() != store::StoreError::Kind::unique_violation) throw;
    return exists();
  }
}

Result<std::vector<Standard>> ParcelsService::standards(const Principal& admin) {
  BARID_TRY(require_admin(admin));
  return store_.read<std::vector<Standard>>([&](store::Transaction& tx) {
    std::vector<Standard> out;
    for (const auto& row : tx.query(std::string("SELECT ") + kStandardColumns + " FROM parcel_standards")) {
      out.push_back(standard_from_row(row));
    }
    // In C++, so that both databases give the same order whatever their collation.
    std::sort(out.begin(), out.end(), [](const Standard& a, const Standard& b) {
      return std::tie(a.product, a.origin, a.destination) < std::tie(b.product, b.origin, b.destination);
    });
    return out;
  });
}

Status ParcelsService::remove_standard(const Principal& admin, const std::string& standard_id) {
  BARID_TRY(require_admin(admin));
  auto removed = store_.write<bool>([&](store::Transaction& tx) -> Result<bool> {
    if (tx.execute("DELETE FROM parcel_standards WHERE id = ?", {standard_id}) == 0)
      return not_found("standard_not_found", "no standard has this id");
    return true;
  });
  if (!removed) return std::move(removed).error();
  return {};
}

Result<QualityReport> ParcelsService::quality_report(const Principal& admin, const QualityQuery& query) {
  BARID_TRY(require_admin(admin));
  if (query.from_day > query.to_day) return invalid_input("invalid_query", "from must not be later than to");
  if (std::int64_t{query.to_day} - query.from_day + 1 > kMaxQualityReportDays)
    return invalid_input("invalid_query",
                         "a report covers at most " + std::to_string(kMaxQualityReportDays) + " posting days");
  const auto period = query.period.value_or(QualityPeriod::day);
  const bool split = query.group_by != QualityGrouping::period && query.period.has_value();
  QualityReport report;
  report.query = query;
  report.as_of_ms = clock_ms();

  store_.run_read([&](store::Transaction& tx) {
    report.rows.clear();
    auto rules = detail::QualityRules::load_all(tx);
    std::map<std::pair<std::string, std::int32_t>, Tally> tallies;
    Tally totals;
    // D is at or after the posting's local day, by at most one day (the cut-off) and the longest
    // run of closed days; local days are within ±18 h of UTC.
    const std::int64_t slack_days = 1 + rules.longest_closed_run_days();
    std::int64_t after_ms = (std::int64_t{query.from_day} - slack_days) * kDayMs - kMaxOffsetMs;
    const std::int64_t until_ms = (std::int64_t{query.to_day} + 1) * kDayMs + kMaxOffsetMs;
    std::string after_row;
    for (;;) {
      const auto rows = tx.query(
          "SELECT row_id, product, origin_country, destination_country, posted_at_ms, posted_offset_minutes, "
          "COALESCE(posted_office, office), first_attempt_at_ms, first_attempt_offset_minutes, anomalies, "
          "first_emc_at_ms, first_emd_at_ms, first_after_emd_at_ms FROM parcel_items WHERE posted_at_ms IS NOT NULL "
          "AND (posted_at_ms, row_id) > (?, ?) AND posted_at_ms < ? ORDER BY posted_at_ms, row_id LIMIT ?",
          {after_ms, after_row, until_ms, kReportPageRows});
      for (const auto& row : rows) {
        const std::string product = row.text(1);
        const std::string origin = row.text(2);
        const std::string destination = row.text(3);
        const std::int64_t posted_at_ms = row.int64(4);
        const auto offset = [&row](std::size_t column) -> std::optional<std::int32_t> {
          const auto value = row.optional_int64(column);
          if (!value) return std::nullopt;
          return static_cast<std::int32_t>(
              std::clamp<std::int64_t>(*value, -kMaxUtcOffsetMinutes, kMaxUtcOffsetMinutes));
        };
        const auto posted_offset = offset(5);
        const Calendar& origin_calendar = rules.calendar(origin);
        const Standard* standard = rules.standard_for(product, origin, destination);
        std::optional<ItemQuality> quality;
        std::int32_t day = 0;
        if (standard) {
          quality = detail::measure_item(*standard, origin_calendar, rules.calendar(destination), posted_at_ms,
                                         posted_offset, row.optional_int64(7), offset(8), report.as_of_ms);
          day = quality->posting_day;
        } else {
          // Not measured, but counted in its period: D without a cut-off.
          day = posting_day(origin_calendar, posted_at_ms, clamp_offset(posted_offset), kMinutesPerDay);
        }
        if (day < query.from_day || day > query.to_day) continue;
        PostedItem item{row.int64(9), row.optional_int64(10), row.optional_int64(11), row.optional_int64(12)};
        std::pair<std::string, std::int32_t> key{std::string(), split ? period_start(day, period) : kNoPeriod};
        switch (query.group_by) {
          case QualityGrouping::route: key.first.append(origin).append(1, '>').append(destination); break;
          case QualityGrouping::product: key.first = product; break;
          case QualityGrouping::office: key.first = row.optional_text(6).value_or(""); break;
          case QualityGrouping::period: key.second = period_start(day, period); break;
        }
        count(tallies[key], item, quality);
        count(totals, item, quality);
      }
      if (rows.size() < static_cast<std::size_t>(kReportPageRows)) break;
      after_ms = rows.back().int64(4);
      after_row = rows.back().text(0);
    }
    for (const auto& [key, tally] : tallies) {
      if (query.group_by == QualityGrouping::period) {
        report.rows.push_back(row_of(tally, period_label(key.second, period), std::nullopt));
      } else {
        report.rows.push_back(
            row_of(tally, key.first, split ? std::optional(period_label(key.second, period)) : std::nullopt));
      }
    }
    report.totals = row_of(totals, "total", std::nullopt);
  });
  return report;
}

}  // namespace barid::parcels
