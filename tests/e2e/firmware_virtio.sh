#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# The firmware's virtio drivers against QEMU's real devices: a modern-only
# virtio-serial-pci (disable-legacy=on) with a port named migtd.link whose
# chardev is a UNIX socket. The firmware (asked through
# -fw_cfg opt/migtd/link) assigns the BARs, walks the capabilities,
# negotiates VERSION_1 + MULTIPORT, finds the port by its PORT_NAME, opens
# it and sends a hello; a python peer on the host checks the hello and
# answers; the firmware must print the answer and reach "ready". Then: a
# port name that the VM does not have fails cleanly (bounded wait, exit 35).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64"; exit 77; }
make --no-print-directory -s image >/dev/null
IMG=build/migtd.bin
t=$(mktemp -d)
peer_pid=
cleanup() { [ -n "$peer_pid" ] && kill "$peer_pid" 2>/dev/null; rm -rf "$t"; }
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  [ -f "$t/serial.log" ] && sed 's/^/  serial| /' "$t/serial.log"
  [ -f "$t/peer.log" ] && sed 's/^/  peer| /' "$t/peer.log"
  exit 1
}

answer="hello from the host peer $$"
cat >"$t/peer.py" <<'PY'
import socket, sys, time
path, answer, out = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
deadline = time.time() + 30
while True:
    try:
        s.connect(path)
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("peer: no socket")
        time.sleep(0.05)
s.settimeout(30)
buf = b""
while b"\n" not in buf:
    d = s.recv(4096)
    if not d:
        break
    buf += d
open(out, "wb").write(buf)
s.sendall(answer.encode() + b"\n")
time.sleep(1)
PY

# boot [extra qemu args...] -> $rc, $t/serial.log
boot() {
  rm -f "$t/serial.log"
  set +e
  timeout 60 qemu-system-x86_64 -accel tcg -machine q35 -m 64M -nographic -display none \
    -nodefaults -no-reboot -monitor none -bios "$IMG" -serial "file:$t/serial.log" \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -device virtio-serial-pci,disable-legacy=on \
    -chardev "socket,id=c0,path=$t/sock,server=on,wait=off" \
    -device virtserialport,chardev=c0,name=migtd.link "$@" >"$t/qemu.out" 2>&1
  rc=$?
  set -e
  tr -d '\r' <"$t/serial.log" >"$t/s" && mv "$t/s" "$t/serial.log"
}

# 1. hello over migtd.link, answered by the host peer.
/usr/bin/python3 "$t/peer.py" "$t/sock" "$answer" "$t/hello" >"$t/peer.log" 2>&1 &
peer_pid=$!
boot -fw_cfg name=opt/migtd/link,string=migtd.link
wait "$peer_pid" || fail "peer failed"
peer_pid=
[ $rc -eq 33 ] || fail "exit status $rc (want 33)"
grep -Eq '^link: virtio-serial 00:[0-9a-f]{2}\.0, 20 ports, features 0x100000002, ' "$t/serial.log" \
  || fail "no virtio-serial setup line (VERSION_1|MULTIPORT)"
grep -qx 'link: port 1 "migtd.link" open' "$t/serial.log" || fail "port not opened by name"
[ "$(cat "$t/hello")" = "hello from migtd-c firmware" ] || fail "peer got '$(cat "$t/hello")'"
grep -qx "link: received \"$answer\"" "$t/serial.log" || fail "answer not printed"
grep -qx 'ready' "$t/serial.log" || fail "not ready"
echo "virtio-serial hello: ok"

# 2. A port the VM does not have: bounded wait, clean failure.
boot -fw_cfg name=opt/migtd/link,string=no.such.port
[ $rc -eq 35 ] || fail "missing port: exit status $rc (want 35)"
grep -q '^link: port "no.such.port" not found (-14)$' "$t/serial.log" || fail "no not-found line"
grep -q EXCEPTION "$t/serial.log" && fail "exception"
echo "missing port: ok"
echo "firmware_virtio: ok"
