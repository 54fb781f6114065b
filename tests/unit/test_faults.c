/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * test_faults.c -- the failure paths of a pre-migration, driven by the fault
 * injection of the in-process world (src/emuworld/world.h, struct
 * world_faults): TDCALLs that fail, Service and GetQuote calls that fail,
 * stay in flight or come back malformed, streams that cannot be opened or
 * closed, and a MigTD whose mbedTLS heap runs out at its k-th allocation.
 *
 * Every case ends with the status of docs/protocol.md §1.5 on the side that met the
 * fault, and each side's user TD holds exactly what that status allows:
 * nothing is written before the commit, and a failing write is the last.
 *
 * Set MIGTD_TEST_LOG=1 to see both MigTDs' logs on stderr.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "emu_tdx.h"
#include "migtd/err.h"
#include "migtd/ghci.h"
#include "migtd/session.h"
#include "support/testutil.h"
#include "support/world_group.h"
#include "world.h"

static struct world_fixture g_fx;

#define SRC 0
#define DST 1

/* Status codes (docs/protocol.md §1.5). */
enum {
	ST_OK = 0,
	ST_INVALID_PARAMETER = 1,
	ST_OUT_OF_RESOURCE = 3,
	ST_TDX_MODULE = 4,
	ST_NETWORK = 5,
	ST_SECURE_SESSION = 6,
	ST_ATTESTATION = 7,
	ST_POLICY = 8,
};

struct run {
	struct world *w;
	struct emu_user_td *td[2];
	int status[2]; /* -1: nothing reported */
};

/* A world with short step timeouts, so that a side waiting for a peer that
 * gave up times out quickly -- but not so short that a loaded machine under
 * ASan misses one in a healthy session. Faults are set before run(). */
static struct world *new_world(void)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);

	for (int i = 0; i < 2; i++)
		w->s[i].cfg.timeout_ms = 2000;
	world_start(w);
	return w;
}

/* Poll both cores until both serve requests (boot and Query done). */
static void boot(struct world *w)
{
	uint64_t end = world_now_ms() + 2000;

	while (w->s[SRC].core->state != MIGTD_CORE_SERVE ||
	       w->s[DST].core->state != MIGTD_CORE_SERVE) {
		for (int i = 0; i < 2; i++) {
			uint64_t wake;

			world_heap_side = i;
			assert_int_equal(migtd_core_poll(w->s[i].core, &wake), MIGTD_OK);
			world_heap_side = -1;
		}
		assert_true(world_now_ms() < end);
	}
}

/* Poll both cores until neither has a session left, at most max_ms. */
static void drain(struct world *w, unsigned max_ms)
{
	uint64_t end = world_now_ms() + max_ms;

	while (migtd_core_active_sessions(w->s[SRC].core) != 0 ||
	       migtd_core_active_sessions(w->s[DST].core) != 0) {
		for (int i = 0; i < 2; i++) {
			uint64_t wake;

			world_heap_side = i;
			assert_int_equal(migtd_core_poll(w->s[i].core, &wake), MIGTD_OK);
			world_heap_side = -1;
		}
		assert_true(world_now_ms() < end);
	}
}

/* One pre-migration (request id) between fresh user TDs; waits for the
 * reports of the sides in want (bit 0 source, bit 1 destination), then for
 * both cores to be idle. */
static void run(struct run *r, uint64_t id, unsigned want)
{
	struct world *w = r->w;

	for (int i = 0; i < 2; i++) {
		r->td[i] = emu_tdx_bind_user_td(&w->s[i].h.tdx);
		assert_non_null(r->td[i]);
		world_queue_request(&w->s[i], id, i == SRC, r->td[i], (uint32_t)(2000 + id));
	}
	world_run(w, w->s[SRC].nreports + (want & 1 ? 1 : 0),
		  w->s[DST].nreports + (want & 2 ? 1 : 0), 20000);
	drain(w, 5000);
	for (int i = 0; i < 2; i++)
		r->status[i] = world_report_of(&w->s[i], id);
}

