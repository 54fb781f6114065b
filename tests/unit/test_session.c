/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * test_session.c -- whole pre-migrations inside one process (docs/protocol.md §1.3-§1.5,
 * §6, §9.4): two MigTD cores (source, destination) on two emulated
 * platforms with a fake VMM and in-memory streams -- the harness in
 * support/world.c, shared with bench/bench_premigration.c.
 *
 * Set MIGTD_TEST_LOG=1 to see both MigTDs' logs on stderr.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <mbedtls/platform.h>
#include <mbedtls/sha512.h>
#include <psa/crypto.h>

#include "emu_host.h"
#include "emu_pki.h"
#include "emu_tdx.h"
#include "migtd/ghci.h"
#include "migtd/hob.h"
#include "migtd/quote.h"
#include "migtd/ratls.h"
#include "migtd/session.h"
#include "migtd/wire.h"
#include "support/testutil.h"
#include "support/world_group.h"
#include "world.h"

/* ---- shared fixtures ------------------------------------------------------------ */

static struct world_fixture g_fx;

/* Admits any peer on the same platform model running the same MigTD image
 * (MRTD), whatever policy and root CA it enrolled. */
static const char permissive_policy[] =
	"{\"id\":\"11111111-2222-3333-4444-555555555555\",\"policy\":["
	"{\"fmspc\":\"self\",\"Platform\":{\"TcbInfo\":{\"pcesvn\":"
	"{\"operation\":\"greater-or-equal\",\"reference\":0}}}},"
	"{\"MigTD\":{\"TDINFO\":{\"MRTD\":{\"operation\":\"equal\",\"reference\":\"self\"}}}}]}";

static void assert_keys_exchanged(const struct emu_user_td *a, const struct emu_user_td *b,
				  uint16_t version)
{
	assert_int_equal(a->dec_key_written, 0xF);
	assert_int_equal(b->dec_key_written, 0xF);
	assert_memory_equal(a->mig_dec_key, b->mig_enc_key, 32);
	assert_memory_equal(b->mig_dec_key, a->mig_enc_key, 32);
	assert_true(a->mig_version_written);
	assert_true(b->mig_version_written);
	assert_int_equal(a->mig_version, version);
	assert_int_equal(b->mig_version, version);
}

static void set_versions(struct world *w, uint16_t emin, uint16_t emax, uint16_t imin,
			 uint16_t imax)
{
	w->s[0].h.tdx.min_export_version = emin;
	w->s[0].h.tdx.max_export_version = emax;
	w->s[1].h.tdx.min_import_version = imin;
	w->s[1].h.tdx.max_import_version = imax;
}

/* One pre-migration between fresh user TDs; returns both statuses. */
struct pair_result {
	int src, dst;
	struct emu_user_td *td[2];
};

static struct pair_result migrate_one(struct world *w, uint64_t id, bool dst_gets_request,
				      unsigned max_ms)
{
	struct pair_result r;

	r.td[0] = emu_tdx_bind_user_td(&w->s[0].h.tdx);
	r.td[1] = emu_tdx_bind_user_td(&w->s[1].h.tdx);
	assert_non_null(r.td[0]);
	assert_non_null(r.td[1]);
	world_queue_request(&w->s[0], id, true, r.td[0], (uint32_t)(1000 + id));
	if (dst_gets_request)
		world_queue_request(&w->s[1], id, false, r.td[1], (uint32_t)(1000 + id));
	world_run(w, w->s[0].nreports + 1, w->s[1].nreports + (dst_gets_request ? 1 : 0), max_ms);
	r.src = world_report_of(&w->s[0], id);
	r.dst = dst_gets_request ? world_report_of(&w->s[1], id) : -1;
	assert_int_equal(migtd_core_active_sessions(w->s[0].core), 0);
	if (dst_gets_request)
		assert_int_equal(migtd_core_active_sessions(w->s[1].core), 0);
	return r;
}

static void sha384(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[48])
{
	mbedtls_sha512_context ctx;

	mbedtls_sha512_init(&ctx);
	assert_int_equal(mbedtls_sha512_starts(&ctx, 1), 0);
	assert_int_equal(mbedtls_sha512_update(&ctx, a, alen), 0);
	if (blen)
		assert_int_equal(mbedtls_sha512_update(&ctx, b, blen), 0);
	assert_int_equal(mbedtls_sha512_finish(&ctx, out), 0);
	mbedtls_sha512_free(&ctx);
}

/* ---- tests -------------------------------------------------------------------------- */

static void test_full_premigration(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct pair_result r;
	uint8_t d1[48], d2[48], rtmr2[48], zero[48] = { 0 };
	uint8_t rtmr01[48], rtmrs[4 * 48];
	const uint8_t *log;
	size_t log_len;
	uint64_t t0;

	(void)state;
	set_versions(w, 1, 3, 2, 5);
	world_start(w);
	world_heap.peak = world_heap.cur;
	t0 = world_now_ms();
	r = migrate_one(w, 7, true, 20000);
	printf("    one pre-migration (both sides, in-process): %llu ms, mbedTLS heap peak %zu "
	       "bytes (two sessions)\n",
	       (unsigned long long)(world_now_ms() - t0), world_heap.peak);
	assert_int_equal(r.src, 0);
	assert_int_equal(r.dst, 0);
	assert_keys_exchanged(r.td[0], r.td[1], 3);

	/* §9.4: RTMR0 = RTMR1 = the spec's value (td-shim's separator). */
	tu_unhex("518923b0f955d08da077c96aaba522b9decede61c599cea6c41889cfbea4ae4d50529d96fe4d1afd"
		 "afb65e7f95bf23c4",
		 rtmr01, sizeof(rtmr01));
	/* RTMR2 = SHA384(SHA384(0^48 || SHA384(policy)) || SHA384(root CA)), computed here. */
	sha384(g_fx.policy, g_fx.policy_len, NULL, 0, d1);
	sha384(g_fx.root, g_fx.root_len, NULL, 0, d2);
	sha384(zero, 48, d1, 48, rtmr2);
	sha384(rtmr2, 48, d2, 48, rtmr2);
	for (int i = 0; i < 2; i++) {
		const struct tdinfo_struct *ti = &w->s[i].h.tdx.servtd.info;

		assert_memory_equal(ti->rtmr[0], rtmr01, 48);
		assert_memory_equal(ti->rtmr[1], rtmr01, 48);
		assert_memory_equal(ti->rtmr[2], rtmr2, 48);
		assert_memory_equal(ti->rtmr[3], zero, 48);
		/* Our event log replays to the RTMRs, trailing byte included. */
		log = migtd_core_event_log(w->s[i].core, &log_len);
		assert_non_null(log);
		assert_int_equal(log[log_len - 1], 0xFF);
		memcpy(rtmrs, ti->rtmr, sizeof(rtmrs));
		assert_int_equal(migtd_eventlog_verify_rtmrs(log, log_len, rtmrs), MIGTD_OK);
		assert_int_equal(migtd_eventlog_verify_rtmrs(log, log_len - 1, rtmrs),
				 MIGTD_ERR_POLICY);
		/* The phases are logged with the request id. */
		assert_non_null(strstr(w->s[i].log, "req=7: request received"));
		assert_non_null(strstr(w->s[i].log, "req=7: quote obtained"));
		assert_non_null(strstr(w->s[i].log, "req=7: handshake done"));
		assert_non_null(strstr(w->s[i].log, "req=7: keys installed: MIG_VERSION 3"));
		assert_non_null(strstr(w->s[i].log, "req=7: reported status 0 (Success)"));
		assert_int_equal(w->s[i].core->sessions_succeeded, 1);
	}
	/* Another request on the same cores works too (slots are reused). */
	r = migrate_one(w, 8, true, 20000);
	assert_int_equal(r.src, 0);
	assert_int_equal(r.dst, 0);
	assert_keys_exchanged(r.td[0], r.td[1], 3);
	printf("    sizeof(struct migtd_session) = %zu, sizeof(struct migtd_core) = %zu\n",
	       migtd_core_session_size(), sizeof(struct migtd_core));
	world_free(w);
}

