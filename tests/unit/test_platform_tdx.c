/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for the real TDX backend (src/platform/tdx) without TDX:
 * the backend's C files are linked into this test (the Makefile's
 * TDX_TEST_SRC_test_platform_tdx) against a FAKE tdx_tdcall() with the signature of the assembly entry in
 * tdcall.S. The fake records every register file and plays the TDX
 * module / VMM, so each test checks the leaf number, the field id and the
 * register placement of docs/protocol.md §2.1, §2.2, §2.6, §3 and §3.1 (written here as
 * literal numbers copied from the spec, not from tdx_abi.h), and how every
 * status is decoded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tdx.h"
#include "migtd/ghci.h"
#include "migtd/platform.h"
#include "migtd/tdx_abi.h"
#include "migtd/wire.h"

#include <psa/crypto.h>

/* ---- the fake TDCALL -------------------------------------------------------- */

#define MAX_CALLS 32
#define SHARED_BIT (1ULL << 51)

typedef void (*responder_fn)(struct tdx_regs *r, size_t call_index);

static struct tdx_regs calls[MAX_CALLS];
static size_t ncalls;
static responder_fn responder;

uint64_t tdx_tdcall(struct tdx_regs *regs)
{
	size_t i = ncalls;

	assert_true(ncalls < MAX_CALLS);
	calls[ncalls++] = *regs;
	if (responder) {
		responder(regs, i);
	} else {
		regs->rax = 0;
		regs->r10 = 0; /* TDVMCALL success */
	}
	return regs->rax;
}

static uint64_t rdrand_seq;
static unsigned int rdrand_fail; /* fail this many times before succeeding */

int tdx_rdrand64(uint64_t *out)
{
	if (rdrand_fail) {
		rdrand_fail--;
		return 0;
	}
	*out = rdrand_seq++;
	return 1;
}

static uint64_t fake_tsc;

uint64_t tdx_rdtsc(void)
{
	return fake_tsc;
}

static void *from_gpa(uint64_t gpa)
{
	return (void *)(uintptr_t)(gpa & ~SHARED_BIT);
}

/* ---- fixture: a backend with real (host) pages standing for shared memory --- */

struct fixture {
	struct tdx_platform *t;
	struct migtd_platform p;
	uint8_t *cmd, *rsp, *quote;
	uint32_t svc_flag, quote_flag;
};

static struct fixture fx;

static int setup(void **state)
{
	(void)state;
	memset(&fx, 0, sizeof(fx));
	fx.t = aligned_alloc(1024, sizeof(struct tdx_platform));
	fx.cmd = aligned_alloc(4096, 4096);
	fx.rsp = aligned_alloc(4096, 4096);
	fx.quote = aligned_alloc(4096, 2 * 4096);
	assert_non_null(fx.t);
	memset(fx.t, 0, sizeof(*fx.t));
	fx.t->shared_mask = SHARED_BIT;
	fx.t->svc_cmd = fx.cmd;
	fx.t->svc_rsp = fx.rsp;
	fx.t->quote_buf = fx.quote;
	fx.t->quote_buf_len = 2 * 4096;
	tdx_platform_init(&fx.p, fx.t);
	ncalls = 0;
	responder = NULL;
	rdrand_fail = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(fx.t);
	free(fx.cmd);
	free(fx.rsp);
	free(fx.quote);
	return 0;
}

static void ret_status(struct tdx_regs *r, uint64_t rax)
{
	r->rax = rax;
}

/* ---- status decoding ---------------------------------------------------------- */

static void test_status_decoding(void **state)
{
	(void)state;
	assert_int_equal(tdx_status_err(0), MIGTD_OK);
	assert_int_equal(tdx_status_err(0x8000020000000000ULL), MIGTD_ERR_AGAIN); /* busy */
	assert_int_equal(tdx_status_err(0x8000020000000003ULL), MIGTD_ERR_AGAIN); /* busy, detail */
	assert_int_equal(tdx_status_err(0xC000010000000000ULL), MIGTD_ERR_TDCALL); /* invalid */
	assert_int_equal(tdx_status_err(0x00000B0A00000000ULL), MIGTD_ERR_TDCALL); /* warning */
	assert_int_equal(tdx_status_err(1), MIGTD_ERR_TDCALL);
	assert_int_equal(tdx_vmcall_status_err(0), MIGTD_OK);
	assert_int_equal(tdx_vmcall_status_err(1), MIGTD_ERR_AGAIN);
	assert_int_equal(tdx_vmcall_status_err(0x8000000000000000ULL), MIGTD_ERR_VMCALL);
	assert_int_equal(tdx_vmcall_status_err(0x8000000000000001ULL), MIGTD_ERR_VMCALL);
	assert_int_equal(tdx_vmcall_status_err(0x8000000000000002ULL), MIGTD_ERR_VMCALL);
	assert_int_equal(tdx_vmcall_status_err(2), MIGTD_ERR_VMCALL);
}

/* ---- TDG.VP.INFO ----------------------------------------------------------- */

static void vp_info_rsp(struct tdx_regs *r, size_t i)
{
	(void)i;
	r->rax = 0;
	r->rcx = 0xffffffffffffffc0ULL | 52; /* only bits 5:0 are GPAW */
	r->rdx = 0x10000001ULL;
	r->r8 = (8ULL << 32) | 3;
	r->r9 = 2;
}

static void test_vp_info(void **state)
{
	(void)state;
	struct tdx_vp_info vi;

	responder = vp_info_rsp;
	assert_int_equal(tdx_vp_info(&vi), MIGTD_OK);
	assert_int_equal(ncalls, 1);
	assert_true(calls[0].rax == 1);
	assert_int_equal(vi.gpaw, 52);
	assert_true(vi.attributes == 0x10000001ULL);
	assert_int_equal(vi.num_vcpus, 3);
	assert_int_equal(vi.max_vcpus, 8);
	assert_int_equal(vi.vcpu_index, 2);
	assert_true(tdx_shared_mask(52) == 1ULL << 51);
	assert_true(tdx_shared_mask(48) == 1ULL << 47);
	assert_true(tdx_shared_mask(0) == 0);
	assert_true(tdx_shared_mask(65) == 0);
}

/* ---- TDG.MR.REPORT ---------------------------------------------------------- */

static void mr_report_rsp(struct tdx_regs *r, size_t i)
{
	uint8_t *out = from_gpa(r->rcx);
	const uint8_t *rd = from_gpa(r->rdx);

	(void)i;
	/* a "TDX module" that writes its report: type 0x81, REPORTDATA at 128 */
	for (size_t k = 0; k < 1024; k++)
		out[k] = (uint8_t)(k * 3);
	out[0] = 0x81;
	memcpy(out + 128, rd, 64);
	r->rax = 0;
}

