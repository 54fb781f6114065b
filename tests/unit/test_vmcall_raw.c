/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * test_vmcall_raw.c -- the vmcall-raw profile in the core (docs/vmcall-raw.md):
 * the request loop (WaitForRequest completions -> the status each one must
 * be reported with, GetTDReport's fixed REPORTDATA, EnableLogArea, duplicate
 * ids) and the raw stream (include/migtd/rawstream.h: Send chunks, Receive
 * buffers, cancellation, malformed completions), against a fake platform
 * whose raw_* hooks play a scripted VMM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hostio.h"
#include "migtd/ghci.h"
#include "migtd/rawstream.h"
#include "migtd/session.h"
#include "migtd/wire.h"

/* ---- the fake platform ----------------------------------------------------------- */

#define MAX_CALLS 64

struct fake {
	struct migtd_raw_call *pending[MAX_CALLS]; /* started, not completed */
	bool done[MAX_CALLS];
	unsigned n;
	unsigned starts[5]; /* by leaf */
	unsigned cancels;
	int start_ret; /* what raw_start answers (MIGTD_OK) */
	uint8_t last_rd[64];
	unsigned mr_reports;
	uint64_t now;
};

static struct fake F;

static int f_mr_report(void *ctx, const uint8_t rd[64], uint8_t tdreport[1024])
{
	(void)ctx;
	memcpy(F.last_rd, rd, 64);
	memset(tdreport, 0x77, 1024);
	memcpy(tdreport + 128, rd, 64);
	F.mr_reports++;
	return MIGTD_OK;
}

static int f_rtmr(void *ctx, unsigned idx, const uint8_t d[48])
{
	(void)ctx, (void)idx, (void)d;
	return MIGTD_OK;
}

static int f_raw_start(void *ctx, struct migtd_raw_call *call)
{
	(void)ctx;
	if (F.start_ret != MIGTD_OK)
		return F.start_ret;
	assert_true(F.n < MAX_CALLS);
	assert_true(call->leaf >= 1 && call->leaf <= 4);
	F.starts[call->leaf]++;
	call->plat = &F.pending[F.n];
	F.done[F.n] = false;
	F.pending[F.n++] = call;
	return MIGTD_OK;
}

static int f_raw_poll(void *ctx, struct migtd_raw_call *call)
{
	struct migtd_raw_call **slot = call->plat;
	size_t i = (size_t)(slot - F.pending);

	(void)ctx;
	assert_true(i < F.n && F.pending[i] == call);
	if (!F.done[i])
		return MIGTD_ERR_AGAIN;
	F.pending[i] = NULL;
	return MIGTD_OK;
}

static int f_raw_cancel(void *ctx, struct migtd_raw_call *call)
{
	struct migtd_raw_call **slot = call->plat;

	(void)ctx;
	*slot = NULL;
	F.cancels++;
	return MIGTD_OK;
}

static uint64_t f_now(void *ctx)
{
	(void)ctx;
	return F.now;
}

static const struct migtd_platform_ops fake_ops = {
	.mr_report = f_mr_report,
	.mr_rtmr_extend = f_rtmr,
	.now_ms = f_now,
	.raw_start = f_raw_start,
	.raw_poll = f_raw_poll,
	.raw_cancel = f_raw_cancel,
};

/* The newest pending call of a leaf. */
static struct migtd_raw_call *pending(uint16_t leaf)
{
	for (unsigned i = F.n; i-- > 0;)
		if (F.pending[i] && !F.done[i] && F.pending[i]->leaf == leaf)
			return F.pending[i];
	return NULL;
}

/* The newest pending call of a leaf, which must exist. */
static struct migtd_raw_call *must(uint16_t leaf)
{
	struct migtd_raw_call *c = pending(leaf);

	if (!c) {
		fail_msg("no pending call of leaf %u", leaf);
		abort();
	}
	return c;
}

/* The VMM completes call: fills its buffer (cap bytes) and "injects the vector". */
static void complete(struct migtd_raw_call *call, uint8_t b0, uint8_t b1, const void *payload,
		     size_t n)
{
	struct migtd_raw_call **slot = call->plat;
	size_t out = 0;

	memset(call->buf, 0, call->cap);
	assert_int_equal(migtd_ghci_raw_build(call->buf, call->cap, GHCI_RAW_DATA_STATUS(b0, b1),
					      payload, n, &out),
			 MIGTD_OK);
	F.done[slot - F.pending] = true;
}

