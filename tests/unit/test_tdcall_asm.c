/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit test of src/platform/tdx/tdcall.S itself, on an ordinary Linux host.
 *
 * The assembly is pulled into this test with a top-level `.include` (the
 * Makefile builds no .S for tests; make runs from the repo root, which is
 * where the path is relative to). Outside a TD the TDCALL instruction
 * faults (#UD -> SIGILL on bare metal; under a hypervisor, as on this
 * build machine, #GP -> SIGSEGV): the handler below plays the TDX module. It reads
 * the registers the entry loaded (from the signal context), checks them
 * against the struct tdx_regs passed in, writes "returned" values into the
 * context and resumes after the 4-byte instruction, so the test sees what
 * the entry stores back. This checks the register layout of tdcall.S
 * against struct tdx_regs, which the fake-TDCALL test cannot.
 * (Inside a real TD guest TDCALL would execute; this test is for hosts.)
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>
#include <ucontext.h>

#include "tdx.h"

__asm__(".pushsection .text\n"
	".include \"src/platform/tdx/tdcall.S\"\n"
	".popsection\n");

static struct tdx_regs seen, to_return;
static int trapped;
static int bad_opcode;

/* gregs index of each struct tdx_regs member, in struct order */
static const int greg_of[14] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSI, REG_RDI, REG_R8,
	REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static void on_sigill(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	const uint8_t *ip = (const uint8_t *)(uintptr_t)g[REG_RIP];
	uint64_t *s = (uint64_t *)&seen;
	const uint64_t *o = (const uint64_t *)&to_return;

	(void)si;
	if (!(ip[0] == 0x66 && ip[1] == 0x0f && ip[2] == 0x01 && ip[3] == 0xcc)) {
		/* a genuine crash elsewhere: let it kill the test */
		bad_opcode = 1;
		signal(sig, SIG_DFL);
		return;
	}
	for (int i = 0; i < 14; i++) {
		s[i] = (uint64_t)g[greg_of[i]];
		g[greg_of[i]] = (greg_t)o[i];
	}
	g[REG_RIP] += 4;
	trapped++;
}

/* Per test: cmocka installs its own SIGILL handler around each test. */
static void install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigill;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGILL, &sa, NULL), 0);
	assert_int_equal(sigaction(SIGSEGV, &sa, NULL), 0);
}

static void test_registers_in_and_out(void **state)
{
	(void)state;
	struct tdx_regs r;
	uint64_t *in = (uint64_t *)&r, *out = (uint64_t *)&to_return;
	const uint64_t *s = (const uint64_t *)&seen;
	uint64_t ret;

	install();
	for (int i = 0; i < 14; i++) {
		in[i] = UINT64_C(0x1000000000000000) * (uint64_t)(i + 1) +
			UINT64_C(0x1111) * (uint64_t)i;
		out[i] = UINT64_C(0xa000000000000000) + (uint64_t)i * UINT64_C(0x0101010101) + 7;
	}
	trapped = 0;
	ret = tdx_tdcall(&r);
	assert_int_equal(trapped, 1);
	assert_int_equal(bad_opcode, 0);
	for (int i = 0; i < 14; i++) {
		if (s[i] != UINT64_C(0x1000000000000000) * (uint64_t)(i + 1) +
				    UINT64_C(0x1111) * (uint64_t)i)
			fail_msg("register %d not loaded from its struct slot", i);
		if (in[i] != out[i])
			fail_msg("register %d not stored back to its struct slot", i);
	}
	assert_true(ret == to_return.rax);
}

/* Callee-saved registers survive the call even when the "VMM" returns
 * garbage in them: the compiler keeps values live across the call. */
static void test_callee_saved_preserved(void **state)
{
	(void)state;
	volatile uint64_t acc = 0;
	struct tdx_regs r;

	install();
	for (int round = 0; round < 100; round++) {
		memset(&r, 0, sizeof(r));
		memset(&to_return, 0xdb, sizeof(to_return));
		to_return.rax = 0;
		acc += (uint64_t)round;
		(void)tdx_tdcall(&r);
		acc += r.rbx == 0xdbdbdbdbdbdbdbdbULL;
	}
	assert_true(acc == 4950 + 100);
}

static void test_rdrand_rdtsc(void **state)
{
	(void)state;
	uint64_t a = 0, b = 0, t0, t1;
	int ok = 0;

	for (int i = 0; i < 10 && !ok; i++)
		ok = tdx_rdrand64(&a) && tdx_rdrand64(&b);
	assert_true(ok);
	assert_true(a != b);
	t0 = tdx_rdtsc();
	t1 = tdx_rdtsc();
	assert_true(t0 != 0);
	assert_true(t1 >= t0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registers_in_and_out),
		cmocka_unit_test(test_callee_saved_preserved),
		cmocka_unit_test(test_rdrand_rdtsc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
