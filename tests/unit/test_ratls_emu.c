/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * test_ratls_emu.c -- RA-TLS end to end with REAL quotes (docs/protocol.md §5, §8):
 * two in-process RA-TLS sessions, each on an emulated platform (emu_pki:
 * PCK chain under an emulated root CA; emu_tdx: TDG.MR.REPORT and RTMRs;
 * emu_quote_build: a TDX quote v4), over in-memory pipes.
 *
 * Nothing is faked on the attestation path: the quote callback is
 * migtd_quote_verify() against the enrolled root CA, the policy callback
 * replays the peer's event log against the RTMRs of its verified report
 * (migtd_eventlog_verify_rtmrs) and then runs migtd_policy_eval() -- the same sequence
 * as the session core's callbacks (src/core/session/session.c), which are
 * static there.
 *
 * Platforms: A and B share one root (two machines of one model), F has its
 * own root (a machine the MigTDs of A/B must not trust).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/psa_util.h>
#include <mbedtls/x509_crt.h>
#include <psa/crypto.h>

#include "migtd/eventlog.h"
#include "migtd/policy.h"
#include "migtd/quote.h"
#include "migtd/ratls.h"
#include "ratls_pair.h"
#include "support/testutil.h"

static const uint8_t g_mrtd[48] = { 0x4d, 0x69, 0x67, 0x54, 0x44, 0x2d, 0x63, 0x2d, 0x65 };

enum { PLAT_A, PLAT_B, PLAT_F, NPLAT };
static char g_dir[256];
static char g_pki[NPLAT][300];
static uint8_t *g_root[NPLAT];
static size_t g_root_len[NPLAT];
static struct policy_workspace g_ws;
static int g_client_peer_root = -1; /* >= 0: the client trusts this root for the server */

#define WORK_CAP (RATLS_MAX_CERT + 4096)

/* ---- one MigTD on one emulated platform (support/ratls_pair.h) ------------------ */

static struct rp_node *node_new(int plat, int root)
{
	struct rp_node *n = calloc(1, sizeof(*n));

	assert_non_null(n);
	rp_node_boot(n, g_pki[plat], g_mrtd, g_root[root], g_root_len[root], rp_self_policy,
		     &g_ws.policy);
	return n;
}

static void node_free(struct rp_node *n)
{
	rp_node_free(n);
	free(n);
}

struct pair {
	struct rp_link l;
	struct rp_node *c, *s;
	int rc, rs;
};

/* What to do to one side's evidence before its certificate is built. */
enum evil {
	EVIL_NONE,
	EVIL_OTHER_KEY, /* the quote binds another public key */
	EVIL_TAMPER,    /* one byte of the quote body flipped after signing */
	EVIL_NO_QUOTE,  /* certificate without the quote extension */
	EVIL_EVLOG,     /* event log that does not replay to the quote's RTMRs */
};

/*
 * Replace the session's certificate by one without the quote extension,
 * signed by the session key (mbedTLS's writer; the session's TLS config
 * points at s->own_cert, which is re-filled in place). The verifier's
 * "local quote" stays the real quote kept in the node.
 */
