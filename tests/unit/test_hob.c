/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for the migration request HOB list (docs/protocol.md §2.3): field offsets
 * against hand-built bytes, the upstream fuzz seed, builder round trips and
 * every walk/validation rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "migtd/hob.h"
#include "support/testutil.h"

#define SEED_HOB "upstream/src/migtd/fuzz/seeds/migration_info_hob/hob"

static void put16(uint8_t *p, uint16_t v)
{
	migtd_wire_put_u16(p, v);
}
static void put32(uint8_t *p, uint32_t v)
{
	migtd_wire_put_u32(p, v);
}
static void put64(uint8_t *p, uint64_t v)
{
	migtd_wire_put_u64(p, v);
}

/* A GUID HOB by hand at buf+off: returns the next 8-aligned offset. */
static size_t hand_guid_hob(uint8_t *buf, size_t off, const struct migtd_guid *g,
			    const uint8_t *data, size_t n)
{
	put16(buf + off, HOB_TYPE_GUID_EXTENSION);
	put16(buf + off + 2, (uint16_t)(24 + n));
	put32(buf + off + 4, 0);
	memcpy(buf + off + 8, g->b, 16);
	if (n)
		memcpy(buf + off + 24, data, n);
	return off + ((24 + n + 7) & ~(size_t)7);
}

static size_t hand_end_hob(uint8_t *buf, size_t off)
{
	put16(buf + off, HOB_TYPE_END_OF_HOB_LIST);
	put16(buf + off + 2, 24);
	memset(buf + off + 4, 0, 20);
	return off + 24;
}

/* MigtdMigrationInformation with a distinct value in every field (72 bytes). */
static void hand_mig_info(uint8_t d[72])
{
	memset(d, 0, 72);
	put64(d + 0, 0x1122334455667788ull); /* mig_request_id */
	d[8] = 1;                            /* migration_source */
	d[9] = 0;                            /* has_init_data */
	put64(d + 16, 0xA1ull);              /* target_td_uuid[0..3] */
	put64(d + 24, 0xA2ull);
	put64(d + 32, 0xA3ull);
	put64(d + 40, 0xA4ull);
	put64(d + 48, 0xB0B1B2B3B4B5B6B7ull); /* binding_handle */
	put64(d + 56, 0xC0ull);               /* mig_policy_id */
	put64(d + 64, 0xD0ull);               /* communication_id */
}

static void hand_socket(uint8_t d[24])
{
	put64(d + 0, 0xE0ull);        /* communication_id */
	put64(d + 8, 0x100000021ull); /* mig_td_cid */
	put32(d + 16, 40001);         /* mig_channel_port */
	put32(d + 20, 40002);         /* quote_service_port */
}

/* A valid list: mig info, socket, policy("abc"), end. Returns its length. */
static size_t hand_list(uint8_t *buf, size_t cap)
{
	uint8_t mi[72], so[24], po[16 + 3];
	size_t off = 0;

	memset(buf, 0, cap);
	hand_mig_info(mi);
	hand_socket(so);
	memset(po, 0, sizeof(po));
	put64(po, 0x77);
	put32(po + 8, 3);
	memcpy(po + 16, "abc", 3);
	off = hand_guid_hob(buf, off, &migtd_hob_guid_migration_information, mi, sizeof(mi));
	off = hand_guid_hob(buf, off, &migtd_hob_guid_stream_socket_info, so, sizeof(so));
	off = hand_guid_hob(buf, off, &migtd_hob_guid_migpolicy, po, sizeof(po));
	return hand_end_hob(buf, off);
}

static void test_guid_bytes(void **state)
{
	(void)state;
	uint8_t g[16];

	tu_unhex("98e3b54299a1304dbefcc75ac3da5d7c", g, sizeof(g));
	assert_memory_equal(g, migtd_hob_guid_migration_information.b, 16);
	tu_unhex("9d3b107a2b555f48bb4c2f3d2e8b1e0e", g, sizeof(g));
	assert_memory_equal(g, migtd_hob_guid_stream_socket_info.b, 16);
	tu_unhex("1a774fd6c9f0334d998b0e3d8b940a61", g, sizeof(g));
	assert_memory_equal(g, migtd_hob_guid_migpolicy.b, 16);
}

