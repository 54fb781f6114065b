/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Unit tests for the firmware's TD start pieces (src/firmware/tdx): memory
 * acceptance (docs/protocol.md §3 leaf 6), the DMA region made shared (§2, §2.1 MapGPA)
 * and the CCEL table (§9.5). The TDX module is a FAKE tdx_tdcall() that
 * records every register file and answers from a per-test responder. Leaf
 * numbers, statuses and offsets are literals copied from the spec.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tdx/fw_tdx.h"
#include "tdx.h"
#include "migtd/err.h"
#include "migtd/eventlog.h"

/* ---- the fake TDCALL ------------------------------------------------------- */

#define MAX_CALLS 2048
#define MiB (1024ULL * 1024)
#define KiB 1024ULL

/* docs/protocol.md §3 statuses. */
#define ST_ALREADY 0x00000B0A00000000ULL
#define ST_MISMATCH 0xC0000B0B00000001ULL
#define ST_BUSY 0x8000020000000000ULL
#define ST_INVALID 0xC000010000000000ULL

typedef uint64_t (*responder_fn)(struct tdx_regs *r, size_t i);

static struct tdx_regs calls[MAX_CALLS];
static size_t ncalls;
static responder_fn responder;

uint64_t tdx_tdcall(struct tdx_regs *regs)
{
	size_t i = ncalls;

	assert_true(ncalls < MAX_CALLS);
	calls[ncalls++] = *regs;
	regs->rax = responder ? responder(regs, i) : 0;
	return regs->rax;
}

static int setup(void **state)
{
	(void)state;
	ncalls = 0;
	responder = NULL;
	return 0;
}

static void assert_accept_call(size_t i, uint64_t gpa, unsigned int level)
{
	assert_int_equal(calls[i].rax, 6);
	assert_int_equal(calls[i].rcx, gpa | level);
}

/* ---- acceptance -------------------------------------------------------------- */

static void test_accept_unaligned_both_ends(void **state)
{
	struct fw_tdx_accept_stats st;
	size_t i = 0;

	(void)state;
	/* 8 KiB before a 2 MiB boundary, two whole 2 MiB pages, 12 KiB after. */
	assert_int_equal(fw_tdx_accept(2 * MiB - 8 * KiB, 8 * KiB + 4 * MiB + 12 * KiB, &st),
			 MIGTD_OK);
	assert_int_equal(ncalls, 2 + 2 + 3);
	assert_accept_call(i++, 2 * MiB - 8 * KiB, 0);
	assert_accept_call(i++, 2 * MiB - 4 * KiB, 0);
	assert_accept_call(i++, 2 * MiB, 1);
	assert_accept_call(i++, 4 * MiB, 1);
	assert_accept_call(i++, 6 * MiB, 0);
	assert_accept_call(i++, 6 * MiB + 4 * KiB, 0);
	assert_accept_call(i++, 6 * MiB + 8 * KiB, 0);
	assert_int_equal(st.pages_2m, 2);
	assert_int_equal(st.pages_4k, 5);
	assert_int_equal(st.already, 0);
	assert_int_equal(st.busy_retries, 0);
}

static void test_accept_inside_one_large_page(void **state)
{
	struct fw_tdx_accept_stats st;

	(void)state;
	/* Aligned start but shorter than 2 MiB: 4 KiB pages only. */
	assert_int_equal(fw_tdx_accept(16 * MiB, 12 * KiB, &st), MIGTD_OK);
	assert_int_equal(ncalls, 3);
	for (size_t i = 0; i < 3; i++)
		assert_accept_call(i, 16 * MiB + i * 4 * KiB, 0);
	assert_int_equal(st.pages_2m, 0);
	assert_int_equal(st.pages_4k, 3);
}

static void test_accept_permmem_layout(void **state)
{
	struct fw_tdx_accept_stats st;

	(void)state;
	/* The firmware's PermMem minus the DMA region: 18 MiB..32 MiB. */
	assert_int_equal(fw_tdx_accept(18 * MiB, 14 * MiB, NULL), MIGTD_OK);
	assert_int_equal(ncalls, 7);
	for (size_t i = 0; i < 7; i++)
		assert_accept_call(i, 18 * MiB + i * 2 * MiB, 1);
	ncalls = 0;
	assert_int_equal(fw_tdx_accept(18 * MiB, 14 * MiB, &st), MIGTD_OK);
	assert_int_equal(st.pages_2m, 7);
}

/* 2 MiB at 4 MiB was mapped with 4 KiB pages by the VMM. */
static uint64_t mismatch_at_4m(struct tdx_regs *r, size_t i)
{
	(void)i;
	if (r->rcx == (4 * MiB | 1))
		return ST_MISMATCH;
	return 0;
}

static void test_accept_mismatch_falls_back(void **state)
{
	struct fw_tdx_accept_stats st;

	(void)state;
	responder = mismatch_at_4m;
	assert_int_equal(fw_tdx_accept(2 * MiB, 6 * MiB, &st), MIGTD_OK);
	assert_int_equal(ncalls, 1 + 1 + 512 + 1);
	assert_accept_call(0, 2 * MiB, 1);
	assert_accept_call(1, 4 * MiB, 1);
	for (size_t k = 0; k < 512; k++)
		assert_accept_call(2 + k, 4 * MiB + k * 4 * KiB, 0);
	assert_accept_call(514, 6 * MiB, 1);
	assert_int_equal(st.pages_2m, 2);
	assert_int_equal(st.pages_4k, 512);
}

