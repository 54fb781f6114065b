/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for the GHCI buffers (docs/protocol.md §2.2, §2.4, §2.6): exact bytes of
 * what MigTD builds, every field at its offset, upstream fuzz seeds, round
 * trips and negative cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "migtd/ghci.h"
#include "support/testutil.h"

#define SEED_SERVICE "upstream/src/migtd/fuzz/seeds/service_response/response"
#define SEED_RAW "upstream/src/devices/vmcall_raw/fuzz/seeds/vmcall_raw/seed"

static const char COMMON_HEX[] = "e1c56ffb7833cb4a8964fa5ee43b9c8a";
static const char MIGTD_HEX[] = "30630ee6091e8743a4448f32b8d611e5";

/* ---- constants ----------------------------------------------------------- */

static void test_constants(void **state)
{
	(void)state;
	uint8_t g[16];

	tu_unhex(COMMON_HEX, g, 16);
	assert_memory_equal(g, migtd_ghci_guid_service_common.b, 16);
	tu_unhex(MIGTD_HEX, g, 16);
	assert_memory_equal(g, migtd_ghci_guid_service_migtd.b, 16);
	assert_int_equal(GHCI_VMCALL_SERVICE, 0x10005);
	assert_int_equal(GHCI_VMCALL_MIGTD, 0x10006);
	assert_int_equal(GHCI_VMCALL_GETQUOTE, 0x10002);
	assert_int_equal(GHCI_VECTOR_SERVICE, 0x50);
	assert_int_equal(GHCI_VECTOR_GETQUOTE, 0x51);
	assert_int_equal(GHCI_VECTOR_STREAM, 0x52);
	assert_true(GHCI_RAW_R12(GHCI_RAW_LEAF_RECEIVE) == 0x10004ull);
}

/* ---- Service command / response ----------------------------------------- */

static void test_query_cmd_bytes(void **state)
{
	(void)state;
	uint8_t want[44], buf[64];
	struct ghci_query q;
	size_t n;

	memset(want, 0, sizeof(want));
	tu_unhex(COMMON_HEX, want, 16);
	want[16] = 44;                      /* length */
	tu_unhex(MIGTD_HEX, want + 28, 16); /* version 0, command 0, reserved at 24..27 */
	assert_int_equal(migtd_ghci_query_cmd_build(buf, sizeof(buf), &n), MIGTD_OK);
	assert_int_equal(n, 44);
	assert_memory_equal(buf, want, 44);
	for (size_t cap = 0; cap < 44; cap++)
		assert_int_equal(migtd_ghci_query_cmd_build(buf, cap, &n), MIGTD_ERR_NOSPACE);
	/* VMM side parses it back. */
	assert_int_equal(migtd_ghci_query_cmd_parse(want, 44, &q), MIGTD_OK);
	assert_true(migtd_guid_eq(&q.guid, &migtd_ghci_guid_service_migtd));
	want[25] = 1; /* command */
	assert_int_equal(migtd_ghci_query_cmd_parse(want, 44, &q), MIGTD_ERR_INVALID);
	want[25] = 0;
	want[26] = 1; /* reserved */
	assert_int_equal(migtd_ghci_query_cmd_parse(want, 44, &q), MIGTD_ERR_RESERVED);
	want[26] = 0;
	want[20] = 1; /* header reserved */
	assert_int_equal(migtd_ghci_query_cmd_parse(want, 44, &q), MIGTD_ERR_RESERVED);
}

static void test_migtd_cmd_bytes(void **state)
{
	(void)state;
	uint8_t want[36], buf[64];
	struct ghci_migtd_cmd c;
	size_t n;

	memset(want, 0, sizeof(want));
	tu_unhex(MIGTD_HEX, want, 16);
	want[16] = 28;
	want[25] = 1; /* WaitForRequest */
	assert_int_equal(migtd_ghci_wfr_cmd_build(buf, sizeof(buf), &n), MIGTD_OK);
	assert_int_equal(n, 28);
	assert_memory_equal(buf, want, 28);
	assert_int_equal(migtd_ghci_migtd_cmd_parse(buf, n, &c), MIGTD_OK);
	assert_int_equal(c.command, GHCI_MIGTD_CMD_WAIT_FOR_REQUEST);

	want[25] = 0; /* Shutdown */
	assert_int_equal(migtd_ghci_shutdown_cmd_build(buf, sizeof(buf), &n), MIGTD_OK);
	assert_memory_equal(buf, want, 28);

	want[16] = 36;
	want[25] = 2;
	want[26] = 1; /* operation */
	want[27] = 6; /* status */
	migtd_wire_put_u64(want + 28, 0x0102030405060708ull);
	assert_int_equal(migtd_ghci_report_cmd_build(buf, sizeof(buf), 0x0102030405060708ull, 6,
						     &n),
			 MIGTD_OK);
	assert_int_equal(n, 36);
	assert_memory_equal(buf, want, 36);
	assert_int_equal(migtd_ghci_migtd_cmd_parse(buf, n, &c), MIGTD_OK);
	assert_int_equal(c.status, 6);
	assert_true(c.mig_request_id == 0x0102030405060708ull);
	/* Negative: wrong GUID, wrong length, operation != 1, unknown command. */
	buf[0] ^= 1;
	assert_int_equal(migtd_ghci_migtd_cmd_parse(buf, n, &c), MIGTD_ERR_GUID);
	buf[0] ^= 1;
	buf[26] = 2;
	assert_int_equal(migtd_ghci_migtd_cmd_parse(buf, n, &c), MIGTD_ERR_INVALID);
	buf[26] = 1;
	buf[25] = 3;
	assert_int_equal(migtd_ghci_migtd_cmd_parse(buf, n, &c), MIGTD_ERR_UNSUPPORTED_OP);
	buf[25] = 1; /* WaitForRequest with a 36-byte length */
	assert_int_equal(migtd_ghci_migtd_cmd_parse(buf, n, &c), MIGTD_ERR_LENGTH);
}

