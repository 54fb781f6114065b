/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * resetvec.S -- the last page of the image (ends at 4 GiB): one reset entry
 * for both ways the firmware can start.
 *
 *  - plain VM: the CPU starts in 16-bit real mode at 0xFFFFFFF0
 *    (CS base 0xFFFF0000, IP 0xFFF0);
 *  - TD: the TDX module starts the vCPU in 32-bit flat protected mode at
 *    0xFFFFFFF0 (ESI = vCPU index).
 *
 * The entry tests CR0.PE with instructions whose encoding is the same in
 * both modes (mov eax,cr0 / test al,1 / jz), then takes a 32-bit or a
 * 16-bit jump. The real-mode path loads the boot GDT and enters protected
 * mode; both then meet in main32: detect TDX (CPUID leaf 0x21, "IntelTDX"),
 * copy the payload from the image into RAM, clear its bss, build identity
 * page tables for 0..4 GiB (2 MiB pages; the first 2 MiB in 4 KiB pages so
 * that page 0 and the stack guard page can be left unmapped), enter long
 * mode and call fw_main(is_td) on the boot stack.
 *
 * Everything here runs from the (read-only in a VM) image: no writes to
 * this page, and the boot GDT descriptors are pre-marked "accessed".
 */
#include "image_layout.h"

#define RV_BASE		(FW_IMAGE_BASE + FW_RESETVEC_OFFSET)
#define PML4		(FW_RAM_PT_BASE + 0x0000)
#define PDPT		(FW_RAM_PT_BASE + 0x1000)
#define PD0		(FW_RAM_PT_BASE + 0x2000)
#define PT0		(FW_RAM_PT_BASE + 0x6000)
#define PTE_P		0x1
#define PTE_RW		0x2
#define PTE_PS		0x80
#define CPUID_TDX_LEAF	0x21

	.section .resetvec, "ax"

/* ---- 16-bit: plain VM, real mode ---------------------------------------- */
	.code16
real_start:
	cli
	cld
	/* CS base is 0xFFFF0000: address this page's data by its low 16 bits. */
	lgdtl	%cs:(boot_gdt_ptr - 0xFFFF0000)
	mov	%cr0, %eax
	or	$1, %eax		/* PE */
	mov	%eax, %cr0
	ljmpl	$FW_SEL_CODE32, $main32_vm

/* ---- 32-bit: both starts meet here --------------------------------------- */
	.code32
main32_td:
	/* A TD starts every vCPU here; MigTD runs on vCPU 0 only. */
	test	%esi, %esi
	jnz	park
main32_vm:
	lgdt	boot_gdt_ptr
	ljmp	$FW_SEL_CODE32, $main32
main32:
	mov	$FW_SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs

	/* TDX?  CPUID.0:EAX >= 0x21 and leaf 0x21 says "IntelTDX    ". */
	xor	%ebp, %ebp
	xor	%eax, %eax
	cpuid
	cmp	$CPUID_TDX_LEAF, %eax
	jb	1f
	mov	$CPUID_TDX_LEAF, %eax
	xor	%ecx, %ecx
	cpuid
	cmp	$0x65746e49, %ebx	/* "Inte" */
	jne	1f
	cmp	$0x5844546c, %edx	/* "lTDX" */
	jne	1f
	cmp	$0x20202020, %ecx	/* "    " */
	jne	1f
	mov	$1, %ebp
1:
	/* Payload: image -> RAM (text, rodata, data), then zero its bss. */
	mov	$(FW_IMAGE_BASE + FW_PAYLOAD_OFFSET), %esi
	mov	$FW_RAM_PAYLOAD_BASE, %edi
	mov	$__fw_load_end, %ecx
	sub	$FW_RAM_PAYLOAD_BASE, %ecx
	shr	$2, %ecx
	rep movsl
	mov	$__fw_bss_start, %edi
	mov	$__fw_bss_end, %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl

	/* Page tables: zero PML4, PDPT, PD0..PD3, PT0. */
	mov	$FW_RAM_PT_BASE, %edi
	mov	$(0x7000 / 4), %ecx
	rep stosl
	movl	$(PDPT + PTE_P + PTE_RW), PML4
	mov	$PDPT, %edi
	mov	$(PD0 + PTE_P + PTE_RW), %eax
	mov	$4, %ecx