/* The verifier that rejects reports 8, the rejected side 6; no keys anywhere. */
static void test_policy_rejects(void **state)
{
	const uint8_t *perm = (const uint8_t *)permissive_policy;
	size_t plen = sizeof(permissive_policy) - 1;

	(void)state;
	for (int rejecting = 0; rejecting < 2; rejecting++) {
		/* The strict default policy wants the peer's RTMR2 (its policy) equal to
		 * ours; the permissive one on the other side accepts the strict peer. */
		struct world *w = rejecting == 0 ? world_new(&g_fx, NULL, 0, perm, plen)
						 : world_new(&g_fx, perm, plen, NULL, 0);
		struct pair_result r;
		struct side *v = &w->s[rejecting];

		world_start(w);
		r = migrate_one(w, 20, true, 20000);
		assert_int_equal(rejecting == 0 ? r.src : r.dst, 8);
		assert_int_equal(rejecting == 0 ? r.dst : r.src, 6);
		tu_assert_nothing_written(r.td[0]);
		tu_assert_nothing_written(r.td[1]);
		/* The explanation names the property and both values. */
		assert_non_null(strstr(v->log, "policy: peer rejected"));
		assert_non_null(strstr(v->log, "RTMR2"));
		world_free(w);
	}
}

/*
 * An enrolled policy that does not parse: the MigTD boots and serves (it
 * logs the parse error loudly at boot), and each request fails with 9 when
 * it evaluates its peer -- as upstream, which parses the policy only then.
 * The peer sees the verifier's abort: 6. Run on each side.
 */
static void test_invalid_policy_per_request(void **state)
{
	static const uint8_t bad[] = "{\"id\":\"x\",\"policy\":[{\"nonsense\":1}]}";
	const uint8_t *perm = (const uint8_t *)permissive_policy;
	size_t plen = sizeof(permissive_policy) - 1;

	(void)state;
	for (int bad_side = 0; bad_side < 2; bad_side++) {
		/* The other side admits the peer whatever policy it measured. */
		struct world *w = bad_side == 0
					  ? world_new(&g_fx, bad, sizeof(bad) - 1, perm, plen)
					  : world_new(&g_fx, perm, plen, bad, sizeof(bad) - 1);
		struct side *v = &w->s[bad_side];
		struct pair_result r;
		uint64_t wake;

		world_start(w);
		assert_int_equal(migtd_core_poll(v->core, &wake), MIGTD_OK);
		assert_non_null(strstr(v->log, "boot: invalid migration policy"));
		assert_non_null(strstr(v->log, "every migration request will fail with status 9"));
		for (uint64_t id = 0; id < 2; id++) {
			r = migrate_one(w, 60 + id, true, 20000);
			assert_int_equal(bad_side == 0 ? r.src : r.dst, 9);
			assert_int_equal(bad_side == 0 ? r.dst : r.src, 6);
			tu_assert_nothing_written(r.td[0]);
			tu_assert_nothing_written(r.td[1]);
		}
		assert_non_null(strstr(v->log, "policy: InvalidPolicy"));
		world_free(w);
	}
}

/* An enrolled root CA that is not a DER certificate stops the MigTD at boot
 * (as upstream), after measuring it; nothing is served (no Query). */
static void test_invalid_root_ca_at_boot(void **state)
{
	static const uint8_t junk[] = "-----BEGIN CERTIFICATE-----";

	(void)state;
	for (int variant = 0; variant < 2; variant++) {
		struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
		uint8_t *cut = NULL;
		uint64_t wake;

		if (variant == 0) {
			w->s[0].cfg.root_ca = junk;
			w->s[0].cfg.root_ca_len = sizeof(junk) - 1;
		} else {
			/* The real root CA, one byte short. */
			cut = malloc(g_fx.root_len);
			assert_non_null(cut);
			memcpy(cut, g_fx.root, g_fx.root_len);
			w->s[0].cfg.root_ca = cut;
			w->s[0].cfg.root_ca_len = g_fx.root_len - 1;
		}
		world_start(w);
		assert_int_equal(migtd_core_poll(w->s[0].core, &wake), MIGTD_ERR_INVALID_ROOT_CA);
		assert_int_equal(migtd_core_poll(w->s[0].core, &wake), MIGTD_ERR_INVALID_ROOT_CA);
		assert_int_equal(migtd_err_status(MIGTD_ERR_INVALID_ROOT_CA), 9);
		assert_non_null(strstr(w->s[0].log, "enrolled root CA"));
		/* Measured before the check, as upstream does. */
		assert_non_null(migtd_core_event_log(w->s[0].core, NULL));
		assert_int_equal(w->s[0].core->state, MIGTD_CORE_FATAL);
		/* The other side, with the good root CA, boots. */
		assert_int_equal(migtd_core_poll(w->s[1].core, &wake), MIGTD_OK);
		world_free(w);
		free(cut);
	}
}

static void test_query_unsupported(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	uint64_t wake;

	(void)state;
	w->s[0].query_unsupported = true;
	world_start(w);
	assert_int_equal(migtd_core_poll(w->s[0].core, &wake), MIGTD_ERR_UNSUPPORTED);
	assert_int_equal(migtd_core_poll(w->s[1].core, &wake), MIGTD_OK);
	world_free(w);
}

static void test_corrupted_stream(void **state)
{
	(void)state;
	/* A byte of the ClientHello: both ends see a TLS failure (6). */
	{
		struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
		struct pair_result r;

		w->net.flip_offset = 100;
		world_start(w);
		r = migrate_one(w, 30, true, 20000);
		assert_true(w->net.flipped);
		assert_int_equal(r.src, 6);
		assert_int_equal(r.dst, 6);
		tu_assert_nothing_written(r.td[0]);
		tu_assert_nothing_written(r.td[1]);
		world_free(w);
	}
	/* A byte of the source's ExchangeInformation record (header 5, 40 + content
	 * type 1 padded to 48 by mbedTLS's TLS 1.3 padding granularity, tag 16):
	 * the destination's read fails (6) and it writes nothing. Both sides write
	 * before they read (§6.2), so the source already has the destination's
	 * intact message: it completes (0) -- inherent in the protocol. */
	{
		struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
		struct pair_result r;

		w->net.flip_send_len = 69;
		world_start(w);
		r = migrate_one(w, 31, true, 20000);
		assert_true(w->net.flipped);
		assert_int_equal(r.dst, 6);
		tu_assert_nothing_written(r.td[1]);
		assert_int_equal(r.src, 0);
		world_free(w);
	}
}

/*
 * The stream ends (or is reset) in the middle of the handshake, after the
 * stream was connected: a transport failure while TLS runs is a
 * SecureSessionError (6) on both sides, as upstream's TLS layer reports it
 * (docs/protocol.md §1.5); only timeouts and a failed connect are 5.
 */
static void test_disconnect_in_tls(void **state)
{
	(void)state;
	for (int reset = 0; reset < 2; reset++) {
		struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
		struct pair_result r;

		w->net.cut_after = 700;
		w->net.cut_reset = reset;
		world_start(w);
		r = migrate_one(w, 32, true, 20000);
		assert_int_equal(r.src, 6);
		assert_int_equal(r.dst, 6);
		tu_assert_nothing_written(r.td[0]);
		tu_assert_nothing_written(r.td[1]);
		world_free(w);
	}
}

/*
 * The stream breaks under the source's ExchangeInformation write (its one
 * 69-byte record, see test_corrupted_stream): a transport failure while TLS
 * runs, 6; the destination meets the broken stream in its own exchange
 * (its write, or its read before any of the 40 bytes): 6 as well. Nothing
 * is written on either side.
 */
