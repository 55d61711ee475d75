#!/usr/bin/env bash
# Runs every libFuzzer target in BIN_DIR (executables named fuzz_*) for SECONDS each.
#
#   scripts/run-fuzzers.sh BIN_DIR SECONDS        (make fuzz FUZZ_SECONDS=N does this)
#
# Target fuzz_X starts from the checked-in seeds fuzz/corpus/X/, copied into a working corpus
# build/fuzz/corpus-work/fuzz_X/ that keeps growing across runs, so the seeds in git stay as they
# are. Crash, timeout and out-of-memory inputs go to build/fuzz/artifacts/fuzz_X/, the full output to
# build/fuzz/logs/fuzz_X.log. Exits non-zero if any target failed, after running all of them.
set -uo pipefail

usage() {
  echo "usage: $0 BIN_DIR SECONDS" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
bin_dir=$1
seconds=$2
[[ -d $bin_dir ]] || { echo "$0: $bin_dir is not a directory" >&2; exit 2; }
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "$0: SECONDS must be a positive integer, not '$seconds'" >&2; exit 2; }
bin_dir=$(cd "$bin_dir" && pwd)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$root/build/fuzz
# UBSan only reports and continues by default; a finding must stop the run so it leaves an artifact.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

targets=()
for path in "$bin_dir"/fuzz_*; do
  [[ -f $path && -x $path ]] && targets+=("$path")
done
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "$0: no fuzz_* executables in $bin_dir (build them with: cmake --build --preset fuzz)" >&2
  exit 2
fi

stat_of() {  # stat_of NAME LOG: a value from libFuzzer's -print_final_stats output, or "?"
  local value
  value=$(grep -a "^stat::$1:" "$2" | tail -n 1 | awk '{print $2}')
  echo "${value:-?}"
}

failed=()
for target in "${targets[@]}"; do
  name=$(basename "$target")
  seeds=$root/fuzz/corpus/${name#fuzz_}
  work=$out/corpus-work/$name
  artifacts=$out/artifacts/$name
  log=$out/logs/$name.log
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  if [[ -d $seeds ]]; then
    cp -R -p "$seeds"/. "$work"/
  else
    echo "$name: warning: no seed corpus at ${seeds#"$root"/}, starting from nothing" >&2
  fi

  "$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work" >"$log" 2>&1
  status=$?

  runs=$(stat_of number_of_executed_units "$log")
  speed=$(stat_of average_exec_per_sec "$log")
  added=$(stat_of new_units_added "$log")
  rss=$(stat_of peak_rss_mb "$log")
  corpus_files=$(find "$work" -type f | wc -l)
  corpus_kb=$(( $(du -sk "$work" | cut -f1) ))
  cov=$(grep -aoE '^#[0-9]+[[:space:]]+(DONE|NEW|REDUCE|pulse|INITED)[[:space:]]+cov: [0-9]+ ft: [0-9]+' "$log" |
        tail -n 1 | sed -E 's/.*(cov: [0-9]+ ft: [0-9]+)/\1/')
  summary="runs=$runs exec/s=$speed new=$added corpus=$corpus_files files/${corpus_kb}KB ${cov:-cov: ?} rss=${rss}MB"

  # With halt_on_error=0 UBSan would let the run pass; a report still counts as a finding.
  ubsan=$(grep -ac 'runtime error:' "$log")
  if [[ $status -eq 0 && $ubsan -eq 0 ]]; then
    printf '%-24s ok    %s\n' "$name" "$summary"
    continue
  fi

  failed+=("$name")
  kind=$(grep -aoE 'ERROR: [A-Za-z]+: .*|runtime error: .*|terminate called .*' "$log" | cut -c1-160 |
         head -n 1)
  printf '%-24s FAIL  exit %s: %s\n' "$name" "$status" "${kind:-see log}"
  printf '%-24s       %s\n' "" "$summary"
  units=$(grep -aoE 'Test unit written to .*' "$log" | sed 's/^Test unit written to //')
  if [[ -n $units ]]; then
    while read -r unit; do printf '%-24s       artifact: %s\n' "" "$unit"; done <<<"$units"
    first=$(head -n 1 <<<"$units")
    printf '%-24s       reproduce: %s %s\n' "" "$target" "$first"
  fi
  printf '%-24s       log: %s\n' "" "$log"
  echo "----- last lines of $log -----"
  tail -n 40 "$log"
  echo "-----"
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: ${#failed[@]} of ${#targets[@]} targets failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s each without a finding"
