/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * verify.c -- DCAP verification of a TDX quote, one named step at a time.
 *
 * Trust flows from the enrolled root CA key: the PCK chain in the quote
 * must end at it; the PCK leaf signs the QE report; the QE report binds the
 * attestation key (REPORTDATA = SHA-256(key || QE auth data) || 0^32); the
 * attestation key signs header || body. Optional collateral adds
 * revocation and TCB status. Each step records PASS/FAIL/SKIPPED and a
 * reason, so callers can say exactly what was wrong with a quote.
 */
#include <string.h>

#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "migtd/wire.h"
#include "quote_internal.h"

static const char *const step_names[MIGTD_QSTEP_COUNT] = {
	[MIGTD_QSTEP_PARSE] = "quote-parse",
	[MIGTD_QSTEP_PCK_CHAIN] = "pck-chain-parse",
	[MIGTD_QSTEP_ROOT_CA] = "root-ca",
	[MIGTD_QSTEP_CHAIN_SIGS] = "pck-chain-signatures",
	[MIGTD_QSTEP_COLLATERAL] = "collateral",
	[MIGTD_QSTEP_CERT_VALIDITY] = "cert-validity",
	[MIGTD_QSTEP_ROOT_CRL] = "root-ca-crl",
	[MIGTD_QSTEP_PCK_CRL] = "pck-crl",
	[MIGTD_QSTEP_PCK_EXT] = "pck-sgx-extension",
	[MIGTD_QSTEP_QE_REPORT_SIG] = "qe-report-signature",
	[MIGTD_QSTEP_QE_REPORT_DATA] = "qe-report-data",
	[MIGTD_QSTEP_QUOTE_SIG] = "quote-signature",
	[MIGTD_QSTEP_TCB_INFO] = "tcb-info",
	[MIGTD_QSTEP_QE_IDENTITY] = "qe-identity",
	[MIGTD_QSTEP_TCB_LEVEL] = "tcb-level",
};

const char *migtd_quote_step_name(enum migtd_quote_step step)
{
	if ((unsigned)step >= MIGTD_QSTEP_COUNT)
		return "none";
	return step_names[step];
}

const char *migtd_qstep_state_name(enum migtd_qstep_state st)
{
	switch (st) {
	case MIGTD_QSTEP_PASS: return "pass";
	case MIGTD_QSTEP_FAIL: return "FAIL";
	case MIGTD_QSTEP_SKIPPED: return "skipped";
	case MIGTD_QSTEP_NOT_RUN:
	default: return "not-run";
	}
}

static int fail(struct migtd_quote_verify_result *res, enum migtd_quote_step step, const char *why)
{
	res->state[step] = MIGTD_QSTEP_FAIL;
	res->reason[step] = why;
	res->failed_step = step;
	return MIGTD_ERR_QUOTE;
}

static void pass(struct migtd_quote_verify_result *res, enum migtd_quote_step step)
{
	res->state[step] = MIGTD_QSTEP_PASS;
}

static void skip(struct migtd_quote_verify_result *res, enum migtd_quote_step step, const char *why)
{
	res->state[step] = MIGTD_QSTEP_SKIPPED;
	res->reason[step] = why;
}

static const char *parse_reason(int err)
{
	switch (err) {
	case MIGTD_ERR_TRUNCATED: return "quote truncated";
	case MIGTD_ERR_VERSION: return "unsupported quote version (need 4 or 5)";
	case MIGTD_ERR_LENGTH: return "quote too large";
	default:
		return "malformed quote (key type, TEE type, body type or certification data type)";
	}
}

