/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * fuzz_link_answers -- the MigTD side of the platform link (src/platform/emu)
 * answered by the fuzzer: whole answer frames of every kind, through the
 * frame dispatch, the synchronous TDX-module calls, the asynchronous Service
 * and GetQuote completions (and a cancelled GetQuote), and then the core's
 * parsers of what the answer carried (Query, WaitForRequest with its HOB
 * list, ReportStatus, the GetQuote buffer and its QGS quote or collateral
 * message). fuzz_emu_link covers the host's end and only the frame header
 * parser of this one.
 *
 * Input: records, each u8 call | u8 flags | u16 length (LE) | payload.
 *   call % 8: 0 TDG.MR.REPORT, 1 RTMR.EXTEND, 2 SERVTD.RD, 3 SERVTD.WR,
 *   4 SYS.RD, 5 Service (flags bits 4-5: 0 Query, 1 WaitForRequest,
 *   2 ReportStatus), 6 GetQuote (flags bit 4: GET_COLLATERAL, else a quote),
 *   7 GetQuote cancelled before its answer is read.
 *   The record's payload answers the request the call sends: by default the
 *   target frames it (op | RESPONSE, the request's seq, the payload's length);
 *   flags bit 0: the payload is sent as it is, header included; bit 1: as an
 *   EMU_LINK_ERROR frame; bit 2: with the seq of the next request (an answer
 *   to nothing yet); bit 3: the link takes the request but fails the write.
 * Reads hand out at most as many bytes as the call's record says in flags
 * bits 6-7 (0: everything; 1, 2, 3: 7, 64, 1000 bytes), so answers also
 * arrive in pieces. With nothing left a blocking read times out.
 *
 * MIGTD_FUZZ_CAPTURE=DIR: run the same calls against the real emulated host
 * (src/emuhost's link server, TDX module and quote service, with a VMM that
 * answers Query, one migration request and ReportStatus) over a socket pair,
 * and write the answers it sent as DIR/fuzz_link_answers/real_answers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <psa/crypto.h>

#include "emu_host.h"
#include "emu_link.h"
#include "emu_platform.h"
#include "migtd/ghci.h"
#include "migtd/hob.h"
#include "migtd/tdx_abi.h"
#include "migtd/wire.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CALLS 48
#define RSP_CAP 1024u   /* Service response buffer */
#define QUOTE_CAP 8192u /* GetQuote buffer (upstream's 8 KiB) */

enum { F_RAW = 1, F_ERROR = 2, F_STALE = 4, F_WFAIL = 8 };

static struct emu_platform plat;

/* The answer to the next request (fuzz mode). */
static const uint8_t *ans;
static size_t ans_len;
static uint8_t ans_flags;
static bool ans_set;

static uint8_t rxq[2 * EMU_LINK_FRAME_MAX];
static size_t rxq_len, rxq_off, read_max;

/* Capture mode: the real host at the other end of a socket pair. */
static bool capturing;
static int sp[2] = { -1, -1 };
static struct emu_host_platform host;
static struct emu_link_conn conn;
static struct emu_user_td *user_td;
static uint8_t cap_rx[EMU_LINK_FRAME_MAX];
static size_t cap_rx_len;

static void die(const char *what)
{
	fprintf(stderr, "fuzz_link_answers: %s\n", what);
	abort();
}

static void rxq_put(const void *p, size_t n)
{
	if (n > sizeof(rxq) - rxq_len)
		n = sizeof(rxq) - rxq_len;
	memcpy(rxq + rxq_len, p, n);
	rxq_len += n;
}

static int io_write_all(void *ctx, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint8_t hdr[EMU_LINK_HDR_LEN];
	uint32_t seq;
	uint16_t op;

	(void)ctx;
	if (len < EMU_LINK_HDR_LEN)
		die("the MigTD sent less than a frame header");
	if (capturing) {
		if (write(sp[0], buf, len) != (ssize_t)len)
			die("write to the host");
		if (emu_link_conn_on_readable(&conn) != MIGTD_OK)
			die(conn.why);
		return MIGTD_OK;
	}
	op = migtd_wire_get_u16(b + 6);
	seq = migtd_wire_get_u32(b + 8);
	if (!ans_set)
		return MIGTD_OK; /* the host never answers */
	ans_set = false;
	if (ans_flags & F_RAW) {
		rxq_put(ans, ans_len);
	} else {
		if (emu_link_header(hdr,
				    (ans_flags & F_ERROR) ? EMU_LINK_ERROR
							  : (uint16_t)(op | EMU_LINK_RESPONSE),
				    (ans_flags & F_STALE) ? seq + 1 : seq, ans_len) != MIGTD_OK)
			return MIGTD_OK; /* too long for a frame: nothing arrives */
		rxq_put(hdr, sizeof(hdr));
		rxq_put(ans, ans_len);
	}
	return (ans_flags & F_WFAIL) ? MIGTD_ERR_NETWORK : MIGTD_OK;
}