/* What a user TD may hold after a status: success -- the peer's key in all
 * four MIG_DEC_KEY words and MIG_VERSION; anything else -- nothing. */
static void assert_consistent(const struct run *r, int side)
{
	const struct emu_user_td *td = r->td[side], *peer = r->td[1 - side];

	if (r->status[side] == ST_OK) {
		assert_int_equal(td->dec_key_written, 0xF);
		assert_true(td->mig_version_written);
		assert_memory_equal(td->mig_dec_key, peer->mig_enc_key, 32);
	} else {
		tu_assert_nothing_written(td);
	}
}

/* The side that met the fault reports `status`; the other reports one of the
 * statuses a peer's failure can cause (or success, if it was already done). */
static void expect(const struct run *r, int side, int status)
{
	int other = r->status[1 - side];

	assert_int_equal(r->status[side], status);
	assert_consistent(r, side);
	assert_true(other == ST_OK || other == ST_NETWORK || other == ST_SECURE_SESSION);
	assert_consistent(r, 1 - side);
}

static void expect_success(const struct run *r)
{
	assert_int_equal(r->status[SRC], ST_OK);
	assert_int_equal(r->status[DST], ST_OK);
	assert_consistent(r, SRC);
	assert_consistent(r, DST);
}

static bool log_has(const struct side *sd, const char *what)
{
	return sd->log != NULL && strstr(sd->log, what) != NULL;
}

/* ---- TDCALLs ------------------------------------------------------------------------- */

/* TDG.SERVTD.WR fails at each of the commit's five writes (MIG_VERSION, then
 * MIG_DEC_KEY words 0..3): status 4, and nothing is written after the failing
 * write (docs/protocol.md §1.3: MIG_VERSION stays written; earlier key words too). */
static void test_servtd_wr_fails(void **state)
{
	(void)state;
	for (int side = 0; side < 2; side++)
		for (unsigned k = 1; k <= 5; k++) {
			struct run r = { .w = new_world() };
			const struct emu_user_td *td;

			r.w->s[side].faults.fail_at[WORLD_SERVTD_WR] = k;
			run(&r, 10 + k, 3);
			td = r.td[side];
			assert_int_equal(r.w->s[side].faults.injected, 1);
			assert_int_equal(r.status[side], ST_TDX_MODULE);
			assert_int_equal(r.w->s[side].faults.calls[WORLD_SERVTD_WR], k);
			assert_int_equal(td->mig_version_written, k > 1);
			assert_int_equal(td->dec_key_written, k > 1 ? (1u << (k - 2)) - 1 : 0);
			/* The peer finished its own commit before ours failed. */
			assert_int_equal(r.status[1 - side], ST_OK);
			assert_consistent(&r, 1 - side);
			assert_true(log_has(&r.w->s[side],
					    k == 1 ? "TDG.SERVTD.WR MIG_VERSION failed"
						   : "TDG.SERVTD.WR MIG_DEC_KEY failed"));
			world_free(r.w);
		}
}

/* TDG.SERVTD.RD fails reading our MIG_ENC_KEY (call 1) or, at the commit,
 * SERVTD_ATTR (call 5); TDG.SYS.RD fails reading the version range: 4. */
static void test_servtd_rd_sys_rd_fail(void **state)
{
	static const struct {
		enum world_call call;
		unsigned at;
		const char *why;
	} cases[] = {
		{ WORLD_SERVTD_RD, 1, "TDG.SERVTD.RD MIG_ENC_KEY failed" },
		{ WORLD_SERVTD_RD, 4, "TDG.SERVTD.RD MIG_ENC_KEY failed" },
		{ WORLD_SERVTD_RD, 5, "TDG.SERVTD.RD SERVTD_ATTR failed" },
		{ WORLD_SYS_RD, 1, "TDG.SYS.RD migration version failed" },
		{ WORLD_SYS_RD, 2, "TDG.SYS.RD migration version failed" },
	};

	(void)state;
	for (int side = 0; side < 2; side++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct run r = { .w = new_world() };

			r.w->s[side].faults.fail_at[cases[i].call] = cases[i].at;
			run(&r, 20 + i, 3);
			assert_int_equal(r.w->s[side].faults.injected, 1);
			expect(&r, side, ST_TDX_MODULE);
			assert_true(log_has(&r.w->s[side], cases[i].why));
			world_free(r.w);
		}
}

