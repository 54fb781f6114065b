/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for core/wire/tdreport: TDREPORT_STRUCT and its parts at the
 * offsets of docs/protocol.md §3.2, round trips, truncation, and the §3.2 integrity
 * rules checked against SHA-384 values computed independently (Python
 * hashlib).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "migtd/tdreport.h"
#include "support/testutil.h"

/* A pattern without short periods, so a field read from the wrong offset
 * (even one 256 or 512 bytes off) cannot match by accident. */
static void fill_pattern(uint8_t *buf, size_t n, uint32_t seed)
{
	uint32_t x = seed | 1u;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)(x >> 24);
	}
}

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

struct field_off {
	const char *name;
	const uint8_t *field;
	size_t off; /* absolute offset in TDREPORT_STRUCT, from the spec tables */
	size_t len;
};

/* Every field of the report against the spec's offsets (written as literal
 * numbers on purpose: they are the spec, not our macros). */
static void check_all_offsets(const struct tdreport_struct *rep, const uint8_t *buf)
{
	const struct field_off t[] = {
		{ "type", rep->mac.type, 0, 4 },
		{ "mac.reserved1", rep->mac.reserved1, 4, 12 },
		{ "cpusvn", rep->mac.cpusvn, 16, 16 },
		{ "tee_tcb_info_hash", rep->mac.tee_tcb_info_hash, 32, 48 },
		{ "tee_info_hash", rep->mac.tee_info_hash, 80, 48 },
		{ "report_data", rep->mac.report_data, 128, 64 },
		{ "mac.reserved2", rep->mac.reserved2, 192, 32 },
		{ "mac", rep->mac.mac, 224, 32 },
		{ "valid", rep->tee_tcb_info.valid, 256 + 0, 8 },
		{ "tee_tcb_svn", rep->tee_tcb_info.tee_tcb_svn, 256 + 8, 16 },
		{ "mrseam", rep->tee_tcb_info.mrseam, 256 + 24, 48 },
		{ "mrsignerseam", rep->tee_tcb_info.mrsignerseam, 256 + 72, 48 },
		{ "seam attributes", rep->tee_tcb_info.attributes, 256 + 120, 8 },
		{ "tee_tcb_svn2", rep->tee_tcb_info.tee_tcb_svn2, 256 + 128, 16 },
		{ "tee_tcb_info.reserved", rep->tee_tcb_info.reserved, 256 + 144, 95 },
		{ "report reserved", rep->reserved, 495, 17 },
		{ "td attributes", rep->tdinfo.attributes, 512 + 0, 8 },
		{ "xfam", rep->tdinfo.xfam, 512 + 8, 8 },
		{ "mrtd", rep->tdinfo.mrtd, 512 + 16, 48 },
		{ "mrconfigid", rep->tdinfo.mrconfigid, 512 + 64, 48 },
		{ "mrowner", rep->tdinfo.mrowner, 512 + 112, 48 },
		{ "mrownerconfig", rep->tdinfo.mrownerconfig, 512 + 160, 48 },
		{ "rtmr0", rep->tdinfo.rtmr[0], 512 + 208, 48 },
		{ "rtmr1", rep->tdinfo.rtmr[1], 512 + 256, 48 },
		{ "rtmr2", rep->tdinfo.rtmr[2], 512 + 304, 48 },
		{ "rtmr3", rep->tdinfo.rtmr[3], 512 + 352, 48 },
		{ "servtd_hash", rep->tdinfo.servtd_hash, 512 + 400, 48 },
		{ "tdinfo.reserved", rep->tdinfo.reserved, 512 + 448, 64 },
	};
	size_t covered = 0;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (memcmp(t[i].field, buf + t[i].off, t[i].len) != 0)
			fail_msg("field %s not at offset %zu", t[i].name, t[i].off);
		covered += t[i].len;
	}
	/* The table itself covers the 1024 bytes exactly once. */
	assert_int_equal(covered, 1024);
}

static void test_offsets_hand_built(void **state)
{
	(void)state;
	uint8_t buf[1024];
	struct tdreport_struct rep;

	fill_pattern(buf, sizeof(buf), 0x1234567);
	assert_int_equal(migtd_tdreport_parse(buf, sizeof(buf), &rep), MIGTD_OK);
	check_all_offsets(&rep, buf);
}

static void test_round_trip(void **state)
{
	(void)state;
	uint8_t buf[1024], out[1100];
	struct tdreport_struct rep;
	size_t n = 0;

	for (uint32_t seed = 1; seed < 20; seed++) {
		fill_pattern(buf, sizeof(buf), seed * 0x9e3779b9u);
		assert_int_equal(migtd_tdreport_parse(buf, sizeof(buf), &rep), MIGTD_OK);
		memset(out, 0xee, sizeof(out));
		assert_int_equal(migtd_tdreport_build(&rep, out, sizeof(out), &n), MIGTD_OK);
		assert_int_equal(n, 1024);
		assert_memory_equal(out, buf, 1024);
		assert_int_equal(out[1024], 0xee); /* nothing written past the end */
	}
}