static bool same_name(const mbedtls_x509_buf *a, const mbedtls_x509_buf *b)
{
	return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

static int enrolled_key(const uint8_t *ca, size_t len, uint8_t key[QV_KEY_LEN])
{
	mbedtls_x509_crt crt;
	int ret;

	if (len == QV_KEY_LEN && ca[0] == 0x04) {
		memcpy(key, ca, QV_KEY_LEN);
		return MIGTD_OK;
	}
	mbedtls_x509_crt_init(&crt);
	ret = migtd_qv_load_certs(ca, len, &crt);
	if (ret == 1)
		ret = migtd_qv_cert_key(&crt, key);
	else if (ret > 1)
		ret = MIGTD_ERR_INVALID;
	mbedtls_x509_crt_free(&crt);
	return ret;
}

static bool serial_revoked(const mbedtls_x509_crt *crt, const mbedtls_x509_crl *crl)
{
	return mbedtls_x509_crt_is_revoked(crt, crl) != 0;
}

/* Check a CRL: issued and signed by `issuer`, current at now, `subject` not listed. */
static int check_crl(struct migtd_sig_cache *sc, const uint8_t *buf, size_t len,
		     const mbedtls_x509_crt *issuer, const mbedtls_x509_crt *subject, int64_t now,
		     const char **why)
{
	mbedtls_x509_crl crl;
	uint8_t key[QV_KEY_LEN];
	int ret = MIGTD_ERR_QUOTE;

	mbedtls_x509_crl_init(&crl);
	if (migtd_qv_load_crl(buf, len, &crl)) {
		*why = "CRL does not parse";
		goto out;
	}
	if (!same_name(&crl.issuer_raw, &issuer->subject_raw)) {
		*why = "CRL is not issued by the certificate's CA";
		goto out;
	}
	if (migtd_qv_cert_key(issuer, key) ||
	    migtd_qv_verify_signed_memo(sc, &crl.raw, &crl.tbs, key)) {
		*why = "CRL signature does not verify";
		goto out;
	}
	if (now != QV_TIME_ANY &&
	    (migtd_qv_x509_time(&crl.this_update) > now ||
	     (crl.next_update.year != 0 && migtd_qv_x509_time(&crl.next_update) < now))) {
		*why = "CRL not current at the given time";
		goto out;
	}
	if (serial_revoked(subject, &crl)) {
		*why = "certificate is revoked";
		goto out;
	}
	ret = MIGTD_OK;
out:
	mbedtls_x509_crl_free(&crl);
	return ret;
}

/* ---- verified-signature memo (see struct migtd_sig_cache) ------------------ */

/* SHA-256(tag || key || a || b): what a verification depended on. */
static int sig_digest(const char tag[4], const uint8_t key[QV_KEY_LEN], const uint8_t *a,
		      size_t alen, const uint8_t *b, size_t blen, uint8_t out[32])
{
	mbedtls_sha256_context sha;
	int ret;

	mbedtls_sha256_init(&sha);
	ret = mbedtls_sha256_starts(&sha, 0);
	if (!ret)
		ret = mbedtls_sha256_update(&sha, (const uint8_t *)tag, 4);
	if (!ret)
		ret = mbedtls_sha256_update(&sha, key, QV_KEY_LEN);
	if (!ret)
		ret = mbedtls_sha256_update(&sha, a, alen);
	if (!ret && blen)
		ret = mbedtls_sha256_update(&sha, b, blen);
	if (!ret)
		ret = mbedtls_sha256_finish(&sha, out);
	mbedtls_sha256_free(&sha);
	return ret ? MIGTD_ERR_CRYPTO : MIGTD_OK;
}

static bool sig_cache_has(struct migtd_sig_cache *sc, const uint8_t d[32])
{
	if (!sc)
		return false;
	for (unsigned i = 0; i < sc->used; i++) {
		if (memcmp(sc->digest[i], d, 32) == 0) {
			sc->hits++;
			return true;
		}
	}
	sc->misses++;
	return false;
}

static void sig_cache_add(struct migtd_sig_cache *sc, const uint8_t d[32])
{
	if (!sc)
		return;
	memcpy(sc->digest[sc->next], d, 32);
	sc->next = (sc->next + 1) % MIGTD_SIG_CACHE_ENTRIES;
	if (sc->used < MIGTD_SIG_CACHE_ENTRIES)
		sc->used++;
}

/* migtd_qv_verify_signed with the memo: the certificate's raw bytes hold its TBS,
 * algorithm and signature, so (signer key, raw) is everything it depends on. */
int migtd_qv_verify_signed_memo(struct migtd_sig_cache *sc, const mbedtls_x509_buf *raw,
				const mbedtls_x509_buf *tbs, const uint8_t key[QV_KEY_LEN])
{
	uint8_t d[32];
	int ret;

	if (sig_digest("crt\0", key, raw->p, raw->len, NULL, 0, d))
		return MIGTD_ERR_CRYPTO;
	if (sig_cache_has(sc, d))
		return MIGTD_OK;
	ret = migtd_qv_verify_signed(raw, tbs, key);
	if (ret == MIGTD_OK)
		sig_cache_add(sc, d);
	return ret;
}

/* A raw ECDSA check (collateral JSON) with the memo: (key, hash, sig) is all it depends on. */
int migtd_qv_ecdsa_verify_memo(struct migtd_sig_cache *sc, const uint8_t key[QV_KEY_LEN],
			       const uint8_t hash[32], const uint8_t sig[64])
{
	uint8_t d[32];
	int ret;

	if (sig_digest("ecd\0", key, hash, 32, sig, 64, d))
		return MIGTD_ERR_CRYPTO;
	if (sig_cache_has(sc, d))
		return MIGTD_OK;
	ret = migtd_quote_ecdsa_verify(key, QV_KEY_LEN, hash, sig);
	if (ret == MIGTD_OK)
		sig_cache_add(sc, d);
	return ret;
}

/* ---- time window (MIGTD_QTIME_COLLATERAL) ------------------------------------ */

void migtd_qv_window_add(int64_t *latest_issue, int64_t *earliest_expiry, int64_t issue,
			 int64_t expiry)
{
	if (issue && (!*latest_issue || issue > *latest_issue))
		*latest_issue = issue;
	if (expiry && (!*earliest_expiry || expiry < *earliest_expiry))
		*earliest_expiry = expiry;
}

static void window_certs(const mbedtls_x509_crt *c, int64_t *li, int64_t *ee)
{
	for (; c && c->raw.p; c = c->next)
		migtd_qv_window_add(li, ee, migtd_qv_x509_time(&c->valid_from),
				    migtd_qv_x509_time(&c->valid_to));
}

static int window_chain(const uint8_t *pem, size_t len, int64_t *li, int64_t *ee)
{
	mbedtls_x509_crt chain;
	int n;

	if (!pem)
		return MIGTD_OK;
	mbedtls_x509_crt_init(&chain);
	n = migtd_qv_load_certs(pem, len, &chain);
	if (n > 0)
		window_certs(&chain, li, ee);
	mbedtls_x509_crt_free(&chain);
	return n == MIGTD_ERR_NOMEM ? n : (n > 0 ? MIGTD_OK : MIGTD_ERR_QUOTE);
}

static int window_crl(const uint8_t *buf, size_t len, int64_t *li, int64_t *ee)
{
	mbedtls_x509_crl crl;
	int ret = MIGTD_OK;

	if (!buf)
		return MIGTD_OK;
	mbedtls_x509_crl_init(&crl);
	if (migtd_qv_load_crl(buf, len, &crl))
		ret = MIGTD_ERR_QUOTE;
	else
		migtd_qv_window_add(li, ee, migtd_qv_x509_time(&crl.this_update),
				    crl.next_update.year ? migtd_qv_x509_time(&crl.next_update)
							 : 0);
	mbedtls_x509_crl_free(&crl);
	return ret;
}

static int window_json(const uint8_t *json, size_t len, int64_t *li, int64_t *ee)
{
	int64_t issue = 0, next = 0;

	if (!json)
		return MIGTD_OK;
	if (migtd_qv_collateral_dates(json, len, &issue, &next))
		return MIGTD_ERR_QUOTE;
	migtd_qv_window_add(li, ee, issue, next);
	return MIGTD_OK;
}

int migtd_quote_collateral_window(const struct migtd_quote_collateral *c, int64_t *latest_issue,
				  int64_t *earliest_expiry)
{
	int64_t li = 0, ee = 0;
	int ret;

	if (!c || !latest_issue || !earliest_expiry)
		return MIGTD_ERR_STATE;
	if ((ret = window_crl(c->root_crl, c->root_crl_len, &li, &ee)) ||
	    (ret = window_crl(c->pck_crl, c->pck_crl_len, &li, &ee)) ||
	    (ret = window_json(c->tcb_info, c->tcb_info_len, &li, &ee)) ||
	    (ret = window_json(c->qe_identity, c->qe_identity_len, &li, &ee)) ||
	    (ret = window_chain(c->tcb_info_issuer_chain, c->tcb_info_issuer_chain_len, &li,
				&ee)) ||
	    (ret = window_chain(c->qe_identity_issuer_chain, c->qe_identity_issuer_chain_len, &li,
				&ee)))
		return ret;
	*latest_issue = li;
	*earliest_expiry = ee;
	return MIGTD_OK;
}

const char *migtd_pck_ca_name(enum migtd_pck_ca ca)
{
	return ca == MIGTD_PCK_CA_PROCESSOR ? "processor" : "platform";
}

/* Intel names its PCK CAs "Intel SGX PCK Processor CA" / "... Platform CA". */
static enum migtd_pck_ca pck_ca_type(const mbedtls_x509_crt *ca)
{
	static const char word[] = "Processor";
	const uint8_t *p = ca->subject_raw.p;
	size_t n = ca->subject_raw.len, w = sizeof(word) - 1;

	for (size_t i = 0; n >= w && i <= n - w; i++)
		if (memcmp(p + i, word, w) == 0)
			return MIGTD_PCK_CA_PROCESSOR;
	return MIGTD_PCK_CA_PLATFORM;
}

/* The COLLATERAL step: ask the provider (if any), then fix the evaluation time. */
static int collateral_step(const struct migtd_quote_verify_params *params,
			   struct migtd_quote_verify_result *res, const mbedtls_x509_crt *chain,
			   const struct migtd_quote_collateral **cp)
{
	const struct migtd_quote_collateral *c = params->collateral;
	int64_t li = 0, ee = 0;
	int ret;

	if (!c && params->provider) {
		ret = params->provider(params->provider_ctx, res->pck.fmspc, res->pck_ca, &c);
		if (ret == MIGTD_ERR_AGAIN || ret == MIGTD_ERR_NOMEM)
			return ret;
		if (ret || !c)
			return fail(res, MIGTD_QSTEP_COLLATERAL,
				    "collateral for the platform could not be obtained");
	}
	*cp = c;
	res->verify_time = params->now;
	if (params->time_mode == MIGTD_QTIME_COLLATERAL) {
		if (!c)
			return fail(res, MIGTD_QSTEP_COLLATERAL,
				    "collateral time requested without collateral");
		if (c->latest_issue || c->earliest_expiry) {
			li = c->latest_issue;
			ee = c->earliest_expiry;
		} else if ((ret = migtd_quote_collateral_window(c, &li, &ee)) != MIGTD_OK) {
			if (ret == MIGTD_ERR_NOMEM)
				return ret;
			return fail(res, MIGTD_QSTEP_COLLATERAL, "collateral dates malformed");
		}
		window_certs(chain, &li, &ee);
		/* The middle of the window, as upstream's library picks it; at
		 * that time expiry is only reported, never fatal. */
		res->verify_time = li / 2 + ee / 2 + (li % 2 + ee % 2) / 2;
		res->collateral_expired = ee <= res->verify_time;
	}
	if (c)
		pass(res, MIGTD_QSTEP_COLLATERAL);
	else
		skip(res, MIGTD_QSTEP_COLLATERAL, "no collateral supplied");
	return MIGTD_OK;
}

static int chain_steps(const struct migtd_quote_verify_params *params,
		       struct migtd_quote_verify_result *res, mbedtls_x509_crt *chain,
		       uint8_t leaf_key[QV_KEY_LEN], uint8_t enrolled[QV_KEY_LEN],
		       const struct migtd_quote_collateral **cp)
{
	struct migtd_sig_cache *sc = params->sig_cache;
	const struct migtd_quote_collateral *c = NULL;
	const struct migtd_quote *q = &res->quote;
	const mbedtls_x509_crt *leaf, *ca, *root;
	uint8_t root_key[QV_KEY_LEN], ca_key[QV_KEY_LEN];
	const char *why = NULL;
	int64_t now;
	int n, ret;

	n = migtd_qv_load_certs(q->pck_chain, q->pck_chain_len, chain);
	if (n == MIGTD_ERR_NOMEM)
		return MIGTD_ERR_NOMEM;
	if (n != 3)
		return fail(res, MIGTD_QSTEP_PCK_CHAIN,
			    n < 0 ? "PCK chain does not parse"
				  : "PCK chain must hold exactly leaf, CA and root");
	leaf = chain;
	ca = leaf->next;
	root = ca->next;
	if (migtd_qv_cert_key(leaf, leaf_key) || migtd_qv_cert_key(ca, ca_key) ||
	    migtd_qv_cert_key(root, root_key))
		return fail(res, MIGTD_QSTEP_PCK_CHAIN, "PCK chain key is not ECDSA P-256");
	pass(res, MIGTD_QSTEP_PCK_CHAIN);

	if (enrolled_key(params->root_ca, params->root_ca_len, enrolled))
		return fail(res, MIGTD_QSTEP_ROOT_CA, "enrolled root CA is not a P-256 key/cert");
	if (memcmp(enrolled, root_key, QV_KEY_LEN) != 0)
		return fail(res, MIGTD_QSTEP_ROOT_CA, "chain root is not the enrolled root CA");
	pass(res, MIGTD_QSTEP_ROOT_CA);

	if (!same_name(&root->issuer_raw, &root->subject_raw) ||
	    migtd_qv_verify_signed_memo(sc, &root->raw, &root->tbs, root_key))
		return fail(res, MIGTD_QSTEP_CHAIN_SIGS, "root CA self-signature does not verify");
	if (!same_name(&ca->issuer_raw, &root->subject_raw) ||
	    mbedtls_x509_crt_get_ca_istrue(root) != 1 ||
	    migtd_qv_verify_signed_memo(sc, &ca->raw, &ca->tbs, root_key))
		return fail(res, MIGTD_QSTEP_CHAIN_SIGS, "PCK CA signature does not verify");
	if (!same_name(&leaf->issuer_raw, &ca->subject_raw) ||
	    mbedtls_x509_crt_get_ca_istrue(ca) != 1 ||
	    mbedtls_x509_crt_check_key_usage(ca, MBEDTLS_X509_KU_KEY_CERT_SIGN) != 0 ||
	    migtd_qv_verify_signed_memo(sc, &leaf->raw, &leaf->tbs, ca_key))
		return fail(res, MIGTD_QSTEP_CHAIN_SIGS, "PCK leaf signature does not verify");
	pass(res, MIGTD_QSTEP_CHAIN_SIGS);

	/* The SGX extension names the platform (FMSPC) whose collateral applies. */
	if (migtd_pck_ext_parse(leaf->v3_ext.p, leaf->v3_ext.len, &res->pck))
		return fail(res, MIGTD_QSTEP_PCK_EXT, "PCK leaf has no valid SGX extension");
	res->pck_ca = pck_ca_type(ca);
	pass(res, MIGTD_QSTEP_PCK_EXT);

	ret = collateral_step(params, res, chain, &c);
	if (ret)
		return ret;
	*cp = c;
	now = params->time_mode == MIGTD_QTIME_COLLATERAL ? QV_TIME_ANY : res->verify_time;

	if (!migtd_qv_cert_valid_at(leaf, now))
		return fail(res, MIGTD_QSTEP_CERT_VALIDITY, "PCK leaf not valid at the given time");
	if (!migtd_qv_cert_valid_at(ca, now))
		return fail(res, MIGTD_QSTEP_CERT_VALIDITY, "PCK CA not valid at the given time");
	if (!migtd_qv_cert_valid_at(root, now))
		return fail(res, MIGTD_QSTEP_CERT_VALIDITY, "root CA not valid at the given time");
	pass(res, MIGTD_QSTEP_CERT_VALIDITY);

	if (c && c->root_crl) {
		if (check_crl(sc, c->root_crl, c->root_crl_len, root, ca, now, &why))
			return fail(res, MIGTD_QSTEP_ROOT_CRL, why);
		pass(res, MIGTD_QSTEP_ROOT_CRL);
	} else {
		skip(res, MIGTD_QSTEP_ROOT_CRL, "no root CA CRL supplied");
	}
	if (c && c->pck_crl) {
		if (check_crl(sc, c->pck_crl, c->pck_crl_len, ca, leaf, now, &why))
			return fail(res, MIGTD_QSTEP_PCK_CRL, why);
		pass(res, MIGTD_QSTEP_PCK_CRL);
	} else {
		skip(res, MIGTD_QSTEP_PCK_CRL, "no PCK CRL supplied");
	}
	return MIGTD_OK;
}

static int signature_steps(struct migtd_sig_cache *sc, struct migtd_quote_verify_result *res,
			   const uint8_t leaf_key[QV_KEY_LEN])
{
	const struct migtd_quote *q = &res->quote;
	mbedtls_sha256_context sha;
	uint8_t hash[32], memo[32];
	static const uint8_t zeros[32];
	int ret;

	if (mbedtls_sha256(q->qe_report, MIGTD_QUOTE_SGX_REPORT_SIZE, hash, 0) ||
	    sig_digest("qer\0", leaf_key, hash, sizeof(hash), q->qe_report_sig, 64, memo))
		return MIGTD_ERR_CRYPTO;
	if (sig_cache_has(sc, memo)) {
		ret = MIGTD_OK;
	} else {
		ret = migtd_quote_ecdsa_verify(leaf_key, QV_KEY_LEN, hash, q->qe_report_sig);
		if (ret == MIGTD_OK)
			sig_cache_add(sc, memo);
	}
	if (ret == MIGTD_ERR_NOMEM || ret == MIGTD_ERR_CRYPTO)
		return ret;
	if (ret)
		return fail(res, MIGTD_QSTEP_QE_REPORT_SIG,
			    "QE report signature does not verify with the PCK key");
	pass(res, MIGTD_QSTEP_QE_REPORT_SIG);

	mbedtls_sha256_init(&sha);
	ret = mbedtls_sha256_starts(&sha, 0);
	if (!ret)
		ret = mbedtls_sha256_update(&sha, q->attest_key, MIGTD_QUOTE_ECDSA_KEY_SIZE);
	if (!ret)
		ret = mbedtls_sha256_update(&sha, q->qe_auth_data, q->qe_auth_len);
	if (!ret)
		ret = mbedtls_sha256_finish(&sha, hash);
	mbedtls_sha256_free(&sha);
	if (ret)
		return MIGTD_ERR_CRYPTO;
	if (memcmp(hash, q->qe.report_data, 32) != 0 ||
	    memcmp(q->qe.report_data + 32, zeros, 32) != 0)
		return fail(res, MIGTD_QSTEP_QE_REPORT_DATA,
			    "QE REPORTDATA does not bind the attestation key and QE auth data");
	pass(res, MIGTD_QSTEP_QE_REPORT_DATA);

	if (mbedtls_sha256(q->signed_data, q->signed_len, hash, 0))
		return MIGTD_ERR_CRYPTO;
	ret = migtd_quote_ecdsa_verify(q->attest_key, MIGTD_QUOTE_ECDSA_KEY_SIZE, hash,
				       q->signature);
	if (ret == MIGTD_ERR_NOMEM || ret == MIGTD_ERR_CRYPTO)
		return ret;
	if (ret)
		return fail(res, MIGTD_QSTEP_QUOTE_SIG,
			    ret == MIGTD_ERR_INVALID ? "attestation key is not a P-256 point"
						     : "quote signature does not verify");
	pass(res, MIGTD_QSTEP_QUOTE_SIG);
	return MIGTD_OK;
}

static int64_t check_time(const struct migtd_quote_verify_params *params,
			  const struct migtd_quote_verify_result *res)
{
	return params->time_mode == MIGTD_QTIME_COLLATERAL ? QV_TIME_ANY : res->verify_time;
}

/* root: the enrolled root CA's key, as chain_steps read it. */
static int collateral_steps(const struct migtd_quote_verify_params *params,
			    const struct migtd_quote_collateral *c, const uint8_t root[QV_KEY_LEN],
			    struct migtd_quote_verify_result *res)
{
	const char *why = NULL;
	int ret;

	if (!c || (!c->tcb_info && !c->qe_identity)) {
		skip(res, MIGTD_QSTEP_TCB_INFO, "no TCB Info supplied");
		skip(res, MIGTD_QSTEP_QE_IDENTITY, "no QE Identity supplied");
		skip(res, MIGTD_QSTEP_TCB_LEVEL, "no TCB Info supplied");
		return MIGTD_OK;
	}
	if (c->tcb_info) {
		ret = migtd_qv_check_tcb_info(params->sig_cache, c, root, check_time(params, res),
					      res, &why);
		if (ret == MIGTD_ERR_NOMEM)
			return ret;
		if (ret)
			return fail(res, MIGTD_QSTEP_TCB_INFO, why);
		pass(res, MIGTD_QSTEP_TCB_INFO);
	} else {
		skip(res, MIGTD_QSTEP_TCB_INFO, "no TCB Info supplied");
	}
	if (c->qe_identity) {
		ret = migtd_qv_check_qe_identity(params->sig_cache, c, root,
						 check_time(params, res), res, &why);
		if (ret == MIGTD_ERR_NOMEM)
			return ret;
		if (ret)
			return fail(res, MIGTD_QSTEP_QE_IDENTITY, why);
		pass(res, MIGTD_QSTEP_QE_IDENTITY);
	} else {
		skip(res, MIGTD_QSTEP_QE_IDENTITY, "no QE Identity supplied");
	}
	if (c->tcb_info) {
		ret = migtd_qv_match_tcb_level(c, res, &why);
		if (ret == MIGTD_ERR_NOMEM)
			return ret;
		if (ret)
			return fail(res, MIGTD_QSTEP_TCB_LEVEL, why);
		pass(res, MIGTD_QSTEP_TCB_LEVEL);
	} else {
		skip(res, MIGTD_QSTEP_TCB_LEVEL, "no TCB Info supplied");
	}
	return MIGTD_OK;
}

int migtd_quote_verify(const uint8_t *quote, size_t quote_len,
		       const struct migtd_quote_verify_params *params,
		       struct migtd_quote_verify_result *res,
		       uint8_t report[MIGTD_VERIFIED_REPORT_SIZE])
{
	const struct migtd_quote_collateral *coll = NULL;
	mbedtls_x509_crt chain;
	uint8_t leaf_key[QV_KEY_LEN], root[QV_KEY_LEN];
	int ret;

	if (!quote || !params || !params->root_ca || !res)
		return MIGTD_ERR_STATE;
	memset(res, 0, sizeof(*res));
	res->failed_step = MIGTD_QSTEP_COUNT;
	res->qe_misc_select_mask = 0xffffffffu;
	memset(res->qe_attributes_mask, 0xff, sizeof(res->qe_attributes_mask));
	mbedtls_x509_crt_init(&chain);

	ret = migtd_quote_parse(quote, quote_len, &res->quote);
	if (ret) {
		ret = fail(res, MIGTD_QSTEP_PARSE, parse_reason(ret));
		goto out;
	}
	pass(res, MIGTD_QSTEP_PARSE);
	memcpy(res->tdx_tcb_comp, res->quote.body.tee_tcb_svn, 16);

	ret = chain_steps(params, res, &chain, leaf_key, root, &coll);
	if (ret)
		goto out;
	ret = signature_steps(params->sig_cache, res, leaf_key);
	if (ret)
		goto out;
	ret = collateral_steps(params, coll, root, res);
	if (ret)
		goto out;
	if (report) {
		migtd_verified_report_build(res, report);
		migtd_verified_report_mask(report);
	}
out:
	mbedtls_x509_crt_free(&chain);
	/* Collateral not there yet: no verdict, the caller asks again later. */
	if (ret == MIGTD_ERR_AGAIN)
		return ret;
	/* Anything that is not a step failure (heap, crypto) still names a step. */
	if (ret && res->failed_step == MIGTD_QSTEP_COUNT) {
		for (int i = 0; i < MIGTD_QSTEP_COUNT; i++) {
			if (res->state[i] == MIGTD_QSTEP_NOT_RUN) {
				res->state[i] = MIGTD_QSTEP_FAIL;
				res->reason[i] = migtd_err_str(ret);
				res->failed_step = (enum migtd_quote_step)i;
				break;
			}
		}
	}
	return ret == MIGTD_ERR_NOMEM ? ret : (ret ? MIGTD_ERR_QUOTE : MIGTD_OK);
}

/* ---------------------------------------------------------------- verified report */

static void put_status(uint8_t *dst, const char *s)
{
	size_t n = strlen(s);

	/* Longer names are cut to 31 characters and keep their NUL (docs/collateral.md). */
	memset(dst, 0, MIGTD_TCB_STATUS_LEN);
	memcpy(dst, s, n < MIGTD_TCB_STATUS_LEN - 1 ? n : MIGTD_TCB_STATUS_LEN - 1);
}

static int64_t min_date(int64_t a, int64_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

void migtd_verified_report_build(const struct migtd_quote_verify_result *res,
				 uint8_t report[MIGTD_VERIFIED_REPORT_SIZE])
{
	const struct migtd_quote *q = &res->quote;
	struct wire_writer w;

	memset(report, 0, MIGTD_VERIFIED_REPORT_SIZE);
	migtd_wire_writer_init(&w, report, MIGTD_VERIFIED_REPORT_SIZE);
	/* 0..584: the TD report body as the library returns it (TDX 1.0 layout;
	 * bytes 0..16 carry TEE_TCB_SVN, which MigTD's policy does not read). */
	migtd_wire_write_bytes(&w, q->body_raw, MIGTD_QUOTE_TD10_BODY_SIZE);
	migtd_wire_write_bytes(&w, res->pck.fmspc, 6); /* 584 */
	/* With collateral, the matched levels' values (docs/collateral.md). */
	migtd_wire_write_bytes(&w, res->tdx_tcb_comp, 16);                              /* 590 */
	migtd_wire_write_u16(&w, res->have_tcb ? res->level_pcesvn : res->pck.pce_svn); /* 606 */
	migtd_wire_write_bytes(&w, res->have_tcb ? res->level_sgx_comp : res->pck.sgx_tcb_comp,
			       16);                      /* 608 */
	migtd_wire_write_u8(&w, q->body.tee_tcb_svn[1]); /* 624 module major */
	migtd_wire_write_u8(&w, res->have_tcb ? res->module_svn : q->body.tee_tcb_svn[0]); /* 625 */
	migtd_wire_write_u32(&w, q->qe.misc_select);                                       /* 626 */
	migtd_wire_write_u32(&w, res->qe_misc_select_mask);                                /* 630 */
	migtd_wire_write_bytes(&w, q->qe.attributes, 16);                                  /* 634 */
	migtd_wire_write_bytes(&w, res->qe_attributes_mask, 16);                           /* 650 */
	migtd_wire_write_bytes(&w, q->qe.mr_enclave, 32);                                  /* 666 */
	migtd_wire_write_bytes(&w, q->qe.mr_signer, 32);                                   /* 698 */
	migtd_wire_write_u16(&w, q->qe.isv_prod_id);                                       /* 730 */
	migtd_wire_write_u16(&w, res->have_qe_identity ? res->qe_level_isvsvn
						       : q->qe.isv_svn);               /* 732 */
	migtd_wire_write_u64(&w, (uint64_t)min_date(res->tcb_date, res->qe_tcb_date)); /* 734 */
	migtd_wire_write_zero(&w, MIGTD_TCB_STATUS_LEN);      /* 742 status */
	migtd_wire_write_u64(&w, (uint64_t)res->tcb_date);    /* 774 */
	migtd_wire_write_u64(&w, (uint64_t)res->qe_tcb_date); /* 782 */
	migtd_wire_write_zero(&w, MIGTD_TCB_STATUS_LEN);      /* 790 QE status */
	put_status(report + MIGTD_VR_TCB_STATUS,
		   migtd_qv_converge_status(res->tcb_status, res->qe_tcb_status));
	put_status(report + MIGTD_VR_QE_TCB_STATUS, res->qe_tcb_status);
}

void migtd_verified_report_mask(uint8_t report[MIGTD_VERIFIED_REPORT_SIZE])
{
	for (size_t i = 0; i < 4; i++)
		report[MIGTD_VR_QE_MISCSELECT + i] &= report[MIGTD_VR_QE_MISCSELECT_MASK + i];
	for (size_t i = 0; i < 16; i++)
		report[MIGTD_VR_QE_ATTRIBUTES + i] &= report[MIGTD_VR_QE_ATTRIBUTES_MASK + i];
}
