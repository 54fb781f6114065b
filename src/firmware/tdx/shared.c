/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * shared.c -- convert a private range to shared memory (docs/protocol.md §2, §2.1).
 *
 * Two halves, both needed: MapGPA tells the VMM (and through it the TDX
 * module) that the GPAs with the shared bit are now the valid ones, and the
 * guest's own page tables must map the range with the shared bit, or every
 * access would still go to the (now released) private page. The firmware
 * keeps the identity mapping (the CPU uses the same virtual address); only
 * the physical address in the PDE gains the shared bit.
 */
#include "fw_tdx.h"

#include "tdx.h"
#include "migtd/err.h"

#define PDE_COUNT 2048u    /* 4 PDs x 512: 0..4 GiB in 2 MiB pages */
#define PDE_PS (1ULL << 7) /* 2 MiB page */
#define PDE_P 1ULL

int fw_tdx_share(uint64_t *pd, uint64_t base, uint64_t size, uint64_t shared_mask,
		 uint64_t *shared_gpa)
{
	uint64_t first, count;
	int err;

	/* One bit, and above the 4 GiB the page tables map (GPAW is 48 or 52). */
	if (!pd || shared_mask == 0 || (shared_mask & (shared_mask - 1)) ||
	    shared_mask < (1ULL << 32))
		return MIGTD_ERR_INVALID;
	if (size == 0 || (base | size) & (FW_TDX_2M - 1) || base < FW_TDX_2M ||
	    base > (uint64_t)PDE_COUNT * FW_TDX_2M || size > (uint64_t)PDE_COUNT * FW_TDX_2M - base)
		return MIGTD_ERR_INVALID;
	first = base / FW_TDX_2M;
	count = size / FW_TDX_2M;
	/* The PDEs must be the identity 2 MiB mappings the reset vector built. */
	for (uint64_t i = first; i < first + count; i++)
		if ((pd[i] & (PDE_P | PDE_PS)) != (PDE_P | PDE_PS) ||
		    (pd[i] & ~0xFFFULL & ~shared_mask) != i * FW_TDX_2M)
			return MIGTD_ERR_STATE;
	err = tdx_map_gpa(base | shared_mask, size);
	if (err != MIGTD_OK)
		return err;
	for (uint64_t i = first; i < first + count; i++)
		pd[i] |= shared_mask;
	*shared_gpa = base | shared_mask;
	return MIGTD_OK;
}
