/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Whole policy v2 pre-migrations between two MigTD cores in one process
 * (src/emuworld/world.h): boot with a signed policy and issuer chain made
 * by the emulated PKI (src/emuhost/pki_v2.c) for the world's two platforms,
 * the pre-session exchange (docs/protocol.md §5.7), RA-TLS with the
 * policy-hash extension (§5.3, §5.5) and peer authentication (§7.7.7), then
 * the key exchange. Each case checks both statuses and the user TDs.
 *
 * The MigTDs' MROWNER/MROWNERCONFIG are set in the emulated TDX module from
 * migtd_policy_v2_owner(), as a host does with migtd-hash's figures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_pki_v2.h"
#include "emu_tdx.h"
#include "hostio.h"
#include "migtd/hob.h"
#include "migtd/policy_v2.h"
#include "migtd/presession.h"
#include "migtd/session.h"
#include "migtd/tdvf.h"
#include "support/testutil.h"
#include "support/world_group.h"
#include "world.h"

static struct world_fixture g_fx;
static char iss[2][320];
static uint8_t *chain[2];
static size_t chain_len[2];

/* A signed policy by issuer i: policySvn psvn, our MigTD build mapped to
 * isvsvn svn, peers admitted from min_svn. */
static char *make_policy(unsigned i, uint32_t psvn, uint16_t svn, uint16_t min_svn, size_t *len)
{
	const char *plats[2] = { g_fx.pki[0], g_fx.pki[1] };
	struct tdvf_enrolled files = { 0 };
	struct emu_pki_v2_migtd m;
	struct emu_pki_v2_policy_opts o;
	uint8_t rtmr[4][48];
	char msg[256], *out = NULL;

	/* RTMR0/RTMR1 of a v2 MigTD depend on its issuer chain only. */
	files.policy = (const uint8_t *)"x";
	files.policy_len = 1;
	files.issuer_chain = chain[i];
	files.issuer_chain_len = chain_len[i];
	assert_int_equal(migtd_tdvf_rtmrs(&files, TDVF_MEASURE_POLICY_V2, rtmr), MIGTD_OK);
	memset(&m, 0, sizeof(m));
	memcpy(m.mrtd, world_mrtd, 48);
	memcpy(m.rtmr0, rtmr[0], 48);
	memcpy(m.rtmr1, rtmr[1], 48);
	m.isvsvn = svn;
	memset(&o, 0, sizeof(o));
	o.policy_svn = psvn;
	o.min_isvsvn = min_svn;
	o.migtds = &m;
	o.n_migtds = 1;
	if (emu_pki_v2_policy(iss[i], plats, 2, &o, &out, len, msg, sizeof(msg)) != MIGTD_OK)
		fail_msg("emu_pki_v2_policy: %s", msg);
	return out;
}

/* Side sd boots as a v2 MigTD with (policy, chain of issuer i) and the owner
 * values that policy implies. */
static void make_v2(struct side *sd, const char *pol, size_t len, unsigned i)
{
	static struct migtd_policy_v2 p;
	uint8_t mro[48], mroc[48];

	assert_int_equal(migtd_policy_v2_load(&p, (const uint8_t *)pol, len, chain[i], chain_len[i],
					      NULL),
			 MIGTD_PV2_OK);
	migtd_policy_v2_owner(&p, mro, mroc);
	emu_tdx_set_servtd_owner(&sd->h.tdx, mro, mroc);
	sd->cfg.policy = (const uint8_t *)pol;
	sd->cfg.policy_len = len;
	sd->cfg.root_ca = NULL;
	sd->cfg.root_ca_len = 0;
	sd->cfg.policy_v2 = true;
	sd->cfg.issuer_chain = chain[i];
	sd->cfg.issuer_chain_len = chain_len[i];
	/* Loading a peer's policy is the slow step under ASan on a busy
	 * machine: no case here relies on a timeout. */
	sd->cfg.timeout_ms = 30000;
}

static struct tu_pair migrate(struct world *w, uint64_t id)
{
	return tu_world_migrate(w, id, 3000, 60000);
}

/* A world of two v2 MigTDs: side 0 with a policy of issuer 0 (policySvn 1,
 * SVN 1, peers from 1), side 1 with one of issuer i1 mapping it to SVN svn1
 * and admitting peers from min1. pol[] keeps the policies (and len[] their
 * sizes) for v2_world_free(). */
static struct world *v2_world(unsigned i1, uint16_t svn1, uint16_t min1, char *pol[2],
			      size_t len[2])
{
	struct world *w;

	pol[0] = make_policy(0, 1, 1, 1, &len[0]);
	pol[1] = make_policy(i1, 1, svn1, min1, &len[1]);
	w = world_new(&g_fx, NULL, 0, NULL, 0);
	make_v2(&w->s[0], pol[0], len[0], 0);
	make_v2(&w->s[1], pol[1], len[1], i1);
	return w;
}

