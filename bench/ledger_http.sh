#!/usr/bin/env bash
# The ledger over HTTP (issue 4 §4c): a Release baridd on SQLite, 10,000 accounts, and wrk with 64
# connections sending one transfer per request (POST /api/v1/ledger/transfers, each with its own
# Idempotency-Key). Prints transfers/s and latency percentiles, then checks that every request moved
# exactly one transfer, that `barid ledger check` passes and that all balances still sum to zero.
# Usage: bench/ledger_http.sh [DURATION_SECONDS]   (run by `make bench-ledger`, after the engine)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
duration=${1:-${BENCH_SECONDS:-15}}
accounts=${BENCH_ACCOUNTS:-10000}
bin=build/bin
make_work_dir ledger-http
baridd_pid=""
trap '[[ -n "$baridd_pid" ]] && kill "$baridd_pid" 2>/dev/null; rm -rf "$work"' EXIT

data="$work/data"
"$bin/barid" --data-dir "$data" init >/dev/null
echo "bench passphrase 2026" | "$bin/barid" --data-dir "$data" user add --login bench --role operator_admin \
  --operator-code EGPOST --name-ar "البريد" --name-latin "Post" --password-stdin >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$bin/baridd" --data-dir "$data" --listen "127.0.0.1:$port" --log-file "$work/baridd.log" >/dev/null &
baridd_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

token=$(python3 - "$port" "$accounts" <<'PY'
import json, sys, urllib.request
port, count = sys.argv[1], int(sys.argv[2])
def call(path, body, token=None, key=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    if token: request.add_header("Authorization", "Bearer " + token)
    if key: request.add_header("Idempotency-Key", key)
    return json.load(urllib.request.urlopen(request))
token = call("/api/v1/session", {"login": "bench", "password": "bench passphrase 2026"})["token"]
for start in range(1, count + 1, 5000):
    batch = [{"id": str(i), "ledger": 818, "code": 1} for i in range(start, min(start + 5000, count + 1))]
    results = call("/api/v1/ledger/accounts", {"accounts": batch}, token)["results"]
    assert all(r["result"] == "ok" for r in results), results[:3]
print(token)
PY
)

print_machine
echo "ledger over HTTP: baridd on SQLite, $accounts accounts, wrk 2 threads, 64 connections, ${duration}s, one transfer per request"
BENCH_TOKEN="$token" BENCH_ACCOUNTS="$accounts" wrk -t2 -c64 -d"${duration}s" --latency \
  -s bench/ledger_http.lua "http://127.0.0.1:$port" > "$work/wrk.txt"
kill "$baridd_pid"; wait "$baridd_pid" 2>/dev/null || true; baridd_pid=""

python3 - "$work/wrk.txt" "$data/barid.db" <<'PY'
import re, sqlite3, sys
text = open(sys.argv[1]).read()
def ms(value):
    number, unit = re.match(r"([0-9.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", text).group(1))
latency = {label: ms(re.search(rf"^\s+{label}\s+(\S+)", text, re.M).group(1)) for label in ("50%", "90%", "99%")}
requests = int(re.search(r"completed (\d+) requests", text).group(1))
errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", text))
db = sqlite3.connect(sys.argv[2])
transfers = db.execute("SELECT COUNT(*) FROM ledger_transfers").fetchone()[0]
total = db.execute("SELECT COALESCE(SUM(credits_posted - debits_posted), 0) FROM ledger_accounts").fetchone()[0]
print(f"single transfers/s {rps:.0f}   p50 {latency['50%']:.2f} ms   p90 {latency['90%']:.2f} ms   p99 {latency['99%']:.2f} ms")
print(f"requests completed {requests}, transfers stored {transfers}, non-2xx {errors}, sum of all balances {total}")
# wrk counts requests whose answers arrived; the ones cut off at the end may still have committed.
if errors or total != 0 or not (requests <= transfers <= requests + 64):
    sys.exit("FAILED: the ledger does not match the requests")
PY
"$bin/barid" --data-dir "$data" ledger check | tail -2
