#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# e2e-asan: scripts/run-tests.sh runs this again with MIGTD_BIN=build/san/bin
# Whole pre-migrations between two emulated platforms, each with its own
# `migtd` process, through `migtd-vmm demo`: the good path (keys checked on
# the platform side by the demo itself), a policy that rejects the source,
# and a relay that corrupts, cuts or stalls the MigTD<->MigTD stream.
# (The full list of negative cases, with the user TDs' state checked, is
# premigration_run.sh.) `drop` resets one side's connection mid-handshake.
# Statuses are the spec's (§1.5): the rejecting side 8, the rejected side 6;
# stream damage or a stream failure while TLS runs 6 (docs/status-codes.md);
# a silent peer 5 after the timeout.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib/programs.sh
fail() { echo "FAIL: $*"; exit 1; }

run() { # name expected-exit args...
  local name=$1 want=$2; shift 2
  out=$($VMM demo --quiet "$@" 2>&1); rc=$?
  echo "== $name (exit $rc)"; echo "$out" | sed 's/^/   /'
  grep -qE "$MIGTD_DIED" <<<"$out" && fail "$name: a migtd died"
  [ "$rc" = "$want" ] || fail "$name: exit $rc, expected $want"
}
status_is() { # source dest
  grep -q "session 0: source status $1 .*destination status $2 " <<<"$out" \
    || fail "expected source $1 / destination $2"
}

run good 0
grep -q 'keys installed and verified' <<<"$out" || fail "keys not verified"
grep -q 'MIG_VERSION 3 on both sides' <<<"$out" || fail "negotiated version is not 3"
grep -q 'verdict: OK' <<<"$out" || fail "no OK verdict"

# The destination runs another policy (it omits the source's platform), so
# its RTMR2 and policy digest differ from the source's: the source, which as
# TLS client verifies first, rejects the destination (8) and aborts the
# handshake; the destination sees the alert (6).
run reject 1 --dest-policy tests/e2e/data/policy-reject-source.json --timeout-ms 5000
status_is 8 6

run corrupt 1 --fault corrupt --fault-after 700 --timeout-ms 5000
status_is 6 6

run drop 1 --fault drop --fault-after 700 --timeout-ms 5000
status_is 6 6

run stall 1 --fault stall --timeout-ms 2000
status_is 5 5
echo "pre-migration e2e: all cases passed"
