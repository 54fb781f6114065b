/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * emu_platform.c -- platform ops over the emulated platform link
 * (see emu_platform.h and src/emulink/emu_link.h).
 *
 * One link carries everything, so a response can arrive while we wait for
 * another: every frame read is dispatched by sequence number -- to the
 * synchronous call being waited for, or to a pending asynchronous call,
 * whose private buffers are filled right away (the caller owns them until
 * its poll says done).
 */
#include "emu_platform.h"

#include <string.h>

#include <mbedtls/platform_util.h>

#include "migtd/ghci.h"
#include "migtd/log.h"
#include "migtd/wire.h"

/* What a synchronous request wants back from its response. */
struct emu_sync_want {
	uint32_t seq;
	uint16_t op;
	bool done;
	int result;
	uint8_t *out;   /* response payload copied here ... */
	size_t out_cap; /* ... if it has exactly this many bytes */
};

/* The link is gone (docs/vmm-failures.md): said once, and every call fails
 * from now on; the program ends the MigTD (emu_platform_link_lost). Marked
 * broken before the line is logged: a log sink that mirrors to the host
 * (emu_platform_log_page) must not write to the dead link and fail again. */
static void emu_fail_link(struct emu_platform *p, const char *why)
{
	if (p->broken)
		return;
	p->broken = true;
	p->lost_why = why;
	if (p->log)
		MIGTD_ERROR(p->log, MIGTD_LOG_NO_REQUEST, "platform link lost: %s", why);
}

/* A lying host can send answers as fast as it likes: say the 1st, 2nd,
 * 4th, 8th, ... so the log cannot become the loop the host wanted. */
static bool emu_log_now(uint64_t count)
{
	return (count & (count - 1)) == 0;
}

static void emu_note_malformed(struct emu_platform *p, const struct emu_link_frame *f,
			       const char *what)
{
	p->malformed++;
	if (p->log && emu_log_now(p->malformed))
		MIGTD_WARN(p->log, MIGTD_LOG_NO_REQUEST,
			   "platform link: malformed %s answer (seq %u, %u bytes): %s; that call "
			   "fails, the link stays (%llu so far)",
			   emu_link_op_name(f->op), f->seq, f->len, what,
			   (unsigned long long)p->malformed);
}

static void emu_note_dropped(struct emu_platform *p, const struct emu_link_frame *f)
{
	p->dropped++;
	if (p->log && emu_log_now(p->dropped))
		MIGTD_WARN(p->log, MIGTD_LOG_NO_REQUEST,
			   "platform link: %s answer with seq %u matches no call in flight "
			   "(late or bogus): dropped (%llu so far)",
			   emu_link_op_name(f->op), f->seq, (unsigned long long)p->dropped);
}

static uint64_t emu_link_now(const struct emu_platform *p)
{
	return p->io.now_ms ? p->io.now_ms(p->io.ctx) : 0;
}

/* How long a synchronous call waits (sync_timeout_ms, 0: the default). */
static uint32_t emu_sync_timeout(const struct emu_platform *p)
{
	return p->sync_timeout_ms ? p->sync_timeout_ms : EMU_PLATFORM_SYNC_TIMEOUT_MS;
}

void emu_platform_init(struct emu_platform *p, const struct emu_link_io *io, struct migtd_log *log)
{
	memset(p, 0, sizeof(*p));
	p->io = *io;
	p->log = log;
	p->next_seq = 1;
	p->sync_timeout_ms = EMU_PLATFORM_SYNC_TIMEOUT_MS;
}

bool emu_platform_link_lost(const struct emu_platform *p, const char **why)
{
	if (why)
		*why = p->broken ? p->lost_why : NULL;
	return p->broken;
}

static int emu_send(struct emu_platform *p, uint16_t op, uint32_t seq, size_t len)
{
	int ret;

	if (p->broken)
		return MIGTD_ERR_NETWORK;
	ret = emu_link_header(p->tx, op, seq, len);
	if (ret)
		return ret;
	ret = p->io.write_all(p->io.ctx, p->tx, EMU_LINK_HDR_LEN + len);
	if (ret) {
		emu_fail_link(p, "write failed (the host closed the link)");
		return MIGTD_ERR_NETWORK;
	}
	return MIGTD_OK;
}