static void swap_cert_without_quote(struct rp_node *n)
{
	/* serverAuth, clientAuth, MigTD (§5.3): mbedTLS checks the TLS usages */
	static const uint8_t eku[] = {
		0x30, 0x21, 0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01,
		0x06, 0x08, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02, 0x06, 0x0B,
		0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x05, 0x05, 0x01, 0x01,
	};
	uint8_t serial[] = { 1 };
	mbedtls_x509write_cert w;
	uint8_t *der = malloc(WORK_CAP);
	int len;

	assert_non_null(der);
	mbedtls_x509write_crt_init(&w);
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	assert_int_equal(mbedtls_x509write_crt_set_serial_raw(&w, serial, 1), 0);
	assert_int_equal(mbedtls_x509write_crt_set_validity(&w, "20000101000000", "20991231235959"),
			 0);
	assert_int_equal(mbedtls_x509write_crt_set_subject_name(&w, "CN=MigTD,O=Intel"), 0);
	assert_int_equal(mbedtls_x509write_crt_set_issuer_name(&w, "CN=MigTD,O=Intel"), 0);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA384);
	mbedtls_x509write_crt_set_subject_key(&w, &n->tls.pk);
	mbedtls_x509write_crt_set_issuer_key(&w, &n->tls.pk);
	assert_int_equal(mbedtls_x509write_crt_set_extension(
				 &w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
				 MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0, eku,
				 sizeof(eku)),
			 0);
	assert_int_equal(mbedtls_x509write_crt_set_extension(&w, RATLS_OID_EVENT_LOG, RATLS_OID_LEN,
							     0, n->evlog, n->evlog_len),
			 0);
	len = mbedtls_x509write_crt_der(&w, der, WORK_CAP, mbedtls_psa_get_random,
					MBEDTLS_PSA_RANDOM_STATE);
	assert_true(len > 0);
	mbedtls_x509_crt_free(&n->tls.own_cert);
	mbedtls_x509_crt_init(&n->tls.own_cert);
	assert_int_equal(mbedtls_x509_crt_parse_der(&n->tls.own_cert, der + WORK_CAP - len,
						    (size_t)len),
			 0);
	n->tls.own_quote = n->quote;
	n->tls.own_quote_len = n->quote_len;
	mbedtls_x509write_crt_free(&w);
	free(der);
}

static void node_start(struct rp_node *n, enum ratls_role role, struct rp_end *e, enum evil evil)
{
	uint8_t rd[64], fake_log[8192];
	const uint8_t *log = n->evlog;
	size_t log_len = n->evlog_len;
	uint8_t *work = malloc(WORK_CAP);

	assert_non_null(work);
	rp_node_session(n, role, rd);
	if (evil == EVIL_OTHER_KEY) {
		struct ratls_callbacks cb = { rp_cb_verify_quote, rp_cb_eval_policy, n };
		struct ratls_session other;

		assert_int_equal(migtd_ratls_session_init(&other, role, &cb), MIGTD_OK);
		assert_int_equal(migtd_ratls_session_report_data(&other, rd), MIGTD_OK);
		migtd_ratls_session_free(&other);
	}
	rp_node_quote(n, rd);
	if (evil == EVIL_TAMPER)
		n->quote[48 + 136] ^= 0x01; /* first byte of MRTD */
	if (evil == EVIL_EVLOG) {
		/* The log of another policy, never extended into the RTMRs. */
		log_len = rp_node_build_log(n, fake_log, sizeof(fake_log),
					    "{\"id\":\"x\",\"policy\":[]}", false);
		log = fake_log;
	}
	rp_node_start(n, log, log_len, e, work, WORK_CAP);
	if (evil == EVIL_NO_QUOTE)
		swap_cert_without_quote(n);
	free(work);
}

static struct pair *pair_run(int cplat, int croot, enum evil cevil, int splat, int sroot,
			     enum evil sevil)
{
	struct pair *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	rp_link_init(&p->l);
	p->c = node_new(cplat, croot);
	p->s = node_new(splat, sroot);
	if (g_client_peer_root >= 0) {
		p->c->peer_root = g_root[g_client_peer_root];
		p->c->peer_root_len = g_root_len[g_client_peer_root];
	}
	node_start(p->c, RATLS_CLIENT, &p->l.ce, cevil);
	node_start(p->s, RATLS_SERVER, &p->l.se, sevil);
	rp_run_handshake(&p->l, &p->c->tls, &p->s->tls, &p->rc, &p->rs);
	return p;
}

static void pair_free(struct pair *p)
{
	node_free(p->c);
	node_free(p->s);
	free(p);
}

