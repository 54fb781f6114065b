/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * collateral_cache.h -- quote-verification collateral per platform (FMSPC +
 * PCK CA type), fetched through TDG.VP.VMCALL<GetQuote> GET_COLLATERAL
 * (docs/protocol.md §2.6, §8.4) and kept until its nextUpdate (docs/collateral.md).
 *
 * One cache per MigTD core. The core is single-threaded, so "concurrent"
 * sessions are interleaved state machines: the first session that needs a
 * platform's collateral starts the fetch, every session that needs it while
 * it is in flight waits for the same fetch (a ticket remembers which fetch
 * it waited for), and all of them see its outcome. A failed fetch leaves
 * nothing behind: the next session that needs the platform fetches again.
 *
 * The fetch belongs to the cache, not to a session, because the platform
 * owns the GHCI buffer until the VMM completes the call: a session that
 * ends (timeout, peer gone) cannot take the buffer with it.
 *
 * Content is not trusted here: it is only split into its seven blobs and
 * its date window computed. Every signature, chain and CRL is checked by
 * migtd_quote_verify() for each quote; the signature memo makes the repeat
 * checks free.
 */
#ifndef MIGTD_COLLATERAL_CACHE_H
#define MIGTD_COLLATERAL_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/log.h"
#include "migtd/platform.h"
#include "migtd/quote.h"

/* Platforms remembered at once (a MigTD talks to few). */
#define MIGTD_COLL_ENTRIES 4u
/* GHCI buffer per entry: header, QGS message and the seven blobs. Intel's
 * production collateral for one FMSPC is ~14 KiB. */
#define MIGTD_COLL_BUF (32u * 1024u)

enum migtd_coll_state {
	MIGTD_COLL_EMPTY = 0,
	MIGTD_COLL_START,    /* wanted; GetQuote not accepted yet (platform busy) */
	MIGTD_COLL_FETCHING, /* GetQuote in flight */
	MIGTD_COLL_READY,
};

struct migtd_coll_entry {
	enum migtd_coll_state state;
	uint8_t fmspc[6];
	enum migtd_pck_ca ca;
	uint32_t gen;         /* +1 each time a fetch ends, successfully or not */
	uint64_t used;        /* LRU stamp */
	int64_t next_update;  /* earliest expiry in the collateral (unix s) */
	uint64_t deadline_ms; /* a fetch in flight is given up then (platform ms) */
	struct migtd_quote_call call;
	struct migtd_quote_collateral coll; /* views into buf while READY */
	uint8_t buf[MIGTD_COLL_BUF];
};

/* What a session waits for (one fetch at a time per session). */
struct migtd_coll_ticket {
	bool waiting;
	uint8_t fmspc[6]; /* the platform it waits for */
	enum migtd_pck_ca ca;
	unsigned entry;
	uint32_t gen;
};

struct migtd_coll_cache {
	struct migtd_coll_entry e[MIGTD_COLL_ENTRIES];
	uint64_t clock;
	/* How long the VMM may take to answer one fetch (0: no bound); the
	 * core sets its vmm_timeout_ms (docs/vmm-failures.md). */
	uint32_t fetch_timeout_ms;
	/* statistics, for logs and tests */
	uint64_t fetches, fetch_failures, hits;
};

/*
 * The provider behind migtd_quote_verify(): MIGTD_OK with *out when the
 * platform's collateral is here and current at now_s (the session's wall
 * clock; <= 0: no clock, never stale); MIGTD_ERR_AGAIN when a fetch was
 * started or is in flight (t remembers it); MIGTD_ERR_QUOTE when the fetch
 * t waited for failed. log/request_id: where to say what happened.
 */
int migtd_coll_provide(struct migtd_coll_cache *cc, const struct migtd_platform *plat,
		       const struct migtd_log *log, uint64_t request_id,
		       struct migtd_coll_ticket *t, const uint8_t fmspc[6], enum migtd_pck_ca ca,
		       int64_t now_s, const struct migtd_quote_collateral **out);

/* Drive the fetches (start what waits, poll what is in flight). true if
 * any fetch is pending (the caller should poll again soon). */
bool migtd_coll_poll(struct migtd_coll_cache *cc, const struct migtd_platform *plat,
		     const struct migtd_log *log);

/* Forget a platform's collateral (it failed verification: fetch it anew). */
void migtd_coll_invalidate(struct migtd_coll_cache *cc, const uint8_t fmspc[6],
			   enum migtd_pck_ca ca);

/*
 * Wrap the QGS message msg in a GHCI GetQuote buffer in buf (cap bytes) and
 * point call at it, ready for migtd_plat_quote_start(). Used for the
 * collateral fetches and for a session's own quote.
 */
int migtd_quote_call_prepare(struct migtd_quote_call *call, uint8_t *buf, size_t cap,
			     const uint8_t *msg, size_t msg_len);

/*
 * Split a completed GetQuote buffer holding a GET_COLLATERAL_RESP into the
 * verifier's collateral (views into buf) and compute its date window.
 * Bounded; MIGTD_ERR_QUOTE for an error answer, MIGTD_ERR_LENGTH /
 * MIGTD_ERR_INVALID for a malformed one.
 */
int migtd_coll_parse(const uint8_t *buf, size_t len, struct migtd_quote_collateral *c);

#endif /* MIGTD_COLLATERAL_CACHE_H */
