// Migrations: one transaction per version, each recording its own row in schema_migrations, so a
// crash leaves the database at a clean version boundary. On PostgreSQL every migration transaction
// first takes a transaction-scoped advisory lock, which serialises concurrent baridd processes; on
// SQLite BEGIN IMMEDIATE already gives the one writer that exclusivity.
#include "backend.hpp"
#include "sql_text.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

namespace barid::store::detail {
namespace {

// "barid" in ASCII: an arbitrary but fixed key that all baridd processes agree on.
constexpr std::int64_t migration_lock_key = 0x6261726964;

constexpr std::string_view create_migrations_table_sql =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)";

ScriptTransaction& script_transaction(Transaction& tx) {
  auto* script = dynamic_cast<ScriptTransaction*>(&tx);
  if (script == nullptr) throw std::logic_error("store backend handed out a transaction that cannot run scripts");
  return *script;
}

void lock_migrations(Transaction& tx) {
  if (tx.dialect() == Dialect::postgresql) tx.query("SELECT pg_advisory_xact_lock(?)", {migration_lock_key});
}

bool migrations_table_exists(Transaction& tx) {
  if (tx.dialect() == Dialect::sqlite) {
    return tx.query_one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").has_value();
  }
  return tx.query_one("SELECT to_regclass('schema_migrations') IS NOT NULL")->int64(0) == 1;
}

std::vector<int> recorded_versions(Transaction& tx) {
  std::vector<int> versions;
  for (const Row& row : tx.query("SELECT version FROM schema_migrations ORDER BY version")) {
    versions.push_back(static_cast<int>(row.int64(0)));
  }
  return versions;
}

std::vector<Migration> sorted_by_version(std::span<const Migration> migrations) {
  std::vector<Migration> sorted(migrations.begin(), migrations.end());
  std::sort(sorted.begin(), sorted.end(), [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i].version <= 0) throw std::invalid_argument("migration versions must be positive");
    if (i > 0 && sorted[i].version == sorted[i - 1].version) {
      throw std::invalid_argument("migration version " + std::to_string(sorted[i].version) + " is listed twice");
    }
  }
  return sorted;
}

// A database migrated by a newer binary must not be written by this one: its code does not know the
// newer schema's invariants.
std::optional<Error> refuse_newer_database(const std::vector<int>& recorded, int highest_known) {
  if (recorded.empty() || recorded.back() <= highest_known) return std::nullopt;
  return make_error(ErrorKind::unavailable, "database_newer_than_binary",
                    "database schema version " + std::to_string(recorded.back()) +
                        " is newer than this binary (knows up to " + std::to_string(highest_known) +
                        "): upgrade baridd");
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void apply_one(Transaction& tx, const Migration& migration) {
  const bool use_postgresql_text = tx.dialect() == Dialect::postgresql && !migration.postgresql_sql.empty();
  const std::string& text = use_postgresql_text ? migration.postgresql_sql : migration.sql;
  script_transaction(tx).execute_script(substitute_migration_tokens(text, tx.dialect()));
  tx.execute("INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)",
             {std::int64_t{migration.version}, migration.name, now_ms()});
}

Error migration_failed(const Migration& migration, const StoreError& failure) {
  const ErrorKind kind = failure.kind() == StoreError::Kind::unavailable ? ErrorKind::unavailable : ErrorKind::internal;
  return make_error(
      kind, "migration_failed",
      "migration " + std::to_string(migration.version) + " (" + migration.name + ") failed: " + failure.what());
}

}  // namespace

Result<MigrationReport> run_migrations(Store& store, std::span<const Migration> migrations) {
  const std::vector<Migration> known = sorted_by_version(migrations);
  const int highest_known = known.empty() ? 0 : known.back().version;
  std::optional<Error> refusal;
  store.run_write([&](Transaction& tx) {
    lock_migrations(tx);
    script_transaction(tx).execute_script(create_migrations_table_sql);
    refusal = refuse_newer_database(recorded_versions(tx), highest_known);
    return true;
  });
  if (refusal) return *refusal;

  MigrationReport report;
  for (const Migration& migration : known) {
    bool applied = false;
    try {
      store.run_write([&](Transaction& tx) {
        // Re-read under the lock: another process may have applied it, or a newer binary run,
        // since the check above. Runs again from here when PostgreSQL retries the transaction.
        lock_migrations(tx);
        const std::vector<int> recorded = recorded_versions(tx);
        refusal = refuse_newer_database(recorded, highest_known);
        applied = false;
        if (refusal || std::binary_search(recorded.begin(), recorded.end(), migration.version)) return false;
        apply_one(tx, migration);
        applied = true;
        return true;
      });
    } catch (const StoreError& failure) {
      return migration_failed(migration, failure);
    }
    if (refusal) return *refusal;
    if (applied) report.applied.push_back(migration.version);
  }
  const std::vector<int> recorded = read_applied_migrations(store);
  report.current_version = recorded.empty() ? 0 : recorded.back();
  return report;
}

std::vector<int> read_applied_migrations(Store& store) {
  return store.read<std::vector<int>>([](Transaction& tx) {
    if (!migrations_table_exists(tx)) return std::vector<int>{};
    return recorded_versions(tx);
  });
}

}  // namespace barid::store::detail
