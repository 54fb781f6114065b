/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * collateral_cache.c -- collateral per platform, fetched with GetQuote
 * GET_COLLATERAL_REQ/RESP and kept until its nextUpdate (see
 * include/migtd/collateral_cache.h and docs/collateral.md).
 */
#include <string.h>

#include "migtd/collateral_cache.h"
#include "migtd/fmt.h"
#include "migtd/ghci.h"

static bool same_key(const struct migtd_coll_entry *e, const uint8_t fmspc[6], enum migtd_pck_ca ca)
{
	return e->state != MIGTD_COLL_EMPTY && e->ca == ca && memcmp(e->fmspc, fmspc, 6) == 0;
}

static struct migtd_coll_entry *find(struct migtd_coll_cache *cc, const uint8_t fmspc[6],
				     enum migtd_pck_ca ca)
{
	for (unsigned i = 0; i < MIGTD_COLL_ENTRIES; i++)
		if (same_key(&cc->e[i], fmspc, ca))
			return &cc->e[i];
	return NULL;
}

/* A free entry, else the least recently used READY one; NULL if all are fetching. */
static struct migtd_coll_entry *victim(struct migtd_coll_cache *cc)
{
	struct migtd_coll_entry *best = NULL;

	for (unsigned i = 0; i < MIGTD_COLL_ENTRIES; i++) {
		struct migtd_coll_entry *e = &cc->e[i];

		if (e->state == MIGTD_COLL_EMPTY)
			return e;
		if (e->state == MIGTD_COLL_READY && (!best || e->used < best->used))
			best = e;
	}
	return best;
}

/* t waits for a fetch of this platform's collateral. */
static bool waits_for(const struct migtd_coll_ticket *t, const uint8_t fmspc[6],
		      enum migtd_pck_ca ca)
{
	return t->waiting && t->ca == ca && memcmp(t->fmspc, fmspc, 6) == 0;
}

static void key_text(char out[24], const struct migtd_coll_entry *e)
{
	migtd_hex(out, 13, e->fmspc, 6);
}

int migtd_coll_parse(const uint8_t *buf, size_t len, struct migtd_quote_collateral *c)
{
	struct ghci_getquote_hdr hdr;
	struct ghci_qgs_get_collateral_resp r;
	const uint8_t *msg = NULL;
	size_t msg_len = 0;
	int ret;

	memset(c, 0, sizeof(*c));
	ret = migtd_ghci_getquote_rsp_parse(buf, len, &hdr, &msg, &msg_len);
	if (ret == MIGTD_OK)
		ret = migtd_ghci_qgs_get_collateral_resp_parse(msg, msg_len, &r);
	if (ret != MIGTD_OK)
		return ret == MIGTD_ERR_AGAIN ? MIGTD_ERR_QUOTE : ret;
	for (unsigned i = 0; i < GHCI_QGS_COLLATERAL_BLOBS; i++)
		if (r.blob[i].len == 0)
			return MIGTD_ERR_INVALID;
	c->root_crl = r.blob[GHCI_QGS_ROOT_CA_CRL].p;
	c->root_crl_len = r.blob[GHCI_QGS_ROOT_CA_CRL].len;
	c->pck_crl = r.blob[GHCI_QGS_PCK_CRL].p;
	c->pck_crl_len = r.blob[GHCI_QGS_PCK_CRL].len;
	c->tcb_info = r.blob[GHCI_QGS_TCB_INFO].p;
	c->tcb_info_len = r.blob[GHCI_QGS_TCB_INFO].len;
	c->tcb_info_issuer_chain = r.blob[GHCI_QGS_TCB_INFO_ISSUER_CHAIN].p;
	c->tcb_info_issuer_chain_len = r.blob[GHCI_QGS_TCB_INFO_ISSUER_CHAIN].len;
	c->qe_identity = r.blob[GHCI_QGS_QE_IDENTITY].p;
	c->qe_identity_len = r.blob[GHCI_QGS_QE_IDENTITY].len;
	c->qe_identity_issuer_chain = r.blob[GHCI_QGS_QE_IDENTITY_ISSUER_CHAIN].p;
	c->qe_identity_issuer_chain_len = r.blob[GHCI_QGS_QE_IDENTITY_ISSUER_CHAIN].len;
	/* Dates that do not parse make the answer useless: not cached. */
	ret = migtd_quote_collateral_window(c, &c->latest_issue, &c->earliest_expiry);
	if (ret != MIGTD_OK || c->latest_issue == 0 || c->earliest_expiry == 0) {
		memset(c, 0, sizeof(*c));
		return ret == MIGTD_ERR_NOMEM ? ret : MIGTD_ERR_INVALID;
	}
	return MIGTD_OK;
}

