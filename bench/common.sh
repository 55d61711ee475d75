# Sourced by the benchmark scripts that run on SQLite and a throwaway PostgreSQL cluster.

# The machine the figures come from, for docs/performance.md.
print_machine() {
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
}

# Makes $work, a scratch directory removed on exit together with any cluster started in $work/pg.
make_work_dir() {
  work=$(mktemp -d "/tmp/barid-bench-$1.XXXXXX")
  trap 'scripts/test-postgres.sh stop "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
}
