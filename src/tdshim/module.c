/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * module.c -- the TDCALL leaves of the modelled TDX module
 * (docs/protocol.md §3, docs/td-under-shim.md).
 *
 * VP.INFO, MEM.PAGE.ACCEPT and VP.VEINFO.GET are answered here. MR.REPORT,
 * MR.RTMR.EXTEND, SERVTD.RD/WR and SYS.RD go over the platform link to the
 * emulated TDX module on the host (the emulated platform's client,
 * src/platform/emu), so the report MAC key, the RTMRs and the migration
 * keys never exist in this ROM beyond the one call that carries them.
 * Buffers the TD names must be private, accepted and aligned as the module
 * demands; anything else is TDX_OPERAND_INVALID.
 */
#include "tdshim.h"

#include <string.h>

#include "fw.h"
#include "emu_platform.h"
#include "mbedtls/platform_util.h"
#include "migtd/tdx_abi.h"

#define TDX_NO_VALID_VE_INFO 0xC000070400000000ull

extern struct emu_platform shim_link;

static uint64_t *R(enum shim_reg r)
{
	return &shim_cpu.g.r[r];
}

static uint64_t from_err(int err)
{
	return err == MIGTD_OK ? TDX_SUCCESS : TDX_OPERAND_INVALID;
}

static uint64_t vp_info(void)
{
	*R(SR_RCX) = SHIM_GPAW;
	*R(SR_RDX) = 0; /* TD attributes: no debug, SEPT_VE_DISABLE clear */
	if (shim_test == TEST_AP) {
		*R(SR_R8) = 2ull | (2ull << 32); /* the AP watch: vCPU 1 of 2 */
		*R(SR_R9) = 1;
	} else {
		*R(SR_R8) = 1ull | (1ull << 32); /* 1 vCPU of at most 1 */
		*R(SR_R9) = 0;
	}
	*R(SR_R10) = 0;
	*R(SR_R11) = 0;
	return TDX_SUCCESS;
}

static uint64_t veinfo_get(void)
{
	struct shim_ve *ve = &shim_cpu.ve;

	if (!ve->valid)
		return TDX_NO_VALID_VE_INFO;
	*R(SR_RCX) = ve->exit_reason;
	*R(SR_RDX) = ve->qualification;
	*R(SR_R8) = ve->gla;
	*R(SR_R9) = ve->gpa;
	*R(SR_R10) = (uint64_t)ve->insn_len | (uint64_t)ve->insn_info << 32;
	ve->valid = false;
	return TDX_SUCCESS;
}

static uint64_t mr_report(void)
{
	uint8_t *report = shim_td_private(*R(SR_RCX), TDREPORT_STRUCT_SIZE);
	const uint8_t *rd = shim_td_private(*R(SR_RDX), TDREPORT_REPORT_DATA_SIZE);
	uint8_t data[TDREPORT_REPORT_DATA_SIZE];
	static uint8_t out[TDREPORT_STRUCT_SIZE];
	int err;

	if (!report || !rd || (*R(SR_RCX) & 1023) || (*R(SR_RDX) & 63) || *R(SR_R8) != 0)
		return TDX_OPERAND_INVALID;
	memcpy(data, rd, sizeof(data));
	err = emu_platform_ops.mr_report(&shim_link, data, out);
	if (err == MIGTD_OK)
		memcpy(report, out, sizeof(out));
	return from_err(err);
}

static uint64_t rtmr_extend(void)
{
	const uint8_t *d = shim_td_private(*R(SR_RCX), TDX_RTMR_DIGEST_SIZE);
	uint8_t digest[TDX_RTMR_DIGEST_SIZE];

	if (!d || (*R(SR_RCX) & 63) || *R(SR_RDX) >= TDX_RTMR_COUNT)
		return TDX_OPERAND_INVALID;
	memcpy(digest, d, sizeof(digest));
	return from_err(
		emu_platform_ops.mr_rtmr_extend(&shim_link, (unsigned int)*R(SR_RDX), digest));
}

static void binding(struct migtd_servtd_binding *b)
{
	b->handle = *R(SR_RCX);
	b->uuid.w[0] = *R(SR_R10);
	b->uuid.w[1] = *R(SR_R11);
	b->uuid.w[2] = *R(SR_R12);
	b->uuid.w[3] = *R(SR_R13);
}

static uint64_t servtd_rd(void)
{
	struct migtd_servtd_binding b;
	uint64_t v = 0;
	int err;

	binding(&b);
	err = emu_platform_ops.servtd_rd(&shim_link, &b, *R(SR_RDX), &v);
	*R(SR_R8) = err == MIGTD_OK ? v : 0;
	mbedtls_platform_zeroize(&v, sizeof(v)); /* may be a key word */
	return from_err(err);
}

static uint64_t servtd_wr(void)
{
	struct migtd_servtd_binding b;
	uint64_t old = 0;
	int err;

	binding(&b);
	err = emu_platform_ops.servtd_wr(&shim_link, &b, *R(SR_RDX), *R(SR_R8), *R(SR_R9), &old);
	*R(SR_R8) = err == MIGTD_OK ? old : 0;
	mbedtls_platform_zeroize(&old, sizeof(old));
	return from_err(err);
}

static uint64_t sys_rd(void)
{
	uint64_t v = 0;
	int err = emu_platform_ops.sys_rd(&shim_link, *R(SR_RDX), &v);

	*R(SR_R8) = err == MIGTD_OK ? v : 0;
	return from_err(err);
}

void shim_tdcall(void)
{
	uint64_t leaf = shim_rax(), status;

	switch (leaf) {
	case TDX_TDG_VP_VMCALL:
		shim_stats[ST_TDCALL_VMCALL]++;
		shim_vmcall();
		return; /* sets RAX itself */
	case TDX_TDG_VP_INFO:
		shim_stats[ST_TDCALL_VP_INFO]++;
		status = vp_info();
		break;
	case TDX_TDG_MR_RTMR_EXTEND:
		shim_stats[ST_TDCALL_RTMR_EXTEND]++;
		status = rtmr_extend();
		break;
	case TDX_TDG_VP_VEINFO_GET:
		shim_stats[ST_TDCALL_VEINFO_GET]++;
		status = veinfo_get();
		break;
	case TDX_TDG_MR_REPORT:
		shim_stats[ST_TDCALL_MR_REPORT]++;
		status = mr_report();
		break;
	case TDX_TDG_MEM_PAGE_ACCEPT:
		shim_stats[ST_TDCALL_ACCEPT]++;
		status = shim_mem_accept(*R(SR_RCX) & ~0xFFFull, (unsigned int)(*R(SR_RCX) & 7));
		if (status == TDX_SUCCESS)
			shim_tlb_flush();
		break;
	case TDX_TDG_SYS_RD:
		shim_stats[ST_TDCALL_SYS_RD]++;
		status = sys_rd();
		break;
	case TDX_TDG_SERVTD_RD:
		shim_stats[ST_TDCALL_SERVTD_RD]++;
		status = servtd_rd();
		break;
	case TDX_TDG_SERVTD_WR:
		shim_stats[ST_TDCALL_SERVTD_WR]++;
		status = servtd_wr();
		break;
	default:
		shim_stats[ST_TDCALL_OTHER]++;
		status = TDX_OPERAND_INVALID;
		break;
	}
	shim_set_rax(status);
}
