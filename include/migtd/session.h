/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * session.h -- the MigTD core: boot measurements, the request loop and one
 * pre-migration state machine per request (docs/protocol.md §1.2-§1.5, §2.2-§2.3, §5,
 * §6, §9.4-§9.5).
 *
 * Everything is driven by migtd_core_poll(), which never blocks: it starts
 * or polls platform calls (TDVMCALL<Service>, GetQuote), moves bytes on the
 * MigTD<->MigTD streams, runs TLS steps, and says when it wants to be
 * called again. The host program or the firmware event loop calls it
 * whenever a file descriptor / interrupt fired or that time has come.
 *
 * Memory: struct migtd_core is caller-owned, large (put it in static
 * storage) and holds every buffer the core needs; nothing here allocates
 * except mbedTLS (TLS record buffers, X.509 parsing) through its calloc
 * hook. The limits are the compile-time constants below; a request beyond
 * them waits (sessions) or is refused (peer messages).
 *
 * Lifetime: cfg->policy and cfg->root_ca must stay valid and unchanged
 * until migtd_core_fini() (the parsed policy points into them), and so
 * must the platform. psa_crypto_init() is called by the core at boot.
 */
#ifndef MIGTD_SESSION_H
#define MIGTD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migtd/collateral_cache.h"
#include "migtd/err.h"
#include "migtd/eventlog.h"
#include "migtd/exchange.h"
#include "migtd/ghci.h"
#include "migtd/hob.h"
#include "migtd/platform.h"
#include "migtd/policy.h"
#include "migtd/policy_v2.h"
#include "migtd/presession.h"
#include "migtd/quote.h"
#include "migtd/ratls.h"

/* ---- limits --------------------------------------------------------------- */

/* Requests in flight at once (upstream: 12, docs/protocol.md §1.4). */
#define MIGTD_MAX_SESSIONS 64u
/* Per step (handshake, exchange write, exchange read, close), docs/protocol.md §6.2. */
#define MIGTD_DEFAULT_TIMEOUT_MS 60000u
/* WaitForRequest re-issue interval after "no request" (polling build). */
#define MIGTD_DEFAULT_POLL_INTERVAL_MS 10u
/* GetQuote: 6 attempts, back-off 1, 2, 4, 8, 16 s (docs/protocol.md §2.6). */
#define MIGTD_QUOTE_ATTEMPTS 6u
#define MIGTD_DEFAULT_QUOTE_RETRY_MS 1000u
/* One GHCI GetQuote buffer per session: 24-byte GHCI header, 4-byte size,
 * QGS header and GET_QUOTE_RESP fields, and the quote (a v4 quote with its
 * PEM PCK chain is ~5 KiB; it must also fit in the RA-TLS certificate, which
 * is limited to RATLS_MAX_CERT). */
#define MIGTD_SESSION_QUOTE_BUF 12288u
/* The peer's ExchangeInformation: exactly 40 bytes are read (§6.2). */
#define MIGTD_SESSION_EXCH_BUF EXCHANGE_INFORMATION_SIZE
/* Our own CC event log (policy + root CA + td-shim's separators). */
#define MIGTD_EVENT_LOG_MAX 65536u
/* Scratch for building our certificate in migtd_ratls_session_start. */
#define MIGTD_CERT_WORK_SIZE (RATLS_MAX_CERT + 2048u)
/*
 * Bytes of peers' pre-session data (policy v2, docs/protocol.md §5.7) all
 * sessions may hold at once, unless the configuration says otherwise. One
 * peer may send up to MIGTD_PRESESSION_MAX_BLOB (1 MiB), so 64 sessions
 * could ask for 64 MiB, and eight such peers alone would fill the
 * firmware's 8 MiB heap, failing every other session's TLS allocations at
 * random. 3 MiB holds 17 peers' data of upstream's template size (more
 * than the 12 sessions upstream runs at once) and leaves the rest of the
 * heap to the sessions' working memory (about 250 KiB each with 64 KiB
 * TLS records): docs/policy-v2.md, "Memory under many sessions". A session
 * whose peer announces more than is left fails with status 3
 * (OutOfResource) before anything is allocated; the others go on.
 */