static void test_exchange_write_fails(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct pair_result r;

	(void)state;
	w->net.fail_send_len = 69;
	world_start(w);
	r = migrate_one(w, 33, true, 20000);
	assert_true(w->net.links[0].cut);
	assert_int_equal(r.src, 6);
	assert_int_equal(r.dst, 6);
	assert_non_null(strstr(w->s[0].log, "send-info failed"));
	tu_assert_nothing_written(r.td[0]);
	tu_assert_nothing_written(r.td[1]);
	world_free(w);
}

static void test_peer_never_answers(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct pair_result r;
	uint64_t t0;

	(void)state;
	w->s[0].cfg.timeout_ms = 300;
	world_start(w);
	t0 = world_now_ms();
	r = migrate_one(w, 40, false, 10000);
	assert_int_equal(r.src, 5);
	assert_true(world_now_ms() - t0 >= 300);
	tu_assert_nothing_written(r.td[0]);
	assert_non_null(strstr(w->s[0].log, "TLS handshake timed out"));
	world_free(w);
}

static void test_servtd_attr_nonzero(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct emu_user_td *a = emu_tdx_bind_user_td(&w->s[0].h.tdx);
	struct emu_user_td *b = emu_tdx_bind_user_td(&w->s[1].h.tdx);

	(void)state;
	a->servtd_attr = 1;
	world_start(w);
	world_queue_request(&w->s[0], 50, true, a, 1050);
	world_queue_request(&w->s[1], 50, false, b, 1050);
	world_run(w, 1, 1, 20000);
	assert_int_equal(world_report_of(&w->s[0], 50), 1);
	tu_assert_nothing_written(a);
	/* The destination checks its own user TD only. */
	assert_int_equal(world_report_of(&w->s[1], 50), 0);
	world_free(w);
}

static void test_wrong_binding_handle(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct emu_user_td *a = emu_tdx_bind_user_td(&w->s[0].h.tdx);
	struct emu_user_td *b = emu_tdx_bind_user_td(&w->s[1].h.tdx);
	struct emu_user_td wrong = *a;

	(void)state;
	wrong.binding.handle ^= 0x5a5a;
	world_start(w);
	world_queue_request(&w->s[0], 60, true, &wrong, 1060);
	world_queue_request(&w->s[1], 60, false, b, 1060);
	world_run(w, 1, 1, 20000);
	assert_int_equal(world_report_of(&w->s[0], 60), 4);
	/* The source closed its connected stream: the destination, already
	 * in its TLS handshake, sees a transport failure inside TLS (6). */
	assert_int_equal(world_report_of(&w->s[1], 60), 6);
	tu_assert_nothing_written(a);
	tu_assert_nothing_written(b);
	world_free(w);
}

static void test_versions_disjoint(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct pair_result r;

	(void)state;
	set_versions(w, 1, 2, 3, 4);
	world_start(w);
	r = migrate_one(w, 70, true, 20000);
	assert_int_equal(r.src, 1);
	assert_int_equal(r.dst, 1);
	tu_assert_nothing_written(r.td[0]);
	tu_assert_nothing_written(r.td[1]);
	world_free(w);
}

static void test_version_rules(void **state)
{
	(void)state;
	/* §6.3: an inverted range [5,4] fails on both sides (each sees both ranges). */
	{
		struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
		struct pair_result r;

		set_versions(w, 5, 4, 0, 9);
		world_start(w);
		r = migrate_one(w, 71, true, 20000);
		assert_int_equal(r.src, 1);
		assert_int_equal(r.dst, 1);
		tu_assert_nothing_written(r.td[0]);
		tu_assert_nothing_written(r.td[1]);
		world_free(w);
	}
	/* §3.1: a version field above 0xFFFF -> 1, before TLS (the peer, already
	 * in its handshake, sees the stream close inside TLS: 6). */
	{
		struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
		struct pair_result r;

		w->s[1].sys_rd_big = true;
		world_start(w);
		r = migrate_one(w, 72, true, 20000);
		assert_int_equal(r.dst, 1);
		assert_int_equal(r.src, 6);
		tu_assert_nothing_written(r.td[0]);
		tu_assert_nothing_written(r.td[1]);
		world_free(w);
	}
}

static void test_duplicate_request_ignored(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct emu_user_td *a = emu_tdx_bind_user_td(&w->s[0].h.tdx);
	struct emu_user_td *b = emu_tdx_bind_user_td(&w->s[1].h.tdx);

	(void)state;
	world_start(w);
	world_queue_request(&w->s[0], 80, true, a, 1080);
	world_queue_request(&w->s[0], 80, true, a, 1080); /* same id while in progress */
	world_queue_request(&w->s[1], 80, false, b, 1080);
	world_run(w, 1, 1, 20000);
	/* Let the loop run a little more: still one report. */
	for (int i = 0; i < 50; i++) {
		uint64_t wake;

		assert_int_equal(migtd_core_poll(w->s[0].core, &wake), MIGTD_OK);
	}
	assert_int_equal(w->s[0].nreports, 1);
	assert_int_equal(world_report_of(&w->s[0], 80), 0);
	assert_int_equal(w->s[0].core->requests_duplicate, 1);
	assert_int_equal(w->s[0].core->requests_received, 1);
	assert_keys_exchanged(a, b, 0);
	world_free(w);
}

static void test_malformed_hob_dropped(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct pair_result r;
	struct side *sd = &w->s[0];

	(void)state;
	world_start(w);
	/* A HOB list whose first HOB has an unknown type: dropped, no report. */
	memset(sd->queue[0], 0, 64);
	sd->queue[0][0] = 0x01; /* type 1 */
	sd->queue[0][2] = 32;   /* length */
	sd->queue_len[0] = 64;
	sd->nqueued = 1;
	r = migrate_one(w, 90, true, 20000);
	assert_int_equal(r.src, 0);
	assert_int_equal(r.dst, 0);
	assert_int_equal(sd->nreports, 1);
	assert_int_equal(sd->core->requests_dropped, 1);
	assert_non_null(strstr(sd->log, "malformed migration request dropped"));
	world_free(w);
}

static void test_quote_retry(void **state)
{
	(void)state;
	/* Busy twice: the third attempt (new TDREPORT) succeeds. */
	{
		struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
		struct pair_result r;

		w->s[1].quote_busy = 2;
		world_start(w);
		r = migrate_one(w, 100, true, 20000);
		assert_int_equal(r.src, 0);
		assert_int_equal(r.dst, 0);
		assert_int_equal(w->s[1].quotes, 3);
		world_free(w);
	}
	/* Busy 6 times: 7 on that side after 6 attempts (back-off 5..80 ms here). */
	{
		struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
		struct pair_result r;

		w->s[0].quote_busy = 6;
		w->s[1].cfg.timeout_ms = 2000;
		world_start(w);
		r = migrate_one(w, 101, true, 20000);
		assert_int_equal(r.src, 7);
		assert_int_equal(w->s[0].quotes, 6);
		assert_true(r.dst == 5 || r.dst == 6);
		tu_assert_nothing_written(r.td[0]);
		tu_assert_nothing_written(r.td[1]);
		world_free(w);
	}
}

/*
 * Like world_run, but side k's clock jumps over its GetQuote waits: when a
 * session of that side waits in QUOTE_BACKOFF or QUOTE_WAIT, its platform
 * clock moves to that wait's deadline. The schedule is then observable in
 * platform time (side->quote_at) without sleeping through it.
 */
static void run_skipping_quote_waits(struct world *w, int k, unsigned want0, unsigned want1,
				     unsigned max_ms)
{
	uint64_t end = world_now_ms() + max_ms;
	struct side *sd = &w->s[k];

	while (w->s[0].nreports < want0 || w->s[1].nreports < want1) {
		for (int i = 0; i < 2; i++) {
			uint64_t wake = 0;

			assert_int_equal(migtd_core_poll(w->s[i].core, &wake), MIGTD_OK);
		}
		for (unsigned i = 0; i < MIGTD_MAX_SESSIONS; i++) {
			const struct migtd_session *s = &sd->core->sessions[i];

			if ((s->state == MIGTD_SS_QUOTE_BACKOFF ||
			     s->state == MIGTD_SS_QUOTE_WAIT) &&
			    s->deadline_ms != 0)
				world_skip_to(sd, s->deadline_ms);
		}
		assert_true(world_now_ms() < end);
		usleep(50);
	}
}

