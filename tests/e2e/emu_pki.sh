#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# The emulated attestation PKI and its quotes, checked by tools migtd-c did
# not write: `openssl verify` for the PCK chain and a python3-cryptography
# oracle (tests/e2e/oracle/verify_tdx_quote.py) for the quote itself. The
# oracle is first checked against a real Intel production quote, so a
# broken oracle cannot pass our quotes by accident.
set -euo pipefail
cd "$(dirname "$0")/../.."
VMM=build/bin/migtd-vmm
ORACLE="/usr/bin/python3 tests/e2e/oracle/verify_tdx_quote.py"
V=${MIGTD_VECTORS:-../shared/vectors}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 0. The oracle accepts a real quote and rejects it under another root.
$ORACLE "$V/go-tdx-guest/tdx_prod_quote_SPR_E4.dat" \
  "$V/upstream/config/Intel_SGX_Provisioning_Certification_RootCA.cer" >/dev/null \
  || fail "oracle rejects the real Intel quote"
$ORACLE "$V/go-tdx-guest/tdx_prod_quote_SPR_E4.dat" \
  "$V/upstream/config/Intel_SGX_Provisioning_Certification_RootCA_preproduction.cer" >/dev/null \
  && fail "oracle accepts the real quote under the pre-production root"

# 1. Two platforms under one root, a third under its own root.
$VMM pki init "$t/a" --fmspc 00806F050000 >/dev/null
$VMM pki init "$t/b" --root "$t/a" --fmspc 00906F000000 --pcesvn 13 >/dev/null
$VMM pki init "$t/other" >/dev/null
cmp -s "$t/a/root_ca.der" "$t/b/root_ca.der" || fail "platform b did not get a's root"
grep -q '^fmspc=00906f000000$' "$t/b/platform.conf" || fail "fmspc not recorded"

# 2. openssl: the PCK chain verifies to its root, not to another one.
for p in a b; do
  openssl x509 -inform DER -in "$t/$p/root_ca.der" -out "$t/$p/root.pem"
  openssl x509 -inform DER -in "$t/$p/platform_ca.der" -out "$t/$p/pca.pem"
  openssl x509 -inform DER -in "$t/$p/pck.der" -out "$t/$p/pck.pem"
  openssl verify -CAfile "$t/a/root.pem" -untrusted "$t/$p/pca.pem" "$t/$p/pck.pem" >/dev/null \
    || fail "openssl rejects the PCK chain of $p"
done
openssl x509 -inform DER -in "$t/other/root_ca.der" -out "$t/other/root.pem"
openssl verify -CAfile "$t/other/root.pem" -untrusted "$t/a/pca.pem" "$t/a/pck.pem" >/dev/null 2>&1 \
  && fail "openssl accepts a's PCK chain under another root"
openssl x509 -inform DER -in "$t/b/pck.der" -noout -text | grep -q '1.2.840.113741.1.13.1' \
  || fail "PCK certificate lacks the SGX extension"

# 2b. CRLs: signed by their issuers; revocation is seen by openssl.
out=$(openssl crl -inform DER -in "$t/a/root_ca.crl.der" -CAfile "$t/a/root.pem" -noout 2>&1)
case $out in *"verify OK"*) ;; *) fail "root CRL signature: $out" ;; esac
openssl crl -inform DER -in "$t/b/platform_ca.crl.der" -out "$t/b/pck_crl.pem"
openssl crl -inform DER -in "$t/a/root_ca.crl.der" -out "$t/a/root_crl.pem"
cat "$t/a/root.pem" "$t/b/pck_crl.pem" "$t/a/root_crl.pem" >"$t/b/trust.pem"
openssl verify -crl_check_all -CAfile "$t/b/trust.pem" -untrusted "$t/b/pca.pem" "$t/b/pck.pem" \
  >/dev/null || fail "openssl rejects the PCK chain with empty CRLs"
