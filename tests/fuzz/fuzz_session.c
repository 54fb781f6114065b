/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_session -- a whole MigTD core (the migration source, the TLS client)
 * on the emulated platform of src/emuworld, whose peer byte stream and VMM
 * answers come from the fuzzer (docs/fuzzing.md, "fuzz_session").
 *
 * Input: records, each u8 kind | u16 length (LE) | bytes:
 *   0 PEER     bytes the peer sends; each record is one read's worth, and
 *              after the last one the stream ends
 *   1 QUERY    the VMM's Query response buffer
 *   2 WFR      a WaitForRequest response buffer (the HOB list of the request)
 *   3 REPORT   the ReportStatus response buffer
 *   4 QUOTE    the GetQuote buffer the VMM hands back for a quote
 *   5 COLL     the GetQuote buffer the VMM hands back for GET_COLLATERAL
 * Answers of each kind are used in the order of the calls of that kind; once
 * a kind has none left the emulated VMM answers itself (WaitForRequest:
 * "no request"). The VMM's answer arrives at once; its content is the input.
 *
 * It gets past the TLS record layer because randomness is deterministic:
 * every byte mbedTLS draws comes from a fixed-seed generator per emulated
 * platform (support/det_random.h), reset for every input.
 * So the MigTD's ClientHello is the same in every run, and a session recorded
 * with the same generator (MIGTD_FUZZ_CAPTURE=DIR, below) replays to the end:
 * the server's flight and its encrypted ExchangeInformation decrypt, the key
 * is written and the request reported successful. The checked-in seeds
 * (tests/fuzz/seeds/fuzz_session/) are such recordings; the fuzzer mutates
 * real ServerHello, Certificate (with the quote) and application records.
 *
 * The platform clock is virtual: it jumps to the time the core asks to be
 * woken, so timeouts and back-offs cost no wall time.
 *
 * Asserts (abort): MIG_DEC_KEY is installed exactly as often as a request
 * is reported successful (docs/protocol.md §6.2: the key is written only by a
 * completed exchange, and a success is reported only with the key in; a
 * MigTD that stops fatally may have installed one it could not report), and
 * no session stays open past a bound of virtual time. A fatal error of the
 * core (e.g. Query answered "unsupported") ends the run: the MigTD stops.
 *
 * MIGTD_FUZZ_CAPTURE=DIR: run one real pre-migration between two cores
 * instead, and write what the source saw into DIR/fuzz_session/real_session,
 * plus the destination's quote (DIR/fuzz_quote/real_session_quote).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <psa/crypto.h>

#include "det_random.h"
#include "emu_host.h"
#include "migtd/exchange.h"
#include "migtd/ghci.h"
#include "migtd/tdx_abi.h"
#include "migtd/wire.h"
#include "world.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum rec_kind { REC_PEER, REC_QUERY, REC_WFR, REC_REPORT, REC_QUOTE, REC_COLL, REC_KINDS };

#define MAX_RECS 256
#define REQ_ID 7
#define REQ_PORT 1007
/* Virtual time after which a session still open is a finding: far beyond
 * what a session may take with the 5 s step timeout world_new configures. */
#define MAX_VIRTUAL_MS 100000u
#define MAX_POLLS 200000u

/* ---- the input's records ------------------------------------------------------------ */

struct rec {
	const uint8_t *p;
	size_t len;
};

static struct {
	struct rec r[REC_KINDS][MAX_RECS];
	unsigned n[REC_KINDS], next[REC_KINDS];
	size_t peer_off; /* into r[REC_PEER][next[REC_PEER]] */
} in;

static void records_parse(const uint8_t *data, size_t size)
{
	size_t off = 0;

	memset(&in, 0, sizeof(in));
	while (size - off >= 3) {
		unsigned kind = data[off];
		size_t len = (size_t)data[off + 1] | (size_t)data[off + 2] << 8;

		off += 3;
		if (len > size - off)
			len = size - off;
		if (kind < REC_KINDS && in.n[kind] < MAX_RECS) {
			in.r[kind][in.n[kind]].p = data + off;
			in.r[kind][in.n[kind]].len = len;
			in.n[kind]++;
		}
		off += len;
	}
}

