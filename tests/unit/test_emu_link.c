/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * The emulated platform end to end over a real socket: the MigTD side
 * (platform/emu ops) in this thread, the emulated host (link server, TDX
 * module, QGS) in another. Checks each operation against the host's state,
 * a quote obtained through the real GHCI GetQuote and QGS message layouts
 * and verified by the quote verifier, collateral requests, Service
 * round-trips, and malformed frames in both directions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/sha512.h>
#include <psa/crypto.h>

#include "emu_host.h"
#include "emu_link_fd.h"
#include "emu_platform.h"
#include "hostio.h"
#include "migtd/ghci.h"
#include "migtd/quote.h"
#include "migtd/tdx_abi.h"
#include "migtd/wire.h"

static char pki_dir[] = "/tmp/migtd-test-link-XXXXXX";
static struct emu_host_platform host;
static struct emu_link_conn conn;
static struct emu_platform plat;
static struct emu_link_fd link_fd;
static int fds[2];
static pthread_t thread;
static volatile int stop;

static void on_service(void *ctx, struct emu_link_conn *c, uint32_t seq, const uint8_t *cmd,
		       size_t cmd_len, size_t rsp_cap)
{
	struct ghci_service_cmd sc;
	uint8_t rsp[4096];
	size_t n = 0;

	(void)ctx;
	/* A VMM that supports the MigTD service: answer Query. */
	assert_true(rsp_cap <= sizeof(rsp));
	if (migtd_ghci_service_cmd_parse(cmd, cmd_len, &sc) != MIGTD_OK ||
	    migtd_ghci_query_cmd_parse(cmd, cmd_len, &(struct ghci_query){ 0 }) != MIGTD_OK ||
	    migtd_ghci_query_rsp_build(rsp, rsp_cap, 0, &migtd_ghci_guid_service_migtd, &n) !=
		    MIGTD_OK) {
		emu_link_reply_service(c, seq, TDX_VMCALL_INVALID_OPERAND, rsp, 0);
		return;
	}
	memset(rsp + n, 0, rsp_cap - n);
	emu_link_reply_service(c, seq, 0, rsp, rsp_cap);
}

static void *host_thread(void *arg)
{
	(void)arg;
	while (!stop && !conn.dead) {
		struct pollfd pfd = { .fd = conn.fd, .events = POLLIN };

		if (poll(&pfd, 1, 50) > 0)
			emu_link_conn_on_readable(&conn);
	}
	return NULL;
}