/* ---- the request loop ------------------------------------------------------------- */

static struct migtd_core core;
static struct migtd_platform plat;
static uint8_t *policy, *root;
static size_t policy_len, root_len;

static int group_setup(void **state)
{
	(void)state;
	if (hostio_read_file("config/policy.json", HOSTIO_READ_MAX, &policy, &policy_len) ||
	    hostio_read_file("config/Intel_SGX_Provisioning_Certification_RootCA.cer",
			     HOSTIO_READ_MAX, &root, &root_len))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	free(policy);
	free(root);
	return 0;
}

static int log_enable_calls;
static uint8_t log_enable_level;

static int fake_log_enable(void *ctx, uint8_t level, uint8_t *out, size_t cap, size_t *len)
{
	(void)ctx;
	log_enable_calls++;
	log_enable_level = level;
	assert_true(cap >= 24);
	memset(out, 0xEE, 24);
	*len = 24;
	return MIGTD_OK;
}

static void boot(bool with_log_area)
{
	struct migtd_config cfg = { 0 };
	uint64_t wake;

	memset(&F, 0, sizeof(F));
	memset(&plat, 0, sizeof(plat));
	plat.ops = &fake_ops;
	cfg.policy = policy;
	cfg.policy_len = policy_len;
	cfg.root_ca = root;
	cfg.root_ca_len = root_len;
	cfg.profile = MIGTD_PROFILE_VMCALL_RAW;
	if (with_log_area)
		cfg.log_area.enable = fake_log_enable;
	assert_int_equal(migtd_core_init(&core, &plat, &cfg), MIGTD_OK);
	assert_int_equal(migtd_core_poll(&core, &wake), MIGTD_OK);
	assert_int_equal(core.state, MIGTD_CORE_SERVE);
}

static void poll_core(void)
{
	uint64_t wake;

	for (int i = 0; i < 4; i++)
		assert_int_equal(migtd_core_poll(&core, &wake), MIGTD_OK);
}

/* Deliver one WaitForRequest completion, run the core, and take the
 * ReportStatus it sends: returns its status code; *data gets its data. */
static int request(uint8_t b0, uint8_t op, const void *payload, size_t n, uint64_t want_id,
		   uint8_t *data, size_t *data_len)
{
	struct migtd_raw_call *wfr = must(GHCI_RAW_LEAF_WAIT_FOR_REQUEST), *rs;
	struct ghci_raw_hdr h;
	uint8_t code = 0xAA;

	/* §2.4.1: data_status 0, length 0, the whole buffer given */
	assert_int_equal(migtd_wire_get_u64(wfr->buf), 0);
	assert_int_equal(migtd_wire_get_u32(wfr->buf + 8), 0);
	assert_true(wfr->cap >= GHCI_RAW_HDR_LEN + 568);
	complete(wfr, b0, op, payload, n);
	poll_core();
	rs = pending(GHCI_RAW_LEAF_REPORT_STATUS);
	if (!rs)
		return -1;
	assert_int_equal(rs->mig_request_id, want_id);
	assert_int_equal(migtd_ghci_raw_status_word_parse(rs->status_word, &code), MIGTD_OK);
	assert_int_equal(migtd_ghci_raw_hdr_parse(rs->buf, rs->len, &h), MIGTD_OK);
	assert_int_equal(h.data_status, 0);
	assert_int_equal(rs->len, GHCI_RAW_HDR_LEN + h.length);
	if (data) {
		memcpy(data, rs->buf + GHCI_RAW_HDR_LEN, h.length);
		*data_len = h.length;
	}
	/* §2.4.2: the VMM acknowledges with byte 0 = 1 */
	rs->buf[0] = GHCI_RAW_STATUS_VMM_SUCCESS;
	F.done[(struct migtd_raw_call **)rs->plat - F.pending] = true;
	poll_core();
	assert_null(pending(GHCI_RAW_LEAF_REPORT_STATUS));
	return code;
}

static size_t id_payload(uint8_t *p, uint64_t id, size_t len)
{
	memset(p, 0, len);
	migtd_wire_put_u64(p, id);
	return len;
}

