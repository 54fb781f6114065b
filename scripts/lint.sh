#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# scripts/lint.sh -- static analysis and the format check (`make lint`).
#
#   clang-tidy   the checks in .clang-tidy over src/core, src/platform,
#                src/emulink (hosted flags), src/firmware and src/tdshim
#                (freestanding)
#   cppcheck     warning, style, performance and portability checks over the
#                same folders; suppressions: scripts/cppcheck-suppressions.txt
#   format       scripts/format.sh --check against .clang-format
#
# Every tool runs even if an earlier one failed; one line per tool, then
# "lint: ok" or "lint: FAILED (...)", exit status 1 on any finding. Logs in
# build/lint/.
#
#   lint.sh UNITS   UNITS: one line per C file, "FILE FLAGS...", the flags it is
#                   built with; the Makefile writes it (run through `make lint`)
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 2
units=${1:?usage: lint.sh UNITS (run through make lint)}
[ -s "$units" ] || { echo "lint.sh: $units is empty" >&2; exit 2; }
JOBS=${JOBS:-2}
out=build/lint
rm -rf "$out" && mkdir -p "$out/tidy"
failed=()

# ---- clang-tidy: one process per file, JOBS at once -------------------------
tidy_one() { # line of the units file: FILE FLAGS...
  local -a a
  eval "a=($1)" # the Makefile's flags carry shell quotes (MBEDTLS_CONFIG_FILE)
  local log=$out/tidy/$(echo "${a[0]}" | tr / _).log
  clang-tidy --quiet "${a[0]}" -- "${a[@]:1}" >"$log" 2>&1 || echo "${a[0]}" >>"$out/tidy/.failed"
}
export -f tidy_one
export out
t0=$(date +%s)
tr '\n' '\0' <"$units" | xargs -0 -n 1 -P "$JOBS" bash -c 'tidy_one "$0"'
nfiles=$(grep -c . "$units")
cat "$out"/tidy/*.log >"$out/clang-tidy.log" 2>/dev/null
nfind=$(grep -cE '(warning|error): ' "$out/clang-tidy.log")
if [ -s "$out/tidy/.failed" ] || [ "$nfind" -gt 0 ]; then
  grep -E '(warning|error): ' "$out/clang-tidy.log" | sort -u | head -n 40
  failed+=(clang-tidy)
  echo "clang-tidy: $nfind findings in $nfiles files ($(( $(date +%s) - t0 )) s, $out/clang-tidy.log)"
else
  echo "clang-tidy: $nfiles files clean ($(( $(date +%s) - t0 )) s)"
fi

# ---- cppcheck ----------------------------------------------------------------
t0=$(date +%s)
# shellcheck disable=SC2046
if cppcheck -j "$JOBS" --quiet --std=c11 --enable=warning,style,performance,portability \
     --inline-suppr --suppressions-list=scripts/cppcheck-suppressions.txt --error-exitcode=1 \
     -Iinclude -Iconfig -DMBEDTLS_CONFIG_FILE='"migtd_mbedtls_config.h"' \
     --template='{file}:{line}: {severity}: {message} [{id}]' \
     -Isrc/tdshim src/core src/platform src/emulink src/firmware src/tdshim >"$out/cppcheck.log" 2>&1; then
  echo "cppcheck: clean ($(( $(date +%s) - t0 )) s)"
else
  grep -E '^\S+:[0-9]+: ' "$out/cppcheck.log" | head -n 40
  failed+=(cppcheck)
  echo "cppcheck: $(grep -cE '^\S+:[0-9]+: ' "$out/cppcheck.log") findings ($out/cppcheck.log)"
fi

# ---- format --------------------------------------------------------------------
if scripts/format.sh --check >"$out/format.log" 2>&1; then
  echo "format: $(tail -n 1 "$out/format.log" | sed 's/^format.sh: //')"
else
  head -n 4 "$out/format.log"
  failed+=(format)
fi

if [ ${#failed[@]} -gt 0 ]; then
  echo "lint: FAILED (${failed[*]})"
  exit 1
fi
echo "lint: ok"