/* A mismatch on a 4 KiB page is not a reason to split further: failure. */
static uint64_t mismatch_always(struct tdx_regs *r, size_t i)
{
	(void)r;
	(void)i;
	return ST_MISMATCH;
}

static void test_accept_mismatch_on_small_page_fails(void **state)
{
	(void)state;
	responder = mismatch_always;
	assert_int_equal(fw_tdx_accept(2 * MiB, 2 * MiB, NULL), MIGTD_ERR_TDCALL);
	/* The 2 MiB try, then the first 4 KiB page, then stop. */
	assert_int_equal(ncalls, 2);
	assert_accept_call(0, 2 * MiB, 1);
	assert_accept_call(1, 2 * MiB, 0);
	ncalls = 0;
	assert_int_equal(fw_tdx_accept(8 * KiB, 4 * KiB, NULL), MIGTD_ERR_TDCALL);
	assert_int_equal(ncalls, 1);
}

static uint64_t already_odd(struct tdx_regs *r, size_t i)
{
	(void)r;
	return (i % 2) ? ST_ALREADY : 0;
}

static void test_accept_already_accepted(void **state)
{
	struct fw_tdx_accept_stats st;

	(void)state;
	responder = already_odd;
	/* 4 KiB, 2 MiB (already), 4 KiB: all fine. */
	assert_int_equal(fw_tdx_accept(2 * MiB - 4 * KiB, 2 * MiB + 8 * KiB, &st), MIGTD_OK);
	assert_int_equal(ncalls, 3);
	assert_accept_call(0, 2 * MiB - 4 * KiB, 0);
	assert_accept_call(1, 2 * MiB, 1);
	assert_accept_call(2, 4 * MiB, 0);
	assert_int_equal(st.already, 1);
	assert_int_equal(st.pages_2m, 1);
	assert_int_equal(st.pages_4k, 2);
}

static unsigned int busy_left;

static uint64_t busy_then_ok(struct tdx_regs *r, size_t i)
{
	(void)r;
	(void)i;
	if (busy_left) {
		busy_left--;
		return ST_BUSY;
	}
	return 0;
}

static void test_accept_busy_retried_five_times(void **state)
{
	struct fw_tdx_accept_stats st;

	(void)state;
	responder = busy_then_ok;
	busy_left = 5;
	assert_int_equal(fw_tdx_accept(0, 4 * KiB, &st), MIGTD_OK);
	assert_int_equal(ncalls, 6);
	for (size_t i = 0; i < 6; i++)
		assert_accept_call(i, 0, 0);
	assert_int_equal(st.busy_retries, 5);
	assert_int_equal(st.pages_4k, 1);

	/* A sixth busy answer: give up, no further page tried. */
	ncalls = 0;
	busy_left = 6;
	assert_int_equal(fw_tdx_accept(2 * MiB, 4 * MiB, &st), MIGTD_ERR_TDCALL);
	assert_int_equal(ncalls, 6);
	for (size_t i = 0; i < 6; i++)
		assert_accept_call(i, 2 * MiB, 1);
}

static uint64_t invalid_third(struct tdx_regs *r, size_t i)
{
	(void)r;
	return i == 2 ? ST_INVALID : 0;
}

static void test_accept_hard_failure_stops(void **state)
{
	struct fw_tdx_accept_stats st;

	(void)state;
	responder = invalid_third;
	assert_int_equal(fw_tdx_accept(0, 64 * KiB, &st), MIGTD_ERR_TDCALL);
	assert_int_equal(ncalls, 3);
	assert_int_equal(st.pages_4k, 2);
}

static void test_accept_rejects_bad_ranges(void **state)
{
	(void)state;
	assert_int_equal(fw_tdx_accept(0, 0, NULL), MIGTD_ERR_INVALID);
	assert_int_equal(fw_tdx_accept(0x800, 4 * KiB, NULL), MIGTD_ERR_INVALID);
	assert_int_equal(fw_tdx_accept(4 * KiB, 4 * KiB + 1, NULL), MIGTD_ERR_INVALID);
	assert_int_equal(fw_tdx_accept(UINT64_MAX - 4095, 8 * KiB, NULL), MIGTD_ERR_INVALID);
	/* A range ending exactly at 2^64: the end is not representable. */
	assert_int_equal(fw_tdx_accept(UINT64_MAX - 4095, 4 * KiB, NULL), MIGTD_ERR_INVALID);
	assert_int_equal(ncalls, 0);
	/* In the last 2 MiB of the address space the next boundary wraps to 0:
	 * the loop must still stop at the end. */
	assert_int_equal(fw_tdx_accept(UINT64_MAX - 8191, 4 * KiB, NULL), MIGTD_OK);
	assert_int_equal(ncalls, 1);
	assert_accept_call(0, UINT64_MAX - 8191, 0);
}

/* ---- shared DMA region ------------------------------------------------------- */

#define SHARED_BIT (1ULL << 47)
#define PDE_FLAGS 0x83ULL /* P | RW | PS */

static uint64_t pd[2048];

static void build_pd(void)
{
	for (uint64_t i = 0; i < 2048; i++)
		pd[i] = (i << 21) | PDE_FLAGS;
	pd[0] = 0x106000 | 3; /* the first 2 MiB: a 4 KiB page table */
}

