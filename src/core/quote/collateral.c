/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * collateral.c -- TDX TCB Info (v3) and QE Identity (v2) JSON from Intel PCS.
 *
 * Both documents are {"<name>":{...},"signature":"<hex r||s>"}; the
 * signature is ECDSA P-256/SHA-256 over the exact bytes of the <name>
 * value as received (so we hash the raw span jsmn reports, never a
 * re-serialisation), by the "Intel SGX TCB Signing" key whose chain must
 * end at the enrolled root CA.
 *
 * TCB level matching follows Intel's QVL: the first level (in document
 * order) whose 16 SGX component SVNs and PCESVN are <= the PCK
 * certificate's and whose TDX component SVNs are <= the quote's
 * TEE_TCB_SVN (from index 2 when TEE_TCB_SVN[1], the TDX module major
 * version, is non-zero: the module is then matched separately against
 * tdxModuleIdentities "TDX_<major>" by TEE_TCB_SVN[0]).
 *
 * Status convergence (platform vs TDX module vs QE) takes the worse status
 * by a fixed severity order; Intel's library has a finer table for some
 * combinations (e.g. OutOfDate + ConfigurationNeeded), see the README note.
 */
#include <string.h>

#include <mbedtls/platform.h>
#include <mbedtls/sha256.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#include "migtd/fmt.h"
#include "quote_internal.h"

#define MAX_TOKENS 8192u
#define MAX_JSON (64u * 1024u)

struct jdoc {
	const char *js;
	jsmntok_t *t;
	int n;
};

static int jdoc_parse(struct jdoc *d, const uint8_t *json, size_t len)
{
	jsmn_parser p;
	int n;

	d->t = NULL;
	d->n = 0;
	d->js = (const char *)json;
	if (len == 0 || len > MAX_JSON)
		return MIGTD_ERR_LENGTH;
	/* A trailing NUL (the collateral strings carry one) is not JSON. */
	while (len && (json[len - 1] == 0 || json[len - 1] == '\n' || json[len - 1] == '\r'))
		len--;
	jsmn_init(&p);
	n = jsmn_parse(&p, d->js, len, NULL, 0);
	if (n <= 0 || (unsigned)n > MAX_TOKENS)
		return MIGTD_ERR_INVALID;
	d->t = mbedtls_calloc((size_t)n, sizeof(jsmntok_t));
	if (!d->t)
		return MIGTD_ERR_NOMEM;
	jsmn_init(&p);
	d->n = jsmn_parse(&p, d->js, len, d->t, (unsigned)n);
	if (d->n != n || d->t[0].type != JSMN_OBJECT || (size_t)d->t[0].end != len)
		return MIGTD_ERR_INVALID;
	return MIGTD_OK;
}

static void jdoc_free(struct jdoc *d)
{
	mbedtls_free(d->t);
	d->t = NULL;
}

/* Index of the token after the subtree of token i (tokens are in text order). */
static int jskip(const struct jdoc *d, int i)
{
	int j = i + 1;

	while (j < d->n && d->t[j].start < d->t[i].end)
		j++;
	return j;
}

static size_t jlen(const struct jdoc *d, int i)
{
	return (size_t)(d->t[i].end - d->t[i].start);
}

static bool jstr_eq(const struct jdoc *d, int i, const char *s)
{
	size_t n = strlen(s);

	return i >= 0 && d->t[i].type == JSMN_STRING && jlen(d, i) == n &&
	       memcmp(d->js + d->t[i].start, s, n) == 0;
}

/* Value token of key in object obj, or -1. */
static int jget(const struct jdoc *d, int obj, const char *key)
{
	int j;

	if (obj < 0 || obj >= d->n || d->t[obj].type != JSMN_OBJECT)
		return -1;
	j = obj + 1;
	for (int k = 0; k < d->t[obj].size && j + 1 < d->n; k++) {
		if (jstr_eq(d, j, key))
			return j + 1;
		j = jskip(d, j + 1);
	}
	return -1;
}

static int jtype(const struct jdoc *d, int i)
{
	return i < 0 ? -1 : (int)d->t[i].type;
}

/* A string token holding exactly 2n hex digits. */
static int jhex(const struct jdoc *d, int i, uint8_t *out, size_t n)
{
	const char *s;

	if (jtype(d, i) != JSMN_STRING || jlen(d, i) != 2 * n)
		return MIGTD_ERR_INVALID;
	s = d->js + d->t[i].start;
	return migtd_unhex(s, out, n) ? MIGTD_ERR_INVALID : MIGTD_OK;
}

