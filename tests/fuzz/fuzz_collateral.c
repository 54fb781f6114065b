/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_collateral -- TCB Info (TDX v3) and QE Identity (TD_QE v2) JSON from
 * Intel PCS: jsmn tokenizing, the field checks and the TCB level / QE
 * identity matching (src/core/quote/collateral.c).
 *
 * The signature over the JSON would stop every mutant at the first step,
 * so the target calls the checks that follow it directly
 * (migtd_qv_collateral_fields_unverified, migtd_qv_match_tcb_level), plus the
 * signature path itself (qv_check_*: parse, hex signature, chain) and
 * migtd_quote_collateral_time. Each input is tried as both documents and
 * against two platforms: a TDX module with major version 0 (TDX components
 * matched from index 0) and one with major version 1 (index 2 onward, plus
 * the tdxModuleIdentities path). The platform values are those of the
 * production quote that go-tdx-guest's sample collateral belongs to
 * (FMSPC 50806F000000, PCE-ID 0000), so the seeds reach the matching code.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "quote_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2023-07-01T00:00:00Z: inside the samples' issueDate..nextUpdate. */
#define NOW 1688169600

static const uint8_t qe_mrsigner[32] = {
	0xDC, 0x9E, 0x2A, 0x7C, 0x6F, 0x94, 0x8F, 0x17, 0x47, 0x4E, 0x34,
	0xA7, 0xFC, 0x43, 0xED, 0x03, 0x0F, 0x7C, 0x15, 0x63, 0xF1, 0xBA,
	0xBD, 0xDF, 0x63, 0x40, 0xC8, 0x2E, 0x0E, 0x54, 0xA8, 0xC5,
};

static void platform(struct migtd_quote_verify_result *res, uint8_t module_major)
{
	static const uint8_t fmspc[6] = { 0x50, 0x80, 0x6F, 0x00, 0x00, 0x00 };

	memset(res, 0, sizeof(*res));
	memcpy(res->pck.fmspc, fmspc, 6);
	memset(res->pck.sgx_tcb_comp, 0x07, 16);
	res->pck.pce_svn = 11;
	memset(res->quote.body.tee_tcb_svn, 0x03, 16);
	res->quote.body.tee_tcb_svn[1] = module_major;
	memcpy(res->quote.qe.mr_signer, qe_mrsigner, 32);
	res->quote.qe.isv_prod_id = 2;
	res->quote.qe.isv_svn = 4;
	res->quote.qe.attributes[0] = 0x11;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct migtd_quote_verify_result res;
	/* A P-256 point that is not the Intel root: the chain check fails, but
	 * only after the document and its signature field were parsed. */
	static const uint8_t root[QV_KEY_LEN] = { 0x04 };
	struct migtd_quote_collateral c = {
		.tcb_info = data,
		.tcb_info_len = size,
		.qe_identity = data,
		.qe_identity_len = size,
	};
	const char *why = NULL;
	int64_t t;

	for (uint8_t major = 0; major < 2; major++) {
		platform(&res, major);
		if (migtd_qv_collateral_fields_unverified(data, size, false, NOW, &res, &why) ==
		    MIGTD_OK)
			(void)migtd_qv_match_tcb_level(&c, &res, &why);
		(void)migtd_qv_collateral_fields_unverified(data, size, true, NOW, &res, &why);
		(void)migtd_qv_converge_status(res.tcb_status, res.qe_tcb_status);
	}
	/* Unconditionally too: the matcher must survive documents whose
	 * header fields are wrong. */
	platform(&res, 1);
	(void)migtd_qv_match_tcb_level(&c, &res, &why);
	(void)migtd_qv_check_tcb_info(NULL, &c, root, NOW, &res, &why);
	(void)migtd_qv_check_qe_identity(NULL, &c, root, NOW, &res, &why);
	(void)migtd_quote_collateral_time(data, size, &t);
	return 0;
}