static void assert_pd_private_except(uint64_t first, uint64_t count)
{
	for (uint64_t i = 1; i < 2048; i++) {
		uint64_t want = (i << 21) | PDE_FLAGS;

		if (i >= first && i < first + count)
			want |= SHARED_BIT;
		assert_int_equal(pd[i], want);
	}
}

static void test_share_dma_region(void **state)
{
	uint64_t gpa = 0;

	(void)state;
	build_pd();
	/* FW_RAM_DMA_*: 16 MiB, 2 MiB. */
	assert_int_equal(fw_tdx_share(pd, 16 * MiB, 2 * MiB, SHARED_BIT, &gpa), MIGTD_OK);
	assert_int_equal(gpa, 16 * MiB | SHARED_BIT);
	assert_int_equal(ncalls, 1);
	/* TDG.VP.VMCALL<MapGPA>: RAX 0, RCX 0xFC00, R10 0, R11 0x10001,
	 * R12 start GPA with the shared bit, R13 length. */
	assert_int_equal(calls[0].rax, 0);
	assert_int_equal(calls[0].rcx, 0xFC00);
	assert_int_equal(calls[0].r10, 0);
	assert_int_equal(calls[0].r11, 0x10001);
	assert_int_equal(calls[0].r12, 16 * MiB | SHARED_BIT);
	assert_int_equal(calls[0].r13, 2 * MiB);
	assert_pd_private_except(8, 1);
	assert_int_equal(pd[0], 0x106000 | 3);
}

/* "retry" from 17 MiB once, then success (§2.1: R11 = where to resume). */
static uint64_t map_retry_once(struct tdx_regs *r, size_t i)
{
	if (i == 0) {
		r->r10 = 1;
		r->r11 = (17 * MiB) | SHARED_BIT;
	} else {
		r->r10 = 0;
	}
	return 0;
}

static void test_share_follows_map_gpa_retry(void **state)
{
	uint64_t gpa = 0;

	(void)state;
	build_pd();
	responder = map_retry_once;
	assert_int_equal(fw_tdx_share(pd, 16 * MiB, 4 * MiB, SHARED_BIT, &gpa), MIGTD_OK);
	assert_int_equal(ncalls, 2);
	assert_int_equal(calls[1].r12, 17 * MiB | SHARED_BIT);
	assert_int_equal(calls[1].r13, 3 * MiB);
	assert_pd_private_except(8, 2);
}

static uint64_t map_fails(struct tdx_regs *r, size_t i)
{
	(void)i;
	r->r10 = 0x8000000000000001ULL; /* GPA in use */
	return 0;
}

static void test_share_failure_leaves_page_tables(void **state)
{
	uint64_t gpa = 0x1234;

	(void)state;
	build_pd();
	responder = map_fails;
	assert_int_equal(fw_tdx_share(pd, 16 * MiB, 2 * MiB, SHARED_BIT, &gpa), MIGTD_ERR_VMCALL);
	assert_int_equal(gpa, 0x1234);
	assert_pd_private_except(0, 0);
}

static void test_share_rejects_bad_input(void **state)
{
	uint64_t gpa;

	(void)state;
	build_pd();
	assert_int_equal(fw_tdx_share(pd, 16 * MiB + 4 * KiB, 2 * MiB, SHARED_BIT, &gpa),
			 MIGTD_ERR_INVALID);
	assert_int_equal(fw_tdx_share(pd, 16 * MiB, 1 * MiB, SHARED_BIT, &gpa), MIGTD_ERR_INVALID);
	assert_int_equal(fw_tdx_share(pd, 16 * MiB, 0, SHARED_BIT, &gpa), MIGTD_ERR_INVALID);
	assert_int_equal(fw_tdx_share(pd, 0, 2 * MiB, SHARED_BIT, &gpa), MIGTD_ERR_INVALID);
	assert_int_equal(fw_tdx_share(pd, 4096 * MiB, 2 * MiB, SHARED_BIT, &gpa),
			 MIGTD_ERR_INVALID);
	assert_int_equal(fw_tdx_share(pd, 4094 * MiB, 4 * MiB, SHARED_BIT, &gpa),
			 MIGTD_ERR_INVALID);
	assert_int_equal(fw_tdx_share(pd, 16 * MiB, UINT64_MAX - 2 * MiB + 1, SHARED_BIT, &gpa),
			 MIGTD_ERR_INVALID);
	assert_int_equal(fw_tdx_share(pd, 16 * MiB, 2 * MiB, 0, &gpa), MIGTD_ERR_INVALID);
	assert_int_equal(fw_tdx_share(pd, 16 * MiB, 2 * MiB, SHARED_BIT | 1, &gpa),
			 MIGTD_ERR_INVALID);
	assert_int_equal(fw_tdx_share(pd, 16 * MiB, 2 * MiB, 1ULL << 20, &gpa), MIGTD_ERR_INVALID);
	assert_int_equal(fw_tdx_share(NULL, 16 * MiB, 2 * MiB, SHARED_BIT, &gpa),
			 MIGTD_ERR_INVALID);
	/* A PDE that is not the identity 2 MiB mapping: refuse, no MapGPA. */
	pd[9] = (10ULL << 21) | PDE_FLAGS;
	assert_int_equal(fw_tdx_share(pd, 16 * MiB, 4 * MiB, SHARED_BIT, &gpa), MIGTD_ERR_STATE);
	pd[9] = (9ULL << 21) | 3;
	assert_int_equal(fw_tdx_share(pd, 18 * MiB, 2 * MiB, SHARED_BIT, &gpa), MIGTD_ERR_STATE);
	assert_int_equal(ncalls, 0);
	/* The last 2 MiB below 4 GiB is fine. */
	build_pd();
	assert_int_equal(fw_tdx_share(pd, 4094 * MiB, 2 * MiB, SHARED_BIT, &gpa), MIGTD_OK);
	assert_int_equal(pd[2047], (2047ULL << 21) | PDE_FLAGS | SHARED_BIT);
}

