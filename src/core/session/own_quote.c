/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * own_quote.c -- our own quote, verified once instead of in every session
 * (docs/performance.md, "Own quote verified at boot"; docs/protocol.md §5.5
 * step 1, §8.4).
 *
 * Every session's own quote comes from the same platform: the same TD
 * measurements, attestation key, QE report and PCK chain; only REPORTDATA
 * (the session key's hash) and the attestation key's signature over it
 * differ. So with cfg.own_quote_once the core gets one quote at boot (after
 * Query) and verifies it in full: PCK chain to the enrolled root, QE report,
 * collateral (fetched then, so the first session does not wait for it),
 * TCB. A session whose own quote matches that one in everything but
 * REPORTDATA and the signature takes the boot result, with its own
 * REPORTDATA written in; any other own quote is verified in full as before.
 *
 * The boot result stands while the collateral it was judged with does: it
 * is dropped when that collateral's entry in the cache is fetched anew or
 * reaches its nextUpdate, and the next session verifies its own quote in
 * full again (and keeps that result).
 *
 * A boot check that fails does not stop the MigTD (upstream has no such
 * check): it is logged, nothing is kept, and every session verifies its
 * own quote in full, which fails with status 7 (§1.5) if it still does not
 * verify.
 */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "migtd/log.h"
#include "migtd/tdreport.h"
#include "session_internal.h"

/* REPORTDATA's offset in the TD report body: the same as in the verified
 * report (docs/protocol.md §8.2). */
#define BODY_REPORT_DATA MIGTD_VR_REPORT_DATA

/* Byte ranges of a quote that two quotes of one platform share, and where
 * REPORTDATA sits (copied into the verified report). */
struct own_layout {
	size_t rd_off;  /* REPORTDATA, 64 bytes */
	size_t sig_off; /* the quote signature, 64 bytes */
};

static bool own_layout(const uint8_t *quote, size_t len, struct own_layout *l)
{
	struct migtd_quote q;

	if (migtd_quote_parse(quote, len, &q) != MIGTD_OK || q.total_len > len ||
	    q.body_raw == NULL || q.signature == NULL)
		return false;
	l->rd_off = (size_t)(q.body_raw - quote) + BODY_REPORT_DATA;
	l->sig_off = (size_t)(q.signature - quote);
	return l->rd_off + 64 <= l->sig_off && l->sig_off + 64 <= len;
}

/* The collateral entry the kept result was judged with, if still the same fetch. */
static bool coll_unchanged(const struct migtd_core *c, int64_t now_s)
{
	const struct migtd_own_quote *o = &c->own;
	const struct migtd_coll_entry *e;

	if (o->coll_entry >= MIGTD_COLL_ENTRIES)
		return true; /* verified without collateral */
	e = &c->coll.e[o->coll_entry];
	if (e->state != MIGTD_COLL_READY || e->gen != o->coll_gen ||
	    memcmp(e->fmspc, o->fmspc, sizeof(o->fmspc)) != 0 || e->ca != o->ca)
		return false;
	return now_s <= 0 || e->next_update <= 0 || now_s < e->next_update;
}

void migtd_own_quote_remember(struct migtd_core *c, const uint8_t *quote, size_t len,
			      const uint8_t report[MIGTD_VERIFIED_REPORT_SIZE],
			      const struct migtd_quote_verify_result *r)
{
	struct migtd_own_quote *o = &c->own;
	struct own_layout l;

	if (!c->cfg.own_quote_once || len > sizeof(o->quote) || !own_layout(quote, len, &l))
		return;
	memcpy(o->quote, quote, len);
	o->quote_len = len;
	memcpy(o->report, report, MIGTD_VERIFIED_REPORT_SIZE);
	memcpy(o->fmspc, r->pck.fmspc, sizeof(o->fmspc));
	o->ca = r->pck_ca;
	o->coll_entry = MIGTD_COLL_ENTRIES;
	for (unsigned i = 0; i < MIGTD_COLL_ENTRIES; i++) {
		const struct migtd_coll_entry *e = &c->coll.e[i];

		if (e->state == MIGTD_COLL_READY && e->ca == o->ca &&
		    memcmp(e->fmspc, o->fmspc, sizeof(o->fmspc)) == 0) {
			o->coll_entry = i;
			o->coll_gen = e->gen;
		}
	}
	o->valid = true;
	o->full_verifications++;
}

bool migtd_own_quote_reuse(struct migtd_core *c, const uint8_t *quote, size_t len, int64_t now_s,
			   uint8_t report[MIGTD_VERIFIED_REPORT_SIZE])
{
	struct migtd_own_quote *o = &c->own;
	struct own_layout l;

	if (!c->cfg.own_quote_once || !o->valid)
		return false;
	if (!coll_unchanged(c, now_s)) {
		o->valid = false; /* judged with collateral since replaced: verify again */
		return false;
	}
	/* The same platform evidence: every byte but REPORTDATA and the
	 * signature over it (both quotes parse with the same layout, so the
	 * ranges line up). */
	if (len != o->quote_len || !own_layout(quote, len, &l) ||
	    memcmp(quote, o->quote, l.rd_off) != 0 ||
	    memcmp(quote + l.rd_off + 64, o->quote + l.rd_off + 64, l.sig_off - l.rd_off - 64) !=
		    0 ||
	    memcmp(quote + l.sig_off + 64, o->quote + l.sig_off + 64, len - l.sig_off - 64) != 0)
		return false;
	memcpy(report, o->report, MIGTD_VERIFIED_REPORT_SIZE);
	memcpy(report + MIGTD_VR_REPORT_DATA, quote + l.rd_off, 64);
	o->reuses++;
	return true;
}

/* The collateral provider for the boot check (the sessions have their own). */
static int boot_collateral(void *ctx, const uint8_t fmspc[6], enum migtd_pck_ca ca,
			   const struct migtd_quote_collateral **out)
{
	struct migtd_core *c = ctx;

	return migtd_coll_provide(&c->coll, c->plat, core_log(c), MIGTD_LOG_NO_REQUEST,
				  &c->own.ticket, fmspc, ca, core_wall_now(c), out);
}

/* The boot check is over, passed or not: the core serves requests. */
static bool boot_done(struct migtd_core *c, int err, const char *why)
{
	struct migtd_own_quote *o = &c->own;

	o->boot_err = err;
	o->step = MIGTD_OWN_DONE;
	mbedtls_platform_zeroize(o->qbuf, sizeof(o->qbuf));
	if (err == MIGTD_OK)
		return true;
	MIGTD_ERROR(core_log(c), MIGTD_LOG_NO_REQUEST,
		    "boot: own quote check failed: %s (%s); every session verifies its own quote "
		    "in full (status %u if it still fails)",
		    why, migtd_err_str(err), (unsigned)migtd_err_status(MIGTD_ERR_QUOTE));
	return true;
}

static bool boot_quote_start(struct migtd_core *c, uint64_t now)
{
	struct migtd_own_quote *o = &c->own;
	uint8_t rd[TDREPORT_REPORT_DATA_SIZE];
	const char *why;
	int ret;

	if (o->deadline_ms == 0)
		o->deadline_ms = now + c->cfg.timeout_ms;
	/* REPORTDATA binds nothing: this quote never leaves the MigTD. */
	memset(rd, 0, sizeof(rd));
	why = migtd_session_quote_request(c, rd, &o->call, o->qbuf, sizeof(o->qbuf));
	if (why != NULL)
		return boot_done(c, MIGTD_ERR_QUOTE, why);
	ret = migtd_plat_quote_start(c->plat, &o->call);
	if (ret == MIGTD_ERR_AGAIN)
		return now >= o->deadline_ms
			       ? boot_done(c, MIGTD_ERR_QUOTE, "GetQuote channel busy")
			       : false;
	if (ret != MIGTD_OK)
		return boot_done(c, MIGTD_ERR_QUOTE, "GetQuote failed");
	o->step = MIGTD_OWN_QUOTE_WAIT;
	return false;
}

static bool boot_quote_wait(struct migtd_core *c, uint64_t now)
{
	struct migtd_own_quote *o = &c->own;
	struct ghci_getquote_hdr hdr;
	struct ghci_qgs_get_quote_resp resp;
	const uint8_t *msg = NULL;
	size_t msg_len = 0;
	int ret = migtd_plat_quote_poll(c->plat, &o->call);

	if (ret == MIGTD_ERR_AGAIN) {
		if (now < o->deadline_ms)
			return false;
		if (migtd_plat_quote_cancel(c->plat, &o->call) != MIGTD_OK)
			MIGTD_WARN(core_log(c), MIGTD_LOG_NO_REQUEST,
				   "boot: own GetQuote could not be cancelled");
		return boot_done(c, MIGTD_ERR_QUOTE, "GetQuote not answered in time");
	}
	if (ret == MIGTD_OK)
		ret = migtd_ghci_getquote_rsp_parse(o->qbuf, sizeof(o->qbuf), &hdr, &msg, &msg_len);
	/* A busy quote service is not waited for here: the sessions retry
	 * with their own back-off (docs/protocol.md §8.7). */
	if (ret == MIGTD_OK)
		ret = migtd_ghci_qgs_get_quote_resp_parse(msg, msg_len, &resp);
	if (ret != MIGTD_OK || resp.quote.len == 0)
		return boot_done(c, MIGTD_ERR_QUOTE, "GetQuote failed or busy");
	o->boot_quote = resp.quote.p;
	o->boot_quote_len = resp.quote.len;
	o->step = MIGTD_OWN_VERIFY;
	return false;
}

/*
 * Policy v2: the own quote is judged with our policy's collateral
 * (docs/protocol.md §7.7.7 step 6), which is fixed for the life of the
 * core, so the result stands as long as the core does. It is the "self"
 * reference of every peer authentication; REPORTDATA does not enter it.
 */
static bool boot_verify_v2(struct migtd_core *c)
{
	struct migtd_own_quote *o = &c->own;
	enum migtd_pv2_result r;

	memset(&c->pv2_explain, 0, sizeof(c->pv2_explain));
	r = migtd_policy_v2_verify_quote(&c->pv2, o->boot_quote, o->boot_quote_len,
					 MIGTD_QTIME_COLLATERAL, c->cfg.verify_time, &c->sig_cache,
					 c->v2_own_report, &c->pv2_explain);
	if (r != MIGTD_PV2_OK)
		return boot_done(c, MIGTD_ERR_QUOTE, migtd_pv2_result_name(r));
	c->v2_own_report_ok = true;
	MIGTD_INFO(core_log(c), MIGTD_LOG_NO_REQUEST,
		   "boot: own quote verified with the policy v2 collateral (%zu bytes); sessions "
		   "reuse it as the \"self\" reference",
		   o->boot_quote_len);
	return boot_done(c, MIGTD_OK, NULL);
}

static bool boot_verify(struct migtd_core *c)
{
	struct migtd_own_quote *o = &c->own;
	struct migtd_quote_verify_params params = {
		.root_ca = c->cfg.root_ca,
		.root_ca_len = c->cfg.root_ca_len,
		.now = c->cfg.verify_time,
		.time_mode = MIGTD_QTIME_COLLATERAL,
		.provider = boot_collateral,
		.provider_ctx = c,
		.sig_cache = &c->sig_cache,
	};
	uint8_t report[MIGTD_VERIFIED_REPORT_SIZE];
	int ret;

	memset(&c->qres, 0, sizeof(c->qres));
	ret = migtd_quote_verify(o->boot_quote, o->boot_quote_len, &params, &c->qres, report);
	if (ret == MIGTD_ERR_AGAIN)
		return false; /* collateral on its way (migtd_coll_poll) */
	if (ret != MIGTD_OK) {
		enum migtd_quote_step st = c->qres.failed_step;

		migtd_session_drop_bad_collateral(c, &c->qres);
		return boot_done(c, ret,
				 st < MIGTD_QSTEP_COUNT && c->qres.reason[st] ? c->qres.reason[st]
									      : "does not verify");
	}
	migtd_own_quote_remember(c, o->boot_quote, o->boot_quote_len, report, &c->qres);
	mbedtls_platform_zeroize(report, sizeof(report));
	MIGTD_INFO(core_log(c), MIGTD_LOG_NO_REQUEST,
		   "boot: own quote verified (%zu bytes): TCB %s, QE %s; sessions reuse it",
		   o->boot_quote_len, c->qres.tcb_status[0] ? c->qres.tcb_status : "-",
		   c->qres.qe_tcb_status[0] ? c->qres.qe_tcb_status : "-");
	return boot_done(c, MIGTD_OK, NULL);
}

bool migtd_own_quote_boot_step(struct migtd_core *c, uint64_t now)
{
	switch (c->own.step) {
	case MIGTD_OWN_QUOTE_START: return boot_quote_start(c, now);
	case MIGTD_OWN_QUOTE_WAIT: return boot_quote_wait(c, now);
	case MIGTD_OWN_VERIFY: return c->cfg.policy_v2 ? boot_verify_v2(c) : boot_verify(c);
	case MIGTD_OWN_DONE: return true;
	}
	return true;
}
