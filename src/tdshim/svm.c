/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * svm.c -- the TD's one vCPU on SVM: VMCB set-up with the TD start state,
 * the run loop, and every exit but the TDCALLs themselves (module.c,
 * vmm.c).
 *
 * TD start state (docs/td-under-shim.md): 32-bit flat protected mode at
 * 0xFFFFFFF0, RBX = GPAW, RSI = vCPU index, EFER.LME set, paging off. TCG
 * does not walk the NPT for an L2 with paging off, so that phase is
 * shadowed: the TD really runs in compatibility mode on identity tables
 * at SHIM_SHADOW_PT_GPA while MOV to/from CR0/CR3/CR4 are intercepted and
 * answered from shadow values; when the TD sets CR0.PG its own CR3/CR4
 * take over and the intercepts go.
 */
#include "tdshim.h"

#include <string.h>

#include "fw.h"
#include "migtd/tdx_abi.h"

/* VMCB control area */
#define VMCB_CR_INTERCEPTS 0x000
#define VMCB_EXC_INTERCEPTS 0x008
#define VMCB_MISC1 0x00C
#define VMCB_MISC2 0x010
#define VMCB_IOPM 0x040
#define VMCB_MSRPM 0x048
#define VMCB_ASID 0x058
#define VMCB_TLB_CTL 0x05C
#define VMCB_INT_CTL 0x060
#define VMCB_INT_VECTOR 0x064
#define VMCB_INT_SHADOW 0x068
#define VMCB_EXITCODE 0x070
#define VMCB_EXITINFO1 0x078
#define VMCB_EXITINFO2 0x080
#define VMCB_NP_ENABLE 0x090
#define VMCB_EVENTINJ 0x0A8
#define VMCB_NCR3 0x0B0
/* VMCB save area */
#define VMCB_ES 0x400
#define VMCB_CS 0x410
#define VMCB_SS 0x420
#define VMCB_DS 0x430
#define VMCB_FS 0x440
#define VMCB_GS 0x450
#define VMCB_GDTR 0x460
#define VMCB_LDTR 0x470
#define VMCB_IDTR 0x480
#define VMCB_TR 0x490
#define VMCB_CPL 0x4CB
#define VMCB_EFER 0x4D0
#define VMCB_CR4 0x548
#define VMCB_CR3 0x550
#define VMCB_CR0 0x558
#define VMCB_DR7 0x560
#define VMCB_DR6 0x568
#define VMCB_RFLAGS 0x570
#define VMCB_RIP 0x578
#define VMCB_RSP 0x5D8
#define VMCB_RAX 0x5F8
#define VMCB_GPAT 0x668

#define MISC1_INTR (1u << 0)
#define MISC1_CPUID (1u << 18)
#define MISC1_HLT (1u << 24)
#define MISC1_IOIO (1u << 27)
#define MISC1_MSR (1u << 28)
#define MISC1_SHUTDOWN (1u << 31)
#define MISC2_VMRUN (1u << 0)
#define MISC2_VMMCALL (1u << 1)

#define EXIT_CR0_READ 0x00 /* 0x00..0x1F: MOV from/to CRn (exit_cr) */
#define EXIT_CR4_WRITE 0x14
#define EXIT_EXCP_UD 0x46
#define EXIT_INTR 0x60
#define EXIT_CPUID 0x72
#define EXIT_HLT 0x78
#define EXIT_IOIO 0x7B
#define EXIT_MSR 0x7C
#define EXIT_SHUTDOWN 0x7F
#define EXIT_VMRUN 0x80
#define EXIT_VMMCALL 0x81
#define EXIT_NPF 0x400

#define INT_CTL_V_IRQ (1u << 8)
#define INT_CTL_PRIO (0xFu << 16)
#define INT_CTL_IGN_TPR (1u << 20)
#define INT_CTL_MASKING (1u << 24)

#define EVENT_VALID (1u << 31)
#define EVENT_EXCEPTION (3u << 8)
#define VECTOR_UD 6u
#define VECTOR_VE 20u

