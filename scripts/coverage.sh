#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# scripts/coverage.sh DIR -- run the gcov-instrumented unit tests in DIR/tests
# (make coverage) and report the coverage of src/core.
#
# Counters from earlier runs are reset first, so the figures are those of one
# run of every unit test. Prints lcov's summary (lines, functions, branches)
# of src/core and, per core module, the branch figure; writes DIR/core.info
# and the HTML report DIR/html/. Exit status: that of the tests.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 2
dir=${1:?usage: coverage.sh DIR}
rc_opts=(--rc lcov_branch_coverage=1)

lcov --quiet --zerocounters --directory "$dir/obj" >/dev/null
scripts/run-tests.sh --suite coverage "$dir/tests" | tail -n 1
tests_rc=${PIPESTATUS[0]}

lcov --quiet "${rc_opts[@]}" --capture --directory "$dir/obj/src/core" --base-directory "$repo" \
  --output-file "$dir/all.info" >"$dir/lcov.log" 2>&1 || { cat "$dir/lcov.log"; exit 2; }
lcov --quiet "${rc_opts[@]}" --extract "$dir/all.info" "$repo/src/core/*" \
  --output-file "$dir/core.info" >>"$dir/lcov.log" 2>&1 || { cat "$dir/lcov.log"; exit 2; }
genhtml --quiet "${rc_opts[@]}" --output-directory "$dir/html" "$dir/core.info" \
  >>"$dir/lcov.log" 2>&1 || echo "coverage: genhtml failed (see $dir/lcov.log)"

echo "coverage of src/core (unit tests; report: $dir/html/index.html):"
lcov "${rc_opts[@]}" --summary "$dir/core.info" 2>&1 | grep -E '^ +(lines|functions|branches)' \
  | sed 's/^ */  /'
# Branch coverage per module folder (src/core/<module>/), from the tracefile:
# BRDA lines carry one branch each; "-" or 0 as the count means not taken.
awk -F'[:,]' '
  /^SF:/ { m = $2; sub(/.*src\/core\//, "", m); sub(/\/.*/, "", m) }
  /^BRDA:/ { tot[m]++; if ($5 != "-" && $5 > 0) hit[m]++ }
  END { for (m in tot) printf "  %-10s %5.1f%% of %d branches\n", m, 100 * hit[m] / tot[m], tot[m] }
' "$dir/core.info" | sort
exit "$tests_rc"
