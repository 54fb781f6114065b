#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# policy_v2_tools.sh -- the policy v2 tools end to end (docs/policy-v2.md):
# migtd-policy verify / sign / generate / eval against the upstream v2 vectors
# (vectors/upstream/README.md §2-§4) and against policies made by the
# emulated PKI (migtd-vmm pki policy-issuer / policy-v2); migtd-image enrols
# only what verifies, migtd-hash --policy-v2 prints the MROWNER values and
# reproduces the templates' RTMR1/RTMR2. Exit 0 = pass. About 5 s.
set -u
cd "$(dirname "$0")/../.."
B=build/bin
POL=$B/migtd-policy
VMM=$B/migtd-vmm
V=${MIGTD_VECTORS:-../shared/vectors}/upstream
T2=$V/src/policy/test/policy_v2
TPL=$V/config/templates
GEN=$V/tools/migtd-policy-generator/test
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

for p in $POL $VMM $B/migtd-image $B/migtd-hash; do
	[ -x "$p" ] || { echo "FAIL: $p not built (make all)"; exit 1; }
done
[ -f "$T2/policy_v2.json" ] || { echo "FAIL: vectors not found at $V"; exit 1; }

# 1. verify: both upstream signed policies, their MROWNER (README §2, §3).
out=$($POL verify --policy "$T2/policy_v2.json" --issuer-chain "$T2/cert_chain/policy_issuer_chain.pem") ||
	fail "verify policy_v2.json"
grep -q '^mrowner: 1eb9ef4565ce85bfac654035836218fa0c0e5f5ede13484e9f2fd03d065ed5ba91cae4ee808b5130873169d95fed9613$' <<<"$out" ||
	fail "policy_v2.json MROWNER"
grep -q '^mrownerconfig: 01000000\(00\)*$' <<<"$out" || fail "policy_v2.json MROWNERCONFIG"
grep -q '^platforms: 26$' <<<"$out" || fail "policy_v2.json: 26 platforms"
grep -q '^sha384: 55f4d9e055399d50cd2fbc02d80d88cbedf633813c576a7d4ac8b08bfa69e615e76aba7341c2e9943d90dc990707a577$' <<<"$out" ||
	fail "policy_v2.json SHA384"
out=$($POL verify --policy "$TPL/policy_v2_signed.json" --issuer-chain "$TPL/policy_issuer_chain.pem") ||
	fail "verify the template policy"
grep -q '^mrowner: bcdc571fdc9720a5660f42e0030a56cfdf4c336879851a6d9d5c7ce276b33ca74415d0f25fa0d478af4d34306f343110$' <<<"$out" ||
	fail "template MROWNER"
# another issuer's chain, unsigned inputs: exit 1 with the result name
out=$($POL verify --policy "$T2/policy_v2.json" --issuer-chain "$TPL/policy_issuer_chain.pem" 2>/dev/null)
[ $? -eq 1 ] && [ "$out" = SignatureVerificationFailed ] || fail "verify with another issuer's chain"
for f in "$T2/policy_data.json" "$V/config/Azure/policy_data_raw.json" "$V/config/AzCVMEmu/policy_v2_raw.json"; do
	out=$($POL verify --policy "$f" --issuer-chain "$TPL/policy_issuer_chain.pem" 2>/dev/null)
	[ $? -eq 1 ] && [ "$out" = InvalidPolicy ] || fail "verify $(basename "$f") is InvalidPolicy"
done

# the servtd documents on their own (README §2, §3): every signature verifies
$POL verify --servtd-collateral "$T2/servtd_collateral.json" >/dev/null || fail "test servtd_collateral.json"
$POL verify --servtd-collateral "$TPL/servtd_collateral.json" >/dev/null || fail "template servtd_collateral.json"
$POL verify --td-identity "$TPL/td_identity_signed.json" --issuer-chain "$TPL/policy_issuer_chain.pem" >/dev/null ||
	fail "template td_identity_signed.json"
$POL verify --tcb-mapping "$TPL/tcb_mapping_signed.json" --issuer-chain "$TPL/policy_issuer_chain.pem" >/dev/null ||
	fail "template tcb_mapping_signed.json"
$POL verify --tcb-mapping "$TPL/tcb_mapping_signed.json" \
	--issuer-chain "$T2/cert_chain/policy_issuer_chain.pem" >/dev/null 2>&1 && fail "mapping with another chain"