static void test_service_cmd_negative(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct ghci_service_cmd c;
	size_t n;

	assert_int_equal(migtd_ghci_wfr_cmd_build(buf, sizeof(buf), &n), MIGTD_OK);
	for (size_t l = 0; l < 20; l++)
		assert_int_equal(migtd_ghci_service_cmd_parse(buf, l, &c), MIGTD_ERR_TRUNCATED);
	for (size_t l = 20; l < n; l++)
		assert_int_equal(migtd_ghci_service_cmd_parse(buf, l, &c), MIGTD_ERR_LENGTH);
	assert_int_equal(migtd_ghci_service_cmd_parse(buf, n, &c), MIGTD_OK);
	assert_int_equal(c.data_len, 4);
	static const uint32_t bad[] = { 0, 23, 29, 0xFFFFFFFFu, 0x80000000u };
	for (size_t i = 0; i < 5; i++) {
		migtd_wire_put_u32(buf + 16, bad[i]);
		assert_int_equal(migtd_ghci_service_cmd_parse(buf, 28, &c), MIGTD_ERR_LENGTH);
	}
}

static void test_service_rsp(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct ghci_service_rsp r;

	/* MigTD pre-fill: GUID, length = buffer size, status. */
	memset(buf, 0xEE, sizeof(buf));
	assert_int_equal(migtd_ghci_service_rsp_prefill(buf, 48, &migtd_ghci_guid_service_migtd,
							0xFFFFFFFFu),
			 MIGTD_OK);
	assert_memory_equal(buf, migtd_ghci_guid_service_migtd.b, 16);
	assert_int_equal(migtd_wire_get_u32(buf + 16), 48);
	assert_int_equal(migtd_wire_get_u32(buf + 20), 0xFFFFFFFFu);
	for (size_t i = 24; i < 48; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[48], 0xEE);

	assert_int_equal(migtd_ghci_service_rsp_parse(buf, 48, &migtd_ghci_guid_service_migtd, &r),
			 MIGTD_OK);
	assert_int_equal(r.length, 48);
	assert_int_equal(r.status, 0xFFFFFFFFu);
	assert_ptr_equal(r.data, buf + 24);
	assert_int_equal(r.data_len, 24);
	/* Data runs to the end of the buffer even when length is shorter. */
	migtd_wire_put_u32(buf + 16, 24);
	assert_int_equal(migtd_ghci_service_rsp_parse(buf, 48, &migtd_ghci_guid_service_migtd, &r),
			 MIGTD_OK);
	assert_int_equal(r.data_len, 24);
	/* length < 24 or > buffer (incl. overflow bait) */
	static const uint32_t bad[] = { 0, 1, 23, 49, 0xFFFFFFFFu, 0xFFFFFFE8u };
	for (size_t i = 0; i < 6; i++) {
		migtd_wire_put_u32(buf + 16, bad[i]);
		assert_int_equal(migtd_ghci_service_rsp_parse(buf, 48,
							      &migtd_ghci_guid_service_migtd, &r),
				 MIGTD_ERR_LENGTH);
	}
	migtd_wire_put_u32(buf + 16, 48);
	for (size_t l = 0; l < 24; l++)
		assert_int_equal(migtd_ghci_service_rsp_parse(buf, l,
							      &migtd_ghci_guid_service_migtd, &r),
				 MIGTD_ERR_TRUNCATED);
	/* Wrong GUID: each byte flipped. */
	for (size_t i = 0; i < 16; i++) {
		buf[i] ^= 0x80;
		assert_int_equal(migtd_ghci_service_rsp_parse(buf, 48,
							      &migtd_ghci_guid_service_migtd, &r),
				 MIGTD_ERR_GUID);
		buf[i] ^= 0x80;
	}
	assert_int_equal(migtd_ghci_service_rsp_parse(buf, 48, &migtd_ghci_guid_service_common, &r),
			 MIGTD_ERR_GUID);
}

static void test_query_rsp(void **state)
{
	(void)state;
	uint8_t buf[4096];
	struct ghci_query q;
	size_t n;

	assert_int_equal(migtd_ghci_query_rsp_build(buf, sizeof(buf), 0,
						    &migtd_ghci_guid_service_migtd, &n),
			 MIGTD_OK);
	assert_int_equal(n, 44);
	assert_int_equal(migtd_wire_get_u32(buf + 16), 44);
	assert_memory_equal(buf + 28, migtd_ghci_guid_service_migtd.b, 16);
	assert_int_equal(migtd_ghci_query_rsp_parse(buf, n, &q), MIGTD_OK);
	for (size_t l = 0; l < 44; l++)
		assert_int_equal(migtd_ghci_query_rsp_parse(buf, l, &q),
				 l < 24 ? MIGTD_ERR_TRUNCATED : MIGTD_ERR_LENGTH);
	/* length 24 in a 43-byte buffer: the header is fine, the data is short. */
	migtd_wire_put_u32(buf + 16, 24);
	assert_int_equal(migtd_ghci_query_rsp_parse(buf, 43, &q), MIGTD_ERR_TRUNCATED);
	migtd_wire_put_u32(buf + 16, 44);
	buf[26] = 1; /* status: not supported */
	assert_int_equal(migtd_ghci_query_rsp_parse(buf, n, &q), MIGTD_ERR_UNSUPPORTED);
	assert_int_equal(migtd_err_status(MIGTD_ERR_UNSUPPORTED), MIGTD_STATUS_UNSUPPORTED);
	buf[26] = 0;
	buf[25] = 1; /* command */
	assert_int_equal(migtd_ghci_query_rsp_parse(buf, n, &q), MIGTD_ERR_INVALID);
	buf[25] = 0;
	buf[43] ^= 1; /* queried GUID */
	assert_int_equal(migtd_ghci_query_rsp_parse(buf, n, &q), MIGTD_ERR_GUID);
	buf[43] ^= 1;
	buf[0] ^= 1; /* service GUID */
	assert_int_equal(migtd_ghci_query_rsp_parse(buf, n, &q), MIGTD_ERR_GUID);
}

/*
 * Upstream's service_response fuzz target: VmcallServiceResponse::try_read,
 * GUID == common, read_data::<ServiceQueryResponse>(0) -> Ok for this seed
 * (48 bytes, length 48, status 0, 24 zero data bytes). The real query()
 * then rejects it: the queried GUID is zero, not the MigTD service GUID.
 */
