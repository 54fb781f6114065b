/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for the Configuration Firmware Volume (docs/protocol.md §9.3): every header
 * field at its spec offset against bytes the test computes itself, the GUIDs
 * against the spec's byte table, builder/reader round trips, and the reader's
 * rejections (FV header fields, truncation, FFS checksums and sizes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "migtd/cfv.h"

#define FV_LEN 0x3000u

static uint32_t get24(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16);
}

/* Independent checks of the two checksums, from the spec's wording. */
static uint16_t word_sum56(const uint8_t *p)
{
	uint16_t s = 0;

	for (size_t i = 0; i < 56; i += 2)
		s = (uint16_t)(s + (p[i] | (p[i + 1] << 8)));
	return s;
}

static uint8_t byte_sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static const uint8_t pol_data[] = "{\"policy\":1}"; /* 13 bytes with NUL */
static const uint8_t ca_data[] = { 0x30, 0x82, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06 };

static void build_two(uint8_t *fv)
{
	struct cfv_input in[2] = {
		{ &migtd_cfv_guid_policy, pol_data, sizeof(pol_data) },
		{ &migtd_cfv_guid_root_ca, ca_data, sizeof(ca_data) },
	};
	size_t used = 0;

	assert_int_equal(migtd_cfv_build(fv, FV_LEN, FV_LEN, in, 2, &used), MIGTD_OK);
	/* 0x78 + 24 + 13 (+3 pad) + 24 + 8 */
	assert_int_equal(used, 0x78 + 40 + 32);
}

static void test_guid_bytes(void **state)
{
	static const uint8_t pol[16] = { 0xc3, 0x2d, 0xe9, 0x0b, 0x21, 0x62, 0x98, 0x4c,
					 0x87, 0xc1, 0x8e, 0xef, 0xfd, 0x70, 0xde, 0x5a };
	static const uint8_t ca[16] = { 0x32, 0x78, 0x43, 0xca, 0x51, 0x4c, 0x22, 0x43,
					0xb1, 0x3d, 0xa2, 0x1b, 0xd0, 0xc8, 0xff, 0xf6 };
	static const uint8_t chain[16] = { 0x7a, 0xb2, 0x2f, 0x3f, 0x96, 0x95, 0x1c, 0x43,
					   0xa6, 0x8d, 0xd3, 0xea, 0xb3, 0x9f, 0x8a, 0xeb };
	/* 5473C07A-3DCB-4DCA-BD6F-1E9689E7349A */
	static const uint8_t fs3[16] = { 0x7a, 0xc0, 0x73, 0x54, 0xcb, 0x3d, 0xca, 0x4d,
					 0xbd, 0x6f, 0x1e, 0x96, 0x89, 0xe7, 0x34, 0x9a };
	(void)state;
	assert_memory_equal(migtd_cfv_guid_policy.b, pol, 16);
	assert_memory_equal(migtd_cfv_guid_root_ca.b, ca, 16);
	assert_memory_equal(migtd_cfv_guid_policy_issuer_chain.b, chain, 16);
	assert_memory_equal(migtd_cfv_guid_fs3.b, fs3, 16);
}