# 2. An issuer of our own, sign (json-signer), verify; raw bytes kept.
$VMM pki policy-issuer "$t/iss" >/dev/null || fail "pki policy-issuer"
$VMM pki policy-issuer "$t/iss2" >/dev/null || fail "pki policy-issuer (second)"
CH=$t/iss/policy_issuer_chain.pem KEY=$t/iss/policy_issuer.key.pem
$POL sign --key "$KEY" -o "$t/tpl_signed.json" "$TPL/policy_v2.json" || fail "sign the template policyData"
$POL verify --policy "$t/tpl_signed.json" --issuer-chain "$CH" >/dev/null || fail "verify our signature"
$POL verify --policy "$t/tpl_signed.json" --issuer-chain "$t/iss2/policy_issuer_chain.pem" >/dev/null 2>&1 &&
	fail "our signature verified with another issuer"
n=$(wc -c <"$TPL/policy_v2.json")
tail -c +15 "$t/tpl_signed.json" | head -c "$n" | cmp -s - "$TPL/policy_v2.json" ||
	fail "sign did not keep the policyData bytes"
# a tdIdentity signed by us, as json-signer would (--name)
$POL sign --key "$KEY" --name tdIdentity -o "$t/id_signed.json" "$TPL/td_identity.json" || fail "sign tdIdentity"
$POL verify --td-identity "$t/id_signed.json" --issuer-chain "$CH" >/dev/null || fail "verify our tdIdentity"
# a well-signed policy of another version: InvalidParameter, checked after the signatures
sed 's/"version":"2.0"/"version":"2.1"/' "$TPL/policy_v2.json" >"$t/v21.json"
$POL sign --key "$KEY" -o "$t/v21_signed.json" "$t/v21.json" || fail "sign a 2.1 policy"
out=$($POL verify --policy "$t/v21_signed.json" --issuer-chain "$CH" 2>/dev/null)
[ $? -eq 1 ] && [ "$out" = InvalidParameter ] || fail "version 2.1: '$out' (want InvalidParameter)"
# a re-serialised (pretty-printed) policyData is refused, not silently compacted
$POL sign --key "$KEY" "$T2/global.json" >/dev/null 2>&1
[ $? -eq 3 ] || fail "sign accepted non-compact JSON"

# 3. generate: AzCVMEmu raw policy + THIM collateral + template servtd collateral.
$POL generate --base "$V/config/AzCVMEmu/policy_v2_raw.json" \
	--collaterals "$V/config/AzCVMEmu/collateral_azure_thim.json" \
	--servtd-collateral "$TPL/servtd_collateral.json" -o "$t/az_data.json" || fail "generate (collateral file)"
$POL sign --key "$KEY" -o "$t/az_signed.json" "$t/az_data.json" || fail "sign the generated policyData"
out=$($POL verify --policy "$t/az_signed.json" --issuer-chain "$CH") || fail "verify the generated policy"
grep -q '^platforms: 3$' <<<"$out" || fail "generated policy: 3 THIM platforms"
# from PCS-format documents (the generator's test inputs), chains and CRLs of an emulated PKI
$VMM pki init "$t/p1" >/dev/null || fail "pki init"
$POL generate --base "$V/config/Azure/policy_allow_all_data_raw.json" \
	--tcb-info "$GEN/tcb_info.json" --tcb-info-issuer-chain "$t/p1/tcb_signing_chain.pem" \
	--qe-identity "$GEN/qe_identity.json" --qe-identity-issuer-chain "$t/p1/tcb_signing_chain.pem" \
	--root-ca "$t/p1/root_ca.der" --root-ca-crl "$t/p1/root_ca.crl.der" \
	--pck-crl "$t/p1/platform_ca.crl.der" --pck-crl-issuer-chain "$t/p1/pck_chain.pem" \
	--fmspc-list "$GEN/fmspc_list.json" \
	--servtd-collateral "$TPL/servtd_collateral.json" -o "$t/pcs_data.json" || fail "generate (PCS documents)"
$POL sign --key "$KEY" -o "$t/pcs_signed.json" "$t/pcs_data.json" || fail "sign the PCS policyData"
out=$($POL verify --policy "$t/pcs_signed.json" --issuer-chain "$CH") || fail "verify the PCS policy"
grep -q '^fmspc: 50806F000000$' <<<"$out" || fail "PCS policy FMSPC from tcb_info.json"