static void test_mr_report(void **state)
{
	(void)state;
	uint8_t rd[64], rep[1024];

	for (size_t k = 0; k < 64; k++)
		rd[k] = (uint8_t)(0xc0 + k);
	responder = mr_report_rsp;
	assert_int_equal(migtd_plat_mr_report(&fx.p, rd, rep), MIGTD_OK);
	assert_int_equal(ncalls, 1);
	assert_true(calls[0].rax == 4);
	assert_true(calls[0].rcx == (uint64_t)(uintptr_t)fx.t->report);
	assert_true(calls[0].rdx == (uint64_t)(uintptr_t)fx.t->reportdata);
	assert_true(calls[0].r8 == 0);
	assert_int_equal(calls[0].rcx % 1024, 0); /* 1024-aligned output */
	assert_int_equal(calls[0].rdx % 64, 0);   /* 64-aligned REPORTDATA */
	assert_int_equal(rep[0], 0x81);
	assert_memory_equal(rep + 128, rd, 64);
	assert_int_equal(rep[1000], (uint8_t)(1000 * 3));
}

static void invalid_rsp(struct tdx_regs *r, size_t i)
{
	(void)i;
	ret_status(r, 0xC000010000000000ULL);
}

static void busy_rsp(struct tdx_regs *r, size_t i)
{
	(void)i;
	ret_status(r, 0x8000020000000000ULL);
}

static void test_mr_report_errors(void **state)
{
	(void)state;
	uint8_t rd[64] = { 0 }, rep[1024];

	memset(rep, 0xee, sizeof(rep));
	responder = invalid_rsp;
	assert_int_equal(migtd_plat_mr_report(&fx.p, rd, rep), MIGTD_ERR_TDCALL);
	assert_int_equal(rep[0], 0xee); /* nothing copied out */
	responder = busy_rsp;
	assert_int_equal(migtd_plat_mr_report(&fx.p, rd, rep), MIGTD_ERR_AGAIN);
	/* misaligned buffers never reach the TDX module */
	ncalls = 0;
	assert_int_equal(tdx_mr_report(0x1000 + 512, 0x2000), MIGTD_ERR_INVALID);
	assert_int_equal(tdx_mr_report(0x1000, 0x2000 + 8), MIGTD_ERR_INVALID);
	assert_int_equal(ncalls, 0);
	assert_int_equal(migtd_err_status(MIGTD_ERR_TDCALL), 4);
}

/* ---- TDG.MR.RTMR.EXTEND -------------------------------------------------------- */

static void test_rtmr_extend(void **state)
{
	(void)state;
	uint8_t d[48];

	for (size_t k = 0; k < 48; k++)
		d[k] = (uint8_t)(k + 1);
	for (unsigned int idx = 0; idx < 4; idx++) {
		ncalls = 0;
		assert_int_equal(migtd_plat_rtmr_extend(&fx.p, idx, d), MIGTD_OK);
		assert_int_equal(ncalls, 1);
		assert_true(calls[0].rax == 2);
		assert_true(calls[0].rcx == (uint64_t)(uintptr_t)fx.t->digest);
		assert_int_equal(calls[0].rcx % 64, 0);
		assert_true(calls[0].rdx == idx);
		assert_memory_equal(from_gpa(calls[0].rcx), d, 48);
	}
	ncalls = 0;
	assert_int_equal(migtd_plat_rtmr_extend(&fx.p, 4, d), MIGTD_ERR_INVALID);
	assert_int_equal(fx.p.ops->mr_rtmr_extend(fx.p.ctx, 4, d), MIGTD_ERR_INVALID);
	assert_int_equal(ncalls, 0);
	responder = invalid_rsp;
	assert_int_equal(migtd_plat_rtmr_extend(&fx.p, 2, d), MIGTD_ERR_TDCALL);
}

/* ---- TDG.SERVTD.RD / WR, TDG.SYS.RD ------------------------------------------- */

static const struct migtd_servtd_binding binding = {
	.handle = 0x1122334455667788ULL,
	.uuid = { { 0xa1a1a1a1a1a1a1a1ULL, 0xb2b2b2b2b2b2b2b2ULL, 0xc3c3c3c3c3c3c3c3ULL,
		    0xd4d4d4d4d4d4d4d4ULL } },
};

static void check_uuid_regs(const struct tdx_regs *r)
{
	assert_true(r->r10 == 0xa1a1a1a1a1a1a1a1ULL);
	assert_true(r->r11 == 0xb2b2b2b2b2b2b2b2ULL);
	assert_true(r->r12 == 0xc3c3c3c3c3c3c3c3ULL);
	assert_true(r->r13 == 0xd4d4d4d4d4d4d4d4ULL);
}

static void rd_rsp(struct tdx_regs *r, size_t i)
{
	r->rax = 0;
	r->r8 = 0x5000000000000000ULL + i; /* value */
}

static void test_servtd_rd_enc_key(void **state)
{
	(void)state;
	/* §3.1 MIG_ENC_KEY word i = 0x9810000300000018 + i */
	const uint64_t want_field[4] = { 0x9810000300000018ULL, 0x9810000300000019ULL,
					 0x981000030000001AULL, 0x981000030000001BULL };

	responder = rd_rsp;
	for (unsigned int i = 0; i < 4; i++) {
		uint64_t v = 0;

		assert_true(TDX_FIELD_MIG_ENC_KEY(i) == want_field[i]);
		assert_int_equal(migtd_plat_servtd_rd(&fx.p, &binding, TDX_FIELD_MIG_ENC_KEY(i),
						      &v),
				 MIGTD_OK);
		assert_true(calls[i].rax == 18);
		assert_true(calls[i].rcx == binding.handle);
		assert_true(calls[i].rdx == want_field[i]);
		check_uuid_regs(&calls[i]);
		assert_true(v == 0x5000000000000000ULL + i);
	}
	/* SERVTD_ATTR */
	ncalls = 0;
	{
		uint64_t v;

		assert_int_equal(migtd_plat_servtd_rd(&fx.p, &binding, TDX_FIELD_SERVTD_ATTR, &v),
				 MIGTD_OK);
		assert_true(calls[0].rdx == 0x1910000300000202ULL);
	}
}

