/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * x509.c -- certificate, CRL, PEM and ECDSA helpers for quote verification.
 *
 * Signatures are checked with the legacy mbedtls_ecdsa_verify() on explicit
 * (r, s) integers, not through mbedtls_x509_crt_verify(): the quote carries
 * raw r||s signatures that must be checked the same way anyway, each step
 * gets its own failure reason, and no PSA initialisation is needed.
 * mbedTLS is built without MBEDTLS_HAVE_TIME, so validity periods are
 * compared here against the caller's time.
 */
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/base64.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform.h>
#include <mbedtls/sha256.h>

#include "migtd/fmt.h"
#include "quote_internal.h"

int64_t migtd_quote_civil_to_unix(int year, int mon, int day, int hour, int min, int sec)
{
	/* Days from civil (H. Hinnant's algorithm), valid for all Gregorian dates. */
	int64_t y = (int64_t)year - (mon <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (mon + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;

	return days * 86400 + (int64_t)hour * 3600 + (int64_t)min * 60 + sec;
}

int64_t migtd_qv_x509_time(const mbedtls_x509_time *t)
{
	return migtd_quote_civil_to_unix(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return MIGTD_ERR_INVALID;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return MIGTD_OK;
}

int migtd_quote_parse_time(const char *s, size_t len, int64_t *out)
{
	int y, mo, d, h, mi, se;

	/* YYYY-MM-DDTHH:MM:SSZ */
	if (len != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return MIGTD_ERR_INVALID;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
		return MIGTD_ERR_INVALID;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return MIGTD_ERR_INVALID;
	*out = migtd_quote_civil_to_unix(y, mo, d, h, mi, se);
	return MIGTD_OK;
}

bool migtd_qv_cert_valid_at(const mbedtls_x509_crt *crt, int64_t now)
{
	if (now == QV_TIME_ANY)
		return true;
	return migtd_qv_x509_time(&crt->valid_from) <= now &&
	       now <= migtd_qv_x509_time(&crt->valid_to);
}

/* ---------------------------------------------------------------- ECDSA */

static int ecdsa_verify_rs(const uint8_t *pub, size_t pub_len, const uint8_t hash[32],
			   const mbedtls_mpi *r, const mbedtls_mpi *s)
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	uint8_t key[QV_KEY_LEN];
	int ret = MIGTD_ERR_INVALID;

	if (pub_len == 64) {
		key[0] = 0x04;
		memcpy(key + 1, pub, 64);
	} else if (pub_len == QV_KEY_LEN && pub[0] == 0x04) {
		memcpy(key, pub, QV_KEY_LEN);
	} else {
		return MIGTD_ERR_INVALID;
	}
	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	if (mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) != 0) {
		ret = MIGTD_ERR_CRYPTO;
		goto out;
	}
	if (mbedtls_ecp_point_read_binary(&grp, &q, key, sizeof(key)) != 0 ||
	    mbedtls_ecp_check_pubkey(&grp, &q) != 0)
		goto out;
	/* mbedtls_ecdsa_verify rejects r, s outside [1, n-1] itself. */
	ret = mbedtls_ecdsa_verify(&grp, hash, 32, &q, r, s) == 0 ? MIGTD_OK : MIGTD_ERR_QUOTE;
out:
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return ret;
}

int migtd_quote_ecdsa_verify(const uint8_t *pub, size_t pub_len, const uint8_t hash[32],
			     const uint8_t sig[64])
{
	mbedtls_mpi r, s;
	int ret;

	if (!pub || !hash || !sig)
		return MIGTD_ERR_STATE;
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	/* Fixed-width big-endian halves: leading zero bytes are just small values. */
	if (mbedtls_mpi_read_binary(&r, sig, 32) != 0 ||
	    mbedtls_mpi_read_binary(&s, sig + 32, 32) != 0) {
		ret = MIGTD_ERR_NOMEM;
		goto out;
	}
	ret = ecdsa_verify_rs(pub, pub_len, hash, &r, &s);
out:
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return ret;
}

/* ---------------------------------------------------------------- X.509 */

int migtd_qv_cert_key(const mbedtls_x509_crt *crt, uint8_t out[QV_KEY_LEN])
{
	const mbedtls_ecp_keypair *kp;
	size_t olen = 0;

	if (mbedtls_pk_get_type(&crt->pk) != MBEDTLS_PK_ECKEY)
		return MIGTD_ERR_INVALID;
	kp = mbedtls_pk_ec(crt->pk);
	if (!kp || mbedtls_ecp_keypair_get_group_id(kp) != MBEDTLS_ECP_DP_SECP256R1)
		return MIGTD_ERR_INVALID;
	if (mbedtls_ecp_write_public_key(kp, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, out, QV_KEY_LEN) !=
		    0 ||
	    olen != QV_KEY_LEN)
		return MIGTD_ERR_INVALID;
	return MIGTD_OK;
}

/*
 * Certificate and CertificateList share the outer shape
 *   SEQUENCE { tbs, AlgorithmIdentifier, BIT STRING signature }
 * mbedTLS keeps the signature in a private field, so re-walk the outer
 * SEQUENCE of the raw DER (already validated by mbedTLS's parser, but
 * walked with bounds anyway).
 */
int migtd_qv_verify_signed(const mbedtls_x509_buf *raw, const mbedtls_x509_buf *tbs,
			   const uint8_t key[QV_KEY_LEN])
{
	static const uint8_t oid_ecdsa_sha256[] = {
		0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02
	};
	unsigned char *p = raw->p;
	const unsigned char *end = raw->p + raw->len;
	unsigned char *alg_end;
	size_t len;
	mbedtls_mpi r, s;
	uint8_t hash[32];
	int ret = MIGTD_ERR_INVALID;

	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
		goto out;
	end = p + len;
	if (p != tbs->p || tbs->len > (size_t)(end - p))
		goto out;
	p += tbs->len;
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
		goto out;
	alg_end = p + len;
	if (mbedtls_asn1_get_tag(&p, alg_end, &len, MBEDTLS_ASN1_OID) ||
	    len != sizeof(oid_ecdsa_sha256) || memcmp(p, oid_ecdsa_sha256, len) != 0)
		goto out;
	p = alg_end;
	if (mbedtls_asn1_get_bitstring_null(&p, end, &len))
		goto out;
	end = p + len;
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) ||
	    p + len != end)
		goto out;
	if (mbedtls_asn1_get_mpi(&p, end, &r) || mbedtls_asn1_get_mpi(&p, end, &s) || p != end)
		goto out;
	if (mbedtls_sha256(tbs->p, tbs->len, hash, 0) != 0) {
		ret = MIGTD_ERR_CRYPTO;
		goto out;
	}
	ret = ecdsa_verify_rs(key, QV_KEY_LEN, hash, &r, &s);
out:
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return ret;
}

/* ---------------------------------------------------------------- PEM */

static const uint8_t *find(const uint8_t *p, const uint8_t *end, const char *needle)
{
	size_t n = strlen(needle);

	while ((size_t)(end - p) >= n) {
		if (memcmp(p, needle, n) == 0)
			return p;
		p++;
	}
	return NULL;
}

/* Decode the base64 between p and end into a fresh mbedTLS-heap buffer. */
static int pem_decode(const uint8_t *p, const uint8_t *end, uint8_t **der, size_t *der_len)
{
	size_t n = (size_t)(end - p), olen = 0;

	if (n > QV_MAX_OBJECT)
		return MIGTD_ERR_LENGTH;
	*der = mbedtls_calloc(1, n / 4 * 3 + 3);
	if (!*der)
		return MIGTD_ERR_NOMEM;
	if (mbedtls_base64_decode(*der, n / 4 * 3 + 3, &olen, p, n) != 0 || olen == 0) {
		mbedtls_free(*der);
		*der = NULL;
		return MIGTD_ERR_INVALID;
	}
	*der_len = olen;
	return MIGTD_OK;
}

typedef int (*der_sink)(void *ctx, const uint8_t *der, size_t len);

/* Call sink for each PEM block labelled `label`, or once for DER input. */
static int for_each_object(const uint8_t *buf, size_t len, const char *label, der_sink sink,
			   void *ctx)
{
	char begin[48], endm[48];
	const uint8_t *p = buf, *end = buf + len;
	int count = 0;

	if (!buf || len == 0 || len > QV_MAX_OBJECT)
		return MIGTD_ERR_LENGTH;
	if (buf[0] == 0x30) {
		/* DER: a SEQUENCE; mbedTLS parses it with its own bounds. */
		int ret = sink(ctx, buf, len);
		return ret ? ret : 1;
	}
	/* Labels are our own constants: one that does not fit is a bug, not input. */
	if (migtd_snprintf(begin, sizeof(begin), "-----BEGIN %s-----", label) >= sizeof(begin) ||
	    migtd_snprintf(endm, sizeof(endm), "-----END %s-----", label) >= sizeof(endm))
		return MIGTD_ERR_INVALID;

	for (;;) {
		const uint8_t *b = find(p, end, begin), *e;
		uint8_t *der = NULL;
		size_t der_len = 0;
		int ret;

		if (!b)
			break;
		b += strlen(begin);
		e = find(b, end, endm);
		if (!e)
			return MIGTD_ERR_TRUNCATED;
		ret = pem_decode(b, e, &der, &der_len);
		if (ret)
			return ret;
		ret = sink(ctx, der, der_len);
		mbedtls_free(der);
		if (ret)
			return ret;
		count++;
		p = e + strlen(endm);
	}
	return count ? count : MIGTD_ERR_INVALID;
}

