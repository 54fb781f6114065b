#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# Pre-migration between two firmware VMs (plain-VM path):
# `migtd-vmm demo --vm` enrolls the policy and root CA into a copy of
# build/migtd-serial-ports.bin (TRANSPORT=virtio-serial-ports) per platform, boots each in QEMU (TCG, q35, -cpu max) as
# its platform's MigTD -- the portable core over virtio-serial: platform link
# migtd.link, session streams migtd.stream.N -- and runs one pre-migration.
#  1. good path: both report 0, keys verified on the platform side (the
#     demo compares MIG_DEC_KEY with the peer's MIG_ENC_KEY both ways);
#     the MRTD and RTMR0..2 in the VMs' TDREPORTs equal what migtd-hash
#     computes from the enrolled image.
#  2. the destination runs another policy (tests/e2e/data/policy-reject-
#     source.json), so its policy digest differs: the source, TLS client and
#     first to verify, rejects it (8) and aborts; the destination sees the
#     alert (6) -- as premigration.sh -- and no MIG_DEC_KEY word is written
#     on either side.
#  3. 16 sessions at once over 16 stream ports (--barrier: all 16 in
#     progress on both VMs before any byte is relayed): all succeed, keys
#     verified; the VMs' heap peaks are printed.
set -uo pipefail
cd "$(dirname "$0")/../.."
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64"; exit 77; }
make --no-print-directory -s build/migtd-serial-ports.bin build/bin/migtd-vmm build/bin/migtd-hash >/dev/null || exit 1
VMM=build/bin/migtd-vmm
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; echo "$out" | sed 's/^/   /'; exit 1; }
. tests/e2e/lib/tdreport.sh

run() { # name expected-exit args...
  local name=$1 want=$2; shift 2
  rm -rf "$t/d" && mkdir -p "$t/d"
  out=$(timeout 120 $VMM demo --vm --image build/migtd-serial-ports.bin --dir "$t/d" --keep "$@" 2>&1); rc=$?
  echo "== $name (exit $rc)"
  [ "$rc" = "$want" ] || fail "$name: exit $rc, expected $want"
}

heap_peaks() { # the VMs' "heap: peak" lines, shortened
  echo "$out" | sed -n 's/^ *\(source\|destination\) vm | migtd: heap: peak \([0-9]*\) bytes while sessions ran (up to \([0-9]*\) at once.*/\1 \2 bytes (\3 at once)/p' | paste -sd, | sed 's/,/, /'
}

run good 0
grep -q 'source vm | migtd: ready at' <<<"$out" || fail "source VM never served"
grep -q 'destination vm | migtd: ready at' <<<"$out" || fail "destination VM never served"
grep -q 'session 0: source status 0 (Success), destination status 0 (Success), keys installed and verified' <<<"$out" \
  || fail "keys not verified"
grep -q 'MIG_VERSION 3 on both sides' <<<"$out" || fail "negotiated version is not 3"
grep -q 'verdict: OK' <<<"$out" || fail "no OK verdict"
check_tdreports "$t/d"
echo "   keys verified; MRTD and RTMR0..2 of both VMs = migtd-hash of the enrolled images"
echo "   heap peaks, 1 session: $(heap_peaks)"

run reject 1 --dest-policy tests/e2e/data/policy-reject-source.json --timeout-ms 5000
grep -q "session 0: source status 8 .*destination status 6 " <<<"$out" \
  || fail "expected source 8 / destination 6"
grep -q 'MIG_DEC_KEY words written: source 0, destination 0' <<<"$out" \
  || fail "a key was written after a rejection"
echo "   statuses 8 / 6, no key written"


run sixteen 0 --sessions 16 --vm-streams 16 --barrier
grep -q 'source vm | migtd: 16 stream ports' <<<"$out" || fail "source VM: not 16 stream ports"
grep -q 'destination vm | migtd: 16 stream ports' <<<"$out" || fail "destination VM: not 16 stream ports"
# 16 sessions and the MigTD's own quote at boot (docs/performance.md)
grep -q 'quotes issued: source 17, destination 17' <<<"$out" || fail "not 16 + 1 quotes per side"
grep -q 'verdict: OK -- 16 pre-migrations completed, keys verified on both platforms' <<<"$out" \
  || fail "no OK verdict for 16"
# The VMM releases the relay only once all 16 requests are in progress on
# both MigTDs; a MigTD samples its session count once per poll, so a session
# finishing early can hide one: demand real concurrency (>= 12), print it.
for side in source destination; do
  n=$(echo "$out" | sed -n "s/^ *$side vm | migtd: heap: peak [0-9]* bytes while sessions ran (up to \([0-9]*\) at once.*/\1/p" | tail -n 1)
  [ -n "$n" ] && [ "$n" -ge 12 ] || fail "$side VM: only ${n:-?} sessions ran at once"
done
echo "   16 concurrent, keys verified; heap peaks: $(heap_peaks)"
echo "firmware pre-migration: ok"