static int setup(void **state)
{
	struct emu_platform_params p;
	struct emu_link_io io;
	char msg[256];

	(void)state;
	assert_int_equal(psa_crypto_init(), PSA_SUCCESS);
	assert_non_null(mkdtemp(pki_dir));
	emu_platform_params_default(&p);
	assert_int_equal(emu_pki_init(pki_dir, NULL, &p, 0, msg, sizeof(msg)), MIGTD_OK);
	assert_int_equal(emu_host_platform_load(&host, pki_dir, msg, sizeof(msg)), MIGTD_OK);
	host.on_service = on_service;
	uint8_t mrtd[48] = { 0x33 };
	emu_tdx_launch_servtd(&host.tdx, mrtd);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	emu_link_conn_init(&conn, fds[1], &host);
	emu_link_fd_io(&link_fd, fds[0], 5000, &io);
	emu_platform_init(&plat, &io, NULL);
	stop = 0;
	assert_int_equal(pthread_create(&thread, NULL, host_thread, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	stop = 1;
	pthread_join(thread, NULL);
	close(fds[0]);
	close(fds[1]);
	emu_host_platform_free(&host);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", pki_dir);
	assert_int_equal(system(cmd), 0);
	memcpy(pki_dir + strlen(pki_dir) - 6, "XXXXXX", 6);
	return 0;
}

static void test_report_and_rtmr(void **state)
{
	(void)state;
	uint8_t rd[64], rep[1024], digest[48] = { 9 };

	memset(rd, 0xab, sizeof(rd));
	assert_int_equal(emu_platform_ops.mr_rtmr_extend(&plat, 2, digest), MIGTD_OK);
	assert_int_equal(emu_platform_ops.mr_report(&plat, rd, rep), MIGTD_OK);
	assert_memory_equal(rep + 128, rd, 64);
	assert_memory_equal(rep + 512 + 304, host.tdx.servtd.info.rtmr[2], 48);
	assert_int_equal(emu_tdx_verify_report(&host.tdx, rep), MIGTD_OK);
	/* A bad RTMR index is a failed TDCALL, not a broken link. */
	assert_int_equal(emu_platform_ops.mr_rtmr_extend(&plat, 7, digest), MIGTD_ERR_TDCALL);
	assert_int_equal(emu_platform_ops.mr_report(&plat, rd, rep), MIGTD_OK);
}

static void test_servtd_and_sys_rd(void **state)
{
	(void)state;
	struct emu_user_td *td = emu_tdx_bind_user_td(&host.tdx);
	struct migtd_servtd_binding b = td->binding;
	uint64_t v = 0;

	host.tdx.max_import_version = 7;
	assert_int_equal(emu_platform_ops.sys_rd(&plat, TDX_FIELD_MAX_IMPORT_VERSION, &v),
			 MIGTD_OK);
	assert_true(v == 7);
	assert_int_equal(emu_platform_ops.servtd_rd(&plat, &b, TDX_FIELD_MIG_ENC_KEY(2), &v),
			 MIGTD_OK);
	assert_true(v == migtd_wire_get_u64(td->mig_enc_key + 16));
	assert_int_equal(emu_platform_ops.servtd_wr(&plat, &b, TDX_FIELD_MIG_VERSION, 5, UINT64_MAX,
						    NULL),
			 MIGTD_OK);
	assert_int_equal(td->mig_version, 5);
	b.handle ^= 1;
	assert_int_equal(emu_platform_ops.servtd_rd(&plat, &b, TDX_FIELD_MIG_ENC_KEY(0), &v),
			 MIGTD_ERR_TDCALL);
}

static int wait_quote(struct migtd_quote_call *call)
{
	int ret;

	while ((ret = emu_platform_ops.quote_poll(&plat, call)) == MIGTD_ERR_AGAIN)
		usleep(1000);
	return ret;
}

static void test_quote_through_ghci_and_qgs(void **state)
{
	(void)state;
	static uint8_t buf[GHCI_GETQUOTE_MAX_BUF], msg[2048], report[MIGTD_VERIFIED_REPORT_SIZE];
	uint8_t rd[64], rep[1024];
	size_t mlen = 0, blen = 0, qlen = 0;
	struct migtd_quote_call call = { 0 };
	struct ghci_getquote_hdr hdr;
	const uint8_t *rmsg;
	struct ghci_qgs_get_quote_resp resp;
	struct migtd_quote_verify_params vp = { 0 };
	struct migtd_quote_verify_result res;
	uint8_t *root = NULL;
	char path[512];

	for (unsigned i = 0; i < 64; i++)
		rd[i] = (uint8_t)i;
	assert_int_equal(emu_platform_ops.mr_report(&plat, rd, rep), MIGTD_OK);
	assert_int_equal(migtd_ghci_qgs_get_quote_req_build(msg, sizeof(msg), rep, 1024, NULL, 0,
							    &mlen),
			 MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_req_build(buf, sizeof(buf), msg, mlen, &blen),
			 MIGTD_OK);
	call.buf = buf;
	call.len = sizeof(buf); /* upstream passes the whole page-rounded buffer */
	call.cap = sizeof(buf);
	assert_int_equal(emu_platform_ops.quote_start(&plat, &call), MIGTD_OK);
	assert_int_equal(wait_quote(&call), MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_status_class(migtd_wire_get_u64(buf + 8)), MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_rsp_parse(buf, sizeof(buf), &hdr, &rmsg, &qlen),
			 MIGTD_OK);
	assert_int_equal(migtd_ghci_qgs_get_quote_resp_parse(rmsg, qlen, &resp), MIGTD_OK);

	/* The quote verifies to the platform's root and carries our REPORTDATA. */
	snprintf(path, sizeof(path), "%s/root_ca.der", pki_dir);
	assert_int_equal(hostio_read_file(path, HOSTIO_READ_MAX, &root, &vp.root_ca_len), MIGTD_OK);
	vp.root_ca = root;
	vp.now = migtd_quote_civil_to_unix(2030, 1, 1, 0, 0, 0);
	assert_int_equal(migtd_quote_verify(resp.quote.p, resp.quote.len, &vp, &res, report),
			 MIGTD_OK);
	assert_memory_equal(report + 520, rd, 64);
	assert_memory_equal(report + 136, host.tdx.servtd.info.mrtd, 48);
	free(root);

	/* A TDREPORT that this platform's TDX module did not MAC gets a QGS error. */
	rep[600] ^= 1;
	assert_int_equal(migtd_ghci_qgs_get_quote_req_build(msg, sizeof(msg), rep, 1024, NULL, 0,
							    &mlen),
			 MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_req_build(buf, sizeof(buf), msg, mlen, &blen),
			 MIGTD_OK);
	memset(&call, 0, sizeof(call));
	call.buf = buf;
	call.len = blen;
	call.cap = sizeof(buf);
	assert_int_equal(emu_platform_ops.quote_start(&plat, &call), MIGTD_OK);
	assert_int_equal(wait_quote(&call), MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_rsp_parse(buf, sizeof(buf), &hdr, &rmsg, &qlen),
			 MIGTD_OK);
	assert_int_equal(migtd_ghci_qgs_get_quote_resp_parse(rmsg, qlen, &resp), MIGTD_ERR_QUOTE);
}

/*
 * A GetQuote the core gave up on (quote_cancel): the host's late answer is
 * dropped, never copied into the abandoned buffer, and the pending slot is
 * freed once it arrives; the next GetQuote works.
 */
static void test_quote_cancel(void **state)
{
	(void)state;
	static uint8_t buf[GHCI_GETQUOTE_MAX_BUF], buf2[GHCI_GETQUOTE_MAX_BUF], msg[2048];
	uint8_t rd[64] = { 0 }, rep[1024];
	size_t mlen = 0, blen = 0;
	struct migtd_quote_call call = { 0 }, call2 = { 0 };

	assert_int_equal(emu_platform_ops.mr_report(&plat, rd, rep), MIGTD_OK);
	assert_int_equal(migtd_ghci_qgs_get_quote_req_build(msg, sizeof(msg), rep, 1024, NULL, 0,
							    &mlen),
			 MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_req_build(buf, sizeof(buf), msg, mlen, &blen),
			 MIGTD_OK);
	memcpy(buf2, buf, blen);
	call = (struct migtd_quote_call){ .buf = buf, .len = blen, .cap = sizeof(buf) };
	call2 = (struct migtd_quote_call){ .buf = buf2, .len = blen, .cap = sizeof(buf2) };
	assert_int_equal(emu_platform_ops.quote_cancel(&plat, &call), MIGTD_ERR_STATE);
	assert_int_equal(emu_platform_ops.quote_start(&plat, &call), MIGTD_OK);
	assert_int_equal(emu_platform_ops.quote_cancel(&plat, &call), MIGTD_OK);
	assert_null(call.plat);
	assert_int_equal(emu_platform_ops.quote_poll(&plat, &call), MIGTD_ERR_STATE);
	memset(buf, 0xEE, sizeof(buf));
	/* The host answers both in order: the first answer is dropped. */
	assert_int_equal(emu_platform_ops.quote_start(&plat, &call2), MIGTD_OK);
	assert_int_equal(wait_quote(&call2), MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_status_class(migtd_wire_get_u64(buf2 + 8)), MIGTD_OK);
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != 0xEE)
			fail_msg("the cancelled call's buffer was written at %zu", i);
	for (size_t i = 0; i < EMU_PLATFORM_MAX_PENDING; i++)
		assert_false(plat.pending[i].used);
}

static void test_collateral(void **state)
{
	(void)state;
	static uint8_t buf[GHCI_GETQUOTE_MAX_BUF];
	uint8_t msg[128];
	size_t mlen = 0, blen = 0, qlen = 0;
	struct migtd_quote_call call = { 0 };
	struct ghci_getquote_hdr hdr;
	const uint8_t *rmsg;
	struct ghci_qgs_get_collateral_resp resp;

	assert_int_equal(migtd_ghci_qgs_get_collateral_req_build(msg, sizeof(msg),
								 host.pki.params.fmspc, "processor",
								 &mlen),
			 MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_req_build(buf, sizeof(buf), msg, mlen, &blen),
			 MIGTD_OK);
	call.buf = buf;
	call.len = sizeof(buf);
	call.cap = sizeof(buf);
	assert_int_equal(emu_platform_ops.quote_start(&plat, &call), MIGTD_OK);
	assert_int_equal(wait_quote(&call), MIGTD_OK);
	assert_int_equal(migtd_ghci_getquote_rsp_parse(buf, sizeof(buf), &hdr, &rmsg, &qlen),
			 MIGTD_OK);
	assert_int_equal(migtd_ghci_qgs_get_collateral_resp_parse(rmsg, qlen, &resp), MIGTD_OK);
	assert_non_null(strstr((const char *)resp.blob[GHCI_QGS_TCB_INFO].p, "\"tcbInfo\""));
	assert_int_equal(resp.blob[GHCI_QGS_TCB_INFO].p[resp.blob[GHCI_QGS_TCB_INFO].len - 1], 0);
	assert_non_null(strstr((const char *)resp.blob[GHCI_QGS_QE_IDENTITY].p, "TD_QE"));
}

/* An empty PCK chain has no issuer chain to cut from it: refused. */
static void test_collateral_empty_pck_chain(void **state)
{
	(void)state;
	struct emu_collateral c;
	char path[256], msg[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/pck_chain.pem", pki_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(emu_collateral_load(&c, pki_dir, msg, sizeof(msg)), MIGTD_ERR_INVALID);
}

static void test_service_roundtrip(void **state)
{
	(void)state;
	uint8_t cmd[64], rsp[4096];
	size_t clen = 0;
	struct migtd_service_call call = { 0 };
	struct ghci_query q;
	int ret;

	assert_int_equal(migtd_ghci_query_cmd_build(cmd, sizeof(cmd), &clen), MIGTD_OK);
	assert_int_equal(migtd_ghci_service_rsp_prefill(rsp, sizeof(rsp),
							&migtd_ghci_guid_service_common, 0),
			 MIGTD_OK);
	call.cmd = cmd;
	call.cmd_len = clen;
	call.rsp = rsp;
	call.rsp_cap = sizeof(rsp);
	assert_int_equal(emu_platform_ops.service_start(&plat, &call), MIGTD_OK);
	while ((ret = emu_platform_ops.service_poll(&plat, &call)) == MIGTD_ERR_AGAIN)
		usleep(1000);
	assert_int_equal(ret, MIGTD_OK);
	assert_int_equal(migtd_ghci_query_rsp_parse(rsp, sizeof(rsp), &q), MIGTD_OK);
	assert_int_equal(q.status, 0);
}

/* Frames the host cannot take: answered with an error, the link goes on. */
static void test_host_rejects_bad_requests(void **state)
{
	(void)state;
	uint8_t frame[EMU_LINK_HDR_LEN + 8], rd[64] = { 0 }, rep[1024];
	uint8_t in[512];
	size_t n = 0;
	struct emu_link_frame f;
	size_t used;

	/* Unknown op 0x55. */
	assert_int_equal(emu_link_header(frame, 0x55, 900, 0), MIGTD_OK);
	assert_int_equal(write(fds[0], frame, EMU_LINK_HDR_LEN), EMU_LINK_HDR_LEN);
	/* SYS_RD with a 3-byte payload. */
	assert_int_equal(emu_link_header(frame, EMU_LINK_SYS_RD, 901, 3), MIGTD_OK);
	assert_int_equal(write(fds[0], frame, EMU_LINK_HDR_LEN + 3), EMU_LINK_HDR_LEN + 3);
	for (int want = 0; want < 2;) {
		ssize_t r = read(fds[0], in + n, sizeof(in) - n);

		assert_true(r > 0);
		n += (size_t)r;
		while (emu_link_parse(in, n, &f, &used) == MIGTD_OK) {
			assert_int_equal(f.op, EMU_LINK_ERROR);
			assert_int_equal(f.seq, 900 + want);
			assert_true((int32_t)migtd_wire_get_u32(f.payload) ==
				    (want == 0 ? MIGTD_ERR_UNSUPPORTED_OP : MIGTD_ERR_LENGTH));
			memmove(in, in + used, n - used);
			n -= used;
			want++;
		}
	}
	/* The link still works. */
	assert_int_equal(emu_platform_ops.mr_report(&plat, rd, rep), MIGTD_OK);
	assert_false(conn.dead);
}

/* A GET_QUOTE buffer whose answer (8-byte status + buffer) would not fit a
 * frame is refused before it is copied; the link goes on. */
static void test_host_rejects_oversized_quote_buffer(void **state)
{
	(void)state;
	static uint8_t frame[EMU_LINK_FRAME_MAX];
	uint8_t in[512], rd[64] = { 0 }, rep[1024];
	size_t n = 0, used;
	struct emu_link_frame f;

	memset(frame, 0, sizeof(frame));
	assert_int_equal(emu_link_header(frame, EMU_LINK_GET_QUOTE, 950, EMU_LINK_MAX_PAYLOAD),
			 MIGTD_OK);
	assert_int_equal(write(fds[0], frame, sizeof(frame)), (ssize_t)sizeof(frame));
	for (;;) {
		ssize_t r = read(fds[0], in + n, sizeof(in) - n);

		assert_true(r > 0);
		n += (size_t)r;
		if (emu_link_parse(in, n, &f, &used) == MIGTD_OK)
			break;
	}
	assert_int_equal(f.op, EMU_LINK_ERROR);
	assert_int_equal(f.seq, 950);
	assert_true((int32_t)migtd_wire_get_u32(f.payload) == MIGTD_ERR_LENGTH);
	assert_int_equal(emu_platform_ops.mr_report(&plat, rd, rep), MIGTD_OK);
	assert_false(conn.dead);
}

/* An unsynchronisable stream (bad magic) is dropped with a clear reason. */
static void test_host_drops_garbage(void **state)
{
	(void)state;
	static const uint8_t junk[EMU_LINK_HDR_LEN] = "GET / HTTP/1.1\r\n";
	uint8_t rd[64] = { 0 }, rep[1024];

	assert_int_equal(write(fds[0], junk, sizeof(junk)), (ssize_t)sizeof(junk));
	for (int i = 0; i < 200 && !conn.dead; i++)
		usleep(5000);
	assert_true(conn.dead);
	assert_string_equal(conn.why, "bad frame header");
	/* The MigTD side sees the host's complaint / the closed link and fails cleanly. */
	close(fds[1]);
	assert_int_equal(emu_platform_ops.mr_report(&plat, rd, rep), MIGTD_ERR_NETWORK);
	assert_true(plat.broken);
	assert_int_equal(emu_platform_ops.sys_rd(&plat, TDX_FIELD_MIN_EXPORT_VERSION,
						 &(uint64_t){ 0 }),
			 MIGTD_ERR_NETWORK);
	fds[1] = -1;
}

/* The MigTD side refuses a malformed answer instead of trusting it, and
 * only the call it answers fails: the link and later calls keep working
 * (docs/vmm-failures.md). */
static void test_migtd_rejects_bad_answers(void **state)
{
	(void)state;
	uint8_t rd[64] = { 0 }, rep[1024], frame[EMU_LINK_HDR_LEN + 4];
	uint64_t v = 0;

	stop = 1; /* take the host's place on the socket */
	pthread_join(thread, NULL);
	assert_int_equal(emu_link_header(frame, EMU_LINK_MR_REPORT | EMU_LINK_RESPONSE, 1, 4),
			 MIGTD_OK);
	memset(frame + EMU_LINK_HDR_LEN, 0, 4);
	assert_int_equal(write(fds[1], frame, sizeof(frame)), (ssize_t)sizeof(frame));
	/* A 4-byte answer to a report request: that call fails, nothing more. */
	assert_int_equal(emu_platform_ops.mr_report(&plat, rd, rep), MIGTD_ERR_INVALID);
	assert_false(plat.broken);
	assert_int_equal(plat.malformed, 1);
	/* An answer to nothing we asked (seq 77) is dropped, not fatal. */
	assert_int_equal(emu_link_header(frame, EMU_LINK_SYS_RD | EMU_LINK_RESPONSE, 77, 4),
			 MIGTD_OK);
	assert_int_equal(write(fds[1], frame, sizeof(frame)), (ssize_t)sizeof(frame));
	stop = 0;
	pthread_create(&thread, NULL, host_thread, NULL);
	/* The host answers again: the next TDX-module call works. */
	assert_int_equal(emu_platform_ops.sys_rd(&plat, TDX_FIELD_MIN_EXPORT_VERSION, &v),
			 MIGTD_OK);
	assert_int_equal(emu_platform_ops.mr_report(&plat, rd, rep), MIGTD_OK);
	/* Dropped: seq 77, and the host's real (late) answer to seq 1. */
	assert_int_equal(plat.dropped, 2);
	assert_false(plat.broken);
}

/* A host that never answers a TDX-module call: that call fails after the
 * sync timeout, the late answer is dropped, the link stays. */
static void test_sync_call_timeout(void **state)
{
	(void)state;
	uint8_t rd[64] = { 0 }, rep[1024], buf[EMU_LINK_FRAME_MAX];
	uint64_t v = 0;
	ssize_t n;

	stop = 1; /* the host is stalled */
	pthread_join(thread, NULL);
	plat.sync_timeout_ms = 200;
	assert_int_equal(emu_platform_ops.mr_report(&plat, rd, rep), MIGTD_ERR_TIMEOUT);
	assert_false(plat.broken);
	/* The host wakes up and answers the stale request, then the next ones. */
	n = read(fds[1], buf, sizeof(buf));
	assert_true(n >= EMU_LINK_HDR_LEN);
	assert_int_equal(write(fds[1], buf, (size_t)n), n); /* echo: a bogus late "answer" */
	stop = 0;
	pthread_create(&thread, NULL, host_thread, NULL);
	assert_int_equal(emu_platform_ops.sys_rd(&plat, TDX_FIELD_MIN_EXPORT_VERSION, &v),
			 MIGTD_OK);
	assert_int_equal(plat.dropped, 1);
	assert_false(plat.broken);
}

/* A Service call the host never answers is cancelled: its slot is free
 * at once and a late answer is dropped. */
static void test_service_cancel(void **state)
{
	(void)state;
	uint8_t cmd[64], rsp[256];
	size_t len = 0;
	struct migtd_service_call call = { 0 };

	stop = 1;
	pthread_join(thread, NULL);
	assert_int_equal(migtd_ghci_query_cmd_build(cmd, sizeof(cmd), &len), MIGTD_OK);
	call = (struct migtd_service_call){
		.cmd = cmd, .cmd_len = len, .rsp = rsp, .rsp_cap = sizeof(rsp)
	};
	assert_int_equal(emu_platform_ops.service_start(&plat, &call), MIGTD_OK);
	assert_int_equal(emu_platform_ops.service_poll(&plat, &call), MIGTD_ERR_AGAIN);
	assert_int_equal(emu_platform_ops.service_cancel(&plat, &call), MIGTD_OK);
	assert_null(call.plat);
	for (size_t i = 0; i < EMU_PLATFORM_MAX_PENDING; i++)
		assert_false(plat.pending[i].used);
	memset(rsp, 0xEE, sizeof(rsp));
	stop = 0;
	pthread_create(&thread, NULL, host_thread, NULL);
	/* The host now answers the cancelled Query; a TDX call goes on working. */
	assert_int_equal(emu_platform_ops.sys_rd(&plat, TDX_FIELD_MIN_EXPORT_VERSION,
						 &(uint64_t){ 0 }),
			 MIGTD_OK);
	for (int i = 0; i < 100 && plat.dropped == 0; i++) {
		usleep(2000);
		(void)emu_platform_service_link(&plat);
	}
	assert_int_equal(plat.dropped, 1);
	for (size_t i = 0; i < sizeof(rsp); i++)
		assert_int_equal(rsp[i], 0xEE);
}

/* The host closes the link: the platform says it is lost, at once. */
static void test_link_lost(void **state)
{
	(void)state;
	const char *why = NULL;

	stop = 1;
	pthread_join(thread, NULL);
	close(fds[1]);
	fds[1] = -1;
	assert_int_equal(emu_platform_service_link(&plat), MIGTD_ERR_NETWORK);
	assert_true(emu_platform_link_lost(&plat, &why));
	assert_non_null(why);
	assert_non_null(strstr(why, "closed"));
	assert_int_equal(emu_platform_ops.sys_rd(&plat, TDX_FIELD_MIN_EXPORT_VERSION,
						 &(uint64_t){ 0 }),
			 MIGTD_ERR_NETWORK);
}

/* migtd's vmcall-raw log area mirrors every log line to the host over the
 * link (emu_platform_log_page). When the link goes, the "link lost" line
 * must not be mirrored over the dead link: that write would fail, log
 * again, and replace the reason (end of stream) with its own. */
static unsigned mirrored_lines;

static void mirror_sink(void *ctx, enum migtd_log_level level, uint64_t request_id, const char *msg,
			size_t len)
{
	static uint8_t page[4096];

	(void)ctx;
	(void)level;
	(void)request_id;
	(void)msg;
	(void)len;
	mirrored_lines++;
	(void)emu_platform_log_page(&plat, 0, page);
}

static void test_link_lost_log_mirrored(void **state)
{
	(void)state;
	struct migtd_log lg;
	const char *why = NULL;

	migtd_log_init(&lg, mirror_sink, NULL, MIGTD_LOG_INFO);
	plat.log = &lg;
	stop = 1;
	pthread_join(thread, NULL);
	close(fds[1]);
	fds[1] = -1;
	mirrored_lines = 0;
	assert_int_equal(emu_platform_service_link(&plat), MIGTD_ERR_NETWORK);
	assert_true(emu_platform_link_lost(&plat, &why));
	assert_non_null(why);
	assert_non_null(strstr(why, "end of stream"));
	assert_int_equal(mirrored_lines, 1); /* said once */
	plat.log = NULL;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_report_and_rtmr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_servtd_and_sys_rd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quote_through_ghci_and_qgs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quote_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collateral, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collateral_empty_pck_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_service_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_rejects_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_rejects_oversized_quote_buffer, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_host_drops_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migtd_rejects_bad_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_call_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_service_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_lost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_lost_log_mirrored, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