/* TDG.MR.REPORT fails: no own quote, 7 (docs/protocol.md §1.5: "could not get own quote"). */
static void test_mr_report_fails(void **state)
{
	struct run r = { .w = new_world() };

	(void)state;
	r.w->s[DST].faults.fail_at[WORLD_MR_REPORT] = 1;
	run(&r, 30, 3);
	expect(&r, DST, ST_ATTESTATION);
	assert_true(log_has(&r.w->s[DST], "TDG.MR.REPORT failed"));
	world_free(r.w);
}

/* ---- GetQuote ------------------------------------------------------------------------- */

static void test_getquote_failures(void **state)
{
	(void)state;
	for (int side = 0; side < 2; side++)
		for (int how = 0; how < 4; how++) {
			struct run r = { .w = new_world() };
			struct world_faults *f = &r.w->s[side].faults;

			switch (how) {
			case 0: /* the TDVMCALL fails */
				f->fail_at[WORLD_QUOTE] = 1;
				f->fail_on_poll[WORLD_QUOTE] = false;
				break;
			case 1: /* the call completes with an error */
				f->fail_at[WORLD_QUOTE] = 1;
				f->fail_on_poll[WORLD_QUOTE] = true;
				break;
			case 2: /* a status word that is neither success nor "retry" */
				f->quote_status_at = 1;
				f->quote_status = GHCI_GETQUOTE_ERROR + 2;
				break;
			default: /* the buffer comes back malformed */
				f->malformed_at[WORLD_QUOTE] = 1;
				break;
			}
			run(&r, 40 + (uint64_t)how, 3);
			assert_int_equal(f->injected, 1);
			expect(&r, side, ST_ATTESTATION);
			assert_true(log_has(&r.w->s[side], how == 3 ? "GetQuote response malformed"
								    : "GetQuote failed"));
			world_free(r.w);
		}
}

/* The quote service stays busy for all six attempts (§2.6): 7. */
static void test_getquote_busy_six_times(void **state)
{
	struct run r = { .w = new_world() };

	(void)state;
	r.w->s[SRC].cfg.quote_retry_ms = 1;
	r.w->s[SRC].quote_busy = 6;
	run(&r, 50, 3);
	expect(&r, SRC, ST_ATTESTATION);
	assert_int_equal(r.w->s[SRC].quotes, 6);
	assert_true(log_has(&r.w->s[SRC], "still busy after 6 attempts"));
	world_free(r.w);
}

/* ---- Service: Query, WaitForRequest, ReportStatus -------------------------------------- */

/* Query fails or its answer is malformed: the core stops (fatal) with the
 * error, and keeps returning it. */
static void test_query_failures(void **state)
{
	(void)state;
	for (int how = 0; how < 3; how++) {
		struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
		struct world_faults *f = &w->s[SRC].faults;
		int ret = MIGTD_OK;
		uint64_t wake;

		if (how == 0) {
			f->fail_at[WORLD_QUERY] = 1;
		} else if (how == 1) {
			f->fail_at[WORLD_QUERY] = 1;
			f->fail_on_poll[WORLD_QUERY] = true;
			f->in_flight = 2;
		} else {
			f->malformed_at[WORLD_QUERY] = 1;
		}
		world_start(w);
		for (int i = 0; i < 10 && ret == MIGTD_OK; i++)
			ret = migtd_core_poll(w->s[SRC].core, &wake);
		assert_int_equal(f->injected, 1);
		if (how < 2)
			assert_int_equal(ret, MIGTD_ERR_VMCALL);
		else
			assert_int_not_equal(ret, MIGTD_OK);
		assert_int_equal(migtd_core_poll(w->s[SRC].core, &wake), ret);
		assert_true(log_has(&w->s[SRC], "fatal"));
		world_free(w);
	}
}

