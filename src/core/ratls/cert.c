/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * cert.c -- the RA-TLS certificate (docs/protocol.md §5.2, §5.3).
 *
 * The TBSCertificate is written by hand with mbedTLS's ASN.1 writer
 * instead of mbedtls_x509write_crt because the spec fixes details that
 * writer does not produce: notBefore 1970 as GeneralizedTime (it would pick
 * UTCTime), upstream's key usage bit string `03 02 00 80`, a fixed
 * extension order, and optionally the explicit `critical FALSE`.
 *
 * mbedTLS's ASN.1 writer fills a buffer from the end towards the start, so
 * everything below is written in reverse order.
 */
#include <limits.h>
#include <string.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>
#include <mbedtls/psa_util.h>
#include <psa/crypto.h>

#include "migtd/ratls.h"
#include "ratls_internal.h"

/* Largest quote or event log we put in a certificate: keeps every length
 * far below INT_MAX (mbedTLS's writer returns lengths as int). */
#define RATLS_MAX_EVIDENCE (1u << 20)

#define SEQ (MBEDTLS_ASN1_SEQUENCE | MBEDTLS_ASN1_CONSTRUCTED)
#define SET (MBEDTLS_ASN1_SET | MBEDTLS_ASN1_CONSTRUCTED)

#define CHK(len, f)                  \
	do {                         \
		int r_ = (f);        \
		if (r_ < 0)          \
			return r_;   \
		(len) += (size_t)r_; \
	} while (0)

/* keyUsage value exactly as upstream emits it: digitalSignature with 0
 * unused bits (DER would say 7; every parser we care about accepts 0). */
static const uint8_t ku_value[] = { 0x03, 0x02, 0x00, 0x80 };

/* extKeyUsage value: serverAuth, clientAuth, MigTD (§5.3). */
static const uint8_t eku_value[] = {
	0x30, 0x21, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01,
	0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02, 0x06, 0x0B,
	0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x05, 0x05, 0x01, 0x01,
};

static const char not_before[] = "19700101000000Z";
static const char not_after[] = "99991231235959Z";

static int len_to_int(size_t len)
{
	return len > (size_t)INT_MAX ? MBEDTLS_ERR_ASN1_INVALID_LENGTH : (int)len;
}

/* Wrap the `len` bytes just written in tag + length. */
static int wrap(unsigned char **p, unsigned char *start, size_t len, unsigned char tag)
{
	CHK(len, mbedtls_asn1_write_len(p, start, len));
	CHK(len, mbedtls_asn1_write_tag(p, start, tag));
	return len_to_int(len);
}

static int write_attr(unsigned char **p, unsigned char *start, const char *oid, size_t oid_len,
		      int tag, const char *val)
{
	size_t len = 0, seq = 0;

	CHK(len, mbedtls_asn1_write_tagged_string(p, start, tag, val, strlen(val)));
	CHK(len, mbedtls_asn1_write_oid(p, start, oid, oid_len));
	CHK(seq, wrap(p, start, len, SEQ));
	return wrap(p, start, seq, SET);
}

/* issuer = subject: C=XX, L=Default City, O=Default Company Ltd. */
static int write_name(unsigned char **p, unsigned char *start)
{
	size_t len = 0;

	CHK(len, write_attr(p, start, MBEDTLS_OID_AT_ORGANIZATION,
			    MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_ORGANIZATION), MBEDTLS_ASN1_UTF8_STRING,
			    "Default Company Ltd"));
	CHK(len,
	    write_attr(p, start, MBEDTLS_OID_AT_LOCALITY, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_LOCALITY),
		       MBEDTLS_ASN1_UTF8_STRING, "Default City"));
	CHK(len,
	    write_attr(p, start, MBEDTLS_OID_AT_COUNTRY, MBEDTLS_OID_SIZE(MBEDTLS_OID_AT_COUNTRY),
		       MBEDTLS_ASN1_PRINTABLE_STRING, "XX"));
	return wrap(p, start, len, SEQ);
}

/* critical: 1 -> TRUE; 0 -> omitted, or FALSE when `explicit_false`. */
static int write_ext(unsigned char **p, unsigned char *start, const char *oid, size_t oid_len,
		     int critical, int explicit_false, const uint8_t *val, size_t val_len)
{
	size_t len = 0;

	CHK(len, mbedtls_asn1_write_octet_string(p, start, val, val_len));
	if (critical || explicit_false)
		CHK(len, mbedtls_asn1_write_bool(p, start, critical));
	CHK(len, mbedtls_asn1_write_oid(p, start, oid, oid_len));
	return wrap(p, start, len, SEQ);
}

struct tbs_input {
	const uint8_t *pub;
	size_t pub_len;
	const uint8_t *quote;
	size_t quote_len;
	const uint8_t *evlog;
	size_t evlog_len;
	const uint8_t *policy_hash; /* NULL: policy v1, no extension */
	int explicit_false;
};