#define CR0_PE 0x1ull
#define CR0_ET 0x10ull
#define CR0_NE 0x20ull
#define CR0_PG 0x80000000ull
#define CR4_PAE 0x20ull
#define CR4_MCE 0x40ull
#define EFER_LME 0x100ull
#define EFER_LMA 0x400ull
#define EFER_SVME 0x1000ull
#define MSR_EFER 0xC0000080u
#define MSR_VM_HSAVE_PA 0xC0010117u

struct shim_vcpu shim_cpu;
uint64_t shim_stats[ST_COUNT];

static _Alignas(4096) uint8_t vmcb[4096];
static _Alignas(4096) uint8_t host_vmcb[4096];
static _Alignas(4096) uint8_t hsave[4096];
static _Alignas(4096) uint8_t iopm[3 * 4096];
static _Alignas(4096) uint8_t msrpm[2 * 4096];

static struct {
	bool active;
	uint64_t cr0, cr3, cr4;
} shadow;

static bool tlb_flush;
static uint64_t run_start;
#define AP_WATCH_MS 2000u

#define V64(off) (*(volatile uint64_t *)(vmcb + (off)))
#define V32(off) (*(volatile uint32_t *)(vmcb + (off)))
#define V8(off) (*(volatile uint8_t *)(vmcb + (off)))

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

uint64_t shim_rax(void)
{
	return V64(VMCB_RAX);
}

void shim_set_rax(uint64_t v)
{
	V64(VMCB_RAX) = v;
}

static void seg(unsigned int off, uint16_t sel, uint16_t attr, uint32_t limit, uint64_t base)
{
	*(volatile uint16_t *)(vmcb + off) = sel;
	*(volatile uint16_t *)(vmcb + off + 2) = attr;
	*(volatile uint32_t *)(vmcb + off + 4) = limit;
	*(volatile uint64_t *)(vmcb + off + 8) = base;
}

static void set_cr_intercepts(bool on)
{
	/* reads and writes of CR0, CR3, CR4 */
	V32(VMCB_CR_INTERCEPTS) = on ? 0x00190019u : 0;
}

/* The TD start state (docs/td-under-shim.md). */
static void vmcb_init(void)
{
	memset(vmcb, 0, sizeof(vmcb));
	memset(iopm, 0xFF, sizeof(iopm));
	memset(msrpm, 0xFF, sizeof(msrpm));
	set_cr_intercepts(true);
	V32(VMCB_EXC_INTERCEPTS) = 1u << VECTOR_UD;
	V32(VMCB_MISC1) =
		MISC1_INTR | MISC1_CPUID | MISC1_HLT | MISC1_IOIO | MISC1_MSR | MISC1_SHUTDOWN;
	V32(VMCB_MISC2) = MISC2_VMRUN | MISC2_VMMCALL;
	V64(VMCB_IOPM) = (uint64_t)(uintptr_t)iopm;
	V64(VMCB_MSRPM) = (uint64_t)(uintptr_t)msrpm;
	V32(VMCB_ASID) = 1;
	V8(VMCB_TLB_CTL) = 1;
	V32(VMCB_INT_CTL) = INT_CTL_MASKING;
	V64(VMCB_NP_ENABLE) = 1;
	V64(VMCB_NCR3) = shim_npt_root();

	seg(VMCB_CS, 0x08, 0xC9B, 0xFFFFFFFF, 0);
	seg(VMCB_DS, 0x10, 0xC93, 0xFFFFFFFF, 0);
	seg(VMCB_ES, 0x10, 0xC93, 0xFFFFFFFF, 0);
	seg(VMCB_SS, 0x10, 0xC93, 0xFFFFFFFF, 0);
	seg(VMCB_FS, 0x10, 0xC93, 0xFFFFFFFF, 0);
	seg(VMCB_GS, 0x10, 0xC93, 0xFFFFFFFF, 0);
	seg(VMCB_LDTR, 0, 0x82, 0xFFFF, 0);
	seg(VMCB_TR, 0, 0x8B, 0xFFFF, 0);
	seg(VMCB_GDTR, 0, 0, 0xFFFF, 0);
	seg(VMCB_IDTR, 0, 0, 0, 0); /* no IDT: a fault before the TD sets one is fatal */
	V8(VMCB_CPL) = 0;
	shadow.active = true;
	shadow.cr0 = CR0_PE | CR0_ET | CR0_NE;
	shadow.cr3 = 0;
	shadow.cr4 = CR4_MCE;
	V64(VMCB_CR0) = shadow.cr0 | CR0_PG;
	V64(VMCB_CR3) = SHIM_SHADOW_PT_GPA;
	V64(VMCB_CR4) = CR4_PAE | CR4_MCE;
	V64(VMCB_EFER) = EFER_LME | EFER_LMA | EFER_SVME;
	V64(VMCB_DR7) = 0x400;
	V64(VMCB_DR6) = 0xFFFF0FF0;
	V64(VMCB_RFLAGS) = 0x2;
	V64(VMCB_RIP) = 0xFFFFFFF0;
	V64(VMCB_RSP) = 0;
	V64(VMCB_RAX) = 0;
	V64(VMCB_GPAT) = 0x0007040600070406ull;
	memset(&shim_cpu, 0, sizeof(shim_cpu));
	shim_cpu.g.r[SR_RBX] = SHIM_GPAW;
	shim_cpu.g.r[SR_RSI] = shim_test == TEST_AP ? 1 : 0; /* vCPU index */
}