/* WaitForRequest fails (at the start or on completion): the core waits and
 * asks again, and the request is served. A malformed answer drops the request
 * it carried (no id known, so no report, §2.3); the next one is served. */
static void test_wait_for_request_failures(void **state)
{
	(void)state;
	for (int how = 0; how < 2; how++) {
		struct run r = { .w = new_world() };
		struct world_faults *f = &r.w->s[DST].faults;

		f->fail_at[WORLD_WFR] = 1;
		f->fail_on_poll[WORLD_WFR] = how == 1;
		run(&r, 60 + (uint64_t)how, 3);
		assert_int_equal(f->injected, 1);
		expect_success(&r);
		assert_true(log_has(&r.w->s[DST], "WaitForRequest"));
		world_free(r.w);
	}
	{
		struct run r = { .w = new_world() };
		struct side *dst = &r.w->s[DST];

		/* The destination's first WaitForRequest carries request 62. */
		r.td[DST] = emu_tdx_bind_user_td(&dst->h.tdx);
		world_queue_request(dst, 62, false, r.td[DST], 2062);
		dst->faults.malformed_at[WORLD_WFR] = 1;
		boot(r.w);
		while (dst->next < dst->nqueued || dst->faults.calls[WORLD_WFR] < 2) {
			uint64_t wake;

			assert_int_equal(migtd_core_poll(dst->core, &wake), MIGTD_OK);
		}
		assert_int_equal(dst->faults.injected, 1);
		assert_int_equal(dst->core->requests_dropped, 1);
		assert_int_equal(dst->nreports, 0);
		assert_true(log_has(dst, "malformed migration request dropped"));
		run(&r, 63, 3);
		expect_success(&r);
		world_free(r.w);
	}
}

/* ReportStatus fails: the VMM never hears of the request (nothing to retry
 * with), the session is released, the keys it installed stay. A failure on
 * completion or a malformed answer: the VMM has the status, the core warns. */
static void test_report_status_failures(void **state)
{
	(void)state;
	for (int how = 0; how < 3; how++) {
		struct run r = { .w = new_world() };
		struct side *src = &r.w->s[SRC];

		if (how < 2) {
			src->faults.fail_at[WORLD_REPORT] = 1;
			src->faults.fail_on_poll[WORLD_REPORT] = how == 1;
		} else {
			src->faults.malformed_at[WORLD_REPORT] = 1;
		}
		run(&r, 70 + (uint64_t)how, 2);
		assert_int_equal(src->faults.injected, 1);
		assert_int_equal(r.status[DST], ST_OK);
		assert_int_equal(r.td[SRC]->dec_key_written, 0xF);
		assert_memory_equal(r.td[SRC]->mig_dec_key, r.td[DST]->mig_enc_key, 32);
		if (how == 0) {
			assert_int_equal(r.status[SRC], -1);
			assert_true(log_has(src, "ReportStatus(0) could not be sent"));
		} else if (how == 1) {
			assert_int_equal(r.status[SRC], -1);
			assert_true(log_has(src, "ReportStatus answer"));
		} else {
			assert_int_equal(r.status[SRC], ST_OK);
			assert_true(log_has(src, "ReportStatus answer"));
		}
		/* The core goes on: the next request is served and reported. */
		src->faults.fail_at[WORLD_REPORT] = 0;
		src->faults.malformed_at[WORLD_REPORT] = 0;
		run(&r, 75 + (uint64_t)how, 3);
		expect_success(&r);
		world_free(r.w);
	}
}

/* ---- streams -------------------------------------------------------------------------- */