static void test_header_offsets(void **state)
{
	static const uint8_t zero[16];
	uint8_t *fv = malloc(FV_LEN);
	const uint8_t *f1, *f2;
	(void)state;

	build_two(fv);
	/* EFI_FIRMWARE_VOLUME_HEADER */
	assert_memory_equal(fv + 0x00, zero, 16);
	assert_memory_equal(fv + 0x10, migtd_cfv_guid_fs3.b, 16);
	assert_int_equal(migtd_wire_get_u64(fv + 0x20), FV_LEN);
	assert_memory_equal(fv + 0x28, "_FVH", 4);
	assert_int_equal(migtd_wire_get_u32(fv + 0x2C), 0x0004F6FF);
	assert_int_equal(migtd_wire_get_u16(fv + 0x30), 0x78);
	assert_int_equal(word_sum56(fv), 0); /* checksum at 0x32 */
	assert_int_not_equal(migtd_wire_get_u16(fv + 0x32), 0);
	assert_int_equal(migtd_wire_get_u16(fv + 0x34), 0x60);
	assert_int_equal(fv[0x36], 0);
	assert_int_equal(fv[0x37], 2);
	/* Block map: FV_LEN / 4 KiB blocks of 4 KiB, then the terminator. */
	assert_int_equal(migtd_wire_get_u32(fv + 0x38), FV_LEN / 0x1000);
	assert_int_equal(migtd_wire_get_u32(fv + 0x3C), 0x1000);
	assert_memory_equal(fv + 0x40, zero, 8);
	/* Pad file header at 0x48 covering the extension header. */
	assert_memory_equal(fv + 0x48, zero, 16);
	assert_int_equal(fv[0x48 + 18], 0xF0);
	assert_int_equal(get24(fv + 0x48 + 20), 0x2C);
	assert_int_equal(fv[0x48 + 23], 0x07);
	/* Extension header at 0x60: zero name, size 0x14; 4 pad bytes. */
	assert_memory_equal(fv + 0x60, zero, 16);
	assert_int_equal(migtd_wire_get_u32(fv + 0x70), 0x14);
	assert_memory_equal(fv + 0x74, zero, 4);

	/* First file at 0x78. */
	f1 = fv + 0x78;
	assert_memory_equal(f1, migtd_cfv_guid_policy.b, 16);
	assert_int_equal(f1[17], 0xAA);
	assert_int_equal(f1[18], 0x01);
	assert_int_equal(f1[19], 0x00);
	assert_int_equal(get24(f1 + 20), 24 + sizeof(pol_data));
	assert_int_equal(f1[23], 0x07);
	assert_int_equal(byte_sum(f1, 24), 0xB1); /* the spec's equivalent form */
	assert_memory_equal(f1 + 24, pol_data, sizeof(pol_data));
	assert_memory_equal(f1 + 24 + sizeof(pol_data), zero, 3); /* pad to 8 */
	/* Second file 8-byte aligned after it. */
	f2 = f1 + 40;
	assert_memory_equal(f2, migtd_cfv_guid_root_ca.b, 16);
	assert_int_equal(byte_sum(f2, 24), 0xB1);
	assert_int_equal(get24(f2 + 20), 32);
	assert_memory_equal(f2 + 24, ca_data, sizeof(ca_data));
	/* Zeros after the last file. */
	for (size_t i = 0x78 + 72; i < FV_LEN; i++)
		assert_int_equal(fv[i], 0);
	free(fv);
}