static void test_refused_requests(void **state)
{
	uint8_t p[600];

	(void)state;
	boot(false);
	/* not filled: spurious, asked again, nothing reported */
	complete(must(GHCI_RAW_LEAF_WAIT_FOR_REQUEST), 0, 0, NULL, 0);
	poll_core();
	assert_null(pending(GHCI_RAW_LEAF_REPORT_STATUS));
	assert_int_equal(F.starts[GHCI_RAW_LEAF_WAIT_FOR_REQUEST], 2);
	/* VMM error status -> 11 for the id at offset 12 */
	assert_int_equal(request(2, 1, p, id_payload(p, 41, 56), 41, NULL, NULL), 11);
	/* unknown operation -> 12 */
	assert_int_equal(request(1, 9, p, id_payload(p, 42, 8), 42, NULL, NULL), 12);
	assert_int_equal(request(1, 0, p, id_payload(p, 43, 8), 43, NULL, NULL), 12);
	/* no policy v2: StartRebinding, GetMigtdData -> 12 */
	assert_int_equal(request(1, 2, p, id_payload(p, 44, 56), 44, NULL, NULL), 12);
	assert_int_equal(request(1, 5, p, id_payload(p, 45, 8), 45, NULL, NULL), 12);
	/* length mismatches -> 1 */
	assert_int_equal(request(1, 1, p, id_payload(p, 46, 57), 46, NULL, NULL), 1);
	assert_int_equal(request(1, 1, p, id_payload(p, 47, 568), 47, NULL, NULL), 1);
	assert_int_equal(request(1, 3, p, id_payload(p, 48, 9), 48, NULL, NULL), 1);
	assert_int_equal(request(1, 4, p, id_payload(p, 49, 15), 49, NULL, NULL), 1);
	/* EnableLogArea: level 0 or 6 -> 1; non-zero reserved -> 1 */
	id_payload(p, 50, 16);
	assert_int_equal(request(1, 4, p, 16, 50, NULL, NULL), 1);
	p[8] = 6;
	assert_int_equal(request(1, 4, p, 16, 50, NULL, NULL), 1);
	p[8] = 3;
	p[9] = 1;
	assert_int_equal(request(1, 4, p, 16, 50, NULL, NULL), 1);
	/* a valid EnableLogArea without a log area in this program -> 12 */
	p[9] = 0;
	assert_int_equal(request(1, 4, p, 16, 50, NULL, NULL), 12);
	assert_int_equal(core.sessions_succeeded + core.sessions_failed, 0);
	assert_int_equal(core.requests_aux, 13);
	migtd_core_fini(&core);
}

static void test_get_tdreport(void **state)
{
	uint8_t p[72], data[1100];
	size_t n = 0;
	uint8_t want[64] = { 0 };

	(void)state;
	boot(false);
	memcpy(want, "HostRequestedMigTDReport", 24);
	/* the 72-byte form: the VMM's REPORTDATA is ignored (§2.4.6) */
	id_payload(p, 7, 72);
	memset(p + 8, 0xA5, 64);
	assert_int_equal(request(1, 3, p, 72, 7, data, &n), 0);
	assert_int_equal(n, 1024);
	assert_memory_equal(F.last_rd, want, 64);
	assert_memory_equal(data + 128, want, 64);
	/* the 8-byte form */
	assert_int_equal(request(1, 3, p, id_payload(p, 8, 8), 8, data, &n), 0);
	assert_int_equal(n, 1024);
	assert_int_equal(F.mr_reports, 2);
	migtd_core_fini(&core);
}

static void test_enable_log_area(void **state)
{
	uint8_t p[16], data[64];
	size_t n = 0;

	(void)state;
	boot(true);
	id_payload(p, 9, 16);
	p[8] = 5;
	assert_int_equal(request(1, 4, p, 16, 9, data, &n), 0);
	assert_int_equal(log_enable_calls, 1);
	assert_int_equal(log_enable_level, 5); /* the program clamps, not the core */
	assert_int_equal(n, 24);
	assert_int_equal(data[0], 0xEE);
	migtd_core_fini(&core);
}

/* A StartMigration is a session; its id is in progress until its ReportStatus
 * was acknowledged, and the same id delivered meanwhile is ignored (§1.4,
 * §2.4.5). This platform has no stream, so the session fails at once (5)
 * and waits for the VMM's acknowledgement. */
