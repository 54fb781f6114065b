/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * pki_v2.c -- the emulated PKI's policy v2 side (docs/policy-v2.md): a P-384
 * policy issuer, and signed v2 policies carrying the emulated platforms'
 * collateral, their MigTD identity and TCB mapping.
 *
 * Everything signed is written as compact JSON first and then signed as
 * those exact bytes, the way upstream's json-signer does, so what the MigTD
 * verifies is byte for byte what was signed.
 */
#include "emu_pki_v2.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/sha512.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include "emu_pki.h"
#include "hostio.h"
#include "migtd/err.h"
#include "migtd/fmt.h"

#define V2_NOT_BEFORE "20240101000000"
#define V2_NOT_AFTER "20491231235959"
#define V2_CERT_MAX 2048

/* ------------------------------------------------------------ keys and certificates */

static int key_new(mbedtls_pk_context *pk)
{
	if (mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP384R1, mbedtls_pk_ec(*pk),
				mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE) != 0)
		return MIGTD_ERR_CRYPTO;
	return MIGTD_OK;
}

/* A P-384 certificate signed with ecdsa-with-SHA384, as PEM appended to pem. */
static int cert_pem(mbedtls_pk_context *subject, mbedtls_pk_context *issuer, const char *sname,
		    const char *iname, int is_ca, uint8_t serial, char *pem, size_t cap,
		    size_t *used)
{
	mbedtls_x509write_cert crt;
	uint8_t buf[V2_CERT_MAX];
	size_t olen = 0;
	int n, ret = MIGTD_ERR_CRYPTO;

	mbedtls_x509write_crt_init(&crt);
	mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA384);
	mbedtls_x509write_crt_set_subject_key(&crt, subject);
	mbedtls_x509write_crt_set_issuer_key(&crt, issuer);
	if (mbedtls_x509write_crt_set_serial_raw(&crt, &serial, 1) ||
	    mbedtls_x509write_crt_set_validity(&crt, V2_NOT_BEFORE, V2_NOT_AFTER) ||
	    mbedtls_x509write_crt_set_subject_name(&crt, sname) ||
	    mbedtls_x509write_crt_set_issuer_name(&crt, iname) ||
	    mbedtls_x509write_crt_set_basic_constraints(&crt, is_ca, is_ca ? 1 : -1) ||
	    mbedtls_x509write_crt_set_key_usage(&crt, is_ca ? MBEDTLS_X509_KU_KEY_CERT_SIGN |
								      MBEDTLS_X509_KU_CRL_SIGN
							    : MBEDTLS_X509_KU_DIGITAL_SIGNATURE))
		goto out;
	n = mbedtls_x509write_crt_der(&crt, buf, sizeof(buf), mbedtls_psa_get_random,
				      MBEDTLS_PSA_RANDOM_STATE);
	if (n <= 0)
		goto out;
	if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
				     buf + sizeof(buf) - n, (size_t)n, (unsigned char *)pem + *used,
				     cap - *used, &olen))
		goto out;
	*used += olen - 1; /* olen counts the NUL */
	ret = MIGTD_OK;
out:
	mbedtls_x509write_crt_free(&crt);
	return ret;
}