/* The client's first read after a server-side rejection (ratls.h): status 6. */
static void assert_client_read_fails(struct pair *p)
{
	uint8_t b[16];
	long n = MIGTD_ERR_AGAIN;

	for (int i = 0; i < 50 && n == MIGTD_ERR_AGAIN; i++) {
		(void)migtd_ratls_flush(&p->s->tls);
		n = migtd_ratls_read(&p->c->tls, b, sizeof(b));
	}
	assert_int_equal(n, MIGTD_ERR_TLS);
	assert_int_equal(migtd_err_status((int)n), 6);
}

/* ---- tests ---------------------------------------------------------------------- */

static void check_peer_report(const struct rp_node *me, const struct rp_node *peer)
{
	uint8_t pub[RATLS_PUBKEY_SIZE], rd[64];

	assert_int_equal(migtd_ratls_session_pubkey(&peer->tls, pub), MIGTD_OK);
	assert_int_equal(migtd_ratls_report_data(pub, sizeof(pub), rd), MIGTD_OK);
	assert_memory_equal(me->peer_report + MIGTD_VR_REPORT_DATA, rd, 64);
	assert_memory_equal(me->peer_report + 136, g_mrtd, 48); /* MRTD, §8.5 */
}

static void test_handshake_real_quotes(void **state)
{
	struct pair *p = pair_run(PLAT_A, PLAT_A, EVIL_NONE, PLAT_B, PLAT_A, EVIL_NONE);
	uint8_t got[32];
	long n = MIGTD_ERR_AGAIN;

	(void)state;
	assert_int_equal(p->rc, MIGTD_OK);
	assert_int_equal(p->rs, MIGTD_OK);
	/* each side: own quote, then the peer's, both to the enrolled root */
	assert_int_equal(p->c->verify_calls, 2);
	assert_int_equal(p->s->verify_calls, 2);
	assert_int_equal(p->c->last_verify, MIGTD_OK);
	assert_int_equal(p->s->last_verify, MIGTD_OK);
	assert_int_equal(p->c->qres.state[MIGTD_QSTEP_ROOT_CA], MIGTD_QSTEP_PASS);
	assert_int_equal(p->c->qres.state[MIGTD_QSTEP_QUOTE_SIG], MIGTD_QSTEP_PASS);
	assert_int_equal(p->c->policy_calls, 1);
	assert_int_equal(p->s->policy_calls, 1);
	check_peer_report(p->c, p->s);
	check_peer_report(p->s, p->c);
	assert_string_equal(mbedtls_ssl_get_ciphersuite(&p->c->tls.ssl),
			    "TLS1-3-AES-256-GCM-SHA384");
	assert_int_equal(migtd_ratls_write(&p->c->tls, (const uint8_t *)"exchange-information", 20),
			 20);
	for (int i = 0; i < 10 && n == MIGTD_ERR_AGAIN; i++)
		n = migtd_ratls_read(&p->s->tls, got, sizeof(got));
	assert_int_equal(n, 20);
	assert_memory_equal(got, "exchange-information", 20);
	pair_free(p);
}

/* A peer whose PCK chain ends at another root than the enrolled one: 7. */
static void test_foreign_root_server(void **state)
{
	struct pair *p = pair_run(PLAT_A, PLAT_A, EVIL_NONE, PLAT_F, PLAT_F, EVIL_NONE);

	(void)state;
	assert_int_equal(p->rc, MIGTD_ERR_QUOTE);
	assert_int_equal(migtd_err_status(p->rc), 7);
	assert_int_equal(p->c->verify_calls, 2); /* own OK, peer's failed */
	assert_int_equal(p->c->failed_step, MIGTD_QSTEP_ROOT_CA);
	assert_int_equal(p->c->policy_calls, 0);
	/* the server learns it from our alert: a TLS failure (6) */
	assert_int_equal(p->rs, MIGTD_ERR_TLS);
	pair_free(p);
}

/*
 * The server judges a client from a foreign root. An honest client on F
 * would already refuse the server (as above), so this client trusts both
 * roots: F for its own quote, A for the server's.
 */
