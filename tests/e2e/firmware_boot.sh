#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# The firmware image boots in a plain QEMU VM (TCG, q35): banner, heap,
# a SHA-384 computed by the freestanding core + mbedTLS (checked against
# sha384sum), "ready" and a clean exit through isa-debug-exit. Then the
# exception path: a #UD requested through fw_cfg is reported with the
# vector and the RIP of the ud2 instruction in the ELF, a stack overflow is
# reported as a #PF in the guard page. The image layout (TDVF metadata,
# OVMF table, empty CFV) is checked by an independent python walker, and
# migtd-mkimage refuses a wrong payload.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64"; exit 77; }
make --no-print-directory -s image >/dev/null
IMG=build/migtd.bin ELF=build/fs/migtd-fw.elf
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; [ -f "$t/serial.log" ] && sed 's/^/  serial| /' "$t/serial.log"; exit 1; }

# boot [extra qemu args...] -> $rc, $t/serial.log
boot() {
  rm -f "$t/serial.log"
  set +e
  timeout 60 qemu-system-x86_64 -accel tcg -machine q35 -m 64M -nographic -display none \
    -nodefaults -no-reboot -monitor none -bios "$IMG" -serial "file:$t/serial.log" \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 "$@" >"$t/qemu.out" 2>&1
  rc=$?
  set -e
  tr -d '\r' <"$t/serial.log" >"$t/s" && mv "$t/s" "$t/serial.log"
}

# 1. Normal boot. FW_EXIT_OK (0x10) -> QEMU status 2*0x10+1 = 33.
msg='migtd-c firmware self-test'
want=$(printf '%s' "$msg" | sha384sum | cut -d' ' -f1)
boot
[ $rc -eq 33 ] || fail "boot exit status $rc (want 33)"
grep -q '^migtd-c firmware: boot in a plain VM' "$t/serial.log" || fail "no banner"
grep -q '^heap: 8192 KiB at 0x800000$' "$t/serial.log" || fail "no heap line"
grep -qx "sha384(\"$msg\") = $want" "$t/serial.log" || fail "sha384 missing or wrong (want $want)"
grep -qx 'ready' "$t/serial.log" || fail "not ready"
grep -q EXCEPTION "$t/serial.log" && fail "unexpected exception"
# PCI through ECAM: the Q35 host bridge answers at 00:00.0.
grep -q '^pci 00:00.0 8086:29c0 class 060000$' "$t/serial.log" || fail "no Q35 host bridge via ECAM"
# The APIC timer ticks (vector 33) and the sti;hlt idle wakes on it: 10 ms idle.
grep -Eq '^timer: APIC [0-9]+ counts/ms, vector 33$' "$t/serial.log" || fail "no timer"
idle=$(sed -n 's/^timer: idle \([0-9]*\) ticks$/\1/p' "$t/serial.log")
[ -n "$idle" ] && [ "$idle" -ge 10 ] && [ "$idle" -le 15 ] || fail "idle ticks '$idle' (want 10..15)"
echo "boot: ok"

# 2. #UD on request: vector 6 and the RIP of the labelled ud2 (fw_selftest_ud2).
ud_rip=$(nm "$ELF" | awk '$3 == "fw_selftest_ud2" { sub("^0*", "", $1); print $1 }')
[ -n "$ud_rip" ] || fail "no fw_selftest_ud2 in $ELF"
boot -fw_cfg name=opt/migtd/test,string=ud
[ $rc -eq 35 ] || fail "#UD exit status $rc (want 35)"
grep -q "^EXCEPTION #UD vector=6 error=0x0 rip=0x$ud_rip cs=0x18 " "$t/serial.log" \
  || fail "#UD not reported at rip 0x$ud_rip"
grep -qx 'ready' "$t/serial.log" && fail "ready after #UD"
echo "#UD: ok (rip 0x$ud_rip)"

# 3. Stack overflow: #PF (vector 14, write to a not-present page: error 2)
#    with CR2 inside the guard page, handled on the IST stack.
guard=$(awk '/#define FW_RAM_GUARD_BASE/ { print $3 }' config/image_layout.h)
boot -fw_cfg name=opt/migtd/test,string=pf
[ $rc -eq 35 ] || fail "#PF exit status $rc (want 35)"
line=$(grep '^EXCEPTION #PF vector=14 error=0x2 ' "$t/serial.log") || fail "#PF not reported"
cr2=$(sed -n 's/.* cr2=\(0x[0-9a-f]*\).*/\1/p' <<<"$line")
[ $((cr2)) -ge $((guard)) ] && [ $((cr2)) -lt $((guard + 4096)) ] || fail "cr2 $cr2 not in guard page $guard"
grep -qx 'stack overflow: fault in the stack guard page' "$t/serial.log" || fail "no overflow note"
echo "guard page: ok (cr2 $cr2)"

# 4. A modern virtio-serial device (1af4:1043, class 0x0780) is enumerated.
boot -device virtio-serial-pci,disable-legacy=on
[ $rc -eq 33 ] || fail "virtio boot exit status $rc (want 33)"
grep -Eq '^pci 00:[0-9a-f]{2}\.0 1af4:1043 class 078000$' "$t/serial.log" || fail "virtio-serial not found"
boot
grep -q '1af4:1043' "$t/serial.log" && fail "virtio-serial reported without the device"
echo "pci: ok"

# 5. Image layout, checked from the spec by an independent walker.
/usr/bin/python3 tests/e2e/oracle/check_tdvf_image.py build/migtd-unenrolled.bin || fail "image layout"

# 6. migtd-mkimage refuses a truncated payload and one that covers the
#    metadata page.
blob=build/fs/migtd-fw.bin
head -c 4096 "$blob" >"$t/short.bin"
build/bin/migtd-mkimage --payload "$t/short.bin" -o "$t/x.bin" 2>/dev/null && fail "short payload accepted"
cp "$blob" "$t/dirty.bin"
meta=$(( $(awk '/#define FW_IMAGE_SIZE/ { print $3 }' config/image_layout.h) - 0x2000 - 0xA0000 + 100 ))
printf '\x01' | dd of="$t/dirty.bin" bs=1 seek=$meta conv=notrunc status=none
build/bin/migtd-mkimage --payload "$t/dirty.bin" -o "$t/x.bin" 2>/dev/null && fail "overlap accepted"
echo "mkimage negatives: ok"
echo "firmware_boot: ok"