/*
 * §2.6 with the production back-off (quote_retry_ms 0 -> 1000 ms): the QGS
 * is busy 6 times; the attempts go out 1, 2, 4, 8 and 16 s apart in platform
 * time (31 s in all), then the session fails with 7. The source's clock is
 * moved forward, so this takes well under a second of wall time. With 5
 * busy answers the 6th attempt gets the quote and the migration succeeds.
 */
static void test_quote_backoff_schedule(void **state)
{
	(void)state;
	for (unsigned busy = 5; busy <= 6; busy++) {
		struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
		struct emu_user_td *a = emu_tdx_bind_user_td(&w->s[0].h.tdx);
		struct emu_user_td *b = emu_tdx_bind_user_td(&w->s[1].h.tdx);
		uint64_t t0 = world_now_ms();

		w->s[0].cfg.quote_retry_ms = 0; /* the default: 1000 ms */
		w->s[0].cfg.timeout_ms = 60000; /* the default step timeout */
		w->s[1].cfg.timeout_ms = 3000;
		w->s[0].quote_busy = busy;
		set_versions(w, 1, 3, 2, 5); /* -> MIG_VERSION 3 */
		world_start(w);
		world_queue_request(&w->s[0], 110, true, a, 1110);
		world_queue_request(&w->s[1], 110, false, b, 1110);
		run_skipping_quote_waits(w, 0, 1, 1, 20000);
		assert_int_equal(w->s[0].quotes, 6);
		for (unsigned i = 0; i + 1 < 6; i++) {
			uint64_t gap = w->s[0].quote_at[i + 1] - w->s[0].quote_at[i];

			/* 1000 << i ms, plus at most a few polls of real time. */
			assert_true(gap >= (1000u << i));
			assert_true(gap < (1000u << i) + 200u);
		}
		assert_true(w->s[0].quote_at[5] - w->s[0].quote_at[0] >= 31000);
		if (busy == 6) {
			assert_int_equal(world_report_of(&w->s[0], 110), 7);
			assert_true(world_report_of(&w->s[1], 110) == 5 ||
				    world_report_of(&w->s[1], 110) == 6);
			assert_non_null(strstr(w->s[0].log, "still busy after 6 attempts"));
			tu_assert_nothing_written(a);
			tu_assert_nothing_written(b);
		} else {
			assert_int_equal(world_report_of(&w->s[0], 110), 0);
			assert_int_equal(world_report_of(&w->s[1], 110), 0);
			assert_keys_exchanged(a, b, 3);
		}
		/* Wall time: the 31 s were skipped, not slept. */
		assert_true(world_now_ms() - t0 < 15000);
		world_free(w);
	}
}

/*
 * The VMM takes a GetQuote and never answers: the wait is bounded by the
 * step timeout (60 s by default); then the call is cancelled (the backend
 * lets go of the buffer) and the session fails with 7, as upstream fails
 * any GetQuote error. The next request gets a fresh GetQuote channel.
 */
static void test_quote_unanswered(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct emu_user_td *a = emu_tdx_bind_user_td(&w->s[0].h.tdx);
	struct emu_user_td *b = emu_tdx_bind_user_td(&w->s[1].h.tdx);
	uint64_t t_start;

	(void)state;
	w->s[0].cfg.timeout_ms = 0; /* the default: 60 s */
	w->s[1].cfg.timeout_ms = 2000;
	w->s[0].quote_hang = true;
	world_start(w);
	t_start = world_side_now_ms(&w->s[0]);
	world_queue_request(&w->s[0], 120, true, a, 1120);
	world_queue_request(&w->s[1], 120, false, b, 1120);
	run_skipping_quote_waits(w, 0, 1, 1, 20000);
	assert_int_equal(world_report_of(&w->s[0], 120), 7);
	/* The source closed its stream during the handshake: a transport
	 * failure inside TLS on the destination. */
	assert_int_equal(world_report_of(&w->s[1], 120), 6);
	assert_int_equal(w->s[0].quotes, 1);
	assert_int_equal(w->s[0].quote_cancels, 1);
	assert_null(w->s[0].quote_pending);
	assert_true(world_side_now_ms(&w->s[0]) - t_start >= MIGTD_DEFAULT_TIMEOUT_MS);
	assert_non_null(strstr(w->s[0].log, "GetQuote not answered in time"));
	tu_assert_nothing_written(a);
	tu_assert_nothing_written(b);
	/* The VMM answers again: the next request migrates. */
	w->s[0].quote_hang = false;
	{
		struct pair_result r = migrate_one(w, 121, true, 20000);

		assert_int_equal(r.src, 0);
		assert_int_equal(r.dst, 0);
	}
	world_free(w);
}

/*
 * One platform failure on the source at a time, and the status each side
 * reports (docs/protocol.md §1.5, docs/status-codes.md). The destination is healthy: it
 * sees the source's stream end inside TLS (6), or its own handshake time
 * out when the source never connected (5), or it completes (0) when the
 * source failed only after the exchange.
 */
enum src_fault {
	F_OPEN_REFUSED,
	F_OPEN_BUSY,
	F_SYS_RD,
	F_MR_REPORT,
	F_QUOTE_VMCALL,
	F_QUOTE_STATUS,
	F_QUOTE_MALFORMED,
	F_QUOTE_CHANNEL,
	F_CLOSE,
	F_RD_ATTR,
	F_WR_VERSION,
	F_WR_DEC_KEY,
	F_COUNT
};

static void test_failure_codes(void **state)
{
	static const struct {
		const char *name;
		int src, dst;
		const char *log; /* in the source's log */
	} want[F_COUNT] = {
		[F_OPEN_REFUSED] = { "stream open refused", 5, 5, "stream open failed" },
		[F_OPEN_BUSY] = { "no stream ever", 5, 5, "no stream available" },
		[F_SYS_RD] = { "TDG.SYS.RD fails", 4, 6, "TDG.SYS.RD migration version failed" },
		[F_MR_REPORT] = { "TDG.MR.REPORT fails", 7, 6, "TDG.MR.REPORT failed" },
		[F_QUOTE_VMCALL] = { "TDVMCALL<GetQuote> fails", 7, 6, "GetQuote failed" },
		[F_QUOTE_STATUS] = { "GetQuote non-retriable status", 7, 6, "GetQuote failed" },
		[F_QUOTE_MALFORMED] = { "GetQuote answer malformed", 7, 6,
					"GetQuote response malformed" },
		[F_QUOTE_CHANNEL] = { "GetQuote channel never free", 7, 6,
				      "GetQuote channel busy for too long" },
		[F_CLOSE] = { "stream shutdown fails", 1, 0, "stream shutdown failed" },
		[F_RD_ATTR] = { "SERVTD.RD SERVTD_ATTR fails", 4, 0,
				"TDG.SERVTD.RD SERVTD_ATTR failed" },
		[F_WR_VERSION] = { "SERVTD.WR MIG_VERSION fails", 4, 0,
				   "TDG.SERVTD.WR MIG_VERSION failed" },
		[F_WR_DEC_KEY] = { "SERVTD.WR MIG_DEC_KEY fails", 4, 0,
				   "TDG.SERVTD.WR MIG_DEC_KEY failed" },
	};

	(void)state;
	for (int f = 0; f < F_COUNT; f++) {
		struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
		struct side *src = &w->s[0];
		struct pair_result r;

		src->cfg.timeout_ms = 300;
		w->s[1].cfg.timeout_ms = 600;
		switch ((enum src_fault)f) {
		case F_OPEN_REFUSED: w->net.open_fail[0] = true; break;
		case F_OPEN_BUSY: w->net.open_busy[0] = true; break;
		case F_SYS_RD: src->fail_sys_rd = true; break;
		case F_MR_REPORT: src->fail_mr_report = true; break;
		case F_QUOTE_VMCALL: src->fail_quote_start = true; break;
		case F_QUOTE_STATUS: src->quote_status = 0x8000000000000002ULL; break;
		case F_QUOTE_MALFORMED: src->quote_malformed = true; break;
		case F_QUOTE_CHANNEL: src->quote_channel_busy = true; break;
		case F_CLOSE: w->net.close_fail[0] = true; break;
		case F_RD_ATTR: src->fail_servtd_rd_field = TDX_FIELD_SERVTD_ATTR; break;
		case F_WR_VERSION: src->fail_servtd_wr_field = TDX_FIELD_MIG_VERSION; break;
		case F_WR_DEC_KEY: src->fail_servtd_wr_field = TDX_FIELD_MIG_DEC_KEY(0); break;
		case F_COUNT: break;
		}
		world_start(w);
		r = migrate_one(w, 130, true, 20000);
		if (r.src != want[f].src || r.dst != want[f].dst)
			fail_msg("%s: source %d destination %d, expected %d / %d", want[f].name,
				 r.src, r.dst, want[f].src, want[f].dst);
		if (strstr(src->log, want[f].log) == NULL)
			fail_msg("%s: no \"%s\" in the source's log", want[f].name, want[f].log);
		/* The failing side wrote nothing -- except MIG_VERSION when only the
		 * key write failed (docs/protocol.md §1.3: it stays written). */
		assert_int_equal(r.td[0]->dec_key_written, 0);
		assert_int_equal(r.td[0]->mig_version_written, f == F_WR_DEC_KEY);
		if (want[f].dst != 0)
			tu_assert_nothing_written(r.td[1]);
		else
			assert_int_equal(r.td[1]->dec_key_written, 0xF);
		world_free(w);
	}
}

