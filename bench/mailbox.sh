#!/usr/bin/env bash
# The mailbox benchmark (bench/mailbox_bench.cpp) on SQLite, then on a throwaway PostgreSQL 15
# cluster started for the run and stopped afterwards. Prints letters/s, peak memory, list/open
# latency percentiles and bundle verification time.
# Usage: bench/mailbox.sh   (run through `make bench-mailbox`)
#   BENCH_LETTERS (default 1000000) letters on SQLite; BENCH_PG_LETTERS (default BENCH_LETTERS) on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
letters=${BENCH_LETTERS:-1000000}
pg_letters=${BENCH_PG_LETTERS:-$letters}
bench=build/bin/barid_bench_mailbox
source bench/common.sh
make_work_dir mailbox

print_machine
echo
mkdir -p "$work/sqlite"
"$bench" --database "sqlite:$work/sqlite/barid.db" --data-dir "$work/sqlite" --letters "$letters"
echo "  database files: $(du -sh "$work/sqlite" | cut -f1)"
rm -rf "$work/sqlite"
echo
scripts/test-postgres.sh start "$work/pg" >/dev/null
"$bench" --database "$(cat "$work/pg/url")" --data-dir "$work/pg-keys" --letters "$pg_letters"