/* The stream cannot be opened (5), or no stream becomes available within the
 * step timeout (5). */
static void test_stream_open_failures(void **state)
{
	(void)state;
	for (int side = 0; side < 2; side++)
		for (int how = 0; how < 2; how++) {
			struct run r = { .w = new_world() };
			struct world_faults *f = &r.w->s[side].faults;

			if (how == 0)
				f->fail_at[WORLD_STREAM_OPEN] = 1;
			else
				f->busy[WORLD_STREAM_OPEN] = 1000000;
			run(&r, 80 + (uint64_t)how, 3);
			expect(&r, side, ST_NETWORK);
			assert_true(log_has(&r.w->s[side], how == 0 ? "stream open failed"
								    : "no stream available"));
			world_free(r.w);
		}
}

/* The orderly shutdown after the exchange fails (1, §6.2 step 4) or never
 * finishes (5); the keys are not written. A failing close while aborting
 * does not change the first error's status. */
static void test_stream_close_failures(void **state)
{
	(void)state;
	for (int side = 0; side < 2; side++)
		for (int how = 0; how < 2; how++) {
			struct run r = { .w = new_world() };
			struct world_faults *f = &r.w->s[side].faults;

			if (how == 0)
				f->fail_at[WORLD_STREAM_CLOSE] = 1;
			else
				f->busy[WORLD_STREAM_CLOSE] = 1000000;
			run(&r, 90 + (uint64_t)how, 3);
			assert_int_equal(r.status[side],
					 how == 0 ? ST_INVALID_PARAMETER : ST_NETWORK);
			assert_consistent(&r, SRC);
			assert_consistent(&r, DST);
			assert_true(log_has(&r.w->s[side], how == 0 ? "stream shutdown failed"
								    : "stream shutdown timed out"));
			world_free(r.w);
		}
	{
		struct run r = { .w = new_world() };
		struct world_faults *f = &r.w->s[SRC].faults;

		f->fail_at[WORLD_MR_REPORT] = 1;
		f->fail_at[WORLD_STREAM_CLOSE] = 1;
		run(&r, 95, 3);
		assert_int_equal(f->injected, 2);
		expect(&r, SRC, ST_ATTESTATION);
		assert_true(log_has(&r.w->s[SRC], "stream shutdown after failure"));
		world_free(r.w);
	}
}

/* ---- calls in flight, busy channels --------------------------------------------------- */

/* Every Service and GetQuote call stays in flight for a few polls, and every
 * channel refuses its first attempts: the core waits, and the pre-migration
 * succeeds as if nothing happened. */
static void test_in_flight_and_busy(void **state)
{
	static const enum world_call busy[] = {
		WORLD_QUERY, WORLD_WFR,         WORLD_REPORT,
		WORLD_QUOTE, WORLD_STREAM_OPEN, WORLD_STREAM_CLOSE
	};

	(void)state;
	for (unsigned polls = 1; polls <= 4; polls += 3) {
		struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
		struct run r = { .w = w };

		for (int i = 0; i < 2; i++) {
			w->s[i].faults.in_flight = polls;
			for (size_t j = 0; j < sizeof(busy) / sizeof(busy[0]); j++)
				w->s[i].faults.busy[busy[j]] = 2;
		}
		world_start(w);
		run(&r, 100 + polls, 3);
		expect_success(&r);
		for (int i = 0; i < 2; i++) {
			struct world_faults *f = &w->s[i].faults;

			/* Query, >= 2 WaitForRequests, GetQuote, ReportStatus: each
			 * answered "in flight" `polls` times. */
			assert_true(f->in_flight_answers >= 5 * polls);
			assert_int_equal(f->busy_answers, 2 * sizeof(busy) / sizeof(busy[0]));
			assert_int_equal(f->injected, 0);
		}
		world_free(w);
	}
}

/* ---- mbedTLS out of heap ---------------------------------------------------------------- */

