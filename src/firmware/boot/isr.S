/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * isr.S -- the 32 exception entry stubs and their common path.
 * Each stub pushes a dummy error code where the CPU does not push one, then
 * the vector, so every frame has the shape of struct fw_frame (fw.h).
 */
	.text

.macro	ISR_NOERR n
	.p2align 4
isr_\n:
	pushq	$0
	pushq	$\n
	jmp	isr_common
.endm
.macro	ISR_ERR n
	.p2align 4
isr_\n:
	pushq	$\n
	jmp	isr_common
.endm

	ISR_NOERR 0
	ISR_NOERR 1
	ISR_NOERR 2
	ISR_NOERR 3
	ISR_NOERR 4
	ISR_NOERR 5
	ISR_NOERR 6
	ISR_NOERR 7
	ISR_ERR 8
	ISR_NOERR 9
	ISR_ERR 10
	ISR_ERR 11
	ISR_ERR 12
	ISR_ERR 13
	ISR_ERR 14
	ISR_NOERR 15
	ISR_NOERR 16
	ISR_ERR 17
	ISR_NOERR 18
	ISR_NOERR 19
	ISR_NOERR 20
	ISR_ERR 21
	ISR_NOERR 22
	ISR_NOERR 23
	ISR_NOERR 24
	ISR_NOERR 25
	ISR_NOERR 26
	ISR_NOERR 27
	ISR_NOERR 28
	ISR_ERR 29
	ISR_ERR 30
	ISR_NOERR 31

isr_common:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rbx
	push	%rbp
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	cld
	mov	%rsp, %rdi
	call	fw_exception
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rbp
	pop	%rbx
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$16, %rsp		/* vector, error code */
	iretq

	.section .rodata
	.p2align 3
	.globl	fw_isr_table
fw_isr_table:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad	isr_\n
	.endr

/*
 * Interrupt entries (no error code, nothing to report): save the
 * caller-saved registers, call the C handler, return.
 */
.macro	IRQ name, handler
	.text
	.p2align 4
	.globl	\name
\name:
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	cld
	/* The interrupted code's stack need not be aligned: align for the call. */
	mov	%rsp, %rax
	and	$-16, %rsp
	push	%rax
	sub	$8, %rsp
	call	\handler
	add	$8, %rsp
	pop	%rsp
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	iretq
.endm

	IRQ	fw_irq_timer, fw_timer_irq
	IRQ	fw_irq_spurious, fw_spurious_irq
	/* TD only: Service (0x50) and GetQuote (0x51) completion, tdx/td.c. */
	IRQ	fw_irq_td_service, fw_td_service_irq
	IRQ	fw_irq_td_quote, fw_td_quote_irq
