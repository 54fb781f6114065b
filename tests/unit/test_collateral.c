/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * test_collateral.c -- quote verification with collateral obtained the way
 * a MigTD session obtains it (docs/collateral.md):
 *
 *  - through the emulated quoting service: a quote and a GET_COLLATERAL
 *    answer from emu_qgs_handle, split by migtd_coll_parse, verified at
 *    the collateral's own time: every TCB / QE status, expired and
 *    not-yet-valid collateral, a revoked PCK, each signature tampered;
 *  - inside sessions (two MigTD cores in one process): Revoked platform,
 *    revoked PCK and a failing collateral fetch stop the migration with
 *    upstream's codes and nothing written; the cache fetches once per
 *    platform and a second migration costs no signature verification
 *    beyond the quote's own; the session's verified report is byte for
 *    byte what migtd_quote_verify (what `migtd-quote verify --time
 *    collateral --out` runs) gives with the same collateral.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <psa/crypto.h>

#include "migtd/collateral_cache.h"
#include "emu_host.h"
#include "emu_pki.h"
#include "emu_tdx.h"
#include "migtd/ghci.h"
#include "migtd/quote.h"
#include "migtd/session.h"
#include "support/testutil.h"
#include "support/world_group.h"
#include "world.h"

static struct world_fixture g_fx;

#define BUF (64u * 1024u)

static const char *const statuses[] = {
	"UpToDate",
	"SWHardeningNeeded",
	"ConfigurationNeeded",
	"ConfigurationAndSWHardeningNeeded",
	"OutOfDate",
	"OutOfDateConfigurationNeeded",
	"Revoked",
};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))

/* One platform as its QGS serves it: a quote of a TD on it, its collateral. */
struct plat {
	struct emu_host_platform h;
	uint8_t qbuf[BUF], cbuf[BUF];
	const uint8_t *quote;
	size_t quote_len;
	struct migtd_quote_collateral coll;
};

static void get_quote(struct plat *p)
{
	uint8_t rd[64] = { 1, 2, 3 }, rep[1024], msg[1100];
	struct ghci_getquote_hdr hdr;
	struct ghci_qgs_get_quote_resp r;
	const uint8_t *m;
	size_t mlen, len;

	assert_int_equal(emu_tdx_mr_report(&p->h.tdx, rd, rep), 0);
	assert_int_equal(migtd_ghci_qgs_get_quote_req_build(msg, sizeof(msg), rep, 1024, NULL, 0,
							    &mlen),
			 MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_req_build(p->qbuf, BUF, msg, mlen, &len), MIGTD_OK);
	assert_int_equal(emu_qgs_handle(&p->h, p->qbuf, len, BUF), 0);
	assert_int_equal(migtd_ghci_getquote_rsp_parse(p->qbuf, BUF, &hdr, &m, &mlen), MIGTD_OK);
	assert_int_equal(migtd_ghci_qgs_get_quote_resp_parse(m, mlen, &r), MIGTD_OK);
	p->quote = r.quote.p;
	p->quote_len = r.quote.len;
}

/* GET_COLLATERAL for fmspc through p's QGS; returns migtd_coll_parse's result. */
static int get_collateral(struct plat *p, const uint8_t fmspc[6])
{
	uint8_t msg[64];
	size_t mlen, len;

	assert_int_equal(migtd_ghci_qgs_get_collateral_req_build(msg, sizeof(msg), fmspc,
								 "platform", &mlen),
			 MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_req_build(p->cbuf, BUF, msg, mlen, &len), MIGTD_OK);
	emu_qgs_handle(&p->h, p->cbuf, len, BUF);
	return migtd_coll_parse(p->cbuf, BUF, &p->coll);
}

/* Load platform i of the fixture (after its files were changed), quote + collateral. */
static struct plat *load(int i)
{
	struct plat *p = calloc(1, sizeof(*p));
	char msg[256];