static const struct rec *record_take(enum rec_kind k)
{
	return in.next[k] < in.n[k] ? &in.r[k][in.next[k]++] : NULL;
}

/* ---- capture ------------------------------------------------------------------------ */

static FILE *cap_out; /* capture mode: the session recording */
static const char *cap_dir;

static void cap_record(enum rec_kind k, const uint8_t *p, size_t len)
{
	while (cap_out && len > 0) {
		size_t n = len > 0xffff ? 0xffff : len;
		uint8_t h[3] = { (uint8_t)k, (uint8_t)n, (uint8_t)(n >> 8) };

		if (fwrite(h, 1, 3, cap_out) != 3 || fwrite(p, 1, n, cap_out) != n)
			abort();
		p += n;
		len -= n;
	}
}

static void cap_file(const char *target, const char *name, const uint8_t *p, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cap_dir, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		abort();
	snprintf(path, sizeof(path), "%s/%s/%s", cap_dir, target, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(p, 1, len, f) != len || fclose(f) != 0)
		abort();
	fprintf(stderr, "fuzz_session: wrote %s (%zu bytes)\n", path, len);
}

/* ---- the platform of the MigTD under test ------------------------------------------- */

static struct world_fixture fx;
static const struct migtd_platform_ops *orig_ops; /* the world's own */
static struct migtd_platform_ops src_ops, dst_ops;
static uint64_t vclock; /* virtual platform time of the source (fuzz mode) */

static struct {
	const void *call;
	enum rec_kind kind;
} calls[16];

static void call_note(const void *call, enum rec_kind k)
{
	for (unsigned i = 0; i < 16; i++)
		if (calls[i].call == NULL || calls[i].call == call) {
			calls[i].call = call;
			calls[i].kind = k;
			return;
		}
	abort(); /* the core never has this many calls in flight */
}

static int call_kind(const void *call)
{
	for (unsigned i = 0; i < 16; i++)
		if (calls[i].call == call) {
			calls[i].call = NULL;
			return (int)calls[i].kind;
		}
	return -1;
}

static int src_service_start(void *ctx, struct migtd_service_call *call)
{
	struct side *sd = ctx;
	unsigned before = sd->next;
	struct ghci_service_cmd cmd;
	struct ghci_migtd_cmd mc;
	enum rec_kind k = REC_QUERY;
	int ret;

	if (migtd_ghci_service_cmd_parse(call->cmd, call->cmd_len, &cmd) == MIGTD_OK &&
	    migtd_ghci_migtd_cmd_parse(call->cmd, call->cmd_len, &mc) == MIGTD_OK)
		k = mc.command == GHCI_MIGTD_CMD_REPORT_STATUS ? REC_REPORT : REC_WFR;
	ret = orig_ops->service_start(ctx, call);
	/* Capture: only WaitForRequests that carried the request are recorded
	 * (an idle "no request" answer is what the VMM gives by itself). */
	if (ret == MIGTD_OK && (k != REC_WFR || cap_out == NULL || sd->next != before))
		call_note(call, k);
	return ret;
}

static int src_service_poll(void *ctx, struct migtd_service_call *call)
{
	int ret = orig_ops->service_poll(ctx, call);
	int k;
	const struct rec *r;

	if (ret == MIGTD_ERR_AGAIN)
		return ret;
	k = call_kind(call);
	if (k < 0 || ret != MIGTD_OK)
		return ret;
	if (cap_out) {
		size_t len = migtd_wire_get_u32(call->rsp + 16);

		cap_record((enum rec_kind)k, call->rsp, len < call->rsp_cap ? len : call->rsp_cap);
	} else if ((r = record_take((enum rec_kind)k)) != NULL) {
		size_t n = r->len < call->rsp_cap ? r->len : call->rsp_cap;

		memcpy(call->rsp, r->p, n);
		memset(call->rsp + n, 0, call->rsp_cap - n);
	}
	return ret;
}

