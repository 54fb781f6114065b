/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * session.c -- one pre-migration request as an explicit state machine
 * (docs/protocol.md §1.3, §1.5, §2.6, §5, §6).
 *
 *   OPEN [-> PRESESSION (policy v2)] -> READ_TD -> QUOTE_START -> QUOTE_WAIT
 *        [-> QUOTE_BACKOFF -> QUOTE_START]
 *        -> TLS_START -> HANDSHAKE -> SEND_INFO -> RECV_INFO -> CLOSE -> COMMIT
 *        -> REPORT -> REPORT_WAIT -> FREE
 *   any failure -> ABORT (flush our alert, free TLS, close the stream, wipe)
 *        -> REPORT(code) -> REPORT_WAIT -> FREE
 *
 * migtd_session_step() never blocks: a state either finishes its work (returns
 * true, the caller steps again) or waits for I/O, a platform completion or
 * a timer (returns false). The first error wins and decides the status
 * reported to the VMM (migtd_err_status, with the §1.5 rules applied where
 * the error arises). Nothing is written to the TDX module before COMMIT,
 * and the keys (ours and the peer's) are wiped on every way out.
 */
#include <stddef.h>
#include <string.h>

#include <mbedtls/platform.h>
#include <mbedtls/platform_util.h>

#include "migtd/fmt.h"
#include "migtd/log.h"
#include "migtd/tdreport.h"
#include "session_internal.h"

#define SLOG(s) core_log((s)->core)
#define PLAT(s) ((s)->core->plat)

const char *migtd_session_state_name(enum migtd_session_state st)
{
	switch (st) {
	case MIGTD_SS_FREE: return "free";
	case MIGTD_SS_OPEN: return "open";
	case MIGTD_SS_PRESESSION: return "pre-session";
	case MIGTD_SS_READ_TD: return "read-td";
	case MIGTD_SS_QUOTE_START: return "quote";
	case MIGTD_SS_QUOTE_WAIT: return "quote-wait";
	case MIGTD_SS_QUOTE_BACKOFF: return "quote-backoff";
	case MIGTD_SS_TLS_START: return "tls-start";
	case MIGTD_SS_HANDSHAKE: return "handshake";
	case MIGTD_SS_SEND_INFO: return "send-info";
	case MIGTD_SS_RECV_INFO: return "recv-info";
	case MIGTD_SS_CLOSE: return "close";
	case MIGTD_SS_COMMIT: return "commit";
	case MIGTD_SS_ABORT: return "abort";
	case MIGTD_SS_REPORT: return "report";
	case MIGTD_SS_REPORT_WAIT: return "report-wait";
	}
	return "?";
}

/* The one wipe of a session's secrets: the whole struct, by its size. */
static void wipe_secrets(struct migtd_session *s)
{
	mbedtls_platform_zeroize(&s->sec, sizeof(s->sec));
}

static void set_step(struct migtd_session *s, enum migtd_session_state st, uint64_t now, bool timed)
{
	s->state = st;
	s->step_start_ms = now;
	s->deadline_ms = timed ? now + s->core->cfg.timeout_ms : 0;
}

/* First error wins; the session then aborts. Always returns true (progress). */
static bool fail(struct migtd_session *s, int err, const char *reason, uint64_t now)
{
	if (s->err == MIGTD_OK) {
		s->err = err;
		s->reason = reason;
	}
	MIGTD_ERROR(SLOG(s), s->request_id, "%s failed: %s (%s) -> status %u (%s)",
		    migtd_session_state_name(s->state), reason, migtd_err_str(err),
		    (unsigned)migtd_err_status(err), migtd_status_name((int)migtd_err_status(err)));
	set_step(s, MIGTD_SS_ABORT, now, true);
	return true;
}

static bool timed_out(const struct migtd_session *s, uint64_t now)
{
	return s->deadline_ms != 0 && now >= s->deadline_ms;
}

/* ---- RA-TLS callbacks --------------------------------------------------------- */

/* The collateral provider for migtd_quote_verify (collateral_cache.h). */
static int cb_collateral(void *ctx, const uint8_t fmspc[6], enum migtd_pck_ca ca,
			 const struct migtd_quote_collateral **out)
{
	struct migtd_session *s = ctx;

	return migtd_coll_provide(&s->core->coll, PLAT(s), SLOG(s), s->request_id, &s->coll_ticket,
				  fmspc, ca, s->wall_time, out);
}

void migtd_session_drop_bad_collateral(struct migtd_core *c,
				       const struct migtd_quote_verify_result *r)
{
	switch (r->failed_step) {
	case MIGTD_QSTEP_COLLATERAL:
	case MIGTD_QSTEP_TCB_INFO:
	case MIGTD_QSTEP_QE_IDENTITY:
		if (r->state[MIGTD_QSTEP_PCK_EXT] == MIGTD_QSTEP_PASS)
			migtd_coll_invalidate(&c->coll, r->pck.fmspc, r->pck_ca);
		break;
	default: break;
	}
}

static int cb_verify_quote(void *ctx, const uint8_t *quote, size_t quote_len,
			   uint8_t report[MIGTD_VERIFIED_REPORT_SIZE])
{
	struct migtd_session *s = ctx;
	struct migtd_core *c = s->core;
	/* As upstream's library: collateral for the quote's platform through
	 * GET_COLLATERAL (cached), evaluated at the collateral's own time. */
	struct migtd_quote_verify_params params = {
		.root_ca = c->cfg.root_ca,
		.root_ca_len = c->cfg.root_ca_len,
		.now = c->cfg.verify_time,
		.time_mode = MIGTD_QTIME_COLLATERAL,
		.provider = cb_collateral,
		.provider_ctx = s,
		.sig_cache = &c->sig_cache,
	};
	/* migtd_ratls_verify_peer_cert verifies our own quote first, then the peer's. */
	bool own = s->quote_verifications % 2 == 0;
	const char *whose = own ? "own" : "peer";
	unsigned long misses = c->sig_cache.misses;
	int ret;

	/* Our own quote, as verified at boot but for REPORTDATA (own_quote.c);
	 * the peer's is always verified in full. */
	if (own && migtd_own_quote_reuse(c, quote, quote_len, s->wall_time, report)) {
		s->quote_verifications++;
		MIGTD_INFO(SLOG(s), s->request_id,
			   "own quote (%zu bytes): same platform evidence as verified at boot, "
			   "result reused",
			   quote_len);
		return MIGTD_OK;
	}
	memset(&c->qres, 0, sizeof(c->qres));
	ret = migtd_quote_verify(quote, quote_len, &params, &c->qres, report);
	if (ret == MIGTD_ERR_AGAIN) {
		/* Collateral on its way: the same quote is verified again later
		 * (and so is our own, which comes first). */
		s->quote_verifications = 0;
		return ret;
	}
	s->quote_verifications++;
	if (ret != MIGTD_OK) {
		enum migtd_quote_step st = c->qres.failed_step;
		const char *why = st < MIGTD_QSTEP_COUNT && c->qres.reason[st] ? c->qres.reason[st]
									       : migtd_err_str(ret);

		MIGTD_ERROR(SLOG(s), s->request_id, "%s quote verification failed at step %s: %s",
			    whose, st < MIGTD_QSTEP_COUNT ? migtd_quote_step_name(st) : "?", why);
		migtd_session_drop_bad_collateral(c, &c->qres);
		return ret;
	}
	if (own) {
		migtd_own_quote_remember(c, quote, quote_len, report, &c->qres);
	} else if (quote_len <= sizeof(c->last_peer_quote)) {
		memcpy(c->last_peer_quote, quote, quote_len);
		c->last_peer_quote_len = quote_len;
		memcpy(c->last_peer_report, report, MIGTD_VERIFIED_REPORT_SIZE);
		c->last_peer_request = s->request_id;
		c->peer_quotes_verified++;
	}
	MIGTD_INFO(
		SLOG(s), s->request_id,
		"%s quote verified (%zu bytes): TCB %s, QE %s, %lu certificate/CRL/collateral/QE "
		"signature verification(s) not in the memo",
		whose, quote_len, c->qres.tcb_status[0] ? c->qres.tcb_status : "-",
		c->qres.qe_tcb_status[0] ? c->qres.qe_tcb_status : "-",
		c->sig_cache.misses - misses);
	return MIGTD_OK;
}

/* Log a rendered policy explanation line by line. */
static void log_explanation(struct migtd_session *s, enum migtd_log_level level)
{
	struct migtd_core *c = s->core;

	migtd_policy_explain_render(&c->explain, c->text, sizeof(c->text));
	migtd_core_log_lines(c, level, s->request_id, "policy", c->text);
}

static int cb_eval_policy(void *ctx, bool is_src,
			  const uint8_t local_report[MIGTD_VERIFIED_REPORT_SIZE],
			  const uint8_t peer_report[MIGTD_VERIFIED_REPORT_SIZE],
			  const uint8_t *peer_evlog, size_t peer_evlog_len)
{
	struct migtd_session *s = ctx;
	struct migtd_core *c = s->core;
	struct eventlog_parsed peer_log;
	struct policy_input in;
	enum policy_result r;
	int ret;

	/* §7.4 / §9.5: the peer's log must replay to the RTMRs its quote signs. */
	ret = migtd_eventlog_verify_rtmrs(peer_evlog, peer_evlog_len,
					  peer_report + MIGTD_VR_RTMR(0));
	if (ret != MIGTD_OK) {
		MIGTD_ERROR(SLOG(s), s->request_id,
			    "policy: InvalidEventLog: the peer event log does not replay to the "
			    "RTMRs of its quote");
		s->policy_result = POLICY_INVALID_EVENT_LOG;
		return MIGTD_ERR_POLICY;
	}
	ret = migtd_eventlog_parse(peer_evlog, peer_evlog_len, &peer_log);
	if (ret != MIGTD_OK) {
		MIGTD_ERROR(SLOG(s), s->request_id, "policy: InvalidEventLog: peer log malformed");
		s->policy_result = POLICY_INVALID_EVENT_LOG;
		return MIGTD_ERR_POLICY;
	}
	/* §1.5: upstream parses its policy when it evaluates a peer, so an
	 * enrolled policy that does not parse fails each request with 9 (the
	 * MigTD keeps serving; boot logged the parse error). */
	if (c->policy_err != MIGTD_OK) {
		MIGTD_ERROR(SLOG(s), s->request_id,
			    "policy: InvalidPolicy: the enrolled migration policy does not parse "
			    "(see the boot log)");
		s->policy_result = POLICY_INVALID_POLICY;
		return MIGTD_ERR_INVALID_POLICY;
	}
	in = (struct policy_input){
		.local_report = local_report,
		.local_len = MIGTD_VERIFIED_REPORT_SIZE,
		.peer_report = peer_report,
		.peer_len = MIGTD_VERIFIED_REPORT_SIZE,
		.local_log = &c->local_log,
		.peer_log = &peer_log,
		.is_src = is_src,
	};
	memset(&c->explain, 0, sizeof(c->explain));
	r = migtd_policy_eval(&c->policy_ws.policy, &in, &c->explain);
	s->policy_result = (int)r;
	if (r != POLICY_OK) {
		MIGTD_ERROR(SLOG(s), s->request_id, "policy: peer rejected: %s",
			    migtd_policy_result_name(r));
		log_explanation(s, MIGTD_LOG_ERROR);
		return migtd_policy_result_err(r);
	}
	return MIGTD_OK;
}

/*
 * Policy v2 (docs/protocol.md §5.5 v2 step 3, §7.7.7): the own report for the
 * "self" references from the quote in our own certificate (verified with
 * our policy's collateral, as upstream verifies its fresh own quote), then
 * the peer judged by policy_v2 with the pre-session data it sent.
 */
static int cb_authenticate_v2(void *ctx, bool is_src, const uint8_t *local_quote,
			      size_t local_quote_len, const uint8_t *peer_quote,
			      size_t peer_quote_len, const uint8_t *peer_evlog,
			      size_t peer_evlog_len,
			      uint8_t peer_report[MIGTD_VERIFIED_REPORT_SIZE])
{
	struct migtd_session *s = ctx;
	struct migtd_core *c = s->core;
	struct migtd_pv2_explain *ex = &c->pv2_explain;
	struct migtd_pv2_peer peer;
	enum migtd_pv2_result r;

	memset(ex, 0, sizeof(*ex));
	/* With own_quote_once the boot quote's report stands (own_quote.c). */
	r = c->v2_own_report_ok
		    ? MIGTD_PV2_OK
		    : migtd_policy_v2_verify_quote(&c->pv2, local_quote, local_quote_len,
						   MIGTD_QTIME_COLLATERAL, c->cfg.verify_time,
						   &c->sig_cache, c->v2_own_report, ex);
	if (r != MIGTD_PV2_OK) {
		MIGTD_ERROR(SLOG(s), s->request_id,
			    "policy v2: own quote does not verify with our policy's collateral: %s",
			    migtd_pv2_result_name(r));
		goto fail;
	}
	peer = (struct migtd_pv2_peer){
		.quote = peer_quote,
		.quote_len = peer_quote_len,
		.event_log = peer_evlog,
		.event_log_len = peer_evlog_len,
		.blob = s->peer_blob,
		.blob_len = s->peer_blob_len,
		.local_is_source = is_src,
		.own_report = c->v2_own_report,
		.time_mode = MIGTD_QTIME_COLLATERAL,
		.now = c->cfg.verify_time,
		.sig_cache = &c->sig_cache,
	};
	memset(ex, 0, sizeof(*ex));
	r = migtd_policy_v2_authenticate(&c->pv2, &peer, peer_report, ex);
	if (r != MIGTD_PV2_OK) {
		MIGTD_ERROR(SLOG(s), s->request_id, "policy v2: peer rejected: %s",
			    migtd_pv2_result_name(r));
		goto fail;
	}
	MIGTD_INFO(SLOG(s), s->request_id,
		   "policy v2: peer authenticated (quote, policy, event log, MigTD SVN)");
	return MIGTD_OK;
fail:
	migtd_core_log_pv2(c, s->request_id, MIGTD_LOG_ERROR);
	return migtd_pv2_result_err(r);
}

/* ---- stream glue for RA-TLS ----------------------------------------------------- */

static long io_send(void *ctx, const uint8_t *buf, size_t len)
{
	struct migtd_session *s = ctx;
	size_t sent = 0;
	int ret = migtd_plat_stream_send(PLAT(s), s->stream, buf, len, &sent);

	if (ret == MIGTD_ERR_AGAIN)
		return MIGTD_ERR_AGAIN;
	if (ret == MIGTD_OK && (sent == 0 || sent > len))
		ret = MIGTD_ERR_NETWORK;
	if (ret != MIGTD_OK) {
		if (s->io_err == MIGTD_OK)
			s->io_err = ret;
		return ret;
	}
	return (long)sent;
}

static long io_recv(void *ctx, uint8_t *buf, size_t len)
{
	struct migtd_session *s = ctx;
	size_t got = 0;
	int ret = migtd_plat_stream_recv(PLAT(s), s->stream, buf, len, &got);

	if (ret == MIGTD_ERR_AGAIN)
		return MIGTD_ERR_AGAIN;
	if (ret == MIGTD_OK && got > len)
		ret = MIGTD_ERR_NETWORK;
	if (ret != MIGTD_OK) {
		if (s->io_err == MIGTD_OK)
			s->io_err = ret;
		return ret;
	}
	return (long)got; /* 0: the peer ended the stream */
}

/* ---- the states -------------------------------------------------------------- */

void migtd_session_begin(struct migtd_core *c, struct migtd_session *s,
			 const struct migtd_migration_request *req, uint64_t now)
{
	unsigned index = s->index;

	/* The whole slot, by its size: nothing of an earlier session survives,
	 * whatever order the fields are in. */
	memset(s, 0, sizeof(*s));
	s->core = c;
	s->index = index;
	s->request_id = req->info.mig_request_id;
	s->source = req->info.migration_source == 1;
	s->binding.handle = req->info.binding_handle;
	memcpy(s->binding.uuid.w, req->info.target_td_uuid, sizeof(s->binding.uuid.w));
	s->stream_params.mig_request_id = req->info.mig_request_id;
	s->stream_params.migration_source = s->source;
	if (req->has_socket_info) {
		s->stream_params.peer_cid = req->socket_info.mig_td_cid;
		s->stream_params.peer_port = req->socket_info.mig_channel_port;
	}
	/* §6.4: only a policy v2 build parses init_td_info (strict HOB layout). */
	if (c->cfg.policy_v2 && req->info.has_init_data == 1) {
		struct tdinfo_struct ti;

		/* init_td_info is a TDINFO_STRUCT: read with its parser. It
		 * cannot fail (exact size); if it did, the owner values stay
		 * zero and check_init_data() refuses the request. */
		s->has_init = true;
		if (migtd_tdreport_parse_tdinfo(req->info.init_td_info,
						sizeof(req->info.init_td_info), &ti) == MIGTD_OK) {
			memcpy(s->init_mrowner, ti.mrowner, sizeof(s->init_mrowner));
			memcpy(s->init_mrownerconfig, ti.mrownerconfig,
			       sizeof(s->init_mrownerconfig));
		}
	}
	s->t_start_ms = now;
	/* The wall clock is read per session, never once at boot. */
	s->wall_time = core_wall_now(c);
	s->policy_result = POLICY_RESULT_COUNT;
	set_step(s, MIGTD_SS_OPEN, now, false);
	MIGTD_INFO(SLOG(s), s->request_id,
		   "request received: %s (TLS %s), binding handle 0x%llx, peer cid %llu port %u",
		   s->source ? "source" : "destination", s->source ? "client" : "server",
		   (unsigned long long)s->binding.handle,
		   (unsigned long long)s->stream_params.peer_cid, s->stream_params.peer_port);
}

/*
 * §6.4: a request that carries the initially bound MigTD's TDINFO is served
 * only if that MigTD had our policy signer (MROWNER) and a policy SVN not
 * above ours; checked before the stream is opened. Failure: 8.
 */
static bool check_init_data(struct migtd_session *s, uint64_t now)
{
	struct migtd_core *c = s->core;
	enum migtd_pv2_result r;

	memset(&c->pv2_explain, 0, sizeof(c->pv2_explain));
	r = migtd_policy_v2_check_init(&c->pv2, s->init_mrowner, s->init_mrownerconfig,
				       &c->pv2_explain);
	s->has_init = false; /* checked once */
	if (r != MIGTD_PV2_OK) {
		MIGTD_ERROR(SLOG(s), s->request_id, "policy v2: init data: %s: %s",
			    migtd_pv2_result_name(r), c->pv2_explain.detail);
		fail(s, migtd_pv2_result_err(r),
		     "initially bound MigTD has another policy signer or a higher policy SVN", now);
		return false;
	}
	return true;
}

void migtd_session_begin_report(struct migtd_core *c, struct migtd_session *s, uint64_t id,
				uint8_t status, const uint8_t *data, size_t len, uint64_t now)
{
	unsigned index = s->index;

	memset(s, 0, sizeof(*s));
	s->core = c;
	s->index = index;
	s->request_id = id;
	s->aux = true;
	s->status = status;
	s->t_start_ms = now;
	s->policy_result = POLICY_RESULT_COUNT;
	if (len > sizeof(s->rawbuf) - GHCI_RAW_HDR_LEN)
		len = 0; /* cannot happen: the callers' data is bounded */
	if (len)
		memcpy(s->rawbuf, data, len);
	s->rdata_len = len;
	set_step(s, MIGTD_SS_REPORT, now, false);
}

static bool st_open(struct migtd_session *s, uint64_t now)
{
	int ret;

	if (s->has_init && !check_init_data(s, now))
		return true;
	ret = migtd_plat_stream_open(PLAT(s), &s->stream_params, &s->stream);

	if (ret == MIGTD_ERR_AGAIN) {
		/* The transport has no free stream yet: retry within the step timeout. */
		if (s->deadline_ms == 0)
			s->deadline_ms = now + s->core->cfg.timeout_ms;
		if (timed_out(s, now))
			return fail(s, MIGTD_ERR_TIMEOUT, "no stream available", now);
		return false;
	}
	if (ret != MIGTD_OK)
		return fail(s, MIGTD_ERR_NETWORK, "stream open failed", now); /* §1.5: 5 */
	s->stream_open = true;
	MIGTD_DEBUG(SLOG(s), s->request_id, "stream %u opened", s->stream);
	if (s->core->cfg.policy_v2) {
		/* One deadline for the whole exchange (§5.7). */
		s->ps_step = 0;
		s->ps_done = 0;
		set_step(s, MIGTD_SS_PRESESSION, now, true);
		return true;
	}
	set_step(s, MIGTD_SS_READ_TD, now, false);
	return true;
}

/* ---- the policy v2 pre-session exchange (docs/protocol.md §5.7) ---------------- */

enum ps_step {
	PS_TX_HELLO = 0,
	PS_RX_HELLO_HDR,
	PS_RX_HELLO,
	PS_TX_DATA_HDR,
	PS_TX_DATA,
	PS_RX_DATA_HDR,
	PS_RX_DATA,
	PS_TX_START,
	PS_RX_START_HDR,
	PS_DONE,
};

/*
 * Move `len` bytes of the current message out of buf (send) or into it;
 * true when all are through. *ret: MIGTD_OK, MIGTD_ERR_AGAIN (wait) or the
 * stream error (5). A call that moves nothing (the peer ended the stream
 * mid-exchange) or claims more than asked is a network error like any
 * other (upstream: EOF -> NetworkError), and so is a vmcall-raw VMM cancel
 * before TLS (§1.5: 5, not 10).
 */
static bool ps_move(struct migtd_session *s, bool send, uint8_t *buf, size_t len, int *ret)
{
	while (s->ps_done < len) {
		uint8_t *p = buf + s->ps_done;
		size_t left = len - s->ps_done, n = 0;

		*ret = send ? migtd_plat_stream_send(PLAT(s), s->stream, p, left, &n)
			    : migtd_plat_stream_recv(PLAT(s), s->stream, p, left, &n);
		if (*ret == MIGTD_OK && (n == 0 || n > left))
			*ret = MIGTD_ERR_NETWORK;
		if (*ret == MIGTD_ERR_VMM_CANCELED)
			*ret = MIGTD_ERR_NETWORK;
		if (*ret != MIGTD_OK)
			return false;
		s->ps_done += n;
	}
	*ret = MIGTD_OK;
	s->ps_done = 0;
	return true;
}

static bool ps_send(struct migtd_session *s, uint8_t *buf, size_t len, int *ret)
{
	return ps_move(s, true, buf, len, ret);
}

static bool ps_recv(struct migtd_session *s, uint8_t *buf, size_t len, int *ret)
{
	return ps_move(s, false, buf, len, ret);
}

/* ps_rx holds either an 8-byte message header or the 8-byte HELLO payload. */
_Static_assert(MIGTD_PRESESSION_HELLO_SIZE == MIGTD_PRESESSION_HDR_SIZE,
	       "ps_rx is sized for a header and must also hold a HELLO payload");

/* A header received at step `want`: decode and judge it (status 1 if bad). */
static int ps_header(struct migtd_session *s, uint8_t want, struct migtd_presession_hdr *h)
{
	int ret = migtd_presession_hdr_parse(s->ps_rx, sizeof(s->ps_rx), h);

	if (ret == MIGTD_OK)
		ret = migtd_presession_hdr_check(h, want);
	if (ret != MIGTD_OK)
		MIGTD_ERROR(SLOG(s), s->request_id,
			    "pre-session: expected message type 0x%02x, got type 0x%02x "
			    "length %u",
			    want, h->type, (unsigned)h->length);
	return ret;
}

/* One step of the exchange; returns MIGTD_OK when the step is done. */
static int ps_step_once(struct migtd_session *s, const char **why)
{
	static const struct migtd_presession_hello own = { MIGTD_PRESESSION_VERSION,
							   MIGTD_PRESESSION_VERSION };
	struct migtd_core *c = s->core;
	struct migtd_presession_hdr h;
	struct migtd_presession_hello peer;
	struct migtd_presession_blob b;
	size_t hlen = 0;
	int ret = MIGTD_OK;

	switch (s->ps_step) {
	case PS_TX_HELLO:
		*why = "sending HELLO failed";
		if (s->ps_done == 0)
			migtd_presession_hello_write(s->ps_tx, &own);
		if (!ps_send(s, s->ps_tx, MIGTD_PRESESSION_HELLO_MSG_SIZE, &ret))
			return ret;
		break;
	case PS_RX_HELLO_HDR:
		*why = "receiving HELLO failed";
		if (!ps_recv(s, s->ps_rx, sizeof(s->ps_rx), &ret))
			return ret;
		*why = "peer HELLO malformed";
		ret = ps_header(s, MIGTD_PRESESSION_TYPE_HELLO, &h);
		if (ret != MIGTD_OK)
			return ret;
		break;
	case PS_RX_HELLO:
		*why = "receiving HELLO failed";
		if (!ps_recv(s, s->ps_rx, sizeof(s->ps_rx), &ret))
			return ret;
		*why = "peer HELLO has no MGTD magic";
		ret = migtd_presession_hello_parse(s->ps_rx, sizeof(s->ps_rx), &peer);
		if (ret != MIGTD_OK)
			return ret;
		*why = "no common pre-session version";
		ret = migtd_presession_negotiate(&own, &peer, &s->ps_version);
		if (ret != MIGTD_OK) {
			MIGTD_ERROR(
				SLOG(s), s->request_id,
				"pre-session: peer versions 0x%04x..0x%04x, ours 0x%04x..0x%04x",
				peer.lowest, peer.highest, own.lowest, own.highest);
			return ret;
		}
		break;
	case PS_TX_DATA_HDR:
		*why = "sending PRE_SESSION_DATA failed";
		if (s->ps_done == 0)
			migtd_presession_hdr_write(s->ps_tx, MIGTD_PRESESSION_TYPE_DATA,
						   (uint32_t)c->v2_blob_len);
		if (!ps_send(s, s->ps_tx, MIGTD_PRESESSION_HDR_SIZE, &ret))
			return ret;
		break;
	case PS_TX_DATA:
		*why = "sending PRE_SESSION_DATA failed";
		if (!ps_send(s, c->v2_blob, c->v2_blob_len, &ret))
			return ret;
		break;
	case PS_RX_DATA_HDR:
		*why = "receiving PRE_SESSION_DATA failed";
		if (!ps_recv(s, s->ps_rx, sizeof(s->ps_rx), &ret))
			return ret;
		*why = "peer PRE_SESSION_DATA header refused (type, or length over the cap)";
		ret = ps_header(s, MIGTD_PRESESSION_TYPE_DATA, &h);
		if (ret != MIGTD_OK)
			return ret;
		/* Allocated only now that the length is known to be bounded,
		 * and only within what all sessions together may hold: many
		 * peers sending 1 MiB each must not drain the heap the other
		 * sessions need (MIGTD_PRESESSION_BUDGET, status 3). */
		s->peer_blob_len = h.length;
		if (h.length > 0) {
			if (c->presession_held > c->cfg.presession_budget ||
			    h.length > c->cfg.presession_budget - c->presession_held) {
				*why = "the peers' pre-session data would exceed its memory budget";
				MIGTD_WARN(SLOG(s), s->request_id,
					   "pre-session: peer data of %u bytes refused: %zu of %zu "
					   "budget bytes held by other sessions",
					   (unsigned)h.length, c->presession_held,
					   c->cfg.presession_budget);
				return MIGTD_ERR_NOMEM;
			}
			s->peer_blob = mbedtls_calloc(1, h.length);
			if (s->peer_blob == NULL) {
				*why = "no memory for the peer's pre-session data";
				return MIGTD_ERR_NOMEM;
			}
			c->presession_held += h.length;
		}
		break;
	case PS_RX_DATA:
		*why = "receiving PRE_SESSION_DATA failed";
		if (!ps_recv(s, s->peer_blob, s->peer_blob_len, &ret))
			return ret;
		*why = "peer pre-session data does not decode exactly";
		ret = migtd_presession_blob_decode(s->peer_blob, s->peer_blob_len, &b);
		if (ret != MIGTD_OK)
			return ret;
		*why = "hashing the peer's pre-session data failed";
		if (psa_hash_compute(PSA_ALG_SHA_384, s->peer_blob, s->peer_blob_len,
				     s->peer_blob_hash, sizeof(s->peer_blob_hash),
				     &hlen) != PSA_SUCCESS ||
		    hlen != sizeof(s->peer_blob_hash))
			return MIGTD_ERR_CRYPTO;
		MIGTD_DEBUG(SLOG(s), s->request_id,
			    "pre-session: peer data %zu bytes (policy %zu, issuer chain %zu)",
			    s->peer_blob_len, b.policy_len, b.chain_len);
		break;
	case PS_TX_START:
		*why = "sending START_SESSION failed";
		if (s->ps_done == 0)
			migtd_presession_hdr_write(s->ps_tx, MIGTD_PRESESSION_TYPE_START, 0);
		if (!ps_send(s, s->ps_tx, MIGTD_PRESESSION_HDR_SIZE, &ret))
			return ret;
		break;
	case PS_RX_START_HDR:
		*why = "receiving START_SESSION failed";
		if (!ps_recv(s, s->ps_rx, sizeof(s->ps_rx), &ret))
			return ret;
		*why = "peer START_SESSION malformed";
		ret = ps_header(s, MIGTD_PRESESSION_TYPE_START, &h);
		if (ret != MIGTD_OK)
			return ret;
		break;
	default: return MIGTD_ERR_STATE;
	}
	s->ps_step++;
	return MIGTD_OK;
}

/*
 * Both sides send, then receive, each message in turn: symmetric, so it
 * cannot deadlock on a full-duplex stream. Statuses (§5.7, §1.5): a stream
 * failure, end of stream or the 60 s deadline is 5; anything the peer sent
 * that we refuse is 1 (MIGTD_ERR_INVALID/LENGTH/VERSION/TRUNCATED).
 */
static bool st_presession(struct migtd_session *s, uint64_t now)
{
	const char *why = "pre-session exchange failed";

	while (s->ps_step < PS_DONE) {
		int ret = ps_step_once(s, &why);

		if (ret == MIGTD_ERR_AGAIN) {
			if (timed_out(s, now))
				return fail(s, MIGTD_ERR_TIMEOUT, "pre-session exchange timed out",
					    now);
			return false;
		}
		if (ret != MIGTD_OK)
			return fail(s, ret, why, now);
	}
	MIGTD_INFO(SLOG(s), s->request_id,
		   "pre-session exchange done (version 0x%04x, peer data %zu bytes)", s->ps_version,
		   s->peer_blob_len);
	set_step(s, MIGTD_SS_READ_TD, now, false);
	return true;
}

/* §6.2 step 1: our key and version range from the TDX module. */
static bool st_read_td(struct migtd_session *s, uint64_t now)
{
	uint64_t vmin = 0, vmax = 0;
	int ret = MIGTD_OK;

	for (unsigned i = 0; ret == MIGTD_OK && i < EXCHANGE_KEY_WORDS; i++)
		ret = migtd_plat_servtd_rd(PLAT(s), &s->binding, TDX_FIELD_MIG_ENC_KEY(i),
					   &s->sec.own_key[i]);
	if (ret != MIGTD_OK)
		return fail(s, MIGTD_ERR_TDCALL, "TDG.SERVTD.RD MIG_ENC_KEY failed", now);
	ret = migtd_plat_sys_rd(PLAT(s),
				s->source ? TDX_FIELD_MIN_EXPORT_VERSION
					  : TDX_FIELD_MIN_IMPORT_VERSION,
				&vmin);
	if (ret == MIGTD_OK)
		ret = migtd_plat_sys_rd(PLAT(s),
					s->source ? TDX_FIELD_MAX_EXPORT_VERSION
						  : TDX_FIELD_MAX_IMPORT_VERSION,
					&vmax);
	if (ret != MIGTD_OK)
		return fail(s, MIGTD_ERR_TDCALL, "TDG.SYS.RD migration version failed", now);
	if (migtd_exchange_version_from_u64(vmin, &s->own_ver.min) != MIGTD_OK ||
	    migtd_exchange_version_from_u64(vmax, &s->own_ver.max) != MIGTD_OK)
		return fail(s, MIGTD_ERR_INVALID, "migration version above 0xFFFF", now);
	MIGTD_DEBUG(SLOG(s), s->request_id, "%s version range [%u, %u]",
		    s->source ? "export" : "import", s->own_ver.min, s->own_ver.max);
	set_step(s, MIGTD_SS_QUOTE_START, now, false);
	return true;
}

const char *migtd_session_quote_request(struct migtd_core *c,
					const uint8_t rd[TDREPORT_REPORT_DATA_SIZE],
					struct migtd_quote_call *call, uint8_t *qbuf, size_t cap)
{
	uint8_t *tdreport = c->cert_work;
	uint8_t *msg = c->cert_work + TDREPORT_STRUCT_SIZE;
	size_t msg_len = 0;
	int ret;

	if (migtd_plat_mr_report(c->plat, rd, tdreport) != MIGTD_OK)
		return "TDG.MR.REPORT failed";
	ret = migtd_ghci_qgs_get_quote_req_build(msg, sizeof(c->cert_work) - TDREPORT_STRUCT_SIZE,
						 tdreport, TDREPORT_STRUCT_SIZE, NULL, 0, &msg_len);
	if (ret == MIGTD_OK)
		ret = migtd_quote_call_prepare(call, qbuf, cap, msg, msg_len);
	return ret == MIGTD_OK ? NULL : "GetQuote request cannot be built";
}

/* §5.2 + §2.6: fresh key (once), REPORTDATA, TDREPORT, GetQuote. */
static bool st_quote_start(struct migtd_session *s, uint64_t now)
{
	struct migtd_core *c = s->core;
	uint8_t rd[TDREPORT_REPORT_DATA_SIZE];
	const char *why;
	int ret;

	/* docs/vmm-failures.md: every attempt and back-off of the GetQuote
	 * phase ends within one step timeout of the first attempt. */
	if (s->quote_deadline_ms == 0)
		s->quote_deadline_ms = now + c->cfg.timeout_ms;
	if (!s->tls_inited) {
		struct ratls_callbacks cb = { cb_verify_quote, cb_eval_policy, s };

		s->tls_inited = true;
		ret = migtd_ratls_session_init(&s->tls, s->source ? RATLS_CLIENT : RATLS_SERVER,
					       &cb);
		if (ret != MIGTD_OK)
			return fail(s, ret, "RA-TLS key generation failed", now);
	}
	ret = migtd_ratls_session_report_data(&s->tls, rd);
	if (ret != MIGTD_OK)
		return fail(s, ret, "REPORTDATA failed", now);
	why = migtd_session_quote_request(c, rd, &s->qcall, s->qbuf, sizeof(s->qbuf));
	if (why != NULL)
		return fail(s, MIGTD_ERR_QUOTE, why, now);
	ret = migtd_plat_quote_start(PLAT(s), &s->qcall);
	if (ret == MIGTD_ERR_AGAIN) {
		/* The backend's one GetQuote channel is taken (another session,
		 * or a cancelled call the VMM still holds): retry, but not forever. */
		if (s->deadline_ms == 0)
			s->deadline_ms = now + s->core->cfg.timeout_ms;
		if (timed_out(s, now))
			return fail(s, MIGTD_ERR_QUOTE, "GetQuote channel busy for too long", now);
		return false;
	}
	if (ret != MIGTD_OK)
		return fail(s, MIGTD_ERR_QUOTE, "GetQuote failed", now);
	s->quote_attempt++;
	MIGTD_DEBUG(SLOG(s), s->request_id, "GetQuote attempt %u sent", s->quote_attempt);
	/* The answer is awaited at most vmm_timeout_ms, and never past the
	 * phase's total deadline (docs/vmm-failures.md). */
	set_step(s, MIGTD_SS_QUOTE_WAIT, now, false);
	s->deadline_ms = now + c->cfg.vmm_timeout_ms;
	if (s->deadline_ms > s->quote_deadline_ms)
		s->deadline_ms = s->quote_deadline_ms;
	return true;
}

static bool st_quote_wait(struct migtd_session *s, uint64_t now)
{
	const uint8_t *msg = NULL;
	size_t msg_len = 0;
	struct ghci_getquote_hdr hdr;
	struct ghci_qgs_get_quote_resp resp;
	int ret = migtd_plat_quote_poll(PLAT(s), &s->qcall);

	if (ret == MIGTD_ERR_AGAIN) {
		if (!timed_out(s, now))
			return false;
		/* The VMM never answered: take qbuf back from the backend, then
		 * fail as upstream fails any GetQuote error (7). */
		ret = migtd_plat_quote_cancel(PLAT(s), &s->qcall);
		if (ret != MIGTD_OK)
			MIGTD_WARN(SLOG(s), s->request_id, "GetQuote cancel: %s",
				   migtd_err_str(ret));
		return fail(s, MIGTD_ERR_QUOTE, "GetQuote not answered in time", now);
	}
	if (ret != MIGTD_OK)
		return fail(s, MIGTD_ERR_QUOTE, "GetQuote failed", now);
	/* One classification of the status word (migtd_ghci_getquote_status_class):
	 * in flight / error / QGS unavailable -> MIGTD_ERR_AGAIN, retriable. */
	ret = migtd_ghci_getquote_rsp_parse(s->qbuf, sizeof(s->qbuf), &hdr, &msg, &msg_len);
	if (ret == MIGTD_ERR_AGAIN) {
		if (s->quote_attempt >= MIGTD_QUOTE_ATTEMPTS)
			return fail(s, MIGTD_ERR_QUOTE, "quote service still busy after 6 attempts",
				    now);
		/* §2.6: back-off 1, 2, 4, 8, 16 s (scaled by quote_retry_ms); a
		 * back-off past the total deadline is cut there (then 7). */
		set_step(s, MIGTD_SS_QUOTE_BACKOFF, now, false);
		s->deadline_ms =
			now + ((uint64_t)s->core->cfg.quote_retry_ms << (s->quote_attempt - 1));
		if (s->deadline_ms > s->quote_deadline_ms)
			s->deadline_ms = s->quote_deadline_ms;
		MIGTD_WARN(SLOG(s), s->request_id,
			   "quote service busy (attempt %u): retry in %llu ms", s->quote_attempt,
			   (unsigned long long)(s->deadline_ms - now));
		return true;
	}
	if (ret == MIGTD_ERR_QUOTE)
		return fail(s, MIGTD_ERR_QUOTE, "GetQuote failed", now);
	if (ret == MIGTD_OK)
		ret = migtd_ghci_qgs_get_quote_resp_parse(msg, msg_len, &resp);
	if (ret != MIGTD_OK || resp.quote.len == 0)
		return fail(s, MIGTD_ERR_QUOTE, "GetQuote response malformed", now);
	s->quote = resp.quote.p;
	s->quote_len = resp.quote.len;
	MIGTD_INFO(SLOG(s), s->request_id, "quote obtained: %zu bytes (attempt %u)", s->quote_len,
		   s->quote_attempt);
	set_step(s, MIGTD_SS_TLS_START, now, false);
	return true;
}

static bool st_quote_backoff(struct migtd_session *s, uint64_t now)
{
	if (!timed_out(s, now))
		return false;
	if (now >= s->quote_deadline_ms)
		return fail(s, MIGTD_ERR_QUOTE, "GetQuote: no quote within the total deadline",
			    now);
	set_step(s, MIGTD_SS_QUOTE_START, now, false);
	return true;
}

static bool st_tls_start(struct migtd_session *s, uint64_t now)
{
	struct migtd_core *c = s->core;
	struct ratls_io io = { io_send, io_recv, s };
	const char *why = NULL;
	int ret;

	if (c->cfg.policy_v2) {
		ret = migtd_ratls_session_set_policy_v2(&s->tls, c->v2_blob_hash, s->peer_blob_hash,
							cb_authenticate_v2, s);
		if (ret != MIGTD_OK)
			return fail(s, ret, "RA-TLS policy v2 set-up failed", now);
	}
	ret = migtd_ratls_session_start(&s->tls, s->quote, s->quote_len, c->evlog, c->evlog_len, 0,
					&io, c->cert_work, sizeof(c->cert_work));
	s->quote = NULL;
	s->quote_len = 0;
	if (ret != MIGTD_OK) {
		migtd_ratls_session_error(&s->tls, &why);
		return fail(s, ret, why, now);
	}
	/* The size that decides whether the certificate fits one TLS record
	 * (docs/tls-large-certificates.md); policy v2 keeps it small. */
	MIGTD_INFO(SLOG(s), s->request_id,
		   "RA-TLS certificate: %zu bytes (quote %zu, event log %zu%s)",
		   s->tls.own_cert.raw.len, s->tls.own_quote_len, c->evlog_len,
		   c->cfg.policy_v2 ? ", policy hash 48" : "");
	set_step(s, MIGTD_SS_HANDSHAKE, now, true);
	return true;
}

/*
 * A TLS-layer failure keeps its code (6), also when the stream under TLS
 * failed or ended: the stream is connected before TLS starts (st_open; a
 * failed connect is 5 there), and from then on upstream sees every
 * transport error through its TLS layer (docs/status-codes.md). Only the
 * step timeouts (5) and a short ExchangeInformation (5) are not TLS errors.
 */
static int tls_err(const struct migtd_session *s, int ret)
{
	if (ret == MIGTD_ERR_TLS && s->io_err != MIGTD_OK)
		MIGTD_DEBUG(SLOG(s), s->request_id, "stream failure under TLS: %s",
			    migtd_err_str(s->io_err));
	return ret;
}

static bool st_handshake(struct migtd_session *s, uint64_t now)
{
	const char *why = NULL;
	int ret = migtd_ratls_handshake_step(&s->tls);

	if (ret == MIGTD_ERR_AGAIN) {
		if (timed_out(s, now))
			return fail(s, MIGTD_ERR_TIMEOUT, "TLS handshake timed out", now);
		return false;
	}
	if (ret != MIGTD_OK) {
		migtd_ratls_session_error(&s->tls, &why);
		if (ret == MIGTD_ERR_TLS)
			MIGTD_DEBUG(SLOG(s), s->request_id, "mbedTLS error -0x%04x",
				    (unsigned)-migtd_ratls_session_tls_error(&s->tls));
		return fail(s, tls_err(s, ret), why, now);
	}
	{
		/* The certificate sizes show whether handshake messages over one
		 * record went through (docs/tls-large-certificates.md). */
		const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&s->tls.ssl);
		size_t ours = s->tls.own_cert.raw.len, theirs = peer != NULL ? peer->raw.len : 0;

		if (s->core->cfg.policy_v2)
			MIGTD_INFO(
				SLOG(s), s->request_id,
				"handshake done: peer verified (policy-hash extension, policy v2 "
				"authentication, RA-TLS certificate); certificates: ours %zu "
				"bytes, peer's %zu bytes",
				ours, theirs);
		else
			MIGTD_INFO(SLOG(s), s->request_id,
				   "handshake done: peer verified (quote and RA-TLS certificate), "
				   "policy: %s; certificates: ours %zu bytes, peer's %zu bytes",
				   s->policy_result < POLICY_RESULT_COUNT
					   ? migtd_policy_result_name(
						     (enum policy_result)s->policy_result)
					   : "not evaluated yet (TLS client)",
				   ours, theirs);
	}
	{
		struct exchange_information info;
		size_t n = 0;

		migtd_exchange_key_from_words(s->sec.own_key, info.key);
		info.ver = s->own_ver;
		ret = migtd_exchange_build(&info, s->sec.tx_info, sizeof(s->sec.tx_info), &n);
		mbedtls_platform_zeroize(&info, sizeof(info));
		if (ret != MIGTD_OK || n != EXCHANGE_INFORMATION_SIZE)
			return fail(s, MIGTD_ERR_STATE, "ExchangeInformation cannot be built", now);
	}
	set_step(s, MIGTD_SS_SEND_INFO, now, true);
	return true;
}