	assert_non_null(p);
	assert_int_equal(emu_host_platform_load(&p->h, g_fx.pki[i], msg, sizeof(msg)), 0);
	emu_tdx_launch_servtd(&p->h.tdx, world_mrtd);
	get_quote(p);
	assert_int_equal(get_collateral(p, p->h.own.fmspc), MIGTD_OK);
	return p;
}

static void unload(struct plat *p)
{
	emu_host_platform_free(&p->h);
	free(p);
}

static int verify(struct plat *p, struct migtd_sig_cache *sc, struct migtd_quote_verify_result *res,
		  uint8_t report[MIGTD_VERIFIED_REPORT_SIZE])
{
	struct migtd_quote_verify_params prm = {
		.root_ca = g_fx.root,
		.root_ca_len = g_fx.root_len,
		.time_mode = MIGTD_QTIME_COLLATERAL,
		.collateral = &p->coll,
		.sig_cache = sc,
	};

	int ret = migtd_quote_verify(p->quote, p->quote_len, &prm, res, report);

	if (ret && res->failed_step < MIGTD_QSTEP_COUNT)
		printf("    verify: %s: %s\n", migtd_quote_step_name(res->failed_step),
		       res->reason[res->failed_step]);
	return ret;
}

static void set_collateral(int i, const char *tcb, const char *qe, enum emu_collateral_when when)
{
	struct emu_collateral_opts o = { .tcb_status = tcb, .qe_tcb_status = qe, .when = when };
	char msg[256];

	assert_int_equal(emu_pki_set_collateral(g_fx.pki[i], &o, msg, sizeof(msg)), 0);
}

static void restore(void)
{
	for (int i = 0; i < 2; i++) {
		set_collateral(i, NULL, NULL, EMU_COLLATERAL_CURRENT);
		assert_int_equal(emu_pki_write_crl(g_fx.pki[i], "platform_ca", NULL, 0), 0);
	}
}

/* ---- verification with the QGS's collateral --------------------------------------- */

static void test_status_acceptance(void **state)
{
	(void)state;
	for (size_t i = 0; i < NSTATUS; i++)
		assert_int_equal(migtd_tcb_status_accepted(statuses[i]), i + 1 < NSTATUS);
	assert_false(migtd_tcb_status_accepted(""));
	assert_false(migtd_tcb_status_accepted("uptodate"));
	assert_false(migtd_tcb_status_accepted("UpToDateX"));
}

static void test_each_platform_status(void **state)
{
	static struct migtd_quote_verify_result res;
	uint8_t report[MIGTD_VERIFIED_REPORT_SIZE];

	(void)state;
	for (size_t i = 0; i < NSTATUS; i++) {
		struct plat *p;
		int ret;

		set_collateral(0, statuses[i], NULL, EMU_COLLATERAL_CURRENT);
		p = load(0);
		ret = verify(p, NULL, &res, report);
		if (i + 1 < NSTATUS) {
			assert_int_equal(ret, MIGTD_OK);
			assert_string_equal(res.tcb_status, statuses[i]);
			/* 742: the worse of platform and QE (UpToDate) = the platform's,
			 * cut to the field's 31 characters + NUL. */
			assert_int_equal(strncmp((const char *)report + 742, statuses[i], 31), 0);
			assert_int_equal(report[742 + 31], 0);
			assert_string_equal((const char *)report + 790, "UpToDate");
		} else {
			assert_int_equal(ret, MIGTD_ERR_QUOTE);
			assert_int_equal(res.failed_step, MIGTD_QSTEP_TCB_LEVEL);
			assert_non_null(strstr(res.reason[res.failed_step], "Revoked"));
		}
		unload(p);
	}
	restore();
}