static int io_read(void *ctx, void *buf, size_t cap, size_t *got, bool wait)
{
	size_t n;

	(void)ctx;
	*got = 0;
	if (capturing) {
		ssize_t r = recv(sp[0], buf, cap, wait ? 0 : MSG_DONTWAIT);

		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return MIGTD_ERR_AGAIN;
		if (r <= 0)
			return MIGTD_ERR_NETWORK;
		if ((size_t)r > sizeof(cap_rx) - cap_rx_len)
			die("capture buffer full");
		memcpy(cap_rx + cap_rx_len, buf, (size_t)r);
		cap_rx_len += (size_t)r;
		*got = (size_t)r;
		return MIGTD_OK;
	}
	if (rxq_off == rxq_len)
		return wait ? MIGTD_ERR_TIMEOUT : MIGTD_ERR_AGAIN;
	n = rxq_len - rxq_off;
	if (n > cap)
		n = cap;
	if (read_max != 0 && n > read_max)
		n = read_max;
	memcpy(buf, rxq + rxq_off, n);
	rxq_off += n;
	*got = n;
	return MIGTD_OK;
}

/* A virtual clock that moves one second per reading: a call the input never
 * answers reaches its deadline after a few empty reads, instead of a frozen
 * clock keeping the sync wait (docs/vmm-failures.md) spinning forever. */
static uint64_t io_now(void *ctx)
{
	static uint64_t vclock;

	(void)ctx;
	vclock += 1000;
	return vclock;
}

static const struct emu_link_io io = { NULL, io_write_all, io_read, io_now };

/* ---- the calls ----------------------------------------------------------------------- */

static struct migtd_servtd_binding binding = { .handle = 1 };

static struct {
	struct migtd_service_call sc;
	struct migtd_quote_call qc;
	uint8_t cmd[256];
	uint8_t rsp[RSP_CAP];
	uint8_t qbuf[QUOTE_CAP];
} slot[MAX_CALLS];

/* Poll an asynchronous call a few times: its answer is there or never comes. */
static int poll_service(struct migtd_service_call *c)
{
	int r = MIGTD_ERR_AGAIN;

	for (int i = 0; i < 3 && r == MIGTD_ERR_AGAIN; i++)
		r = emu_platform_ops.service_poll(&plat, c);
	return r;
}

static int poll_quote(struct migtd_quote_call *c)
{
	int r = MIGTD_ERR_AGAIN;

	for (int i = 0; i < 3 && r == MIGTD_ERR_AGAIN; i++)
		r = emu_platform_ops.quote_poll(&plat, c);
	return r;
}

static void do_service(unsigned k, unsigned sub)
{
	struct migtd_service_call *c = &slot[k].sc;
	size_t len = 0;
	int ret;

	memset(c, 0, sizeof(*c));
	if (sub == 0)
		ret = migtd_ghci_query_cmd_build(slot[k].cmd, sizeof(slot[k].cmd), &len);
	else if (sub == 1)
		ret = migtd_ghci_wfr_cmd_build(slot[k].cmd, sizeof(slot[k].cmd), &len);
	else
		ret = migtd_ghci_report_cmd_build(slot[k].cmd, sizeof(slot[k].cmd), 7, 0, &len);
	if (ret != MIGTD_OK)
		die("building a Service command");
	c->cmd = slot[k].cmd;
	c->cmd_len = len;
	c->rsp = slot[k].rsp;
	c->rsp_cap = sizeof(slot[k].rsp);
	(void)migtd_ghci_service_rsp_prefill(c->rsp, c->rsp_cap,
					     sub == 0 ? &migtd_ghci_guid_service_common
						      : &migtd_ghci_guid_service_migtd,
					     0);
	if (emu_platform_ops.service_start(&plat, c) != MIGTD_OK)
		return;
	if (poll_service(c) != MIGTD_OK)
		return;
	/* What the core does with the answer. */
	if (sub == 0) {
		struct ghci_query q;

		(void)migtd_ghci_query_rsp_parse(c->rsp, c->rsp_cap, &q);
	} else if (sub == 1) {
		static struct migtd_migration_request req;
		bool has;

		/* Both HOB layouts: the default build's and the policy-v2 one. */
		(void)migtd_ghci_wfr_rsp_parse_request(c->rsp, c->rsp_cap, HOB_MODE_DEFAULT, true,
						       &has, &req);
		(void)migtd_ghci_wfr_rsp_parse_request(c->rsp, c->rsp_cap, HOB_MODE_STRICT, false,
						       &has, &req);
	} else {
		(void)migtd_ghci_report_rsp_parse(c->rsp, c->rsp_cap);
	}
}