# 4. eval explains a v2 verdict (report.dat, README §2): exit 30 + result, like
# v1's eval (policy_cli.sh) with the peer's event log, --no-replay and --role.
R=$V/src/policy/test/report.dat
out=$($POL eval --policy "$T2/policy_v2.json" --issuer-chain "$T2/cert_chain/policy_issuer_chain.pem" --peer "$R")
rc=$?
[ $rc -eq 39 ] && [ "$(head -n 1 <<<"$out")" = TcbEvaluation ] ||
	fail "eval test policy: exit $rc, '$(head -n 1 <<<"$out")' (want TcbEvaluation, 39)"
grep -q 'policy\[0\].global.tcb.tcbEvaluationDataNumber' <<<"$out" || fail "eval names the property"
out=$($POL eval --policy "$TPL/policy_v2_signed.json" --issuer-chain "$TPL/policy_issuer_chain.pem" --peer "$R")
rc=$?
[ $rc -eq 42 ] && [ "$(head -n 1 <<<"$out")" = UnqualifiedMigTdInfo ] ||
	fail "eval template policy: exit $rc (want UnqualifiedMigTdInfo, 42)"
# The peer's event log, as v1's eval takes it (vectors README: eventlog_v2_template.bin
# is a template image's log: its RTMRs, its tag-1 event = the template policy).
# Reports patched here: rep_log carries the log's RTMR0..3; rep_map also the
# template tdTcbMapping's MRTD/RTMR0/RTMR1 (which no log of ours replays to).
EL=$V/derived/eventlog_v2_template.bin
/usr/bin/python3 - "$R" "$t" "$V/derived/eventlog_expected_rtmrs.json" "$TPL/policy_v2_signed.json" <<'PY' || fail "patch reports"
import json, sys
r = bytearray(open(sys.argv[1], "rb").read())
rt = json.load(open(sys.argv[3]))["eventlog_v2_template.bin"]["rtmr"]
for i in range(4):
    r[328 + 48 * i:376 + 48 * i] = bytes.fromhex(rt[i])
open(sys.argv[2] + "/rep_log.bin", "wb").write(r)
pd = json.load(open(sys.argv[4]))["policyData"]
m = pd["servtdCollateral"]["servtdTcbMapping"]["tdTcbMapping"]["svnMappings"][0]["tdMeasurements"]
r[136:184] = bytes.fromhex(m["mrtd"])
r[328:376] = bytes.fromhex(m["rtmr0"])
r[376:424] = bytes.fromhex(m["rtmr1"])
open(sys.argv[2] + "/rep_map.bin", "wb").write(r)
PY
v2eval() { # want-first-line want-exit policy chain eval-args...
	local want=$1 code=$2 p=$3 c=$4
	shift 4
	out=$($POL eval --policy "$p" --issuer-chain "$c" "$@")
	rc=$?
	[ $rc -eq "$code" ] && [ "$(head -n 1 <<<"$out")" = "$want" ] ||
		fail "eval $*: exit $rc '$(head -n 1 <<<"$out")', want $want $code"
}
TP=$TPL/policy_v2_signed.json TC=$TPL/policy_issuer_chain.pem
v2eval UnqualifiedMigTdInfo 42 "$TP" "$TC" --peer "$t/rep_log.bin" --peer-eventlog "$EL"
v2eval InvalidEventLog 35 "$TP" "$TC" --peer "$R" --peer-eventlog "$EL"
grep -q 'does not replay' <<<"$out" || fail "eval: no replay explanation"
v2eval UnqualifiedMigTdInfo 42 "$TP" "$TC" --peer "$R" --peer-eventlog "$EL" --no-replay
v2eval Ok 0 "$TP" "$TC" --peer "$t/rep_map.bin" --peer-eventlog "$EL" --no-replay
grep -q '^policy satisfied (policy, then forwardPolicy, mandatory deny, peer policySvn not below ours)$' <<<"$out" ||
	fail "eval: an Ok is not explained"
grep -q '^peer event log: not replayed (--no-replay); its policy event is the peer policy$' <<<"$out" ||
	fail "eval: the event log checks are not named"
