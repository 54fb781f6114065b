#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
#
# A newcomer's first command: clone the committed HEAD into an empty temp
# dir (no .deps, no build/) and run `make demo` ONCE, exactly as the README
# says. It must fetch mbedTLS itself (scripts/deps.sh; Debian packages that
# are already installed are reused, as on any machine that ran it before),
# build, and print the OK verdict. A first run that only works the second
# time (make variables computed before deps.sh unpacked the sources) fails
# here. Uncommitted changes are not part of the clone: commit first.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; [ -f "$t/demo.log" ] && tail -n 40 "$t/demo.log"; exit 1; }

head=$(git rev-parse HEAD)
git clone -q --no-hardlinks "$repo" "$t/migtd-c" || fail "git clone"
cd "$t/migtd-c"
[ "$(git rev-parse HEAD)" = "$head" ] || fail "the clone is not at $head"
[ ! -e .deps ] && [ ! -e build ] || fail "the clone already has .deps or build/"

# A newcomer's environment: no inherited make state (jobserver, -C, vars),
# no deps directory elsewhere.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES MIGTD_DEPS_DIR
t0=$(date +%s)
if ! make demo >"$t/demo.log" 2>&1; then
  fail "the first 'make demo' in a fresh clone failed"
fi
secs=$(( $(date +%s) - t0 ))
grep -q '^verdict: OK' "$t/demo.log" || fail "no 'verdict: OK' line"
# It really fetched and built mbedTLS (not an empty archive: the old
# failure mode was an 8-byte libmbedtls.a and undefined references).
[ -f "$(scripts/deps.sh --mbedtls-dir)/.migtd-verified" ] || fail "mbedTLS was not fetched, verified and patched"
size=$(stat -c %s build/host/libmbedtls.a)
[ "$size" -gt 100000 ] || fail "build/host/libmbedtls.a is only $size bytes"
echo "fresh clone: first 'make demo' printed the OK verdict in ${secs} s"
grep '^verdict' "$t/demo.log"
