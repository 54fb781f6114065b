/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * verify.c -- the custom peer-certificate verifier (docs/protocol.md §5.5, policy v1).
 *
 * No chain, no trust anchors, no names, no validity period: the peer is
 * trusted because its quote verifies, the quote's REPORTDATA binds the
 * certificate key, and the policy accepts what the quote and event log say.
 *
 * Strictness matches upstream's webpki step (§5.1 last paragraph): the
 * certificate must parse as X.509 v3, inner and outer signature algorithms
 * must match (mbedTLS checks that while parsing), and no unknown extension
 * may be critical. Explicit `critical FALSE` is accepted (mbedTLS parses
 * the optional BOOLEAN whether present or not).
 */
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/x509.h>
#include <psa/crypto.h>

#include "migtd/ratls.h"
#include "migtd/wire.h"
#include "ratls_internal.h"

static bool oid_eq(const mbedtls_asn1_buf *oid, const char *want, size_t want_len)
{
	return oid->len == want_len && memcmp(oid->p, want, want_len) == 0;
}

/* Called by mbedTLS for each extension it does not know itself. */
static int collect_ext(void *ctx, mbedtls_x509_crt const *crt, mbedtls_x509_buf const *oid,
		       int critical, const unsigned char *p, const unsigned char *end)
{
	struct ratls_evidence *ev = ctx;

	(void)crt;
	/* webpki rejects any critical extension it does not understand. */
	if (critical)
		return MBEDTLS_ERR_X509_INVALID_EXTENSIONS;
	/* First occurrence wins (§5.5). */
	if (oid_eq(oid, RATLS_OID_QUOTE, RATLS_OID_LEN) && ev->quote == NULL) {
		ev->quote = p;
		ev->quote_len = (size_t)(end - p);
	} else if (oid_eq(oid, RATLS_OID_EVENT_LOG, RATLS_OID_LEN) && ev->evlog == NULL) {
		ev->evlog = p;
		ev->evlog_len = (size_t)(end - p);
	} else if (oid_eq(oid, RATLS_OID_POLICY_HASH, RATLS_OID_LEN) && ev->policy_hash == NULL) {
		ev->policy_hash = p;
		ev->policy_hash_len = (size_t)(end - p);
	}
	return 0;
}

int migtd_ratls_parse_cert(mbedtls_x509_crt *crt, const uint8_t *der, size_t der_len, int make_copy,
			   struct ratls_evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
	return mbedtls_x509_crt_parse_der_with_ext_cb(crt, der, der_len, make_copy, collect_ext,
						      ev);
}

/* The extKeyUsage extension is present and lists the MigTD OID. mbedTLS's
 * own check also passes without the extension or with anyExtendedKeyUsage,
 * which §5.5 does not allow. */
static bool has_migtd_eku(const mbedtls_x509_crt *crt)
{
	const mbedtls_x509_sequence *s;

	if (!mbedtls_x509_crt_has_ext_type(crt, MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE))
		return false;
	for (s = &crt->ext_key_usage; s != NULL; s = s->next)
		if (s->buf.tag == MBEDTLS_ASN1_OID &&
		    oid_eq(&s->buf, RATLS_OID_MIGTD_EKU, RATLS_OID_LEN))
			return true;
	return false;
}

/*
 * The subjectPublicKey BIT STRING content of an id-ecPublicKey/secp384r1
 * key: the bytes REPORTDATA binds (§5.2).
 */