static void test_fields_at_offsets(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct migtd_migration_request req;

	/* Parse a list longer than its content (a page tail), as MigTD does. */
	size_t n = hand_list(buf, sizeof(buf));
	assert_true(n < sizeof(buf));
	assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf), HOB_MODE_DEFAULT, true,
							   &req),
			 MIGTD_OK);
	assert_true(req.info.mig_request_id == 0x1122334455667788ull);
	assert_int_equal(req.info.migration_source, 1);
	assert_int_equal(req.info.has_init_data, 0);
	assert_true(req.info.target_td_uuid[0] == 0xA1 && req.info.target_td_uuid[3] == 0xA4);
	assert_true(req.info.binding_handle == 0xB0B1B2B3B4B5B6B7ull);
	assert_true(req.info.mig_policy_id == 0xC0 && req.info.communication_id == 0xD0);
	assert_true(req.has_socket_info);
	assert_true(req.socket_info.communication_id == 0xE0);
	assert_true(req.socket_info.mig_td_cid == 0x100000021ull);
	assert_int_equal(req.socket_info.mig_channel_port, 40001);
	assert_int_equal(req.socket_info.quote_service_port, 40002);
	assert_true(req.has_policy);
	assert_true(req.policy.mig_policy_id == 0x77);
	assert_int_equal(req.policy.mig_policy_size, 3);
	assert_memory_equal(req.policy.policy, "abc", 3);
	/* The policy view points into the caller's buffer, after the 24+16 headers. */
	assert_ptr_equal(req.policy.policy, buf + 96 + 48 + 40);
	/* Strict mode accepts it too (72 bytes, reserved zero). */
	assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf), HOB_MODE_STRICT, true,
							   &req),
			 MIGTD_OK);
}

/* The builder produces exactly the hand-built bytes. */
static void test_builder_matches_hand_bytes(void **state)
{
	(void)state;
	uint8_t hand[512], built[512];
	struct migtd_migration_request req, back;
	size_t n, m;

	n = hand_list(hand, sizeof(hand));
	assert_int_equal(migtd_hob_parse_migration_request(hand, sizeof(hand), HOB_MODE_DEFAULT,
							   true, &req),
			 MIGTD_OK);
	memset(built, 0xEE, sizeof(built));
	assert_int_equal(migtd_hob_build_migration_request(built, sizeof(built), &req, &m),
			 MIGTD_OK);
	assert_int_equal(m, n);
	assert_memory_equal(built, hand, n);
	/* Round trip on the exact length (the end HOB reaches the end: ignored, fine). */
	assert_int_equal(migtd_hob_parse_migration_request(built, m, HOB_MODE_STRICT, true, &back),
			 MIGTD_OK);
	assert_memory_equal(&back.info, &req.info, sizeof(req.info));
	assert_memory_equal(&back.socket_info, &req.socket_info, sizeof(req.socket_info));
	assert_memory_equal(back.policy.policy, "abc", 3);
	/* Too small an output buffer at every size. */
	for (size_t cap = 0; cap < n; cap++)
		assert_int_equal(migtd_hob_build_migration_request(built, cap, &req, &m),
				 MIGTD_ERR_NOSPACE);
}

static void test_roundtrip_init_data(void **state)
{
	(void)state;
	static uint8_t buf[1024];
	struct migtd_migration_request req, back;
	size_t n;

	memset(&req, 0, sizeof(req));
	req.info.mig_request_id = 9;
	req.info.has_init_data = 1;
	for (size_t i = 0; i < MIGTD_TD_INFO_LEN; i++)
		req.info.init_td_info[i] = (uint8_t)i;
	req.has_socket_info = true;
	req.socket_info.mig_td_cid = 3;
	assert_int_equal(migtd_hob_build_migration_request(buf, sizeof(buf), &req, &n), MIGTD_OK);
	/* mig info HOB length = 24 + 584 = 608 at offset 2 */
	assert_int_equal(migtd_wire_get_u16(buf + 2), 608);
	assert_int_equal(migtd_hob_parse_migration_request(buf, n, HOB_MODE_STRICT, true, &back),
			 MIGTD_OK);
	assert_memory_equal(back.info.init_td_info, req.info.init_td_info, MIGTD_TD_INFO_LEN);
	assert_false(back.has_policy);
	/* The default build reads only the first 72 bytes: no init data. */
	assert_int_equal(migtd_hob_parse_migration_request(buf, n, HOB_MODE_DEFAULT, true, &back),
			 MIGTD_OK);
	assert_int_equal(back.info.has_init_data, 1);
	assert_int_equal(back.info.init_td_info[1], 0);
}

/*
 * The upstream fuzz seed: upstream's harness feeds it to read_mig_info()
 * (default build, virtio-vsock) and gets Some: mig info (id 0, source 1),
 * socket info (all zero), policy (id 0, 64 zero bytes), end HOB at 0xF8.
 */