#define MIGTD_PRESESSION_BUDGET (3u * 1024u * 1024u)
/* Service buffers: one page, as upstream (§2.2). */
#define MIGTD_SERVICE_BUF 4096u
#define MIGTD_REPORT_RSP_BUF 64u

/* vmcall-raw: the WaitForRequest buffer (two pages; the largest request is
 * 12 + 568 bytes, docs/vmcall-raw.md) and the ReportStatus data (at most a
 * TDREPORT, or the log area descriptor). */
#define MIGTD_RAW_WFR_BUF 8192u
#define MIGTD_RAW_REPORT_BUF (GHCI_RAW_HDR_LEN + TDREPORT_STRUCT_SIZE)
/* REPORTDATA of a VMM-requested TDREPORT (docs/protocol.md §2.4.6). */
#define MIGTD_RAW_TDREPORT_TAG "HostRequestedMigTDReport"

/* ---- configuration ---------------------------------------------------------- */

/* The VMM interface (docs/protocol.md §0.2, §2.5): chosen at start-up. */
enum migtd_profile {
	MIGTD_PROFILE_SERVICE = 0, /* TDG.VP.VMCALL<Service> + HOB lists (default) */
	MIGTD_PROFILE_VMCALL_RAW,  /* TDG.VP.VMCALL<MigTD>, GHCI 1.5 (docs/vmcall-raw.md) */
};

/*
 * vmcall-raw EnableLogArea (docs/protocol.md §2.4.7): the program's log area,
 * if it has one. enable() stores the level and writes the response data
 * (the descriptor) into out; NULL hook: the MigTD has no log area and the
 * request fails with status 12.
 */
struct migtd_log_area_ops {
	int (*enable)(void *ctx, uint8_t max_level, uint8_t *out, size_t cap, size_t *out_len);
	void *ctx;
};

struct migtd_config {
	const uint8_t *policy; /* enrolled policy: v1 JSON, or v2 signed file (measured, tag 1) */
	size_t policy_len;
	const uint8_t *root_ca; /* v1: enrolled root CA, DER (measured, tag 2); v2: unused */
	size_t root_ca_len;
	uint32_t timeout_ms; /* per step; 0 -> MIGTD_DEFAULT_TIMEOUT_MS */
	/*
	 * The wall clock when wall_clock is NULL (unix seconds). Quote
	 * verification does not use it: sessions verify at the collateral's
	 * own time, as upstream does (docs/collateral.md).
	 */
	int64_t verify_time;
	/*
	 * The wall clock, read once per session (unix seconds; <= 0: none):
	 * decides only when cached collateral is past its nextUpdate and
	 * fetched anew. Quote verification itself is evaluated at the
	 * collateral's own time, as upstream does (docs/collateral.md), so
	 * whoever controls this clock can cause refetches, nothing more.
	 * NULL: verify_time is used.
	 */
	int64_t (*wall_clock)(void *ctx);
	void *wall_clock_ctx;
	bool require_socket_info;  /* vsock builds: Stream-Socket-Info HOB mandatory */
	unsigned max_sessions;     /* <= MIGTD_MAX_SESSIONS; 0 -> MIGTD_MAX_SESSIONS */
	uint32_t poll_interval_ms; /* 0 -> MIGTD_DEFAULT_POLL_INTERVAL_MS */
	uint32_t quote_retry_ms;   /* first GetQuote back-off; 0 -> 1000 (tests: smaller) */
	/*
	 * Verify our own quote once, at boot (one GetQuote after Query), and
	 * reuse that result in every session whose own quote matches it in all
	 * but REPORTDATA, while its collateral stands; otherwise (false, as
	 * upstream) every session verifies its own quote in full. A failing
	 * boot check is logged and the sessions verify in full (7 if it still
	 * fails). docs/performance.md, "Own quote verified at boot".
	 */
	bool own_quote_once;
	/*
	 * Policy v2 (docs/protocol.md §7.7; upstream's `policy_v2` build):
	 * policy is the signed policy file and issuer_chain the policy issuer
	 * chain (PEM, leaf first), both as enrolled. The chain is measured
	 * into RTMR1 (tag 3), the policy into RTMR2 (tag 1, event data "2.0");
	 * the quote-verification root comes from the policy. Requests are then
	 * parsed strictly (§2.3.1), each session runs the pre-session exchange
	 * (§5.7) before TLS and judges its peer by policy v2 (§7.7.7).
	 */
	bool policy_v2;
	const uint8_t *issuer_chain;
	size_t issuer_chain_len;
	/*
	 * How long the core waits for the VMM to answer one Query, ReportStatus
	 * or GetQuote attempt before it gives up on that call (cancels it;
	 * docs/vmm-failures.md); 0 -> timeout_ms. WaitForRequest is not bounded:
	 * a VMM may hold it until it has a request.
	 */
	uint32_t vmm_timeout_ms;
	/* Policy v2: bytes of peers' pre-session data held at once by all
	 * sessions; 0 -> MIGTD_PRESESSION_BUDGET. */
	size_t presession_budget;
	/*
	 * Admission by memory (docs/firmware-heap.md). NULL: only max_sessions
	 * limits the sessions. Otherwise asked before each WaitForRequest while
	 * at least one session runs (active is their number): true if one more
	 * session's heap peak fits beside them. While it says false no request
	 * is taken -- the VMM keeps it, as when max_sessions are running -- and
	 * it is asked again when a session ends. With no session running,
	 * waiting cannot help: the request is taken, and if the heap still runs
	 * out the request fails with 3 (OutOfResource, docs/status-codes.md).
	 */
	bool (*admit)(void *ctx, unsigned active);
	void *admit_ctx;
	enum migtd_profile profile;
	struct migtd_log_area_ops log_area; /* vmcall-raw only */
};

