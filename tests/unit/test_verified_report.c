/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * test_verified_report.c -- the verified report's layout (docs/protocol.md §8.5) is
 * defined once, as MIGTD_VR_* in migtd/quote.h. This test holds those names
 * against the spec's offsets (written here independently) and checks that
 * migtd_verified_report_build writes every field where the names say, so
 * the builder and its readers (policy, RA-TLS, session) cannot drift apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "migtd/quote.h"
#include "migtd/wire.h"

static void test_offsets_match_the_spec(void **state)
{
	(void)state;
	/* docs/protocol.md §8.5 */
	assert_int_equal(MIGTD_VR_MRSEAM, 16);
	assert_int_equal(MIGTD_VR_MRSIGNERSEAM, 64);
	assert_int_equal(MIGTD_VR_SEAM_ATTRIBUTES, 112);
	assert_int_equal(MIGTD_VR_TD_ATTRIBUTES, 120);
	assert_int_equal(MIGTD_VR_XFAM, 128);
	assert_int_equal(MIGTD_VR_MRTD, 136);
	assert_int_equal(MIGTD_VR_MRCONFIGID, 184);
	assert_int_equal(MIGTD_VR_MROWNER, 232);
	assert_int_equal(MIGTD_VR_MROWNERCONFIG, 280);
	assert_int_equal(MIGTD_VR_RTMR(0), 328);
	assert_int_equal(MIGTD_VR_RTMR(3), 472);
	assert_int_equal(MIGTD_VR_REPORT_DATA, 520);
	assert_int_equal(MIGTD_VR_FMSPC, 584);
	assert_int_equal(MIGTD_VR_TDX_TCB_COMPONENTS, 590);
	assert_int_equal(MIGTD_VR_PCESVN, 606);
	assert_int_equal(MIGTD_VR_SGX_TCB_COMPONENTS, 608);
	assert_int_equal(MIGTD_VR_TDX_MODULE_MAJOR, 624);
	assert_int_equal(MIGTD_VR_TDX_MODULE_SVN, 625);
	assert_int_equal(MIGTD_VR_QE_MISCSELECT, 626);
	assert_int_equal(MIGTD_VR_QE_ATTRIBUTES, 634);
	assert_int_equal(MIGTD_VR_QE_MRSIGNER, 698);
	assert_int_equal(MIGTD_VR_QE_ISVPRODID, 730);
	assert_int_equal(MIGTD_VR_QE_ISVSVN, 732);
	assert_int_equal(MIGTD_VR_QE_TCB_STATUS + MIGTD_TCB_STATUS_LEN, MIGTD_VERIFIED_REPORT_SIZE);
	assert_int_equal(MIGTD_VERIFIED_REPORT_SIZE, 822);
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 13 * i);
}

static void test_builder_writes_at_the_named_offsets(void **state)
{
	(void)state;
	static struct migtd_quote_verify_result res;
	static uint8_t body[MIGTD_QUOTE_TD10_BODY_SIZE];
	uint8_t r[MIGTD_VERIFIED_REPORT_SIZE];

	memset(&res, 0, sizeof(res));
	fill(body, sizeof(body), 1);
	res.quote.body_raw = body;
	res.quote.body.tee_tcb_svn[0] = 0x5c; /* module SVN */
	res.quote.body.tee_tcb_svn[1] = 0x07; /* module major version */
	fill(res.pck.fmspc, sizeof(res.pck.fmspc), 0x30);
	res.pck.pce_svn = 0x1234;
	fill(res.pck.sgx_tcb_comp, sizeof(res.pck.sgx_tcb_comp), 0x40);
	fill(res.tdx_tcb_comp, sizeof(res.tdx_tcb_comp), 0x50);
	res.quote.qe.misc_select = 0xA1B2C3D4u;
	res.qe_misc_select_mask = 0x0F0F0F0Fu;
	fill(res.quote.qe.attributes, sizeof(res.quote.qe.attributes), 0x60);
	fill(res.qe_attributes_mask, sizeof(res.qe_attributes_mask), 0x70);
	fill(res.quote.qe.mr_enclave, sizeof(res.quote.qe.mr_enclave), 0x80);
	fill(res.quote.qe.mr_signer, sizeof(res.quote.qe.mr_signer), 0x90);
	res.quote.qe.isv_prod_id = 0x0102;
	res.quote.qe.isv_svn = 0x0304;
	res.tcb_date = 1700000000;
	res.qe_tcb_date = 1600000000;
	strcpy(res.tcb_status, "UpToDate");
	strcpy(res.qe_tcb_status, "UpToDate");

	memset(r, 0xEE, sizeof(r));
	migtd_verified_report_build(&res, r);
	assert_memory_equal(r, body, sizeof(body));
	assert_memory_equal(r + MIGTD_VR_FMSPC, res.pck.fmspc, 6);
	assert_memory_equal(r + MIGTD_VR_TDX_TCB_COMPONENTS, res.tdx_tcb_comp, 16);
	assert_int_equal(migtd_wire_get_u16(r + MIGTD_VR_PCESVN), 0x1234);
	assert_memory_equal(r + MIGTD_VR_SGX_TCB_COMPONENTS, res.pck.sgx_tcb_comp, 16);
	assert_int_equal(r[MIGTD_VR_TDX_MODULE_MAJOR], 0x07);
	assert_int_equal(r[MIGTD_VR_TDX_MODULE_SVN], 0x5c);
	assert_int_equal(migtd_wire_get_u32(r + MIGTD_VR_QE_MISCSELECT), 0xA1B2C3D4u);
	assert_int_equal(migtd_wire_get_u32(r + MIGTD_VR_QE_MISCSELECT_MASK), 0x0F0F0F0Fu);
	assert_memory_equal(r + MIGTD_VR_QE_ATTRIBUTES, res.quote.qe.attributes, 16);
	assert_memory_equal(r + MIGTD_VR_QE_ATTRIBUTES_MASK, res.qe_attributes_mask, 16);
	assert_memory_equal(r + MIGTD_VR_QE_MRENCLAVE, res.quote.qe.mr_enclave, 32);
	assert_memory_equal(r + MIGTD_VR_QE_MRSIGNER, res.quote.qe.mr_signer, 32);
	assert_int_equal(migtd_wire_get_u16(r + MIGTD_VR_QE_ISVPRODID), 0x0102);
	assert_int_equal(migtd_wire_get_u16(r + MIGTD_VR_QE_ISVSVN), 0x0304);
	assert_true(migtd_wire_get_u64(r + MIGTD_VR_EARLIEST_TCB_DATE) == 1600000000u);
	assert_true(migtd_wire_get_u64(r + MIGTD_VR_PLATFORM_TCB_DATE) == 1700000000u);
	assert_true(migtd_wire_get_u64(r + MIGTD_VR_QE_TCB_DATE) == 1600000000u);
	assert_string_equal((const char *)r + MIGTD_VR_TCB_STATUS, "UpToDate");
	assert_string_equal((const char *)r + MIGTD_VR_QE_TCB_STATUS, "UpToDate");

	/* the mask works on the named fields */
	migtd_verified_report_mask(r);
	assert_int_equal(migtd_wire_get_u32(r + MIGTD_VR_QE_MISCSELECT), 0xA1B2C3D4u & 0x0F0F0F0Fu);
	for (size_t i = 0; i < 16; i++)
		assert_int_equal(r[MIGTD_VR_QE_ATTRIBUTES + i],
				 res.quote.qe.attributes[i] & res.qe_attributes_mask[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_offsets_match_the_spec),
		cmocka_unit_test(test_builder_writes_at_the_named_offsets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
