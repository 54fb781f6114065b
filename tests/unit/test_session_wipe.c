/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * test_session_wipe.c -- no secret outlives its session (docs/layout.md,
 * include/migtd/session.h: struct migtd_session_secrets).
 *
 * Each test ends pre-migrations one way -- success, a policy rejection, a
 * corrupted TLS record, a corrupted ExchangeInformation (keys already in
 * memory), a SERVTD_ATTR refusal at commit (the peer's key already in
 * memory), a TDCALL failure, disjoint versions, a busy quote service, a
 * handshake timeout, a duplicate request -- and then scans both MigTD cores:
 * every free session slot must be zero but for its core pointer and index,
 * and no 8-byte word of any user TD's migration key may appear anywhere in
 * either core's memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "emu_tdx.h"
#include "migtd/session.h"
#include "support/testutil.h"
#include "world.h"

static struct world_fixture g_fx;

/* Admits any peer on the same platform model running the same MigTD image. */
static const char permissive_policy[] =
	"{\"id\":\"11111111-2222-3333-4444-555555555555\",\"policy\":["
	"{\"fmspc\":\"self\",\"Platform\":{\"TcbInfo\":{\"pcesvn\":"
	"{\"operation\":\"greater-or-equal\",\"reference\":0}}}},"
	"{\"MigTD\":{\"TDINFO\":{\"MRTD\":{\"operation\":\"equal\",\"reference\":\"self\"}}}}]}";

static int group_setup(void **state)
{
	(void)state;
	world_fail = tu_fail; /* harness failures end the current test */
	return world_fixture_init(&g_fx);
}

static int group_teardown(void **state)
{
	(void)state;
	return world_fixture_fini(&g_fx);
}

/* ---- the scan --------------------------------------------------------------------- */

#define MAX_TDS 8

/* The user TDs whose keys must not survive. */
struct keyset {
	const struct emu_user_td *td[MAX_TDS];
	unsigned n;
};

static void keyset_add(struct keyset *k, const struct emu_user_td *td)
{
	assert_true(k->n < MAX_TDS);
	k->td[k->n++] = td;
}

/* Offset of the first 8-byte key word of any TD in mem, or -1. */
static long find_key_word(const uint8_t *mem, size_t len, const struct keyset *k)
{
	for (unsigned t = 0; t < k->n; t++)
		for (size_t w = 0; w < 32; w += 8) {
			const uint8_t *word = k->td[t]->mig_enc_key + w;

			for (size_t i = 0; i + 8 <= len; i++)
				if (mem[i] == word[0] && memcmp(mem + i, word, 8) == 0)
					return (long)i;
		}
	return -1;
}

/* A free slot holds nothing but its core pointer and index: byte offset of the
 * first other non-zero byte, or -1. */
static long slot_residue(const struct migtd_session *slot)
{
	struct migtd_session copy;
	const uint8_t *b = (const uint8_t *)&copy;

	memcpy(&copy, slot, sizeof(copy));
	copy.core = NULL;
	copy.index = 0;
	for (size_t i = 0; i < sizeof(copy); i++)
		if (b[i])
			return (long)i;
	return -1;
}

static void assert_no_residue_in(const struct migtd_core *c, const char *name,
				 const struct keyset *k)
{
	long off = find_key_word((const uint8_t *)c, sizeof(*c), k);

	if (off >= 0)
		fail_msg("%s: a migration key word survives at core offset %ld", name, off);
	for (unsigned i = 0; i < MIGTD_MAX_SESSIONS; i++) {
		const struct migtd_session *s = &c->sessions[i];

		if (s->state != MIGTD_SS_FREE)
			fail_msg("%s: slot %u still in use (state %d)", name, i, (int)s->state);
		off = slot_residue(s);
		if (off >= 0)
			fail_msg("%s: slot %u not wiped: byte %ld of %zu is set", name, i, off,
				 sizeof(*s));
	}
}

static void assert_no_residue(const struct world *w, const struct keyset *k)
{
	assert_true(k->n > 0);
	assert_no_residue_in(w->s[0].core, "source", k);
	assert_no_residue_in(w->s[1].core, "destination", k);
}

/* One request on each side (or only the source), run to the reports. */
static void migrate(struct world *w, struct keyset *k, uint64_t id, bool dst_gets_request,
		    unsigned max_ms, struct emu_user_td **out)
{
	struct emu_user_td *a = emu_tdx_bind_user_td(&w->s[0].h.tdx);
	struct emu_user_td *b = emu_tdx_bind_user_td(&w->s[1].h.tdx);

	assert_non_null(a);
	assert_non_null(b);
	keyset_add(k, a);
	keyset_add(k, b);
	world_queue_request(&w->s[0], id, true, a, (uint32_t)(1000 + id));
	if (dst_gets_request)
		world_queue_request(&w->s[1], id, false, b, (uint32_t)(1000 + id));
	world_run(w, w->s[0].nreports + 1, w->s[1].nreports + (dst_gets_request ? 1 : 0), max_ms);
	if (out) {
		out[0] = a;
		out[1] = b;
	}
}