static void do_quote(unsigned k, bool collateral, bool cancel)
{
	static const uint8_t fmspc[6] = { 0x30, 0x80, 0x6f };
	struct migtd_quote_call *c = &slot[k].qc;
	uint8_t msg[1200], report[TDREPORT_STRUCT_SIZE];
	uint8_t rd[64] = { 0 };
	size_t n = 0, len = 0;
	struct ghci_getquote_hdr hdr;
	const uint8_t *m;
	size_t mlen;
	int ret;

	memset(c, 0, sizeof(*c));
	if (collateral) {
		ret = migtd_ghci_qgs_get_collateral_req_build(msg, sizeof(msg), fmspc, "platform",
							      &n);
	} else {
		/* In capture mode a real report, so that the host's QGS quotes it. */
		memset(report, 0, sizeof(report));
		if (capturing && emu_tdx_mr_report(&host.tdx, rd, report) != TDX_SUCCESS)
			die("TDG.MR.REPORT on the host");
		ret = migtd_ghci_qgs_get_quote_req_build(msg, sizeof(msg), report, sizeof(report),
							 NULL, 0, &n);
	}
	if (ret == MIGTD_OK)
		ret = migtd_ghci_getquote_req_build(slot[k].qbuf, sizeof(slot[k].qbuf), msg, n,
						    &len);
	if (ret != MIGTD_OK)
		die("building a GetQuote request");
	c->buf = slot[k].qbuf;
	c->len = len;
	c->cap = sizeof(slot[k].qbuf);
	if (emu_platform_ops.quote_start(&plat, c) != MIGTD_OK)
		return;
	if (cancel) {
		(void)emu_platform_ops.quote_cancel(&plat, c);
		return;
	}
	if (poll_quote(c) != MIGTD_OK)
		return;
	if (migtd_ghci_getquote_rsp_parse(c->buf, c->cap, &hdr, &m, &mlen) != MIGTD_OK)
		return;
	if (collateral) {
		static struct ghci_qgs_get_collateral_resp cr;

		(void)migtd_ghci_qgs_get_collateral_resp_parse(m, mlen, &cr);
	} else {
		struct ghci_qgs_get_quote_resp qr;

		(void)migtd_ghci_qgs_get_quote_resp_parse(m, mlen, &qr);
	}
}

static void do_call(unsigned k, uint8_t call, uint8_t flags)
{
	uint8_t report[TDREPORT_STRUCT_SIZE], rd[64] = { 0 }, digest[48] = { 0 };
	uint64_t v = 0;

	switch (call % 8) {
	case 0: (void)emu_platform_ops.mr_report(&plat, rd, report); break;
	case 1: (void)emu_platform_ops.mr_rtmr_extend(&plat, 2, digest); break;
	case 2:
		(void)emu_platform_ops.servtd_rd(&plat, &binding, TDX_FIELD_MIG_ENC_KEY(0), &v);
		break;
	case 3:
		(void)emu_platform_ops.servtd_wr(&plat, &binding, TDX_FIELD_MIG_VERSION, 1,
						 TDX_WRITE_MASK_ALL, &v);
		break;
	case 4: (void)emu_platform_ops.sys_rd(&plat, TDX_FIELD_MAX_EXPORT_VERSION, &v); break;
	case 5: do_service(k, (flags >> 4) & 3u); break;
	case 6: do_quote(k, (flags & 0x10) != 0, false); break;
	default: do_quote(k, (flags & 0x10) != 0, true); break;
	}
}

static const size_t read_sizes[4] = { 0, 7, 64, 1000 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	unsigned k = 0;

	emu_platform_init(&plat, &io, NULL);
	rxq_len = rxq_off = 0;
	ans_set = false;
	while (size - off >= 4 && k < MAX_CALLS) {
		uint8_t call = data[off], flags = data[off + 1];
		size_t len = (size_t)data[off + 2] | (size_t)data[off + 3] << 8;

		off += 4;
		if (len > size - off)
			len = size - off;
		ans = data + off;
		ans_len = len;
		ans_flags = flags;
		ans_set = true;
		read_max = read_sizes[flags >> 6];
		off += len;
		do_call(k++, call, flags);
	}
	return 0;
}

/* ---- capture ------------------------------------------------------------------------- */

