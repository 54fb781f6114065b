/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * cpu.c -- the runtime descriptor tables and exception reporting.
 *
 * The reset vector's boot GDT lives in the (read-only) image and has no
 * TSS; here a RAM GDT adds one so that #DF, #PF, NMI and #MC run on their
 * own IST stack: a stack overflow into the guard page below the boot stack
 * then reports a #PF instead of triple-faulting.
 */
#include "../fw.h"
#include "../tdx/fw_tdx.h"

#include <stdbool.h>

#include "migtd/err.h"

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "TSS layout");

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define IST_STACK_SIZE 0x4000
#define IST_FAULT 1

extern const uint64_t fw_isr_table[32];

static uint64_t gdt[6];
static struct tss64 tss;
static struct idt_gate idt[256];
static uint8_t ist_stack[IST_STACK_SIZE] __attribute__((aligned(16)));

static void gdt_init(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss;
	uint64_t limit = sizeof(tss) - 1;
	struct desc_ptr p;

	gdt[0] = 0;
	gdt[1] = 0x00CF9B000000FFFFULL; /* FW_SEL_CODE32 */
	gdt[2] = 0x00CF93000000FFFFULL; /* FW_SEL_DATA */
	gdt[3] = 0x00AF9B000000FFFFULL; /* FW_SEL_CODE64 */
	/* 64-bit available TSS (type 9), 16 bytes. */
	gdt[4] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ULL << 40) |
		 (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	gdt[5] = base >> 32;

	tss.ist[IST_FAULT - 1] = (uint64_t)(uintptr_t)(ist_stack + IST_STACK_SIZE);
	tss.iomap_base = sizeof(tss); /* no I/O bitmap */

	p.limit = sizeof(gdt) - 1;
	p.base = (uint64_t)(uintptr_t)gdt;
	/* Same selectors as the boot GDT: reload CS through a far return. */
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "ltr %w3"
			 :
			 : "m"(p), "i"(FW_SEL_CODE64), "r"(FW_SEL_DATA), "r"(FW_SEL_TSS)
			 : "rax", "memory");
}

static void idt_set(unsigned int vec, uint64_t handler, uint8_t ist)
{
	struct idt_gate *g = &idt[vec];

	g->off_lo = (uint16_t)handler;
	g->sel = FW_SEL_CODE64;
	g->ist = ist;
	g->type_attr = 0x8E; /* present, DPL 0, interrupt gate */
	g->off_mid = (uint16_t)(handler >> 16);
	g->off_hi = (uint32_t)(handler >> 32);
	g->reserved = 0;
}

void fw_idt_set_irq(unsigned int vector, void (*entry)(void))
{
	if (vector >= 32 && vector < 256)
		idt_set(vector, (uint64_t)(uintptr_t)entry, 0);
}

static void idt_init(void)
{
	struct desc_ptr p;

	for (unsigned int v = 0; v < 32; v++) {
		int on_ist = v == 2 || v == 8 || v == 14 || v == 18;

		idt_set(v, fw_isr_table[v], on_ist ? IST_FAULT : 0);
	}
	p.limit = sizeof(idt) - 1;
	p.base = (uint64_t)(uintptr_t)idt;
	__asm__ volatile("lidt %0" : : "m"(p) : "memory");
}

void fw_cpu_init(void)
{
	gdt_init();
	idt_init();
}

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#MF?", "#TS",
	"#NP", "#SS", "#GP", "#PF", "?",   "#MF", "#AC", "#MC", "#XM", "#VE",  "#CP",
	"?",   "?",   "?",   "?",   "?",   "?",   "#HV", "#VC", "#SX", "?",
};

/* #VE in a TD: emulate what can be (tdx/ve.c) and go on; else report. */
static bool handle_ve(struct fw_frame *f)
{
	struct fw_ve_cpu cpu = { f->rax, f->rbx, f->rcx, f->rdx, f->rip, f->rflags };
	struct fw_ve_info ve = { 0 };
	int err = fw_tdx_handle_ve(&cpu, &ve);

	if (err == MIGTD_OK) {
		f->rax = cpu.rax, f->rbx = cpu.rbx, f->rcx = cpu.rcx, f->rdx = cpu.rdx;
		f->rip = cpu.rip;
		return true;
	}
	fw_printf("\n#VE not handled (%s): exit reason %u, qualification 0x%llx, GPA 0x%llx, "
		  "GLA 0x%llx, instruction length %u\n",
		  migtd_err_str(err), ve.exit_reason, (unsigned long long)ve.qualification,
		  (unsigned long long)ve.gpa, (unsigned long long)ve.gla, ve.insn_len);
	return false;
}

void fw_exception(struct fw_frame *f)
{
	static int in_exception;
	uint64_t cr2;

	if (f->vector == 20 && fw_is_td && !in_exception && handle_ve(f))
		return;

	/* A fault while reporting one: do not recurse, just stop. */
	if (in_exception++)
		fw_exit(FW_EXIT_FAIL);
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	fw_printf("\nEXCEPTION %s vector=%llu error=0x%llx rip=0x%llx cs=0x%llx "
		  "rflags=0x%llx rsp=0x%llx cr2=0x%llx\n",
		  exc_names[f->vector & 31], (unsigned long long)f->vector,
		  (unsigned long long)f->error, (unsigned long long)f->rip,
		  (unsigned long long)f->cs, (unsigned long long)f->rflags,
		  (unsigned long long)f->rsp, (unsigned long long)cr2);
	if (f->vector == 14 && cr2 >= FW_RAM_GUARD_BASE && cr2 < FW_RAM_GUARD_BASE + FW_PAGE_SIZE)
		fw_puts("stack overflow: fault in the stack guard page\n");
	fw_puts("halted\n");
	fw_exit(FW_EXIT_FAIL);
}
