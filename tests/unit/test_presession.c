/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for core/wire/presession: the policy-v2 pre-session messages
 * and data blob (docs/protocol.md §5.7). Byte layouts are hand-built from the
 * §5.7 table, not produced by the code under test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "migtd/presession.h"
#include "migtd/wire.h"

/* §5.7 step 1, as upstream writes it: type 0xFF, reserved 0, length 8 LE,
 * "MGTD", lowest 0x0100, highest 0x0100 (LE). */
static const uint8_t hello_bytes[16] = {
	0xFF, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 'M', 'G', 'T', 'D', 0x00, 0x01, 0x00, 0x01,
};

static void test_hello_write_exact(void **state)
{
	(void)state;
	uint8_t out[MIGTD_PRESESSION_HELLO_MSG_SIZE];
	struct migtd_presession_hello own = { MIGTD_PRESESSION_VERSION, MIGTD_PRESESSION_VERSION };

	memset(out, 0xAA, sizeof(out));
	migtd_presession_hello_write(out, &own);
	assert_memory_equal(out, hello_bytes, sizeof(hello_bytes));
}

static void test_hello_parse(void **state)
{
	(void)state;
	struct migtd_presession_hdr h;
	struct migtd_presession_hello hello;
	uint8_t bad[8];

	assert_int_equal(migtd_presession_hdr_parse(hello_bytes, 8, &h), MIGTD_OK);
	assert_int_equal(h.type, 0xFF);
	assert_int_equal(h.length, 8);
	assert_int_equal(migtd_presession_hdr_check(&h, MIGTD_PRESESSION_TYPE_HELLO), MIGTD_OK);
	assert_int_equal(migtd_presession_hello_parse(hello_bytes + 8, 8, &hello), MIGTD_OK);
	assert_int_equal(hello.lowest, 0x0100);
	assert_int_equal(hello.highest, 0x0100);

	/* Each magic byte matters. */
	for (unsigned i = 0; i < 4; i++) {
		memcpy(bad, hello_bytes + 8, 8);
		bad[i] ^= 0x20;
		assert_int_equal(migtd_presession_hello_parse(bad, 8, &hello), MIGTD_ERR_INVALID);
		assert_int_equal(hello.lowest, 0);
	}
	/* Truncated at every offset, and one byte too long. */
	for (size_t n = 0; n < 8; n++)
		assert_int_equal(migtd_presession_hello_parse(hello_bytes + 8, n, &hello),
				 MIGTD_ERR_TRUNCATED);
	assert_int_equal(migtd_presession_hello_parse(hello_bytes + 7, 9, &hello),
			 MIGTD_ERR_LENGTH);
}

static void test_hdr_parse_bounds(void **state)
{
	(void)state;
	struct migtd_presession_hdr h;
	uint8_t buf[9] = { 0x01, 0xAB, 0xCD, 0xEF, 0x78, 0x56, 0x34, 0x12, 0 };

	for (size_t n = 0; n < 8; n++)
		assert_int_equal(migtd_presession_hdr_parse(buf, n, &h), MIGTD_ERR_TRUNCATED);
	assert_int_equal(migtd_presession_hdr_parse(buf, 9, &h), MIGTD_ERR_LENGTH);
	/* Reserved bytes are carried, not judged (as upstream). */
	assert_int_equal(migtd_presession_hdr_parse(buf, 8, &h), MIGTD_OK);
	assert_int_equal(h.type, 1);
	assert_int_equal(h.length, 0x12345678u);
}

