/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * bench_vmcall_raw -- what the vmcall-raw profile costs the MigTD itself
 * (docs/vmcall-raw.md), with a VMM that answers every call at once in-process:
 * one request's round trip through the core (WaitForRequest completion ->
 * ReportStatus acknowledged) for GetTDReport, EnableLogArea and a refused
 * request; bytes through the raw stream (Send chunk + Receive); one log ring
 * line. TDG.MR.REPORT is a memcpy here (the TDX module's own cost is not
 * the MigTD's). Prints the median per operation.
 *
 *   build/host/bench/bench_vmcall_raw [--quick]   (--quick: one short round, for callgrind)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "hostio.h"
#include "migtd/ghci.h"
#include "migtd/logarea.h"
#include "migtd/rawstream.h"
#include "migtd/session.h"
#include "migtd/wire.h"

static int ROUNDS = 9, SCALE = 1;

static struct migtd_raw_call *posted[8];
static unsigned nposted;

static int f_mr_report(void *ctx, const uint8_t rd[64], uint8_t rep[1024])
{
	(void)ctx;
	memset(rep, 0x11, 1024);
	memcpy(rep + 128, rd, 64);
	return MIGTD_OK;
}

static int f_rtmr(void *ctx, unsigned idx, const uint8_t d[48])
{
	(void)ctx, (void)idx, (void)d;
	return MIGTD_OK;
}

static int f_start(void *ctx, struct migtd_raw_call *c)
{
	(void)ctx;
	c->plat = c; /* in flight */
	if (nposted < 8)
		posted[nposted++] = c;
	return MIGTD_OK;
}

static int f_poll(void *ctx, struct migtd_raw_call *c)
{
	(void)ctx;
	return c->plat ? MIGTD_ERR_AGAIN : MIGTD_OK;
}

static int f_cancel(void *ctx, struct migtd_raw_call *c)
{
	(void)ctx;
	c->plat = NULL;
	return MIGTD_OK;
}

static uint64_t f_now(void *ctx)
{
	(void)ctx;
	return 0;
}

static const struct migtd_platform_ops ops = {
	.mr_report = f_mr_report,
	.mr_rtmr_extend = f_rtmr,
	.now_ms = f_now,
	.raw_start = f_start,
	.raw_poll = f_poll,
	.raw_cancel = f_cancel,
};

/* The VMM: answer what is posted. A WaitForRequest gets req (if any, else it
 * stays posted); every other call is "done". */
static void vmm(const uint8_t *req, size_t n, uint8_t op)
{
	unsigned keep = 0;

	for (unsigned i = 0; i < nposted; i++) {
		struct migtd_raw_call *c = posted[i];
		size_t out;

		if (!c->plat)
			continue;
		if (c->leaf == GHCI_RAW_LEAF_WAIT_FOR_REQUEST) {
			if (!req) {
				posted[keep++] = c;
				continue;
			}
			migtd_ghci_raw_build(c->buf, c->cap, GHCI_RAW_DATA_STATUS(1, op), req, n,
					     &out);
		} else {
			c->buf[0] = GHCI_RAW_STATUS_VMM_SUCCESS;
		}
		c->plat = NULL;
	}
	nposted = keep;
}

static struct migtd_core core;
static struct migtd_platform plat;
static uint8_t req[16];
static size_t req_len;
static uint8_t req_op;

static int log_enable(void *ctx, uint8_t level, uint8_t *out, size_t cap, size_t *len)
{
	const uint64_t gpa = 0x1000;

	(void)ctx, (void)level;
	return migtd_logarea_desc_build(out, cap, &gpa, 1, len);
}

static void one_request(void)
{
	uint64_t wake;

	/* WaitForRequest answered -> report sent -> acknowledged -> next WFR */
	vmm(req, req_len, req_op);
	migtd_core_poll(&core, &wake);
	vmm(NULL, 0, 0);
	migtd_core_poll(&core, &wake);
}

static struct migtd_rawstreams rs;
static struct migtd_rawstream rs_slot[1];
static uint32_t h;
static uint8_t chunk[MIGTD_RAWSTREAM_TX_CHUNK];

static void one_chunk(void)
{
	struct migtd_raw_call *rx;
	size_t sent = 0, got = 0, n = 0;

	migtd_rawstream_ops.send(&rs, h, chunk, sizeof(chunk), &sent);
	vmm(NULL, 0, 0);                                              /* Send done */
	migtd_rawstream_ops.recv(&rs, h, chunk, sizeof(chunk), &got); /* posts */
	rx = posted[0];
	migtd_ghci_raw_build(rx->buf, rx->cap, GHCI_RAW_DATA_STATUS(1, 0), chunk, sizeof(chunk),
			     &n);
	rx->plat = NULL;
	nposted = 0;
	for (size_t off = 0; off < sizeof(chunk); off += got)
		migtd_rawstream_ops.recv(&rs, h, chunk, sizeof(chunk), &got);
}

static struct migtd_logarea_ring ring;

static void one_line(void)
{
	static const char line[] = "[req 1000] handshake done: peer verified (quote and RA-TLS "
				   "certificate), policy: Ok";

	migtd_logarea_ring_append(&ring, 1000, 3, line, sizeof(line) - 1);
}

static void report(const char *what, double s, const char *unit, double per)
{
	printf("%-44s median %8.2f us  %s\n", what, s * 1e6, unit);
	(void)per;
}

int main(int argc, char **argv)
{
	struct migtd_config cfg = { 0 };
	struct migtd_stream_params prm = { .mig_request_id = 1 };
	uint8_t *policy, *root;
	size_t pl, rl;
	uint64_t wake;
	double t;
	char unit[64];

	if (argc > 1 && !strcmp(argv[1], "--quick")) {
		ROUNDS = 1;
		SCALE = 100;
	}
	policy = bench_slurp("bench_vmcall_raw", "config/policy.json", &pl);
	root = bench_slurp("bench_vmcall_raw",
			   "config/Intel_SGX_Provisioning_Certification_RootCA.cer", &rl);
	plat.ops = &ops;
	cfg.policy = policy;
	cfg.policy_len = pl;
	cfg.root_ca = root;
	cfg.root_ca_len = rl;
	cfg.profile = MIGTD_PROFILE_VMCALL_RAW;
	cfg.log_area.enable = log_enable;
	if (migtd_core_init(&core, &plat, &cfg) || migtd_core_poll(&core, &wake)) {
		fprintf(stderr, "bench_vmcall_raw: the core does not boot\n");
		return 1;
	}
	/* GetTDReport, 72-byte form */
	memset(req, 0, sizeof(req));
	migtd_wire_put_u64(req, 5);
	req_len = 8;
	req_op = GHCI_RAW_OP_GET_TDREPORT;
	one_request();
	if (core.requests_aux != 1 || nposted != 1 ||
	    posted[0]->leaf != GHCI_RAW_LEAF_WAIT_FOR_REQUEST) {
		fprintf(stderr, "bench_vmcall_raw: the round trip is not one request\n");
		return 1;
	}
	t = bench_median_of(one_request, ROUNDS, 2000 / SCALE);
	report("GetTDReport (WFR -> ReportStatus acked)", t, "per request", t);
	req_len = 16;
	req[8] = 3;
	req_op = GHCI_RAW_OP_ENABLE_LOG_AREA;
	t = bench_median_of(one_request, ROUNDS, 2000 / SCALE);
	report("EnableLogArea", t, "per request", t);
	req_len = 8;
	req_op = 9;
	t = bench_median_of(one_request, ROUNDS, 2000 / SCALE);
	report("unknown operation -> 12", t, "per request", t);
	migtd_core_fini(&core);

	migtd_rawstreams_init(&rs, &plat, rs_slot, 1);
	migtd_rawstream_ops.open(&rs, &prm, &h);
	t = bench_median_of(one_chunk, ROUNDS, 500 / SCALE);
	snprintf(unit, sizeof(unit), "per %zu-byte chunk (Send + Receive), %.0f MB/s",
		 sizeof(chunk), (double)sizeof(chunk) / t / 1e6);
	report("raw stream", t, unit, t);
	migtd_rawstream_ops.close(&rs, h);

	migtd_logarea_ring_init(&ring, 0);
	t = bench_median_of(one_line, ROUNDS, 20000 / SCALE);
	report("log ring line (84 bytes)", t, "per line", t);
	free(policy);
	free(root);
	return 0;
}