static void test_each_qe_status(void **state)
{
	static struct migtd_quote_verify_result res;
	uint8_t report[MIGTD_VERIFIED_REPORT_SIZE];

	(void)state;
	for (size_t i = 0; i < NSTATUS; i++) {
		struct plat *p;
		int ret;

		/* Platform OutOfDate: 742 shows whichever of the two is worse. */
		set_collateral(0, "OutOfDate", statuses[i], EMU_COLLATERAL_CURRENT);
		p = load(0);
		ret = verify(p, NULL, &res, report);
		if (i + 1 < NSTATUS) {
			assert_int_equal(ret, MIGTD_OK);
			assert_int_equal(strncmp((const char *)report + 790, statuses[i], 31), 0);
			assert_int_equal(strncmp((const char *)report + 742,
						 i > 4 ? statuses[i] : "OutOfDate", 31),
					 0);
			/* 732: the matched QE level's ISVSVN (the QE's own level). */
			assert_int_equal(report[732] | report[733] << 8, res.qe_level_isvsvn);
			assert_int_equal(res.qe_level_isvsvn, res.quote.qe.isv_svn);
		} else {
			assert_int_equal(ret, MIGTD_ERR_QUOTE);
			assert_int_equal(res.failed_step, MIGTD_QSTEP_QE_IDENTITY);
		}
		unload(p);
	}
	restore();
}

static void test_collateral_dates(void **state)
{
	static struct migtd_quote_verify_result res;
	struct migtd_quote_verify_params prm;
	struct plat *p;

	(void)state;
	/* Expired (nextUpdate 2020): upstream only reports it; so do we. */
	set_collateral(0, NULL, NULL, EMU_COLLATERAL_EXPIRED);
	p = load(0);
	assert_int_equal(verify(p, NULL, &res, NULL), MIGTD_OK);
	assert_true(res.collateral_expired);
	/* With an explicit clock (migtd-quote --time), expiry is a failure. */
	memset(&prm, 0, sizeof(prm));
	prm.root_ca = g_fx.root;
	prm.root_ca_len = g_fx.root_len;
	prm.now = migtd_quote_civil_to_unix(2026, 1, 1, 0, 0, 0);
	prm.collateral = &p->coll;
	assert_int_equal(migtd_quote_verify(p->quote, p->quote_len, &prm, &res, NULL),
			 MIGTD_ERR_QUOTE);
	assert_int_equal(res.failed_step, MIGTD_QSTEP_TCB_INFO);
	unload(p);
	/* Not yet valid (issueDate 2048): the same. */
	set_collateral(0, NULL, NULL, EMU_COLLATERAL_NOT_YET_VALID);
	p = load(0);
	assert_int_equal(verify(p, NULL, &res, NULL), MIGTD_OK);
	unload(p);
	/* Current: the middle of the window, not expired. */
	set_collateral(0, NULL, NULL, EMU_COLLATERAL_CURRENT);
	p = load(0);
	assert_int_equal(verify(p, NULL, &res, NULL), MIGTD_OK);
	assert_false(res.collateral_expired);
	assert_true(res.verify_time > p->coll.latest_issue);
	unload(p);
	restore();
}

static void test_revoked_pck(void **state)
{
	static struct migtd_quote_verify_result res;
	struct emu_platform_params prm;
	uint8_t serial, other;
	struct plat *p;

	(void)state;
	assert_int_equal(emu_pki_read_params(g_fx.pki[0], &prm), 0);
	serial = emu_pki_pck_serial_of(&prm);
	assert_int_equal(emu_pki_pck_serial(g_fx.pki[1], &other), 0);
	assert_int_not_equal(serial, other); /* two machines, one platform CA */
	/* Another serial on the CRL: still fine. */
	assert_int_equal(emu_pki_write_crl(g_fx.pki[0], "platform_ca", &other, 1), 0);
	p = load(0);
	assert_int_equal(verify(p, NULL, &res, NULL), MIGTD_OK);
	unload(p);
	/* Its own serial: PCK CRL hit. */
	assert_int_equal(emu_pki_write_crl(g_fx.pki[0], "platform_ca", &serial, 1), 0);
	p = load(0);
	assert_int_equal(verify(p, NULL, &res, NULL), MIGTD_ERR_QUOTE);
	assert_int_equal(res.failed_step, MIGTD_QSTEP_PCK_CRL);
	assert_non_null(strstr(res.reason[res.failed_step], "revoked"));
	unload(p);
	restore();
}

