/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * ratls_pair.c -- see ratls_pair.h.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu_pki.h"
#include "emu_tdx.h"
#include "hostio.h"
#include "migtd/tdreport.h"
#include "ratls_pair.h"

static void default_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void default_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ratls_pair: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

void (*rp_fail)(const char *fmt, ...) = default_fail;

const char rp_self_policy[] =
	"{\"id\":\"11111111-2222-3333-4444-555555555555\",\"policy\":["
	"{\"fmspc\":\"self\",\"Platform\":{\"TcbInfo\":{\"pcesvn\":"
	"{\"operation\":\"greater-or-equal\",\"reference\":0}}}},"
	"{\"MigTD\":{\"TDINFO\":{\"MRTD\":{\"operation\":\"equal\",\"reference\":\"self\"}}}}]}";

/* ---- in-memory pipes -------------------------------------------------------------- */

static void pipe_init(struct rp_pipe *p)
{
	p->len = p->total = 0;
	p->corrupt_at = SIZE_MAX;
	p->closed = false;
}

void rp_link_init(struct rp_link *l)
{
	pipe_init(&l->c2s);
	pipe_init(&l->s2c);
	l->ce = (struct rp_end){ &l->c2s, &l->s2c };
	l->se = (struct rp_end){ &l->s2c, &l->c2s };
}

long rp_pipe_send(void *end, const uint8_t *buf, size_t len)
{
	struct rp_pipe *p = ((struct rp_end *)end)->tx;
	size_t room = sizeof(p->buf) - p->len;

	if (room == 0)
		return MIGTD_ERR_AGAIN;
	if (len > room)
		len = room;
	memcpy(p->buf + p->len, buf, len);
	if (p->corrupt_at >= p->total && p->corrupt_at - p->total < len)
		p->buf[p->len + (p->corrupt_at - p->total)] ^= 0x5A;
	p->len += len;
	p->total += len;
	return (long)len;
}

long rp_pipe_recv(void *end, uint8_t *buf, size_t len)
{
	struct rp_pipe *p = ((struct rp_end *)end)->rx;

	if (p->len == 0)
		return p->closed ? 0 : MIGTD_ERR_AGAIN;
	if (len > p->len)
		len = p->len;
	memcpy(buf, p->buf, len);
	memmove(p->buf, p->buf + len, p->len - len);
	p->len -= len;
	return (long)len;
}

void rp_run_handshake(struct rp_link *l, struct ratls_session *c, struct ratls_session *s, int *rc,
		      int *rs)
{
	*rc = *rs = MIGTD_ERR_AGAIN;
	for (int i = 0; i < 200; i++) {
		size_t before = l->c2s.total + l->s2c.total;

		if (*rc == MIGTD_ERR_AGAIN)
			*rc = migtd_ratls_handshake_step(c);
		if (*rs == MIGTD_ERR_AGAIN)
			*rs = migtd_ratls_handshake_step(s);
		if (*rc != MIGTD_ERR_AGAIN && *rs != MIGTD_ERR_AGAIN)
			return;
		if (l->c2s.total + l->s2c.total == before && l->c2s.len == 0 && l->s2c.len == 0)
			return;
	}
}

/* ---- one MigTD on one emulated platform -------------------------------------------- */

