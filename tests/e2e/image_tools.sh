#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# migtd-image and migtd-hash against an independent oracle
# (tests/e2e/oracle/tdvf_oracle.py, python hashlib only, written from docs/protocol.md
# §9.2-§9.6): synthetic TDVF images built by the oracle's own generator
# (small layout, upstream's 16 MiB layout, legacy metadata pointer), enrolled
# by the oracle or by migtd-image with the upstream vector files; every
# SERVTD_INFO_HASH / SERVTD_HASH variant must agree, and corrupt images must
# be refused with a reason.
set -euo pipefail
cd "$(dirname "$0")/../.."
HASH=build/bin/migtd-hash
IMG=build/bin/migtd-image
ORACLE="/usr/bin/python3 tests/e2e/oracle/tdvf_oracle.py"
V=${MIGTD_VECTORS:-../shared/vectors}
export MIGTD_VECTORS=$V
C=$V/upstream/config
POLICY=$C/policy_production_fmspc.json
ROOTCA=$C/Intel_SGX_Provisioning_Certification_RootCA.cer
POLICY2=$C/templates/policy_v2_signed.json
CHAIN=$C/templates/policy_issuer_chain.pem
G_POLICY=0BE92DC3-6221-4C98-87C1-8EEFFD70DE5A
G_ROOTCA=CA437832-4C51-4322-B13D-A21BD0C8FFF6
G_CHAIN=3F2FB27A-9596-431C-A68D-D3EAB39F8AEB
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Both upstream manifests, plus one with every field distinct (so a field in
# the wrong place or a missed ignore bit changes the hash).
MANIFESTS=("$C/servtd_info.json" "$C/Azure/servtd_info.json" "$t/distinct.json")
/usr/bin/python3 - "$t/distinct.json" <<'EOF'
import json, sys
json.dump({"attributes": "0102030405060708", "xfam": "e71a060000000011",
           "mrconfigid": "11" * 48, "mrowner": "22" * 48, "mrownerconfig": "33" * 48,
           "comment": "unknown keys are ignored"}, open(sys.argv[1], "w"))
EOF

# compare IMAGE ORACLE-FLAGS -- HASH-FLAGS: every manifest, several SERVTD_ATTRs.
compare() {
  local img=$1; shift
  local oflags=() hflags=()
  while [ "$1" != -- ]; do oflags+=("$1"); shift; done; shift
  hflags=("$@")
  for m in "${MANIFESTS[@]}"; do
    for attr in 0 0x1 0x400000000 0x3ff00000000 0x10500000000; do
      want=$($ORACLE hash "$img" "$m" "${oflags[@]}" --attr $attr)
      got=$($HASH -i "$img" -m "$m" "${hflags[@]}" -s $attr)
      [ "$want" = "$got" ] || fail "SERVTD_INFO_HASH $img $m ${hflags[*]} attr $attr: $got != $want"
      want=$($ORACLE hash "$img" "$m" "${oflags[@]}" --attr $attr --servtd)
      got=$($HASH -i "$img" -m "$m" "${hflags[@]}" -s $attr -c)
      [ "$want" = "$got" ] || fail "SERVTD_HASH $img $m attr $attr: $got != $want"
    done
  done
}

# 1. Images enrolled by the oracle: v1, v2, test mode; OVMF table and legacy.
$ORACLE gen "$t/v1.bin" --file $G_POLICY=$POLICY --file $G_ROOTCA=$ROOTCA
$ORACLE gen "$t/v1legacy.bin" --legacy --seed 7 --file $G_POLICY=$POLICY --file $G_ROOTCA=$ROOTCA
$ORACLE gen "$t/v2.bin" --file $G_POLICY=$POLICY2 --file $G_CHAIN=$CHAIN
compare "$t/v1.bin" -- 
compare "$t/v1legacy.bin" --
compare "$t/v1.bin" --test -- -t
compare "$t/v2.bin" --v2 -- --policy-v2
compare "$t/v2.bin" --v2 --test -- --policy-v2 --test-disable-ra-and-accept-all

# The documented RTMR values come out of the images (docs/protocol.md §9.4).
rt() { # image field [flags]
  $HASH -i "$1" -m "$C/servtd_info.json" --json "${@:3}" | sed -n "s/.*\"$2\": \"\(.*\)\".*/\1/p"
}
[ "$(rt "$t/v1.bin" rtmr2)" = 00738709463174735612b421f112c600a153ad659d54c1ffdfe58967904996a1ef1ed7d130acbee7ea861b70c15454f3 ] \
  || fail "v1 RTMR2"
[ "$(rt "$t/v2.bin" rtmr1 --policy-v2)" = \
  c172c0fb4322252982bd90c470ef2c0fc49b2b65235446f431c563040c28316cb1e490723a468485a891c8db0f0e03d5 ] \
  || fail "v2 RTMR1"
[ "$(rt "$t/v2.bin" rtmr2 --policy-v2)" = \
  5df82b5702753589b57d38de960dc30b24903f7e1922456b4f9e966a250365e3c2ced4b475f3713e0bfd4f880e9112f1 ] \
  || fail "v2 RTMR2"
[ "$(rt "$t/v1.bin" rtmr2 -t)" = \
  10627d0ece9fb6563dfea7af6480eedc409414e62f425db4621e4f1ddfa8d17fb878b5638d8dc3959b9621b65c091343 ] \
  || fail "test-mode RTMR2"

# --output-td-info writes upstream's JSON: the measured registers, the same
# values --json prints (compact, no newline, keys mrtd and rtmr0..rtmr3).
$HASH -i "$t/v1.bin" -m "$t/distinct.json" --output-td-info "$t/tdinfo.json" >/dev/null
tdj=$(cat "$t/tdinfo.json")
want="{\"mrtd\":\"$(rt "$t/v1.bin" mrtd)\""
for r in 0 1 2 3; do want="$want,\"rtmr$r\":\"$(rt "$t/v1.bin" rtmr$r)\""; done
[ "$tdj" = "$want}" ] || fail "TD info JSON: $tdj != $want}"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert sorted(d)==["mrtd","rtmr0","rtmr1","rtmr2","rtmr3"]' \
  "$t/tdinfo.json" || fail "TD info JSON does not parse"

# 2. Upstream's 16 MiB layout (sections of config/metadata.json).
$ORACLE gen "$t/up.bin" --layout upstream --file $G_POLICY=$POLICY --file $G_ROOTCA=$ROOTCA
want=$($ORACLE hash "$t/up.bin" "$C/servtd_info.json")
got=$($HASH -i "$t/up.bin" -m "$C/servtd_info.json")
[ "$want" = "$got" ] || fail "upstream layout: $got != $want"
$HASH --image "$t/up.bin" --manifest "$C/servtd_info.json" -o "$t/up.hash"
[ "$(od -An -tx1 -v "$t/up.hash" | tr -d ' \n')" = "$want" ] || fail "-o writes the binary hash"

# 3. migtd-image enroll: same bytes as the oracle's CFV, files read back, hash agrees.
$ORACLE gen "$t/empty.bin"
$IMG enroll --image "$t/empty.bin" --policy $POLICY --root-ca $ROOTCA -o "$t/e1.bin" >/dev/null
cmp -s "$t/e1.bin" "$t/v1.bin" || fail "migtd-image enroll differs from the spec's CFV bytes"
$IMG enroll --image "$t/empty.bin" --policy $POLICY2 --policy-issuer-chain $CHAIN -o "$t/e2.bin" >/dev/null
cmp -s "$t/e2.bin" "$t/v2.bin" || fail "v2 enroll differs"
# A v2 policy is one JSON object: trailing whitespace is fine, anything else is not.
{ cat "$POLICY2"; printf ' \n\t\r\n'; } >"$t/p2ws.json"
$IMG enroll --image "$t/empty.bin" --policy "$t/p2ws.json" --policy-issuer-chain "$CHAIN" \
  -o "$t/e2ws.bin" >/dev/null || fail "v2 policy with trailing whitespace refused"
{ cat "$POLICY2"; echo '{}'; } >"$t/p2x.json"
if $IMG enroll --image "$t/empty.bin" --policy "$t/p2x.json" --policy-issuer-chain "$CHAIN" \
  -o "$t/e2x.bin" >/dev/null 2>"$t/p2x.err" ||
  ! grep -q "not one complete JSON object" "$t/p2x.err"; then
  fail "v2 policy with trailing data accepted"
fi
$ORACLE files "$t/e2.bin" | grep -q "^$G_CHAIN 1 $(wc -c <$CHAIN) " || fail "oracle does not see the chain"
$IMG extract --image "$t/e1.bin" --guid policy -o "$t/p.out" && cmp -s "$t/p.out" $POLICY || fail "extract policy"
$IMG extract --image "$t/e1.bin" --guid $G_ROOTCA -o "$t/ca.out" && cmp -s "$t/ca.out" $ROOTCA || fail "extract root CA"
$IMG extract --image "$t/e1.bin" --guid $G_CHAIN -o "$t/x.out" 2>/dev/null && fail "extract of an absent file succeeded"
$IMG info --image "$t/e1.bin" | grep -q "SGX root CA" || fail "info lists the files"
# Re-enrolling replaces the files (in place, the default output).
cp "$t/e1.bin" "$t/inplace.bin"
$IMG enroll --image "$t/inplace.bin" --policy $POLICY2 --policy-issuer-chain $CHAIN >/dev/null
cmp -s "$t/inplace.bin" "$t/v2.bin" || fail "in-place re-enroll"
# An upstream-layout image enrolled by us hashes like the oracle's.
$ORACLE gen "$t/upempty.bin" --layout upstream
$IMG enroll --image "$t/upempty.bin" --policy $POLICY --root-ca $ROOTCA -o "$t/upe.bin" >/dev/null
cmp -s "$t/upe.bin" "$t/up.bin" || fail "upstream-layout enroll"

# 4. Refusals, each with a reason and exit status 3 (invalid input, docs/cli.md).
refuse() { # description file [flags]
  local out rc=0
  out=$($HASH -i "$2" -m "$C/servtd_info.json" "${@:3}" 2>&1) || rc=$?
  [ $rc -eq 3 ] || fail "$1: exit $rc ($out)"
  [ -n "$out" ] || fail "$1: no reason given"
  [ -z "${VERBOSE:-}" ] || echo "$1 -> $out"
}
patch() { # file offset hexbytes
  printf "$(echo "$3" | sed 's/../\\x&/g')" | dd of="$1" bs=1 seek=$(($2)) conv=notrunc status=none
}
size=$(stat -c %s "$t/v1.bin")
cp "$t/v1.bin" "$t/b1.bin"; patch "$t/b1.bin" 0x71000 00                 # metadata GUID
refuse "bad metadata GUID" "$t/b1.bin"
cp "$t/v1.bin" "$t/b2.bin"; patch "$t/b2.bin" 0x71010 58                 # "XDVF"
refuse "bad TDVF signature" "$t/b2.bin"
cp "$t/v1.bin" "$t/b3.bin"; patch "$t/b3.bin" $((0x71020 + 32 * 2)) 00f0ff00 # payload data_offset
refuse "section outside the image" "$t/b3.bin"
cp "$t/v1.bin" "$t/b4.bin"; patch "$t/b4.bin" $((0x71020 + 32 * 4 + 8)) 0010f8ff  # TempMem onto Payload GPA
refuse "overlapping sections" "$t/b4.bin"
cp "$t/v1.bin" "$t/b5.bin"; patch "$t/b5.bin" $((size - 0x30)) 00         # footer GUID -> legacy path
refuse "legacy pointer garbage" "$t/b5.bin"
head -c $((size - 0x10)) "$t/v1.bin" >"$t/b6.bin"
refuse "truncated image" "$t/b6.bin"
cp "$t/v1.bin" "$t/b7.bin"; patch "$t/b7.bin" 0x2B 49                       # "_FVH" -> "_FVI"
refuse "bad CFV signature" "$t/b7.bin"
cp "$t/v1.bin" "$t/b8.bin"; patch "$t/b8.bin" $((0x78 + 16)) 00              # policy header checksum
refuse "bad FFS checksum" "$t/b8.bin"
refuse "v2 image without an issuer chain" "$t/v1.bin" --policy-v2
$HASH -i "$t/v1.bin" -m "$t/distinct.json" -s nonsense >/dev/null 2>&1 && fail "bad -s accepted"
echo '{"attributes":"00"}' >"$t/short.json"
$HASH -i "$t/v1.bin" -m "$t/short.json" >/dev/null 2>&1 && fail "short manifest accepted"
# The enrollment tool refuses files larger than the CFV.
head -c 300000 /dev/zero >"$t/big.json"
$IMG enroll --image "$t/empty.bin" --policy "$t/big.json" --root-ca $ROOTCA -o "$t/x.bin" >/dev/null 2>&1 \
  && fail "oversized policy enrolled"
# The transport an image was built with (docs/firmware-transports.md): ours
# carry a build record, an upstream-layout image has none.
$IMG info --image "$t/upe.bin" | grep -qx 'transport: not recorded (not a migtd-c image)' \
  || fail "upstream-layout image: transport line"
make --no-print-directory -s build/migtd.bin build/migtd-serial.bin build/migtd-serial-ports.bin >/dev/null
for pair in migtd.bin:virtio-vsock migtd-serial.bin:virtio-serial migtd-serial-ports.bin:virtio-serial-ports; do
  got=$($IMG info --image "build/${pair%%:*}" | sed -n 's/^transport: \([a-z-]*\) (build record at .*/\1/p')
  [ "$got" = "${pair#*:}" ] || fail "build/${pair%%:*}: transport '$got', expected ${pair#*:}"
done
echo "   transports recorded: migtd.bin vsock, migtd-serial.bin serial, serial-ports; upstream layout: none"
echo "image tools: ok"
