/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for the policy v2 side of core/ratls: the policy-hash
 * certificate extension (docs/protocol.md §5.3) and the v2 peer verifier
 * (§5.5 v2, §1.5: hash mismatch 9, authentication 8/9, key binding 6),
 * alone and inside full TLS 1.3 handshakes over in-memory pipes.
 *
 * What is faked: the v2 authentication (policy_v2's job, tested there). The
 * "quote" is a buffer with the REPORTDATA at the v4 body offset; the fake
 * copies it into the verified report so the key-binding check runs on real
 * bytes. Keys, certificates, signatures and TLS are real mbedTLS/PSA.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include "migtd/ratls.h"
#include "ratls_pair.h"

psa_status_t mbedtls_psa_external_get_random(mbedtls_psa_external_random_context_t *context,
					     uint8_t *output, size_t output_size,
					     size_t *output_length);
typedef psa_status_t (*rng_hook_fn)(mbedtls_psa_external_random_context_t *, uint8_t *, size_t,
				    size_t *);
rng_hook_fn migtd_test_rng_hook = mbedtls_psa_external_get_random;

#define FQ_LEN 700
#define WORK_CAP 32768
static const uint8_t evlog[] = { 1, 2, 3, 4, 5, 0xFF };

struct fake_auth {
	int ret;
	int calls;
	bool is_src;
	size_t local_quote_len, peer_quote_len, evlog_len;
	bool flip_rd; /* hand back a report for another key */
};

static int fake_authenticate(void *ctx, bool is_src, const uint8_t *local_quote,
			     size_t local_quote_len, const uint8_t *peer_quote,
			     size_t peer_quote_len, const uint8_t *peer_evlog,
			     size_t peer_evlog_len, uint8_t report[MIGTD_VERIFIED_REPORT_SIZE])
{
	struct fake_auth *f = ctx;

	(void)local_quote;
	(void)peer_evlog;
	f->calls++;
	f->is_src = is_src;
	f->local_quote_len = local_quote_len;
	f->peer_quote_len = peer_quote_len;
	f->evlog_len = peer_evlog_len;
	memset(report, 0, MIGTD_VERIFIED_REPORT_SIZE);
	if (peer_quote_len == FQ_LEN)
		memcpy(report + MIGTD_VR_REPORT_DATA, peer_quote + 568, 64);
	if (f->flip_rd)
		report[MIGTD_VR_REPORT_DATA] ^= 1;
	return f->ret;
}

static int no_quote(void *ctx, const uint8_t *q, size_t n, uint8_t r[MIGTD_VERIFIED_REPORT_SIZE])
{
	(void)ctx;
	(void)q;
	(void)n;
	(void)r;
	return MIGTD_ERR_QUOTE;
}

static int no_policy(void *ctx, bool is_src, const uint8_t l[MIGTD_VERIFIED_REPORT_SIZE],
		     const uint8_t p[MIGTD_VERIFIED_REPORT_SIZE], const uint8_t *e, size_t n)
{
	(void)ctx;
	(void)is_src;
	(void)l;
	(void)p;
	(void)e;
	(void)n;
	return MIGTD_ERR_POLICY;
}

static int setup_psa(void **state)
{
	(void)state;
	return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
}

static struct fake_auth unused_auth;

/*
 * A fresh session (v2 when hash is set) with a quote binding its key, set up
 * the way the session does it: the certificate it would send, into der.
 */
static size_t make_cert(struct ratls_session *s, const uint8_t *hash, uint8_t *der, size_t cap)
{
	static const struct ratls_callbacks cb = { no_quote, no_policy, NULL };
	static struct rp_link l;
	struct ratls_io io = { rp_pipe_send, rp_pipe_recv, &l.se };
	uint8_t rd[64], quote[FQ_LEN];
	uint8_t *work = malloc(WORK_CAP);

	assert_non_null(work);
	rp_link_init(&l);
	assert_int_equal(migtd_ratls_session_init(s, RATLS_SERVER, &cb), MIGTD_OK);
	if (hash != NULL)
		assert_int_equal(migtd_ratls_session_set_policy_v2(s, hash, hash, fake_authenticate,
								   &unused_auth),
				 MIGTD_OK);
	assert_int_equal(migtd_ratls_session_report_data(s, rd), MIGTD_OK);
	memset(quote, 0x51, sizeof(quote));
	memcpy(quote + 568, rd, 64);
	assert_int_equal(migtd_ratls_session_start(s, quote, sizeof(quote), evlog, sizeof(evlog), 0,
						   &io, work, WORK_CAP),
			 MIGTD_OK);
	free(work);
	assert_true(s->own_cert.raw.len <= cap);
	memcpy(der, s->own_cert.raw.p, s->own_cert.raw.len);
	return s->own_cert.raw.len;
}

/* Offset of the DER OID bytes (06 0B <oid>) of an RA-TLS extension, or 0. */
static size_t find_oid(const uint8_t *der, size_t len, const char *oid)
{
	for (size_t i = 0; i + 2 + RATLS_OID_LEN <= len; i++)
		if (der[i] == 0x06 && der[i + 1] == RATLS_OID_LEN &&
		    memcmp(der + i + 2, oid, RATLS_OID_LEN) == 0)
			return i;
	return 0;
}

static void test_cert_carries_policy_hash(void **state)
{
	struct ratls_session s;
	uint8_t hash[RATLS_POLICY_HASH_SIZE], *der = malloc(WORK_CAP);
	size_t n, at_quote, at_hash;
	mbedtls_x509_crt crt;

	(void)state;
	for (unsigned i = 0; i < sizeof(hash); i++)
		hash[i] = (uint8_t)(0xA0 + i);
	n = make_cert(&s, hash, der, WORK_CAP);
	at_quote = find_oid(der, n, RATLS_OID_QUOTE);
	at_hash = find_oid(der, n, RATLS_OID_POLICY_HASH);
	assert_true(at_quote > 0);
	assert_true(at_hash > at_quote); /* §5.3: after the quote */
	/* 06 0B oid, then the 48 bytes as an OCTET STRING (04 30), not critical. */
	assert_int_equal(der[at_hash + 13], 0x04);
	assert_int_equal(der[at_hash + 14], RATLS_POLICY_HASH_SIZE);
	assert_memory_equal(der + at_hash + 15, hash, sizeof(hash));
	/* A well-formed certificate for mbedTLS (unknown non-critical ext). */
	mbedtls_x509_crt_init(&crt);
	assert_int_equal(mbedtls_x509_crt_parse_der(&crt, der, n), 0);
	mbedtls_x509_crt_free(&crt);
	migtd_ratls_session_free(&s);

	/* v1 certificates never carry it. */
	n = make_cert(&s, NULL, der, WORK_CAP);
	assert_int_equal(find_oid(der, n, RATLS_OID_POLICY_HASH), 0);
	assert_true(find_oid(der, n, RATLS_OID_QUOTE) > 0);
	migtd_ratls_session_free(&s);
	free(der);
}

static int verify_v2(const uint8_t *der, size_t n, const uint8_t *want_hash, struct fake_auth *f,
		     const char **why)
{
	uint8_t local[FQ_LEN] = { 0 };
	struct ratls_verifier_v2 v = {
		.authenticate = fake_authenticate,
		.ctx = f,
		.is_src = true,
		.local_quote = local,
		.local_quote_len = sizeof(local),
		.peer_policy_hash = want_hash,
	};

	return migtd_ratls_verify_peer_cert_v2(&v, der, n, why);
}

static void test_verify_v2_outcomes(void **state)
{
	struct ratls_session s;
	uint8_t hash[RATLS_POLICY_HASH_SIZE], other[RATLS_POLICY_HASH_SIZE];
	uint8_t *der = malloc(WORK_CAP);
	struct fake_auth f;
	const char *why = NULL;
	size_t n;

	(void)state;
	memset(hash, 0x3C, sizeof(hash));
	n = make_cert(&s, hash, der, WORK_CAP);

	memset(&f, 0, sizeof(f));
	assert_int_equal(verify_v2(der, n, hash, &f, &why), MIGTD_OK);
	assert_int_equal(f.calls, 1);
	assert_true(f.is_src);
	assert_int_equal(f.peer_quote_len, FQ_LEN);
	assert_int_equal(f.local_quote_len, FQ_LEN);
	assert_int_equal(f.evlog_len, sizeof(evlog));

	/* The data the peer sent is not what its certificate names: 9, and
	 * the peer is not authenticated at all. */
	memcpy(other, hash, sizeof(other));
	for (unsigned i = 0; i < sizeof(other); i += 47) {
		other[i] ^= 0x01;
		memset(&f, 0, sizeof(f));
		assert_int_equal(verify_v2(der, n, other, &f, &why), MIGTD_ERR_INVALID_POLICY);
		assert_non_null(strstr(why, "policy-hash"));
		assert_int_equal(f.calls, 0);
		other[i] ^= 0x01;
	}

	/* Authentication verdicts: 8 for anything, 9 for an invalid policy. */
	memset(&f, 0, sizeof(f));
	f.ret = MIGTD_ERR_QUOTE;
	assert_int_equal(verify_v2(der, n, hash, &f, &why), MIGTD_ERR_POLICY);
	f.ret = MIGTD_ERR_INVALID_POLICY;
	assert_int_equal(verify_v2(der, n, hash, &f, &why), MIGTD_ERR_INVALID_POLICY);

	/* The verified report does not bind this key: 6, after authentication. */
	memset(&f, 0, sizeof(f));
	f.flip_rd = true;
	assert_int_equal(verify_v2(der, n, hash, &f, &why), MIGTD_ERR_PEER_CERT);
	assert_non_null(strstr(why, "REPORTDATA"));
	assert_int_equal(f.calls, 1);

	/* Tampered signature: 6. */
	memset(&f, 0, sizeof(f));
	der[n - 1] ^= 0x01;
	assert_int_equal(verify_v2(der, n, hash, &f, &why), MIGTD_ERR_PEER_CERT);
	assert_non_null(strstr(why, "self-signature"));
	der[n - 1] ^= 0x01;
	migtd_ratls_session_free(&s);

	/* A v1 certificate (no policy hash) offered to a v2 verifier: 6. */
	n = make_cert(&s, NULL, der, WORK_CAP);
	memset(&f, 0, sizeof(f));
	assert_int_equal(verify_v2(der, n, hash, &f, &why), MIGTD_ERR_PEER_CERT);
	assert_non_null(strstr(why, "policy-hash extension"));
	assert_int_equal(f.calls, 0);
	/* Not a certificate at all: 6. */
	assert_int_equal(verify_v2(der, 40, hash, &f, &why), MIGTD_ERR_PEER_CERT);
	assert_int_equal(verify_v2(NULL, 0, NULL, &f, &why), MIGTD_ERR_STATE);
	migtd_ratls_session_free(&s);
	free(der);
}

/* ---- whole handshakes ------------------------------------------------------- */

struct v2pair {
	struct rp_link l;
	struct fake_auth cf, sf;
	struct ratls_session c, s;
};

static void start_v2(struct ratls_session *s, enum ratls_role role, struct fake_auth *f,
		     struct rp_end *e, const uint8_t own[48], const uint8_t peer[48])
{
	static const struct ratls_callbacks cb = { no_quote, no_policy, NULL };
	struct ratls_io io = { rp_pipe_send, rp_pipe_recv, e };
	uint8_t rd[64], quote[FQ_LEN];
	uint8_t *work = malloc(WORK_CAP);

	assert_non_null(work);
	assert_int_equal(migtd_ratls_session_init(s, role, &cb), MIGTD_OK);
	assert_int_equal(migtd_ratls_session_set_policy_v2(s, own, peer, fake_authenticate, f),
			 MIGTD_OK);
	assert_int_equal(migtd_ratls_session_report_data(s, rd), MIGTD_OK);
	memset(quote, role == RATLS_CLIENT ? 0xC1 : 0x5E, sizeof(quote));
	memcpy(quote + 568, rd, 64);
	assert_int_equal(migtd_ratls_session_start(s, quote, sizeof(quote), evlog, sizeof(evlog), 0,
						   &io, work, WORK_CAP),
			 MIGTD_OK);
	free(work);
}

/* Client blob hash hc, server blob hash hs; each side expects what it was told. */
static struct v2pair *v2pair_new(const uint8_t hc[48], const uint8_t hs[48],
				 const uint8_t c_expects[48], const uint8_t s_expects[48])
{
	struct v2pair *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	rp_link_init(&p->l);
	start_v2(&p->c, RATLS_CLIENT, &p->cf, &p->l.ce, hc, c_expects);
	start_v2(&p->s, RATLS_SERVER, &p->sf, &p->l.se, hs, s_expects);
	return p;
}

static void v2pair_free(struct v2pair *p)
{
	migtd_ratls_session_free(&p->c);
	migtd_ratls_session_free(&p->s);
	free(p);
}

static void test_handshake_v2(void **state)
{
	uint8_t hc[48], hs[48];
	struct v2pair *p;
	int rc = 0, rs = 0;
	uint8_t b[40];

	(void)state;
	memset(hc, 0xC0, sizeof(hc));
	memset(hs, 0x50, sizeof(hs));
	p = v2pair_new(hc, hs, hs, hc);
	rp_run_handshake(&p->l, &p->c, &p->s, &rc, &rs);
	assert_int_equal(rc, MIGTD_OK);
	assert_int_equal(rs, MIGTD_OK);
	assert_int_equal(p->cf.calls, 1);
	assert_int_equal(p->sf.calls, 1);
	assert_true(p->cf.is_src);
	assert_false(p->sf.is_src);
	memset(b, 7, sizeof(b));
	assert_int_equal(migtd_ratls_write(&p->c, b, sizeof(b)), 40);
	assert_int_equal(migtd_ratls_read(&p->s, b, sizeof(b)), 40);
	v2pair_free(p);

	/* The server was told another blob than the client's certificate
	 * names: the server reports 9, the client learns of it as a TLS
	 * failure (6) on its first read. */
	hs[0] ^= 1;
	p = v2pair_new(hc, hs, hs, hs);
	hs[0] ^= 1;
	rp_run_handshake(&p->l, &p->c, &p->s, &rc, &rs);
	assert_int_equal(rs, MIGTD_ERR_INVALID_POLICY);
	assert_int_equal(p->sf.calls, 0);
	if (rc == MIGTD_OK) {
		assert_int_equal(migtd_ratls_write(&p->c, b, sizeof(b)), 40);
		assert_int_equal(migtd_ratls_read(&p->c, b, sizeof(b)), MIGTD_ERR_TLS);
	} else {
		assert_int_equal(rc, MIGTD_ERR_TLS);
	}
	v2pair_free(p);

	/* The client's authentication refuses the server: 8 on the client. */
	p = v2pair_new(hc, hs, hs, hc);
	p->cf.ret = MIGTD_ERR_POLICY;
	rp_run_handshake(&p->l, &p->c, &p->s, &rc, &rs);
	assert_int_equal(rc, MIGTD_ERR_POLICY);
	assert_int_equal(p->sf.calls, 0);
	v2pair_free(p);
}

static void test_set_policy_v2_misuse(void **state)
{
	static const struct ratls_callbacks cb = { no_quote, no_policy, NULL };
	uint8_t h[48] = { 0 };
	struct ratls_session s;

	(void)state;
	assert_int_equal(migtd_ratls_session_init(&s, RATLS_CLIENT, &cb), MIGTD_OK);
	assert_int_equal(migtd_ratls_session_set_policy_v2(&s, h, h, NULL, NULL), MIGTD_ERR_STATE);
	migtd_ratls_session_free(&s);
	assert_int_equal(migtd_ratls_session_init(&s, RATLS_CLIENT, &cb), MIGTD_OK);
	assert_int_equal(migtd_ratls_session_set_policy_v2(&s, NULL, h, fake_authenticate, NULL),
			 MIGTD_ERR_STATE);
	migtd_ratls_session_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cert_carries_policy_hash),
		cmocka_unit_test(test_verify_v2_outcomes),
		cmocka_unit_test(test_handshake_v2),
		cmocka_unit_test(test_set_policy_v2_misuse),
	};

	return cmocka_run_group_tests(tests, setup_psa, NULL);
}