static int p384_pubkey(const mbedtls_x509_crt *crt, const uint8_t **pub, size_t *pub_len)
{
	unsigned char *p = crt->pk_raw.p;
	const unsigned char *end = crt->pk_raw.p + crt->pk_raw.len;
	mbedtls_asn1_buf alg, params;
	size_t len;

	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_SEQUENCE | MBEDTLS_ASN1_CONSTRUCTED) ||
	    mbedtls_asn1_get_alg(&p, end, &alg, &params))
		return MIGTD_ERR_PEER_CERT;
	if (!oid_eq(&alg, MBEDTLS_OID_EC_ALG_UNRESTRICTED,
		    MBEDTLS_OID_SIZE(MBEDTLS_OID_EC_ALG_UNRESTRICTED)) ||
	    params.tag != MBEDTLS_ASN1_OID ||
	    !oid_eq(&params, MBEDTLS_OID_EC_GRP_SECP384R1,
		    MBEDTLS_OID_SIZE(MBEDTLS_OID_EC_GRP_SECP384R1)))
		return MIGTD_ERR_PEER_CERT;
	if (mbedtls_asn1_get_bitstring_null(&p, end, &len) || len != (size_t)(end - p))
		return MIGTD_ERR_PEER_CERT;
	*pub = p;
	*pub_len = len;
	return MIGTD_OK;
}

/*
 * ecdsa-with-SHA384 (no parameters) over crt->tbs exactly as received,
 * checked with the certificate's own P-384 key.
 */
static int check_self_signature(mbedtls_x509_crt *crt)
{
	unsigned char *p = crt->raw.p;
	const unsigned char *end = crt->raw.p + crt->raw.len;
	mbedtls_asn1_buf alg, params;
	uint8_t hash[48];
	size_t len, hlen = 0;

	/* Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } */
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_SEQUENCE | MBEDTLS_ASN1_CONSTRUCTED) ||
	    mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_SEQUENCE | MBEDTLS_ASN1_CONSTRUCTED) ||
	    len > (size_t)(end - p))
		return MIGTD_ERR_PEER_CERT;
	p += len;
	if (mbedtls_asn1_get_alg(&p, end, &alg, &params) ||
	    !oid_eq(&alg, MBEDTLS_OID_ECDSA_SHA384, MBEDTLS_OID_SIZE(MBEDTLS_OID_ECDSA_SHA384)) ||
	    params.tag != 0 || params.len != 0)
		return MIGTD_ERR_PEER_CERT;
	if (mbedtls_asn1_get_bitstring_null(&p, end, &len) || len != (size_t)(end - p))
		return MIGTD_ERR_PEER_CERT;
	if (!mbedtls_pk_can_do(&crt->pk, MBEDTLS_PK_ECDSA) ||
	    mbedtls_pk_get_bitlen(&crt->pk) != 384)
		return MIGTD_ERR_PEER_CERT;
	if (psa_hash_compute(PSA_ALG_SHA_384, crt->tbs.p, crt->tbs.len, hash, sizeof(hash),
			     &hlen) != PSA_SUCCESS)
		return MIGTD_ERR_CRYPTO;
	if (mbedtls_pk_verify(&crt->pk, MBEDTLS_MD_SHA384, hash, hlen, p, len) != 0)
		return MIGTD_ERR_PEER_CERT;
	return MIGTD_OK;
}

static int fail(const char **reason, const char *why, int err)
{
	if (reason != NULL)
		*reason = why;
	return err;
}

/* SHA384(pubkey) == REPORTDATA[0..48] of the verified report (§5.2). */
static int check_binding(const uint8_t *pub, size_t pub_len,
			 const uint8_t report[MIGTD_VERIFIED_REPORT_SIZE])
{
	uint8_t want[TDREPORT_REPORT_DATA_SIZE];
	const uint8_t *got;
	struct wire_reader r;
	int ret;

	ret = migtd_ratls_report_data(pub, pub_len, want);
	if (ret != MIGTD_OK)
		return ret;
	migtd_wire_reader_init(&r, report, MIGTD_VERIFIED_REPORT_SIZE);
	migtd_wire_seek(&r, MIGTD_VR_REPORT_DATA);
	if (migtd_wire_read_ref(&r, &got, 48) != MIGTD_OK)
		return MIGTD_ERR_STATE;
	/* The trailing 16 bytes are not checked, like upstream. */
	return memcmp(want, got, 48) == 0 ? MIGTD_OK : MIGTD_ERR_PEER_CERT;
}

