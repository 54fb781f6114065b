/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * vmrun.S -- one trip into the TD: tdshim_vmrun(guest_vmcb, host_vmcb, gregs).
 * VMRUN switches RAX/RSP/RIP and the VMCB's state; the other general
 * registers are ours to load and save (struct shim_gregs, tdshim.h), and
 * FS/GS/TR/LDTR and the syscall MSRs go through VMSAVE/VMLOAD so that the
 * TD's TSS never becomes ours. clgi; sti; vmrun: a host interrupt (our
 * LAPIC tick) arriving while the TD runs becomes an INTR exit, which the
 * run loop services with interrupts briefly on (td-under-shim.md).
 */
	.text
	.globl	tdshim_vmrun
tdshim_vmrun:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	push	%rdx		/* 16(%rsp): gregs */
	push	%rsi		/*  8(%rsp): host vmcb */
	push	%rdi		/*  0(%rsp): guest vmcb */
	mov	%rsi, %rax
	vmsave
	mov	(%rsp), %rax
	vmload
	mov	16(%rsp), %rax
	mov	8(%rax), %rbx
	mov	16(%rax), %rcx
	mov	24(%rax), %rdx
	mov	32(%rax), %rsi
	mov	40(%rax), %rdi
	mov	48(%rax), %rbp
	mov	56(%rax), %r8
	mov	64(%rax), %r9
	mov	72(%rax), %r10
	mov	80(%rax), %r11
	mov	88(%rax), %r12
	mov	96(%rax), %r13
	mov	104(%rax), %r14
	mov	112(%rax), %r15
	mov	(%rsp), %rax
	clgi
	sti
	vmrun
	cli
	mov	16(%rsp), %rax
	mov	%rbx, 8(%rax)
	mov	%rcx, 16(%rax)
	mov	%rdx, 24(%rax)
	mov	%rsi, 32(%rax)
	mov	%rdi, 40(%rax)
	mov	%rbp, 48(%rax)
	mov	%r8, 56(%rax)
	mov	%r9, 64(%rax)
	mov	%r10, 72(%rax)
	mov	%r11, 80(%rax)
	mov	%r12, 88(%rax)
	mov	%r13, 96(%rax)
	mov	%r14, 104(%rax)
	mov	%r15, 112(%rax)
	mov	(%rsp), %rax
	vmsave
	mov	8(%rsp), %rax
	vmload
	stgi
	add	$24, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret
