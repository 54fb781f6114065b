/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * world.c -- see world.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/platform.h>
#include <psa/crypto.h>

#include "emu_pki.h"
#include "hostio.h"
#include "migtd/ghci.h"
#include "migtd/hob.h"
#include "world.h"

static void default_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void default_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("world: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

void (*world_fail)(const char *fmt, ...) = default_fail;

const uint8_t world_mrtd[48] = { 0x4d, 0x69, 0x67, 0x54, 0x44, 0x2d, 0x63 }; /* "MigTD-c" */

/* Environment switches, read once (they are looked at on every send/log line). */
static bool env_flag(const char *name, int *cache)
{
	if (*cache < 0)
		*cache = getenv(name) != NULL;
	return *cache != 0;
}

static bool net_trace(void)
{
	static int c = -1;

	return env_flag("NET_TRACE", &c);
}

static bool test_log(void)
{
	static int c = -1;

	return env_flag("MIGTD_TEST_LOG", &c);
}

uint64_t world_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t world_now_ms(void)
{
	return world_now_us() / 1000u;
}

/* ---- mbedTLS heap accounting ------------------------------------------------------ */

struct world_heap world_heap;
int world_heap_side = -1;

static void *count_calloc(size_t n, size_t size)
{
	size_t *p;

	if (size != 0 && n > (SIZE_MAX - 16) / size)
		return NULL;
	world_heap.allocs++;
	if (world_heap_side >= 0) {
		uint64_t k = ++world_heap.side_allocs[world_heap_side];

		if (world_heap.fail_from != 0 && world_heap_side == world_heap.fail_side &&
		    k >= world_heap.fail_from) {
			world_heap.failed++;
			return NULL;
		}
	}
	if (world_heap_side >= 0 && world_heap.side_cap[world_heap_side] != 0 &&
	    (world_heap.side_cur[world_heap_side] > world_heap.side_cap[world_heap_side] ||
	     n * size >
		     world_heap.side_cap[world_heap_side] - world_heap.side_cur[world_heap_side])) {
		world_heap.failed++;
		return NULL;
	}
	p = calloc(1, n * size + 16);
	if (p == NULL)
		return NULL;
	p[0] = n * size;
	/* whose bytes these are, for count_free: side + 1, or 0 */
	p[1] = (size_t)(world_heap_side + 1);
	if (world_heap_side >= 0) {
		size_t *cur = &world_heap.side_cur[world_heap_side];

		*cur += n * size;
		if (*cur > world_heap.side_peak[world_heap_side])
			world_heap.side_peak[world_heap_side] = *cur;
	}
	world_heap.cur += n * size;
	if (world_heap.cur > world_heap.peak)
		world_heap.peak = world_heap.cur;
	return (uint8_t *)p + 16;
}

static void count_free(void *ptr)
{
	size_t *p;

	if (ptr == NULL)
		return;
	p = (size_t *)(void *)((uint8_t *)ptr - 16);
	world_heap.cur -= p[0];
	if (p[1] != 0)
		world_heap.side_cur[p[1] - 1] -= p[0];
	free(p);
}

void world_heap_hook(void)
{
	mbedtls_platform_set_calloc_free(count_calloc, count_free);
}

/* ---- in-memory streams (the two VMMs' relay) ----------------------------------------- */


static void pipe_put(struct pipe *p, const uint8_t *b, size_t n)
{
	if (p->len + n > p->cap) {
		p->cap = (p->len + n) * 2;
		p->buf = realloc(p->buf, p->cap);
		if (p->buf == NULL)
			world_fail("out of memory");
	}
	memcpy(p->buf + p->len, b, n);
	p->len += n;
	p->total += n;
}

static int net_open(void *ctx, const struct migtd_stream_params *params, uint32_t *stream)
{
	struct net *net = ctx;
	int role = params->migration_source ? 0 : 1;
	struct link *l = NULL;

	if (net->open_fail[role])
		return MIGTD_ERR_NETWORK; /* like a refused vsock connect */
	if (net->open_busy[role])
		return MIGTD_ERR_AGAIN;

	for (unsigned i = 0; i < NET_MAX_LINKS && !l; i++)
		if (net->links[i].used && net->links[i].port == params->peer_port &&
		    !net->links[i].opened[role])
			l = &net->links[i];
	for (unsigned i = 0; i < NET_MAX_LINKS && !l; i++)
		if (!net->links[i].used) {
			l = &net->links[i];
			memset(l, 0, sizeof(*l));
			l->used = true;
			l->port = params->peer_port;
		}
	if (l == NULL || net->nends >= NET_MAX_ENDS)
		return MIGTD_ERR_NOMEM;
	l->opened[role] = true;
	net->ends[net->nends].l = l;
	net->ends[net->nends].role = role;
	*stream = net->nends++;
	return MIGTD_OK;
}

static int net_send(void *ctx, uint32_t stream, const void *buf, size_t len, size_t *sent)
{
	struct net *net = ctx;
	struct link *l = net->ends[stream].l;
	int role = net->ends[stream].role;
	struct pipe *p = &l->to[1 - role];
	size_t start = p->total;

	if (l->closed[role] || l->closed[1 - role] || l->cut)
		return MIGTD_ERR_NETWORK; /* like a vsock RST */
	if (net_trace())
		fprintf(stderr, "send role %d len %zu\n", role, len);
	if (role == 0 && net->fail_send_len != 0 && len == net->fail_send_len) {
		l->cut = true; /* the relay dropped the connection under this send */
		return MIGTD_ERR_NETWORK;
	}
	if (role == 0 && net->cut_after != 0 && start + len > net->cut_after) {
		/* The relay goes away: what is past the limit is lost, and both
		 * ends see the stream end (or break) once they read what came. */
		pipe_put(p, buf, net->cut_after - start);
		l->cut = true;
		*sent = len;
		return MIGTD_OK;
	}
	pipe_put(p, buf, len);
	if (role == 0 && !net->flipped) {
		if (net->flip_offset > start && net->flip_offset <= start + len) {
			p->buf[p->len - len + (net->flip_offset - 1 - start)] ^= 0x01;
			net->flipped = true;
		} else if (net->flip_send_len != 0 && len == net->flip_send_len) {
			p->buf[p->len - len + 10] ^= 0x01;
			net->flipped = true;
		}
	}
	*sent = len;
	return MIGTD_OK;
}

static int net_recv(void *ctx, uint32_t stream, void *buf, size_t cap, size_t *got)
{
	struct net *net = ctx;
	struct link *l = net->ends[stream].l;
	int role = net->ends[stream].role;
	struct pipe *p = &l->to[role];
	size_t n = p->len < cap ? p->len : cap;

	*got = 0;
	if (n == 0 && l->cut)
		return net->cut_reset ? MIGTD_ERR_NETWORK : MIGTD_OK;
	if (n == 0)
		return l->closed[1 - role] ? MIGTD_OK : MIGTD_ERR_AGAIN;
	memcpy(buf, p->buf, n);
	memmove(p->buf, p->buf + n, p->len - n);
	p->len -= n;
	*got = n;
	return MIGTD_OK;
}

static int net_close(void *ctx, uint32_t stream)
{
	struct net *net = ctx;
	int role = net->ends[stream].role;

	net->ends[stream].l->closed[role] = true;
	return net->close_fail[role] ? MIGTD_ERR_NETWORK : MIGTD_OK;
}

const struct migtd_stream_ops world_net_ops = { net_open, net_send, net_recv, net_close };

static void net_free(struct net *net)
{
	for (unsigned i = 0; i < NET_MAX_LINKS; i++)
		for (int r = 0; r < 2; r++)
			free(net->links[i].to[r].buf);
}

/* ---- one emulated platform + its VMM ------------------------------------------------ */


static int tdx_err(uint64_t st)
{
	return st == TDX_SUCCESS ? MIGTD_OK : MIGTD_ERR_TDCALL;
}

/* ---- fault injection (struct world_faults) -------------------------------------------- */

static const int natural_err[WORLD_CALL_COUNT] = {
	[WORLD_MR_REPORT] = MIGTD_ERR_TDCALL,     [WORLD_RTMR_EXTEND] = MIGTD_ERR_TDCALL,
	[WORLD_SERVTD_RD] = MIGTD_ERR_TDCALL,     [WORLD_SERVTD_WR] = MIGTD_ERR_TDCALL,
	[WORLD_SYS_RD] = MIGTD_ERR_TDCALL,        [WORLD_QUERY] = MIGTD_ERR_VMCALL,
	[WORLD_WFR] = MIGTD_ERR_VMCALL,           [WORLD_REPORT] = MIGTD_ERR_VMCALL,
	[WORLD_QUOTE] = MIGTD_ERR_VMCALL,         [WORLD_STREAM_OPEN] = MIGTD_ERR_NETWORK,
	[WORLD_STREAM_CLOSE] = MIGTD_ERR_NETWORK,
};

/* Channel busy: refuse this attempt with MIGTD_ERR_AGAIN (not counted as a call). */
static bool fault_busy(struct side *sd, enum world_call k)
{
	if (sd->faults.busy[k] == 0)
		return false;
	sd->faults.busy[k]--;
	sd->faults.busy_answers++;
	return true;
}

/* Count one call of kind k; the error it must fail with, or MIGTD_OK. */
static int fault_count(struct side *sd, enum world_call k)
{
	struct world_faults *f = &sd->faults;

	f->calls[k]++;
	if (f->fail_at[k] != 0 && f->calls[k] == f->fail_at[k]) {
		f->injected++;
		return f->fail_err[k] != 0 ? f->fail_err[k] : natural_err[k];
	}
	return MIGTD_OK;
}

static bool fault_malformed(struct side *sd, enum world_call k)
{
	if (sd->faults.malformed_at[k] == 0 || sd->faults.calls[k] != sd->faults.malformed_at[k])
		return false;
	sd->faults.injected++;
	return true;
}

/* A Service/GetQuote call was accepted: it completes after in_flight polls
 * with ret (an injected completion error, or MIGTD_OK). */
static int pending_add(struct side *sd, const void *call, int ret)
{
	for (unsigned i = 0; i < WORLD_MAX_PENDING; i++)
		if (sd->pending[i].call == NULL) {
			sd->pending[i].call = call;
			sd->pending[i].polls_left = sd->faults.in_flight;
			sd->pending[i].ret = ret;
			return MIGTD_OK;
		}
	world_fail("%s: more than %u platform calls in flight", sd->name, WORLD_MAX_PENDING);
	return MIGTD_ERR_STATE;
}

static int pending_poll(struct side *sd, const void *call)
{
	for (unsigned i = 0; i < WORLD_MAX_PENDING; i++)
		if (sd->pending[i].call == call) {
			if (sd->pending[i].polls_left > 0) {
				sd->pending[i].polls_left--;
				sd->faults.in_flight_answers++;
				return MIGTD_ERR_AGAIN;
			}
			sd->pending[i].call = NULL;
			return sd->pending[i].ret;
		}
	world_fail("%s: poll of a platform call that was never started", sd->name);
	return MIGTD_ERR_STATE;
}

/* A call in flight was cancelled: forget it. Whether it was in flight. */
static bool pending_drop(struct side *sd, const void *call)
{
	for (unsigned i = 0; i < WORLD_MAX_PENDING; i++)
		if (sd->pending[i].call == call) {
			sd->pending[i].call = NULL;
			return true;
		}
	return false;
}

/* ---- the platform ops ------------------------------------------------------------------ */

static int p_mr_report(void *ctx, const uint8_t rd[64], uint8_t rep[1024])
{
	int e = fault_count(ctx, WORLD_MR_REPORT);

	if (e)
		return e;
	if (((struct side *)ctx)->fail_mr_report)
		return MIGTD_ERR_TDCALL;
	return tdx_err(emu_tdx_mr_report(&((struct side *)ctx)->h.tdx, rd, rep));
}

static int p_rtmr_extend(void *ctx, unsigned idx, const uint8_t d[48])
{
	int e = fault_count(ctx, WORLD_RTMR_EXTEND);

	if (e)
		return e;
	return tdx_err(emu_tdx_rtmr_extend(&((struct side *)ctx)->h.tdx, idx, d));
}

static int p_servtd_rd(void *ctx, const struct migtd_servtd_binding *b, uint64_t f, uint64_t *v)
{
	int e = fault_count(ctx, WORLD_SERVTD_RD);

	if (e)
		return e;
	if (((struct side *)ctx)->fail_servtd_rd_field == f)
		return MIGTD_ERR_TDCALL;
	return tdx_err(emu_tdx_servtd_rd(&((struct side *)ctx)->h.tdx, b, f, v));
}

/* An injected failure writes nothing, as a TDCALL that fails does not. */
static int p_servtd_wr(void *ctx, const struct migtd_servtd_binding *b, uint64_t f, uint64_t v,
		       uint64_t mask, uint64_t *old)
{
	uint64_t dummy;
	int e = fault_count(ctx, WORLD_SERVTD_WR);

	if (e)
		return e;
	if (((struct side *)ctx)->fail_servtd_wr_field == f)
		return MIGTD_ERR_TDCALL;
	return tdx_err(
		emu_tdx_servtd_wr(&((struct side *)ctx)->h.tdx, b, f, v, mask, old ? old : &dummy));
}

static int p_sys_rd(void *ctx, uint64_t f, uint64_t *v)
{
	int e = fault_count(ctx, WORLD_SYS_RD);

	if (e)
		return e;
	if (((struct side *)ctx)->fail_sys_rd)
		return MIGTD_ERR_TDCALL;
	if (((struct side *)ctx)->sys_rd_big &&
	    (f == TDX_FIELD_MAX_EXPORT_VERSION || f == TDX_FIELD_MAX_IMPORT_VERSION)) {
		*v = 0x10000;
		return MIGTD_OK;
	}
	return tdx_err(emu_tdx_sys_rd(&((struct side *)ctx)->h.tdx, f, v));
}

/* The VMM's answer to a Service call, built into call->rsp. */
static int service_answer(struct side *sd, struct migtd_service_call *call,
			  const struct ghci_migtd_cmd *mc, bool query)
{
	size_t len = 0;

	if (query)
		return migtd_ghci_query_rsp_build(call->rsp, call->rsp_cap,
						  sd->query_unsupported ? 1 : 0,
						  &migtd_ghci_guid_service_migtd, &len);
	switch (mc->command) {
	case GHCI_MIGTD_CMD_WAIT_FOR_REQUEST:
		if (sd->next < sd->nqueued) {
			unsigned i = sd->next++;

			return migtd_ghci_wfr_rsp_build(call->rsp, call->rsp_cap,
							GHCI_WFR_OP_REQUEST, sd->queue[i],
							sd->queue_len[i], &len);
		}
		return migtd_ghci_wfr_rsp_build(call->rsp, call->rsp_cap, GHCI_WFR_OP_NONE, NULL, 0,
						&len);
	case GHCI_MIGTD_CMD_REPORT_STATUS:
		if (sd->nreports >= MAX_REPORTS)
			world_fail("%s: too many reports", sd->name);
		sd->reports[sd->nreports].id = mc->mig_request_id;
		sd->reports[sd->nreports].status = mc->status;
		sd->reports[sd->nreports].t_us = world_now_us();
		sd->nreports++;
		return migtd_ghci_migtd_rsp_build(call->rsp, call->rsp_cap,
						  GHCI_MIGTD_CMD_REPORT_STATUS, &len);
	default: world_fail("unexpected MigTD service command %u", mc->command);
	}
	return MIGTD_ERR_INVALID;
}

/* The VMM takes the command when the call starts (a WaitForRequest consumes
 * its request, a ReportStatus is recorded) and the answer is there when the
 * call completes: at once, or after faults.in_flight polls. */
static int p_service_start(void *ctx, struct migtd_service_call *call)
{
	struct side *sd = ctx;
	struct ghci_service_cmd cmd;
	struct ghci_migtd_cmd mc;
	enum world_call k;
	bool query;
	int ret;

	memset(&mc, 0, sizeof(mc));
	ret = migtd_ghci_service_cmd_parse(call->cmd, call->cmd_len, &cmd);
	if (ret != MIGTD_OK)
		world_fail("service command does not parse: %d", ret);
	query = memcmp(&cmd.guid, &migtd_ghci_guid_service_common, sizeof(cmd.guid)) == 0;
	if (query) {
		struct ghci_query q;

		if (migtd_ghci_query_cmd_parse(call->cmd, call->cmd_len, &q) != MIGTD_OK)
			world_fail("Query does not parse");
		k = WORLD_QUERY;
	} else {
		if (migtd_ghci_migtd_cmd_parse(call->cmd, call->cmd_len, &mc) != MIGTD_OK)
			world_fail("MigTD service command does not parse");
		k = mc.command == GHCI_MIGTD_CMD_REPORT_STATUS ? WORLD_REPORT : WORLD_WFR;
	}
	if (fault_busy(sd, k))
		return MIGTD_ERR_AGAIN;
	ret = fault_count(sd, k);
	if (ret != MIGTD_OK && !sd->faults.fail_on_poll[k])
		return ret; /* the TDVMCALL failed: the VMM saw nothing */
	if (ret == MIGTD_OK) {
		int built = service_answer(sd, call, &mc, query);

		if (built != MIGTD_OK)
			return built;
	}
	if (fault_malformed(sd, k))
		call->rsp[0] ^= 0x01; /* the response GUID */
	ret = pending_add(sd, call, ret);
	if (ret == MIGTD_OK && k == WORLD_REPORT && sd->report_hang) {
		/* The VMM took the status and never answers. */
		for (unsigned i = 0; i < WORLD_MAX_PENDING; i++)
			if (sd->pending[i].call == call)
				sd->pending[i].polls_left = UINT_MAX;
	}
	return ret;
}

static int p_service_poll(void *ctx, struct migtd_service_call *call)
{
	return pending_poll(ctx, call);
}

static int p_service_cancel(void *ctx, struct migtd_service_call *call)
{
	struct side *sd = ctx;

	sd->service_cancels++;
	return pending_drop(sd, call) ? MIGTD_OK : MIGTD_ERR_STATE;
}

static uint64_t p_now(void *ctx);

static int p_quote_start(void *ctx, struct migtd_quote_call *call)
{
	struct side *sd = ctx;
	int ret;

	if (sd->quote_pending)
		return MIGTD_ERR_AGAIN; /* one GetQuote channel, as a TD has */
	/* GET_COLLATERAL (QGS type 2 after the 24-byte header and 4-byte size)
	 * is counted apart from quotes; the quote knobs below are for quotes. */
	if (call->len >= 36 && call->buf[32] == GHCI_QGS_GET_COLLATERAL_REQ) {
		sd->collateral_fetches++;
		(void)emu_qgs_handle(&sd->h, call->buf, call->len, call->cap);
		return pending_add(sd, call, MIGTD_OK);
	}
	if (sd->fail_quote_start)
		return MIGTD_ERR_VMCALL;
	if (sd->quote_channel_busy || fault_busy(sd, WORLD_QUOTE))
		return MIGTD_ERR_AGAIN;
	ret = fault_count(sd, WORLD_QUOTE);
	if (ret != MIGTD_OK && !sd->faults.fail_on_poll[WORLD_QUOTE])
		return ret; /* the TDVMCALL failed */
	if (sd->quotes < WORLD_MAX_QUOTES)
		sd->quote_at[sd->quotes] = p_now(sd);
	sd->quotes++;
	if (sd->quote_hang) {
		/* The VMM takes the call and never answers. */
		sd->quote_pending = call;
		return MIGTD_OK;
	}
	if (sd->quote_busy > 0) {
		sd->quote_busy--;
		/* as the VMM does: the status word in the buffer's header */
		if (call->len < GHCI_GETQUOTE_HDR_LEN)
			return MIGTD_ERR_LENGTH;
		migtd_wire_put_u64(call->buf + 8, GHCI_GETQUOTE_QGS_UNAVAILABLE);
		return pending_add(sd, call, ret);
	}
	(void)emu_qgs_handle(&sd->h, call->buf, call->len, call->cap);
	if (sd->quote_status != 0) /* the status word the VMM leaves in the header */
		migtd_wire_put_u64(call->buf + 8, sd->quote_status);
	if (sd->quote_malformed)
		memset(call->buf + 16, 0, call->cap - 16); /* in_len, out_len 0: no message */
	if (sd->faults.quote_status_at != 0 &&
	    sd->faults.calls[WORLD_QUOTE] == sd->faults.quote_status_at) {
		sd->faults.injected++;
		migtd_wire_put_u64(call->buf + 8, sd->faults.quote_status);
	}
	if (fault_malformed(sd, WORLD_QUOTE) && call->cap > GHCI_GETQUOTE_HDR_LEN)
		call->buf[GHCI_GETQUOTE_HDR_LEN] ^= 0x80; /* the QGS message's length prefix */
	return pending_add(sd, call, ret);
}

static int p_quote_poll(void *ctx, struct migtd_quote_call *call)
{
	struct side *sd = ctx;

	if (sd->quote_pending == call)
		return MIGTD_ERR_AGAIN; /* quote_hang: never answered */
	return pending_poll(sd, call);
}

static int p_quote_cancel(void *ctx, struct migtd_quote_call *call)
{
	struct side *sd = ctx;

	sd->quote_cancels++;
	if (pending_drop(sd, call))
		return MIGTD_OK;
	if (sd->quote_pending != call)
		return MIGTD_ERR_STATE;
	sd->quote_pending = NULL;
	return MIGTD_OK;
}

/* The platform clock: real time, plus what world_skip_to added. */
static uint64_t p_now(void *ctx)
{
	return world_now_ms() + ((struct side *)ctx)->clock_skip_ms;
}

uint64_t world_side_now_ms(const struct side *sd)
{
	return p_now((void *)(uintptr_t)sd);
}

void world_skip_to(struct side *sd, uint64_t t_ms)
{
	uint64_t now = world_side_now_ms(sd);

	if (t_ms > now)
		sd->clock_skip_ms += t_ms - now;
}

/* A side's streams: the world's, with that side's open/close faults. */
static int s_open(void *ctx, const struct migtd_stream_params *params, uint32_t *stream)
{
	struct side *sd = ctx;
	int ret;

	if (fault_busy(sd, WORLD_STREAM_OPEN))
		return MIGTD_ERR_AGAIN;
	ret = fault_count(sd, WORLD_STREAM_OPEN);
	return ret ? ret : world_net_ops.open(sd->net, params, stream);
}

static int s_send(void *ctx, uint32_t stream, const void *buf, size_t len, size_t *sent)
{
	return world_net_ops.send(((struct side *)ctx)->net, stream, buf, len, sent);
}

static int s_recv(void *ctx, uint32_t stream, void *buf, size_t cap, size_t *got)
{
	return world_net_ops.recv(((struct side *)ctx)->net, stream, buf, cap, got);
}

/* An injected close failure still closes the stream: after any answer but
 * MIGTD_ERR_AGAIN the handle is gone (platform.h). */
static int s_close(void *ctx, uint32_t stream)
{
	struct side *sd = ctx;
	int ret, net_ret;

	if (fault_busy(sd, WORLD_STREAM_CLOSE))
		return MIGTD_ERR_AGAIN;
	ret = fault_count(sd, WORLD_STREAM_CLOSE);
	net_ret = world_net_ops.close(sd->net, stream);
	return ret ? ret : net_ret;
}

static const struct migtd_stream_ops side_stream_ops = { s_open, s_send, s_recv, s_close };

static const struct migtd_platform_ops plat_ops = {
	p_mr_report,    p_rtmr_extend, p_servtd_rd,  p_servtd_wr, p_sys_rd,       p_service_start,
	p_service_poll, p_quote_start, p_quote_poll, p_now,       p_quote_cancel, p_service_cancel,
	NULL,           NULL,          NULL, /* no vmcall-raw: the world speaks Service */
};

static void log_sink(void *ctx, enum migtd_log_level level, uint64_t id, const char *msg,
		     size_t len)
{
	struct side *sd = ctx;
	char line[MIGTD_LOG_LINE_MAX + 64];
	int n;

	if (id == MIGTD_LOG_NO_REQUEST)
		n = snprintf(line, sizeof(line), "[%s] %s: %.*s\n", sd->name,
			     migtd_log_level_name(level), (int)len, msg);
	else
		n = snprintf(line, sizeof(line), "[%s] %s req=%llu: %.*s\n", sd->name,
			     migtd_log_level_name(level), (unsigned long long)id, (int)len, msg);
	if (n <= 0)
		return;
	if (test_log())
		fputs(line, stderr);
	if (sd->keep_log && sd->log_len + (size_t)n + 1 < (1u << 20)) {
		sd->log = realloc(sd->log, sd->log_len + (size_t)n + 1);
		memcpy(sd->log + sd->log_len, line, (size_t)n + 1);
		sd->log_len += (size_t)n;
	}
}


/* ---- worlds ------------------------------------------------------------------------- */

struct world *world_new(const struct world_fixture *f, const uint8_t *pol0, size_t len0,
			const uint8_t *pol1, size_t len1)
{
	struct world *w = calloc(1, sizeof(*w));
	const uint8_t *pol[2] = { pol0 ? pol0 : f->policy, pol1 ? pol1 : f->policy };
	size_t plen[2] = { pol0 ? len0 : f->policy_len, pol1 ? len1 : f->policy_len };
	char msg[256];

	if (w == NULL)
		world_fail("out of memory");
	w->idle_us = 50;
	w->check_wake = true;
	for (int i = 0; i < 2; i++) {
		struct side *sd = &w->s[i];

		sd->name = i == 0 ? "src" : "dst";
		sd->keep_log = true;
		if (emu_host_platform_load(&sd->h, f->pki[i], msg, sizeof(msg)) != 0)
			world_fail("emu_host_platform_load %s: %s", f->pki[i], msg);
		emu_tdx_launch_servtd(&sd->h.tdx, world_mrtd);
		sd->plat.ops = &plat_ops;
		sd->plat.ctx = sd;
		sd->net = &w->net;
		sd->plat.stream_ops = &side_stream_ops;
		sd->plat.stream_ctx = sd;
		migtd_log_init(&sd->plat.log, log_sink, sd, MIGTD_LOG_DEBUG);
		sd->core = calloc(1, sizeof(*sd->core));
		if (sd->core == NULL)
			world_fail("out of memory");
		sd->cfg = (struct migtd_config){
			.policy = pol[i],
			.policy_len = plen[i],
			.root_ca = f->root,
			.root_ca_len = f->root_len,
			.timeout_ms = 5000,
			.verify_time = (int64_t)time(NULL),
			.require_socket_info = true,
			.poll_interval_ms = 1,
			.quote_retry_ms = 5,
		};
	}
	/* Each side's QGS also serves the other's collateral (a PCCS stand-in). */
	w->s[0].h.pcs[0] = &w->s[1].h.own;
	w->s[1].h.pcs[0] = &w->s[0].h.own;
	w->s[0].h.pcs_n = w->s[1].h.pcs_n = 1;
	return w;
}

void world_start(struct world *w)
{
	for (int i = 0; i < 2; i++) {
		int ret = migtd_core_init(w->s[i].core, &w->s[i].plat, &w->s[i].cfg);

		if (ret != MIGTD_OK)
			world_fail("migtd_core_init %s: %d", w->s[i].name, ret);
	}
}

void world_free(struct world *w)
{
	for (int i = 0; i < 2; i++) {
		migtd_core_fini(w->s[i].core);
		free(w->s[i].core);
		emu_host_platform_free(&w->s[i].h);
		free(w->s[i].log);
	}
	net_free(&w->net);
	free(w);
}

void world_queue_request(struct side *sd, uint64_t id, bool source, const struct emu_user_td *td,
			 uint32_t port)
{
	struct migtd_migration_request req;
	int ret;

	if (sd->nqueued >= MAX_QUEUED)
		world_fail("%s: VMM queue full", sd->name);
	memset(&req, 0, sizeof(req));
	req.info.mig_request_id = id;
	req.info.migration_source = source ? 1 : 0;
	memcpy(req.info.target_td_uuid, td->binding.uuid.w, sizeof(req.info.target_td_uuid));
	req.info.binding_handle = td->binding.handle;
	req.info.communication_id = id;
	req.has_socket_info = true;
	req.socket_info.communication_id = id;
	req.socket_info.mig_td_cid = 2;
	req.socket_info.mig_channel_port = port;
	ret = migtd_hob_build_migration_request(sd->queue[sd->nqueued], sizeof(sd->queue[0]), &req,
						&sd->queue_len[sd->nqueued]);
	if (ret != MIGTD_OK)
		world_fail("migtd_hob_build_migration_request: %d", ret);
	sd->nqueued++;
}

void world_run(struct world *w, unsigned want0, unsigned want1, unsigned max_ms)
{
	uint64_t end = world_now_ms() + max_ms;

	while (w->s[0].nreports < want0 || w->s[1].nreports < want1) {
		for (int i = 0; i < 2; i++) {
			uint64_t wake = 0, t0 = world_side_now_ms(&w->s[i]);
			int ret;

			world_heap_side = i;
			ret = migtd_core_poll(w->s[i].core, &wake);
			world_heap_side = -1;
			if (ret != MIGTD_OK)
				world_fail("migtd_core_poll %s: %d", w->s[i].name, ret);
			/* Against the time the poll started: on a loaded machine under
			 * ASan one poll (a quote verification) can itself take a second. */
			if (w->check_wake && wake + 1000 < t0)
				world_fail("%s: wake-up time %llu in the past", w->s[i].name,
					   (unsigned long long)wake);
		}
		if (world_now_ms() > end)
			world_fail("timeout: src %u/%u reports, dst %u/%u", w->s[0].nreports, want0,
				   w->s[1].nreports, want1);
		if (w->idle_us)
			usleep(w->idle_us);
	}
}

const struct report *world_find_report(const struct side *sd, uint64_t id)
{
	const struct report *r = NULL;

	for (unsigned i = 0; i < sd->nreports; i++)
		if (sd->reports[i].id == id) {
			if (r != NULL) /* one report per request */
				world_fail("%s: request %llu reported twice", sd->name,
					   (unsigned long long)id);
			r = &sd->reports[i];
		}
	return r;
}

int world_report_of(const struct side *sd, uint64_t id)
{
	const struct report *r = world_find_report(sd, id);

	return r ? r->status : -1;
}

void world_recycle(struct world *w)
{
	for (int i = 0; i < 2; i++) {
		struct side *sd = &w->s[i];

		if (migtd_core_active_sessions(sd->core) != 0 || sd->next != sd->nqueued)
			world_fail("%s: world_recycle with work in flight", sd->name);
		sd->nqueued = sd->next = sd->nreports = 0;
		sd->log_len = 0;
	}
	for (unsigned i = 0; i < NET_MAX_LINKS; i++) {
		struct link *l = &w->net.links[i];

		for (int r = 0; r < 2; r++)
			free(l->to[r].buf);
		memset(l, 0, sizeof(*l));
	}
	w->net.nends = 0;
}

/* ---- fixtures ------------------------------------------------------------------------- */

int world_fixture_init(struct world_fixture *f)
{
	struct emu_platform_params p;
	char msg[256], path[400], dir[sizeof(f->dir)];

	memset(f, 0, sizeof(*f));
	if (psa_crypto_init() != PSA_SUCCESS)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/migtd-world-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	memcpy(dir, f->dir, sizeof(dir)); /* snprintf from a part of *f into *f: restrict */
	for (int i = 0; i < 2; i++) {
		snprintf(f->pki[i], sizeof(f->pki[i]), "%s/%s", dir, i == 0 ? "src" : "dst");
		emu_platform_params_default(&p);
		p.ppid[0] = (uint8_t)(0x10 + i); /* another machine of the same model */
		if (emu_pki_init(f->pki[i], i == 0 ? NULL : f->pki[0], &p, 1, msg, sizeof(msg)) !=
		    0) {
			fprintf(stderr, "emu_pki_init: %s\n", msg);
			return -1;
		}
	}
	if (hostio_read_file("config/policy.json", HOSTIO_READ_MAX, &f->policy, &f->policy_len) !=
	    0)
		return -1;
	snprintf(path, sizeof(path), "%s/root_ca.der", f->pki[0]);
	if (hostio_read_file(path, HOSTIO_READ_MAX, &f->root, &f->root_len) != 0)
		return -1;
	return 0;
}

int world_fixture_fini(struct world_fixture *f)
{
	char cmd[400];

	free(f->policy);
	free(f->root);
	f->policy = f->root = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	return system(cmd) == 0 ? 0 : -1;
}