/*
 * Parse, EKU and the evidence extensions: the first checks of every variant
 * (§5.5), all MIGTD_ERR_PEER_CERT.
 */
static int parse_peer(mbedtls_x509_crt *crt, const uint8_t *der, size_t der_len,
		      struct ratls_evidence *ev, const char **reason)
{
	if (migtd_ratls_parse_cert(crt, der, der_len, 0, ev) != 0)
		return fail(reason, "peer certificate does not parse", MIGTD_ERR_PEER_CERT);
	/* mbedTLS ignores bytes after the outer SEQUENCE; webpki does not. */
	if (crt->raw.len != der_len)
		return fail(reason, "trailing bytes after the peer certificate",
			    MIGTD_ERR_PEER_CERT);
	if (crt->version != 3)
		return fail(reason, "peer certificate is not X.509 v3", MIGTD_ERR_PEER_CERT);
	if (!has_migtd_eku(crt))
		return fail(reason, "peer certificate lacks the MigTD EKU", MIGTD_ERR_PEER_CERT);
	if (ev->quote == NULL)
		return fail(reason, "peer certificate has no quote extension", MIGTD_ERR_PEER_CERT);
	if (ev->evlog == NULL)
		return fail(reason, "peer certificate has no event log extension",
			    MIGTD_ERR_PEER_CERT);
	return MIGTD_OK;
}

/* §5.5 step 4 (both variants): the quote binds this key, and the key signed
 * this certificate. */
static int check_key(mbedtls_x509_crt *crt, const uint8_t report[MIGTD_VERIFIED_REPORT_SIZE],
		     const char **reason)
{
	const uint8_t *pub = NULL;
	size_t pub_len = 0;
	int ret;

	if (p384_pubkey(crt, &pub, &pub_len) != MIGTD_OK)
		return fail(reason, "peer key is not an uncompressed P-384 point",
			    MIGTD_ERR_PEER_CERT);
	ret = check_binding(pub, pub_len, report);
	if (ret != MIGTD_OK)
		return fail(reason, "peer REPORTDATA does not bind the certificate key",
			    ret == MIGTD_ERR_PEER_CERT ? ret : MIGTD_ERR_CRYPTO);
	ret = check_self_signature(crt);
	if (ret != MIGTD_OK)
		return fail(reason, "peer certificate self-signature is invalid", ret);
	return MIGTD_OK;
}

/*
 * §5.5 policy v2: the peer's policy rides in the pre-session data, bound
 * into the certificate by its hash; the peer's quote is verified with our
 * policy's collateral inside v->authenticate, which also yields the report
 * the key check needs. There is no separate own-quote step (v1 step 1).
 */