/* §6.2 step 2: one record with our 40 bytes. */
static bool st_send_info(struct migtd_session *s, uint64_t now)
{
	const char *why = NULL;
	long n = migtd_ratls_write(&s->tls, s->sec.tx_info + s->tx_done,
				   EXCHANGE_INFORMATION_SIZE - s->tx_done);

	if (n == MIGTD_ERR_AGAIN) {
		if (timed_out(s, now))
			return fail(s, MIGTD_ERR_TIMEOUT, "ExchangeInformation write timed out",
				    now);
		return false;
	}
	if (n < 0) {
		migtd_ratls_session_error(&s->tls, &why);
		return fail(s, tls_err(s, (int)n), why, now);
	}
	s->tx_done += (size_t)n;
	if (s->tx_done < EXCHANGE_INFORMATION_SIZE)
		return true;
	mbedtls_platform_zeroize(s->sec.tx_info, sizeof(s->sec.tx_info));
	set_step(s, MIGTD_SS_RECV_INFO, now, true);
	return true;
}

/*
 * §6.2 step 3: exactly 40 bytes from the peer, reserved zero. Like
 * upstream, never more than 40 bytes are read: anything the peer sent
 * after them is left unread and dropped with the TLS session.
 */
static bool st_recv_info(struct migtd_session *s, uint64_t now)
{
	struct exchange_information info;
	const char *why = NULL;
	long n = migtd_ratls_read(&s->tls, s->sec.rx_info + s->rx_got,
				  EXCHANGE_INFORMATION_SIZE - s->rx_got);
	int ret;

	if (n == MIGTD_ERR_AGAIN) {
		if (timed_out(s, now))
			return fail(s, MIGTD_ERR_TIMEOUT, "ExchangeInformation read timed out",
				    now);
		return false;
	}
	if (n < 0) {
		migtd_ratls_session_error(&s->tls, &why);
		/* §6.2: upstream's one read returned fewer than 40 bytes: 5. With
		 * nothing read, the read itself failed inside TLS: 6. */
		if (s->rx_got > 0) {
			MIGTD_DEBUG(SLOG(s), s->request_id, "read ended after %zu bytes: %s",
				    s->rx_got, why);
			return fail(s, MIGTD_ERR_NETWORK,
				    "peer ExchangeInformation shorter than 40 bytes", now);
		}
		return fail(s, tls_err(s, (int)n), why, now);
	}
	s->rx_got += (size_t)n;
	if (s->rx_got < EXCHANGE_INFORMATION_SIZE)
		return true;
	ret = migtd_exchange_parse(s->sec.rx_info, EXCHANGE_INFORMATION_SIZE, &info);
	mbedtls_platform_zeroize(s->sec.rx_info, sizeof(s->sec.rx_info));
	if (ret != MIGTD_OK)
		return fail(s, ret,
			    ret == MIGTD_ERR_RESERVED
				    ? "peer ExchangeInformation reserved bytes not zero"
				    : "peer ExchangeInformation malformed",
			    now);
	migtd_exchange_key_to_words(info.key, s->sec.peer_key);
	s->peer_ver = info.ver;
	mbedtls_platform_zeroize(&info, sizeof(info));
	MIGTD_DEBUG(SLOG(s), s->request_id, "peer ExchangeInformation received: range [%u, %u]",
		    s->peer_ver.min, s->peer_ver.max);
	/* TLS is over: free it (wipes the traffic keys) before closing. */
	migtd_ratls_session_free(&s->tls);
	s->tls_inited = false;
	set_step(s, MIGTD_SS_CLOSE, now, true);
	return true;
}