/* Flip the lowest bit of the byte from_end bytes before the end of a blob. */
static void flip(const uint8_t *blob, size_t len, size_t from_end)
{
	((uint8_t *)(uintptr_t)blob)[len - from_end] ^= 0x01;
}

static void test_each_signature_tampered(void **state)
{
	static struct migtd_quote_verify_result res;
	static struct migtd_sig_cache sc;
	struct plat *p;
	char *s, orig;

	(void)state;
	/* A warm memo must not hide a tampered document (new bytes, new digest). */
	p = load(0);
	memset(&sc, 0, sizeof(sc));
	assert_int_equal(verify(p, &sc, &res, NULL), MIGTD_OK);

	/* TCB Info signature (hex r||s at the end: 2 chars + '"}' + NUL). */
	s = strstr((char *)(uintptr_t)p->coll.tcb_info, "\"signature\":\"");
	assert_non_null(s);
	orig = s[14];
	s[14] = orig == '0' ? '1' : '0';
	assert_int_equal(verify(p, &sc, &res, NULL), MIGTD_ERR_QUOTE);
	assert_int_equal(res.failed_step, MIGTD_QSTEP_TCB_INFO);
	assert_non_null(strstr(res.reason[res.failed_step], "signature"));
	s[14] = orig;
	assert_int_equal(verify(p, &sc, &res, NULL), MIGTD_OK);

	/* A byte of the signed TCB Info body. */
	s = strstr((char *)(uintptr_t)p->coll.tcb_info, "\"tcbEvaluationDataNumber\":17");
	assert_non_null(s);
	s[strlen("\"tcbEvaluationDataNumber\":1")] = '8';
	assert_int_equal(verify(p, &sc, &res, NULL), MIGTD_ERR_QUOTE);
	assert_int_equal(res.failed_step, MIGTD_QSTEP_TCB_INFO);
	s[strlen("\"tcbEvaluationDataNumber\":1")] = '7';

	/* QE Identity signature. */
	s = strstr((char *)(uintptr_t)p->coll.qe_identity, "\"signature\":\"");
	assert_non_null(s);
	orig = s[14];
	s[14] = orig == '0' ? '1' : '0';
	assert_int_equal(verify(p, &sc, &res, NULL), MIGTD_ERR_QUOTE);
	assert_int_equal(res.failed_step, MIGTD_QSTEP_QE_IDENTITY);
	s[14] = orig;

	/* Root CA CRL and PCK CRL signatures (last bytes of the DER). */
	flip(p->coll.root_crl, p->coll.root_crl_len, 2);
	assert_int_equal(verify(p, &sc, &res, NULL), MIGTD_ERR_QUOTE);
	assert_int_equal(res.failed_step, MIGTD_QSTEP_ROOT_CRL);
	flip(p->coll.root_crl, p->coll.root_crl_len, 2);
	flip(p->coll.pck_crl, p->coll.pck_crl_len, 2);
	assert_int_equal(verify(p, &sc, &res, NULL), MIGTD_ERR_QUOTE);
	assert_int_equal(res.failed_step, MIGTD_QSTEP_PCK_CRL);
	flip(p->coll.pck_crl, p->coll.pck_crl_len, 2);
	assert_int_equal(verify(p, &sc, &res, NULL), MIGTD_OK);

	/* The TCB signing chain: another platform's signing chain does not
	 * sign this TCB Info (a valid chain to the same root, wrong key). */
	{
		struct plat *o = load(1);
		const uint8_t *chain = p->coll.tcb_info_issuer_chain;
		size_t chain_len = p->coll.tcb_info_issuer_chain_len;

		p->coll.tcb_info_issuer_chain = o->coll.tcb_info_issuer_chain;
		p->coll.tcb_info_issuer_chain_len = o->coll.tcb_info_issuer_chain_len;
		p->coll.qe_identity_issuer_chain = o->coll.qe_identity_issuer_chain;
		p->coll.qe_identity_issuer_chain_len = o->coll.qe_identity_issuer_chain_len;
		assert_int_equal(verify(p, &sc, &res, NULL), MIGTD_ERR_QUOTE);
		assert_int_equal(res.failed_step, MIGTD_QSTEP_TCB_INFO);
		p->coll.tcb_info_issuer_chain = chain;
		p->coll.tcb_info_issuer_chain_len = chain_len;
		p->coll.qe_identity_issuer_chain = chain;
		p->coll.qe_identity_issuer_chain_len = chain_len;
		unload(o);
	}
	assert_int_equal(verify(p, &sc, &res, NULL), MIGTD_OK);
	unload(p);
}