static void v2_world_free(struct world *w, char *pol[2])
{
	world_free(w);
	free(pol[0]);
	free(pol[1]);
}

static bool logged(const struct side *sd, const char *what)
{
	return sd->log != NULL && strstr(sd->log, what) != NULL;
}

/* Two v2 MigTDs with policies of one issuer complete a pre-migration. */
static void test_v2_pair(void **state)
{
	char *p[2];
	size_t l[2];
	struct world *w = v2_world(0, 1, 1, p, l);
	struct tu_pair r;

	(void)state;
	world_start(w);
	r = migrate(w, 1);
	if (r.src != 0 || r.dst != 0)
		fail_msg("statuses %d/%d\n--- src\n%s\n--- dst\n%s", r.src, r.dst, w->s[0].log,
			 w->s[1].log);
	assert_int_equal(r.td[0]->dec_key_written, 0xF);
	assert_int_equal(r.td[1]->dec_key_written, 0xF);
	assert_memory_equal(r.td[0]->mig_dec_key, r.td[1]->mig_enc_key, 32);
	assert_memory_equal(r.td[1]->mig_dec_key, r.td[0]->mig_enc_key, 32);
	for (int i = 0; i < 2; i++) {
		assert_true(logged(&w->s[i], "policy v2 verified (policySvn 1"));
		assert_true(logged(&w->s[i], "pre-session exchange done (version 0x0100"));
		assert_true(logged(&w->s[i], "policy hash 48"));
		assert_true(logged(&w->s[i], "policy v2: peer authenticated"));
	}
	/* A second one on the same cores (the peer data is per session). */
	r = migrate(w, 2);
	assert_int_equal(r.src, 0);
	assert_int_equal(r.dst, 0);
	v2_world_free(w, p);
}

/* With own_quote_once (the programs' setting) the own quote is verified
 * once at boot with the policy's collateral and is the "self" reference of
 * every session after. */
static void test_v2_pair_own_quote_once(void **state)
{
	char *p[2];
	size_t l[2];
	struct world *w = v2_world(0, 1, 1, p, l);
	struct tu_pair r;

	(void)state;
	w->s[0].cfg.own_quote_once = w->s[1].cfg.own_quote_once = true;
	world_start(w);
	for (uint64_t id = 60; id < 63; id++) {
		r = migrate(w, id);
		if (r.src != 0 || r.dst != 0)
			fail_msg("statuses %d/%d\n--- src\n%s", r.src, r.dst, w->s[0].log);
	}
	for (int i = 0; i < 2; i++) {
		assert_true(logged(&w->s[i], "own quote verified with the policy v2 collateral"));
		assert_true(w->s[i].core->v2_own_report_ok);
		/* one GetQuote at boot, then one per session */
		assert_int_equal(w->s[i].quotes, 1 + 3);
	}
	v2_world_free(w, p);
}

/* The source's MigTD maps to SVN 1, the destination admits from SVN 2: the
 * destination refuses the source (8), the source sees TLS fail (6). */
static void test_v2_lower_svn_refused(void **state)
{
	char *p[2];
	size_t l[2];
	struct world *w = v2_world(0, 2, 2, p, l);
	struct tu_pair r;

	(void)state;
	world_start(w);
	r = migrate(w, 10);
	if (r.src != 6 || r.dst != 8)
		fail_msg("statuses %d/%d\n--- dst\n%s", r.src, r.dst, w->s[1].log);
	assert_true(logged(&w->s[1], "SvnMismatch"));
	tu_assert_nothing_written(r.td[0]);
	tu_assert_nothing_written(r.td[1]);
	v2_world_free(w, p);
}

/* The destination's policy comes from another issuer (same name, other
 * keys): the source, verifying first, refuses it (8); the destination 6. */
static void test_v2_other_issuer_refused(void **state)
{
	char *p[2];
	size_t l[2];
	struct world *w = v2_world(1, 1, 1, p, l);
	struct tu_pair r;

	(void)state;
	world_start(w);
	r = migrate(w, 20);
	if (r.src != 8 || r.dst != 6)
		fail_msg("statuses %d/%d\n--- src\n%s", r.src, r.dst, w->s[0].log);
	tu_assert_nothing_written(r.td[0]);
	tu_assert_nothing_written(r.td[1]);
	v2_world_free(w, p);
}

