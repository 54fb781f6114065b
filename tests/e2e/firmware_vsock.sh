#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# e2e-asan: scripts/run-tests.sh runs this again with MIGTD_BIN=build/san/bin
# Pre-migrations between two firmware VMs over virtio-vsock, with upstream's
# device set: each VM (QEMU TCG, q35) boots the default build/migtd.bin
# (TRANSPORT=virtio-vsock) and has ONLY vhost-user-vsock-pci (+ COM1 for
# its log). migtd-vmm starts one migtd-vsock-backend per VM (guest CIDs 18
# and 19, docs/vhost-user.md); the backend hands the VM's platform link
# (port 5100) to the emulated platform and relays each session stream
# through migtd-vmm's relay to the other VM.
#  1. good path: both report 0, keys verified on the platform side (the
#     demo compares MIG_DEC_KEY with the peer's MIG_ENC_KEY both ways); the
#     VM saw exactly one virtio device, the vsock one, with its CID.
#  2. 16 sessions at once (--barrier: all 16 in progress on both VMs
#     before the relay passes a byte): all succeed, keys verified, >= 12
#     really concurrent in each VM; then 64 at once (MIGTD_MAX_SESSIONS),
#     all 64 in each VM at the same time, ~16 s (docs/firmware-heap.md).
#  3. the relay cuts one side's stream in the middle of the TLS handshake:
#     both sides report 6 (SecureSessionError: a transport failure while
#     TLS runs, docs/status-codes.md) and no MIG_DEC_KEY word is written on
#     either platform.
#  4. two `migtd-vmm serve --vm` (one per "host", on loopback) relay the
#     session over TCP between the two VMs: keys verified with ctl td-state.
# Prints boot-to-serving (QEMU launched -> the VM's first WaitForRequest
# answered) and one pre-migration's wall time.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib/vsock_vm.sh
[ -x "$BIN/migtd-vsock-backend" ] || { echo "FAIL: $BIN/migtd-vsock-backend not built"; exit 1; }
build/bin/migtd-image info --image build/migtd.bin | grep -q '^transport: virtio-vsock' \
  || { echo "FAIL: build/migtd.bin is not the virtio-vsock build"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; echo "$out" | sed 's/^/   /'; exit 1; }

run() { # name expected-exit args...
  local name=$1 want=$2; shift 2
  rm -rf "$t/d" && mkdir -p "$t/d"
  out=$(timeout 180 $VMM demo --vm --dir "$t/d" "$@" 2>&1); rc=$?
  echo "== $name (exit $rc)"
  [ "$rc" = "$want" ] || fail "$name: exit $rc, expected $want"
}

# seconds between two "[ S.SSS s] <who> ..." event lines of migtd-vmm
event_time() { # who pattern
  echo "$out" | sed -n "s/^\[ *\([0-9.]*\) s\] $1 *$2.*/\1/p" | head -n 1
}

backends_clean() { # every backend ended on QEMU's close, with no bad packet
  [ "$(echo "$out" | grep -c 'vsock-backend\[cid 1[89]\]: QEMU closed the vhost-user connection')" = 2 ] \
    || fail "a vsock backend did not end cleanly"
  echo "$out" | grep 'vsock-backend\[cid.*QEMU closed' | grep -qv ' 0 bad packets, 0 credit violations' \
    && fail "the backend saw bad packets or credit violations from our own firmware"
  return 0
}

run good 0
for side in source destination; do
  cid=$([ $side = source ] && echo 18 || echo 19)
  grep -q "$side  *launched the MigTD VM (qemu pid [0-9]*, vhost-user-vsock guest CID $cid" <<<"$out" \
    || fail "$side: not launched with vhost-user-vsock, CID $cid"
  grep -q "$side vm | vsock: virtio-vsock .*guest CID $cid" <<<"$out" \
    || fail "$side VM: its vsock driver did not read guest CID $cid"
  # Upstream's device set: the only virtio device is the vsock one (1053).
  devs=$(echo "$out" | sed -n "s/^ *$side vm | pci [0-9a-f:.]* \(1af4:[0-9a-f]*\).*/\1/p" | sort -u | paste -sd,)
  [ "$devs" = "1af4:1053" ] || fail "$side VM: virtio devices '$devs', expected only 1af4:1053"
  grep -q "$side vm | migtd: ready at" <<<"$out" || fail "$side VM never served"
