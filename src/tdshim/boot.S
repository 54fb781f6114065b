/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * boot.S -- reset vector of the shim ROM (the VM's -bios): real mode ->
 * protected mode -> copy the payload to RAM (TDSHIM_RAM_BASE), clear bss,
 * page tables (0..4 GiB identity in 2 MiB pages, except 16 MiB..18 MiB ->
 * TDSHIM_DMA_HPA so the reused virtio drivers find their DMA region where
 * they expect it; VA 4 GiB + x -> HPA x for all of RAM), long mode, then
 * tdshim_main on the boot stack.
 */
#include "tdshim_layout.h"

#define PML4	(TDSHIM_PT_BASE + 0x0000)
#define PDPT	(TDSHIM_PT_BASE + 0x1000)
#define PD0	(TDSHIM_PT_BASE + 0x2000)	/* PD0..PD3: 0..4 GiB, PD4: the window */
#define PD4	(TDSHIM_PT_BASE + 0x6000)
#define PTE_P_RW 0x3
#define PTE_PS	0x80
#define SEL_CODE32 0x08
#define SEL_DATA 0x10
#define SEL_CODE64 0x18

	.section .resetvec, "ax"
	.code16
	.globl	reset16
reset16:
	cli
	cld
	lgdtl	%cs:(gdt_ptr - 0xFFFF0000)
	mov	%cr0, %eax
	or	$1, %eax
	mov	%eax, %cr0
	ljmpl	$SEL_CODE32, $start32

	.code32
start32:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	$TDSHIM_ROM_BASE, %esi
	mov	$TDSHIM_RAM_BASE, %edi
	mov	$__shim_load_end, %ecx
	sub	$TDSHIM_RAM_BASE, %ecx
	shr	$2, %ecx
	rep movsl
	mov	$__shim_bss_start, %edi
	mov	$__shim_bss_end, %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl

	mov	$TDSHIM_PT_BASE, %edi
	mov	$(0x7000 / 4), %ecx
	rep stosl
	movl	$(PDPT + PTE_P_RW), PML4
	mov	$PDPT, %edi
	mov	$(PD0 + PTE_P_RW), %eax
	mov	$5, %ecx
1:	mov	%eax, (%edi)
	add	$0x1000, %eax
	add	$8, %edi
	loop	1b
	/* PD0..PD3 identity; PD4 (VA 4 GiB..5 GiB) -> HPA 0..1 GiB: the same
	 * 512 entries again, so fill 5 x 512 entries with a value that wraps
	 * at 4 GiB (only 32 bits are written). */
	mov	$PD0, %edi
	mov	$(PTE_P_RW + PTE_PS), %eax
	mov	$(5 * 512), %ecx
2:	mov	%eax, (%edi)
	add	$0x200000, %eax
	add	$8, %edi
	loop	2b
	/* VA 16 MiB -> the L1 DMA region (docs/td-under-shim.md). */
	movl	$(TDSHIM_DMA_HPA + PTE_P_RW + PTE_PS), (PD0 + 8 * 8)

	mov	%cr4, %eax
	or	$0x620, %eax		/* PAE, OSFXSR, OSXMMEXCPT */
	mov	%eax, %cr4
	mov	$PML4, %eax
	mov	%eax, %cr3
	mov	$0xC0000080, %ecx
	rdmsr
	or	$0x100, %eax		/* LME */
	wrmsr
	mov	%cr0, %eax
	or	$0x80000000, %eax
	mov	%eax, %cr0
	ljmp	$SEL_CODE64, $start64

	.code64
start64:
	mov	$SEL_DATA, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss
	mov	%ax, %fs
	mov	%ax, %gs
	mov	$TDSHIM_STACK_TOP, %esp
	xor	%ebp, %ebp
	movabs	$tdshim_main, %rax
	call	*%rax
1:	cli
	hlt
	jmp	1b

	.p2align 3
gdt:
	.quad	0
	.quad	0x00CF9B000000FFFF
	.quad	0x00CF93000000FFFF
	.quad	0x00AF9B000000FFFF
gdt_end:
gdt_ptr:
	.word	gdt_end - gdt - 1
	.long	gdt

	.org	0xFF0, 0xcc
	.code16
	jmp	reset16
	.org	0x1000, 0xf4
