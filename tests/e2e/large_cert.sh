#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# e2e-asan: scripts/run-tests.sh runs this again with MIGTD_BIN=build/san/bin
# Upstream's production policy (26 352 bytes) enrolled in two MigTDs: the
# whole policy is event data in the CC event log, which travels in the
# RA-TLS certificate, so each certificate is ~31-34 KB and its Certificate
# message spans three TLS records (docs/tls-large-certificates.md).
#  1. The policy as shipped: the emulated destination's FMSPC is in none of
#     its platform blocks, so the source (TLS client, it verifies first)
#     rejects it with 8 (PlatformNotFound) after receiving the whole
#     certificate -- not 3 (own certificate) or 6 (TLS) -- and the
#     destination sees the alert (6).
#  2. A variant generated here (vectors are never copied into the repo):
#     the same file plus a platform block for the destination's FMSPC, a
#     TDX module block for the emulated module (major version 0) and the
#     emulated QE's MRSIGNER; both platforms at the production TCB levels.
#     The pre-migration completes with ~34 KB certificates both ways.
# Both with two Linux migtds, then with two firmware VMs (QEMU TCG,
# build/migtd.bin with the policy enrolled into a copy per platform, as
# `make image POLICY=...` enrolls it; each VM prints its heap peak).
# Takes about 10 s (2 s for the Linux migtds, 3-4 s per VM pair).
set -uo pipefail
cd "$(dirname "$0")/../.."
. tests/e2e/lib/vsock_vm.sh
fail() { echo "FAIL: $*"; echo "$out" | sed 's/^/   /'; exit 1; }
V=${MIGTD_VECTORS:-../shared/vectors}
PROD=$V/upstream/config/policy_production_fmspc.json
out=
[ -f "$PROD" ] || fail "missing $PROD (set MIGTD_VECTORS)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # name expected-exit args...
  local name=$1 want=$2; shift 2
  rm -rf "$tmp/d" && mkdir -p "$tmp/d"
  out=$(timeout 180 $VMM demo --dir "$tmp/d" "$@" 2>&1); rc=$?
  echo "== $name (exit $rc)"
  echo "$out" | grep -E 'policy: peer rejected|status [0-9]|certificates:|heap: peak|verdict' \
    | sed 's/^/   /'
  grep -qE "$MIGTD_DIED" <<<"$out" && fail "$name: a migtd died"
  [ "$rc" = "$want" ] || fail "$name: exit $rc, expected $want"
}
status_is() { # source dest
  grep -q "session 0: source status $1 .*destination status $2 " <<<"$out" \
    || fail "expected source $1 / destination $2"
}

python3 - "$PROD" "$tmp/variant.json" <<'EOF' || fail "cannot build the variant policy"
import copy, json, sys
p = json.load(open(sys.argv[1]))
blocks = p["policy"]
src = next(b for b in blocks if b.get("fmspc") == "00806F050000")  # the source's FMSPC
dst = copy.deepcopy(src)
dst["fmspc"] = "00906F000000"                                     # the destination's
blocks.insert(0, dst)
tdx = next(b for b in blocks if "TDXModule" in b)
emu = copy.deepcopy(tdx)
ident = emu["TDXModule"]["TDXModule_Identity"]
ident["TDXModuleMajorVersion"]["reference"] = 0                   # the emulated module
ident["TDXModuleSVN"]["reference"] = 0
blocks.insert(blocks.index(tdx), emu)
qe = next(b for b in blocks if "QE" in b)
# the emulated QE's MRSIGNER (src/emuhost/pki.c: byte i = 0x5a ^ i)
qe["QE"]["QeIdentity"]["MRSIGNER"]["reference"] = "".join("%02X" % (0x5A ^ i) for i in range(32))
json.dump(p, open(sys.argv[2], "w"), indent=4)
EOF
# the production TCB levels of FMSPC 00806F050000's block, for both platforms
T=08080202040100060000000000000000
X=05000800000000000000000000000000
TCB=(--src-tcb $T --dst-tcb $T --src-tdx-tcb $X --dst-tdx-tcb $X --src-qe-svn 4 --dst-qe-svn 4)

cases() { # label, extra demo args...
  local label=$1; shift
  # ---- 1. the production policy as shipped
  run "$label: production policy" 1 --policy "$PROD" --timeout-ms 20000 "$@"
  grep -q 'measured policy (26352 bytes)' <<<"$out" || fail "production policy not enrolled"
  status_is 8 6
  grep -q 'source .*policy: peer rejected: PlatformNotFound' <<<"$out" \
    || fail "the source did not reject the destination by its platform (FMSPC)"
  grep -q 'peer FMSPC 00906F000000 is not listed' <<<"$out" || fail "rejection names no FMSPC"

  # ---- 2. the variant admitting both emulated platforms
  run "$label: variant admitting both" 0 --policy "$tmp/variant.json" --timeout-ms 20000 \
    "${TCB[@]}" "$@"
  status_is 0 0
  grep -q 'keys installed and verified' <<<"$out" || fail "keys not verified"
  sizes=$(echo "$out" | sed -n 's/.*certificates: ours \([0-9]*\) bytes, peer.s \([0-9]*\) bytes.*/\1 \2/p')
  [ "$(echo "$sizes" | wc -l)" = 2 ] || fail "expected the certificate sizes from both MigTDs"
  for n in $sizes; do
    [ "$n" -gt 32000 ] && [ "$n" -le 65522 ] || fail "certificate of $n bytes, expected ~34 KB"
  done
  echo "$label: certificate sizes (ours, peer's) per MigTD: $(echo $sizes)"
}

cases linux
cases vm --vm
echo "large certificate e2e: all cases passed"
