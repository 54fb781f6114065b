#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# Pre-migration between two VMs booted from the TRANSPORT=virtio-serial
# image, started with upstream's virtio-serial arguments: a
# virtio-serial-pci device and port 1 (`virtserialport ... nr=1`, unnamed)
# on a TCP chardev; the two VMs' chardevs are joined directly (the
# destination's listens, server=on; the source's connects, server=off), so
# no VMM relays the session bytes -- docs/protocol.md §4.3: raw TLS on port 1, no
# header. The VMs are plain QEMU VMs on the emulated platform, so each also
# has its platform link to migtd-vmm on the reserved port migtd.link
# (docs/firmware-transports.md).
#  1. the image says it was built for virtio-serial (migtd-image info);
#  2. good path: both report 0, keys verified on the platform side, MRTD
#     and RTMR0..2 in the TDREPORTs = migtd-hash of the enrolled images;
#     the QEMU arguments were upstream's (server=on / server=off, nr=1)
#     and neither VM has a virtio-vsock device; the device is the
#     transitional 1af4:1003 that upstream's arguments give on q35;
#  3. three sessions one after another over the one stream all succeed;
#  4. the destination runs another policy: the source rejects it (8), the
#     destination sees the alert (6), no key written.
# Prints boot-to-serving and the wall time of one pre-migration.
set -uo pipefail
cd "$(dirname "$0")/../.."
command -v qemu-system-x86_64 >/dev/null || { echo "FAIL: no qemu-system-x86_64 (scripts/deps.sh installs it)"; exit 1; }
make --no-print-directory -s build/migtd-serial.bin build/bin/migtd-vmm build/bin/migtd-hash \
  build/bin/migtd-image >/dev/null || exit 1
VMM=build/bin/migtd-vmm
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
out=
fail() { echo "FAIL: $*"; echo "$out" | sed 's/^/   /'; exit 1; }
. tests/e2e/lib/tdreport.sh
# A here-string, not echo | grep -q: grep -q stops reading early, and with
# pipefail the echo's SIGPIPE would make a match look like a failure.
has() { grep -q "$1" <<<"$out"; }

out=$(build/bin/migtd-image info --image build/migtd-serial.bin) || fail "migtd-image info"
has '^transport: virtio-serial ' || fail "image not recorded as virtio-serial"
echo "== image: $(echo "$out" | grep '^transport:')"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

run() { # name expected-exit args...
  local name=$1 want=$2 port; shift 2
  port=$(free_port)
  rm -rf "$t/d" && mkdir -p "$t/d"
  t0=$(date +%s%N)
  out=$(timeout 120 $VMM demo --vm-serial "$port" --dir "$t/d" --keep "$@" 2>&1); rc=$?
  wall_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  echo "== $name (exit $rc, ${wall_ms} ms)"
  [ "$rc" = "$want" ] || fail "$name: exit $rc, expected $want"
  has "destination .*virtio-serial port 1 on socket,host=127.0.0.1,port=$port,server=on" \
    || fail "destination chardev is not the listening side"
  has "source .*virtio-serial port 1 on socket,host=127.0.0.1,port=$port,server=off" \
    || fail "source chardev is not the connecting side"
}

run good 0
has 'source vm | migtd: transport virtio-serial$' || fail "source VM transport"
has 'destination vm | migtd: transport virtio-serial$' || fail "destination VM transport"
has ' vm | pci 00:..\.0 1af4:1053' && fail "a VM has a virtio-vsock device"
has 'source vm | pci 00:..\.0 1af4:1003 ' || fail "source VM: no transitional virtio-serial device"
has 'session 0: source status 0 (Success), destination status 0 (Success), keys installed and verified' \
  || fail "keys not verified"
has 'verdict: OK' || fail "no OK verdict"
check_tdreports "$t/d"
# Boot to serving: from the VMM starting QEMU to the MigTD's first
# WaitForRequest (it has measured, run Query and asks for work).
b2s() { # side
  local l r
  l=$(sed -n "s/^\[ *\([0-9.]*\) s\] $1 *launched the MigTD VM.*/\1/p" <<<"$out")
  r=$(sed -n "s/^\[ *\([0-9.]*\) s\] $1 *request [0-9]* delivered.*/\1/p" <<<"$out" | head -n 1)
  [ -n "$l" ] && [ -n "$r" ] && awk -v l="$l" -v r="$r" 'BEGIN { printf "%d ms", (r - l) * 1000 }'
}
ready="source $(b2s source), destination $(b2s destination)"
sess=$(echo "$out" | sed -n 's/^results (1 session, \([0-9.]*\) s):/\1 s/p')
echo "   keys verified; MRTD/RTMRs = migtd-hash; boot to serving (QEMU start to first WaitForRequest): $ready;"
echo "   one pre-migration: $sess (VMM, request to both reports), ${wall_ms} ms wall incl. VM boot"

run three-in-a-row 0 --count 3 --parallel 1
has 'verdict: OK -- 3 pre-migrations completed, keys verified on both platforms' \
  || fail "three sessions over the one port"
echo "   3 sessions one after another over port 1, keys verified"

run reject 1 --dest-policy tests/e2e/data/policy-reject-source.json --timeout-ms 5000
has "session 0: source status 8 .*destination status 6 " \
  || fail "expected source 8 / destination 6"
has 'MIG_DEC_KEY words written: source 0, destination 0' \
  || fail "a key was written after a rejection"
echo "   statuses 8 / 6, no key written"
echo "firmware upstream virtio-serial: ok"