/*
 * A byte of the source's policy changes on the way (the VMM relays the
 * pre-session data): the data still decodes, but the destination's hash of
 * it no longer matches the source certificate's policy-hash extension: 9 on
 * the destination (§1.5), 6 on the source.
 */
static void test_v2_policy_hash_mismatch(void **state)
{
	char *p[2];
	size_t l[2];
	struct world *w = v2_world(0, 1, 1, p, l);
	struct tu_pair r;

	(void)state;
	/* HELLO 16, DATA header 8, policy_len 4, then 200 bytes into the policy
	 * (1-based offset). */
	w->net.flip_offset = 16 + 8 + 4 + 200;
	world_start(w);
	r = migrate(w, 30);
	assert_true(w->net.flipped);
	if (r.src != 6 || r.dst != 9)
		fail_msg("statuses %d/%d\n--- dst\n%s", r.src, r.dst, w->s[1].log);
	assert_true(logged(&w->s[1], "policy-hash extension does not match"));
	tu_assert_nothing_written(r.td[0]);
	tu_assert_nothing_written(r.td[1]);
	v2_world_free(w, p);
}

/* The relay ends the stream inside the pre-session data: 5 on both sides. */
static void test_v2_stream_cut_in_presession(void **state)
{
	char *p[2];
	size_t l[2];
	struct world *w = v2_world(0, 1, 1, p, l);
	struct tu_pair r;

	(void)state;
	w->net.cut_after = 16 + 8 + 100;
	world_start(w);
	r = migrate(w, 40);
	if (r.src != 5 || r.dst != 5)
		fail_msg("statuses %d/%d\n--- src\n%s\n--- dst\n%s", r.src, r.dst, w->s[0].log,
			 w->s[1].log);
	assert_true(logged(&w->s[1], "pre-session failed"));
	tu_assert_nothing_written(r.td[0]);
	tu_assert_nothing_written(r.td[1]);
	v2_world_free(w, p);
}

/* §6.4: a request whose initially bound MigTD had a higher policy SVN, or
 * another policy signer, is refused with 8 before any stream is opened. */
static void test_v2_init_data(void **state)
{
	size_t l0;
	char *p0 = make_policy(0, 1, 1, 1, &l0);
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct migtd_policy_v2 *p = calloc(1, sizeof(*p));
	struct migtd_migration_request req;
	struct emu_user_td *td;
	uint8_t mro[48], mroc[48];
	struct side *sd = &w->s[0];

	(void)state;
	assert_non_null(p);
	make_v2(sd, p0, l0, 0);
	world_start(w);
	assert_int_equal(migtd_policy_v2_load(p, (const uint8_t *)p0, l0, chain[0], chain_len[0],
					      NULL),
			 MIGTD_PV2_OK);
	migtd_policy_v2_owner(p, mro, mroc);
	td = emu_tdx_bind_user_td(&sd->h.tdx);
	assert_non_null(td);
	for (unsigned k = 0; k < 3; k++) {
		memset(&req, 0, sizeof(req));
		req.info.mig_request_id = 50 + k;
		req.info.migration_source = 1;
		req.info.has_init_data = 1;
		memcpy(req.info.target_td_uuid, td->binding.uuid.w, sizeof(td->binding.uuid.w));
		req.info.binding_handle = td->binding.handle;
		/* TDINFO_STRUCT: MROWNER @112, MROWNERCONFIG @160 */
		memcpy(req.info.init_td_info + 112, mro, 48);
		memcpy(req.info.init_td_info + 160, mroc, 48);
		if (k == 1)
			req.info.init_td_info[160] = 2; /* policy SVN 2 > our 1 */
		if (k == 2)
			req.info.init_td_info[112] ^= 1;
		req.has_socket_info = true;
		req.socket_info.mig_channel_port = 3050 + k;
		assert_int_equal(migtd_hob_build_migration_request(sd->queue[sd->nqueued],
								   sizeof(sd->queue[0]), &req,
								   &sd->queue_len[sd->nqueued]),
				 MIGTD_OK);
		sd->nqueued++;
	}
	/* k = 0 passes the check and then waits for a peer that never comes:
	 * only k = 1 and k = 2 report (at once, without a stream). */
	world_run(w, 2, 0, 20000);
	assert_int_equal(world_report_of(sd, 51), 8);
	assert_int_equal(world_report_of(sd, 52), 8);
	assert_int_equal(world_report_of(sd, 50), -1);
	assert_true(logged(sd, "init data"));
	world_free(w);
	free(p);
	free(p0);
}