/* §6.2 step 4. */
static bool st_close(struct migtd_session *s, uint64_t now)
{
	int ret = migtd_plat_stream_close(PLAT(s), s->stream);

	if (ret == MIGTD_ERR_AGAIN) {
		if (timed_out(s, now))
			return fail(s, MIGTD_ERR_TIMEOUT, "stream shutdown timed out", now);
		return false;
	}
	s->stream_open = false;
	if (ret != MIGTD_OK)
		return fail(s, MIGTD_ERR_INVALID, "stream shutdown failed", now); /* §6.2: 1 */
	set_step(s, MIGTD_SS_COMMIT, now, false);
	return true;
}

/* §6.2 steps 5-8: the only place that writes to the TDX module. */
static bool st_commit(struct migtd_session *s, uint64_t now)
{
	uint64_t attr = 0;
	int ret;

	ret = migtd_exchange_session_version(s->source, &s->own_ver, &s->peer_ver, &s->version);
	if (ret != MIGTD_OK)
		return fail(s, MIGTD_ERR_VERSION, "no common migration version", now);
	if (migtd_plat_servtd_rd(PLAT(s), &s->binding, TDX_FIELD_SERVTD_ATTR, &attr) != MIGTD_OK)
		return fail(s, MIGTD_ERR_TDCALL, "TDG.SERVTD.RD SERVTD_ATTR failed", now);
	if (attr != 0)
		return fail(s, MIGTD_ERR_INVALID, "SERVTD_ATTR is not 0", now);
	if (migtd_plat_servtd_wr(PLAT(s), &s->binding, TDX_FIELD_MIG_VERSION, s->version,
				 TDX_WRITE_MASK_ALL, NULL) != MIGTD_OK)
		return fail(s, MIGTD_ERR_TDCALL, "TDG.SERVTD.WR MIG_VERSION failed", now);
	for (unsigned i = 0; i < EXCHANGE_KEY_WORDS; i++) {
		ret = migtd_plat_servtd_wr(PLAT(s), &s->binding, TDX_FIELD_MIG_DEC_KEY(i),
					   s->sec.peer_key[i], TDX_WRITE_MASK_ALL, NULL);
		if (ret != MIGTD_OK)
			return fail(s, MIGTD_ERR_TDCALL, "TDG.SERVTD.WR MIG_DEC_KEY failed", now);
	}
	wipe_secrets(s);
	MIGTD_INFO(SLOG(s), s->request_id, "keys installed: MIG_VERSION %u, MIG_DEC_KEY written",
		   s->version);
	s->status = MIGTD_STATUS_SUCCESS;
	set_step(s, MIGTD_SS_REPORT, now, false);
	return true;
}

