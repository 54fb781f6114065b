/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * policy.c -- which CPUID leaves and MSRs the modelled TDX module answers
 * itself; everything else is a #VE in strict mode (docs/td-under-shim.md
 * lists the tables and where they come from). The values are the host
 * CPU's (TCG's -cpu max) with the TD's view laid over them: Intel vendor,
 * x2APIC, the hypervisor bit, TSC frequency in leaf 0x15, and leaf 0x21
 * "IntelTDX    " that the image's reset vector looks for.
 */
#include "tdshim.h"

#include "fw.h"

enum shim_mode shim_mode = SHIM_STRICT;
static uint64_t tsc_khz;

void shim_set_tsc_khz(uint64_t khz)
{
	tsc_khz = khz;
}

static void native_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

/* Leaves a TDX module handles without a #VE (fixed, configured or
 * native-passthrough in the module's CPUID virtualization table). */
static const uint32_t cpuid_leaves[] = {
	0x0,  0x1,  0x2,  0x4,  0x7,        0xB,        0xD,        0x14,       0x15,       0x19,
	0x1D, 0x1E, 0x1F, 0x21, 0x80000000, 0x80000001, 0x80000006, 0x80000007, 0x80000008,
};

/* The view of a leaf the TD gets, from either answerer. */
static void td_view(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	native_cpuid(leaf, sub, r);
	switch (leaf) {
	case 0x0:
		r[0] = 0x21;
		r[1] = 0x756e6547; /* "GenuineIntel" */
		r[3] = 0x49656e69;
		r[2] = 0x6c65746e;
		break;
	case 0x1:
		r[2] |= 1u << 21;   /* x2APIC: a TD's APIC is always x2APIC */
		r[2] |= 1u << 31;   /* running under a hypervisor */
		r[2] &= ~(1u << 5); /* no VMX */
		break;
	case 0x15:
		/* TSC = crystal * EBX / EAX: crystal Hz = TSC Hz here. */
		r[0] = 1;
		r[1] = 1;
		r[2] = (uint32_t)(tsc_khz * 1000u);
		r[3] = 0;
		break;
	case 0x21:
		if (sub == 0) {
			r[0] = 0;
			r[1] = 0x65746e49; /* "Inte" */
			r[3] = 0x5844546c; /* "lTDX" */
			r[2] = 0x20202020; /* "    " */
		} else {
			r[0] = r[1] = r[2] = r[3] = 0;
		}
		break;
	case 0x80000001:
		r[2] &= ~(1u << 2); /* no SVM inside a TD */
		break;
	default: break;
	}
}

bool shim_cpuid_virtualized(uint32_t leaf, uint32_t sub, uint32_t regs[4])
{
	for (size_t i = 0; i < sizeof(cpuid_leaves) / sizeof(cpuid_leaves[0]); i++) {
		if (cpuid_leaves[i] == leaf) {
			td_view(leaf, sub, regs);
			return true;
		}
	}
	return false;
}

void shim_cpuid_vmm(uint32_t leaf, uint32_t sub, uint32_t regs[4])
{
	if (leaf >= 0x40000000 && leaf < 0x50000000) {
		regs[0] = regs[1] = regs[2] = regs[3] = 0; /* no hypervisor interface */
		return;
	}
	td_view(leaf, sub, regs);
}

#define MSR_TSC 0x10
#define MSR_APIC_BASE 0x1B
#define MSR_X2APIC_EOI 0x80B
#define MSR_EFER 0xC0000080

static uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

bool shim_msr_read_virtualized(uint32_t msr, uint64_t *value)
{
	switch (msr) {
	case MSR_TSC: *value = rdmsr(msr); return true;
	case MSR_APIC_BASE:
		*value = 0xFEE00000ull | (1u << 11) | (1u << 10) | (1u << 8); /* x2APIC, BSP */
		return true;
	case MSR_EFER:
		*value = 0xD01; /* SCE, LME, LMA, NXE: what a TD runs with */
		return true;
	default: return false;
	}
}

bool shim_msr_write_virtualized(uint32_t msr, uint64_t value)
{
	(void)value;
	/* The EOI is virtualized by the CPU for a TD; nothing else here
	 * (EFER in particular: the write of F1, docs/td-path.md). */
	return msr == MSR_X2APIC_EOI;
}
