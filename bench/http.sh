#!/usr/bin/env bash
# HTTP benchmark: a Release baridd on loopback under wrk (2 threads, 64 connections), for
# GET /healthz and an authenticated GET /api/v1/me, against nginx serving a small static file on
# this machine as the ceiling. Prints requests/s, latency percentiles and the ratio to nginx.
# Usage: bench/http.sh [DURATION_SECONDS]   (run through `make bench-http`)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
duration=${1:-${BENCH_SECONDS:-10}}
bin=build/bin
work=$(mktemp -d /tmp/barid-bench-http.XXXXXX)
chmod 755 "$work"  # nginx workers run as an unprivileged user and must read the file
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# nginx, the ceiling: a 2-byte static file, no access log.
nginx_port=$(free_port)
mkdir -p "$work/nginx/www" "$work/nginx/logs"
printf 'ok' > "$work/nginx/www/index.txt"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/nginx/www;
    location / { try_files \$uri /index.txt; }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
pids+=($!)

# baridd on SQLite with one user, logging each request to a file as in production.
data="$work/data"
"$bin/barid" --data-dir "$data" init >/dev/null
echo "bench passphrase 2026" | "$bin/barid" --data-dir "$data" user add --login bench --role citizen \
  --national-id 29001011234567 --name-ar "مستخدم" --name-latin "Bench User" --password-stdin >/dev/null
barid_port=$(free_port)
"$bin/baridd" --data-dir "$data" --listen "127.0.0.1:$barid_port" --log-file "$work/baridd.log" >/dev/null &
pids+=($!)
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$barid_port/healthz" >/dev/null 2>&1 && curl -sf "http://127.0.0.1:$nginx_port/" >/dev/null 2>&1 && break
  sleep 0.1
done
token=$(curl -sf -X POST "http://127.0.0.1:$barid_port/api/v1/session" -H 'Content-Type: application/json' \
  -d '{"login":"bench","password":"bench passphrase 2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
curl -sf "http://127.0.0.1:$barid_port/api/v1/me" -H "Authorization: Bearer $token" >/dev/null

rounds=${BENCH_ROUNDS:-3}
run_wrk() {  # name url round [header]
  local name=$1 url=$2 round=$3 header=${4:-}
  local args=(-t2 -c64 -d"${duration}s" --latency)
  [[ -n "$header" ]] && args+=(-H "$header")
  wrk "${args[@]}" "http://127.0.0.1:$url" > "$work/$name.$round.txt"
}

# Figures on a shared 2-core machine move from run to run; the targets take turns over several
# rounds and the median of each is reported.
print_machine
echo "wrk: 2 threads, 64 connections, ${duration}s per run, $rounds rounds, loopback; medians"
for round in $(seq "$rounds"); do
  run_wrk nginx_static "$nginx_port/index.txt" "$round"
  run_wrk baridd_healthz "$barid_port/healthz" "$round"
  run_wrk baridd_me_authenticated "$barid_port/api/v1/me" "$round" "Authorization: Bearer $token"
done
python3 - "$work" "$rounds" <<'PY'
import re, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
def ms(text):
    value, unit = re.match(r"([0-9.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
medians = {}
print(f"{'target':28} {'requests/s':>12} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}  errors")
for name in ["nginx_static", "baridd_healthz", "baridd_me_authenticated"]:
    rps, p50, p90, p99, errors = [], [], [], [], 0
    for round in range(1, rounds + 1):
        text = open(f"{work}/{name}.{round}.txt").read()
        rps.append(float(re.search(r"Requests/sec:\s+([0-9.]+)", text).group(1)))
        for label, bucket in (("50%", p50), ("90%", p90), ("99%", p99)):
            bucket.append(ms(re.search(rf"^\s+{label}\s+(\S+)", text, re.M).group(1)))
        for pattern in (r"Non-2xx or 3xx responses: (\d+)", r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)"):
            found = re.search(pattern, text)
            if found:
                errors += sum(int(g) for g in found.groups())
    medians[name] = statistics.median(rps)
    print(f"{name:28} {medians[name]:12.0f} {statistics.median(p50):8.2f} {statistics.median(p90):8.2f} "
          f"{statistics.median(p99):8.2f}  {errors}")
nginx = medians["nginx_static"]
print(f"ratio to nginx: /healthz {medians['baridd_healthz'] / nginx:.2f}, "
      f"authenticated /api/v1/me {medians['baridd_me_authenticated'] / nginx:.2f} (target >= 0.50, p99 <= 10 ms)")
PY