/* Failure: tell the peer (our alert, if any), tear down, wipe, then report. */
static bool st_abort(struct migtd_session *s, uint64_t now)
{
	if (s->tls_inited) {
		if (migtd_ratls_abort(&s->tls) == MIGTD_ERR_AGAIN && !timed_out(s, now))
			return false;
		migtd_ratls_session_free(&s->tls);
		s->tls_inited = false;
	}
	if (s->stream_open) {
		int ret = migtd_plat_stream_close(PLAT(s), s->stream);

		if (ret == MIGTD_ERR_AGAIN && !timed_out(s, now))
			return false;
		if (ret != MIGTD_OK)
			MIGTD_WARN(SLOG(s), s->request_id, "stream shutdown after failure: %s",
				   migtd_err_str(ret));
		s->stream_open = false;
	}
	wipe_secrets(s);
	s->status = (uint8_t)migtd_err_status(s->err);
	set_step(s, MIGTD_SS_REPORT, now, false);
	return true;
}

/*
 * The tail both ReportStatus forms share: `ret` is the result of building and
 * starting the call (builders never answer MIGTD_ERR_AGAIN, so AGAIN is always
 * a busy channel or a full slot table). Returns true once the call is out.
 */
static bool report_started(struct migtd_session *s, uint64_t now, int ret)
{
	if (ret == MIGTD_ERR_AGAIN) {
		/* Busy: retry, but not forever (docs/vmm-failures.md). */
		if (s->deadline_ms == 0)
			s->deadline_ms = now + s->core->cfg.vmm_timeout_ms;
		if (!timed_out(s, now))
			return false;
		ret = MIGTD_ERR_TIMEOUT;
	}
	if (ret != MIGTD_OK) {
		MIGTD_ERROR(SLOG(s), s->request_id, "ReportStatus(%u) could not be sent: %s",
			    s->status, migtd_err_str(ret));
		migtd_session_discard(s);
		return false;
	}
	/* docs/vmm-failures.md: the answer is awaited at most vmm_timeout_ms. */
	set_step(s, MIGTD_SS_REPORT_WAIT, now, false);
	s->deadline_ms = now + s->core->cfg.vmm_timeout_ms;
	return true;
}