/* ---- the scan itself finds what it must ------------------------------------------ */

static void test_scan_finds_residue(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct emu_user_td *a = emu_tdx_bind_user_td(&w->s[0].h.tdx);
	struct keyset k = { 0 };
	struct migtd_core *copy = malloc(sizeof(*copy));

	(void)state;
	assert_non_null(a);
	assert_non_null(copy);
	keyset_add(&k, a);
	world_start(w);
	memcpy(copy, w->s[0].core, sizeof(*copy));
	assert_int_equal(find_key_word((const uint8_t *)copy, sizeof(*copy), &k), -1);
	assert_int_equal(slot_residue(&copy->sessions[3]), -1);
	/* a key word left in a slot's secrets, unaligned bytes in its quote buffer */
	memcpy(&copy->sessions[3].sec.peer_key[2], a->mig_enc_key + 16, 8);
	assert_true(find_key_word((const uint8_t *)copy, sizeof(*copy), &k) > 0);
	assert_true(slot_residue(&copy->sessions[3]) >= 0);
	memset(&copy->sessions[3].sec, 0, sizeof(copy->sessions[3].sec));
	memcpy(copy->sessions[5].qbuf + 101, a->mig_enc_key, 8);
	assert_true(find_key_word((const uint8_t *)copy, sizeof(*copy), &k) > 0);
	assert_int_equal(slot_residue(&copy->sessions[5]),
			 (long)(offsetof(struct migtd_session, qbuf) + 101));
	free(copy);
	world_free(w);
}

/* ---- every way a session ends ------------------------------------------------------- */

static void test_wiped_after_success(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct emu_user_td *td[2];
	struct keyset k = { 0 };

	(void)state;
	world_start(w);
	migrate(w, &k, 1, true, 20000, td);
	assert_int_equal(world_report_of(&w->s[0], 1), 0);
	assert_int_equal(world_report_of(&w->s[1], 1), 0);
	/* the keys really went through the sessions */
	assert_memory_equal(td[0]->mig_dec_key, td[1]->mig_enc_key, 32);
	assert_memory_equal(td[1]->mig_dec_key, td[0]->mig_enc_key, 32);
	/* a second pre-migration reuses the slot */
	migrate(w, &k, 2, true, 20000, NULL);
	assert_int_equal(world_report_of(&w->s[0], 2), 0);
	assert_no_residue(w, &k);
	world_free(w);
}

static void test_wiped_after_policy_rejection(void **state)
{
	const uint8_t *perm = (const uint8_t *)permissive_policy;
	struct world *w = world_new(&g_fx, NULL, 0, perm, sizeof(permissive_policy) - 1);
	struct keyset k = { 0 };

	(void)state;
	world_start(w);
	migrate(w, &k, 10, true, 20000, NULL);
	assert_int_equal(world_report_of(&w->s[0], 10), 8);
	assert_int_equal(world_report_of(&w->s[1], 10), 6);
	assert_no_residue(w, &k);
	world_free(w);
}

static void test_wiped_after_tls_failure(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct keyset k = { 0 };

	(void)state;
	w->net.flip_offset = 100; /* a byte of the ClientHello */
	world_start(w);
	migrate(w, &k, 20, true, 20000, NULL);
	assert_true(w->net.flipped);
	assert_int_equal(world_report_of(&w->s[0], 20), 6);
	assert_int_equal(world_report_of(&w->s[1], 20), 6);
	assert_no_residue(w, &k);
	world_free(w);
}

static void test_wiped_after_exchange_corrupted(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct keyset k = { 0 };

	(void)state;
	/* The source's ExchangeInformation record: the destination already sent its
	 * own key and fails reading the peer's (6); the source completes. */
	w->net.flip_send_len = 69;
	world_start(w);
	migrate(w, &k, 30, true, 20000, NULL);
	assert_true(w->net.flipped);
	assert_int_equal(world_report_of(&w->s[1], 30), 6);
	assert_int_equal(world_report_of(&w->s[0], 30), 0);
	assert_no_residue(w, &k);
	world_free(w);
}