static void test_parse_bounds(void **state)
{
	struct plat *p = load(0);
	struct migtd_quote_collateral c;
	uint8_t *copy = malloc(BUF);
	/* The answer's extent: the GHCI header and out_len (u32 LE at 20). */
	size_t len = 24 + ((size_t)p->cbuf[20] | (size_t)p->cbuf[21] << 8 |
			   (size_t)p->cbuf[22] << 16 | (size_t)p->cbuf[23] << 24);

	(void)state;
	assert_non_null(copy);
	/* Every truncation of a good answer is refused, never read past. */
	for (size_t n = 0; n < len; n++) {
		uint8_t *b = malloc(n ? n : 1);

		assert_non_null(b);
		memcpy(b, p->cbuf, n);
		assert_int_not_equal(migtd_coll_parse(b, n, &c), MIGTD_OK);
		free(b);
	}
	memcpy(copy, p->cbuf, BUF);
	assert_int_equal(migtd_coll_parse(copy, BUF, &c), MIGTD_OK);
	/* An error answer (unknown FMSPC) is MIGTD_ERR_QUOTE and leaves nothing. */
	{
		static const uint8_t unknown[6] = { 0xde, 0xad };

		assert_int_equal(get_collateral(p, unknown), MIGTD_ERR_QUOTE);
		assert_null(p->coll.tcb_info);
	}
	free(copy);
	unload(p);
}

/* ---- inside sessions --------------------------------------------------------------- */

static struct tu_pair migrate(struct world *w, uint64_t id)
{
	return tu_world_migrate(w, id, 1000, 20000);
}

static void test_session_cache_and_report(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	static struct migtd_quote_verify_result res;
	uint8_t report[MIGTD_VERIFIED_REPORT_SIZE];
	unsigned long misses[2];
	struct tu_pair r;
	struct plat *dst;

	(void)state;
	world_start(w);
	r = migrate(w, 1);
	assert_int_equal(r.src, 0);
	assert_int_equal(r.dst, 0);
	/* Both platforms share the FMSPC: one fetch per MigTD for both quotes. */
	assert_int_equal(w->s[0].collateral_fetches, 1);
	assert_int_equal(w->s[1].collateral_fetches, 1);
	for (int i = 0; i < 2; i++)
		misses[i] = w->s[i].core->sig_cache.misses;

	/* The session's report of the peer == migtd_quote_verify with the same
	 * collateral (the destination platform's files, via its QGS) at the
	 * collateral's time: what `migtd-quote verify --time collateral` does. */
	dst = load(1);
	{
		struct migtd_quote_verify_params prm = {
			.root_ca = g_fx.root,
			.root_ca_len = g_fx.root_len,
			.time_mode = MIGTD_QTIME_COLLATERAL,
			.collateral = &dst->coll,
		};
		const struct migtd_core *c = w->s[0].core;

		assert_true(c->last_peer_quote_len > 0);
		assert_int_equal(migtd_quote_verify(c->last_peer_quote, c->last_peer_quote_len,
						    &prm, &res, report),
				 MIGTD_OK);
		assert_memory_equal(report, c->last_peer_report, MIGTD_VERIFIED_REPORT_SIZE);
		assert_string_equal((const char *)report + 742, "UpToDate");
	}
	unload(dst);

	/* A second migration with the same peer: no fetch, and every
	 * certificate / CRL / collateral / QE report signature comes from the
	 * memo (only the quote signatures themselves are verified). */
	r = migrate(w, 2);
	assert_int_equal(r.src, 0);
	assert_int_equal(r.dst, 0);
	assert_int_equal(w->s[0].collateral_fetches, 1);
	assert_int_equal(w->s[1].collateral_fetches, 1);
	for (int i = 0; i < 2; i++)
		assert_int_equal(w->s[i].core->sig_cache.misses, misses[i]);
	assert_true(w->s[0].core->coll.hits >= 4);
	world_free(w);
}