/* ---- reading the TD's instructions ------------------------------------- */

/* Linear -> GPA through the TD's own 4-level tables (identity while the
 * paging-off phase is shadowed). ~0 if not mapped. */
static uint64_t td_linear_to_gpa(uint64_t la)
{
	uint64_t table;

	if (shadow.active)
		return la & 0xFFFFFFFFull;
	table = V64(VMCB_CR3) & 0x000FFFFFFFFFF000ull;
	for (int shift = 39; shift >= 12; shift -= 9) {
		const uint64_t *t = shim_td_any(table);
		uint64_t e;

		if (!t)
			return ~0ull;
		e = t[(la >> shift) & 511];
		if (!(e & 1))
			return ~0ull;
		if ((shift == 30 || shift == 21) && (e & 0x80)) {
			uint64_t mask = (1ull << shift) - 1;

			return (e & 0x000FFFFFFFFFF000ull & ~mask) | (la & mask);
		}
		table = e & 0x000FFFFFFFFFF000ull;
	}
	return table | (la & 0xFFF);
}

/* The n bytes at the TD's CS:RIP; the TD's tables are walked once per
 * page the instruction touches. */
static int read_insn(uint8_t *out, unsigned int n)
{
	uint64_t rip = V64(VMCB_RIP) + *(volatile uint64_t *)(vmcb + VMCB_CS + 8);
	const uint8_t *p = NULL;

	for (unsigned int i = 0; i < n; i++, p++) {
		if (i == 0 || ((rip + i) & (SHIM_PAGE - 1)) == 0) {
			uint64_t gpa = td_linear_to_gpa(rip + i);

			p = gpa == ~0ull ? NULL : shim_td_any(gpa);
			if (!p)
				return -1;
		}
		out[i] = *p;
	}
	return 0;
}


static void skip(uint64_t len)
{
	V64(VMCB_RIP) += len;
}

/* ---- events ------------------------------------------------------------- */

bool shim_raise_ve(uint32_t reason, uint64_t qual, uint64_t gla, uint64_t gpa, uint32_t insn_len)
{
	shim_stats[ST_VE]++;
	if (shim_mode == SHIM_LENIENT) {
		fw_printf("[tdshim] #VE (exit reason %u, qualification 0x%llx, GPA 0x%llx) at RIP "
			  "0x%llx -- a TDX module would raise #VE here (lenient: emulated)\n",
			  reason, (unsigned long long)qual, (unsigned long long)gpa,
			  (unsigned long long)V64(VMCB_RIP));
		return false;
	}
	shim_cpu.ve.valid = true;
	shim_cpu.ve.exit_reason = reason;
	shim_cpu.ve.qualification = qual;
	shim_cpu.ve.gla = gla;
	shim_cpu.ve.gpa = gpa;
	shim_cpu.ve.insn_len = insn_len;
	shim_cpu.ve.insn_info = 0;
	if (shim_test == TEST_INVARIANTS && reason == VE_REASON_EPT_VIOLATION) {
		/* the probe has no IDT: record (selftest.c) and step over its load */
		skip(5);
		return true;
	}
	V64(VMCB_EVENTINJ) = VECTOR_VE | EVENT_EXCEPTION | EVENT_VALID;
	return true;
}

