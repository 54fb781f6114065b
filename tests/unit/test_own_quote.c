/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * test_own_quote.c -- our own quote verified once (cfg.own_quote_once,
 * src/core/session/own_quote.c, docs/performance.md): two MigTD cores in
 * one process (src/emuworld/world.h).
 *
 *  - verified in full once, reused by every later session; the peer's
 *    quote verified in every session;
 *  - an own quote that does not verify is never kept: refused in every
 *    session, with the status upstream gives (7 here, 6 on the peer);
 *  - a peer quote that stops verifying after a good session is refused (7);
 *  - collateral fetched anew: the own quote is verified in full again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emu_host.h"
#include "emu_tdx.h"
#include "migtd/session.h"
#include "support/testutil.h"
#include "world.h"

static struct world_fixture g_fx;

static struct world *own_world(bool once)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);

	for (int i = 0; i < 2; i++)
		w->s[i].cfg.own_quote_once = once;
	world_start(w);
	return w;
}

/* Both cores booted. */
static void boot(struct world *w)
{
	for (unsigned n = 0; n < 100000; n++) {
		if (w->s[0].core->state == MIGTD_CORE_SERVE &&
		    w->s[1].core->state == MIGTD_CORE_SERVE)
			return;
		for (int i = 0; i < 2; i++) {
			uint64_t wake;

			assert_int_equal(migtd_core_poll(w->s[i].core, &wake), MIGTD_OK);
		}
	}
	fail_msg("boot did not finish");
}

struct pair {
	int src, dst;
	struct emu_user_td *td[2];
};

static struct pair migrate(struct world *w, uint64_t id)
{
	struct pair r;

	for (int i = 0; i < 2; i++) {
		r.td[i] = emu_tdx_bind_user_td(&w->s[i].h.tdx);
		assert_non_null(r.td[i]);
		world_queue_request(&w->s[i], id, i == 0, r.td[i], (uint32_t)(2000 + id));
	}
	world_run(w, w->s[0].nreports + 1, w->s[1].nreports + 1, 30000);
	r.src = world_report_of(&w->s[0], id);
	r.dst = world_report_of(&w->s[1], id);
	return r;
}

static void assert_keys_exchanged(const struct pair *r)
{
	assert_int_equal(r->td[0]->dec_key_written, 0xF);
	assert_int_equal(r->td[1]->dec_key_written, 0xF);
	assert_memory_equal(r->td[0]->mig_dec_key, r->td[1]->mig_enc_key, 32);
	assert_memory_equal(r->td[1]->mig_dec_key, r->td[0]->mig_enc_key, 32);
}

static void assert_nothing_written(const struct emu_user_td *td)
{
	assert_int_equal(td->dec_key_written, 0);
	assert_false(td->mig_version_written);
}

/* Verified in full once, then only reused; the peer's quote every time. */
static void test_verified_once(void **state)
{
	struct world *w = own_world(true);

	(void)state;
	boot(w);
	for (uint64_t id = 1; id <= 3; id++) {
		struct pair r = migrate(w, id);

		assert_int_equal(r.src, 0);
		assert_int_equal(r.dst, 0);
		assert_keys_exchanged(&r);
	}
	for (int i = 0; i < 2; i++) {
		const struct migtd_core *c = w->s[i].core;

		assert_true(c->own.valid);
		assert_int_equal(c->own.full_verifications, 1);
		assert_int_equal(c->own.reuses, 2);
		assert_int_equal(c->peer_quotes_verified, 3);
		assert_int_equal(w->s[i].quotes, 3);
	}
	world_free(w);
}

/*
 * An own quote that does not verify (its QE report signature is wrong) is
 * never kept: every session fails with 7 on this side and 6 on the peer,
 * with and without the option (docs/protocol.md §1.5, §5.5 step 1).
 */
static void test_bad_own_quote(void **state)
{
	(void)state;
	for (int once = 0; once < 2; once++) {
		struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);

		w->s[0].h.pki.qe_report_sig[5] ^= 0x01;
		for (int i = 0; i < 2; i++)
			w->s[i].cfg.own_quote_once = once;
		world_start(w);
		boot(w);
		for (uint64_t id = 1; id <= 2; id++) {
			struct pair r = migrate(w, id);

			assert_int_equal(r.src, 7);
			assert_int_equal(r.dst, 6);
			assert_nothing_written(r.td[0]);
			assert_nothing_written(r.td[1]);
		}
		assert_non_null(strstr(w->s[0].log, "own quote verification failed"));
		assert_int_equal(w->s[0].core->own.reuses, 0);
		assert_false(w->s[0].core->own.valid);
		world_free(w);
	}
}

/* A peer whose quote stops verifying after a good session is refused: the
 * peer's quote is verified in full in every session. */
static void test_peer_quote_every_session(void **state)
{
	struct world *w = own_world(true);
	struct pair r;

	(void)state;
	boot(w);
	r = migrate(w, 1);
	assert_int_equal(r.src, 0);
	assert_int_equal(r.dst, 0);
	w->s[1].h.pki.qe_report_sig[5] ^= 0x01;
	r = migrate(w, 2);
	/* The client judges the server's certificate first: its own quote is
	 * the kept one, the peer's fails. */
	assert_int_equal(r.src, 7);
	assert_int_equal(r.dst, 6);
	assert_nothing_written(r.td[0]);
	assert_nothing_written(r.td[1]);
	assert_non_null(strstr(w->s[0].log, "peer quote verification failed"));
	assert_int_equal(w->s[0].core->own.reuses, 1);
	assert_int_equal(w->s[0].core->peer_quotes_verified, 1);
	world_free(w);
}

/* Collateral fetched anew: the kept result no longer stands; the next
 * session verifies its own quote in full and keeps that result. */
static void test_collateral_refetch(void **state)
{
	struct world *w = own_world(true);
	struct migtd_core *c;
	struct pair r;

	(void)state;
	boot(w);
	c = w->s[0].core;
	r = migrate(w, 1);
	assert_int_equal(r.src, 0);
	r = migrate(w, 2);
	assert_int_equal(r.src, 0);
	assert_int_equal(c->own.reuses, 1);
	migtd_coll_invalidate(&c->coll, c->own.fmspc, c->own.ca);
	r = migrate(w, 3);
	assert_int_equal(r.src, 0);
	assert_int_equal(r.dst, 0);
	assert_keys_exchanged(&r);
	assert_int_equal(c->own.full_verifications, 2);
	assert_int_equal(c->own.reuses, 1);
	assert_true(c->own.valid);
	r = migrate(w, 4);
	assert_int_equal(r.src, 0);
	assert_int_equal(c->own.reuses, 2);
	world_free(w);
}

static int group_setup(void **state)
{
	(void)state;
	world_fail = tu_fail;
	world_heap_hook();
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
		cmocka_unit_test(test_verified_once),
		cmocka_unit_test(test_bad_own_quote),
		cmocka_unit_test(test_peer_quote_every_session),
		cmocka_unit_test(test_collateral_refetch),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
