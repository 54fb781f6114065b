/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * ratls_pair.h -- two RA-TLS sessions in one process (shared by
 * tests/unit/test_ratls.c, tests/unit/test_ratls_emu.c and bench/bench_ratls.c):
 * in-memory pipes between a client and a server, the loop that steps both
 * handshakes, and an emulated "node" -- one MigTD on one emulated platform
 * (emu_pki/emu_tdx/emu_quote) with a measured boot event log, whose RA-TLS
 * callbacks are the real ones (migtd_quote_verify, event-log replay,
 * migtd_policy_eval), as the session core's static callbacks do.
 *
 * Not a framework: no cmocka in here. A harness failure goes to rp_fail,
 * which the caller sets (the tests: tu_fail; the benchmark: print and exit).
 */
#ifndef MIGTD_TEST_RATLS_PAIR_H
#define MIGTD_TEST_RATLS_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_host.h"
#include "emu_quote.h"
#include "migtd/eventlog.h"
#include "migtd/policy.h"
#include "migtd/quote.h"
#include "migtd/ratls.h"

/* Never returns. Default: print to stderr and abort(). */
extern void (*rp_fail)(const char *fmt, ...);

/* ---- in-memory pipes -------------------------------------------------------------- */

struct rp_pipe {
	uint8_t buf[1 << 17];
	size_t len;
	size_t total;      /* bytes ever written */
	size_t corrupt_at; /* flip this stream offset (SIZE_MAX: never) */
	bool closed;       /* once drained, reads see end of stream */
};

/* One side's view: what it sends to, what it receives from (ratls_io ctx). */
struct rp_end {
	struct rp_pipe *tx, *rx;
};

/* Both directions between a client and a server, and each side's end. */
struct rp_link {
	struct rp_pipe c2s, s2c;
	struct rp_end ce, se;
};

/* Empty both pipes (nothing to corrupt, not closed) and wire the ends. */
void rp_link_init(struct rp_link *l);

/* ratls_io send/recv over a struct rp_end. */
long rp_pipe_send(void *end, const uint8_t *buf, size_t len);
long rp_pipe_recv(void *end, uint8_t *buf, size_t len);

/*
 * Step both sides (client first) until both finished or nothing moves any
 * more. On a stall a side still reports MIGTD_ERR_AGAIN (it would run into
 * the session's timeout): callers check what they expect.
 */
void rp_run_handshake(struct rp_link *l, struct ratls_session *c, struct ratls_session *s, int *rc,
		      int *rs);

/* ---- one MigTD on one emulated platform -------------------------------------------- */

/* RTMR0..3 in the verified report (§8.5). */
#define RP_REPORT_RTMR_OFFSET 328

/* A policy accepting the same platform model (FMSPC self) and MigTD image (MRTD self). */
extern const char rp_self_policy[];

struct rp_node {
	struct emu_host_platform h;
	const uint8_t *root; /* enrolled root CA (not owned) */
	size_t root_len;
	const uint8_t *peer_root; /* root for the peer's quote (normally == root) */
	size_t peer_root_len;
	const struct policy *policy; /* what cb_eval_policy evaluates */
	uint8_t evlog[8192];         /* measured at "boot", with trailing byte */
	size_t evlog_len;
	struct eventlog_parsed local_log;
	uint8_t quote[EMU_QUOTE_MAX];
	size_t quote_len;
	struct ratls_session tls;
	/* what the callbacks saw */
	int verify_calls, policy_calls;
	int last_verify;
	enum migtd_quote_step failed_step;
	int policy_ret;
	uint8_t peer_report[MIGTD_VERIFIED_REPORT_SIZE];
	struct migtd_quote_verify_result qres;
};

/*
 * An emulated platform in dir (emu_pki_init with the default parameters but
 * ppid[0]; under root_dir's root CA if not NULL), and its root_ca.der into
 * *root (malloc'd). Returns 0 or -1 with a message in msg.
 */
int rp_platform_init(const char *dir, const char *root_dir, uint8_t ppid0, uint8_t **root,
		     size_t *root_len, char *msg, size_t msg_cap);

/*
 * Boot a node: load the platform in pki_dir, launch the MigTD with mrtd,
 * enroll root (also used for the peer), measure the boot event log of policy
 * text into the RTMRs. The callbacks evaluate pol.
 */
void rp_node_boot(struct rp_node *n, const char *pki_dir, const uint8_t mrtd[48],
		  const uint8_t *root, size_t root_len, const char *policy_text,
		  const struct policy *pol);
/* Free the platform (and the session). */
void rp_node_free(struct rp_node *n);

/* Build a boot event log like the core does (§9.4) into buf; extend the
 * RTMRs only if measure. Returns its length. */
size_t rp_node_build_log(struct rp_node *n, uint8_t *buf, size_t cap, const char *policy_text,
			 bool measure);

/* The node's RA-TLS callbacks (ctx: the struct rp_node). */
int rp_cb_verify_quote(void *ctx, const uint8_t *quote, size_t len,
		       uint8_t report[MIGTD_VERIFIED_REPORT_SIZE]);
int rp_cb_eval_policy(void *ctx, bool is_src, const uint8_t local[MIGTD_VERIFIED_REPORT_SIZE],
		      const uint8_t peer[MIGTD_VERIFIED_REPORT_SIZE], const uint8_t *evlog,
		      size_t evlog_len);

/* migtd_ratls_session_init with the node's callbacks (their counters reset);
 * rd: the REPORTDATA to quote. */
void rp_node_session(struct rp_node *n, enum ratls_role role, uint8_t rd[64]);
/* TDG.MR.REPORT for rd, then the QGS's quote into n->quote: a real GetQuote. */
void rp_node_quote(struct rp_node *n, const uint8_t rd[64]);
/* migtd_ratls_session_start with n->quote, log, and the pipes of end. */
void rp_node_start(struct rp_node *n, const uint8_t *log, size_t log_len, struct rp_end *end,
		   uint8_t *work, size_t work_cap);

/* rm -rf dir. Returns 0 or -1. */
int rp_remove_dir(const char *dir);

#endif