static void test_upstream_service_seed(void **state)
{
	(void)state;
	size_t len;
	uint8_t *seed = tu_read_vector(SEED_SERVICE, &len);
	struct ghci_service_rsp r;
	struct ghci_query q;

	assert_int_equal(len, 48);
	assert_int_equal(migtd_ghci_service_rsp_parse(seed, len, &migtd_ghci_guid_service_common,
						      &r),
			 MIGTD_OK);
	assert_int_equal(r.length, 48);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.data_len, 24);
	assert_int_equal(migtd_ghci_query_rsp_parse(seed, len, &q), MIGTD_ERR_GUID);
	assert_int_equal(q.version, 0);
	assert_int_equal(q.command, 0);
	assert_int_equal(q.status, 0);
	assert_int_equal(migtd_err_status(MIGTD_ERR_GUID), MIGTD_STATUS_INVALID_PARAMETER);
	/* As a WaitForRequest response it has the wrong service GUID. */
	{
		struct ghci_wfr_rsp w;

		assert_int_equal(migtd_ghci_wfr_rsp_parse(seed, len, &w), MIGTD_ERR_GUID);
	}
	/* With the right queried GUID the same bytes mean "supported". */
	memcpy(seed + 28, migtd_ghci_guid_service_migtd.b, 16);
	assert_int_equal(migtd_ghci_query_rsp_parse(seed, len, &q), MIGTD_OK);
	free(seed);
}

static void test_wfr_rsp(void **state)
{
	(void)state;
	static uint8_t page[4096], hob[1024];
	struct migtd_migration_request req, back;
	struct ghci_wfr_rsp w;
	bool has;
	size_t hob_len, n;

	memset(&req, 0, sizeof(req));
	req.info.mig_request_id = 42;
	req.info.migration_source = 1;
	req.info.binding_handle = 0xBB;
	req.has_socket_info = true;
	req.socket_info.mig_td_cid = 2;
	req.socket_info.mig_channel_port = 1234;
	assert_int_equal(migtd_hob_build_migration_request(hob, sizeof(hob), &req, &hob_len),
			 MIGTD_OK);

	/* As on real hardware: MigTD pre-fills the page, the VMM writes into it. */
	assert_int_equal(migtd_ghci_service_rsp_prefill(page, sizeof(page),
							&migtd_ghci_guid_service_migtd, 0),
			 MIGTD_OK);
	assert_int_equal(migtd_ghci_wfr_rsp_build(page, sizeof(page), GHCI_WFR_OP_REQUEST, hob,
						  hob_len, &n),
			 MIGTD_OK);
	assert_int_equal(n, 28 + hob_len);
	assert_int_equal(page[25], 1); /* command */
	assert_int_equal(page[26], 1); /* operation */
	assert_memory_equal(page + 28, hob, hob_len);
	assert_int_equal(migtd_ghci_wfr_rsp_parse(page, sizeof(page), &w), MIGTD_OK);
	assert_int_equal(w.hob_len, 4096 - 28); /* the rest of the page: 4068 */
	assert_int_equal(migtd_ghci_wfr_rsp_parse_request(page, sizeof(page), HOB_MODE_DEFAULT,
							  true, &has, &back),
			 MIGTD_OK);
	assert_true(has);
	assert_true(back.info.mig_request_id == 42 && back.info.binding_handle == 0xBB);
	assert_int_equal(back.socket_info.mig_channel_port, 1234);

	/* Operation 0: no request yet. */
	page[26] = 0;
	assert_int_equal(migtd_ghci_wfr_rsp_parse_request(page, sizeof(page), HOB_MODE_DEFAULT,
							  true, &has, &back),
			 MIGTD_OK);
	assert_false(has);
	for (unsigned op = 2; op < 256; op++) {
		page[26] = (uint8_t)op;
		assert_int_equal(migtd_ghci_wfr_rsp_parse(page, sizeof(page), &w),
				 MIGTD_ERR_INVALID);
	}
	page[26] = 1;
	page[25] = 2; /* command */
	assert_int_equal(migtd_ghci_wfr_rsp_parse(page, sizeof(page), &w), MIGTD_ERR_INVALID);
	page[25] = 1;
	/* A malformed HOB list -> InvalidParameter. */
	page[28] = 3;
	assert_int_equal(migtd_ghci_wfr_rsp_parse_request(page, sizeof(page), HOB_MODE_DEFAULT,
							  true, &has, &back),
			 MIGTD_ERR_INVALID);
	assert_false(has);
	/* Header only (4 bytes missing) */
	assert_int_equal(migtd_ghci_wfr_rsp_build(page, 27, 0, NULL, 0, &n), MIGTD_ERR_NOSPACE);
	assert_int_equal(migtd_ghci_wfr_rsp_build(page, 28, 0, NULL, 0, &n), MIGTD_OK);
	assert_int_equal(migtd_ghci_wfr_rsp_parse(page, 27, &w), MIGTD_ERR_LENGTH);
}

static void test_report_rsp(void **state)
{
	(void)state;
	uint8_t buf[64];
	size_t n;

	assert_int_equal(migtd_ghci_migtd_rsp_build(buf, sizeof(buf), GHCI_MIGTD_CMD_REPORT_STATUS,
						    &n),
			 MIGTD_OK);
	assert_int_equal(n, 28);
	assert_int_equal(migtd_ghci_report_rsp_parse(buf, n), MIGTD_OK);
	buf[25] = 1;
	assert_int_equal(migtd_ghci_report_rsp_parse(buf, n), MIGTD_ERR_INVALID);
	buf[25] = 2;
	assert_int_equal(migtd_ghci_report_rsp_parse(buf, 25), MIGTD_ERR_LENGTH);
	migtd_wire_put_u32(buf + 16, 24);
	assert_int_equal(migtd_ghci_report_rsp_parse(buf, 25), MIGTD_ERR_TRUNCATED);
}

/* ---- vmcall-raw ------------------------------------------------------------ */

static size_t raw_buf(uint8_t *buf, uint8_t b0, uint8_t op, const uint8_t *payload, size_t n)
{
	size_t out;

	assert_int_equal(migtd_ghci_raw_build(buf, 1024, GHCI_RAW_DATA_STATUS(b0, op), payload, n,
					      &out),
			 MIGTD_OK);
	return out;
}

