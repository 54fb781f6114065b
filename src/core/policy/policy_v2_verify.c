/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * policy_v2_verify.c -- the crypto of policy v2 (docs/policy-v2.md,
 * docs/protocol.md §7.7.2, §7.7.4, §7.7.6): the signatures over the raw
 * bytes of policyData / tdIdentity / tdTcbMapping, the P-384 issuer chains,
 * the collateral for one FMSPC, and quote verification with it.
 *
 * Signatures are checked with the legacy mbedtls_ecdsa_read_signature() on
 * the certificate's own EC key, like the quote verifier (no PSA set-up
 * needed). The chain rules are upstream's: every certificate ECDSA P-384
 * with ecdsa-with-SHA384 (the leaf's own signatureAlgorithm selects the
 * verification algorithm, so it too must be SHA-384), each signed by the
 * next, no validity periods (a MigTD has no trusted clock), no trust anchor
 * here -- the enrolled chain is trusted because it is measured into RTMR1,
 * and a peer's chain is compared with ours (policy_v2_eval.c).
 */
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha512.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "../quote/quote_internal.h"
#include "migtd/fmt.h"
#include "migtd/wire.h"
#include "policy_v2_internal.h"

/* DER ECDSA-P384 signatures are at most 104 bytes; leave room for odd encodings. */
#define PV2_MAX_SIG 160u

/* mbedtls_sha512() with is384 = 1 writes exactly 48 bytes. */
static int sha384(const void *p, size_t n, uint8_t out[48])
{
	return mbedtls_sha512(p, n, out, 1);
}

/* ---------------------------------------------------------------- JSON strings */

static int utf8_put(uint8_t *out, size_t cap, size_t *o, uint32_t cp)
{
	uint8_t b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xC0 | (cp >> 6));
		b[1] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xE0 | (cp >> 12));
		b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xF0 | (cp >> 18));
		b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if (cap - *o < n + 1)
		return -1;
	memcpy(out + *o, b, n);
	*o += n;
	return 0;
}

static int hex4(const uint8_t *s, uint32_t *v)
{
	*v = 0;
	for (int k = 0; k < 4; k++) {
		int h = migtd_hex_digit((char)s[k]);

		if (h < 0)
			return -1;
		*v = (*v << 4) | (uint32_t)h;
	}
	return 0;
}