/*
 * vmcall-raw ReportStatus (docs/protocol.md §2.4.2): R14 = the status word, the
 * buffer {data_status 0, length, response data}. A status the raw call cannot
 * carry (reserved codes) is sent as 1 instead: the VMM must hear of the end.
 */
static bool st_report_raw(struct migtd_session *s, uint64_t now)
{
	uint8_t data[MIGTD_RAW_REPORT_BUF - GHCI_RAW_HDR_LEN];
	uint64_t word = 0;
	size_t len = 0;
	int ret;

	if (migtd_ghci_raw_status_word(s->status, &word) != MIGTD_OK) {
		MIGTD_WARN(SLOG(s), s->request_id, "status %u has no vmcall-raw code: reporting 1",
			   s->status);
		s->status = MIGTD_STATUS_INVALID_PARAMETER;
		(void)migtd_ghci_raw_status_word(s->status, &word);
	}
	/* The data is built in place: move it behind the header first. */
	memcpy(data, s->rawbuf, s->rdata_len);
	ret = migtd_ghci_raw_build(s->rawbuf, sizeof(s->rawbuf), 0, data, s->rdata_len, &len);
	mbedtls_platform_zeroize(data, sizeof(data));
	if (ret == MIGTD_OK) {
		memset(&s->rawcall, 0, sizeof(s->rawcall));
		s->rawcall.leaf = GHCI_RAW_LEAF_REPORT_STATUS;
		s->rawcall.mig_request_id = s->request_id;
		s->rawcall.status_word = word;
		s->rawcall.buf = s->rawbuf;
		s->rawcall.len = len;
		s->rawcall.cap = len;
		ret = migtd_plat_raw_start(PLAT(s), &s->rawcall);
	}
	return report_started(s, now, ret);
}