static void test_servtd_rd_errors(void **state)
{
	(void)state;
	uint64_t v = 42;

	responder = invalid_rsp;
	assert_int_equal(migtd_plat_servtd_rd(&fx.p, &binding, TDX_FIELD_MIG_ENC_KEY(0), &v),
			 MIGTD_ERR_TDCALL);
	assert_true(v == 42);
	responder = busy_rsp;
	assert_int_equal(migtd_plat_servtd_rd(&fx.p, &binding, TDX_FIELD_MIG_ENC_KEY(0), &v),
			 MIGTD_ERR_AGAIN);
	assert_true(v == 42);
}

static void wr_rsp(struct tdx_regs *r, size_t i)
{
	(void)i;
	r->rax = 0;
	r->r8 = 0x0ddULL; /* old value */
}

static void test_servtd_wr(void **state)
{
	(void)state;
	/* §3.1 MIG_DEC_KEY word i = 0x9810000300000010 + i, MIG_VERSION = 0x9810000100000020 */
	const uint64_t dec[4] = { 0x9810000300000010ULL, 0x9810000300000011ULL,
				  0x9810000300000012ULL, 0x9810000300000013ULL };
	uint64_t old = 0;

	responder = wr_rsp;
	assert_int_equal(migtd_plat_servtd_wr(&fx.p, &binding, TDX_FIELD_MIG_VERSION, 5,
					      TDX_WRITE_MASK_ALL, &old),
			 MIGTD_OK);
	assert_true(calls[0].rax == 20);
	assert_true(calls[0].rcx == binding.handle);
	assert_true(calls[0].rdx == 0x9810000100000020ULL);
	assert_true(calls[0].r8 == 5);
	assert_true(calls[0].r9 == 0xFFFFFFFFFFFFFFFFULL);
	check_uuid_regs(&calls[0]);
	assert_true(old == 0x0dd);
	for (unsigned int i = 0; i < 4; i++) {
		ncalls = 0;
		assert_int_equal(migtd_plat_servtd_wr(&fx.p, &binding, TDX_FIELD_MIG_DEC_KEY(i),
						      0x1111111111111111ULL * (i + 1),
						      TDX_WRITE_MASK_ALL, NULL),
				 MIGTD_OK);
		assert_true(calls[0].rax == 20);
		assert_true(calls[0].rdx == dec[i]);
		assert_true(calls[0].r8 == 0x1111111111111111ULL * (i + 1));
		check_uuid_regs(&calls[0]);
	}
	responder = invalid_rsp;
	old = 7;
	assert_int_equal(migtd_plat_servtd_wr(&fx.p, &binding, TDX_FIELD_MIG_VERSION, 5,
					      TDX_WRITE_MASK_ALL, &old),
			 MIGTD_ERR_TDCALL);
	assert_true(old == 7);
}

static void sys_rd_rsp(struct tdx_regs *r, size_t i)
{
	(void)i;
	r->rax = 0;
	r->r8 = r->rdx & 0xff; /* value = low byte of the field id */
}

static void test_sys_rd(void **state)
{
	(void)state;
	/* §3.1: MIN/MAX EXPORT/IMPORT VERSION */
	const uint64_t ids[4] = { 0x2000000100000001ULL, 0x2000000100000002ULL,
				  0x2000000100000003ULL, 0x2000000100000004ULL };
	const uint64_t named[4] = { TDX_FIELD_MIN_EXPORT_VERSION, TDX_FIELD_MAX_EXPORT_VERSION,
				    TDX_FIELD_MIN_IMPORT_VERSION, TDX_FIELD_MAX_IMPORT_VERSION };

	responder = sys_rd_rsp;
	for (unsigned int i = 0; i < 4; i++) {
		uint64_t v = 0;

		assert_true(named[i] == ids[i]);
		assert_int_equal(migtd_plat_sys_rd(&fx.p, named[i], &v), MIGTD_OK);
		assert_true(calls[i].rax == 11);
		assert_true(calls[i].rdx == ids[i]);
		assert_true(v == i + 1);
	}
	responder = invalid_rsp;
	{
		uint64_t v = 9;

		assert_int_equal(migtd_plat_sys_rd(&fx.p, ids[0], &v), MIGTD_ERR_TDCALL);
		assert_true(v == 9);
	}
}

/* ---- TDG.VP.VMCALL common shape ----------------------------------------------- */

static void check_vmcall(const struct tdx_regs *r, uint64_t subfn)
{
	assert_true(r->rax == 0);
	assert_true(r->rcx == 0xFC00);
	assert_true(r->r10 == 0);
	assert_true(r->r11 == subfn);
}

/* ---- Service (0x10005) ---------------------------------------------------------- */

static void service_rsp(struct tdx_regs *r, size_t i)
{
	uint8_t *rsp = from_gpa(r->r13);

	(void)i;
	/* the "VMM": echo the command's first byte and set status */
	rsp[20] = 0;
	rsp[24] = ((uint8_t *)from_gpa(r->r12))[24];
	rsp[25] = 0x99;
	r->rax = 0;
	r->r10 = 0;
}

static void test_service_polling(void **state)
{
	(void)state;
	uint8_t cmd[28] = { 0 }, rsp[64];
	struct migtd_service_call c = { 0 }, other = { 0 };

	cmd[0] = 0x30;
	cmd[16] = 28;
	cmd[24] = 0x01;
	memset(rsp, 0, sizeof(rsp));
	rsp[16] = sizeof(rsp);
	c.cmd = cmd;
	c.cmd_len = sizeof(cmd);
	c.rsp = rsp;
	c.rsp_cap = sizeof(rsp);
	c.wait_ms = 8000;

	responder = service_rsp;
	assert_int_equal(migtd_plat_service_start(&fx.p, &c), MIGTD_OK);
	assert_int_equal(ncalls, 1);
	check_vmcall(&calls[0], 0x10005);
	assert_true(calls[0].r12 == ((uint64_t)(uintptr_t)fx.cmd | SHARED_BIT));
	assert_true(calls[0].r13 == ((uint64_t)(uintptr_t)fx.rsp | SHARED_BIT));
	assert_true(calls[0].r14 == 0); /* polling build: no vector */
	assert_true(calls[0].r15 == 8000);
	/* the shared command page holds exactly the command, then zeros */
	assert_memory_equal(fx.cmd, cmd, sizeof(cmd));
	assert_int_equal(fx.cmd[sizeof(cmd)], 0);
	/* the pre-filled response header reached the shared page */
	assert_int_equal(fx.rsp[16], sizeof(rsp));

	/* one channel: a second start is "busy" and issues nothing */
	assert_int_equal(migtd_plat_service_start(&fx.p, &other), MIGTD_ERR_AGAIN);
	assert_int_equal(ncalls, 1);
	assert_int_equal(migtd_plat_service_poll(&fx.p, &other), MIGTD_ERR_STATE);

	assert_int_equal(migtd_plat_service_poll(&fx.p, &c), MIGTD_OK);
	assert_int_equal(rsp[24], 0x01);
	assert_int_equal(rsp[25], 0x99);
	assert_int_equal(migtd_plat_service_poll(&fx.p, &c), MIGTD_ERR_STATE); /* done */
}