/* The builder writes the fields where the spec says, from a struct. */
static void test_build_places_fields(void **state)
{
	(void)state;
	struct tdreport_struct rep;
	uint8_t out[1024];

	memset(&rep, 0, sizeof(rep));
	rep.mac.type[0] = 0x81;
	memset(rep.mac.report_data, 0xd1, 64);
	memset(rep.mac.mac, 0xac, 32);
	memset(rep.tee_tcb_info.mrseam, 0x5e, 48);
	memset(rep.tdinfo.mrtd, 0x7d, 48);
	memset(rep.tdinfo.rtmr[3], 0x33, 48);
	memset(rep.tdinfo.servtd_hash, 0x5a, 48);
	assert_int_equal(migtd_tdreport_build(&rep, out, sizeof(out), NULL), MIGTD_OK);
	assert_int_equal(out[0], 0x81);
	assert_true(all_zero(out + 1, 127));
	for (size_t i = 128; i < 192; i++)
		assert_int_equal(out[i], 0xd1);
	assert_true(all_zero(out + 192, 32));
	for (size_t i = 224; i < 256; i++)
		assert_int_equal(out[i], 0xac);
	assert_true(all_zero(out + 256, 24));
	for (size_t i = 280; i < 328; i++)
		assert_int_equal(out[i], 0x5e);
	assert_true(all_zero(out + 328, 528 - 328));
	for (size_t i = 528; i < 576; i++)
		assert_int_equal(out[i], 0x7d);
	assert_true(all_zero(out + 576, 864 - 576));
	for (size_t i = 864; i < 912; i++)
		assert_int_equal(out[i], 0x33);
	for (size_t i = 912; i < 960; i++)
		assert_int_equal(out[i], 0x5a);
	assert_true(all_zero(out + 960, 64));
}

/* The part parsers agree with the parts of the whole report. */
static void test_part_parsers(void **state)
{
	(void)state;
	uint8_t buf[1024], out[512];
	struct tdreport_struct rep;
	struct reportmacstruct mac;
	struct tee_tcb_info tcb;
	struct tdinfo_struct info;
	size_t n;

	fill_pattern(buf, sizeof(buf), 77);
	assert_int_equal(migtd_tdreport_parse(buf, sizeof(buf), &rep), MIGTD_OK);
	assert_int_equal(migtd_tdreport_parse_reportmacstruct(buf, 256, &mac), MIGTD_OK);
	assert_int_equal(migtd_tdreport_parse_tee_tcb_info(buf + 256, 239, &tcb), MIGTD_OK);
	assert_int_equal(migtd_tdreport_parse_tdinfo(buf + 512, 512, &info), MIGTD_OK);
	assert_memory_equal(&mac, &rep.mac, sizeof(mac));
	assert_memory_equal(&tcb, &rep.tee_tcb_info, sizeof(tcb));
	assert_memory_equal(&info, &rep.tdinfo, sizeof(info));

	assert_int_equal(migtd_tdreport_build_reportmacstruct(&mac, out, 256, &n), MIGTD_OK);
	assert_int_equal(n, 256);
	assert_memory_equal(out, buf, 256);
	assert_int_equal(migtd_tdreport_build_tee_tcb_info(&tcb, out, 239, &n), MIGTD_OK);
	assert_int_equal(n, 239);
	assert_memory_equal(out, buf + 256, 239);
	assert_int_equal(migtd_tdreport_build_tdinfo(&info, out, 512, &n), MIGTD_OK);
	assert_int_equal(n, 512);
	assert_memory_equal(out, buf + 512, 512);
}

/* Every length below the size is truncated, above is a length error; the
 * output is never left half-filled. */
