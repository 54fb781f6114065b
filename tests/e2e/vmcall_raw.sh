#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# e2e-asan: scripts/run-tests.sh runs this again with MIGTD_BIN=build/san/bin
#
# The GHCI 1.5 "vmcall-raw" profile (docs/vmcall-raw.md) with real processes:
# `migtd-vmm run --profile vmcall-raw` launches `migtd --profile vmcall-raw`
# on both platforms and speaks TDG.VP.VMCALL<MigTD> to them over the
# platform link. First the whole pre-migration matrix of premigration_run.sh
# in this profile (both ways, the relay faults, policies, versions,
# SERVTD_ATTR, a duplicate id, 64 sessions at once), then what only this
# profile has: GetTDReport, EnableLogArea and the log ring, the refused
# requests (11, 1, 12) and the VMM's cancel. Statuses: docs/protocol.md §1.5.
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib/programs.sh
t_all=$(date +%s%N)

fail() { echo "FAIL: $*"; exit 1; }

PREMIG_PROFILE=vmcall-raw bash tests/e2e/premigration_run.sh || fail "the matrix in vmcall-raw"

VMM_PROFILE=vmcall-raw
. tests/e2e/lib/vmm_run.sh
hasnt() { ! grep -E -- "$1" <<<"$out" >/dev/null || fail "$name: unexpected line matching: $1"; }

# --- GetTDReport (§2.4.6): the 1024-byte TDREPORT, MAC checked by the
# platform's TDX module, REPORTDATA the fixed text (the VMM sent 64 other bytes).
run get-tdreport 0 --get-tdreport
has '^  source GetTDReport: status 0, 1024 bytes, MAC verified, REPORTDATA HostRequestedMigTDReport$'
has '^  destination GetTDReport: status 0, 1024 bytes, MAC verified, REPORTDATA HostRequestedMigTDReport$'

# --- EnableLogArea (§2.4.7): level 0 is refused (1) and enables nothing; a
# valid level enables the ring: the boot lines (kept in the provisional
# page) and the session's lines, each with its request id; Debug (4) is
# clamped to Info in our (release) build.
run log-area-bad-level 0 --log-area 0
has '^  source EnableLogArea\(level 0\): status 1 \(InvalidParameter\), want 1$'
has '^  source log area: 0 entries$'
run log-area 0 --log-area 4
has '^  source EnableLogArea\(level 4\): status 0 \(Success\), want 0$'
has '^log source vcpu 0 #1 request - level 3: boot: measured policy'
has '^log source vcpu 0 #[0-9]+ request 1000 level 3: keys installed'
has '^log destination vcpu 0 #[0-9]+ request 2000 level 3: reported status 0'
has '^log source vcpu 0 #[0-9]+ request 800 level 3: vmcall-raw operation 4: status 0'
hasnt '^log .* level [45]: '

# --- refused requests (§2.4.1): the status goes to the id the buffer carries.
run vmm-error 0 --raw-request vmm-error
has '^  raw request vmm-error: status 11 \(VmmInternalError\), want 11$'
run bad-length 0 --raw-request bad-length
has '^  raw request bad-length: status 1 \(InvalidParameter\), want 1$'
run unknown-op 0 --raw-request unknown-op
has '^  raw request unknown-op: status 12 \(UnsupportedOperationError\), want 12$'
# Without policy v2, StartRebinding and GetMigtdData are unsupported (12).
run rebinding 0 --raw-request rebinding
has '^  raw request rebinding: status 12'
run migtd-data 0 --raw-request migtd-data
has '^  raw request migtd-data: status 12'

# --- the VMM cancels (§2.4.4) at the first Send/Receive and in the middle of
# the handshake: in a policy-v1 RA-TLS build the stream is only used inside
# TLS, so the cancel surfaces as 6 on both sides (§1.5; 5 would need a
# pre-session exchange, which only policy v2 has). Nothing is written.
run cancel-at-start 1 --fault cancel --timeout-ms 1000
has '^  session 0: source status 6 .*destination status 6 '
has 'td-state session 0 source: .* dec_written 0 version_written 0 '
run cancel-in-tls 1 --fault cancel --fault-after 600 --timeout-ms 1000
has '^  session 0: source status 6 .*destination status 6 '

# --- a policy v2 pair in this profile: the pre-session exchange (§5.7) also
# travels over Send/Receive; GetMigtdData answers our TDINFO (512 bytes); a
# VMM cancel during the pre-session exchange is 5, during TLS 6 (§1.5).
V2=$(mktemp -d)
"$VMM" pki init "$V2/src" --fmspc 00806F050000 >/dev/null || fail "v2: pki src"
"$VMM" pki init "$V2/dst" --root "$V2/src" --fmspc 00906F000000 --pcesvn 13 --qe-isvsvn 5 \
  >/dev/null || fail "v2: pki dst"