/* An EMU_LINK_ERROR payload: u32 error (negative enum migtd_err as u32), reason. */
static int emu_error_payload(const struct emu_link_frame *f)
{
	struct wire_reader r;
	uint32_t e = 0;

	migtd_wire_reader_init(&r, f->payload, f->len);
	if (migtd_wire_read_u32(&r, &e) || (int32_t)e >= 0 || (int32_t)e < MIGTD_ERR_MIN)
		return MIGTD_ERR_INVALID;
	return (int32_t)e;
}

/* Complete an asynchronous call from its response frame. A malformed
 * answer completes it with MIGTD_ERR_INVALID: only this call fails. */
static void emu_complete_pending(struct emu_platform *p, struct emu_platform_pending *pe,
				 const struct emu_link_frame *f)
{
	struct wire_reader r;
	uint64_t vmcall_status = 0;

	pe->done = true;
	pe->result = MIGTD_ERR_INVALID;
	if (f->op == EMU_LINK_ERROR) {
		pe->result = emu_error_payload(f);
		return;
	}
	if (f->op != (pe->op | EMU_LINK_RESPONSE)) {
		emu_note_malformed(p, f, "wrong kind");
		return;
	}
	migtd_wire_reader_init(&r, f->payload, f->len);
	migtd_wire_read_u64(&r, &vmcall_status);
	if (migtd_wire_error(&r)) {
		emu_note_malformed(p, f, "no VMCALL status");
		return;
	}
	if (vmcall_status != 0) {
		pe->result = MIGTD_ERR_VMCALL;
		return;
	}
	if (pe->op == EMU_LINK_MIGTD_RAW) {
		struct migtd_raw_call *c = pe->call;

		/* The shared buffer comes back whole, as the VMM left it. */
		if (migtd_wire_remaining(&r) != c->cap) {
			emu_note_malformed(p, f, "MigTD buffer of the wrong size");
			return;
		}
		migtd_wire_read_bytes(&r, c->buf, c->cap);
	} else if (pe->op == EMU_LINK_SERVICE) {
		struct migtd_service_call *c = pe->call;

		/* The VMM writes the whole response page; we take exactly our buffer. */
		if (migtd_wire_remaining(&r) != c->rsp_cap) {
			emu_note_malformed(p, f, "response buffer of the wrong size");
			return;
		}
		migtd_wire_read_bytes(&r, c->rsp, c->rsp_cap);
	} else {
		struct migtd_quote_call *c = pe->call;
		size_t n = migtd_wire_remaining(&r);

		/* At least the version and status words; never past our buffer. */
		if (n > c->cap || n < 16) {
			emu_note_malformed(p, f,
					   n < 16 ? "GetQuote buffer under 16 bytes"
						  : "GetQuote buffer larger than ours");
			return;
		}
		migtd_wire_read_bytes(&r, c->buf, n);
	}
	pe->result = MIGTD_OK;
}

/* Route one frame to the sync waiter or a pending call; anything else is
 * dropped (a late answer to a call that timed out or was cancelled). */
static void emu_dispatch(struct emu_platform *p, const struct emu_link_frame *f,
			 struct emu_sync_want *want)
{
	/* seq 0 is never ours (the host could not make sense of a request). */
	if (f->seq != 0 && want && !want->done && f->seq == want->seq) {
		want->done = true;
		want->result = MIGTD_ERR_INVALID;
		if (f->op == EMU_LINK_ERROR) {
			want->result = emu_error_payload(f);
			return;
		}
		if (f->op != (want->op | EMU_LINK_RESPONSE) || f->len != want->out_cap) {
			emu_note_malformed(p, f,
					   f->len != want->out_cap ? "wrong size" : "wrong kind");
			return;
		}
		memcpy(want->out, f->payload, f->len);
		want->result = MIGTD_OK;
		return;
	}
	for (size_t i = 0; f->seq != 0 && i < EMU_PLATFORM_MAX_PENDING; i++) {
		struct emu_platform_pending *pe = &p->pending[i];

		if (pe->used && !pe->done && pe->seq == f->seq) {
			emu_complete_pending(p, pe, f);
			return;
		}
	}
	emu_note_dropped(p, f);
}