void shim_inject_irq(uint8_t vector)
{
	shim_cpu.pending[vector / 64] |= 1ull << (vector % 64);
	shim_cpu.halted = false;
}

static bool irq_pending(void)
{
	return (shim_cpu.pending[0] | shim_cpu.pending[1] | shim_cpu.pending[2] |
		shim_cpu.pending[3]) != 0;
}

/* One vector at a time through V_IRQ (the highest first, as an APIC
 * would); the next once the TD has taken it. */
static void inject_pending(void)
{
	if (!irq_pending() || (V32(VMCB_INT_CTL) & INT_CTL_V_IRQ))
		return;
	for (unsigned int w = 4; w-- > 0;) {
		if (shim_cpu.pending[w]) {
			unsigned int bit = 63u - (unsigned int)__builtin_clzll(shim_cpu.pending[w]);

			shim_cpu.pending[w] &= ~(1ull << bit);
			V8(VMCB_INT_VECTOR) = (uint8_t)(w * 64 + bit);
			break;
		}
	}
	V32(VMCB_INT_CTL) |= INT_CTL_V_IRQ | INT_CTL_PRIO | INT_CTL_IGN_TPR;
	shim_stats[ST_IRQ_INJECTED]++;
}

/* ---- exits -------------------------------------------------------------- */

static uint64_t *gpr(unsigned int n)
{
	static uint64_t rsp_slot;
	static const enum shim_reg map[8] = { SR_RAX,   SR_RCX, SR_RDX, SR_RBX,
					      SR_COUNT, SR_RBP, SR_RSI, SR_RDI };

	if (n == 0)
		return (uint64_t *)(vmcb + VMCB_RAX);
	if (n == 4) {
		rsp_slot = V64(VMCB_RSP);
		return &rsp_slot;
	}
	return &shim_cpu.g.r[map[n & 7]];
}

/* MOV to/from CR0/CR3/CR4 while paging-off is shadowed. */
static void exit_cr(void)
{
	uint8_t b[3];
	unsigned int cr, reg;
	uint64_t *r;

	shim_stats[ST_CR]++;
	if (read_insn(b, 3) || b[0] != 0x0F || (b[1] != 0x20 && b[1] != 0x22) || (b[2] >> 6) != 3)
		shim_finish(FW_EXIT_FAIL, "unexpected control-register access");
	cr = (b[2] >> 3) & 7;
	reg = b[2] & 7;
	r = gpr(reg);
	if (b[1] == 0x20) {
		uint64_t v = cr == 0 ? shadow.cr0 : cr == 3 ? shadow.cr3 : shadow.cr4;

		*r = v & 0xFFFFFFFFull;
		skip(3);
		return;
	}
	if (cr == 3)
		shadow.cr3 = *r & 0xFFFFFFFFull;
	else if (cr == 4)
		shadow.cr4 = *r & 0xFFFFFFFFull;
	else
		shadow.cr0 = *r & 0xFFFFFFFFull;
	skip(3);
	if (cr == 0 && (shadow.cr0 & CR0_PG)) {
		if (!(shadow.cr4 & CR4_PAE))
			shim_finish(FW_EXIT_FAIL, "TD enabled paging without PAE");
		V64(VMCB_CR3) = shadow.cr3;
		V64(VMCB_CR4) = shadow.cr4;
		V64(VMCB_CR0) = shadow.cr0;
		set_cr_intercepts(false);
		shadow.active = false;
		shim_mem_shadow_done();
		tlb_flush = true;
		fw_printf(
			"[tdshim] TD enabled paging (CR3 0x%llx CR4 0x%llx): leaving the shadowed "
			"paging-off phase\n",
			(unsigned long long)shadow.cr3, (unsigned long long)shadow.cr4);
	}
}

static void exit_ud(void)
{
	uint8_t b[4];

	if (read_insn(b, 4) == 0 && b[0] == 0x66 && b[1] == 0x0F && b[2] == 0x01 && b[3] == 0xCC) {
		shim_tdcall();
		skip(4);
		return;
	}
	V64(VMCB_EVENTINJ) = VECTOR_UD | EVENT_EXCEPTION | EVENT_VALID;
}

