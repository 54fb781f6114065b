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