done
grep -q 'session 0: source status 0 (Success), destination status 0 (Success), keys installed and verified' <<<"$out" \
  || fail "keys not verified"
grep -q 'verdict: OK' <<<"$out" || fail "no OK verdict"
backends_clean
for side in source destination; do
  l=$(event_time "$side" "launched"); d=$(event_time "$side" "request [0-9]* delivered")
  echo "   boot-to-serving $side: $(awk -v a="$l" -v b="$d" 'BEGIN{printf "%.3f s", b-a}')" \
       "(QEMU launched -> first WaitForRequest answered)"
done
d=$(echo "$out" | sed -n 's/^\[ *\([0-9.]*\) s\] [a-z]* *request [0-9]* delivered.*/\1/p' | sort -n | head -n 1)
r=$(echo "$out" | sed -n 's/^\[ *\([0-9.]*\) s\] [a-z]* *ReportStatus: .*/\1/p' | sort -n | tail -n 1)
echo "   one pre-migration over vsock: $(awk -v a="$d" -v b="$r" 'BEGIN{printf "%.3f s", b-a}') wall" \
     "(first request delivered -> last ReportStatus)"

run sixteen 0 --count 16 --parallel 16 --barrier
# 16 sessions and the MigTD's own quote at boot (docs/performance.md)
grep -q 'quotes issued: source 17, destination 17' <<<"$out" || fail "not 16 + 1 quotes per side"
grep -q 'verdict: OK -- 16 pre-migrations completed, keys verified on both platforms' <<<"$out" \
  || fail "no OK verdict for 16"
for side in source destination; do
  n=$(echo "$out" | sed -n "s/^ *$side vm | migtd: heap: peak [0-9]* bytes while sessions ran (up to \([0-9]*\) at once.*/\1/p" | tail -n 1)
  [ -n "$n" ] && [ "$n" -ge 12 ] || fail "$side VM: only ${n:-?} sessions ran at once"
done
backends_clean
echo "   16 concurrent over vsock, keys verified; $(echo "$out" | sed -n 's/^results (\(16 sessions, [0-9.]* s\)).*/\1/p')"

# MIGTD_MAX_SESSIONS at once: the heap and the streams of each VM hold 64
# sessions (docs/firmware-heap.md); no request waits for memory with the
# demo policy, none fails.
run sixty-four 0 --count 64 --parallel 64 --barrier
grep -q 'verdict: OK -- 64 pre-migrations completed, keys verified on both platforms' <<<"$out" \
  || fail "no OK verdict for 64"
for side in source destination; do
  n=$(echo "$out" | sed -n "s/^ *$side vm | migtd: heap: peak [0-9]* bytes while sessions ran (up to \([0-9]*\) at once.*/\1/p" | tail -n 1)
  [ "$n" = 64 ] || fail "$side VM: ${n:-?} sessions ran at once, expected 64"
  grep -qE "$side vm \| migtd: heap: peak .* 0 failed; 0 polls waited for memory" <<<"$out" \
    || fail "$side VM: an allocation failed or a request waited for memory"
done
backends_clean
echo "   64 concurrent over vsock, keys verified; $(echo "$out" | sed -n 's/^results (\(64 sessions, [0-9.]* s\)).*/\1/p');" \
     "heap peak $(echo "$out" | sed -n 's/^ *source vm | migtd: heap: peak \([0-9]*\) bytes.*/\1/p' | tail -n 1) bytes (source VM)"

# The relay resets the destination's stream after its first handshake bytes.
run cut 1 --fault drop --fault-side dst --fault-after 600 --timeout-ms 5000
grep -q 'fault injected: connection from destination cut' <<<"$out" || fail "the fault did not hit"
# A transport failure while TLS runs is 6 on both sides (docs/status-codes.md).
grep -qE 'session 0: source status 6 .*destination status 6 ' <<<"$out" \
  || fail "a stream cut inside the handshake must end in 6 on both sides"
grep -q 'MIG_DEC_KEY words written: source 0, destination 0' <<<"$out" \
  || fail "a key was written after the cut"