static int crt_sink(void *ctx, const uint8_t *der, size_t len)
{
	int ret = mbedtls_x509_crt_parse_der(ctx, der, len);

	if (ret == MBEDTLS_ERR_X509_ALLOC_FAILED)
		return MIGTD_ERR_NOMEM;
	return ret ? MIGTD_ERR_INVALID : MIGTD_OK;
}

static int crl_sink(void *ctx, const uint8_t *der, size_t len)
{
	mbedtls_x509_crl *crl = ctx;
	int ret;

	/* One CRL per input: a second one would silently chain. */
	if (crl->version != 0)
		return MIGTD_ERR_INVALID;
	ret = mbedtls_x509_crl_parse_der(crl, der, len);
	if (ret == MBEDTLS_ERR_X509_ALLOC_FAILED)
		return MIGTD_ERR_NOMEM;
	return ret ? MIGTD_ERR_INVALID : MIGTD_OK;
}

int migtd_qv_load_certs(const uint8_t *buf, size_t len, mbedtls_x509_crt *chain)
{
	return for_each_object(buf, len, "CERTIFICATE", crt_sink, chain);
}

int migtd_qv_load_crl(const uint8_t *buf, size_t len, mbedtls_x509_crl *crl)
{
	int ret = for_each_object(buf, len, "X509 CRL", crl_sink, crl);

	return ret < 0 ? ret : MIGTD_OK;
}

/* ---------------------------------------------------------------- issuer chains */

static bool same_name(const mbedtls_x509_buf *a, const mbedtls_x509_buf *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

int migtd_qv_verify_issuer_chain(struct migtd_sig_cache *sc, const uint8_t *pem, size_t len,
				 const uint8_t root_key[QV_KEY_LEN], int64_t now,
				 uint8_t leaf_key[QV_KEY_LEN], const char **why)
{
	mbedtls_x509_crt chain;
	const mbedtls_x509_crt *c;
	uint8_t key[QV_KEY_LEN], next_key[QV_KEY_LEN];
	int ret, n;

	mbedtls_x509_crt_init(&chain);
	n = migtd_qv_load_certs(pem, len, &chain);
	if (n < 0) {
		ret = n;
		*why = "issuer chain does not parse";
		goto out;
	}
	ret = MIGTD_ERR_QUOTE;
	for (c = &chain; c; c = c->next) {
		if (!migtd_qv_cert_valid_at(c, now)) {
			*why = "issuer chain certificate not valid at the given time";
			goto out;
		}
		if (migtd_qv_cert_key(c, key)) {
			*why = "issuer chain certificate key is not P-256";
			goto out;
		}
		if (c == &chain)
			memcpy(leaf_key, key, QV_KEY_LEN);
		if (c->next) {
			if (!same_name(&c->issuer_raw, &c->next->subject_raw) ||
			    mbedtls_x509_crt_get_ca_istrue(c->next) != 1 ||
			    migtd_qv_cert_key(c->next, next_key) ||
			    migtd_qv_verify_signed_memo(sc, &c->raw, &c->tbs, next_key)) {
				*why = "issuer chain signature does not verify";
				goto out;
			}
			continue;
		}
		/* Last certificate: the enrolled root itself, or signed by it. */
		if (migtd_qv_verify_signed_memo(sc, &c->raw, &c->tbs, root_key)) {
			*why = "issuer chain does not end at the enrolled root CA";
			goto out;
		}
	}
	ret = MIGTD_OK;
out:
	mbedtls_x509_crt_free(&chain);
	return ret;
}