int emu_pki_v2_issuer_init(const char *dir, const char *cn, int force, char *msg, size_t msglen)
{
	mbedtls_pk_context root, leaf;
	char pem[2 * V2_CERT_MAX], leaf_name[160];
	static const char root_name[] = "CN=MigTD Policy Root CA (emulated),O=migtd-c,C=XX";
	size_t used = 0;
	struct stat st;
	char p[EMU_PKI_PATH_MAX];
	int ret;

	if (psa_crypto_init() != PSA_SUCCESS) {
		emu_pki_set_msg(msg, msglen, "PSA crypto initialisation failed");
		return MIGTD_ERR_CRYPTO;
	}
	if (emu_pki_path(p, sizeof(p), dir, "policy_issuer.key.pem"))
		return MIGTD_ERR_INVALID;
	if (!force && stat(p, &st) == 0)
		return MIGTD_OK;
	if (mkdir(dir, 0755) != 0 && stat(dir, &st) != 0) {
		emu_pki_set_msg(msg, msglen, "cannot create %s", dir);
		return MIGTD_ERR_INVALID;
	}
	snprintf(leaf_name, sizeof(leaf_name), "CN=%s,O=migtd-c,C=XX",
		 cn ? cn : "MigTD Policy Issuer");
	mbedtls_pk_init(&root);
	mbedtls_pk_init(&leaf);
	ret = key_new(&root);
	if (!ret)
		ret = key_new(&leaf);
	/* leaf first, then the root (self-signed), as the MigTD reads the chain */
	if (!ret)
		ret = cert_pem(&leaf, &root, leaf_name, root_name, 0, 2, pem, sizeof(pem), &used);
	if (!ret)
		ret = cert_pem(&root, &root, root_name, root_name, 1, 1, pem, sizeof(pem), &used);
	if (!ret)
		ret = emu_pki_key_save(&leaf, dir, "policy_issuer.key.pem");
	if (!ret)
		ret = emu_pki_key_save(&root, dir, "policy_issuer_root.key.pem");
	if (!ret)
		ret = emu_pki_write_in(dir, "policy_issuer_chain.pem", pem, used, 0644);
	if (ret)
		emu_pki_set_msg(msg, msglen, "cannot create the policy issuer in %s: %s", dir,
				migtd_err_str(ret));
	mbedtls_pk_free(&root);
	mbedtls_pk_free(&leaf);
	return ret;
}

/* ------------------------------------------------------------ JSON text */

struct sb {
	char *p;
	size_t len, cap;
	int err;
};

static void sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (b->cap - b->len < n + 1) {
		size_t cap = (b->cap + n + 1) * 2;
		char *q = realloc(b->p, cap);

		if (!q) {
			b->err = MIGTD_ERR_NOMEM;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_puts(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->err = MIGTD_ERR_NOSPACE;
		return;
	}
	sb_add(b, tmp, (size_t)n);
}

/* A JSON string: quotes, backslashes and control characters escaped. */
static void sb_jstr(struct sb *b, const uint8_t *s, size_t n)
{
	sb_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		char e[8];

		if (s[i] == '"' || s[i] == '\\') {
			e[0] = '\\';
			e[1] = (char)s[i];
			sb_add(b, e, 2);
		} else if (s[i] == '\n') {
			sb_add(b, "\\n", 2);
		} else if (s[i] < 0x20) {
			snprintf(e, sizeof(e), "\\u%04x", s[i]);
			sb_add(b, e, 6);
		} else {
			sb_add(b, (const char *)s + i, 1);
		}
	}
	sb_add(b, "\"", 1);
}

static void sb_hex(struct sb *b, const uint8_t *v, size_t n)
{
	char h[2 * 64 + 1];

	for (size_t i = 0; i < n && i < 64; i++)
		snprintf(h + 2 * i, 3, "%02X", v[i]);
	sb_add(b, "\"", 1);
	sb_add(b, h, 2 * (n < 64 ? n : 64));
	sb_add(b, "\"", 1);
}

/* ------------------------------------------------------------ signing */