int migtd_quote_call_prepare(struct migtd_quote_call *call, uint8_t *buf, size_t cap,
			     const uint8_t *msg, size_t msg_len)
{
	size_t len = 0;
	int ret = migtd_ghci_getquote_req_build(buf, cap, msg, msg_len, &len);

	if (ret != MIGTD_OK)
		return ret;
	memset(call, 0, sizeof(*call));
	call->buf = buf;
	call->len = len;
	call->cap = cap;
	return MIGTD_OK;
}

/* Build the GET_COLLATERAL request in e->buf and hand it to the platform. */
static int start_fetch(struct migtd_coll_entry *e, const struct migtd_platform *plat)
{
	uint8_t msg[64];
	size_t msg_len = 0;
	int ret;

	ret = migtd_ghci_qgs_get_collateral_req_build(msg, sizeof(msg), e->fmspc,
						      migtd_pck_ca_name(e->ca), &msg_len);
	if (ret == MIGTD_OK)
		ret = migtd_quote_call_prepare(&e->call, e->buf, sizeof(e->buf), msg, msg_len);
	if (ret != MIGTD_OK)
		return ret;
	return migtd_plat_quote_start(plat, &e->call);
}

/* Free the entry; gen moves on so that a session waiting for it sees it gone. */
static void forget(struct migtd_coll_entry *e)
{
	e->gen++;
	e->state = MIGTD_COLL_EMPTY;
	memset(&e->coll, 0, sizeof(e->coll));
}

static void fetch_failed(struct migtd_coll_cache *cc, struct migtd_coll_entry *e,
			 const struct migtd_log *log, const char *why)
{
	char k[24];

	key_text(k, e);
	MIGTD_WARN(log, MIGTD_LOG_NO_REQUEST, "collateral for FMSPC %s (%s CA): fetch failed: %s",
		   k, migtd_pck_ca_name(e->ca), why);
	cc->fetch_failures++;
	forget(e); /* never cached */
}

static void step_entry(struct migtd_coll_cache *cc, struct migtd_coll_entry *e,
		       const struct migtd_platform *plat, const struct migtd_log *log)
{
	char k[24];
	int ret;

	if (e->state == MIGTD_COLL_START) {
		ret = start_fetch(e, plat);
		if (ret == MIGTD_ERR_AGAIN)
			return; /* the platform's GetQuote channel is busy: later */
		if (ret != MIGTD_OK) {
			fetch_failed(cc, e, log, "GetQuote could not be issued");
			return;
		}
		e->state = MIGTD_COLL_FETCHING;
		e->deadline_ms =
			cc->fetch_timeout_ms ? migtd_plat_now_ms(plat) + cc->fetch_timeout_ms : 0;
	}
	if (e->state != MIGTD_COLL_FETCHING)
		return;
	ret = migtd_plat_quote_poll(plat, &e->call);
	if (ret == MIGTD_ERR_AGAIN) {
		/* A fetch the VMM never answers must not hold the entry (and
		 * every session that needs this platform) forever. */
		if (e->deadline_ms == 0 || migtd_plat_now_ms(plat) < e->deadline_ms)
			return;
		(void)migtd_plat_quote_cancel(plat, &e->call);
		fetch_failed(cc, e, log, "the VMM did not answer in time");
		return;
	}
	if (ret != MIGTD_OK) {
		fetch_failed(cc, e, log, "GetQuote failed");
		return;
	}
	/* The GetQuote status word is classified once, by the parse below
	 * (migtd_ghci_getquote_status_class): an error status is MIGTD_ERR_QUOTE. */
	ret = migtd_coll_parse(e->buf, sizeof(e->buf), &e->coll);
	if (ret != MIGTD_OK) {
		fetch_failed(cc, e, log,
			     ret == MIGTD_ERR_QUOTE
				     ? "the VMM or quote service answered with an error"
				     : "the answer is malformed");
		return;
	}
	e->next_update = e->coll.earliest_expiry;
	e->gen++;
	e->state = MIGTD_COLL_READY;
	key_text(k, e);
	MIGTD_INFO(log, MIGTD_LOG_NO_REQUEST,
		   "collateral for FMSPC %s (%s CA) fetched: TCB Info %zu B, QE Identity %zu B, "
		   "CRLs %zu+%zu B, valid until %lld",
		   k, migtd_pck_ca_name(e->ca), e->coll.tcb_info_len, e->coll.qe_identity_len,
		   e->coll.root_crl_len, e->coll.pck_crl_len, (long long)e->next_update);
}

