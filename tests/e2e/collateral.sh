#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# e2e-asan: scripts/run-tests.sh runs this again with MIGTD_BIN=build/san/bin
#
# Quote verification with collateral inside real pre-migrations
# (docs/collateral.md): `migtd-vmm run` sets each platform's collateral
# (TCB level status, QE Identity status, dates, revoked PCK, a QGS that
# answers GET_COLLATERAL with an error) and every case is one command.
# Expected codes are upstream's (docs/protocol.md §1.5): the side whose verification
# fails reports 7 (MutualAttestationError), its peer, which only sees the
# handshake_failure alert, 6; no MIG_DEC_KEY / MIG_VERSION written.
# The source (TLS client) verifies the destination's quote first.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib/programs.sh
t_all=$(date +%s%N)

fail() { echo "FAIL: $*"; exit 1; }

run() { # name expected-exit args...
  name=$1; local want=$2 t0; shift 2
  t0=$(date +%s%N)
  out=$("$VMM" run --show-td-state --timeout-ms 5000 "$@" 2>&1); local rc=$?
  echo "== $name (exit $rc, $(( ($(date +%s%N) - t0) / 1000000 )) ms): migtd-vmm run $*"
  echo "$out" | grep -vE '^ {10,}(source|destination) migtd' | sed 's/^/   /'
  if grep -qE "$MIGTD_DIED" <<<"$out"; then
    fail "$name: a migtd process died or exited abnormally"
  fi
  [ "$rc" = "$want" ] || fail "$name: exit $rc, expected $want"
}
has() { grep -qE -- "$1" <<<"$out" || fail "$name: expected a line matching: $1"; }
count() { echo "$out" | grep -cE -- "$1"; }
status_is() { has "^  session $1: source status $2 .*destination status $3 "; }
td() { echo "$out" | grep -E "^  td-state session $1 $2:"; }
no_keys() {
  local l; l=$(td "$1" "$2")
  [ -n "$l" ] || fail "$name: no td-state line for session $1 $2"
  grep -q ' dec_written 0 version_written 0 ' <<<"$l" || fail "$name: $2 user TD written: $l"
}
keys_in() {
  td "$1" "$2" | grep -q ' dec_written f version_written 1 version 3 dec_is_peer_enc yes ' \
    || fail "$name: $2 should hold the peer's key: $(td "$1" "$2")"
}
refused() { # source-status destination-status
  status_is 0 "$1" "$2"; no_keys 0 source; no_keys 0 destination
}
admitted() { status_is 0 0 0; keys_in 0 source; keys_in 0 destination; }

# --- every TCB level status on the destination platform: only Revoked fails
# verification (upstream's library: the other six are non-terminal results).
for s in UpToDate SWHardeningNeeded ConfigurationNeeded ConfigurationAndSWHardeningNeeded \
         OutOfDate OutOfDateConfigurationNeeded; do
  run "dst TCB $s" 0 --count 1 --dst-tcb-status "$s"
  admitted
done
run "dst TCB Revoked" 1 --count 1 --dst-tcb-status Revoked
refused 7 6
has 'failures by status pair \(source/destination\): 7/6 x1'

# --- OutOfDate passes verification; policy v1 then judges the matched level's
# values. The destination's PCK has PCESVN 13; with its TCB Info's level at
# PCESVN 12 the report says 12 (as upstream's library fills it), and the demo
# policy (PCESVN >= 13 for that FMSPC) refuses: 8 / 6. The PCK's own 13 would
# have been admitted.
run "dst OutOfDate, level PCESVN 12" 1 --count 1 --dst-tcb-status OutOfDate \
  --dst-tcb-level-pcesvn 12 --verbose
refused 8 6
has 'peer quote verified .*TCB OutOfDate'
has 'property: TcbInfo.pcesvn'
run "dst OutOfDate, level PCESVN 13" 0 --count 1 --dst-tcb-status OutOfDate --dst-tcb-level-pcesvn 13
admitted

# --- the QE Identity level of the destination Revoked: the same.
run "dst QE Revoked" 1 --count 1 --dst-qe-tcb-status Revoked
refused 7 6
run "dst QE OutOfDate" 0 --count 1 --dst-qe-tcb-status OutOfDate
admitted

# --- the source platform Revoked: a MigTD verifies its own quote too (before
# the peer's, as upstream), so the source stops itself: 7, its peer 6.
run "src TCB Revoked" 1 --count 1 --src-tcb-status Revoked --verbose
refused 7 6
has 'own quote verification failed at step tcb-level: platform TCB level is Revoked'
# the migtd checks its own quote at boot already; a failure there stops
# nothing, the session verifies again and fails as above
has 'boot: own quote check failed: platform TCB level is Revoked'

# --- the destination's PCK certificate on the platform CA's CRL.
run "dst PCK revoked" 1 --count 1 --dst-revoke-pck --verbose
refused 7 6
has 'peer quote verification failed at step pck-crl: certificate is revoked'

# --- expired and not-yet-valid collateral: upstream's library evaluates at
# the middle of the collateral's own window and only reports expiry.
run "dst collateral expired" 0 --count 1 --dst-collateral expired
admitted
run "dst collateral not yet valid" 0 --count 1 --dst-collateral future
admitted