int migtd_ratls_verify_peer_cert_v2(const struct ratls_verifier_v2 *v, const uint8_t *der,
				    size_t der_len, const char **reason)
{
	uint8_t peer[MIGTD_VERIFIED_REPORT_SIZE];
	struct ratls_evidence ev;
	mbedtls_x509_crt crt;
	int ret;

	if (reason != NULL)
		*reason = "ok";
	if (v == NULL || v->authenticate == NULL || v->peer_policy_hash == NULL ||
	    (der == NULL && der_len != 0))
		return fail(reason, "verifier not configured", MIGTD_ERR_STATE);
	mbedtls_x509_crt_init(&crt);
	memset(peer, 0, sizeof(peer));
	ret = parse_peer(&crt, der, der_len, &ev, reason);
	if (ret != MIGTD_OK)
		goto out;
	if (ev.policy_hash == NULL) {
		ret = fail(reason, "peer certificate has no policy-hash extension",
			   MIGTD_ERR_PEER_CERT);
		goto out;
	}
	/* §1.5: a hash that does not match the data the peer sent is 9. */
	if (ev.policy_hash_len != RATLS_POLICY_HASH_SIZE ||
	    memcmp(ev.policy_hash, v->peer_policy_hash, RATLS_POLICY_HASH_SIZE) != 0) {
		ret = fail(reason, "peer policy-hash extension does not match its pre-session data",
			   MIGTD_ERR_INVALID_POLICY);
		goto out;
	}
	ret = v->authenticate(v->ctx, v->is_src, v->local_quote, v->local_quote_len, ev.quote,
			      ev.quote_len, ev.evlog, ev.evlog_len, peer);
	if (ret == MIGTD_ERR_INVALID_POLICY) {
		ret = fail(reason, "migration policy is invalid", ret);
		goto out;
	}
	if (ret != MIGTD_OK) {
		ret = fail(reason, "peer does not satisfy the migration policy", MIGTD_ERR_POLICY);
		goto out;
	}
	ret = check_key(&crt, peer, reason);
out:
	mbedtls_x509_crt_free(&crt);
	mbedtls_platform_zeroize(peer, sizeof(peer));
	return ret;
}

int migtd_ratls_verify_peer_cert(const struct ratls_verifier *v, const uint8_t *der, size_t der_len,
				 const char **reason)
{
	uint8_t local[MIGTD_VERIFIED_REPORT_SIZE], peer[MIGTD_VERIFIED_REPORT_SIZE];
	struct ratls_evidence ev;
	mbedtls_x509_crt crt;
	int ret;

	if (reason != NULL)
		*reason = "ok";
	if (v == NULL || v->cb == NULL || v->cb->verify_quote == NULL ||
	    v->cb->eval_policy == NULL || (der == NULL && der_len != 0))
		return fail(reason, "verifier not configured", MIGTD_ERR_STATE);

	mbedtls_x509_crt_init(&crt);
	memset(local, 0, sizeof(local));
	memset(peer, 0, sizeof(peer));

	/* 1. Our own quote first: without it we cannot evaluate anything. */
	ret = v->local_quote == NULL
		      ? MIGTD_ERR_QUOTE
		      : v->cb->verify_quote(v->cb->ctx, v->local_quote, v->local_quote_len, local);
	if (ret == MIGTD_ERR_AGAIN)
		goto out; /* not decidable yet: the caller runs us again later */
	if (ret != MIGTD_OK) {
		ret = fail(reason, "local quote does not verify", MIGTD_ERR_QUOTE);
		goto out;
	}

	/* 2. Parse, EKU, evidence. */
	ret = parse_peer(&crt, der, der_len, &ev, reason);
	if (ret != MIGTD_OK)
		goto out;

	/* 3. The peer's quote. */
	ret = v->cb->verify_quote(v->cb->ctx, ev.quote, ev.quote_len, peer);
	if (ret == MIGTD_ERR_AGAIN)
		goto out;
	if (ret != MIGTD_OK) {
		ret = fail(reason, "peer quote does not verify", MIGTD_ERR_QUOTE);
		goto out;
	}

	/* 4. The quote binds this key, and the key signed this certificate. */
	ret = check_key(&crt, peer, reason);
	if (ret != MIGTD_OK)
		goto out;

	/* 5. Policy. */
	ret = v->cb->eval_policy(v->cb->ctx, v->is_src, local, peer, ev.evlog, ev.evlog_len);
	if (ret == MIGTD_ERR_INVALID_POLICY)
		ret = fail(reason, "migration policy is invalid", ret);
	else if (ret != MIGTD_OK)
		ret = fail(reason, "peer does not satisfy the migration policy", MIGTD_ERR_POLICY);

out:
	mbedtls_x509_crt_free(&crt);
	mbedtls_platform_zeroize(local, sizeof(local));
	mbedtls_platform_zeroize(peer, sizeof(peer));
	return ret;
}