/* A non-negative integer primitive <= max. */
static int jint(const struct jdoc *d, int i, uint32_t max, uint32_t *out)
{
	const char *s;
	uint64_t v = 0;
	size_t n;

	if (jtype(d, i) != JSMN_PRIMITIVE)
		return MIGTD_ERR_INVALID;
	s = d->js + d->t[i].start;
	n = jlen(d, i);
	if (n == 0 || n > 10)
		return MIGTD_ERR_INVALID;
	for (size_t k = 0; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return MIGTD_ERR_INVALID;
		v = v * 10 + (uint64_t)(s[k] - '0');
	}
	if (v > max)
		return MIGTD_ERR_INVALID;
	*out = (uint32_t)v;
	return MIGTD_OK;
}

static int jtime(const struct jdoc *d, int i, int64_t *out)
{
	if (jtype(d, i) != JSMN_STRING)
		return MIGTD_ERR_INVALID;
	return migtd_quote_parse_time(d->js + d->t[i].start, jlen(d, i), out);
}

static int jstatus(const struct jdoc *d, int i, char out[MIGTD_TCB_STATUS_MAX])
{
	size_t n;

	if (jtype(d, i) != JSMN_STRING || (n = jlen(d, i)) == 0 || n >= MIGTD_TCB_STATUS_MAX)
		return MIGTD_ERR_INVALID;
	memset(out, 0, MIGTD_TCB_STATUS_MAX);
	memcpy(out, d->js + d->t[i].start, n);
	return MIGTD_OK;
}

/* ---------------------------------------------------------------- signed documents */

/*
 * Parse {"<name>":{...},"signature":"hex"}, verify the chain and the
 * signature; on success *body is the token of the signed object.
 */
static int signed_doc(struct migtd_sig_cache *sc, struct jdoc *d, const uint8_t *json, size_t len,
		      const char *name, const uint8_t *chain, size_t chain_len,
		      const uint8_t root[QV_KEY_LEN], int64_t now, int *body, const char **why)
{
	uint8_t key[QV_KEY_LEN], sig[64], hash[32];
	int sig_tok, ret;

	ret = jdoc_parse(d, json, len);
	if (ret) {
		*why = "collateral JSON does not parse";
		return ret == MIGTD_ERR_NOMEM ? ret : MIGTD_ERR_QUOTE;
	}
	*body = jget(d, 0, name);
	sig_tok = jget(d, 0, "signature");
	if (jtype(d, *body) != JSMN_OBJECT || jhex(d, sig_tok, sig, sizeof(sig))) {
		*why = "collateral JSON lacks the signed object or its signature";
		return MIGTD_ERR_QUOTE;
	}
	if (!chain) {
		*why = "no issuer chain supplied for the collateral";
		return MIGTD_ERR_QUOTE;
	}
	ret = migtd_qv_verify_issuer_chain(sc, chain, chain_len, root, now, key, why);
	if (ret)
		return ret == MIGTD_ERR_NOMEM ? ret : MIGTD_ERR_QUOTE;
	if (mbedtls_sha256((const uint8_t *)d->js + d->t[*body].start, jlen(d, *body), hash, 0))
		return MIGTD_ERR_CRYPTO;
	ret = migtd_qv_ecdsa_verify_memo(sc, key, hash, sig);
	if (ret == MIGTD_ERR_NOMEM || ret == MIGTD_ERR_CRYPTO)
		return ret;
	if (ret) {
		*why = "collateral signature does not verify with the TCB signing key";
		return MIGTD_ERR_QUOTE;
	}
	return MIGTD_OK;
}

static int fresh(const struct jdoc *d, int body, int64_t now, const char **why)
{
	int64_t issue, next;

	if (jtime(d, jget(d, body, "issueDate"), &issue) ||
	    jtime(d, jget(d, body, "nextUpdate"), &next)) {
		*why = "collateral issueDate/nextUpdate malformed";
		return MIGTD_ERR_QUOTE;
	}
	if (now != QV_TIME_ANY && (now < issue || now > next)) {
		*why = "collateral not current at the given time (issueDate..nextUpdate)";
		return MIGTD_ERR_QUOTE;
	}
	return MIGTD_OK;
}