static void test_session_revoked_platform(void **state)
{
	struct world *w;
	struct tu_pair r;

	(void)state;
	/* Same FMSPC on both: the TCB Info both QGSs hand out says Revoked. */
	set_collateral(0, "Revoked", NULL, EMU_COLLATERAL_CURRENT);
	set_collateral(1, "Revoked", NULL, EMU_COLLATERAL_CURRENT);
	w = world_new(&g_fx, NULL, 0, NULL, 0);
	world_start(w);
	r = migrate(w, 3);
	/* The source (TLS client) verifies first: 7; the destination gets
	 * handshake_failure: 6 (docs/protocol.md §1.5). */
	assert_int_equal(r.src, 7);
	assert_int_equal(r.dst, 6);
	tu_assert_nothing_written(r.td[0]);
	tu_assert_nothing_written(r.td[1]);
	world_free(w);
	restore();
}

static void test_session_revoked_pck(void **state)
{
	struct world *w;
	struct tu_pair r;
	uint8_t serial;

	(void)state;
	/* The destination's PCK on the (shared) platform CA's CRL. */
	assert_int_equal(emu_pki_pck_serial(g_fx.pki[1], &serial), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(emu_pki_write_crl(g_fx.pki[i], "platform_ca", &serial, 1), 0);
	w = world_new(&g_fx, NULL, 0, NULL, 0);
	world_start(w);
	r = migrate(w, 4);
	assert_int_equal(r.src, 7);
	assert_int_equal(r.dst, 6);
	tu_assert_nothing_written(r.td[0]);
	tu_assert_nothing_written(r.td[1]);
	assert_non_null(strstr(w->s[0].log, "certificate is revoked"));
	world_free(w);
	restore();
}

static void test_session_fetch_fails_not_cached(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct tu_pair r;

	(void)state;
	world_start(w);
	/* The source's VMM answers GET_COLLATERAL with an error: upstream's
	 * library cannot verify (SGX_QL_UNABLE_TO_GET_COLLATERAL) -> 7. */
	w->s[0].h.collateral_error = true;
	r = migrate(w, 5);
	assert_int_equal(r.src, 7);
	assert_int_equal(r.dst, 6);
	tu_assert_nothing_written(r.td[0]);
	tu_assert_nothing_written(r.td[1]);
	assert_int_equal(w->s[0].core->coll.fetch_failures, 1);
	/* Nothing was cached: once the VMM answers, the next session fetches and succeeds. */
	w->s[0].h.collateral_error = false;
	r = migrate(w, 6);
	assert_int_equal(r.src, 0);
	assert_int_equal(r.dst, 0);
	assert_int_equal(w->s[0].collateral_fetches, 2);
	world_free(w);
}

static int group_setup(void **state)
{
	(void)state;
	world_fail = tu_fail;
	if (psa_crypto_init() != PSA_SUCCESS)
		return -1;
	return world_fixture_init(&g_fx);
}

static int group_teardown(void **state)
{
	(void)state;
	return world_fixture_fini(&g_fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_acceptance),
		cmocka_unit_test(test_each_platform_status),
		cmocka_unit_test(test_each_qe_status),
		cmocka_unit_test(test_collateral_dates),
		cmocka_unit_test(test_revoked_pck),
		cmocka_unit_test(test_each_signature_tampered),
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_session_cache_and_report),
		cmocka_unit_test(test_session_revoked_platform),
		cmocka_unit_test(test_session_revoked_pck),
		cmocka_unit_test(test_session_fetch_fails_not_cached),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