/* Complete MIG_DEC_KEY writes (the last word written successfully). */
static unsigned keys_installed;

static int src_servtd_wr(void *ctx, const struct migtd_servtd_binding *b, uint64_t field,
			 uint64_t value, uint64_t mask, uint64_t *old)
{
	int ret = orig_ops->servtd_wr(ctx, b, field, value, mask, old);

	if (ret == MIGTD_OK && field == TDX_FIELD_MIG_DEC_KEY(EXCHANGE_KEY_WORDS - 1))
		keys_installed++;
	return ret;
}

static int src_quote_start(void *ctx, struct migtd_quote_call *call)
{
	bool coll = call->len >= 36 && call->buf[32] == GHCI_QGS_GET_COLLATERAL_REQ;
	int ret = orig_ops->quote_start(ctx, call);

	if (ret == MIGTD_OK)
		call_note(call, coll ? REC_COLL : REC_QUOTE);
	return ret;
}

/* The answered GetQuote buffer: header, then out_len bytes of QGS message. */
static size_t quote_answer_len(const struct migtd_quote_call *call)
{
	size_t out = call->cap >= GHCI_GETQUOTE_HDR_LEN ? migtd_wire_get_u32(call->buf + 20) : 0;

	return out > call->cap - GHCI_GETQUOTE_HDR_LEN ? call->cap : GHCI_GETQUOTE_HDR_LEN + out;
}

static int src_quote_poll(void *ctx, struct migtd_quote_call *call)
{
	int ret = orig_ops->quote_poll(ctx, call);
	const struct rec *r;
	int k;

	if (ret == MIGTD_ERR_AGAIN)
		return ret;
	k = call_kind(call);
	if (k < 0 || ret != MIGTD_OK)
		return ret;
	if (cap_out) {
		cap_record((enum rec_kind)k, call->buf, quote_answer_len(call));
	} else if ((r = record_take((enum rec_kind)k)) != NULL) {
		size_t n = r->len < call->cap ? r->len : call->cap;

		memcpy(call->buf, r->p, n);
	}
	return ret;
}

static int src_quote_cancel(void *ctx, struct migtd_quote_call *call)
{
	(void)call_kind(call);
	return orig_ops->quote_cancel(ctx, call);
}

static uint64_t src_now(void *ctx)
{
	(void)ctx;
	return vclock;
}

/* The destination's quote, for the fuzz_quote seeds (capture mode). */
static int dst_quote_poll(void *ctx, struct migtd_quote_call *call)
{
	int ret = orig_ops->quote_poll(ctx, call);
	const uint8_t *msg;
	size_t msg_len;
	struct ghci_getquote_hdr hdr;

	if (ret == MIGTD_OK && call->len >= 36 && call->buf[32] != GHCI_QGS_GET_COLLATERAL_REQ &&
	    migtd_ghci_getquote_rsp_parse(call->buf, call->cap, &hdr, &msg, &msg_len) == MIGTD_OK &&
	    msg_len > 0) {
		struct ghci_qgs_get_quote_resp q;

		if (migtd_ghci_qgs_get_quote_resp_parse(msg, msg_len, &q) == MIGTD_OK &&
		    q.quote.len > 0)
			cap_file("fuzz_quote", "real_session_quote", q.quote.p, q.quote.len);
	}
	return ret;
}

/* The peer's stream (fuzz mode): the PEER records, then the end of the stream. */
static int peer_open(void *ctx, const struct migtd_stream_params *params, uint32_t *stream)
{
	(void)ctx;
	(void)params;
	*stream = 1;
	return MIGTD_OK;
}

static int peer_send(void *ctx, uint32_t stream, const void *buf, size_t len, size_t *sent)
{
	(void)ctx;
	(void)stream;
	(void)buf;
	*sent = len; /* the peer takes everything and is not listening */
	return MIGTD_OK;
}