static void vmcall_status_rsp(struct tdx_regs *r, size_t i)
{
	static const uint64_t st[] = { 1, 0x8000000000000000ULL, 0x8000000000000001ULL,
				       0x8000000000000002ULL };

	r->rax = 0;
	r->r10 = st[i % 4];
}

static void tdcall_fails_rsp(struct tdx_regs *r, size_t i)
{
	(void)i;
	r->rax = 0xC000010000000000ULL; /* the TDCALL itself failed */
	r->r10 = 0;
}

static void test_service_errors(void **state)
{
	(void)state;
	uint8_t cmd[28] = { 0 }, rsp[32] = { 0 };
	struct migtd_service_call c = { .cmd = cmd, .cmd_len = 28, .rsp = rsp, .rsp_cap = 32 };

	responder = vmcall_status_rsp;
	assert_int_equal(migtd_plat_service_start(&fx.p, &c), MIGTD_ERR_AGAIN);  /* retry */
	assert_int_equal(migtd_plat_service_start(&fx.p, &c), MIGTD_ERR_VMCALL); /* invalid */
	assert_int_equal(migtd_plat_service_start(&fx.p, &c), MIGTD_ERR_VMCALL); /* in use */
	assert_int_equal(migtd_plat_service_start(&fx.p, &c), MIGTD_ERR_VMCALL); /* align */
	assert_int_equal(migtd_plat_service_poll(&fx.p, &c), MIGTD_ERR_STATE); /* none in flight */
	responder = tdcall_fails_rsp;
	assert_int_equal(migtd_plat_service_start(&fx.p, &c), MIGTD_ERR_TDCALL);
	/* oversized buffers never reach the VMM */
	ncalls = 0;
	c.cmd_len = 4097;
	assert_int_equal(migtd_plat_service_start(&fx.p, &c), MIGTD_ERR_LENGTH);
	c.cmd_len = 28;
	c.rsp_cap = 4097;
	assert_int_equal(migtd_plat_service_start(&fx.p, &c), MIGTD_ERR_LENGTH);
	assert_int_equal(ncalls, 0);
	/* vectors 1..31 are refused before the call */
	assert_int_equal(tdx_vmcall_service(0x1000, 0x2000, 31, 0), MIGTD_ERR_INVALID);
	assert_int_equal(tdx_vmcall_service(0x1000, 0x2000, 256, 0), MIGTD_ERR_INVALID);
	assert_int_equal(ncalls, 0);
}

static void test_service_interrupt(void **state)
{
	(void)state;
	uint8_t cmd[28] = { 0 }, rsp[32] = { 0 };
	struct migtd_service_call c = { .cmd = cmd, .cmd_len = 28, .rsp = rsp, .rsp_cap = 32 };

	fx.svc_flag = 1; /* stale flag from an earlier call must be cleared */
	fx.t->service_flag = &fx.svc_flag;
	responder = service_rsp;
	cmd[24] = 0x02;
	assert_int_equal(migtd_plat_service_start(&fx.p, &c), MIGTD_OK);
	assert_true(calls[0].r14 == 0x50);
	assert_int_equal(fx.svc_flag, 0);
	assert_int_equal(migtd_plat_service_poll(&fx.p, &c), MIGTD_ERR_AGAIN);
	assert_int_equal(rsp[24], 0); /* not copied before completion */
	fx.svc_flag = 1;              /* the 0x50 handler ran */
	assert_int_equal(migtd_plat_service_poll(&fx.p, &c), MIGTD_OK);
	assert_int_equal(rsp[24], 0x02);
	assert_int_equal(rsp[25], 0x99);
}

/* A ReportStatus the VMM never completes (docs/vmm-failures.md): the core
 * cancels it; the caller's buffer is never written again, and the shared
 * pages stay the VMM's until its completion interrupt. */
static void test_service_cancel(void **state)
{
	(void)state;
	uint8_t cmd[28] = { 0 }, rsp[32] = { 0 }, rsp2[32] = { 0 };
	struct migtd_service_call c = { .cmd = cmd, .cmd_len = 28, .rsp = rsp, .rsp_cap = 32 };
	struct migtd_service_call next = { .cmd = cmd, .cmd_len = 28, .rsp = rsp2, .rsp_cap = 32 };

	fx.t->service_flag = &fx.svc_flag;
	responder = service_rsp;
	cmd[24] = 0x02;
	assert_int_equal(migtd_plat_service_cancel(&fx.p, &c), MIGTD_ERR_STATE); /* not started */
	assert_int_equal(migtd_plat_service_start(&fx.p, &c), MIGTD_OK);
	assert_int_equal(migtd_plat_service_poll(&fx.p, &c), MIGTD_ERR_AGAIN);
	assert_int_equal(migtd_plat_service_cancel(&fx.p, &c), MIGTD_OK);
	assert_int_equal(migtd_plat_service_poll(&fx.p, &c), MIGTD_ERR_STATE);
	ncalls = 0;
	assert_int_equal(migtd_plat_service_start(&fx.p, &next), MIGTD_ERR_AGAIN);
	assert_int_equal(ncalls, 0);
	fx.svc_flag = 1; /* the VMM completes the abandoned call */
	memset(rsp, 0xEE, sizeof(rsp));
	assert_int_equal(migtd_plat_service_start(&fx.p, &next), MIGTD_OK);
	assert_int_equal(ncalls, 1);
	fx.svc_flag = 1;
	assert_int_equal(migtd_plat_service_poll(&fx.p, &next), MIGTD_OK);
	assert_int_equal(rsp2[25], 0x99);
	for (size_t i = 0; i < sizeof(rsp); i++)
		assert_int_equal(rsp[i], 0xEE); /* the cancelled call's buffer */
}

/* ---- GetQuote (0x10002) + SetupEventNotifyInterrupt (0x10004) ------------------ */

static void quote_vmm_rsp(struct tdx_regs *r, size_t i)
{
	(void)i;
	r->rax = 0;
	r->r10 = 0;
	if (r->r11 == 0x10002) {
		uint8_t *b = from_gpa(r->r12);

		/* accepted: the VMM marks the request in flight */
		migtd_wire_put_u64(b + 8, 0xFFFFFFFFFFFFFFFFULL);
	}
}