static void test_truncated_every_length(void **state)
{
	(void)state;
	uint8_t buf[1025];
	struct tdreport_struct rep;
	struct reportmacstruct mac;
	struct tee_tcb_info tcb;
	struct tdinfo_struct info;

	fill_pattern(buf, sizeof(buf), 5);
	for (size_t len = 0; len < 1024; len++) {
		memset(&rep, 0xff, sizeof(rep));
		assert_int_equal(migtd_tdreport_parse(buf, len, &rep), MIGTD_ERR_TRUNCATED);
		assert_true(all_zero(&rep, sizeof(rep)));
		if (len < 256)
			assert_int_equal(migtd_tdreport_parse_reportmacstruct(buf, len, &mac),
					 MIGTD_ERR_TRUNCATED);
		if (len < 239)
			assert_int_equal(migtd_tdreport_parse_tee_tcb_info(buf, len, &tcb),
					 MIGTD_ERR_TRUNCATED);
		if (len < 512)
			assert_int_equal(migtd_tdreport_parse_tdinfo(buf, len, &info),
					 MIGTD_ERR_TRUNCATED);
	}
	assert_int_equal(migtd_tdreport_parse(buf, 1025, &rep), MIGTD_ERR_LENGTH);
	assert_true(all_zero(&rep, sizeof(rep)));
	assert_int_equal(migtd_tdreport_parse(buf, SIZE_MAX, &rep), MIGTD_ERR_LENGTH);
	assert_int_equal(migtd_tdreport_parse_reportmacstruct(buf, 257, &mac), MIGTD_ERR_LENGTH);
	assert_int_equal(migtd_tdreport_parse_tee_tcb_info(buf, 240, &tcb), MIGTD_ERR_LENGTH);
	assert_int_equal(migtd_tdreport_parse_tdinfo(buf, 513, &info), MIGTD_ERR_LENGTH);
	assert_int_equal(migtd_tdreport_parse(NULL, 1024, &rep), MIGTD_ERR_INVALID);
}

static void test_build_nospace(void **state)
{
	(void)state;
	struct tdreport_struct rep;
	uint8_t out[1024];
	size_t n = 99;

	memset(&rep, 0x11, sizeof(rep));
	for (size_t cap = 0; cap < 1024; cap++) {
		memset(out, 0xee, sizeof(out));
		assert_int_equal(migtd_tdreport_build(&rep, out, cap, &n), MIGTD_ERR_NOSPACE);
		assert_int_equal(n, 0);
		assert_int_equal(out[0], 0xee); /* untouched */
	}
	assert_int_equal(migtd_tdreport_build_reportmacstruct(&rep.mac, out, 255, NULL),
			 MIGTD_ERR_NOSPACE);
	assert_int_equal(migtd_tdreport_build_tee_tcb_info(&rep.tee_tcb_info, out, 238, NULL),
			 MIGTD_ERR_NOSPACE);
	assert_int_equal(migtd_tdreport_build_tdinfo(&rep.tdinfo, out, 511, NULL),
			 MIGTD_ERR_NOSPACE);
	assert_int_equal(migtd_tdreport_build(&rep, NULL, 1024, NULL), MIGTD_ERR_NOSPACE);
}

/*
 * go-tdx-guest's report.dat: a 1024-byte TDREPORT-sized file. Its bytes are
 * not a genuine TDX report (type[0] is 0x0f, reserved bytes are non-zero,
 * the hashes do not match), so it checks structure only: every field at its
 * offset and a byte-exact round trip; the semantic checks must reject it.
 */
static void test_vector_go_tdx_guest(void **state)
{
	(void)state;
	size_t len;
	uint8_t *buf = tu_read_vector("go-tdx-guest/report.dat", &len);
	struct tdreport_struct rep;
	uint8_t out[1024];

	assert_int_equal(len, 1024);
	assert_int_equal(migtd_tdreport_parse(buf, len, &rep), MIGTD_OK);
	check_all_offsets(&rep, buf);
	assert_int_equal(migtd_tdreport_build(&rep, out, sizeof(out), NULL), MIGTD_OK);
	assert_memory_equal(out, buf, 1024);
	assert_int_equal(migtd_tdreport_check_type(&rep), MIGTD_ERR_INVALID);
	assert_int_equal(migtd_tdreport_check_integrity(&rep), MIGTD_ERR_INVALID);
	free(buf);
}

static void test_le64_and_type(void **state)
{
	(void)state;
	struct tdreport_struct rep;
	const uint8_t attr[8] = { 0x01, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x80 };

	assert_true(migtd_tdreport_le64(attr) == 0x8000000010000001ULL);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(migtd_tdreport_check_type(&rep), MIGTD_ERR_INVALID);
	rep.mac.type[0] = 0x81;
	assert_int_equal(migtd_tdreport_check_type(&rep), MIGTD_OK);
	rep.mac.type[0] = 0x00; /* SGX */
	assert_int_equal(migtd_tdreport_check_type(&rep), MIGTD_ERR_INVALID);
}

/* SHA-384 values computed with Python hashlib (an independent oracle):
 *   sha384(bytes(239)), sha384(bytes((i*7+1)&0xff for i in range(239))),
 *   sha384(bytes((i*13+5)&0xff for i in range(512))). */
#define SHA384_ZERO_239                                                                    \
	"70fa2d4b4a97249db1789e4b1964b1eec6c3f7ce1ff87bad80833bb078d2f9a4c1dd7dccccabc851" \
	"1fd22103245338b7"