/* The signed TCB Info object's fields: TDX v3, FMSPC and PCE-ID of the PCK certificate, current. */
static int tcb_info_fields(const struct jdoc *d, int body, int64_t now,
			   const struct migtd_quote_verify_result *res, const char **why)
{
	uint8_t fmspc[6], pce_id[2];
	uint32_t version;

	if (!jstr_eq(d, jget(d, body, "id"), "TDX") ||
	    jint(d, jget(d, body, "version"), 0xffff, &version) || version != 3) {
		*why = "TCB Info is not a TDX v3 document";
		return MIGTD_ERR_QUOTE;
	}
	if (jhex(d, jget(d, body, "fmspc"), fmspc, 6) || memcmp(fmspc, res->pck.fmspc, 6) != 0) {
		*why = "TCB Info FMSPC differs from the PCK certificate's";
		return MIGTD_ERR_QUOTE;
	}
	if (jhex(d, jget(d, body, "pceId"), pce_id, 2) || memcmp(pce_id, res->pck.pce_id, 2) != 0) {
		*why = "TCB Info PCE-ID differs from the PCK certificate's";
		return MIGTD_ERR_QUOTE;
	}
	return fresh(d, body, now, why);
}

int migtd_qv_check_tcb_info(struct migtd_sig_cache *sc, const struct migtd_quote_collateral *c,
			    const uint8_t root[QV_KEY_LEN], int64_t now,
			    struct migtd_quote_verify_result *res, const char **why)
{
	struct jdoc d = { 0 };
	int body, ret;

	ret = signed_doc(sc, &d, c->tcb_info, c->tcb_info_len, "tcbInfo", c->tcb_info_issuer_chain,
			 c->tcb_info_issuer_chain_len, root, now, &body, why);
	if (!ret)
		ret = tcb_info_fields(&d, body, now, res, why);
	jdoc_free(&d);
	return ret;
}

/* ---------------------------------------------------------------- QE identity */

static bool masked_eq(const uint8_t *a, const uint8_t *b, const uint8_t *mask, size_t n)
{
	uint8_t diff = 0;

	for (size_t i = 0; i < n; i++)
		diff |= (uint8_t)((a[i] ^ b[i]) & mask[i]);
	return diff == 0;
}

static uint32_t be32(const uint8_t b[4])
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* The signed QE Identity object against the quote's QE report. */
static int qe_identity_fields(const struct jdoc *dp, int body, int64_t now,
			      struct migtd_quote_verify_result *res, const char **why)
{
	const struct jdoc d = *dp;
	const struct migtd_sgx_report_body *qe = &res->quote.qe;
	uint8_t mrsigner[32], misc[4], misc_mask[4], attr[16], attr_mask[16];
	uint32_t version, prodid;
	int levels, ret = MIGTD_ERR_QUOTE;

	if (!jstr_eq(&d, jget(&d, body, "id"), "TD_QE") ||
	    jint(&d, jget(&d, body, "version"), 0xffff, &version) || version != 2) {
		*why = "QE Identity is not a TD_QE v2 document";
		goto out;
	}
	if (fresh(&d, body, now, why))
		goto out;
	if (jhex(&d, jget(&d, body, "mrsigner"), mrsigner, 32) ||
	    jint(&d, jget(&d, body, "isvprodid"), 0xffff, &prodid) ||
	    jhex(&d, jget(&d, body, "miscselect"), misc, 4) ||
	    jhex(&d, jget(&d, body, "miscselectMask"), misc_mask, 4) ||
	    jhex(&d, jget(&d, body, "attributes"), attr, 16) ||
	    jhex(&d, jget(&d, body, "attributesMask"), attr_mask, 16)) {
		*why = "QE Identity fields malformed";
		goto out;
	}
	if (memcmp(mrsigner, qe->mr_signer, 32) != 0) {
		*why = "QE MRSIGNER differs from QE Identity";
		goto out;
	}
	if (prodid != qe->isv_prod_id) {
		*why = "QE ISVPRODID differs from QE Identity";
		goto out;
	}
	/* MISCSELECT is a number written as big-endian hex; the report holds it LE. */
	if (((qe->misc_select ^ be32(misc)) & be32(misc_mask)) != 0) {
		*why = "QE MISCSELECT (masked) differs from QE Identity";
		goto out;
	}
	if (!masked_eq(qe->attributes, attr, attr_mask, 16)) {
		*why = "QE ATTRIBUTES (masked) differs from QE Identity";
		goto out;
	}
	levels = jget(&d, body, "tcbLevels");
	if (jtype(&d, levels) != JSMN_ARRAY) {
		*why = "QE Identity has no tcbLevels";
		goto out;
	}
	*why = "QE ISVSVN is below every QE Identity TCB level";
	for (int k = 0, j = levels + 1; k < d.t[levels].size && j < d.n; k++, j = jskip(&d, j)) {
		uint32_t svn;

		if (jint(&d, jget(&d, jget(&d, j, "tcb"), "isvsvn"), 0xffff, &svn)) {
			*why = "QE Identity TCB level malformed";
			goto out;
		}
		if (svn > qe->isv_svn)
			continue;
		if (jstatus(&d, jget(&d, j, "tcbStatus"), res->qe_tcb_status) ||
		    jtime(&d, jget(&d, j, "tcbDate"), &res->qe_tcb_date)) {
			*why = "QE Identity TCB level malformed";
			goto out;
		}
		if (!migtd_tcb_status_accepted(res->qe_tcb_status)) {
			*why = strcmp(res->qe_tcb_status, "Revoked") == 0
				       ? "QE TCB level is Revoked"
				       : "QE TCB status unknown";
			goto out;
		}
		res->qe_level_isvsvn = (uint16_t)svn;
		res->qe_misc_select_mask = be32(misc_mask);
		memcpy(res->qe_attributes_mask, attr_mask, 16);
		res->have_qe_identity = true;
		ret = MIGTD_OK;
		break;
	}
out:
	return ret;
}

