/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for core/wire: the bounded reader and writer every parser uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "migtd/wire.h"

static void test_read_le_integers(void **state)
{
	(void)state;
	static const uint8_t buf[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
				       0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
	struct wire_reader r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	migtd_wire_reader_init(&r, buf, sizeof(buf));
	assert_int_equal(migtd_wire_read_u8(&r, &u8), MIGTD_OK);
	assert_int_equal(u8, 0x01);
	assert_int_equal(migtd_wire_read_u16(&r, &u16), MIGTD_OK);
	assert_int_equal(u16, 0x0302);
	assert_int_equal(migtd_wire_read_u32(&r, &u32), MIGTD_OK);
	assert_int_equal(u32, 0x07060504);
	assert_int_equal(migtd_wire_read_u64(&r, &u64), MIGTD_OK);
	assert_true(u64 == 0x0f0e0d0c0b0a0908ULL);
	assert_int_equal(migtd_wire_remaining(&r), 0);
	assert_int_equal(migtd_wire_pos(&r), sizeof(buf));
}

static void test_read_be32(void **state)
{
	(void)state;
	static const uint8_t buf[] = { 0x00, 0x00, 0x04, 0x10 };
	struct wire_reader r;
	uint32_t v;

	migtd_wire_reader_init(&r, buf, sizeof(buf));
	assert_int_equal(migtd_wire_read_u32_be(&r, &v), MIGTD_OK);
	assert_int_equal(v, 0x410);
}

/* Truncation at every length: no read past the end, the error is sticky. */
static void test_truncated_every_length(void **state)
{
	(void)state;
	uint8_t buf[8] = { 0 };

	for (size_t len = 0; len < sizeof(buf); len++) {
		struct wire_reader r;
		uint64_t v = 0x1234;
		uint8_t b;

		migtd_wire_reader_init(&r, buf, len);
		assert_int_equal(migtd_wire_read_u64(&r, &v), MIGTD_ERR_TRUNCATED);
		assert_true(v == 0x1234); /* output untouched */
		assert_int_equal(migtd_wire_remaining(&r), 0);
		/* Sticky: even a 1-byte read now fails although bytes are left. */
		assert_int_equal(migtd_wire_read_u8(&r, &b), MIGTD_ERR_TRUNCATED);
		assert_int_equal(migtd_wire_error(&r), MIGTD_ERR_TRUNCATED);
	}
}

static void test_huge_lengths_do_not_overflow(void **state)
{
	(void)state;
	uint8_t buf[16] = { 0 };
	struct wire_reader r, sub;
	const uint8_t *p = NULL;

	migtd_wire_reader_init(&r, buf, sizeof(buf));
	assert_int_equal(migtd_wire_skip(&r, 4), MIGTD_OK);
	assert_int_equal(migtd_wire_read_ref(&r, &p, SIZE_MAX), MIGTD_ERR_TRUNCATED);
	assert_null(p);

	migtd_wire_reader_init(&r, buf, sizeof(buf));
	assert_int_equal(migtd_wire_skip(&r, 1), MIGTD_OK);
	assert_int_equal(migtd_wire_sub(&r, SIZE_MAX - 0, &sub), MIGTD_ERR_TRUNCATED);
	assert_int_equal(migtd_wire_remaining(&sub), 0);
	assert_int_equal(migtd_wire_error(&sub), MIGTD_ERR_TRUNCATED);

	migtd_wire_reader_init(&r, buf, sizeof(buf));
	assert_int_equal(migtd_wire_seek(&r, 17), MIGTD_ERR_TRUNCATED);
	migtd_wire_reader_init(&r, buf, sizeof(buf));
	assert_int_equal(migtd_wire_seek(&r, 16), MIGTD_OK);
	assert_int_equal(migtd_wire_remaining(&r), 0);

	size_t out = 7;
	assert_false(migtd_wire_add_ok(SIZE_MAX, 1, &out));
	assert_int_equal(out, 7);
	assert_true(migtd_wire_add_ok(SIZE_MAX - 1, 1, &out));
	assert_true(out == SIZE_MAX);
}

static void test_zero_and_guid(void **state)
{
	(void)state;
	static const struct migtd_guid g = { { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
					       16 } };
	uint8_t buf[20] = { 0 };
	struct wire_reader r;

	memcpy(buf, g.b, 16);
	migtd_wire_reader_init(&r, buf, sizeof(buf));
	assert_int_equal(migtd_wire_expect_guid(&r, &g), MIGTD_OK);
	assert_int_equal(migtd_wire_read_zero(&r, 4), MIGTD_OK);

	buf[19] = 0x80;
	migtd_wire_reader_init(&r, buf, sizeof(buf));
	assert_int_equal(migtd_wire_expect_guid(&r, &g), MIGTD_OK);
	assert_int_equal(migtd_wire_read_zero(&r, 4), MIGTD_ERR_RESERVED);

	buf[0] ^= 1;
	migtd_wire_reader_init(&r, buf, sizeof(buf));
	assert_int_equal(migtd_wire_expect_guid(&r, &g), MIGTD_ERR_GUID);
	assert_int_equal(migtd_wire_error(&r), MIGTD_ERR_GUID);
}

/* The text form of a GUID, in the byte order the spec lists its GUIDs in: the
 * MigTD Service GUID e60e6330-1e09-4387-a444-8f32b8d611e5 (docs/protocol.md §2.2). */
static void test_guid_text(void **state)
{
	(void)state;
	static const uint8_t want[16] = { 0x30, 0x63, 0x0e, 0xe6, 0x09, 0x1e, 0x87, 0x43,
					  0xa4, 0x44, 0x8f, 0x32, 0xb8, 0xd6, 0x11, 0xe5 };
	static const char *const bad[] = {
		"e60e6330-1e09-4387-a444-8f32b8d611e",   /* 35 characters */
		"e60e6330-1e09-4387-a444-8f32b8d611e3 ", /* 37 */
		"e60e6330+1e09-4387-a444-8f32b8d611e3",  /* separator */
		"e60e63301-e09-4387-a444-8f32b8d611e3",  /* separator moved */
		"e60e6330-1e09-4387-a444-8f32b8d611eg",  /* not hex */
		"e60e6330-1e09-4387-a4-48f32b8d611e3a",  /* dash inside a byte */
	};
	uint8_t g[16];

	assert_int_equal(migtd_guid_parse("e60e6330-1e09-4387-a444-8f32b8d611e5", 36, g), MIGTD_OK);
	assert_memory_equal(g, want, 16);
	assert_int_equal(migtd_guid_parse("E60E6330-1E09-4387-A444-8F32B8D611E5", 36, g), MIGTD_OK);
	assert_memory_equal(g, want, 16);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(g, 0x5a, sizeof(g));
		assert_int_equal(migtd_guid_parse(bad[i], strlen(bad[i]), g), MIGTD_ERR_INVALID);
		assert_int_equal(g[0], 0x5a); /* untouched */
	}
}

