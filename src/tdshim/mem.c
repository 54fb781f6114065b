/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * mem.c -- the TD's memory as a TDX module keeps it, in nested page tables.
 *
 * Every 4 KiB GPA below TDSHIM_TD_GPA_LIMIT has a state (tdshim.h):
 * PAGE.ADDed sections (TempMem, TD HOB) are private and present from the
 * start; PermMem (PAGE_AUG) is pending and absent from the NPT until the TD
 * accepts it, so a touch before that is an NPT fault (a #VE); MapGPA to
 * shared removes the private page and maps the alias GPA | shared bit onto
 * HPA = GPA -- the same bytes the devices reach through the alias BAR --
 * and MapGPA back to private makes the page pending again (it must be
 * re-accepted, and its old shared contents are never seen as private).
 * Private pages live at TDSHIM_PRIVATE_HPA + GPA, where no device DMA goes.
 * The image's BFV/CFV map the -device loader copy read-only... in the
 * sense that the TD may write it (TDX gives it RW private pages too).
 */
#include "tdshim.h"

#include <string.h>

#include "fw.h"
#include "migtd/err.h"
#include "migtd/tdvf.h"
#include "migtd/tdx_abi.h"
#include "tdx/fw_tdx.h"

#define NPT_P 0x1ull
#define NPT_RW 0x2ull
#define NPT_US 0x4ull /* nested walks are user accesses */
#define NPT_FLAGS (NPT_P | NPT_RW | NPT_US)
#define NPT_ADDR 0x000FFFFFFFFFF000ull
#define NPT_POOL_PAGES 96

/* TDX statuses of TDG.MEM.PAGE.ACCEPT (docs/td-under-shim.md) beyond the
 * ones the firmware acts on (FW_TDX_STATUS_*, tdx/fw_tdx.h). */
#define TDX_EPT_WALK_FAILED 0xC0000B0000000000ull

static _Alignas(4096) uint64_t npt_pool[NPT_POOL_PAGES][512];
static unsigned int npt_used;
static uint64_t *npt_pml4;
static uint8_t page_state[TDSHIM_TD_GPA_LIMIT / SHIM_PAGE];
/* The shadow identity tables of the paging-off phase (svm.c). */
static _Alignas(4096) uint64_t shadow_pt[2][512];

static uint64_t *npt_alloc(void)
{
	if (npt_used >= NPT_POOL_PAGES) {
		fw_puts("[tdshim] out of NPT pages\n");
		shim_finish(FW_EXIT_FAIL, "NPT pool");
	}
	return npt_pool[npt_used++];
}

/* The level-1 entry for gpa, creating tables on the way. */
static uint64_t *npt_pte(uint64_t gpa)
{
	uint64_t *t = npt_pml4;

	for (int shift = 39; shift > 12; shift -= 9) {
		uint64_t *e = &t[(gpa >> shift) & 511];

		if (!(*e & NPT_P)) {
			uint64_t *n = npt_alloc();

			*e = (uint64_t)(uintptr_t)n | NPT_FLAGS;
		}
		t = (uint64_t *)(uintptr_t)(*e & NPT_ADDR);
	}
	return &t[(gpa >> 12) & 511];
}

static void npt_map(uint64_t gpa, uint64_t hpa)
{
	*npt_pte(gpa) = (hpa & NPT_ADDR) | NPT_FLAGS;
}

static void npt_unmap(uint64_t gpa)
{
	*npt_pte(gpa) = 0;
}

uint64_t shim_npt_root(void)
{
	return (uint64_t)(uintptr_t)npt_pml4;
}

void shim_mem_init(void)
{
	npt_used = 0;
	memset(npt_pool, 0, sizeof(npt_pool));
	memset(page_state, 0, sizeof(page_state));
	npt_pml4 = npt_alloc();
	/* Shadow tables for the paging-off phase: PML4 -> PDPT of 4 x 1 GiB. */
	memset(shadow_pt, 0, sizeof(shadow_pt));
	shadow_pt[0][0] = (SHIM_SHADOW_PT_GPA + 0x1000) | 0x3;
	for (uint64_t i = 0; i < 4; i++)
		shadow_pt[1][i] = (i << 30) | 0x83;
	npt_map(SHIM_SHADOW_PT_GPA, (uint64_t)(uintptr_t)shadow_pt[0]);
	npt_map(SHIM_SHADOW_PT_GPA + 0x1000, (uint64_t)(uintptr_t)shadow_pt[1]);
}

void shim_mem_shadow_done(void)
{
	npt_unmap(SHIM_SHADOW_PT_GPA);
	npt_unmap(SHIM_SHADOW_PT_GPA + 0x1000);
}

static uint64_t private_hpa(uint64_t gpa)
{
	return TDSHIM_PRIVATE_HPA + gpa;
}

static bool in_td_ram(uint64_t gpa, uint64_t len)
{
	return gpa < TDSHIM_TD_GPA_LIMIT && len <= TDSHIM_TD_GPA_LIMIT - gpa;
}

/* A PAGE.ADDed range: private, present, contents from the image (or 0). */
static int add_private(uint64_t gpa, uint64_t size, const uint8_t *raw, uint64_t raw_size)
{
	if (!in_td_ram(gpa, size))
		return MIGTD_ERR_LENGTH;
	memset(shim_hpa(private_hpa(gpa)), 0, size);
	if (raw_size)
		memcpy(shim_hpa(private_hpa(gpa)), raw, raw_size);
	for (uint64_t off = 0; off < size; off += SHIM_PAGE) {
		page_state[(gpa + off) / SHIM_PAGE] = SP_PRIVATE;
		npt_map(gpa + off, private_hpa(gpa + off));
	}
	return MIGTD_OK;
}

static uint64_t image_gpa_base, image_gpa_end;

int shim_mem_load_image(void)
{
	static struct tdvf_metadata md;
	const uint8_t *img = shim_hpa(TDSHIM_IMAGE_HPA);
	int err = migtd_tdvf_parse(img, FW_IMAGE_SIZE, &md);

	if (err) {
		fw_printf("[tdshim] the image at 0x%x is not a TDVF image: %s\n", TDSHIM_IMAGE_HPA,
			  migtd_err_str(err));
		return err;
	}
	image_gpa_base = FW_IMAGE_BASE;
	image_gpa_end = FW_IMAGE_END;
	for (uint32_t i = 0; i < md.number_of_sections; i++) {
		const struct tdvf_section *s = &md.sections[i];

		uint64_t end = s->gpa + s->mem_size;

		fw_printf("[tdshim] TDVF %-5s GPA 0x%llx..0x%llx%s\n",
			  migtd_tdvf_section_name(s->type), (unsigned long long)s->gpa,
			  (unsigned long long)end,
			  (s->attributes & TDVF_ATTR_PAGE_AUG)
				  ? " (PAGE_AUG: absent until accepted)"
				  : "");
		if (s->attributes & TDVF_ATTR_PAGE_AUG) {
			if (!in_td_ram(s->gpa, s->mem_size))
				return MIGTD_ERR_LENGTH;
			for (uint64_t off = 0; off < s->mem_size; off += SHIM_PAGE)
				page_state[(s->gpa + off) / SHIM_PAGE] = SP_PENDING;
			continue;
		}
		if (s->gpa >= FW_IMAGE_BASE) {
			/* BFV/CFV: the loader's copy is the TD's private copy. */
			if (s->raw_size < s->mem_size ||
			    s->data_offset + s->mem_size > FW_IMAGE_SIZE)
				return MIGTD_ERR_LENGTH;
			for (uint64_t off = 0; off < s->mem_size; off += SHIM_PAGE)
				npt_map(s->gpa + off, TDSHIM_IMAGE_HPA + s->data_offset + off);
			continue;
		}
		err = add_private(s->gpa, s->mem_size, img + s->data_offset, s->raw_size);
		if (err)
			return err;
	}
	return MIGTD_OK;
}

enum shim_page shim_page_state(uint64_t gpa)
{
	gpa &= ~SHIM_SHARED_BIT;
	return gpa < TDSHIM_TD_GPA_LIMIT ? (enum shim_page)page_state[gpa / SHIM_PAGE] : SP_NONE;
}

static uint64_t accept_4k(uint64_t gpa)
{
	uint8_t *st = &page_state[gpa / SHIM_PAGE];

	*st = SP_PRIVATE;
	/* A freshly accepted page reads as zeros (the module clears it). */
	memset(shim_hpa(private_hpa(gpa)), 0, SHIM_PAGE);
	npt_map(gpa, private_hpa(gpa));
	return TDX_SUCCESS;
}

uint64_t shim_mem_accept(uint64_t gpa, unsigned int level)
{
	uint64_t size = level == 0 ? SHIM_PAGE : SHIM_2M;
	unsigned int pending = 0, accepted = 0;

	if (level > 1 || (gpa & (size - 1)) || !in_td_ram(gpa, size))
		return TDX_OPERAND_INVALID;
	for (uint64_t off = 0; off < size; off += SHIM_PAGE) {
		enum shim_page st = (enum shim_page)page_state[(gpa + off) / SHIM_PAGE];

		if (st == SP_PENDING)
			pending++;
		else if (st == SP_PRIVATE)
			accepted++;
		else
			return TDX_EPT_WALK_FAILED; /* not a page of this TD, or shared */
	}
	if (accepted == size / SHIM_PAGE)
		return FW_TDX_STATUS_ALREADY_ACCEPTED;
	if (accepted)
		return FW_TDX_STATUS_PAGE_SIZE_MISMATCH; /* a 2 MiB accept over 4 KiB-accepted pages */
	for (uint64_t off = 0; off < size; off += SHIM_PAGE)
		accept_4k(gpa + off);
	return TDX_SUCCESS;
}

uint64_t shim_mem_map_gpa(uint64_t gpa, uint64_t len, uint64_t max, uint64_t *next)
{
	bool to_shared = (gpa & SHIM_SHARED_BIT) != 0;
	uint64_t base = gpa & ~SHIM_SHARED_BIT, done = 0;

	if ((base | len) & (SHIM_PAGE - 1))
		return TDX_VMCALL_ALIGN_ERROR;
	if (len == 0 || !in_td_ram(base, len))
		return TDX_VMCALL_INVALID_OPERAND;
	for (uint64_t off = 0; off < len; off += SHIM_PAGE)
		if (page_state[(base + off) / SHIM_PAGE] == SP_NONE)
			return TDX_VMCALL_INVALID_OPERAND;
	while (done < len && done < max) {
		uint64_t g = base + done;
		uint8_t *st = &page_state[g / SHIM_PAGE];

		if (to_shared && *st != SP_SHARED) {
			npt_unmap(g);
			npt_map(g | SHIM_SHARED_BIT, g);
			*st = SP_SHARED;
		} else if (!to_shared && *st == SP_SHARED) {
			npt_unmap(g | SHIM_SHARED_BIT);
			*st = SP_PENDING;
		}
		done += SHIM_PAGE;
	}
	if (done < len) {
		*next = gpa + done;
		return TDX_VMCALL_RETRY;
	}
	return TDX_VMCALL_SUCCESS;
}

/* The L1 pointer to [base, base + len) of the TD if every page in it is in
 * state want (private pages at their private HPA, shared ones at HPA =
 * GPA), else NULL. */
static void *td_pages(uint64_t base, uint64_t len, enum shim_page want)
{
	if (len == 0 || !in_td_ram(base, len))
		return NULL;
	for (uint64_t p = base & ~(SHIM_PAGE - 1); p < base + len; p += SHIM_PAGE)
		if (page_state[p / SHIM_PAGE] != want)
			return NULL;
	return shim_hpa(want == SP_PRIVATE ? private_hpa(base) : base);
}

void *shim_td_private(uint64_t gpa, uint64_t len)
{
	return (gpa & SHIM_SHARED_BIT) ? NULL : td_pages(gpa, len, SP_PRIVATE);
}

void *shim_td_shared(uint64_t gpa, uint64_t len)
{
	return (gpa & SHIM_SHARED_BIT) ? td_pages(gpa & ~SHIM_SHARED_BIT, len, SP_SHARED) : NULL;
}

void *shim_td_any(uint64_t gpa)
{
	uint64_t base = gpa & ~SHIM_SHARED_BIT;

	if (base >= image_gpa_base && base < image_gpa_end && !(gpa & SHIM_SHARED_BIT))
		return shim_hpa(TDSHIM_IMAGE_HPA + (base - image_gpa_base));
	if ((gpa & ~0x1FFFull) == SHIM_SHADOW_PT_GPA)
		return (uint8_t *)shadow_pt + (gpa - SHIM_SHADOW_PT_GPA);
	if (gpa & SHIM_SHARED_BIT)
		return shim_td_shared(gpa, 1);
	return shim_td_private(gpa, 1);
}