/* ---- CCEL ---------------------------------------------------------------------- */

static void test_ccel_table_bytes(void **state)
{
	/* docs/protocol.md §9.5 + ACPI header, written out by hand. */
	static const uint8_t want_head[36] = {
		'C', 'C', 'E', 'L', 56,  0,   0,   0,   1,   0 /* checksum */,
		'M', 'I', 'G', 'T', 'D', 'C', 'M', 'I', 'G', 'T',
		'D', '-', 'C', ' ', 1,   0,   0,   0,   'M', 'T',
		'D', 'C', 1,   0,   0,   0,
	};
	static const uint8_t want_tail[20] = {
		2,    0,    0,    0,                /* cc_type, subtype, reserved */
		0x00, 0x00, 0x01, 0,    0, 0, 0, 0, /* LAML = 0x10000 */
		0x00, 0x30, 0x40, 0x01, 0, 0, 0, 0, /* LASA = 0x1403000 */
	};
	uint8_t t[64];
	unsigned int sum = 0;

	(void)state;
	memset(t, 0xAA, sizeof(t));
	assert_int_equal(fw_ccel_table_build(t, sizeof(t), 0x1403000, 0x10000), MIGTD_OK);
	for (size_t i = 0; i < 36; i++)
		if (i != 9)
			assert_int_equal(t[i], want_head[i]);
	assert_memory_equal(t + 36, want_tail, sizeof(want_tail));
	for (size_t i = 0; i < 56; i++)
		sum += t[i];
	assert_int_equal(sum % 256, 0);
	assert_int_not_equal(t[9], 0);
	/* Nothing written past the table. */
	for (size_t i = 56; i < sizeof(t); i++)
		assert_int_equal(t[i], 0xAA);
	/* LASA / LAML at their spec offsets, full 64 bits. */
	assert_int_equal(fw_ccel_table_build(t, 56, 0x8000000001000000ULL, 0x123456789ULL),
			 MIGTD_OK);
	assert_int_equal(migtd_wire_get_u64(t + 40), 0x123456789ULL);
	assert_int_equal(migtd_wire_get_u64(t + 48), 0x8000000001000000ULL);
	sum = 0;
	for (size_t i = 0; i < 56; i++)
		sum += t[i];
	assert_int_equal(sum % 256, 0);
	assert_int_equal(fw_ccel_table_build(t, 55, 0, 0), MIGTD_ERR_LENGTH);
	assert_int_equal(fw_ccel_table_build(NULL, 56, 0, 0), MIGTD_ERR_LENGTH);
}

/* A log as the core builds it (§9.4): separators, policy, root CA. */
static size_t build_log(uint8_t *buf, size_t cap, const uint8_t **log)
{
	static const uint8_t policy[] = "{\"policy\":[]}";
	static const uint8_t root[] = { 0x30, 0x82, 0x01, 0x02, 0xAA };
	struct eventlog_builder b;
	size_t len = 0;

	assert_int_equal(migtd_eventlog_builder_init(&b, buf, cap), MIGTD_OK);
	assert_int_equal(migtd_eventlog_builder_add_separators(&b), MIGTD_OK);
	assert_int_equal(migtd_eventlog_builder_add_tagged(&b, 3, EVENTLOG_TAG_POLICY, policy,
							   sizeof(policy) - 1, policy,
							   sizeof(policy) - 1, NULL),
			 MIGTD_OK);
	assert_int_equal(migtd_eventlog_builder_add_tagged(&b, 3, EVENTLOG_TAG_ROOT_CA, root,
							   sizeof(root), root, sizeof(root), NULL),
			 MIGTD_OK);
	assert_int_equal(migtd_eventlog_builder_finish(&b, 0xFF, log, &len), MIGTD_OK);
	return len;
}

static void test_ccel_publish_log(void **state)
{
	uint8_t buf[2048], area[4096], table[FW_CCEL_TABLE_SIZE];
	uint8_t r1[4][48], r2[4][48];
	struct eventlog_event ev;
	const uint8_t *log, *payload;
	size_t len, plen;

	(void)state;
	len = build_log(buf, sizeof(buf), &log);
	memset(area, 0, sizeof(area));
	assert_int_equal(fw_ccel_publish(area, sizeof(area), 0x2000000, log, len, table), MIGTD_OK);
	assert_memory_equal(area, log, len);
	for (size_t i = len; i < sizeof(area); i++)
		assert_int_equal(area[i], 0xFF);
	assert_memory_equal(table, "CCEL", 4);
	assert_int_equal(migtd_wire_get_u64(table + 40), sizeof(area));
	assert_int_equal(migtd_wire_get_u64(table + 48), 0x2000000);
	/* A reader of the whole area sees the same events as of the log. */
	assert_int_equal(migtd_eventlog_replay(log, len, r1), MIGTD_OK);
	assert_int_equal(migtd_eventlog_replay(area, sizeof(area), r2), MIGTD_OK);
	assert_memory_equal(r1, r2, sizeof(r1));
	assert_int_equal(migtd_eventlog_find_tagged(area, sizeof(area), EVENTLOG_TAG_ROOT_CA, &ev,
						    &payload, &plen),
			 1);
	assert_int_equal(plen, 5);
	assert_int_equal(ev.mr_index, 3);
}

