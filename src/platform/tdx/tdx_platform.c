/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * tdx_platform.c -- struct migtd_platform_ops for a MigTD running in a TD.
 *
 * The TDX module reads and writes only aligned private buffers of its own
 * (kept in struct tdx_platform), and the VMM sees only the shared pages the
 * firmware provided; every byte crosses into the caller's private buffer by
 * an explicit copy here, so the core only ever parses private copies
 * (docs/protocol.md §2).
 */
#include "tdx.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "migtd/ghci.h"
#include "migtd/wire.h"

/* Identity-mapped firmware: a private buffer's GPA is its address. */
static uint64_t gpa_private(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

static uint64_t gpa_shared(const struct tdx_platform *t, const void *p)
{
	return (uint64_t)(uintptr_t)p | t->shared_mask;
}

static int op_mr_report(void *ctx, const uint8_t report_data[TDREPORT_REPORT_DATA_SIZE],
			uint8_t tdreport[TDREPORT_STRUCT_SIZE])
{
	struct tdx_platform *t = ctx;
	int err;

	memcpy(t->reportdata, report_data, TDREPORT_REPORT_DATA_SIZE);
	err = tdx_mr_report(gpa_private(t->report), gpa_private(t->reportdata));
	if (err == MIGTD_OK)
		memcpy(tdreport, t->report, TDREPORT_STRUCT_SIZE);
	return err;
}

static int op_mr_rtmr_extend(void *ctx, unsigned int index,
			     const uint8_t digest[TDX_RTMR_DIGEST_SIZE])
{
	struct tdx_platform *t = ctx;

	if (index >= TDX_RTMR_COUNT)
		return MIGTD_ERR_INVALID;
	memset(t->digest, 0, sizeof(t->digest));
	memcpy(t->digest, digest, TDX_RTMR_DIGEST_SIZE);
	return tdx_mr_rtmr_extend(gpa_private(t->digest), index);
}

static int op_servtd_rd(void *ctx, const struct migtd_servtd_binding *b, uint64_t field_id,
			uint64_t *value)
{
	(void)ctx;
	return tdx_servtd_rd(b->handle, &b->uuid, field_id, value);
}

static int op_servtd_wr(void *ctx, const struct migtd_servtd_binding *b, uint64_t field_id,
			uint64_t value, uint64_t mask, uint64_t *old_value)
{
	(void)ctx;
	return tdx_servtd_wr(b->handle, &b->uuid, field_id, value, mask, old_value);
}

static int op_sys_rd(void *ctx, uint64_t field_id, uint64_t *value)
{
	(void)ctx;
	return tdx_sys_rd(field_id, value);
}

/*
 * Service: without an interrupt flag the VMCALL is issued with vector 0 and
 * returns once the VMM has answered (upstream's polling build); with a
 * flag it is issued with vector 0x50 and completes when the handler has
 * set the flag.
 */
static int op_service_start(void *ctx, struct migtd_service_call *c)
{
	struct tdx_platform *t = ctx;
	uint64_t vector = t->service_flag ? TDX_VECTOR_SERVICE : 0;
	int err;

	if (t->svc_busy)
		return MIGTD_ERR_AGAIN; /* one shared page pair: one call at a time */
	if (t->svc_abandoned) {
		/* The VMM owns the pages of a cancelled call until it completes it. */
		if (t->service_flag && !*t->service_flag)
			return MIGTD_ERR_AGAIN;
		t->svc_abandoned = 0;
	}
	if (!t->svc_cmd || !t->svc_rsp)
		return MIGTD_ERR_UNSUPPORTED;
	if (c->cmd_len > TDX_PAGE_SIZE || c->rsp_cap > TDX_PAGE_SIZE || c->rsp_cap == 0)
		return MIGTD_ERR_LENGTH;
	memset(t->svc_cmd, 0, TDX_PAGE_SIZE);
	memset(t->svc_rsp, 0, TDX_PAGE_SIZE);
	memcpy(t->svc_cmd, c->cmd, c->cmd_len);
	memcpy(t->svc_rsp, c->rsp, c->rsp_cap);
	if (t->service_flag)
		*t->service_flag = 0;
	err = tdx_vmcall_service(gpa_shared(t, t->svc_cmd), gpa_shared(t, t->svc_rsp), vector,
				 c->wait_ms);
	if (err != MIGTD_OK)
		return err;
	t->svc_busy = c;
	return MIGTD_OK;
}

static int op_service_poll(void *ctx, struct migtd_service_call *c)
{
	struct tdx_platform *t = ctx;

	if (t->svc_busy != c)
		return MIGTD_ERR_STATE;
	if (t->service_flag && !*t->service_flag)
		return MIGTD_ERR_AGAIN;
	memcpy(c->rsp, t->svc_rsp, c->rsp_cap);
	t->svc_busy = NULL;
	return MIGTD_OK;
}

/*
 * GetQuote: the request goes into the shared buffer, the VMM gets the
 * whole buffer (docs/protocol.md §2.6: upstream passes the page-rounded size). If the
 * firmware has a 0x51 handler, SetupEventNotifyInterrupt is tried once;
 * when it worked, completion is the interrupt, otherwise the status word.
 */
static int op_quote_start(void *ctx, struct migtd_quote_call *c)
{
	struct tdx_platform *t = ctx;
	int err;

	if (t->quote_busy)
		return MIGTD_ERR_AGAIN;
	if (t->quote_abandoned) {
		/* The VMM still owns the shared buffer of a cancelled GetQuote
		 * until it completes it: only then can the next one start. */
		if (t->quote_notify_ok && t->quote_flag
			    ? !*t->quote_flag
			    : migtd_wire_get_u64(t->quote_buf + 8) == GHCI_GETQUOTE_IN_FLIGHT)
			return MIGTD_ERR_AGAIN;
		t->quote_abandoned = 0;
	}
	if (!t->quote_buf || t->quote_buf_len < GHCI_GETQUOTE_HDR_LEN)
		return MIGTD_ERR_UNSUPPORTED;
	if (c->len < GHCI_GETQUOTE_HDR_LEN || c->len > t->quote_buf_len || c->len > c->cap)
		return MIGTD_ERR_LENGTH;
	if (t->quote_flag && !t->quote_notify_ok)
		t->quote_notify_ok =
			tdx_vmcall_setup_event_notify(TDX_VECTOR_GET_QUOTE) == MIGTD_OK;
	memset(t->quote_buf, 0, t->quote_buf_len);
	memcpy(t->quote_buf, c->buf, c->len);
	if (t->quote_flag)
		*t->quote_flag = 0;
	err = tdx_vmcall_get_quote(gpa_shared(t, t->quote_buf), t->quote_buf_len);
	if (err != MIGTD_OK)
		return err;
	t->quote_busy = c;
	return MIGTD_OK;
}

static int op_quote_poll(void *ctx, struct migtd_quote_call *c)
{
	struct tdx_platform *t = ctx;
	uint8_t hdr[16];
	uint64_t status;
	size_t n;

	if (t->quote_busy != c)
		return MIGTD_ERR_STATE;
	if (t->quote_notify_ok && t->quote_flag) {
		if (!*t->quote_flag)
			return MIGTD_ERR_AGAIN;
	}
	/* One read of the status word, from a private copy. */
	memcpy(hdr, t->quote_buf, sizeof(hdr));
	status = migtd_wire_get_u64(hdr + 8);
	if (!(t->quote_notify_ok && t->quote_flag) && status == GHCI_GETQUOTE_IN_FLIGHT)
		return MIGTD_ERR_AGAIN;
	n = c->cap < t->quote_buf_len ? c->cap : t->quote_buf_len;
	/* The copy may differ from hdr if the VMM is still writing: the caller
	 * judges the status word of this copy, the one it parses. */
	memcpy(c->buf, t->quote_buf, n);
	t->quote_busy = NULL;
	return MIGTD_OK;
}

/* cppcheck-suppress constParameter ; the ops table fixes the signature */
static int op_quote_cancel(void *ctx, struct migtd_quote_call *c)
{
	struct tdx_platform *t = ctx;

	if (t->quote_busy != c)
		return MIGTD_ERR_STATE;
	t->quote_busy = NULL;
	t->quote_abandoned = 1;
	return MIGTD_OK;
}

/* cppcheck-suppress constParameter ; the ops table fixes the signature */
static int op_service_cancel(void *ctx, struct migtd_service_call *c)
{
	struct tdx_platform *t = ctx;

	if (t->svc_busy != c)
		return MIGTD_ERR_STATE;
	t->svc_busy = NULL;
	t->svc_abandoned = 1;
	return MIGTD_OK;
}

/* RDRAND retried a few times per word, as Intel recommends (10). */
int tdx_random(void *buf, size_t len)
{
	uint8_t *out = buf;
	uint64_t v = 0;

	while (len) {
		unsigned int tries = 0;
		size_t n = len < 8 ? len : 8;

		while (!tdx_rdrand64(&v))
			if (++tries >= 10)
				return MIGTD_ERR_CRYPTO;
		/* cppcheck-suppress knownConditionTrueFalse ; false positive: n is 1..8 */
		for (size_t i = 0; i < n; i++)
			out[i] = (uint8_t)(v >> (8 * i));
		out += n;
		len -= n;
	}
	mbedtls_platform_zeroize(&v, sizeof(v));
	return MIGTD_OK;
}

static uint64_t op_now_ms(void *ctx)
{
	const struct tdx_platform *t = ctx;

	return t->tsc_khz ? tdx_rdtsc() / t->tsc_khz : 0;
}

/* ---- vmcall-raw: TDG.VP.VMCALL<MigTD> (docs/protocol.md §2.4, docs/vmcall-raw.md) ---- */

static bool raw_page_used(const struct tdx_platform *t, uint32_t i)
{
	return ((unsigned int)t->raw_map[i / 8] >> (i % 8)) & 1u;
}

static void raw_pages_mark(struct tdx_platform *t, uint32_t first, uint32_t n, bool used)
{
	for (uint32_t i = first; i < first + n; i++) {
		if (used)
			t->raw_map[i / 8] = (uint8_t)(t->raw_map[i / 8] | (1u << (i % 8)));
		else
			t->raw_map[i / 8] = (uint8_t)(t->raw_map[i / 8] & ~(1u << (i % 8)));
	}
}

/* First fit of n contiguous pool pages; UINT32_MAX if none. */
static uint32_t raw_pages_find(const struct tdx_platform *t, uint32_t n)
{
	uint32_t total = (uint32_t)(t->raw_pool_len / TDX_PAGE_SIZE), run = 0;

	if (total > TDX_RAW_POOL_PAGES_MAX)
		total = TDX_RAW_POOL_PAGES_MAX;
	for (uint32_t i = 0; i < total; i++) {
		run = raw_page_used(t, i) ? 0 : run + 1;
		if (run == n)
			return i + 1 - n;
	}
	return UINT32_MAX;
}

/* Has the VMM completed this buffer? Read from shared memory, once per field. */
static bool raw_buf_done(uint16_t leaf, const volatile uint8_t *b)
{
	uint8_t state = b[0];

	switch (leaf) {
	case GHCI_RAW_LEAF_WAIT_FOR_REQUEST: {
		/* §2.4.1: data_status 0 with length 0 is "nothing yet". */
		uint8_t any = 0;

		for (unsigned i = 0; i < GHCI_RAW_HDR_LEN; i++)
			any |= b[i];
		return any != 0;
	}
	case GHCI_RAW_LEAF_REPORT_STATUS: return state == GHCI_RAW_STATUS_VMM_SUCCESS;
	default: return state != GHCI_RAW_STATUS_NOT_FILLED; /* done, or cancelled */
	}
}

static void raw_slot_free(struct tdx_platform *t, struct tdx_raw_slot *sl)
{
	raw_pages_mark(t, sl->first, sl->pages, false);
	memset(sl, 0, sizeof(*sl));
}

/* Pages of calls given up are the VMM's until it completed them. */
static void raw_reap(struct tdx_platform *t)
{
	for (unsigned i = 0; i < TDX_RAW_SLOTS; i++) {
		struct tdx_raw_slot *sl = &t->raw[i];

		if (sl->used && !sl->call && raw_buf_done(sl->leaf, sl->buf))
			raw_slot_free(t, sl);
	}
}

static int op_raw_start(void *ctx, struct migtd_raw_call *c)
{
	struct tdx_platform *t = ctx;
	struct tdx_raw_slot *sl = NULL;
	uint64_t gpa, vec;
	uint32_t pages, first;
	int err;

	if (!t->raw_pool)
		return MIGTD_ERR_UNSUPPORTED;
	if (c->leaf < GHCI_RAW_LEAF_WAIT_FOR_REQUEST || c->leaf > GHCI_RAW_LEAF_RECEIVE ||
	    c->cap < GHCI_RAW_HDR_LEN || c->len > c->cap || c->cap > 0x10000u)
		return MIGTD_ERR_LENGTH;
	raw_reap(t);
	for (unsigned i = 0; i < TDX_RAW_SLOTS && !sl; i++)
		if (!t->raw[i].used)
			sl = &t->raw[i];
	pages = (uint32_t)((c->cap + TDX_PAGE_SIZE - 1) / TDX_PAGE_SIZE);
	first = raw_pages_find(t, pages);
	if (!sl || first == UINT32_MAX)
		return MIGTD_ERR_AGAIN; /* every buffer in use: like a VMM asking to retry */
	sl->used = true;
	sl->call = c;
	sl->leaf = c->leaf;
	sl->first = first;
	sl->pages = pages;
	sl->buf = t->raw_pool + (size_t)first * TDX_PAGE_SIZE;
	raw_pages_mark(t, first, pages, true);
	memset(sl->buf, 0, (size_t)pages * TDX_PAGE_SIZE);
	memcpy(sl->buf, c->buf, c->len);
	sl->gen = t->raw_flag ? *t->raw_flag : 0;
	gpa = gpa_shared(t, sl->buf);
	vec = c->leaf <= GHCI_RAW_LEAF_REPORT_STATUS ? TDX_VECTOR_SERVICE : TDX_VECTOR_STREAM;
	if (!t->raw_flag)
		vec = 0;
	switch (c->leaf) {
	case GHCI_RAW_LEAF_WAIT_FOR_REQUEST:
		err = tdx_vmcall_migtd(c->leaf, c->cap, gpa, vec, 0, 0);
		break;
	case GHCI_RAW_LEAF_REPORT_STATUS:
		err = tdx_vmcall_migtd(c->leaf, c->mig_request_id, c->status_word, c->cap, gpa,
				       vec);
		break;
	default: err = tdx_vmcall_migtd(c->leaf, c->mig_request_id, c->cap, gpa, vec, 0); break;
	}
	if (err != MIGTD_OK) {
		raw_slot_free(t, sl);
		return err;
	}
	c->plat = sl;
	return MIGTD_OK;
}

static int op_raw_poll(void *ctx, struct migtd_raw_call *c)
{
	struct tdx_platform *t = ctx;
	struct tdx_raw_slot *sl = c->plat;

	if (!sl || !sl->used || sl->call != c)
		return MIGTD_ERR_STATE;
	/* §2.4.5: only after a completion vector fired does a call look at its
	 * buffer; any call's vector makes every waiting call look again. */
	if (t->raw_flag && *t->raw_flag == sl->gen)
		return MIGTD_ERR_AGAIN;
	if (!raw_buf_done(sl->leaf, sl->buf))
		return MIGTD_ERR_AGAIN;
	memcpy(c->buf, sl->buf, c->cap);
	raw_slot_free(t, sl);
	c->plat = NULL;
	return MIGTD_OK;
}

static int op_raw_cancel(void *ctx, struct migtd_raw_call *c)
{
	struct tdx_raw_slot *sl = c->plat;

	(void)ctx;
	if (!sl || !sl->used || sl->call != c)
		return MIGTD_ERR_STATE;
	sl->call = NULL; /* the pages stay the VMM's until it completes the call */
	c->plat = NULL;
	return MIGTD_OK;
}

const struct migtd_platform_ops tdx_platform_ops = {
	.mr_report = op_mr_report,
	.mr_rtmr_extend = op_mr_rtmr_extend,
	.servtd_rd = op_servtd_rd,
	.servtd_wr = op_servtd_wr,
	.sys_rd = op_sys_rd,
	.service_start = op_service_start,
	.service_poll = op_service_poll,
	.quote_start = op_quote_start,
	.quote_poll = op_quote_poll,
	.now_ms = op_now_ms,
	.quote_cancel = op_quote_cancel,
	.service_cancel = op_service_cancel,
	.raw_start = op_raw_start,
	.raw_poll = op_raw_poll,
	.raw_cancel = op_raw_cancel,
};

void tdx_platform_init(struct migtd_platform *p, struct tdx_platform *t)
{
	t->svc_busy = NULL;
	t->quote_busy = NULL;
	t->quote_notify_ok = 0;
	t->quote_abandoned = 0;
	t->svc_abandoned = 0;
	p->ops = &tdx_platform_ops;
	p->ctx = t;
}
