#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# The TD path end to end: the unchanged images boot as TDs under the shim
# ROM (build/tdshim.bin, docs/td-under-shim.md), an L1 hypervisor on QEMU
# TCG's SVM that plays the TDX module and the VMM. Every run is in strict
# mode: whatever a TDX module would turn into a #VE is injected as one.
#  1. `serve --td`: the default build/migtd.bin boots as a TD to "serving"
#     (its first WaitForRequest), no #VE on the way. A regression of F1
#     (WRMSR EFER in the reset vector) triple-faults here.
#  2. F2: the TD's CMOS RTC reads as nonsense -- the TD still serves
#     ("cannot read the RTC"), it does not stop.
#  3. F3: the same image started as vCPU 1 stays in its park loop for 2 s
#     with no #VE, TDCALL or HLT (a `cli; hlt` park triple-faults).
#  4. the shim's invariants, with a probe as the TD: double accept
#     (TDX_PAGE_ALREADY_ACCEPTED), 2 MiB over 4 KiB (TDX_PAGE_SIZE_MISMATCH),
#     a load from unaccepted memory (#VE, EPT violation at its GPA), device
#     DMA to a private GPA (never reaches the private page), MMIO to a
#     private GPA (VMCALL_INVALID_OPERAND), MapGPA's RETRY.
#  5. `demo --td`: two TDs complete a pre-migration, keys verified on the
#     host side; MRTD and RTMR0..2 equal what migtd-hash computes.
#  6. `demo --td` with a destination policy that rejects the source: status
#     8 / 6, no MIG_DEC_KEY word written.
#  7. the same pre-migration with the interrupt build of the image
#     (build/migtd-irq.bin, TDX_INTERRUPTS=1): Service completes by vector
#     0x50, GetQuote by the vector of SetupEventNotifyInterrupt (0x51).
# Prints boot-to-serving time and the shim's exits per leaf, for a boot
# and for one pre-migration.
set -uo pipefail
# (grep -q reads from here-strings, not from `echo | grep -q`: with pipefail, an
# echo of a long log that grep stops reading early fails with SIGPIPE.)
cd "$(dirname "$0")/../.."
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64 (scripts/deps.sh installs it)"; exit 1; }
make --no-print-directory -s build/bin/migtd-vmm build/bin/migtd-vsock-backend build/bin/migtd-hash \
  build/migtd.bin build/migtd-irq.bin build/tdshim.bin >/dev/null || exit 1
VMM=build/bin/migtd-vmm
t=$(mktemp -d)
SERVE_PID=
trap '[ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null; rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; echo "$out" | sed 's/^/   /' | tail -n 40; exit 1; }
. tests/e2e/lib/tdreport.sh
$VMM pki init "$t/p" >/dev/null || { out=; fail "pki init"; }

# One TD under `serve --td`; waits for PATTERN in its log (or the VM's end).
serve_td() { # name pattern [serve options...]
  local name=$1 pat=$2 log="$t/$1.log"; shift 2
  rm -f "$t/ctl.sock"
  $VMM serve --td --pki "$t/p" --control "$t/ctl.sock" --root-ca "$t/p/root_ca.der" \
    --policy config/demo/policy.json "$@" >"$log" 2>&1 &
  SERVE_PID=$!
  for _ in $(seq 600); do
    grep -q -- "$pat" "$log" && break
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1
  done
  out=$(cat "$log")
  [ -S "$t/ctl.sock" ] && $VMM ctl "$t/ctl.sock" shutdown >/dev/null 2>&1
  kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null; SERVE_PID=
  out=$(cat "$log")
  echo "== $name"
  grep -q -- "$pat" <<<"$out" || fail "$name: no '$pat'"
}
summary() { # the shim's exit summary line at WHEN
  echo "$out" | sed -n "s/.*\[tdshim\] exits at $1 (\([0-9]*\) ms): \(.*\)/\1 ms: \2/p" | head -n 1
}

# 1. boot to serving, strict
serve_td boot 'exits at first WaitForRequest (serving)'
grep -q -- 'starting the TD at 0xfffffff0 (strict mode)' <<<"$out" || fail "not strict mode"
grep -q -- 'migtd-c firmware: boot in a TD' <<<"$out" || fail "the image did not take its TD path"
grep -q -- 'tdx: accept 0x1200000..0x2000000: 7 x 2 MiB' <<<"$out" || fail "PermMem not accepted"
grep -q -- 'tdx: DMA region .* shared at GPA 0x800001000000' <<<"$out" || fail "no MapGPA to shared"
grep -q -- 'vsock: virtio-vsock 00:03.0' <<<"$out" || fail "the TD's vsock device was not set up"
grep -q -- 'Query: MigTD service supported' <<<"$out" || fail "no Query through TDVMCALL<Service>"
s=$(summary 'first WaitForRequest (serving)')
grep -q -- '#VE injected' <<<"$s" && fail "a #VE on the boot path: $s"
echo "   boot to serving (shim start -> first WaitForRequest): $s"