static void test_sub_reader(void **state)
{
	(void)state;
	static const uint8_t buf[] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	struct wire_reader r, sub;
	uint16_t v;
	uint8_t b;

	migtd_wire_reader_init(&r, buf, sizeof(buf));
	assert_int_equal(migtd_wire_skip(&r, 1), MIGTD_OK);
	assert_int_equal(migtd_wire_sub(&r, 3, &sub), MIGTD_OK);
	assert_int_equal(migtd_wire_read_u16(&sub, &v), MIGTD_OK);
	assert_int_equal(v, 0xccbb);
	/* The sub-reader ends where its window ends, not where the buffer does. */
	assert_int_equal(migtd_wire_read_u16(&sub, &v), MIGTD_ERR_TRUNCATED);
	/* The parent moved past the window and is unaffected. */
	assert_int_equal(migtd_wire_read_u8(&r, &b), MIGTD_OK);
	assert_int_equal(b, 0xee);
}

static void test_writer_roundtrip(void **state)
{
	(void)state;
	static const struct migtd_guid g = { { 0xe1, 0xc5, 0x6f, 0xfb, 0x78, 0x33, 0xcb, 0x4a, 0x89,
					       0x64, 0xfa, 0x5e, 0xe4, 0x3b, 0x9c, 0x8a } };
	uint8_t buf[64];
	struct wire_writer w;
	struct wire_reader r;
	uint8_t *len_field;
	uint32_t u32, be;
	uint64_t u64;
	uint16_t u16;
	uint8_t u8;
	struct migtd_guid g2;

	migtd_wire_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(migtd_wire_write_guid(&w, &g), MIGTD_OK);
	assert_int_equal(migtd_wire_reserve(&w, &len_field, 4), MIGTD_OK);
	assert_int_equal(migtd_wire_write_u8(&w, 0x11), MIGTD_OK);
	assert_int_equal(migtd_wire_write_u16(&w, 0x2233), MIGTD_OK);
	assert_int_equal(migtd_wire_write_u64(&w, 0x8877665544332211ULL), MIGTD_OK);
	assert_int_equal(migtd_wire_write_u32_be(&w, 0x01020304), MIGTD_OK);
	assert_int_equal(migtd_wire_write_zero(&w, 3), MIGTD_OK);
	migtd_wire_put_u32(len_field, (uint32_t)migtd_wire_written(&w));
	assert_int_equal(migtd_wire_written(&w), 16 + 4 + 1 + 2 + 8 + 4 + 3);
	/* Bytes at their offsets, little-endian, big-endian where asked. */
	assert_memory_equal(buf, g.b, 16);
	assert_int_equal(buf[16], 38);
	assert_int_equal(buf[20], 0x11);
	assert_int_equal(buf[21], 0x33);
	assert_int_equal(buf[22], 0x22);
	assert_int_equal(buf[23], 0x11);
	assert_int_equal(buf[30], 0x88);
	assert_int_equal(buf[31], 0x01);
	assert_int_equal(buf[34], 0x04);

	migtd_wire_reader_init(&r, buf, migtd_wire_written(&w));
	assert_int_equal(migtd_wire_read_guid(&r, &g2), MIGTD_OK);
	assert_true(migtd_guid_eq(&g, &g2));
	assert_int_equal(migtd_wire_read_u32(&r, &u32), MIGTD_OK);
	assert_int_equal(u32, 38);
	assert_int_equal(migtd_wire_read_u8(&r, &u8), MIGTD_OK);
	assert_int_equal(migtd_wire_read_u16(&r, &u16), MIGTD_OK);
	assert_int_equal(u16, 0x2233);
	assert_int_equal(migtd_wire_read_u64(&r, &u64), MIGTD_OK);
	assert_true(u64 == 0x8877665544332211ULL);
	assert_int_equal(migtd_wire_read_u32_be(&r, &be), MIGTD_OK);
	assert_int_equal(be, 0x01020304);
	assert_int_equal(migtd_wire_read_zero(&r, 3), MIGTD_OK);
	assert_int_equal(migtd_wire_remaining(&r), 0);
}

