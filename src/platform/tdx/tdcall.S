/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tdcall.S -- the only assembly of the TDX backend: one TDCALL entry
 * (the shape of Linux arch/x86/coco/tdx/tdcall.S: a struct of registers in,
 * the same struct out) and two one-instruction helpers.
 *
 *   uint64_t tdx_tdcall(struct tdx_regs *regs);
 *
 * Loads RAX, RCX, RDX, RBX, RSI, RDI, R8-R15 from *regs, executes TDCALL,
 * stores the same registers back and returns RAX (the TDCALL completion
 * status). The struct layout is fixed by src/platform/tdx/tdx.h
 * (static-asserted there): rax@0 rcx@8 rdx@16 rbx@24 rsi@32 rdi@40 r8@48
 * r9@56 r10@64 r11@72 r12@80 r13@88 r14@96 r15@104.
 *
 * RBP and RSP are never handed to the TDX module or the VMM: no RCX mask
 * MigTD uses (0xFC00, 0xFFCC) exposes them. RBX and R12-R15 are
 * callee-saved in the SysV ABI and TDVMCALL may return VMM-chosen values
 * in them, so they are saved and restored here.
 */
	.text

	.globl	tdx_tdcall
	.type	tdx_tdcall, @function
	.p2align 4
tdx_tdcall:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdi			/* keep regs pointer across TDCALL */

	mov	0(%rdi), %rax
	mov	8(%rdi), %rcx
	mov	16(%rdi), %rdx
	mov	24(%rdi), %rbx
	mov	32(%rdi), %rsi
	mov	48(%rdi), %r8
	mov	56(%rdi), %r9
	mov	64(%rdi), %r10
	mov	72(%rdi), %r11
	mov	80(%rdi), %r12
	mov	88(%rdi), %r13
	mov	96(%rdi), %r14
	mov	104(%rdi), %r15
	mov	40(%rdi), %rdi		/* last: it was the pointer */

	.byte	0x66, 0x0f, 0x01, 0xcc	/* tdcall */

	xchg	(%rsp), %rdi		/* rdi = regs, stack slot = returned RDI */
	mov	%rax, 0(%rdi)
	mov	%rcx, 8(%rdi)
	mov	%rdx, 16(%rdi)
	mov	%rbx, 24(%rdi)
	mov	%rsi, 32(%rdi)
	mov	%r8, 48(%rdi)
	mov	%r9, 56(%rdi)
	mov	%r10, 64(%rdi)
	mov	%r11, 72(%rdi)
	mov	%r12, 80(%rdi)
	mov	%r13, 88(%rdi)
	mov	%r14, 96(%rdi)
	mov	%r15, 104(%rdi)
	pop	%rcx			/* returned RDI */
	mov	%rcx, 40(%rdi)

	/* Do not leave VMM-controlled values in caller-clobbered registers
	 * (they are in *regs now; nothing else should consume them). */
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d

	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	ret
	.size	tdx_tdcall, .-tdx_tdcall

/* int tdx_rdrand64(uint64_t *out): 1 and *out set if RDRAND delivered. */
	.globl	tdx_rdrand64
	.type	tdx_rdrand64, @function
	.p2align 4
tdx_rdrand64:
	xor	%eax, %eax
	rdrand	%rcx
	jnc	1f
	mov	%rcx, (%rdi)
	mov	$1, %eax
1:	xor	%ecx, %ecx
	ret
	.size	tdx_rdrand64, .-tdx_rdrand64

/* uint64_t tdx_rdtsc(void): the TD's virtual TSC (invariant, not trapped). */
	.globl	tdx_rdtsc
	.type	tdx_rdtsc, @function
	.p2align 4
tdx_rdtsc:
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	ret
	.size	tdx_rdtsc, .-tdx_rdtsc

	.section .note.GNU-stack, "", @progbits