static void test_wiped_after_commit_refused(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct emu_user_td *a = emu_tdx_bind_user_td(&w->s[0].h.tdx);
	struct emu_user_td *b = emu_tdx_bind_user_td(&w->s[1].h.tdx);
	struct keyset k = { 0 };

	(void)state;
	keyset_add(&k, a);
	keyset_add(&k, b);
	a->servtd_attr = 1; /* refused at commit, with the peer's key in hand */
	world_start(w);
	world_queue_request(&w->s[0], 40, true, a, 1040);
	world_queue_request(&w->s[1], 40, false, b, 1040);
	world_run(w, 1, 1, 20000);
	assert_int_equal(world_report_of(&w->s[0], 40), 1);
	assert_int_equal(a->dec_key_written, 0);
	assert_no_residue(w, &k);
	world_free(w);
}

static void test_wiped_after_tdcall_failure(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct emu_user_td *a = emu_tdx_bind_user_td(&w->s[0].h.tdx);
	struct emu_user_td *b = emu_tdx_bind_user_td(&w->s[1].h.tdx);
	struct emu_user_td wrong = *a;
	struct keyset k = { 0 };

	(void)state;
	keyset_add(&k, a);
	keyset_add(&k, b);
	wrong.binding.handle ^= 0x5a5a;
	world_start(w);
	world_queue_request(&w->s[0], 50, true, &wrong, 1050);
	world_queue_request(&w->s[1], 50, false, b, 1050);
	world_run(w, 1, 1, 20000);
	assert_int_equal(world_report_of(&w->s[0], 50), 4);
	assert_int_equal(world_report_of(&w->s[1], 50), 6); /* the peer went away during TLS */
	assert_no_residue(w, &k);
	world_free(w);
}

static void test_wiped_after_versions_disjoint(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct keyset k = { 0 };

	(void)state;
	w->s[0].h.tdx.min_export_version = 1;
	w->s[0].h.tdx.max_export_version = 2;
	w->s[1].h.tdx.min_import_version = 3;
	w->s[1].h.tdx.max_import_version = 4;
	world_start(w);
	migrate(w, &k, 60, true, 20000, NULL);
	assert_int_equal(world_report_of(&w->s[0], 60), 1);
	assert_int_equal(world_report_of(&w->s[1], 60), 1);
	assert_no_residue(w, &k);
	world_free(w);
}

static void test_wiped_after_quote_failure(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct keyset k = { 0 };

	(void)state;
	w->s[0].quote_busy = 6;
	w->s[1].cfg.timeout_ms = 2000;
	world_start(w);
	migrate(w, &k, 70, true, 20000, NULL);
	assert_int_equal(world_report_of(&w->s[0], 70), 7);
	assert_no_residue(w, &k);
	world_free(w);
}

static void test_wiped_after_timeout(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct keyset k = { 0 };

	(void)state;
	w->s[0].cfg.timeout_ms = 300;
	world_start(w);
	migrate(w, &k, 80, false, 10000, NULL);
	assert_int_equal(world_report_of(&w->s[0], 80), 5);
	assert_no_residue(w, &k);
	world_free(w);
}

static void test_wiped_after_duplicate_request(void **state)
{
	struct world *w = world_new(&g_fx, NULL, 0, NULL, 0);
	struct emu_user_td *a = emu_tdx_bind_user_td(&w->s[0].h.tdx);
	struct emu_user_td *b = emu_tdx_bind_user_td(&w->s[1].h.tdx);
	struct keyset k = { 0 };

	(void)state;
	keyset_add(&k, a);
	keyset_add(&k, b);
	world_start(w);
	world_queue_request(&w->s[0], 90, true, a, 1090);
	world_queue_request(&w->s[0], 90, true, a, 1090); /* same id while in progress */
	world_queue_request(&w->s[1], 90, false, b, 1090);
	world_run(w, 1, 1, 20000);
	for (int i = 0; i < 50; i++) {
		uint64_t wake;

		assert_int_equal(migtd_core_poll(w->s[0].core, &wake), MIGTD_OK);
	}
	assert_int_equal(w->s[0].core->requests_duplicate, 1);
	assert_int_equal(world_report_of(&w->s[0], 90), 0);
	assert_no_residue(w, &k);
	world_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_finds_residue),
		cmocka_unit_test(test_wiped_after_success),
		cmocka_unit_test(test_wiped_after_policy_rejection),
		cmocka_unit_test(test_wiped_after_tls_failure),
		cmocka_unit_test(test_wiped_after_exchange_corrupted),
		cmocka_unit_test(test_wiped_after_commit_refused),
		cmocka_unit_test(test_wiped_after_tdcall_failure),
		cmocka_unit_test(test_wiped_after_versions_disjoint),
		cmocka_unit_test(test_wiped_after_quote_failure),
		cmocka_unit_test(test_wiped_after_timeout),
		cmocka_unit_test(test_wiped_after_duplicate_request),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