static void test_upstream_seed(void **state)
{
	(void)state;
	size_t len;
	uint8_t *seed = tu_read_vector(SEED_HOB, &len);
	struct migtd_migration_request req, mine;
	uint8_t built[512];
	size_t n;

	assert_int_equal(len, 1024);
	assert_int_equal(migtd_hob_parse_migration_request(seed, len, HOB_MODE_DEFAULT, true, &req),
			 MIGTD_OK);
	assert_true(req.info.mig_request_id == 0);
	assert_int_equal(req.info.migration_source, 1);
	assert_true(req.has_socket_info);
	assert_true(req.socket_info.mig_td_cid == 0 && req.socket_info.mig_channel_port == 0);
	assert_true(req.has_policy);
	assert_int_equal(req.policy.mig_policy_size, 64);
	assert_ptr_equal(req.policy.policy, seed + 0x90 + 24 + 16);
	assert_int_equal(migtd_hob_parse_migration_request(seed, len, HOB_MODE_STRICT, true, &req),
			 MIGTD_OK);

	/* Our builder reproduces the seed's 0x110 meaningful bytes exactly. */
	memset(&mine, 0, sizeof(mine));
	mine.info.migration_source = 1;
	mine.has_socket_info = true;
	mine.has_policy = true;
	mine.policy.mig_policy_size = 64;
	mine.policy.policy = seed + 0x200; /* 64 zero bytes */
	assert_int_equal(migtd_hob_build_migration_request(built, sizeof(built), &mine, &n),
			 MIGTD_OK);
	assert_int_equal(n, 0x110);
	assert_memory_equal(built, seed, n);
	for (size_t i = n; i < len; i++)
		assert_int_equal(seed[i], 0);

	/*
	 * Truncated at every length: mig info (0..96) counts only if 96 < L,
	 * socket (96..144) only if 144 < L, policy (144..248) only if 248 < L.
	 */
	for (size_t l = 0; l <= 0x110; l++) {
		int err = migtd_hob_parse_migration_request(seed, l, HOB_MODE_DEFAULT, true, &req);

		if (l <= 144) {
			assert_int_equal(err, MIGTD_ERR_INVALID);
		} else {
			assert_int_equal(err, MIGTD_OK);
			assert_int_equal(req.has_policy, l > 248);
		}
		/* Without the socket requirement, 96 < L suffices. */
		err = migtd_hob_parse_migration_request(seed, l, HOB_MODE_DEFAULT, false, &req);
		assert_int_equal(err, l <= 96 ? MIGTD_ERR_INVALID : MIGTD_OK);
	}
	free(seed);
}

static void test_walk_stop_lengths(void **state)
{
	(void)state;
	static uint8_t buf[0x10000 + 64];
	struct migtd_migration_request req;
	static const uint16_t stops[] = { 0, 0xFFF9, 0xFFFF };
	uint8_t mi[72];

	hand_mig_info(mi);
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
		hand_list(buf, sizeof(buf));
		put16(buf + 2, stops[i]); /* first HOB's length */
		assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf),
								   HOB_MODE_DEFAULT, false, &req),
				 MIGTD_ERR_INVALID);
	}
	/* A stop in the middle (socket HOB length 0): what came before counts, the
	 * rest is never examined, even an unknown type behind it. */
	hand_list(buf, sizeof(buf));
	put16(buf + 96 + 2, 0);
	put16(buf + 144, 3);
	assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf), HOB_MODE_DEFAULT,
							   false, &req),
			 MIGTD_OK);
	assert_false(req.has_socket_info);
	assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf), HOB_MODE_DEFAULT, true,
							   &req),
			 MIGTD_ERR_INVALID);

	/* 0xFFF8 is the largest length walked: data 0xFFE0 bytes. */
	memset(buf, 0, sizeof(buf));
	{
		size_t off = hand_guid_hob(buf, 0, &migtd_hob_guid_migration_information, mi,
					   sizeof(mi));
		(void)off;
	}
	put16(buf + 2, 0xFFF8);
	assert_int_equal(migtd_hob_parse_migration_request(buf, 0xFFF8 + 1, HOB_MODE_DEFAULT, false,
							   &req),
			 MIGTD_OK);
	assert_true(req.info.binding_handle == 0xB0B1B2B3B4B5B6B7ull);
	/* ... but the end of that HOB must lie strictly inside the buffer. */
	assert_int_equal(migtd_hob_parse_migration_request(buf, 0xFFF8, HOB_MODE_DEFAULT, false,
							   &req),
			 MIGTD_ERR_INVALID);
	/* Strict mode: 0xFFE0 data bytes is neither 72 nor 584. */
	assert_int_equal(migtd_hob_parse_migration_request(buf, 0xFFF8 + 1, HOB_MODE_STRICT, false,
							   &req),
			 MIGTD_ERR_LENGTH);
}