static void test_ccel_publish_rejects(void **state)
{
	uint8_t buf[2048], area[4096], table[FW_CCEL_TABLE_SIZE];
	const uint8_t *log;
	size_t len;

	(void)state;
	len = build_log(buf, sizeof(buf), &log);
	/* No room for a byte after the log. */
	assert_int_equal(fw_ccel_publish(area, len, 0x1000, log, len, table), MIGTD_ERR_LENGTH);
	assert_int_equal(fw_ccel_publish(area, len - 1, 0x1000, log, len, table), MIGTD_ERR_LENGTH);
	assert_int_equal(fw_ccel_publish(area, len + 1, 0x1000, log, len, table), MIGTD_OK);
	assert_int_equal(area[len], 0xFF);
	assert_int_equal(fw_ccel_publish(area, sizeof(area), UINT64_MAX - 100, log, len, table),
			 MIGTD_ERR_INVALID);
	assert_int_equal(fw_ccel_publish(area, sizeof(area), 0, log, 0, table), MIGTD_ERR_INVALID);
	assert_int_equal(fw_ccel_publish(NULL, sizeof(area), 0, log, len, table),
			 MIGTD_ERR_INVALID);
}

/* ---- #VE, HLT, ReportFatalError (ve.c) -------------------------------------- */

/* The fake module: leaf 3 answers with the #VE below; VMCALLs succeed
 * (R10 = 0) and CPUID/RDMSR/IO-in return recognisable values. */
static struct tdx_regs ve_answer;
static uint64_t vmcall_r10;

static uint64_t ve_responder(struct tdx_regs *r, size_t i)
{
	(void)i;
	if (r->rax == 3) {
		r->rcx = ve_answer.rcx, r->rdx = ve_answer.rdx, r->r8 = ve_answer.r8;
		r->r9 = ve_answer.r9, r->r10 = ve_answer.r10;
		return 0;
	}
	assert_int_equal(r->rax, 0); /* TDG.VP.VMCALL */
	r->r10 = vmcall_r10;
	switch (r->r11) {
	case 0x0A: /* CPUID */
		r->r12 = 0xA0000000 | r->r12, r->r13 = 0xB0000000 | r->r13;
		r->r14 = 0xC, r->r15 = 0xD;
		break;
	case 0x1F: r->r11 = 0x1122334455667788ULL; break; /* RDMSR */
	case 0x1E:
		if (r->r13 == 0)
			r->r11 = 0xFFFFFFA5;
		break; /* IO in */
	default: break;
	}
	return 0;
}

static void set_ve(uint32_t reason, uint64_t qual, uint32_t len)
{
	memset(&ve_answer, 0, sizeof(ve_answer));
	ve_answer.rcx = reason;
	ve_answer.rdx = qual;
	ve_answer.r8 = 0x1234;
	ve_answer.r9 = 0xE0000000;
	ve_answer.r10 = (uint64_t)0x77 << 32 | len;
	responder = ve_responder;
	vmcall_r10 = 0;
	ncalls = 0;
}

static void test_ve_cpuid(void **state)
{
	struct fw_ve_cpu cpu = { .rax = 0x15, .rcx = 2, .rip = 0x1000, .rflags = 0x202 };
	struct fw_ve_info ve;

	(void)state;
	set_ve(10, 0, 2);
	assert_int_equal(fw_tdx_handle_ve(&cpu, &ve), MIGTD_OK);
	/* Leaf 3 first, then VMCALL CPUID with leaf/subleaf in R12/R13. */
	assert_int_equal(ncalls, 2);
	assert_int_equal(calls[0].rax, 3);
	assert_int_equal(calls[1].rcx, 0xFC00);
	assert_int_equal(calls[1].r10, 0);
	assert_int_equal(calls[1].r11, 0x0A);
	assert_int_equal(calls[1].r12, 0x15);
	assert_int_equal(calls[1].r13, 2);
	assert_int_equal(cpu.rax, 0xA0000015);
	assert_int_equal(cpu.rbx, 0xB0000002);
	assert_int_equal(cpu.rcx, 0xC);
	assert_int_equal(cpu.rdx, 0xD);
	assert_int_equal(cpu.rip, 0x1002);
	/* The decoded #VE fields. */
	assert_int_equal(ve.exit_reason, 10);
	assert_int_equal(ve.gla, 0x1234);
	assert_int_equal(ve.gpa, 0xE0000000);
	assert_int_equal(ve.insn_len, 2);
	assert_int_equal(ve.insn_info, 0x77);
}