static void test_raw_header_bytes(void **state)
{
	(void)state;
	uint8_t buf[32];
	struct ghci_raw_hdr h;
	size_t n;

	memset(buf, 0xEE, sizeof(buf));
	assert_int_equal(migtd_ghci_raw_build(buf, sizeof(buf), GHCI_RAW_DATA_STATUS(1, 3), "xyz",
					      3, &n),
			 MIGTD_OK);
	assert_int_equal(n, 15);
	static const uint8_t want[15] = { 1, 3, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 'x', 'y', 'z' };
	assert_memory_equal(buf, want, 15);
	assert_int_equal(migtd_ghci_raw_hdr_parse(buf, n, &h), MIGTD_OK);
	assert_true(h.data_status == 0x301 && h.length == 3);
	for (size_t l = 0; l < 12; l++)
		assert_int_equal(migtd_ghci_raw_hdr_parse(buf, l, &h), MIGTD_ERR_TRUNCATED);
}

static void test_raw_wfr(void **state)
{
	(void)state;
	static uint8_t buf[1024];
	uint8_t p[600];
	struct ghci_raw_request r;
	size_t n;

	/* Spurious and truncated. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r), MIGTD_ERR_AGAIN);
	for (size_t l = 0; l < 12; l++)
		assert_int_equal(migtd_ghci_raw_wfr_parse(buf, l, false, &r), MIGTD_ERR_TRUNCATED);

	/* StartMigration, 56 bytes at their offsets. */
	memset(p, 0, sizeof(p));
	migtd_wire_put_u64(p, 0x1111);
	p[8] = 1;
	migtd_wire_put_u64(p + 16, 0xA1);
	migtd_wire_put_u64(p + 40, 0xA4);
	migtd_wire_put_u64(p + 48, 0xBB);
	n = raw_buf(buf, 1, 1, p, 56);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, n, false, &r), MIGTD_OK);
	assert_int_equal(r.operation, 1);
	assert_true(r.mig_request_id == 0x1111 && r.mig_info.mig_request_id == 0x1111);
	assert_int_equal(r.mig_info.migration_source, 1);
	assert_true(r.mig_info.target_td_uuid[0] == 0xA1 && r.mig_info.target_td_uuid[3] == 0xA4);
	assert_true(r.mig_info.binding_handle == 0xBB);
	/* A bigger buffer than the payload is fine. */
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r), MIGTD_OK);
	/* Exact length: 55 / 57 / 568 -> length error, id still known. */
	static const size_t bad_len[] = { 0, 8, 55, 57, 72, 568 };
	for (size_t i = 0; i < 6; i++) {
		n = raw_buf(buf, 1, 1, p, bad_len[i]);
		assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r), MIGTD_ERR_LENGTH);
		assert_true(r.has_request_id && r.mig_request_id == 0x1111);
	}
	/* length beyond the buffer, and overflow bait. */
	n = raw_buf(buf, 1, 1, p, 56);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, n - 1, false, &r), MIGTD_ERR_LENGTH);
	migtd_wire_put_u32(buf + 8, 0xFFFFFFFFu);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r), MIGTD_ERR_LENGTH);
	/* reserved / has_init_data */
	p[12] = 1;
	raw_buf(buf, 1, 1, p, 56);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r), MIGTD_ERR_RESERVED);
	p[12] = 0;
	p[9] = 1;
	raw_buf(buf, 1, 1, p, 56);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r), MIGTD_ERR_INVALID);
	raw_buf(buf, 1, 1, p, 568);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r), MIGTD_ERR_LENGTH);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, true, &r), MIGTD_OK);
	assert_int_equal(r.mig_info.has_init_data, 1);
	p[9] = 0;

	/* byte0 != 1 -> VMM internal error, for the id at offset 12. */
	for (unsigned b0 = 0; b0 < 256; b0++) {
		if (b0 == 1)
			continue;
		raw_buf(buf, (uint8_t)b0, 1, p, 56);
		assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r),
				 MIGTD_ERR_VMM_INTERNAL);
		assert_true(r.has_request_id && r.mig_request_id == 0x1111);
	}
	assert_int_equal(migtd_err_status(MIGTD_ERR_VMM_INTERNAL), MIGTD_STATUS_VMM_INTERNAL_ERROR);
	/* ... even with length 0: the id is read whatever length says. */
	raw_buf(buf, 2, 0, NULL, 0);
	migtd_wire_put_u64(buf + 12, 0x2222);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r), MIGTD_ERR_VMM_INTERNAL);
	assert_true(r.has_request_id && r.mig_request_id == 0x2222);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 19, false, &r), MIGTD_ERR_VMM_INTERNAL);
	assert_false(r.has_request_id);

	/* Unknown operations -> UnsupportedOperation; 2/5 only with policy v2. */
	for (unsigned op = 0; op < 256; op++) {
		int e;

		if (op >= 1 && op <= 5)
			continue;
		raw_buf(buf, 1, (uint8_t)op, p, 56);
		e = migtd_ghci_raw_wfr_parse(buf, 1024, true, &r);
		assert_int_equal(e, MIGTD_ERR_UNSUPPORTED_OP);
	}
	raw_buf(buf, 1, 2, p, 56);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r), MIGTD_ERR_UNSUPPORTED_OP);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, true, &r), MIGTD_OK);
	raw_buf(buf, 1, 5, p, 8);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r), MIGTD_ERR_UNSUPPORTED_OP);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, true, &r), MIGTD_OK);
	assert_int_equal(migtd_err_status(MIGTD_ERR_UNSUPPORTED_OP),
			 MIGTD_STATUS_UNSUPPORTED_OPERATION);

	/* GetTDReport: 8 or 72 bytes. */
	for (size_t i = 0; i < 64; i++)
		p[8 + i] = (uint8_t)(0x40 + i);
	raw_buf(buf, 1, 3, p, 8);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r), MIGTD_OK);
	assert_false(r.has_reportdata);
	raw_buf(buf, 1, 3, p, 72);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r), MIGTD_OK);
	assert_true(r.has_reportdata);
	assert_memory_equal(r.reportdata, p + 8, 64);
	for (size_t l = 0; l < 100; l++) {
		if (l == 8 || l == 72)
			continue;
		raw_buf(buf, 1, 3, p, l);
		assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r), MIGTD_ERR_LENGTH);
	}

	/* EnableLogArea: 16 bytes, level 1..5, reserved zero. */
	memset(p + 8, 0, 8);
	for (unsigned lvl = 0; lvl < 8; lvl++) {
		p[8] = (uint8_t)lvl;
		raw_buf(buf, 1, 4, p, 16);
		assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r),
				 lvl >= 1 && lvl <= 5 ? MIGTD_OK : MIGTD_ERR_INVALID);
	}
	p[8] = 3;
	p[15] = 1;
	raw_buf(buf, 1, 4, p, 16);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r), MIGTD_ERR_RESERVED);
	p[15] = 0;
	raw_buf(buf, 1, 4, p, 17);
	assert_int_equal(migtd_ghci_raw_wfr_parse(buf, 1024, false, &r), MIGTD_ERR_LENGTH);
}