static bool st_report(struct migtd_session *s, uint64_t now)
{
	size_t len = 0;
	int ret;

	if (s->core->cfg.profile == MIGTD_PROFILE_VMCALL_RAW)
		return st_report_raw(s, now);
	ret = migtd_ghci_report_cmd_build(s->rcmd, sizeof(s->rcmd), s->request_id, s->status, &len);
	if (ret == MIGTD_OK)
		ret = migtd_ghci_service_rsp_prefill(s->rrsp, sizeof(s->rrsp),
						     &migtd_ghci_guid_service_migtd, 0);
	if (ret == MIGTD_OK) {
		memset(&s->rcall, 0, sizeof(s->rcall));
		s->rcall.cmd = s->rcmd;
		s->rcall.cmd_len = len;
		s->rcall.rsp = s->rrsp;
		s->rcall.rsp_cap = sizeof(s->rrsp);
		ret = migtd_plat_service_start(PLAT(s), &s->rcall);
	}
	return report_started(s, now, ret);
}

static void session_release(struct migtd_session *s, uint64_t now)
{
	struct migtd_core *c = s->core;

	if (s->aux)
		c->requests_aux++;
	else if (s->status == MIGTD_STATUS_SUCCESS)
		c->sessions_succeeded++;
	else
		c->sessions_failed++;
	MIGTD_INFO(SLOG(s), s->request_id, "reported status %u (%s) after %llu ms", s->status,
		   migtd_status_name(s->status), (unsigned long long)(now - s->t_start_ms));
	migtd_session_discard(s);
}