static void make_quote_req(uint8_t *buf, size_t cap, struct migtd_quote_call *c)
{
	memset(buf, 0, cap);
	migtd_wire_put_u64(buf, 1);      /* version */
	migtd_wire_put_u32(buf + 16, 8); /* in_len */
	memset(buf + 24, 0xab, 8);
	c->buf = buf;
	c->len = 32;
	c->cap = cap;
}

static void vmm_completes_quote(uint64_t status, uint8_t fill)
{
	migtd_wire_put_u64(fx.quote + 8, status);
	migtd_wire_put_u32(fx.quote + 20, 100);
	memset(fx.quote + 24, fill, 100);
}

static void test_quote_polling(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct migtd_quote_call c = { 0 };

	make_quote_req(buf, sizeof(buf), &c);
	responder = quote_vmm_rsp;
	assert_int_equal(migtd_plat_quote_start(&fx.p, &c), MIGTD_OK);
	assert_int_equal(ncalls, 1); /* no handler: no SetupEventNotifyInterrupt */
	check_vmcall(&calls[0], 0x10002);
	assert_true(calls[0].r12 == ((uint64_t)(uintptr_t)fx.quote | SHARED_BIT));
	assert_true(calls[0].r13 == 2 * 4096); /* the whole shared buffer */
	/* the request reached the shared buffer (the VMM has since set the
	 * status word at 8..15 to "in flight") */
	assert_memory_equal(fx.quote, buf, 8);
	assert_memory_equal(fx.quote + 16, buf + 16, 16);
	assert_true(migtd_wire_get_u64(fx.quote + 8) == 0xFFFFFFFFFFFFFFFFULL);
	assert_int_equal(fx.quote[32], 0);

	assert_int_equal(migtd_plat_quote_poll(&fx.p, &c), MIGTD_ERR_AGAIN); /* in flight */
	vmm_completes_quote(0, 0x51);
	assert_int_equal(migtd_plat_quote_poll(&fx.p, &c), MIGTD_OK);
	assert_true(migtd_wire_get_u64(c.buf + 8) == 0);
	assert_int_equal(migtd_ghci_getquote_status_class(migtd_wire_get_u64(c.buf + 8)), MIGTD_OK);
	assert_int_equal(buf[24], 0x51);
	assert_int_equal(buf[123], 0x51);
	assert_int_equal(migtd_wire_get_u32(buf + 20), 100);

	/* a busy service: completed with an error status -> "busy" */
	assert_int_equal(migtd_plat_quote_start(&fx.p, &c), MIGTD_OK);
	vmm_completes_quote(0x8000000000000001ULL, 0);
	assert_int_equal(migtd_plat_quote_poll(&fx.p, &c), MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_status_class(migtd_wire_get_u64(c.buf + 8)),
			 MIGTD_ERR_AGAIN);
}

static void test_quote_interrupt(void **state)
{
	(void)state;
	uint8_t buf[512];
	struct migtd_quote_call c = { 0 };

	fx.t->quote_flag = &fx.quote_flag;
	make_quote_req(buf, sizeof(buf), &c);
	responder = quote_vmm_rsp;
	assert_int_equal(migtd_plat_quote_start(&fx.p, &c), MIGTD_OK);
	assert_int_equal(ncalls, 2);
	check_vmcall(&calls[0], 0x10004);
	assert_true(calls[0].r12 == 0x51);
	check_vmcall(&calls[1], 0x10002);
	/* completion is the interrupt, not the status word */
	vmm_completes_quote(0, 0x77);
	assert_int_equal(migtd_plat_quote_poll(&fx.p, &c), MIGTD_ERR_AGAIN);
	fx.quote_flag = 1;
	assert_int_equal(migtd_plat_quote_poll(&fx.p, &c), MIGTD_OK);
	assert_int_equal(buf[24], 0x77);
	/* notify registered once only */
	ncalls = 0;
	assert_int_equal(migtd_plat_quote_start(&fx.p, &c), MIGTD_OK);
	assert_int_equal(ncalls, 1);
	check_vmcall(&calls[0], 0x10002);
	/* after the interrupt an in-flight status is read once: busy, no hang */
	fx.quote_flag = 1;
	assert_int_equal(migtd_plat_quote_poll(&fx.p, &c), MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_status_class(migtd_wire_get_u64(c.buf + 8)),
			 MIGTD_ERR_AGAIN);
}

/*
 * A GetQuote the core gave up on (quote_cancel): the caller's buffer is
 * released at once, but the VMM still owns the shared buffer, so the next
 * GetQuote waits (AGAIN) until the VMM completed the abandoned one -- by
 * the status word, or by the interrupt when notification is set up.
 */
static void test_quote_cancel(void **state)
{
	(void)state;
	uint8_t buf[512], buf2[512];
	struct migtd_quote_call c = { 0 }, next = { 0 };

	make_quote_req(buf, sizeof(buf), &c);
	make_quote_req(buf2, sizeof(buf2), &next);
	responder = quote_vmm_rsp;
	assert_int_equal(migtd_plat_quote_cancel(&fx.p, &c), MIGTD_ERR_STATE); /* not started */
	assert_int_equal(migtd_plat_quote_start(&fx.p, &c), MIGTD_OK);
	assert_int_equal(migtd_plat_quote_cancel(&fx.p, &c), MIGTD_OK);
	assert_int_equal(migtd_plat_quote_poll(&fx.p, &c), MIGTD_ERR_STATE);
	ncalls = 0;
	assert_int_equal(migtd_plat_quote_start(&fx.p, &next), MIGTD_ERR_AGAIN);
	assert_int_equal(ncalls, 0);
	/* The late answer lands in the shared buffer, never in buf. */
	memset(buf, 0xEE, sizeof(buf));
	vmm_completes_quote(0, 0x51);
	assert_int_equal(buf[24], 0xEE);
	assert_int_equal(migtd_plat_quote_start(&fx.p, &next), MIGTD_OK);
	assert_int_equal(ncalls, 1);
	vmm_completes_quote(0, 0x52);
	assert_int_equal(migtd_plat_quote_poll(&fx.p, &next), MIGTD_OK);
	assert_int_equal(buf2[24], 0x52);

	/* With notification, the interrupt says when the VMM let go. */
	fx.t->quote_flag = &fx.quote_flag;
	assert_int_equal(migtd_plat_quote_start(&fx.p, &c), MIGTD_OK);
	assert_int_equal(migtd_plat_quote_cancel(&fx.p, &c), MIGTD_OK);
	vmm_completes_quote(0, 0x53); /* status set, interrupt not yet */
	assert_int_equal(migtd_plat_quote_start(&fx.p, &next), MIGTD_ERR_AGAIN);
	fx.quote_flag = 1;
	assert_int_equal(migtd_plat_quote_start(&fx.p, &next), MIGTD_OK);
}

