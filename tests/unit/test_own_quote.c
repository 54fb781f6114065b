/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * test_own_quote.c -- our own quote verified once (cfg.own_quote_once,
 * src/core/session/own_quote.c, docs/performance.md): two MigTD cores in
 * one process (src/emuworld/world.h).
 *
 *  - verified at boot, reused by every session, with no collateral fetch
 *    left for the first session; the peer's quote verified in every session;
 *  - an own quote that does not verify at boot is still refused, in every
 *    session, with the status upstream gives (7 here, 6 on the peer);
 *  - a peer quote that stops verifying after a good session is refused (7);
 *  - no quote at boot (failed, or never answered: cancelled after one step
 *    timeout, no WaitForRequest meanwhile): the first session verifies in
 *    full and keeps it;
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
#include "support/world_group.h"
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

/* Both cores booted (and, with own_quote_once, through their own quote check). */
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

static struct tu_pair migrate(struct world *w, uint64_t id)
{
	return tu_world_migrate(w, id, 2000, 30000);
}

static void assert_keys_exchanged(const struct tu_pair *r)
{
	assert_int_equal(r->td[0]->dec_key_written, 0xF);
	assert_int_equal(r->td[1]->dec_key_written, 0xF);
	assert_memory_equal(r->td[0]->mig_dec_key, r->td[1]->mig_enc_key, 32);
	assert_memory_equal(r->td[1]->mig_dec_key, r->td[0]->mig_enc_key, 32);
}

/* Verified once at boot, then only reused; the peer's quote every time. */
static void test_verified_at_boot(void **state)
{
	struct world *w = own_world(true);
	unsigned fetches[2];

	(void)state;
	boot(w);
	for (int i = 0; i < 2; i++) {
		const struct migtd_own_quote *o = &w->s[i].core->own;

		assert_int_equal(o->boot_err, MIGTD_OK);
		assert_true(o->valid);
		assert_int_equal(o->full_verifications, 1);
		assert_int_equal(w->s[i].quotes, 1); /* the boot GetQuote */
		assert_non_null(strstr(w->s[i].log, "boot: own quote verified"));
		/* The collateral came with the boot check. */
		fetches[i] = w->s[i].collateral_fetches;
		assert_true(fetches[i] >= 1);
	}
	for (uint64_t id = 1; id <= 3; id++) {
		struct tu_pair r = migrate(w, id);

		assert_int_equal(r.src, 0);
		assert_int_equal(r.dst, 0);
		assert_keys_exchanged(&r);
	}
	for (int i = 0; i < 2; i++) {
		const struct migtd_core *c = w->s[i].core;

		assert_int_equal(c->own.full_verifications, 1);
		assert_int_equal(c->own.reuses, 3);
		assert_int_equal(c->peer_quotes_verified, 3);
		assert_int_equal(w->s[i].quotes, 4);
		/* Both platforms are of one model: no fetch was left for a session. */
		assert_int_equal(w->s[i].collateral_fetches, fetches[i]);
	}
	world_free(w);
}

/*
 * An own quote that does not verify (its QE report signature is wrong):
 * the boot check says so, and every session still fails with 7 on this side
 * and 6 on the peer -- as without the option, where each session verifies
 * its own quote (docs/protocol.md §1.5, §5.5 step 1).
 */
static void test_bad_own_quote_at_boot(void **state)
{
	(void)state;
	for (int once = 0; once < 2; once++) {
		struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);

		w->s[0].h.pki.qe_report_sig[5] ^= 0x01;
		for (int i = 0; i < 2; i++)
			w->s[i].cfg.own_quote_once = once;
		world_start(w);
		boot(w);
		if (once) {
			assert_int_equal(w->s[0].core->own.boot_err, MIGTD_ERR_QUOTE);
			assert_false(w->s[0].core->own.valid);
			assert_non_null(strstr(w->s[0].log, "boot: own quote check failed"));
			assert_int_equal(w->s[1].core->own.boot_err, MIGTD_OK);
		}
		for (uint64_t id = 1; id <= 2; id++) {
			struct tu_pair r = migrate(w, id);

			assert_int_equal(r.src, 7);
			assert_int_equal(r.dst, 6);
			tu_assert_nothing_written(r.td[0]);
			tu_assert_nothing_written(r.td[1]);
		}
		assert_non_null(strstr(w->s[0].log, "own quote verification failed"));
		assert_int_equal(w->s[0].core->own.reuses, 0);
		assert_false(w->s[0].core->own.valid);
		world_free(w);
	}
}

/* The boot GetQuote fails: the MigTD serves anyway, the first session
 * verifies its own quote in full and the later ones reuse it. */