int emu_pki_v2_sign(mbedtls_pk_context *key, const char *name, const uint8_t *data, size_t data_len,
		    char **out, size_t *out_len)
{
	uint8_t full[64], der[MBEDTLS_ECDSA_MAX_LEN];
	size_t der_len = 0;
	struct sb b = { 0 };

	if (mbedtls_sha512(data, data_len, full, 1) != 0 ||
	    mbedtls_pk_sign(key, MBEDTLS_MD_SHA384, full, 48, der, sizeof(der), &der_len,
			    mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE) != 0)
		return MIGTD_ERR_CRYPTO;
	sb_printf(&b, "{\"%s\":", name);
	sb_add(&b, (const char *)data, data_len);
	sb_puts(&b, ",\"signature\":");
	{
		struct sb h = { 0 };

		for (size_t i = 0; i < der_len; i++)
			sb_printf(&h, "%02X", der[i]);
		if (h.err) {
			free(h.p);
			free(b.p);
			return h.err;
		}
		sb_add(&b, "\"", 1);
		sb_add(&b, h.p, h.len);
		sb_add(&b, "\"", 1);
		free(h.p);
	}
	sb_puts(&b, "}");
	if (b.err) {
		free(b.p);
		return b.err;
	}
	*out = b.p;
	*out_len = b.len;
	return MIGTD_OK;
}

/* ------------------------------------------------------------ the policy */

/* Add "key":"<escaped file contents>" (trailing whitespace dropped); pem: DER to PEM. */
static int add_file(struct sb *b, const char *key, const char *dir, const char *name,
		    const char *pem_label)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int ret = emu_pki_read_in(dir, name, &buf, &len);

	if (ret)
		return ret;
	/* Only text loses its trailing whitespace: DER may end in any byte. */
	while (!pem_label && len &&
	       (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		len--;
	sb_printf(b, "\"%s\":", key);
	if (pem_label) {
		char begin[64], end[64];
		unsigned char *pem = malloc(len * 2 + 256);
		size_t olen = 0;

		snprintf(begin, sizeof(begin), "-----BEGIN %s-----\n", pem_label);
		snprintf(end, sizeof(end), "-----END %s-----\n", pem_label);
		if (!pem ||
		    mbedtls_pem_write_buffer(begin, end, buf, len, pem, len * 2 + 256, &olen)) {
			free(pem);
			free(buf);
			return MIGTD_ERR_CRYPTO;
		}
		sb_jstr(b, pem, olen - 1);
		free(pem);
	} else {
		sb_jstr(b, buf, len);
	}
	free(buf);
	return MIGTD_OK;
}

/* The PEM certificates of a chain file after the first one (the issuers). */
static int add_issuers(struct sb *b, const char *key, const char *dir, const char *name)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	const char *second;
	int ret = emu_pki_read_in(dir, name, &buf, &len);

	if (ret)
		return ret;
	second = strstr((const char *)buf + 1, "-----BEGIN CERTIFICATE-----");
	if (!second) {
		free(buf);
		return MIGTD_ERR_INVALID;
	}
	sb_printf(b, "\"%s\":", key);
	sb_jstr(b, (const uint8_t *)second, len - (size_t)(second - (const char *)buf));
	free(buf);
	return MIGTD_OK;
}

static int add_signed(struct sb *b, mbedtls_pk_context *key, const char *name,
		      const struct sb *body)
{
	char *s = NULL;
	size_t n = 0;
	int ret = emu_pki_v2_sign(key, name, (const uint8_t *)body->p, body->len, &s, &n);

	if (ret)
		return ret;
	sb_add(b, s, n);
	free(s);
	return MIGTD_OK;
}

