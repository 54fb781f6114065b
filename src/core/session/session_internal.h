/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * session_internal.h -- what core.c (boot, request loop) and session.c (the
 * per-request state machine) share. Not a public header.
 */
#ifndef MIGTD_SESSION_INTERNAL_H
#define MIGTD_SESSION_INTERNAL_H

#include "migtd/session.h"
#include "migtd/tdreport.h"

static inline const struct migtd_log *core_log(const struct migtd_core *c)
{
	return migtd_plat_log(c->plat);
}

/* Now in seconds by the configured wall clock; cfg.verify_time without one. */
static inline int64_t core_wall_now(const struct migtd_core *c)
{
	return c->cfg.wall_clock ? c->cfg.wall_clock(c->cfg.wall_clock_ctx) : c->cfg.verify_time;
}

/* Start a session in slot s for a parsed request (state OPEN). */
void migtd_session_begin(struct migtd_core *c, struct migtd_session *s,
			 const struct migtd_migration_request *req, uint64_t now);

/* vmcall-raw: start a session in slot s that only reports status (and
 * data, at most MIGTD_RAW_REPORT_BUF - 12 bytes) for request id. */
void migtd_session_begin_report(struct migtd_core *c, struct migtd_session *s, uint64_t id,
				uint8_t status, const uint8_t *data, size_t len, uint64_t now);

/* The time this session wants to be polled again (0: only on I/O). */
uint64_t migtd_session_wakeup(const struct migtd_session *s, uint64_t now);

/* Drop a session without a report (fini): free TLS, close, wipe. */
void migtd_session_discard(struct migtd_session *s);

/* TDG.MR.REPORT over rd, then a GetQuote request for that TDREPORT prepared
 * in call/qbuf (c->cert_work is the scratch). NULL when ready, else why it
 * failed (status 7 for the caller, docs/protocol.md §2.6). */
const char *migtd_session_quote_request(struct migtd_core *c,
					const uint8_t rd[TDREPORT_REPORT_DATA_SIZE],
					struct migtd_quote_call *call, uint8_t *qbuf, size_t cap);

/* Log text line by line, each line as "prefix: line" (empty lines left out). */
void migtd_core_log_lines(const struct migtd_core *c, enum migtd_log_level level,
			  uint64_t request_id, const char *prefix, const char *text);

/* Log c->pv2_explain, rendered, line by line ("policy v2: ..."). */
void migtd_core_log_pv2(const struct migtd_core *c, uint64_t request_id,
			enum migtd_log_level level);

/* Collateral that failed its own checks is dropped so the next
 * verification fetches it anew. */
void migtd_session_drop_bad_collateral(struct migtd_core *c,
				       const struct migtd_quote_verify_result *r);

/* ---- own_quote.c: our own quote verified once (cfg.own_quote_once) ---- */

/* The boot check (core state MIGTD_CORE_OWN_QUOTE): true when it is over. */
bool migtd_own_quote_boot_step(struct migtd_core *c, uint64_t now);

/* If quote is the kept own quote but for REPORTDATA and its signature, and
 * the collateral it was judged with still stands at now_s: its verified
 * report with quote's REPORTDATA into report, true. Else false. */
bool migtd_own_quote_reuse(struct migtd_core *c, const uint8_t *quote, size_t len, int64_t now_s,
			   uint8_t report[MIGTD_VERIFIED_REPORT_SIZE]);

/* An own quote verified in full (r: its verification result): keep it. */
void migtd_own_quote_remember(struct migtd_core *c, const uint8_t *quote, size_t len,
			      const uint8_t report[MIGTD_VERIFIED_REPORT_SIZE],
			      const struct migtd_quote_verify_result *r);

#endif /* MIGTD_SESSION_INTERNAL_H */