#define SHA384_TCB_PATTERN                                                                 \
	"02010ff24bd03d6faf78b5917358b8e06bf474ee5aa3dab2abc57359e803c73f8035484fbc5087e0" \
	"f8a76eb4a0903e08"
#define SHA384_TDINFO_PATTERN                                                              \
	"49b63888cc9d4c7d132cd6b7777eb165f8181df28934d228d26bc539cdfdffb04287ca2bdf0b8f1e" \
	"44e82d34eae6c8d8"

static void make_report(struct tdreport_struct *rep)
{
	uint8_t tcb[239], info[512];

	memset(rep, 0, sizeof(*rep));
	for (size_t i = 0; i < sizeof(tcb); i++)
		tcb[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(info); i++)
		info[i] = (uint8_t)(i * 13 + 5);
	assert_int_equal(migtd_tdreport_parse_tee_tcb_info(tcb, sizeof(tcb), &rep->tee_tcb_info),
			 MIGTD_OK);
	assert_int_equal(migtd_tdreport_parse_tdinfo(info, sizeof(info), &rep->tdinfo), MIGTD_OK);
	rep->mac.type[0] = 0x81;
}

static void test_hashes_vs_oracle(void **state)
{
	(void)state;
	struct tdreport_struct rep;
	struct tee_tcb_info zero;
	uint8_t d[48], want[48];

	memset(&zero, 0, sizeof(zero));
	assert_int_equal(migtd_tdreport_hash_tee_tcb_info(&zero, d), MIGTD_OK);
	tu_unhex(SHA384_ZERO_239, want, sizeof(want));
	assert_memory_equal(d, want, 48);

	make_report(&rep);
	assert_int_equal(migtd_tdreport_hash_tee_tcb_info(&rep.tee_tcb_info, d), MIGTD_OK);
	tu_unhex(SHA384_TCB_PATTERN, want, sizeof(want));
	assert_memory_equal(d, want, 48);
	assert_int_equal(migtd_tdreport_hash_tdinfo(&rep.tdinfo, d), MIGTD_OK);
	tu_unhex(SHA384_TDINFO_PATTERN, want, sizeof(want));
	assert_memory_equal(d, want, 48);

	assert_int_equal(migtd_tdreport_update_hashes(&rep), MIGTD_OK);
	tu_unhex(SHA384_TCB_PATTERN, want, sizeof(want));
	assert_memory_equal(rep.mac.tee_tcb_info_hash, want, 48);
	tu_unhex(SHA384_TDINFO_PATTERN, want, sizeof(want));
	assert_memory_equal(rep.mac.tee_info_hash, want, 48);
}

static void test_integrity_rules(void **state)
{
	(void)state;
	struct tdreport_struct good, bad;
	uint8_t wire[1024];

	make_report(&good);
	assert_int_equal(migtd_tdreport_check_integrity(&good),
			 MIGTD_ERR_INVALID); /* no hashes yet */
	assert_int_equal(migtd_tdreport_update_hashes(&good), MIGTD_OK);
	assert_int_equal(migtd_tdreport_check_integrity(&good), MIGTD_OK);

	/* Flip each covered byte (TEE_TCB_INFO at 256..494, TDINFO at 512..1023)
	 * and each hash byte: every flip must break integrity. Bytes outside
	 * (REPORTDATA, MAC, the 17 reserved bytes) are not covered by the rule. */
	assert_int_equal(migtd_tdreport_build(&good, wire, sizeof(wire), NULL), MIGTD_OK);
	for (size_t i = 0; i < 1024; i++) {
		int covered = (i >= 32 && i < 128) || (i >= 256 && i < 495) || i >= 512;

		wire[i] ^= 0x01;
		assert_int_equal(migtd_tdreport_parse(wire, sizeof(wire), &bad), MIGTD_OK);
		if (migtd_tdreport_check_integrity(&bad) !=
		    (covered ? MIGTD_ERR_INVALID : MIGTD_OK))
			fail_msg("byte %zu: integrity result wrong", i);
		wire[i] ^= 0x01;
	}

	/* A zeroed tee_info_hash is rejected (the explicit != 0 rule cannot be
	 * told apart from the mismatch here: no TDINFO hashes to zero). */
	bad = good;
	memset(bad.mac.tee_info_hash, 0, 48);
	assert_int_equal(migtd_tdreport_check_integrity(&bad), MIGTD_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offsets_hand_built),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_build_places_fields),
		cmocka_unit_test(test_part_parsers),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_build_nospace),
		cmocka_unit_test(test_vector_go_tdx_guest),
		cmocka_unit_test(test_le64_and_type),
		cmocka_unit_test(test_hashes_vs_oracle),
		cmocka_unit_test(test_integrity_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
