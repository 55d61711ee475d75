#!/usr/bin/env bash
# The ledger benchmark (bench/ledger_bench.cpp) on SQLite, then on a throwaway PostgreSQL 15 cluster
# started for the run and stopped afterwards, with the plain-SQL baseline beside it on PostgreSQL.
# Prints transfers/s (uniform and Zipf-hot), the baseline's rate and the ratio, and the ledger check.
# Usage: bench/ledger.sh   (run through `make bench-ledger`)
#   BENCH_TRANSFERS (default 1000000) per distribution; BENCH_BASELINE_TRANSFERS (default 20000).
set -euo pipefail
cd "$(dirname "$0")/.."
transfers=${BENCH_TRANSFERS:-1000000}
baseline=${BENCH_BASELINE_TRANSFERS:-20000}
bench=build/bin/barid_bench_ledger
source bench/common.sh
make_work_dir ledger

print_machine
echo
mkdir -p "$work/sqlite"
"$bench" --database "sqlite:$work/sqlite/barid.db" --transfers "$transfers"
rm -rf "$work/sqlite"
echo
scripts/test-postgres.sh start "$work/pg" >/dev/null
"$bench" --database "$(cat "$work/pg/url")" --transfers "$transfers" --baseline-transfers "$baseline"
bench/ledger_http.sh
