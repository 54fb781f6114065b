/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * selftest.c -- the shim's own invariants, checked by running a small
 * probe as the TD instead of the image (-fw_cfg name=opt/tdshim/test,
 * string=invariants; tests/e2e/td_tcg.sh):
 *
 *  1. TDG.MEM.PAGE.ACCEPT of a pending page: success; the same page again:
 *     TDX_PAGE_ALREADY_ACCEPTED; a 2 MiB accept over it:
 *     TDX_PAGE_SIZE_MISMATCH -- each read from the probe's RAX after a real
 *     TDCALL, through the same #UD path the image's TDCALLs take;
 *  2. a load from a PermMem page never accepted: an NPT fault, and the #VE
 *     a TDX module gives (EPT violation, exit reason 48, that GPA);
 *  3. device DMA (fw_cfg's DMA engine) to a private GPA: it lands at that
 *     address in shared memory and never in the TD's private page; the same
 *     DMA to the GPA with the shared bit is the positive control (it does
 *     reach the TD's shared page through the alias BAR);
 *  4. TDVMCALL<#VE.RequestMMIO> of a private GPA is refused
 *     (TDG.VP.VMCALL_INVALID_OPERAND) while the same read through the
 *     shared GPA reaches the device, and MapGPA answers RETRY with R11 at
 *     the first GPA not converted. These leaves take R12..R15, which 32-bit
 *     probe code cannot set, so the probe's registers are set here and the
 *     same dispatch (shim_vmcall) runs.
 *
 * The probe runs in the shadowed paging-off phase (32-bit code, identity
 * tables); after each step it executes VMMCALL so this ROM can read the
 * whole 64-bit RAX. Results print as "[tdshim] invariant ...: ok|FAILED".
 */
#include "tdshim.h"

#include <string.h>

#include "fw.h"
#include "migtd/tdx_abi.h"
#include "tdx/fw_tdx.h"

#define PROBE_GPA 0x200000u   /* TempMem: private from the start */
#define ACCEPT_GPA 0x1403000u /* PermMem, inside 0x1400000..0x1600000 */
#define ACCEPT_2M 0x1400000u
#define UNACCEPTED_GPA 0x1800000u /* PermMem never accepted */
#define DMA_GPA 0x1A00000u        /* PermMem: accepted by the probe step 0 */

static unsigned int failures;
static unsigned int step;

static void check(const char *what, bool ok, uint64_t got)
{
	fw_printf("[tdshim] invariant %s: %s (0x%llx)\n", what, ok ? "ok" : "FAILED",
		  (unsigned long long)got);
	if (!ok)
		failures++;
}

/* 32-bit probe: for each (RCX) accept, tdcall then vmmcall; then the
 * load from unaccepted memory; then vmmcall to end. */
static const uint8_t insn_tdcall[4] = { 0x66, 0x0F, 0x01, 0xCC };
static const uint8_t insn_vmmcall[3] = { 0x0F, 0x01, 0xD9 };

static size_t put(uint8_t *p, size_t n, const uint8_t *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[n + i] = bytes[i];
	return n + len;
}

static size_t put32(uint8_t *p, size_t n, uint32_t v)
{
	for (unsigned int i = 0; i < 4; i++)
		p[n + i] = (uint8_t)(v >> (8 * i));
	return n + 4;
}

static size_t probe_build(uint8_t *p)
{
	static const uint32_t rcx[] = { DMA_GPA | 1u, ACCEPT_GPA, ACCEPT_GPA, ACCEPT_2M | 1u };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(rcx) / sizeof(rcx[0]); i++) {
		p[n++] = 0xB8; /* mov $6, %eax */
		n = put32(p, n, TDX_TDG_MEM_PAGE_ACCEPT);
		p[n++] = 0xB9; /* mov $imm, %ecx */
		n = put32(p, n, rcx[i]);
		n = put(p, n, insn_tdcall, sizeof(insn_tdcall));
		n = put(p, n, insn_vmmcall, sizeof(insn_vmmcall));
	}
	p[n++] = 0xA1; /* mov UNACCEPTED_GPA, %eax */
	n = put32(p, n, UNACCEPTED_GPA);
	n = put(p, n, insn_vmmcall, sizeof(insn_vmmcall));
	p[n++] = 0xF4; /* never reached */
	return n;
}

int shim_selftest_load(uint64_t *rip)
{
	uint8_t *p = shim_td_private(PROBE_GPA, SHIM_PAGE);

	if (!p)
		return -1;
	(void)probe_build(p);
	*rip = PROBE_GPA;
	return 0;
}

/* fw_cfg DMA of the 4-byte signature item ("QEMU") to address addr. */
static int fw_cfg_dma(uint64_t addr)
{
	static volatile struct {
		uint32_t control, length;
		uint64_t address;
	} __attribute__((aligned(16))) acc;
	uint64_t a = (uint64_t)(uintptr_t)&acc;

	acc.control = __builtin_bswap32(0x08u | 0x02u); /* select item 0 (bits 31:16), read */
	acc.length = __builtin_bswap32(4);
	acc.address = __builtin_bswap64(addr);
	__asm__ volatile("outl %0, %1" ::"a"(__builtin_bswap32((uint32_t)(a >> 32))), "Nd"(0x514));
	__asm__ volatile("outl %0, %1" ::"a"(__builtin_bswap32((uint32_t)a)), "Nd"(0x518));
	for (unsigned int i = 0; i < 1000000 && acc.control != 0; i++)
		__asm__ volatile("pause");
	return acc.control == 0 ? 0 : -1;
}

static void dma_checks(void)
{
	const uint8_t *priv = shim_td_private(DMA_GPA, 4);
	const uint8_t *at_gpa = shim_hpa(DMA_GPA); /* what HPA == GPA holds */
	uint8_t *shared;
	uint64_t next = 0;

	if (!priv) {
		check("DMA: the probe's page is private", false, DMA_GPA);
		return;
	}
	memset(shim_hpa(DMA_GPA), 0, 4);
	check("device DMA to a private GPA completes on the bus", fw_cfg_dma(DMA_GPA) == 0,
	      DMA_GPA);
	check("device DMA to a private GPA never reaches the TD's private page",
	      memcmp(priv, "\0\0\0\0", 4) == 0, (uint64_t)priv[0]);
	check("...it lands in shared memory at that address instead",
	      memcmp(at_gpa, "QEMU", 4) == 0, (uint64_t)at_gpa[0]);
	/* Positive control: after MapGPA the alias reaches the TD's shared page. */
	(void)shim_mem_map_gpa(DMA_GPA | SHIM_SHARED_BIT, SHIM_PAGE, SHIM_PAGE, &next);
	shared = shim_td_shared(DMA_GPA | SHIM_SHARED_BIT, 4);
	if (!shared) {
		check("MapGPA made the page shared", false, DMA_GPA);
		return;
	}
	memset(shared, 0, 4);
	if (fw_cfg_dma(DMA_GPA | SHIM_SHARED_BIT) != 0)
		memset(shared, 0, 4);
	check("device DMA to the shared alias reaches the TD's shared page",
	      memcmp(shared, "QEMU", 4) == 0, shared[0]);
}

static void vmcall(uint64_t fn, uint64_t r12, uint64_t r13, uint64_t r14, uint64_t r15)
{
	uint64_t *r = shim_cpu.g.r;

	r[SR_R10] = 0;
	r[SR_R11] = fn;
	r[SR_R12] = r12;
	r[SR_R13] = r13;
	r[SR_R14] = r14;
	r[SR_R15] = r15;
	shim_vmcall();
}

#define ECAM_HOST_BRIDGE 0xE0000000ull /* 00:00.0 vendor/device */
#define MAPGPA_GPA 0x1C00000ull        /* PermMem, pending */

static void vmcall_checks(void)
{
	const uint64_t *r = shim_cpu.g.r;

	vmcall(TDX_VMCALL_MMIO, 4, 0, ECAM_HOST_BRIDGE, 0);
	check("MMIO read of a private GPA is refused (VMCALL_INVALID_OPERAND)",
	      r[SR_R10] == TDX_VMCALL_INVALID_OPERAND, r[SR_R10]);
	vmcall(TDX_VMCALL_MMIO, 4, 0, ECAM_HOST_BRIDGE | SHIM_SHARED_BIT, 0);
	check("MMIO read of the same GPA with the shared bit reaches the device",
	      r[SR_R10] == TDX_VMCALL_SUCCESS && (uint32_t)r[SR_R11] == 0x29C08086u, r[SR_R11]);
	vmcall(TDX_VMCALL_MAP_GPA, MAPGPA_GPA | SHIM_SHARED_BIT, 2 * SHIM_2M, 0, 0);
	check("MapGPA of 4 MiB answers RETRY with R11 where it stopped",
	      r[SR_R10] == TDX_VMCALL_RETRY && r[SR_R11] > (MAPGPA_GPA | SHIM_SHARED_BIT) &&
		      r[SR_R11] < ((MAPGPA_GPA + 2 * SHIM_2M) | SHIM_SHARED_BIT),
	      r[SR_R11]);
}

/* A VMMCALL from the probe: RAX is the status of the step's TDCALL. */
void shim_selftest_step(uint64_t rax)
{
	switch (step++) {
	case 0: check("accept of a pending 2 MiB page", rax == TDX_SUCCESS, rax); break;
	case 1: check("accept of a pending 4 KiB page", rax == TDX_SUCCESS, rax); break;
	case 2:
		check("double accept gives TDX_PAGE_ALREADY_ACCEPTED",
		      rax == FW_TDX_STATUS_ALREADY_ACCEPTED, rax);
		break;
	case 3:
		check("2 MiB accept over an accepted 4 KiB page gives TDX_PAGE_SIZE_MISMATCH",
		      rax == FW_TDX_STATUS_PAGE_SIZE_MISMATCH, rax);
		break;
	default:
		check("load from unaccepted memory raised #VE (EPT violation) at its GPA",
		      shim_cpu.ve.valid && shim_cpu.ve.exit_reason == VE_REASON_EPT_VIOLATION &&
			      shim_cpu.ve.gpa == UNACCEPTED_GPA,
		      shim_cpu.ve.gpa);
		dma_checks();
		vmcall_checks();
		fw_printf("[tdshim] invariants: %u failed\n", failures);
		shim_finish(failures ? FW_EXIT_FAIL : FW_EXIT_OK, "self-test done");
	}
}