static int write_extensions(unsigned char **p, unsigned char *start, const struct tbs_input *in)
{
	size_t len = 0, seq = 0;
	int ef = in->explicit_false;

	/* Reverse of the spec order: [policy hash,] quote, event log, EKU, key usage. */
	if (in->policy_hash != NULL)
		CHK(len, write_ext(p, start, RATLS_OID_POLICY_HASH, RATLS_OID_LEN, 0, ef,
				   in->policy_hash, RATLS_POLICY_HASH_SIZE));
	CHK(len,
	    write_ext(p, start, RATLS_OID_QUOTE, RATLS_OID_LEN, 0, ef, in->quote, in->quote_len));
	CHK(len, write_ext(p, start, RATLS_OID_EVENT_LOG, RATLS_OID_LEN, 0, ef, in->evlog,
			   in->evlog_len));
	CHK(len, write_ext(p, start, MBEDTLS_OID_EXTENDED_KEY_USAGE,
			   MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0, ef, eku_value,
			   sizeof(eku_value)));
	CHK(len, write_ext(p, start, MBEDTLS_OID_KEY_USAGE, MBEDTLS_OID_SIZE(MBEDTLS_OID_KEY_USAGE),
			   1, ef, ku_value, sizeof(ku_value)));
	CHK(seq, wrap(p, start, len, SEQ));
	return wrap(p, start, seq, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 3);
}

static int write_tbs(unsigned char **p, unsigned char *start, const struct tbs_input *in)
{
	size_t len = 0, sub = 0, alg = 0;

	CHK(len, write_extensions(p, start, in));

	/* subjectPublicKeyInfo: { { id-ecPublicKey, secp384r1 }, BIT STRING point } */
	CHK(sub, mbedtls_asn1_write_bitstring(p, start, in->pub, in->pub_len * 8));
	CHK(alg, mbedtls_asn1_write_oid(p, start, MBEDTLS_OID_EC_GRP_SECP384R1,
					MBEDTLS_OID_SIZE(MBEDTLS_OID_EC_GRP_SECP384R1)));
	CHK(alg, mbedtls_asn1_write_oid(p, start, MBEDTLS_OID_EC_ALG_UNRESTRICTED,
					MBEDTLS_OID_SIZE(MBEDTLS_OID_EC_ALG_UNRESTRICTED)));
	CHK(sub, wrap(p, start, alg, SEQ));
	CHK(len, wrap(p, start, sub, SEQ));

	CHK(len, write_name(p, start)); /* subject */

	sub = 0;
	CHK(sub, mbedtls_asn1_write_tagged_string(p, start, MBEDTLS_ASN1_GENERALIZED_TIME,
						  not_after, sizeof(not_after) - 1));
	CHK(sub, mbedtls_asn1_write_tagged_string(p, start, MBEDTLS_ASN1_GENERALIZED_TIME,
						  not_before, sizeof(not_before) - 1));
	CHK(len, wrap(p, start, sub, SEQ));

	CHK(len, write_name(p, start)); /* issuer */
	CHK(len,
	    mbedtls_asn1_write_algorithm_identifier_ext(p, start, MBEDTLS_OID_ECDSA_SHA384,
							MBEDTLS_OID_SIZE(MBEDTLS_OID_ECDSA_SHA384),
							0, 0));
	CHK(len, mbedtls_asn1_write_int(p, start, 1)); /* serialNumber */

	sub = 0;
	CHK(sub, mbedtls_asn1_write_int(p, start, 2)); /* version v3 */
	CHK(len, wrap(p, start, sub,
		      MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED)); /* [0] */

	return wrap(p, start, len, SEQ);
}

int migtd_ratls_report_data(const uint8_t *pubkey, size_t pubkey_len,
			    uint8_t out[TDREPORT_REPORT_DATA_SIZE])
{
	uint8_t hash[48];
	size_t hlen = 0;

	/* Hash into an exact-size buffer: PSA fills the unused tail of an
	 * output buffer with '!' bytes. */
	memset(out, 0, TDREPORT_REPORT_DATA_SIZE);
	if (pubkey == NULL && pubkey_len != 0)
		return MIGTD_ERR_STATE;
	if (psa_hash_compute(PSA_ALG_SHA_384, pubkey, pubkey_len, hash, sizeof(hash), &hlen) !=
		    PSA_SUCCESS ||
	    hlen != sizeof(hash))
		return MIGTD_ERR_CRYPTO;
	memcpy(out, hash, sizeof(hash)); /* bytes 48..64 stay zero (§5.2) */
	return MIGTD_OK;
}