static void test_writer_overflow_is_sticky(void **state)
{
	(void)state;
	uint8_t buf[5] = { 0 };
	struct wire_writer w;
	uint8_t *p = NULL;

	migtd_wire_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(migtd_wire_write_u32(&w, 0xffffffff), MIGTD_OK);
	assert_int_equal(migtd_wire_write_u16(&w, 1), MIGTD_ERR_NOSPACE);
	assert_int_equal(buf[4], 0); /* nothing partial was written */
	assert_int_equal(migtd_wire_write_u8(&w, 1), MIGTD_ERR_NOSPACE);
	assert_int_equal(migtd_wire_written(&w), 4);
	assert_int_equal(migtd_wire_writer_error(&w), MIGTD_ERR_NOSPACE);

	migtd_wire_writer_init(&w, buf, sizeof(buf));
	assert_int_equal(migtd_wire_reserve(&w, &p, SIZE_MAX), MIGTD_ERR_NOSPACE);
	assert_null(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_le_integers),
		cmocka_unit_test(test_read_be32),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_huge_lengths_do_not_overflow),
		cmocka_unit_test(test_zero_and_guid),
		cmocka_unit_test(test_guid_text),
		cmocka_unit_test(test_sub_reader),
		cmocka_unit_test(test_writer_roundtrip),
		cmocka_unit_test(test_writer_overflow_is_sticky),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
