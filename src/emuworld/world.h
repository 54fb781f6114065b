/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * world.h -- two MigTD cores in one process (shared by tests/unit/test_session.c
 * and bench/bench_premigration.c): two emulated platforms (emu_pki/emu_tdx/
 * emu_qgs_handle under one shared root CA), an in-process platform adapter, a
 * fake VMM (Query, WaitForRequest with real HOB lists, ReportStatus) and
 * in-memory streams between the cores.
 *
 * Not a framework: no cmocka in here. A harness failure (a broken invariant,
 * a timeout) goes to world_fail, which the caller sets (the tests: cmocka's
 * fail_msg; the benchmarks: print and exit).
 *
 * Set MIGTD_TEST_LOG=1 to see both MigTDs' logs on stderr.
 */
#ifndef MIGTD_TEST_WORLD_H
#define MIGTD_TEST_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_host.h"
#include "emu_tdx.h"
#include "migtd/session.h"

/* Never returns. Default: print to stderr and abort(). */
extern void (*world_fail)(const char *fmt, ...);

/* ---- fixtures shared by all worlds (world_fixture_init) --------------------------- */

struct world_fixture {
	char dir[256];    /* temporary directory holding both PKIs */
	char pki[2][300]; /* [0] source platform, [1] destination platform */
	uint8_t *policy;  /* config/policy.json */
	size_t policy_len;
	uint8_t *root; /* root_ca.der (shared by both platforms) */
	size_t root_len;
};

/* psa_crypto_init, two platforms of the same model under one root CA
 * (emu_pki_init), config/policy.json. Returns 0 or -1 (message on stderr). */
int world_fixture_init(struct world_fixture *f);
/* Free and remove the temporary directory. Returns 0 or -1. */
int world_fixture_fini(struct world_fixture *f);

/* ---- mbedTLS heap accounting (install with world_heap_hook) ----------------------- */

struct world_heap {
	size_t cur, peak; /* bytes live now / at most since the last reset */
	uint64_t allocs;  /* calloc calls */
	/* Allocations by the core world_run is polling (the two MigTDs of a
	 * world share the process's allocator; world_heap_side says whose turn
	 * it is: 0 source, 1 destination, -1 neither). */
	uint64_t side_allocs[2];
	/* Out of heap for one MigTD: once side_allocs[fail_side] reaches
	 * fail_from (0: never), this and every later calloc of that side returns
	 * NULL, until the test clears fail_from. */
	int fail_side;
	uint64_t fail_from;
	uint64_t failed; /* callocs refused so far */
	/* Bytes live per MigTD (attributed to the side whose poll allocated
	 * them), and a fake heap size per side (0: unlimited): a calloc that
	 * would take side_cur over side_cap returns NULL, like a full firmware
	 * heap. */
	size_t side_cur[2], side_peak[2], side_cap[2];
};

extern int world_heap_side;

extern struct world_heap world_heap;

/* mbedtls_platform_set_calloc_free() with the counting allocator. */
void world_heap_hook(void);

/* ---- in-memory streams (the two VMMs' relay) --------------------------------------- */

#define NET_MAX_LINKS 256
#define NET_MAX_ENDS 512

struct pipe {
	uint8_t *buf;
	size_t len, cap;
	size_t total; /* bytes ever written */
};

struct link {
	bool used;
	uint32_t port;
	bool opened[2], closed[2]; /* [0] source, [1] destination */
	bool cut;                  /* cut_after reached: the relay is gone */
	struct pipe to[2];         /* to[r]: bytes for role r */
};