# --- the VMM answers GET_COLLATERAL with an error: that side cannot verify
# (7); a failed fetch is not cached.
run "src collateral fetch fails" 1 --count 1 --src-collateral-error --verbose
refused 7 6
has 'collateral for FMSPC .* fetch failed'
run "dst collateral fetch fails" 1 --count 1 --dst-collateral-error
refused 6 7

# --- cache: two migrations with the same peer, one after the other. Each
# MigTD fetches its own (at boot, docs/performance.md) and the peer's
# collateral once (2 fetches each); its own quote was verified at boot and
# each session reuses that result; the second session's peer verification
# needs no certificate / CRL / collateral / QE report signature check (all
# in the memo): only the quote signature.
run "cache hit on the second migration" 0 --count 2 --parallel 1 --verbose
status_is 0 0 0; status_is 1 0 0
n=$(count 'source migtd .*fetching \(GET_COLLATERAL\)')
[ "$n" = 2 ] || fail "$name: source fetched collateral $n times, expected 2"
n=$(count 'destination migtd .*fetching \(GET_COLLATERAL\)')
[ "$n" = 2 ] || fail "$name: destination fetched collateral $n times, expected 2"
for side in 'source migtd' 'destination migtd'; do
  n=$(count "$side .*boot: own quote verified")
  [ "$n" = 1 ] || fail "$name: $side: own quote verified at boot $n times, expected 1"
done
n=$(count "migtd .*\] own quote verified")
[ "$n" = 0 ] || fail "$name: a session verified its own quote in full again ($n times)"
for side in 'source migtd .*req 1001' 'destination migtd .*req 2001'; do
  n=$(count "$side\] own quote .*verified at boot, result reused")
  [ "$n" = 1 ] || fail "$name: second session ($side) did not reuse the own quote's boot verification"
  n=$(count "$side\] peer quote verified .*, 0 certificate/CRL/collateral/QE signature")
  [ "$n" = 1 ] || fail "$name: second session ($side): peer verification not free of signature checks"
done

# --- the verified report of a session == `migtd-quote verify --time collateral
# --out` on the same quote with the same collateral, byte for byte. The migtd
# programs dump each peer quote that verified and its report (test-only
# MIGTD_DUMP_VERIFIED); the collateral is the peer platform's own files. Then
# with the destination's TCB Info level at PCESVN 12 (its PCK: 13) the report
# must carry 12 at 606 -- the matched level's value -- in both.
# migtd-quote: the suite's build, else the plain one (e2e-asan builds only
# the sanitized migtd and migtd-vmm).
QV=$BIN/migtd-quote
[ -x "$QV" ] || QV=$PWD/build/bin/migtd-quote
[ -x "$QV" ] || fail "$QV not built (make all)"
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
same_as_cli() { # dump-dir request platform-dir
  [ -s "$1/peer-$2.report" ] || fail "$name: no verified report dumped for request $2"
  "$QV" verify --quote "$1/peer-$2.quote" --root-ca "$3/root_ca.der" --time collateral \
    --tcb-info "$3/tcb_info.json" --qe-identity "$3/qe_identity.json" \
    --tcb-chain "$3/tcb_signing_chain.pem" --pck-crl "$3/platform_ca.crl.der" \
    --root-crl "$3/root_ca.crl.der" --out "$1/cli-$2.report" >"$1/cli-$2.txt" 2>&1 \
    || fail "$name: migtd-quote rejects the quote request $2 verified: $(tail -n 3 "$1/cli-$2.txt")"
  cmp "$1/cli-$2.report" "$1/peer-$2.report" \
    || fail "$name: request $2's report differs from migtd-quote's"
  echo "   request $2: $(wc -c <"$1/peer-$2.report") bytes, identical to migtd-quote's"
}
name="report equals migtd-quote verify --out"
echo "== $name"
mkdir -p "$d/a/run" "$d/b/run"
MIGTD_DUMP_VERIFIED=$d/a "$VMM" run --count 1 --keep --dir "$d/a/run" --timeout-ms 5000 \
  >"$d/a/out" 2>&1 || fail "$name: run failed: $(tail -n 3 "$d/a/out")"
same_as_cli "$d/a" 1000 "$d/a/run/dst"   # the source's view of the destination
same_as_cli "$d/a" 2000 "$d/a/run/src"   # and the other way
name="report carries the matched level (PCESVN 12), as migtd-quote"
echo "== $name"
MIGTD_DUMP_VERIFIED=$d/b "$VMM" run --count 1 --keep --dir "$d/b/run" --timeout-ms 5000 \
  --dst-tcb-status OutOfDate --dst-tcb-level-pcesvn 12 >"$d/b/out" 2>&1
same_as_cli "$d/b" 1000 "$d/b/run/dst"
pcesvn=$(od -An -tu2 -j606 -N2 "$d/b/peer-1000.report" | tr -d ' ')
[ "$pcesvn" = 12 ] || fail "$name: report[606] = $pcesvn, expected the matched level's 12"
echo "   destination report[606] (PCESVN) = $pcesvn: the matched level's, not the PCK's 13"

echo "collateral e2e: all cases passed in $(( ($(date +%s%N) - t_all) / 1000000 )) ms"