static int servtd_collateral(struct sb *b, mbedtls_pk_context *key, const uint8_t *chain,
			     size_t chain_len, const struct emu_pki_v2_policy_opts *o)
{
	struct sb id = { 0 }, map = { 0 };
	int ret;

	/* tdIdentity: one UpToDate level per admitted SVN */
	sb_puts(&id,
		"{\"id\":\"4D1F5A0E-6C4B-4C1F-9E1B-6D6967746463\",\"version\":1,"
		"\"issueDate\":\"2024-01-01T00:00:00Z\",\"nextUpdate\":\"2049-12-31T23:59:59Z\","
		"\"tcbEvaluationNumber\":1,\"xfam\":\"0000000000000000\","
		"\"attributes\":\"0000000000000000\",\"mrConfigId\":\"\",\"mrOwner\":\"\","
		"\"mrOwnerConfig\":\"\",\"mrsigner\":\"\",\"isvProdId\":1,\"tcbLevels\":[");
	for (unsigned k = 0; k < o->n_migtds; k++)
		sb_printf(&id,
			  "%s{\"tcb\":{\"isvsvn\":%u},\"tcbDate\":\"2024-01-01T00:00:00Z\","
			  "\"tcbStatus\":\"UpToDate\"}",
			  k ? "," : "", (unsigned)o->migtds[k].isvsvn);
	sb_puts(&id, "]}");
	sb_puts(&map,
		"{\"id\":\"4D1F5A0E-6C4B-4C1F-9E1B-6D6967746464\",\"version\":1,"
		"\"issueDate\":\"2024-01-01T00:00:00Z\",\"nextUpdate\":\"2049-12-31T23:59:59Z\","
		"\"mrSigner\":\"\",\"isvProdId\":1,\"svnMappings\":[");
	for (unsigned k = 0; k < o->n_migtds; k++) {
		sb_printf(&map, "%s{\"tdMeasurements\":{\"mrtd\":", k ? "," : "");
		sb_hex(&map, o->migtds[k].mrtd, 48);
		sb_puts(&map, ",\"rtmr0\":");
		sb_hex(&map, o->migtds[k].rtmr0, 48);
		sb_puts(&map, ",\"rtmr1\":");
		sb_hex(&map, o->migtds[k].rtmr1, 48);
		sb_printf(&map, "},\"isvsvn\":%u}", (unsigned)o->migtds[k].isvsvn);
	}
	sb_puts(&map, "]}");
	ret = id.err ? id.err : map.err;
	sb_puts(b, "\"servtdCollateral\":{\"majorVersion\":1,\"minorVersion\":0,"
		   "\"servtdIdentityIssuerChain\":");
	sb_jstr(b, chain, chain_len);
	sb_puts(b, ",\"servtdIdentity\":");
	if (!ret)
		ret = add_signed(b, key, "tdIdentity", &id);
	sb_puts(b, ",\"servtdTcbMappingIssuerChain\":");
	sb_jstr(b, chain, chain_len);
	sb_puts(b, ",\"servtdTcbMapping\":");
	if (!ret)
		ret = add_signed(b, key, "tdTcbMapping", &map);
	sb_puts(b, "}");
	free(id.p);
	free(map.p);
	return ret;
}