static void test_boot_quote_unavailable(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct migtd_core *c;

	(void)state;
	for (int i = 0; i < 2; i++)
		w->s[i].cfg.own_quote_once = true;
	w->s[0].faults.fail_at[WORLD_QUOTE] = 1;
	world_start(w);
	boot(w);
	c = w->s[0].core;
	assert_int_equal(w->s[0].faults.injected, 1);
	assert_int_equal(c->own.boot_err, MIGTD_ERR_QUOTE);
	assert_false(c->own.valid);
	assert_non_null(strstr(w->s[0].log, "boot: own quote check failed"));
	for (uint64_t id = 1; id <= 2; id++) {
		struct tu_pair r = migrate(w, id);

		assert_int_equal(r.src, 0);
		assert_int_equal(r.dst, 0);
		assert_keys_exchanged(&r);
	}
	assert_int_equal(c->own.full_verifications, 1);
	assert_int_equal(c->own.reuses, 1);
	assert_int_equal(w->s[1].core->own.reuses, 2);
	world_free(w);
}

/* The VMM never answers the boot GetQuote: after one step timeout the call
 * is cancelled and the MigTD serves; its first session gets its own quote. */
static void test_boot_quote_unanswered(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct side *sd = &w->s[0];
	uint64_t t0, wake = 0;
	struct tu_pair r;

	(void)state;
	for (int i = 0; i < 2; i++)
		w->s[i].cfg.own_quote_once = true;
	sd->cfg.timeout_ms = 2000;
	sd->quote_hang = true;
	world_start(w);
	t0 = world_side_now_ms(sd);
	for (unsigned n = 0; n < 20000 && sd->core->state != MIGTD_CORE_SERVE; n++) {
		assert_int_equal(migtd_core_poll(sd->core, &wake), MIGTD_OK);
		if (sd->core->state != MIGTD_CORE_OWN_QUOTE)
			continue;
		/* No WaitForRequest while the check runs: no request is taken. */
		assert_int_equal(sd->faults.calls[WORLD_WFR], 0);
		if (sd->quotes == 1)
			world_skip_to(sd, wake); /* nothing but the clock to wait for */
	}
	assert_int_equal(sd->core->state, MIGTD_CORE_SERVE);
	assert_true(world_side_now_ms(sd) - t0 >= 2000);
	assert_int_equal(sd->quote_cancels, 1);
	assert_null(sd->quote_pending);
	assert_int_equal(sd->core->own.boot_err, MIGTD_ERR_QUOTE);
	assert_non_null(strstr(sd->log, "own quote check failed: GetQuote not answered in time"));
	/* The VMM answers again: the next request migrates. */
	sd->quote_hang = false;
	r = migrate(w, 1);
	assert_int_equal(r.src, 0);
	assert_int_equal(r.dst, 0);
	assert_keys_exchanged(&r);
	assert_int_equal(sd->core->own.full_verifications, 1);
	world_free(w);
}

/* A peer whose quote stops verifying after a good session is refused: the
 * peer's quote is verified in full in every session. */
static void test_peer_quote_every_session(void **state)
{
	struct world *w = own_world(true);
	struct tu_pair r;

	(void)state;
	boot(w);
	r = migrate(w, 1);
	assert_int_equal(r.src, 0);
	assert_int_equal(r.dst, 0);
	w->s[1].h.pki.qe_report_sig[5] ^= 0x01;
	r = migrate(w, 2);
	/* The client judges the server's certificate first: its own quote is
	 * the boot one, the peer's fails. */
	assert_int_equal(r.src, 7);
	assert_int_equal(r.dst, 6);
	tu_assert_nothing_written(r.td[0]);
	tu_assert_nothing_written(r.td[1]);
	assert_non_null(strstr(w->s[0].log, "peer quote verification failed"));
	assert_int_equal(w->s[0].core->own.reuses, 2);
	assert_int_equal(w->s[0].core->peer_quotes_verified, 1);
	world_free(w);
}

/* Collateral fetched anew: the kept result no longer stands; the next
 * session verifies its own quote in full and keeps that result. */
static void test_collateral_refetch(void **state)
{
	struct world *w = own_world(true);
	struct migtd_core *c;
	struct tu_pair r;

	(void)state;
	boot(w);
	c = w->s[0].core;
	r = migrate(w, 1);
	assert_int_equal(r.src, 0);
	assert_int_equal(c->own.reuses, 1);
	migtd_coll_invalidate(&c->coll, c->own.fmspc, c->own.ca);
	r = migrate(w, 2);
	assert_int_equal(r.src, 0);
	assert_int_equal(r.dst, 0);
	assert_keys_exchanged(&r);
	assert_int_equal(c->own.full_verifications, 2);
	assert_int_equal(c->own.reuses, 1);
	assert_true(c->own.valid);
	r = migrate(w, 3);
	assert_int_equal(r.src, 0);
	assert_int_equal(c->own.reuses, 2);
	world_free(w);
}

TU_WORLD_GROUP(g_fx)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verified_at_boot),
		cmocka_unit_test(test_bad_own_quote_at_boot),
		cmocka_unit_test(test_boot_quote_unavailable),
		cmocka_unit_test(test_boot_quote_unanswered),
		cmocka_unit_test(test_peer_quote_every_session),
		cmocka_unit_test(test_collateral_refetch),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
