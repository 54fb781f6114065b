/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * accept.c -- TDG.MEM.PAGE.ACCEPT over a GPA range (docs/protocol.md §3, leaf 6).
 *
 * PAGE_AUG memory (the PermMem section, docs/protocol.md §9.2) is unusable until the TD
 * accepts it. 2 MiB pages first: one TDCALL instead of 512, and the VMM may
 * have backed the range with large pages. The module answers "page size
 * mismatch" when the VMM mapped the 2 MiB range with 4 KiB pages; then the
 * same range is accepted page by page. "Already accepted" is not an error
 * (a page a previous boot stage accepted), "operand busy" is another vCPU
 * or the module holding the page's lock: transient, retried a few times.
 */
#include "fw_tdx.h"

#include "tdx.h"
#include "migtd/err.h"
#include "migtd/tdx_abi.h"

enum accept_result {
	ACCEPT_OK,
	ACCEPT_MISMATCH,
	ACCEPT_FAILED,
};

static enum accept_result accept_one(uint64_t gpa, unsigned int level,
				     struct fw_tdx_accept_stats *st)
{
	for (unsigned int attempt = 0; attempt <= FW_TDX_ACCEPT_BUSY_RETRIES; attempt++) {
		struct tdx_regs r = { 0 };
		uint64_t status;

		r.rax = TDX_TDG_MEM_PAGE_ACCEPT;
		r.rcx = gpa | level;
		status = tdx_tdcall(&r);
		if (status == TDX_SUCCESS)
			return ACCEPT_OK;
		if (status == FW_TDX_STATUS_ALREADY_ACCEPTED) {
			st->already++;
			return ACCEPT_OK;
		}
		if (level == FW_TDX_ACCEPT_LEVEL_2M && status == FW_TDX_STATUS_PAGE_SIZE_MISMATCH)
			return ACCEPT_MISMATCH;
		if (TDX_STATUS_CLASS(status) != TDX_CLASS_OPERAND_BUSY)
			return ACCEPT_FAILED;
		if (attempt < FW_TDX_ACCEPT_BUSY_RETRIES)
			st->busy_retries++;
	}
	return ACCEPT_FAILED;
}

static int accept_4k_run(uint64_t gpa, uint64_t pages, struct fw_tdx_accept_stats *st)
{
	for (uint64_t i = 0; i < pages; i++) {
		if (accept_one(gpa + i * FW_TDX_4K, FW_TDX_ACCEPT_LEVEL_4K, st) != ACCEPT_OK)
			return MIGTD_ERR_TDCALL;
		st->pages_4k++;
	}
	return MIGTD_OK;
}

int fw_tdx_accept(uint64_t gpa, uint64_t len, struct fw_tdx_accept_stats *stats)
{
	struct fw_tdx_accept_stats local = { 0 };
	struct fw_tdx_accept_stats *st = stats ? stats : &local;
	uint64_t at = gpa, end;
	int err = MIGTD_OK;

	*st = (struct fw_tdx_accept_stats){ 0 };
	if (len == 0 || (gpa | len) & (FW_TDX_4K - 1) || gpa > UINT64_MAX - len)
		return MIGTD_ERR_INVALID;
	end = gpa + len;
	while (at < end && err == MIGTD_OK) {
		if ((at & (FW_TDX_2M - 1)) == 0 && end - at >= FW_TDX_2M) {
			switch (accept_one(at, FW_TDX_ACCEPT_LEVEL_2M, st)) {
			case ACCEPT_OK: st->pages_2m++; break;
			case ACCEPT_MISMATCH:
				err = accept_4k_run(at, FW_TDX_2M / FW_TDX_4K, st);
				break;
			default: err = MIGTD_ERR_TDCALL; break;
			}
			at += FW_TDX_2M;
			continue;
		}
		/* Up to the next 2 MiB boundary or the end, whichever is first. */
		uint64_t stop = (at | (FW_TDX_2M - 1)) + 1;

		/* cppcheck-suppress knownConditionTrueFalse ; false positive: the sum wraps to 0 in the top 2 MiB */
		if (stop > end || stop == 0)
			stop = end;
		err = accept_4k_run(at, (stop - at) / FW_TDX_4K, st);
		at = stop;
	}
	return err;
}
