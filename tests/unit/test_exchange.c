/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for core/wire/exchange: ExchangeInformation (docs/protocol.md §6.1) and
 * migration version negotiation (docs/protocol.md §6.3, with all of its test vectors).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "migtd/exchange.h"

/* Hand-built from the §6.1 table: key 0xa0..0xbf, min_ver 0x0102,
 * max_ver 0x0304 (little-endian), reserved zero. */
static const uint8_t hand_built[40] = {
	0xa0,           0xa1, 0xa2, 0xa3, 0xa4, 0xa5,           0xa6, 0xa7,           0xa8,
	0xa9,           0xaa, 0xab, 0xac, 0xad, 0xae,           0xaf, 0xb0,           0xb1,
	0xb2,           0xb3, 0xb4, 0xb5, 0xb6, 0xb7,           0xb8, 0xb9,           0xba,
	0xbb,           0xbc, 0xbd, 0xbe, 0xbf, /* @32 */ 0x02, 0x01, /* @34 */ 0x04, 0x03,
	/* @36 */ 0x00, 0x00, 0x00, 0x00,
};

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static void test_parse_offsets(void **state)
{
	(void)state;
	struct exchange_information ex;

	assert_int_equal(migtd_exchange_parse(hand_built, sizeof(hand_built), &ex), MIGTD_OK);
	for (unsigned i = 0; i < 32; i++)
		assert_int_equal(ex.key[i], 0xa0 + i);
	assert_int_equal(ex.ver.min, 0x0102);
	assert_int_equal(ex.ver.max, 0x0304);
}

static void test_build_and_round_trip(void **state)
{
	(void)state;
	struct exchange_information ex, back;
	uint8_t out[48];
	size_t n = 0;

	memset(&ex, 0, sizeof(ex));
	for (unsigned i = 0; i < 32; i++)
		ex.key[i] = (uint8_t)(0xa0 + i);
	ex.ver.min = 0x0102;
	ex.ver.max = 0x0304;
	memset(out, 0xff, sizeof(out)); /* reserved must be written, not left */
	assert_int_equal(migtd_exchange_build(&ex, out, sizeof(out), &n), MIGTD_OK);
	assert_int_equal(n, 40);
	assert_memory_equal(out, hand_built, 40);
	assert_int_equal(out[40], 0xff);

	assert_int_equal(migtd_exchange_parse(out, 40, &back), MIGTD_OK);
	assert_memory_equal(back.key, ex.key, 32);
	assert_int_equal(back.ver.min, ex.ver.min);
	assert_int_equal(back.ver.max, ex.ver.max);
}

static void test_reserved_nonzero(void **state)
{
	(void)state;
	uint8_t buf[40];
	struct exchange_information ex;

	for (size_t i = 36; i < 40; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			memcpy(buf, hand_built, sizeof(buf));
			buf[i] = (uint8_t)(1u << bit);
			memset(&ex, 0x55, sizeof(ex));
			assert_int_equal(migtd_exchange_parse(buf, sizeof(buf), &ex),
					 MIGTD_ERR_RESERVED);
			/* the key must not survive a failed parse */
			assert_true(all_zero(&ex, sizeof(ex)));
		}
	}
}

static void test_truncated_every_length(void **state)
{
	(void)state;
	uint8_t buf[41];
	struct exchange_information ex;

	memcpy(buf, hand_built, 40);
	buf[40] = 0;
	for (size_t len = 0; len < 40; len++) {
		memset(&ex, 0x55, sizeof(ex));
		assert_int_equal(migtd_exchange_parse(buf, len, &ex), MIGTD_ERR_TRUNCATED);
		assert_true(all_zero(&ex, sizeof(ex)));
	}
	assert_int_equal(migtd_exchange_parse(buf, 41, &ex), MIGTD_ERR_LENGTH);
	assert_true(all_zero(&ex, sizeof(ex)));
	assert_int_equal(migtd_exchange_parse(buf, SIZE_MAX, &ex), MIGTD_ERR_LENGTH);
	assert_int_equal(migtd_exchange_parse(NULL, 40, &ex), MIGTD_ERR_INVALID);
}

static void test_build_nospace(void **state)
{
	(void)state;
	struct exchange_information ex;
	uint8_t out[40];
	size_t n = 7;

	memset(&ex, 0x11, sizeof(ex));
	for (size_t cap = 0; cap < 40; cap++) {
		memset(out, 0xee, sizeof(out));
		assert_int_equal(migtd_exchange_build(&ex, out, cap, &n), MIGTD_ERR_NOSPACE);
		assert_int_equal(n, 0);
		assert_int_equal(out[0], 0xee);
	}
	assert_int_equal(migtd_exchange_build(&ex, NULL, 40, NULL), MIGTD_ERR_NOSPACE);
}

/* Key word i = TDG.SERVTD.RD(MIG_ENC_KEY + i), stored LE, word 0 first. */
static void test_key_words(void **state)
{
	(void)state;
	const uint64_t words[4] = { 0xa7a6a5a4a3a2a1a0ULL, 0xafaeadacabaaa9a8ULL,
				    0xb7b6b5b4b3b2b1b0ULL, 0xbfbebdbcbbbab9b8ULL };
	uint8_t key[32];
	uint64_t back[4];

	migtd_exchange_key_from_words(words, key);
	assert_memory_equal(key, hand_built, 32);
	migtd_exchange_key_to_words(hand_built, back);
	for (unsigned i = 0; i < 4; i++)
		assert_true(back[i] == words[i]);
}

