#!/usr/bin/env bash
# scripts/bench.sh -- run every benchmark in build/host/bench/.
# Benchmarks print their own figures (ratios measured within one run, or
# instruction counts under callgrind when BENCH_CALLGRIND=1); nothing here
# asserts a time: the machines are shared and noisy.
set -u
cd "$(dirname "$0")/.." || exit 2
export MIGTD_VECTORS=${MIGTD_VECTORS:-$PWD/../shared/vectors}
status=0
found=0
for b in build/host/bench/bench_*; do
  [ -x "$b" ] || continue
  found=1
  echo "== $(basename "$b")"
  if [ "${BENCH_CALLGRIND:-0}" = 1 ]; then
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$b" --quick 2>&1 \
      | grep -E 'Collected|^[a-z]' || status=1
  else
    "$b" || status=1
  fi
done
[ $found = 1 ] || echo "bench: no benchmarks built yet"
exit $status
