#!/usr/bin/env bash
# HTTP benchmark: a Release baridd on loopback under wrk (2 threads, 64 connections), for
# GET /healthz and an authenticated GET /api/v1/me, against nginx serving a small static file on
# this machine as the ceiling. Prints requests/s, latency percentiles and the ratio to nginx.
# Usage: bench/http.sh [DURATION_SECONDS]   (run through `make bench-http`)
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-${BENCH_SECONDS:-15}}
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

run_wrk() {  # name url [header]
  local name=$1 url=$2 header=${3:-}
  local args=(-t2 -c64 -d"${duration}s" --latency)
  [[ -n "$header" ]] && args+=(-H "$header")
  wrk "${args[@]}" "http://127.0.0.1:$url" > "$work/$name.txt"
  local rps p50 p90 p99 errors
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/$name.txt")
  p50=$(awk '$1=="50%" {print $2}' "$work/$name.txt")
  p90=$(awk '$1=="90%" {print $2}' "$work/$name.txt")
  p99=$(awk '$1=="99%" {print $2}' "$work/$name.txt")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$work/$name.txt" | tr '\n' ' ')
  printf '%-28s %12s %9s %9s %9s  %s\n' "$name" "$rps" "$p50" "$p90" "$p99" "$errors"
  eval "rps_${name//[^a-zA-Z0-9]/_}=$rps"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "wrk: 2 threads, 64 connections, ${duration}s each, loopback"
printf '%-28s %12s %9s %9s %9s\n' target "requests/s" p50 p90 p99
run_wrk nginx_static "$nginx_port/index.txt"
run_wrk baridd_healthz "$barid_port/healthz"
run_wrk baridd_me_authenticated "$barid_port/api/v1/me" "Authorization: Bearer $token"
python3 - "$rps_nginx_static" "$rps_baridd_healthz" "$rps_baridd_me_authenticated" <<'PY'
import sys
nginx, healthz, me = map(float, sys.argv[1:])
print(f"ratio to nginx: /healthz {healthz / nginx:.2f}, authenticated /api/v1/me {me / nginx:.2f} (target >= 0.50)")
PY
