#!/usr/bin/env bash
# Runs every fuzz harness (or those named) for FUZZ_SECONDS each (default 300) and prints a table
# of executions and results. Fails (exit 1) if any harness crashes, hangs (an input running over
# FUZZ_TIMEOUT seconds, default 30), or allocates more than FUZZ_MALLOC_MB in one call or FUZZ_RSS_MB in all;
# the input that did it is saved in .build-fuzz/artifacts/<target>/ (replay: SISR_FUZZ_TARGET=<t>
# .build-fuzz/sisr-fuzz <file>). New inputs found go to .build-fuzz/corpus/<target>/, so later runs
# start from them; the committed seeds in Fuzz/corpus/<target>/ are only read.
#   FUZZ_SECONDS=20 bash Fuzz/run.sh            # the CI run
#   FUZZ_SECONDS=1800 bash Fuzz/run.sh pth png  # long runs of two harnesses
# FUZZ_WORK (default .build-fuzz) holds the corpora, artifacts and logs; FUZZ_BIN the binary.
# The timeout is wall-clock: raise FUZZ_TIMEOUT when running under `nice` on a busy machine.
set -uo pipefail
cd "$(dirname "$0")/.."
B=${FUZZ_WORK:-.build-fuzz}
BIN=${FUZZ_BIN:-.build-fuzz/sisr-fuzz}
SECONDS_EACH=${FUZZ_SECONDS:-300}
TIMEOUT=${FUZZ_TIMEOUT:-30}
MALLOC_MB=${FUZZ_MALLOC_MB:-512}
RSS_MB=${FUZZ_RSS_MB:-2048}
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(png pickle pth safetensors shard sample bands release predictions)
[ -x "$BIN" ] || { echo "run Fuzz/build.sh first" >&2; exit 2; }
failed=0
printf '%-12s %8s %12s %10s %8s  %s\n' target seconds executions exec/s corpus result
for t in "${targets[@]}"; do
  mkdir -p "$B/corpus/$t" "$B/artifacts/$t"
  log="$B/fuzz-$t.log"
  start=$(date +%s)
  scratch=$(mktemp -d /dev/shm/sisr-fuzz-XXXXXX 2>/dev/null || mktemp -d)
  SISR_FUZZ_TARGET=$t SISR_FUZZ_RELEASE=Fuzz/release-files SISR_FUZZ_SCRATCH=$scratch ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=0 \
    "$BIN" -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -malloc_limit_mb="$MALLOC_MB" \
    -rss_limit_mb="$RSS_MB" -max_len=65536 -detect_leaks=0 -print_final_stats=1 \
    -artifact_prefix="$B/artifacts/$t/" "$B/corpus/$t" "Fuzz/corpus/$t" > "$log" 2>&1
  status=$?
  rm -rf "$scratch"
  took=$(( $(date +%s) - start ))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  units=$(ls "$B/corpus/$t" | wc -l)
  if [ $status -eq 0 ]; then result=ok; else
    why=$(grep -m1 -oE 'ERROR: (libFuzzer|AddressSanitizer): [a-z-]+|Fatal error' "$log" | head -1)
    result="FAILED (${why:-exit $status}; see $log)"
    failed=1
  fi
  printf '%-12s %8s %12s %10s %8s  %s\n' "$t" "$took" "${execs:-0}" "${rate:-0}" "$units" "$result"
done
exit $failed