static bool st_report_wait_raw(struct migtd_session *s, uint64_t now)
{
	int ret = migtd_plat_raw_poll(PLAT(s), &s->rawcall);

	if (ret == MIGTD_ERR_AGAIN) {
		if (!timed_out(s, now))
			return false;
		/* Never acknowledged: take the call back and free the slot. */
		ret = migtd_plat_raw_cancel(PLAT(s), &s->rawcall);
		MIGTD_ERROR(SLOG(s), s->request_id,
			    "ReportStatus(%u) not acknowledged within %u ms: session slot freed%s",
			    s->status, s->core->cfg.vmm_timeout_ms,
			    ret == MIGTD_OK ? "" : " (the backend could not cancel the call)");
		session_release(s, now);
		return false;
	}
	/* §2.4.2: done once the VMM set byte 0 of data_status to 1. */
	if (ret == MIGTD_OK && !migtd_ghci_raw_report_acked(s->rawbuf, s->rawcall.cap))
		ret = MIGTD_ERR_INVALID;
	if (ret != MIGTD_OK)
		MIGTD_WARN(SLOG(s), s->request_id, "ReportStatus not acknowledged: %s",
			   migtd_err_str(ret));
	session_release(s, now);
	return false;
}

static bool st_report_wait(struct migtd_session *s, uint64_t now)
{
	int ret;

	if (s->core->cfg.profile == MIGTD_PROFILE_VMCALL_RAW)
		return st_report_wait_raw(s, now);
	ret = migtd_plat_service_poll(PLAT(s), &s->rcall);
	if (ret == MIGTD_ERR_AGAIN) {
		if (!timed_out(s, now))
			return false;
		/* The VMM never answered: take rcall back from the backend and
		 * free the slot; the status was sent, nothing else can be said. */
		ret = migtd_plat_service_cancel(PLAT(s), &s->rcall);
		MIGTD_ERROR(SLOG(s), s->request_id,
			    "ReportStatus(%u) not answered within %u ms: session slot freed%s",
			    s->status, s->core->cfg.vmm_timeout_ms,
			    ret == MIGTD_OK ? "" : " (the backend could not cancel the call)");
		session_release(s, now);
		return false;
	}
	if (ret == MIGTD_OK)
		ret = migtd_ghci_report_rsp_parse(s->rrsp, sizeof(s->rrsp));
	if (ret != MIGTD_OK)
		MIGTD_WARN(SLOG(s), s->request_id, "ReportStatus answer: %s", migtd_err_str(ret));
	session_release(s, now);
	return false;
}