/*
 * Read what the link has and dispatch whole frames. With wait, block until
 * want is answered, at most sync_timeout_ms (then MIGTD_ERR_TIMEOUT: the
 * call fails, the link stays). MIGTD_ERR_NETWORK: the link is gone.
 */
static int emu_pump(struct emu_platform *p, struct emu_sync_want *want, bool wait)
{
	uint64_t end = emu_link_now(p) + emu_sync_timeout(p);

	if (p->broken)
		return MIGTD_ERR_NETWORK;
	for (;;) {
		struct emu_link_frame f;
		size_t used = 0, got = 0;
		int ret;

		while ((ret = emu_link_parse(p->rx, p->rx_len, &f, &used)) == MIGTD_OK) {
			emu_dispatch(p, &f, want);
			memmove(p->rx, p->rx + used, p->rx_len - used);
			p->rx_len -= used;
			/* Answers can carry key words (SERVTD.RD of MIG_ENC_KEY): do
			 * not leave the consumed frame behind in the buffer. */
			mbedtls_platform_zeroize(p->rx + p->rx_len, used);
		}
		if (ret != MIGTD_ERR_AGAIN) {
			/* Bad magic, version or length: no later byte can be trusted
			 * to start a frame, so the link is as good as gone. */
			emu_fail_link(p, "malformed frame header (the stream cannot be "
					 "resynchronised)");
			return MIGTD_ERR_NETWORK;
		}
		if (want && want->done)
			return MIGTD_OK;
		/* Frames that keep coming, but not ours, do not extend the wait. */
		if (wait && p->io.now_ms && emu_link_now(p) >= end)
			return MIGTD_ERR_TIMEOUT;
		ret = p->io.read(p->io.ctx, p->rx + p->rx_len, sizeof(p->rx) - p->rx_len, &got,
				 wait);
		if (ret == MIGTD_ERR_AGAIN && !wait)
			return MIGTD_OK;
		if (ret == MIGTD_ERR_TIMEOUT || ret == MIGTD_ERR_AGAIN) {
			/* Without a clock the channel's own timeout is the deadline. */
			if (!p->io.now_ms || emu_link_now(p) >= end)
				return MIGTD_ERR_TIMEOUT;
			continue;
		}
		if (ret) {
			emu_fail_link(p, "end of stream or read error (the host closed the link)");
			return MIGTD_ERR_NETWORK;
		}
		p->rx_len += got;
	}
}

int emu_platform_service_link(struct emu_platform *p)
{
	return emu_pump(p, NULL, false);
}

/* Send a request of len payload bytes (already in tx + header) and wait for
 * a response of exactly out_cap bytes. */
static int emu_call(struct emu_platform *p, uint16_t op, size_t len, uint8_t *out, size_t out_cap)
{
	struct emu_sync_want want = {
		.seq = p->next_seq++, .op = op, .out = out, .out_cap = out_cap
	};
	int ret = emu_send(p, op, want.seq, len);

	if (ret)
		return ret;
	ret = emu_pump(p, &want, true);
	if (ret == MIGTD_ERR_TIMEOUT && p->log)
		MIGTD_WARN(p->log, MIGTD_LOG_NO_REQUEST,
			   "platform link: %s not answered within %u ms: that call fails",
			   emu_link_op_name(op), (unsigned)emu_sync_timeout(p));
	if (ret)
		return ret;
	return want.result;
}

static uint8_t *emu_payload(struct emu_platform *p)
{
	return p->tx + EMU_LINK_HDR_LEN;
}