$VMM pki revoke "$t/b" --pck
openssl crl -inform DER -in "$t/b/platform_ca.crl.der" -out "$t/b/pck_crl.pem"
cat "$t/a/root.pem" "$t/b/pck_crl.pem" "$t/a/root_crl.pem" >"$t/b/trust.pem"
out=$(openssl verify -crl_check_all -CAfile "$t/b/trust.pem" -untrusted "$t/b/pca.pem" \
  "$t/b/pck.pem" 2>&1 || true)
case $out in *"certificate revoked"*) ;; *) fail "revoked PCK not seen as revoked: $out" ;; esac
$VMM pki init "$t/b" --root "$t/a" --fmspc 00906F000000 --pcesvn 13 --force >/dev/null

# 3. Quotes: the oracle verifies them (and the signed collateral).
rd=$(printf '5a%.0s' $(seq 64))
$VMM quote --pki "$t/b" --report-data "$rd" --out "$t/q.bin" >/dev/null
$ORACLE "$t/q.bin" "$t/a/root_ca.der" --collateral "$t/b" || fail "oracle rejects our quote"
/usr/bin/python3 -c "import sys; d=open(sys.argv[1],'rb').read(); sys.exit(0 if d[48+520:48+584]==bytes.fromhex(sys.argv[2]) else 1)" \
  "$t/q.bin" "$rd" || fail "REPORTDATA not at body offset 520"
$ORACLE "$t/q.bin" "$t/other/root_ca.der" >/dev/null && fail "oracle accepts our quote under another root"

# 3b. Our own verifier (migtd-quote) agrees, with collateral and CRLs.
QV="build/bin/migtd-quote verify --quote $t/q.bin --root-ca $t/a/root_ca.der --time 2025-06-01T00:00:00Z
  --tcb-info $t/b/tcb_info.json --qe-identity $t/b/qe_identity.json
  --tcb-chain $t/b/tcb_signing_chain.pem --qe-chain $t/b/tcb_signing_chain.pem
  --root-crl $t/a/root_ca.crl.der"
$QV --pck-crl "$t/b/platform_ca.crl.der" >"$t/qv.txt" || { cat "$t/qv.txt"; fail "migtd-quote rejects an emulated quote"; }
grep -q 'TCB status *UpToDate' "$t/qv.txt" || fail "emulated platform not UpToDate"

# 4. Corruptions are rejected: quote signature, attestation key, QE report,
#    QE report signature, QE auth data, body.
flip() { # file offset -> new file
  /usr/bin/python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); d[int(sys.argv[2])]^=1; open(sys.argv[3],'wb').write(d)" "$1" "$2" "$3"
}
for off in 100 $((636 + 10)) $((636 + 70)) $((636 + 128 + 6 + 30)) $((636 + 128 + 6 + 384 + 5)) \
           $((636 + 128 + 6 + 448 + 4)); do
  flip "$t/q.bin" "$off" "$t/bad.bin"
  $ORACLE "$t/bad.bin" "$t/a/root_ca.der" >/dev/null && fail "corruption at offset $off accepted"
done

# 4b. A revoked PCK certificate makes migtd-quote fail at the PCK CRL step.
$VMM pki revoke "$t/b" --pck
out=$($QV --pck-crl "$t/b/platform_ca.crl.der" 2>&1) && fail "migtd-quote accepts a revoked PCK"
case $out in *pck-crl*FAIL*|*pck-crl*fail*) ;; *) echo "$out"; fail "revocation not reported at the pck-crl step" ;; esac

# 5. pki init keeps existing keys; --force replaces them.
k1=$(sha256sum <"$t/b/pck.key.pem")
$VMM pki init "$t/b" --root "$t/a" >/dev/null
[ "$k1" = "$(sha256sum <"$t/b/pck.key.pem")" ] || fail "pki init replaced existing keys"
$VMM pki init "$t/b" --root "$t/a" --force >/dev/null
[ "$k1" != "$(sha256sum <"$t/b/pck.key.pem")" ] || fail "--force kept the old keys"
echo "emulated PKI: all checks passed"
