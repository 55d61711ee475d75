#!/usr/bin/env bash
# `make run`'s last step: starts baridd on the demo data directory and, the first time, plays the
# golden path once (`barid demo run`) so that its item, letters, payments and evidence are there to
# explore with the demo logins. Ctrl-C stops the server.
# Usage: scripts/serve-demo.sh DATA_DIR LISTEN
set -euo pipefail
data_dir=$1
listen=$2
build/bin/baridd --data-dir "$data_dir" --listen "$listen" --card-acquirer sandbox &
server=$!
trap 'kill -TERM "$server" 2>/dev/null; wait "$server"' INT TERM
for _ in $(seq 1 100); do
  curl -fsS "http://$listen/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
if [[ ! -e "$data_dir/demo-story.json" ]]; then
  if build/bin/barid demo run --url "http://$listen" --receipt "$data_dir/demo-story.json"; then
    echo "The golden path's item and receipt are in the data; replay it any time: build/bin/barid demo run"
  else
    echo "barid demo run failed (see above); the server keeps running" >&2
  fi
fi
echo "API: http://$listen/api/v1  (every route: http://$listen/api/openapi.json). Stop with Ctrl-C."
wait "$server"
