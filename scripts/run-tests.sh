#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# scripts/run-tests.sh -- run test suites and print one summary line.
#
#   run-tests.sh --suite unit|sanitize DIR    every cmocka binary in DIR
#   run-tests.sh --suite clang DIR            the same, built with clang (make clang-check)
#   run-tests.sh --suite coverage DIR         the same, gcov-instrumented (make coverage)
#   run-tests.sh --suite fuzz-smoke DIR       every libFuzzer binary in DIR for
#                                             $FUZZ_SECONDS each (default 10)
#   run-tests.sh --suite e2e DIR              every tests/e2e/*.sh
#   run-tests.sh --suite e2e-asan             the tests/e2e/*.sh marked
#                                             "# e2e-asan" (the pre-migration
#                                             ones) again, with the ASan+UBSan
#                                             programs: MIGTD_BIN=build/san/bin
#   run-tests.sh --suite freestanding         make freestanding-check
#   run-tests.sh --all                        all of the above (make test)
#
# Each suite ends with its own line, "suite NAME: N passed, N failed, N
# skipped (what one count is)", and the last line is always the total
# "N passed, N failed, N skipped" over the suites run. A cmocka test case
# counts one (skip() counts as skipped), an e2e script, a fuzz target or the
# freestanding check counts one. The sanitizer rerun is a suite of its own:
# the same cmocka cases run a second time under ASan+UBSan, so the total
# counts them twice, and says so. Exit status is non-zero if anything failed.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 2
export MIGTD_VECTORS=${MIGTD_VECTORS:-$repo/../shared/vectors}
export CMOCKA_MESSAGE_OUTPUT=stdout
B=build
logdir=$B/test-logs
mkdir -p "$logdir"

passed=0 failed=0 skipped=0
failures=()
# Per-suite counts, in the order the suites ran.
declare -A s_pass=() s_fail=() s_skip=() s_unit=()
suites=()

suite_begin() { # suite "what one count is"
  suites+=("$1"); s_pass[$1]=0; s_fail[$1]=0; s_skip[$1]=0; s_unit[$1]=$2
}
count() { # suite passed failed skipped
  s_pass[$1]=$(( ${s_pass[$1]} + $2 )); s_fail[$1]=$(( ${s_fail[$1]} + $3 ))
  s_skip[$1]=$(( ${s_skip[$1]} + $4 ))
  passed=$((passed + $2)); failed=$((failed + $3)); skipped=$((skipped + $4))
}
suite_end() { # suite
  printf 'suite %-13s %s passed, %s failed, %s skipped (%s)\n' "$1:" "${s_pass[$1]}" \
    "${s_fail[$1]}" "${s_skip[$1]}" "${s_unit[$1]}"
}
note_fail() { # suite message
  count "$1" 0 1 0; failures+=("$2")
}

run_cmocka_dir() { # suite dir
  local suite=$1 dir=$2 t out rc p f k what="cmocka test cases"
  [ "$suite" = sanitize ] && what="the unit suite's cmocka cases again, under ASan+UBSan"
  suite_begin "$suite" "$what"
  for t in "$dir"/test_*; do
    [ -x "$t" ] || continue
    out=$logdir/$suite-$(basename "$t").log
    timeout 600 "$t" >"$out" 2>&1
    rc=$?
    p=$(grep -E '^\[  PASSED  \] [0-9]+ test' "$out" | tail -n 1 | grep -oE '[0-9]+' | head -n 1)
    f=$(grep -E '^\[  FAILED  \] [0-9]+ test' "$out" | tail -n 1 | grep -oE '[0-9]+' | head -n 1)
    k=$(grep -E '^\[  SKIPPED \] [0-9]+ test' "$out" | tail -n 1 | grep -oE '[0-9]+' | head -n 1)
    p=${p:-0} f=${f:-0} k=${k:-0}
    count "$suite" "$p" 0 "$k"
    if [ "$f" -gt 0 ]; then
      count "$suite" 0 "$f" 0; failures+=("$suite/$(basename "$t") ($f failed, see $out)")
    elif [ $rc -ne 0 ]; then
      note_fail "$suite" "$suite/$(basename "$t") (exit $rc, see $out)"
    fi
    printf '%-10s %-32s %s passed, %s failed, %s skipped\n' "$suite" "$(basename "$t")" \
      "$p" "$f" "$k"
  done
  suite_end "$suite"
}