/*
 * One MigTD's mbedTLS heap runs out at its k-th allocation of the request (and
 * stays out until the session is over). Whatever k: both sides report
 * exactly once, a side that did not succeed wrote nothing, the side out of
 * heap reports out-of-resource (3) or the status of the step that needed the
 * memory (TLS 6, own or peer quote 7, policy 8), no heap is leaked, and the
 * next request on the same cores succeeds.
 */
static void heap_case(int side, uint64_t k, unsigned hist[256])
{
	struct run r = { .w = new_world() };
	size_t before;

	/* Boot both cores (their allocations are not the request's). */
	boot(r.w);
	before = world_heap.cur;
	world_heap.side_allocs[0] = world_heap.side_allocs[1] = 0;
	world_heap.fail_side = side;
	world_heap.fail_from = k;
	world_heap.failed = 0;
	run(&r, 200, 3);
	world_heap.fail_from = 0;
	if (world_heap.failed != 0) {
		int st = r.status[side];

		assert_true(st == ST_OK || st == ST_OUT_OF_RESOURCE || st == ST_SECURE_SESSION ||
			    st == ST_ATTESTATION || st == ST_POLICY);
		assert_true(r.status[1 - side] == ST_OK || r.status[1 - side] == ST_NETWORK ||
			    r.status[1 - side] == ST_SECURE_SESSION);
		hist[st]++;
	}
	assert_true(r.status[side] >= 0 && r.status[1 - side] >= 0);
	assert_consistent(&r, SRC);
	assert_consistent(&r, DST);
	assert_int_equal(world_heap.cur, before);
	run(&r, 201, 3);
	expect_success(&r);
	world_free(r.w);
}

static void test_out_of_heap(void **state)
{
	uint64_t n[2];

	(void)state;
	/* How many allocations one pre-migration makes on each side. */
	{
		struct run r = { .w = new_world() };

		boot(r.w);
		world_heap.side_allocs[0] = world_heap.side_allocs[1] = 0;
		run(&r, 199, 3);
		expect_success(&r);
		n[0] = world_heap.side_allocs[0];
		n[1] = world_heap.side_allocs[1];
		world_free(r.w);
	}
	for (int side = 0; side < 2; side++) {
		unsigned hist[256] = { 0 };
		uint64_t step = n[side] / 40 + 1, cases = 0;

		assert_true(n[side] > 0);
		/* Every k of the first 48 allocations (key generation, REPORTDATA, the
		 * quote, the TLS set-up), then every step-th up to past the last: all
		 * ~28,000 points per side would take hours. */
		for (uint64_t k = 1; k <= n[side] + 1; k += k < 48 ? 1 : step, cases++)
			heap_case(side, k, hist);
		printf("    %s: %llu allocations per pre-migration; out of heap at %llu points:"
		       " status 0: %u, 3: %u, 6: %u, 7: %u, 8: %u\n",
		       side == SRC ? "source" : "destination", (unsigned long long)n[side],
		       (unsigned long long)cases, hist[0], hist[3], hist[6], hist[7], hist[8]);
		/* The allocator really failed, and not always harmlessly. */
		assert_true(hist[3] + hist[6] + hist[7] + hist[8] > 0);
	}
}

/* ---- setup ------------------------------------------------------------------------------ */

TU_WORLD_GROUP(g_fx)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_servtd_wr_fails),
		cmocka_unit_test(test_servtd_rd_sys_rd_fail),
		cmocka_unit_test(test_mr_report_fails),
		cmocka_unit_test(test_getquote_failures),
		cmocka_unit_test(test_getquote_busy_six_times),
		cmocka_unit_test(test_query_failures),
		cmocka_unit_test(test_wait_for_request_failures),
		cmocka_unit_test(test_report_status_failures),
		cmocka_unit_test(test_stream_open_failures),
		cmocka_unit_test(test_stream_close_failures),
		cmocka_unit_test(test_in_flight_and_busy),
		cmocka_unit_test(test_out_of_heap),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
