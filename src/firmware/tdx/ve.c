/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * ve.c -- what a TD must ask the VMM for instead of executing it
 * (docs/td-path.md): the #VE handler (TDG.VP.VEINFO.GET, then the
 * instruction emulated through the matching TDG.VP.VMCALL and skipped),
 * HLT as TDG.VP.VMCALL<Instruction.HLT>, and the fatal end of every failure
 * path, TDG.VP.VMCALL<ReportFatalError> (docs/protocol.md §2.1), as td-payload ends
 * every panic.
 *
 * The firmware issues explicit TDVMCALLs for port I/O, MMIO, HLT and the
 * MSRs it needs, so a #VE here means code took a path it should not have
 * (or the TDX module chose to virtualize something new); the handler still
 * completes CPUID, RDMSR/WRMSR, HLT and port I/O so that one stray
 * instruction is not fatal, and ends the TD on anything else (an EPT
 * violation: MMIO that did not go through fw_mmio_*, or an unaccepted page).
 *
 * Reaches the TDX module only through tdx_tdcall(): unit-tested on the host
 * against a fake TDCALL (tests/unit/test_fw_tdx.c).
 */
#include "fw_tdx.h"

#include <stdbool.h>

#include "tdx.h"
#include "migtd/err.h"
#include "migtd/tdx_abi.h"

#define RFLAGS_IF (1ULL << 9)

int fw_tdx_veinfo_get(struct fw_ve_info *out)
{
	struct tdx_regs r = { 0 };

	r.rax = TDX_TDG_VP_VEINFO_GET;
	if (tdx_tdcall(&r) != TDX_SUCCESS)
		return MIGTD_ERR_TDCALL;
	out->exit_reason = (uint32_t)r.rcx;
	out->qualification = r.rdx;
	out->gla = r.r8;
	out->gpa = r.r9;
	out->insn_len = (uint32_t)r.r10;
	out->insn_info = (uint32_t)(r.r10 >> 32);
	return MIGTD_OK;
}

static int vmcall(uint64_t fn, struct tdx_regs *r)
{
	r->rax = TDX_TDG_VP_VMCALL;
	r->rcx = TDX_VMCALL_EXPOSE_R10_R15;
	r->r10 = 0;
	r->r11 = fn;
	if (tdx_tdcall(r) != TDX_SUCCESS)
		return MIGTD_ERR_TDCALL;
	return tdx_vmcall_status_err(r->r10);
}

int fw_tdx_hlt(bool irq_blocked)
{
	struct tdx_regs r = { 0 };

	/* GHCI Instruction.HLT: R12 = "interrupts blocked" -- 0 after sti, so
	 * the VMM wakes us on the next pending interrupt. */
	r.r12 = irq_blocked ? 1 : 0;
	return vmcall(TDX_VMCALL_HLT, &r);
}

int fw_tdx_cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	struct tdx_regs r = { 0 };
	int err;

	r.r12 = leaf;
	r.r13 = sub;
	err = vmcall(TDX_VMCALL_CPUID, &r);
	if (err)
		return err;
	out[0] = (uint32_t)r.r12, out[1] = (uint32_t)r.r13;
	out[2] = (uint32_t)r.r14, out[3] = (uint32_t)r.r15;
	return MIGTD_OK;
}

int fw_tdx_rdmsr(uint32_t msr, uint64_t *value)
{
	struct tdx_regs r = { 0 };
	int err;

	r.r12 = msr;
	err = vmcall(TDX_VMCALL_RDMSR, &r);
	if (!err)
		*value = r.r11;
	return err;
}

int fw_tdx_wrmsr(uint32_t msr, uint64_t value)
{
	struct tdx_regs r = { 0 };

	r.r12 = msr;
	r.r13 = value;
	return vmcall(TDX_VMCALL_WRMSR, &r);
}

int fw_tdx_io(unsigned int size, bool write, uint16_t port, uint64_t *value)
{
	struct tdx_regs r = { 0 };
	int err;

	r.r12 = size;
	r.r13 = write ? 1 : 0;
	r.r14 = port;
	r.r15 = write ? *value : 0;
	err = vmcall(TDX_VMCALL_IO, &r);
	if (!err && !write)
		*value = r.r11;
	return err;
}

/* Exit qualification of an I/O instruction (SDM "Exit Qualification for
 * I/O Instructions"): size-1 in 2:0, 1 = IN in bit 3, string in bit 4,
 * REP in bit 5, port in 31:16. */
static int ve_io(const struct fw_ve_info *ve, struct fw_ve_cpu *cpu)
{
	unsigned int size = (unsigned int)(ve->qualification & 7) + 1;
	bool in = (ve->qualification >> 3) & 1;
	uint64_t mask = size == 4 ? 0xFFFFFFFFULL : (1ULL << (8 * size)) - 1;
	uint64_t v;
	int err;

	if ((ve->qualification >> 4) & 3)
		return MIGTD_ERR_UNSUPPORTED; /* INS/OUTS/REP: never used here */
	if (size != 1 && size != 2 && size != 4)
		return MIGTD_ERR_INVALID;
	v = in ? 0 : cpu->rax & mask;
	err = fw_tdx_io(size, !in, (uint16_t)(ve->qualification >> 16), &v);
	if (err)
		return err;
	if (in)
		cpu->rax = (cpu->rax & ~mask) | (v & mask);
	return MIGTD_OK;
}

int fw_tdx_handle_ve(struct fw_ve_cpu *cpu, struct fw_ve_info *ve)
{
	uint32_t regs[4];
	uint64_t v;
	int err = fw_tdx_veinfo_get(ve);

	if (err)
		return err;
	switch (ve->exit_reason) {
	case FW_VE_EXIT_CPUID:
		err = fw_tdx_cpuid((uint32_t)cpu->rax, (uint32_t)cpu->rcx, regs);
		if (!err)
			cpu->rax = regs[0], cpu->rbx = regs[1], cpu->rcx = regs[2],
			cpu->rdx = regs[3];
		break;
	case FW_VE_EXIT_HLT: err = fw_tdx_hlt(!(cpu->rflags & RFLAGS_IF)); break;
	case FW_VE_EXIT_RDMSR:
		err = fw_tdx_rdmsr((uint32_t)cpu->rcx, &v);
		if (!err)
			cpu->rax = (uint32_t)v, cpu->rdx = v >> 32;
		break;
	case FW_VE_EXIT_WRMSR:
		err = fw_tdx_wrmsr((uint32_t)cpu->rcx,
				   (cpu->rdx & 0xFFFFFFFFULL) << 32 | (cpu->rax & 0xFFFFFFFFULL));
		break;
	case FW_VE_EXIT_IO: err = ve_io(ve, cpu); break;
	default:
		/* EPT violation (MMIO not through fw_mmio_*, unaccepted memory)
		 * and anything else: not emulated. */
		return MIGTD_ERR_UNSUPPORTED;
	}
	if (err)
		return err;
	/* The instruction completed: continue after it. A zero length would
	 * loop on the same #VE forever. */
	if (ve->insn_len == 0 || ve->insn_len > 15)
		return MIGTD_ERR_INVALID;
	cpu->rip += ve->insn_len;
	return MIGTD_OK;
}

void fw_tdx_report_fatal(uint64_t code)
{
	/* No message page: the serial log already has the text, and a shared
	 * page may be what failed. */
	(void)tdx_vmcall_report_fatal_error(code, 0);
}