static void test_ve_msr_hlt(void **state)
{
	struct fw_ve_cpu cpu = { .rcx = 0x1B, .rip = 0x2000, .rflags = 0x2 };
	struct fw_ve_info ve;

	(void)state;
	set_ve(31, 0, 2); /* RDMSR: value split into EDX:EAX */
	assert_int_equal(fw_tdx_handle_ve(&cpu, &ve), MIGTD_OK);
	assert_int_equal(calls[1].r11, 0x1F);
	assert_int_equal(calls[1].r12, 0x1B);
	assert_int_equal(cpu.rax, 0x55667788);
	assert_int_equal(cpu.rdx, 0x11223344);
	assert_int_equal(cpu.rip, 0x2002);
	set_ve(32, 0, 2); /* WRMSR: EDX:EAX into R13 */
	cpu.rcx = 0x80B, cpu.rax = 0xFFFFFFFF00000001ULL, cpu.rdx = 0xFFFFFFFF00000002ULL;
	assert_int_equal(fw_tdx_handle_ve(&cpu, &ve), MIGTD_OK);
	assert_int_equal(calls[1].r11, 0x20);
	assert_int_equal(calls[1].r12, 0x80B);
	assert_int_equal(calls[1].r13, 0x0000000200000001ULL);
	/* HLT with IF clear: "interrupts blocked" = 1; with IF set: 0. */
	set_ve(12, 0, 1);
	assert_int_equal(fw_tdx_handle_ve(&cpu, &ve), MIGTD_OK);
	assert_int_equal(calls[1].r11, 0x0C);
	assert_int_equal(calls[1].r12, 1);
	cpu.rflags = 0x202;
	set_ve(12, 0, 1);
	assert_int_equal(fw_tdx_handle_ve(&cpu, &ve), MIGTD_OK);
	assert_int_equal(calls[1].r12, 0);
	assert_int_equal(cpu.rip, 0x2002 + 2 + 1 + 1);
	/* A VMCALL the VMM rejects: not handled, rip unchanged. */
	set_ve(31, 0, 2);
	vmcall_r10 = 0x8000000000000000ULL;
	assert_int_not_equal(fw_tdx_handle_ve(&cpu, &ve), MIGTD_OK);
	assert_int_equal(cpu.rip, 0x2006);
}

static void test_ve_io(void **state)
{
	struct fw_ve_cpu cpu = { .rax = 0x12345678, .rip = 0x3000 };
	struct fw_ve_info ve;

	(void)state;
	/* OUT byte to port 0x70: size 1 (bits 2:0 = 0), direction out, port 31:16. */
	set_ve(30, 0x70ULL << 16, 2);
	assert_int_equal(fw_tdx_handle_ve(&cpu, &ve), MIGTD_OK);
	assert_int_equal(calls[1].r11, 0x1E);
	assert_int_equal(calls[1].r12, 1);
	assert_int_equal(calls[1].r13, 1);
	assert_int_equal(calls[1].r14, 0x70);
	assert_int_equal(calls[1].r15, 0x78);
	/* IN byte from 0x71: only AL changes. */
	set_ve(30, 0x71ULL << 16 | 1 << 3, 1);
	assert_int_equal(fw_tdx_handle_ve(&cpu, &ve), MIGTD_OK);
	assert_int_equal(calls[1].r13, 0);
	assert_int_equal(cpu.rax, 0x123456A5);
	/* IN dword (size-1 = 3). */
	set_ve(30, 0xCFCULL << 16 | 1 << 3 | 3, 1);
	assert_int_equal(fw_tdx_handle_ve(&cpu, &ve), MIGTD_OK);
	assert_int_equal(calls[1].r12, 4);
	assert_int_equal(cpu.rax, 0xFFFFFFA5);
	/* String / REP I/O and a 3-byte size are refused, nothing called. */
	set_ve(30, 0x70ULL << 16 | 1 << 4, 1);
	assert_int_equal(fw_tdx_handle_ve(&cpu, &ve), MIGTD_ERR_UNSUPPORTED);
	assert_int_equal(ncalls, 1);
	set_ve(30, 0x70ULL << 16 | 2, 1);
	assert_int_equal(fw_tdx_handle_ve(&cpu, &ve), MIGTD_ERR_INVALID);
	assert_int_equal(ncalls, 1);
}

/* fw_tdx_io on its own (cpu/io.c's port I/O in a TD): a read returns R11,
 * a rejected VMCALL is an error and leaves the value alone. */
static void test_tdx_io(void **state)
{
	uint64_t v = 0x5A;

	(void)state;
	set_ve(0, 0, 0);
	assert_int_equal(fw_tdx_io(1, true, 0x402, &v), MIGTD_OK);
	assert_int_equal(ncalls, 1);
	assert_int_equal(calls[0].rcx, 0xFC00);
	assert_int_equal(calls[0].r11, 0x1E);
	assert_int_equal(calls[0].r12, 1);
	assert_int_equal(calls[0].r13, 1);
	assert_int_equal(calls[0].r14, 0x402);
	assert_int_equal(calls[0].r15, 0x5A);
	assert_int_equal(v, 0x5A);
	assert_int_equal(fw_tdx_io(4, false, 0xCFC, &v), MIGTD_OK);
	assert_int_equal(calls[1].r13, 0);
	assert_int_equal(calls[1].r15, 0);
	assert_int_equal(v, 0xFFFFFFA5);
	vmcall_r10 = 0x8000000000000000ULL;
	v = 7;
	assert_int_not_equal(fw_tdx_io(4, false, 0xCFC, &v), MIGTD_OK);
	assert_int_equal(v, 7);
}

static void test_ve_refuses(void **state)
{
	struct fw_ve_cpu cpu = { .rip = 0x4000 };
	struct fw_ve_info ve;

	(void)state;
	/* EPT violation (MMIO not through fw_mmio_*): not emulated, fatal. */
	set_ve(48, 0x181, 3);
	assert_int_equal(fw_tdx_handle_ve(&cpu, &ve), MIGTD_ERR_UNSUPPORTED);
	assert_int_equal(ve.gpa, 0xE0000000);
	assert_int_equal(ncalls, 1);
	/* An instruction length of 0 would #VE forever. */
	set_ve(10, 0, 0);
	assert_int_equal(fw_tdx_handle_ve(&cpu, &ve), MIGTD_ERR_INVALID);
	assert_int_equal(cpu.rip, 0x4000);
}