static void exit_cpuid(void)
{
	uint32_t r[4];
	uint32_t leaf = (uint32_t)V64(VMCB_RAX), sub = (uint32_t)shim_cpu.g.r[SR_RCX];

	shim_stats[ST_CPUID]++;
	if (!shim_cpuid_virtualized(leaf, sub, r)) {
		if (shim_raise_ve(VE_REASON_CPUID, 0, 0, 0, 2))
			return;
		shim_cpuid_vmm(leaf, sub, r);
	}
	V64(VMCB_RAX) = r[0];
	shim_cpu.g.r[SR_RBX] = r[1];
	shim_cpu.g.r[SR_RCX] = r[2];
	shim_cpu.g.r[SR_RDX] = r[3];
	skip(2);
}

static void exit_msr(void)
{
	uint32_t msr = (uint32_t)shim_cpu.g.r[SR_RCX];
	bool write = V64(VMCB_EXITINFO1) == 1;
	uint64_t v = (shim_cpu.g.r[SR_RDX] & 0xFFFFFFFFull) << 32 | (V64(VMCB_RAX) & 0xFFFFFFFFull);

	shim_stats[ST_MSR]++;
	if (write) {
		if (!shim_msr_write_virtualized(msr, v) &&
		    shim_raise_ve(VE_REASON_WRMSR, 0, 0, 0, 2))
			return;
	} else {
		if (!shim_msr_read_virtualized(msr, &v)) {
			if (shim_raise_ve(VE_REASON_RDMSR, 0, 0, 0, 2))
				return;
			v = 0;
		}
		V64(VMCB_RAX) = v & 0xFFFFFFFFull;
		shim_cpu.g.r[SR_RDX] = v >> 32;
	}
	skip(2);
}

static void exit_ioio(void)
{
	uint64_t info = V64(VMCB_EXITINFO1);
	uint32_t len = (uint32_t)(V64(VMCB_EXITINFO2) - V64(VMCB_RIP));
	unsigned int size = (info & 0x10) ? 1 : (info & 0x20) ? 2 : 4;
	bool in = info & 1;
	uint16_t port = (uint16_t)(info >> 16);
	/* The exit qualification of VMX (what VEINFO.GET reports). */
	uint64_t qual = (uint64_t)(size - 1) | (in ? 8u : 0u) | ((info & 4) ? 16u : 0u) |
			((info & 8) ? 32u : 0u) | ((uint64_t)port << 16);

	if (shim_raise_ve(VE_REASON_IO, qual, 0, 0, len))
		return;
	/* lenient: do it for the TD (no string forms) */
	if (in)
		V64(VMCB_RAX) =
			(V64(VMCB_RAX) & ~((1ull << (8 * size)) - 1)) | shim_io_in(port, size);
	else
		shim_io_out(port, size, (uint32_t)V64(VMCB_RAX));
	skip(len);
}

static void exit_npf(void)
{
	uint64_t gpa = V64(VMCB_EXITINFO2), err = V64(VMCB_EXITINFO1);
	/* EPT-violation qualification: bit 0 read, 1 write, 2 fetch. */
	uint64_t qual = (err & 2) ? 2 : (err & 0x10) ? 4 : 1;

	shim_stats[ST_NPF]++;
	if (shim_raise_ve(VE_REASON_EPT_VIOLATION, qual, 0, gpa, 0))
		return;
	/* lenient: accept a pending page for the TD; anything else is fatal */
	if (shim_page_state(gpa) == SP_PENDING && !(gpa & SHIM_SHARED_BIT)) {
		(void)shim_mem_accept(gpa & ~(SHIM_PAGE - 1), 0);
		tlb_flush = true;
		return;
	}
	fw_printf("[tdshim] TD touched GPA 0x%llx (NPT error 0x%llx) at RIP 0x%llx\n",
		  (unsigned long long)gpa, (unsigned long long)err,
		  (unsigned long long)V64(VMCB_RIP));
	shim_finish(FW_EXIT_FAIL, "unhandled nested page fault");
}

static void exit_hlt(void)
{
	if (shim_raise_ve(VE_REASON_HLT, 0, 0, 0, 1))
		return;
	skip(1);
	shim_cpu.halted = true;
}