static void test_start_migration_and_duplicate(void **state)
{
	struct ghci_raw_request q;
	struct wire_writer w;
	struct migtd_raw_call *rs;
	uint8_t p[600], code = 0;

	(void)state;
	boot(false);
	memset(&q, 0, sizeof(q));
	q.operation = GHCI_RAW_OP_START_MIGRATION;
	q.mig_info.mig_request_id = 77;
	q.mig_info.migration_source = 1;
	q.mig_info.binding_handle = 0x1234;
	migtd_wire_writer_init(&w, p, sizeof(p));
	assert_int_equal(migtd_ghci_raw_wfr_payload_write(&w, &q), MIGTD_OK);
	assert_int_equal(migtd_wire_written(&w), 56);
	complete(must(GHCI_RAW_LEAF_WAIT_FOR_REQUEST), 1, 1, p, 56);
	poll_core();
	assert_int_equal(core.requests_received, 1);
	assert_int_equal(migtd_core_active_sessions(&core), 1);
	rs = must(GHCI_RAW_LEAF_REPORT_STATUS);
	assert_int_equal(rs->mig_request_id, 77);
	assert_int_equal(migtd_ghci_raw_status_word_parse(rs->status_word, &code), MIGTD_OK);
	assert_int_equal(code, 5);
	/* the same id again, and a GetTDReport with it: both ignored */
	complete(must(GHCI_RAW_LEAF_WAIT_FOR_REQUEST), 1, 1, p, 56);
	poll_core();
	complete(must(GHCI_RAW_LEAF_WAIT_FOR_REQUEST), 1, 3, p, id_payload(p, 77, 8));
	poll_core();
	assert_int_equal(core.requests_duplicate, 2);
	assert_int_equal(F.starts[GHCI_RAW_LEAF_REPORT_STATUS], 1);
	assert_int_equal(F.mr_reports, 0);
	/* acknowledged: the id is free again */
	rs->buf[0] = GHCI_RAW_STATUS_VMM_SUCCESS;
	F.done[(struct migtd_raw_call **)rs->plat - F.pending] = true;
	poll_core();
	assert_int_equal(migtd_core_active_sessions(&core), 0);
	assert_int_equal(core.sessions_failed, 1);
	assert_int_equal(request(1, 3, p, id_payload(p, 77, 8), 77, NULL, NULL), 0);
	migtd_core_fini(&core);
}

static bool refuse_admit(void *ctx, unsigned active)
{
	(void)active;
	(*(unsigned *)ctx)++;
	return false;
}

/* cfg.admit (docs/firmware-heap.md) is asked before each WaitForRequest of
 * this profile too: while it refuses, no request is taken beside a running
 * session; once none runs, the next WaitForRequest goes out. */
static void test_admission(void **state)
{
	struct ghci_raw_request q;
	struct wire_writer w;
	struct migtd_raw_call *rs;
	uint8_t p[600];
	unsigned asked = 0;

	(void)state;
	boot(false);
	core.cfg.admit = refuse_admit;
	core.cfg.admit_ctx = &asked;
	memset(&q, 0, sizeof(q));
	q.operation = GHCI_RAW_OP_START_MIGRATION;
	q.mig_info.mig_request_id = 78;
	q.mig_info.migration_source = 1;
	q.mig_info.binding_handle = 0x1234;
	migtd_wire_writer_init(&w, p, sizeof(p));
	assert_int_equal(migtd_ghci_raw_wfr_payload_write(&w, &q), MIGTD_OK);
	complete(must(GHCI_RAW_LEAF_WAIT_FOR_REQUEST), 1, 1, p, migtd_wire_written(&w));
	poll_core();
	assert_int_equal(migtd_core_active_sessions(&core), 1);
	assert_null(pending(GHCI_RAW_LEAF_WAIT_FOR_REQUEST));
	assert_true(asked > 0);
	assert_true(core.admission_waits > 0);
	/* the session ends (its report acknowledged): requests are taken again */
	rs = must(GHCI_RAW_LEAF_REPORT_STATUS);
	rs->buf[0] = GHCI_RAW_STATUS_VMM_SUCCESS;
	F.done[(struct migtd_raw_call **)rs->plat - F.pending] = true;
	poll_core();
	assert_int_equal(migtd_core_active_sessions(&core), 0);
	assert_non_null(pending(GHCI_RAW_LEAF_WAIT_FOR_REQUEST));
	migtd_core_fini(&core);
}

/* ---- the raw stream ------------------------------------------------------------------ */

static struct migtd_rawstreams rs;
static struct migtd_rawstream rs_slots[4];

