/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * own_quote.c -- our own quote, verified once instead of in every session
 * (docs/performance.md, "Own quote verified once"; docs/protocol.md §5.5
 * step 1, §8.4).
 *
 * Every session's own quote comes from the same platform: the same TD
 * measurements, attestation key, QE report and PCK chain; only REPORTDATA
 * (the session key's hash) and the attestation key's signature over it
 * differ. So with cfg.own_quote_once the first own quote that verifies in
 * full (PCK chain to the enrolled root, QE report, collateral, TCB) is
 * kept, with its verified report. A later session whose own quote matches
 * it in everything but REPORTDATA and the signature takes that result, with
 * its own REPORTDATA written in; any other own quote is verified in full as
 * before.
 *
 * The kept result stands while the collateral it was judged with does: it
 * is dropped when that collateral's entry in the cache is fetched anew or
 * reaches its nextUpdate, and the next session verifies its own quote in
 * full again (and keeps that result). An own quote that does not verify is
 * never kept: each session fails with status 7 (§1.5) as before.
 */
#include <string.h>

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