run_fuzz_dir() { # dir
  local dir=$1 secs=${FUZZ_SECONDS:-10} fz name corpus seeds dict out rc
  suite_begin fuzz-smoke "libFuzzer targets, ${secs} s each"
  for fz in "$dir"/fuzz_*; do
    [ -x "$fz" ] || continue
    name=$(basename "$fz")
    corpus=$B/fuzz/corpus/$name
    mkdir -p "$corpus"
    seeds=()
    [ -d "tests/fuzz/seeds/$name" ] && seeds+=("tests/fuzz/seeds/$name")
    # tests/fuzz/<name>.seeds lists seed files or folders below $MIGTD_VECTORS.
    if [ -f "tests/fuzz/$name.seeds" ]; then
      while read -r s; do
        [ -z "$s" ] || [ "${s#\#}" != "$s" ] && continue
        for x in $MIGTD_VECTORS/$s; do [ -e "$x" ] && cp -r "$x" "$corpus/" 2>/dev/null; done
      done <"tests/fuzz/$name.seeds"
    fi
    out=$logdir/fuzz-$name.log
    # tests/fuzz/<name>.dict: a libFuzzer dictionary (docs/fuzzing.md).
    dict=()
    [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
    timeout $((secs + 120)) "$fz" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 "${dict[@]}" "$corpus" "${seeds[@]}" >"$out" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
      count fuzz-smoke 1 0 0; r=ok
    else
      note_fail fuzz-smoke "fuzz-smoke/$name (exit $rc, see $out)"; r=FAILED
    fi
    printf '%-10s %-32s %s (%s execs)\n' fuzz "$name" "$r" \
      "$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$out" | grep -oE '[0-9]+$' || echo '?')"
  done
  suite_end fuzz-smoke
}

run_e2e() { # [suite]: e2e (default) or e2e-asan
  local suite=${1:-e2e} t out rc t0 secs what="end-to-end scripts"
  [ "$suite" = e2e-asan ] && what="the pre-migration scripts again, ASan+UBSan programs"
  suite_begin "$suite" "$what"
  for t in tests/e2e/*.sh; do
    [ -f "$t" ] || continue
    if [ "$suite" = e2e-asan ]; then
      grep -q '^# e2e-asan' "$t" || continue
      if [ ! -x $B/san/bin/migtd ] || [ ! -x $B/san/bin/migtd-vmm ]; then
        note_fail "$suite" "$suite/$(basename "$t") (build/san/bin not built: make san-programs)"
        continue
      fi
    fi
    out=$logdir/$suite-$(basename "$t" .sh).log
    t0=$(date +%s)
    if [ "$suite" = e2e-asan ]; then
      MIGTD_BIN=$B/san/bin ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 timeout 900 bash "$t" >"$out" 2>&1
    else
      timeout 900 bash "$t" >"$out" 2>&1
    fi
    rc=$?
    secs=$(( $(date +%s) - t0 ))
    case $rc in
      0) count "$suite" 1 0 0; r="ok (${secs} s)" ;;
      77) count "$suite" 0 0 1; r="skipped ($(tail -n 1 "$out"))" ;;
      *) note_fail "$suite" "$suite/$(basename "$t") (exit $rc, see $out)"; r=FAILED ;;
    esac
    printf '%-10s %-32s %s\n' "$suite" "$(basename "$t")" "$r"
  done
  suite_end "$suite"
}

run_freestanding() {
  local out=$logdir/freestanding.log
  suite_begin freestanding "the freestanding link check"
  if make --no-print-directory freestanding-check >"$out" 2>&1; then
    count freestanding 1 0 0; r=ok
  else
    note_fail freestanding "freestanding-check (see $out)"; r=FAILED
  fi
  printf '%-10s %-32s %s\n' build freestanding-check "$r"
  grep -E '^(size|text|allowed)' "$out" | sed 's/^/           /'
  suite_end freestanding
}

case "${1:-}" in
  --suite)
    case "${2:-}" in
      unit|sanitize|clang|coverage) run_cmocka_dir "$2" "$3" ;;
      fuzz-smoke) run_fuzz_dir "$3" ;;
      e2e) run_e2e e2e ;;
      e2e-asan) run_e2e e2e-asan ;;
      freestanding) run_freestanding ;;
      *) echo "run-tests.sh: unknown suite '${2:-}'" >&2; exit 2 ;;
    esac ;;
  --all)
    run_cmocka_dir unit $B/host/tests
    run_cmocka_dir sanitize $B/san/tests
    run_e2e e2e
    run_e2e e2e-asan
    run_freestanding
    run_fuzz_dir $B/fuzz/bin ;;
  *) echo "usage: run-tests.sh --all | --suite NAME [DIR]" >&2; exit 2 ;;
esac

if [ ${#failures[@]} -gt 0 ]; then
  echo "failures:"
  for f in "${failures[@]}"; do echo "  $f"; done
fi
if [ ${#suites[@]} -gt 1 ]; then
  echo "suites:"
  for s in "${suites[@]}"; do
    printf '  %-13s %s passed, %s failed, %s skipped\n' "$s" "${s_pass[$s]}" "${s_fail[$s]}" \
      "${s_skip[$s]}"
  done
  [ -n "${s_unit[sanitize]:-}" ] && echo "  (sanitize reruns the unit cases: the total counts them twice)"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ] && [ $((passed + skipped)) -gt 0 ]
