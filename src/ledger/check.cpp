// `barid ledger check`: recompute every balance from the transfers and test the invariants of
// REFERENCE §4 against what is stored.
#include "internal.hpp"

#include <map>
#include <unordered_map>

namespace barid::ledger {
namespace {
using namespace detail;

struct Sums {
  std::int64_t debits_pending = 0;
  std::int64_t debits_posted = 0;
  std::int64_t credits_pending = 0;
  std::int64_t credits_posted = 0;
};

// Non-pending, non-void transfers are postings; a pending one counts while it is still pending.
constexpr const char* kPostedSum =
    "SELECT {side}, CAST(SUM(amount) AS BIGINT) FROM ledger_transfers WHERE (flags & 10) = 0 GROUP BY {side}";
constexpr const char* kPendingSum =
    "SELECT t.{side}, CAST(SUM(t.amount) AS BIGINT) FROM ledger_transfers t JOIN ledger_pending p ON p.id = t.id "
    "WHERE p.status = 'pending' GROUP BY t.{side}";

std::string with_side(std::string sql, const std::string& side) {
  for (auto at = sql.find("{side}"); at != std::string::npos; at = sql.find("{side}")) sql.replace(at, 6, side);
  return sql;
}
}  // namespace

std::string to_string(Total total) {
  if (total == 0) return "0";
  const bool negative = total < 0;
  __extension__ typedef unsigned __int128 Magnitude;
  Magnitude magnitude = negative ? Magnitude(0) - static_cast<Magnitude>(total) : static_cast<Magnitude>(total);
  std::string digits;
  while (magnitude != 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  }
  return negative ? "-" + digits : digits;
}

CheckReport LedgerService::check() {
  return store_.read<CheckReport>([&](store::Transaction& tx) {
    CheckReport report;
    auto violation = [&](std::string text) {
      if (report.violations.size() < 100) report.violations.push_back(std::move(text));
    };

    std::unordered_map<Id, Sums, IdHash> recomputed;
    auto collect = [&](const char* sql, const std::string& side, std::int64_t Sums::*field) {
      for (const auto& row : tx.query(with_side(sql, side))) recomputed[id_at(row, 0)].*field = row.int64(1);
    };
    collect(kPostedSum, "debit_account_id", &Sums::debits_posted);
    collect(kPostedSum, "credit_account_id", &Sums::credits_posted);
    collect(kPendingSum, "debit_account_id", &Sums::debits_pending);
    collect(kPendingSum, "credit_account_id", &Sums::credits_pending);

    std::map<std::uint32_t, LedgerTotals> ledgers;
    for (const auto& row : tx.query(std::string("SELECT ") + kAccountColumns + " FROM ledger_accounts")) {
      const Account a = account_at(row);
      LedgerTotals& totals = ledgers[a.ledger];
      totals.ledger = a.ledger;
      ++totals.accounts;
      totals.debits_posted += a.debits_posted;
      totals.credits_posted += a.credits_posted;
      totals.debits_pending += a.debits_pending;
      totals.credits_pending += a.credits_pending;
      Sums sums;
      if (auto found = recomputed.find(a.id); found != recomputed.end()) {
        sums = found->second;
        recomputed.erase(found);
      }
      const std::string name = "account " + a.id.to_string();
      if (sums.debits_posted != a.debits_posted || sums.credits_posted != a.credits_posted ||
          sums.debits_pending != a.debits_pending || sums.credits_pending != a.credits_pending) {
        violation(name + ": stored balances (debits " + std::to_string(a.debits_pending) + " pending, " +
                  std::to_string(a.debits_posted) + " posted; credits " + std::to_string(a.credits_pending) +
                  " pending, " + std::to_string(a.credits_posted) + " posted) differ from its transfers (debits " +
                  std::to_string(sums.debits_pending) + " pending, " + std::to_string(sums.debits_posted) +
                  " posted; credits " + std::to_string(sums.credits_pending) + " pending, " +
                  std::to_string(sums.credits_posted) + " posted)");
      }
      if (a.debits_pending < 0 || a.debits_posted < 0 || a.credits_pending < 0 || a.credits_posted < 0) {
        violation(name + ": a negative amount");
      }
      if ((a.flags & account_flags::debits_must_not_exceed_credits) &&
          a.debits_pending + a.debits_posted > a.credits_posted) {
        violation(name + ": debits exceed credits although the account forbids it");
      }
      if ((a.flags & account_flags::credits_must_not_exceed_debits) &&
          a.credits_pending + a.credits_posted > a.debits_posted) {
        violation(name + ": credits exceed debits although the account forbids it");
      }
    }
    for (const auto& [id, sums] : recomputed)
      violation("transfers name account " + id.to_string() + ", which is missing");

    for (const auto& row : tx.query("SELECT ledger, COUNT(*) FROM ledger_transfers GROUP BY ledger")) {
      const auto ledger = static_cast<std::uint32_t>(row.int64(0));
      ledgers[ledger].ledger = ledger;
      ledgers[ledger].transfers = row.int64(1);
    }
    for (auto& [ledger, totals] : ledgers) {
      if (totals.debits_posted != totals.credits_posted || totals.debits_pending != totals.credits_pending) {
        violation("ledger " + std::to_string(ledger) + ": debits (" + to_string(totals.debits_posted) + " posted, " +
                  to_string(totals.debits_pending) + " pending) differ from credits (" +
                  to_string(totals.credits_posted) + " posted, " + to_string(totals.credits_pending) + " pending)");
      }
      report.ledgers.push_back(totals);
    }

    for (const auto& row : tx.query("SELECT t.id FROM ledger_transfers t LEFT JOIN ledger_pending p ON p.id = t.id "
                                    "WHERE (t.flags & 2) <> 0 AND p.id IS NULL LIMIT 10")) {
      violation("pending transfer " + id_at(row, 0).to_string() + " has no pending state");
    }
    for (const auto& row : tx.query(
             "SELECT t.id FROM ledger_transfers t JOIN ledger_pending p ON p.id = t.pending_id "
             "WHERE ((t.flags & 4) <> 0 AND p.status <> 'posted') OR ((t.flags & 8) <> 0 AND p.status <> 'voided') "
             "LIMIT 10")) {
      violation("transfer " + id_at(row, 0).to_string() + " resolved a pending transfer that is not marked so");
    }
    for (const auto& row : tx.query("SELECT pending_id FROM ledger_transfers WHERE pending_id IS NOT NULL "
                                    "GROUP BY pending_id HAVING COUNT(*) > 1 LIMIT 10")) {
      violation("pending transfer " + id_at(row, 0).to_string() + " was resolved more than once");
    }
    return report;
  });
}

}  // namespace barid::ledger