static void test_raw_wfr_roundtrip(void **state)
{
	(void)state;
	static uint8_t pl[1024], buf[1024];
	struct ghci_raw_request in, out;
	struct wire_writer w;
	size_t n;
	static const uint8_t ops[] = { 1, 2, 3, 4, 5 };

	for (size_t i = 0; i < sizeof(ops); i++) {
		for (int variant = 0; variant < 2; variant++) {
			memset(&in, 0, sizeof(in));
			in.operation = ops[i];
			in.mig_request_id = 0x77 + i;
			in.mig_info.mig_request_id = 0x77 + i;
			in.mig_info.binding_handle = 5;
			in.mig_info.has_init_data = (uint8_t)variant;
			in.mig_info.init_td_info[3] = (uint8_t)(variant * 9);
			in.has_reportdata = variant;
			in.reportdata[63] = (uint8_t)variant;
			in.max_log_level = 2;
			migtd_wire_writer_init(&w, pl, sizeof(pl));
			assert_int_equal(migtd_ghci_raw_wfr_payload_write(&w, &in), MIGTD_OK);
			n = raw_buf(buf, 1, ops[i], pl, migtd_wire_written(&w));
			assert_int_equal(migtd_ghci_raw_wfr_parse(buf, n, true, &out), MIGTD_OK);
			assert_true(out.mig_request_id == in.mig_request_id);
			assert_int_equal(out.operation, in.operation);
			if (ops[i] <= 2) {
				assert_memory_equal(&out.mig_info, &in.mig_info,
						    sizeof(in.mig_info));
			} else if (ops[i] == 4) {
				assert_int_equal(out.max_log_level, 2);
			} else {
				assert_int_equal(out.has_reportdata, in.has_reportdata);
				assert_memory_equal(out.reportdata, in.reportdata, 64);
			}
		}
	}
}

static void test_raw_status_word(void **state)
{
	(void)state;
	uint64_t wd;
	uint8_t code;

	assert_int_equal(migtd_ghci_raw_status_word(0, &wd), MIGTD_OK);
	assert_true(wd == 0);
	assert_int_equal(migtd_ghci_raw_status_word(6, &wd), MIGTD_OK);
	assert_true(wd == 0x0601);
	assert_int_equal(migtd_ghci_raw_status_word(0xFF, &wd), MIGTD_OK);
	assert_true(wd == 0xFF01);
	for (unsigned c = 0; c < 256; c++) {
		bool defined = c <= 12 || c == 0xFF;

		assert_int_equal(migtd_ghci_raw_status_word((uint8_t)c, &wd),
				 defined ? MIGTD_OK : MIGTD_ERR_INVALID);
		if (!defined)
			continue;
		assert_int_equal(migtd_ghci_raw_status_word_parse(wd, &code), MIGTD_OK);
		assert_int_equal(code, c);
	}
	assert_int_equal(migtd_ghci_raw_status_word_parse(0x10601, &code), MIGTD_ERR_RESERVED);
	assert_int_equal(migtd_ghci_raw_status_word_parse(0x0001, &code), MIGTD_ERR_INVALID);
	assert_int_equal(migtd_ghci_raw_status_word_parse(0x0600, &code), MIGTD_ERR_INVALID);
	assert_int_equal(migtd_ghci_raw_status_word_parse(0x0602, &code), MIGTD_ERR_INVALID);
	assert_int_equal(migtd_ghci_raw_status_word_parse(0x0D01, &code), MIGTD_ERR_INVALID);
}

static void test_raw_stream(void **state)
{
	(void)state;
	static uint8_t buf[1024];
	const uint8_t *p;
	size_t n, len;

	len = raw_buf(buf, 2, 3, NULL, 0);
	assert_int_equal(migtd_ghci_raw_stream_completion(buf, len, true, &p, &n),
			 MIGTD_ERR_VMM_CANCELED);
	assert_int_equal(migtd_ghci_raw_stream_completion(buf, len, false, &p, &n),
			 MIGTD_ERR_VMM_CANCELED);
	assert_int_equal(migtd_err_status(MIGTD_ERR_VMM_CANCELED), MIGTD_STATUS_VMM_CANCELED);
	raw_buf(buf, 2, 0, NULL, 0);
	assert_int_equal(migtd_ghci_raw_stream_completion(buf, len, true, &p, &n), MIGTD_ERR_AGAIN);
	raw_buf(buf, 0, 3, NULL, 0);
	assert_int_equal(migtd_ghci_raw_stream_completion(buf, len, true, &p, &n), MIGTD_ERR_AGAIN);
	assert_false(migtd_ghci_raw_report_acked(buf, len));
	len = raw_buf(buf, 1, 0, (const uint8_t *)"hello", 5);
	assert_true(migtd_ghci_raw_report_acked(buf, len));
	assert_int_equal(migtd_ghci_raw_stream_completion(buf, 1024, true, &p, &n), MIGTD_OK);
	assert_int_equal(n, 5);
	assert_ptr_equal(p, buf + 12);
	assert_int_equal(migtd_ghci_raw_stream_completion(buf, len - 1, true, &p, &n),
			 MIGTD_ERR_LENGTH);
	migtd_wire_put_u32(buf + 8, 0xFFFFFFFFu);
	assert_int_equal(migtd_ghci_raw_stream_completion(buf, 1024, true, &p, &n),
			 MIGTD_ERR_LENGTH);
	len = raw_buf(buf, 1, 0, NULL, 0);
	assert_int_equal(migtd_ghci_raw_stream_completion(buf, len, true, &p, &n),
			 MIGTD_ERR_INVALID);
	assert_int_equal(migtd_ghci_raw_stream_completion(buf, len, false, &p, &n), MIGTD_OK);
	for (size_t l = 0; l < 12; l++)
		assert_int_equal(migtd_ghci_raw_stream_completion(buf, l, true, &p, &n),
				 MIGTD_ERR_TRUNCATED);
}