bool migtd_session_step(struct migtd_session *s, uint64_t now)
{
	switch (s->state) {
	case MIGTD_SS_FREE: return false;
	case MIGTD_SS_OPEN: return st_open(s, now);
	case MIGTD_SS_PRESESSION: return st_presession(s, now);
	case MIGTD_SS_READ_TD: return st_read_td(s, now);
	case MIGTD_SS_QUOTE_START: return st_quote_start(s, now);
	case MIGTD_SS_QUOTE_WAIT: return st_quote_wait(s, now);
	case MIGTD_SS_QUOTE_BACKOFF: return st_quote_backoff(s, now);
	case MIGTD_SS_TLS_START: return st_tls_start(s, now);
	case MIGTD_SS_HANDSHAKE: return st_handshake(s, now);
	case MIGTD_SS_SEND_INFO: return st_send_info(s, now);
	case MIGTD_SS_RECV_INFO: return st_recv_info(s, now);
	case MIGTD_SS_CLOSE: return st_close(s, now);
	case MIGTD_SS_COMMIT: return st_commit(s, now);
	case MIGTD_SS_ABORT: return st_abort(s, now);
	case MIGTD_SS_REPORT: return st_report(s, now);
	case MIGTD_SS_REPORT_WAIT: return st_report_wait(s, now);
	}
	return false;
}

uint64_t migtd_session_wakeup(const struct migtd_session *s, uint64_t now)
{
	switch (s->state) {
	case MIGTD_SS_HANDSHAKE:
		/* Paused for collateral: the fetch completes without stream I/O. */
		if (s->tls_inited && s->tls.peer == RATLS_PEER_DEFERRED)
			return now + s->core->cfg.poll_interval_ms;
		return s->deadline_ms;
	case MIGTD_SS_QUOTE_START:
	case MIGTD_SS_QUOTE_WAIT:
	case MIGTD_SS_OPEN:
	case MIGTD_SS_REPORT:
	case MIGTD_SS_REPORT_WAIT:
		/* Waiting for a platform completion (or a retry): poll soon. */
		return now + s->core->cfg.poll_interval_ms;
	default: return s->deadline_ms;
	}
}

void migtd_session_discard(struct migtd_session *s)
{
	struct migtd_core *c = s->core;
	unsigned index = s->index;

	if (s->tls_inited)
		migtd_ratls_session_free(&s->tls);
	if (s->stream_open)
		(void)migtd_plat_stream_close(PLAT(s), s->stream);
	if (s->peer_blob != NULL) {
		/* public data: freed, not wiped; its bytes go back to the budget */
		mbedtls_free(s->peer_blob);
		s->peer_blob = NULL;
		c->presession_held -= s->peer_blob_len;
	}
	wipe_secrets(s);
	/* Then the whole slot by its size (TLS state, buffers, the quote): a
	 * field added anywhere in struct migtd_session is covered. */
	mbedtls_platform_zeroize(s, sizeof(*s));
	s->core = c;
	s->index = index;
	s->state = MIGTD_SS_FREE;
}
