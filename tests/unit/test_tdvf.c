/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for TDVF metadata and the binding measurements (docs/protocol.md §9.2-§9.6):
 * the RTMR values of the derived vectors reproduced from the vector files
 * (through a CFV), MRTD of a hand-built image against a whole-stream SHA-384
 * the test assembles itself from the §9.6 text, both metadata location paths,
 * every metadata rejection, TDINFO layout, the SERVTD_ATTR ignore bits and
 * SERVTD_HASH's 58-byte input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha512.h>

#include "migtd/cfv.h"
#include "migtd/tdvf.h"
#include "support/testutil.h"

/* ---- a hand-built image (the test's own generator) ---------------------- */

#define IMG_LEN 0x8000u
#define IMG_BASE (0x100000000ull - IMG_LEN)
#define META_OFF 0x6000u
#define NSEC 6

static const uint8_t meta_guid[16] = { 0xf3, 0xf9, 0xea, 0xe9, 0x8e, 0x16, 0xd5, 0x44,
				       0xa8, 0xeb, 0x7f, 0x4d, 0x87, 0x38, 0xf6, 0xae };
static const uint8_t footer_guid[16] = { 0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
					 0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d };
static const uint8_t tdx_guid[16] = { 0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47,
				      0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2 };

struct sec {
	uint32_t off, raw;
	uint64_t gpa, mem;
	uint32_t type, attr;
};

static const struct sec secs[NSEC] = {
	{ 0x6000, 0x2000, IMG_BASE + 0x6000, 0x2000, 0, 1 }, /* BFV */
	{ 0x6000, 0x1000, 0, 0, 7, 0 },                      /* TdInfo */
	{ 0x2000, 0x1100, IMG_BASE + 0x2000, 0x2000, 5, 1 }, /* Payload, raw ends mid-page */
	{ 0x0000, 0x2000, IMG_BASE, 0x2000, 1, 0 },          /* CFV: PAGE.ADD only */
	{ 0, 0, IMG_BASE + 0x4000, 0x1000, 3, 0 },           /* TempMem */
	{ 0, 0, 0, 0x10000, 4, 2 },                          /* PermMem: PAGE_AUG */
};

static void sec_write(uint8_t *p, const struct sec *s)
{
	migtd_wire_put_u32(p, s->off);
	migtd_wire_put_u32(p + 4, s->raw);
	migtd_wire_put_u64(p + 8, s->gpa);
	migtd_wire_put_u64(p + 16, s->mem);
	migtd_wire_put_u32(p + 24, s->type);
	migtd_wire_put_u32(p + 28, s->attr);
}

/* Offset of section i's entry in the image. */
#define SEC_AT(i) (META_OFF + 32u + 32u * (unsigned)(i))

static uint8_t *make_image(bool legacy)
{
	uint8_t *img = malloc(IMG_LEN);
	size_t end;

	for (size_t i = 0; i < IMG_LEN; i++)
		img[i] = (uint8_t)(i * 31 + 7 + (i >> 8));
	memcpy(img + META_OFF, meta_guid, 16);
	memcpy(img + META_OFF + 16, "TDVF", 4);
	migtd_wire_put_u32(img + META_OFF + 20, 16 + 32 * NSEC);
	migtd_wire_put_u32(img + META_OFF + 24, 1);
	migtd_wire_put_u32(img + META_OFF + 28, NSEC);
	for (int i = 0; i < NSEC; i++)
		sec_write(img + SEC_AT(i), &secs[i]);
	if (legacy) {
		memset(img + IMG_LEN - 0x30, 0, 16);
		migtd_wire_put_u32(img + IMG_LEN - 0x20, META_OFF + 16);
		return img;
	}
	/* OVMF table ending at the footer: [TDX entry][foreign entry][len][footer GUID]. */
	end = IMG_LEN - 0x32;
	/* foreign entry: 5 data bytes + len + GUID (23 bytes) */
	memset(img + end - 23, 0x11, 5);
	migtd_wire_put_u16(img + end - 18, 23);
	memset(img + end - 16, 0x22, 16);
	end -= 23;
	migtd_wire_put_u32(img + end - 22, IMG_LEN - (META_OFF + 16));
	migtd_wire_put_u16(img + end - 18, 22);
	memcpy(img + end - 16, tdx_guid, 16);
	migtd_wire_put_u16(img + IMG_LEN - 0x32, 23 + 22 + 18);
	memcpy(img + IMG_LEN - 0x30, footer_guid, 16);
	return img;
}