/*
 * The usual admission arithmetic for a heap of fixed size (the firmware's,
 * and the tests' fake budget): every running session is assumed to reach
 * session_peak bytes, on top of what was in use with no session running
 * (baseline), and the heap in use now must leave one more session_peak free
 * (sessions larger than the estimate -- a peer with a larger certificate --
 * then hold the next one back too). All in bytes of the allocator's payload.
 */
struct migtd_heap_budget {
	size_t capacity;     /* what the allocator can hand out */
	size_t baseline;     /* in use with no session running (caller keeps it current) */
	size_t session_peak; /* one session's heap peak, with its margin */
};
bool migtd_heap_budget_admit(const struct migtd_heap_budget *b, size_t in_use, unsigned active);

/* ---- one session -------------------------------------------------------------- */

enum migtd_session_state {
	MIGTD_SS_FREE = 0,
	MIGTD_SS_OPEN,          /* open the stream to the peer */
	MIGTD_SS_PRESESSION,    /* policy v2: HELLO, PRE_SESSION_DATA, START_SESSION */
	MIGTD_SS_READ_TD,       /* SERVTD.RD x4 MIG_ENC_KEY, SYS.RD version range */
	MIGTD_SS_QUOTE_START,   /* key, REPORTDATA, TDREPORT, GetQuote */
	MIGTD_SS_QUOTE_WAIT,    /* GetQuote in flight */
	MIGTD_SS_QUOTE_BACKOFF, /* QGS busy: wait before the next attempt */
	MIGTD_SS_TLS_START,     /* own certificate, TLS set-up */
	MIGTD_SS_HANDSHAKE,
	MIGTD_SS_SEND_INFO, /* our ExchangeInformation, one record */
	MIGTD_SS_RECV_INFO, /* the peer's 40 bytes */
	MIGTD_SS_CLOSE,     /* orderly stream shutdown */
	MIGTD_SS_COMMIT,    /* version, SERVTD_ATTR, MIG_VERSION, MIG_DEC_KEY */
	MIGTD_SS_ABORT,     /* failure: flush our alert, close, wipe */
	MIGTD_SS_REPORT,    /* ReportStatus(code) */
	MIGTD_SS_REPORT_WAIT,
};

struct migtd_core;

