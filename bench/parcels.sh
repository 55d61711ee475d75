#!/usr/bin/env bash
# The parcels benchmark (bench/parcels_bench.cpp) on SQLite, then on a throwaway PostgreSQL 15 cluster
# started for the run and stopped afterwards. Prints items/s of create_item, scans/s of the JSONL
# import (parse + record_scans) with its peak memory, public tracking latency percentiles and the
# time of the quality report over every item.
# Usage: bench/parcels.sh   (run through `make bench-parcels`)
#   BENCH_ITEMS (default 1000000) items on SQLite; BENCH_PG_ITEMS (default 200000) on PostgreSQL;
#   BENCH_EVENTS_PER_ITEM (default 10) scans per item; BENCH_ORDER (time or item, default time): the
#   scans in the file as they happen (items interleaved) or grouped by item; BENCH_FILE_LINES
#   (default 100000) lines per parsed and recorded slice; BENCH_SAMPLES (default 10000) lookups.
set -euo pipefail
cd "$(dirname "$0")/.."
items=${BENCH_ITEMS:-1000000}
pg_items=${BENCH_PG_ITEMS:-200000}
args=(--events-per-item "${BENCH_EVENTS_PER_ITEM:-10}" --order "${BENCH_ORDER:-time}"
      --file-lines "${BENCH_FILE_LINES:-100000}" --samples "${BENCH_SAMPLES:-10000}")
bench=build/bin/barid_bench_parcels
source bench/common.sh
make_work_dir parcels

print_machine
echo
mkdir -p "$work/sqlite"
"$bench" --database "sqlite:$work/sqlite/barid.db" --data-dir "$work/sqlite" --items "$items" "${args[@]}"
echo "  database files: $(du -sh "$work/sqlite" | cut -f1)"
rm -rf "$work/sqlite"
echo
scripts/test-postgres.sh start "$work/pg" >/dev/null
"$bench" --database "$(cat "$work/pg/url")" --data-dir "$work/pg-data" --items "$pg_items" "${args[@]}"