/*
 * The budget for peers' pre-session data (MIGTD_PRESESSION_BUDGET): a
 * destination whose budget is one byte short of the source's data refuses
 * it with 3 (OutOfResource) before allocating it, the source sees the
 * stream end (5); with the budget exactly one peer's data, sessions after
 * one another all pass (the bytes go back); two at once: one passes, the
 * other gets 3, and nothing is held afterwards.
 */
static void test_v2_presession_budget(void **state)
{
	char *p[2];
	size_t l[2], blob;
	struct world *w = v2_world(0, 1, 1, p, l);
	struct migtd_core *dst;
	struct emu_user_td *td[2][2];
	struct tu_pair r;
	int st[2][2];

	(void)state;
	blob = migtd_presession_blob_size(l[0], chain_len[0]);
	w->s[1].cfg.presession_budget = blob - 1;
	world_start(w);
	dst = w->s[1].core;
	assert_int_equal(dst->cfg.presession_budget, blob - 1);
	r = migrate(w, 80);
	if (r.src != 5 || r.dst != 3)
		fail_msg("statuses %d/%d\n--- dst\n%s", r.src, r.dst, w->s[1].log);
	assert_true(logged(&w->s[1], "exceed its memory budget"));
	tu_assert_nothing_written(r.td[0]);
	tu_assert_nothing_written(r.td[1]);
	assert_int_equal(dst->presession_held, 0);

	dst->cfg.presession_budget = blob;
	for (uint64_t id = 81; id < 83; id++) {
		r = migrate(w, id);
		if (r.src != 0 || r.dst != 0)
			fail_msg("statuses %d/%d\n--- dst\n%s", r.src, r.dst, w->s[1].log);
		assert_int_equal(dst->presession_held, 0);
	}

	/* Two at once, room for one. */
	for (int k = 0; k < 2; k++) {
		td[k][0] = emu_tdx_bind_user_td(&w->s[0].h.tdx);
		td[k][1] = emu_tdx_bind_user_td(&w->s[1].h.tdx);
		assert_non_null(td[k][0]);
		assert_non_null(td[k][1]);
		world_queue_request(&w->s[0], 90 + (uint64_t)k, true, td[k][0],
				    (uint32_t)(3090 + k));
		world_queue_request(&w->s[1], 90 + (uint64_t)k, false, td[k][1],
				    (uint32_t)(3090 + k));
	}
	world_run(w, w->s[0].nreports + 2, w->s[1].nreports + 2, 60000);
	for (int k = 0; k < 2; k++) {
		st[k][0] = world_report_of(&w->s[0], 90 + (uint64_t)k);
		st[k][1] = world_report_of(&w->s[1], 90 + (uint64_t)k);
	}
	if (!((st[0][1] == 0 && st[1][1] == 3) || (st[0][1] == 3 && st[1][1] == 0)))
		fail_msg("destination statuses %d and %d, expected 0 and 3\n--- dst\n%s", st[0][1],
			 st[1][1], w->s[1].log);
	for (int k = 0; k < 2; k++) {
		/* the one that got its data migrated; the other wrote nothing */
		assert_int_equal(st[k][0], st[k][1] == 0 ? 0 : 5);
		if (st[k][1] == 0)
			assert_memory_equal(td[k][1]->mig_dec_key, td[k][0]->mig_enc_key, 32);
		else
			tu_assert_nothing_written(td[k][1]);
	}
	assert_int_equal(dst->presession_held, 0);
	v2_world_free(w, p);
}

static int group_setup(void **state)
{
	char path[700], msg[256];

	(void)state;
	world_fail = tu_fail;
	world_heap_hook();
	if (world_fixture_init(&g_fx) != 0)
		return -1;
	for (unsigned i = 0; i < 2; i++) {
		snprintf(iss[i], sizeof(iss[i]), "%s/issuer%u", g_fx.dir, i);
		if (emu_pki_v2_issuer_init(iss[i], NULL, 1, msg, sizeof(msg)) != 0) {
			fprintf(stderr, "issuer: %s\n", msg);
			return -1;
		}
		snprintf(path, sizeof(path), "%s/policy_issuer_chain.pem", iss[i]);
		if (hostio_read_file(path, 1 << 20, &chain[i], &chain_len[i]) != MIGTD_OK)
			return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(chain[0]);
	free(chain[1]);
	return world_fixture_fini(&g_fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_pair),
		cmocka_unit_test(test_v2_pair_own_quote_once),
		cmocka_unit_test(test_v2_lower_svn_refused),
		cmocka_unit_test(test_v2_other_issuer_refused),
		cmocka_unit_test(test_v2_policy_hash_mismatch),
		cmocka_unit_test(test_v2_stream_cut_in_presession),
		cmocka_unit_test(test_v2_init_data),
		cmocka_unit_test(test_v2_presession_budget),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