void shim_tlb_flush(void)
{
	tlb_flush = true;
}

static void dispatch(uint64_t code)
{
	switch (code) {
	case EXIT_INTR:
		shim_stats[ST_INTR]++;
		/* our own tick: let it run (fw_ticks, and it EOIs) */
		__asm__ volatile("sti; nop; nop; cli" ::: "memory");
		if (shim_test == TEST_AP && fw_ticks() - run_start >= AP_WATCH_MS) {
			fw_printf(
				"[tdshim] vCPU 1 stayed parked for %llu ms at RIP 0x%llx: no #VE, "
				"no TDCALL, no halt\n",
				(unsigned long long)(fw_ticks() - run_start),
				(unsigned long long)V64(VMCB_RIP));
			shim_finish(shim_stats[ST_VE] || shim_stats[ST_TDCALL_VMCALL] ? FW_EXIT_FAIL
										      : FW_EXIT_OK,
				    "AP watch done");
		}
		break;
	case EXIT_EXCP_UD: exit_ud(); break;
	case EXIT_CPUID: exit_cpuid(); break;
	case EXIT_MSR: exit_msr(); break;
	case EXIT_IOIO: exit_ioio(); break;
	case EXIT_HLT: exit_hlt(); break;
	case EXIT_NPF: exit_npf(); break;
	case EXIT_SHUTDOWN:
		fw_printf("[tdshim] SHUTDOWN (triple fault) at RIP 0x%llx\n",
			  (unsigned long long)V64(VMCB_RIP));
		shim_finish(FW_EXIT_FAIL, "TD triple fault");
	case EXIT_VMMCALL:
		if (shim_test == TEST_INVARIANTS) {
			skip(3);
			shim_selftest_step(V64(VMCB_RAX));
			break;
		}
		V64(VMCB_EVENTINJ) = VECTOR_UD | EVENT_EXCEPTION | EVENT_VALID;
		break;
	case EXIT_VMRUN: V64(VMCB_EVENTINJ) = VECTOR_UD | EVENT_EXCEPTION | EVENT_VALID; break;
	default:
		if (code <= EXIT_CR4_WRITE) { /* from EXIT_CR0_READ (0) up */
			exit_cr();
			break;
		}
		fw_printf("[tdshim] unexpected exit 0x%llx (info1 0x%llx info2 0x%llx) at RIP "
			  "0x%llx\n",
			  (unsigned long long)code, (unsigned long long)V64(VMCB_EXITINFO1),
			  (unsigned long long)V64(VMCB_EXITINFO2),
			  (unsigned long long)V64(VMCB_RIP));
		shim_finish(FW_EXIT_FAIL, "unexpected exit");
	}
}

void shim_run(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, (uint64_t)(uintptr_t)hsave);
	vmcb_init();
	run_start = fw_ticks();
	if (shim_test == TEST_INVARIANTS) {
		uint64_t rip;

		if (shim_selftest_load(&rip) != 0)
			shim_finish(FW_EXIT_FAIL, "cannot place the probe");
		V64(VMCB_RIP) = rip;
	}
	fw_printf("[tdshim] starting the TD at 0xfffffff0 (%s mode)\n",
		  shim_mode == SHIM_STRICT ? "strict" : "lenient");
	for (;;) {
		if (shim_cpu.halted && !irq_pending()) {
			/* TDVMCALL<HLT> with interrupts on: resume on a completion
			 * or after our next tick, whichever comes first (a halt may
			 * always end early) */
			__asm__ volatile("sti; hlt; cli" ::: "memory");
			shim_cpu.halted = false;
			shim_vmm_poll();
			continue;
		}
		inject_pending();
		if (tlb_flush) {
			V8(VMCB_TLB_CTL) = 1;
			tlb_flush = false;
		}
		tdshim_vmrun((uint64_t)(uintptr_t)vmcb, (uint64_t)(uintptr_t)host_vmcb,
			     &shim_cpu.g);
		V8(VMCB_TLB_CTL) = 0;
		shim_stats[ST_EXITS]++;
		dispatch(V64(VMCB_EXITCODE));
		shim_vmm_poll();
	}
}
