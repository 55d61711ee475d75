#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the test suite.
#   scripts/test-postgres.sh start DIR   initdb + start on a free 127.0.0.1 port; writes DIR/url
#   scripts/test-postgres.sh stop DIR    fast shutdown, then removes DIR
# Runs the server as `nobody` when started as root, because initdb refuses to run as root.
# fsync stays on: durability is one of the properties the store tests check.
set -euo pipefail

pg_bin=/usr/lib/postgresql/15/bin
readonly superuser=barid
readonly max_start_attempts=5

die() { echo "test-postgres: $*" >&2; exit 1; }

usage() { die "usage: $0 start|stop DIR"; }

# Runs a command as the cluster owner: `nobody` when we are root, ourselves otherwise.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    (cd / && setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups -- "$@")
  else
    "$@"
  fi
}

# Prints a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    return
  fi
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    if [[ -z $(ss -Hltn "sport = :$port") ]]; then
      echo "$port"
      return
    fi
  done
  die "no free TCP port found"
}

# Where the cluster's files are: DIR itself, or (when started as root) a private folder under /tmp
# named in DIR/cluster_root, because `nobody` may not be able to enter the checkout's folders.
cluster_root() {
  local dir=$1
  if [[ -f "$dir/cluster_root" ]]; then cat "$dir/cluster_root"; else echo "$dir"; fi
}

stop_cluster() {
  local dir=$1
  local root
  root=$(cluster_root "$dir")
  local data="$root/data"
  if [[ -f "$data/postmaster.pid" ]]; then
    as_owner "$pg_bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1 || {
      # pg_ctl could not stop it (e.g. the owner changed); end exactly the postmaster we started.
      local pid
      pid=$(head -1 "$data/postmaster.pid" 2>/dev/null || true)
      if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -INT "$pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      fi
    }
  fi
  [[ "$root" != "$dir" ]] && rm -rf "$root"
  rm -rf "$dir"
}

write_config() {
  local data=$1 port=$2 socket_dir=$3
  cat >>"$data/postgresql.conf" <<EOF

# test-postgres.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$socket_dir'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 300
shared_buffers = 64MB
deadlock_timeout = 100ms
log_min_messages = warning
EOF
  cat >"$data/pg_hba.conf" <<EOF
# Trust, but only from this machine: the cluster lives for one test run.
local all all trust
host  all all 127.0.0.1/32 trust
EOF
}

start_cluster() {
  local dir=$1
  [[ -x "$pg_bin/initdb" ]] || die "$pg_bin/initdb not found: install postgresql-15"
  stop_cluster "$dir"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local root="$dir"
  if [[ $(id -u) -eq 0 ]]; then
    root=$(mktemp -d /tmp/barid-test-postgres.XXXXXX)
    chown nobody:nogroup "$root"
    echo "$root" >"$dir/cluster_root"
  fi
  local data="$root/data"
  # Unix socket paths are limited to 107 bytes; without one the server still serves TCP.
  local socket_dir="$root"
  [[ ${#socket_dir} -le 80 ]] || socket_dir=""
  as_owner "$pg_bin/initdb" -D "$data" -U "$superuser" --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  local port
  for attempt in $(seq 1 $max_start_attempts); do
    port=$(free_port)
    cp "$data/postgresql.conf" "$dir/postgresql.conf.orig" 2>/dev/null || true
    write_config "$data" "$port" "$socket_dir"
    if as_owner "$pg_bin/pg_ctl" -D "$data" -l "$root/server.log" -w -t 60 start >/dev/null; then
      echo "postgresql://$superuser@127.0.0.1:$port/postgres" >"$dir/url"
      echo "test-postgres: cluster on 127.0.0.1:$port ($dir)"
      return 0
    fi
    # Most likely someone took the port between the probe and the bind; try another.
    echo "test-postgres: start attempt $attempt on port $port failed" >&2
    tail -5 "$root/server.log" >&2 || true
    cp "$dir/postgresql.conf.orig" "$data/postgresql.conf"
  done
  die "could not start PostgreSQL (see $root/server.log)"
}

[[ $# -eq 2 ]] || usage
case "$1" in
  start) start_cluster "$2" ;;
  stop) stop_cluster "$2" ;;
  *) usage ;;
esac