static void test_alignment(void **state)
{
	(void)state;
	uint8_t buf[512], mi[73], so[24];
	struct migtd_migration_request req;
	size_t off;

	memset(buf, 0xCC, sizeof(buf)); /* padding bytes are never read */
	hand_mig_info(mi);
	mi[72] = 0x5A;
	hand_socket(so);
	off = hand_guid_hob(buf, 0, &migtd_hob_guid_migration_information, mi, sizeof(mi));
	assert_int_equal(off, 104); /* 97 rounded up */
	off = hand_guid_hob(buf, off, &migtd_hob_guid_stream_socket_info, so, sizeof(so));
	hand_end_hob(buf, off);
	assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf), HOB_MODE_DEFAULT, true,
							   &req),
			 MIGTD_OK);
	assert_int_equal(req.socket_info.mig_channel_port, 40001);
	/* Strict mode: 73 bytes is not a valid length. */
	assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf), HOB_MODE_STRICT, true,
							   &req),
			 MIGTD_ERR_LENGTH);
	/* If the next HOB were read at 97 (no rounding) it would be garbage. */
	memset(buf + 97, 0, 7);
	assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf), HOB_MODE_DEFAULT, true,
							   &req),
			 MIGTD_OK);
}

static void test_duplicates_and_unknown(void **state)
{
	(void)state;
	uint8_t buf[1024], mi[72], so[24], po[16];
	const struct migtd_guid *known[] = { &migtd_hob_guid_migration_information,
					     &migtd_hob_guid_stream_socket_info,
					     &migtd_hob_guid_migpolicy };
	struct migtd_migration_request req;
	struct migtd_guid unknown;
	size_t off;

	hand_mig_info(mi);
	hand_socket(so);
	memset(po, 0, sizeof(po));
	for (size_t i = 0; i < 3; i++) {
		memset(buf, 0, sizeof(buf));
		off = hand_guid_hob(buf, 0, &migtd_hob_guid_migration_information, mi, sizeof(mi));
		off = hand_guid_hob(buf, off, &migtd_hob_guid_stream_socket_info, so, sizeof(so));
		off = hand_guid_hob(buf, off, &migtd_hob_guid_migpolicy, po, sizeof(po));
		off = hand_guid_hob(buf, off, known[i],
				    i == 0   ? mi
				    : i == 1 ? so
					     : po,
				    i == 0   ? sizeof(mi)
				    : i == 1 ? sizeof(so)
					     : sizeof(po));
		hand_end_hob(buf, off);
		assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf),
								   HOB_MODE_DEFAULT, true, &req),
				 MIGTD_ERR_GUID);
	}
	/* Unknown GUID, even one bit off a known one. */
	unknown = migtd_hob_guid_stream_socket_info;
	unknown.b[15] ^= 1;
	memset(buf, 0, sizeof(buf));
	off = hand_guid_hob(buf, 0, &migtd_hob_guid_migration_information, mi, sizeof(mi));
	off = hand_guid_hob(buf, off, &unknown, so, sizeof(so));
	hand_end_hob(buf, off);
	assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf), HOB_MODE_DEFAULT,
							   false, &req),
			 MIGTD_ERR_GUID);
	/* Unknown HOB types (resource descriptor 3, handoff 1, 0) reject the list. */
	static const uint16_t types[] = { 0x0001, 0x0003, 0x0000, 0xFFFE };
	for (size_t i = 0; i < 4; i++) {
		hand_list(buf, sizeof(buf));
		put16(buf + 96, types[i]);
		assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf),
								   HOB_MODE_DEFAULT, false, &req),
				 MIGTD_ERR_INVALID);
	}
	/* An end HOB first: nothing after it counts. */
	memset(buf, 0, sizeof(buf));
	off = hand_end_hob(buf, 0);
	hand_guid_hob(buf, off, &migtd_hob_guid_migration_information, mi, sizeof(mi));
	assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf), HOB_MODE_DEFAULT,
							   false, &req),
			 MIGTD_ERR_INVALID);
	/* An empty buffer. */
	assert_int_equal(migtd_hob_parse_migration_request(buf, 0, HOB_MODE_DEFAULT, false, &req),
			 MIGTD_ERR_INVALID);
}