struct net {
	struct link links[NET_MAX_LINKS];
	struct {
		struct link *l;
		int role;
	} ends[NET_MAX_ENDS];
	unsigned nends;
	/* fault injection, source -> destination direction */
	size_t flip_offset;   /* flip this byte (1-based; 0: off) */
	size_t flip_send_len; /* flip a byte of the first send of exactly this length */
	bool flipped;
	size_t cut_after;     /* end the link after this many bytes (0: off) */
	size_t fail_send_len; /* the source's first send of exactly this length fails
	                          * (a reset under it) and ends the link */
	bool open_fail[2];    /* [role]: stream open fails (refused connect) */
	bool open_busy[2];    /* [role]: stream open says "no stream yet" forever */
	bool close_fail[2];   /* [role]: stream shutdown fails */
	bool cut_reset;       /* ... as a reset (recv fails) instead of an end of stream */
};

/* The streams' operations (ctx: struct net), for tests that play a peer by hand. */
extern const struct migtd_stream_ops world_net_ops;

/* ---- fault injection into one side's platform (struct side.faults) ----------------- */

/* The platform calls of a core, by kind; Service calls by what they carry. */
enum world_call {
	WORLD_MR_REPORT,
	WORLD_RTMR_EXTEND,
	WORLD_SERVTD_RD,
	WORLD_SERVTD_WR,
	WORLD_SYS_RD,
	WORLD_QUERY,  /* Service: Query */
	WORLD_WFR,    /* Service: WaitForRequest */
	WORLD_REPORT, /* Service: ReportStatus */
	WORLD_QUOTE,  /* GetQuote */
	WORLD_STREAM_OPEN,
	WORLD_STREAM_CLOSE,
	WORLD_CALL_COUNT
};

/*
 * All zero: the platform answers every call at once and correctly. Calls are
 * counted per kind from 1 (for Service, GetQuote and the streams: the calls
 * the platform accepted, so a refusal with MIGTD_ERR_AGAIN does not count).
 */
struct world_faults {
	unsigned calls[WORLD_CALL_COUNT];
	/* The fail_at[k]-th call of kind k fails with fail_err[k] (0: the kind's
	 * own error: MIGTD_ERR_TDCALL for TDCALLs, MIGTD_ERR_VMCALL for Service
	 * and GetQuote, MIGTD_ERR_NETWORK for streams). Service and GetQuote fail
	 * when started, or on completion (their last poll) if fail_on_poll[k]. */
	unsigned fail_at[WORLD_CALL_COUNT];
	int fail_err[WORLD_CALL_COUNT];
	bool fail_on_poll[WORLD_CALL_COUNT];
	/* The next busy[k] attempts of kind k (Service, GetQuote, stream open and
	 * close) are refused with MIGTD_ERR_AGAIN: the channel is busy. */
	unsigned busy[WORLD_CALL_COUNT];
	/* Service and GetQuote calls stay in flight: polls answer MIGTD_ERR_AGAIN
	 * this many times before the completion. */
	unsigned in_flight;
	/* The malformed_at[k]-th answer of kind k (Service, GetQuote) comes back
	 * corrupted: its GUID (Service) or its message's length prefix (GetQuote). */
	unsigned malformed_at[WORLD_CALL_COUNT];
	/* The quote_status_at-th GetQuote completes with this GHCI status word. */
	unsigned quote_status_at;
	uint64_t quote_status;
	/* What was injected (tests check that the fault really happened). */
	unsigned injected, busy_answers, in_flight_answers;
};

/* ---- one emulated platform + its VMM ------------------------------------------------ */

#define MAX_QUEUED 80
#define WORLD_MAX_QUOTES 16
#define MAX_REPORTS 80

struct report {
	uint64_t id;
	uint8_t status;
	uint64_t t_us; /* when ReportStatus arrived (world_now_us) */
};

#define WORLD_MAX_PENDING 96