static void test_foreign_root_client(void **state)
{
	struct pair *p;

	(void)state;
	g_client_peer_root = PLAT_A;
	p = pair_run(PLAT_F, PLAT_F, EVIL_NONE, PLAT_B, PLAT_A, EVIL_NONE);
	g_client_peer_root = -1;
	assert_int_equal(p->rc, MIGTD_OK); /* handshake done before the server judged */
	assert_int_equal(p->rs, MIGTD_ERR_QUOTE);
	assert_int_equal(migtd_err_status(p->rs), 7);
	assert_int_equal(p->s->verify_calls, 2);
	assert_int_equal(p->s->failed_step, MIGTD_QSTEP_ROOT_CA);
	assert_int_equal(p->s->policy_calls, 0);
	assert_client_read_fails(p);
	pair_free(p);
}

/* A MigTD enrolled with a root its own platform's quotes do not chain to
 * refuses before judging the peer (§5.5 step 1: own quote first). */
static void test_wrong_enrolled_root(void **state)
{
	struct pair *p = pair_run(PLAT_F, PLAT_A, EVIL_NONE, PLAT_B, PLAT_A, EVIL_NONE);

	(void)state;
	assert_int_equal(p->rc, MIGTD_ERR_QUOTE);
	assert_int_equal(migtd_err_status(p->rc), 7);
	assert_int_equal(p->c->verify_calls, 1);
	assert_int_equal(p->c->failed_step, MIGTD_QSTEP_ROOT_CA);
	assert_int_equal(p->rs, MIGTD_ERR_TLS);
	pair_free(p);
}

/* A genuine quote, but for another public key: the binding fails -> 6. */
static void test_reportdata_of_other_key(void **state)
{
	struct pair *p = pair_run(PLAT_A, PLAT_A, EVIL_NONE, PLAT_B, PLAT_A, EVIL_OTHER_KEY);

	(void)state;
	assert_int_equal(p->rc, MIGTD_ERR_PEER_CERT);
	assert_int_equal(migtd_err_status(p->rc), 6);
	assert_int_equal(p->c->verify_calls, 2);
	assert_int_equal(p->c->last_verify, MIGTD_OK); /* the quote itself is fine */
	assert_int_equal(p->c->policy_calls, 0);
	pair_free(p);

	p = pair_run(PLAT_A, PLAT_A, EVIL_OTHER_KEY, PLAT_B, PLAT_A, EVIL_NONE);
	assert_int_equal(p->rc, MIGTD_OK); /* handshake done before the server judged */
	assert_int_equal(p->rs, MIGTD_ERR_PEER_CERT);
	assert_int_equal(p->s->policy_calls, 0);
	assert_client_read_fails(p);
	pair_free(p);
}

/* A byte of the signed quote body flipped: the quote signature fails -> 7. */
static void test_tampered_quote(void **state)
{
	struct pair *p = pair_run(PLAT_A, PLAT_A, EVIL_NONE, PLAT_B, PLAT_A, EVIL_TAMPER);

	(void)state;
	assert_int_equal(p->rc, MIGTD_ERR_QUOTE);
	assert_int_equal(migtd_err_status(p->rc), 7);
	assert_int_equal(p->c->failed_step, MIGTD_QSTEP_QUOTE_SIG);
	assert_int_equal(p->rs, MIGTD_ERR_TLS);
	pair_free(p);

	p = pair_run(PLAT_A, PLAT_A, EVIL_TAMPER, PLAT_B, PLAT_A, EVIL_NONE);
	/* the client re-verifies its own (tampered) quote first */
	assert_int_equal(p->rc, MIGTD_ERR_QUOTE);
	assert_int_equal(p->c->verify_calls, 1);
	assert_int_equal(p->c->failed_step, MIGTD_QSTEP_QUOTE_SIG);
	pair_free(p);
}