static void test_short_guid_hobs(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct migtd_migration_request req;
	size_t n;

	/* Mig info HOB with length 20 (< 24, rounds up to 24 so the walk goes on):
	 * its data is unavailable -> the mandatory HOB counts as missing. */
	n = hand_list(buf, sizeof(buf));
	(void)n;
	memmove(buf + 24, buf + 96, 512 - 96);
	put16(buf + 2, 20);
	assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf), HOB_MODE_DEFAULT,
							   false, &req),
			 MIGTD_ERR_INVALID);
	/* Length 16: the next header lands inside its own GUID (type 0xFCBE). */
	hand_list(buf, sizeof(buf));
	put16(buf + 2, 16);
	assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf), HOB_MODE_DEFAULT,
							   false, &req),
			 MIGTD_ERR_INVALID);

	/* Policy HOB shorter than 24: ignored, not rejected. */
	memset(buf, 0, sizeof(buf));
	{
		uint8_t mi[72], so[24];
		size_t off;

		hand_mig_info(mi);
		hand_socket(so);
		off = hand_guid_hob(buf, 0, &migtd_hob_guid_migration_information, mi, sizeof(mi));
		off = hand_guid_hob(buf, off, &migtd_hob_guid_stream_socket_info, so, sizeof(so));
		off = hand_guid_hob(buf, off, &migtd_hob_guid_migpolicy, NULL, 0);
		put16(buf + off - 24 + 2, 20);
		hand_end_hob(buf, off);
		assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf),
								   HOB_MODE_DEFAULT, true, &req),
				 MIGTD_OK);
		assert_false(req.has_policy);

		/* Socket HOB with 23 data bytes: socket info missing (vsock) / absent. */
		memset(buf, 0, sizeof(buf));
		off = hand_guid_hob(buf, 0, &migtd_hob_guid_migration_information, mi, sizeof(mi));
		off = hand_guid_hob(buf, off, &migtd_hob_guid_stream_socket_info, so, 23);
		hand_end_hob(buf, off);
		assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf),
								   HOB_MODE_DEFAULT, true, &req),
				 MIGTD_ERR_INVALID);
		assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf),
								   HOB_MODE_DEFAULT, false, &req),
				 MIGTD_OK);
		assert_false(req.has_socket_info);
		/* A partial read leaves nothing behind (found by fuzz_hob). */
		assert_true(req.socket_info.communication_id == 0 &&
			    req.socket_info.mig_td_cid == 0);

		/* A GUID HOB of length 8 whose GUID would run past the buffer end:
		 * upstream rejects the whole list. */
		memset(buf, 0, sizeof(buf));
		off = hand_guid_hob(buf, 0, &migtd_hob_guid_migration_information, mi, sizeof(mi));
		put16(buf + off, HOB_TYPE_GUID_EXTENSION);
		put16(buf + off + 2, 8);
		for (size_t tail = 9; tail < 24; tail++)
			assert_int_equal(migtd_hob_parse_migration_request(buf, off + tail,
									   HOB_MODE_DEFAULT, false,
									   &req),
					 MIGTD_ERR_TRUNCATED);
	}
}

static void test_policy_malformed_ignored(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct migtd_migration_request req;

	hand_list(buf, sizeof(buf));
	/* mig_policy_size at policy data offset 8: 3 -> 4 (one byte more than present) */
	put32(buf + 144 + 24 + 8, 4);
	assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf), HOB_MODE_DEFAULT, true,
							   &req),
			 MIGTD_OK);
	assert_false(req.has_policy);
	assert_null(req.policy.policy);
	put32(buf + 144 + 24 + 8, 0xFFFFFFFF); /* overflow bait */
	assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf), HOB_MODE_DEFAULT, true,
							   &req),
			 MIGTD_OK);
	assert_false(req.has_policy);
	/* Policy padding bytes are not checked (upstream reads a C struct). */
	put32(buf + 144 + 24 + 8, 3);
	put32(buf + 144 + 24 + 12, 0xFFFFFFFF);
	assert_int_equal(migtd_hob_parse_migration_request(buf, sizeof(buf), HOB_MODE_DEFAULT, true,
							   &req),
			 MIGTD_OK);
	assert_true(req.has_policy);
}