/* 65 requests on each side: 64 run at once, the 65th waits for a slot. */
static void test_64_concurrent(void **state)
{
	enum { N = MIGTD_MAX_SESSIONS + 1 };
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct emu_user_td *td[2][N];
	uint64_t t0, ms;

	(void)state;
	set_versions(w, 0, 4, 2, 9);
	/* The sources wait in the handshake until their peers get to them (slow
	 * under the sanitizers): the spec's 60 s. */
	w->s[0].cfg.timeout_ms = 60000;
	w->s[1].cfg.timeout_ms = 60000;
	world_start(w);
	world_heap.peak = world_heap.cur;
	t0 = world_now_ms();
	/* The source MigTD takes 64 requests; with no peer yet they all wait in
	 * the handshake, and the 65th stays with the VMM. */
	for (unsigned i = 0; i < N; i++) {
		td[0][i] = emu_tdx_bind_user_td(&w->s[0].h.tdx);
		world_queue_request(&w->s[0], 1000 + i, true, td[0][i], 5000 + i);
	}
	for (int i = 0; i < 2000 && migtd_core_active_sessions(w->s[0].core) < MIGTD_MAX_SESSIONS;
	     i++) {
		uint64_t wake;

		assert_int_equal(migtd_core_poll(w->s[0].core, &wake), MIGTD_OK);
	}
	for (int i = 0; i < 20; i++) {
		uint64_t wake;

		assert_int_equal(migtd_core_poll(w->s[0].core, &wake), MIGTD_OK);
	}
	assert_int_equal(migtd_core_active_sessions(w->s[0].core), MIGTD_MAX_SESSIONS);
	assert_int_equal(w->s[0].next, MIGTD_MAX_SESSIONS); /* the 65th is not taken */
	assert_int_equal(w->s[0].nreports, 0);
	for (unsigned i = 0; i < N; i++) {
		td[1][i] = emu_tdx_bind_user_td(&w->s[1].h.tdx);
		world_queue_request(&w->s[1], 1000 + i, false, td[1][i], 5000 + i);
	}
	world_run(w, N, N, 120000);
	ms = world_now_ms() - t0;
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(world_report_of(&w->s[0], 1000 + i), 0);
		assert_int_equal(world_report_of(&w->s[1], 1000 + i), 0);
		assert_keys_exchanged(td[0][i], td[1][i], 4);
	}
	assert_int_equal(w->s[0].core->peak_sessions, MIGTD_MAX_SESSIONS);
	/* 64 sessions needed the same platform's collateral: one fetch each side. */
	assert_int_equal(w->s[0].collateral_fetches, 1);
	assert_int_equal(w->s[1].collateral_fetches, 1);
	assert_true(w->s[1].core->peak_sessions <= MIGTD_MAX_SESSIONS);
	printf("    %u pre-migrations, %u at once per MigTD: %llu ms; mbedTLS heap peak %zu bytes "
	       "(%zu per session)\n",
	       (unsigned)N, MIGTD_MAX_SESSIONS, (unsigned long long)ms, world_heap.peak,
	       world_heap.peak / (2 * MIGTD_MAX_SESSIONS));
	world_free(w);
}

/*
 * docs/vmm-failures.md: a VMM that takes ReportStatus and never answers it
 * must not hold the session slot. 64 requests each fail fast (TDG.MR.REPORT
 * fails: 7) and their ReportStatus hangs; the 65th waits with the VMM. Once
 * vmm_timeout_ms passed, every slot is freed (the calls cancelled), the
 * 65th is taken, and with a VMM that answers again a migration succeeds.
 */
static void test_report_unanswered_frees_slots(void **state)
{
	enum { N = MIGTD_MAX_SESSIONS + 1 };
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct emu_user_td *td[N];
	uint64_t wake;

	(void)state;
	set_versions(w, 1, 3, 2, 5);
	w->s[0].cfg.vmm_timeout_ms = 300;
	w->s[0].keep_log = true;
	world_start(w);
	w->s[0].report_hang = true;
	w->s[0].fail_mr_report = true;
	for (unsigned i = 0; i < N; i++) {
		td[i] = emu_tdx_bind_user_td(&w->s[0].h.tdx);
		world_queue_request(&w->s[0], 3000 + i, true, td[i], 7000 + i);
	}
	for (int i = 0; i < 4000 && w->s[0].nreports < MIGTD_MAX_SESSIONS; i++)
		assert_int_equal(migtd_core_poll(w->s[0].core, &wake), MIGTD_OK);
	for (int i = 0; i < 20; i++)
		assert_int_equal(migtd_core_poll(w->s[0].core, &wake), MIGTD_OK);
	/* Every slot holds a session whose ReportStatus the VMM sits on. */
	assert_int_equal(w->s[0].nreports, MIGTD_MAX_SESSIONS);
	assert_int_equal(migtd_core_active_sessions(w->s[0].core), MIGTD_MAX_SESSIONS);
	assert_int_equal(w->s[0].next, MIGTD_MAX_SESSIONS);
	assert_int_equal(w->s[0].service_cancels, 0);
	for (unsigned i = 0; i < MIGTD_MAX_SESSIONS; i++)
		assert_int_equal(world_report_of(&w->s[0], 3000 + i), 7);
	/* The deadline passes: the slots are freed and the 65th is taken. */
	w->s[0].fail_mr_report = false;
	w->s[0].report_hang = false;
	world_skip_to(&w->s[0], world_side_now_ms(&w->s[0]) + 300);
	for (int i = 0; i < 200 && w->s[0].next < N; i++)
		assert_int_equal(migtd_core_poll(w->s[0].core, &wake), MIGTD_OK);
	assert_int_equal(w->s[0].service_cancels, MIGTD_MAX_SESSIONS);
	assert_int_equal(w->s[0].next, N);
	assert_non_null(strstr(w->s[0].log, "ReportStatus(7) not answered within 300 ms"));
	/* The 65th migrates with its peer. */
	{
		struct emu_user_td *b = emu_tdx_bind_user_td(&w->s[1].h.tdx);

		world_queue_request(&w->s[1], 3000 + MIGTD_MAX_SESSIONS, false, b, 7000 + N - 1);
		world_run(w, MIGTD_MAX_SESSIONS + 1, 1, 20000);
		assert_int_equal(world_report_of(&w->s[0], 3000 + MIGTD_MAX_SESSIONS), 0);
		assert_int_equal(world_report_of(&w->s[1], 3000 + MIGTD_MAX_SESSIONS), 0);
		assert_keys_exchanged(td[N - 1], b, 3);
	}
	for (unsigned i = 0; i < MIGTD_MAX_SESSIONS; i++)
		tu_assert_nothing_written(td[i]);
	world_free(w);
}

