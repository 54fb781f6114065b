#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
"""Independent oracle for TDX quotes v4 (docs/protocol.md §8.1-§8.3), written against
python3-cryptography only: it shares no code with migtd-c.

usage: verify_tdx_quote.py QUOTE ROOT_CA_DER [--collateral DIR]

Checks, each printed: the PCK chain in the quote verifies up to ROOT_CA_DER
(signatures only; names and basic constraints), the QE report signature by
the PCK key, the QE report data = SHA-256(attestation key || QE auth data)
|| zeros, the quote signature by the attestation key over header || body.
With --collateral DIR also the tcb_info.json / qe_identity.json signatures by
DIR/tcb_signing.der. Exit 0 only if every check passes.
"""
import hashlib
import json
import struct
import sys

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding

failures = 0


def check(name, ok, detail=""):
    global failures
    print(f"{'ok  ' if ok else 'FAIL'} {name}{(': ' + detail) if detail else ''}")
    if not ok:
        failures += 1


def raw_sig_ok(pub, sig, msg):
    r = int.from_bytes(sig[:32], "big")
    s = int.from_bytes(sig[32:64], "big")
    try:
        pub.verify(encode_dss_signature(r, s), msg, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError):
        return False


def cert_signed_by(cert, issuer):
    try:
        issuer.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                                   ec.ECDSA(cert.signature_hash_algorithm))
        return cert.issuer == issuer.subject
    except (InvalidSignature, ValueError):
        return False


def main():
    quote = open(sys.argv[1], "rb").read()
    root = x509.load_der_x509_certificate(open(sys.argv[2], "rb").read())
    collateral = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--collateral" else None

    version, key_type, tee = struct.unpack_from("<HHI", quote, 0)
    check("header", version == 4 and key_type == 2 and tee == 0x81,
          f"version {version} key type {key_type} tee 0x{tee:x}")
    signed = quote[:48 + 584]
    off = 48 + 584
    (sig_len,) = struct.unpack_from("<I", quote, off)
    off += 4
    sig, att_key = quote[off:off + 64], quote[off + 64:off + 128]
    off += 128
    ctype, csize = struct.unpack_from("<HI", quote, off)
    off += 6
    check("certification data type 6", ctype == 6 and off + csize <= len(quote),
          f"type {ctype} size {csize}")
    qe_report, qe_sig = quote[off:off + 384], quote[off + 384:off + 448]
    off += 448
    (auth_len,) = struct.unpack_from("<H", quote, off)
    auth = quote[off + 2:off + 2 + auth_len]
    off += 2 + auth_len
    itype, isize = struct.unpack_from("<HI", quote, off)
    off += 6
    check("nested certification data type 5", itype == 5 and off + isize <= len(quote))
    pem = quote[off:off + isize]
    blocks = [b"-----BEGIN CERTIFICATE-----" + p
              for p in pem.split(b"-----BEGIN CERTIFICATE-----")[1:]]
    chain = [x509.load_pem_x509_certificate(b) for b in blocks]
    check("PCK chain has 3 certificates", len(chain) == 3, f"{len(chain)}")
    if len(chain) == 3:
        leaf, ca, chain_root = chain
        check("PCK leaf signed by platform CA", cert_signed_by(leaf, ca))
        check("platform CA signed by the given root", cert_signed_by(ca, root))
        check("chain root is the given root",
              chain_root.public_bytes(Encoding.DER) == root.public_bytes(Encoding.DER))
        ext = leaf.extensions.get_extension_for_oid(
            x509.ObjectIdentifier("1.2.840.113741.1.13.1"))
        check("PCK leaf has the SGX extension", ext is not None)
        check("QE report signed by the PCK key", raw_sig_ok(leaf.public_key(), qe_sig, qe_report))
    binding = hashlib.sha256(att_key + auth).digest() + bytes(32)
    check("QE report data binds the attestation key", qe_report[320:384] == binding)
    att_pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + att_key)
    check("quote signed by the attestation key", raw_sig_ok(att_pub, sig, signed))

    if collateral:
        tcb = x509.load_der_x509_certificate(open(collateral + "/tcb_signing.der", "rb").read())
        check("TCB signing cert signed by the root", cert_signed_by(tcb, root))
        for name, key in (("tcb_info.json", "tcbInfo"), ("qe_identity.json", "enclaveIdentity")):
            text = open(collateral + "/" + name, "rb").read()
            doc = json.loads(text)
            # The signature covers the exact bytes of the signed object.
            start = text.index(b'{', text.index(b'"' + key.encode() + b'"'))
            end = text.rindex(b',"signature"')
            check(f"{name} signature", raw_sig_ok(tcb.public_key(),
                                                   bytes.fromhex(doc["signature"]),
                                                   text[start:end]))
    print(f"{'quote verified' if failures == 0 else f'{failures} check(s) failed'}")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (struct.error, ValueError, IndexError) as e:
        print(f"FAIL malformed quote: {e}")
        sys.exit(1)