static void test_mig_info_modes(void **state)
{
	(void)state;
	uint8_t d[600];
	struct migtd_migration_information mi;

	memset(d, 0, sizeof(d));
	hand_mig_info(d);
	/* Default: >= 72, nothing else checked. */
	for (size_t l = 0; l < 72; l++)
		assert_int_equal(migtd_hob_mig_info_parse(d, l, HOB_MIG_INFO_DEFAULT, &mi),
				 MIGTD_ERR_TRUNCATED);
	d[10] = 0xFF; /* reserved */
	d[9] = 7;     /* has_init_data */
	assert_int_equal(migtd_hob_mig_info_parse(d, 100, HOB_MIG_INFO_DEFAULT, &mi), MIGTD_OK);
	assert_int_equal(mi.has_init_data, 7);
	assert_int_equal(mi.reserved[0], 0xFF);
	/* Strict: reserved must be zero (each of the 6 bytes). */
	d[9] = 0;
	for (size_t i = 10; i < 16; i++) {
		memset(d + 10, 0, 6);
		d[i] = 0x01;
		assert_int_equal(migtd_hob_mig_info_parse(d, 72, HOB_MIG_INFO_STRICT, &mi),
				 MIGTD_ERR_RESERVED);
	}
	memset(d + 10, 0, 6);
	assert_int_equal(migtd_hob_mig_info_parse(d, 72, HOB_MIG_INFO_STRICT, &mi), MIGTD_OK);
	for (size_t l = 0; l < sizeof(d); l++)
		if (l != 72 && l != 584)
			assert_int_equal(migtd_hob_mig_info_parse(d, l, HOB_MIG_INFO_STRICT, &mi),
					 MIGTD_ERR_LENGTH);
	d[9] = 2;
	assert_int_equal(migtd_hob_mig_info_parse(d, 72, HOB_MIG_INFO_STRICT, &mi),
			 MIGTD_ERR_INVALID);
	d[9] = 1; /* says init data follows but length 72 */
	assert_int_equal(migtd_hob_mig_info_parse(d, 72, HOB_MIG_INFO_STRICT, &mi),
			 MIGTD_ERR_INVALID);
	d[72] = 0xAB;
	d[583] = 0xCD;
	assert_int_equal(migtd_hob_mig_info_parse(d, 584, HOB_MIG_INFO_STRICT, &mi), MIGTD_OK);
	assert_int_equal(mi.init_td_info[0], 0xAB);
	assert_int_equal(mi.init_td_info[511], 0xCD);
	d[9] = 0; /* 584 bytes but no init data flag */
	assert_int_equal(migtd_hob_mig_info_parse(d, 584, HOB_MIG_INFO_STRICT, &mi),
			 MIGTD_ERR_INVALID);

	/* vmcall-raw layout: 56 bytes, no policy id / communication id. */
	assert_int_equal(migtd_hob_mig_info_parse(d, 56, HOB_MIG_INFO_RAW, &mi), MIGTD_OK);
	assert_true(mi.binding_handle == 0xB0B1B2B3B4B5B6B7ull);
	assert_true(mi.mig_policy_id == 0 && mi.communication_id == 0);
	assert_int_equal(migtd_hob_mig_info_parse(d, 57, HOB_MIG_INFO_RAW, &mi), MIGTD_ERR_LENGTH);
	assert_int_equal(migtd_hob_mig_info_parse(d, 568, HOB_MIG_INFO_RAW, &mi), MIGTD_ERR_LENGTH);
	d[9] = 1;
	assert_int_equal(migtd_hob_mig_info_parse(d, 56, HOB_MIG_INFO_RAW, &mi), MIGTD_ERR_INVALID);
	assert_int_equal(migtd_hob_mig_info_parse(d, 56, HOB_MIG_INFO_RAW_V2, &mi),
			 MIGTD_ERR_INVALID);
	d[56] = 0x42;
	assert_int_equal(migtd_hob_mig_info_parse(d, 568, HOB_MIG_INFO_RAW_V2, &mi), MIGTD_OK);
	assert_int_equal(mi.init_td_info[0], 0x42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guid_bytes),
		cmocka_unit_test(test_fields_at_offsets),
		cmocka_unit_test(test_builder_matches_hand_bytes),
		cmocka_unit_test(test_roundtrip_init_data),
		cmocka_unit_test(test_upstream_seed),
		cmocka_unit_test(test_walk_stop_lengths),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_duplicates_and_unknown),
		cmocka_unit_test(test_short_guid_hobs),
		cmocka_unit_test(test_policy_malformed_ignored),
		cmocka_unit_test(test_mig_info_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