static void test_hdr_write(void **state)
{
	(void)state;
	uint8_t out[8];
	static const uint8_t want_start[8] = { 2, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t want_data[8] = { 1, 0, 0, 0, 0x10, 0x32, 0x04, 0x00 };

	memset(out, 0xEE, sizeof(out));
	migtd_presession_hdr_write(out, MIGTD_PRESESSION_TYPE_START, 0);
	assert_memory_equal(out, want_start, 8);
	migtd_presession_hdr_write(out, MIGTD_PRESESSION_TYPE_DATA, 0x043210);
	assert_memory_equal(out, want_data, 8);
}

/* Every type other than the expected one is refused at each step. */
static void test_hdr_check_types(void **state)
{
	(void)state;
	static const uint8_t steps[3] = { MIGTD_PRESESSION_TYPE_HELLO, MIGTD_PRESESSION_TYPE_DATA,
					  MIGTD_PRESESSION_TYPE_START };

	for (unsigned s = 0; s < 3; s++) {
		for (unsigned t = 0; t < 256; t++) {
			struct migtd_presession_hdr h = {
				(uint8_t)t, steps[s] == MIGTD_PRESESSION_TYPE_HELLO ? 8u : 0u
			};
			int want = t == steps[s] ? MIGTD_OK : MIGTD_ERR_INVALID;

			assert_int_equal(migtd_presession_hdr_check(&h, steps[s]), want);
		}
	}
}

static void test_hdr_check_lengths(void **state)
{
	(void)state;
	struct migtd_presession_hdr h;

	h = (struct migtd_presession_hdr){ MIGTD_PRESESSION_TYPE_HELLO, 7 };
	assert_int_equal(migtd_presession_hdr_check(&h, MIGTD_PRESESSION_TYPE_HELLO),
			 MIGTD_ERR_LENGTH);
	h.length = 9;
	assert_int_equal(migtd_presession_hdr_check(&h, MIGTD_PRESESSION_TYPE_HELLO),
			 MIGTD_ERR_LENGTH);
	h = (struct migtd_presession_hdr){ MIGTD_PRESESSION_TYPE_START, 1 };
	assert_int_equal(migtd_presession_hdr_check(&h, MIGTD_PRESESSION_TYPE_START),
			 MIGTD_ERR_LENGTH);
	/* The cap, its neighbour, and the 4 GiB announcement. */
	h = (struct migtd_presession_hdr){ MIGTD_PRESESSION_TYPE_DATA, MIGTD_PRESESSION_MAX_BLOB };
	assert_int_equal(migtd_presession_hdr_check(&h, MIGTD_PRESESSION_TYPE_DATA), MIGTD_OK);
	h.length = MIGTD_PRESESSION_MAX_BLOB + 1;
	assert_int_equal(migtd_presession_hdr_check(&h, MIGTD_PRESESSION_TYPE_DATA),
			 MIGTD_ERR_LENGTH);
	h.length = 0xFFFFFFFFu;
	assert_int_equal(migtd_presession_hdr_check(&h, MIGTD_PRESESSION_TYPE_DATA),
			 MIGTD_ERR_LENGTH);
	/* An empty blob passes the header; the blob decoder refuses it. */
	h.length = 0;
	assert_int_equal(migtd_presession_hdr_check(&h, MIGTD_PRESESSION_TYPE_DATA), MIGTD_OK);
}

static void test_negotiate(void **state)
{
	(void)state;
	static const struct {
		uint16_t own_lo, own_hi, peer_lo, peer_hi;
		int ret;
		uint16_t v;
	} cases[] = {
		{ 0x0100, 0x0100, 0x0100, 0x0100, MIGTD_OK, 0x0100 },
		{ 0x0100, 0x0100, 0x0001, 0x0200, MIGTD_OK, 0x0100 },
		{ 0x0100, 0x0300, 0x0200, 0x0400, MIGTD_OK, 0x0300 },
		{ 0x0100, 0x0100, 0x0101, 0x0200, MIGTD_ERR_VERSION, 0 },
		{ 0x0100, 0x0100, 0x0000, 0x00FF, MIGTD_ERR_VERSION, 0 },
		/* An inverted peer range never negotiates. */
		{ 0x0100, 0x0100, 0x0200, 0x0001, MIGTD_ERR_VERSION, 0 },
		{ 0x0100, 0x0100, 0x0000, 0x0000, MIGTD_ERR_VERSION, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct migtd_presession_hello own = { cases[i].own_lo, cases[i].own_hi };
		struct migtd_presession_hello peer = { cases[i].peer_lo, cases[i].peer_hi };
		uint16_t v = 0xDEAD;

		assert_int_equal(migtd_presession_negotiate(&own, &peer, &v), cases[i].ret);
		if (cases[i].ret == MIGTD_OK)
			assert_int_equal(v, cases[i].v);
		else
			assert_int_equal(v, 0xDEAD);
	}
}

/* policy "{P}" (3 bytes), chain "CH" (2 bytes). */
static const uint8_t blob_bytes[] = { 3, 0, 0, 0, '{', 'P', '}', 2, 0, 0, 0, 'C', 'H' };

static void test_blob_encode_exact(void **state)
{
	(void)state;
	uint8_t out[32];
	size_t n = 0;

	assert_int_equal(migtd_presession_blob_size(3, 2), sizeof(blob_bytes));
	assert_int_equal(migtd_presession_blob_encode((const uint8_t *)"{P}", 3,
						      (const uint8_t *)"CH", 2, out, sizeof(out),
						      &n),
			 MIGTD_OK);
	assert_int_equal(n, sizeof(blob_bytes));
	assert_memory_equal(out, blob_bytes, n);
	assert_int_equal(migtd_presession_blob_encode((const uint8_t *)"{P}", 3,
						      (const uint8_t *)"CH", 2, out, n - 1, &n),
			 MIGTD_ERR_NOSPACE);
	assert_int_equal(n, 0);
	assert_int_equal(migtd_presession_blob_encode((const uint8_t *)"{P}", 0,
						      (const uint8_t *)"CH", 2, out, sizeof(out),
						      &n),
			 MIGTD_ERR_LENGTH);
	assert_int_equal(migtd_presession_blob_size(3, 0), 0);
	assert_int_equal(migtd_presession_blob_size(MIGTD_PRESESSION_MAX_BLOB - 9, 1),
			 MIGTD_PRESESSION_MAX_BLOB);
	assert_int_equal(migtd_presession_blob_size(MIGTD_PRESESSION_MAX_BLOB - 8, 1), 0);
	assert_int_equal(migtd_presession_blob_size((size_t)-1, (size_t)-1), 0);
}

static void test_blob_decode(void **state)
{
	(void)state;
	struct migtd_presession_blob b;
	uint8_t buf[sizeof(blob_bytes) + 1];

	assert_int_equal(migtd_presession_blob_decode(blob_bytes, sizeof(blob_bytes), &b),
			 MIGTD_OK);
	assert_int_equal(b.policy_len, 3);
	assert_ptr_equal(b.policy, blob_bytes + 4);
	assert_int_equal(b.chain_len, 2);
	assert_ptr_equal(b.chain, blob_bytes + 11);

	/* Truncation at every offset. */
	for (size_t n = 0; n < sizeof(blob_bytes); n++) {
		assert_int_equal(migtd_presession_blob_decode(blob_bytes, n, &b),
				 MIGTD_ERR_TRUNCATED);
		assert_null(b.policy);
		assert_int_equal(b.chain_len, 0);
	}
	/* A trailing byte. */
	memcpy(buf, blob_bytes, sizeof(blob_bytes));
	buf[sizeof(blob_bytes)] = 0;
	assert_int_equal(migtd_presession_blob_decode(buf, sizeof(buf), &b), MIGTD_ERR_LENGTH);
	/* Lengths that point past the end: policy_len and chain_len, each by one and by 4 GiB. */
	memcpy(buf, blob_bytes, sizeof(blob_bytes));
	buf[0] = 4;
	assert_int_equal(migtd_presession_blob_decode(buf, sizeof(blob_bytes), &b),
			 MIGTD_ERR_TRUNCATED);
	memcpy(buf, blob_bytes, sizeof(blob_bytes));
	memset(buf, 0xFF, 4);
	assert_int_equal(migtd_presession_blob_decode(buf, sizeof(blob_bytes), &b),
			 MIGTD_ERR_TRUNCATED);
	memcpy(buf, blob_bytes, sizeof(blob_bytes));
	buf[7] = 3;
	assert_int_equal(migtd_presession_blob_decode(buf, sizeof(blob_bytes), &b),
			 MIGTD_ERR_TRUNCATED);
	memcpy(buf, blob_bytes, sizeof(blob_bytes));
	buf[7] = 1; /* chain "C", then one byte too many */
	assert_int_equal(migtd_presession_blob_decode(buf, sizeof(blob_bytes), &b),
			 MIGTD_ERR_LENGTH);
}

static void test_blob_empty_parts(void **state)
{
	(void)state;
	struct migtd_presession_blob b;
	static const uint8_t no_policy[] = { 0, 0, 0, 0, 2, 0, 0, 0, 'C', 'H' };
	static const uint8_t no_chain[] = { 1, 0, 0, 0, '{', 0, 0, 0, 0 };
	static const uint8_t none[] = { 0, 0, 0, 0, 0, 0, 0, 0 };

	assert_int_equal(migtd_presession_blob_decode(no_policy, sizeof(no_policy), &b),
			 MIGTD_ERR_INVALID);
	assert_int_equal(migtd_presession_blob_decode(no_chain, sizeof(no_chain), &b),
			 MIGTD_ERR_INVALID);
	assert_int_equal(migtd_presession_blob_decode(none, sizeof(none), &b), MIGTD_ERR_INVALID);
	assert_null(b.chain);
}

/* A round trip of a large blob (the size of upstream's test policy). */
static void test_blob_round_trip_large(void **state)
{
	(void)state;
	size_t plen = 134 * 1024, clen = 3000;
	uint8_t *pol = malloc(plen), *ch = malloc(clen);
	size_t cap = migtd_presession_blob_size(plen, clen), n = 0;
	uint8_t *out = malloc(cap);
	struct migtd_presession_blob b;

	assert_non_null(pol);
	assert_non_null(ch);
	assert_non_null(out);
	for (size_t i = 0; i < plen; i++)
		pol[i] = (uint8_t)(i * 7);
	for (size_t i = 0; i < clen; i++)
		ch[i] = (uint8_t)(i * 13);
	assert_int_equal(migtd_presession_blob_encode(pol, plen, ch, clen, out, cap, &n), MIGTD_OK);
	assert_int_equal(n, cap);
	assert_int_equal(migtd_presession_blob_decode(out, n, &b), MIGTD_OK);
	assert_int_equal(b.policy_len, plen);
	assert_memory_equal(b.policy, pol, plen);
	assert_int_equal(b.chain_len, clen);
	assert_memory_equal(b.chain, ch, clen);
	free(pol);
	free(ch);
	free(out);
}

/*
 * The cases of the policy module's former blob codec, which this one
 * replaced: a round trip of other contents, every shorter length refused,
 * and a buffer above the 1 MiB receive cap refused by its length before a
 * byte is read (policy authentication hands in buffers it did not size).
 */
static void test_blob_former_policy_cases(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct migtd_presession_blob b;
	size_t n = 0;
	uint8_t *big;

	assert_int_equal(migtd_presession_blob_encode((const uint8_t *)"POL", 3,
						      (const uint8_t *)"CHAIN", 5, buf, 4, &n),
			 MIGTD_ERR_NOSPACE);
	assert_int_equal(migtd_presession_blob_size(3, 5), 16);
	assert_int_equal(migtd_presession_blob_encode((const uint8_t *)"POL", 3,
						      (const uint8_t *)"CHAIN", 5, buf, sizeof(buf),
						      &n),
			 MIGTD_OK);
	assert_int_equal(n, 16);
	assert_int_equal(migtd_presession_blob_decode(buf, n, &b), MIGTD_OK);
	assert_int_equal(b.policy_len, 3);
	assert_memory_equal(b.policy, "POL", 3);
	assert_int_equal(b.chain_len, 5);
	assert_memory_equal(b.chain, "CHAIN", 5);
	for (size_t k = 0; k < n; k++)
		assert_int_not_equal(migtd_presession_blob_decode(buf, k, &b), MIGTD_OK);

	big = calloc(1, MIGTD_PRESESSION_MAX_BLOB + 1);
	assert_non_null(big);
	/* One byte above the cap is refused by size alone: the 64-byte source
	 * is never read (ASan would see it). */
	assert_int_equal(migtd_presession_blob_encode(buf, 3, buf, MIGTD_PRESESSION_MAX_BLOB - 10,
						      big, MIGTD_PRESESSION_MAX_BLOB + 1, &n),
			 MIGTD_ERR_LENGTH);
	/* A well-formed blob of exactly 1 MiB decodes; one byte more does not. */
	migtd_wire_put_u32(big, 4);
	migtd_wire_put_u32(big + 8, MIGTD_PRESESSION_MAX_BLOB - 12);
	assert_int_equal(migtd_presession_blob_decode(big, MIGTD_PRESESSION_MAX_BLOB, &b),
			 MIGTD_OK);
	assert_int_equal(b.chain_len, MIGTD_PRESESSION_MAX_BLOB - 12);
	migtd_wire_put_u32(big + 8, MIGTD_PRESESSION_MAX_BLOB - 11);
	assert_int_equal(migtd_presession_blob_decode(big, MIGTD_PRESESSION_MAX_BLOB + 1, &b),
			 MIGTD_ERR_LENGTH);
	assert_null(b.policy);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_write_exact),
		cmocka_unit_test(test_hello_parse),
		cmocka_unit_test(test_hdr_parse_bounds),
		cmocka_unit_test(test_blob_former_policy_cases),
		cmocka_unit_test(test_hdr_write),
		cmocka_unit_test(test_hdr_check_types),
		cmocka_unit_test(test_hdr_check_lengths),
		cmocka_unit_test(test_negotiate),
		cmocka_unit_test(test_blob_encode_exact),
		cmocka_unit_test(test_blob_decode),
		cmocka_unit_test(test_blob_empty_parts),
		cmocka_unit_test(test_blob_round_trip_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