/* ---- the expected MRTD, as one SHA-384 over the whole §9.6 stream ------- */

struct stream {
	uint8_t *b;
	size_t n, cap;
};

static void put(struct stream *s, const void *p, size_t n)
{
	if (s->n + n > s->cap) {
		s->cap = (s->n + n) * 2;
		s->b = realloc(s->b, s->cap);
	}
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void block(struct stream *s, const char *tag, uint64_t gpa)
{
	uint8_t b[128] = { 0 };

	memcpy(b, tag, strlen(tag));
	for (int i = 0; i < 8; i++)
		b[16 + i] = (uint8_t)(gpa >> (8 * i));
	put(s, b, 128);
}

static void expected_mrtd(const uint8_t *img, uint8_t out[48])
{
	struct stream s = { 0 };
	uint8_t d[64];

	for (int i = 0; i < NSEC; i++) {
		const struct sec *x = &secs[i];
		uint8_t *data = calloc(1, x->mem + 1);

		memcpy(data, img + x->off, x->raw < x->mem ? x->raw : x->mem);
		for (uint64_t k = 0; k < x->mem / 4096; k++) {
			if (!(x->attr & 2))
				block(&s, "MEM.PAGE.ADD", x->gpa + k * 4096);
			if (x->attr & 1)
				for (int c = 0; c < 16; c++) {
					block(&s, "MR.EXTEND",
					      x->gpa + k * 4096 + 256u * (unsigned)c);
					put(&s, data + k * 4096 + 256u * (unsigned)c, 256);
				}
		}
		free(data);
	}
	assert_int_equal(mbedtls_sha512(s.b, s.n, d, 1), 0);
	memcpy(out, d, 48);
	free(s.b);
}

static void test_locate_and_parse(void **state)
{
	(void)state;
	for (int legacy = 0; legacy < 2; legacy++) {
		uint8_t *img = make_image(legacy);
		struct tdvf_metadata md;
		size_t off;
		bool via;

		assert_int_equal(migtd_tdvf_locate(img, IMG_LEN, &off, &via), MIGTD_OK);
		assert_int_equal(off, META_OFF);
		assert_int_equal(via, !legacy);
		assert_int_equal(migtd_tdvf_parse(img, IMG_LEN, &md), MIGTD_OK);
		assert_int_equal(md.number_of_sections, NSEC);
		assert_int_equal(md.length, 16 + 32 * NSEC);
		for (int i = 0; i < NSEC; i++) {
			assert_int_equal(md.sections[i].data_offset, secs[i].off);
			assert_int_equal(md.sections[i].raw_size, secs[i].raw);
			assert_int_equal(md.sections[i].gpa, secs[i].gpa);
			assert_int_equal(md.sections[i].mem_size, secs[i].mem);
			assert_int_equal(md.sections[i].type, secs[i].type);
			assert_int_equal(md.sections[i].attributes, secs[i].attr);
		}
		assert_ptr_equal(migtd_tdvf_find_section(&md, TDVF_SECTION_CFV), &md.sections[3]);
		assert_null(migtd_tdvf_find_section(&md, TDVF_SECTION_TD_HOB));
		assert_string_equal(migtd_tdvf_section_name(7), "TdInfo");
		assert_string_equal(migtd_tdvf_section_name(9), "?");
		free(img);
	}
}

static void test_mrtd_matches_spec_stream(void **state)
{
	uint8_t *img = make_image(false);
	struct tdvf_metadata md;
	uint8_t want[48], got[48];
	(void)state;

	assert_int_equal(migtd_tdvf_parse(img, IMG_LEN, &md), MIGTD_OK);
	expected_mrtd(img, want);
	assert_int_equal(migtd_tdvf_mrtd(img, IMG_LEN, &md, got), MIGTD_OK);
	assert_memory_equal(got, want, 48);
	/* Bytes past a section's raw data are not measured (zero padding)... */
	img[0x2000 + 0x1100] ^= 0xFF;
	assert_int_equal(migtd_tdvf_mrtd(img, IMG_LEN, &md, got), MIGTD_OK);
	assert_memory_equal(got, want, 48);
	/* ... nor is the CFV (PAGE.ADD only) ... */
	img[0x10] ^= 0xFF;
	assert_int_equal(migtd_tdvf_mrtd(img, IMG_LEN, &md, got), MIGTD_OK);
	assert_memory_equal(got, want, 48);
	/* ... but the last raw byte of the payload is. */
	img[0x2000 + 0x10FF] ^= 0xFF;
	assert_int_equal(migtd_tdvf_mrtd(img, IMG_LEN, &md, got), MIGTD_OK);
	assert_memory_not_equal(got, want, 48);
	free(img);
}

static void test_mrtd_incremental_api(void **state)
{
	struct tdvf_mrtd_ctx ctx;
	struct stream s = { 0 };
	uint8_t chunk[256], d[64], got[48];
	(void)state;

	for (int i = 0; i < 256; i++)
		chunk[i] = (uint8_t)i;
	assert_int_equal(migtd_tdvf_mrtd_init(&ctx), MIGTD_OK);
	assert_int_equal(migtd_tdvf_mrtd_page_add(&ctx, 0xFFFFF000ull), MIGTD_OK);
	assert_int_equal(migtd_tdvf_mrtd_extend(&ctx, 0xFFFFF100ull, chunk), MIGTD_OK);
	assert_int_equal(migtd_tdvf_mrtd_finish(&ctx, got), MIGTD_OK);
	migtd_tdvf_mrtd_free(&ctx);
	block(&s, "MEM.PAGE.ADD", 0xFFFFF000ull);
	block(&s, "MR.EXTEND", 0xFFFFF100ull);
	put(&s, chunk, 256);
	assert_int_equal(s.n, 128 + 128 + 256);
	assert_int_equal(mbedtls_sha512(s.b, s.n, d, 1), 0);
	assert_memory_equal(got, d, 48);
	free(s.b);
}

/* ---- rejections ---------------------------------------------------------- */

static void expect_parse(const uint8_t *img, size_t len, int want)
{
	struct tdvf_metadata md;

	assert_int_equal(migtd_tdvf_parse(img, len, &md), want);
	if (want != MIGTD_OK)
		assert_int_equal(md.number_of_sections, 0);
}

static void test_truncation(void **state)
{
	(void)state;
	for (int legacy = 0; legacy < 2; legacy++) {
		uint8_t *img = make_image(legacy);

		/* Cutting the image moves its end: nothing shorter parses. */
		for (size_t n = 0; n < IMG_LEN; n++) {
			struct tdvf_metadata md;
			uint8_t *copy = malloc(n ? n : 1);

			memcpy(copy, img, n);
			assert_int_not_equal(migtd_tdvf_parse(copy, n, &md), MIGTD_OK);
			free(copy);
		}
		free(img);
	}
}

static void test_locate_rejections(void **state)
{
	uint8_t *img = make_image(false);
	uint8_t *bad = malloc(IMG_LEN);
	size_t off;
	bool via;
	(void)state;

#define MUT(stmt, err)                                                              \
	do {                                                                        \
		memcpy(bad, img, IMG_LEN);                                          \
		stmt;                                                               \
		assert_int_equal(migtd_tdvf_locate(bad, IMG_LEN, &off, &via), err); \
		expect_parse(bad, IMG_LEN, err);                                    \
	} while (0)
	/* table_len smaller than the footer entry, or longer than the image */
	MUT(migtd_wire_put_u16(bad + IMG_LEN - 0x32, 17), MIGTD_ERR_LENGTH);
	MUT(migtd_wire_put_u16(bad + IMG_LEN - 0x32, 0xFFFF), MIGTD_ERR_LENGTH);
	/* an entry length of 0 (upstream loops forever on it) or past the table */
	MUT(migtd_wire_put_u16(bad + IMG_LEN - 0x32 - 18, 0), MIGTD_ERR_LENGTH);
	MUT(migtd_wire_put_u16(bad + IMG_LEN - 0x32 - 18, 200), MIGTD_ERR_LENGTH);
	/* the table ends without the TDX entry */
	MUT(migtd_wire_put_u16(bad + IMG_LEN - 0x32, 23 + 18), MIGTD_ERR_GUID);
	MUT(bad[IMG_LEN - 0x32 - 23 - 1] ^= 1, MIGTD_ERR_GUID);
	/* the TDX entry too short to hold its u32 */
	MUT(migtd_wire_put_u16(bad + IMG_LEN - 0x32 - 23 - 18, 19), MIGTD_ERR_LENGTH);
	/* its value pointing before the start or past the end */
	MUT(migtd_wire_put_u32(bad + IMG_LEN - 0x32 - 23 - 22, IMG_LEN), MIGTD_ERR_LENGTH);
	MUT(migtd_wire_put_u32(bad + IMG_LEN - 0x32 - 23 - 22, 0xFFFFFFFF), MIGTD_ERR_LENGTH);
	MUT(migtd_wire_put_u32(bad + IMG_LEN - 0x32 - 23 - 22, 8), MIGTD_ERR_LENGTH);
	/* legacy pointer: past the end, or before 16 */
	MUT((memset(bad + IMG_LEN - 0x30, 0, 16),
	     migtd_wire_put_u32(bad + IMG_LEN - 0x20, IMG_LEN)),
	    MIGTD_ERR_LENGTH);
	MUT((memset(bad + IMG_LEN - 0x30, 0, 16), migtd_wire_put_u32(bad + IMG_LEN - 0x20, 8)),
	    MIGTD_ERR_LENGTH);
#undef MUT
	/* A located offset whose bytes are not the metadata GUID. */
	memcpy(bad, img, IMG_LEN);
	bad[META_OFF + 15] ^= 1;
	expect_parse(bad, IMG_LEN, MIGTD_ERR_GUID);
	free(img);
	free(bad);
}

static void test_descriptor_and_section_rejections(void **state)
{
	uint8_t *img = make_image(false);
	uint8_t *bad = malloc(IMG_LEN);
	(void)state;

#define MUT(stmt, err)                           \
	do {                                     \
		memcpy(bad, img, IMG_LEN);       \
		stmt;                            \
		expect_parse(bad, IMG_LEN, err); \
	} while (0)
#define S(i, field) (bad + SEC_AT(i) + (field))
	MUT(bad[META_OFF + 16] = 'X', MIGTD_ERR_INVALID);                   /* signature */
	MUT(migtd_wire_put_u32(bad + META_OFF + 24, 2), MIGTD_ERR_INVALID); /* version */
	MUT(migtd_wire_put_u32(bad + META_OFF + 28, 0), MIGTD_ERR_LENGTH);  /* no sections */
	MUT(migtd_wire_put_u32(bad + META_OFF + 28, NSEC + 1),
	    MIGTD_ERR_LENGTH); /* length mismatch */
	MUT(migtd_wire_put_u32(bad + META_OFF + 20, 16 + 32 * NSEC + 1), MIGTD_ERR_LENGTH);
	MUT((migtd_wire_put_u32(bad + META_OFF + 28, TDVF_MAX_SECTIONS + 1),
	     migtd_wire_put_u32(bad + META_OFF + 20, 16 + 32 * (TDVF_MAX_SECTIONS + 1))),
	    MIGTD_ERR_LENGTH);
	/* A descriptor near the end whose sections run past it (legacy pointer). */
	memcpy(bad, img, IMG_LEN);
	memset(bad + IMG_LEN - 0x30, 0, 16);
	memcpy(bad + IMG_LEN - 0x50, meta_guid, 16);
	memcpy(bad + IMG_LEN - 0x40, "TDVF", 4);
	migtd_wire_put_u32(bad + IMG_LEN - 0x3C, 16 + 32 * 2);
	migtd_wire_put_u32(bad + IMG_LEN - 0x38, 1);
	migtd_wire_put_u32(bad + IMG_LEN - 0x34, 2);
	migtd_wire_put_u32(bad + IMG_LEN - 0x20, IMG_LEN - 0x40);
	expect_parse(bad, IMG_LEN, MIGTD_ERR_TRUNCATED);
	MUT(migtd_wire_put_u32(S(2, 24), 9), MIGTD_ERR_INVALID); /* type */
	MUT(migtd_wire_put_u32(S(2, 28), 4), MIGTD_ERR_INVALID); /* unknown attribute */
	MUT(migtd_wire_put_u32(S(2, 28), 3), MIGTD_ERR_INVALID); /* EXTENDMR|PAGE_AUG */
	MUT(migtd_wire_put_u64(S(2, 8), IMG_BASE + 0x2800), MIGTD_ERR_INVALID); /* GPA unaligned */
	MUT(migtd_wire_put_u64(S(2, 16), 0x1800), MIGTD_ERR_INVALID);           /* mem unaligned */
	MUT(migtd_wire_put_u32(S(2, 0), IMG_LEN - 0x1000), MIGTD_ERR_LENGTH); /* raw past the end */
	MUT(migtd_wire_put_u32(S(2, 0), 0xFFFFF000u), MIGTD_ERR_LENGTH);      /* u32 wrap */
	MUT(migtd_wire_put_u32(S(2, 4), 0x2001), MIGTD_ERR_LENGTH);           /* raw > mem */
	MUT(migtd_wire_put_u64(S(4, 8), (1ull << 52) - 0x1000), MIGTD_OK);    /* ends at 2^52 */
	MUT((migtd_wire_put_u64(S(4, 8), (1ull << 52) - 0x1000),
	     migtd_wire_put_u64(S(4, 16), 0x2000)),
	    MIGTD_ERR_LENGTH); /* GPA range too high */
	MUT(migtd_wire_put_u64(S(4, 8), 0xFFFFFFFFFFFFF000ull), MIGTD_ERR_LENGTH); /* wraps */
	MUT(migtd_wire_put_u64(S(4, 8), IMG_BASE + 0x3000),
	    MIGTD_ERR_INVALID); /* overlaps payload */
	MUT(migtd_wire_put_u64(S(5, 8), IMG_BASE - 0x1000),
	    MIGTD_ERR_INVALID); /* AUG overlapping CFV */
	MUT((migtd_wire_put_u64(S(4, 8), 1ull << 40),
	     migtd_wire_put_u64(S(4, 16), (1ull << 30) + 0x1000)),
	    MIGTD_ERR_LENGTH); /* > 1 GiB added */
	MUT((migtd_wire_put_u64(S(4, 8), 1ull << 40),
	     migtd_wire_put_u64(S(4, 16), (1ull << 30) - 0x6000)),
	    MIGTD_OK); /* exactly 1 GiB */
	/* Touching ranges are fine. */
	MUT(migtd_wire_put_u64(S(4, 8), IMG_BASE + 0x5000), MIGTD_OK);
#undef S
#undef MUT
	free(img);
	free(bad);
}

/* ---- RTMRs from the vector files ----------------------------------------- */

/* The idx-th RTMR of the entry key in eventlog_expected_rtmrs.json. */
static void expected_rtmr(const char *json, const char *key, int idx, uint8_t out[48])
{
	const char *p = strstr(json, key);

	assert_non_null(p);
	p = strstr(p, "\"rtmr\": [");
	assert_non_null(p);
	for (int i = 0; i <= idx; i++) {
		p = strchr(p + 1, '"');
		if (i == 0)
			p = strchr(p + 1, '"'); /* skip the closing quote of "rtmr" */
		assert_non_null(p);
		if (i < idx)
			p = strchr(p + 1, '"');
	}
	{
		char hex[97];

		memcpy(hex, p + 1, 96);
		hex[96] = 0;
		assert_int_equal(tu_unhex(hex, out, 48), 48);
	}
}

static void check_rtmrs(const char *json, const char *key, const struct tdvf_enrolled *f,
			unsigned flags)
{
	uint8_t got[4][48], want[48];

	assert_int_equal(migtd_tdvf_rtmrs(f, flags, got), MIGTD_OK);
	for (int i = 0; i < 4; i++) {
		expected_rtmr(json, key, i, want);
		assert_memory_equal(got[i], want, 48);
	}
}

static void test_rtmr_vectors(void **state)
{
	size_t jl, pl, cl, p2l, chl;
	char *json = (char *)tu_read_vector("upstream/derived/eventlog_expected_rtmrs.json", &jl);
	uint8_t *pol = tu_read_vector("upstream/config/policy_production_fmspc.json", &pl);
	uint8_t *ca =
		tu_read_vector("upstream/config/Intel_SGX_Provisioning_Certification_RootCA.cer",
			       &cl);
	uint8_t *pol2 = tu_read_vector("upstream/config/templates/policy_v2_signed.json", &p2l);
	uint8_t *chain = tu_read_vector("upstream/config/templates/policy_issuer_chain.pem", &chl);
	const size_t fv_len = 0x40000;
	uint8_t *fv = malloc(fv_len);
	struct tdvf_enrolled f;
	(void)state;

	/* Policy v1 and the test build: the files go through a CFV and back. */
	{
		struct cfv_input in[2] = { { &migtd_cfv_guid_policy, pol, pl },
					   { &migtd_cfv_guid_root_ca, ca, cl } };

		assert_int_equal(migtd_cfv_build(fv, fv_len, fv_len, in, 2, NULL), MIGTD_OK);
		assert_int_equal(migtd_tdvf_enrolled_from_cfv(fv, fv_len, &f), MIGTD_OK);
		assert_int_equal(f.policy_len, pl);
		assert_int_equal(f.root_ca_len, cl);
		assert_null(f.issuer_chain);
		check_rtmrs(json, "\"eventlog_v1_production.bin\"", &f, 0);
		check_rtmrs(json, "\"eventlog_test_disable_ra.bin\"", &f,
			    TDVF_MEASURE_TEST_DISABLE_RA);
		/* v2 needs the issuer chain. */
		{
			uint8_t r[4][48];

			assert_int_equal(migtd_tdvf_rtmrs(&f, TDVF_MEASURE_POLICY_V2, r),
					 MIGTD_ERR_GUID);
		}
	}
	/* Policy v2 with the template files. */
	{
		struct cfv_input in[2] = { { &migtd_cfv_guid_policy, pol2, p2l },
					   { &migtd_cfv_guid_policy_issuer_chain, chain, chl } };

		assert_int_equal(migtd_cfv_build(fv, fv_len, fv_len, in, 2, NULL), MIGTD_OK);
		assert_int_equal(migtd_tdvf_enrolled_from_cfv(fv, fv_len, &f), MIGTD_OK);
		check_rtmrs(json, "\"eventlog_v2_template.bin\"", &f, TDVF_MEASURE_POLICY_V2);
		/* v1 needs the root CA. */
		{
			uint8_t r[4][48];

			assert_int_equal(migtd_tdvf_rtmrs(&f, 0, r), MIGTD_ERR_GUID);
		}
	}
	/* A broken FV header is an error, not "no files". */
	fv[0x28] = 'X';
	assert_int_equal(migtd_tdvf_enrolled_from_cfv(fv, fv_len, &f), MIGTD_ERR_INVALID);
	free(fv);
	free(json);
	free(pol);
	free(ca);
	free(pol2);
	free(chain);
}

/* ---- TDINFO, SERVTD_ATTR, hashes ----------------------------------------- */

static void fill_tdinfo(struct tdinfo_struct *ti)
{
	struct tdvf_manifest m;
	uint8_t mrtd[48], rtmr[4][48];

	memset(m.attributes, 0xA1, 8);
	memset(m.xfam, 0xA2, 8);
	memset(m.mrconfigid, 0xA3, 48);
	memset(m.mrowner, 0xA4, 48);
	memset(m.mrownerconfig, 0xA5, 48);
	memset(mrtd, 0xA6, 48);
	for (int i = 0; i < 4; i++)
		memset(rtmr[i], 0xB0 + i, 48);
	migtd_tdvf_tdinfo(&m, mrtd, (const uint8_t(*)[48])rtmr, ti);
}

static void test_tdinfo_layout_and_hash(void **state)
{
	struct tdinfo_struct ti;
	uint8_t want[512] = { 0 }, d[64], got[48];
	(void)state;

	fill_tdinfo(&ti);
	memset(want + 0, 0xA1, 8);
	memset(want + 8, 0xA2, 8);
	memset(want + 16, 0xA6, 48);  /* mrtd */
	memset(want + 64, 0xA3, 48);  /* mrconfigid */
	memset(want + 112, 0xA4, 48); /* mrowner */
	memset(want + 160, 0xA5, 48); /* mrownerconfig */
	for (int i = 0; i < 4; i++)
		memset(want + 208 + 48 * i, 0xB0 + i, 48);
	/* 400..511: servtd_hash + reserved, zero */
	assert_int_equal(mbedtls_sha512(want, 512, d, 1), 0);
	assert_int_equal(migtd_tdvf_servtd_info_hash(&ti, got), MIGTD_OK);
	assert_memory_equal(got, d, 48);
}

static void test_servtd_attr_bits(void **state)
{
	struct tdinfo_struct base, ti;
	uint8_t *fields[10];
	size_t sizes[10] = { 8, 8, 48, 48, 48, 48, 48, 48, 48, 48 };
	(void)state;

	fill_tdinfo(&base);
	for (int bit = 0; bit < 64; bit++) {
		ti = base;
		fields[0] = ti.attributes;
		fields[1] = ti.xfam;
		fields[2] = ti.mrtd;
		fields[3] = ti.mrconfigid;
		fields[4] = ti.mrowner;
		fields[5] = ti.mrownerconfig;
		for (int i = 0; i < 4; i++)
			fields[6 + i] = ti.rtmr[i];
		migtd_tdvf_servtd_attr_apply(&ti, 1ull << bit);
		for (int f = 0; f < 10; f++) {
			bool zeroed = bit == 32 + f;
			uint8_t zero[48] = { 0 };

			if (zeroed)
				assert_memory_equal(fields[f], zero, sizes[f]);
			else
				assert_memory_equal(fields[f],
						    (const uint8_t *)&base +
							    (fields[f] - (uint8_t *)&ti),
						    sizes[f]);
		}
	}
	/* All ten at once leave only the zero tail. */
	ti = base;
	migtd_tdvf_servtd_attr_apply(&ti, 0x3FFull << 32);
	{
		static const uint8_t zero[sizeof(ti)];

		assert_memory_equal(&ti, zero, sizeof(ti));
	}
}

static void test_servtd_hash_input(void **state)
{
	uint8_t info[48], buf[58], d[64], got[48];
	(void)state;

	for (int i = 0; i < 48; i++)
		info[i] = (uint8_t)(i + 1);
	memcpy(buf, info, 48);
	buf[48] = 0x00; /* servtd_type 0, LE */
	buf[49] = 0x00;
	for (int i = 0; i < 8; i++) /* servtd_attr 0x0102030405060708, LE */
		buf[50 + i] = (uint8_t)(8 - i);
	assert_int_equal(mbedtls_sha512(buf, sizeof(buf), d, 1), 0);
	assert_int_equal(migtd_tdvf_servtd_hash(info, TDVF_SERVTD_TYPE_MIGTD, 0x0102030405060708ull,
						got),
			 MIGTD_OK);
	assert_memory_equal(got, d, 48);
}

static void test_rtmr_extend(void **state)
{
	uint8_t reg[48] = { 0 }, buf[96], d[64];
	(void)state;

	/* reg = SHA384(reg || SHA384(data)) */
	assert_int_equal(mbedtls_sha512((const uint8_t *)"abc", 3, d, 1), 0);
	memset(buf, 0, 48);
	memcpy(buf + 48, d, 48);
	assert_int_equal(mbedtls_sha512(buf, 96, d, 1), 0);
	assert_int_equal(migtd_tdvf_rtmr_extend(reg, "abc", 3), MIGTD_OK);
	assert_memory_equal(reg, d, 48);
}

/* migtd_tdvf_enroll writes into the image's CFV section (offset 0, 0x2000 bytes)
 * what MigTD reads back, leaves every other byte alone, and refuses files
 * that do not fit. */
static void test_enroll(void **state)
{
	static const uint8_t policy[] = "{\"policy\":1}", anchor[] = { 0x30, 0x82, 0x01, 0x02 };
	uint8_t *img = make_image(false), *orig = malloc(IMG_LEN), big[0x2000] = { 0 };
	struct tdvf_metadata md;
	struct tdvf_enrolled e;
	const uint8_t *cfv;
	size_t cfv_len, off = 99, used = 0;

	(void)state;
	assert_non_null(orig);
	memcpy(orig, img, IMG_LEN);
	assert_int_equal(migtd_tdvf_parse(img, IMG_LEN, &md), MIGTD_OK);
	assert_int_equal(migtd_tdvf_enroll(img, IMG_LEN, &md, policy, sizeof(policy) - 1, anchor,
					   sizeof(anchor), false, &off, &used),
			 MIGTD_OK);
	assert_int_equal(off, 0);
	/* 0x78 header, then two 24-byte headers, 8-aligned. */
	assert_int_equal(used, 0x78 + 24 + 16 + 24 + 4);
	assert_memory_equal(img + 0x2000, orig + 0x2000, IMG_LEN - 0x2000);
	assert_int_equal(migtd_tdvf_cfv_region(img, IMG_LEN, &md, &cfv, &cfv_len), MIGTD_OK);
	assert_int_equal(migtd_tdvf_enrolled_from_cfv(cfv, cfv_len, &e), MIGTD_OK);
	assert_int_equal(e.policy_len, sizeof(policy) - 1);
	assert_memory_equal(e.policy, policy, sizeof(policy) - 1);
	assert_int_equal(e.root_ca_len, sizeof(anchor));
	assert_memory_equal(e.root_ca, anchor, sizeof(anchor));
	assert_null(e.issuer_chain);
	/* v2: the same anchor bytes as the issuer chain, no root CA. */
	assert_int_equal(migtd_tdvf_enroll(img, IMG_LEN, &md, policy, sizeof(policy) - 1, anchor,
					   sizeof(anchor), true, NULL, NULL),
			 MIGTD_OK);
	assert_int_equal(migtd_tdvf_enrolled_from_cfv(cfv, cfv_len, &e), MIGTD_OK);
	assert_null(e.root_ca);
	assert_int_equal(e.issuer_chain_len, sizeof(anchor));
	/* Too large for the 8 KiB CFV: refused, nothing outside the CFV touched. */
	assert_int_equal(migtd_tdvf_enroll(img, IMG_LEN, &md, big, sizeof(big), anchor,
					   sizeof(anchor), false, NULL, NULL),
			 MIGTD_ERR_NOSPACE);
	assert_memory_equal(img + 0x2000, orig + 0x2000, IMG_LEN - 0x2000);
	/* No CFV section: refused. */
	md.sections[3].type = 99;
	assert_int_not_equal(migtd_tdvf_enroll(img, IMG_LEN, &md, policy, sizeof(policy) - 1,
					       anchor, sizeof(anchor), false, NULL, NULL),
			     MIGTD_OK);
	free(orig);
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locate_and_parse),
		cmocka_unit_test(test_mrtd_matches_spec_stream),
		cmocka_unit_test(test_mrtd_incremental_api),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_locate_rejections),
		cmocka_unit_test(test_descriptor_and_section_rejections),
		cmocka_unit_test(test_rtmr_vectors),
		cmocka_unit_test(test_tdinfo_layout_and_hash),
		cmocka_unit_test(test_servtd_attr_bits),
		cmocka_unit_test(test_servtd_hash_input),
		cmocka_unit_test(test_rtmr_extend),
		cmocka_unit_test(test_enroll),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