v2eval Ok 0 "$TP" "$TC" --peer "$t/rep_map.bin" --role destination
grep -q 'then backwardPolicy' <<<"$out" || fail "eval: destination role not named"
# The log measured the template policy; the test policy's hash is not its tag-1 event.
v2eval PolicyHashMismatch 38 "$T2/policy_v2.json" "$T2/cert_chain/policy_issuer_chain.pem" \
	--peer "$t/rep_log.bin" --peer-eventlog "$EL"

# 5. The emulated PKI's policy for two platforms and our MigTD program.
$VMM pki init "$t/p2" --root "$t/p1" --fmspc 00806F050022 >/dev/null || fail "pki init p2"
$VMM pki policy-v2 --issuer "$t/iss" --platform "$t/p1" --platform "$t/p2" \
	--migtd $B/migtd:2 --policy-svn 3 -o "$t/emu.json" || fail "pki policy-v2"
out=$($POL verify --policy "$t/emu.json" --issuer-chain "$CH") || fail "verify the emulated PKI's policy"
grep -q '^fmspc: 00806F050000 00806F050022$' <<<"$out" || fail "emulated policy platforms"
grep -q '^mrownerconfig: 03000000\(00\)*$' <<<"$out" || fail "emulated policy SVN 3"

# 6. migtd-image enrols only a verifying policy; migtd-hash --policy-v2.
if [ -f build/migtd-unenrolled.bin ]; then
	I=build/migtd-unenrolled.bin
	$B/migtd-image enroll --image $I --policy "$TPL/policy_v2_signed.json" \
		--policy-issuer-chain "$TPL/policy_issuer_chain.pem" -o "$t/v2.bin" >/dev/null || fail "enroll template"
	$B/migtd-image enroll --image $I --policy "$TPL/policy_v2_signed.json" \
		--policy-issuer-chain "$CH" -o "$t/bad.bin" >/dev/null 2>&1 && fail "enrolled a policy that does not verify"
	js=$($B/migtd-hash -i "$t/v2.bin" --policy-v2 --json 2>/dev/null) || fail "migtd-hash --policy-v2"
	grep -q '"rtmr1": "c172c0fb4322252982bd90c470ef2c0fc49b2b65235446f431c563040c28316cb1e490723a468485a891c8db0f0e03d5"' <<<"$js" ||
		fail "template RTMR1"
	grep -q '"rtmr2": "5df82b5702753589b57d38de960dc30b24903f7e1922456b4f9e966a250365e3c2ced4b475f3713e0bfd4f880e9112f1"' <<<"$js" ||
		fail "template RTMR2"
	grep -q '"policy_mrowner": "bcdc571fdc9720a5660f42e0030a56cfdf4c336879851a6d9d5c7ce276b33ca74415d0f25fa0d478af4d34306f343110"' <<<"$js" ||
		fail "migtd-hash policy MROWNER"
	$B/migtd-image enroll --image $I --policy "$t/emu.json" --policy-issuer-chain "$CH" \
		-o "$t/emu.bin" >/dev/null || fail "enroll the emulated PKI's policy"
	# migtd-image info names the profile: v2 with the chain's leaf subject
	# (and the policy verifies with it), v1 with the root CA's subject.
	info=$($B/migtd-image info --image "$t/v2.bin") || fail "info of a v2 image"
	grep -q '^policy: v2 (signed, 172021 bytes; issuer chain of 3 certificates, leaf .*CN=MigTD Info Issuer)$' <<<"$info" ||
		fail "info: v2 image not named v2 with its issuer leaf"
	grep -q '^  verified with the enrolled chain: id B87BFE45-9CC7-46F9-8F2C-A6CB55BF7101, policySvn 1$' <<<"$info" ||
		fail "info: v2 policy not verified"
	info=$($B/migtd-image info --image build/migtd.bin) || fail "info of a v1 image"
	grep -q '^policy: v1 (.*SGX root CA .*CN=' <<<"$info" || fail "info: v1 image not named v1"
	grep -q '^policy: v2' <<<"$info" && fail "info: v1 image named v2"
	info=$($B/migtd-image info --image $I) || fail "info of an unenrolled image"
	grep -q '^policy: none usable (no policy)' <<<"$info" || fail "info: unenrolled image"
else
	fail "build/migtd-unenrolled.bin missing (make all)"
fi

[ $fails -eq 0 ] || { echo "policy_v2_tools: $fails failure(s)"; exit 1; }
echo "policy_v2_tools: ok"