/*
 * The upstream vmcall_raw fuzz seed is not a GHCI buffer at all: upstream's
 * harness (a copy of the virtio-vsock one) copies the first 44 bytes into a
 * fake virtqueue as a virtio-vsock packet header (the libFuzzer variant even
 * ignores its input). Decoded as such: src_cid 33, dst_cid 0, src_port 1234,
 * dst_port 40001, len 0, type 1 (stream), op 1 (request), buf_alloc 0x40000.
 * Fed to our vmcall-raw parsers it is rejected without reading past its end.
 */
static void test_upstream_raw_seed(void **state)
{
	(void)state;
	size_t len, n;
	uint8_t *seed = tu_read_vector(SEED_RAW, &len);
	struct wire_reader rd;
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, plen, flags, buf_alloc, fwd_cnt;
	uint16_t type, op;
	struct ghci_raw_request r;
	const uint8_t *p;

	assert_int_equal(len, 52);
	migtd_wire_reader_init(&rd, seed, len);
	migtd_wire_read_u64(&rd, &src_cid);
	migtd_wire_read_u64(&rd, &dst_cid);
	migtd_wire_read_u32(&rd, &src_port);
	migtd_wire_read_u32(&rd, &dst_port);
	migtd_wire_read_u32(&rd, &plen);
	migtd_wire_read_u16(&rd, &type);
	migtd_wire_read_u16(&rd, &op);
	migtd_wire_read_u32(&rd, &flags);
	migtd_wire_read_u32(&rd, &buf_alloc);
	migtd_wire_read_u32(&rd, &fwd_cnt);
	assert_int_equal(migtd_wire_error(&rd), MIGTD_OK);
	assert_int_equal(migtd_wire_pos(&rd), 44);
	assert_true(src_cid == 33 && dst_cid == 0);
	assert_int_equal(src_port, 1234);
	assert_int_equal(dst_port, 40001);
	assert_int_equal(plen, 0);
	assert_int_equal(type, 1);
	assert_int_equal(op, 1);
	assert_int_equal(flags, 0);
	assert_int_equal(buf_alloc, 0x40000);
	assert_int_equal(fwd_cnt, 0);

	/* As a vmcall-raw WaitForRequest buffer: data_status 0x21 (byte0 != 1). */
	assert_int_equal(migtd_ghci_raw_wfr_parse(seed, len, false, &r), MIGTD_ERR_VMM_INTERNAL);
	assert_true(r.has_request_id);
	assert_true(r.mig_request_id == 0x000004D200000000ull);
	/* As a Send/Receive completion: not completed yet. */
	assert_int_equal(migtd_ghci_raw_stream_completion(seed, len, true, &p, &n),
			 MIGTD_ERR_AGAIN);
	free(seed);
}

/* ---- GetQuote -------------------------------------------------------------- */

static void test_getquote_status(void **state)
{
	(void)state;
	assert_int_equal(migtd_ghci_getquote_status_class(0), MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_status_class(0xFFFFFFFFFFFFFFFFull), MIGTD_ERR_AGAIN);
	assert_int_equal(migtd_ghci_getquote_status_class(0x8000000000000000ull), MIGTD_ERR_AGAIN);
	assert_int_equal(migtd_ghci_getquote_status_class(0x8000000000000001ull), MIGTD_ERR_AGAIN);
	assert_int_equal(migtd_ghci_getquote_status_class(0x8000000000000002ull), MIGTD_ERR_QUOTE);
	assert_int_equal(migtd_ghci_getquote_status_class(1), MIGTD_ERR_QUOTE);
	assert_int_equal(migtd_ghci_getquote_status_class(0xFFFFFFFFFFFFFFFEull), MIGTD_ERR_QUOTE);
}