int migtd_qv_check_qe_identity(struct migtd_sig_cache *sc, const struct migtd_quote_collateral *c,
			       const uint8_t root[QV_KEY_LEN], int64_t now,
			       struct migtd_quote_verify_result *res, const char **why)
{
	const uint8_t *chain = c->qe_identity_issuer_chain;
	size_t chain_len = c->qe_identity_issuer_chain_len;
	struct jdoc d = { 0 };
	int body, ret;

	if (!chain) {
		chain = c->tcb_info_issuer_chain;
		chain_len = c->tcb_info_issuer_chain_len;
	}
	ret = signed_doc(sc, &d, c->qe_identity, c->qe_identity_len, "enclaveIdentity", chain,
			 chain_len, root, now, &body, why);
	if (!ret)
		ret = qe_identity_fields(&d, body, now, res, why);
	jdoc_free(&d);
	return ret;
}

/*
 * The checks after the signature, on an unverified document: for fuzzing
 * and tests only (quote_internal.h). MigTD reaches them only through
 * migtd_qv_check_tcb_info / migtd_qv_check_qe_identity, after signed_doc().
 */
int migtd_qv_collateral_fields_unverified(const uint8_t *json, size_t len, bool qe_identity,
					  int64_t now, struct migtd_quote_verify_result *res,
					  const char **why)
{
	struct jdoc d = { 0 };
	int ret = jdoc_parse(&d, json, len);

	if (ret) {
		*why = "collateral JSON does not parse";
	} else if (qe_identity) {
		ret = qe_identity_fields(&d, jget(&d, 0, "enclaveIdentity"), now, res, why);
	} else {
		ret = tcb_info_fields(&d, jget(&d, 0, "tcbInfo"), now, res, why);
	}
	jdoc_free(&d);
	return ret;
}


/* ---------------------------------------------------------------- TCB levels */

static const char *const severity[] = {
	"UpToDate",
	"SWHardeningNeeded",
	"ConfigurationNeeded",
	"ConfigurationAndSWHardeningNeeded",
	"OutOfDate",
	"OutOfDateConfigurationNeeded",
	"Revoked",
};

static size_t rank(const char *s)
{
	for (size_t i = 0; i < sizeof(severity) / sizeof(severity[0]); i++)
		if (strcmp(s, severity[i]) == 0)
			return i;
	return sizeof(severity) / sizeof(severity[0]); /* unknown: worst */
}

bool migtd_tcb_status_accepted(const char *status)
{
	size_t r = rank(status);

	/* Everything below Revoked in the list is a non-terminal result. */
	return r < sizeof(severity) / sizeof(severity[0]) - 1;
}

const char *migtd_qv_converge_status(const char *platform, const char *qe)
{
	if (!qe[0])
		return platform;
	if (!platform[0])
		return qe;
	return rank(qe) > rank(platform) ? qe : platform;
}