static uint64_t fail_leaf3(struct tdx_regs *r, size_t i)
{
	(void)i;
	return r->rax == 3 ? 0xC000010000000000ULL : 0;
}

static void test_ve_info_failure_and_fatal(void **state)
{
	struct fw_ve_cpu cpu = { .rip = 0x5000 };
	struct fw_ve_info ve;

	(void)state;
	responder = fail_leaf3;
	assert_int_equal(fw_tdx_handle_ve(&cpu, &ve), MIGTD_ERR_TDCALL);
	assert_int_equal(cpu.rip, 0x5000);
	/* ReportFatalError: VMCALL 0x10003, code in R12, no message (bit 63 clear). */
	responder = NULL;
	ncalls = 0;
	fw_tdx_report_fatal(0);
	assert_int_equal(ncalls, 1);
	assert_int_equal(calls[0].rax, 0);
	assert_int_equal(calls[0].r11, 0x10003);
	assert_int_equal(calls[0].r12, 0);
	assert_int_equal(calls[0].r13, 0);
	/* TDVMCALL<HLT> on its own. */
	ncalls = 0;
	assert_int_equal(fw_tdx_hlt(false), MIGTD_OK);
	assert_int_equal(calls[0].r11, 0x0C);
	assert_int_equal(calls[0].r12, 0);
	assert_int_equal(calls[0].rcx, 0xFC00);
}

/* ---- the ACPI table list (acpi.c) ---------------------------------------------- */

static uint8_t acpi_sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* ---- guest-crash MSRs (§2.7) ----------------------------------------------------- */

/* A hypervisor's CPUID answers: cpuid_max = EAX of 0x40000000, crash_bit
 * in 0x40000003 EDX; every WRMSR is recorded by the fake TDCALL. */
static uint32_t cpuid_hv_bit = 1u << 31, cpuid_max = 0x40000005, cpuid_crash = 1u << 10;
static bool wrmsr_refused;

static uint64_t crash_vmm(struct tdx_regs *r, size_t i)
{
	(void)i;
	r->r10 = r->r11 == 0x20 && wrmsr_refused ? 0x8000000000000000ULL : 0;
	if (r->r11 == 0x0A) { /* CPUID: EAX..EDX in R12..R15 */
		uint64_t leaf = r->r12;

		r->r12 = r->r13 = r->r14 = r->r15 = 0;
		if (leaf == 1)
			r->r14 = cpuid_hv_bit;
		else if (leaf == 0x40000000)
			r->r12 = cpuid_max;
		else if (leaf == 0x40000003)
			r->r15 = cpuid_crash;
	}
	return 0;
}

/* The WRMSRs made, in order: msr[k], value[k]; returns their count. */
static size_t wrmsrs(uint64_t *msr, uint64_t *val)
{
	size_t n = 0;

	for (size_t i = 0; i < ncalls; i++)
		if (calls[i].rax == 0 && calls[i].r11 == 0x20) {
			msr[n] = calls[i].r12;
			val[n++] = calls[i].r13;
		}
	return n;
}

static void test_crash_msrs(void **state)
{
	static uint8_t page[4096] __attribute__((aligned(4096)));
	static char big[5000];
	uint64_t msr[8], val[8];
	size_t n;

	(void)state;
	responder = crash_vmm;
	/* with a message: P0 code, P3 GPA (shared), P4 length, then CTL = 3 */
	memset(page, 0xEE, sizeof(page));
	assert_int_equal(fw_tdx_crash_report(9, "policy invalid", 14, page, 1ULL << 47), MIGTD_OK);
	n = wrmsrs(msr, val);
	assert_int_equal(n, 4);
	assert_int_equal(msr[0], 0x40000100);
	assert_int_equal(val[0], 9);
	assert_int_equal(msr[1], 0x40000103);
	assert_int_equal(val[1], (uint64_t)(uintptr_t)page | 1ULL << 47);
	assert_int_equal(msr[2], 0x40000104);
	assert_int_equal(val[2], 14);
	assert_int_equal(msr[3], 0x40000105);
	assert_int_equal(val[3], 3);
	assert_memory_equal(page, "policy invalid", 14);
	assert_int_equal(page[14] | page[4095], 0); /* the rest of the page zeroed */
	/* no message, or one of 4 KiB or more: P0 and CTL = notify only */
	ncalls = 0;
	memset(big, 'x', sizeof(big));
	assert_int_equal(fw_tdx_crash_report(0xFF, big, 4096, page, 0), MIGTD_OK);
	n = wrmsrs(msr, val);
	assert_int_equal(n, 2);
	assert_int_equal(val[0], 0xFF);
	assert_int_equal(msr[1], 0x40000105);
	assert_int_equal(val[1], 1);
	ncalls = 0;
	assert_int_equal(fw_tdx_crash_report(4, NULL, 0, NULL, 0), MIGTD_OK);
	assert_int_equal(wrmsrs(msr, val), 2);
	/* not offered: nothing written, for each of the three conditions */
	cpuid_crash = 0;
	ncalls = 0;
	assert_int_equal(fw_tdx_crash_report(4, "x", 1, page, 0), MIGTD_ERR_UNSUPPORTED);
	assert_int_equal(wrmsrs(msr, val), 0);
	cpuid_crash = 1u << 10;
	cpuid_max = 0x40000003; /* must be strictly greater */
	assert_false(fw_tdx_crash_msrs_offered());
	cpuid_max = 0x40000004;
	assert_true(fw_tdx_crash_msrs_offered());
	cpuid_hv_bit = 0;
	assert_false(fw_tdx_crash_msrs_offered());
	cpuid_hv_bit = 1u << 31;
	/* a WRMSR the VMM refuses: an error, and CTL is never written */
	ncalls = 0;
	wrmsr_refused = true;
	assert_int_not_equal(fw_tdx_crash_report(4, "x", 1, page, 0), MIGTD_OK);
	n = wrmsrs(msr, val);
	assert_int_equal(n, 1);
	assert_int_equal(msr[0], 0x40000100);
	wrmsr_refused = false;
}