/* No quote extension in the peer certificate -> 6, before any peer quote check. */
static void test_cert_without_quote(void **state)
{
	struct pair *p = pair_run(PLAT_A, PLAT_A, EVIL_NONE, PLAT_B, PLAT_A, EVIL_NO_QUOTE);
	const char *why = NULL;

	(void)state;
	assert_int_equal(p->rc, MIGTD_ERR_PEER_CERT);
	assert_int_equal(migtd_err_status(p->rc), 6);
	assert_int_equal(p->c->verify_calls, 1); /* own quote only */
	assert_int_equal(migtd_ratls_session_error(&p->c->tls, &why), MIGTD_ERR_PEER_CERT);
	assert_non_null(why);
	pair_free(p);

	p = pair_run(PLAT_A, PLAT_A, EVIL_NO_QUOTE, PLAT_B, PLAT_A, EVIL_NONE);
	assert_int_equal(p->rc, MIGTD_OK); /* the client accepted the server */
	assert_int_equal(p->rs, MIGTD_ERR_PEER_CERT);
	assert_int_equal(p->s->verify_calls, 1);
	assert_client_read_fails(p);
	pair_free(p);
}

/* The event log does not replay to the RTMRs of the (valid) quote -> 8. */
static void test_event_log_mismatch(void **state)
{
	struct pair *p = pair_run(PLAT_A, PLAT_A, EVIL_NONE, PLAT_B, PLAT_A, EVIL_EVLOG);

	(void)state;
	assert_int_equal(p->rc, MIGTD_ERR_POLICY);
	assert_int_equal(migtd_err_status(p->rc), 8);
	assert_int_equal(p->c->verify_calls, 2);
	assert_int_equal(p->c->last_verify, MIGTD_OK);
	assert_int_equal(p->c->policy_calls, 1);
	assert_int_equal(p->rs, MIGTD_ERR_TLS);
	pair_free(p);

	p = pair_run(PLAT_A, PLAT_A, EVIL_EVLOG, PLAT_B, PLAT_A, EVIL_NONE);
	assert_int_equal(p->rs, MIGTD_ERR_POLICY);
	assert_int_equal(p->s->policy_calls, 1);
	assert_client_read_fails(p);
	pair_free(p);
}

/* ---- fixtures --------------------------------------------------------------------- */

static int group_setup(void **state)
{
	char msg[256];
	struct policy_parse_error pe;

	(void)state;
	rp_fail = tu_fail; /* harness failures end the current test */
	if (psa_crypto_init() != PSA_SUCCESS)
		return -1;
	snprintf(g_dir, sizeof(g_dir), "/tmp/migtd-test-ratls-emu-XXXXXX");
	if (mkdtemp(g_dir) == NULL)
		return -1;
	for (int i = 0; i < NPLAT; i++) {
		snprintf(g_pki[i], sizeof(g_pki[i]), "%s/%c", g_dir, "ABF"[i]);
		if (rp_platform_init(g_pki[i], i == PLAT_B ? g_pki[PLAT_A] : NULL,
				     (uint8_t)(0x20 + i), &g_root[i], &g_root_len[i], msg,
				     sizeof(msg)) != 0) {
			fprintf(stderr, "rp_platform_init: %s\n", msg);
			return -1;
		}
	}
	if (migtd_policy_parse(&g_ws, (const uint8_t *)rp_self_policy, strlen(rp_self_policy),
			       &pe) != MIGTD_OK)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NPLAT; i++)
		free(g_root[i]);
	return rp_remove_dir(g_dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_real_quotes),
		cmocka_unit_test(test_foreign_root_server),
		cmocka_unit_test(test_foreign_root_client),
		cmocka_unit_test(test_wrong_enrolled_root),
		cmocka_unit_test(test_reportdata_of_other_key),
		cmocka_unit_test(test_tampered_quote),
		cmocka_unit_test(test_cert_without_quote),
		cmocka_unit_test(test_event_log_mismatch),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
