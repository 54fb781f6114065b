/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tdshim.h -- the L1 hypervisor ROM that boots the unchanged firmware image
 * as an L2 "TD" on QEMU TCG's emulated AMD SVM (docs/td-under-shim.md).
 *
 * It plays the TDX module (TDCALL leaves: VP.INFO, ACCEPT, VEINFO.GET in
 * L1; MR.REPORT, RTMR.EXTEND, SERVTD.RD/WR, SYS.RD forwarded over the
 * platform link, so keys and RTMRs stay on the host) and the VMM
 * (TDG.VP.VMCALL: IO, MMIO, MapGPA, Service, GetQuote, ...).
 *
 * Host-physical memory plan (the VM's RAM, 256 MiB):
 *   [0, 32 MiB)        the TD's shared pages: GPA x | shared bit -> HPA x,
 *                      which is also what devices reach at 1<<47 | x through
 *                      the alias BAR
 *   64 MiB + GPA       the TD's private pages for GPA < 32 MiB
 *   96 MiB             the TD image, put there by QEMU's -device loader
 *   128 MiB            this ROM's code, data, stacks and tables
 *   160 MiB            the DMA region of this ROM's own virtio device
 *                      (mapped at the firmware drivers' usual address)
 */
#ifndef MIGTD_TDSHIM_H
#define MIGTD_TDSHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tdshim_layout.h"

/* ---- guest registers not held in the VMCB (vmrun.S layout) ---------------- */
enum shim_reg {
	SR_RAX, /* lives in the VMCB; this slot is a copy */
	SR_RBX,
	SR_RCX,
	SR_RDX,
	SR_RSI,
	SR_RDI,
	SR_RBP,
	SR_R8,
	SR_R9,
	SR_R10,
	SR_R11,
	SR_R12,
	SR_R13,
	SR_R14,
	SR_R15,
	SR_COUNT
};

struct shim_gregs {
	uint64_t r[SR_COUNT];
};

/* vmrun.S: VMSAVE host, VMLOAD guest, VMRUN, VMSAVE guest, VMLOAD host. */
void tdshim_vmrun(uint64_t guest_vmcb, uint64_t host_vmcb, struct shim_gregs *g);

/* ---- memory (mem.c): the TD's pages and the nested page tables ---------- */
enum shim_page {
	SP_NONE = 0, /* not part of the TD */
	SP_PENDING,  /* PAGE_AUG'd PermMem (or converted back): absent until ACCEPT */
	SP_PRIVATE,  /* accepted or PAGE.ADDed: private HPA, present */
	SP_SHARED,   /* converted with MapGPA: only the shared alias is present */
};

#define SHIM_PAGE 4096ull
#define SHIM_2M 0x200000ull
#define SHIM_GPAW 48u
#define SHIM_SHARED_BIT (1ull << (SHIM_GPAW - 1))

/* L1 pointer to host-physical memory (L1's own mapping of all of RAM). */
static inline void *shim_hpa(uint64_t hpa)
{
	return (void *)(uintptr_t)(TDSHIM_HPA_WINDOW + hpa);
}

void shim_mem_init(void);
/* Build the TD's GPA space from the image's TDVF sections (image at
 * TDSHIM_IMAGE_HPA): 0 or a negative migtd error. */
int shim_mem_load_image(void);
uint64_t shim_npt_root(void);
/* The TD enabled paging: drop the shadow identity tables. */
void shim_mem_shadow_done(void);
enum shim_page shim_page_state(uint64_t gpa);
/* The TDX status of a refused operand (class 0xC0000100, docs/td-under-shim.md). */
#define TDX_OPERAND_INVALID 0xC000010000000000ull
/* TDG.MEM.PAGE.ACCEPT: a TDX status. */
uint64_t shim_mem_accept(uint64_t gpa, unsigned int level);
/* MapGPA of [gpa, gpa + len) (shared bit in gpa selects the direction);
 * converts at most max bytes. Returns a TDVMCALL status; *next is where to
 * resume when the status is RETRY. */
uint64_t shim_mem_map_gpa(uint64_t gpa, uint64_t len, uint64_t max, uint64_t *next);
/* An L1 pointer to len bytes of the TD's private memory at gpa (no page
 * boundary crossed unless all pages are private and contiguous), or NULL. */
void *shim_td_private(uint64_t gpa, uint64_t len);
/* Same for shared memory (gpa carries the shared bit), or NULL. */
void *shim_td_shared(uint64_t gpa, uint64_t len);
/* Any readable byte of the TD at gpa (private or shared view), or NULL. */
void *shim_td_any(uint64_t gpa);
/* The shadow identity tables for the paging-off phase (GPA). */
#define SHIM_SHADOW_PT_GPA 0x10000ull

/* ---- the #VE policy (policy.c) ----------------------------------------- */
enum shim_mode { SHIM_STRICT, SHIM_LENIENT };
extern enum shim_mode shim_mode;
/* A TDX module answers CPUID leaf/subleaf itself: true and regs[4], else
 * false (a #VE). */
bool shim_cpuid_virtualized(uint32_t leaf, uint32_t sub, uint32_t regs[4]);
/* CPUID as the VMM answers TDVMCALL<Instruction.CPUID> (and lenient mode). */
void shim_cpuid_vmm(uint32_t leaf, uint32_t sub, uint32_t regs[4]);
/* RDMSR/WRMSR the module handles without a #VE. */
bool shim_msr_read_virtualized(uint32_t msr, uint64_t *value);
bool shim_msr_write_virtualized(uint32_t msr, uint64_t value);
void shim_set_tsc_khz(uint64_t khz);

/* ---- the vCPU (svm.c) -------------------------------------------------- */
/* #VE information for TDG.VP.VEINFO.GET (exit reasons in VMX numbering). */
struct shim_ve {
	bool valid;
	uint32_t exit_reason;
	uint64_t qualification, gla, gpa;
	uint32_t insn_len, insn_info;
};

#define VE_REASON_CPUID 10u
#define VE_REASON_HLT 12u
#define VE_REASON_IO 30u
#define VE_REASON_RDMSR 31u
#define VE_REASON_WRMSR 32u
#define VE_REASON_EPT_VIOLATION 48u

struct shim_vcpu {
	struct shim_gregs g;
	struct shim_ve ve;
	uint64_t pending[4];   /* vectors to inject when the TD allows (a bitmap) */
	uint8_t notify_vector; /* SetupEventNotifyInterrupt */
	bool halted;           /* TDVMCALL<HLT> with interrupts on: wait */
};
extern struct shim_vcpu shim_cpu;

/* Raise a #VE in the TD (strict) or say what TDX would have done (lenient:
 * the caller emulates). True if a #VE was injected. */
bool shim_raise_ve(uint32_t reason, uint64_t qual, uint64_t gla, uint64_t gpa, uint32_t insn_len);
void shim_inject_irq(uint8_t vector);
uint64_t shim_rax(void);
void shim_set_rax(uint64_t v);
void shim_run(void);
void shim_tlb_flush(void);

/* ---- exit statistics ---------------------------------------------------- */
enum shim_stat {
	ST_EXITS,
	ST_TDCALL_VMCALL,
	ST_TDCALL_VP_INFO,
	ST_TDCALL_RTMR_EXTEND,
	ST_TDCALL_VEINFO_GET,
	ST_TDCALL_MR_REPORT,
	ST_TDCALL_ACCEPT,
	ST_TDCALL_SYS_RD,
	ST_TDCALL_SERVTD_RD,
	ST_TDCALL_SERVTD_WR,
	ST_TDCALL_OTHER,
	ST_VMCALL_IO,
	ST_VMCALL_MMIO,
	ST_VMCALL_MAP_GPA,
	ST_VMCALL_SERVICE,
	ST_VMCALL_GET_QUOTE,
	ST_VMCALL_HLT,
	ST_VMCALL_OTHER,
	ST_CPUID,
	ST_MSR,
	ST_NPF,
	ST_INTR,
	ST_CR,
	ST_VE,
	ST_IRQ_INJECTED,
	ST_COUNT
};
extern uint64_t shim_stats[ST_COUNT];
void shim_stats_print(const char *when);

/* ---- the module and VMM leaves (module.c, vmm.c) ------------------------ */
/* TDCALL in RAX (registers in shim_cpu.g / VMCB RAX); fills the outputs. */
void shim_tdcall(void);
/* TDG.VP.VMCALL: the sub-function in R11. */
void shim_vmcall(void);
/* Completions of asynchronous Service/GetQuote calls: after every exit. */
void shim_vmm_poll(void);
int shim_link_init(void);
/* Port I/O of size 1, 2 or 4 on the real (emulated) devices. */
uint32_t shim_io_in(uint16_t port, unsigned int size);
void shim_io_out(uint16_t port, unsigned int size, uint32_t v);
/* Whether the TD may see PCI device dev (this ROM's own are hidden). */
bool shim_pci_visible(unsigned int dev);

/* ---- test modes (-fw_cfg name=opt/tdshim/test,string=...; selftest.c) -- */
enum shim_test {
	TEST_NONE,
	TEST_INVARIANTS, /* run the invariant probe instead of the image */
	TEST_AP,         /* start the image as vCPU 1 and watch it park */
	TEST_BAD_RTC,    /* the CMOS RTC reads as nonsense */
};
extern enum shim_test shim_test;
int shim_selftest_load(uint64_t *rip);
void shim_selftest_step(uint64_t rax);

/* The TD ended: print the exit summary and leave QEMU with code. */
__attribute__((noreturn)) void shim_finish(uint8_t code, const char *why);

#endif /* MIGTD_TDSHIM_H */