static void test_round_trip(void **state)
{
	static const size_t lens[] = { 0, 1, 7, 8, 9, 255, 1000 };
	const struct migtd_guid *names[] = { &migtd_cfv_guid_policy, &migtd_cfv_guid_root_ca,
					     &migtd_cfv_guid_policy_issuer_chain };
	uint8_t *fv = malloc(FV_LEN), *data = malloc(1002);
	(void)state;

	for (size_t i = 0; i < 1002; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	for (size_t a = 0; a < sizeof(lens) / sizeof(lens[0]); a++) {
		for (size_t b = 0; b < sizeof(lens) / sizeof(lens[0]); b++) {
			struct cfv_input in[3] = {
				{ names[0], data, lens[a] },
				{ names[1], data + 1, lens[b] },
				{ names[2], data + 2, lens[(a + b) % 7] },
			};
			const uint8_t *p;
			size_t n;
			struct cfv_iter it;
			struct cfv_file f;
			size_t count = 0;

			assert_int_equal(migtd_cfv_build(fv, FV_LEN, FV_LEN, in, 3, NULL),
					 MIGTD_OK);
			for (size_t k = 0; k < 3; k++) {
				assert_int_equal(migtd_cfv_find_file(fv, FV_LEN, CFV_FILETYPE_RAW,
								     names[k], &p, &n),
						 MIGTD_OK);
				assert_int_equal(n, in[k].len);
				assert_true(n == 0 || memcmp(p, in[k].data, n) == 0);
			}
			assert_int_equal(migtd_cfv_iter_init(&it, fv, FV_LEN), MIGTD_OK);
			while (migtd_cfv_iter_next(&it, &f)) {
				assert_int_equal(f.offset % 8, 0);
				assert_int_equal(f.state, 0x07);
				assert_int_equal(f.file_checksum, 0xAA);
				count++;
			}
			assert_int_equal(count, 3);
			assert_int_equal(it.err, MIGTD_OK);
			/* A file of another type with a wanted name is not it. */
			assert_int_equal(migtd_cfv_find_file(fv, FV_LEN, 0x02, names[0], &p, &n),
					 MIGTD_ERR_GUID);
		}
	}
	free(fv);
	free(data);
}

/* Re-checksum the FV header after a field was changed. */
static void fix_fvh(uint8_t *fv)
{
	migtd_wire_put_u16(fv + 0x32, 0);
	migtd_wire_put_u16(fv + 0x32, (uint16_t)(0x10000u - word_sum56(fv)));
}

static void fix_ffs(uint8_t *h)
{
	h[16] = 0;
	h[16] = (uint8_t)(0x100u - (uint8_t)(byte_sum(h, 24) - h[17] - h[23]));
}

static void expect_header_err(const uint8_t *fv, size_t len, int want)
{
	struct cfv_header h;
	const uint8_t *p;
	size_t n;

	assert_int_equal(migtd_cfv_parse_header(fv, len, &h), want);
	assert_int_equal(migtd_cfv_find_file(fv, len, CFV_FILETYPE_RAW, &migtd_cfv_guid_policy, &p,
					     &n),
			 want);
	if (want != MIGTD_OK)
		assert_null(p);
}

static void test_header_rejections(void **state)
{
	uint8_t *fv = malloc(FV_LEN), *bad = malloc(FV_LEN);
	(void)state;

	build_two(fv);
	/* Truncated at every length shorter than the FV header. */
	for (size_t n = 0; n < CFV_FVH_LEN; n++)
		expect_header_err(fv, n, MIGTD_ERR_TRUNCATED);
	/* fv_length must equal the region. */
	expect_header_err(fv, FV_LEN - 1, MIGTD_ERR_LENGTH);

#define MUTATE(stmt, err)                            \
	do {                                         \
		memcpy(bad, fv, FV_LEN);             \
		stmt;                                \
		fix_fvh(bad);                        \
		expect_header_err(bad, FV_LEN, err); \
	} while (0)
	MUTATE(bad[0x05] = 1, MIGTD_ERR_RESERVED);  /* zero vector */
	MUTATE(bad[0x2B] = 'I', MIGTD_ERR_INVALID); /* "_FVI" */
	MUTATE(bad[0x37] = 1, MIGTD_ERR_INVALID);   /* revision */
	MUTATE(migtd_wire_put_u64(bad + 0x20, FV_LEN * 2), MIGTD_ERR_LENGTH);
	MUTATE(migtd_wire_put_u16(bad + 0x30, 0x30), MIGTD_ERR_LENGTH); /* < 56 */
	MUTATE(migtd_wire_put_u16(bad + 0x30, 0xFFFF), MIGTD_ERR_LENGTH);
#undef MUTATE
	/* A wrong checksum (not re-fixed). */
	memcpy(bad, fv, FV_LEN);
	bad[0x32] ^= 1;
	expect_header_err(bad, FV_LEN, MIGTD_ERR_INVALID);
	/* The checksum covers the 56-byte header only: the block map is not in it. */
	memcpy(bad, fv, FV_LEN);
	bad[0x38] ^= 1;
	expect_header_err(bad, FV_LEN, MIGTD_OK);
	free(fv);
	free(bad);
}

static void test_file_rejections(void **state)
{
	uint8_t *fv = malloc(FV_LEN), *bad = malloc(FV_LEN);
	const uint8_t *p;
	size_t n;
	struct cfv_iter it;
	struct cfv_file f;
	(void)state;

	build_two(fv);
	/* Bad header checksum of the first file: the walk stops, nothing after it
	 * is found, and the reason is the checksum. */
	memcpy(bad, fv, FV_LEN);
	bad[0x78 + 16] ^= 0x40;
	assert_int_equal(migtd_cfv_find_file(bad, FV_LEN, CFV_FILETYPE_RAW, &migtd_cfv_guid_root_ca,
					     &p, &n),
			 MIGTD_ERR_INVALID);
	/* ... the same on the second file leaves the first one findable. */
	memcpy(bad, fv, FV_LEN);
	bad[0x78 + 40 + 3] ^= 0x01; /* name byte: checksum no longer matches */
	assert_int_equal(migtd_cfv_find_file(bad, FV_LEN, CFV_FILETYPE_RAW, &migtd_cfv_guid_policy,
					     &p, &n),
			 MIGTD_OK);
	assert_int_equal(migtd_cfv_find_file(bad, FV_LEN, CFV_FILETYPE_RAW, &migtd_cfv_guid_root_ca,
					     &p, &n),
			 MIGTD_ERR_INVALID);
	/* File checksum and state are outside the header checksum: changing them
	 * keeps the file valid (MigTD does not check them). */
	memcpy(bad, fv, FV_LEN);
	bad[0x78 + 17] = 0x00;
	bad[0x78 + 23] = 0x03;
	assert_int_equal(migtd_cfv_find_file(bad, FV_LEN, CFV_FILETYPE_RAW, &migtd_cfv_guid_policy,
					     &p, &n),
			 MIGTD_OK);
	/* A size beyond the volume (checksummed) ends the walk with LENGTH. */
	memcpy(bad, fv, FV_LEN);
	bad[0x78 + 22] = 0x10;
	fix_ffs(bad + 0x78);
	assert_int_equal(migtd_cfv_find_file(bad, FV_LEN, CFV_FILETYPE_RAW, &migtd_cfv_guid_policy,
					     &p, &n),
			 MIGTD_ERR_LENGTH);
	/* A size smaller than the header likewise. */
	memcpy(bad, fv, FV_LEN);
	bad[0x78 + 20] = 23;
	bad[0x78 + 21] = 0;
	fix_ffs(bad + 0x78);
	assert_int_equal(migtd_cfv_find_file(bad, FV_LEN, CFV_FILETYPE_RAW, &migtd_cfv_guid_policy,
					     &p, &n),
			 MIGTD_ERR_LENGTH);
	/* Erased (0xFF) space after the files is a clean end. */
	memcpy(bad, fv, FV_LEN);
	memset(bad + 0x78 + 72, 0xFF, FV_LEN - 0x78 - 72);
	assert_int_equal(migtd_cfv_iter_init(&it, bad, FV_LEN), MIGTD_OK);
	while (migtd_cfv_iter_next(&it, &f))
		;
	assert_int_equal(it.err, MIGTD_OK);
	assert_int_equal(it.stop_offset, 0x78 + 72);
	assert_int_equal(migtd_cfv_find_file(bad, FV_LEN, CFV_FILETYPE_RAW,
					     &migtd_cfv_guid_policy_issuer_chain, &p, &n),
			 MIGTD_ERR_GUID);
	/* A file that ends exactly at the end of the volume is found. */
	{
		uint8_t *small = calloc(1, 0x1000);
		uint8_t data[0x1000 - 0x78 - 24];
		struct cfv_input in = { &migtd_cfv_guid_policy, data, sizeof(data) };

		memset(data, 0x5A, sizeof(data));
		assert_int_equal(migtd_cfv_build(small, 0x1000, 0x1000, &in, 1, NULL), MIGTD_OK);
		assert_int_equal(migtd_cfv_find_file(small, 0x1000, CFV_FILETYPE_RAW,
						     &migtd_cfv_guid_policy, &p, &n),
				 MIGTD_OK);
		assert_int_equal(n, sizeof(data));
		/* One byte more does not fit. */
		in.len = sizeof(data) + 1;
		assert_int_equal(migtd_cfv_build(small, 0x1000, 0x1000, &in, 1, NULL),
				 MIGTD_ERR_NOSPACE);
		free(small);
	}
	free(fv);
	free(bad);
}

/* A hand-made EFI_FFS_FILE_HEADER2 (large file) is walked like MigTD walks it. */
static void test_large_file_header(void **state)
{
	uint8_t *fv = malloc(FV_LEN);
	uint8_t *h;
	const uint8_t *p;
	size_t n;
	(void)state;

	assert_int_equal(migtd_cfv_build(fv, FV_LEN, FV_LEN, NULL, 0, NULL), MIGTD_OK);
	h = fv + 0x78;
	memcpy(h, migtd_cfv_guid_root_ca.b, 16);
	h[17] = 0xAA;
	h[18] = 0x01;
	h[19] = 0x01; /* FFS_ATTRIB_LARGE_FILE */
	h[23] = 0x07;
	migtd_wire_put_u64(h + 24, 32 + 5);
	memcpy(h + 32, "hello", 5);
	h[16] = 0;
	h[16] = (uint8_t)(0x100u - (uint8_t)(byte_sum(h, 32) - h[17] - h[23]));
	assert_int_equal(migtd_cfv_find_file(fv, FV_LEN, CFV_FILETYPE_RAW, &migtd_cfv_guid_root_ca,
					     &p, &n),
			 MIGTD_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(p, "hello", 5);
	/* Its checksum covers all 32 bytes (a smaller, still valid size). */
	h[24] ^= 1;
	assert_int_equal(migtd_cfv_find_file(fv, FV_LEN, CFV_FILETYPE_RAW, &migtd_cfv_guid_root_ca,
					     &p, &n),
			 MIGTD_ERR_INVALID);
	free(fv);
}

static void test_builder_rejections(void **state)
{
	uint8_t *fv = malloc(FV_LEN);
	uint8_t one = 1;
	struct cfv_input in = { &migtd_cfv_guid_policy, &one, 1 };
	size_t used = 99;
	(void)state;

	assert_int_equal(migtd_cfv_build(fv, FV_LEN, 0, &in, 1, &used), MIGTD_ERR_LENGTH);
	assert_int_equal(used, 0);
	assert_int_equal(migtd_cfv_build(fv, FV_LEN, 0x1800, &in, 1, NULL), MIGTD_ERR_LENGTH);
	assert_int_equal(migtd_cfv_build(fv, FV_LEN - 1, FV_LEN, &in, 1, NULL), MIGTD_ERR_NOSPACE);
	/* Larger than the 24-bit size allows. */
	in.len = 0xFFFFFF;
	assert_int_equal(migtd_cfv_build(fv, FV_LEN, FV_LEN, &in, 1, NULL), MIGTD_ERR_LENGTH);
	/* No files: a valid, empty volume. */
	assert_int_equal(migtd_cfv_build(fv, FV_LEN, FV_LEN, NULL, 0, &used), MIGTD_OK);
	assert_int_equal(used, 0x78);
	{
		const uint8_t *p;
		size_t n;

		assert_int_equal(migtd_cfv_find_file(fv, FV_LEN, CFV_FILETYPE_RAW,
						     &migtd_cfv_guid_policy, &p, &n),
				 MIGTD_ERR_GUID);
	}
	free(fv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guid_bytes),         cmocka_unit_test(test_header_offsets),
		cmocka_unit_test(test_round_trip),         cmocka_unit_test(test_header_rejections),
		cmocka_unit_test(test_file_rejections),    cmocka_unit_test(test_large_file_header),
		cmocka_unit_test(test_builder_rejections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