static void test_acpi_list_points_at_ccel(void **state)
{
	uint8_t rsdp[36], xsdt[44 + 8], ccel[56];
	uint64_t ccel_gpa = 0x7F0000;

	(void)state;
	assert_int_equal(fw_ccel_table_build(ccel, sizeof(ccel), 0x800000, 0x11000), MIGTD_OK);
	memset(xsdt, 0xEE, sizeof(xsdt));
	assert_int_equal(fw_acpi_list_build(rsdp, xsdt, sizeof(xsdt), 0x7E0000, &ccel_gpa, 1),
			 MIGTD_OK);
	/* RSDP 2.0: signature, revision 2, no RSDT, length 36, XSDT address, both sums. */
	assert_memory_equal(rsdp, "RSD PTR ", 8);
	assert_int_equal(rsdp[15], 2);
	assert_int_equal(rsdp[16] | rsdp[17] | rsdp[18] | rsdp[19], 0);
	assert_int_equal(rsdp[20], 36);
	assert_int_equal(le64(rsdp + 24), 0x7E0000);
	assert_int_equal(acpi_sum(rsdp, 20), 0);
	assert_int_equal(acpi_sum(rsdp, 36), 0);
	/* XSDT: 36-byte header + one entry = 44 bytes, sums to 0, entry = CCEL. */
	assert_memory_equal(xsdt, "XSDT", 4);
	assert_int_equal(xsdt[4], 44);
	assert_int_equal(acpi_sum(xsdt, 44), 0);
	assert_int_equal(le64(xsdt + 36), ccel_gpa);
	assert_int_equal(xsdt[44], 0xEE); /* nothing written past the table */
	assert_memory_equal(ccel, "CCEL", 4);
	assert_int_equal(acpi_sum(ccel, 56), 0);
	/* Bounded: no tables, too many, a zero address, a short buffer. */
	assert_int_equal(fw_acpi_list_build(rsdp, xsdt, sizeof(xsdt), 1, &ccel_gpa, 0),
			 MIGTD_ERR_INVALID);
	assert_int_equal(fw_acpi_list_build(rsdp, xsdt, sizeof(xsdt), 1, &ccel_gpa, 5),
			 MIGTD_ERR_INVALID);
	ccel_gpa = 0;
	assert_int_equal(fw_acpi_list_build(rsdp, xsdt, sizeof(xsdt), 1, &ccel_gpa, 1),
			 MIGTD_ERR_INVALID);
	ccel_gpa = 0x1000;
	assert_int_equal(fw_acpi_list_build(rsdp, xsdt, 43, 1, &ccel_gpa, 1), MIGTD_ERR_LENGTH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_accept_unaligned_both_ends, setup),
		cmocka_unit_test_setup(test_accept_inside_one_large_page, setup),
		cmocka_unit_test_setup(test_accept_permmem_layout, setup),
		cmocka_unit_test_setup(test_accept_mismatch_falls_back, setup),
		cmocka_unit_test_setup(test_accept_mismatch_on_small_page_fails, setup),
		cmocka_unit_test_setup(test_accept_already_accepted, setup),
		cmocka_unit_test_setup(test_accept_busy_retried_five_times, setup),
		cmocka_unit_test_setup(test_accept_hard_failure_stops, setup),
		cmocka_unit_test_setup(test_accept_rejects_bad_ranges, setup),
		cmocka_unit_test_setup(test_share_dma_region, setup),
		cmocka_unit_test_setup(test_share_follows_map_gpa_retry, setup),
		cmocka_unit_test_setup(test_share_failure_leaves_page_tables, setup),
		cmocka_unit_test_setup(test_share_rejects_bad_input, setup),
		cmocka_unit_test_setup(test_ccel_table_bytes, setup),
		cmocka_unit_test_setup(test_ccel_publish_log, setup),
		cmocka_unit_test_setup(test_ccel_publish_rejects, setup),
		cmocka_unit_test_setup(test_acpi_list_points_at_ccel, setup),
		cmocka_unit_test_setup(test_ve_cpuid, setup),
		cmocka_unit_test_setup(test_ve_msr_hlt, setup),
		cmocka_unit_test_setup(test_ve_io, setup),
		cmocka_unit_test_setup(test_tdx_io, setup),
		cmocka_unit_test_setup(test_ve_refuses, setup),
		cmocka_unit_test_setup(test_ve_info_failure_and_fatal, setup),
		cmocka_unit_test_setup(test_crash_msrs, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