static void test_quote_errors(void **state)
{
	(void)state;
	uint8_t buf[64];
	struct migtd_quote_call c = { 0 }, other = { 0 };

	make_quote_req(buf, sizeof(buf), &c);
	responder = vmcall_status_rsp;
	assert_int_equal(migtd_plat_quote_start(&fx.p, &c), MIGTD_ERR_AGAIN);
	assert_int_equal(migtd_plat_quote_start(&fx.p, &c), MIGTD_ERR_VMCALL);
	assert_int_equal(migtd_plat_quote_poll(&fx.p, &c), MIGTD_ERR_STATE);
	responder = NULL;
	assert_int_equal(migtd_plat_quote_start(&fx.p, &c), MIGTD_OK);
	assert_int_equal(migtd_plat_quote_start(&fx.p, &other), MIGTD_ERR_AGAIN);
	/* too long for the shared buffer / shorter than the header */
	fx.t->quote_busy = NULL;
	ncalls = 0;
	c.len = 2 * 4096 + 1;
	assert_int_equal(migtd_plat_quote_start(&fx.p, &c), MIGTD_ERR_LENGTH);
	c.len = 23;
	assert_int_equal(migtd_plat_quote_start(&fx.p, &c), MIGTD_ERR_LENGTH);
	assert_int_equal(ncalls, 0);
	/* (the status classes of docs/protocol.md §2.6 are tested in test_ghci.c) */
	assert_int_equal(tdx_vmcall_setup_event_notify(31), MIGTD_ERR_INVALID);
}

/* ---- MapGPA (0x10001) -------------------------------------------------------------- */

static uint64_t map_progress; /* where the fake VMM says to resume, 0 = done */
static unsigned int map_stalls;

static void map_rsp(struct tdx_regs *r, size_t i)
{
	(void)i;
	r->rax = 0;
	if (map_stalls) {
		map_stalls--;
		r->r10 = 1;
		r->r11 = r->r12; /* retry from the same address */
	} else if (map_progress) {
		r->r10 = 1;
		r->r11 = map_progress;
		map_progress = 0;
	} else {
		r->r10 = 0;
	}
}

static void test_map_gpa(void **state)
{
	(void)state;
	const uint64_t gpa = 0x100000ULL | SHARED_BIT, len = 0x4000;
	uint64_t next = 0;

	responder = map_rsp;
	map_progress = 0;
	map_stalls = 0;
	assert_int_equal(tdx_vmcall_map_gpa(gpa, len, &next), MIGTD_OK);
	check_vmcall(&calls[0], 0x10001);
	assert_true(calls[0].r12 == gpa);
	assert_true(calls[0].r13 == len);

	/* "retry" with R11 = resume address: the rest is requested */
	ncalls = 0;
	map_progress = gpa + 0x1000;
	assert_int_equal(tdx_map_gpa(gpa, len), MIGTD_OK);
	assert_int_equal(ncalls, 2);
	assert_true(calls[1].r12 == gpa + 0x1000);
	assert_true(calls[1].r13 == len - 0x1000);

	/* up to 3 retries of the same address, then give up */
	ncalls = 0;
	map_stalls = 3;
	assert_int_equal(tdx_map_gpa(gpa, len), MIGTD_OK);
	assert_int_equal(ncalls, 4);
	ncalls = 0;
	map_stalls = 4;
	assert_int_equal(tdx_map_gpa(gpa, len), MIGTD_ERR_VMCALL);
	assert_int_equal(ncalls, 4);

	/* a resume address outside the range is a VMM error */
	ncalls = 0;
	map_stalls = 0;
	map_progress = gpa + len;
	assert_int_equal(tdx_map_gpa(gpa, len), MIGTD_ERR_VMCALL);
	map_progress = 0;
	assert_int_equal(tdx_map_gpa(gpa, 0), MIGTD_ERR_INVALID);
	assert_int_equal(tdx_map_gpa(UINT64_MAX - 10, 0x1000), MIGTD_ERR_INVALID);
}

/* ---- ReportFatalError (0x10003) ---------------------------------------------------- */

static void test_report_fatal_error(void **state)
{
	(void)state;
	assert_int_equal(tdx_vmcall_report_fatal_error(7, 0), MIGTD_OK);
	check_vmcall(&calls[0], 0x10003);
	assert_true(calls[0].r12 == 7);
	assert_int_equal(tdx_vmcall_report_fatal_error(7, 0x5000), MIGTD_OK);
	assert_true(calls[1].r12 == (7 | (1ULL << 63)));
	assert_true(calls[1].r13 == 0x5000);
}

/* ---- random, clock, PSA hook ------------------------------------------------------- */

static void test_random_and_clock(void **state)
{
	(void)state;
	uint8_t b[11];
	size_t n = 0;

	rdrand_seq = 0x0807060504030201ULL;
	rdrand_fail = 9; /* 9 failures then success: within the retry budget */
	assert_int_equal(tdx_random(b, sizeof(b)), MIGTD_OK);
	for (size_t k = 0; k < 8; k++)
		assert_int_equal(b[k], k + 1); /* little-endian word */
	assert_int_equal(b[8], 0x02);          /* next word, seq + 1 */
	rdrand_fail = 10;
	assert_int_equal(tdx_random(b, 1), MIGTD_ERR_CRYPTO);
	rdrand_fail = 0;
	assert_int_equal(mbedtls_psa_external_get_random(NULL, b, 5, &n), PSA_SUCCESS);
	assert_int_equal(n, 5);
	rdrand_fail = 10;
	assert_int_equal(mbedtls_psa_external_get_random(NULL, b, 5, &n),
			 PSA_ERROR_INSUFFICIENT_ENTROPY);
	assert_int_equal(n, 0);
	rdrand_fail = 0;

	fx.t->tsc_khz = 2000;
	fake_tsc = 5000000;
	assert_true(migtd_plat_now_ms(&fx.p) == 2500);
	fx.t->tsc_khz = 0;
	assert_true(migtd_plat_now_ms(&fx.p) == 0);
}

/* ---- the platform.h wrappers themselves ---------------------------------------- */