int emu_pki_v2_policy(const char *issuer_dir, const char *const *platform_dirs, unsigned nplat,
		      const struct emu_pki_v2_policy_opts *o, char **out, size_t *out_len,
		      char *msg, size_t msglen)
{
	mbedtls_pk_context key;
	struct sb b = { 0 };
	uint8_t *chain = NULL;
	size_t chain_len = 0;
	const char *d0 = nplat ? platform_dirs[0] : NULL;
	int ret;

	if (psa_crypto_init() != PSA_SUCCESS)
		return MIGTD_ERR_CRYPTO;
	if (!d0) {
		emu_pki_set_msg(msg, msglen, "no emulated platform given");
		return MIGTD_ERR_INVALID;
	}
	mbedtls_pk_init(&key);
	ret = emu_pki_key_load(&key, issuer_dir, "policy_issuer.key.pem");
	if (!ret)
		ret = emu_pki_read_in(issuer_dir, "policy_issuer_chain.pem", &chain, &chain_len);
	if (ret) {
		emu_pki_set_msg(msg, msglen, "%s: no policy issuer (run pki policy-issuer first)",
				issuer_dir);
		goto out;
	}
	sb_puts(&b, "{\"id\":");
	sb_jstr(&b, (const uint8_t *)(o->id ? o->id : "0C6A3E11-7C1D-4E25-A4E8-6D6967747632"),
		strlen(o->id ? o->id : "0C6A3E11-7C1D-4E25-A4E8-6D6967747632"));
	sb_printf(&b, ",\"version\":\"2.0\",\"policySvn\":%u,", (unsigned)o->policy_svn);
	if (o->rules) {
		sb_puts(&b, o->rules);
	} else {
		sb_puts(&b,
			"\"policy\":[{\"global\":{\"tcb\":{\"tcbStatusAccepted\":{\"operation\":"
			"\"allow-list\",\"reference\":[\"UpToDate\",\"SWHardeningNeeded\","
			"\"ConfigurationNeeded\"]}},\"platform\":{\"fmspc\":{\"operation\":"
			"\"allow-list\",\"reference\":[");
		for (unsigned k = 0; k < nplat; k++) {
			struct emu_platform_params pp;

			if (emu_pki_read_params(platform_dirs[k], &pp)) {
				emu_pki_set_msg(msg, msglen, "%s: not an emulated platform",
						platform_dirs[k]);
				ret = MIGTD_ERR_INVALID;
				goto out;
			}
			if (k)
				sb_puts(&b, ",");
			sb_hex(&b, pp.fmspc, 6);
		}
		sb_printf(&b,
			  "]}}}},{\"servtd\":{\"migtdIdentity\":{\"isvsvn\":{\"operation\":"
			  "\"greater-or-equal\",\"reference\":%u}}}}]",
			  (unsigned)o->min_isvsvn);
	}
	sb_puts(&b, ",\"collaterals\":{\"majorVersion\":1,\"minorVersion\":0,\"teeType\":129,");
	ret = add_file(&b, "rootCa", d0, "root_ca.der", "CERTIFICATE");
	sb_puts(&b, ",");
	if (!ret)
		ret = add_issuers(&b, "pckCrlIssuerChain", d0, "pck_chain.pem");
	sb_puts(&b, ",");
	if (!ret)
		ret = add_file(&b, "rootCaCrl", d0, "root_ca.crl.der", "X509 CRL");
	sb_puts(&b, ",");
	if (!ret)
		ret = add_file(&b, "pckCrl", d0, "platform_ca.crl.der", "X509 CRL");
	sb_puts(&b, ",\"platforms\":[");
	for (unsigned k = 0; !ret && k < nplat; k++) {
		struct emu_platform_params pp;

		ret = emu_pki_read_params(platform_dirs[k], &pp);
		if (ret)
			break;
		sb_puts(&b, k ? ",{\"fmspc\":" : "{\"fmspc\":");
		sb_hex(&b, pp.fmspc, 6);
		sb_puts(&b, ",");
		ret = add_file(&b, "tcbInfoIssuerChain", platform_dirs[k], "tcb_signing_chain.pem",
			       NULL);
		sb_puts(&b, ",");
		if (!ret)
			ret = add_file(&b, "tcbInfo", platform_dirs[k], "tcb_info.json", NULL);
		sb_puts(&b, "}");
	}
	sb_puts(&b, "],");
	if (!ret)
		ret = add_file(&b, "qeIdentityIssuerChain", d0, "tcb_signing_chain.pem", NULL);
	sb_puts(&b, ",");
	if (!ret)
		ret = add_file(&b, "qeIdentity", d0, "qe_identity.json", NULL);
	sb_puts(&b, "},");
	if (!ret)
		ret = servtd_collateral(&b, &key, chain, chain_len, o);
	sb_puts(&b, "}");
	if (!ret)
		ret = b.err;
	if (ret) {
		emu_pki_set_msg(msg, msglen, "cannot build the policy from %s: %s", d0,
				migtd_err_str(ret));
		goto out;
	}
	ret = emu_pki_v2_sign(&key, "policyData", (const uint8_t *)b.p, b.len, out, out_len);
out:
	mbedtls_pk_free(&key);
	free(chain);
	free(b.p);
	return ret;
}