/* docs/vmm-failures.md: a VMM that never answers Query stops the MigTD at
 * boot (fatal, no request to report to) instead of leaving it waiting. */
static void test_query_unanswered(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	uint64_t wake;
	int ret = MIGTD_OK;

	(void)state;
	w->s[0].cfg.vmm_timeout_ms = 200;
	w->s[0].faults.in_flight = UINT_MAX; /* Query taken, never answered */
	world_start(w);
	for (int i = 0; i < 100 && ret == MIGTD_OK; i++) {
		ret = migtd_core_poll(w->s[0].core, &wake);
		world_skip_to(&w->s[0], world_side_now_ms(&w->s[0]) + 50);
	}
	assert_int_equal(ret, MIGTD_ERR_TIMEOUT);
	assert_int_equal(w->s[0].core->state, MIGTD_CORE_FATAL);
	assert_int_equal(w->s[0].service_cancels, 1);
	world_free(w);
}

static void test_config_limits(void **state)
{
	struct migtd_core *c = calloc(1, sizeof(*c));
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct migtd_config cfg = w->s[0].cfg;

	(void)state;
	cfg.max_sessions = MIGTD_MAX_SESSIONS + 1;
	assert_int_equal(migtd_core_init(c, &w->s[0].plat, &cfg), MIGTD_ERR_INVALID);
	cfg = w->s[0].cfg;
	cfg.policy = NULL;
	assert_int_equal(migtd_core_init(c, &w->s[0].plat, &cfg), MIGTD_ERR_INVALID);
	cfg = w->s[0].cfg;
	cfg.root_ca_len = 0;
	assert_int_equal(migtd_core_init(c, &w->s[0].plat, &cfg), MIGTD_ERR_INVALID);
	cfg = w->s[0].cfg;
	cfg.timeout_ms = 0;
	cfg.max_sessions = 0;
	assert_int_equal(migtd_core_init(c, &w->s[0].plat, &cfg), MIGTD_OK);
	assert_int_equal(c->cfg.timeout_ms, 60000);
	assert_int_equal(c->cfg.max_sessions, MIGTD_MAX_SESSIONS);
	assert_null(migtd_core_event_log(c, NULL));
	migtd_core_fini(c);
	free(c);
	world_free(w);
}

/* max_sessions = 1: the second request waits until the first is reported. */
static void test_small_session_limit(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct emu_user_td *td[2][2];

	(void)state;
	w->s[0].cfg.max_sessions = 1;
	w->s[1].cfg.max_sessions = 1;
	world_start(w);
	for (unsigned i = 0; i < 2; i++) {
		td[0][i] = emu_tdx_bind_user_td(&w->s[0].h.tdx);
		td[1][i] = emu_tdx_bind_user_td(&w->s[1].h.tdx);
		world_queue_request(&w->s[0], 200 + i, true, td[0][i], 6000 + i);
		world_queue_request(&w->s[1], 200 + i, false, td[1][i], 6000 + i);
	}
	world_run(w, 2, 2, 20000);
	assert_int_equal(w->s[0].core->peak_sessions, 1);
	assert_int_equal(world_report_of(&w->s[0], 200), 0);
	assert_int_equal(world_report_of(&w->s[0], 201), 0);
	assert_int_equal(w->s[0].reports[0].id, 200);
	world_free(w);
}

/* ---- admission by memory: a fake heap for the source MigTD ------------------------ */

struct fake_heap_admit {
	struct migtd_heap_budget b;
	unsigned calls, refused;
};

/* cfg.admit over the world's per-side byte count, as the firmware does over
 * its heap (docs/firmware-heap.md). */
static bool fake_admit(void *ctx, unsigned active)
{
	struct fake_heap_admit *a = ctx;
	bool ok = migtd_heap_budget_admit(&a->b, world_heap.side_cur[0], active);

	a->calls++;
	a->refused += !ok;
	return ok;
}

/*
 * Run one pre-migration on a fresh world (the source's heap peak, with
 * collateral cached), then `n` at once with the source's heap capped at
 * its idle use plus room for 2.5 sessions: without admission some fail
 * with 3 (the cap is real); with it every one succeeds, at most two at once.
 */
static void run_heap_budget(bool with_admit, unsigned n, unsigned *ok, unsigned *oor,
			    unsigned *peak_sessions, struct fake_heap_admit *a)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct emu_user_td *td[2][8];
	size_t idle, one;

	assert_true(n <= 8);
	set_versions(w, 0, 4, 2, 9); /* -> MIG_VERSION 4 */
	world_start(w);
	td[0][0] = emu_tdx_bind_user_td(&w->s[0].h.tdx);
	td[1][0] = emu_tdx_bind_user_td(&w->s[1].h.tdx);
	/* The first session also fetches and caches the collateral: the
	 * second one, alone, is what every later session costs. */
	world_queue_request(&w->s[0], 300, true, td[0][0], 6100);
	world_queue_request(&w->s[1], 300, false, td[1][0], 6100);
	world_run(w, 1, 1, 30000);
	assert_int_equal(world_report_of(&w->s[0], 300), 0);
	td[0][0] = emu_tdx_bind_user_td(&w->s[0].h.tdx);
	td[1][0] = emu_tdx_bind_user_td(&w->s[1].h.tdx);
	idle = world_heap.side_cur[0];
	world_heap.side_peak[0] = idle;
	world_queue_request(&w->s[0], 399, true, td[0][0], 6199);
	world_queue_request(&w->s[1], 399, false, td[1][0], 6199);
	world_run(w, 2, 2, 30000);
	assert_int_equal(world_report_of(&w->s[0], 399), 0);
	one = world_heap.side_peak[0] - idle;
	idle = world_heap.side_cur[0];
	assert_true(one > 10000);

	memset(a, 0, sizeof(*a));
	a->b.capacity = idle + one * 5 / 2;
	a->b.baseline = idle;
	a->b.session_peak = one + one / 10;
	world_heap.side_cap[0] = a->b.capacity;
	if (with_admit) {
		w->s[0].core->cfg.admit = fake_admit;
		w->s[0].core->cfg.admit_ctx = a;
	}
	for (unsigned i = 1; i <= n; i++) {
		td[0][i] = emu_tdx_bind_user_td(&w->s[0].h.tdx);
		td[1][i] = emu_tdx_bind_user_td(&w->s[1].h.tdx);
		world_queue_request(&w->s[0], 300 + i, true, td[0][i], 6100 + i);
		world_queue_request(&w->s[1], 300 + i, false, td[1][i], 6100 + i);
	}
	w->s[0].core->peak_sessions = 0;
	world_run(w, n + 2, n + 2, 60000);
	world_heap.side_cap[0] = 0;
	*ok = *oor = 0;
	for (unsigned i = 1; i <= n; i++) {
		int st = world_report_of(&w->s[0], 300 + i);

		*ok += st == 0;
		*oor += st == 3;
		if (st == 0)
			assert_keys_exchanged(td[0][i], td[1][i], 4);
	}
	*peak_sessions = w->s[0].core->peak_sessions;
	if (with_admit)
		assert_true(w->s[0].core->admission_waits > 0);
	world_free(w);
}