static void test_getquote_buffer(void **state)
{
	(void)state;
	static uint8_t buf[256];
	struct ghci_getquote_hdr h;
	const uint8_t *m;
	size_t n, ml;

	memset(buf, 0xEE, sizeof(buf));
	assert_int_equal(migtd_ghci_getquote_req_build(buf, sizeof(buf), "QGSMSG", 6, &n),
			 MIGTD_OK);
	assert_int_equal(n, 34);
	static const uint8_t want[34] = { 1, 0, 0, 0, 0,   0,   0,   0,   0,   0,  0, 0,
					  0, 0, 0, 0, 10,  0,   0,   0,   0,   0,  0, 0,
					  0, 0, 0, 6, 'Q', 'G', 'S', 'M', 'S', 'G' };
	assert_memory_equal(buf, want, 34);
	assert_int_equal(migtd_ghci_getquote_req_parse(buf, n, &h, &m, &ml), MIGTD_OK);
	assert_int_equal(ml, 6);
	assert_ptr_equal(m, buf + 28);
	for (size_t l = 0; l < n; l++)
		assert_int_not_equal(migtd_ghci_getquote_req_parse(buf, l, &h, &m, &ml), MIGTD_OK);
	buf[0] = 2;
	assert_int_equal(migtd_ghci_getquote_req_parse(buf, n, &h, &m, &ml), MIGTD_ERR_VERSION);
	buf[0] = 1;

	/* VMM completes in place. */
	assert_int_equal(migtd_ghci_getquote_rsp_build(buf, sizeof(buf), 0, 10, "ANSWER!", 7, &n),
			 MIGTD_OK);
	assert_int_equal(migtd_wire_get_u32(buf + 16), 10); /* in_len kept */
	assert_int_equal(migtd_wire_get_u32(buf + 20), 11); /* out_len */
	assert_int_equal(buf[27], 7);                       /* BE prefix */
	assert_int_equal(migtd_ghci_getquote_rsp_parse(buf, n, &h, &m, &ml), MIGTD_OK);
	assert_int_equal(ml, 7);
	assert_memory_equal(m, "ANSWER!", 7);
	for (size_t l = 0; l < n; l++)
		assert_int_not_equal(migtd_ghci_getquote_rsp_parse(buf, l, &h, &m, &ml), MIGTD_OK);
	/* Status classes come first. */
	migtd_wire_put_u64(buf + 8, GHCI_GETQUOTE_IN_FLIGHT);
	assert_int_equal(migtd_ghci_getquote_rsp_parse(buf, n, &h, &m, &ml), MIGTD_ERR_AGAIN);
	migtd_wire_put_u64(buf + 8, GHCI_GETQUOTE_QGS_UNAVAILABLE);
	assert_int_equal(migtd_ghci_getquote_rsp_parse(buf, n, &h, &m, &ml), MIGTD_ERR_AGAIN);
	migtd_wire_put_u64(buf + 8, 7);
	assert_int_equal(migtd_ghci_getquote_rsp_parse(buf, n, &h, &m, &ml), MIGTD_ERR_QUOTE);
	migtd_wire_put_u64(buf + 8, 0);
	/* out_len must exceed 4 and the prefix must equal out_len - 4. */
	static const uint32_t bad_out[] = { 0, 1, 4, 10, 12, 0xFFFFFFFFu, 0xFFFFFFFCu };
	for (size_t i = 0; i < 7; i++) {
		migtd_wire_put_u32(buf + 20, bad_out[i]);
		assert_int_equal(migtd_ghci_getquote_rsp_parse(buf, sizeof(buf), &h, &m, &ml),
				 MIGTD_ERR_LENGTH);
	}
	migtd_wire_put_u32(buf + 20, 11);
	buf[27] = 6;
	assert_int_equal(migtd_ghci_getquote_rsp_parse(buf, sizeof(buf), &h, &m, &ml),
			 MIGTD_ERR_LENGTH);
	buf[27] = 7;
	buf[24] = 1; /* prefix 0x01000007 */
	assert_int_equal(migtd_ghci_getquote_rsp_parse(buf, sizeof(buf), &h, &m, &ml),
			 MIGTD_ERR_LENGTH);
	/* An error completion without data. */
	assert_int_equal(migtd_ghci_getquote_rsp_build(buf, sizeof(buf), GHCI_GETQUOTE_ERROR, 10,
						       NULL, 0, &n),
			 MIGTD_OK);
	assert_int_equal(n, 24);
	assert_int_equal(migtd_ghci_getquote_rsp_parse(buf, n, &h, &m, &ml), MIGTD_ERR_AGAIN);
}

static void test_qgs_get_quote(void **state)
{
	(void)state;
	static uint8_t report[1024], msg[2048], gq[4096];
	struct ghci_qgs_get_quote_req req;
	struct ghci_qgs_get_quote_resp rsp, back;
	struct ghci_getquote_hdr h;
	const uint8_t *m;
	size_t n, gn, ml;

	for (size_t i = 0; i < sizeof(report); i++)
		report[i] = (uint8_t)(i * 7);
	assert_int_equal(migtd_ghci_qgs_get_quote_req_build(msg, sizeof(msg), report, 1024, NULL, 0,
							    &n),
			 MIGTD_OK);
	assert_int_equal(n, 16 + 8 + 1024);
	/* header: major 1, minor 1, type 0, size, error 0; then report_size, id_size */
	assert_int_equal(migtd_wire_get_u16(msg), 1);
	assert_int_equal(migtd_wire_get_u16(msg + 2), 1);
	assert_int_equal(migtd_wire_get_u32(msg + 4), 0);
	assert_int_equal(migtd_wire_get_u32(msg + 8), n);
	assert_int_equal(migtd_wire_get_u32(msg + 12), 0);
	assert_int_equal(migtd_wire_get_u32(msg + 16), 1024);
	assert_int_equal(migtd_wire_get_u32(msg + 20), 0);
	assert_memory_equal(msg + 24, report, 1024);

	/* Through the GetQuote buffer to the VMM and back. */
	assert_int_equal(migtd_ghci_getquote_req_build(gq, sizeof(gq), msg, n, &gn), MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_req_parse(gq, gn, &h, &m, &ml), MIGTD_OK);
	assert_int_equal(migtd_ghci_qgs_get_quote_req_parse(m, ml, &req), MIGTD_OK);
	assert_int_equal(req.report.len, 1024);
	assert_memory_equal(req.report.p, report, 1024);
	assert_int_equal(req.id_list.len, 0);
	for (size_t l = 0; l < ml; l++)
		assert_int_not_equal(migtd_ghci_qgs_get_quote_req_parse(m, l, &req), MIGTD_OK);
	migtd_wire_put_u32(msg + 16, 1023);
	assert_int_equal(migtd_ghci_qgs_get_quote_req_parse(msg, n, &req), MIGTD_ERR_LENGTH);
	migtd_wire_put_u32(msg + 16, 1024);
	migtd_wire_put_u32(msg + 20, 0xFFFFFFFFu); /* id list size: overflow bait */
	assert_int_equal(migtd_ghci_qgs_get_quote_req_parse(msg, n, &req), MIGTD_ERR_LENGTH);

	memset(&rsp, 0, sizeof(rsp));
	rsp.selected_id.p = (const uint8_t *)"ID";
	rsp.selected_id.len = 2;
	rsp.quote.p = report;
	rsp.quote.len = 600;
	assert_int_equal(migtd_ghci_qgs_get_quote_resp_build(msg, sizeof(msg), 0, &rsp, &n),
			 MIGTD_OK);
	assert_int_equal(n, 16 + 8 + 2 + 600);
	assert_int_equal(migtd_wire_get_u32(msg + 4), 1);
	assert_int_equal(migtd_wire_get_u32(msg + 16), 2);
	assert_int_equal(migtd_wire_get_u32(msg + 20), 600);
	assert_memory_equal(msg + 24, "ID", 2);
	assert_int_equal(migtd_ghci_getquote_rsp_build(gq, sizeof(gq), 0, (uint32_t)gn - 24, msg, n,
						       &gn),
			 MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_rsp_parse(gq, gn, &h, &m, &ml), MIGTD_OK);
	assert_int_equal(migtd_ghci_qgs_get_quote_resp_parse(m, ml, &back), MIGTD_OK);
	assert_int_equal(back.quote.len, 600);
	assert_memory_equal(back.quote.p, report, 600);
	/* header checks */
	assert_int_equal(migtd_ghci_qgs_get_quote_resp_parse(msg, n - 1, &back), MIGTD_ERR_LENGTH);
	msg[0] = 2;
	assert_int_equal(migtd_ghci_qgs_get_quote_resp_parse(msg, n, &back), MIGTD_ERR_VERSION);
	msg[0] = 1;
	assert_int_equal(migtd_ghci_qgs_get_quote_req_parse(msg, n, &req), MIGTD_ERR_INVALID);
	migtd_wire_put_u32(msg + 12, 0x12);
	assert_int_equal(migtd_ghci_qgs_get_quote_resp_parse(msg, n, &back), MIGTD_ERR_QUOTE);
	migtd_wire_put_u32(msg + 12, 0);
	migtd_wire_put_u32(msg + 20, 599); /* one trailing byte */
	assert_int_equal(migtd_ghci_qgs_get_quote_resp_parse(msg, n, &back), MIGTD_ERR_LENGTH);
	migtd_wire_put_u32(msg + 20, 0xFFFFFFFEu);
	assert_int_equal(migtd_ghci_qgs_get_quote_resp_parse(msg, n, &back), MIGTD_ERR_LENGTH);
	for (size_t l = 0; l < 16; l++)
		assert_int_equal(migtd_ghci_qgs_get_quote_resp_parse(msg, l, &back),
				 MIGTD_ERR_TRUNCATED);
}