/*
 * Every secret a session holds, in one struct: the migration keys (ours, read
 * from MIG_ENC_KEY, and the peer's, for MIG_DEC_KEY) and the ExchangeInformation
 * buffers that carry them. wipe by sizeof(struct migtd_session_secrets) on
 * every path out (as Monocypher's WIPE_CTX does), so a secret added here is
 * wiped without touching the wiping code, wherever it sits in the struct.
 */
struct migtd_session_secrets {
	uint64_t own_key[EXCHANGE_KEY_WORDS];
	uint64_t peer_key[EXCHANGE_KEY_WORDS];
	uint8_t tx_info[EXCHANGE_INFORMATION_SIZE];
	uint8_t rx_info[MIGTD_SESSION_EXCH_BUF];
};

/* Caller must treat as opaque; exposed so its size is known (static storage). */
struct migtd_session {
	enum migtd_session_state state;
	struct migtd_core *core;
	unsigned index;
	uint64_t request_id;
	bool source; /* migration_source == 1: TLS client */
	struct migtd_servtd_binding binding;
	struct migtd_stream_params stream_params;
	uint32_t stream;
	bool stream_open;
	int io_err; /* first stream error seen by TLS I/O */
	uint64_t step_start_ms;
	uint64_t deadline_ms;             /* 0: no timer */
	uint64_t t_start_ms;              /* request received */
	int err;                          /* first error (MIGTD_OK while fine) */
	const char *reason;               /* short static text for err */
	struct migtd_session_secrets sec; /* wiped on every path (wipe_secrets) */
	size_t tx_done, rx_got;
	struct exchange_version_range own_ver, peer_ver;
	uint16_t version;
	uint8_t status; /* what ReportStatus sends */
	/* attestation */
	unsigned quote_verifications;         /* callback calls: own quote, then peer's */
	int64_t wall_time;                    /* cfg wall clock, read at session start */
	struct migtd_coll_ticket coll_ticket; /* the collateral fetch we wait for */
	int policy_result;                    /* enum policy_result; POLICY_RESULT_COUNT: none */
	bool tls_inited;
	struct ratls_session tls;
	unsigned quote_attempt;
	uint64_t quote_deadline_ms; /* every GetQuote attempt and back-off ends by then */
	struct migtd_quote_call qcall;
	const uint8_t *quote; /* view into qbuf */
	size_t quote_len;
	uint8_t qbuf[MIGTD_SESSION_QUOTE_BUF];
	/* policy v2 */
	bool has_init;            /* request carried init_td_info (§6.4) */
	uint8_t init_mrowner[48]; /* its MROWNER and MROWNERCONFIG */
	uint8_t init_mrownerconfig[48];
	unsigned ps_step; /* pre-session step (session.c) */
	size_t ps_done;   /* bytes of the current message moved */
	uint8_t ps_tx[MIGTD_PRESESSION_HELLO_MSG_SIZE];
	uint8_t ps_rx[MIGTD_PRESESSION_HDR_SIZE];
	uint16_t ps_version; /* negotiated pre-session version */
	uint8_t *peer_blob;  /* mbedTLS heap, <= MIGTD_PRESESSION_MAX_BLOB */
	size_t peer_blob_len;
	uint8_t peer_blob_hash[RATLS_POLICY_HASH_SIZE];
	/* vmcall-raw: an auxiliary request (GetTDReport, EnableLogArea, an
	 * error report) is a session that starts at REPORT with this data. */
	bool aux;
	size_t rdata_len;
	struct migtd_raw_call rawcall;
	uint8_t rawbuf[MIGTD_RAW_REPORT_BUF];
	/* ReportStatus */
	struct migtd_service_call rcall;
	uint8_t rcmd[GHCI_MIGTD_CMD_REPORT_LEN];
	uint8_t rrsp[MIGTD_REPORT_RSP_BUF];
};

/* ---- the core ------------------------------------------------------------------ */