int rp_platform_init(const char *dir, const char *root_dir, uint8_t ppid0, uint8_t **root,
		     size_t *root_len, char *msg, size_t msg_cap)
{
	struct emu_platform_params prm;
	char path[1024];

	emu_platform_params_default(&prm);
	prm.ppid[0] = ppid0;
	if (emu_pki_init(dir, root_dir, &prm, 1, msg, msg_cap) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/root_ca.der", dir);
	if (hostio_read_file(path, HOSTIO_READ_MAX, root, root_len) != 0) {
		snprintf(msg, msg_cap, "cannot read %s", path);
		return -1;
	}
	return 0;
}

int rp_cb_verify_quote(void *ctx, const uint8_t *quote, size_t len,
		       uint8_t report[MIGTD_VERIFIED_REPORT_SIZE])
{
	struct rp_node *n = ctx;
	bool own = n->verify_calls == 0; /* the verifier checks our own quote first */
	struct migtd_quote_verify_params p = {
		.root_ca = own ? n->root : n->peer_root,
		.root_ca_len = own ? n->root_len : n->peer_root_len,
		.now = (int64_t)time(NULL),
		.collateral = NULL,
	};

	n->verify_calls++;
	memset(&n->qres, 0, sizeof(n->qres));
	n->last_verify = migtd_quote_verify(quote, len, &p, &n->qres, report);
	n->failed_step = n->qres.failed_step;
	return n->last_verify;
}

int rp_cb_eval_policy(void *ctx, bool is_src, const uint8_t local[MIGTD_VERIFIED_REPORT_SIZE],
		      const uint8_t peer[MIGTD_VERIFIED_REPORT_SIZE], const uint8_t *evlog,
		      size_t evlog_len)
{
	struct rp_node *n = ctx;
	struct eventlog_parsed peer_log;
	struct policy_input in;
	enum policy_result r;

	n->policy_calls++;
	memcpy(n->peer_report, peer, MIGTD_VERIFIED_REPORT_SIZE);
	if (migtd_eventlog_verify_rtmrs(evlog, evlog_len, peer + RP_REPORT_RTMR_OFFSET) !=
		    MIGTD_OK ||
	    migtd_eventlog_parse(evlog, evlog_len, &peer_log) != MIGTD_OK) {
		n->policy_ret = MIGTD_ERR_POLICY; /* InvalidEventLog */
		return n->policy_ret;
	}
	in = (struct policy_input){ local,         MIGTD_VERIFIED_REPORT_SIZE,
				    peer,          MIGTD_VERIFIED_REPORT_SIZE,
				    &n->local_log, &peer_log,
				    is_src };
	r = migtd_policy_eval(n->policy, &in, NULL);
	n->policy_ret = r == POLICY_OK ? MIGTD_OK : migtd_policy_result_err(r);
	return n->policy_ret;
}

static void extend(struct rp_node *n, bool measure, unsigned rtmr, const uint8_t d[48])
{
	if (measure && emu_tdx_rtmr_extend(&n->h.tdx, rtmr, d) != TDX_SUCCESS)
		rp_fail("emu_tdx_rtmr_extend RTMR%u", rtmr);
}

size_t rp_node_build_log(struct rp_node *n, uint8_t *buf, size_t cap, const char *policy_text,
			 bool measure)
{
	static const uint8_t sep[4];
	size_t plen = strlen(policy_text), len;
	struct eventlog_builder b;
	const uint8_t *log;
	uint8_t d[48];
	int ret;

	ret = migtd_eventlog_builder_init(&b, buf, cap);
	if (ret)
		rp_fail("migtd_eventlog_builder_init: %d", ret);
	for (unsigned r = 0; r < 2; r++) {
		ret = migtd_eventlog_builder_add_measured(&b, r + 1, EVENTLOG_EV_SEPARATOR, sep, 4,
							  sep, 4, d);
		if (ret)
			rp_fail("eventlog separator %u: %d", r, ret);
		extend(n, measure, r, d);
	}
	ret = migtd_eventlog_builder_add_tagged(&b, 3, EVENTLOG_TAG_POLICY, policy_text, plen,
						policy_text, plen, d);
	if (ret)
		rp_fail("eventlog policy: %d", ret);
	extend(n, measure, 2, d);
	ret = migtd_eventlog_builder_add_tagged(&b, 3, EVENTLOG_TAG_ROOT_CA, n->root, n->root_len,
						n->root, n->root_len, d);
	if (ret)
		rp_fail("eventlog root CA: %d", ret);
	extend(n, measure, 2, d);
	ret = migtd_eventlog_builder_finish(&b, 0xFF, &log, &len);
	if (ret || log != buf)
		rp_fail("migtd_eventlog_builder_finish: %d", ret);
	return len;
}

void rp_node_boot(struct rp_node *n, const char *pki_dir, const uint8_t mrtd[48],
		  const uint8_t *root, size_t root_len, const char *policy_text,
		  const struct policy *pol)
{
	char msg[256];
	int ret;

	if (emu_host_platform_load(&n->h, pki_dir, msg, sizeof(msg)) != 0)
		rp_fail("emu_host_platform_load %s: %s", pki_dir, msg);
	emu_tdx_launch_servtd(&n->h.tdx, mrtd);
	n->root = n->peer_root = root;
	n->root_len = n->peer_root_len = root_len;
	n->policy = pol;
	n->evlog_len = rp_node_build_log(n, n->evlog, sizeof(n->evlog), policy_text, true);
	ret = migtd_eventlog_parse(n->evlog, n->evlog_len, &n->local_log);
	if (ret)
		rp_fail("migtd_eventlog_parse (own log): %d", ret);
}

void rp_node_free(struct rp_node *n)
{
	migtd_ratls_session_free(&n->tls);
	emu_host_platform_free(&n->h);
}

void rp_node_session(struct rp_node *n, enum ratls_role role, uint8_t rd[64])
{
	struct ratls_callbacks cb = { rp_cb_verify_quote, rp_cb_eval_policy, n };
	int ret;

	/* a new session: the callbacks start again with the node's own quote */
	n->verify_calls = n->policy_calls = 0;
	n->last_verify = n->policy_ret = 0;
	n->failed_step = MIGTD_QSTEP_PARSE;
	ret = migtd_ratls_session_init(&n->tls, role, &cb);

	if (!ret)
		ret = migtd_ratls_session_report_data(&n->tls, rd);
	if (ret)
		rp_fail("migtd_ratls_session_init/report_data: %d", ret);
}

void rp_node_quote(struct rp_node *n, const uint8_t rd[64])
{
	uint8_t tdreport[TDREPORT_STRUCT_SIZE], body[MIGTD_QUOTE_TD10_BODY_SIZE];
	struct tdreport_struct rep;
	int ret;

	if (emu_tdx_mr_report(&n->h.tdx, rd, tdreport) != TDX_SUCCESS)
		rp_fail("emu_tdx_mr_report");
	ret = emu_tdx_verify_report(&n->h.tdx, tdreport);
	if (ret)
		rp_fail("emu_tdx_verify_report: %d", ret);
	ret = migtd_tdreport_parse(tdreport, sizeof(tdreport), &rep);
	if (ret)
		rp_fail("migtd_tdreport_parse: %d", ret);
	emu_tdx_report_to_quote_body(&rep, body);
	ret = emu_quote_build(&n->h.pki, body, n->quote, sizeof(n->quote), &n->quote_len);
	if (ret)
		rp_fail("emu_quote_build: %d", ret);
}

void rp_node_start(struct rp_node *n, const uint8_t *log, size_t log_len, struct rp_end *end,
		   uint8_t *work, size_t work_cap)
{
	struct ratls_io io = { rp_pipe_send, rp_pipe_recv, end };
	int ret = migtd_ratls_session_start(&n->tls, n->quote, n->quote_len, log, log_len, 0, &io,
					    work, work_cap);

	if (ret)
		rp_fail("migtd_ratls_session_start: %d", ret);
}

int rp_remove_dir(const char *dir)
{
	char cmd[1100];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}