/* The leaves return a TDX status first; non-zero is a failed TDCALL. */
static int emu_tdx_status(struct emu_platform *p, const uint8_t *rsp, const char *leaf)
{
	uint64_t status = migtd_wire_get_u64(rsp);

	if (status == 0)
		return MIGTD_OK;
	if (p->log)
		MIGTD_DEBUG(p->log, MIGTD_LOG_NO_REQUEST, "%s: TDX status 0x%016llx", leaf,
			    (unsigned long long)status);
	return MIGTD_ERR_TDCALL;
}

static int emu_mr_report(void *ctx, const uint8_t report_data[TDREPORT_REPORT_DATA_SIZE],
			 uint8_t tdreport[TDREPORT_STRUCT_SIZE])
{
	struct emu_platform *p = ctx;
	uint8_t rsp[8 + TDREPORT_STRUCT_SIZE];
	int ret;

	memcpy(emu_payload(p), report_data, TDREPORT_REPORT_DATA_SIZE);
	ret = emu_call(p, EMU_LINK_MR_REPORT, TDREPORT_REPORT_DATA_SIZE, rsp, sizeof(rsp));
	if (!ret)
		ret = emu_tdx_status(p, rsp, "TDG.MR.REPORT");
	if (!ret)
		memcpy(tdreport, rsp + 8, TDREPORT_STRUCT_SIZE);
	return ret;
}

static int emu_rtmr_extend(void *ctx, unsigned int index,
			   const uint8_t digest[TDX_RTMR_DIGEST_SIZE])
{
	struct emu_platform *p = ctx;
	uint8_t rsp[8];
	int ret;

	migtd_wire_put_u32(emu_payload(p), index);
	memcpy(emu_payload(p) + 4, digest, TDX_RTMR_DIGEST_SIZE);
	ret = emu_call(p, EMU_LINK_RTMR_EXTEND, 4 + TDX_RTMR_DIGEST_SIZE, rsp, sizeof(rsp));
	return ret ? ret : emu_tdx_status(p, rsp, "TDG.MR.RTMR.EXTEND");
}

static size_t emu_put_binding(uint8_t *q, const struct migtd_servtd_binding *b, uint64_t field)
{
	migtd_wire_put_u64(q, b->handle);
	for (unsigned i = 0; i < 4; i++)
		migtd_wire_put_u64(q + 8 + 8 * i, b->uuid.w[i]);
	migtd_wire_put_u64(q + 40, field);
	return 48;
}

static int emu_servtd_rd(void *ctx, const struct migtd_servtd_binding *b, uint64_t field_id,
			 uint64_t *value)
{
	struct emu_platform *p = ctx;
	uint8_t rsp[16];
	size_t n = emu_put_binding(emu_payload(p), b, field_id);
	int ret = emu_call(p, EMU_LINK_SERVTD_RD, n, rsp, sizeof(rsp));

	if (!ret)
		ret = emu_tdx_status(p, rsp, "TDG.SERVTD.RD");
	if (!ret)
		*value = migtd_wire_get_u64(rsp + 8);
	mbedtls_platform_zeroize(rsp, sizeof(rsp)); /* may be a key word */
	return ret;
}

static int emu_servtd_wr(void *ctx, const struct migtd_servtd_binding *b, uint64_t field_id,
			 uint64_t value, uint64_t mask, uint64_t *old_value)
{
	struct emu_platform *p = ctx;
	uint8_t rsp[16];
	uint8_t *q = emu_payload(p);
	size_t n = emu_put_binding(q, b, field_id);
	int ret;

	migtd_wire_put_u64(q + n, value);
	migtd_wire_put_u64(q + n + 8, mask);
	ret = emu_call(p, EMU_LINK_SERVTD_WR, n + 16, rsp, sizeof(rsp));
	mbedtls_platform_zeroize(q, n + 16); /* the request carried a key word */
	if (!ret)
		ret = emu_tdx_status(p, rsp, "TDG.SERVTD.WR");
	if (!ret && old_value)
		*old_value = migtd_wire_get_u64(rsp + 8);
	mbedtls_platform_zeroize(rsp, sizeof(rsp));
	return ret;
}