enum migtd_core_state {
	MIGTD_CORE_BOOT = 0, /* measure, parse policy */
	MIGTD_CORE_QUERY,    /* Query sent, waiting */
	MIGTD_CORE_SERVE,    /* request loop */
	MIGTD_CORE_FATAL,
	MIGTD_CORE_OWN_QUOTE, /* cfg.own_quote_once: own quote, after Query */
};

enum migtd_own_step {
	MIGTD_OWN_QUOTE_START = 0, /* TDREPORT, GetQuote */
	MIGTD_OWN_QUOTE_WAIT,
	MIGTD_OWN_VERIFY, /* full verification (may wait for collateral) */
	MIGTD_OWN_DONE,
};

/* Our own quote, verified once (cfg.own_quote_once; src/core/session/own_quote.c). */
struct migtd_own_quote {
	bool valid;                             /* quote/report below may be reused */
	uint8_t quote[MIGTD_SESSION_QUOTE_BUF]; /* the quote verified in full */
	size_t quote_len;
	uint8_t report[MIGTD_VERIFIED_REPORT_SIZE]; /* its verified report */
	uint8_t fmspc[6];                           /* the collateral it was judged with: */
	enum migtd_pck_ca ca;                       /*  platform, CA type, */
	unsigned coll_entry;                        /*  cache entry (MIGTD_COLL_ENTRIES: none) */
	uint32_t coll_gen;                          /*  and that entry's fetch */
	/* the boot check */
	enum migtd_own_step step;
	int boot_err; /* MIGTD_OK: passed */
	uint64_t deadline_ms;
	struct migtd_quote_call call;
	struct migtd_coll_ticket ticket;
	const uint8_t *boot_quote; /* view into qbuf */
	size_t boot_quote_len;
	uint8_t qbuf[MIGTD_SESSION_QUOTE_BUF];
	/* statistics, for logs and tests */
	unsigned full_verifications; /* own quotes verified in full and kept */
	unsigned reuses;             /* sessions that took the kept result */
};

struct migtd_core {
	const struct migtd_platform *plat;
	struct migtd_config cfg;
	enum migtd_core_state state;
	int fatal;
	/* event log (with its trailing byte) and its parsed selection */
	uint8_t evlog[MIGTD_EVENT_LOG_MAX];
	size_t evlog_len;
	struct eventlog_parsed local_log;
	/* the policy, parsed once at boot; policy_err != MIGTD_OK: it does not
	 * parse, and every request fails with 9 when it evaluates its peer */
	struct policy_workspace policy_ws;
	int policy_err;
	/* the one Service call of the request loop (Query, then WaitForRequest) */
	bool svc_busy;
	uint64_t next_wfr_ms;
	uint64_t query_deadline_ms; /* Query must be answered by then (boot) */
	struct migtd_service_call svc;
	uint8_t svc_cmd[GHCI_QUERY_CMD_LEN];
	uint8_t svc_rsp[MIGTD_SERVICE_BUF];
	/* vmcall-raw: the one WaitForRequest of the request loop */
	struct migtd_raw_call raw_wfr;
	uint8_t raw_wfr_buf[MIGTD_RAW_WFR_BUF];
	uint64_t requests_aux; /* vmcall-raw requests other than StartMigration */
	/* statistics, for logs and tests */
	uint64_t requests_received;
	uint64_t requests_dropped; /* malformed HOB lists */
	uint64_t wfr_failures;     /* WaitForRequest calls that failed */
	uint64_t requests_duplicate;
	uint64_t sessions_succeeded;
	uint64_t sessions_failed;
	unsigned peak_sessions;
	uint64_t admission_waits; /* polls on which cfg.admit held a request back */
	/* scratch shared by all sessions (the core is single-threaded and no
	 * callback nests into another session) */
	uint8_t cert_work[MIGTD_CERT_WORK_SIZE];
	struct migtd_quote_verify_result qres;
	/* PCK chain and QE report signatures repeat for every quote of a
	 * platform: verified once per boot (see struct migtd_sig_cache). */
	struct migtd_sig_cache sig_cache;
	/* TCB Info, QE Identity, CRLs per platform (FMSPC + CA type). */
	struct migtd_coll_cache coll;
	struct migtd_own_quote own;
	/* The last peer quote that verified and its verified report (what the
	 * policy saw), for tests and diagnostics. */
	uint8_t last_peer_quote[MIGTD_SESSION_QUOTE_BUF];
	size_t last_peer_quote_len;
	uint8_t last_peer_report[MIGTD_VERIFIED_REPORT_SIZE];
	uint64_t last_peer_request;    /* the request that verified it */
	uint64_t peer_quotes_verified; /* +1 each time the three above change */
	struct policy_explain explain;
	char text[2048];
	/* policy v2: the loaded own policy, our pre-session data (mbedTLS
	 * heap, built at boot) and its SHA384 for our certificates */
	struct migtd_policy_v2 pv2;
	uint8_t *v2_blob;
	size_t v2_blob_len;
	uint8_t v2_blob_hash[RATLS_POLICY_HASH_SIZE];
	/* bytes of peers' pre-session data the sessions hold now (<= cfg.presession_budget) */
	size_t presession_held;
	struct migtd_pv2_explain pv2_explain;
	uint8_t v2_own_report[MIGTD_VERIFIED_REPORT_SIZE];
	/* cfg.own_quote_once: v2_own_report holds the boot quote's verified
	 * report (own_quote.c); the collateral is the policy's and never
	 * changes, so it stands for the life of the core. */
	bool v2_own_report_ok;
	struct migtd_session sessions[MIGTD_MAX_SESSIONS];
};