static void test_heap_admission(void **state)
{
	struct fake_heap_admit a;
	unsigned ok, oor, peak;

	(void)state;
	/* The cap bites: without admission, sessions run out of heap (3). */
	run_heap_budget(false, 6, &ok, &oor, &peak, &a);
	assert_true(oor > 0);
	assert_true(ok + oor <= 6);
	printf("    without admission: %u of 6 succeed, %u fail with 3\n", ok, oor);
	/* With it, the requests wait for memory instead and all succeed. */
	run_heap_budget(true, 6, &ok, &oor, &peak, &a);
	assert_int_equal(ok, 6);
	assert_int_equal(oor, 0);
	assert_true(peak >= 1 && peak <= 2);
	assert_true(a.refused > 0);
	printf("    fake heap of idle + %zu bytes (2.5 sessions): 6 of 6 succeed with admission, "
	       "at most %u at once, %u refusals\n",
	       a.b.capacity - a.b.baseline, peak, a.refused);
}

/* The arithmetic itself, at its edges. */
static void test_heap_budget_arith(void **state)
{
	struct migtd_heap_budget b = { .capacity = 1000, .baseline = 100, .session_peak = 300 };

	(void)state;
	assert_true(migtd_heap_budget_admit(&b, 100, 0));
	assert_true(migtd_heap_budget_admit(&b, 400, 2));  /* 100 + 3 * 300 = 1000 */
	assert_false(migtd_heap_budget_admit(&b, 400, 3)); /* 1300 > 1000 */
	assert_false(migtd_heap_budget_admit(&b, 701, 1)); /* grew past the estimate */
	assert_true(migtd_heap_budget_admit(&b, 700, 1));
	assert_false(migtd_heap_budget_admit(&b, 1001, 0)); /* over capacity */
	b.baseline = 2000;
	assert_false(migtd_heap_budget_admit(&b, 0, 0));
	b.baseline = 0;
	b.session_peak = SIZE_MAX / 2;
	assert_false(migtd_heap_budget_admit(&b, 0, 2)); /* no overflow */
	b.session_peak = 0;
	assert_true(migtd_heap_budget_admit(&b, 5000, 60)); /* no estimate: no limit */
	assert_true(migtd_heap_budget_admit(NULL, 0, 0));
}

/* ---- a hand-driven peer (destination) that sends what we tell it ---------------- */

struct rogue {
	struct world *w;
	uint32_t stream;
	struct ratls_session tls;
	struct migtd_quote_verify_result res;
	uint8_t *log2; /* the modified event log, if any */
};

static long rogue_send(void *ctx, const uint8_t *buf, size_t len)
{
	struct rogue *r = ctx;
	size_t sent = 0;
	int ret = world_net_ops.send(&r->w->net, r->stream, buf, len, &sent);

	return ret == MIGTD_OK ? (long)sent : ret;
}

static long rogue_recv(void *ctx, uint8_t *buf, size_t len)
{
	struct rogue *r = ctx;
	size_t got = 0;
	int ret = world_net_ops.recv(&r->w->net, r->stream, buf, len, &got);

	return ret == MIGTD_OK ? (long)got : ret;
}

static int rogue_verify(void *ctx, const uint8_t *q, size_t len,
			uint8_t rep[MIGTD_VERIFIED_REPORT_SIZE])
{
	struct rogue *r = ctx;
	struct migtd_quote_verify_params p = { .root_ca = g_fx.root,
					       .root_ca_len = g_fx.root_len,
					       .now = (int64_t)time(NULL) };

	return migtd_quote_verify(q, len, &p, &r->res, rep);
}

static int rogue_policy(void *ctx, bool is_src, const uint8_t l[MIGTD_VERIFIED_REPORT_SIZE],
			const uint8_t p[MIGTD_VERIFIED_REPORT_SIZE], const uint8_t *log, size_t len)
{
	(void)ctx, (void)is_src, (void)l, (void)p, (void)log, (void)len;
	return MIGTD_OK;
}

/*
 * The source MigTD migrates to a peer that is a genuine MigTD on the
 * destination platform (its quote, its event log) up to the end of the
 * handshake, and then sends `msg` (n bytes) as its ExchangeInformation --
 * in one record, or in two if split (the first split bytes, then the rest)
 * -- closing the stream afterwards if `close_after`. Returns the source's
 * status; on 0 its user TD holds msg[0..32) as MIG_DEC_KEY, otherwise
 * nothing was written.
 */
/* An extra event the rogue appends to its genuine event log (extending its
 * platform's RTMR so that the log still replays): type 0 for none. */
static struct {
	uint32_t mr_index, type;
	const uint8_t *data;
	size_t len;
} g_rogue_event;
/* The source's step timeout against the rogue (0: the world's default). */
static uint32_t g_rogue_src_timeout_ms;

static int exchange_with_rogue(const uint8_t *msg, size_t n, size_t split, bool close_after)
{
	/* With an extra event the peer's RTMRs differ from ours: the source
	 * then admits any peer of its platform model running its image, so
	 * that only the event log check can refuse. */
	struct world *w = g_rogue_event.type != 0
				  ? world_new(&g_fx, (const uint8_t *)permissive_policy,
					      sizeof(permissive_policy) - 1, NULL, 0)
				  : world_new(&g_fx, NULL, 0, NULL, 0);
	struct side *dst = &w->s[1];
	struct rogue *r = calloc(1, sizeof(*r));
	struct ratls_callbacks cb = { rogue_verify, rogue_policy, r };
	struct ratls_io io = { rogue_send, rogue_recv, r };
	struct migtd_stream_params sp = { .mig_request_id = 300, .peer_port = 1300 };
	struct emu_user_td *td;
	uint8_t rd[64], rep[1024], qmsg[1100], *buf = calloc(1, 16384), *work = calloc(1, 24576);
	struct ghci_getquote_hdr hdr;
	struct ghci_qgs_get_quote_resp qr;
	const uint8_t *m, *evlog;
	size_t mlen, len, evlog_len;
	uint64_t wake, end;
	int ret, status;

	assert_non_null(r);
	assert_non_null(buf);
	assert_non_null(work);
	r->w = w;
	if (g_rogue_src_timeout_ms != 0)
		w->s[0].cfg.timeout_ms = g_rogue_src_timeout_ms;
	world_start(w);
	/* Boot the destination MigTD (RTMRs, event log); it gets no request. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(migtd_core_poll(dst->core, &wake), MIGTD_OK);
	evlog = migtd_core_event_log(dst->core, &evlog_len);
	assert_non_null(evlog);
	if (g_rogue_event.type != 0) {
		/* log without its trailing byte, one CC event, the trailing byte */
		uint8_t *log2 = calloc(1, evlog_len + 66 + g_rogue_event.len);
		uint8_t *e;
		uint8_t digest[48];

		assert_non_null(log2);
		memcpy(log2, evlog, evlog_len - 1);
		e = log2 + evlog_len - 1;
		memset(digest, 0x5c, sizeof(digest));
		migtd_wire_put_u32(e, g_rogue_event.mr_index);
		migtd_wire_put_u32(e + 4, g_rogue_event.type);
		migtd_wire_put_u32(e + 8, 1);
		migtd_wire_put_u16(e + 12, 0x000C);
		memcpy(e + 14, digest, 48);
		migtd_wire_put_u32(e + 62, (uint32_t)g_rogue_event.len);
		memcpy(e + 66, g_rogue_event.data, g_rogue_event.len);
		e[66 + g_rogue_event.len] = 0xFF;
		assert_int_equal(emu_tdx_rtmr_extend(&dst->h.tdx, g_rogue_event.mr_index - 1,
						     digest),
				 TDX_SUCCESS);
		evlog = log2;
		evlog_len += 66 + g_rogue_event.len;
		r->log2 = log2;
	}
	td = emu_tdx_bind_user_td(&w->s[0].h.tdx);
	world_queue_request(&w->s[0], 300, true, td, 1300);

	assert_int_equal(migtd_ratls_session_init(&r->tls, RATLS_SERVER, &cb), MIGTD_OK);
	assert_int_equal(migtd_ratls_session_report_data(&r->tls, rd), MIGTD_OK);
	assert_int_equal(emu_tdx_mr_report(&dst->h.tdx, rd, rep), TDX_SUCCESS);
	assert_int_equal(migtd_ghci_qgs_get_quote_req_build(qmsg, sizeof(qmsg), rep, 1024, NULL, 0,
							    &mlen),
			 MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_req_build(buf, 16384, qmsg, mlen, &len), MIGTD_OK);
	assert_int_equal(emu_qgs_handle(&dst->h, buf, len, 16384), 0);
	assert_int_equal(migtd_ghci_getquote_rsp_parse(buf, 16384, &hdr, &m, &mlen), MIGTD_OK);
	assert_int_equal(migtd_ghci_qgs_get_quote_resp_parse(m, mlen, &qr), MIGTD_OK);
	assert_int_equal(world_net_ops.open(&w->net, &sp, &r->stream), MIGTD_OK);
	assert_int_equal(migtd_ratls_session_start(&r->tls, qr.quote.p, qr.quote.len, evlog,
						   evlog_len, 0, &io, work, 24576),
			 MIGTD_OK);
	end = world_now_ms() + 20000;
	while ((ret = migtd_ratls_handshake_step(&r->tls)) == MIGTD_ERR_AGAIN) {
		assert_int_equal(migtd_core_poll(w->s[0].core, &wake), MIGTD_OK);
		assert_true(world_now_ms() < end);
	}
	if (ret != MIGTD_OK) {
		/* The source rejected us (its alert ended our handshake). */
		n = 0;
		split = 0;
	}
	if (split > 0 && split < n) {
		assert_int_equal(migtd_ratls_write(&r->tls, msg, split), (long)split);
		/* Let the source read the first part before the rest comes. */
		for (int i = 0; i < 20; i++)
			assert_int_equal(migtd_core_poll(w->s[0].core, &wake), MIGTD_OK);
		assert_int_equal(w->s[0].nreports, 0);
		assert_int_equal(migtd_ratls_write(&r->tls, msg + split, n - split),
				 (long)(n - split));
	} else if (n > 0) {
		assert_int_equal(migtd_ratls_write(&r->tls, msg, n), (long)n);
	}
	if (close_after)
		world_net_ops.close(&w->net, r->stream);
	while (w->s[0].nreports < 1) {
		assert_int_equal(migtd_core_poll(w->s[0].core, &wake), MIGTD_OK);
		assert_true(world_now_ms() < end);
	}
	status = world_report_of(&w->s[0], 300);
	if (status == 0) {
		assert_int_equal(td->dec_key_written, 0xF);
		assert_memory_equal(td->mig_dec_key, msg, 32);
	} else {
		tu_assert_nothing_written(td);
	}
	migtd_ratls_session_free(&r->tls);
	free(r->log2);
	free(r);
	free(buf);
	free(work);
	world_free(w);
	return status;
}