static int emu_sys_rd(void *ctx, uint64_t field_id, uint64_t *value)
{
	struct emu_platform *p = ctx;
	uint8_t rsp[16];
	int ret;

	migtd_wire_put_u64(emu_payload(p), field_id);
	ret = emu_call(p, EMU_LINK_SYS_RD, 8, rsp, sizeof(rsp));
	if (!ret)
		ret = emu_tdx_status(p, rsp, "TDG.SYS.RD");
	if (!ret)
		*value = migtd_wire_get_u64(rsp + 8);
	return ret;
}

static struct emu_platform_pending *emu_pending_alloc(struct emu_platform *p, uint16_t op,
						      void *call)
{
	for (size_t i = 0; i < EMU_PLATFORM_MAX_PENDING; i++) {
		struct emu_platform_pending *pe = &p->pending[i];

		if (!pe->used) {
			memset(pe, 0, sizeof(*pe));
			pe->used = true;
			pe->op = op;
			pe->seq = p->next_seq++;
			pe->call = call;
			return pe;
		}
	}
	return NULL;
}

/* Start an async call whose len payload bytes are already in tx: take a
 * slot, send, and hang the slot on the call (*plat). */
static int emu_async_start(struct emu_platform *p, uint16_t op, void *call, size_t len, void **plat)
{
	struct emu_platform_pending *pe = emu_pending_alloc(p, op, call);
	int ret;

	if (!pe)
		return MIGTD_ERR_AGAIN; /* every slot busy: like a VMM asking to retry */
	ret = emu_send(p, op, pe->seq, len);
	if (ret) {
		pe->used = false;
		return ret;
	}
	*plat = pe;
	return MIGTD_OK;
}

static int emu_service_start(void *ctx, struct migtd_service_call *call)
{
	struct emu_platform *p = ctx;
	uint8_t *q = emu_payload(p);

	if (call->cmd_len > EMU_LINK_MAX_PAYLOAD - 12 || call->rsp_cap > EMU_LINK_MAX_PAYLOAD - 8)
		return MIGTD_ERR_LENGTH;
	migtd_wire_put_u64(q, call->wait_ms);
	migtd_wire_put_u32(q + 8, (uint32_t)call->rsp_cap);
	memcpy(q + 12, call->cmd, call->cmd_len);
	return emu_async_start(p, EMU_LINK_SERVICE, call, 12 + call->cmd_len, &call->plat);
}

static int emu_async_poll(struct emu_platform *p, void **plat)
{
	struct emu_platform_pending *pe = *plat;
	int ret;

	if (!pe || !pe->used)
		return MIGTD_ERR_STATE;
	if (!pe->done) {
		ret = emu_pump(p, NULL, false);
		if (ret) {
			pe->used = false;
			*plat = NULL;
			return ret;
		}
	}
	if (!pe->done)
		return MIGTD_ERR_AGAIN;
	ret = pe->result;
	pe->used = false;
	*plat = NULL;
	return ret;
}

static int emu_service_poll(void *ctx, struct migtd_service_call *call)
{
	return emu_async_poll(ctx, &call->plat);
}

static int emu_quote_start(void *ctx, struct migtd_quote_call *call)
{
	struct emu_platform *p = ctx;
	size_t shared = call->cap < GHCI_GETQUOTE_MAX_BUF ? call->cap : GHCI_GETQUOTE_MAX_BUF;

	if (call->len > shared || call->len < 24)
		return MIGTD_ERR_LENGTH;
	/* Like TDVMCALL<GetQuote> (R13 = the whole shared buffer, docs/protocol.md §2.6): the
	 * VMM gets the buffer's full size to answer into, zeros past the request. */
	memcpy(emu_payload(p), call->buf, call->len);
	memset(emu_payload(p) + call->len, 0, shared - call->len);
	return emu_async_start(p, EMU_LINK_GET_QUOTE, call, shared, &call->plat);
}