grep -q 'handshake failed' <<<"$out" || fail "no handshake failure logged"
backends_clean
echo "   $(echo "$out" | grep -o 'session 0: source status .*')"
# 4. Two hosts' worth of `migtd-vmm serve --vm` (here on loopback): each
# platform's MigTD is a VM with only the vsock device; the session stream
# leaves the source VM through its backend and the serve relay, crosses TCP
# (the source host connects, the destination host listens, as upstream's
# socat pair), and enters the destination VM the same way.
out=
VMM_PIDS=()
cleanup_serve() { for p in "${VMM_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap 'cleanup_serve; rm -rf "$t"' EXIT
$VMM pki init "$t/a" --fmspc 00806F050000 >/dev/null || fail "pki a"
$VMM pki init "$t/b" --root "$t/a" --fmspc 00906F000000 --pcesvn 13 >/dev/null || fail "pki b"
serve_vm() { # dir cid log
  # --pcs: each host's quoting service also has the other platform's
  # collateral, as a PCCS caching Intel PCS has every FMSPC's.
  local other=$t/a; [ "$1" = "$t/a" ] && other=$t/b
  $VMM serve --vm --guest-cid "$2" --pki "$1" --pcs "$other" --control "$1/ctl.sock" \
    --root-ca "$t/a/root_ca.der" \
    --policy config/demo/policy.json --export-versions 1:3 --import-versions 2:4 --timeout-ms 8000 \
    >"$3" 2>&1 &
  VMM_PIDS+=($!)
  for _ in $(seq 100); do [ -S "$1/ctl.sock" ] && return 0; sleep 0.1; done
  out=$(cat "$3"); fail "serve --vm did not come up"
}
wait_status() { # ctlsock id
  for _ in $(seq 300); do
    r=$($VMM ctl "$1" status "$2") || return 1
    [ "$r" != pending ] && { echo "$r"; return 0; }
    sleep 0.1
  done
  echo timeout
}
field() { echo "$1" | tr ' ' '\n' | grep -A1 -x "$2" | tail -n1; }
serve_vm "$t/a" 18 "$t/a.log"
serve_vm "$t/b" 19 "$t/b.log"
port=$(( 20000 + $$ % 20000 ))
echo "== two serve --vm over TCP 127.0.0.1:$port"
$VMM ctl "$t/b/ctl.sock" migrate 1 destination "127.0.0.1:$port" >/dev/null || fail "migrate on b"
$VMM ctl "$t/a/ctl.sock" migrate 1 source "127.0.0.1:$port" >/dev/null || fail "migrate on a"
sa=$(wait_status "$t/a/ctl.sock" 1) sb=$(wait_status "$t/b/ctl.sock" 1)
out="$(cat "$t/a.log")
$(cat "$t/b.log")"
[ "$sa" = "status 0 Success" ] && [ "$sb" = "status 0 Success" ] || fail "source '$sa', destination '$sb'"
ta=$($VMM ctl "$t/a/ctl.sock" td-state 1) tb=$($VMM ctl "$t/b/ctl.sock" td-state 1)
[ "$(field "$ta" enc)" = "$(field "$tb" dec)" ] || fail "destination MIG_DEC_KEY != source MIG_ENC_KEY"
[ "$(field "$tb" enc)" = "$(field "$ta" dec)" ] || fail "source MIG_DEC_KEY != destination MIG_ENC_KEY"
[ "$(field "$ta" version)" = 3 ] && [ "$(field "$tb" version)" = 3 ] || fail "MIG_VERSION not 3 on both"
grep -q 'vhost-user-vsock guest CID 18' "$t/a.log" && grep -q 'vhost-user-vsock guest CID 19' "$t/b.log" \
  || fail "serve --vm did not start vhost-user-vsock VMs"
$VMM ctl "$t/a/ctl.sock" shutdown >/dev/null; $VMM ctl "$t/b/ctl.sock" shutdown >/dev/null
for p in "${VMM_PIDS[@]}"; do wait "$p" || fail "a serve --vm process ended with an error"; done
VMM_PIDS=()
out="$(cat "$t/a.log")
$(cat "$t/b.log")"
backends_clean
echo "   source $sa, destination $sb; keys verified across the two platforms, MIG_VERSION 3"
echo "firmware vsock: ok"