static void test_peer_exchange_information(void **state)
{
	uint8_t msg[64];

	(void)state;
	memset(msg, 0x11, sizeof(msg));
	memset(msg + 32, 0, 8); /* versions 0..0, reserved 0 */
	/* Versions 0..0 against the emulated import range: the source's own
	 * export range decides; make the peer's range cover it. */
	msg[34] = 0xFF; /* max_ver 0x00FF */
	/* Exactly 40 bytes: the keys are installed. */
	assert_int_equal(exchange_with_rogue(msg, 40, 0, false), 0);
	/* 48 bytes in one record: exactly 40 are read, as upstream's one
	 * 40-byte read does; the rest is never looked at: 0. */
	assert_int_equal(exchange_with_rogue(msg, 48, 0, false), 0);
	/* 40 bytes in two records: read until 40 (compatible with upstream). */
	assert_int_equal(exchange_with_rogue(msg, 40, 20, false), 0);
	/* 20 bytes, then the peer closes: a short read is 5 (§6.2 step 3). */
	assert_int_equal(exchange_with_rogue(msg, 20, 0, true), 5);
	/* The peer closes without sending anything after the handshake: the
	 * read fails inside TLS, 6 (upstream's read gets a transport error). */
	assert_int_equal(exchange_with_rogue(msg, 0, 0, true), 6);
	/* Nothing, or 20 bytes, and the peer stays silent: the read step times
	 * out, 5 (upstream: its 60 s read timeout, or one read of 20 bytes). */
	g_rogue_src_timeout_ms = 300;
	assert_int_equal(exchange_with_rogue(msg, 0, 0, false), 5);
	assert_int_equal(exchange_with_rogue(msg, 20, 0, false), 5);
	g_rogue_src_timeout_ms = 0;
	/* Non-zero reserved bytes: 1 (§6.1), also when more bytes follow. */
	msg[38] = 1;
	assert_int_equal(exchange_with_rogue(msg, 40, 0, false), 1);
	assert_int_equal(exchange_with_rogue(msg, 48, 0, false), 1);
}

/*
 * A peer whose event log replays to the RTMRs its quote signs, but carries
 * an event the policy's event selection cannot read: a BLOB2 whose
 * description runs past the event, or a tagged event shorter than its tag
 * id. The log check fails (InvalidEventLog): 8, nothing written -- as
 * upstream's parse_events fails; such events were skipped before. The same
 * log with a complete BLOB2 passes (control).
 */
static void test_peer_truncated_event(void **state)
{
	static const uint8_t blob_short[] = { 0x10, 'T' };
	static const uint8_t blob_ok[] = { 7, 't', 'd', '_', 'h', 'o', 'b', 0 };
	static const uint8_t tag_short[] = { 0x01, 0x00, 0x00 };
	uint8_t msg[40];

	(void)state;
	memset(msg, 0x22, 32);
	memset(msg + 32, 0, 8);
	msg[34] = 0xFF;
	g_rogue_event.mr_index = 2; /* RTMR1 */
	g_rogue_event.type = EVENTLOG_EV_EFI_PLATFORM_FIRMWARE_BLOB2;
	g_rogue_event.data = blob_ok;
	g_rogue_event.len = sizeof(blob_ok);
	assert_int_equal(exchange_with_rogue(msg, 40, 0, false), 0);
	g_rogue_event.data = blob_short;
	g_rogue_event.len = sizeof(blob_short);
	assert_int_equal(exchange_with_rogue(msg, 40, 0, false), 8);
	g_rogue_event.type = EVENTLOG_EV_EVENT_TAG;
	g_rogue_event.data = tag_short;
	g_rogue_event.len = sizeof(tag_short);
	assert_int_equal(exchange_with_rogue(msg, 40, 0, false), 8);
	memset(&g_rogue_event, 0, sizeof(g_rogue_event));
}

/* ---- setup ------------------------------------------------------------------------------ */

TU_WORLD_GROUP(g_fx)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_limits),
		cmocka_unit_test(test_full_premigration),
		cmocka_unit_test(test_policy_rejects),
		cmocka_unit_test(test_invalid_policy_per_request),
		cmocka_unit_test(test_invalid_root_ca_at_boot),
		cmocka_unit_test(test_quote_backoff_schedule),
		cmocka_unit_test(test_quote_unanswered),
		cmocka_unit_test(test_disconnect_in_tls),
		cmocka_unit_test(test_exchange_write_fails),
		cmocka_unit_test(test_failure_codes),
		cmocka_unit_test(test_query_unsupported),
		cmocka_unit_test(test_corrupted_stream),
		cmocka_unit_test(test_peer_never_answers),
		cmocka_unit_test(test_servtd_attr_nonzero),
		cmocka_unit_test(test_wrong_binding_handle),
		cmocka_unit_test(test_versions_disjoint),
		cmocka_unit_test(test_version_rules),
		cmocka_unit_test(test_duplicate_request_ignored),
		cmocka_unit_test(test_malformed_hob_dropped),
		cmocka_unit_test(test_quote_retry),
		cmocka_unit_test(test_small_session_limit),
		cmocka_unit_test(test_heap_admission),
		cmocka_unit_test(test_heap_budget_arith),
		cmocka_unit_test(test_peer_exchange_information),
		cmocka_unit_test(test_peer_truncated_event),
		cmocka_unit_test(test_64_concurrent),
		cmocka_unit_test(test_report_unanswered_frees_slots),
		cmocka_unit_test(test_query_unanswered),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