static void test_qgs_collateral(void **state)
{
	(void)state;
	static uint8_t msg[512];
	static const uint8_t fmspc[6] = { 0x00, 0x80, 0x6F, 0x05, 0x00, 0x00 };
	struct ghci_qgs_get_collateral_req req;
	struct ghci_qgs_get_collateral_resp in, out;
	static const char *blobs[7] = { "chain1",  "rootcrl", "pckcrl", "tcbchain",
					"tcbinfo", "qechain", "qeid" };
	size_t n, off;

	assert_int_equal(migtd_ghci_qgs_get_collateral_req_build(msg, sizeof(msg), fmspc,
								 "processor", &n),
			 MIGTD_OK);
	assert_int_equal(n, 16 + 8 + 6 + 10);
	assert_int_equal(migtd_wire_get_u32(msg + 4), 2);
	assert_int_equal(migtd_wire_get_u32(msg + 16), 6);
	assert_int_equal(migtd_wire_get_u32(msg + 20), 10);
	assert_memory_equal(msg + 24, fmspc, 6);
	assert_memory_equal(msg + 30, "processor", 10);
	assert_int_equal(migtd_ghci_qgs_get_collateral_req_parse(msg, n, &req), MIGTD_OK);
	assert_memory_equal(req.fmspc.p, fmspc, 6);
	assert_string_equal((const char *)req.pck_ca.p, "processor");
	msg[39] = 'x'; /* no NUL */
	assert_int_equal(migtd_ghci_qgs_get_collateral_req_parse(msg, n, &req), MIGTD_ERR_INVALID);
	msg[39] = 0;
	msg[33] = 0; /* embedded NUL */
	assert_int_equal(migtd_ghci_qgs_get_collateral_req_parse(msg, n, &req), MIGTD_ERR_INVALID);
	migtd_wire_put_u32(msg + 16, 5);
	assert_int_equal(migtd_ghci_qgs_get_collateral_req_parse(msg, n, &req), MIGTD_ERR_LENGTH);

	memset(&in, 0, sizeof(in));
	in.major_version = 3;
	in.minor_version = 1;
	for (size_t i = 0; i < 7; i++) {
		in.blob[i].p = (const uint8_t *)blobs[i];
		in.blob[i].len = (uint32_t)strlen(blobs[i]) + 1;
	}
	assert_int_equal(migtd_ghci_qgs_get_collateral_resp_build(msg, sizeof(msg), 0, &in, &n),
			 MIGTD_OK);
	assert_int_equal(migtd_wire_get_u32(msg + 4), 3);
	assert_int_equal(migtd_wire_get_u16(msg + 16), 3);
	assert_int_equal(migtd_wire_get_u16(msg + 18), 1);
	off = 16 + 4 + 28;
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(migtd_wire_get_u32(msg + 20 + 4 * i), strlen(blobs[i]) + 1);
		assert_string_equal((const char *)msg + off, blobs[i]);
		off += strlen(blobs[i]) + 1;
	}
	assert_int_equal(off, n);
	assert_int_equal(migtd_ghci_qgs_get_collateral_resp_parse(msg, n, &out), MIGTD_OK);
	for (size_t i = 0; i < 7; i++)
		assert_string_equal((const char *)out.blob[i].p, blobs[i]);
	for (size_t l = 0; l < n; l++)
		assert_int_not_equal(migtd_ghci_qgs_get_collateral_resp_parse(msg, l, &out),
				     MIGTD_OK);
	/* Sizes whose sum wraps around 32 bits. */
	migtd_wire_put_u32(msg + 20, 0xFFFFFFFFu);
	migtd_wire_put_u32(msg + 24, 2);
	assert_int_equal(migtd_ghci_qgs_get_collateral_resp_parse(msg, n, &out), MIGTD_ERR_LENGTH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constants),
		cmocka_unit_test(test_query_cmd_bytes),
		cmocka_unit_test(test_migtd_cmd_bytes),
		cmocka_unit_test(test_service_cmd_negative),
		cmocka_unit_test(test_service_rsp),
		cmocka_unit_test(test_query_rsp),
		cmocka_unit_test(test_upstream_service_seed),
		cmocka_unit_test(test_wfr_rsp),
		cmocka_unit_test(test_report_rsp),
		cmocka_unit_test(test_raw_header_bytes),
		cmocka_unit_test(test_raw_wfr),
		cmocka_unit_test(test_raw_wfr_roundtrip),
		cmocka_unit_test(test_raw_status_word),
		cmocka_unit_test(test_raw_stream),
		cmocka_unit_test(test_upstream_raw_seed),
		cmocka_unit_test(test_getquote_status),
		cmocka_unit_test(test_getquote_buffer),
		cmocka_unit_test(test_qgs_get_quote),
		cmocka_unit_test(test_qgs_collateral),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