# 2. F2: an unreadable RTC does not stop the TD
serve_td bad-rtc 'exits at first WaitForRequest (serving)' --shim-test bad-rtc
grep -q -- 'cannot read the RTC' <<<"$out" || fail "the RTC was not unreadable"
echo "   RTC unreadable: the TD still serves"

# 3. F3: vCPU 1 parks without a #VE
serve_td ap 'AP watch done' --shim-test ap
grep -q -- 'vCPU 1 stayed parked for [0-9]* ms' <<<"$out" || fail "vCPU 1 did not stay parked"
echo "   $(echo "$out" | grep -o 'vCPU 1 stayed parked.*')"

# 4. the shim's invariants
serve_td invariants 'invariants: [0-9]* failed' --shim-test invariants
echo "$out" | grep 'invariant ' | sed 's/^.*\[tdshim\] /   /'
grep -q -- 'invariants: 0 failed' <<<"$out" || fail "an invariant failed"
[ "$(echo "$out" | grep -c 'invariant .*: ok')" = 12 ] || fail "not 12 invariants checked"

# 5. two TDs pre-migrate
run() { # name expected-exit args...
  local name=$1 want=$2; shift 2
  rm -rf "$t/d" && mkdir -p "$t/d"
  out=$(timeout 180 $VMM demo --td --dir "$t/d" --keep "$@" 2>&1); rc=$?
  echo "== $name (exit $rc)"
  [ "$rc" = "$want" ] || fail "$name: exit $rc, expected $want"
}
run premigration 0
grep -q -- 'session 0: source status 0 (Success), destination status 0 (Success), keys installed and verified' <<<"$out" \
  || fail "keys not verified"
grep -q -- 'verdict: OK' <<<"$out" || fail "no OK verdict"
[ "$(echo "$out" | grep -c 'launched the MigTD as a TD under the shim')" = 2 ] || fail "not two TDs"
check_tdreports "$t/d"
echo "   keys verified; MRTD and RTMR0..2 of both TDs = migtd-hash of the enrolled images"
# exits of one pre-migration: the summary at ReportStatus minus the one at serving
for side in source destination; do
  a=$(echo "$out" | sed -n "s/^ *$side vm | \[tdshim\] exits at first WaitForRequest (serving) ([0-9]* ms): exits \([0-9]*\),.*/\1/p" | head -n 1)
  b=$(echo "$out" | sed -n "s/^ *$side vm | \[tdshim\] exits at ReportStatus ([0-9]* ms): exits \([0-9]*\),.*/\1/p" | head -n 1)
  [ -n "$a" ] && [ -n "$b" ] || fail "$side: no exit summaries"
  echo "   $side: $((b - a)) exits from serving to its ReportStatus; at ReportStatus:"
  echo "$out" | sed -n "s/^ *$side vm | \[tdshim\] exits at ReportStatus (\([0-9]*\) ms): \(.*\)/     \2/p" | head -n 1
done

# 6. a policy rejection: statuses, no key
run reject 1 --dest-policy tests/e2e/data/policy-reject-source.json --timeout-ms 5000
grep -q -- "session 0: source status 8 .*destination status 6 " <<<"$out" \
  || fail "expected source 8 / destination 6"
grep -q -- 'MIG_DEC_KEY words written: source 0, destination 0' <<<"$out" \
  || fail "a key was written after a rejection"
echo "   statuses 8 / 6, no key written"

# 7. the interrupt build: completions by vector
run interrupts 0 --image build/migtd-irq.bin
grep -q -- 'session 0: source status 0 (Success), destination status 0 (Success), keys installed and verified' <<<"$out" \
  || fail "interrupt build: keys not verified"
for side in source destination; do
  line=$(echo "$out" | sed -n "s/^ *$side vm | \[tdshim\] exits at ReportStatus ([0-9]* ms): \(.*\)/\1/p" | head -n 1)
  grep -q -- 'IRQs injected [1-9]' <<<"$line" || fail "$side: no vector injected"
  grep -q -- 'GetQuote [1-9]' <<<"$line" || fail "$side: no GetQuote"
  echo "   $side: $(echo "$line" | grep -o 'Service [0-9]*'), $(echo "$line" | grep -o 'GetQuote [0-9]*'), $(echo "$line" | grep -o 'IRQs injected [0-9]*')"
done
echo "OK"