/* The VMM: Query supported, one migration request, ReportStatus taken. */
static void cap_service(void *ctx, struct emu_link_conn *c, uint32_t seq, const uint8_t *cmd,
			size_t cmd_len, size_t rsp_cap)
{
	static uint8_t rsp[RSP_CAP], hob[1024];
	struct ghci_service_cmd sc;
	struct ghci_migtd_cmd mc;
	struct migtd_migration_request req;
	size_t len = 0, hob_len = 0;
	int ret;

	(void)ctx;
	if (rsp_cap > sizeof(rsp) || migtd_ghci_service_cmd_parse(cmd, cmd_len, &sc) != MIGTD_OK)
		die("capture: unexpected Service call");
	memset(rsp, 0, sizeof(rsp));
	if (migtd_ghci_migtd_cmd_parse(cmd, cmd_len, &mc) != MIGTD_OK) {
		ret = migtd_ghci_query_rsp_build(rsp, rsp_cap, 0, &migtd_ghci_guid_service_migtd,
						 &len);
	} else if (mc.command == GHCI_MIGTD_CMD_WAIT_FOR_REQUEST) {
		memset(&req, 0, sizeof(req));
		req.info.mig_request_id = 7;
		req.info.migration_source = 1;
		memcpy(req.info.target_td_uuid, user_td->binding.uuid.w,
		       sizeof(req.info.target_td_uuid));
		req.info.binding_handle = user_td->binding.handle;
		req.info.communication_id = 7;
		req.has_socket_info = true;
		req.socket_info.communication_id = 7;
		req.socket_info.mig_td_cid = 2;
		req.socket_info.mig_channel_port = 1007;
		ret = migtd_hob_build_migration_request(hob, sizeof(hob), &req, &hob_len);
		if (ret == MIGTD_OK)
			ret = migtd_ghci_wfr_rsp_build(rsp, rsp_cap, GHCI_WFR_OP_REQUEST, hob,
						       hob_len, &len);
	} else {
		ret = migtd_ghci_migtd_rsp_build(rsp, rsp_cap, GHCI_MIGTD_CMD_REPORT_STATUS, &len);
	}
	if (ret != MIGTD_OK)
		die("capture: building a Service answer");
	/* The VMM hands back the whole response buffer. */
	if (emu_link_reply_service(c, seq, 0, rsp, rsp_cap) != MIGTD_OK)
		die("capture: emu_link_reply_service");
}

static void capture(const char *dir)
{
	/* Every kind of call once, answered by the real host. */
	static const uint8_t script[][2] = {
		{ 0, 0 },    { 1, 0 },    { 2, 0 },    { 3, 0 },    { 4, 0 },    { 5, 0x00 },
		{ 5, 0x10 }, { 5, 0x20 }, { 6, 0x00 }, { 6, 0x10 }, { 2, 0x80 },
	};
	char path[512], pki[] = "/tmp/migtd-fuzz-answers-XXXXXX", msg[256], cmd[300];
	struct emu_platform_params p;
	FILE *f;

	if (psa_crypto_init() != PSA_SUCCESS || mkdtemp(pki) == NULL)
		die("psa_crypto_init / mkdtemp");
	emu_platform_params_default(&p);
	if (emu_pki_init(pki, NULL, &p, 0, msg, sizeof(msg)) ||
	    emu_host_platform_load(&host, pki, msg, sizeof(msg)))
		die(msg);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", pki);
	if (system(cmd) != 0)
		die("rm");
	emu_tdx_launch_servtd(&host.tdx, (const uint8_t[48]){ 0x4d });
	user_td = emu_tdx_bind_user_td(&host.tdx);
	if (user_td == NULL)
		die("no user TD");
	binding = user_td->binding;
	host.on_service = cap_service;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) != 0)
		die("socketpair");
	emu_link_conn_init(&conn, sp[1], &host);
	capturing = true;
	emu_platform_init(&plat, &io, NULL);

	snprintf(path, sizeof(path), "%s/fuzz_link_answers", dir);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die("mkdir");
	snprintf(path, sizeof(path), "%s/fuzz_link_answers/real_answers", dir);
	f = fopen(path, "wb");
	if (f == NULL)
		die("cannot write the seed");
	for (unsigned i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		struct emu_link_frame fr;
		size_t used;
		uint8_t h[4];

		cap_rx_len = 0;
		do_call(i, script[i][0], script[i][1]);
		/* One answer per call: its payload is the record. */
		if (emu_link_parse(cap_rx, cap_rx_len, &fr, &used) != MIGTD_OK ||
		    used != cap_rx_len)
			die("capture: not exactly one answer frame");
		if (fr.op == EMU_LINK_ERROR)
			die("capture: the host answered with an error");
		h[0] = script[i][0];
		h[1] = script[i][1];
		h[2] = (uint8_t)fr.len;
		h[3] = (uint8_t)(fr.len >> 8);
		if (fr.len > 0xffff || fwrite(h, 1, 4, f) != 4 ||
		    fwrite(fr.payload, 1, fr.len, f) != fr.len)
			die("capture: write");
	}
	if (fclose(f) != 0)
		die("capture: close");
	fprintf(stderr, "fuzz_link_answers: wrote %s\n", path);
	exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("MIGTD_FUZZ_CAPTURE");

	(void)argc;
	(void)argv;
	if (dir != NULL)
		capture(dir);
	return 0;
}