/* Check cfg and reset c (no platform call yet). MIGTD_ERR_INVALID for a bad
 * configuration (missing policy, v1 root CA or v2 issuer chain,
 * max_sessions > MIGTD_MAX_SESSIONS). */
int migtd_core_init(struct migtd_core *c, const struct migtd_platform *plat,
		    const struct migtd_config *cfg);

/*
 * Do all the work that can be done now, without blocking. The first calls
 * boot the MigTD (docs/protocol.md §1.2 steps 4-6, §9.4, §9.5): RTMR0 and RTMR1 get
 * td-shim's EV_SEPARATOR, RTMR2 SHA384(policy) (tag 1) and SHA384(root CA)
 * (tag 2), all logged in our CC event log; the root CA is parsed (not a DER
 * certificate -> MIGTD_ERR_INVALID_ROOT_CA, fatal); the policy is parsed (an
 * invalid one is logged, not fatal: each request then fails with status 9);
 * Query is sent (not supported -> MIGTD_ERR_UNSUPPORTED, fatal). Then it
 * serves requests forever.
 *
 * Policy v2 boots as upstream's policy_v2 build (§1.2 step 4, §7.7.6): the
 * issuer chain goes into RTMR1 (tag 3), the signed policy into RTMR2 (tag
 * 1, event data "2.0"); the policy must load and verify and our TDREPORT's
 * MROWNER / MROWNERCONFIG must match it, else the MigTD stops with
 * MIGTD_ERR_INVALID_POLICY (upstream panics with 9).
 *
 * Returns MIGTD_OK or a fatal error (the MigTD should stop; every later call
 * returns the same error). *next_wakeup_ms = the platform time (now_ms) by
 * which it wants to be polled again, even if nothing else happens.
 */
int migtd_core_poll(struct migtd_core *c, uint64_t *next_wakeup_ms);

/* End every session (no report), wipe every secret and the whole core. Only
 * call it once the platform no longer completes calls started by the core. */
void migtd_core_fini(struct migtd_core *c);

/* Introspection. */
unsigned migtd_core_active_sessions(const struct migtd_core *c);
/* Our CC event log, including the trailing byte (§9.5); NULL before boot. */
const uint8_t *migtd_core_event_log(const struct migtd_core *c, size_t *len);
/* Bytes of the core's own memory used per session slot (mbedTLS heap not included). */
size_t migtd_core_session_size(void);

/* The session state machine, one step (used by migtd_core_poll). Returns
 * true if it made progress (call again), false if it waits. */
bool migtd_session_step(struct migtd_session *s, uint64_t now);

const char *migtd_session_state_name(enum migtd_session_state st);

#endif /* MIGTD_SESSION_H */