"$VMM" pki policy-issuer "$V2/iss" >/dev/null || fail "v2: policy-issuer"
"$VMM" pki policy-v2 --issuer "$V2/iss" --platform "$V2/src" --platform "$V2/dst" \
  --migtd "$BIN/migtd:1" -o "$V2/p.json" >/dev/null || fail "v2: policy"
CH=$V2/iss/policy_issuer_chain.pem
MRO=$(sed -n '1,/-----END CERTIFICATE-----/p' "$CH" | openssl x509 -pubkey -noout |
  openssl pkey -pubin -outform DER | tail -c 97 | openssl dgst -sha384 -binary |
  od -An -v -tx1 | tr -d ' \n')
MROC=$(/usr/bin/python3 -c 'import json,sys,struct
d=json.load(open(sys.argv[1]))
print((struct.pack("<I", d["policyData"]["policySvn"]) + bytes(44)).hex())' "$V2/p.json")
v2run() { # name expected-exit args...
  local n=$1 w=$2; shift 2
  run "$n" "$w" --dir "$V2" --keep --src-issuer-chain "$CH" --src-policy "$V2/p.json" \
    --src-mrowner "$MRO" --src-mrownerconfig "$MROC" --dst-issuer-chain "$CH" \
    --dst-policy "$V2/p.json" --dst-mrowner "$MRO" --dst-mrownerconfig "$MROC" "$@"
}
v2run v2-pair 0 --raw-request migtd-data
has '^  session 0: source status 0 .*destination status 0 .*keys installed and verified'
has '^  raw request migtd-data: 512 bytes of TDINFO$'
has '^  raw request migtd-data: status 0 \(Success\), want 0$'
v2run v2-cancel-pre-session 1 --fault cancel --timeout-ms 3000
has '^  session 0: source status 5 .*destination status 5 '
v2run v2-cancel-in-tls 1 --fault cancel --fault-after 20000 --timeout-ms 3000
has '^  session 0: source status 6 .*destination status 6 '
rm -rf "$V2"

# --- demo in this profile.
name=demo
out=$("$VMM" demo --profile vmcall-raw 2>&1); rc=$?
echo "== demo (exit $rc)"; echo "$out" | tail -n 3 | sed 's/^/   /'
[ "$rc" = 0 ] || fail "demo: exit $rc"
has '^verdict: OK -- 1 pre-migration completed'

# --- migtd-vmm serve in this profile, driven by ctl: EnableLogArea with a bad
# level (1) and a good one, GetTDReport, then the log ring with request ids.
name=serve-ctl
t=$(mktemp -d); spid=
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$t"' EXIT
"$VMM" pki init "$t/a" >/dev/null || fail "pki init"
"$VMM" serve --profile vmcall-raw --pki "$t/a" --control "$t/ctl.sock" \
  --root-ca "$t/a/root_ca.der" --policy config/demo/policy.json >"$t/serve.log" 2>&1 &
spid=$!
for _ in $(seq 100); do [ -S "$t/ctl.sock" ] && break; sleep 0.1; done
ctl() { "$VMM" ctl "$t/ctl.sock" "$@"; }
wait_done() { # id
  for _ in $(seq 100); do r=$(ctl status "$1") && [ "$r" != pending ] && { echo "$r"; return; }; sleep 0.1; done
  echo "timeout"
}
ctl log-area 5 0 >/dev/null || fail "$name: log-area 5 0"
[ "$(wait_done 5)" = "status 1 InvalidParameter" ] || fail "$name: level 0 must give 1"
ctl log-area 6 3 >/dev/null && ctl tdreport 7 >/dev/null || fail "$name: log-area/tdreport"
[ "$(wait_done 6)" = "status 0 Success" ] || fail "$name: log-area 6 3"
out=$(wait_done 7)
grep '^status 0 Success; TDREPORT 1024 bytes, MAC verified, REPORTDATA HostRequestedMigTDReport$' <<<"$out" >/dev/null \
  || fail "$name: tdreport: $out"
sleep 0.3
out=$(ctl logs) || fail "$name: logs"
echo "== $name"; echo "$out" | sed 's/^/   /'
has '^log platform vcpu 0 #[0-9]+ request 5 level 3: reported status 1 \(InvalidParameter\)'
has '^log platform vcpu 0 #[0-9]+ request 7 level 3: vmcall-raw operation 3: status 0'
has '^ok [0-9]+ log entries$'
ctl shutdown >/dev/null
wait "$spid" || fail "$name: serve exit $?"
spid=

# --- two hosts (two serve processes, TCP between them on this machine): the
# vmcall-raw Send/Receive bytes cross the relay's TCP stream; keys verified.
name=two-hosts
"$VMM" pki init "$t/h1" --fmspc 00806F050000 >/dev/null || fail "pki h1"
"$VMM" pki init "$t/h2" --root "$t/h1" --fmspc 00906F000000 --pcesvn 13 >/dev/null || fail "pki h2"
hpids=()
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; kill "${hpids[@]}" 2>/dev/null; rm -rf "$t"' EXIT
for h in h1 h2; do
  other=$t/h1; [ $h = h1 ] && other=$t/h2
  "$VMM" serve --profile vmcall-raw --pki "$t/$h" --pcs "$other" --control "$t/$h.sock" \
    --root-ca "$t/h1/root_ca.der" --policy config/demo/policy.json --timeout-ms 4000 \
    >"$t/$h.log" 2>&1 &
  hpids+=($!)
  for _ in $(seq 100); do [ -S "$t/$h.sock" ] && break; sleep 0.1; done
done
port=$((20000 + RANDOM % 20000))
"$VMM" ctl "$t/h2.sock" migrate 1 destination "127.0.0.1:$port" >/dev/null || fail "$name: migrate h2"
"$VMM" ctl "$t/h1.sock" migrate 1 source "127.0.0.1:$port" >/dev/null || fail "$name: migrate h1"
for _ in $(seq 200); do
  a=$("$VMM" ctl "$t/h1.sock" status 1) b=$("$VMM" ctl "$t/h2.sock" status 1)
  [ "$a" != pending ] && [ "$b" != pending ] && break
  sleep 0.1
done
echo "== $name: source $a, destination $b"
[ "$a" = "status 0 Success" ] && [ "$b" = "status 0 Success" ] || fail "$name: $a / $b"
ta=$("$VMM" ctl "$t/h1.sock" td-state 1) tb=$("$VMM" ctl "$t/h2.sock" td-state 1)
[ "$(echo "$ta" | cut -d' ' -f3)" = "$(echo "$tb" | cut -d' ' -f5)" ] \
  || fail "$name: destination MIG_DEC_KEY != source MIG_ENC_KEY"
[ "$(echo "$tb" | cut -d' ' -f3)" = "$(echo "$ta" | cut -d' ' -f5)" ] \
  || fail "$name: source MIG_DEC_KEY != destination MIG_ENC_KEY"
for h in h1 h2; do "$VMM" ctl "$t/$h.sock" shutdown >/dev/null; done
wait "${hpids[@]}" || fail "$name: a serve exited non-zero"
hpids=()

# --- the firmware image of this profile (make image PROFILE=vmcall-raw) in two
# plain QEMU (TCG) VMs: no stream device, the MigTD calls and the streams
# over the platform link; GetTDReport, the log area and one pre-migration.
command -v qemu-system-x86_64 >/dev/null || fail "no qemu-system-x86_64 (scripts/deps.sh installs it)"
make --no-print-directory -s build/migtd-vmcall-raw.bin build/bin/migtd-image >/dev/null \
  || fail "cannot build build/migtd-vmcall-raw.bin"
build/bin/migtd-image info --image build/migtd-vmcall-raw.bin | grep -q '^transport: vmcall-raw' \
  || fail "build/migtd-vmcall-raw.bin is not the vmcall-raw build"
name=firmware-vm
t0=$(date +%s%N)
out=$("$VMM" run --profile vmcall-raw --vm --image build/migtd-vmcall-raw.bin --get-tdreport \
  --log-area 3 --show-td-state --verbose 2>&1); rc=$?
echo "== $name (exit $rc, $(( ($(date +%s%N) - t0) / 1000000 )) ms)"
echo "$out" | grep -E 'vm \| migtd:|GetTDReport|session 0|verdict' | sed 's/^/   /'
[ "$rc" = 0 ] || { echo "$out" | tail -n 40; fail "firmware-vm: exit $rc"; }
has 'source vm \| migtd: transport vmcall-raw'
has 'destination vm \| migtd: ready at .* vmcall-raw \(no Query\)'
has '^  session 0: source status 0 .*destination status 0 .*keys installed and verified'
has '^  source GetTDReport: status 0, 1024 bytes, MAC verified, REPORTDATA HostRequestedMigTDReport$'
has '^log destination vcpu 0 #[0-9]+ request 2000 level 3: keys installed'
# Against the Service image it refuses to start (the wrong VMM interface).
name=firmware-wrong-image
make --no-print-directory -s build/migtd-serial-ports.bin >/dev/null || fail "cannot build build/migtd-serial-ports.bin"
out=$("$VMM" run --profile vmcall-raw --vm --image build/migtd-serial-ports.bin 2>&1); rc=$?
[ "$rc" != 0 ] || fail "$name: exit 0"
has 'is a virtio-serial-ports image: --profile vmcall-raw needs the vmcall-raw image'

echo "vmcall_raw: all cases passed in $(( ($(date +%s%N) - t_all) / 1000000 )) ms (binaries: $BIN)"