/* 16 {"svn":n} objects into out[16]. */
static int components(const struct jdoc *d, int arr, uint8_t out[16])
{
	int j;

	if (jtype(d, arr) != JSMN_ARRAY || d->t[arr].size != 16)
		return MIGTD_ERR_INVALID;
	j = arr + 1;
	for (int k = 0; k < 16; k++, j = jskip(d, j)) {
		uint32_t v;

		if (j >= d->n || jint(d, jget(d, j, "svn"), 0xff, &v))
			return MIGTD_ERR_INVALID;
		out[k] = (uint8_t)v;
	}
	return MIGTD_OK;
}

static bool all_le(const uint8_t *level, const uint8_t *have, size_t from)
{
	for (size_t i = from; i < 16; i++)
		if (level[i] > have[i])
			return false;
	return true;
}

/* Module identity check (mrsigner, masked attributes) against the TD report. */
static int module_identity(const struct jdoc *d, int obj, const struct migtd_td_report_body *b,
			   const char **why)
{
	uint8_t mrsigner[48], attr[8], mask[8];

	if (jhex(d, jget(d, obj, "mrsigner"), mrsigner, 48) ||
	    jhex(d, jget(d, obj, "attributes"), attr, 8) ||
	    jhex(d, jget(d, obj, "attributesMask"), mask, 8)) {
		*why = "TDX module identity malformed";
		return MIGTD_ERR_QUOTE;
	}
	if (memcmp(mrsigner, b->mr_signer_seam, 48) != 0 ||
	    !masked_eq(b->seam_attributes, attr, mask, 8)) {
		*why = "TDX module MRSIGNERSEAM/SEAMATTRIBUTES differ from TCB Info";
		return MIGTD_ERR_QUOTE;
	}
	return MIGTD_OK;
}

static int module_status(const struct jdoc *d, int body, const struct migtd_td_report_body *b,
			 char status[MIGTD_TCB_STATUS_MAX], uint8_t *svn_out, const char **why)
{
	static const char hex[] = "0123456789ABCDEF";
	char id[7] = { 'T', 'D', 'X', '_', hex[b->tee_tcb_svn[1] >> 4], hex[b->tee_tcb_svn[1] & 15],
		       0 };
	int ids = jget(d, body, "tdxModuleIdentities"), j, levels;
	bool found = false;

	status[0] = 0;
	*svn_out = 0; /* module major 0: the library leaves the SVN 0 */
	if (b->tee_tcb_svn[1] == 0) {
		/* TDX 1.0 module: only the single tdxModule identity, if present. */
		int m = jget(d, body, "tdxModule");
		return m < 0 ? MIGTD_OK : module_identity(d, m, b, why);
	}
	if (jtype(d, ids) != JSMN_ARRAY) {
		*why = "TCB Info has no tdxModuleIdentities for a TDX module with major version > 0";
		return MIGTD_ERR_QUOTE;
	}
	j = ids + 1;
	for (int k = 0; k < d->t[ids].size && j < d->n; k++, j = jskip(d, j)) {
		int idtok = jget(d, j, "id");

		if (jtype(d, idtok) == JSMN_STRING && jlen(d, idtok) == 6 &&
		    memcmp(d->js + d->t[idtok].start, id, 6) == 0) {
			found = true;
			break;
		}
	}
	if (!found) {
		*why = "TDX module identity TDX_<major> not in TCB Info";
		return MIGTD_ERR_QUOTE;
	}
	if (module_identity(d, j, b, why))
		return MIGTD_ERR_QUOTE;
	levels = jget(d, j, "tcbLevels");
	if (jtype(d, levels) != JSMN_ARRAY) {
		*why = "TDX module identity has no tcbLevels";
		return MIGTD_ERR_QUOTE;
	}
	j = levels + 1;
	for (int k = 0; k < d->t[levels].size && j < d->n; k++, j = jskip(d, j)) {
		uint32_t svn;

		if (jint(d, jget(d, jget(d, j, "tcb"), "isvsvn"), 0xff, &svn)) {
			*why = "TDX module TCB level malformed";
			return MIGTD_ERR_QUOTE;
		}
		if (svn <= b->tee_tcb_svn[0]) {
			if (jstatus(d, jget(d, j, "tcbStatus"), status)) {
				*why = "TDX module TCB level malformed";
				return MIGTD_ERR_QUOTE;
			}
			*svn_out = (uint8_t)svn;
			return MIGTD_OK;
		}
	}
	*why = "TDX module SVN is below every TDX module TCB level";
	return MIGTD_ERR_QUOTE;
}