static int sign_tbs(psa_key_id_t key, const uint8_t *tbs, size_t tbs_len, uint8_t *der,
		    size_t der_cap, size_t *der_len)
{
	uint8_t hash[48], raw[96];
	size_t hlen = 0, rlen = 0;

	if (psa_hash_compute(PSA_ALG_SHA_384, tbs, tbs_len, hash, sizeof(hash), &hlen) !=
		    PSA_SUCCESS ||
	    psa_sign_hash(key, PSA_ALG_ECDSA(PSA_ALG_SHA_384), hash, hlen, raw, sizeof(raw),
			  &rlen) != PSA_SUCCESS ||
	    rlen != sizeof(raw))
		return MIGTD_ERR_CRYPTO;
	if (mbedtls_ecdsa_raw_to_der(384, raw, rlen, der, der_cap, der_len) != 0)
		return MIGTD_ERR_CRYPTO;
	return MIGTD_OK;
}

static int asn1_err(int ret)
{
	return ret == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL ? MIGTD_ERR_NOSPACE : MIGTD_ERR_CRYPTO;
}

int migtd_ratls_cert_write(psa_key_id_t key, const uint8_t *quote, size_t quote_len,
			   const uint8_t *evlog, size_t evlog_len, unsigned flags, uint8_t *buf,
			   size_t cap, size_t *out_len)
{
	uint8_t pub[RATLS_PUBKEY_SIZE];
	size_t pub_len = 0;

	*out_len = 0;
	if (psa_export_public_key(key, pub, sizeof(pub), &pub_len) != PSA_SUCCESS ||
	    pub_len != RATLS_PUBKEY_SIZE)
		return MIGTD_ERR_CRYPTO;
	return migtd_ratls_cert_write_v2(key, pub, quote, quote_len, evlog, evlog_len, NULL, flags,
					 buf, cap, out_len);
}

int migtd_ratls_cert_write_v2(psa_key_id_t key, const uint8_t pub[RATLS_PUBKEY_SIZE],
			      const uint8_t *quote, size_t quote_len, const uint8_t *evlog,
			      size_t evlog_len, const uint8_t policy_hash[RATLS_POLICY_HASH_SIZE],
			      unsigned flags, uint8_t *buf, size_t cap, size_t *out_len)
{
	uint8_t sig[MBEDTLS_ECDSA_MAX_SIG_LEN(384)];
	uint8_t tail[16 + sizeof(sig)], hdr[8];
	unsigned char *p, *t, *h, *tbs;
	size_t sig_len = 0, tbs_len, tail_len = 0, hdr_len = 0;
	struct tbs_input in;
	int ret;

	*out_len = 0;
	if (buf == NULL || pub == NULL || quote == NULL || evlog == NULL || cap > (size_t)INT_MAX)
		return MIGTD_ERR_STATE;
	if (quote_len == 0 || evlog_len == 0 || quote_len > RATLS_MAX_EVIDENCE ||
	    evlog_len > RATLS_MAX_EVIDENCE)
		return MIGTD_ERR_LENGTH;

	in = (struct tbs_input){ pub,         RATLS_PUBKEY_SIZE,
				 quote,       quote_len,
				 evlog,       evlog_len,
				 policy_hash, (flags & RATLS_CERT_EXPLICIT_NONCRITICAL) != 0 };
	p = buf + cap;
	ret = write_tbs(&p, buf, &in);
	if (ret < 0)
		return asn1_err(ret);
	tbs = p;
	tbs_len = (size_t)ret;

	ret = sign_tbs(key, tbs, tbs_len, sig, sizeof(sig), &sig_len);
	if (ret != MIGTD_OK)
		return ret;

	/* signatureAlgorithm and signatureValue, after the TBS. */
	t = tail + sizeof(tail);
	ret = mbedtls_asn1_write_bitstring(&t, tail, sig, sig_len * 8);
	if (ret < 0)
		return asn1_err(ret);
	tail_len += (size_t)ret;
	ret = mbedtls_asn1_write_algorithm_identifier_ext(&t, tail, MBEDTLS_OID_ECDSA_SHA384,
							  MBEDTLS_OID_SIZE(
								  MBEDTLS_OID_ECDSA_SHA384),
							  0, 0);
	if (ret < 0)
		return asn1_err(ret);
	tail_len += (size_t)ret;

	/* The outer SEQUENCE header, for TBS + tail. */
	h = hdr + sizeof(hdr);
	ret = mbedtls_asn1_write_len(&h, hdr, tbs_len + tail_len);
	if (ret < 0)
		return asn1_err(ret);
	hdr_len += (size_t)ret;
	ret = mbedtls_asn1_write_tag(&h, hdr, SEQ);
	if (ret < 0)
		return asn1_err(ret);
	hdr_len += (size_t)ret;

	if (hdr_len + tbs_len + tail_len > cap)
		return MIGTD_ERR_NOSPACE;
	memmove(buf + hdr_len, tbs, tbs_len);
	memcpy(buf, h, hdr_len);
	memcpy(buf + hdr_len + tbs_len, t, tail_len);
	*out_len = hdr_len + tbs_len + tail_len;
	return MIGTD_OK;
}