static int fake_open(void *ctx, const struct migtd_stream_params *params, uint32_t *s)
{
	*(int *)ctx += 1;
	*s = (uint32_t)params->peer_port;
	return MIGTD_OK;
}

static void test_wrappers(void **state)
{
	(void)state;
	struct migtd_platform empty = { 0 };
	const struct migtd_stream_ops sops = { .open = fake_open };
	struct migtd_stream_params sp = { .peer_port = 1234 };
	uint8_t b[64] = { 0 }, rep[1024];
	uint64_t v;
	uint32_t s = 0;
	size_t n;
	int opened = 0;

	assert_int_equal(migtd_plat_mr_report(&empty, b, rep), MIGTD_ERR_UNSUPPORTED);
	assert_int_equal(migtd_plat_sys_rd(&empty, 0, &v), MIGTD_ERR_UNSUPPORTED);
	assert_true(migtd_plat_now_ms(&empty) == 0);
	assert_int_equal(migtd_plat_stream_open(&empty, &sp, &s), MIGTD_ERR_UNSUPPORTED);
	/* the TDX backend has no streams: the transport provides them */
	assert_int_equal(migtd_plat_stream_send(&fx.p, 0, b, 1, &n), MIGTD_ERR_UNSUPPORTED);
	fx.p.stream_ops = &sops;
	fx.p.stream_ctx = &opened;
	assert_int_equal(migtd_plat_stream_open(&fx.p, &sp, &s), MIGTD_OK);
	assert_int_equal(s, 1234);
	assert_int_equal(opened, 1);
	assert_int_equal(migtd_plat_stream_recv(&fx.p, s, b, 1, &n), MIGTD_ERR_UNSUPPORTED);
	assert_ptr_equal(migtd_plat_log(&fx.p), &fx.p.log);
}

/* ---- TDG.VP.VMCALL<MigTD> (0x10006, vmcall-raw) --------------------------------- */

#define RAW_POOL_PAGES 40

static uint8_t *raw_pool_setup(uint32_t *flag)
{
	uint8_t *pool = aligned_alloc(4096, RAW_POOL_PAGES * 4096);

	assert_non_null(pool);
	fx.t->raw_pool = pool;
	fx.t->raw_pool_len = RAW_POOL_PAGES * 4096;
	fx.t->raw_flag = flag;
	return pool;
}

static void raw_call(struct migtd_raw_call *c, uint16_t leaf, uint8_t *buf, size_t len, size_t cap)
{
	memset(c, 0, sizeof(*c));
	c->leaf = leaf;
	c->buf = buf;
	c->len = len;
	c->cap = cap;
}

static void check_raw(const struct tdx_regs *r, uint64_t leaf)
{
	assert_true(r->rax == 0);
	assert_true(r->rcx == 0xFFCC); /* RDX RBX RSI RDI R8-R15 */
	assert_true(r->r10 == 0);
	assert_true(r->r11 == 0x10006);
	assert_true(r->r12 == (leaf | 1ULL << 16)); /* API version 1 */
}

static void test_raw_calls(void **state)
{
	uint32_t flag = 7;
	uint8_t *pool = raw_pool_setup(&flag), wfr[8192], rs[16], snd[20], rcv[0x10000];
	struct migtd_raw_call w, r, s, v;

	(void)state;
	/* WaitForRequest: R13 length, R14 GPA (shared), R15 vector 0x50 */
	memset(wfr, 0, sizeof(wfr));
	raw_call(&w, 1, wfr, 12, sizeof(wfr));
	assert_int_equal(migtd_plat_raw_start(&fx.p, &w), MIGTD_OK);
	check_raw(&calls[0], 1);
	assert_true(calls[0].r13 == 8192);
	assert_true(calls[0].r14 == ((uint64_t)(uintptr_t)pool | SHARED_BIT));
	assert_true(calls[0].r15 == 0x50);
	/* ReportStatus: R13 id, R14 status word, R15 length, RBX GPA, RDI 0x50 */
	memset(rs, 0, sizeof(rs));
	migtd_wire_put_u32(rs + 8, 4);
	memcpy(rs + 12, "data", 4);
	raw_call(&r, 2, rs, 16, 16);
	r.mig_request_id = 42;
	r.status_word = 0x0601;
	assert_int_equal(migtd_plat_raw_start(&fx.p, &r), MIGTD_OK);
	check_raw(&calls[1], 2);
	assert_true(calls[1].r13 == 42 && calls[1].r14 == 0x0601 && calls[1].r15 == 16);
	assert_true(calls[1].rbx == ((uint64_t)(uintptr_t)(pool + 2 * 4096) | SHARED_BIT));
	assert_true(calls[1].rdi == 0x50);
	assert_memory_equal(pool + 2 * 4096 + 12, "data", 4); /* the buffer went to shared */
	/* Send / Receive: R13 id, R14 length, R15 GPA, RBX vector 0x52 */
	memset(snd, 0, sizeof(snd));
	raw_call(&s, 3, snd, 20, 20);
	s.mig_request_id = 42;
	assert_int_equal(migtd_plat_raw_start(&fx.p, &s), MIGTD_OK);
	check_raw(&calls[2], 3);
	assert_true(calls[2].r13 == 42 && calls[2].r14 == 20 && calls[2].rbx == 0x52);
	assert_true(calls[2].r15 == ((uint64_t)(uintptr_t)(pool + 3 * 4096) | SHARED_BIT));
	memset(rcv, 0, GHCI_RAW_HDR_LEN);
	raw_call(&v, 4, rcv, 12, sizeof(rcv));
	v.mig_request_id = 42;
	assert_int_equal(migtd_plat_raw_start(&fx.p, &v), MIGTD_OK);
	check_raw(&calls[3], 4);
	assert_true(calls[3].r14 == 0x10000 && calls[3].rbx == 0x52);
	/* no vector yet: nothing is looked at, even a filled buffer */
	pool[3 * 4096] = 1;
	assert_int_equal(migtd_plat_raw_poll(&fx.p, &s), MIGTD_ERR_AGAIN);
	/* a vector fired: each call re-checks its own buffer (§2.4.5) */
	flag++;
	assert_int_equal(migtd_plat_raw_poll(&fx.p, &s), MIGTD_OK);
	assert_int_equal(snd[0], 1);
	assert_int_equal(migtd_plat_raw_poll(&fx.p, &w), MIGTD_ERR_AGAIN); /* still 0/0 */
	assert_int_equal(migtd_plat_raw_poll(&fx.p, &r), MIGTD_ERR_AGAIN); /* not acked */
	assert_int_equal(migtd_plat_raw_poll(&fx.p, &v), MIGTD_ERR_AGAIN);
	/* the VMM answers the WaitForRequest and acknowledges the report */
	migtd_wire_put_u64(pool, 0x0301);
	migtd_wire_put_u32(pool + 8, 8);
	pool[2 * 4096] = 1;
	flag++;
	assert_int_equal(migtd_plat_raw_poll(&fx.p, &w), MIGTD_OK);
	assert_int_equal(migtd_wire_get_u64(wfr), 0x0301);
	assert_int_equal(migtd_wire_get_u32(wfr + 8), 8);
	assert_int_equal(migtd_plat_raw_poll(&fx.p, &r), MIGTD_OK);
	assert_int_equal(rs[0], 1);
	/* a cancel on the Receive completes it too (state 2, detail 3) */
	pool[4 * 4096] = 2;
	pool[4 * 4096 + 1] = 3;
	flag++;
	assert_int_equal(migtd_plat_raw_poll(&fx.p, &v), MIGTD_OK);
	assert_int_equal(rcv[0], 2);
	assert_int_equal(rcv[1], 3);
	assert_int_equal(migtd_plat_raw_poll(&fx.p, &v), MIGTD_ERR_STATE);
	free(pool);
}