static int peer_recv(void *ctx, uint32_t stream, void *buf, size_t cap, size_t *got)
{
	const struct rec *r;
	size_t n;

	(void)ctx;
	(void)stream;
	*got = 0;
	while (in.next[REC_PEER] < in.n[REC_PEER]) {
		r = &in.r[REC_PEER][in.next[REC_PEER]];
		n = r->len - in.peer_off < cap ? r->len - in.peer_off : cap;
		memcpy(buf, r->p + in.peer_off, n);
		in.peer_off += n;
		if (in.peer_off == r->len) {
			in.next[REC_PEER]++;
			in.peer_off = 0;
		}
		if (n > 0) {
			*got = n;
			return MIGTD_OK;
		}
	}
	return MIGTD_OK; /* end of stream */
}

static int peer_close(void *ctx, uint32_t stream)
{
	(void)ctx;
	(void)stream;
	return MIGTD_OK;
}

static const struct migtd_stream_ops peer_ops = { peer_open, peer_send, peer_recv, peer_close };

/* In capture mode the source's reads go through the world's streams, and
 * what arrives is recorded as PEER records. */
static const struct migtd_stream_ops *orig_stream_ops;

static int cap_recv(void *ctx, uint32_t stream, void *buf, size_t cap, size_t *got)
{
	int ret = orig_stream_ops->recv(ctx, stream, buf, cap, got);

	if (ret == MIGTD_OK && *got > 0)
		cap_record(REC_PEER, buf, *got);
	return ret;
}

static struct migtd_stream_ops cap_stream_ops;