int migtd_qv_match_tcb_level(const struct migtd_quote_collateral *c,
			     struct migtd_quote_verify_result *res, const char **why)
{
	const struct migtd_td_report_body *b = &res->quote.body;
	struct jdoc d = { 0 };
	char mod[MIGTD_TCB_STATUS_MAX];
	size_t from = b->tee_tcb_svn[1] > 0 ? 2 : 0;
	int body, levels, j, ret;

	/* Signature and freshness were checked by migtd_qv_check_tcb_info. */
	ret = jdoc_parse(&d, c->tcb_info, c->tcb_info_len);
	if (ret) {
		*why = "TCB Info does not parse";
		goto out;
	}
	ret = MIGTD_ERR_QUOTE;
	body = jget(&d, 0, "tcbInfo");
	levels = jget(&d, body, "tcbLevels");
	if (jtype(&d, levels) != JSMN_ARRAY) {
		*why = "TCB Info has no tcbLevels";
		goto out;
	}
	*why = "TCB not supported: no TCB level matches the platform";
	j = levels + 1;
	for (int k = 0; k < d.t[levels].size && j < d.n; k++, j = jskip(&d, j)) {
		int tcb = jget(&d, j, "tcb");
		uint8_t sgx[16], tdx[16];
		uint32_t pcesvn;

		if (components(&d, jget(&d, tcb, "sgxtcbcomponents"), sgx) ||
		    components(&d, jget(&d, tcb, "tdxtcbcomponents"), tdx) ||
		    jint(&d, jget(&d, tcb, "pcesvn"), 0xffff, &pcesvn)) {
			*why = "TCB Info TCB level malformed";
			goto out;
		}
		if (!all_le(sgx, res->pck.sgx_tcb_comp, 0) || pcesvn > res->pck.pce_svn ||
		    !all_le(tdx, b->tee_tcb_svn, from))
			continue;
		if (jstatus(&d, jget(&d, j, "tcbStatus"), res->tcb_status) ||
		    jtime(&d, jget(&d, j, "tcbDate"), &res->tcb_date)) {
			*why = "TCB Info TCB level malformed";
			goto out;
		}
		memcpy(res->tdx_tcb_comp, tdx, 16);
		memcpy(res->level_sgx_comp, sgx, 16);
		res->level_pcesvn = (uint16_t)pcesvn;
		if (module_status(&d, body, b, mod, &res->module_svn, why))
			goto out;
		if (mod[0] && rank(mod) > rank(res->tcb_status))
			memcpy(res->tcb_status, mod, MIGTD_TCB_STATUS_MAX);
		if (!migtd_tcb_status_accepted(res->tcb_status)) {
			*why = strcmp(res->tcb_status, "Revoked") == 0
				       ? "platform TCB level is Revoked"
				       : "platform TCB status unknown";
			goto out;
		}
		res->have_tcb = true;
		ret = MIGTD_OK;
		break;
	}
out:
	jdoc_free(&d);
	return ret;
}

int migtd_qv_collateral_dates(const uint8_t *json, size_t len, int64_t *issue, int64_t *next)
{
	struct jdoc d = { 0 };
	int body, ret;

	ret = jdoc_parse(&d, json, len);
	if (!ret) {
		body = jget(&d, 0, "tcbInfo");
		if (body < 0)
			body = jget(&d, 0, "enclaveIdentity");
		ret = jtime(&d, jget(&d, body, "issueDate"), issue);
		if (!ret)
			ret = jtime(&d, jget(&d, body, "nextUpdate"), next);
	}
	jdoc_free(&d);
	return ret;
}

int migtd_quote_collateral_time(const uint8_t *json, size_t len, int64_t *issue_date)
{
	struct jdoc d = { 0 };
	int body, ret;

	if (!json || !issue_date)
		return MIGTD_ERR_STATE;
	ret = jdoc_parse(&d, json, len);
	if (!ret) {
		body = jget(&d, 0, "tcbInfo");
		if (body < 0)
			body = jget(&d, 0, "enclaveIdentity");
		ret = jtime(&d, jget(&d, body, "issueDate"), issue_date);
	}
	jdoc_free(&d);
	return ret;
}