static void test_version_from_u64(void **state)
{
	(void)state;
	uint16_t v = 0x4242;

	assert_int_equal(migtd_exchange_version_from_u64(0, &v), MIGTD_OK);
	assert_int_equal(v, 0);
	assert_int_equal(migtd_exchange_version_from_u64(0xffff, &v), MIGTD_OK);
	assert_int_equal(v, 0xffff);
	v = 0x4242;
	assert_int_equal(migtd_exchange_version_from_u64(0x10000, &v), MIGTD_ERR_INVALID);
	assert_int_equal(migtd_exchange_version_from_u64(0x100000001ULL, &v), MIGTD_ERR_INVALID);
	assert_int_equal(migtd_exchange_version_from_u64(UINT64_MAX, &v), MIGTD_ERR_INVALID);
	assert_int_equal(v, 0x4242); /* untouched on failure */
}

struct ver_row {
	uint16_t emin, emax, imin, imax;
	int err;
	uint16_t version;
};

/* docs/protocol.md §6.3 test-vector table (export at source, import at destination). */
static const struct ver_row spec_rows[] = {
	{ 0, 0, 0, 0, MIGTD_OK, 0 },          { 4, 5, 5, 6, MIGTD_OK, 5 },
	{ 5, 6, 4, 5, MIGTD_OK, 5 },          { 4, 6, 5, 7, MIGTD_OK, 6 },
	{ 6, 7, 5, 6, MIGTD_OK, 6 },          { 4, 5, 6, 7, MIGTD_ERR_VERSION, 0 },
	{ 6, 7, 4, 5, MIGTD_ERR_VERSION, 0 },
};

static void check_row(const struct ver_row *r)
{
	struct exchange_version_range ex = { r->emin, r->emax }, im = { r->imin, r->imax };
	uint16_t v = 0xdead;
	int err = migtd_exchange_negotiate_version(&ex, &im, &v);

	if (err != r->err)
		fail_msg("[%u,%u] x [%u,%u]: err %d, want %d", r->emin, r->emax, r->imin, r->imax,
			 err, r->err);
	if (err == MIGTD_OK)
		assert_int_equal(v, r->version);
	else
		assert_int_equal(v, 0xdead);
}

static void test_negotiate_spec_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(spec_rows) / sizeof(spec_rows[0]); i++)
		check_row(&spec_rows[i]);
}

/* "[5,4] | any -> error": an inverted range fails against every import
 * range, and an inverted import range fails the same way. */
static void test_negotiate_inverted_ranges(void **state)
{
	(void)state;
	static const uint16_t vals[] = { 0, 3, 4, 5, 6, 0xfffe, 0xffff };
	const size_t nv = sizeof(vals) / sizeof(vals[0]);

	for (size_t a = 0; a < nv; a++) {
		for (size_t b = 0; b < nv; b++) {
			struct ver_row r1 = { 5, 4, vals[a], vals[b], MIGTD_ERR_VERSION, 0 };
			struct ver_row r2 = { vals[a], vals[b], 5, 4, MIGTD_ERR_VERSION, 0 };

			check_row(&r1);
			check_row(&r2);
		}
	}
	check_row(&(struct ver_row){ 0xffff, 0, 0, 0xffff, MIGTD_ERR_VERSION, 0 });
	check_row(&(struct ver_row){ 0xffff, 0xffff, 0, 0xffff, MIGTD_OK, 0xffff });
	check_row(&(struct ver_row){ 0, 0xffff, 0xffff, 0xffff, MIGTD_OK, 0xffff });
	/* touching ranges share exactly one version */
	check_row(&(struct ver_row){ 1, 3, 3, 9, MIGTD_OK, 3 });
	check_row(&(struct ver_row){ 3, 9, 1, 3, MIGTD_OK, 3 });
}

/* Each side knows its role: both compute the same version. */
static void test_session_version_both_sides(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(spec_rows) / sizeof(spec_rows[0]); i++) {
		const struct ver_row *r = &spec_rows[i];
		struct exchange_version_range ex = { r->emin, r->emax };
		struct exchange_version_range im = { r->imin, r->imax };
		uint16_t vs = 0xdead, vd = 0xbeef;

		/* the source owns the export range, the destination the import range */
		assert_int_equal(migtd_exchange_session_version(true, &ex, &im, &vs), r->err);
		assert_int_equal(migtd_exchange_session_version(false, &im, &ex, &vd), r->err);
		if (r->err == MIGTD_OK) {
			assert_int_equal(vs, r->version);
			assert_int_equal(vd, r->version);
		}
	}
	/* (The §6.3 rule is symmetric in export/import, so the role only decides
	 * argument order; the point is that both sides get the same answer.) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_offsets),
		cmocka_unit_test(test_build_and_round_trip),
		cmocka_unit_test(test_reserved_nonzero),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_build_nospace),
		cmocka_unit_test(test_key_words),
		cmocka_unit_test(test_version_from_u64),
		cmocka_unit_test(test_negotiate_spec_vectors),
		cmocka_unit_test(test_negotiate_inverted_ranges),
		cmocka_unit_test(test_session_version_both_sides),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