static int emu_quote_poll(void *ctx, struct migtd_quote_call *call)
{
	return emu_async_poll(ctx, &call->plat);
}

/* Give up on an async call: its slot is free at once, and the host's
 * late answer, if any, matches nothing and is dropped (emu_dispatch). So
 * calls a host never answers cannot use up the slots. */
static int emu_async_cancel(void **plat)
{
	struct emu_platform_pending *pe = *plat;

	if (!pe || !pe->used)
		return MIGTD_ERR_STATE;
	memset(pe, 0, sizeof(*pe));
	*plat = NULL;
	return MIGTD_OK;
}

static int emu_quote_cancel(void *ctx, struct migtd_quote_call *call)
{
	(void)ctx;
	return emu_async_cancel(&call->plat);
}

static int emu_service_cancel(void *ctx, struct migtd_service_call *call)
{
	(void)ctx;
	return emu_async_cancel(&call->plat);
}

static int emu_raw_start(void *ctx, struct migtd_raw_call *call)
{
	struct emu_platform *p = ctx;
	uint8_t *q = emu_payload(p);

	if (call->len > call->cap || call->len < GHCI_RAW_HDR_LEN ||
	    call->cap > EMU_LINK_MAX_PAYLOAD - EMU_LINK_RAW_HDR_LEN || call->leaf == 0 ||
	    call->leaf > GHCI_RAW_LEAF_RECEIVE)
		return MIGTD_ERR_LENGTH;
	migtd_wire_put_u32(q, call->leaf);
	migtd_wire_put_u32(q + 4, (uint32_t)call->cap);
	migtd_wire_put_u64(q + 8, call->mig_request_id);
	migtd_wire_put_u64(q + 16, call->status_word);
	memcpy(q + EMU_LINK_RAW_HDR_LEN, call->buf, call->len);
	return emu_async_start(p, EMU_LINK_MIGTD_RAW, call, EMU_LINK_RAW_HDR_LEN + call->len,
			       &call->plat);
}

static int emu_raw_poll(void *ctx, struct migtd_raw_call *call)
{
	return emu_async_poll(ctx, &call->plat);
}

/* Like the other cancels: the slot is free at once, a late completion is
 * dropped (emu_async_cancel). */
static int emu_raw_cancel(void *ctx, struct migtd_raw_call *call)
{
	(void)ctx;
	return emu_async_cancel(&call->plat);
}

int emu_platform_log_page(struct emu_platform *p, uint32_t vcpu, const uint8_t page[4096])
{
	uint8_t *q = emu_payload(p);
	int ret;

	/* A failing link logs, and that log line would come back here. */
	if (p->broken || p->in_log_page)
		return MIGTD_ERR_NETWORK;
	p->in_log_page = true;
	migtd_wire_put_u32(q, vcpu);
	memcpy(q + 4, page, 4096);
	/* seq 0: a notice, never answered. */
	ret = emu_send(p, EMU_LINK_LOG_PAGE, 0, EMU_LINK_LOG_PAGE_LEN);
	p->in_log_page = false;
	return ret;
}

static uint64_t emu_now_ms(void *ctx)
{
	struct emu_platform *p = ctx;

	return p->io.now_ms ? p->io.now_ms(p->io.ctx) : 0;
}

const struct migtd_platform_ops emu_platform_ops = {
	.mr_report = emu_mr_report,
	.mr_rtmr_extend = emu_rtmr_extend,
	.servtd_rd = emu_servtd_rd,
	.servtd_wr = emu_servtd_wr,
	.sys_rd = emu_sys_rd,
	.service_start = emu_service_start,
	.service_poll = emu_service_poll,
	.quote_start = emu_quote_start,
	.quote_poll = emu_quote_poll,
	.now_ms = emu_now_ms,
	.quote_cancel = emu_quote_cancel,
	.service_cancel = emu_service_cancel,
	.raw_start = emu_raw_start,
	.raw_poll = emu_raw_poll,
	.raw_cancel = emu_raw_cancel,
};