long migtd_pv2_unescape(const uint8_t *src, size_t len, uint8_t *out, size_t cap)
{
	size_t i = 0, o = 0;

	if (cap == 0)
		return -1;
	while (i < len) {
		uint8_t ch = src[i++];
		uint32_t cp, lo;

		if (ch != '\\') {
			if (cap - o < 2)
				return -1;
			out[o++] = ch;
			continue;
		}
		if (i >= len)
			return -1;
		ch = src[i++];
		switch (ch) {
		case '"':
		case '\\':
		case '/': cp = ch; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (len - i < 4 || hex4(src + i, &cp))
				return -1;
			i += 4;
			if (cp >= 0xD800 && cp < 0xDC00) {
				if (len - i < 6 || src[i] != '\\' || src[i + 1] != 'u' ||
				    hex4(src + i + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
					return -1;
				i += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp < 0xE000) {
				return -1;
			}
			break;
		default: return -1;
		}
		if (utf8_put(out, cap, &o, cp))
			return -1;
	}
	out[o] = 0;
	return (long)o;
}

/* Decode an escaped span of p->doc into a fresh heap buffer (NUL-terminated). */
static enum migtd_pv2_result decode(const uint8_t *doc, struct migtd_pv2_span s, uint8_t **out,
				    size_t *out_len)
{
	long n;

	*out = mbedtls_calloc(1, (size_t)s.len + 1);
	if (!*out)
		return MIGTD_PV2_NO_MEMORY;
	n = migtd_pv2_unescape(doc + s.off, s.len, *out, (size_t)s.len + 1);
	if (n < 0) {
		mbedtls_free(*out);
		*out = NULL;
		return MIGTD_PV2_INVALID_POLICY;
	}
	*out_len = (size_t)n;
	return MIGTD_PV2_OK;
}

/* ---------------------------------------------------------------- chains */

static bool key_is_p384(const mbedtls_x509_crt *c)
{
	const mbedtls_ecp_keypair *kp;

	if (mbedtls_pk_get_type(&c->pk) != MBEDTLS_PK_ECKEY)
		return false;
	kp = mbedtls_pk_ec(c->pk);
	return kp && mbedtls_ecp_keypair_get_group_id(kp) == MBEDTLS_ECP_DP_SECP384R1;
}

static bool alg_is_ecdsa_sha384(const mbedtls_x509_crt *c)
{
	return c->MBEDTLS_PRIVATE(sig_md) == MBEDTLS_MD_SHA384 &&
	       c->MBEDTLS_PRIVATE(sig_pk) == MBEDTLS_PK_ECDSA;
}

/* ECDSA verify of a DER signature over SHA384(data) with a certificate's key. */
static bool ecdsa384_ok(const mbedtls_x509_crt *signer, const uint8_t *data, size_t len,
			const uint8_t *sig, size_t sig_len)
{
	uint8_t h[48];

	if (!key_is_p384(signer) || sha384(data, len, h) != 0)
		return false;
	return mbedtls_ecdsa_read_signature(mbedtls_pk_ec(signer->pk), h, sizeof(h), sig,
					    sig_len) == 0;
}

/*
 * Parse a PEM chain (leaf first), check the upstream chain rules and fill
 * info. *out keeps the parsed chain for the caller (free with
 * mbedtls_x509_crt_free) when out is not NULL.
 */
static enum migtd_pv2_result chain_load(const uint8_t *pem, size_t len, mbedtls_x509_crt *chain,
					struct migtd_pv2_chain_info *info, const char **why)
{
	const mbedtls_x509_crt *c;
	uint8_t raw[97];
	size_t olen = 0;
	int n;

	memset(info, 0, sizeof(*info));
	if (len == 0 || len > MIGTD_PV2_MAX_CHAIN) {
		*why = "issuer chain empty or larger than MIGTD_PV2_MAX_CHAIN";
		return MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED;
	}
	n = migtd_qv_load_certs(pem, len, chain);
	if (n == MIGTD_ERR_NOMEM)
		return MIGTD_PV2_NO_MEMORY;
	if (n < 1 || (unsigned)n > MIGTD_PV2_MAX_CHAIN_CERTS) {
		*why = "issuer chain does not parse, or has too many certificates";
		return MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED;
	}
	info->ncerts = (unsigned)n;
	info->issuers_are_ca = true;
	for (c = chain; c; c = c->next) {
		if (!key_is_p384(c) || !alg_is_ecdsa_sha384(c)) {
			*why = "issuer chain certificate is not ECDSA P-384 / ecdsa-with-SHA384";
			return MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED;
		}
		if (c->next &&
		    !ecdsa384_ok(c->next, c->tbs.p, c->tbs.len, c->MBEDTLS_PRIVATE(sig).p,
				 c->MBEDTLS_PRIVATE(sig).len)) {
			*why = "issuer chain certificate not signed by the next one";
			return MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED;
		}
		if (c != chain && mbedtls_x509_crt_get_ca_istrue(c) != 1)
			info->issuers_are_ca = false;
		if (!c->next && sha384(c->raw.p, c->raw.len, info->root_der_sha384) != 0)
			return MIGTD_PV2_NO_MEMORY;
	}
	if (mbedtls_ecp_write_public_key(mbedtls_pk_ec(chain->pk), MBEDTLS_ECP_PF_UNCOMPRESSED,
					 &olen, raw, sizeof(raw)) != 0 ||
	    olen != sizeof(raw) || sha384(raw, sizeof(raw), info->leaf_key_sha384) != 0 ||
	    sha384(chain->subject_raw.p, chain->subject_raw.len, info->leaf_subject_sha384) != 0) {
		*why = "issuer chain leaf key unusable";
		return MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED;
	}
	return MIGTD_PV2_OK;
}

/* Verify hex signature sig (span of doc) over the raw span data with the chain's leaf. */
static bool signed_ok(const uint8_t *doc, struct migtd_pv2_span data, struct migtd_pv2_span sig,
		      const mbedtls_x509_crt *leaf)
{
	uint8_t der[PV2_MAX_SIG];
	size_t n = sig.len / 2;

	if (sig.len % 2 || n == 0 || n > sizeof(der) ||
	    migtd_unhex((const char *)doc + sig.off, der, n) != 0)
		return false;
	return ecdsa384_ok(leaf, doc + data.off, data.len, der, n);
}

/* One embedded signed part: decode its chain, check it, verify the signature. */
static enum migtd_pv2_result embedded(const uint8_t *doc, struct migtd_pv2_span chain_s,
				      struct migtd_pv2_span data, struct migtd_pv2_span sig,
				      struct migtd_pv2_chain_info *info, const char *what,
				      struct migtd_pv2_explain *ex)
{
	mbedtls_x509_crt chain;
	uint8_t *pem = NULL;
	size_t pem_len = 0;
	const char *why = "";
	enum migtd_pv2_result r;

	mbedtls_x509_crt_init(&chain);
	r = decode(doc, chain_s, &pem, &pem_len);
	if (r) {
		migtd_pv2_fail(ex, r, "signature", "%s issuer chain: bad JSON string", what);
		goto out;
	}
	r = chain_load(pem, pem_len, &chain, info, &why);
	if (r) {
		migtd_pv2_fail(ex, r, "signature", "%s: %s", what, why);
		goto out;
	}
	if (!signed_ok(doc, data, sig, &chain))
		r = migtd_pv2_fail(ex, MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED, "signature",
				   "%s: the signature does not verify with its issuer chain", what);
out:
	mbedtls_x509_crt_free(&chain);
	mbedtls_free(pem);
	return r;
}

/* ---------------------------------------------------------------- CRL numbers, root */

/* cRLNumber (2.5.29.20) of a CRL; must fit u32. */
static int crl_number(const mbedtls_x509_crl *crl, uint32_t *out)
{
	unsigned char *p = crl->crl_ext.p, *end;
	size_t len;

	if (!p || crl->crl_ext.len == 0)
		return -1;
	end = p + crl->crl_ext.len;
	if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
		return -1;
	end = p + len;
	while (p < end) {
		unsigned char *ext_end, *oid;
		size_t oid_len;
		int crit, v;

		if (mbedtls_asn1_get_tag(&p, end, &len,
					 MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE))
			return -1;
		ext_end = p + len;
		if (mbedtls_asn1_get_tag(&p, ext_end, &oid_len, MBEDTLS_ASN1_OID))
			return -1;
		oid = p;
		p += oid_len;
		if (mbedtls_asn1_get_bool(&p, ext_end, &crit) && p < ext_end &&
		    *p == MBEDTLS_ASN1_BOOLEAN)
			return -1;
		if (oid_len == MBEDTLS_OID_SIZE(MBEDTLS_OID_CRL_NUMBER) &&
		    memcmp(oid, MBEDTLS_OID_CRL_NUMBER, oid_len) == 0) {
			if (mbedtls_asn1_get_tag(&p, ext_end, &len, MBEDTLS_ASN1_OCTET_STRING) ||
			    mbedtls_asn1_get_int(&p, p + len, &v) || v < 0)
				return -1;
			*out = (uint32_t)v;
			return 0;
		}
		p = ext_end;
	}
	return -1;
}

static enum migtd_pv2_result load_crl_num(const uint8_t *doc, struct migtd_pv2_span s,
					  uint32_t *num, const char *what,
					  struct migtd_pv2_explain *ex)
{
	mbedtls_x509_crl crl;
	uint8_t *buf = NULL;
	size_t len = 0;
	enum migtd_pv2_result r;
	int ret;

	mbedtls_x509_crl_init(&crl);
	r = decode(doc, s, &buf, &len);
	if (r)
		goto out;
	ret = migtd_qv_load_crl(buf, len, &crl);
	if (ret == MIGTD_ERR_NOMEM)
		r = MIGTD_PV2_NO_MEMORY;
	else if (ret || crl_number(&crl, num))
		r = migtd_pv2_fail(ex, MIGTD_PV2_INVALID_COLLATERAL, "load",
				   "collaterals.%s: not a CRL with a u32 cRLNumber", what);
out:
	mbedtls_x509_crl_free(&crl);
	mbedtls_free(buf);
	return r;
}

static enum migtd_pv2_result load_root(struct migtd_policy_v2 *p, struct migtd_pv2_explain *ex)
{
	mbedtls_x509_crt crt;
	uint8_t *buf = NULL;
	size_t len = 0;
	enum migtd_pv2_result r;
	int ret;

	mbedtls_x509_crt_init(&crt);
	r = decode(p->doc, p->root_ca, &buf, &len);
	if (r)
		goto out;
	ret = migtd_qv_load_certs(buf, len, &crt);
	if (ret == MIGTD_ERR_NOMEM)
		r = MIGTD_PV2_NO_MEMORY;
	else if (ret != 1 || migtd_qv_cert_key(&crt, p->root_ca_key))
		r = migtd_pv2_fail(ex, MIGTD_PV2_INVALID_COLLATERAL, "load",
				   "collaterals.rootCa: not one P-256 certificate");
out:
	mbedtls_x509_crt_free(&crt);
	mbedtls_free(buf);
	return r;
}

/* ---------------------------------------------------------------- load */

enum migtd_pv2_result migtd_pv2_verify_outer(struct migtd_policy_v2 *p, const uint8_t *doc,
					     size_t doc_len, struct migtd_pv2_explain *ex)
{
	struct pv2_signed_parts sp;

	return migtd_pv2_parse_doc(p, PV2_DOC_OUTER, doc, doc_len, &sp, ex);
}

enum migtd_pv2_result migtd_pv2_verify_rest(struct migtd_policy_v2 *p, const uint8_t *chain,
					    size_t chain_len, struct migtd_pv2_explain *ex)
{
	mbedtls_x509_crt crt;
	struct migtd_pv2_chain_info info;
	struct pv2_signed_parts sp;
	const uint8_t *doc = p->doc;
	size_t doc_len = p->doc_len;
	const char *why = "";
	enum migtd_pv2_result r;

	/* the policy signature over the raw policyData (spans kept by
	 * migtd_pv2_verify_outer), before its schema */
	mbedtls_x509_crt_init(&crt);
	r = chain_load(chain, chain_len, &crt, &info, &why);
	if (r) {
		migtd_pv2_fail(ex, r, "signature", "policy issuer chain: %s", why);
		goto out;
	}
	if (!signed_ok(doc, p->policy_data, p->policy_sig, &crt)) {
		r = migtd_pv2_fail(ex, MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED, "signature",
				   "the policy signature does not verify over the raw policyData "
				   "bytes with the issuer chain's leaf key");
		goto out;
	}
	/* the schema, then the servtd signatures, then id / version */
	r = migtd_pv2_parse_doc(p, PV2_DOC_POLICY, doc, doc_len, &sp, ex);
	if (r)
		goto out;
	p->chain = chain;
	p->chain_len = chain_len;
	p->policy_chain = info;
	r = embedded(doc, sp.identity_chain, sp.identity, sp.identity_sig, &p->identity_chain,
		     "servtdIdentity", ex);
	if (!r)
		r = embedded(doc, sp.mapping_chain, sp.mapping, sp.mapping_sig, &p->mapping_chain,
			     "servtdTcbMapping", ex);
	if (!r && (p->id.len == 0 || !sp.version_ok))
		r = migtd_pv2_fail(ex, MIGTD_PV2_INVALID_PARAMETER, "load",
				   "policyData.id is empty or policyData.version is not \"2.0\"");
out:
	mbedtls_x509_crt_free(&crt);
	return r;
}

/* After the signatures: what the collateral must yield (§7.7.4, §7.7.6 step 2). */
enum migtd_pv2_result migtd_pv2_load_facts(struct migtd_policy_v2 *p, struct migtd_pv2_explain *ex)
{
	enum migtd_pv2_result r = load_root(p, ex);

	if (!r)
		r = load_crl_num(p->doc, p->pck_crl, &p->pck_crl_num, "pckCrl", ex);
	if (!r)
		r = load_crl_num(p->doc, p->root_ca_crl, &p->root_ca_crl_num, "rootCaCrl", ex);
	return r;
}

enum migtd_pv2_result migtd_policy_v2_load(struct migtd_policy_v2 *p, const uint8_t *doc,
					   size_t doc_len, const uint8_t *chain, size_t chain_len,
					   struct migtd_pv2_explain *ex)
{
	enum migtd_pv2_result r;

	if (ex)
		memset(ex, 0, sizeof(*ex));
	r = migtd_pv2_verify_outer(p, doc, doc_len, ex);
	if (!r)
		r = migtd_pv2_verify_rest(p, chain, chain_len, ex);
	if (!r)
		r = migtd_pv2_load_facts(p, ex);
	return r;
}

/* ---------------------------------------------------------------- owner */

void migtd_policy_v2_owner(const struct migtd_policy_v2 *p, uint8_t mrowner[48],
			   uint8_t mrownerconfig[48])
{
	memcpy(mrowner, p->policy_chain.leaf_key_sha384, 48);
	memset(mrownerconfig, 0, 48);
	migtd_wire_put_u32(mrownerconfig, p->policy_svn);
}

enum migtd_pv2_result migtd_policy_v2_check_owner(const struct migtd_policy_v2 *p,
						  const uint8_t mrowner[48],
						  const uint8_t mrownerconfig[48],
						  struct migtd_pv2_explain *ex)
{
	uint8_t o[48], oc[48];

	migtd_policy_v2_owner(p, o, oc);
	if (memcmp(o, mrowner, 48) != 0)
		return migtd_pv2_fail(ex, MIGTD_PV2_INVALID_TD_REPORT, "owner",
				      "MROWNER is not SHA384 of the policy signer's public key");
	if (memcmp(oc, mrownerconfig, 48) != 0)
		return migtd_pv2_fail(
			ex, MIGTD_PV2_INVALID_TD_REPORT, "owner",
			"MROWNERCONFIG is not policySvn %u (u32 LE) and 44 zero bytes",
			(unsigned)p->policy_svn);
	return MIGTD_PV2_OK;
}

/* ---------------------------------------------------------------- collateral */

/* tcbInfo.tcbEvaluationDataNumber of a decoded TCB Info document. */
static int eval_number(const uint8_t *js, size_t len, uint32_t *out)
{
	jsmn_parser jp;
	jsmntok_t *t;
	int n, ret = -1, ti = -1;

	jsmn_init(&jp);
	n = jsmn_parse(&jp, (const char *)js, len, NULL, 0);
	if (n <= 0 || n > 8192)
		return -1;
	t = mbedtls_calloc((size_t)n, sizeof(*t));
	if (!t)
		return -1;
	jsmn_init(&jp);
	if (jsmn_parse(&jp, (const char *)js, len, t, (unsigned)n) != n || t[0].type != JSMN_OBJECT)
		goto out;
	/* Find the "tcbInfo" member of the top object, then its evaluation number:
	 * keys of an object are followed by their value subtree. */
	for (int i = 1; i + 1 < n; i++) {
		size_t kl = (size_t)(t[i].end - t[i].start);

		if (t[i].type != JSMN_STRING || t[i].size != 1)
			continue;
		if (ti < 0 && kl == 7 && memcmp(js + t[i].start, "tcbInfo", 7) == 0 &&
		    t[i + 1].type == JSMN_OBJECT) {
			ti = i + 1;
			continue;
		}
		if (ti >= 0 && t[i].start > t[ti].start && t[i].end < t[ti].end && kl == 23 &&
		    memcmp(js + t[i].start, "tcbEvaluationDataNumber", 23) == 0 &&
		    t[i + 1].type == JSMN_PRIMITIVE) {
			uint64_t v = 0;
			int k;

			for (k = t[i + 1].start; k < t[i + 1].end; k++) {
				if (js[k] < '0' || js[k] > '9' || v > UINT32_MAX)
					goto out;
				v = v * 10u + (uint64_t)(js[k] - '0');
			}
			if (v > UINT32_MAX || k == t[i + 1].start)
				goto out;
			*out = (uint32_t)v;
			ret = 0;
			goto out;
		}
	}
out:
	mbedtls_free(t);
	return ret;
}

static const struct migtd_pv2_platform *find_platform(const struct migtd_policy_v2 *p,
						      const uint8_t fmspc[6])
{
	for (unsigned k = 0; k < p->nplatforms; k++)
		if (memcmp(p->platforms[k].fmspc, fmspc, 6) == 0)
			return &p->platforms[k];
	return NULL;
}

enum migtd_pv2_result migtd_pv2_eval_number(const struct migtd_policy_v2 *p, const uint8_t fmspc[6],
					    uint32_t *out)
{
	const struct migtd_pv2_platform *pl = find_platform(p, fmspc);
	enum migtd_pv2_result r;
	uint8_t *js;
	size_t len;

	if (!pl)
		return MIGTD_PV2_INVALID_COLLATERAL;
	r = decode(p->doc, pl->tcb_info, &js, &len);
	if (r == MIGTD_PV2_INVALID_POLICY)
		return MIGTD_PV2_INVALID_COLLATERAL;
	if (r)
		return r;
	if (eval_number(js, len, out))
		r = MIGTD_PV2_INVALID_COLLATERAL;
	mbedtls_free(js);
	return r;
}

/* The six strings of one platform's collateral, decoded back to back into out->buf. */
static enum migtd_pv2_result decode_collateral(const struct migtd_policy_v2 *p,
					       const struct migtd_pv2_platform *pl,
					       struct migtd_pv2_collateral *out)
{
	const struct {
		struct migtd_pv2_span src;
		const uint8_t **dst;
		size_t *dst_len;
	} parts[6] = {
		{ pl->tcb_info, &out->c.tcb_info, &out->c.tcb_info_len },
		{ pl->tcb_info_issuer_chain, &out->c.tcb_info_issuer_chain,
		  &out->c.tcb_info_issuer_chain_len },
		{ p->qe_identity, &out->c.qe_identity, &out->c.qe_identity_len },
		{ p->qe_identity_issuer_chain, &out->c.qe_identity_issuer_chain,
		  &out->c.qe_identity_issuer_chain_len },
		{ p->pck_crl, &out->c.pck_crl, &out->c.pck_crl_len },
		{ p->root_ca_crl, &out->c.root_crl, &out->c.root_crl_len },
	};
	size_t total = 0, o = 0;

	for (unsigned k = 0; k < 6; k++)
		total += (size_t)parts[k].src.len + 1;
	out->buf = mbedtls_calloc(1, total);
	if (!out->buf)
		return MIGTD_PV2_NO_MEMORY;
	out->buf_len = total;
	for (unsigned k = 0; k < 6; k++) {
		long n = migtd_pv2_unescape(p->doc + parts[k].src.off, parts[k].src.len,
					    out->buf + o, total - o);

		if (n < 0) {
			migtd_policy_v2_collateral_free(out);
			return MIGTD_PV2_INVALID_COLLATERAL;
		}
		*parts[k].dst = out->buf + o;
		*parts[k].dst_len = (size_t)n;
		o += (size_t)n + 1;
	}
	if (eval_number(out->c.tcb_info, out->c.tcb_info_len, &out->tcb_evaluation_number)) {
		migtd_policy_v2_collateral_free(out);
		return MIGTD_PV2_INVALID_COLLATERAL;
	}
	return MIGTD_PV2_OK;
}

enum migtd_pv2_result migtd_policy_v2_collateral(const struct migtd_policy_v2 *p,
						 const uint8_t fmspc[6],
						 struct migtd_pv2_collateral *out)
{
	const struct migtd_pv2_platform *pl = find_platform(p, fmspc);

	memset(out, 0, sizeof(*out));
	return pl ? decode_collateral(p, pl, out) : MIGTD_PV2_INVALID_COLLATERAL;
}

void migtd_policy_v2_collateral_free(struct migtd_pv2_collateral *c)
{
	if (c->buf) {
		mbedtls_platform_zeroize(c->buf, c->buf_len);
		mbedtls_free(c->buf);
	}
	memset(c, 0, sizeof(*c));
}

/* ---------------------------------------------------------------- quotes */

struct prov {
	const struct migtd_policy_v2 *p;
	struct migtd_pv2_collateral coll;
	enum migtd_pv2_result r;
};

static int provide(void *ctx, const uint8_t fmspc[6], enum migtd_pck_ca ca,
		   const struct migtd_quote_collateral **out)
{
	struct prov *pv = ctx;

	(void)ca;
	pv->r = migtd_policy_v2_collateral(pv->p, fmspc, &pv->coll);
	if (pv->r)
		return pv->r == MIGTD_PV2_NO_MEMORY ? MIGTD_ERR_NOMEM : MIGTD_ERR_QUOTE;
	*out = &pv->coll.c;
	return MIGTD_OK;
}

enum migtd_pv2_result migtd_pv2_verify_quote_ex(const struct migtd_policy_v2 *p,
						const uint8_t *quote, size_t quote_len,
						enum migtd_quote_time_mode time_mode, int64_t now,
						struct migtd_sig_cache *sig_cache,
						uint8_t report[MIGTD_VERIFIED_REPORT_SIZE],
						uint32_t *eval_num, struct migtd_pv2_explain *ex)
{
	struct migtd_quote_verify_params params;
	struct migtd_quote_verify_result *res;
	struct prov pv;
	enum migtd_pv2_result r;
	int ret;

	memset(&pv, 0, sizeof(pv));
	pv.p = p;
	res = mbedtls_calloc(1, sizeof(*res));
	if (!res)
		return migtd_pv2_fail(ex, MIGTD_PV2_NO_MEMORY, "quote", "no memory");
	memset(&params, 0, sizeof(params));
	params.root_ca = p->root_ca_key;
	params.root_ca_len = sizeof(p->root_ca_key);
	params.now = now;
	params.time_mode = time_mode;
	params.provider = provide;
	params.provider_ctx = &pv;
	params.sig_cache = sig_cache;
	ret = migtd_quote_verify(quote, quote_len, &params, res, report);
	if (ret == MIGTD_OK) {
		if (eval_num)
			*eval_num = pv.coll.tcb_evaluation_number;
		r = MIGTD_PV2_OK;
	} else if (pv.r == MIGTD_PV2_INVALID_COLLATERAL) {
		char hex[13];

		migtd_hex(hex, sizeof(hex), res->pck.fmspc, 6);
		r = migtd_pv2_fail(ex, MIGTD_PV2_INVALID_COLLATERAL, "quote",
				   "the policy has no collateral for FMSPC %s", hex);
	} else if (ret == MIGTD_ERR_NOMEM || pv.r == MIGTD_PV2_NO_MEMORY) {
		r = migtd_pv2_fail(ex, MIGTD_PV2_NO_MEMORY, "quote", "no memory");
	} else {
		r = migtd_pv2_fail(ex, MIGTD_PV2_QUOTE_VERIFICATION, "quote",
				   "quote verification failed at %s: %s",
				   migtd_quote_step_name(res->failed_step),
				   res->failed_step < MIGTD_QSTEP_COUNT &&
						   res->reason[res->failed_step]
					   ? res->reason[res->failed_step]
					   : "?");
	}
	migtd_policy_v2_collateral_free(&pv.coll);
	mbedtls_free(res);
	return r;
}

enum migtd_pv2_result migtd_policy_v2_verify_quote(const struct migtd_policy_v2 *p,
						   const uint8_t *quote, size_t quote_len,
						   enum migtd_quote_time_mode time_mode,
						   int64_t now, struct migtd_sig_cache *sig_cache,
						   uint8_t report[MIGTD_VERIFIED_REPORT_SIZE],
						   struct migtd_pv2_explain *ex)
{
	return migtd_pv2_verify_quote_ex(p, quote, quote_len, time_mode, now, sig_cache, report,
					 NULL, ex);
}

/* ---------------------------------------------------------------- servtd documents */

/* A signed part checked with a raw (unescaped) PEM chain. */
static enum migtd_pv2_result signed_with(const uint8_t *doc, struct migtd_pv2_span data,
					 struct migtd_pv2_span sig, const uint8_t *pem,
					 size_t pem_len, struct migtd_pv2_explain *ex)
{
	mbedtls_x509_crt chain;
	struct migtd_pv2_chain_info info;
	const char *why = "";
	enum migtd_pv2_result r;

	mbedtls_x509_crt_init(&chain);
	r = chain_load(pem, pem_len, &chain, &info, &why);
	if (r)
		migtd_pv2_fail(ex, r, "signature", "issuer chain: %s", why);
	else if (!signed_ok(doc, data, sig, &chain))
		r = migtd_pv2_fail(ex, MIGTD_PV2_SIGNATURE_VERIFICATION_FAILED, "signature",
				   "the signature does not verify with the issuer chain");
	mbedtls_x509_crt_free(&chain);
	return r;
}

enum migtd_pv2_result migtd_policy_v2_verify_servtd(unsigned kind, const uint8_t *doc, size_t len,
						    const uint8_t *chain, size_t chain_len,
						    struct migtd_pv2_explain *ex)
{
	static const enum pv2_doc_kind kinds[3] = { PV2_DOC_SERVTD_COLLATERAL, PV2_DOC_TD_IDENTITY,
						    PV2_DOC_TD_TCB_MAPPING };
	struct migtd_policy_v2 *p;
	struct pv2_signed_parts sp;
	enum migtd_pv2_result r;

	if (ex)
		memset(ex, 0, sizeof(*ex));
	if (kind > 2)
		return migtd_pv2_fail(ex, MIGTD_PV2_INVALID_PARAMETER, "input", "unknown kind");
	p = mbedtls_calloc(1, sizeof(*p));
	if (!p)
		return migtd_pv2_fail(ex, MIGTD_PV2_NO_MEMORY, "load", "no memory");
	r = migtd_pv2_parse_doc(p, kinds[kind], doc, len, &sp, ex);
	if (!r && kind == 0) {
		r = embedded(doc, sp.identity_chain, sp.identity, sp.identity_sig,
			     &p->identity_chain, "servtdIdentity", ex);
		if (!r)
			r = embedded(doc, sp.mapping_chain, sp.mapping, sp.mapping_sig,
				     &p->mapping_chain, "servtdTcbMapping", ex);
	} else if (!r && kind == 1) {
		r = signed_with(doc, sp.identity, sp.identity_sig, chain, chain_len, ex);
	} else if (!r) {
		r = signed_with(doc, sp.mapping, sp.mapping_sig, chain, chain_len, ex);
	}
	mbedtls_free(p);
	return r;
}