/* ---- one run ------------------------------------------------------------------------- */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz_session: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static void run_once(bool capture)
{
	struct world *w;
	struct emu_user_td *td[2];
	struct side *src;
	uint64_t start;
	unsigned polls = 0, idle = 0, quiet = 0, success = 0;
	int fatal = MIGTD_OK;

	det_random_reset();
	keys_installed = 0;
	w = world_new(&fx, NULL, 0, NULL, 0);
	src = &w->s[0];
	td[0] = emu_tdx_bind_user_td(&w->s[0].h.tdx);
	td[1] = emu_tdx_bind_user_td(&w->s[1].h.tdx);
	if (td[0] == NULL || td[1] == NULL)
		fail("no user TD slot");
	world_queue_request(&w->s[0], REQ_ID, true, td[0], REQ_PORT);
	world_queue_request(&w->s[1], REQ_ID, false, td[1], REQ_PORT);
	for (int i = 0; i < 2; i++)
		w->s[i].keep_log = capture;
	orig_ops = src->plat.ops;
	src_ops = *orig_ops;
	src_ops.service_start = src_service_start;
	src_ops.service_poll = src_service_poll;
	src_ops.quote_start = src_quote_start;
	src_ops.quote_poll = src_quote_poll;
	src_ops.quote_cancel = src_quote_cancel;
	src_ops.servtd_wr = src_servtd_wr;
	memset(calls, 0, sizeof(calls));
	if (capture) {
		orig_stream_ops = src->plat.stream_ops;
		cap_stream_ops = *orig_stream_ops;
		cap_stream_ops.recv = cap_recv;
		src->plat.stream_ops = &cap_stream_ops;
		dst_ops = *orig_ops;
		dst_ops.quote_poll = dst_quote_poll;
		w->s[1].plat.ops = &dst_ops;
	} else {
		src_ops.now_ms = src_now;
		src->plat.stream_ops = &peer_ops;
		vclock = world_now_ms();
	}
	src->plat.ops = &src_ops;
	start = src_ops.now_ms(src);
	for (int i = 0; i < 2; i++) {
		world_heap_side = i;
		if (migtd_core_init(w->s[i].core, &w->s[i].plat, &w->s[i].cfg) != MIGTD_OK)
			fail("migtd_core_init");
	}
	world_heap_side = -1;

	if (capture) {
		/* Both cores until both have reported. */
		while (src->nreports == 0 || w->s[1].nreports == 0) {
			for (int i = 0; i < 2; i++) {
				uint64_t wake = 0;

				world_heap_side = i;
				if (migtd_core_poll(w->s[i].core, &wake) != MIGTD_OK)
					fail("capture: migtd_core_poll %s failed", w->s[i].name);
				world_heap_side = -1;
			}
			if (world_now_ms() - start > MAX_VIRTUAL_MS)
				fail("capture: no reports");
		}
		if (src->reports[0].status != MIGTD_STATUS_SUCCESS ||
		    w->s[1].reports[0].status != MIGTD_STATUS_SUCCESS)
			fail("capture: the pre-migration failed (%u, %u)", src->reports[0].status,
			     w->s[1].reports[0].status);
		world_free(w);
		return;
	}

	/*
	 * The source until it stops (a fatal error: the MigTD ends), or until
	 * every request the input holds was taken and its session is over.
	 * A session still open after MAX_VIRTUAL_MS holds its slot forever.
	 */
	for (;;) {
		uint64_t wake = 0;
		int ret;

		world_heap_side = 0;
		ret = migtd_core_poll(src->core, &wake);
		world_heap_side = -1;
		if (ret != MIGTD_OK) {
			fatal = ret;
			break;
		}
		vclock = wake > vclock ? wake : vclock + 1;
		polls++;
		/* Idle: every request taken, or (a core that never asks for them,
		 * e.g. still waiting for Query) nothing happening for long. */
		if (migtd_core_active_sessions(src->core) != 0) {
			idle = quiet = 0;
		} else if ((in.next[REC_WFR] == in.n[REC_WFR] && ++idle > 3) || ++quiet > 2000) {
			break;
		}
		if (polls > MAX_POLLS || vclock - start > MAX_VIRTUAL_MS) {
			if (migtd_core_active_sessions(src->core) != 0)
				fail("a session is still open after %u polls, %llu ms", polls,
				     (unsigned long long)(vclock - start));
			break;
		}
	}

	/* MIG_DEC_KEY is installed only by a successful exchange, which is
	 * reported as such; and a success is reported only with the key in. A
	 * MigTD that stops fatally may have installed the key of a session it
	 * could not report any more. */
	for (unsigned i = 0; i < src->nreports; i++)
		success += src->reports[i].status == MIGTD_STATUS_SUCCESS;
	if (keys_installed < success || keys_installed > success + (fatal != MIGTD_OK ? 1u : 0u))
		fail("%u keys installed, %u requests reported successful (fatal: %d)",
		     keys_installed, success, fatal);
	if (getenv("FUZZ_SESSION_VERBOSE"))
		fprintf(stderr,
			"fuzz_session: %u reports (first status %d), %u keys, fatal %d, %u polls\n",
			src->nreports, src->nreports ? src->reports[0].status : -1, keys_installed,
			fatal, polls);
	world_free(w);
}

static void fixture_cleanup(void)
{
	(void)world_fixture_fini(&fx);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	det_random_reset();
	if (world_fixture_init(&fx) != 0)
		fail("world_fixture_init (run from the repository: it reads config/policy.json)");
	atexit(fixture_cleanup);
	cap_dir = getenv("MIGTD_FUZZ_CAPTURE");
	if (cap_dir != NULL) {
		char path[512];

		snprintf(path, sizeof(path), "%s/fuzz_session", cap_dir);
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			fail("mkdir %s", path);
		snprintf(path, sizeof(path), "%s/fuzz_session/real_session", cap_dir);
		cap_out = fopen(path, "wb");
		if (cap_out == NULL)
			fail("cannot write %s", path);
		run_once(true);
		if (fclose(cap_out) != 0)
			fail("write %s", path);
		fprintf(stderr, "fuzz_session: wrote %s\n", path);
		exit(0);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	records_parse(data, size);
	run_once(false);
	return 0;
}