bool migtd_coll_poll(struct migtd_coll_cache *cc, const struct migtd_platform *plat,
		     const struct migtd_log *log)
{
	bool pending = false;

	for (unsigned i = 0; i < MIGTD_COLL_ENTRIES; i++) {
		struct migtd_coll_entry *e = &cc->e[i];

		step_entry(cc, e, plat, log);
		pending |= e->state == MIGTD_COLL_START || e->state == MIGTD_COLL_FETCHING;
	}
	return pending;
}

int migtd_coll_provide(struct migtd_coll_cache *cc, const struct migtd_platform *plat,
		       const struct migtd_log *log, uint64_t request_id,
		       struct migtd_coll_ticket *t, const uint8_t fmspc[6], enum migtd_pck_ca ca,
		       int64_t now_s, const struct migtd_quote_collateral **out)
{
	struct migtd_coll_entry *e = find(cc, fmspc, ca);
	char k[24];

	/* The fetch this session waited for (for this platform: a session asks
	 * for its own quote's platform again before the peer's) ended without
	 * collateral. */
	if (waits_for(t, fmspc, ca) && t->entry < MIGTD_COLL_ENTRIES) {
		struct migtd_coll_entry *w = &cc->e[t->entry];

		/* Its fetch ended (gen moved on) and left no collateral behind. */
		if (w->gen != t->gen && !(w == e && w->state == MIGTD_COLL_READY)) {
			t->waiting = false;
			MIGTD_ERROR(log, request_id,
				    "collateral for the platform could not be obtained");
			return MIGTD_ERR_QUOTE;
		}
	}
	/* Past its nextUpdate: fetch anew -- unless this session waited for
	 * exactly this fetch (the VMM has nothing newer; upstream's library
	 * would use it, expiry is only reported: docs/collateral.md). */
	if (e && e->state == MIGTD_COLL_READY && now_s > 0 && now_s > e->next_update &&
	    !(waits_for(t, fmspc, ca) && t->entry == (unsigned)(e - cc->e) && t->gen != e->gen)) {
		key_text(k, e);
		MIGTD_INFO(
			log, request_id,
			"collateral for FMSPC %s past its nextUpdate (%lld < %lld): fetching anew",
			k, (long long)e->next_update, (long long)now_s);
		e->state = MIGTD_COLL_START;
		memset(&e->coll, 0, sizeof(e->coll));
	}
	if (e && e->state == MIGTD_COLL_READY) {
		if (waits_for(t, fmspc, ca))
			t->waiting = false;
		e->used = ++cc->clock;
		cc->hits++;
		*out = &e->coll;
		return MIGTD_OK;
	}
	if (!e) {
		e = victim(cc);
		if (!e)
			return MIGTD_ERR_AGAIN; /* every entry is mid-fetch: wait for one */
		memset(&e->coll, 0, sizeof(e->coll));
		memcpy(e->fmspc, fmspc, 6);
		e->ca = ca;
		e->state = MIGTD_COLL_START;
		e->used = ++cc->clock;
		cc->fetches++;
		key_text(k, e);
		MIGTD_INFO(log, request_id,
			   "collateral for FMSPC %s (%s CA): fetching (GET_COLLATERAL)", k,
			   migtd_pck_ca_name(ca));
		step_entry(cc, e, plat, log);
		if (e->state == MIGTD_COLL_EMPTY) {
			MIGTD_ERROR(log, request_id,
				    "collateral for the platform could not be obtained");
			return MIGTD_ERR_QUOTE;
		}
	}
	t->waiting = true;
	memcpy(t->fmspc, fmspc, 6);
	t->ca = ca;
	t->entry = (unsigned)(e - cc->e);
	t->gen = e->gen;
	return MIGTD_ERR_AGAIN;
}

void migtd_coll_invalidate(struct migtd_coll_cache *cc, const uint8_t fmspc[6],
			   enum migtd_pck_ca ca)
{
	struct migtd_coll_entry *e = find(cc, fmspc, ca);

	if (e && e->state == MIGTD_COLL_READY)
		forget(e);
}