2:	mov	%eax, (%edi)
	add	$0x1000, %eax
	add	$8, %edi
	loop	2b
	/* 2048 PDEs of 2 MiB: entry i maps i << 21 (all below 4 GiB). */
	mov	$PD0, %edi
	mov	$(PTE_P + PTE_RW + PTE_PS), %eax
	mov	$2048, %ecx
3:	mov	%eax, (%edi)
	add	$0x200000, %eax
	add	$8, %edi
	loop	3b
	/* The first 2 MiB through PT0, 4 KiB pages, page 0 and guard absent. */
	movl	$(PT0 + PTE_P + PTE_RW), PD0
	mov	$PT0, %edi
	mov	$(PTE_P + PTE_RW), %eax
	mov	$512, %ecx
4:	mov	%eax, (%edi)
	add	$0x1000, %eax
	add	$8, %edi
	loop	4b
	movl	$0, PT0
	movl	$0, (PT0 + (FW_RAM_GUARD_BASE >> 12) * 8)

	/* Long mode: PAE, CR3, EFER.LME, paging. */
	mov	%cr4, %eax
	or	$0x20, %eax		/* PAE */
	mov	%eax, %cr4
	mov	$PML4, %eax
	mov	%eax, %cr3
	/* A TD starts with EFER.LME already set, and RDMSR/WRMSR of EFER
	 * would raise #VE with no IDT loaded yet (a triple fault): only a
	 * plain VM sets LME (docs/td-path.md). */
	test	%ebp, %ebp
	jnz	main32_paging
	/* Global labels around the plain-VM-only MSR access, so the TD-path
	 * lint sees it in its own symbol. */
	.globl	vm_set_efer_lme
vm_set_efer_lme:
	mov	$0xC0000080, %ecx	/* IA32_EFER */
	rdmsr
	or	$0x100, %eax		/* LME */
	wrmsr
	.globl	main32_paging
main32_paging:
	mov	%cr0, %eax
	or	$0x80000000, %eax	/* PG */
	mov	%eax, %cr0
	ljmp	$FW_SEL_CODE64, $main64

/*
 * vCPUs other than 0 of a TD park here for good (MigTD runs on one vCPU).
 * Not HLT: in a TD it raises #VE, and without an IDT that is a triple
 * fault; td-shim's APs spin on their mailbox with PAUSE the same way.
 */
	.globl	td_ap_park
td_ap_park:
park:
	cli
	pause
	jmp	park

/* ---- 64-bit --------------------------------------------------------------- */
	.code64
main64:
	mov	$FW_SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$FW_RAM_STACK_TOP, %esp	/* zero-extends into RSP */
	mov	%ebp, %edi		/* fw_main(is_td) */
	xor	%ebp, %ebp		/* end of frame chain */
	movabs	$fw_main, %rax
	call	*%rax
	/* fw_main never returns; if it did, end as a failure the way every
	 * other path does (fw_exit: ReportFatalError in a TD, no raw HLT). */
	mov	$FW_EXIT_FAIL, %edi
	movabs	$fw_exit, %rax
	call	*%rax

/* ---- boot GDT: flat 32-bit code, data, 64-bit code (accessed bit set) ---- */
	.p2align 3
boot_gdt:
	.quad	0
	.quad	0x00CF9B000000FFFF	/* 0x08 code32 */
	.quad	0x00CF93000000FFFF	/* 0x10 data */
	.quad	0x00AF9B000000FFFF	/* 0x18 code64 */
boot_gdt_end:
boot_gdt_ptr:
	.word	boot_gdt_end - boot_gdt - 1
	.long	boot_gdt

/* ---- the end of the page: OVMF table (filled by migtd-mkimage), entry ----- */
	.org	FW_RESETVEC_SIZE - 0x20 - FW_OVMF_TABLE_RESERVE, 0xcc
	.globl	fw_ovmf_table_area
fw_ovmf_table_area:
	.fill	FW_OVMF_TABLE_RESERVE + 0x10, 1, 0

	.org	FW_RESETVEC_SIZE - 0x10
	.globl	fw_reset_vector
fw_reset_vector:
	.code16
	/* Same bytes in 16- and 32-bit mode: 0f 20 c0 / a8 01 / 74 05. */
	mov	%cr0, %eax
	test	$1, %al
	jz	7f
	.code32
	jmp	main32_td		/* e9 rel32 */
	.code16
7:	jmp	real_start
	.org	FW_RESETVEC_SIZE, 0xf4	/* hlt */