static void test_raw_pool_and_cancel(void **state)
{
	uint32_t flag = 0;
	uint8_t *pool = raw_pool_setup(&flag), rcv[0x10000];
	struct migtd_raw_call v[3];

	(void)state;
	memset(rcv, 0, GHCI_RAW_HDR_LEN); /* a Receive's header is zero (§2.4.3) */
	/* 40 pages hold two 16-page Receives, not three */
	for (int i = 0; i < 2; i++) {
		raw_call(&v[i], 4, rcv, 12, sizeof(rcv));
		assert_int_equal(migtd_plat_raw_start(&fx.p, &v[i]), MIGTD_OK);
	}
	raw_call(&v[2], 4, rcv, 12, sizeof(rcv));
	assert_int_equal(migtd_plat_raw_start(&fx.p, &v[2]), MIGTD_ERR_AGAIN);
	/* given up: its pages stay the VMM's until it completes the call */
	assert_int_equal(migtd_plat_raw_cancel(&fx.p, &v[0]), MIGTD_OK);
	assert_int_equal(migtd_plat_raw_start(&fx.p, &v[2]), MIGTD_ERR_AGAIN);
	pool[0] = 2;
	pool[1] = 3;
	assert_int_equal(migtd_plat_raw_start(&fx.p, &v[2]), MIGTD_OK);
	assert_true(calls[ncalls - 1].r15 == ((uint64_t)(uintptr_t)pool | SHARED_BIT));
	/* the VMM refuses a call: its pages come back at once */
	responder = NULL;
	ncalls = 0;
	assert_int_equal(migtd_plat_raw_cancel(&fx.p, &v[1]), MIGTD_OK);
	pool[16 * 4096] = 1;
	{
		uint8_t small[100];
		struct migtd_raw_call c;

		raw_call(&c, 3, small, 20, 20);
		assert_int_equal(tdx_vmcall_migtd(0, 0, 0, 0, 0, 0), MIGTD_ERR_INVALID);
		assert_int_equal(tdx_vmcall_migtd(5, 0, 0, 0, 0, 0), MIGTD_ERR_INVALID);
		/* bad sizes never reach the VMM */
		raw_call(&c, 3, small, 30, 20);
		assert_int_equal(migtd_plat_raw_start(&fx.p, &c), MIGTD_ERR_LENGTH);
		raw_call(&c, 3, small, 5, 11);
		assert_int_equal(migtd_plat_raw_start(&fx.p, &c), MIGTD_ERR_LENGTH);
		raw_call(&c, 5, small, 20, 20);
		assert_int_equal(migtd_plat_raw_start(&fx.p, &c), MIGTD_ERR_LENGTH);
		assert_int_equal(ncalls, 0);
	}
	/* no pool: the profile is not set up */
	fx.t->raw_pool = NULL;
	raw_call(&v[0], 1, rcv, 12, 4096);
	assert_int_equal(migtd_plat_raw_start(&fx.p, &v[0]), MIGTD_ERR_UNSUPPORTED);
	free(pool);
}

/* A MigTD call the VMM refuses (retry, or an error): its pool pages and
 * slot come back at once, so refusals cannot use up the shared pool. */
static void test_raw_refused(void **state)
{
	uint32_t flag = 0;
	uint8_t *pool = raw_pool_setup(&flag), rcv[0x10000];
	struct migtd_raw_call v[2];

	(void)state;
	memset(rcv, 0, GHCI_RAW_HDR_LEN);
	responder = vmcall_status_rsp;
	raw_call(&v[0], 4, rcv, 12, sizeof(rcv));
	assert_int_equal(migtd_plat_raw_start(&fx.p, &v[0]), MIGTD_ERR_AGAIN);  /* retry */
	assert_int_equal(migtd_plat_raw_start(&fx.p, &v[0]), MIGTD_ERR_VMCALL); /* invalid */
	assert_null(v[0].plat);
	responder = tdcall_fails_rsp;
	assert_int_equal(migtd_plat_raw_start(&fx.p, &v[0]), MIGTD_ERR_TDCALL);
	/* 40 pages: both 16-page Receives fit, none of the refused kept any */
	responder = NULL;
	for (int i = 0; i < 2; i++) {
		raw_call(&v[i], 4, rcv, 12, sizeof(rcv));
		assert_int_equal(migtd_plat_raw_start(&fx.p, &v[i]), MIGTD_OK);
	}
	assert_true(calls[ncalls - 2].r15 == ((uint64_t)(uintptr_t)pool | SHARED_BIT));
	free(pool);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_status_decoding),
		T(test_vp_info),
		T(test_mr_report),
		T(test_mr_report_errors),
		T(test_rtmr_extend),
		T(test_servtd_rd_enc_key),
		T(test_servtd_rd_errors),
		T(test_servtd_wr),
		T(test_sys_rd),
		T(test_service_polling),
		T(test_service_errors),
		T(test_service_interrupt),
		T(test_service_cancel),
		T(test_quote_polling),
		T(test_quote_interrupt),
		T(test_quote_errors),
		T(test_quote_cancel),
		T(test_map_gpa),
		T(test_report_fatal_error),
		T(test_random_and_clock),
		T(test_wrappers),
		T(test_raw_calls),
		T(test_raw_pool_and_cancel),
		T(test_raw_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