static void stream_setup(uint32_t *h)
{
	const struct migtd_stream_params prm = { .mig_request_id = 0xABCD };

	memset(&F, 0, sizeof(F));
	memset(&plat, 0, sizeof(plat));
	plat.ops = &fake_ops;
	migtd_rawstreams_init(&rs, &plat, rs_slots, 4);
	assert_int_equal(migtd_rawstream_ops.open(&rs, &prm, h), MIGTD_OK);
	/* §4.4: nothing goes to the VMM on open */
	assert_int_equal(F.n, 0);
}

static void test_stream_send(void **state)
{
	static uint8_t big[40000];
	struct migtd_raw_call *c;
	size_t sent = 0;
	uint32_t h;

	(void)state;
	stream_setup(&h);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	assert_int_equal(migtd_rawstream_ops.send(&rs, h, big, sizeof(big), &sent), MIGTD_OK);
	assert_int_equal(sent, MIGTD_RAWSTREAM_TX_CHUNK);
	c = must(GHCI_RAW_LEAF_SEND);
	assert_int_equal(c->mig_request_id, 0xABCD);
	assert_int_equal(c->cap, GHCI_RAW_HDR_LEN + sent); /* 12 + n */
	assert_int_equal(migtd_wire_get_u64(c->buf), 0);
	assert_int_equal(migtd_wire_get_u32(c->buf + 8), sent);
	assert_memory_equal(c->buf + 12, big, sent);
	/* the next chunk waits for this one (§4.4) */
	assert_int_equal(migtd_rawstream_ops.send(&rs, h, big + sent, 10, &sent), MIGTD_ERR_AGAIN);
	/* the VMM says "not yet" (byte 0 = 2, byte 1 != 3): no answer to go on from */
	complete(c, 1, 0, NULL, 0);
	assert_int_equal(migtd_rawstream_ops.send(&rs, h, big, 10, &sent), MIGTD_OK);
	assert_int_equal(sent, 10);
	/* close waits for the last chunk */
	assert_int_equal(migtd_rawstream_ops.close(&rs, h), MIGTD_ERR_AGAIN);
	complete(must(GHCI_RAW_LEAF_SEND), 1, 0, NULL, 0);
	assert_int_equal(migtd_rawstream_ops.close(&rs, h), MIGTD_OK);
	assert_false(rs.s[h].used);
}

static void test_stream_receive(void **state)
{
	uint8_t buf[100], data[300];
	struct migtd_raw_call *c;
	size_t got = 0;
	uint32_t h;

	(void)state;
	stream_setup(&h);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	assert_int_equal(migtd_rawstream_ops.recv(&rs, h, buf, sizeof(buf), &got), MIGTD_ERR_AGAIN);
	c = must(GHCI_RAW_LEAF_RECEIVE);
	assert_int_equal(c->cap, 0x10000); /* 16 pages, header zeroed (§2.4.3) */
	assert_int_equal(migtd_wire_get_u64(c->buf), 0);
	assert_int_equal(migtd_wire_get_u32(c->buf + 8), 0);
	/* one call posted at a time */
	assert_int_equal(migtd_rawstream_ops.recv(&rs, h, buf, sizeof(buf), &got), MIGTD_ERR_AGAIN);
	assert_int_equal(F.starts[GHCI_RAW_LEAF_RECEIVE], 1);
	/* "not yet": the stream asks again */
	complete(c, 0, 0, NULL, 0);
	assert_int_equal(migtd_rawstream_ops.recv(&rs, h, buf, sizeof(buf), &got), MIGTD_ERR_AGAIN);
	assert_int_equal(F.starts[GHCI_RAW_LEAF_RECEIVE], 2);
	/* 300 bytes handed out in pieces, no new call meanwhile */
	complete(must(GHCI_RAW_LEAF_RECEIVE), 1, 0, data, sizeof(data));
	for (size_t off = 0; off < sizeof(data); off += got) {
		assert_int_equal(migtd_rawstream_ops.recv(&rs, h, buf, sizeof(buf), &got),
				 MIGTD_OK);
		assert_true(got >= 1 && got <= sizeof(buf));
		assert_memory_equal(buf, data + off, got);
	}
	assert_int_equal(F.starts[GHCI_RAW_LEAF_RECEIVE], 2);
	/* a posted Receive is let go on close */
	assert_int_equal(migtd_rawstream_ops.recv(&rs, h, buf, sizeof(buf), &got), MIGTD_ERR_AGAIN);
	assert_int_equal(migtd_rawstream_ops.close(&rs, h), MIGTD_OK);
	assert_int_equal(F.cancels, 1);
}