struct side {
	const char *name;
	struct net *net; /* the world's streams (stream_ctx is the side) */
	struct world_faults faults;
	struct { /* Service/GetQuote calls in flight */
		const void *call;
		unsigned polls_left;
		int ret; /* what the completing poll returns */
	} pending[WORLD_MAX_PENDING];
	struct emu_host_platform h;
	struct migtd_platform plat;
	struct migtd_core *core;
	struct migtd_config cfg;
	/* VMM */
	bool query_unsupported;
	uint8_t queue[MAX_QUEUED][2048];
	size_t queue_len[MAX_QUEUED];
	unsigned nqueued, next;
	struct report reports[MAX_REPORTS];
	unsigned nreports;
	bool sys_rd_big;                     /* TDG.SYS.RD MAX_*_VERSION answers 0x10000 */
	unsigned quote_busy;                 /* answer this many GetQuotes with "QGS unavailable" */
	bool quote_hang;                     /* take every GetQuote and never answer it */
	unsigned quotes;                     /* GetQuote calls started */
	unsigned collateral_fetches;         /* GET_COLLATERAL requests seen (not in quotes) */
	uint64_t quote_at[WORLD_MAX_QUOTES]; /* platform time of each (ms) */
	struct migtd_quote_call *quote_pending; /* the unanswered one (quote_hang) */
	uint64_t quote_status;         /* nonzero: the GHCI status every GetQuote completes with */
	bool quote_malformed;          /* GetQuote completes with status 0 but no message */
	bool fail_quote_start;         /* TDVMCALL<GetQuote> itself fails */
	bool quote_channel_busy;       /* GetQuote never gets started (backend busy) */
	bool fail_mr_report;           /* TDG.MR.REPORT fails */
	bool fail_sys_rd;              /* TDG.SYS.RD fails */
	uint64_t fail_servtd_wr_field; /* nonzero: TDG.SERVTD.WR of this field fails */
	uint64_t fail_servtd_rd_field; /* nonzero: TDG.SERVTD.RD of this field fails */
	unsigned quote_cancels;
	bool report_hang;         /* take every ReportStatus and never answer it */
	unsigned service_cancels; /* Service calls the core gave up on */
	/* The platform clock is real time + clock_skip_ms: a test can move one
	 * side's clock forward (world_skip_to) instead of sleeping. */
	uint64_t clock_skip_ms;
	/* log */
	bool keep_log; /* collect the log lines in log (tests) */
	char *log;
	size_t log_len;
};

struct world {
	struct net net;
	struct side s[2]; /* [0] source platform, [1] destination platform */
	unsigned idle_us; /* world_run sleeps this long per round (0: spin) */
	bool check_wake;  /* world_fail if a core asks for a wake-up time long past
	                       * (off under valgrind, where one poll can take seconds) */
};

extern const uint8_t world_mrtd[48];

uint64_t world_now_ms(void);
uint64_t world_now_us(void);
/* One side's platform clock (what its core sees), and moving it forward to
 * t_ms (never backwards). */
uint64_t world_side_now_ms(const struct side *sd);
void world_skip_to(struct side *sd, uint64_t t_ms);

/* Two sides on f's platforms, policies pol0/pol1 (NULL: f->policy), not
 * started; adjust cfg, versions, faults, then world_start. */
struct world *world_new(const struct world_fixture *f, const uint8_t *pol0, size_t len0,
			const uint8_t *pol1, size_t len1);
void world_start(struct world *w);
void world_free(struct world *w);

/* Queue a migration request (real HOB list) on one side's VMM. */
void world_queue_request(struct side *sd, uint64_t id, bool source, const struct emu_user_td *td,
			 uint32_t port);
/* Poll both cores until each side has `want` reports; world_fail after max_ms. */
void world_run(struct world *w, unsigned want0, unsigned want1, unsigned max_ms);
/* The status reported for id (-1: none); world_fail if reported twice. */
int world_report_of(const struct side *sd, uint64_t id);
/* The report of id, or NULL. */
const struct report *world_find_report(const struct side *sd, uint64_t id);

/* With no session active on either side: forget the VMM queues, the reports
 * and the stream links, so that a long run can go on (benchmarks). */
void world_recycle(struct world *w);

#endif
