#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
#
# scripts/fuzz-long.sh [TARGET...] -- the long fuzzing run (make fuzz-long),
# outside CI: every libFuzzer target in build/fuzz/bin (or the TARGETs named,
# in that order) for FUZZ_TIME seconds (default 600), FUZZ_JOBS at a time
# (default 2, one per core of the shared build machine), at nice 10.
#
# The corpus persists in build/fuzz-long/corpus/<target>/ (one run goes on
# where the last one stopped); it starts from the same seeds as the CI run
# (tests/fuzz/seeds/<target>/ and the vectors listed in
# tests/fuzz/<target>.seeds). Logs: build/fuzz-long/<target>.log; crash,
# leak, timeout and oom inputs: build/fuzz-long/artifacts/<target>/. A
# target that crashes is started again for the rest of its time, so one
# finding does not end its run. At the end one line per target: seconds,
# execs, exec/s, cov and ft (libFuzzer's final stats), corpus size and the
# findings of this run; exit status 1 if anything was found. docs/fuzzing.md
# says how to turn a finding into a regression input.
#
# scripts/fuzz-long.sh --summary [TARGET...] prints the table again from the
# logs of the last run (e.g. of a run that was interrupted).
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 2
export MIGTD_VECTORS=${MIGTD_VECTORS:-$repo/../shared/vectors}
B=build
bindir=$B/fuzz/bin
out=$B/fuzz-long
time_s=${FUZZ_TIME:-600}
jobs=${FUZZ_JOBS:-2}
mkdir -p "$out"

summary_only=0
if [ "${1:-}" = --summary ]; then
  summary_only=1
  shift
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for fz in "$bindir"/fuzz_*; do [ -x "$fz" ] && targets+=("$(basename "$fz")"); done
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz-long: no targets in $bindir (make fuzz-bins)" >&2; exit 2; }

seed_corpus() { # name corpus-dir
  local name=$1 corpus=$2 s x
  [ -d "tests/fuzz/seeds/$name" ] && cp -r "tests/fuzz/seeds/$name/." "$corpus/"
  [ -f "tests/fuzz/$name.seeds" ] || return 0
  while read -r s; do
    [ -z "$s" ] || [ "${s#\#}" != "$s" ] && continue
    for x in $MIGTD_VECTORS/$s; do [ -e "$x" ] && cp -r "$x" "$corpus/" 2>/dev/null; done
  done <"tests/fuzz/$name.seeds"
}

findings() { # artifact-dir
  find "$1" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' \) | wc -l
}

run_one() { # name: FUZZ_TIME seconds in total, restarted after a finding
  local name=$1 fz=$out/bin/$1 corpus=$out/corpus/$1 art=$out/artifacts/$1/ log=$out/$1.log
  local t0 left before start dict=()
  [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
  # A copy: a rebuild during the long run must not swap the binary under it.
  mkdir -p "$corpus" "$art" "$out/bin"
  cp "$bindir/$name" "$fz" || return 1
  seed_corpus "$name" "$corpus"
  before=$(findings "$art")
  start=$before
  : >"$log"
  t0=$(date +%s)
  while :; do
    left=$((time_s - ($(date +%s) - t0)))
    [ "$left" -gt 0 ] || break
    nice -n 10 "$fz" -max_total_time="$left" -rss_limit_mb=2048 -timeout=25 -print_final_stats=1 \
      -artifact_prefix="$art" "${dict[@]}" "$corpus" >>"$log" 2>&1
    [ "$(findings "$art")" -gt "$before" ] || break # ended without a finding: time is up
    before=$(findings "$art")
  done
  echo "$(($(date +%s) - t0))" >"$out/$name.secs"
  echo "$(($(findings "$art") - start))" >"$out/$name.new"
}

summary() { # name
  local name=$1 log=$out/$1.log execs eps cov ft corp
  # Sum over the restarts (one per finding); cov/ft of the last DONE line.
  execs=$(grep -oE 'stat::number_of_executed_units: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
  eps=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$log" | tail -1 | awk '{print $2}')
  cov=$(grep -E '(DONE|INITED) +cov' "$log" | tail -1 | grep -oE 'cov: [0-9]+' | awk '{print $2}')
  ft=$(grep -E '(DONE|INITED) +cov' "$log" | tail -1 | grep -oE 'ft: [0-9]+' | awk '{print $2}')
  corp=$(find "$out/corpus/$name" -type f | wc -l)
  printf '%-26s %6s %10s %7s %6s %7s %7s %9s\n' "$name" "$(cat "$out/$name.secs" 2>/dev/null || echo '?')" \
    "${execs:-?}" "${eps:-?}" "${cov:-?}" "${ft:-?}" "$corp" "$(cat "$out/$name.new" 2>/dev/null || echo '?')"
}

print_summary() { # the table for targets[], into $out/summary.txt; status 1 on findings
  local name total
  {
    printf '%-26s %6s %10s %7s %6s %7s %7s %9s\n' target seconds execs exec/s cov ft corpus findings
    for name in "${targets[@]}"; do
      [ -f "$out/$name.log" ] && summary "$name"
    done
  } | tee "$out/summary.txt"
  total=$(awk 'NR > 1 && $8 ~ /^[0-9]+$/ {s += $8} END {print s+0}' "$out/summary.txt")
  echo "fuzz-long: $total new findings (artifacts in $out/artifacts/)"
  [ "$total" -eq 0 ]
}

if [ "$summary_only" = 1 ]; then
  print_summary
  exit
fi

echo "fuzz-long: ${#targets[@]} targets, ${time_s} s each, $jobs at a time; logs in $out/"
running=0
for name in "${targets[@]}"; do
  [ -x "$bindir/$name" ] || { echo "fuzz-long: no $bindir/$name" >&2; continue; }
  echo "fuzz-long: $(date +%T) start $name"
  run_one "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

print_summary