static void test_stream_cancel_and_malformed(void **state)
{
	uint8_t buf[16];
	size_t got = 0, sent = 0;
	uint32_t h;

	(void)state;
	/* §2.4.4: byte 0 = 2, byte 1 = 3 -> cancelled, and it sticks */
	stream_setup(&h);
	(void)migtd_rawstream_ops.recv(&rs, h, buf, sizeof(buf), &got);
	complete(must(GHCI_RAW_LEAF_RECEIVE), 2, 3, NULL, 0);
	assert_int_equal(migtd_rawstream_ops.recv(&rs, h, buf, sizeof(buf), &got),
			 MIGTD_ERR_VMM_CANCELED);
	assert_int_equal(migtd_rawstream_ops.send(&rs, h, "x", 1, &sent), MIGTD_ERR_VMM_CANCELED);
	assert_int_equal(migtd_rawstream_ops.close(&rs, h), MIGTD_OK);
	/* a cancelled Send */
	stream_setup(&h);
	assert_int_equal(migtd_rawstream_ops.send(&rs, h, "abc", 3, &sent), MIGTD_OK);
	complete(must(GHCI_RAW_LEAF_SEND), 2, 3, NULL, 0);
	assert_int_equal(migtd_rawstream_ops.send(&rs, h, "d", 1, &sent), MIGTD_ERR_VMM_CANCELED);
	(void)migtd_rawstream_ops.close(&rs, h);
	/* a successful Receive of 0 bytes is malformed */
	stream_setup(&h);
	(void)migtd_rawstream_ops.recv(&rs, h, buf, sizeof(buf), &got);
	complete(must(GHCI_RAW_LEAF_RECEIVE), 1, 0, NULL, 0);
	assert_int_equal(migtd_rawstream_ops.recv(&rs, h, buf, sizeof(buf), &got),
			 MIGTD_ERR_INVALID);
	(void)migtd_rawstream_ops.close(&rs, h);
	/* a length beyond the buffer */
	stream_setup(&h);
	(void)migtd_rawstream_ops.recv(&rs, h, buf, sizeof(buf), &got);
	complete(must(GHCI_RAW_LEAF_RECEIVE), 1, 0, "a", 1);
	migtd_wire_put_u32(rs.s[h].rxbuf + 8, 0x10000 - 11);
	assert_int_equal(migtd_rawstream_ops.recv(&rs, h, buf, sizeof(buf), &got),
			 MIGTD_ERR_LENGTH);
	(void)migtd_rawstream_ops.close(&rs, h);
	/* the VMM asks to retry: AGAIN, not an error */
	stream_setup(&h);
	F.start_ret = MIGTD_ERR_AGAIN;
	assert_int_equal(migtd_rawstream_ops.send(&rs, h, "x", 1, &sent), MIGTD_ERR_AGAIN);
	assert_int_equal(migtd_rawstream_ops.recv(&rs, h, buf, sizeof(buf), &got), MIGTD_ERR_AGAIN);
	F.start_ret = MIGTD_OK;
	assert_int_equal(migtd_rawstream_ops.send(&rs, h, "x", 1, &sent), MIGTD_OK);
	/* unknown handles */
	assert_int_equal(migtd_rawstream_ops.send(&rs, 999, "x", 1, &sent), MIGTD_ERR_STATE);
	assert_int_equal(migtd_rawstream_ops.close(&rs, h + 1), MIGTD_ERR_STATE);
	assert_int_equal(migtd_rawstream_ops.close(&rs, 4), MIGTD_ERR_STATE);
	/* every slot taken: the core retries the open */
	for (uint32_t i = 1; i < 4; i++) {
		uint32_t x;
		const struct migtd_stream_params prm = { .mig_request_id = i };

		assert_int_equal(migtd_rawstream_ops.open(&rs, &prm, &x), MIGTD_OK);
	}
	{
		uint32_t x;
		const struct migtd_stream_params prm = { .mig_request_id = 9 };

		assert_int_equal(migtd_rawstream_ops.open(&rs, &prm, &x), MIGTD_ERR_AGAIN);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_requests),
		cmocka_unit_test(test_get_tdreport),
		cmocka_unit_test(test_enable_log_area),
		cmocka_unit_test(test_start_migration_and_duplicate),
		cmocka_unit_test(test_admission),
		cmocka_unit_test(test_stream_send),
		cmocka_unit_test(test_stream_receive),
		cmocka_unit_test(test_stream_cancel_and_malformed),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
